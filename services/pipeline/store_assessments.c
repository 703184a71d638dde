/* services/pipeline/store_assessments.c - results, the rules' facts, the screening queue (store.h)
 *
 * Assessments are recorded under their event id (a second copy records
 * nothing), set-based with the rules' decisions; the facts the rules read are
 * one query for a batch; the screening queue is claimed FOR UPDATE SKIP
 * LOCKED; stage timeouts are found once per stay by their event id.
 */
#include "store_private.h"

#include "hf/codec.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/outbox.h"

#include <jansson.h>
#include <math.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- assessments ---- */

/* Kinds that carry a 0-100 score; the others (background_check's result,
 * no_show, stage_timeout) store none. */
int store_kind_scored(const char *kind)
{
    return !strcmp(kind, "screening") || !strcmp(kind, "ai_interview") ||
           !strcmp(kind, "written_test") || !strcmp(kind, "online_assessment");
}

int store_assessments_add_many(hf_store_t *st, size_t n, const char *const *application_ids,
                               const Hrflow__V1__Assessment *const *as,
                               const char *const *decisions, int *fresh)
{
    if (n == 0)
        return HF_OK;
    const char **col = calloc(7 * n, sizeof(char *));
    char (*score)[32] = calloc(n, sizeof(*score));
    char **hints = calloc(n, sizeof(char *));
    int rc = col && score && hints ? HF_OK : HF_EDB;
    for (size_t i = 0; rc == HF_OK && i < n; i++) {
        json_t *h = json_array();
        for (size_t k = 0; h && k < as[i]->n_hints; k++)
            json_array_append_new(h, json_string(as[i]->hints[k]));
        hints[i] = h ? json_dumps(h, JSON_COMPACT) : NULL;
        json_decref(h);
        snprintf(score[i], sizeof(score[i]), "%.6f", as[i]->score);
        col[i] = application_ids[i];
        col[n + i] = as[i]->event_id;
        col[2 * n + i] = as[i]->kind;
        col[3 * n + i] = store_kind_scored(as[i]->kind) ? score[i] : NULL;
        col[4 * n + i] = as[i]->result;
        col[5 * n + i] = hints[i];
        col[6 * n + i] = decisions[i];
        if (!hints[i])
            rc = HF_EDB;
    }
    char *arr[7] = { 0 };
    for (int k = 0; rc == HF_OK && k < 7; k++)
        if (!(arr[k] = hf_db_array(col + (size_t)k * n, n)))
            rc = HF_EDB;
    PGresult *r = NULL;
    if (rc == HF_OK) {
        const char *p[] = { st->tenant, arr[0], arr[1], arr[2], arr[3], arr[4], arr[5], arr[6] };
        r = hf_db_query(st->db,
                        "INSERT INTO pipeline.assessments (tenant_id, application_id, event_id,"
                        " kind, score, result, hints, decisions)"
                        " SELECT $1, a, e, k, s, r, h::jsonb, d::jsonb FROM unnest($2::uuid[],"
                        " $3::text[], $4::text[], $5::float8[], $6::text[], $7::text[], $8::text[])"
                        " AS x(a, e, k, s, r, h, d) ON CONFLICT DO NOTHING"
                        " RETURNING application_id, event_id",
                        8, p);
        if (!r)
            rc = HF_EDB;
    }
    for (size_t i = 0; rc == HF_OK && i < n; i++) {
        fresh[i] = 0;
        for (int k = 0; k < PQntuples(r); k++)
            if (!strcmp(PQgetvalue(r, k, 0), application_ids[i]) &&
                !strcmp(PQgetvalue(r, k, 1), as[i]->event_id))
                fresh[i] = 1;
    }
    PQclear(r);
    for (int k = 0; k < 7; k++)
        free(arr[k]);
    for (size_t i = 0; hints && i < n; i++)
        free(hints[i]);
    free(col), free(score), free(hints);
    return rc;
}

int store_assessment_decisions(hf_store_t *st, const char *application_id,
                               const char *event_id, char **decisions)
{
    const char *q[] = { st->tenant, application_id, event_id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT decisions FROM pipeline.assessments WHERE tenant_id = $1"
                              " AND application_id = $2::uuid AND event_id = $3",
                              3, q);
    if (!r)
        return HF_EDB;
    *decisions = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)
                     ? hf_pb_strdup(&st->alloc, PQgetvalue(r, 0, 0))
                     : NULL;
    PQclear(r);
    return HF_OK;
}

/* Per application: its facts, with the latest result of each assessment
 * kind as a JSON object kind → [score or null, result]. The candidate by
 * primary key (OFFSET 0 keeps it a probe): as a join, a plan prepared while
 * the table was small hashed every candidate for each batch of results. */
#define FACTS_SELECT                                                                           \
    "SELECT a.id, a.candidate_id, a.stage, a.version, " HF_MICROS("a.stage_time") ","              \
    "       a.review_requested_time IS NOT NULL,"                                               \
    "       coalesce(c.body->>'yearsExperience', ''), coalesce(c.body->>'education', ''),"     \
    "       coalesce(c.body->>'source', ''),"                                                    \
    "       coalesce((c.body->'consent'->>'automatedAssessment')::boolean, false),"             \
    "       coalesce((SELECT jsonb_object_agg(l.kind, jsonb_build_array(l.score, l.result))"    \
    "                   FROM (SELECT DISTINCT ON (x.kind) x.kind, x.score, x.result"            \
    "                           FROM pipeline.assessments x"                                   \
    "                          WHERE x.tenant_id = a.tenant_id AND x.application_id = a.id"    \
    "                          ORDER BY x.kind, x.time DESC) l), '{}')::text"                  \
    "  FROM pipeline.applications a"                                                           \
    "  CROSS JOIN LATERAL (SELECT body FROM pipeline.candidates"                               \
    "                       WHERE tenant_id = a.tenant_id AND id = a.candidate_id OFFSET 0) c"

/* Two statements, not one with optional filters: a prepared statement's
 * generic plan cannot use the primary key for "($n = '' OR id = $n)", and
 * the by-id form runs for every result that arrives. */
static const char sql_facts_many[] = FACTS_SELECT
    " WHERE a.tenant_id = $1 AND a.id = ANY ($2::uuid[])";
static const char sql_facts_job[] = FACTS_SELECT
    " WHERE a.tenant_id = $1 AND a.job_id = $2::uuid ORDER BY a.id LIMIT $3::int";

static int facts_rows(PGresult *r, void (*fn)(void *ctx, const store_facts_t *f),
                      void *ctx);

int store_facts(hf_store_t *st, const char *job_id, uint32_t limit,
                void (*fn)(void *ctx, const store_facts_t *f), void *ctx)
{
    char lim[16];
    snprintf(lim, sizeof(lim), "%u", limit ? limit : 1);
    const char *p[] = { st->tenant, job_id, lim };
    return facts_rows(hf_db_query(st->db, sql_facts_job, 3, p), fn, ctx);
}

int store_facts_many(hf_store_t *st, const char *const *application_ids, size_t n,
                     void (*fn)(void *ctx, const store_facts_t *f), void *ctx)
{
    char *arr = hf_db_array(application_ids, n);
    const char *p[] = { st->tenant, arr };
    PGresult *r = arr ? hf_db_query(st->db, sql_facts_many, 2, p) : NULL;
    free(arr);
    return facts_rows(r, fn, ctx);
}

/* Calls fn for each row of a facts query, and clears r. */
static int facts_rows(PGresult *r, void (*fn)(void *ctx, const store_facts_t *f),
                      void *ctx)
{
    if (!r)
        return HF_EDB;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *years = PQgetvalue(r, i, 6);
        store_facts_t f = {
            .application_id = PQgetvalue(r, i, 0),
            .candidate_id = PQgetvalue(r, i, 1),
            .stage = PQgetvalue(r, i, 2),
            .version = strtoll(PQgetvalue(r, i, 3), NULL, 10),
            .stage_time_us = strtoll(PQgetvalue(r, i, 4), NULL, 10),
            .review_requested = PQgetvalue(r, i, 5)[0] == 't',
            .years = *years ? strtod(years, NULL) : NAN,
            .education = PQgetvalue(r, i, 7),
            .source = PQgetvalue(r, i, 8),
            .consent = PQgetvalue(r, i, 9)[0] == 't',
            .latest = PQgetvalue(r, i, 10),
        };
        fn(ctx, &f);
    }
    int rc = PQntuples(r) ? HF_OK : HF_ENOTFOUND;
    PQclear(r);
    return rc;
}

int store_assessment_list(hf_store_t *st, const char *application_id,
                          Hrflow__V1__Assessment ***out, size_t *n)
{
    const char *p[] = { st->tenant, application_id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT kind, score, result, event_id, " HF_MICROS("time") ","
                              " hints::text, coalesce(decisions, '[]')::text"
                              " FROM pipeline.assessments WHERE tenant_id = $1"
                              " AND application_id = $2::uuid ORDER BY time, event_id",
                              2, p);
    if (!r)
        return HF_EDB;
    int rows = PQntuples(r);
    *n = 0;
    *out = hf_store_alloc(st, (size_t)rows * sizeof(void *));
    int rc = *out ? HF_OK : HF_EDB;
    for (int i = 0; rc == HF_OK && i < rows; i++) {
        Hrflow__V1__Assessment *a = hf_store_alloc(st, sizeof(*a));
        json_t *hints = json_loads(PQgetvalue(r, i, 5), 0, NULL);
        json_t *dec = json_loads(PQgetvalue(r, i, 6), 0, NULL);
        if (a) {
            hrflow__v1__assessment__init(a);
            a->kind = hf_pb_strdup(&st->alloc, PQgetvalue(r, i, 0));
            a->score = PQgetisnull(r, i, 1) ? 0 : strtod(PQgetvalue(r, i, 1), NULL);
            a->result = hf_pb_strdup(&st->alloc, PQgetvalue(r, i, 2));
            a->event_id = hf_pb_strdup(&st->alloc, PQgetvalue(r, i, 3));
            a->time = hf_pb_timestamp_micros(&st->alloc, PQgetvalue(r, i, 4));
            a->hints = hf_store_alloc(st, (json_array_size(hints) + 1) * sizeof(char *));
            a->decisions = hf_store_alloc(st, (json_array_size(dec) + 1) * sizeof(void *));
        }
        if (!a || !a->kind || !a->result || !a->event_id || !a->time || !a->hints ||
            !a->decisions)
            rc = HF_EDB;
        size_t k;
        json_t *v;
        json_array_foreach(hints, k, v)
        {
            if (rc == HF_OK && json_is_string(v))
                a->hints[a->n_hints++] = hf_pb_strdup(&st->alloc, json_string_value(v));
        }
        json_array_foreach(dec, k, v)
        {
            Hrflow__V1__RuleDecision *d = rc == HF_OK ? hf_store_alloc(st, sizeof(*d)) : NULL;
            if (!d)
                continue;
            hrflow__v1__rule_decision__init(d);
            d->line = (uint32_t)json_integer_value(json_object_get(v, "line"));
            const char *verdict = json_string_value(json_object_get(v, "verdict"));
            const char *action = json_string_value(json_object_get(v, "action"));
            const char *why = json_string_value(json_object_get(v, "why"));
            d->verdict = hf_pb_strdup(&st->alloc, verdict ? verdict : "");
            d->action = hf_pb_strdup(&st->alloc, action ? action : "");
            d->why = hf_pb_strdup(&st->alloc, why ? why : "");
            a->decisions[a->n_decisions++] = d;
        }
        json_decref(hints);
        json_decref(dec);
        if (rc == HF_OK)
            (*out)[(*n)++] = a;
    }
    PQclear(r);
    return rc;
}

int store_assessment_hints(hf_store_t *st, const char *application_id,
                           void (*fn)(void *ctx, const char *hint), void *ctx)
{
    const char *p[] = { st->tenant, application_id };
    return hf_store_each(st, "SELECT h FROM (SELECT DISTINCT ON (kind) hints"
                             " FROM pipeline.assessments WHERE tenant_id = $1"
                             " AND application_id = $2::uuid ORDER BY kind, time DESC) l,"
                             " jsonb_array_elements_text(l.hints) h",
                         2, p, fn, ctx);
}

int store_review_request(hf_store_t *st, Hrflow__V1__Application *a, const char *reason)
{
    char *sealed = NULL;
    if (reason && *reason &&
        !(sealed = hf_pii_seal_field(st->keys, st->tenant, "applications.review_reason", reason)))
        return HF_EDB;
    if (hf_db_begin(st->db) < 0) {
        free(sealed);
        return HF_EDB;
    }
    /* only the first request writes; the version stays the recruiters' */
    const char *p[] = { st->tenant, a->id, sealed };
    PGresult *r = hf_db_query(st->db,
                              "UPDATE pipeline.applications SET review_requested_time = now(),"
                              " review_reason_enc = $3, update_time = now()"
                              " WHERE tenant_id = $1 AND id = $2::uuid"
                              " AND review_requested_time IS NULL RETURNING " APP_COLS,
                              3, p);
    free(sealed);
    int rc = hf_store_rows(r, 1);
    Hrflow__V1__Application *row = rc == HF_OK ? store_application_row(st, r, 0) : NULL;
    PQclear(r);
    if (rc == HF_ENOTFOUND) { /* one is open already: nothing changes */
        hf_store_finish(st, rc);
        Hrflow__V1__Application *now = NULL;
        if ((rc = store_application_get(st, a->id, &now)) == HF_OK)
            *a = *now;
        return rc;
    }
    if (rc == HF_OK && !row)
        rc = HF_EDB;
    if (rc == HF_OK) {
        json_t *data = json_pack("{s:s, s:s, s:b}", "applicationId", row->id, "stage", row->stage,
                                 "withReason", reason && *reason);
        if (store_application_event(st, row->id, "review_requested", data) != HF_OK)
            rc = HF_EDB;
        row->history = a->history, row->n_history = a->n_history;
        *a = *row;
    }
    return hf_store_finish(st, rc);
}

int store_screening_set_many(hf_store_t *st, const char *const *application_ids, size_t n,
                             const char *state)
{
    char *arr = hf_db_array(application_ids, n);
    const char *p[] = { st->tenant, arr, state };
    int rc = arr ? hf_db_exec(st->db,
                              "UPDATE pipeline.applications SET screening = $3"
                              " WHERE tenant_id = $1 AND id = ANY ($2::uuid[])"
                              "   AND screening IS DISTINCT FROM $3",
                              3, p, NULL)
                 : -1;
    free(arr);
    return rc == 0 ? HF_OK : HF_EDB;
}

int store_screening_set(hf_store_t *st, const char *application_id, const char *state)
{
    return store_screening_set_many(st, &application_id, 1, state);
}

int store_screening_claim(hf_store_t *st, store_pending_t *out, int max)
{
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", max);
    const char *p[] = { lim };
    /* the applications locked (the queue walked in order: migration 0012),
     * then what screening them needs, in one round trip: the job and the
     * candidate of each by primary key (OFFSET 0 keeps them probes). As a
     * join, the plan this connection prepared while the tables were small
     * (before an import) hashed every candidate for each batch: a third of
     * the screeners' database time in a 20 000-row run, growing with the
     * table. */
    PGresult *r = hf_db_query(st->db,
                              "WITH claimed AS (SELECT " APP_COLS ", tenant_id AS tenant"
                              "  FROM pipeline.screening_claim($1::int))"
                              " SELECT x.*, j.body, c.resume_enc FROM claimed x"
                              " CROSS JOIN LATERAL (SELECT body FROM pipeline.jobs"
                              "  WHERE tenant_id = x.tenant AND id = x.job_id OFFSET 0) j"
                              " CROSS JOIN LATERAL (SELECT resume_enc FROM pipeline.candidates"
                              "  WHERE tenant_id = x.tenant AND id = x.candidate_id OFFSET 0) c",
                              1, p);
    if (!r)
        return -1;
    int n = PQntuples(r), got = 0;
    for (int i = 0; i < n && got < max; i++) {
        store_pending_t *o = &out[got];
        snprintf(o->tenant, sizeof(o->tenant), "%s", PQgetvalue(r, i, APP_NCOLS));
        hf_store_t row_st = *st;
        row_st.tenant = o->tenant;
        o->app = store_application_row(&row_st, r, i);
        o->job = (Hrflow__V1__Job *)hf_codec_decode_stored(
            &hrflow__v1__job__descriptor, PQgetvalue(r, i, APP_NCOLS + 1), &st->alloc);
        o->resume = store_pii_open(&row_st, "resume", r, i, APP_NCOLS + 2);
        if (!o->app || !o->job || !o->resume) {
            PQclear(r);
            return -1;
        }
        o->job->id = o->app->job_id;
        got++;
    }
    PQclear(r);
    return got;
}

int store_timeouts_due(hf_store_t *st, const char *job_id, const char *stage,
                       unsigned minutes, unsigned line, uint32_t limit,
                       void (*fn)(void *ctx, const char *application_id), void *ctx)
{
    char mins[16], ln[16], lim[16];
    snprintf(mins, sizeof(mins), "%u", minutes);
    snprintf(ln, sizeof(ln), "%u", line);
    snprintf(lim, sizeof(lim), "%u", limit);
    const char *p[] = { st->tenant, job_id, stage, mins, ln, lim };
    return hf_store_each(st, "SELECT a.id FROM pipeline.applications a"
                             " WHERE a.tenant_id = $1 AND a.job_id = $2::uuid AND a.stage = $3"
                             " AND a.stage_time <= now() - make_interval(mins => $4::int)"
                             " AND NOT EXISTS (SELECT 1 FROM pipeline.assessments x"
                             "  WHERE x.tenant_id = a.tenant_id AND x.application_id = a.id"
                             "  AND x.event_id = 'stage_timeout:' || a.version || ':' || $5)"
                             " ORDER BY a.stage_time LIMIT $6::int",
                         6, p, fn, ctx);
}
