/* services/payroll/schemes_store.c - every statement on pay schemes, their versions and components
 *
 * A scheme row counts its versions (last_version); adding a version bumps
 * that count under the row's lock and inserts the version and all its
 * components in one statement each, in the caller's transaction, so
 * concurrent saves get distinct numbers and a version is never seen
 * without its components. Versions and components are immutable (a trigger
 * in migration 0030 refuses changes). Every statement filters by the
 * caller's tenant and, through HF_SEES_COMPANY, its companies.
 */
#include "schemes_store.h"

#include "hf/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEME_COLS                                                                        \
    "s.id, s.company_id, s.name, s.description, " HF_MICROS("s.create_time") ", "        \
    HF_MICROS("s.update_time")
#define SCHEME_CREATED 4

static void *scheme_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__PayScheme *s = hf_store_alloc(st, sizeof(*s));
    if (!s)
        return NULL;
    hrflow__v1__pay_scheme__init(s);
    s->id = hf_store_cell(st, r, i, 0);
    s->company_id = hf_store_cell(st, r, i, 1);
    s->name = hf_store_cell(st, r, i, 2);
    s->description = hf_store_cell(st, r, i, 3);
    s->create_time = hf_store_time(st, r, i, 4);
    s->update_time = hf_store_time(st, r, i, 5);
    return s->id && s->company_id && s->name && s->description ? s : NULL;
}

#define VERSION_COLS                                                                       \
    "v.version, to_char(v.effective_month, 'YYYY-MM'), v.note, v.actor, "                 \
    HF_MICROS("v.create_time")

static void *version_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__PaySchemeVersion *v = hf_store_alloc(st, sizeof(*v));
    if (!v)
        return NULL;
    hrflow__v1__pay_scheme_version__init(v);
    v->version = atoi(PQgetvalue(r, i, 0));
    v->effective_month = hf_store_cell(st, r, i, 1);
    v->note = hf_store_cell(st, r, i, 2);
    v->actor = hf_store_cell(st, r, i, 3);
    v->create_time = hf_store_time(st, r, i, 4);
    return v->effective_month && v->note && v->actor ? v : NULL;
}

static void *component_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__PayComponent *c = hf_store_alloc(st, sizeof(*c));
    if (!c)
        return NULL;
    hrflow__v1__pay_component__init(c);
    c->name = hf_store_cell(st, r, i, 0);
    c->label = hf_store_cell(st, r, i, 1);
    c->kind = hf_store_cell(st, r, i, 2);
    c->taxable = PQgetvalue(r, i, 3)[0] == 't';
    c->formula = hf_store_cell(st, r, i, 4);
    c->display_order = atoi(PQgetvalue(r, i, 5)) + 1;
    c->type = hf_store_cell(st, r, i, 6);
    c->annual_bonus = PQgetvalue(r, i, 7)[0] == 't';
    return c->name && c->label && c->kind && c->formula && c->type ? c : NULL;
}

/* Version `version` (text) of scheme id and its n components, rows of one statement each. */
static int insert_version(hf_store_t *st, const char *id, const char *version, const char *month,
                          const char *note, Hrflow__V1__PayComponent *const *comps, size_t n)
{
    const char *p[6] = { st->tenant, id, version, month, note ? note : "",
                         st->actor ? st->actor : "system" };
    if (hf_db_exec(st->db,
                   "INSERT INTO payroll.scheme_versions (tenant_id, scheme_id, version,"
                   " effective_month, note, actor) VALUES ($1, $2::uuid, $3::int, $4::date, $5, $6)",
                   6, p, NULL) < 0)
        return HF_EDB;
    const char **names = hf_store_alloc(st, 7 * n * sizeof(char *) + 1);
    if (!names)
        return HF_ENOMEM;
    const char **labels = names + n, **kinds = labels + n, **tax = kinds + n,
               **formulas = tax + n, **types = formulas + n, **annual = types + n;
    for (size_t i = 0; i < n; i++) {
        names[i] = comps[i]->name;
        labels[i] = comps[i]->label;
        kinds[i] = comps[i]->kind;
        tax[i] = comps[i]->taxable ? "t" : "f";
        formulas[i] = comps[i]->formula;
        types[i] = comps[i]->type;
        annual[i] = comps[i]->annual_bonus ? "t" : "f";
    }
    const char *q[10] = { st->tenant, id, version,
                          hf_store_array(st, names, n), hf_store_array(st, labels, n),
                          hf_store_array(st, kinds, n), hf_store_array(st, tax, n),
                          hf_store_array(st, formulas, n), hf_store_array(st, types, n),
                          hf_store_array(st, annual, n) };
    for (int k = 3; k < 10; k++)
        if (!q[k])
            return HF_ENOMEM;
    return hf_db_exec(st->db,
                      "INSERT INTO payroll.scheme_components (tenant_id, scheme_id, version,"
                      " position, name, label, kind, taxable, formula, value_type, annual_bonus)"
                      " SELECT $1, $2::uuid, $3::int, c.ord - 1, c.name, c.label, c.kind,"
                      " c.taxable, c.formula, c.value_type, c.annual_bonus"
                      " FROM unnest($4::text[], $5::text[], $6::text[], $7::boolean[],"
                      " $8::text[], $9::text[], $10::boolean[]) WITH ORDINALITY"
                      " AS c (name, label, kind, taxable, formula, value_type, annual_bonus, ord)",
                      10, q, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

int pr_store_scheme_create(hf_store_t *st, const char *company, const char *name,
                           const char *description, const char *month, const char *note,
                           Hrflow__V1__PayComponent *const *comps, size_t n, const char **id)
{
    const char *p[4] = { st->tenant, company, name, description ? description : "" };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    PGresult *r = hf_db_query(st->db,
                              "INSERT INTO payroll.schemes (tenant_id, company_id, name,"
                              " description) VALUES ($1, $2::uuid, $3, $4)"
                              " ON CONFLICT (tenant_id, company_id, name) DO NOTHING RETURNING id",
                              4, p);
    int rc = r ? (PQntuples(r) == 1 ? HF_OK : HF_EEXISTS) : HF_EDB;
    if (rc == HF_OK && !(*id = hf_store_cell(st, r, 0, 0)))
        rc = HF_ENOMEM;
    PQclear(r);
    if (rc == HF_OK)
        rc = insert_version(st, *id, "1", month, note, comps, n);
    return hf_store_finish(st, rc);
}

int pr_store_scheme_add_version(hf_store_t *st, const char *id, const char *month,
                                const char *note, Hrflow__V1__PayComponent *const *comps,
                                size_t n, int *version)
{
    const char *companies = hf_store_companies(st);
    if (!companies)
        return HF_ENOMEM;
    const char *p[3] = { st->tenant, id, companies };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    PGresult *r = hf_db_query(st->db,
                              "UPDATE payroll.schemes SET last_version = last_version + 1,"
                              " update_time = now() WHERE tenant_id = $1 AND id = $2::uuid"
                              " AND " HF_SEES_COMPANY("company_id", "3") " RETURNING last_version",
                              3, p);
    int rc = hf_store_rows(r, 1);
    const char *v = rc == HF_OK ? hf_store_cell(st, r, 0, 0) : NULL;
    PQclear(r);
    if (rc == HF_OK && !v)
        rc = HF_ENOMEM;
    if (rc == HF_OK)
        rc = insert_version(st, id, v, month, note, comps, n);
    if (rc == HF_OK)
        *version = atoi(v);
    return hf_store_finish(st, rc);
}

/* The version of s chosen as pr_store_scheme_get says, with its components. */
static int load_version(hf_store_t *st, Hrflow__V1__PayScheme *s, const char *month, int version)
{
    char num[16];
    snprintf(num, sizeof(num), "%d", version);
    const char *p[4] = { st->tenant, s->id, num, month ? month : "" };
    int rc = hf_store_one(st,
                          "SELECT " VERSION_COLS " FROM payroll.scheme_versions v"
                          " WHERE v.tenant_id = $1 AND v.scheme_id = $2::uuid"
                          " AND ($3::int = 0 OR v.version = $3::int)"
                          " AND ($3::int > 0 OR $4 = '' OR v.effective_month <= nullif($4, '')::date)"
                          " ORDER BY CASE WHEN $4 = '' THEN NULL ELSE v.effective_month END"
                          " DESC NULLS LAST, v.version DESC LIMIT 1",
                          4, p, version_row, &s->version);
    if (rc != HF_OK)
        return rc;
    snprintf(num, sizeof(num), "%d", (int)s->version->version);
    PGresult *r = hf_db_query(st->db,
                              "SELECT name, label, kind, taxable, formula, position, value_type,"
                              " annual_bonus"
                              " FROM payroll.scheme_components WHERE tenant_id = $1"
                              " AND scheme_id = $2::uuid AND version = $3::int ORDER BY position",
                              3, p);
    return hf_store_all(st, r, component_row, (void ***)&s->version->components,
                        &s->version->n_components);
}

int pr_store_scheme_get(hf_store_t *st, const char *id, const char *month, int version,
                        int all_versions, Hrflow__V1__PayScheme **out)
{
    const char *companies = hf_store_companies(st);
    if (!companies)
        return HF_ENOMEM;
    const char *p[3] = { st->tenant, id, companies };
    Hrflow__V1__PayScheme *s = NULL;
    int rc = hf_store_one(st,
                          "SELECT " SCHEME_COLS " FROM payroll.schemes s WHERE s.tenant_id = $1"
                          " AND s.id = $2::uuid AND " HF_SEES_COMPANY("s.company_id", "3"),
                          3, p, scheme_row, &s);
    if (rc != HF_OK)
        return rc;
    *out = s;
    if (all_versions) {
        PGresult *r = hf_db_query(st->db,
                                  "SELECT " VERSION_COLS " FROM payroll.scheme_versions v"
                                  " WHERE v.tenant_id = $1 AND v.scheme_id = $2::uuid"
                                  " ORDER BY v.version DESC",
                                  2, p);
        if ((rc = hf_store_all(st, r, version_row, (void ***)&s->versions, &s->n_versions)))
            return rc;
    }
    return load_version(st, s, month, version);
}

int pr_store_scheme_list(hf_store_t *st, const char *company, hf_page_t *page,
                         Hrflow__V1__PayScheme ***out, size_t *n)
{
    const char *companies = hf_store_companies(st);
    if (!companies)
        return HF_ENOMEM;
    const char *p[6] = { st->tenant, company ? company : "", companies };
    PGresult *r = hf_page_query(st,
                                "SELECT " SCHEME_COLS " FROM payroll.schemes s"
                                " WHERE s.tenant_id = $1"
                                " AND ($2 = '' OR s.company_id = nullif($2, '')::uuid)"
                                " AND " HF_SEES_COMPANY("s.company_id", "3")
                                " AND (s.create_time, s.id) > ($4::timestamptz, $5::uuid)"
                                " ORDER BY s.create_time, s.id LIMIT $6::int",
                                6, p, SCHEME_CREATED, page);
    int rc = hf_page_rows(st, r, page, scheme_row, (void ***)out, n);
    for (size_t i = 0; rc == HF_OK && i < *n; i++)
        rc = load_version(st, (*out)[i], NULL, 0);
    return rc;
}
