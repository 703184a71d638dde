-- timers: durable timers of every service (hf/timer.h, common/src/timer.c).
-- A service sets a timer in the transaction of the change that calls for it
-- (a reminder with the interview it belongs to); any replica of the service
-- fires it once it is due: a runner locks due rows FOR UPDATE SKIP LOCKED,
-- and the handler's effects and the timer's new state commit together, so a
-- timer fires once whatever dies when, and one that came due while every
-- replica was down fires at the next start.
CREATE SCHEMA IF NOT EXISTS timers;

-- The clock every due check reads: the transaction's time plus a shift that
-- is zero in production. Tests (and an operator rehearsing on a staging
-- stack) move it with timers.advance() instead of sleeping; a runner that
-- sees a shift logs it at start and exports it (hf_timers_clock_shift_seconds).
CREATE TABLE timers.clock (
    one   boolean  PRIMARY KEY DEFAULT true CHECK (one),
    shift interval NOT NULL DEFAULT '0'
);
INSERT INTO timers.clock DEFAULT VALUES;

-- STABLE (now(), not clock_timestamp()): one value per statement's
-- transaction, so `run_time <= timers.now()` is an index condition.
CREATE FUNCTION timers.now() RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT now() + coalesce((SELECT shift FROM timers.clock), interval '0')
$$;

-- One table for every service's timers. A kind is "<service>.<what>"
-- ("scheduling.reminder"): the service whose runners fire it is its first
-- part. A timer is named by (kind, tenant, key); keys are printable ASCII
-- ("interviews/<id>/-24h"), compared bytewise, so a prefix is an index range.
CREATE TABLE timers.timer (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text        NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,30}\.[a-z0-9_.-]{1,100}$'),
    service     text        NOT NULL GENERATED ALWAYS AS (split_part(kind, '.', 1)) STORED,
    tenant_id   text        NOT NULL CHECK (tenant_id <> ''),
    key         text        COLLATE "C" NOT NULL CHECK (key ~ '^[ -~]{1,200}$'),
    due_time    timestamptz NOT NULL,
    -- when a runner next takes it: due_time, later while a failure backs off
    run_time    timestamptz NOT NULL,
    payload     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
    -- pending, fired (kept for a while: see the retention in hf/timer.h),
    -- dead (failed max attempts; waits for timers.retry_dead())
    state       text        NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'fired', 'dead')),
    attempts    integer     NOT NULL DEFAULT 0,
    last_error  text,
    fired_time  timestamptz,
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, tenant_id, key)
);

CREATE INDEX timer_due ON timers.timer (service, run_time) WHERE state = 'pending';
CREATE INDEX timer_fired ON timers.timer (service, fired_time) WHERE state = 'fired';
CREATE INDEX timer_dead ON timers.timer (service) WHERE state = 'dead';

-- Wake the service's runners at commit when a timer is armed or made
-- sooner (NOTIFY is delivered only if the transaction commits, once per
-- channel however many rows).
CREATE FUNCTION timers.notify_runners() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hf_timers_' || NEW.service, '');
    RETURN NULL;
END
$$;

CREATE TRIGGER timer_armed AFTER INSERT ON timers.timer
    FOR EACH ROW EXECUTE FUNCTION timers.notify_runners();
CREATE TRIGGER timer_rearmed AFTER UPDATE ON timers.timer
    FOR EACH ROW
    WHEN (NEW.state = 'pending' AND (OLD.state <> 'pending' OR NEW.run_time < OLD.run_time))
    EXECUTE FUNCTION timers.notify_runners();

-- Arm a timer due at p_due with p_payload. One of the same kind, tenant and
-- key is moved to this time and payload and armed again, also after it
-- fired or died; one that already has this time and payload is left as it
-- is, fired or not, so a repeated request (an event delivered again) never
-- fires it twice. Returns true when the timer was created or changed.
-- The SQL face of hf_timer_set(), for set-based statements.
CREATE FUNCTION timers.set(p_kind text, p_tenant text, p_key text, p_due timestamptz,
                           p_payload jsonb DEFAULT '{}') RETURNS boolean
LANGUAGE sql AS $$
    WITH armed AS (
        INSERT INTO timers.timer AS t (kind, tenant_id, key, due_time, run_time, payload)
        VALUES (p_kind, p_tenant, p_key, p_due, p_due, coalesce(p_payload, '{}'))
        ON CONFLICT (kind, tenant_id, key) DO UPDATE
           SET due_time = EXCLUDED.due_time, run_time = EXCLUDED.due_time,
               payload = EXCLUDED.payload, state = 'pending', attempts = 0,
               last_error = NULL, fired_time = NULL, update_time = now()
         WHERE (t.due_time, t.payload) IS DISTINCT FROM (EXCLUDED.due_time, EXCLUDED.payload)
        RETURNING 1)
    SELECT count(*) > 0 FROM armed
$$;

-- Move the timers' clock by p_by (tests; a staging rehearsal; never in
-- production) and wake every runner that has timers waiting. A negative
-- interval moves it back: timers.advance(-(SELECT shift FROM timers.clock))
-- returns it to zero. Returns the new shift.
CREATE FUNCTION timers.advance(p_by interval) RETURNS interval
LANGUAGE plpgsql AS $$
DECLARE
    moved interval;
    svc text;
BEGIN
    UPDATE timers.clock SET shift = shift + p_by RETURNING shift INTO moved;
    FOR svc IN SELECT DISTINCT service FROM timers.timer WHERE state = 'pending' LOOP
        PERFORM pg_notify('hf_timers_' || svc, '');
    END LOOP;
    RETURN moved;
END
$$;

-- Arm a service's dead timers again, due now with no attempts counted
-- (an operator, once the cause is fixed), those of one kind when p_kind is
-- given. last_error stays until the next attempt. Returns how many.
CREATE FUNCTION timers.retry_dead(p_service text, p_kind text DEFAULT NULL) RETURNS bigint
LANGUAGE sql AS $$
    WITH armed AS (
        UPDATE timers.timer SET state = 'pending', attempts = 0, run_time = timers.now(),
               update_time = now()
         WHERE service = p_service AND state = 'dead' AND (p_kind IS NULL OR kind = p_kind)
        RETURNING 1)
    SELECT count(*) FROM armed
$$;
