-- timers: the clock may be held still, not only shifted. A test that must
-- know "now" exactly (which slots are free on a known Monday) freezes the
-- clock there with timers.freeze(at) and moves it with timers.advance() as
-- before; every service's own present (scheduling.now()) reads this clock,
-- so time that a test moves moves for every decision and every timer.
ALTER TABLE timers.clock ADD COLUMN frozen timestamptz;

-- The present: the frozen time when the clock is held, else the
-- transaction's time plus the shift.
CREATE OR REPLACE FUNCTION timers.now() RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT coalesce(frozen, now() + shift) FROM timers.clock), now())
$$;

-- Wake every runner that has timers waiting (the clock moved).
CREATE FUNCTION timers.wake_all() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    svc text;
BEGIN
    FOR svc IN SELECT DISTINCT service FROM timers.timer WHERE state = 'pending' LOOP
        PERFORM pg_notify('hf_timers_' || svc, '');
    END LOOP;
END
$$;

-- Move the clock by p_by: the frozen time when it is held, else the shift.
-- Returns how far the present now is from the real time.
CREATE OR REPLACE FUNCTION timers.advance(p_by interval) RETURNS interval
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE timers.clock SET frozen = frozen + p_by,
           shift = CASE WHEN frozen IS NULL THEN shift + p_by ELSE shift END;
    PERFORM timers.wake_all();
    RETURN timers.now() - now();
END
$$;

-- Hold the clock at p_at (tests; a staging rehearsal; never in production),
-- or, with NULL, let it run again from the real time with no shift.
-- Returns the present.
CREATE FUNCTION timers.freeze(p_at timestamptz) RETURNS timestamptz
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE timers.clock SET frozen = p_at, shift = interval '0';
    PERFORM timers.wake_all();
    RETURN coalesce(p_at, now());
END
$$;

-- Forget every timer of p_kind and tenant whose key starts with p_prefix
-- (all the timers of one interview: 'interviews/<id>/'), whatever their
-- state. Returns how many were pending. The SQL face of
-- hf_timer_cancel_prefix(), for set-based statements and triggers.
CREATE FUNCTION timers.cancel_prefix(p_kind text, p_tenant text, p_prefix text) RETURNS bigint
LANGUAGE sql AS $$
    WITH gone AS (
        DELETE FROM timers.timer WHERE kind = p_kind AND tenant_id = p_tenant
           AND key >= p_prefix AND key < p_prefix || chr(127) AND p_prefix ~ '^[ -~]{1,200}$'
        RETURNING state)
    SELECT count(*) FILTER (WHERE state = 'pending') FROM gone
$$;

-- Arm many timers in one statement: row i of the arrays is a timer
-- (p_kinds[i], p_tenants[i], p_keys[i]) due at p_dues[i] with p_payloads[i]
-- (NULL = {}), each as timers.set arms one (no two rows may name the same
-- timer). Returns how many were created or changed. For set-based
-- statements and triggers that arm the timers of thousands of rows at once.
CREATE FUNCTION timers.set_many(p_kinds text[], p_tenants text[], p_keys text[],
                                p_dues timestamptz[], p_payloads jsonb[]) RETURNS bigint
LANGUAGE sql AS $$
    WITH armed AS (
        INSERT INTO timers.timer AS t (kind, tenant_id, key, due_time, run_time, payload)
        SELECT x.kind, x.tenant, x.key, x.due, x.due, coalesce(x.payload, '{}')
          FROM unnest(p_kinds, p_tenants, p_keys, p_dues, p_payloads)
               AS x(kind, tenant, key, due, payload)
        ON CONFLICT (kind, tenant_id, key) DO UPDATE
           SET due_time = EXCLUDED.due_time, run_time = EXCLUDED.due_time,
               payload = EXCLUDED.payload, state = 'pending', attempts = 0,
               last_error = NULL, fired_time = NULL, update_time = now()
         WHERE (t.due_time, t.payload) IS DISTINCT FROM (EXCLUDED.due_time, EXCLUDED.payload)
        RETURNING 1)
    SELECT count(*) FROM armed
$$;

-- One timer is a set of one (the statement lives in timers.set_many).
CREATE OR REPLACE FUNCTION timers.set(p_kind text, p_tenant text, p_key text, p_due timestamptz,
                                      p_payload jsonb DEFAULT '{}') RETURNS boolean
LANGUAGE sql AS $$
    SELECT timers.set_many(ARRAY[p_kind], ARRAY[p_tenant], ARRAY[p_key], ARRAY[p_due],
                           ARRAY[p_payload]) > 0
$$;
