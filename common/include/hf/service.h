/* hf/service.h - the runtime every hrflow service's main() hands over to
 *
 * A service is a worker pool behind the broker with its own PostgreSQL schema.
 * hf_service_main() does the wiring they all share: configuration from the
 * environment, JSON logs, the PostgreSQL pool, migrations, one Redis
 * connection per handler thread, the bus worker, the outbox relay, the
 * metrics listener, and SIGTERM handling (drain, then exit 0). A service
 * supplies its descriptor, handlers and migrations; the Health method is
 * provided here when the service does not define its own.
 */
#ifndef HF_SERVICE_H
#define HF_SERVICE_H

#include <libpq-fe.h>
#include "hf/bus.h"
#include "hf/cache.h"
#include "hf/config.h"
#include "hf/db.h"

typedef struct {
    const char *name;                             /* "pipeline" */
    const ProtobufCServiceDescriptor *descriptor;
    const hf_method_t *methods;                   /* Health may be omitted */
    size_t n_methods;
    const hf_migration_t *migrations;
    size_t n_migrations;
    /* Settings of this service beyond the common ones (may be NULL): they
     * appear in --help and load like the others. */
    const hf_config_var_t *extra_vars;
    size_t n_extra_vars;
    /* Called before serving (after migrations; not for --migrate, which
     * needs no more than the database), may be NULL: check and prepare what
     * the extra settings describe. Returns 0, or -1 after logging why, and
     * the process exits 2. */
    int (*init)(void);
    /* Called on SIGTERM after the worker has drained, before the bus and the
     * database pool close, may be NULL: stop what init started (background
     * threads, their bus sockets), letting work in hand finish. */
    void (*stop)(void);
} hf_service_def_t;

/* Run the service until SIGTERM/SIGINT. argv may hold `--migrate` (apply
 * migrations and exit) or `--help` (print the configuration table).
 * Returns the process exit code. */
int hf_service_main(const hf_service_def_t *def, int argc, char **argv);

/* main() of a service whose migrations tools/embed_sql.py embedded as
 * <name>_migrations (see services/<name>/meson.build). */
#define HF_SERVICE_MAIN(svc_name, svc_descriptor, svc_methods)                           \
    extern const hf_migration_t svc_name##_migrations[];                                  \
    extern const size_t svc_name##_migrations_count;                                      \
    int main(int argc, char **argv)                                                       \
    {                                                                                     \
        const hf_service_def_t def = {                                                    \
            .name = #svc_name,                                                            \
            .descriptor = &(svc_descriptor),                                              \
            .methods = (svc_methods),                                                     \
            .n_methods = sizeof(svc_methods) / sizeof((svc_methods)[0]),                  \
            .migrations = svc_name##_migrations,                                          \
            .n_migrations = svc_name##_migrations_count,                                  \
        };                                                                                \
        return hf_service_main(&def, argc, argv);                                         \
    }

/* For handlers: a PostgreSQL connection from the pool, held until the reply
 * is sent (then released, rolled back if a transaction was left open).
 * Returns NULL when the database is unreachable; the handler then fails with
 * UNAVAILABLE. */
PGconn *hf_service_db(hf_call_t *call);

/* The common settings HF_PG_DSN and HF_BROKERS, for a service's own
 * background threads (valid from the init hook on). */
const char *hf_service_pg_dsn(void);
const char *hf_service_brokers(void);

/* For handlers: this thread's Redis connection (never NULL). */
hf_cache_t *hf_service_cache(hf_call_t *call);

/* For list handlers: the page a request asks for, page_size bounded to
 * 1..500 (0 = 50) and page_token a UUID cursor this service handed out
 * (the gateway signs it for the client). Returns 0, or fails the call with
 * INVALID_ARGUMENT (detail at page_token) and returns -1. */
int hf_service_page(hf_call_t *call, uint32_t page_size, const char *page_token,
                    hf_db_page_t *page);

/* The Health handler every service gets: checks PostgreSQL and Redis. */
int hf_service_health(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply);

#endif
