/* services/payroll/tests/test-runs.c - one payslip to the fen: contributions, the scheme, overtime, tax carried across months, the bonus both ways */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../runs.h"

#define Y(yuan) ((pr_fen_t)(yuan) * 100)

/* Pension 8 % / 16 %, medical 2 % / 9 %, unemployment 0.5 % / 0.5 %, housing
 * fund 7 % / 7 %, every base between 7 460 and 37 302, rounded to the fen. */
static pr_social_policy_t policy(void)
{
    pr_social_policy_t p;
    memset(&p, 0, sizeof(p));
    const int64_t rates[][2] = { { 80000, 160000 }, { 20000, 90000 }, { 5000, 5000 } };
    for (int k = 0; k < 3; k++)
        p.item[k] = (pr_social_item_t){ 1, rates[k][0], rates[k][1], Y(7460), Y(37302), 0,
                                        PR_ROUND_FEN };
    p.item[PR_SOCIAL_HOUSING_FUND] = (pr_social_item_t){ 1, 70000, 70000, Y(7460), Y(37302), 0,
                                                         PR_ROUND_FEN };
    return p;
}

typedef struct {
    pr_program_t *program;
    pr_slip_plan_t plan;
    pr_social_policy_t policy;
} fixture_t;

/* base_pay = base (taxable), meal = meal_allowance (not taxable), late fine
 * (a taxable deduction) and the annual bonus from perf_bonus. */
static int setup(void **state)
{
    static fixture_t f;
    pr_slip_inputs_init();
    const pr_component_src_t c[] = {
        { "base_pay", PR_KIND_EARNING, "base" },
        { "meal", PR_KIND_EARNING, "meal_allowance" },
        { "late_fine", PR_KIND_DEDUCTION, "late_count * 50 yuan" },
        { "annual_bonus", PR_KIND_EARNING, "perf_bonus * rating_coef" },
    };
    const unsigned char taxable[] = { 1, 0, 1, 1 };
    pr_ferror_t errs[4];
    size_t n_errs = 0;
    f.program = pr_program_compile(c, 4, errs, 4, &n_errs);
    assert_non_null(f.program);
    pr_slip_plan(&f.plan, f.program, taxable, NULL);
    f.policy = policy();
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    pr_program_destroy(&f->program);
    return 0;
}

static pr_slip_in_t employee(fixture_t *f, pr_fen_t base)
{
    pr_slip_in_t in;
    memset(&in, 0, sizeof(in));
    pr_inputs_defaults(in.in);
    in.in[pr_ix.base] = base;
    in.in[pr_ix.meal] = Y(500);
    in.base = base;
    in.wage = base + Y(500);
    in.policy = &f->policy;
    in.additional = Y(2000);
    return in;
}

/* 30 000 base, 500 meal, 2 000 additional deductions, first month: every
 * figure by hand (docs/payroll-runs.md has the same example). */
static void a_payslip_of_known_inputs_to_the_fen(void **state)
{
    fixture_t *f = *state;
    pr_slip_in_t in = employee(f, Y(30000));
    pr_slip_t s;
    assert_int_equal(pr_slip_compute(&f->plan, &in, &s), 0);
    assert_int_equal(s.social.item[PR_SOCIAL_PENSION].employee, Y(2440));    /* 30 500 × 8 % */
    assert_int_equal(s.social.item[PR_SOCIAL_MEDICAL].employee, Y(610));
    assert_int_equal(s.social.item[PR_SOCIAL_UNEMPLOYMENT].employee, 15250); /* 152.50 */
    assert_int_equal(s.social.item[PR_SOCIAL_HOUSING_FUND].employee, Y(2135));
    assert_int_equal(s.social.employee, 533750);
    assert_int_equal(s.gross, Y(30500));
    assert_int_equal(s.taxable_income, Y(30000));                              /* meal untaxed */
    /* (30 000 − 5 000 − 5 337.50 − 2 000) × 3 % = 529.875 → 529.88 */
    assert_int_equal(s.tax.cumulative_taxable, 1766250);
    assert_int_equal(s.income_tax, 52988);
    assert_int_equal(s.net, Y(30500) - 533750 - 52988);                        /* 24 632.62 */
    assert_int_equal(s.employer_cost, Y(30500) + s.social.employer);
    assert_int_equal(s.ytd.months, 1);
    assert_int_equal(s.ytd.withheld, 52988);
}

/* Month 2 goes on from month 1's year so far; a raise in month 3 crosses
 * into the 10 % bracket; a zero month still counts its 5 000. */
static void ytd_carried_across_months_with_a_raise_and_a_zero_month(void **state)
{
    fixture_t *f = *state;
    pr_slip_in_t in = employee(f, Y(30000));
    pr_slip_t s1, s2, s3, s4;
    assert_int_equal(pr_slip_compute(&f->plan, &in, &s1), 0);
    in.ytd = s1.ytd;
    assert_int_equal(pr_slip_compute(&f->plan, &in, &s2), 0);
    /* 60 000 − 10 000 − 10 675 − 4 000 = 35 325 × 3 % = 1 059.75 − 529.88 */
    assert_int_equal(s2.tax.cumulative_taxable, 3532500);
    assert_int_equal(s2.income_tax, 105975 - 52988);
    pr_slip_in_t raise = employee(f, Y(40000));
    raise.ytd = s2.ytd;
    assert_int_equal(pr_slip_compute(&f->plan, &raise, &s3), 0);
    /* 40 500 is above the cap: 37 302 × 17.5 % = 6 527.85;
     * 100 000 − 15 000 − 17 202.85 − 6 000 = 61 797.15 × 10 % − 2 520 = 3 659.715 → 3 659.72 */
    assert_int_equal(s3.social.employee, 652785);
    assert_int_equal(s3.tax.cumulative_taxable, 6179715);
    assert_int_equal(s3.tax.cumulative_tax, 365972);
    assert_int_equal(s3.income_tax, 365972 - 105975);
    /* a month of no pay: nothing taxable, nothing withheld, the months go on */
    pr_social_policy_t none;
    memset(&none, 0, sizeof(none));
    pr_slip_in_t zero = employee(f, 0);
    zero.in[pr_ix.meal] = 0;
    zero.wage = 0;
    zero.policy = &none;
    zero.ytd = s3.ytd;
    assert_int_equal(pr_slip_compute(&f->plan, &zero, &s4), 0);
    assert_int_equal(s4.income_tax, 0);
    assert_int_equal(s4.net, 0);
    assert_int_equal(s4.ytd.months, 4);
    assert_int_equal(s4.ytd.withheld, 365972);
}

/* Hired in July: the year so far is empty, so July is taxed as a first month. */
static void a_mid_year_hire_starts_the_count_at_one(void **state)
{
    fixture_t *f = *state;
    pr_slip_in_t in = employee(f, Y(30000));
    pr_slip_t s;
    assert_int_equal(pr_slip_compute(&f->plan, &in, &s), 0);
    assert_int_equal(s.tax.months, 1);
    assert_int_equal(s.income_tax, 52988);
}

/* 36 000 of annual bonus: separately 36 000 ÷ 12 = 3 000 → 3 %, 1 080; merged
 * it joins the month's income. */
static void the_bonus_taxed_separately_or_merged(void **state)
{
    fixture_t *f = *state;
    pr_slip_in_t in = employee(f, Y(30000));
    in.in[pr_ix.perf_bonus] = Y(36000);
    pr_slip_t sep, mer;
    assert_int_equal(pr_slip_compute(&f->plan, &in, &sep), 0);
    assert_int_equal(sep.bonus, Y(36000));
    assert_int_equal(sep.bonus_tax.tax, Y(1080));
    assert_int_equal(sep.tax.tax, 52988);
    assert_int_equal(sep.income_tax, 52988 + Y(1080));
    assert_int_equal(sep.taxable_income, Y(30000));
    in.bonus_merged = 1;
    assert_int_equal(pr_slip_compute(&f->plan, &in, &mer), 0);
    assert_int_equal(mer.bonus_tax.tax, 0);
    assert_int_equal(mer.taxable_income, Y(66000));
    /* 66 000 − 5 000 − 5 337.50 − 2 000 = 53 662.50 × 10 % − 2 520 = 2 846.25 */
    assert_int_equal(mer.income_tax, 284625);
    assert_int_equal(mer.net, sep.net + Y(1080) + 52988 - 284625);
}

/* A wage above the cap pays on the cap, below the floor on the floor. */
static void contributions_keep_to_floor_and_cap(void **state)
{
    fixture_t *f = *state;
    pr_slip_in_t hi = employee(f, Y(60000)), lo = employee(f, Y(3000));
    pr_slip_t a, b;
    assert_int_equal(pr_slip_compute(&f->plan, &hi, &a), 0);
    assert_int_equal(pr_slip_compute(&f->plan, &lo, &b), 0);
    assert_int_equal(a.social.item[PR_SOCIAL_PENSION].base, Y(37302));
    assert_int_equal(a.social.item[PR_SOCIAL_PENSION].employee, 298416); /* 2 984.16 */
    assert_int_equal(b.social.item[PR_SOCIAL_PENSION].base, Y(7460));
    assert_int_equal(b.social.item[PR_SOCIAL_PENSION].employee, Y(7460) * 8 / 100);
    assert_int_equal(hi.in[pr_ix.si_base], Y(37302));
}

/* Overtime on the base (30 000 ÷ 174 = 172.41 an hour), a taxable fine, an adjustment. */
static void overtime_deductions_and_adjustments(void **state)
{
    fixture_t *f = *state;
    pr_slip_in_t in = employee(f, Y(30000));
    in.overtime_minutes[PR_OVERTIME_WORKDAY] = 120;  /* 2 h × 172.41 × 1.5 = 517.23 */
    in.overtime_minutes[PR_OVERTIME_HOLIDAY] = 60;   /* 1 h × 172.41 × 3 = 517.23 */
    in.in[pr_ix.late] = 2000000;                     /* 2 times late: 100.00 */
    in.adjust_taxable = Y(300);
    pr_slip_t s;
    assert_int_equal(pr_slip_compute(&f->plan, &in, &s), 0);
    assert_int_equal(s.hourly_rate, 17241);
    assert_int_equal(s.overtime[PR_OVERTIME_WORKDAY], 51723);
    assert_int_equal(s.overtime[PR_OVERTIME_HOLIDAY], 51723);
    assert_int_equal(s.deductions, Y(100));
    assert_int_equal(s.gross, Y(30500) + 2 * 51723 + Y(300));
    assert_int_equal(s.taxable_income, Y(30000) + 2 * 51723 + Y(300) - Y(100));
}

/* A formula dividing by zero fails the payslip and names the component. */
static void a_failing_formula_names_its_component(void **state)
{
    (void)state;
    const pr_component_src_t c[] = {
        { "daily", PR_KIND_EARNING, "base / attended_days" },
    };
    pr_ferror_t errs[2];
    size_t n_errs = 0;
    pr_program_t *p = pr_program_compile(c, 1, errs, 2, &n_errs);
    assert_non_null(p);
    pr_slip_plan_t plan;
    pr_slip_plan(&plan, p, NULL, NULL);
    pr_social_policy_t pol = policy();
    pr_slip_in_t in;
    memset(&in, 0, sizeof(in));
    pr_inputs_defaults(in.in);
    in.in[pr_ix.base] = Y(1000);
    in.policy = &pol;
    pr_slip_t s;
    assert_int_equal(pr_slip_compute(&plan, &in, &s), -1);
    assert_int_equal(s.error.code, PR_F_DIV_ZERO);
    assert_int_equal(s.error.component, 0);
    pr_program_destroy(&p);
}

/* The flagged earning is the bonus whatever its name; a scheme flagging
 * none keeps the name annual_bonus; a flagged deduction is no bonus. */
static void the_annual_bonus_is_the_flagged_earning(void **state)
{
    (void)state;
    const pr_component_src_t c[] = {
        { "annual_bonus", PR_KIND_EARNING, "100 yuan" },
        { "year_end", PR_KIND_EARNING, "200 yuan" },
        { "fine", PR_KIND_DEDUCTION, "10 yuan" },
    };
    pr_ferror_t errs[2];
    size_t n_errs = 0;
    pr_program_t *p = pr_program_compile(c, 3, errs, 2, &n_errs);
    assert_non_null(p);
    pr_slip_plan_t plan;
    pr_slip_plan(&plan, p, NULL, (const unsigned char[]){ 0, 1, 0 });
    assert_int_equal(plan.bonus, 1);
    pr_slip_plan(&plan, p, NULL, (const unsigned char[]){ 0, 0, 0 });
    assert_int_equal(plan.bonus, 0);
    pr_slip_plan(&plan, p, NULL, NULL);
    assert_int_equal(plan.bonus, 0);
    pr_slip_plan(&plan, p, NULL, (const unsigned char[]){ 0, 0, 1 });
    assert_int_equal(plan.bonus, -1);
    pr_program_destroy(&p);
    /* no flag and no such name: no bonus */
    const pr_component_src_t d[] = { { "base_pay", PR_KIND_EARNING, "base" } };
    p = pr_program_compile(d, 1, errs, 2, &n_errs);
    assert_non_null(p);
    pr_slip_plan(&plan, p, NULL, NULL);
    assert_int_equal(plan.bonus, -1);
    pr_program_destroy(&p);
}

/* joined_this_month and left_this_month: the date's month is the run's. */
static void a_day_in_the_month_of_the_run(void **state)
{
    (void)state;
    assert_int_equal(pr_day_in_month("2026-03-01", 2026, 3), 1);
    assert_int_equal(pr_day_in_month("2026-03-31", 2026, 3), 1);
    assert_int_equal(pr_day_in_month("2026-02-28", 2026, 3), 0);
    assert_int_equal(pr_day_in_month("2025-03-15", 2026, 3), 0);
    assert_int_equal(pr_day_in_month("", 2026, 3), 0);
    assert_int_equal(pr_day_in_month(NULL, 2026, 3), 0);
    assert_int_equal(pr_day_in_month("2026-03-15x", 2026, 3), 0);
}

/* service_years counts the anniversaries up to the month's last day. */
static void service_years_at_the_end_of_the_month(void **state)
{
    (void)state;
    assert_int_equal(pr_service_years("2021-03-31", 2024, 3), 3);
    assert_int_equal(pr_service_years("2021-03-01", 2024, 3), 3);
    assert_int_equal(pr_service_years("2021-03-31", 2024, 2), 2);
    assert_int_equal(pr_service_years("2021-04-01", 2024, 3), 2);
    assert_int_equal(pr_service_years("2020-02-29", 2021, 2), 1);
    assert_int_equal(pr_service_years("2026-03-16", 2026, 3), 0);
    assert_int_equal(pr_service_years("2026-05-01", 2026, 3), 0); /* hired later */
    assert_int_equal(pr_service_years("2000-12-31", 2026, 1), 25);
    assert_int_equal(pr_service_years("", 2026, 3), -1);
    assert_int_equal(pr_service_years("03/15/2020", 2026, 3), -1);
}

/* grade_level is the grade's first number; a grade without one is -1. */
static void the_number_in_a_grade(void **state)
{
    (void)state;
    assert_int_equal(pr_grade_level("P5"), 5);
    assert_int_equal(pr_grade_level("M2"), 2);
    assert_int_equal(pr_grade_level("P05"), 5);
    assert_int_equal(pr_grade_level("P10"), 10);
    assert_int_equal(pr_grade_level("T3-2"), 3);
    assert_int_equal(pr_grade_level("12"), 12);
    assert_int_equal(pr_grade_level("职级7"), 7);
    assert_int_equal(pr_grade_level("Senior"), -1);
    assert_int_equal(pr_grade_level(""), -1);
    assert_int_equal(pr_grade_level(NULL), -1);
    assert_int_equal(pr_grade_level("P1234567"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_payslip_of_known_inputs_to_the_fen),
        cmocka_unit_test(ytd_carried_across_months_with_a_raise_and_a_zero_month),
        cmocka_unit_test(a_mid_year_hire_starts_the_count_at_one),
        cmocka_unit_test(the_bonus_taxed_separately_or_merged),
        cmocka_unit_test(contributions_keep_to_floor_and_cap),
        cmocka_unit_test(overtime_deductions_and_adjustments),
        cmocka_unit_test(a_failing_formula_names_its_component),
        cmocka_unit_test(the_annual_bonus_is_the_flagged_earning),
        cmocka_unit_test(a_day_in_the_month_of_the_run),
        cmocka_unit_test(service_years_at_the_end_of_the_month),
        cmocka_unit_test(the_number_in_a_grade),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
