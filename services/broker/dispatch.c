/* services/broker/dispatch.c - what a message to the broker does: requests, workers, least-loaded dispatch
 *
 * A client's request is checked, queued per service and handed to the
 * least-loaded worker with room; a worker's READY, reply, heartbeat or
 * DISCONNECT updates its state; a dead worker's requests go to another
 * replica when idempotent, else fail. All of it runs on the broker's one
 * thread (broker.c), over the state in broker_private.h.
 */
#include "broker_private.h"

#include "hf/arena.h"
#include "hf/bus.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hrflow/v1/health.pb-c.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <zmq.h>

/* ---- small helpers ---- */

int broker_set_err(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && len)
        vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

int broker_frame_is(zmq_msg_t *f, const char *s, size_t n)
{
    return zmq_msg_size(f) == n && memcmp(zmq_msg_data(f), s, n) == 0;
}

/* Send [identity] + frames. Returns 0, or -1 when the peer is gone. */
static int send_to(broker_t *b, GBytes *id, zmq_msg_t *frames, int n)
{
    gsize idlen;
    const void *idp = g_bytes_get_data(id, &idlen);
    if (zmq_send(b->rpc, idp, idlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        hf_counter_inc(b->m.unroutable);
        for (int i = 0; i < n; i++)
            zmq_msg_close(&frames[i]);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (zmq_msg_send(&frames[i], b->rpc, i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
            zmq_msg_close(&frames[i]);
    return 0;
}

static void msg_from(zmq_msg_t *m, const void *data, size_t n)
{
    zmq_msg_init_size(m, n);
    if (n)
        memcpy(zmq_msg_data(m), data, n);
}

/* Send [client][HFC1][env], taking env. Every message to a client goes
 * through here, so the drain knows when the last one left. */
static void to_client(broker_t *b, GBytes *client, zmq_msg_t *env)
{
    zmq_msg_t f[2];
    msg_from(&f[0], HF_BUS_CLIENT_PROTO, 4);
    zmq_msg_init(&f[1]);
    zmq_msg_move(&f[1], env);
    if (send_to(b, client, f, 2) == 0)
        b->last_client_send = hf_mono_ms();
}

void broker_worker_cmd(broker_t *b, GBytes *id, int cmd)
{
    zmq_msg_t f[2];
    unsigned char c = (unsigned char)cmd;
    msg_from(&f[0], HF_BUS_WORKER_PROTO, 4);
    msg_from(&f[1], &c, 1);
    send_to(b, id, f, 2);
}

/* Send an envelope to a client. */
static void reply_env(broker_t *b, GBytes *client, const Hrflow__V1__Envelope *env)
{
    zmq_msg_t m;
    size_t n = hrflow__v1__envelope__get_packed_size(env);
    zmq_msg_init_size(&m, n);
    hrflow__v1__envelope__pack(env, zmq_msg_data(&m));
    to_client(b, client, &m);
}

/* Answer a client's request with error e, counted by its code. */
static void reply_with(broker_t *b, GBytes *client, const char *service, const char *method,
                       const char *request_id, Hrflow__V1__Error *e)
{
    Hrflow__V1__Envelope env = HRFLOW__V1__ENVELOPE__INIT;
    env.service = (char *)service;
    env.method = (char *)method;
    env.request_id = (char *)request_id;
    env.error = e;
    reply_env(b, client, &env);
    hf_counter_inc(e->code == HRFLOW__V1__ERROR_CODE__OVERLOADED ? b->m.overloaded
                   : e->code == HRFLOW__V1__ERROR_CODE__DEADLINE_EXCEEDED ? b->m.deadline
                   : e->code == HRFLOW__V1__ERROR_CODE__UNAVAILABLE ? b->m.unavailable
                                                                    : NULL);
}

static void reply_error(broker_t *b, GBytes *client, const char *service, const char *method,
                        const char *request_id, int code, uint32_t retry_after_ms,
                        const char *fmt, ...) __attribute__((format(printf, 8, 9)));
static void reply_error(broker_t *b, GBytes *client, const char *service, const char *method,
                        const char *request_id, int code, uint32_t retry_after_ms,
                        const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    Hrflow__V1__Error e = HRFLOW__V1__ERROR__INIT;
    e.code = code;
    e.message = msg;
    e.retry_after_ms = retry_after_ms;
    reply_with(b, client, service, method, request_id, &e);
}

/* A request refused before anything was done with it (the broker drains):
 * UNAVAILABLE with the detail HF_BUS_NOT_TAKEN, which tells the client it
 * may send the same request to another broker, idempotent or not. */
static void reply_not_taken(broker_t *b, GBytes *client, const char *service, const char *method,
                            const char *request_id)
{
    char msg[256];
    snprintf(msg, sizeof(msg), "broker %s is shutting down", b->o.instance);
    Hrflow__V1__ErrorDetail d = HRFLOW__V1__ERROR_DETAIL__INIT;
    d.code = (char *)HF_BUS_NOT_TAKEN;
    d.message = msg;
    Hrflow__V1__ErrorDetail *details[] = { &d };
    Hrflow__V1__Error e = HRFLOW__V1__ERROR__INIT;
    e.code = HRFLOW__V1__ERROR_CODE__UNAVAILABLE;
    e.message = msg;
    e.details = details;
    e.n_details = 1;
    reply_with(b, client, service, method, request_id, &e);
}

/* ---- requests ---- */

void broker_request_free(broker_t *b, request_t *r)
{
    g_hash_table_remove(b->requests, &r->seq);
    zmq_msg_close(&r->env);
    g_bytes_unref(r->client);
    g_free(r->service);
    g_free(r->method);
    g_free(r->request_id);
    g_free(r);
    hf_gauge_set(b->m.pending, g_hash_table_size(b->requests));
}

/* Answer the client with an error (once) and forget the request unless a
 * worker still holds it. */
void broker_request_fail(broker_t *b, request_t *r, int code, const char *why)
{
    if (!r->answered) {
        r->answered = 1;
        if (code == BROKER_NOT_TAKEN)
            reply_not_taken(b, r->client, r->service, r->method, r->request_id);
        else
            reply_error(b, r->client, r->service, r->method, r->request_id, code,
                        code == HRFLOW__V1__ERROR_CODE__OVERLOADED ? RETRY_AFTER_MS : 0, "%s",
                        why);
    }
    if (r->qlink) {
        g_queue_delete_link(&r->svc->waiting, r->qlink);
        r->qlink = NULL;
        hf_gauge_set(r->svc->queue_gauge, g_queue_get_length(&r->svc->waiting));
    }
    if (!r->worker)
        broker_request_free(b, r);
}

/* ---- services and workers ---- */

static service_t *service_get(broker_t *b, const char *name, int create)
{
    service_t *s = g_hash_table_lookup(b->services, name);
    if (s || !create || g_hash_table_size(b->services) >= MAX_SERVICES)
        return s;
    s = g_new0(service_t, 1);
    s->name = g_strdup(name);
    g_queue_init(&s->waiting);
    s->workers = g_ptr_array_new();
    g_hash_table_insert(b->services, s->name, s);
    return s;
}

static void service_metrics(service_t *s)
{
    if (s->queue_gauge)
        return;
    char labels[MAX_NAME + 32];
    snprintf(labels, sizeof(labels), "service=\"%s\"", s->name);
    s->queue_gauge = hf_metrics_gauge("hf_broker_queue_length",
                                      "Requests waiting for a worker, per service", labels);
    s->workers_gauge = hf_metrics_gauge("hf_broker_service_workers",
                                        "Workers connected, per service", labels);
    s->capacity_gauge = hf_metrics_gauge(
        "hf_broker_service_capacity",
        "Requests the connected workers accept at once, per service", labels);
}

/* The gauges of s's workers: how many, and their capacity in all. */
static void service_workers_changed(service_t *s)
{
    uint64_t capacity = 0;
    for (guint i = 0; i < s->workers->len; i++)
        capacity += ((worker_t *)g_ptr_array_index(s->workers, i))->capacity;
    hf_gauge_set(s->workers_gauge, s->workers->len);
    hf_gauge_set(s->capacity_gauge, (double)capacity);
}

/* The least-loaded worker with room (lowest inflight/capacity), or NULL. */
static worker_t *pick_worker(service_t *s)
{
    worker_t *best = NULL;
    for (guint i = 0; i < s->workers->len; i++) {
        worker_t *w = g_ptr_array_index(s->workers, i);
        if (w->leaving || w->inflight >= w->capacity)
            continue;
        /* compare inflight/capacity without division */
        if (!best || (uint64_t)w->inflight * best->capacity <
                         (uint64_t)best->inflight * w->capacity)
            best = w;
    }
    return best;
}

/* Send a batch: [peer][proto][0x07][items], leaving out empty. One that
 * cannot go (out of memory making it, or the peer is gone) is counted
 * unroutable and dropped: a worker's requests wait for its liveness to end,
 * a client's replies for their deadline. Returns 0 when it went. */
static int send_batch(broker_t *b, GBytes *peer, const char *proto, hf_buf_t *out)
{
    if (out->len == 0 && !out->failed)
        return -1; /* sent early for its size, nothing since */
    gsize idlen;
    const void *idp = g_bytes_get_data(peer, &idlen);
    if (out->failed || zmq_send(b->rpc, idp, idlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        hf_batch_send(b->rpc, proto, HF_BUS_BATCH, out) < 0) {
        hf_counter_inc(b->m.unroutable);
        free(out->p);
        *out = (hf_buf_t){ 0 };
        return -1;
    }
    return 0;
}

static void flush_worker(broker_t *b, worker_t *w)
{
    send_batch(b, w->identity, HF_BUS_WORKER_PROTO, &w->out);
}

static void flush_client(broker_t *b, GBytes *client, hf_buf_t *out)
{
    if (send_batch(b, client, HF_BUS_CLIENT_PROTO, out) == 0)
        b->last_client_send = hf_mono_ms();
}

void broker_flush(broker_t *b)
{
    for (guint i = 0; i < b->flush->len; i++)
        flush_worker(b, g_ptr_array_index(b->flush, i));
    g_ptr_array_set_size(b->flush, 0);
    if (g_hash_table_size(b->client_out) == 0)
        return;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, b->client_out);
    while (g_hash_table_iter_next(&it, &k, &v))
        flush_client(b, k, v);
    g_hash_table_remove_all(b->client_out);
}

/* A worker's reply to a client that takes batches: with the others of this
 * pass of the loop, unless the batch is full already. */
static void reply_batched(broker_t *b, GBytes *client, const void *env, size_t len)
{
    hf_buf_t *out = g_hash_table_lookup(b->client_out, client);
    if (!out) {
        out = g_new0(hf_buf_t, 1);
        g_hash_table_insert(b->client_out, g_bytes_ref(client), out);
    }
    hf_batch_put(out, 0, env, len);
    if (out->len >= HF_BUS_BATCH_BYTES)
        flush_client(b, client, out); /* leaves it empty, still listed */
}

static void send_request(broker_t *b, worker_t *w, request_t *r)
{
    r->worker = w;
    r->attempts++;
    w->inflight++;
    g_hash_table_add(w->held, r);
    if (w->batch) { /* we keep r->env for a retry */
        if (w->out.len == 0)
            g_ptr_array_add(b->flush, w);
        hf_batch_put(&w->out, r->seq, zmq_msg_data(&r->env), zmq_msg_size(&r->env));
        if (w->out.len >= HF_BUS_BATCH_BYTES) {
            flush_worker(b, w);
            g_ptr_array_remove_fast(b->flush, w);
        }
        return;
    }
    zmq_msg_t f[4];
    unsigned char cmd = HF_BUS_REQUEST, seq[8];
    hf_put_u64(seq, r->seq);
    msg_from(&f[0], HF_BUS_WORKER_PROTO, 4);
    msg_from(&f[1], &cmd, 1);
    msg_from(&f[2], seq, 8);
    zmq_msg_init(&f[3]);
    zmq_msg_copy(&f[3], &r->env); /* keep ours for a retry */
    send_to(b, w->identity, f, 4);
}

/* Hand waiting requests of s to workers with room, oldest first. */
static void service_dispatch(broker_t *b, service_t *s)
{
    while (!g_queue_is_empty(&s->waiting)) {
        worker_t *w = pick_worker(s);
        if (!w)
            break;
        request_t *r = g_queue_pop_head(&s->waiting);
        r->qlink = NULL;
        r->unavailable_at = 0;
        send_request(b, w, r);
    }
    hf_gauge_set(s->queue_gauge, g_queue_get_length(&s->waiting));
}

static void worker_forget(broker_t *b, worker_t *w)
{
    g_ptr_array_remove_fast(b->flush, w); /* its batch would go nowhere */
    g_ptr_array_remove(w->svc->workers, w);
    service_workers_changed(w->svc);
    g_hash_table_remove(b->workers, w->identity); /* frees w */
    hf_gauge_set(b->m.workers, g_hash_table_size(b->workers));
}

void broker_worker_free(gpointer p)
{
    worker_t *w = p;
    g_bytes_unref(w->identity);
    free(w->out.p);
    g_free(w->instance);
    g_hash_table_destroy(w->idempotent);
    g_hash_table_destroy(w->held);
    g_free(w);
}

/* A worker stopped answering: answer or re-queue what it held, then drop it. */
void broker_worker_died(broker_t *b, worker_t *w)
{
    hf_warn("worker %s of %s is gone with %u request(s) in flight", w->instance, w->svc->name,
            w->inflight);
    GList *held = g_hash_table_get_keys(w->held);
    int64_t now = hf_mono_ms();
    for (GList *l = held; l; l = l->next) {
        request_t *r = l->data;
        r->worker = NULL;
        if (r->answered) {
            broker_request_free(b, r);
        } else if (g_hash_table_contains(w->idempotent, r->method) &&
                   r->attempts < b->o.max_attempts && now < r->deadline) {
            hf_counter_inc(b->m.retried);
            g_queue_push_head(&w->svc->waiting, r);
            r->qlink = g_queue_peek_head_link(&w->svc->waiting);
            if (w->svc->workers->len <= 1)
                r->unavailable_at = now + b->o.unavailable_ms;
        } else {
            char why[256];
            snprintf(why, sizeof(why), "the %s worker handling %s stopped responding",
                     w->svc->name, r->method);
            broker_request_fail(b, r, HRFLOW__V1__ERROR_CODE__UNAVAILABLE, why);
        }
    }
    g_list_free(held);
    g_hash_table_remove_all(w->held);
    service_t *s = w->svc;
    worker_forget(b, w);
    service_dispatch(b, s);
}

/* ---- client requests ---- */

static void broker_health(broker_t *b, GBytes *client, const Hrflow__V1__Envelope *in)
{
    Hrflow__V1__HealthResponse h = HRFLOW__V1__HEALTH_RESPONSE__INIT;
    Hrflow__V1__HealthCheck c = HRFLOW__V1__HEALTH_CHECK__INIT;
    Hrflow__V1__HealthCheck *cs[] = { &c };
    GString *detail = g_string_new(NULL);
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, b->services);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        service_t *s = v;
        if (s->workers->len)
            g_string_append_printf(detail, "%s%s=%u", detail->len ? " " : "", s->name,
                                   s->workers->len);
    }
    c.name = "workers";
    c.ok = 1;
    c.detail = detail->str;
    h.service = "broker";
    h.instance = (char *)b->o.instance;
    h.version = HF_VERSION;
    h.ok = !b->draining;
    h.checks = cs;
    h.n_checks = 1;
    size_t n = hrflow__v1__health_response__get_packed_size(&h);
    uint8_t *buf = g_malloc(n ? n : 1);
    hrflow__v1__health_response__pack(&h, buf);
    Hrflow__V1__Envelope env = HRFLOW__V1__ENVELOPE__INIT;
    env.service = in->service;
    env.method = in->method;
    env.request_id = in->request_id;
    env.traceparent = in->traceparent;
    env.payload.data = buf;
    env.payload.len = n;
    reply_env(b, client, &env);
    g_free(buf);
    g_string_free(detail, TRUE);
}

static int name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= MAX_NAME)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

static void on_request(broker_t *b, GBytes *client, zmq_msg_t *envf, int in_batch);

/* A client's batch of requests (broker.Batch): answered at once, so the
 * client may forget it, then each request as if it had come alone. Items
 * after a torn one are lost (their callers time out); a batch in a batch is
 * refused. */
static void on_client_batch(broker_t *b, GBytes *client, const Hrflow__V1__Envelope *env)
{
    hf_counter_inc(b->m.client_batches);
    Hrflow__V1__Envelope ack = HRFLOW__V1__ENVELOPE__INIT;
    ack.service = (char *)"broker";
    ack.method = (char *)HF_BUS_BATCH_METHOD;
    ack.request_id = env->request_id;
    uint8_t buf[HF_BUS_ID_MAX + 32];
    if (env->batch_replies && hrflow__v1__envelope__get_packed_size(&ack) <= sizeof(buf))
        reply_batched(b, client, buf, hrflow__v1__envelope__pack(&ack, buf));
    else
        reply_env(b, client, &ack);
    /* each request resets the arena the batch was read into */
    size_t left = env->payload.len, len;
    unsigned char *items = g_memdup2(env->payload.data, left);
    const unsigned char *p = items, *item;
    uint64_t seq;
    int rc;
    while ((rc = hf_batch_next(&p, &left, &seq, &item, &len)) == 1) {
        zmq_msg_t m;
        if (zmq_msg_init_size(&m, len) != 0)
            break; /* out of memory: the rest time out */
        memcpy(zmq_msg_data(&m), item, len);
        on_request(b, client, &m, 1);
        zmq_msg_close(&m);
    }
    if (rc < 0)
        hf_counter_inc(b->m.malformed_rpc);
    g_free(items);
}

void broker_on_client(broker_t *b, GBytes *client, zmq_msg_t *envf)
{
    on_request(b, client, envf, 0);
}

static void on_request(broker_t *b, GBytes *client, zmq_msg_t *envf, int in_batch)
{
    hf_arena_reset(b->arena);
    ProtobufCAllocator alloc = hf_arena_allocator(b->arena);
    Hrflow__V1__Envelope *env =
        hrflow__v1__envelope__unpack(&alloc, zmq_msg_size(envf), zmq_msg_data(envf));
    if (!env || !name_ok(env->service) || !name_ok(env->method)) {
        hf_counter_inc(b->m.malformed_rpc);
        if (env) /* decodable: say what is wrong rather than let the caller wait */
            reply_error(b, client, env->service, env->method, env->request_id,
                        HRFLOW__V1__ERROR_CODE__MALFORMED, 0,
                        "service and method must be 1..%d characters of [A-Za-z0-9_.-]",
                        MAX_NAME - 1);
        return;
    }
    if (strcmp(env->service, "broker") == 0 && strcmp(env->method, HF_BUS_BATCH_METHOD) == 0 &&
        !in_batch) {
        on_client_batch(b, client, env);
        return;
    }
    hf_counter_inc(b->m.requests);
    if (strcmp(env->service, "broker") == 0) {
        if (strcmp(env->method, "Health") == 0)
            broker_health(b, client, env);
        else
            reply_error(b, client, env->service, env->method, env->request_id,
                        HRFLOW__V1__ERROR_CODE__UNIMPLEMENTED, 0, "the broker has no method %s",
                        env->method);
        return;
    }
    if (b->draining) {
        reply_not_taken(b, client, env->service, env->method, env->request_id);
        return;
    }
    int64_t now_wall = hf_now_ms(), now = hf_mono_ms();
    int64_t left = env->deadline_ms ? env->deadline_ms - now_wall : b->o.default_timeout_ms;
    if (left <= 0) {
        reply_error(b, client, env->service, env->method, env->request_id,
                    HRFLOW__V1__ERROR_CODE__DEADLINE_EXCEEDED, 0,
                    "the deadline of %s.%s passed before it reached the broker", env->service,
                    env->method);
        return;
    }
    service_t *s = service_get(b, env->service, 1);
    if (!s) {
        reply_error(b, client, env->service, env->method, env->request_id,
                    HRFLOW__V1__ERROR_CODE__UNAVAILABLE, 0, "no service named %s",
                    env->service);
        return;
    }
    if (g_queue_get_length(&s->waiting) >= (guint)b->o.queue_max) {
        reply_error(b, client, env->service, env->method, env->request_id,
                    HRFLOW__V1__ERROR_CODE__OVERLOADED, RETRY_AFTER_MS,
                    "%s is overloaded: %d requests waiting", s->name, b->o.queue_max);
        return;
    }
    request_t *r = g_new0(request_t, 1);
    r->seq = ++b->next_seq;
    r->client = g_bytes_ref(client);
    zmq_msg_init(&r->env);
    zmq_msg_move(&r->env, envf);
    r->service = g_strdup(env->service);
    r->method = g_strdup(env->method);
    r->request_id = g_strdup(env->request_id ? env->request_id : "");
    r->deadline = now + left;
    r->batch_replies = env->batch_replies;
    r->svc = s;
    if (s->workers->len == 0)
        r->unavailable_at = now + b->o.unavailable_ms;
    g_hash_table_insert(b->requests, &r->seq, r);
    hf_gauge_set(b->m.pending, g_hash_table_size(b->requests));
    worker_t *w = g_queue_is_empty(&s->waiting) ? pick_worker(s) : NULL;
    if (w) {
        send_request(b, w, r);
    } else {
        g_queue_push_tail(&s->waiting, r);
        r->qlink = g_queue_peek_tail_link(&s->waiting);
        hf_gauge_set(s->queue_gauge, g_queue_get_length(&s->waiting));
    }
}

/* ---- worker commands ---- */

static void on_ready(broker_t *b, GBytes *id, zmq_msg_t *body)
{
    hf_arena_reset(b->arena);
    ProtobufCAllocator alloc = hf_arena_allocator(b->arena);
    Hrflow__V1__WorkerReady *rd =
        hrflow__v1__worker_ready__unpack(&alloc, zmq_msg_size(body), zmq_msg_data(body));
    if (!rd || !name_ok(rd->service) || strcmp(rd->service, "broker") == 0 ||
        rd->capacity == 0 || rd->capacity > HF_BUS_MAX_CAPACITY) {
        hf_counter_inc(b->m.malformed_rpc);
        return;
    }
    worker_t *w = g_hash_table_lookup(b->workers, id);
    if (w) /* a repeated READY: nothing changes */
        return;
    service_t *s = service_get(b, rd->service, 1);
    if (!s) {
        hf_counter_inc(b->m.malformed_rpc);
        return;
    }
    service_metrics(s);
    w = g_new0(worker_t, 1);
    w->identity = g_bytes_ref(id);
    w->svc = s;
    w->instance = g_strndup(rd->instance ? rd->instance : "", MAX_NAME);
    w->capacity = rd->capacity;
    w->batch = rd->batch;
    w->expiry = hf_mono_ms() + (int64_t)b->o.heartbeat_ms * b->o.liveness;
    w->idempotent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    w->held = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (size_t i = 0; i < rd->n_idempotent_methods; i++)
        g_hash_table_add(w->idempotent, g_strndup(rd->idempotent_methods[i], MAX_NAME));
    g_hash_table_insert(b->workers, w->identity, w);
    g_ptr_array_add(s->workers, w);
    service_workers_changed(s);
    hf_gauge_set(b->m.workers, g_hash_table_size(b->workers));
    hf_info("worker %s joined %s with capacity %u", w->instance, s->name, w->capacity);
    service_dispatch(b, s);
}

/* The reply env (len bytes) to request seq from w; frame is the frame that
 * holds it when it came alone (a client that takes single replies gets that
 * frame, not a copy), NULL for an item of a batch. Returns 1 when w is gone
 * after it (it was leaving and this was its last request). */
static int on_reply(broker_t *b, worker_t *w, uint64_t seq, const void *env, size_t len,
                    zmq_msg_t *frame)
{
    request_t *r = g_hash_table_lookup(b->requests, &seq);
    if (!r || r->worker != w) {
        hf_counter_inc(b->m.late);
        return 0;
    }
    g_hash_table_remove(w->held, r);
    w->inflight--;
    r->worker = NULL;
    if (!r->answered) {
        zmq_msg_t m;
        if (r->batch_replies) {
            reply_batched(b, r->client, env, len);
        } else if (frame) {
            to_client(b, r->client, frame);
        } else {
            msg_from(&m, env, len);
            to_client(b, r->client, &m);
        }
        hf_counter_inc(b->m.replies);
    } else {
        hf_counter_inc(b->m.late);
    }
    broker_request_free(b, r);
    if (w->leaving && w->inflight == 0) {
        worker_forget(b, w);
        return 1;
    }
    service_dispatch(b, w->svc);
    return 0;
}

/* A batch of replies; items after a malformed one are lost (their callers
 * get DEADLINE_EXCEEDED), replies after the worker left are late. */
static void on_batch(broker_t *b, worker_t *w, zmq_msg_t *body)
{
    const unsigned char *p = zmq_msg_data(body), *env;
    size_t left = zmq_msg_size(body), len;
    uint64_t seq;
    int rc, gone = 0;
    while ((rc = hf_batch_next(&p, &left, &seq, &env, &len)) == 1) {
        if (gone) {
            hf_counter_inc(b->m.late);
            continue;
        }
        gone = on_reply(b, w, seq, env, len, NULL);
    }
    if (rc < 0)
        hf_counter_inc(b->m.malformed_rpc);
}

/* A worker's capacity changed (it adapts it to its handlers' pace): more
 * room is used at once; less takes nothing back, the worker just gets no
 * new request until its inflight is under the new capacity. */
static void on_capacity(broker_t *b, worker_t *w, zmq_msg_t *body)
{
    uint32_t v = hf_get_u32(zmq_msg_data(body));
    if (v == 0 || v > HF_BUS_MAX_CAPACITY) {
        hf_counter_inc(b->m.malformed_rpc);
        return;
    }
    w->capacity = v;
    service_workers_changed(w->svc);
    if (!w->leaving)
        service_dispatch(b, w->svc);
}

void broker_on_worker(broker_t *b, GBytes *id, zmq_msg_t *f, int n)
{
    /* f[0] = "HFW1", f[1] = command, then its body */
    if (zmq_msg_size(&f[1]) != 1) {
        hf_counter_inc(b->m.malformed_rpc);
        return;
    }
    int cmd = *(unsigned char *)zmq_msg_data(&f[1]);
    worker_t *w = g_hash_table_lookup(b->workers, id);
    if (w)
        w->expiry = hf_mono_ms() + (int64_t)b->o.heartbeat_ms * b->o.liveness;
    switch (cmd) {
    case HF_BUS_READY:
        if (n == 3)
            on_ready(b, id, &f[2]);
        else
            hf_counter_inc(b->m.malformed_rpc);
        return;
    case HF_BUS_REPLY:
    case HF_BUS_BATCH:
        if (cmd == HF_BUS_REPLY ? n != 4 || zmq_msg_size(&f[2]) != 8 : n != 3) {
            hf_counter_inc(b->m.malformed_rpc);
        } else if (!w) {
            hf_counter_inc(b->m.late);
            broker_worker_cmd(b, id, HF_BUS_DISCONNECT); /* "register again" */
        } else if (cmd == HF_BUS_BATCH) {
            on_batch(b, w, &f[2]);
        } else {
            on_reply(b, w, hf_get_u64(zmq_msg_data(&f[2])), zmq_msg_data(&f[3]),
                     zmq_msg_size(&f[3]), &f[3]);
        }
        return;
    case HF_BUS_CAPACITY:
        if (n != 3 || zmq_msg_size(&f[2]) != 4)
            hf_counter_inc(b->m.malformed_rpc);
        else if (w) /* unknown: its READY, when it comes, has the capacity */
            on_capacity(b, w, &f[2]);
        return;
    case HF_BUS_HEARTBEAT:
        if (n != 2)
            hf_counter_inc(b->m.malformed_rpc);
        else if (!w)
            broker_worker_cmd(b, id, HF_BUS_DISCONNECT); /* we restarted: register again */
        return;
    case HF_BUS_DISCONNECT:
        if (n != 2) {
            hf_counter_inc(b->m.malformed_rpc);
            return;
        }
        broker_worker_cmd(b, id, HF_BUS_DISCONNECT); /* acknowledge */
        if (w) {
            hf_info("worker %s of %s is leaving with %u request(s) in flight", w->instance,
                    w->svc->name, w->inflight);
            w->leaving = 1;
            if (w->inflight == 0)
                worker_forget(b, w);
        }
        return;
    default:
        hf_counter_inc(b->m.malformed_rpc);
    }
}

