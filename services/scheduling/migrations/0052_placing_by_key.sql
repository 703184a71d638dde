-- The waiting interviews a placing takes first (assign.c, store_interviews.c):
-- a company's oldest, locked (SKIP LOCKED: replicas and the assigner share
-- them), at most n, walked in the order of interviews_waiting (0004) and
-- nothing else. Inside the placing statement the planner chose by the
-- statistics of the moment: during a mass import, with the table grown from
-- empty faster than autovacuum analyses it, it read the tenant's every
-- interview through another index and sorted them, once per batch of
-- invitations (auto_explain: 4 528 rows read and sorted to place none, a
-- cost that grows with the table). The SET clauses hold for this statement
-- only, as for pipeline.screening_claim (pipeline 0012).
CREATE FUNCTION scheduling.waiting_lot(t uuid, c uuid, n int)
    RETURNS TABLE (row_id tid, id uuid, invite_time timestamptz)
    LANGUAGE sql VOLATILE
    SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off
    AS $$
    SELECT i.ctid, i.id, i.invite_time FROM scheduling.interviews i
     WHERE i.tenant_id = t AND i.company_id = c AND i.state = 'waiting'
     ORDER BY i.invite_time, i.id LIMIT n FOR UPDATE SKIP LOCKED
    $$;

-- The timers wanted (0050) of interviews reached by primary key, one probe
-- per id (LATERAL … OFFSET 0). As `tenant_id = t AND id = ANY (ids)` the
-- planner, with statistics from when the table was small, walked the
-- tenant's waiting interviews by another index to keep the few asked for
-- (auto_explain during a mass import: 2 857 read to keep 417, in each of
-- the three branches, for every batch of invitations).
CREATE OR REPLACE FUNCTION scheduling.wanted_timers(t uuid, ids uuid[])
    RETURNS TABLE (kind text, key text, due timestamptz, payload jsonb)
    LANGUAGE sql STABLE
    AS $$
    WITH i AS MATERIALIZED (
        SELECT i.* FROM unnest(ids) AS u(id)
         CROSS JOIN LATERAL (SELECT * FROM scheduling.interviews i
                              WHERE i.tenant_id = t AND i.id = u.id OFFSET 0) i)
    SELECT 'scheduling.reminder', 'interviews/' || i.id || '/' || m,
           i.start_time - make_interval(mins => m),
           jsonb_build_object('interviewId', i.id, 'minutes', m,
                              'startTime', scheduling.rfc3339(i.start_time))
      FROM i
     CROSS JOIN LATERAL scheduling.job_settings_of(i.tenant_id, i.job_id) s
     CROSS JOIN LATERAL unnest(s.reminder_minutes) m
     WHERE i.state IN ('scheduled', 'reminded', 'rescheduled')
       AND i.start_time - make_interval(mins => m) > scheduling.now()
    UNION ALL
    SELECT 'scheduling.no_show', 'interviews/' || i.id || '/no_show',
           i.end_time + make_interval(mins => s.no_show_grace_minutes),
           jsonb_build_object('interviewId', i.id)
      FROM i
     CROSS JOIN LATERAL scheduling.job_settings_of(i.tenant_id, i.job_id) s
     WHERE i.state IN ('scheduled', 'reminded', 'rescheduled', 'in_progress')
    UNION ALL
    SELECT 'scheduling.expiry', 'interviews/' || i.id || '/expiry',
           a.arrived + make_interval(hours => s.invitation_expiry_hours),
           jsonb_build_object('interviewId', i.id, 'arrived', a.arrived)
      FROM i
     CROSS JOIN LATERAL scheduling.job_settings_of(i.tenant_id, i.job_id) s
     CROSS JOIN LATERAL (SELECT coalesce((SELECT (x.payload ->> 'arrived')::timestamptz
                                            FROM timers.timer x
                                           WHERE x.kind = 'scheduling.expiry'
                                             AND x.tenant_id = t::text
                                             AND x.key = 'interviews/' || i.id || '/expiry'),
                                         scheduling.now()) AS arrived) a
     WHERE i.state = 'waiting'
    $$;
