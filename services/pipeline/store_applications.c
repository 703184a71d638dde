/* services/pipeline/store_applications.c - applications: create, read, list, move, events (store.h)
 *
 * An application's moves are set-based (store_application_moves: many in a
 * few statements, one move is its case), each with its transition row and
 * its event in the same transaction; its history is read from the
 * transitions. The status token is derived, never stored.
 */
#include "status_token.h"
#include "store_private.h"

#include "hf/codec.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/outbox.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- applications ---- */

json_t *store_application_event_data(const Hrflow__V1__Application *a)
{
    json_t *j = hf_codec_encode(&a->base);
    if (j)
        json_object_del(j, "statusToken");
    return j;
}

/* The same as compact JSON text (the caller frees), or NULL. */
static char *event_text(const Hrflow__V1__Application *a)
{
    json_t *j = store_application_event_data(a);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return text;
}

char *store_status_token(hf_store_t *st, const char *app)
{
    char out[PL_STATUS_TOKEN_LEN + 1];
    return pl_status_token(st->keys, st->tenant, app, out) == 0 ? hf_pb_strdup(&st->alloc, out)
                                                                : NULL;
}

Hrflow__V1__Application *store_application_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__Application *a = hf_store_alloc(st, sizeof(*a));
    if (!a)
        return NULL;
    hrflow__v1__application__init(a);
    a->id = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 0));
    a->job_id = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 1));
    a->candidate_id = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 2));
    a->stage = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 3));
    a->version = strtoll(PQgetvalue(r, row, 4), NULL, 10);
    a->create_time = hf_pb_timestamp_micros(&st->alloc, PQgetvalue(r, row, 5));
    a->update_time = hf_pb_timestamp_micros(&st->alloc, PQgetvalue(r, row, 6));
    a->screening = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 7));
    a->stage_time = hf_pb_timestamp_micros(&st->alloc, PQgetvalue(r, row, 8));
    if (!PQgetisnull(r, row, 9))
        a->review_requested_time = hf_pb_timestamp_micros(&st->alloc, PQgetvalue(r, row, 9));
    a->status_token = store_status_token(st, a->id ? a->id : "");
    a->company_id = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 10));
    return a->id && a->job_id && a->candidate_id && a->stage && a->create_time &&
                   a->update_time && a->screening && a->stage_time && a->status_token &&
                   a->company_id
               ? a
               : NULL;
}

/* The histories of n applications, in one query. */
static int history_of_many(hf_store_t *st, Hrflow__V1__Application **apps, size_t n)
{
    const char **ids = calloc(n ? n : 1, sizeof(char *));
    if (!ids)
        return HF_EDB;
    for (size_t i = 0; i < n; i++)
        ids[i] = apps[i]->id;
    char *arr = hf_db_array(ids, n);
    free(ids);
    const char *p[] = { st->tenant, arr };
    PGresult *r = arr ? hf_db_query(st->db,
                                    "SELECT application_id, from_stage, to_stage, actor, reason, "
                                    HF_MICROS("time") " FROM pipeline.transitions"
                                    " WHERE tenant_id = $1 AND application_id = ANY ($2::uuid[])"
                                    " ORDER BY application_id, seq",
                                    2, p)
                      : NULL;
    free(arr);
    if (!r)
        return HF_EDB;
    int rows = PQntuples(r);
    int rc = HF_OK;
    for (size_t k = 0; k < n && rc == HF_OK; k++) {
        Hrflow__V1__Application *a = apps[k];
        int count = 0;
        for (int i = 0; i < rows; i++)
            count += !strcmp(PQgetvalue(r, i, 0), a->id);
        a->n_history = 0;
        a->history = hf_store_alloc(st, (size_t)count * sizeof(void *));
        for (int i = 0; a->history && i < rows; i++) {
            if (strcmp(PQgetvalue(r, i, 0), a->id) != 0)
                continue;
            Hrflow__V1__Transition *t = hf_store_alloc(st, sizeof(*t));
            if (!t)
                break;
            hrflow__v1__transition__init(t);
            t->from_stage = hf_pb_strdup(&st->alloc, PQgetvalue(r, i, 1));
            t->to_stage = hf_pb_strdup(&st->alloc, PQgetvalue(r, i, 2));
            t->actor = hf_pb_strdup(&st->alloc, PQgetvalue(r, i, 3));
            t->reason = hf_pb_strdup(&st->alloc, PQgetvalue(r, i, 4));
            t->time = hf_pb_timestamp_micros(&st->alloc, PQgetvalue(r, i, 5));
            a->history[a->n_history++] = t;
        }
        if (!a->history || (int)a->n_history != count)
            rc = HF_EDB;
    }
    PQclear(r);
    return rc;
}

static int history_of(hf_store_t *st, Hrflow__V1__Application *a)
{
    return history_of_many(st, &a, 1);
}

static int transition(hf_store_t *st, const char *app, const char *from, const char *to,
                      const char *actor, const char *reason)
{
    const char *p[] = { st->tenant, app, from, to, actor, reason };
    return hf_db_exec(st->db,
                      "INSERT INTO pipeline.transitions (tenant_id, application_id, from_stage,"
                      " to_stage, actor, reason) VALUES ($1, $2::uuid, $3, $4, $5, $6)",
                      6, p, NULL);
}

int store_application_create(hf_store_t *st, Hrflow__V1__Application *a, const char *actor)
{
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    const char *p[] = { st->tenant, a->job_id, a->candidate_id, a->stage,
                        a->screening ? a->screening : "" };
    PGresult *r = hf_db_query(st->db,
                              "INSERT INTO pipeline.applications (tenant_id, id, job_id,"
                              " candidate_id, stage, screening) VALUES ($1, gen_random_uuid(),"
                              " $2::uuid, $3::uuid, $4, $5) ON CONFLICT (tenant_id, job_id,"
                              " candidate_id) DO NOTHING RETURNING " APP_COLS,
                              5, p);
    int rc = r ? (PQntuples(r) == 1 ? HF_OK : HF_EEXISTS) : HF_EDB;
    Hrflow__V1__Application *row = rc == HF_OK ? store_application_row(st, r, 0) : NULL;
    PQclear(r);
    if (rc == HF_OK && (!row || transition(st, row->id, "", row->stage, actor,
                                              "application created") < 0))
        rc = HF_EDB;
    if (rc == HF_OK && history_of(st, row) != HF_OK)
        rc = HF_EDB;
    if (rc == HF_OK) {
        *a = *row;
        if (store_event_json(st, "hrflow.pipeline.application.created.v1", "applications",
                             a->id, store_application_event_data(a)) < 0)
            rc = HF_EDB;
    }
    return hf_store_finish(st, rc);
}

static void *application_at(hf_store_t *st, PGresult *r, int i)
{
    return store_application_row(st, r, i);
}

int store_application_get(hf_store_t *st, const char *id, Hrflow__V1__Application **out)
{
    const char *p[] = { st->tenant, id };
    int rc = hf_store_one(st, "SELECT " APP_COLS " FROM pipeline.applications"
                              " WHERE tenant_id = $1 AND id = $2::uuid",
                          2, p, application_at, out);
    return rc == HF_OK ? history_of(st, *out) : rc;
}

int store_application_list(hf_store_t *st, const char *job_id, const char *stage,
                           hf_page_t *page, Hrflow__V1__Application ***out, size_t *n)
{
    /* two statements, so each has the plan of its index (a "$3 = '' OR"
     * form would leave the generic plan with neither) */
    const char *p[6] = { st->tenant, job_id, stage };
    PGresult *r = *stage
        ? hf_page_query(st,
                        "SELECT " APP_COLS " FROM pipeline.applications"
                        " WHERE tenant_id = $1 AND job_id = $2::uuid AND stage = $3"
                        " AND (create_time, id) > ($4::timestamptz, $5::uuid)"
                        " ORDER BY create_time, id LIMIT $6::int",
                        6, p, 5, page)
        : hf_page_query(st,
                        "SELECT " APP_COLS " FROM pipeline.applications"
                        " WHERE tenant_id = $1 AND job_id = $2::uuid AND $3 = ''"
                        " AND (create_time, id) > ($4::timestamptz, $5::uuid)"
                        " ORDER BY create_time, id LIMIT $6::int",
                        6, p, 5, page);
    return hf_page_rows(st, r, page, application_at, (void ***)out, n);
}

/* The columns of n moves as PostgreSQL arrays, for unnest. */
typedef struct {
    char *id, *version, *from, *to, *actor, *reason, *screening;
} move_arrays_t;

static void move_arrays_free(move_arrays_t *m)
{
    free(m->id), free(m->version), free(m->from), free(m->to), free(m->actor), free(m->reason);
    free(m->screening);
}

static int move_arrays(const store_move_t *mv, size_t n, move_arrays_t *m)
{
    *m = (move_arrays_t){ 0 };
    const char **col = calloc(7 * (n ? n : 1), sizeof(char *));
    char (*ver)[24] = calloc(n ? n : 1, sizeof(*ver));
    if (!col || !ver) {
        free(col), free(ver);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(ver[i], sizeof(ver[i]), "%lld", (long long)mv[i].app->version);
        col[i] = mv[i].app->id;
        col[n + i] = ver[i];
        col[2 * n + i] = mv[i].app->stage;
        col[3 * n + i] = mv[i].to_stage;
        col[4 * n + i] = mv[i].actor;
        col[5 * n + i] = mv[i].reason ? mv[i].reason : "";
        col[6 * n + i] = mv[i].screening ? mv[i].screening : "";
    }
    m->id = hf_db_array(col, n);
    m->version = hf_db_array(col + n, n);
    m->from = hf_db_array(col + 2 * n, n);
    m->to = hf_db_array(col + 3 * n, n);
    m->actor = hf_db_array(col + 4 * n, n);
    m->reason = hf_db_array(col + 5 * n, n);
    m->screening = hf_db_array(col + 6 * n, n);
    free(col), free(ver);
    return m->id && m->version && m->from && m->to && m->actor && m->reason && m->screening ? 0
                                                                                              : -1;
}

/* Each application moves only if its version is still the one given; the
 * transitions are written by the same statement. A screening state of ''
 * leaves the application's as it is. */
static const char sql_moves[] =
    "WITH m AS (SELECT * FROM unnest($2::uuid[], $3::bigint[], $4::text[], $5::text[],"
    "                                $6::text[], $7::text[], $8::text[]) AS m(id, version,"
    "                                from_stage, to_stage, actor, reason, screening)),"
    " moved AS (UPDATE pipeline.applications a SET stage = m.to_stage,"
    "           version = a.version + 1, update_time = now(), stage_time = now(),"
    "           screening = COALESCE(NULLIF(m.screening, ''), a.screening)"
    "           FROM m WHERE a.tenant_id = $1 AND a.id = m.id AND a.version = m.version"
    "           RETURNING a.*),"
    " t AS (INSERT INTO pipeline.transitions (tenant_id, application_id, from_stage, to_stage,"
    "       actor, reason) SELECT $1, m.id, m.from_stage, m.to_stage, m.actor, m.reason"
    "       FROM m JOIN moved ON moved.id = m.id)"
    " SELECT " APP_COLS " FROM moved";

int store_application_moves(hf_store_t *st, store_move_t *mv, size_t n)
{
    if (n == 0)
        return HF_OK;
    move_arrays_t m;
    if (move_arrays(mv, n, &m) < 0 || hf_db_begin(st->db) < 0) {
        move_arrays_free(&m);
        return HF_EDB;
    }
    const char *p[] = { st->tenant, m.id, m.version, m.from, m.to, m.actor, m.reason, m.screening };
    PGresult *r = hf_db_query(st->db, sql_moves, 8, p);
    move_arrays_free(&m);
    int rc = r ? ((size_t)PQntuples(r) == n ? HF_OK : HF_ECONFLICT) : HF_EDB;
    Hrflow__V1__Application **rows = rc == HF_OK ? hf_store_alloc(st, n * sizeof(void *)) : NULL;
    if (rc == HF_OK && !rows)
        rc = HF_EDB;
    for (size_t i = 0; rc == HF_OK && i < n; i++)
        if (!(rows[i] = store_application_row(st, r, (int)i)))
            rc = HF_EDB;
    PQclear(r);
    if (rc == HF_OK)
        rc = history_of_many(st, rows, n);
    hf_outbox_event_t *ev = rc == HF_OK ? calloc(n, sizeof(*ev)) : NULL;
    char **data = rc == HF_OK ? calloc(n, sizeof(char *)) : NULL;
    char (*subject)[80] = rc == HF_OK ? calloc(n, sizeof(*subject)) : NULL;
    if (rc == HF_OK && (!ev || !data || !subject))
        rc = HF_EDB;
    for (size_t i = 0; rc == HF_OK && i < n; i++) {
        const char *to = rows[i]->stage;
        snprintf(subject[i], sizeof(subject[i]), "applications/%s", rows[i]->id);
        data[i] = event_text(rows[i]);
        ev[i] = (hf_outbox_event_t){ st->tenant, SOURCE,
                                     !strcmp(to, "rejected") ? "hrflow.pipeline.application.rejected.v1"
                                     : !strcmp(to, "hired")  ? "hrflow.pipeline.application.hired.v1"
                                                             : "hrflow.pipeline.application.stage_changed.v1",
                                     subject[i], data[i], st->traceparent };
        if (!data[i])
            rc = HF_EDB;
    }
    if (rc == HF_OK && hf_outbox_append_many(st->db, ev, n) < 0)
        rc = HF_EDB;
    for (size_t i = 0; data && i < n; i++)
        free(data[i]);
    free(data), free(ev), free(subject);
    rc = hf_store_finish(st, rc);
    /* the rows come back in any order: each move gets its own */
    for (size_t i = 0; rc == HF_OK && i < n; i++)
        for (size_t k = 0; k < n; k++)
            if (!strcmp(rows[k]->id, mv[i].app->id)) {
                *mv[i].app = *rows[k];
                break;
            }
    return rc;
}

int store_application_move(hf_store_t *st, Hrflow__V1__Application *a, const char *to_stage,
                           const char *actor, const char *reason)
{
    store_move_t m = { a, to_stage, actor, reason, NULL };
    return store_application_moves(st, &m, 1);
}

int store_application_events(hf_store_t *st, size_t n, const char *const *application_ids,
                             const char *const *whats, json_t *const *data)
{
    hf_outbox_event_t *ev = calloc(n ? n : 1, sizeof(*ev));
    char **text = calloc(n ? n : 1, sizeof(char *));
    char (*type)[96] = calloc(n ? n : 1, sizeof(*type));
    char (*subject)[80] = calloc(n ? n : 1, sizeof(*subject));
    int rc = ev && text && type && subject ? HF_OK : HF_EDB;
    for (size_t i = 0; i < n; i++) {
        text[i] = rc == HF_OK && data[i] ? json_dumps(data[i], JSON_COMPACT) : NULL;
        json_decref(data[i]);
        if (!text[i] && rc == HF_OK)
            rc = HF_EDB;
        if (rc != HF_OK)
            continue;
        snprintf(type[i], sizeof(type[i]), "hrflow.pipeline.application.%s.v1", whats[i]);
        snprintf(subject[i], sizeof(subject[i]), "applications/%s", application_ids[i]);
        ev[i] = (hf_outbox_event_t){ st->tenant, SOURCE, type[i], subject[i], text[i],
                                     st->traceparent };
    }
    if (rc == HF_OK && hf_outbox_append_many(st->db, ev, n) < 0)
        rc = HF_EDB;
    for (size_t i = 0; text && i < n; i++)
        free(text[i]);
    free(ev), free(text), free(type), free(subject);
    return rc;
}

int store_application_event(hf_store_t *st, const char *application_id, const char *what,
                            json_t *data)
{
    return store_application_events(st, 1, &application_id, &what, &data);
}

/* ---- booked interviews ---- */

int store_bookings_apply(PGconn *db, const store_booking_t *b, size_t n, int *applied)
{
    json_t *rows = json_array();
    for (size_t i = 0; rows && i < n; i++) {
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:b}", "i", (json_int_t)i, "t",
                              b[i].tenant, "a", b[i].application, "v", b[i].interview, "c",
                              b[i].company, "s", b[i].start_time, "clear", b[i].clear);
        if (!o || json_array_append_new(rows, o) < 0) {
            json_decref(rows);
            rows = NULL;
        }
        applied[i] = 0;
    }
    char *text = rows ? json_dumps(rows, JSON_COMPACT) : NULL;
    json_decref(rows);
    const char *p[] = { text };
    PGresult *r =
        text ? hf_db_query(db,
                           "WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(i int,"
                           "   t uuid, a uuid, v uuid, c uuid, s timestamptz, clear boolean)),"
                           " ok AS (SELECT x.* FROM x JOIN pipeline.applications a"
                           "   ON a.tenant_id = x.t AND a.id = x.a"
                           "   WHERE pipeline.job_company(a.tenant_id, a.job_id) = x.c),"
                           " last AS (SELECT DISTINCT ON (t, a) * FROM ok ORDER BY t, a, i DESC),"
                           " gone AS (DELETE FROM pipeline.interview_times it USING last"
                           "   WHERE last.clear AND it.tenant_id = last.t"
                           "   AND it.application_id = last.a AND it.interview_id = last.v),"
                           " kept AS (INSERT INTO pipeline.interview_times (tenant_id,"
                           "   application_id, interview_id, start_time)"
                           "   SELECT t, a, v, s FROM last WHERE NOT clear AND s IS NOT NULL"
                           "   ON CONFLICT (tenant_id, application_id) DO UPDATE"
                           "   SET interview_id = EXCLUDED.interview_id,"
                           "   start_time = EXCLUDED.start_time, update_time = now())"
                           " SELECT i FROM ok",
                           1, p)
             : NULL;
    free(text);
    if (!r)
        return HF_EDB;
    for (int k = 0; k < PQntuples(r); k++) {
        long i = atol(PQgetvalue(r, k, 0));
        if (i >= 0 && (size_t)i < n)
            applied[i] = 1;
    }
    PQclear(r);
    return HF_OK;
}

int store_interview_time(hf_store_t *st, const char *application_id,
                         Hrflow__V1__Timestamp **out)
{
    const char *p[] = { st->tenant, application_id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT " HF_MICROS("start_time") " FROM pipeline.interview_times"
                              " WHERE tenant_id = $1 AND application_id = $2::uuid",
                              2, p);
    if (!r)
        return HF_EDB;
    *out = PQntuples(r) ? hf_store_time(st, r, 0, 0) : NULL;
    int rc = PQntuples(r) && !*out ? HF_ENOMEM : HF_OK;
    PQclear(r);
    return rc;
}
