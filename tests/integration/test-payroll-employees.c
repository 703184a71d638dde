/* tests/integration/test-payroll-employees.c - payroll's employee archive on real PostgreSQL
 *
 * What a payroll run reads of a company for a month (pr_employees_month):
 * who is on the payroll that month (not drafts, hired by its end, not left
 * before its start, of that company), with the compensation and the tax
 * profile in effect then, opened from their sealed rows, the dates of hire
 * and leave and the grade of the month's end; a future position change
 * applied by its timer on its day, once, with its event; and the city's
 * minimum wage of a day, the tenant's own before the shipped one.
 * Over the service's own migrations, with the store the service runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_fixture.h"
#include "hf/arena.h"
#include "hf/crypto.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/store.h"
#include "testlib.h"

#include "../../services/payroll/employees_store.h"
#include "../../services/payroll/social_store.h"

extern const hf_migration_t payroll_migrations[];
extern const size_t payroll_migrations_count;

#define TENANT "11111111-1111-4111-8111-111111111111"
#define SH "33333333-3333-4333-8333-333333333333"
#define SZ "44444444-4444-4444-8444-444444444444"
#define WH "55555555-5555-4555-8555-555555555555"
#define OTHER "22222222-2222-4222-8222-222222222222"

static fx_service_t fx;

static int group_setup(void **state)
{
    (void)state;
    hf_log_init("test-payroll-employees", HF_LOG_ERROR);
    return fx_service_open(&fx, "hf_test_payroll", "payroll", payroll_migrations,
                           payroll_migrations_count);
}

static int group_teardown(void **state)
{
    (void)state;
    fx_service_close(&fx);
    return 0;
}

static hf_store_t store(void)
{
    return fx_service_store(&fx, TENANT);
}

static const char *sql1(const char *q)
{
    PGresult *r = PQexec(fx.db, q);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    const char *v = hf_arena_strdup(fx.arena, PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

/* A new employee of company no, status, hired on hire ("" = not yet). */
static Hrflow__V1__Employee *hire(const char *company, const char *no, const char *status,
                                  const char *day)
{
    hf_store_t st = store();
    pr_employee_patch_t p = { .employee_no = no, .name = "员工", .hire_date = day,
                              .department = "财务部", .city = "上海" };
    Hrflow__V1__Employee *e = NULL;
    const char *taken = "";
    assert_int_equal(pr_employee_create(&st, company, status, &p, &e, &taken), HF_OK);
    return e;
}

static void pay(const char *id, const char *month, pr_fen_t base, const char *allowance,
                pr_fen_t amount)
{
    hf_store_t st = store();
    char *names[] = { (char *)allowance };
    Hrflow__V1__Compensation *c = NULL;
    assert_int_equal(pr_compensation_set(&st, id, month, base, names, &amount, allowance ? 1 : 0,
                                         &c),
                     HF_OK);
}

static void tax(const char *id, const char *month, const char *residency, const char *bonus,
                pr_fen_t children)
{
    hf_store_t st = store();
    pr_fen_t d[PR_DEDUCTION_KINDS] = { children };
    Hrflow__V1__TaxProfile *t = NULL;
    assert_int_equal(pr_tax_profile_set(&st, id, month, residency, bonus, d, &t), HF_OK);
}

/* The month's row of employee no, or NULL when it is not on that payroll. */
static const pr_employee_month_t *month_of(const char *company, const char *month,
                                           const char *no, size_t *n)
{
    hf_store_t st = store();
    pr_employee_month_t *m = NULL;
    assert_int_equal(pr_employees_month(&st, company, month, &m, n), HF_OK);
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(m[i].employee_no, no))
            return &m[i];
    return NULL;
}

static void a_run_reads_whom_the_month_pays_with_the_pay_and_tax_then_in_effect(void **state)
{
    (void)state;
    Hrflow__V1__Employee *a = hire(SH, "A1", "active", "2027-01-15");
    hire(SH, "B1", "draft", "2027-01-01");                  /* a draft is not paid */
    Hrflow__V1__Employee *c = hire(SH, "C1", "active", "2026-01-01");
    hire(SH, "D1", "active", "2027-05-01");                 /* starts in May */
    hire(SZ, "E1", "active", "2026-01-01");                 /* another company */
    hf_store_t st = store();
    Hrflow__V1__Employee *left = NULL;
    assert_int_equal(pr_employee_set_status(&st, c->id, 1, "left", "2027-02-10", "个人原因",
                                            &left),
                     HF_OK);
    pay(a->id, "2027-01-01", 1000000, "餐补", 50000);
    pay(a->id, "2027-04-01", 1200000, NULL, 0);
    tax(a->id, "2027-01-01", "resident", "separate", 200000);
    tax(a->id, "2027-03-01", "non_resident", "merged", 0);

    size_t n = 0;
    const pr_employee_month_t *e = month_of(SH, "2027-02", "A1", &n);
    assert_int_equal(n, 2); /* A1, and C1 who left on the 10th */
    assert_non_null(e);
    assert_true(e->has_pay && e->has_tax);
    assert_int_equal(e->base, 1000000);
    assert_int_equal(e->n_allowances, 1);
    assert_string_equal(e->allowance_names[0], "餐补");
    assert_int_equal(e->allowance_amounts[0], 50000);
    assert_false(e->non_resident);
    assert_false(e->bonus_merged);
    assert_int_equal(e->deductions[0], 200000); /* children_education */
    assert_string_equal(e->city, "上海");
    const pr_employee_month_t *gone = month_of(SH, "2027-02", "C1", &n);
    assert_non_null(gone);
    assert_false(gone->has_pay);
    assert_string_equal(gone->status, "left");

    e = month_of(SH, "2027-03", "A1", &n); /* the tax profile of March, the pay of January */
    assert_int_equal(n, 1);
    assert_int_equal(e->base, 1000000);
    assert_true(e->non_resident && e->bonus_merged);
    assert_int_equal(e->deductions[0], 0);

    e = month_of(SH, "2027-04", "A1", &n);
    assert_int_equal(e->base, 1200000);
    assert_int_equal(e->n_allowances, 0);

    assert_null(month_of(SH, "2026-12", "A1", &n)); /* hired in January */
    assert_int_equal(n, 1);                         /* C1 only */
    assert_non_null(month_of(SH, "2027-05", "D1", &n));
    assert_int_equal(n, 2);
}

static void a_future_position_change_applies_on_its_day_once(void **state)
{
    (void)state;
    Hrflow__V1__Employee *e = hire(SH, "F1", "active", "2026-01-01");
    PQclear(PQexec(fx.db, "SELECT timers.freeze('2027-03-01T08:00:00+08:00')"));
    hf_store_t st = store();
    Hrflow__V1__PositionChange c = HRFLOW__V1__POSITION_CHANGE__INIT, *out = NULL;
    c.position = "主管";
    c.city = "深圳";
    c.reason = "";
    assert_int_equal(pr_position_change_create(&st, e->id, &c, "2027-03-05", &out), HF_OK);
    assert_false(out->applied);
    char q[256];
    snprintf(q, sizeof(q),
             "SELECT id || ' ' || (extract(epoch FROM due_time) * 1000000)::bigint FROM "
             "timers.timer WHERE kind = '" PR_TIMER_POSITION "' AND key = 'position-changes/%s'",
             out->id);
    const char *row = sql1(q);
    hf_timer_t t = { .tenant_id = TENANT, .kind = PR_TIMER_POSITION, .attempts = 0 };
    char payload[128];
    snprintf(payload, sizeof(payload), "{\"changeId\": \"%s\"}", out->id);
    t.payload_json = payload;
    t.id = atoll(row);
    /* due at midnight in Shanghai on its day */
    assert_string_equal(sql1("SELECT to_char(due_time AT TIME ZONE 'Asia/Shanghai', "
                             "'YYYY-MM-DD HH24:MI') FROM timers.timer WHERE kind = "
                             "'" PR_TIMER_POSITION "'"),
                        "2027-03-05 00:00");
    /* fired early (a clock that has not come): nothing changes */
    assert_int_equal(pr_employees_timer(NULL, fx.db, &t), HF_TIMER_OK);
    Hrflow__V1__Employee *now = NULL;
    assert_int_equal(pr_employee_get(&st, e->id, &now), HF_OK);
    assert_string_equal(now->city, "上海");
    PQclear(PQexec(fx.db, "SELECT timers.freeze('2027-03-05T00:00:00+08:00')"));
    assert_int_equal(pr_employees_timer(NULL, fx.db, &t), HF_TIMER_OK);
    assert_int_equal(pr_employees_timer(NULL, fx.db, &t), HF_TIMER_OK); /* again: nothing */
    assert_int_equal(pr_employee_get(&st, e->id, &now), HF_OK);
    assert_string_equal(now->city, "深圳");
    assert_string_equal(now->position, "主管");
    assert_string_equal(now->department, "财务部");
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM events.outbox WHERE type = "
             "'hrflow.payroll.employee.position_changed.v1' AND subject = 'employees/%s'",
             e->id);
    assert_string_equal(sql1(q), "1");
    PQclear(PQexec(fx.db, "SELECT timers.freeze(NULL)"));
}

/* A grade change of employee id from day (applied at once when it has come). */
static void regrade(const char *id, const char *grade, const char *day)
{
    hf_store_t st = store();
    Hrflow__V1__PositionChange c = HRFLOW__V1__POSITION_CHANGE__INIT, *out = NULL;
    c.grade = (char *)grade;
    c.reason = "";
    assert_int_equal(pr_position_change_create(&st, id, &c, day, &out), HF_OK);
}

/* What the pay inputs joined_this_month, left_this_month, service_years and
 * grade_level are made of: the record's dates, and the grade of the month's
 * end, a later change that has not come yet included. */
static void a_run_reads_the_dates_and_the_grade_of_the_months_end(void **state)
{
    (void)state;
    PQclear(PQexec(fx.db, "SELECT timers.freeze('2026-03-01T08:00:00+08:00')"));
    Hrflow__V1__Employee *e = hire(WH, "G1", "active", "2024-05-20");
    regrade(e->id, "P4", "2024-05-20");
    regrade(e->id, "P6", "2026-04-10"); /* not yet applied */
    size_t n = 0;
    const pr_employee_month_t *m = month_of(WH, "2026-03", "G1", &n);
    assert_non_null(m);
    assert_string_equal(m->hire_date, "2024-05-20");
    assert_string_equal(m->leave_date, "");
    assert_string_equal(m->grade, "P4");
    assert_string_equal(month_of(WH, "2026-04", "G1", &n)->grade, "P6");
    hf_store_t st = store();
    Hrflow__V1__Employee *now = NULL, *left = NULL;
    assert_int_equal(pr_employee_get(&st, e->id, &now), HF_OK);
    assert_int_equal(pr_employee_set_status(&st, e->id, now->version, "left", "2026-05-15",
                                            "个人原因", &left),
                     HF_OK);
    m = month_of(WH, "2026-05", "G1", &n);
    assert_non_null(m);
    assert_string_equal(m->leave_date, "2026-05-15");
    assert_null(month_of(WH, "2026-06", "G1", &n));
    PQclear(PQexec(fx.db, "SELECT timers.freeze(NULL)"));
}

static void the_minimum_wage_of_a_day_is_the_tenants_own_else_the_shipped(void **state)
{
    (void)state;
    hf_store_t st = store();
    pr_fen_t m = 0;
    char *id = NULL, *other = NULL;
    assert_int_equal(minimum_wage_for(&st, "上海", "2025-06-30", &m, &id), HF_OK);
    assert_int_equal(m, 269000);
    assert_string_equal(id, "00000000-0000-4000-8000-000000007401");
    assert_int_equal(minimum_wage_for(&st, "上海", "2025-07-01", &m, &id), HF_OK);
    assert_int_equal(m, 274000);
    assert_int_equal(minimum_wage_for(&st, "火星", "2026-03-01", &m, &id), HF_ENOTFOUND);
    Hrflow__V1__MinimumWage *w = NULL, *w2 = NULL;
    assert_int_equal(minimum_wage_create(&st, "上海", "2026-03-01", "2026-03-31", 280000, "own",
                                         &w, &other),
                     HF_OK);
    assert_string_equal(w->monthly, "2800.00");
    assert_false(w->shipped);
    assert_int_equal(minimum_wage_for(&st, "上海", "2026-03-31", &m, &id), HF_OK);
    assert_int_equal(m, 280000);
    assert_string_equal(id, w->id);
    assert_int_equal(minimum_wage_for(&st, "上海", "2026-04-01", &m, &id), HF_OK);
    assert_int_equal(m, 274000);
    assert_int_equal(minimum_wage_create(&st, "上海", "2026-03-15", "", 290000, "", &w2, &other),
                     HF_ECONFLICT);
    assert_string_equal(other, w->id);
    /* another tenant has only the shipped one */
    hf_store_t o = fx_service_store(&fx, OTHER);
    assert_int_equal(minimum_wage_for(&o, "上海", "2026-03-01", &m, &id), HF_OK);
    assert_int_equal(m, 274000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_run_reads_whom_the_month_pays_with_the_pay_and_tax_then_in_effect),
        cmocka_unit_test(a_future_position_change_applies_on_its_day_once),
        cmocka_unit_test(a_run_reads_the_dates_and_the_grade_of_the_months_end),
        cmocka_unit_test(the_minimum_wage_of_a_day_is_the_tenants_own_else_the_shipped),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
