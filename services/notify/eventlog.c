/* services/notify/eventlog.c - ListEvents: the outbox for integrators, with a cursor
 *
 * The gateway's GET /v1/events and its Server-Sent Events stream both come
 * here. The answer is one JSON document (the reply's body, which the
 * gateway serves as it is): {"events": [...], "next": cursor, "more": bool},
 * each event CloudEvents-shaped (specversion, id, source, type, subject,
 * time, datacontenttype, data) with its own cursor as the extension
 * attribute "cursor", so a reader may resume after any event it handled.
 *
 * A cursor is the log position (tx_id, id) of an event, sealed under the
 * service's keyring for the caller's tenant and this list (hf_page_seal):
 * a client sees nothing in it and cannot make one up, and a cursor of
 * another tenant does not open. "" starts at the beginning. The events come
 * in the relay's order below the oldest running transaction
 * (eventlog_store.c), so a reader never passes an event that commits late.
 */
#include "eventlog.h"

#include "cloudevent.h"

#include "hf/codec.h"
#include "hrflow/v1/notify.pb-c.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

#define LIMIT_DEFAULT 100
#define LIMIT_MAX 1000
#define TYPES_MAX 32
#define TYPE_LEN_MAX 200

/* A cursor's id: a row id, digits only. */
static int row_id_ok(const char *s)
{
    size_t n = strspn(s, "0123456789");
    return n > 0 && n < 20 && s[n] == '\0';
}

/* 1 when s[0..n) is a type or a type prefix: lowercase letters, digits,
 * '.', '_' and '-'. */
static int type_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
            !strchr("._-", s[i]))
            return 0;
    return n > 0 && n <= TYPE_LEN_MAX;
}

/* The comma list of types into q (in the arena): "a.b.c.v1" exact,
 * "a.b." or "a.b.*" a prefix. Returns 0, or 1 after adding a detail. */
static int read_types(hf_store_t *st, const char *list, eventlog_query_t *q)
{
    const char **types = hf_store_alloc(st, TYPES_MAX * sizeof(char *));
    if (!types)
        return 1;
    q->types = types;
    for (const char *s = list; *s;) {
        size_t n = strcspn(s, ",");
        const char *t = s;
        s += n + (s[n] == ',');
        while (n && *t == ' ')
            t++, n--;
        while (n && t[n - 1] == ' ')
            n--;
        if (n >= 2 && t[n - 2] == '.' && t[n - 1] == '*')
            n--; /* "a.b.*" is the prefix "a.b." */
        if (!n && !*s)
            break; /* a trailing comma */
        if (q->n_types == TYPES_MAX || !type_ok(t, n)) {
            hf_call_detail(st->call, "types", "bad_format",
                           q->n_types == TYPES_MAX
                               ? "at most 32 types"
                               : "a comma list of event types (hrflow.pipeline.application"
                                 ".created.v1) or prefixes ending in \".\" (hrflow.pipeline.)");
            return 1;
        }
        char *copy = hf_store_alloc(st, n + 1);
        if (!copy)
            return 1;
        memcpy(copy, t, n);
        types[q->n_types++] = copy;
    }
    return 0;
}

/* One event as a CloudEvent (ce_build: the webhooks' body of the same
 * event) with its cursor; NULL when out of memory or its data does not
 * parse (a stored row is JSON: logged by the caller). */
static json_t *cloudevent(const hf_store_t *st, const eventlog_event_t *e, const char *cursor)
{
    ce_event_t ce = { e->id, e->source, e->type, e->subject, e->time_us, st->tenant, e->data };
    json_t *o = ce_build(&ce, NULL);
    if (o && json_object_set_new(o, "cursor", json_string(cursor)) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The reply for page, read after `after` (after_text as the client sent it):
 * the document and the cursor after it. */
static int reply_of(hf_store_t *st, const eventlog_page_t *page, eventlog_pos_t after,
                    const char *after_text, Hrflow__V1__ListEventsResponse *out)
{
    hf_call_t *call = st->call;
    char cursor[HF_PAGE_TOKEN_MAX];
    json_t *list = json_array();
    for (size_t i = 0; list && i < page->n; i++) {
        const eventlog_event_t *e = &page->events[i];
        int sealed = hf_page_seal(st->keys, st->tenant, EVENTLOG_LIST, e->pos.tx, e->id,
                                  cursor) == 0;
        json_t *ce = sealed ? cloudevent(st, e, cursor) : NULL;
        if (!ce || json_array_append_new(list, ce) < 0) {
            json_decref(list);
            return hf_call_fail(call, E(INTERNAL), "could not write event %s", e->id);
        }
    }
    /* the cursor after everything walked: the one given when nothing was, ""
     * while nothing has been (from the beginning of an empty log) */
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)page->next.id);
    int moved = page->next.tx != after.tx || page->next.id != after.id;
    if (!moved && *after_text)
        snprintf(cursor, sizeof(cursor), "%s", after_text);
    else if (page->next.tx == 0 && page->next.id == 0)
        cursor[0] = '\0';
    else if (hf_page_seal(st->keys, st->tenant, EVENTLOG_LIST, page->next.tx, id, cursor) < 0) {
        json_decref(list);
        return hf_call_fail(call, E(INTERNAL), "could not seal the cursor");
    }
    json_t *doc = list ? json_pack("{s:o, s:s, s:b}", "events", list, "next", cursor, "more",
                                   page->more)
                       : NULL;
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    size_t len = text ? strlen(text) : 0;
    uint8_t *body = text ? hf_store_alloc(st, len + 1) : NULL;
    if (body)
        memcpy(body, text, len);
    free(text);
    if (!body || !(out->next = hf_store_strdup(st, cursor)))
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    out->body.data = body;
    out->body.len = len;
    out->content_type = "application/json";
    out->count = (uint32_t)page->n;
    out->more = page->more;
    return 0;
}

/* Where the walk starts: after the cursor req->after (a position this log
 * sealed for the tenant), after the event req->after_id the caller sees, or
 * at the beginning. Returns 0 with *after set, or -1 after failing the call:
 * 400 for a cursor or id that is not one (the client is to resume from one
 * it kept, not to correct a value), 404 for an event it does not see. */
static int read_after(hf_store_t *st, const Hrflow__V1__ListEventsRequest *req,
                      eventlog_pos_t *after)
{
    hf_call_t *call = st->call;
    char id[HF_PAGE_ID_MAX];
    *after = (eventlog_pos_t){ 0, 0 };
    if (*req->after && *req->after_id) {
        hf_call_detail(call, "after_id", "conflict", "give after or after_id, not both");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "after and after_id both given");
    }
    if (*req->after) {
        if (hf_page_unseal(st->keys, st->tenant, EVENTLOG_LIST, req->after, row_id_ok,
                           &after->tx, id) < 0) {
            hf_call_detail(call, "after", "bad_format", "is not a cursor of this event log");
            return hf_call_fail(call, E(MALFORMED), "after is not a cursor of this event log");
        }
        after->id = strtoll(id, NULL, 10);
    }
    if (*req->after_id) {
        if (!row_id_ok(req->after_id)) {
            hf_call_detail(call, "after_id", "bad_format", "is not an event id");
            return hf_call_fail(call, E(MALFORMED), "after_id is not an event id");
        }
        int rc = eventlog_store_position(st, req->after_id, after);
        if (rc != HF_OK)
            return hf_store_fail(st, rc, "event", req->after_id);
    }
    return 0;
}

int notify_list_events(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__ListEventsRequest *req = (const void *)msg;
    hf_store_t st;
    eventlog_pos_t after;
    if (hf_store_open(call, &st) < 0 || read_after(&st, req, &after) < 0)
        return -1;
    eventlog_query_t q = { .limit = req->limit ? req->limit : LIMIT_DEFAULT };
    int bad = read_types(&st, req->types, &q);
    if (req->limit > LIMIT_MAX)
        hf_call_detail(call, "limit", "out_of_range", "at most 1000 events a page"), bad = 1;
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the event log request is invalid");
    eventlog_page_t page;
    int rc = eventlog_store_after(&st, after, &q, &page);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "event log", NULL);
    Hrflow__V1__ListEventsResponse *out = HF_CALL_NEW(call, Hrflow__V1__ListEventsResponse,
                                                      hrflow__v1__list_events_response__init);
    if (!out)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    if (reply_of(&st, &page, after, req->after, out) < 0)
        return -1;
    *reply = &out->base;
    return 0;
}
