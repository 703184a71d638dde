/* services/payroll/performance_store.c - every statement on review cycles, bands and scores
 *
 * A cycle and its bands are written in one transaction; scores are upserted
 * as one statement over arrays (unnest), so a batch is recorded whole or
 * not at all. Ratings are not stored: performance_handlers.c computes them
 * from the scores (rating.c) whenever they are read, so a late score is
 * always counted. Every statement filters by the caller's tenant and,
 * through HF_SEES_COMPANY, its companies.
 */
#include "performance_store.h"

#include "hf/db.h"
#include "money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CYCLE_COLS                                                                          \
    "c.id, c.company_id, c.name, c.period_start::text, c.period_end::text,"                \
    " to_char(c.payout_month, 'YYYY-MM'), " HF_MICROS("c.create_time")
#define CYCLE_CREATED 6

static void *cycle_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__ReviewCycle *c = hf_store_alloc(st, sizeof(*c));
    if (!c)
        return NULL;
    hrflow__v1__review_cycle__init(c);
    c->id = hf_store_cell(st, r, i, 0);
    c->company_id = hf_store_cell(st, r, i, 1);
    c->name = hf_store_cell(st, r, i, 2);
    c->period_start = hf_store_cell(st, r, i, 3);
    c->period_end = hf_store_cell(st, r, i, 4);
    c->payout_month = hf_store_cell(st, r, i, 5);
    c->create_time = hf_store_time(st, r, i, 6);
    return c->id && c->company_id && c->name && c->period_start && c->period_end &&
                   c->payout_month
               ? c
               : NULL;
}

static char *rate_text(hf_store_t *st, const char *ppm)
{
    char s[PR_RATE_TEXT_MAX];
    pr_rate_format(strtoll(ppm, NULL, 10), s);
    return hf_store_strdup(st, s);
}

static void *band_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__RatingBand *b = hf_store_alloc(st, sizeof(*b));
    if (!b)
        return NULL;
    hrflow__v1__rating_band__init(b);
    b->grade = hf_store_cell(st, r, i, 0);
    b->min_score = rate_text(st, PQgetvalue(r, i, 1));
    b->coefficient = rate_text(st, PQgetvalue(r, i, 2));
    return b->grade && b->min_score && b->coefficient ? b : NULL;
}

static int load_bands(hf_store_t *st, Hrflow__V1__ReviewCycle *c)
{
    const char *p[2] = { st->tenant, c->id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT grade, min_score, coefficient FROM payroll.review_bands"
                              " WHERE tenant_id = $1 AND cycle_id = $2::uuid"
                              " ORDER BY min_score DESC",
                              2, p);
    return hf_store_all(st, r, band_row, (void ***)&c->bands, &c->n_bands);
}

int pr_store_cycle_create(hf_store_t *st, const Hrflow__V1__CreateReviewCycleRequest *r,
                          const char *payout_month, const pr_band_t *bands, size_t n,
                          const char **id)
{
    const char *p[6] = { st->tenant, r->company_id, r->name, r->period_start, r->period_end,
                         payout_month };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    PGresult *q = hf_db_query(st->db,
                              "INSERT INTO payroll.review_cycles (tenant_id, company_id, name,"
                              " period_start, period_end, payout_month)"
                              " VALUES ($1, $2::uuid, $3, $4::date, $5::date, $6::date)"
                              " ON CONFLICT (tenant_id, company_id, payout_month) DO NOTHING"
                              " RETURNING id",
                              6, p);
    int rc = q ? (PQntuples(q) == 1 ? HF_OK : HF_EEXISTS) : HF_EDB;
    if (rc == HF_OK && !(*id = hf_store_cell(st, q, 0, 0)))
        rc = HF_ENOMEM;
    PQclear(q);
    for (size_t i = 0; rc == HF_OK && i < n; i++) {
        const char *b[5] = { st->tenant, *id, bands[i].grade,
                             hf_arena_printf(st->arena, "%lld", (long long)bands[i].min_score),
                             hf_arena_printf(st->arena, "%lld", (long long)bands[i].coef) };
        if (!b[3] || !b[4])
            rc = HF_ENOMEM;
        else if (hf_db_exec(st->db,
                            "INSERT INTO payroll.review_bands (tenant_id, cycle_id, grade,"
                            " min_score, coefficient) VALUES ($1, $2::uuid, $3, $4::bigint,"
                            " $5::bigint)",
                            5, b, NULL) < 0)
            rc = HF_EDB;
    }
    return hf_store_finish(st, rc);
}

int pr_store_cycle_get(hf_store_t *st, const char *id, Hrflow__V1__ReviewCycle **out)
{
    const char *companies = hf_store_companies(st);
    if (!companies)
        return HF_ENOMEM;
    const char *p[3] = { st->tenant, id, companies };
    int rc = hf_store_one(st,
                          "SELECT " CYCLE_COLS " FROM payroll.review_cycles c"
                          " WHERE c.tenant_id = $1 AND c.id = $2::uuid"
                          " AND " HF_SEES_COMPANY("c.company_id", "3"),
                          3, p, cycle_row, out);
    return rc == HF_OK ? load_bands(st, *out) : rc;
}

int pr_store_cycle_list(hf_store_t *st, const char *company, const char *payout_month,
                        hf_page_t *page, Hrflow__V1__ReviewCycle ***out, size_t *n)
{
    const char *companies = hf_store_companies(st);
    if (!companies)
        return HF_ENOMEM;
    const char *p[7] = { st->tenant, company ? company : "", companies,
                         payout_month ? payout_month : "" };
    PGresult *r = hf_page_query(st,
                                "SELECT " CYCLE_COLS " FROM payroll.review_cycles c"
                                " WHERE c.tenant_id = $1"
                                " AND ($2 = '' OR c.company_id = nullif($2, '')::uuid)"
                                " AND " HF_SEES_COMPANY("c.company_id", "3")
                                " AND ($4 = '' OR c.payout_month = nullif($4, '')::date)"
                                " AND (c.create_time, c.id) > ($5::timestamptz, $6::uuid)"
                                " ORDER BY c.create_time, c.id LIMIT $7::int",
                                7, p, CYCLE_CREATED, page);
    int rc = hf_page_rows(st, r, page, cycle_row, (void ***)out, n);
    for (size_t i = 0; rc == HF_OK && i < *n; i++)
        rc = load_bands(st, (*out)[i]);
    return rc;
}

int pr_store_employees_in(hf_store_t *st, const char *company, const char *const *ids, size_t n,
                          int *found)
{
    const char *p[3] = { st->tenant, company, hf_store_array(st, ids, n) };
    if (!p[2])
        return HF_ENOMEM;
    PGresult *r = hf_db_query(st->db,
                              "SELECT id FROM payroll.employees WHERE tenant_id = $1"
                              " AND company_id = $2::uuid AND id = ANY ($3::uuid[])",
                              3, p);
    if (!r)
        return HF_EDB;
    for (size_t i = 0; i < n; i++) {
        found[i] = 0;
        for (int k = 0; k < PQntuples(r) && !found[i]; k++)
            found[i] = !strcmp(PQgetvalue(r, k, 0), ids[i]);
    }
    PQclear(r);
    return HF_OK;
}

int pr_store_scores_record(hf_store_t *st, const char *cycle, const char *const *employees,
                           const char *const *raters, const char *const *weights,
                           const char *const *scores, size_t n)
{
    const char *p[7] = { st->tenant, cycle, hf_store_array(st, employees, n),
                         hf_store_array(st, raters, n), hf_store_array(st, weights, n),
                         hf_store_array(st, scores, n), st->actor ? st->actor : "system" };
    for (int k = 2; k < 6; k++)
        if (!p[k])
            return HF_ENOMEM;
    return hf_db_exec(st->db,
                      "INSERT INTO payroll.review_scores (tenant_id, cycle_id, employee_id,"
                      " rater, weight, score, actor)"
                      " SELECT $1, $2::uuid, s.e, s.r, s.w, s.s, $7"
                      " FROM unnest($3::uuid[], $4::text[], $5::bigint[], $6::bigint[])"
                      " AS s (e, r, w, s)"
                      " ON CONFLICT (tenant_id, cycle_id, employee_id, rater) DO UPDATE"
                      " SET weight = excluded.weight, score = excluded.score,"
                      " actor = excluded.actor, update_time = now()",
                      7, p, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

PGresult *pr_store_cycle_scores(hf_store_t *st, const char *cycle)
{
    const char *p[2] = { st->tenant, cycle };
    return hf_db_query(st->db,
                       "SELECT s.employee_id, e.employee_no, s.rater, s.weight, s.score"
                       " FROM payroll.review_scores s JOIN payroll.employees e"
                       " ON e.tenant_id = s.tenant_id AND e.id = s.employee_id"
                       " WHERE s.tenant_id = $1 AND s.cycle_id = $2::uuid"
                       " ORDER BY e.employee_no, s.employee_id, s.rater",
                       2, p);
}
