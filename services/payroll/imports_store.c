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
#include <stdio.h>
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

/* ---- the background queue (docs/payroll-imports.md, migration 0091) ---- */

#define SOURCE "'/hrflow/payroll'"
#define IMPORT_COLS                                                                            \
    "i.id, " HF_MICROS("i.create_time") ", i.kind, i.dry_run, i.rows, i.created, i.existing,"   \
    " i.replaced, i.problem_count, array_to_string(i.warnings, E'\\n'), i.state, i.company_id," \
    " i.error, i.actor, i.size, " HF_MICROS("i.update_time") ", " HF_MICROS("i.finish_time")

static uint32_t u32(const PGresult *r, int i, int col)
{
    return (uint32_t)strtoul(PQgetvalue(r, i, col), NULL, 10);
}

static void *import_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__ImportPayrollFileResponse *x = hf_store_alloc(st, sizeof(*x));
    if (!x)
        return NULL;
    hrflow__v1__import_payroll_file_response__init(x);
    x->id = hf_store_cell(st, r, i, 0);
    x->create_time = hf_store_time(st, r, i, 1);
    x->kind = hf_store_cell(st, r, i, 2);
    x->dry_run = PQgetvalue(r, i, 3)[0] == 't';
    x->rows = u32(r, i, 4);
    x->created = u32(r, i, 5);
    x->existing = u32(r, i, 6);
    x->replaced = u32(r, i, 7);
    x->problem_count = u32(r, i, 8);
    char *w = hf_store_cell(st, r, i, 9);
    for (char *c = w; w && *w && c; c = strchr(c + 1, '\n'))
        x->n_warnings++;
    x->warnings = x->n_warnings ? hf_store_alloc(st, x->n_warnings * sizeof(char *)) : NULL;
    for (size_t k = 0; x->warnings && k < x->n_warnings; k++) {
        x->warnings[k] = w;
        if ((w = strchr(w, '\n')))
            *w++ = '\0';
    }
    x->state = hf_store_cell(st, r, i, 10);
    x->company_id = hf_store_cell(st, r, i, 11);
    x->error = hf_store_cell(st, r, i, 12);
    x->actor = hf_store_cell(st, r, i, 13);
    x->size = strtoull(PQgetvalue(r, i, 14), NULL, 10);
    x->update_time = hf_store_time(st, r, i, 15);
    x->finish_time = hf_store_time(st, r, i, 16);
    if (x->n_warnings && !x->warnings)
        return NULL;
    return x->create_time && x->update_time ? x : NULL;
}

/* The file as sealed parts of import id, in one statement. */
static int seal_parts(hf_store_t *st, const char *id, const uint8_t *content, size_t len)
{
    size_t n = (len + HF_FILE_PART - 1) / HF_FILE_PART;
    const char **tokens = hf_store_alloc(st, (n + 1) * sizeof(*tokens));
    int rc = tokens ? HF_OK : HF_ENOMEM;
    for (size_t seq = 0; rc == HF_OK && seq < n; seq++) {
        size_t at = seq * HF_FILE_PART, k = len - at < HF_FILE_PART ? len - at : HF_FILE_PART;
        if (!(tokens[seq] = hf_store_seal_part(st, id, (unsigned)seq, content + at, k)))
            rc = HF_ENOMEM;
    }
    const char *p[] = { st->tenant, id, rc == HF_OK ? hf_store_array(st, tokens, n) : NULL };
    if (rc != HF_OK || !p[2])
        return HF_ENOMEM;
    return hf_db_exec(st->db,
                      "INSERT INTO payroll.import_parts (tenant_id, import_id, seq, content)"
                      " SELECT $1::uuid, $2::uuid, u.i - 1, u.t FROM unnest($3::text[])"
                      " WITH ORDINALITY AS u(t, i)",
                      3, p, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

int pr_import_queue(hf_store_t *st, const pr_import_upload_t *u,
                    Hrflow__V1__ImportPayrollFileResponse **out)
{
    char size[24];
    snprintf(size, sizeof(size), "%zu", u->len);
    const char *p[] = { st->tenant, u->company, u->kind, st->actor, u->dry_run ? "t" : "f",
                        u->encoding, u->utc_offset, size };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    int rc = hf_store_one(st,
                          "INSERT INTO payroll.imports AS i (tenant_id, company_id, kind, actor,"
                          " dry_run, encoding, utc_offset, size) VALUES ($1::uuid, $2::uuid, $3,"
                          " $4, $5::boolean, $6, $7, $8::bigint) RETURNING " IMPORT_COLS,
                          8, p, import_row, out);
    if (rc == HF_ENOTFOUND)
        rc = HF_EDB;
    if (rc == HF_OK)
        rc = seal_parts(st, (*out)->id, u->content, u->len);
    const char *pj[] = { st->tenant, rc == HF_OK ? (*out)->id : "" };
    if (rc == HF_OK &&
        hf_db_exec(st->db,
                   "WITH q AS (INSERT INTO payroll.import_jobs (tenant_id, import_id)"
                   " VALUES ($1::uuid, $2::uuid) RETURNING 1)"
                   " SELECT pg_notify('" PR_IMPORT_CHANNEL "', '') FROM q",
                   2, pj, NULL) < 0)
        rc = HF_EDB;
    return hf_store_finish(st, rc);
}

int pr_import_get(hf_store_t *st, const char *id, Hrflow__V1__ImportPayrollFileResponse **out)
{
    const char *p[] = { st->tenant, id, hf_store_companies(st) };
    if (!p[2])
        return HF_ENOMEM;
    return hf_store_one(st,
                        "SELECT " IMPORT_COLS " FROM payroll.imports i WHERE i.tenant_id ="
                        " $1::uuid AND i.id = $2::uuid AND " HF_SEES_COMPANY("i.company_id", "3"),
                        3, p, import_row, out);
}

int pr_import_list(hf_store_t *st, const char *company, const char *kind, hf_page_t *page,
                   Hrflow__V1__ImportPayrollFileResponse ***out, size_t *n)
{
    const char *p[] = { st->tenant, company, kind, hf_store_companies(st), NULL, NULL, NULL };
    if (!p[3])
        return HF_ENOMEM;
    PGresult *r = hf_page_query(
        st,
        "SELECT " IMPORT_COLS " FROM payroll.imports i WHERE i.tenant_id = $1::uuid"
        " AND ($2 = '' OR i.company_id = nullif($2, '')::uuid) AND ($3 = '' OR i.kind = $3)"
        " AND " HF_SEES_COMPANY("i.company_id", "4")
        " AND (i.create_time, i.id) > ($5::timestamptz, $6::uuid)"
        " ORDER BY i.create_time, i.id LIMIT $7::int",
        7, p, 1, page);
    return hf_page_rows(st, r, page, import_row, (void ***)out, n);
}

static void *problem_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__ImportProblem *x = hf_store_alloc(st, sizeof(*x));
    if (!x)
        return NULL;
    hrflow__v1__import_problem__init(x);
    x->row = strtoull(PQgetvalue(r, i, 2), NULL, 10);
    x->column = hf_store_cell(st, r, i, 3);
    x->code = hf_store_cell(st, r, i, 4);
    x->message = hf_store_cell(st, r, i, 5);
    return x->message ? x : NULL;
}

int pr_import_problems(hf_store_t *st, const char *id, hf_page_t *page,
                       Hrflow__V1__ImportProblem ***out, size_t *n)
{
    const char *p[] = { st->tenant, id, NULL, NULL, NULL };
    PGresult *r = hf_page_query(
        st,
        "SELECT p.id, " HF_MICROS("p.create_time") ", p.row_no, p.column_name, p.code,"
        " p.message FROM payroll.import_problems p WHERE p.tenant_id = $1::uuid"
        " AND p.import_id = $2::uuid AND (p.create_time, p.id) > ($3::timestamptz, $4::uuid)"
        " ORDER BY p.create_time, p.id LIMIT $5::int",
        5, p, 1, page);
    return hf_page_rows(st, r, page, problem_row, (void ***)out, n);
}

int pr_import_claim(PGconn *db, int lease_ms, const char *owner, pr_import_claim_t *c)
{
    char lease[16];
    snprintf(lease, sizeof(lease), "%d", lease_ms);
    const char *p[] = { lease, owner };
    PGresult *r = hf_db_query(
        db,
        "WITH c AS (UPDATE payroll.import_jobs j SET lease_until = now() + $1::int"
        " * interval '1 millisecond', claim = j.claim + 1, owner = $2, attempts = j.attempts + 1"
        " WHERE (j.tenant_id, j.import_id) = (SELECT tenant_id, import_id FROM"
        " payroll.import_jobs WHERE lease_until < now() ORDER BY request_time LIMIT 1"
        " FOR UPDATE SKIP LOCKED) RETURNING j.tenant_id, j.import_id, j.claim, j.attempts),"
        " s AS (UPDATE payroll.imports i SET state = 'running', update_time = now() FROM c"
        " WHERE i.tenant_id = c.tenant_id AND i.id = c.import_id)"
        " SELECT * FROM c",
        2, p);
    if (!r)
        return -1;
    int got = PQntuples(r) == 1;
    if (got) {
        snprintf(c->tenant, sizeof(c->tenant), "%s", PQgetvalue(r, 0, 0));
        snprintf(c->id, sizeof(c->id), "%s", PQgetvalue(r, 0, 1));
        c->claim = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
        c->attempts = atoi(PQgetvalue(r, 0, 3));
    }
    PQclear(r);
    return got;
}

int pr_import_lock(hf_store_t *st, const pr_import_claim_t *c, pr_import_meta_t *m)
{
    char claim[24];
    snprintf(claim, sizeof(claim), "%lld", (long long)c->claim);
    const char *p[] = { st->tenant, c->id, claim };
    PGresult *r = hf_db_query(
        st->db,
        "SELECT i.kind, i.company_id, i.dry_run, i.encoding, i.utc_offset, i.actor,"
        " (SELECT count(*) FROM payroll.import_parts x WHERE x.tenant_id = i.tenant_id"
        " AND x.import_id = i.id) FROM payroll.import_jobs j JOIN payroll.imports i"
        " ON i.tenant_id = j.tenant_id AND i.id = j.import_id WHERE j.tenant_id = $1::uuid"
        " AND j.import_id = $2::uuid AND j.claim = $3::bigint FOR UPDATE OF j",
        3, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK) {
        m->kind = hf_store_cell(st, r, 0, 0);
        m->company = hf_store_cell(st, r, 0, 1);
        m->dry_run = PQgetvalue(r, 0, 2)[0] == 't';
        m->encoding = hf_store_cell(st, r, 0, 3);
        m->utc_offset = hf_store_cell(st, r, 0, 4);
        m->actor = hf_store_cell(st, r, 0, 5);
        m->parts = (unsigned)strtoul(PQgetvalue(r, 0, 6), NULL, 10);
        if (!m->kind || !m->company || !m->encoding || !m->utc_offset || !m->actor)
            rc = HF_ENOMEM;
    }
    PQclear(r);
    return rc;
}

int pr_import_part(hf_store_t *st, const char *id, unsigned seq, char **plain, size_t *len)
{
    char num[16];
    snprintf(num, sizeof(num), "%u", seq);
    const char *p[] = { st->tenant, id, num };
    PGresult *r = hf_db_query(st->db,
                              "SELECT content FROM payroll.import_parts WHERE tenant_id ="
                              " $1::uuid AND import_id = $2::uuid AND seq = $3::int",
                              3, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK)
        rc = hf_store_open_part(st, id, seq, PQgetvalue(r, 0, 0), plain, len);
    PQclear(r);
    return rc;
}

/* The problems of o as the import's rows, in their order. */
static int write_problems(hf_store_t *st, const char *id, const pr_import_outcome_t *o)
{
    size_t n = o->out->n_problems;
    const char **rows = hf_store_alloc(st, (n + 1) * sizeof(*rows));
    const char **cols = hf_store_alloc(st, (n + 1) * sizeof(*cols));
    const char **codes = hf_store_alloc(st, (n + 1) * sizeof(*codes));
    const char **msgs = hf_store_alloc(st, (n + 1) * sizeof(*msgs));
    if (!rows || !cols || !codes || !msgs)
        return HF_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        const Hrflow__V1__ImportProblem *x = o->out->problems[k];
        rows[k] = hf_arena_printf(st->arena, "%llu", (unsigned long long)x->row);
        cols[k] = x->column, codes[k] = x->code, msgs[k] = x->message;
    }
    const char *p[] = { st->tenant, id, hf_store_array(st, rows, n), hf_store_array(st, cols, n),
                        hf_store_array(st, codes, n), hf_store_array(st, msgs, n) };
    for (int k = 2; k < 6; k++)
        if (!p[k])
            return HF_ENOMEM;
    return hf_db_exec(st->db,
                      "INSERT INTO payroll.import_problems (tenant_id, import_id, create_time,"
                      " row_no, column_name, code, message) SELECT $1::uuid, $2::uuid, now() +"
                      " u.i * interval '1 microsecond', u.r, u.c, u.k, u.m FROM unnest("
                      "$3::bigint[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY"
                      " AS u(r, c, k, m, i)",
                      6, p, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

int pr_import_finish(hf_store_t *st, const pr_import_claim_t *c, const pr_import_outcome_t *o)
{
    const Hrflow__V1__ImportPayrollFileResponse *x = o->out;
    int rc = x->n_problems ? write_problems(st, c->id, o) : HF_OK;
    if (rc != HF_OK)
        return rc;
    char claim[24];
    snprintf(claim, sizeof(claim), "%lld", (long long)c->claim);
    const char *p[] = { st->tenant,
                        c->id,
                        claim,
                        o->state,
                        hf_arena_printf(st->arena, "%u", x->rows),
                        hf_arena_printf(st->arena, "%u", x->created),
                        hf_arena_printf(st->arena, "%u", x->existing),
                        hf_arena_printf(st->arena, "%u", x->replaced),
                        hf_arena_printf(st->arena, "%u", x->problem_count),
                        hf_store_array(st, (const char *const *)x->warnings, x->n_warnings),
                        o->error ? o->error : "" };
    for (int k = 4; k < 10; k++)
        if (!p[k])
            return HF_ENOMEM;
    /* the job goes only if this claim still holds it: the one finish of the file */
    PGresult *r = hf_db_query(
        st->db,
        "WITH j AS (DELETE FROM payroll.import_jobs WHERE tenant_id = $1::uuid"
        " AND import_id = $2::uuid AND claim = $3::bigint RETURNING 1),"
        " f AS (DELETE FROM payroll.import_parts WHERE tenant_id = $1::uuid"
        " AND import_id = $2::uuid AND EXISTS (SELECT 1 FROM j)),"
        " u AS (UPDATE payroll.imports SET state = $4, rows = $5::int, created = $6::int,"
        " existing = $7::int, replaced = $8::int, problem_count = $9::int,"
        " warnings = $10::text[], error = $11, update_time = now(), finish_time = now()"
        " WHERE tenant_id = $1::uuid AND id = $2::uuid AND EXISTS (SELECT 1 FROM j)"
        " RETURNING *)"
        " INSERT INTO events.outbox (tenant_id, source, type, subject, data)"
        " SELECT $1, " SOURCE ", 'hrflow.payroll.import.finished.v1', 'payroll-imports/' || u.id,"
        " json_build_object('importId', u.id, 'companyId', u.company_id, 'kind', u.kind,"
        " 'state', u.state, 'dryRun', u.dry_run, 'rows', u.rows, 'created', u.created,"
        " 'existing', u.existing, 'replaced', u.replaced, 'problemCount', u.problem_count,"
        " 'actor', u.actor) FROM u RETURNING 1",
        11, p);
    rc = hf_store_rows(r, 1);
    PQclear(r);
    return rc == HF_ENOTFOUND ? HF_ECONFLICT : rc;
}
