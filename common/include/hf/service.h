/* hf/service.h - the runtime every hrflow service's main() hands over to
 *
 * A service is a worker pool behind the broker with its own PostgreSQL schema.
 * hf_service_main() does the wiring they all share: configuration from the
 * environment, JSON logs, the PostgreSQL pool, migrations, one Redis
 * connection per handler thread, the bus worker, the outbox relay, the
 * metrics listener, the personal-data keyring, the service's background
 * loops, consumers and timer runners, and SIGTERM handling (drain, stop the
 * loops, then exit 0). A service supplies its descriptor, handlers,
 * migrations and settings in one hf_service_def_t (usually through
 * HF_SERVICE_MAIN); the Health method is provided here when the service does
 * not define its own.
 */
#ifndef HF_SERVICE_H
#define HF_SERVICE_H

#include <libpq-fe.h>
#include "hf/bus.h"
#include "hf/cache.h"
#include "hf/config.h"
#include "hf/consumer.h"
#include "hf/crypto.h"
#include "hf/db.h"
#include "hf/loop.h"
#include "hf/timer.h"

#include <stdio.h>

typedef struct hf_service_def hf_service_def_t;

struct hf_service_def {
    const char *name;                             /* "pipeline" */
    const ProtobufCServiceDescriptor *descriptor;
    const hf_method_t *methods;                   /* Health may be omitted */
    size_t n_methods;
    const hf_migration_t *migrations;
    size_t n_migrations;
    /* Settings of this service beyond the common ones (may be NULL): they
     * appear in --help and load like the others. */
    const hf_config_var_t *settings;
    size_t n_settings;
    /* 1: the service keeps personal data or has lists (their page tokens
     * are sealed with the keyring, hf/store.h). HF_PII_KEYS is then one of
     * its settings, checked at start, and hf_service_keys() (and every
     * hf_store_t) carries the keyring (docs/security.md). */
    int pii;
    /* Called before serving (after migrations; not for --migrate, which
     * needs no more than the database), may be NULL: check what the settings
     * describe and start the service's loops (hf_service_loop,
     * hf_service_consumer, hf_service_timers). Returns 0, or -1 after
     * logging why, and the process exits 2. */
    int (*init)(void);
    /* Called on SIGTERM after the worker has drained and the loops have
     * stopped, before ZeroMQ shuts down (a socket still open would hold it),
     * may be NULL: release what init made. */
    void (*stop)(void);
    /* A command line beside the service, may be NULL: called first with the
     * process's arguments; returns an exit code when argv[1] names one of its
     * commands, or -1 to run the service. */
    int (*command)(const hf_service_def_t *def, int argc, char **argv);
    /* More --help text after the settings, may be NULL. */
    void (*usage)(FILE *out);
};

/* Run the service until SIGTERM/SIGINT. argv may hold `--migrate` (apply
 * migrations and exit) or `--help` (print the configuration table).
 * Returns the process exit code. */
int hf_service_main(const hf_service_def_t *def, int argc, char **argv);

/* The whole main() of a service: its name (the migrations tools/embed_sql.py
 * embedded as <name>_migrations, see services/<name>/meson.build), its
 * protobuf service descriptor, its method table, and any further fields of
 * hf_service_def_t as designated initializers:
 *     HF_SERVICE_MAIN(pipeline, hrflow__v1__pipeline__descriptor, methods,
 *                     .settings = settings, .n_settings = N, .pii = 1,
 *                     .init = pipeline_init) */
#define HF_SERVICE_MAIN(svc_name, svc_descriptor, svc_methods, ...)                       \
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
            __VA_ARGS__                                                                   \
        };                                                                                \
        return hf_service_main(&def, argc, argv);                                         \
    }

/* For handlers: a PostgreSQL connection from the pool, held until the reply
 * is sent (then released, rolled back if a transaction was left open).
 * Returns NULL when the database is unreachable; the handler then fails with
 * UNAVAILABLE. Handlers normally get it through hf_store_open (hf/store.h). */
PGconn *hf_service_db(hf_call_t *call);

/* The common settings HF_PG_DSN and HF_BROKERS, for a service's own
 * connections (valid from the init hook on). */
const char *hf_service_pg_dsn(void);
const char *hf_service_brokers(void);

/* The service's personal-data keyring (def.pii), or NULL (valid from the
 * init hook until the process ends). */
const hf_keyring_t *hf_service_keys(void);

/* For handlers: ask another service, on behalf of the same caller. Calls
 * service.method with req, forwarding the request's Caller (tenant,
 * companies, scopes, actor: the asked service applies the same walls), its
 * trace (a child span) and what is left of its deadline, over this thread's
 * own bus client (made on first use, on HF_BROKERS). Returns 0 and sets
 * *reply (decoded with reply_desc into the call's arena: nothing to free),
 * or the bus error code (> 0) with *reply NULL, leaving the call unfailed:
 * the handler decides what an answer means to its caller (a NOT_FOUND of a
 * referenced id is the caller's 422; hf_service_ask_fail maps the rest).
 * The asked method must not ask back, directly or not: both would hold a
 * handler thread while waiting for the other. */
int hf_service_ask(hf_call_t *call, const char *service, const char *method,
                   const ProtobufCMessage *req, const ProtobufCMessageDescriptor *reply_desc,
                   ProtobufCMessage **reply);

/* For background threads (a consumer, a loop, a timer): ask another service
 * on a tenant's behalf, as the tenant's whole group with the recruiter scope
 * and the actor "system:<this service>", waiting up to timeout_ms. The
 * thread's own bus client is made on first use (on HF_BROKERS) and closed
 * when the thread ends. Returns 0 and sets *reply (free it with
 * protobuf_c_message_free_unpacked(*reply, NULL)), or the bus error code
 * (> 0) with *reply NULL; a failure other than NOT_FOUND is logged (names
 * and codes, never data). */
int hf_service_ask_system(const char *tenant, const char *service, const char *method,
                          const ProtobufCMessage *req, const ProtobufCMessageDescriptor *reply_desc,
                          int timeout_ms, ProtobufCMessage **reply);

/* Fail the call for an hf_service_ask code that is not an answer about the
 * data: UNAVAILABLE "<service> is unavailable" (DEADLINE_EXCEEDED, OVERLOADED
 * and UNAVAILABLE keep their code), anything else INTERNAL with the reason
 * logged. Returns -1, for `return hf_service_ask_fail(...)`. */
int hf_service_ask_fail(hf_call_t *call, const char *service, int code);

/* For handlers: this thread's Redis connection (never NULL). */
hf_cache_t *hf_service_cache(hf_call_t *call);

/* Start a background loop (hf/loop.h) on its own connection to HF_PG_DSN,
 * stopped by the runtime on SIGTERM after the worker has drained, in the
 * reverse order of starting. Call from the init hook. Returns 0, or -1
 * (logged). */
int hf_service_loop(const hf_loop_def_t *def);

/* Start a durable event consumer (hf/consumer.h) the same way: poll_ms 0. */
int hf_service_consumer(const char *name, const char *const *type_prefixes, hf_consumer_fn fn,
                        void *user);
/* The same with a handler of whole batches (hf_consumer_start_batch). */
int hf_service_consumer_batch(const char *name, const char *const *type_prefixes,
                              hf_consumer_batch_fn fn, void *user);
/* The same with events of keys only (hf_consumer_start_keys). */
int hf_service_consumer_keys(const char *name, const char *const *type_prefixes,
                             hf_consumer_batch_fn fn, void *user);

/* Start a timer runner (hf/timer.h) for this service's timers of the given
 * kinds ("<service>.<what>", NULL-terminated; NULL = every kind of the
 * service) with the default batch, retries and keeping, stopped like the
 * loops. Call from the init hook. Returns 0, or -1 (logged; also for a kind
 * of another service). */
int hf_service_timers(const char *const *kinds, hf_timer_fn fn, void *user);

/* The Health handler every service gets: checks PostgreSQL and Redis. */
int hf_service_health(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply);

#endif
