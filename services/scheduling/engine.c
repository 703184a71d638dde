/* services/scheduling/engine.c - call engines: claim, renew, questions, report; the lease sweep
 *
 * The API an AI call engine (a vendor's, or the group's own) uses to phone
 * the candidates (docs/scheduling.md, "engine"): it claims the interviews
 * that are due under leases (store_engine.c: never more than the lines
 * free), renews a lease while the call runs, fetches what to ask (scoring's
 * SelectQuestions for the candidate's resume and the job's model, asked on
 * its behalf with the candidate's phone from the pipeline), and reports the
 * outcome. An engine key (scope engine) or an admin calls these; a key bound
 * to companies claims and sees only their interviews. The sweep (the
 * elected replica) expires lapsed leases and sets the gauges.
 */
#include "handlers.h"
#include "loops.h"
#include "settings.h"
#include "store.h"

#include "hf/arena.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hf/service.h"
#include "hrflow/v1/pipeline.pb-c.h"
#include "hrflow/v1/scoring.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

#define LEASE_S_DEFAULT 120
#define LEASE_S_MIN 10
#define LEASE_S_MAX 3600
#define CLAIM_MAX 100

static hf_counter_t *claims_total, *expiries_total;

/* The lease seconds asked for (0 = the default) into *s; 0, or 1 after a
 * detail at field. */
static int lease_seconds(hf_call_t *call, uint32_t asked, int *s)
{
    *s = asked ? (int)asked : LEASE_S_DEFAULT;
    if (asked && (asked < LEASE_S_MIN || asked > LEASE_S_MAX)) {
        hf_call_detail(call, "lease_seconds", "out_of_range", "10 to 3600 seconds (0 = 120)");
        return 1;
    }
    return 0;
}

/* Open the caller's store for an engine route: 0, or -1 after failing. */
static int engine_open(hf_call_t *call, hf_store_t *st)
{
    return hf_store_open(call, st) < 0 ||
                   hf_store_require(st, HF_SCOPE_ENGINE, "act as a call engine") < 0
               ? -1
               : 0;
}

/* A lease refused (STORE_EREFUSED: 409 with why) or not found (404), or
 * another store failure. */
static int lease_fail(hf_store_t *st, int rc, const char *id, const char *why)
{
    if (rc == STORE_EREFUSED)
        return hf_call_fail(st->call, E(FAILED_PRECONDITION), "%s", why);
    return hf_store_fail(st, rc, "lease", id);
}

HANDLER(scheduling_claim_calls)
{
    const Hrflow__V1__ClaimCallsRequest *r = (const void *)req;
    int secs, bad = lease_seconds(call, r->lease_seconds, &secs);
    if (hf_call_check_text(call, "engine_id", r->engine_id,
                           (hf_text_rule_t){ HF_TEXT_LINE, 1, 100 }))
        bad = 1;
    if (r->max < 1 || r->max > CLAIM_MAX)
        hf_call_detail(call, "max", "out_of_range", "1 to 100 calls"), bad = 1;
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the claim is invalid");
    hf_store_t st;
    if (engine_open(call, &st) < 0)
        return -1;
    Hrflow__V1__ClaimCallsResponse *o = HF_CALL_NEW(call, Hrflow__V1__ClaimCallsResponse,
                                                    hrflow__v1__claim_calls_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    store_claimed_t did;
    int rc = store_calls_claim(&st, r->engine_id, (int)r->max, secs, &o->leases, &o->n_leases,
                               &did);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "lease", "");
    hf_counter_add(claims_total, (uint64_t)did.claimed);
    hf_counter_add(expiries_total, (uint64_t)did.expired);
    for (long i = 0; i < did.claimed; i++)
        sched_count_move("in_progress");
    for (long i = 0; i < did.expired; i++)
        sched_count_move("retrying");
    *reply = &o->base;
    return 0;
}

HANDLER(scheduling_renew_call_lease)
{
    const Hrflow__V1__RenewCallLeaseRequest *r = (const void *)req;
    int secs;
    if (lease_seconds(call, r->lease_seconds, &secs))
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the renewal is invalid");
    hf_store_t st;
    if (engine_open(call, &st) < 0)
        return -1;
    Hrflow__V1__CallLease *l = NULL;
    const char *why = "";
    int rc = hf_uuid_valid(r->lease_id) ? store_lease_renew(&st, r->lease_id, secs, &l, &why)
                                        : HF_ENOTFOUND;
    if (rc != HF_OK)
        return lease_fail(&st, rc, r->lease_id, why);
    *reply = &l->base;
    return 0;
}

/* The candidate of lease l, asked of the pipeline as the caller. */
static int candidate_of(hf_store_t *st, const Hrflow__V1__CallLease *l,
                        Hrflow__V1__Candidate **out)
{
    Hrflow__V1__GetCandidateRequest q = HRFLOW__V1__GET_CANDIDATE_REQUEST__INIT;
    q.id = l->candidate_id;
    int code = hf_service_ask(st->call, "pipeline", "GetCandidate", &q.base,
                              &hrflow__v1__candidate__descriptor, (ProtobufCMessage **)out);
    return code ? hf_service_ask_fail(st->call, "pipeline", code) : 0;
}

/* Scoring's questions for resume and the lease's model, into o. */
static int questions_for(hf_store_t *st, const Hrflow__V1__CallLease *l, const char *resume,
                         uint32_t count, Hrflow__V1__CallQuestions *o)
{
    Hrflow__V1__SelectQuestionsRequest q = HRFLOW__V1__SELECT_QUESTIONS_REQUEST__INIT;
    q.resume = (char *)resume;
    q.competency_model_id = l->competency_model_id;
    q.count = count;
    Hrflow__V1__SelectQuestionsResponse *got = NULL;
    int code = hf_service_ask(st->call, "scoring", "SelectQuestions", &q.base,
                              &hrflow__v1__select_questions_response__descriptor,
                              (ProtobufCMessage **)&got);
    if (code)
        return hf_service_ask_fail(st->call, "scoring", code);
    o->questions = hf_store_alloc(st, (got->n_questions + 1) * sizeof(*o->questions));
    if (!o->questions)
        return hf_call_fail(st->call, E(INTERNAL), "out of memory");
    for (size_t i = 0; i < got->n_questions; i++) {
        const Hrflow__V1__SelectedQuestion *s = got->questions[i];
        Hrflow__V1__CallQuestion *c = hf_store_alloc(st, sizeof(*c));
        if (!c || !s->question)
            return hf_call_fail(st->call, E(INTERNAL), "out of memory");
        hrflow__v1__call_question__init(c);
        c->id = s->question->id;
        c->text = s->question->text;
        c->language = s->question->language;
        c->competencies = s->question->competencies;
        c->n_competencies = s->question->n_competencies;
        c->reason = s->reason;
        o->questions[o->n_questions++] = c;
    }
    return 0;
}

HANDLER(scheduling_get_call_questions)
{
    const Hrflow__V1__GetCallQuestionsRequest *r = (const void *)req;
    if (r->count > 20) {
        hf_call_detail(call, "count", "out_of_range", "at most 20 questions (0 = 5)");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "count is out of range");
    }
    hf_store_t st;
    if (engine_open(call, &st) < 0)
        return -1;
    Hrflow__V1__CallLease *l = NULL;
    int rc = hf_uuid_valid(r->lease_id) ? store_lease_get(&st, r->lease_id, &l) : HF_ENOTFOUND;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "lease", r->lease_id);
    if (*l->outcome)
        return hf_call_fail(call, E(FAILED_PRECONDITION),
                            "the lease has ended (%s): claim the interview again", l->outcome);
    Hrflow__V1__Candidate *c = NULL;
    Hrflow__V1__CallQuestions *o = HF_CALL_NEW(call, Hrflow__V1__CallQuestions,
                                               hrflow__v1__call_questions__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    if (candidate_of(&st, l, &c) < 0 || questions_for(&st, l, c->resume, r->count, o) < 0)
        return -1;
    o->lease_id = l->id;
    o->interview_id = l->interview_id;
    o->candidate_name = c->name;
    o->candidate_phone = c->phone;
    *reply = &o->base;
    return 0;
}

HANDLER(scheduling_report_call)
{
    const Hrflow__V1__ReportCallRequest *r = (const void *)req;
    static const char *const outcomes[] = { "started", "completed", "no_answer", "failed" };
    int known = 0;
    for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
        known |= !strcmp(r->outcome, outcomes[i]);
    int bad = !known;
    if (bad)
        hf_call_detail(call, "outcome", *r->outcome ? "bad_value" : "required",
                       "started, completed, no_answer or failed");
    if (hf_call_check_text(call, "reason", r->reason, (hf_text_rule_t){ HF_TEXT_LINE, 0, 300 }))
        bad = 1;
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the report is invalid");
    hf_store_t st;
    if (engine_open(call, &st) < 0)
        return -1;
    Hrflow__V1__CallReport *o =
        HF_CALL_NEW(call, Hrflow__V1__CallReport, hrflow__v1__call_report__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    const char *why = "";
    int moved = 0;
    int rc = hf_uuid_valid(r->lease_id)
                 ? store_call_report(&st, r->lease_id, r->outcome, r->reason, o, &why, &moved)
                 : HF_ENOTFOUND;
    if (rc != HF_OK)
        return lease_fail(&st, rc, r->lease_id, why);
    if (moved)
        sched_count_move(o->interview->state);
    *reply = &o->base;
    return 0;
}

/* ---- the lease sweep ---- */

/* The sweep's own (one loop per process; only its thread touches them):
 * its arena, the queue gauge, and the busy gauges made so far, each back
 * to 0 before the pools with calls set theirs. */
static hf_arena_t *sweep_arena;
static hf_gauge_t *due_gauge;
static hf_gauge_t **busy;
static size_t n_busy, cap_busy;

/* The gauge of one pool's busy lines, made when first seen. */
static void set_busy(void *ctx, const char *tenant, const char *pool, double calls)
{
    (void)ctx;
    char labels[128];
    snprintf(labels, sizeof(labels), "tenant=\"%s\",pool=\"%s\"", tenant, pool);
    hf_gauge_t *g = hf_metrics_gauge("hf_scheduling_lines_busy",
                                     "Calls under live leases per pool of lines (set by the "
                                     "elected replica)",
                                     labels);
    hf_gauge_set(g, calls);
    size_t i = 0;
    while (i < n_busy && busy[i] != g)
        i++;
    if (i < n_busy || !g)
        return;
    if (n_busy == cap_busy) {
        size_t cap = cap_busy ? cap_busy * 2 : 16;
        hf_gauge_t **grown = realloc(busy, cap * sizeof(*busy));
        if (!grown)
            return;
        busy = grown, cap_busy = cap;
    }
    busy[n_busy++] = g;
}

static int lease_sweep(hf_loop_t *loop, PGconn *db, void *user)
{
    (void)loop, (void)user;
    hf_arena_reset(sweep_arena);
    hf_store_t st;
    hf_store_init(&st, db, sweep_arena, NULL, hf_service_keys());
    long n = store_leases_expire(&st);
    if (n < 0)
        return -1;
    hf_counter_add(expiries_total, (uint64_t)n);
    for (long i = 0; i < n; i++)
        sched_count_move("retrying");
    for (size_t i = 0; i < n_busy; i++)
        hf_gauge_set(busy[i], 0);
    double due = 0;
    int rc = store_engine_gauges(&st, set_busy, NULL, &due);
    hf_gauge_set(due_gauge, due);
    return rc == HF_OK ? 0 : -1;
}

static void lease_sweep_end(void *user)
{
    (void)user;
    hf_arena_destroy(&sweep_arena);
    free(busy);
    busy = NULL, n_busy = cap_busy = 0;
}

int sched_engine_start(void)
{
    claims_total = hf_metrics_counter("hf_scheduling_call_claims_total",
                                      "Interviews claimed by call engines (one per lease)", NULL);
    expiries_total = hf_metrics_counter(
        "hf_scheduling_lease_expiries_total",
        "Call leases that lapsed (the engine stopped renewing): interviews put back", NULL);
    due_gauge = hf_metrics_gauge("hf_scheduling_calls_due",
                                 "Interviews due for a call that no engine has claimed (set by "
                                 "the elected replica)",
                                 NULL);
    if (!(sweep_arena = hf_arena_new(65536)))
        return -1;
    const hf_loop_def_t def = { .name = "scheduling lease sweep", .step = lease_sweep,
                                .cleanup = lease_sweep_end,
                                .idle_ms = (int)sched_settings.leases_s * 1000,
                                .leader = "hrflow scheduling lease sweep" };
    return hf_service_loop(&def);
}
