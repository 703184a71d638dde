/* services/gateway/main.c - wiring: settings, the database pool, HTTP, the admin listener, signals
 *
 * Signals are blocked before libmicrohttpd starts its threads and taken here
 * with sigwait, so SIGTERM never lands in an HTTP thread. The admin listener
 * (HF_METRICS_ADDR: /metrics and the detailed /readyz) is apart from the
 * public port, as every process's /metrics is.
 */
#include "gateway.h"

#include "hf/config.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hf/process.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gw_config_t C;
static const char *log_level;

static const hf_config_var_t settings[] = {
    { "HF_GATEWAY_ADDR", HF_CONFIG_STRING, "127.0.0.1:8080", 0, 0,
      "host:port the HTTP API listens on", &C.addr },
    { "HF_BROKERS", HF_CONFIG_STRING, "tcp://127.0.0.1:7001", 0, 0,
      "broker RPC endpoints, comma-separated", &C.brokers },
    { "HF_PG_DSN", HF_CONFIG_STRING, "host=127.0.0.1 port=7432 user=hrflow dbname=hrflow", 0, 0,
      "PostgreSQL connection string (libpq conninfo)", &C.pg_dsn },
    { "HF_REDIS_ADDR", HF_CONFIG_STRING, "127.0.0.1:7379", 0, 0, "Redis host:port",
      &C.redis_addr },
    { "HF_GATEWAY_THREADS", HF_CONFIG_INT, "2", 1, 256,
      "libmicrohttpd I/O threads (about one per core)", &C.threads },
    { "HF_GATEWAY_WORKERS", HF_CONFIG_INT, "64", 1, 4096,
      "handler threads: requests waiting on a service at once, per replica", &C.workers },
    { "HF_GATEWAY_MAX_BODY", HF_CONFIG_INT, "1048576", 1024, 268435456,
      "largest request body in bytes (413 beyond)", &C.max_body },
    { "HF_GATEWAY_MAX_UPLOAD", HF_CONFIG_INT, "67108864", 1024, 1073741824,
      "largest body of routes that take uploads (interview audio, imports)", &C.max_upload },
    { "HF_GATEWAY_CONN_TIMEOUT_S", HF_CONFIG_INT, "30", 1, 3600,
      "idle or slow connections are closed after this many seconds", &C.conn_timeout_s },
    { "HF_GATEWAY_MAX_CONNECTIONS", HF_CONFIG_INT, "1024", 1, 100000,
      "concurrent connections at most", &C.max_connections },
    { "HF_READY_TIMEOUT_MS", HF_CONFIG_INT, "2000", 10, 60000,
      "how long a readiness check waits for each dependency", &C.ready_timeout_ms },
    { "HF_GATEWAY_READY_CACHE_MS", HF_CONFIG_INT, "1000", 100, 60000,
      "the public /readyz answers from a check made at most once per this many ms, however "
      "many ask", &C.ready_cache_ms },
    { "HF_METRICS_ADDR", HF_CONFIG_STRING, "off", 0, 0,
      "host:port of the admin listener (/metrics, /readyz with every component's details), "
      "apart from the API's; or off", &C.metrics_addr },
    { "HF_GATEWAY_CALL_TIMEOUT_MS", HF_CONFIG_INT, "10000", 50, 600000,
      "deadline of the bus call made for a request (504 beyond)", &C.call_timeout_ms },
    { "HF_GATEWAY_AUTH_CACHE_S", HF_CONFIG_INT, "60", 1, 3600,
      "how long Redis caches an authenticated API key (a revocation replaces it with a "
      "tombstone at once)",
      &C.auth_cache_s },
    { "HF_GATEWAY_AUTH_LOCAL_MS", HF_CONFIG_INT, "1000", 0, 60000,
      "how long a replica trusts an API key Redis vouched for without asking again, with a "
      "lease of rate-limit tokens (revocations reach it at once on the event plane; this "
      "bounds a lost one); 0: ask Redis on every request",
      &C.auth_local_ms },
    { "HF_GATEWAY_IDEMPOTENCY_TTL_S", HF_CONFIG_INT, "86400", 60, 604800,
      "how long a POST's Idempotency-Key and its response are remembered",
      &C.idempotency_ttl_s },
    { "HF_GATEWAY_RATE_LIMITS", HF_CONFIG_STRING,
      "admin=50:100,recruiter=100:200,payroll=50:100,integrator=20:40,public=20:200,"
      "engine=200:400",
      0, 0,
      "requests per second and burst per API key, by scope: scope=rate:burst,… (public: per "
      "client address, on the routes that need no key)",
      &C.rate_limits },
    { "HF_GATEWAY_PUBLIC_URL", HF_CONFIG_STRING, "http://127.0.0.1:8080", 0, 0,
      "the API's public base URL, for the OpenAPI document", &C.public_url },
    { "HF_GATEWAY_CLIENT_IP_HEADER", HF_CONFIG_STRING, "", 0, 0,
      "behind a proxy or ingress: the header it writes the client's address in (e.g. "
      "X-Forwarded-For; its last entry counts); empty: the connection's peer",
      &C.client_ip_header },
    { "HF_EVENTS_SUB", HF_CONFIG_STRING, "tcp://127.0.0.1:7003", 0, 0,
      "the broker's event plane (XPUB endpoints, comma-separated): event streams wake on "
      "their tenant's events; empty: they only poll",
      &C.events_sub },
    { "HF_GATEWAY_STREAMS_PER_KEY", HF_CONFIG_INT, "5", 1, 10000,
      "open event streams (GET /v1/events/stream) at most per API key (429 beyond)",
      &C.streams_per_key },
    { "HF_GATEWAY_STREAMS_PER_TENANT", HF_CONFIG_INT, "50", 1, 100000,
      "open event streams at most per tenant (429 beyond)", &C.streams_per_tenant },
    { "HF_GATEWAY_STREAM_HEARTBEAT_MS", HF_CONFIG_INT, "15000", 100, 600000,
      "a quiet event stream gets a keep-alive comment this often (a client that left is "
      "noticed then)",
      &C.stream_heartbeat_ms },
    { "HF_GATEWAY_STREAM_POLL_MS", HF_CONFIG_INT, "5000", 100, 600000,
      "an event stream reads the log at least this often, whatever the event plane says",
      &C.stream_poll_ms },
    { "HF_LOG_LEVEL", HF_CONFIG_STRING, "info", 0, 0, "debug, info, warn or error", &log_level },
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

/* Settings that need more than a range check. Returns 0, or -1 after logging. */
static int derive(gateway_t *gw)
{
    char err[256];
    if (gw_rate_parse(C.rate_limits, gw->rates, err, sizeof(err)) < 0) {
        hf_error("HF_GATEWAY_RATE_LIMITS: %s", err);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const hf_program_t prog = { .name = "gateway", .summary = "The hrflow HTTP API.",
                                .vars = settings, .n_vars = N_SETTINGS,
                                .log_level = &log_level,
                                .uses = HF_USES_BUS_CLIENT | HF_USES_REDIS };
    int rc = hf_program_start(&prog, argc, argv, NULL);
    if (rc >= 0)
        return rc;
    sigset_t set;
    hf_signals_block(&set, 0);

    gateway_t gw = { .cfg = C };
    if (derive(&gw) < 0)
        return 2;
    if (gw_routes_check() < 0 || gw_openapi_build(&gw) < 0)
        return 1;
    /* readiness checks are its only users: the public /readyz's (one at a
     * time) and the admin listener's (one thread) */
    gw.pool = hf_db_pool_new(C.pg_dsn, 2, 3);
    if (!gw.pool || gw_http_start(&gw) < 0) {
        hf_db_pool_destroy(&gw.pool);
        free(gw.openapi);
        return 1;
    }
    const hf_metrics_page_t admin[] = { { "/readyz", gw_readyz_detailed, &gw } };
    if (strcmp(C.metrics_addr, "off") != 0 &&
        hf_metrics_serve_pages(C.metrics_addr, admin, sizeof(admin) / sizeof(admin[0])) < 0)
        hf_warn("cannot serve metrics on %s", C.metrics_addr);
    int sig = 0;
    sigwait(&set, &sig);
    hf_info("received %s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    hf_metrics_serve_stop(); /* its thread's bus client closes before the bus does */
    gw_http_stop();
    hf_db_pool_destroy(&gw.pool);
    free(gw.openapi);
    hf_bus_shutdown();
    return 0;
}
