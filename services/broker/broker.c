/* services/broker/broker.c - least-loaded RPC dispatch with deadlines, and the event proxy
 *
 * State (all owned by the one broker thread; broker_private.h):
 *   services  name -> service_t: its workers and its FIFO of waiting requests
 *   workers   ROUTER identity -> worker_t: capacity, requests in flight, expiry
 *   requests  seq -> request_t: every request not yet finished, waiting or in
 *             flight; the raw envelope is kept so an idempotent request can be
 *             sent again when its worker dies
 * A request's client is answered exactly once (req->answered); a request
 * stays in the table while a worker still holds it, so the worker's capacity
 * is counted until its reply (or death) even after a deadline answer went out.
 *
 * This file has the sockets, the timers, the run loop and the drain; what
 * each message does is in dispatch.c. Frames are in docs/architecture.md.
 * Anything that does not parse is dropped and counted in
 * hf_broker_malformed_total{socket=...}; nothing a peer sends can make the
 * broker exit.
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
    if (broker_frame_is(&f[1], HF_BUS_CLIENT_PROTO, 4) && n == 3)
        broker_on_client(b, id, &f[2]);
    else if (broker_frame_is(&f[1], HF_BUS_WORKER_PROTO, 4))
        broker_on_worker(b, id, &f[1], n - 1);
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
            broker_request_fail(b, r, HRFLOW__V1__ERROR_CODE__DEADLINE_EXCEEDED, why);
        } else {
            snprintf(why, sizeof(why), "no %s worker is connected to broker %s", r->service,
                     b->o.instance);
            broker_request_fail(b, r, HRFLOW__V1__ERROR_CODE__UNAVAILABLE, why);
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
            broker_worker_cmd(b, ((worker_t *)v)->identity, HF_BUS_HEARTBEAT);
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
        broker_worker_died(b, l->data);
    g_list_free(dead);
}

/* ---- life cycle ---- */

static void metrics_init(broker_t *b)
{
    b->m.requests = hf_metrics_counter("hf_broker_requests_total", "Requests from clients", NULL);
    b->m.client_batches = hf_metrics_counter("hf_broker_client_batches_total",
                                             "Batches of requests from clients (broker.Batch)",
                                             NULL);
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
        broker_set_err(err, len, "cannot create a socket: %s", zmq_strerror(errno));
        return NULL;
    }
    int one = 1;
    if (type == ZMQ_ROUTER) /* fail fast on peers that have gone */
        zmq_setsockopt(s, ZMQ_ROUTER_MANDATORY, &one, sizeof(one));
    if (b->zap && broker_zap_watch(b->zap, s, name) != 0)
        hf_warn("cannot count the handshakes of the %s socket", name);
    if (zmq_bind(s, ep) != 0) {
        broker_set_err(err, len, "cannot bind %s: %s", ep, zmq_strerror(errno));
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

static void client_out_free(gpointer p)
{
    hf_buf_t *out = p;
    free(out->p);
    g_free(out);
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
    b->workers = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, NULL, broker_worker_free);
    b->requests = g_hash_table_new(u64_hash, u64_equal);
    b->flush = g_ptr_array_new();
    b->client_out = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                          (GDestroyNotify)g_bytes_unref, client_out_free);
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
        if (!r->worker) /* waiting: never handed to a worker */
            broker_request_fail(b, r, BROKER_NOT_TAKEN, NULL);
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
        broker_request_fail(b, r, HRFLOW__V1__ERROR_CODE__UNAVAILABLE, why);
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
        broker_flush(b); /* what this pass handed to workers and clients */
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
            broker_request_free(b, l->data);
        g_list_free(all);
        g_hash_table_destroy(b->requests);
    }
    if (b->workers)
        g_hash_table_destroy(b->workers);
    if (b->flush)
        g_ptr_array_free(b->flush, TRUE);
    if (b->client_out)
        g_hash_table_destroy(b->client_out);
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
