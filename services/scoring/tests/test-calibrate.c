/* services/scoring/tests/test-calibrate.c - Spearman, QWK, score bins, the weight fit and the ordinal fit
 *
 * Expected values were computed independently (by hand and with a short
 * Python reference of the same textbook formulas). The ordinal fit is
 * checked on data drawn from a known proportional-odds model (a fixed
 * pseudo-random sequence, so every run sees the same data).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../answer.h"
#include "../calibrate.h"

static void test_spearman_with_ties(void **state)
{
    (void)state;
    double x[] = { 1, 2, 3, 4, 5 }, y[] = { 5, 6, 7, 8, 7 };
    assert_float_equal(sc_spearman(x, y, 5), 0.8207826816681233, 1e-12);
    double rev[] = { 9, 7, 5, 3, 1 };
    assert_float_equal(sc_spearman(x, rev, 5), -1.0, 1e-12);
}

static void test_spearman_undefined(void **state)
{
    (void)state;
    double x[] = { 1, 2, 3 }, flat[] = { 4, 4, 4 };
    assert_true(isnan(sc_spearman(x, flat, 3)));
    assert_true(isnan(sc_spearman(x, x, 1)));
}

static void test_bins(void **state)
{
    (void)state;
    assert_int_equal(sc_score_bin(0), 1);
    assert_int_equal(sc_score_bin(19.99), 1);
    assert_int_equal(sc_score_bin(20), 2);
    assert_int_equal(sc_score_bin(79.9), 4);
    assert_int_equal(sc_score_bin(80), 5);
    assert_int_equal(sc_score_bin(100), 5);
    assert_int_equal(sc_score_bin(NAN), 1);
}

static void test_qwk(void **state)
{
    (void)state;
    int a[] = { 1, 2, 3, 4, 5, 3 }, b[] = { 1, 2, 4, 4, 5, 2 };
    assert_float_equal(sc_qwk(a, b, 6), 0.9090909090909091, 1e-12);
    int up[] = { 1, 2, 3, 4, 5 }, down[] = { 5, 4, 3, 2, 1 };
    assert_float_equal(sc_qwk(up, down, 5), -1.0, 1e-12);
    assert_float_equal(sc_qwk(up, up, 5), 1.0, 1e-12);
    int out[] = { 0, 6 };
    assert_true(isnan(sc_qwk(out, up, 2)));
}

static void test_weighted_skips_unscored(void **state)
{
    (void)state;
    double s[] = { 80, -1, 40 }, w[] = { 1, 5, 3 };
    assert_float_equal(sc_weighted(s, w, 3), (80.0 + 3 * 40.0) / 4.0, 1e-12);
}

/* Ratings follow competency 0 only; competency 1 is noise. The fit must
 * move weight to competency 0, keep the total, and improve the error. */
static void test_fit_moves_weight_to_what_predicts(void **state)
{
    (void)state;
    enum { N = 8, K = 2 };
    double scores[N * K];
    int ratings[N];
    for (int i = 0; i < N; i++) {
        ratings[i] = 1 + i % 5;
        scores[i * K] = (ratings[i] - 1) * 25.0;            /* tracks the rating */
        scores[i * K + 1] = (i * 37) % 100;                 /* does not */
    }
    double w[K] = { 1, 1 };
    double before = 0, after = 0;
    for (int i = 0; i < N; i++) {
        double e = sc_weighted(scores + i * K, w, K) - (ratings[i] - 1) * 25.0;
        before += e * e;
    }
    assert_int_equal(sc_fit_weights(scores, ratings, N, K, w), 0);
    assert_true(w[0] > 1.5 && w[1] < 0.5);
    assert_float_equal(w[0] + w[1], 2.0, 0.01);
    for (int i = 0; i < N; i++) {
        double e = sc_weighted(scores + i * K, w, K) - (ratings[i] - 1) * 25.0;
        after += e * e;
    }
    assert_true(after < before / 4);
    /* deterministic */
    double w2[K] = { 1, 1 };
    sc_fit_weights(scores, ratings, N, K, w2);
    assert_true(w2[0] == w[0] && w2[1] == w[1]);
    assert_int_equal(sc_fit_weights(scores, ratings, 0, K, w2), -1);
}

/* ---- ordinal fit ---- */

/* xorshift64*: a fixed sequence in (0, 1). */
static double uniform(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return ((double)((*s * 2685821657736338717ull) >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(uint64_t *s)
{
    double u = uniform(s), v = uniform(s);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

enum { SYN_N = 3000, SYN_K = 3 };
static const double syn_beta[SYN_K] = { 0.8, -1.5, 0 };
static const double syn_theta[4] = { -2, -0.5, 1, 2.5 };
static const char *const syn_names[SYN_K] = { "x0", "x1", "noise" };

/* n rows of the model P(rating <= l) = sigmoid(theta_l - beta . x):
 * the latent beta . x + logistic noise, cut at the thresholds. */
static void synthetic(size_t n, double *x, int *r, uint64_t seed)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        x[i * SYN_K] = 5 + 2 * normal(&s);
        x[i * SYN_K + 1] = normal(&s);
        x[i * SYN_K + 2] = uniform(&s) * 10;
        double eta = 0;
        for (int j = 0; j < SYN_K; j++)
            eta += syn_beta[j] * x[i * SYN_K + j];
        double u = uniform(&s), latent = eta + log(u / (1 - u));
        r[i] = 1;
        for (int l = 0; l < 4; l++)
            r[i] += latent > syn_theta[l];
    }
}

static void test_ordinal_recovers_known_weights(void **state)
{
    (void)state;
    double *x = malloc(SYN_N * SYN_K * sizeof(double));
    int *r = malloc(SYN_N * sizeof(int));
    synthetic(SYN_N, x, r, 42);
    char err[160];
    sc_ordinal_t *f = sc_ordinal_fit(x, r, SYN_N, SYN_K, syn_names, 0.01, err, sizeof(err));
    assert_non_null(f);
    assert_int_equal(f->levels, 5);
    /* weights on the raw scale: weight / sd; thresholds shifted by beta . mean */
    double shift = 0;
    for (int j = 0; j < SYN_K; j++) {
        assert_float_equal(f->weight[j] / f->sd[j], syn_beta[j], 0.1);
        shift += syn_beta[j] * f->mean[j];
    }
    for (int l = 0; l < 4; l++)
        assert_float_equal(f->threshold[l] + shift, syn_theta[l], 0.25);
    assert_string_equal(f->names[2], "noise");
    assert_int_equal(f->index[0], -1); /* not a feature of the table */
    assert_true(strncmp(f->version, "ord1-", 5) == 0 && strlen(f->version) == 17);

    /* deterministic: the same bits and version */
    sc_ordinal_t *g = sc_ordinal_fit(x, r, SYN_N, SYN_K, syn_names, 0.01, err, sizeof(err));
    assert_non_null(g);
    assert_memory_equal(f->weight, g->weight, SYN_K * sizeof(double));
    assert_memory_equal(f->threshold, g->threshold, 4 * sizeof(double));
    assert_string_equal(f->version, g->version);
    sc_ordinal_destroy(&g);

    /* a stronger penalty shrinks the weights */
    g = sc_ordinal_fit(x, r, SYN_N, SYN_K, syn_names, 1000, err, sizeof(err));
    assert_non_null(g);
    assert_true(fabs(g->weight[1]) < fabs(f->weight[1]));
    assert_string_not_equal(f->version, g->version);
    sc_ordinal_destroy(&g);
    sc_ordinal_destroy(&f);
    assert_null(f);
    sc_ordinal_destroy(&f);
    free(x);
    free(r);
}

/* x1's weight is negative in the data: held to + it comes out exactly 0,
 * the others still fitted; held to - (its side) the fit is the free one. */
static void test_ordinal_signed_pins_a_weight_of_the_wrong_sign(void **state)
{
    (void)state;
    double *x = malloc(SYN_N * SYN_K * sizeof(double));
    int *r = malloc(SYN_N * sizeof(int));
    synthetic(SYN_N, x, r, 11);
    char err[160];
    static const int plus[SYN_K] = { 0, +1, 0 }, minus[SYN_K] = { +1, -1, 0 };
    sc_ordinal_t *f = sc_ordinal_fit(x, r, SYN_N, SYN_K, syn_names, 1, err, sizeof(err));
    sc_ordinal_t *g = sc_ordinal_fit_signed(x, r, SYN_N, SYN_K, syn_names, plus, 1, err,
                                            sizeof(err));
    sc_ordinal_t *h = sc_ordinal_fit_signed(x, r, SYN_N, SYN_K, syn_names, minus, 1, err,
                                            sizeof(err));
    assert_true(f && g && h);
    assert_true(f->weight[1] < 0);
    assert_true(g->weight[1] == 0.0);
    assert_true(g->weight[0] > 0);
    assert_memory_equal(f->weight, h->weight, SYN_K * sizeof(double));
    sc_ordinal_t *again = sc_ordinal_fit_signed(x, r, SYN_N, SYN_K, syn_names, plus, 1, err,
                                                sizeof(err));
    assert_non_null(again);
    assert_memory_equal(g->weight, again->weight, SYN_K * sizeof(double));
    sc_ordinal_destroy(&again);
    sc_ordinal_destroy(&f);
    sc_ordinal_destroy(&g);
    sc_ordinal_destroy(&h);
    free(x);
    free(r);

    /* the table's evidence is +, its flags - */
    assert_int_equal(sc_feature_def((size_t)sc_feature_find("evidence.ownership"))->sign, 1);
    assert_int_equal(sc_feature_def((size_t)sc_feature_find("evidence.negated"))->sign, -1);
}

/* A fit of 200 synthetic answers (seed 7) at the default lambda. */
static sc_ordinal_t *synthetic_fit(void)
{
    double x[200 * SYN_K];
    int r[200];
    synthetic(200, x, r, 7);
    sc_ordinal_t *f = sc_ordinal_fit(x, r, 200, SYN_K, syn_names, SC_ORDINAL_LAMBDA, NULL, 0);
    assert_non_null(f);
    return f;
}

static void test_ordinal_predict_explains_every_point(void **state)
{
    (void)state;
    sc_ordinal_t *f = synthetic_fit();
    double row[SYN_K] = { 9, -1, 5 }, contrib[SYN_K], prob[SC_LEVELS];
    double e = sc_ordinal_predict(f, row, contrib, prob);
    double eta = 0, sum = 0, mean = 0;
    for (int j = 0; j < SYN_K; j++) {
        assert_float_equal(contrib[j], f->weight[j] * (row[j] - f->mean[j]) / f->sd[j], 1e-12);
        eta += contrib[j];
    }
    for (int l = 0; l < SC_LEVELS; l++) {
        assert_true(prob[l] >= 0);
        sum += prob[l];
        mean += prob[l] * (l + SC_RATING_MIN);
    }
    assert_float_equal(sum, 1, 1e-12);
    assert_float_equal(e, mean, 1e-12);
    /* P(rating <= 1) = sigmoid(threshold_0 - eta) */
    assert_float_equal(prob[0], 1 / (1 + exp(eta - f->threshold[0])), 1e-12);
    assert_true(eta > 2 && e > 4); /* high x0 and low x1: a high rating */
    double low[SYN_K] = { 1, 2, 5 };
    assert_true(sc_ordinal_predict(f, low, NULL, NULL) < 2);
    sc_ordinal_destroy(&f);
}

/* The score of a fit is the expected rating on 0..100, and its explanation
 * adds up to it from the answer with no features, each share with the sign
 * of its weight, for any row (also one at the base). */
static void test_ordinal_explain_adds_up_from_the_empty_answer(void **state)
{
    (void)state;
    sc_ordinal_t *f = synthetic_fit();
    double rows[][SYN_K] = { { 9, -1, 5 }, { 1, 2, 5 }, { 0, 0, 0 }, { 3, 3, -2 } };
    double zero[SYN_K] = { 0 }, pts[SYN_K], base0, pts0[SYN_K];
    double empty = sc_ordinal_explain(f, zero, &base0, pts0);
    assert_float_equal(empty, base0, 1e-12); /* nothing to explain at the base */
    assert_float_equal(empty, (sc_ordinal_predict(f, zero, NULL, NULL) - 1) * 25, 1e-9);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double base, score = sc_ordinal_explain(f, rows[i], &base, pts), sum = base;
        assert_float_equal(score, (sc_ordinal_predict(f, rows[i], NULL, NULL) - 1) * 25, 1e-9);
        assert_true(score >= 0 && score <= 100);
        assert_float_equal(base, base0, 1e-12);
        for (int j = 0; j < SYN_K; j++) {
            sum += pts[j];
            /* a share has the sign of weight x value, and none without a value */
            assert_true(pts[j] * f->weight[j] * rows[i][j] >= 0);
            if (rows[i][j] == 0)
                assert_float_equal(pts[j], 0, 0);
        }
        assert_float_equal(sum, score, 1e-9);
    }
    sc_ordinal_destroy(&f);
}

static void test_ordinal_degenerate_inputs(void **state)
{
    (void)state;
    char err[160];
    const char *names[2] = { "a", "flat" };
    double x[8 * 2];
    int same[8], r[8] = { 1, 1, 3, 3, 5, 5, 1, 5 };
    for (int i = 0; i < 8; i++) {
        x[i * 2] = i;
        x[i * 2 + 1] = 7; /* constant */
        same[i] = 3;
    }
    assert_null(sc_ordinal_fit(x, same, 8, 2, names, 1, err, sizeof(err)));
    assert_non_null(strstr(err, "same rating (3)"));
    assert_null(sc_ordinal_fit(x, r, 1, 2, names, 1, err, sizeof(err)));
    assert_non_null(strstr(err, "fewer than 2"));
    assert_null(sc_ordinal_fit(x, r, 8, 2, names, -1, err, sizeof(err)));
    assert_non_null(strstr(err, "lambda"));
    int bad[8] = { 1, 2, 3, 4, 5, 6, 1, 1 };
    assert_null(sc_ordinal_fit(x, bad, 8, 2, names, 1, err, sizeof(err)));
    assert_non_null(strstr(err, "rating 6 of row 6"));
    x[5] = NAN;
    assert_null(sc_ordinal_fit(x, r, 8, 2, names, 1, err, sizeof(err)));
    assert_non_null(strstr(err, "feature flat of row 3"));
    x[5] = 7;

    /* a constant feature: sd 0, weight 0; ratings 2 and 4 absent: three levels */
    sc_ordinal_t *f = sc_ordinal_fit(x, r, 8, 2, names, 1, err, sizeof(err));
    assert_non_null(f);
    assert_int_equal(f->levels, 3);
    assert_int_equal(f->level[1], 3);
    assert_true(f->sd[1] == 0 && f->weight[1] == 0);
    double row[2] = { 3, 1e9 }, prob[SC_LEVELS];
    double e = sc_ordinal_predict(f, row, NULL, prob);
    assert_true(isfinite(e) && e >= 1 && e <= 5);
    assert_true(prob[1] == 0 && prob[3] == 0);
    sc_ordinal_destroy(&f);

    /* perfectly separable, no penalty: finite weights all the same */
    int sep[8] = { 1, 1, 1, 1, 5, 5, 5, 5 };
    f = sc_ordinal_fit(x, sep, 8, 2, names, 0, err, sizeof(err));
    assert_non_null(f);
    assert_true(isfinite(f->weight[0]) && f->weight[0] > 1 && isfinite(f->threshold[0]));
    sc_ordinal_destroy(&f);
}

static void test_ordinal_file_round_trips(void **state)
{
    (void)state;
    double x[300 * SYN_K];
    int r[300];
    synthetic(300, x, r, 9);
    sc_ordinal_t *f = sc_ordinal_fit(x, r, 300, SYN_K, syn_names, 2.5, NULL, 0);
    assert_non_null(f);
    json_t *j = sc_ordinal_to_json(f);
    assert_non_null(j);
    json_object_set_new(j, "trainedOn", json_pack("{s:s, s:i}", "file", "x.jsonl", "n", 300));
    char *text = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    j = json_loads(text, 0, NULL);
    free(text);
    char err[160];
    sc_ordinal_t *g = sc_ordinal_from_json(j, err, sizeof(err));
    assert_non_null(g);
    assert_string_equal(g->version, f->version);
    assert_int_equal(g->k, f->k);
    assert_int_equal(g->levels, f->levels);
    assert_float_equal(g->lambda, 2.5, 0);
    for (size_t i = 0; i < f->k; i++) {
        assert_string_equal(g->names[i], f->names[i]);
        assert_true(g->mean[i] == f->mean[i] && g->sd[i] == f->sd[i]);
        assert_true(g->weight[i] == f->weight[i]);
    }
    assert_memory_equal(g->threshold, f->threshold, (f->levels - 1) * sizeof(double));
    for (int i = 0; i < 20; i++)
        assert_true(sc_ordinal_predict(f, x + i * SYN_K, NULL, NULL)
                    == sc_ordinal_predict(g, x + i * SYN_K, NULL, NULL));
    sc_ordinal_destroy(&g);

    /* each broken field is named */
    static const struct {
        const char *field, *json;
    } bad[] = {
        { "format", "\"hrflow.scoring.ordinal/0\"" },
        { "weights", "[1]" },
        { "thresholds", "[3, 2, 1, 0]" },
        { "sd", "[1, -1, 1]" },
        { "levels", "[1, 3, 2, 4, 5]" },
        { "lambda", "\"x\"" },
        { "features", "{}" },
    };
    for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
        json_t *c = json_deep_copy(j);
        json_object_set_new(c, bad[b].field, json_loads(bad[b].json, JSON_DECODE_ANY, NULL));
        err[0] = '\0';
        assert_null(sc_ordinal_from_json(c, err, sizeof(err)));
        assert_true(strncmp(err, bad[b].field, strlen(bad[b].field)) == 0);
        json_decref(c);
    }
    json_decref(j);
    sc_ordinal_destroy(&f);
}

static void test_cv_folds_are_stable(void **state)
{
    (void)state;
    assert_true(sc_fold_hash("") == 14695981039346656037ull);
    assert_true(sc_fold_hash("a") == 0xaf63dc4c8601ec8cull);
    enum { N = 50 };
    char keys[N][16];
    const char *k1[N], *k2[N];
    int r1[N], r2[N], f1[N], f2[N];
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof(keys[i]), "zh-strong-%03d", i);
        k1[i] = k2[N - 1 - i] = keys[i];
        r1[i] = r2[N - 1 - i] = 1 + (i * 7) % 5;
    }
    assert_int_equal(sc_cv_folds(k1, r1, N, 5, f1), 0);
    assert_int_equal(sc_cv_folds(k2, r2, N, 5, f2), 0); /* the same rows, reversed */
    int size[5] = { 0 }, fives[5] = { 0 };
    for (int i = 0; i < N; i++) {
        assert_int_equal(f1[i], f2[N - 1 - i]);
        size[f1[i]]++;
        fives[f1[i]] += r1[i] == 5;
    }
    for (int f = 0; f < 5; f++) {
        assert_int_equal(size[f], 10); /* 10 rows of each rating: 2 of each per fold */
        assert_int_equal(fives[f], 2);
    }
    assert_int_equal(sc_cv_folds(k1, r1, N, 1, f1), -1);
}

static void test_ordinal_cv_predicts_out_of_fold(void **state)
{
    (void)state;
    enum { N = 400 };
    double *x = malloc(N * SYN_K * sizeof(double)), pred[N], pred2[N];
    int r[N], fold[N];
    synthetic(N, x, r, 11);
    for (int i = 0; i < N; i++)
        fold[i] = i % 5;
    char err[160];
    assert_int_equal(sc_ordinal_cv(x, r, fold, N, SYN_K, 5, syn_names, NULL, 1, pred, err, sizeof(err)),
                     0);
    assert_int_equal(
        sc_ordinal_cv(x, r, fold, N, SYN_K, 5, syn_names, NULL, 1, pred2, err, sizeof(err)), 0);
    assert_memory_equal(pred, pred2, sizeof(pred));
    /* out of fold, about as good as in sample on data drawn from the model */
    double rd[N], in[N];
    sc_ordinal_t *f = sc_ordinal_fit(x, r, N, SYN_K, syn_names, 1, err, sizeof(err));
    assert_non_null(f);
    for (int i = 0; i < N; i++) {
        rd[i] = r[i];
        in[i] = sc_ordinal_predict(f, x + i * SYN_K, NULL, NULL);
    }
    sc_ordinal_destroy(&f);
    double cv = sc_spearman(pred, rd, N), fitted = sc_spearman(in, rd, N);
    assert_true(cv > 0.5 && cv <= fitted && cv > fitted - 0.05);
    /* a training part with one rating cannot be fitted: said so */
    for (int i = 0; i < N; i++)
        fold[i] = r[i] == 1 ? 0 : 1;
    assert_int_equal(sc_ordinal_cv(x, r, fold, N, SYN_K, 2, syn_names, NULL, 1, pred, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "fold"));
    free(x);
}

/* The table: unique names, each read from a real scored answer. */
static void test_features_read_a_scored_answer(void **state)
{
    (void)state;
    size_t n = sc_features_count();
    assert_true(n >= 15);
    for (size_t i = 0; i < n; i++) {
        const sc_feature_def_t *d = sc_feature_def(i);
        assert_true(d->name && d->what && d->read);
        assert_int_equal(sc_feature_find(d->name), (long)i);
    }
    assert_null(sc_feature_def(n));
    assert_int_equal(sc_feature_find("nope"), -1);

    static const char *syn[] = { "data analysis" };
    static const sc_keyword_t kw[] = { { "数据分析", syn, 1, 1.0 } };
    static const sc_competency_t comp[] = { { "数据分析", 1.0, kw, 1, NULL, 0 } };
    static const sc_model_t model = { "t", comp, 1, NULL, 0 };
    char err[160];
    sc_analyzer_t *az = sc_analyzer_new(err, sizeof(err));
    assert_non_null(az);
    sc_scorer_t *sc = sc_scorer_new(az, &model, err, sizeof(err));
    assert_non_null(sc);
    const char *text = "去年新用户的次日留存率只有20%，我负责找出原因。我先做了数据分析，"
                       "拆解了注册漏斗，最终次日留存率提升了25%。";
    sc_answer_t *a = NULL;
    assert_int_equal(sc_answer_analyze(az, sc, NULL, text, strlen(text), &a, err, sizeof(err)), 0);
    double *x = malloc(n * sizeof(double));
    sc_features_read(a, x);
    assert_float_equal(x[sc_feature_find("answer")], a->composite.value, 0);
    assert_float_equal(x[sc_feature_find("star.result")], 1, 0);
    assert_float_equal(x[sc_feature_find("quantities.result")], 1, 0); /* 25%, not the 20% */
    assert_true(x[sc_feature_find("keywords.concrete")] >= 1);
    assert_float_equal(x[sc_feature_find("length.log")], log1p((double)a->length_units), 1e-12);
    assert_float_equal(x[sc_feature_find("story.share")], 1, 0); /* every sentence tells it */

    /* a fit reads its own features, in its order; an unknown one is named */
    const char *names[2] = { "star.result", "answer" };
    double fx[4 * 2] = { 0, 10, 1, 80, 0, 30, 1, 60 }, got[2];
    int r[4] = { 1, 5, 2, 4 };
    sc_ordinal_t *f = sc_ordinal_fit(fx, r, 4, 2, names, 1, err, sizeof(err));
    assert_non_null(f);
    assert_int_equal(sc_ordinal_read_answer(f, a, got, err, sizeof(err)), 0);
    assert_true(got[0] == 1 && got[1] == a->composite.value);
    free(f->names[1]);
    f->names[1] = strdup("evidence.ownership");
    f->index[1] = -1;
    assert_int_equal(sc_ordinal_read_answer(f, a, got, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "evidence.ownership"));
    sc_ordinal_destroy(&f);
    sc_answer_free(&a);

    /* the same story among asides: they lower the share, the first is its span */
    const char *aside = "说起来我们公司其实是做家电的，老板是广东人。";
    char rambling[512];
    snprintf(rambling, sizeof rambling, "去年我负责把仓库的拣货流程改一下。%s我先把近三个月的出库单拉了一遍，"
             "把爆款挪到了打包台旁边。对了，那边食堂的菜也挺好吃的。后来拣货效率提高了三成。", aside);
    assert_int_equal(sc_answer_analyze(az, sc, NULL, rambling, strlen(rambling), &a, err,
                                       sizeof(err)), 0);
    sc_features_read(a, x);
    long share = sc_feature_find("story.share");
    assert_float_equal(x[share], 3.0 / 5.0, 1e-12);
    sc_span_t at = sc_feature_def((size_t)share)->span(a);
    assert_int_equal(at.start, strstr(rambling, aside) - rambling);
    assert_int_equal(at.end - at.start, strlen(aside));
    sc_answer_free(&a);

    assert_int_equal(sc_answer_analyze(az, sc, NULL, "。", 3, &a, err, sizeof(err)), 0);
    assert_true(a->empty);
    sc_features_read(a, x);
    for (size_t i = 0; i < n; i++)
        assert_float_equal(x[i], 0, 0);
    sc_answer_free(&a);
    free(x);
    sc_scorer_destroy(&sc);
    sc_analyzer_destroy(&az);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spearman_with_ties),
        cmocka_unit_test(test_spearman_undefined),
        cmocka_unit_test(test_bins),
        cmocka_unit_test(test_qwk),
        cmocka_unit_test(test_weighted_skips_unscored),
        cmocka_unit_test(test_fit_moves_weight_to_what_predicts),
        cmocka_unit_test(test_ordinal_recovers_known_weights),
        cmocka_unit_test(test_ordinal_signed_pins_a_weight_of_the_wrong_sign),
        cmocka_unit_test(test_ordinal_predict_explains_every_point),
        cmocka_unit_test(test_ordinal_explain_adds_up_from_the_empty_answer),
        cmocka_unit_test(test_ordinal_degenerate_inputs),
        cmocka_unit_test(test_ordinal_file_round_trips),
        cmocka_unit_test(test_cv_folds_are_stable),
        cmocka_unit_test(test_ordinal_cv_predicts_out_of_fold),
        cmocka_unit_test(test_features_read_a_scored_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
