/* services/broker/broker_private.h - the broker's state, shared by its two files
 *
 * broker.c has the sockets, the timers, the run loop and the drain;
 * dispatch.c what a message does: a client's request, a worker's command,
 * the least-loaded choice of a worker, a request's life. Nothing outside the
 * broker includes this.
 */
#ifndef HF_BROKER_PRIVATE_H
#define HF_BROKER_PRIVATE_H

#include "broker.h"
#include "zap.h"

#include "hf/arena.h"
#include "hf/buf.h"
#include "hf/metrics.h"

#include <glib.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#define MAX_SERVICES 1024
#define MAX_NAME 128
#define TICK_MS 5            /* deadline resolution while requests are pending */
#define RETRY_AFTER_MS 1000  /* hint sent with OVERLOADED */

typedef struct service service_t;
typedef struct worker worker_t;

typedef struct {
    uint64_t seq;
    GBytes *client;          /* ROUTER identity of the caller */
    zmq_msg_t env;           /* the envelope as received */
    char *service, *method, *request_id;
    int64_t deadline;        /* monotonic ms */
    int64_t unavailable_at;  /* monotonic ms; 0 = not waiting for a first worker */
    service_t *svc;
    worker_t *worker;        /* NULL while waiting */
    GList *qlink;            /* in svc->waiting while waiting */
    int attempts;
    int answered;            /* the client has had its reply */
    int batch_replies;       /* its client takes replies in batches */
} request_t;

struct service {
    char *name;
    GQueue waiting;          /* request_t*, oldest first */
    GPtrArray *workers;      /* worker_t* */
    hf_gauge_t *queue_gauge, *workers_gauge, *capacity_gauge;
};

struct worker {
    GBytes *identity;
    service_t *svc;
    char *instance;
    unsigned capacity, inflight;
    int batch;               /* takes requests in batches (its READY said so) */
    hf_buf_t out;            /* the batch of requests not yet sent */
    int64_t expiry;          /* monotonic ms */
    int leaving;             /* sent DISCONNECT: no new work */
    GHashTable *idempotent;  /* method name set */
    GHashTable *held;        /* request_t* set: in flight here */
};

struct broker {
    broker_opts_t o;
    void *rpc, *xsub, *xpub;
    broker_zap_t *zap;       /* NULL while CURVE is off */
    GHashTable *services, *workers, *requests;
    GPtrArray *flush;        /* worker_t* with a batch to send, at the end of the loop pass */
    GHashTable *client_out;  /* client identity -> hf_buf_t* of replies, sent with them */
    uint64_t next_seq;       /* random start: see first_seq() */
    int64_t next_beat;
    int64_t next_tick;       /* next deadline and liveness check */
    hf_arena_t *arena;       /* per-message decoding */
    _Atomic int stop;
    int draining;
    int64_t drain_until;     /* requests still in flight then are answered UNAVAILABLE */
    int64_t settle_from;     /* monotonic ms: nothing in flight any more; 0 = not yet */
    int64_t last_client_send; /* monotonic ms */
    struct {
        hf_counter_t *requests, *replies, *late, *retried, *overloaded, *deadline,
            *unavailable, *malformed_rpc, *malformed_xsub, *malformed_xpub, *events,
            *unroutable, *client_batches;
        hf_gauge_t *workers, *pending;
    } m;
};

/* ---- dispatch.c, for broker.c ---- */

/* Write a message into err (len bytes) and return -1. */
int broker_set_err(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 1 when frame f holds exactly the n bytes of s. */
int broker_frame_is(zmq_msg_t *f, const char *s, size_t n);
/* A client's request (its envelope frame) / a worker's command (its frames after the identity). */
void broker_on_client(broker_t *b, GBytes *client, zmq_msg_t *envf);
void broker_on_worker(broker_t *b, GBytes *id, zmq_msg_t *f, int n);
/* Answer a request's client with an error (once) / free a finished request. */
/* Answer the client with an error (once) and forget the request unless a
 * worker still holds it. code BROKER_NOT_TAKEN: the request was never handed
 * to a worker (or only to one that died, and it is idempotent), so the
 * client may send it again elsewhere (HF_BUS_NOT_TAKEN); why is unused. */
#define BROKER_NOT_TAKEN (-1)
void broker_request_fail(broker_t *b, request_t *r, int code, const char *why);
void broker_request_free(broker_t *b, request_t *r);
/* A worker-protocol command without a body to worker id. */
void broker_worker_cmd(broker_t *b, GBytes *id, int cmd);
/* Free a worker (the workers table's value destructor). */
void broker_worker_free(gpointer p);
/* A worker stopped beating: its requests go elsewhere or fail. */
void broker_worker_died(broker_t *b, worker_t *w);

/* Send every batch of requests gathered in this pass of the loop. */
void broker_flush(broker_t *b);

#endif
