/* services/payroll/runs_store.c - payroll runs: the calculation in one transaction, payslips, approval, the bank file, adjustments
 *
 * A calculation (pr_run_calculate) recomputes the company's attendance of
 * the month, loads everything else with a few set-based statements (the
 * employees with pay and tax profile, attendance, ratings, the scheme
 * version, city policies, the year so far, pending adjustments), computes
 * every payslip in C (runs.c), replaces the run's payslips with one COPY
 * and sets the run calculated with its totals and the digest of its
 * inputs, then commits: all of it or none. Any failure of the data (no
 * city policy, a formula dividing by zero) rolls everything back and
 * records only the run's error, naming the employee number. A payslip is
 * stored as its sealed figures and read back through payslip_store.h;
 * the claim of a calculation is renewed by a loop of its own while it
 * lasts (pr_runs_start).
 */
#include "runs_store.h"

#include "attendance_store.h"
#include "catalogue.h"
#include "employees_store.h"
#include "formula.h"
#include "payslip_store.h"
#include "runs.h"
#include "schemes_handlers.h"
#include "schemes_store.h"
#include "social_store.h"
#include "performance_store.h"

#include "hf/table.h"
#include "hf/db.h"
#include "hf/loop.h"
#include "hf/log.h"
#include "hf/service.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SOURCE "'/hrflow/payroll'"
#define ADJUST_AAD "adjustments.amount"

#define RUN_COLS                                                                              \
    "r.id, r.company_id, to_char(r.month, 'YYYY-MM'), r.state, r.version,"                    \
    " coalesce(r.scheme_id::text, ''), coalesce(r.scheme_version, 0),"                        \
    " CASE WHEN EXISTS (SELECT 1 FROM payroll.run_jobs j WHERE j.tenant_id = r.tenant_id"     \
    " AND j.run_id = r.id) THEN 'queued' ELSE '' END, r.error, r.inputs_digest, r.employees,"  \
    " r.gross, r.deductions, r.social_employee, r.social_employer, r.income_tax, r.net,"      \
    " r.employer_cost, r.calculations, " HF_MICROS("r.calculate_time") ","                    \
    " coalesce(r.approved_by, ''), " HF_MICROS("r.approve_time") ", coalesce(r.paid_by, ''), " \
    HF_MICROS("r.paid_time") ", " HF_MICROS("r.create_time") ", " HF_MICROS("r.update_time")

static char *yuan(hf_store_t *st, pr_fen_t v)
{
    char b[PR_MONEY_TEXT_MAX];
    pr_money_format(v, b);
    return hf_store_strdup(st, b);
}

static char *cell_yuan(hf_store_t *st, PGresult *r, int i, int c)
{
    return yuan(st, strtoll(PQgetvalue(r, i, c), NULL, 10));
}

static void *run_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__PayrollRun *x = hf_store_alloc(st, sizeof(*x));
    if (!x)
        return NULL;
    hrflow__v1__payroll_run__init(x);
    x->id = hf_store_cell(st, r, i, 0);
    x->company_id = hf_store_cell(st, r, i, 1);
    x->month = hf_store_cell(st, r, i, 2);
    x->state = hf_store_cell(st, r, i, 3);
    x->version = strtoll(PQgetvalue(r, i, 4), NULL, 10);
    x->scheme_id = hf_store_cell(st, r, i, 5);
    x->scheme_version = atoi(PQgetvalue(r, i, 6));
    x->calculation = hf_store_cell(st, r, i, 7);
    x->error = hf_store_cell(st, r, i, 8);
    x->inputs_digest = hf_store_cell(st, r, i, 9);
    x->employees = atoi(PQgetvalue(r, i, 10));
    x->gross = cell_yuan(st, r, i, 11);
    x->deductions = cell_yuan(st, r, i, 12);
    x->social_employee = cell_yuan(st, r, i, 13);
    x->social_employer = cell_yuan(st, r, i, 14);
    x->income_tax = cell_yuan(st, r, i, 15);
    x->net = cell_yuan(st, r, i, 16);
    x->employer_cost = cell_yuan(st, r, i, 17);
    x->calculations = atoi(PQgetvalue(r, i, 18));
    x->calculate_time = hf_store_time(st, r, i, 19);
    x->approved_by = hf_store_cell(st, r, i, 20);
    x->approve_time = hf_store_time(st, r, i, 21);
    x->paid_by = hf_store_cell(st, r, i, 22);
    x->paid_time = hf_store_time(st, r, i, 23);
    x->create_time = hf_store_time(st, r, i, 24);
    x->update_time = hf_store_time(st, r, i, 25);
    return x->id && x->create_time ? x : NULL;
}

int pr_run_get(hf_store_t *st, const char *id, Hrflow__V1__PayrollRun **out)
{
    const char *p[] = { st->tenant, id, hf_store_companies(st) };
    if (!p[2])
        return HF_ENOMEM;
    return hf_store_one(st,
                        "SELECT " RUN_COLS " FROM payroll.runs r WHERE r.tenant_id = $1"
                        " AND r.id = $2::uuid AND " HF_SEES_COMPANY("r.company_id", "3"),
                        3, p, run_row, out);
}

int pr_run_list(hf_store_t *st, const char *company, const char *month, hf_page_t *page,
                Hrflow__V1__PayrollRun ***out, size_t *n)
{
    const char *p[] = { st->tenant, company, month, hf_store_companies(st), NULL, NULL, NULL };
    if (!p[3])
        return HF_ENOMEM;
    PGresult *r = hf_page_query(
        st,
        "SELECT " RUN_COLS " FROM payroll.runs r WHERE r.tenant_id = $1"
        " AND ($2 = '' OR r.company_id = nullif($2, '')::uuid)"
        " AND ($3 = '' OR r.month = nullif($3, '')::date)"
        " AND " HF_SEES_COMPANY("r.company_id", "4")
        " AND (r.create_time, r.id) > ($5::timestamptz, $6::uuid)"
        " ORDER BY r.create_time, r.id LIMIT $7::int",
        7, p, 24, page);
    return hf_page_rows(st, r, page, run_row, (void ***)out, n);
}

int pr_run_companies(hf_store_t *st, const char *month, char ***out, size_t *n)
{
    const char *p[] = { st->tenant, month, hf_store_companies(st) };
    if (!p[2])
        return HF_ENOMEM;
    PGresult *r = hf_db_query(
        st->db,
        "SELECT DISTINCT e.company_id FROM payroll.employees e WHERE e.tenant_id = $1"
        " AND e.status <> 'draft' AND " HF_SEES_COMPANY("e.company_id", "3")
        " AND (e.hire_date IS NULL OR e.hire_date < $2::date + interval '1 month')"
        " AND (e.leave_date IS NULL OR e.leave_date >= $2::date) ORDER BY 1",
        3, p);
    if (!r)
        return HF_EDB;
    *n = (size_t)PQntuples(r);
    *out = hf_store_alloc(st, (*n + 1) * sizeof(char *));
    for (size_t i = 0; *out && i < *n; i++)
        (*out)[i] = hf_store_cell(st, r, (int)i, 0);
    PQclear(r);
    return *out ? HF_OK : HF_ENOMEM;
}

/* Queue run id's calculation (a new request voids a claim in hand). */
static int queue(hf_store_t *st, const char *id)
{
    const char *p[] = { st->tenant, id };
    PGresult *r = hf_db_query(
        st->db,
        "WITH q AS (INSERT INTO payroll.run_jobs (tenant_id, run_id) VALUES ($1, $2::uuid)"
        " ON CONFLICT (tenant_id, run_id) DO UPDATE SET request_time = now(),"
        " claim = payroll.run_jobs.claim + 1, lease_until = '-infinity' RETURNING 1)"
        " SELECT pg_notify('payroll_runs', '') FROM q",
        2, p);
    int rc = hf_store_rows(r, 1);
    PQclear(r);
    return rc == HF_OK ? HF_OK : HF_EDB;
}

static int locked_why(const Hrflow__V1__PayrollRun *x, const char **why)
{
    if (!strcmp(x->state, "approved") || !strcmp(x->state, "paid")) {
        *why = !strcmp(x->state, "paid")
                   ? "the run is paid and locked: correct it with an adjustment in a later month"
                   : "the run is approved: it is not calculated again";
        return HF_ECONFLICT;
    }
    return HF_OK;
}

/* Run id as the caller sees it, when it may still change: not approved or
 * paid and, given a version (0 = any), at that version; else HF_ECONFLICT
 * with *why (what recalculating and discarding a run both ask). */
static int open_unlocked(hf_store_t *st, const char *id, int64_t version,
                         Hrflow__V1__PayrollRun **out, const char **why)
{
    int rc = pr_run_get(st, id, out);
    if (rc == HF_OK)
        rc = locked_why(*out, why);
    if (rc == HF_OK && version && version != (*out)->version) {
        *why = "the run changed since you read it";
        rc = HF_ECONFLICT;
    }
    return rc;
}

/* The one id a statement answers into id ("" for no row): HF_OK or HF_EDB. */
static int one_id(hf_store_t *st, const char *sql, int n, const char *const *p, char id[40])
{
    PGresult *r = hf_db_query(st->db, sql, n, p);
    id[0] = 0;
    if (!r)
        return HF_EDB;
    if (PQntuples(r) == 1)
        snprintf(id, 40, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return HF_OK;
}

int pr_run_create(hf_store_t *st, const char *company, const char *month, const char *scheme,
                  Hrflow__V1__PayrollRun **out, const char **why)
{
    const char *p[] = { st->tenant, company, month, scheme };
    if (*scheme) { /* a scheme of the company, or nothing */
        const char *q[] = { st->tenant, scheme, company };
        char found[40];
        if (one_id(st,
                   "SELECT id FROM payroll.schemes WHERE tenant_id = $1 AND id = $2::uuid"
                   " AND company_id = $3::uuid",
                   3, q, found) != HF_OK)
            return HF_EDB;
        if (!*found)
            return HF_ENOTFOUND;
    }
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    PGresult *r = hf_db_query(
        st->db,
        "INSERT INTO payroll.runs (tenant_id, company_id, month, scheme_id)"
        " VALUES ($1, $2::uuid, $3::date, nullif($4, '')::uuid)"
        " ON CONFLICT (tenant_id, company_id, month) DO UPDATE SET"
        " scheme_id = coalesce(nullif($4, '')::uuid, payroll.runs.scheme_id)"
        " WHERE payroll.runs.state IN ('draft', 'calculated')"
        " AND ($4 = '' OR payroll.runs.scheme_id IS DISTINCT FROM $4::uuid)"
        " RETURNING id",
        4, p);
    int rc = r ? HF_OK : HF_EDB;
    char id[40] = "";
    if (r && PQntuples(r) == 1)
        snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (rc == HF_OK && !*id) { /* it exists unchanged: find it */
        const char *q[] = { st->tenant, company, month };
        r = hf_db_query(st->db,
                        "SELECT id FROM payroll.runs WHERE tenant_id = $1 AND company_id = $2::uuid"
                        " AND month = $3::date",
                        3, q);
        rc = hf_store_rows(r, 1) == HF_OK ? HF_OK : HF_EDB;
        if (rc == HF_OK)
            snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    Hrflow__V1__PayrollRun *x = NULL;
    if (rc == HF_OK)
        rc = pr_run_get(st, id, &x);
    if (rc == HF_OK)
        rc = locked_why(x, why);
    if (rc == HF_OK)
        rc = queue(st, id);
    if (rc == HF_OK)
        rc = pr_run_get(st, id, &x);
    if (rc == HF_OK)
        *out = x;
    return hf_store_finish(st, rc);
}

int pr_run_queue(hf_store_t *st, const char *id, int64_t version, Hrflow__V1__PayrollRun **out,
                 const char **why)
{
    Hrflow__V1__PayrollRun *x = NULL;
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    int rc = open_unlocked(st, id, version, &x, why);
    if (rc == HF_OK)
        rc = queue(st, id);
    if (rc == HF_OK)
        rc = pr_run_get(st, id, out);
    return hf_store_finish(st, rc);
}

/* ---- the inputs of a calculation ---- */

typedef struct {
    const char *city;
    int found;
    pr_social_policy_t p;
    char *id;
    pr_fen_t min_wage;    /* the city's minimum wage of the month, 0 when none */
    char *min_wage_id;    /* NULL when none */
} city_t;

typedef struct {
    hf_store_t *st;
    const char *run, *company, *month; /* month "YYYY-MM-01" */
    int year, mon;
    Hrflow__V1__PayScheme *scheme;
    pr_program_t *program;
    unsigned char taxable[PR_COMPONENTS_MAX], annual[PR_COMPONENTS_MAX];
    uint64_t used;       /* the inputs the scheme uses (pr_program_inputs_used) */
    pr_slip_plan_t plan;
    pr_employee_month_t *emps;
    size_t n;
    pr_slip_in_t *in;    /* per employee */
    city_t *cities;
    size_t n_cities;
    size_t *city_of;     /* per employee */
    char **adjust_ids;
    size_t n_adjust;
    char digest[65];
    char error[400];     /* a failure of the data: the run's error */
} calc_t;

static void calc_free(calc_t *c)
{
    pr_program_destroy(&c->program);
    free(c->in);
    free(c->city_of);
}

static int fail_data(calc_t *c, const char *fmt, const char *a, const char *b)
{
    snprintf(c->error, sizeof(c->error), fmt, a, b);
    return HF_EEXISTS;
}

/* The employee's index by id, or -1. The employees are sorted by number,
 * so an index by id is built once. */
typedef struct {
    const char *id;
    size_t i;
} id_ix_t;

static int cmp_ix(const void *a, const void *b)
{
    return strcmp(((const id_ix_t *)a)->id, ((const id_ix_t *)b)->id);
}

static long find_emp(const id_ix_t *ix, size_t n, const char *id)
{
    id_ix_t k = { id, 0 };
    const id_ix_t *f = bsearch(&k, ix, n, sizeof(*ix), cmp_ix);
    return f ? (long)f->i : -1;
}

static int64_t parse_ppm(const char *s)
{
    int64_t v = 0;
    return s && pr_rate_parse(s, &v) == PR_MONEY_OK ? v : 0;
}

static int load_scheme(calc_t *c)
{
    hf_store_t *st = c->st;
    const char *p[] = { st->tenant, c->run };
    char id[40];
    if (one_id(st,
               "SELECT coalesce(r.scheme_id, (SELECT s.id FROM payroll.schemes s WHERE"
               " s.tenant_id = r.tenant_id AND s.company_id = r.company_id"
               " ORDER BY s.create_time, s.id LIMIT 1))"
               " FROM payroll.runs r WHERE r.tenant_id = $1 AND r.id = $2::uuid",
               2, p, id) != HF_OK)
        return HF_EDB;
    if (!*id)
        return fail_data(c, "the company has no pay scheme%s%s", "", "");
    int rc = pr_store_scheme_get(st, id, c->month, 0, 0, &c->scheme);
    if (rc == HF_ENOTFOUND)
        return fail_data(c, "pay scheme %s has no version effective in %.7s", id, c->month);
    if (rc != HF_OK)
        return rc;
    pr_ferror_t err;
    c->program = pr_scheme_version_compile(c->scheme->version, c->taxable, &err);
    if (!c->program)
        return fail_data(c, "pay scheme does not compile: %s%s", err.message, "");
    for (size_t i = 0; i < c->scheme->version->n_components; i++)
        c->annual[i] = c->scheme->version->components[i]->annual_bonus;
    c->used = pr_program_inputs_used(c->program);
    pr_slip_plan(&c->plan, c->program, c->taxable, c->annual);
    return HF_OK;
}

/* 1 when the scheme's formulas name input k: an input it needs, so an
 * employee without the data for it is an error of the run, not a 0. */
static int uses(const calc_t *c, int k)
{
    return k >= 0 && (c->used >> k & 1);
}

/* The city's policy and minimum wage of the month into x. */
static int load_city(calc_t *c, city_t *x)
{
    int shipped = 0;
    int rc = *x->city ? social_policy_for(c->st, x->city, c->month, &x->p, &x->id, &shipped)
                      : HF_ENOTFOUND;
    if (rc != HF_OK && rc != HF_ENOTFOUND)
        return rc;
    x->found = rc == HF_OK;
    rc = *x->city ? minimum_wage_for(c->st, x->city, c->month, &x->min_wage, &x->min_wage_id)
                  : HF_ENOTFOUND;
    return rc == HF_ENOTFOUND ? HF_OK : rc;
}

static int load_cities(calc_t *c)
{
    c->cities = hf_store_alloc(c->st, (c->n + 1) * sizeof(city_t));
    c->city_of = calloc(c->n + 1, sizeof(size_t));
    if (!c->cities || !c->city_of)
        return HF_ENOMEM;
    for (size_t i = 0; i < c->n; i++) {
        const char *city = c->emps[i].city;
        size_t k = 0;
        while (k < c->n_cities && strcmp(c->cities[k].city, city))
            k++;
        if (k == c->n_cities) {
            city_t *x = &c->cities[c->n_cities++];
            x->city = city;
            int rc = load_city(c, x);
            if (rc != HF_OK)
                return rc;
        }
        if (!c->cities[k].found)
            return fail_data(c, *city ? "employee %s: no city policy for %s in the month"
                                      : "employee %s: no city recorded, so no city policy%s",
                             c->emps[i].employee_no, city);
        if (!c->cities[k].min_wage_id && uses(c, pr_ix.min_wage))
            return fail_data(c, "employee %s: no minimum wage of %s in the month, and the"
                                " scheme uses min_wage (POST /v1/payroll/minimum-wages)",
                             c->emps[i].employee_no, city);
        c->in[i].in[pr_ix.min_wage] = c->cities[k].min_wage;
        c->city_of[i] = k;
    }
    return HF_OK;
}

/* The inputs of the employee's own record: dates of hire and leave, grade.
 * HF_EEXISTS (c->error) when the scheme uses one the record cannot give. */
static int fill_record(calc_t *c, const pr_employee_month_t *e, int64_t *in)
{
    in[pr_ix.joined] = pr_day_in_month(e->hire_date, c->year, c->mon);
    in[pr_ix.left] = pr_day_in_month(e->leave_date, c->year, c->mon);
    int years = pr_service_years(e->hire_date, c->year, c->mon);
    if (years < 0 && uses(c, pr_ix.service_years))
        return fail_data(c, "employee %s: no hire date recorded, and the scheme uses"
                            " service_years%s", e->employee_no, "");
    int level = pr_grade_level(e->grade);
    if (level < 0 && uses(c, pr_ix.grade_level))
        return fail_data(c, "employee %s: grade \"%s\" has no number, and the scheme uses"
                            " grade_level", e->employee_no, e->grade);
    in[pr_ix.service_years] = years > 0 ? (int64_t)years * PR_RATE_ONE : 0;
    in[pr_ix.grade_level] = level > 0 ? (int64_t)level * PR_RATE_ONE : 0;
    return HF_OK;
}

static int fill_employee(calc_t *c, size_t i)
{
    const pr_employee_month_t *e = &c->emps[i];
    pr_slip_in_t *in = &c->in[i];
    pr_inputs_defaults(in->in);
    pr_fen_t fixed = 0;
    for (size_t k = 0; k < e->n_allowances; k++) {
        const char *name = e->allowance_names[k];
        fixed += e->allowance_amounts[k];
        int x = pr_input_index(name, strlen(name));
        char full[64];
        if (x < 0) {
            snprintf(full, sizeof(full), "%s_allowance", name);
            x = pr_input_index(full, strlen(full));
        }
        if (x >= 0 && pr_inputs[x].type == PR_T_MONEY && !strcmp(pr_inputs[x].group, "employee") &&
            x != pr_ix.base && x != pr_ix.fixed_allowances)
            in->in[x] += e->allowance_amounts[k];
    }
    in->in[pr_ix.base] = e->base;
    in->in[pr_ix.fixed_allowances] = fixed;
    in->base = e->base;
    in->wage = e->base + fixed;
    in->non_resident = e->non_resident;
    in->bonus_merged = e->bonus_merged;
    for (int k = 0; k < PR_DEDUCTION_KINDS; k++)
        in->additional += e->deductions[k];
    return fill_record(c, e, in->in);
}

static int load_employees(calc_t *c)
{
    char ym[8];
    snprintf(ym, sizeof(ym), "%.7s", c->month);
    int rc = pr_employees_month(c->st, c->company, ym, &c->emps, &c->n);
    if (rc != HF_OK)
        return rc;
    if (!(c->in = calloc(c->n + 1, sizeof(*c->in))))
        return HF_ENOMEM;
    for (size_t i = 0; rc == HF_OK && i < c->n; i++)
        rc = c->emps[i].has_pay ? fill_employee(c, i)
                                : fail_data(c, "employee %s: no compensation in effect in %.7s",
                                            c->emps[i].employee_no, c->month);
    return rc;
}

static int load_attendance(calc_t *c, const id_ix_t *ix)
{
    Hrflow__V1__AttendanceMonth **m = NULL;
    size_t n = 0;
    int rc = att_months_list(c->st, c->company, c->year, c->mon, NULL, &m, &n);
    for (size_t k = 0; rc == HF_OK && k < n; k++) {
        long i = find_emp(ix, c->n, m[k]->employee_id);
        if (i < 0)
            continue;
        int64_t *in = c->in[i].in;
        in[pr_ix.workdays] = (int64_t)m[k]->workdays * PR_RATE_ONE;
        in[pr_ix.attended] = parse_ppm(m[k]->attended_days);
        in[pr_ix.absent] = parse_ppm(m[k]->absent_days);
        in[pr_ix.late] = (int64_t)m[k]->late_count * PR_RATE_ONE;
        in[pr_ix.early] = (int64_t)m[k]->early_leave_count * PR_RATE_ONE;
        in[pr_ix.paid_leave] = parse_ppm(m[k]->paid_leave_days);
        in[pr_ix.unpaid_leave] = parse_ppm(m[k]->unpaid_leave_days);
        in[pr_ix.sick_leave] = parse_ppm(m[k]->sick_leave_days);
        const char *ot[3] = { m[k]->overtime_workday_hours, m[k]->overtime_restday_hours,
                              m[k]->overtime_holiday_hours };
        const int oix[3] = { pr_ix.ot_workday, pr_ix.ot_restday, pr_ix.ot_holiday };
        for (int j = 0; j < 3; j++) {
            in[oix[j]] = parse_ppm(ot[j]);
            c->in[i].overtime_minutes[j] = pr_round_div((__int128)in[oix[j]] * 60, PR_RATE_ONE);
        }
    }
    return rc;
}

static int load_ratings(calc_t *c, const id_ix_t *ix)
{
    hf_store_t *st = c->st;
    const char *p[] = { st->tenant, c->company, c->month };
    char id[40];
    if (one_id(st,
               "SELECT id FROM payroll.review_cycles WHERE tenant_id = $1"
               " AND company_id = $2::uuid AND payout_month = $3::date",
               3, p, id) != HF_OK)
        return HF_EDB;
    if (!*id)
        return HF_OK;
    Hrflow__V1__ReviewCycle *cy = NULL;
    Hrflow__V1__ReviewRating **rt = NULL;
    size_t n = 0;
    int rc = pr_store_cycle_get(st, id, &cy);
    if (rc == HF_OK)
        rc = pr_cycle_ratings(st, cy, &rt, &n);
    for (size_t k = 0; rc == HF_OK && k < n; k++) {
        long i = find_emp(ix, c->n, rt[k]->employee_id);
        if (i >= 0) {
            c->in[i].in[pr_ix.rating] = parse_ppm(rt[k]->rating);
            c->in[i].in[pr_ix.rating_coef] = parse_ppm(rt[k]->coefficient);
        }
    }
    return rc;
}

/* "income,special,additional,other,withheld" */
static int ytd_parse(const char *s, pr_tax_ytd_t *y)
{
    long long v[5];
    if (!s || sscanf(s, "%lld,%lld,%lld,%lld,%lld", &v[0], &v[1], &v[2], &v[3], &v[4]) != 5)
        return -1;
    y->income = v[0], y->special = v[1], y->additional = v[2], y->other = v[3];
    y->withheld = v[4];
    return 0;
}

static int load_ytd(calc_t *c, const id_ix_t *ix)
{
    hf_store_t *st = c->st;
    char y[8], m[4];
    snprintf(y, sizeof(y), "%d", c->year);
    snprintf(m, sizeof(m), "%d", c->mon);
    const char *p[] = { st->tenant, c->company, y, m };
    /* the latest earlier payslip of the year with this company, else the opening */
    unsigned char *has = hf_store_alloc(st, c->n + 1);
    if (!has)
        return HF_ENOMEM;
    PGresult *r = hf_db_query(
        st->db,
        "SELECT DISTINCT ON (s.employee_id) s.employee_id, 'p', s.body_enc, 0"
        " FROM payroll.payslips s JOIN payroll.runs r ON r.tenant_id = s.tenant_id"
        " AND r.id = s.run_id WHERE s.tenant_id = $1 AND r.company_id = $2::uuid"
        " AND s.tax_year = $3::int AND s.month < $4::int"
        " ORDER BY s.employee_id, s.month DESC",
        4, p);
    if (!r)
        return HF_EDB;
    int rc = HF_OK;
    for (int k = 0; rc == HF_OK && k < PQntuples(r); k++) {
        long i = find_emp(ix, c->n, PQgetvalue(r, k, 0));
        if (i < 0)
            continue;
        rc = pr_payslip_ytd(st, PQgetvalue(r, k, 2), &c->in[i].ytd);
        has[i] = 1;
    }
    PQclear(r);
    if (rc != HF_OK)
        return rc;
    r = hf_db_query(st->db,
                    "SELECT employee_id, months, figures_enc FROM payroll.ytd_openings"
                    " WHERE tenant_id = $1 AND tax_year = $3::int AND through_month < $4::int"
                    " AND employee_id IN (SELECT id FROM payroll.employees WHERE tenant_id = $1"
                    " AND company_id = $2::uuid)",
                    4, p);
    if (!r)
        return HF_EDB;
    for (int k = 0; rc == HF_OK && k < PQntuples(r); k++) {
        long i = find_emp(ix, c->n, PQgetvalue(r, k, 0));
        if (i < 0 || has[i])
            continue;
        char *fig = hf_store_unseal(st, "ytd_openings.figures", PQgetvalue(r, k, 2));
        if (!fig || ytd_parse(fig, &c->in[i].ytd) < 0)
            rc = HF_EDB;
        else
            c->in[i].ytd.months = atoi(PQgetvalue(r, k, 1));
    }
    PQclear(r);
    return rc;
}

static int load_adjustments(calc_t *c, const id_ix_t *ix)
{
    hf_store_t *st = c->st;
    const char *p[] = { st->tenant, c->company, c->month, c->run };
    PGresult *r = hf_db_query(
        st->db,
        "SELECT id, employee_id, amount_enc, taxable FROM payroll.adjustments"
        " WHERE tenant_id = $1 AND company_id = $2::uuid AND month < $3::date"
        " AND (applied_run_id IS NULL OR applied_run_id = $4::uuid) ORDER BY create_time, id",
        4, p);
    if (!r)
        return HF_EDB;
    int rc = HF_OK;
    c->adjust_ids = hf_store_alloc(st, ((size_t)PQntuples(r) + 1) * sizeof(char *));
    if (!c->adjust_ids)
        rc = HF_ENOMEM;
    for (int k = 0; rc == HF_OK && k < PQntuples(r); k++) {
        long i = find_emp(ix, c->n, PQgetvalue(r, k, 1));
        if (i < 0)
            continue; /* not on this month's payroll: it waits */
        char *a = hf_store_unseal(st, ADJUST_AAD, PQgetvalue(r, k, 2));
        pr_fen_t v = 0;
        if (!a || pr_money_parse(a, 1, &v) != PR_MONEY_OK) {
            rc = HF_EDB;
            break;
        }
        if (PQgetvalue(r, k, 3)[0] == 't')
            c->in[i].adjust_taxable += v;
        else
            c->in[i].adjust_untaxed += v;
        c->adjust_ids[c->n_adjust++] = hf_store_cell(st, r, k, 0);
    }
    PQclear(r);
    return rc;
}

static void digest_i64(EVP_MD_CTX *d, int64_t v)
{
    EVP_DigestUpdate(d, &v, sizeof(v));
}

static void digest_str(EVP_MD_CTX *d, const char *s)
{
    EVP_DigestUpdate(d, s, strlen(s) + 1);
}

/* SHA-256 of everything the payslips are computed from. */
static int digest(calc_t *c)
{
    EVP_MD_CTX *d = EVP_MD_CTX_new();
    if (!d || EVP_DigestInit_ex(d, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(d);
        return HF_ENOMEM;
    }
    digest_str(d, c->company);
    digest_str(d, c->month);
    digest_str(d, c->scheme->id);
    digest_i64(d, c->scheme->version->version);
    for (size_t k = 0; k < c->n_cities; k++) {
        digest_str(d, c->cities[k].id ? c->cities[k].id : "");
        digest_str(d, c->cities[k].min_wage_id ? c->cities[k].min_wage_id : "");
    }
    for (size_t i = 0; i < c->n; i++) {
        const pr_slip_in_t *in = &c->in[i];
        digest_str(d, c->emps[i].id);
        digest_str(d, c->emps[i].employee_no);
        digest_str(d, c->emps[i].city);
        for (size_t k = 0; k < pr_inputs_n; k++)
            digest_i64(d, in->in[k]);
        const int64_t v[] = { in->base, in->wage, in->overtime_minutes[0], in->overtime_minutes[1],
                              in->overtime_minutes[2], in->non_resident, in->bonus_merged,
                              in->additional, in->ytd.months, in->ytd.income, in->ytd.special,
                              in->ytd.additional, in->ytd.other, in->ytd.withheld,
                              in->adjust_taxable, in->adjust_untaxed };
        EVP_DigestUpdate(d, v, sizeof(v));
    }
    unsigned char md[32];
    unsigned len = 0;
    EVP_DigestFinal_ex(d, md, &len);
    EVP_MD_CTX_free(d);
    for (int i = 0; i < 32; i++)
        snprintf(c->digest + 2 * i, 3, "%02x", md[i]);
    return HF_OK;
}

/* Bring the month's attendance up to date (recomputed when its inputs
 * changed since it was computed), then load everything (inside the
 * caller's transaction). HF_EEXISTS with c->error for a failure of the data. */
static int load(calc_t *c)
{
    hf_store_t *st = c->st;
    pr_slip_inputs_init();
    const char *p[] = { st->tenant, c->run };
    PGresult *r = hf_db_query(st->db,
                              "SELECT company_id, to_char(month, 'YYYY-MM-DD') FROM payroll.runs"
                              " WHERE tenant_id = $1 AND id = $2::uuid",
                              2, p);
    if (hf_store_rows(r, 1) != HF_OK) {
        PQclear(r);
        return r ? HF_ENOTFOUND : HF_EDB;
    }
    c->company = hf_store_cell(st, r, 0, 0);
    c->month = hf_store_cell(st, r, 0, 1);
    PQclear(r);
    c->year = atoi(c->month);
    c->mon = atoi(c->month + 5);
    Hrflow__V1__ComputeAttendanceResponse ar = HRFLOW__V1__COMPUTE_ATTENDANCE_RESPONSE__INIT;
    att_compute_problem_t prob = { NULL, NULL };
    int rc = att_month_current(st, c->company, c->year, c->mon, &ar, &prob);
    if (rc == HF_EEXISTS)
        return fail_data(c, "the month's attendance cannot be computed: %s%s",
                         prob.message ? prob.message : "", "");
    if (rc == HF_OK)
        rc = load_scheme(c);
    if (rc == HF_OK)
        rc = load_employees(c);
    if (rc != HF_OK)
        return rc;
    id_ix_t *ix = hf_store_alloc(st, (c->n + 1) * sizeof(*ix));
    if (!ix)
        return HF_ENOMEM;
    for (size_t i = 0; i < c->n; i++)
        ix[i] = (id_ix_t){ c->emps[i].id, i };
    qsort(ix, c->n, sizeof(*ix), cmp_ix);
    rc = load_cities(c);
    if (rc == HF_OK)
        rc = load_attendance(c, ix);
    if (rc == HF_OK)
        rc = load_ratings(c, ix);
    if (rc == HF_OK)
        rc = load_ytd(c, ix);
    if (rc == HF_OK)
        rc = load_adjustments(c, ix);
    for (size_t i = 0; rc == HF_OK && i < c->n; i++)
        c->in[i].policy = &c->cities[c->city_of[i]].p;
    if (rc == HF_OK)
        rc = digest(c);
    return rc;
}

/* ---- payslips ---- */

typedef struct {
    pr_fen_t gross, deductions, social_employee, social_employer, tax, net, cost;
} totals_t;

/* Compute every payslip, seal its figures (payslip_store.h) and COPY it in
 * with the employee's city, department and position of the calculation.
 * HF_EEXISTS with c->error when a formula fails. */
static int compute_and_copy(calc_t *c, totals_t *tot)
{
    hf_store_t *st = c->st;
    uint8_t scheme_id[16];
    if (pr_uuid_parse(c->scheme->id, scheme_id) < 0)
        return HF_EDB;
    hf_copybuf_t b = { NULL, NULL, 0 };
    if (!(b.f = open_memstream(&b.p, &b.n)))
        return HF_ENOMEM;
    int rc = hf_store_copy_begin(st, "COPY payroll.payslips (tenant_id, run_id, employee_id,"
                                     " employee_no, tax_year, month, body_enc, city, department,"
                                     " position) FROM STDIN")
                 ? HF_EDB
                 : HF_OK;
    pr_slip_t s;
    pr_payslip_rec_t rec;
    for (size_t i = 0; rc == HF_OK && i < c->n; i++) {
        const pr_employee_month_t *e = &c->emps[i];
        if (pr_slip_compute(&c->plan, &c->in[i], &s) < 0) {
            snprintf(c->error, sizeof(c->error), "employee %s: component %s: %s",
                     e->employee_no, pr_program_name(c->program, (size_t)s.error.component),
                     s.error.code == PR_F_DIV_ZERO ? "division by zero" : "overflow");
            rc = HF_EEXISTS;
            break;
        }
        tot->gross += s.gross, tot->deductions += s.deductions;
        tot->social_employee += s.social.employee, tot->social_employer += s.social.employer;
        tot->tax += s.income_tax, tot->net += s.net, tot->cost += s.employer_cost;
        pr_payslip_rec_of(&c->plan, &c->in[i], &s, &rec);
        memcpy(rec.scheme_id, scheme_id, sizeof(scheme_id));
        rec.scheme_version = c->scheme->version->version;
        char *tok = pr_payslip_seal(st->keys, st->tenant, &rec);
        if (!tok) {
            rc = HF_ENOMEM;
            break;
        }
        fprintf(b.f, "%s\t%s\t%s\t", st->tenant, c->run, e->id);
        hf_store_copy_field(b.f, e->employee_no);
        fprintf(b.f, "\t%d\t%d\t%s\t", c->year, c->mon, tok);
        hf_store_copy_field(b.f, e->city);
        fputc('\t', b.f);
        hf_store_copy_field(b.f, e->department);
        fputc('\t', b.f);
        hf_store_copy_field(b.f, e->position);
        fputc('\n', b.f);
        free(tok);
        if ((size_t)ftello(b.f) >= HF_COPY_PIECE && hf_store_copy_send(st, &b) < 0)
            rc = HF_EDB;
    }
    OPENSSL_cleanse(&rec, sizeof(rec));
    OPENSSL_cleanse(&s, sizeof(s));
    if (rc == HF_OK && hf_store_copy_send(st, &b) < 0)
        rc = HF_EDB;
    if (hf_store_copy_end(st, rc == HF_OK ? NULL : "abandoned") < 0 && rc == HF_OK)
        rc = HF_EDB;
    fclose(b.f);
    free(b.p);
    return rc;
}

static int write_run(calc_t *c, const totals_t *t, int64_t claim)
{
    hf_store_t *st = c->st;
    char v[8][24], cl[24];
    const int64_t vals[8] = { (int64_t)c->n, t->gross, t->deductions, t->social_employee,
                              t->social_employer, t->tax, t->net, t->cost };
    for (int k = 0; k < 8; k++)
        snprintf(v[k], sizeof(v[k]), "%lld", (long long)vals[k]);
    snprintf(cl, sizeof(cl), "%lld", (long long)claim);
    char sv[16];
    snprintf(sv, sizeof(sv), "%d", c->scheme->version->version);
    const char *ids = hf_store_array(st, (const char *const *)c->adjust_ids, c->n_adjust);
    if (!ids)
        return HF_ENOMEM;
    const char *pa[] = { st->tenant, c->run, ids };
    PGresult *r = hf_db_query(
        st->db,
        "WITH off AS (UPDATE payroll.adjustments SET applied_run_id = NULL WHERE tenant_id = $1"
        " AND applied_run_id = $2::uuid AND NOT id = ANY ($3::uuid[]) RETURNING 1)"
        " UPDATE payroll.adjustments SET applied_run_id = $2::uuid WHERE tenant_id = $1"
        " AND id = ANY ($3::uuid[])",
        3, pa);
    int rc = r ? HF_OK : HF_EDB;
    PQclear(r);
    if (rc != HF_OK)
        return rc;
    const char *p[] = { st->tenant, c->run, c->digest, v[0], v[1], v[2], v[3], v[4],
                        v[5], v[6], v[7], c->scheme->id, sv };
    r = hf_db_query(
        st->db,
        "UPDATE payroll.runs SET state = 'calculated', version = version + 1, inputs_digest = $3,"
        " error = '', employees = $4::int, gross = $5::bigint, deductions = $6::bigint,"
        " social_employee = $7::bigint, social_employer = $8::bigint, income_tax = $9::bigint,"
        " net = $10::bigint, employer_cost = $11::bigint, scheme_id = $12::uuid,"
        " scheme_version = $13::int, calculations = calculations + 1, calculate_time = now(),"
        " update_time = now() WHERE tenant_id = $1 AND id = $2::uuid",
        13, p);
    rc = r ? HF_OK : HF_EDB;
    PQclear(r);
    if (rc != HF_OK)
        return rc;
    const char *pj[] = { st->tenant, c->run, cl };
    r = hf_db_query(st->db,
                    "DELETE FROM payroll.run_jobs WHERE tenant_id = $1 AND run_id = $2::uuid"
                    " AND claim = $3::bigint RETURNING 1",
                    3, pj);
    rc = hf_store_rows(r, 1);
    PQclear(r);
    return rc == HF_ENOTFOUND ? HF_ECONFLICT : rc;
}

/* Record a failure of the data: the run's error, the job done. */
static int write_error(hf_store_t *st, const char *run, int64_t claim, const char *error)
{
    char cl[24];
    snprintf(cl, sizeof(cl), "%lld", (long long)claim);
    const char *p[] = { st->tenant, run, error, cl };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    PGresult *r = hf_db_query(
        st->db,
        "WITH d AS (DELETE FROM payroll.run_jobs WHERE tenant_id = $1 AND run_id = $2::uuid"
        " AND claim = $4::bigint RETURNING 1)"
        " UPDATE payroll.runs SET error = $3, update_time = now() WHERE tenant_id = $1"
        " AND id = $2::uuid AND EXISTS (SELECT 1 FROM d)",
        4, p);
    int rc = r ? HF_OK : HF_EDB;
    PQclear(r);
    return hf_store_finish(st, rc);
}

int pr_run_calculate(hf_store_t *st, const char *id, int64_t claim)
{
    calc_t c;
    memset(&c, 0, sizeof(c));
    c.st = st;
    c.run = id;
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    const char *p[] = { st->tenant, id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT state FROM payroll.runs WHERE tenant_id = $1"
                              " AND id = $2::uuid",
                              2, p);
    int rc = hf_store_rows(r, 1);
    int locked = rc == HF_OK && strcmp(PQgetvalue(r, 0, 0), "draft") &&
                 strcmp(PQgetvalue(r, 0, 0), "calculated");
    PQclear(r);
    if (rc == HF_OK && locked) { /* approved meanwhile: nothing to do */
        hf_db_rollback(st->db);
        return write_error(st, id, claim, "");
    }
    if (rc == HF_OK)
        rc = load(&c);
    totals_t t = { 0 };
    if (rc == HF_OK) {
        r = hf_db_query(st->db,
                        "DELETE FROM payroll.payslips WHERE tenant_id = $1 AND run_id = $2::uuid",
                        2, p);
        rc = r ? HF_OK : HF_EDB;
        PQclear(r);
    }
    if (rc == HF_OK)
        rc = compute_and_copy(&c, &t);
    if (rc == HF_OK)
        rc = write_run(&c, &t, claim);
    calc_free(&c);
    if (rc == HF_EEXISTS) {
        hf_db_rollback(st->db);
        hf_logkv(HF_LOG_INFO, "payroll run failed", HF_KV_STR("run", id),
                 HF_KV_STR("why", c.error));
        return write_error(st, id, claim, c.error);
    }
    return hf_store_finish(st, rc);
}

/* ---- approval and payment ---- */

/* Move run id from state `from` at version to `to`, with its event. */
/* A month's tax is cumulative over the months before it in the year: a run
 * is approved only after the company's earlier runs of the year are
 * approved (their payslips then never change), and paid only after they
 * are paid. HF_ECONFLICT with *why naming the first one still open. */
static int in_order(hf_store_t *st, const Hrflow__V1__PayrollRun *x, const char *to,
                    const char **why)
{
    const char *p[] = { st->tenant, x->company_id, x->month,
                        !strcmp(to, "paid") ? "{draft,calculated,approved}"
                                            : "{draft,calculated}" };
    PGresult *r = hf_db_query(
        st->db,
        "SELECT to_char(month, 'YYYY-MM'), state FROM payroll.runs WHERE tenant_id = $1"
        " AND company_id = $2::uuid AND month < to_date($3, 'YYYY-MM')"
        " AND month >= date_trunc('year', to_date($3, 'YYYY-MM')) AND state = ANY ($4::text[])"
        " ORDER BY month LIMIT 1",
        4, p);
    if (!r)
        return HF_EDB;
    int rc = HF_OK;
    if (PQntuples(r) == 1) {
        *why = hf_arena_printf(st->arena,
                               "the company's run of %s is %s: a tax year's runs are %s in"
                               " month order (or discard that run)",
                               PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
                               !strcmp(to, "paid") ? "paid" : "approved");
        rc = *why ? HF_ECONFLICT : HF_ENOMEM;
    }
    PQclear(r);
    return rc;
}

static int transition(hf_store_t *st, const char *id, int64_t version, const char *from,
                      const char *to, const char *event, Hrflow__V1__PayrollRun **out,
                      const char **why)
{
    Hrflow__V1__PayrollRun *x = NULL;
    int rc = pr_run_get(st, id, &x);
    if (rc != HF_OK)
        return rc;
    if (strcmp(x->state, from) || *x->calculation) {
        *why = *x->calculation ? "a calculation of the run is queued: wait for it"
               : !strcmp(from, "calculated") ? "only a calculated run is approved"
                                             : "only an approved run is paid";
        return HF_ECONFLICT;
    }
    if (version != x->version) {
        *why = "the run was recalculated or changed since you read it: read it again";
        return HF_ECONFLICT;
    }
    if ((rc = in_order(st, x, to, why)) != HF_OK)
        return rc;
    if (!strcmp(to, "approved")) { /* the inputs as they are now, digested */
        calc_t c;
        memset(&c, 0, sizeof(c));
        c.st = st;
        c.run = id;
        rc = load(&c);
        int same = rc == HF_OK && !strcmp(c.digest, x->inputs_digest);
        calc_free(&c);
        if (rc == HF_EEXISTS || (rc == HF_OK && !same)) {
            *why = "the run's inputs changed since it was calculated: calculate it again";
            return HF_ECONFLICT;
        }
        if (rc != HF_OK)
            return rc;
    }
    char v[24];
    snprintf(v, sizeof(v), "%lld", (long long)version);
    const char *p[] = { st->tenant, id, v, to, st->actor, event };
    PGresult *r = hf_db_query(
        st->db,
        "WITH u AS (UPDATE payroll.runs SET state = $4, version = version + 1,"
        " approved_by = CASE WHEN $4 = 'approved' THEN $5 ELSE approved_by END,"
        " approve_time = CASE WHEN $4 = 'approved' THEN now() ELSE approve_time END,"
        " paid_by = CASE WHEN $4 = 'paid' THEN $5 ELSE paid_by END,"
        " paid_time = CASE WHEN $4 = 'paid' THEN now() ELSE paid_time END, update_time = now()"
        " WHERE tenant_id = $1 AND id = $2::uuid AND version = $3::bigint RETURNING *)"
        " INSERT INTO events.outbox (tenant_id, source, type, subject, data)"
        " SELECT $1, " SOURCE ", $6, 'payroll-runs/' || u.id, json_build_object('runId', u.id,"
        " 'companyId', u.company_id, 'month', to_char(u.month, 'YYYY-MM'), 'version', u.version,"
        " 'employees', u.employees, 'gross', to_char(u.gross / 100.0, 'FM999999999999990.00'),"
        " 'net', to_char(u.net / 100.0, 'FM999999999999990.00'),"
        " 'incomeTax', to_char(u.income_tax / 100.0, 'FM999999999999990.00'),"
        " 'employerCost', to_char(u.employer_cost / 100.0, 'FM999999999999990.00'),"
        " 'actor', $5) FROM u RETURNING 1",
        6, p);
    rc = hf_store_rows(r, 1);
    PQclear(r);
    if (rc == HF_ENOTFOUND) {
        *why = "the run changed since you read it: read it again";
        return HF_ECONFLICT;
    }
    return rc == HF_OK ? pr_run_get(st, id, out) : rc;
}

int pr_run_approve(hf_store_t *st, const char *id, int64_t version, Hrflow__V1__PayrollRun **out,
                   const char **why)
{
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    return hf_store_finish(st, transition(st, id, version, "calculated", "approved",
                                          "hrflow.payroll.run.approved.v1", out, why));
}

int pr_run_pay(hf_store_t *st, const char *id, int64_t version, Hrflow__V1__PayrollRun **out,
               const char **why)
{
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    return hf_store_finish(st, transition(st, id, version, "approved", "paid",
                                          "hrflow.payroll.run.paid.v1", out, why));
}

int pr_run_delete(hf_store_t *st, const char *id, int64_t version, Hrflow__V1__PayrollRun **out,
                  const char **why)
{
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    const char *p[] = { st->tenant, id };
    /* the row locked first: a calculation finishing meanwhile waits or is waited for */
    PGresult *r = hf_db_query(st->db,
                              "SELECT 1 FROM payroll.runs WHERE tenant_id = $1 AND id = $2::uuid"
                              " FOR UPDATE",
                              2, p);
    PQclear(r);
    int rc = r ? open_unlocked(st, id, version, out, why) : HF_EDB;
    if (rc == HF_OK) {
        r = hf_db_query(
            st->db,
            "WITH j AS (DELETE FROM payroll.run_jobs WHERE tenant_id = $1 AND run_id = $2::uuid),"
            " s AS (DELETE FROM payroll.payslips WHERE tenant_id = $1 AND run_id = $2::uuid),"
            " a AS (UPDATE payroll.adjustments SET applied_run_id = NULL WHERE tenant_id = $1"
            " AND applied_run_id = $2::uuid)"
            " DELETE FROM payroll.runs WHERE tenant_id = $1 AND id = $2::uuid RETURNING 1",
            2, p);
        rc = hf_store_rows(r, 1);
        PQclear(r);
    }
    return hf_store_finish(st, rc);
}

/* ---- reading payslips ---- */

static void *slip_row(hf_store_t *st, PGresult *r, int i)
{
    pr_payslip_reader_t rd;
    pr_payslip_reader_init(&rd, st);
    Hrflow__V1__Payslip *s = NULL;
    pr_payslip_row(&rd, st->arena, r, i, 2, 0, &s);
    return s;
}

int pr_payslip_list(hf_store_t *st, const char *run, hf_page_t *page, Hrflow__V1__Payslip ***out,
                    size_t *n)
{
    Hrflow__V1__PayrollRun *x = NULL;
    int rc = pr_run_get(st, run, &x);
    if (rc != HF_OK)
        return rc;
    const char *p[] = { st->tenant, run, NULL, NULL, NULL };
    PGresult *r = hf_page_query(
        st,
        "SELECT s.employee_id, " HF_MICROS("s.create_time") ", " PR_PAYSLIP_COLS
        " FROM payroll.payslips s JOIN payroll.runs r ON r.tenant_id = s.tenant_id"
        " AND r.id = s.run_id WHERE s.tenant_id = $1 AND s.run_id = $2::uuid"
        " AND (s.create_time, s.employee_id) > ($3::timestamptz, $4::uuid)"
        " ORDER BY s.create_time, s.employee_id LIMIT $5::int",
        5, p, 1, page);
    return hf_page_rows(st, r, page, slip_row, (void ***)out, n);
}

int pr_payslip_get(hf_store_t *st, const char *run, const char *employee,
                   Hrflow__V1__Payslip **out)
{
    Hrflow__V1__PayrollRun *x = NULL;
    int rc = pr_run_get(st, run, &x);
    if (rc != HF_OK)
        return rc;
    const char *p[] = { st->tenant, run, employee };
    PGresult *r = hf_db_query(st->db,
                              "SELECT " PR_PAYSLIP_COLS " FROM payroll.payslips s"
                              " JOIN payroll.runs r ON r.tenant_id = s.tenant_id"
                              " AND r.id = s.run_id WHERE s.tenant_id = $1"
                              " AND s.run_id = $2::uuid AND s.employee_id = $3::uuid",
                              3, p);
    rc = r ? (PQntuples(r) == 1 ? HF_OK : HF_ENOTFOUND) : HF_EDB;
    if (rc == HF_OK) {
        pr_payslip_reader_t rd;
        pr_payslip_reader_init(&rd, st);
        rc = pr_payslip_row(&rd, st->arena, r, 0, 0, 1, out);
        pr_payslip_reader_done(&rd);
    }
    PQclear(r);
    return rc;
}

/* ---- the bank file ---- */

int pr_bank_file(hf_store_t *st, const char *run, const char *reason, char **data, size_t *len,
                 const char **why)
{
    Hrflow__V1__PayrollRun *x = NULL;
    int rc = pr_run_get(st, run, &x);
    if (rc != HF_OK)
        return rc;
    if (strcmp(x->state, "approved") && strcmp(x->state, "paid")) {
        *why = "the bank file is made of an approved or paid run only";
        return HF_ECONFLICT;
    }
    const char *p[] = { st->tenant, run, st->actor, reason };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    PGresult *a = hf_db_query(
        st->db,
        "INSERT INTO payroll.employee_reveals (tenant_id, employee_id, company_id, actor, fields,"
        " reason) SELECT s.tenant_id, s.employee_id, e.company_id, $3, '{name,bank_account}', $4"
        " FROM payroll.payslips s JOIN payroll.employees e ON e.tenant_id = s.tenant_id"
        " AND e.id = s.employee_id WHERE s.tenant_id = $1 AND s.run_id = $2::uuid",
        4, p);
    rc = a ? HF_OK : HF_EDB;
    PQclear(a);
    PGresult *r = rc == HF_OK ? hf_db_query(st->db,
                                            "SELECT e.name_enc, e.bank_account_enc, "
                                            PR_PAYSLIP_COLS " FROM payroll.payslips s"
                                            " JOIN payroll.runs r ON r.tenant_id = s.tenant_id"
                                            " AND r.id = s.run_id JOIN payroll.employees e"
                                            " ON e.tenant_id = s.tenant_id AND e.id = s.employee_id"
                                            " WHERE s.tenant_id = $1 AND s.run_id = $2::uuid"
                                            " ORDER BY s.employee_no",
                                            2, p)
                              : NULL;
    if (!r)
        rc = HF_EDB;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = rc == HF_OK ? open_memstream(&buf, &n) : NULL;
    if (rc == HF_OK && !f)
        rc = HF_ENOMEM;
    if (f)
        fputs("employee_no,name,bank_account,amount,currency,remark\r\n", f);
    pr_payslip_reader_t rd;
    pr_payslip_reader_init(&rd, st);
    for (int i = 0; f && rc == HF_OK && i < PQntuples(r); i++) {
        Hrflow__V1__Payslip *s = NULL;
        pr_payslip_row(&rd, st->arena, r, i, 2, 0, &s);
        char *name = PQgetisnull(r, i, 0) ? "" : hf_store_unseal(st, "employees.name",
                                                                   PQgetvalue(r, i, 0));
        char *bank = PQgetisnull(r, i, 1) ? "" : hf_store_unseal(st, "employees.bank_account",
                                                                   PQgetvalue(r, i, 1));
        if (!s || !name || !bank) {
            rc = HF_EDB;
            break;
        }
        char remark[64];
        snprintf(remark, sizeof(remark), "salary %s", s->month);
        hf_table_csv_field(f, s->employee_no, true, ",");
        hf_table_csv_field(f, name, true, ",");
        hf_table_csv_field(f, bank, false, ",");
        hf_table_csv_field(f, s->net, false, ",");
        hf_table_csv_field(f, "CNY", false, ",");
        hf_table_csv_field(f, remark, false, "\r\n");
    }
    pr_payslip_reader_done(&rd);
    PQclear(r);
    if (f && fclose(f) != 0 && rc == HF_OK)
        rc = HF_ENOMEM;
    if (rc == HF_OK) {
        *data = hf_store_alloc(st, n + 1);
        if (*data) {
            memcpy(*data, buf, n);
            *len = n;
        } else {
            rc = HF_ENOMEM;
        }
    }
    if (buf)
        OPENSSL_cleanse(buf, n);
    free(buf);
    return hf_store_finish(st, rc);
}

/* ---- adjustments ---- */

static void *adjust_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__PayrollAdjustment *x = hf_store_alloc(st, sizeof(*x));
    if (!x)
        return NULL;
    hrflow__v1__payroll_adjustment__init(x);
    x->id = hf_store_cell(st, r, i, 0);
    x->create_time = hf_store_time(st, r, i, 1);
    x->company_id = hf_store_cell(st, r, i, 2);
    x->employee_id = hf_store_cell(st, r, i, 3);
    x->month = hf_store_cell(st, r, i, 4);
    x->amount = hf_store_unseal(st, ADJUST_AAD, PQgetvalue(r, i, 5));
    x->taxable = PQgetvalue(r, i, 6)[0] == 't';
    x->reason = hf_store_cell(st, r, i, 7);
    x->actor = hf_store_cell(st, r, i, 8);
    x->applied_run_id = hf_store_cell(st, r, i, 9);
    return x->amount && x->create_time ? x : NULL;
}

#define ADJ_COLS                                                                              \
    "a.id, " HF_MICROS("a.create_time") ", a.company_id, a.employee_id,"                       \
    " to_char(a.month, 'YYYY-MM'), a.amount_enc, a.taxable, a.reason, a.actor,"               \
    " coalesce(a.applied_run_id::text, '')"

int pr_adjustment_create(hf_store_t *st, const char *employee, const char *month, pr_fen_t amount,
                         int taxable, const char *reason, Hrflow__V1__PayrollAdjustment **out,
                         const char **why)
{
    char text[PR_MONEY_TEXT_MAX];
    pr_money_format(amount, text);
    char *tok = hf_pii_seal_field(st->keys, st->tenant, ADJUST_AAD, text);
    if (!tok)
        return HF_ENOMEM;
    const char *p[] = { st->tenant, employee, month, tok, taxable ? "t" : "f", reason, st->actor,
                        hf_store_companies(st) };
    const char *q[] = { st->tenant, employee, month, p[7] };
    PGresult *r = hf_db_query(
        st->db,
        "SELECT e.company_id, coalesce((SELECT state FROM payroll.runs r WHERE r.tenant_id ="
        " e.tenant_id AND r.company_id = e.company_id AND r.month = $3::date), '')"
        " FROM payroll.employees e"
        " WHERE e.tenant_id = $1 AND e.id = $2::uuid AND " HF_SEES_COMPANY("e.company_id", "4"),
        4, q);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK && strcmp(PQgetvalue(r, 0, 1), "paid")) {
        *why = "an adjustment corrects a paid (locked) month: change an unlocked run instead";
        rc = HF_ECONFLICT;
    }
    PQclear(r);
    if (rc == HF_OK)
        rc = hf_store_one(st,
                          "WITH a AS (INSERT INTO payroll.adjustments (tenant_id, company_id,"
                          " employee_id, month, amount_enc, taxable, reason, actor)"
                          " SELECT $1, e.company_id, e.id, $3::date, $4, $5::boolean, $6, $7"
                          " FROM payroll.employees e WHERE e.tenant_id = $1 AND e.id = $2::uuid"
                          " AND " HF_SEES_COMPANY("e.company_id", "8") " RETURNING *)"
                          " SELECT " ADJ_COLS " FROM a",
                          8, p, adjust_row, out);
    free(tok);
    return rc;
}

int pr_adjustment_list(hf_store_t *st, const char *company, hf_page_t *page,
                       Hrflow__V1__PayrollAdjustment ***out, size_t *n)
{
    const char *p[] = { st->tenant, company, hf_store_companies(st), NULL, NULL, NULL };
    if (!p[2])
        return HF_ENOMEM;
    PGresult *r = hf_page_query(
        st,
        "SELECT " ADJ_COLS " FROM payroll.adjustments a WHERE a.tenant_id = $1"
        " AND ($2 = '' OR a.company_id = nullif($2, '')::uuid)"
        " AND " HF_SEES_COMPANY("a.company_id", "3")
        " AND (a.create_time, a.id) > ($4::timestamptz, $5::uuid)"
        " ORDER BY a.create_time, a.id LIMIT $6::int",
        6, p, 1, page);
    return hf_page_rows(st, r, page, adjust_row, (void ***)out, n);
}

/* ---- the calculation loop ---- */

long pr_run_lease_ms = 300000;
long pr_run_workers = 0;

/* The claims this replica's workers hold, one slot per worker: the lease
 * loop renews each while its calculation lasts, so a calculation longer
 * than the lease is not claimed again by another replica. A replica that
 * dies stops renewing, and its claims pass on when their lease runs out. */
typedef struct {
    int held;
    char tenant[40], run[40];
    int64_t claim;
} claim_slot_t;

static claim_slot_t claims[PR_RUN_WORKERS_MAX];
static pthread_mutex_t claims_lock = PTHREAD_MUTEX_INITIALIZER;

static void claim_hold(int slot, const char *tenant, const char *run, int64_t claim)
{
    pthread_mutex_lock(&claims_lock);
    claims[slot].held = run != NULL;
    if (run) {
        snprintf(claims[slot].tenant, sizeof(claims[slot].tenant), "%s", tenant);
        snprintf(claims[slot].run, sizeof(claims[slot].run), "%s", run);
        claims[slot].claim = claim;
    }
    pthread_mutex_unlock(&claims_lock);
}

/* Push the lease of every claim in hand a lease further (a claim voided
 * meanwhile by a new request no longer matches: it is left to lapse). */
static int leases_step(hf_loop_t *loop, PGconn *db, void *user)
{
    (void)loop, (void)user;
    char lease[16], cl[24];
    snprintf(lease, sizeof(lease), "%ld", pr_run_lease_ms);
    for (int k = 0; k < PR_RUN_WORKERS_MAX; k++) {
        pthread_mutex_lock(&claims_lock);
        claim_slot_t c = claims[k];
        pthread_mutex_unlock(&claims_lock);
        if (!c.held)
            continue;
        snprintf(cl, sizeof(cl), "%lld", (long long)c.claim);
        const char *p[] = { c.tenant, c.run, cl, lease };
        PGresult *r = hf_db_query(
            db,
            "UPDATE payroll.run_jobs SET lease_until = now() + $4::int * interval '1 millisecond'"
            " WHERE tenant_id = $1 AND run_id = $2::uuid AND claim = $3::bigint",
            4, p);
        if (!r)
            return -1;
        PQclear(r);
    }
    return 0;
}

typedef struct {
    hf_arena_t *arena;
    int lease_ms;
    int slot;             /* of claims[] */
    char owner[96];
} loop_t;

static int runs_step(hf_loop_t *loop, PGconn *db, void *user)
{
    (void)loop;
    loop_t *l = user;
    char lease[16];
    snprintf(lease, sizeof(lease), "%d", l->lease_ms);
    const char *p[] = { lease, l->owner };
    PGresult *r = hf_db_query(
        db,
        "UPDATE payroll.run_jobs j SET lease_until = now() + $1::int * interval '1 millisecond',"
        " claim = j.claim + 1, owner = $2, attempts = j.attempts + 1"
        " WHERE (j.tenant_id, j.run_id) = (SELECT tenant_id, run_id FROM payroll.run_jobs"
        " WHERE lease_until < now() ORDER BY request_time LIMIT 1 FOR UPDATE SKIP LOCKED)"
        " RETURNING j.tenant_id, j.run_id, j.claim",
        2, p);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    char tenant[40], run[40];
    snprintf(tenant, sizeof(tenant), "%s", PQgetvalue(r, 0, 0));
    snprintf(run, sizeof(run), "%s", PQgetvalue(r, 0, 1));
    int64_t claim = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
    PQclear(r);
    hf_arena_reset(l->arena);
    hf_store_t st;
    hf_store_init(&st, db, l->arena, tenant, hf_service_keys());
    claim_hold(l->slot, tenant, run, claim);
    int rc = pr_run_calculate(&st, run, claim);
    claim_hold(l->slot, NULL, NULL, 0);
    hf_logkv(rc == HF_OK || rc == HF_ECONFLICT ? HF_LOG_INFO : HF_LOG_ERROR,
             "payroll run calculation", HF_KV_STR("run", run), HF_KV_STR("result", hf_err_name(rc)));
    return rc == HF_EDB ? -1 : 1;
}

static void runs_cleanup(void *user)
{
    loop_t *l = user;
    hf_arena_destroy(&l->arena);
    free(l);
}

int pr_run_workers_n(void)
{
    long n = pr_run_workers;
    if (n <= 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > PR_RUN_WORKERS_MAX ? PR_RUN_WORKERS_MAX : (int)n;
}

int pr_runs_start(void)
{
    pr_slip_inputs_init();
    char host[64] = "";
    gethostname(host, sizeof(host) - 1);
    int n = pr_run_workers_n();
    for (int k = 0; k < n; k++) {
        loop_t *l = calloc(1, sizeof(*l));
        if (!l || !(l->arena = hf_arena_new(1 << 20))) {
            free(l);
            return -1;
        }
        l->lease_ms = (int)pr_run_lease_ms;
        l->slot = k;
        snprintf(l->owner, sizeof(l->owner), "%s:%ld", host, (long)getpid());
        char name[32];
        snprintf(name, sizeof(name), "payroll runs %d", k);
        const hf_loop_def_t def = { .name = name, .step = runs_step,
                                    .cleanup = runs_cleanup, .user = l, .idle_ms = 1000,
                                    .listen = 1, .channel = "payroll_runs" };
        if (hf_service_loop(&def) < 0) {
            runs_cleanup(l);
            return -1;
        }
    }
    const hf_loop_def_t leases = { .name = "payroll run leases", .step = leases_step,
                                   .idle_ms = (int)(pr_run_lease_ms / 3) };
    if (hf_service_loop(&leases) < 0)
        return -1;
    hf_logkv(HF_LOG_INFO, "payroll run workers", HF_KV_INT("workers", n));
    return 0;
}
