/* common/src/bus_worker.c - RPC worker: a pool of handler threads behind the brokers
 *
 * One I/O thread owns a DEALER socket per broker: it announces READY with the
 * pool's capacity, exchanges heartbeats, and queues each REQUEST for the
 * handler threads. A handler thread decodes the envelope and the request into
 * its arena, runs the method found through the protobuf-c service descriptor,
 * and hands the packed reply back on a list the I/O thread drains; an eventfd
 * wakes the I/O thread only when that list was empty, so under load one
 * wake-up carries many replies. Handlers never touch the broker sockets, so a
 * long request cannot stop the heartbeats.
 *
 * Adaptive capacity: a broker hands a worker up to its capacity of requests
 * at once. Too little, and handler threads sit idle for the round trip to the
 * broker each time they finish (the cost of a hop, on a fast method, is many
 * times the method's own); too much, and a busy replica holds requests in its
 * queue that another could serve. With prefetch_max above prefetch the I/O
 * thread moves the capacity between threads x prefetch (the floor: what a
 * fixed capacity would be) and threads x prefetch_max, once per round of as
 * many replies as the capacity: down when requests arriving found more
 * than two per thread queued ahead of them (those already waiting when their
 * message came: a batch's requests do not count each other), towards one
 * per thread but not under the floor (below it a slow method's thread would
 * wait a hop for each next request: 6 % fewer reports in the scoring
 * benchmark); otherwise up (by a quarter, at least one per thread) when some
 * broker had us at capacity and a handler thread still found the queue
 * empty. Down comes first: threads that waited once as a burst began, with
 * a deep queue the rest of the round, are no sign of a hop too long for the
 * capacity. Brokers learn the new value from a CAPACITY command.
 *
 * Stopping drains: DISCONNECT goes to every broker; requests already sent to
 * us still arrive (ZeroMQ keeps order per connection) and are served; each
 * broker's DISCONNECT acknowledgement says nothing more will come from it.
 *
 * A broker silent for a liveness period gets a new socket (a new identity
 * to the broker), but it may only have seemed silent (our own thread was
 * starved, or the broker was): the old socket is not closed but retired, the
 * same way as in a drain. It says DISCONNECT, keeps its heartbeats, serves
 * what still arrives on it, and carries the replies to every request that
 * came on it, since the broker knows a request's seq only from the identity
 * it sent it to. It is closed when it owes no reply and the broker
 * acknowledged, or a liveness period after it retired.
 */
#include "hf/buf.h"
#include "hf/bus.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hf/process.h"
#include "hf_private.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* One DEALER socket to a broker: one identity there. Only the I/O thread
 * reads or changes a link; handler threads just carry the pointer along. */
typedef struct link {
    struct link *next;    /* the broker's retiring links */
    void *sock;
    int64_t last_heard;   /* monotonic ms */
    int64_t next_beat;
    int64_t retire_until; /* 0: the current link; else retiring, closed from then on
                           * once nothing is owed */
    int acked;            /* broker acknowledged our DISCONNECT */
    int owed;             /* requests taken on this link, not yet answered */
    int batch;            /* the broker sent a batch: it takes replies in batches */
    hf_buf_t out;         /* replies batched for it, sent at the end of the flush */
    struct link *next_out; /* the flush's links with a batch, while listed */
    int listed;
} link_t;

/* A request taken from a broker, and then its reply: a handler turns the
 * job into the reply in place, so answering never allocates and every job
 * taken goes back to the I/O thread, which counts it answered. */
typedef struct job {
    struct job *next;
    link_t *link;         /* the reply goes back on the link the request came on */
    uint64_t seq;
    zmq_msg_t env;        /* the request's envelope, then the reply's */
    int dropped;          /* no reply could be made (out of memory): the broker
                             answers the caller at its deadline */
} job_t;

typedef struct {
    char *endpoint;
    link_t *cur;          /* new requests come here */
    link_t *retiring;     /* replaced sockets that still owe replies or an ack */
} broker_t;

typedef struct {
    const hf_method_t *m;
    char *action;                /* "service.Method", for log lines */
    hf_counter_t *ok, *failed;
    hf_histogram_t *seconds;
} method_slot_t;

struct hf_worker {
    hf_worker_opts_t o;
    char instance[128];
    method_slot_t *slots;        /* indexed like descriptor->methods */
    char **eps;
    int nbrokers;
    broker_t *brokers;
    int wake_fd;                 /* eventfd: replies waiting, or stop requested */

    pthread_mutex_t rlock;       /* finished replies, oldest first */
    job_t *rhead, *rtail;         /* replies for the I/O thread */

    pthread_mutex_t qlock;
    pthread_cond_t qcond;
    job_t *qhead, *qtail;
    int qlen;                    /* jobs in the queue */
    int idle;                    /* times a handler thread found the queue empty */
    int closing;                 /* handler threads exit when the queue is empty */

    /* adaptive capacity (see the head of this file); I/O thread only */
    int cap, cap_min, cap_max;   /* per broker; cap_min == cap_max: fixed */
    int round_left;              /* replies until the next look at the pace */
    int hit_cap;                 /* a broker had us at capacity this round */
    long queued_sum, arrivals;   /* jobs queued before the message of each request came */
    hf_gauge_t *capacity_gauge;

    _Atomic int stop;
    int inflight;                /* I/O thread only: requests taken, not answered */
    hf_counter_t *malformed;
};

struct hf_call {
    hf_worker_t *w;
    const Hrflow__V1__Envelope *env;
    hf_arena_t *arena;
    void *thread_data;
    Hrflow__V1__Error *error;
    int64_t deadline_ms;
};

/* ---- creation ---- */

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
    if (err && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int bind_methods(hf_worker_t *w, char *err, size_t len)
{
    const ProtobufCServiceDescriptor *d = w->o.descriptor;
    w->slots = calloc(d->n_methods ? d->n_methods : 1, sizeof(*w->slots));
    if (!w->slots)
        return fail(err, len, "out of memory");
    for (size_t i = 0; i < w->o.n_methods; i++) {
        const hf_method_t *m = &w->o.methods[i];
        const ProtobufCMethodDescriptor *md =
            protobuf_c_service_descriptor_get_method_by_name(d, m->name);
        if (!md)
            return fail(err, len, "handler %s is not a method of %s", m->name, d->name);
        size_t idx = (size_t)(md - d->methods);
        if (w->slots[idx].m)
            return fail(err, len, "method %s.%s has two handlers", d->name, m->name);
        w->slots[idx].m = m;
    }
    for (size_t i = 0; i < d->n_methods; i++) {
        if (!w->slots[i].m)
            return fail(err, len, "method %s.%s has no handler", d->name, d->methods[i].name);
        char labels[256];
        snprintf(labels, sizeof(labels), "%s.%s", w->o.service, d->methods[i].name);
        if (!(w->slots[i].action = strdup(labels)))
            return fail(err, len, "out of memory");
        snprintf(labels, sizeof(labels), "service=\"%s\",method=\"%s\",outcome=\"ok\"",
                 w->o.service, d->methods[i].name);
        w->slots[i].ok = hf_metrics_counter("hf_worker_requests_total",
                                            "Requests handled by this worker", labels);
        snprintf(labels, sizeof(labels), "service=\"%s\",method=\"%s\",outcome=\"error\"",
                 w->o.service, d->methods[i].name);
        w->slots[i].failed = hf_metrics_counter("hf_worker_requests_total",
                                                "Requests handled by this worker", labels);
        snprintf(labels, sizeof(labels), "service=\"%s\",method=\"%s\"", w->o.service,
                 d->methods[i].name);
        w->slots[i].seconds = hf_metrics_histogram(
            "hf_worker_request_seconds", "Time spent in the handler", labels,
            hf_metrics_latency_bounds, hf_metrics_latency_nbounds);
    }
    return 0;
}

hf_worker_t *hf_worker_new(const hf_worker_opts_t *o, char *err, size_t errlen)
{
    if (!o->service || !o->descriptor || !o->endpoints) {
        fail(err, errlen, "worker options need service, descriptor and endpoints");
        return NULL;
    }
    hf_worker_t *w = calloc(1, sizeof(*w));
    if (!w) {
        fail(err, errlen, "out of memory");
        return NULL;
    }
    w->o = *o;
    if (w->o.threads <= 0)
        w->o.threads = 4;
    if (w->o.prefetch <= 0)
        w->o.prefetch = 1;
    w->cap = w->o.threads * w->o.prefetch;
    w->cap_min = w->cap_max = w->cap;
    if (w->o.prefetch_max > w->o.prefetch) {
        /* cap_min stays threads x prefetch */
        w->cap_max = w->o.threads * w->o.prefetch_max;
    }
    if (w->cap_max > HF_BUS_MAX_CAPACITY)
        w->cap_max = HF_BUS_MAX_CAPACITY;
    if (w->cap > w->cap_max)
        w->cap = w->cap_max;
    w->round_left = w->cap;
    if (w->o.heartbeat_ms <= 0)
        w->o.heartbeat_ms = HF_BUS_DEFAULT_HEARTBEAT_MS;
    if (w->o.liveness <= 0)
        w->o.liveness = HF_BUS_DEFAULT_LIVENESS;
    hf_instance_name(o->instance, w->instance, sizeof(w->instance));
    w->o.instance = w->instance;
    pthread_mutex_init(&w->qlock, NULL);
    pthread_cond_init(&w->qcond, NULL);
    pthread_mutex_init(&w->rlock, NULL);
    w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->wake_fd < 0) {
        fail(err, errlen, "cannot create an eventfd: %s", strerror(errno));
        hf_worker_destroy(&w);
        return NULL;
    }
    w->malformed = hf_metrics_counter("hf_worker_malformed_total",
                                      "Malformed frames received from brokers", NULL);
    w->capacity_gauge = hf_metrics_gauge("hf_worker_capacity",
                                         "Requests each broker may hand this worker at once",
                                         NULL);
    hf_gauge_set(w->capacity_gauge, w->cap);
    if (bind_methods(w, err, errlen) < 0) {
        hf_worker_destroy(&w);
        return NULL;
    }
    w->nbrokers = hf_endpoints_split(o->endpoints, &w->eps);
    if (w->nbrokers < 0) {
        fail(err, errlen, "bad broker endpoint list \"%s\"", o->endpoints);
        w->nbrokers = 0;
        hf_worker_destroy(&w);
        return NULL;
    }
    return w;
}

void hf_worker_destroy(hf_worker_t **wp)
{
    if (!wp || !*wp)
        return;
    hf_worker_t *w = *wp;
    hf_endpoints_free(w->eps, w->nbrokers);
    for (size_t i = 0; w->slots && i < w->o.descriptor->n_methods; i++)
        free(w->slots[i].action);
    free(w->slots);
    if (w->wake_fd > 0)
        close(w->wake_fd);
    pthread_mutex_destroy(&w->qlock);
    pthread_cond_destroy(&w->qcond);
    pthread_mutex_destroy(&w->rlock);
    free(w);
    *wp = NULL;
}

const char *hf_worker_instance(const hf_worker_t *w)
{
    return w->instance;
}

static void wake_io(hf_worker_t *w)
{
    uint64_t one = 1;
    if (write(w->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        hf_warn("cannot wake the worker's I/O thread: %s", strerror(errno));
}

void hf_worker_stop(hf_worker_t *w)
{
    atomic_store(&w->stop, 1);
    wake_io(w); /* at once rather than at the next heartbeat */
}

/* ---- call accessors ---- */

const Hrflow__V1__Envelope *hf_call_envelope(const hf_call_t *call) { return call->env; }
hf_arena_t *hf_call_arena(hf_call_t *call) { return call->arena; }
void *hf_call_thread_data(hf_call_t *call) { return call->thread_data; }
void *hf_call_user(hf_call_t *call) { return call->w->o.user; }
hf_worker_t *hf_call_worker(hf_call_t *call) { return call->w; }

const Hrflow__V1__Caller *hf_call_caller(const hf_call_t *call)
{
    static const Hrflow__V1__Caller anonymous = HRFLOW__V1__CALLER__INIT;
    return call->env->caller ? call->env->caller : &anonymous;
}

int64_t hf_call_remaining_ms(const hf_call_t *call)
{
    return call->deadline_ms - hf_now_ms();
}

static Hrflow__V1__Error *call_error(hf_call_t *call)
{
    if (!call->error) {
        call->error = hf_arena_alloc(call->arena, sizeof(*call->error));
        if (call->error)
            hrflow__v1__error__init(call->error);
    }
    return call->error;
}

int hf_call_error_code(const hf_call_t *call)
{
    return call->error ? (int)call->error->code : 0;
}

Hrflow__V1__Error *hf_call_take_error(hf_call_t *call)
{
    Hrflow__V1__Error *e = call->error;
    call->error = NULL;
    return e;
}

int hf_call_fail(hf_call_t *call, int code, const char *fmt, ...)
{
    Hrflow__V1__Error *e = call_error(call);
    if (e) {
        e->code = code;
        va_list ap;
        va_start(ap, fmt);
        char msg[512];
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        e->message = hf_arena_strdup(call->arena, msg);
    }
    return -1;
}

void hf_call_detail(hf_call_t *call, const char *field, const char *code, const char *message)
{
    Hrflow__V1__Error *e = call_error(call);
    if (!e)
        return;
    Hrflow__V1__ErrorDetail **grown =
        hf_arena_alloc(call->arena, sizeof(*grown) * (e->n_details + 1));
    Hrflow__V1__ErrorDetail *d = hf_arena_alloc(call->arena, sizeof(*d));
    if (!grown || !d)
        return;
    hrflow__v1__error_detail__init(d);
    d->field = hf_arena_strdup(call->arena, field ? field : "");
    d->code = hf_arena_strdup(call->arena, code ? code : "");
    d->message = hf_arena_strdup(call->arena, message ? message : "");
    if (e->n_details)
        memcpy(grown, e->details, sizeof(*grown) * e->n_details);
    grown[e->n_details++] = d;
    e->details = grown;
}

int hf_call_check_text(hf_call_t *call, const char *field, const char *s, hf_text_rule_t rule)
{
    hf_text_problem_t p;
    s = s ? s : "";
    if (hf_text_check(s, strlen(s), rule, &p) == 0)
        return 0;
    hf_call_detail(call, field, p.code, p.message);
    return 1;
}

size_t hf_call_check_texts(hf_call_t *call, const char *field, char *const *v, size_t n,
                           hf_text_rule_t rule)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        char path[160];
        snprintf(path, sizeof(path), "%s[%zu]", field, i);
        bad += (size_t)hf_call_check_text(call, path, v[i], rule);
    }
    return bad;
}

/* ---- handler threads ---- */

static job_t *queue_pop(hf_worker_t *w)
{
    pthread_mutex_lock(&w->qlock);
    if (!w->qhead && !w->closing)
        w->idle++;
    while (!w->qhead && !w->closing)
        pthread_cond_wait(&w->qcond, &w->qlock);
    job_t *j = w->qhead;
    if (j) {
        w->qhead = j->next;
        if (!w->qhead)
            w->qtail = NULL;
        w->qlen--;
    }
    pthread_mutex_unlock(&w->qlock);
    return j;
}

/* Queue j for the handler threads; returns how many jobs were ahead of it. */
static int queue_push(hf_worker_t *w, job_t *j)
{
    j->next = NULL;
    pthread_mutex_lock(&w->qlock);
    if (w->qtail)
        w->qtail->next = j;
    else
        w->qhead = j;
    w->qtail = j;
    int ahead = w->qlen++;
    pthread_cond_signal(&w->qcond);
    pthread_mutex_unlock(&w->qlock);
    return ahead;
}

/* Run the method of env. Returns the reply message (in the arena) or NULL
 * with call->error set. */
static ProtobufCMessage *dispatch(hf_call_t *call, ProtobufCAllocator *alloc,
                                  method_slot_t **slot_out)
{
    const Hrflow__V1__Envelope *env = call->env;
    hf_worker_t *w = call->w;
    const ProtobufCServiceDescriptor *d = w->o.descriptor;
    const ProtobufCMethodDescriptor *md =
        env->method ? protobuf_c_service_descriptor_get_method_by_name(d, env->method) : NULL;
    if (!md) {
        hf_call_fail(call, HRFLOW__V1__ERROR_CODE__UNIMPLEMENTED, "%s has no method \"%s\"",
                     w->o.service, env->method ? env->method : "");
        return NULL;
    }
    method_slot_t *slot = &w->slots[md - d->methods];
    *slot_out = slot;
    hf_log_context_set(env->traceparent, env->request_id, slot->action);
    if (call->deadline_ms && hf_call_remaining_ms(call) <= 0) {
        hf_call_fail(call, HRFLOW__V1__ERROR_CODE__DEADLINE_EXCEEDED,
                     "deadline passed before %s.%s started", w->o.service, md->name);
        return NULL;
    }
    ProtobufCMessage *req =
        protobuf_c_message_unpack(md->input, alloc, env->payload.len, env->payload.data);
    if (!req) {
        hf_call_fail(call, HRFLOW__V1__ERROR_CODE__MALFORMED, "could not decode %s",
                     md->input->name);
        return NULL;
    }
    ProtobufCMessage *reply = NULL;
    if (slot->m->fn(call, req, &reply) != 0) {
        if (!call->error || call->error->code == HRFLOW__V1__ERROR_CODE__OK)
            hf_call_fail(call, HRFLOW__V1__ERROR_CODE__INTERNAL, "%s.%s failed", w->o.service,
                         md->name);
        return NULL;
    }
    if (!reply) {
        reply = hf_arena_alloc(call->arena, md->output->sizeof_message);
        if (!reply) {
            hf_call_fail(call, HRFLOW__V1__ERROR_CODE__INTERNAL, "out of memory");
            return NULL;
        }
        md->output->message_init(reply);
    }
    return reply;
}

/* Handle one job and queue its reply for the I/O thread. */
static void handle(hf_worker_t *w, job_t *j, hf_arena_t *arena, void *thread_data)
{
    ProtobufCAllocator alloc = hf_arena_allocator(arena);
    int64_t t0 = hf_mono_ms();
    Hrflow__V1__Envelope *env =
        hrflow__v1__envelope__unpack(&alloc, zmq_msg_size(&j->env), zmq_msg_data(&j->env));
    Hrflow__V1__Envelope empty = HRFLOW__V1__ENVELOPE__INIT;
    hf_call_t call = { .w = w, .env = env ? env : &empty, .arena = arena,
                       .thread_data = thread_data };
    method_slot_t *slot = NULL;
    ProtobufCMessage *reply = NULL;
    if (!env) {
        zmq_msg_close(&j->env);
        hf_call_fail(&call, HRFLOW__V1__ERROR_CODE__MALFORMED, "could not decode the envelope");
    } else {
        call.deadline_ms = env->deadline_ms;
        hf_log_context_set(env->traceparent, env->request_id, w->o.service);
        reply = dispatch(&call, &alloc, &slot);
        zmq_msg_close(&j->env); /* the request's bytes are no longer needed */
    }

    Hrflow__V1__Envelope out = HRFLOW__V1__ENVELOPE__INIT;
    out.service = call.env->service;
    out.method = call.env->method;
    out.request_id = call.env->request_id;
    out.traceparent = call.env->traceparent;
    if (reply) {
        size_t n = protobuf_c_message_get_packed_size(reply);
        out.payload.data = hf_arena_alloc(arena, n ? n : 1);
        out.payload.len = out.payload.data ? protobuf_c_message_pack(reply, out.payload.data) : 0;
    } else {
        out.error = call.error;
        if (call.error && call.error->code == HRFLOW__V1__ERROR_CODE__INTERNAL)
            hf_warn("request failed: %s", call.error->message ? call.error->message : "");
    }
    if (slot) {
        hf_counter_inc(reply ? slot->ok : slot->failed);
        hf_histogram_observe(slot->seconds, (double)(hf_mono_ms() - t0) / 1000.0);
    }
    if (hf_log_enabled(HF_LOG_DEBUG)) { /* one line per request, under its request id */
        int code = call.error ? (int)call.error->code : 13;
        hf_logkv(HF_LOG_DEBUG, "request handled",
                 HF_KV_STR("method", call.env->method ? call.env->method : ""),
                 HF_KV_STR("outcome", reply ? "ok" : hf_error_code_name(code)),
                 HF_KV_INT("duration_ms", hf_mono_ms() - t0));
    }

    size_t n = hrflow__v1__envelope__get_packed_size(&out);
    j->next = NULL;
    j->dropped = zmq_msg_init_size(&j->env, n) != 0;
    if (j->dropped) {
        zmq_msg_init(&j->env);
        hf_error("out of memory replying to %s", call.env->request_id);
    } else {
        hrflow__v1__envelope__pack(&out, zmq_msg_data(&j->env));
    }
    pthread_mutex_lock(&w->rlock);
    int was_empty = w->rhead == NULL;
    if (w->rtail)
        w->rtail->next = j;
    else
        w->rhead = j;
    w->rtail = j;
    pthread_mutex_unlock(&w->rlock);
    if (was_empty)
        wake_io(w);
    hf_log_context_clear();
}

static void *handler_thread(void *arg)
{
    hf_worker_t *w = arg;
    hf_arena_t *arena = hf_arena_new(0);
    void *td = w->o.thread_init ? w->o.thread_init(w->o.user) : NULL;
    job_t *j;
    while ((j = queue_pop(w)) != NULL) {
        handle(w, j, arena, td); /* j is now a reply of the I/O thread's */
        if (w->o.after_call)
            w->o.after_call(w->o.user, td);
        hf_arena_reset(arena);
    }
    if (w->o.thread_fini)
        w->o.thread_fini(w->o.user, td);
    hf_arena_destroy(&arena);
    return NULL;
}

/* ---- the I/O thread (the caller of hf_worker_run) ---- */

static int send_cmd(void *sock, int cmd, const void *body, size_t len)
{
    unsigned char c = (unsigned char)cmd;
    if (zmq_send(sock, HF_BUS_WORKER_PROTO, 4, ZMQ_SNDMORE | ZMQ_DONTWAIT) != 4)
        return -1;
    return zmq_send(sock, &c, 1, body ? ZMQ_SNDMORE : 0) == 1 &&
                   (!body || zmq_send(sock, body, len, 0) >= 0)
               ? 0
               : -1;
}

static void send_ready(hf_worker_t *w, void *sock)
{
    const ProtobufCServiceDescriptor *d = w->o.descriptor;
    Hrflow__V1__WorkerReady r = HRFLOW__V1__WORKER_READY__INIT;
    char *methods[d->n_methods ? d->n_methods : 1], *idem[d->n_methods ? d->n_methods : 1];
    r.service = (char *)w->o.service;
    r.capacity = (uint32_t)w->cap;
    r.batch = 1;
    r.instance = w->instance;
    for (size_t i = 0; i < d->n_methods; i++) {
        methods[r.n_methods++] = (char *)d->methods[i].name;
        if (w->slots[i].m->flags & HF_IDEMPOTENT)
            idem[r.n_idempotent_methods++] = (char *)d->methods[i].name;
    }
    r.methods = methods;
    r.idempotent_methods = idem;
    size_t n = hrflow__v1__worker_ready__get_packed_size(&r);
    uint8_t buf[n ? n : 1];
    hrflow__v1__worker_ready__pack(&r, buf);
    send_cmd(sock, HF_BUS_READY, buf, n);
}

static void link_close(link_t *l, int linger)
{
    zmq_setsockopt(l->sock, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_close(l->sock);
    free(l->out.p);
    free(l);
}

/* Open a new socket to broker b and send READY on it. The socket it
 * replaces, if any, retires (see the head of this file). */
static int broker_open(hf_worker_t *w, broker_t *b)
{
    link_t *l = calloc(1, sizeof(*l));
    if (!l)
        return -1;
    /* requests must not wait in a queue towards a dead broker: no IMMEDIATE
     * here (READY has to be queued until the connection is made), but the
     * socket is replaced when the broker falls silent */
    l->sock = hf_bus_socket(ZMQ_DEALER, HF_BUS_CLIENT);
    if (!l->sock) {
        free(l);
        return -1;
    }
    if (hf_bus_connect(l->sock, b->endpoint) != 0) {
        link_close(l, 0);
        return -1;
    }
    int64_t now = hf_mono_ms();
    l->last_heard = now;
    l->next_beat = now + w->o.heartbeat_ms;
    link_t *old = b->cur;
    if (old) { /* "send nothing new" to the old identity; it stays to answer */
        send_cmd(old->sock, HF_BUS_DISCONNECT, NULL, 0);
        old->retire_until = now + (int64_t)w->o.heartbeat_ms * w->o.liveness;
        old->next = b->retiring;
        b->retiring = old;
    }
    b->cur = l;
    send_ready(w, l->sock);
    return 0;
}

/* Queue request seq (its envelope taken from env) for the handler threads.
 * *ahead is the queue's length when the message it came in arrived (< 0:
 * this is its first request): the requests of one batch are not counted
 * as queued ahead of each other. */
static void take(hf_worker_t *w, link_t *l, uint64_t seq, zmq_msg_t *env, int *ahead)
{
    job_t *j = malloc(sizeof(*j));
    if (!j) { /* the broker answers the caller at its deadline */
        hf_error("out of memory: request dropped");
        return;
    }
    j->link = l;
    j->seq = seq;
    j->dropped = 0;
    zmq_msg_init(&j->env);
    zmq_msg_move(&j->env, env);
    l->owed++;
    w->inflight++;
    int queued = queue_push(w, j);
    if (*ahead < 0)
        *ahead = queued;
    w->queued_sum += *ahead;
    w->arrivals++;
    if (l->owed >= w->cap)
        w->hit_cap = 1;
}

/* Read one message from link l of broker b. Returns 0 when there was none. */
static int on_broker(hf_worker_t *w, link_t *l, int draining)
{
    zmq_msg_t f[4];
    int n = hf_frames_recv(l->sock, f, 4, ZMQ_DONTWAIT);
    if (n == -1)
        return 0;
    l->last_heard = hf_mono_ms();
    if (n < 2 || zmq_msg_size(&f[0]) != 4 ||
        memcmp(zmq_msg_data(&f[0]), HF_BUS_WORKER_PROTO, 4) != 0 || zmq_msg_size(&f[1]) != 1) {
        hf_counter_inc(w->malformed);
        if (n > 0)
            hf_frames_close(f, n);
        return 1;
    }
    int cmd = *(unsigned char *)zmq_msg_data(&f[1]);
    if (cmd == HF_BUS_REQUEST && n == 4 && zmq_msg_size(&f[2]) == 8) {
        int ahead = -1;
        take(w, l, hf_get_u64(zmq_msg_data(&f[2])), &f[3], &ahead);
    } else if (cmd == HF_BUS_BATCH && n == 3) {
        const unsigned char *p = zmq_msg_data(&f[2]), *env;
        size_t left = zmq_msg_size(&f[2]), len;
        uint64_t seq;
        int rc, ahead = -1;
        l->batch = 1;
        while ((rc = hf_batch_next(&p, &left, &seq, &env, &len)) == 1) {
            zmq_msg_t m;
            if (zmq_msg_init_size(&m, len) != 0) {
                hf_error("out of memory: request dropped");
                continue;
            }
            memcpy(zmq_msg_data(&m), env, len);
            take(w, l, seq, &m, &ahead);
            zmq_msg_close(&m);
        }
        if (rc < 0) /* what came before is served; the rest meet their deadline */
            hf_counter_inc(w->malformed);
    } else if (cmd == HF_BUS_DISCONNECT && n == 2) {
        if (draining || l->retire_until)
            l->acked = 1;
        else
            send_ready(w, l->sock); /* the broker does not know us (it restarted) */
    } else if (cmd != HF_BUS_HEARTBEAT || n != 2) {
        hf_counter_inc(w->malformed);
    }
    hf_frames_close(f, n);
    return 1;
}

static void send_capacity(hf_worker_t *w, void *sock)
{
    unsigned char be[4];
    hf_put_u32(be, (uint32_t)w->cap);
    send_cmd(sock, HF_BUS_CAPACITY, be, sizeof(be));
}

/* A round of replies is over: move the capacity as the head of this file
 * says, and tell every broker when it changed. */
static void adapt(hf_worker_t *w)
{
    pthread_mutex_lock(&w->qlock);
    int idle = w->idle;
    w->idle = 0;
    pthread_mutex_unlock(&w->qlock);
    int threads = w->o.threads, cap = w->cap;
    long ahead2 = w->arrivals ? 2 * w->queued_sum / w->arrivals : 0; /* twice the mean */
    if (ahead2 > 4L * threads) /* first: a thread idle once, as a burst began, is no hop */
        cap -= (int)((ahead2 - 2L * threads + 3) / 4); /* half the excess over one per thread */
    else if (w->hit_cap && idle > 0)
        cap += cap / 4 > threads ? cap / 4 : threads;
    cap = cap < w->cap_min ? w->cap_min : cap > w->cap_max ? w->cap_max : cap;
    w->round_left = cap;
    w->hit_cap = 0;
    w->queued_sum = w->arrivals = 0;
    if (cap == w->cap)
        return;
    w->cap = cap;
    hf_gauge_set(w->capacity_gauge, cap);
    for (int i = 0; i < w->nbrokers; i++)
        if (w->brokers[i].cur)
            send_capacity(w, w->brokers[i].cur->sock);
}

/* Send every finished reply on the link its request came from. */
static void flush_replies(hf_worker_t *w)
{
    uint64_t count;
    if (read(w->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
        hf_warn("worker eventfd: %s", strerror(errno));
    pthread_mutex_lock(&w->rlock);
    job_t *r = w->rhead;
    w->rhead = w->rtail = NULL;
    pthread_mutex_unlock(&w->rlock);
    link_t *outs = NULL;
    while (r) {
        job_t *next = r->next;
        unsigned char hdr[9];
        hdr[0] = HF_BUS_REPLY;
        hf_put_u64(hdr + 1, r->seq);
        link_t *l = r->link;
        void *sock = l->sock;
        l->owed--;
        w->inflight--;
        if (!r->dropped && l->batch) {
            if (!l->listed) {
                l->listed = 1;
                l->next_out = outs;
                outs = l;
            }
            hf_batch_put(&l->out, r->seq, zmq_msg_data(&r->env), zmq_msg_size(&r->env));
            if (l->out.len >= HF_BUS_BATCH_BYTES) /* sent now; later ones start a new batch */
                hf_batch_send(sock, HF_BUS_WORKER_PROTO, HF_BUS_BATCH, &l->out);
        } else if (!r->dropped &&
                   zmq_send(sock, HF_BUS_WORKER_PROTO, 4, ZMQ_SNDMORE | ZMQ_DONTWAIT) == 4) {
            zmq_send(sock, hdr, 1, ZMQ_SNDMORE);
            zmq_send(sock, hdr + 1, 8, ZMQ_SNDMORE);
            if (zmq_msg_send(&r->env, sock, 0) >= 0)
                zmq_msg_init(&r->env); /* sent: nothing left to close */
        }
        zmq_msg_close(&r->env);
        free(r);
        r = next;
        w->round_left--;
    }
    for (link_t *l = outs; l; l = l->next_out) {
        l->listed = 0;
        if (l->out.len || l->out.failed) /* empty: sent early for its size, nothing since */
            hf_batch_send(l->sock, HF_BUS_WORKER_PROTO, HF_BUS_BATCH, &l->out);
    }
    if (w->round_left <= 0 && w->cap_min < w->cap_max)
        adapt(w);
}

static void start_drain(hf_worker_t *w, int64_t *drain_until)
{
    hf_info("draining: %d request(s) in hand", w->inflight);
    for (int i = 0; i < w->nbrokers; i++) /* retiring links have sent theirs */
        send_cmd(w->brokers[i].cur->sock, HF_BUS_DISCONNECT, NULL, 0);
    *drain_until = hf_mono_ms() + (int64_t)w->o.heartbeat_ms * w->o.liveness;
}

static int all_acked(hf_worker_t *w)
{
    for (int i = 0; i < w->nbrokers; i++)
        if (!w->brokers[i].cur->acked)
            return 0;
    return 1;
}

static void beat(hf_worker_t *w, link_t *l, int64_t now)
{
    if (l->next_beat <= now) {
        send_cmd(l->sock, HF_BUS_HEARTBEAT, NULL, 0);
        l->next_beat = now + w->o.heartbeat_ms;
    }
}

/* Heartbeats out on every link; a broker silent for a liveness period gets a
 * new socket; a retired socket closes once it owes nothing and the broker
 * acknowledged its DISCONNECT or its time is up. */
static void keep_alive(hf_worker_t *w, int draining)
{
    const int64_t silence = (int64_t)w->o.heartbeat_ms * w->o.liveness;
    int64_t now = hf_mono_ms();
    for (int i = 0; i < w->nbrokers; i++) {
        broker_t *b = &w->brokers[i];
        beat(w, b->cur, now);
        if (!draining && now - b->cur->last_heard > silence) {
            hf_warn("broker %s silent for %lld ms: reconnecting (%d request(s) in hand)",
                    b->endpoint, (long long)(now - b->cur->last_heard), b->cur->owed);
            if (broker_open(w, b) < 0) {
                hf_warn("cannot open a new socket to %s", b->endpoint);
                b->cur->last_heard = now; /* try again a liveness period later */
            }
        }
        for (link_t **p = &b->retiring; *p;) {
            link_t *l = *p;
            beat(w, l, now);
            if (l->owed == 0 && (l->acked || now >= l->retire_until)) {
                *p = l->next;
                link_close(l, w->o.heartbeat_ms); /* its DISCONNECT still leaves */
            } else {
                p = &l->next;
            }
        }
    }
}

/* The links to poll: each broker's current one, then its retiring ones. */
static int list_links(hf_worker_t *w, link_t **out, int max)
{
    int n = 0;
    for (int i = 0; i < w->nbrokers; i++) {
        if (n < max)
            out[n] = w->brokers[i].cur;
        n++;
        for (link_t *l = w->brokers[i].retiring; l; l = l->next, n++)
            if (n < max)
                out[n] = l;
    }
    return n;
}

static void io_loop(hf_worker_t *w)
{
    int draining = 0;
    int64_t drain_until = 0;
    for (;;) {
        int nlinks = list_links(w, NULL, 0);
        zmq_pollitem_t items[nlinks + 1];
        link_t *links[nlinks];
        list_links(w, links, nlinks);
        int64_t now = hf_mono_ms(), wake = now + w->o.heartbeat_ms;
        for (int i = 0; i < nlinks; i++) {
            items[i] = (zmq_pollitem_t){ links[i]->sock, 0, ZMQ_POLLIN, 0 };
            if (links[i]->next_beat < wake)
                wake = links[i]->next_beat;
        }
        items[nlinks] = (zmq_pollitem_t){ NULL, w->wake_fd, ZMQ_POLLIN, 0 };
        int rc = zmq_poll(items, nlinks + 1, wake > now ? (long)(wake - now) : 0);
        if (rc < 0 && errno != EINTR)
            break;
        for (int i = 0; rc > 0 && i < nlinks; i++)
            if (items[i].revents & ZMQ_POLLIN)
                for (int m = 0; m < 256 && on_broker(w, links[i], draining); m++)
                    ; /* a bounded burst per socket */
        if (rc > 0 && (items[nlinks].revents & ZMQ_POLLIN))
            flush_replies(w);
        if (!draining && atomic_load(&w->stop)) {
            draining = 1;
            start_drain(w, &drain_until);
        }
        keep_alive(w, draining);
        if (draining && w->inflight == 0 && (all_acked(w) || hf_mono_ms() >= drain_until))
            break;
    }
}

int hf_worker_run(hf_worker_t *w)
{
    w->brokers = calloc((size_t)w->nbrokers, sizeof(broker_t));
    pthread_t *threads = calloc((size_t)w->o.threads, sizeof(pthread_t));
    int started = 0, rc = 0;
    if (!w->brokers || !threads)
        rc = -1;
    for (int i = 0; rc == 0 && i < w->o.threads; i++, started++)
        if (pthread_create(&threads[i], NULL, handler_thread, w) != 0)
            rc = -1;
    for (int i = 0; rc == 0 && i < w->nbrokers; i++) {
        w->brokers[i].endpoint = w->eps[i];
        if (broker_open(w, &w->brokers[i]) < 0)
            rc = -1;
    }
    if (rc == 0) {
        hf_info("worker %s serving %s with %d thread(s) on %d broker(s)", w->instance,
                w->o.service, w->o.threads, w->nbrokers);
        io_loop(w);
    }
    pthread_mutex_lock(&w->qlock);
    w->closing = 1;
    pthread_cond_broadcast(&w->qcond);
    pthread_mutex_unlock(&w->qlock);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    flush_replies(w); /* nothing is in flight by now; frees what a failed start left */
    for (int i = 0; w->brokers && i < w->nbrokers; i++) {
        broker_t *b = &w->brokers[i];
        while (b->retiring) {
            link_t *l = b->retiring;
            b->retiring = l->next;
            link_close(l, 500);
        }
        if (b->cur) /* let the last replies and DISCONNECT leave */
            link_close(b->cur, 500);
    }
    free(w->brokers);
    w->brokers = NULL;
    free(threads);
    if (rc == 0)
        hf_info("worker %s stopped", w->instance);
    return rc;
}
