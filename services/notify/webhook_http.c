/* services/notify/webhook_http.c - one webhook request: its libcurl handle and what its answer means
 *
 * The webhook channel's two halves in the delivery engine's shape: build
 * an easy handle for a message (wh_call_new: headers of Standard Webhooks,
 * the CloudEvent as body, bounded timeouts, no redirects, the connection
 * pinned to the address the SSRF guard checked), and turn how the transfer
 * ended into sent / retry (after so long) / disable the endpoint
 * (wh_classify, pure). The engine runs the handles (a multi handle); the
 * test-send runs one with curl_easy_perform. Neither half loops or sleeps.
 *
 * Redirects are answers, not instructions: a 3xx is retried like a 5xx,
 * since following it would send a signed event to a place nobody checked.
 */
#include "webhook_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const int64_t wh_schedule_s[WH_ATTEMPTS - 1] = {
    5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600,
};

#define DAY_S 86400

const char *wh_outcome_name(wh_outcome_t o)
{
    switch (o) {
    case WH_SENT: return "sent";
    case WH_RETRY: return "retry";
    case WH_DISABLE: return "disable";
    case WH_FAILED: return "failed";
    }
    return "failed";
}

int64_t wh_retry_after(const char *value, int64_t now_s)
{
    if (!value)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (*value >= '0' && *value <= '9') {
        int64_t s = 0;
        const char *p = value;
        for (; *p >= '0' && *p <= '9'; p++)
            if ((s = s * 10 + (*p - '0')) > DAY_S)
                s = DAY_S + 1;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p)
            return -1;
        return s > DAY_S ? DAY_S : s;
    }
    time_t t = curl_getdate(value, NULL);
    if (t == (time_t)-1)
        return -1;
    int64_t d = (int64_t)t - now_s;
    return d < 0 ? 0 : d > DAY_S ? DAY_S : d;
}

void wh_classify(int curl_code, long status, const char *retry_after, int64_t now_s, int capped,
                 wh_verdict_t *v)
{
    memset(v, 0, sizeof(*v));
    v->status = status;
    v->outcome = WH_RETRY;
    int answered = curl_code == CURLE_OK ||
                   (capped && (curl_code == CURLE_WRITE_ERROR ||
                               curl_code == CURLE_FILESIZE_EXCEEDED));
    if (!answered || status < 100 || status > 599) {
        v->status = 0;
        snprintf(v->reason, sizeof(v->reason), "%s",
                 curl_code == CURLE_OPERATION_TIMEDOUT ? "timed out"
                 : curl_code == CURLE_OK               ? "the answer is not HTTP"
                                         : curl_easy_strerror((CURLcode)curl_code));
        return;
    }
    snprintf(v->reason, sizeof(v->reason), "HTTP %ld", status);
    if (status >= 200 && status <= 299) {
        v->outcome = WH_SENT;
    } else if (status == 410) {
        v->outcome = WH_DISABLE;
    } else if (status == 429 || status == 503) {
        int64_t s = wh_retry_after(retry_after, now_s);
        v->retry_after_s = s > 0 ? s : 0;
    } else if (status >= 300 && status <= 399) {
        snprintf(v->reason, sizeof(v->reason), "HTTP %ld (redirects are not followed)", status);
    }
}

int64_t wh_retry_delay(unsigned attempt, const wh_verdict_t *v, uint32_t random)
{
    if (attempt == 0 || attempt >= WH_ATTEMPTS)
        return -1;
    int64_t base = wh_schedule_s[attempt - 1];
    /* jitter: within plus or minus 10% of the step, drawn from random */
    int64_t span = base / 5;
    int64_t d = base - base / 10 + (span ? (int64_t)(random % (uint32_t)(span + 1)) : 0);
    if (d < 1)
        d = 1;
    return v && v->retry_after_s > d ? v->retry_after_s : d;
}

/* ---- the request ---- */

struct wh_call {
    CURL *h;
    struct curl_slist *headers;
    struct curl_slist *resolve;
    char *body;
    size_t got;                      /* bytes of answer read */
    int capped;                      /* stopped at WH_RESPONSE_MAX */
    char response[WH_RESPONSE_KEEP + 1];
};

static size_t on_answer(char *p, size_t size, size_t n, void *arg)
{
    wh_call_t *c = arg;
    size_t len = size * n;
    if (c->got < WH_RESPONSE_KEEP) {
        size_t keep = WH_RESPONSE_KEEP - c->got < len ? WH_RESPONSE_KEEP - c->got : len;
        memcpy(c->response + c->got, p, keep);
        c->response[c->got + keep] = '\0';
    }
    c->got += len;
    if (c->got > WH_RESPONSE_MAX) {
        c->capped = 1;
        return 0; /* enough: the transfer ends with CURLE_WRITE_ERROR */
    }
    return len;
}

/* Append "name: value" to the call's header list; 0, or -1. */
static int header(wh_call_t *c, const char *name, const char *value)
{
    char line[512];
    int n = snprintf(line, sizeof(line), "%s: %s", name, value);
    if (n < 0 || (size_t)n >= sizeof(line))
        return -1;
    struct curl_slist *l = curl_slist_append(c->headers, line);
    if (!l)
        return -1;
    c->headers = l;
    return 0;
}

wh_call_t *wh_call_new(const wh_request_t *r)
{
    wh_call_t *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    char stamp[24], pin[SSRF_HOST_MAX + 64];
    snprintf(stamp, sizeof(stamp), "%lld", (long long)r->timestamp);
    c->h = curl_easy_init();
    c->body = malloc(r->body_len ? r->body_len : 1);
    if (!c->h || !c->body || header(c, "Content-Type", "application/cloudevents+json") < 0 ||
        header(c, "webhook-id", r->msg_id) < 0 || header(c, "webhook-timestamp", stamp) < 0 ||
        header(c, "webhook-signature", r->signature) < 0 || header(c, "Expect", "") < 0)
        goto fail;
    if (r->pin_addr && *r->pin_addr && !r->target->literal) {
        if (ssrf_pin_entry(r->target, r->pin_addr, pin, sizeof(pin)) < 0 ||
            !(c->resolve = curl_slist_append(NULL, pin)))
            goto fail;
    }
    memcpy(c->body, r->body, r->body_len);
    CURL *h = c->h;
    int bad = 0;
    bad |= curl_easy_setopt(h, CURLOPT_URL, r->target->url);
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, r->allow_http ? "http,https" : "https");
    bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    bad |= curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                            r->connect_timeout_ms ? r->connect_timeout_ms
                                                  : (long)WH_CONNECT_TIMEOUT_MS);
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                            r->timeout_ms ? r->timeout_ms : (long)WH_TIMEOUT_MS);
    bad |= curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)WH_RESPONSE_MAX);
    bad |= curl_easy_setopt(h, CURLOPT_USERAGENT, WH_USER_AGENT);
    bad |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
    bad |= curl_easy_setopt(h, CURLOPT_POST, 1L);
    bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body);
    bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_answer);
    bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    if (c->resolve)
        bad |= curl_easy_setopt(h, CURLOPT_RESOLVE, c->resolve);
    if (bad)
        goto fail;
    return c;
fail:
    wh_call_destroy(&c);
    return NULL;
}

CURL *wh_call_handle(wh_call_t *c)
{
    return c->h;
}

const char *wh_call_response(const wh_call_t *c)
{
    return c->response;
}

void wh_call_verdict(wh_call_t *c, int curl_code, int64_t now_s, wh_verdict_t *v,
                     int64_t *latency_ms)
{
    long status = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    struct curl_header *ra = NULL;
    const char *retry_after = NULL;
    if (curl_easy_header(c->h, "Retry-After", 0, CURLH_HEADER, -1, &ra) == CURLHE_OK)
        retry_after = ra->value;
    wh_classify(curl_code, status, retry_after, now_s, c->capped, v);
    if (latency_ms) {
        curl_off_t us = 0;
        curl_easy_getinfo(c->h, CURLINFO_TOTAL_TIME_T, &us);
        *latency_ms = (int64_t)us / 1000;
    }
}

void wh_call_destroy(wh_call_t **cp)
{
    if (!cp || !*cp)
        return;
    wh_call_t *c = *cp;
    if (c->h)
        curl_easy_cleanup(c->h);
    curl_slist_free_all(c->headers);
    curl_slist_free_all(c->resolve);
    free(c->body);
    free(c);
    *cp = NULL;
}
