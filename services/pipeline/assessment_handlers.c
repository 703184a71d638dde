/* services/pipeline/assessment_handlers.c - results and the rules they set off, dry runs, the composite
 *
 * A result from the API goes through automation_run like one from the
 * screener, the interview consumer or the sweep (automation.c): recorded
 * under its event id and acted on once. A dry run evaluates the rules over
 * stored facts and writes nothing.
 */
#include "handlers.h"

#include "hf/service.h"
#include "hf/store.h"
#include "automation.h"
#include "composite.h"
#include "fields.h"
#include "rules.h"
#include "store.h"
#include "visible.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

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
    if (fields_check_assessment(call, a))
        bad = 1;
    else if (!strncmp(a->event_id, "stage_timeout:", 14))
        hf_call_detail(call, "assessment.event_id", "required",
                       "1 to 128 characters, not starting with stage_timeout: (the sweep's); "
                       "the same event twice acts once"), bad = 1;
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
    hf_store_t st;
    Hrflow__V1__Job *job = NULL;
    if (hf_store_open(call, &st) < 0)
        return -1;
    if (!r->assessment)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "assessment is required");
    Hrflow__V1__Application *a = visible_application(&st, r->application_id, &job);
    if (!a || assessment_check(call, r->assessment) < 0)
        return -1;
    Hrflow__V1__AssessmentResult *o = HF_CALL_NEW(call, Hrflow__V1__AssessmentResult,
                                                  hrflow__v1__assessment_result__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    automation_outcome_t out;
    int rc = automation_run(&st, job, a, r->assessment, 0, &out);
    if (rc == HF_OK && out.replayed) /* the stored state, not the one read before */
        rc = store_application_get(&st, a->id, &a);
    int failed = rc != HF_OK ? hf_store_fail(&st, rc, "application", a->id)
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
    hf_store_t st;
    Hrflow__V1__Job *job = NULL;
    Hrflow__V1__Application *a = caller_application(call, &st, r->application_id, &job);
    if (!a)
        return -1;
    Hrflow__V1__ListAssessmentsResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListAssessmentsResponse, hrflow__v1__list_assessments_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = store_assessment_list(&st, a->id, &o->assessments, &o->n_assessments);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "assessment", "");
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
    hf_store_t st;
    Hrflow__V1__Job *job = hf_store_open(call, &st) == 0 ? visible_job(&st, r->job_id) : NULL;
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
    if (fields_check_rules(call, "rules", r->rules))
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the rules are invalid");
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
    int rc = rules ? store_facts(&st, job->id, limit + 1, dry_one, &d) : HF_OK;
    pl_rules_destroy(&rules);
    if (rc == HF_ENOTFOUND)
        rc = HF_OK;
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
    if (rc != HF_OK || d.failed)
        return rc != HF_OK ? hf_store_fail(&st, rc, "application", "")
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
    hf_store_t st;
    Hrflow__V1__Job *job = NULL;
    Hrflow__V1__Application *a = caller_application(call, &st, r->application_id, &job);
    if (!a)
        return -1;
    char latest[4096] = "{}";
    const char *id = a->id;
    if (store_facts_many(&st, &id, 1, keep_latest, latest) != HF_OK)
        return hf_store_fail(&st, HF_EDB, "assessment", "");
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
