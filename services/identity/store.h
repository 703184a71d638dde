/* services/identity/store.h - every SQL statement and Redis key of identity
 *
 * The RPC handlers (handlers.c) and the command line (cli.c) both go through
 * these functions, so a tenant made by `hrflow-identity tenant create` and
 * one changed through UpdateTenant are written by the same code and produce
 * the same events.
 *
 * The one store shape (hf/store.h): every function takes the caller's
 * context, and every statement that reads or writes a tenant's records
 * filters by st->tenant (the caller's, never an id from the request) and by
 * the companies the caller acts for (st->companies; none = every company of
 * the tenant). A record of another tenant, or outside the caller's companies,
 * is simply HF_ENOTFOUND.
 *
 * Results are protobuf messages allocated in st->arena; nothing returned
 * needs freeing on its own. Writes run in their own transaction together
 * with the outbox event that describes them.
 */
#ifndef IDENTITY_STORE_H
#define IDENTITY_STORE_H

#include <libpq-fe.h>
#include <stdint.h>
#include "hf/cache.h"
#include "hf/store.h"
#include "hrflow/v1/identity.pb-c.h"
#include "rules.h"
#include "token.h"

/* The Redis key under which the gateway caches a packed Caller for a token:
 * "hf:auth:{" + the lowercase hex SHA-256 of the token + "}" (the braces are
 * a Redis Cluster hash tag: the gateway reads it in one script with the
 * key's rate-limit state, hf:rl:{…}). Revoking a key replaces it with the
 * tombstone "revoked" for STORE_AUTH_TOMBSTONE_S (longer than any lookup
 * can be in flight, and than the gateway's cache time), which the gateway
 * answers with 401 and its SET NX cannot overwrite: a revoked key stops
 * working at once and not when the cache expires, even when a gateway
 * caches an answer identity gave just before the revocation. */
#define STORE_AUTH_CACHE_KEY "hf:auth:{%s}"
#define STORE_AUTH_TOMBSTONE_S 3600

/* ---- tenants ---- */

/* Create a tenant (st->tenant is not used). HF_EEXISTS when the slug is taken. */
int store_tenant_create(hf_store_t *st, const char *slug, const char *name,
                        Hrflow__V1__Tenant **out);
/* The caller's tenant. */
int store_tenant_get(hf_store_t *st, Hrflow__V1__Tenant **out);
/* By slug or id, for the command line (which has no caller). */
int store_tenant_find(hf_store_t *st, const char *slug_or_id, Hrflow__V1__Tenant **out);
/* Change the fields named in `fields` (TENANT_*, rules.h) to those of in.
 * HF_EEXISTS when the new slug is taken. */
int store_tenant_update(hf_store_t *st, unsigned fields, const Hrflow__V1__Tenant *in,
                        Hrflow__V1__Tenant **out);

/* ---- companies ---- */

/* HF_EEXISTS when the tenant already has a company with in->code. */
int store_company_create(hf_store_t *st, const Hrflow__V1__Company *in, Hrflow__V1__Company **out);
int store_company_get(hf_store_t *st, const char *id, Hrflow__V1__Company **out);
/* By id or code, every company of the tenant (the command line). */
int store_company_find(hf_store_t *st, const char *id_or_code, Hrflow__V1__Company **out);
/* city: "" = any. */
int store_company_list(hf_store_t *st, const char *city, hf_page_t *page,
                       Hrflow__V1__Company ***out, size_t *n);
/* Change the fields named in `fields` (COMPANY_*, rules.h). HF_EEXISTS when the new
 * code is taken by another company of the tenant. */
int store_company_update(hf_store_t *st, const char *id, unsigned fields,
                         const Hrflow__V1__Company *in, Hrflow__V1__Company **out);
/* Which of ids (canonical UUIDs) are not companies of the tenant: their
 * positions in ids, ascending, in *missing (arena), count in *n_missing. */
int store_companies_missing(hf_store_t *st, char *const *ids, size_t n, size_t **missing,
                            size_t *n_missing);

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

/* HF_EEXISTS when the key id is taken (draw another token and retry). */
int store_apikey_create(hf_store_t *st, const store_new_key_t *k, Hrflow__V1__ApiKey **out);
/* A caller restricted to companies sees the keys restricted to a subset of them. */
int store_apikey_list(hf_store_t *st, hf_page_t *page, Hrflow__V1__ApiKey ***out, size_t *n);
/* Revoke (once: revoking a revoked key returns it unchanged and writes no
 * event). digest_hex receives the token's SHA-256 for store_forget_auth(). */
int store_apikey_revoke(hf_store_t *st, const char *id, Hrflow__V1__ApiKey **out,
                        char digest_hex[2 * TOKEN_DIGEST_LEN + 1]);

/* Who a token belongs to: the key key_id, not revoked, whose stored digest
 * equals digest (compared in constant time); st->tenant is not used.
 * HF_ENOTFOUND for every kind of mismatch, so a caller cannot tell them
 * apart. Records the time of use (at most once a minute per key). */
int store_authenticate(hf_store_t *st, const char *key_id,
                       const unsigned char digest[TOKEN_DIGEST_LEN], Hrflow__V1__Caller **out);

/* Delete the gateway's cached Caller of a token (STORE_AUTH_CACHE_PREFIX).
 * Returns 0 (also when nothing was cached), or -1 when Redis failed. */
int store_forget_auth(hf_cache_t *cache, const char digest_hex[2 * TOKEN_DIGEST_LEN + 1]);

#endif
