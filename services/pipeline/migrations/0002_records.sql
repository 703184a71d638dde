-- pipeline: jobs, candidates, applications and their stage history.
-- tenant_id leads every key (docs/architecture.md). Candidates' personal
-- data (name, phone, email, resume) is stored encrypted (hf_pii_encrypt:
-- AES-256-GCM, bound to tenant and column); phone and email are found
-- through keyed hashes (blind indexes), which also deduplicate candidates
-- across the group's companies. Records keep the API's JSON form in `body`
-- (common/src/codec.c) beside the columns queries need.
CREATE TABLE pipeline.jobs (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL,
    company_id  uuid        NOT NULL,
    status      text        NOT NULL DEFAULT 'open',
    body        jsonb       NOT NULL,
    version     bigint      NOT NULL DEFAULT 1,
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE pipeline.candidates (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL,
    name_enc    text        NOT NULL,
    phone_enc   text,
    email_enc   text,
    resume_enc  text,
    phone_idx   text,
    email_idx   text,
    external_id text,
    body        jsonb       NOT NULL,   -- everything but the encrypted fields
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX candidates_phone ON pipeline.candidates (tenant_id, phone_idx)
    WHERE phone_idx IS NOT NULL;
CREATE UNIQUE INDEX candidates_email ON pipeline.candidates (tenant_id, email_idx)
    WHERE email_idx IS NOT NULL;
CREATE UNIQUE INDEX candidates_external ON pipeline.candidates (tenant_id, external_id)
    WHERE external_id IS NOT NULL;

CREATE TABLE pipeline.applications (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    job_id       uuid        NOT NULL,
    candidate_id uuid        NOT NULL,
    stage        text        NOT NULL,
    version      bigint      NOT NULL DEFAULT 1,
    create_time  timestamptz NOT NULL DEFAULT now(),
    update_time  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, job_id, candidate_id),
    FOREIGN KEY (tenant_id, job_id) REFERENCES pipeline.jobs (tenant_id, id),
    FOREIGN KEY (tenant_id, candidate_id) REFERENCES pipeline.candidates (tenant_id, id)
);
CREATE INDEX applications_job_stage ON pipeline.applications (tenant_id, job_id, stage, id);

CREATE TABLE pipeline.transitions (
    tenant_id      uuid        NOT NULL,
    application_id uuid        NOT NULL,
    seq            bigint      GENERATED ALWAYS AS IDENTITY,
    from_stage     text        NOT NULL,
    to_stage       text        NOT NULL,
    actor          text        NOT NULL,
    reason         text        NOT NULL DEFAULT '',
    time           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, application_id, seq),
    FOREIGN KEY (tenant_id, application_id) REFERENCES pipeline.applications (tenant_id, id)
);
