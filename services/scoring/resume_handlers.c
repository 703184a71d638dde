/* services/scoring/resume_handlers.c - resume screening, question selection, question statistics
 *
 * A resume is analysed like an answer: the job's competency model plus one
 * extra competency made of the required skills, so skills are matched with
 * the same normalisation, synonyms and negation ("没有Java经验" does not
 * count). The screening score is a fixed mix, every part listed as a
 * contribution (docs/scoring.md, "Resume screening"):
 *   SKILLS_W     x share of required skills the resume shows
 *   EXPERIENCE_W x min(1, years / min_years)
 *   EDUCATION_W  x 1 at or above the required degree, 0.5 one below, else 0
 *   EVIDENCE_W   x the model's content score of the resume / 100
 * Question selection ranks the bank's questions for the job by what they
 * probe and what the resume claims, and leaves out those about experience
 * the resume does not show, saying why.
 */
#include "handlers.h"

#include "analysis.h"
#include "model.h"
#include "hf/log.h"
#include "resume.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code
#define SKILLS_W 50.0
#define EXPERIENCE_W 25.0
#define EDUCATION_W 15.0
#define EVIDENCE_W 10.0
#define SELECT_DEFAULT 5
#define SELECT_MAX 20
#define MAX_SKILLS 100
#define SCREEN_MAX 64 /* resumes of one ScreenResumes */

static int current_year(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    return tm.tm_year + 1900;
}

/* The model with one more competency: the required skills as keywords. */
static Hrflow__V1__CompetencyModel *with_skills(hf_call_t *call,
                                                const Hrflow__V1__CompetencyModel *m,
                                                char *const *skills, size_t n_skills)
{
    hf_arena_t *a = hf_call_arena(call);
    Hrflow__V1__CompetencyModel *x = hf_arena_alloc(a, sizeof(*x));
    Hrflow__V1__Competency *c = hf_arena_alloc(a, sizeof(*c));
    Hrflow__V1__Competency **list = hf_arena_alloc(a, (m->n_competencies + 1) * sizeof(void *));
    Hrflow__V1__Keyword **kw = hf_arena_alloc(a, (n_skills + 1) * sizeof(void *));
    if (!x || !c || !list || !kw)
        return NULL;
    *x = *m;
    hrflow__v1__competency__init(c);
    c->name = (char *)"required skills";
    c->weight = 0; /* matched, not part of the model's content score */
    for (size_t i = 0; i < n_skills; i++) {
        Hrflow__V1__Keyword *k = hf_arena_alloc(a, sizeof(*k));
        if (!k)
            return NULL;
        hrflow__v1__keyword__init(k);
        k->term = skills[i];
        kw[i] = k;
    }
    c->keywords = kw;
    c->n_keywords = n_skills;
    memcpy(list, m->competencies, m->n_competencies * sizeof(void *));
    list[m->n_competencies] = c;
    x->competencies = list;
    x->n_competencies = m->n_competencies + (n_skills ? 1 : 0);
    return x;
}

static Hrflow__V1__Contribution *contrib(hf_call_t *call, double points, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static Hrflow__V1__Contribution *contrib(hf_call_t *call, double points, const char *fmt, ...)
{
    Hrflow__V1__Contribution *c =
        HF_CALL_NEW(call, Hrflow__V1__Contribution, hrflow__v1__contribution__init);
    if (!c)
        return NULL;
    char buf[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    c->reason = hf_arena_strdup(hf_call_arena(call), buf);
    c->points = scoring_round1(points);
    return c;
}

/* Did the analysed text show keyword k of competency c (not negated)? */
static int shows(const sc_answer_t *a, size_t c, size_t k)
{
    for (size_t i = 0; i < a->n_hits; i++)
        if (a->hits[i].competency == c && a->hits[i].keyword == k &&
            a->hits[i].context != SC_CTX_NEGATED)
            return 1;
    return 0;
}

/* The model a request names, read once for the items of a batch that name
 * the same one (*last: the id read last and its model). */
typedef struct {
    const char *id;
    const Hrflow__V1__CompetencyModel *m;
} model_memo_t;

static const Hrflow__V1__CompetencyModel *model_for(hf_store_t *st,
                                                    const Hrflow__V1__ScreenResumeRequest *r,
                                                    model_memo_t *last)
{
    int by_id = !r->competency_model || !r->competency_model->n_competencies;
    if (by_id && last->m && !strcmp(last->id, r->competency_model_id))
        return last->m;
    const Hrflow__V1__CompetencyModel *m =
        scoring_model_of(st, r->competency_model, r->competency_model_id, 0, "competency_model");
    if (m && by_id)
        *last = (model_memo_t){ r->competency_model_id, m };
    return m;
}

/* Screen one resume into *out. Returns 0, or -1 with the call's error set. */
static int screen(hf_call_t *call, hf_store_t *st, const Hrflow__V1__ScreenResumeRequest *r,
                  model_memo_t *memo, Hrflow__V1__ScreenResumeResponse **out)
{
    const Hrflow__V1__Requirements *need = r->requirements;
    static const Hrflow__V1__Requirements none = HRFLOW__V1__REQUIREMENTS__INIT;
    if (!need)
        need = &none;
    int bad_text = hf_call_check_text(call, "resume", r->resume, MODEL_ANSWER_RULE);
    if (need->n_skills <= MAX_SKILLS)
        bad_text |= hf_call_check_texts(call, "requirements.skills", need->skills, need->n_skills,
                                        HF_TEXT_NAME) > 0;
    if (bad_text || need->n_skills > MAX_SKILLS || !isfinite(need->min_years) ||
        need->min_years < 0 || need->min_years > 50 ||
        (*need->education && !sc_education_parse(need->education))) {
        if (need->n_skills > MAX_SKILLS)
            hf_call_detail(call, "requirements.skills", "too_many", "at most 100 skills");
        if (!isfinite(need->min_years) || need->min_years < 0 || need->min_years > 50)
            hf_call_detail(call, "requirements.min_years", "out_of_range", "between 0 and 50");
        if (*need->education && !sc_education_parse(need->education))
            hf_call_detail(call, "requirements.education", "bad_format",
                           "one of associate, bachelor, master, phd");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the %s invalid",
                            bad_text ? "resume or the requirements are" : "requirements are");
    }
    const Hrflow__V1__CompetencyModel *m = model_for(st, r, memo);
    if (!m)
        return -1;
    Hrflow__V1__CompetencyModel *mx = with_skills(call, m, need->skills, need->n_skills);
    sc_analyzer_t *az = mx ? scoring_analyzer(call) : NULL;
    const sc_scorer_t *s = az ? scoring_scorer(call, az, mx) : NULL;
    if (!s)
        return mx ? -1 : hf_call_fail(call, E(INTERNAL), "out of memory");
    sc_answer_t *a = NULL;
    char err[200];
    if (sc_answer_analyze(az, s, NULL, r->resume, strlen(r->resume), &a, err, sizeof(err)) < 0) {
        hf_call_detail(call, "resume", "bad_format", err);
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the resume cannot be analysed: %s", err);
    }
    Hrflow__V1__ScreenResumeResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ScreenResumeResponse, hrflow__v1__screen_resume_response__init);
    hf_arena_t *ar = hf_call_arena(call);
    size_t skill_c = m->n_competencies; /* the extra competency's index */
    size_t n_terms = need->n_skills;
    for (size_t c = 0; c < m->n_competencies; c++)
        n_terms += m->competencies[c]->n_keywords;
    if (o) {
        o->matched = hf_arena_alloc(ar, (n_terms + 1) * sizeof(void *));
        o->missing = hf_arena_alloc(ar, (n_terms + 1) * sizeof(void *));
        o->contributions = hf_arena_alloc(ar, 8 * sizeof(void *));
    }
    if (!o || !o->matched || !o->missing || !o->contributions) {
        sc_answer_free(&a);
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    }
    /* skills: the required ones, or the model's keywords when none are given */
    size_t have = 0, want = 0;
    if (need->n_skills) {
        for (size_t k = 0; k < need->n_skills; k++, want++)
            if (!a->empty && shows(a, skill_c, k))
                o->matched[o->n_matched++] = need->skills[k], have++;
            else
                o->missing[o->n_missing++] = need->skills[k];
    } else {
        for (size_t c = 0; c < m->n_competencies; c++)
            for (size_t k = 0; k < m->competencies[c]->n_keywords; k++, want++)
                if (!a->empty && shows(a, c, k))
                    o->matched[o->n_matched++] = m->competencies[c]->keywords[k]->term, have++;
                else
                    o->missing[o->n_missing++] = m->competencies[c]->keywords[k]->term;
    }
    double skills = want ? SKILLS_W * (double)have / (double)want : SKILLS_W;
    sc_resume_facts_t facts;
    sc_resume_facts(r->resume, strlen(r->resume), current_year(), &facts);
    double exp = need->min_years > 0 ? EXPERIENCE_W * fmin(1.0, facts.years / need->min_years)
                                     : EXPERIENCE_W;
    sc_education_t want_edu = sc_education_parse(need->education);
    double edu = want_edu == SC_EDU_NONE || facts.education >= want_edu ? EDUCATION_W
                 : facts.education + 1 == want_edu                   ? EDUCATION_W / 2
                                                                     : 0;
    double evidence = a->empty ? 0 : EVIDENCE_W * a->content.value / 100.0;
    o->years_of_experience = scoring_round1(facts.years);
    o->education = (char *)sc_education_name(facts.education);
    o->contributions[o->n_contributions++] =
        contrib(call, skills, "skills: %zu of %zu shown (x %.0f)", have, want, SKILLS_W);
    o->contributions[o->n_contributions++] =
        contrib(call, exp, "experience: %.1f years of %.1f required (x %.0f)", facts.years,
                need->min_years, EXPERIENCE_W);
    o->contributions[o->n_contributions++] =
        contrib(call, edu, "education: %s, %s required (x %.0f)",
                *o->education ? o->education : "none found",
                want_edu ? sc_education_name(want_edu) : "none", EDUCATION_W);
    o->contributions[o->n_contributions++] =
        contrib(call, evidence, "competency evidence: content score %.0f (x %.0f / 100)",
                a->empty ? 0.0 : a->content.value, EVIDENCE_W);
    o->score = scoring_round1(skills + exp + edu + evidence);
    sc_answer_free(&a);
    *out = o;
    return 0;
}

SCORING_HANDLER(scoring_screen_resume)
{
    hf_store_t st;
    model_memo_t memo = { 0 };
    Hrflow__V1__ScreenResumeResponse *o = NULL;
    if (hf_store_open(call, &st) < 0 || screen(call, &st, (const void *)req, &memo, &o) < 0)
        return -1;
    *reply = &o->base;
    return 0;
}

/* Refusals that are the item's own: another try of it gives the same. */
static int item_fault(int code)
{
    return code == E(INVALID_ARGUMENT) || code == E(NOT_FOUND) || code == E(FAILED_PRECONDITION);
}

SCORING_HANDLER(scoring_screen_resumes)
{
    const Hrflow__V1__ScreenResumesRequest *r = (const void *)req;
    if (r->n_items == 0 || r->n_items > SCREEN_MAX) {
        hf_call_detail(call, "items", r->n_items ? "too_many" : "required", "1 to 64 resumes");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "give 1 to %d resumes", SCREEN_MAX);
    }
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    hf_arena_t *ar = hf_call_arena(call);
    Hrflow__V1__ScreenResumesResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ScreenResumesResponse, hrflow__v1__screen_resumes_response__init);
    if (!o || !(o->results = hf_arena_alloc(ar, r->n_items * sizeof(void *))))
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    model_memo_t memo = { 0 };
    for (size_t i = 0; i < r->n_items; i++) {
        Hrflow__V1__ScreenResumeResult *res = HF_CALL_NEW(
            call, Hrflow__V1__ScreenResumeResult, hrflow__v1__screen_resume_result__init);
        if (!res)
            return hf_call_fail(call, E(INTERNAL), "out of memory");
        if (screen(call, &st, r->items[i], &memo, &res->response) < 0) {
            if (!item_fault(hf_call_error_code(call)))
                return -1; /* not this item's fault: the call fails with its error */
            res->error = hf_call_take_error(call);
        }
        o->results[o->n_results++] = res;
    }
    *reply = &o->base;
    return 0;
}

/* ---- question selection ---- */

typedef struct {
    Hrflow__V1__Question *q;
    double rank;
    int taken;
    char reason[400];
} candidate_t;

/* Weight of competency `name` in the model, or 0. */
static double weight_of(const Hrflow__V1__CompetencyModel *m, const char *name)
{
    for (size_t i = 0; i < m->n_competencies; i++)
        if (!strcmp(m->competencies[i]->name, name))
            return m->competencies[i]->weight;
    return 0;
}

/* Rank one question; 0 with the reason in skip when it is left out. */
static int rank_question(const Hrflow__V1__CompetencyModel *m, const sc_answer_t *resume,
                         size_t req_c, size_t req_first, candidate_t *c, char *skip, size_t n)
{
    const Hrflow__V1__Question *q = c->q;
    size_t used = 0;
    for (size_t i = 0; i < q->n_requires; i++) {
        if (!shows(resume, req_c, req_first + i)) {
            snprintf(skip, n, "「%.80s」: the resume shows no %s experience", q->text,
                     q->requires[i]);
            return 0;
        }
    }
    c->rank = 0;
    for (size_t i = 0; i < q->n_competencies; i++) {
        double w = weight_of(m, q->competencies[i]);
        if (w <= 0)
            continue;
        c->rank += w;
        used += (size_t)snprintf(c->reason + used, sizeof(c->reason) - used,
                                 "%sprobes core competency %s (weight %g)", used ? "; " : "",
                                 q->competencies[i], w);
        if (used >= sizeof(c->reason))
            used = sizeof(c->reason) - 1;
    }
    for (size_t i = 0; i < q->n_requires; i++) {
        c->rank += 2;
        used += (size_t)snprintf(c->reason + used, sizeof(c->reason) - used,
                                 "%sasks about %s, which the resume claims", used ? "; " : "",
                                 q->requires[i]);
        if (used >= sizeof(c->reason))
            used = sizeof(c->reason) - 1;
    }
    if (c->rank <= 0) {
        snprintf(skip, n, "「%.80s」: probes none of the model's competencies", q->text);
        return 0;
    }
    return 1;
}

SCORING_HANDLER(scoring_select_questions)
{
    const Hrflow__V1__SelectQuestionsRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    if (r->count > SELECT_MAX) {
        hf_call_detail(call, "count", "out_of_range", "at most 20");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "count is out of range");
    }
    if (hf_call_check_text(call, "resume", r->resume, MODEL_ANSWER_RULE) |
        hf_call_check_text(call, "job_family", r->job_family,
                           (hf_text_rule_t){ HF_TEXT_LINE, 0, MODEL_MAX_TEXT }))
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the request is invalid");
    const Hrflow__V1__CompetencyModel *m =
        scoring_model_of(&st, NULL, r->competency_model_id, 0, "");
    if (!m)
        return -1;
    hf_page_t page = { .size = HF_PAGE_MAX, .first = 1 };
    Hrflow__V1__Question **bank = NULL;
    size_t n_bank = 0;
    int rc = store_question_list(&st, r->job_family, "", &page, &bank, &n_bank);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "question", "");
    /* every question's required experiences, as keywords of one extra competency */
    size_t n_req = 0;
    for (size_t i = 0; i < n_bank; i++)
        n_req += bank[i]->n_requires;
    char **reqs = hf_arena_alloc(hf_call_arena(call), (n_req + 1) * sizeof(char *));
    size_t *first = hf_arena_alloc(hf_call_arena(call), (n_bank + 1) * sizeof(size_t));
    candidate_t *cand = hf_arena_alloc(hf_call_arena(call), (n_bank + 1) * sizeof(*cand));
    if (!reqs || !first || !cand)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    n_req = 0;
    for (size_t i = 0; i < n_bank; i++) {
        first[i] = n_req;
        for (size_t k = 0; k < bank[i]->n_requires; k++)
            reqs[n_req++] = bank[i]->requires[k];
    }
    Hrflow__V1__CompetencyModel *mx = with_skills(call, m, reqs, n_req);
    sc_analyzer_t *az = mx ? scoring_analyzer(call) : NULL;
    const sc_scorer_t *s = az ? scoring_scorer(call, az, mx) : NULL;
    if (!s)
        return mx ? -1 : hf_call_fail(call, E(INTERNAL), "out of memory");
    sc_answer_t *a = NULL;
    char err[200];
    if (sc_answer_analyze(az, s, NULL, r->resume, strlen(r->resume), &a, err, sizeof(err)) < 0) {
        hf_call_detail(call, "resume", "bad_format", err);
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the resume cannot be analysed: %s", err);
    }
    Hrflow__V1__SelectQuestionsResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__SelectQuestionsResponse, hrflow__v1__select_questions_response__init);
    size_t want = r->count ? r->count : SELECT_DEFAULT;
    if (o) {
        o->questions = hf_arena_alloc(hf_call_arena(call), (want + 1) * sizeof(void *));
        o->skipped = hf_arena_alloc(hf_call_arena(call), (n_bank + 1) * sizeof(void *));
    }
    if (!o || !o->questions || !o->skipped) {
        sc_answer_free(&a);
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    }
    size_t n_cand = 0;
    for (size_t i = 0; i < n_bank; i++) {
        char skip[300];
        cand[n_cand] = (candidate_t){ .q = bank[i] };
        if (rank_question(m, a, m->n_competencies, first[i], &cand[n_cand], skip, sizeof(skip)))
            n_cand++;
        else
            o->skipped[o->n_skipped++] = hf_arena_strdup(hf_call_arena(call), skip);
    }
    /* greedy: the best rank first; a question whose competencies are all
     * covered already counts half, so the set spreads over the model */
    for (size_t pick = 0; pick < want; pick++) {
        long best = -1;
        double best_rank = 0;
        for (size_t i = 0; i < n_cand; i++) {
            if (cand[i].taken)
                continue;
            int fresh = 0;
            for (size_t k = 0; k < cand[i].q->n_competencies; k++) {
                int covered = 0;
                for (size_t j = 0; j < o->n_questions; j++)
                    for (size_t l = 0; l < o->questions[j]->question->n_competencies; l++)
                        covered |= !strcmp(o->questions[j]->question->competencies[l],
                                           cand[i].q->competencies[k]);
                fresh |= !covered;
            }
            double rank = fresh ? cand[i].rank : cand[i].rank / 2;
            if (best < 0 || rank > best_rank)
                best = (long)i, best_rank = rank;
        }
        if (best < 0)
            break;
        cand[best].taken = 1;
        Hrflow__V1__SelectedQuestion *sq = HF_CALL_NEW(call, Hrflow__V1__SelectedQuestion,
                                                       hrflow__v1__selected_question__init);
        if (!sq)
            break;
        sq->question = cand[best].q;
        sq->reason = hf_arena_strdup(hf_call_arena(call), cand[best].reason);
        o->questions[o->n_questions++] = sq;
    }
    sc_answer_free(&a);
    *reply = &o->base;
    return 0;
}
