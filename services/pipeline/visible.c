/* services/pipeline/visible.c - what the caller may see: a job by its company, an application by its job
 *
 * Every handler file reaches jobs and applications through these, so the
 * company wall is one check in one place: a record of a company the caller
 * does not act for is NOT_FOUND, exactly like one that does not exist.
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

/* An application whose job the caller may see, with that job. */
Hrflow__V1__Application *visible_application(hf_store_t *st, const char *id,
                                                    Hrflow__V1__Job **job)
{
    Hrflow__V1__Application *a = NULL;
    int rc = hf_uuid_valid(id) ? store_application_get(st, id, &a) : HF_ENOTFOUND;
    if (rc == HF_OK && store_job_get(st, a->job_id, job) == HF_OK &&
        !hf_store_sees_company(st, (*job)->company_id))
        rc = HF_ENOTFOUND;
    if (rc != HF_OK) {
        hf_store_fail(st, rc, "application", id);
        return NULL;
    }
    return a;
}

Hrflow__V1__Application *caller_application(hf_call_t *call, hf_store_t *st,
                                                   const char *id, Hrflow__V1__Job **job)
{
    return hf_store_open(call, st) == 0 ? visible_application(st, id, job) : NULL;
}
