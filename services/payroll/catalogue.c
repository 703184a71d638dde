/* services/payroll/catalogue.c - the inputs a pay scheme's formulas may name
 *
 * Data only: adding an input is a line here (at the end, so stored input
 * vectors keep their indices), a line in docs/payroll-schemes.md (the api
 * docs test compares them), and the code that fills it in a run.
 */
#include "catalogue.h"

#include <string.h>

const pr_input_def_t pr_inputs[] = {
    /* employee: compensation and archive */
    { "base", PR_T_MONEY, "employee", "monthly base salary" },
    { "fixed_allowances", PR_T_MONEY, "employee", "sum of the monthly fixed allowances" },
    { "housing_allowance", PR_T_MONEY, "employee", "monthly housing allowance" },
    { "meal_allowance", PR_T_MONEY, "employee", "monthly meal allowance" },
    { "transport_allowance", PR_T_MONEY, "employee", "monthly transport allowance" },
    { "perf_bonus", PR_T_MONEY, "employee", "target performance bonus of the month" },
    { "grade_level", PR_T_NUMBER, "employee", "the grade as a number (grade P5 is 5)" },
    { "service_years", PR_T_NUMBER, "employee", "whole years since the hire date" },
    { "joined_this_month", PR_T_BOOL, "employee", "hired during the month of the run" },
    { "left_this_month", PR_T_BOOL, "employee", "left during the month of the run" },
    /* attendance: the month's summary */
    { "workdays_in_month", PR_T_NUMBER, "attendance", "working days of the month by the work calendar" },
    { "attended_days", PR_T_NUMBER, "attendance", "days worked (paid leave not included)" },
    { "absent_days", PR_T_NUMBER, "attendance", "days absent without leave" },
    { "late_count", PR_T_NUMBER, "attendance", "times late" },
    { "early_leave_count", PR_T_NUMBER, "attendance", "times left early" },
    { "overtime_workday_hours", PR_T_NUMBER, "attendance", "overtime hours on working days (150 %)" },
    { "overtime_restday_hours", PR_T_NUMBER, "attendance", "overtime hours on rest days (200 %)" },
    { "overtime_holiday_hours", PR_T_NUMBER, "attendance", "overtime hours on statutory holidays (300 %)" },
    { "paid_leave_days", PR_T_NUMBER, "attendance", "days of paid leave (annual, marriage, ...)" },
    { "unpaid_leave_days", PR_T_NUMBER, "attendance", "days of unpaid (personal) leave" },
    { "sick_leave_days", PR_T_NUMBER, "attendance", "days of sick leave" },
    /* performance: the rating of the review cycle that covers the month */
    { "rating", PR_T_NUMBER, "performance", "the weighted mean score of the raters" },
    { "rating_coef", PR_T_RATE, "performance", "the bonus coefficient of the rating's band (1 without a rating)" },
    /* statutory: what the run's city policy gives */
    { "standard_days", PR_T_NUMBER, "statutory", "statutory paid days of a month (21.75)" },
    { "standard_hours", PR_T_NUMBER, "statutory", "statutory working hours of a month (174)" },
    { "min_wage", PR_T_MONEY, "statutory", "the city's monthly minimum wage" },
    { "si_base", PR_T_MONEY, "statutory", "social-insurance contribution base (after floor and cap)" },
    { "hf_base", PR_T_MONEY, "statutory", "housing-fund contribution base (after floor and cap)" },
    { "si_employee", PR_T_MONEY, "statutory", "the employee's social-insurance contributions" },
    { "hf_employee", PR_T_MONEY, "statutory", "the employee's housing-fund contribution" },
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
