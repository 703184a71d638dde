/* services/notify/tests/test-webhook-http.c - what a receiver's answer means, and the retry schedule */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../webhook_http.h"

#define NOW 1764750600 /* Wed, 03 Dec 2025 08:30:00 GMT */

static wh_verdict_t of(int cc, long status, const char *retry_after)
{
    wh_verdict_t v;
    wh_classify(cc, status, retry_after, NOW, 0, &v);
    return v;
}

static void test_statuses(void **state)
{
    (void)state;
    assert_int_equal(of(CURLE_OK, 200, NULL).outcome, WH_SENT);
    assert_int_equal(of(CURLE_OK, 204, NULL).outcome, WH_SENT);
    assert_int_equal(of(CURLE_OK, 410, NULL).outcome, WH_DISABLE);
    wh_verdict_t v = of(CURLE_OK, 500, "120");
    assert_int_equal(v.outcome, WH_RETRY);
    assert_int_equal(v.retry_after_s, 0); /* only 429 and 503 throttle */
    assert_string_equal(v.reason, "HTTP 500");
    v = of(CURLE_OK, 302, NULL);
    assert_int_equal(v.outcome, WH_RETRY);
    assert_string_equal(v.reason, "HTTP 302 (redirects are not followed)");
    assert_int_equal(of(CURLE_OK, 404, NULL).outcome, WH_RETRY);
    assert_int_equal(of(CURLE_OK, 400, NULL).outcome, WH_RETRY);
    assert_int_equal(of(CURLE_OK, 100, NULL).outcome, WH_RETRY);
}

static void test_throttles(void **state)
{
    (void)state;
    assert_int_equal(of(CURLE_OK, 429, "120").retry_after_s, 120);
    assert_int_equal(of(CURLE_OK, 503, " 7 ").retry_after_s, 7);
    assert_int_equal(of(CURLE_OK, 429, "Wed, 03 Dec 2025 08:40:00 GMT").retry_after_s, 600);
    assert_int_equal(of(CURLE_OK, 429, "Wed, 03 Dec 2025 08:00:00 GMT").retry_after_s, 0);
    assert_int_equal(of(CURLE_OK, 429, "999999999").retry_after_s, 86400);
    assert_int_equal(of(CURLE_OK, 429, "soon").retry_after_s, 0);
    assert_int_equal(of(CURLE_OK, 429, "12s").retry_after_s, 0);
    assert_int_equal(of(CURLE_OK, 429, NULL).retry_after_s, 0);
    assert_int_equal(wh_retry_after("", NOW), -1);
}

static void test_transfers_that_failed(void **state)
{
    (void)state;
    wh_verdict_t v = of(CURLE_OPERATION_TIMEDOUT, 0, NULL);
    assert_int_equal(v.outcome, WH_RETRY);
    assert_string_equal(v.reason, "timed out");
    assert_int_equal(of(CURLE_COULDNT_CONNECT, 0, NULL).outcome, WH_RETRY);
    assert_int_equal(of(CURLE_WEIRD_SERVER_REPLY, 0, NULL).outcome, WH_RETRY);
    assert_int_equal(of(CURLE_OK, 0, NULL).status, 0);
    assert_string_equal(of(CURLE_OK, 0, NULL).reason, "the answer is not HTTP");
    /* a long answer stopped by us still counts by its status */
    wh_classify(CURLE_WRITE_ERROR, 200, NULL, NOW, 1, &v);
    assert_int_equal(v.outcome, WH_SENT);
    wh_classify(CURLE_WRITE_ERROR, 200, NULL, NOW, 0, &v);
    assert_int_equal(v.outcome, WH_RETRY);
    assert_string_equal(wh_outcome_name(WH_DISABLE), "disable");
}

static void test_schedule(void **state)
{
    (void)state;
    int64_t total = 0;
    for (unsigned a = 1; a < WH_ATTEMPTS; a++) {
        int64_t base = wh_schedule_s[a - 1];
        int64_t lo = wh_retry_delay(a, NULL, 0), hi = wh_retry_delay(a, NULL, UINT32_MAX - 1);
        assert_true(lo >= base - base / 10 && lo <= base);
        assert_true(hi >= base - base / 10 && hi <= base + base / 10);
        total += base;
    }
    assert_true(total > 3 * 86400 - 86400 / 2 && total < 3 * 86400 + 86400 / 2);
    assert_int_equal(wh_retry_delay(WH_ATTEMPTS, NULL, 0), -1);
    assert_int_equal(wh_retry_delay(0, NULL, 0), -1);
    wh_verdict_t v = of(CURLE_OK, 429, "3600");
    assert_int_equal(wh_retry_delay(1, &v, 0), 3600);   /* never sooner than asked */
    v = of(CURLE_OK, 429, "1");
    assert_true(wh_retry_delay(3, &v, 0) >= 1620);      /* nor sooner than the schedule */
}

static void test_a_request_is_built(void **state)
{
    (void)state;
    ssrf_policy_t p = { .allow_http = 1, .allow_private = 1 };
    ssrf_target_t t;
    char why[128];
    assert_int_equal(ssrf_url_check(&p, "http://localhost:9/hook", &t, why, sizeof(why)), 0);
    wh_request_t r = { &t, "127.0.0.1", 1, "42", NOW, "v1,abc", "{}", 2, 0, 0 };
    wh_call_t *c = wh_call_new(&r);
    assert_non_null(c);
    assert_non_null(wh_call_handle(c));
    assert_string_equal(wh_call_response(c), "");
    wh_call_destroy(&c);
    assert_null(c);
    wh_call_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_throttles),
        cmocka_unit_test(test_transfers_that_failed),
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_a_request_is_built),
    };
    return cmocka_run_group_tests_name("notify-webhook-http", tests, NULL, NULL);
}
