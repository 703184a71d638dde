/* services/payroll/imports_store.c - the SQL of the spreadsheet imports
 *
 * Each statement takes a file's column as one array parameter and unnests
 * it WITH ORDINALITY, so a 20 000-row file is a handful of statements, not
 * 20 000 round trips; answers come back in the rows' order. The handler
 * holds the transaction (all or nothing); the contracts of a file go
 * through pr_contract_create (employees_store.c) for their expiry alerts.
 */
#include "imports_store.h"

#include "hf/db.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define UNIQUE_VIOLATION "23505"

/* The n strings at offset off of each of n structs of size sz, as an array
 * parameter in the arena. */
static const char *column(hf_store_t *st, const void *rows, size_t n, size_t sz, size_t off)
{
    const char **v = hf_store_alloc(st, (n + 1) * sizeof(*v));
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = *(const char *const *)((const char *)rows + i * sz + off);
    return hf_store_array(st, v, n);
}

/* Column 0 (and 1) of r into a[i] (and b[i]) for each row, whose last
 * column is the 1-based index of the input it answers. */
static int by_index(hf_store_t *st, PGresult *r, size_t n, const char **a, const char **b)
{
    if (!r)
        return HF_EDB;
    memset(a, 0, n * sizeof(*a));
    if (b)
        memset(b, 0, n * sizeof(*b));
    int last = PQnfields(r) - 1;
    for (int k = 0; k < PQntuples(r); k++) {
        size_t i = strtoul(PQgetvalue(r, k, last), NULL, 10);
        if (i < 1 || i > n)
            continue;
        a[i - 1] = hf_store_cell(st, r, k, 0);
        if (b)
            b[i - 1] = hf_store_cell(st, r, k, 1);
    }
    PQclear(r);
    return HF_OK;
}

int pr_import_employee_ids(hf_store_t *st, const char *company, const char *const *nos, size_t n,
                           const char **ids)
{
    const char *p[] = { st->tenant, company, hf_store_array(st, nos, n) };
    if (!p[2])
        return HF_ENOMEM;
    return by_index(st,
                    hf_db_query(st->db,
                                "SELECT e.id, u.i FROM unnest($3::text[]) WITH ORDINALITY"
                                " AS u(no, i) JOIN payroll.employees e ON e.tenant_id = $1::uuid"
                                " AND e.company_id = $2::uuid AND e.employee_no = u.no",
                                3, p),
                    n, ids, NULL);
}

int pr_import_id_owners(hf_store_t *st, const char *const *idx, size_t n, const char **owner_co,
                        const char **owner_no)
{
    const char *p[] = { st->tenant, hf_store_array(st, idx, n) };
    if (!p[1])
        return HF_ENOMEM;
    return by_index(st,
                    hf_db_query(st->db,
                                "SELECT e.company_id, e.employee_no, u.i FROM unnest($2::text[])"
                                " WITH ORDINALITY AS u(x, i) JOIN payroll.employees e"
                                " ON e.tenant_id = $1::uuid AND e.id_number_idx = u.x",
                                2, p),
                    n, owner_co, owner_no);
}

#define EMP_COL(f) column(st, rows, n, sizeof(*rows), offsetof(pr_import_employee_t, f))

int pr_import_employees(hf_store_t *st, const char *company, const pr_import_employee_t *rows,
                        size_t n)
{
    const char *p[] = { st->tenant,           company,
                        EMP_COL(employee_no), EMP_COL(status),
                        EMP_COL(name_enc),    EMP_COL(id_type),
                        EMP_COL(id_number_enc), EMP_COL(id_number_idx),
                        EMP_COL(bank_account_enc), EMP_COL(phone_enc),
                        EMP_COL(department),  EMP_COL(position),
                        EMP_COL(grade),       EMP_COL(city),
                        EMP_COL(hire_date),   EMP_COL(pay_month),
                        EMP_COL(pay_enc),     st->actor };
    for (size_t k = 2; k < 17; k++)
        if (!p[k])
            return HF_ENOMEM;
    char state[6] = "";
    /* one statement: the compensations join the rows it inserted, so a
     * number skipped as taken meanwhile gets no pay, and no look-up by
     * number is needed afterwards */
    if (hf_db_exec(
            st->db,
            "WITH u AS (SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[],"
            " $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],"
            " $13::text[], $14::text[], $15::date[], $16::date[], $17::text[])"
            " AS u(no, status, name, id_type, id_enc, id_idx, bank, phone, dept, pos, grade,"
            " city, hire, pay_month, pay)),"
            " ins AS (INSERT INTO payroll.employees (tenant_id, company_id, employee_no, status,"
            " name_enc, id_type, id_number_enc, id_number_idx, bank_account_enc, phone_enc,"
            " department, position, grade, city, hire_date) SELECT $1::uuid, $2::uuid, no,"
            " status, name, id_type, id_enc, id_idx, bank, phone, dept, pos, grade, city, hire"
            " FROM u ON CONFLICT (tenant_id, company_id, employee_no) DO NOTHING"
            " RETURNING id, employee_no)"
            " INSERT INTO payroll.compensations (tenant_id, employee_id, effective_month,"
            " amounts_enc, actor) SELECT $1::uuid, ins.id, coalesce(u.pay_month,"
            " date_trunc('month', payroll.today())::date), u.pay, $18 FROM ins"
            " JOIN u ON u.no = ins.employee_no WHERE u.pay IS NOT NULL",
            18, p, state) < 0)
        return strcmp(state, UNIQUE_VIOLATION) ? HF_EDB : HF_EEXISTS;
    return HF_OK;
}

int pr_import_contracts_existing(hf_store_t *st, const char *const *employees,
                                 const char *const *types, const char *const *starts, size_t n,
                                 char *exists)
{
    const char *p[] = { st->tenant, hf_store_array(st, employees, n),
                        hf_store_array(st, types, n), hf_store_array(st, starts, n) };
    const char **hit = hf_store_alloc(st, (n + 1) * sizeof(*hit));
    if (!p[1] || !p[2] || !p[3] || !hit)
        return HF_ENOMEM;
    int rc = by_index(st,
                      hf_db_query(st->db,
                                  "SELECT 't', u.i FROM unnest($2::uuid[], $3::text[],"
                                  " $4::date[]) WITH ORDINALITY AS u(e, t, s, i) WHERE EXISTS"
                                  " (SELECT 1 FROM payroll.contracts c WHERE c.tenant_id ="
                                  " $1::uuid AND c.employee_id = u.e AND c.type = u.t"
                                  " AND c.start_date = u.s)",
                                  4, p),
                      n, hit, NULL);
    for (size_t i = 0; rc == HF_OK && i < n; i++)
        exists[i] = hit[i] != NULL;
    return rc;
}

int pr_import_contracts(hf_store_t *st, const char *const *employees, const char *const *types,
                        const char *const *starts, const char *const *ends,
                        const char *const *probations, size_t n, const char ***ended,
                        size_t *n_ended)
{
    const char *p[] = { st->tenant,
                        hf_store_array(st, employees, n),
                        hf_store_array(st, types, n),
                        hf_store_array(st, starts, n),
                        hf_store_array(st, ends, n),
                        hf_store_array(st, probations, n),
                        st->actor };
    for (int k = 1; k < 6; k++)
        if (!p[k])
            return HF_ENOMEM;
    PGresult *r = hf_db_query(st->db,
                              "INSERT INTO payroll.contracts (tenant_id, employee_id, type,"
                              " start_date, end_date, probation_end, actor) SELECT $1::uuid, u.*,"
                              " $7 FROM unnest($2::uuid[], $3::text[], $4::date[], $5::date[],"
                              " $6::date[]) AS u RETURNING id, end_date IS NOT NULL",
                              7, p);
    if (!r)
        return HF_EDB;
    const char **ids = hf_store_alloc(st, ((size_t)PQntuples(r) + 1) * sizeof(*ids));
    *n_ended = 0;
    for (int k = 0; ids && k < PQntuples(r); k++)
        if (PQgetvalue(r, k, 1)[0] == 't')
            ids[(*n_ended)++] = hf_store_cell(st, r, k, 0);
    PQclear(r);
    *ended = ids;
    return ids ? HF_OK : HF_ENOMEM;
}

/* The rows' columns as parameters $2.. of a statement: employee, year,
 * through, months, figures. */
static int ytd_params(hf_store_t *st, const pr_import_ytd_t *rows, size_t n, const char *p[6])
{
    const char **e = hf_store_alloc(st, (n + 1) * sizeof(*e));
    const char **y = hf_store_alloc(st, (n + 1) * sizeof(*y));
    const char **t = hf_store_alloc(st, (n + 1) * sizeof(*t));
    const char **m = hf_store_alloc(st, (n + 1) * sizeof(*m));
    const char **f = hf_store_alloc(st, (n + 1) * sizeof(*f));
    if (!e || !y || !t || !m || !f)
        return HF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        e[i] = rows[i].employee_id;
        y[i] = hf_arena_printf(st->arena, "%d", rows[i].tax_year);
        t[i] = hf_arena_printf(st->arena, "%d", rows[i].through_month);
        m[i] = hf_arena_printf(st->arena, "%d", rows[i].months);
        f[i] = rows[i].figures_enc;
    }
    p[0] = st->tenant;
    p[1] = hf_store_array(st, e, n);
    p[2] = hf_store_array(st, y, n);
    p[3] = hf_store_array(st, t, n);
    p[4] = hf_store_array(st, m, n);
    p[5] = hf_store_array(st, f, n);
    for (int k = 1; k < 6; k++)
        if (!p[k])
            return HF_ENOMEM;
    return HF_OK;
}

int pr_import_ytd_existing(hf_store_t *st, const pr_import_ytd_t *rows, size_t n, char *exists)
{
    const char *p[6];
    const char **hit = hf_store_alloc(st, (n + 1) * sizeof(*hit));
    int rc = hit ? ytd_params(st, rows, n, p) : HF_ENOMEM;
    if (rc == HF_OK)
        rc = by_index(st,
                      hf_db_query(st->db,
                                  "SELECT 't', u.i FROM unnest($2::uuid[], $3::int[])"
                                  " WITH ORDINALITY AS u(e, y, i) WHERE EXISTS (SELECT 1 FROM"
                                  " payroll.ytd_openings o WHERE o.tenant_id = $1::uuid"
                                  " AND o.employee_id = u.e AND o.tax_year = u.y)",
                                  3, p),
                      n, hit, NULL);
    for (size_t i = 0; rc == HF_OK && i < n; i++)
        exists[i] = hit[i] != NULL;
    return rc;
}

int pr_import_ytd(hf_store_t *st, const pr_import_ytd_t *rows, size_t n, const char *import_id)
{
    const char *p[7];
    int rc = ytd_params(st, rows, n, p);
    if (rc != HF_OK)
        return rc;
    p[6] = import_id;
    return hf_db_exec(st->db,
                      "INSERT INTO payroll.ytd_openings (tenant_id, employee_id, tax_year,"
                      " through_month, months, figures_enc, import_id) SELECT $1::uuid, u.*,"
                      " $7::uuid FROM unnest($2::uuid[], $3::int[], $4::int[], $5::int[],"
                      " $6::text[]) AS u ON CONFLICT (tenant_id, employee_id, tax_year) DO UPDATE"
                      " SET through_month = EXCLUDED.through_month, months = EXCLUDED.months,"
                      " figures_enc = EXCLUDED.figures_enc, import_id = EXCLUDED.import_id,"
                      " create_time = now()",
                      7, p, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

/* The text of the one row a statement answers, kept in the arena. */
typedef struct {
    hf_store_t *st;
    const char *text;
} kept_t;

static void keep(void *ctx, const char *text)
{
    kept_t *k = ctx;
    k->text = hf_store_strdup(k->st, text);
}

int pr_import_log(hf_store_t *st, const char *company, const char *kind, uint32_t rows,
                  uint32_t created, uint32_t existing, uint32_t replaced, const char **id)
{
    const char *p[] = { st->tenant,
                        company,
                        kind,
                        st->actor,
                        hf_arena_printf(st->arena, "%u", rows),
                        hf_arena_printf(st->arena, "%u", created),
                        hf_arena_printf(st->arena, "%u", existing),
                        hf_arena_printf(st->arena, "%u", replaced),
                        *id };
    kept_t k = { st, NULL };
    int rc = hf_store_each(st,
                           "INSERT INTO payroll.imports (tenant_id, id, company_id, kind, actor,"
                           " rows, created, existing, replaced) VALUES ($1::uuid,"
                           " coalesce($9::uuid, gen_random_uuid()), $2::uuid, $3, $4, $5::int,"
                           " $6::int, $7::int, $8::int) ON CONFLICT (tenant_id, id) DO UPDATE"
                           " SET rows = EXCLUDED.rows, created = EXCLUDED.created,"
                           " existing = EXCLUDED.existing, replaced = EXCLUDED.replaced"
                           " RETURNING id",
                           9, p, keep, &k);
    if (rc == HF_OK && !k.text)
        rc = HF_ENOMEM;
    if (rc == HF_OK)
        *id = k.text;
    return rc;
}

int pr_ytd_get(hf_store_t *st, const char *employee_id, int tax_year, int *through_month,
               int *months, char **figures, Hrflow__V1__Timestamp **create_time)
{
    const char *p[] = { st->tenant, employee_id, hf_arena_printf(st->arena, "%d", tax_year) };
    PGresult *r = hf_db_query(st->db,
                              "SELECT through_month, months, figures_enc, " HF_MICROS("create_time")
                              " FROM payroll.ytd_openings WHERE tenant_id = $1::uuid"
                              " AND employee_id = $2::uuid AND tax_year = $3::int",
                              3, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK) {
        *through_month = atoi(PQgetvalue(r, 0, 0));
        *months = atoi(PQgetvalue(r, 0, 1));
        *figures = hf_store_unseal(st, "ytd_openings.figures", PQgetvalue(r, 0, 2));
        *create_time = hf_store_time(st, r, 0, 3);
    }
    PQclear(r);
    return rc;
}
