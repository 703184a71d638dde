-- scheduling: human interview rounds (docs/scheduling.md, "rounds"). Interviewers of a
-- company with their weekly working hours in their own time zone; the time they are
-- taken, by a busy block from their calendar or a seat on a round's panel, one row per
-- interviewer in scheduling.interviewer_time, where two exclusion constraints let
-- PostgreSQL itself refuse a double booking however many replicas book at once. A
-- round's panel is all-or-nothing: its seats are inserted by one statement in the
-- transaction that writes the round. tenant_id leads every key (docs/architecture.md).
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Name and email are personal data: tokens of hf_pii_encrypt with the AAD
-- "<tenant>:interviewers.<column>" (docs/security.md); email_idx is the keyed hash
-- of the normalised address that finds an interviewer by email.
CREATE TABLE scheduling.interviewers (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    company_id  uuid        NOT NULL,
    external_id text        NOT NULL DEFAULT '',
    name_enc    text        NOT NULL,
    email_enc   text        NOT NULL,
    email_idx   text        NOT NULL,
    time_zone   text        NOT NULL,   -- an IANA name of pg_timezone_names
    version     bigint      NOT NULL DEFAULT 1,
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX interviewers_external ON scheduling.interviewers (tenant_id, company_id, external_id)
    WHERE external_id <> '';
CREATE UNIQUE INDEX interviewers_email ON scheduling.interviewers (tenant_id, company_id, email_idx);
CREATE INDEX interviewers_created ON scheduling.interviewers (tenant_id, create_time, id);

-- A stretch of the working week in the interviewer's zone: weekday 1 (Monday) to 7,
-- local times; end_time may be 24:00. Several stretches a day do not overlap (checked
-- by the service, services/scheduling/rounds_hours.c).
CREATE TABLE scheduling.interviewer_hours (
    tenant_id      uuid     NOT NULL,
    interviewer_id uuid     NOT NULL,
    weekday        smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_time     time     NOT NULL,
    end_time       time     NOT NULL CHECK (end_time > start_time),
    PRIMARY KEY (tenant_id, interviewer_id, weekday, start_time),
    FOREIGN KEY (tenant_id, interviewer_id) REFERENCES scheduling.interviewers ON DELETE CASCADE
);

-- A round and its panel (interviewer_ids, in the order given). Its time is `during`,
-- [start, end); the panel's seats in interviewer_time carry the same range while the
-- round is scheduled, completed or a no-show, and are deleted when it is cancelled or
-- rescheduled, which frees the interviewers.
CREATE TABLE scheduling.rounds (
    tenant_id        uuid        NOT NULL,
    id               uuid        NOT NULL DEFAULT gen_random_uuid(),
    company_id       uuid        NOT NULL,   -- the application's
    application_id   uuid        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('hr', 'final')),
    status           text        NOT NULL DEFAULT 'scheduled'
                     CHECK (status IN ('scheduled', 'completed', 'no_show', 'cancelled',
                                       'rescheduled')),
    during           tstzrange   NOT NULL,
    interviewer_ids  uuid[]      NOT NULL CHECK (cardinality(interviewer_ids) BETWEEN 1 AND 10),
    rescheduled_from uuid,
    rescheduled_to   uuid,
    version          bigint      NOT NULL DEFAULT 1,
    create_time      timestamptz NOT NULL DEFAULT now(),
    update_time      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX rounds_created ON scheduling.rounds (tenant_id, create_time, id);
CREATE INDEX rounds_application ON scheduling.rounds (tenant_id, application_id, create_time, id);
CREATE INDEX rounds_panel ON scheduling.rounds USING gin (interviewer_ids);

-- An interviewer's taken time: a busy block (round_id NULL; id is the block's) or a
-- seat on a round's panel. Rounds never overlap for one interviewer, nor does a round
-- overlap a busy block; busy blocks may overlap each other (calendars do).
CREATE TABLE scheduling.interviewer_time (
    tenant_id      uuid        NOT NULL,
    id             uuid        NOT NULL DEFAULT gen_random_uuid(),
    interviewer_id uuid        NOT NULL,
    round_id       uuid,
    during         tstzrange   NOT NULL CHECK (NOT isempty(during) AND NOT lower_inf(during)
                                               AND NOT upper_inf(during) AND lower_inc(during)
                                               AND NOT upper_inc(during)),
    create_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, interviewer_id) REFERENCES scheduling.interviewers,
    FOREIGN KEY (tenant_id, round_id) REFERENCES scheduling.rounds,
    CONSTRAINT interviewer_time_one_round_at_a_time
        EXCLUDE USING gist (tenant_id WITH =, interviewer_id WITH =, during WITH &&)
        WHERE (round_id IS NOT NULL),
    CONSTRAINT interviewer_time_no_round_when_busy
        EXCLUDE USING gist (tenant_id WITH =, interviewer_id WITH =, during WITH &&,
                            (round_id IS NULL) WITH <>)
);
CREATE INDEX interviewer_time_round ON scheduling.interviewer_time (tenant_id, round_id)
    WHERE round_id IS NOT NULL;
CREATE INDEX interviewer_time_busy_created ON scheduling.interviewer_time
    (tenant_id, interviewer_id, create_time, id) WHERE round_id IS NULL;
