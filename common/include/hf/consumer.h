/* hf/consumer.h - durable event consumers: read the outbox log by cursor
 *
 * events.outbox is the durable event log; the bus only carries notifications
 * (at least once, lost when nobody listens). A service that must react to
 * other services' events reliably consumes the log itself: a consumer thread
 * reads committed events in commit order (the relay's (tx_id, id) order,
 * below pg_snapshot_xmin, so a late-committing transaction is never skipped)
 * and keeps its position in events.consumer_cursor under a name.
 *
 * One batch is one transaction: the consumer locks its cursor row, calls the
 * handler for each matching event on its own connection, moves the cursor
 * past the batch and commits. The handler's changes and the cursor commit
 * together, so each event's effects happen exactly once without a dedupe
 * table, whatever dies when. Replicas consuming under the same name take
 * turns (the row lock; the others skip and retry), so one name is consumed
 * by one replica at a time.
 *
 * A consumer that acts on many events at once (thousands of invitations
 * placed by a few set-based statements) takes the whole batch in one call
 * instead (hf_consumer_start_batch): the same transaction, cursor and
 * exactly-once, with one handler call per batch, and batches of up to 5000
 * matching events (200 for a per-event handler): fewer, bigger
 * transactions.
 *
 * A name with no cursor row starts at the beginning of the log: nothing
 * committed before the consumer first ran is missed. To start a new consumer
 * at the current end instead, insert its row first (see docs/architecture.md).
 */
#ifndef HF_CONSUMER_H
#define HF_CONSUMER_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* One event of the log. The strings are valid during the handler's call. */
typedef struct {
    const char *id;          /* outbox id, decimal */
    const char *tenant_id, *source, *type, *subject;
    const char *data_json;   /* the event's data as JSON text */
    const char *traceparent; /* "" when none */
    int64_t time_us;         /* when it was appended, Unix epoch microseconds */
    uint64_t batch;          /* the consumer's transaction it is handled in, counted from 1:
                                what a handler read for one event may serve the others of
                                the same batch (they commit or roll back together) */
} hf_consumed_event_t;

enum {
    HF_CONSUME_OK = 0,     /* applied: kept, with the cursor past it */
    HF_CONSUME_RETRY = -1, /* transient failure: the whole batch is rolled back
                              and retried after a pause (1 s, doubling to 30 s);
                              nothing of it is kept. The HF_CONSUME_MAX_TRIES-th
                              retry in a row of one event, with the database
                              answering, is taken as SKIP: a failure that does
                              not pass must not hold back every later event */
    HF_CONSUME_SKIP = 1,   /* can never be applied: the handler's changes for it
                              are undone, it is logged by id and type (never its
                              data), counted, and passed */
};

/* Called for each matching event, in commit order, on db inside the
 * consumer's transaction. Wrap the changes with hf_db_begin/commit (that is
 * a savepoint) so a failure undoes only this event. SKIP undoes whatever the
 * handler left for the event: the batch runs without a savepoint per event
 * (two round trips fewer each) until a handler answers SKIP or RETRY; the
 * batch is then rolled back and its events handed out again, each inside a
 * savepoint of its own (at once after a SKIP, after the pause after a
 * RETRY), so a handler may be called again for an event whose batch was
 * undone. Leave db at the depth it was given (hf_db_depth); do not commit
 * the consumer's transaction. Any other return value counts as RETRY, as does
 * OK with the transaction left aborted by a failed statement. */
typedef int (*hf_consumer_fn)(void *user, PGconn *db, const hf_consumed_event_t *ev);

#define HF_CONSUME_MAX_TRIES 5

/* Called once per batch with its n (>= 1) matching events, in commit order,
 * on db inside the consumer's transaction (and a savepoint of its own), as
 * hf_consumer_fn is for one. Returns HF_CONSUME_OK when the batch is
 * applied: the handler has passed over the events it can never apply,
 * logged them by id and type and counted them in *skipped (0 on entry).
 * Any other value counts as RETRY: the batch is rolled back, and the
 * retries go one event at a time (n = 1; *skipped 1 is that event's SKIP)
 * until the events of that batch are behind the cursor, so one event that
 * keeps failing is passed after HF_CONSUME_MAX_TRIES as for hf_consumer_fn
 * without holding back the rest. */
typedef int (*hf_consumer_batch_fn)(void *user, PGconn *db, const hf_consumed_event_t *ev,
                                    size_t n, size_t *skipped);

typedef struct hf_consumer hf_consumer_t;

/* Start a consumer thread with its own connection to conninfo.
 * name: the cursor's name, 1-63 of [A-Za-z0-9_.:-] ("pipeline.scoring").
 * type_prefixes: NULL-terminated; events whose type starts with one of them
 *   reach fn ("hrflow.scoring.interview."); NULL = every event. The cursor
 *   moves past the others too.
 * poll_ms: the longest an event waits when no NOTIFY arrives (0 = 500).
 * It wakes on the outbox's commit-time NOTIFY, reconnects after a lost
 * connection (with a pause), and counts hf_consumer_events_total,
 * hf_consumer_skipped_total and hf_consumer_retries_total{consumer="name"}.
 * Returns NULL (logged) for a bad name or when the thread cannot start. */
hf_consumer_t *hf_consumer_start(const char *conninfo, const char *name,
                                 const char *const *type_prefixes, hf_consumer_fn fn,
                                 void *user, int poll_ms);

/* The same with a handler of whole batches (hf_consumer_batch_fn). */
hf_consumer_t *hf_consumer_start_batch(const char *conninfo, const char *name,
                                       const char *const *type_prefixes, hf_consumer_batch_fn fn,
                                       void *user, int poll_ms);
/* The same for a handler that needs only each event's id, tenant_id and
 * type (it reads what else it needs itself, as webhook fan-out joins the
 * log): the events come without their rows (source, subject, data_json and
 * traceparent "", time_us 0), so a batch of 5 000 costs the walk alone. */
hf_consumer_t *hf_consumer_start_keys(const char *conninfo, const char *name,
                                      const char *const *type_prefixes, hf_consumer_batch_fn fn,
                                      void *user, int poll_ms);

/* Stop and join: a batch in progress stops after the event in hand and
 * commits what was applied. Accepts NULL; sets *c to NULL. */
void hf_consumer_stop(hf_consumer_t **c);

#endif
