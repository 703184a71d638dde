/* tests/integration/bus_fixture.h - brokers and echo workers as child processes
 *
 * Shared by the bus tests and the bus benchmark: start a broker on fresh
 * ports with fast heartbeats, start echo replicas, wait until the broker
 * sees them, and call Echo.
 */
#ifndef HF_BUS_FIXTURE_H
#define HF_BUS_FIXTURE_H

#include <sys/types.h>
#include "hf/bus.h"
#include "hrflow/v1/testing.pb-c.h"

#define FX_HEARTBEAT_MS "100"   /* a dead worker is noticed after 3 x 100 ms */

typedef struct {
    int rpc, xsub, xpub, metrics;
    pid_t pid;
} fx_broker_t;

/* Start a broker; ports are chosen on the first start and kept on restarts.
 * extra: NULL-terminated "NAME=value" settings, or NULL. Returns 0 or -1. */
int fx_broker_start(fx_broker_t *b, const char *const *extra);
void fx_broker_kill(fx_broker_t *b, int sig);

/* Start an echo replica named instance connected to brokers, with threads
 * handler threads and HF_WORKER_PREFETCH prefetch (0 = 1); its capacity
 * adapts up to threads x prefetch_max when that is above (0 = fixed). */
pid_t fx_echo_start(const char *brokers, const char *instance, int threads);
pid_t fx_echo_start_prefetch(const char *brokers, const char *instance, int threads,
                             int prefetch, int prefetch_max);

/* Wait until the broker behind rpc_port reports `echo=<n>` workers. */
int fx_wait_workers(int rpc_port, int n, int timeout_ms);

/* Call echo.<method> with body and sleep; fills instance (64 bytes) when
 * not NULL. Returns 0 or the error code, with st filled. */
int fx_echo(hf_bus_client_t *c, const char *method, const char *body, unsigned sleep_ms,
            int timeout_ms, char *instance, hf_status_t *st);

/* Send echo.<method> asynchronously, holding the worker sleep_ms; the
 * request id goes to id (HF_BUS_ID_MAX). Returns hf_bus_send()'s result. */
int fx_echo_send(hf_bus_client_t *c, const char *method, unsigned sleep_ms, int timeout_ms,
                 char *id);

/* The envelope broker.Batch (request id rid) whose payload is the bytes of
 * items (taken: the buffer is left empty), packed into out (cap bytes).
 * Returns its length. */
struct hf_buf;
size_t fx_batch_envelope(struct hf_buf *items, const char *rid, int batch_replies, uint8_t *out,
                         size_t cap);

/* The broker's /metrics value of series, or -1. */
double fx_broker_metric(const fx_broker_t *b, const char *series);

#endif
