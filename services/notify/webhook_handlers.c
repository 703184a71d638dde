/* services/notify/webhook_handlers.c - the RPC methods of webhook endpoints, one function each
 *
 * An endpoint is managed by admin and integrator keys (recruiters have no
 * business with integrations). A handler opens the caller's store, checks
 * the request (every problem a detail at its field, nothing written) and
 * asks webhook_store.c. The URL is checked by the SSRF guard when it is
 * saved (form and every address its host resolves to) and again at each
 * send. The secret is shown twice in an endpoint's life at most: in the
 * answer that made it and in the answer of a rotation.
 *
 * The test-send builds a CloudEvent of type hrflow.notify.webhook.test.v1
 * and sends it now, through the same guard, signing and request as every
 * delivery (wh_prepare, webhook_channel.c), with curl_easy_perform on this
 * worker thread:
 * bounded by the request timeout and by the caller's deadline, so an
 * endpoint that hangs answers "timed out", never a hung request.
 */
#include "webhook_handlers.h"

#include "deliver.h"

#include "hf/encoding.h"
#include "hf/log.h"
#include "hf/service.h"
#include "hf/store.h"
#include "hf/text.h"
#include "webhook_channel.h"
#include "webhook_sign.h"
#include "webhook_store.h"
#include "webhook_types.h"

#include <ctype.h>
#include <curl/curl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

#define OVERLAP_DEFAULT_H 24
#define OVERLAP_MAX_H 168
#define TEST_TYPE "hrflow.notify.webhook.test.v1"
#define DEADLINE_MARGIN_MS 1000    /* of the caller's deadline, for the answer to travel */
#define DAY_MS 86400000LL

wh_settings_t wh_settings;


static ssrf_policy_t policy;

int wh_init(void)
{
    char why[160];
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || sodium_init() < 0) {
        hf_error("cannot initialise libcurl or libsodium");
        return -1;
    }
    policy.allow_private = wh_settings.allow_private;
    policy.allow_http = wh_settings.allow_http;
    if (ssrf_deny_parse(&policy, wh_settings.deny, why, sizeof(why)) < 0) {
        hf_error("HF_NOTIFY_WEBHOOK_DENY: %s", why);
        return -1;
    }
    return 0;
}

const ssrf_policy_t *wh_policy(void)
{
    return &policy;
}

/* ---- checks ---- */

static const hf_text_rule_t description_rule = { HF_TEXT_LINE, 0, 500 };

/* Open the caller's store for webhook endpoints: an integrator's (admin's)
 * key. Returns 0, or -1 after failing the call. */
static int open_integrator(hf_call_t *call, hf_store_t *st, const char *action)
{
    return hf_store_open(call, st) == 0 ? hf_store_require(st, HF_SCOPE_INTEGRATOR, action) : -1;
}

/* An endpoint the caller may see, or NULL after failing the call as for
 * one that does not exist. */
static Hrflow__V1__WebhookEndpoint *visible(hf_store_t *st, const char *id)
{
    Hrflow__V1__WebhookEndpoint *e = NULL;
    int rc = hf_uuid_valid(id) ? wh_store_get(st, id, &e) : HF_ENOTFOUND;
    if (rc != HF_OK) {
        hf_store_fail(st, rc, "webhook endpoint", id);
        return NULL;
    }
    return e;
}

/* Check e's url (when check_url) event types and description; every
 * problem a detail at "<path><field>". Returns the number of problems. */
static int endpoint_problems(hf_call_t *call, const Hrflow__V1__WebhookEndpoint *e,
                             const char *path, int check_url)
{
    char f[96], why[256], addr[SSRF_ADDR_MAX];
    int bad = 0;
    ssrf_target_t t;
    snprintf(f, sizeof(f), "%surl", path);
    if (check_url && (ssrf_url_check(&policy, e->url, &t, why, sizeof(why)) < 0 ||
                      ssrf_resolve(&policy, &t, addr, why, sizeof(why)) < 0)) {
        hf_call_detail(call, f, *e->url ? "invalid" : "required", why);
        bad++;
    }
    snprintf(f, sizeof(f), "%sevent_types", path);
    if (e->n_event_types > WH_TYPES_MAX) {
        hf_call_detail(call, f, "too_many", "at most 50 event types; a prefix takes a family");
        bad++;
    }
    for (size_t k = 0; k < e->n_event_types && k < WH_TYPES_MAX; k++) {
        const char *no;
        snprintf(f, sizeof(f), "%sevent_types[%zu]", path, k);
        if (wh_type_check(e->event_types[k], &no) < 0) {
            hf_call_detail(call, f, "invalid", no);
            bad++;
        }
        for (size_t j = 0; j < k; j++)
            if (!strcmp(e->event_types[j], e->event_types[k])) {
                hf_call_detail(call, f, "duplicate", "listed twice");
                bad++;
                break;
            }
    }
    snprintf(f, sizeof(f), "%sdescription", path);
    bad += hf_call_check_text(call, f, e->description, description_rule);
    return bad;
}

/* The company of a new endpoint: "" (the group) for a group-wide key when
 * none is named, the key's only company when it has one; a named one must
 * be a company the key acts for. Returns 0, or -1 after failing the call. */
static int company_of(hf_store_t *st, Hrflow__V1__WebhookEndpoint *e)
{
    if (!*e->company_id) {
        if (st->n_companies == 0)
            return 0;
        if (st->n_companies == 1) {
            e->company_id = st->companies[0];
            return 0;
        }
        hf_call_detail(st->call, "endpoint.company_id", "required",
                       "a key of several companies names the endpoint's company");
        return hf_call_fail(st->call, E(INVALID_ARGUMENT), "the webhook endpoint is invalid");
    }
    int known = hf_store_company_known(st, e->company_id);
    if (known != 0)
        return known < 0 ? -1 : 0;
    hf_call_detail(st->call, "endpoint.company_id", "not_found", "not a company this key acts for");
    return hf_call_fail(st->call, E(INVALID_ARGUMENT), "the webhook endpoint is invalid");
}

/* ---- endpoints ---- */

WH_HANDLER(notify_create_webhook_endpoint)
{
    const Hrflow__V1__CreateWebhookEndpointRequest *r = (const void *)req;
    hf_store_t st;
    if (open_integrator(call, &st, "manage webhook endpoints") < 0)
        return -1;
    if (!r->endpoint)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "endpoint is required");
    Hrflow__V1__WebhookEndpoint *in = r->endpoint;
    if (company_of(&st, in) < 0)
        return -1;
    if (endpoint_problems(call, in, "endpoint.", 1) > 0)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the webhook endpoint is invalid");
    char secret[WH_SECRET_MAX];
    wh_secret_new(secret);
    Hrflow__V1__WebhookEndpoint *out = NULL;
    int rc = wh_store_create(&st, in, secret, &out);
    if (rc != HF_OK) {
        sodium_memzero(secret, sizeof(secret));
        return hf_store_fail(&st, rc, "webhook endpoint", "");
    }
    out->secret = hf_store_strdup(&st, secret);
    sodium_memzero(secret, sizeof(secret));
    *reply = &out->base;
    return 0;
}

WH_HANDLER(notify_get_webhook_endpoint)
{
    const Hrflow__V1__GetWebhookEndpointRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__WebhookEndpoint *e =
        open_integrator(call, &st, "see webhook endpoints") == 0 ? visible(&st, r->id) : NULL;
    if (!e)
        return -1;
    *reply = &e->base;
    return 0;
}

WH_HANDLER(notify_list_webhook_endpoints)
{
    const Hrflow__V1__ListWebhookEndpointsRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (open_integrator(call, &st, "see webhook endpoints") < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    if (*r->company_id && (!hf_uuid_valid(r->company_id) ||
                           !hf_store_sees_company(&st, r->company_id)))
        return hf_call_fail(call, E(NOT_FOUND), "company %s not found", r->company_id);
    Hrflow__V1__ListWebhookEndpointsResponse *o =
        HF_CALL_NEW(call, Hrflow__V1__ListWebhookEndpointsResponse,
                    hrflow__v1__list_webhook_endpoints_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = wh_store_list(&st, r->company_id, &page, &o->endpoints, &o->n_endpoints);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "webhook endpoint", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

WH_HANDLER(notify_update_webhook_endpoint)
{
    const Hrflow__V1__UpdateWebhookEndpointRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__WebhookEndpoint *e =
        open_integrator(call, &st, "manage webhook endpoints") == 0 ? visible(&st, r->id) : NULL;
    if (!e)
        return -1;
    static const Hrflow__V1__WebhookEndpoint empty = HRFLOW__V1__WEBHOOK_ENDPOINT__INIT;
    const Hrflow__V1__WebhookEndpoint *in = r->endpoint ? r->endpoint : &empty;
    int url_changed = 0;
    for (size_t k = 0; k < r->n_update_mask; k++) {
        const char *f = r->update_mask[k];
        if (!strcmp(f, "url")) {
            e->url = in->url;
            url_changed = 1;
        } else if (!strcmp(f, "event_types")) {
            e->event_types = in->event_types;
            e->n_event_types = in->n_event_types;
        } else if (!strcmp(f, "description")) {
            e->description = in->description;
        } else if (!strcmp(f, "status")) {
            if (strcmp(in->status, "enabled") && strcmp(in->status, "disabled")) {
                hf_call_detail(call, "endpoint.status", "invalid", "enabled or disabled");
                return hf_call_fail(call, E(INVALID_ARGUMENT), "the webhook endpoint is invalid");
            }
            e->status = in->status;
        } else {
            char field[48];
            snprintf(field, sizeof(field), "update_mask[%zu]", k);
            hf_call_detail(call, field, "not_updatable",
                           "url, eventTypes, description and status can be changed");
            return hf_call_fail(call, E(INVALID_ARGUMENT), "field %s cannot be changed", f);
        }
    }
    /* an unchanged URL is not checked again here: every send checks it */
    if (endpoint_problems(call, e, "endpoint.", url_changed) > 0)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the webhook endpoint is invalid");
    Hrflow__V1__WebhookEndpoint *out = NULL;
    int rc = wh_store_update(&st, e, &out);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "webhook endpoint", r->id);
    *reply = &out->base;
    return 0;
}

WH_HANDLER(notify_delete_webhook_endpoint)
{
    const Hrflow__V1__DeleteWebhookEndpointRequest *r = (const void *)req;
    hf_store_t st;
    if (open_integrator(call, &st, "manage webhook endpoints") < 0)
        return -1;
    Hrflow__V1__WebhookEndpoint *out = NULL;
    int rc = hf_uuid_valid(r->id) ? wh_store_delete(&st, r->id, &out) : HF_ENOTFOUND;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "webhook endpoint", r->id);
    *reply = &out->base;
    return 0;
}

WH_HANDLER(notify_rotate_webhook_secret)
{
    const Hrflow__V1__RotateWebhookSecretRequest *r = (const void *)req;
    hf_store_t st;
    if (open_integrator(call, &st, "manage webhook endpoints") < 0)
        return -1;
    if (r->overlap_hours > OVERLAP_MAX_H) {
        hf_call_detail(call, "overlap_hours", "out_of_range", "0 to 168 hours (0 = 24)");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "overlap_hours is out of range");
    }
    char secret[WH_SECRET_MAX];
    wh_secret_new(secret);
    Hrflow__V1__WebhookEndpoint *out = NULL;
    int rc = hf_uuid_valid(r->id)
                 ? wh_store_rotate(&st, r->id, secret,
                                   r->revoke_previous ? 0
                                   : r->overlap_hours ? r->overlap_hours
                                                      : OVERLAP_DEFAULT_H,
                                   &out)
                 : HF_ENOTFOUND;
    if (rc == HF_OK)
        out->secret = hf_store_strdup(&st, secret);
    sodium_memzero(secret, sizeof(secret));
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "webhook endpoint", r->id);
    *reply = &out->base;
    return 0;
}

/* ---- test-send ---- */

/* The result of a send refused before any byte left. */
static int refused(hf_call_t *call, Hrflow__V1__WebhookTestResult *o, const char *why,
                   ProtobufCMessage **reply)
{
    o->outcome = "refused";
    o->reason = hf_arena_strdup(hf_call_arena(call), why);
    *reply = &o->base;
    return 0;
}

WH_HANDLER(notify_test_webhook_endpoint)
{
    const Hrflow__V1__TestWebhookEndpointRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__WebhookEndpoint *e =
        open_integrator(call, &st, "manage webhook endpoints") == 0 ? visible(&st, r->id) : NULL;
    if (!e)
        return -1;
    Hrflow__V1__WebhookTestResult *o = HF_CALL_NEW(call, Hrflow__V1__WebhookTestResult,
                                                   hrflow__v1__webhook_test_result__init);
    const char *secrets[2];
    size_t n_secrets = 0;
    int rc = o ? wh_store_secrets(&st, e->id, secrets, &n_secrets) : HF_ENOMEM;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "webhook endpoint", r->id);

    /* the event: a fresh id, now */
    unsigned char rnd[12];
    char id[40] = "test_", data[128], why[256];
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(id + 5, sizeof(id) - 5, rnd, sizeof(rnd));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(data, sizeof(data), "{\"endpointId\":\"%s\"}", e->id);
    char subject[80];
    snprintf(subject, sizeof(subject), "webhook-endpoints/%s", e->id);
    ce_event_t ev = { id, "/hrflow/notify", TEST_TYPE, subject,
                      (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000, st.tenant, data };
    o->event_id = hf_arena_strdup(hf_call_arena(call), id);
    long timeout_ms = wh_settings.timeout_s * 1000;
    int64_t left = hf_call_remaining_ms(call);
    if (left > -DAY_MS) { /* the call has a deadline (one without reads as long past) */
        left -= DEADLINE_MARGIN_MS;
        if (left < timeout_ms)
            timeout_ms = left > 100 ? (long)left : 100;
    }
    wh_message_t m = { e->url, secrets, n_secrets, &ev, timeout_ms };
    int no_target = 0;
    wh_call_t *c = wh_prepare(&policy, &m, now.tv_sec, why, sizeof(why), &no_target);
    if (!c && no_target)
        return refused(call, o, why, reply);
    if (!c)
        return hf_call_fail(call, E(INTERNAL), "the test event cannot be made: %s", why);
    CURLcode cc = curl_easy_perform(wh_call_handle(c));
    wh_verdict_t v;
    int64_t latency = 0;
    wh_call_verdict(c, cc, time(NULL), &v, &latency);
    o->outcome = (char *)wh_outcome_name(v.outcome);
    o->status_code = (int32_t)v.status;
    o->latency_ms = latency;
    o->retry_after_seconds = v.retry_after_s;
    o->reason = hf_arena_strdup(hf_call_arena(call), v.reason);
    o->response = hf_arena_strdup(hf_call_arena(call), wh_call_response(c));
    for (char *p = o->response; p && *p; p++) /* shown as text: printable ASCII only */
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = (*p == '\n' || *p == '\t') ? *p : '?';
    wh_call_destroy(&c);
    if (!o->reason || !o->response)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    if (v.outcome == WH_DISABLE) {
        if ((rc = wh_store_disable(&st, e->id, "the receiver answered 410 Gone")) != HF_OK)
            return hf_store_fail(&st, rc, "webhook endpoint", e->id);
        o->endpoint_disabled = 1;
    }
    *reply = &o->base;
    return 0;
}

/* ---- the delivery log, replay and retry ---- */

#define DELIVERY_STATE_SQL                                                                 \
    "(CASE WHEN d.state = 'queued' AND d.attempts > 0 THEN 'retrying' ELSE d.state END)"

#define DELIVERY_COLS                                                                      \
    "d.id, d.endpoint_id, d.event_id::text, " DELIVERY_STATE_SQL ", d.attempts,"           \
    " coalesce(d.status_code, 0), coalesce(d.latency_ms, 0), coalesce(d.last_error, ''),"  \
    " " HF_MICROS("d.create_time") ", " HF_MICROS("d.update_time") ","                     \
    " CASE WHEN d.state = 'queued' THEN " HF_MICROS("d.run_time") " END,"                  \
    " " HF_MICROS("d.sent_time")

static void *delivery_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__WebhookDelivery *d = hf_store_alloc(st, sizeof(*d));
    if (!d)
        return NULL;
    hrflow__v1__webhook_delivery__init(d);
    d->id = hf_store_cell(st, r, i, 0);
    d->endpoint_id = hf_store_cell(st, r, i, 1);
    d->event_id = hf_store_cell(st, r, i, 2);
    d->state = hf_store_cell(st, r, i, 3);
    d->attempts = atoi(PQgetvalue(r, i, 4));
    d->status_code = atoi(PQgetvalue(r, i, 5));
    d->latency_ms = atoll(PQgetvalue(r, i, 6));
    d->last_error = hf_store_cell(st, r, i, 7);
    d->create_time = hf_store_time(st, r, i, 8);
    d->update_time = hf_store_time(st, r, i, 9);
    d->next_attempt_time = hf_store_time(st, r, i, 10);
    d->sent_time = hf_store_time(st, r, i, 11);
    return d->id && d->endpoint_id && d->event_id && d->state && d->last_error ? d : NULL;
}

WH_HANDLER(notify_list_webhook_deliveries)
{
    const Hrflow__V1__ListWebhookDeliveriesRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (open_integrator(call, &st, "see webhook deliveries") < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    static const char *const states[] = { "queued", "sending", "sent", "retrying", "dead" };
    int known = !*r->state;
    for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++)
        known |= !strcmp(r->state, states[k]);
    if (!known) {
        hf_call_detail(call, "state", "bad_value", "queued, sending, sent, retrying or dead");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the filters are invalid");
    }
    if (!visible(&st, r->id))
        return -1;
    Hrflow__V1__ListWebhookDeliveriesResponse *o =
        HF_CALL_NEW(call, Hrflow__V1__ListWebhookDeliveriesResponse,
                    hrflow__v1__list_webhook_deliveries_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    const char *p[6] = { st.tenant, r->id, r->state };
    PGresult *res = hf_page_query(&st,
                                  "SELECT " DELIVERY_COLS " FROM notify.delivery d"
                                  " WHERE d.tenant_id = $1::uuid AND d.endpoint_id = $2::uuid"
                                  "   AND ($3 = '' OR " DELIVERY_STATE_SQL " = $3)"
                                  "   AND (d.create_time, d.id) > ($4::timestamptz, $5::uuid)"
                                  " ORDER BY d.create_time, d.id LIMIT $6::int",
                                  6, p, 8, &page);
    int rc = hf_page_rows(&st, res, &page, delivery_row, (void ***)&o->deliveries,
                          &o->n_deliveries);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "webhook delivery", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

/* 1 when s is an RFC 3339 time: "2026-12-03T08:00:00Z", fractions and an
 * offset allowed. */
static int rfc3339_ok(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest || strlen(s) > 40)
        return 0;
    if (*rest == '.' && (rest++, !isdigit((unsigned char)*rest)))
        return 0;
    while (isdigit((unsigned char)*rest))
        rest++;
    if (!strcmp(rest, "Z"))
        return 1;
    return (*rest == '+' || *rest == '-') && strlen(rest) == 6 && isdigit((unsigned char)rest[1]) &&
           isdigit((unsigned char)rest[2]) && rest[3] == ':' && isdigit((unsigned char)rest[4]) &&
           isdigit((unsigned char)rest[5]);
}

WH_HANDLER(notify_replay_webhook_events)
{
    const Hrflow__V1__ReplayWebhookEventsRequest *r = (const void *)req;
    hf_store_t st;
    if (open_integrator(call, &st, "replay webhook events") < 0)
        return -1;
    int bad = 0;
    if (!*r->from_event_id == !*r->from_time)
        hf_call_detail(call, "from_event_id", "required", "fromEventId or fromTime, one of them"),
            bad = 1;
    else if (*r->from_event_id && (strspn(r->from_event_id, "0123456789") !=
                                       strlen(r->from_event_id) ||
                                   strlen(r->from_event_id) > 18))
        hf_call_detail(call, "from_event_id", "bad_format", "an event's id (digits)"), bad = 1;
    else if (*r->from_time && !rfc3339_ok(r->from_time))
        hf_call_detail(call, "from_time", "bad_format", "an RFC 3339 time"), bad = 1;
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "say where the replay starts");
    Hrflow__V1__WebhookEndpoint *e = visible(&st, r->id);
    if (!e)
        return -1;
    /* every matching event from there: a new delivery, or the existing one
     * queued again with a new series of attempts (the same webhook-id) */
    const char *p[] = { st.tenant, e->id, *r->from_event_id ? r->from_event_id : NULL,
                        *r->from_time ? r->from_time : NULL };
    PGresult *res = hf_db_query(
        st.db,
        "WITH ev AS (SELECT o.id FROM events.outbox o, notify.webhook_endpoints e"
        "             WHERE o.tenant_id = $1::text AND e.tenant_id = $1::uuid AND e.id = $2::uuid"
        "               AND ($3::bigint IS NULL OR o.id >= $3::bigint)"
        "               AND ($4::timestamptz IS NULL OR o.time >= $4::timestamptz)"
        "               AND o.tx_id < pg_snapshot_xmin(pg_current_snapshot())"
        "               AND notify.company_sees(o.data,"
        "                                       array_remove(ARRAY[e.company_id::text], NULL))"
        "               AND notify.type_wanted(o.type, e.event_types))"
        " INSERT INTO notify.delivery AS d (tenant_id, company_id, dedupe_key, channel,"
        "                                   time_zone, run_time, endpoint_id, event_id)"
        " SELECT $1::uuid, (SELECT company_id FROM notify.webhook_endpoints"
        "                    WHERE tenant_id = $1::uuid AND id = $2::uuid),"
        "        'webhook:' || $2::text || ':' || ev.id, 'webhook', 'UTC', timers.now(), $2::uuid, ev.id"
        "   FROM ev"
        " ON CONFLICT (tenant_id, dedupe_key) DO UPDATE"
        "    SET state = 'queued', attempts = 0, held = false, run_time = timers.now(),"
        "        last_error = NULL, status_code = NULL, latency_ms = NULL, sent_time = NULL,"
        "        update_time = now()"
        "  WHERE d.state <> 'sending'",
        4, p);
    if (!res)
        return hf_store_fail(&st, HF_EDB, "webhook endpoint", e->id);
    Hrflow__V1__ReplayWebhookEventsResponse *o =
        HF_CALL_NEW(call, Hrflow__V1__ReplayWebhookEventsResponse,
                    hrflow__v1__replay_webhook_events_response__init);
    if (o)
        o->enqueued = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    *reply = &o->base;
    return 0;
}

WH_HANDLER(notify_retry_webhook_delivery)
{
    const Hrflow__V1__RetryWebhookDeliveryRequest *r = (const void *)req;
    hf_store_t st;
    if (open_integrator(call, &st, "retry webhook deliveries") < 0 || !visible(&st, r->id))
        return -1;
    if (!hf_uuid_valid(r->delivery_id))
        return hf_store_fail(&st, HF_ENOTFOUND, "webhook delivery", r->delivery_id);
    const char *p[] = { st.tenant, r->id, r->delivery_id };
    static const char sql[] =
        "WITH x AS (SELECT d.id, d.state FROM notify.delivery d"
        "            WHERE d.tenant_id = $1::uuid AND d.endpoint_id = $2::uuid"
        "              AND d.id = $3::uuid FOR UPDATE),"
        " up AS (UPDATE notify.delivery d SET state = 'queued', attempts = 0,"
        "               run_time = timers.now(), update_time = now()"
        "          FROM x WHERE d.id = x.id AND x.state = 'dead' RETURNING d.*)"
        " SELECT x.state, (SELECT count(*) FROM up) FROM x";
    if (nt_retry_dead(&st, sql, 3, p, "webhook delivery", r->delivery_id) < 0)
        return -1;
    return hf_store_one(&st,
                        "SELECT " DELIVERY_COLS " FROM notify.delivery d"
                        " WHERE d.tenant_id = $1::uuid AND d.endpoint_id = $2::uuid"
                        "   AND d.id = $3::uuid",
                        3, p, delivery_row, (void **)reply) == HF_OK
               ? 0
               : hf_store_fail(&st, HF_EDB, "webhook delivery", r->delivery_id);
}
