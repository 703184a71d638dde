/* services/pipeline/visible.c - what the caller may see: a job by its company, the rest by its job
 *
 * Every handler file reaches jobs, applications and imports through these,
 * so the company wall is one check in one place: a record of a company the
 * caller does not act for is NOT_FOUND with the very answer of one that does
 * not exist, naming only the id the caller gave.
 */
#include "visible.h"

#include "hf/db.h"

/* A job the caller may see, or NULL after failing the call. */
Hrflow__V1__Job *visible_job(hf_store_t *st, const char *id)
{
    Hrflow__V1__Job *j = NULL;
    int rc = hf_uuid_valid(id) ? store_job_get(st, id, &j) : HF_ENOTFOUND;
    if (rc == HF_OK && !hf_store_sees_company(st, j->company_id))
        rc = HF_ENOTFOUND;
    if (rc != HF_OK) {
        hf_store_fail(st, rc, "job", id);
        return NULL;
    }
    return j;
}

/* The job of a record the caller asked for by id: HF_OK when the caller may
 * see it, HF_ENOTFOUND when not (the answer of a record that does not
 * exist: never "job … not found", which would name the hidden job). */
static int job_of(hf_store_t *st, const char *job_id, Hrflow__V1__Job **job)
{
    int rc = store_job_get(st, job_id, job);
    if (rc == HF_OK && !hf_store_sees_company(st, (*job)->company_id))
        rc = HF_ENOTFOUND;
    return rc;
}

/* An application whose job the caller may see, with that job. */
Hrflow__V1__Application *visible_application(hf_store_t *st, const char *id,
                                                    Hrflow__V1__Job **job)
{
    Hrflow__V1__Application *a = NULL;
    int rc = hf_uuid_valid(id) ? store_application_get(st, id, &a) : HF_ENOTFOUND;
    if (rc == HF_OK)
        rc = job_of(st, a->job_id, job);
    if (rc != HF_OK) {
        hf_store_fail(st, rc, "application", id);
        return NULL;
    }
    return a;
}

/* An import into a job the caller may see. */
Hrflow__V1__ImportJob *visible_import(hf_store_t *st, const char *id)
{
    Hrflow__V1__ImportJob *imp = NULL;
    Hrflow__V1__Job *job = NULL;
    int rc = hf_uuid_valid(id) ? store_import_get(st, id, &imp) : HF_ENOTFOUND;
    if (rc == HF_OK)
        rc = job_of(st, imp->job_id, &job);
    if (rc != HF_OK) {
        hf_store_fail(st, rc, "import", id);
        return NULL;
    }
    return imp;
}

Hrflow__V1__Application *caller_application(hf_call_t *call, hf_store_t *st,
                                                   const char *id, Hrflow__V1__Job **job)
{
    return hf_store_open(call, st) == 0 ? visible_application(st, id, job) : NULL;
}
