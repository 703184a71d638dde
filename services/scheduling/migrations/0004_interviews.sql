-- AI interviews: one per invitation of the pipeline's rules, waiting until
-- a slot is found, then through the lifecycle of lifecycle.c. An interview
-- in a state that holds a seat (scheduled, reminded, in_progress,
-- rescheduled, completed, no_show) counts in its slot's booked; cancelling
-- gives the seat back. The candidate's personal data stays with the
-- pipeline: this table holds ids and times.
CREATE TABLE scheduling.interviews (
    tenant_id           uuid        NOT NULL,
    id                  uuid        NOT NULL DEFAULT gen_random_uuid(),
    company_id          uuid        NOT NULL,
    application_id      uuid        NOT NULL,
    job_id              uuid        NOT NULL,
    candidate_id        uuid        NOT NULL,
    competency_model_id text        NOT NULL DEFAULT '',
    invitation          bigint      NOT NULL,  -- the outbox id of the pipeline's invitation
    state               text        NOT NULL DEFAULT 'waiting'
                        CHECK (state IN ('waiting', 'scheduled', 'reminded', 'in_progress',
                                         'completed', 'no_show', 'cancelled', 'rescheduled')),
    pool_id             uuid,                  -- its slot: (pool_id, start_time)
    start_time          timestamptz,
    end_time            timestamptz,
    sequence            int         NOT NULL DEFAULT 0,
    reason              text        NOT NULL DEFAULT '',
    version             bigint      NOT NULL DEFAULT 1,
    invite_time         timestamptz NOT NULL,
    create_time         timestamptz NOT NULL DEFAULT now(),
    update_time         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, invitation),
    CHECK ((start_time IS NULL) = (pool_id IS NULL) AND (start_time IS NULL) = (end_time IS NULL)),
    CHECK (state IN ('waiting', 'cancelled') OR start_time IS NOT NULL)
);

-- One open interview per application: a second invitation while one is
-- open changes nothing.
CREATE UNIQUE INDEX interviews_open ON scheduling.interviews (tenant_id, application_id)
    WHERE state NOT IN ('completed', 'no_show', 'cancelled');
CREATE INDEX interviews_waiting ON scheduling.interviews (tenant_id, company_id, invite_time, id)
    WHERE state = 'waiting';
CREATE INDEX interviews_by_time ON scheduling.interviews (tenant_id, create_time, id);
CREATE INDEX interviews_by_job ON scheduling.interviews (tenant_id, job_id, create_time, id);
CREATE INDEX interviews_by_slot ON scheduling.interviews (tenant_id, pool_id, start_time);

-- RFC 3339 in UTC, as events carry times.
CREATE FUNCTION scheduling.rfc3339(at timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;
