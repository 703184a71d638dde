/* services/gateway/http.c - libmicrohttpd glue: read, run the phases, answer, log
 *
 * libmicrohttpd 0.9.75 with epoll and an internal thread pool. A request is
 * answered on the handler's second call, never the first: answering on the
 * first call makes libmicrohttpd close the connection after the response,
 * which costs keep-alive (see MACHINE-NOTES in docs/architecture.md). The
 * body is accumulated up to HF_GATEWAY_MAX_BODY (HF_GATEWAY_MAX_UPLOAD on
 * upload routes); past that, or when its Content-Length says it will be, the
 * request is answered 413 (by the route phase) and the rest is discarded
 * as it is read. The request
 * then runs through the phase table (phases.c); this file knows the table,
 * not the features in it, and owns only its first phase, finding the route.
 * The path and query are the gateway's own decoding of the target as sent
 * (target.c), copied in libmicrohttpd's URI log callback, not libmicrohttpd's
 * decoded url, which a %00 cuts; a target with a control character is
 * answered 400 before any route is looked up.
 * Every request gets an access-log line and its route's counters when
 * libmicrohttpd reports it completed, then its cleanups run. Every response
 * leaves through respond(), which adds the request's extra headers (rate
 * limits, Retry-After) and shows it to the request's response watchers (the
 * Idempotency-Key record).
 *
 * Two kinds of threads. libmicrohttpd's few I/O threads (HF_GATEWAY_THREADS)
 * read requests and write responses and run the phases as far as they go
 * without waiting. A phase handler that must wait (a bus call, Redis,
 * /readyz) returns GW_AGAIN there, and the request is handed to a pool of
 * HF_GATEWAY_WORKERS handler threads: the connection is suspended, a worker
 * runs the phases on from that handler, which leaves the response on the
 * request, and resumes the connection; libmicrohttpd then calls on_request()
 * once more and the response is queued on the connection's own thread. So a
 * slow service holds a worker, never an I/O thread, and never the other
 * connections that thread serves.
 */
#include "gateway.h"

#include "hf/buf.h"
#include "hf/config.h"
#include "hf/log.h"
#include "hf/metrics.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct gw_request {
    struct MHD_Connection *conn; /* NULL until the handler's first call */
    const char *method, *path;
    const char *query;         /* decoded query parameters: name\0value\0… */
    int n_query;
    int bad_target;            /* the target holds a control character: target_error says where */
    gw_target_error_t target_error;
    char request_id[HF_BUS_ID_MAX];
    char traceparent[HF_TRACEPARENT_LEN + 1];
    hf_buf_t body;             /* grown by doubling: an upload of n bytes is O(n) */
    int too_large;
    long max_body;  /* this route's bound: HF_GATEWAY_MAX_UPLOAD for upload routes */
    const gw_route_t *route;
    gw_param_t params[GW_MAX_PARAMS];
    int n_params;
    struct {
        const char *name;
        char value[96];
    } headers[8];
    int n_headers;
    gw_identity_t identity;    /* who is calling: the access phase fills it */
    gw_phase_at_t at;          /* where the request is in gw_phases */
    int may_wait;              /* running on a handler thread */
    struct {
        gw_cleanup_fn fn;
        void *arg;
    } cleanups[GW_MAX_HOOKS];
    struct {
        gw_response_fn fn;
        void *arg;
    } watchers[GW_MAX_HOOKS];
    int n_cleanups, n_watchers;
    struct MHD_Response *resp; /* the answer, until queued on the connection */
    enum { REQ_NEW, REQ_IN_WORKER, REQ_ANSWERED } state;
    gw_request_t *next;        /* in the worker queue */
    struct timespec t0;
    unsigned status;
    char target[];             /* the target as sent, then its decoded parts (target.c) */
};

typedef struct {
    hf_bus_client_t *bus;
    hf_cache_t *cache;
} thread_res_t;

static struct MHD_Daemon *daemon_;
static gateway_t *gw_;
static pthread_key_t res_key;
/* Per route (the last entry is "other": no route matched): its latency
 * histogram, made at start, and its request counter per status code, made
 * on a code's first use and kept, so a finished request costs no registry
 * lookup. Two threads racing on a first use get the same counter back. */
#define MAX_STATUS 600
typedef struct {
    hf_histogram_t *seconds;
    hf_counter_t *_Atomic by_status[MAX_STATUS];
} route_metrics_t;
static route_metrics_t *route_metrics; /* gw_n_routes + 1 */

/* The handler pool: a FIFO of suspended requests. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake, idle;
    gw_request_t *head, *tail;
    long queued, running;  /* waiting, and in a handler */
    int stopping;          /* no new work: answer 503 at once */
    int exiting;           /* workers leave */
    pthread_t *threads;
    long n_threads;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER,
           .idle = PTHREAD_COND_INITIALIZER };
static hf_gauge_t *queue_gauge;

/* ---- per-thread resources ---- */

static void res_free(void *p)
{
    thread_res_t *t = p;
    hf_bus_client_destroy(&t->bus);
    hf_cache_destroy(&t->cache);
    free(t);
}

static thread_res_t *res(void)
{
    thread_res_t *t = pthread_getspecific(res_key);
    if (!t && (t = calloc(1, sizeof(*t))) != NULL)
        pthread_setspecific(res_key, t);
    return t;
}

hf_bus_client_t *gw_bus(gateway_t *gw)
{
    thread_res_t *t = res();
    if (t && !t->bus)
        t->bus = hf_bus_client_new(gw->cfg.brokers);
    return t ? t->bus : NULL;
}

hf_cache_t *gw_cache(gateway_t *gw)
{
    thread_res_t *t = res();
    if (t && !t->cache)
        t->cache = hf_cache_new(gw->cfg.redis_addr, 1000);
    return t ? t->cache : NULL;
}

/* ---- accessors ---- */

const char *gw_request_method(const gw_request_t *r) { return r->method; }
const char *gw_request_path(const gw_request_t *r) { return r->path; }
const char *gw_request_id(const gw_request_t *r) { return r->request_id; }
const char *gw_request_traceparent(const gw_request_t *r) { return r->traceparent; }

void gw_request_client(const gw_request_t *r, const char *header, char *buf, size_t len)
{
    const char *v = header && *header
                        ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, header)
                        : NULL;
    if (v) { /* "client, proxy1, proxy2": the entry the nearest proxy added */
        const char *last = strrchr(v, ',');
        last = last ? last + 1 : v;
        while (*last == ' ' || *last == '\t')
            last++;
        size_t n = strcspn(last, " \t");
        if (n > 0 && n < len) {
            memcpy(buf, last, n);
            buf[n] = '\0';
            return;
        }
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    buf[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)len);
}
const gw_route_t *gw_request_route(const gw_request_t *r) { return r->route; }

const char *gw_request_header(const gw_request_t *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *gw_request_body(const gw_request_t *r, size_t *len)
{
    *len = r->body.len;
    return r->body.len ? r->body.p : NULL;
}

const gw_param_t *gw_request_params(const gw_request_t *r, int *n)
{
    *n = r->n_params;
    return r->params;
}

int gw_request_query(gw_request_t *r, int (*fn)(void *ctx, const char *key, const char *value),
                     void *ctx)
{
    const char *key = r->query;
    for (int i = 0; i < r->n_query; i++) {
        const char *value = key + strlen(key) + 1;
        int rc = fn(ctx, key, value);
        if (rc)
            return rc;
        key = value + strlen(value) + 1;
    }
    return 0;
}

void gw_add_header(gw_request_t *r, const char *name, const char *value)
{
    if (r->n_headers >= (int)(sizeof(r->headers) / sizeof(r->headers[0])))
        return;
    r->headers[r->n_headers].name = name;
    snprintf(r->headers[r->n_headers].value, sizeof(r->headers[0].value), "%s", value);
    r->n_headers++;
}

gw_identity_t *gw_request_identity(gw_request_t *r) { return &r->identity; }
int gw_request_may_wait(const gw_request_t *r) { return r->may_wait; }

void gw_request_cleanup_add(gw_request_t *r, gw_cleanup_fn fn, void *arg)
{
    assert(r->n_cleanups < GW_MAX_HOOKS);
    r->cleanups[r->n_cleanups].fn = fn;
    r->cleanups[r->n_cleanups].arg = arg;
    r->n_cleanups++;
}

void gw_request_on_response(gw_request_t *r, gw_response_fn fn, void *arg)
{
    assert(r->n_watchers < GW_MAX_HOOKS);
    r->watchers[r->n_watchers].fn = fn;
    r->watchers[r->n_watchers].arg = arg;
    r->n_watchers++;
}

/* ---- responses ---- */

static void keep(gw_request_t *r, struct MHD_Response *resp, unsigned status,
                 const char *content_type, const char *allow);

static void respond(gw_request_t *r, unsigned status, const char *content_type, char *body,
                    size_t len, const char *allow)
{
    for (int i = 0; i < r->n_watchers; i++)
        r->watchers[i].fn(gw_, r, status, content_type, body, len, r->watchers[i].arg);
    r->n_watchers = 0; /* the first response only */
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return;
    }
    keep(r, resp, status, content_type, allow);
}

/* Give resp the headers every answer has and make it the request's answer
 * (unless it has one: a second answer to one request is dropped). */
static void keep(gw_request_t *r, struct MHD_Response *resp, unsigned status,
                 const char *content_type, const char *allow)
{
    MHD_add_response_header(resp, "Content-Type", content_type);
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    /* answers carry personal data: never cached, never sniffed as another type */
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (allow)
        MHD_add_response_header(resp, "Allow", allow);
    for (int i = 0; i < r->n_headers; i++)
        MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
    if (r->resp) { /* a second answer to one request: keep the first */
        MHD_destroy_response(resp);
        return;
    }
    r->resp = resp;
    r->status = status;
}

void gw_respond_stream(gw_request_t *r, const char *content_type, gw_stream_read_fn read,
                       void *cls, void (*free_fn)(void *cls))
{
    for (int i = 0; i < r->n_watchers; i++)
        r->watchers[i].fn(gw_, r, 200, content_type, "", 0, r->watchers[i].arg);
    r->n_watchers = 0;
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, read, cls, free_fn);
    if (!resp) {
        free_fn(cls);
        return;
    }
    keep(r, resp, 200, content_type, NULL);
}

void gw_request_suspend(gw_request_t *r)
{
    MHD_suspend_connection(r->conn);
}

void gw_request_resume(gw_request_t *r)
{
    MHD_resume_connection(r->conn);
}

void gw_respond_text(gw_request_t *r, unsigned status, const char *content_type, char *body,
                     size_t len)
{
    respond(r, status, content_type, body, len, NULL);
}

void gw_respond_json(gw_request_t *r, unsigned status, json_t *body)
{
    char *text = json_dumps(body, GW_JSON_FLAGS);
    json_decref(body);
    if (!text) {
        gw_respond_problem(r, 500, "internal", "Internal error", "could not encode the response");
        return;
    }
    respond(r, status, "application/json", text, strlen(text), NULL);
}

static void problem(gw_request_t *r, unsigned status, const char *code, const char *title,
                    const char *detail, const char *allow, json_t *errors)
{
    char type[160];
    snprintf(type, sizeof(type), "https://hrflow.dev/problems/%s", code);
    json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "type", type, "title", title,
                          "status", (int)status, "detail", detail ? detail : "", "code", code,
                          "requestId", r->request_id);
    json_t *instance = json_string(r->path);
    if (instance) /* NULL when the path is not valid UTF-8 */
        json_object_set_new(p, "instance", instance);
    if (errors)
        json_object_set_new(p, "errors", errors);
    char *text = json_dumps(p, GW_JSON_FLAGS);
    json_decref(p);
    if (text)
        respond(r, status, "application/problem+json", text, strlen(text), allow);
}

void gw_respond_problem(gw_request_t *r, unsigned status, const char *code, const char *title,
                        const char *detail)
{
    problem(r, status, code, title, detail, NULL, NULL);
}

void gw_respond_problem_errors(gw_request_t *r, unsigned status, const char *code,
                               const char *title, const char *detail, json_t *errors)
{
    problem(r, status, code, title, detail, NULL, errors);
}

/* ---- request life cycle ---- */

static int id_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (n >= HF_BUS_ID_MAX - 1 || !isgraph((unsigned char)s[n]))
            return 0;
    return n > 0;
}

/* 1 when method and path name a route that takes uploads (audio, files). */
static int upload_route(const char *method, const char *path)
{
    gw_param_t params[GW_MAX_PARAMS];
    for (size_t i = 0; i < gw_n_routes; i++)
        if (gw_routes[i].upload && strcmp(gw_routes[i].method, method) == 0 &&
            gw_route_match(gw_routes[i].pattern, path, params, GW_MAX_PARAMS) >= 0)
            return 1;
    return 0;
}

/* libmicrohttpd's URI log callback: it shows the request target as sent,
 * before it decodes it in place (dropping the decoded path's length, so a
 * %00 would cut it). The request is made here, with a copy of the target
 * and room for its decoded parts; it becomes the handler's *state. */
static void *on_target(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls, (void)c;
    size_t n = strlen(uri);
    gw_request_t *r = calloc(1, sizeof(*r) + n + 1 + 2 * n + 2);
    if (r)
        memcpy(r->target, uri, n + 1);
    return r;
}

/* The handler's first call for r: the headers are in. Decode the target
 * (a bad one is answered 400 by the route phase) and read the request id
 * and trace context. */
static void request_start(gw_request_t *r, struct MHD_Connection *c, const char *method)
{
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    r->conn = c;
    r->method = method;
    size_t n = strlen(r->target);
    char *decoded = r->target + n + 1;
    r->n_query = gw_target_decode(r->target, decoded, &r->target_error);
    if (r->n_query >= 0) {
        r->path = decoded;
        r->query = decoded + strlen(decoded) + 1;
    } else { /* the problem's instance is the path as sent */
        r->bad_target = 1;
        r->n_query = 0;
        r->target[strcspn(r->target, "?")] = '\0';
        r->path = r->target;
    }
    const char *rid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
    if (rid && id_ok(rid))
        snprintf(r->request_id, sizeof(r->request_id), "%s", rid);
    else
        hf_random_hex(r->request_id, 16);
    /* the gateway's span of the caller's trace (a new trace without a valid one) */
    hf_traceparent_child(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "traceparent"),
                         r->traceparent);
    r->max_body = upload_route(method, r->path) ? gw_->cfg.max_upload : gw_->cfg.max_body;
    /* a body declared larger than the route takes is not kept while it is read */
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > (unsigned long long)r->max_body)
        r->too_large = 1;
}

/* Queue the request's answer on its connection (libmicrohttpd's thread). */
static enum MHD_Result send_answer(gw_request_t *r)
{
    if (!r->resp)
        problem(r, 500, "internal", "Internal error", "the response could not be made", NULL,
                NULL);
    if (!r->resp)
        return MHD_NO;
    enum MHD_Result rc = MHD_queue_response(r->conn, r->status, r->resp);
    MHD_destroy_response(r->resp);
    r->resp = NULL;
    if (rc != MHD_YES)
        r->status = 0;
    return rc;
}

/* The route phase: find the request's route, or answer 400 (a control
 * character in the target), 413, 404 or 405. */
gw_rc_t gw_route_phase(gateway_t *gw, gw_request_t *r)
{
    (void)gw;
    if (r->bad_target) {
        json_t *errors = json_pack("[{s:s, s:s, s:s}]", "field", r->target_error.field, "code",
                                   "control_character", "message", r->target_error.message);
        problem(r, 400, "malformed_request", "Malformed request",
                "the request target holds a control character", NULL, errors);
        return GW_DONE;
    }
    if (r->too_large) {
        char d[96];
        snprintf(d, sizeof(d), "the request body exceeds %ld bytes", r->max_body);
        problem(r, 413, "payload_too_large", "Payload too large", d, NULL, NULL);
        return GW_DONE;
    }
    char allow[64] = "";
    for (size_t i = 0; i < gw_n_routes; i++) {
        const gw_route_t *route = &gw_routes[i];
        int n = gw_route_match(route->pattern, r->path, r->params, GW_MAX_PARAMS);
        if (n < 0)
            continue;
        if (strcmp(route->method, r->method) == 0) {
            r->route = route;
            r->n_params = n;
            hf_log_context_set(r->traceparent, r->request_id, route->name);
            return GW_OK;
        }
        if (strstr(allow, route->method))
            continue;
        size_t used = strlen(allow);
        snprintf(allow + used, sizeof(allow) - used, "%s%s", used ? ", " : "", route->method);
    }
    if (allow[0]) {
        char d[128];
        snprintf(d, sizeof(d), "%s is not allowed here; allowed: %s", r->method, allow);
        problem(r, 405, "method_not_allowed", "Method not allowed", d, allow, NULL);
    } else {
        problem(r, 404, "not_found", "Not found", "no route matches this path", NULL, NULL);
    }
    return GW_DONE;
}

/* Run the request's phases on from where it stands, in its log context.
 * Returns GW_AGAIN when a handler must wait (on an I/O thread), else
 * GW_DONE. */
static gw_rc_t run_phases(gw_request_t *r)
{
    hf_log_context_set(r->traceparent, r->request_id, r->route ? r->route->name : NULL);
    gw_rc_t rc = gw_phases_run(gw_phases, gw_n_phases, gw_, r, &r->at);
    if (rc == GW_AGAIN && r->may_wait) { /* it may wait here: a handler's bug */
        hf_error("phase %s: handler %u asked to wait on a handler thread",
                 gw_phases[r->at.phase].name, r->at.handler);
        rc = GW_DONE; /* answered 500 */
    }
    hf_log_context_clear();
    return rc;
}

static void *worker_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (!pool.head && !pool.exiting)
            pthread_cond_wait(&pool.wake, &pool.lock);
        if (!pool.head)
            break;
        gw_request_t *r = pool.head;
        pool.head = r->next;
        if (!pool.head)
            pool.tail = NULL;
        pool.queued--;
        pool.running++;
        pthread_mutex_unlock(&pool.lock);
        hf_gauge_set(queue_gauge, (double)pool.queued);
        r->may_wait = 1;
        run_phases(r);
        r->state = REQ_ANSWERED;
        MHD_resume_connection(r->conn);
        pthread_mutex_lock(&pool.lock);
        if (--pool.running == 0 && pool.queued == 0)
            pthread_cond_broadcast(&pool.idle);
    }
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

/* Hand a request to the handler pool. Returns 0, or -1 when the gateway is
 * stopping or the queue is full (the request is then answered 503). */
static int enqueue(gw_request_t *r)
{
    pthread_mutex_lock(&pool.lock);
    int stopping = pool.stopping;
    int refuse = stopping || pool.queued >= gw_->cfg.max_connections;
    if (!refuse) {
        r->state = REQ_IN_WORKER;
        r->next = NULL;
        MHD_suspend_connection(r->conn);
        if (pool.tail)
            pool.tail->next = r;
        else
            pool.head = r;
        pool.tail = r;
        pool.queued++;
        pthread_cond_signal(&pool.wake);
    }
    pthread_mutex_unlock(&pool.lock);
    if (refuse) {
        gw_add_header(r, "Retry-After", "1");
        problem(r, 503, "overloaded", "Service overloaded",
                stopping ? "this gateway is shutting down" : "too many requests in hand",
                NULL, NULL);
        return -1;
    }
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **state)
{
    (void)cls, (void)version;
    (void)url; /* decoded without its length: the request's own decoding of the target counts */
    gw_request_t *r = *state;
    if (!r) /* on_target() was out of memory */
        return MHD_NO;
    if (!r->conn) { /* first call: headers only */
        request_start(r, c, method);
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->too_large || r->body.len + n > (size_t)r->max_body) {
            r->too_large = 1;
            return MHD_YES;
        }
        hf_buf_put(&r->body, upload, n);
        return r->body.failed ? MHD_NO : MHD_YES;
    }
    if (r->state == REQ_ANSWERED) /* resumed after a handler thread answered */
        return send_answer(r);
    if (r->state == REQ_IN_WORKER) /* a spurious call while suspended */
        return MHD_YES;
    if (run_phases(r) == GW_AGAIN && enqueue(r) == 0)
        return MHD_YES;
    return send_answer(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)c;
    gw_request_t *r = *state;
    *state = NULL;
    if (!r)
        return;
    if (!r->conn) { /* libmicrohttpd refused it before the handler saw it */
        free(r);
        return;
    }
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - r->t0.tv_sec) + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e9;
    const char *route = r->route ? r->route->name : "other";
    route_metrics_t *m = &route_metrics[r->route ? (size_t)(r->route - gw_routes) : gw_n_routes];
    unsigned code = r->status < MAX_STATUS ? r->status : 0;
    hf_counter_t *count = atomic_load_explicit(&m->by_status[code], memory_order_relaxed);
    if (!count) {
        char labels[128];
        snprintf(labels, sizeof(labels), "route=\"%s\",code=\"%u\"", route, code);
        count = hf_metrics_counter("hf_gateway_requests_total",
                                   "HTTP requests by route and status", labels);
        atomic_store_explicit(&m->by_status[code], count, memory_order_relaxed);
    }
    hf_counter_inc(count);
    hf_histogram_observe(m->seconds, secs);
    hf_log_context_set(r->traceparent, r->request_id, NULL);
    hf_logkv(HF_LOG_INFO, "http request", HF_KV_STR("method", r->method), HF_KV_STR("route", route),
             HF_KV_INT("status", r->status), HF_KV_DBL("duration_ms", round(secs * 1e6) / 1e3),
             HF_KV_BOOL("completed", why == MHD_REQUEST_TERMINATED_COMPLETED_OK));
    hf_log_context_clear();
    if (r->resp)
        MHD_destroy_response(r->resp);
    while (r->n_cleanups > 0) {
        r->n_cleanups--;
        r->cleanups[r->n_cleanups].fn(gw_, r, r->cleanups[r->n_cleanups].arg);
    }
    free(r->body.p);
    free(r);
}

int gw_http_start(gateway_t *gw)
{
    struct sockaddr_in sa;
    if (hf_config_parse_addr(gw->cfg.addr, &sa) < 0) {
        hf_error("HF_GATEWAY_ADDR: \"%s\" is not host:port", gw->cfg.addr);
        return -1;
    }
    gw_ = gw;
    pthread_key_create(&res_key, res_free);
    route_metrics = calloc(gw_n_routes + 1, sizeof(*route_metrics));
    if (!route_metrics) {
        hf_error("out of memory");
        return -1;
    }
    for (size_t i = 0; i <= gw_n_routes; i++) {
        char labels[96];
        snprintf(labels, sizeof(labels), "route=\"%s\"",
                 i < gw_n_routes ? gw_routes[i].name : "other");
        route_metrics[i].seconds = hf_metrics_histogram(
            "hf_gateway_request_seconds", "HTTP request latency by route", labels,
            hf_metrics_latency_bounds, hf_metrics_latency_nbounds);
    }
    queue_gauge = hf_metrics_gauge("hf_gateway_handler_queue",
                                   "requests waiting for a handler thread", NULL);
    pool.threads = calloc((size_t)gw->cfg.workers, sizeof(pthread_t));
    if (!pool.threads) {
        hf_error("out of memory");
        return -1;
    }
    for (long i = 0; i < gw->cfg.workers; i++) {
        if (pthread_create(&pool.threads[i], NULL, worker_main, NULL) != 0) {
            hf_error("cannot start handler threads");
            gw_http_stop();
            return -1;
        }
        pool.n_threads++;
    }
    if (gw_authcache_start(gw) < 0 || gw_streams_start(gw) < 0) {
        gw_http_stop();
        return -1;
    }
    daemon_ = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL,
        NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)gw->cfg.threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)gw->cfg.conn_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)gw->cfg.max_connections,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, on_target, NULL,
        MHD_OPTION_END);
    if (!daemon_) {
        hf_error("cannot listen on %s", gw->cfg.addr);
        gw_http_stop();
        return -1;
    }
    hf_info("gateway listening on http://%s", gw->cfg.addr);
    return 0;
}

/* Stop: take no new connections, let the handlers finish what they hold
 * (each resumes its connection), then stop libmicrohttpd - which must not
 * be stopped with a connection suspended - and the handler threads. */
void gw_http_stop(void)
{
    if (daemon_)
        MHD_quiesce_daemon(daemon_);
    pthread_mutex_lock(&pool.lock);
    pool.stopping = 1;
    while (pool.queued > 0 || pool.running > 0)
        pthread_cond_wait(&pool.idle, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
    gw_streams_stop(); /* they end and their connections are resumed */
    gw_authcache_stop();
    if (daemon_)
        MHD_stop_daemon(daemon_);
    daemon_ = NULL;
    pthread_mutex_lock(&pool.lock);
    pool.exiting = 1;
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    for (long i = 0; i < pool.n_threads; i++)
        pthread_join(pool.threads[i], NULL);
    free(pool.threads);
    pool.threads = NULL;
    pool.n_threads = 0;
    free(route_metrics);
    route_metrics = NULL;
}
