-- reminders: one clock for every decision and every timer, and the timers
-- of every interview (hf/timer.h): its reminders, its no-show check and,
-- while it waits for a slot, the expiry of its invitation.

-- The present is the timers' clock (common/migrations/0005_timers_freeze.sql):
-- a test that holds it (timers.freeze) or moves it (timers.advance) moves
-- the slots' "now" and the timers' due checks together. The frozen clock of
-- scheduling alone goes.
CREATE OR REPLACE FUNCTION scheduling.now() RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS 'SELECT timers.now()';

DROP TABLE scheduling.clock;

-- The timers the given interviews of tenant t should have now, by their
-- state and their job's settings (scheduling.job_settings_of):
--  - booked, not under way (scheduled, reminded, rescheduled): a reminder
--    for each of reminder_minutes still ahead of the present, key
--    interviews/<id>/<minutes>; the no-show check at the slot's end plus
--    the grace (in_progress too: the check then waits for the call);
--  - waiting: the expiry of the invitation, invitation_expiry_hours after
--    it reached scheduling (on this clock; kept in the payload as arrived).
-- A key names one timer of one interview: interviews/<id>/<what>.
CREATE FUNCTION scheduling.wanted_timers(t uuid, ids uuid[])
    RETURNS TABLE (kind text, key text, due timestamptz, payload jsonb)
    LANGUAGE sql STABLE
    AS $$
    SELECT 'scheduling.reminder', 'interviews/' || i.id || '/' || m,
           i.start_time - make_interval(mins => m),
           jsonb_build_object('interviewId', i.id, 'minutes', m,
                              'startTime', scheduling.rfc3339(i.start_time))
      FROM scheduling.interviews i
     CROSS JOIN LATERAL scheduling.job_settings_of(i.tenant_id, i.job_id) s
     CROSS JOIN LATERAL unnest(s.reminder_minutes) m
     WHERE i.tenant_id = t AND i.id = ANY (ids)
       AND i.state IN ('scheduled', 'reminded', 'rescheduled')
       AND i.start_time - make_interval(mins => m) > scheduling.now()
    UNION ALL
    SELECT 'scheduling.no_show', 'interviews/' || i.id || '/no_show',
           i.end_time + make_interval(mins => s.no_show_grace_minutes),
           jsonb_build_object('interviewId', i.id)
      FROM scheduling.interviews i
     CROSS JOIN LATERAL scheduling.job_settings_of(i.tenant_id, i.job_id) s
     WHERE i.tenant_id = t AND i.id = ANY (ids)
       AND i.state IN ('scheduled', 'reminded', 'rescheduled', 'in_progress')
    UNION ALL
    SELECT 'scheduling.expiry', 'interviews/' || i.id || '/expiry',
           a.arrived + make_interval(hours => s.invitation_expiry_hours),
           jsonb_build_object('interviewId', i.id, 'arrived', a.arrived)
      FROM scheduling.interviews i
     CROSS JOIN LATERAL scheduling.job_settings_of(i.tenant_id, i.job_id) s
     CROSS JOIN LATERAL (SELECT coalesce((SELECT (x.payload ->> 'arrived')::timestamptz
                                            FROM timers.timer x
                                           WHERE x.kind = 'scheduling.expiry'
                                             AND x.tenant_id = t::text
                                             AND x.key = 'interviews/' || i.id || '/expiry'),
                                         scheduling.now()) AS arrived) a
     WHERE i.tenant_id = t AND i.id = ANY (ids) AND i.state = 'waiting'
    $$;

-- Make the timers of the given interviews of tenant t what
-- scheduling.wanted_timers says, set-based: those wanted are armed (moved
-- when their time changed; one already so, fired or not, is left as it is,
-- so a reminder fires once per time), the others of the interview still
-- ahead are forgotten. One already due is left to fire: it may be the
-- timer firing now (its move brought us here), and one that is not finds
-- its interview moved on and does nothing. Called by the triggers below on every
-- placing, move and invitation, and after a change of a job's settings.
-- Returns how many timers were armed or moved.
CREATE FUNCTION scheduling.arm_timers(t uuid, ids uuid[]) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    armed bigint;
BEGIN
    WITH w AS (SELECT w.kind, w.key FROM scheduling.wanted_timers(t, ids) w)
    DELETE FROM timers.timer x
     USING unnest(ids) AS u(id)
     WHERE x.kind IN ('scheduling.reminder', 'scheduling.no_show', 'scheduling.expiry')
       AND x.tenant_id = t::text AND x.state <> 'fired' AND x.due_time > scheduling.now()
       AND x.key >= 'interviews/' || u.id || '/'
       AND x.key < 'interviews/' || u.id || '/' || chr(127)
       AND (x.kind, x.key) NOT IN (SELECT kind, key FROM w);
    SELECT timers.set_many(array_agg(w.kind), array_agg(t::text), array_agg(w.key),
                           array_agg(w.due), array_agg(w.payload))
      INTO armed
      FROM scheduling.wanted_timers(t, ids) w;
    RETURN coalesce(armed, 0);
END
$$;

-- Every statement that adds interviews or changes their state or time arms
-- their timers in its transaction: the placing of thousands by one UPDATE
-- (store_assign) as much as a single move (store_interview_move), so no
-- path can leave an interview without its reminders or with stale ones.
CREATE FUNCTION scheduling.interviews_timers() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM scheduling.arm_timers(n.tenant_id, array_agg(n.id))
           FROM new_rows n GROUP BY n.tenant_id;
    ELSE
        PERFORM scheduling.arm_timers(n.tenant_id, array_agg(n.id))
           FROM new_rows n JOIN old_rows o ON o.tenant_id = n.tenant_id AND o.id = n.id
          WHERE n.state IS DISTINCT FROM o.state OR n.start_time IS DISTINCT FROM o.start_time
          GROUP BY n.tenant_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER interviews_timers_added AFTER INSERT ON scheduling.interviews
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scheduling.interviews_timers();
CREATE TRIGGER interviews_timers_moved AFTER UPDATE ON scheduling.interviews
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scheduling.interviews_timers();

-- The timers of a job's open interviews after its settings changed.
CREATE FUNCTION scheduling.arm_job_timers(t uuid, j uuid) RETURNS bigint
    LANGUAGE sql
    AS $$
    SELECT scheduling.arm_timers(t, array_agg(id))
      FROM scheduling.interviews
     WHERE tenant_id = t AND job_id = j
       AND state NOT IN ('completed', 'no_show', 'cancelled')
    $$;
