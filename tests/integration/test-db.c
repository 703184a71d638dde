/* tests/integration/test-db.c - the pool, transactions and the migration runner on real PostgreSQL */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hf/arena.h"
#include "hf/crypto.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/store.h"
#include "testlib.h"

static char *dsn;

/* Test keys (64 hex digits): the keyring that seals page tokens. */
#define KEY_1F "1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f"
#define KEY_2E "2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e"

static int group_setup(void **state)
{
    (void)state;
    hf_log_init("test-db", HF_LOG_ERROR);
    dsn = tl_db_create("hf_test_db");
    return dsn ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    tl_db_drop(dsn);
    free(dsn);
    return 0;
}

static long count(PGconn *c, const char *sql)
{
    PGresult *r = hf_db_query(c, sql, 0, NULL);
    assert_non_null(r);
    long n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return n;
}

static void test_parameterised_query(void **state)
{
    (void)state;
    char err[256];
    PGconn *c = hf_db_connect(dsn, 5, err, sizeof(err));
    assert_non_null(c);
    /* a value that would break spliced SQL is only ever a parameter */
    const char *p[] = { "x'); DROP TABLE t; --", "张三" };
    PGresult *r = hf_db_query(c, "SELECT $1::text || '|' || $2::text", 2, p);
    assert_non_null(r);
    assert_string_equal(PQgetvalue(r, 0, 0), "x'); DROP TABLE t; --|张三");
    PQclear(r);
    char state_[6];
    assert_int_equal(hf_db_exec(c, "SELECT 1/0", 0, NULL, state_), -1);
    assert_string_equal(state_, "22012"); /* division_by_zero */
    PQfinish(c);
}

/* a connection is named after the service, unless its DSN names it */
static void test_connections_are_named_after_the_service(void **state)
{
    (void)state;
    char err[256];
    PGconn *c = hf_db_connect(dsn, 5, err, sizeof(err));
    assert_non_null(c);
    PGresult *r = hf_db_query(c, "SHOW application_name", 0, NULL);
    assert_non_null(r);
    assert_string_equal(PQgetvalue(r, 0, 0), "test-db");
    PQclear(r);
    PQfinish(c);
    size_t n = strlen(dsn) + 32;
    char *named = malloc(n);
    assert_non_null(named);
    snprintf(named, n, "%s application_name=ops", dsn);
    assert_non_null(c = hf_db_connect(named, 5, err, sizeof(err)));
    free(named);
    assert_non_null(r = hf_db_query(c, "SHOW application_name", 0, NULL));
    assert_string_equal(PQgetvalue(r, 0, 0), "ops");
    PQclear(r);
    PQfinish(c);
}

/* a column of values as one array parameter, whatever they hold */
static void test_array_parameter_round_trips(void **state)
{
    (void)state;
    char err[256];
    PGconn *c = hf_db_connect(dsn, 5, err, sizeof(err));
    assert_non_null(c);
    const char *items[] = { "plain", "", "a \"quoted\" word", "back\\slash", "{braces},commas",
                            NULL, "NULL", "张三 ' x" };
    size_t n = sizeof(items) / sizeof(items[0]);
    char *arr = hf_db_array(items, n);
    assert_non_null(arr);
    const char *p[] = { arr };
    PGresult *r = hf_db_query(c, "SELECT x, x IS NULL FROM unnest($1::text[]) WITH ORDINALITY"
                                 " AS u(x, i) ORDER BY i", 1, p);
    assert_non_null(r);
    assert_int_equal(PQntuples(r), (int)n);
    for (size_t i = 0; i < n; i++) {
        if (!items[i]) {
            assert_string_equal(PQgetvalue(r, (int)i, 1), "t");
            continue;
        }
        assert_string_equal(PQgetvalue(r, (int)i, 0), items[i]);
    }
    PQclear(r);
    free(arr);
    arr = hf_db_array(items, 0);
    assert_string_equal(arr, "{}");
    free(arr);
    PQfinish(c);
}

static void test_pool_reuse_and_rollback(void **state)
{
    (void)state;
    hf_db_pool_t *p = hf_db_pool_new(dsn, 2, 5);
    char err[256];
    PGconn *a = hf_db_acquire(p, 1000, err, sizeof(err));
    assert_non_null(a);
    assert_int_equal(hf_db_exec(a, "CREATE TABLE IF NOT EXISTS pool_t (v int)", 0, NULL, NULL), 0);
    /* a transaction left open is rolled back on release */
    assert_int_equal(hf_db_begin(a), 0);
    assert_int_equal(hf_db_exec(a, "INSERT INTO pool_t VALUES (1)", 0, NULL, NULL), 0);
    PGconn *kept = a;
    hf_db_release(p, &a);
    assert_null(a);
    PGconn *b = hf_db_acquire(p, 1000, err, sizeof(err));
    assert_ptr_equal(b, kept); /* the open connection is preferred */
    assert_int_equal(PQtransactionStatus(b), PQTRANS_IDLE);
    assert_int_equal(count(b, "SELECT count(*) FROM pool_t"), 0);
    /* both slots busy: the third caller times out with a reason */
    PGconn *c2 = hf_db_acquire(p, 1000, err, sizeof(err));
    assert_non_null(c2);
    long long t0 = tl_ms();
    assert_null(hf_db_acquire(p, 200, err, sizeof(err)));
    assert_true(tl_ms() - t0 >= 190);
    assert_non_null(strstr(err, "no database connection free"));
    hf_db_release(p, &b);
    hf_db_release(p, &c2);
    hf_db_pool_destroy(&p);
    assert_null(p);
}

/* begin inside a transaction is a savepoint: an inner rollback undoes only
 * the inner step, an inner commit keeps it for the outer one to decide */
static void test_nested_transactions(void **state)
{
    (void)state;
    hf_db_pool_t *p = hf_db_pool_new(dsn, 1, 5);
    char err[256];
    PGconn *c = hf_db_acquire(p, 1000, err, sizeof(err));
    assert_non_null(c);
    assert_int_equal(hf_db_exec(c, "CREATE TABLE nest_t (v int UNIQUE)", 0, NULL, NULL), 0);
    assert_int_equal(hf_db_depth(c), 0);
    assert_int_equal(hf_db_begin(c), 0);
    assert_int_equal(hf_db_exec(c, "INSERT INTO nest_t VALUES (1)", 0, NULL, NULL), 0);
    assert_int_equal(hf_db_begin(c), 0); /* a step that succeeds */
    assert_int_equal(hf_db_depth(c), 2);
    assert_int_equal(hf_db_exec(c, "INSERT INTO nest_t VALUES (2)", 0, NULL, NULL), 0);
    assert_int_equal(hf_db_commit(c), 0);
    assert_int_equal(PQtransactionStatus(c), PQTRANS_INTRANS); /* outer still open */
    assert_int_equal(hf_db_begin(c), 0); /* a step that fails on a statement */
    assert_int_equal(hf_db_exec(c, "INSERT INTO nest_t VALUES (3)", 0, NULL, NULL), 0);
    assert_int_equal(hf_db_exec(c, "INSERT INTO nest_t VALUES (1)", 0, NULL, NULL), -1);
    assert_int_equal(hf_db_rollback(c), 0);
    assert_int_equal(PQtransactionStatus(c), PQTRANS_INTRANS); /* usable again */
    assert_int_equal(hf_db_begin(c), 0); /* nested twice, then undone */
    assert_int_equal(hf_db_begin(c), 0);
    assert_int_equal(hf_db_exec(c, "INSERT INTO nest_t VALUES (4)", 0, NULL, NULL), 0);
    assert_int_equal(hf_db_commit(c), 0);
    assert_int_equal(hf_db_rollback(c), 0);
    assert_int_equal(hf_db_depth(c), 1);
    assert_int_equal(hf_db_commit(c), 0);
    assert_int_equal(hf_db_depth(c), 0);
    assert_int_equal(count(c, "SELECT count(*) FROM nest_t"), 2);
    assert_int_equal(count(c, "SELECT sum(v) FROM nest_t"), 3);
    /* an outer rollback undoes committed inner steps */
    assert_int_equal(hf_db_begin(c), 0);
    assert_int_equal(hf_db_begin(c), 0);
    assert_int_equal(hf_db_exec(c, "INSERT INTO nest_t VALUES (5)", 0, NULL, NULL), 0);
    assert_int_equal(hf_db_commit(c), 0);
    assert_int_equal(hf_db_rollback(c), 0);
    assert_int_equal(count(c, "SELECT count(*) FROM nest_t"), 2);
    /* released two levels deep: the pool rolls all of it back and resets */
    assert_int_equal(hf_db_begin(c), 0);
    assert_int_equal(hf_db_begin(c), 0);
    assert_int_equal(hf_db_exec(c, "INSERT INTO nest_t VALUES (6)", 0, NULL, NULL), 0);
    PGconn *kept = c;
    hf_db_release(p, &c);
    c = hf_db_acquire(p, 1000, err, sizeof(err));
    assert_ptr_equal(c, kept);
    assert_int_equal(PQtransactionStatus(c), PQTRANS_IDLE);
    assert_int_equal(hf_db_depth(c), 0);
    assert_int_equal(count(c, "SELECT count(*) FROM nest_t"), 2);
    assert_int_equal(hf_db_exec(c, "DROP TABLE nest_t", 0, NULL, NULL), 0);
    hf_db_release(p, &c);
    hf_db_pool_destroy(&p);
}

static void test_pool_survives_killed_backend(void **state)
{
    (void)state;
    hf_db_pool_t *p = hf_db_pool_new(dsn, 1, 5);
    char err[256];
    PGconn *a = hf_db_acquire(p, 1000, err, sizeof(err));
    int pid = PQbackendPID(a);
    char sql[64];
    snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", pid);
    PGconn *admin = hf_db_connect(dsn, 5, err, sizeof(err));
    PQclear(hf_db_query(admin, sql, 0, NULL));
    PQfinish(admin);
    usleep(100000);
    assert_null(hf_db_query(a, "SELECT 1", 0, NULL)); /* the broken connection fails */
    hf_db_release(p, &a);                              /* ... and is dropped */
    PGconn *b = hf_db_acquire(p, 1000, err, sizeof(err));
    assert_non_null(b);
    assert_int_equal(count(b, "SELECT 1"), 1);
    hf_db_release(p, &b);
    hf_db_pool_destroy(&p);
}

static const hf_migration_t migrations[] = {
    /* not idempotent on purpose: a second run would fail or double the row */
    { 1, "0001_create.sql", "CREATE TABLE mig_t (id int PRIMARY KEY, note text);"
                            "INSERT INTO mig_t VALUES (1, 'first');" },
    { 2, "0002_slow.sql", "SELECT pg_sleep(0.2); INSERT INTO mig_t VALUES (2, 'second');" },
    { 3, "0003_alter.sql", "ALTER TABLE mig_t ADD COLUMN extra int;" },
};

static int migrate_child(void)
{
    char err[512];
    PGconn *c = hf_db_connect(dsn, 5, err, sizeof(err));
    if (!c)
        return 2;
    int n = hf_db_migrate(c, "testsvc", migrations, 3, err, sizeof(err));
    PQfinish(c);
    if (n < 0)
        fprintf(stderr, "migrate: %s\n", err);
    return n < 0 ? 1 : 10 + n; /* exit code says how many this process applied */
}

static void test_concurrent_migrations_apply_once(void **state)
{
    (void)state;
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        if (kids[i] == 0)
            _exit(migrate_child());
    }
    int applied = 0;
    for (int i = 0; i < 3; i++) {
        int st;
        waitpid(kids[i], &st, 0);
        assert_true(WIFEXITED(st));
        assert_true(WEXITSTATUS(st) >= 10); /* every process succeeded */
        applied += WEXITSTATUS(st) - 10;
    }
    assert_int_equal(applied, 3); /* each migration ran in exactly one process */
    char err[256];
    PGconn *c = hf_db_connect(dsn, 5, err, sizeof(err));
    assert_int_equal(count(c, "SELECT count(*) FROM mig_t"), 2);
    assert_int_equal(count(c, "SELECT count(*) FROM hf_migrations WHERE component = 'testsvc'"), 3);
    /* running again applies nothing */
    assert_int_equal(hf_db_migrate(c, "testsvc", migrations, 3, err, sizeof(err)), 0);
    PQfinish(c);
}

static void test_changed_migration_is_refused(void **state)
{
    (void)state;
    char err[512];
    PGconn *c = hf_db_connect(dsn, 5, err, sizeof(err));
    hf_migration_t edited[3];
    memcpy(edited, migrations, sizeof(edited));
    edited[0].sql = "CREATE TABLE mig_t (id int);"; /* someone edited an applied file */
    assert_int_equal(hf_db_migrate(c, "testsvc", edited, 3, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "checksum mismatch"));
    PQfinish(c);
}

static void test_failed_migration_changes_nothing(void **state)
{
    (void)state;
    const hf_migration_t bad[] = {
        { 1, "0001_ok.sql", "CREATE TABLE bad_t (id int);" },
        { 2, "0002_broken.sql", "INSERT INTO bad_t VALUES (1); SELECT nosuchcolumn FROM bad_t;" },
    };
    char err[512];
    PGconn *c = hf_db_connect(dsn, 5, err, sizeof(err));
    assert_int_equal(hf_db_migrate(c, "badsvc", bad, 2, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "badsvc/2"));
    /* 0001 stays applied; 0002's insert was rolled back with it */
    assert_int_equal(count(c, "SELECT count(*) FROM bad_t"), 0);
    assert_int_equal(count(c, "SELECT count(*) FROM hf_migrations WHERE component = 'badsvc'"), 1);
    /* out-of-order numbering is refused before anything runs */
    const hf_migration_t unordered[] = { { 2, "0002_a.sql", "SELECT 1" }, { 1, "0001_b.sql", "SELECT 1" } };
    assert_int_equal(hf_db_migrate(c, "x", unordered, 2, err, sizeof(err)), -1);
    PQfinish(c);
}

/* A keyset walk in creation order sees every row that existed when it began
 * exactly once, in order, while rows are added between pages: ties on the
 * create time, times a microsecond apart, and a time before 1970. */
static void test_page_query_walks_creation_order_while_rows_are_added(void **state)
{
    (void)state;
    char err[256];
    PGconn *c = hf_db_connect(dsn, 5, err, sizeof(err));
    assert_non_null(c);
    assert_int_equal(hf_db_exec(c,
                                "CREATE TABLE paged (tenant_id uuid NOT NULL, id uuid NOT NULL,"
                                " create_time timestamptz NOT NULL, PRIMARY KEY (tenant_id, id))",
                                0, NULL, NULL), 0);
    assert_int_equal(hf_db_exec(c, "CREATE INDEX paged_created ON paged (tenant_id, create_time, id)",
                                0, NULL, NULL), 0);
    assert_int_equal(hf_db_exec(c,
                                "INSERT INTO paged SELECT '00000000-0000-0000-0000-00000000000a',"
                                " gen_random_uuid(), CASE WHEN g <= 20 THEN"
                                " timestamptz '2026-01-01 00:00:00+00' WHEN g <= 25 THEN"
                                " timestamptz '2026-01-01 00:00:00+00' + g * interval '1 microsecond'"
                                " ELSE timestamptz '1969-12-31 23:59:59.999999+00' END"
                                " FROM generate_series(1, 27) g",
                                0, NULL, NULL), 0);
    /* another tenant's rows never appear */
    assert_int_equal(hf_db_exec(c,
                                "INSERT INTO paged SELECT gen_random_uuid(), gen_random_uuid(),"
                                " now() FROM generate_series(1, 5)",
                                0, NULL, NULL), 0);
    PGresult *all = hf_db_query(c,
                                "SELECT id FROM paged WHERE tenant_id ="
                                " '00000000-0000-0000-0000-00000000000a' ORDER BY create_time, id",
                                0, NULL);
    assert_non_null(all);
    int n_all = PQntuples(all);
    assert_int_equal(n_all, 27);
    const char *sql = "SELECT id, " HF_MICROS("create_time") " FROM paged WHERE tenant_id = $1"
                      " AND (create_time, id) > ($2::timestamptz, $3::uuid)"
                      " ORDER BY create_time, id LIMIT $4::int";
    const char *tenant = "00000000-0000-0000-0000-00000000000a";
    hf_keyring_t *keys = hf_keyring_new("k1:" KEY_1F ",hmac:" KEY_2E, NULL, 0);
    hf_arena_t *arena = hf_arena_new(0);
    hf_store_t st;
    hf_store_init(&st, c, arena, tenant, keys);
    hf_page_t page;
    assert_int_equal(hf_page_open(&st, 4, "", NULL, &page), 0);
    char seen[64][40];
    int n_seen = 0, pages = 0;
    for (;;) {
        const char *p[4] = { tenant };
        PGresult *r = hf_page_query(&st, sql, 4, p, 1, &page);
        assert_non_null(r);
        for (int i = 0; i < PQntuples(r) && i < (int)page.size; i++) {
            assert_true(n_seen < 64);
            snprintf(seen[n_seen++], sizeof(seen[0]), "%s", PQgetvalue(r, i, 0));
        }
        PQclear(r);
        pages++;
        /* someone adds two rows between every two pages */
        assert_int_equal(hf_db_exec(c,
                                    "INSERT INTO paged SELECT '00000000-0000-0000-0000-00000000000a',"
                                    " gen_random_uuid(), clock_timestamp() FROM generate_series(1, 2)",
                                    0, NULL, NULL), 0);
        if (!page.next[0] || n_seen >= 60)
            break;
        /* the token does not show the last row it stands for */
        assert_null(strstr(page.next, seen[n_seen - 1]));
        char next[HF_PAGE_TOKEN_MAX];
        snprintf(next, sizeof(next), "%s", page.next);
        assert_int_equal(hf_page_open(&st, 4, next, NULL, &page), 0);
        assert_false(page.first);
        assert_string_equal(page.after_id, seen[n_seen - 1]);
    }
    assert_true(pages > 6);
    /* the rows that existed come first, each once, in order; no row twice */
    assert_true(n_seen >= n_all);
    for (int i = 0; i < n_all; i++)
        assert_string_equal(seen[i], PQgetvalue(all, i, 0));
    for (int i = 0; i < n_seen; i++)
        for (int k = 0; k < i; k++)
            assert_string_not_equal(seen[i], seen[k]);
    PQclear(all);
    hf_arena_destroy(&arena);
    hf_keyring_destroy(&keys);
    PQfinish(c);
}

int main(void)
{
    tl_env("HF_TEST_PG_DSN");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parameterised_query),
        cmocka_unit_test(test_connections_are_named_after_the_service),
        cmocka_unit_test(test_array_parameter_round_trips),
        cmocka_unit_test(test_pool_reuse_and_rollback),
        cmocka_unit_test(test_nested_transactions),
        cmocka_unit_test(test_pool_survives_killed_backend),
        cmocka_unit_test(test_concurrent_migrations_apply_once),
        cmocka_unit_test(test_changed_migration_is_refused),
        cmocka_unit_test(test_failed_migration_changes_nothing),
        cmocka_unit_test(test_page_query_walks_creation_order_while_rows_are_added),
    };
    return cmocka_run_group_tests_name("db", tests, group_setup, group_teardown);
}
