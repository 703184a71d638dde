-- scoring: competency models (versioned), the question bank with its usage
-- statistics, interview reports and per-tenant settings. Records are kept as
-- JSONB in the proto3 JSON mapping (common/src/codec.c) next to the columns
-- queries need, so they read well in psql and gain fields without migrations.
-- tenant_id leads every primary key (docs/architecture.md).
CREATE TABLE scoring.competency_models (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL,
    version     integer     NOT NULL CHECK (version > 0),
    name        text        NOT NULL,
    job_family  text        NOT NULL DEFAULT '',
    body        jsonb       NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id, version)
);

CREATE TABLE scoring.questions (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    job_families text[]      NOT NULL DEFAULT '{}',
    competencies text[]      NOT NULL DEFAULT '{}',
    body         jsonb       NOT NULL,
    times_asked  bigint      NOT NULL DEFAULT 0,
    score_sum    double precision NOT NULL DEFAULT 0,
    missed       jsonb       NOT NULL DEFAULT '{}',   -- good-answer point -> times missed
    create_time  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE scoring.reports (
    tenant_id     uuid        NOT NULL,
    interview_id  text        NOT NULL,
    model_id      uuid        NOT NULL,
    model_version integer     NOT NULL,
    overall_score double precision NOT NULL,
    body          jsonb       NOT NULL,
    create_time   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, interview_id)
);

CREATE TABLE scoring.settings (
    tenant_id          uuid    PRIMARY KEY,
    emotion_labels     boolean NOT NULL DEFAULT false,
    emotion_may_reject boolean NOT NULL DEFAULT false
);
