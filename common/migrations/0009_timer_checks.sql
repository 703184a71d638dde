-- A timer's kind and key (0003) were checked by bounded regular expressions,
-- '^[a-z][a-z0-9_]{0,30}\.[a-z0-9_.-]{1,100}$' and '^[ -~]{1,200}$', which
-- PostgreSQL's engine runs as automata the size of their bounds: 8 µs a kind
-- and 65 µs a key, paid for every timer armed (perf of the invitations'
-- consumer during a mass import: a fifth of its CPU, the expiry timer of
-- every waiting invitation). The same sets, as unbounded patterns and
-- lengths: about 1 µs each. The first dot ends the service's part, which
-- has none.
ALTER TABLE timers.timer
    DROP CONSTRAINT timer_kind_check,
    DROP CONSTRAINT timer_key_check,
    ADD CONSTRAINT timer_kind_check CHECK (kind ~ '^[a-z][a-z0-9_]*\.[a-z0-9_.-]+$'
        AND strpos(kind, '.') <= 32 AND length(kind) - strpos(kind, '.') <= 100),
    ADD CONSTRAINT timer_key_check CHECK (key ~ '^[ -~]+$' AND length(key) <= 200);

CREATE OR REPLACE FUNCTION timers.cancel_prefix(p_kind text, p_tenant text, p_prefix text)
    RETURNS bigint
LANGUAGE sql AS $$
    WITH gone AS (
        DELETE FROM timers.timer WHERE kind = p_kind AND tenant_id = p_tenant
           AND key >= p_prefix AND key < p_prefix || chr(127)
           AND p_prefix ~ '^[ -~]+$' AND length(p_prefix) <= 200
        RETURNING state)
    SELECT count(*) FILTER (WHERE state = 'pending') FROM gone
$$;
