/* services/payroll/social_store.c - every SQL statement of city policies
 *
 * A policy is a row of payroll.city_policies and one row per insurance in
 * payroll.city_policy_items (migrations 0020, 0021). A read fetches the
 * policy with its items folded into one text column, "kind employee_rate
 * employer_rate floor cap fixed rounding" per item, ';' between them, which
 * items_parse() turns into the pr_social_policy_t social.c applies and the
 * messages the API answers. The shipped rows (tenant_id NULL) are every
 * tenant's; a tenant's own row wins for the days it covers. Overlapping
 * periods are refused by the table's exclusion constraint. Cities' minimum
 * wages (payroll.minimum_wages, migration 0074) are statutory data of the
 * same shape, one monthly amount a period, and are read and written here
 * the same way.
 */
#include "social_store.h"

#include "hf/db.h"
#include "hf/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXCLUSION_VIOLATION "23P01"

/* The columns every table of periods (city_policies, minimum_wages) answers
 * first, as period_read() reads them, then its own (extra); the table is p. */
#define PERIOD_COLS(extra)                                                                \
    "p.id, p.city, p.valid_from::text, coalesce(p.valid_until::text, ''), p.source,"      \
    " p.tenant_id IS NULL, " HF_MICROS("p.create_time") ", " extra
#define PERIOD_CREATED 6
/* The statements of a table of periods: a page of those the tenant sees (of
 * city $2 or all), one by id ($2), the one of city $2 covering day $3 (the
 * tenant's own first). */
#define PERIOD_LIST(cols, table)                                                          \
    "SELECT " cols " FROM payroll." table " p WHERE (p.tenant_id = $1 OR p.tenant_id IS NULL)" \
    " AND ($2 = '' OR p.city = $2) AND (p.create_time, p.id) > ($3::timestamptz, $4::uuid)" \
    " ORDER BY p.create_time, p.id LIMIT $5::int"
#define PERIOD_GET(cols, table)                                                           \
    "SELECT " cols " FROM payroll." table " p WHERE (p.tenant_id = $1 OR p.tenant_id IS NULL)" \
    " AND p.id = $2::uuid"
#define PERIOD_FOR(cols, table)                                                           \
    "SELECT " cols " FROM payroll." table " p WHERE (p.tenant_id = $1 OR p.tenant_id IS NULL)" \
    " AND p.city = $2 AND daterange(p.valid_from, p.valid_until, '[]') @> $3::date"       \
    " ORDER BY p.tenant_id IS NULL LIMIT 1"

#define POLICY_COLS                                                                       \
    PERIOD_COLS("(SELECT string_agg(concat_ws(' ', i.kind, i.employee_rate,"              \
                " i.employer_rate, i.base_floor, i.base_cap, i.employee_fixed, i.rounding),"\
                " ';') FROM payroll.city_policy_items i WHERE i.policy_id = p.id)")
#define POLICY_ITEMS 7

/* The items column into *p; -1 when a stored item does not read. */
static int items_parse(const char *text, pr_social_policy_t *p)
{
    memset(p, 0, sizeof(*p));
    char kind[32], rounding[16];
    long long ee, er, fl, cap, fx;
    for (const char *s = text; s && *s;) {
        if (sscanf(s, "%31s %lld %lld %lld %lld %lld %15[a-z_]", kind, &ee, &er, &fl, &cap, &fx,
                   rounding) != 7)
            return -1;
        int k = pr_social_kind_parse(kind), r = pr_social_rounding_parse(rounding);
        if (k < 0 || r < 0)
            return -1;
        p->item[k] = (pr_social_item_t){ 1, ee, er, fl, cap, fx, (pr_social_rounding_t)r };
        s = strchr(s, ';');
        s = s ? s + 1 : NULL;
    }
    return 0;
}

/* "YYYY-MM-DD" as a Date in the arena; NULL for "" or a text that is not one. */
static Hrflow__V1__Date *date_of(hf_store_t *st, const char *s)
{
    int y, m, d;
    if (!s || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return NULL;
    Hrflow__V1__Date *o = hf_store_alloc(st, sizeof(*o));
    if (!o)
        return NULL;
    hrflow__v1__date__init(o);
    o->year = y;
    o->month = m;
    o->day = d;
    return o;
}

static char *money_text(hf_store_t *st, pr_fen_t fen)
{
    char buf[PR_MONEY_TEXT_MAX];
    pr_money_format(fen, buf);
    return hf_store_strdup(st, buf);
}

static char *rate_text(hf_store_t *st, int64_t ppm)
{
    char buf[PR_RATE_TEXT_MAX];
    pr_rate_format(ppm, buf);
    return hf_store_strdup(st, buf);
}

Hrflow__V1__CityPolicyItem **social_items(hf_store_t *st, const pr_social_policy_t *p, size_t *n)
{
    Hrflow__V1__CityPolicyItem **v = hf_store_alloc(st, PR_SOCIAL_KINDS * sizeof(*v));
    *n = 0;
    for (int k = 0; v && k < PR_SOCIAL_KINDS; k++) {
        const pr_social_item_t *it = &p->item[k];
        if (!it->present)
            continue;
        Hrflow__V1__CityPolicyItem *o = hf_store_alloc(st, sizeof(*o));
        if (!o)
            return NULL;
        hrflow__v1__city_policy_item__init(o);
        o->kind = (char *)pr_social_kind_name((pr_social_kind_t)k);
        o->employee_rate = rate_text(st, it->employee_rate);
        o->employer_rate = rate_text(st, it->employer_rate);
        o->base_floor = money_text(st, it->floor);
        o->base_cap = money_text(st, it->cap);
        o->employee_fixed = money_text(st, it->employee_fixed);
        o->rounding = (char *)pr_social_rounding_name(it->rounding);
        if (!o->employee_rate || !o->employer_rate || !o->base_floor || !o->base_cap ||
            !o->employee_fixed)
            return NULL;
        v[(*n)++] = o;
    }
    return v;
}

/* Where a record of a period keeps the fields PERIOD_COLS answers. */
typedef struct {
    char **id, **city, **source;
    Hrflow__V1__Date **from, **until;
    protobuf_c_boolean *shipped;
    Hrflow__V1__Timestamp **created;
} period_t;

/* The period's columns of row into f's fields; 0, or -1 out of memory. */
static int period_read(hf_store_t *st, PGresult *r, int row, period_t f)
{
    *f.id = hf_store_cell(st, r, row, 0);
    *f.city = hf_store_cell(st, r, row, 1);
    *f.from = date_of(st, PQgetvalue(r, row, 2));
    *f.until = date_of(st, PQgetvalue(r, row, 3)); /* NULL when open */
    *f.source = hf_store_cell(st, r, row, 4);
    *f.shipped = PQgetvalue(r, row, 5)[0] == 't';
    *f.created = hf_store_time(st, r, row, PERIOD_CREATED);
    return *f.id && *f.city && *f.from && *f.source ? 0 : -1;
}

static void *policy_row(hf_store_t *st, PGresult *r, int row)
{
    pr_social_policy_t p;
    if (items_parse(PQgetvalue(r, row, POLICY_ITEMS), &p) < 0) {
        hf_logkv(HF_LOG_ERROR, "stored city policy does not read",
                 HF_KV_STR("policy_id", PQgetvalue(r, row, 0)));
        return NULL;
    }
    Hrflow__V1__CityPolicy *o = hf_store_alloc(st, sizeof(*o));
    if (!o)
        return NULL;
    hrflow__v1__city_policy__init(o);
    int bad = period_read(st, r, row, (period_t){ &o->id, &o->city, &o->source, &o->valid_from,
                                                  &o->valid_until, &o->shipped,
                                                  &o->create_time });
    o->items = social_items(st, &p, &o->n_items);
    return !bad && o->items ? o : NULL;
}

int social_policy_list(hf_store_t *st, const char *city, hf_page_t *page,
                       Hrflow__V1__CityPolicy ***out, size_t *n)
{
    const char *p[5] = { st->tenant, city };
    PGresult *r = hf_page_query(st, PERIOD_LIST(POLICY_COLS, "city_policies"), 5, p,
                                PERIOD_CREATED, page);
    return hf_page_rows(st, r, page, policy_row, (void ***)out, n);
}

int social_policy_get(hf_store_t *st, const char *id, Hrflow__V1__CityPolicy **out)
{
    const char *p[] = { st->tenant, id };
    return hf_store_one(st, PERIOD_GET(POLICY_COLS, "city_policies"), 2, p, policy_row, out);
}

/* The statement finding the tenant's row of a table of periods for city
 * ($2) whose period meets [$3, $4]. */
#define OVERLAP_SQL(table)                                                                  \
    "SELECT id FROM payroll." table " WHERE tenant_id = $1 AND city = $2"                    \
    " AND daterange(valid_from, valid_until, '[]') && daterange($3::date, NULLIF($4, '')::date,"\
    " '[]') LIMIT 1"

/* The id of the tenant's row (sql: OVERLAP_SQL) for city whose period
 * meets [from, until]. */
static char *overlapped(hf_store_t *st, const char *sql, const char *city, const char *from,
                        const char *until)
{
    const char *p[] = { st->tenant, city, from, until };
    PGresult *r = hf_db_query(st->db, sql, 4, p);
    char *id = hf_store_rows(r, 1) == HF_OK ? hf_store_cell(st, r, 0, 0) : NULL;
    PQclear(r);
    return id;
}

/* A new row id in the arena, or NULL. */
static const char *new_id(hf_store_t *st)
{
    PGresult *r = hf_db_query(st->db, "SELECT gen_random_uuid()", 0, NULL);
    const char *id = hf_store_rows(r, 1) == HF_OK ? hf_store_cell(st, r, 0, 0) : NULL;
    PQclear(r);
    return id;
}

/* The items of p as the arrays of one INSERT … SELECT FROM unnest(…). */
static int items_insert(hf_store_t *st, const char *policy, const pr_social_policy_t *p)
{
    const char *col[7][PR_SOCIAL_KINDS];
    size_t n = 0;
    for (int k = 0; k < PR_SOCIAL_KINDS; k++) {
        const pr_social_item_t *it = &p->item[k];
        if (!it->present)
            continue;
        col[0][n] = pr_social_kind_name((pr_social_kind_t)k);
        col[1][n] = hf_arena_printf(st->arena, "%lld", (long long)it->employee_rate);
        col[2][n] = hf_arena_printf(st->arena, "%lld", (long long)it->employer_rate);
        col[3][n] = hf_arena_printf(st->arena, "%lld", (long long)it->floor);
        col[4][n] = hf_arena_printf(st->arena, "%lld", (long long)it->cap);
        col[5][n] = hf_arena_printf(st->arena, "%lld", (long long)it->employee_fixed);
        col[6][n] = pr_social_rounding_name(it->rounding);
        n++;
    }
    const char *q[8] = { policy };
    for (int c = 0; c < 7; c++)
        if (!(q[c + 1] = hf_store_array(st, col[c], n)))
            return HF_ENOMEM;
    return hf_db_exec(st->db,
                      "INSERT INTO payroll.city_policy_items (policy_id, kind, employee_rate,"
                      " employer_rate, base_floor, base_cap, employee_fixed, rounding)"
                      " SELECT $1::uuid, * FROM unnest($2::text[], $3::bigint[], $4::bigint[],"
                      " $5::bigint[], $6::bigint[], $7::bigint[], $8::text[])",
                      8, q, NULL) == 0
               ? HF_OK
               : HF_EDB;
}

int social_policy_create(hf_store_t *st, const char *city, const char *from, const char *until,
                         const char *source, const pr_social_policy_t *p,
                         Hrflow__V1__CityPolicy **out, char **other)
{
    *other = NULL;
    const char *id = new_id(st);
    if (!id || hf_db_begin(st->db) < 0)
        return HF_EDB;
    const char *q[] = { id, st->tenant, city, from, until, source };
    char state[6] = "";
    int rc = hf_db_exec(st->db,
                        "INSERT INTO payroll.city_policies (id, tenant_id, city, valid_from,"
                        " valid_until, source) VALUES ($1, $2, $3, $4::date, NULLIF($5, '')::date,"
                        " $6)",
                        6, q, state) == 0
                 ? HF_OK
                 : strcmp(state, EXCLUSION_VIOLATION) == 0 ? HF_ECONFLICT : HF_EDB;
    if (rc == HF_OK)
        rc = items_insert(st, id, p);
    rc = hf_store_finish(st, rc);
    if (rc == HF_ECONFLICT)
        *other = overlapped(st, OVERLAP_SQL("city_policies"), city, from, until);
    return rc == HF_OK ? social_policy_get(st, id, out) : rc;
}

int social_policy_for(hf_store_t *st, const char *city, const char *day, pr_social_policy_t *p,
                      char **id, int *shipped)
{
    const char *q[] = { st->tenant, city, day };
    PGresult *r = hf_db_query(st->db, PERIOD_FOR(POLICY_COLS, "city_policies"), 3, q);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK && items_parse(PQgetvalue(r, 0, POLICY_ITEMS), p) < 0)
        rc = HF_EDB;
    if (rc == HF_OK) {
        *id = hf_store_cell(st, r, 0, 0);
        *shipped = PQgetvalue(r, 0, 5)[0] == 't';
    }
    PQclear(r);
    return rc;
}

/* ---- minimum wages ---- */

#define WAGE_COLS PERIOD_COLS("p.monthly")
#define WAGE_MONTHLY 7

static void *wage_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__MinimumWage *o = hf_store_alloc(st, sizeof(*o));
    if (!o)
        return NULL;
    hrflow__v1__minimum_wage__init(o);
    int bad = period_read(st, r, row, (period_t){ &o->id, &o->city, &o->source, &o->valid_from,
                                                  &o->valid_until, &o->shipped,
                                                  &o->create_time });
    o->monthly = money_text(st, strtoll(PQgetvalue(r, row, WAGE_MONTHLY), NULL, 10));
    return !bad && o->monthly ? o : NULL;
}

int minimum_wage_list(hf_store_t *st, const char *city, hf_page_t *page,
                      Hrflow__V1__MinimumWage ***out, size_t *n)
{
    const char *p[5] = { st->tenant, city };
    PGresult *r = hf_page_query(st, PERIOD_LIST(WAGE_COLS, "minimum_wages"), 5, p,
                                PERIOD_CREATED, page);
    return hf_page_rows(st, r, page, wage_row, (void ***)out, n);
}

int minimum_wage_get(hf_store_t *st, const char *id, Hrflow__V1__MinimumWage **out)
{
    const char *p[] = { st->tenant, id };
    return hf_store_one(st, PERIOD_GET(WAGE_COLS, "minimum_wages"), 2, p, wage_row, out);
}

int minimum_wage_create(hf_store_t *st, const char *city, const char *from, const char *until,
                        pr_fen_t monthly, const char *source, Hrflow__V1__MinimumWage **out,
                        char **other)
{
    *other = NULL;
    const char *id = new_id(st);
    if (!id)
        return HF_EDB;
    const char *q[] = { id, st->tenant, city, from, until,
                        hf_arena_printf(st->arena, "%lld", (long long)monthly), source };
    char state[6] = "";
    int rc = hf_db_exec(st->db,
                        "INSERT INTO payroll.minimum_wages (id, tenant_id, city, valid_from,"
                        " valid_until, monthly, source) VALUES ($1, $2, $3, $4::date,"
                        " NULLIF($5, '')::date, $6::bigint, $7)",
                        7, q, state) == 0
                 ? HF_OK
                 : strcmp(state, EXCLUSION_VIOLATION) == 0 ? HF_ECONFLICT : HF_EDB;
    if (rc == HF_ECONFLICT)
        *other = overlapped(st, OVERLAP_SQL("minimum_wages"), city, from, until);
    return rc == HF_OK ? minimum_wage_get(st, id, out) : rc;
}

int minimum_wage_for(hf_store_t *st, const char *city, const char *day, pr_fen_t *monthly,
                     char **id)
{
    const char *q[] = { st->tenant, city, day };
    PGresult *r = hf_db_query(st->db, PERIOD_FOR(WAGE_COLS, "minimum_wages"), 3, q);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK) {
        *id = hf_store_cell(st, r, 0, 0);
        *monthly = strtoll(PQgetvalue(r, 0, WAGE_MONTHLY), NULL, 10);
        rc = *id ? HF_OK : HF_ENOMEM;
    }
    PQclear(r);
    return rc;
}
