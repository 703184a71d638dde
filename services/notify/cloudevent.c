/* services/notify/cloudevent.c - CloudEvents 1.0 structured JSON of outbox events
 *
 * https://github.com/cloudevents/spec (v1.0.2): cloudevents.md for the
 * attributes, formats/json-format.md for the structured mode the webhooks
 * send (Content-Type application/cloudevents+json) and the event log lists
 * (eventlog.c: the same object with its cursor added). Built with jansson, so
 * escaping and UTF-8 are the library's. The event's data is the outbox's
 * JSON document as it is (no personal data lives in events). The tenant
 * travels as the extension attribute "hrflowtenant" (extension names are
 * lowercase letters and digits only), so one receiver serving several
 * tenants can tell them apart. Pure: no I/O.
 */
#include "cloudevent.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int ce_time_format(int64_t time_us, char out[32])
{
    int64_t s = time_us / 1000000, us = time_us % 1000000;
    if (us < 0) {
        us += 1000000;
        s--;
    }
    time_t t = (time_t)s;
    struct tm tm;
    out[0] = '\0';
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999)
        return -1;
    char text[96]; /* room for any int, as the compiler counts; 27 characters are used */
    snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)us);
    memcpy(out, text, 28);
    return 0;
}

/* Set key to the string s (non-empty, UTF-8); 0, or -1. */
static int set_str(json_t *o, const char *key, const char *s)
{
    return s && *s ? json_object_set_new(o, key, json_string(s)) : -1;
}

json_t *ce_build(const ce_event_t *e, const char **why)
{
    const char *no = NULL;
    char stamp[32];
    json_t *o = json_object(), *data = NULL;
    if (!o) {
        no = "out of memory";
        goto out;
    }
    if (set_str(o, "specversion", "1.0") < 0 || set_str(o, "id", e->id) < 0) {
        no = "an id is required";
        goto out;
    }
    if (set_str(o, "source", e->source) < 0) {
        no = "a source is required";
        goto out;
    }
    if (set_str(o, "type", e->type) < 0) {
        no = "a type is required";
        goto out;
    }
    if (e->subject && *e->subject && set_str(o, "subject", e->subject) < 0) {
        no = "the subject is not UTF-8";
        goto out;
    }
    if (ce_time_format(e->time_us, stamp) < 0 || set_str(o, "time", stamp) < 0) {
        no = "the time is out of range";
        goto out;
    }
    if (set_str(o, "datacontenttype", "application/json") < 0 ||
        (e->tenant && *e->tenant && set_str(o, "hrflowtenant", e->tenant) < 0)) {
        no = "the tenant is not UTF-8";
        goto out;
    }
    json_error_t err;
    const char *text = e->data_json && *e->data_json ? e->data_json : "{}";
    data = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
    if (!data || json_object_set_new(o, "data", data) < 0) {
        no = "the data is not a JSON document";
        goto out;
    }
    return o;
out:
    if (why)
        *why = no;
    json_decref(o);
    return NULL;
}

char *ce_encode(const ce_event_t *e, const char **why)
{
    json_t *o = ce_build(e, why);
    if (!o)
        return NULL;
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s && why)
        *why = "out of memory";
    return s;
}
