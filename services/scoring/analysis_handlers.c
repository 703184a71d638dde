/* services/scoring/analysis_handlers.c - the scoring RPCs: preview, interviews, reports
 *
 * Each answer is analysed with this thread's analyzer and the model's
 * compiled scorer (analysis.c), call audio goes through prosody.c, and the
 * results become AnswerScore / InterviewReport messages in the call's arena.
 * An interview of an application is filed under that application's company,
 * which the pipeline names when asked on behalf of the same caller (so its
 * company wall decides what the caller may score).
 * Resume screening and question selection are in resume_handlers.c; what
 * both share is in analysis.c, so neither calls the other.
 */
#include "handlers.h"

#include "analysis.h"
#include "hf/log.h"
#include "hf/service.h"
#include "model.h"
#include "prosody.h"
#include "report.h"
#include "store.h"

#include "hrflow/v1/pipeline.pb-c.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code
#define MAX_ANSWERS 100
#define KEYWORD_CLOUD_MAX 40

/* ---- Preview ---- */

SCORING_HANDLER(scoring_preview)
{
    const Hrflow__V1__PreviewRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    if (hf_call_check_text(call, "question", r->question, MODEL_ASKED_RULE) |
        hf_call_check_text(call, "answer", r->answer, MODEL_ANSWER_RULE))
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the answer cannot be analysed");
    const Hrflow__V1__CompetencyModel *m = scoring_model_of(
        &st, r->competency_model, r->competency_model_id, 0, "competency_model");
    sc_analyzer_t *az = m ? scoring_analyzer(call) : NULL;
    const sc_scorer_t *s = az ? scoring_scorer(call, az, m) : NULL;
    if (!s)
        return -1;
    sc_answer_t *a = NULL;
    char err[200];
    int rc = sc_answer_analyze(az, s, r->question, r->answer, strlen(r->answer), &a, err,
                               sizeof(err));
    Hrflow__V1__AnswerScore *o = rc == 0 ? scoring_answer_pb(call, a, s, r->answer, 0) : NULL;
    sc_answer_free(&a);
    if (rc < 0) {
        hf_call_detail(call, "answer", "bad_format", err);
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the answer cannot be analysed: %s", err);
    }
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    *reply = &o->base;
    return 0;
}

/* ---- ScoreInterview ---- */

static Hrflow__V1__Delivery *delivery_pb(hf_call_t *call, const sc_prosody_t *p,
                                         const sc_prosody_measures_t *m, const char *absent)
{
    Hrflow__V1__Delivery *d = HF_CALL_NEW(call, Hrflow__V1__Delivery, hrflow__v1__delivery__init);
    if (!d)
        return NULL;
    if (!p || !m) {
        d->absent_reason = (char *)absent;
        return d;
    }
    d->present = 1;
    d->emotion_labels = p->emotion_labels;
    const sc_prosody_value_t *v = m->m;
#define PRESENT(i) (v[i].absent == SC_PROSODY_PRESENT)
#define VAL(i) (PRESENT(i) ? scoring_round1(v[i].value) : 0)
    d->speech_rate = VAL(SC_PROSODY_SPEECH_RATE);
    d->pause_ratio = PRESENT(SC_PROSODY_PAUSE_RATIO) ? round(v[SC_PROSODY_PAUSE_RATIO].value * 100) / 100 : 0;
    d->long_pauses = PRESENT(SC_PROSODY_LONG_PAUSES) ? (uint32_t)v[SC_PROSODY_LONG_PAUSES].value : 0;
    d->pitch_mean_hz = VAL(SC_PROSODY_PITCH_MEAN_HZ);
    d->pitch_variability = VAL(SC_PROSODY_PITCH_VAR_ST);
    d->energy_variability = VAL(SC_PROSODY_ENERGY_VAR_DB);
    if (p->emotion_labels) {
        d->confidence = VAL(SC_PROSODY_CONFIDENCE);
        d->nervousness = VAL(SC_PROSODY_NERVOUSNESS);
    }
    d->notes = hf_arena_alloc(hf_call_arena(call), 8 * sizeof(void *));
    for (int i = 0; d->notes && i < SC_PROSODY_MEASURES && d->n_notes < 8; i++)
        if (v[i].absent != SC_PROSODY_PRESENT && v[i].absent != SC_PROSODY_ABSENT_CALL_ONLY &&
            v[i].absent != SC_PROSODY_ABSENT_BY_POLICY)
            d->notes[d->n_notes++] = hf_arena_printf(
                hf_call_arena(call), "%s: absent (%s)",
                sc_prosody_measure_name((sc_prosody_measure_t)i),
                sc_prosody_absence_name(v[i].absent));
#undef VAL
#undef PRESENT
    return d;
}

/* The answer with the most result evidence, to compare delivery against
 * the call: "confidence rose 20% when describing results". */
static void delivery_notes(hf_call_t *call, const sc_prosody_t *p, sc_answer_t **answers,
                           size_t n, Hrflow__V1__Delivery *d, sc_locale_t loc)
{
    if (!p || !d || !p->emotion_labels || n < 2)
        return;
    size_t best = n;
    for (size_t i = 0; i < n && i < p->n_segments; i++)
        if (answers[i] && !answers[i]->empty && sc_star_earns(&answers[i]->star[SC_STAR_RESULT]) &&
            (best == n || answers[i]->n_quantities > answers[best]->n_quantities))
            best = i;
    if (best == n)
        return;
    sc_prosody_change_t c;
    char buf[200];
    if (sc_prosody_compare(&p->call, &p->segments[best], SC_PROSODY_CONFIDENCE, &c) == 0 &&
        c.direction != 0 &&
        sc_prosody_describe(&c, loc == SC_LOCALE_ZH ? "描述结果时" : "when describing results",
                            buf, sizeof(buf)) >= 0) {
        char **notes = hf_arena_alloc(hf_call_arena(call), (d->n_notes + 1) * sizeof(void *));
        if (!notes)
            return;
        memcpy(notes, d->notes, d->n_notes * sizeof(void *));
        notes[d->n_notes++] = hf_arena_strdup(hf_call_arena(call), buf);
        d->notes = notes;
    }
}

/* Per competency: the mean of its scores over the answers about it (that
 * probed it, or gave an account with one of its keywords). */
static void distribution(hf_call_t *call, const Hrflow__V1__CompetencyModel *m,
                         sc_answer_t **answers, size_t n, Hrflow__V1__InterviewReport *rep,
                         double *evidence)
{
    rep->competencies = hf_arena_alloc(hf_call_arena(call), (m->n_competencies + 1) * sizeof(void *));
    for (size_t k = 0; rep->competencies && k < m->n_competencies; k++) {
        Hrflow__V1__CompetencyScore *c =
            HF_CALL_NEW(call, Hrflow__V1__CompetencyScore, hrflow__v1__competency_score__init);
        if (!c)
            return;
        double sum = 0;
        int count = 0;
        evidence[k] = 0;
        c->contributions = hf_arena_alloc(hf_call_arena(call), (n + 1) * sizeof(void *));
        for (size_t i = 0; i < n; i++) {
            const sc_answer_t *a = answers[i];
            if (!a || a->empty || k >= a->n_competencies
                || !(a->competencies[k].probed || a->competencies[k].account)
                || a->competencies[k].s.score < 0)
                continue;
            sum += a->competencies[k].s.value;
            evidence[k] += a->competencies[k].evidence;
            count++;
            Hrflow__V1__Contribution *x =
                HF_CALL_NEW(call, Hrflow__V1__Contribution, hrflow__v1__contribution__init);
            if (x && c->contributions) {
                x->reason = hf_arena_printf(hf_call_arena(call), "answer %zu scored %.1f", i + 1,
                                            a->competencies[k].s.value);
                x->points = scoring_round1(a->competencies[k].s.value);
                c->contributions[c->n_contributions++] = x;
            }
        }
        c->name = m->competencies[k]->name;
        c->weight = m->competencies[k]->weight;
        c->score = count ? scoring_round1(sum / count) : 0;
        rep->competencies[rep->n_competencies++] = c;
    }
}

/* The keyword cloud over all answers: term -> count, competency keywords marked. */
static void cloud(hf_call_t *call, sc_answer_t **answers, size_t n,
                  Hrflow__V1__InterviewReport *rep)
{
    Hrflow__V1__KeywordCount **k = hf_arena_alloc(hf_call_arena(call),
                                                  (KEYWORD_CLOUD_MAX + 1) * sizeof(void *));
    if (!k)
        return;
    for (size_t i = 0; i < n; i++) {
        const sc_answer_t *a = answers[i];
        for (size_t t = 0; a && t < a->n_terms; t++) {
            Hrflow__V1__KeywordCount *e = NULL;
            for (size_t j = 0; j < rep->n_keyword_cloud && !e; j++)
                if (!strcmp(k[j]->term, a->terms[t].term))
                    e = k[j];
            if (!e) {
                if (rep->n_keyword_cloud >= KEYWORD_CLOUD_MAX)
                    continue;
                e = HF_CALL_NEW(call, Hrflow__V1__KeywordCount, hrflow__v1__keyword_count__init);
                if (!e)
                    return;
                e->term = hf_arena_strdup(hf_call_arena(call), a->terms[t].term);
                if (a->terms[t].competency >= 0 && (size_t)a->terms[t].competency < a->n_competencies)
                    e->competency = hf_arena_strdup(
                        hf_call_arena(call), a->competencies[a->terms[t].competency].s.name);
                k[rep->n_keyword_cloud++] = e;
            }
            e->count += (uint32_t)a->terms[t].count;
        }
    }
    rep->keyword_cloud = k;
}

/* Strengths, gaps, the suggested action and the candidate's hints. */
static void judge(hf_call_t *call, sc_locale_t loc, const Hrflow__V1__ScoreInterviewRequest *r,
                  sc_answer_t **answers, const double *evidence,
                  Hrflow__V1__InterviewReport *rep)
{
    hf_arena_t *ar = hf_call_arena(call);
    size_t nc = rep->n_competencies;
    rep->strengths = hf_arena_alloc(ar, (nc + 1) * sizeof(void *));
    rep->gaps = hf_arena_alloc(ar, (nc + 1) * sizeof(void *));
    rep->candidate_hints = hf_arena_alloc(ar, (nc + 4 * r->n_answers + 1) * sizeof(void *));
    if (!rep->strengths || !rep->gaps || !rep->candidate_hints)
        return;
    const char *weakest = NULL;
    double weakest_score = 1e9;
    char buf[400];
    for (size_t k = 0; k < nc; k++) {
        const Hrflow__V1__CompetencyScore *c = rep->competencies[k];
        if (c->weight > 0 && c->score < weakest_score) {
            weakest = c->name;
            weakest_score = c->score;
        }
        if (c->score >= SC_STRENGTH_AT) {
            sc_strength_text(buf, sizeof(buf), loc, c->name, c->score);
            rep->strengths[rep->n_strengths++] = hf_arena_strdup(ar, buf);
        } else if (c->score < SC_GAP_BELOW) {
            sc_gap_text(buf, sizeof(buf), loc, c->name, c->score, evidence[k] > 0);
            rep->gaps[rep->n_gaps++] = hf_arena_strdup(ar, buf);
            sc_competency_hint(buf, sizeof(buf), loc, c->name);
            rep->candidate_hints[rep->n_candidate_hints++] = hf_arena_strdup(ar, buf);
        }
    }
    for (size_t i = 0; i < r->n_answers; i++) {
        const sc_answer_t *a = answers[i];
        if (!a || a->empty)
            continue;
        int flag = 0; /* the first flag says more than the missing parts it explains */
        while (flag < SC_EVF_N && !a->evidence.flag[flag].set)
            flag++;
        if (flag < SC_EVF_N) {
            sc_flag_hint(buf, sizeof(buf), loc, (sc_ev_flag_t)flag, r->answers[i]->question);
            rep->candidate_hints[rep->n_candidate_hints++] = hf_arena_strdup(ar, buf);
            continue;
        }
        for (int part = SC_STAR_SITUATION; part < SC_STAR_N; part++)
            if (!sc_star_earns(&a->star[part]) && (part == SC_STAR_ACTION || part == SC_STAR_RESULT)) {
                sc_star_hint(buf, sizeof(buf), loc, (sc_star_part_t)part,
                             r->answers[i]->question);
                rep->candidate_hints[rep->n_candidate_hints++] = hf_arena_strdup(ar, buf);
            }
    }
    sc_suggested_action(buf, sizeof(buf), loc, rep->overall_score, weakest);
    rep->suggested_action = hf_arena_strdup(ar, buf);
    rep->recommendation = (char *)sc_recommendation(rep->overall_score);
}

static int analyse_answers(hf_call_t *call, sc_analyzer_t *az, const sc_scorer_t *s,
                           const Hrflow__V1__ScoreInterviewRequest *r, sc_answer_t **answers)
{
    for (size_t i = 0; i < r->n_answers; i++) {
        const Hrflow__V1__TranscriptAnswer *t = r->answers[i];
        char err[200], path[48];
        if (sc_answer_analyze(az, s, t->question, t->text, strlen(t->text), &answers[i], err,
                              sizeof(err)) < 0) {
            snprintf(path, sizeof(path), "answers[%zu].text", i);
            hf_call_detail(call, path, "bad_format", err);
            return hf_call_fail(call, E(INVALID_ARGUMENT), "answer %zu cannot be analysed: %s",
                                i + 1, err);
        }
    }
    return 0;
}

/* Prosody of the call; NULL with *absent set when there is no audio. */
static int analyse_audio(hf_call_t *call, const Hrflow__V1__ScoreInterviewRequest *r,
                         const Hrflow__V1__ScoringSettings *settings, sc_answer_t **answers,
                         sc_prosody_t **out)
{
    *out = NULL;
    if (!r->audio.len)
        return 0;
    sc_prosody_segment_t *segs = hf_arena_alloc(hf_call_arena(call),
                                                (r->n_answers + 1) * sizeof(*segs));
    if (!segs)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int words = 0;
    for (size_t i = 0; i < r->n_answers; i++) {
        segs[i] = (sc_prosody_segment_t){ r->answers[i]->start_ms, r->answers[i]->end_ms,
                                          answers[i] ? (uint32_t)answers[i]->length_units : 0 };
        words |= answers[i] && answers[i]->lang == SC_LANG_EN;
    }
    sc_prosody_opts_t o;
    sc_prosody_opts_default(&o);
    o.unit = words ? SC_PROSODY_WORDS : SC_PROSODY_CHARS;
    o.emotion_labels = settings->emotion_labels;
    o.emotion_may_reject = settings->emotion_may_reject;
    char err[200];
    int rc = sc_prosody_analyze(r->audio.data, r->audio.len, segs, r->n_answers, &o, out, err,
                                sizeof(err));
    if (rc == 0)
        return 0;
    if (rc == SC_PROSODY_ENOMEM)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    hf_call_detail(call, rc == SC_PROSODY_EAUDIO ? "audio" : "answers", "bad_format", err);
    return hf_call_fail(call, E(INVALID_ARGUMENT), "%s", err);
}

/* The texts of each answer (hf/text.h); returns 1 when one was refused. */
static int transcript_check(hf_call_t *call, const Hrflow__V1__ScoreInterviewRequest *r)
{
    int bad = 0;
    for (size_t i = 0; i < r->n_answers; i++) {
        const Hrflow__V1__TranscriptAnswer *t = r->answers[i];
        char p[48];
        snprintf(p, sizeof(p), "answers[%zu].question", i);
        bad |= hf_call_check_text(call, p, t->question, MODEL_ASKED_RULE);
        snprintf(p, sizeof(p), "answers[%zu].question_id", i);
        bad |= hf_call_check_text(call, p, t->question_id, MODEL_OPTIONAL_ID_RULE);
        snprintf(p, sizeof(p), "answers[%zu].text", i);
        bad |= hf_call_check_text(call, p, t->text, MODEL_ANSWER_RULE);
    }
    return bad;
}

static int interview_check(hf_call_t *call, const Hrflow__V1__ScoreInterviewRequest *r)
{
    int bad_id = hf_call_check_text(call, "interview_id", r->interview_id, MODEL_ID_RULE);
    int bad_answers = r->n_answers == 0 || r->n_answers > MAX_ANSWERS;
    int bad_app = *r->application_id && !hf_uuid_valid(r->application_id);
    if (bad_answers)
        hf_call_detail(call, "answers", r->n_answers ? "too_many" : "required",
                       "an interview has 1 to 100 answers");
    else
        bad_answers = transcript_check(call, r);
    if (bad_app)
        hf_call_detail(call, "application_id", "bad_format", "a pipeline application id (UUID)");
    if (bad_id || bad_answers || bad_app)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the interview is incomplete");
    return 0;
}

/* The company the interview's report is filed under: its application's, as
 * the pipeline answers this caller (behind the caller's own company wall),
 * or "" for an interview of no application, which only a key of the whole
 * group may score (the report would be of no company a bound key sees).
 * NULL after failing the call. */
static const char *interview_company(hf_call_t *call, const hf_store_t *st,
                                     const char *application_id)
{
    if (!*application_id) {
        if (st->n_companies == 0)
            return "";
        hf_call_detail(call, "application_id", "required",
                       "a key bound to companies scores the interviews of their applications");
        hf_call_fail(call, E(INVALID_ARGUMENT), "the interview names no application");
        return NULL;
    }
    Hrflow__V1__GetApplicationRequest q = HRFLOW__V1__GET_APPLICATION_REQUEST__INIT;
    q.id = (char *)application_id;
    ProtobufCMessage *got = NULL;
    int rc = hf_service_ask(call, "pipeline", "GetApplication", &q.base,
                            &hrflow__v1__application__descriptor, &got);
    const Hrflow__V1__Application *a = (const void *)got;
    if (rc == E(NOT_FOUND)) {
        hf_call_detail(call, "application_id", "not_found",
                       "no application of a company this key acts for");
        hf_call_fail(call, E(NOT_FOUND), "application %s not found", application_id);
        return NULL;
    }
    if (rc == 0 && !hf_uuid_valid(a->company_id)) { /* a pipeline older than company ids */
        hf_logkv(HF_LOG_WARN, "the pipeline named no company for an application",
                 HF_KV_STR("application", application_id));
        rc = E(UNAVAILABLE);
    }
    if (rc != 0) {
        hf_service_ask_fail(call, "pipeline", rc);
        return NULL;
    }
    return a->company_id;
}

SCORING_HANDLER(scoring_score_interview)
{
    const Hrflow__V1__ScoreInterviewRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 || interview_check(call, r) < 0)
        return -1;
    const char *company = interview_company(call, &st, r->application_id);
    if (!company)
        return -1;
    Hrflow__V1__ScoringSettings settings;
    const Hrflow__V1__CompetencyModel *m = scoring_model_and_settings(
        &st, NULL, r->competency_model_id, r->competency_model_version, "", &settings);
    if (!m)
        return -1;
    sc_analyzer_t *az = scoring_analyzer(call);
    const sc_scorer_t *s = az ? scoring_scorer(call, az, m) : NULL;
    if (!s)
        return -1;
    sc_answer_t **answers = hf_arena_alloc(hf_call_arena(call), r->n_answers * sizeof(void *));
    sc_prosody_t *pros = NULL;
    int rc = -1;
    Hrflow__V1__InterviewReport *rep =
        HF_CALL_NEW(call, Hrflow__V1__InterviewReport, hrflow__v1__interview_report__init);
    if (!answers || !rep) {
        hf_call_fail(call, E(INTERNAL), "out of memory");
        goto done;
    }
    memset(answers, 0, r->n_answers * sizeof(void *));
    if (analyse_answers(call, az, s, r, answers) < 0 ||
        analyse_audio(call, r, &settings, answers, &pros) < 0)
        goto done;
    sc_locale_t loc = sc_locale_parse(r->locale);
    rep->interview_id = r->interview_id;
    rep->application_id = r->application_id;
    rep->company_id = (char *)company;
    rep->tenant_id = (char *)st.tenant;
    rep->model_id = m->id;
    rep->model_version = m->version;
    rep->locale = (char *)(loc == SC_LOCALE_EN ? "en" : "zh-CN");
    rep->answers = hf_arena_alloc(hf_call_arena(call), r->n_answers * sizeof(void *));
    rep->warnings = hf_arena_alloc(hf_call_arena(call), (r->n_answers + 2) * sizeof(void *));
    double total = 0;
    size_t scored = 0;
    for (size_t i = 0; rep->answers && rep->warnings && i < r->n_answers; i++) {
        Hrflow__V1__AnswerReport *ar =
            HF_CALL_NEW(call, Hrflow__V1__AnswerReport, hrflow__v1__answer_report__init);
        if (!ar)
            break;
        ar->index = (int32_t)i;
        ar->question = r->answers[i]->question;
        ar->score = scoring_answer_pb(call, answers[i], s, r->answers[i]->text, (int)i);
        ar->delivery = delivery_pb(call, pros, pros ? &pros->segments[i] : NULL, "no audio");
        rep->answers[rep->n_answers++] = ar;
        if (answers[i]->empty)
            rep->warnings[rep->n_warnings++] =
                hf_arena_printf(hf_call_arena(call), "answer %zu is empty: not scored", i + 1);
        else
            total += answers[i]->answer.value, scored++;
    }
    if (!scored) {
        hf_call_detail(call, "answers", "required", "every answer is empty");
        hf_call_fail(call, E(INVALID_ARGUMENT), "no answer has text to score");
        goto done;
    }
    rep->overall_score = scoring_round1(total / (double)scored);
    double *evidence = hf_arena_alloc(hf_call_arena(call), (m->n_competencies + 1) * sizeof(double));
    if (!evidence) {
        hf_call_fail(call, E(INTERNAL), "out of memory");
        goto done;
    }
    distribution(call, m, answers, r->n_answers, rep, evidence);
    cloud(call, answers, r->n_answers, rep);
    rep->delivery = delivery_pb(call, pros, pros ? &pros->call : NULL,
                                "no audio: delivery is not assessed");
    delivery_notes(call, pros, answers, r->n_answers, rep->delivery, loc);
    judge(call, loc, r, answers, evidence, rep);
    rep->create_time = NULL;
    int changed = 0;
    int src2 = store_report_put(&st, rep, &changed);
    if (src2 == HF_ECONFLICT) {
        hf_call_detail(call, "application_id", "conflict",
                       "the interview was scored for another application");
        hf_call_fail(call, E(CONFLICT), "interview %s is of another application", r->interview_id);
        goto done;
    }
    if (src2 != HF_OK) { /* HF_ENOTFOUND: of a company this key does not act for */
        hf_store_fail(&st, src2, "interview", r->interview_id);
        goto done;
    }
    if (changed) /* a retry of the same scoring asked no question again */
        scoring_count_questions(&st, r, answers);
    *reply = &rep->base;
    rc = 0;
done:
    for (size_t i = 0; answers && i < r->n_answers; i++)
        sc_answer_free(&answers[i]);
    sc_prosody_destroy(&pros);
    return rc;
}

SCORING_HANDLER(scoring_get_report)
{
    const Hrflow__V1__GetReportRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    Hrflow__V1__InterviewReport *rep = NULL;
    int rc = store_report_get(&st, r->interview_id, &rep);
    if (rc == HF_ENOTFOUND)
        return hf_call_fail(call, E(NOT_FOUND), "no report for interview %s", r->interview_id);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "report", r->interview_id);
    *reply = &rep->base;
    return 0;
}
