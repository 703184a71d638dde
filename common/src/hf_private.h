/* common/src/hf_private.h - internals shared by the modules of libhrflow
 *
 * Not installed, not for services: the ZeroMQ context, endpoint lists and
 * the little frame helpers the bus client, worker and event code share; the
 * background thread with its own PostgreSQL connection that the outbox relay
 * and the durable consumers share.
 */
#ifndef HF_PRIVATE_H
#define HF_PRIVATE_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>


/* Split a comma-separated endpoint list. Returns the count (>= 1) and a
 * malloc'd array of malloc'd strings in *out (free with hf_endpoints_free),
 * or -1 when the list is empty or an entry is not "tcp://", "ipc://" or
 * "inproc://" (each optionally followed by "#" and a CURVE server key). */
int hf_endpoints_split(const char *list, char ***out);
void hf_endpoints_free(char **eps, int n);

/* 1 when text is a CURVE key as an endpoint's "#KEY" suffix writes it. */
int hf_bus_endpoint_key_ok(const char *text);

/* A new client bus socket (hf_bus_socket) of type, connected to every
 * endpoint of eps (hf_bus_connect). Returns NULL on failure. */
void *hf_zsock_connect(int type, char *const *eps, int n);

/* A thread that owns one PostgreSQL connection and sleeps until a NOTIFY on
 * hf_outbox (the outbox's commit-time wake-up), a stop request or a timeout
 * (common/src/pg_thread.c). The thread's main function loops while
 * !hf_pg_thread_stopping(), (re)connecting with hf_pg_thread_connect() when
 * conn is NULL; hf_pg_thread_stop() wakes it through an eventfd and joins. */
typedef struct {
    const char *what;         /* "outbox relay": names the thread in log lines */
    char *conninfo;
    PGconn *conn;             /* NULL while disconnected */
    int listening;            /* LISTEN hf_outbox is active on conn */
    int wake_fd;              /* eventfd: the stop request */
    _Atomic int stop;
    pthread_t thread;
} hf_pg_thread_t;

/* Start main(arg) on a new thread. Returns 0, or -1 (nothing to stop). */
int hf_pg_thread_start(hf_pg_thread_t *t, const char *what, const char *conninfo,
                       void *(*main)(void *), void *arg);
/* Ask the thread to stop, wake it, join it; close its connection, free. */
void hf_pg_thread_stop(hf_pg_thread_t *t);
static inline int hf_pg_thread_stopping(hf_pg_thread_t *t) { return atomic_load(&t->stop); }
/* Open t->conn. Returns 0, or -1 after logging why. */
int hf_pg_thread_connect(hf_pg_thread_t *t);
/* LISTEN hf_outbox on t->conn, so hf_pg_thread_wait() wakes at commits. */
int hf_pg_thread_listen(hf_pg_thread_t *t);
void hf_pg_thread_disconnect(hf_pg_thread_t *t);
/* Sleep up to timeout_ms, less when a NOTIFY arrives (only while listening;
 * one already received returns at once) or the thread is asked to stop. */
void hf_pg_thread_wait(hf_pg_thread_t *t, int timeout_ms);


#endif
