/* services/pipeline/handlers.c - the RPC methods of the pipeline, one function each
 *
 * A handler takes the tenant from the envelope's caller, checks the request,
 * and asks store.c. A job's stage list becomes a stage machine (stages.c)
 * that decides every move; its rules are parsed (rules.c) when the job is
 * written, so a job never stores rules that do not parse. A caller bound to
 * some companies sees only those companies' jobs and their applications
 * (visible.c). This file has jobs, candidates, applications and imports;
 * assessment_handlers.c the results and their rules, report_handlers.c the
 * funnel and the audit, status_handlers.c the candidate's own page.
 */
#include "handlers.h"

#include "hf/service.h"
#include "hf/store.h"
#include "hrflow/v1/scoring.pb-c.h"
#include "automation.h"
#include "fields.h"
#include "rules.h"
#include "stages.h"
#include "store.h"
#include "visible.h"

#include <stdio.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

/* ---- jobs ---- */

/* The one answer for a company the caller cannot see, whether it exists or not. */
#define NO_COMPANY "not a company this key acts for"

/* Check a job; every problem becomes a detail. Returns 0 or -1 (failed). */
static int job_check(hf_store_t *st, Hrflow__V1__Job *j, const char *path)
{
    hf_call_t *call = st->call;
    int bad = 0;
    char p[96], err[300];
#define PROBLEM(field, code, msg)                                                  \
    do {                                                                           \
        snprintf(p, sizeof(p), "%s%s", path, field);                               \
        hf_call_detail(call, p, code, msg);                                        \
        bad = 1;                                                                   \
    } while (0)
    if (!hf_uuid_valid(j->company_id))
        PROBLEM("company_id", *j->company_id ? "bad_format" : "required",
                "a company id of the group");
    else if (!hf_store_sees_company(st, j->company_id))
        PROBLEM("company_id", "not_found", NO_COMPANY);
    bad |= fields_check_job(call, j, path) > 0;
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

/* Ask the service that owns a referenced record for it, on the caller's
 * behalf (its walls apply): 0 when the caller may see it; 1 when not, or
 * when it does not exist, with a not_found detail at field; -1 after
 * failing the call for an answer that is not about the record (503 when
 * the owner is unavailable). */
static int ask_ref(hf_call_t *call, const char *service, const char *method,
                   const ProtobufCMessage *q, const ProtobufCMessageDescriptor *reply_desc,
                   const char *field, const char *what)
{
    ProtobufCMessage *got = NULL;
    int code = hf_service_ask(call, service, method, q, reply_desc, &got);
    if (code == E(NOT_FOUND)) {
        hf_call_detail(call, field, "not_found", what);
        return 1;
    }
    return code ? hf_service_ask_fail(call, service, code) : 0;
}

/* The ids a job points to name records of other services: its company
 * (identity) and its competency model (scoring) must exist and be visible to
 * the caller, asked of their owners as the caller. company and model say
 * which to check (an update checks what it changes). Returns 0, or -1 after
 * failing the call: 422 with the field, 503 when an owner cannot answer. */
static int job_refs(hf_store_t *st, const Hrflow__V1__Job *j, int company, int model)
{
    hf_call_t *call = st->call;
    int missing = 0, rc;
    if (company) {
        int known = hf_store_company_known(st, j->company_id);
        if (known < 0)
            return -1;
        if (!known)
            hf_call_detail(call, "job.company_id", "not_found", NO_COMPANY), missing = 1;
    }
    if (model && *j->competency_model_id) {
        Hrflow__V1__GetCompetencyModelRequest q = HRFLOW__V1__GET_COMPETENCY_MODEL_REQUEST__INIT;
        q.id = j->competency_model_id;
        if ((rc = ask_ref(call, "scoring", "GetCompetencyModel", &q.base,
                          &hrflow__v1__competency_model__descriptor, "job.competency_model_id",
                          "not a competency model of the group")) < 0)
            return -1;
        missing |= rc;
    }
    return missing ? hf_call_fail(call, E(INVALID_ARGUMENT), "the job names what does not exist")
                   : 0;
}

HANDLER(pipeline_create_job)
{
    const Hrflow__V1__CreateJobRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    if (!r->job)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "job is required");
    if (job_check(&st, r->job, "job.") < 0 || job_refs(&st, r->job, 1, 1) < 0)
        return -1;
    int rc = store_job_create(&st, r->job);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "job", "");
    *reply = &r->job->base;
    return 0;
}

HANDLER(pipeline_get_job)
{
    const Hrflow__V1__GetJobRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Job *j = hf_store_open(call, &st) == 0 ? visible_job(&st, r->id) : NULL;
    if (!j)
        return -1;
    *reply = &j->base;
    return 0;
}

HANDLER(pipeline_list_jobs)
{
    const Hrflow__V1__ListJobsRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (hf_store_open(call, &st) < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    if (*r->company_id && (!hf_uuid_valid(r->company_id) || !hf_store_sees_company(&st, r->company_id)))
        return hf_call_fail(call, E(NOT_FOUND), "company %s not found", r->company_id);
    Hrflow__V1__ListJobsResponse *o =
        HF_CALL_NEW(call, Hrflow__V1__ListJobsResponse, hrflow__v1__list_jobs_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = store_job_list(&st, r->company_id, r->status, &page, &o->jobs, &o->n_jobs);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "job", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

HANDLER(pipeline_update_job)
{
    const Hrflow__V1__UpdateJobRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Job *j = hf_store_open(call, &st) == 0 ? visible_job(&st, r->id) : NULL;
    if (!j)
        return -1;
    static const Hrflow__V1__Job empty = HRFLOW__V1__JOB__INIT;
    const Hrflow__V1__Job *in = r->job ? r->job : &empty;
    int new_model = 0;
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
        else if (FIELD("competency_model_id", "competencyModelId")) {
            new_model |= strcmp(j->competency_model_id, in->competency_model_id) != 0;
            j->competency_model_id = in->competency_model_id;
        }
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
    if (job_check(&st, j, "job.") < 0 || job_refs(&st, j, 0, new_model) < 0)
        return -1;
    int rc = store_job_update(&st, j);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "job", r->id);
    *reply = &j->base;
    return 0;
}

/* ---- candidates ---- */

HANDLER(pipeline_create_candidate)
{
    const Hrflow__V1__CreateCandidateRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    Hrflow__V1__Candidate *in = r->candidate;
    if (!in)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "candidate is required");
    int bad = fields_check_candidate(call, in, "candidate.") > 0;
    char norm[320];
    if (!*in->phone && !*in->email)
        hf_call_detail(call, "candidate.phone", "required", "a phone or an email is required"),
            bad = 1;
    if (*in->phone && hf_pii_normalize_phone(in->phone, norm, sizeof(norm)) < 0)
        hf_call_detail(call, "candidate.phone", "bad_format", "not a phone number"), bad = 1;
    if (*in->email && hf_pii_normalize_email(in->email, norm, sizeof(norm)) < 0)
        hf_call_detail(call, "candidate.email", "bad_format", "not an email address"), bad = 1;
    if (in->years_experience < 0 || in->years_experience > 60)
        hf_call_detail(call, "candidate.years_experience", "out_of_range", "0 to 60"), bad = 1;
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the candidate is invalid");
    Hrflow__V1__Candidate *out = NULL;
    int rc = store_candidate_create(&st, in, &out);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "candidate", "");
    *reply = &out->base;
    return 0;
}

HANDLER(pipeline_get_candidate)
{
    const Hrflow__V1__GetCandidateRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    Hrflow__V1__Candidate *out = NULL;
    int rc = hf_uuid_valid(r->id) ? store_candidate_get(&st, r->id, &out) : HF_ENOTFOUND;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "candidate", r->id);
    *reply = &out->base;
    return 0;
}

/* ---- applications ---- */

/* What an application would point to, checked in the transaction that
 * writes it (the job locked: a job closed meanwhile takes no application).
 * A job the caller cannot see is the answer of one that does not exist;
 * candidates are the group's, so any of the tenant may be named (the id a
 * deduplicated create returned, say). Returns 0 with *job and *resume set,
 * or -1 after failing the call (422 with the field, 409 for a job that takes
 * no applications) and rolling the transaction back. */
static int application_refs(hf_store_t *st, const Hrflow__V1__Application *a,
                            Hrflow__V1__Job **job, int *resume)
{
    hf_call_t *call = st->call;
    int jrc = store_job_lock(st, a->job_id, job);
    if (jrc == HF_OK && !hf_store_sees_company(st, (*job)->company_id))
        jrc = HF_ENOTFOUND;
    int crc = jrc == HF_OK || jrc == HF_ENOTFOUND
                  ? store_candidate_resume(st, a->candidate_id, resume)
                  : jrc;
    int rc = jrc != HF_OK && jrc != HF_ENOTFOUND ? jrc
             : crc != HF_OK && crc != HF_ENOTFOUND ? crc
                                                   : HF_OK;
    if (rc != HF_OK) {
        hf_store_finish(st, rc);
        return hf_store_fail(st, rc, "application", "");
    }
    if (jrc == HF_ENOTFOUND)
        hf_call_detail(call, "application.job_id", "not_found", "not a job this key can see");
    if (crc == HF_ENOTFOUND)
        hf_call_detail(call, "application.candidate_id", "not_found",
                       "not a candidate of the group");
    if (jrc != HF_OK || crc != HF_OK) {
        hf_store_finish(st, HF_ENOTFOUND);
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the application names what does not exist");
    }
    if (strcmp((*job)->status, "open") != 0) {
        hf_store_finish(st, HF_ECONFLICT);
        return hf_call_fail(call, E(FAILED_PRECONDITION), "job %s is %s: it takes no applications",
                            (*job)->id, (*job)->status);
    }
    return 0;
}

HANDLER(pipeline_create_application)
{
    const Hrflow__V1__CreateApplicationRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    Hrflow__V1__Application *a = r->application;
    int bad = 0;
    if (!a || !hf_uuid_valid(a->job_id))
        hf_call_detail(call, "application.job_id", a && *a->job_id ? "bad_format" : "required",
                       "the id of a job"), bad = 1;
    if (!a || !hf_uuid_valid(a->candidate_id))
        hf_call_detail(call, "application.candidate_id",
                       a && *a->candidate_id ? "bad_format" : "required", "the id of a candidate"),
            bad = 1;
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the application needs a job and a candidate");
    Hrflow__V1__Job *job = NULL;
    int resume = 0;
    if (hf_db_begin(st.db) < 0)
        return hf_store_fail(&st, HF_EDB, "application", "");
    if (application_refs(&st, a, &job, &resume) < 0)
        return -1;
    char err[200];
    pl_stages_t *stages = automation_stages(job, err, sizeof(err));
    if (!stages) {
        hf_store_finish(&st, HF_EDB);
        return hf_call_fail(call, E(INTERNAL), "job %s has invalid stages", job->id);
    }
    a->stage = hf_arena_strdup(hf_call_arena(call), pl_stages_first(stages));
    pl_stages_destroy(&stages);
    a->screening = (char *)automation_screening_state(job, resume ? "resume" : "");
    int rc = hf_store_finish(&st, store_application_create(&st, a, st.actor));
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "application", "");
    *reply = &a->base;
    return 0;
}

HANDLER(pipeline_get_application)
{
    const Hrflow__V1__GetApplicationRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Job *job = NULL;
    Hrflow__V1__Application *a = caller_application(call, &st, r->id, &job);
    if (!a)
        return -1;
    *reply = &a->base;
    return 0;
}

HANDLER(pipeline_list_applications)
{
    const Hrflow__V1__ListApplicationsRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (hf_store_open(call, &st) < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0 ||
        !visible_job(&st, r->job_id))
        return -1;
    Hrflow__V1__ListApplicationsResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListApplicationsResponse, hrflow__v1__list_applications_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = store_application_list(&st, r->job_id, r->stage, &page, &o->applications,
                                           &o->n_applications);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "application", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

/* Advance (to_stage, or the next stage) or reject, through the job's stage machine. */
static int move(hf_call_t *call, const Hrflow__V1__MoveApplicationRequest *r, int reject,
                ProtobufCMessage **reply)
{
    hf_store_t st;
    Hrflow__V1__Job *job = NULL;
    if (fields_check_reason(call, "reason", r->reason))
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the reason is invalid");
    Hrflow__V1__Application *a = caller_application(call, &st, r->id, &job);
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
    int rc = store_application_move(&st, a, target, st.actor, r->reason);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "application", r->id);
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

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HANDLER(pipeline_import_candidates)
{
    const Hrflow__V1__ImportCandidatesRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    if (!*r->job_id) {
        hf_call_detail(call, "job_id", "required", "the job every imported candidate applies to");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "jobId is required");
    }
    Hrflow__V1__Job *job = visible_job(&st, r->job_id);
    if (!job)
        return -1;
    if (strcmp(job->status, "open") != 0)
        return hf_call_fail(call, E(FAILED_PRECONDITION), "job %s is %s: it takes no applications",
                            job->id, job->status);
    if (r->content.len == 0) {
        hf_call_detail(call, "content", "required", "send the file as the request body");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the file is empty");
    }
    /* an .xlsx file is a zip, whatever it is called; one said to be .xlsx must be one */
    if (!strncmp(r->content_type, XLSX_TYPE, strlen(XLSX_TYPE)) &&
        (r->content.len < 4 || memcmp(r->content.data, "PK\x03\x04", 4) != 0)) {
        hf_call_detail(call, "content", "bad_format",
                       "the body is not an .xlsx workbook (a zip): send the file as saved by Excel");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the file is not an .xlsx workbook");
    }
    const char *enc = r->encoding;
    if (*enc && strcmp(enc, "utf-8") && strcmp(enc, "gb18030") && strcmp(enc, "gbk")) {
        hf_call_detail(call, "encoding", "bad_format", "utf-8, gb18030 or gbk");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "unknown encoding %s", enc);
    }
    Hrflow__V1__ImportJob *out = NULL;
    int rc = store_import_create(&st, job->id, st.actor, r->content.data,
                                        r->content.len, enc, &out);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "import", "");
    *reply = &out->base;
    return 0;
}

HANDLER(pipeline_get_import)
{
    const Hrflow__V1__GetImportRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__ImportJob *out = hf_store_open(call, &st) == 0 ? visible_import(&st, r->id) : NULL;
    if (!out)
        return -1;
    *reply = &out->base;
    return 0;
}
