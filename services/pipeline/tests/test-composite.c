/* services/pipeline/tests/test-composite.c - composite evaluation: weights, missing parts, gates */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../composite.h"

static size_t with(pl_part_t *p, double ai, double written, double online, double screen)
{
    size_t n = pl_composite_defaults(p, PL_COMPOSITE_MAX);
    double v[] = { ai, written, online, screen };
    for (size_t i = 0; i < n; i++)
        if (v[i] >= 0)
            p[i].present = true, p[i].score = v[i];
    return n;
}

static void test_weighted_mean_of_all_parts(void **state)
{
    (void)state;
    pl_part_t p[PL_COMPOSITE_MAX];
    pl_composite_t c;
    size_t n = with(p, 85, 80, 75, 90); /* 0.4*85 + 0.2*(80+75+90) = 34 + 49 = 83 */
    pl_composite_eval(p, n, "clear", true, &c);
    assert_float_equal(c.score, 83, 1e-9);
    assert_string_equal(c.band, "B");
    assert_string_equal(c.recommendation, "advance");
    assert_string_equal(c.explanation, "综合得分 83，建议进入终面");
}

/* The explanation's whole score is the shown one rounded half up: 86.5 (from
 * 86.52) reads 87, as a recruiter reading 86.5 would round it; printf's %.0f
 * rounds half to even and wrote 86. */
static void test_the_explanation_rounds_the_shown_score_half_up(void **state)
{
    (void)state;
    pl_part_t p[PL_COMPOSITE_MAX];
    pl_composite_t c;
    size_t n = with(p, 88.6, 86, 78, 91.4); /* 0.4*88.6 + 0.2*(86+78+91.4) = 86.52 */
    pl_composite_eval(p, n, "clear", true, &c);
    assert_float_equal(c.score, 86.5, 1e-9);
    assert_string_equal(c.explanation, "综合得分 87，建议进入终面");
    n = with(p, 84.5, -1, -1, -1); /* 84.5 exactly */
    pl_composite_eval(p, n, "clear", false, &c);
    assert_float_equal(c.score, 84.5, 1e-9);
    assert_string_equal(c.explanation, "composite score 85: advance to the final round; missing: "
                                       "written_test, online_assessment, screening");
}

static void test_missing_parts_are_named_not_zero(void **state)
{
    (void)state;
    pl_part_t p[PL_COMPOSITE_MAX];
    pl_composite_t c;
    size_t n = with(p, 90, -1, -1, 70); /* (0.4*90 + 0.2*70) / 0.6 = 83.3 */
    pl_composite_eval(p, n, "", true, &c);
    assert_float_equal(c.score, 83.3, 1e-9);
    assert_string_equal(c.explanation, "综合得分 83，建议进入终面；缺少：笔试、在线测评");
    pl_composite_eval(p, n, "", false, &c);
    assert_string_equal(c.explanation,
                        "composite score 83: advance to the final round; missing: written_test, "
                        "online_assessment");
}

static void test_bands_and_recommendations(void **state)
{
    (void)state;
    pl_part_t p[PL_COMPOSITE_MAX];
    pl_composite_t c;
    struct { double s; const char *band, *rec; } cases[] = {
        { 85, "A", "advance" }, { 80, "B", "advance" }, { 79.9, "B", "review" },
        { 70, "B", "review" },  { 60, "C", "review" },  { 59.9, "D", "reject" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = with(p, cases[i].s, -1, -1, -1);
        pl_composite_eval(p, n, "", false, &c);
        assert_string_equal(c.band, cases[i].band);
        assert_string_equal(c.recommendation, cases[i].rec);
    }
}

static void test_failed_background_check_rejects(void **state)
{
    (void)state;
    pl_part_t p[PL_COMPOSITE_MAX];
    pl_composite_t c;
    size_t n = with(p, 95, 95, 95, 95);
    pl_composite_eval(p, n, "fail", true, &c);
    assert_string_equal(c.recommendation, "reject");
    assert_non_null(strstr(c.explanation, "背景调查未通过"));
}

static void test_nothing_yet(void **state)
{
    (void)state;
    pl_part_t p[PL_COMPOSITE_MAX];
    pl_composite_t c;
    size_t n = with(p, -1, -1, -1, -1);
    pl_composite_eval(p, n, "", true, &c);
    assert_false(c.scored);
    assert_string_equal(c.recommendation, "pending");
    assert_string_equal(c.band, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weighted_mean_of_all_parts),
        cmocka_unit_test(test_the_explanation_rounds_the_shown_score_half_up),
        cmocka_unit_test(test_missing_parts_are_named_not_zero),
        cmocka_unit_test(test_bands_and_recommendations),
        cmocka_unit_test(test_failed_background_check_rejects),
        cmocka_unit_test(test_nothing_yet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
