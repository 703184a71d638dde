/* tests/integration/echo-worker.c - an Echo service replica for bus tests and benchmarks
 *
 * A bare hf_worker with no database: Echo (idempotent) and Record (not)
 * answer with the request body and this replica's instance name after an
 * optional sleep, so tests can tell replicas apart and hold requests in flight.
 * Configured like a service: HF_BROKERS, HF_WORKER_THREADS, HF_WORKER_PREFETCH,
 * HF_WORKER_PREFETCH_MAX, HF_HEARTBEAT_MS,
 * HF_LIVENESS, HF_INSTANCE, and the bus's CURVE keys (HF_BUS_*).
 */
#include "hf/bus.h"
#include "hf/config.h"
#include "hf/log.h"
#include "hf/process.h"
#include "hrflow/v1/testing.pb-c.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static int echo(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)
{
    const Hrflow__V1__EchoRequest *in = (const Hrflow__V1__EchoRequest *)req;
    if (in->sleep_ms)
        usleep(in->sleep_ms * 1000u);
    Hrflow__V1__EchoReply *r = HF_CALL_NEW(call, Hrflow__V1__EchoReply, hrflow__v1__echo_reply__init);
    if (!r)
        return hf_call_fail(call, HRFLOW__V1__ERROR_CODE__INTERNAL, "out of memory");
    r->body = in->body;
    r->instance = (char *)hf_worker_instance(hf_call_worker(call));
    *reply = &r->base;
    return 0;
}

static int health(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)
{
    (void)req;
    Hrflow__V1__HealthResponse *r =
        HF_CALL_NEW(call, Hrflow__V1__HealthResponse, hrflow__v1__health_response__init);
    if (!r)
        return hf_call_fail(call, HRFLOW__V1__ERROR_CODE__INTERNAL, "out of memory");
    r->service = "echo";
    r->instance = (char *)hf_worker_instance(hf_call_worker(call));
    r->ok = 1;
    *reply = &r->base;
    return 0;
}

static const hf_method_t methods[] = {
    { "Health", health, HF_IDEMPOTENT },
    { "Echo", echo, HF_IDEMPOTENT },
    { "Record", echo, 0 },
};

static struct {
    const char *brokers, *instance, *log_level;
    long threads, prefetch, prefetch_max, heartbeat_ms, liveness;
} S;

static const hf_config_var_t settings[] = {
    { "HF_BROKERS", HF_CONFIG_STRING, NULL, 0, 0, "broker endpoints", &S.brokers },
    { "HF_INSTANCE", HF_CONFIG_STRING, "echo", 0, 0, "replica name", &S.instance },
    { "HF_WORKER_THREADS", HF_CONFIG_INT, "2", 1, 256, "handler threads", &S.threads },
    { "HF_WORKER_PREFETCH", HF_CONFIG_INT, "1", 1, 1024, "requests per thread", &S.prefetch },
    { "HF_WORKER_PREFETCH_MAX", HF_CONFIG_INT, "0", 0, 1024,
      "adaptive capacity up to this many per thread; 0 = fixed", &S.prefetch_max },
    { "HF_HEARTBEAT_MS", HF_CONFIG_INT, "1000", 10, 60000, "heartbeat interval", &S.heartbeat_ms },
    { "HF_LIVENESS", HF_CONFIG_INT, "3", 2, 100, "missed heartbeats to death", &S.liveness },
    { "HF_LOG_LEVEL", HF_CONFIG_STRING, "info", 0, 0, "log level", &S.log_level },
};

static void *run(void *w)
{
    hf_worker_run(w);
    kill(getpid(), SIGTERM); /* wake main if the worker ended by itself */
    return NULL;
}

int main(int argc, char **argv)
{
    const hf_program_t prog = { .name = "echo", .summary = "An Echo replica for bus tests.",
                                .vars = settings, .n_vars = sizeof(settings) / sizeof(settings[0]),
                                .log_level = &S.log_level, .uses = HF_USES_BUS_CLIENT };
    int rc = hf_program_start(&prog, argc, argv, NULL);
    if (rc >= 0)
        return rc;
    sigset_t set;
    hf_signals_block(&set, 0);
    char err[1024];
    hf_worker_opts_t o = {
        .service = "echo",
        .descriptor = &hrflow__v1__echo__descriptor,
        .methods = methods,
        .n_methods = sizeof(methods) / sizeof(methods[0]),
        .endpoints = S.brokers,
        .threads = (int)S.threads,
        .prefetch = (int)S.prefetch,
        .prefetch_max = (int)S.prefetch_max,
        .heartbeat_ms = (int)S.heartbeat_ms,
        .liveness = (int)S.liveness,
        .instance = S.instance,
    };
    hf_worker_t *w = hf_worker_new(&o, err, sizeof(err));
    if (!w) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    pthread_t t;
    pthread_create(&t, NULL, run, w);
    int sig;
    sigwait(&set, &sig);
    hf_worker_stop(w);
    pthread_join(t, NULL);
    hf_worker_destroy(&w);
    hf_bus_shutdown();
    return 0;
}
