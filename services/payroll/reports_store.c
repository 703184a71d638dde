/* services/payroll/reports_store.c - the ledger export, summary reports and the employee's payslip (reports_store.h)
 *
 * A report reads the sealed payslips of its runs through a cursor (2 000
 * rows a fetch, so memory stays flat for 100 000), opens each with the
 * keyring (payslip_store.h: its lines rebuilt from its scheme version, each
 * version compiled once per report) in a scratch arena, adds it to a small
 * table of sums keyed by text (department and account, or the summary's
 * group) and empties the arena. The department is the one the payslip was
 * calculated in (the employee's record for payslips written before they
 * recorded it). docs/payroll-reports.md gives the accounts and the fields.
 */
#include "reports_store.h"

#include "employee_fields.h"
#include "money.h"
#include "payslip_store.h"
#include "runs_store.h"

#include "hf/table.h"
#include "hf/crypto.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/xlsx_write.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_ROWS "2000"

/* ---- a table of sums keyed by text ---- */

#define SUMS 10 /* the most any report adds up per key */

typedef struct {
    char *key;       /* malloc'd; NULL: an empty slot */
    int64_t sum[SUMS];
    int64_t count;
    size_t order;    /* first seen */
} sum_t;

typedef struct {
    sum_t *v;
    size_t cap, n;
} sums_t;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void sums_free(sums_t *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->v[i].key);
    free(t->v);
    memset(t, 0, sizeof(*t));
}

static sum_t *sums_find(sums_t *t, const char *key);

static int sums_grow(sums_t *t)
{
    sums_t old = *t;
    t->cap = old.cap ? old.cap * 2 : 64;
    t->n = 0;
    t->v = calloc(t->cap, sizeof(*t->v));
    if (!t->v) {
        *t = old;
        return -1;
    }
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.v[i].key)
            continue;
        size_t j = fnv(old.v[i].key) & (t->cap - 1);
        while (t->v[j].key)
            j = (j + 1) & (t->cap - 1);
        t->v[j] = old.v[i];
        t->n++;
    }
    free(old.v);
    return 0;
}

/* The entry of key, made (zero) when missing; NULL when out of memory. */
static sum_t *sums_find(sums_t *t, const char *key)
{
    if ((t->n + 1) * 2 > t->cap && sums_grow(t) < 0)
        return NULL;
    size_t j = fnv(key) & (t->cap - 1);
    while (t->v[j].key && strcmp(t->v[j].key, key) != 0)
        j = (j + 1) & (t->cap - 1);
    if (!t->v[j].key) {
        if (!(t->v[j].key = strdup(key)))
            return NULL;
        t->v[j].order = t->n++;
    }
    return &t->v[j];
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp((*(const sum_t *const *)a)->key, (*(const sum_t *const *)b)->key);
}

/* The entries sorted by key (malloc'd array of pointers into t). */
static sum_t **sums_sorted(const sums_t *t)
{
    sum_t **v = malloc((t->n + 1) * sizeof(*v));
    if (!v)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->v[i].key)
            v[k++] = &t->v[i];
    qsort(v, k, sizeof(*v), cmp_key);
    return v;
}

/* The text of fmt in buf (size n) when it fits, else malloc'd (NULL when
 * out of memory): free it when it is not buf. */
static char *key_of(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    if (k >= 0 && (size_t)k < n)
        return buf;
    char *m = k < 0 ? NULL : malloc((size_t)k + 1);
    if (m) {
        va_start(ap, fmt);
        vsnprintf(m, (size_t)k + 1, fmt, ap);
        va_end(ap);
    }
    return m;
}

/* ---- reading sealed payslips ---- */

typedef int (*slip_fn)(void *ctx, const Hrflow__V1__Payslip *s, const char *department);

/* The columns each_payslip reads of a payslip s of run r and its employee e:
 * the payslip, then the department it was calculated in (the employee's
 * record for payslips written before payslips recorded it). */
#define SLIP_COLS PR_PAYSLIP_COLS ", coalesce(s.department, e.department, '')"
#define SLIP_DEPARTMENT 7

/* Call fn with every payslip that sql (columns: SLIP_COLS) selects, with
 * its lines, in one read-only transaction through a cursor; each payslip in
 * a scratch arena emptied before the next. */
static int each_payslip(hf_store_t *st, const char *sql, int n, const char *const *p, slip_fn fn,
                        void *ctx)
{
    char *declare = hf_arena_printf(st->arena, "DECLARE pr_report NO SCROLL CURSOR FOR %s", sql);
    hf_arena_t *scratch = hf_arena_new(1 << 16);
    if (!declare || !scratch) {
        hf_arena_destroy(&scratch);
        return HF_ENOMEM;
    }
    if (hf_db_begin(st->db) < 0) {
        hf_arena_destroy(&scratch);
        return HF_EDB;
    }
    pr_payslip_reader_t rd;
    pr_payslip_reader_init(&rd, st);
    int rc = hf_db_exec(st->db, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0,
                        NULL, NULL) == 0 &&
                     hf_db_exec(st->db, declare, n, p, NULL) == 0
                 ? HF_OK
                 : HF_EDB;
    for (int more = 1; rc == HF_OK && more;) {
        PGresult *r = hf_db_query(st->db, "FETCH " FETCH_ROWS " FROM pr_report", 0, NULL);
        if (!r) {
            rc = HF_EDB;
            break;
        }
        more = PQntuples(r) > 0;
        for (int i = 0; rc == HF_OK && i < PQntuples(r); i++) {
            Hrflow__V1__Payslip *s = NULL;
            rc = pr_payslip_row(&rd, scratch, r, i, 0, 1, &s);
            if (rc == HF_OK)
                rc = fn(ctx, s, PQgetvalue(r, i, SLIP_DEPARTMENT));
            hf_arena_reset(scratch);
        }
        PQclear(r);
    }
    pr_payslip_reader_done(&rd);
    hf_arena_destroy(&scratch);
    return hf_store_finish(st, rc);
}

static pr_fen_t fen(const char *s)
{
    pr_fen_t v = 0;
    return pr_money_parse(s, 1, &v) == PR_MONEY_OK ? v : 0;
}

static char *yuan(hf_store_t *st, pr_fen_t v)
{
    char b[PR_MONEY_TEXT_MAX];
    pr_money_format(v, b);
    return hf_store_strdup(st, b);
}

/* ---- the ledger ---- */

/* The accounts (docs/payroll-reports.md): code, Chinese name, English
 * name, and whether it is a debit. */
typedef enum {
    A_SALARY,
    A_SOCIAL_EXPENSE,
    A_HOUSING_EXPENSE,
    A_SOCIAL_PAYABLE,
    A_HOUSING_PAYABLE,
    A_DEDUCTIONS_PAYABLE,
    A_TAX_PAYABLE,
    A_NET_PAYABLE,
    A_COUNT
} account_t;

static const struct {
    const char *code, *zh, *en;
    int debit;
} accounts[A_COUNT] = {
    [A_SALARY] = { "6602.01", "管理费用-职工薪酬-工资", "Salary expense", 1 },
    [A_SOCIAL_EXPENSE] = { "6602.02", "管理费用-职工薪酬-社会保险费",
                           "Social insurance expense (employer)", 1 },
    [A_HOUSING_EXPENSE] = { "6602.03", "管理费用-职工薪酬-住房公积金",
                            "Housing fund expense (employer)", 1 },
    [A_SOCIAL_PAYABLE] = { "2241.01", "其他应付款-社会保险费", "Social insurance payable", 0 },
    [A_HOUSING_PAYABLE] = { "2241.02", "其他应付款-住房公积金", "Housing fund payable", 0 },
    [A_DEDUCTIONS_PAYABLE] = { "2241.03", "其他应付款-代扣款项", "Other deductions payable", 0 },
    [A_TAX_PAYABLE] = { "2221.01", "应交税费-应交个人所得税", "Individual income tax payable", 0 },
    [A_NET_PAYABLE] = { "2211.01", "应付职工薪酬-工资", "Net pay payable", 0 },
};

/* The account of a payslip line, or -1 for a line that is no money moved
 * (info lines). */
static int line_account(const Hrflow__V1__PayslipLine *l)
{
    const char *k = l->kind;
    int housing = strncmp(l->name, "housing_fund", 12) == 0;
    if (strcmp(k, "earning") == 0)
        return A_SALARY;
    if (strcmp(k, "deduction") == 0)
        return A_DEDUCTIONS_PAYABLE;
    if (strcmp(k, "contribution") == 0)
        return housing ? A_HOUSING_PAYABLE : A_SOCIAL_PAYABLE;
    if (strcmp(k, "employer") == 0)
        return housing ? A_HOUSING_EXPENSE : A_SOCIAL_EXPENSE;
    if (strcmp(k, "tax") == 0)
        return A_TAX_PAYABLE;
    if (strcmp(k, "net") == 0)
        return A_NET_PAYABLE;
    return -1;
}

/* Sums keyed "<department>\x1f<account>\x1f<line name>" (so the keys
 * sort by department, account, line): sum[0] the amount, count the
 * payslips. */
static int ledger_add(sums_t *t, const char *dept, int account, const char *name, pr_fen_t v)
{
    char buf[512];
    char *key = key_of(buf, sizeof(buf), "%s\x1f%d\x1f%s", dept, account, name);
    sum_t *e = key ? sums_find(t, key) : NULL;
    if (key != buf)
        free(key);
    if (!e)
        return HF_ENOMEM;
    e->sum[0] += v;
    e->count++;
    return HF_OK;
}

typedef struct {
    sums_t t;
} ledger_ctx_t;

static int ledger_slip(void *ctx, const Hrflow__V1__Payslip *s, const char *dept)
{
    ledger_ctx_t *c = ctx;
    int rc = HF_OK;
    for (size_t i = 0; rc == HF_OK && i < s->n_lines; i++) {
        const Hrflow__V1__PayslipLine *l = s->lines[i];
        int a = line_account(l);
        if (a >= 0) {
            rc = ledger_add(&c->t, dept, a, l->name, fen(l->value));
            /* an employer's contribution is owed too: the same amount payable */
            if (rc == HF_OK && strcmp(l->kind, "employer") == 0)
                rc = ledger_add(&c->t, dept,
                                a == A_HOUSING_EXPENSE ? A_HOUSING_PAYABLE : A_SOCIAL_PAYABLE,
                                l->name, fen(l->value));
        }
    }
    return rc;
}

static const char *const ledger_columns[] = { "month",        "company_id", "department",
                                              "account_code", "account_name",
                                              "account_name_en", "component", "debit",
                                              "credit",       "payslips" };
#define LEDGER_COLUMNS (sizeof(ledger_columns) / sizeof(*ledger_columns))

typedef struct {
    const char *dept, *name;
    int account;
} ledger_key_t;

/* Split a key of ledger_add in place (after sorting). */
static void ledger_key(char *key, ledger_key_t *k)
{
    char *a = strchr(key, '\x1f');
    char *b = strchr(a + 1, '\x1f');
    *a = *b = '\0';
    k->dept = key;
    k->account = atoi(a + 1);
    k->name = b + 1;
}

static int ledger_csv(const Hrflow__V1__PayrollRun *run, sum_t **v, size_t n,
                      unsigned char **data, size_t *len)
{
    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    if (!f)
        return HF_ENOMEM;
    fputs("\xEF\xBB\xBF", f); /* the BOM: Excel reads the file as UTF-8 */
    for (size_t i = 0; i < LEDGER_COLUMNS; i++)
        hf_table_csv_field(f, ledger_columns[i], false, i + 1 < LEDGER_COLUMNS ? "," : "\r\n");
    for (size_t i = 0; i < n; i++) {
        ledger_key_t k;
        ledger_key(v[i]->key, &k);
        char amount[PR_MONEY_TEXT_MAX], count[24];
        pr_money_format(v[i]->sum[0], amount);
        snprintf(count, sizeof(count), "%lld", (long long)v[i]->count);
        int debit = accounts[k.account].debit;
        hf_table_csv_field(f, run->month, false, ",");
        hf_table_csv_field(f, run->company_id, false, ",");
        hf_table_csv_field(f, k.dept, true, ",");
        hf_table_csv_field(f, accounts[k.account].code, false, ",");
        hf_table_csv_field(f, accounts[k.account].zh, false, ",");
        hf_table_csv_field(f, accounts[k.account].en, false, ",");
        hf_table_csv_field(f, k.name, true, ",");
        hf_table_csv_field(f, debit ? amount : "0.00", false, ",");
        hf_table_csv_field(f, debit ? "0.00" : amount, false, ",");
        hf_table_csv_field(f, count, false, "\r\n");
    }
    if (fclose(f) != 0) {
        free(buf);
        return HF_ENOMEM;
    }
    *data = (unsigned char *)buf;
    *len = blen;
    return HF_OK;
}

static int ledger_xlsx(const Hrflow__V1__PayrollRun *run, sum_t **v, size_t n,
                       unsigned char **data, size_t *len)
{
    hf_xlsx_t *x = hf_xlsx_new("ledger");
    int e = x ? hf_xlsx_header(x, ledger_columns, LEDGER_COLUMNS) : -1;
    for (size_t i = 0; e == 0 && i < n; i++) {
        ledger_key_t k;
        ledger_key(v[i]->key, &k);
        int debit = accounts[k.account].debit;
        e = hf_xlsx_text(x, run->month) || hf_xlsx_text(x, run->company_id) ||
                    hf_xlsx_text(x, k.dept) || hf_xlsx_text(x, accounts[k.account].code) ||
                    hf_xlsx_text(x, accounts[k.account].zh) ||
                    hf_xlsx_text(x, accounts[k.account].en) || hf_xlsx_text(x, k.name) ||
                    hf_xlsx_money(x, debit ? v[i]->sum[0] : 0) ||
                    hf_xlsx_money(x, debit ? 0 : v[i]->sum[0]) ||
                    hf_xlsx_number(x, (double)v[i]->count) || hf_xlsx_next_row(x)
                ? -1
                : 0;
    }
    if (e != 0) {
        hf_xlsx_destroy(&x);
        return HF_EDB;
    }
    return hf_xlsx_finish(&x, data, len) == 0 ? HF_OK : HF_EDB;
}

int pr_ledger(hf_store_t *st, const char *id, pr_ledger_format_t format, unsigned char **data,
              size_t *len, const char **month, const char **why)
{
    Hrflow__V1__PayrollRun *run = NULL;
    int rc = pr_run_get(st, id, &run);
    if (rc != HF_OK)
        return rc;
    if (strcmp(run->state, "draft") == 0) {
        *why = "the run is a draft: calculate it first";
        return HF_ECONFLICT;
    }
    *month = run->month;
    ledger_ctx_t c = { { 0 } };
    const char *p[] = { st->tenant, id };
    rc = each_payslip(st,
                      "SELECT " SLIP_COLS " FROM payroll.payslips s"
                      " JOIN payroll.runs r ON r.tenant_id = s.tenant_id AND r.id = s.run_id"
                      " LEFT JOIN payroll.employees e ON e.tenant_id = s.tenant_id"
                      " AND e.id = s.employee_id"
                      " WHERE s.tenant_id = $1 AND s.run_id = $2::uuid",
                      2, p, ledger_slip, &c);
    sum_t **v = rc == HF_OK ? sums_sorted(&c.t) : NULL;
    if (rc == HF_OK && !v)
        rc = HF_ENOMEM;
    if (rc == HF_OK) {
        rc = format == PR_LEDGER_XLSX ? ledger_xlsx(run, v, c.t.n, data, len)
                                      : ledger_csv(run, v, c.t.n, data, len);
    }
    free(v);
    sums_free(&c.t);
    return rc;
}

/* ---- summaries ---- */

enum { S_GROSS, S_DEDUCTIONS, S_SOC_EE, S_SOC_ER, S_HF_EE, S_HF_ER, S_TAX, S_NET, S_COST };

typedef struct {
    pr_summary_by_t by;
    sums_t t;
    sum_t total;
} summary_ctx_t;

static void summary_sum(sum_t *e, const int64_t *v)
{
    for (int k = 0; k < SUMS; k++)
        e->sum[k] += v[k];
    e->count++;
}

static int summary_slip(void *ctx, const Hrflow__V1__Payslip *s, const char *dept)
{
    summary_ctx_t *c = ctx;
    int64_t v[SUMS] = { 0 };
    v[S_GROSS] = fen(s->gross);
    v[S_DEDUCTIONS] = fen(s->deductions);
    v[S_SOC_EE] = fen(s->social_employee);
    v[S_SOC_ER] = fen(s->social_employer);
    v[S_TAX] = fen(s->income_tax);
    v[S_NET] = fen(s->net);
    v[S_COST] = v[S_GROSS] + v[S_SOC_ER];
    for (size_t i = 0; i < s->n_lines; i++) {
        const Hrflow__V1__PayslipLine *l = s->lines[i];
        if (strcmp(l->name, "housing_fund") == 0 && strcmp(l->kind, "contribution") == 0)
            v[S_HF_EE] += fen(l->value);
        else if (strcmp(l->name, "housing_fund_employer") == 0)
            v[S_HF_ER] += fen(l->value);
    }
    char buf[512];
    char *key = c->by == PR_BY_COMPANY      ? s->company_id
                : c->by == PR_BY_DEPARTMENT ? key_of(buf, sizeof(buf), "%s\x1f%s", s->company_id,
                                                     dept)
                                            : s->city;
    sum_t *e = key ? sums_find(&c->t, key) : NULL;
    if (c->by == PR_BY_DEPARTMENT && key != buf)
        free(key);
    if (!e)
        return HF_ENOMEM;
    summary_sum(e, v);
    summary_sum(&c->total, v);
    return HF_OK;
}

static Hrflow__V1__PayrollSummaryRow *summary_row(hf_store_t *st, const sum_t *e,
                                                   const char *key, const char *company)
{
    Hrflow__V1__PayrollSummaryRow *x = hf_store_alloc(st, sizeof(*x));
    if (!x)
        return NULL;
    hrflow__v1__payroll_summary_row__init(x);
    x->key = hf_store_strdup(st, key);
    x->company_id = hf_store_strdup(st, company);
    x->headcount = (int32_t)e->count;
    x->gross = yuan(st, e->sum[S_GROSS]);
    x->deductions = yuan(st, e->sum[S_DEDUCTIONS]);
    x->social_employee = yuan(st, e->sum[S_SOC_EE]);
    x->social_employer = yuan(st, e->sum[S_SOC_ER]);
    x->housing_fund_employee = yuan(st, e->sum[S_HF_EE]);
    x->housing_fund_employer = yuan(st, e->sum[S_HF_ER]);
    x->income_tax = yuan(st, e->sum[S_TAX]);
    x->net = yuan(st, e->sum[S_NET]);
    x->employer_cost = yuan(st, e->sum[S_COST]);
    return x->key && x->company_id && x->employer_cost ? x : NULL;
}

static void *run_id_row(hf_store_t *st, PGresult *r, int i)
{
    return hf_store_cell(st, r, i, 0);
}

int pr_summary(hf_store_t *st, const char *month, pr_summary_by_t by, const char *company,
               Hrflow__V1__PayrollSummary *out)
{
    const char *p[] = { st->tenant, month, company, hf_store_companies(st) };
    if (!p[3])
        return HF_ENOMEM;
/* the runs of the month counted: calculated or later, of the companies asked */
#define SUMMARY_RUNS                                                                          \
    "r.tenant_id = $1 AND r.month = $2::date AND r.state IN ('calculated', 'approved', 'paid')" \
    " AND ($3 = '' OR r.company_id = nullif($3, '')::uuid)"                                   \
    " AND " HF_SEES_COMPANY("r.company_id", "4")
    int rc = hf_store_all(
        st, hf_db_query(st->db, "SELECT r.id FROM payroll.runs r WHERE " SUMMARY_RUNS
                                " ORDER BY r.id", 4, p),
        run_id_row, (void ***)&out->run_ids, &out->n_run_ids);
    if (rc != HF_OK)
        return rc;
    summary_ctx_t c = { by, { 0 }, { 0 } };
    rc = each_payslip(st,
                      "SELECT " SLIP_COLS " FROM payroll.payslips s"
                      " JOIN payroll.runs r ON r.tenant_id = s.tenant_id AND r.id = s.run_id"
                      " LEFT JOIN payroll.employees e ON e.tenant_id = s.tenant_id"
                      " AND e.id = s.employee_id WHERE " SUMMARY_RUNS,
                      4, p, summary_slip, &c);
#undef SUMMARY_RUNS
    sum_t **v = rc == HF_OK ? sums_sorted(&c.t) : NULL;
    if (rc == HF_OK && (!v || !(out->rows = hf_store_alloc(st, (c.t.n + 1) * sizeof(void *)))))
        rc = HF_ENOMEM;
    for (size_t i = 0; rc == HF_OK && i < c.t.n; i++) {
        const char *key = v[i]->key, *co = by == PR_BY_COMPANY ? key : "";
        char *sep = strchr(v[i]->key, '\x1f');
        if (sep) { /* by department: "<company>\x1f<department>" */
            *sep = '\0';
            co = v[i]->key;
            key = sep + 1;
        }
        if (!(out->rows[out->n_rows++] = summary_row(st, v[i], key, co)))
            rc = HF_ENOMEM;
    }
    if (rc == HF_OK && !(out->total = summary_row(st, &c.total, "total", "")))
        rc = HF_ENOMEM;
    free(v);
    sums_free(&c.t);
    return rc;
}

/* ---- the employee's payslip ---- */

static void *person_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__EmployeePayslip *x = hf_store_alloc(st, sizeof(*x));
    if (!x)
        return NULL;
    hrflow__v1__employee_payslip__init(x);
    char m[PR_MASK_MAX];
    x->name = hf_store_unseal(st, "employees.name", PQgetvalue(r, i, 0));
    char *id = PQgetisnull(r, i, 1) ? "" : hf_store_unseal(st, "employees.id_number",
                                                            PQgetvalue(r, i, 1));
    char *bank = PQgetisnull(r, i, 2) ? "" : hf_store_unseal(st, "employees.bank_account",
                                                              PQgetvalue(r, i, 2));
    if (!x->name || !id || !bank)
        return NULL;
    pr_mask_id_number(id, m);
    x->id_number = hf_store_strdup(st, m);
    pr_mask_bank_account(bank, m);
    x->bank_account = hf_store_strdup(st, m);
    OPENSSL_cleanse(id, strlen(id));
    OPENSSL_cleanse(bank, strlen(bank));
    x->department = hf_store_cell(st, r, i, 3);
    return x->id_number && x->bank_account && x->department ? x : NULL;
}

int pr_employee_payslip(hf_store_t *st, const char *id, const char *employee,
                        Hrflow__V1__EmployeePayslip **out)
{
    Hrflow__V1__PayrollRun *run = NULL;
    int rc = pr_run_get(st, id, &run);
    if (rc != HF_OK)
        return rc;
    if (strcmp(run->state, "approved") != 0 && strcmp(run->state, "paid") != 0)
        return HF_ENOTFOUND;
    Hrflow__V1__Payslip *s = NULL;
    if ((rc = pr_payslip_get(st, id, employee, &s)) != HF_OK)
        return rc;
    const char *p[] = { st->tenant, employee, id };
    rc = hf_store_one(st,
                      "SELECT e.name_enc, e.id_number_enc, e.bank_account_enc,"
                      " coalesce(s.department, e.department, '') FROM payroll.employees e"
                      " JOIN payroll.payslips s ON s.tenant_id = e.tenant_id"
                      " AND s.employee_id = e.id AND s.run_id = $3::uuid"
                      " WHERE e.tenant_id = $1 AND e.id = $2::uuid",
                      3, p, person_row, out);
    if (rc == HF_OK)
        (*out)->payslip = s;
    return rc;
}
