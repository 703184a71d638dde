/* services/gateway/stream.c - Server-Sent Events: a bus route's pages, pushed as they commit
 *
 * A stream route (gw_route_t.stream; GET /v1/events/stream) answers with
 * text/event-stream: each event of the pages its method hands out (notify's
 * ListEvents) as `id: <cursor>`, `event: <type>`, `data: <the CloudEvent>`,
 * then the next page after the last cursor, as long as the client stays.
 * Last-Event-ID (or ?after=) resumes after the event a client saw last.
 *
 * Nothing is pinned per client. The first page is read on a handler thread
 * like any bus route (so a malformed cursor is a 400 and a refused caller a
 * 403 before any stream starts); then the answer is a libmicrohttpd callback
 * response. Its read function (stream_read, on the connection's I/O thread)
 * hands out the bytes the stream holds and, when none are left, suspends
 * the connection. One pump thread per gateway reads the next page for every
 * suspended stream that is due, appends it and resumes the connection. A
 * stream is due when the broker's event plane carried an event of its
 * tenant (the pump subscribes to every event once the first stream opens),
 * when its last page said more may follow at once, and at the latest every
 * HF_GATEWAY_STREAM_POLL_MS (the bus is a wake-up, not a record: the log is
 * read, never the event plane's copy). A quiet stream gets a `: keep-alive`
 * comment every HF_GATEWAY_STREAM_HEARTBEAT_MS, which is also how a client
 * that went away is noticed (a suspended connection does not see its peer
 * close; the write does): its request ends and its cleanup takes the stream
 * off the pump's list. The stream's API key is asked about again every
 * HF_GATEWAY_AUTH_CACHE_S, and at once when identity's api_key.revoked
 * event names it: a revoked key's streams end. Open streams are
 * bounded per API key and per tenant (429 beyond).
 *
 * A stream is shared by three owners, under the one pump lock: the pump's
 * list (until the request's cleanup runs), the response (until
 * libmicrohttpd frees it) and the pump while it reads a page for it outside
 * the lock; the last to let go frees it.
 */
#include "gateway.h"

#include "hf/log.h"
#include "hf/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_LINE ": hrflow event stream\n\n"
#define KEEP_ALIVE ": keep-alive\n\n"
#define TICK_MS 100 /* the pump's longest wait on the event plane */

typedef struct stream stream_t;
struct stream {
    stream_t *next;             /* in the pump's list */
    gw_request_t *req;          /* NULL once the request ended */
    const gw_route_t *route;
    ProtobufCMessage *msg;      /* the method's request; its `after` moves on (pump only) */
    Hrflow__V1__Caller *caller; /* a copy of the request's */
    char traceparent[HF_TRACEPARENT_LEN + 1];
    char request_id[HF_BUS_ID_MAX];
    char key_id[64], token_sha256[65]; /* the API key, asked about again (pump only) */
    int64_t checked_ms;         /* when the key last authenticated */
    /* under pump.lock */
    char *buf;                  /* bytes not yet handed out: buf[off..len) */
    size_t len, off, cap;
    int suspended;              /* the connection waits for bytes */
    int ending;                 /* hand out what is left, then end */
    int busy;                   /* the pump reads a page for it */
    int refs;
    int64_t due_ms;             /* read the next page at or after this (monotonic) */
    int64_t wrote_ms;           /* the last bytes appended, for the heartbeat */
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake, gone;
    stream_t *head;
    long open;
    int started, stopping;
    pthread_t thread;
    gateway_t *gw;
    hf_gauge_t *open_gauge;
    hf_counter_t *events, *refused;
} pump = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER,
           .gone = PTHREAD_COND_INITIALIZER };

/* ---- a stream's life (pump.lock held) ---- */

static void unref(stream_t *s)
{
    if (--s->refs > 0)
        return;
    protobuf_c_message_free_unpacked(s->msg, NULL);
    hrflow__v1__caller__free_unpacked(s->caller, NULL);
    free(s->buf);
    free(s);
}

static int append(stream_t *s, const char *text, size_t n)
{
    if (s->off == s->len)
        s->off = s->len = 0;
    if (s->len + n > s->cap) {
        size_t cap = (s->len + n) * 2;
        char *grown = realloc(s->buf, cap);
        if (!grown)
            return -1;
        s->buf = grown;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, text, n);
    s->len += n;
    return 0;
}

/* Hand the connection the bytes appended (if it waits for them). */
static void wake(stream_t *s)
{
    if (s->suspended && s->req) {
        s->suspended = 0;
        gw_request_resume(s->req);
    }
}

/* libmicrohttpd's content reader: the connection's I/O thread. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream_t *s = cls;
    ssize_t n = 0;
    pthread_mutex_lock(&pump.lock);
    if (s->off < s->len) {
        size_t k = s->len - s->off < max ? s->len - s->off : max;
        memcpy(buf, s->buf + s->off, k);
        s->off += k;
        n = (ssize_t)k;
    } else if (s->ending || !s->req) {
        n = GW_STREAM_END;
    } else { /* nothing to say: the pump resumes it with the next page or a heartbeat */
        s->suspended = 1;
        gw_request_suspend(s->req);
        pthread_cond_signal(&pump.wake);
    }
    pthread_mutex_unlock(&pump.lock);
    return n;
}

/* The response is freed. */
static void stream_free(void *cls)
{
    pthread_mutex_lock(&pump.lock);
    unref(cls);
    pthread_mutex_unlock(&pump.lock);
}

/* The request ended (the client went away, or the stream ended): off the list. */
static void stream_end(gateway_t *gw, gw_request_t *req, void *arg)
{
    (void)gw, (void)req;
    stream_t *s = arg;
    pthread_mutex_lock(&pump.lock);
    for (stream_t **p = &pump.head; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    s->req = NULL;
    pump.open--;
    hf_gauge_set(pump.open_gauge, (double)pump.open);
    pthread_cond_broadcast(&pump.gone);
    unref(s);
    pthread_mutex_unlock(&pump.lock);
}

/* ---- pages as events ---- */

/* The events of a reply's body as Server-Sent Events into *out (malloc'd,
 * *n bytes; NULL and 0 when there are none). Returns the number of events,
 * or -1 when the body is not the document the route promises. */
static int page_text(const ProtobufCMessage *reply, char **out, size_t *n)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(reply->descriptor, "body");
    const ProtobufCBinaryData *body = (const void *)((const char *)reply + f->offset);
    json_t *doc = json_loadb((const char *)body->data, body->len, 0, NULL);
    json_t *events = json_object_get(doc, "events");
    *out = NULL;
    *n = 0;
    if (!json_is_array(events)) {
        json_decref(doc);
        return -1;
    }
    FILE *f_out = open_memstream(out, n);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        char *data = json_dumps(ev, GW_JSON_FLAGS); /* one line: newlines in strings are \n */
        const char *id = json_string_value(json_object_get(ev, "cursor"));
        const char *type = json_string_value(json_object_get(ev, "type"));
        if (f_out && data && id && type)
            fprintf(f_out, "id: %s\nevent: %s\ndata: %s\n\n", id, type, data);
        free(data);
    }
    int count = (int)json_array_size(events);
    json_decref(doc);
    if (!f_out || fclose(f_out) != 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return -1;
    }
    return count;
}

/* The reply's text field `name` (borrowed), or "". */
static const char *reply_text(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
    const char *v = f ? *(char *const *)((const char *)m + f->offset) : NULL;
    return v ? v : "";
}

static int reply_more(const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "more");
    return f && *(const protobuf_c_boolean *)((const char *)m + f->offset);
}

/* Move the request's cursor to next (when it moved). Returns 0, or -1. */
static int move_after(ProtobufCMessage *msg, const char *next)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, "after");
    char **after = (char **)((char *)msg + f->offset);
    if (!*next || (*after && strcmp(*after, next) == 0))
        return 0;
    char *copy = strdup(next);
    if (!copy)
        return -1;
    if (*after && *after != protobuf_c_empty_string)
        free(*after); /* protobuf-c's default allocator is malloc's */
    *after = copy;
    return 0;
}

/* ---- the pump ---- */

/* Read the next page for s (busy, so only the pump touches s->msg) and
 * append it. Returns 1 when the stream must end. */
static int step(gateway_t *gw, stream_t *s, char **text, size_t *n, int *more)
{
    ProtobufCMessage *reply = NULL;
    hf_status_t st = { 0 };
    *text = NULL, *n = 0, *more = 0;
    int rc = gw_proxy_call(gw, s->route, s->msg, s->caller, s->traceparent, s->request_id, &reply,
                           &st);
    if (rc != 0) {
        /* the caller's own fault (a cursor whose key is gone, a revoked scope) ends it;
         * anything else (notify restarting) is tried again at the next poll */
        int fatal = rc == HRFLOW__V1__ERROR_CODE__INVALID_ARGUMENT ||
                    rc == HRFLOW__V1__ERROR_CODE__PERMISSION_DENIED ||
                    rc == HRFLOW__V1__ERROR_CODE__UNAUTHENTICATED;
        hf_warn("event stream %s: could not read the next page (%d: %s)", s->request_id, rc,
                st.message ? st.message : "");
        hf_status_clear(&st);
        return fatal;
    }
    int events = page_text(reply, text, n);
    *more = reply_more(reply);
    int bad = events < 0 || move_after(s->msg, reply_text(reply, "next")) < 0;
    if (events > 0)
        hf_counter_add(pump.events, (uint64_t)events);
    protobuf_c_message_free_unpacked(reply, NULL);
    return bad;
}

/* A suspended stream whose page or heartbeat is due, or NULL; *wait_ms
 * says how long until the next one is (pump.lock held). */
static stream_t *pick(int64_t now, int64_t *wait_ms)
{
    const gw_config_t *c = &pump.gw->cfg;
    *wait_ms = TICK_MS * 10;
    for (stream_t *s = pump.head; s; s = s->next) {
        if (!s->suspended || s->busy || s->ending)
            continue;
        int64_t due = s->due_ms < s->wrote_ms + c->stream_heartbeat_ms
                          ? s->due_ms
                          : s->wrote_ms + c->stream_heartbeat_ms;
        if (due <= now)
            return s;
        if (due - now < *wait_ms)
            *wait_ms = due - now;
    }
    return NULL;
}

/* Every stream of tenant is due now: the event plane carried one of its events. */
static void tenant_due(const char *tenant)
{
    for (stream_t *s = pump.head; s; s = s->next)
        if (!strcmp(s->caller->tenant_id, tenant))
            s->due_ms = 0;
}

/* identity revoked key_id: its streams ask about it again now (identity,
 * not the event, decides: the event plane is a wake-up). */
static void key_due(const char *key_id)
{
    for (stream_t *s = pump.head; s; s = s->next)
        if (!strcmp(s->key_id, key_id)) {
            s->checked_ms = INT64_MIN / 2;
            s->due_ms = 0;
        }
}

static void serve(stream_t *s)
{
    gateway_t *gw = pump.gw;
    s->busy = 1;
    s->refs++;
    pthread_mutex_unlock(&pump.lock);
    char *text = NULL;
    size_t n = 0;
    int more = 0, end = 0;
    int64_t now = hf_mono_ms();
    if (now - s->checked_ms >= gw->cfg.auth_cache_s * 1000) {
        /* a key revoked while its stream is open loses it when the revocation
         * event arrives (key_due), or within the time a cached key may live
         * anyway (HF_GATEWAY_AUTH_CACHE_S) when that event is lost */
        end = gw_auth_recheck(gw, s->key_id, s->token_sha256) == 0;
        s->checked_ms = now;
    }
    if (!end)
        end = step(gw, s, &text, &n, &more);
    pthread_mutex_lock(&pump.lock);
    now = hf_mono_ms();
    if (n && append(s, text, n) < 0)
        end = 1;
    if (!n && now - s->wrote_ms >= gw->cfg.stream_heartbeat_ms &&
        append(s, KEEP_ALIVE, sizeof(KEEP_ALIVE) - 1) == 0)
        n = 1;
    if (n)
        s->wrote_ms = now;
    s->due_ms = more ? now : now + gw->cfg.stream_poll_ms;
    if (end)
        s->ending = 1;
    if (n || end)
        wake(s);
    free(text);
    s->busy = 0;
    unref(s);
}

/* The event plane, subscribed to once the first stream opens (a gateway
 * without streams never receives the events), or NULL without one. */
static hf_bus_subscriber_t *subscribe(const gw_config_t *c)
{
    hf_bus_subscriber_t *sub = hf_bus_subscriber_new(c->events_sub);
    if (sub && hf_bus_subscribe(sub, "") < 0)
        hf_bus_subscriber_destroy(&sub);
    if (!sub)
        hf_warn("event streams: cannot subscribe to %s; reading the log every %ld ms",
                c->events_sub, c->stream_poll_ms);
    return sub;
}

/* Wait up to wait_ms on the event plane and mark the tenants it names
 * (pump.lock held, released while waiting). At most DRAIN_MAX events a
 * round, so a flood of events never holds back the streams' pages. */
#define DRAIN_MAX 1000
static void listen_plane(hf_bus_subscriber_t *sub, int64_t wait_ms)
{
    Hrflow__V1__Event *ev = NULL;
    pthread_mutex_unlock(&pump.lock);
    int got = hf_bus_subscriber_recv(sub, (int)(wait_ms < TICK_MS ? wait_ms : TICK_MS), &ev);
    pthread_mutex_lock(&pump.lock);
    for (int n = 0; got == 1; n++) {
        const char *revoked = gw_revoked_key_id(ev);
        if (revoked)
            key_due(revoked);
        tenant_due(ev->tenant_id);
        hrflow__v1__event__free_unpacked(ev, NULL);
        ev = NULL;
        if (n == DRAIN_MAX)
            break;
        pthread_mutex_unlock(&pump.lock);
        got = hf_bus_subscriber_recv(sub, 0, &ev);
        pthread_mutex_lock(&pump.lock);
    }
}

static void *pump_main(void *arg)
{
    (void)arg;
    const gw_config_t *c = &pump.gw->cfg;
    hf_bus_subscriber_t *sub = NULL;
    int subscribed = !*c->events_sub; /* nothing to subscribe to: only polls */
    pthread_mutex_lock(&pump.lock);
    while (!pump.stopping) {
        if (!subscribed && pump.head) {
            pthread_mutex_unlock(&pump.lock);
            sub = subscribe(c);
            subscribed = 1;
            pthread_mutex_lock(&pump.lock);
        }
        int64_t wait_ms;
        stream_t *s = pick(hf_mono_ms(), &wait_ms);
        if (s) {
            serve(s);
        } else if (sub) {
            listen_plane(sub, wait_ms);
        } else { /* a stream that runs dry signals pump.wake */
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += wait_ms / 1000;
            until.tv_nsec += (wait_ms % 1000) * 1000000;
            if (until.tv_nsec >= 1000000000)
                until.tv_sec++, until.tv_nsec -= 1000000000;
            pthread_cond_timedwait(&pump.wake, &pump.lock, &until);
        }
    }
    pthread_mutex_unlock(&pump.lock);
    hf_bus_subscriber_destroy(&sub);
    return NULL;
}

int gw_streams_start(gateway_t *gw)
{
    pump.gw = gw;
    pump.open_gauge = hf_metrics_gauge("hf_gateway_streams", "open event streams", NULL);
    pump.events = hf_metrics_counter("hf_gateway_stream_events_total",
                                     "events written to event streams", NULL);
    pump.refused = hf_metrics_counter("hf_gateway_streams_refused_total",
                                      "event streams refused for the per-key or per-tenant "
                                      "bound",
                                      NULL);
    if (pthread_create(&pump.thread, NULL, pump_main, NULL) != 0) {
        hf_error("cannot start the event stream pump");
        return -1;
    }
    pump.started = 1;
    return 0;
}

void gw_streams_stop(void)
{
    if (!pump.started)
        return;
    pthread_mutex_lock(&pump.lock);
    pump.stopping = 1;
    for (stream_t *s = pump.head; s; s = s->next) {
        s->ending = 1;
        wake(s);
    }
    pthread_cond_broadcast(&pump.wake);
    pthread_mutex_unlock(&pump.lock);
    pthread_join(pump.thread, NULL);
    pump.started = 0;
    /* the connections write what they hold and end; their cleanups unlist them */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 3;
    pthread_mutex_lock(&pump.lock);
    while (pump.head && pthread_cond_timedwait(&pump.gone, &pump.lock, &until) == 0)
        ;
    if (pump.head)
        hf_warn("event streams: %ld still open at stop", pump.open);
    pthread_mutex_unlock(&pump.lock);
}

/* ---- the content phase of a stream route ---- */

/* How many open streams the caller holds by its key, and its tenant's. */
static void count(const Hrflow__V1__Caller *c, long *by_key, long *by_tenant)
{
    *by_key = *by_tenant = 0;
    for (stream_t *s = pump.head; s; s = s->next)
        if (!strcmp(s->caller->tenant_id, c->tenant_id)) {
            (*by_tenant)++;
            *by_key += !strcmp(s->caller->actor, c->actor);
        }
}

/* 1 when the caller may open one more stream (pump.lock held); else answers 429. */
static int room(gw_request_t *req, const Hrflow__V1__Caller *c)
{
    long by_key, by_tenant;
    count(c, &by_key, &by_tenant);
    const gw_config_t *cfg = &pump.gw->cfg;
    if (pump.stopping) {
        gw_add_header(req, "Retry-After", "1");
        gw_respond_problem(req, 503, "overloaded", "Service overloaded",
                           "this gateway is shutting down");
        return 0;
    }
    if (by_key < cfg->streams_per_key && by_tenant < cfg->streams_per_tenant)
        return 1;
    char d[160];
    snprintf(d, sizeof(d), "%s already holds %ld open event streams (at most %ld)",
             by_key >= cfg->streams_per_key ? "this API key" : "this tenant",
             by_key >= cfg->streams_per_key ? by_key : by_tenant,
             by_key >= cfg->streams_per_key ? cfg->streams_per_key : cfg->streams_per_tenant);
    hf_counter_inc(pump.refused);
    gw_add_header(req, "Retry-After", "5");
    gw_respond_problem(req, 429, "too_many_streams", "Too many streams", d);
    return 0;
}

static Hrflow__V1__Caller *caller_copy(const Hrflow__V1__Caller *c)
{
    size_t n = protobuf_c_message_get_packed_size(&c->base);
    uint8_t *b = malloc(n ? n : 1);
    Hrflow__V1__Caller *copy = NULL;
    if (b) {
        protobuf_c_message_pack(&c->base, b);
        copy = hrflow__v1__caller__unpack(NULL, n, b);
    }
    free(b);
    return copy;
}

/* A new stream for req with its request message (taken) and first page. */
static stream_t *stream_new(gw_request_t *req, const gw_route_t *route, ProtobufCMessage *msg,
                            const Hrflow__V1__Caller *caller)
{
    stream_t *s = calloc(1, sizeof(*s));
    if (!s || !(s->caller = caller_copy(caller))) {
        free(s);
        protobuf_c_message_free_unpacked(msg, NULL);
        return NULL;
    }
    s->req = req;
    s->route = route;
    s->msg = msg;
    s->refs = 2; /* the pump's list and the response */
    snprintf(s->traceparent, sizeof(s->traceparent), "%s", gw_request_traceparent(req));
    snprintf(s->request_id, sizeof(s->request_id), "%s", gw_request_id(req));
    const gw_identity_t *id = gw_request_identity(req);
    snprintf(s->key_id, sizeof(s->key_id), "%s", id->key_id);
    snprintf(s->token_sha256, sizeof(s->token_sha256), "%s", id->token_sha256);
    s->checked_ms = hf_mono_ms();
    return s;
}

gw_rc_t gw_stream_phase(gateway_t *gw, gw_request_t *req)
{
    const gw_route_t *route = gw_request_route(req);
    if (!route->stream)
        return GW_DECLINED;
    if (!gw_request_may_wait(req)) /* the bus */
        return GW_AGAIN;
    const Hrflow__V1__Caller *caller = gw_request_identity(req)->caller;
    pthread_mutex_lock(&pump.lock);
    int ok = room(req, caller);
    pthread_mutex_unlock(&pump.lock);
    if (!ok)
        return GW_DONE;
    ProtobufCMessage *msg = gw_proxy_message(req, route);
    if (!msg)
        return GW_DONE;
    /* a client reconnecting says where it was: that wins over the URL's ?after= */
    const char *last = gw_request_header(req, "Last-Event-ID");
    if (last && *last && move_after(msg, last) < 0) {
        protobuf_c_message_free_unpacked(msg, NULL);
        return GW_DONE; /* out of memory: http.c answers 500 */
    }
    stream_t *s = stream_new(req, route, msg, caller);
    if (!s)
        return GW_DONE;
    /* the first page on this thread, so a bad cursor or caller is an error
     * answer rather than a stream that ends at once */
    ProtobufCMessage *reply = NULL;
    hf_status_t st = { 0 };
    int rc = gw_proxy_call(gw, route, s->msg, caller, s->traceparent, s->request_id, &reply, &st);
    char *text = NULL;
    size_t n = 0;
    int more = 0;
    if (rc == 0) {
        int bad = page_text(reply, &text, &n) < 0 ||
                  move_after(s->msg, reply_text(reply, "next")) < 0;
        more = reply_more(reply);
        protobuf_c_message_free_unpacked(reply, NULL);
        if (bad)
            rc = HRFLOW__V1__ERROR_CODE__INTERNAL;
    } else {
        st.code = rc;
        gw_respond_bus_error(req, &st, NULL);
        hf_status_clear(&st);
    }
    pthread_mutex_lock(&pump.lock);
    ok = rc == 0 && room(req, caller) && append(s, FIRST_LINE, sizeof(FIRST_LINE) - 1) == 0 &&
         (!n || append(s, text, n) == 0);
    free(text);
    if (!ok) {
        s->refs = 1;
        unref(s);
        pthread_mutex_unlock(&pump.lock);
        return GW_DONE;
    }
    s->wrote_ms = hf_mono_ms();
    s->due_ms = more ? 0 : s->wrote_ms + gw->cfg.stream_poll_ms;
    s->next = pump.head;
    pump.head = s;
    pump.open++;
    hf_gauge_set(pump.open_gauge, (double)pump.open);
    pthread_mutex_unlock(&pump.lock);
    gw_request_cleanup_add(req, stream_end, s);
    gw_add_header(req, "X-Accel-Buffering", "no"); /* a proxy in front must not hold it back */
    gw_respond_stream(req, route->media, stream_read, s, stream_free);
    return GW_DONE;
}
