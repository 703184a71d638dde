/* services/identity/store.c - every SQL statement and Redis key of identity
 *
 * Tables (migrations/0001_init.sql): identity.tenants, identity.companies and
 * identity.api_keys. Every statement is parameterised and, but for the two
 * lookups that run before a tenant is known (store_authenticate by key id,
 * store_tenant_find for the command line), filtered by the tenant id the
 * caller hands in. Ids from requests are checked to be UUIDs before they get
 * here, so a cast never fails on user input.
 *
 * Redis: one key, STORE_AUTH_CACHE_PREFIX + hex SHA-256 of a token, holding
 * the packed Caller the gateway cached after Authenticate. The gateway writes
 * it; RevokeApiKey deletes it (store_forget_auth) after the revocation has
 * committed, so the next request with that token misses the cache and is
 * refused. Neither tokens nor their digests appear in events or logs.
 *
 * Times travel as Unix microseconds (bigint) between PostgreSQL and C, which
 * is exact; page tokens are built from the same numbers (rules.h).
 */
#include "store.h"

#include "hf/log.h"
#include "hf/outbox.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SOURCE "/hrflow/identity"
#define US(col) "(extract(epoch FROM " col ") * 1000000)::bigint"

/* The columns of each record in the field order of its message (message_row). */
#define TENANT_COLS "id, slug, name, " US("create_time") ", " US("update_time")
#define COMPANY_COLS \
    "id, tenant_id, code, name, city, credit_code, " US("create_time") ", " US("update_time")
#define APIKEY_COLS                                                                        \
    "id, tenant_id, name, array_to_string(scopes, ','), array_to_string(company_ids, ','), " \
    US("create_time") ", " US("revoke_time") ", " US("last_used_time")
/* A caller restricted to companies: $n is its list as uuid[], empty = all. */
#define VISIBLE_COMPANY(n) " AND (cardinality($" n "::uuid[]) = 0 OR id = ANY($" n "::uuid[]))"
#define VISIBLE_KEY(n)                                                    \
    " AND (cardinality($" n "::uuid[]) = 0 OR"                            \
    " (cardinality(company_ids) > 0 AND company_ids <@ $" n "::uuid[]))"
/* Rows after the cursor ($a micros, $b id; both NULL on the first page). */
#define AFTER(a, b, idtype)                                                              \
    " AND ($" a "::bigint IS NULL OR (create_time, id) >"                                \
    " (timestamptz 'epoch' + $" a "::bigint * interval '1 microsecond', $" b "::" idtype "))"

/* ---- rows to messages ---- */

static char *cell(store_t *st, const PGresult *r, int row, int col)
{
    return hf_arena_strdup(st->arena, PQgetvalue(r, row, col));
}

/* A microseconds column as a Timestamp; NULL when the column is NULL. */
static Hrflow__V1__Timestamp *cell_time(store_t *st, const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    Hrflow__V1__Timestamp *t = hf_arena_alloc(st->arena, sizeof(*t));
    if (t) {
        hrflow__v1__timestamp__init(t);
        long long us = strtoll(PQgetvalue(r, row, col), NULL, 10);
        t->seconds = us / 1000000;
        t->nanos = (int32_t)(us % 1000000) * 1000;
    }
    return t;
}

/* A comma-joined array column (scopes, uuids: no commas inside) as strings. */
static char **cell_list(store_t *st, const PGresult *r, int row, int col, size_t *n)
{
    const char *s = PQgetvalue(r, row, col);
    *n = 0;
    if (!*s)
        return NULL;
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    char **v = hf_arena_alloc(st->arena, cap * sizeof(*v));
    for (const char *p = s; v; p++) {
        size_t len = strcspn(p, ",");
        v[(*n)++] = hf_arena_strndup(st->arena, p, len);
        p += len;
        if (!*p)
            break;
    }
    return v;
}

/* Row i of r as a message of type d, in the arena: column k fills the k-th
 * field of d in field-number order (the *_COLS lists are written in that
 * order; columns past the last field are left to the caller). Strings,
 * repeated strings (arrays joined with commas) and Timestamps (microseconds)
 * are all a row holds. NULL when out of memory. */
static void *message_row(store_t *st, const ProtobufCMessageDescriptor *d, const PGresult *r,
                         int i)
{
    ProtobufCMessage *m = hf_arena_alloc(st->arena, d->sizeof_message);
    if (!m)
        return NULL;
    d->message_init(m);
    for (int k = 0; k < (int)d->n_fields && k < PQnfields(r); k++) {
        const ProtobufCFieldDescriptor *f = &d->fields[k];
        char *member = (char *)m + f->offset;
        if (f->type == PROTOBUF_C_TYPE_MESSAGE)
            *(Hrflow__V1__Timestamp **)member = cell_time(st, r, i, k);
        else if (f->label == PROTOBUF_C_LABEL_REPEATED)
            *(char ***)member =
                cell_list(st, r, i, k, (size_t *)((char *)m + f->quantifier_offset));
        else
            *(char **)member = cell(st, r, i, k);
    }
    return m;
}

/* Run a query expected to return at most one row, a message of type d.
 * out is a pointer to the caller's typed message pointer (Hrflow__V1__Tenant
 * **, …), set only on success. STORE_NOT_FOUND on zero rows. */
static store_rc_t one(store_t *st, const char *sql, int n, const char *const *p,
                      const ProtobufCMessageDescriptor *d, void *out)
{
    PGresult *r = hf_db_query(st->db, sql, n, p);
    if (!r)
        return STORE_FAILED;
    store_rc_t rc = STORE_NOT_FOUND;
    if (PQntuples(r) > 0) {
        void *row = message_row(st, d, r, 0);
        rc = row ? STORE_OK : STORE_FAILED;
        if (row)
            memcpy(out, &row, sizeof(row));
    }
    PQclear(r);
    return rc;
}

#define TENANT (&hrflow__v1__tenant__descriptor)
#define COMPANY (&hrflow__v1__company__descriptor)
#define APIKEY (&hrflow__v1__api_key__descriptor)

/* ---- parameters ---- */

/* A PostgreSQL array literal of strings: {"a","b"}, each element quoted. */
static char *array_literal(store_t *st, char *const *v, size_t n)
{
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += 2 * strlen(v[i]) + 3;
    char *s = hf_arena_alloc(st->arena, len), *o = s;
    if (!s)
        return NULL;
    *o++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = ',';
        *o++ = '"';
        for (const char *p = v[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                *o++ = '\\';
            *o++ = *p;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = '\0';
    return s;
}

static const char *visible_literal(store_t *st, const store_visible_t *v)
{
    return v && v->n ? array_literal(st, v->ids, v->n) : "{}";
}

/* ---- transactions and events ---- */

/* COMMIT when rc is STORE_OK, else ROLLBACK; returns rc (STORE_FAILED when
 * the commit fails). */
static store_rc_t finish(store_t *st, store_rc_t rc)
{
    if (rc == STORE_OK)
        return hf_db_commit(st->db) == 0 ? STORE_OK : STORE_FAILED;
    hf_db_rollback(st->db);
    return rc;
}

/* "credit_code" -> "creditCode", the proto3 JSON name. */
static void json_name(const char *proto_name, char *out, size_t len)
{
    size_t o = 0;
    for (const char *p = proto_name; *p && o + 1 < len; p++) {
        if (*p == '_' && p[1]) {
            p++;
            out[o++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

/* The string fields of a record as a JSON object with proto3 JSON names.
 * Times are left out: the event's own time says when. */
static json_t *record_json(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    json_t *o = json_object();
    for (unsigned i = 0; o && i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_STRING)
            continue;
        char key[64];
        json_name(f->name, key, sizeof(key));
        const char *member = (const char *)m + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
            char *const *v = *(char *const *const *)member;
            json_t *a = json_array();
            for (size_t k = 0; k < n; k++)
                json_array_append_new(a, json_string(v[k]));
            json_object_set_new(o, key, a);
        } else {
            const char *s = *(const char *const *)member;
            json_object_set_new(o, key, json_string(s ? s : ""));
        }
    }
    return o;
}

/* Append the event "hrflow.identity.<what>.v1" about record, whose subject
 * is "<collection>/<id>", to the outbox in the open transaction. An update
 * passes the bits of the fields it changed and their proto names (bit i is
 * names[i]); the event lists them as changedFields. */
static store_rc_t emit(store_t *st, const char *tenant_id, const char *what,
                       const char *collection, const char *id, const ProtobufCMessage *record,
                       unsigned fields, const char *const *names)
{
    json_t *data = record_json(record);
    if (data && fields) {
        json_t *a = json_array();
        for (unsigned i = 0; fields >> i; i++) {
            char key[64];
            if (!(fields & (1u << i)))
                continue;
            json_name(names[i], key, sizeof(key));
            json_array_append_new(a, json_string(key));
        }
        json_object_set_new(data, "changedFields", a);
    }
    char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    char type[128], subject[128];
    snprintf(type, sizeof(type), "hrflow.identity.%s.v1", what);
    snprintf(subject, sizeof(subject), "%s/%s", collection, id);
    hf_outbox_event_t e = { .tenant_id = tenant_id, .source = SOURCE, .type = type,
                            .subject = subject, .data_json = text,
                            .traceparent = st->traceparent };
    int rc = text ? hf_outbox_append(st->db, &e, NULL) : -1;
    free(text);
    return rc == 0 ? STORE_OK : STORE_FAILED;
}

/* INSERT … ON CONFLICT DO NOTHING RETURNING the record (a message of type d,
 * whose first field is its id) and the record's "<what>" event, in one
 * transaction; out as in one(). tenant_id NULL: the record is a tenant, its
 * own id is the tenant. STORE_EXISTS when a unique key left no row. */
static store_rc_t insert(store_t *st, const char *sql, int n, const char *const *p,
                         const ProtobufCMessageDescriptor *d, const char *tenant_id,
                         const char *what, const char *collection, void *out)
{
    void *row = NULL;
    if (hf_db_begin(st->db) < 0)
        return STORE_FAILED;
    store_rc_t rc = one(st, sql, n, p, d, &row);
    if (rc == STORE_NOT_FOUND)
        rc = STORE_EXISTS;
    if (rc == STORE_OK) {
        const char *id = *(const char *const *)((const char *)row + d->fields[0].offset);
        rc = emit(st, tenant_id ? tenant_id : id, what, collection, id, row, 0, NULL);
    }
    rc = finish(st, rc);
    if (rc == STORE_OK)
        memcpy(out, &row, sizeof(row));
    return rc;
}

/* ---- tenants ---- */

static const char sql_tenant_create[] =
    "INSERT INTO identity.tenants (slug, name) VALUES ($1, $2)"
    " ON CONFLICT (slug) DO NOTHING RETURNING " TENANT_COLS;
static const char sql_tenant_get[] =
    "SELECT " TENANT_COLS " FROM identity.tenants WHERE id = $1::uuid";
static const char sql_tenant_find[] =
    "SELECT " TENANT_COLS " FROM identity.tenants WHERE slug = $1 OR id::text = $1";
static const char sql_tenant_slug_taken[] =
    "SELECT 1 FROM identity.tenants WHERE slug = $2 AND id <> $1::uuid";
static const char sql_tenant_update[] =
    "UPDATE identity.tenants SET"
    " slug = CASE WHEN $2::int & 1 <> 0 THEN $3 ELSE slug END,"
    " name = CASE WHEN $2::int & 2 <> 0 THEN $4 ELSE name END,"
    " update_time = now()"
    " WHERE id = $1::uuid RETURNING " TENANT_COLS;

/* Proto names of the TENANT_* bits, in bit order. */
static const char *const tenant_fields[] = { "slug", "name" };

store_rc_t store_tenant_create(store_t *st, const char *slug, const char *name,
                               Hrflow__V1__Tenant **out)
{
    const char *p[] = { slug, name };
    return insert(st, sql_tenant_create, 2, p, TENANT, NULL, "tenant.created", "tenants", out);
}

store_rc_t store_tenant_get(store_t *st, const char *tenant_id, Hrflow__V1__Tenant **out)
{
    const char *p[] = { tenant_id };
    return one(st, sql_tenant_get, 1, p, TENANT, out);
}

store_rc_t store_tenant_find(store_t *st, const char *slug_or_id, Hrflow__V1__Tenant **out)
{
    const char *p[] = { slug_or_id };
    return one(st, sql_tenant_find, 1, p, TENANT, out);
}

/* 1 when sql (with params p) returns a row, 0 when not, -1 on error. */
static int exists(store_t *st, const char *sql, int n, const char *const *p)
{
    PGresult *r = hf_db_query(st->db, sql, n, p);
    int found = r ? PQntuples(r) > 0 : -1;
    PQclear(r);
    return found;
}

store_rc_t store_tenant_update(store_t *st, const char *tenant_id, unsigned fields,
                               const Hrflow__V1__Tenant *in, Hrflow__V1__Tenant **out)
{
    char mask[16];
    snprintf(mask, sizeof(mask), "%u", fields);
    const char *p[] = { tenant_id, mask, in->slug ? in->slug : "", in->name ? in->name : "" };
    if (hf_db_begin(st->db) < 0)
        return STORE_FAILED;
    store_rc_t rc = STORE_OK;
    if (fields & TENANT_SLUG) {
        int taken = exists(st, sql_tenant_slug_taken, 2, (const char *const[]){ tenant_id, p[2] });
        rc = taken < 0 ? STORE_FAILED : taken ? STORE_EXISTS : STORE_OK;
    }
    if (rc == STORE_OK)
        rc = one(st, sql_tenant_update, 4, p, TENANT, out);
    if (rc == STORE_OK)
        rc = emit(st, (*out)->id, "tenant.updated", "tenants", (*out)->id, &(*out)->base, fields,
                  tenant_fields);
    return finish(st, rc);
}

/* ---- companies ---- */

static const char sql_company_create[] =
    "INSERT INTO identity.companies (tenant_id, code, name, city, credit_code)"
    " VALUES ($1::uuid, $2, $3, $4, $5)"
    " ON CONFLICT (tenant_id, code) DO NOTHING RETURNING " COMPANY_COLS;
static const char sql_company_get[] =
    "SELECT " COMPANY_COLS " FROM identity.companies"
    " WHERE tenant_id = $1::uuid AND id = $2::uuid" VISIBLE_COMPANY("3");
static const char sql_company_lock[] =
    "SELECT " COMPANY_COLS " FROM identity.companies"
    " WHERE tenant_id = $1::uuid AND id = $2::uuid" VISIBLE_COMPANY("3") " FOR UPDATE";
static const char sql_company_find[] =
    "SELECT " COMPANY_COLS " FROM identity.companies"
    " WHERE tenant_id = $1::uuid AND (id::text = $2 OR code = $2)";
static const char sql_company_list[] =
    "SELECT " COMPANY_COLS " FROM identity.companies"
    " WHERE tenant_id = $1::uuid" VISIBLE_COMPANY("2") " AND ($3 = '' OR city = $3)"
    AFTER("4", "5", "uuid") " ORDER BY create_time, id LIMIT $6";
static const char sql_company_code_taken[] =
    "SELECT 1 FROM identity.companies WHERE tenant_id = $1::uuid AND code = $3 AND id <> $2::uuid";
static const char sql_company_update[] =
    "UPDATE identity.companies SET"
    " code = CASE WHEN $3::int & 1 <> 0 THEN $4 ELSE code END,"
    " name = CASE WHEN $3::int & 2 <> 0 THEN $5 ELSE name END,"
    " city = CASE WHEN $3::int & 4 <> 0 THEN $6 ELSE city END,"
    " credit_code = CASE WHEN $3::int & 8 <> 0 THEN $7 ELSE credit_code END,"
    " update_time = now()"
    " WHERE tenant_id = $1::uuid AND id = $2::uuid RETURNING " COMPANY_COLS;
static const char sql_companies_missing[] =
    "SELECT u.i - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS u(id, i)"
    " WHERE NOT EXISTS (SELECT 1 FROM identity.companies c"
    "                   WHERE c.tenant_id = $1::uuid AND c.id = u.id)"
    " ORDER BY u.i";

/* Proto names of the COMPANY_* bits, in bit order. */
static const char *const company_fields[] = { "code", "name", "city", "credit_code" };

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

store_rc_t store_company_create(store_t *st, const char *tenant_id,
                                const Hrflow__V1__Company *in, Hrflow__V1__Company **out)
{
    const char *p[] = { tenant_id, or_empty(in->code), or_empty(in->name), or_empty(in->city),
                        or_empty(in->credit_code) };
    return insert(st, sql_company_create, 5, p, COMPANY, tenant_id, "company.created",
                  "companies", out);
}

store_rc_t store_company_get(store_t *st, const char *tenant_id, const store_visible_t *visible,
                             const char *id, Hrflow__V1__Company **out)
{
    const char *p[] = { tenant_id, id, visible_literal(st, visible) };
    return p[2] ? one(st, sql_company_get, 3, p, COMPANY, out) : STORE_FAILED;
}

store_rc_t store_company_find(store_t *st, const char *tenant_id, const char *id_or_code,
                              Hrflow__V1__Company **out)
{
    const char *p[] = { tenant_id, id_or_code };
    return one(st, sql_company_find, 2, p, COMPANY, out);
}

/* Run a list query whose last parameter is the row limit: fetch one row
 * more than the page to know whether another page follows, build the rows
 * as messages of type d and write the next page token from the last row's create time
 * (column time_col) and id (column 0). */
static store_rc_t page_of(store_t *st, const char *sql, int n, const char **p,
                          store_page_t *page, int time_col, const ProtobufCMessageDescriptor *d,
                          void ***out, size_t *n_out)
{
    char micros[24], limit[16];
    snprintf(micros, sizeof(micros), "%lld", (long long)page->after_micros);
    snprintf(limit, sizeof(limit), "%u", page->size + 1);
    p[n - 3] = page->after_id ? micros : NULL;
    p[n - 2] = page->after_id;
    p[n - 1] = limit;
    page->next[0] = '\0';
    *out = NULL;
    *n_out = 0;
    PGresult *r = hf_db_query(st->db, sql, n, p);
    if (!r)
        return STORE_FAILED;
    int rows = PQntuples(r), take = rows > (int)page->size ? (int)page->size : rows;
    store_rc_t rc = STORE_OK;
    if (take > 0 && !(*out = hf_arena_alloc(st->arena, (size_t)take * sizeof(void *))))
        rc = STORE_FAILED;
    for (int i = 0; rc == STORE_OK && i < take; i++)
        if (!((*out)[(*n_out)++] = message_row(st, d, r, i)))
            rc = STORE_FAILED;
    if (rc == STORE_OK && rows > take)
        rules_cursor_format(strtoll(PQgetvalue(r, take - 1, time_col), NULL, 10),
                            PQgetvalue(r, take - 1, 0), page->next);
    PQclear(r);
    return rc;
}

store_rc_t store_company_list(store_t *st, const char *tenant_id, const store_visible_t *visible,
                              const char *city, store_page_t *page,
                              Hrflow__V1__Company ***out, size_t *n)
{
    const char *p[6] = { tenant_id, visible_literal(st, visible), or_empty(city) };
    if (!p[1])
        return STORE_FAILED;
    void **rows = NULL;
    store_rc_t rc = page_of(st, sql_company_list, 6, p, page, 6, COMPANY, &rows, n);
    *out = (Hrflow__V1__Company **)rows;
    return rc;
}

store_rc_t store_company_update(store_t *st, const char *tenant_id,
                                const store_visible_t *visible, const char *id, unsigned fields,
                                const Hrflow__V1__Company *in, Hrflow__V1__Company **out)
{
    char mask[16];
    snprintf(mask, sizeof(mask), "%u", fields);
    const char *key[] = { tenant_id, id, visible_literal(st, visible) };
    const char *p[] = { tenant_id, id, mask, or_empty(in->code), or_empty(in->name),
                        or_empty(in->city), or_empty(in->credit_code) };
    if (!key[2] || hf_db_begin(st->db) < 0)
        return STORE_FAILED;
    Hrflow__V1__Company *before = NULL;
    store_rc_t rc = one(st, sql_company_lock, 3, key, COMPANY, &before);
    if (rc == STORE_OK && (fields & COMPANY_CODE)) {
        int taken =
            exists(st, sql_company_code_taken, 3, (const char *const[]){ tenant_id, id, p[3] });
        rc = taken < 0 ? STORE_FAILED : taken ? STORE_EXISTS : STORE_OK;
    }
    if (rc == STORE_OK)
        rc = one(st, sql_company_update, 7, p, COMPANY, out);
    if (rc == STORE_OK)
        rc = emit(st, tenant_id, "company.updated", "companies", (*out)->id, &(*out)->base, fields,
                  company_fields);
    return finish(st, rc);
}

store_rc_t store_companies_missing(store_t *st, const char *tenant_id, char *const *ids,
                                   size_t n, size_t **missing, size_t *n_missing)
{
    *missing = NULL;
    *n_missing = 0;
    if (n == 0)
        return STORE_OK;
    const char *p[] = { tenant_id, array_literal(st, ids, n) };
    PGresult *r = p[1] ? hf_db_query(st->db, sql_companies_missing, 2, p) : NULL;
    if (!r)
        return STORE_FAILED;
    int rows = PQntuples(r);
    if (rows > 0 && !(*missing = hf_arena_alloc(st->arena, (size_t)rows * sizeof(size_t)))) {
        PQclear(r);
        return STORE_FAILED;
    }
    for (int i = 0; i < rows; i++)
        (*missing)[(*n_missing)++] = (size_t)strtoul(PQgetvalue(r, i, 0), NULL, 10);
    PQclear(r);
    return STORE_OK;
}

/* ---- API keys ---- */

static const char sql_apikey_create[] =
    "INSERT INTO identity.api_keys (tenant_id, id, name, scopes, company_ids, token_sha256)"
    " VALUES ($1::uuid, $2, $3, $4::text[], $5::uuid[], decode($6, 'hex'))"
    " ON CONFLICT (id) DO NOTHING RETURNING " APIKEY_COLS;
static const char sql_apikey_list[] =
    "SELECT " APIKEY_COLS " FROM identity.api_keys"
    " WHERE tenant_id = $1::uuid" VISIBLE_KEY("2")
    AFTER("3", "4", "text") " ORDER BY create_time, id LIMIT $5";
static const char sql_apikey_lock[] =
    "SELECT " APIKEY_COLS ", encode(token_sha256, 'hex') FROM identity.api_keys"
    " WHERE tenant_id = $1::uuid AND id = $2" VISIBLE_KEY("3") " FOR UPDATE";
static const char sql_apikey_revoke[] =
    "UPDATE identity.api_keys SET revoke_time = now()"
    " WHERE tenant_id = $1::uuid AND id = $2 RETURNING " APIKEY_COLS;
/* A Caller (tenant_id, scopes, actor, company_ids), then what decides. */
static const char sql_authenticate[] =
    "SELECT tenant_id, array_to_string(scopes, ','), id, array_to_string(company_ids, ','),"
    " encode(token_sha256, 'hex'), revoke_time IS NULL,"
    " last_used_time IS NULL OR last_used_time < now() - interval '1 minute'"
    " FROM identity.api_keys WHERE id = $1";
static const char sql_touch[] =
    "UPDATE identity.api_keys SET last_used_time = now() WHERE tenant_id = $1::uuid AND id = $2";

store_rc_t store_apikey_create(store_t *st, const char *tenant_id, const store_new_key_t *k,
                               Hrflow__V1__ApiKey **out)
{
    char digest[2 * TOKEN_DIGEST_LEN + 1];
    token_digest_hex(k->digest, digest);
    const char *p[] = { tenant_id, k->key_id, or_empty(k->name),
                        array_literal(st, k->scopes, k->n_scopes),
                        array_literal(st, k->company_ids, k->n_company_ids), digest };
    if (!p[3] || !p[4])
        return STORE_FAILED;
    return insert(st, sql_apikey_create, 6, p, APIKEY, tenant_id, "api_key.created", "apikeys",
                  out);
}

store_rc_t store_apikey_list(store_t *st, const char *tenant_id, const store_visible_t *visible,
                             store_page_t *page, Hrflow__V1__ApiKey ***out, size_t *n)
{
    const char *p[5] = { tenant_id, visible_literal(st, visible) };
    if (!p[1])
        return STORE_FAILED;
    void **rows = NULL;
    store_rc_t rc = page_of(st, sql_apikey_list, 5, p, page, 5, APIKEY, &rows, n);
    *out = (Hrflow__V1__ApiKey **)rows;
    return rc;
}

store_rc_t store_apikey_revoke(store_t *st, const char *tenant_id, const store_visible_t *visible,
                               const char *id, Hrflow__V1__ApiKey **out,
                               char digest_hex[2 * TOKEN_DIGEST_LEN + 1])
{
    const char *p[] = { tenant_id, id, visible_literal(st, visible) };
    if (!p[2] || hf_db_begin(st->db) < 0)
        return STORE_FAILED;
    PGresult *r = hf_db_query(st->db, sql_apikey_lock, 3, p);
    store_rc_t rc = !r ? STORE_FAILED : PQntuples(r) == 0 ? STORE_NOT_FOUND : STORE_OK;
    int revoked = 0;
    if (rc == STORE_OK) {
        snprintf(digest_hex, 2 * TOKEN_DIGEST_LEN + 1, "%s", PQgetvalue(r, 0, 8));
        revoked = !PQgetisnull(r, 0, 6);
        *out = message_row(st, APIKEY, r, 0);
        rc = *out ? STORE_OK : STORE_FAILED;
    }
    PQclear(r);
    if (rc == STORE_OK && !revoked) {
        rc = one(st, sql_apikey_revoke, 2, p, APIKEY, out);
        if (rc == STORE_OK)
            rc = emit(st, tenant_id, "api_key.revoked", "apikeys", (*out)->id, &(*out)->base, 0,
                      NULL);
    }
    return finish(st, rc);
}

store_rc_t store_authenticate(store_t *st, const char *key_id,
                              const unsigned char digest[TOKEN_DIGEST_LEN],
                              Hrflow__V1__Caller **out)
{
    const char *p[] = { key_id };
    PGresult *r = hf_db_query(st->db, sql_authenticate, 1, p);
    if (!r)
        return STORE_FAILED;
    unsigned char stored[TOKEN_DIGEST_LEN];
    int ok = PQntuples(r) == 1 && token_digest_parse(PQgetvalue(r, 0, 4), stored) == 0 &&
             token_digest_equal(stored, digest) && strcmp(PQgetvalue(r, 0, 5), "t") == 0;
    store_rc_t rc = ok ? STORE_OK : STORE_NOT_FOUND;
    Hrflow__V1__Caller *c = ok ? message_row(st, &hrflow__v1__caller__descriptor, r, 0) : NULL;
    if (ok && !c)
        rc = STORE_FAILED;
    if (c) {
        *out = c;
        /* when it was last used, to the minute: a write per minute, not per request */
        if (strcmp(PQgetvalue(r, 0, 6), "t") == 0 &&
            hf_db_exec(st->db, sql_touch, 2, (const char *const[]){ c->tenant_id, key_id },
                       NULL) < 0)
            hf_warn("could not record the use of api key %s", key_id);
    }
    PQclear(r);
    return rc;
}

int store_forget_auth(hf_cache_t *cache, const char digest_hex[2 * TOKEN_DIGEST_LEN + 1])
{
    redisReply *r = hf_cache_command(cache, "DEL " STORE_AUTH_CACHE_KEY, digest_hex);
    int ok = r && r->type == REDIS_REPLY_INTEGER;
    if (r)
        freeReplyObject(r);
    return ok ? 0 : -1;
}
