/* services/notify/tests/test-webhook-http.c - what a receiver's answer means, the retry schedule, one request over a socket */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../webhook_channel.h"
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

/* ---- one request against a real socket on loopback ---- */

typedef struct {
    int fd;                    /* listening */
    const char *answer;        /* what to send back */
    char request[4096];        /* what came, headers and body */
} server_t;

/* Accept one connection, read the request (headers and a Content-Length
 * body), answer, close. */
static void *serve_one(void *arg)
{
    server_t *sv = arg;
    int c = accept(sv->fd, NULL, NULL);
    size_t got = 0;
    long want = -1;
    while (c >= 0 && got < sizeof(sv->request) - 1) {
        ssize_t n = read(c, sv->request + got, sizeof(sv->request) - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        sv->request[got] = '\0';
        char *end = strstr(sv->request, "\r\n\r\n"), *cl = strcasestr(sv->request, "content-length:");
        if (end && cl && want < 0)
            want = (end - sv->request) + 4 + strtol(cl + 15, NULL, 10);
        if (want >= 0 && (long)got >= want)
            break;
    }
    if (c >= 0) {
        ssize_t w = write(c, sv->answer, strlen(sv->answer));
        (void)w;
        close(c);
    }
    return NULL;
}

/* Listen on a free port of 127.0.0.1 and serve one request with answer in
 * a thread (*th); returns the port. */
static int server_start(server_t *sv, const char *answer, pthread_t *th)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof(a);
    sv->fd = socket(AF_INET, SOCK_STREAM, 0);
    sv->answer = answer;
    sv->request[0] = '\0';
    assert_int_equal(bind(sv->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(sv->fd, 1), 0);
    assert_int_equal(getsockname(sv->fd, (struct sockaddr *)&a, &al), 0);
    assert_int_equal(pthread_create(th, NULL, serve_one, sv), 0);
    return ntohs(a.sin_port);
}

/* Run the call c against the server's thread; its verdict into v. */
static void perform(wh_call_t *c, server_t *sv, pthread_t th, wh_verdict_t *v)
{
    assert_non_null(c);
    CURLcode cc = curl_easy_perform(wh_call_handle(c));
    wh_call_verdict(c, cc, NOW, v, NULL);
    wh_call_destroy(&c);
    pthread_join(th, NULL);
    close(sv->fd);
}

/* Send one signed message to http://<host>:<port>/hook pinned to 127.0.0.1,
 * the server answering `answer`; the verdict into v. */
static void send_one(const char *host, server_t *sv, const char *answer, wh_verdict_t *v)
{
    pthread_t th;
    int port = server_start(sv, answer, &th);
    ssrf_policy_t p = { .allow_http = 1, .allow_private = 1 };
    ssrf_target_t t;
    char url[128], why[128];
    snprintf(url, sizeof(url), "http://%s:%d/hook", host, port);
    assert_int_equal(ssrf_url_check(&p, url, &t, why, sizeof(why)), 0);
    wh_request_t r = { &t, "127.0.0.1", 1, "msg_1", NOW, "v1,abc", "{\"a\":1}", 7, 0, 0 };
    perform(wh_call_new(&r), sv, th, v);
}

static void test_the_connection_goes_to_the_pinned_address(void **state)
{
    (void)state;
    static server_t sv;
    wh_verdict_t v;
    /* a name no resolver knows: only the pin can take the request anywhere */
    send_one("rebound.invalid", &sv, "HTTP/1.1 204 No Content\r\n\r\n", &v);
    assert_int_equal(v.outcome, WH_SENT);
    assert_int_equal(v.status, 204);
    assert_non_null(strstr(sv.request, "POST /hook HTTP/1.1\r\n"));
    assert_non_null(strstr(sv.request, "Host: rebound.invalid:"));
    assert_non_null(strstr(sv.request, "Content-Type: application/cloudevents+json\r\n"));
    assert_non_null(strstr(sv.request, "webhook-id: msg_1\r\n"));
    assert_non_null(strstr(sv.request, "webhook-timestamp: 1764750600\r\n"));
    assert_non_null(strstr(sv.request, "webhook-signature: v1,abc\r\n"));
    assert_non_null(strstr(sv.request, "User-Agent: hrflow-webhooks/"));
    assert_non_null(strstr(sv.request, "\r\n\r\n{\"a\":1}"));
}

static void test_answers_over_the_wire(void **state)
{
    (void)state;
    static server_t sv;
    wh_verdict_t v;
    send_one("localhost", &sv,
             "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/\r\nContent-Length: 0\r\n\r\n",
             &v);
    assert_int_equal(v.outcome, WH_RETRY);
    assert_int_equal(v.status, 302);
    send_one("localhost", &sv,
             "HTTP/1.1 429 Too Many\r\nRetry-After: 30\r\nContent-Length: 0\r\n\r\n", &v);
    assert_int_equal(v.outcome, WH_RETRY);
    assert_int_equal(v.retry_after_s, 30);
    send_one("localhost", &sv, "HTTP/1.1 410 Gone\r\nContent-Length: 0\r\n\r\n", &v);
    assert_int_equal(v.outcome, WH_DISABLE);
    send_one("localhost", &sv, "garbage, not HTTP\r\n\r\n", &v);
    assert_int_equal(v.outcome, WH_RETRY);
    assert_int_equal(v.status, 0);
}

/* The value of header name in a request (its first line), into out. */
static void header_of(const char *request, const char *name, char *out, size_t cap)
{
    const char *h = strcasestr(request, name);
    assert_non_null(h);
    h += strlen(name);
    size_t n = strcspn(h, "\r");
    assert_true(n < cap);
    memcpy(out, h, n);
    out[n] = '\0';
}

static void test_a_prepared_event_verifies_under_both_secrets(void **state)
{
    (void)state;
    static server_t sv;
    pthread_t th;
    int port = server_start(&sv, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", &th);
    ssrf_policy_t p = { .allow_http = 1, .allow_private = 1 };
    char url[64], why[160], old[WH_SECRET_MAX], fresh[WH_SECRET_MAX];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/in", port);
    wh_secret_new(old);
    wh_secret_new(fresh);
    const char *secrets[] = { fresh, old };
    ce_event_t ev = { "81452", "/hrflow/pipeline", "hrflow.pipeline.job.created.v1", "jobs/1",
                      NOW * 1000000LL, "t1", "{\"jobId\":\"1\"}" };
    wh_message_t m = { url, secrets, 2, &ev, 0 };
    int refused = -1;
    wh_verdict_t v;
    perform(wh_prepare(&p, &m, NOW, why, sizeof(why), &refused), &sv, th, &v);
    assert_int_equal(refused, 0);
    assert_int_equal(v.outcome, WH_SENT);
    char id[32], stamp[32], sig[2 * WH_SIG_MAX];
    header_of(sv.request, "\r\nwebhook-id: ", id, sizeof(id));
    header_of(sv.request, "\r\nwebhook-timestamp: ", stamp, sizeof(stamp));
    header_of(sv.request, "\r\nwebhook-signature: ", sig, sizeof(sig));
    assert_string_equal(id, "81452");
    const char *body = strstr(sv.request, "\r\n\r\n") + 4;
    assert_non_null(strstr(body, "\"type\":\"hrflow.pipeline.job.created.v1\""));
    assert_int_equal(wh_verify(old, sig, id, strtoll(stamp, NULL, 10), body, strlen(body)), 0);
    assert_int_equal(wh_verify(fresh, sig, id, strtoll(stamp, NULL, 10), body, strlen(body)), 0);

    /* a URL the guard refuses is never a request */
    ssrf_policy_t strict = { 0 };
    assert_null(wh_prepare(&strict, &m, NOW, why, sizeof(why), &refused));
    assert_int_equal(refused, 1);
    assert_string_equal(why, "the scheme must be https");
    m.url = "https://127.0.0.1/in";
    assert_null(wh_prepare(&strict, &m, NOW, why, sizeof(why), &refused));
    assert_string_equal(why, "the address 127.0.0.1 is loopback");
    m.url = url;
    m.n_secrets = 0;
    assert_null(wh_prepare(&p, &m, NOW, why, sizeof(why), &refused));
    assert_int_equal(refused, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_throttles),
        cmocka_unit_test(test_transfers_that_failed),
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_a_request_is_built),
        cmocka_unit_test(test_the_connection_goes_to_the_pinned_address),
        cmocka_unit_test(test_answers_over_the_wire),
        cmocka_unit_test(test_a_prepared_event_verifies_under_both_secrets),
    };
    return cmocka_run_group_tests_name("notify-webhook-http", tests, NULL, NULL);
}
