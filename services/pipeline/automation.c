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

void automation_composite(const Hrflow__V1__Job *job, const char *latest, bool zh,
                          pl_part_t *parts, size_t *n, char check[16], pl_composite_t *out)
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
    json_t *l = json_loads(latest, 0, NULL);
    if (l)
        each_latest(l, gather, &g);
    json_decref(l);
    pl_composite_eval(parts, *n, check, zh, out);
}

static const char *action_name(pl_action_kind_t k)
{
    static const char *const names[] = { "advance", "reject", "invite_ai_interview",
                                         "send_template", "flag", "confirm_reject" };
    return (int)k >= 0 && k <= PL_ACT_CONFIRM_REJECT ? names[k] : "";
}

/* Apply one acting decision. */
static store_rc_t apply(store_t *st, const Hrflow__V1__Job *job, Hrflow__V1__Application *a,
                        const pl_decision_t *d)
{
    const pl_action_t *act = &d->action;
    char actor[32];
    snprintf(actor, sizeof(actor), "rule:%u", d->line);
    json_t *data = json_pack("{s:s, s:s, s:i}", "applicationId", a->id, "why", d->why ? d->why : "",
                             "ruleLine", (int)d->line);
    if (act->templ)
        json_object_set_new(data, "template", json_string(act->templ));
    if (act->text)
        json_object_set_new(data, "text", json_string(act->text));
    store_rc_t rc = STORE_OK;
    switch (act->kind) {
    case PL_ACT_INVITE_AI_INTERVIEW:
        rc = store_application_move(st, a, act->stage, actor, d->why);
        if (rc == STORE_OK) { /* scheduling books the interview from this */
            json_object_set_new(data, "jobId", json_string(a->job_id));
            json_object_set_new(data, "candidateId", json_string(a->candidate_id));
            json_object_set_new(data, "competencyModelId",
                                json_string(job->competency_model_id ? job->competency_model_id
                                                                     : ""));
            return store_application_event(st, a->id, "ai_interview_invited", data);
        }
        break;
    case PL_ACT_ADVANCE:
        rc = store_application_move(st, a, act->stage, actor, d->why);
        break;
    case PL_ACT_REJECT:
        rc = store_application_move(st, a, "rejected", actor, d->why);
        if (rc == STORE_OK && act->templ)
            return store_application_event(st, a->id, "template_requested", data);
        break;
    case PL_ACT_SEND_TEMPLATE:
        return store_application_event(st, a->id, "template_requested", data);
    case PL_ACT_FLAG:
    case PL_ACT_CONFIRM_REJECT:
        return store_application_event(st, a->id, "flagged", data);
    }
    json_decref(data);
    return rc;
}

typedef struct {
    int64_t now_us;
    pl_record_t rec;
    json_t *holder;
    unsigned minutes;
    char latest[4096];
    int found;
} facts_t;

static void take_facts(void *ctx, const store_facts_t *f)
{
    facts_t *x = ctx;
    automation_record(f, x->now_us, &x->rec, &x->holder, &x->minutes);
    snprintf(x->latest, sizeof(x->latest), "%s", f->latest);
    x->found = 1;
}

/* application.screened / application.evaluated after a scored result. */
static store_rc_t result_events(store_t *st, const Hrflow__V1__Job *job,
                                const Hrflow__V1__Application *a,
                                const Hrflow__V1__Assessment *as, const char *latest)
{
    if (automation_event_of(as->kind) == PL_EV_NO_SHOW ||
        automation_event_of(as->kind) == PL_EV_STAGE_TIMEOUT)
        return STORE_OK;
    if (!strcmp(as->kind, "screening") &&
        store_application_event(st, a->id, "screened",
             json_pack("{s:s, s:s, s:f}", "applicationId", a->id, "jobId", a->job_id, "score",
                       as->score)) != STORE_OK)
        return STORE_FAILED;
    pl_part_t parts[PL_COMPOSITE_MAX];
    size_t n;
    char check[16];
    pl_composite_t c;
    automation_composite(job, latest, true, parts, &n, check, &c);
    json_t *missing = json_array();
    for (size_t i = 0; i < n; i++)
        if (!parts[i].present && parts[i].weight > 0)
            json_array_append_new(missing, json_string(parts[i].kind));
    return store_application_event(st, a->id, "evaluated",
                json_pack("{s:s, s:s, s:{s:f, s:s, s:s, s:s, s:o}}", "applicationId", a->id,
                          "kind", as->kind, "evaluation", "score", c.score, "band", c.band,
                          "recommendation", c.recommendation, "explanation", c.explanation,
                          "missing", missing));
}

store_rc_t automation_run(store_t *st, const Hrflow__V1__Job *job, Hrflow__V1__Application *a,
                          const Hrflow__V1__Assessment *as, unsigned only_line,
                          automation_outcome_t *out)
{
    *out = (automation_outcome_t){ json_array(), 0 };
    if (!out->decisions || hf_db_begin(st->db) < 0)
        return STORE_FAILED;
    char *stored = NULL;
    store_rc_t rc = store_assessment_add(st, a->id, as, &stored);
    if (rc == STORE_EXISTS) { /* delivered before: report what it decided then */
        out->replayed = 1;
        json_t *d = stored ? json_loads(stored, 0, NULL) : NULL;
        if (json_is_array(d)) {
            json_decref(out->decisions);
            out->decisions = d;
        } else {
            json_decref(d);
        }
        return hf_db_commit(st->db) == 0 ? STORE_OK : STORE_FAILED;
    }
    facts_t x = { .now_us = hf_now_ms() * 1000 };
    if (rc == STORE_OK)
        rc = store_facts(st, NULL, a->id, 1, take_facts, &x);
    if (rc == STORE_OK && !x.found)
        rc = STORE_FAILED;
    char err[300];
    pl_rules_t *rules = rc == STORE_OK ? automation_rules(job, NULL, err, sizeof(err)) : NULL;
    if (rc == STORE_OK && !rules && *err) {
        hf_logkv(HF_LOG_ERROR, "a job's rules do not parse", "job", job->id, "error", err, NULL);
        rc = STORE_FAILED;
    }
    pl_event_t ev = { automation_event_of(as->kind), x.minutes, only_line };
    pl_eval_opts_t opts = { .require_human_for_reject = job->require_human_for_reject };
    pl_eval_t e = { 0 };
    if (rc == STORE_OK && rules && pl_rules_eval(rules, &ev, &x.rec, &opts, &e) < 0)
        rc = STORE_FAILED;
    for (size_t i = 0; rc == STORE_OK && i < e.n; i++) {
        const pl_decision_t *d = &e.d[i];
        if (d->verdict == PL_NO_MATCH)
            continue;
        if (d->verdict == PL_ACT)
            rc = apply(st, job, a, d);
        json_array_append_new(out->decisions,
                              json_pack("{s:i, s:s, s:s, s:s}", "line", (int)d->line, "verdict",
                                        d->verdict == PL_ACT ? "act" : "blocked", "action",
                                        action_name(d->action.kind), "why",
                                        d->why ? d->why : ""));
    }
    pl_eval_clear(&e);
    pl_rules_destroy(&rules);
    json_decref(x.holder);
    if (rc == STORE_OK)
        rc = result_events(st, job, a, as, x.latest);
    char *text = rc == STORE_OK ? json_dumps(out->decisions, JSON_COMPACT) : NULL;
    if (rc == STORE_OK)
        rc = text ? store_assessment_decided(st, a->id, as->event_id, text) : STORE_FAILED;
    free(text);
    if (rc == STORE_OK && hf_db_commit(st->db) == 0)
        return STORE_OK;
    hf_db_rollback(st->db);
    json_array_clear(out->decisions);
    return rc == STORE_OK ? STORE_FAILED : rc;
}
