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
#include "hf/service.h"
#include "rules.h"
#include "store.h"
#include "token.h"

#include <stdio.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

/* ---- who is calling ---- */

typedef struct {
    const char *tenant;          /* the caller's tenant id, a UUID */
    store_visible_t visible;     /* the companies it may see; n == 0: all */
    int admin;
} who_t;

/* The caller as identity needs it; fails the call when the envelope's caller
 * is unusable (no tenant: the gateway did not authenticate the request). */
static int who(hf_call_t *call, who_t *w)
{
    const Hrflow__V1__Caller *c = hf_call_caller(call);
    if (!hf_uuid_valid(c->tenant_id))
        return hf_call_fail(call, E(UNAUTHENTICATED), "the request carries no tenant");
    for (size_t i = 0; i < c->n_company_ids; i++)
        if (!hf_uuid_valid(c->company_ids[i]))
            return hf_call_fail(call, E(UNAUTHENTICATED),
                                "the caller's company list is malformed");
    w->tenant = c->tenant_id;
    w->visible = (store_visible_t){ .ids = c->company_ids, .n = c->n_company_ids };
    w->admin = 0;
    for (size_t i = 0; i < c->n_scopes; i++)
        w->admin |= strcmp(c->scopes[i], "admin") == 0;
    return 0;
}

/* who(), then require the admin scope for `action` ("create companies"). */
static int who_admin(hf_call_t *call, who_t *w, const char *action)
{
    if (who(call, w) < 0)
        return -1;
    if (!w->admin)
        return hf_call_fail(call, E(PERMISSION_DENIED), "only an admin key may %s", action);
    return 0;
}

/* who_admin(), and the key must act for the whole group, not some companies. */
static int who_group_admin(hf_call_t *call, who_t *w, const char *action)
{
    if (who_admin(call, w, action) < 0)
        return -1;
    if (w->visible.n)
        return hf_call_fail(call, E(PERMISSION_DENIED),
                            "a key restricted to companies may not %s", action);
    return 0;
}

static int open_store(hf_call_t *call, store_t *st)
{
    st->db = hf_service_db(call);
    st->arena = hf_call_arena(call);
    st->traceparent = hf_call_envelope(call)->traceparent;
    return st->db ? 0 : hf_call_fail(call, E(UNAVAILABLE), "the database is unavailable");
}

/* The error for a store result other than STORE_OK. what/id name the record
 * ("company", its id) in NOT_FOUND; exists is the ALREADY_EXISTS message. */
static int store_fail(hf_call_t *call, const store_t *st, store_rc_t rc, const char *what,
                      const char *id, const char *exists)
{
    switch (rc) {
    case STORE_NOT_FOUND:
        return hf_call_fail(call, E(NOT_FOUND), "%s %s not found", what, id);
    case STORE_EXISTS:
        return hf_call_fail(call, E(ALREADY_EXISTS), "%s", exists ? exists : "already exists");
    default:
        if (PQstatus(st->db) != CONNECTION_OK)
            return hf_call_fail(call, E(UNAVAILABLE), "the database connection was lost");
        return hf_call_fail(call, E(INTERNAL), "could not access %s records", what);
    }
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

/* A list request's page: size and the position after which it starts. */
static int page_of(hf_call_t *call, uint32_t size, const char *token, int (*id_ok)(const char *),
                   store_page_t *page)
{
    *page = (store_page_t){ .size = rules_page_size(size) };
    if (!token || !*token)
        return 0;
    char *id = hf_arena_alloc(hf_call_arena(call), RULES_CURSOR_MAX);
    if (!id)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    if (rules_cursor_parse(token, id_ok, &page->after_micros, id) < 0)
        return invalid(call, "page_token", "bad_format", "is not a page token of this list");
    page->after_id = id;
    return 0;
}

/* "current" and the caller's own tenant id name the caller's tenant; any
 * other id is a tenant it cannot see. */
static int own_tenant(hf_call_t *call, const who_t *w, const char *id)
{
    if (id && (strcmp(id, "current") == 0 || strcmp(id, w->tenant) == 0))
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

int identity_authenticate(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__AuthenticateRequest *req = (const void *)msg;
    unsigned char digest[TOKEN_DIGEST_LEN];
    char key_id[TOKEN_KEY_ID_LEN + 1];
    store_t st;
    if (token_key_id(req->key_id, key_id) < 0 || token_digest_parse(req->token_sha256, digest) < 0)
        return hf_call_fail(call, E(UNAUTHENTICATED), "invalid api key");
    if (open_store(call, &st) < 0)
        return -1;
    Hrflow__V1__AuthenticateResponse *r =
        REPLY(call, Hrflow__V1__AuthenticateResponse, hrflow__v1__authenticate_response__init);
    if (!r)
        return OUT_OF_MEMORY(call);
    store_rc_t rc = store_authenticate(&st, key_id, digest, &r->caller);
    if (rc == STORE_NOT_FOUND) {
        hf_debug("api key %s did not authenticate", key_id);
        return hf_call_fail(call, E(UNAUTHENTICATED), "invalid api key");
    }
    if (rc != STORE_OK)
        return store_fail(call, &st, rc, "api key", key_id, NULL);
    *reply = &r->base;
    return 0;
}

/* ---- tenants ---- */

int identity_get_tenant(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__GetTenantRequest *req = (const void *)msg;
    who_t w;
    store_t st;
    if (who(call, &w) < 0 || own_tenant(call, &w, req->id) < 0 || open_store(call, &st) < 0)
        return -1;
    Hrflow__V1__Tenant *t = NULL;
    store_rc_t rc = store_tenant_get(&st, w.tenant, &t);
    if (rc != STORE_OK)
        return store_fail(call, &st, rc, "tenant", req->id, NULL);
    *reply = &t->base;
    return 0;
}

int identity_list_tenants(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__ListTenantsRequest *req = (const void *)msg;
    who_t w;
    store_t st;
    if (who(call, &w) < 0)
        return -1;
    /* one page, one tenant: no token was ever handed out */
    if (req->page_token && *req->page_token)
        return invalid(call, "page_token", "bad_format", "is not a page token of this list");
    if (open_store(call, &st) < 0)
        return -1;
    Hrflow__V1__ListTenantsResponse *r =
        REPLY(call, Hrflow__V1__ListTenantsResponse, hrflow__v1__list_tenants_response__init);
    Hrflow__V1__Tenant **one = hf_arena_alloc(hf_call_arena(call), sizeof(*one));
    if (!r || !one)
        return OUT_OF_MEMORY(call);
    store_rc_t rc = store_tenant_get(&st, w.tenant, &one[0]);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return store_fail(call, &st, rc, "tenant", w.tenant, NULL);
    r->tenants = one;
    r->n_tenants = rc == STORE_OK;
    *reply = &r->base;
    return 0;
}

int identity_update_tenant(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__UpdateTenantRequest *req = (const void *)msg;
    who_t w;
    store_t st;
    if (who_group_admin(call, &w, "change the tenant") < 0 || own_tenant(call, &w, req->id) < 0)
        return -1;
    problems_t p = { .call = call };
    unsigned fields = 0;
    rules_tenant_mask(req->update_mask, req->n_update_mask, &fields, report, &p);
    if (fields && !req->tenant)
        report(&p, "tenant", "required", "must be given with the fields update_mask names");
    else if (fields)
        rules_check_tenant(req->tenant, fields, "tenant", report, &p);
    if (problems_fail(&p) < 0 || open_store(call, &st) < 0)
        return -1;
    Hrflow__V1__Tenant *t = NULL;
    store_rc_t rc = fields ? store_tenant_update(&st, w.tenant, fields, req->tenant, &t)
                           : store_tenant_get(&st, w.tenant, &t);
    if (rc == STORE_EXISTS)
        return taken(call, "tenant.slug", "tenant slug", req->tenant->slug);
    if (rc != STORE_OK)
        return store_fail(call, &st, rc, "tenant", req->id, NULL);
    *reply = &t->base;
    return 0;
}

/* ---- companies ---- */

int identity_create_company(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__CreateCompanyRequest *req = (const void *)msg;
    who_t w;
    store_t st;
    if (who_group_admin(call, &w, "create companies") < 0)
        return -1;
    if (!req->company)
        return invalid(call, "company", "required", "must be given");
    problems_t p = { .call = call };
    rules_check_company(req->company, COMPANY_ALL, "company", report, &p);
    if (problems_fail(&p) < 0 || open_store(call, &st) < 0)
        return -1;
    Hrflow__V1__Company *c = NULL;
    store_rc_t rc = store_company_create(&st, w.tenant, req->company, &c);
    if (rc == STORE_EXISTS)
        return taken(call, "company.code", "company code", req->company->code);
    if (rc != STORE_OK)
        return store_fail(call, &st, rc, "company", "", NULL);
    *reply = &c->base;
    return 0;
}

int identity_get_company(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__GetCompanyRequest *req = (const void *)msg;
    who_t w;
    store_t st;
    if (who(call, &w) < 0)
        return -1;
    if (!hf_uuid_valid(req->id))
        return store_fail(call, NULL, STORE_NOT_FOUND, "company", req->id, NULL);
    if (open_store(call, &st) < 0)
        return -1;
    Hrflow__V1__Company *c = NULL;
    store_rc_t rc = store_company_get(&st, w.tenant, &w.visible, req->id, &c);
    if (rc != STORE_OK)
        return store_fail(call, &st, rc, "company", req->id, NULL);
    *reply = &c->base;
    return 0;
}

int identity_list_companies(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__ListCompaniesRequest *req = (const void *)msg;
    who_t w;
    store_t st;
    store_page_t page;
    if (who(call, &w) < 0 ||
        page_of(call, req->page_size, req->page_token, hf_uuid_valid, &page) < 0 ||
        open_store(call, &st) < 0)
        return -1;
    Hrflow__V1__ListCompaniesResponse *r =
        REPLY(call, Hrflow__V1__ListCompaniesResponse, hrflow__v1__list_companies_response__init);
    if (!r)
        return OUT_OF_MEMORY(call);
    store_rc_t rc = store_company_list(&st, w.tenant, &w.visible, req->city, &page, &r->companies,
                                       &r->n_companies);
    if (rc != STORE_OK)
        return store_fail(call, &st, rc, "company", "", NULL);
    r->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &r->base;
    return 0;
}

int identity_update_company(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__UpdateCompanyRequest *req = (const void *)msg;
    who_t w;
    store_t st;
    if (who_admin(call, &w, "change companies") < 0)
        return -1;
    if (!hf_uuid_valid(req->id))
        return store_fail(call, NULL, STORE_NOT_FOUND, "company", req->id, NULL);
    problems_t p = { .call = call };
    unsigned fields = 0;
    rules_company_mask(req->update_mask, req->n_update_mask, &fields, report, &p);
    if (fields && !req->company)
        report(&p, "company", "required", "must be given with the fields update_mask names");
    else if (fields)
        rules_check_company(req->company, fields, "company", report, &p);
    if (problems_fail(&p) < 0 || open_store(call, &st) < 0)
        return -1;
    Hrflow__V1__Company *c = NULL;
    store_rc_t rc = fields ? store_company_update(&st, w.tenant, &w.visible, req->id, fields,
                                                  req->company, &c)
                           : store_company_get(&st, w.tenant, &w.visible, req->id, &c);
    if (rc == STORE_EXISTS)
        return taken(call, "company.code", "company code", req->company->code);
    if (rc != STORE_OK)
        return store_fail(call, &st, rc, "company", req->id, NULL);
    *reply = &c->base;
    return 0;
}

/* ---- API keys ---- */

/* 1 when id is one of the caller's companies. */
static int visible_to(const who_t *w, const char *id)
{
    for (size_t i = 0; i < w->visible.n; i++)
        if (strcmp(w->visible.ids[i], id) == 0)
            return 1;
    return 0;
}

/* The companies of a new key exist in the tenant and the caller may hand
 * them out; each one that fails is a problem at company_ids[i]. */
static int check_key_companies(hf_call_t *call, store_t *st, const who_t *w,
                               const Hrflow__V1__CreateApiKeyRequest *req, problems_t *p)
{
    size_t *missing = NULL, n_missing = 0;
    store_rc_t rc = store_companies_missing(st, w->tenant, req->company_ids, req->n_company_ids,
                                            &missing, &n_missing);
    if (rc != STORE_OK)
        return store_fail(call, st, rc, "company", "", NULL);
    for (size_t i = 0, m = 0; i < req->n_company_ids; i++) {
        int absent = m < n_missing && missing[m] == i;
        m += absent;
        if (absent || (w->visible.n && !visible_to(w, req->company_ids[i]))) {
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
    who_t w;
    store_t st;
    if (who_admin(call, &w, "create api keys") < 0)
        return -1;
    if (w.visible.n && req->n_company_ids == 0)
        return hf_call_fail(call, E(PERMISSION_DENIED),
                            "a key restricted to companies may only create keys restricted to "
                            "some of them: give company_ids");
    problems_t p = { .call = call };
    rules_check_key(req->name, req->scopes, req->n_scopes, req->company_ids, req->n_company_ids,
                    report, &p);
    if (problems_fail(&p) < 0 || open_store(call, &st) < 0 ||
        check_key_companies(call, &st, &w, req, &p) < 0)
        return -1;
    Hrflow__V1__CreateApiKeyResponse *r =
        REPLY(call, Hrflow__V1__CreateApiKeyResponse, hrflow__v1__create_api_key_response__init);
    char *token = hf_arena_alloc(hf_call_arena(call), TOKEN_LEN + 1);
    if (!r || !token)
        return OUT_OF_MEMORY(call);
    char key_id[TOKEN_KEY_ID_LEN + 1];
    unsigned char digest[TOKEN_DIGEST_LEN];
    store_new_key_t k = { .key_id = key_id, .digest = digest, .name = req->name,
                          .scopes = req->scopes, .n_scopes = req->n_scopes,
                          .company_ids = req->company_ids, .n_company_ids = req->n_company_ids };
    store_rc_t rc = STORE_EXISTS;
    for (int attempt = 0; rc == STORE_EXISTS && attempt < 3; attempt++) { /* key id collision */
        if (token_new(key_id, token) < 0)
            return hf_call_fail(call, E(INTERNAL), "could not draw random bytes for a key");
        token_digest(token, digest);
        rc = store_apikey_create(&st, w.tenant, &k, &r->api_key);
    }
    if (rc != STORE_OK)
        return store_fail(call, &st, rc, "api key", key_id, "could not draw an unused key id");
    hf_info("created api key %s", key_id);
    r->token = token;
    *reply = &r->base;
    return 0;
}

int identity_list_api_keys(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__ListApiKeysRequest *req = (const void *)msg;
    who_t w;
    store_t st;
    store_page_t page;
    if (who_admin(call, &w, "list api keys") < 0 ||
        page_of(call, req->page_size, req->page_token, token_is_key_id, &page) < 0 ||
        open_store(call, &st) < 0)
        return -1;
    Hrflow__V1__ListApiKeysResponse *r =
        REPLY(call, Hrflow__V1__ListApiKeysResponse, hrflow__v1__list_api_keys_response__init);
    if (!r)
        return OUT_OF_MEMORY(call);
    store_rc_t rc = store_apikey_list(&st, w.tenant, &w.visible, &page, &r->api_keys,
                                      &r->n_api_keys);
    if (rc != STORE_OK)
        return store_fail(call, &st, rc, "api key", "", NULL);
    r->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &r->base;
    return 0;
}

int identity_revoke_api_key(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__RevokeApiKeyRequest *req = (const void *)msg;
    who_t w;
    store_t st;
    if (who_admin(call, &w, "revoke api keys") < 0)
        return -1;
    if (!token_is_key_id(req->id))
        return store_fail(call, NULL, STORE_NOT_FOUND, "api key", req->id, NULL);
    if (open_store(call, &st) < 0)
        return -1;
    Hrflow__V1__ApiKey *k = NULL;
    char digest_hex[2 * TOKEN_DIGEST_LEN + 1];
    store_rc_t rc = store_apikey_revoke(&st, w.tenant, &w.visible, req->id, &k, digest_hex);
    if (rc != STORE_OK)
        return store_fail(call, &st, rc, "api key", req->id, NULL);
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
