/* services/gateway/health.c - /healthz, the public /readyz and the admin listener's detailed one
 *
 * /healthz says the process answers HTTP and nothing more (a liveness probe
 * must not fail because a dependency is down, or Kubernetes restarts a
 * healthy gateway). Readiness checks what a request needs: PostgreSQL,
 * Redis, the broker, and every service answering Health through the bus;
 * the Health calls go out together, so a check costs one round trip.
 *
 * The details of a check (each component's instance, version and worker
 * counts) are for operators: the admin listener (HF_METRICS_ADDR, beside
 * /metrics, never the public port) answers them, checked afresh on each
 * call. The public port's /readyz says only ready or not, from the last
 * check, made at most once per HF_GATEWAY_READY_CACHE_MS by whichever
 * handler thread asks first once the last one is older; the other threads
 * answer from the last result meanwhile (not ready before the first check
 * ends). So a flood of /readyz costs PostgreSQL, Redis and the services one
 * check per interval, not one per request.
 */
#include "gateway.h"
#include "services.h"

#include "hf/log.h"
#include "hf/metrics.h"
#include "hrflow/v1/health.pb-c.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What /readyz expects to answer through the bus: the broker itself and every
 * domain service of services/services.list. */
static const char *const bus_targets[] = { "broker", GW_SERVICE_NAMES };
#define N_TARGETS (sizeof(bus_targets) / sizeof(bus_targets[0]))

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static json_t *component(int ok, const char *detail, double ms)
{
    json_t *o = json_pack("{s:b, s:f}", "ok", ok, "latencyMs", ms);
    if (detail && *detail)
        json_object_set_new(o, "detail", json_string(detail));
    return o;
}

void gw_healthz(gateway_t *gw, gw_request_t *req)
{
    (void)gw;
    gw_respond_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

static json_t *check_postgres(gateway_t *gw)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char err[256] = "";
    PGconn *c = hf_db_acquire(gw->pool, 1000, err, sizeof(err));
    int ok = 0;
    if (c) {
        PGresult *r = hf_db_query(c, "SELECT 1", 0, NULL);
        ok = r != NULL;
        if (!ok)
            snprintf(err, sizeof(err), "SELECT 1 failed");
        PQclear(r);
        hf_db_release(gw->pool, &c);
    }
    return component(ok, ok ? NULL : err, ms_since(&t0));
}

static json_t *check_redis(gateway_t *gw)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    hf_cache_t *c = gw_cache(gw);
    int ok = c && hf_cache_ping(c) == 0;
    return component(ok, ok ? NULL : c ? hf_cache_error(c) : "out of memory", ms_since(&t0));
}

static json_t *health_json(const Hrflow__V1__HealthResponse *h, double ms)
{
    json_t *o = component(h->ok, NULL, ms);
    json_object_set_new(o, "instance", json_string(h->instance));
    json_object_set_new(o, "version", json_string(h->version));
    json_t *checks = json_object();
    for (size_t i = 0; i < h->n_checks; i++) {
        const Hrflow__V1__HealthCheck *c = h->checks[i];
        json_t *jc = json_pack("{s:b}", "ok", c->ok);
        if (c->detail && *c->detail)
            json_object_set_new(jc, "detail", json_string(c->detail));
        json_object_set_new(checks, c->name, jc);
    }
    json_object_set_new(o, "checks", checks);
    return o;
}

/* Send Health to every target, then collect the replies into components. */
static void check_bus(gateway_t *gw, json_t *components)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    hf_bus_client_t *bus = gw_bus(gw);
    char ids[N_TARGETS][HF_BUS_ID_MAX];
    int sent[N_TARGETS] = { 0 };
    const char *why = "no broker reachable";
    Hrflow__V1__HealthRequest hreq = HRFLOW__V1__HEALTH_REQUEST__INIT;
    hf_call_opts_t opts = { .timeout_ms = (int)gw->cfg.ready_timeout_ms, .more = 1 };
    int64_t until = hf_mono_ms() + gw->cfg.ready_timeout_ms;
    for (size_t i = 0; bus && i < N_TARGETS; i++)
        sent[i] = hf_bus_send(bus, bus_targets[i], "Health", &hreq.base, &opts, ids[i]) == 0;
    size_t pending = 0;
    for (size_t i = 0; i < N_TARGETS; i++)
        pending += sent[i];
    while (pending > 0) {
        int64_t left = until - hf_mono_ms();
        Hrflow__V1__Envelope *env = NULL;
        if (left <= 0 || hf_bus_recv(bus, (int)left, &env) <= 0)
            break;
        for (size_t i = 0; i < N_TARGETS; i++) {
            if (!sent[i] || strcmp(env->request_id, ids[i]) != 0)
                continue;
            ProtobufCMessage *m = NULL;
            hf_status_t st = { 0 };
            if (hf_bus_reply_decode(env, &hrflow__v1__health_response__descriptor, &m, &st) == 0) {
                json_object_set_new(components, bus_targets[i],
                                    health_json((Hrflow__V1__HealthResponse *)m, ms_since(&t0)));
                protobuf_c_message_free_unpacked(m, NULL);
            } else {
                char d[600];
                snprintf(d, sizeof(d), "%s: %s", hf_error_code_name(st.code), st.message);
                json_object_set_new(components, bus_targets[i], component(0, d, ms_since(&t0)));
            }
            hf_status_clear(&st);
            sent[i] = 0;
            pending--;
        }
        hrflow__v1__envelope__free_unpacked(env, NULL);
    }
    for (size_t i = 0; i < N_TARGETS; i++) {
        if (json_object_get(components, bus_targets[i]))
            continue;
        char d[128];
        if (sent[i])
            snprintf(d, sizeof(d), "no reply within %ld ms", gw->cfg.ready_timeout_ms);
        else
            snprintf(d, sizeof(d), "%s", why);
        json_object_set_new(components, bus_targets[i], component(0, d, ms_since(&t0)));
    }
}

/* Check every component. Returns them by name ({"postgres": {"ok": …}, …})
 * with *ready 1 when all are ok. */
static json_t *check(gateway_t *gw, int *ready)
{
    hf_counter_inc(hf_metrics_counter("hf_gateway_ready_checks_total",
                                      "readiness checks made (each asks PostgreSQL, Redis, the "
                                      "broker and every service)", NULL));
    json_t *components = json_object();
    json_object_set_new(components, "postgres", check_postgres(gw));
    json_object_set_new(components, "redis", check_redis(gw));
    check_bus(gw, components);
    *ready = 1;
    const char *k;
    json_t *v;
    json_object_foreach(components, k, v)
        *ready &= json_is_true(json_object_get(v, "ok"));
    return components;
}

/* The public /readyz's view of the last check, shared by every thread. */
static struct {
    pthread_mutex_t lock;
    int64_t ended_ms;  /* when the last check ended; 0: none has yet */
    int checking;      /* a thread is checking now */
    int ready;
} last = { .lock = PTHREAD_MUTEX_INITIALIZER };

void gw_readyz(gateway_t *gw, gw_request_t *req)
{
    pthread_mutex_lock(&last.lock);
    int64_t now = hf_mono_ms();
    int mine = !last.checking &&
               (last.ended_ms == 0 || now - last.ended_ms >= gw->cfg.ready_cache_ms);
    last.checking |= mine;
    int ready = last.ready;
    pthread_mutex_unlock(&last.lock);
    if (mine) {
        json_decref(check(gw, &ready));
        pthread_mutex_lock(&last.lock);
        last.ready = ready;
        last.ended_ms = hf_mono_ms();
        last.checking = 0;
        pthread_mutex_unlock(&last.lock);
    }
    gw_respond_json(req, ready ? 200 : 503,
                    json_pack("{s:s}", "status", ready ? "ready" : "not ready"));
}

unsigned gw_readyz_detailed(void *arg, char **body, const char **content_type)
{
    int ready = 0;
    json_t *components = check(arg, &ready);
    json_t *doc = json_pack("{s:s, s:o}", "status", ready ? "ready" : "not ready", "components",
                            components);
    /* latencies to 6 significant digits (12.4607), not jansson's 17 (12.460694999999999) */
    *body = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    *content_type = "application/json";
    json_decref(doc);
    return ready ? 200 : 503;
}
