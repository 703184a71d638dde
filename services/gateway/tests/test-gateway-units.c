/* services/gateway/tests/test-gateway-units.c - the gateway's pure parts
 *
 * Path patterns (router.c), the request target's decoding (target.c), the
 * route table's own consistency (routes.c), rate-limit settings (ratelimit.c),
 * the phase engine (phases.c) and the keys held in the process (authcache.c), on tables of its own and the gateway's.
 * Everything that needs a socket is tested end to end in
 * tests/e2e/test_gateway.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../gateway.h"

static void test_literal_paths(void **state)
{
    (void)state;
    gw_param_t p[GW_MAX_PARAMS];
    assert_int_equal(gw_route_match("/v1/companies", "/v1/companies", p, 4), 0);
    assert_int_equal(gw_route_match("/v1/companies", "/v1/companies/", p, 4), -1);
    assert_int_equal(gw_route_match("/v1/companies", "/v1/compan", p, 4), -1);
    assert_int_equal(gw_route_match("/v1/companies", "", p, 4), -1);
}

static void test_variables(void **state)
{
    (void)state;
    gw_param_t p[GW_MAX_PARAMS];
    assert_int_equal(gw_route_match("/v1/companies/{id}", "/v1/companies/abc-1", p, 4), 1);
    assert_string_equal(p[0].name, "id");
    assert_string_equal(p[0].value, "abc-1");
    /* one segment only, never empty */
    assert_int_equal(gw_route_match("/v1/companies/{id}", "/v1/companies/a/b", p, 4), -1);
    assert_int_equal(gw_route_match("/v1/companies/{id}", "/v1/companies/", p, 4), -1);
    assert_int_equal(gw_route_match("/v1/jobs/{job}/applications/{id}",
                                    "/v1/jobs/j1/applications/a2", p, 4), 2);
    assert_string_equal(p[0].value, "j1");
    assert_string_equal(p[1].name, "id");
    assert_string_equal(p[1].value, "a2");
    /* too many parameters for the array */
    assert_int_equal(gw_route_match("/{a}/{b}", "/x/y", p, 1), -1);
}

static void test_custom_actions(void **state)
{
    (void)state;
    gw_param_t p[GW_MAX_PARAMS];
    const char *pat = "/v1/applications/{id}:advance";
    assert_int_equal(gw_route_match(pat, "/v1/applications/a1:advance", p, 4), 1);
    assert_string_equal(p[0].value, "a1");
    assert_int_equal(gw_route_match(pat, "/v1/applications/a1:reject", p, 4), -1);
    assert_int_equal(gw_route_match(pat, "/v1/applications/a1", p, 4), -1);
    /* the plain resource route does not swallow an action */
    assert_int_equal(gw_route_match("/v1/applications/{id}", "/v1/applications/a1:advance", p,
                                    4), -1);
    assert_int_equal(gw_route_match("/v1/candidates:import", "/v1/candidates:import", p, 4), 0);
}

static void test_long_values_are_refused(void **state)
{
    (void)state;
    gw_param_t p[GW_MAX_PARAMS];
    char path[400] = "/v1/companies/";
    memset(path + strlen(path), 'x', 300);
    assert_int_equal(gw_route_match("/v1/companies/{id}", path, p, 4), -1);
}

static void test_route_table_is_consistent(void **state)
{
    (void)state;
    assert_int_equal(gw_routes_check(), 0);
    /* no two routes share a method and pattern, and every name is unique */
    for (size_t i = 0; i < gw_n_routes; i++)
        for (size_t j = i + 1; j < gw_n_routes; j++) {
            assert_false(strcmp(gw_routes[i].method, gw_routes[j].method) == 0 &&
                         strcmp(gw_routes[i].pattern, gw_routes[j].pattern) == 0);
            assert_string_not_equal(gw_routes[i].name, gw_routes[j].name);
        }
    for (size_t i = 0; i < gw_n_routes; i++)
        if (!gw_routes[i].fn)
            assert_true(gw_routes[i].scopes != 0); /* every bus route needs a key */
}

/* Routes reach only services of services/services.list, by their bus name. */
static void test_routes_name_listed_services(void **state)
{
    (void)state;
    assert_true(gw_n_service_names >= 6);
    for (size_t i = 0; i < gw_n_routes; i++) {
        if (gw_routes[i].fn)
            continue;
        const char *name = gw_route_service_name(&gw_routes[i]);
        assert_non_null(name);
        int listed = 0;
        for (size_t k = 0; k < gw_n_service_names; k++)
            listed |= strcmp(name, gw_service_names[k]) == 0;
        assert_true(listed);
    }
    /* a descriptor of a service that is not in the list names no service */
    ProtobufCServiceDescriptor other = *gw_routes[gw_n_routes - 1].service;
    other.short_name = "Payments";
    gw_route_t r = gw_routes[gw_n_routes - 1];
    r.service = &other;
    assert_null(gw_route_service_name(&r));
}

static void test_scopes(void **state)
{
    (void)state;
    assert_int_equal(gw_scope_bit("admin"), GW_SCOPE_ADMIN);
    assert_int_equal(gw_scope_bit("integrator"), GW_SCOPE_INTEGRATOR);
    assert_int_equal(gw_scope_bit("root"), 0);
    assert_string_equal(gw_scope_name(GW_SCOPE_PAYROLL), "payroll");
    assert_null(gw_scope_name(3));
}

static void test_rate_settings(void **state)
{
    (void)state;
    gw_rate_t r[GW_N_SCOPES] = { { 0, 0 } };
    char err[256];
    assert_int_equal(gw_rate_parse("admin=10:20, integrator=0.5:1", r, err, sizeof(err)), 0);
    assert_true(r[0].rate == 10 && r[0].burst == 20);
    assert_true(r[3].rate == 0.5 && r[3].burst == 1);
    assert_true(r[1].rate == 0); /* untouched */
    const char *bad[] = { "admin", "admin=10", "root=1:1", "admin=0:1", "admin=1:0",
                          "admin=x:1", "admin=1:1x", "admin=-1:5" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(gw_rate_parse(bad[i], r, err, sizeof(err)), -1);
        assert_true(err[0] != '\0');
    }
}

static void test_sha256_hex(void **state)
{
    (void)state;
    char h[65];
    hf_sha256_hex("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* ---- the request target (target.c) ---- */

/* Decode raw; returns the count, with the decoded parts in out. */
static int decode_target(const char *raw, char *out, gw_target_error_t *err)
{
    memset(out, 0x55, 2 * strlen(raw) + 2 + 16); /* no stale terminators */
    memset(err, 0, sizeof(*err));
    return gw_target_decode(raw, out, err);
}

/* The i-th query name (2i) or value (2i + 1) after the path in out. */
static const char *part(const char *out, int i)
{
    const char *p = out + strlen(out) + 1;
    while (i-- > 0)
        p += strlen(p) + 1;
    return p;
}

static void test_target_decodes_path_and_query(void **state)
{
    (void)state;
    char out[256];
    gw_target_error_t err;
    assert_int_equal(decode_target("/v1/companies/%E5%8D%8E+x", out, &err), 0);
    assert_string_equal(out, "/v1/companies/华+x"); /* '+' is a space only in the query */
    assert_int_equal(decode_target("/v1/jobs?status=open+now&page_size=5&tag=a%26b&flag", out,
                                   &err), 4);
    assert_string_equal(out, "/v1/jobs");
    assert_string_equal(part(out, 0), "status");
    assert_string_equal(part(out, 1), "open now");
    assert_string_equal(part(out, 2), "page_size");
    assert_string_equal(part(out, 3), "5");
    assert_string_equal(part(out, 4), "tag");
    assert_string_equal(part(out, 5), "a&b"); /* an escaped '&' separates nothing */
    assert_string_equal(part(out, 6), "flag");
    assert_string_equal(part(out, 7), "");
    /* empty parameters are skipped; an escape that is not %HH stays as written */
    assert_int_equal(decode_target("/x?&a=%2&&b=%zz%4", out, &err), 2);
    assert_string_equal(part(out, 1), "%2");
    assert_string_equal(part(out, 3), "%zz%4");
    assert_int_equal(decode_target("/x?", out, &err), 0);
    assert_int_equal(decode_target("/x", out, &err), 0);
    assert_string_equal(out, "/x");
}

static void test_target_refuses_a_nul_where_it_would_cut(void **state)
{
    (void)state;
    char out[256];
    gw_target_error_t err;
    /* a %00 anywhere in a segment: start, middle, end */
    const char *paths[] = { "/v1/jobs/abc%00junk", "/v1/jobs/%00abc", "/v1/jobs/abc%00",
                            "/v1/jobs/abc%00?status=open" };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        assert_int_equal(decode_target(paths[i], out, &err), -1);
        assert_string_equal(err.field, "path");
        assert_non_null(strstr(err.message, "path segment 3"));
        assert_non_null(strstr(err.message, "(%00)"));
    }
    assert_int_equal(decode_target("/v1/jobs/abc%00junk", out, &err), -1);
    assert_string_equal(err.message,
                        "path segment 3 (\"abc%00junk\") holds a control character (%00)");
    /* a query name: the parameter is named by its place, as the client wrote it */
    assert_int_equal(decode_target("/v1/jobs?page_size=2&status%00xx=", out, &err), -1);
    assert_string_equal(err.field, "query");
    assert_string_equal(err.message, "the name of query parameter 2 (\"status%00xx\") holds a "
                                     "control character (%00)");
    assert_int_equal(decode_target("/v1/jobs?%00status=1", out, &err), -1);
    assert_string_equal(err.field, "query");
    assert_int_equal(decode_target("/v1/jobs?status%00", out, &err), -1);
    assert_string_equal(err.field, "query");
    /* a query value: named by its parameter */
    assert_int_equal(decode_target("/v1/jobs?status=open%00", out, &err), -1);
    assert_string_equal(err.field, "query.status");
    assert_string_equal(err.message, "the value (\"open%00\") holds a control character (%00)");
    assert_int_equal(decode_target("/v1/jobs?status=%00open&x=1", out, &err), -1);
    assert_string_equal(err.field, "query.status");
}

static void test_target_refuses_every_control_character(void **state)
{
    (void)state;
    char out[256], raw[64];
    gw_target_error_t err;
    for (int c = 0; c < 0x80; c++) {
        int bad = c < 0x20 || c == 0x7f;
        snprintf(raw, sizeof(raw), "/a/b%%%02Xc", c);
        assert_int_equal(decode_target(raw, out, &err), bad ? -1 : 0);
        snprintf(raw, sizeof(raw), "/a?k%%%02X=v", c);
        assert_int_equal(decode_target(raw, out, &err), bad ? -1 : 1);
        snprintf(raw, sizeof(raw), "/a?k=v%%%02x", c); /* lowercase hex too */
        assert_int_equal(decode_target(raw, out, &err), bad ? -1 : 1);
    }
    /* a raw control byte is refused as its escape is */
    assert_int_equal(decode_target("/a/b\tc", out, &err), -1);
    assert_non_null(strstr(err.message, "(%09)"));
    /* bytes above 0x7f are not control characters (UTF-8) */
    assert_int_equal(decode_target("/a/%C3%A9?n=%E4%B8%AD", out, &err), 1);
    /* a long part is shown cut, with "..." */
    char longraw[200] = "/v1/jobs/";
    memset(longraw + strlen(longraw), 'x', 100);
    strcat(longraw, "%7F");
    assert_int_equal(decode_target(longraw, out, &err), -1);
    assert_non_null(strstr(err.message, "xxx...\") holds a control character (%7F)"));
}

/* ---- the phase engine: handlers that write their letter on a trail ---- */

static char trail[32];
static int waits_left; /* how many more times wait_w asks to wait */

static gw_rc_t mark(char c, gw_rc_t rc)
{
    size_t n = strlen(trail);
    assert_true(n + 1 < sizeof(trail));
    trail[n] = c;
    trail[n + 1] = '\0';
    return rc;
}

static gw_rc_t ok_a(gateway_t *gw, gw_request_t *r) { (void)gw, (void)r; return mark('a', GW_OK); }
static gw_rc_t ok_b(gateway_t *gw, gw_request_t *r) { (void)gw, (void)r; return mark('b', GW_OK); }
static gw_rc_t ok_c(gateway_t *gw, gw_request_t *r) { (void)gw, (void)r; return mark('c', GW_OK); }
static gw_rc_t declined_d(gateway_t *gw, gw_request_t *r)
{
    (void)gw, (void)r;
    return mark('d', GW_DECLINED);
}
static gw_rc_t done_x(gateway_t *gw, gw_request_t *r)
{
    (void)gw, (void)r;
    return mark('x', GW_DONE);
}
static gw_rc_t wait_w(gateway_t *gw, gw_request_t *r)
{
    (void)gw, (void)r;
    return mark('w', waits_left-- > 0 ? GW_AGAIN : GW_OK);
}
static gw_rc_t never(gateway_t *gw, gw_request_t *r)
{
    (void)gw, (void)r;
    fail_msg("a handler ran that the engine should have skipped");
    return GW_DONE;
}

#define N(table) (sizeof(table) / sizeof(table[0]))

/* Run table from the start (or from *at when given), check the engine's
 * result and return the trail. */
static const char *run(const gw_phase_t *table, size_t n, gw_rc_t want, gw_phase_at_t *at)
{
    gw_phase_at_t start = { 0, 0 };
    if (!at)
        at = &start;
    assert_int_equal(gw_phases_run(table, n, NULL, NULL, at), want);
    return trail;
}

static int setup_trail(void **state)
{
    (void)state;
    trail[0] = '\0';
    waits_left = 0;
    return 0;
}

static void test_phases_run_in_order(void **state)
{
    (void)state;
    const gw_phase_t table[] = { { "one", { ok_a } }, { "two", { ok_b } }, { "three", { ok_c } } };
    assert_string_equal(run(table, N(table), GW_DONE, NULL), "abc");
}

static void test_ok_ends_the_phase(void **state)
{
    (void)state;
    const gw_phase_t table[] = { { "one", { ok_a, never } }, { "two", { ok_b, never } } };
    assert_string_equal(run(table, N(table), GW_DONE, NULL), "ab");
}

static void test_declined_tries_the_next_handler(void **state)
{
    (void)state;
    /* the next handler of the phase; a phase that every handler declines,
     * or that has none, is passed */
    const gw_phase_t table[] = { { "one", { declined_d, ok_a } },
                                 { "two", { declined_d, declined_d } },
                                 { "empty", { NULL } },
                                 { "full", { declined_d, declined_d, declined_d, declined_d } },
                                 { "three", { ok_b } } };
    assert_string_equal(run(table, N(table), GW_DONE, NULL), "da" "dd" "" "dddd" "b");
}

static void test_done_finishes_the_request_early(void **state)
{
    (void)state;
    const gw_phase_t table[] = { { "one", { ok_a } },
                                 { "two", { done_x, never } },
                                 { "three", { never } } };
    gw_phase_at_t at = { 0, 0 };
    assert_string_equal(run(table, N(table), GW_DONE, &at), "ax");
    assert_int_equal(at.phase, N(table));
    /* a finished request runs nothing more */
    assert_string_equal(run(table, N(table), GW_DONE, &at), "ax");
}

static void test_again_resumes_at_the_same_handler(void **state)
{
    (void)state;
    const gw_phase_t table[] = { { "one", { ok_a } },
                                 { "two", { declined_d, wait_w, never } },
                                 { "three", { ok_b } } };
    gw_phase_at_t at = { 0, 0 };
    waits_left = 1;
    assert_string_equal(run(table, N(table), GW_AGAIN, &at), "adw");
    assert_int_equal(at.phase, 1);
    assert_int_equal(at.handler, 1);
    /* resumed (on a handler thread): the waiting handler runs again, then on */
    assert_string_equal(run(table, N(table), GW_DONE, &at), "adwwb");
}

static void test_the_gateway_phases(void **state)
{
    (void)state;
    /* the order docs/services/gateway.md gives, every phase with a handler */
    const char *order[] = { "route", "access", "scope", "rate limit", "idempotency", "content" };
    assert_int_equal(gw_n_phases, N(order));
    for (size_t i = 0; i < gw_n_phases; i++) {
        assert_string_equal(gw_phases[i].name, order[i]);
        assert_non_null(gw_phases[i].handlers[0]);
    }
    assert_ptr_equal(gw_phases[0].handlers[0], gw_route_phase);
    assert_ptr_equal(gw_phases[1].handlers[0], gw_public_phase); /* before the key */
}

/* ---- authcache.c ---- */

#define HASH_A "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define HASH_B "0fedcba9876543210fedcba9876543210fedcba9876543210fedcba987654321"

static Hrflow__V1__Caller *caller_of(const char *tenant)
{
    static char *scopes[] = { "recruiter" };
    static Hrflow__V1__Caller c = HRFLOW__V1__CALLER__INIT;
    c.tenant_id = (char *)tenant;
    c.actor = (char *)"key_test";
    c.n_scopes = 1;
    c.scopes = scopes;
    return &c;
}

static gw_rate_result_t granted_rate(long long remaining)
{
    return (gw_rate_result_t){ .checked = 1, .allowed = 1, .remaining = remaining,
                               .reset_ms = 2000 };
}

/* take's answer for hash: 1 (caller's tenant checked and freed) or 0 */
static int take(const char *hash, const char *tenant, gw_rate_result_t *rate, long *back)
{
    Hrflow__V1__Caller *c = NULL;
    *rate = (gw_rate_result_t){ 0 };
    int lease = 0;
    int hit = gw_authcache_take(hash, &c, rate, back, &lease);
    if (hit) {
        assert_non_null(c);
        assert_string_equal(c->tenant_id, tenant);
        protobuf_c_message_free_unpacked(&c->base, NULL);
    } else {
        assert_null(c);
    }
    return hit;
}

static int teardown_authcache(void **state)
{
    (void)state;
    gw_authcache_init(0);
    return 0;
}

static void test_authcache_off_holds_nothing(void **state)
{
    (void)state;
    gw_authcache_init(0);
    assert_false(gw_authcache_enabled());
    gw_rate_result_t r = granted_rate(5);
    assert_int_equal(gw_authcache_put(HASH_A, "key_a", caller_of("t1"), 1,
                                      gw_authcache_epoch(), &r, 4), 0);
    long back = -1;
    assert_int_equal(take(HASH_A, "t1", &r, &back), 0);
    assert_int_equal(back, 0);
}

static void test_authcache_spends_a_lease_one_token_a_request(void **state)
{
    (void)state;
    gw_authcache_init(60000);
    gw_rate_result_t r = granted_rate(10);
    assert_int_equal(gw_authcache_put(HASH_A, "key_a", caller_of("t1"), 1,
                                      gw_authcache_epoch(), &r, 4), 0);
    assert_int_equal(r.remaining, 13); /* the request spent one of 4; 3 held beside 10 */
    long back = -1;
    for (long long left = 12; left >= 10; left--) {
        assert_int_equal(take(HASH_A, "t1", &r, &back), 1);
        assert_true(r.checked && r.allowed);
        assert_int_equal(r.remaining, left);
        assert_true(r.reset_ms > 0 && r.reset_ms <= 2000);
    }
    /* the lease is spent: Redis must be asked, with nothing to hand back */
    assert_int_equal(take(HASH_A, "t1", &r, &back), 0);
    assert_int_equal(back, 0);
    assert_false(r.checked);
    /* another key's token is not this one's */
    assert_int_equal(take(HASH_B, "t1", &r, &back), 0);
}

static void test_authcache_keeps_a_refusal_until_it_ends(void **state)
{
    (void)state;
    gw_authcache_init(60000);
    gw_rate_result_t r = { .checked = 1, .allowed = 0, .retry_ms = 30000, .reset_ms = 40000 };
    assert_int_equal(gw_authcache_put(HASH_A, "key_a", caller_of("t1"), 1,
                                      gw_authcache_epoch(), &r, 0), 0);
    long back;
    assert_int_equal(take(HASH_A, "t1", &r, &back), 1);
    assert_true(r.checked && !r.allowed);
    assert_true(r.retry_ms > 20000 && r.retry_ms <= 30000); /* counting down from 30 s */
}

static void test_authcache_key_without_limit_decides_nothing(void **state)
{
    (void)state;
    gw_authcache_init(60000);
    assert_int_equal(gw_authcache_put(HASH_A, "key_a", caller_of("t1"), 0,
                                      gw_authcache_epoch(), NULL, 0), 0);
    gw_rate_result_t r;
    long back;
    assert_int_equal(take(HASH_A, "t1", &r, &back), 1);
    assert_false(r.checked); /* the rate-limit phase has nothing to apply */
}

static void test_authcache_stale_entry_hands_its_lease_back(void **state)
{
    (void)state;
    gw_authcache_init(30);
    gw_rate_result_t r = granted_rate(0);
    assert_int_equal(gw_authcache_put(HASH_A, "key_a", caller_of("t1"), 1,
                                      gw_authcache_epoch(), &r, 5), 0);
    long back = -1;
    /* only ever staler than 30 ms after this, however slowly the test runs */
    nanosleep(&(struct timespec){ 0, 60 * 1000000 }, NULL);
    assert_int_equal(take(HASH_A, "t1", &r, &back), 0);
    assert_int_equal(back, 4); /* 5 granted, 1 spent by the request that took them */
    assert_int_equal(take(HASH_A, "t1", &r, &back), 0);
    assert_int_equal(back, 0); /* handed back once */
}

static void test_authcache_one_request_at_a_time_asks_for_a_lease(void **state)
{
    (void)state;
    gw_authcache_init(60000);
    gw_rate_result_t r = granted_rate(100);
    assert_int_equal(gw_authcache_put(HASH_A, "key_a", caller_of("t1"), 1,
                                      gw_authcache_epoch(), &r, 1), 0); /* no tokens held */
    Hrflow__V1__Caller *c = NULL;
    long back;
    int first = -1, second = -1;
    assert_int_equal(gw_authcache_take(HASH_A, &c, &r, &back, &first), 0);
    assert_int_equal(gw_authcache_take(HASH_A, &c, &r, &back, &second), 0);
    assert_int_equal(first, 1);  /* this one asks Redis for a lease */
    assert_int_equal(second, 0); /* concurrent ones for their one token */
    r = granted_rate(90);        /* the lease comes back: the next ask may lease again */
    assert_int_equal(gw_authcache_put(HASH_A, "key_a", caller_of("t1"), 1,
                                      gw_authcache_epoch(), &r, 2), 0);
    assert_int_equal(take(HASH_A, "t1", &r, &back), 1); /* the lease's one token */
    assert_int_equal(gw_authcache_take(HASH_A, &c, &r, &back, &first), 0);
    assert_int_equal(first, 1);
}

static void test_authcache_revocation_drops_the_key(void **state)
{
    (void)state;
    gw_authcache_init(60000);
    gw_rate_result_t r = granted_rate(100);
    assert_int_equal(gw_authcache_put(HASH_A, "key_a", caller_of("t1"), 1,
                                      gw_authcache_epoch(), &r, 50), 0);
    r = granted_rate(100);
    assert_int_equal(gw_authcache_put(HASH_B, "key_b", caller_of("t2"), 1,
                                      gw_authcache_epoch(), &r, 50), 0);
    uint64_t before = gw_authcache_epoch();
    gw_authcache_forget("key_a");
    assert_int_equal(gw_authcache_epoch(), before + 1);
    long back;
    assert_int_equal(take(HASH_A, "t1", &r, &back), 0);
    assert_int_equal(take(HASH_B, "t2", &r, &back), 1);
}

static void test_authcache_lookup_answered_before_a_revocation_is_refused(void **state)
{
    (void)state;
    gw_authcache_init(60000);
    uint64_t asked = gw_authcache_epoch(); /* a lookup starts */
    gw_authcache_forget("key_a");          /* the key is revoked while Redis answers */
    gw_authcache_forget("key_z");
    gw_rate_result_t r = granted_rate(100);
    assert_int_equal(gw_authcache_put(HASH_A, "key_a", caller_of("t1"), 1, asked, &r, 50), -1);
    long back;
    assert_int_equal(take(HASH_A, "t1", &r, &back), 0);
    /* another key's lookup in flight at the same time is kept */
    r = granted_rate(100);
    assert_int_equal(gw_authcache_put(HASH_B, "key_b", caller_of("t2"), 1, asked, &r, 50), 0);
    assert_int_equal(take(HASH_B, "t2", &r, &back), 1);
}

static void test_authcache_too_many_revocations_to_tell_keeps_nothing(void **state)
{
    (void)state;
    gw_authcache_init(60000);
    uint64_t asked = gw_authcache_epoch();
    char id[32];
    for (int i = 0; i < 300; i++) {
        snprintf(id, sizeof(id), "key_%d", i);
        gw_authcache_forget(id);
    }
    gw_rate_result_t r = granted_rate(100);
    /* the request is answered (its key was not among those still remembered)... */
    assert_int_equal(gw_authcache_put(HASH_B, "key_b", caller_of("t2"), 1, asked, &r, 50), 0);
    /* ...but nothing is held that a forgotten revocation could have meant */
    long back;
    assert_int_equal(take(HASH_B, "t2", &r, &back), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_paths),
        cmocka_unit_test(test_variables),
        cmocka_unit_test(test_custom_actions),
        cmocka_unit_test(test_long_values_are_refused),
        cmocka_unit_test(test_route_table_is_consistent),
        cmocka_unit_test(test_routes_name_listed_services),
        cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_rate_settings),
        cmocka_unit_test(test_sha256_hex),
        cmocka_unit_test(test_target_decodes_path_and_query),
        cmocka_unit_test(test_target_refuses_a_nul_where_it_would_cut),
        cmocka_unit_test(test_target_refuses_every_control_character),
        cmocka_unit_test_setup(test_phases_run_in_order, setup_trail),
        cmocka_unit_test_setup(test_ok_ends_the_phase, setup_trail),
        cmocka_unit_test_setup(test_declined_tries_the_next_handler, setup_trail),
        cmocka_unit_test_setup(test_done_finishes_the_request_early, setup_trail),
        cmocka_unit_test_setup(test_again_resumes_at_the_same_handler, setup_trail),
        cmocka_unit_test(test_the_gateway_phases),
        cmocka_unit_test_teardown(test_authcache_off_holds_nothing, teardown_authcache),
        cmocka_unit_test_teardown(test_authcache_spends_a_lease_one_token_a_request,
                                  teardown_authcache),
        cmocka_unit_test_teardown(test_authcache_keeps_a_refusal_until_it_ends,
                                  teardown_authcache),
        cmocka_unit_test_teardown(test_authcache_key_without_limit_decides_nothing,
                                  teardown_authcache),
        cmocka_unit_test_teardown(test_authcache_stale_entry_hands_its_lease_back,
                                  teardown_authcache),
        cmocka_unit_test_teardown(test_authcache_one_request_at_a_time_asks_for_a_lease,
                                  teardown_authcache),
        cmocka_unit_test_teardown(test_authcache_revocation_drops_the_key, teardown_authcache),
        cmocka_unit_test_teardown(
            test_authcache_lookup_answered_before_a_revocation_is_refused, teardown_authcache),
        cmocka_unit_test_teardown(test_authcache_too_many_revocations_to_tell_keeps_nothing,
                                  teardown_authcache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
