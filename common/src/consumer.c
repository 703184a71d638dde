/* common/src/consumer.c - durable event consumers over the outbox log
 *
 * A background loop per consumer (hf/loop.h: its own connection, LISTEN on
 * the outbox's commit-time NOTIFY). One batch is one
 * transaction:
 *
 *   1. lock the cursor row FOR UPDATE SKIP LOCKED; no row means another
 *      replica holds it (or it does not exist yet): wait and try again;
 *   2. read up to SCAN_N rows after the cursor in (tx_id, id) order, below
 *      pg_snapshot_xmin so no running transaction can still add a row behind
 *      them, and of those the first HIT_N (HIT_N_BATCH for a whole-batch
 *      handler) whose type matches, with their data;
 *   3. call the handler for each match (a batch handler: once for all of
 *      them, inside one savepoint); after a handler's SKIP or RETRY, once per
 *      match inside a savepoint of its own until that batch is behind the
 *      cursor;
 *   4. move the cursor to the last row scanned (to the last match when HIT_N
 *      matched: rows after it were not handed out) and commit.
 *
 * Non-matching rows cost an index entry each in step 2 and are passed by the
 * cursor, so a consumer of rare types does not crawl the log 200 rows at a
 * time. RETRY rolls the transaction back, so nothing of the batch is kept.
 *
 * Savepoints only when needed. A per-event handler's SKIP must undo that
 * event's changes and keep the others', which takes a savepoint per event:
 * two more round trips per event (SAVEPOINT, RELEASE), and a subtransaction
 * each, whose ids overflow the snapshots of every other backend past 64 in one
 * transaction. Handlers nearly always answer OK, so a batch runs without them
 * at first; the first SKIP rolls the batch back and does it again at once with
 * a savepoint per event (a RETRY: after the pause, so), until that batch is
 * behind the cursor. A handler may so be called again for events whose batch
 * was undone, as it already was after a RETRY.
 */
#include "hf/consumer.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hf/loop.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_N "5000"
#define SCAN_N_INT 5000
#define HIT_N 200        /* matches one transaction hands to a per-event handler */
#define HIT_N_BATCH 5000 /* ... and to a whole-batch handler (SCAN_N_INT at most) */
/* Under a stream of commits a consumer steps at most every LINGER_MS (the
 * first commit after a quiet spell at once): each NOTIFY used to cost every
 * consumer a transaction and a cursor write, six per scored interview. */
#define LINGER_MS 100
#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 30000

struct hf_consumer {
    hf_loop_t *loop;
    char *name;
    char *prefixes;         /* JSON array of the type prefixes ([""] = every type) */
    hf_consumer_fn fn;
    hf_consumer_batch_fn batch; /* instead of fn: whole batches */
    int keys_only;              /* hand events without their rows (hf_consumer_start_keys) */
    int one_by_one;             /* a batch failed: hand its events one at a time (to
                                   batch), each inside a savepoint */
    void *user;
    hf_counter_t *consumed, *skipped, *retries;
    char failing[32];       /* the event whose handler asked to retry last, and how often */
    int tries;
    int retry_ms;           /* the pause before the next retry of a batch */
    uint64_t batches;       /* transactions begun: hf_consumed_event_t.batch */
    int hit_n;              /* matches a batch hands out at most */
    char hit_n_text[12];
};

/* What a batch came to (BATCH_AGAIN: undone, to be done again at once). */
enum { BATCH_ERROR = -1, BATCH_RETRY = -2, BATCH_BUSY = -3, BATCH_AGAIN = -4 };

/* What an event came to, besides HF_CONSUME_*: a SKIP without a savepoint of
 * its own, whose changes only the batch's rollback can undo (APPLY_AGAIN);
 * a handler that left the transaction at another depth (APPLY_LOST: nothing
 * but the batch's rollback is safe then). */
enum { APPLY_AGAIN = 2, APPLY_LOST = 3 };

static const char sql_ensure[] =
    "INSERT INTO events.consumer_cursor (name) VALUES ($1) ON CONFLICT (name) DO NOTHING";

static const char sql_lock[] =
    "SELECT tx_id::text, last_id FROM events.consumer_cursor WHERE name = $1"
    " FOR UPDATE SKIP LOCKED";

/* Matches first (part 0, in commit order), then the last row scanned with
 * the number of rows scanned (part 1; absent when nothing was). The walk
 * reads keys and types only (events.after_keys, migration 0008); a match's
 * row is fetched by primary key (OFFSET 0 keeps that a probe per match, never
 * a join over the log), or not at all for a consumer of keys (KEYS_ONLY). */
#define SQL_BATCH(PART0)                                                                \
    "WITH scan AS MATERIALIZED ("                                                       \
    "  SELECT * FROM events.after_keys($1::xid8, $2::bigint, " SCAN_N ")),"             \
    " hit AS ("                                                                         \
    "  SELECT * FROM scan"                                                              \
    "   WHERE type ^@ ANY (ARRAY(SELECT jsonb_array_elements_text($3::jsonb)))"         \
    "   ORDER BY tx_id, id LIMIT $4::int)"                                              \
    " SELECT part, tx_id::text, id, tenant_id, source, type, subject, us, data, traceparent, n" \
    "  FROM (" PART0                                                                    \
    "   UNION ALL"                                                                      \
    "   SELECT 1, e.tx_id, e.id, '', '', '', '', 0, '', '', (SELECT count(*) FROM scan)" \
    "     FROM (SELECT tx_id, id FROM scan ORDER BY tx_id DESC, id DESC LIMIT 1) e"     \
    "  ) u ORDER BY part, u.tx_id, u.id"

static const char sql_batch[] = SQL_BATCH(
    "   SELECT 0 AS part, h.tx_id, h.id, h.tenant_id, o.source, h.type, o.subject,"
    "          (extract(epoch FROM o.time) * 1000000)::bigint AS us, o.data::text AS data,"
    "          coalesce(o.traceparent, '') AS traceparent, 0::bigint AS n"
    "     FROM hit h CROSS JOIN LATERAL ("
    "       SELECT * FROM events.outbox WHERE tenant_id = h.tenant_id AND id = h.id"
    "       OFFSET 0) o");

static const char sql_batch_keys[] = SQL_BATCH(
    "   SELECT 0 AS part, h.tx_id, h.id, h.tenant_id, '' AS source, h.type, '' AS subject,"
    "          0::bigint AS us, '' AS data, '' AS traceparent, 0::bigint AS n"
    "     FROM hit h");

static const char sql_advance[] =
    "UPDATE events.consumer_cursor SET tx_id = $2::xid8, last_id = $3::bigint,"
    " updated_at = now() WHERE name = $1";

enum { COL_PART, COL_TX, COL_ID, COL_TENANT, COL_SOURCE, COL_TYPE, COL_SUBJECT, COL_US,
       COL_DATA, COL_TRACE, COL_N };

/* Undo every level of the transaction, however deep the handler left it. */
static void rollback_batch(PGconn *db)
{
    while (hf_db_depth(db) > 0)
        hf_db_rollback(db);
}

/* A retry of event id: true when it is the HF_CONSUME_MAX_TRIES-th in a row
 * while the database still answers, so the event is passed rather than hold
 * back every later one (a lost connection never counts). */
static int give_up(hf_consumer_t *c, PGconn *db, const char *id)
{
    if (strcmp(c->failing, id) != 0) {
        snprintf(c->failing, sizeof(c->failing), "%s", id);
        c->tries = 0;
    }
    return ++c->tries >= HF_CONSUME_MAX_TRIES && PQstatus(db) == CONNECTION_OK;
}

/* Row i of a batch as the handler sees it. */
static hf_consumed_event_t event_at(const hf_consumer_t *c, PGresult *res, int i)
{
    return (hf_consumed_event_t){
        .id = PQgetvalue(res, i, COL_ID),
        .tenant_id = PQgetvalue(res, i, COL_TENANT),
        .source = PQgetvalue(res, i, COL_SOURCE),
        .type = PQgetvalue(res, i, COL_TYPE),
        .subject = PQgetvalue(res, i, COL_SUBJECT),
        .data_json = PQgetvalue(res, i, COL_DATA),
        .traceparent = PQgetvalue(res, i, COL_TRACE),
        .time_us = strtoll(PQgetvalue(res, i, COL_US), NULL, 10),
        .batch = c->batches,
    };
}

/* One event through the handler: fn, or batch with this event alone (its
 * *skipped of 1 is a SKIP). */
static int handle_one(hf_consumer_t *c, PGconn *db, const hf_consumed_event_t *ev)
{
    if (!c->batch)
        return c->fn(c->user, db, ev);
    size_t skipped = 0;
    int rc = c->batch(c->user, db, ev, 1, &skipped);
    return rc == HF_CONSUME_OK && skipped ? HF_CONSUME_SKIP : rc;
}

/* The handler on *ev, with the checks of what it left: HF_CONSUME_OK,
 * HF_CONSUME_SKIP, HF_CONSUME_RETRY or APPLY_LOST. */
static int run_handler(hf_consumer_t *c, PGconn *db, const hf_consumed_event_t *ev)
{
    int depth = hf_db_depth(db);
    /* the handler's log lines carry the trace of the request that wrote the event */
    hf_log_context_set(ev->traceparent, ev->id, c->name);
    int rc = handle_one(c, db, ev);
    hf_log_context_clear();
    if (hf_db_depth(db) != depth) {
        hf_logkv(HF_LOG_ERROR, "consumer handler left its transaction at another depth",
                 HF_KV_STR("consumer", c->name), HF_KV_STR("event", ev->id),
                 HF_KV_STR("type", ev->type));
        return APPLY_LOST;
    }
    if (rc == HF_CONSUME_OK && PQtransactionStatus(db) == PQTRANS_INERROR) {
        hf_logkv(HF_LOG_ERROR, "consumer handler returned OK after a failed statement",
                 HF_KV_STR("consumer", c->name), HF_KV_STR("event", ev->id),
                 HF_KV_STR("type", ev->type));
        return HF_CONSUME_RETRY;
    }
    return rc == HF_CONSUME_OK || rc == HF_CONSUME_SKIP ? rc : HF_CONSUME_RETRY;
}

/* Run the handler on row i with no savepoint of its own. Returns
 * HF_CONSUME_OK; else the batch is to be undone: at once (APPLY_AGAIN, for a
 * SKIP) or after the pause (HF_CONSUME_RETRY). */
static int apply_bare(hf_consumer_t *c, PGconn *db, PGresult *res, int i)
{
    hf_consumed_event_t ev = event_at(c, res, i);
    int rc = run_handler(c, db, &ev);
    return rc == HF_CONSUME_OK ? rc : rc == HF_CONSUME_SKIP ? APPLY_AGAIN : HF_CONSUME_RETRY;
}

/* Run the handler on row i inside a savepoint. Returns HF_CONSUME_OK or
 * HF_CONSUME_SKIP (the savepoint released or rolled back), HF_CONSUME_RETRY,
 * or BATCH_ERROR when the consumer's own statements failed. */
static int apply(hf_consumer_t *c, PGconn *db, PGresult *res, int i)
{
    hf_consumed_event_t ev = event_at(c, res, i);
    if (hf_db_begin(db) < 0)
        return BATCH_ERROR;
    int rc = run_handler(c, db, &ev);
    if (rc == APPLY_LOST)
        return HF_CONSUME_RETRY;
    if (rc != HF_CONSUME_OK && rc != HF_CONSUME_SKIP && give_up(c, db, ev.id)) {
        hf_logkv(HF_LOG_ERROR, "consumer gave up on an event that kept failing",
                 HF_KV_STR("consumer", c->name), HF_KV_STR("event", ev.id),
                 HF_KV_STR("type", ev.type));
        rc = HF_CONSUME_SKIP;
    }
    if (rc == HF_CONSUME_OK) {
        c->failing[0] = '\0';
        return hf_db_commit(db) < 0 ? BATCH_ERROR : HF_CONSUME_OK;
    }
    if (rc == HF_CONSUME_SKIP) {
        c->failing[0] = '\0';
        hf_logkv(HF_LOG_WARN, "consumer skipped an event it can never apply",
                 HF_KV_STR("consumer", c->name), HF_KV_STR("event", ev.id),
                 HF_KV_STR("type", ev.type));
        return hf_db_rollback(db) < 0 ? BATCH_ERROR : HF_CONSUME_SKIP;
    }
    return HF_CONSUME_RETRY;
}

/* Rows 0..hits-1 through the batch handler at once, inside a savepoint.
 * Returns HF_CONSUME_OK with *skipped set (the savepoint released),
 * HF_CONSUME_RETRY, or BATCH_ERROR when the consumer's own statements
 * failed. */
static int apply_batch(hf_consumer_t *c, PGconn *db, PGresult *res, int hits, int *skipped)
{
    hf_consumed_event_t *ev = calloc((size_t)hits, sizeof(*ev));
    if (!ev)
        return HF_CONSUME_RETRY;
    for (int i = 0; i < hits; i++)
        ev[i] = event_at(c, res, i);
    if (hf_db_begin(db) < 0) {
        free(ev);
        return BATCH_ERROR;
    }
    int depth = hf_db_depth(db);
    size_t n_skipped = 0;
    hf_log_context_set(NULL, NULL, c->name);
    int rc = c->batch(c->user, db, ev, (size_t)hits, &n_skipped);
    hf_log_context_clear();
    if (hf_db_depth(db) != depth ||
        (rc == HF_CONSUME_OK && PQtransactionStatus(db) == PQTRANS_INERROR)) {
        hf_logkv(HF_LOG_ERROR,
                 "consumer batch handler left its transaction failed or at another depth",
                 HF_KV_STR("consumer", c->name), HF_KV_STR("event", ev[0].id));
        rc = HF_CONSUME_RETRY;
    }
    free(ev);
    if (rc != HF_CONSUME_OK)
        return HF_CONSUME_RETRY;
    *skipped = (int)(n_skipped < (size_t)hits ? n_skipped : (size_t)hits);
    return hf_db_commit(db) < 0 ? BATCH_ERROR : HF_CONSUME_OK;
}

/* Steps 2-4 inside the open transaction, with the cursor locked. Returns 1
 * when more rows may be waiting, 0 when caught up, or BATCH_RETRY /
 * BATCH_ERROR. */
static int consume_locked(hf_consumer_t *c, PGconn *db, const char *tx_id, const char *last_id)
{
    const char *p[] = { tx_id, last_id, c->prefixes, c->hit_n_text };
    c->batches++;
    PGresult *res = hf_db_query(db, c->keys_only ? sql_batch_keys : sql_batch, 4, p);
    if (!res)
        return BATCH_ERROR;
    int rows = PQntuples(res), hits = 0, applied = 0, skipped = 0, rc = HF_CONSUME_OK;
    while (hits < rows && PQgetvalue(res, hits, COL_PART)[0] == '0')
        hits++;
    int scanned = hits < rows ? atoi(PQgetvalue(res, hits, COL_N)) : 0;
    int more = hits == c->hit_n || scanned == SCAN_N_INT;
    /* the row the cursor moves to once every match is handled: the last
     * match when HIT_N matched (later rows were not handed out), else the
     * last row scanned; -1 when nothing was */
    int end = hits == c->hit_n ? hits - 1 : hits < rows ? hits : -1;
    int i = 0;
    if (c->batch && !c->one_by_one && hits > 0 && !hf_loop_stopping(c->loop)) {
        rc = apply_batch(c, db, res, hits, &skipped);
        if (rc == HF_CONSUME_OK)
            applied = hits - skipped, i = hits;
        else if (rc == HF_CONSUME_RETRY)
            c->one_by_one = 1;
    } else {
        int bare = !c->one_by_one;
        for (; i < hits && !hf_loop_stopping(c->loop); i++) {
            rc = bare ? apply_bare(c, db, res, i) : apply(c, db, res, i);
            if (rc == HF_CONSUME_OK)
                applied++;
            else if (rc == HF_CONSUME_SKIP)
                skipped++;
            else
                break;
        }
        /* undone: its events go again one at a time, each in a savepoint */
        if (bare && (rc == HF_CONSUME_RETRY || rc == APPLY_AGAIN))
            c->one_by_one = 1;
    }
    if (rc == HF_CONSUME_RETRY || rc == BATCH_ERROR || rc == APPLY_AGAIN) {
        PQclear(res);
        return rc == HF_CONSUME_RETRY ? BATCH_RETRY : rc == APPLY_AGAIN ? BATCH_AGAIN : BATCH_ERROR;
    }
    if (i == hits)
        c->one_by_one = 0; /* the events of a failed batch are behind the cursor */
    if (i < hits) /* stopping: keep what was applied, resume after it */
        end = i - 1;
    const char *q[] = { c->name, end >= 0 ? PQgetvalue(res, end, COL_TX) : "",
                        end >= 0 ? PQgetvalue(res, end, COL_ID) : "" };
    if ((end >= 0 && hf_db_exec(db, sql_advance, 3, q, NULL) < 0) || hf_db_commit(db) < 0) {
        more = BATCH_ERROR;
    } else {
        hf_counter_add(c->consumed, (uint64_t)applied);
        hf_counter_add(c->skipped, (uint64_t)skipped);
    }
    PQclear(res);
    return more;
}

/* One batch. Returns 1 when more rows may be waiting, 0 when caught up, or
 * BATCH_BUSY / BATCH_RETRY / BATCH_ERROR. */
static int consume_batch(hf_consumer_t *c, PGconn *db)
{
    const char *p[] = { c->name };
    if (hf_db_begin(db) < 0)
        return BATCH_ERROR;
    PGresult *res = hf_db_query(db, sql_lock, 1, p);
    int rc;
    if (!res) {
        rc = BATCH_ERROR;
    } else if (PQntuples(res) == 0) {
        /* another replica holds the cursor, or its row is gone (reset) */
        rollback_batch(db);
        rc = hf_db_exec(db, sql_ensure, 1, p, NULL) < 0 ? BATCH_ERROR : BATCH_BUSY;
    } else {
        char tx_id[32], last_id[24];
        snprintf(tx_id, sizeof(tx_id), "%s", PQgetvalue(res, 0, 0));
        snprintf(last_id, sizeof(last_id), "%s", PQgetvalue(res, 0, 1));
        rc = consume_locked(c, db, tx_id, last_id);
    }
    PQclear(res);
    if (rc < 0)
        rollback_batch(db);
    return rc;
}

static int consumer_connected(hf_loop_t *l, PGconn *db, void *user)
{
    (void)l;
    hf_consumer_t *c = user;
    const char *p[] = { c->name };
    return hf_db_exec(db, sql_ensure, 1, p, NULL);
}

static int consumer_step(hf_loop_t *l, PGconn *db, void *user)
{
    hf_consumer_t *c = user;
    int n = consume_batch(c, db);
    if (n == BATCH_RETRY) {
        hf_counter_inc(c->retries);
        hf_logkv(HF_LOG_WARN, "consumer batch rolled back for a retry",
                 HF_KV_STR("consumer", c->name));
        hf_loop_sleep_next(l, c->retry_ms);
        c->retry_ms = c->retry_ms < RETRY_MAX_MS / 2 ? c->retry_ms * 2 : RETRY_MAX_MS;
        return 0;
    }
    if (n == BATCH_ERROR)
        return -1;
    if (n == BATCH_AGAIN)
        return 1;
    if (n >= 0)
        c->retry_ms = RETRY_FIRST_MS;
    return n == 1; /* else caught up, or another replica's turn */
}

static int name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    return n > 0 && n < 64 &&
           strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") == n;
}

/* The prefixes as a JSON array; [""] (every type) for NULL. */
static char *prefixes_json(const char *const *prefixes)
{
    json_t *a = json_array();
    if (!prefixes)
        json_array_append_new(a, json_string(""));
    for (size_t i = 0; prefixes && prefixes[i]; i++)
        json_array_append_new(a, json_string(prefixes[i]));
    char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return s;
}

static void consumer_free(hf_consumer_t *c)
{
    free(c->name);
    free(c->prefixes);
    free(c);
}

static hf_consumer_t *start(const char *conninfo, const char *name,
                            const char *const *type_prefixes, hf_consumer_fn fn,
                            hf_consumer_batch_fn batch, int keys_only, void *user, int poll_ms)
{
    if (!name_ok(name) || (!fn && !batch)) {
        hf_error("event consumer: the name must be 1-63 of [A-Za-z0-9_.:-], with a handler");
        return NULL;
    }
    hf_consumer_t *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->name = strdup(name);
    c->prefixes = prefixes_json(type_prefixes);
    c->fn = fn;
    c->batch = batch;
    c->keys_only = keys_only;
    c->user = user;
    /* a whole-batch handler writes a batch in a few set-based statements:
     * the bigger the batch, the fewer the transactions */
    c->hit_n = batch ? HIT_N_BATCH : HIT_N;
    snprintf(c->hit_n_text, sizeof(c->hit_n_text), "%d", c->hit_n);
    c->retry_ms = RETRY_FIRST_MS;
    char labels[96];
    snprintf(labels, sizeof(labels), "consumer=\"%s\"", name);
    c->consumed = hf_metrics_counter("hf_consumer_events_total",
                                     "Outbox events a durable consumer applied", labels);
    c->skipped = hf_metrics_counter("hf_consumer_skipped_total",
                                    "Outbox events a durable consumer could never apply and passed",
                                    labels);
    c->retries = hf_metrics_counter("hf_consumer_retries_total",
                                    "Batches a durable consumer rolled back to retry", labels);
    char loop_name[80];
    snprintf(loop_name, sizeof(loop_name), "event consumer %s", name);
    const hf_loop_def_t def = { .name = loop_name, .step = consumer_step,
                                .connected = consumer_connected, .user = c,
                                .idle_ms = poll_ms > 0 ? poll_ms : 500, .listen = 1,
                                .linger_ms = LINGER_MS };
    if (!c->name || !c->prefixes || !(c->loop = hf_loop_start(conninfo, &def))) {
        consumer_free(c);
        return NULL;
    }
    return c;
}

hf_consumer_t *hf_consumer_start(const char *conninfo, const char *name,
                                 const char *const *type_prefixes, hf_consumer_fn fn,
                                 void *user, int poll_ms)
{
    return start(conninfo, name, type_prefixes, fn, NULL, 0, user, poll_ms);
}

hf_consumer_t *hf_consumer_start_batch(const char *conninfo, const char *name,
                                       const char *const *type_prefixes, hf_consumer_batch_fn fn,
                                       void *user, int poll_ms)
{
    return start(conninfo, name, type_prefixes, NULL, fn, 0, user, poll_ms);
}

hf_consumer_t *hf_consumer_start_keys(const char *conninfo, const char *name,
                                      const char *const *type_prefixes, hf_consumer_batch_fn fn,
                                      void *user, int poll_ms)
{
    return start(conninfo, name, type_prefixes, NULL, fn, 1, user, poll_ms);
}

void hf_consumer_stop(hf_consumer_t **cp)
{
    if (!cp || !*cp)
        return;
    hf_loop_stop(&(*cp)->loop);
    consumer_free(*cp);
    *cp = NULL;
}
