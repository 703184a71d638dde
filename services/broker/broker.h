/* services/broker/broker.h - the broker: RPC dispatch and the event proxy
 *
 * One thread, one zmq_poll loop over three sockets: the RPC ROUTER that
 * clients and workers share (told apart by their first frame), and the
 * XSUB/XPUB pair of the event plane. main.c only wires configuration and
 * signals to this.
 */
#ifndef HF_BROKER_H
#define HF_BROKER_H

#include <stddef.h>

typedef struct broker broker_t;

typedef struct {
    const char *rpc_bind;      /* "tcp://127.0.0.1:7001" */
    const char *xsub_bind;     /* publishers connect here */
    const char *xpub_bind;     /* subscribers connect here */
    int heartbeat_ms;          /* to and from workers */
    int liveness;              /* missed heartbeats before a worker is dead */
    int queue_max;             /* waiting requests per service before OVERLOADED */
    int unavailable_ms;        /* how long a request waits for a service with no worker */
    int default_timeout_ms;    /* deadline of a request that names none */
    int max_attempts;          /* tries of an idempotent request whose worker died */
    int drain_ms;              /* on stop: longest wait for requests in flight */
    const char *instance;      /* name in Health replies */
} broker_opts_t;

/* Bind the sockets: CURVE servers (hf_bus_socket) while HF_BUS_CURVE is on,
 * with the ZAP handler (zap.h) bound first. Returns NULL with the reason in err. */
broker_t *broker_new(const broker_opts_t *o, char *err, size_t errlen);

/* Serve until stop_fd (a signalfd or any fd; -1 = none) becomes readable or
 * broker_stop() is called; then drain. Returns 0. */
int broker_run(broker_t *b, int stop_fd);
void broker_stop(broker_t *b);

void broker_destroy(broker_t **b);

#endif
