/* services/payroll/catalogue.c - the inputs a pay scheme's formulas may name
 *
 * Data only: adding an input is a line here (at the end, so stored input
 * vectors keep their indices), a line in docs/payroll-schemes.md (the e2e
 * suite test_payroll_schemes.py compares the two), and the code that fills it in a run.
 */
#include "catalogue.h"

#include <stdio.h>
#include <string.h>

#include "money.h"

const pr_input_def_t pr_inputs[] = {
    /* employee: compensation and archive */
    { "base", PR_T_MONEY, "employee", "monthly base salary", 0 },
    { "fixed_allowances", PR_T_MONEY, "employee", "sum of the monthly fixed allowances", 0 },
    { "housing_allowance", PR_T_MONEY, "employee", "monthly housing allowance", 0 },
    { "meal_allowance", PR_T_MONEY, "employee", "monthly meal allowance", 0 },
    { "transport_allowance", PR_T_MONEY, "employee", "monthly transport allowance", 0 },
    { "perf_bonus", PR_T_MONEY, "employee", "target performance bonus of the month", 0 },
    { "grade_level", PR_T_NUMBER, "employee", "the number in the grade at the month's end (P5 is 5)", 0 },
    { "service_years", PR_T_NUMBER, "employee", "whole years from the hire date to the month's last day", 0 },
    { "joined_this_month", PR_T_BOOL, "employee", "the hire date is in the month of the run", 0 },
    { "left_this_month", PR_T_BOOL, "employee", "the leave date is in the month of the run", 0 },
    /* attendance: the month's summary */
    { "workdays_in_month", PR_T_NUMBER, "attendance", "working days of the month by the work calendar", 0 },
    { "attended_days", PR_T_NUMBER, "attendance", "days worked (paid leave not included)", 0 },
    { "absent_days", PR_T_NUMBER, "attendance", "days absent without leave", 0 },
    { "late_count", PR_T_NUMBER, "attendance", "times late", 0 },
    { "early_leave_count", PR_T_NUMBER, "attendance", "times left early", 0 },
    { "overtime_workday_hours", PR_T_NUMBER, "attendance", "overtime hours on working days (150 %)", 0 },
    { "overtime_restday_hours", PR_T_NUMBER, "attendance", "overtime hours on rest days (200 %)", 0 },
    { "overtime_holiday_hours", PR_T_NUMBER, "attendance", "overtime hours on statutory holidays (300 %)", 0 },
    { "paid_leave_days", PR_T_NUMBER, "attendance", "days of paid leave (annual, marriage, ...)", 0 },
    { "unpaid_leave_days", PR_T_NUMBER, "attendance", "days of unpaid (personal) leave", 0 },
    { "sick_leave_days", PR_T_NUMBER, "attendance", "days of sick leave (leave type sick; within paid or unpaid leave)", 0 },
    /* performance: the rating of the review cycle that covers the month */
    { "rating", PR_T_NUMBER, "performance", "the weighted mean score of the raters", 0 },
    { "rating_coef", PR_T_RATE, "performance", "the bonus coefficient of the rating's band (1 without a rating)", 1000000 },
    /* statutory: what the run's city policy gives */
    { "standard_days", PR_T_NUMBER, "statutory", "statutory paid days of a month (21.75)", 21750000 },
    { "standard_hours", PR_T_NUMBER, "statutory", "statutory working hours of a month (174)", 174000000 },
    { "min_wage", PR_T_MONEY, "statutory", "the city's monthly minimum wage on the month's first day", 0 },
    { "si_base", PR_T_MONEY, "statutory", "social-insurance contribution base (after floor and cap)", 0 },
    { "hf_base", PR_T_MONEY, "statutory", "housing-fund contribution base (after floor and cap)", 0 },
    { "si_employee", PR_T_MONEY, "statutory", "the employee's social-insurance contributions", 0 },
    { "hf_employee", PR_T_MONEY, "statutory", "the employee's housing-fund contribution", 0 },
};

const size_t pr_inputs_n = sizeof(pr_inputs) / sizeof(pr_inputs[0]);

_Static_assert(sizeof(pr_inputs) / sizeof(pr_inputs[0]) <= PR_INPUTS_MAX,
               "the catalogue outgrew PR_INPUTS_MAX");

const char *pr_type_name(pr_type_t t)
{
    switch (t) {
    case PR_T_MONEY:
        return "money";
    case PR_T_NUMBER:
        return "number";
    case PR_T_RATE:
        return "rate";
    case PR_T_BOOL:
        return "boolean";
    }
    return "unknown";
}

int pr_input_index(const char *name, size_t len)
{
    for (size_t i = 0; i < pr_inputs_n; i++)
        if (strlen(pr_inputs[i].name) == len && !memcmp(pr_inputs[i].name, name, len))
            return (int)i;
    return -1;
}

void pr_inputs_defaults(int64_t in[PR_INPUTS_MAX])
{
    for (size_t k = 0; k < PR_INPUTS_MAX; k++)
        in[k] = k < pr_inputs_n ? pr_inputs[k].dflt : 0;
}

int pr_value_parse(pr_type_t t, const char *s, int64_t *v)
{
    switch (t) {
    case PR_T_MONEY:
        return pr_money_parse(s, 1, v) == PR_MONEY_OK ? 0 : -1;
    case PR_T_NUMBER:
    case PR_T_RATE:
        return pr_rate_parse(s, v) == PR_MONEY_OK ? 0 : -1;
    case PR_T_BOOL:
        if (s && (!strcmp(s, "true") || !strcmp(s, "false"))) {
            *v = s[0] == 't';
            return 0;
        }
        return -1;
    }
    return -1;
}

void pr_value_format(pr_type_t t, int64_t v, char out[PR_VALUE_TEXT_MAX])
{
    if (t == PR_T_MONEY)
        pr_money_format(v, out);
    else if (t == PR_T_BOOL)
        snprintf(out, PR_VALUE_TEXT_MAX, "%s", v ? "true" : "false");
    else
        pr_rate_format(v, out);
}
