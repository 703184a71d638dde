-- pipeline: bulk imports. The uploaded file waits here until an importer
-- thread of some replica claims it (an advisory lock on the import), reads it
-- with services/pipeline/import.c and commits its rows in batches, moving
-- `processed` forward with each batch: a replica that dies mid-file leaves
-- the import to the next one, which resumes after the last committed row.
-- Candidates are deduplicated and applications unique per job, so a row is
-- never imported twice, and re-running a file creates nothing new.
CREATE TABLE pipeline.imports (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL,
    job_id      uuid        NOT NULL,
    actor       text        NOT NULL,
    status      text        NOT NULL DEFAULT 'queued',
    content     bytea       NOT NULL,
    encoding    text        NOT NULL DEFAULT '',
    processed   bigint      NOT NULL DEFAULT 0,
    created     bigint      NOT NULL DEFAULT 0,
    duplicates  bigint      NOT NULL DEFAULT 0,
    failed      bigint      NOT NULL DEFAULT 0,
    errors      jsonb       NOT NULL DEFAULT '[]',
    fatal_error text        NOT NULL DEFAULT '',
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, job_id) REFERENCES pipeline.jobs (tenant_id, id)
);
CREATE INDEX imports_pending ON pipeline.imports (create_time) WHERE status IN ('queued', 'running');
ALTER TABLE pipeline.imports ALTER COLUMN content SET STORAGE EXTERNAL;
