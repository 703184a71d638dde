/* services/broker/main.c - wiring: configuration, signals, metrics, then broker_run()
 *
 * Run several brokers and give every client and worker all of their
 * endpoints. SIGTERM drains: requests in flight finish and their replies are
 * delivered before the broker exits, while new ones are refused (UNAVAILABLE)
 * so callers go to another broker; a killed broker costs only the requests it
 * held, which their callers see as a clear error (docs/architecture.md).
 */
#include "broker.h"

#include "hf/bus.h"
#include "hf/config.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hf/process.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static struct {
    const char *rpc, *xsub, *xpub, *metrics_addr, *log_level, *instance;
    long heartbeat_ms, liveness, queue_max, unavailable_ms, timeout_ms, attempts, drain_ms;
} S;

static const hf_config_var_t settings[] = {
    { "HF_BROKER_BIND", HF_CONFIG_STRING, "tcp://127.0.0.1:7001", 0, 0,
      "RPC endpoint clients and workers connect to", &S.rpc },
    { "HF_BROKER_XSUB_BIND", HF_CONFIG_STRING, "tcp://127.0.0.1:7002", 0, 0,
      "event-plane endpoint publishers connect to", &S.xsub },
    { "HF_BROKER_XPUB_BIND", HF_CONFIG_STRING, "tcp://127.0.0.1:7003", 0, 0,
      "event-plane endpoint subscribers connect to", &S.xpub },
    { "HF_HEARTBEAT_MS", HF_CONFIG_INT, "1000", 20, 60000,
      "heartbeat interval to and from workers", &S.heartbeat_ms },
    { "HF_LIVENESS", HF_CONFIG_INT, "3", 2, 100,
      "missed heartbeats after which a worker is dead", &S.liveness },
    { "HF_BROKER_QUEUE_MAX", HF_CONFIG_INT, "1000", 1, 10000000,
      "waiting requests per service before callers get OVERLOADED", &S.queue_max },
    { "HF_BROKER_UNAVAILABLE_MS", HF_CONFIG_INT, "1000", 0, 600000,
      "how long a request waits for a service that has no worker", &S.unavailable_ms },
    { "HF_BUS_TIMEOUT_MS", HF_CONFIG_INT, "5000", 1, 3600000,
      "deadline of a request that names none", &S.timeout_ms },
    { "HF_BROKER_MAX_ATTEMPTS", HF_CONFIG_INT, "2", 1, 10,
      "tries of an idempotent request whose worker died", &S.attempts },
    { "HF_BROKER_DRAIN_MS", HF_CONFIG_INT, "5000", 0, 600000,
      "on SIGTERM, how long to wait for requests in flight", &S.drain_ms },
    { "HF_METRICS_ADDR", HF_CONFIG_STRING, "off", 0, 0, "host:port for /metrics, or off",
      &S.metrics_addr },
    { "HF_LOG_LEVEL", HF_CONFIG_STRING, "info", 0, 0, "debug, info, warn or error",
      &S.log_level },
    { "HF_INSTANCE", HF_CONFIG_STRING, "auto", 0, 0,
      "this broker's name in logs and health; auto = hostname:pid", &S.instance },
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

/* hrflow-broker keygen: a new CURVE key pair, for any process of the bus. */
static int keygen(void)
{
    char public_key[HF_BUS_KEY_TEXT], secret_key[HF_BUS_KEY_TEXT];
    if (hf_bus_keygen(public_key, secret_key) < 0) {
        fprintf(stderr, "hrflow-broker: this libzmq has no CURVE support\n");
        return 1;
    }
    printf("public %s\nsecret %s\n", public_key, secret_key);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "keygen") == 0)
        return keygen();
    const hf_program_t prog = {
        .name = "broker",
        .summary = "The hrflow bus broker.\n\n"
                   "hrflow-broker keygen prints a new CURVE key pair (\"public KEY\" and \"secret "
                   "KEY\"\nlines, Z85) for the broker or any process of the bus.",
        .vars = settings, .n_vars = N_SETTINGS, .log_level = &S.log_level,
        .uses = HF_USES_BUS_SERVER,
    };
    int rc = hf_program_start(&prog, argc, argv, NULL);
    if (rc >= 0)
        return rc;
    /* block before any thread starts, then take the signals through a fd */
    sigset_t set;
    hf_signals_block(&set, 0);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);

    char instance[128], err[512];
    hf_instance_name(S.instance, instance, sizeof(instance));
    broker_opts_t o = {
        .rpc_bind = S.rpc,
        .xsub_bind = S.xsub,
        .xpub_bind = S.xpub,
        .heartbeat_ms = (int)S.heartbeat_ms,
        .liveness = (int)S.liveness,
        .queue_max = (int)S.queue_max,
        .unavailable_ms = (int)S.unavailable_ms,
        .default_timeout_ms = (int)S.timeout_ms,
        .max_attempts = (int)S.attempts,
        .drain_ms = (int)S.drain_ms,
        .instance = instance,
    };
    broker_t *b = broker_new(&o, err, sizeof(err));
    if (!b) {
        hf_error("cannot start: %s", err);
        return 1;
    }
    if (strcmp(S.metrics_addr, "off") != 0 && hf_metrics_serve(S.metrics_addr) < 0)
        hf_warn("cannot serve metrics on %s", S.metrics_addr);
    if (hf_bus_curve_enabled())
        hf_info("bus: CURVE on, server public key %s, %zu authorised client keys",
                hf_bus_server_public_key(), hf_bus_authorized_count());
    else
        hf_warn("bus: HF_BUS_CURVE is off: any process that reaches the broker's ports is "
                "believed, whatever tenant and scopes it claims");
    broker_run(b, sfd);
    broker_destroy(&b);
    hf_bus_shutdown();
    hf_metrics_serve_stop();
    close(sfd);
    return 0;
}
