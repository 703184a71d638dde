/* services/payroll/employees_store.c - the SQL of the employee archive
 *
 * Name, ID number, bank account and phone are sealed with the service's
 * keyring (hf_pii_seal_field, AAD "<tenant>:employees.<column>"), the ID
 * number also as a keyed blind index that keeps one archive per person per
 * tenant; amounts (compensations.amounts) and special deductions
 * (tax_profiles.deductions) are sealed JSON. Rows come back as JSON the
 * statement builds in the API's form (hf_codec_decode_stored) with the
 * sealed columns beside it, opened here and masked before they leave.
 *
 * Effective-dated rows are never overwritten by a later one: the month's
 * values are "the newest row at or before it" (LATERAL ... LIMIT 1). Events
 * are written by the statements that make the change (INSERT INTO
 * events.outbox inside the same transaction) and carry ids only.
 */
#include "employees_store.h"
#include "employee_fields.h"

#include "hf/codec.h"
#include "hf/db.h"
#include "hf/log.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SOURCE "'/hrflow/payroll'"
#define UNIQUE_VIOLATION "23505"

const char *const pr_deduction_kinds[PR_DEDUCTION_KINDS] = {
    "children_education", "continuing_education", "housing_loan_interest",
    "housing_rent",       "elderly_support",      "infant_care",
};

static const char *num(hf_store_t *st, long long v)
{
    return hf_arena_printf(st->arena, "%lld", v);
}

/* ---- sealed fields ---- */

/* The token of table.column's value, or NULL (out of memory); "" and NULL
 * plain give NULL with *ok kept. The caller frees. */
static char *seal(hf_store_t *st, const char *field, const char *plain, int *ok)
{
    if (!plain || !*plain)
        return NULL;
    char *t = hf_pii_seal_field(st->keys, st->tenant, field, plain);
    if (!t)
        *ok = 0;
    return t;
}

/* The value of a sealed cell in the arena ("" for NULL), or NULL when it
 * does not open (logged by field). */
static char *opened(hf_store_t *st, PGresult *r, int row, int col, const char *field)
{
    return PQgetisnull(r, row, col) ? hf_store_strdup(st, "")
                                    : hf_store_unseal(st, field, PQgetvalue(r, row, col));
}

/* The blind index of a canonical ID number ("" for none). */
static void id_index(hf_store_t *st, const char *canonical, char idx[65])
{
    char ctx[96];
    idx[0] = '\0';
    snprintf(ctx, sizeof(ctx), "%s:employees.id_number", st->tenant);
    if (canonical && *canonical)
        hf_pii_index(st->keys, ctx, canonical, idx);
}

/* ---- employees ---- */

#define EMP_COLS                                                                                   \
    "e.id, json_strip_nulls(json_build_object('id', e.id, 'companyId', e.company_id,"             \
    " 'employeeNo', e.employee_no, 'status', e.status, 'idType', e.id_type,"                     \
    " 'department', e.department, 'position', e.position, 'grade', e.grade, 'city', e.city,"     \
    " 'hireDate', to_char(e.hire_date, 'YYYY-MM-DD'), 'leaveDate',"                              \
    " to_char(e.leave_date, 'YYYY-MM-DD'), 'leaveReason', e.leave_reason,"                       \
    " 'applicationId', e.application_id, 'candidateId', e.candidate_id,"                         \
    " 'version', e.version::text)),"                                                              \
    " e.name_enc, e.id_number_enc, e.bank_account_enc, e.phone_enc, "                             \
    HF_MICROS("e.create_time") ", " HF_MICROS("e.update_time")
#define EMP_CREATED 6

static void *employee_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__Employee *e = (void *)hf_codec_decode_stored(&hrflow__v1__employee__descriptor,
                                                             PQgetvalue(r, row, 1), &st->alloc);
    if (!e)
        return NULL;
    char *id_number = opened(st, r, row, 3, "employees.id_number");
    char *bank = opened(st, r, row, 4, "employees.bank_account");
    char mask[PR_MASK_MAX];
    e->name = opened(st, r, row, 2, "employees.name");
    e->phone = opened(st, r, row, 5, "employees.phone");
    if (!e->name || !e->phone || !id_number || !bank)
        return NULL;
    pr_mask_id_number(id_number, mask);
    e->id_number = hf_store_strdup(st, mask);
    pr_mask_bank_account(bank, mask);
    e->bank_account = hf_store_strdup(st, mask);
    e->create_time = hf_store_time(st, r, row, EMP_CREATED);
    e->update_time = hf_store_time(st, r, row, EMP_CREATED + 1);
    return e->id_number && e->bank_account && e->create_time && e->update_time ? e : NULL;
}

int pr_employee_get(hf_store_t *st, const char *id, Hrflow__V1__Employee **out)
{
    const char *p[] = { st->tenant, id };
    return hf_store_one(st, "SELECT " EMP_COLS " FROM payroll.employees e"
                            " WHERE e.tenant_id = $1 AND e.id = $2::uuid",
                        2, p, employee_row, out);
}

int pr_employee_list(hf_store_t *st, const char *company, const char *status,
                     const char *department, hf_page_t *page, Hrflow__V1__Employee ***out,
                     size_t *n)
{
    const char *p[] = { st->tenant, company, status, department, hf_store_companies(st), NULL,
                        NULL, NULL };
    if (!p[4])
        return HF_ENOMEM;
    PGresult *r = hf_page_query(
        st,
        "SELECT " EMP_COLS " FROM payroll.employees e WHERE e.tenant_id = $1"
        " AND ($2 = '' OR e.company_id = nullif($2, '')::uuid) AND ($3 = '' OR e.status = $3)"
        " AND ($4 = '' OR e.department = $4) AND " HF_SEES_COMPANY("e.company_id", "5")
        " AND (e.create_time, e.id) > ($6::timestamptz, $7::uuid)"
        " ORDER BY e.create_time, e.id LIMIT $8::int",
        8, p, EMP_CREATED, page);
    return hf_page_rows(st, r, page, employee_row, (void ***)out, n);
}

/* The patch's sealed columns: name, id number and its index, bank, phone. */
typedef struct {
    char *name, *id_number, *bank, *phone, idx[65];
} sealed_t;

static void sealed_free(sealed_t *s)
{
    free(s->name);
    free(s->id_number);
    free(s->bank);
    free(s->phone);
}

/* The sealed columns of p; HF_ENOMEM (nothing to free) when one cannot be made. */
static int sealed_make(hf_store_t *st, const pr_employee_patch_t *p, sealed_t *s)
{
    int ok = 1;
    memset(s, 0, sizeof(*s));
    s->name = seal(st, "employees.name", p->name, &ok);
    s->id_number = seal(st, "employees.id_number", p->id_number, &ok);
    s->bank = seal(st, "employees.bank_account", p->bank_account, &ok);
    s->phone = seal(st, "employees.phone", p->phone, &ok);
    id_index(st, p->id_number, s->idx);
    if (p->id_number && *p->id_number && !s->idx[0])
        ok = 0;
    if (ok)
        return HF_OK;
    sealed_free(s);
    return HF_ENOMEM;
}

/* Which unique key a refused write hit: the employee number in the company
 * or the ID number in the tenant. */
static const char *taken_by(hf_store_t *st, const char *company, const char *employee_no,
                            const char *except)
{
    const char *p[] = { st->tenant, company, employee_no ? employee_no : "", except };
    PGresult *r = hf_db_query(st->db,
                              "SELECT 1 FROM payroll.employees WHERE tenant_id = $1"
                              " AND company_id = $2::uuid AND employee_no = $3"
                              " AND id <> $4::uuid",
                              4, p);
    const char *field = hf_store_rows(r, 1) == HF_OK ? "employee_no" : "id_number";
    PQclear(r);
    return field;
}

#define NIL_UUID "00000000-0000-0000-0000-000000000000"

int pr_employee_create(hf_store_t *st, const char *company_id, const char *status,
                       const pr_employee_patch_t *p, Hrflow__V1__Employee **out,
                       const char **taken)
{
    sealed_t s;
    int rc = sealed_make(st, p, &s);
    if (rc != HF_OK)
        return rc;
    const char *q[] = { st->tenant, company_id, p->employee_no, status, s.name,
                        p->id_type ? p->id_type : "resident_id", s.id_number,
                        s.idx[0] ? s.idx : NULL, s.bank, s.phone,
                        p->hire_date && *p->hire_date ? p->hire_date : NULL, p->department,
                        p->position, p->grade, p->city };
    PGresult *r = hf_db_query(st->db,
                              "INSERT INTO payroll.employees (tenant_id, company_id, employee_no,"
                              " status, name_enc, id_type, id_number_enc, id_number_idx,"
                              " bank_account_enc, phone_enc, hire_date, department, position,"
                              " grade, city) VALUES ($1, $2::uuid, $3, $4, $5, $6, $7, $8, $9,"
                              " $10, $11::date, nullif($12, ''), nullif($13, ''), nullif($14, ''),"
                              " nullif($15, '')) ON CONFLICT DO NOTHING RETURNING id",
                              15, q);
    sealed_free(&s);
    rc = hf_store_rows(r, 1);
    const char *id = rc == HF_OK ? hf_store_cell(st, r, 0, 0) : NULL;
    PQclear(r);
    if (rc == HF_ENOTFOUND) {
        *taken = taken_by(st, company_id, p->employee_no, NIL_UUID);
        return HF_EEXISTS;
    }
    return rc == HF_OK ? pr_employee_get(st, id, out) : rc;
}

int pr_employee_update(hf_store_t *st, const Hrflow__V1__Employee *e,
                       const pr_employee_patch_t *p, Hrflow__V1__Employee **out,
                       const char **taken)
{
    const char *id = e->id;
    int64_t version = e->version;
    sealed_t s;
    int rc = sealed_make(st, p, &s);
    if (rc != HF_OK)
        return rc;
    /* a NULL parameter keeps the column; "" (a cleared optional field) is
     * written as NULL by nullif */
    const char *q[] = { st->tenant, id, num(st, version), p->employee_no, s.name, p->id_type,
                        p->id_number ? (s.id_number ? s.id_number : "") : NULL,
                        p->id_number ? s.idx : NULL,
                        p->bank_account ? (s.bank ? s.bank : "") : NULL,
                        p->phone ? (s.phone ? s.phone : "") : NULL, p->hire_date };
    if (hf_db_begin(st->db) < 0) {
        sealed_free(&s);
        return HF_EDB;
    }
    /* the version is compared under the row's lock, so the update below
     * matches and can only fail on a unique key */
    PGresult *r = hf_db_query(st->db,
                              "SELECT company_id FROM payroll.employees WHERE tenant_id = $1"
                              " AND id = $2::uuid AND version = $3::bigint FOR UPDATE",
                              3, q);
    rc = hf_store_rows(r, 1) == HF_ENOTFOUND ? HF_ECONFLICT : hf_store_rows(r, 1);
    const char *company = rc == HF_OK ? hf_store_cell(st, r, 0, 0) : NULL;
    PQclear(r);
    char state[6] = "";
    if (rc == HF_OK &&
        hf_db_exec(
            st->db,
            "UPDATE payroll.employees SET employee_no = coalesce($4, employee_no),"
            " name_enc = coalesce($5, name_enc), id_type = coalesce($6, id_type),"
            " id_number_enc = CASE WHEN $7::text IS NULL THEN id_number_enc"
            " ELSE nullif($7, '') END,"
            " id_number_idx = CASE WHEN $8::text IS NULL THEN id_number_idx"
            " ELSE nullif($8, '') END,"
            " bank_account_enc = CASE WHEN $9::text IS NULL THEN bank_account_enc"
            " ELSE nullif($9, '') END,"
            " phone_enc = CASE WHEN $10::text IS NULL THEN phone_enc ELSE nullif($10, '') END,"
            " hire_date = CASE WHEN $11::text IS NULL THEN hire_date"
            " ELSE nullif($11, '')::date END,"
            " version = version + 1, update_time = now()"
            " WHERE tenant_id = $1 AND id = $2::uuid AND version = $3::bigint",
            11, q, state) < 0)
        rc = strcmp(state, UNIQUE_VIOLATION) ? HF_EDB : HF_EEXISTS;
    sealed_free(&s);
    if (rc == HF_EEXISTS) {
        hf_db_rollback(st->db);
        *taken = taken_by(st, company, p->employee_no, id);
        return rc;
    }
    if (rc == HF_OK)
        rc = pr_employee_get(st, id, out);
    return hf_store_finish(st, rc);
}

int pr_employee_set_status(hf_store_t *st, const char *id, int64_t version, const char *status,
                           const char *date, const char *reason, Hrflow__V1__Employee **out)
{
    const char *p[] = { st->tenant, id, num(st, version), status, date && *date ? date : NULL,
                        reason };
    PGresult *r = hf_db_query(
        st->db,
        "UPDATE payroll.employees SET status = $4,"
        " hire_date = CASE WHEN $4 = 'active' THEN coalesce($5::date, hire_date) ELSE hire_date END,"
        " leave_date = CASE WHEN $4 = 'left' THEN $5::date ELSE leave_date END,"
        " leave_reason = CASE WHEN $4 = 'left' THEN $6 ELSE leave_reason END,"
        " version = version + 1, update_time = now()"
        " WHERE tenant_id = $1 AND id = $2::uuid AND version = $3::bigint RETURNING id",
        6, p);
    int rc = !r ? HF_EDB : hf_store_rows(r, 1) == HF_ENOTFOUND ? HF_ECONFLICT : HF_OK;
    PQclear(r);
    return rc == HF_OK ? pr_employee_get(st, id, out) : rc;
}

/* ---- reveals ---- */

int pr_employee_reveal(hf_store_t *st, const Hrflow__V1__Employee *e, int want_id,
                       int want_bank, const char *reason, char **id_number, char **bank_account,
                       char **reveal_id)
{
    const char *names[2];
    size_t n = 0;
    if (want_id)
        names[n++] = "id_number";
    if (want_bank)
        names[n++] = "bank_account";
    const char *p[] = { st->tenant, e->id, e->company_id, st->actor, hf_store_array(st, names, n),
                        reason };
    if (!p[4] || hf_db_begin(st->db) < 0)
        return p[4] ? HF_EDB : HF_ENOMEM;
    PGresult *r = hf_db_query(
        st->db,
        "WITH a AS (INSERT INTO payroll.employee_reveals (tenant_id, employee_id, company_id,"
        " actor, fields, reason) VALUES ($1, $2::uuid, $3::uuid, $4, $5::text[], $6)"
        " RETURNING id)"
        " SELECT a.id, e.id_number_enc, e.bank_account_enc FROM a, payroll.employees e"
        " WHERE e.tenant_id = $1 AND e.id = $2::uuid",
        6, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK) {
        *reveal_id = hf_store_cell(st, r, 0, 0);
        *id_number = want_id ? opened(st, r, 0, 1, "employees.id_number") : hf_store_strdup(st, "");
        *bank_account = want_bank ? opened(st, r, 0, 2, "employees.bank_account")
                                  : hf_store_strdup(st, "");
        if (!*id_number || !*bank_account)
            rc = HF_EDB;
    }
    PQclear(r);
    return hf_store_finish(st, rc);
}

static void *reveal_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__Reveal *v = (void *)hf_codec_decode_stored(&hrflow__v1__reveal__descriptor,
                                                           PQgetvalue(r, row, 1), &st->alloc);
    if (v && !(v->create_time = hf_store_time(st, r, row, 2)))
        return NULL;
    return v;
}

int pr_reveal_list(hf_store_t *st, const char *employee_id, hf_page_t *page,
                   Hrflow__V1__Reveal ***out, size_t *n)
{
    const char *p[] = { st->tenant, employee_id, hf_store_companies(st), NULL, NULL, NULL };
    if (!p[2])
        return HF_ENOMEM;
    PGresult *r = hf_page_query(
        st,
        "SELECT a.id, json_build_object('id', a.id, 'employeeId', a.employee_id, 'companyId',"
        " a.company_id, 'actor', a.actor, 'fields', a.fields, 'reason', a.reason), "
        HF_MICROS("a.create_time") " FROM payroll.employee_reveals a WHERE a.tenant_id = $1"
        " AND ($2 = '' OR a.employee_id = nullif($2, '')::uuid)"
        " AND " HF_SEES_COMPANY("a.company_id", "3")
        " AND (a.create_time, a.id) > ($4::timestamptz, $5::uuid)"
        " ORDER BY a.create_time, a.id LIMIT $6::int",
        6, p, 2, page);
    return hf_page_rows(st, r, page, reveal_row, (void ***)out, n);
}

/* ---- compensation and tax profiles ---- */

/* Both are rows by month whose amounts are sealed as one JSON object in the
 * API's form ({"baseSalary": "30000.00", "allowances": [...]},
 * {"specialDeductions": [...]}): a read opens it, lays it over the plain
 * columns the statement built (column 1) and decodes the whole. */

/* "YYYY-MM" of a month's first day. */
#define MONTH_OF(col) "to_char(" col ", 'YYYY-MM')"

/* The amount in yuan, as the API writes it, for sealed JSON. */
static json_t *money_json(pr_fen_t fen)
{
    char m[PR_MONEY_TEXT_MAX];
    pr_money_format(fen, m);
    return json_string(m);
}

/* [{key: names[i], "amount": amounts[i]}] of the n entries. */
static json_t *amounts_json(const char *key, const char *const *names, const pr_fen_t *amounts,
                            size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, json_pack("{s:s, s:o}", key, names[i], "amount",
                                              money_json(amounts[i])));
    return list;
}

/* A row of a monthly record: column 1 its plain fields as JSON, column 2 the
 * sealed object (field names the AAD), column 3 its create time. */
static void *monthly_row(hf_store_t *st, PGresult *r, int row, const ProtobufCMessageDescriptor *d,
                         const char *field, size_t time_offset)
{
    char *plain = opened(st, r, row, 2, field);
    json_t *all = json_loads(PQgetvalue(r, row, 1), 0, NULL);
    json_t *sealed = plain ? json_loads(plain, 0, NULL) : NULL;
    char *text = all && sealed && json_object_update(all, sealed) == 0
                     ? json_dumps(all, JSON_COMPACT)
                     : NULL;
    json_decref(all);
    json_decref(sealed);
    ProtobufCMessage *m = text ? hf_codec_decode_stored(d, text, &st->alloc) : NULL;
    free(text);
    if (!m)
        return NULL;
    Hrflow__V1__Timestamp **t = (Hrflow__V1__Timestamp **)((char *)m + time_offset);
    return (*t = hf_store_time(st, r, row, 3)) ? m : NULL;
}

static void *compensation_row(hf_store_t *st, PGresult *r, int row)
{
    return monthly_row(st, r, row, &hrflow__v1__compensation__descriptor,
                       "compensations.amounts", offsetof(Hrflow__V1__Compensation, create_time));
}

static void *tax_profile_row(hf_store_t *st, PGresult *r, int row)
{
    return monthly_row(st, r, row, &hrflow__v1__tax_profile__descriptor,
                       "tax_profiles.deductions", offsetof(Hrflow__V1__TaxProfile, create_time));
}

#define COMP_COLS                                                                                \
    "employee_id, json_build_object('employeeId', employee_id, 'effectiveMonth', "              \
    MONTH_OF("effective_month") ", 'actor', actor), amounts_enc, " HF_MICROS("create_time")
#define TAX_COLS                                                                                 \
    "employee_id, json_build_object('employeeId', employee_id, 'effectiveMonth', "              \
    MONTH_OF("effective_month") ", 'residency', residency, 'bonusTax', bonus_tax, 'actor',"     \
    " actor), deductions_enc, " HF_MICROS("create_time")

/* Seal obj (consumed) as field and upsert the month's row with sql, whose
 * parameters are the tenant, employee, month, the token, the actor and
 * extra (n_extra more); *out as stored. */
static int monthly_set(hf_store_t *st, const char *sql, const char *field, json_t *obj,
                       const char *const *keys, size_t n_keys,
                       void *(*row)(hf_store_t *st, PGresult *r, int i), void *out)
{
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    int ok = 1;
    char *sealed = text ? seal(st, field, text, &ok) : NULL;
    free(text);
    if (!sealed)
        return HF_ENOMEM;
    const char *p[8] = { st->tenant, keys[0], keys[1], sealed, st->actor };
    for (size_t k = 2; k < n_keys && k < 5; k++)
        p[3 + k] = keys[k];
    int rc = hf_store_one(st, sql, (int)(3 + n_keys), p, row, out);
    free(sealed);
    return rc;
}

int pr_compensation_set(hf_store_t *st, const char *employee_id, const char *month, pr_fen_t base,
                        char *const *names, const pr_fen_t *amounts, size_t n,
                        Hrflow__V1__Compensation **out)
{
    json_t *list = amounts_json("name", (const char *const *)names, amounts, n);
    json_t *obj = list ? json_pack("{s:o, s:o}", "baseSalary", money_json(base), "allowances",
                                   list)
                       : NULL;
    const char *keys[] = { employee_id, month };
    return monthly_set(st,
                       "INSERT INTO payroll.compensations (tenant_id, employee_id,"
                       " effective_month, amounts_enc, actor)"
                       " VALUES ($1, $2::uuid, $3::date, $4, $5)"
                       " ON CONFLICT (tenant_id, employee_id, effective_month) DO UPDATE"
                       " SET amounts_enc = EXCLUDED.amounts_enc, actor = EXCLUDED.actor,"
                       " create_time = now() RETURNING " COMP_COLS,
                       "compensations.amounts", obj, keys, 2, compensation_row, out);
}

int pr_tax_profile_set(hf_store_t *st, const char *employee_id, const char *month,
                       const char *residency, const char *bonus_tax,
                       const pr_fen_t deductions[PR_DEDUCTION_KINDS], Hrflow__V1__TaxProfile **out)
{
    const char *kinds[PR_DEDUCTION_KINDS];
    pr_fen_t amounts[PR_DEDUCTION_KINDS];
    size_t n = 0;
    for (size_t k = 0; k < PR_DEDUCTION_KINDS; k++)
        if (deductions[k]) {
            kinds[n] = pr_deduction_kinds[k];
            amounts[n++] = deductions[k];
        }
    json_t *list = amounts_json("kind", kinds, amounts, n);
    json_t *obj = list ? json_pack("{s:o}", "specialDeductions", list) : NULL;
    const char *keys[] = { employee_id, month, residency, bonus_tax };
    return monthly_set(st,
                       "INSERT INTO payroll.tax_profiles (tenant_id, employee_id,"
                       " effective_month, deductions_enc, actor, residency, bonus_tax)"
                       " VALUES ($1, $2::uuid, $3::date, $4, $5, $6, $7)"
                       " ON CONFLICT (tenant_id, employee_id, effective_month) DO UPDATE"
                       " SET residency = EXCLUDED.residency, deductions_enc ="
                       " EXCLUDED.deductions_enc, bonus_tax = EXCLUDED.bonus_tax,"
                       " actor = EXCLUDED.actor, create_time = now() RETURNING " TAX_COLS,
                       "tax_profiles.deductions", obj, keys, 4, tax_profile_row, out);
}

/* Every row of an employee's history: sql selects by $1 (tenant) and $2
 * (employee). */
static int history(hf_store_t *st, const char *sql, const char *employee_id,
                   void *(*row)(hf_store_t *st, PGresult *r, int i), void ***out, size_t *n)
{
    const char *p[] = { st->tenant, employee_id };
    return hf_store_all(st, hf_db_query(st->db, sql, 2, p), row, out, n);
}

int pr_compensation_list(hf_store_t *st, const char *employee_id, void ***out, size_t *n)
{
    return history(st, "SELECT " COMP_COLS " FROM payroll.compensations"
                       " WHERE tenant_id = $1 AND employee_id = $2::uuid"
                       " ORDER BY effective_month DESC",
                   employee_id, compensation_row, out, n);
}

int pr_tax_profile_list(hf_store_t *st, const char *employee_id, void ***out, size_t *n)
{
    return history(st, "SELECT " TAX_COLS " FROM payroll.tax_profiles"
                       " WHERE tenant_id = $1 AND employee_id = $2::uuid"
                       " ORDER BY effective_month DESC",
                   employee_id, tax_profile_row, out, n);
}

/* ---- contracts ---- */

#define CONTRACT_COLS                                                                              \
    "c.id, json_strip_nulls(json_build_object('id', c.id, 'employeeId', c.employee_id, 'type',"  \
    " c.type, 'startDate', to_char(c.start_date, 'YYYY-MM-DD'), 'endDate',"                      \
    " to_char(c.end_date, 'YYYY-MM-DD'), 'probationEnd', to_char(c.probation_end, 'YYYY-MM-DD'),"\
    " 'previousContractId', c.previous_contract_id)), " HF_MICROS("c.create_time") ", "        \
    HF_MICROS("t.due_time")
#define CONTRACT_FROM                                                                              \
    " FROM payroll.contracts c LEFT JOIN timers.timer t ON t.kind = '" PR_TIMER_CONTRACT "'"     \
    " AND t.tenant_id = c.tenant_id::text AND t.key = 'contracts/' || c.id"

static void *contract_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__Contract *c = (void *)hf_codec_decode_stored(&hrflow__v1__contract__descriptor,
                                                             PQgetvalue(r, row, 1), &st->alloc);
    if (!c || !(c->create_time = hf_store_time(st, r, row, 2)))
        return NULL;
    if (!PQgetisnull(r, row, 3))
        c->expiry_alert_time = hf_store_time(st, r, row, 3);
    return c;
}

/* Arm the expiry alert of contract id: alert_days (the tenant's setting)
 * before its end, at 09:00 in Asia/Shanghai; a time already past fires at
 * once. */
int pr_contract_timer(hf_store_t *st, const char *id)
{
    const char *p[] = { st->tenant, id };
    PGresult *r = hf_db_query(
        st->db,
        "SELECT timers.set('" PR_TIMER_CONTRACT "', $1::text, 'contracts/' || c.id,"
        " ((c.end_date - coalesce(s.contract_alert_days, 30)) + time '09:00')"
        " AT TIME ZONE 'Asia/Shanghai', json_build_object('contractId', c.id)::jsonb)"
        " FROM payroll.contracts c LEFT JOIN payroll.employee_settings s"
        " ON s.tenant_id = c.tenant_id WHERE c.tenant_id = $1::uuid AND c.id = $2::uuid"
        " AND c.end_date IS NOT NULL",
        2, p);
    int rc = r ? HF_OK : HF_EDB;
    PQclear(r);
    return rc;
}

int pr_contract_create(hf_store_t *st, const char *employee_id, const char *type,
                       const char *start, const char *end, const char *probation,
                       const char *previous, Hrflow__V1__Contract **out)
{
    const char *p[] = { st->tenant, employee_id, type, start, *end ? end : NULL,
                        *probation ? probation : NULL, *previous ? previous : NULL, st->actor };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    int rc = HF_OK;
    if (*previous) {
        const char *q[] = { st->tenant, previous, employee_id };
        PGresult *r = hf_db_query(st->db, "SELECT 1 FROM payroll.contracts WHERE tenant_id = $1"
                                          " AND id = $2::uuid AND employee_id = $3::uuid",
                                  3, q);
        rc = hf_store_rows(r, 1);
        PQclear(r);
    }
    PGresult *r = NULL;
    if (rc == HF_OK) {
        r = hf_db_query(st->db,
                        "INSERT INTO payroll.contracts (tenant_id, employee_id, type, start_date,"
                        " end_date, probation_end, previous_contract_id, actor) VALUES ($1,"
                        " $2::uuid, $3, $4::date, $5::date, $6::date, $7::uuid, $8)"
                        " ON CONFLICT DO NOTHING RETURNING id",
                        8, p);
        rc = hf_store_rows(r, 1) == HF_ENOTFOUND ? HF_EEXISTS : hf_store_rows(r, 1);
    }
    const char *id = rc == HF_OK ? hf_store_cell(st, r, 0, 0) : NULL;
    PQclear(r);
    if (rc == HF_OK)
        rc = pr_contract_timer(st, id);
    /* a renewed contract needs no alert any more */
    if (rc == HF_OK && *previous &&
        hf_timer_cancel(st, PR_TIMER_CONTRACT, hf_arena_printf(st->arena, "contracts/%s",
                                                               previous)) < 0)
        rc = HF_EDB;
    if (rc == HF_OK) {
        const char *q[] = { st->tenant, id };
        rc = hf_store_one(st, "SELECT " CONTRACT_COLS CONTRACT_FROM
                              " WHERE c.tenant_id = $1 AND c.id = $2::uuid",
                          2, q, contract_row, out);
    }
    return hf_store_finish(st, rc);
}

int pr_contract_list(hf_store_t *st, const char *employee_id, void ***out, size_t *n)
{
    return history(st, "SELECT " CONTRACT_COLS CONTRACT_FROM
                       " WHERE c.tenant_id = $1 AND c.employee_id = $2::uuid"
                       " ORDER BY c.start_date DESC, c.create_time DESC",
                   employee_id, contract_row, out, n);
}

/* The alert of a contract whose timer is due: contract.expiring, ids and
 * dates only; none for an employee who has left or a contract renewed
 * meanwhile (its timer is cancelled by the renewal; this is the guard for
 * one firing at that moment). */
static int contract_expiring(hf_store_t *st, const char *contract_id)
{
    const char *p[] = { st->tenant, contract_id };
    return hf_db_exec(st->db,
                      "INSERT INTO events.outbox (tenant_id, source, type, subject, data)"
                      " SELECT c.tenant_id, " SOURCE ", 'hrflow.payroll.contract.expiring.v1',"
                      " 'contracts/' || c.id, json_build_object('contractId', c.id,"
                      " 'employeeId', c.employee_id, 'companyId', e.company_id, 'type', c.type,"
                      " 'endDate', to_char(c.end_date, 'YYYY-MM-DD'), 'daysLeft',"
                      " c.end_date - payroll.today())::jsonb"
                      " FROM payroll.contracts c JOIN payroll.employees e"
                      " ON e.tenant_id = c.tenant_id AND e.id = c.employee_id"
                      " WHERE c.tenant_id = $1 AND c.id = $2::uuid AND e.status <> 'left'"
                      " AND NOT EXISTS (SELECT 1 FROM payroll.contracts n"
                      "  WHERE n.tenant_id = c.tenant_id AND n.previous_contract_id = c.id)",
                      2, p, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

/* ---- position changes ---- */

#define CHANGE_COLS                                                                                \
    "c.id, json_strip_nulls(json_build_object('id', c.id, 'employeeId', c.employee_id,"          \
    " 'effectiveDate', to_char(c.effective_date, 'YYYY-MM-DD'), 'department', c.department,"     \
    " 'position', c.position, 'grade', c.grade, 'companyId', c.company_id, 'city', c.city,"      \
    " 'reason', c.reason, 'applied', c.applied, 'actor', c.actor)), " HF_MICROS("c.create_time")

static void *change_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__PositionChange *c = (void *)hf_codec_decode_stored(
        &hrflow__v1__position_change__descriptor, PQgetvalue(r, row, 1), &st->alloc);
    return c && (c->create_time = hf_store_time(st, r, row, 2)) ? c : NULL;
}

/* Apply position change id to its employee when its day has come and it
 * is not applied yet, with position_changed: the employee's fields follow
 * the latest change effective today. HF_OK also when there was nothing to
 * do (a future change, one applied already). */
static int change_apply(hf_store_t *st, const char *id)
{
    const char *p[] = { st->tenant, id };
    return hf_db_exec(
               st->db,
               "WITH c AS (UPDATE payroll.position_changes SET applied = true"
               " WHERE tenant_id = $1 AND id = $2::uuid AND NOT applied"
               " AND effective_date <= payroll.today() RETURNING *),"
               " e AS (UPDATE payroll.employees e SET"
               " department = coalesce(c.department, e.department),"
               " position = coalesce(c.position, e.position), grade = coalesce(c.grade, e.grade),"
               " company_id = coalesce(c.company_id, e.company_id),"
               " city = coalesce(c.city, e.city), version = e.version + 1, update_time = now()"
               " FROM c WHERE e.tenant_id = c.tenant_id AND e.id = c.employee_id"
               " AND NOT EXISTS (SELECT 1 FROM payroll.position_changes l"
               "  WHERE l.tenant_id = c.tenant_id AND l.employee_id = c.employee_id AND l.applied"
               "  AND (l.effective_date, l.create_time) > (c.effective_date, c.create_time))"
               " RETURNING e.id, e.company_id)"
               " INSERT INTO events.outbox (tenant_id, source, type, subject, data)"
               " SELECT c.tenant_id, " SOURCE ", 'hrflow.payroll.employee.position_changed.v1',"
               " 'employees/' || c.employee_id, json_build_object('employeeId', c.employee_id,"
               " 'changeId', c.id, 'companyId', coalesce(e.company_id, c.company_id),"
               " 'effectiveDate', to_char(c.effective_date, 'YYYY-MM-DD'),"
               " 'changed', to_jsonb(array_remove(ARRAY["
               " CASE WHEN c.department IS NOT NULL THEN 'department' END,"
               " CASE WHEN c.position IS NOT NULL THEN 'position' END,"
               " CASE WHEN c.grade IS NOT NULL THEN 'grade' END,"
               " CASE WHEN c.company_id IS NOT NULL THEN 'companyId' END,"
               " CASE WHEN c.city IS NOT NULL THEN 'city' END], NULL)))::jsonb"
               " FROM c LEFT JOIN e ON e.id = c.employee_id",
               2, p, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

int pr_position_change_create(hf_store_t *st, const char *employee_id,
                              const Hrflow__V1__PositionChange *c, const char *date,
                              Hrflow__V1__PositionChange **out)
{
#define OPT(s) ((s) && *(s) ? (s) : NULL)
    const char *p[] = { st->tenant, employee_id, date, OPT(c->department), OPT(c->position),
                        OPT(c->grade), OPT(c->company_id), OPT(c->city), c->reason, st->actor };
#undef OPT
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    PGresult *r = hf_db_query(st->db,
                              "INSERT INTO payroll.position_changes (tenant_id, employee_id,"
                              " effective_date, department, position, grade, company_id, city,"
                              " reason, actor) VALUES ($1, $2::uuid, $3::date, $4, $5, $6,"
                              " $7::uuid, $8, $9, $10)"
                              " RETURNING id, effective_date > payroll.today()",
                              10, p);
    int rc = hf_store_rows(r, 1);
    const char *id = rc == HF_OK ? hf_store_cell(st, r, 0, 0) : NULL;
    int future = rc == HF_OK && !strcmp(PQgetvalue(r, 0, 1), "t");
    PQclear(r);
    if (rc == HF_OK && !future)
        rc = change_apply(st, id);
    if (rc == HF_OK && future) {
        const char *q[] = { st->tenant, id };
        rc = hf_db_exec(st->db,
                        "SELECT timers.set('" PR_TIMER_POSITION "', $1::text,"
                        " 'position-changes/' || $2::text, (effective_date + time '00:00')"
                        " AT TIME ZONE 'Asia/Shanghai', json_build_object('changeId', id)::jsonb)"
                        " FROM payroll.position_changes WHERE tenant_id = $1::uuid AND id = $2::uuid",
                        2, q, NULL) < 0
                 ? HF_EDB
                 : HF_OK;
    }
    if (rc == HF_OK) {
        const char *q[] = { st->tenant, id };
        rc = hf_store_one(st, "SELECT " CHANGE_COLS " FROM payroll.position_changes c"
                              " WHERE c.tenant_id = $1 AND c.id = $2::uuid",
                          2, q, change_row, out);
    }
    return hf_store_finish(st, rc);
}

int pr_position_change_list(hf_store_t *st, const char *employee_id, void ***out, size_t *n)
{
    return history(st, "SELECT " CHANGE_COLS " FROM payroll.position_changes c"
                       " WHERE c.tenant_id = $1 AND c.employee_id = $2::uuid"
                       " ORDER BY c.effective_date, c.create_time",
                   employee_id, change_row, out, n);
}

/* ---- timers ---- */

int pr_employees_timer(void *user, PGconn *db, hf_timer_t *t)
{
    (void)user;
    hf_arena_t *arena = hf_arena_new(4096);
    json_t *payload = json_loads(t->payload_json, 0, NULL);
    if (!arena || !payload) {
        json_decref(payload);
        hf_arena_destroy(&arena);
        return hf_timer_fail(t, HF_TIMER_DEAD, "unreadable payload");
    }
    hf_store_t st;
    hf_store_init(&st, db, arena, t->tenant_id, NULL);
    int contract = !strcmp(t->kind, PR_TIMER_CONTRACT);
    const char *id = json_string_value(json_object_get(payload, contract ? "contractId"
                                                                         : "changeId"));
    int rc = HF_EDB;
    if (id && hf_uuid_valid(id) && hf_db_begin(db) == 0)
        rc = hf_store_finish(&st, contract ? contract_expiring(&st, id) : change_apply(&st, id));
    json_decref(payload);
    hf_arena_destroy(&arena);
    return rc == HF_OK ? HF_TIMER_OK : hf_timer_fail(t, HF_TIMER_RETRY, "the database failed");
}

/* ---- settings ---- */

static void *settings_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__EmployeeSettings *s = hf_store_alloc(st, sizeof(*s));
    if (!s)
        return NULL;
    hrflow__v1__employee_settings__init(s);
    s->contract_alert_days = (uint32_t)atoi(PQgetvalue(r, row, 0));
    return s;
}

int pr_employee_settings_get(hf_store_t *st, Hrflow__V1__EmployeeSettings **out)
{
    const char *p[] = { st->tenant };
    return hf_store_one(st, "SELECT coalesce((SELECT contract_alert_days FROM"
                            " payroll.employee_settings WHERE tenant_id = $1), 30)",
                        1, p, settings_row, out);
}

int pr_employee_settings_set(hf_store_t *st, uint32_t alert_days,
                             Hrflow__V1__EmployeeSettings **out)
{
    const char *p[] = { st->tenant, num(st, alert_days) };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    /* the alerts not yet written move with the setting */
    int rc = hf_db_exec(st->db,
                        "INSERT INTO payroll.employee_settings (tenant_id, contract_alert_days)"
                        " VALUES ($1, $2::int) ON CONFLICT (tenant_id) DO UPDATE"
                        " SET contract_alert_days = EXCLUDED.contract_alert_days,"
                        " update_time = now()",
                        2, p, NULL) < 0 ||
                     hf_db_exec(st->db,
                                "SELECT timers.set('" PR_TIMER_CONTRACT "', $1::text,"
                                " 'contracts/' || c.id, ((c.end_date - $2::int) + time '09:00')"
                                " AT TIME ZONE 'Asia/Shanghai',"
                                " json_build_object('contractId', c.id)::jsonb)"
                                " FROM payroll.contracts c JOIN timers.timer t"
                                " ON t.kind = '" PR_TIMER_CONTRACT "' AND t.tenant_id = $1::text"
                                " AND t.key = 'contracts/' || c.id"
                                " AND t.state = 'pending' WHERE c.tenant_id = $1::uuid",
                                2, p, NULL) < 0
                 ? HF_EDB
                 : HF_OK;
    if (rc == HF_OK)
        rc = pr_employee_settings_get(st, out);
    return hf_store_finish(st, rc);
}

/* ---- onboarding ---- */

int pr_employee_onboard(hf_store_t *st, const char *application_id, const char *candidate_id,
                        const char *company_id, const char *name, const char *phone,
                        int *created)
{
    int ok = 1;
    char *name_enc = seal(st, "employees.name", name, &ok);
    char *phone_enc = seal(st, "employees.phone", phone, &ok);
    if (!ok || !name_enc) {
        free(name_enc);
        free(phone_enc);
        return HF_ENOMEM;
    }
    const char *p[] = { st->tenant, company_id, application_id, candidate_id, name_enc,
                        phone_enc };
    /* the employee number is the hire's until HR gives the real one */
    PGresult *r = hf_db_query(
        st->db,
        "WITH e AS (INSERT INTO payroll.employees (tenant_id, company_id, employee_no, status,"
        " name_enc, phone_enc, application_id, candidate_id) VALUES ($1, $2::uuid,"
        " 'hire-' || $3, 'draft', $5, $6, $3::uuid, $4::uuid)"
        " ON CONFLICT (tenant_id, application_id) WHERE application_id IS NOT NULL DO NOTHING"
        " RETURNING id, company_id, application_id, candidate_id)"
        " INSERT INTO events.outbox (tenant_id, source, type, subject, data)"
        " SELECT $1, " SOURCE ", 'hrflow.payroll.employee.onboarded.v1', 'employees/' || e.id,"
        " json_build_object('employeeId', e.id, 'companyId', e.company_id, 'applicationId',"
        " e.application_id, 'candidateId', e.candidate_id)::jsonb FROM e RETURNING id",
        6, p);
    free(name_enc);
    free(phone_enc);
    if (!r)
        return HF_EDB;
    *created = PQntuples(r) > 0;
    PQclear(r);
    return HF_OK;
}

/* ---- the month of a payroll run ---- */

/* The fen of a sealed amount (a decimal string the store wrote); 0 for none. */
static pr_fen_t fen_of(json_t *v)
{
    pr_fen_t fen = 0;
    const char *s = json_string_value(v);
    return s && pr_money_parse(s, 0, &fen) == PR_MONEY_OK ? fen : 0;
}

/* The sealed object of column col of a row, or NULL (does not open). */
static json_t *sealed_json(hf_store_t *st, PGresult *r, int row, int col, const char *field)
{
    char *plain = opened(st, r, row, col, field);
    return plain ? json_loads(plain, 0, NULL) : NULL;
}

/* e's pay from the sealed compensation j; HF_OK or HF_ENOMEM. */
static int month_pay(hf_store_t *st, json_t *j, pr_employee_month_t *e)
{
    json_t *list = json_object_get(j, "allowances");
    e->has_pay = 1;
    e->base = fen_of(json_object_get(j, "baseSalary"));
    e->n_allowances = json_array_size(list);
    e->allowance_names = hf_store_alloc(st, (e->n_allowances + 1) * sizeof(char *));
    e->allowance_amounts = hf_store_alloc(st, (e->n_allowances + 1) * sizeof(pr_fen_t));
    if (!e->allowance_names || !e->allowance_amounts)
        return HF_ENOMEM;
    for (size_t k = 0; k < e->n_allowances; k++) {
        json_t *a = json_array_get(list, k);
        e->allowance_names[k] = hf_store_strdup(st, json_string_value(json_object_get(a, "name")));
        e->allowance_amounts[k] = fen_of(json_object_get(a, "amount"));
    }
    return HF_OK;
}

/* e's deductions by kind from the sealed tax profile j. */
static void month_deductions(json_t *j, pr_employee_month_t *e)
{
    json_t *list = json_object_get(j, "specialDeductions");
    for (size_t k = 0; k < json_array_size(list); k++) {
        json_t *d = json_array_get(list, k);
        const char *kind = json_string_value(json_object_get(d, "kind"));
        for (size_t x = 0; kind && x < PR_DEDUCTION_KINDS; x++)
            if (!strcmp(kind, pr_deduction_kinds[x]))
                e->deductions[x] = fen_of(json_object_get(d, "amount"));
    }
}

/* Row i of the month's statement into e. */
static int month_row(hf_store_t *st, PGresult *r, int row, pr_employee_month_t *e)
{
    e->id = hf_store_cell(st, r, row, 0);
    e->employee_no = hf_store_cell(st, r, row, 1);
    e->company_id = hf_store_cell(st, r, row, 2);
    e->department = hf_store_cell(st, r, row, 3);
    e->city = hf_store_cell(st, r, row, 4);
    e->status = hf_store_cell(st, r, row, 5);
    e->hire_date = hf_store_cell(st, r, row, 10);
    e->leave_date = hf_store_cell(st, r, row, 11);
    e->grade = hf_store_cell(st, r, row, 12);
    e->position = hf_store_cell(st, r, row, 13);
    int rc = HF_OK;
    if (!PQgetisnull(r, row, 6)) {
        json_t *j = sealed_json(st, r, row, 6, "compensations.amounts");
        rc = j ? month_pay(st, j, e) : HF_EDB;
        json_decref(j);
    }
    if (rc == HF_OK && !PQgetisnull(r, row, 7)) {
        json_t *j = sealed_json(st, r, row, 9, "tax_profiles.deductions");
        e->has_tax = 1;
        e->non_resident = !strcmp(PQgetvalue(r, row, 7), "non_resident");
        e->bonus_merged = !strcmp(PQgetvalue(r, row, 8), "merged");
        if (!j)
            rc = HF_EDB;
        month_deductions(j, e);
        json_decref(j);
    }
    return rc;
}

int pr_employees_month(hf_store_t *st, const char *company, const char *month,
                       pr_employee_month_t **out, size_t *n)
{
    const char *p[] = { st->tenant, company, month };
    PGresult *r = hf_db_query(
        st->db,
        "SELECT e.id, e.employee_no, e.company_id, coalesce(e.department, ''),"
        " coalesce(e.city, ''), e.status, c.amounts_enc, t.residency, t.bonus_tax,"
        " t.deductions_enc, coalesce(e.hire_date::text, ''), coalesce(e.leave_date::text, ''),"
        " coalesce(g.grade, e.grade, ''),"
        " coalesce(e.position, '') FROM payroll.employees e"
        " LEFT JOIN LATERAL (SELECT amounts_enc FROM payroll.compensations x"
        "  WHERE x.tenant_id = e.tenant_id AND x.employee_id = e.id"
        "  AND x.effective_month <= ($3 || '-01')::date"
        "  ORDER BY x.effective_month DESC LIMIT 1) c ON true"
        " LEFT JOIN LATERAL (SELECT residency, bonus_tax, deductions_enc FROM payroll.tax_profiles x"
        "  WHERE x.tenant_id = e.tenant_id AND x.employee_id = e.id"
        "  AND x.effective_month <= ($3 || '-01')::date"
        "  ORDER BY x.effective_month DESC LIMIT 1) t ON true"
        " LEFT JOIN LATERAL (SELECT grade FROM payroll.position_changes x"
        "  WHERE x.tenant_id = e.tenant_id AND x.employee_id = e.id AND x.grade <> ''"
        "  AND x.effective_date < ($3 || '-01')::date + interval '1 month'"
        "  ORDER BY x.effective_date DESC, x.create_time DESC LIMIT 1) g ON true"
        " WHERE e.tenant_id = $1 AND e.company_id = $2::uuid AND e.status <> 'draft'"
        " AND (e.hire_date IS NULL OR e.hire_date < ($3 || '-01')::date + interval '1 month')"
        " AND (e.leave_date IS NULL OR e.leave_date >= ($3 || '-01')::date)"
        " ORDER BY e.employee_no",
        3, p);
    if (!r)
        return HF_EDB;
    size_t rows = (size_t)PQntuples(r);
    pr_employee_month_t *m = hf_store_alloc(st, (rows + 1) * sizeof(*m));
    int rc = m ? HF_OK : HF_ENOMEM;
    for (size_t i = 0; rc == HF_OK && i < rows; i++)
        rc = month_row(st, r, (int)i, &m[i]);
    PQclear(r);
    if (rc == HF_OK) {
        *out = m;
        *n = rows;
    }
    return rc;
}
