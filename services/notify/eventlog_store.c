/* services/notify/eventlog_store.c - one tenant's outbox, read in the relay's order
 *
 * Every read goes through events.after_tenant (common migration 0006),
 * which walks the tenant's range of the (tenant_id, tx_id, id) index below
 * pg_snapshot_xmin: an event whose transaction is still running is never
 * passed, so a reader's cursor can never move beyond a row that commits
 * later. The types and the company wall are decided in the same statement
 * for each row walked, and every row walked moves the cursor, wanted or
 * not, so a filter that wants little never makes a reader walk the same
 * rows again; one call walks at most SCAN_BATCHES batches.
 */
#include "eventlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_BATCH 500
#define SCAN_BATCHES 10

static const char sql_after[] =
    "SELECT o.tx_id::text, o.id, o.source, o.type, o.subject,"
    "       " HF_MICROS("o.time") ","
    "       CASE WHEN w.wanted THEN o.data::text END, w.wanted"
    "  FROM events.after_tenant($1, $2::xid8, $3::bigint, $4::int) o,"
    "       LATERAL (SELECT notify.type_wanted(o.type, $5::text[])"
    "                       AND notify.company_sees(o.data, $6::text[]) AS wanted) w"
    /* qualified: a bare tx_id would name the text column (as in the relay) */
    " ORDER BY o.tx_id, o.id";

int eventlog_store_position(hf_store_t *st, const char *id, eventlog_pos_t *out)
{
    const char *companies = hf_store_array(st, (const char *const *)st->companies,
                                           st->n_companies);
    if (!companies)
        return HF_ENOMEM;
    const char *p[] = { st->tenant, id, companies };
    PGresult *r = hf_db_query(st->db,
                              "SELECT tx_id::text FROM events.outbox"
                              " WHERE tenant_id = $1 AND id = $2::bigint"
                              "   AND tx_id < pg_snapshot_xmin(pg_current_snapshot())"
                              "   AND notify.company_sees(data, $3::text[])",
                              3, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK) {
        out->tx = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        out->id = strtoll(id, NULL, 10);
    }
    PQclear(r);
    return rc;
}

/* Append the wanted rows of r to out (up to q->limit). Returns the number of
 * rows walked through (all of r unless the limit stopped it), or -1. */
static int take(hf_store_t *st, PGresult *r, const eventlog_query_t *q, eventlog_page_t *out)
{
    int n = PQntuples(r), i;
    for (i = 0; i < n && out->n < q->limit; i++) {
        out->next.tx = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        out->next.id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
        if (strcmp(PQgetvalue(r, i, 7), "t") != 0)
            continue;
        eventlog_event_t *e = &out->events[out->n++];
        e->pos = out->next;
        if (!(e->id = hf_store_cell(st, r, i, 1)) || !(e->source = hf_store_cell(st, r, i, 2)) ||
            !(e->type = hf_store_cell(st, r, i, 3)) || !(e->subject = hf_store_cell(st, r, i, 4)) ||
            !(e->data = hf_store_cell(st, r, i, 6)))
            return -1;
        e->time_us = strtoll(PQgetvalue(r, i, 5), NULL, 10);
    }
    return i;
}

int eventlog_store_after(hf_store_t *st, eventlog_pos_t after, const eventlog_query_t *q,
                         eventlog_page_t *out)
{
    memset(out, 0, sizeof(*out));
    out->next = after;
    out->events = hf_store_alloc(st, q->limit * sizeof(*out->events));
    const char *types = hf_store_array(st, q->types, q->n_types);
    const char *companies = hf_store_array(st, (const char *const *)st->companies,
                                           st->n_companies);
    if (!out->events || !types || !companies)
        return HF_ENOMEM;
    for (int batch = 0; batch < SCAN_BATCHES; batch++) {
        char tx[24], id[24], n[16];
        snprintf(tx, sizeof(tx), "%lld", (long long)out->next.tx);
        snprintf(id, sizeof(id), "%lld", (long long)out->next.id);
        snprintf(n, sizeof(n), "%d", SCAN_BATCH);
        const char *p[] = { st->tenant, tx, id, n, types, companies };
        PGresult *r = hf_db_query(st->db, sql_after, 6, p);
        if (!r)
            return HF_EDB;
        int rows = PQntuples(r), walked = take(st, r, q, out);
        PQclear(r);
        if (walked < 0)
            return HF_ENOMEM;
        if (walked < rows || out->n == q->limit) { /* the limit: there is more, or may be */
            out->more = 1;
            return HF_OK;
        }
        if (rows < SCAN_BATCH) /* the end of what has committed below the horizon */
            return HF_OK;
    }
    out->more = 1; /* walked the bound without filling the page */
    return HF_OK;
}
