/* services/pipeline/store_counts.c - the funnel and the fairness audit: counts over a job's history (store.h)
 *
 * Both are one pass over the job's transitions in SQL, ordered by the job's
 * stage machine (passed in as an array literal), so "reached" and "went on"
 * mean the same thing in the funnel and in the audit.
 */
#include "store_private.h"

#include "hf/codec.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/outbox.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the funnel ---- */

static store_stage_count_t *stage_slot(store_stage_count_t *out, size_t max, size_t *n,
                                       const char *stage)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(out[i].stage, stage))
            return &out[i];
    if (*n >= max)
        return NULL;
    store_stage_count_t *s = &out[(*n)++];
    memset(s, 0, sizeof(*s));
    snprintf(s->stage, sizeof(s->stage), "%s", stage);
    return s;
}

/* The job's ($2) applications `a` of the tenant ($1, the caller's WHERE says
 * so) and each one's transitions `tr`, reached by the transitions' primary
 * key. The LATERAL's OFFSET 0 keeps it a nested loop: joined plainly, the
 * planner read every transition of the tenant and hashed them against the
 * job's applications, so the funnel of a job of 2 000 grew with the tenant
 * (36 ms at 10 000 rows, 120 ms at 100 000; docs/performance.md, "Cost as
 * the database grows"). Used by the funnel and the fairness audit. */
#define JOB_TRANSITIONS                                                                   \
    "pipeline.applications a CROSS JOIN LATERAL"                                          \
    " (SELECT x.application_id, x.seq, x.to_stage, x.time FROM pipeline.transitions x"    \
    "  WHERE x.tenant_id = a.tenant_id AND x.application_id = a.id OFFSET 0) tr"

int store_funnel(hf_store_t *st, const char *job_id, const char *order,
                 store_stage_count_t *out, size_t max, size_t *n)
{
    *n = 0;
    const char *p[] = { st->tenant, job_id };
    /* now: an index-only count over (tenant_id, job_id, stage) */
    PGresult *r = hf_db_query(st->db,
                              "SELECT stage, count(*) FROM pipeline.applications"
                              " WHERE tenant_id = $1 AND job_id = $2::uuid GROUP BY stage",
                              2, p);
    if (!r)
        return HF_EDB;
    for (int i = 0; i < PQntuples(r); i++) {
        store_stage_count_t *s = stage_slot(out, max, n, PQgetvalue(r, i, 0));
        if (s)
            s->current = strtoull(PQgetvalue(r, i, 1), NULL, 10);
    }
    PQclear(r);
    /* ever, the time until each left, and whether it went on to a later stage
     * of the order (the furthest stage it reached lies beyond): one pass over
     * the job's transitions */
    const char *q[] = { st->tenant, job_id, order };
    r = hf_db_query(st->db,
                    "WITH t AS (SELECT tr.application_id, tr.to_stage, tr.time, lead(tr.time) OVER"
                    "   (PARTITION BY tr.application_id ORDER BY tr.seq) AS left_at, o.pos"
                    "   FROM " JOB_TRANSITIONS
                    "   LEFT JOIN unnest($3::text[]) WITH ORDINALITY AS o(stage, pos)"
                    "   ON o.stage = tr.to_stage"
                    "   WHERE a.tenant_id = $1 AND a.job_id = $2::uuid),"
                    " m AS (SELECT application_id, max(pos) AS top FROM t GROUP BY application_id)"
                    " SELECT t.to_stage, count(DISTINCT t.application_id),"
                    " coalesce(avg(extract(epoch FROM t.left_at - t.time)) / 3600, 0),"
                    " count(DISTINCT t.application_id) FILTER (WHERE m.top > t.pos)"
                    " FROM t JOIN m ON m.application_id = t.application_id GROUP BY t.to_stage",
                    3, q);
    if (!r)
        return HF_EDB;
    for (int i = 0; i < PQntuples(r); i++) {
        store_stage_count_t *s = stage_slot(out, max, n, PQgetvalue(r, i, 0));
        if (s) {
            s->reached = strtoull(PQgetvalue(r, i, 1), NULL, 10);
            s->avg_hours = strtod(PQgetvalue(r, i, 2), NULL);
            s->advanced = strtoull(PQgetvalue(r, i, 3), NULL, 10);
        }
    }
    PQclear(r);
    return HF_OK;
}

/* ---- the fairness audit ---- */

int store_audit(hf_store_t *st, const char *job_id, const char *order, const char *column,
                void (*fn)(void *ctx, const char *stage, const char *group, uint64_t entered,
                                  uint64_t selected),
                void *ctx)
{
    /* column is "gender" or "age_band", checked by the caller: never user text */
    char sql[1600];
    snprintf(sql, sizeof(sql),
             "WITH t AS (SELECT tr.application_id, tr.to_stage, c.%s AS grp"
             "   FROM " JOB_TRANSITIONS
             "   JOIN pipeline.candidates c ON c.tenant_id = a.tenant_id AND c.id = a.candidate_id"
             "   WHERE a.tenant_id = $1 AND a.job_id = $2::uuid),"
             " o AS (SELECT stage, pos FROM unnest($3::text[]) WITH ORDINALITY AS o(stage, pos)),"
             " e AS (SELECT DISTINCT t.application_id, t.grp, o.stage, o.pos FROM t"
             "   JOIN o ON o.stage = t.to_stage)"
             " SELECT e1.stage, e1.grp, count(*), count(*) FILTER (WHERE EXISTS"
             "   (SELECT 1 FROM e e2 WHERE e2.application_id = e1.application_id AND e2.pos > e1.pos))"
             " FROM e e1 GROUP BY e1.stage, e1.grp ORDER BY e1.stage, e1.grp",
             column);
    const char *p[] = { st->tenant, job_id, order };
    PGresult *r = hf_db_query(st->db, sql, 3, p);
    if (!r)
        return HF_EDB;
    for (int i = 0; i < PQntuples(r); i++)
        fn(ctx, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), strtoull(PQgetvalue(r, i, 2), NULL, 10),
           strtoull(PQgetvalue(r, i, 3), NULL, 10));
    PQclear(r);
    return HF_OK;
}
