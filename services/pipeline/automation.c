/* services/pipeline/automation.c - a result arrives, the job's rules run, their actions apply
 *
 * See automation.h. The events a change writes to the outbox here:
 * application.screened (a screening result), application.evaluated (any
 * scored result, with the composite evaluation after it), and from the
 * actions application.ai_interview_invited (for scheduling),
 * application.template_requested (for notify) and application.flagged (for
 * a person); moves write their own (store_application_move).
 */
#include "automation.h"

#include "hf/bus.h"
#include "hf/log.h"
#include "hf/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *automation_screening_state(const Hrflow__V1__Job *job, const char *resume)
{
    return job->competency_model_id && *job->competency_model_id && resume && *resume ? "pending"
                                                                                       : "";
}

pl_event_kind_t automation_event_of(const char *kind)
{
    return !strcmp(kind, "screening")       ? PL_EV_SCREENED
           : !strcmp(kind, "ai_interview")  ? PL_EV_INTERVIEW_SCORED
           : !strcmp(kind, "no_show")       ? PL_EV_NO_SHOW
           : !strcmp(kind, "stage_timeout") ? PL_EV_STAGE_TIMEOUT
                                            : PL_EV_ASSESSMENT_RECEIVED;
}

pl_stages_t *automation_stages(const Hrflow__V1__Job *job, char *err, size_t errlen)
{
    return job->n_stages
               ? pl_stages_parse((const char *const *)job->stages, job->n_stages, err, errlen)
               : pl_stages_default();
}

pl_rules_t *automation_rules(const Hrflow__V1__Job *job, const char *text, char *err,
                             size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    if (!text)
        text = job->rules;
    if (!text || !*text)
        return NULL;
    pl_stages_t *stages = automation_stages(job, err, errlen);
    pl_rules_t *r = stages ? pl_rules_parse(text, strlen(text), stages, err, errlen) : NULL;
    pl_stages_destroy(&stages);
    return r;
}

/* The latest results object: kind → [score or null, result]. Calls fn for each. */
static void each_latest(json_t *latest, void (*fn)(void *ctx, const char *kind, double score,
                                                   const char *result),
                        void *ctx)
{
    const char *kind;
    json_t *v;
    json_object_foreach(latest, kind, v)
    {
        json_t *score = json_array_get(v, 0), *result = json_array_get(v, 1);
        fn(ctx, kind, json_is_number(score) ? json_number_value(score) : NAN,
           json_is_string(result) ? json_string_value(result) : "");
    }
}

static void record_value(void *ctx, const char *kind, double score, const char *result)
{
    pl_record_t *rec = ctx;
    static const struct {
        const char *kind;
        pl_field_t field;
    } scores[] = { { "screening", PL_F_SCREENING_SCORE },
                   { "ai_interview", PL_F_AI_SCORE },
                   { "written_test", PL_F_WRITTEN_TEST },
                   { "online_assessment", PL_F_ONLINE_ASSESSMENT } };
    for (size_t i = 0; i < sizeof(scores) / sizeof(scores[0]); i++)
        if (!strcmp(kind, scores[i].kind) && !isnan(score))
            pl_record_num(rec, scores[i].field, score);
    if (!strcmp(kind, "background_check") && *result)
        pl_record_str(rec, PL_F_BACKGROUND_CHECK, result);
}

/* A copy of s kept in holder under key, to borrow for as long as holder lives. */
static const char *kept(json_t *holder, const char *key, const char *s)
{
    json_object_set_new(holder, key, json_string(s));
    const char *v = json_string_value(json_object_get(holder, key));
    return v ? v : "";
}

void automation_record(const store_facts_t *f, int64_t now_us, pl_record_t *rec, json_t **holder,
                       unsigned *minutes)
{
    *rec = (pl_record_t){ 0 };
    json_t *h = *holder = json_object();
    pl_record_str(rec, PL_F_STAGE, kept(h, "stage", f->stage));
    int64_t in_stage_us = now_us > f->stage_time_us ? now_us - f->stage_time_us : 0;
    *minutes = (unsigned)(in_stage_us / 60000000);
    pl_record_num(rec, PL_F_DAYS_IN_STAGE, (double)in_stage_us / 86400e6);
    if (!isnan(f->years))
        pl_record_num(rec, PL_F_YEARS_EXPERIENCE, f->years);
    if (*f->education)
        pl_record_str(rec, PL_F_EDUCATION, kept(h, "education", f->education));
    if (*f->source)
        pl_record_str(rec, PL_F_SOURCE, kept(h, "source", f->source));
    pl_record_bool(rec, PL_F_CONSENT, f->consent);
    pl_record_bool(rec, PL_F_HUMAN_REVIEW_REQUESTED, f->review_requested);
    json_t *latest = json_loads(f->latest, 0, NULL);
    if (latest) {
        json_object_set_new(h, "latest", latest);
        each_latest(latest, record_value, rec); /* result strings live in latest */
    }
}

typedef struct {
    pl_part_t *parts;
    size_t n;
    char *check;
} gather_t;

static void gather(void *ctx, const char *kind, double score, const char *result)
{
    gather_t *g = ctx;
    if (!strcmp(kind, "background_check")) {
        snprintf(g->check, 16, "%s", result);
        return;
    }
    for (size_t i = 0; i < g->n; i++)
        if (!strcmp(g->parts[i].kind, kind) && !isnan(score)) {
            g->parts[i].present = true;
            g->parts[i].score = score;
        }
}

/* The composite evaluation of latest as a JSON value (NULL: no results). */
static void composite_of(const Hrflow__V1__Job *job, json_t *latest, bool zh, pl_part_t *parts,
                         size_t *n, char check[16], pl_composite_t *out)
{
    *n = 0;
    if (job->n_composite_weights)
        for (size_t i = 0; i < job->n_composite_weights && *n < PL_COMPOSITE_MAX; i++)
            parts[(*n)++] = (pl_part_t){ job->composite_weights[i]->kind,
                                         job->composite_weights[i]->weight, false, 0 };
    else
        *n = pl_composite_defaults(parts, PL_COMPOSITE_MAX);
    check[0] = '\0';
    gather_t g = { parts, *n, check };
    if (latest)
        each_latest(latest, gather, &g);
    pl_composite_eval(parts, *n, check, zh, out);
}

void automation_composite(const Hrflow__V1__Job *job, const char *latest, bool zh,
                          pl_part_t *parts, size_t *n, char check[16], pl_composite_t *out)
{
    json_t *l = json_loads(latest, 0, NULL);
    composite_of(job, l, zh, parts, n, check, out);
    json_decref(l);
}

static hf_counter_t *acted[PL_ACT_CONFIRM_REJECT + 1], *results;

void automation_init(void)
{
    static const char *const names[] = { "advance", "reject", "invite_ai_interview",
                                         "send_template", "flag", "confirm_reject" };
    for (int k = 0; k <= PL_ACT_CONFIRM_REJECT; k++) {
        char labels[64];
        snprintf(labels, sizeof(labels), "action=\"%s\"", names[k]);
        acted[k] = hf_metrics_counter("hf_pipeline_rule_actions_total",
                                      "Rule decisions applied, by action", labels);
    }
    results = hf_metrics_counter("hf_pipeline_results_total",
                                 "Results recorded and acted on (replays not counted)", NULL);
}

static const char *action_name(pl_action_kind_t k)
{
    static const char *const names[] = { "advance", "reject", "invite_ai_interview",
                                         "send_template", "flag", "confirm_reject" };
    return (int)k >= 0 && k <= PL_ACT_CONFIRM_REJECT ? names[k] : "";
}

/* What one item of a batch decided and must write. */
typedef struct {
    pl_record_t rec;
    json_t *holder;          /* owns the record's strings and `latest` */
    json_t *latest;          /* kind → [score, result], with the new result merged in */
    unsigned minutes;
    int found, fresh;
    const char *move_to;     /* the moving decision, if any */
    char actor[32];
    const char *reason;      /* kept in holder */
    json_t *events;          /* [[what, data], …] besides the move's own */
    char *decisions;         /* JSON text */
} work_t;

typedef struct {
    automation_item_t *it;
    work_t *w;
    size_t n;
    int64_t now_us;
} batch_t;

static void take_facts(void *ctx, const store_facts_t *f)
{
    batch_t *b = ctx;
    for (size_t i = 0; i < b->n; i++)
        if (!b->w[i].found && !strcmp(b->it[i].app->id, f->application_id)) {
            work_t *w = &b->w[i];
            automation_record(f, b->now_us, &w->rec, &w->holder, &w->minutes);
            w->latest = json_object_get(w->holder, "latest");
            if (!w->latest) {
                w->latest = json_object();
                json_object_set_new(w->holder, "latest", w->latest);
            }
            w->found = 1;
            return;
        }
}

/* The new result as the latest of its kind, in the record and in latest. */
static void merge_result(work_t *w, const Hrflow__V1__Assessment *as)
{
    int scored = store_kind_scored(as->kind);
    json_t *v = json_pack("[o, s]", scored ? json_real(as->score) : json_null(), as->result);
    json_object_set_new(w->latest, as->kind, v);
    json_t *kept = json_array_get(v, 1);
    record_value(&w->rec, as->kind, scored ? as->score : NAN,
                 kept ? json_string_value(kept) : "");
}

static void add_event(work_t *w, const char *what, json_t *data)
{
    json_array_append_new(w->events, json_pack("[s, o]", what, data));
}

/* Keep what an acting decision will do. */
static void plan_action(work_t *w, const Hrflow__V1__Job *job, const Hrflow__V1__Application *a,
                        const pl_decision_t *d)
{
    const pl_action_t *act = &d->action;
    json_t *data = json_pack("{s:s, s:s, s:i}", "applicationId", a->id, "why", d->why ? d->why : "",
                             "ruleLine", (int)d->line);
    if (act->templ)
        json_object_set_new(data, "template", json_string(act->templ));
    if (act->text)
        json_object_set_new(data, "text", json_string(act->text));
    if (act->kind == PL_ACT_ADVANCE || act->kind == PL_ACT_INVITE_AI_INTERVIEW ||
        act->kind == PL_ACT_REJECT) {
        /* kept: the decision's strings go with the rules and the evaluation */
        json_object_set_new(w->holder, "move_to",
                            json_string(act->kind == PL_ACT_REJECT ? "rejected" : act->stage));
        w->move_to = json_string_value(json_object_get(w->holder, "move_to"));
        snprintf(w->actor, sizeof(w->actor), "rule:%u", d->line);
        json_object_set_new(w->holder, "reason", json_string(d->why ? d->why : ""));
        w->reason = json_string_value(json_object_get(w->holder, "reason"));
    }
    switch (act->kind) {
    case PL_ACT_INVITE_AI_INTERVIEW: /* scheduling books the interview from this */
        json_object_set_new(data, "jobId", json_string(a->job_id));
        json_object_set_new(data, "candidateId", json_string(a->candidate_id));
        json_object_set_new(data, "competencyModelId",
                            json_string(job->competency_model_id ? job->competency_model_id : ""));
        json_object_set_new(data, "companyId", json_string(job->company_id));
        add_event(w, "ai_interview_invited", data);
        return;
    case PL_ACT_REJECT:
        if (act->templ) {
            add_event(w, "template_requested", data);
            return;
        }
        break;
    case PL_ACT_SEND_TEMPLATE:
        add_event(w, "template_requested", data);
        return;
    case PL_ACT_FLAG:
    case PL_ACT_CONFIRM_REJECT:
        add_event(w, "flagged", data);
        return;
    case PL_ACT_ADVANCE:
        break;
    }
    json_decref(data);
}

/* application.screened / application.evaluated after a scored result. */
static void result_events(work_t *w, const Hrflow__V1__Job *job, const Hrflow__V1__Application *a,
                          const Hrflow__V1__Assessment *as)
{
    pl_event_kind_t k = automation_event_of(as->kind);
    if (k == PL_EV_NO_SHOW || k == PL_EV_STAGE_TIMEOUT)
        return;
    if (!strcmp(as->kind, "screening"))
        add_event(w, "screened", json_pack("{s:s, s:s, s:f}", "applicationId", a->id, "jobId",
                                           a->job_id, "score", as->score));
    pl_part_t parts[PL_COMPOSITE_MAX];
    size_t n;
    char check[16];
    pl_composite_t c;
    composite_of(job, w->latest, true, parts, &n, check, &c);
    json_t *missing = json_array();
    for (size_t i = 0; i < n; i++)
        if (!parts[i].present && parts[i].weight > 0)
            json_array_append_new(missing, json_string(parts[i].kind));
    add_event(w, "evaluated",
              json_pack("{s:s, s:s, s:{s:f, s:s, s:s, s:s, s:o}}", "applicationId", a->id, "kind",
                        as->kind, "evaluation", "score", c.score, "band", c.band,
                        "recommendation", c.recommendation, "explanation", c.explanation,
                        "missing", missing));
}

/* Evaluate the rules for one item; fill its decisions and plans. */
static int decide(work_t *w, const pl_rules_t *rules, const Hrflow__V1__Job *job,
                  automation_item_t *it)
{
    merge_result(w, it->as);
    pl_event_t ev = { automation_event_of(it->as->kind), w->minutes, it->only_line };
    pl_eval_opts_t opts = { .require_human_for_reject = job->require_human_for_reject };
    pl_eval_t e = { 0 };
    if (rules && pl_rules_eval(rules, &ev, &w->rec, &opts, &e) < 0)
        return HF_EDB;
    for (size_t i = 0; i < e.n; i++) {
        const pl_decision_t *d = &e.d[i];
        if (d->verdict == PL_NO_MATCH)
            continue;
        if (d->verdict == PL_ACT)
            plan_action(w, job, it->app, d);
        json_array_append_new(it->out.decisions,
                              json_pack("{s:i, s:s, s:s, s:s}", "line", (int)d->line, "verdict",
                                        d->verdict == PL_ACT ? "act" : "blocked", "action",
                                        action_name(d->action.kind), "why",
                                        d->why ? d->why : ""));
    }
    pl_eval_clear(&e);
    result_events(w, job, it->app, it->as);
    w->decisions = json_dumps(it->out.decisions, JSON_COMPACT);
    return w->decisions ? HF_OK : HF_EDB;
}

/* Write what the fresh items decided: their moves (with their own events),
 * then every other event, in item order. */
static int write_plans(hf_store_t *st, automation_item_t *it, work_t *w, size_t n)
{
    store_move_t *mv = calloc(n, sizeof(*mv));
    size_t nm = 0, ne = 0;
    for (size_t i = 0; mv && i < n; i++) {
        if (w[i].fresh && w[i].move_to)
            mv[nm++] = (store_move_t){ it[i].app, w[i].move_to, w[i].actor, w[i].reason,
                                       it[i].screening };
        if (w[i].fresh)
            ne += json_array_size(w[i].events);
    }
    int rc = mv ? store_application_moves(st, mv, nm) : HF_EDB;
    free(mv);
    const char **ids = calloc(ne + 1, sizeof(char *)), **whats = calloc(ne + 1, sizeof(char *));
    json_t **data = calloc(ne + 1, sizeof(json_t *));
    size_t k = 0;
    for (size_t i = 0; ids && whats && data && i < n; i++) {
        size_t j;
        json_t *e;
        if (!w[i].fresh)
            continue;
        json_array_foreach(w[i].events, j, e)
        {
            ids[k] = it[i].app->id;
            whats[k] = json_string_value(json_array_get(e, 0));
            data[k] = json_incref(json_array_get(e, 1));
            k++;
        }
    }
    if (!ids || !whats || !data)
        rc = HF_EDB;
    if (rc == HF_OK)
        rc = store_application_events(st, k, ids, whats, data);
    else
        for (size_t i = 0; data && i < k; i++)
            json_decref(data[i]);
    free(ids), free(whats), free(data);
    return rc;
}

int automation_run_many(hf_store_t *st, const Hrflow__V1__Job *job, automation_item_t *it,
                        size_t n)
{
    work_t *w = calloc(n ? n : 1, sizeof(*w));
    const char **ids = calloc(n ? n : 1, sizeof(char *));
    const Hrflow__V1__Assessment **as = calloc(n ? n : 1, sizeof(void *));
    const char **decisions = calloc(n ? n : 1, sizeof(char *));
    int *fresh = calloc(n ? n : 1, sizeof(int));
    int rc = w && ids && as && decisions && fresh ? HF_OK : HF_EDB;
    for (size_t i = 0; i < n; i++) {
        it[i].out = (automation_outcome_t){ json_array(), 0 };
        if (rc == HF_OK) {
            ids[i] = it[i].app->id;
            as[i] = it[i].as;
            w[i].events = json_array();
        }
    }
    if (rc == HF_OK && hf_db_begin(st->db) < 0)
        rc = HF_EDB;
    int began = rc == HF_OK;
    batch_t b = { it, w, n, hf_now_ms() * 1000 };
    if (rc == HF_OK)
        rc = store_facts_many(st, ids, n, take_facts, &b);
    for (size_t i = 0; rc == HF_OK && i < n; i++)
        if (!w[i].found)
            rc = HF_ENOTFOUND;
    char err[300];
    pl_rules_t *rules = rc == HF_OK ? automation_rules(job, NULL, err, sizeof(err)) : NULL;
    if (rc == HF_OK && !rules && *err) {
        hf_logkv(HF_LOG_ERROR, "a job's rules do not parse", HF_KV_STR("job", job->id),
                 HF_KV_STR("error", err));
        rc = HF_EDB;
    }
    for (size_t i = 0; rc == HF_OK && i < n; i++)
        if ((rc = decide(&w[i], rules, job, &it[i])) == HF_OK)
            decisions[i] = w[i].decisions;
    pl_rules_destroy(&rules);
    if (rc == HF_OK)
        rc = store_assessments_add_many(st, n, ids, as, decisions, fresh);
    for (size_t i = 0; rc == HF_OK && i < n; i++) {
        w[i].fresh = fresh[i];
        if (fresh[i])
            continue;
        /* delivered before: nothing acts; report what it decided then */
        char *stored = NULL;
        it[i].out.replayed = 1;
        rc = store_assessment_decisions(st, it[i].app->id, it[i].as->event_id, &stored);
        json_t *d = stored ? json_loads(stored, 0, NULL) : NULL;
        json_decref(it[i].out.decisions);
        it[i].out.decisions = json_is_array(d) ? d : json_array();
        if (!json_is_array(d))
            json_decref(d);
    }
    if (rc == HF_OK)
        rc = write_plans(st, it, w, n);
    if (began && rc == HF_OK && hf_db_commit(st->db) < 0)
        rc = HF_EDB;
    for (size_t i = 0; rc == HF_OK && results && i < n; i++) {
        if (!w[i].fresh)
            continue;
        hf_counter_inc(results);
        size_t j;
        json_t *d;
        json_array_foreach(it[i].out.decisions, j, d)
        {
            const char *verdict = json_string_value(json_object_get(d, "verdict"));
            const char *action = json_string_value(json_object_get(d, "action"));
            for (int k = 0; verdict && action && !strcmp(verdict, "act") &&
                            k <= PL_ACT_CONFIRM_REJECT;
                 k++)
                if (!strcmp(action, action_name((pl_action_kind_t)k)))
                    hf_counter_inc(acted[k]);
        }
    }
    if (began && rc != HF_OK)
        hf_db_rollback(st->db);
    for (size_t i = 0; w && i < n; i++) {
        json_decref(w[i].holder);
        json_decref(w[i].events);
        free(w[i].decisions);
        if (rc != HF_OK)
            json_array_clear(it[i].out.decisions);
    }
    free(w), free(ids), free(as), free(decisions), free(fresh);
    return rc;
}

int automation_run(hf_store_t *st, const Hrflow__V1__Job *job, Hrflow__V1__Application *a,
                   const Hrflow__V1__Assessment *as, unsigned only_line,
                   automation_outcome_t *out)
{
    automation_item_t it = { a, as, only_line, { NULL, 0 }, NULL };
    int rc = automation_run_many(st, job, &it, 1);
    *out = it.out;
    return rc;
}
