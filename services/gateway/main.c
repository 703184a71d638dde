/* services/gateway/main.c - wiring: configuration, the PostgreSQL pool, HTTP, signals
 *
 * Signals are blocked before libmicrohttpd starts its threads and taken here
 * with sigwait, so SIGTERM never lands in an HTTP thread.
 */
#include "gateway.h"

#include "hf/config.h"
#include "hf/log.h"
#include "hf/process.h"

#include <signal.h>
#include <stdio.h>
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
    { "HF_GATEWAY_THREADS", HF_CONFIG_INT, "2", 1, 256, "HTTP worker threads", &C.threads },
    { "HF_GATEWAY_MAX_BODY", HF_CONFIG_INT, "1048576", 1024, 268435456,
      "largest request body in bytes (413 beyond)", &C.max_body },
    { "HF_GATEWAY_CONN_TIMEOUT_S", HF_CONFIG_INT, "30", 1, 3600,
      "idle or slow connections are closed after this many seconds", &C.conn_timeout_s },
    { "HF_GATEWAY_MAX_CONNECTIONS", HF_CONFIG_INT, "1024", 1, 100000,
      "concurrent connections at most", &C.max_connections },
    { "HF_READY_TIMEOUT_MS", HF_CONFIG_INT, "2000", 10, 60000,
      "how long /readyz waits for each dependency", &C.ready_timeout_ms },
    { "HF_LOG_LEVEL", HF_CONFIG_STRING, "info", 0, 0, "debug, info, warn or error", &log_level },
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

int main(int argc, char **argv)
{
    const hf_program_t prog = { .name = "gateway", .summary = "The hrflow HTTP API.",
                                .vars = settings, .n_vars = N_SETTINGS,
                                .log_level = &log_level };
    int rc = hf_program_start(&prog, argc, argv, NULL);
    if (rc >= 0)
        return rc;
    sigset_t set;
    hf_signals_block(&set, 0);

    gateway_t gw = { .cfg = C };
    gw.pool = hf_db_pool_new(C.pg_dsn, (int)C.threads + 1, 3);
    if (!gw.pool || gw_http_start(&gw) < 0) {
        hf_db_pool_destroy(&gw.pool);
        return 1;
    }
    int sig = 0;
    sigwait(&set, &sig);
    hf_info("received %s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    gw_http_stop();
    hf_db_pool_destroy(&gw.pool);
    hf_bus_shutdown();
    return 0;
}
