/* services/scoring/model.c - checking competency models and questions from requests
 *
 * Each check adds a detail (path, code, message) and keeps going, so a
 * client sees every problem of a model at once.
 */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

typedef struct {
    hf_call_t *call;
    int problems;
} check_t;

static void problem(check_t *c, const char *path, const char *code, const char *msg)
{
    hf_call_detail(c->call, path, code, msg);
    c->problems++;
}

/* Every typed text follows hf/text.h: characters counted, no controls or
 * bidi characters, names on one line and not blank. */
static const hf_text_rule_t name_rule = { HF_TEXT_LINE, 1, MODEL_MAX_TEXT };
static const hf_text_rule_t family_rule = { HF_TEXT_LINE, 0, MODEL_MAX_TEXT };
static const hf_text_rule_t description_rule = { HF_TEXT_LINES, 0, MODEL_MAX_LONG_TEXT };
static const hf_text_rule_t question_rule = { HF_TEXT_LINES, 1, MODEL_MAX_LONG_TEXT };

static void text(check_t *c, const char *path, const char *s, hf_text_rule_t rule)
{
    c->problems += hf_call_check_text(c->call, path, s, rule);
}

static void list(check_t *c, const char *path, char *const *items, size_t n, size_t max)
{
    if (n > max) {
        problem(c, path, "too_many", "too many entries");
        return;
    }
    c->problems += (int)hf_call_check_texts(c->call, path, items, n, name_rule);
}

static void weight(check_t *c, const char *path, double w, double max)
{
    if (!isfinite(w) || w < 0 || w > max) {
        char msg[64];
        snprintf(msg, sizeof(msg), "must be between 0 and %g", max);
        problem(c, path, "out_of_range", msg);
    }
}

static void competency(check_t *c, const char *path, const Hrflow__V1__Competency *k)
{
    char p[256]; /* path is at most 159 characters */
    snprintf(p, sizeof(p), "%s.name", path);
    text(c, p, k->name, name_rule);
    snprintf(p, sizeof(p), "%s.description", path);
    text(c, p, k->description, description_rule);
    snprintf(p, sizeof(p), "%s.weight", path);
    weight(c, p, k->weight, 100);
    snprintf(p, sizeof(p), "%s.keywords", path);
    if (k->n_keywords > MODEL_MAX_KEYWORDS)
        problem(c, p, "too_many", "at most 200 keywords per competency");
    for (size_t i = 0; i < k->n_keywords && i < MODEL_MAX_KEYWORDS; i++) {
        const Hrflow__V1__Keyword *w = k->keywords[i];
        snprintf(p, sizeof(p), "%s.keywords[%zu].term", path, i);
        text(c, p, w->term, name_rule);
        snprintf(p, sizeof(p), "%s.keywords[%zu].weight", path, i);
        weight(c, p, w->weight, 10);
        snprintf(p, sizeof(p), "%s.keywords[%zu].synonyms", path, i);
        list(c, p, w->synonyms, w->n_synonyms, MODEL_MAX_SYNONYMS);
    }
    snprintf(p, sizeof(p), "%s.negative_cues", path);
    list(c, p, k->negative_cues, k->n_negative_cues, MODEL_MAX_CUES);
}

int model_validate(hf_call_t *call, const Hrflow__V1__CompetencyModel *m, const char *path)
{
    check_t c = { call, 0 };
    char p[160];
    snprintf(p, sizeof(p), "%s.name", path);
    text(&c, p, m->name, name_rule);
    snprintf(p, sizeof(p), "%s.job_family", path);
    text(&c, p, m->job_family, family_rule);
    snprintf(p, sizeof(p), "%s.competencies", path);
    if (m->n_competencies == 0 || m->n_competencies > MODEL_MAX_COMPETENCIES)
        problem(&c, p, m->n_competencies ? "too_many" : "required",
                "a model has 1 to 30 competencies");
    double total = 0;
    for (size_t i = 0; i < m->n_competencies && i < MODEL_MAX_COMPETENCIES; i++) {
        snprintf(p, sizeof(p), "%s.competencies[%zu]", path, i);
        competency(&c, p, m->competencies[i]);
        total += isfinite(m->competencies[i]->weight) ? m->competencies[i]->weight : 0;
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->competencies[i]->name, m->competencies[j]->name) == 0) {
                snprintf(p, sizeof(p), "%s.competencies[%zu].name", path, i);
                problem(&c, p, "duplicate", "two competencies have this name");
            }
    }
    if (m->n_competencies && total <= 0) {
        snprintf(p, sizeof(p), "%s.competencies", path);
        problem(&c, p, "out_of_range", "at least one competency needs a weight above 0");
    }
    snprintf(p, sizeof(p), "%s.core_values", path);
    list(&c, p, m->core_values, m->n_core_values, MODEL_MAX_CUES);
    if (c.problems)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the competency model is invalid");
    return 0;
}

int model_apply_mask(hf_call_t *call, Hrflow__V1__CompetencyModel *m,
                     const Hrflow__V1__CompetencyModel *in, char *const *mask, size_t n_mask)
{
    static const Hrflow__V1__CompetencyModel empty = HRFLOW__V1__COMPETENCY_MODEL__INIT;
    if (!in)
        in = &empty;
    for (size_t i = 0; i < n_mask; i++) {
        const char *f = mask[i];
        if (!strcmp(f, "name")) {
            m->name = in->name;
        } else if (!strcmp(f, "job_family") || !strcmp(f, "jobFamily")) {
            m->job_family = in->job_family;
        } else if (!strcmp(f, "competencies")) {
            m->competencies = in->competencies;
            m->n_competencies = in->n_competencies;
        } else if (!strcmp(f, "core_values") || !strcmp(f, "coreValues")) {
            m->core_values = in->core_values;
            m->n_core_values = in->n_core_values;
        } else {
            char path[48];
            snprintf(path, sizeof(path), "update_mask[%zu]", i);
            hf_call_detail(call, path, "not_updatable",
                           "only name, jobFamily, competencies and coreValues can change");
            return hf_call_fail(call, E(INVALID_ARGUMENT), "field %s cannot be changed", f);
        }
    }
    return 0;
}

int question_validate(hf_call_t *call, const Hrflow__V1__Question *q, const char *path)
{
    check_t c = { call, 0 };
    char p[160];
    snprintf(p, sizeof(p), "%s.text", path);
    text(&c, p, q->text, question_rule);
    snprintf(p, sizeof(p), "%s.language", path);
    if (*q->language && strcmp(q->language, "zh") && strcmp(q->language, "en"))
        problem(&c, p, "bad_format", "must be zh or en");
    snprintf(p, sizeof(p), "%s.competencies", path);
    list(&c, p, q->competencies, q->n_competencies, MODEL_MAX_COMPETENCIES);
    snprintf(p, sizeof(p), "%s.job_families", path);
    list(&c, p, q->job_families, q->n_job_families, MODEL_MAX_CUES);
    snprintf(p, sizeof(p), "%s.good_answer_points", path);
    list(&c, p, q->good_answer_points, q->n_good_answer_points, MODEL_MAX_CUES);
    snprintf(p, sizeof(p), "%s.requires", path);
    list(&c, p, q->requires, q->n_requires, MODEL_MAX_CUES);
    if (c.problems)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the question is invalid");
    return 0;
}
