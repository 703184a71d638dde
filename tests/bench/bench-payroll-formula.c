/* tests/bench/bench-payroll-formula.c - evaluation of a compiled pay scheme, per core
 *
 * A scheme of 20 components in the manner of a group's (attendance pay,
 * overtime, allowances, a performance bonus, fines, deductions, totals)
 * compiled once, then evaluated for 100 000 employees whose inputs vary
 * (attendance, overtime, ratings, base). Prints payslips and components
 * evaluated per second on one core: evaluation alone, no I/O.
 * `meson test -C build --benchmark --verbose payroll-formula`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../services/payroll/formula.h"
#include "benchout.h"

#define EMPLOYEES 100000

static const pr_component_src_t scheme[] = {
    { "day_rate", PR_KIND_INFO, "base / standard_days" },
    { "hour_rate", PR_KIND_INFO, "base / standard_hours" },
    { "attendance_pay", PR_KIND_EARNING, "base * attended_days / workdays_in_month" },
    { "paid_leave_pay", PR_KIND_EARNING, "day_rate * paid_leave_days" },
    { "sick_pay", PR_KIND_EARNING, "day_rate * sick_leave_days * 0.6" },
    { "overtime_workday", PR_KIND_EARNING, "hour_rate * overtime_workday_hours * 1.5" },
    { "overtime_restday", PR_KIND_EARNING, "hour_rate * overtime_restday_hours * 2" },
    { "overtime_holiday", PR_KIND_EARNING, "hour_rate * overtime_holiday_hours * 3" },
    { "housing", PR_KIND_EARNING, "housing_allowance" },
    { "meal", PR_KIND_EARNING, "min(meal_allowance, attended_days * 25 yuan)" },
    { "transport", PR_KIND_EARNING, "if(attended_days >= 15, transport_allowance, "
                                    "transport_allowance * attended_days / workdays_in_month)" },
    { "performance", PR_KIND_EARNING, "perf_bonus * rating_coef" },
    { "seniority", PR_KIND_EARNING, "min(service_years, 10) * 50 yuan" },
    { "full_attendance", PR_KIND_EARNING, "if(absent_days == 0 and late_count == 0, 200, 0)" },
    { "late_fine", PR_KIND_DEDUCTION, "if(late_count > 3, 200, late_count * 50 yuan)" },
    { "absence", PR_KIND_DEDUCTION, "day_rate * (absent_days + unpaid_leave_days)" },
    { "gross", PR_KIND_INFO, "attendance_pay + paid_leave_pay + sick_pay + overtime_workday + "
                             "overtime_restday + overtime_holiday + housing + meal + transport + "
                             "performance + seniority + full_attendance" },
    { "deductions", PR_KIND_INFO, "late_fine + absence + si_employee + hf_employee" },
    { "net_before_tax", PR_KIND_INFO, "max(gross - deductions, 0)" },
    { "top_up", PR_KIND_EARNING, "max(min_wage - net_before_tax, 0)" },
};

#define N (sizeof(scheme) / sizeof(scheme[0]))

static void set(int64_t *in, const char *name, int64_t v)
{
    int k = pr_input_index(name, strlen(name));
    if (k < 0) {
        fprintf(stderr, "no input %s\n", name);
        exit(1);
    }
    in[k] = v;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void)
{
    pr_ferror_t errs[4];
    size_t n_errs;
    pr_program_t *p = pr_program_compile(scheme, N, errs, 4, &n_errs);
    if (!p) {
        fprintf(stderr, "%s\n", errs[0].message);
        return 1;
    }
    int64_t (*in)[PR_INPUTS_MAX] = calloc(EMPLOYEES, sizeof(*in));
    if (!in)
        return 1;
    srand(14);
    for (size_t e = 0; e < EMPLOYEES; e++) {
        int late = rand() % 6, absent = rand() % 3 == 0 ? rand() % 3 : 0;
        set(in[e], "base", 500000 + rand() % 3000000);
        set(in[e], "housing_allowance", 100000);
        set(in[e], "meal_allowance", 60000);
        set(in[e], "transport_allowance", 30000);
        set(in[e], "perf_bonus", rand() % 500000);
        set(in[e], "service_years", (rand() % 20) * 1000000LL);
        set(in[e], "workdays_in_month", 22000000);
        set(in[e], "attended_days", (22 - absent) * 1000000LL - (rand() % 2) * 500000);
        set(in[e], "absent_days", absent * 1000000LL);
        set(in[e], "late_count", late * 1000000LL);
        set(in[e], "overtime_workday_hours", (rand() % 40) * 500000LL);
        set(in[e], "overtime_restday_hours", (rand() % 16) * 1000000LL);
        set(in[e], "overtime_holiday_hours", (rand() % 4) * 1000000LL);
        set(in[e], "paid_leave_days", (rand() % 2) * 1000000LL);
        set(in[e], "rating_coef", 800000 + (rand() % 5) * 100000);
        set(in[e], "standard_days", 21750000);
        set(in[e], "standard_hours", 174000000);
        set(in[e], "min_wage", 269000);
        set(in[e], "si_employee", 50000 + rand() % 100000);
        set(in[e], "hf_employee", 30000 + rand() % 50000);
    }
    int64_t out[N], check = 0;
    pr_eval_error_t err;
    double best = 0;
    for (int round = 0; round < 3; round++) {
        double t0 = now();
        for (size_t e = 0; e < EMPLOYEES; e++) {
            if (pr_program_eval(p, in[e], out, &err) < 0) {
                fprintf(stderr, "employee %zu: %s in %s\n", e, pr_ferr_code(err.code),
                        pr_program_name(p, (size_t)err.component));
                return 1;
            }
            check += out[N - 1] + out[16];
        }
        double rate = EMPLOYEES / (now() - t0);
        if (rate > best)
            best = rate;
    }
    printf("payroll formulas: %d employees x %zu components, best of 3 (checksum %lld)\n",
           EMPLOYEES, N, (long long)check);
    printf("  %.0f payslips/s, %.0f components evaluated/s per core\n", best, best * N);
    hf_bench_report("pay scheme formulas, 20 components, per core", best, "payslips/s",
                    (hf_bench_opt_t){ .aim = -1 });
    pr_program_destroy(&p);
    free(in);
    return 0;
}
