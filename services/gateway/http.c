/* services/gateway/http.c - libmicrohttpd glue: read, route, answer, log
 *
 * libmicrohttpd 0.9.75 with epoll and an internal thread pool. A request is
 * answered on the handler's second call, never the first: answering on the
 * first call makes libmicrohttpd close the connection after the response,
 * which costs keep-alive (see MACHINE-NOTES in docs/architecture.md). The
 * body is accumulated up to HF_GATEWAY_MAX_BODY; past that the request is
 * answered 413 and the rest is discarded. Every request gets an access-log
 * line and its route's counters when libmicrohttpd reports it completed.
 */
#include "gateway.h"

#include "hf/config.h"
#include "hf/log.h"
#include "hf/metrics.h"

#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct gw_request {
    struct MHD_Connection *conn;
    const char *method, *path;
    char request_id[HF_BUS_ID_MAX];
    char traceparent[56];
    char *body;
    size_t body_len;
    int too_large;
    const gw_route_t *route;
    struct timespec t0;
    unsigned status;
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

/* ---- responses ---- */

static void respond(gw_request_t *r, unsigned status, const char *content_type, char *body,
                    size_t len, const char *allow)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return;
    }
    MHD_add_response_header(resp, "Content-Type", content_type);
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (allow)
        MHD_add_response_header(resp, "Allow", allow);
    if (MHD_queue_response(r->conn, status, resp) == MHD_YES)
        r->status = status;
    MHD_destroy_response(resp);
}

void gw_respond_text(gw_request_t *r, unsigned status, const char *content_type, char *body,
                     size_t len)
{
    respond(r, status, content_type, body, len, NULL);
}

void gw_respond_json(gw_request_t *r, unsigned status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(body);
    if (!text) {
        gw_respond_problem(r, 500, "internal", "Internal error", "could not encode the response");
        return;
    }
    respond(r, status, "application/json", text, strlen(text), NULL);
}

static void problem(gw_request_t *r, unsigned status, const char *code, const char *title,
                    const char *detail, const char *allow)
{
    char type[160];
    snprintf(type, sizeof(type), "https://hrflow.dev/problems/%s", code);
    json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "type", type, "title", title,
                          "status", (int)status, "detail", detail ? detail : "", "code", code,
                          "requestId", r->request_id);
    char *text = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    if (text)
        respond(r, status, "application/problem+json", text, strlen(text), allow);
}

void gw_respond_problem(gw_request_t *r, unsigned status, const char *code, const char *title,
                        const char *detail)
{
    problem(r, status, code, title, detail, NULL);
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

/* W3C traceparent: 00-<32 hex>-<16 hex>-<2 hex> */
static int traceparent_ok(const char *s)
{
    if (strlen(s) != 55 || s[2] != '-' || s[35] != '-' || s[52] != '-')
        return 0;
    for (int i = 0; i < 55; i++)
        if (i != 2 && i != 35 && i != 52 && !isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static gw_request_t *request_new(struct MHD_Connection *c, const char *method, const char *url)
{
    gw_request_t *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    r->conn = c;
    r->method = method;
    r->path = url;
    const char *rid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
    if (rid && id_ok(rid))
        snprintf(r->request_id, sizeof(r->request_id), "%s", rid);
    else
        hf_random_hex(r->request_id, 16);
    const char *tp = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "traceparent");
    if (tp && traceparent_ok(tp))
        snprintf(r->traceparent, sizeof(r->traceparent), "%s", tp);
    else
        hf_traceparent_new(r->traceparent);
    return r;
}

static void dispatch(gw_request_t *r)
{
    if (r->too_large) {
        char d[96];
        snprintf(d, sizeof(d), "the request body exceeds %ld bytes", gw_->cfg.max_body);
        problem(r, 413, "payload_too_large", "Payload too large", d, NULL);
        return;
    }
    char allow[64] = "";
    for (size_t i = 0; i < gw_n_routes; i++) {
        if (strcmp(gw_routes[i].path, r->path) != 0)
            continue;
        if (strcmp(gw_routes[i].method, r->method) == 0) {
            r->route = &gw_routes[i];
            hf_log_context_set(r->traceparent, r->request_id, gw_routes[i].name);
            gw_routes[i].fn(gw_, r);
            hf_log_context_clear();
            return;
        }
        size_t n = strlen(allow);
        snprintf(allow + n, sizeof(allow) - n, "%s%s", n ? ", " : "", gw_routes[i].method);
    }
    if (allow[0]) {
        char d[128];
        snprintf(d, sizeof(d), "%s is not allowed here; allowed: %s", r->method, allow);
        problem(r, 405, "method_not_allowed", "Method not allowed", d, allow);
    } else {
        problem(r, 404, "not_found", "Not found", "no route matches this path", NULL);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **state)
{
    (void)cls, (void)version;
    gw_request_t *r = *state;
    if (!r) { /* first call: headers only */
        *state = r = request_new(c, method, url);
        return r ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->too_large || r->body_len + n > (size_t)gw_->cfg.max_body) {
            r->too_large = 1;
            return MHD_YES;
        }
        char *grown = realloc(r->body, r->body_len + n + 1);
        if (!grown)
            return MHD_NO;
        memcpy(grown + r->body_len, upload, n);
        r->body = grown;
        r->body_len += n;
        r->body[r->body_len] = '\0';
        return MHD_YES;
    }
    dispatch(r);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)c;
    gw_request_t *r = *state;
    if (!r)
        return;
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
    char status[8], ms[32];
    snprintf(status, sizeof(status), "%u", r->status);
    snprintf(ms, sizeof(ms), "%.3f", secs * 1000);
    hf_log_context_set(r->traceparent, r->request_id, NULL);
    hf_logkv(HF_LOG_INFO, "http request", "method", r->method, "route", route, "status", status,
             "duration_ms", ms, "completed",
             why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "yes" : "no", NULL);
    hf_log_context_clear();
    free(r->body);
    free(r);
    *state = NULL;
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
    daemon_ = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)gw->cfg.threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)gw->cfg.conn_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)gw->cfg.max_connections,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_END);
    if (!daemon_) {
        hf_error("cannot listen on %s", gw->cfg.addr);
        return -1;
    }
    hf_info("gateway listening on http://%s", gw->cfg.addr);
    return 0;
}

void gw_http_stop(void)
{
    if (daemon_)
        MHD_stop_daemon(daemon_);
    daemon_ = NULL;
    free(route_metrics);
    route_metrics = NULL;
}
