-- notify: the delivery jobs, one row per letter or SMS to send (deliver.c).
--
-- A row is queued (due at run_time), sending (leased by a replica until
-- run_time: a replica that dies mid-send leaves the lease to lapse and
-- another sends again, at least once, under the same id), sent, or dead
-- (last_error says why: ids and codes only). The recipient, subject, bodies
-- and attachment are sealed with the service's keyring (AAD
-- "<tenant>:delivery.<field>"); recipient_index is their blind index and
-- recipient_masked what the API shows. dedupe_key is unique per tenant, so
-- a redelivered event enqueues once. Times are on the one clock,
-- timers.now(), so tests hold and move them.
CREATE TABLE notify.delivery (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL,
    company_id       uuid,
    candidate_id     uuid,
    dedupe_key       text NOT NULL,
    channel          text NOT NULL CHECK (channel IN ('email', 'sms')),
    category         text NOT NULL DEFAULT 'transactional'
                     CHECK (category IN ('transactional', 'marketing')),
    recipient        text NOT NULL,
    recipient_index  text NOT NULL,
    recipient_masked text NOT NULL,
    subject          text,
    body             text NOT NULL,
    html             text,
    attach_name      text,
    attach_type      text,
    attach_data      text,
    time_zone        text NOT NULL,
    state            text NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'sending', 'sent', 'dead')),
    held             boolean NOT NULL DEFAULT false,
    attempts         integer NOT NULL DEFAULT 0,
    run_time         timestamptz NOT NULL,
    last_error       text,
    sent_time        timestamptz,
    create_time      timestamptz NOT NULL DEFAULT now(),
    update_time      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, dedupe_key)
);
CREATE INDEX delivery_due ON notify.delivery (run_time) WHERE state IN ('queued', 'sending');
CREATE INDEX delivery_list ON notify.delivery (tenant_id, create_time, id);
CREATE INDEX delivery_candidate ON notify.delivery (tenant_id, candidate_id, create_time, id);
CREATE INDEX delivery_dead ON notify.delivery (tenant_id) WHERE state = 'dead';

-- The per-tenant, per-channel send budget of the current second: the claim
-- locks the row, so every replica draws on the same budget.
CREATE TABLE notify.delivery_rate (
    tenant_id    uuid NOT NULL,
    channel      text NOT NULL,
    window_start timestamptz NOT NULL,
    used         integer NOT NULL,
    PRIMARY KEY (tenant_id, channel)
);

-- A commit that enqueues wakes the senders (LISTEN notify_delivery).
CREATE FUNCTION notify.delivery_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('notify_delivery', '');
    RETURN NULL;
END $$;
CREATE TRIGGER delivery_wake AFTER INSERT ON notify.delivery
    FOR EACH STATEMENT EXECUTE FUNCTION notify.delivery_wake();

-- Quiet hours: NULL when t is outside them in time zone tz, else the
-- instant they end there. q_start and q_end are minutes after midnight; the
-- hours wrap midnight when q_start > q_end (21:00-08:00); equal: none.
CREATE FUNCTION notify.quiet_until(tz text, t timestamptz, q_start integer, q_end integer)
RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
DECLARE
    loc timestamp := t AT TIME ZONE tz;
    m integer := extract(hour FROM loc)::integer * 60 + extract(minute FROM loc)::integer;
    d date;
BEGIN
    IF q_start = q_end THEN
        RETURN NULL;
    ELSIF q_start > q_end THEN
        IF m >= q_start THEN
            d := loc::date + 1;
        ELSIF m < q_end THEN
            d := loc::date;
        ELSE
            RETURN NULL;
        END IF;
    ELSIF m >= q_start AND m < q_end THEN
        d := loc::date;
    ELSE
        RETURN NULL;
    END IF;
    RETURN (d + make_interval(mins => q_end)) AT TIME ZONE tz;
END $$;

-- Claim up to n due jobs for sending, in the caller's transaction: SMS that
-- came due inside quiet hours (queued, or a lapsed lease's) are held until
-- the morning instead, and never claimed whether this pass got to holding
-- them or not; the rest
-- are granted per (tenant, channel) within the second's budget (rates:
-- {"email": 50, "sms": 20}), leased for lease_ms and counted as an attempt.
-- Returns the leased ids with their attempt numbers (the write-back's
-- guard) and, as limited, how many due jobs waited for the next second.
CREATE FUNCTION notify.claim(n integer, lease_ms integer, rates jsonb,
                             q_start integer, q_end integer)
RETURNS TABLE (job_id uuid, job_attempts integer, limited integer)
LANGUAGE plpgsql AS $$
DECLARE
    now_t timestamptz := timers.now();
    win timestamptz := date_trunc('second', clock_timestamp());
    g record;
    used_now integer;
    grant_n integer;
    granted uuid[] := '{}';
    waiting integer := 0;
BEGIN
    UPDATE notify.delivery d SET state = 'queued', held = true, run_time = h.until,
           update_time = now()
      FROM (SELECT x.id, notify.quiet_until(x.time_zone, now_t, q_start, q_end) AS until
              FROM notify.delivery x
             WHERE x.state IN ('queued', 'sending') AND x.channel = 'sms'
               AND x.run_time <= now_t
             ORDER BY x.run_time LIMIT n FOR UPDATE SKIP LOCKED) h
     WHERE d.id = h.id AND h.until IS NOT NULL;

    FOR g IN
        SELECT c.tenant_id, c.channel, array_agg(c.id ORDER BY c.run_time) AS ids
          FROM (SELECT x.id, x.tenant_id, x.channel, x.run_time FROM notify.delivery x
                 WHERE x.state IN ('queued', 'sending') AND x.run_time <= now_t
                   AND (x.channel <> 'sms'
                        OR notify.quiet_until(x.time_zone, now_t, q_start, q_end) IS NULL)
                 ORDER BY x.run_time LIMIT n FOR UPDATE SKIP LOCKED) c
         GROUP BY c.tenant_id, c.channel
    LOOP
        INSERT INTO notify.delivery_rate AS w VALUES (g.tenant_id, g.channel, win, 0)
        ON CONFLICT (tenant_id, channel) DO UPDATE
           SET used = CASE WHEN w.window_start = win THEN w.used ELSE 0 END, window_start = win
        RETURNING w.used INTO used_now;
        grant_n := greatest(0, least(cardinality(g.ids),
                                     coalesce((rates ->> g.channel)::integer, 1000000) - used_now));
        UPDATE notify.delivery_rate SET used = used + grant_n
         WHERE tenant_id = g.tenant_id AND channel = g.channel;
        granted := granted || g.ids[1:grant_n];
        waiting := waiting + cardinality(g.ids) - grant_n;
    END LOOP;

    RETURN QUERY
    UPDATE notify.delivery d SET state = 'sending', held = false, attempts = d.attempts + 1,
           run_time = now_t + lease_ms * interval '1 millisecond', update_time = now()
     WHERE d.id = ANY (granted)
    RETURNING d.id, d.attempts, waiting;
    IF NOT FOUND AND waiting > 0 THEN
        RETURN QUERY SELECT NULL::uuid, 0, waiting;
    END IF;
END $$;
