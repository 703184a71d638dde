-- Applications are the table every mass import and screening writes most
-- (an insert per row, then an update when its screening ends, neither HOT:
-- the stage and the screening state are indexed), so each of its indexes
-- costs an entry per write. Two of them began with the same columns: the
-- uniqueness of (tenant, job, candidate) and the candidate wall's lookup by
-- (tenant, candidate) (0008). One unique index on (tenant, candidate, job)
-- serves both: uniqueness, and ON CONFLICT, do not depend on the order of its
-- columns, and its prefix answers the lookup by candidate. Measured in
-- docs/performance.md ("Fewer writes per application").
CREATE UNIQUE INDEX applications_candidate_job
    ON pipeline.applications (tenant_id, candidate_id, job_id);
ALTER TABLE pipeline.applications
    DROP CONSTRAINT applications_tenant_id_job_id_candidate_id_key,
    ADD CONSTRAINT applications_candidate_job UNIQUE USING INDEX applications_candidate_job;
DROP INDEX pipeline.applications_candidate;
