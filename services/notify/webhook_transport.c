/* services/notify/webhook_transport.c - the webhook channel of the delivery engine
 *
 * A webhook job (channel 'webhook', written by webhook_fanout.c) is one
 * outbox event for one endpoint. The engine reads the event and the
 * endpoint with the job (nt_webhook_load), and this transport makes the
 * request with wh_prepare (the SSRF guard again, the address pinned, the
 * CloudEvent encoded and signed with every secret of a rotation's overlap;
 * webhook-id is the event's id, the same on every attempt and replay, so
 * a receiver dedupes) and reads the answer with wh_call_verdict:
 *   2xx           sent;
 *   410 Gone      the endpoint is disabled; this job and its others stay
 *                 queued, held while it is disabled, and go when it is
 *                 enabled again;
 *   429/503       retried after Retry-After, and the endpoint's circuit
 *                 opens for as long (pause_target_s): none of its jobs is
 *                 claimed until then, then one at a time until one is sent;
 *   no answer, 5xx  retried on wh_retry_delay's schedule (about 3 days),
 *                 the circuit open for the delay (at most CIRCUIT_MAX_S);
 *   other         retried on the schedule; the circuit stays as it is
 *                 (one event's answer says nothing of the endpoint).
 * After the schedule's last attempt the job is dead with the last error.
 */
#include "deliver.h"
#include "webhook_channel.h"
#include "webhook_handlers.h"
#include "webhook_store.h"

#include "hf/log.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CIRCUIT_MAX_S 30

int nt_webhook_load(hf_store_t *st, PGresult *r, int i, int col, nt_job_t *j)
{
    struct nt_webhook_job *w = hf_arena_alloc(st->arena, sizeof(*w));
    if (!w)
        return -1;
    memset(w, 0, sizeof(*w));
    j->webhook = w;
    j->target = hf_store_cell(st, r, i, col);
    if (!PQgetisnull(r, i, col + 1)) {
        w->url = hf_store_cell(st, r, i, col + 1);
        if (wh_store_open_secrets(st, j->target, PQgetvalue(r, i, col + 2),
                                  PQgetisnull(r, i, col + 3) ? NULL : PQgetvalue(r, i, col + 3),
                                  w->secrets, &w->n_secrets) != HF_OK)
            return -1;
    }
    if (!PQgetisnull(r, i, col + 4)) {
        ce_event_t *e = &w->event;
        e->id = hf_store_cell(st, r, i, col + 4);
        e->source = hf_store_cell(st, r, i, col + 5);
        e->type = hf_store_cell(st, r, i, col + 6);
        e->subject = hf_store_cell(st, r, i, col + 7);
        e->time_us = strtoll(PQgetvalue(r, i, col + 8), NULL, 10);
        e->data_json = hf_store_cell(st, r, i, col + 9);
        e->tenant = j->tenant;
    }
    return 0;
}

static CURL *webhook_easy(const nt_job_t *job, void **state, nt_outcome_t *out)
{
    const struct nt_webhook_job *w = job->webhook;
    out->kind = NT_FAILED;
    if (!w || !w->url) {
        snprintf(out->reason, sizeof(out->reason), "endpoint_deleted");
        return NULL;
    }
    if (!w->event.id) {
        snprintf(out->reason, sizeof(out->reason), "event_gone");
        return NULL;
    }
    /* a transfer never outlives its lease (another replica would send again) */
    long timeout_ms = wh_settings.timeout_s * 1000, lease_ms = nt_delivery_settings.lease_s * 1000;
    if (timeout_ms > lease_ms - 1000)
        timeout_ms = lease_ms - 1000;
    wh_message_t m = { w->url, w->secrets, w->n_secrets, &w->event, timeout_ms };
    char why[256];
    int refused = 0;
    wh_call_t *c = wh_prepare(wh_policy(), &m, (int64_t)time(NULL), why, sizeof(why), &refused);
    if (!c) {
        snprintf(out->reason, sizeof(out->reason), refused ? "target_refused" : "not_made");
        if (!refused)
            hf_warn("webhook %s: %s", job->id, why);
        return NULL;
    }
    *state = c;
    return wh_call_handle(c);
}

static void webhook_classify(const nt_job_t *job, void *state, CURL *easy, CURLcode rc,
                             nt_outcome_t *out)
{
    (void)easy;
    wh_verdict_t v;
    int64_t latency = 0;
    wh_call_verdict(state, (int)rc, (int64_t)time(NULL), &v, &latency);
    out->status = v.status;
    out->latency_ms = (long)latency;
    out->retry_after_s = 0;
    out->pause_target_s = 0;
    if (v.status)
        snprintf(out->reason, sizeof(out->reason), "http_%ld", v.status);
    else
        snprintf(out->reason, sizeof(out->reason), "curl_%d", (int)rc);
    uint32_t rnd = 0;
    switch (v.outcome) {
    case WH_SENT:
        out->kind = NT_SENT;
        out->reason[0] = '\0';
        return;
    case WH_DISABLE:
        out->kind = NT_DISABLE;
        return;
    case WH_FAILED:
        out->kind = NT_FAILED;
        return;
    case WH_RETRY:
        break;
    }
    if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
        rnd = (uint32_t)time(NULL);
    int64_t d = wh_retry_delay((unsigned)job->attempts, &v, rnd);
    if (d < 0) {
        out->kind = NT_FAILED;
        return;
    }
    out->kind = NT_RETRY;
    out->retry_after_s = d > 0 ? (long)d : 1;
    if (v.status == 0 || v.status >= 500 || v.status == 429)
        out->pause_target_s = v.retry_after_s > 0 ? (long)v.retry_after_s
                              : d < CIRCUIT_MAX_S ? (long)(d > 0 ? d : 1)
                                                  : CIRCUIT_MAX_S;
}

static void webhook_done(void *state)
{
    wh_call_t *c = state;
    wh_call_destroy(&c);
}

static int webhook_disable(PGconn *db, const nt_job_t *job)
{
    return wh_store_disable_db(db, job->tenant, job->target, "the receiver answered 410 Gone");
}

const nt_transport_t nt_transport_webhook = {
    .name = "webhook",
    .transport = "webhook_http",
    .max_attempts = WH_ATTEMPTS,
    .easy = webhook_easy,
    .classify = webhook_classify,
    .done = webhook_done,
    .disable = webhook_disable,
    .owns_easy = 1,
};
