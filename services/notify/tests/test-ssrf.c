/* services/notify/tests/test-ssrf.c - which webhook targets the SSRF guard refuses */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "../ssrf.h"

/* The refusal of the address in text (IPv4 or IPv6) under p. */
static const char *refusal(const ssrf_policy_t *p, const char *text)
{
    struct sockaddr_in a4 = { .sin_family = AF_INET };
    struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
    if (inet_pton(AF_INET, text, &a4.sin_addr) == 1)
        return ssrf_addr_refusal(p, (struct sockaddr *)&a4);
    assert_int_equal(inet_pton(AF_INET6, text, &a6.sin6_addr), 1);
    return ssrf_addr_refusal(p, (struct sockaddr *)&a6);
}

static void test_internal_ranges_are_refused(void **state)
{
    (void)state;
    ssrf_policy_t p = { 0 };
    static const struct { const char *addr, *why; } cases[] = {
        { "127.0.0.1", "loopback" },        { "127.255.0.9", "loopback" },
        { "10.1.2.3", "private" },          { "172.16.0.1", "private" },
        { "172.31.255.255", "private" },    { "192.168.1.1", "private" },
        { "100.64.0.1", "carrier-grade NAT" }, { "100.127.255.254", "carrier-grade NAT" },
        { "169.254.169.254", "link-local" }, { "0.0.0.0", "unspecified" },
        { "0.1.2.3", "unspecified" },       { "224.0.0.1", "multicast" },
        { "239.255.255.250", "multicast" }, { "255.255.255.255", "broadcast" },
        { "240.0.0.1", "reserved" },        { "::1", "loopback" },
        { "::", "unspecified" },            { "fe80::1", "link-local" },
        { "fc00::1", "unique local" },      { "fd12:3456::1", "unique local" },
        { "ff02::1", "multicast" },         { "fec0::1", "private" },
        { "::ffff:127.0.0.1", "loopback" }, { "::ffff:169.254.169.254", "link-local" },
        { "::ffff:10.0.0.1", "private" },   { "::127.0.0.1", "loopback" },
        { "64:ff9b::a00:1", "private" },    { "2002:c0a8:0101::1", "private" },
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        const char *why = refusal(&p, cases[k].addr);
        if (!why || strcmp(why, cases[k].why))
            fail_msg("%s: %s, expected %s", cases[k].addr, why ? why : "allowed", cases[k].why);
    }
    const char *fine[] = { "8.8.8.8", "172.32.0.1", "100.128.0.1", "192.169.0.1",
                           "2606:4700::1111", "::ffff:1.1.1.1", "11.0.0.1" };
    for (size_t k = 0; k < sizeof(fine) / sizeof(fine[0]); k++)
        if (refusal(&p, fine[k]))
            fail_msg("%s refused: %s", fine[k], refusal(&p, fine[k]));
}

static void test_allow_private_opens_only_private(void **state)
{
    (void)state;
    ssrf_policy_t p = { .allow_private = 1 };
    const char *open[] = { "127.0.0.1", "10.0.0.1", "192.168.0.1", "100.64.0.1", "::1",
                           "fd00::1", "::ffff:127.0.0.1" };
    for (size_t k = 0; k < sizeof(open) / sizeof(open[0]); k++)
        assert_null(refusal(&p, open[k]));
    assert_string_equal(refusal(&p, "169.254.169.254"), "link-local");
    assert_string_equal(refusal(&p, "0.0.0.0"), "unspecified");
    assert_string_equal(refusal(&p, "224.0.0.1"), "multicast");
    assert_string_equal(refusal(&p, "fe80::1"), "link-local");
}

static void test_deny_list(void **state)
{
    (void)state;
    ssrf_policy_t p = { .allow_private = 1 };
    char why[128];
    assert_int_equal(ssrf_deny_parse(&p, " 203.0.113.0/24, 127.0.0.2 ,2001:db8::/32,", why,
                                     sizeof(why)), 0);
    assert_int_equal(p.n_deny, 3);
    assert_string_equal(refusal(&p, "203.0.113.77"), "denied by HF_NOTIFY_WEBHOOK_DENY");
    assert_null(refusal(&p, "203.0.114.1"));
    assert_string_equal(refusal(&p, "127.0.0.2"), "denied by HF_NOTIFY_WEBHOOK_DENY");
    assert_null(refusal(&p, "127.0.0.1"));
    assert_string_equal(refusal(&p, "2001:db8:1::5"), "denied by HF_NOTIFY_WEBHOOK_DENY");
    assert_string_equal(refusal(&p, "::ffff:203.0.113.1"), "denied by HF_NOTIFY_WEBHOOK_DENY");
    assert_int_equal(ssrf_deny_parse(&p, "", why, sizeof(why)), 0);
    assert_int_equal(p.n_deny, 0);
    const char *bad[] = { "10.0.0.0/33", "10.0.0/8", "10.0.0.0/", "::/129", "example.com",
                          "10.0.0.0/-1", "10.0.0.0/8x" };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        assert_int_equal(ssrf_deny_parse(&p, bad[k], why, sizeof(why)), -1);
        assert_int_equal(p.n_deny, 0);
    }
}

static void test_urls(void **state)
{
    (void)state;
    ssrf_policy_t p = { 0 };
    ssrf_target_t t;
    char why[160];
    assert_int_equal(ssrf_url_check(&p, "https://hooks.example.com/in?x=1", &t, why,
                                     sizeof(why)), 0);
    assert_string_equal(t.host, "hooks.example.com");
    assert_int_equal(t.port, 443);
    assert_int_equal(t.literal, 0);
    assert_string_equal(t.url, "https://hooks.example.com/in?x=1");
    assert_int_equal(ssrf_url_check(&p, "https://[2606:4700::1111]:8443/", &t, why,
                                     sizeof(why)), 0);
    assert_string_equal(t.host, "2606:4700::1111");
    assert_int_equal(t.port, 8443);
    assert_int_equal(t.literal, 1);
    static const struct { const char *url, *why; } bad[] = {
        { "http://hooks.example.com/", "the scheme must be https" },
        { "ftp://hooks.example.com/", "the scheme must be https" },
        { "https://user:pw@hooks.example.com/", "a user name or password in the URL is not allowed" },
        { "https://hooks.example.com/#frag", "a fragment (#…) is not allowed" },
        { "https://127.0.0.1/", "the address 127.0.0.1 is loopback" },
        { "https://[::1]/", "the address ::1 is loopback" },
        { "https://169.254.169.254/latest", "the address 169.254.169.254 is link-local" },
        { "https://hooks.example.com/ x", "spaces and control characters are not allowed" },
        { "hooks.example.com/in", "not an absolute URL" },
        { "", "a URL is required" },
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        assert_int_equal(ssrf_url_check(&p, bad[k].url, &t, why, sizeof(why)), -1);
        if (strcmp(why, bad[k].why))
            fail_msg("%s: \"%s\", expected \"%s\"", bad[k].url, why, bad[k].why);
    }
    /* numeric forms of loopback that inet_aton reads are loopback too */
    assert_int_equal(ssrf_url_check(&p, "https://2130706433/", &t, why, sizeof(why)), -1);
    assert_int_equal(ssrf_url_check(&p, "https://0x7f.1/", &t, why, sizeof(why)), -1);
    p.allow_http = 1;
    assert_int_equal(ssrf_url_check(&p, "http://hooks.example.com:8080/", &t, why, sizeof(why)),
                     0);
    assert_int_equal(t.port, 8080);
}

static void test_resolving_checks_every_address(void **state)
{
    (void)state;
    ssrf_policy_t p = { 0 };
    ssrf_target_t t;
    char why[160], addr[SSRF_ADDR_MAX];
    /* localhost resolves from /etc/hosts, without a DNS server */
    assert_int_equal(ssrf_url_check(&p, "https://localhost:9/", &t, why, sizeof(why)), 0);
    assert_int_equal(ssrf_resolve(&p, &t, addr, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "which is loopback"));
    assert_string_equal(addr, "");
    p.allow_private = 1;
    assert_int_equal(ssrf_resolve(&p, &t, addr, why, sizeof(why)), 0);
    assert_true(!strcmp(addr, "127.0.0.1") || !strcmp(addr, "::1"));
    char pin[300];
    assert_int_equal(ssrf_pin_entry(&t, "127.0.0.1", pin, sizeof(pin)), 0);
    assert_string_equal(pin, "localhost:9:127.0.0.1");
    assert_int_equal(ssrf_pin_entry(&t, "::1", pin, sizeof(pin)), 0);
    assert_string_equal(pin, "localhost:9:[::1]");
    assert_int_equal(ssrf_pin_entry(&t, "::1", pin, 8), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_internal_ranges_are_refused),
        cmocka_unit_test(test_allow_private_opens_only_private),
        cmocka_unit_test(test_deny_list),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_resolving_checks_every_address),
    };
    return cmocka_run_group_tests_name("notify-ssrf", tests, NULL, NULL);
}
