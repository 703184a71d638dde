/* common/src/timer.c - durable timers: set in the caller's transaction, fired by runners
 *
 * The table, the clock and the SQL face of setting a timer are
 * common/migrations/0003_timers.sql; this file holds the C face of setting
 * (one statement each, in the caller's transaction) and the runner, a
 * background loop (hf/loop.h) per service that LISTENs on
 * hf_timers_<service>. One step is one transaction:
 *
 *   1. lock up to `batch` due timers of the service (run_time <=
 *      timers.now()), oldest first, FOR UPDATE SKIP LOCKED: timers another
 *      replica holds are passed, and that replica's death releases them;
 *   2. call the function for each inside a savepoint: OK marks the timer
 *      fired; a failure rolls the savepoint back and records the attempt
 *      (a later run_time, or dead); BUSY (what it acts on is locked by
 *      another transaction) rolls it back and records nothing;
 *   3. commit: the functions' writes and the timers' states together.
 *
 * A claim is the transaction's row lock, not a lease with an expiry (the
 * first design's locked_until): a lease would need its own commit before
 * the function ran, so a replica dying after the function's commit and
 * before the timer's could fire it twice, and a slow function could
 * outlive its lease. A lock can do neither.
 *
 * Between steps the runner sleeps until its next timer is due (at most
 * idle_ms), woken by the NOTIFY arming a timer sends at commit; due timers
 * that another replica holds, and a batch whose every timer was BUSY, are
 * looked at again after LOCKED_PAUSE_MS of real time. A busy row is not a
 * failure: backing off on the timers' clock would count it towards dead and
 * would never come due while a test holds that clock still.
 */
#include "hf/timer.h"

#include "hf/bus.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/loop.h"
#include "hf/metrics.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BATCH 100
#define DEFAULT_MAX_ATTEMPTS 8
#define DEFAULT_RETRY_FIRST_MS 10000
#define DEFAULT_RETRY_MAX_MS 3600000
#define DEFAULT_IDLE_MS 5000
#define LOCKED_PAUSE_MS 1000   /* due timers another replica holds: look again */
#define STATS_EVERY_MS 1000    /* the gauges, at most this often while busy */
#define SWEEP_EVERY_MS 3600000 /* fired timers past their keeping */
#define SWEEP_N "1000"
#define SWEEP_N_INT 1000

/* A Unix-microseconds parameter as a timestamptz, exactly. */
#define TIME_US(n) "('epoch'::timestamptz + $" n "::bigint * interval '1 microsecond')"

/* ---- setting timers ---- */

static const char sql_set[] =
    "SELECT timers.set($1, $2, $3, " TIME_US("4") ", coalesce($5::jsonb, '{}'))";

static const char sql_reschedule[] =
    "WITH t AS ("
    "  SELECT id, due_time FROM timers.timer"
    "   WHERE kind = $1 AND tenant_id = $2 AND key = $3 FOR UPDATE),"
    " moved AS ("
    "  UPDATE timers.timer x SET due_time = " TIME_US("4") ", run_time = " TIME_US("4") ","
    "         state = 'pending', attempts = 0, last_error = NULL, fired_time = NULL,"
    "         update_time = now()"
    "    FROM t WHERE x.id = t.id AND t.due_time <> " TIME_US("4") " RETURNING 1)"
    " SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM moved)";

static const char sql_cancel[] =
    "WITH gone AS ("
    "  DELETE FROM timers.timer WHERE kind = $1 AND tenant_id = $2 AND key = $3"
    "  RETURNING state)"
    " SELECT count(*) FILTER (WHERE state = 'pending') FROM gone";

/* timers.cancel_prefix (common/migrations/0005_timers_freeze.sql): keys
 * are printable ASCII compared bytewise, so a prefix is an index range */
static const char sql_cancel_prefix[] = "SELECT timers.cancel_prefix($1, $2, $3)";

static const char sql_now[] = "SELECT " HF_MICROS("timers.now()");

/* Run one of the setting statements (one row back). Returns its number in
 * column col (a boolean is 1 or 0), with column 0's in *first when not NULL,
 * or HF_EDB. */
static int64_t set_query(hf_store_t *st, const char *sql, int n, const char *const *p, int col,
                         int64_t *first)
{
    assert(st->db && st->tenant);
    PGresult *r = hf_db_query(st->db, sql, n, p);
    if (!r)
        return HF_EDB;
    int64_t v[2] = { 0, 0 };
    for (int i = 0; i <= col && i < 2; i++) {
        const char *s = PQgetvalue(r, 0, i);
        v[i] = s[0] == 't' ? 1 : s[0] == 'f' ? 0 : strtoll(s, NULL, 10);
    }
    PQclear(r);
    if (first)
        *first = v[0];
    return v[col];
}

int hf_timer_set(hf_store_t *st, const char *kind, const char *key, int64_t due_us,
                 const char *payload_json)
{
    char due[24];
    snprintf(due, sizeof(due), "%lld", (long long)due_us);
    const char *p[] = { kind, st->tenant, key, due, payload_json };
    return (int)set_query(st, sql_set, 5, p, 0, NULL);
}

int hf_timer_reschedule(hf_store_t *st, const char *kind, const char *key, int64_t due_us)
{
    char due[24];
    snprintf(due, sizeof(due), "%lld", (long long)due_us);
    const char *p[] = { kind, st->tenant, key, due };
    int64_t found = 0, moved = set_query(st, sql_reschedule, 4, p, 1, &found);
    return moved < 0 ? (int)moved : found == 0 ? HF_ENOTFOUND : (int)moved;
}

int hf_timer_cancel(hf_store_t *st, const char *kind, const char *key)
{
    const char *p[] = { kind, st->tenant, key };
    return (int)set_query(st, sql_cancel, 3, p, 0, NULL);
}

int hf_timer_cancel_prefix(hf_store_t *st, const char *kind, const char *key_prefix)
{
    const char *p[] = { kind, st->tenant, key_prefix };
    int64_t n = set_query(st, sql_cancel_prefix, 3, p, 0, NULL);
    return n > 0x7fffffff ? 0x7fffffff : (int)n;
}

int64_t hf_timer_now_us(PGconn *db)
{
    PGresult *r = hf_db_query(db, sql_now, 0, NULL);
    int64_t us = r ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return us;
}

int hf_timer_fail(hf_timer_t *t, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->error, sizeof(t->error), fmt, ap);
    va_end(ap);
    return rc;
}
/* ---- the runner ---- */

struct hf_timer_runner {
    hf_loop_t *loop;
    char *service;
    char *kinds;                 /* array literal of the kinds; {} = every kind of the service */
    hf_timer_fn fn;
    void *user;
    int batch, max_attempts, retry_first_ms, retry_max_ms, idle_ms;
    char batch_text[12], keep_text[16];
    int64_t stats_at, sweep_at;  /* hf_mono_ms() of the last refresh and sweep; 0 = never */
    int sweep_more;              /* the last sweep was full */
    char clock_logged[96];       /* timers.clock as last logged ("" at start) */
    hf_gauge_t *due, *dead, *lag, *shift;
};

/* What became of a timer, beside HF_TIMER_OK/RETRY/DEAD: the runner's own
 * statement failed, so the step's transaction is lost. */
#define STEP_ERROR -2

static const char sql_claim[] =
    "SELECT id, tenant_id, kind, key, payload::text, attempts, " HF_MICROS("due_time") ", "
    HF_MICROS("timers.now()")
    "  FROM timers.timer"
    " WHERE service = $1 AND state = 'pending' AND run_time <= timers.now()"
    "   AND (cardinality($2::text[]) = 0 OR kind = ANY ($2::text[]))"
    " ORDER BY run_time LIMIT $3::int FOR UPDATE SKIP LOCKED";

enum { COL_ID, COL_TENANT, COL_KIND, COL_KEY, COL_PAYLOAD, COL_ATTEMPTS, COL_DUE, COL_NOW };

/* Not when the function set it again to another time: then it is armed. */
static const char sql_fired[] =
    "UPDATE timers.timer SET state = 'fired', fired_time = timers.now(),"
    " attempts = attempts + 1, update_time = now()"
    " WHERE id = $1::bigint AND state = 'pending' AND " HF_MICROS("due_time") " = $2::bigint";

static const char sql_failed[] =
    "UPDATE timers.timer SET attempts = attempts + 1, last_error = $2,"
    " state = CASE WHEN $3::bool OR attempts + 1 >= $4::int THEN 'dead' ELSE 'pending' END,"
    " run_time = timers.now() + $5::bigint * interval '1 millisecond', update_time = now()"
    " WHERE id = $1::bigint RETURNING state";

/* Milliseconds until the runner's next pending timer (<= 0: due now, held by
 * another replica), NULL when it has none. */
static const char sql_next[] =
    "SELECT ceil(extract(epoch FROM min(run_time) - timers.now()) * 1000)::bigint"
    "  FROM timers.timer WHERE service = $1 AND state = 'pending'"
    "   AND (cardinality($2::text[]) = 0 OR kind = ANY ($2::text[]))";

static const char sql_stats[] =
    "SELECT d.n, d.lag, (SELECT count(*) FROM timers.timer WHERE service = $1 AND state = 'dead'),"
    "       extract(epoch FROM timers.now() - now()),"
    "       coalesce((SELECT coalesce(frozen::text, '') || '+' || shift::text FROM timers.clock),"
    "                '')"
    "  FROM (SELECT count(*) AS n, coalesce(extract(epoch FROM timers.now() - min(due_time)), 0)"
    "               AS lag"
    "          FROM timers.timer"
    "         WHERE service = $1 AND state = 'pending' AND run_time <= timers.now()) d";

static const char sql_sweep[] =
    "DELETE FROM timers.timer WHERE id IN ("
    "  SELECT id FROM timers.timer WHERE service = $1 AND state = 'fired'"
    "     AND fired_time < timers.now() - $2::bigint * interval '1 second'"
    "   LIMIT " SWEEP_N " FOR UPDATE SKIP LOCKED)";

/* How late a timer fires, in seconds: a quarter of a second to a day (a timer that came
 * due while every replica was down fires that late). */
static const double late_bounds[] = { 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 21600,
                                      86400 };

/* Count what became of a timer; one that fired `late` seconds after it was
 * due (the timers' clock) is observed in hf_timers_fire_lag_seconds. */
static void count_outcome(const char *kind, int rc, double late)
{
    char labels[160];
    snprintf(labels, sizeof(labels), "kind=\"%s\"", kind);
    if (rc == HF_TIMER_OK) {
        hf_counter_inc(hf_metrics_counter("hf_timers_fired_total", "Timers that fired", labels));
        hf_histogram_observe(
            hf_metrics_histogram("hf_timers_fire_lag_seconds",
                                 "From a timer's due time to its firing (the timers' clock)",
                                 labels, late_bounds, sizeof(late_bounds) / sizeof(late_bounds[0])),
            late > 0 ? late : 0);
    } else if (rc == HF_TIMER_BUSY)
        hf_counter_inc(hf_metrics_counter(
            "hf_timers_busy_total",
            "Timers passed because what they act on was being changed; looked at again", labels));
    else
        hf_counter_inc(hf_metrics_counter("hf_timers_failed_total",
                                          "Attempts to fire a timer that failed", labels));
    if (rc == HF_TIMER_DEAD)
        hf_counter_inc(hf_metrics_counter("hf_timers_dead_total",
                                          "Timers that failed for good and wait for an operator",
                                          labels));
}

/* The pause after a timer's attempts-th failure: retry_first_ms doubling,
 * at most retry_max_ms. */
static int64_t backoff_ms(const hf_timer_runner_t *r, int attempts)
{
    int64_t ms = r->retry_first_ms;
    for (int i = 1; i < attempts && ms < r->retry_max_ms; i++)
        ms *= 2;
    return ms < r->retry_max_ms ? ms : r->retry_max_ms;
}

/* The savepoint of a failed attempt is rolled back; record the attempt.
 * Returns HF_TIMER_RETRY or HF_TIMER_DEAD (what it came to), or STEP_ERROR. */
static int record_failure(hf_timer_runner_t *r, PGconn *db, hf_timer_t *t, int give_up)
{
    char id[24], max[12], pause[24];
    snprintf(id, sizeof(id), "%lld", (long long)t->id);
    snprintf(max, sizeof(max), "%d", r->max_attempts);
    snprintf(pause, sizeof(pause), "%lld", (long long)backoff_ms(r, t->attempts + 1));
    if (!t->error[0])
        snprintf(t->error, sizeof(t->error), "the timer's function failed");
    const char *p[] = { id, t->error, give_up ? "true" : "false", max, pause };
    PGresult *res = hf_db_query(db, sql_failed, 5, p);
    if (!res)
        return STEP_ERROR;
    int dead = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "dead");
    PQclear(res);
    hf_logkv(dead ? HF_LOG_ERROR : HF_LOG_WARN,
             dead ? "timer failed for good: it is dead" : "timer failed, it will be retried",
             HF_KV_STR("kind", t->kind), HF_KV_STR("key", t->key), HF_KV_INT("timer", t->id),
             HF_KV_INT("attempts", t->attempts + 1), HF_KV_STR("error", t->error));
    return dead ? HF_TIMER_DEAD : HF_TIMER_RETRY;
}

/* Call the function for the timer of row i inside a savepoint and record
 * what came of it. Returns HF_TIMER_OK, HF_TIMER_RETRY, HF_TIMER_DEAD or
 * HF_TIMER_BUSY, or STEP_ERROR. */
static int fire_one(hf_timer_runner_t *r, PGconn *db, PGresult *res, int i)
{
    hf_timer_t t = {
        .id = strtoll(PQgetvalue(res, i, COL_ID), NULL, 10),
        .tenant_id = PQgetvalue(res, i, COL_TENANT),
        .kind = PQgetvalue(res, i, COL_KIND),
        .key = PQgetvalue(res, i, COL_KEY),
        .payload_json = PQgetvalue(res, i, COL_PAYLOAD),
        .attempts = atoi(PQgetvalue(res, i, COL_ATTEMPTS)),
        .due_us = strtoll(PQgetvalue(res, i, COL_DUE), NULL, 10),
        .now_us = strtoll(PQgetvalue(res, i, COL_NOW), NULL, 10),
    };
    if (hf_db_begin(db) < 0)
        return STEP_ERROR;
    int depth = hf_db_depth(db);
    char request[32];
    snprintf(request, sizeof(request), "timer:%lld", (long long)t.id);
    hf_log_context_set(NULL, request, t.kind);
    int rc = r->fn(r->user, db, &t);
    hf_log_context_clear();
    if (hf_db_depth(db) < depth) {
        hf_logkv(HF_LOG_ERROR, "timer function ended the runner's transaction",
                 HF_KV_STR("kind", t.kind), HF_KV_INT("timer", t.id));
        return STEP_ERROR;
    }
    if (hf_db_depth(db) > depth) {
        hf_timer_fail(&t, HF_TIMER_RETRY, "the function left its transaction open");
        while (hf_db_depth(db) > depth)
            hf_db_rollback(db);
        rc = HF_TIMER_RETRY;
    }
    if (rc == HF_TIMER_OK && PQtransactionStatus(db) == PQTRANS_INERROR)
        rc = hf_timer_fail(&t, HF_TIMER_RETRY, "a statement of the function failed");
    if (rc == HF_TIMER_OK) {
        char id[24], due[24];
        snprintf(id, sizeof(id), "%lld", (long long)t.id);
        snprintf(due, sizeof(due), "%lld", (long long)t.due_us);
        const char *p[] = { id, due };
        if (hf_db_commit(db) < 0 || hf_db_exec(db, sql_fired, 2, p, NULL) < 0)
            return STEP_ERROR;
        return HF_TIMER_OK;
    }
    if (hf_db_rollback(db) < 0)
        return STEP_ERROR;
    if (rc == HF_TIMER_BUSY)
        return HF_TIMER_BUSY; /* due as it was: the next look is the runner's pause */
    return record_failure(r, db, &t, rc == HF_TIMER_DEAD);
}

/* Claim a batch and fire it, in one transaction. Returns how many timers
 * were claimed, *busy of them BUSY, or -1 after a failure (the transaction
 * rolled back). */
static int fire_batch(hf_timer_runner_t *r, hf_loop_t *l, PGconn *db, int *busy)
{
    const char *p[] = { r->service, r->kinds, r->batch_text };
    if (hf_db_begin(db) < 0)
        return -1;
    PGresult *res = hf_db_query(db, sql_claim, 3, p);
    int n = res ? PQntuples(res) : 0, done = 0, rc = res ? 0 : STEP_ERROR;
    int *outcome = n ? calloc((size_t)n, sizeof(int)) : NULL;
    if (n && !outcome)
        rc = STEP_ERROR;
    for (; rc != STEP_ERROR && done < n && !hf_loop_stopping(l); done++)
        rc = outcome[done] = fire_one(r, db, res, done);
    if (rc == STEP_ERROR || hf_db_commit(db) < 0) {
        while (hf_db_depth(db) > 0)
            hf_db_rollback(db);
        n = -1;
    } else {
        for (int i = 0; i < done; i++) {
            *busy += outcome[i] == HF_TIMER_BUSY;
            count_outcome(PQgetvalue(res, i, COL_KIND), outcome[i],
                          (double)(strtoll(PQgetvalue(res, i, COL_NOW), NULL, 10) -
                                   strtoll(PQgetvalue(res, i, COL_DUE), NULL, 10)) / 1e6);
        }
    }
    free(outcome);
    PQclear(res);
    return n;
}

/* The gauges, and a log line when the clock (its shift, or the time it is
 * held at) is not what was last logged, so a moved clock is said at start
 * and whenever a test moves it. */
static void refresh_stats(hf_timer_runner_t *r, PGconn *db)
{
    const char *p[] = { r->service };
    PGresult *res = hf_db_query(db, sql_stats, 1, p);
    r->stats_at = hf_mono_ms();
    if (!res)
        return;
    hf_gauge_set(r->due, atof(PQgetvalue(res, 0, 0)));
    hf_gauge_set(r->lag, atof(PQgetvalue(res, 0, 1)));
    hf_gauge_set(r->dead, atof(PQgetvalue(res, 0, 2)));
    double shift = atof(PQgetvalue(res, 0, 3));
    hf_gauge_set(r->shift, shift);
    const char *clock = PQgetvalue(res, 0, 4);
    int moved = strcmp(clock, r->clock_logged) != 0, real = !strcmp(clock, "+00:00:00");
    if (moved && (r->clock_logged[0] || !real))
        hf_logkv(real ? HF_LOG_INFO : HF_LOG_WARN,
                 real ? "the timers' clock is back to real time"
                      : "the timers' clock is shifted or held (timers.advance, timers.freeze):"
                        " never in production",
                 HF_KV_STR("timers", r->service), HF_KV_DBL("shift_s", shift));
    snprintf(r->clock_logged, sizeof(r->clock_logged), "%s", clock);
    PQclear(res);
}

/* Delete a slice of fired timers past their keeping. */
static void sweep(hf_timer_runner_t *r, PGconn *db)
{
    const char *p[] = { r->service, r->keep_text };
    PGresult *res = hf_db_query(db, sql_sweep, 2, p);
    r->sweep_at = hf_mono_ms();
    r->sweep_more = res && atoi(PQcmdTuples(res)) == SWEEP_N_INT;
    PQclear(res);
}

/* How long to sleep when nothing was claimed: until the next timer is due,
 * at most idle_ms; LOCKED_PAUSE_MS when due timers are held elsewhere. */
static int next_sleep_ms(hf_timer_runner_t *r, PGconn *db)
{
    const char *p[] = { r->service, r->kinds };
    PGresult *res = hf_db_query(db, sql_next, 2, p);
    int ms = r->idle_ms;
    if (res && !PQgetisnull(res, 0, 0)) {
        long long next = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        ms = next <= 0 ? LOCKED_PAUSE_MS : next < ms ? (int)next : ms;
    }
    PQclear(res);
    return ms < r->idle_ms ? ms : r->idle_ms;
}

static int runner_step(hf_loop_t *l, PGconn *db, void *user)
{
    hf_timer_runner_t *r = user;
    if (r->sweep_more || !r->sweep_at || hf_mono_ms() - r->sweep_at >= SWEEP_EVERY_MS)
        sweep(r, db);
    int busy = 0, n = fire_batch(r, l, db, &busy);
    if (n < 0)
        return -1;
    if (n == 0 || hf_mono_ms() - r->stats_at >= STATS_EVERY_MS)
        refresh_stats(r, db);
    if (n > 0 && busy == n) { /* claiming them again at once would spin */
        hf_loop_sleep_next(l, LOCKED_PAUSE_MS);
        return 0;
    }
    if (n > 0)
        return 1; /* the next step claims what came due meanwhile, or sleeps */
    hf_loop_sleep_next(l, next_sleep_ms(r, db));
    return 0;
}

/* A kind of service: "<service>.<what>", as the table's CHECK says. */
static int kind_ok(const char *service, const char *kind)
{
    size_t n = strlen(service), len = strlen(kind);
    return len >= n + 2 && len <= n + 101 && strncmp(kind, service, n) == 0 && kind[n] == '.' &&
           strspn(kind + n + 1, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == len - n - 1;
}

static int service_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= 31 && s[0] >= 'a' && s[0] <= 'z' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static void runner_free(hf_timer_runner_t *r)
{
    free(r->service);
    free(r->kinds);
    free(r);
}

/* The kinds as an array literal ({} for NULL), or NULL when one is bad. */
static char *kinds_array(const char *service, const char *const *kinds)
{
    size_t n = 0;
    while (kinds && kinds[n]) {
        if (!kind_ok(service, kinds[n]))
            return NULL;
        n++;
    }
    return hf_db_array(kinds, n);
}

hf_timer_runner_t *hf_timer_runner_start(const char *conninfo, const hf_timer_runner_def_t *def)
{
    if (!service_ok(def->service) || !def->fn) {
        hf_error("timer runner: a service (1-31 of [a-z0-9_]) and a function are required");
        return NULL;
    }
    hf_timer_runner_t *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->service = strdup(def->service);
    r->kinds = kinds_array(def->service, def->kinds);
    if (!r->service || !r->kinds) {
        hf_logkv(HF_LOG_ERROR, "timer runner: every kind is \"<service>.<what>\"",
                 HF_KV_STR("timers", def->service));
        runner_free(r);
        return NULL;
    }
    r->fn = def->fn;
    r->user = def->user;
    r->batch = def->batch > 0 ? def->batch : DEFAULT_BATCH;
    r->max_attempts = def->max_attempts > 0 ? def->max_attempts : DEFAULT_MAX_ATTEMPTS;
    r->retry_first_ms = def->retry_first_ms > 0 ? def->retry_first_ms : DEFAULT_RETRY_FIRST_MS;
    r->retry_max_ms = def->retry_max_ms > 0 ? def->retry_max_ms : DEFAULT_RETRY_MAX_MS;
    r->idle_ms = def->idle_ms > 0 ? def->idle_ms : DEFAULT_IDLE_MS;
    snprintf(r->batch_text, sizeof(r->batch_text), "%d", r->batch);
    snprintf(r->keep_text, sizeof(r->keep_text), "%d",
             def->keep_fired_s > 0 ? def->keep_fired_s : HF_TIMER_KEEP_FIRED_S);
    char labels[64], name[64], channel[64];
    snprintf(labels, sizeof(labels), "service=\"%s\"", r->service);
    r->due = hf_metrics_gauge("hf_timers_due", "Timers due now, not yet fired", labels);
    r->dead = hf_metrics_gauge("hf_timers_dead", "Timers dead, waiting for an operator", labels);
    r->lag = hf_metrics_gauge("hf_timers_lag_seconds",
                              "How long the oldest timer due now has been due", labels);
    r->shift = hf_metrics_gauge("hf_timers_clock_shift_seconds",
                                "The timers' clock shift (timers.advance); 0 in production",
                                NULL);
    snprintf(name, sizeof(name), "timers %s", r->service);
    snprintf(channel, sizeof(channel), "hf_timers_%s", r->service);
    const hf_loop_def_t ld = { .name = name, .step = runner_step, .user = r,
                               .idle_ms = r->idle_ms, .listen = 1, .channel = channel };
    if (!(r->loop = hf_loop_start(conninfo, &ld))) {
        runner_free(r);
        return NULL;
    }
    return r;
}

void hf_timer_runner_stop(hf_timer_runner_t **rp)
{
    if (!rp || !*rp)
        return;
    hf_loop_stop(&(*rp)->loop);
    runner_free(*rp);
    *rp = NULL;
}
