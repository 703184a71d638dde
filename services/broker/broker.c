/* services/broker/broker.c - least-loaded RPC dispatch with deadlines, and the event proxy
 *
 * State (all owned by the one broker thread):
 *   services  name -> service_t: its workers and its FIFO of waiting requests
 *   workers   ROUTER identity -> worker_t: capacity, requests in flight, expiry
 *   requests  seq -> request_t: every request not yet finished, waiting or in
 *             flight; the raw envelope is kept so an idempotent request can be
 *             sent again when its worker dies
 * A request's client is answered exactly once (req->answered); a request
 * stays in the table while a worker still holds it, so the worker's capacity
 * is counted until its reply (or death) even after a deadline answer went out.
 *
 * Frames are in docs/architecture.md. Anything that does not parse is dropped
 * and counted in hf_broker_malformed_total{socket=...}; nothing a peer sends
 * can make the broker exit.
 */
#include "broker.h"
#include "zap.h"

#include "hf/arena.h"
#include "hf/bus.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hrflow/v1/health.pb-c.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <zmq.h>

#define MAX_SERVICES 1024
#define MAX_NAME 128
#define TICK_MS 5            /* deadline resolution while requests are pending */
#define RETRY_AFTER_MS 1000  /* hint sent with OVERLOADED */

typedef struct service service_t;
typedef struct worker worker_t;

typedef struct {
    uint64_t seq;
    GBytes *client;          /* ROUTER identity of the caller */
    zmq_msg_t env;           /* the envelope as received */
    char *service, *method, *request_id;
    int64_t deadline;        /* monotonic ms */
    int64_t unavailable_at;  /* monotonic ms; 0 = not waiting for a first worker */
    service_t *svc;
    worker_t *worker;        /* NULL while waiting */
    GList *qlink;            /* in svc->waiting while waiting */
    int attempts;
    int answered;            /* the client has had its reply */
} request_t;

struct service {
    char *name;
    GQueue waiting;          /* request_t*, oldest first */
    GPtrArray *workers;      /* worker_t* */
    hf_gauge_t *queue_gauge, *workers_gauge;
};

struct worker {
    GBytes *identity;
    service_t *svc;
    char *instance;
    unsigned capacity, inflight;
    int64_t expiry;          /* monotonic ms */
    int leaving;             /* sent DISCONNECT: no new work */
    GHashTable *idempotent;  /* method name set */
    GHashTable *held;        /* request_t* set: in flight here */
};

struct broker {
    broker_opts_t o;
    void *rpc, *xsub, *xpub;
    broker_zap_t *zap;       /* NULL while CURVE is off */
    GHashTable *services, *workers, *requests;
    uint64_t next_seq;       /* random start: see first_seq() */
    int64_t next_beat;
    int64_t next_tick;       /* next deadline and liveness check */
    hf_arena_t *arena;       /* per-message decoding */
    _Atomic int stop;
    int draining;
    int64_t drain_until;     /* requests still in flight then are answered UNAVAILABLE */
    int64_t settle_from;     /* monotonic ms: nothing in flight any more; 0 = not yet */
    int64_t last_client_send; /* monotonic ms */
    struct {
        hf_counter_t *requests, *replies, *late, *retried, *overloaded, *deadline,
            *unavailable, *malformed_rpc, *malformed_xsub, *malformed_xpub, *events,
            *unroutable;
        hf_gauge_t *workers, *pending;
    } m;
};

/* ---- small helpers ---- */

static int set_err(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_err(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && len)
        vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

static int frame_is(zmq_msg_t *f, const char *s, size_t n)
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

static void worker_cmd(broker_t *b, GBytes *id, int cmd)
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
    Hrflow__V1__Envelope env = HRFLOW__V1__ENVELOPE__INIT;
    env.service = (char *)service;
    env.method = (char *)method;
    env.request_id = (char *)request_id;
    env.error = &e;
    reply_env(b, client, &env);
    hf_counter_inc(code == HRFLOW__V1__ERROR_CODE__OVERLOADED ? b->m.overloaded
                   : code == HRFLOW__V1__ERROR_CODE__DEADLINE_EXCEEDED ? b->m.deadline
                   : code == HRFLOW__V1__ERROR_CODE__UNAVAILABLE ? b->m.unavailable
                                                                  : NULL);
}

/* ---- requests ---- */

static void request_free(broker_t *b, request_t *r)
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
static void request_fail(broker_t *b, request_t *r, int code, const char *why)
{
    if (!r->answered) {
        r->answered = 1;
        reply_error(b, r->client, r->service, r->method, r->request_id, code,
                    code == HRFLOW__V1__ERROR_CODE__OVERLOADED ? RETRY_AFTER_MS : 0, "%s", why);
    }
    if (r->qlink) {
        g_queue_delete_link(&r->svc->waiting, r->qlink);
        r->qlink = NULL;
        hf_gauge_set(r->svc->queue_gauge, g_queue_get_length(&r->svc->waiting));
    }
    if (!r->worker)
        request_free(b, r);
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

static void send_request(broker_t *b, worker_t *w, request_t *r)
{
    zmq_msg_t f[4];
    unsigned char cmd = HF_BUS_REQUEST, seq[8];
    hf_put_u64(seq, r->seq);
    msg_from(&f[0], HF_BUS_WORKER_PROTO, 4);
    msg_from(&f[1], &cmd, 1);
    msg_from(&f[2], seq, 8);
    zmq_msg_init(&f[3]);
    zmq_msg_copy(&f[3], &r->env); /* keep ours for a retry */
    r->worker = w;
    r->attempts++;
    w->inflight++;
    g_hash_table_add(w->held, r);
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
    g_ptr_array_remove(w->svc->workers, w);
    hf_gauge_set(w->svc->workers_gauge, w->svc->workers->len);
    g_hash_table_remove(b->workers, w->identity); /* frees w */
    hf_gauge_set(b->m.workers, g_hash_table_size(b->workers));
}

static void worker_free(gpointer p)
{
    worker_t *w = p;
    g_bytes_unref(w->identity);
    g_free(w->instance);
    g_hash_table_destroy(w->idempotent);
    g_hash_table_destroy(w->held);
    g_free(w);
}

/* A worker stopped answering: answer or re-queue what it held, then drop it. */
static void worker_died(broker_t *b, worker_t *w)
{
    hf_warn("worker %s of %s is gone with %u request(s) in flight", w->instance, w->svc->name,
            w->inflight);
    GList *held = g_hash_table_get_keys(w->held);
    int64_t now = hf_mono_ms();
    for (GList *l = held; l; l = l->next) {
        request_t *r = l->data;
        r->worker = NULL;
        if (r->answered) {
            request_free(b, r);
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
            request_fail(b, r, HRFLOW__V1__ERROR_CODE__UNAVAILABLE, why);
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

static void on_client(broker_t *b, GBytes *client, zmq_msg_t *envf)
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
        reply_error(b, client, env->service, env->method, env->request_id,
                    HRFLOW__V1__ERROR_CODE__UNAVAILABLE, 0, "broker %s is shutting down",
                    b->o.instance);
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
        rd->capacity == 0 || rd->capacity > 100000) {
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
    w->expiry = hf_mono_ms() + (int64_t)b->o.heartbeat_ms * b->o.liveness;
    w->idempotent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    w->held = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (size_t i = 0; i < rd->n_idempotent_methods; i++)
        g_hash_table_add(w->idempotent, g_strndup(rd->idempotent_methods[i], MAX_NAME));
    g_hash_table_insert(b->workers, w->identity, w);
    g_ptr_array_add(s->workers, w);
    hf_gauge_set(s->workers_gauge, s->workers->len);
    hf_gauge_set(b->m.workers, g_hash_table_size(b->workers));
    hf_info("worker %s joined %s with capacity %u", w->instance, s->name, w->capacity);
    service_dispatch(b, s);
}

static void on_reply(broker_t *b, worker_t *w, zmq_msg_t *seqf, zmq_msg_t *envf)
{
    uint64_t seq = hf_get_u64(zmq_msg_data(seqf));
    request_t *r = g_hash_table_lookup(b->requests, &seq);
    if (!r || r->worker != w) {
        hf_counter_inc(b->m.late);
        return;
    }
    g_hash_table_remove(w->held, r);
    w->inflight--;
    r->worker = NULL;
    if (!r->answered) {
        to_client(b, r->client, envf);
        hf_counter_inc(b->m.replies);
    } else {
        hf_counter_inc(b->m.late);
    }
    request_free(b, r);
    if (w->leaving && w->inflight == 0) {
        worker_forget(b, w);
        return;
    }
    service_dispatch(b, w->svc);
}

static void on_worker(broker_t *b, GBytes *id, zmq_msg_t *f, int n)
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
        if (n != 4 || zmq_msg_size(&f[2]) != 8) {
            hf_counter_inc(b->m.malformed_rpc);
        } else if (!w) {
            hf_counter_inc(b->m.late);
            worker_cmd(b, id, HF_BUS_DISCONNECT); /* "register again" */
        } else {
            on_reply(b, w, &f[2], &f[3]);
        }
        return;
    case HF_BUS_HEARTBEAT:
        if (n != 2)
            hf_counter_inc(b->m.malformed_rpc);
        else if (!w)
            worker_cmd(b, id, HF_BUS_DISCONNECT); /* we restarted: register again */
        return;
    case HF_BUS_DISCONNECT:
        if (n != 2) {
            hf_counter_inc(b->m.malformed_rpc);
            return;
        }
        worker_cmd(b, id, HF_BUS_DISCONNECT); /* acknowledge */
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

/* ---- sockets ---- */

/* Each on_<socket>() handles one message; returns 0 when there was none. */
static int on_rpc(broker_t *b)
{
    zmq_msg_t f[6];
    int n = hf_frames_recv(b->rpc, f, 6, ZMQ_DONTWAIT);
    if (n == -1)
        return 0;
    if (n < 3) {
        hf_counter_inc(b->m.malformed_rpc);
        if (n > 0)
            hf_frames_close(f, n);
        return 1;
    }
    GBytes *id = g_bytes_new(zmq_msg_data(&f[0]), zmq_msg_size(&f[0]));
    if (frame_is(&f[1], HF_BUS_CLIENT_PROTO, 4) && n == 3)
        on_client(b, id, &f[2]);
    else if (frame_is(&f[1], HF_BUS_WORKER_PROTO, 4))
        on_worker(b, id, &f[1], n - 1);
    else
        hf_counter_inc(b->m.malformed_rpc);
    g_bytes_unref(id);
    hf_frames_close(f, n);
    return 1;
}

/* Event plane: publishers' [topic][Event] go out to subscribers unchanged. */
static int on_xsub(broker_t *b)
{
    zmq_msg_t f[2];
    int n = hf_frames_recv(b->xsub, f, 2, ZMQ_DONTWAIT);
    if (n == -1)
        return 0;
    if (n != 2 || zmq_msg_size(&f[0]) == 0) {
        hf_counter_inc(b->m.malformed_xsub);
        if (n > 0)
            hf_frames_close(f, n);
        return 1;
    }
    if (zmq_msg_send(&f[0], b->xpub, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        hf_frames_close(f, 2);
        return 1;
    }
    if (zmq_msg_send(&f[1], b->xpub, 0) < 0)
        zmq_msg_close(&f[1]);
    hf_counter_inc(b->m.events);
    return 1;
}

/* Subscriptions from subscribers ([0x01|0x00]topic) go up to publishers. */
static int on_xpub(broker_t *b)
{
    zmq_msg_t f[1];
    int n = hf_frames_recv(b->xpub, f, 1, ZMQ_DONTWAIT);
    if (n == -1)
        return 0;
    if (n != 1 || zmq_msg_size(&f[0]) == 0 ||
        (*(unsigned char *)zmq_msg_data(&f[0]) > 1)) {
        hf_counter_inc(b->m.malformed_xpub);
        if (n > 0)
            hf_frames_close(f, n);
        return 1;
    }
    if (zmq_msg_send(&f[0], b->xsub, ZMQ_DONTWAIT) < 0)
        zmq_msg_close(&f[0]);
    return 1;
}

/* ---- timers ---- */

static void check_deadlines(broker_t *b, int64_t now)
{
    GList *due = NULL;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, b->requests);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        request_t *r = v;
        if (r->answered)
            continue;
        if (now >= r->deadline || (r->unavailable_at && now >= r->unavailable_at &&
                                   r->svc->workers->len == 0))
            due = g_list_prepend(due, r);
    }
    for (GList *l = due; l; l = l->next) {
        request_t *r = l->data;
        char why[256];
        if (now >= r->deadline) {
            snprintf(why, sizeof(why), "%s.%s did not finish before its deadline%s", r->service,
                     r->method, r->worker ? "" : " (it was still waiting for a worker)");
            request_fail(b, r, HRFLOW__V1__ERROR_CODE__DEADLINE_EXCEEDED, why);
        } else {
            snprintf(why, sizeof(why), "no %s worker is connected to broker %s", r->service,
                     b->o.instance);
            request_fail(b, r, HRFLOW__V1__ERROR_CODE__UNAVAILABLE, why);
        }
    }
    g_list_free(due);
}

/* The broker itself did not run for a while (stopped, or starved of CPU):
 * it read no heartbeats meanwhile, so its workers' silence was its own. Each
 * gets a full liveness period from now, in which its queued heartbeats are
 * read, rather than being taken for dead with the requests it holds. */
static void excuse_workers(broker_t *b, int64_t now, int64_t stalled)
{
    hf_warn("broker %s did not run for %lld ms: workers get a new liveness period",
            b->o.instance, (long long)stalled);
    int64_t expiry = now + (int64_t)b->o.heartbeat_ms * b->o.liveness;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, b->workers);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (((worker_t *)v)->expiry < expiry)
            ((worker_t *)v)->expiry = expiry;
}

static void check_workers(broker_t *b, int64_t now)
{
    if (now >= b->next_beat) {
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, b->workers);
        while (g_hash_table_iter_next(&it, &k, &v))
            worker_cmd(b, ((worker_t *)v)->identity, HF_BUS_HEARTBEAT);
        b->next_beat = now + b->o.heartbeat_ms;
    }
    GList *dead = NULL;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, b->workers);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (((worker_t *)v)->expiry <= now)
            dead = g_list_prepend(dead, v);
    for (GList *l = dead; l; l = l->next)
        worker_died(b, l->data);
    g_list_free(dead);
}

/* ---- life cycle ---- */

static void metrics_init(broker_t *b)
{
    b->m.requests = hf_metrics_counter("hf_broker_requests_total", "Requests from clients", NULL);
    b->m.replies = hf_metrics_counter("hf_broker_replies_total",
                                      "Worker replies routed to clients", NULL);
    b->m.late = hf_metrics_counter("hf_broker_late_replies_total",
                                   "Worker replies dropped: already answered or unknown", NULL);
    b->m.retried = hf_metrics_counter("hf_broker_retries_total",
                                      "Idempotent requests re-sent after their worker died",
                                      NULL);
    b->m.overloaded = hf_metrics_counter("hf_broker_errors_total", "Errors the broker answered",
                                         "code=\"overloaded\"");
    b->m.deadline = hf_metrics_counter("hf_broker_errors_total", "Errors the broker answered",
                                       "code=\"deadline_exceeded\"");
    b->m.unavailable = hf_metrics_counter("hf_broker_errors_total", "Errors the broker answered",
                                          "code=\"unavailable\"");
    const char *h = "Malformed messages dropped, per socket";
    b->m.malformed_rpc = hf_metrics_counter("hf_broker_malformed_total", h, "socket=\"rpc\"");
    b->m.malformed_xsub = hf_metrics_counter("hf_broker_malformed_total", h, "socket=\"xsub\"");
    b->m.malformed_xpub = hf_metrics_counter("hf_broker_malformed_total", h, "socket=\"xpub\"");
    b->m.events = hf_metrics_counter("hf_broker_events_total", "Events forwarded", NULL);
    b->m.unroutable = hf_metrics_counter("hf_broker_unroutable_total",
                                         "Messages to peers that had gone", NULL);
    b->m.workers = hf_metrics_gauge("hf_broker_workers", "Workers connected", NULL);
    b->m.pending = hf_metrics_gauge("hf_broker_requests_pending",
                                    "Requests waiting or in flight", NULL);
}

/* A bus server socket (CURVE keys and limits from hf_bus_socket) bound to
 * ep, its handshakes counted by the ZAP handler when there is one. */
static void *bind_socket(broker_t *b, int type, const char *ep, const char *name, char *err,
                         size_t len)
{
    void *s = hf_bus_socket(type, HF_BUS_SERVER);
    if (!s) {
        set_err(err, len, "cannot create a socket: %s", zmq_strerror(errno));
        return NULL;
    }
    int one = 1;
    if (type == ZMQ_ROUTER) /* fail fast on peers that have gone */
        zmq_setsockopt(s, ZMQ_ROUTER_MANDATORY, &one, sizeof(one));
    if (b->zap && broker_zap_watch(b->zap, s, name) != 0)
        hf_warn("cannot count the handshakes of the %s socket", name);
    if (zmq_bind(s, ep) != 0) {
        set_err(err, len, "cannot bind %s: %s", ep, zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    return s;
}

static guint u64_hash(gconstpointer p)
{
    uint64_t v = *(const uint64_t *)p;
    return (guint)(v ^ (v >> 32));
}

static gboolean u64_equal(gconstpointer a, gconstpointer b)
{
    return *(const uint64_t *)a == *(const uint64_t *)b;
}

static void service_free(gpointer p)
{
    service_t *s = p;
    g_queue_clear(&s->waiting);
    g_ptr_array_free(s->workers, TRUE);
    g_free(s->name);
    g_free(s);
}

/* Where this broker's request numbers start. A worker's late reply names a
 * seq; after a restart on the same endpoint it must not match a request of
 * the new lifetime, so each lifetime starts at a random point of a 2^63
 * range (two lifetimes' numbers overlap only with negligible probability)
 * and counts up from there without ever wrapping. */
static uint64_t first_seq(void)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v)) /* never expected on Linux */
        v = (uint64_t)hf_now_ms() * 1000003u ^ (uint64_t)hf_mono_ms();
    return v >> 1;
}

broker_t *broker_new(const broker_opts_t *o, char *err, size_t errlen)
{
    broker_t *b = g_new0(broker_t, 1);
    b->o = *o;
    b->next_seq = first_seq();
    metrics_init(b);
    b->arena = hf_arena_new(0);
    b->services = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, service_free);
    b->workers = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, NULL, worker_free);
    b->requests = g_hash_table_new(u64_hash, u64_equal);
    /* the ZAP handler is bound before any socket that asks it */
    if (hf_bus_curve_enabled() && !(b->zap = broker_zap_new(err, errlen))) {
        broker_destroy(&b);
        return NULL;
    }
    b->rpc = bind_socket(b, ZMQ_ROUTER, o->rpc_bind, "rpc", err, errlen);
    b->xsub = b->rpc ? bind_socket(b, ZMQ_XSUB, o->xsub_bind, "xsub", err, errlen) : NULL;
    b->xpub = b->xsub ? bind_socket(b, ZMQ_XPUB, o->xpub_bind, "xpub", err, errlen) : NULL;
    if (!b->xpub || (b->zap && broker_zap_start(b->zap, err, errlen) < 0)) {
        broker_destroy(&b);
        return NULL;
    }
    /* take every event from publishers, whatever subscribers want: a
     * publisher then never drops an event while a subscription is still on
     * its way up */
    zmq_send(b->xsub, "\x01", 1, 0);
    return b;
}

void broker_stop(broker_t *b)
{
    atomic_store(&b->stop, 1);
}

/* SIGTERM: waiting requests go back to their callers at once, to be retried
 * elsewhere; new ones are refused (on_client); requests in flight go on. */
static void start_drain(broker_t *b)
{
    b->draining = 1;
    b->drain_until = hf_mono_ms() + b->o.drain_ms;
    hf_info("draining: %u request(s) pending", g_hash_table_size(b->requests));
    GList *all = g_hash_table_get_values(b->requests);
    for (GList *l = all; l; l = l->next) {
        request_t *r = l->data;
        if (!r->worker) {
            char why[128];
            snprintf(why, sizeof(why), "broker %s is shutting down", b->o.instance);
            request_fail(b, r, HRFLOW__V1__ERROR_CODE__UNAVAILABLE, why);
        }
    }
    g_list_free(all);
}

/* The drain window is over: whatever is still in flight gets a clear answer
 * (a reply its worker sends later is counted as late). */
static void fail_in_flight(broker_t *b)
{
    GList *all = g_hash_table_get_values(b->requests);
    for (GList *l = all; l; l = l->next) {
        request_t *r = l->data;
        if (r->worker) {
            g_hash_table_remove(r->worker->held, r);
            r->worker->inflight--;
            r->worker = NULL;
        }
        char why[128];
        snprintf(why, sizeof(why), "broker %s stopped before %s answered", b->o.instance,
                 r->service);
        request_fail(b, r, HRFLOW__V1__ERROR_CODE__UNAVAILABLE, why);
    }
    g_list_free(all);
}

/* Whether the drain is over. It has two steps. First the requests in flight
 * finish, or HF_BROKER_DRAIN_MS passes and fail_in_flight() answers them.
 * Then the broker keeps its connections for one liveness period (heartbeat x
 * liveness, at most HF_BROKER_DRAIN_MS), or less when nothing has gone to a
 * client for that long already: a client's DEALER (ZMQ_IMMEDIATE) throws
 * away the messages it has received but not yet read when their connection
 * closes, so exiting right after the last reply loses that reply whenever
 * its caller is slower to read it than we are to exit. New requests meanwhile
 * are still answered UNAVAILABLE. */
static int drain_done(broker_t *b, int64_t now)
{
    if (!b->settle_from) {
        if (g_hash_table_size(b->requests) && now < b->drain_until)
            return 0;
        fail_in_flight(b);
        b->settle_from = now;
    }
    int64_t settle = (int64_t)b->o.heartbeat_ms * b->o.liveness;
    if (settle > b->o.drain_ms)
        settle = b->o.drain_ms;
    return now - b->last_client_send >= settle || now - b->settle_from >= settle;
}

int broker_run(broker_t *b, int stop_fd)
{
    hf_info("broker %s: rpc %s, events in %s, out %s", b->o.instance, b->o.rpc_bind,
            b->o.xsub_bind, b->o.xpub_bind);
    b->next_beat = hf_mono_ms() + b->o.heartbeat_ms;
    zmq_pollitem_t items[4] = {
        { b->rpc, 0, ZMQ_POLLIN, 0 },
        { b->xsub, 0, ZMQ_POLLIN, 0 },
        { b->xpub, 0, ZMQ_POLLIN, 0 },
        { NULL, stop_fd, ZMQ_POLLIN, 0 },
    };
    int64_t awake = hf_mono_ms(); /* when the loop last looked at the clock */
    for (;;) {
        int64_t now = hf_mono_ms();
        long timeout = g_hash_table_size(b->requests) || b->draining ? TICK_MS
                                                                      : b->o.heartbeat_ms / 2;
        if (b->next_beat - now < timeout)
            timeout = b->next_beat > now ? (long)(b->next_beat - now) : 0;
        /* stop_fd is never read, so it stays readable once signalled: watch
         * it only until the drain starts, or every poll returns at once and
         * the drain spins a core that the workers finishing our requests
         * need (their heartbeats then come late and they are taken for dead) */
        int nitems = stop_fd >= 0 && !b->draining ? 4 : 3;
        if (zmq_poll(items, nitems, timeout) < 0 && errno != EINTR)
            break;
        /* bounded bursts so no socket starves the others or the timers */
        static int (*const on[3])(broker_t *) = { on_rpc, on_xsub, on_xpub };
        for (int i = 0; i < 3; i++)
            if (items[i].revents & ZMQ_POLLIN)
                for (int k = 0; k < 256 && on[i](b); k++)
                    ;
        if (!b->draining && ((nitems == 4 && (items[3].revents & ZMQ_POLLIN)) ||
                             atomic_load(&b->stop)))
            start_drain(b);
        now = hf_mono_ms();
        if (now - awake - timeout > b->o.heartbeat_ms)
            excuse_workers(b, now, now - awake - timeout);
        awake = now;
        if (now >= b->next_tick) { /* timers at TICK_MS resolution, not per message */
            check_deadlines(b, now);
            check_workers(b, now);
            b->next_tick = now + TICK_MS;
        }
        if (b->draining && drain_done(b, now))
            break;
    }
    fail_in_flight(b); /* when the poll itself failed */
    hf_info("broker %s stopped", b->o.instance);
    return 0;
}

void broker_destroy(broker_t **bp)
{
    if (!bp || !*bp)
        return;
    broker_t *b = *bp;
    if (b->requests) {
        GList *all = g_hash_table_get_values(b->requests);
        for (GList *l = all; l; l = l->next)
            request_free(b, l->data);
        g_list_free(all);
        g_hash_table_destroy(b->requests);
    }
    if (b->workers)
        g_hash_table_destroy(b->workers);
    if (b->services)
        g_hash_table_destroy(b->services);
    if (b->rpc) {
        int linger = 1000; /* the last replies of the drain still go out */
        zmq_setsockopt(b->rpc, ZMQ_LINGER, &linger, sizeof(linger));
        zmq_close(b->rpc);
    }
    if (b->xsub)
        zmq_close(b->xsub);
    if (b->xpub)
        zmq_close(b->xpub);
    broker_zap_destroy(&b->zap); /* last: an open CURVE socket needs it */
    hf_arena_destroy(&b->arena);
    g_free(b);
    *bp = NULL;
}
