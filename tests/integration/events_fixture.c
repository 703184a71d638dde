/* tests/integration/events_fixture.c - a database with the events schema, and events in it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_fixture.h"
#include "hf/db.h"
#include "hf/outbox.h"
#include "testlib.h"

#define FX_KEY_1F "1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f"
#define FX_KEY_2E "2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e"

char *fx_events_db(const char *prefix)
{
    char err[256];
    char *dsn = tl_db_create(prefix);
    PGconn *c = dsn ? hf_db_connect(dsn, 5, err, sizeof(err)) : NULL;
    int rc = c ? hf_db_migrate(c, "events", hf_events_migrations, hf_events_migrations_count,
                               err, sizeof(err))
               : -1;
    PQfinish(c);
    if (rc < 0)
        fx_events_db_drop(&dsn);
    return dsn;
}

char *fx_events_db_with(const char *prefix, const char *sql)
{
    char err[256];
    char *dsn = fx_events_db(prefix);
    PGconn *c = dsn ? hf_db_connect(dsn, 5, err, sizeof(err)) : NULL;
    PGresult *r = c ? PQexec(c, sql) : NULL;
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fx_events_db_drop(&dsn);
    PQclear(r);
    PQfinish(c);
    return dsn;
}

void fx_events_db_drop(char **dsn)
{
    if (!dsn || !*dsn)
        return;
    tl_db_drop(*dsn);
    free(*dsn);
    *dsn = NULL;
}

PGconn *fx_conn(const char *dsn)
{
    char err[256];
    PGconn *c = hf_db_connect(dsn, 5, err, sizeof(err));
    assert_non_null(c);
    return c;
}

int64_t fx_append(PGconn *c, const char *type, const char *subject, const char *data_json)
{
    hf_outbox_event_t e = { .tenant_id = "t1", .source = "/hrflow/test", .type = type,
                            .subject = subject, .data_json = data_json,
                            .traceparent = FX_TRACEPARENT };
    int64_t id = 0;
    assert_int_equal(hf_outbox_append(c, &e, &id), 0);
    return id;
}

int fx_service_open(fx_service_t *fx, const char *prefix, const char *component,
                    const hf_migration_t *m, size_t n)
{
    char err[256] = "";
    memset(fx, 0, sizeof(*fx));
    if ((fx->dsn = fx_events_db(prefix)) && (fx->db = hf_db_connect(fx->dsn, 5, err, sizeof(err))) &&
        hf_db_migrate(fx->db, component, m, n, err, sizeof(err)) >= 0 &&
        (fx->keys = hf_keyring_new("k1:" FX_KEY_1F ",hmac:" FX_KEY_2E, NULL, 0)) &&
        (fx->arena = hf_arena_new(4096)))
        return 0;
    fprintf(stderr, "cannot open the %s store: %s\n", component, err);
    fx_service_close(fx);
    return -1;
}

void fx_service_close(fx_service_t *fx)
{
    hf_arena_destroy(&fx->arena);
    hf_keyring_destroy(&fx->keys);
    PQfinish(fx->db);
    fx->db = NULL;
    fx_events_db_drop(&fx->dsn);
}

hf_store_t fx_service_store(fx_service_t *fx, const char *tenant)
{
    hf_store_t st;
    hf_store_init(&st, fx->db, fx->arena, tenant, fx->keys);
    st.actor = "key:test";
    return st;
}
