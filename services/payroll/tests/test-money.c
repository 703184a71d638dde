/* services/payroll/tests/test-money.c - amounts in fen, rates in millionths, the rounding rule */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../money.h"

static pr_fen_t fen(const char *s)
{
    pr_fen_t v = -1;
    assert_int_equal(pr_money_parse(s, 1, &v), PR_MONEY_OK);
    return v;
}

static void amounts_parse_as_whole_fen(void **state)
{
    (void)state;
    assert_int_equal(fen("30000.00"), 3000000);
    assert_int_equal(fen("30000"), 3000000);
    assert_int_equal(fen("30000.5"), 3000050);
    assert_int_equal(fen("0.01"), 1);
    assert_int_equal(fen("-12.30"), -1230);
    assert_int_equal(fen("1.230"), 123); /* trailing zeros beyond the fen are exact */
    assert_int_equal(fen("100000000000.00"), PR_MONEY_MAX);
}

static void text_that_is_no_amount_is_refused_and_names_why(void **state)
{
    (void)state;
    static const struct { const char *s; int neg_ok; pr_money_err_t e; } bad[] = {
        {"", 1, PR_MONEY_EMPTY},          {NULL, 1, PR_MONEY_EMPTY},
        {"abc", 1, PR_MONEY_SYNTAX},      {"12,000.00", 1, PR_MONEY_SYNTAX},
        {"1e3", 1, PR_MONEY_SYNTAX},      {"¥5", 1, PR_MONEY_SYNTAX},
        {" 5", 1, PR_MONEY_SYNTAX},       {"5 ", 1, PR_MONEY_SYNTAX},
        {"+5", 1, PR_MONEY_SYNTAX},       {".5", 1, PR_MONEY_SYNTAX},
        {"5.", 1, PR_MONEY_SYNTAX},       {"1.2.3", 1, PR_MONEY_SYNTAX},
        {"-", 1, PR_MONEY_SYNTAX},        {"--1", 1, PR_MONEY_SYNTAX},
        {"1.231", 1, PR_MONEY_PRECISION}, {"0.001", 1, PR_MONEY_PRECISION},
        {"-0.01", 0, PR_MONEY_NEGATIVE},  {"-30000", 0, PR_MONEY_NEGATIVE},
        {"100000000000.01", 1, PR_MONEY_RANGE},
        {"99999999999999999999999999999999", 1, PR_MONEY_RANGE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pr_fen_t v = 77;
        assert_int_equal(pr_money_parse(bad[i].s, bad[i].neg_ok, &v), bad[i].e);
        assert_int_equal(v, 77); /* untouched */
        assert_true(strlen(pr_money_strerror(bad[i].e)) > 3);
    }
    pr_fen_t z = 5;
    assert_int_equal(pr_money_parse("-0.00", 0, &z), PR_MONEY_OK); /* minus zero is zero */
    assert_int_equal(z, 0);
}

static void amounts_format_with_two_decimals(void **state)
{
    (void)state;
    char out[PR_MONEY_TEXT_MAX];
    static const struct { pr_fen_t v; const char *s; } cases[] = {
        {0, "0.00"}, {1, "0.01"}, {-5, "-0.05"}, {3000000, "30000.00"},
        {123456789, "1234567.89"}, {PR_MONEY_MAX, "100000000000.00"}, {-PR_MONEY_MAX, "-100000000000.00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pr_money_format(cases[i].v, out);
        assert_string_equal(out, cases[i].s);
        assert_int_equal(fen(out), cases[i].v); /* and read back */
    }
}

static void rates_are_millionths_written_shortest(void **state)
{
    (void)state;
    int64_t r = -1;
    char out[PR_RATE_TEXT_MAX];
    static const struct { const char *in, *out; int64_t ppm; } cases[] = {
        {"0.08", "0.08", 80000},     {"0.105", "0.105", 105000}, {"1.2", "1.2", 1200000},
        {"0", "0", 0},               {"0.000001", "0.000001", 1}, {"0.0016", "0.0016", 1600},
        {"3", "3", 3000000},         {"0.080", "0.08", 80000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(pr_rate_parse(cases[i].in, &r), PR_MONEY_OK);
        assert_int_equal(r, cases[i].ppm);
        pr_rate_format(r, out);
        assert_string_equal(out, cases[i].out);
    }
    assert_int_equal(pr_rate_parse("-0.1", &r), PR_MONEY_NEGATIVE);
    assert_int_equal(pr_rate_parse("0.0000001", &r), PR_MONEY_PRECISION);
    assert_int_equal(pr_rate_parse("8%", &r), PR_MONEY_SYNTAX);
}

static void halves_round_away_from_zero_once(void **state)
{
    (void)state;
    assert_int_equal(pr_round_div(5, 10), 1);   /* 0.5 → 1 */
    assert_int_equal(pr_round_div(-5, 10), -1); /* -0.5 → -1 */
    assert_int_equal(pr_round_div(4, 10), 0);
    assert_int_equal(pr_round_div(-4, 10), 0);
    assert_int_equal(pr_round_div(15, -10), -2);
    assert_int_equal(pr_round_div(14999, 10000), 1);
    /* 8 % of ¥123.45: 9.876 → 9.88 */
    assert_int_equal(pr_money_rate(12345, 80000), 988);
    /* 0.5 % of ¥1.00 is half a fen: up */
    assert_int_equal(pr_money_rate(100, 5000), 1);
    assert_int_equal(pr_money_rate(-100, 5000), -1);
    /* ¥10 000 for 20 of 21.75 days: 9195.4022… → 9195.40 */
    assert_int_equal(pr_money_ratio(1000000, 2000, 2175), 919540);
    /* one day's pay of ¥10 000 (÷ 21.75): 459.7701… → 459.77; an hour's (÷ 174): 57.4712… → 57.47 */
    assert_int_equal(pr_money_ratio(1000000, 100, 2175), 45977);
    assert_int_equal(pr_money_ratio(1000000, 1, 174), 5747);
    /* the largest amount times the largest rate stays exact */
    assert_int_equal(pr_round_div((__int128)PR_MONEY_MAX * PR_RATE_ONE, PR_RATE_ONE), PR_MONEY_MAX);
}

static void bases_are_held_between_floor_and_cap(void **state)
{
    (void)state;
    assert_int_equal(pr_money_clamp(300000, 700000, 3600000), 700000);
    assert_int_equal(pr_money_clamp(5000000, 700000, 3600000), 3600000);
    assert_int_equal(pr_money_clamp(1000000, 700000, 3600000), 1000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(amounts_parse_as_whole_fen),
        cmocka_unit_test(text_that_is_no_amount_is_refused_and_names_why),
        cmocka_unit_test(amounts_format_with_two_decimals),
        cmocka_unit_test(rates_are_millionths_written_shortest),
        cmocka_unit_test(halves_round_away_from_zero_once),
        cmocka_unit_test(bases_are_held_between_floor_and_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
