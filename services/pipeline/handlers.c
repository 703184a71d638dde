/* services/pipeline/handlers.c - the RPC methods of the pipeline, one function each
 *
 * A handler takes the tenant from the envelope's caller, checks the request,
 * and asks store.c. A job's stage list becomes a stage machine (stages.c)
 * that decides every move; its rules are parsed (rules.c) when the job is
 * written, so a job never stores rules that do not parse. A caller bound to
 * some companies sees only those companies' jobs and their applications.
 */
#include "handlers.h"

#include "hf/db.h"
#include "hf/log.h"
#include "hf/service.h"
#include "automation.h"
#include "composite.h"
#include "background.h"
#include "rules.h"
#include "stages.h"
#include "status_token.h"
#include "store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

static hf_keyring_t *keys;
static const char *pii_keys;
static long sweep_s;
static long funnel_cache_ms;

const hf_config_var_t pipeline_settings[] = {
    { "HF_PII_KEYS", HF_CONFIG_STRING, "", 0, 0,
      "keys for candidates' personal data: id:<64 hex>,…,hmac:<64 hex> (docs/security.md)",
      &pii_keys },
    { "HF_PIPELINE_SWEEP_S", HF_CONFIG_INT, "60", 1, 3600,
      "seconds between sweeps for stage timeouts (rules' stage_timeout)", &sweep_s },
    { "HF_PIPELINE_FUNNEL_CACHE_MS", HF_CONFIG_INT, "1000", 0, 60000,
      "a job's funnel is counted at most once per this many ms, however many read it "
      "(Redis; 0 = count on every read)", &funnel_cache_ms },
};
const size_t pipeline_n_settings = sizeof(pipeline_settings) / sizeof(pipeline_settings[0]);

int pipeline_init(void)
{
    char err[200];
    keys = hf_keyring_new(pii_keys, err, sizeof(err));
    if (!keys) {
        hf_error("HF_PII_KEYS: %s", err);
        return -1;
    }
    automation_init();
    if (pipeline_importer_start(keys) < 0 ||
        pipeline_screener_start(keys, hf_service_brokers()) < 0 ||
        pipeline_sweeper_start(keys, (int)sweep_s) < 0 || pipeline_interviews_start(keys) < 0) {
        hf_error("cannot start the pipeline's background threads");
        return -1;
    }
    return 0;
}

void pipeline_stop(void)
{
    pipeline_interviews_stop();
    pipeline_background_stop();
    hf_keyring_destroy(&keys);
}

/* ---- who is calling ---- */

typedef struct {
    store_t st;
    ProtobufCAllocator alloc;
    const Hrflow__V1__Caller *caller;
} ctx_t;

static int open_ctx(hf_call_t *call, ctx_t *c)
{
    c->caller = hf_call_caller(call);
    if (!c->caller->tenant_id || strlen(c->caller->tenant_id) != 36)
        return hf_call_fail(call, E(UNAUTHENTICATED), "the request carries no tenant");
    c->alloc = hf_arena_allocator(hf_call_arena(call));
    c->st = (store_t){ hf_service_db(call), &c->alloc, keys, c->caller->tenant_id,
                       hf_call_envelope(call)->traceparent };
    return c->st.db ? 0 : hf_call_fail(call, E(UNAVAILABLE), "the database is unavailable");
}

static int sees_company(const ctx_t *c, const char *company)
{
    if (c->caller->n_company_ids == 0)
        return 1;
    for (size_t i = 0; i < c->caller->n_company_ids; i++)
        if (!strcmp(c->caller->company_ids[i], company))
            return 1;
    return 0;
}

static int fail_store(hf_call_t *call, store_rc_t rc, const char *what, const char *id)
{
    switch (rc) {
    case STORE_NOT_FOUND:
        return hf_call_fail(call, E(NOT_FOUND), "%s %s not found", what, id);
    case STORE_EXISTS:
        return hf_call_fail(call, E(ALREADY_EXISTS), "the %s already exists", what);
    case STORE_CONFLICT:
        return hf_call_fail(call, E(CONFLICT), "%s %s was changed by someone else; read it again",
                            what, id);
    default:
        return hf_call_fail(call, E(UNAVAILABLE), "could not access %s records", what);
    }
}

/* ---- jobs ---- */

/* Check a job; every problem becomes a detail. Returns 0 or -1 (failed). */
static int job_check(hf_call_t *call, const ctx_t *c, Hrflow__V1__Job *j, const char *path)
{
    int bad = 0;
    char p[96], err[300];
#define PROBLEM(field, code, msg)                                                  \
    do {                                                                           \
        snprintf(p, sizeof(p), "%s%s", path, field);                               \
        hf_call_detail(call, p, code, msg);                                        \
        bad = 1;                                                                   \
    } while (0)
    if (!hf_uuid_valid(j->company_id))
        PROBLEM("company_id", "required", "a company id of the group");
    else if (!sees_company(c, j->company_id))
        PROBLEM("company_id", "forbidden", "this key may not act for that company");
    size_t tl = strlen(j->title);
    if (tl == 0 || tl > 600)
        PROBLEM("title", tl ? "too_long" : "required", "1 to 200 characters");
    if (j->headcount == 0 || j->headcount > 100000)
        PROBLEM("headcount", "out_of_range", "between 1 and 100000");
    if (*j->competency_model_id && !hf_uuid_valid(j->competency_model_id))
        PROBLEM("competency_model_id", "bad_format", "a competency model id");
    if (!*j->status)
        j->status = (char *)"open";
    if (strcmp(j->status, "open") && strcmp(j->status, "paused") && strcmp(j->status, "closed"))
        PROBLEM("status", "bad_format", "open, paused or closed");
    for (size_t i = 0; i < j->n_composite_weights; i++) {
        const Hrflow__V1__CompositeWeight *w = j->composite_weights[i];
        int known = !strcmp(w->kind, "screening") || !strcmp(w->kind, "ai_interview") ||
                    !strcmp(w->kind, "written_test") || !strcmp(w->kind, "online_assessment");
        if (!known || !(w->weight >= 0 && w->weight <= 100) || i >= 8)
            PROBLEM("composite_weights", "invalid",
                    "up to 8 of screening, ai_interview, written_test, online_assessment, "
                    "each weighted 0 to 100");
    }
    pl_stages_t *stages = automation_stages(j, err, sizeof(err));
    if (!stages)
        PROBLEM("stages", "invalid", err);
    if (stages && *j->rules) {
        pl_rules_t *rules = pl_rules_parse(j->rules, strlen(j->rules), stages, err, sizeof(err));
        if (!rules)
            PROBLEM("rules", "invalid", err);
        pl_rules_destroy(&rules);
    }
    pl_stages_destroy(&stages);
#undef PROBLEM
    return bad ? hf_call_fail(call, E(INVALID_ARGUMENT), "the job is invalid") : 0;
}

HANDLER(pipeline_create_job)
{
    const Hrflow__V1__CreateJobRequest *r = (const void *)req;
    ctx_t c;
    if (open_ctx(call, &c) < 0)
        return -1;
    if (!r->job)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "job is required");
    if (job_check(call, &c, r->job, "job.") < 0)
        return -1;
    store_rc_t rc = store_job_create(&c.st, r->job);
    if (rc != STORE_OK)
        return fail_store(call, rc, "job", "");
    *reply = &r->job->base;
    return 0;
}

/* A job the caller may see, or NULL after failing the call. */
static Hrflow__V1__Job *visible_job(hf_call_t *call, ctx_t *c, const char *id)
{
    Hrflow__V1__Job *j = NULL;
    store_rc_t rc = hf_uuid_valid(id) ? store_job_get(&c->st, id, &j) : STORE_NOT_FOUND;
    if (rc == STORE_OK && !sees_company(c, j->company_id))
        rc = STORE_NOT_FOUND;
    if (rc != STORE_OK) {
        fail_store(call, rc, "job", id);
        return NULL;
    }
    return j;
}

HANDLER(pipeline_get_job)
{
    const Hrflow__V1__GetJobRequest *r = (const void *)req;
    ctx_t c;
    Hrflow__V1__Job *j = open_ctx(call, &c) == 0 ? visible_job(call, &c, r->id) : NULL;
    if (!j)
        return -1;
    *reply = &j->base;
    return 0;
}

HANDLER(pipeline_list_jobs)
{
    const Hrflow__V1__ListJobsRequest *r = (const void *)req;
    ctx_t c;
    store_page_t page;
    if (open_ctx(call, &c) < 0 || hf_service_page(call, r->page_size, r->page_token, &page) < 0)
        return -1;
    if (*r->company_id && (!hf_uuid_valid(r->company_id) || !sees_company(&c, r->company_id)))
        return hf_call_fail(call, E(NOT_FOUND), "company %s not found", r->company_id);
    Hrflow__V1__ListJobsResponse *o =
        HF_CALL_NEW(call, Hrflow__V1__ListJobsResponse, hrflow__v1__list_jobs_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    store_rc_t rc = store_job_list(&c.st, r->company_id, r->status, &page, &o->jobs, &o->n_jobs);
    if (rc != STORE_OK)
        return fail_store(call, rc, "job", "");
    size_t kept = 0; /* a company-bound key sees its companies' jobs only */
    for (size_t i = 0; i < o->n_jobs; i++)
        if (sees_company(&c, o->jobs[i]->company_id))
            o->jobs[kept++] = o->jobs[i];
    o->n_jobs = kept;
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

HANDLER(pipeline_update_job)
{
    const Hrflow__V1__UpdateJobRequest *r = (const void *)req;
    ctx_t c;
    Hrflow__V1__Job *j = open_ctx(call, &c) == 0 ? visible_job(call, &c, r->id) : NULL;
    if (!j)
        return -1;
    static const Hrflow__V1__Job empty = HRFLOW__V1__JOB__INIT;
    const Hrflow__V1__Job *in = r->job ? r->job : &empty;
    for (size_t i = 0; i < r->n_update_mask; i++) {
        const char *f = r->update_mask[i];
#define FIELD(proto, json) (!strcmp(f, proto) || !strcmp(f, json))
        if (FIELD("department", "department"))
            j->department = in->department;
        else if (FIELD("title", "title"))
            j->title = in->title;
        else if (FIELD("location", "location"))
            j->location = in->location;
        else if (FIELD("headcount", "headcount"))
            j->headcount = in->headcount;
        else if (FIELD("competency_model_id", "competencyModelId"))
            j->competency_model_id = in->competency_model_id;
        else if (FIELD("rules", "rules"))
            j->rules = in->rules;
        else if (FIELD("require_human_for_reject", "requireHumanForReject"))
            j->require_human_for_reject = in->require_human_for_reject;
        else if (FIELD("status", "status"))
            j->status = in->status;
        else if (FIELD("composite_weights", "compositeWeights")) {
            j->composite_weights = in->composite_weights;
            j->n_composite_weights = in->n_composite_weights;
        }
        else {
            char path[48];
            snprintf(path, sizeof(path), "update_mask[%zu]", i);
            hf_call_detail(call, path, "not_updatable",
                           "companyId and stages are fixed once a job exists");
            return hf_call_fail(call, E(INVALID_ARGUMENT), "field %s cannot be changed", f);
        }
#undef FIELD
    }
    if (job_check(call, &c, j, "job.") < 0)
        return -1;
    store_rc_t rc = store_job_update(&c.st, j);
    if (rc != STORE_OK)
        return fail_store(call, rc, "job", r->id);
    *reply = &j->base;
    return 0;
}

/* ---- candidates ---- */

HANDLER(pipeline_create_candidate)
{
    const Hrflow__V1__CreateCandidateRequest *r = (const void *)req;
    ctx_t c;
    if (open_ctx(call, &c) < 0)
        return -1;
    Hrflow__V1__Candidate *in = r->candidate;
    if (!in)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "candidate is required");
    int bad = 0;
    char norm[320];
    size_t nl = strlen(in->name);
    if (nl == 0 || nl > 600)
        hf_call_detail(call, "candidate.name", nl ? "too_long" : "required", "1 to 200 characters"),
            bad = 1;
    if (!*in->phone && !*in->email)
        hf_call_detail(call, "candidate.phone", "required", "a phone or an email is required"),
            bad = 1;
    if (*in->phone && hf_pii_normalize_phone(in->phone, norm, sizeof(norm)) < 0)
        hf_call_detail(call, "candidate.phone", "bad_format", "not a phone number"), bad = 1;
    if (*in->email && hf_pii_normalize_email(in->email, norm, sizeof(norm)) < 0)
        hf_call_detail(call, "candidate.email", "bad_format", "not an email address"), bad = 1;
    if (in->years_experience < 0 || in->years_experience > 60)
        hf_call_detail(call, "candidate.years_experience", "out_of_range", "0 to 60"), bad = 1;
    if (strlen(in->resume) > 65536)
        hf_call_detail(call, "candidate.resume", "too_long", "at most 64 KiB"), bad = 1;
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the candidate is invalid");
    Hrflow__V1__Candidate *out = NULL;
    store_rc_t rc = store_candidate_create(&c.st, in, &out);
    if (rc != STORE_OK)
        return fail_store(call, rc, "candidate", "");
    *reply = &out->base;
    return 0;
}

HANDLER(pipeline_get_candidate)
{
    const Hrflow__V1__GetCandidateRequest *r = (const void *)req;
    ctx_t c;
    if (open_ctx(call, &c) < 0)
        return -1;
    Hrflow__V1__Candidate *out = NULL;
    store_rc_t rc = hf_uuid_valid(r->id) ? store_candidate_get(&c.st, r->id, &out) : STORE_NOT_FOUND;
    if (rc != STORE_OK)
        return fail_store(call, rc, "candidate", r->id);
    *reply = &out->base;
    return 0;
}

/* ---- applications ---- */

/* An application whose job the caller may see, with that job. */
static Hrflow__V1__Application *visible_application(hf_call_t *call, ctx_t *c, const char *id,
                                                    Hrflow__V1__Job **job)
{
    Hrflow__V1__Application *a = NULL;
    store_rc_t rc = hf_uuid_valid(id) ? store_application_get(&c->st, id, &a) : STORE_NOT_FOUND;
    if (rc == STORE_OK && store_job_get(&c->st, a->job_id, job) == STORE_OK &&
        !sees_company(c, (*job)->company_id))
        rc = STORE_NOT_FOUND;
    if (rc != STORE_OK) {
        fail_store(call, rc, "application", id);
        return NULL;
    }
    return a;
}

/* The caller's context and the application id names, with its job; NULL
 * after failing the call. */
static Hrflow__V1__Application *caller_application(hf_call_t *call, ctx_t *c, const char *id,
                                                   Hrflow__V1__Job **job)
{
    return open_ctx(call, c) == 0 ? visible_application(call, c, id, job) : NULL;
}

static const char *actor_of(const ctx_t *c)
{
    return c->caller->actor && *c->caller->actor ? c->caller->actor : "system";
}

HANDLER(pipeline_create_application)
{
    const Hrflow__V1__CreateApplicationRequest *r = (const void *)req;
    ctx_t c;
    if (open_ctx(call, &c) < 0)
        return -1;
    Hrflow__V1__Application *a = r->application;
    if (!a || !hf_uuid_valid(a->job_id) || !hf_uuid_valid(a->candidate_id)) {
        hf_call_detail(call, "application.job_id", "required", "a job and a candidate id");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the application needs a job and a candidate");
    }
    Hrflow__V1__Job *job = visible_job(call, &c, a->job_id);
    Hrflow__V1__Candidate *cand = NULL;
    if (!job)
        return -1;
    if (strcmp(job->status, "open") != 0)
        return hf_call_fail(call, E(FAILED_PRECONDITION), "job %s is %s: it takes no applications",
                            job->id, job->status);
    store_rc_t rc = store_candidate_get(&c.st, a->candidate_id, &cand);
    if (rc != STORE_OK)
        return fail_store(call, rc, "candidate", a->candidate_id);
    char err[200];
    pl_stages_t *stages = automation_stages(job, err, sizeof(err));
    if (!stages)
        return hf_call_fail(call, E(INTERNAL), "job %s has invalid stages", job->id);
    a->stage = hf_arena_strdup(hf_call_arena(call), pl_stages_first(stages));
    pl_stages_destroy(&stages);
    a->screening = (char *)automation_screening_state(job, cand->resume);
    rc = store_application_create(&c.st, a, actor_of(&c));
    if (rc != STORE_OK)
        return fail_store(call, rc, "application", "");
    *reply = &a->base;
    return 0;
}

HANDLER(pipeline_get_application)
{
    const Hrflow__V1__GetApplicationRequest *r = (const void *)req;
    ctx_t c;
    Hrflow__V1__Job *job = NULL;
    Hrflow__V1__Application *a = caller_application(call, &c, r->id, &job);
    if (!a)
        return -1;
    *reply = &a->base;
    return 0;
}

HANDLER(pipeline_list_applications)
{
    const Hrflow__V1__ListApplicationsRequest *r = (const void *)req;
    ctx_t c;
    store_page_t page;
    if (open_ctx(call, &c) < 0 || hf_service_page(call, r->page_size, r->page_token, &page) < 0 ||
        !visible_job(call, &c, r->job_id))
        return -1;
    Hrflow__V1__ListApplicationsResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListApplicationsResponse, hrflow__v1__list_applications_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    store_rc_t rc = store_application_list(&c.st, r->job_id, r->stage, &page, &o->applications,
                                           &o->n_applications);
    if (rc != STORE_OK)
        return fail_store(call, rc, "application", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

/* Advance (to_stage, or the next stage) or reject, through the job's stage machine. */
static int move(hf_call_t *call, const Hrflow__V1__MoveApplicationRequest *r, int reject,
                ProtobufCMessage **reply)
{
    ctx_t c;
    Hrflow__V1__Job *job = NULL;
    Hrflow__V1__Application *a = caller_application(call, &c, r->id, &job);
    if (!a)
        return -1;
    if (r->expected_version && r->expected_version != a->version)
        return hf_call_fail(call, E(CONFLICT),
                            "application %s is at version %lld, not %lld: read it again",
                            a->id, (long long)a->version, (long long)r->expected_version);
    char err[300];
    pl_stages_t *stages = automation_stages(job, err, sizeof(err));
    if (!stages)
        return hf_call_fail(call, E(INTERNAL), "job %s has invalid stages", job->id);
    const char *to = reject ? "rejected" : *r->to_stage ? r->to_stage : pl_stages_next(stages, a->stage);
    char *target = to ? hf_arena_strdup(hf_call_arena(call), to) : NULL;
    pl_move_t m = target ? pl_stages_can_move(stages, a->stage, target, err, sizeof(err))
                         : pl_stages_can_move(stages, a->stage, a->stage, err, sizeof(err));
    pl_stages_destroy(&stages);
    if (!target || m != PL_MOVE_OK) {
        if (m == PL_MOVE_UNKNOWN_STAGE)
            hf_call_detail(call, "to_stage", "unknown_stage", err);
        return hf_call_fail(call, E(FAILED_PRECONDITION), "%s", err);
    }
    store_rc_t rc = store_application_move(&c.st, a, target, actor_of(&c), r->reason);
    if (rc != STORE_OK)
        return fail_store(call, rc, "application", r->id);
    *reply = &a->base;
    return 0;
}

HANDLER(pipeline_advance_application)
{
    return move(call, (const void *)req, 0, reply);
}

HANDLER(pipeline_reject_application)
{
    return move(call, (const void *)req, 1, reply);
}

/* ---- imports ---- */

HANDLER(pipeline_import_candidates)
{
    const Hrflow__V1__ImportCandidatesRequest *r = (const void *)req;
    ctx_t c;
    if (open_ctx(call, &c) < 0)
        return -1;
    if (!*r->job_id) {
        hf_call_detail(call, "job_id", "required", "the job every imported candidate applies to");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "jobId is required");
    }
    Hrflow__V1__Job *job = visible_job(call, &c, r->job_id);
    if (!job)
        return -1;
    if (strcmp(job->status, "open") != 0)
        return hf_call_fail(call, E(FAILED_PRECONDITION), "job %s is %s: it takes no applications",
                            job->id, job->status);
    if (r->content.len == 0) {
        hf_call_detail(call, "content", "required", "send the file as the request body");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the file is empty");
    }
    const char *enc = r->encoding;
    if (*enc && strcmp(enc, "utf-8") && strcmp(enc, "gb18030") && strcmp(enc, "gbk")) {
        hf_call_detail(call, "encoding", "bad_format", "utf-8, gb18030 or gbk");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "unknown encoding %s", enc);
    }
    Hrflow__V1__ImportJob *out = NULL;
    store_rc_t rc = store_import_create(&c.st, job->id, actor_of(&c), r->content.data,
                                        r->content.len, enc, &out);
    if (rc != STORE_OK)
        return fail_store(call, rc, "import", "");
    *reply = &out->base;
    return 0;
}

HANDLER(pipeline_get_import)
{
    const Hrflow__V1__GetImportRequest *r = (const void *)req;
    ctx_t c;
    if (open_ctx(call, &c) < 0)
        return -1;
    Hrflow__V1__ImportJob *out = NULL;
    store_rc_t rc = hf_uuid_valid(r->id) ? store_import_get(&c.st, r->id, &out) : STORE_NOT_FOUND;
    if (rc == STORE_OK && !visible_job(call, &c, out->job_id))
        return -1;
    if (rc != STORE_OK)
        return fail_store(call, rc, "import", r->id);
    *reply = &out->base;
    return 0;
}

/* ---- the funnel ---- */

#define ORDER_MAX (PL_STAGES_MAX * (PL_STAGE_NAME_MAX + 1) + 3)

/* The job's ordered stages (hired last; not rejected or withdrawn) as a
 * PostgreSQL array literal: "{applied,screening,…,hired}". */
static void order_literal(const pl_stages_t *stages, char order[ORDER_MAX])
{
    strcpy(order, "{");
    for (size_t i = 0; i < pl_stages_count(stages); i++) {
        const char *name = pl_stages_name(stages, i);
        if (!pl_stages_is_terminal(stages, name) || !strcmp(name, "hired"))
            snprintf(order + strlen(order), ORDER_MAX - strlen(order), "%s%s",
                     order[1] ? "," : "", name);
    }
    strcat(order, "}");
}

/* Count a job's funnel from the applications and their transitions. */
static int count_funnel(hf_call_t *call, ctx_t *c, const Hrflow__V1__Job *job,
                        Hrflow__V1__Funnel **out)
{
    char err[200];
    pl_stages_t *stages = automation_stages(job, err, sizeof(err));
    if (!stages)
        return hf_call_fail(call, E(INTERNAL), "job %s has invalid stages", job->id);
    size_t ns = pl_stages_count(stages);
    char order[ORDER_MAX];
    order_literal(stages, order);
    store_stage_count_t counts[PL_STAGES_MAX + 8];
    size_t n = 0;
    store_rc_t rc = store_funnel(&c->st, job->id, order, counts, PL_STAGES_MAX + 8, &n);
    if (rc != STORE_OK) {
        pl_stages_destroy(&stages);
        return fail_store(call, rc, "application", "");
    }
    hf_arena_t *ar = hf_call_arena(call);
    Hrflow__V1__Funnel *f = HF_CALL_NEW(call, Hrflow__V1__Funnel, hrflow__v1__funnel__init);
    Hrflow__V1__FunnelStage **list = hf_arena_alloc(ar, (ns + 1) * sizeof(void *));
    Hrflow__V1__Timestamp *now =
        HF_CALL_NEW(call, Hrflow__V1__Timestamp, hrflow__v1__timestamp__init);
    if (!f || !list || !now) {
        pl_stages_destroy(&stages);
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    }
    int64_t ms = hf_now_ms();
    now->seconds = ms / 1000;
    now->nanos = (int32_t)(ms % 1000) * 1000000;
    f->computed_time = now;
    f->job_id = job->id;
    f->stages = list;
    for (size_t i = 0; i < ns; i++) {
        const char *name = pl_stages_name(stages, i);
        Hrflow__V1__FunnelStage *s =
            HF_CALL_NEW(call, Hrflow__V1__FunnelStage, hrflow__v1__funnel_stage__init);
        if (!s)
            break;
        s->stage = hf_arena_strdup(ar, name);
        for (size_t k = 0; k < n; k++)
            if (!strcmp(counts[k].stage, name)) {
                s->current = counts[k].current;
                s->reached = counts[k].reached;
                s->avg_hours_in_stage = counts[k].avg_hours;
                if (counts[k].reached) /* went on to any later stage of the order */
                    s->conversion = (double)counts[k].advanced / (double)counts[k].reached;
            }
        f->total += s->current;
        list[f->n_stages++] = s;
    }
    pl_stages_destroy(&stages);
    *out = f;
    return 0;
}

/* During a hiring peak dashboards poll the funnel while imports and rules
 * write: the count runs at most once per HF_PIPELINE_FUNNEL_CACHE_MS per job
 * (or per ten times what the count took, when that is longer) and every
 * other reader gets those counts from Redis (with computedTime).
 * Redis down or the entry gone: counted again, never wrong. */
HANDLER(pipeline_get_funnel)
{
    const Hrflow__V1__GetFunnelRequest *r = (const void *)req;
    ctx_t c;
    Hrflow__V1__Job *job = open_ctx(call, &c) == 0 ? visible_job(call, &c, r->job_id) : NULL;
    if (!job)
        return -1;
    char key[128];
    snprintf(key, sizeof(key), "hf:{%s}:funnel:%s", c.st.tenant, job->id);
    hf_cache_t *cache = funnel_cache_ms > 0 ? hf_service_cache(call) : NULL;
    redisReply *hit = cache ? hf_cache_command(cache, "GET %s", key) : NULL;
    if (hit && hit->type == REDIS_REPLY_STRING) {
        ProtobufCMessage *m = protobuf_c_message_unpack(&hrflow__v1__funnel__descriptor, &c.alloc,
                                                        hit->len, (const uint8_t *)hit->str);
        freeReplyObject(hit);
        if (m) {
            *reply = m;
            return 0;
        }
    } else if (hit) {
        freeReplyObject(hit);
    }
    Hrflow__V1__Funnel *f = NULL;
    int64_t t0 = hf_mono_ms();
    if (count_funnel(call, &c, job, &f) < 0)
        return -1;
    /* a count that took long is kept longer: at most a tenth of the time is
     * spent counting, however many dashboards poll (capped at a minute) */
    long ttl = funnel_cache_ms;
    long took = (long)(hf_mono_ms() - t0);
    if (ttl < 10 * took)
        ttl = 10 * took < 60000 ? 10 * took : 60000;
    size_t len = protobuf_c_message_get_packed_size(&f->base);
    uint8_t *buf = cache ? hf_arena_alloc(hf_call_arena(call), len + 1) : NULL;
    if (buf) {
        protobuf_c_message_pack(&f->base, buf);
        redisReply *set = hf_cache_command(cache, "SET %s %b PX %ld", key, buf, len, ttl);
        if (set)
            freeReplyObject(set);
    }
    *reply = &f->base;
    return 0;
}

/* ---- assessments and the rules they set off ---- */

static const char *const assessment_kinds[] = { "screening",         "ai_interview",
                                                "written_test",      "online_assessment",
                                                "background_check",  "no_show" };

static int assessment_check(hf_call_t *call, const Hrflow__V1__Assessment *a)
{
    int known = 0;
    for (size_t i = 0; i < sizeof(assessment_kinds) / sizeof(assessment_kinds[0]); i++)
        known |= !strcmp(a->kind, assessment_kinds[i]);
    int bad = 0, gate = !strcmp(a->kind, "background_check"), scored = store_kind_scored(a->kind);
    if (!known)
        hf_call_detail(call, "assessment.kind", "bad_format",
                       "screening, ai_interview, written_test, online_assessment, "
                       "background_check or no_show"), bad = 1;
    if (scored && !(a->score >= 0 && a->score <= 100))
        hf_call_detail(call, "assessment.score", "out_of_range", "0 to 100"), bad = 1;
    if (gate && strcmp(a->result, "clear") && strcmp(a->result, "review") &&
        strcmp(a->result, "fail"))
        hf_call_detail(call, "assessment.result", "bad_format", "clear, review or fail"), bad = 1;
    size_t n = strlen(a->event_id);
    if (n == 0 || n > 128 || !strncmp(a->event_id, "stage_timeout:", 14))
        hf_call_detail(call, "assessment.event_id", "required",
                       "1 to 128 characters, not starting with stage_timeout: (the sweep's); "
                       "the same event twice acts once"), bad = 1;
    if (a->n_hints > 20)
        hf_call_detail(call, "assessment.hints", "too_many", "at most 20"), bad = 1;
    for (size_t i = 0; i < a->n_hints; i++)
        if (strlen(a->hints[i]) > 500)
            hf_call_detail(call, "assessment.hints", "too_long", "500 bytes each"), bad = 1;
    return bad ? hf_call_fail(call, E(INVALID_ARGUMENT), "the assessment is invalid") : 0;
}

/* Decisions kept as JSON into the reply's messages. */
static int decisions_out(hf_call_t *call, json_t *log, Hrflow__V1__RuleDecision ***out, size_t *n)
{
    hf_arena_t *ar = hf_call_arena(call);
    *n = 0;
    if (!(*out = hf_arena_alloc(ar, (json_array_size(log) + 1) * sizeof(void *))))
        return -1;
    size_t i;
    json_t *d;
    json_array_foreach(log, i, d)
    {
        Hrflow__V1__RuleDecision *x =
            HF_CALL_NEW(call, Hrflow__V1__RuleDecision, hrflow__v1__rule_decision__init);
        if (!x)
            return -1;
        x->line = (uint32_t)json_integer_value(json_object_get(d, "line"));
        x->verdict = hf_arena_strdup(ar, json_string_value(json_object_get(d, "verdict")) ?: "");
        x->action = hf_arena_strdup(ar, json_string_value(json_object_get(d, "action")) ?: "");
        x->why = hf_arena_strdup(ar, json_string_value(json_object_get(d, "why")) ?: "");
        (*out)[(*n)++] = x;
    }
    return 0;
}

HANDLER(pipeline_record_assessment)
{
    const Hrflow__V1__RecordAssessmentRequest *r = (const void *)req;
    ctx_t c;
    Hrflow__V1__Job *job = NULL;
    if (open_ctx(call, &c) < 0)
        return -1;
    if (!r->assessment)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "assessment is required");
    Hrflow__V1__Application *a = visible_application(call, &c, r->application_id, &job);
    if (!a || assessment_check(call, r->assessment) < 0)
        return -1;
    Hrflow__V1__AssessmentResult *o = HF_CALL_NEW(call, Hrflow__V1__AssessmentResult,
                                                  hrflow__v1__assessment_result__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    automation_outcome_t out;
    store_rc_t rc = automation_run(&c.st, job, a, r->assessment, 0, &out);
    if (rc == STORE_OK && out.replayed) /* the stored state, not the one read before */
        rc = store_application_get(&c.st, a->id, &a);
    int failed = rc != STORE_OK ? fail_store(call, rc, "application", a->id)
                 : decisions_out(call, out.decisions, &o->decisions, &o->n_decisions) < 0
                     ? hf_call_fail(call, E(INTERNAL), "out of memory")
                     : 0;
    o->replayed = out.replayed;
    json_decref(out.decisions);
    if (failed)
        return -1;
    o->application = a;
    *reply = &o->base;
    return 0;
}

HANDLER(pipeline_list_assessments)
{
    const Hrflow__V1__ListAssessmentsRequest *r = (const void *)req;
    ctx_t c;
    Hrflow__V1__Job *job = NULL;
    Hrflow__V1__Application *a = caller_application(call, &c, r->application_id, &job);
    if (!a)
        return -1;
    Hrflow__V1__ListAssessmentsResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListAssessmentsResponse, hrflow__v1__list_assessments_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    store_rc_t rc = store_assessment_list(&c.st, a->id, &o->assessments, &o->n_assessments);
    if (rc != STORE_OK)
        return fail_store(call, rc, "assessment", "");
    *reply = &o->base;
    return 0;
}

/* ---- rule dry runs ---- */

#define DRY_RUN_DEFAULT 10000
#define DRY_RUN_MAX 100000
#define DRY_RUN_MOVES 1000

typedef struct {
    hf_call_t *call;
    const pl_rules_t *rules;
    const Hrflow__V1__Job *job;
    int event;                 /* -1: every event with a result */
    int64_t now_us;
    Hrflow__V1__DryRunRulesResponse *o;
    json_t *by_action;
    int failed;
} dry_t;

/* The events an application's results stand for (or the one asked). */
static void dry_one(void *ctx, const store_facts_t *f)
{
    dry_t *d = ctx;
    if (d->failed)
        return;
    d->o->examined++;
    pl_record_t rec;
    json_t *holder = NULL;
    unsigned minutes = 0;
    automation_record(f, d->now_us, &rec, &holder, &minutes);
    int acted = 0;
    for (int k = 0; k < PL_EV_N; k++) {
        if (d->event >= 0 ? k != d->event
                          : !((k == PL_EV_SCREENED && rec.v[PL_F_SCREENING_SCORE].present) ||
                              (k == PL_EV_INTERVIEW_SCORED && rec.v[PL_F_AI_SCORE].present) ||
                              (k == PL_EV_ASSESSMENT_RECEIVED &&
                               (rec.v[PL_F_WRITTEN_TEST].present ||
                                rec.v[PL_F_ONLINE_ASSESSMENT].present ||
                                rec.v[PL_F_BACKGROUND_CHECK].present)) ||
                              k == PL_EV_STAGE_TIMEOUT))
            continue;
        pl_event_t ev = { (pl_event_kind_t)k, minutes, 0 };
        pl_eval_opts_t opts = { .require_human_for_reject = d->job->require_human_for_reject };
        pl_eval_t e = { 0 };
        if (pl_rules_eval(d->rules, &ev, &rec, &opts, &e) < 0) {
            d->failed = 1;
            break;
        }
        for (size_t i = 0; i < e.n; i++) {
            const pl_decision_t *x = &e.d[i];
            if (x->verdict == PL_NO_MATCH)
                continue;
            if (x->verdict == PL_ACT) {
                acted = 1;
                const char *name = pl_action_name(x->action.kind);
                json_object_set_new(d->by_action, name,
                                    json_integer(json_integer_value(
                                                     json_object_get(d->by_action, name)) +
                                                 1));
            }
            if (d->o->n_moves >= DRY_RUN_MOVES)
                continue;
            hf_arena_t *ar = hf_call_arena(d->call);
            Hrflow__V1__DryRunMove *m =
                HF_CALL_NEW(d->call, Hrflow__V1__DryRunMove, hrflow__v1__dry_run_move__init);
            Hrflow__V1__RuleDecision *rd =
                HF_CALL_NEW(d->call, Hrflow__V1__RuleDecision, hrflow__v1__rule_decision__init);
            if (!m || !rd) {
                d->failed = 1;
                break;
            }
            m->application_id = hf_arena_strdup(ar, f->application_id);
            m->stage = hf_arena_strdup(ar, f->stage);
            m->event = (char *)pl_event_name((pl_event_kind_t)k);
            rd->line = x->line;
            rd->verdict = (char *)(x->verdict == PL_ACT ? "act" : "blocked");
            rd->action = (char *)pl_action_name(x->action.kind);
            rd->why = hf_arena_strdup(ar, x->why ? x->why : "");
            m->decision = rd;
            d->o->moves[d->o->n_moves++] = m;
        }
        pl_eval_clear(&e);
    }
    d->o->would_act += acted;
    json_decref(holder);
}

HANDLER(pipeline_dry_run_rules)
{
    const Hrflow__V1__DryRunRulesRequest *r = (const void *)req;
    ctx_t c;
    Hrflow__V1__Job *job = open_ctx(call, &c) == 0 ? visible_job(call, &c, r->job_id) : NULL;
    if (!job)
        return -1;
    int event = -1;
    if (*r->event && (event = pl_event_lookup(r->event)) < 0) {
        hf_call_detail(call, "event", "bad_format",
                       "screened, interview_scored, assessment_received, no_show or stage_timeout");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "unknown event %s", r->event);
    }
    if (r->limit > DRY_RUN_MAX) {
        hf_call_detail(call, "limit", "out_of_range", "at most 100000");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "limit is too large");
    }
    char err[300];
    pl_rules_t *rules = automation_rules(job, *r->rules ? r->rules : NULL, err, sizeof(err));
    if (!rules && *err) {
        hf_call_detail(call, "rules", "invalid", err);
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the rules do not parse");
    }
    Hrflow__V1__DryRunRulesResponse *o = HF_CALL_NEW(call, Hrflow__V1__DryRunRulesResponse,
                                                     hrflow__v1__dry_run_rules_response__init);
    hf_arena_t *ar = hf_call_arena(call);
    if (!o || !(o->moves = hf_arena_alloc(ar, DRY_RUN_MOVES * sizeof(void *)))) {
        pl_rules_destroy(&rules);
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    }
    o->job_id = job->id;
    char *printed = rules ? pl_rules_format(rules) : NULL;
    o->rules = hf_arena_strdup(ar, printed ? printed : "");
    free(printed);
    uint32_t limit = r->limit ? r->limit : DRY_RUN_DEFAULT;
    dry_t d = { call, rules, job, event, hf_now_ms() * 1000, o, json_object(), 0 };
    store_rc_t rc = rules ? store_facts(&c.st, job->id, limit + 1, dry_one, &d) : STORE_OK;
    pl_rules_destroy(&rules);
    if (rc == STORE_NOT_FOUND)
        rc = STORE_OK;
    if (o->examined > limit) { /* the extra row only says there is more (its moves are kept) */
        o->examined = limit;
        o->truncated = 1;
    }
    const char *name;
    json_t *v;
    o->by_action = hf_arena_alloc(ar, (json_object_size(d.by_action) + 1) * sizeof(void *));
    json_object_foreach(d.by_action, name, v)
    {
        Hrflow__V1__DryRunRulesResponse__ByActionEntry *e =
            HF_CALL_NEW(call, Hrflow__V1__DryRunRulesResponse__ByActionEntry,
                        hrflow__v1__dry_run_rules_response__by_action_entry__init);
        if (!e || !o->by_action)
            break;
        e->key = hf_arena_strdup(ar, name);
        e->value = (uint64_t)json_integer_value(v);
        o->by_action[o->n_by_action++] = e;
    }
    json_decref(d.by_action);
    if (rc != STORE_OK || d.failed)
        return rc != STORE_OK ? fail_store(call, rc, "application", "")
                              : hf_call_fail(call, E(INTERNAL), "out of memory");
    *reply = &o->base;
    return 0;
}

/* ---- composite evaluation ---- */

static void keep_latest(void *ctx, const store_facts_t *f)
{
    snprintf(ctx, 4096, "%s", f->latest);
}

HANDLER(pipeline_get_evaluation)
{
    const Hrflow__V1__GetEvaluationRequest *r = (const void *)req;
    ctx_t c;
    Hrflow__V1__Job *job = NULL;
    Hrflow__V1__Application *a = caller_application(call, &c, r->application_id, &job);
    if (!a)
        return -1;
    char latest[4096] = "{}";
    const char *id = a->id;
    if (store_facts_many(&c.st, &id, 1, keep_latest, latest) != STORE_OK)
        return fail_store(call, STORE_FAILED, "assessment", "");
    pl_part_t parts[PL_COMPOSITE_MAX];
    size_t n;
    char check[16];
    pl_composite_t out;
    automation_composite(job, latest, strncmp(r->locale, "en", 2) != 0, parts, &n, check, &out);
    Hrflow__V1__Evaluation *e =
        HF_CALL_NEW(call, Hrflow__V1__Evaluation, hrflow__v1__evaluation__init);
    hf_arena_t *ar = hf_call_arena(call);
    if (!e || !(e->parts = hf_arena_alloc(ar, (n + 1) * sizeof(void *))) ||
        !(e->missing = hf_arena_alloc(ar, (n + 1) * sizeof(void *))))
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    e->application_id = a->id;
    e->score = out.score;
    e->band = (char *)out.band;
    e->recommendation = (char *)out.recommendation;
    e->explanation = hf_arena_strdup(ar, out.explanation);
    e->background_check = hf_arena_strdup(ar, check);
    for (size_t i = 0; i < n; i++) {
        Hrflow__V1__EvaluationPart *p =
            HF_CALL_NEW(call, Hrflow__V1__EvaluationPart, hrflow__v1__evaluation_part__init);
        if (!p)
            return hf_call_fail(call, E(INTERNAL), "out of memory");
        p->kind = hf_arena_strdup(ar, parts[i].kind);
        p->weight = parts[i].weight;
        p->present = parts[i].present;
        p->score = parts[i].present ? parts[i].score : 0;
        e->parts[e->n_parts++] = p;
        if (!parts[i].present && parts[i].weight > 0)
            e->missing[e->n_missing++] = p->kind;
    }
    *reply = &e->base;
    return 0;
}

/* ---- the candidate's status page (no API key: the token is the key) ---- */

static const struct {
    const char *stage, *zh, *en, *next_zh, *next_en;
} stage_words[] = {
    { "applied", "已投递", "Applied", "我们已收到你的申请，正在查看你的简历。",
      "We have your application and are reading your resume." },
    { "screening", "简历筛选", "Resume screening", "你的简历正在筛选中，结果将通过短信或邮件通知你。",
      "Your resume is being screened; we will tell you the result by SMS or email." },
    { "ai_interview", "AI 面试", "AI interview", "请留意 AI 面试邀请，并在约定时间完成面试。",
      "Watch for your AI interview invitation and take the interview at the booked time." },
    { "hr_interview", "HR 面试", "HR interview", "HR 将与你联系，安排面试时间。",
      "HR will contact you to arrange the interview." },
    { "final", "终面", "Final interview", "终面安排中，请保持电话畅通。",
      "Your final interview is being arranged; please keep your phone reachable." },
    { "offer", "录用意向", "Offer", "录用意向已发出，请查收并确认。",
      "An offer is on its way; please read and confirm it." },
    { "hired", "已录用", "Hired", "欢迎加入！入职安排将另行通知。",
      "Welcome aboard! We will send you the onboarding details." },
    { "rejected", "未通过", "Not selected", "感谢你的关注，本次未能进入下一轮。如认为自动评估有误，可申请人工复核。",
      "Thank you for your interest; you were not selected this time. If you believe an "
      "automated assessment was wrong, you can ask for a person to review it." },
    { "withdrawn", "已撤回", "Withdrawn", "申请已撤回。", "The application was withdrawn." },
};

typedef struct {
    hf_call_t *call;
    Hrflow__V1__CandidateStatus *o;
} hints_t;

static void add_hint(void *ctx, const char *hint)
{
    hints_t *h = ctx;
    if (h->o->n_hints < 20)
        h->o->hints[h->o->n_hints++] = hf_arena_strdup(hf_call_arena(h->call), hint);
}

/* The application a status token names, in a store for its tenant. A bad
 * or forged token is NOT_FOUND: it tells nothing about what exists. */
static Hrflow__V1__Application *status_application(hf_call_t *call, ctx_t *c, const char *token,
                                                   char tenant[37], Hrflow__V1__Job **job)
{
    char app[37];
    Hrflow__V1__Application *a = NULL;
    c->caller = hf_call_caller(call);
    c->alloc = hf_arena_allocator(hf_call_arena(call));
    if (pl_status_token_parse(keys, token, tenant, app) < 0) {
        hf_call_fail(call, E(NOT_FOUND), "no application has this status link");
        return NULL;
    }
    c->st = (store_t){ hf_service_db(call), &c->alloc, keys, tenant,
                       hf_call_envelope(call)->traceparent };
    if (!c->st.db) {
        hf_call_fail(call, E(UNAVAILABLE), "the database is unavailable");
        return NULL;
    }
    store_rc_t rc = store_application_get(&c->st, app, &a);
    if (rc == STORE_OK)
        rc = store_job_get(&c->st, a->job_id, job);
    if (rc != STORE_OK) {
        if (rc == STORE_NOT_FOUND)
            hf_call_fail(call, E(NOT_FOUND), "no application has this status link");
        else
            fail_store(call, rc, "application", "");
        return NULL;
    }
    return a;
}

static int status_reply(hf_call_t *call, ctx_t *c, const Hrflow__V1__Application *a,
                        const Hrflow__V1__Job *job, const char *locale, ProtobufCMessage **reply)
{
    Hrflow__V1__CandidateStatus *o =
        HF_CALL_NEW(call, Hrflow__V1__CandidateStatus, hrflow__v1__candidate_status__init);
    hf_arena_t *ar = hf_call_arena(call);
    if (!o || !(o->hints = hf_arena_alloc(ar, 20 * sizeof(char *))))
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int en = !strncmp(locale, "en", 2);
    o->job_title = job->title;
    o->company_id = job->company_id;
    o->stage = a->stage;
    o->stage_label = a->stage;
    o->next_step = (char *)(en ? "Your application is being processed." : "你的申请正在处理中。");
    for (size_t i = 0; i < sizeof(stage_words) / sizeof(stage_words[0]); i++)
        if (!strcmp(a->stage, stage_words[i].stage)) {
            o->stage_label = (char *)(en ? stage_words[i].en : stage_words[i].zh);
            o->next_step = (char *)(en ? stage_words[i].next_en : stage_words[i].next_zh);
        }
    o->stage_time = a->stage_time;
    o->review_requested = a->review_requested_time != NULL;
    o->review_requested_time = a->review_requested_time;
    o->closed = !strcmp(a->stage, "hired") || !strcmp(a->stage, "rejected") ||
                !strcmp(a->stage, "withdrawn");
    hints_t h = { call, o };
    if (store_assessment_hints(&c->st, a->id, add_hint, &h) != STORE_OK)
        return fail_store(call, STORE_FAILED, "assessment", "");
    *reply = &o->base;
    return 0;
}

HANDLER(pipeline_get_candidate_status)
{
    const Hrflow__V1__CandidateStatusRequest *r = (const void *)req;
    ctx_t c;
    char tenant[37];
    Hrflow__V1__Job *job = NULL;
    Hrflow__V1__Application *a = status_application(call, &c, r->token, tenant, &job);
    return a ? status_reply(call, &c, a, job, r->locale, reply) : -1;
}

HANDLER(pipeline_request_human_review)
{
    const Hrflow__V1__CandidateStatusRequest *r = (const void *)req;
    if (strlen(r->reason) > 2000) {
        hf_call_detail(call, "reason", "too_long", "at most 2000 bytes");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the reason is too long");
    }
    ctx_t c;
    char tenant[37];
    Hrflow__V1__Job *job = NULL;
    Hrflow__V1__Application *a = status_application(call, &c, r->token, tenant, &job);
    if (!a)
        return -1;
    store_rc_t rc = store_review_request(&c.st, a, r->reason);
    if (rc != STORE_OK)
        return fail_store(call, rc, "application", "");
    return status_reply(call, &c, a, job, r->locale, reply);
}

/* ---- the fairness audit ---- */

#define AUDIT_MAX 256 /* (stage, group) pairs */

typedef struct {
    struct {
        char stage[40], group[64];
        uint64_t entered, selected;
    } row[AUDIT_MAX];
    size_t n;
} audit_rows_t;

static void audit_row(void *ctx, const char *stage, const char *group, uint64_t entered,
                      uint64_t selected)
{
    audit_rows_t *a = ctx;
    if (a->n >= AUDIT_MAX)
        return;
    snprintf(a->row[a->n].stage, sizeof(a->row[0].stage), "%s", stage);
    snprintf(a->row[a->n].group, sizeof(a->row[0].group), "%s", group);
    a->row[a->n].entered = entered;
    a->row[a->n].selected = selected;
    a->n++;
}

HANDLER(pipeline_get_audit)
{
    const Hrflow__V1__GetAuditRequest *r = (const void *)req;
    ctx_t c;
    Hrflow__V1__Job *job = open_ctx(call, &c) == 0 ? visible_job(call, &c, r->job_id) : NULL;
    if (!job)
        return -1;
    const char *column = !strcmp(r->attribute, "gender")     ? "gender"
                         : !strcmp(r->attribute, "age_band") ? "age_band"
                         : !strcmp(r->attribute, "ageBand")  ? "age_band"
                                                             : NULL;
    if (!column) {
        hf_call_detail(call, "attribute", "bad_format", "gender or age_band");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "unknown attribute %s", r->attribute);
    }
    char err[200], order[ORDER_MAX];
    pl_stages_t *stages = automation_stages(job, err, sizeof(err));
    if (!stages)
        return hf_call_fail(call, E(INTERNAL), "job %s has invalid stages", job->id);
    order_literal(stages, order);
    audit_rows_t *rows = hf_arena_alloc(hf_call_arena(call), sizeof(*rows));
    Hrflow__V1__Audit *o = HF_CALL_NEW(call, Hrflow__V1__Audit, hrflow__v1__audit__init);
    if (!rows || !o) {
        pl_stages_destroy(&stages);
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    }
    rows->n = 0;
    if (store_audit(&c.st, job->id, order, column, audit_row, rows) != STORE_OK) {
        pl_stages_destroy(&stages);
        return fail_store(call, STORE_FAILED, "application", "");
    }
    hf_arena_t *ar = hf_call_arena(call);
    o->job_id = job->id;
    o->attribute = (char *)column;
    o->stages = hf_arena_alloc(ar, (pl_stages_count(stages) + 1) * sizeof(void *));
    for (size_t i = 0; o->stages && i < pl_stages_count(stages); i++) {
        const char *name = pl_stages_name(stages, i);
        if (pl_stages_is_terminal(stages, name)) /* the last ordered stage selects no further */
            continue;
        Hrflow__V1__AuditStage *s =
            HF_CALL_NEW(call, Hrflow__V1__AuditStage, hrflow__v1__audit_stage__init);
        if (!s || !(s->groups = hf_arena_alloc(ar, (rows->n + 1) * sizeof(void *))))
            break;
        s->stage = hf_arena_strdup(ar, name);
        double best = 0;
        for (size_t k = 0; k < rows->n; k++) {
            if (strcmp(rows->row[k].stage, name) || !rows->row[k].entered)
                continue;
            Hrflow__V1__AuditGroup *g =
                HF_CALL_NEW(call, Hrflow__V1__AuditGroup, hrflow__v1__audit_group__init);
            if (!g)
                break;
            g->group = hf_arena_strdup(ar, rows->row[k].group);
            g->entered = rows->row[k].entered;
            g->selected = rows->row[k].selected;
            g->selection_rate = (double)g->selected / (double)g->entered;
            if (*g->group && g->selection_rate > best) /* unreported values are shown, not compared */
                best = g->selection_rate;
            s->groups[s->n_groups++] = g;
        }
        for (size_t k = 0; k < s->n_groups; k++) {
            Hrflow__V1__AuditGroup *g = s->groups[k];
            if (!*g->group || best <= 0)
                continue;
            g->impact_ratio = g->selection_rate / best;
            g->flagged = g->impact_ratio < 0.8;
            o->any_flagged |= g->flagged;
        }
        o->stages[o->n_stages++] = s;
    }
    pl_stages_destroy(&stages);
    *reply = &o->base;
    return 0;
}
