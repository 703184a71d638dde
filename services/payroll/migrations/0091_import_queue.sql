-- payroll: spreadsheet imports run in the background. An upload becomes an
-- entry of payroll.imports at once (state queued), its file kept sealed in
-- import_parts and its work a row of import_jobs; a worker of any replica
-- claims the job with FOR UPDATE SKIP LOCKED under a lease (lease_until),
-- keeps the job's row locked for its one transaction, and in that
-- transaction writes every row of the file or none, the entry's outcome and
-- problems, deletes the file and the job, and commits. A replica killed
-- mid-import loses its transaction (nothing of the file is written) and its
-- lock; once the lease passes another replica claims the job and imports
-- the file again, exactly once. A dry run's entry keeps its problems and
-- counts but nothing of the file.
--
-- The file: parts of at most 1 MiB, each a token of hf_pii_encrypt under
-- the AAD "<tenant>:import_parts.content:<import id>.<part>" (as the
-- pipeline's imports: a part moved elsewhere does not decrypt). Problems
-- name rows and columns, never a value of the file.
ALTER TABLE payroll.imports
    ADD COLUMN state         text        NOT NULL DEFAULT 'succeeded'
                             CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    ADD COLUMN dry_run       boolean     NOT NULL DEFAULT false,
    ADD COLUMN encoding      text        NOT NULL DEFAULT '',
    ADD COLUMN utc_offset    text        NOT NULL DEFAULT '',
    ADD COLUMN size          bigint      NOT NULL DEFAULT 0,   -- bytes of the file
    ADD COLUMN problem_count int         NOT NULL DEFAULT 0,
    ADD COLUMN warnings      text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN error         text        NOT NULL DEFAULT '',  -- why it failed beyond its rows
    ADD COLUMN update_time   timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN finish_time   timestamptz;
UPDATE payroll.imports SET finish_time = create_time, update_time = create_time;
ALTER TABLE payroll.imports ALTER COLUMN state SET DEFAULT 'queued',
    ALTER COLUMN rows SET DEFAULT 0, ALTER COLUMN created SET DEFAULT 0,
    ALTER COLUMN existing SET DEFAULT 0, ALTER COLUMN replaced SET DEFAULT 0;

CREATE TABLE payroll.import_jobs (
    tenant_id    uuid        NOT NULL,
    import_id    uuid        NOT NULL,
    request_time timestamptz NOT NULL DEFAULT now(),
    lease_until  timestamptz NOT NULL DEFAULT '-infinity',
    claim        bigint      NOT NULL DEFAULT 0,  -- bumped on every claim
    owner        text        NOT NULL DEFAULT '', -- "<host>:<pid>" of the claimer
    attempts     int         NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, import_id),
    FOREIGN KEY (tenant_id, import_id) REFERENCES payroll.imports (tenant_id, id)
);
CREATE INDEX import_jobs_due ON payroll.import_jobs (lease_until);

CREATE TABLE payroll.import_parts (
    tenant_id uuid    NOT NULL,
    import_id uuid    NOT NULL,
    seq       integer NOT NULL,
    content   text    NOT NULL,
    PRIMARY KEY (tenant_id, import_id, seq),
    FOREIGN KEY (tenant_id, import_id) REFERENCES payroll.imports (tenant_id, id)
        ON DELETE CASCADE
);
-- ciphertext does not compress: keep PostgreSQL from trying
ALTER TABLE payroll.import_parts ALTER COLUMN content SET STORAGE EXTERNAL;

-- The first 1000 problems of an import, in the order of their rows: the
-- create_time of the n-th is the finish plus n microseconds, so the keyset
-- pages of every list (create_time, id) walk them in that order.
CREATE TABLE payroll.import_problems (
    tenant_id   uuid        NOT NULL,
    import_id   uuid        NOT NULL,
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    create_time timestamptz NOT NULL,
    row_no      bigint      NOT NULL,  -- data row, 1-based; 0: the file
    column_name text        NOT NULL,
    code        text        NOT NULL,
    message     text        NOT NULL,
    PRIMARY KEY (tenant_id, import_id, id),
    FOREIGN KEY (tenant_id, import_id) REFERENCES payroll.imports (tenant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX import_problems_page ON payroll.import_problems (tenant_id, import_id, create_time, id);
