/* services/payroll/tax.c - individual income tax: the two tables and how they apply
 *
 * The tables are data, in yuan as the law writes them (个人所得税法 附表一 and
 * 财税〔2018〕164号's 按月换算后的综合所得税率表); tax.h says how each rule
 * uses them. One rounding, of taxable × rate, per figure.
 */
#include "tax.h"

#define Y(yuan) ((pr_fen_t)(yuan) * 100)
#define PCT(p) ((int64_t)(p) * 10000)

const pr_tax_bracket_t pr_tax_annual[PR_TAX_BRACKETS] = {
    { Y(36000), PCT(3), Y(0) },         { Y(144000), PCT(10), Y(2520) },
    { Y(300000), PCT(20), Y(16920) },   { Y(420000), PCT(25), Y(31920) },
    { Y(660000), PCT(30), Y(52920) },   { Y(960000), PCT(35), Y(85920) },
    { PR_MONEY_MAX, PCT(45), Y(181920) },
};

const pr_tax_bracket_t pr_tax_monthly[PR_TAX_BRACKETS] = {
    { Y(3000), PCT(3), Y(0) },          { Y(12000), PCT(10), Y(210) },
    { Y(25000), PCT(20), Y(1410) },     { Y(35000), PCT(25), Y(2660) },
    { Y(55000), PCT(30), Y(4410) },     { Y(80000), PCT(35), Y(7160) },
    { PR_MONEY_MAX, PCT(45), Y(15160) },
};

/* The bracket of table for amount spread over `parts` (1, 6, 12): the first
 * whose upper end times parts is not below it, compared without dividing. */
static const pr_tax_bracket_t *bracket_of(const pr_tax_bracket_t table[PR_TAX_BRACKETS],
                                          pr_fen_t amount, int parts)
{
    for (int i = 0; i < PR_TAX_BRACKETS - 1; i++)
        if ((__int128)amount <= (__int128)table[i].upto * parts)
            return &table[i];
    return &table[PR_TAX_BRACKETS - 1];
}

const pr_tax_bracket_t *pr_tax_bracket(const pr_tax_bracket_t table[PR_TAX_BRACKETS],
                                       pr_fen_t taxable)
{
    return bracket_of(table, taxable, 1);
}

static pr_fen_t at_least_zero(pr_fen_t v)
{
    return v < 0 ? 0 : v;
}

/* taxable × rate − parts × quick, at least 0, with the bracket in *out. */
static void apply(const pr_tax_bracket_t *b, pr_fen_t taxable, int parts, pr_fen_t *tax,
                  int64_t *rate, pr_fen_t *quick)
{
    *rate = b->rate;
    *quick = b->quick;
    *tax = at_least_zero(pr_money_rate(taxable, b->rate) - b->quick * parts);
}

void pr_tax_resident_month(const pr_tax_ytd_t *ytd, const pr_tax_month_t *m, pr_tax_line_t *out)
{
    out->months = ytd->months + 1;
    out->cumulative_income = ytd->income + m->income;
    out->cumulative_deductions = PR_TAX_MONTHLY_ALLOWANCE * out->months + ytd->special +
                                 m->special + ytd->additional + m->additional + ytd->other +
                                 m->other;
    out->cumulative_taxable = at_least_zero(out->cumulative_income - out->cumulative_deductions);
    apply(pr_tax_bracket(pr_tax_annual, out->cumulative_taxable), out->cumulative_taxable, 1,
          &out->cumulative_tax, &out->rate, &out->quick);
    out->withheld_before = ytd->withheld;
    out->tax = at_least_zero(out->cumulative_tax - ytd->withheld);
}

void pr_tax_ytd_add(pr_tax_ytd_t *ytd, const pr_tax_month_t *m, const pr_tax_line_t *line)
{
    ytd->months++;
    ytd->income += m->income;
    ytd->special += m->special;
    ytd->additional += m->additional;
    ytd->other += m->other;
    ytd->withheld += line->tax;
}

void pr_tax_nonresident_month(pr_fen_t income, pr_tax_line_t *out)
{
    out->months = 1;
    out->cumulative_income = income;
    out->cumulative_deductions = PR_TAX_MONTHLY_ALLOWANCE;
    out->cumulative_taxable = at_least_zero(income - PR_TAX_MONTHLY_ALLOWANCE);
    apply(pr_tax_bracket(pr_tax_monthly, out->cumulative_taxable), out->cumulative_taxable, 1,
          &out->cumulative_tax, &out->rate, &out->quick);
    out->withheld_before = 0;
    out->tax = out->cumulative_tax;
}

/* A bonus spread over `parts` months of the monthly table. */
static void bonus_tax(pr_fen_t bonus, int parts, int quick_times, pr_tax_bonus_t *out)
{
    out->bonus = bonus;
    out->monthly = pr_round_div(bonus, parts);
    apply(bracket_of(pr_tax_monthly, bonus, parts), bonus, quick_times, &out->tax, &out->rate,
          &out->quick);
}

void pr_tax_bonus_separate(pr_fen_t bonus, pr_tax_bonus_t *out)
{
    bonus_tax(bonus, 12, 1, out);
}

void pr_tax_bonus_nonresident(pr_fen_t bonus, pr_tax_bonus_t *out)
{
    bonus_tax(bonus, 6, 6, out);
}
