/* services/pipeline/store.c - the pipeline's SQL: events, jobs, candidates, imports
 *
 * Output-only fields (ids, versions, stages, times) come from columns, never
 * from a stored body. A candidate's personal data is encrypted with an AAD of
 * "<tenant>:candidates.<column>", so a ciphertext copied to another tenant or
 * column does not decrypt; phone and email are also indexed by keyed hash
 * for deduplication. Changes and their outbox events share a transaction.
 * The rest of store.h: store_applications.c (applications, their moves and
 * events), store_assessments.c (results, the rules' facts, the screening
 * queue, timeouts) and store_counts.c (the funnel and the fairness audit).
 */
#include "store_private.h"

#include "hf/codec.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/outbox.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/crypto.h>
#include <string.h>

/* An event about <collection>/<id> in the transaction of the change it
 * describes: data_json as its data. */
static int outbox(hf_store_t *st, const char *type, const char *collection, const char *id,
                  const char *data_json)
{
    char subject[80];
    snprintf(subject, sizeof(subject), "%s/%s", collection, id);
    hf_outbox_event_t e = { st->tenant, SOURCE, type, subject, data_json, st->traceparent };
    return hf_outbox_append(st->db, &e, NULL);
}

/* The same with data as a JSON value, which it consumes (decref'd). */
int store_event_json(hf_store_t *st, const char *type, const char *collection, const char *id,
                     json_t *data)
{
    char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    int rc = text ? outbox(st, type, collection, id, text) : -1;
    free(text);
    return rc;
}

/* The same, with message m (in its JSON form) as the data. */
int store_event(hf_store_t *st, const char *type, const char *collection, const char *id,
                const ProtobufCMessage *m)
{
    char *data = hf_codec_encode_text(m);
    int rc = data ? outbox(st, type, collection, id, data) : -1;
    free(data);
    return rc;
}

/* ---- jobs ---- */

#define JOB_COLS "id, version, " HF_MICROS("create_time") ", " HF_MICROS("update_time") ", body"

static void *job_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__Job *j = (Hrflow__V1__Job *)hf_codec_decode_stored(
        &hrflow__v1__job__descriptor, PQgetvalue(r, row, 4), &st->alloc);
    if (!j)
        return NULL;
    j->id = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 0));
    j->version = strtoll(PQgetvalue(r, row, 1), NULL, 10);
    j->create_time = hf_pb_timestamp_micros(&st->alloc, PQgetvalue(r, row, 2));
    j->update_time = hf_pb_timestamp_micros(&st->alloc, PQgetvalue(r, row, 3));
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

int store_job_create(hf_store_t *st, Hrflow__V1__Job *j)
{
    char *body = job_body(j);
    if (!body || hf_db_begin(st->db) < 0) {
        free(body);
        return HF_EDB;
    }
    const char *p[] = { st->tenant, j->company_id, j->status, body };
    Hrflow__V1__Job *row = NULL;
    int rc = hf_store_one(st,
                          "INSERT INTO pipeline.jobs (tenant_id, id, company_id, status, body)"
                          " VALUES ($1, gen_random_uuid(), $2, $3, $4::jsonb)"
                          " RETURNING " JOB_COLS,
                          4, p, job_row, &row);
    free(body);
    if (rc == HF_ENOTFOUND)
        rc = HF_EDB;
    if (rc == HF_OK) {
        *j = *row;
        if (store_event(st, "hrflow.pipeline.job.created.v1", "jobs", j->id, &j->base) < 0)
            rc = HF_EDB;
    }
    return hf_store_finish(st, rc);
}

int store_job_get(hf_store_t *st, const char *id, Hrflow__V1__Job **out)
{
    const char *p[] = { st->tenant, id };
    return hf_store_one(st, "SELECT " JOB_COLS " FROM pipeline.jobs"
                            " WHERE tenant_id = $1 AND id = $2::uuid",
                        2, p, job_row, out);
}

int store_job_lock(hf_store_t *st, const char *id, Hrflow__V1__Job **out)
{
    const char *p[] = { st->tenant, id };
    return hf_store_one(st, "SELECT " JOB_COLS " FROM pipeline.jobs"
                            " WHERE tenant_id = $1 AND id = $2::uuid FOR SHARE",
                        2, p, job_row, out);
}

int store_job_list(hf_store_t *st, const char *company_id, const char *status,
                   hf_page_t *page, Hrflow__V1__Job ***out, size_t *n)
{
    const char *p[7] = { st->tenant, company_id, status, hf_store_companies(st) };
    if (!p[3])
        return HF_ENOMEM;
    PGresult *r = hf_page_query(st,
                                "SELECT " JOB_COLS " FROM pipeline.jobs WHERE tenant_id = $1"
                                " AND ($2 = '' OR company_id = $2::uuid) AND ($3 = '' OR status = $3)"
                                " AND " HF_SEES_COMPANY("company_id", "4")
                                " AND (create_time, id) > ($5::timestamptz, $6::uuid)"
                                " ORDER BY create_time, id LIMIT $7::int",
                                7, p, 2, page);
    return hf_page_rows(st, r, page, job_row, (void ***)out, n);
}

int store_job_update(hf_store_t *st, Hrflow__V1__Job *j)
{
    char *body = job_body(j);
    char version[24];
    snprintf(version, sizeof(version), "%lld", (long long)j->version);
    if (!body || hf_db_begin(st->db) < 0) {
        free(body);
        return HF_EDB;
    }
    const char *p[] = { st->tenant, j->id, version, j->status, body };
    Hrflow__V1__Job *row = NULL;
    int rc = hf_store_one(st,
                          "UPDATE pipeline.jobs SET status = $4, body = $5::jsonb,"
                          " version = version + 1, update_time = now()"
                          " WHERE tenant_id = $1 AND id = $2::uuid AND version = $3::bigint"
                          " RETURNING " JOB_COLS,
                          5, p, job_row, &row);
    free(body);
    if (rc == HF_ENOTFOUND) {
        Hrflow__V1__Job *now = NULL;
        rc = store_job_get(st, j->id, &now) == HF_OK ? HF_ECONFLICT : HF_ENOTFOUND;
    }
    if (rc == HF_OK) {
        *j = *row;
        if (store_event(st, "hrflow.pipeline.job.updated.v1", "jobs", j->id, &j->base) < 0)
            rc = HF_EDB;
    }
    return hf_store_finish(st, rc);
}

/* ---- candidates ---- */

/* Encrypt a field (NULL for an empty one). The caller frees. */
char *store_pii_seal(const hf_keyring_t *keys, const char *tenant, const char *column,
                     const char *plain)
{
    char field[64];
    snprintf(field, sizeof(field), "candidates.%s", column);
    return plain && *plain ? hf_pii_seal_field(keys, tenant, field, plain) : NULL;
}

static char *seal(hf_store_t *st, const char *column, const char *plain)
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
char *store_pii_open(hf_store_t *st, const char *column, PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return hf_pb_strdup(&st->alloc, "");
    char field[64];
    snprintf(field, sizeof(field), "candidates.%s", column);
    return hf_store_unseal(st, field, PQgetvalue(r, row, col));
}

#define CAND_COLS "id, " HF_MICROS("create_time") ", body, name_enc, phone_enc, email_enc, resume_enc, " \
                  "gender, age_band"

/* The company wall of candidates, over `pipeline.candidates c`: a caller
 * acting for the whole group sees every candidate; one bound to companies
 * ($n: their ids as uuid[]) only those with an application to a job of one
 * of them (docs/security.md, "Who sees whom"). */
#define CAND_VISIBLE(n)                                                                  \
    "(cardinality($" n "::uuid[]) = 0 OR EXISTS (SELECT 1 FROM pipeline.applications a"  \
    " JOIN pipeline.jobs j ON j.tenant_id = a.tenant_id AND j.id = a.job_id"             \
    " WHERE a.tenant_id = c.tenant_id AND a.candidate_id = c.id"                          \
    " AND j.company_id = ANY ($" n "::uuid[])))"

/* The caller's companies as a uuid[] parameter ("{}": the whole group). */
static const char *companies(hf_store_t *st)
{
    return hf_store_array(st, (const char *const *)st->companies, st->n_companies);
}

static void *candidate_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__Candidate *c = (Hrflow__V1__Candidate *)hf_codec_decode_stored(
        &hrflow__v1__candidate__descriptor, PQgetvalue(r, row, 2), &st->alloc);
    if (!c)
        return NULL;
    c->id = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 0));
    c->create_time = hf_pb_timestamp_micros(&st->alloc, PQgetvalue(r, row, 1));
    c->name = store_pii_open(st, "name", r, row, 3);
    c->phone = store_pii_open(st, "phone", r, row, 4);
    c->email = store_pii_open(st, "email", r, row, 5);
    c->resume = store_pii_open(st, "resume", r, row, 6);
    c->gender = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 7));
    c->age_band = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 8));
    return c->id && c->create_time && c->name && c->phone && c->email && c->resume ? c : NULL;
}

/* A candidate the caller may not see, as a create that found it answers:
 * its id, nothing the caller could not know already. */
static Hrflow__V1__Candidate *candidate_id_only(hf_store_t *st, const char *id)
{
    Hrflow__V1__Candidate *c = hf_store_alloc(st, sizeof(*c));
    if (!c)
        return NULL;
    hrflow__v1__candidate__init(c);
    c->id = hf_pb_strdup(&st->alloc, id);
    return c->id ? c : NULL;
}

/* The existing candidate with one of these keys (whole when the caller may
 * see it, else its id only), or HF_ENOTFOUND. */
static int candidate_find(hf_store_t *st, const char *phone_idx, const char *email_idx,
                          const char *external_id, Hrflow__V1__Candidate **out,
                          char matched[16])
{
    const char *p[] = { st->tenant, phone_idx, email_idx, external_id, companies(st) };
    PGresult *r = p[4] ? hf_db_query(st->db,
                                     "SELECT " CAND_COLS ", CASE WHEN phone_idx = $2 THEN 'phone'"
                                     " WHEN email_idx = $3 THEN 'email' ELSE 'externalId' END, "
                                     CAND_VISIBLE("5") " FROM pipeline.candidates c"
                                     " WHERE tenant_id = $1"
                                     " AND (phone_idx = $2 OR email_idx = $3 OR external_id = $4)"
                                     " ORDER BY create_time, id LIMIT 1",
                                     5, p)
                       : NULL;
    int rc = hf_store_rows(r, 1);
    int visible = rc == HF_OK && PQgetvalue(r, 0, 10)[0] == 't';
    if (rc == HF_OK && !(*out = visible ? candidate_row(st, r, 0)
                                        : candidate_id_only(st, PQgetvalue(r, 0, 0))))
        rc = HF_EDB;
    if (rc == HF_OK && matched)
        snprintf(matched, 16, "%s", PQgetvalue(r, 0, 9));
    PQclear(r);
    return rc;
}

int store_candidate_create(hf_store_t *st, Hrflow__V1__Candidate *c,
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
        int rc = candidate_find(st, *phone_idx ? phone_idx : NULL,
                                       *email_idx ? email_idx : NULL, ext, out, matched);
        if (rc == HF_OK) {
            /* the same person again (another company, another source): one
             * candidate, and integrators hear which record this one joined */
            (*out)->deduplicated = 1;
            json_t *data = json_pack("{s:s, s:s, s:s}", "candidateId", (*out)->id, "matchedOn",
                                     matched, "source", c->source ? c->source : "");
            return store_event_json(st, "hrflow.pipeline.candidate.merged.v1", "candidates",
                               (*out)->id, data) == 0
                       ? HF_OK
                       : HF_EDB;
        }
        if (rc != HF_ENOTFOUND)
            return rc;
        /* the body keeps what is not personal data */
        Hrflow__V1__Candidate open;
        store_candidate_open(c, &open);
        char *body = hf_codec_encode_text(&open.base);
        char *name = seal(st, "name", c->name), *phone = seal(st, "phone", c->phone);
        char *email = seal(st, "email", c->email), *resume = seal(st, "resume", c->resume);
        rc = body && name && (phone || !*c->phone) && (email || !*c->email) &&
                     (resume || !*c->resume) && hf_db_begin(st->db) == 0
                 ? HF_OK
                 : HF_EDB;
        PGresult *r = NULL;
        if (rc == HF_OK) {
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
            rc = hf_store_rows(r, 1);
        }
        free(body), free(name), free(phone), free(email), free(resume);
        if (rc == HF_ENOTFOUND) { /* a concurrent insert took a key: find it */
            PQclear(r);
            hf_db_rollback(st->db);
            continue;
        }
        if (rc == HF_OK && !(*out = candidate_row(st, r, 0)))
            rc = HF_EDB;
        PQclear(r);
        if (rc == HF_OK) {
            /* the event names the candidate, never its personal data */
            Hrflow__V1__Candidate ev = HRFLOW__V1__CANDIDATE__INIT;
            ev.id = (*out)->id;
            ev.source = (*out)->source;
            if (store_event(st, "hrflow.pipeline.candidate.created.v1", "candidates", ev.id,
                      &ev.base) < 0)
                rc = HF_EDB;
        }
        return hf_store_finish(st, rc);
    }
    return HF_ECONFLICT;
}

int store_candidate_get(hf_store_t *st, const char *id, Hrflow__V1__Candidate **out)
{
    const char *p[] = { st->tenant, id, companies(st) };
    if (!p[2])
        return HF_ENOMEM;
    return hf_store_one(st, "SELECT " CAND_COLS " FROM pipeline.candidates c"
                            " WHERE tenant_id = $1 AND id = $2::uuid AND " CAND_VISIBLE("3"),
                        3, p, candidate_row, out);
}

int store_candidate_resume(hf_store_t *st, const char *id, int *has_resume)
{
    const char *p[] = { st->tenant, id };
    PGresult *r = hf_db_query(st->db, "SELECT resume_enc IS NOT NULL FROM pipeline.candidates"
                                      " WHERE tenant_id = $1 AND id = $2::uuid",
                              2, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK)
        *has_resume = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return rc;
}

/* ---- imports ---- */

#define IMPORT_COLS "id, job_id, status, processed, created, duplicates, failed, errors, " \
                    "fatal_error, " HF_MICROS("create_time") ", " HF_MICROS("update_time")

static void *import_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__ImportJob *j = hf_store_alloc(st, sizeof(*j));
    if (!j)
        return NULL;
    hrflow__v1__import_job__init(j);
    j->id = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 0));
    j->job_id = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 1));
    j->status = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 2));
    j->processed = strtoull(PQgetvalue(r, row, 3), NULL, 10);
    j->created = strtoull(PQgetvalue(r, row, 4), NULL, 10);
    j->duplicates = strtoull(PQgetvalue(r, row, 5), NULL, 10);
    j->failed = strtoull(PQgetvalue(r, row, 6), NULL, 10);
    json_t *errs = json_loads(PQgetvalue(r, row, 7), 0, NULL);
    size_t n = json_array_size(errs);
    j->errors = hf_store_alloc(st, n * sizeof(void *));
    for (size_t i = 0; j->errors && i < n; i++) {
        json_t *e = json_array_get(errs, i);
        Hrflow__V1__ImportError *x = hf_store_alloc(st, sizeof(*x));
        if (!x)
            break;
        hrflow__v1__import_error__init(x);
        x->row = (uint64_t)json_integer_value(json_object_get(e, "row"));
        x->field = hf_pb_strdup(&st->alloc, json_string_value(json_object_get(e, "field")) ?: "");
        x->message = hf_pb_strdup(&st->alloc, json_string_value(json_object_get(e, "message")) ?: "");
        j->errors[j->n_errors++] = x;
    }
    json_decref(errs);
    j->fatal_error = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 8));
    j->create_time = hf_pb_timestamp_micros(&st->alloc, PQgetvalue(r, row, 9));
    j->update_time = hf_pb_timestamp_micros(&st->alloc, PQgetvalue(r, row, 10));
    return j->id && j->job_id && j->status && j->fatal_error && j->create_time ? j : NULL;
}

int store_import_seal(hf_store_t *st, const char *import_id, const uint8_t *content, size_t len)
{
    unsigned seq = 0;
    for (size_t at = 0; at < len; at += HF_FILE_PART, seq++) {
        size_t n = len - at < HF_FILE_PART ? len - at : HF_FILE_PART;
        char num[16];
        snprintf(num, sizeof(num), "%u", seq);
        const char *p[] = { st->tenant, import_id, num,
                            hf_store_seal_part(st, import_id, seq, content + at, n) };
        if (!p[3])
            return HF_EDB;
        if (hf_db_exec(st->db,
                       "INSERT INTO pipeline.import_parts (tenant_id, import_id, seq, content)"
                       " VALUES ($1, $2::uuid, $3::int, $4)",
                       4, p, NULL) < 0)
            return HF_EDB;
    }
    char num[16];
    snprintf(num, sizeof(num), "%u", seq);
    const char *p[] = { st->tenant, import_id, num };
    return hf_db_exec(st->db,
                      "UPDATE pipeline.imports SET parts = $3::int, legacy_content = NULL"
                      " WHERE tenant_id = $1 AND id = $2::uuid",
                      3, p, NULL) == 0
               ? HF_OK
               : HF_EDB;
}

int store_import_create(hf_store_t *st, const char *job_id, const char *actor,
                        const uint8_t *content, size_t len, const char *encoding,
                        Hrflow__V1__ImportJob **out)
{
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    const char *p[] = { st->tenant, job_id, actor, encoding };
    int rc = hf_store_one(st,
                          "INSERT INTO pipeline.imports (tenant_id, id, job_id, actor, encoding)"
                          " VALUES ($1, gen_random_uuid(), $2::uuid, $3, $4)"
                          " RETURNING " IMPORT_COLS,
                          4, p, import_row, out);
    if (rc == HF_ENOTFOUND)
        rc = HF_EDB;
    if (rc == HF_OK)
        rc = store_import_seal(st, (*out)->id, content, len);
    return hf_store_finish(st, rc);
}

int store_import_seal_legacy(hf_store_t *st, const char *import_id, unsigned *parts)
{
    const char *p[] = { st->tenant, import_id };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    /* binary results: the file's bytes as they are (text comes as its bytes) */
    PGresult *r = PQexecParams(st->db,
                               "SELECT legacy_content, parts::text FROM pipeline.imports"
                               " WHERE tenant_id = $1 AND id = $2::uuid FOR UPDATE",
                               2, NULL, p, NULL, NULL, 1);
    int rc = PQresultStatus(r) != PGRES_TUPLES_OK ? HF_EDB
             : PQntuples(r) != 1                 ? HF_ENOTFOUND
                                                 : HF_OK;
    if (rc == HF_OK && !PQgetisnull(r, 0, 0)) {
        size_t len = (size_t)PQgetlength(r, 0, 0);
        rc = store_import_seal(st, import_id, (const uint8_t *)PQgetvalue(r, 0, 0), len);
        *parts = (unsigned)((len + HF_FILE_PART - 1) / HF_FILE_PART);
    } else if (rc == HF_OK) {
        *parts = (unsigned)strtoul(PQgetvalue(r, 0, 1), NULL, 10);
    }
    PQclear(r);
    return hf_store_finish(st, rc);
}

int store_import_part(hf_store_t *st, const char *import_id, unsigned seq, char **plain,
                      size_t *len)
{
    char num[16];
    snprintf(num, sizeof(num), "%u", seq);
    const char *p[] = { st->tenant, import_id, num };
    PGresult *r = hf_db_query(st->db,
                              "SELECT content FROM pipeline.import_parts"
                              " WHERE tenant_id = $1 AND import_id = $2::uuid AND seq = $3::int",
                              3, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK)
        rc = hf_store_open_part(st, import_id, seq, PQgetvalue(r, 0, 0), plain, len);
    PQclear(r);
    return rc;
}

int store_import_get(hf_store_t *st, const char *id, Hrflow__V1__ImportJob **out)
{
    const char *p[] = { st->tenant, id };
    return hf_store_one(st, "SELECT " IMPORT_COLS " FROM pipeline.imports"
                            " WHERE tenant_id = $1 AND id = $2::uuid",
                        2, p, import_row, out);
}
