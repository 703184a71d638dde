/* services/payroll/tax.h - individual income tax on wages: cumulative withholding, the annual bonus, non-residents
 *
 * Pure functions over plain structs of fen (money.h): no I/O, no
 * allocation, a handful of comparisons per employee, so a payroll run calls
 * them for every employee of a group in a few milliseconds. The tables are
 * the statutory ones as data (tax.c); docs/payroll.md gives the rules, their
 * sources and worked examples checked against the State Taxation
 * Administration's.
 *
 * Residents (居民个人), cumulative withholding (累计预扣法, 国家税务总局公告
 * 2018年第61号): each month, with this employer's year so far,
 *     cumulative taxable = cumulative income − 5 000 × months
 *                          − cumulative special deductions (social insurance, housing fund)
 *                          − cumulative special additional deductions − cumulative other
 *                          deductions, at least 0
 *     cumulative tax     = cumulative taxable × rate − quick deduction (annual table)
 *     this month's tax   = cumulative tax − tax already withheld this year, at least 0
 * "months" count from the employee's first month with this employer in the
 * year (a mid-year hire starts at 1 in his first month), and a month of no
 * income still counts its 5 000.
 *
 * The annual one-time bonus (全年一次性奖金, 财税〔2018〕164号, extended to
 * 2027 by 财政部 税务总局公告2023年第30号) is taxed either on its own
 * (pr_tax_bonus_separate: bonus ÷ 12 picks the monthly table's bracket, tax
 * = bonus × rate − quick deduction) or merged into that month's income, as
 * the employee chooses (add it to pr_tax_month_t.income).
 *
 * Non-residents (非居民个人, 国家税务总局公告2019年第35号): each month on its
 * own, monthly table on wages − 5 000 (pr_tax_nonresident_month); a bonus
 * for several months is spread over 6 (pr_tax_bonus_nonresident).
 *
 * Rounding: sums and differences of fen are exact; the one product (taxable
 * × rate) is rounded to the fen by money.h's rule, once.
 */
#ifndef PR_TAX_H
#define PR_TAX_H

#include "money.h"

#define PR_TAX_MONTHLY_ALLOWANCE ((pr_fen_t)500000) /* 减除费用: 5 000 yuan a month */
#define PR_TAX_BRACKETS 7

/* One bracket of a table: up to `upto` fen of taxable (inclusive; the last
 * bracket's is PR_MONEY_MAX), the rate in millionths, the quick deduction. */
typedef struct {
    pr_fen_t upto;
    int64_t rate;
    pr_fen_t quick;
} pr_tax_bracket_t;

/* The annual table (综合所得, residents' cumulative withholding) and the
 * monthly table (按月换算后的综合所得税率表: the annual bonus, non-residents). */
extern const pr_tax_bracket_t pr_tax_annual[PR_TAX_BRACKETS];
extern const pr_tax_bracket_t pr_tax_monthly[PR_TAX_BRACKETS];

/* The bracket of table for taxable (>= 0), never NULL. */
const pr_tax_bracket_t *pr_tax_bracket(const pr_tax_bracket_t table[PR_TAX_BRACKETS],
                                       pr_fen_t taxable);

/* One month's figures of an employee, in fen, each >= 0. */
typedef struct {
    pr_fen_t income;     /* wages taxable this month (with a merged bonus) */
    pr_fen_t special;    /* 专项扣除: the employee's social insurance and housing fund */
    pr_fen_t additional; /* 专项附加扣除: children, elderly, housing, education, … */
    pr_fen_t other;      /* 其他扣除: enterprise annuity, commercial health insurance, … */
} pr_tax_month_t;

/* The year so far with this employer, before the month being computed.
 * Zero it for an employee's first month in the year (a new year, a hire). */
typedef struct {
    int months;          /* months already counted */
    pr_fen_t income, special, additional, other;
    pr_fen_t withheld;   /* tax withheld so far */
} pr_tax_ytd_t;

/* What the month's payslip says about its tax, the figures of its explanation. */
typedef struct {
    int months;                  /* months counted, this one included */
    pr_fen_t cumulative_income;
    pr_fen_t cumulative_deductions; /* 5 000 × months + special + additional + other */
    pr_fen_t cumulative_taxable;
    int64_t rate;                /* of the bracket, in millionths (30000 = 3 %) */
    pr_fen_t quick;              /* its quick deduction */
    pr_fen_t cumulative_tax;     /* cumulative_taxable × rate − quick */
    pr_fen_t withheld_before;
    pr_fen_t tax;                /* this month's: cumulative_tax − withheld_before, >= 0 */
} pr_tax_line_t;

/* A resident's tax for month m after ytd, into *out. */
void pr_tax_resident_month(const pr_tax_ytd_t *ytd, const pr_tax_month_t *m, pr_tax_line_t *out);

/* ytd moved past month m, whose line is line (the tax withheld is line->tax). */
void pr_tax_ytd_add(pr_tax_ytd_t *ytd, const pr_tax_month_t *m, const pr_tax_line_t *line);

/* A non-resident's tax on one month's wages: monthly table on income − 5 000
 * (at least 0), no other deduction, no cumulation. out->months is 1 and the
 * cumulative figures are the month's. */
void pr_tax_nonresident_month(pr_fen_t income, pr_tax_line_t *out);

/* The tax of a bonus and how it was found. */
typedef struct {
    pr_fen_t bonus;
    pr_fen_t monthly;   /* the amount that picked the bracket: bonus ÷ 12 (÷ 6), rounded */
    int64_t rate;
    pr_fen_t quick;
    pr_fen_t tax;
} pr_tax_bonus_t;

/* A resident's annual one-time bonus taxed on its own: the bracket of the
 * monthly table for bonus ÷ 12 (compared exactly: bonus <= 12 × upto), tax
 * = bonus × rate − quick deduction, at least 0. bonus >= 0. */
void pr_tax_bonus_separate(pr_fen_t bonus, pr_tax_bonus_t *out);

/* A non-resident's bonus for several months (数月奖金): spread over 6,
 * tax = ((bonus ÷ 6) × rate − quick deduction) × 6 = bonus × rate − 6 ×
 * quick deduction, at least 0, bracket by bonus <= 6 × upto. bonus >= 0. */
void pr_tax_bonus_nonresident(pr_fen_t bonus, pr_tax_bonus_t *out);

#endif
