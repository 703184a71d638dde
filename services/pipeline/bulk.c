/* services/pipeline/bulk.c - a chunk of imported candidates written with a few statements
 *
 * bulk_add() does in C what store_candidate_create() does before its insert
 * (normalise, index, encrypt, encode the body) and writes the row's columns,
 * as the members of the JSON record the insert takes, into the chunk's text
 * (the JSON written directly, hf_codec_write and hf_codec_put_string: no
 * jansson values per row). bulk_flush() writes the chunk as a savepoint of
 * the caller's transaction, in three statements:
 *   1. sql_find: the candidates having any phone index, email index or
 *      external id of the chunk, oldest first;
 *   2. in C, row by row in file order: a row joins the oldest candidate
 *      with one of its keys (found, or made by an earlier row of the chunk),
 *      else makes a new one; the first row naming a candidate applies for
 *      it, later ones are duplicates;
 *   3. sql_ids: ids for the new candidates and applications, and the
 *      transaction's time;
 *   4. sql_write: the new candidates, the applications with their first
 *      transitions, the events in file order (candidate.created or
 *      candidate.merged per row, application.created per new application,
 *      their data as store.c writes it), all from one JSON document of the
 *      chunk's rows. A new candidate's key taken meanwhile by a concurrent
 *      import rolls the chunk back to its savepoint and it starts again at
 *      1, which then finds that candidate; an existing application is a
 *      duplicate.
 * Values go to PostgreSQL as JSON documents in parameters (jsonb_to_recordset),
 * never in the SQL text.
 */
#include "bulk.h"

#include "automation.h"

#include "hf/buf.h"
#include "hf/codec.h"
#include "hf/db.h"
#include "hf/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MICROS(col) "(extract(epoch from " col ") * 1000000)::bigint"
#define SOURCE "/hrflow/pipeline"
#define ATTEMPTS 3      /* plans of one chunk while concurrent imports take its keys */
#define NONE ((size_t)-1)

enum { KEY_PHONE, KEY_EMAIL, KEY_EXTERNAL, KEYS };
static const char *const matched_on[KEYS] = { "phone", "email", "externalId" };

/* A row's text lives in its chunk's buffer (bulk.text), at offsets: the
 * buffer grows while rows are added, and nothing points into it until the
 * chunk is flushed. */
typedef struct {
    size_t cols, cols_len; /* the new candidate's columns as JSON members (sql_write's x) */
    size_t src, src_len;   /* its source as a JSON string */
    size_t ext;            /* its external id, NUL-terminated; NONE when it has none */
    char idx[2][65];       /* the blind indexes of its phone and email; "" when none */
    const char *key[KEYS]; /* set as the flush begins; NULL when the row has none */
    int resume;            /* the row has a resume */
    /* the plan */
    size_t cand;           /* its candidate, an index of bulk.cand */
    int creates;           /* the row makes that candidate */
    int matched;           /* else the key it was found by */
} row_t;

typedef struct {
    const char *id;        /* borrowed from sql_find's or sql_ids' result */
    const char *key[KEYS];
    int resume;            /* has a resume (screening waits for it) */
    size_t owner;          /* the first row naming it: the one that applies; NONE */
} cand_t;

struct bulk {
    bulk_target_t t;
    row_t *rows;
    size_t n, cap;
    hf_buf_t text;         /* the rows' text (row_t) */
    cand_t *cand;          /* per flush: the found candidates, oldest first, then the new */
    size_t ncand;
};

bulk_t *bulk_new(const bulk_target_t *t)
{
    bulk_t *b = calloc(1, sizeof(*b));
    if (b)
        b->t = *t;
    return b;
}

static void drop_rows(bulk_t *b)
{
    free(hf_buf_take(&b->text, NULL));
    b->n = 0;
}

void bulk_destroy(bulk_t **bp)
{
    bulk_t *b = bp ? *bp : NULL;
    if (!b)
        return;
    drop_rows(b);
    free(b->rows);
    free(b->cand);
    free(b);
    *bp = NULL;
}

/* ---- a row, as store_candidate_create prepares it ---- */

/* "name":value, into the chunk's text: value as a JSON string, or null
 * when it is NULL. */
static void put_member(bulk_t *b, const char *name, const char *value)
{
    hf_buf_putc(&b->text, '"');
    hf_buf_puts(&b->text, name);
    hf_buf_puts(&b->text, "\":");
    if (value)
        hf_codec_put_string(&b->text, value);
    else
        hf_buf_puts(&b->text, "null");
    hf_buf_putc(&b->text, ',');
}

/* A field encrypted as store.c's seal() does (AAD "<tenant>:candidates.<column>"),
 * as the member `name`: null for an empty one. -1 when libcrypto failed. */
static int put_sealed(bulk_t *b, const char *name, const char *column, const char *plain)
{
    char *token = *plain ? store_pii_seal(b->t.keys, b->t.tenant, column, plain) : NULL;
    if (*plain && !token)
        return -1;
    put_member(b, name, token);
    free(token);
    return 0;
}

/* The blind index of a normalised phone or email (context "<tenant>:<what>"). */
static int blind_index(const bulk_t *b, const char *what, const char *norm, char out[65])
{
    return store_pii_index(b->t.keys, b->t.tenant, what, norm, out);
}

int bulk_add(bulk_t *b, const Hrflow__V1__Candidate *c, const char **field,
             const char **message)
{
    char norm[320], idx[2][65] = { "", "" };
    if (!*c->name) {
        *field = "name", *message = "empty";
        return 1;
    }
    if (*c->phone && hf_pii_normalize_phone(c->phone, norm, sizeof(norm)) < 0) {
        *field = "phone", *message = "not a phone number";
        return 1;
    }
    if (*c->phone && blind_index(b, "phone", norm, idx[KEY_PHONE]) < 0)
        return -1;
    if (*c->email && hf_pii_normalize_email(c->email, norm, sizeof(norm)) < 0) {
        *field = "email", *message = "not an email address";
        return 1;
    }
    if (*c->email && blind_index(b, "email", norm, idx[KEY_EMAIL]) < 0)
        return -1;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        row_t *rows = realloc(b->rows, cap * sizeof(*rows));
        if (!rows)
            return -1;
        b->rows = rows, b->cap = cap;
    }
    row_t *r = &b->rows[b->n];
    memset(r, 0, sizeof(*r));
    memcpy(r->idx, idx, sizeof(r->idx));
    r->resume = *c->resume != '\0';
    r->ext = NONE;
    if (*c->external_id) {
        r->ext = b->text.len;
        hf_buf_put(&b->text, c->external_id, strlen(c->external_id) + 1);
    }
    r->src = b->text.len;
    hf_codec_put_string(&b->text, c->source);
    r->src_len = b->text.len - r->src;
    /* the body keeps what is not personal data (as store_candidate_create) */
    Hrflow__V1__Candidate open;
    store_candidate_open(c, &open);
    size_t body_len = 0;
    char *body = hf_codec_write(&open.base, 17, &body_len);
    r->cols = b->text.len;
    if (!body || put_sealed(b, "n", "name", c->name) < 0 ||
        put_sealed(b, "p", "phone", c->phone) < 0 || put_sealed(b, "e", "email", c->email) < 0 ||
        put_sealed(b, "r", "resume", c->resume) < 0) {
        free(body);
        return -1;
    }
    put_member(b, "pi", *idx[KEY_PHONE] ? idx[KEY_PHONE] : NULL);
    put_member(b, "ei", *idx[KEY_EMAIL] ? idx[KEY_EMAIL] : NULL);
    put_member(b, "ext", *c->external_id ? c->external_id : NULL);
    put_member(b, "g", c->gender);
    put_member(b, "a", c->age_band);
    hf_buf_puts(&b->text, "\"b\":");
    hf_buf_put(&b->text, body, body_len);
    free(body);
    if (b->text.failed)
        return -1;
    r->cols_len = b->text.len - r->cols;
    b->n++;
    return 0;
}

/* ---- the chunk ---- */

/* 1. The candidates with any key of the chunk, oldest first: per key an
 * index probe (a LATERAL subquery kept apart by OFFSET 0), whatever the
 * statistics say. A plain join or `= ANY(array)` let the planner scan the
 * tenant's candidates instead, once per chunk or worse, while the
 * statistics of a large import's tenant lag behind. */
#define FIND_BY(column, param)                                                                  \
    "SELECT c.* FROM json_array_elements_text(" param "::json) AS k(v) CROSS JOIN LATERAL"      \
    " (SELECT id, phone_idx, email_idx, external_id, resume_enc IS NOT NULL, create_time"       \
    "  FROM pipeline.candidates WHERE tenant_id = $1::uuid AND " column " = k.v OFFSET 0) c"
static const char sql_find[] = FIND_BY("phone_idx", "$2") " UNION " FIND_BY("email_idx", "$3")
    " UNION " FIND_BY("external_id", "$4") " ORDER BY create_time, id";

/* 3. Ids for the new candidates and the applications, and the time every
 * row written in this transaction gets (their columns default to now()).
 * The ids are time-ordered (UUID version 7: the milliseconds since 1970,
 * then 74 random bits, RFC 9562), so a chunk's rows sit together at the
 * end of every index keyed by them (candidates, applications and, through
 * the application, transitions) instead of one random leaf page each: the
 * cost of an import does not grow as those indexes outgrow the cache, and a
 * job's transitions are a few pages to read (docs/performance.md, "Cost as
 * the database grows"). A v4 id's version bits 0100 become 0111. */
static const char sql_ids[] =
    "SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING"
    "  substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)"
    "  FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid, " MICROS("now()")
    " FROM generate_series(1, $1::int)";

/* 4. The chunk, $2 a record per row (write_records):
 *   c: its new candidates, all or the chunk is planned again (a concurrent
 *      import took a key);
 *   a: the applications, an existing one a duplicate, with t their first
 *      transitions;
 *   e: the events in file order, their data as store.c writes it: a
 *      Candidate message with id and source ($6: the codec's JSON of an
 *      empty one), {candidateId, matchedOn, source}, the Application
 *      message ($7: the codec's JSON of this chunk's, with job, stage,
 *      version, times and history; the rest per row) without its status
 *      token, as store_application_event_data() writes it.
 * Returns how many candidates and applications it made. */
static const char sql_write[] =
    "WITH x AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(i int, c uuid, new bool,"
    "   m text, src text, n text, p text, e text, r text, pi text, ei text, ext text, b jsonb,"
    "   g text, a text, app uuid, s text)),"
    " c AS (INSERT INTO pipeline.candidates (tenant_id, id, name_enc, phone_enc, email_enc,"
    "   resume_enc, phone_idx, email_idx, external_id, body, gender, age_band)"
    "   SELECT $1::uuid, c, n, p, e, r, pi, ei, ext, b, g, a FROM x WHERE new ORDER BY i"
    "   ON CONFLICT DO NOTHING RETURNING id),"
    " a AS (INSERT INTO pipeline.applications (tenant_id, id, job_id, candidate_id, stage,"
    "   screening) SELECT $1::uuid, app, $3::uuid, x.c, $4, s FROM x"
    "   WHERE app IS NOT NULL AND (NOT new OR x.c IN (SELECT id FROM c)) ORDER BY i"
    "   ON CONFLICT (tenant_id, job_id, candidate_id) DO NOTHING RETURNING id),"
    " t AS (INSERT INTO pipeline.transitions (tenant_id, application_id, from_stage, to_stage,"
    "   actor, reason) SELECT $1::uuid, id, '', $4, $5, 'application created' FROM a),"
    " e AS (INSERT INTO events.outbox (tenant_id, source, type, subject, data)"
    "   SELECT $1::uuid::text, '" SOURCE "', type, subject, data FROM ("
    "     SELECT i, 0 AS k, CASE WHEN new THEN 'hrflow.pipeline.candidate.created.v1'"
    "       ELSE 'hrflow.pipeline.candidate.merged.v1' END AS type, 'candidates/' || c AS subject,"
    "       CASE WHEN new THEN $6::jsonb || jsonb_build_object('id', c, 'source', src)"
    "       ELSE jsonb_build_object('candidateId', c, 'matchedOn', m, 'source', src) END AS data"
    "     FROM x"
    "     UNION ALL"
    "     SELECT i, 1, 'hrflow.pipeline.application.created.v1', 'applications/' || app,"
    "       $7::jsonb || jsonb_build_object('id', app, 'candidateId', x.c, 'screening', s)"
    "     FROM x JOIN a ON a.id = x.app) ev ORDER BY i, k)"
    " SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM a)";

/* A JSON document as text for a parameter (NULL when out of memory); doc is
 * released. */
static char *dump(json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

static PGresult *find(bulk_t *b)
{
    hf_buf_t keys[KEYS] = { { 0 } };
    char *text[KEYS];
    for (int k = 0; k < KEYS; k++) {
        hf_buf_putc(&keys[k], '[');
        for (size_t i = 0; i < b->n; i++)
            if (b->rows[i].key[k]) {
                if (keys[k].len > 1)
                    hf_buf_putc(&keys[k], ',');
                hf_codec_put_string(&keys[k], b->rows[i].key[k]);
            }
        hf_buf_putc(&keys[k], ']');
        text[k] = hf_buf_take(&keys[k], NULL);
    }
    const char *p[] = { b->t.tenant, text[0], text[1], text[2] };
    PGresult *r = text[0] && text[1] && text[2] ? hf_db_query(b->t.db, sql_find, 4, p) : NULL;
    for (int k = 0; k < KEYS; k++)
        free(text[k]);
    return r;
}

/* 2. Which candidate each row joins or makes, in file order, as one row
 * after the other would through store_candidate_create: the oldest
 * candidate with one of the row's keys (the found ones are older than any
 * the chunk makes), else a new one. `index` maps each kind of key to the
 * candidate's place. *fresh: how many new ones. */
static int plan(bulk_t *b, PGresult *found, size_t *fresh)
{
    size_t nfound = (size_t)PQntuples(found);
    cand_t *cand = realloc(b->cand, (nfound + b->n) * sizeof(*cand));
    json_t *index[KEYS] = { json_object(), json_object(), json_object() };
    int ok = cand && index[0] && index[1] && index[2];
    if (cand)
        b->cand = cand;
    b->ncand = 0;
    *fresh = 0;
    for (size_t j = 0; ok && j < nfound; j++) {
        cand_t *c = &cand[b->ncand++];
        c->id = PQgetvalue(found, (int)j, 0);
        for (int k = 0; k < KEYS; k++) {
            c->key[k] = PQgetisnull(found, (int)j, 1 + k) ? NULL : PQgetvalue(found, (int)j, 1 + k);
            if (c->key[k] && !json_object_get(index[k], c->key[k]) &&
                json_object_set_new(index[k], c->key[k], json_integer((json_int_t)j)) < 0)
                ok = 0;
        }
        c->resume = PQgetvalue(found, (int)j, 4)[0] == 't';
        c->owner = NONE;
    }
    for (size_t i = 0; ok && i < b->n; i++) {
        row_t *r = &b->rows[i];
        size_t best = NONE;
        for (int k = 0; k < KEYS; k++) {
            json_t *at = r->key[k] ? json_object_get(index[k], r->key[k]) : NULL;
            if (at && (size_t)json_integer_value(at) < best)
                best = (size_t)json_integer_value(at);
        }
        r->creates = best == NONE;
        if (r->creates) {
            best = b->ncand++;
            cand_t *c = &cand[best];
            c->id = NULL;
            memcpy(c->key, r->key, sizeof(c->key));
            c->resume = r->resume;
            c->owner = NONE;
            for (int k = 0; k < KEYS; k++)
                if (r->key[k] &&
                    json_object_set_new(index[k], r->key[k], json_integer((json_int_t)best)) < 0)
                    ok = 0;
            ++*fresh;
        } else {
            /* as candidate_find's CASE: the first of its keys that is the row's */
            r->matched = KEY_PHONE;
            while (r->matched < KEY_EXTERNAL &&
                   !(r->key[r->matched] && cand[best].key[r->matched] &&
                     !strcmp(r->key[r->matched], cand[best].key[r->matched])))
                r->matched++;
        }
        r->cand = best;
        if (cand[best].owner == NONE)
            cand[best].owner = i;
    }
    for (int k = 0; k < KEYS; k++)
        json_decref(index[k]);
    return ok ? 0 : -1;
}

/* $7 of sql_write: the Application message every new application of the
 * chunk shares, as store_application_create reads it back (application_row
 * and history_of in store.c): the job and its company, the first stage,
 * version 1, the transaction's time as every time, the first transition, and
 * no status token (store_application_event_data). id, candidateId and
 * screening are each row's. */
static char *application_template(const bulk_t *b, const char *now_us)
{
    Hrflow__V1__Timestamp now = HRFLOW__V1__TIMESTAMP__INIT;
    long long us = strtoll(now_us, NULL, 10);
    now.seconds = us / 1000000;
    now.nanos = (int32_t)(us % 1000000) * 1000;
    Hrflow__V1__Application a = HRFLOW__V1__APPLICATION__INIT;
    Hrflow__V1__Transition t = HRFLOW__V1__TRANSITION__INIT, *history[] = { &t };
    a.job_id = b->t.job->id;
    a.company_id = b->t.job->company_id;
    a.stage = (char *)b->t.first_stage;
    a.version = 1;
    a.create_time = a.update_time = a.stage_time = &now;
    t.to_stage = (char *)b->t.first_stage;
    t.actor = (char *)b->t.actor;
    t.reason = (char *)"application created";
    t.time = &now;
    a.history = history;
    a.n_history = 1;
    return dump(store_application_event_data(&a));
}

/* $2 of sql_write: per row its candidate (and, for a new one, the columns
 * bulk_add prepared), how it was matched, and for the first row of each
 * candidate its application's id and screening state. ids
 * holds an id per new candidate, then one per candidate. */
static char *write_records(bulk_t *b, PGresult *ids)
{
    int next = 0;
    for (size_t j = 0; j < b->ncand; j++)
        if (!b->cand[j].id)
            b->cand[j].id = PQgetvalue(ids, next++, 0);
    hf_buf_t out = { 0 };
    hf_buf_putc(&out, '[');
    for (size_t i = 0; i < b->n; i++) {
        const row_t *r = &b->rows[i];
        const cand_t *c = &b->cand[r->cand];
        char head[48];
        hf_buf_put(&out, head, (size_t)snprintf(head, sizeof(head), "%s{\"i\":%zu,",
                                                i ? "," : "", i));
        if (r->creates) {
            hf_buf_put(&out, b->text.p + r->cols, r->cols_len);
            hf_buf_putc(&out, ',');
        } else {
            hf_buf_puts(&out, "\"m\":\"");
            hf_buf_puts(&out, matched_on[r->matched]);
            hf_buf_puts(&out, "\",");
        }
        hf_buf_puts(&out, "\"c\":\"");
        hf_buf_puts(&out, c->id); /* a uuid */
        hf_buf_puts(&out, r->creates ? "\",\"new\":true,\"src\":" : "\",\"new\":false,\"src\":");
        hf_buf_put(&out, b->text.p + r->src, r->src_len);
        if (c->owner == i) {
            hf_buf_puts(&out, ",\"app\":\"");
            hf_buf_puts(&out, PQgetvalue(ids, next++, 0)); /* a uuid */
            hf_buf_puts(&out, "\",\"s\":");
            hf_codec_put_string(&out, automation_screening_state(b->t.job,
                                                                 c->resume ? "resume" : ""));
        }
        hf_buf_putc(&out, '}');
    }
    hf_buf_putc(&out, ']');
    return hf_buf_take(&out, NULL);
}

/* One try at the chunk: 0 written; 1 a concurrent insert took a new
 * candidate's key (rolled back: plan again); -1 the database failed
 * (rolled back). *made: applications inserted. */
static int write_chunk(bulk_t *b, uint64_t *made)
{
    if (hf_db_begin(b->t.db) < 0)
        return -1;
    size_t fresh = 0, apps = 0;
    PGresult *found = find(b), *ids = NULL, *done = NULL;
    int rc = found && plan(b, found, &fresh) == 0 ? 0 : -1;
    for (size_t j = 0; j < b->ncand; j++)
        apps += b->cand[j].owner != NONE;
    char count[24], *recs = NULL, *candidate = NULL, *application = NULL;
    snprintf(count, sizeof(count), "%zu", fresh + apps);
    const char *q[] = { count };
    if (rc == 0 && !(ids = hf_db_query(b->t.db, sql_ids, 1, q)))
        rc = -1;
    if (rc == 0) {
        Hrflow__V1__Candidate empty = HRFLOW__V1__CANDIDATE__INIT;
        recs = write_records(b, ids);
        candidate = hf_codec_encode_text(&empty.base);
        application = application_template(b, PQgetvalue(ids, 0, 1));
        const char *p[] = { b->t.tenant, recs, b->t.job->id, b->t.first_stage, b->t.actor,
                            candidate, application };
        done = recs && candidate && application ? hf_db_query(b->t.db, sql_write, 7, p) : NULL;
        rc = !done ? -1 : strtoull(PQgetvalue(done, 0, 0), NULL, 10) < fresh ? 1 : 0;
    }
    if (rc == 0)
        *made = strtoull(PQgetvalue(done, 0, 1), NULL, 10);
    free(recs), free(candidate), free(application);
    PQclear(found);
    PQclear(ids);
    PQclear(done);
    if (rc == 0 && hf_db_commit(b->t.db) == 0)
        return 0;
    hf_db_rollback(b->t.db);
    return rc == 0 ? -1 : rc;
}

int bulk_flush(bulk_t *b, uint64_t *created, uint64_t *duplicates)
{
    int rc = 0;
    uint64_t made = 0;
    for (size_t i = 0; i < b->n; i++) { /* the text grows no more: point into it */
        row_t *r = &b->rows[i];
        r->key[KEY_PHONE] = *r->idx[KEY_PHONE] ? r->idx[KEY_PHONE] : NULL;
        r->key[KEY_EMAIL] = *r->idx[KEY_EMAIL] ? r->idx[KEY_EMAIL] : NULL;
        r->key[KEY_EXTERNAL] = r->ext == NONE ? NULL : b->text.p + r->ext;
    }
    if (b->n) {
        rc = 1;
        for (int attempt = 0; attempt < ATTEMPTS && rc == 1; attempt++)
            rc = write_chunk(b, &made);
        if (rc == 1)
            hf_warn("import chunk: concurrent inserts kept taking its candidates' keys");
    }
    if (rc == 0) {
        *created += made;
        *duplicates += b->n - made;
    }
    drop_rows(b);
    return rc == 0 ? 0 : -1;
}
