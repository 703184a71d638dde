/* services/payroll/tests/test-formula.c - the formula language of pay schemes: syntax, types, errors, exact money */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../formula.h"
#include "../money.h"

#define E PR_KIND_EARNING
#define D PR_KIND_DEDUCTION
#define I PR_KIND_INFO
#define M(x) ((int64_t)((x) * 1000000)) /* a number or rate in millionths */

static pr_ferror_t errs[8];
static size_t n_errs;

static pr_program_t *compile(const pr_component_src_t *c, size_t n)
{
    return pr_program_compile(c, n, errs, 8, &n_errs);
}

/* One input by name into in. */
static void set(int64_t *in, const char *name, int64_t v)
{
    int k = pr_input_index(name, strlen(name));
    assert_true(k >= 0);
    in[k] = v;
}

/* The value of a one-component scheme f (an info line, so any type) over in. */
static int64_t eval1(const char *f, const int64_t *in)
{
    pr_component_src_t c[] = { { "x", I, f } };
    pr_program_t *p = compile(c, 1);
    if (!p)
        fail_msg("%s: %s", f, errs[0].message);
    int64_t out[1] = { 0 };
    pr_eval_error_t e;
    assert_int_equal(pr_program_eval(p, in, out, &e), 0);
    pr_program_destroy(&p);
    return out[0];
}

/* The first error of a one-component scheme f, whose kind is kind. */
static const pr_ferror_t *refused(pr_kind_t kind, const char *f, pr_ferr_t code)
{
    pr_component_src_t c[] = { { "pay", kind, f } };
    pr_program_t *p = compile(c, 1);
    assert_null(p);
    assert_true(n_errs >= 1);
    if (errs[0].code != code)
        fail_msg("%s: want %s, got %s: %s", f, pr_ferr_code(code), pr_ferr_code(errs[0].code),
                 errs[0].message);
    assert_int_equal(errs[0].component, 0);
    return &errs[0];
}

static void attended_days_over_21_75_is_exact_until_the_fen(void **state)
{
    (void)state;
    int64_t in[PR_INPUTS_MAX] = { 0 };
    set(in, "base", 1000000); /* ¥10 000.00 */
    set(in, "attended_days", M(20));
    /* 10 000 × 20 / 21.75 = 9195.40229… → 9195.40 */
    assert_int_equal(eval1("base * attended_days / 21.75", in), 919540);
    /* the same as money.h's one step */
    assert_int_equal(eval1("base * attended_days / 21.75", in), pr_money_ratio(1000000, 2000, 2175));
    /* division first is as exact: no intermediate rounding */
    assert_int_equal(eval1("base / 21.75 * attended_days", in), 919540);
    /* × 21.75 after / 21.75 gives base back exactly */
    assert_int_equal(eval1("base / 21.75 * 21.75", in), 1000000);
    set(in, "base", 333);
    assert_int_equal(eval1("base / 3 * 3", in), 333);
}

static void halves_round_away_from_zero_once_per_component(void **state)
{
    (void)state;
    int64_t in[PR_INPUTS_MAX] = { 0 };
    set(in, "base", 1);                        /* 0.01 */
    assert_int_equal(eval1("base / 2", in), 1);   /* 0.005 → 0.01 */
    assert_int_equal(eval1("-base / 2", in), -1); /* -0.005 → -0.01 */
    assert_int_equal(eval1("base / 3", in), 0);   /* 0.00333 → 0.00 */
    /* a sum of thirds rounds once: 3 × 0.00333… = 0.01, not 0.00 */
    assert_int_equal(eval1("base / 3 + base / 3 + base / 3", in), 1);
    /* a rate component rounds to the millionth */
    assert_int_equal(eval1("2 / 3", in), 666667);
    assert_int_equal(eval1("1 / 2000000", in), 1); /* 0.0000005 → 0.000001 */
}

static void later_components_see_the_rounded_value(void **state)
{
    (void)state;
    pr_component_src_t c[] = {
        { "half", I, "base / 2" },
        { "twice", E, "half * 2" },
    };
    pr_program_t *p = compile(c, 2);
    assert_non_null(p);
    int64_t in[PR_INPUTS_MAX] = { 0 }, out[2];
    pr_eval_error_t e;
    set(in, "base", 1); /* half is 0.005 → 0.01; twice is 0.02, as the payslip shows */
    assert_int_equal(pr_program_eval(p, in, out, &e), 0);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 2);
    pr_program_destroy(&p);
}

static void precedence_is_arithmetic_then_comparison_then_not_and_or(void **state)
{
    (void)state;
    int64_t in[PR_INPUTS_MAX] = { 0 };
    assert_int_equal(eval1("1 + 2 * 3", in), M(7));
    assert_int_equal(eval1("(1 + 2) * 3", in), M(9));
    assert_int_equal(eval1("10 - 4 - 3", in), M(3));  /* left to right */
    assert_int_equal(eval1("12 / 3 / 2", in), M(2));
    assert_int_equal(eval1("-2 * 3", in), M(-6));
    assert_int_equal(eval1("2 - -3", in), M(5));
    assert_int_equal(eval1("if(1 + 1 == 2 and not 3 < 2 or false, 1, 0)", in), M(1));
    assert_int_equal(eval1("if(false and true or true, 1, 0)", in), M(1)); /* and before or */
    assert_int_equal(eval1("if(false || true && false, 1, 0)", in), M(0));
    assert_int_equal(eval1("if(!(1 >= 2), 1, 0)", in), M(1));
}

static void the_example_scheme_pays_to_the_fen(void **state)
{
    (void)state;
    pr_component_src_t c[] = {
        { "gross_base", E, "base * attended_days / 21.75 + perf_bonus * rating_coef" },
        { "late_fine", D, "if(late_count > 3, 200, late_count * 50 yuan)" },
        { "overtime", E, "round(base / standard_hours * (overtime_workday_hours * 1.5 + "
                         "overtime_restday_hours * 2 + overtime_holiday_hours * 3))" },
        { "meal", E, "min(meal_allowance, attended_days * 25 yuan)" },
        { "floor_pay", E, "max(gross_base - late_fine, min_wage) - gross_base + late_fine" },
    };
    pr_program_t *p = compile(c, 5);
    if (!p)
        fail_msg("%s", errs[0].message);
    int64_t in[PR_INPUTS_MAX] = { 0 }, out[5];
    pr_eval_error_t e;
    set(in, "base", 2000000);        /* ¥20 000 */
    set(in, "attended_days", M(21));
    set(in, "perf_bonus", 300000);   /* ¥3 000 */
    set(in, "rating_coef", M(1.2));
    set(in, "late_count", M(2));
    set(in, "standard_hours", M(174));
    set(in, "overtime_workday_hours", M(3.5));
    set(in, "overtime_restday_hours", M(8));
    set(in, "meal_allowance", 60000);
    set(in, "min_wage", 269000);
    assert_int_equal(pr_program_eval(p, in, out, &e), 0);
    /* 20000 × 21 / 21.75 = 19310.3448… + 3000 × 1.2 = 22910.34 */
    assert_int_equal(out[0], 2291034);
    assert_int_equal(out[1], 10000);  /* 2 × ¥50 */
    /* 20000 / 174 × (5.25 + 16) = 2442.5287… → 2442.53 */
    assert_int_equal(out[2], 244253);
    assert_int_equal(out[3], 52500);  /* 21 × 25 = 525 < 600 */
    assert_int_equal(out[4], 0);
    assert_int_equal(pr_program_type(p, 1), PR_T_MONEY);
    size_t n;
    const pr_ref_t *r = pr_program_refs(p, 4, &n);
    assert_int_equal(n, 3);
    assert_int_equal(r[0].component, 1);
    assert_int_equal(r[0].index, 0); /* gross_base, then late_fine, then min_wage */
    assert_int_equal(r[2].component, 0);
    pr_program_destroy(&p);
}

static void bare_numbers_next_to_money_are_yuan(void **state)
{
    (void)state;
    int64_t in[PR_INPUTS_MAX] = { 0 };
    set(in, "base", 800000);
    assert_int_equal(eval1("base + 100", in), 810000);
    assert_int_equal(eval1("max(base - 5000, 0)", in), 300000);
    assert_int_equal(eval1("if(base > 5000.50, 1, 0)", in), M(1));
    assert_int_equal(eval1("base * 2", in), 1600000); /* a factor stays a factor */
    assert_int_equal(eval1("if(base > 1, 100, base)", in), 10000);
    assert_int_equal(eval1("base / base", in), M(1)); /* money over money is a rate */
    assert_int_equal(eval1("attended_days * 25 yuan", in), 0);
    set(in, "attended_days", M(2.5));
    assert_int_equal(eval1("attended_days * 25.5 yuan", in), 6375);
    assert_int_equal(eval1("-1.5 yuan", in), -150);
    /* an earning of literals alone pays yuan */
    pr_component_src_t c[] = { { "bonus", E, "if(late_count == 0, 200, 0)" },
                               { "flat", D, "12.5" },
                               { "capped", E, "max(100, min(300, 200))" } };
    pr_program_t *p = compile(c, 3);
    assert_non_null(p);
    int64_t out[3];
    pr_eval_error_t e;
    assert_int_equal(pr_program_eval(p, in, out, &e), 0);
    assert_int_equal(out[0], 20000);
    assert_int_equal(out[1], 1250);
    assert_int_equal(out[2], 20000);
    pr_program_destroy(&p);
}

static void round_floor_and_ceil_take_decimals(void **state)
{
    (void)state;
    int64_t in[PR_INPUTS_MAX] = { 0 };
    set(in, "base", 123456); /* 1234.56 */
    assert_int_equal(eval1("round(base, 0)", in), 123500);
    assert_int_equal(eval1("round(base, -2)", in), 120000);
    assert_int_equal(eval1("floor(base, 1)", in), 123450);
    assert_int_equal(eval1("ceil(base, 0)", in), 123500);
    assert_int_equal(eval1("floor(-base, 0)", in), -123500);
    assert_int_equal(eval1("round(2.5)", in), M(3));
    assert_int_equal(eval1("round(-2.5)", in), M(-3));
    assert_int_equal(eval1("round(2.345, 2)", in), M(2.35));
    assert_int_equal(eval1("abs(3 - 5)", in), M(2));
}

static void if_evaluates_only_the_branch_taken(void **state)
{
    (void)state;
    int64_t in[PR_INPUTS_MAX] = { 0 };
    set(in, "base", 100000);
    /* no attendance: no division by it */
    assert_int_equal(eval1("if(workdays_in_month > 0, base / workdays_in_month, base)", in),
                     100000);
    assert_int_equal(eval1("if(workdays_in_month > 0 and base / workdays_in_month > 1, 1, 0)",
                           in), 0);
}

static void division_by_zero_at_run_time_is_that_employees_error(void **state)
{
    (void)state;
    pr_component_src_t c[] = {
        { "first", E, "base" },
        { "daily", E, "base / attended_days" },
    };
    pr_program_t *p = compile(c, 2);
    assert_non_null(p);
    int64_t in[PR_INPUTS_MAX] = { 0 }, out[2] = { -1, -1 };
    pr_eval_error_t e;
    set(in, "base", 100);
    assert_int_equal(pr_program_eval(p, in, out, &e), -1);
    assert_int_equal(e.code, PR_F_DIV_ZERO);
    assert_int_equal(e.component, 1);
    assert_int_equal(out[0], 100);
    set(in, "attended_days", M(4));
    assert_int_equal(pr_program_eval(p, in, out, &e), 0);
    assert_int_equal(out[1], 25);
    pr_program_destroy(&p);
}

static void overflow_at_run_time_is_an_error_not_a_wrap(void **state)
{
    (void)state;
    pr_component_src_t c[] = { { "huge", E, "base * 999999999999999 * 999999999999999 * "
                                            "999999999999999" } };
    pr_program_t *p = compile(c, 1);
    assert_non_null(p);
    int64_t in[PR_INPUTS_MAX] = { 0 }, out[1];
    pr_eval_error_t e;
    set(in, "base", PR_MONEY_MAX);
    assert_int_equal(pr_program_eval(p, in, out, &e), -1);
    assert_int_equal(e.code, PR_F_OVERFLOW);
    pr_program_destroy(&p);
    pr_component_src_t d[] = { { "big", E, "base * 2" } }; /* fits 128 bits, not PR_MONEY_MAX */
    p = compile(d, 1);
    assert_int_equal(pr_program_eval(p, in, out, &e), -1);
    assert_int_equal(e.code, PR_F_OVERFLOW);
    pr_program_destroy(&p);
}

static void unknown_names_are_named_with_their_column(void **state)
{
    (void)state;
    const pr_ferror_t *e = refused(E, "base * atended_days", PR_F_UNKNOWN_NAME);
    assert_string_equal(e->name, "atended_days");
    assert_int_equal(e->column, 8);
    assert_non_null(strstr(e->message, "component \"pay\""));
    assert_non_null(strstr(e->message, "column 8"));
    assert_non_null(strstr(e->message, "unknown name \"atended_days\""));
    e = refused(E, "sqrt(base)", PR_F_UNKNOWN_NAME);
    assert_string_equal(e->name, "sqrt");
}

static void a_cycle_is_named_in_full(void **state)
{
    (void)state;
    pr_component_src_t c[] = {
        { "a", E, "base + b" },
        { "b", E, "c * 2" },
        { "c", E, "a / 2" },
        { "d", E, "base" },
    };
    assert_null(compile(c, 4));
    assert_int_equal(n_errs, 1);
    assert_int_equal(errs[0].code, PR_F_CYCLE);
    assert_int_equal(errs[0].component, 0);
    assert_string_equal(errs[0].message, "component \"a\", column 8: cycle a -> b -> c -> a");
    assert_string_equal(errs[0].name, "b");
    const pr_ferror_t *e = refused(E, "pay + base", PR_F_CYCLE);
    assert_non_null(strstr(e->message, "cycle pay -> pay"));
}

static void a_literal_division_by_zero_is_refused_when_saved(void **state)
{
    (void)state;
    const pr_ferror_t *e = refused(E, "base / 0", PR_F_DIV_ZERO);
    assert_int_equal(e->column, 6);
    refused(E, "base / (2 - 2)", PR_F_DIV_ZERO);
    refused(E, "base / 0.000", PR_F_DIV_ZERO);
}

static void type_errors_say_which_types(void **state)
{
    (void)state;
    const pr_ferror_t *e = refused(E, "base * perf_bonus", PR_F_TYPE);
    assert_non_null(strstr(e->message, "cannot multiply money and money"));
    assert_int_equal(e->column, 6);
    e = refused(E, "base + attended_days", PR_F_TYPE);
    assert_non_null(strstr(e->message, "cannot add money and number"));
    assert_string_equal(e->name, "");
    e = refused(E, "attended_days * 2", PR_F_TYPE);
    assert_non_null(strstr(e->message, "an earning is money, this formula gives number"));
    refused(D, "late_count > 3", PR_F_TYPE);
    refused(I, "late_count > 3", PR_F_TYPE);
    refused(E, "if(late_count, base, 0)", PR_F_TYPE);
    refused(E, "if(late_count > 1, base, attended_days)", PR_F_TYPE);
    refused(E, "base + joined_this_month", PR_F_TYPE);
    refused(E, "if(base and true, base, 0)", PR_F_TYPE);
    refused(E, "if(not base, base, 0)", PR_F_TYPE);
    refused(E, "round(base, 3)", PR_F_TYPE);
    refused(E, "round(base, attended_days)", PR_F_TYPE);
    refused(I, "1 / base", PR_F_TYPE);
    refused(I, "min(base, attended_days)", PR_F_TYPE);
    refused(I, "2 yuan * 3 yuan", PR_F_TYPE);
}

static void overflows_of_constants_are_refused_when_saved(void **state)
{
    (void)state;
    refused(E, "base * 1234567890123456", PR_F_OVERFLOW);
    refused(I, "1000000000000000 * 1000000000000000 * 1000000000000000 * 1000000000000000 "
               "* 1000000000000000 * 1000000000000000", PR_F_OVERFLOW);
    refused(I, "1000000000000000 * 1000000000000000", PR_F_OVERFLOW); /* beyond 10^12 units */
}

static void syntax_errors_point_at_the_column(void **state)
{
    (void)state;
    static const struct { const char *f; unsigned column; } bad[] = {
        { "", 1 },            { "base +", 7 },        { "base base", 6 },
        { "(base", 6 },       { "base = 1", 6 },      { "1.", 1 },
        { ".5", 1 },          { "1.1234567", 1 },     { "if(true, 1)", 1 },
        { "min(base)", 1 },   { "1 < 2 < 3", 7 },     { "base $ 2", 6 },
        { "2base", 2 },       { "and", 1 },           { "max(1, 2", 9 },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const pr_ferror_t *e = refused(I, bad[i].f, PR_F_SYNTAX);
        if (e->column != bad[i].column)
            fail_msg("%s: column %u, want %u (%s)", bad[i].f, e->column, bad[i].column,
                     e->message);
    }
}

static void component_names_are_checked(void **state)
{
    (void)state;
    pr_component_src_t c[] = {
        { "Gross", E, "base" }, { "base", E, "base" }, { "max", E, "base" },
        { "ok", E, "base" },    { "ok", E, "base" },   { "", E, "base" },
    };
    assert_null(compile(c, 6));
    assert_int_equal(n_errs, 5);
    for (size_t i = 0; i < n_errs; i++)
        assert_int_equal(errs[i].code, PR_F_NAME);
    assert_int_equal(errs[3].component, 4);
    assert_non_null(strstr(errs[1].message, "input of the catalogue"));
}

static void every_faulty_component_is_reported(void **state)
{
    (void)state;
    pr_component_src_t c[] = {
        { "a", E, "bse" }, { "b", E, "base / 0" }, { "c", E, "base" }, { "d", E, "a + base" },
    };
    assert_null(compile(c, 4));
    assert_int_equal(n_errs, 2); /* d only inherits a's fault */
    assert_int_equal(errs[0].component, 0);
    assert_int_equal(errs[1].component, 1);
}

static void limits_are_errors(void **state)
{
    (void)state;
    char deep[300];
    memset(deep, '(', 100);
    strcpy(deep + 100, "1");
    memset(deep + 101, ')', 100);
    deep[201] = 0;
    refused(I, deep, PR_F_LIMIT);
    memset(deep, '(', 20); /* twenty levels are fine */
    strcpy(deep + 20, "base");
    memset(deep + 24, ')', 20);
    deep[44] = 0;
    int64_t in[PR_INPUTS_MAX] = { 0 };
    set(in, "base", 7);
    assert_int_equal(eval1(deep, in), 7);
    char longf[PR_FORMULA_MAX + 10];
    memset(longf, ' ', sizeof(longf) - 1);
    longf[0] = '1';
    longf[sizeof(longf) - 1] = 0;
    refused(I, longf, PR_F_LIMIT);
    assert_null(compile(NULL, 0));
    assert_int_equal(errs[0].code, PR_F_LIMIT);
    assert_int_equal(errs[0].component, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attended_days_over_21_75_is_exact_until_the_fen),
        cmocka_unit_test(halves_round_away_from_zero_once_per_component),
        cmocka_unit_test(later_components_see_the_rounded_value),
        cmocka_unit_test(precedence_is_arithmetic_then_comparison_then_not_and_or),
        cmocka_unit_test(the_example_scheme_pays_to_the_fen),
        cmocka_unit_test(bare_numbers_next_to_money_are_yuan),
        cmocka_unit_test(round_floor_and_ceil_take_decimals),
        cmocka_unit_test(if_evaluates_only_the_branch_taken),
        cmocka_unit_test(division_by_zero_at_run_time_is_that_employees_error),
        cmocka_unit_test(overflow_at_run_time_is_an_error_not_a_wrap),
        cmocka_unit_test(unknown_names_are_named_with_their_column),
        cmocka_unit_test(a_cycle_is_named_in_full),
        cmocka_unit_test(a_literal_division_by_zero_is_refused_when_saved),
        cmocka_unit_test(type_errors_say_which_types),
        cmocka_unit_test(overflows_of_constants_are_refused_when_saved),
        cmocka_unit_test(syntax_errors_point_at_the_column),
        cmocka_unit_test(component_names_are_checked),
        cmocka_unit_test(every_faulty_component_is_reported),
        cmocka_unit_test(limits_are_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
