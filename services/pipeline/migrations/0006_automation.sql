-- pipeline: what automation needs beside the applications.
--  * screening: '' (nothing to screen: the job has no competency model or
--    the candidate no resume), 'pending' (the screener will send the resume
--    to scoring), 'done', 'failed'. The partial index is the screener's
--    queue: only pending rows are in it.
--  * stage_time: when the application entered its stage (stage timeouts,
--    days_in_stage, the candidate's status page).
--  * review_*: a candidate's request for a person to look at an automated
--    decision (PIPL Art. 24); the reason is the candidate's own words, so it
--    is encrypted like the rest of their personal data.
--  * assessments.hints: feedback the candidate may see (from scoring).
ALTER TABLE pipeline.applications
    ADD COLUMN screening text NOT NULL DEFAULT '',
    ADD COLUMN stage_time timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN review_requested_time timestamptz,
    ADD COLUMN review_reason_enc text;
UPDATE pipeline.applications SET stage_time = update_time;
CREATE INDEX applications_screening_queue ON pipeline.applications (create_time)
    WHERE screening = 'pending';
-- the stage-timeout sweep: open applications by how long they have been in their stage
CREATE INDEX applications_stage_time ON pipeline.applications (tenant_id, job_id, stage_time)
    WHERE stage NOT IN ('hired', 'rejected', 'withdrawn');

ALTER TABLE pipeline.assessments ADD COLUMN hints jsonb NOT NULL DEFAULT '[]';
