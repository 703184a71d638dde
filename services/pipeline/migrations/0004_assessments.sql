-- pipeline: assessment results of applications (screening, AI interview,
-- written test, online assessment, background check), one row per sender's
-- event id: an event delivered twice is recorded, and acts, once. The job's
-- automation rules run when a result arrives; their decisions are kept here.
CREATE TABLE pipeline.assessments (
    tenant_id      uuid             NOT NULL,
    application_id uuid             NOT NULL,
    event_id       text             NOT NULL,
    kind           text             NOT NULL,
    score          double precision,
    result         text             NOT NULL DEFAULT '',
    decisions      jsonb,
    time           timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, application_id, event_id),
    FOREIGN KEY (tenant_id, application_id) REFERENCES pipeline.applications (tenant_id, id)
);
CREATE INDEX assessments_by_kind ON pipeline.assessments (tenant_id, application_id, kind, time);
