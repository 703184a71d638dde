/* hf/loop.h - background loops: a thread with its own PostgreSQL connection
 *
 * Work that is not a request — the outbox relay, durable event consumers, a
 * service's importer, screener, sweeps, timers and deliveries — runs as a loop
 * of steps on a thread that owns one connection. The loop connects (and
 * reconnects after a failure, with a pause), optionally LISTENs for the
 * outbox's commit-time NOTIFY (or another channel's, such as a service's
 * timers'), optionally takes part in a leader election, and sleeps between
 * steps until its idle time passes, a NOTIFY arrives, hf_loop_wake() is
 * called or it is asked to stop.
 *
 * Leader election: a loop with a `leader` name steps only while it holds the
 * session advisory lock hashtextextended(leader, 0); the others try again every
 * few idle periods (at most 5 s). The lock goes with the connection, so a replica that dies
 * hands the work to another within a retry period, and a step never runs on
 * two replicas at once.
 *
 * Work itself is claimed in PostgreSQL (advisory locks, FOR UPDATE SKIP
 * LOCKED) and done in transactions, so any replica may run any loop and one
 * killed mid-step leaves nothing half done. A service starts its loops with
 * hf_service_loop() (hf/service.h), which stops them on SIGTERM after the
 * worker has drained.
 */
#ifndef HF_LOOP_H
#define HF_LOOP_H

#include <libpq-fe.h>

typedef struct hf_loop hf_loop_t;

typedef struct {
    const char *name;   /* in log lines: "outbox relay", "pipeline.screener" (copied) */
    /* One step on db, the loop's own connection (outside a transaction).
     * Returns > 0 when it did work and more may be waiting (the next step
     * follows at once), 0 when there was nothing to do (the loop sleeps
     * idle_ms or until woken), < 0 after a failure (the loop reconnects when
     * the connection broke, and sleeps a second). hf_loop_sleep_next()
     * chooses another sleep for this once. */
    int (*step)(hf_loop_t *loop, PGconn *db, void *user);
    /* After every (re)connect, before the first step on that connection; may
     * be NULL. Returns 0, or -1 to drop the connection and try later. */
    int (*connected)(hf_loop_t *loop, PGconn *db, void *user);
    /* On the loop's thread as it ends (its connection already closed); may
     * be NULL. Frees what step kept in user. */
    void (*cleanup)(void *user);
    void *user;
    int idle_ms;        /* sleep after a step with nothing to do; 0 = 500 */
    int listen;         /* 1: a commit that NOTIFYs channel wakes the loop */
    const char *channel; /* with listen: the channel, 1-63 of [a-z0-9_] starting with a
                            letter or _ (copied); NULL = hf_outbox */
    const char *leader; /* NULL: every replica steps; else the election's name (copied) */
    int linger_ms;      /* with listen: a NOTIFY that comes within linger_ms of the last
                           step's start waits out the rest, so that under a stream of
                           commits the loop steps at most every linger_ms and takes what
                           came meanwhile in one step; after a quiet spell it still steps
                           at once (0: every NOTIFY at once) */
} hf_loop_def_t;

/* Start a loop with its own connection to conninfo. Returns NULL (logged)
 * when the thread cannot start, def has no step or a bad channel. */
hf_loop_t *hf_loop_start(const char *conninfo, const hf_loop_def_t *def);

/* Ask the loop to stop, wake it, wait until the step in hand returns, join
 * and free. Accepts NULL; sets *l to NULL. */
void hf_loop_stop(hf_loop_t **l);

/* True once hf_loop_stop() was called: a long step (an import) ends at its
 * next safe point. */
int hf_loop_stopping(const hf_loop_t *l);

/* Wake the loop from its sleep now (any thread). */
void hf_loop_wake(hf_loop_t *l);

/* From a step: after it returns, sleep ms (woken as usual) instead of what
 * its return value would choose. For back-off. */
void hf_loop_sleep_next(hf_loop_t *l, int ms);

/* From a step: 1 when this loop holds its election (always 1 without one). */
int hf_loop_leading(const hf_loop_t *l);

/* The loop's name (borrowed). */
const char *hf_loop_name(const hf_loop_t *l);

#endif
