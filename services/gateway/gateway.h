/* services/gateway/gateway.h - the HTTP front door: shared state and route handlers
 *
 * http.c owns libmicrohttpd: it reads a request (bounded body), finds its
 * route in the one route table and calls the handler with a gw_request_t;
 * the handler answers through gw_respond_*(). Per-thread resources (a bus
 * client, a Redis connection) are made on first use in each HTTP thread.
 */
#ifndef HF_GATEWAY_H
#define HF_GATEWAY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "hf/bus.h"
#include "hf/cache.h"
#include "hf/db.h"

typedef struct {
    const char *addr;          /* "127.0.0.1:8080" */
    const char *brokers;
    const char *pg_dsn;
    const char *redis_addr;
    long threads;
    long max_body;
    long conn_timeout_s;
    long max_connections;
    long ready_timeout_ms;
} gw_config_t;

typedef struct {
    gw_config_t cfg;
    hf_db_pool_t *pool;
} gateway_t;

typedef struct gw_request gw_request_t;

/* A route handler: answer with one gw_respond_* call. */
typedef void (*gw_handler_fn)(gateway_t *gw, gw_request_t *req);

typedef struct {
    const char *method;    /* "GET" */
    const char *path;      /* "/readyz" */
    gw_handler_fn fn;
    const char *name;      /* metrics label */
} gw_route_t;

/* The route table (routes.c). */
extern const gw_route_t gw_routes[];
extern const size_t gw_n_routes;

/* Accessors. */
const char *gw_request_method(const gw_request_t *r);
const char *gw_request_path(const gw_request_t *r);
const char *gw_request_id(const gw_request_t *r);
const char *gw_request_traceparent(const gw_request_t *r);

/* This thread's bus client and Redis connection (made on first use; NULL
 * only when out of memory or the broker list is malformed). */
hf_bus_client_t *gw_bus(gateway_t *gw);
hf_cache_t *gw_cache(gateway_t *gw);

/* Answer with a JSON document (takes the reference), plain text, or an
 * RFC 9457 problem. */
void gw_respond_json(gw_request_t *r, unsigned status, json_t *body);
void gw_respond_text(gw_request_t *r, unsigned status, const char *content_type, char *body,
                     size_t len); /* takes body (malloc'd) */
void gw_respond_problem(gw_request_t *r, unsigned status, const char *code, const char *title,
                        const char *detail);

/* Route handlers (health.c). */
void gw_healthz(gateway_t *gw, gw_request_t *req);
void gw_readyz(gateway_t *gw, gw_request_t *req);
void gw_metrics(gateway_t *gw, gw_request_t *req);

/* Start and stop the HTTP server (http.c). Returns 0, or -1 with a log line. */
int gw_http_start(gateway_t *gw);
void gw_http_stop(void);

#endif
