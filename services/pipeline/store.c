/* services/pipeline/store.c - every SQL statement of the pipeline service
 *
 * Output-only fields (ids, versions, stages, times) come from columns, never
 * from a stored body. A candidate's personal data is encrypted with an AAD of
 * "<tenant>:candidates.<column>", so a ciphertext copied to another tenant or
 * column does not decrypt; phone and email are also indexed by keyed hash
 * for deduplication. Changes and their outbox events share a transaction.
 */
#include "store.h"
#include "status_token.h"

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

#define MICROS(col) "(extract(epoch from " col ") * 1000000)::bigint"
#define SOURCE "/hrflow/pipeline"

static void *alloc0(store_t *st, size_t n)
{
    void *p = st->alloc->alloc(st->alloc->allocator_data, n ? n : 1);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

static store_rc_t rc_of(PGresult *r, int rows_wanted)
{
    if (!r)
        return STORE_FAILED;
    store_rc_t rc = PQntuples(r) >= rows_wanted ? STORE_OK : STORE_NOT_FOUND;
    return rc;
}

/* An event about <collection>/<id> in the transaction of the change it
 * describes: data_json as its data. */
static int outbox(store_t *st, const char *type, const char *collection, const char *id,
                  const char *data_json)
{
    char subject[80];
    snprintf(subject, sizeof(subject), "%s/%s", collection, id);
    hf_outbox_event_t e = { st->tenant, SOURCE, type, subject, data_json, st->traceparent };
    return hf_outbox_append(st->db, &e, NULL);
}

/* The same with data as a JSON value, which it consumes (decref'd). */
static int outbox_json(store_t *st, const char *type, const char *collection, const char *id,
                       json_t *data)
{
    char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    int rc = text ? outbox(st, type, collection, id, text) : -1;
    free(text);
    return rc;
}

/* The same, with message m (in its JSON form) as the data. */
static int event(store_t *st, const char *type, const char *collection, const char *id,
                 const ProtobufCMessage *m)
{
    char *data = hf_codec_encode_text(m);
    int rc = data ? outbox(st, type, collection, id, data) : -1;
    free(data);
    return rc;
}

/* Run f inside a transaction: commit when it returns STORE_OK, else roll back. */
static store_rc_t in_tx(store_t *st, store_rc_t rc)
{
    if (rc == STORE_OK && hf_db_commit(st->db) == 0)
        return STORE_OK;
    hf_db_rollback(st->db);
    return rc == STORE_OK ? STORE_FAILED : rc;
}

/* ---- jobs ---- */

#define JOB_COLS "id, version, " MICROS("create_time") ", " MICROS("update_time") ", body"

static Hrflow__V1__Job *job_row(store_t *st, PGresult *r, int row)
{
    Hrflow__V1__Job *j = (Hrflow__V1__Job *)hf_codec_decode_stored(
        &hrflow__v1__job__descriptor, PQgetvalue(r, row, 4), st->alloc);
    if (!j)
        return NULL;
    j->id = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 0));
    j->version = strtoll(PQgetvalue(r, row, 1), NULL, 10);
    j->create_time = hf_pb_timestamp_micros(st->alloc, PQgetvalue(r, row, 2));
    j->update_time = hf_pb_timestamp_micros(st->alloc, PQgetvalue(r, row, 3));
    return j->id && j->create_time && j->update_time ? j : NULL;
}

/* The stored body of a job: without its output-only fields. */
static char *job_body(Hrflow__V1__Job *j)
{
    Hrflow__V1__Job copy = *j;
    copy.id = (char *)protobuf_c_empty_string;
    copy.version = 0;
    copy.create_time = copy.update_time = NULL;
    return hf_codec_encode_text(&copy.base);
}

store_rc_t store_job_create(store_t *st, Hrflow__V1__Job *j)
{
    char *body = job_body(j);
    if (!body || hf_db_begin(st->db) < 0) {
        free(body);
        return STORE_FAILED;
    }
    const char *p[] = { st->tenant, j->company_id, j->status, body };
    PGresult *r = hf_db_query(st->db,
                              "INSERT INTO pipeline.jobs (tenant_id, id, company_id, status, body)"
                              " VALUES ($1, gen_random_uuid(), $2, $3, $4::jsonb)"
                              " RETURNING " JOB_COLS,
                              4, p);
    free(body);
    store_rc_t rc = rc_of(r, 1);
    Hrflow__V1__Job *row = rc == STORE_OK ? job_row(st, r, 0) : NULL;
    PQclear(r);
    if (rc == STORE_OK && !row)
        rc = STORE_FAILED;
    if (rc == STORE_OK) {
        *j = *row;
        if (event(st, "hrflow.pipeline.job.created.v1", "jobs", j->id, &j->base) < 0)
            rc = STORE_FAILED;
    }
    return in_tx(st, rc);
}

store_rc_t store_job_get(store_t *st, const char *id, Hrflow__V1__Job **out)
{
    const char *p[] = { st->tenant, id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT " JOB_COLS " FROM pipeline.jobs"
                              " WHERE tenant_id = $1 AND id = $2::uuid",
                              2, p);
    store_rc_t rc = rc_of(r, 1);
    if (rc == STORE_OK && !(*out = job_row(st, r, 0)))
        rc = STORE_FAILED;
    PQclear(r);
    return rc;
}

/* The rows of a list page (at most page->size; the extra one only says there
 * is more) made into messages by row; r is cleared. */
static store_rc_t page_rows(store_t *st, PGresult *r, const store_page_t *page,
                            void *(*row)(store_t *st, PGresult *r, int i), void ***out, size_t *n)
{
    if (!r)
        return STORE_FAILED;
    size_t rows = (size_t)PQntuples(r) > page->size ? page->size : (size_t)PQntuples(r);
    *out = alloc0(st, rows * sizeof(void *));
    store_rc_t rc = *out ? STORE_OK : STORE_FAILED;
    for (size_t i = 0; rc == STORE_OK && i < rows; i++)
        if (!((*out)[i] = row(st, r, (int)i)))
            rc = STORE_FAILED;
    *n = rows;
    PQclear(r);
    return rc;
}

static void *job_at(store_t *st, PGresult *r, int i)
{
    return job_row(st, r, i);
}

store_rc_t store_job_list(store_t *st, const char *company_id, const char *status,
                          store_page_t *page, Hrflow__V1__Job ***out, size_t *n)
{
    const char *p[5] = { st->tenant, company_id, status };
    PGresult *r = hf_db_page_query(st->db,
                             "SELECT " JOB_COLS " FROM pipeline.jobs WHERE tenant_id = $1"
                             " AND ($2 = '' OR company_id = $2::uuid) AND ($3 = '' OR status = $3)"
                             " AND id > $4::uuid ORDER BY id LIMIT $5::int",
                             5, p, page);
    return page_rows(st, r, page, job_at, (void ***)out, n);
}

store_rc_t store_job_update(store_t *st, Hrflow__V1__Job *j)
{
    char *body = job_body(j);
    char version[24];
    snprintf(version, sizeof(version), "%lld", (long long)j->version);
    if (!body || hf_db_begin(st->db) < 0) {
        free(body);
        return STORE_FAILED;
    }
    const char *p[] = { st->tenant, j->id, version, j->status, body };
    PGresult *r = hf_db_query(st->db,
                              "UPDATE pipeline.jobs SET status = $4, body = $5::jsonb,"
                              " version = version + 1, update_time = now()"
                              " WHERE tenant_id = $1 AND id = $2::uuid AND version = $3::bigint"
                              " RETURNING " JOB_COLS,
                              5, p);
    free(body);
    store_rc_t rc = rc_of(r, 1);
    Hrflow__V1__Job *row = rc == STORE_OK ? job_row(st, r, 0) : NULL;
    PQclear(r);
    if (rc == STORE_NOT_FOUND) {
        Hrflow__V1__Job *now = NULL;
        rc = store_job_get(st, j->id, &now) == STORE_OK ? STORE_CONFLICT : STORE_NOT_FOUND;
    } else if (rc == STORE_OK && !row) {
        rc = STORE_FAILED;
    }
    if (rc == STORE_OK) {
        *j = *row;
        if (event(st, "hrflow.pipeline.job.updated.v1", "jobs", j->id, &j->base) < 0)
            rc = STORE_FAILED;
    }
    return in_tx(st, rc);
}

/* ---- candidates ---- */

/* Encrypt a field (NULL for an empty one). The caller frees. */
char *store_pii_seal(const hf_keyring_t *keys, const char *tenant, const char *column,
                     const char *plain)
{
    if (!plain || !*plain)
        return NULL;
    char aad[96], *out = NULL;
    snprintf(aad, sizeof(aad), "%s:candidates.%s", tenant, column);
    return hf_pii_encrypt(keys, plain, strlen(plain), aad, &out) == 0 ? out : NULL;
}

static char *seal(store_t *st, const char *column, const char *plain)
{
    return store_pii_seal(st->keys, st->tenant, column, plain);
}

int store_pii_index(const hf_keyring_t *keys, const char *tenant, const char *what,
                    const char *norm, char out[65])
{
    char ctx[80];
    snprintf(ctx, sizeof(ctx), "%s:%s", tenant, what);
    return hf_pii_index(keys, ctx, norm, out);
}

void store_candidate_open(const Hrflow__V1__Candidate *c, Hrflow__V1__Candidate *open)
{
    *open = *c;
    open->name = open->phone = open->email = open->resume = (char *)protobuf_c_empty_string;
    open->gender = open->age_band = (char *)protobuf_c_empty_string; /* own columns */
    open->id = (char *)protobuf_c_empty_string;
    open->create_time = NULL;
}

/* Decrypt a field into the store's allocator ("" for NULL). */
static char *open_field(store_t *st, const char *column, PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return hf_pb_strdup(st->alloc, "");
    char aad[96], *plain = NULL;
    size_t len = 0;
    snprintf(aad, sizeof(aad), "%s:candidates.%s", st->tenant, column);
    if (hf_pii_decrypt(st->keys, PQgetvalue(r, row, col), aad, &plain, &len) < 0) {
        hf_logkv(HF_LOG_ERROR, "a candidate field does not decrypt", HF_KV_STR("column", column));
        return NULL;
    }
    char *out = hf_pb_strdup(st->alloc, plain);
    OPENSSL_cleanse(plain, len);
    free(plain);
    return out;
}

#define CAND_COLS "id, " MICROS("create_time") ", body, name_enc, phone_enc, email_enc, resume_enc, " \
                  "gender, age_band"

static Hrflow__V1__Candidate *candidate_row(store_t *st, PGresult *r, int row)
{
    Hrflow__V1__Candidate *c = (Hrflow__V1__Candidate *)hf_codec_decode_stored(
        &hrflow__v1__candidate__descriptor, PQgetvalue(r, row, 2), st->alloc);
    if (!c)
        return NULL;
    c->id = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 0));
    c->create_time = hf_pb_timestamp_micros(st->alloc, PQgetvalue(r, row, 1));
    c->name = open_field(st, "name", r, row, 3);
    c->phone = open_field(st, "phone", r, row, 4);
    c->email = open_field(st, "email", r, row, 5);
    c->resume = open_field(st, "resume", r, row, 6);
    c->gender = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 7));
    c->age_band = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 8));
    return c->id && c->create_time && c->name && c->phone && c->email && c->resume ? c : NULL;
}

/* The existing candidate with one of these keys, or STORE_NOT_FOUND. */
static store_rc_t candidate_find(store_t *st, const char *phone_idx, const char *email_idx,
                                 const char *external_id, Hrflow__V1__Candidate **out,
                                 char matched[16])
{
    const char *p[] = { st->tenant, phone_idx, email_idx, external_id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT " CAND_COLS ", CASE WHEN phone_idx = $2 THEN 'phone'"
                              " WHEN email_idx = $3 THEN 'email' ELSE 'externalId' END"
                              " FROM pipeline.candidates WHERE tenant_id = $1"
                              " AND (phone_idx = $2 OR email_idx = $3 OR external_id = $4)"
                              " ORDER BY create_time, id LIMIT 1",
                              4, p);
    store_rc_t rc = rc_of(r, 1);
    if (rc == STORE_OK && !(*out = candidate_row(st, r, 0)))
        rc = STORE_FAILED;
    if (rc == STORE_OK && matched)
        snprintf(matched, 16, "%s", PQgetvalue(r, 0, 9));
    PQclear(r);
    return rc;
}

store_rc_t store_candidate_create(store_t *st, Hrflow__V1__Candidate *c,
                                  Hrflow__V1__Candidate **out)
{
    char norm[320], phone_idx[65] = "", email_idx[65] = "";
    if (*c->phone && hf_pii_normalize_phone(c->phone, norm, sizeof(norm)) == 0)
        store_pii_index(st->keys, st->tenant, "phone", norm, phone_idx);
    if (*c->email && hf_pii_normalize_email(c->email, norm, sizeof(norm)) == 0)
        store_pii_index(st->keys, st->tenant, "email", norm, email_idx);
    const char *ext = *c->external_id ? c->external_id : NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        char matched[16];
        store_rc_t rc = candidate_find(st, *phone_idx ? phone_idx : NULL,
                                       *email_idx ? email_idx : NULL, ext, out, matched);
        if (rc == STORE_OK) {
            /* the same person again (another company, another source): one
             * candidate, and integrators hear which record this one joined */
            (*out)->deduplicated = 1;
            json_t *data = json_pack("{s:s, s:s, s:s}", "candidateId", (*out)->id, "matchedOn",
                                     matched, "source", c->source ? c->source : "");
            return outbox_json(st, "hrflow.pipeline.candidate.merged.v1", "candidates",
                               (*out)->id, data) == 0
                       ? STORE_OK
                       : STORE_FAILED;
        }
        if (rc != STORE_NOT_FOUND)
            return rc;
        /* the body keeps what is not personal data */
        Hrflow__V1__Candidate open;
        store_candidate_open(c, &open);
        char *body = hf_codec_encode_text(&open.base);
        char *name = seal(st, "name", c->name), *phone = seal(st, "phone", c->phone);
        char *email = seal(st, "email", c->email), *resume = seal(st, "resume", c->resume);
        rc = body && name && (phone || !*c->phone) && (email || !*c->email) &&
                     (resume || !*c->resume) && hf_db_begin(st->db) == 0
                 ? STORE_OK
                 : STORE_FAILED;
        PGresult *r = NULL;
        if (rc == STORE_OK) {
            const char *p[] = { st->tenant, name, phone, email, resume,
                                *phone_idx ? phone_idx : NULL, *email_idx ? email_idx : NULL,
                                ext, body, c->gender, c->age_band };
            r = hf_db_query(st->db,
                            "INSERT INTO pipeline.candidates (tenant_id, id, name_enc, phone_enc,"
                            " email_enc, resume_enc, phone_idx, email_idx, external_id, body,"
                            " gender, age_band) VALUES ($1, gen_random_uuid(), $2, $3, $4, $5, $6,"
                            " $7, $8, $9::jsonb, $10, $11)"
                            " ON CONFLICT DO NOTHING RETURNING " CAND_COLS,
                            11, p);
            rc = rc_of(r, 1);
        }
        free(body), free(name), free(phone), free(email), free(resume);
        if (rc == STORE_NOT_FOUND) { /* a concurrent insert took a key: find it */
            PQclear(r);
            hf_db_rollback(st->db);
            continue;
        }
        if (rc == STORE_OK && !(*out = candidate_row(st, r, 0)))
            rc = STORE_FAILED;
        PQclear(r);
        if (rc == STORE_OK) {
            /* the event names the candidate, never its personal data */
            Hrflow__V1__Candidate ev = HRFLOW__V1__CANDIDATE__INIT;
            ev.id = (*out)->id;
            ev.source = (*out)->source;
            if (event(st, "hrflow.pipeline.candidate.created.v1", "candidates", ev.id,
                      &ev.base) < 0)
                rc = STORE_FAILED;
        }
        return in_tx(st, rc);
    }
    return STORE_CONFLICT;
}

store_rc_t store_candidate_get(store_t *st, const char *id, Hrflow__V1__Candidate **out)
{
    const char *p[] = { st->tenant, id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT " CAND_COLS " FROM pipeline.candidates"
                              " WHERE tenant_id = $1 AND id = $2::uuid",
                              2, p);
    store_rc_t rc = rc_of(r, 1);
    if (rc == STORE_OK && !(*out = candidate_row(st, r, 0)))
        rc = STORE_FAILED;
    PQclear(r);
    return rc;
}

/* ---- applications ---- */

#define APP_COLS "id, job_id, candidate_id, stage, version, " MICROS("create_time") ", " \
                 MICROS("update_time") ", screening, " MICROS("stage_time") ", "        \
                 MICROS("review_requested_time")

char *store_status_token(store_t *st, const char *app)
{
    char out[PL_STATUS_TOKEN_LEN + 1];
    return pl_status_token(st->keys, st->tenant, app, out) == 0 ? hf_pb_strdup(st->alloc, out)
                                                                : NULL;
}

static Hrflow__V1__Application *application_row(store_t *st, PGresult *r, int row)
{
    Hrflow__V1__Application *a = alloc0(st, sizeof(*a));
    if (!a)
        return NULL;
    hrflow__v1__application__init(a);
    a->id = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 0));
    a->job_id = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 1));
    a->candidate_id = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 2));
    a->stage = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 3));
    a->version = strtoll(PQgetvalue(r, row, 4), NULL, 10);
    a->create_time = hf_pb_timestamp_micros(st->alloc, PQgetvalue(r, row, 5));
    a->update_time = hf_pb_timestamp_micros(st->alloc, PQgetvalue(r, row, 6));
    a->screening = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 7));
    a->stage_time = hf_pb_timestamp_micros(st->alloc, PQgetvalue(r, row, 8));
    if (!PQgetisnull(r, row, 9))
        a->review_requested_time = hf_pb_timestamp_micros(st->alloc, PQgetvalue(r, row, 9));
    a->status_token = store_status_token(st, a->id ? a->id : "");
    return a->id && a->job_id && a->candidate_id && a->stage && a->create_time &&
                   a->update_time && a->screening && a->stage_time && a->status_token
               ? a
               : NULL;
}

/* The histories of n applications, in one query. */
static store_rc_t history_of_many(store_t *st, Hrflow__V1__Application **apps, size_t n)
{
    const char **ids = calloc(n ? n : 1, sizeof(char *));
    if (!ids)
        return STORE_FAILED;
    for (size_t i = 0; i < n; i++)
        ids[i] = apps[i]->id;
    char *arr = hf_db_array(ids, n);
    free(ids);
    const char *p[] = { st->tenant, arr };
    PGresult *r = arr ? hf_db_query(st->db,
                                    "SELECT application_id, from_stage, to_stage, actor, reason, "
                                    MICROS("time") " FROM pipeline.transitions"
                                    " WHERE tenant_id = $1 AND application_id = ANY ($2::uuid[])"
                                    " ORDER BY application_id, seq",
                                    2, p)
                      : NULL;
    free(arr);
    if (!r)
        return STORE_FAILED;
    int rows = PQntuples(r);
    store_rc_t rc = STORE_OK;
    for (size_t k = 0; k < n && rc == STORE_OK; k++) {
        Hrflow__V1__Application *a = apps[k];
        int count = 0;
        for (int i = 0; i < rows; i++)
            count += !strcmp(PQgetvalue(r, i, 0), a->id);
        a->n_history = 0;
        a->history = alloc0(st, (size_t)count * sizeof(void *));
        for (int i = 0; a->history && i < rows; i++) {
            if (strcmp(PQgetvalue(r, i, 0), a->id) != 0)
                continue;
            Hrflow__V1__Transition *t = alloc0(st, sizeof(*t));
            if (!t)
                break;
            hrflow__v1__transition__init(t);
            t->from_stage = hf_pb_strdup(st->alloc, PQgetvalue(r, i, 1));
            t->to_stage = hf_pb_strdup(st->alloc, PQgetvalue(r, i, 2));
            t->actor = hf_pb_strdup(st->alloc, PQgetvalue(r, i, 3));
            t->reason = hf_pb_strdup(st->alloc, PQgetvalue(r, i, 4));
            t->time = hf_pb_timestamp_micros(st->alloc, PQgetvalue(r, i, 5));
            a->history[a->n_history++] = t;
        }
        if (!a->history || (int)a->n_history != count)
            rc = STORE_FAILED;
    }
    PQclear(r);
    return rc;
}

static store_rc_t history_of(store_t *st, Hrflow__V1__Application *a)
{
    return history_of_many(st, &a, 1);
}

static int transition(store_t *st, const char *app, const char *from, const char *to,
                      const char *actor, const char *reason)
{
    const char *p[] = { st->tenant, app, from, to, actor, reason };
    return hf_db_exec(st->db,
                      "INSERT INTO pipeline.transitions (tenant_id, application_id, from_stage,"
                      " to_stage, actor, reason) VALUES ($1, $2::uuid, $3, $4, $5, $6)",
                      6, p, NULL);
}

store_rc_t store_application_create(store_t *st, Hrflow__V1__Application *a, const char *actor)
{
    if (hf_db_begin(st->db) < 0)
        return STORE_FAILED;
    const char *p[] = { st->tenant, a->job_id, a->candidate_id, a->stage,
                        a->screening ? a->screening : "" };
    PGresult *r = hf_db_query(st->db,
                              "INSERT INTO pipeline.applications (tenant_id, id, job_id,"
                              " candidate_id, stage, screening) VALUES ($1, gen_random_uuid(),"
                              " $2::uuid, $3::uuid, $4, $5) ON CONFLICT (tenant_id, job_id,"
                              " candidate_id) DO NOTHING RETURNING " APP_COLS,
                              5, p);
    store_rc_t rc = r ? (PQntuples(r) == 1 ? STORE_OK : STORE_EXISTS) : STORE_FAILED;
    Hrflow__V1__Application *row = rc == STORE_OK ? application_row(st, r, 0) : NULL;
    PQclear(r);
    if (rc == STORE_OK && (!row || transition(st, row->id, "", row->stage, actor,
                                              "application created") < 0))
        rc = STORE_FAILED;
    if (rc == STORE_OK && history_of(st, row) != STORE_OK)
        rc = STORE_FAILED;
    if (rc == STORE_OK) {
        *a = *row;
        if (event(st, "hrflow.pipeline.application.created.v1", "applications", a->id,
                  &a->base) < 0)
            rc = STORE_FAILED;
    }
    return in_tx(st, rc);
}

store_rc_t store_application_get(store_t *st, const char *id, Hrflow__V1__Application **out)
{
    const char *p[] = { st->tenant, id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT " APP_COLS " FROM pipeline.applications"
                              " WHERE tenant_id = $1 AND id = $2::uuid",
                              2, p);
    store_rc_t rc = rc_of(r, 1);
    if (rc == STORE_OK && !(*out = application_row(st, r, 0)))
        rc = STORE_FAILED;
    PQclear(r);
    return rc == STORE_OK ? history_of(st, *out) : rc;
}

static void *application_at(store_t *st, PGresult *r, int i)
{
    return application_row(st, r, i);
}

store_rc_t store_application_list(store_t *st, const char *job_id, const char *stage,
                                  store_page_t *page, Hrflow__V1__Application ***out, size_t *n)
{
    const char *p[5] = { st->tenant, job_id, stage };
    PGresult *r = hf_db_page_query(st->db,
                             "SELECT " APP_COLS " FROM pipeline.applications"
                             " WHERE tenant_id = $1 AND job_id = $2::uuid AND ($3 = '' OR stage = $3)"
                             " AND id > $4::uuid ORDER BY id LIMIT $5::int",
                             5, p, page);
    return page_rows(st, r, page, application_at, (void ***)out, n);
}

/* The columns of n moves as PostgreSQL arrays, for unnest. */
typedef struct {
    char *id, *version, *from, *to, *actor, *reason;
} move_arrays_t;

static void move_arrays_free(move_arrays_t *m)
{
    free(m->id), free(m->version), free(m->from), free(m->to), free(m->actor), free(m->reason);
}

static int move_arrays(const store_move_t *mv, size_t n, move_arrays_t *m)
{
    *m = (move_arrays_t){ 0 };
    const char **col = calloc(6 * (n ? n : 1), sizeof(char *));
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
    }
    m->id = hf_db_array(col, n);
    m->version = hf_db_array(col + n, n);
    m->from = hf_db_array(col + 2 * n, n);
    m->to = hf_db_array(col + 3 * n, n);
    m->actor = hf_db_array(col + 4 * n, n);
    m->reason = hf_db_array(col + 5 * n, n);
    free(col), free(ver);
    return m->id && m->version && m->from && m->to && m->actor && m->reason ? 0 : -1;
}

/* Each application moves only if its version is still the one given; the
 * transitions are written by the same statement. */
static const char sql_moves[] =
    "WITH m AS (SELECT * FROM unnest($2::uuid[], $3::bigint[], $4::text[], $5::text[],"
    "                                $6::text[], $7::text[]) AS m(id, version, from_stage,"
    "                                to_stage, actor, reason)),"
    " moved AS (UPDATE pipeline.applications a SET stage = m.to_stage,"
    "           version = a.version + 1, update_time = now(), stage_time = now()"
    "           FROM m WHERE a.tenant_id = $1 AND a.id = m.id AND a.version = m.version"
    "           RETURNING a.*),"
    " t AS (INSERT INTO pipeline.transitions (tenant_id, application_id, from_stage, to_stage,"
    "       actor, reason) SELECT $1, m.id, m.from_stage, m.to_stage, m.actor, m.reason"
    "       FROM m JOIN moved ON moved.id = m.id)"
    " SELECT " APP_COLS " FROM moved";

store_rc_t store_application_moves(store_t *st, store_move_t *mv, size_t n)
{
    if (n == 0)
        return STORE_OK;
    move_arrays_t m;
    if (move_arrays(mv, n, &m) < 0 || hf_db_begin(st->db) < 0) {
        move_arrays_free(&m);
        return STORE_FAILED;
    }
    const char *p[] = { st->tenant, m.id, m.version, m.from, m.to, m.actor, m.reason };
    PGresult *r = hf_db_query(st->db, sql_moves, 7, p);
    move_arrays_free(&m);
    store_rc_t rc = r ? ((size_t)PQntuples(r) == n ? STORE_OK : STORE_CONFLICT) : STORE_FAILED;
    Hrflow__V1__Application **rows = rc == STORE_OK ? alloc0(st, n * sizeof(void *)) : NULL;
    if (rc == STORE_OK && !rows)
        rc = STORE_FAILED;
    for (size_t i = 0; rc == STORE_OK && i < n; i++)
        if (!(rows[i] = application_row(st, r, (int)i)))
            rc = STORE_FAILED;
    PQclear(r);
    if (rc == STORE_OK)
        rc = history_of_many(st, rows, n);
    hf_outbox_event_t *ev = rc == STORE_OK ? calloc(n, sizeof(*ev)) : NULL;
    char **data = rc == STORE_OK ? calloc(n, sizeof(char *)) : NULL;
    char (*subject)[80] = rc == STORE_OK ? calloc(n, sizeof(*subject)) : NULL;
    if (rc == STORE_OK && (!ev || !data || !subject))
        rc = STORE_FAILED;
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        const char *to = rows[i]->stage;
        snprintf(subject[i], sizeof(subject[i]), "applications/%s", rows[i]->id);
        data[i] = hf_codec_encode_text(&rows[i]->base);
        ev[i] = (hf_outbox_event_t){ st->tenant, SOURCE,
                                     !strcmp(to, "rejected") ? "hrflow.pipeline.application.rejected.v1"
                                     : !strcmp(to, "hired")  ? "hrflow.pipeline.application.hired.v1"
                                                             : "hrflow.pipeline.application.stage_changed.v1",
                                     subject[i], data[i], st->traceparent };
        if (!data[i])
            rc = STORE_FAILED;
    }
    if (rc == STORE_OK && hf_outbox_append_many(st->db, ev, n) < 0)
        rc = STORE_FAILED;
    for (size_t i = 0; data && i < n; i++)
        free(data[i]);
    free(data), free(ev), free(subject);
    rc = in_tx(st, rc);
    /* the rows come back in any order: each move gets its own */
    for (size_t i = 0; rc == STORE_OK && i < n; i++)
        for (size_t k = 0; k < n; k++)
            if (!strcmp(rows[k]->id, mv[i].app->id)) {
                *mv[i].app = *rows[k];
                break;
            }
    return rc;
}

store_rc_t store_application_move(store_t *st, Hrflow__V1__Application *a, const char *to_stage,
                                  const char *actor, const char *reason)
{
    store_move_t m = { a, to_stage, actor, reason };
    return store_application_moves(st, &m, 1);
}

/* ---- imports ---- */

#define IMPORT_COLS "id, job_id, status, processed, created, duplicates, failed, errors, " \
                    "fatal_error, " MICROS("create_time") ", " MICROS("update_time")

static Hrflow__V1__ImportJob *import_row(store_t *st, PGresult *r, int row)
{
    Hrflow__V1__ImportJob *j = alloc0(st, sizeof(*j));
    if (!j)
        return NULL;
    hrflow__v1__import_job__init(j);
    j->id = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 0));
    j->job_id = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 1));
    j->status = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 2));
    j->processed = strtoull(PQgetvalue(r, row, 3), NULL, 10);
    j->created = strtoull(PQgetvalue(r, row, 4), NULL, 10);
    j->duplicates = strtoull(PQgetvalue(r, row, 5), NULL, 10);
    j->failed = strtoull(PQgetvalue(r, row, 6), NULL, 10);
    json_t *errs = json_loads(PQgetvalue(r, row, 7), 0, NULL);
    size_t n = json_array_size(errs);
    j->errors = alloc0(st, n * sizeof(void *));
    for (size_t i = 0; j->errors && i < n; i++) {
        json_t *e = json_array_get(errs, i);
        Hrflow__V1__ImportError *x = alloc0(st, sizeof(*x));
        if (!x)
            break;
        hrflow__v1__import_error__init(x);
        x->row = (uint64_t)json_integer_value(json_object_get(e, "row"));
        x->field = hf_pb_strdup(st->alloc, json_string_value(json_object_get(e, "field")) ?: "");
        x->message = hf_pb_strdup(st->alloc, json_string_value(json_object_get(e, "message")) ?: "");
        j->errors[j->n_errors++] = x;
    }
    json_decref(errs);
    j->fatal_error = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 8));
    j->create_time = hf_pb_timestamp_micros(st->alloc, PQgetvalue(r, row, 9));
    j->update_time = hf_pb_timestamp_micros(st->alloc, PQgetvalue(r, row, 10));
    return j->id && j->job_id && j->status && j->fatal_error && j->create_time ? j : NULL;
}

store_rc_t store_import_create(store_t *st, const char *job_id, const char *actor,
                               const uint8_t *content, size_t len, const char *encoding,
                               Hrflow__V1__ImportJob **out)
{
    /* the file goes as a binary parameter: no hex doubling of megabytes */
    const char *p[] = { st->tenant, job_id, actor, (const char *)content, encoding };
    int lens[] = { 0, 0, 0, (int)len, 0 };
    int formats[] = { 0, 0, 0, 1, 0 };
    PGresult *r = PQexecParams(st->db,
                               "INSERT INTO pipeline.imports (tenant_id, id, job_id, actor,"
                               " content, encoding) VALUES ($1, gen_random_uuid(), $2::uuid, $3,"
                               " $4, $5) RETURNING " IMPORT_COLS,
                               5, NULL, p, lens, formats, 0);
    store_rc_t rc = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? STORE_OK
                                                                               : STORE_FAILED;
    if (rc != STORE_OK)
        hf_logkv(HF_LOG_WARN, "could not queue an import",
                 HF_KV_STR("sqlstate", PQresultErrorField(r, PG_DIAG_SQLSTATE) ?: ""));
    if (rc == STORE_OK && !(*out = import_row(st, r, 0)))
        rc = STORE_FAILED;
    PQclear(r);
    return rc;
}

store_rc_t store_import_get(store_t *st, const char *id, Hrflow__V1__ImportJob **out)
{
    const char *p[] = { st->tenant, id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT " IMPORT_COLS " FROM pipeline.imports"
                              " WHERE tenant_id = $1 AND id = $2::uuid",
                              2, p);
    store_rc_t rc = rc_of(r, 1);
    if (rc == STORE_OK && !(*out = import_row(st, r, 0)))
        rc = STORE_FAILED;
    PQclear(r);
    return rc;
}

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

store_rc_t store_funnel(store_t *st, const char *job_id, const char *order,
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
        return STORE_FAILED;
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
                    "   FROM pipeline.transitions tr JOIN pipeline.applications a"
                    "   ON a.tenant_id = tr.tenant_id AND a.id = tr.application_id"
                    "   LEFT JOIN unnest($3::text[]) WITH ORDINALITY AS o(stage, pos)"
                    "   ON o.stage = tr.to_stage"
                    "   WHERE tr.tenant_id = $1 AND a.job_id = $2::uuid),"
                    " m AS (SELECT application_id, max(pos) AS top FROM t GROUP BY application_id)"
                    " SELECT t.to_stage, count(DISTINCT t.application_id),"
                    " coalesce(avg(extract(epoch FROM t.left_at - t.time)) / 3600, 0),"
                    " count(DISTINCT t.application_id) FILTER (WHERE m.top > t.pos)"
                    " FROM t JOIN m ON m.application_id = t.application_id GROUP BY t.to_stage",
                    3, q);
    if (!r)
        return STORE_FAILED;
    for (int i = 0; i < PQntuples(r); i++) {
        store_stage_count_t *s = stage_slot(out, max, n, PQgetvalue(r, i, 0));
        if (s) {
            s->reached = strtoull(PQgetvalue(r, i, 1), NULL, 10);
            s->avg_hours = strtod(PQgetvalue(r, i, 2), NULL);
            s->advanced = strtoull(PQgetvalue(r, i, 3), NULL, 10);
        }
    }
    PQclear(r);
    return STORE_OK;
}

/* ---- assessments ---- */

/* Kinds that carry a 0-100 score; the others (background_check's result,
 * no_show, stage_timeout) store none. */
int store_kind_scored(const char *kind)
{
    return !strcmp(kind, "screening") || !strcmp(kind, "ai_interview") ||
           !strcmp(kind, "written_test") || !strcmp(kind, "online_assessment");
}

store_rc_t store_assessments_add_many(store_t *st, size_t n, const char *const *application_ids,
                                      const Hrflow__V1__Assessment *const *as,
                                      const char *const *decisions, int *fresh)
{
    if (n == 0)
        return STORE_OK;
    const char **col = calloc(7 * n, sizeof(char *));
    char (*score)[32] = calloc(n, sizeof(*score));
    char **hints = calloc(n, sizeof(char *));
    store_rc_t rc = col && score && hints ? STORE_OK : STORE_FAILED;
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
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
            rc = STORE_FAILED;
    }
    char *arr[7] = { 0 };
    for (int k = 0; rc == STORE_OK && k < 7; k++)
        if (!(arr[k] = hf_db_array(col + (size_t)k * n, n)))
            rc = STORE_FAILED;
    PGresult *r = NULL;
    if (rc == STORE_OK) {
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
            rc = STORE_FAILED;
    }
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
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

store_rc_t store_assessment_decisions(store_t *st, const char *application_id,
                                      const char *event_id, char **decisions)
{
    const char *q[] = { st->tenant, application_id, event_id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT decisions FROM pipeline.assessments WHERE tenant_id = $1"
                              " AND application_id = $2::uuid AND event_id = $3",
                              3, q);
    if (!r)
        return STORE_FAILED;
    *decisions = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)
                     ? hf_pb_strdup(st->alloc, PQgetvalue(r, 0, 0))
                     : NULL;
    PQclear(r);
    return STORE_OK;
}

/* Per application: its facts, with the latest result of each assessment
 * kind as a JSON object kind → [score or null, result]. */
#define FACTS_SELECT                                                                           \
    "SELECT a.id, a.candidate_id, a.stage, a.version, " MICROS("a.stage_time") ","              \
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
    "  JOIN pipeline.candidates c ON c.tenant_id = a.tenant_id AND c.id = a.candidate_id"

/* Two statements, not one with optional filters: a prepared statement's
 * generic plan cannot use the primary key for "($n = '' OR id = $n)", and
 * the by-id form runs for every result that arrives. */
static const char sql_facts_many[] = FACTS_SELECT
    " WHERE a.tenant_id = $1 AND a.id = ANY ($2::uuid[])";
static const char sql_facts_job[] = FACTS_SELECT
    " WHERE a.tenant_id = $1 AND a.job_id = $2::uuid ORDER BY a.id LIMIT $3::int";

static store_rc_t facts_rows(PGresult *r, void (*fn)(void *ctx, const store_facts_t *f),
                             void *ctx);

store_rc_t store_facts(store_t *st, const char *job_id, uint32_t limit,
                       void (*fn)(void *ctx, const store_facts_t *f), void *ctx)
{
    char lim[16];
    snprintf(lim, sizeof(lim), "%u", limit ? limit : 1);
    const char *p[] = { st->tenant, job_id, lim };
    return facts_rows(hf_db_query(st->db, sql_facts_job, 3, p), fn, ctx);
}

store_rc_t store_facts_many(store_t *st, const char *const *application_ids, size_t n,
                            void (*fn)(void *ctx, const store_facts_t *f), void *ctx)
{
    char *arr = hf_db_array(application_ids, n);
    const char *p[] = { st->tenant, arr };
    PGresult *r = arr ? hf_db_query(st->db, sql_facts_many, 2, p) : NULL;
    free(arr);
    return facts_rows(r, fn, ctx);
}

/* Calls fn for each row of a facts query, and clears r. */
static store_rc_t facts_rows(PGresult *r, void (*fn)(void *ctx, const store_facts_t *f),
                             void *ctx)
{
    if (!r)
        return STORE_FAILED;
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
    store_rc_t rc = PQntuples(r) ? STORE_OK : STORE_NOT_FOUND;
    PQclear(r);
    return rc;
}

store_rc_t store_assessment_list(store_t *st, const char *application_id,
                                 Hrflow__V1__Assessment ***out, size_t *n)
{
    const char *p[] = { st->tenant, application_id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT kind, score, result, event_id, " MICROS("time") ","
                              " hints::text, coalesce(decisions, '[]')::text"
                              " FROM pipeline.assessments WHERE tenant_id = $1"
                              " AND application_id = $2::uuid ORDER BY time, event_id",
                              2, p);
    if (!r)
        return STORE_FAILED;
    int rows = PQntuples(r);
    *n = 0;
    *out = alloc0(st, (size_t)rows * sizeof(void *));
    store_rc_t rc = *out ? STORE_OK : STORE_FAILED;
    for (int i = 0; rc == STORE_OK && i < rows; i++) {
        Hrflow__V1__Assessment *a = alloc0(st, sizeof(*a));
        json_t *hints = json_loads(PQgetvalue(r, i, 5), 0, NULL);
        json_t *dec = json_loads(PQgetvalue(r, i, 6), 0, NULL);
        if (a) {
            hrflow__v1__assessment__init(a);
            a->kind = hf_pb_strdup(st->alloc, PQgetvalue(r, i, 0));
            a->score = PQgetisnull(r, i, 1) ? 0 : strtod(PQgetvalue(r, i, 1), NULL);
            a->result = hf_pb_strdup(st->alloc, PQgetvalue(r, i, 2));
            a->event_id = hf_pb_strdup(st->alloc, PQgetvalue(r, i, 3));
            a->time = hf_pb_timestamp_micros(st->alloc, PQgetvalue(r, i, 4));
            a->hints = alloc0(st, (json_array_size(hints) + 1) * sizeof(char *));
            a->decisions = alloc0(st, (json_array_size(dec) + 1) * sizeof(void *));
        }
        if (!a || !a->kind || !a->result || !a->event_id || !a->time || !a->hints ||
            !a->decisions)
            rc = STORE_FAILED;
        size_t k;
        json_t *v;
        json_array_foreach(hints, k, v)
        {
            if (rc == STORE_OK && json_is_string(v))
                a->hints[a->n_hints++] = hf_pb_strdup(st->alloc, json_string_value(v));
        }
        json_array_foreach(dec, k, v)
        {
            Hrflow__V1__RuleDecision *d = rc == STORE_OK ? alloc0(st, sizeof(*d)) : NULL;
            if (!d)
                continue;
            hrflow__v1__rule_decision__init(d);
            d->line = (uint32_t)json_integer_value(json_object_get(v, "line"));
            const char *verdict = json_string_value(json_object_get(v, "verdict"));
            const char *action = json_string_value(json_object_get(v, "action"));
            const char *why = json_string_value(json_object_get(v, "why"));
            d->verdict = hf_pb_strdup(st->alloc, verdict ? verdict : "");
            d->action = hf_pb_strdup(st->alloc, action ? action : "");
            d->why = hf_pb_strdup(st->alloc, why ? why : "");
            a->decisions[a->n_decisions++] = d;
        }
        json_decref(hints);
        json_decref(dec);
        if (rc == STORE_OK)
            (*out)[(*n)++] = a;
    }
    PQclear(r);
    return rc;
}

store_rc_t store_assessment_hints(store_t *st, const char *application_id,
                                  void (*fn)(void *ctx, const char *hint), void *ctx)
{
    const char *p[] = { st->tenant, application_id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT h FROM (SELECT DISTINCT ON (kind) hints"
                              " FROM pipeline.assessments WHERE tenant_id = $1"
                              " AND application_id = $2::uuid ORDER BY kind, time DESC) l,"
                              " jsonb_array_elements_text(l.hints) h",
                              2, p);
    if (!r)
        return STORE_FAILED;
    for (int i = 0; i < PQntuples(r); i++)
        fn(ctx, PQgetvalue(r, i, 0));
    PQclear(r);
    return STORE_OK;
}

store_rc_t store_review_request(store_t *st, Hrflow__V1__Application *a, const char *reason)
{
    char aad[96], *sealed = NULL;
    snprintf(aad, sizeof(aad), "%s:applications.review_reason", st->tenant);
    if (reason && *reason &&
        hf_pii_encrypt(st->keys, reason, strlen(reason), aad, &sealed) != 0)
        return STORE_FAILED;
    if (hf_db_begin(st->db) < 0) {
        free(sealed);
        return STORE_FAILED;
    }
    const char *p[] = { st->tenant, a->id, sealed };
    PGresult *r = hf_db_query(st->db,
                              "UPDATE pipeline.applications SET review_requested_time ="
                              " coalesce(review_requested_time, now()),"
                              " review_reason_enc = coalesce($3, review_reason_enc),"
                              " version = version + 1, update_time = now()"
                              " WHERE tenant_id = $1 AND id = $2::uuid RETURNING " APP_COLS,
                              3, p);
    free(sealed);
    store_rc_t rc = rc_of(r, 1);
    Hrflow__V1__Application *row = rc == STORE_OK ? application_row(st, r, 0) : NULL;
    PQclear(r);
    if (rc == STORE_OK && !row)
        rc = STORE_FAILED;
    if (rc == STORE_OK) {
        json_t *data = json_pack("{s:s, s:s, s:b}", "applicationId", row->id, "stage", row->stage,
                                 "withReason", reason && *reason);
        if (store_application_event(st, row->id, "review_requested", data) != STORE_OK)
            rc = STORE_FAILED;
        row->history = a->history, row->n_history = a->n_history;
        *a = *row;
    }
    return in_tx(st, rc);
}

store_rc_t store_screening_set_many(store_t *st, const char *const *application_ids, size_t n,
                                    const char *state)
{
    char *arr = hf_db_array(application_ids, n);
    const char *p[] = { st->tenant, arr, state };
    int rc = arr ? hf_db_exec(st->db,
                              "UPDATE pipeline.applications SET screening = $3"
                              " WHERE tenant_id = $1 AND id = ANY ($2::uuid[])",
                              3, p, NULL)
                 : -1;
    free(arr);
    return rc == 0 ? STORE_OK : STORE_FAILED;
}

store_rc_t store_screening_set(store_t *st, const char *application_id, const char *state)
{
    return store_screening_set_many(st, &application_id, 1, state);
}

int store_screening_claim(store_t *st, store_pending_t *out, int max)
{
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", max);
    const char *p[] = { lim };
    /* the applications locked, then what screening them needs, in one round trip */
    PGresult *r = hf_db_query(st->db,
                              "WITH claimed AS (SELECT " APP_COLS ", tenant_id AS tenant"
                              "  FROM pipeline.applications WHERE screening = 'pending'"
                              "  ORDER BY create_time LIMIT $1::int FOR UPDATE SKIP LOCKED)"
                              " SELECT x.*, j.body, c.resume_enc FROM claimed x"
                              " JOIN pipeline.jobs j ON j.tenant_id = x.tenant AND j.id = x.job_id"
                              " JOIN pipeline.candidates c ON c.tenant_id = x.tenant"
                              "  AND c.id = x.candidate_id",
                              1, p);
    if (!r)
        return -1;
    int n = PQntuples(r), got = 0;
    for (int i = 0; i < n && got < max; i++) {
        store_pending_t *o = &out[got];
        snprintf(o->tenant, sizeof(o->tenant), "%s", PQgetvalue(r, i, 10));
        store_t row_st = *st;
        row_st.tenant = o->tenant;
        o->app = application_row(&row_st, r, i);
        o->job = (Hrflow__V1__Job *)hf_codec_decode_stored(&hrflow__v1__job__descriptor,
                                                           PQgetvalue(r, i, 11), st->alloc);
        o->resume = open_field(&row_st, "resume", r, i, 12);
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

store_rc_t store_timeouts_due(store_t *st, const char *job_id, const char *stage,
                              unsigned minutes, unsigned line, uint32_t limit,
                              void (*fn)(void *ctx, const char *application_id), void *ctx)
{
    char mins[16], ln[16], lim[16];
    snprintf(mins, sizeof(mins), "%u", minutes);
    snprintf(ln, sizeof(ln), "%u", line);
    snprintf(lim, sizeof(lim), "%u", limit);
    const char *p[] = { st->tenant, job_id, stage, mins, ln, lim };
    PGresult *r = hf_db_query(st->db,
                              "SELECT a.id FROM pipeline.applications a"
                              " WHERE a.tenant_id = $1 AND a.job_id = $2::uuid AND a.stage = $3"
                              " AND a.stage_time <= now() - make_interval(mins => $4::int)"
                              " AND NOT EXISTS (SELECT 1 FROM pipeline.assessments x"
                              "  WHERE x.tenant_id = a.tenant_id AND x.application_id = a.id"
                              "  AND x.event_id = 'stage_timeout:' || a.version || ':' || $5)"
                              " ORDER BY a.stage_time LIMIT $6::int",
                              6, p);
    if (!r)
        return STORE_FAILED;
    for (int i = 0; i < PQntuples(r); i++)
        fn(ctx, PQgetvalue(r, i, 0));
    PQclear(r);
    return STORE_OK;
}

store_rc_t store_application_events(store_t *st, size_t n, const char *const *application_ids,
                                    const char *const *whats, json_t *const *data)
{
    hf_outbox_event_t *ev = calloc(n ? n : 1, sizeof(*ev));
    char **text = calloc(n ? n : 1, sizeof(char *));
    char (*type)[96] = calloc(n ? n : 1, sizeof(*type));
    char (*subject)[80] = calloc(n ? n : 1, sizeof(*subject));
    store_rc_t rc = ev && text && type && subject ? STORE_OK : STORE_FAILED;
    for (size_t i = 0; i < n; i++) {
        text[i] = rc == STORE_OK && data[i] ? json_dumps(data[i], JSON_COMPACT) : NULL;
        json_decref(data[i]);
        if (!text[i] && rc == STORE_OK)
            rc = STORE_FAILED;
        if (rc != STORE_OK)
            continue;
        snprintf(type[i], sizeof(type[i]), "hrflow.pipeline.application.%s.v1", whats[i]);
        snprintf(subject[i], sizeof(subject[i]), "applications/%s", application_ids[i]);
        ev[i] = (hf_outbox_event_t){ st->tenant, SOURCE, type[i], subject[i], text[i],
                                     st->traceparent };
    }
    if (rc == STORE_OK && hf_outbox_append_many(st->db, ev, n) < 0)
        rc = STORE_FAILED;
    for (size_t i = 0; text && i < n; i++)
        free(text[i]);
    free(ev), free(text), free(type), free(subject);
    return rc;
}

store_rc_t store_application_event(store_t *st, const char *application_id, const char *what,
                                   json_t *data)
{
    return store_application_events(st, 1, &application_id, &what, &data);
}

/* ---- the fairness audit ---- */

store_rc_t store_audit(store_t *st, const char *job_id, const char *order, const char *column,
                       void (*fn)(void *ctx, const char *stage, const char *group, uint64_t entered,
                                  uint64_t selected),
                       void *ctx)
{
    /* column is "gender" or "age_band", checked by the caller: never user text */
    char sql[1600];
    snprintf(sql, sizeof(sql),
             "WITH t AS (SELECT tr.application_id, tr.to_stage, c.%s AS grp"
             "   FROM pipeline.transitions tr"
             "   JOIN pipeline.applications a ON a.tenant_id = tr.tenant_id AND a.id = tr.application_id"
             "   JOIN pipeline.candidates c ON c.tenant_id = a.tenant_id AND c.id = a.candidate_id"
             "   WHERE tr.tenant_id = $1 AND a.job_id = $2::uuid),"
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
        return STORE_FAILED;
    for (int i = 0; i < PQntuples(r); i++)
        fn(ctx, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), strtoull(PQgetvalue(r, i, 2), NULL, 10),
           strtoull(PQgetvalue(r, i, 3), NULL, 10));
    PQclear(r);
    return STORE_OK;
}
