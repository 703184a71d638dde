/* tests/integration/test-timer.c - durable timers fire once, on time, whatever dies
 *
 * Real PostgreSQL and real runners (threads, and one forked process that is
 * SIGKILLed). The timers' function records each firing in a table with a
 * UNIQUE (kind, tenant, key, due) key: a timer fired twice would fail the
 * insert (counted as a duplicate), one never fired would be missing. Each
 * test uses a service of its own, so a runner sees only that test's timers.
 * Time moves with timers.advance(), never by sleeping; waits are for
 * conditions, with limits far above what each takes (a runner idles 10
 * minutes where a test proves that something woke it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "events_fixture.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hf/timer.h"
#include "testlib.h"

#define HOUR_US (3600LL * 1000000)
#define TENANT "11111111-1111-4111-8111-111111111111"
#define OTHER_TENANT "22222222-2222-4222-8222-222222222222"
#define LONG_IDLE_MS 600000 /* no poll comes to the rescue within a test's wait */

static char *dsn;

typedef struct {
    const char *name;   /* the runner, in table fired */
    int delay_ms;       /* per timer */
    int hold_fd;        /* > 0: at the first timer, write a byte here and block for ever */
    atomic_int failing; /* calls still to fail (RETRY), after writing: the write is undone */
    atomic_int busy;    /* calls still to answer BUSY, after writing: the write is undone */
    const char *fatal;  /* a key whose timer returns DEAD */
    int again;          /* set the timer again an hour later this many times */
    atomic_int calls, dupes, agained;
} app_t;

static int fire(void *user, PGconn *db, hf_timer_t *t)
{
    app_t *a = user;
    atomic_fetch_add(&a->calls, 1);
    if (a->hold_fd > 0) { /* the process is about to be killed holding its batch */
        if (write(a->hold_fd, "h", 1) != 1)
            _exit(3);
        for (;;)
            pause();
    }
    if (a->delay_ms)
        usleep((useconds_t)a->delay_ms * 1000);
    if (a->fatal && !strcmp(t->key, a->fatal))
        return hf_timer_fail(t, HF_TIMER_DEAD, "what %s was for is gone", t->key);
    if (hf_db_begin(db) < 0)
        return HF_TIMER_RETRY;
    char due[24], attempts[12];
    snprintf(due, sizeof(due), "%lld", (long long)t->due_us);
    snprintf(attempts, sizeof(attempts), "%d", t->attempts);
    const char *p[] = { a->name, t->kind, t->tenant_id, t->key, due, t->payload_json, attempts };
    char st[6];
    if (hf_db_exec(db,
                   "INSERT INTO fired (runner, kind, tenant, key, due_us, payload, attempts)"
                   " VALUES ($1, $2, $3, $4, $5::bigint, $6::jsonb, $7::int)",
                   7, p, st) < 0) {
        hf_db_rollback(db);
        if (strcmp(st, "23505") != 0)
            return HF_TIMER_RETRY;
        atomic_fetch_add(&a->dupes, 1); /* fired before: the test fails on dupes */
        return HF_TIMER_OK;
    }
    if (hf_db_commit(db) < 0)
        return HF_TIMER_RETRY;
    if (atomic_load(&a->busy) > 0) {
        atomic_fetch_sub(&a->busy, 1);
        return HF_TIMER_BUSY;
    }
    if (atomic_load(&a->failing) > 0) {
        atomic_fetch_sub(&a->failing, 1);
        return hf_timer_fail(t, HF_TIMER_RETRY, "upstream refused (attempt %d)", t->attempts + 1);
    }
    if (atomic_load(&a->agained) < a->again) {
        atomic_fetch_add(&a->agained, 1);
        hf_store_t st_again;
        hf_store_init(&st_again, db, NULL, t->tenant_id, NULL);
        if (hf_timer_set(&st_again, t->kind, t->key, t->due_us + HOUR_US, t->payload_json) != 1)
            return HF_TIMER_RETRY;
    }
    return HF_TIMER_OK;
}

static hf_timer_runner_t *start(app_t *a, const char *service, const char *const *kinds,
                                int idle_ms)
{
    hf_timer_runner_def_t def = { .service = service, .kinds = kinds, .fn = fire, .user = a,
                                  .idle_ms = idle_ms, .batch = 10 };
    hf_timer_runner_t *r = hf_timer_runner_start(dsn, &def);
    assert_non_null(r);
    return r;
}

static hf_store_t store(PGconn *c, const char *tenant)
{
    hf_store_t st;
    hf_store_init(&st, c, NULL, tenant, NULL);
    return st;
}

static long long scalar(PGconn *c, const char *sql, const char *arg)
{
    const char *p[] = { arg };
    PGresult *r = hf_db_query(c, sql, arg ? 1 : 0, arg ? p : NULL);
    assert_non_null(r);
    long long v = PQntuples(r) && !PQgetisnull(r, 0, 0) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10)
                                                        : -1;
    PQclear(r);
    return v;
}

/* A text cell of the timer (kind, key) of TENANT: its state, last_error, … */
static char *timer_field(PGconn *c, const char *column, const char *kind, const char *key)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT %s::text FROM timers.timer WHERE kind = $1 AND key = $2"
                               " AND tenant_id = '" TENANT "'", column);
    const char *p[] = { kind, key };
    PGresult *r = hf_db_query(c, sql, 2, p);
    assert_non_null(r);
    char *v = strdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "(none)");
    PQclear(r);
    return v;
}

static void assert_timer(PGconn *c, const char *kind, const char *key, const char *column,
                         const char *want)
{
    char *got = timer_field(c, column, kind, key);
    if (strcmp(got, want) != 0)
        fail_msg("timer %s %s: %s is %s, expected %s", kind, key, column, got, want);
    free(got);
}

static long long fired_count(PGconn *c, const char *kind)
{
    return scalar(c, "SELECT count(*) FROM fired WHERE kind = $1", kind);
}

/* Wait until the statement (one parameter) answers at least n. */
static void wait_scalar(PGconn *c, const char *sql, const char *arg, long long n, int timeout_ms)
{
    long long until = tl_ms() + timeout_ms, got;
    while ((got = scalar(c, sql, arg)) < n && tl_ms() < until)
        usleep(20000);
    if (got < n)
        fail_msg("waited for %lld from \"%s\" (%s), got %lld", n, sql, arg, got);
}

/* Wait until the runner has looked for its next timer and gone to sleep
 * (its connection idle after that statement), so that what follows must
 * wake it: nothing else would within the test's limits. One runner at a
 * time sleeps in this database. */
static void wait_asleep(PGconn *c)
{
    wait_scalar(c,
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                "   AND state = 'idle' AND query LIKE $1",
                "%min(run_time)%", 1, 20000);
}

static void wait_fired(PGconn *c, const char *kind, long long n)
{
    wait_scalar(c, "SELECT count(*) FROM fired WHERE kind = $1", kind, n, 20000);
    assert_int_equal(fired_count(c, kind), n);
}

static void advance(PGconn *c, const char *by)
{
    const char *p[] = { by };
    assert_int_equal(hf_db_exec(c, "SELECT timers.advance($1::interval)", 1, p, NULL), 0);
}

static void reset_clock(PGconn *c)
{
    assert_int_equal(hf_db_exec(c, "SELECT timers.advance(-(SELECT shift FROM timers.clock))", 0,
                                NULL, NULL),
                     0);
}

static uint64_t counter(const char *metric, const char *kind)
{
    char labels[96];
    snprintf(labels, sizeof(labels), "kind=\"%s\"", kind);
    return hf_counter_value(hf_metrics_counter(metric, "", labels));
}

/* Counters move just after the commit that makes the table say so. */
static void wait_counter(const char *metric, const char *kind, uint64_t n)
{
    long long until = tl_ms() + 20000;
    while (counter(metric, kind) < n && tl_ms() < until)
        usleep(20000);
    assert_int_equal(counter(metric, kind), n);
}

static double gauge(const char *metric, const char *service)
{
    char labels[96] = "";
    if (service)
        snprintf(labels, sizeof(labels), "service=\"%s\"", service);
    return hf_gauge_value(hf_metrics_gauge(metric, "", service ? labels : NULL));
}

/* The end of a test with a runner: nothing fired twice, the clock back at
 * zero, the runner stopped, the connection closed. */
static void finish(PGconn *c, hf_timer_runner_t **r, const app_t *a)
{
    assert_int_equal(atomic_load(&a->dupes), 0);
    reset_clock(c);
    hf_timer_runner_stop(r);
    assert_null(*r);
    PQfinish(c);
}

/* n timers key "<prefix>/<i>" due at due_us, set in one transaction. */
static void set_many(PGconn *c, const char *kind, const char *prefix, int n, int64_t due_us)
{
    hf_store_t st = store(c, TENANT);
    assert_int_equal(hf_db_begin(c), 0);
    for (int i = 0; i < n; i++) {
        char key[64];
        snprintf(key, sizeof(key), "%s/%d", prefix, i);
        assert_int_equal(hf_timer_set(&st, kind, key, due_us, "{\"n\": 1}"), 1);
    }
    assert_int_equal(hf_db_commit(c), 0);
}

static void test_set_cancel_and_reschedule_are_idempotent(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    hf_store_t a = store(c, TENANT), b = store(c, OTHER_TENANT);
    const char *k = "idem.reminder";
    int64_t now = hf_timer_now_us(c);
    assert_true(now > 0);
    /* set: created, then the same again changes nothing, a new payload or time does */
    assert_int_equal(hf_timer_set(&a, k, "interviews/1/-24h", now + HOUR_US, "{\"n\": 1}"), 1);
    assert_int_equal(hf_timer_set(&a, k, "interviews/1/-24h", now + HOUR_US, "{\"n\":1}"), 0);
    assert_int_equal(hf_timer_set(&a, k, "interviews/1/-24h", now + HOUR_US, "{\"n\": 2}"), 1);
    assert_int_equal(hf_timer_set(&a, k, "interviews/1/-24h", now + 2 * HOUR_US, "{\"n\": 2}"),
                     1);
    assert_timer(c, k, "interviews/1/-24h", "payload->>'n'", "2");
    assert_timer(c, k, "interviews/1/-24h", "state", "pending");
    /* reschedule keeps the payload */
    assert_int_equal(hf_timer_reschedule(&a, k, "interviews/9/-24h", now), HF_ENOTFOUND);
    assert_int_equal(hf_timer_reschedule(&a, k, "interviews/1/-24h", now + 2 * HOUR_US), 0);
    assert_int_equal(hf_timer_reschedule(&a, k, "interviews/1/-24h", now + 3 * HOUR_US), 1);
    assert_timer(c, k, "interviews/1/-24h", "payload->>'n'", "2");
    char want[32];
    snprintf(want, sizeof(want), "%lld", (long long)(now + 3 * HOUR_US));
    assert_timer(c, k, "interviews/1/-24h", HF_MICROS("due_time"), want);
    assert_timer(c, k, "interviews/1/-24h", HF_MICROS("run_time"), want);
    /* another tenant's timer of the same name is another timer */
    assert_int_equal(hf_timer_set(&b, k, "interviews/1/-24h", now, NULL), 1);
    assert_int_equal(hf_timer_cancel(&a, k, "interviews/1/-24h"), 1);
    assert_int_equal(hf_timer_cancel(&a, k, "interviews/1/-24h"), 0);
    assert_int_equal(hf_timer_reschedule(&a, k, "interviews/1/-24h", now), HF_ENOTFOUND);
    assert_int_equal(scalar(c, "SELECT count(*) FROM timers.timer WHERE kind = $1", k), 1);
    assert_int_equal(hf_timer_cancel(&b, k, "interviews/1/-24h"), 1);
    /* a prefix: one interview's timers, not interview 10's */
    const char *keys[] = { "interviews/1/-24h", "interviews/1/-1h", "interviews/10/-1h",
                           "interviews/2/-1h" };
    for (int i = 0; i < 4; i++)
        assert_int_equal(hf_timer_set(&a, k, keys[i], now + HOUR_US, NULL), 1);
    assert_int_equal(hf_timer_set(&b, k, "interviews/1/-1h", now + HOUR_US, NULL), 1);
    assert_int_equal(hf_timer_cancel_prefix(&a, k, "interviews/1/"), 2);
    assert_int_equal(hf_timer_cancel_prefix(&a, k, "interviews/1/"), 0);
    assert_int_equal(scalar(c, "SELECT count(*) FROM timers.timer WHERE kind = $1", k), 3);
    assert_timer(c, k, "interviews/10/-1h", "state", "pending");
    /* in the caller's transaction: a rollback leaves no timer */
    assert_int_equal(hf_db_begin(c), 0);
    assert_int_equal(hf_timer_set(&a, k, "interviews/3/-1h", now, NULL), 1);
    assert_int_equal(hf_db_rollback(c), 0);
    assert_timer(c, k, "interviews/3/-1h", "state", "(none)");
    /* the database refuses what is not a timer */
    assert_int_equal(hf_timer_set(&a, "Idem.reminder", "x", now, NULL), HF_EDB);
    assert_int_equal(hf_timer_set(&a, "idem", "x", now, NULL), HF_EDB);
    assert_int_equal(hf_timer_set(&a, k, "line\nbreak", now, NULL), HF_EDB);
    assert_int_equal(hf_timer_set(&a, k, "", now, NULL), HF_EDB);
    assert_int_equal(hf_timer_set(&a, k, "x", now, "[1]"), HF_EDB);
    assert_int_equal(scalar(c, "SELECT count(*) FROM timers.timer WHERE key IN ('x', '')", NULL),
                     0);
    /* ... at the bounds: a service of 31 characters, what follows of 100
     * (dots allowed after the first), a key of 200 printable ASCII ones */
    char svc[40], what[110], kind[160], key[210];
    memset(svc, 's', 31), svc[31] = '\0';
    memset(what, 'w', 100), what[100] = '\0';
    what[50] = '.';
    memset(key, '~', 200), key[200] = '\0';
    key[0] = ' ';
    snprintf(kind, sizeof(kind), "%s.%s", svc, what);
    assert_int_equal(hf_timer_set(&a, kind, key, now, NULL), 1);
    assert_int_equal(hf_timer_cancel(&a, kind, key), 1);
    snprintf(kind, sizeof(kind), "%sx.%s", svc, what); /* a service of 32 */
    assert_int_equal(hf_timer_set(&a, kind, "x", now, NULL), HF_EDB);
    snprintf(kind, sizeof(kind), "%s.%sx", svc, what); /* 101 after the dot */
    assert_int_equal(hf_timer_set(&a, kind, "x", now, NULL), HF_EDB);
    key[200] = 'x', key[201] = '\0'; /* a key of 201 */
    assert_int_equal(hf_timer_set(&a, k, key, now, NULL), HF_EDB);
    const char *bad_kinds[] = { "idem.", ".reminder", "9idem.reminder", "idem.Reminder",
                                "id-em.reminder", "idem.remind er" };
    for (size_t i = 0; i < sizeof(bad_kinds) / sizeof(*bad_kinds); i++)
        assert_int_equal(hf_timer_set(&a, bad_kinds[i], "x", now, NULL), HF_EDB);
    assert_int_equal(hf_timer_set(&a, k, "caf\xc3\xa9", now, NULL), HF_EDB); /* not ASCII */
    assert_int_equal(hf_timer_set(&a, k, "tab\there", now, NULL), HF_EDB);
    assert_int_equal(hf_timer_set(&a, "idem_2.a.b-c", "x", now, NULL), 1);
    assert_int_equal(hf_timer_cancel(&a, "idem_2.a.b-c", "x"), 1);
    PQfinish(c);
}

static void test_timers_due_while_no_runner_ran_fire_at_start(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    const char *k = "boot.ping";
    int64_t now = hf_timer_now_us(c);
    hf_store_t st = store(c, TENANT);
    for (int i = 0; i < 25; i++) { /* due minutes to days ago */
        char key[16];
        snprintf(key, sizeof(key), "past/%d", i);
        assert_int_equal(hf_timer_set(&st, k, key, now - (int64_t)i * i * 60000000LL, NULL), 1);
    }
    assert_int_equal(hf_timer_set(&st, k, "future", now + HOUR_US, NULL), 1);
    app_t a = { .name = "boot" };
    hf_timer_runner_t *r = start(&a, "boot", NULL, LONG_IDLE_MS);
    wait_fired(c, k, 25);
    assert_timer(c, k, "future", "state", "pending");
    assert_timer(c, k, "past/3", "state", "fired");
    assert_timer(c, k, "past/3", "attempts", "1");
    wait_counter("hf_timers_fired_total", k, 25);
    /* the same time and payload again changes nothing: it does not fire twice */
    assert_int_equal(hf_timer_set(&st, k, "past/3", now - 9 * 60000000LL, NULL), 0);
    assert_timer(c, k, "past/3", "state", "fired");
    /* another time arms it again, and it fires again */
    wait_asleep(c);
    assert_int_equal(hf_timer_set(&st, k, "past/3", now - 8 * 60000000LL, NULL), 1);
    wait_fired(c, k, 26);
    assert_int_equal(a.calls, 26);
    finish(c, &r, &a);
    hf_timer_runner_stop(NULL);
}

static void test_two_runners_racing_fire_each_timer_once(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    const char *k = "race.ping";
    set_many(c, k, "r", 300, hf_timer_now_us(c) - 1000000);
    app_t a = { .name = "race-a", .delay_ms = 1 }, b = { .name = "race-b", .delay_ms = 1 };
    hf_timer_runner_t *ra = start(&a, "race", NULL, 50);
    hf_timer_runner_t *rb = start(&b, "race", NULL, 50);
    wait_fired(c, k, 300);
    assert_int_equal(a.calls + b.calls, 300); /* none was even handed out twice */
    hf_timer_runner_stop(&ra);
    finish(c, &rb, &b);
    assert_int_equal(a.dupes, 0);
}

/* In a child process: a runner that claims its batch and blocks holding it. */
static pid_t start_holder(int fd)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        static app_t h = { .name = "holder" };
        h.hold_fd = fd;
        hf_timer_runner_def_t def = { .service = "kill", .fn = fire, .user = &h,
                                      .idle_ms = 50 };
        if (!hf_timer_runner_start(dsn, &def))
            _exit(2);
        for (;;)
            pause();
    }
    return pid;
}

static void test_timers_of_a_killed_replica_fire_once_on_another(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    const char *k = "kill.reminder";
    set_many(c, k, "k", 20, hf_timer_now_us(c));
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t holder = start_holder(fds[1]);
    struct pollfd pfd = { fds[0], POLLIN, 0 };
    assert_int_equal(poll(&pfd, 1, 20000), 1); /* it holds all 20, inside its transaction */
    char byte;
    assert_int_equal(read(fds[0], &byte, 1), 1);
    app_t a = { .name = "survivor" };
    hf_timer_runner_t *r = start(&a, "kill", NULL, LONG_IDLE_MS);
    /* held: the survivor passes them (SKIP LOCKED) while the holder lives */
    assert_int_equal(scalar(c, "SELECT count(*) FROM timers.timer WHERE kind = $1"
                               " AND state = 'pending'", k),
                     20);
    assert_int_equal(kill(holder, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(holder, &status, 0), holder);
    assert_true(WIFSIGNALED(status));
    /* its transaction and locks die with its connection; the survivor fires each once */
    wait_fired(c, k, 20);
    assert_int_equal(scalar(c, "SELECT count(*) FROM fired WHERE kind = $1"
                               " AND runner = 'survivor'", k),
                     20);
    assert_int_equal(a.calls, 20);
    close(fds[0]);
    close(fds[1]);
    finish(c, &r, &a);
}

static void test_the_clock_shift_moves_due_times_without_sleeping(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    const char *k = "clock.expiry";
    hf_store_t st = store(c, TENANT);
    int64_t now = hf_timer_now_us(c);
    assert_int_equal(hf_timer_set(&st, k, "now", now, NULL), 1);
    assert_int_equal(hf_timer_set(&st, k, "in-an-hour", now + HOUR_US, NULL), 1);
    assert_int_equal(hf_timer_set(&st, k, "tomorrow", now + 24 * HOUR_US, NULL), 1);
    app_t a = { .name = "clock" };
    hf_timer_runner_t *r = start(&a, "clock", NULL, LONG_IDLE_MS);
    wait_fired(c, k, 1); /* the claim that took it passed the others: not due */
    assert_timer(c, k, "in-an-hour", "state", "pending");
    /* the runner sleeps towards the hour; moving the clock wakes it */
    wait_asleep(c);
    advance(c, "1 hour 1 second");
    assert_true(hf_timer_now_us(c) >= now + HOUR_US);
    wait_fired(c, k, 2);
    assert_timer(c, k, "in-an-hour", "state", "fired");
    assert_timer(c, k, "tomorrow", "state", "pending");
    /* the shift is visible to whoever watches the runner */
    long long until = tl_ms() + 20000;
    while (gauge("hf_timers_clock_shift_seconds", NULL) < 3601 && tl_ms() < until)
        usleep(20000);
    assert_true(gauge("hf_timers_clock_shift_seconds", NULL) >= 3601);
    reset_clock(c);
    assert_true(hf_timer_now_us(c) < now + HOUR_US);
    finish(c, &r, &a);
}

static void test_a_held_clock_stands_still_and_moves_when_advanced(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    const char *k = "held.reminder";
    assert_int_equal(hf_db_exec(c, "SELECT timers.freeze('2031-01-06 08:00+08')", 0, NULL, NULL),
                     0);
    int64_t now = hf_timer_now_us(c);
    assert_true(now == hf_timer_now_us(c)); /* held: two transactions, one time */
    /* many at once, the SQL face for set-based statements; again changes nothing */
    static const char sql_many[] =
        "SELECT timers.set_many(ARRAY[$1, $1], ARRAY['" TENANT "', '" TENANT "'],"
        " ARRAY['soon', 'later'], ARRAY[timers.now() + interval '30 minutes',"
        " timers.now() + interval '2 hours'], ARRAY[NULL, '{\"n\": 1}']::jsonb[])";
    assert_int_equal(scalar(c, sql_many, k), 2);
    assert_int_equal(scalar(c, sql_many, k), 0);
    app_t a = { .name = "held" };
    hf_timer_runner_t *r = start(&a, "held", NULL, LONG_IDLE_MS);
    wait_asleep(c);
    assert_int_equal(fired_count(c, k), 0);
    advance(c, "1 hour");
    assert_true(hf_timer_now_us(c) == now + HOUR_US);
    wait_fired(c, k, 1);
    assert_timer(c, k, "soon", "state", "fired");
    assert_timer(c, k, "later", "state", "pending");
    assert_int_equal(scalar(c, "SELECT timers.cancel_prefix($1, '" TENANT "', 'lat')", k), 1);
    assert_timer(c, k, "later", "state", "(none)");
    /* let go: the real time again, no shift */
    assert_int_equal(hf_db_exec(c, "SELECT timers.freeze(NULL)", 0, NULL, NULL), 0);
    assert_int_equal(scalar(c, "SELECT count(*) FROM timers.clock WHERE frozen IS NULL AND"
                               " shift = '0'", NULL), 1);
    assert_true(hf_timer_now_us(c) < now - 24 * HOUR_US);
    finish(c, &r, &a);
}

static void test_a_failing_function_backs_off_then_the_timer_dies(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    const char *k = "fail.reminder";
    hf_store_t st = store(c, TENANT);
    app_t a = { .name = "fail", .failing = 3, .fatal = "fatal" };
    hf_timer_runner_def_t def = { .service = "fail", .fn = fire, .user = &a,
                                  .idle_ms = LONG_IDLE_MS, .max_attempts = 3,
                                  .retry_first_ms = 3600000, .retry_max_ms = 36000000 };
    hf_timer_runner_t *r = hf_timer_runner_start(dsn, &def);
    assert_non_null(r);
    assert_int_equal(hf_timer_set(&st, k, "flaky", hf_timer_now_us(c), NULL), 1);
    assert_int_equal(hf_timer_set(&st, k, "fatal", hf_timer_now_us(c), NULL), 1);
    const char *attempts = "SELECT attempts FROM timers.timer WHERE key = $1";
    const char *pause_min = "SELECT extract(epoch FROM run_time - timers.now()) / 60"
                            "  FROM timers.timer WHERE key = $1";
    /* HF_TIMER_DEAD: dead at once */
    wait_scalar(c, attempts, "fatal", 1, 20000);
    assert_timer(c, k, "fatal", "state", "dead");
    assert_timer(c, k, "fatal", "last_error", "what fatal was for is gone");
    /* a failure backs off an hour, then two; its write is undone each time */
    wait_scalar(c, attempts, "flaky", 1, 20000);
    assert_timer(c, k, "flaky", "state", "pending");
    assert_timer(c, k, "flaky", "last_error", "upstream refused (attempt 1)");
    long long pause1 = scalar(c, pause_min, "flaky");
    assert_true(pause1 >= 55 && pause1 <= 60);
    assert_int_equal(fired_count(c, k), 0);
    wait_asleep(c);
    advance(c, "1 hour");
    wait_scalar(c, attempts, "flaky", 2, 20000);
    long long pause2 = scalar(c, pause_min, "flaky");
    assert_true(pause2 >= 115 && pause2 <= 120);
    wait_asleep(c);
    advance(c, "2 hours");
    wait_scalar(c, attempts, "flaky", 3, 20000);
    /* the max_attempts-th failure: dead, with the last error */
    assert_timer(c, k, "flaky", "state", "dead");
    assert_timer(c, k, "flaky", "last_error", "upstream refused (attempt 3)");
    assert_int_equal(fired_count(c, k), 0);
    wait_counter("hf_timers_dead_total", k, 2);
    assert_int_equal(counter("hf_timers_failed_total", k), 4);
    assert_int_equal(counter("hf_timers_fired_total", k), 0);
    long long until = tl_ms() + 20000;
    while (gauge("hf_timers_dead", "fail") < 2 && tl_ms() < until)
        usleep(20000);
    assert_true(gauge("hf_timers_dead", "fail") == 2);
    /* an operator arms it again once the cause is fixed: it fires */
    assert_int_equal(scalar(c, "SELECT timers.retry_dead('fail', $1)", k), 2);
    wait_fired(c, k, 1);
    assert_timer(c, k, "flaky", "state", "fired");
    assert_timer(c, k, "fatal", "state", "dead"); /* dead again at once */
    finish(c, &r, &a);
}

/* A function that finds what it acts on locked answers BUSY: no attempt is
 * counted and the timer stays due as it was, so it fires once the lock is
 * gone even while the clock is held; meanwhile the runner looks again about
 * once a second rather than spinning on it. */
static void test_a_busy_timer_is_looked_at_again_without_an_attempt(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    const char *k = "busy.expiry";
    assert_int_equal(hf_db_exec(c, "SELECT timers.freeze('2031-01-06 08:00+08')", 0, NULL, NULL),
                     0);
    hf_store_t st = store(c, TENANT);
    assert_int_equal(hf_timer_set(&st, k, "held", hf_timer_now_us(c), NULL), 1);
    char *due = timer_field(c, "run_time", k, "held");
    app_t a = { .name = "busy", .busy = 1000000 };
    hf_timer_runner_def_t def = { .service = "busy", .fn = fire, .user = &a,
                                  .idle_ms = LONG_IDLE_MS, .retry_first_ms = 3600000 };
    hf_timer_runner_t *r = hf_timer_runner_start(dsn, &def);
    assert_non_null(r);
    wait_counter("hf_timers_busy_total", k, 1);
    usleep(2500000);
    /* about one look a second: a runner claiming it again at once would make thousands */
    int looks = atomic_load(&a.calls);
    if (looks > 5)
        fail_msg("a busy timer was looked at %d times in 2.5 s", looks);
    assert_timer(c, k, "held", "state", "pending");
    assert_timer(c, k, "held", "attempts", "0");
    assert_timer(c, k, "held", "last_error", "");
    assert_timer(c, k, "held", "run_time", due);
    assert_int_equal(fired_count(c, k), 0);
    /* the lock goes: it fires at the next look, the clock still held */
    int answered = 1000000 - atomic_exchange(&a.busy, 0);
    wait_fired(c, k, 1);
    assert_timer(c, k, "held", "state", "fired");
    assert_int_equal(scalar(c, "SELECT attempts FROM fired WHERE kind = $1", k), 0);
    wait_counter("hf_timers_busy_total", k, (uint64_t)answered);
    assert_int_equal(counter("hf_timers_failed_total", k), 0);
    free(due);
    assert_int_equal(hf_db_exec(c, "SELECT timers.freeze(NULL)", 0, NULL, NULL), 0);
    finish(c, &r, &a);
}

static void test_a_timer_set_sooner_wakes_a_sleeping_runner(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    const char *k = "wake.ping";
    hf_store_t st = store(c, TENANT);
    int64_t now = hf_timer_now_us(c);
    assert_int_equal(hf_timer_set(&st, k, "later", now + HOUR_US, NULL), 1);
    assert_int_equal(hf_timer_set(&st, k, "first", now, NULL), 1);
    app_t a = { .name = "wake" };
    hf_timer_runner_t *r = start(&a, "wake", NULL, LONG_IDLE_MS);
    wait_fired(c, k, 1);
    /* the runner now sleeps towards "later" (at most its 10 minutes of idle
     * time); a timer due now, committed by another connection, wakes it */
    wait_asleep(c);
    assert_int_equal(hf_db_begin(c), 0);
    assert_int_equal(hf_timer_set(&st, k, "sooner", hf_timer_now_us(c), NULL), 1);
    assert_int_equal(hf_db_commit(c), 0);
    wait_fired(c, k, 2);
    assert_timer(c, k, "sooner", "state", "fired");
    assert_timer(c, k, "later", "state", "pending");
    finish(c, &r, &a);
}

static void test_a_function_that_sets_its_timer_again_recurs(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    const char *k = "again.close_period";
    hf_store_t st = store(c, TENANT);
    int64_t due = hf_timer_now_us(c);
    assert_int_equal(hf_timer_set(&st, k, "periods/1", due, "{\"period\": 1}"), 1);
    app_t a = { .name = "again", .again = 2 };
    hf_timer_runner_t *r = start(&a, "again", NULL, LONG_IDLE_MS);
    wait_fired(c, k, 1);
    assert_timer(c, k, "periods/1", "state", "pending"); /* re-armed, not fired */
    char want[32];
    snprintf(want, sizeof(want), "%lld", (long long)(due + HOUR_US));
    assert_timer(c, k, "periods/1", HF_MICROS("due_time"), want);
    wait_asleep(c);
    advance(c, "1 hour");
    wait_fired(c, k, 2);
    wait_asleep(c);
    advance(c, "1 hour");
    wait_fired(c, k, 3);
    assert_timer(c, k, "periods/1", "state", "fired");
    assert_timer(c, k, "periods/1", "payload->>'period'", "1");
    finish(c, &r, &a);
}

static void test_fired_timers_are_kept_then_swept(void **state)
{
    (void)state;
    PGconn *c = fx_conn(dsn);
    const char *k = "keep.ping";
    hf_store_t st = store(c, TENANT);
    assert_int_equal(hf_timer_set(&st, k, "old", hf_timer_now_us(c), NULL), 1);
    app_t a = { .name = "keep" };
    hf_timer_runner_def_t def = { .service = "keep", .fn = fire, .user = &a,
                                  .idle_ms = LONG_IDLE_MS, .keep_fired_s = 3600 };
    hf_timer_runner_t *r = hf_timer_runner_start(dsn, &def);
    assert_non_null(r);
    wait_fired(c, k, 1);
    hf_timer_runner_stop(&r);
    assert_timer(c, k, "old", "state", "fired"); /* kept */
    advance(c, "2 hours");
    assert_int_equal(hf_timer_set(&st, k, "new", hf_timer_now_us(c), NULL), 1);
    /* a runner sweeps as it starts: past its keeping, the old one goes */
    r = hf_timer_runner_start(dsn, &def);
    assert_non_null(r);
    wait_fired(c, k, 2);
    wait_scalar(c, "SELECT 1 - count(*) FROM timers.timer WHERE key = $1", "old", 1, 20000);
    assert_timer(c, k, "new", "state", "fired");
    finish(c, &r, &a);
}

static void test_bad_definitions_are_refused(void **state)
{
    (void)state;
    app_t a = { .name = "x" };
    hf_timer_runner_def_t def = { .service = "Bad", .fn = fire, .user = &a };
    assert_null(hf_timer_runner_start(dsn, &def));
    def.service = "good";
    def.fn = NULL;
    assert_null(hf_timer_runner_start(dsn, &def));
    def.fn = fire;
    const char *const other[] = { "good.ping", "other.ping", NULL };
    def.kinds = other;
    assert_null(hf_timer_runner_start(dsn, &def));
    const char *const bare[] = { "good.", NULL };
    def.kinds = bare;
    assert_null(hf_timer_runner_start(dsn, &def));
}

static int group_setup(void **state)
{
    (void)state;
    hf_log_init("test-timer", HF_LOG_ERROR);
    dsn = fx_events_db_with("hf_test_timer",
                            "CREATE TABLE fired (seq bigserial, runner text, kind text,"
                            " tenant text, key text, due_us bigint, payload jsonb, attempts int,"
                            " UNIQUE (kind, tenant, key, due_us))");
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
        cmocka_unit_test(test_set_cancel_and_reschedule_are_idempotent),
        cmocka_unit_test(test_timers_due_while_no_runner_ran_fire_at_start),
        cmocka_unit_test(test_two_runners_racing_fire_each_timer_once),
        cmocka_unit_test(test_timers_of_a_killed_replica_fire_once_on_another),
        cmocka_unit_test(test_the_clock_shift_moves_due_times_without_sleeping),
        cmocka_unit_test(test_a_held_clock_stands_still_and_moves_when_advanced),
        cmocka_unit_test(test_a_failing_function_backs_off_then_the_timer_dies),
        cmocka_unit_test(test_a_busy_timer_is_looked_at_again_without_an_attempt),
        cmocka_unit_test(test_a_timer_set_sooner_wakes_a_sleeping_runner),
        cmocka_unit_test(test_a_function_that_sets_its_timer_again_recurs),
        cmocka_unit_test(test_fired_timers_are_kept_then_swept),
        cmocka_unit_test(test_bad_definitions_are_refused),
    };
    return cmocka_run_group_tests_name("timer", tests, group_setup, group_teardown);
}
