/* common/src/service.c - the shared runtime behind every service's main()
 *
 * Order of start-up: configuration, logging, signals blocked (so every thread
 * we or libmicrohttpd start inherits the mask and only the main thread takes
 * SIGTERM through sigwait), migrations (retried while PostgreSQL comes up),
 * the pool, the metrics listener, the outbox relay, the worker. Stop is the
 * reverse, with the worker draining first so no request is cut off.
 */
#include "hf/service.h"
#include "hf/config.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hf/outbox.h"
#include "hf/process.h"
#include "hf/store.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hrflow/v1/health.pb-c.h"

typedef struct {
    const char *pg_dsn, *redis_addr, *brokers, *events_pub, *metrics_addr, *log_level,
        *instance;
    long threads, prefetch, prefetch_max, pool_size, heartbeat_ms, liveness, startup_timeout_s;
    int relay;
} settings_t;

#define MAX_LOOPS 16

typedef struct {
    const hf_service_def_t *def;
    settings_t cfg;
    hf_db_pool_t *pool;
    hf_worker_t *worker;
    hf_keyring_t *keys;           /* def->pii */
    pthread_t main_thread;
    /* the service's loops and consumers, stopped in reverse order */
    hf_loop_t *loops[MAX_LOOPS];
    hf_consumer_t *consumers[MAX_LOOPS];
    hf_timer_runner_t *timers[MAX_LOOPS];
    int n_loops, n_consumers, n_timers;
} runtime_t;

typedef struct {
    hf_cache_t *cache;
    PGconn *conn;
    hf_bus_client_t *bus;         /* hf_service_ask, made on first use */
} thread_state_t;

static settings_t S;
static const char *pii_keys;

/* HF_PII_KEYS, a setting of the services that keep personal data or have
 * lists (def.pii). */
static const hf_config_var_t pii_setting = {
    "HF_PII_KEYS", HF_CONFIG_STRING, "", 0, 0,
    "keys for personal data and page tokens: id:<64 hex>,…,hmac:<64 hex> (docs/security.md)",
    &pii_keys
};

static const hf_config_var_t settings[] = {
    { "HF_PG_DSN", HF_CONFIG_STRING, "host=127.0.0.1 port=7432 user=hrflow dbname=hrflow", 0, 0,
      "PostgreSQL connection string (libpq conninfo)", &S.pg_dsn },
    { "HF_REDIS_ADDR", HF_CONFIG_STRING, "127.0.0.1:7379", 0, 0, "Redis host:port",
      &S.redis_addr },
    { "HF_BROKERS", HF_CONFIG_STRING, "tcp://127.0.0.1:7001", 0, 0,
      "broker RPC endpoints, comma-separated; connect to every broker", &S.brokers },
    { "HF_EVENTS_PUB", HF_CONFIG_STRING, "tcp://127.0.0.1:7002", 0, 0,
      "brokers' event-plane XSUB endpoints, comma-separated", &S.events_pub },
    { "HF_WORKER_THREADS", HF_CONFIG_INT, "4", 1, 256,
      "handler threads: requests this replica runs at once", &S.threads },
    { "HF_WORKER_PREFETCH", HF_CONFIG_INT, "4", 1, 1024,
      "requests a broker may hand each thread ahead, at least; capacity = threads x prefetch",
      &S.prefetch },
    { "HF_WORKER_PREFETCH_MAX", HF_CONFIG_INT, "64", 0, 1024,
      "capacity adapts between threads x HF_WORKER_PREFETCH and threads x this to the "
      "handlers' pace; 0 or at most HF_WORKER_PREFETCH = fixed",
      &S.prefetch_max },
    { "HF_DB_POOL_SIZE", HF_CONFIG_INT, "8", 1, 512,
      "PostgreSQL connections at most in this process's pool", &S.pool_size },
    { "HF_HEARTBEAT_MS", HF_CONFIG_INT, "1000", 20, 60000,
      "heartbeat interval between workers and brokers", &S.heartbeat_ms },
    { "HF_LIVENESS", HF_CONFIG_INT, "3", 2, 100,
      "missed heartbeats after which a broker is taken for dead", &S.liveness },
    { "HF_METRICS_ADDR", HF_CONFIG_STRING, "off", 0, 0,
      "host:port to serve /metrics on, or off", &S.metrics_addr },
    { "HF_LOG_LEVEL", HF_CONFIG_STRING, "info", 0, 0, "debug, info, warn or error",
      &S.log_level },
    { "HF_OUTBOX_RELAY", HF_CONFIG_BOOL, "true", 0, 0,
      "take part in the election of the outbox relay", &S.relay },
    { "HF_INSTANCE", HF_CONFIG_STRING, "auto", 0, 0,
      "this replica's name in logs and health; auto = hostname:pid", &S.instance },
    { "HF_STARTUP_TIMEOUT_S", HF_CONFIG_INT, "60", 0, 3600,
      "how long to wait for PostgreSQL at start before giving up", &S.startup_timeout_s },
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

static runtime_t *the_runtime; /* for the handlers' accessors */

/* ---- handler helpers ---- */

const char *hf_service_pg_dsn(void)
{
    return S.pg_dsn;
}

const char *hf_service_brokers(void)
{
    return S.brokers;
}

PGconn *hf_service_db(hf_call_t *call)
{
    thread_state_t *t = hf_call_thread_data(call);
    if (!t->conn) {
        char err[256];
        int64_t wait = hf_call_remaining_ms(call);
        t->conn = hf_db_acquire(the_runtime->pool, wait > 0 && wait < 2000 ? (int)wait : 2000,
                                err, sizeof(err));
        if (!t->conn)
            hf_warn("database unavailable: %s", err);
    }
    return t->conn;
}

const hf_keyring_t *hf_service_keys(void)
{
    return the_runtime ? the_runtime->keys : NULL;
}

int hf_service_ask(hf_call_t *call, const char *service, const char *method,
                   const ProtobufCMessage *req, const ProtobufCMessageDescriptor *reply_desc,
                   ProtobufCMessage **reply)
{
    *reply = NULL;
    thread_state_t *t = hf_call_thread_data(call);
    if (!t->bus && !(t->bus = hf_bus_client_new(S.brokers)))
        return HRFLOW__V1__ERROR_CODE__UNAVAILABLE;
    int64_t left = hf_call_remaining_ms(call);
    if (left <= 0)
        return HRFLOW__V1__ERROR_CODE__DEADLINE_EXCEEDED;
    const Hrflow__V1__Envelope *env = hf_call_envelope(call);
    hf_call_opts_t opts = {
        .timeout_ms = left > INT32_MAX ? INT32_MAX : (int)left,
        .caller = hf_call_caller(call),
        .traceparent = env && *env->traceparent ? env->traceparent : NULL,
    };
    hf_status_t status = { 0 };
    ProtobufCMessage *got = NULL;
    int rc = hf_bus_call(t->bus, service, method, req, reply_desc, &opts, &got, &status);
    if (rc != 0) {
        if (rc != HRFLOW__V1__ERROR_CODE__NOT_FOUND)
            hf_warn("asking %s.%s: %s: %s", service, method, hf_error_code_name(rc),
                    status.message);
        hf_status_clear(&status);
        return rc;
    }
    /* into the call's arena, so the handler frees nothing */
    size_t n = protobuf_c_message_get_packed_size(got);
    uint8_t *buf = hf_arena_alloc(hf_call_arena(call), n ? n : 1);
    ProtobufCAllocator alloc = hf_arena_allocator(hf_call_arena(call));
    if (buf) {
        protobuf_c_message_pack(got, buf);
        *reply = protobuf_c_message_unpack(reply_desc, &alloc, n, buf);
    }
    protobuf_c_message_free_unpacked(got, NULL);
    return *reply ? 0 : HRFLOW__V1__ERROR_CODE__INTERNAL;
}

/* ---- asking from background threads ---- */

static pthread_key_t system_bus_key;
static pthread_once_t system_bus_once = PTHREAD_ONCE_INIT;

static void system_bus_free(void *p)
{
    hf_bus_client_t *c = p;
    hf_bus_client_destroy(&c);
}

static void system_bus_key_make(void)
{
    if (pthread_key_create(&system_bus_key, system_bus_free) != 0)
        hf_error("no thread key for the background threads' bus clients");
}

int hf_service_ask_system(const char *tenant, const char *service, const char *method,
                          const ProtobufCMessage *req, const ProtobufCMessageDescriptor *reply_desc,
                          int timeout_ms, ProtobufCMessage **reply)
{
    *reply = NULL;
    pthread_once(&system_bus_once, system_bus_key_make);
    hf_bus_client_t *c = pthread_getspecific(system_bus_key);
    if (!c) {
        if (!(c = hf_bus_client_new(S.brokers)))
            return HRFLOW__V1__ERROR_CODE__UNAVAILABLE;
        if (pthread_setspecific(system_bus_key, c) != 0) {
            hf_bus_client_destroy(&c);
            return HRFLOW__V1__ERROR_CODE__UNAVAILABLE;
        }
    }
    static char *scopes[] = { "recruiter" };
    char actor[80];
    snprintf(actor, sizeof(actor), "system:%s",
             the_runtime && the_runtime->def ? the_runtime->def->name : "service");
    Hrflow__V1__Caller caller = HRFLOW__V1__CALLER__INIT;
    caller.tenant_id = (char *)tenant;
    caller.scopes = scopes;
    caller.n_scopes = 1;
    caller.actor = actor;
    hf_call_opts_t opts = { .timeout_ms = timeout_ms, .caller = &caller };
    hf_status_t status = { 0 };
    int rc = hf_bus_call(c, service, method, req, reply_desc, &opts, reply, &status);
    if (rc != 0 && rc != HRFLOW__V1__ERROR_CODE__NOT_FOUND)
        hf_warn("asking %s.%s: %s: %s", service, method, hf_error_code_name(rc), status.message);
    hf_status_clear(&status);
    return rc;
}

int hf_service_ask_fail(hf_call_t *call, const char *service, int code)
{
    switch (code) {
    case HRFLOW__V1__ERROR_CODE__DEADLINE_EXCEEDED:
    case HRFLOW__V1__ERROR_CODE__OVERLOADED:
    case HRFLOW__V1__ERROR_CODE__UNAVAILABLE:
        return hf_call_fail(call, code, "%s is unavailable; try again", service);
    default:
        hf_error("asking %s failed: %s", service, hf_error_code_name(code));
        return hf_call_fail(call, HRFLOW__V1__ERROR_CODE__INTERNAL, "asking %s failed", service);
    }
}

int hf_service_loop(const hf_loop_def_t *def)
{
    runtime_t *rt = the_runtime;
    if (!rt || rt->n_loops == MAX_LOOPS) {
        hf_logkv(HF_LOG_ERROR, "too many background loops", HF_KV_STR("loop", def->name));
        return -1;
    }
    hf_loop_t *l = hf_loop_start(rt->cfg.pg_dsn, def);
    if (!l)
        return -1;
    rt->loops[rt->n_loops++] = l;
    return 0;
}

static int add_consumer(const char *name, const char *const *type_prefixes, hf_consumer_fn fn,
                        hf_consumer_batch_fn batch, int keys_only, void *user)
{
    runtime_t *rt = the_runtime;
    if (!rt || rt->n_consumers == MAX_LOOPS) {
        hf_logkv(HF_LOG_ERROR, "too many event consumers", HF_KV_STR("consumer", name));
        return -1;
    }
    hf_consumer_t *c =
        fn          ? hf_consumer_start(rt->cfg.pg_dsn, name, type_prefixes, fn, user, 0)
        : keys_only ? hf_consumer_start_keys(rt->cfg.pg_dsn, name, type_prefixes, batch, user, 0)
                    : hf_consumer_start_batch(rt->cfg.pg_dsn, name, type_prefixes, batch, user, 0);
    if (!c)
        return -1;
    rt->consumers[rt->n_consumers++] = c;
    return 0;
}

int hf_service_consumer(const char *name, const char *const *type_prefixes, hf_consumer_fn fn,
                        void *user)
{
    return add_consumer(name, type_prefixes, fn, NULL, 0, user);
}

int hf_service_consumer_batch(const char *name, const char *const *type_prefixes,
                              hf_consumer_batch_fn fn, void *user)
{
    return add_consumer(name, type_prefixes, NULL, fn, 0, user);
}

int hf_service_consumer_keys(const char *name, const char *const *type_prefixes,
                             hf_consumer_batch_fn fn, void *user)
{
    return add_consumer(name, type_prefixes, NULL, fn, 1, user);
}

int hf_service_timers(const char *const *kinds, hf_timer_fn fn, void *user)
{
    runtime_t *rt = the_runtime;
    if (!rt || rt->n_timers == MAX_LOOPS) {
        hf_error("too many timer runners");
        return -1;
    }
    const hf_timer_runner_def_t def = { .service = rt->def->name, .kinds = kinds, .fn = fn,
                                        .user = user };
    hf_timer_runner_t *r = hf_timer_runner_start(rt->cfg.pg_dsn, &def);
    if (!r)
        return -1;
    rt->timers[rt->n_timers++] = r;
    return 0;
}

/* SIGTERM: every loop finishes its step in hand, newest first. */
static void stop_loops(runtime_t *rt)
{
    while (rt->n_timers > 0)
        hf_timer_runner_stop(&rt->timers[--rt->n_timers]);
    while (rt->n_consumers > 0)
        hf_consumer_stop(&rt->consumers[--rt->n_consumers]);
    while (rt->n_loops > 0)
        hf_loop_stop(&rt->loops[--rt->n_loops]);
}

hf_cache_t *hf_service_cache(hf_call_t *call)
{
    return ((thread_state_t *)hf_call_thread_data(call))->cache;
}

static Hrflow__V1__HealthCheck *check_new(hf_call_t *call, const char *name, int ok,
                                          const char *detail, int64_t us)
{
    Hrflow__V1__HealthCheck *c =
        HF_CALL_NEW(call, Hrflow__V1__HealthCheck, hrflow__v1__health_check__init);
    if (c) {
        c->name = (char *)name;
        c->ok = ok;
        c->detail = hf_arena_strdup(hf_call_arena(call), detail);
        c->latency_us = (uint32_t)(us > 0 ? us : 0);
    }
    return c;
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int hf_service_health(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)
{
    (void)req;
    Hrflow__V1__HealthResponse *r =
        HF_CALL_NEW(call, Hrflow__V1__HealthResponse, hrflow__v1__health_response__init);
    Hrflow__V1__HealthCheck **checks =
        hf_arena_alloc(hf_call_arena(call), 2 * sizeof(*checks));
    if (!r || !checks)
        return hf_call_fail(call, HRFLOW__V1__ERROR_CODE__INTERNAL, "out of memory");

    int64_t t0 = now_us();
    PGconn *c = hf_service_db(call);
    int pg_ok = 0;
    const char *pg_detail = "cannot connect";
    if (c) {
        PGresult *res = hf_db_query(c, "SELECT 1", 0, NULL);
        pg_ok = res != NULL;
        pg_detail = pg_ok ? "" : "SELECT 1 failed";
        PQclear(res);
    }
    checks[0] = check_new(call, "postgres", pg_ok, pg_detail, now_us() - t0);

    t0 = now_us();
    hf_cache_t *cache = hf_service_cache(call);
    int redis_ok = hf_cache_ping(cache) == 0;
    checks[1] = check_new(call, "redis", redis_ok, redis_ok ? "" : hf_cache_error(cache),
                          now_us() - t0);
    if (!checks[0] || !checks[1])
        return hf_call_fail(call, HRFLOW__V1__ERROR_CODE__INTERNAL, "out of memory");

    r->service = (char *)the_runtime->def->name;
    r->instance = (char *)hf_worker_instance(hf_call_worker(call));
    r->version = HF_VERSION;
    r->ok = pg_ok && redis_ok;
    r->checks = checks;
    r->n_checks = 2;
    *reply = &r->base;
    return 0;
}

/* ---- worker hooks ---- */

static void *thread_init(void *user)
{
    runtime_t *rt = user;
    thread_state_t *t = calloc(1, sizeof(*t));
    if (t)
        t->cache = hf_cache_new(rt->cfg.redis_addr, 1000);
    return t;
}

static void thread_fini(void *user, void *td)
{
    runtime_t *rt = user;
    thread_state_t *t = td;
    if (!t)
        return;
    hf_db_release(rt->pool, &t->conn);
    hf_cache_destroy(&t->cache);
    hf_bus_client_destroy(&t->bus);
    free(t);
}

static void after_call(void *user, void *td)
{
    runtime_t *rt = user;
    thread_state_t *t = td;
    hf_db_release(rt->pool, &t->conn);
}

/* ---- start-up ---- */

static int migrate(runtime_t *rt)
{
    char err[512];
    PGconn *c = NULL;
    int64_t give_up = hf_mono_ms() + rt->cfg.startup_timeout_s * 1000;
    for (int delay = 100;; delay = delay < 2000 ? delay * 2 : 2000) {
        c = hf_db_connect(rt->cfg.pg_dsn, 5, err, sizeof(err));
        if (c || hf_mono_ms() >= give_up)
            break;
        hf_warn("waiting for PostgreSQL: %s", err);
        usleep((useconds_t)delay * 1000);
    }
    if (!c) {
        hf_error("cannot connect to PostgreSQL: %s", err);
        return -1;
    }
    int rc = hf_db_migrate(c, "events", hf_events_migrations, hf_events_migrations_count, err,
                           sizeof(err));
    if (rc >= 0)
        rc = hf_db_migrate(c, rt->def->name, rt->def->migrations, rt->def->n_migrations, err,
                           sizeof(err));
    PQfinish(c);
    if (rc < 0) {
        hf_error("migration failed: %s", err);
        return -1;
    }
    return 0;
}

/* The service's table with Health added when the service left it out. */
static hf_method_t *methods_with_health(const hf_service_def_t *def, size_t *n)
{
    hf_method_t *m = calloc(def->n_methods + 1, sizeof(*m));
    if (!m)
        return NULL;
    int has_health = 0;
    for (size_t i = 0; i < def->n_methods; i++) {
        m[i] = def->methods[i];
        has_health |= strcmp(m[i].name, "Health") == 0;
    }
    *n = def->n_methods;
    if (!has_health)
        m[(*n)++] = (hf_method_t){ "Health", hf_service_health, HF_IDEMPOTENT };
    return m;
}

static void *worker_main(void *arg)
{
    runtime_t *rt = arg;
    if (hf_worker_run(rt->worker) < 0) {
        hf_error("worker failed to start");
        pthread_kill(rt->main_thread, SIGUSR2);
    }
    return NULL;
}

static int serve(runtime_t *rt)
{
    char err[512];
    size_t n_methods = 0;
    hf_method_t *methods = methods_with_health(rt->def, &n_methods);
    rt->pool = hf_db_pool_new(rt->cfg.pg_dsn, (int)rt->cfg.pool_size, 5);
    hf_worker_opts_t wo = {
        .service = rt->def->name,
        .descriptor = rt->def->descriptor,
        .methods = methods,
        .n_methods = n_methods,
        .endpoints = rt->cfg.brokers,
        .threads = (int)rt->cfg.threads,
        .prefetch = (int)rt->cfg.prefetch,
        .prefetch_max = (int)rt->cfg.prefetch_max,
        .heartbeat_ms = (int)rt->cfg.heartbeat_ms,
        .liveness = (int)rt->cfg.liveness,
        .instance = rt->cfg.instance,
        .user = rt,
        .thread_init = thread_init,
        .thread_fini = thread_fini,
        .after_call = after_call,
    };
    rt->worker = methods && rt->pool ? hf_worker_new(&wo, err, sizeof(err)) : NULL;
    if (!rt->worker) {
        hf_error("cannot create the worker: %s", methods && rt->pool ? err : "out of memory");
        free(methods);
        hf_db_pool_destroy(&rt->pool);
        return 1;
    }
    if (strcmp(rt->cfg.metrics_addr, "off") != 0 && hf_metrics_serve(rt->cfg.metrics_addr) < 0)
        hf_warn("cannot serve metrics on %s", rt->cfg.metrics_addr);
    hf_outbox_relay_t *relay =
        rt->cfg.relay ? hf_outbox_relay_start(rt->cfg.pg_dsn, rt->cfg.events_pub, 0) : NULL;

    pthread_t wt;
    int code = 0;
    if (pthread_create(&wt, NULL, worker_main, rt) != 0) {
        hf_error("cannot start the worker thread");
        code = 1;
    } else {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGUSR2); /* the worker thread failed to start */
        int sig = 0;
        sigwait(&set, &sig);
        if (sig == SIGUSR2)
            code = 1;
        else
            hf_info("received %s: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        hf_worker_stop(rt->worker);
        pthread_join(wt, NULL);
    }
    hf_outbox_relay_stop(&relay);
    hf_metrics_serve_stop();
    hf_worker_destroy(&rt->worker);
    hf_db_pool_destroy(&rt->pool);
    free(methods);
    return code;
}

/* The keyring of HF_PII_KEYS for a service declared .pii. */
static int load_keys(runtime_t *rt)
{
    if (!rt->def->pii)
        return 0;
    char err[200];
    rt->keys = hf_keyring_new(pii_keys, err, sizeof(err));
    if (!rt->keys) {
        hf_error("HF_PII_KEYS: %s", err);
        return -1;
    }
    return 0;
}

int hf_service_main(const hf_service_def_t *def, int argc, char **argv)
{
    if (def->command) {
        int code = def->command(def, argc, argv);
        if (code >= 0)
            return code;
    }
    char summary[128];
    snprintf(summary, sizeof(summary), "The %s service: a worker pool behind the hrflow broker.",
             def->name);
    static const char *const flags[] = { "--migrate", NULL };
    static const char *const flag_help[] = { "apply the database migrations and exit" };
    /* the common settings, HF_PII_KEYS when it keeps personal data, its own */
    size_t n_vars = 0;
    hf_config_var_t *vars = calloc(N_SETTINGS + 1 + def->n_settings, sizeof(*vars));
    if (!vars)
        return 1;
    memcpy(vars, settings, sizeof(settings));
    n_vars = N_SETTINGS;
    if (def->pii)
        vars[n_vars++] = pii_setting;
    if (def->n_settings)
        memcpy(vars + n_vars, def->settings, def->n_settings * sizeof(*vars));
    n_vars += def->n_settings;
    const hf_program_t prog = { .name = def->name, .summary = summary, .flags = flags,
                                .flag_help = flag_help, .vars = vars, .n_vars = n_vars,
                                .log_level = &S.log_level, .usage = def->usage,
                                .uses = HF_USES_BUS_CLIENT | HF_USES_REDIS };
    int only_migrate = 0;
    int rc = hf_program_start(&prog, argc, argv, &only_migrate);
    free(vars);
    if (rc >= 0)
        return rc;
    runtime_t rt = { .def = def, .main_thread = pthread_self(), .cfg = S };
    the_runtime = &rt;
    sigset_t set;
    hf_signals_block(&set, SIGUSR2);

    if (migrate(&rt) < 0)
        return 1;
    if (only_migrate)
        return 0;
    if (load_keys(&rt) < 0)
        return 2;
    int code = 2;
    if (!def->init || def->init() == 0)
        code = serve(&rt);
    stop_loops(&rt);
    if (def->stop)
        def->stop();
    hf_bus_shutdown();
    hf_keyring_destroy(&rt.keys);
    the_runtime = NULL;
    hf_info("stopped");
    return code;
}
