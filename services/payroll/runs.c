/* services/payroll/runs.c - one payslip computed from its inputs (runs.h) */
#include "runs.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

pr_input_ix_t pr_ix;

static int ix(const char *name)
{
    return pr_input_index(name, strlen(name));
}

static void inputs_init(void)
{
    pr_ix = (pr_input_ix_t){
        ix("base"), ix("fixed_allowances"), ix("housing_allowance"), ix("meal_allowance"),
        ix("transport_allowance"), ix("perf_bonus"), ix("grade_level"), ix("service_years"),
        ix("joined_this_month"), ix("left_this_month"), ix("min_wage"), ix("workdays_in_month"),
        ix("attended_days"), ix("absent_days"), ix("late_count"), ix("early_leave_count"),
        ix("overtime_workday_hours"), ix("overtime_restday_hours"), ix("overtime_holiday_hours"),
        ix("paid_leave_days"), ix("unpaid_leave_days"), ix("sick_leave_days"), ix("rating"),
        ix("rating_coef"), ix("si_base"), ix("hf_base"), ix("si_employee"), ix("hf_employee"),
    };
}

void pr_slip_inputs_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, inputs_init);
}

/* 1 when component i is a money earning (what an annual bonus must be). */
static int money_earning(const pr_program_t *program, int i)
{
    return i >= 0 && pr_program_kind(program, (size_t)i) == PR_KIND_EARNING &&
           pr_program_type(program, (size_t)i) == PR_T_MONEY;
}

void pr_slip_plan(pr_slip_plan_t *plan, const pr_program_t *program, const unsigned char *taxable,
                  const unsigned char *annual)
{
    memset(plan, 0, sizeof(*plan));
    plan->program = program;
    plan->bonus = -1;
    size_t n = pr_program_count(program);
    for (size_t i = 0; i < n && i < PR_COMPONENTS_MAX; i++) {
        plan->taxable[i] = taxable ? taxable[i] : 0;
        if (annual && annual[i] && plan->bonus < 0)
            plan->bonus = (int)i;
    }
    if (plan->bonus < 0)
        plan->bonus = pr_program_find(program, PR_BONUS_COMPONENT);
    if (!money_earning(program, plan->bonus))
        plan->bonus = -1;
    plan->overtime = pr_program_find(program, PR_OVERTIME_COMPONENT);
}

/* "YYYY-MM-DD" into y, m, d; -1 when it is not one. */
static int day_parse(const char *s, int *y, int *m, int *d)
{
    char end;
    if (!s || sscanf(s, "%4d-%2d-%2d%c", y, m, d, &end) != 3 || *m < 1 || *m > 12 || *d < 1 ||
        *d > 31)
        return -1;
    return 0;
}

int pr_day_in_month(const char *day, int year, int mon)
{
    int y, m, d;
    return day_parse(day, &y, &m, &d) == 0 && y == year && m == mon;
}

int pr_service_years(const char *hire, int year, int mon)
{
    int y, m, d;
    if (day_parse(hire, &y, &m, &d) < 0)
        return -1;
    /* the anniversary of month m falls inside month m, so on or before the
     * run month's last day exactly when its month is not later */
    int years = year - y - (mon < m);
    return years > 0 ? years : 0;
}

int pr_grade_level(const char *grade)
{
    const char *s = grade ? grade : "";
    while (*s && (*s < '0' || *s > '9'))
        s++;
    int v = 0, digits = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++)
        v = v * 10 + (*s - '0');
    return digits >= 1 && digits <= 6 ? v : -1;
}

static void set_in(int64_t *in, int k, int64_t v)
{
    if (k >= 0)
        in[k] = v;
}

int pr_slip_compute(const pr_slip_plan_t *plan, pr_slip_in_t *in, pr_slip_t *out)
{
    memset(out, 0, sizeof(*out));
    /* 1. contributions */
    pr_social_compute(in->policy, in->wage, &out->social);
    const pr_social_share_t *hfund = &out->social.item[PR_SOCIAL_HOUSING_FUND];
    pr_fen_t si_base = 0;
    for (int k = 0; k < PR_SOCIAL_KINDS; k++)
        if (k != PR_SOCIAL_HOUSING_FUND && in->policy->item[k].present && !si_base)
            si_base = out->social.item[k].base;
    set_in(in->in, pr_ix.si_base, si_base);
    set_in(in->in, pr_ix.hf_base, hfund->base);
    set_in(in->in, pr_ix.si_employee, out->social.employee - hfund->employee);
    set_in(in->in, pr_ix.hf_employee, hfund->employee);

    /* 2. the scheme */
    if (pr_program_eval(plan->program, in->in, out->comp, &out->error) < 0)
        return -1;
    size_t n = pr_program_count(plan->program);
    pr_fen_t taxable = 0;
    for (size_t i = 0; i < n; i++) {
        if (pr_program_type(plan->program, i) != PR_T_MONEY)
            continue;
        pr_kind_t k = pr_program_kind(plan->program, i);
        if (k == PR_KIND_EARNING) {
            out->earnings += out->comp[i];
            if (plan->taxable[i] && (int)i != plan->bonus)
                taxable += out->comp[i];
        } else if (k == PR_KIND_DEDUCTION) {
            out->deductions += out->comp[i];
            if (plan->taxable[i])
                taxable -= out->comp[i];
        }
    }
    if (plan->bonus >= 0)
        out->bonus = out->comp[plan->bonus];

    /* 3. overtime */
    if (plan->overtime < 0) {
        out->hourly_rate = pr_overtime_hourly_rate(in->base);
        for (int k = 0; k < 3; k++) {
            out->overtime[k] = pr_overtime_pay(in->base, (pr_overtime_kind_t)k,
                                               in->overtime_minutes[k]);
            out->overtime_total += out->overtime[k];
        }
        taxable += out->overtime_total;
    }

    /* 4. adjustments */
    taxable += in->adjust_taxable;
    out->gross = out->earnings + out->overtime_total + in->adjust_taxable + in->adjust_untaxed;

    /* 5. and 6. taxable income and tax */
    int merged = in->bonus_merged || out->bonus < 0;
    if (merged)
        taxable += out->bonus;
    out->taxable_income = taxable > 0 ? taxable : 0;
    out->taxm = (pr_tax_month_t){ out->taxable_income, out->social.employee, in->additional, 0 };
    out->ytd = in->ytd;
    if (in->non_resident) {
        pr_tax_nonresident_month(out->taxable_income, &out->tax);
        if (!merged && out->bonus > 0)
            pr_tax_bonus_nonresident(out->bonus, &out->bonus_tax);
    } else {
        pr_tax_resident_month(&in->ytd, &out->taxm, &out->tax);
        pr_tax_ytd_add(&out->ytd, &out->taxm, &out->tax);
        if (!merged && out->bonus > 0)
            pr_tax_bonus_separate(out->bonus, &out->bonus_tax);
    }
    out->income_tax = out->tax.tax + out->bonus_tax.tax;

    /* 7. net */
    out->net = out->gross - out->deductions - out->social.employee - out->income_tax;
    out->employer_cost = out->gross + out->social.employer;
    return 0;
}
