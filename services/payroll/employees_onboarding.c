/* services/payroll/employees_onboarding.c - a hire becomes a draft employee, once
 *
 * A durable consumer (hf/consumer.h, "payroll.onboarding", started at the
 * end of the log by migration 0011) reads application.hired. Events carry
 * ids only: the candidate's name and phone are asked of the pipeline on the
 * tenant's behalf (hf_service_ask_system: a recruiter of the whole group,
 * actor "system:payroll"), and sealed into the draft in
 * the consumer's transaction. The unique application id makes the draft
 * once however often the event is read; employee.onboarded is written with
 * it. A pipeline that does not answer makes the batch retry; a candidate
 * that is gone passes the event (logged by ids). The timers of contract
 * alerts and future position changes start here too.
 */
#include "employees_handlers.h"
#include "employees_store.h"

#include "hf/consumer.h"
#include "hf/log.h"
#include "hf/service.h"
#include "hrflow/v1/pipeline.pb-c.h"

#include <jansson.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code
#define HIRED "hrflow.pipeline.application.hired.v1"
#define ASK_TIMEOUT_MS 5000

static hf_arena_t *arena;

/* The candidate of a hire, asked of the pipeline for tenant; the bus code. */
static int candidate_of(const char *tenant, const char *id, Hrflow__V1__Candidate **out)
{
    Hrflow__V1__GetCandidateRequest q = HRFLOW__V1__GET_CANDIDATE_REQUEST__INIT;
    q.id = (char *)id;
    return hf_service_ask_system(tenant, "pipeline", "GetCandidate", &q.base,
                                 &hrflow__v1__candidate__descriptor, ASK_TIMEOUT_MS,
                                 (ProtobufCMessage **)out);
}

static const char *field(json_t *data, const char *name)
{
    const char *s = json_string_value(json_object_get(data, name));
    return s ? s : "";
}

static int onboard(PGconn *db, const hf_consumed_event_t *ev, json_t *data)
{
    const char *application = field(data, "id"), *candidate = field(data, "candidateId"),
               *company = field(data, "companyId");
    if (!hf_uuid_valid(application) || !hf_uuid_valid(candidate) || !hf_uuid_valid(company))
        return HF_CONSUME_SKIP;
    Hrflow__V1__Candidate *c = NULL;
    int code = candidate_of(ev->tenant_id, candidate, &c);
    if (code) {
        hf_logkv(HF_LOG_WARN, code == E(NOT_FOUND) ? "a hire's candidate is gone: passed"
                                                   : "cannot ask for a hire's candidate: retried",
                 HF_KV_STR("event", ev->id), HF_KV_STR("application", application),
                 HF_KV_STR("code", hf_error_code_name(code)));
        return code == E(NOT_FOUND) ? HF_CONSUME_SKIP : HF_CONSUME_RETRY;
    }
    if (!*c->name) { /* the pipeline requires one: a candidate without is not ours to guess */
        hf_logkv(HF_LOG_WARN, "a hire's candidate has no name: passed",
                 HF_KV_STR("event", ev->id), HF_KV_STR("application", application));
        protobuf_c_message_free_unpacked(&c->base, NULL);
        return HF_CONSUME_SKIP;
    }
    hf_store_t st;
    hf_store_init(&st, db, arena, ev->tenant_id, hf_service_keys());
    st.actor = "system:payroll";
    int created = 0;
    int rc = hf_db_begin(db) == 0
                 ? hf_store_finish(&st, pr_employee_onboard(&st, application, candidate, company,
                                                            c->name, c->phone, &created))
                 : HF_EDB;
    protobuf_c_message_free_unpacked(&c->base, NULL);
    if (rc != HF_OK)
        return HF_CONSUME_RETRY;
    hf_logkv(HF_LOG_INFO, created ? "a hire became a draft employee" : "a hire read again",
             HF_KV_STR("event", ev->id), HF_KV_STR("application", application));
    return HF_CONSUME_OK;
}

static int on_event(void *user, PGconn *db, const hf_consumed_event_t *ev)
{
    (void)user;
    hf_arena_reset(arena);
    if (!hf_uuid_valid(ev->tenant_id) || strcmp(ev->type, HIRED))
        return HF_CONSUME_OK;
    json_t *data = json_loads(ev->data_json, 0, NULL);
    if (!data)
        return HF_CONSUME_SKIP;
    int v = onboard(db, ev, data);
    json_decref(data);
    return v;
}

int pr_employees_start(void)
{
    static const char *const types[] = { HIRED, NULL };
    static const char *const kinds[] = { PR_TIMER_CONTRACT, PR_TIMER_POSITION, NULL };
    if (!(arena = hf_arena_new(16384)))
        return -1;
    return hf_service_consumer("payroll.onboarding", types, on_event, NULL) == 0 &&
                   hf_service_timers(kinds, pr_employees_timer, NULL) == 0
               ? 0
               : -1;
}

void pr_employees_stop(void)
{
    hf_arena_destroy(&arena);
}
