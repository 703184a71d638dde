-- Arming timers stays linear in what a statement moves. The first
-- arm_timers found the timers to drop with a join of every pending timer of
-- the tenant against the moved ids, so a placing of 5 000 behind 40 000
-- placed compared 200 million pairs (a minute a batch). Now:
--  * interviews just added have no timers yet: their trigger only sets the
--    wanted ones (scheduling.arm_new_timers);
--  * moved ones drop theirs through one index range per interview
--    ('interviews/<id>/' to the next id), the wanted ones looked up in a
--    jsonb map, the rows reached by ctid = ANY.

CREATE FUNCTION scheduling.arm_new_timers(t uuid, ids uuid[]) RETURNS bigint
    LANGUAGE sql
    AS $$
    SELECT coalesce(timers.set_many(array_agg(w.kind), array_agg(t::text), array_agg(w.key),
                                    array_agg(w.due), array_agg(w.payload)), 0)
      FROM scheduling.wanted_timers(t, ids) w
    $$;

CREATE OR REPLACE FUNCTION scheduling.arm_timers(t uuid, ids uuid[]) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    wanted jsonb;  -- "<kind> <key>" of every timer wanted: a map, looked up by key
BEGIN
    SELECT coalesce(jsonb_object_agg(w.kind || ' ' || w.key, true), '{}')
      INTO wanted FROM scheduling.wanted_timers(t, ids) w;
    DELETE FROM timers.timer x
     WHERE x.ctid = ANY (ARRAY(
           SELECT o.row_id
             FROM unnest(ids) AS u(id)
            CROSS JOIN LATERAL (
                  SELECT y.ctid AS row_id, y.kind, y.key FROM timers.timer y
                   WHERE y.kind IN ('scheduling.reminder', 'scheduling.no_show',
                                    'scheduling.expiry')
                     AND y.tenant_id = t::text
                     AND y.key >= 'interviews/' || u.id || '/'
                     AND y.key < 'interviews/' || u.id || '/' || chr(127)
                     AND y.state <> 'fired' AND y.due_time > scheduling.now()) o
            WHERE NOT wanted ? (o.kind || ' ' || o.key)));
    RETURN scheduling.arm_new_timers(t, ids);
END
$$;

CREATE OR REPLACE FUNCTION scheduling.interviews_timers() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM scheduling.arm_new_timers(n.tenant_id, array_agg(n.id))
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
