-- AI-interview lines: how many calls at once, when, in which time zone, and
-- the days and windows without interviews. The group's settings are the row
-- of company_id = the nil UUID; a company's row overrides what it sets (NULL
-- takes the group's). Lines form pools: the group's shared lines (pool nil)
-- and each company with lines of its own (pool = the company). A pool's
-- slots have one time zone and one length, so a company may set those only
-- with lines of its own; hours and closures are any company's own.

-- The present for every decision about slots ("in the past", the window,
-- which slots are free). A row in scheduling.clock holds it still, for tests
-- that choose the slots of a known Monday; in service nobody writes one.
CREATE TABLE scheduling.clock (
    only_row boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    fixed    timestamptz NOT NULL
);

CREATE FUNCTION scheduling.now() RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS 'SELECT coalesce((SELECT fixed FROM scheduling.clock), now())';

-- The company_id of what is the whole group's (settings, hours, closures)
-- and the pool of its shared lines.
CREATE FUNCTION scheduling.group_wide() RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT '00000000-0000-0000-0000-000000000000'::uuid $$;

CREATE TABLE scheduling.settings (
    tenant_id    uuid        NOT NULL,
    company_id   uuid        NOT NULL,   -- the nil UUID: the group's
    lines        int         CHECK (lines BETWEEN 1 AND 100000),
    slot_minutes int         CHECK (slot_minutes BETWEEN 5 AND 480),
    time_zone    text,                   -- checked against pg_timezone_names on write
    window_days  int         CHECK (window_days BETWEEN 1 AND 14),
    own_hours    boolean     NOT NULL DEFAULT false, -- a company's: working_hours has its own
    version      bigint      NOT NULL DEFAULT 1,
    create_time  timestamptz NOT NULL DEFAULT now(),
    update_time  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, company_id)
);

-- Working time, per weekday, in minutes of the local day (0..1440) in the
-- pool's time zone. The group's rows always exist once it has settings.
CREATE TABLE scheduling.working_hours (
    tenant_id  uuid     NOT NULL,
    company_id uuid     NOT NULL,        -- the nil UUID: the group's
    weekday    smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_min  int      NOT NULL CHECK (start_min >= 0),
    end_min    int      NOT NULL CHECK (end_min <= 1440),
    CHECK (start_min < end_min),
    PRIMARY KEY (tenant_id, company_id, weekday, start_min)
);

-- Holidays (a local day) and blackouts (a window) of the group (nil UUID) or
-- of one company.
CREATE TABLE scheduling.closures (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    company_id  uuid        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('holiday', 'blackout')),
    day         date,
    during      tstzrange,
    name        text        NOT NULL DEFAULT '',
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CHECK ((kind = 'holiday') = (day IS NOT NULL)),
    CHECK ((kind = 'blackout') = (during IS NOT NULL AND NOT isempty(during)))
);
CREATE INDEX closures_by_company ON scheduling.closures (tenant_id, company_id, create_time, id);

-- What applies to company c of tenant t (c may be the nil UUID: the group):
-- its pool, lines, slot length, time zone, window, and whose working hours.
CREATE FUNCTION scheduling.profile(t uuid, c uuid)
    RETURNS TABLE (pool uuid, lines int, slot_minutes int, time_zone text, window_days int,
                   hours_of uuid)
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN cs.lines IS NOT NULL THEN c ELSE scheduling.group_wide() END,
           coalesce(cs.lines, gs.lines),
           CASE WHEN cs.lines IS NOT NULL THEN coalesce(cs.slot_minutes, gs.slot_minutes, 30)
                ELSE coalesce(gs.slot_minutes, 30) END,
           CASE WHEN cs.lines IS NOT NULL THEN coalesce(cs.time_zone, gs.time_zone, 'Asia/Shanghai')
                ELSE coalesce(gs.time_zone, 'Asia/Shanghai') END,
           coalesce(cs.window_days, gs.window_days, 3),
           CASE WHEN cs.own_hours THEN c ELSE scheduling.group_wide() END
      FROM (SELECT) one
      LEFT JOIN scheduling.settings gs ON gs.tenant_id = t AND gs.company_id = scheduling.group_wide()
      LEFT JOIN scheduling.settings cs ON cs.tenant_id = t AND cs.company_id = c
                                      AND c <> scheduling.group_wide()
    $$;

-- Minutes since local midnight of a slot's start and end in zone tz (an end
-- at the next midnight is 1440).
CREATE FUNCTION scheduling.local_minutes(at timestamptz, tz text) RETURNS int
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT (extract(hour FROM at AT TIME ZONE tz) * 60
                  + extract(minute FROM at AT TIME ZONE tz))::int $$;

-- Whether [s, e) lies within the working hours of hours_of (a company, or
-- the nil UUID for the group's) in zone tz, on the weekday s falls on.
CREATE FUNCTION scheduling.in_hours(t uuid, hours_of uuid, tz text, s timestamptz,
                                    e timestamptz) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT EXISTS (
        SELECT 1 FROM scheduling.working_hours h
         WHERE h.tenant_id = t AND h.company_id = hours_of
           AND h.weekday = extract(isodow FROM s AT TIME ZONE tz)
           AND h.start_min <= scheduling.local_minutes(s, tz)
           AND h.end_min >= CASE WHEN (e AT TIME ZONE tz)::date > (s AT TIME ZONE tz)::date
                                 THEN 1440 + scheduling.local_minutes(e, tz)
                                 ELSE scheduling.local_minutes(e, tz) END)
    $$;

-- Whether [s, e) is closed for company c (a holiday on its local day in zone
-- tz, or a blackout over it), by the group's closures or c's own.
CREATE FUNCTION scheduling.closed(t uuid, c uuid, tz text, s timestamptz, e timestamptz)
    RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT EXISTS (
        SELECT 1 FROM scheduling.closures x
         WHERE x.tenant_id = t AND x.company_id IN (scheduling.group_wide(), c)
           AND (x.day = (s AT TIME ZONE tz)::date OR x.during && tstzrange(s, e)))
    $$;

-- Whether local day d is a working day for company c: it has working hours
-- (of hours_of) and is no holiday of the group's or c's.
CREATE FUNCTION scheduling.working_day(t uuid, c uuid, hours_of uuid, d date) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT EXISTS (SELECT 1 FROM scheduling.working_hours h
                    WHERE h.tenant_id = t AND h.company_id = hours_of
                      AND h.weekday = extract(isodow FROM d))
       AND NOT EXISTS (SELECT 1 FROM scheduling.closures x
                        WHERE x.tenant_id = t AND x.company_id IN (scheduling.group_wide(), c) AND x.day = d)
    $$;

-- The end of company c's invitation window for an invitation at `at`: the
-- end of the window_days-th working day after at's local day (so the rest of
-- today comes on top). NULL when c has no working day within a year.
CREATE FUNCTION scheduling.window_end(t uuid, c uuid, at timestamptz) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT ((w.d + 1)::timestamp AT TIME ZONE p.time_zone)
      FROM scheduling.profile(t, c) p
     CROSS JOIN LATERAL (
        SELECT d::date AS d
          FROM generate_series((at AT TIME ZONE p.time_zone)::date + 1,
                               (at AT TIME ZONE p.time_zone)::date + 366, interval '1 day') d
         WHERE scheduling.working_day(t, c, p.hours_of, d::date)
         ORDER BY d OFFSET p.window_days - 1 LIMIT 1) w
    $$;
