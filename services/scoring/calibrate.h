/* services/scoring/calibrate.h - agreement of scores with human ratings, and fitting weights
 *
 * Pure functions over arrays. A labelled set gives, per answer, the human
 * rating (1..5) and the competency scores the model produced (0..100); from
 * those:
 *   - Spearman's rank correlation of the overall scores with the ratings;
 *   - quadratic weighted kappa (QWK) of the scores, binned to 1..5, with the
 *     ratings;
 *   - competency weights fitted so that the weighted overall score tracks the
 *     ratings (non-negative least squares by projected gradient descent, a
 *     fixed number of steps from the current weights: deterministic);
 *   - the feature vector of a scored answer, defined by one table of named
 *     features (sc_feature_def), and an ordinal (proportional-odds) logistic
 *     regression of the rating on it: fitted by Newton's method with L2
 *     regularisation, cross-validated over stable folds, stored as JSON with
 *     a version, and evaluated with each feature's contribution so that a
 *     report can explain every point.
 * Functions that take err and errlen write a one-line reason there on
 * failure (err may be NULL when errlen is 0).
 */
#ifndef SC_CALIBRATE_H
#define SC_CALIBRATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "text.h"

struct sc_answer;

#define SC_RATING_MIN 1
#define SC_RATING_MAX 5

/* Spearman's rho of x and y (n >= 2; ties get average ranks). Returns NAN
 * when either side is constant or n < 2. */
double sc_spearman(const double *x, const double *y, size_t n);

/* The rating bin (1..5) of a 0..100 score: [0,20) -> 1, [20,40) -> 2, ...,
 * [80,100] -> 5. */
int sc_score_bin(double score);

/* Quadratic weighted kappa of two ratings on 1..5 (n >= 1). 1 = perfect
 * agreement, 0 = chance; NAN when both sides have one value only. */
double sc_qwk(const int *a, const int *b, size_t n);

/* The overall score of one answer: sum(w_k * s_k) / sum(w_k) over the
 * competencies with w_k > 0 (scores[k] < 0 means "not scored": left out). */
double sc_weighted(const double *scores, const double *weights, size_t k);

/* Fit weights[k] (in: the model's; out: fitted, >= 0, scaled to the same
 * sum) so that sc_weighted over each answer's competency scores (row-major
 * scores[i * k + j]) approaches the rating mapped to 0..100
 * ((rating - 1) * 25). Returns 0, or -1 when n == 0 or k == 0. */
int sc_fit_weights(const double *scores, const int *ratings, size_t n, size_t k, double *weights);

/* ---- the feature vector of a scored answer ---- */

/* One feature: its stable name (stored in fit files), how it is read (for
 * docs and reports), and the function reading it from an answer (answer.h).
 * An empty answer reads 0 for every feature. */
typedef struct {
    const char *name;         /* "star.result" */
    const char *what;         /* "1 when the scorer finds the result part, else 0" */
    double (*read)(const struct sc_answer *a);
    sc_span_t (*span)(const struct sc_answer *a); /* where it shows in the answer ({0, 0}
                                                   * when nowhere); NULL: no single place */
    int sign;                 /* expected sign of its weight: +1 evidence that never lowers the
                               * rating, -1 a flag that never raises it, 0 free */
} sc_feature_def_t;

/* The number of features in the table, and the i-th (i < sc_features_count()). */
size_t sc_features_count(void);
const sc_feature_def_t *sc_feature_def(size_t i);

/* The table index of the feature named name, or -1. */
long sc_feature_find(const char *name);

/* Every feature of a, in table order, into x[0..sc_features_count()). */
void sc_features_read(const struct sc_answer *a, double *x);

/* ---- ordinal logistic regression of the rating ---- */

#define SC_ORDINAL_FORMAT "hrflow.scoring.ordinal/1"
#define SC_ORDINAL_LAMBDA 1.0     /* default L2 penalty on the standardised weights */
#define SC_LEVELS (SC_RATING_MAX - SC_RATING_MIN + 1)

/* A fitted proportional-odds model over k named features. With the
 * standardised features z_j = (x_j - mean_j) / sd_j (0 when sd_j == 0) and
 * eta = sum_j weight_j * z_j, the probability that the rating is at most
 * level[l] is sigmoid(threshold[l] - eta) for l < levels - 1. Only the
 * ratings seen in training are levels (2..5 of them, ascending), so a set
 * without any 2 still fits. Read-only once made; free with
 * sc_ordinal_destroy. */
typedef struct {
    size_t k;
    char **names;             /* k feature names */
    long *index;              /* k indexes in the feature table; -1 when not in it */
    double *mean, *sd, *weight;
    size_t levels;
    int level[SC_LEVELS];
    double threshold[SC_LEVELS - 1];
    double lambda;
    char *version;            /* "ord1-" + 12 hex of the fit's content; set by the fit and the loader */
} sc_ordinal_t;

/* Fit ratings[0..n) (SC_RATING_MIN..MAX) on the row-major features
 * x[i * k + j] named names[0..k): minimises the negative log-likelihood
 * plus lambda / 2 x sum(weight_j^2) by Newton's method with a backtracking
 * line search, from weights 0 and thresholds at the ratings' cumulative
 * log-odds (deterministic). A constant feature gets sd 0 and weight 0.
 * Returns the fit, or NULL with the reason in err: fewer than 2 answers,
 * "all answers have the same rating (3)", a rating out of range, a feature
 * that is not finite (naming it and the row), lambda < 0, out of memory. */
sc_ordinal_t *sc_ordinal_fit(const double *x, const int *ratings, size_t n, size_t k,
                             const char *const *names, double lambda, char *err, size_t errlen);

/* sc_ordinal_fit with each weight j held to its sign sign[j] (+1: >= 0,
 * -1: <= 0, 0: free; sign NULL: all free), by clip and refit: fit, pin
 * every weight on the wrong side of its sign at 0 (its feature then takes
 * no part), fit again, until no free weight is on the wrong side. The
 * pinned set only grows, so at most k + 1 fits; deterministic. Pinned
 * weights stay 0 even when releasing one would now help (an active-set
 * method without release steps). */
sc_ordinal_t *sc_ordinal_fit_signed(const double *x, const int *ratings, size_t n, size_t k,
                                    const char *const *names, const int *sign, double lambda,
                                    char *err, size_t errlen);

/* Free; accepts NULL and *f == NULL, sets *f to NULL. */
void sc_ordinal_destroy(sc_ordinal_t **f);

/* The expected rating (sum of level x probability) of the features x[0..k)
 * in the fit's order. contrib (may be NULL) receives k contributions
 * weight_j x z_j to eta (higher eta, higher rating); prob (may be NULL)
 * receives SC_LEVELS probabilities, prob[r - SC_RATING_MIN] for rating r
 * (0 for ratings that were not levels). */
double sc_ordinal_predict(const sc_ordinal_t *f, const double *x, double *contrib, double *prob);

/* The answer score of the features x[0..k): the expected rating mapped to
 * 0..100 (rating 1 -> 0, 5 -> 100), explained from the answer with no
 * feature (x = 0): *base receives its score and points[j] feature j's share,
 * of the sign of weight j, so that *base + sum(points) is the score. */
double sc_ordinal_explain(const sc_ordinal_t *f, const double *x, double *base, double *points);

/* The fit's features of a scored answer, in the fit's order, into x[0..k).
 * Returns 0, or -1 when a feature of the fit is not in this build's table
 * (named in err). */
int sc_ordinal_read_answer(const sc_ordinal_t *f, const struct sc_answer *a, double *x,
                           char *err, size_t errlen);

/* The fit as a JSON object (new reference, the caller's): format, version,
 * features, mean, sd, weights, levels, thresholds, lambda. NULL when out of
 * memory. The caller may add fields (trainedOn, cv); the loader ignores them. */
json_t *sc_ordinal_to_json(const sc_ordinal_t *f);

/* A fit from the object sc_ordinal_to_json wrote. Returns NULL with the
 * reason in err naming the field: wrong format, arrays of unequal length,
 * a non-finite number, negative sd, thresholds not ascending, levels not
 * ascending ratings, out of memory. Features missing from the table load
 * (index -1); sc_ordinal_read_answer reports them. */
sc_ordinal_t *sc_ordinal_from_json(const json_t *j, char *err, size_t errlen);

/* ---- cross-validation ---- */

/* FNV-1a (64 bits) of a NUL-terminated key: stable across runs and builds. */
uint64_t sc_fold_hash(const char *key);

/* Assign each of n rows a fold 0..nfolds-1 into fold[]: the rows of each
 * rating, ordered by the hash of their key (then the key), are dealt to the
 * folds in turn, continuing where the previous rating stopped. The same
 * keys and ratings give the same folds in any row order (keys unique), and
 * every fold has about n / nfolds rows with the set's mix of ratings.
 * Returns 0, or -1 (nfolds < 2, out of memory). */
int sc_cv_folds(const char *const *keys, const int *ratings, size_t n, size_t nfolds, int *fold);

/* Out-of-fold predictions: for each fold f, fit on the rows of the other
 * folds (sc_ordinal_fit_signed with sign, NULL for none) and write the expected rating of each row of f
 * into pred[]. Returns 0, or -1 with the reason in err (a training part
 * that cannot be fitted, such as one with a single rating). */
int sc_ordinal_cv(const double *x, const int *ratings, const int *fold, size_t n, size_t k,
                  size_t nfolds, const char *const *names, const int *sign, double lambda,
                  double *pred, char *err, size_t errlen);

#endif
