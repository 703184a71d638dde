/* services/identity/tests/test-identity.c - the identity service over the bus
 *
 * Real PostgreSQL (a fresh database), Redis, a broker and one hrflow-identity
 * replica, driven the way the gateway drives it: hf_bus_call with a Caller in
 * the envelope. Two tenants are made with the command line (which is under
 * test too); every case then asserts what a caller of one tenant, of another,
 * restricted to some companies, or without the admin scope may see and do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus_fixture.h"
#include "hf/cache.h"
#include "hf/db.h"
#include "hrflow/v1/health.pb-c.h"
#include "hrflow/v1/identity.pb-c.h"
#include "testlib.h"
#include "store.h"
#include "token.h"

#define E(code) HRFLOW__V1__ERROR_CODE__##code

static char *dsn;
static fx_broker_t B;
static pid_t identity;
static hf_bus_client_t *bus;
static hf_cache_t *redis;
static char tenant_a[64], tenant_b[64];
/* Test keys: the keyring that seals the lists' page tokens (docs/security.md). */
#define PAGE_KEYS                                                                  \
    "HF_PII_KEYS=k1:" "1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f" \
    ",hmac:" "2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e"
static int serial; /* unique company codes across cases */

/* Callers as the gateway would send them. */
static Hrflow__V1__Caller admin_a, admin_b, recruiter_a, nobody;
static char *admin_scope[] = { "admin" }, *recruiter_scope[] = { "recruiter" };

static void caller(Hrflow__V1__Caller *c, const char *tenant, char **scopes, size_t n)
{
    hrflow__v1__caller__init(c);
    c->tenant_id = (char *)tenant;
    c->scopes = scopes;
    c->n_scopes = n;
    c->actor = "test";
}

/* ---- the command line ---- */

/* Run hrflow-identity with argv (NULL-terminated, after the binary), input on
 * stdin (may be NULL), stdout into out. Returns the exit status, or -1. */
static int cli(const char *input, char *out, size_t outlen, const char *const *args)
{
    int in[2], o[2];
    if (pipe(in) < 0 || pipe(o) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        const char *argv[16] = { tl_env("HF_TEST_IDENTITY_BIN") };
        for (int i = 0; args[i] && i < 14; i++)
            argv[i + 1] = args[i];
        dup2(in[0], 0);
        dup2(o[1], 1);
        close(in[1]);
        close(o[0]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(o[1]);
    if (input && write(in[1], input, strlen(input)) < 0)
        perror("write");
    close(in[1]);
    size_t len = 0;
    ssize_t r;
    while (len + 1 < outlen && (r = read(o[0], out + len, outlen - len - 1)) > 0)
        len += (size_t)r;
    out[len] = '\0';
    close(o[0]);
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define CLI(out, ...) cli(NULL, out, sizeof(out), (const char *const[]){ __VA_ARGS__, NULL })

/* out without its final newline. */
static char *chomp(char *out)
{
    out[strcspn(out, "\n")] = '\0';
    return out;
}

/* ---- calls ---- */

/* Call identity.<method> as who (NULL: no caller). Returns 0 with *reply set
 * (free with protobuf_c_message_free_unpacked), or the error code with st. */
static int call(const Hrflow__V1__Caller *who, const char *method, const void *req,
                const ProtobufCMessageDescriptor *desc, void *reply, hf_status_t *st)
{
    hf_call_opts_t o = { .timeout_ms = 5000, .caller = who };
    ProtobufCMessage *m = NULL;
    hf_status_clear(st);
    int rc = hf_bus_call(bus, "identity", method, req, desc, &o, &m, st);
    *(ProtobufCMessage **)reply = m;
    return rc;
}

static void release(void *m)
{
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
}

/* 1 when st carries a detail for field with code. */
static int has_detail(const hf_status_t *st, const char *field, const char *code)
{
    for (size_t i = 0; st->error && i < st->error->n_details; i++)
        if (strcmp(st->error->details[i]->field, field) == 0 &&
            strcmp(st->error->details[i]->code, code) == 0)
            return 1;
    return 0;
}

static int create_company_as(const Hrflow__V1__Caller *who, const char *code, const char *name,
                             const char *city, Hrflow__V1__Company **out, hf_status_t *st)
{
    Hrflow__V1__Company in = HRFLOW__V1__COMPANY__INIT;
    in.code = (char *)code;
    in.name = (char *)name;
    in.city = (char *)city;
    Hrflow__V1__CreateCompanyRequest req = HRFLOW__V1__CREATE_COMPANY_REQUEST__INIT;
    req.company = &in;
    return call(who, "CreateCompany", &req, &hrflow__v1__company__descriptor, out, st);
}

/* A new company of who's tenant with a unique code; returns its id (malloc'd). */
static char *new_company(const Hrflow__V1__Caller *who, const char *city)
{
    char code[32];
    snprintf(code, sizeof(code), "C-%d", ++serial);
    Hrflow__V1__Company *c = NULL;
    hf_status_t st = { 0 };
    assert_int_equal(create_company_as(who, code, "测试公司", city, &c, &st), 0);
    char *id = strdup(c->id);
    release(c);
    return id;
}

static int get_company(const Hrflow__V1__Caller *who, const char *id, Hrflow__V1__Company **out,
                       hf_status_t *st)
{
    Hrflow__V1__GetCompanyRequest req = HRFLOW__V1__GET_COMPANY_REQUEST__INIT;
    req.id = (char *)id;
    return call(who, "GetCompany", &req, &hrflow__v1__company__descriptor, out, st);
}

static int create_key(const Hrflow__V1__Caller *who, char **scopes, size_t n_scopes,
                      char **companies, size_t n_companies,
                      Hrflow__V1__CreateApiKeyResponse **out, hf_status_t *st)
{
    Hrflow__V1__CreateApiKeyRequest req = HRFLOW__V1__CREATE_API_KEY_REQUEST__INIT;
    req.name = "test key";
    req.scopes = scopes;
    req.n_scopes = n_scopes;
    req.company_ids = companies;
    req.n_company_ids = n_companies;
    return call(who, "CreateApiKey", &req, &hrflow__v1__create_api_key_response__descriptor, out,
                st);
}

/* Authenticate a token as the gateway does: the key part of the token (up
 * to the first '_' after "hf_"), the hex SHA-256 of all of it. */
static int authenticate(const char *token, Hrflow__V1__AuthenticateResponse **out,
                        hf_status_t *st)
{
    char key_id[TOKEN_KEY_ID_LEN + 1] = "", hex[2 * TOKEN_DIGEST_LEN + 1];
    unsigned char d[TOKEN_DIGEST_LEN];
    if (strncmp(token, "hf_", 3) == 0)
        snprintf(key_id, sizeof(key_id), "%.*s", (int)strcspn(token + 3, "_"), token + 3);
    token_digest(token, d);
    token_digest_hex(d, hex);
    Hrflow__V1__AuthenticateRequest req = HRFLOW__V1__AUTHENTICATE_REQUEST__INIT;
    req.key_id = key_id;
    req.token_sha256 = hex;
    return call(NULL, "Authenticate", &req, &hrflow__v1__authenticate_response__descriptor, out,
                st);
}

/* ---- set-up ---- */

static int wait_for_identity(void)
{
    long long until = tl_ms() + 20000;
    while (tl_ms() < until) {
        Hrflow__V1__HealthRequest req = HRFLOW__V1__HEALTH_REQUEST__INIT;
        Hrflow__V1__HealthResponse *h = NULL;
        hf_status_t st = { 0 };
        hf_call_opts_t o = { .timeout_ms = 1000 };
        int rc = hf_bus_call(bus, "identity", "Health", &req.base,
                             &hrflow__v1__health_response__descriptor, &o, (ProtobufCMessage **)&h,
                             &st);
        int ok = rc == 0 && h->ok;
        release(h);
        hf_status_clear(&st);
        if (ok)
            return 0;
        usleep(50000);
    }
    return -1;
}

static int setup(void **state)
{
    (void)state;
    dsn = tl_db_create("identity");
    if (!dsn || fx_broker_start(&B, NULL) < 0)
        return -1;
    setenv("HF_PG_DSN", dsn, 1); /* for the command line and the service */
    char out[256];
    if (CLI(out, "tenant", "create", "--slug", "alpha", "--name", "Alpha 集团") != 0)
        return -1;
    snprintf(tenant_a, sizeof(tenant_a), "%.63s", chomp(out));
    if (CLI(out, "tenant", "create", "--slug", "beta", "--name", "Beta Group") != 0)
        return -1;
    snprintf(tenant_b, sizeof(tenant_b), "%.63s", chomp(out));

    char e[5][256];
    snprintf(e[0], sizeof(e[0]), "HF_REDIS_ADDR=%s", tl_env("HF_TEST_REDIS_ADDR"));
    snprintf(e[1], sizeof(e[1]), "HF_BROKERS=%s", tl_tcp(B.rpc));
    snprintf(e[2], sizeof(e[2]), "HF_EVENTS_PUB=%s", tl_tcp(B.xsub));
    snprintf(e[3], sizeof(e[3]), "HF_HEARTBEAT_MS=%s", FX_HEARTBEAT_MS);
    snprintf(e[4], sizeof(e[4]), "HF_WORKER_THREADS=2");
    const char *env[] = { e[0], e[1], e[2], e[3], e[4], PAGE_KEYS, NULL };
    const char *argv[] = { tl_env("HF_TEST_IDENTITY_BIN"), NULL };
    identity = tl_spawn("identity", argv, env);
    bus = hf_bus_client_new(tl_tcp(B.rpc));
    redis = hf_cache_new(tl_env("HF_TEST_REDIS_ADDR"), 2000);
    caller(&admin_a, tenant_a, admin_scope, 1);
    caller(&admin_b, tenant_b, admin_scope, 1);
    caller(&recruiter_a, tenant_a, recruiter_scope, 1);
    hrflow__v1__caller__init(&nobody);
    return identity > 0 && bus && redis ? wait_for_identity() : -1;
}

static int teardown(void **state)
{
    (void)state;
    int st = tl_stop(identity, SIGTERM, 10000);
    hf_bus_client_destroy(&bus);
    hf_cache_destroy(&redis);
    fx_broker_kill(&B, SIGTERM);
    tl_db_drop(dsn);
    free(dsn);
    /* SIGTERM drains and exits 0 */
    return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* ---- companies ---- */

static void test_company_create_get_list_update(void **state)
{
    (void)state;
    hf_status_t st = { 0 };
    Hrflow__V1__Company *c = NULL, *got = NULL, *upd = NULL;
    assert_int_equal(create_company_as(&admin_a, "HX-SH", "华星上海", "上海", &c, &st), 0);
    assert_true(strlen(c->id) == 36);
    assert_string_equal(c->tenant_id, tenant_a);
    assert_string_equal(c->code, "HX-SH");
    assert_string_equal(c->city, "上海");
    assert_non_null(c->create_time);
    assert_true(c->create_time->seconds > 1700000000);

    assert_int_equal(get_company(&recruiter_a, c->id, &got, &st), 0); /* reading needs no admin */
    assert_string_equal(got->name, "华星上海");

    /* only the masked field changes, whatever else the body carries */
    Hrflow__V1__Company patch = HRFLOW__V1__COMPANY__INIT;
    patch.name = "华星(上海)有限公司";
    patch.city = "北京";
    char *mask[] = { "name" };
    Hrflow__V1__UpdateCompanyRequest ureq = HRFLOW__V1__UPDATE_COMPANY_REQUEST__INIT;
    ureq.id = c->id;
    ureq.company = &patch;
    ureq.update_mask = mask;
    ureq.n_update_mask = 1;
    assert_int_equal(call(&admin_a, "UpdateCompany", &ureq, &hrflow__v1__company__descriptor,
                          &upd, &st), 0);
    assert_string_equal(upd->name, "华星(上海)有限公司");
    assert_string_equal(upd->city, "上海");
    assert_string_equal(upd->code, "HX-SH");
    int64_t updated = upd->update_time->seconds * 1000000000LL + upd->update_time->nanos;
    release(upd);

    /* an empty mask changes nothing and returns the record */
    ureq.n_update_mask = 0;
    patch.name = "ignored";
    assert_int_equal(call(&admin_a, "UpdateCompany", &ureq, &hrflow__v1__company__descriptor,
                          &upd, &st), 0);
    assert_string_equal(upd->name, "华星(上海)有限公司");
    assert_true(upd->update_time->seconds * 1000000000LL + upd->update_time->nanos == updated);
    release(upd);

    /* the list shows it, and filters by city */
    Hrflow__V1__ListCompaniesRequest lreq = HRFLOW__V1__LIST_COMPANIES_REQUEST__INIT;
    Hrflow__V1__ListCompaniesResponse *list = NULL;
    lreq.city = "上海";
    assert_int_equal(call(&admin_a, "ListCompanies", &lreq,
                          &hrflow__v1__list_companies_response__descriptor, &list, &st), 0);
    int found = 0;
    for (size_t i = 0; i < list->n_companies; i++) {
        assert_string_equal(list->companies[i]->city, "上海");
        found += strcmp(list->companies[i]->id, c->id) == 0;
    }
    assert_int_equal(found, 1);
    release(list);
    release(got);
    release(c);
    hf_status_clear(&st);
}

static void test_other_tenant_sees_nothing(void **state)
{
    (void)state;
    hf_status_t st = { 0 };
    char *id = new_company(&admin_a, "杭州");
    Hrflow__V1__Company *c = NULL;
    assert_int_equal(get_company(&admin_b, id, &c, &st), E(NOT_FOUND));
    assert_null(c);
    assert_non_null(strstr(st.message, "not found")); /* as for an id that exists nowhere */

    Hrflow__V1__Company patch = HRFLOW__V1__COMPANY__INIT;
    patch.name = "taken over";
    char *mask[] = { "name" };
    Hrflow__V1__UpdateCompanyRequest ureq = HRFLOW__V1__UPDATE_COMPANY_REQUEST__INIT;
    ureq.id = id;
    ureq.company = &patch;
    ureq.update_mask = mask;
    ureq.n_update_mask = 1;
    assert_int_equal(call(&admin_b, "UpdateCompany", &ureq, &hrflow__v1__company__descriptor, &c,
                          &st), E(NOT_FOUND));
    assert_int_equal(get_company(&admin_a, id, &c, &st), 0);
    assert_string_equal(c->name, "测试公司"); /* unchanged */
    release(c);

    Hrflow__V1__ListCompaniesRequest lreq = HRFLOW__V1__LIST_COMPANIES_REQUEST__INIT;
    Hrflow__V1__ListCompaniesResponse *list = NULL;
    lreq.page_size = 500;
    assert_int_equal(call(&admin_b, "ListCompanies", &lreq,
                          &hrflow__v1__list_companies_response__descriptor, &list, &st), 0);
    for (size_t i = 0; i < list->n_companies; i++)
        assert_string_equal(list->companies[i]->tenant_id, tenant_b);
    release(list);

    /* the tenant itself: its id is not found, "current" is B's own */
    Hrflow__V1__GetTenantRequest treq = HRFLOW__V1__GET_TENANT_REQUEST__INIT;
    Hrflow__V1__Tenant *t = NULL;
    treq.id = tenant_a;
    assert_int_equal(call(&admin_b, "GetTenant", &treq, &hrflow__v1__tenant__descriptor, &t, &st),
                     E(NOT_FOUND));
    treq.id = "current";
    assert_int_equal(call(&admin_b, "GetTenant", &treq, &hrflow__v1__tenant__descriptor, &t, &st),
                     0);
    assert_string_equal(t->id, tenant_b);
    assert_string_equal(t->slug, "beta");
    release(t);
    Hrflow__V1__ListTenantsRequest ltreq = HRFLOW__V1__LIST_TENANTS_REQUEST__INIT;
    Hrflow__V1__ListTenantsResponse *tl = NULL;
    assert_int_equal(call(&admin_b, "ListTenants", &ltreq,
                          &hrflow__v1__list_tenants_response__descriptor, &tl, &st), 0);
    assert_int_equal(tl->n_tenants, 1);
    assert_string_equal(tl->tenants[0]->id, tenant_b);
    release(tl);

    /* a request without a caller reaches nothing */
    assert_int_equal(get_company(NULL, id, &c, &st), E(UNAUTHENTICATED));
    free(id);
    hf_status_clear(&st);
}

static void test_company_restricted_caller(void **state)
{
    (void)state;
    hf_status_t st = { 0 };
    char *mine = new_company(&admin_a, "深圳"), *other = new_company(&admin_a, "深圳");
    Hrflow__V1__Caller restricted = admin_a;
    restricted.company_ids = &mine;
    restricted.n_company_ids = 1;

    Hrflow__V1__Company *c = NULL;
    assert_int_equal(get_company(&restricted, mine, &c, &st), 0);
    release(c);
    assert_int_equal(get_company(&restricted, other, &c, &st), E(NOT_FOUND));

    Hrflow__V1__ListCompaniesRequest lreq = HRFLOW__V1__LIST_COMPANIES_REQUEST__INIT;
    Hrflow__V1__ListCompaniesResponse *list = NULL;
    assert_int_equal(call(&restricted, "ListCompanies", &lreq,
                          &hrflow__v1__list_companies_response__descriptor, &list, &st), 0);
    assert_int_equal(list->n_companies, 1);
    assert_string_equal(list->companies[0]->id, mine);
    release(list);

    /* group-wide changes and keys beyond its companies are refused */
    assert_int_equal(create_company_as(&restricted, "NEW-1", "新公司", "", &c, &st),
                     E(PERMISSION_DENIED));
    Hrflow__V1__CreateApiKeyResponse *k = NULL;
    assert_int_equal(create_key(&restricted, recruiter_scope, 1, NULL, 0, &k, &st),
                     E(PERMISSION_DENIED));
    assert_int_equal(create_key(&restricted, recruiter_scope, 1, &other, 1, &k, &st),
                     E(INVALID_ARGUMENT));
    assert_true(has_detail(&st, "company_ids[0]", "not_found"));
    assert_int_equal(create_key(&restricted, recruiter_scope, 1, &mine, 1, &k, &st), 0);
    assert_int_equal(k->api_key->n_company_ids, 1);
    assert_string_equal(k->api_key->company_ids[0], mine);

    /* the key it made lists under it; a group-wide key does not */
    Hrflow__V1__ListApiKeysRequest kreq = HRFLOW__V1__LIST_API_KEYS_REQUEST__INIT;
    Hrflow__V1__ListApiKeysResponse *keys = NULL;
    kreq.page_size = 500;
    assert_int_equal(call(&restricted, "ListApiKeys", &kreq,
                          &hrflow__v1__list_api_keys_response__descriptor, &keys, &st), 0);
    int found = 0;
    for (size_t i = 0; i < keys->n_api_keys; i++) {
        assert_int_equal(keys->api_keys[i]->n_company_ids, 1);
        found += strcmp(keys->api_keys[i]->id, k->api_key->id) == 0;
    }
    assert_int_equal(found, 1);
    release(keys);
    release(k);
    free(mine);
    free(other);
    hf_status_clear(&st);
}

static void test_validation_details(void **state)
{
    (void)state;
    hf_status_t st = { 0 };
    Hrflow__V1__Company in = HRFLOW__V1__COMPANY__INIT, *c = NULL;
    in.code = "bad code!";
    in.name = "";
    in.credit_code = "91310000MA1FL8XQ3I";
    Hrflow__V1__CreateCompanyRequest req = HRFLOW__V1__CREATE_COMPANY_REQUEST__INIT;
    req.company = &in;
    assert_int_equal(call(&admin_a, "CreateCompany", &req, &hrflow__v1__company__descriptor, &c,
                          &st), E(INVALID_ARGUMENT));
    assert_true(has_detail(&st, "company.code", "bad_format"));
    assert_true(has_detail(&st, "company.name", "required"));
    assert_true(has_detail(&st, "company.credit_code", "bad_format"));
    assert_int_equal(st.error->n_details, 3);
    assert_non_null(strstr(st.message, "company.code"));

    /* names follow the common rule of typed text: no bidi or zero-width characters */
    in.code = "HX-RLO";
    in.name = "华星\xe2\x80\xae" "科技";
    in.city = "上\xe2\x80\x8b海";
    in.credit_code = "";
    assert_int_equal(call(&admin_a, "CreateCompany", &req, &hrflow__v1__company__descriptor, &c,
                          &st), E(INVALID_ARGUMENT));
    assert_true(has_detail(&st, "company.name", "bad_characters"));
    assert_true(has_detail(&st, "company.city", "bad_characters"));
    assert_int_equal(st.error->n_details, 2);

    req.company = NULL;
    assert_int_equal(call(&admin_a, "CreateCompany", &req, &hrflow__v1__company__descriptor, &c,
                          &st), E(INVALID_ARGUMENT));
    assert_true(has_detail(&st, "company", "required"));

    char *id = new_company(&admin_a, "");
    char *mask[] = { "nope", "id", "code" };
    Hrflow__V1__Company patch = HRFLOW__V1__COMPANY__INIT;
    patch.code = "";
    Hrflow__V1__UpdateCompanyRequest ureq = HRFLOW__V1__UPDATE_COMPANY_REQUEST__INIT;
    ureq.id = id;
    ureq.company = &patch;
    ureq.update_mask = mask;
    ureq.n_update_mask = 3;
    assert_int_equal(call(&admin_a, "UpdateCompany", &ureq, &hrflow__v1__company__descriptor, &c,
                          &st), E(INVALID_ARGUMENT));
    assert_true(has_detail(&st, "update_mask[0]", "unknown_field"));
    assert_true(has_detail(&st, "update_mask[1]", "immutable"));
    assert_true(has_detail(&st, "company.code", "required"));

    char *scopes[] = { "admin", "superuser" }, *bad_ids[] = { "not-a-uuid" };
    Hrflow__V1__CreateApiKeyResponse *k = NULL;
    assert_int_equal(create_key(&admin_a, scopes, 2, bad_ids, 1, &k, &st), E(INVALID_ARGUMENT));
    assert_true(has_detail(&st, "scopes[1]", "unknown_scope"));
    assert_true(has_detail(&st, "company_ids[0]", "bad_format"));
    assert_int_equal(create_key(&admin_a, scopes, 0, NULL, 0, &k, &st), E(INVALID_ARGUMENT));
    assert_true(has_detail(&st, "scopes", "required"));

    /* a company id of another tenant is as unknown as a made-up one */
    char *b_company = new_company(&admin_b, "");
    assert_int_equal(create_key(&admin_a, recruiter_scope, 1, &b_company, 1, &k, &st),
                     E(INVALID_ARGUMENT));
    assert_true(has_detail(&st, "company_ids[0]", "not_found"));
    free(b_company);
    free(id);
    hf_status_clear(&st);
}

static void test_duplicate_code(void **state)
{
    (void)state;
    hf_status_t st = { 0 };
    Hrflow__V1__Company *c = NULL, *d = NULL;
    assert_int_equal(create_company_as(&admin_a, "DUP-1", "一号", "", &c, &st), 0);
    assert_int_equal(create_company_as(&admin_a, "DUP-1", "又一号", "", &d, &st),
                     E(ALREADY_EXISTS));
    assert_true(has_detail(&st, "company.code", "already_exists"));
    /* codes are unique per tenant, not across tenants */
    assert_int_equal(create_company_as(&admin_b, "DUP-1", "B 一号", "", &d, &st), 0);
    release(d);

    /* renaming another company to a taken code is refused too */
    assert_int_equal(create_company_as(&admin_a, "DUP-2", "二号", "", &d, &st), 0);
    Hrflow__V1__Company patch = HRFLOW__V1__COMPANY__INIT;
    patch.code = "DUP-1";
    char *mask[] = { "code" };
    Hrflow__V1__UpdateCompanyRequest ureq = HRFLOW__V1__UPDATE_COMPANY_REQUEST__INIT;
    Hrflow__V1__Company *u = NULL;
    ureq.id = d->id;
    ureq.company = &patch;
    ureq.update_mask = mask;
    ureq.n_update_mask = 1;
    assert_int_equal(call(&admin_a, "UpdateCompany", &ureq, &hrflow__v1__company__descriptor, &u,
                          &st), E(ALREADY_EXISTS));
    /* its own code again is no conflict */
    patch.code = "DUP-2";
    assert_int_equal(call(&admin_a, "UpdateCompany", &ureq, &hrflow__v1__company__descriptor, &u,
                          &st), 0);
    release(u);
    release(c);
    release(d);
    hf_status_clear(&st);
}

/* ---- keys ---- */

static void test_key_authenticates_as_its_caller(void **state)
{
    (void)state;
    hf_status_t st = { 0 };
    char *company = new_company(&admin_a, "");
    char *scopes[] = { "recruiter", "integrator" };
    Hrflow__V1__CreateApiKeyResponse *k = NULL;
    assert_int_equal(create_key(&admin_a, scopes, 2, &company, 1, &k, &st), 0);
    char key_id[TOKEN_KEY_ID_LEN + 1];
    assert_int_equal(strlen(k->token), TOKEN_LEN);
    assert_int_equal(token_parse(k->token, key_id), 0);
    assert_string_equal(key_id, k->api_key->id);
    assert_string_equal(k->api_key->tenant_id, tenant_a);
    assert_string_equal(k->api_key->name, "test key");
    assert_null(k->api_key->revoke_time);

    Hrflow__V1__AuthenticateResponse *a = NULL;
    assert_int_equal(authenticate(k->token, &a, &st), 0);
    assert_string_equal(a->caller->tenant_id, tenant_a);
    assert_string_equal(a->caller->actor, key_id);
    assert_int_equal(a->caller->n_scopes, 2);
    assert_string_equal(a->caller->scopes[0], "recruiter");
    assert_string_equal(a->caller->scopes[1], "integrator");
    assert_int_equal(a->caller->n_company_ids, 1);
    assert_string_equal(a->caller->company_ids[0], company);
    release(a);

    /* the same key id with another secret, an unknown key, a bad hash: one answer */
    char forged[TOKEN_LEN + 1];
    strcpy(forged, k->token);
    forged[TOKEN_LEN - 1] = forged[TOKEN_LEN - 1] == 'A' ? 'B' : 'A';
    assert_int_equal(authenticate(forged, &a, &st), E(UNAUTHENTICATED));
    char first[sizeof(st.message)];
    snprintf(first, sizeof(first), "%s", st.message);
    const char *unknown = "hf_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_int_equal(authenticate(unknown, &a, &st), E(UNAUTHENTICATED));
    assert_string_equal(st.message, first);
    Hrflow__V1__AuthenticateRequest req = HRFLOW__V1__AUTHENTICATE_REQUEST__INIT;
    unsigned char d[TOKEN_DIGEST_LEN];
    char hex[2 * TOKEN_DIGEST_LEN + 1];
    token_digest(k->token, d);
    token_digest_hex(d, hex);
    req.key_id = key_id; /* the full id works as well as the token's hex */
    req.token_sha256 = hex;
    assert_int_equal(call(NULL, "Authenticate", &req,
                          &hrflow__v1__authenticate_response__descriptor, &a, &st), 0);
    assert_string_equal(a->caller->actor, key_id);
    release(a);
    req.token_sha256 = "not hex";
    assert_int_equal(call(NULL, "Authenticate", &req,
                          &hrflow__v1__authenticate_response__descriptor, &a, &st),
                     E(UNAUTHENTICATED));
    assert_string_equal(st.message, first);

    /* the key's record never carries the token or its digest */
    Hrflow__V1__ListApiKeysRequest kreq = HRFLOW__V1__LIST_API_KEYS_REQUEST__INIT;
    Hrflow__V1__ListApiKeysResponse *keys = NULL;
    kreq.page_size = 500;
    assert_int_equal(call(&admin_a, "ListApiKeys", &kreq,
                          &hrflow__v1__list_api_keys_response__descriptor, &keys, &st), 0);
    uint8_t packed[65536];
    size_t len = protobuf_c_message_pack(&keys->base, packed);
    assert_true(len < sizeof(packed));
    assert_null(memmem(packed, len, k->token + 20, TOKEN_SECRET_LEN));
    int found = 0;
    for (size_t i = 0; i < keys->n_api_keys; i++)
        if (strcmp(keys->api_keys[i]->id, key_id) == 0) {
            found = 1;
            assert_non_null(keys->api_keys[i]->last_used_time); /* authenticated above */
        }
    assert_true(found);
    release(keys);
    release(k);
    free(company);
    hf_status_clear(&st);
}

static void test_revoke_ends_authentication_and_cache(void **state)
{
    (void)state;
    hf_status_t st = { 0 };
    Hrflow__V1__CreateApiKeyResponse *k = NULL;
    assert_int_equal(create_key(&admin_a, admin_scope, 1, NULL, 0, &k, &st), 0);
    Hrflow__V1__AuthenticateResponse *a = NULL;
    assert_int_equal(authenticate(k->token, &a, &st), 0);
    release(a);

    /* what the gateway caches after that Authenticate */
    unsigned char d[TOKEN_DIGEST_LEN];
    char key[128], hex[2 * TOKEN_DIGEST_LEN + 1];
    token_digest(k->token, d);
    token_digest_hex(d, hex);
    snprintf(key, sizeof(key), "hf:auth:{%s}", hex);
    redisReply *r = hf_cache_command(redis, "SET %s %s EX 300", key, "packed caller");
    assert_non_null(r);
    freeReplyObject(r);

    Hrflow__V1__RevokeApiKeyRequest rreq = HRFLOW__V1__REVOKE_API_KEY_REQUEST__INIT;
    Hrflow__V1__ApiKey *revoked = NULL;
    rreq.id = k->api_key->id;
    /* another tenant's admin cannot, and learns nothing */
    assert_int_equal(call(&admin_b, "RevokeApiKey", &rreq, &hrflow__v1__api_key__descriptor,
                          &revoked, &st), E(NOT_FOUND));
    r = hf_cache_command(redis, "EXISTS %s", key);
    assert_int_equal(r->integer, 1);
    freeReplyObject(r);

    assert_int_equal(call(&admin_a, "RevokeApiKey", &rreq, &hrflow__v1__api_key__descriptor,
                          &revoked, &st), 0);
    assert_non_null(revoked->revoke_time);
    /* the entry is now identity's tombstone, for longer than any lookup is in flight */
    r = hf_cache_command(redis, "GET %s", key);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_string_equal(r->str, "revoked");
    freeReplyObject(r);
    r = hf_cache_command(redis, "TTL %s", key);
    assert_true(r->integer > 300 && r->integer <= STORE_AUTH_TOMBSTONE_S);
    freeReplyObject(r);
    /* a gateway that read the key from identity just before the revocation
     * writes its answer with SET NX (services/gateway/auth.c): it cannot put
     * the key back */
    r = hf_cache_command(redis, "SET %s %s NX EX 60", key, "late packed caller");
    assert_int_equal(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    r = hf_cache_command(redis, "GET %s", key);
    assert_string_equal(r->str, "revoked");
    freeReplyObject(r);
    assert_int_equal(authenticate(k->token, &a, &st), E(UNAUTHENTICATED));

    /* revoking again changes nothing */
    int64_t when = revoked->revoke_time->seconds;
    release(revoked);
    assert_int_equal(call(&admin_a, "RevokeApiKey", &rreq, &hrflow__v1__api_key__descriptor,
                          &revoked, &st), 0);
    assert_true(revoked->revoke_time->seconds == when);
    release(revoked);
    release(k);
    hf_status_clear(&st);
}

static void test_non_admin_is_denied(void **state)
{
    (void)state;
    hf_status_t st = { 0 };
    char *id = new_company(&admin_a, "");
    void *out = NULL;
    Hrflow__V1__Company *c = NULL;
    assert_int_equal(create_company_as(&recruiter_a, "R-1", "招聘者的公司", "", &c, &st),
                     E(PERMISSION_DENIED));
    Hrflow__V1__Company patch = HRFLOW__V1__COMPANY__INIT;
    char *mask[] = { "name" };
    patch.name = "x";
    Hrflow__V1__UpdateCompanyRequest ureq = HRFLOW__V1__UPDATE_COMPANY_REQUEST__INIT;
    ureq.id = id;
    ureq.company = &patch;
    ureq.update_mask = mask;
    ureq.n_update_mask = 1;
    assert_int_equal(call(&recruiter_a, "UpdateCompany", &ureq, &hrflow__v1__company__descriptor,
                          &out, &st), E(PERMISSION_DENIED));
    Hrflow__V1__CreateApiKeyResponse *k = NULL;
    assert_int_equal(create_key(&recruiter_a, admin_scope, 1, NULL, 0, &k, &st),
                     E(PERMISSION_DENIED));
    Hrflow__V1__ListApiKeysRequest kreq = HRFLOW__V1__LIST_API_KEYS_REQUEST__INIT;
    assert_int_equal(call(&recruiter_a, "ListApiKeys", &kreq,
                          &hrflow__v1__list_api_keys_response__descriptor, &out, &st),
                     E(PERMISSION_DENIED));
    Hrflow__V1__RevokeApiKeyRequest rreq = HRFLOW__V1__REVOKE_API_KEY_REQUEST__INIT;
    rreq.id = "key_0000000000000000";
    assert_int_equal(call(&recruiter_a, "RevokeApiKey", &rreq, &hrflow__v1__api_key__descriptor,
                          &out, &st), E(PERMISSION_DENIED));
    Hrflow__V1__UpdateTenantRequest treq = HRFLOW__V1__UPDATE_TENANT_REQUEST__INIT;
    treq.id = "current";
    assert_int_equal(call(&recruiter_a, "UpdateTenant", &treq, &hrflow__v1__tenant__descriptor,
                          &out, &st), E(PERMISSION_DENIED));
    /* reads are fine */
    assert_int_equal(get_company(&recruiter_a, id, &c, &st), 0);
    release(c);
    free(id);
    hf_status_clear(&st);
}

static void test_tenant_update(void **state)
{
    (void)state;
    hf_status_t st = { 0 };
    Hrflow__V1__Tenant patch = HRFLOW__V1__TENANT__INIT, *t = NULL;
    patch.name = "Beta 集团";
    patch.slug = "alpha"; /* not in the mask: ignored */
    char *mask[] = { "name" };
    Hrflow__V1__UpdateTenantRequest req = HRFLOW__V1__UPDATE_TENANT_REQUEST__INIT;
    req.id = "current";
    req.tenant = &patch;
    req.update_mask = mask;
    req.n_update_mask = 1;
    assert_int_equal(call(&admin_b, "UpdateTenant", &req, &hrflow__v1__tenant__descriptor, &t, &st),
                     0);
    assert_string_equal(t->name, "Beta 集团");
    assert_string_equal(t->slug, "beta");
    release(t);
    mask[0] = "slug";
    assert_int_equal(call(&admin_b, "UpdateTenant", &req, &hrflow__v1__tenant__descriptor, &t, &st),
                     E(ALREADY_EXISTS));
    assert_true(has_detail(&st, "tenant.slug", "already_exists"));
    req.id = tenant_a; /* not its own */
    assert_int_equal(call(&admin_b, "UpdateTenant", &req, &hrflow__v1__tenant__descriptor, &t, &st),
                     E(NOT_FOUND));
    hf_status_clear(&st);
}

/* ---- pages ---- */

/* Page through ListCompanies (page size 3) as who; every id of the tenant
 * comes exactly once, in the same order as one big page. */
static void test_pagination_has_no_gaps_or_repeats(void **state)
{
    (void)state;
    hf_status_t st = { 0 };
    char out[256];
    assert_int_equal(CLI(out, "tenant", "create", "--slug", "paged", "--name", "Paged"), 0);
    Hrflow__V1__Caller admin_c;
    char tenant_c[64];
    snprintf(tenant_c, sizeof(tenant_c), "%.63s", chomp(out));
    caller(&admin_c, tenant_c, admin_scope, 1);
    char *made[8];
    for (int i = 0; i < 8; i++)
        made[i] = new_company(&admin_c, "");

    Hrflow__V1__ListCompaniesRequest req = HRFLOW__V1__LIST_COMPANIES_REQUEST__INIT;
    Hrflow__V1__ListCompaniesResponse *all = NULL, *page = NULL;
    assert_int_equal(call(&admin_c, "ListCompanies", &req,
                          &hrflow__v1__list_companies_response__descriptor, &all, &st), 0);
    assert_int_equal(all->n_companies, 8);     /* default size 50: one page */
    assert_string_equal(all->next_page_token, "");

    char token[256] = "", first_token[256] = "";
    size_t seen = 0, pages = 0;
    req.page_size = 3;
    do {
        req.page_token = token;
        assert_int_equal(call(&admin_c, "ListCompanies", &req,
                              &hrflow__v1__list_companies_response__descriptor, &page, &st), 0);
        assert_true(page->n_companies <= 3);
        for (size_t i = 0; i < page->n_companies; i++, seen++)
            assert_string_equal(page->companies[i]->id, all->companies[seen]->id);
        snprintf(token, sizeof(token), "%s", page->next_page_token);
        if (pages == 0)
            snprintf(first_token, sizeof(first_token), "%s", token);
        release(page);
        pages++;
    } while (*token && pages < 10);
    assert_int_equal(seen, 8);
    assert_int_equal(pages, 3);
    for (int i = 0; i < 8; i++) {
        int hits = 0;
        for (size_t k = 0; k < all->n_companies; k++)
            hits += strcmp(all->companies[k]->id, made[i]) == 0;
        assert_int_equal(hits, 1);
        free(made[i]);
    }
    release(all);

    req.page_token = "garbage";
    assert_int_equal(call(&admin_c, "ListCompanies", &req,
                          &hrflow__v1__list_companies_response__descriptor, &page, &st),
                     E(INVALID_ARGUMENT));
    assert_true(has_detail(&st, "page_token", "bad_format"));
    /* a token opens only for the tenant and the list that made it */
    req.page_token = first_token;
    assert_int_equal(call(&admin_a, "ListCompanies", &req,
                          &hrflow__v1__list_companies_response__descriptor, &page, &st),
                     E(INVALID_ARGUMENT));
    Hrflow__V1__ListApiKeysRequest kreq = HRFLOW__V1__LIST_API_KEYS_REQUEST__INIT;
    Hrflow__V1__ListApiKeysResponse *keys = NULL;
    kreq.page_token = first_token;
    assert_int_equal(call(&admin_c, "ListApiKeys", &kreq,
                          &hrflow__v1__list_api_keys_response__descriptor, &keys, &st),
                     E(INVALID_ARGUMENT));
    assert_true(has_detail(&st, "page_token", "bad_format"));

    /* keys page the same way */
    for (int i = 0; i < 3; i++) {
        Hrflow__V1__CreateApiKeyResponse *k = NULL;
        assert_int_equal(create_key(&admin_c, recruiter_scope, 1, NULL, 0, &k, &st), 0);
        release(k);
    }
    char first[64] = "";
    kreq.page_token = NULL;
    kreq.page_size = 2;
    assert_int_equal(call(&admin_c, "ListApiKeys", &kreq,
                          &hrflow__v1__list_api_keys_response__descriptor, &keys, &st), 0);
    assert_int_equal(keys->n_api_keys, 2);
    snprintf(first, sizeof(first), "%s", keys->api_keys[0]->id);
    snprintf(token, sizeof(token), "%s", keys->next_page_token);
    release(keys);
    kreq.page_token = token;
    assert_int_equal(call(&admin_c, "ListApiKeys", &kreq,
                          &hrflow__v1__list_api_keys_response__descriptor, &keys, &st), 0);
    assert_int_equal(keys->n_api_keys, 1);
    assert_string_not_equal(keys->api_keys[0]->id, first);
    assert_string_equal(keys->next_page_token, "");
    release(keys);
    hf_status_clear(&st);
}

/* ---- the command line ---- */

static void test_cli_is_idempotent_and_prints_only_the_token(void **state)
{
    (void)state;
    hf_status_t st = { 0 };
    char out[256], again[256];
    assert_int_equal(CLI(out, "tenant", "create", "--slug", "alpha", "--name", "whatever"), 0);
    assert_string_equal(chomp(out), tenant_a); /* an existing slug: its id */
    assert_int_equal(CLI(out, "company", "create", "--tenant", "alpha", "--code", "CLI-1",
                         "--name", "命令行公司", "--city", "广州"), 0);
    assert_int_equal(CLI(again, "company", "create", "--tenant", tenant_a, "--code", "CLI-1",
                         "--name", "命令行公司"), 0);
    assert_string_equal(chomp(again), chomp(out));
    char company[64];
    snprintf(company, sizeof(company), "%.63s", out);

    assert_int_equal(CLI(out, "apikey", "create", "--tenant", "alpha", "--scope", "payroll",
                         "--scope", "recruiter", "--company", "CLI-1", "--name", "cli key"), 0);
    assert_int_equal(strlen(out), TOKEN_LEN + 1); /* the token and a newline, nothing else */
    chomp(out);
    Hrflow__V1__AuthenticateResponse *a = NULL;
    assert_int_equal(authenticate(out, &a, &st), 0);
    assert_string_equal(a->caller->tenant_id, tenant_a);
    assert_int_equal(a->caller->n_scopes, 2);
    assert_string_equal(a->caller->scopes[0], "payroll");
    assert_int_equal(a->caller->n_company_ids, 1);
    assert_string_equal(a->caller->company_ids[0], company);
    release(a);

    char line[128];
    snprintf(line, sizeof(line), "%s\n", out);
    const char *const verify[] = { "apikey", "verify", NULL };
    assert_int_equal(cli(line, again, sizeof(again), verify), 0);
    assert_non_null(strstr(again, tenant_a));
    line[30] = line[30] == 'x' ? 'y' : 'x';
    assert_int_equal(cli(line, again, sizeof(again), verify), 1);

    /* refusals print no token */
    assert_int_equal(CLI(out, "apikey", "create", "--tenant", "alpha", "--scope", "root"), 1);
    assert_string_equal(out, "");
    assert_int_equal(CLI(out, "apikey", "create", "--tenant", "nosuch", "--scope", "admin"), 1);
    assert_string_equal(out, "");
    assert_int_equal(CLI(out, "apikey", "create", "--scope", "admin"), 2); /* no --tenant */
    assert_int_equal(CLI(out, "tenant", "create", "--slug", "Bad Slug", "--name", "x"), 1);
    hf_status_clear(&st);
}

/* ---- events ---- */

static void test_changes_write_outbox_events_without_secrets(void **state)
{
    (void)state;
    char err[256];
    PGconn *c = hf_db_connect(dsn, 5, err, sizeof(err));
    assert_non_null(c);
    const char *p[] = { tenant_a };
    PGresult *r = hf_db_query(c,
        "SELECT type, count(*) FROM events.outbox WHERE tenant_id = $1 GROUP BY type", 1, p);
    assert_non_null(r);
    const char *want[] = { "hrflow.identity.tenant.created.v1",
                           "hrflow.identity.company.created.v1",
                           "hrflow.identity.company.updated.v1",
                           "hrflow.identity.api_key.created.v1",
                           "hrflow.identity.api_key.revoked.v1" };
    for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
        int found = 0;
        for (int i = 0; i < PQntuples(r); i++)
            found |= strcmp(PQgetvalue(r, i, 0), want[w]) == 0;
        if (!found)
            fail_msg("no %s event", want[w]);
    }
    PQclear(r);
    /* the update names what it changed; the key events carry no secret */
    r = hf_db_query(c,
        "SELECT data->'changedFields', data ? 'tokenSha256', source FROM events.outbox"
        " WHERE tenant_id = $1 AND type = 'hrflow.identity.company.updated.v1'"
        " AND data->>'code' = 'HX-SH'", 1, p);
    assert_non_null(r);
    assert_int_equal(PQntuples(r), 1);
    assert_string_equal(PQgetvalue(r, 0, 0), "[\"name\"]");
    assert_string_equal(PQgetvalue(r, 0, 2), "/hrflow/identity");
    PQclear(r);
    r = hf_db_query(c,
        "SELECT count(*) FROM events.outbox e JOIN identity.api_keys k ON k.id = e.data->>'id'"
        " WHERE e.type LIKE 'hrflow.identity.api_key.%'"
        " AND (e.data::text ~ 'hf_[0-9a-f]{16}_' OR"
        "      position(encode(k.token_sha256, 'hex') IN e.data::text) > 0)", 0, NULL);
    assert_non_null(r);
    assert_string_equal(PQgetvalue(r, 0, 0), "0");
    PQclear(r);
    r = hf_db_query(c,
        "SELECT count(*) FROM events.outbox WHERE type = 'hrflow.identity.api_key.created.v1'"
        " AND data ? 'scopes' AND data ? 'companyIds'", 0, NULL);
    assert_true(atoi(PQgetvalue(r, 0, 0)) > 0);
    PQclear(r);
    PQfinish(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_company_create_get_list_update),
        cmocka_unit_test(test_other_tenant_sees_nothing),
        cmocka_unit_test(test_company_restricted_caller),
        cmocka_unit_test(test_validation_details),
        cmocka_unit_test(test_duplicate_code),
        cmocka_unit_test(test_key_authenticates_as_its_caller),
        cmocka_unit_test(test_revoke_ends_authentication_and_cache),
        cmocka_unit_test(test_non_admin_is_denied),
        cmocka_unit_test(test_tenant_update),
        cmocka_unit_test(test_pagination_has_no_gaps_or_repeats),
        cmocka_unit_test(test_cli_is_idempotent_and_prints_only_the_token),
        cmocka_unit_test(test_changes_write_outbox_events_without_secrets),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
