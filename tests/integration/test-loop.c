/* tests/integration/test-loop.c - background loops (hf/loop.h) on real PostgreSQL
 *
 * What every service's loops rely on: a loop steps on its own connection,
 * sleeps until its idle time, a commit's NOTIFY or a wake-up, comes back after
 * its connection is killed (noticed by the step that fails on it), runs on one replica only when elected (and on
 * another once that one stops), and stops at once with its cleanup on its
 * own thread. Times are bounds far above what each takes, never targets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events_fixture.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/loop.h"
#include "testlib.h"

static char *dsn;

typedef struct {
    atomic_int steps, connects, cleanups, busy;
    atomic_int more;          /* steps still to report work (> 0) */
    atomic_int sleep_next_ms; /* >= 0: the step asks for this sleep */
    pthread_t cleanup_thread, step_thread;
    char backend_pid[16];
} probe_t;

static int step(hf_loop_t *l, PGconn *db, void *user)
{
    probe_t *p = user;
    (void)db;
    p->step_thread = pthread_self();
    atomic_fetch_add(&p->busy, 1);
    int more = atomic_load(&p->more);
    if (more > 0)
        atomic_fetch_sub(&p->more, 1);
    if (atomic_load(&p->sleep_next_ms) >= 0)
        hf_loop_sleep_next(l, atomic_load(&p->sleep_next_ms));
    atomic_fetch_sub(&p->busy, 1);
    atomic_fetch_add(&p->steps, 1);
    return more > 0;
}

static int connected(hf_loop_t *l, PGconn *db, void *user)
{
    (void)l;
    probe_t *p = user;
    snprintf(p->backend_pid, sizeof(p->backend_pid), "%d", PQbackendPID(db));
    atomic_fetch_add(&p->connects, 1);
    return 0;
}

static void cleanup(void *user)
{
    probe_t *p = user;
    p->cleanup_thread = pthread_self();
    atomic_fetch_add(&p->cleanups, 1);
}

static probe_t *probe_new(void)
{
    probe_t *p = calloc(1, sizeof(*p));
    atomic_store(&p->sleep_next_ms, -1);
    return p;
}

static hf_loop_t *start(probe_t *p, int idle_ms, int listen, const char *leader)
{
    hf_loop_def_t def = { .name = "test loop", .step = step, .connected = connected,
                          .cleanup = cleanup, .user = p, .idle_ms = idle_ms, .listen = listen,
                          .leader = leader };
    hf_loop_t *l = hf_loop_start(dsn, &def);
    assert_non_null(l);
    return l;
}

/* Wait up to ms for *counter to reach at least n. */
static int reaches(atomic_int *counter, int n, int ms)
{
    long long until = tl_ms() + ms;
    while (atomic_load(counter) < n && tl_ms() < until)
        usleep(2000);
    return atomic_load(counter) >= n;
}

static void test_steps_at_once_while_there_is_work_then_sleeps(void **state)
{
    (void)state;
    probe_t *p = probe_new();
    atomic_store(&p->more, 50);
    hf_loop_t *l = start(p, 60000, 0, NULL);
    /* 50 steps with work follow each other without the 60 s idle time */
    assert_true(reaches(&p->steps, 51, 10000));
    int after = atomic_load(&p->steps);
    usleep(300000);
    assert_int_equal(atomic_load(&p->steps), after); /* then it sleeps */
    hf_loop_stop(&l);
    assert_null(l);
    assert_int_equal(atomic_load(&p->cleanups), 1);
    assert_true(pthread_equal(p->cleanup_thread, p->step_thread));
    free(p);
}

static void test_stop_ends_a_long_sleep_at_once(void **state)
{
    (void)state;
    probe_t *p = probe_new();
    hf_loop_t *l = start(p, 600000, 0, NULL);
    assert_true(reaches(&p->steps, 1, 10000));
    long long t0 = tl_ms();
    hf_loop_stop(&l);
    assert_true(tl_ms() - t0 < 5000); /* not the ten minutes of its idle time */
    assert_int_equal(atomic_load(&p->busy), 0);
    assert_int_equal(atomic_load(&p->cleanups), 1);
    hf_loop_stop(&l); /* twice is harmless */
    free(p);
}

static void test_wake_and_notify_end_the_sleep(void **state)
{
    (void)state;
    probe_t *p = probe_new();
    hf_loop_t *l = start(p, 600000, 1, NULL);
    assert_true(reaches(&p->steps, 1, 10000));
    hf_loop_wake(l);
    assert_true(reaches(&p->steps, 2, 5000));
    /* a commit that appends to the outbox NOTIFYs the listening loop */
    PGconn *c = fx_conn(dsn);
    fx_append(c, "hrflow.test.loop.v1", "loops/1", "{}");
    assert_true(reaches(&p->steps, 3, 5000));
    PQfinish(c);
    hf_loop_stop(&l);
    free(p);
}

/* With a linger, a stream of commits is taken in steps at most linger_ms
 * apart: after a quiet spell the first NOTIFY wakes the loop at once, and
 * the twenty that follow within the linger wait for one more step between
 * them (without it, about one step each). */
static void test_a_stream_of_commits_is_taken_in_lingered_steps(void **state)
{
    (void)state;
    probe_t *p = probe_new();
    hf_loop_def_t def = { .name = "lingering loop", .step = step, .connected = connected,
                          .cleanup = cleanup, .user = p, .idle_ms = 600000, .listen = 1,
                          .linger_ms = 1500 };
    hf_loop_t *l = hf_loop_start(dsn, &def);
    assert_non_null(l);
    assert_true(reaches(&p->steps, 1, 10000));
    usleep(1700000); /* quiet for longer than the linger */
    PGconn *c = fx_conn(dsn);
    fx_append(c, "hrflow.test.loop.v1", "loops/first", "{}");
    assert_true(reaches(&p->steps, 2, 1200)); /* at once, not after the linger */
    for (int i = 0; i < 20; i++)
        fx_append(c, "hrflow.test.loop.v1", "loops/stream", "{}");
    assert_true(reaches(&p->steps, 3, 10000)); /* the stream, in one step */
    usleep(2000000);
    printf("# %d steps for a quiet start and 21 commits\n", atomic_load(&p->steps));
    assert_true(atomic_load(&p->steps) <= 4);
    /* a stop is not held by a linger: the second commit starts one */
    fx_append(c, "hrflow.test.loop.v1", "loops/last", "{}");
    fx_append(c, "hrflow.test.loop.v1", "loops/last", "{}");
    usleep(100000);
    PQfinish(c);
    long long t0 = tl_ms();
    hf_loop_stop(&l);
    assert_true(tl_ms() - t0 < 1000);
    free(p);
}

static void test_the_step_chooses_its_next_sleep(void **state)
{
    (void)state;
    probe_t *p = probe_new();
    atomic_store(&p->sleep_next_ms, 1); /* back-off of 1 ms instead of 60 s idle */
    hf_loop_t *l = start(p, 60000, 0, NULL);
    assert_true(reaches(&p->steps, 20, 10000));
    hf_loop_stop(&l);
    free(p);
}

/* A step that uses its connection, so a killed backend is noticed. */
static int query_step(hf_loop_t *l, PGconn *db, void *user)
{
    (void)l;
    probe_t *p = user;
    PGresult *r = hf_db_query(db, "SELECT 1", 0, NULL);
    int ok = r != NULL;
    PQclear(r);
    atomic_fetch_add(&p->steps, 1);
    return ok ? 0 : -1;
}

static void test_a_killed_connection_is_noticed_by_a_failing_step(void **state)
{
    (void)state;
    probe_t *p = probe_new();
    hf_loop_def_t def = { .name = "query loop", .step = query_step, .connected = connected,
                          .user = p, .idle_ms = 50 };
    hf_loop_t *l = hf_loop_start(dsn, &def);
    assert_non_null(l);
    assert_true(reaches(&p->connects, 1, 10000));
    PGconn *c = fx_conn(dsn);
    const char *pid[] = { p->backend_pid };
    assert_int_equal(hf_db_exec(c, "SELECT pg_terminate_backend($1::int)", 1, pid, NULL), 0);
    PQfinish(c);
    assert_true(reaches(&p->connects, 2, 15000));
    hf_loop_stop(&l);
    free(p);
}

static void test_one_elected_replica_steps_and_another_takes_over(void **state)
{
    (void)state;
    probe_t *a = probe_new(), *b = probe_new();
    hf_loop_t *la = start(a, 50, 0, "test election");
    assert_true(reaches(&a->steps, 3, 10000));
    hf_loop_t *lb = start(b, 50, 0, "test election");
    assert_true(reaches(&b->connects, 1, 10000));
    usleep(500000);
    assert_int_equal(atomic_load(&b->steps), 0); /* the standby waits */
    /* another election is another lock */
    probe_t *c = probe_new();
    hf_loop_t *lc = start(c, 50, 0, "another election");
    assert_true(reaches(&c->steps, 1, 10000));
    hf_loop_stop(&lc);
    /* the leader stops: its lock goes with its connection, the standby leads */
    hf_loop_stop(&la);
    assert_true(reaches(&b->steps, 1, 10000));
    hf_loop_stop(&lb);
    free(a), free(b), free(c);
}

static void test_a_definition_without_a_step_is_refused(void **state)
{
    (void)state;
    hf_loop_def_t def = { .name = "nothing to do" };
    assert_null(hf_loop_start(dsn, &def));
}

static void test_a_loop_listens_on_its_own_channel(void **state)
{
    (void)state;
    probe_t *p = probe_new();
    hf_loop_def_t def = { .name = "channel loop", .step = step, .connected = connected,
                          .user = p, .idle_ms = 600000, .listen = 1,
                          .channel = "hf_test_channel" };
    hf_loop_t *l = hf_loop_start(dsn, &def);
    assert_non_null(l);
    assert_true(reaches(&p->steps, 1, 10000));
    PGconn *c = fx_conn(dsn);
    assert_int_equal(hf_db_exec(c, "NOTIFY hf_test_channel", 0, NULL, NULL), 0);
    assert_true(reaches(&p->steps, 2, 5000)); /* not its ten minutes of idle time */
    PQfinish(c);
    hf_loop_stop(&l);
    free(p);
    /* the channel is spliced into LISTEN: identifiers only */
    def.channel = "hf_outbox; DROP TABLE x";
    assert_null(hf_loop_start(dsn, &def));
    def.channel = "";
    assert_null(hf_loop_start(dsn, &def));
}

static int group_setup(void **state)
{
    (void)state;
    hf_log_init("test-loop", HF_LOG_ERROR);
    dsn = fx_events_db("hf_test_loop");
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
        cmocka_unit_test(test_steps_at_once_while_there_is_work_then_sleeps),
        cmocka_unit_test(test_stop_ends_a_long_sleep_at_once),
        cmocka_unit_test(test_wake_and_notify_end_the_sleep),
        cmocka_unit_test(test_a_stream_of_commits_is_taken_in_lingered_steps),
        cmocka_unit_test(test_the_step_chooses_its_next_sleep),
        cmocka_unit_test(test_a_killed_connection_is_noticed_by_a_failing_step),
        cmocka_unit_test(test_one_elected_replica_steps_and_another_takes_over),
        cmocka_unit_test(test_a_definition_without_a_step_is_refused),
        cmocka_unit_test(test_a_loop_listens_on_its_own_channel),
    };
    return cmocka_run_group_tests_name("loop", tests, group_setup, group_teardown);
}
