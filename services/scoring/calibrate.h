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
 *     fixed number of steps from the current weights: deterministic).
 */
#ifndef SC_CALIBRATE_H
#define SC_CALIBRATE_H

#include <stddef.h>

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

#endif
