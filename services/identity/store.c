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
 * it; RevokeApiKey replaces it with a tombstone (store_forget_auth) after the
 * revocation has committed, so the next request with that token is refused
 * and a late write from a gateway cannot put it back (store.h). Neither tokens nor their digests appear in events or logs.
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

/* The columns of each record in the field order of its message (message_row). */
#define TENANT_COLS "id, slug, name, " HF_MICROS("create_time") ", " HF_MICROS("update_time")
#define COMPANY_COLS \
    "id, tenant_id, code, name, city, credit_code, " HF_MICROS("create_time") ", " HF_MICROS("update_time")
#define APIKEY_COLS                                                                        \
    "id, tenant_id, name, array_to_string(scopes, ','), array_to_string(company_ids, ','), " \
    HF_MICROS("create_time") ", " HF_MICROS("revoke_time") ", " HF_MICROS("last_used_time")
/* A caller restricted to companies: $n is its list as uuid[], empty = all. */
#define VISIBLE_COMPANY(n) " AND " HF_SEES_COMPANY("id", n)
#define VISIBLE_KEY(n)                                                    \
    " AND (cardinality($" n "::uuid[]) = 0 OR"                            \
    " (cardinality(company_ids) > 0 AND company_ids <@ $" n "::uuid[]))"
/* Rows after the page's cursor, in creation order ($a time, $b id, $c limit). */
#define AFTER(a, b, idtype, c)                                                           \
    " AND (create_time, id) > ($" a "::timestamptz, $" b "::" idtype ")"                  \
    " ORDER BY create_time, id LIMIT $" c "::int"

/* ---- rows to messages ---- */

/* A comma-joined array column (scopes, uuids: no commas inside) as strings. */
static char **cell_list(hf_store_t *st, const PGresult *r, int row, int col, size_t *n)
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
static void *message_row(hf_store_t *st, const ProtobufCMessageDescriptor *d, const PGresult *r,
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
            *(Hrflow__V1__Timestamp **)member = hf_store_time(st, r, i, k);
        else if (f->label == PROTOBUF_C_LABEL_REPEATED)
            *(char ***)member =
                cell_list(st, r, i, k, (size_t *)((char *)m + f->quantifier_offset));
        else
            *(char **)member = hf_store_cell(st, r, i, k);
    }
    return m;
}

#define TENANT (&hrflow__v1__tenant__descriptor)
#define COMPANY (&hrflow__v1__company__descriptor)
#define APIKEY (&hrflow__v1__api_key__descriptor)

/* Rows as messages of each record type, for hf_store_one and hf_page_rows. */
static void *tenant_at(hf_store_t *st, PGresult *r, int i)
{
    return message_row(st, TENANT, r, i);
}

static void *company_at(hf_store_t *st, PGresult *r, int i)
{
    return message_row(st, COMPANY, r, i);
}

static void *apikey_at(hf_store_t *st, PGresult *r, int i)
{
    return message_row(st, APIKEY, r, i);
}

/* ---- transactions and events ---- */

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
static int emit(hf_store_t *st, const char *tenant_id, const char *what,
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
    return rc == 0 ? HF_OK : HF_EDB;
}

/* INSERT … ON CONFLICT DO NOTHING RETURNING the record (a message of type d,
 * whose first field is its id) and the record's "<what>" event, in one
 * transaction; out as in hf_store_one(). tenant_id NULL: the record is a tenant, its
 * own id is the tenant. HF_EEXISTS when a unique key left no row. */
static int insert(hf_store_t *st, const char *sql, int n, const char *const *p,
                  void *(*at)(hf_store_t *, PGresult *, int), const char *tenant_id,
                  const char *what, const char *collection, void *out)
{
    void *row = NULL;
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    int rc = hf_store_one(st, sql, n, p, at, &row);
    if (rc == HF_ENOTFOUND)
        rc = HF_EEXISTS;
    if (rc == HF_OK) {
        const ProtobufCMessageDescriptor *d = ((const ProtobufCMessage *)row)->descriptor;
        const char *id = *(const char *const *)((const char *)row + d->fields[0].offset);
        rc = emit(st, tenant_id ? tenant_id : id, what, collection, id, row, 0, NULL);
    }
    rc = hf_store_finish(st, rc);
    if (rc == HF_OK)
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

int store_tenant_create(hf_store_t *st, const char *slug, const char *name,
                        Hrflow__V1__Tenant **out)
{
    const char *p[] = { slug, name };
    return insert(st, sql_tenant_create, 2, p, tenant_at, NULL, "tenant.created", "tenants", out);
}

int store_tenant_get(hf_store_t *st, Hrflow__V1__Tenant **out)
{
    const char *p[] = { st->tenant };
    return hf_store_one(st, sql_tenant_get, 1, p, tenant_at, out);
}

int store_tenant_find(hf_store_t *st, const char *slug_or_id, Hrflow__V1__Tenant **out)
{
    const char *p[] = { slug_or_id };
    return hf_store_one(st, sql_tenant_find, 1, p, tenant_at, out);
}

/* 1 when sql (with params p) returns a row, 0 when not, -1 on error. */
static int exists(hf_store_t *st, const char *sql, int n, const char *const *p)
{
    PGresult *r = hf_db_query(st->db, sql, n, p);
    int found = r ? PQntuples(r) > 0 : -1;
    PQclear(r);
    return found;
}

int store_tenant_update(hf_store_t *st, unsigned fields, const Hrflow__V1__Tenant *in,
                        Hrflow__V1__Tenant **out)
{
    const char *tenant_id = st->tenant;
    char mask[16];
    snprintf(mask, sizeof(mask), "%u", fields);
    const char *p[] = { tenant_id, mask, in->slug ? in->slug : "", in->name ? in->name : "" };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    int rc = HF_OK;
    if (fields & TENANT_SLUG) {
        int taken = exists(st, sql_tenant_slug_taken, 2, (const char *const[]){ tenant_id, p[2] });
        rc = taken < 0 ? HF_EDB : taken ? HF_EEXISTS : HF_OK;
    }
    if (rc == HF_OK)
        rc = hf_store_one(st, sql_tenant_update, 4, p, tenant_at, out);
    if (rc == HF_OK)
        rc = emit(st, (*out)->id, "tenant.updated", "tenants", (*out)->id, &(*out)->base, fields,
                  tenant_fields);
    return hf_store_finish(st, rc);
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
    AFTER("4", "5", "uuid", "6");
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

int store_company_create(hf_store_t *st, const Hrflow__V1__Company *in, Hrflow__V1__Company **out)
{
    const char *tenant_id = st->tenant;
    const char *p[] = { tenant_id, or_empty(in->code), or_empty(in->name), or_empty(in->city),
                        or_empty(in->credit_code) };
    return insert(st, sql_company_create, 5, p, company_at, tenant_id, "company.created",
                  "companies", out);
}

int store_company_get(hf_store_t *st, const char *id, Hrflow__V1__Company **out)
{
    const char *p[] = { st->tenant, id, hf_store_companies(st) };
    return p[2] ? hf_store_one(st, sql_company_get, 3, p, company_at, out) : HF_EDB;
}

int store_company_find(hf_store_t *st, const char *id_or_code, Hrflow__V1__Company **out)
{
    const char *p[] = { st->tenant, id_or_code };
    return hf_store_one(st, sql_company_find, 2, p, company_at, out);
}

int store_company_list(hf_store_t *st, const char *city, hf_page_t *page,
                       Hrflow__V1__Company ***out, size_t *n)
{
    const char *p[6] = { st->tenant, hf_store_companies(st), or_empty(city) };
    if (!p[1])
        return HF_ENOMEM;
    return hf_page_rows(st, hf_page_query(st, sql_company_list, 6, p, 6, page), page,
                        company_at, (void ***)out, n);
}

int store_company_update(hf_store_t *st, const char *id, unsigned fields,
                         const Hrflow__V1__Company *in, Hrflow__V1__Company **out)
{
    const char *tenant_id = st->tenant;
    char mask[16];
    snprintf(mask, sizeof(mask), "%u", fields);
    const char *key[] = { tenant_id, id, hf_store_companies(st) };
    const char *p[] = { tenant_id, id, mask, or_empty(in->code), or_empty(in->name),
                        or_empty(in->city), or_empty(in->credit_code) };
    if (!key[2] || hf_db_begin(st->db) < 0)
        return HF_EDB;
    Hrflow__V1__Company *before = NULL;
    int rc = hf_store_one(st, sql_company_lock, 3, key, company_at, &before);
    if (rc == HF_OK && (fields & COMPANY_CODE)) {
        int taken =
            exists(st, sql_company_code_taken, 3, (const char *const[]){ tenant_id, id, p[3] });
        rc = taken < 0 ? HF_EDB : taken ? HF_EEXISTS : HF_OK;
    }
    if (rc == HF_OK)
        rc = hf_store_one(st, sql_company_update, 7, p, company_at, out);
    if (rc == HF_OK)
        rc = emit(st, tenant_id, "company.updated", "companies", (*out)->id, &(*out)->base, fields,
                  company_fields);
    return hf_store_finish(st, rc);
}

int store_companies_missing(hf_store_t *st, char *const *ids, size_t n, size_t **missing,
                            size_t *n_missing)
{
    const char *tenant_id = st->tenant;
    *missing = NULL;
    *n_missing = 0;
    if (n == 0)
        return HF_OK;
    const char *p[] = { tenant_id, hf_store_array(st, (const char *const *)ids, n) };
    PGresult *r = p[1] ? hf_db_query(st->db, sql_companies_missing, 2, p) : NULL;
    if (!r)
        return HF_EDB;
    int rows = PQntuples(r);
    if (rows > 0 && !(*missing = hf_arena_alloc(st->arena, (size_t)rows * sizeof(size_t)))) {
        PQclear(r);
        return HF_EDB;
    }
    for (int i = 0; i < rows; i++)
        (*missing)[(*n_missing)++] = (size_t)strtoul(PQgetvalue(r, i, 0), NULL, 10);
    PQclear(r);
    return HF_OK;
}

/* ---- API keys ---- */

static const char sql_apikey_create[] =
    "INSERT INTO identity.api_keys (tenant_id, id, name, scopes, company_ids, token_sha256)"
    " VALUES ($1::uuid, $2, $3, $4::text[], $5::uuid[], decode($6, 'hex'))"
    " ON CONFLICT (id) DO NOTHING RETURNING " APIKEY_COLS;
static const char sql_apikey_list[] =
    "SELECT " APIKEY_COLS " FROM identity.api_keys"
    " WHERE tenant_id = $1::uuid" VISIBLE_KEY("2")
    AFTER("3", "4", "text", "5");
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

int store_apikey_create(hf_store_t *st, const store_new_key_t *k, Hrflow__V1__ApiKey **out)
{
    const char *tenant_id = st->tenant;
    char digest[2 * TOKEN_DIGEST_LEN + 1];
    token_digest_hex(k->digest, digest);
    const char *p[] = { tenant_id, k->key_id, or_empty(k->name),
                        hf_store_array(st, (const char *const *)k->scopes, k->n_scopes),
                        hf_store_array(st, (const char *const *)k->company_ids, k->n_company_ids), digest };
    if (!p[3] || !p[4])
        return HF_EDB;
    return insert(st, sql_apikey_create, 6, p, apikey_at, tenant_id, "api_key.created", "apikeys",
                  out);
}

int store_apikey_list(hf_store_t *st, hf_page_t *page, Hrflow__V1__ApiKey ***out, size_t *n)
{
    const char *p[5] = { st->tenant, hf_store_companies(st) };
    if (!p[1])
        return HF_ENOMEM;
    return hf_page_rows(st, hf_page_query(st, sql_apikey_list, 5, p, 5, page), page,
                        apikey_at, (void ***)out, n);
}

int store_apikey_revoke(hf_store_t *st, const char *id, Hrflow__V1__ApiKey **out,
                        char digest_hex[2 * TOKEN_DIGEST_LEN + 1])
{
    const char *tenant_id = st->tenant;
    const char *p[] = { tenant_id, id, hf_store_companies(st) };
    if (!p[2] || hf_db_begin(st->db) < 0)
        return HF_EDB;
    PGresult *r = hf_db_query(st->db, sql_apikey_lock, 3, p);
    int rc = !r ? HF_EDB : PQntuples(r) == 0 ? HF_ENOTFOUND : HF_OK;
    int revoked = 0;
    if (rc == HF_OK) {
        snprintf(digest_hex, 2 * TOKEN_DIGEST_LEN + 1, "%s", PQgetvalue(r, 0, 8));
        revoked = !PQgetisnull(r, 0, 6);
        *out = message_row(st, APIKEY, r, 0);
        rc = *out ? HF_OK : HF_EDB;
    }
    PQclear(r);
    if (rc == HF_OK && !revoked) {
        rc = hf_store_one(st, sql_apikey_revoke, 2, p, apikey_at, out);
        if (rc == HF_OK)
            rc = emit(st, tenant_id, "api_key.revoked", "apikeys", (*out)->id, &(*out)->base, 0,
                      NULL);
    }
    return hf_store_finish(st, rc);
}

int store_authenticate(hf_store_t *st, const char *key_id,
                       const unsigned char digest[TOKEN_DIGEST_LEN],
                       Hrflow__V1__Caller **out)
{
    const char *p[] = { key_id };
    PGresult *r = hf_db_query(st->db, sql_authenticate, 1, p);
    if (!r)
        return HF_EDB;
    unsigned char stored[TOKEN_DIGEST_LEN];
    int ok = PQntuples(r) == 1 && token_digest_parse(PQgetvalue(r, 0, 4), stored) == 0 &&
             token_digest_equal(stored, digest) && strcmp(PQgetvalue(r, 0, 5), "t") == 0;
    int rc = ok ? HF_OK : HF_ENOTFOUND;
    Hrflow__V1__Caller *c = ok ? message_row(st, &hrflow__v1__caller__descriptor, r, 0) : NULL;
    if (ok && !c)
        rc = HF_EDB;
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
    /* a tombstone, not a DEL: a gateway that read the key from identity just
     * before the revocation committed caches it with SET NX, which cannot
     * overwrite this (services/gateway/auth.c) */
    redisReply *r = hf_cache_command(cache, "SET " STORE_AUTH_CACHE_KEY " revoked EX %d",
                                     digest_hex, STORE_AUTH_TOMBSTONE_S);
    int ok = r && r->type == REDIS_REPLY_STATUS;
    if (r)
        freeReplyObject(r);
    return ok ? 0 : -1;
}
