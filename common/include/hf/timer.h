/* hf/timer.h - durable timers: work that must happen at a time, exactly once
 *
 * A reminder a day before an interview, the no-show check after its slot,
 * the expiry of an unused invitation: a service sets the timer in the
 * transaction of the change that calls for it, and the timer lives in
 * PostgreSQL (timers.timer, common/migrations/0003_timers.sql) until one of
 * the service's replicas fires it. Nothing about a timer is kept in memory,
 * so replicas may come and go.
 *
 * Firing: a runner (a background loop, hf/loop.h) locks due timers of its
 * service FOR UPDATE SKIP LOCKED, a batch per transaction, and calls the
 * service's function for each inside a savepoint on the same connection.
 * The function's writes and the timer's new state commit together: a timer
 * fires once, and a replica that dies holding timers takes its transaction
 * and its locks with it, so another replica fires them. A timer that came
 * due while every replica was down is due at the next start like any other.
 * A function that fails is retried with a doubling pause; after
 * max_attempts failures the timer is dead (state 'dead', last_error kept)
 * until an operator arms it again (timers.retry_dead(), docs/operations.md).
 *
 * Waking: setting a timer NOTIFYs its service's runners at commit, and a
 * runner sleeps until its next timer is due (or its idle time), so a timer
 * set sooner than a runner's sleep wakes it.
 *
 * The clock: every due check reads timers.now(), PostgreSQL's transaction
 * time plus a shift that only tests (and a rehearsal on a staging stack)
 * move, with timers.advance(interval): a test moves time forward instead of
 * sleeping. A test that needs a known present holds the clock still with
 * timers.freeze(at) (and lets it run with timers.freeze(NULL)); a service's
 * own present reads this clock too (scheduling.now()), so one move moves
 * every decision and every timer. Production never sets it; a runner logs a
 * moved clock and exports how far it is from real time
 * (hf_timers_clock_shift_seconds).
 *
 * Fired timers are kept for HF_TIMER_KEEP_FIRED_S, then swept by the
 * runners: while one is kept, setting it again to the same time and payload
 * changes nothing, so a repeated request never fires it twice.
 *
 * Effects outside PostgreSQL (a message sent, a call made) do not belong in
 * the function: it appends an outbox event (hf/outbox.h) in its transaction
 * and the service that acts consumes it, so nothing happens twice when a
 * transaction is retried.
 */
#ifndef HF_TIMER_H
#define HF_TIMER_H

#include <libpq-fe.h>
#include <stdint.h>

#include "hf/store.h"

#define HF_TIMER_KEEP_FIRED_S (14 * 24 * 3600)

/* ---- setting timers, in the caller's transaction ---- */

/* The functions below run one statement on st->db, inside whatever
 * transaction the caller has open (they open none), for tenant st->tenant.
 * kind: "<service>.<what>" ("scheduling.reminder"), 1-31 of [a-z0-9_]
 * starting with a letter, a dot, 1-100 of [a-z0-9_.-]; the service's
 * runners fire it. key: 1-200 printable ASCII characters naming the timer
 * within its kind and tenant ("interviews/<id>/-24h"). The database refuses
 * others (HF_EDB, logged by constraint). */

/* Arm timer (kind, key) due at due_us (Unix microseconds on the timers'
 * clock) with payload_json (a JSON object the function gets back; NULL =
 * {}). A timer of that name is moved to this time and payload and armed
 * again, also after it fired or died; one that already has this time and
 * payload is left as it is, so setting a timer twice (an event delivered
 * again) fires it once. A time in the past is due at once. A runner firing
 * the timer at that moment holds its row: the set waits for that
 * transaction. Returns 1 when the timer was created or changed, 0 when it
 * already was so, or HF_EDB.
 * timers.set(kind, tenant, key, due, payload) is the same in SQL, for
 * set-based statements. */
int hf_timer_set(hf_store_t *st, const char *kind, const char *key, int64_t due_us,
                 const char *payload_json);

/* Move timer (kind, key) to due_us, keeping its payload, and arm it again
 * (also after it fired or died). Returns 1 when moved, 0 when it was already
 * due then, HF_ENOTFOUND when there is no such timer, or HF_EDB. */
int hf_timer_reschedule(hf_store_t *st, const char *kind, const char *key, int64_t due_us);

/* Forget timer (kind, key), whatever its state (a kept fired one too, so
 * setting it again arms it). Returns 1 when it was pending (it will not
 * fire), 0 when it was not, or HF_EDB. A runner firing it at that moment
 * holds its row: the cancel waits for that transaction, then removes the
 * fired timer. */
int hf_timer_cancel(hf_store_t *st, const char *kind, const char *key);

/* Forget every timer of kind whose key starts with key_prefix (1-200
 * printable ASCII): all the timers of one interview, "interviews/<id>/".
 * Returns how many were pending (>= 0), or HF_EDB. */
int hf_timer_cancel_prefix(hf_store_t *st, const char *kind, const char *key_prefix);

/* The timers' clock, timers.now(), in Unix microseconds: the transaction's
 * time plus the shift (hf_timer_set's due times are on this clock). Returns
 * -1 when the statement failed. */
int64_t hf_timer_now_us(PGconn *db);

/* ---- firing ---- */

/* A due timer, as the function gets it. The strings are valid during the
 * call. */
typedef struct {
    int64_t id;
    const char *tenant_id, *kind, *key;
    const char *payload_json; /* the JSON object given when it was set */
    int64_t due_us;           /* when it was due, Unix microseconds, timers' clock */
    int64_t now_us;           /* the timers' clock as the batch was claimed */
    int attempts;             /* failed attempts before this one */
    char error[256];          /* hf_timer_fail() writes the reason here */
} hf_timer_t;

enum {
    HF_TIMER_OK = 0,     /* fired: its writes kept, the timer fired */
    HF_TIMER_RETRY = -1, /* its writes undone; tried again after a pause
                            (retry_first_ms, doubling to retry_max_ms); the
                            max_attempts-th failure makes it dead. Any other
                            return value counts as RETRY, as does OK with
                            the transaction left aborted */
    HF_TIMER_DEAD = 1,   /* can never fire (what it was for is gone in a way
                            that is an error): its writes undone, dead at once */
    HF_TIMER_BUSY = 2,   /* what it acts on is being changed by another
                            transaction right now (a row it could not lock):
                            its writes undone, no attempt counted, due as it
                            was and looked at again after a second of real
                            time, whatever the timers' clock does */
};

/* Called for each due timer on db inside the runner's transaction. Wrap the
 * writes with hf_db_begin/commit (a savepoint: a failure undoes only this
 * timer; the runner runs each call inside a savepoint of its own too) and
 * leave db at the depth it was given (hf_db_depth); do not commit the
 * runner's transaction. A function that sets its own timer again to another
 * time (hf_timer_set with t->kind and t->key) re-arms it instead of firing
 * it: recurring timers. */
typedef int (*hf_timer_fn)(void *user, PGconn *db, hf_timer_t *t);

/* Set t->error to the reason (logged, stored as last_error: ids and codes,
 * no personal data) and return rc, for `return hf_timer_fail(t,
 * HF_TIMER_RETRY, "scoring unavailable")`. */
int hf_timer_fail(hf_timer_t *t, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef struct {
    const char *service;       /* whose timers: kinds "<service>.…" (copied) */
    const char *const *kinds;  /* NULL-terminated kinds of the service this runner fires
                                  (copied); NULL = every kind of the service */
    hf_timer_fn fn;
    void *user;
    int batch;                 /* timers per transaction; 0 = 100 */
    int max_attempts;          /* failures that make a timer dead; 0 = 8 */
    int retry_first_ms;        /* pause after the first failure; 0 = 10 000 */
    int retry_max_ms;          /* longest pause; 0 = 3 600 000 */
    int idle_ms;               /* longest sleep without a NOTIFY; 0 = 5 000 */
    int keep_fired_s;          /* how long fired timers are kept; 0 = HF_TIMER_KEEP_FIRED_S */
} hf_timer_runner_def_t;

typedef struct hf_timer_runner hf_timer_runner_t;

/* Start a runner with its own connection to conninfo. It fires what is due
 * at once (also what came due while no runner ran), LISTENs on
 * hf_timers_<service>, sleeps until its next timer is due (at most idle_ms),
 * sweeps fired timers older than keep_fired_s, and exports
 * hf_timers_fired_total, hf_timers_failed_total, hf_timers_dead_total
 * {kind="…"}, the histogram hf_timers_fire_lag_seconds{kind="…"} (due to
 * fired), hf_timers_due, hf_timers_dead, hf_timers_lag_seconds
 * {service="…"} and hf_timers_clock_shift_seconds (docs/operations.md).
 * Returns NULL (logged) for a bad service or kind, no fn, or when the thread
 * cannot start. A service starts it with hf_service_timers (hf/service.h). */
hf_timer_runner_t *hf_timer_runner_start(const char *conninfo, const hf_timer_runner_def_t *def);

/* Stop and join: the batch in hand stops after the timer in hand and
 * commits what fired. Accepts NULL; sets *r to NULL. */
void hf_timer_runner_stop(hf_timer_runner_t **r);

#endif
