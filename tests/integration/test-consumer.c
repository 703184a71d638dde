/* tests/integration/test-consumer.c - durable consumers read the outbox log exactly once
 *
 * Real PostgreSQL, consumer threads, a handler that records each event it
 * applies in a table with a UNIQUE (consumer, event) key: an event applied
 * twice would fail the insert (counted as a duplicate), and an event never
 * applied would be missing. Each test uses its own consumer name and event
 * type, so the log the earlier tests wrote is passed over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events_fixture.h"
#include "hf/consumer.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "testlib.h"

static char *dsn;

typedef struct {
    const char *name;          /* the consumer, also the key in table applied */
    int delay_ms;              /* per event, to stop a consumer mid-stream */
    const char *skip_subject;  /* write, then SKIP: the write must be undone */
    const char *retry_subject; /* the first time: write, then RETRY */
    const char *kill_subject;  /* the first time: kill the consumer's own connection */
    _Atomic int calls, dupes, retried, killed;
    _Atomic int depth[16];     /* hf_db_depth at the start of each of the first calls */
} app_t;

/* An event whose data repeats its subject. */
static int64_t append(PGconn *c, const char *type, const char *subject)
{
    char data[96];
    snprintf(data, sizeof(data), "{\"subject\": \"%s\"}", subject);
    return fx_append(c, type, subject, data);
}

/* n events "<prefix>/0" … in one transaction, so they share a batch. */
static void append_tx(PGconn *c, const char *type, const char *prefix, int n)
{
    assert_int_equal(hf_db_begin(c), 0);
    for (int i = 0; i < n; i++) {
        char subject[32];
        snprintf(subject, sizeof(subject), "%s/%d", prefix, i);
        append(c, type, subject);
    }
    assert_int_equal(hf_db_commit(c), 0);
}

static int handler(void *user, PGconn *db, const hf_consumed_event_t *ev)
{
    app_t *a = user;
    int call = atomic_fetch_add(&a->calls, 1);
    if (call < 16)
        a->depth[call] = hf_db_depth(db);
    if (a->delay_ms)
        usleep((useconds_t)a->delay_ms * 1000);
    if (hf_db_begin(db) < 0)
        return HF_CONSUME_RETRY;
    const char *p[] = { a->name, ev->id, ev->type, ev->subject, ev->data_json, ev->tenant_id,
                        ev->traceparent };
    char st[6];
    if (hf_db_exec(db,
                   "INSERT INTO applied (consumer, event_id, type, subject, data, tenant_id,"
                   " traceparent) VALUES ($1, $2::bigint, $3, $4, $5::jsonb, $6, $7)",
                   7, p, st) < 0) {
        hf_db_rollback(db);
        if (strcmp(st, "23505") == 0) { /* applied before: the test fails on dupes */
            atomic_fetch_add(&a->dupes, 1);
            return HF_CONSUME_SKIP;
        }
        return HF_CONSUME_RETRY;
    }
    if (a->kill_subject && !strcmp(ev->subject, a->kill_subject) &&
        atomic_fetch_add(&a->killed, 1) == 0) {
        /* the process "dies" mid-batch: its connection goes, nothing commits */
        hf_db_exec(db, "SELECT pg_terminate_backend(pg_backend_pid())", 0, NULL, NULL);
        hf_db_rollback(db);
        return HF_CONSUME_RETRY;
    }
    if (a->retry_subject && !strcmp(ev->subject, a->retry_subject) &&
        atomic_fetch_add(&a->retried, 1) == 0) {
        hf_db_rollback(db);
        return HF_CONSUME_RETRY;
    }
    if (a->skip_subject && !strcmp(ev->subject, a->skip_subject)) {
        hf_db_commit(db); /* the consumer's own savepoint still undoes it */
        return HF_CONSUME_SKIP;
    }
    return hf_db_commit(db) == 0 ? HF_CONSUME_OK : HF_CONSUME_RETRY;
}

static long long scalar(PGconn *c, const char *sql, const char *arg)
{
    const char *p[] = { arg };
    PGresult *r = hf_db_query(c, sql, arg ? 1 : 0, arg ? p : NULL);
    assert_non_null(r);
    long long v = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return v;
}

static long long applied_count(PGconn *c, const char *consumer)
{
    return scalar(c, "SELECT count(*) FROM applied WHERE consumer = $1", consumer);
}

/* Wait until consumer has applied n events. */
static void wait_applied(PGconn *c, const char *consumer, long long n, int timeout_ms)
{
    long long until = tl_ms() + timeout_ms, got = 0;
    while ((got = applied_count(c, consumer)) < n && tl_ms() < until)
        usleep(20000);
    if (got != n)
        fail_msg("consumer %s applied %lld events, expected %lld", consumer, got, n);
}

/* The event ids consumer applied, in the order it applied them. */
static int applied_ids(PGconn *c, const char *consumer, int64_t *out, int max)
{
    const char *p[] = { consumer };
    PGresult *r = hf_db_query(c, "SELECT event_id FROM applied WHERE consumer = $1 ORDER BY seq",
                              1, p);
    assert_non_null(r);
    int n = PQntuples(r) < max ? PQntuples(r) : max;
    for (int i = 0; i < n; i++)
        out[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    PQclear(r);
    return n;
}

static uint64_t counter(const char *metric, const char *consumer)
{
    char labels[96];
    snprintf(labels, sizeof(labels), "consumer=\"%s\"", consumer);
    return hf_counter_value(hf_metrics_counter(metric, "", labels));
}

/* Start a consumer named a->name for the events whose type starts with prefix. */
static hf_consumer_t *start(app_t *a, const char *prefix, int poll_ms)
{
    const char *const types[] = { prefix, NULL };
    hf_consumer_t *k = hf_consumer_start(dsn, a->name, types, handler, a, poll_ms);
    assert_non_null(k);
    return k;
}

static void test_consumes_in_order_only_its_types(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    int64_t ids[20];
    /* a new name starts at the beginning of the log: these came before it */
    for (int i = 0; i < 3; i++)
        ids[i] = append(c, "hrflow.test.order.created.v1", "before");
    app_t a = { .name = "order" };
    hf_consumer_t *k = start(&a, "hrflow.test.order.", 50);
    int64_t other = 0;
    for (int i = 3; i < 20; i++) {
        other = append(c, "hrflow.test.orderly.v1", "other"); /* not a prefix match */
        char subject[16];
        snprintf(subject, sizeof(subject), "o/%d", i);
        ids[i] = append(c, i % 2 ? "hrflow.test.order.created.v1" : "hrflow.test.order.closed.v1",
                        subject);
    }
    other = append(c, "hrflow.test.elsewhere.v1", "other");
    wait_applied(c, "order", 20, 5000);
    int64_t got[20];
    assert_int_equal(applied_ids(c, "order", got, 20), 20);
    for (int i = 0; i < 20; i++)
        assert_int_equal(got[i], ids[i]);
    /* what reached the handler is the event as appended */
    PGresult *r = hf_db_query(c,
                              "SELECT type, subject, data->>'subject', tenant_id, traceparent"
                              " FROM applied WHERE consumer = 'order' AND subject = 'o/7'",
                              0, NULL);
    assert_non_null(r);
    assert_int_equal(PQntuples(r), 1);
    assert_string_equal(PQgetvalue(r, 0, 0), "hrflow.test.order.created.v1");
    assert_string_equal(PQgetvalue(r, 0, 2), "o/7");
    assert_string_equal(PQgetvalue(r, 0, 3), "t1");
    assert_string_equal(PQgetvalue(r, 0, 4), FX_TRACEPARENT);
    PQclear(r);
    assert_int_equal(scalar(c, "SELECT count(*) FROM applied WHERE subject = 'other'", NULL), 0);
    /* the cursor passes the events it does not want */
    long long until = tl_ms() + 3000, last = 0;
    while ((last = scalar(c, "SELECT last_id FROM events.consumer_cursor WHERE name = $1",
                          "order")) < other &&
           tl_ms() < until)
        usleep(20000);
    assert_int_equal(last, other);
    assert_int_equal(counter("hf_consumer_events_total", "order"), 20);
    assert_int_equal(a.dupes, 0);
    hf_consumer_stop(&k);
    assert_null(k);
    hf_consumer_stop(NULL);
    PQfinish(c);
}

static void test_stopped_and_killed_consumers_apply_each_event_once(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    append_tx(c, "hrflow.test.kill.v1", "k", 150);
    /* stopped mid-stream: what it applied stays, with its cursor */
    app_t a = { .name = "kill", .delay_ms = 5 };
    hf_consumer_t *k = start(&a, "hrflow.test.kill.", 50);
    long long until = tl_ms() + 5000;
    while (atomic_load(&a.calls) < 10 && tl_ms() < until) /* inside the first batch */
        usleep(2000);
    long long t0 = tl_ms();
    hf_consumer_stop(&k);
    assert_true(tl_ms() - t0 < 1000); /* prompt, even mid-batch */
    long long first = applied_count(c, "kill");
    assert_true(first >= 10 && first < 150);
    /* a successor whose connection dies mid-batch (as if the process were
     * killed): the batch's effects go with its transaction, then it resumes */
    app_t b = { .name = "kill", .kill_subject = "k/120" };
    k = start(&b, "hrflow.test.kill.", 50);
    wait_applied(c, "kill", 150, 10000);
    assert_int_equal(b.killed >= 1, 1);
    assert_int_equal(a.dupes + b.dupes, 0);
    assert_int_equal(scalar(c, "SELECT count(DISTINCT event_id) FROM applied WHERE consumer = $1",
                            "kill"),
                     150);
    hf_consumer_stop(&k);
    PQfinish(c);
}

static void test_retry_rolls_the_batch_back_and_redelivers(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    append_tx(c, "hrflow.test.retry.v1", "r", 5);
    app_t a = { .name = "retry", .retry_subject = "r/2" };
    hf_consumer_t *k = start(&a, "hrflow.test.retry.", 50);
    wait_applied(c, "retry", 5, 5000);
    /* r/0 and r/1 were applied, rolled back with the batch, and applied again */
    assert_int_equal(a.calls, 3 + 5);
    assert_int_equal(a.dupes, 0);
    assert_int_equal(counter("hf_consumer_retries_total", "retry"), 1);
    assert_int_equal(counter("hf_consumer_events_total", "retry"), 5);
    hf_consumer_stop(&k);
    PQfinish(c);
}

static void test_skip_passes_over_and_undoes_the_event(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    append(c, "hrflow.test.skip.v1", "s/ok1");
    append(c, "hrflow.test.skip.v1", "s/bad");
    append(c, "hrflow.test.skip.v1", "s/ok2");
    app_t a = { .name = "skip", .skip_subject = "s/bad" };
    hf_consumer_t *k = start(&a, "hrflow.test.skip.", 50);
    wait_applied(c, "skip", 2, 5000);
    assert_int_equal(scalar(c, "SELECT count(*) FROM applied WHERE subject = $1", "s/bad"), 0);
    assert_int_equal(scalar(c, "SELECT count(*) FROM applied WHERE subject = $1", "s/ok1"), 1);
    assert_int_equal(scalar(c, "SELECT count(*) FROM applied WHERE subject = $1", "s/ok2"), 1);
    assert_int_equal(counter("hf_consumer_skipped_total", "skip"), 1);
    /* s/ok1 and s/bad without savepoints, undone; then all three, each in one */
    assert_int_equal(a.calls, 2 + 3);
    assert_int_equal(a.dupes, 0);
    hf_consumer_stop(&k);
    PQfinish(c);
}

/* Handlers run inside the consumer's transaction with no savepoint of their
 * own (depth 1) until one answers SKIP; that batch is then done again at once
 * with a savepoint per event (depth 2), and the next batch without again. */
static void test_savepoints_only_after_a_skip(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    append_tx(c, "hrflow.test.depth.v1", "d", 4);
    app_t a = { .name = "depth", .skip_subject = "d/2" };
    hf_consumer_t *k = start(&a, "hrflow.test.depth.", 50);
    wait_applied(c, "depth", 3, 5000);
    const int first[] = { 1, 1, 1, 2, 2, 2, 2 }; /* d/0-2 bare, d/0-3 each in a savepoint */
    assert_int_equal(a.calls, 7);
    for (int i = 0; i < 7; i++)
        assert_int_equal(a.depth[i], first[i]);
    assert_int_equal(scalar(c, "SELECT count(*) FROM applied WHERE consumer = 'depth'"
                               " AND subject = $1", "d/2"), 0);
    append_tx(c, "hrflow.test.depth.v1", "e", 2);
    wait_applied(c, "depth", 5, 5000);
    assert_int_equal(a.calls, 9);
    assert_int_equal(a.depth[7], 1);
    assert_int_equal(a.depth[8], 1);
    assert_int_equal(a.dupes, 0);
    assert_int_equal(counter("hf_consumer_skipped_total", "depth"), 1);
    assert_int_equal(counter("hf_consumer_retries_total", "depth"), 0);
    hf_consumer_stop(&k);
    PQfinish(c);
}

static void test_two_replicas_of_a_name_never_both_apply(void **state)
{
    (void)state;
    app_t a = { .name = "pair", .delay_ms = 1 }, b = { .name = "pair", .delay_ms = 1 };
    hf_consumer_t *ka = start(&a, "hrflow.test.pair.", 20);
    hf_consumer_t *kb = start(&b, "hrflow.test.pair.", 20);
    PGconn *c = fx_conn(dsn);
    for (int t = 0; t < 20; t++) {
        append_tx(c, "hrflow.test.pair.v1", "p", 15);
        usleep(10000);
    }
    wait_applied(c, "pair", 300, 15000);
    assert_int_equal(a.dupes + b.dupes, 0);
    assert_int_equal(a.calls + b.calls, 300); /* no event was even handed out twice */
    /* both stop promptly, whichever holds the cursor */
    long long t0 = tl_ms();
    hf_consumer_stop(&ka);
    hf_consumer_stop(&kb);
    assert_true(tl_ms() - t0 < 1000);
    PQfinish(c);
}

static void test_late_commit_is_not_skipped(void **state)
{
    (void)state;
    app_t a = { .name = "late" };
    hf_consumer_t *k = start(&a, "hrflow.test.late.", 50);
    PGconn *slow = fx_conn(dsn), *fast = fx_conn(dsn);
    assert_int_equal(hf_db_begin(slow), 0);
    int64_t slow_id = append(slow, "hrflow.test.late.slow.v1", "slow");
    int64_t fast_id = append(fast, "hrflow.test.late.fast.v1", "fast"); /* autocommit */
    assert_true(fast_id > slow_id);
    /* the fast event waits: consuming it now would move the cursor past the slow one */
    usleep(500000);
    assert_int_equal(applied_count(fast, "late"), 0);
    assert_int_equal(hf_db_commit(slow), 0);
    wait_applied(fast, "late", 2, 5000);
    int64_t got[2];
    assert_int_equal(applied_ids(fast, "late", got, 2), 2);
    assert_int_equal(got[0], slow_id);
    assert_int_equal(got[1], fast_id);
    hf_consumer_stop(&k);
    PQfinish(slow);
    PQfinish(fast);
}

/* ---- batch handlers ---- */

typedef struct {
    const char *name;
    const char *flaky_subject; /* a batch holding it fails, the first flaky_times times */
    int flaky_times;
    const char *skip_subject;  /* never applied: passed with *skipped */
    _Atomic int calls, largest, flaky_tries;
} batch_app_t;

/* Applies the whole batch with one statement, as a set-based consumer does. */
static int batch_handler(void *user, PGconn *db, const hf_consumed_event_t *ev, size_t n,
                         size_t *skipped)
{
    batch_app_t *a = user;
    atomic_fetch_add(&a->calls, 1);
    if ((int)n > atomic_load(&a->largest))
        atomic_store(&a->largest, (int)n);
    const char **ids = calloc(n, sizeof(char *)), **subjects = calloc(n, sizeof(char *));
    assert_non_null(ids);
    assert_non_null(subjects);
    size_t k = 0;
    int fail = 0;
    for (size_t i = 0; i < n; i++) {
        if (a->skip_subject && !strcmp(ev[i].subject, a->skip_subject)) {
            (*skipped)++;
            continue;
        }
        if (a->flaky_subject && !strcmp(ev[i].subject, a->flaky_subject))
            fail = atomic_fetch_add(&a->flaky_tries, 1) < a->flaky_times;
        ids[k] = ev[i].id;
        subjects[k++] = ev[i].subject;
    }
    char *id_arr = hf_db_array(ids, k), *subject_arr = hf_db_array(subjects, k);
    const char *p[] = { a->name, id_arr, subject_arr };
    int rc = hf_db_exec(db,
                        "INSERT INTO applied (consumer, event_id, subject)"
                        " SELECT $1, unnest($2::bigint[]), unnest($3::text[])",
                        3, p, NULL);
    free(ids), free(subjects), free(id_arr), free(subject_arr);
    /* a failure after writing: the rollback must undo what was written */
    return rc == 0 && !fail ? HF_CONSUME_OK : HF_CONSUME_RETRY;
}

static hf_consumer_t *start_batch(batch_app_t *a, const char *prefix)
{
    const char *const types[] = { prefix, NULL };
    hf_consumer_t *k = hf_consumer_start_batch(dsn, a->name, types, batch_handler, a, 50);
    assert_non_null(k);
    return k;
}

static void test_a_batch_handler_takes_a_batch_in_one_call(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    append_tx(c, "hrflow.test.whole.v1", "w", 150);
    batch_app_t a = { .name = "whole" };
    hf_consumer_t *k = start_batch(&a, "hrflow.test.whole.");
    wait_applied(c, "whole", 150, 5000);
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.largest, 150);
    assert_int_equal(counter("hf_consumer_events_total", "whole"), 150);
    hf_consumer_stop(&k);
    PQfinish(c);
}

static void test_a_failing_batch_is_retried_one_event_at_a_time(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    /* one transaction: the four become readable together. Apart, a transaction
     * running elsewhere in the cluster (the other suites) can hold the
     * snapshot's xmin between them, and the first batch is then a prefix of
     * them, which splits the calls differently */
    assert_int_equal(hf_db_begin(c), 0);
    append(c, "hrflow.test.parts.v1", "q/0");
    append(c, "hrflow.test.parts.v1", "q/flaky");
    append(c, "hrflow.test.parts.v1", "q/skip");
    append(c, "hrflow.test.parts.v1", "q/3");
    assert_int_equal(hf_db_commit(c), 0);
    batch_app_t a = { .name = "parts", .flaky_subject = "q/flaky", .flaky_times = 2,
                      .skip_subject = "q/skip" };
    hf_consumer_t *k = start_batch(&a, "hrflow.test.parts.");
    wait_applied(c, "parts", 3, 10000);
    /* the batch failed, then one event at a time: q/0 and q/flaky (which
     * failed once more, undoing q/0 with it), q/skip passed, q/3; nothing
     * of the failed tries is kept */
    assert_int_equal(a.flaky_tries, 3);
    assert_int_equal(a.calls, 1 + 2 + 4);
    assert_int_equal(scalar(c, "SELECT count(DISTINCT event_id) FROM applied WHERE consumer = $1",
                            "parts"),
                     3);
    assert_int_equal(scalar(c, "SELECT count(*) FROM applied WHERE subject = $1", "q/skip"), 0);
    assert_int_equal(counter("hf_consumer_skipped_total", "parts"), 1);
    assert_int_equal(counter("hf_consumer_retries_total", "parts"), 2);
    /* then whole batches again */
    append_tx(c, "hrflow.test.parts.v1", "later", 20);
    wait_applied(c, "parts", 23, 5000);
    assert_int_equal(a.largest, 20);
    assert_int_equal(a.calls, 1 + 2 + 4 + 1);
    hf_consumer_stop(&k);
    PQfinish(c);
}

/* Writes each event's id, type and tenant; counts the events that came with
 * anything of their rows (a consumer of keys gets none). */
static _Atomic int keys_with_rows;

static int keys_handler(void *user, PGconn *db, const hf_consumed_event_t *ev, size_t n,
                        size_t *skipped)
{
    (void)skipped;
    batch_app_t *a = user;
    atomic_fetch_add(&a->calls, 1);
    for (size_t i = 0; i < n; i++) {
        if (*ev[i].source || *ev[i].subject || *ev[i].data_json || *ev[i].traceparent ||
            ev[i].time_us)
            atomic_fetch_add(&keys_with_rows, 1);
        const char *p[] = { a->name, ev[i].id, ev[i].type, ev[i].tenant_id };
        if (hf_db_exec(db,
                       "INSERT INTO applied (consumer, event_id, type, tenant_id)"
                       " VALUES ($1, $2::bigint, $3, $4)",
                       4, p, NULL) < 0)
            return HF_CONSUME_RETRY;
    }
    return HF_CONSUME_OK;
}

static void test_a_consumer_of_keys_gets_ids_tenants_and_types_only(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    int64_t ids[6];
    for (int i = 0; i < 6; i++) {
        append(c, "hrflow.test.elsewhere.v1", "other");
        ids[i] = append(c, "hrflow.test.keyed.v1", "k");
    }
    batch_app_t a = { .name = "keyed" };
    const char *const types[] = { "hrflow.test.keyed.", NULL };
    hf_consumer_t *k = hf_consumer_start_keys(dsn, a.name, types, keys_handler, &a, 50);
    assert_non_null(k);
    wait_applied(c, "keyed", 6, 5000);
    int64_t got[6];
    assert_int_equal(applied_ids(c, "keyed", got, 6), 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(got[i], ids[i]);
    /* the ids, tenants and types as appended, nothing of the rows */
    assert_int_equal(scalar(c,
                            "SELECT count(*) FROM applied WHERE consumer = $1"
                            " AND type = 'hrflow.test.keyed.v1' AND tenant_id = 't1'",
                            "keyed"),
                     6);
    assert_int_equal(keys_with_rows, 0);
    /* the loop's connection is named after the service and the consumer */
    assert_int_equal(scalar(c,
                            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                            "test-consumer: event consumer keyed"),
                     1);
    hf_consumer_stop(&k);
    PQfinish(c);
}

static void test_bad_names_are_refused(void **state)
{
    (void)state;
    app_t a = { .name = "x" };
    assert_null(hf_consumer_start(dsn, "", NULL, handler, &a, 0));
    assert_null(hf_consumer_start(dsn, "a\"b", NULL, handler, &a, 0));
    assert_null(hf_consumer_start(dsn, "ok", NULL, NULL, &a, 0));
    assert_null(hf_consumer_start_batch(dsn, "ok", NULL, NULL, &a, 0));
    assert_null(hf_consumer_start_keys(dsn, "ok", NULL, NULL, &a, 0));
}

static int group_setup(void **state)
{
    (void)state;
    hf_log_init("test-consumer", HF_LOG_ERROR);
    dsn = fx_events_db_with("hf_test_consumer",
                            "CREATE TABLE applied (seq bigserial, consumer text,"
                            " event_id bigint, type text, subject text, data jsonb,"
                            " tenant_id text, traceparent text, UNIQUE (consumer, event_id))");
    return dsn ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_events_db_drop(&dsn);
    return 0;
}

int main(void)
{
    tl_env("HF_TEST_PG_DSN");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_consumes_in_order_only_its_types),
        cmocka_unit_test(test_stopped_and_killed_consumers_apply_each_event_once),
        cmocka_unit_test(test_retry_rolls_the_batch_back_and_redelivers),
        cmocka_unit_test(test_skip_passes_over_and_undoes_the_event),
        cmocka_unit_test(test_savepoints_only_after_a_skip),
        cmocka_unit_test(test_two_replicas_of_a_name_never_both_apply),
        cmocka_unit_test(test_late_commit_is_not_skipped),
        cmocka_unit_test(test_a_batch_handler_takes_a_batch_in_one_call),
        cmocka_unit_test(test_a_failing_batch_is_retried_one_event_at_a_time),
        cmocka_unit_test(test_a_consumer_of_keys_gets_ids_tenants_and_types_only),
        cmocka_unit_test(test_bad_names_are_refused),
    };
    return cmocka_run_group_tests_name("consumer", tests, group_setup, group_teardown);
}
