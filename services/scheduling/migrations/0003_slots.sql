-- Slots: the seats of each pool of lines, per stretch of slot_minutes.
-- booked never exceeds capacity (the CHECK holds it under any concurrency:
-- a booking is `UPDATE … SET booked = booked + k WHERE booked + k <=
-- capacity`). A pool's slots lie on one grid, local midnight + k × its slot
-- length in its zone, so no two of them overlap; they are made from the
-- working hours of the companies booking into the pool and skip the
-- holidays and blackouts that close the whole pool. A company's own hours
-- and closures within a shared pool decide which of its slots it may use
-- (scheduling.eligible).
CREATE TABLE scheduling.slots (
    tenant_id  uuid        NOT NULL,
    pool_id    uuid        NOT NULL,   -- the company whose lines these are, or group_wide()
    start_time timestamptz NOT NULL,
    end_time   timestamptz NOT NULL,
    capacity   int         NOT NULL CHECK (capacity >= 0),
    booked     int         NOT NULL DEFAULT 0 CHECK (booked >= 0),
    CHECK (booked <= capacity),
    CHECK (end_time > start_time),
    PRIMARY KEY (tenant_id, pool_id, start_time)
);
CREATE INDEX slots_free ON scheduling.slots (tenant_id, pool_id, start_time)
    WHERE booked < capacity;

-- The pools of tenant t: the group's shared lines (when it has lines) and
-- every company with lines of its own.
CREATE FUNCTION scheduling.pools(t uuid)
    RETURNS TABLE (pool uuid, lines int, slot_minutes int, time_zone text)
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT p.pool, p.lines, p.slot_minutes, p.time_zone
      FROM scheduling.profile(t, scheduling.group_wide()) p WHERE p.lines IS NOT NULL
    UNION ALL
    SELECT p.pool, p.lines, p.slot_minutes, p.time_zone
      FROM scheduling.settings s CROSS JOIN LATERAL scheduling.profile(t, s.company_id) p
     WHERE s.tenant_id = t AND s.company_id <> scheduling.group_wide() AND s.lines IS NOT NULL
    $$;

-- The working hours that make each pool's slots: a company's own lines
-- with its hours (or the group's); the shared lines with the group's and
-- those of every company that shares them with hours of its own.
CREATE FUNCTION scheduling.pool_hours(t uuid)
    RETURNS TABLE (pool uuid, weekday smallint, start_min int, end_min int)
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT DISTINCT o.pool, h.weekday, h.start_min, h.end_min
      FROM (SELECT s.company_id AS pool,
                   CASE WHEN s.own_hours THEN s.company_id ELSE scheduling.group_wide() END AS owner
              FROM scheduling.settings s
             WHERE s.tenant_id = t AND s.company_id <> scheduling.group_wide()
               AND s.lines IS NOT NULL
            UNION ALL
            SELECT scheduling.group_wide(), scheduling.group_wide()
            UNION ALL
            SELECT scheduling.group_wide(), s.company_id
              FROM scheduling.settings s
             WHERE s.tenant_id = t AND s.company_id <> scheduling.group_wide()
               AND s.lines IS NULL AND s.own_hours) o
      JOIN scheduling.working_hours h ON h.tenant_id = t AND h.company_id = o.owner
    $$;

-- The slots tenant t's settings call for, from now to the end of the local
-- day `days` days ahead, per pool: the grid within working hours, without
-- what the pool's holidays and blackouts close.
CREATE FUNCTION scheduling.wanted_slots(t uuid, days int)
    RETURNS TABLE (pool uuid, start_time timestamptz, end_time timestamptz, capacity int)
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT DISTINCT p.pool, s.start_time, s.end_time, p.lines
      FROM scheduling.pools(t) p
     CROSS JOIN LATERAL generate_series((scheduling.now() AT TIME ZONE p.time_zone)::date,
                                        (scheduling.now() AT TIME ZONE p.time_zone)::date + days,
                                        interval '1 day') d
      JOIN scheduling.pool_hours(t) h ON h.pool = p.pool AND h.weekday = extract(isodow FROM d)
     CROSS JOIN LATERAL generate_series((h.start_min + p.slot_minutes - 1) / p.slot_minutes,
                                        h.end_min / p.slot_minutes - 1) k
     CROSS JOIN LATERAL (
        SELECT (d::date + make_interval(mins => k * p.slot_minutes))
                   AT TIME ZONE p.time_zone AS start_time,
               (d::date + make_interval(mins => (k + 1) * p.slot_minutes))
                   AT TIME ZONE p.time_zone AS end_time) s
     WHERE s.start_time >= scheduling.now()
       AND NOT scheduling.closed(t, p.pool, p.time_zone, s.start_time, s.end_time)
    $$;

-- Make tenant t's future slots what its settings call for, `days` days
-- ahead, without ever dropping a booking: unbooked slots no longer wanted
-- go, booked ones keep exactly their bookings (capacity = booked), wanted
-- ones are added or take the new capacity (never below what is booked).
-- Past slots stay as they were. One tenant at a time (an advisory lock).
CREATE FUNCTION scheduling.regenerate(t uuid, days int) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('scheduling.slots:' || t, 0));
    WITH w AS MATERIALIZED (SELECT * FROM scheduling.wanted_slots(t, days))
    DELETE FROM scheduling.slots s
     WHERE s.tenant_id = t AND s.start_time >= scheduling.now() AND s.booked = 0
       AND NOT EXISTS (SELECT 1 FROM w WHERE w.pool = s.pool_id AND w.start_time = s.start_time
                                        AND w.end_time = s.end_time);
    WITH w AS MATERIALIZED (SELECT * FROM scheduling.wanted_slots(t, days))
    UPDATE scheduling.slots s SET capacity = s.booked
     WHERE s.tenant_id = t AND s.start_time >= scheduling.now() AND s.capacity <> s.booked
       AND NOT EXISTS (SELECT 1 FROM w WHERE w.pool = s.pool_id AND w.start_time = s.start_time
                                        AND w.end_time = s.end_time);
    INSERT INTO scheduling.slots AS s (tenant_id, pool_id, start_time, end_time, capacity)
    SELECT t, w.pool, w.start_time, w.end_time, w.capacity
      FROM scheduling.wanted_slots(t, days) w
    ON CONFLICT (tenant_id, pool_id, start_time) DO UPDATE
       SET capacity = greatest(s.booked, EXCLUDED.capacity)
     WHERE s.end_time = EXCLUDED.end_time AND s.capacity <> greatest(s.booked, EXCLUDED.capacity);
END
$$;

-- The slots company c may book, starting in [lo, hi): of its pool, within
-- its working hours, not closed for it; with their local day and their row
-- (ctid: a statement that books them finds them by it).
CREATE FUNCTION scheduling.eligible(t uuid, c uuid, lo timestamptz, hi timestamptz)
    RETURNS TABLE (pool_id uuid, start_time timestamptz, end_time timestamptz, capacity int,
                   booked int, day date, row_id tid)
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT s.pool_id, s.start_time, s.end_time, s.capacity, s.booked,
           (s.start_time AT TIME ZONE p.time_zone)::date, s.ctid
      FROM scheduling.profile(t, c) p
      JOIN scheduling.slots s ON s.tenant_id = t AND s.pool_id = p.pool
                             AND s.start_time >= lo AND s.start_time < hi
     WHERE scheduling.in_hours(t, p.hours_of, p.time_zone, s.start_time, s.end_time)
       AND NOT scheduling.closed(t, c, p.time_zone, s.start_time, s.end_time)
    $$;

-- Why company c may not book the slot starting at `at`: 'in_the_past',
-- 'closed' (a holiday or blackout), 'outside_working_hours', 'not_a_slot'
-- (not a start of its pool's grid, or beyond the slots made so far), 'full';
-- '' when it may.
CREATE FUNCTION scheduling.why_not(t uuid, c uuid, at timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT CASE
        WHEN at < scheduling.now() THEN 'in_the_past'
        WHEN scheduling.closed(t, c, p.time_zone, at,
                               coalesce(s.end_time, at + make_interval(mins => p.slot_minutes)))
            THEN 'closed'
        WHEN NOT scheduling.in_hours(t, p.hours_of, p.time_zone, at,
                                     coalesce(s.end_time, at + make_interval(mins => p.slot_minutes)))
            THEN 'outside_working_hours'
        WHEN s.start_time IS NULL THEN 'not_a_slot'
        WHEN s.booked >= s.capacity THEN 'full'
        ELSE '' END
      FROM scheduling.profile(t, c) p
      LEFT JOIN scheduling.slots s ON s.tenant_id = t AND s.pool_id = p.pool AND s.start_time = at
    $$;
