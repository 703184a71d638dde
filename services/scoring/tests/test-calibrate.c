/* services/scoring/tests/test-calibrate.c - Spearman, QWK, score bins and the weight fit
 *
 * Expected values were computed independently (by hand and with a short
 * Python reference of the same textbook formulas).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spearman_with_ties),
        cmocka_unit_test(test_spearman_undefined),
        cmocka_unit_test(test_bins),
        cmocka_unit_test(test_qwk),
        cmocka_unit_test(test_weighted_skips_unscored),
        cmocka_unit_test(test_fit_moves_weight_to_what_predicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
