/* tests/integration/bus_fixture.c - see bus_fixture.h */
#include "bus_fixture.h"
#include "hf/buf.h"
#include "testlib.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hrflow/v1/health.pb-c.h"

int fx_broker_start(fx_broker_t *b, const char *const *extra)
{
    if (!b->rpc) {
        b->rpc = tl_free_port();
        b->xsub = tl_free_port();
        b->xpub = tl_free_port();
        b->metrics = tl_free_port();
    }
    char e[8][96];
    snprintf(e[0], 96, "HF_BROKER_BIND=%s", tl_tcp(b->rpc));
    snprintf(e[1], 96, "HF_BROKER_XSUB_BIND=%s", tl_tcp(b->xsub));
    snprintf(e[2], 96, "HF_BROKER_XPUB_BIND=%s", tl_tcp(b->xpub));
    snprintf(e[3], 96, "HF_METRICS_ADDR=127.0.0.1:%d", b->metrics);
    snprintf(e[4], 96, "HF_HEARTBEAT_MS=%s", FX_HEARTBEAT_MS);
    snprintf(e[5], 96, "HF_BROKER_UNAVAILABLE_MS=300");
    snprintf(e[6], 96, "HF_INSTANCE=broker-%d", b->rpc);
    const char *env[24];
    int n = 0;
    for (int i = 0; i < 7; i++)
        env[n++] = e[i];
    for (int i = 0; extra && extra[i] && n < 23; i++)
        env[n++] = extra[i];
    env[n] = NULL;
    const char *argv[] = { tl_env("HF_TEST_BROKER_BIN"), NULL };
    char log[64];
    snprintf(log, sizeof(log), "broker-%d", b->rpc);
    b->pid = tl_spawn(log, argv, env);
    return b->pid > 0 && tl_wait_port(b->rpc, 5000) == 0 && tl_wait_port(b->metrics, 5000) == 0
               ? 0
               : -1;
}

void fx_broker_kill(fx_broker_t *b, int sig)
{
    tl_stop(b->pid, sig, 5000);
    b->pid = 0;
}

pid_t fx_echo_start(const char *brokers, const char *instance, int threads)
{
    return fx_echo_start_prefetch(brokers, instance, threads, 0, 0);
}

pid_t fx_echo_start_prefetch(const char *brokers, const char *instance, int threads,
                             int prefetch, int prefetch_max)
{
    char e[6][256];
    snprintf(e[0], sizeof(e[0]), "HF_BROKERS=%s", brokers);
    snprintf(e[1], sizeof(e[1]), "HF_INSTANCE=%s", instance);
    snprintf(e[2], sizeof(e[2]), "HF_WORKER_THREADS=%d", threads);
    snprintf(e[3], sizeof(e[3]), "HF_HEARTBEAT_MS=%s", FX_HEARTBEAT_MS);
    snprintf(e[4], sizeof(e[4]), "HF_WORKER_PREFETCH=%d", prefetch > 0 ? prefetch : 1);
    snprintf(e[5], sizeof(e[5]), "HF_WORKER_PREFETCH_MAX=%d", prefetch_max);
    const char *env[] = { e[0], e[1], e[2], e[3], e[4], e[5], NULL };
    const char *argv[] = { tl_env("HF_TEST_ECHO_BIN"), NULL };
    return tl_spawn(instance, argv, env);
}

int fx_wait_workers(int rpc_port, int n, int timeout_ms)
{
    hf_bus_client_t *c = hf_bus_client_new(tl_tcp(rpc_port));
    char want[32];
    snprintf(want, sizeof(want), "echo=%d", n);
    long long until = tl_ms() + timeout_ms;
    int found = 0;
    while (!found && tl_ms() < until) {
        Hrflow__V1__HealthRequest req = HRFLOW__V1__HEALTH_REQUEST__INIT;
        ProtobufCMessage *m = NULL;
        hf_status_t st = { 0 };
        hf_call_opts_t o = { .timeout_ms = 500 };
        if (hf_bus_call(c, "broker", "Health", &req.base, &hrflow__v1__health_response__descriptor,
                        &o, &m, &st) == 0) {
            Hrflow__V1__HealthResponse *h = (Hrflow__V1__HealthResponse *)m;
            const char *d = h->n_checks ? h->checks[0]->detail : "";
            const char *p = strstr(d, want);
            found = p && (p[strlen(want)] == '\0' || p[strlen(want)] == ' ');
            if (n == 0) /* the broker lists only services that have workers */
                found = strstr(d, "echo=") == NULL;
            protobuf_c_message_free_unpacked(m, NULL);
        }
        hf_status_clear(&st);
        if (!found)
            usleep(20000);
    }
    hf_bus_client_destroy(&c);
    return found ? 0 : -1;
}

int fx_echo(hf_bus_client_t *c, const char *method, const char *body, unsigned sleep_ms,
            int timeout_ms, char *instance, hf_status_t *st)
{
    Hrflow__V1__EchoRequest req = HRFLOW__V1__ECHO_REQUEST__INIT;
    req.body.data = (uint8_t *)body;
    req.body.len = strlen(body);
    req.sleep_ms = sleep_ms;
    hf_call_opts_t o = { .timeout_ms = timeout_ms };
    ProtobufCMessage *m = NULL;
    int rc = hf_bus_call(c, "echo", method, &req.base, &hrflow__v1__echo_reply__descriptor, &o, &m,
                         st);
    if (rc == 0) {
        Hrflow__V1__EchoReply *r = (Hrflow__V1__EchoReply *)m;
        if (r->body.len != strlen(body) || memcmp(r->body.data, body, r->body.len) != 0)
            rc = -1;
        if (instance)
            snprintf(instance, 64, "%s", r->instance);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    return rc;
}

size_t fx_batch_envelope(struct hf_buf *items, const char *rid, int batch_replies, uint8_t *out,
                         size_t cap)
{
    size_t len = 0;
    char *bytes = hf_buf_take(items, &len);
    Hrflow__V1__Envelope b = HRFLOW__V1__ENVELOPE__INIT;
    b.service = "broker";
    b.method = HF_BUS_BATCH_METHOD;
    b.request_id = (char *)rid;
    b.batch_replies = batch_replies;
    b.payload.data = (uint8_t *)bytes;
    b.payload.len = len;
    size_t n = hrflow__v1__envelope__get_packed_size(&b);
    n = n <= cap ? hrflow__v1__envelope__pack(&b, out) : 0;
    free(bytes);
    return n;
}

int fx_echo_send(hf_bus_client_t *c, const char *method, unsigned sleep_ms, int timeout_ms,
                 char *id)
{
    Hrflow__V1__EchoRequest req = HRFLOW__V1__ECHO_REQUEST__INIT;
    req.sleep_ms = sleep_ms;
    hf_call_opts_t o = { .timeout_ms = timeout_ms };
    return hf_bus_send(c, "echo", method, &req.base, &o, id);
}

double fx_broker_metric(const fx_broker_t *b, const char *series)
{
    int status = 0;
    char *text = tl_http_get(b->metrics, "/metrics", &status);
    double v = text && status == 200 ? tl_metric(text, series) : -1;
    free(text);
    return v;
}
