/* services/payroll/rating.h - a review cycle's rating of one employee: weighted mean, band, coefficient
 *
 * Raters score an employee in a cycle, each with a weight; the rating is
 * the weighted mean of the scores, Σ weight·score / Σ weight, rounded once
 * to the millionth by money.h's rule. The cycle's bands map it to a grade
 * and a bonus coefficient: the band with the highest minimum score at or
 * below the rating. Scores, weights, minimums and coefficients are
 * millionths (money.h's rates), so 87.5 is 87500000 and 1.2 is 1200000.
 * Pure functions; performance_handlers.c applies them to stored scores.
 */
#ifndef PR_RATING_H
#define PR_RATING_H

#include <stddef.h>
#include <stdint.h>

#define PR_SCORE_MAX ((int64_t)1000000000)   /* scores and weights up to 1000 */
#define PR_BANDS_MAX 20

typedef struct {
    int64_t weight; /* > 0 */
    int64_t score;  /* 0 … PR_SCORE_MAX */
} pr_score_t;

typedef struct {
    const char *grade;  /* "A", "B+", … */
    int64_t min_score;  /* the lowest rating in this band */
    int64_t coef;       /* the bonus coefficient (rating_coef) */
} pr_band_t;

/* The weighted mean of n scores into *mean; 0, or -1 when n is 0 or the
 * weights add up to 0. */
int pr_rating_mean(const pr_score_t *s, size_t n, int64_t *mean);

/* The index of the band of a rating (the highest min_score <= mean), or -1
 * when it is below every band. */
int pr_rating_band(const pr_band_t *b, size_t n, int64_t mean);

/* Check bands as a cycle saves them: 1 to PR_BANDS_MAX, grades non-empty
 * (at most 16 bytes) and distinct, minimums distinct and within 0 …
 * PR_SCORE_MAX, one of them 0 (every rating has a band), coefficients
 * within 0 … 100. Returns -1 with the index of
 * the faulty band in *at (-1: the list) and why in err, else 0. */
int pr_bands_check(const pr_band_t *b, size_t n, int *at, char *err, size_t len);

#endif
