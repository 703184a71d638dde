/* services/identity/handlers.c - the RPC methods of identity, one function each
 *
 * A handler reads who is calling from the envelope (hf_call_caller: tenant,
 * scopes, companies), checks the request with rules.c, and asks store.c.
 * The tenant always comes from the caller, never from the request, so a
 * caller can only reach its own tenant; another tenant's record, or a company
 * outside a restricted caller's list, is NOT_FOUND, exactly as if it did not
 * exist. Changes need the admin scope (the gateway checks scopes per route
 * too; this is the second line), and group-wide changes (the tenant, new
 * companies) need a key that is not restricted to companies.
 *
 * Authenticate is the exception: the gateway calls it without a caller, to
 * learn one. Every way a token can fail gives the same UNAUTHENTICATED
 * answer, so a caller learns nothing about which part was wrong.
 */
#include "handlers.h"

#include "hf/log.h"
#include "hf/db.h"
#include "hf/service.h"
#include "hf/store.h"
#include "rules.h"
#include "store.h"
#include "token.h"

#include <stdio.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

/* ---- who is calling ---- */

/* The caller's context (hf_store_open), and the admin scope for `action`. */
static int open_admin(hf_call_t *call, hf_store_t *st, const char *action)
{
    return hf_store_open(call, st) == 0 ? hf_store_require(st, HF_SCOPE_ADMIN, action) : -1;
}

/* The same, and the key must act for the whole group, not some companies. */
static int open_group_admin(hf_call_t *call, hf_store_t *st, const char *action)
{
    return hf_store_open(call, st) == 0 ? hf_store_require_group(st, HF_SCOPE_ADMIN, action)
                                        : -1;
}

/* ---- bad input ---- */

/* Problems found in a request: each becomes an ErrorDetail; the first also
 * names the error's message. */
typedef struct {
    hf_call_t *call;
    int n;
    char first[256];
} problems_t;

static void report(void *ctx, const char *field, const char *code, const char *message)
{
    problems_t *p = ctx;
    hf_call_detail(p->call, field, code, message);
    if (p->n++ == 0)
        snprintf(p->first, sizeof(p->first), "%s %s", field, message);
}

/* Fail with INVALID_ARGUMENT when problems were reported; else 0. */
static int problems_fail(problems_t *p)
{
    if (p->n == 0)
        return 0;
    if (p->n == 1)
        return hf_call_fail(p->call, E(INVALID_ARGUMENT), "%s", p->first);
    return hf_call_fail(p->call, E(INVALID_ARGUMENT), "%s (and %d more problems)", p->first,
                        p->n - 1);
}

static int invalid(hf_call_t *call, const char *field, const char *code, const char *message)
{
    problems_t p = { .call = call };
    report(&p, field, code, message);
    return problems_fail(&p);
}

/* "current" and the caller's own tenant id name the caller's tenant; any
 * other id is a tenant it cannot see. */
static int own_tenant(hf_call_t *call, const hf_store_t *st, const char *id)
{
    if (id && (strcmp(id, "current") == 0 || strcmp(id, st->tenant) == 0))
        return 0;
    return hf_call_fail(call, E(NOT_FOUND), "tenant %s not found", id ? id : "");
}

/* ALREADY_EXISTS for a unique value (a slug, a company code), with its detail. */
static int taken(hf_call_t *call, const char *field, const char *what, const char *value)
{
    hf_call_detail(call, field, "already_exists", "is already used");
    return hf_call_fail(call, E(ALREADY_EXISTS), "%s %s is already used", what, value);
}

#define REPLY(call, T, init) HF_CALL_NEW(call, T, init)
#define OUT_OF_MEMORY(call) hf_call_fail(call, E(INTERNAL), "out of memory")

/* ---- Authenticate ---- */

/* The gateway calls it without a caller, to learn one: the only handler that
 * opens its store without hf_store_open. */
int identity_authenticate(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__AuthenticateRequest *req = (const void *)msg;
    unsigned char digest[TOKEN_DIGEST_LEN];
    char key_id[TOKEN_KEY_ID_LEN + 1];
    if (token_key_id(req->key_id, key_id) < 0 || token_digest_parse(req->token_sha256, digest) < 0)
        return hf_call_fail(call, E(UNAUTHENTICATED), "invalid api key");
    hf_store_t st;
    hf_store_init(&st, hf_service_db(call), hf_call_arena(call), NULL, NULL);
    st.call = call;
    if (!st.db)
        return hf_call_fail(call, E(UNAVAILABLE), "the database is unavailable");
    Hrflow__V1__AuthenticateResponse *r =
        REPLY(call, Hrflow__V1__AuthenticateResponse, hrflow__v1__authenticate_response__init);
    if (!r)
        return OUT_OF_MEMORY(call);
    int rc = store_authenticate(&st, key_id, digest, &r->caller);
    if (rc == HF_ENOTFOUND) {
        hf_debug("api key %s did not authenticate", key_id);
        return hf_call_fail(call, E(UNAUTHENTICATED), "invalid api key");
    }
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "api key", key_id);
    *reply = &r->base;
    return 0;
}

/* ---- tenants ---- */

int identity_get_tenant(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__GetTenantRequest *req = (const void *)msg;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 || own_tenant(call, &st, req->id) < 0)
        return -1;
    Hrflow__V1__Tenant *t = NULL;
    int rc = store_tenant_get(&st, &t);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "tenant", req->id);
    *reply = &t->base;
    return 0;
}

int identity_list_tenants(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__ListTenantsRequest *req = (const void *)msg;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    /* one page, one tenant: no token was ever handed out */
    if (req->page_token && *req->page_token)
        return invalid(call, "page_token", "bad_format", "is not a page token of this list");
    Hrflow__V1__ListTenantsResponse *r =
        REPLY(call, Hrflow__V1__ListTenantsResponse, hrflow__v1__list_tenants_response__init);
    Hrflow__V1__Tenant **one = hf_store_alloc(&st, sizeof(*one));
    if (!r || !one)
        return OUT_OF_MEMORY(call);
    int rc = store_tenant_get(&st, &one[0]);
    if (rc != HF_OK && rc != HF_ENOTFOUND)
        return hf_store_fail(&st, rc, "tenant", st.tenant);
    r->tenants = one;
    r->n_tenants = rc == HF_OK;
    *reply = &r->base;
    return 0;
}

int identity_update_tenant(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__UpdateTenantRequest *req = (const void *)msg;
    hf_store_t st;
    if (open_group_admin(call, &st, "change the tenant") < 0 || own_tenant(call, &st, req->id) < 0)
        return -1;
    problems_t p = { .call = call };
    unsigned fields = 0;
    rules_tenant_mask(req->update_mask, req->n_update_mask, &fields, report, &p);
    if (fields && !req->tenant)
        report(&p, "tenant", "required", "must be given with the fields update_mask names");
    else if (fields)
        rules_check_tenant(req->tenant, fields, "tenant", report, &p);
    if (problems_fail(&p) < 0)
        return -1;
    Hrflow__V1__Tenant *t = NULL;
    int rc = fields ? store_tenant_update(&st, fields, req->tenant, &t) : store_tenant_get(&st, &t);
    if (rc == HF_EEXISTS)
        return taken(call, "tenant.slug", "tenant slug", req->tenant->slug);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "tenant", req->id);
    *reply = &t->base;
    return 0;
}

/* ---- companies ---- */

int identity_create_company(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__CreateCompanyRequest *req = (const void *)msg;
    hf_store_t st;
    if (open_group_admin(call, &st, "create companies") < 0)
        return -1;
    if (!req->company)
        return invalid(call, "company", "required", "must be given");
    problems_t p = { .call = call };
    rules_check_company(req->company, COMPANY_ALL, "company", report, &p);
    if (problems_fail(&p) < 0)
        return -1;
    Hrflow__V1__Company *c = NULL;
    int rc = store_company_create(&st, req->company, &c);
    if (rc == HF_EEXISTS)
        return taken(call, "company.code", "company code", req->company->code);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "company", "");
    *reply = &c->base;
    return 0;
}

int identity_get_company(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__GetCompanyRequest *req = (const void *)msg;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    Hrflow__V1__Company *c = NULL;
    int rc = hf_uuid_valid(req->id) ? store_company_get(&st, req->id, &c) : HF_ENOTFOUND;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "company", req->id);
    *reply = &c->base;
    return 0;
}

int identity_list_companies(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__ListCompaniesRequest *req = (const void *)msg;
    hf_store_t st;
    hf_page_t page;
    if (hf_store_open(call, &st) < 0 ||
        hf_page_open(&st, req->page_size, req->page_token, NULL, &page) < 0)
        return -1;
    Hrflow__V1__ListCompaniesResponse *r =
        REPLY(call, Hrflow__V1__ListCompaniesResponse, hrflow__v1__list_companies_response__init);
    if (!r)
        return OUT_OF_MEMORY(call);
    int rc = store_company_list(&st, req->city, &page, &r->companies, &r->n_companies);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "company", "");
    r->next_page_token = hf_store_strdup(&st, page.next);
    *reply = &r->base;
    return 0;
}

int identity_update_company(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__UpdateCompanyRequest *req = (const void *)msg;
    hf_store_t st;
    if (open_admin(call, &st, "change companies") < 0)
        return -1;
    if (!hf_uuid_valid(req->id))
        return hf_store_fail(&st, HF_ENOTFOUND, "company", req->id);
    problems_t p = { .call = call };
    unsigned fields = 0;
    rules_company_mask(req->update_mask, req->n_update_mask, &fields, report, &p);
    if (fields && !req->company)
        report(&p, "company", "required", "must be given with the fields update_mask names");
    else if (fields)
        rules_check_company(req->company, fields, "company", report, &p);
    if (problems_fail(&p) < 0)
        return -1;
    Hrflow__V1__Company *c = NULL;
    int rc = fields ? store_company_update(&st, req->id, fields, req->company, &c)
                    : store_company_get(&st, req->id, &c);
    if (rc == HF_EEXISTS)
        return taken(call, "company.code", "company code", req->company->code);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "company", req->id);
    *reply = &c->base;
    return 0;
}

/* ---- API keys ---- */

/* The companies of a new key exist in the tenant and the caller may hand
 * them out; each one that fails is a problem at company_ids[i]. */
static int check_key_companies(hf_store_t *st, const Hrflow__V1__CreateApiKeyRequest *req,
                               problems_t *p)
{
    size_t *missing = NULL, n_missing = 0;
    int rc = store_companies_missing(st, req->company_ids, req->n_company_ids, &missing,
                                     &n_missing);
    if (rc != HF_OK)
        return hf_store_fail(st, rc, "company", "");
    for (size_t i = 0, m = 0; i < req->n_company_ids; i++) {
        int absent = m < n_missing && missing[m] == i;
        m += absent;
        if (absent || !hf_store_sees_company(st, req->company_ids[i])) {
            char path[48];
            snprintf(path, sizeof(path), "company_ids[%zu]", i);
            report(p, path, "not_found", "is not a company of this tenant");
        }
    }
    return problems_fail(p);
}

int identity_create_api_key(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__CreateApiKeyRequest *req = (const void *)msg;
    hf_store_t st;
    if (open_admin(call, &st, "create api keys") < 0)
        return -1;
    if (st.n_companies && req->n_company_ids == 0)
        return hf_call_fail(call, E(PERMISSION_DENIED),
                            "a key restricted to companies may only create keys restricted to "
                            "some of them: give company_ids");
    problems_t p = { .call = call };
    rules_check_key(req->name, req->scopes, req->n_scopes, req->company_ids, req->n_company_ids,
                    report, &p);
    if (problems_fail(&p) < 0 || check_key_companies(&st, req, &p) < 0)
        return -1;
    Hrflow__V1__CreateApiKeyResponse *r =
        REPLY(call, Hrflow__V1__CreateApiKeyResponse, hrflow__v1__create_api_key_response__init);
    char *token = hf_store_alloc(&st, TOKEN_LEN + 1);
    if (!r || !token)
        return OUT_OF_MEMORY(call);
    char key_id[TOKEN_KEY_ID_LEN + 1];
    unsigned char digest[TOKEN_DIGEST_LEN];
    store_new_key_t k = { .key_id = key_id, .digest = digest, .name = req->name,
                          .scopes = req->scopes, .n_scopes = req->n_scopes,
                          .company_ids = req->company_ids, .n_company_ids = req->n_company_ids };
    int rc = HF_EEXISTS;
    for (int attempt = 0; rc == HF_EEXISTS && attempt < 3; attempt++) { /* key id collision */
        if (token_new(key_id, token) < 0)
            return hf_call_fail(call, E(INTERNAL), "could not draw random bytes for a key");
        token_digest(token, digest);
        rc = store_apikey_create(&st, &k, &r->api_key);
    }
    if (rc == HF_EEXISTS)
        return hf_call_fail(call, E(INTERNAL), "could not draw an unused key id");
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "api key", key_id);
    hf_info("created api key %s", key_id);
    r->token = token;
    *reply = &r->base;
    return 0;
}

int identity_list_api_keys(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__ListApiKeysRequest *req = (const void *)msg;
    hf_store_t st;
    hf_page_t page;
    if (open_admin(call, &st, "list api keys") < 0 ||
        hf_page_open(&st, req->page_size, req->page_token, token_is_key_id, &page) < 0)
        return -1;
    Hrflow__V1__ListApiKeysResponse *r =
        REPLY(call, Hrflow__V1__ListApiKeysResponse, hrflow__v1__list_api_keys_response__init);
    if (!r)
        return OUT_OF_MEMORY(call);
    int rc = store_apikey_list(&st, &page, &r->api_keys, &r->n_api_keys);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "api key", "");
    r->next_page_token = hf_store_strdup(&st, page.next);
    *reply = &r->base;
    return 0;
}

int identity_revoke_api_key(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__RevokeApiKeyRequest *req = (const void *)msg;
    hf_store_t st;
    if (open_admin(call, &st, "revoke api keys") < 0)
        return -1;
    if (!token_is_key_id(req->id))
        return hf_store_fail(&st, HF_ENOTFOUND, "api key", req->id);
    Hrflow__V1__ApiKey *k = NULL;
    char digest_hex[2 * TOKEN_DIGEST_LEN + 1];
    int rc = store_apikey_revoke(&st, req->id, &k, digest_hex);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "api key", req->id);
    /* After the commit: a gateway that cached the key before it sees the
     * revocation loses its copy now. Revoking again retries this. */
    if (store_forget_auth(hf_service_cache(call), digest_hex) < 0)
        return hf_call_fail(call, E(UNAVAILABLE),
                            "api key %s is revoked but the gateway cache could not be cleared: "
                            "revoke it again", req->id);
    hf_info("revoked api key %s", req->id);
    *reply = &k->base;
    return 0;
}
