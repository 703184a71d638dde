-- An application's company is its job's: the company wall of every caller,
-- and what another service asking about an application (scoring, on behalf
-- of its own caller) needs to file what it keeps under the right company.
-- Applications keep no copy (a job never changes company); APP_COLS reads
-- it through this function, so every statement that returns applications
-- (SELECT, INSERT/UPDATE … RETURNING, a CTE of moved rows) names it alike.
CREATE FUNCTION pipeline.job_company(tenant uuid, job uuid) RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS 'SELECT company_id FROM pipeline.jobs WHERE tenant_id = tenant AND id = job';
