/* hf/db.h - PostgreSQL: connection pool, queries, transactions, migrations
 *
 * libpq underneath. The pool is shared by the threads of a process; a
 * connection is acquired for one unit of work and released right after, and
 * a broken one is reset on release so the next user gets a working one.
 * Every statement is parameterised ($1, $2 …): there is no function here
 * that splices values into SQL text.
 */
#ifndef HF_DB_H
#define HF_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include "hf/encoding.h" /* hf_uuid_valid(): an id is checked before it becomes $n::uuid */

typedef struct hf_db_pool hf_db_pool_t;

/* conninfo: libpq connection string. size: connections at most (opened
 * lazily). connect_timeout_s: libpq connect_timeout. Returns NULL when out of
 * memory (not when the server is down: connections open on first use). */
hf_db_pool_t *hf_db_pool_new(const char *conninfo, int size, int connect_timeout_s);

/* Close every connection and free. Accepts NULL; sets *p to NULL.
 * All connections must have been released. */
void hf_db_pool_destroy(hf_db_pool_t **p);

/* Borrow a connection, waiting up to timeout_ms for one to be free.
 * Returns NULL on timeout or when the server cannot be reached (errbuf, when
 * not NULL, says why). Give it back with hf_db_release(). */
PGconn *hf_db_acquire(hf_db_pool_t *p, int timeout_ms, char *errbuf, size_t errlen);

/* Return a connection to the pool and set *conn to NULL. A connection left
 * inside a transaction is rolled back; a broken one is closed. */
void hf_db_release(hf_db_pool_t *p, PGconn **conn);

/* Open a single connection outside any pool (migrations, LISTEN). Returns
 * NULL on failure with the reason in errbuf. Close with PQfinish(). */
PGconn *hf_db_connect(const char *conninfo, int connect_timeout_s, char *errbuf, size_t errlen);

/* Run a statement with text parameters. Returns the result when it succeeded
 * (PGRES_COMMAND_OK or PGRES_TUPLES_OK; the caller PQclear()s it), NULL on
 * error after logging the SQLSTATE and message (never the parameters). */
PGresult *hf_db_query(PGconn *c, const char *sql, int nparams, const char *const *params);

/* A PostgreSQL array literal of n strings ("{\"a\",\"b\",NULL}"), for
 * passing a column of values as one parameter ($n::text[], ::uuid[], …) to
 * set-based statements (unnest). A NULL item is SQL NULL. Returns a
 * malloc'd string, or NULL when out of memory. */
char *hf_db_array(const char *const *items, size_t n);

/* Like hf_db_query() for statements whose rows the caller does not need.
 * Returns 0, or -1 on error. sqlstate (6 bytes incl. NUL, may be NULL)
 * receives the SQLSTATE of the failure. */
int hf_db_exec(PGconn *c, const char *sql, int nparams, const char *const *params,
               char sqlstate[6]);

/* BEGIN / COMMIT / ROLLBACK. Return 0, or -1 on error. They nest: a
 * begin inside a transaction opened by hf_db_begin() is a savepoint, and
 * its commit or rollback releases or rolls back to it, leaving the outer
 * transaction open. So a function that makes one change atomically can run
 * alone or as one step of its caller's larger transaction (a batch of
 * imported rows, an event consumed with its cursor), and a failed step
 * undoes only itself. */
int hf_db_begin(PGconn *c);
int hf_db_commit(PGconn *c);
int hf_db_rollback(PGconn *c);
/* Open hf_db_begin() levels on c: 0 outside a transaction. */
int hf_db_depth(PGconn *c);

/* One numbered migration of a component. */
typedef struct {
    int version;          /* 1, 2, … from the file name NNNN_name.sql */
    const char *name;     /* "0001_init.sql" */
    const char *sql;
} hf_migration_t;

/* Apply the migrations of component (e.g. "pipeline") that are not yet
 * recorded in public.hf_migrations, in version order, each in its own
 * transaction. Safe when several replicas run it at once: a transaction-level
 * advisory lock serialises them, and a migration already applied by another
 * process is skipped. A recorded migration whose SQL changed since it was
 * applied is an error (checksum mismatch). Returns the number of migrations
 * applied (>= 0), or -1 on error with the reason in errbuf. */
int hf_db_migrate(PGconn *c, const char *component, const hf_migration_t *m, size_t n,
                  char *errbuf, size_t errlen);

#endif
