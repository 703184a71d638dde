/* services/payroll/tests/test-rating.c - weighted means of raters, bands, coefficients */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../rating.h"

#define M(x) ((int64_t)((x) * 1000000))

static void the_rating_is_the_weighted_mean_rounded_once(void **state)
{
    (void)state;
    pr_score_t s[] = { { M(1), M(90) }, { M(2), M(80) } };
    int64_t mean = 0;
    assert_int_equal(pr_rating_mean(s, 2, &mean), 0);
    assert_int_equal(mean, 83333333); /* 250 / 3 = 83.333333… */
    pr_score_t t[] = { { 1, M(90) }, { 2, 90000001 } };
    assert_int_equal(pr_rating_mean(t, 2, &mean), 0);
    assert_int_equal(mean, 90000001); /* 90.0000006̅ rounds up, half away */
    pr_score_t h[] = { { 1, 1 }, { 1, 2 } };
    assert_int_equal(pr_rating_mean(h, 2, &mean), 0);
    assert_int_equal(mean, 2); /* 1.5 millionths, half away from zero */
}

static void no_scores_or_no_weight_is_no_rating(void **state)
{
    (void)state;
    int64_t mean = -7;
    assert_int_equal(pr_rating_mean(NULL, 0, &mean), -1);
    pr_score_t z[] = { { 0, M(50) } };
    assert_int_equal(pr_rating_mean(z, 1, &mean), -1);
    assert_int_equal(mean, -7);
}

static void the_band_is_the_highest_minimum_reached(void **state)
{
    (void)state;
    pr_band_t b[] = { { "B", M(70), M(1) }, { "S", M(90), M(1.5) }, { "A", M(80), M(1.2) } };
    assert_int_equal(pr_rating_band(b, 3, M(95)), 1);
    assert_int_equal(pr_rating_band(b, 3, M(90)), 1);
    assert_int_equal(pr_rating_band(b, 3, M(89.999999)), 2);
    assert_int_equal(pr_rating_band(b, 3, M(70)), 0);
    assert_int_equal(pr_rating_band(b, 3, M(69)), -1);
}

static void bad_bands_are_refused_naming_the_band(void **state)
{
    (void)state;
    char err[128];
    int at = 0;
    pr_band_t ok[] = { { "A", M(80), M(1.2) }, { "B", 0, M(1) } };
    assert_int_equal(pr_bands_check(ok, 2, &at, err, sizeof(err)), 0);
    assert_int_equal(pr_bands_check(ok, 0, &at, err, sizeof(err)), -1);
    assert_int_equal(at, -1);
    pr_band_t dup[] = { { "A", M(80), M(1.2) }, { "A", 0, M(1) } };
    assert_int_equal(pr_bands_check(dup, 2, &at, err, sizeof(err)), -1);
    assert_int_equal(at, 1);
    assert_non_null(strstr(err, "twice"));
    pr_band_t same[] = { { "A", 0, M(1.2) }, { "B", 0, M(1) } };
    assert_int_equal(pr_bands_check(same, 2, &at, err, sizeof(err)), -1);
    pr_band_t neg[] = { { "A", -1, M(1.2) } };
    assert_int_equal(pr_bands_check(neg, 1, &at, err, sizeof(err)), -1);
    assert_int_equal(at, 0);
    pr_band_t big[] = { { "A", 0, M(101) } };
    assert_int_equal(pr_bands_check(big, 1, &at, err, sizeof(err)), -1);
    pr_band_t noname[] = { { "", 0, M(1) } };
    assert_int_equal(pr_bands_check(noname, 1, &at, err, sizeof(err)), -1);
    pr_band_t gap[] = { { "A", M(60), M(1) } };
    assert_int_equal(pr_bands_check(gap, 1, &at, err, sizeof(err)), -1);
    assert_int_equal(at, -1);
    assert_non_null(strstr(err, "starts at 0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_rating_is_the_weighted_mean_rounded_once),
        cmocka_unit_test(no_scores_or_no_weight_is_no_rating),
        cmocka_unit_test(the_band_is_the_highest_minimum_reached),
        cmocka_unit_test(bad_bands_are_refused_naming_the_band),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
