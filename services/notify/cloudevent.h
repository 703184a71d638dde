/* services/notify/cloudevent.h - CloudEvents 1.0 structured JSON of outbox events (cloudevent.c) */
#ifndef NOTIFY_CLOUDEVENT_H
#define NOTIFY_CLOUDEVENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* An outbox row as the webhooks send it (every string borrowed). */
typedef struct {
    const char *id;           /* the event's id, unique per source: the outbox id as text */
    const char *source;       /* "/hrflow/pipeline" (a URI reference) */
    const char *type;         /* "hrflow.pipeline.application.created.v1" */
    const char *subject;      /* "applications/42"; "" = none */
    int64_t time_us;          /* when it happened, Unix microseconds */
    const char *tenant;       /* the tenant: extension attribute "hrflowtenant" */
    const char *data_json;    /* the event's data: a JSON document ("" = {}) */
} ce_event_t;

#define CE_CONTENT_TYPE "application/cloudevents+json"

/* The CloudEvent of e in structured content mode (JSON format), compact:
 * specversion "1.0", id, source, type, subject (when not ""), time (RFC
 * 3339, UTC, microseconds), datacontenttype "application/json", data, and
 * the extension attribute hrflowtenant. Returns a string the caller frees
 * with free(), or NULL when a required attribute is empty, data_json is not
 * a JSON document, a string is not UTF-8, or memory runs out; why (may be
 * NULL) then says which in a few words. */
char *ce_encode(const ce_event_t *e, const char **why);

/* The same CloudEvent as a JSON object (the caller json_decref()s it), for
 * a document that adds to it (the event log adds "cursor"); NULL as for
 * ce_encode. The webhook body and the event log's entry of one event are
 * this one object. */
json_t *ce_build(const ce_event_t *e, const char **why);

/* e->time_us as RFC 3339 "2026-12-03T08:30:00.123456Z" into out. Returns 0,
 * or -1 for a time outside years 0001..9999. */
int ce_time_format(int64_t time_us, char out[32]);

#endif
