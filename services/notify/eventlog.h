/* services/notify/eventlog.h - the event log integrators read: ListEvents
 *
 * eventlog.c is the bus method (the request's checks, the cursor, the
 * CloudEvents-shaped answer); eventlog_store.c reads the outbox of one
 * tenant in the relay's order through events.after_tenant (common
 * migration 0006).
 */
#ifndef NOTIFY_EVENTLOG_H
#define NOTIFY_EVENTLOG_H

#include "hf/service.h"
#include "hf/store.h"

#include <stdint.h>

/* The list a cursor is sealed for (hf_page_seal): the same for the
 * gateway's GET /v1/events and its stream, which both call ListEvents. */
#define EVENTLOG_LIST "notify.ListEvents"

/* A position in the log: the writing transaction and the row id. */
typedef struct {
    int64_t tx;
    int64_t id;
} eventlog_pos_t;

/* One event of a page, in the store's arena. */
typedef struct {
    eventlog_pos_t pos;
    const char *id, *source, *type, *subject, *data;
    int64_t time_us;          /* Unix microseconds */
} eventlog_event_t;

typedef struct {
    const char *const *types; /* exact types, or prefixes ending in '.' */
    size_t n_types;
    uint32_t limit;           /* events at most */
} eventlog_query_t;

typedef struct {
    eventlog_event_t *events; /* in commit order */
    size_t n;
    eventlog_pos_t next;      /* the last event examined (== after when none) */
    int more;                 /* stopped at the limit or the scan bound */
} eventlog_page_t;

/* The events of st->tenant after `after` in (tx_id, id) order, only below
 * the oldest running transaction, that q's types and st's companies let
 * through (an event's company is its data's companyId: one without a
 * company reaches only callers acting for the whole group). Examines at
 * most a bounded number of rows. HF_OK or HF_EDB/HF_ENOMEM. */
int eventlog_store_after(hf_store_t *st, eventlog_pos_t after, const eventlog_query_t *q,
                         eventlog_page_t *out);

/* The position of event id of st->tenant, when st's companies see it and
 * its transaction is below the oldest running one. HF_OK, HF_ENOTFOUND
 * (none such) or HF_EDB. */
int eventlog_store_position(hf_store_t *st, const char *id, eventlog_pos_t *out);

/* The bus method. */
int notify_list_events(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply);

#endif
