-- Lists page in creation order on the keyset (create_time, id) (hf/store.h):
-- a walk sees every record that existed when it began exactly once, however
-- many are added meanwhile. The applications of a job page with or without
-- a stage; the per-stage index also serves the funnel's count by stage.
CREATE INDEX jobs_created ON pipeline.jobs (tenant_id, create_time, id);
DROP INDEX pipeline.applications_job_stage;
CREATE INDEX applications_job_stage ON pipeline.applications (tenant_id, job_id, stage, create_time, id);
CREATE INDEX applications_job_created ON pipeline.applications (tenant_id, job_id, create_time, id);
