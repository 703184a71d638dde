-- notify: webhooks delivered by the delivery engine (docs/notify.md, "Webhooks").
--
-- A webhook job is a row of notify.delivery with channel 'webhook': one per
-- (event, endpoint), written by the fan-out consumer (webhook_fanout.c) with
-- dedupe_key 'webhook:<endpoint>:<event>' so a redelivered event enqueues
-- nothing. It references the outbox event (tenant_id, event_id) instead of
-- copying it (events carry no personal data), so the personal columns of a
-- letter are NULL on it.
ALTER TABLE notify.delivery DROP CONSTRAINT delivery_channel_check;
ALTER TABLE notify.delivery
    ADD CONSTRAINT delivery_channel_check CHECK (channel IN ('email', 'sms', 'webhook')),
    ADD COLUMN endpoint_id uuid,
    ADD COLUMN event_id bigint,
    ADD COLUMN status_code integer,
    ADD COLUMN latency_ms integer,
    ALTER COLUMN recipient DROP NOT NULL,
    ALTER COLUMN recipient_index DROP NOT NULL,
    ALTER COLUMN recipient_masked DROP NOT NULL,
    ALTER COLUMN body DROP NOT NULL,
    ADD CONSTRAINT delivery_webhook_shape CHECK (
        CASE WHEN channel = 'webhook'
             THEN endpoint_id IS NOT NULL AND event_id IS NOT NULL
             ELSE recipient IS NOT NULL AND recipient_index IS NOT NULL
                  AND recipient_masked IS NOT NULL AND body IS NOT NULL END);
-- the delivery log of an endpoint, and its jobs in flight (the claim's bound)
CREATE INDEX delivery_endpoint ON notify.delivery (tenant_id, endpoint_id, create_time, id)
    WHERE endpoint_id IS NOT NULL;
-- the claim's quiet-hours pass looks at due SMS only: without this it walks every
-- due job of every channel (a webhook backlog) to find none
CREATE INDEX delivery_sms_due ON notify.delivery (run_time)
    WHERE channel = 'sms' AND state IN ('queued', 'sending');
CREATE INDEX delivery_endpoint_sending ON notify.delivery (endpoint_id)
    WHERE endpoint_id IS NOT NULL AND state = 'sending';

-- The endpoint's circuit: while circuit_until lies ahead, none of its jobs
-- is claimed (a receiver that is down or asked for a pause with 429/503 and
-- Retry-After is not tried job by job); once it passed, one job at a time
-- probes it until one is sent, which closes the circuit (circuit_until NULL).
-- A disabled endpoint's jobs wait, queued, until it is enabled again.
ALTER TABLE notify.webhook_endpoints ADD COLUMN circuit_until timestamptz;

-- claim, as 0020's, and: webhook jobs only of enabled endpoints whose
-- circuit is not open, at most wh_cap of one endpoint sending at once (1
-- while the circuit is half-open).
DROP FUNCTION notify.claim(integer, integer, jsonb, integer, integer);
CREATE FUNCTION notify.claim(n integer, lease_ms integer, rates jsonb,
                             q_start integer, q_end integer, wh_cap integer)
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
          FROM (SELECT y.id, y.tenant_id, y.channel, y.run_time
                  FROM (SELECT x.id, x.tenant_id, x.channel, x.run_time, x.endpoint_id,
                               e.circuit_until,
                               row_number() OVER (PARTITION BY x.endpoint_id
                                                  ORDER BY x.run_time) AS rn
                          FROM (SELECT x.* FROM notify.delivery x
                                 WHERE x.state IN ('queued', 'sending') AND x.run_time <= now_t
                                   AND (x.channel <> 'sms'
                                        OR notify.quiet_until(x.time_zone, now_t, q_start,
                                                              q_end) IS NULL)
                                   AND (x.channel <> 'webhook'
                                        OR EXISTS (SELECT 1 FROM notify.webhook_endpoints e
                                                    WHERE e.tenant_id = x.tenant_id
                                                      AND e.id = x.endpoint_id AND e.enabled
                                                      AND (e.circuit_until IS NULL
                                                           OR e.circuit_until <= now_t)))
                                 ORDER BY x.run_time LIMIT n FOR UPDATE SKIP LOCKED) x
                          LEFT JOIN notify.webhook_endpoints e
                            ON e.tenant_id = x.tenant_id AND e.id = x.endpoint_id) y
                  -- the endpoints' transfers in flight, counted once per endpoint
                  LEFT JOIN (SELECT s.endpoint_id, count(*) AS n FROM notify.delivery s
                              WHERE s.endpoint_id IS NOT NULL AND s.state = 'sending'
                                AND s.run_time > now_t
                              GROUP BY s.endpoint_id) busy ON busy.endpoint_id = y.endpoint_id
                 WHERE y.endpoint_id IS NULL
                    OR y.rn + coalesce(busy.n, 0)
                       <= CASE WHEN y.circuit_until IS NULL THEN wh_cap ELSE 1 END) c
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
