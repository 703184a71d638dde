/* tests/integration/events_fixture.h - a database with the events schema, and events in it
 *
 * Shared by the outbox relay and durable consumer tests. The functions fail
 * the running cmocka test when PostgreSQL does.
 */
#ifndef HF_EVENTS_FIXTURE_H
#define HF_EVENTS_FIXTURE_H

#include <stdint.h>
#include <libpq-fe.h>

#include "hf/arena.h"
#include "hf/crypto.h"
#include "hf/db.h"
#include "hf/store.h"

#define FX_TRACEPARENT "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

/* A fresh database (tl_db_create) with the events migrations applied.
 * Returns its conninfo (malloc'd; fx_events_db_drop() it), or NULL. */
char *fx_events_db(const char *prefix);
/* fx_events_db() with the test's own tables made by sql (one or more
 * statements). Returns its conninfo, or NULL. */
char *fx_events_db_with(const char *prefix, const char *sql);
/* Drop the database, free *dsn and set it to NULL. Accepts NULL. */
void fx_events_db_drop(char **dsn);

/* A new connection to dsn. */
PGconn *fx_conn(const char *dsn);

/* Append an event of tenant "t1" from "/hrflow/test" with FX_TRACEPARENT on
 * c (in c's transaction, if one is open). Returns its id. */
int64_t fx_append(PGconn *c, const char *type, const char *subject, const char *data_json);

/* A service's store on a fresh database: the events migrations, then the
 * service's own (as the service migrates them), a connection, a keyring of
 * fixed test keys (k1 and hmac) and an arena. */
typedef struct {
    char *dsn;
    PGconn *db;
    hf_keyring_t *keys;
    hf_arena_t *arena;
} fx_service_t;

/* Open fx for component's n migrations m on a database named after prefix.
 * Returns 0, or -1 (the reason on stderr) with what was made closed. */
int fx_service_open(fx_service_t *fx, const char *prefix, const char *component,
                    const hf_migration_t *m, size_t n);
/* Close and drop what fx_service_open made. Accepts a closed fx. */
void fx_service_close(fx_service_t *fx);
/* A store of tenant on fx (actor "key:test"), as hf_store_init. */
hf_store_t fx_service_store(fx_service_t *fx, const char *tenant);

#endif
