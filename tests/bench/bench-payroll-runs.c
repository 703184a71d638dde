/* tests/bench/bench-payroll-runs.c - payroll runs of a group: 100 000 employees, 20 companies, 5 cities
 *
 * Over the service's own migrations and store (runs_store.c), on a
 * throwaway database: 100 000 employees in 20 companies and the five
 * shipped cities, each with sealed pay, an office shift and a month of
 * punches (March 2026: 22 working days, in and out), a scheme of 20
 * components per company. Then, in one process:
 *
 *   - the first calculation of every company's run, as the service's loops
 *     do it (pr_run_calculate: the month's attendance computed, everything
 *     loaded, every payslip computed, sealed and COPied in, the run updated,
 *     one transaction per company), by HF_PAYROLL_RUN_WORKERS connections
 *     at once (default one per core, as a replica);
 *   - the full run again, nothing changed: the stored attendance reused, the
 *     previous payslips replaced (a recalculation);
 *   - the physical limit: the same payslip rows (as stored) COPied into a
 *     scratch table of the same shape and indexes by as many connections
 *     as the run's workers, one transaction per company, measured in the
 *     same run; and once more with the sealed body as bytea in COPY's
 *     binary format;
 *   - compute alone: pr_slip_compute for 100 000 employees on one core.
 *
 * Prints the figures and the ratio; docs/performance.md ("## Payroll")
 * keeps them. `./hrflow bench payroll-runs`.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events_fixture.h"
#include "hf/arena.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/store.h"

#include "../../services/payroll/attendance_store.h"
#include "../../services/payroll/runs.h"
#include "../../services/payroll/runs_store.h"
#include "benchout.h"

extern const hf_migration_t payroll_migrations[];
extern const size_t payroll_migrations_count;

#define TENANT "11111111-1111-4111-8111-111111111111"
#define EMPLOYEES 100000
#define COMPANIES 20

static fx_service_t fx;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void exec(const char *sql)
{
    PGresult *r = PQexec(fx.db, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "%s\n%s", sql, PQerrorMessage(fx.db));
        exit(1);
    }
    PQclear(r);
}

static const char *const components[][3] = {
    { "day_rate", "info", "base / standard_days" },
    { "hour_rate", "info", "base / standard_hours" },
    { "attendance_pay", "earning", "base * attended_days / workdays_in_month" },
    { "paid_leave_pay", "earning", "day_rate * paid_leave_days" },
    { "sick_pay", "earning", "day_rate * sick_leave_days * 0.6" },
    { "housing", "earning", "housing_allowance" },
    { "meal", "earning", "min(meal_allowance, attended_days * 25 yuan)" },
    { "transport", "earning", "if(attended_days >= 15, transport_allowance, "
                              "transport_allowance * attended_days / workdays_in_month)" },
    { "performance", "earning", "perf_bonus * rating_coef" },
    { "seniority", "earning", "min(service_years, 10) * 50 yuan" },
    { "full_attendance", "earning", "if(absent_days == 0 and late_count == 0, 200, 0)" },
    { "late_fine", "deduction", "if(late_count > 3, 200, late_count * 50 yuan)" },
    { "absence", "deduction", "day_rate * (absent_days + unpaid_leave_days)" },
    { "union_fee", "deduction", "base * 0.005" },
    { "gross_info", "info", "attendance_pay + paid_leave_pay + sick_pay + housing + meal + "
                            "transport + performance + seniority + full_attendance" },
    { "deductions_info", "info", "late_fine + absence + union_fee" },
    { "net_before_tax", "info", "max(gross_info - deductions_info, 0)" },
    { "top_up", "earning", "max(min_wage - net_before_tax, 0)" },
    { "annual_bonus", "earning", "if(joined_this_month, 0, 0)" },
    { "check_total", "info", "net_before_tax + top_up" },
};
#define NCOMP (sizeof(components) / sizeof(components[0]))

/* Companies, employees, sealed pay, shifts, punches and schemes. */
static void seed(void)
{
    double t0 = now();
    exec("SELECT setseed(0.42)");
    exec("CREATE TEMP TABLE bench_companies AS SELECT n, gen_random_uuid() AS id"
         " FROM generate_series(1, 20) n");
    exec("INSERT INTO payroll.employees (tenant_id, company_id, employee_no, status, name_enc,"
         " hire_date, city, bank_account_enc)"
         " SELECT '" TENANT "', c.id, 'E' || lpad(e::text, 6, '0'), 'active', 'sealed',"
         " '2025-01-01', (ARRAY['上海','北京','深圳','杭州','成都'])[1 + e % 5], 'sealed'"
         " FROM generate_series(1, 100000) e JOIN bench_companies c ON c.n = 1 + e % 20");
    /* the pay of every employee, sealed as the service seals it */
    PGresult *r = PQexec(fx.db, "SELECT id, employee_no FROM payroll.employees ORDER BY 2");
    hf_copybuf_t b = { NULL, NULL, 0 };
    b.f = open_memstream(&b.p, &b.n);
    hf_store_t st = fx_service_store(&fx, TENANT);
    if (hf_store_copy_begin(&st, "COPY payroll.compensations (tenant_id, employee_id,"
                                 " effective_month, amounts_enc, actor) FROM STDIN") < 0)
        exit(1);
    for (int i = 0; i < PQntuples(r); i++) {
        char json[256];
        snprintf(json, sizeof(json),
                 "{\"baseSalary\": \"%d.00\", \"allowances\": [{\"name\": \"meal\", \"amount\":"
                 " \"600.00\"}, {\"name\": \"housing\", \"amount\": \"%d.00\"}]}",
                 6000 + (i * 37) % 30000, 500 + (i % 7) * 100);
        char *tok = hf_pii_seal_field(fx.keys, TENANT, "compensations.amounts", json);
        fprintf(b.f, "%s\t%s\t2026-01-01\t%s\tbench\n", TENANT, PQgetvalue(r, i, 0), tok);
        free(tok);
        if ((size_t)ftello(b.f) >= HF_COPY_PIECE)
            hf_store_copy_send(&st, &b);
    }
    hf_store_copy_send(&st, &b);
    if (hf_store_copy_end(&st, NULL) < 0)
        exit(1);
    fclose(b.f);
    free(b.p);
    PQclear(r);
    exec("INSERT INTO payroll.shifts (tenant_id, company_id, name, start_minute, end_minute,"
         " late_grace_minutes, break_start_minute, break_minutes)"
         " SELECT '" TENANT "', id, 'office', 540, 1080, 5, 720, 60 FROM bench_companies");
    exec("INSERT INTO payroll.attendance_settings (tenant_id, company_id, default_shift_id)"
         " SELECT s.tenant_id, s.company_id, s.id FROM payroll.shifts s");
    /* a month of punches: in and out on every working day, some late, some overtime */
    exec("INSERT INTO payroll.punches (tenant_id, employee_id, punch_time, company_id, method)"
         " SELECT e.tenant_id, e.id, (d + t)::timestamp AT TIME ZONE 'Asia/Shanghai',"
         " e.company_id, 'fingerprint' FROM payroll.employees e,"
         " generate_series(date '2026-03-01', date '2026-03-31', '1 day') d,"
         " LATERAL (VALUES (CASE WHEN random() < 0.05 THEN time '09:20' ELSE time '08:55' END),"
         " (CASE WHEN random() < 0.2 THEN time '20:30' ELSE time '18:05' END)) v(t)"
         " WHERE extract(isodow FROM d) < 6");
    /* one scheme per company */
    exec("INSERT INTO payroll.schemes (tenant_id, company_id, name)"
         " SELECT '" TENANT "', id, 'standard' FROM bench_companies");
    exec("INSERT INTO payroll.scheme_versions (tenant_id, scheme_id, version, effective_month,"
         " actor) SELECT tenant_id, id, 1, '2026-01-01', 'bench' FROM payroll.schemes");
    for (size_t k = 0; k < NCOMP; k++) {
        char sql[1024];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO payroll.scheme_components (tenant_id, scheme_id, version, position,"
                 " name, kind, taxable, formula, value_type) SELECT tenant_id, id, 1, %zu, '%s',"
                 " '%s', %s, '%s', 'money' FROM payroll.schemes",
                 k, components[k][0], components[k][1],
                 strcmp(components[k][1], "info") ? "true" : "false", components[k][2]);
        exec(sql);
    }
    exec("INSERT INTO payroll.runs (tenant_id, company_id, month)"
         " SELECT '" TENANT "', id, '2026-03-01' FROM bench_companies");
    exec("ANALYZE");
    printf("# seeded 100000 employees, 20 companies, 5 cities, a month of punches in %.1f s\n",
           now() - t0);
}

/* The runs' ids, claimed one after another by the workers. */
static PGresult *runs_ids;
static int runs_next;
static pthread_mutex_t runs_lock = PTHREAD_MUTEX_INITIALIZER;

/* One worker as one of the service's loops: its own connection and arena,
 * claiming the next run until none is left. */
static void *worker(void *arg)
{
    (void)arg;
    PGconn *db = fx_conn(fx.dsn);
    hf_arena_t *arena = hf_arena_new(1 << 20);
    if (!db || !arena)
        exit(1);
    for (;;) {
        pthread_mutex_lock(&runs_lock);
        int i = runs_next < PQntuples(runs_ids) ? runs_next++ : -1;
        pthread_mutex_unlock(&runs_lock);
        if (i < 0)
            break;
        hf_arena_reset(arena);
        hf_store_t st;
        hf_store_init(&st, db, arena, TENANT, fx.keys);
        st.actor = "key:test";
        int rc = pr_run_calculate(&st, PQgetvalue(runs_ids, i, 0), 1);
        if (rc != HF_OK) {
            fprintf(stderr, "run %s: %s\n", PQgetvalue(runs_ids, i, 0), hf_err_name(rc));
            exit(1);
        }
    }
    hf_arena_destroy(&arena);
    PQfinish(db);
    return NULL;
}

/* The full run: every company's calculation, one transaction each, by
 * `workers` connections at once (as that many loops of a replica). */
static double full_run(int workers, const char *what)
{
    exec("INSERT INTO payroll.run_jobs (tenant_id, run_id, claim)"
         " SELECT tenant_id, id, 1 FROM payroll.runs");
    exec("UPDATE payroll.runs SET state = 'draft'");
    runs_ids = PQexec(fx.db, "SELECT id FROM payroll.runs ORDER BY id");
    runs_next = 0;
    pthread_t t[PR_RUN_WORKERS_MAX];
    double t0 = now();
    for (int k = 0; k < workers; k++)
        pthread_create(&t[k], NULL, worker, NULL);
    for (int k = 0; k < workers; k++)
        pthread_join(t[k], NULL);
    double secs = now() - t0;
    PQclear(runs_ids);
    PGresult *c = PQexec(fx.db, "SELECT count(*), count(DISTINCT run_id),"
                                " (SELECT string_agg(DISTINCT state || error, ',') FROM payroll.runs),"
                                " (SELECT sum(computations) FROM payroll.attendance_computed)"
                                " FROM payroll.payslips");
    printf("# %s: payslips %s in %s runs, states %s, attendance computations so far %s\n", what,
           PQgetvalue(c, 0, 0), PQgetvalue(c, 0, 1), PQgetvalue(c, 0, 2), PQgetvalue(c, 0, 3));
    if (atoi(PQgetvalue(c, 0, 0)) != EMPLOYEES)
        exit(1);
    PQclear(c);
    return secs;
}

/* The payslip rows of one run as COPY data (text, or binary with the
 * sealed body as bytea), and the scratch table they go into. */
typedef struct {
    char *p;
    size_t n;
} rows_t;

static rows_t chunks[COMPANIES];
static int chunk_next;
static const char *chunk_table, *chunk_format;

#define SLIP_COLUMNS                                                                          \
    "tenant_id, run_id, employee_id, employee_no, tax_year, month, body_enc, city, department," \
    " position"

/* The result of a COPY ... TO STDOUT on db, in memory. */
static rows_t copy_out(PGconn *db, const char *sql)
{
    rows_t out = { NULL, 0 };
    PGresult *r = PQexec(db, sql);
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
        fprintf(stderr, "%s\n%s", sql, PQerrorMessage(db));
        exit(1);
    }
    PQclear(r);
    FILE *f = open_memstream(&out.p, &out.n);
    char *line;
    int len;
    while ((len = PQgetCopyData(db, &line, 0)) > 0) {
        fwrite(line, 1, (size_t)len, f);
        PQfreemem(line);
    }
    while ((r = PQgetResult(db)))
        PQclear(r);
    fclose(f);
    return out;
}

/* One connection COPYing runs' rows in, one transaction a run, as a worker
 * of the run writes them. */
static void *copy_worker(void *arg)
{
    (void)arg;
    PGconn *db = fx_conn(fx.dsn);
    if (!db)
        exit(1);
    for (;;) {
        pthread_mutex_lock(&runs_lock);
        int i = chunk_next < COMPANIES ? chunk_next++ : -1;
        pthread_mutex_unlock(&runs_lock);
        if (i < 0)
            break;
        char sql[256];
        snprintf(sql, sizeof(sql), "COPY %s (" SLIP_COLUMNS ") FROM STDIN%s", chunk_table,
                 chunk_format);
        PQclear(PQexec(db, "BEGIN"));
        PGresult *r = PQexec(db, sql);
        PQclear(r);
        for (size_t off = 0; off < chunks[i].n; off += HF_COPY_PIECE) {
            size_t piece = chunks[i].n - off < HF_COPY_PIECE ? chunks[i].n - off : HF_COPY_PIECE;
            PQputCopyData(db, chunks[i].p + off, (int)piece);
        }
        PQputCopyEnd(db, NULL);
        while ((r = PQgetResult(db))) {
            if (PQresultStatus(r) != PGRES_COMMAND_OK) {
                fprintf(stderr, "%s", PQresultErrorMessage(r));
                exit(1);
            }
            PQclear(r);
        }
        PQclear(PQexec(db, "COMMIT"));
    }
    PQfinish(db);
    return NULL;
}

/* The rows of every run (select: the columns) COPied into table by
 * `workers` connections at once; seconds, and *bytes of COPY data. */
static double copy_in(int workers, const char *table, const char *select, const char *format,
                      size_t *bytes)
{
    PGresult *runs = PQexec(fx.db, "SELECT id FROM payroll.runs ORDER BY id");
    *bytes = 0;
    for (int i = 0; i < COMPANIES; i++) {
        char sql[1024];
        snprintf(sql, sizeof(sql), "COPY (SELECT %s FROM payroll.payslips WHERE run_id = '%s')"
                 " TO STDOUT%s", select, PQgetvalue(runs, i, 0), format);
        chunks[i] = copy_out(fx.db, sql);
        *bytes += chunks[i].n;
    }
    PQclear(runs);
    chunk_next = 0;
    chunk_table = table;
    chunk_format = format;
    pthread_t t[PR_RUN_WORKERS_MAX];
    double t0 = now();
    for (int k = 0; k < workers; k++)
        pthread_create(&t[k], NULL, copy_worker, NULL);
    for (int k = 0; k < workers; k++)
        pthread_join(t[k], NULL);
    double secs = now() - t0;
    for (int i = 0; i < COMPANIES; i++)
        free(chunks[i].p);
    return secs;
}

/* The same payslip rows COPied into a scratch table of the same shape and
 * indexes, by as many connections as the run's workers; then once more
 * with the sealed body as bytea in COPY's binary format (the token's bytes
 * without its text encoding), to weigh one against the other. */
static double raw_copy(int workers, double *binary)
{
    exec("CREATE TABLE bench_payslips (LIKE payroll.payslips INCLUDING DEFAULTS INCLUDING"
         " INDEXES)");
    size_t bytes = 0, bin_bytes = 0;
    double t = copy_in(workers, "bench_payslips", SLIP_COLUMNS, "", &bytes);
    exec("CREATE TABLE bench_payslips_bin (LIKE payroll.payslips INCLUDING DEFAULTS INCLUDING"
         " INDEXES)");
    exec("ALTER TABLE bench_payslips_bin ALTER body_enc TYPE bytea USING NULL");
    *binary = copy_in(workers, "bench_payslips_bin",
                      "tenant_id, run_id, employee_id, employee_no, tax_year, month,"
                      " decode(rpad(translate(split_part(body_enc, '.', 3), '-_', '+/'),"
                      " (length(split_part(body_enc, '.', 3)) + 3) / 4 * 4, '='), 'base64'),"
                      " city, department, position",
                      " (FORMAT binary)", &bin_bytes);
    PGresult *r = PQexec(fx.db, "SELECT round(avg(length(body_enc))) FROM payroll.payslips");
    printf("# raw COPY: %zu bytes of payslip rows (sealed payslip %s characters on average),"
           " %zu bytes in binary with the body as bytea\n",
           bytes, PQgetvalue(r, 0, 0), bin_bytes);
    PQclear(r);
    return t;
}

/* pr_slip_compute alone, one core. */
static double compute_alone(double *per_s)
{
    pr_slip_inputs_init();
    pr_component_src_t src[NCOMP];
    unsigned char taxable[NCOMP];
    for (size_t k = 0; k < NCOMP; k++) {
        src[k] = (pr_component_src_t){ components[k][0], (pr_kind_t)pr_kind_of(components[k][1]),
                                       components[k][2] };
        taxable[k] = strcmp(components[k][1], "info") != 0;
    }
    pr_ferror_t err;
    size_t n_err = 0;
    pr_program_t *p = pr_program_compile(src, NCOMP, &err, 1, &n_err);
    if (!p) {
        fprintf(stderr, "%s\n", err.message);
        exit(1);
    }
    pr_slip_plan_t plan;
    pr_slip_plan(&plan, p, taxable, NULL);
    pr_social_policy_t pol;
    memset(&pol, 0, sizeof(pol));
    const int64_t rates[][2] = { { 80000, 160000 }, { 20000, 90000 }, { 5000, 5000 } };
    for (int k = 0; k < 3; k++)
        pol.item[k] = (pr_social_item_t){ 1, rates[k][0], rates[k][1], 746000, 3730200, 0,
                                          PR_ROUND_FEN };
    pol.item[PR_SOCIAL_HOUSING_FUND] =
        (pr_social_item_t){ 1, 70000, 70000, 269000, 3730200, 0, PR_ROUND_YUAN };
    pr_slip_in_t *in = calloc(EMPLOYEES, sizeof(*in));
    for (int i = 0; i < EMPLOYEES; i++) {
        pr_inputs_defaults(in[i].in);
        in[i].base = 600000 + (i * 3700) % 3000000;
        in[i].in[pr_ix.base] = in[i].base;
        in[i].in[pr_ix.meal] = 60000;
        in[i].in[pr_ix.workdays] = 22 * PR_RATE_ONE;
        in[i].in[pr_ix.attended] = (int64_t)(20 + i % 3) * PR_RATE_ONE;
        in[i].in[pr_ix.absent] = (int64_t)(2 - i % 3) * PR_RATE_ONE;
        in[i].in[pr_ix.late] = (int64_t)(i % 5) * PR_RATE_ONE;
        in[i].overtime_minutes[0] = (i % 4) * 150;
        in[i].wage = in[i].base + 60000;
        in[i].policy = &pol;
        in[i].ytd.months = 2;
        in[i].ytd.income = in[i].base * 2;
        in[i].ytd.special = in[i].base / 5;
        in[i].ytd.withheld = in[i].base / 20;
    }
    pr_slip_t s;
    int64_t sink = 0;
    double t0 = now();
    for (int i = 0; i < EMPLOYEES; i++) {
        if (pr_slip_compute(&plan, &in[i], &s) < 0)
            exit(1);
        sink += s.net;
    }
    double t = now() - t0;
    *per_s = EMPLOYEES / t;
    printf("# compute checksum %lld\n", (long long)sink);
    free(in);
    pr_program_destroy(&p);
    return t;
}

int main(void)
{
    hf_log_init("bench-payroll-runs", HF_LOG_ERROR);
    if (fx_service_open(&fx, "hf_bench_payroll", "payroll", payroll_migrations,
                        payroll_migrations_count) < 0)
        return 1;
    seed();
    const char *w = getenv("HF_PAYROLL_RUN_WORKERS");
    pr_run_workers = w ? atol(w) : 0;
    int workers = pr_run_workers_n();
    pr_slip_inputs_init();
    double first = full_run(workers, "first calculation");
    double run = full_run(workers, "recalculation");
    double binary = 0, copy = raw_copy(workers, &binary);
    double per_s = 0, compute = compute_alone(&per_s);
    printf("workers (connections calculating runs at once): %d\n", workers);
    printf("full run, attendance unchanged since computed (load, compute, seal, COPY, 20 runs):"
           " %.2f s, %.0f payslips/s\n", run, EMPLOYEES / run);
    printf("first calculation (the month's attendance computed inside, then the same): %.2f s\n",
           first);
    printf("raw COPY of the same 100000 payslip rows, %d connections: %.2f s, %.0f rows/s\n",
           workers, copy, EMPLOYEES / copy);
    printf("the same with the sealed body as bytea, COPY binary: %.2f s, %.0f rows/s\n", binary,
           EMPLOYEES / binary);
    printf("full run / raw COPY: %.1f x\n", run / copy);
    printf("compute alone (pr_slip_compute, 20 components, one core): %.3f s, %.0f payslips/s\n",
           compute, per_s);
    hf_bench_report("payroll runs of a group, 100 000 employees in 20 companies", run, "s",
                    (hf_bench_opt_t){ .limit = "raw COPY of the same payslip rows",
                                      .limit_value = copy, .aim = -1, .lower_better = 1 });
    fx_service_close(&fx);
    return 0;
}
