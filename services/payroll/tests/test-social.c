/* services/payroll/tests/test-social.c - social insurance and housing fund: floors, caps, rates, rounding, checks */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../social.h"

#define Y(yuan) ((pr_fen_t)(yuan) * 100)
#define PM(permille_tenths) ((int64_t)(permille_tenths) * 100) /* 0.1 ‰ steps: 80 → 0.8 % */

static pr_social_item_t item(int64_t employee, int64_t employer, pr_fen_t floor, pr_fen_t cap,
                             pr_social_rounding_t r)
{
    return (pr_social_item_t){ 1, employee, employer, floor, cap, 0, r };
}

/* Shanghai 2025-07 (as shipped, checked): 7 460 to 37 302; medical 9 % with
 * maternity inside it, work injury class I 0.2 %; the housing fund at 7 % on
 * 2 690 to 37 302, rounded to the yuan. */
static pr_social_policy_t shanghai(void)
{
    pr_social_policy_t p;
    memset(&p, 0, sizeof(p));
    p.item[PR_SOCIAL_PENSION] = item(80000, 160000, Y(7460), Y(37302), PR_ROUND_FEN);
    p.item[PR_SOCIAL_MEDICAL] = item(20000, 90000, Y(7460), Y(37302), PR_ROUND_FEN);
    p.item[PR_SOCIAL_UNEMPLOYMENT] = item(5000, 5000, Y(7460), Y(37302), PR_ROUND_FEN);
    p.item[PR_SOCIAL_WORK_INJURY] = item(0, 2000, Y(7460), Y(37302), PR_ROUND_FEN);
    p.item[PR_SOCIAL_HOUSING_FUND] = item(70000, 70000, Y(2690), Y(37302), PR_ROUND_YUAN);
    return p;
}

/* A wage inside the bounds is the base: 20 000 pays 8 % + 2 % + 0.5 % + 7 %. */
static void a_wage_inside_the_bounds_is_the_base(void **state)
{
    (void)state;
    pr_social_policy_t p = shanghai();
    pr_social_result_t r;
    pr_social_compute(&p, Y(20000), &r);
    assert_int_equal(r.item[PR_SOCIAL_PENSION].base, Y(20000));
    assert_int_equal(r.item[PR_SOCIAL_PENSION].employee, Y(1600));
    assert_int_equal(r.item[PR_SOCIAL_PENSION].employer, Y(3200));
    assert_int_equal(r.item[PR_SOCIAL_MEDICAL].employee, Y(400));
    assert_int_equal(r.item[PR_SOCIAL_UNEMPLOYMENT].employee, Y(100));
    assert_int_equal(r.item[PR_SOCIAL_WORK_INJURY].employee, 0);
    assert_int_equal(r.item[PR_SOCIAL_WORK_INJURY].employer, Y(40));
    assert_int_equal(r.item[PR_SOCIAL_MATERNITY].employer, 0); /* absent: nothing */
    assert_int_equal(r.item[PR_SOCIAL_HOUSING_FUND].employee, Y(1400));
    assert_int_equal(r.employee, Y(3500));
    assert_int_equal(r.employer, Y(3200 + 1800 + 100 + 40 + 1400));
}

/* Below the floor the floor is the base, above the cap the cap; the
 * housing fund has bounds of its own. */
static void floors_and_caps_bound_the_base(void **state)
{
    (void)state;
    pr_social_policy_t p = shanghai();
    pr_social_result_t r;
    pr_social_compute(&p, Y(5000), &r);
    assert_int_equal(r.item[PR_SOCIAL_PENSION].base, Y(7460));
    assert_int_equal(r.item[PR_SOCIAL_PENSION].employee, 59680); /* 596.80 */
    assert_int_equal(r.item[PR_SOCIAL_HOUSING_FUND].base, Y(5000));          /* above 2 690 */
    assert_int_equal(r.item[PR_SOCIAL_HOUSING_FUND].employee, Y(350));
    pr_social_compute(&p, Y(2000), &r);
    assert_int_equal(r.item[PR_SOCIAL_HOUSING_FUND].base, Y(2690));
    assert_int_equal(r.item[PR_SOCIAL_HOUSING_FUND].employee, Y(188)); /* 188.30 → 188 */
    pr_social_compute(&p, Y(100000), &r);
    assert_int_equal(r.item[PR_SOCIAL_PENSION].base, Y(37302));
    assert_int_equal(r.item[PR_SOCIAL_PENSION].employee, 298416); /* 2 984.16 */
    assert_int_equal(r.item[PR_SOCIAL_HOUSING_FUND].employee, Y(2611)); /* 2 611.14 → 2 611 */
    /* at the bounds exactly */
    pr_social_compute(&p, Y(7460), &r);
    assert_int_equal(r.item[PR_SOCIAL_PENSION].base, Y(7460));
    pr_social_compute(&p, Y(37302), &r);
    assert_int_equal(r.item[PR_SOCIAL_PENSION].base, Y(37302));
    pr_social_compute(&p, Y(37302) + 1, &r);
    assert_int_equal(r.item[PR_SOCIAL_PENSION].base, Y(37302));
}

/* Each rounding mode at its unit, half away from zero; yuan_up rounds up. */
static void each_city_rounds_to_its_unit(void **state)
{
    (void)state;
    /* 12 345.67 × 7 % = 864.1969 */
    assert_int_equal(pr_social_contribution(1234567, 70000, PR_ROUND_FEN), 86420);
    assert_int_equal(pr_social_contribution(1234567, 70000, PR_ROUND_JIAO), 86420);
    assert_int_equal(pr_social_contribution(1234567, 70000, PR_ROUND_YUAN), 86400);
    assert_int_equal(pr_social_contribution(1234567, 70000, PR_ROUND_YUAN_UP), 86500);
    /* 7 150 × 7 % = 500.50: half a yuan goes up; 7 142.14 × 7 % = 499.9498 */
    assert_int_equal(pr_social_contribution(Y(7150), 70000, PR_ROUND_YUAN), Y(501));
    assert_int_equal(pr_social_contribution(714214, 70000, PR_ROUND_YUAN), Y(500));
    assert_int_equal(pr_social_contribution(714214, 70000, PR_ROUND_JIAO), 49990); /* 499.9 */
    /* exact amounts stay as they are in every mode */
    for (int m = 0; m < PR_ROUND_MODES; m++)
        assert_int_equal(pr_social_contribution(Y(10000), 80000, (pr_social_rounding_t)m), Y(800));
    assert_int_equal(pr_social_contribution(0, 80000, PR_ROUND_YUAN_UP), 0);
}

/* Beijing's medical adds 3 yuan to the employee's share after the rate. */
static void a_fixed_amount_is_added_to_the_employees_share(void **state)
{
    (void)state;
    pr_social_policy_t p;
    memset(&p, 0, sizeof(p));
    p.item[PR_SOCIAL_MEDICAL] = item(20000, 98000, Y(7162), Y(35811), PR_ROUND_FEN);
    p.item[PR_SOCIAL_MEDICAL].employee_fixed = Y(3);
    pr_social_result_t r;
    pr_social_compute(&p, Y(10000), &r);
    assert_int_equal(r.item[PR_SOCIAL_MEDICAL].employee, Y(203));
    assert_int_equal(r.item[PR_SOCIAL_MEDICAL].employer, Y(980));
    assert_int_equal(r.item[PR_SOCIAL_PENSION].employee, 0); /* absent: nothing */
    assert_int_equal(r.employee, Y(203));
}

/* A policy that is not one names the insurance and the field. */
static void a_bad_policy_names_what_is_wrong(void **state)
{
    (void)state;
    pr_social_problem_t why;
    pr_social_policy_t p = shanghai();
    assert_int_equal(pr_social_check(&p, &why), 0);
    p.item[PR_SOCIAL_MEDICAL].employee_rate = PR_RATE_ONE + 1;
    assert_int_equal(pr_social_check(&p, &why), -1);
    assert_int_equal(why.kind, PR_SOCIAL_MEDICAL);
    assert_string_equal(why.field, "employee_rate");
    p = shanghai();
    p.item[PR_SOCIAL_PENSION].employer_rate = -1;
    assert_int_equal(pr_social_check(&p, &why), -1);
    assert_string_equal(why.field, "employer_rate");
    p = shanghai();
    p.item[PR_SOCIAL_HOUSING_FUND].floor = Y(40000);
    assert_int_equal(pr_social_check(&p, &why), -1);
    assert_int_equal(why.kind, PR_SOCIAL_HOUSING_FUND);
    assert_string_equal(why.field, "base_cap");
    p = shanghai();
    p.item[PR_SOCIAL_PENSION].employee_rate = PR_RATE_ONE; /* 1 is allowed, floor == cap too */
    p.item[PR_SOCIAL_PENSION].floor = p.item[PR_SOCIAL_PENSION].cap;
    assert_int_equal(pr_social_check(&p, &why), 0);
    memset(&p, 0, sizeof(p));
    assert_int_equal(pr_social_check(&p, &why), -1);
    assert_int_equal(why.kind, -1);
}

static void names_read_back(void **state)
{
    (void)state;
    for (int k = 0; k < PR_SOCIAL_KINDS; k++)
        assert_int_equal(pr_social_kind_parse(pr_social_kind_name((pr_social_kind_t)k)), k);
    for (int m = 0; m < PR_ROUND_MODES; m++)
        assert_int_equal(pr_social_rounding_parse(pr_social_rounding_name((pr_social_rounding_t)m)),
                         m);
    assert_int_equal(pr_social_kind_parse("Pension"), -1);
    assert_int_equal(pr_social_kind_parse(NULL), -1);
    assert_int_equal(pr_social_rounding_parse("cent"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_wage_inside_the_bounds_is_the_base),
        cmocka_unit_test(floors_and_caps_bound_the_base),
        cmocka_unit_test(each_city_rounds_to_its_unit),
        cmocka_unit_test(a_fixed_amount_is_added_to_the_employees_share),
        cmocka_unit_test(a_bad_policy_names_what_is_wrong),
        cmocka_unit_test(names_read_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
