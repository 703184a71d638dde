/* services/identity/store.h - every SQL statement and Redis key of identity
 *
 * The RPC handlers (handlers.c) and the command line (cli.c) both go through
 * these functions, so a tenant made by `hrflow-identity tenant create` and
 * one changed through UpdateTenant are written by the same code and produce
 * the same events.
 *
 * Tenancy: every function that reads or writes a tenant's records takes the
 * tenant id as its first argument after the store, and every statement
 * filters by it. Handlers pass the caller's tenant (hf_call_caller), never an
 * id from the request. A record of another tenant is simply not found.
 * Company restriction: `visible` lists the companies a caller may see (from
 * Caller.company_ids; n == 0 means every company of the tenant).
 *
 * Results are protobuf messages allocated in st->arena; nothing returned
 * needs freeing on its own. Writes run in their own transaction together
 * with the outbox event that describes them.
 */
#ifndef IDENTITY_STORE_H
#define IDENTITY_STORE_H

#include <libpq-fe.h>
#include <stdint.h>
#include "hf/arena.h"
#include "hf/cache.h"
#include "hrflow/v1/identity.pb-c.h"
#include "rules.h"
#include "token.h"

/* The Redis key under which the gateway caches a packed Caller for a token:
 * "hf:auth:{" + the lowercase hex SHA-256 of the token + "}" (the braces are
 * a Redis Cluster hash tag: the gateway reads it in one script with the
 * key's rate-limit state, hf:rl:{…}). Revoking a key deletes it, so a
 * revoked key stops working at once and not when the cache expires. */
#define STORE_AUTH_CACHE_KEY "hf:auth:{%s}"

typedef struct {
    PGconn *db;
    hf_arena_t *arena;          /* results are allocated here */
    const char *traceparent;    /* carried into events; may be NULL */
} store_t;

typedef enum {
    STORE_OK = 0,
    STORE_NOT_FOUND = -1,       /* no such record for this tenant (and caller) */
    STORE_EXISTS = -2,          /* a unique key is taken: slug, company code, key id */
    STORE_FAILED = -3,          /* the database failed (logged) or out of memory */
} store_rc_t;

/* The companies a caller may see; n == 0 means all of the tenant's. Ids are
 * canonical UUIDs (the handlers check). */
typedef struct {
    char *const *ids;
    size_t n;
} store_visible_t;

/* One page of a list in (create_time, id) order. after_id NULL = the first
 * page. On return, next holds the page token of the following page, or "". */
typedef struct {
    int64_t after_micros;
    const char *after_id;
    uint32_t size;
    char next[RULES_CURSOR_MAX];
} store_page_t;

/* ---- tenants ---- */

/* Create a tenant. STORE_EXISTS when the slug is taken. */
store_rc_t store_tenant_create(store_t *st, const char *slug, const char *name,
                               Hrflow__V1__Tenant **out);
store_rc_t store_tenant_get(store_t *st, const char *tenant_id, Hrflow__V1__Tenant **out);
/* By slug or id, for the command line (which has no caller). */
store_rc_t store_tenant_find(store_t *st, const char *slug_or_id, Hrflow__V1__Tenant **out);
/* Change the fields named in `fields` (TENANT_*, rules.h) to those of in.
 * STORE_EXISTS when the new slug is taken. */
store_rc_t store_tenant_update(store_t *st, const char *tenant_id, unsigned fields,
                               const Hrflow__V1__Tenant *in, Hrflow__V1__Tenant **out);

/* ---- companies ---- */

/* STORE_EXISTS when the tenant already has a company with in->code. */
store_rc_t store_company_create(store_t *st, const char *tenant_id,
                                const Hrflow__V1__Company *in, Hrflow__V1__Company **out);
store_rc_t store_company_get(store_t *st, const char *tenant_id, const store_visible_t *visible,
                             const char *id, Hrflow__V1__Company **out);
/* By id or code, every company of the tenant (the command line). */
store_rc_t store_company_find(store_t *st, const char *tenant_id, const char *id_or_code,
                              Hrflow__V1__Company **out);
/* city: "" = any. */
store_rc_t store_company_list(store_t *st, const char *tenant_id, const store_visible_t *visible,
                              const char *city, store_page_t *page,
                              Hrflow__V1__Company ***out, size_t *n);
/* Change the fields named in `fields` (COMPANY_*, rules.h). STORE_EXISTS when the new
 * code is taken by another company of the tenant. */
store_rc_t store_company_update(store_t *st, const char *tenant_id,
                                const store_visible_t *visible, const char *id, unsigned fields,
                                const Hrflow__V1__Company *in, Hrflow__V1__Company **out);
/* Which of ids (canonical UUIDs) are not companies of the tenant: their
 * positions in ids, ascending, in *missing (arena), count in *n_missing. */
store_rc_t store_companies_missing(store_t *st, const char *tenant_id, char *const *ids,
                                   size_t n, size_t **missing, size_t *n_missing);

/* ---- API keys ---- */

typedef struct {
    const char *key_id;                       /* from token_new() */
    const unsigned char *digest;              /* SHA-256 of the token, TOKEN_DIGEST_LEN */
    const char *name;
    char *const *scopes;                      /* checked by the caller */
    size_t n_scopes;
    char *const *company_ids;                 /* companies of the tenant (checked) */
    size_t n_company_ids;
} store_new_key_t;

/* STORE_EXISTS when the key id is taken (draw another token and retry). */
store_rc_t store_apikey_create(store_t *st, const char *tenant_id, const store_new_key_t *k,
                               Hrflow__V1__ApiKey **out);
/* A caller restricted to companies sees the keys restricted to a subset of them. */
store_rc_t store_apikey_list(store_t *st, const char *tenant_id, const store_visible_t *visible,
                             store_page_t *page, Hrflow__V1__ApiKey ***out, size_t *n);
/* Revoke (once: revoking a revoked key returns it unchanged and writes no
 * event). digest_hex receives the token's SHA-256 for store_forget_auth(). */
store_rc_t store_apikey_revoke(store_t *st, const char *tenant_id, const store_visible_t *visible,
                               const char *id, Hrflow__V1__ApiKey **out,
                               char digest_hex[2 * TOKEN_DIGEST_LEN + 1]);

/* Who a token belongs to: the key key_id, not revoked, whose stored digest
 * equals digest (compared in constant time). STORE_NOT_FOUND for every kind
 * of mismatch, so a caller cannot tell them apart. Records the time of use
 * (at most once a minute per key). */
store_rc_t store_authenticate(store_t *st, const char *key_id,
                              const unsigned char digest[TOKEN_DIGEST_LEN],
                              Hrflow__V1__Caller **out);

/* Delete the gateway's cached Caller of a token (STORE_AUTH_CACHE_PREFIX).
 * Returns 0 (also when nothing was cached), or -1 when Redis failed. */
int store_forget_auth(hf_cache_t *cache, const char digest_hex[2 * TOKEN_DIGEST_LEN + 1]);

#endif
