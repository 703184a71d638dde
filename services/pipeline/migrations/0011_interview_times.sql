-- The booked time of each application's AI interview, as scheduling's
-- events say it (services/pipeline/scheduling.c): what the candidate's
-- status page shows as interviewTime. One row per application: scheduling
-- keeps one open interview per application; a cancelled, completed or
-- missed one takes its row away.
CREATE TABLE pipeline.interview_times (
    tenant_id      uuid        NOT NULL,
    application_id uuid        NOT NULL,
    interview_id   uuid        NOT NULL,
    start_time     timestamptz NOT NULL,
    update_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, application_id)
);
