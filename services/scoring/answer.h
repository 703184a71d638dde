/* services/scoring/answer.h - analysis and explainable scoring of one interview answer
 *
 * Given a competency model and a question with its answer, finds the
 * competency keywords (with synonyms, negation and whether they sit inside a
 * concrete account), the STAR parts, quantified results, fillers and length,
 * and scores each competency and the answer 0-100. Every score comes with
 * the list of contributions that add up to it (points, rule, reason, span of
 * the original answer), so a recruiter can recompute it by hand; the formula
 * and its constants are in answer.c and docs/scoring-text.md.
 *
 * Evidence over vocabulary: a keyword counts fully (factor 1.0) only in a
 * sentence where the candidate acts (我/I + action verb) and an outcome
 * follows; in a list or a claim (我擅长…) it counts 0.3; negated, 0.
 *
 * The model is plain C data owned by the caller; sc_scorer_new compiles it
 * (normalised keywords in a matcher) and copies what it keeps, so the model
 * may be freed afterwards. Results live in one block freed by sc_answer_free.
 *
 * How to call it (one analyzer per thread, one scorer per model version):
 *
 *     sc_keyword_t kw[] = { { "数据分析", (const char *[]){ "data analysis" }, 1, 1.0 } };
 *     sc_competency_t comp[] = { { "数据分析", 1.0, kw, 1, NULL, 0 } };
 *     sc_model_t model = { "v3", comp, 1, NULL, 0 };
 *     char err[160];
 *     sc_analyzer_t *az = sc_analyzer_new(err, sizeof err);
 *     sc_scorer_t *sc = sc_scorer_new(az, &model, err, sizeof err);
 *     sc_answer_t *a;
 *     if (sc_answer_analyze(az, sc, question, answer, strlen(answer), &a, err, sizeof err) < 0)
 *         reply_error(err);                 // "invalid UTF-8 at byte 17"
 *     else if (a->empty)
 *         reply_missing(a->missing);        // "answer is empty": no scores
 *     else
 *         use(a->score, a->competencies[0].score, a->competencies[0].contribs, ...);
 *     sc_answer_free(&a);
 *     sc_scorer_destroy(&sc);
 *     sc_analyzer_destroy(&az);
 */
#ifndef SC_ANSWER_H
#define SC_ANSWER_H

#include <stdbool.h>
#include "evidence.h"
#include "star.h"

/* ---- the model (caller's data) ---- */

typedef struct {
    const char *term;                  /* 数据分析 */
    const char *const *synonyms;       /* 數據分析 needs none: folded; "data analysis" */
    size_t n_synonyms;
    double weight;                     /* >= 0; 1 is an ordinary keyword */
} sc_keyword_t;

typedef struct {
    const char *name;                  /* 数据分析 */
    double weight;                     /* >= 0: share in the answer's content score */
    const sc_keyword_t *keywords;
    size_t n_keywords;
    const char *const *negative_cues;  /* 甩锅, blamed: lower the competency */
    size_t n_negative_cues;
} sc_competency_t;

typedef struct {
    const char *version;               /* named in every result */
    const sc_competency_t *competencies;
    size_t n;
    const char *const *core_values;    /* found and reported, not scored */
    size_t n_values;
} sc_model_t;

typedef struct sc_scorer sc_scorer_t;

/* Compile a model for scoring. Returns NULL with a reason in err: a missing
 * name or keyword, a negative weight, an invalid UTF-8 keyword, more than
 * 4095 competencies or keywords. Free with sc_scorer_destroy. */
sc_scorer_t *sc_scorer_new(sc_analyzer_t *az, const sc_model_t *model, char *err, size_t errlen);

/* Free; accepts NULL and *s == NULL, sets *s to NULL. */
void sc_scorer_destroy(sc_scorer_t **s);

/* ---- results (read-only; all strings and arrays belong to the answer) ---- */

typedef enum {
    SC_CTX_NEGATED,    /* factor 0 */
    SC_CTX_MENTION,    /* factor 0.3: no one acting, a list, a claim */
    SC_CTX_ACTION,     /* factor 0.6: actor and action, no outcome */
    SC_CTX_CONCRETE,   /* factor 1.0: actor, action and outcome */
} sc_context_t;

typedef struct {
    size_t competency;        /* index in the model */
    size_t keyword;           /* index in the competency's keywords */
    const char *term;         /* the keyword's name in the model */
    sc_span_t span;           /* what matched (keyword or synonym), original bytes */
    size_t sentence;          /* index into sentences */
    sc_context_t context;
    double factor;
    sc_span_t negation;       /* the negation cue when negated */
    bool counted;             /* the best occurrence of its keyword: this one scores */
} sc_hit_t;

typedef struct {
    double points;            /* signed; the contributions of a score sum to its value */
    const char *rule;         /* stable id: "keyword.concrete", "star.result", ... */
    const char *why;          /* one English sentence for people */
    sc_span_t span;           /* evidence in the answer; {0, 0} when none */
} sc_contribution_t;

typedef struct {
    const char *name;
    double value;             /* sum of contributions, 0..100 */
    int score;                /* value rounded; -1 when not scored */
    sc_contribution_t *contribs;
    size_t n_contribs;
} sc_score_t;

typedef struct {
    sc_score_t s;             /* name = the competency's. The answer's score when the
                                 answer is about the competency (the question probes it,
                                 or one of its keywords sits in an account of what the
                                 speaker did), less its negative cues; 0 otherwise */
    sc_score_t topic;         /* how concretely the answer speaks of it in the model's
                                 terms: keywords by context, STAR and result quantities
                                 in an account, negative cues (the rule-based score of
                                 earlier versions; content and the fit's inputs) */
    double weight;
    bool probed;              /* the question asks about it (or asks about none) */
    bool account;             /* one of its keywords sits in an account (factor >= 0.6) */
    sc_span_t account_span;   /* its keyword occurrence with the highest factor there */
    double evidence;          /* E = sum of weight x factor over counted keywords */
} sc_competency_score_t;

typedef struct {
    size_t value;             /* index in model->core_values */
    sc_span_t span;
    bool negated;
} sc_value_hit_t;

typedef struct {
    const char *term;         /* normalised word, or the keyword's name */
    size_t count;
    long competency;          /* index of the competency whose keyword it is, or -1 */
} sc_term_t;

typedef enum { SC_LEN_SHORT, SC_LEN_ADEQUATE, SC_LEN_LONG } sc_length_t;

typedef struct sc_answer {
    const char *model_version;
    bool empty;               /* no words: nothing below is scored */
    const char *missing;      /* "answer is empty", or NULL */
    sc_lang_t lang;
    size_t length_units;      /* Han characters + other words */
    sc_length_t length;
    size_t n_words;           /* word tokens */

    sc_sentence_t *sentences;
    size_t n_sentences;
    sc_hit_t *hits;           /* keyword occurrences in text order */
    size_t n_hits;
    sc_value_hit_t *values;
    size_t n_values;
    sc_star_evidence_t star[SC_STAR_N];
    sc_quantity_t *quantities;
    size_t n_quantities;
    sc_span_t *fillers;
    size_t n_fillers;
    double filler_rate;       /* fillers / words */
    sc_term_t *terms;         /* keyword cloud: by count, then term */
    size_t n_terms;
    sc_ev_t evidence;         /* what the speaker did (evidence.h); items in the answer's
                                 block: do not sc_ev_free */
    size_t topic_words;       /* the question's subject words (not its frame: tell, 讲一次,
                                 经历) the answer uses, each counted once: English on stems,
                                 Chinese as the question's words inside the answer's text */
    size_t topic_sentences;   /* sentences with one of them or a keyword of a probed
                                 competency: the sentences about what the question asks */
    double topic_share;       /* topic_sentences / sentences */
    sc_span_t topic_span;     /* the first such word in the answer, {0, 0} when none */

    sc_competency_score_t *competencies;  /* in model order */
    size_t n_competencies;
    sc_score_t content;       /* weighted mean of the probed competencies' topic scores */
    sc_score_t structure;     /* STAR completeness, claims without example */
    sc_score_t delivery;      /* fillers, length */
    sc_score_t composite;     /* CONTENT_W x content + STRUCTURE_W x structure + DELIVERY_W x delivery */
    sc_score_t answer;        /* the fitted combination of the features, capped by the flags
                                 (answer.c): what the API calls the answer's overall score */
    const char *scorer_version; /* the fit's version ("ord1-…") */
    double cap[SC_EVF_N];     /* the cap each set flag puts on answer, 0 when none */
    bool capped[SC_EVF_N];    /* that cap lowered answer */
    struct hf_arena *arena_;  /* private */
} sc_answer_t;

/* Analyse and score len bytes of UTF-8 answer against the scorer's model.
 * question (NUL-terminated, may be NULL) decides which competencies are
 * probed: those whose keywords it contains, or all when it names none.
 * Returns 0 and *out (free with sc_answer_free), also for an empty answer,
 * which has empty = true and no scores. Returns -1 with a reason in err and
 * *out = NULL for invalid UTF-8 ("invalid UTF-8 at byte N"), an answer over
 * SC_TEXT_MAX_BYTES ("text is too long: N bytes (limit 65536)") or no memory.
 * Deterministic: the same scorer and input give the same result. */
int sc_answer_analyze(sc_analyzer_t *az, const sc_scorer_t *s, const char *question,
                      const char *answer, size_t len, sc_answer_t **out,
                      char *err, size_t errlen);

/* Free a result; accepts NULL and *a == NULL, sets *a to NULL. */
void sc_answer_free(sc_answer_t **a);

/* Is q (one of a's quantities) a result the scores count: a percentage,
 * multiple or amount of money outside a sentence that states the task
 * (目标是提到40% is a target) and outside a borrowed result part (the
 * company's revenue grew 40%: not the speaker's, it earns nothing)? */
bool sc_answer_counts_result(const sc_answer_t *a, const sc_quantity_t *q);

/* Names for reports: "negated", "mention", "action", "concrete"; "short", "adequate", "long". */
const char *sc_context_name(sc_context_t c);
const char *sc_length_name(sc_length_t l);

#endif
