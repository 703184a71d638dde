/* services/gateway/gateway.h - the HTTP front door: shared state, the request, its phases
 *
 * http.c owns libmicrohttpd: it reads a request (bounded body) and runs it
 * through the phase table (phases.c), in order: find the route (routes.c,
 * matched by router.c), who is calling (auth.c: an API key, or the public
 * by address), the route's scopes (auth.c), the rate limit (ratelimit.c),
 * Idempotency-Key (idempotency.c), and the answer: a local handler (health,
 * the OpenAPI document) or the bus method (proxy.c), which maps
 * JSON to the route's protobuf request, calls the service and maps the reply
 * back. Each feature file exposes its phase handler; http.c calls none of
 * them by name. Per-thread resources (a bus client, a Redis connection) are
 * made on first use in each HTTP thread.
 */
#ifndef HF_GATEWAY_H
#define HF_GATEWAY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "hf/bus.h"
#include "hf/cache.h"
#include "hf/crypto.h"
#include "hf/db.h"

/* How the gateway writes JSON: compact, and a number that is not a whole
 * one with DBL_DIG (15) significant digits, so a value that came from a
 * decimal of up to 15 digits (a rate of 0.03, a score of 87.5) is written
 * as that decimal rather than as its binary double's 17 digits
 * (0.029999999999999999). */
#define GW_REAL_PRECISION 15
#define GW_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(GW_REAL_PRECISION))

/* Scopes an API key may carry. An admin key may call every route. */
enum {
    GW_SCOPE_ADMIN = 1u << 0,
    GW_SCOPE_RECRUITER = 1u << 1,
    GW_SCOPE_PAYROLL = 1u << 2,
    GW_SCOPE_INTEGRATOR = 1u << 3,
    /* not an API key's scope: a route anyone may call without a key (the
     * candidate's status page: its token is the key); rate-limited per
     * client address under this name */
    GW_SCOPE_PUBLIC = 1u << 4,
    /* a call engine's key: only the call-engine routes and the interview
     * score it hands the transcript to; never in GW_SCOPE_ANY */
    GW_SCOPE_ENGINE = 1u << 5,
};
#define GW_SCOPE_ANY (GW_SCOPE_ADMIN | GW_SCOPE_RECRUITER | GW_SCOPE_PAYROLL | GW_SCOPE_INTEGRATOR)
#define GW_N_SCOPES 6

/* The scope's name ("admin"), or NULL for a bit outside the enum. */
const char *gw_scope_name(unsigned bit);
/* The bit of a scope name, or 0. */
unsigned gw_scope_bit(const char *name);

/* A rate limit: `rate` requests per second sustained, bursts up to `burst`. */
typedef struct {
    double rate;
    long burst;
} gw_rate_t;

typedef struct {
    const char *addr;          /* "127.0.0.1:8080" */
    const char *brokers;
    const char *pg_dsn;
    const char *redis_addr;
    long threads;              /* libmicrohttpd I/O threads */
    long workers;              /* handler threads (bus calls, Redis) */
    long max_body;
    long max_upload;           /* body bound of routes that take uploads */
    long conn_timeout_s;
    long max_connections;
    long ready_timeout_ms;
    long ready_cache_ms;       /* the public /readyz checks at most once per this */
    const char *metrics_addr;  /* the admin listener: /metrics, detailed /readyz; or "off" */
    long call_timeout_ms;      /* deadline of a bus call made for a request */
    long auth_cache_s;         /* how long Redis keeps an authenticated key */
    long auth_local_ms;        /* how long this process trusts a key Redis vouched for (0: off) */
    long idempotency_ttl_s;    /* how long an Idempotency-Key is remembered */
    const char *rate_limits;   /* "admin=100:200,recruiter=…" (per second : burst) */
    const char *public_url;    /* the servers[] entry of the OpenAPI document */
    const char *client_ip_header; /* "" or the header a trusted proxy puts the client in */
    const char *events_sub;    /* the broker's event plane (XPUB endpoints), or "" */
    long streams_per_key;      /* open event streams at most, per API key */
    long streams_per_tenant;   /* and per tenant */
    long stream_heartbeat_ms;  /* a comment line on a quiet stream this often */
    long stream_poll_ms;       /* a stream reads the log at least this often */
} gw_config_t;

typedef struct {
    gw_config_t cfg;
    hf_db_pool_t *pool;
    gw_rate_t rates[GW_N_SCOPES];      /* by scope bit index */
    char *openapi;                      /* the document, made at start */
    size_t openapi_len;
} gateway_t;

typedef struct gw_request gw_request_t;

/* A local route handler: answer with one gw_respond_* call. */
typedef void (*gw_handler_fn)(gateway_t *gw, gw_request_t *req);

/* One line of the route table. A route either has a local handler (fn) or
 * names a bus method (service + rpc), whose request message is filled from
 * the path parameters, the query string (GET, DELETE) and the body. */
typedef struct {
    const char *method;        /* "GET" */
    const char *pattern;       /* "/v1/companies/{id}", "/v1/apikeys/{id}:revoke" */
    gw_handler_fn fn;          /* local handler, or NULL for a bus route */
    const char *name;          /* operationId and metrics label: "getCompany" */
    const ProtobufCServiceDescriptor *service; /* bus routes: the service */
    const char *rpc;           /* bus routes: the method, as in the .proto */
    const char *body;          /* NULL: no body; "*": the whole request; else the
                                  request field the body fills ("company") */
    unsigned scopes;           /* scopes that may call it (admin always may);
                                  0 = no API key needed */
    unsigned status;           /* status of a success, 200 when 0 */
    const char *summary;       /* one line for the OpenAPI document */
    int inline_ok;             /* a local handler cheap enough for an I/O thread */
    int upload;                /* bodies up to HF_GATEWAY_MAX_UPLOAD (audio, files) */
    const char *raw;           /* the body is a file, not JSON: the bytes field it fills
                                  (its Content-Type goes to content_type when the
                                  request has that field) */
    const char *download;      /* the answer is a file, not JSON: the reply's bytes field
                                  that is the body; the reply's content_type and
                                  filename fields, when set, give Content-Type and
                                  Content-Disposition (attachment) */
    const char *media;         /* a download's media type, for the OpenAPI document; on a
                                  file route (raw), the body's when it is not a file
                                  (CSV, NDJSON) but an optional form */
    int stream;                /* the answer is a Server-Sent Events stream of the pages
                                  the method hands out (stream.c); media is its type */
} gw_route_t;

/* The route table (routes.c). */
extern const gw_route_t gw_routes[];
extern const size_t gw_n_routes;

/* The domain services of services/services.list (build-time, services.h). */
extern const char *const gw_service_names[];
extern const size_t gw_n_service_names;

/* The bus name of a route's service ("identity" for hrflow.v1.Identity), or
 * NULL when it is not a service of services/services.list. */
const char *gw_route_service_name(const gw_route_t *route);
/* The route's method descriptor (NULL for a local route or a typo, which
 * gw_routes_check() reports at start). */
const ProtobufCMethodDescriptor *gw_route_rpc(const gw_route_t *route);
/* 1 when the route needs an API key: a bus route that is not public. */
int gw_route_needs_key(const gw_route_t *route);
/* Check the table at start: every bus method exists, body fields exist,
 * patterns are well formed. Returns 0, or -1 after logging each problem. */
int gw_routes_check(void);

/* ---- router.c: path patterns ---- */

#define GW_MAX_PARAMS 4
typedef struct {
    char name[32];
    char value[160]; /* the longest token in a path: a payslip link's 136 characters */
} gw_param_t;

/* Match `path` against `pattern`. A pattern is literal text with variables
 * "{name}" that each match one non-empty path segment up to '/' or ':'
 * ("/v1/applications/{id}:advance"). Returns the number of parameters
 * (>= 0) filled into params, or -1 when the path does not match or a value
 * is longer than gw_param_t allows. */
int gw_route_match(const char *pattern, const char *path, gw_param_t *params, int max);

/* ---- target.c: the request target, decoded ---- */

/* Why a request target is refused: the field of the problem's errors[]
 * ("path", "query" for a parameter's name, "query.<name>" for its value)
 * and a message naming the part as the client wrote it. */
typedef struct {
    char field[160];
    char message[320];
} gw_target_error_t;

/* Decode the request target `raw` as sent (the path, then "?query" if any)
 * into out, which has room for 2 * strlen(raw) + 2 bytes: the path, then
 * each query parameter's name and value, each NUL-terminated, in order (no
 * '=' gives the value ""; empty parameters, as in "a=1&&b=2", are
 * skipped). %HH is decoded everywhere and '+' is a space in the query; an
 * escape that is not two hex digits stays as written. Returns the number of
 * query parameters (>= 0), or -1 with *err filled when a decoded path
 * segment, query name or query value holds a control character (below
 * 0x20, or 0x7f): a %00 would cut it as a C string, and no id, name or
 * value of the API holds the others. */
int gw_target_decode(const char *raw, char *out, gw_target_error_t *err);

/* ---- the request ---- */

const char *gw_request_method(const gw_request_t *r);
const char *gw_request_path(const gw_request_t *r);
const char *gw_request_id(const gw_request_t *r);
const char *gw_request_traceparent(const gw_request_t *r);
/* The client's address as text into buf ("" when unknown): the last entry
 * of header (the one the proxy in front of the gateway wrote) when header is
 * set and present, else the connection's peer. */
void gw_request_client(const gw_request_t *r, const char *header, char *buf, size_t len);
const char *gw_request_header(const gw_request_t *r, const char *name);
const gw_route_t *gw_request_route(const gw_request_t *r);
/* The request body (NUL-terminated) and its length; NULL when empty. */
const char *gw_request_body(const gw_request_t *r, size_t *len);
const gw_param_t *gw_request_params(const gw_request_t *r, int *n);
/* Call fn for each query parameter, in order; stops when fn returns non-zero
 * and returns that value. */
int gw_request_query(gw_request_t *r, int (*fn)(void *ctx, const char *key, const char *value),
                     void *ctx);

/* 1 when the request runs on a handler thread, where a phase handler may
 * wait on Redis or the bus; 0 on a libmicrohttpd I/O thread, where such a
 * handler returns GW_AGAIN instead (see gw_rc_t). */
int gw_request_may_wait(const gw_request_t *r);

/* Hooks a phase handler leaves on its request (GW_MAX_HOOKS of each kind). */
#define GW_MAX_HOOKS 4

/* Run fn(gw, req, arg) when the request ends, answered or not, on its
 * connection's I/O thread after the access log; the newest runs first (as
 * nginx's pool cleanups). More than GW_MAX_HOOKS is a bug (an assert). */
typedef void (*gw_cleanup_fn)(gateway_t *gw, gw_request_t *req, void *arg);
void gw_request_cleanup_add(gw_request_t *r, gw_cleanup_fn fn, void *arg);

/* Call fn(gw, req, status, content_type, body, len, arg) with the request's
 * response when it is made, in the thread that makes it, before it is
 * queued; the body is borrowed for the call. Only the first response of a
 * request is seen (a second answer is dropped). More than GW_MAX_HOOKS is
 * a bug (an assert). */
typedef void (*gw_response_fn)(gateway_t *gw, gw_request_t *req, unsigned status,
                               const char *content_type, const char *body, size_t len,
                               void *arg);
void gw_request_on_response(gw_request_t *r, gw_response_fn fn, void *arg);

/* Add a header to whatever response this request gets (up to 8). */
void gw_add_header(gw_request_t *r, const char *name, const char *value);

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
/* As gw_respond_problem, with `errors` (a JSON array of {field, code,
 * message}; reference taken; may be NULL). */
void gw_respond_problem_errors(gw_request_t *r, unsigned status, const char *code,
                               const char *title, const char *detail, json_t *errors);
/* Answer with the problem for a bus error code (see docs/api.md), e.g.
 * OVERLOADED -> 503 with Retry-After. `details` are the service's
 * field-level details; `strip` is a field-path prefix to drop from them
 * (the body field of the route). */
void gw_respond_bus_error(gw_request_t *r, const hf_status_t *st, const char *strip);

/* ---- the phases (phases.c) ----
 *
 * A request runs through a table of phases in order, as in nginx's phase
 * engine (ngx_http_core_run_phases). Each phase has a list of handlers; a
 * handler returns:
 *   GW_OK        this phase is done with the request: on to the next phase
 *   GW_DECLINED  not this handler's request: the phase's next handler (after
 *                the last one, the next phase)
 *   GW_AGAIN     the handler must wait on Redis or the bus and is on an I/O
 *                thread (gw_request_may_wait() is 0): http.c suspends the
 *                request and calls this handler again on a handler thread
 *   GW_DONE      the request has its answer (a gw_respond_* call made it):
 *                the remaining phases are skipped
 * A handler that answers returns GW_DONE; a request that comes out of the
 * last phase without an answer gets a 500. */
typedef enum { GW_OK, GW_DECLINED, GW_AGAIN, GW_DONE } gw_rc_t;

typedef gw_rc_t (*gw_phase_fn)(gateway_t *gw, gw_request_t *req);

#define GW_PHASE_HANDLERS 4
typedef struct {
    const char *name;                         /* for the documentation and tests */
    gw_phase_fn handlers[GW_PHASE_HANDLERS];  /* in order; NULL after the last */
} gw_phase_t;

/* The gateway's phase table (phases.c). */
extern const gw_phase_t gw_phases[];
extern const size_t gw_n_phases;

/* Where a request is in a phase table: zero before the first phase. */
typedef struct {
    unsigned phase, handler;
} gw_phase_at_t;

/* Run req through phases[0..n) from *at. Returns GW_AGAIN with *at on the
 * handler that must wait (call again from there), or GW_DONE when a handler
 * answered or the last phase is over (*at is then past the end). */
gw_rc_t gw_phases_run(const gw_phase_t *phases, size_t n, gateway_t *gw, gw_request_t *req,
                      gw_phase_at_t *at);

/* The phase handlers; phases.c puts them in order. */
gw_rc_t gw_route_phase(gateway_t *gw, gw_request_t *req);       /* http.c: 413, 404, 405 */
gw_rc_t gw_public_phase(gateway_t *gw, gw_request_t *req);      /* auth.c: public caller */
gw_rc_t gw_auth_phase(gateway_t *gw, gw_request_t *req);        /* auth.c: API key, 401 */
gw_rc_t gw_scope_phase(gateway_t *gw, gw_request_t *req);       /* auth.c: 403 */
gw_rc_t gw_ratelimit_phase(gateway_t *gw, gw_request_t *req);   /* ratelimit.c: 429 */
gw_rc_t gw_idempotency_phase(gateway_t *gw, gw_request_t *req); /* idempotency.c */
gw_rc_t gw_local_phase(gateway_t *gw, gw_request_t *req);       /* routes.c: local routes */
gw_rc_t gw_stream_phase(gateway_t *gw, gw_request_t *req);      /* stream.c: event streams */
gw_rc_t gw_proxy_phase(gateway_t *gw, gw_request_t *req);       /* proxy.c: bus routes */

/* ---- proxy.c: the pieces a stream reuses ---- */

/* The route's request message built from req (body, path parameters,
 * query), or NULL after answering 400/415. The caller frees it with
 * protobuf_c_message_free_unpacked(msg, NULL). */
ProtobufCMessage *gw_proxy_message(gw_request_t *req, const gw_route_t *route);

/* Call the route's method with msg as caller, on this thread's bus client,
 * under the request's trace and id (traceparent and request_id may be
 * NULL). Returns 0 with *reply (free with protobuf_c_message_free_unpacked),
 * or the bus error code with *st filled (hf_status_clear it). */
int gw_proxy_call(gateway_t *gw, const gw_route_t *route, const ProtobufCMessage *msg,
                  const Hrflow__V1__Caller *caller, const char *traceparent,
                  const char *request_id, ProtobufCMessage **reply, hf_status_t *st);

/* ---- stream.c and http.c: streamed answers ---- */

/* Give the next bytes of a streamed answer: copy at most max into buf and
 * return how many; 0 after gw_request_suspend() (nothing yet: the
 * connection waits until gw_request_resume()); GW_STREAM_END to end it.
 * Called on the connection's I/O thread. (libmicrohttpd's content reader.) */
#define GW_STREAM_END ((ssize_t)-1)
typedef ssize_t (*gw_stream_read_fn)(void *cls, uint64_t pos, char *buf, size_t max);

/* Answer with status 200 and a body of unknown length that read() gives as
 * it comes (chunked), with the usual headers; free_fn(cls) runs when the
 * answer is done with, after the request's cleanups or before them. */
void gw_respond_stream(gw_request_t *r, const char *content_type, gw_stream_read_fn read,
                       void *cls, void (*free_fn)(void *cls));

/* Take a streamed answer's connection out of the event loop (from within
 * its read function only), and put it back (any thread, until the request's
 * cleanups have run). */
void gw_request_suspend(gw_request_t *r);
void gw_request_resume(gw_request_t *r);

/* Start the stream pump (its thread, the event plane subscription), and
 * stop it: every open stream ends, and the call returns when they have
 * (at most a few seconds). Start returns 0, or -1 after logging. */
int gw_streams_start(gateway_t *gw);
void gw_streams_stop(void);

/* ---- auth.c, ratelimit.c, tokens.c ---- */

/* A rate-limit decision (ratelimit.c). */
typedef struct {
    int checked;                  /* 0: not decided (Redis down, or not run yet) */
    long long allowed, retry_ms, remaining, reset_ms;
} gw_rate_result_t;

/* Who is calling: the access phase fills it (an API key's caller, or the
 * public by client address); scopes 0 until then. */
typedef struct {
    const Hrflow__V1__Caller *caller; /* borrowed: the request owns it */
    unsigned scopes;              /* GW_SCOPE_* bits */
    char tat_key[80];             /* the caller's rate-limit state in Redis */
    char key_id[64];              /* an API key's id and its token's SHA-256 (hex), */
    char token_sha256[65];        /*   for asking again later (gw_auth_recheck); else "" */
    gw_rate_result_t rate;        /* decided with the cached lookup, if it ran */
} gw_identity_t;

/* The request's identity (zeroed when the request starts; never NULL). */
gw_identity_t *gw_request_identity(gw_request_t *r);

/* Ask identity again whether the API key of id (its key_id and token
 * hash) still authenticates, for a request that outlives the moment it was
 * let in (an event stream). Returns 1 when it does, 0 when it is unknown or
 * revoked, -1 when identity could not say (unavailable). */
int gw_auth_recheck(gateway_t *gw, const char *key_id, const char *token_sha256);

/* ---- authcache.c: authenticated keys held in the process ---- */

/* Start holding keys (when cfg.auth_local_ms > 0 and there is an event
 * plane to hear revocations on: its listener thread starts), and stop.
 * Start returns 0, or -1 after logging. */
int gw_authcache_start(const gateway_t *gw);
void gw_authcache_stop(void);
/* Empty the table and trust entries for local_ms from now on (0: hold
 * nothing). Start calls it; tests call it directly. */
void gw_authcache_init(long local_ms);
int gw_authcache_enabled(void);
/* The revocations seen so far: note it before asking Redis or identity,
 * and hand it to gw_authcache_put. */
uint64_t gw_authcache_epoch(void);
/* The request's caller from a fresh entry for the token hash: 1 with
 * *caller (free with protobuf_c_message_free_unpacked) and, for a key with
 * a limit, *rate decided from the lease (a token spent) or a standing
 * refusal; 0 when Redis must be asked, with *give_back the unspent tokens
 * of a lease that ran out of time (ratelimit.c returns them) and *lease 1
 * when this request is the one of the replica to ask for a new lease (the
 * others ask for one token). */
int gw_authcache_take(const char *hash, Hrflow__V1__Caller **caller, gw_rate_result_t *rate,
                      long *give_back, int *lease);
/* Redis or identity said the key authenticates as c: hold it, with the
 * limit's decision (rate, NULL when none was made) and the tokens granted
 * with it (the request spends one; rate->remaining then counts those
 * held). Returns -1 when the key was revoked since epoch0 (the request
 * gets 401), else 0 (kept, or not when the table is full or off). */
int gw_authcache_put(const char *hash, const char *key_id, const Hrflow__V1__Caller *c,
                     int limited, uint64_t epoch0, gw_rate_result_t *rate, long granted);
/* The key was revoked: drop its entries and let lookups in flight know. */
void gw_authcache_forget(const char *key_id);

/* identity's event for a revoked API key, and the key's id it names (its
 * subject is "apikeys/<id>"), or NULL for any other event. */
#define GW_API_KEY_REVOKED_TYPE "hrflow.identity.api_key.revoked.v1"
const char *gw_revoked_key_id(const Hrflow__V1__Event *ev);

/* Parse "admin=100:200,recruiter=50:100" into rates (by scope bit index).
 * Scopes not named keep their value. Returns 0, or -1 with the reason in err. */
int gw_rate_parse(const char *spec, gw_rate_t *rates, char *err, size_t errlen);
/* The most generous limit among the scopes, and the scope it comes from
 * ("default" and a zero rate when none is set: no limit). */
void gw_rate_of(const gateway_t *gw, unsigned scopes, gw_rate_t *lim, const char **policy);
/* One Redis round trip: the auth cache entry at auth_key and, when found,
 * the rate limit it carries applied to tat_key, taking a lease of
 * max(1, burst / lease_div) tokens (1 when lease_div is 0) after handing
 * back give_back unspent ones. Returns 1 with *entry (malloc'd,
 * NUL-terminated, *len bytes), *rate and *granted (0 when refused) set;
 * 0 on a miss; 2 when the key was revoked (identity's tombstone); -1 when
 * Redis did not answer. */
#define GW_LEASE_DIV 16
int gw_auth_cached(gateway_t *gw, const char *auth_key, const char *tat_key, long lease_div,
                   long give_back, char **entry, size_t *len, gw_rate_result_t *rate,
                   long *granted);

/* ---- openapi.c ---- */

/* Build the OpenAPI 3.1 document from the route table into gw->openapi.
 * Returns 0, or -1 when out of memory. */
int gw_openapi_build(gateway_t *gw);
void gw_openapi(gateway_t *gw, gw_request_t *req);

/* ---- asyncapi.c ---- */

/* The events' AsyncAPI 3.0 document (docs/asyncapi.json, built in). */
void gw_asyncapi(gateway_t *gw, gw_request_t *req);

/* ---- health.c ---- */
void gw_healthz(gateway_t *gw, gw_request_t *req);
/* The public port's /readyz: {"status": "ready"} (200) or "not ready" (503),
 * from a check made at most once per cfg.ready_cache_ms across threads. */
void gw_readyz(gateway_t *gw, gw_request_t *req);
/* The admin listener's /readyz (an hf_metrics_page_t function; arg is the
 * gateway_t): every component with its details, checked on each call. */
unsigned gw_readyz_detailed(void *arg, char **body, const char **content_type);

/* Start and stop the HTTP server (http.c). Returns 0, or -1 with a log line. */
int gw_http_start(gateway_t *gw);
void gw_http_stop(void);

#endif
