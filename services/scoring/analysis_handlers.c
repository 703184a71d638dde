/* services/scoring/analysis_handlers.c - the scoring RPCs: preview, interviews, resumes, questions
 *
 * Work in progress: filled in as the analysis modules land.
 */
#include "handlers.h"

#include "hf/service.h"
#include "hrflow/v1/scoring.pb-c.h"
#include "store.h"

#define E(code) HRFLOW__V1__ERROR_CODE__##code

#define NOT_YET(name)                                                                    \
    SCORING_HANDLER(name)                                                                \
    {                                                                                    \
        (void)req, (void)reply;                                                          \
        return hf_call_fail(call, E(UNIMPLEMENTED), "%s is not built yet", #name);       \
    }

NOT_YET(scoring_preview)
NOT_YET(scoring_score_interview)
NOT_YET(scoring_screen_resume)
NOT_YET(scoring_select_questions)

SCORING_HANDLER(scoring_get_report)
{
    const Hrflow__V1__GetReportRequest *r = (const void *)req;
    const char *tenant = hf_call_caller(call)->tenant_id;
    if (!tenant || !*tenant)
        return hf_call_fail(call, E(UNAUTHENTICATED), "the request carries no tenant");
    ProtobufCAllocator alloc = hf_arena_allocator(hf_call_arena(call));
    store_t st = { hf_service_db(call), &alloc };
    if (!st.db)
        return hf_call_fail(call, E(UNAVAILABLE), "the database is unavailable");
    Hrflow__V1__InterviewReport *rep = NULL;
    store_rc_t rc = store_report_get(&st, tenant, r->interview_id, &rep);
    if (rc == STORE_NOT_FOUND)
        return hf_call_fail(call, E(NOT_FOUND), "no report for interview %s", r->interview_id);
    if (rc != STORE_OK)
        return hf_call_fail(call, E(UNAVAILABLE), "could not read reports");
    *reply = &rep->base;
    return 0;
}
