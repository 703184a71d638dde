/* services/notify/channel_sms.c - SMS through an HTTP provider: one JSON shape
 *
 *     POST {HF_NOTIFY_SMS_URL}
 *     Authorization: Bearer {HF_NOTIFY_SMS_TOKEN}
 *     Content-Type: application/json
 *     Idempotency-Key: <job id>
 *
 *     {"to": "+8613800138000", "text": "…", "id": "<job id>"}
 *
 * 2xx: sent. 429 and 5xx: retried (after Retry-After when the provider
 * sends one). Any other status: permanent (dead, reason http_<status>).
 * A transport error or timeout: retried. The id is the same on every
 * attempt: a provider (or the small adapter in front of one, docs/notify.md)
 * drops an id it has seen.
 */
#include "deliver.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *body;
    struct curl_slist *headers;
} sms_state_t;

static size_t discard(char *p, size_t size, size_t n, void *user)
{
    (void)p;
    (void)user;
    return size * n;
}

static void sms_done(void *state)
{
    sms_state_t *s = state;
    if (!s)
        return;
    free(s->body);
    curl_slist_free_all(s->headers);
    free(s);
}

static CURL *sms_easy(const nt_job_t *job, void **state, nt_outcome_t *out)
{
    const nt_delivery_settings_t *c = &nt_delivery_settings;
    sms_state_t *s = calloc(1, sizeof(*s));
    CURL *e = s ? curl_easy_init() : NULL;
    json_t *j = json_pack("{s:s, s:s, s:s}", "to", job->to, "text", job->text, "id", job->id);
    if (s && j)
        s->body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char auth[600], key[80];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->sms_token);
    snprintf(key, sizeof(key), "Idempotency-Key: %s", job->id);
    struct curl_slist *h = NULL;
    if (s && s->body) {
        h = curl_slist_append(NULL, "Content-Type: application/json");
        if (h && *c->sms_token)
            h = curl_slist_append(h, auth) ? h : (curl_slist_free_all(h), NULL);
        if (h)
            h = curl_slist_append(h, key) ? h : (curl_slist_free_all(h), NULL);
        s->headers = h;
    }
    if (!e || !s || !s->body || !s->headers) {
        if (e)
            curl_easy_cleanup(e);
        sms_done(s);
        out->kind = NT_RETRY;
        snprintf(out->reason, sizeof(out->reason), "out_of_memory");
        return NULL;
    }
    curl_easy_setopt(e, CURLOPT_URL, c->sms_url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, s->body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, c->send_timeout_s);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    *state = s;
    return e;
}

static void sms_classify(const nt_job_t *job, void *state, CURL *e, CURLcode rc,
                         nt_outcome_t *out)
{
    (void)job;
    (void)state;
    long code = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    if (rc != CURLE_OK) {
        out->kind = NT_RETRY;
        snprintf(out->reason, sizeof(out->reason), "curl_%d", (int)rc);
        return;
    }
    if (code >= 200 && code < 300) {
        out->kind = NT_SENT;
        return;
    }
    snprintf(out->reason, sizeof(out->reason), "http_%ld", code);
    if (code == 429 || code >= 500) {
        curl_off_t after = 0;
        out->kind = NT_RETRY;
        if (curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0)
            out->retry_after_s = after > 86400 ? 86400 : (long)after;
        return;
    }
    out->kind = NT_FAILED;
}

const nt_transport_t nt_transport_sms_http = {
    .name = "sms",
    .transport = "sms_http",
    .easy = sms_easy,
    .classify = sms_classify,
    .done = sms_done,
};
