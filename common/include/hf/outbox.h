/* hf/outbox.h - the event outbox: one append-only log every service writes
 *
 * A service appends an event in the same transaction as the change it
 * describes, so the event exists if and only if the change committed. The
 * relay publishes committed events on the bus in commit order: it reads rows
 * whose transaction id is below the oldest transaction still running
 * (pg_snapshot_xmin), so a slow transaction that commits late is never
 * skipped. One relay is active across all replicas (a PostgreSQL advisory
 * lock elects it); it is woken by NOTIFY and also polls. Delivery on the bus
 * is at-least-once: consumers drop events whose id they have seen.
 */
#ifndef HF_OUTBOX_H
#define HF_OUTBOX_H

#include <stdint.h>
#include <stddef.h>
#include <libpq-fe.h>
#include "hf/db.h"

/* The common migrations (component "events"), applied by every service:
 * the shared `events` schema (outbox, consumers' cursors) and the `timers`
 * schema (hf/timer.h). */
extern const hf_migration_t hf_events_migrations[];
extern const size_t hf_events_migrations_count;

typedef struct {
    const char *tenant_id;    /* the tenant the record belongs to */
    const char *source;       /* "/hrflow/pipeline" */
    const char *type;         /* "hrflow.pipeline.application.created.v1" */
    const char *subject;      /* "applications/42" */
    const char *data_json;    /* a JSON document (validated by PostgreSQL) */
    const char *traceparent;  /* may be NULL */
} hf_outbox_event_t;

/* The head of every insert into the outbox, its columns in the order of
 * hf_outbox_event_t: for a statement that appends an event from rows it
 * writes itself (a data-modifying WITH), "... " HF_OUTBOX_INSERT " SELECT
 * tenant, source, type, subject, data::jsonb, traceparent FROM ...". */
#define HF_OUTBOX_INSERT \
    "INSERT INTO events.outbox (tenant_id, source, type, subject, data, traceparent)"

/* Append an event on connection c, which should be inside the caller's
 * transaction. Returns 0 and the new id in *id (may be NULL), or -1. */
int hf_outbox_append(PGconn *c, const hf_outbox_event_t *e, int64_t *id);

/* Append n events with one statement (in the order given), as
 * hf_outbox_append each. Returns 0, or -1. */
int hf_outbox_append_many(PGconn *c, const hf_outbox_event_t *e, size_t n);

typedef struct hf_outbox_relay hf_outbox_relay_t;

/* Start the relay thread: it connects to conninfo, competes for leadership
 * and, while leader, publishes new outbox rows to pub_endpoints.
 * poll_ms bounds how long an event waits when no NOTIFY arrives (0 = 500).
 * Returns NULL when the thread cannot start. */
hf_outbox_relay_t *hf_outbox_relay_start(const char *conninfo, const char *pub_endpoints,
                                         int poll_ms);
/* Stop and join the relay. Accepts NULL; sets *r to NULL. */
void hf_outbox_relay_stop(hf_outbox_relay_t **r);

#endif
