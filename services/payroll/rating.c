/* services/payroll/rating.c - weighted mean of raters' scores, its band and coefficient */
#include "rating.h"

#include <stdio.h>
#include <string.h>

#include "money.h"

int pr_rating_mean(const pr_score_t *s, size_t n, int64_t *mean)
{
    __int128 num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num += (__int128)s[i].weight * s[i].score;
        den += s[i].weight;
    }
    if (den <= 0)
        return -1;
    *mean = pr_round_div(num, den);
    return 0;
}

int pr_rating_band(const pr_band_t *b, size_t n, int64_t mean)
{
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (b[i].min_score <= mean && (best < 0 || b[i].min_score > b[best].min_score))
            best = (int)i;
    return best;
}

int pr_bands_check(const pr_band_t *b, size_t n, int *at, char *err, size_t len)
{
    *at = -1;
    if (n == 0 || n > PR_BANDS_MAX) {
        snprintf(err, len, "a cycle has from 1 to %d bands", PR_BANDS_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        *at = (int)i;
        size_t g = b[i].grade ? strlen(b[i].grade) : 0;
        if (g == 0 || g > 16) {
            snprintf(err, len, "a grade is 1 to 16 bytes");
            return -1;
        }
        if (b[i].min_score < 0 || b[i].min_score > PR_SCORE_MAX) {
            snprintf(err, len, "a minimum score is from 0 to 1000");
            return -1;
        }
        if (b[i].coef < 0 || b[i].coef > 100 * PR_RATE_ONE) {
            snprintf(err, len, "a coefficient is from 0 to 100");
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (!strcmp(b[j].grade, b[i].grade)) {
                snprintf(err, len, "grade %s appears twice", b[i].grade);
                return -1;
            }
            if (b[j].min_score == b[i].min_score) {
                snprintf(err, len, "two bands start at the same score");
                return -1;
            }
        }
    }
    *at = -1;
    if (pr_rating_band(b, n, 0) < 0) {
        snprintf(err, len, "the lowest band starts at 0, so every rating has a band");
        return -1;
    }
    return 0;
}
