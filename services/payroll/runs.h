/* services/payroll/runs.h - one payslip computed from its inputs (pure)
 *
 * A payroll run (runs_store.c) loads a company's month with a few
 * set-based statements, fills one pr_slip_in_t per employee and calls
 * pr_slip_compute for each: no I/O, no allocation, a few microseconds an
 * employee. The order of a payslip, each step rounded once by money.h's
 * rule (docs/payroll-runs.md gives it with an example):
 *
 *   1. contributions (social.h) on the contribution base: the monthly
 *      base plus the fixed allowances of the compensation in effect,
 *      clamped by each item's floor and cap;
 *   2. the scheme's components (formula.h) with the catalogue's inputs
 *      filled from the employee, attendance, rating and step 1;
 *   3. overtime pay (overtime.h) on the monthly base from the month's
 *      overtime minutes, when the scheme has no component of its own
 *      named overtime_pay;
 *   4. adjustments of earlier, locked months;
 *   5. taxable income: the taxable earnings, overtime and taxable
 *      adjustments less the taxable deductions, the annual bonus (the
 *      earning flagged annual_bonus, or for a scheme flagging none the
 *      earning named annual_bonus) apart unless the profile merges it;
 *   6. income tax (tax.h): cumulative withholding on the year so far
 *      (residents) or the month alone (non-residents), and the bonus's
 *      own tax when taxed separately;
 *   7. net pay: gross − the scheme's deductions − the employee's
 *      contributions − income tax.
 */
#ifndef PR_RUNS_H
#define PR_RUNS_H

#include "catalogue.h"
#include "formula.h"
#include "money.h"
#include "overtime.h"
#include "social.h"
#include "tax.h"

#include <stdint.h>

#define PR_BONUS_COMPONENT "annual_bonus"
#define PR_OVERTIME_COMPONENT "overtime_pay"

/* The catalogue indices a run fills, looked up once (pr_slip_plan). */
typedef struct {
    const pr_program_t *program;
    int bonus;        /* index of the annual bonus earning, or -1 */
    int overtime;     /* index of a component named overtime_pay, or -1 */
    unsigned char taxable[PR_COMPONENTS_MAX];
} pr_slip_plan_t;

/* The plan of a compiled scheme version: taxable[i] and annual[i] as saved
 * (1 = counts in taxable income; 1 = the annual one-time bonus), either
 * NULL for none. The bonus is the money earning flagged in annual; when
 * none is (a scheme saved before the flag existed), the money earning
 * named PR_BONUS_COMPONENT. */
void pr_slip_plan(pr_slip_plan_t *plan, const pr_program_t *program, const unsigned char *taxable,
                  const unsigned char *annual);

/* What one employee's payslip is computed from. */
typedef struct {
    int64_t in[PR_INPUTS_MAX];   /* the catalogue's inputs (defaults where the run has none);
                                    the statutory si_* and hf_* are set by the computation */
    pr_fen_t base;               /* monthly base salary (overtime's base) */
    pr_fen_t wage;               /* contribution base before floor and cap */
    int64_t overtime_minutes[3]; /* workday, rest day, holiday */
    const pr_social_policy_t *policy;
    int non_resident, bonus_merged;
    pr_fen_t additional;         /* special additional deductions of the month */
    pr_tax_ytd_t ytd;            /* the year so far before this month */
    pr_fen_t adjust_taxable, adjust_untaxed; /* adjustments landing this month */
} pr_slip_in_t;

typedef struct {
    int64_t comp[PR_COMPONENTS_MAX];
    pr_social_result_t social;
    pr_fen_t hourly_rate;
    pr_fen_t overtime[3], overtime_total;
    pr_fen_t earnings, deductions;       /* the scheme's money earnings and deductions */
    pr_fen_t gross;                      /* earnings + overtime + adjustments */
    pr_fen_t taxable_income;             /* this month's income for the tax */
    pr_fen_t bonus;                      /* the annual bonus, 0 when none */
    pr_tax_month_t taxm;
    pr_tax_line_t tax;
    pr_tax_bonus_t bonus_tax;            /* bonus taxed apart; zero otherwise */
    pr_fen_t income_tax;                 /* tax.tax + bonus_tax.tax */
    pr_fen_t net;
    pr_fen_t employer_cost;              /* gross + the employer's contributions */
    pr_tax_ytd_t ytd;                    /* the year so far after this month */
    pr_eval_error_t error;               /* when pr_slip_compute fails */
} pr_slip_t;

/* Compute one payslip. Returns 0, or -1 when a formula fails (out->error:
 * the component and why; division by zero, overflow). in->policy non-NULL. */
int pr_slip_compute(const pr_slip_plan_t *plan, pr_slip_in_t *in, pr_slip_t *out);

/* Catalogue indices of the inputs a run fills (-1 when absent). Filled by
 * pr_slip_inputs_init once. */
typedef struct {
    int base, fixed_allowances, housing, meal, transport, perf_bonus, grade_level, service_years,
        joined, left, min_wage;
    int workdays, attended, absent, late, early, ot_workday, ot_restday, ot_holiday, paid_leave,
        unpaid_leave, sick_leave, rating, rating_coef, si_base, hf_base, si_employee, hf_employee;
} pr_input_ix_t;
extern pr_input_ix_t pr_ix;
void pr_slip_inputs_init(void);

/* ---- the employee's inputs of a month (docs/payroll-schemes.md) ---- */

/* 1 when day ("YYYY-MM-DD") falls in month mon of year (joined_this_month
 * from the hire date, left_this_month from the leave date), else 0 (also
 * for "" or NULL: no date recorded). */
int pr_day_in_month(const char *day, int year, int mon);

/* service_years: whole years of service at the end of month mon of year
 * from the hire day ("YYYY-MM-DD"): how many anniversaries of the hire
 * fall on or before the month's last day (hired 2021-03-31: 3 in 2024-03,
 * 2 in 2024-02; hired 2020-02-29: 1 in 2021-02). 0 when hired after the
 * month; -1 when hire is not a day (none recorded). */
int pr_service_years(const char *hire, int year, int mon);

/* grade_level: the number in a grade, its first run of digits ("P5" 5,
 * "M2" 2, "T3-2" 3, "12" 12, "P05" 5). -1 when the grade has none ("",
 * "Senior") or more than 6 digits. */
int pr_grade_level(const char *grade);

#endif
