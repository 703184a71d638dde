/* common/src/outbox.c - append to the event outbox; relay it to the bus
 *
 * hf_outbox_append() is one parameterised INSERT on the caller's connection,
 * inside the caller's transaction. The relay is a background loop (hf/loop.h)
 * with its own connection, elected across all replicas of all services (a
 * dead leader's lock goes with its connection); the leader LISTENs for the
 * commit-time NOTIFY and publishes rows in (tx_id, id) order, then moves its
 * cursor. Each event carries the id of its tenant's event before it
 * (previous_id), so a subscriber sees a gap. Standbys retry the election
 * every few poll periods. A crash between publishing and moving the cursor
 * republishes a batch: at-least-once, which subscribers absorb by event id.
 */
#include "hf/outbox.h"
#include "hf/bus.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hf/loop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RELAY_BATCH "500"
#define RELAY_BATCH_N 500
#define PUBLISHER_WAIT_MS 5000

static const char sql_append[] = HF_OUTBOX_INSERT
    " VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING id";

int hf_outbox_append(PGconn *c, const hf_outbox_event_t *e, int64_t *id)
{
    const char *p[] = { e->tenant_id ? e->tenant_id : "", e->source, e->type,
                        e->subject ? e->subject : "", e->data_json ? e->data_json : "{}",
                        e->traceparent };
    PGresult *r = hf_db_query(c, sql_append, 6, p);
    if (!r)
        return -1;
    if (id)
        *id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return 0;
}

int hf_outbox_append_many(PGconn *c, const hf_outbox_event_t *e, size_t n)
{
    if (n == 0)
        return 0;
    const char **col[6];
    for (int k = 0; k < 6; k++)
        if (!(col[k] = calloc(n, sizeof(char *)))) {
            for (int j = 0; j < k; j++)
                free(col[j]);
            return -1;
        }
    for (size_t i = 0; i < n; i++) {
        col[0][i] = e[i].tenant_id ? e[i].tenant_id : "";
        col[1][i] = e[i].source;
        col[2][i] = e[i].type;
        col[3][i] = e[i].subject ? e[i].subject : "";
        col[4][i] = e[i].data_json ? e[i].data_json : "{}";
        col[5][i] = e[i].traceparent;
    }
    char *arr[6];
    int ok = 1;
    for (int k = 0; k < 6; k++)
        ok &= (arr[k] = hf_db_array(col[k], n)) != NULL;
    /* WITH ORDINALITY keeps the given order in the identity column */
    int rc = ok ? hf_db_exec(c,
                             HF_OUTBOX_INSERT " SELECT t, s, ty, su, d::jsonb, tp FROM unnest($1::text[],"
                             " $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])"
                             " WITH ORDINALITY AS x(t, s, ty, su, d, tp, n) ORDER BY n",
                             6, (const char *const *)arr, NULL)
                : -1;
    for (int k = 0; k < 6; k++) {
        free(arr[k]);
        free(col[k]);
    }
    return rc;
}

struct hf_outbox_relay {
    hf_loop_t *loop;        /* the thread, its connection and the election */
    char *pub_endpoints;
    hf_counter_t *published;
    hf_gauge_t *leader;
    hf_bus_publisher_t *pub; /* made before the loop's thread starts, then used and
                                closed there only */
    int have_cursor;
    char tx_id[32];
    char last_id[24];
};

/* A new connection (the election is lost with the old one): the cursor is
 * read again once this loop leads. */
static int relay_connected(hf_loop_t *l, PGconn *db, void *user)
{
    (void)l, (void)db;
    hf_outbox_relay_t *r = user;
    r->have_cursor = 0;
    hf_gauge_set(r->leader, 0);
    return 0;
}

static int relay_cursor(hf_outbox_relay_t *r, PGconn *c)
{
    PGresult *res = hf_db_query(c,
                                "SELECT tx_id::text, last_id FROM events.relay_cursor"
                                " WHERE name = 'bus'",
                                0, NULL);
    if (!res || PQntuples(res) != 1) {
        PQclear(res);
        return -1;
    }
    snprintf(r->tx_id, sizeof(r->tx_id), "%s", PQgetvalue(res, 0, 0));
    snprintf(r->last_id, sizeof(r->last_id), "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
    r->have_cursor = 1;
    hf_gauge_set(r->leader, 1);
    hf_info("outbox relay: leading from tx %s id %s", r->tx_id, r->last_id);
    /* A connection the brokers have not taken yet drops what is published,
     * and the cursor would move past it. A broker that is down does not
     * hold the others up for longer than this. */
    if (!hf_bus_publisher_wait(r->pub, PUBLISHER_WAIT_MS))
        hf_warn("outbox relay: a broker has not taken the publisher's connection in %d ms;"
                " publishing to the others",
                PUBLISHER_WAIT_MS);
    return 0;
}

/* Each row with the id of its tenant's event before it (Event.previous_id):
 * the row before it in the batch when the tenant has one there, else one
 * walk back down the tenant's index (coalesce stops at the first value, so
 * a batch of few tenants walks back a few times, not 500). */
static const char sql_batch[] =
    "SELECT tx_id::text, id, tenant_id, source, type, subject,"
    "       (extract(epoch FROM time) * 1000000)::bigint, data::text, coalesce(traceparent, ''),"
    "       coalesce(lag(o.id) OVER (PARTITION BY o.tenant_id ORDER BY o.tx_id, o.id),"
    "                events.previous_id(o.tenant_id, o.tx_id, o.id))"
    "  FROM events.after($1::xid8, $2::bigint, " RELAY_BATCH ") o"
    /* qualified: a bare tx_id would name the text column above, and "10"
     * sorts before "9" (out of order, and the cursor left behind or ahead) */
    " ORDER BY o.tx_id, o.id";

/* Publish one batch. Returns the number of rows published, or -1. */
static int relay_batch(hf_outbox_relay_t *r, PGconn *c)
{
    const char *p[] = { r->tx_id, r->last_id };
    PGresult *res = hf_db_query(c, sql_batch, 2, p);
    if (!res)
        return -1;
    int n = PQntuples(res);
    for (int i = 0; i < n; i++) {
        Hrflow__V1__Event ev = HRFLOW__V1__EVENT__INIT;
        Hrflow__V1__Timestamp ts = HRFLOW__V1__TIMESTAMP__INIT;
        int64_t us = strtoll(PQgetvalue(res, i, 6), NULL, 10);
        ts.seconds = us / 1000000;
        ts.nanos = (int32_t)(us % 1000000) * 1000;
        ev.id = PQgetvalue(res, i, 1);
        ev.tenant_id = PQgetvalue(res, i, 2);
        ev.source = PQgetvalue(res, i, 3);
        ev.type = PQgetvalue(res, i, 4);
        ev.subject = PQgetvalue(res, i, 5);
        ev.time = &ts;
        ev.data_content_type = "application/json";
        ev.data.data = (uint8_t *)PQgetvalue(res, i, 7);
        ev.data.len = (size_t)PQgetlength(res, i, 7);
        ev.traceparent = PQgetvalue(res, i, 8);
        ev.previous_id = PQgetvalue(res, i, 9);
        if (hf_bus_publish(r->pub, &ev) < 0)
            hf_warn("outbox relay: could not publish event %s", ev.id);
    }
    if (n > 0) {
        snprintf(r->tx_id, sizeof(r->tx_id), "%s", PQgetvalue(res, n - 1, 0));
        snprintf(r->last_id, sizeof(r->last_id), "%s", PQgetvalue(res, n - 1, 1));
        const char *q[] = { r->tx_id, r->last_id };
        if (hf_db_exec(c,
                       "UPDATE events.relay_cursor SET tx_id = $1::xid8, last_id = $2::bigint,"
                       " updated_at = now() WHERE name = 'bus'",
                       2, q, NULL) < 0)
            n = -1;
        else
            hf_counter_add(r->published, (uint64_t)PQntuples(res));
    }
    PQclear(res);
    return n;
}

/* One step of the leader: a batch. More may wait when it was full. */
static int relay_step(hf_loop_t *l, PGconn *db, void *user)
{
    (void)l;
    hf_outbox_relay_t *r = user;
    if (!r->have_cursor && relay_cursor(r, db) < 0)
        return -1;
    int n = relay_batch(r, db);
    if (n < 0) {
        hf_warn("outbox relay: batch failed");
        r->have_cursor = 0; /* read it again: the cursor update may not have committed */
    }
    return n < 0 ? -1 : n == RELAY_BATCH_N;
}

static void relay_cleanup(void *user)
{
    hf_outbox_relay_t *r = user;
    hf_bus_publisher_destroy(&r->pub);
    hf_gauge_set(r->leader, 0);
}

hf_outbox_relay_t *hf_outbox_relay_start(const char *conninfo, const char *pub_endpoints,
                                         int poll_ms)
{
    hf_outbox_relay_t *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->pub_endpoints = strdup(pub_endpoints);
    r->published = hf_metrics_counter("hf_outbox_published_total",
                                      "Outbox events published on the bus by this process", NULL);
    r->leader = hf_metrics_gauge("hf_outbox_relay_leader",
                                 "1 when this process is the active outbox relay", NULL);
    /* one leader across all replicas of all services */
    const hf_loop_def_t def = { .name = "outbox relay", .step = relay_step,
                                .connected = relay_connected, .cleanup = relay_cleanup,
                                .user = r, .idle_ms = poll_ms > 0 ? poll_ms : 500, .listen = 1,
                                .leader = "hrflow outbox relay" };
    if (!r->pub_endpoints || !(r->pub = hf_bus_publisher_new(r->pub_endpoints))) {
        hf_error("outbox relay: bad publisher endpoints \"%s\"", pub_endpoints);
        free(r->pub_endpoints);
        free(r);
        return NULL;
    }
    if (!(r->loop = hf_loop_start(conninfo, &def))) {
        hf_bus_publisher_destroy(&r->pub);
        free(r->pub_endpoints);
        free(r);
        return NULL;
    }
    return r;
}

void hf_outbox_relay_stop(hf_outbox_relay_t **rp)
{
    if (!rp || !*rp)
        return;
    hf_outbox_relay_t *r = *rp;
    hf_loop_stop(&r->loop);
    free(r->pub_endpoints);
    free(r);
    *rp = NULL;
}
