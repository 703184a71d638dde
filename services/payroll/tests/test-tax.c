/* services/payroll/tests/test-tax.c - individual income tax: tables at every edge, cumulative withholding, bonus, non-residents */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../tax.h"

#define Y(yuan) ((pr_fen_t)(yuan) * 100)
#define PCT(p) ((int64_t)(p) * 10000)

/* One resident month after ytd; ytd moves past it. Returns the month's tax. */
static pr_fen_t month(pr_tax_ytd_t *ytd, pr_fen_t income, pr_fen_t special, pr_fen_t additional,
                      pr_tax_line_t *line)
{
    pr_tax_month_t m = { income, special, additional, 0 };
    pr_tax_line_t l;
    if (!line)
        line = &l;
    pr_tax_resident_month(ytd, &m, line);
    pr_tax_ytd_add(ytd, &m, line);
    return line->tax;
}

/* The State Taxation Administration's example of cumulative withholding
 * (国家税务总局公告2018年第61号, its explanation): 30 000 a month, 4 500 of
 * social insurance and housing fund, 2 000 of special additional
 * deductions: 555, 625, 1 850 in the first three months. */
static void the_administrations_example_withholds_555_625_1850(void **state)
{
    (void)state;
    pr_tax_ytd_t ytd = { 0 };
    pr_tax_line_t l;
    assert_int_equal(month(&ytd, Y(30000), Y(4500), Y(2000), &l), Y(555));
    assert_int_equal(l.cumulative_taxable, Y(18500));
    assert_int_equal(l.rate, PCT(3));
    assert_int_equal(month(&ytd, Y(30000), Y(4500), Y(2000), &l), Y(625));
    assert_int_equal(l.cumulative_taxable, Y(37000));
    assert_int_equal(l.rate, PCT(10));
    assert_int_equal(l.quick, Y(2520));
    assert_int_equal(l.cumulative_tax, Y(1180));
    assert_int_equal(month(&ytd, Y(30000), Y(4500), Y(2000), &l), Y(1850));
    assert_int_equal(l.cumulative_taxable, Y(55500));
    assert_int_equal(l.cumulative_tax, Y(3030));
    assert_int_equal(ytd.withheld, Y(3030));
}

/* A whole year of the same example: 10 % from month 2, 20 % from month 8
 * (cumulative taxable 148 000), and the year's tax is
 * the annual table applied to the year's taxable. */
static void a_year_of_the_example_sums_to_the_annual_tax(void **state)
{
    (void)state;
    static const pr_fen_t want[12] = { 55500, 62500, 185000, 185000, 185000, 185000,
                                       185000, 225000, 370000, 370000, 370000, 370000 };
    pr_tax_ytd_t ytd = { 0 };
    for (int i = 0; i < 12; i++)
        assert_int_equal(month(&ytd, Y(30000), Y(4500), Y(2000), NULL), want[i]);
    /* 222 000 taxable: 222 000 × 20 % − 16 920 = 27 480 */
    assert_int_equal(ytd.withheld, Y(27480));
}

/* Every edge of the annual table, both sides: at the edge the lower
 * bracket, a fen above it the next; the tax is continuous across it. */
static void the_annual_table_at_every_edge(void **state)
{
    (void)state;
    for (int i = 0; i < PR_TAX_BRACKETS - 1; i++) {
        pr_fen_t edge = pr_tax_annual[i].upto;
        pr_tax_ytd_t ytd = { 0 };
        pr_tax_line_t at, above;
        pr_tax_month_t m = { edge + PR_TAX_MONTHLY_ALLOWANCE, 0, 0, 0 };
        pr_tax_resident_month(&ytd, &m, &at);
        assert_int_equal(at.cumulative_taxable, edge);
        assert_int_equal(at.rate, pr_tax_annual[i].rate);
        assert_int_equal(at.tax, pr_money_rate(edge, pr_tax_annual[i].rate) - pr_tax_annual[i].quick);
        m.income++;
        pr_tax_resident_month(&ytd, &m, &above);
        assert_int_equal(above.rate, pr_tax_annual[i + 1].rate);
        assert_int_equal(above.quick, pr_tax_annual[i + 1].quick);
        /* the quick deductions make the tax continuous: one fen more taxes 0 or 1 fen more */
        assert_true(above.tax - at.tax >= 0 && above.tax - at.tax <= 1);
    }
    /* the edges in figures */
    static const struct { pr_fen_t taxable, tax; int64_t rate; } fig[] = {
        { Y(36000), Y(1080), PCT(3) },         { Y(36000) + 1, Y(1080), PCT(10) },
        { Y(144000), Y(11880), PCT(10) },      { Y(144000) + 1, Y(11880), PCT(20) },
        { Y(300000), Y(43080), PCT(20) },      { Y(300000) + 1, Y(43080), PCT(25) },
        { Y(420000), Y(73080), PCT(25) },      { Y(420000) + 1, Y(73080), PCT(30) },
        { Y(660000), Y(145080), PCT(30) },     { Y(660000) + 1, Y(145080), PCT(35) },
        { Y(960000), Y(250080), PCT(35) },     { Y(960000) + 1, Y(250080), PCT(45) },
        { Y(1000000), Y(268080), PCT(45) },    { 0, 0, PCT(3) },
        { 1, 0, PCT(3) },                      { 17, 1, PCT(3) }, /* 0.51 fen rounds up */
    };
    for (size_t k = 0; k < sizeof fig / sizeof fig[0]; k++) {
        pr_tax_ytd_t ytd = { 0 };
        pr_tax_line_t l;
        pr_tax_month_t m = { fig[k].taxable + PR_TAX_MONTHLY_ALLOWANCE, 0, 0, 0 };
        pr_tax_resident_month(&ytd, &m, &l);
        assert_int_equal(l.cumulative_taxable, fig[k].taxable);
        assert_int_equal(l.tax, fig[k].tax);
        assert_int_equal(l.rate, fig[k].rate);
    }
}

/* The monthly table through the bonus taxed on its own (bonus ÷ 12): at
 * 12 × the edge the lower bracket, a fen above the next, with the jump the
 * separate bonus is known for (36 000 → 1 080, 36 000.01 → 3 390). */
static void the_monthly_table_at_every_edge_through_the_bonus(void **state)
{
    (void)state;
    for (int i = 0; i < PR_TAX_BRACKETS - 1; i++) {
        pr_fen_t edge = pr_tax_monthly[i].upto * 12;
        pr_tax_bonus_t at, above;
        pr_tax_bonus_separate(edge, &at);
        assert_int_equal(at.rate, pr_tax_monthly[i].rate);
        assert_int_equal(at.monthly, pr_tax_monthly[i].upto);
        assert_int_equal(at.tax, pr_money_rate(edge, at.rate) - pr_tax_monthly[i].quick);
        pr_tax_bonus_separate(edge + 1, &above);
        assert_int_equal(above.rate, pr_tax_monthly[i + 1].rate);
        assert_int_equal(above.quick, pr_tax_monthly[i + 1].quick);
        assert_true(above.tax > at.tax);
    }
    static const struct { pr_fen_t bonus, tax; int64_t rate; pr_fen_t quick; } fig[] = {
        { 0, 0, PCT(3), 0 },
        { Y(36000), Y(1080), PCT(3), 0 },
        { Y(36000) + 1, Y(3390), PCT(10), Y(210) },       /* 3 600.001 − 210 */
        { Y(144000), Y(14190), PCT(10), Y(210) },
        { Y(144000) + 1, Y(27390), PCT(20), Y(1410) },
        { Y(300000), Y(58590), PCT(20), Y(1410) },
        { Y(300000) + 1, Y(72340), PCT(25), Y(2660) },
        { Y(420000), Y(102340), PCT(25), Y(2660) },
        { Y(420000) + 1, Y(121590), PCT(30), Y(4410) },
        { Y(660000), Y(193590), PCT(30), Y(4410) },
        { Y(660000) + 1, Y(223840), PCT(35), Y(7160) },
        { Y(960000), Y(328840), PCT(35), Y(7160) },
        { Y(960000) + 1, Y(416840), PCT(45), Y(15160) },
        { Y(50000), Y(4790), PCT(10), Y(210) },
    };
    for (size_t k = 0; k < sizeof fig / sizeof fig[0]; k++) {
        pr_tax_bonus_t b;
        pr_tax_bonus_separate(fig[k].bonus, &b);
        assert_int_equal(b.tax, fig[k].tax);
        assert_int_equal(b.rate, fig[k].rate);
        assert_int_equal(b.quick, fig[k].quick);
    }
}

/* A mid-year hire counts his months from his first month with this
 * employer: hired in July at 20 000, his first month deducts one 5 000, not
 * seven. */
static void a_mid_year_hire_counts_from_his_first_month(void **state)
{
    (void)state;
    pr_tax_ytd_t ytd = { 0 }; /* July: nothing before with this employer */
    pr_tax_line_t l;
    assert_int_equal(month(&ytd, Y(20000), Y(3000), Y(1000), &l), Y(330)); /* 11 000 × 3 % */
    assert_int_equal(l.months, 1);
    assert_int_equal(month(&ytd, Y(20000), Y(3000), Y(1000), &l), Y(330));
    assert_int_equal(l.cumulative_taxable, Y(22000));
    for (int i = 0; i < 4; i++) /* to December: 66 000 × 10 % − 2 520 = 4 080 in all */
        month(&ytd, Y(20000), Y(3000), Y(1000), &l);
    assert_int_equal(l.months, 6);
    assert_int_equal(l.cumulative_taxable, Y(66000));
    assert_int_equal(ytd.withheld, Y(4080));
}

/* A raise in April: the cumulative figures carry the earlier months, the
 * bracket moves up for the rest of the year. */
static void a_raise_moves_the_bracket_from_its_month(void **state)
{
    (void)state;
    pr_tax_ytd_t ytd = { 0 };
    for (int i = 0; i < 3; i++) /* 10 000, 1 500, 0: 3 500 taxable a month, 105 */
        assert_int_equal(month(&ytd, Y(10000), Y(1500), 0, NULL), Y(105));
    pr_tax_line_t l;
    /* April 25 000 (3 750 social): cumulative 10 500 + 16 250 = 26 750, still 3 % */
    assert_int_equal(month(&ytd, Y(25000), Y(3750), 0, &l), 48750); /* 802.50 − 315 */
    assert_int_equal(l.cumulative_tax, 80250);
    /* May: 43 000 → 10 %: 4 300 − 2 520 = 1 780, less 802.50 */
    assert_int_equal(month(&ytd, Y(25000), Y(3750), 0, &l), 97750);
    assert_int_equal(l.rate, PCT(10));
}

/* A month without income (unpaid leave) still counts its 5 000: the next
 * month's cumulative taxable is lower, and its tax is 0, not negative. */
static void a_month_of_zero_income_counts_its_allowance(void **state)
{
    (void)state;
    pr_tax_ytd_t ytd = { 0 };
    pr_tax_line_t l;
    assert_int_equal(month(&ytd, Y(12000), 0, 0, &l), Y(210)); /* 7 000 × 3 % */
    assert_int_equal(month(&ytd, 0, 0, 0, &l), 0);
    assert_int_equal(l.cumulative_taxable, Y(2000)); /* 12 000 − 10 000 */
    assert_int_equal(l.cumulative_tax, Y(60));
    assert_int_equal(l.tax, 0); /* 60 − 210 withheld: never below 0 */
    assert_int_equal(month(&ytd, Y(12000), 0, 0, &l), Y(60)); /* 270, 210 withheld */
    assert_int_equal(l.cumulative_taxable, Y(9000));              /* 24 000 − 15 000 */
    assert_int_equal(l.cumulative_tax, Y(270));
    assert_int_equal(month(&ytd, Y(12000), 0, 0, &l), Y(210));
    assert_int_equal(ytd.withheld, Y(480)); /* 16 000 × 3 % */
}

/* Deductions beyond income leave the cumulative taxable at 0, not below. */
static void deductions_beyond_income_tax_nothing(void **state)
{
    (void)state;
    pr_tax_ytd_t ytd = { 0 };
    pr_tax_line_t l;
    pr_tax_month_t m = { Y(6000), Y(900), Y(3000), Y(100) };
    pr_tax_resident_month(&ytd, &m, &l);
    assert_int_equal(l.cumulative_taxable, 0);
    assert_int_equal(l.cumulative_deductions, Y(9000));
    assert_int_equal(l.tax, 0);
    assert_int_equal(l.rate, PCT(3));
}

/* The bonus both ways: 60 000 on its own (5 000 a month: 10 %, 5 790) or
 * merged into a December whose year already fills the 10 % bracket. */
static void the_bonus_on_its_own_or_merged(void **state)
{
    (void)state;
    pr_tax_bonus_t b;
    pr_tax_bonus_separate(Y(60000), &b);
    assert_int_equal(b.monthly, Y(5000));
    assert_int_equal(b.rate, PCT(10));
    assert_int_equal(b.tax, Y(5790)); /* 6 000 − 210 */
    /* merged: 11 months of 15 000 (2 000 social) leave 8 000 taxable each */
    pr_tax_ytd_t ytd = { 0 };
    for (int i = 0; i < 11; i++)
        month(&ytd, Y(15000), Y(2000), 0, NULL);
    pr_tax_ytd_t before = ytd;
    pr_tax_line_t plain, merged;
    pr_tax_month_t dec = { Y(15000), Y(2000), 0, 0 };
    pr_tax_resident_month(&before, &dec, &plain);
    assert_int_equal(plain.cumulative_taxable, Y(96000));
    assert_int_equal(plain.tax, Y(800)); /* 9 600 − 2 520 − 6 280 withheld */
    dec.income += Y(60000);
    pr_tax_resident_month(&before, &dec, &merged);
    assert_int_equal(merged.cumulative_taxable, Y(156000));
    assert_int_equal(merged.rate, PCT(20));
    /* 156 000 × 20 % − 16 920 = 14 280, less 6 280: 8 000, of which 7 200 is the bonus's */
    assert_int_equal(merged.tax, Y(8000));
    assert_true(merged.tax - plain.tax > b.tax); /* here taxing it on its own is cheaper */
    /* a bonus merged into a year of low wages costs less than on its own:
     * 5 000 a month (1 000 social) leaves the allowance partly unused */
    pr_tax_ytd_t low = { 0 };
    for (int i = 0; i < 11; i++)
        assert_int_equal(month(&low, Y(5000), Y(1000), 0, NULL), 0);
    pr_tax_month_t m = { Y(5000) + Y(20000), Y(1000), 0, 0 };
    pr_tax_line_t l;
    pr_tax_resident_month(&low, &m, &l);
    assert_int_equal(l.cumulative_taxable, Y(8000)); /* 80 000 − 60 000 − 12 000 */
    assert_int_equal(l.tax, Y(240));
    pr_tax_bonus_separate(Y(20000), &b);
    assert_int_equal(b.tax, Y(600));
}

/* Non-residents: the monthly table on wages − 5 000 each month, nothing
 * carried (国家税务总局公告2019年第35号): 20 000 is 15 000 × 20 % − 1 410 =
 * 1 590; and every edge of the monthly table. */
static void a_non_resident_month_stands_alone(void **state)
{
    (void)state;
    pr_tax_line_t l;
    pr_tax_nonresident_month(Y(20000), &l);
    assert_int_equal(l.cumulative_taxable, Y(15000));
    assert_int_equal(l.rate, PCT(20));
    assert_int_equal(l.quick, Y(1410));
    assert_int_equal(l.tax, Y(1590));
    pr_tax_nonresident_month(Y(4000), &l);
    assert_int_equal(l.tax, 0);
    assert_int_equal(l.cumulative_taxable, 0);
    for (int i = 0; i < PR_TAX_BRACKETS - 1; i++) {
        pr_tax_line_t at, above;
        pr_tax_nonresident_month(pr_tax_monthly[i].upto + PR_TAX_MONTHLY_ALLOWANCE, &at);
        assert_int_equal(at.rate, pr_tax_monthly[i].rate);
        pr_tax_nonresident_month(pr_tax_monthly[i].upto + PR_TAX_MONTHLY_ALLOWANCE + 1, &above);
        assert_int_equal(above.rate, pr_tax_monthly[i + 1].rate);
        assert_true(above.tax - at.tax >= 0 && above.tax - at.tax <= 1);
    }
}

/* A non-resident's bonus for several months, spread over 6 (公告2019年第35号
 * 第二条(三)): 48 000 → 8 000 a month, 10 %: (800 − 210) × 6 = 3 540; the
 * edges at 6 × the table's. */
static void a_non_residents_bonus_is_spread_over_six(void **state)
{
    (void)state;
    pr_tax_bonus_t b;
    pr_tax_bonus_nonresident(Y(48000), &b);
    assert_int_equal(b.monthly, Y(8000));
    assert_int_equal(b.rate, PCT(10));
    assert_int_equal(b.quick, Y(210));
    assert_int_equal(b.tax, Y(3540));
    pr_tax_bonus_nonresident(Y(18000), &b);
    assert_int_equal(b.rate, PCT(3));
    assert_int_equal(b.tax, Y(540));
    pr_tax_bonus_nonresident(Y(18000) + 1, &b);
    assert_int_equal(b.rate, PCT(10));
    assert_int_equal(b.tax, Y(540)); /* 1 800.001 − 1 260: continuous over 6 */
    pr_tax_bonus_nonresident(Y(600000), &b); /* 100 000 a month: 45 % */
    assert_int_equal(b.rate, PCT(45));
    assert_int_equal(b.tax, Y(179040)); /* 270 000 − 6 × 15 160 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_administrations_example_withholds_555_625_1850),
        cmocka_unit_test(a_year_of_the_example_sums_to_the_annual_tax),
        cmocka_unit_test(the_annual_table_at_every_edge),
        cmocka_unit_test(the_monthly_table_at_every_edge_through_the_bonus),
        cmocka_unit_test(a_mid_year_hire_counts_from_his_first_month),
        cmocka_unit_test(a_raise_moves_the_bracket_from_its_month),
        cmocka_unit_test(a_month_of_zero_income_counts_its_allowance),
        cmocka_unit_test(deductions_beyond_income_tax_nothing),
        cmocka_unit_test(the_bonus_on_its_own_or_merged),
        cmocka_unit_test(a_non_resident_month_stands_alone),
        cmocka_unit_test(a_non_residents_bonus_is_spread_over_six),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
