/* services/notify/deliver.c - the sender loop: claim, lease, send concurrently, write back
 *
 * Every replica runs one loop (hf/loop.h, woken by the NOTIFY of an
 * enqueue on channel notify_delivery). A step:
 *
 *  1. claims up to HF_NOTIFY_BATCH due jobs in one short transaction
 *     (notify.claim: FOR UPDATE SKIP LOCKED, SMS in quiet hours held until
 *     the morning, the per-tenant rate budget of the second, a lease of
 *     HF_NOTIFY_LEASE_S on the one clock) and commits it before sending;
 *  2. reads and decrypts the leased jobs and hands each to its channel
 *     (deliver.h): the transfers run together on one libcurl multi handle,
 *     each bounded by HF_NOTIFY_SEND_TIMEOUT_S;
 *  3. writes every outcome back with one statement, guarded by the attempt
 *     number it leased (a replica whose lease lapsed and was taken over
 *     changes nothing): sent, queued again after a backoff with full jitter
 *     (a random wait up to min(cap, base·2^(attempt-1)), or the receiver's
 *     Retry-After), or dead with the last error after
 *     HF_NOTIFY_MAX_ATTEMPTS or a permanent failure.
 *
 * A replica that dies after step 1 leaves leased jobs that come due again
 * when the lease lapses: another replica sends them again under the same
 * id. Metrics: hf_notify_queue (queued, held, sending, dead),
 * hf_notify_send_seconds, hf_notify_sent_total, hf_notify_failures_total
 * (channel, reason), hf_notify_dead_letters_total, hf_notify_claimed_total.
 */
#include "deliver.h"
#include "webhook_store.h"

#include "hf/arena.h"
#include "hf/bus.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hf/service.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

nt_delivery_settings_t nt_delivery_settings;

static int quiet_start_min, quiet_end_min;

int nt_quiet_start_min(void) { return quiet_start_min; }
int nt_quiet_end_min(void) { return quiet_end_min; }

static const char sql_claim[] =
    "SELECT job_id, job_attempts, limited FROM notify.claim($1::int, $2::int, $3::jsonb,"
    " $4::int, $5::int, $6::int)";

/* a webhook job's endpoint and event from column WEBHOOK_COL on (nt_webhook_load) */
#define WEBHOOK_COL 11
static const char sql_jobs[] =
    "SELECT d.id, d.tenant_id, d.channel, d.recipient, d.subject, d.body, d.html,"
    "       d.attach_name, d.attach_type, d.attach_data, d.attempts,"
    "       d.endpoint_id, e.url, e.secret_enc, " WH_PREVIOUS_SECRET ","
    "       o.id, o.source, o.type, o.subject, " HF_MICROS("o.time") ", o.data::text"
    "  FROM notify.delivery d"
    "  LEFT JOIN notify.webhook_endpoints e ON e.tenant_id = d.tenant_id AND e.id = d.endpoint_id"
    "  LEFT JOIN events.outbox o ON o.tenant_id = d.tenant_id::text AND o.id = d.event_id"
    " WHERE d.id = ANY ($1::uuid[]) AND d.state = 'sending'";

static const char sql_write_back[] =
    "UPDATE notify.delivery d"
    "   SET state = CASE o.outcome WHEN 'retry' THEN 'queued' ELSE o.outcome END,"
    "       run_time = CASE o.outcome WHEN 'retry'"
    "                  THEN timers.now() + o.delay_ms * interval '1 millisecond'"
    "                  ELSE d.run_time END,"
    "       last_error = CASE o.outcome WHEN 'sent' THEN d.last_error ELSE o.error END,"
    "       sent_time = CASE o.outcome WHEN 'sent' THEN timers.now() ELSE d.sent_time END,"
    "       status_code = o.status, latency_ms = o.latency, update_time = now()"
    "  FROM unnest($1::uuid[], $2::int[], $3::text[], $4::bigint[], $5::text[], $6::int[],"
    "              $7::int[]) AS o(id, attempts, outcome, delay_ms, error, status, latency)"
    " WHERE d.id = o.id AND d.attempts = o.attempts AND d.state = 'sending'";

/* The circuits of the endpoints a write-back heard from: a pause opens (or
 * lengthens) one, a sent job closes it. */
static const char sql_circuits[] =
    "UPDATE notify.webhook_endpoints e"
    "   SET circuit_until = CASE WHEN c.pause_ms > 0 THEN greatest(e.circuit_until,"
    "                       timers.now() + c.pause_ms * interval '1 millisecond') END"
    "  FROM (SELECT t, ep, max(p) AS pause_ms"
    "          FROM unnest($1::uuid[], $2::uuid[], $3::bigint[]) AS x(t, ep, p)"
    "         GROUP BY t, ep) c"
    " WHERE e.tenant_id = c.t AND e.id = c.ep"
    "   AND (c.pause_ms > 0 OR e.circuit_until IS NOT NULL)";

static const char sql_gauges[] =
    "SELECT c.channel,"
    "       count(d.id) FILTER (WHERE d.state = 'queued' AND NOT d.held),"
    "       count(d.id) FILTER (WHERE d.state = 'queued' AND d.held),"
    "       count(d.id) FILTER (WHERE d.state = 'sending'),"
    "       (SELECT count(*) FROM notify.delivery x WHERE x.state = 'dead'"
    "           AND x.channel = c.channel),"
    "       (SELECT count(*) FROM notify.webhook_endpoints WHERE NOT enabled)"
    "  FROM (VALUES ('email'), ('sms'), ('webhook')) AS c(channel)"
    "  LEFT JOIN notify.delivery d ON d.channel = c.channel AND d.state IN ('queued', 'sending')"
    " GROUP BY c.channel";

static hf_histogram_t *h_batch;

/* ---- metrics by channel ---- */

static void count(const char *name, const char *help, const nt_transport_t *ch,
                  const char *channel, const char *reason)
{
    char labels[200];
    if (reason)
        snprintf(labels, sizeof(labels), "channel=\"%s\",transport=\"%s\",reason=\"%s\"",
                 channel, ch ? ch->transport : "none", reason);
    else
        snprintf(labels, sizeof(labels), "channel=\"%s\",transport=\"%s\"", channel,
                 ch ? ch->transport : "none");
    hf_counter_inc(hf_metrics_counter(name, help, labels));
}

static void observe_latency(const char *channel, double seconds)
{
    char labels[64];
    snprintf(labels, sizeof(labels), "channel=\"%s\"", channel);
    hf_histogram_observe(hf_metrics_histogram("hf_notify_send_seconds",
                                              "time from a transfer's start to its outcome",
                                              labels, hf_metrics_latency_bounds,
                                              hf_metrics_latency_nbounds),
                         seconds);
}

/* ---- channels ---- */

const nt_transport_t *nt_transport_for(const char *channel)
{
    const nt_delivery_settings_t *c = &nt_delivery_settings;
    if (!strcmp(channel, "email"))
        return *c->smtp_url ? &nt_transport_smtp : *c->maildir ? &nt_transport_maildir_email : NULL;
    if (!strcmp(channel, "sms"))
        return *c->sms_url ? &nt_transport_sms_http : *c->maildir ? &nt_transport_maildir_sms : NULL;
    if (!strcmp(channel, "webhook"))
        return &nt_transport_webhook;
    return NULL;
}

/* ---- one batch ---- */

typedef struct {
    nt_job_t job;
    const nt_transport_t *ch;
    void *state;
    CURL *easy;
    int64_t start_ms;
    nt_outcome_t out;
} slot_t;

typedef struct {
    CURLM *multi;
    hf_arena_t *arena;
    int64_t gauges_ms;
} sender_t;

static uint64_t random_u64(void)
{
    uint64_t v = 0;
    if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
        v = (uint64_t)hf_mono_ms() * 2654435761u;
    return v;
}

/* The wait before the next attempt after attempt n of a job: full jitter,
 * at least a millisecond (a retry is never due in the instant it failed,
 * also on a held clock). */
static long backoff_ms(int n)
{
    const nt_delivery_settings_t *c = &nt_delivery_settings;
    long cap = c->retry_cap_s * 1000, ceil_ms = c->retry_base_ms;
    for (int i = 1; i < n && ceil_ms < cap; i++)
        ceil_ms *= 2;
    if (ceil_ms > cap)
        ceil_ms = cap;
    return 1 + (long)(random_u64() % (uint64_t)ceil_ms);
}

/* Decrypt row i of r into s->job (arena); -1 when a field does not open. */
static int load_job(hf_store_t *st, PGresult *r, int i, slot_t *s)
{
    nt_job_t *j = &s->job;
    j->id = hf_store_cell(st, r, i, 0);
    j->tenant = hf_store_cell(st, r, i, 1);
    j->channel = hf_store_cell(st, r, i, 2);
    j->attempts = atoi(PQgetvalue(r, i, 10));
    st->tenant = j->tenant;
    if (!strcmp(j->channel, "webhook"))
        return nt_webhook_load(st, r, i, WEBHOOK_COL, j);
    j->to = hf_store_unseal(st, "delivery.recipient", PQgetvalue(r, i, 3));
    j->subject = PQgetisnull(r, i, 4) ? "" : hf_store_unseal(st, "delivery.subject",
                                                             PQgetvalue(r, i, 4));
    j->text = hf_store_unseal(st, "delivery.body", PQgetvalue(r, i, 5));
    j->html = PQgetisnull(r, i, 6) ? NULL : hf_store_unseal(st, "delivery.html",
                                                            PQgetvalue(r, i, 6));
    if (!j->to || !j->subject || !j->text || (!PQgetisnull(r, i, 6) && !j->html))
        return -1;
    if (!PQgetisnull(r, i, 9)) {
        char aad[128], *plain = NULL;
        size_t len = 0;
        snprintf(aad, sizeof(aad), "%s:delivery.attachment", j->tenant);
        if (hf_pii_decrypt(st->keys, PQgetvalue(r, i, 9), aad, &plain, &len) < 0)
            return -1;
        unsigned char *copy = hf_arena_alloc(st->arena, len + 1);
        if (copy)
            memcpy(copy, plain, len);
        free(plain);
        if (!copy)
            return -1;
        j->attach = copy;
        j->attach_len = len;
        j->attach_name = hf_store_cell(st, r, i, 7);
        j->attach_type = hf_store_cell(st, r, i, 8);
    }
    return 0;
}

static void start_transfer(sender_t *sd, slot_t *s)
{
    /* until a channel says otherwise: a transfer that never finished is retried */
    s->out.kind = NT_RETRY;
    snprintf(s->out.reason, sizeof(s->out.reason), "unfinished");
    s->ch = nt_transport_for(s->job.channel);
    s->start_ms = hf_mono_ms();
    if (!s->ch) {
        s->out.kind = NT_RETRY;
        snprintf(s->out.reason, sizeof(s->out.reason), "%s_not_configured", s->job.channel);
        return;
    }
    s->easy = s->ch->easy(&s->job, &s->state, &s->out);
    if (!s->easy) {
        observe_latency(s->job.channel, (double)(hf_mono_ms() - s->start_ms) / 1000.0);
        return;
    }
    curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
    if (curl_multi_add_handle(sd->multi, s->easy) != CURLM_OK) {
        curl_easy_cleanup(s->easy);
        s->easy = NULL;
        s->out.kind = NT_RETRY;
        snprintf(s->out.reason, sizeof(s->out.reason), "curl_multi");
    }
}

/* Take s's transfer off the multi handle and free its easy handle (unless
 * the channel's done does). */
static void end_transfer(sender_t *sd, slot_t *s)
{
    if (!s->easy)
        return;
    curl_multi_remove_handle(sd->multi, s->easy);
    if (!s->ch->owns_easy)
        curl_easy_cleanup(s->easy);
    s->easy = NULL;
}

static const char *outcome_name(const slot_t *s, long *wait)
{
    int max = s->ch && s->ch->max_attempts ? s->ch->max_attempts
                                           : (int)nt_delivery_settings.max_attempts;
    *wait = 0;
    switch (s->out.kind) {
    case NT_SENT:
        return "sent";
    case NT_RETRY:
        *wait = s->out.retry_after_s ? s->out.retry_after_s * 1000 : backoff_ms(s->job.attempts);
        return s->job.attempts >= max ? "dead" : "retry";
    case NT_DISABLE:
        /* the target is disabled: a job with one waits, queued, until it is
         * enabled again (the claim passes over it meanwhile) */
        *wait = 1;
        return s->job.target && s->job.attempts < max ? "retry" : "dead";
    default:
        return "dead";
    }
}

static void count_outcome(const slot_t *s, const char *o)
{
    if (s->out.kind == NT_SENT)
        count("hf_notify_sent_total", "letters, SMS and webhooks the receiver took", s->ch,
              s->job.channel, NULL);
    else
        count("hf_notify_failures_total", "failed attempts by channel and reason", s->ch,
              s->job.channel, s->out.reason[0] ? s->out.reason : "unknown");
    if (!strcmp(o, "dead"))
        count("hf_notify_dead_letters_total", "jobs that became dead letters", s->ch,
              s->job.channel, NULL);
    if (s->job.webhook) {
        char labels[64];
        snprintf(labels, sizeof(labels), "outcome=\"%s\"",
                 s->out.kind == NT_DISABLE ? "disabled" : o);
        hf_counter_inc(hf_metrics_counter("hf_notify_webhook_deliveries_total",
                                          "webhook attempts by outcome", labels));
    }
}

/* The webhook endpoints' circuits after these outcomes (sql_circuits). */
static int write_circuits(PGconn *db, slot_t **slots, int n, hf_arena_t *a)
{
    const char **v = hf_arena_alloc(a, sizeof(char *) * (size_t)n * 3);
    if (!v)
        return -1;
    int k = 0;
    for (int i = 0; i < n; i++) {
        const slot_t *s = slots[i];
        if (!s->job.webhook || !s->job.target ||
            (s->out.kind != NT_SENT && s->out.pause_target_s <= 0))
            continue;
        v[k] = s->job.tenant;
        v[n + k] = s->job.target;
        v[2 * n + k] = hf_arena_printf(a, "%ld", s->out.kind == NT_SENT
                                                     ? 0L : s->out.pause_target_s * 1000);
        k++;
    }
    if (!k)
        return 0;
    char *arr[3] = { hf_db_array(v, (size_t)k), hf_db_array(v + n, (size_t)k),
                     hf_db_array(v + 2 * n, (size_t)k) };
    int rc = arr[0] && arr[1] && arr[2]
                 ? hf_db_exec(db, sql_circuits, 3, (const char *const *)arr, NULL)
                 : -1;
    for (int j = 0; j < 3; j++)
        free(arr[j]);
    return rc;
}

/* Write the outcomes of slots (finished transfers) back in one
 * transaction: one statement for the jobs, one for the endpoints'
 * circuits, the channel's disable hook after NT_DISABLE. */
static int write_back(PGconn *db, slot_t **slots, int n, hf_arena_t *a)
{
    enum { COLS = 7 };
    const char **v = hf_arena_alloc(a, sizeof(char *) * (size_t)n * COLS);
    if (!v)
        return -1;
    for (int i = 0; i < n; i++) {
        slot_t *s = slots[i];
        long wait;
        const char *o = outcome_name(s, &wait);
        count_outcome(s, o);
        v[i] = s->job.id;
        v[n + i] = hf_arena_printf(a, "%d", s->job.attempts);
        v[2 * n + i] = o;
        v[3 * n + i] = hf_arena_printf(a, "%ld", wait);
        v[4 * n + i] = s->out.kind == NT_SENT ? NULL
                       : s->out.reason[0]     ? s->out.reason
                                              : "unknown";
        v[5 * n + i] = s->out.status ? hf_arena_printf(a, "%ld", s->out.status) : NULL;
        v[6 * n + i] = s->out.latency_ms ? hf_arena_printf(a, "%ld", s->out.latency_ms) : NULL;
    }
    char *arr[COLS] = { 0 };
    int rc = -1;
    for (int k = 0; k < COLS; k++)
        if (!(arr[k] = hf_db_array(v + k * n, (size_t)n)))
            goto out;
    if (hf_db_begin(db) < 0)
        goto out;
    if (hf_db_exec(db, sql_write_back, COLS, (const char *const *)arr, NULL) < 0 ||
        write_circuits(db, slots, n, a) < 0) {
        hf_db_rollback(db);
        goto out;
    }
    for (int i = 0; i < n; i++)
        if (slots[i]->out.kind == NT_DISABLE && slots[i]->ch && slots[i]->ch->disable &&
            slots[i]->ch->disable(db, &slots[i]->job) < 0) {
            hf_db_rollback(db);
            goto out;
        }
    rc = hf_db_commit(db);
out:
    for (int k = 0; k < COLS; k++)
        free(arr[k]);
    return rc;
}

/* Slots whose transfers ended: free what their channels kept, write them
 * back. */
static int finish(PGconn *db, slot_t **slots, int n, hf_arena_t *a)
{
    for (int i = 0; i < n; i++)
        if (slots[i]->ch && slots[i]->ch->done) {
            slots[i]->ch->done(slots[i]->state);
            slots[i]->state = NULL;
        }
    return write_back(db, slots, n, a);
}

/* Run every transfer of the batch to its end (each is bounded by its
 * timeout), classifying each as it finishes and writing back what each
 * turn of the loop finished with one statement, so a replica that dies
 * leaves unwritten only the transfers still running; a transfer left when
 * the multi handle fails keeps its "unfinished" retry. fin: room for n. */
static int run_transfers(sender_t *sd, PGconn *db, slot_t *slots, int n, slot_t **fin)
{
    int running = 1, rc = 0;
    while (running && rc == 0) {
        if (curl_multi_perform(sd->multi, &running) != CURLM_OK)
            break;
        CURLMsg *m;
        int left, k = 0;
        while ((m = curl_multi_info_read(sd->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            slot_t *s = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            s->ch->classify(&s->job, s->state, m->easy_handle, m->data.result, &s->out);
            observe_latency(s->job.channel, (double)(hf_mono_ms() - s->start_ms) / 1000.0);
            end_transfer(sd, s);
            fin[k++] = s;
        }
        if (k && finish(db, fin, k, sd->arena) < 0)
            rc = -1;
        if (rc == 0 && running && curl_multi_poll(sd->multi, NULL, 0, 1000, NULL) != CURLM_OK)
            break;
    }
    int k = 0;
    for (int i = 0; i < n; i++)
        if (slots[i].easy) {
            end_transfer(sd, &slots[i]);
            fin[k++] = &slots[i];
        }
    if (k && rc == 0)
        return finish(db, fin, k, sd->arena);
    for (int i = 0; i < k; i++) /* not written: their leases lapse */
        if (fin[i]->ch->done)
            fin[i]->ch->done(fin[i]->state);
    return rc;
}

static void set_gauges(sender_t *sd, PGconn *db)
{
    int64_t now = hf_mono_ms();
    if (now - sd->gauges_ms < 2000)
        return;
    sd->gauges_ms = now;
    PGresult *r = hf_db_query(db, sql_gauges, 0, NULL);
    static const char *const states[] = { "queued", "held", "sending", "dead" };
    for (int i = 0; r && i < PQntuples(r); i++) {
        for (int k = 0; k < 4; k++) {
            char labels[64];
            snprintf(labels, sizeof(labels), "channel=\"%s\",state=\"%s\"", PQgetvalue(r, i, 0),
                     states[k]);
            hf_gauge_set(hf_metrics_gauge("hf_notify_queue", "delivery jobs by channel and state",
                                          labels),
                         atof(PQgetvalue(r, i, k + 1)));
        }
        hf_gauge_set(hf_metrics_gauge("hf_notify_webhook_endpoints_disabled",
                                      "webhook endpoints disabled (by a 410 or a caller)", NULL),
                     atof(PQgetvalue(r, i, 5)));
    }
    PQclear(r);
}

/* Claim a batch: the leased ids (arena) and how many waited for the
 * rate budget; -1 when the statement failed. */
static int claim(PGconn *db, hf_arena_t *a, const char ***ids, int *limited)
{
    const nt_delivery_settings_t *c = &nt_delivery_settings;
    char n[24], lease[24], qs[16], qe[16], rates[96], cap[24];
    snprintf(n, sizeof(n), "%ld", c->batch);
    snprintf(lease, sizeof(lease), "%ld", c->lease_s * 1000);
    snprintf(qs, sizeof(qs), "%d", quiet_start_min);
    snprintf(qe, sizeof(qe), "%d", quiet_end_min);
    snprintf(rates, sizeof(rates), "{\"email\": %ld, \"sms\": %ld}", c->email_rate, c->sms_rate);
    snprintf(cap, sizeof(cap), "%ld", c->webhook_concurrency);
    const char *p[] = { n, lease, rates, qs, qe, cap };
    PGresult *r = hf_db_query(db, sql_claim, 6, p);
    if (!r)
        return -1;
    int rows = PQntuples(r), k = 0;
    *limited = rows ? atoi(PQgetvalue(r, 0, 2)) : 0;
    *ids = hf_arena_alloc(a, sizeof(char *) * (size_t)(rows + 1));
    for (int i = 0; *ids && i < rows; i++)
        if (!PQgetisnull(r, i, 0))
            (*ids)[k++] = hf_arena_strdup(a, PQgetvalue(r, i, 0));
    PQclear(r);
    if (!*ids)
        return -1;
    if (k)
        hf_counter_add(hf_metrics_counter("hf_notify_claimed_total",
                                          "jobs leased for sending", NULL), (uint64_t)k);
    if (*limited)
        hf_counter_add(hf_metrics_counter("hf_notify_rate_limited_total",
                                          "due jobs left for the next second's rate budget",
                                          NULL), (uint64_t)*limited);
    return k;
}

static int sender_step(hf_loop_t *loop, PGconn *db, void *user)
{
    sender_t *sd = user;
    hf_arena_reset(sd->arena);
    set_gauges(sd, db);
    const char **ids = NULL;
    int limited = 0;
    int n = claim(db, sd->arena, &ids, &limited);
    if (n < 0)
        return -1;
    if (n == 0) {
        if (limited)
            hf_loop_sleep_next(loop, (int)(1000 - hf_now_ms() % 1000) + 5);
        return 0;
    }
    char *arr = hf_db_array(ids, (size_t)n);
    const char *p[] = { arr };
    PGresult *r = arr ? hf_db_query(db, sql_jobs, 1, p) : NULL;
    free(arr);
    if (!r)
        return -1;
    int rows = PQntuples(r);
    slot_t *slots = hf_arena_alloc(sd->arena, sizeof(slot_t) * (size_t)(rows + 1));
    slot_t **fin = hf_arena_alloc(sd->arena, sizeof(slot_t *) * (size_t)(rows + 1));
    if (!slots || !fin) {
        PQclear(r);
        return -1;
    }
    memset(slots, 0, sizeof(slot_t) * (size_t)(rows + 1));
    hf_store_t st;
    hf_store_init(&st, db, sd->arena, NULL, hf_service_keys());
    int k = 0;
    for (int i = 0; i < rows; i++) {
        if (load_job(&st, r, i, &slots[i]) < 0) {
            slots[i].out.kind = NT_FAILED;
            snprintf(slots[i].out.reason, sizeof(slots[i].out.reason), "does_not_decrypt");
            hf_warn("delivery %s: a sealed field does not decrypt", slots[i].job.id);
            fin[k++] = &slots[i];
            continue;
        }
        start_transfer(sd, &slots[i]);
        if (!slots[i].easy)
            fin[k++] = &slots[i];
    }
    PQclear(r);
    hf_histogram_observe(h_batch, rows);
    /* the jobs that needed no transfer first, then each finished transfer */
    int rc = k ? finish(db, fin, k, sd->arena) : 0;
    if (rc < 0) {
        for (int i = 0; i < rows; i++)
            if (slots[i].easy) {
                end_transfer(sd, &slots[i]);
                if (slots[i].ch->done)
                    slots[i].ch->done(slots[i].state);
            }
        return -1;
    }
    return run_transfers(sd, db, slots, rows, fin) < 0 ? -1 : 1;
}

static void sender_cleanup(void *user)
{
    sender_t *sd = user;
    curl_multi_cleanup(sd->multi);
    hf_arena_destroy(&sd->arena);
    free(sd);
}

int nt_deliver_start(void)
{
    const nt_delivery_settings_t *c = &nt_delivery_settings;
    quiet_start_min = nt_quiet_minutes(c->quiet_start);
    quiet_end_min = nt_quiet_minutes(c->quiet_end);
    if (quiet_start_min < 0 || quiet_end_min < 0) {
        hf_error("HF_NOTIFY_QUIET_START and HF_NOTIFY_QUIET_END are times of day, HH:MM");
        return -1;
    }
    if (strcmp(c->smtp_tls, "try") && strcmp(c->smtp_tls, "required") &&
        strcmp(c->smtp_tls, "none")) {
        hf_error("HF_NOTIFY_SMTP_TLS is \"try\", \"required\" or \"none\"");
        return -1;
    }
    if (*c->smtp_url && !strchr(c->smtp_from, '@')) {
        hf_error("HF_NOTIFY_SMTP_FROM must be an email address when HF_NOTIFY_SMTP_URL is set");
        return -1;
    }
    if (c->lease_s <= c->send_timeout_s) {
        hf_error("HF_NOTIFY_LEASE_S must exceed HF_NOTIFY_SEND_TIMEOUT_S: a batch still "
                 "sending would be sent again by another replica");
        return -1;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        hf_error("cannot initialise libcurl");
        return -1;
    }
    static const double sizes[] = { 1, 5, 10, 25, 50, 100, 250, 500 };
    h_batch = hf_metrics_histogram("hf_notify_batch_size", "jobs sent together in one step",
                                   NULL, sizes, sizeof(sizes) / sizeof(sizes[0]));
    hf_info("delivery: email by %s, SMS by %s",
            nt_transport_for("email") ? nt_transport_for("email")->transport : "nothing (they wait)",
            nt_transport_for("sms") ? nt_transport_for("sms")->transport : "nothing (they wait)");
    sender_t *sd = calloc(1, sizeof(*sd));
    if (!sd || !(sd->multi = curl_multi_init()) || !(sd->arena = hf_arena_new(1 << 16))) {
        if (sd)
            curl_multi_cleanup(sd->multi);
        free(sd);
        return -1;
    }
    hf_loop_def_t def = {
        .name = "notify.delivery",
        .step = sender_step,
        .cleanup = sender_cleanup,
        .user = sd,
        .idle_ms = 1000,
        .listen = 1,
        .channel = "notify_delivery",
    };
    if (hf_service_loop(&def) < 0) {
        sender_cleanup(sd);
        return -1;
    }
    return nt_webhook_fanout_start();
}
