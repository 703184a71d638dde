/* services/scoring/calibrate.c - agreement of scores with human ratings, and fitting weights
 *
 * Textbook definitions, kept small enough to check by hand (see
 * docs/scoring.md, "Calibration"). The fit minimises the mean squared error
 * between the weighted overall score and the rating on the 0..100 scale, by
 * projected gradient descent on the normalised weights: FIT_STEPS steps of
 * size FIT_RATE, each weight kept >= 0, starting from the model's own
 * weights, so the same data always gives the same weights.
 */
#include "calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FIT_STEPS 2000
#define FIT_RATE 0.05

typedef struct {
    double v;
    size_t i;
} ranked_t;

static int by_value(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Average ranks (1-based) of v into r. Returns 0 or -1 (out of memory). */
static int ranks(const double *v, size_t n, double *r)
{
    ranked_t *t = malloc(n * sizeof(*t));
    if (!t)
        return -1;
    for (size_t i = 0; i < n; i++)
        t[i] = (ranked_t){ v[i], i };
    qsort(t, n, sizeof(*t), by_value);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && t[j + 1].v == t[i].v)
            j++;
        double avg = (double)(i + j) / 2.0 + 1.0;
        for (size_t k = i; k <= j; k++)
            r[t[k].i] = avg;
        i = j + 1;
    }
    free(t);
    return 0;
}

static double pearson(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++)
        mx += x[i], my += y[i];
    mx /= (double)n, my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

double sc_spearman(const double *x, const double *y, size_t n)
{
    if (n < 2)
        return NAN;
    double *rx = malloc(n * sizeof(double)), *ry = malloc(n * sizeof(double));
    double rho = NAN;
    if (rx && ry && ranks(x, n, rx) == 0 && ranks(y, n, ry) == 0)
        rho = pearson(rx, ry, n);
    free(rx);
    free(ry);
    return rho;
}

int sc_score_bin(double score)
{
    if (!(score >= 0))
        return SC_RATING_MIN;
    int b = (int)(score / 20.0) + 1;
    return b > SC_RATING_MAX ? SC_RATING_MAX : b;
}

double sc_qwk(const int *a, const int *b, size_t n)
{
    enum { K = SC_RATING_MAX - SC_RATING_MIN + 1 };
    double obs[K][K] = { { 0 } }, ha[K] = { 0 }, hb[K] = { 0 };
    for (size_t i = 0; i < n; i++) {
        int x = a[i] - SC_RATING_MIN, y = b[i] - SC_RATING_MIN;
        if (x < 0 || x >= K || y < 0 || y >= K)
            return NAN;
        obs[x][y] += 1;
        ha[x] += 1;
        hb[y] += 1;
    }
    double num = 0, den = 0;
    for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++) {
            double w = (double)((i - j) * (i - j)) / (double)((K - 1) * (K - 1));
            num += w * obs[i][j];
            den += w * ha[i] * hb[j] / (double)n;
        }
    return den > 0 ? 1.0 - num / den : NAN;
}

double sc_weighted(const double *scores, const double *weights, size_t k)
{
    double num = 0, den = 0;
    for (size_t j = 0; j < k; j++)
        if (scores[j] >= 0 && weights[j] > 0) {
            num += weights[j] * scores[j];
            den += weights[j];
        }
    return den > 0 ? num / den : 0;
}

int sc_fit_weights(const double *scores, const int *ratings, size_t n, size_t k, double *weights)
{
    if (n == 0 || k == 0)
        return -1;
    double sum = 0;
    for (size_t j = 0; j < k; j++)
        sum += weights[j] > 0 ? weights[j] : 0;
    double *w = malloc(k * sizeof(double)), *g = malloc(k * sizeof(double));
    if (!w || !g) {
        free(w);
        free(g);
        return -1;
    }
    for (size_t j = 0; j < k; j++) /* normalised, so the step size means the same for any model */
        w[j] = sum > 0 ? (weights[j] > 0 ? weights[j] : 0) / sum : 1.0 / (double)k;
    for (int step = 0; step < FIT_STEPS; step++) {
        memset(g, 0, k * sizeof(double));
        for (size_t i = 0; i < n; i++) {
            const double *s = scores + i * k;
            double den = 0, num = 0;
            for (size_t j = 0; j < k; j++)
                if (s[j] >= 0)
                    den += w[j], num += w[j] * s[j];
            if (den <= 0)
                continue;
            double pred = num / den, target = (ratings[i] - SC_RATING_MIN) * 25.0;
            double err = (pred - target) / 100.0; /* scaled to 0..1 */
            for (size_t j = 0; j < k; j++)
                if (s[j] >= 0) /* d pred / d w_j = (s_j - pred) / den */
                    g[j] += 2.0 * err * ((s[j] - pred) / 100.0) / den;
        }
        double total = 0;
        for (size_t j = 0; j < k; j++) {
            w[j] -= FIT_RATE * g[j] / (double)n;
            if (w[j] < 0)
                w[j] = 0;
            total += w[j];
        }
        if (total <= 0)
            break;
        for (size_t j = 0; j < k; j++)
            w[j] /= total;
    }
    double scale = sum > 0 ? sum : 1.0;
    for (size_t j = 0; j < k; j++)
        weights[j] = round(w[j] * scale * 1000.0) / 1000.0;
    free(w);
    free(g);
    return 0;
}
