/* services/scoring/answer.c - per-answer analysis and the explainable scoring formula
 *
 * text.c normalises and segments, star.c finds the evidence; this file
 * matches the model's keywords, decides how much each occurrence is worth
 * and adds points into scores, recording each addition as a contribution.
 * All constants are in the table K below and nowhere else.
 *
 * THE FORMULA (docs/scoring-text.md has worked examples)
 *
 *   Keyword factor f of an occurrence (the sentence it is in):
 *     concrete  1.0  first-person actor + action verb, and an outcome (result
 *                    cue or quantity) in the same or the next sentence
 *     action    0.6  actor + action verb, no outcome
 *     mention   0.3  anything else: a list, a claim (我擅长…), a description
 *     negated   0    a negation cue before it (我没有做过数据分析)
 *   A keyword (with its synonyms) scores once, at its best occurrence.
 *
 *   Topic score of a competency, 0..100 (sum of contributions):
 *     keywords    KW_POINTS / KW_SATURATION x weight x f, per keyword; the
 *                 sum is capped at KW_POINTS (evidence E >= KW_SATURATION)
 *     STAR        + STAR_POINTS per STAR part of the answer      } only when a keyword of the
 *     quantities  + QUANTITY_POINTS per result quantity (max 2)  } competency has f >= 0.6
 *     negative    - NEGATIVE_POINTS per distinct negative cue not negated
 *     floor at 0
 *
 *   Content   = mean of the probed competencies' topic scores, weighted by their weights
 *   Structure = STRUCT_STAR_POINTS per STAR part
 *               - VAGUE_PENALTY when there are vague claims and no sentence
 *                 with actor + action (claims without an example); floor 0
 *   Delivery  = 100 - filler penalty - length penalty
 *               filler penalty = min(FILLER_MAX, FILLER_SLOPE x (rate - FILLER_FREE_RATE)) if positive
 *               short: SHORT_MAX_PENALTY x (1 - units / MIN_UNITS); long: LONG_PENALTY
 *   Composite = CONTENT_W x content + STRUCTURE_W x structure + DELIVERY_W x delivery
 *               (the rule-based score of earlier versions; a feature of the fit)
 *
 *   Answer    = the fitted combination (fit/answer.json, built in as
 *               sc_answer_fit_json; calibrate.h): the expected rating of the
 *               answer's features under an ordinal regression fitted on rated
 *               answers, mapped to 0..100. Its contributions are the score of
 *               an answer with no features plus each feature's share
 *               (sc_ordinal_explain), then a cap per flag that says the answer
 *               shows no behaviour of the speaker's (CAP_NONE: keyword list,
 *               credentials, generic claim, negated experience, off topic) or none of
 *               their own deeds (CAP_THIN: a plan, a team without the speaker).
 *
 *   Competency score = the answer score when the answer is about the
 *               competency (the question probes it, or one of its keywords has
 *               f >= 0.6), less its negative cues as its topic score counts them;
 *               0 otherwise. Keywords decide what an answer is about, the
 *               evidence how good it is.
 *   Every score is rounded to an integer only at the end.
 */
#include "answer.h"
#include "calibrate.h"
#include "lexicon.h"
#include "hf/arena.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ustring.h>

static const struct {
    double f_concrete, f_action, f_mention, f_negated;
    double kw_points, kw_saturation;
    double star_points, quantity_points;
    int quantity_max;
    double negative_points;
    double struct_star_points, vague_penalty;
    double filler_free_rate, filler_slope, filler_max;
    double min_units, max_units, short_max_penalty, long_penalty;
    double content_w, structure_w, delivery_w;
    double cap_none, cap_thin, cap_nearby;
} K = {
    .f_concrete = 1.0, .f_action = 0.6, .f_mention = 0.3, .f_negated = 0,
    .kw_points = 60, .kw_saturation = 2.0,
    .star_points = 5, .quantity_points = 10, .quantity_max = 2,
    .negative_points = 15,
    .struct_star_points = 25, .vague_penalty = 20,
    .filler_free_rate = 0.03, .filler_slope = 400, .filler_max = 40,
    .min_units = 60, .max_units = 1500, .short_max_penalty = 50, .long_penalty = 10,
    .content_w = 0.6, .structure_w = 0.25, .delivery_w = 0.15,
    /* The rating guide's anchors on the 0..100 scale (rating r is 25 (r - 1)):
     * no evidence of the speaker's behaviour is a 1, at most 2; a plan or a
     * team story without the speaker is a 2, never above; a disowning
     * followed by a nearby story is rated on that story, usually a 2 or 3,
     * and below any real story about the same competency: 40, a 2.6. */
    .cap_none = 20, .cap_thin = 30, .cap_nearby = 40,
};

/* The flags that cap the answer score, and the cap of each. */
static const struct {
    sc_ev_flag_t flag;
    const double *cap;
    const char *rule;
} capped[] = {
    { SC_EVF_KEYWORD_LIST, &K.cap_none, "cap.keyword_list" },
    { SC_EVF_CREDENTIALS, &K.cap_none, "cap.credentials" },
    { SC_EVF_GENERIC_CLAIM, &K.cap_none, "cap.generic_claim" },
    { SC_EVF_NEGATED, &K.cap_none, "cap.negated" },
    { SC_EVF_HYPOTHETICAL, &K.cap_thin, "cap.hypothetical" },
    { SC_EVF_TEAM_WITHOUT_ME, &K.cap_thin, "cap.team_without_me" },
    { SC_EVF_OFF_TOPIC, &K.cap_none, "cap.off_topic" },
    { SC_EVF_NEARBY_STORY, &K.cap_nearby, "cap.nearby_story" },
};
#define N_CAPPED (sizeof capped / sizeof capped[0])

/* The fitted combination, built in (generated from fit/answer.json). */
extern const char sc_answer_fit_json[];
extern const size_t sc_answer_fit_json_len;

enum { TAG_KEYWORD = 1, TAG_NEGATIVE = 2, TAG_VALUE = 3 };
#define MAX_ITEMS 4095
#define TAG(kind, comp, i) ((int)(((unsigned)(kind) << 24) | ((unsigned)(comp) << 12) | (unsigned)(i)))
#define TAG_KIND(t) ((unsigned)(t) >> 24)
#define TAG_COMP(t) (((unsigned)(t) >> 12) & 0xFFF)
#define TAG_ITEM(t) ((unsigned)(t) & 0xFFF)

typedef struct {
    char *name;
    double weight;
    size_t n_kw, n_neg;
    char **kw;
    double *kw_weight;
    char **kw_why;      /* [k * N_CONTEXTS + context]: the reason of a keyword's points */
    char **neg;
} comp_t;

struct sc_scorer {
    uint64_t serial;          /* unique in the process: the question cache's key */
    char *version;
    comp_t *comps;
    size_t n;
    size_t n_values;
    sc_phrases_t *phrases;
    sc_ev_cues_t *ev_cues;
    sc_ordinal_t *fit;        /* the answer score's combination */
    char **fit_rules;         /* "fit.<feature>" per feature of the fit */
};

#define N_CONTEXTS (SC_CTX_CONCRETE + 1)

static double factor_of(sc_context_t c)
{
    static const double *const f[] = { &K.f_negated, &K.f_mention, &K.f_action, &K.f_concrete };
    return *f[c];
}

static const char *const context_rules[] = {
    "keyword.negated", "keyword.mention", "keyword.action", "keyword.concrete",
};

static const char *const context_why[] = {
    "negated", "mentioned without an account of doing it",
    "used in an action without a stated outcome", "inside a concrete account",
};

/* ---- the scorer --------------------------------------------------------- */

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static char **strdupv(const char *const *v, size_t n)
{
    char **out = calloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        out[i] = strdup(v[i] ? v[i] : "");
    return out;
}

static void freev(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

/* The reasons of a competency's keyword points, one per keyword and context,
 * formatted once here rather than for every answer. */
static int keyword_whys(comp_t *d)
{
    d->kw_why = calloc(d->n_kw * N_CONTEXTS + 1, sizeof *d->kw_why);
    for (size_t k = 0; d->kw_why && k < d->n_kw; k++)
        for (int c = 0; c < N_CONTEXTS; c++) {
            char why[256];
            snprintf(why, sizeof why, "keyword \"%s\" %s: %.0f/%.1f x weight %.2f x %.1f",
                     d->kw[k], context_why[c], K.kw_points, K.kw_saturation, d->kw_weight[k],
                     factor_of((sc_context_t)c));
            if (!(d->kw_why[k * N_CONTEXTS + (size_t)c] = strdup(why)))
                return -1;
        }
    return d->kw_why ? 0 : -1;
}

static int check_model(const sc_model_t *m, char *err, size_t errlen)
{
    if (m->n > MAX_ITEMS || m->n_values > MAX_ITEMS) {
        seterr(err, errlen, "model has too many competencies or values: %zu (limit %d)", m->n, MAX_ITEMS);
        return -1;
    }
    for (size_t c = 0; c < m->n; c++) {
        const sc_competency_t *cp = &m->competencies[c];
        if (!cp->name || !*cp->name) {
            seterr(err, errlen, "competency %zu has no name", c);
            return -1;
        }
        if (!(cp->weight >= 0)) {
            seterr(err, errlen, "competency \"%s\" has a negative weight: %g", cp->name, cp->weight);
            return -1;
        }
        if (cp->n_keywords > MAX_ITEMS || cp->n_negative_cues > MAX_ITEMS) {
            seterr(err, errlen, "competency \"%s\" has too many keywords: %zu (limit %d)",
                   cp->name, cp->n_keywords, MAX_ITEMS);
            return -1;
        }
        for (size_t k = 0; k < cp->n_keywords; k++) {
            const sc_keyword_t *kw = &cp->keywords[k];
            if (!kw->term || !*kw->term) {
                seterr(err, errlen, "keyword %zu of competency \"%s\" is empty", k, cp->name);
                return -1;
            }
            if (!(kw->weight >= 0)) {
                seterr(err, errlen, "keyword \"%s\" has a negative weight: %g", kw->term, kw->weight);
                return -1;
            }
        }
    }
    return 0;
}

static int add_phrases(sc_analyzer_t *az, sc_scorer_t *s, const sc_model_t *m,
                       char *err, size_t errlen)
{
    for (size_t c = 0; c < m->n; c++) {
        const sc_competency_t *cp = &m->competencies[c];
        for (size_t k = 0; k < cp->n_keywords; k++) {
            const sc_keyword_t *kw = &cp->keywords[k];
            /* English keywords also match their inflections (text.h, SC_PH_STEM) */
            if (sc_phrases_add(az, s->phrases, kw->term, TAG(TAG_KEYWORD, c, k),
                               SC_PH_INNER | SC_PH_STEM, err, errlen) < 0)
                return -1;
            for (size_t y = 0; y < kw->n_synonyms; y++)
                if (kw->synonyms[y] && *kw->synonyms[y]
                    && sc_phrases_add(az, s->phrases, kw->synonyms[y], TAG(TAG_KEYWORD, c, k),
                                      SC_PH_INNER | SC_PH_STEM, err, errlen) < 0)
                    return -1;
        }
        for (size_t k = 0; k < cp->n_negative_cues; k++)
            if (cp->negative_cues[k] && *cp->negative_cues[k]
                && sc_phrases_add(az, s->phrases, cp->negative_cues[k], TAG(TAG_NEGATIVE, c, k), SC_PH_INNER,
                                  err, errlen) < 0)
                return -1;
    }
    for (size_t v = 0; v < m->n_values; v++)
        if (m->core_values[v] && *m->core_values[v]
            && sc_phrases_add(az, s->phrases, m->core_values[v], TAG(TAG_VALUE, 0, v), SC_PH_INNER,
                              err, errlen) < 0)
            return -1;
    return 0;
}

/* The built-in fit, with a rule name per feature; every feature must be one
 * this build reads (a fit from a newer build is refused, naming the feature). */
static int load_fit(sc_scorer_t *s, char *err, size_t errlen)
{
    json_error_t je;
    json_t *j = json_loadb(sc_answer_fit_json, sc_answer_fit_json_len, 0, &je);
    if (!j) {
        seterr(err, errlen, "built-in fit: %s", je.text);
        return -1;
    }
    s->fit = sc_ordinal_from_json(j, err, errlen);
    json_decref(j);
    if (!s->fit)
        return -1;
    if (!(s->fit_rules = calloc(s->fit->k ? s->fit->k : 1, sizeof *s->fit_rules))) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < s->fit->k; i++) {
        if (s->fit->index[i] < 0) {
            seterr(err, errlen, "built-in fit %s: feature \"%s\" is not known to this scorer",
                   s->fit->version, s->fit->names[i]);
            return -1;
        }
        size_t n = strlen(s->fit->names[i]) + 5;
        if (!(s->fit_rules[i] = malloc(n))) {
            seterr(err, errlen, "out of memory");
            return -1;
        }
        snprintf(s->fit_rules[i], n, "fit.%s", s->fit->names[i]);
    }
    return 0;
}

sc_scorer_t *sc_scorer_new(sc_analyzer_t *az, const sc_model_t *m, char *err, size_t errlen)
{
    if (check_model(m, err, errlen) < 0)
        return NULL;
    sc_scorer_t *s = calloc(1, sizeof *s);
    if (!s || !(s->comps = calloc(m->n ? m->n : 1, sizeof *s->comps))
        || !(s->phrases = sc_phrases_new())
        || !(s->version = strdup(m->version ? m->version : ""))) {
        seterr(err, errlen, "out of memory");
        sc_scorer_destroy(&s);
        return NULL;
    }
    static _Atomic uint64_t serials;
    s->serial = ++serials;
    s->n = m->n;
    s->n_values = m->n_values;
    for (size_t c = 0; c < m->n; c++) {
        const sc_competency_t *cp = &m->competencies[c];
        comp_t *d = &s->comps[c];
        d->name = strdup(cp->name);
        d->weight = cp->weight;
        d->n_kw = cp->n_keywords;
        d->n_neg = cp->n_negative_cues;
        d->kw = calloc(d->n_kw ? d->n_kw : 1, sizeof *d->kw);
        d->kw_weight = calloc(d->n_kw ? d->n_kw : 1, sizeof *d->kw_weight);
        d->neg = strdupv(cp->negative_cues, cp->n_negative_cues);
        if (!d->name || !d->kw || !d->kw_weight || !d->neg) {
            seterr(err, errlen, "out of memory");
            sc_scorer_destroy(&s);
            return NULL;
        }
        for (size_t k = 0; k < d->n_kw; k++) {
            d->kw[k] = strdup(cp->keywords[k].term);
            d->kw_weight[k] = cp->keywords[k].weight;
            if (!d->kw[k]) {
                seterr(err, errlen, "out of memory");
                sc_scorer_destroy(&s);
                return NULL;
            }
        }
        if (keyword_whys(d) < 0) {
            seterr(err, errlen, "out of memory");
            sc_scorer_destroy(&s);
            return NULL;
        }
    }
    if (add_phrases(az, s, m, err, errlen) < 0 || !(s->ev_cues = sc_ev_cues_new(az, err, errlen))
        || load_fit(s, err, errlen) < 0) {
        sc_scorer_destroy(&s);
        return NULL;
    }
    return s;
}

void sc_scorer_destroy(sc_scorer_t **sp)
{
    if (!sp || !*sp)
        return;
    sc_scorer_t *s = *sp;
    for (size_t c = 0; s->comps && c < s->n; c++) {
        free(s->comps[c].name);
        freev(s->comps[c].kw, s->comps[c].n_kw);
        free(s->comps[c].kw_weight);
        freev(s->comps[c].kw_why, s->comps[c].kw_why ? s->comps[c].n_kw * N_CONTEXTS : 0);
        freev(s->comps[c].neg, s->comps[c].n_neg);
    }
    free(s->comps);
    free(s->version);
    sc_phrases_destroy(&s->phrases);
    sc_ev_cues_destroy(&s->ev_cues);
    if (s->fit)
        freev(s->fit_rules, s->fit->k);
    sc_ordinal_destroy(&s->fit);
    free(s);
    *sp = NULL;
}

/* ---- analysis ----------------------------------------------------------- */

/* Everything one analysis needs, freed together at the end. */
typedef struct {
    const sc_scorer_t *s;
    sc_text_t *t;
    sc_evidence_t ev;
    sc_matches_t m;
    hf_arena_t *arena;
    sc_answer_t *a;
    const sc_text_t *q;       /* the question, NULL when none (the question cache's) */
    const bool *subject;      /* per token of q: a subject word (not frame, not too short) */
    uint32_t *topic;          /* ranges of the answer about the question's subject */
    size_t ntopic;
} run_t;

static sc_context_t context_of(const run_t *r, const sc_match_t *m, sc_span_t *neg)
{
    const sc_text_t *t = r->t;
    if (sc_evidence_negated(t, &r->ev, m->start, m->tok, neg))
        return SC_CTX_NEGATED;
    if (sc_evidence_claimed(t, &r->ev, m->start, m->tok))
        return SC_CTX_MENTION;
    uint32_t si = t->toks[m->tok].sentence;
    const sc_sentence_t *s = &r->ev.sentences[si];
    bool acting = (s->cue[SC_F_ACTOR].found || s->actor_carried) && s->cue[SC_F_ACTION].found;
    if (!acting)
        return SC_CTX_MENTION;
    bool outcome = s->cue[SC_F_RESULT].found
        || (si + 1 < r->ev.n_sentences && r->ev.sentences[si + 1].cue[SC_F_RESULT].found);
    return outcome ? SC_CTX_CONCRETE : SC_CTX_ACTION;
}

static int find_hits(run_t *r)
{
    sc_answer_t *a = r->a;
    size_t n = 0;
    for (size_t i = 0; i < r->m.n; i++)
        n += TAG_KIND(r->m.v[i].tag) == TAG_KEYWORD;
    a->hits = hf_arena_alloc(r->arena, (n ? n : 1) * sizeof *a->hits);
    if (!a->hits)
        return -1;
    for (size_t i = 0; i < r->m.n; i++) {
        const sc_match_t *m = &r->m.v[i];
        if (TAG_KIND(m->tag) != TAG_KEYWORD)
            continue;
        sc_hit_t *h = &a->hits[a->n_hits++];
        memset(h, 0, sizeof *h);
        h->competency = TAG_COMP(m->tag);
        h->keyword = TAG_ITEM(m->tag);
        h->term = hf_arena_strdup(r->arena, r->s->comps[h->competency].kw[h->keyword]);
        if (!h->term)
            return -1;
        h->span = sc_text_span(r->t, m->start, m->end);
        h->sentence = r->t->toks[m->tok].sentence;
        h->context = context_of(r, m, &h->negation);
        h->factor = factor_of(h->context);
    }
    /* the best occurrence of each keyword counts; the first one on ties */
    for (size_t i = 0; i < a->n_hits; i++) {
        sc_hit_t *h = &a->hits[i], *best = h;
        for (size_t j = 0; j < a->n_hits; j++) {
            sc_hit_t *o = &a->hits[j];
            if (o->competency == h->competency && o->keyword == h->keyword
                && (o->factor > best->factor || (o->factor == best->factor && j < (size_t)(best - a->hits))))
                best = o;
        }
        h->counted = best == h;
    }
    return 0;
}

static int find_values(run_t *r)
{
    sc_answer_t *a = r->a;
    a->values = hf_arena_alloc(r->arena, (r->m.n ? r->m.n : 1) * sizeof *a->values);
    if (!a->values)
        return -1;
    for (size_t i = 0; i < r->m.n; i++) {
        const sc_match_t *m = &r->m.v[i];
        if (TAG_KIND(m->tag) == TAG_VALUE)
            a->values[a->n_values++] = (sc_value_hit_t){
                TAG_ITEM(m->tag), sc_text_span(r->t, m->start, m->end),
                sc_evidence_negated(r->t, &r->ev, m->start, m->tok, NULL) };
    }
    return 0;
}

/* ---- scores ------------------------------------------------------------- */

/* Add a contribution whose reason lives as long as the answer (static or in its arena). */
static void add_why(sc_score_t *sc, double points, const char *rule, sc_span_t span,
                    const char *why)
{
    sc_contribution_t *c = &sc->contribs[sc->n_contribs++];
    c->points = points;
    c->rule = rule;
    c->why = why;
    c->span = span;
    sc->value += points;
}

/* Add a contribution with a formatted reason (copied into the answer). */
static void add(run_t *r, sc_score_t *sc, double points, const char *rule, sc_span_t span,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void add(run_t *r, sc_score_t *sc, double points, const char *rule, sc_span_t span,
                const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    add_why(sc, points, rule, span, hf_arena_strdup(r->arena, why));
}

static int start_score(run_t *r, sc_score_t *sc, const char *name, size_t max_contribs)
{
    sc->name = name;
    sc->contribs = hf_arena_alloc(r->arena, max_contribs * sizeof *sc->contribs);
    return sc->contribs ? 0 : -1;
}

/* Clamp into 0..100 as a visible contribution, then round. */
static void finish_score(sc_score_t *sc)
{
    static const sc_span_t none = { 0, 0 };
    if (sc->value < 0)
        add_why(sc, -sc->value, "floor", none, "scores do not go below 0");
    if (sc->value > 100)
        add_why(sc, 100 - sc->value, "cap", none, "scores do not go above 100");
    sc->score = (int)lround(sc->value);
}

/* Reasons that do not vary, so no answer formats them (in sc_star_part_t and sc_qkind_t order). */
static const char *const star_rules[SC_STAR_N] = {
    "star.situation", "star.task", "star.action", "star.result",
};
static const char *const star_whys[SC_STAR_N] = {
    "the answer states the situation", "the answer states the task",
    "the answer states the action", "the answer states the result",
};
static const char *const structure_whys[SC_STAR_N] = {
    "STAR situation present", "STAR task present", "STAR action present", "STAR result present",
};
static const char *const quantity_whys[] = {
    "quantified result (percent)", "quantified result (times)", "quantified result (duration)",
    "quantified result (money)", "quantified result (count)",
};

bool sc_answer_counts_result(const sc_answer_t *a, const sc_quantity_t *q)
{
    if (!sc_quantity_is_result(q))
        return false;
    const sc_star_evidence_t *r = &a->star[SC_STAR_RESULT];
    if (r->present && r->borrowed && r->sentence_span.start <= q->span.start
        && q->span.end <= r->sentence_span.end)
        return false;
    for (size_t i = 0; i < a->n_sentences; i++)
        if (a->sentences[i].span.start <= q->span.start && q->span.end <= a->sentences[i].span.end)
            return !a->sentences[i].cue[SC_F_TASK].found;
    return true;
}

static size_t result_quantities(const sc_answer_t *a, size_t *first)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_quantities; i++)
        if (sc_answer_counts_result(a, &a->quantities[i]) && n++ == 0)
            *first = i;
    return n;
}

static int score_topic(run_t *r, size_t c)
{
    const comp_t *cp = &r->s->comps[c];
    sc_answer_t *a = r->a;
    sc_competency_score_t *cs = &a->competencies[c];
    static const sc_span_t none = { 0, 0 };
    if (start_score(r, &cs->topic, cs->s.name, cp->n_kw + cp->n_neg + SC_STAR_N + K.quantity_max + 4) < 0)
        return -1;
    cs->weight = cp->weight;
    bool in_account = false;
    double best = 0, per_unit = K.kw_points / K.kw_saturation;
    for (size_t i = 0; i < a->n_hits; i++) {
        const sc_hit_t *h = &a->hits[i];
        if (h->competency != c || !h->counted)
            continue;
        double w = cp->kw_weight[h->keyword];
        cs->evidence += w * h->factor;
        in_account |= h->factor >= K.f_action;
        if (h->factor >= K.f_action && h->factor > best) {
            cs->account_span = h->span;
            best = h->factor;
        }
        add_why(&cs->topic, per_unit * w * h->factor, context_rules[h->context], h->span,
                hf_arena_strdup(r->arena, cp->kw_why[h->keyword * N_CONTEXTS + h->context]));
    }
    if (cs->evidence > K.kw_saturation)
        add(r, &cs->topic, -per_unit * (cs->evidence - K.kw_saturation), "keyword.saturation", none,
            "keyword evidence %.2f is capped at %.1f", cs->evidence, K.kw_saturation);
    if (in_account) {
        for (int p = 0; p < SC_STAR_N; p++)
            if (sc_star_earns(&a->star[p]))
                add_why(&cs->topic, K.star_points, star_rules[p], a->star[p].cue, star_whys[p]);
        int nq = 0;
        for (size_t i = 0; i < a->n_quantities && nq < K.quantity_max; i++)
            if (sc_answer_counts_result(a, &a->quantities[i])) {
                nq++;
                add_why(&cs->topic, K.quantity_points, "quantity.result", a->quantities[i].span,
                        quantity_whys[a->quantities[i].kind]);
            }
    } else if (a->n_hits) {
        size_t q = 0;
        bool any = false;
        for (size_t i = 0; i < a->n_hits; i++)
            any |= a->hits[i].competency == c;
        if (any && (result_quantities(a, &q) || a->star[SC_STAR_ACTION].present))
            add_why(&cs->topic, 0, "bonus.withheld", none,
                    "no keyword of this competency is inside an account, so STAR and quantity bonuses do not apply");
    }
    for (size_t i = 0; i < r->m.n; i++) {
        const sc_match_t *m = &r->m.v[i];
        if (TAG_KIND(m->tag) != TAG_NEGATIVE || TAG_COMP(m->tag) != c)
            continue;
        bool dup = false;
        for (size_t j = 0; j < i; j++)
            dup |= r->m.v[j].tag == m->tag;
        if (dup || sc_evidence_negated(r->t, &r->ev, m->start, m->tok, NULL))
            continue;
        add(r, &cs->topic, -K.negative_points, "negative_cue", sc_text_span(r->t, m->start, m->end),
            "negative cue \"%s\"", cp->neg[TAG_ITEM(m->tag)]);
    }
    cs->account = in_account;
    finish_score(&cs->topic);
    return 0;
}

/* The competency's score: the answer's when the answer is about it, less the
 * negative cues its topic score counted (甩锅 lowers 跨团队协作 whatever the
 * story); 0 with the reason otherwise. */
static int score_competency(run_t *r, size_t c)
{
    sc_answer_t *a = r->a;
    sc_competency_score_t *cs = &a->competencies[c];
    static const sc_span_t none = { 0, 0 };
    if (start_score(r, &cs->s, cs->s.name, cs->topic.n_contribs + 3) < 0)
        return -1;
    if (cs->probed || cs->account)
        add(r, &cs->s, a->answer.value, "competency.answer", cs->account ? cs->account_span : none,
            cs->probed ? "the question asks about %s: the answer's score %.1f"
                       : "the answer gives an account with a keyword of %s: the answer's score %.1f",
            cs->s.name, a->answer.value);
    else
        add_why(&cs->s, 0, "competency.no_account", none,
                "the answer gives no account with a keyword of this competency");
    for (size_t i = 0; i < cs->topic.n_contribs; i++)
        if (!strcmp(cs->topic.contribs[i].rule, "negative_cue"))
            add_why(&cs->s, cs->topic.contribs[i].points, "negative_cue", cs->topic.contribs[i].span,
                    cs->topic.contribs[i].why);
    finish_score(&cs->s);
    return 0;
}

/* Does the answer's token at unit u start the question's Han subject word w
 * ([w, w + n) units)? */
static bool han_at(const sc_text_t *t, uint32_t u, const UChar *w, uint32_t n)
{
    return u + n <= t->nlen && memcmp(t->norm + u, w, n * sizeof *w) == 0;
}

/* The answer's words about the question's subject: the question's subject
 * words (English by stem, Han words anywhere in the answer's text, each
 * distinct word counted once in topic_words) and the probed competencies'
 * keywords. Fills r->topic (ranges for evidence.c) and the topic fields.
 * One pass over the answer per subject word: questions have a handful. */
static int find_topic(run_t *r)
{
    sc_answer_t *a = r->a;
    const sc_text_t *t = r->t, *q = r->q;
    size_t cap = r->m.n + 16;
    r->topic = malloc(cap * 2 * sizeof *r->topic);
    bool *on = calloc(t->nsents + 1, sizeof *on);
    if (!r->topic || !on) {
        free(on);
        return -1;
    }
    uint32_t first = UINT32_MAX, first_end = 0;
#define TOPIC_ADD(x, y)                                                                         \
    do {                                                                                        \
        if (r->ntopic == cap) {                                                                 \
            uint32_t *v = realloc(r->topic, (cap *= 2) * 2 * sizeof *v);                        \
            if (!v) {                                                                           \
                free(on);                                                                       \
                return -1;                                                                      \
            }                                                                                   \
            r->topic = v;                                                                       \
        }                                                                                       \
        r->topic[2 * r->ntopic] = (x);                                                          \
        r->topic[2 * r->ntopic++ + 1] = (y);                                                    \
        if ((x) < first) {                                                                      \
            first = (x);                                                                        \
            first_end = (y);                                                                    \
        }                                                                                       \
    } while (0)
    for (size_t i = 0; i < r->m.n; i++) {
        const sc_match_t *m = &r->m.v[i];
        if (TAG_KIND(m->tag) == TAG_KEYWORD && a->competencies[TAG_COMP(m->tag)].probed) {
            on[t->toks[m->tok].sentence] = true;
            TOPIC_ADD(m->start, m->end);
        }
    }
    for (uint32_t j = 0; q && r->subject && j < q->ntoks; j++) {
        if (!r->subject[j])
            continue;
        const sc_token_t *qt = &q->toks[j];
        bool seen = false, dup = false;
        /* the same word earlier in the question counts once */
        for (uint32_t e = 0; e < j && !dup; e++)
            dup = r->subject[e] && q->toks[e].kind == qt->kind
                && (qt->kind == SC_TOK_IDEO
                        ? q->toks[e].end - q->toks[e].start == qt->end - qt->start
                            && han_at(q, q->toks[e].start, q->norm + qt->start, qt->end - qt->start)
                        : q->stem_at[e + 1] - q->stem_at[e] == q->stem_at[j + 1] - q->stem_at[j]
                            && !memcmp(q->stems + q->stem_at[e], q->stems + q->stem_at[j],
                                       q->stem_at[j + 1] - q->stem_at[j]));
        if (dup)
            continue;
        if (qt->kind == SC_TOK_IDEO) {
            /* anywhere in the text: the answer's words may be cut otherwise (新客户, 客户) */
            uint32_t n = qt->end - qt->start;
            for (uint32_t u = 0; u + n <= t->nlen; u++)
                if (t->norm[u] == q->norm[qt->start] && han_at(t, u, q->norm + qt->start, n)) {
                    seen = on[t->toks[sc_text_token_at(t, u)].sentence] = true;
                    TOPIC_ADD(u, u + n);
                    u += n - 1;
                }
            a->topic_words += seen;
            continue;
        }
        for (uint32_t k = 0; k < t->ntoks; k++) {
            const sc_token_t *tk = &t->toks[k];
            if (tk->kind == SC_TOK_LETTER && t->stem_at) {
                uint32_t n = q->stem_at[j + 1] - q->stem_at[j];
                if (t->stem_at[k + 1] - t->stem_at[k] == n
                    && !memcmp(t->stems + t->stem_at[k], q->stems + q->stem_at[j], n)) {
                    seen = on[tk->sentence] = true;
                    TOPIC_ADD(tk->start, tk->end);
                }
            }
        }
        a->topic_words += seen;
    }
#undef TOPIC_ADD
    for (uint32_t s = 0; s < t->nsents; s++)
        a->topic_sentences += on[s];
    a->topic_share = t->nsents ? (double)a->topic_sentences / (double)t->nsents : 0;
    if (first != UINT32_MAX)
        a->topic_span = sc_text_span(t, first, first_end);
    free(on);
    return 0;
}

/* What a question comes to under a scorer: its text, its subject words and
 * the competencies it probes. An interview's questions come from a bank and
 * repeat from candidate to candidate, so the analyzer (one per thread) keeps
 * the last QUESTIONS of them: segmenting and scanning the question was about
 * a twentieth of a Chinese answer's analysis. */
#define QUESTIONS 32

typedef struct {
    uint64_t scorer;          /* sc_scorer_t.serial; 0: an empty entry */
    uint64_t used;            /* the cache's clock at its last use */
    char *question;           /* the text q borrows */
    sc_text_t *q;             /* NULL when it did not segment (out of memory) */
    bool *subject;            /* per token of q, NULL when q has none */
    bool *probed;             /* per competency of the scorer */
    bool any;                 /* some competency probed by name */
} question_t;

typedef struct {
    question_t v[QUESTIONS];
    uint64_t clock;
} questions_t;

static void question_clear(question_t *e)
{
    free(e->question);
    sc_text_destroy(&e->q);
    free(e->subject);
    free(e->probed);
    *e = (question_t){ 0 };
}

static void questions_free(void *p)
{
    questions_t *qs = p;
    for (size_t i = 0; i < QUESTIONS; i++)
        question_clear(&qs->v[i]);
    free(qs);
}

/* Fill e (cleared) with question under s. Returns 0, or -1 out of memory. */
static int question_analyze(question_t *e, sc_analyzer_t *az, const sc_scorer_t *s,
                            const char *question)
{
    if (!(e->question = strdup(question)) || !(e->probed = calloc(s->n + 1, sizeof *e->probed)))
        return -1;
    sc_text_t *q = e->q = sc_text_new(az, e->question, strlen(e->question), NULL, 0);
    sc_matches_t m = { 0 };
    if (q)
        sc_phrases_scan(s->phrases, q, sc_matches_collect, &m);
    for (size_t i = 0; i < m.n; i++)
        if (TAG_KIND(m.v[i].tag) == TAG_KEYWORD)
            e->probed[TAG_COMP(m.v[i].tag)] = e->any = true;
    free(m.v);
    if (m.oom)
        return -1;
    /* the question's subject words: not its frame (tell, 讲一次, 经历), English
     * words of three letters or more by stem, Han words of two characters or more */
    if (q && q->ntoks) {
        if (!(e->subject = malloc(q->ntoks * sizeof *e->subject)))
            return -1;
        sc_ev_frame_tokens(s->ev_cues, q, e->subject);
        for (uint32_t k = 0; k < q->ntoks; k++) {
            const sc_token_t *tk = &q->toks[k];
            bool word = (tk->kind == SC_TOK_IDEO && tk->end - tk->start >= 2)
                || (tk->kind == SC_TOK_LETTER && q->stem_at
                    && q->stem_at[k + 1] - q->stem_at[k] >= 3);
            e->subject[k] = word && !e->subject[k];
        }
    }
    e->scorer = s->serial;
    return 0;
}

/* The analysis of question under s: the analyzer's if it has it, else made
 * in place of the least recently used. NULL when out of memory. */
static const question_t *question_of(sc_analyzer_t *az, const sc_scorer_t *s,
                                     const char *question)
{
    sc_analyzer_slot_t *slot = sc_analyzer_slot(az);
    if (!slot->p) {
        if (!(slot->p = calloc(1, sizeof(questions_t))))
            return NULL;
        slot->free_fn = questions_free;
    }
    questions_t *qs = slot->p;
    question_t *old = &qs->v[0];
    for (size_t i = 0; i < QUESTIONS; i++) {
        question_t *e = &qs->v[i];
        if (e->scorer == s->serial && !strcmp(e->question, question)) {
            e->used = ++qs->clock;
            return e;
        }
        if (e->used < old->used)
            old = e;
    }
    question_clear(old);
    if (question_analyze(old, az, s, question) < 0) {
        question_clear(old);
        return NULL;
    }
    old->used = ++qs->clock;
    return old;
}

static int find_probed(run_t *r, sc_analyzer_t *az, const char *question)
{
    sc_answer_t *a = r->a;
    bool any = false;
    if (question && *question) {
        const question_t *e = question_of(az, r->s, question);
        if (!e)
            return -1;
        r->q = e->q;
        r->subject = e->subject;
        for (size_t c = 0; c < a->n_competencies; c++)
            a->competencies[c].probed = e->probed[c];
        any = e->any;
    }
    for (size_t c = 0; c < a->n_competencies && !any; c++)
        a->competencies[c].probed = true;
    return 0;
}

static int score_content(run_t *r)
{
    sc_answer_t *a = r->a;
    static const sc_span_t none = { 0, 0 };
    if (start_score(r, &a->content, "content", a->n_competencies + 2) < 0)
        return -1;
    double wsum = 0;
    size_t n = 0;
    for (size_t c = 0; c < a->n_competencies; c++)
        if (a->competencies[c].probed) {
            wsum += a->competencies[c].weight;
            n++;
        }
    for (size_t c = 0; c < a->n_competencies; c++) {
        const sc_competency_score_t *cs = &a->competencies[c];
        if (!cs->probed)
            continue;
        double share = wsum > 0 ? cs->weight / wsum : 1.0 / (double)n;
        add(r, &a->content, share * cs->topic.value, "content.competency", none,
            "%s topic %.1f, weight share %.3f", cs->s.name, cs->topic.value, share);
    }
    if (!n)
        add_why(&a->content, 0, "content.no_model", none, "the model has no competencies");
    finish_score(&a->content);
    return 0;
}

static int score_structure(run_t *r)
{
    sc_answer_t *a = r->a;
    if (start_score(r, &a->structure, "structure", SC_STAR_N + 3) < 0)
        return -1;
    for (int p = 0; p < SC_STAR_N; p++)
        if (sc_star_earns(&a->star[p]))
            add_why(&a->structure, K.struct_star_points, "structure.star", a->star[p].cue,
                    structure_whys[p]);
    bool vague = false, acting = false;
    sc_span_t vspan = { 0, 0 };
    for (size_t i = 0; i < a->n_sentences; i++) {
        const sc_sentence_t *s = &a->sentences[i];
        if (s->cue[SC_F_VAGUE].found && !vague) {
            vague = true;
            vspan = s->cue[SC_F_VAGUE].span;
        }
        acting |= (s->cue[SC_F_ACTOR].found || s->actor_carried) && s->cue[SC_F_ACTION].found;
    }
    if (vague && !acting)
        add_why(&a->structure, -K.vague_penalty, "structure.claims_without_example", vspan,
                "claims such as this one are not backed by an account of something the candidate did");
    finish_score(&a->structure);
    return 0;
}

static int score_delivery(run_t *r)
{
    sc_answer_t *a = r->a;
    static const sc_span_t none = { 0, 0 };
    if (start_score(r, &a->delivery, "delivery", 5) < 0)
        return -1;
    add_why(&a->delivery, 100, "delivery.base", none, "delivery starts at 100");
    double excess = a->filler_rate - K.filler_free_rate;
    if (excess > 0) {
        double p = fmin(K.filler_max, K.filler_slope * excess);
        add(r, &a->delivery, -p, "delivery.fillers", a->n_fillers ? a->fillers[0] : none,
            "%zu fillers in %zu words (rate %.3f, %.2f tolerated)", a->n_fillers, a->n_words,
            a->filler_rate, K.filler_free_rate);
    }
    if (a->length == SC_LEN_SHORT)
        add(r, &a->delivery, -K.short_max_penalty * (1 - (double)a->length_units / K.min_units),
            "delivery.short", none, "answer has %zu characters/words, %.0f expected",
            a->length_units, K.min_units);
    else if (a->length == SC_LEN_LONG)
        add(r, &a->delivery, -K.long_penalty, "delivery.long", none,
            "answer has %zu characters/words, over %.0f", a->length_units, K.max_units);
    finish_score(&a->delivery);
    return 0;
}

static int score_composite(run_t *r)
{
    sc_answer_t *a = r->a;
    static const sc_span_t none = { 0, 0 };
    if (start_score(r, &a->composite, "composite", 5) < 0)
        return -1;
    add(r, &a->composite, K.content_w * a->content.value, "composite.content", none,
        "%.2f x content %.1f", K.content_w, a->content.value);
    add(r, &a->composite, K.structure_w * a->structure.value, "composite.structure", none,
        "%.2f x structure %.1f", K.structure_w, a->structure.value);
    add(r, &a->composite, K.delivery_w * a->delivery.value, "composite.delivery", none,
        "%.2f x delivery %.1f", K.delivery_w, a->delivery.value);
    finish_score(&a->composite);
    return 0;
}

/* The fitted combination of the features, explained, then the caps. */
static int score_answer(run_t *r)
{
    sc_answer_t *a = r->a;
    const sc_ordinal_t *f = r->s->fit;
    static const sc_span_t none = { 0, 0 };
    double *x = hf_arena_alloc(r->arena, 2 * (f->k ? f->k : 1) * sizeof *x), base;
    if (!x || start_score(r, &a->answer, "answer", f->k + N_CAPPED + 3) < 0
        || sc_ordinal_read_answer(f, a, x, NULL, 0) < 0)
        return -1;
    double *points = x + f->k;
    a->scorer_version = hf_arena_strdup(r->arena, f->version);
    sc_ordinal_explain(f, x, &base, points);
    add(r, &a->answer, base, "fit.base", none,
        "an answer with none of the features below scores %.1f (fit %s)", base, f->version);
    for (size_t j = 0; j < f->k; j++)
        if (points[j] != 0) {
            const sc_feature_def_t *d = sc_feature_def((size_t)f->index[j]);
            add(r, &a->answer, points[j], r->s->fit_rules[j], d->span ? d->span(a) : none,
                "%s: %.3g", d->what, x[j]);
        }
    for (size_t i = 0; i < N_CAPPED; i++) {
        const sc_ev_flagged_t *fl = &a->evidence.flag[capped[i].flag];
        if (!fl->set)
            continue;
        a->cap[capped[i].flag] = *capped[i].cap;
        if (a->answer.value > *capped[i].cap) {
            a->capped[capped[i].flag] = true;
            add(r, &a->answer, *capped[i].cap - a->answer.value, capped[i].rule,
                fl->span, "capped at %.0f: %s", *capped[i].cap, fl->reason);
        }
    }
    finish_score(&a->answer);
    return 0;
}

/* ---- keyword cloud ------------------------------------------------------ */

static int term_cmp(const void *x, const void *y)
{
    const sc_term_t *a = x, *b = y;
    if (a->count != b->count)
        return a->count < b->count ? 1 : -1;
    return strcmp(a->term, b->term);
}

/* The keyword cloud being built: an open-addressing index over a->terms by
 * (competency, text), so counting a word is one probe, not a scan. */
typedef struct {
    uint32_t *slot;     /* 1 + index into a->terms; 0 is empty */
    size_t mask;
} cloud_t;

static size_t term_hash(const char *s, long comp)
{
    uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)comp;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return (size_t)(h ^ (h >> 29));
}

static int add_term(run_t *r, cloud_t *cl, const char *term, long comp)
{
    sc_answer_t *a = r->a;
    size_t i = term_hash(term, comp) & cl->mask;
    for (; cl->slot[i]; i = (i + 1) & cl->mask) {
        sc_term_t *x = &a->terms[cl->slot[i] - 1];
        if (x->competency == comp && !strcmp(x->term, term)) {
            x->count++;
            return 0;
        }
    }
    const char *copy = comp >= 0 ? term : hf_arena_strdup(r->arena, term);
    if (!copy)
        return -1;
    a->terms[a->n_terms++] = (sc_term_t){ copy, 1, comp };
    cl->slot[i] = (uint32_t)a->n_terms;
    return 0;
}

static bool stopword(const char *w)
{
    static const char *const words[] = {
        "about", "also", "been", "could", "from", "have", "into", "just", "that", "their",
        "then", "there", "they", "this", "what", "which", "with", "would", "were", "will",
    };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (!strcmp(w, words[i]))
            return true;
    return false;
}

/* Competency keywords under their model names, and the other words of two
 * or more characters that are not in the lexicon (我, 然后, the, ...). */
static int add_terms(run_t *r, cloud_t *cl)
{
    sc_answer_t *a = r->a;
    const sc_text_t *t = r->t;
    for (size_t i = 0; i < a->n_hits; i++)
        if (a->hits[i].context != SC_CTX_NEGATED
            && add_term(r, cl, a->hits[i].term, (long)a->hits[i].competency) < 0)
            return -1;
    size_t hit = 0, cue = 0;
    for (uint32_t k = 0; k < t->ntoks; k++) {
        const sc_token_t *tok = &t->toks[k];
        if ((tok->kind != SC_TOK_IDEO && tok->kind != SC_TOK_LETTER) || tok->end - tok->start < 2
            || (tok->kind == SC_TOK_LETTER && tok->end - tok->start < 4))
            continue;
        while (hit < r->m.n && r->m.v[hit].end <= tok->start)
            hit++;
        if (hit < r->m.n && r->m.v[hit].start <= tok->start)
            continue; /* part of a keyword */
        while (cue < r->ev.n_cues && r->ev.cues[cue].end <= tok->start)
            cue++;
        if (cue < r->ev.n_cues && r->ev.cues[cue].start <= tok->start)
            continue; /* a lexicon word */
        char buf[128];
        UErrorCode e = U_ZERO_ERROR;
        u_strToUTF8(buf, sizeof buf, NULL, t->norm + tok->start, (int32_t)(tok->end - tok->start), &e);
        if (U_SUCCESS(e) && e != U_STRING_NOT_TERMINATED_WARNING
            && !(tok->kind == SC_TOK_LETTER && stopword(buf)) && add_term(r, cl, buf, -1) < 0)
            return -1;
    }
    return 0;
}

/* The keyword cloud (a->terms) by count, then term. */
static int build_terms(run_t *r)
{
    sc_answer_t *a = r->a;
    const sc_text_t *t = r->t;
    size_t max = t->ntoks + a->n_hits + 1, slots = 16;
    while (slots < 2 * max)
        slots *= 2;
    cloud_t cl = { calloc(slots, sizeof *cl.slot), slots - 1 };
    a->terms = hf_arena_alloc(r->arena, max * sizeof *a->terms);
    int rc = cl.slot && a->terms ? add_terms(r, &cl) : -1;
    free(cl.slot);
    if (rc < 0)
        return -1;
    qsort(a->terms, a->n_terms, sizeof *a->terms, term_cmp);
    return 0;
}

/* ---- the whole analysis ------------------------------------------------- */

static void *copy(run_t *r, const void *src, size_t n, size_t size)
{
    void *d = hf_arena_alloc(r->arena, (n ? n : 1) * size);
    if (d && n)
        memcpy(d, src, n * size);
    return d;
}

static int measure(run_t *r)
{
    sc_answer_t *a = r->a;
    const sc_text_t *t = r->t;
    a->lang = t->lang;
    a->n_words = r->ev.n_words;
    a->length_units = t->n_han + t->n_latin_words;
    a->length = a->length_units < K.min_units ? SC_LEN_SHORT
        : a->length_units > K.max_units ? SC_LEN_LONG : SC_LEN_ADEQUATE;
    a->sentences = copy(r, r->ev.sentences, r->ev.n_sentences, sizeof *a->sentences);
    a->n_sentences = r->ev.n_sentences;
    a->quantities = copy(r, r->ev.quantities, r->ev.n_quantities, sizeof *a->quantities);
    a->n_quantities = r->ev.n_quantities;
    a->fillers = copy(r, r->ev.fillers, r->ev.n_fillers, sizeof *a->fillers);
    a->n_fillers = r->ev.n_fillers;
    a->filler_rate = a->n_words ? (double)a->n_fillers / (double)a->n_words : 0;
    memcpy(a->star, a->evidence.star, sizeof a->star);
    return a->sentences && a->quantities && a->fillers ? 0 : -1;
}

static int analyze(run_t *r, sc_analyzer_t *az, const char *question)
{
    sc_answer_t *a = r->a;
    sc_phrases_scan(r->s->phrases, r->t, sc_matches_collect, &r->m);
    uint32_t *skip = malloc((r->m.n ? r->m.n : 1) * 2 * sizeof *skip);
    if (r->m.oom || !skip || find_probed(r, az, question) < 0 || find_topic(r) < 0) {
        free(skip);
        return -1;
    }
    size_t nskip = 0;
    for (size_t i = 0; i < r->m.n; i++)
        if (TAG_KIND(r->m.v[i].tag) == TAG_KEYWORD) {
            skip[2 * nskip] = r->m.v[i].start;
            skip[2 * nskip++ + 1] = r->m.v[i].end;
        }
    int rc = sc_evidence_build(az, r->t, skip, nskip, &r->ev);
    sc_ev_t ev = { 0 };
    if (rc == 0)
        rc = sc_ev_analyze_topic(r->s->ev_cues, r->t, &r->ev, skip, nskip, r->topic, r->ntopic, &ev);
    free(skip);
    if (rc == 0) {
        a->evidence = ev;
        a->evidence.items = copy(r, ev.items, ev.n_items, sizeof *ev.items);
        rc = a->evidence.items ? 0 : -1;
    }
    sc_ev_free(&ev);
    if (rc < 0 || measure(r) < 0 || find_hits(r) < 0 || find_values(r) < 0)
        return -1;
    for (size_t c = 0; c < a->n_competencies; c++)
        if (score_topic(r, c) < 0)
            return -1;
    if (score_content(r) < 0 || score_structure(r) < 0 || score_delivery(r) < 0
        || score_composite(r) < 0 || score_answer(r) < 0 || build_terms(r) < 0)
        return -1;
    for (size_t c = 0; c < a->n_competencies; c++)
        if (score_competency(r, c) < 0)
            return -1;
    return 0;
}

static void mark_unscored(sc_answer_t *a)
{
    sc_score_t *all[] = { &a->content, &a->structure, &a->delivery, &a->composite, &a->answer };
    static const char *const names[] = { "content", "structure", "delivery", "composite", "answer" };
    for (size_t i = 0; i < 5; i++) {
        all[i]->name = names[i];
        all[i]->score = -1;
    }
    for (size_t c = 0; c < a->n_competencies; c++)
        a->competencies[c].s.score = a->competencies[c].topic.score = -1;
}

static bool has_words(const sc_text_t *t)
{
    for (uint32_t k = 0; k < t->ntoks; k++)
        if (t->toks[k].kind != SC_TOK_SPACE && t->toks[k].kind != SC_TOK_PUNCT)
            return true;
    return false;
}

int sc_answer_analyze(sc_analyzer_t *az, const sc_scorer_t *s, const char *question,
                      const char *answer, size_t len, sc_answer_t **out,
                      char *err, size_t errlen)
{
    *out = NULL;
    run_t r = { .s = s };
    r.t = sc_text_new(az, answer ? answer : "", answer ? len : 0, err, errlen);
    if (!r.t)
        return -1;
    r.arena = hf_arena_new(0);
    r.a = r.arena ? hf_arena_alloc(r.arena, sizeof *r.a) : NULL;
    sc_answer_t *a = r.a;
    if (a) {
        memset(a, 0, sizeof *a);
        a->arena_ = r.arena;
        a->model_version = hf_arena_strdup(r.arena, s->version);
        a->n_competencies = s->n;
        a->competencies = hf_arena_alloc(r.arena, (s->n ? s->n : 1) * sizeof *a->competencies);
    }
    int rc = a && a->competencies ? 0 : -1;
    if (!rc) {
        memset(a->competencies, 0, (s->n ? s->n : 1) * sizeof *a->competencies);
        for (size_t c = 0; c < s->n; c++) {
            a->competencies[c].s.name = hf_arena_strdup(r.arena, s->comps[c].name);
            a->competencies[c].weight = s->comps[c].weight;
        }
        if (!has_words(r.t)) {
            a->empty = true;
            a->missing = "answer is empty";
            a->lang = SC_LANG_NONE;
            mark_unscored(a);
        } else {
            rc = analyze(&r, az, question);
        }
    }
    sc_evidence_free(&r.ev);
    free(r.m.v);
    free(r.topic);
    sc_text_destroy(&r.t);
    if (rc < 0) {
        seterr(err, errlen, "out of memory");
        hf_arena_destroy(&r.arena);
        return -1;
    }
    *out = a;
    return 0;
}

void sc_answer_free(sc_answer_t **ap)
{
    if (!ap || !*ap)
        return;
    hf_arena_t *arena = (*ap)->arena_;
    hf_arena_destroy(&arena);
    *ap = NULL;
}

const char *sc_context_name(sc_context_t c)
{
    static const char *const names[] = { "negated", "mention", "action", "concrete" };
    return names[c];
}

const char *sc_length_name(sc_length_t l)
{
    static const char *const names[] = { "short", "adequate", "long" };
    return names[l];
}
