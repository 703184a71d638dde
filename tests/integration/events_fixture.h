/* tests/integration/events_fixture.h - a database with the events schema, and events in it
 *
 * Shared by the outbox relay and durable consumer tests. The functions fail
 * the running cmocka test when PostgreSQL does.
 */
#ifndef HF_EVENTS_FIXTURE_H
#define HF_EVENTS_FIXTURE_H

#include <stdint.h>
#include <libpq-fe.h>

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

#endif
