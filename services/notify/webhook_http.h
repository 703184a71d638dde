/* services/notify/webhook_http.h - one webhook request: its libcurl handle and what its answer means (webhook_http.c) */
#ifndef NOTIFY_WEBHOOK_HTTP_H
#define NOTIFY_WEBHOOK_HTTP_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "ssrf.h"
#include "webhook_sign.h"

#define WH_CONNECT_TIMEOUT_MS 5000
#define WH_TIMEOUT_MS 15000
#define WH_RESPONSE_KEEP 1024          /* bytes of a receiver's answer kept for the log */
#define WH_RESPONSE_MAX (64 * 1024)    /* bytes read at most; the rest is not waited for */
#define WH_USER_AGENT "hrflow-webhooks/" HF_VERSION

/* What an attempt's outcome means for the delivery. */
typedef enum {
    WH_SENT,          /* 2xx: done */
    WH_RETRY,         /* try again: after retry_after_s when > 0, else the schedule's delay */
    WH_DISABLE,       /* 410 Gone: the receiver asks to be left alone: disable the endpoint */
    WH_FAILED,        /* never retried: the request could not be made at all here */
} wh_outcome_t;

typedef struct {
    wh_outcome_t outcome;
    long status;                 /* the HTTP status; 0 when no answer came */
    int64_t retry_after_s;       /* from Retry-After on 429/503 (seconds from now), else 0 */
    char reason[128];            /* a few words for the delivery log: "HTTP 500", "timed out" */
} wh_verdict_t;

/* "sent", "retry", "disable", "failed". Static. */
const char *wh_outcome_name(wh_outcome_t o);

/* What an attempt means (pure): curl_code is the transfer's CURLcode, status
 * the HTTP status (0 = none), retry_after the Retry-After header's value
 * (NULL = none; delay-seconds or an HTTP-date), now_s the clock in Unix
 * seconds. capped is 1 when the transfer stopped because the answer was
 * longer than WH_RESPONSE_MAX (the status still counts).
 *   2xx -> SENT; 410 -> DISABLE; 429, 503 -> RETRY after Retry-After (when
 *   it parses and lies ahead; capped at a day); any other status (3xx:
 *   redirects are not followed) -> RETRY; a timeout, a refused or reset
 *   connection, a TLS failure, an answer that is not HTTP -> RETRY. */
void wh_classify(int curl_code, long status, const char *retry_after, int64_t now_s, int capped,
                 wh_verdict_t *v);

/* Seconds until Retry-After's value (delay-seconds, or an IMF-fixdate /
 * RFC 850 / asctime date as HTTP allows) from now_s, at least 0 and at most
 * a day; -1 when it is neither. */
int64_t wh_retry_after(const char *value, int64_t now_s);

/* The retry schedule (Standard Webhooks' recommendation, about 3 days in
 * all): attempt 1 is the first send, immediately; after it fails, attempt
 * n + 1 waits WH_SCHEDULE[n - 1] seconds: 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 14 h, 20 h, 24 h. */
#define WH_ATTEMPTS 10
extern const int64_t wh_schedule_s[WH_ATTEMPTS - 1];

/* Seconds to wait after failed attempt `attempt` (1-based) with verdict v:
 * the schedule's delay with jitter (plus or minus 10%, from random, any
 * 32-bit value), never sooner than v->retry_after_s; -1 when the attempts
 * are spent (the delivery is dead). */
int64_t wh_retry_delay(unsigned attempt, const wh_verdict_t *v, uint32_t random);

/* One message to send. Strings are borrowed for wh_call_new's duration
 * (the call copies what it keeps). */
typedef struct {
    const ssrf_target_t *target;   /* checked by ssrf_url_check */
    const char *pin_addr;          /* the address ssrf_resolve checked ("" for a literal host) */
    int allow_http;
    const char *msg_id;            /* webhook-id: the same on every attempt */
    int64_t timestamp;             /* webhook-timestamp: Unix seconds of this attempt */
    const char *signature;         /* webhook-signature: wh_signature_header */
    const char *body;              /* the CloudEvent (ce_encode) */
    size_t body_len;
    long connect_timeout_ms;       /* 0 = WH_CONNECT_TIMEOUT_MS */
    long timeout_ms;               /* 0 = WH_TIMEOUT_MS */
} wh_request_t;

typedef struct wh_call wh_call_t;

/* A libcurl easy handle that POSTs r, and what it needs kept alive (header
 * list, the pinned address, the body, the answer's first bytes). The
 * handle connects only to r->pin_addr, follows no redirect, speaks only
 * https (and http when r->allow_http), stops after the timeouts and after
 * WH_RESPONSE_MAX bytes of answer. Run it with curl_easy_perform or a
 * multi handle. NULL when out of memory. Free with wh_call_destroy. */
wh_call_t *wh_call_new(const wh_request_t *r);

/* The call's easy handle (borrowed). */
CURL *wh_call_handle(wh_call_t *c);

/* The verdict of the finished transfer (curl_code as the transfer ended)
 * from its status and Retry-After; *latency_ms (may be NULL) the transfer's
 * time. The first WH_RESPONSE_KEEP bytes of the answer are in
 * wh_call_response (borrowed, NUL-terminated). */
void wh_call_verdict(wh_call_t *c, int curl_code, int64_t now_s, wh_verdict_t *v,
                     int64_t *latency_ms);
const char *wh_call_response(const wh_call_t *c);

/* Free the handle and everything the call kept. Accepts NULL; sets *cp = NULL. */
void wh_call_destroy(wh_call_t **cp);

#endif
