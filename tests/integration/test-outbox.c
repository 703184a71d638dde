/* tests/integration/test-outbox.c - events committed in PostgreSQL reach bus subscribers
 *
 * Real PostgreSQL, a real broker, the relay thread: an event appended in a
 * transaction is published once that transaction commits, never when it
 * rolls back, in commit order even when a slow transaction commits last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus_fixture.h"
#include "events_fixture.h"
#include "hf/log.h"
#include "hf/outbox.h"
#include "testlib.h"

static char *dsn;
static fx_broker_t B;
static hf_bus_subscriber_t *sub;
static hf_outbox_relay_t *relay;
static int probes;

/* Next event, or NULL after timeout_ms. */
static Hrflow__V1__Event *next_event(int timeout_ms)
{
    Hrflow__V1__Event *ev = NULL;
    return hf_bus_subscriber_recv(sub, timeout_ms, &ev) == 1 ? ev : NULL;
}

/* Make sure the path is live (subscription reached the broker) and drained. */
static void sync_path(void)
{
    PGconn *c = fx_conn(dsn);
    char id[32];
    snprintf(id, sizeof(id), "probe-%d", ++probes);
    Hrflow__V1__Event *ev = NULL;
    for (int i = 0; i < 100 && !ev; i++) {
        int64_t want = fx_append(c, "hrflow.test.probe.v1", id, "{}");
        char wanted[32];
        snprintf(wanted, sizeof(wanted), "%lld", (long long)want);
        long long until = tl_ms() + 100;
        while (tl_ms() < until && (ev = next_event(50)) != NULL) {
            int hit = strcmp(ev->id, wanted) == 0;
            hrflow__v1__event__free_unpacked(ev, NULL);
            ev = NULL;
            if (hit) {
                PQfinish(c);
                return;
            }
        }
    }
    PQfinish(c);
    fail_msg("the outbox relay never delivered a probe event");
}

static void test_committed_event_reaches_subscriber(void **state)
{
    (void)state;
    sync_path();
    PGconn *c = fx_conn(dsn);
    assert_int_equal(hf_db_begin(c), 0);
    assert_int_equal(hf_db_exec(c, "CREATE TABLE IF NOT EXISTS app (id int PRIMARY KEY)", 0, NULL, NULL), 0);
    assert_int_equal(hf_db_exec(c, "INSERT INTO app VALUES (42)", 0, NULL, NULL), 0);
    int64_t id = fx_append(c, "hrflow.test.application.created.v1", "applications/42",
                           "{\"applicationId\": 42, \"name\": \"王芳\"}");
    /* not committed yet: nothing may arrive */
    Hrflow__V1__Event *early = next_event(300);
    assert_null(early);
    assert_int_equal(hf_db_commit(c), 0);
    Hrflow__V1__Event *ev = next_event(3000);
    assert_non_null(ev);
    char want[32];
    snprintf(want, sizeof(want), "%lld", (long long)id);
    assert_string_equal(ev->id, want);
    assert_string_equal(ev->type, "hrflow.test.application.created.v1");
    assert_string_equal(ev->source, "/hrflow/test");
    assert_string_equal(ev->subject, "applications/42");
    assert_string_equal(ev->tenant_id, "t1");
    assert_string_equal(ev->data_content_type, "application/json");
    assert_non_null(ev->time);
    assert_true(ev->time->seconds > 1700000000);
    assert_non_null(strstr((const char *)ev->data.data, "\"applicationId\": 42"));
    hrflow__v1__event__free_unpacked(ev, NULL);
    PQfinish(c);
}

static void test_rolled_back_event_never_published(void **state)
{
    (void)state;
    sync_path();
    PGconn *c = fx_conn(dsn);
    assert_int_equal(hf_db_begin(c), 0);
    fx_append(c, "hrflow.test.ghost.v1", "ghosts/1", "{}");
    assert_int_equal(hf_db_rollback(c), 0);
    int64_t marker = fx_append(c, "hrflow.test.marker.v1", "markers/1", "{}");
    Hrflow__V1__Event *ev = next_event(3000);
    assert_non_null(ev);
    char want[32];
    snprintf(want, sizeof(want), "%lld", (long long)marker);
    assert_string_equal(ev->type, "hrflow.test.marker.v1"); /* the ghost never shows */
    assert_string_equal(ev->id, want);
    hrflow__v1__event__free_unpacked(ev, NULL);
    PQfinish(c);
}

static void test_late_commit_is_not_skipped(void **state)
{
    (void)state;
    sync_path();
    PGconn *slow = fx_conn(dsn), *fast = fx_conn(dsn);
    assert_int_equal(hf_db_begin(slow), 0);
    int64_t slow_id = fx_append(slow, "hrflow.test.slow.v1", "s/1", "{}");
    int64_t fast_id = fx_append(fast, "hrflow.test.fast.v1", "f/1", "{}"); /* autocommit */
    assert_true(fast_id > slow_id);
    /* the fast event waits: publishing it now would move the cursor past the slow one */
    Hrflow__V1__Event *ev = next_event(500);
    assert_null(ev);
    assert_int_equal(hf_db_commit(slow), 0);
    const char *order[] = { "hrflow.test.slow.v1", "hrflow.test.fast.v1" };
    for (int i = 0; i < 2; i++) {
        ev = next_event(3000);
        assert_non_null(ev);
        assert_string_equal(ev->type, order[i]);
        hrflow__v1__event__free_unpacked(ev, NULL);
    }
    PQfinish(slow);
    PQfinish(fast);
}

static void test_outbox_is_append_only(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    fx_append(c, "hrflow.test.keep.v1", "k/1", "{}");
    char st[6];
    assert_int_equal(hf_db_exec(c, "UPDATE events.outbox SET type = 'x'", 0, NULL, st), -1);
    assert_string_equal(st, "42501");
    assert_int_equal(hf_db_exec(c, "DELETE FROM events.outbox", 0, NULL, st), -1);
    assert_int_equal(hf_db_exec(c, "TRUNCATE events.outbox", 0, NULL, st), -1);
    /* bad input changes nothing: invalid JSON is refused by PostgreSQL */
    hf_outbox_event_t bad = { .tenant_id = "t1", .source = "/hrflow/test",
                              .type = "hrflow.test.bad.v1", .data_json = "{not json" };
    assert_int_equal(hf_outbox_append(c, &bad, NULL), -1);
    PQfinish(c);
}

/* many events in one statement: in the order given, their data as given;
 * one bad document refuses all of them */
static void test_append_many_keeps_order(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    const char *data[] = { "{\"a\": \"引号\\\" and {braces}, commas\"}", "{}", "[1, 2]" };
    hf_outbox_event_t ev[3];
    for (int i = 0; i < 3; i++)
        ev[i] = (hf_outbox_event_t){ "t-many", "/hrflow/test", i == 1 ? "hrflow.test.b.v1"
                                                                  : "hrflow.test.a.v1",
                                     "many/1", data[i], NULL };
    assert_int_equal(hf_outbox_append_many(c, ev, 3), 0);
    PGresult *r = hf_db_query(c,
                              "SELECT type, data::text FROM events.outbox WHERE tenant_id ="
                              " 't-many' ORDER BY id",
                              0, NULL);
    assert_non_null(r);
    assert_int_equal(PQntuples(r), 3);
    assert_string_equal(PQgetvalue(r, 1, 0), "hrflow.test.b.v1");
    assert_string_equal(PQgetvalue(r, 0, 1), "{\"a\": \"引号\\\" and {braces}, commas\"}");
    assert_string_equal(PQgetvalue(r, 2, 1), "[1, 2]");
    PQclear(r);
    ev[1].data_json = "{not json";
    assert_int_equal(hf_outbox_append_many(c, ev, 3), -1);
    r = hf_db_query(c, "SELECT count(*) FROM events.outbox WHERE tenant_id = 't-many'", 0, NULL);
    assert_string_equal(PQgetvalue(r, 0, 0), "3");
    PQclear(r);
    assert_int_equal(hf_outbox_append_many(c, ev, 0), 0);
    PQfinish(c);
}

static void test_relay_resumes_from_cursor(void **state)
{
    (void)state;
    sync_path();
    hf_outbox_relay_stop(&relay);
    PGconn *c = fx_conn(dsn);
    int64_t ids[3];
    for (int i = 0; i < 3; i++)
        ids[i] = fx_append(c, "hrflow.test.offline.v1", "o/1", "{}");
    relay = hf_outbox_relay_start(dsn, tl_tcp(B.xsub), 50);
    for (int i = 0; i < 3; i++) {
        Hrflow__V1__Event *ev = next_event(5000);
        assert_non_null(ev);
        char want[32];
        snprintf(want, sizeof(want), "%lld", (long long)ids[i]);
        assert_string_equal(ev->id, want); /* starts where it stopped, nothing older */
        hrflow__v1__event__free_unpacked(ev, NULL);
    }
    PQfinish(c);
}

static void test_one_relay_leads(void **state)
{
    (void)state;
    sync_path();
    /* a second relay (another replica) stands by while the first leads */
    hf_outbox_relay_t *second = hf_outbox_relay_start(dsn, tl_tcp(B.xsub), 50);
    void *raw = hf_bus_socket(ZMQ_SUB, HF_BUS_CLIENT);
    hf_bus_connect(raw, tl_tcp(B.xpub));
    zmq_setsockopt(raw, ZMQ_SUBSCRIBE, "hrflow.test.once.v1", 19);
    usleep(300000);
    PGconn *c = fx_conn(dsn);
    fx_append(c, "hrflow.test.once.v1", "once/1", "{}");
    int copies = 0;
    zmq_pollitem_t it = { raw, 0, ZMQ_POLLIN, 0 };
    while (zmq_poll(&it, 1, 1000) == 1) {
        zmq_msg_t f[2];
        int n = hf_frames_recv(raw, f, 2, 0);
        if (n > 0)
            hf_frames_close(f, n);
        copies++;
    }
    assert_int_equal(copies, 1);
    /* the leader goes away: the standby takes over */
    hf_outbox_relay_stop(&relay);
    fx_append(c, "hrflow.test.once.v1", "once/2", "{}");
    assert_int_equal(zmq_poll(&it, 1, 5000), 1);
    relay = second;
    zmq_close(raw);
    PQfinish(c);
}

/* Commit order is the numbers' order: transaction 9's events before 10's,
 * each once, though "10" sorts before "9" as text. The rows are written
 * with those transaction ids, behind a cursor put back to before them. */
static void test_relay_orders_transactions_as_numbers(void **state)
{
    (void)state;
    sync_path();
    hf_outbox_relay_stop(&relay);
    PGconn *c = fx_conn(dsn);
    assert_int_equal(hf_db_exec(c,
                                "INSERT INTO events.outbox (tenant_id, tx_id, source, type,"
                                " subject) VALUES ('t-digits', '10', '/hrflow/test',"
                                " 'hrflow.test.digits.v1', 'tx/10'), ('t-digits', '9',"
                                " '/hrflow/test', 'hrflow.test.digits.v1', 'tx/9')",
                                0, NULL, NULL),
                     0);
    assert_int_equal(hf_db_exec(c, "UPDATE events.relay_cursor SET tx_id = '8', last_id = 0",
                                0, NULL, NULL),
                     0);
    relay = hf_outbox_relay_start(dsn, tl_tcp(B.xsub), 50);
    char got[4][16];
    int n = 0;
    Hrflow__V1__Event *ev;
    /* the relay publishes everything after transaction 8 again: the earlier
     * tests' events come after these two, and the probe last */
    while (n < 4 && (ev = next_event(3000)) != NULL) {
        if (!strcmp(ev->type, "hrflow.test.digits.v1"))
            snprintf(got[n++], sizeof(got[0]), "%s", ev->subject);
        hrflow__v1__event__free_unpacked(ev, NULL);
    }
    assert_int_equal(n, 2);
    assert_string_equal(got[0], "tx/9");
    assert_string_equal(got[1], "tx/10");
    PQfinish(c);
}

/* An event of tenant on c (autocommit or c's transaction); its id as text. */
static void append_for(PGconn *c, const char *tenant, const char *subject, char id[24])
{
    hf_outbox_event_t e = { .tenant_id = tenant, .source = "/hrflow/test",
                            .type = "hrflow.test.chain.v1", .subject = subject };
    int64_t n = 0;
    assert_int_equal(hf_outbox_append(c, &e, &n), 0);
    snprintf(id, 24, "%lld", (long long)n);
}

/* Each published event names its tenant's event before it in the log's
 * order (previous_id): the chain of each tenant holds every one of its
 * events once, across tenants interleaved and a transaction that commits
 * after later ones, so a subscriber sees a gap as a previous_id it never
 * received. A tenant's first event names none. */
static void test_events_name_their_tenants_previous_event(void **state)
{
    (void)state;
    sync_path();
    PGconn *slow = fx_conn(dsn), *c = fx_conn(dsn);
    char a1[24], a2[24], a3[24], b1[24], b2[24];
    assert_int_equal(hf_db_begin(slow), 0);
    append_for(slow, "t-chain-a", "a/1", a1);
    append_for(c, "t-chain-b", "b/1", b1);
    append_for(c, "t-chain-a", "a/2", a2);
    assert_int_equal(hf_db_begin(c), 0); /* two of one transaction: the batch's own lag */
    append_for(c, "t-chain-b", "b/2", b2);
    append_for(c, "t-chain-a", "a/3", a3);
    assert_int_equal(hf_db_commit(c), 0);
    assert_int_equal(hf_db_commit(slow), 0);
    /* in the log's order: a1 (its transaction began first), b1, a2, b2, a3 */
    const char *id[] = { a1, b1, a2, b2, a3 };
    const char *previous[] = { "", "", a1, b1, a2 };
    for (int i = 0; i < 5; i++) {
        Hrflow__V1__Event *ev = next_event(3000);
        assert_non_null(ev);
        assert_string_equal(ev->type, "hrflow.test.chain.v1");
        assert_string_equal(ev->id, id[i]);
        assert_string_equal(ev->previous_id, previous[i]);
        hrflow__v1__event__free_unpacked(ev, NULL);
    }
    /* and an event whose tenant's previous one was published in an earlier batch */
    char a4[24];
    append_for(c, "t-chain-a", "a/4", a4);
    Hrflow__V1__Event *ev = next_event(3000);
    assert_non_null(ev);
    assert_string_equal(ev->id, a4);
    assert_string_equal(ev->previous_id, a3);
    hrflow__v1__event__free_unpacked(ev, NULL);
    PQfinish(slow);
    PQfinish(c);
}

static int group_setup(void **state)
{
    (void)state;
    hf_log_init("test-outbox", HF_LOG_WARN);
    dsn = fx_events_db("hf_test_outbox");
    if (!dsn || fx_broker_start(&B, NULL) < 0)
        return -1;
    sub = hf_bus_subscriber_new(tl_tcp(B.xpub));
    hf_bus_subscribe(sub, "hrflow.test.");
    relay = hf_outbox_relay_start(dsn, tl_tcp(B.xsub), 50);
    return relay ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    hf_outbox_relay_stop(&relay);
    hf_bus_subscriber_destroy(&sub);
    fx_broker_kill(&B, SIGTERM);
    fx_events_db_drop(&dsn);
    return 0;
}

int main(void)
{
    tl_env("HF_TEST_PG_DSN");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_committed_event_reaches_subscriber),
        cmocka_unit_test(test_rolled_back_event_never_published),
        cmocka_unit_test(test_late_commit_is_not_skipped),
        cmocka_unit_test(test_outbox_is_append_only),
        cmocka_unit_test(test_append_many_keeps_order),
        cmocka_unit_test(test_relay_resumes_from_cursor),
        cmocka_unit_test(test_one_relay_leads),
        cmocka_unit_test(test_relay_orders_transactions_as_numbers),
        cmocka_unit_test(test_events_name_their_tenants_previous_event),
    };
    return cmocka_run_group_tests_name("outbox", tests, group_setup, group_teardown);
}
