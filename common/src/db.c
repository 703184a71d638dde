/* common/src/db.c - libpq pool, parameterised queries, transactions, migrations
 *
 * The pool is a fixed array of slots guarded by one mutex; connections open
 * lazily, outside the lock, so a slow connect never blocks other threads.
 * Errors are logged by SQLSTATE, table and constraint, never by message text:
 * PostgreSQL messages can quote the offending value, which may be personal
 * data. Migrations are serialised across processes by an advisory lock taken
 * inside each migration's transaction (see hf_db_migrate in hf/db.h).
 *
 * Statements run as named prepared statements, prepared once per connection
 * on first use: planning a parameterised query on every call cost a third of
 * PostgreSQL's CPU on the gateway's read benchmark. The set of statements a
 * connection has prepared hangs off the PGconn through libpq's event API
 * (instance data), and is forgotten when libpq resets the connection.
 */
#include "hf/db.h"
#include "hf/bus.h"
#include "hf/crypto.h"
#include "hf/log.h"

#include <errno.h>
#include <libpq-events.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int rollback_all(PGconn *c);

/* pg_advisory_xact_lock key for migrations: "hfmigrat" as an int64 */
#define MIGRATION_LOCK_KEY "7523393116163584116"

typedef struct {
    PGconn *conn;
    int busy;
} slot_t;

struct hf_db_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    char *conninfo;
    int connect_timeout_s;
    int size;
    slot_t *slots;
};

static char *conninfo_with_timeout(const char *conninfo, int timeout_s)
{
    /* add a connect timeout unless the caller chose one (or gave a URI) */
    if (strstr(conninfo, "connect_timeout") || strncmp(conninfo, "postgres", 8) == 0)
        return strdup(conninfo);
    size_t n = strlen(conninfo) + 64;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s connect_timeout=%d", conninfo, timeout_s > 0 ? timeout_s : 5);
    return s;
}

/* Server notices ("relation already exists, skipping") become debug log
 * lines instead of raw text on stderr. */
static void on_notice(void *arg, const char *message)
{
    (void)arg;
    char line[256];
    snprintf(line, sizeof(line), "%s", message);
    line[strcspn(line, "\n")] = '\0';
    hf_debug("postgres: %s", line);
}

PGconn *hf_db_connect(const char *conninfo, int connect_timeout_s, char *errbuf, size_t errlen)
{
    char *ci = conninfo_with_timeout(conninfo, connect_timeout_s);
    if (!ci) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    /* named after the service in pg_stat_activity unless the DSN names it;
     * background loops add their own name (loop.c) */
    const char *const keys[] = { "dbname", "fallback_application_name", NULL };
    const char *const vals[] = { ci, hf_log_service(), NULL };
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    free(ci);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        if (errbuf && errlen) {
            snprintf(errbuf, errlen, "%s", c ? PQerrorMessage(c) : "out of memory");
            errbuf[strcspn(errbuf, "\n")] = '\0';
        }
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, on_notice, NULL);
    /* No JIT compilation: it is chosen by the plan's estimated cost, and a
     * prepared statement's generic plan estimates with average values (the
     * 59 000 applications of an average job for one of 2 000), so a point
     * query could spend most of a second compiling 45 functions
     * (docs/architecture.md, "No JIT"). */
    PGresult *r = PQexec(c, "SET jit = off");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        if (errbuf && errlen) {
            snprintf(errbuf, errlen, "SET jit = off: %s", PQerrorMessage(c));
            errbuf[strcspn(errbuf, "\n")] = '\0';
        }
        PQfinish(c);
        return NULL;
    }
    return c;
}

hf_db_pool_t *hf_db_pool_new(const char *conninfo, int size, int connect_timeout_s)
{
    if (size <= 0)
        return NULL;
    hf_db_pool_t *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->conninfo = strdup(conninfo);
    p->slots = calloc((size_t)size, sizeof(slot_t));
    if (!p->conninfo || !p->slots) {
        free(p->conninfo);
        free(p->slots);
        free(p);
        return NULL;
    }
    p->size = size;
    p->connect_timeout_s = connect_timeout_s;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->freed, NULL);
    return p;
}

void hf_db_pool_destroy(hf_db_pool_t **pp)
{
    if (!pp || !*pp)
        return;
    hf_db_pool_t *p = *pp;
    for (int i = 0; i < p->size; i++)
        PQfinish(p->slots[i].conn);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->freed);
    free(p->slots);
    free(p->conninfo);
    free(p);
    *pp = NULL;
}

static slot_t *slot_of(hf_db_pool_t *p, PGconn *c)
{
    for (int i = 0; i < p->size; i++)
        if (p->slots[i].conn == c && p->slots[i].busy)
            return &p->slots[i];
    return NULL;
}

PGconn *hf_db_acquire(hf_db_pool_t *p, int timeout_ms, char *errbuf, size_t errlen)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->lock);
    slot_t *s = NULL;
    for (;;) {
        /* prefer a slot with an open connection */
        for (int i = 0; i < p->size && !s; i++)
            if (!p->slots[i].busy && p->slots[i].conn)
                s = &p->slots[i];
        for (int i = 0; i < p->size && !s; i++)
            if (!p->slots[i].busy)
                s = &p->slots[i];
        if (s)
            break;
        if (pthread_cond_timedwait(&p->freed, &p->lock, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&p->lock);
            if (errbuf && errlen)
                snprintf(errbuf, errlen, "no database connection free within %d ms", timeout_ms);
            return NULL;
        }
    }
    s->busy = 1;
    pthread_mutex_unlock(&p->lock);

    if (s->conn && PQstatus(s->conn) != CONNECTION_OK) {
        PQfinish(s->conn);
        s->conn = NULL;
    }
    if (!s->conn)
        s->conn = hf_db_connect(p->conninfo, p->connect_timeout_s, errbuf, errlen);
    if (!s->conn) {
        pthread_mutex_lock(&p->lock);
        s->busy = 0;
        pthread_cond_signal(&p->freed);
        pthread_mutex_unlock(&p->lock);
        return NULL;
    }
    return s->conn;
}

void hf_db_release(hf_db_pool_t *p, PGconn **cp)
{
    if (!cp || !*cp)
        return;
    PGconn *c = *cp;
    *cp = NULL;
    slot_t *s;
    pthread_mutex_lock(&p->lock);
    s = slot_of(p, c);
    pthread_mutex_unlock(&p->lock);
    if (!s) {
        hf_error("hf_db_release: connection does not belong to this pool");
        return;
    }
    switch (PQtransactionStatus(c)) {
    case PQTRANS_IDLE:
        break;
    case PQTRANS_INTRANS:
    case PQTRANS_INERROR:
        /* the whole transaction, however deep the caller left it */
        if (rollback_all(c) == 0)
            break;
        /* fall through */
    default: /* ACTIVE (a query still running), UNKNOWN (broken) */
        PQfinish(c);
        s->conn = NULL;
        break;
    }
    pthread_mutex_lock(&p->lock);
    s->busy = 0;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

static void log_failure(const PGresult *r, PGconn *c, const char *sql)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *table = r ? PQresultErrorField(r, PG_DIAG_TABLE_NAME) : NULL;
    const char *constraint = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
    char stmt[64];
    snprintf(stmt, sizeof(stmt), "%s", sql);
    stmt[strcspn(stmt, "\n")] = '\0';
    hf_logkv(HF_LOG_WARN, "sql statement failed", HF_KV_STR("sqlstate", state ? state : ""),
             HF_KV_STR("table", table ? table : ""),
             HF_KV_STR("constraint", constraint ? constraint : ""),
             HF_KV_STR("statement", stmt),
             HF_KV_STR("connection", PQstatus(c) == CONNECTION_OK ? "ok" : "broken"));
}

/* ---- prepared statements ---- */

/* What hrflow keeps per connection: the statements it has prepared (an
 * open-addressing set of 64-bit hashes of their text; a program has a few
 * dozen statements, past PREPARED_MAX, text built at run time, the rest run
 * unprepared) and how deep hf_db_begin() calls are nested. */
#define PREPARED_SLOTS 512
#define PREPARED_MAX 384
typedef struct {
    uint64_t hash[PREPARED_SLOTS]; /* 0 = empty */
    int n;
    int depth;                     /* open hf_db_begin() levels */
} prepared_t;

static int prepared_event(PGEventId id, void *info, void *pass)
{
    (void)pass;
    if (id == PGEVT_CONNRESET) {
        prepared_t *p = PQinstanceData(((PGEventConnReset *)info)->conn, prepared_event);
        if (p)
            memset(p, 0, sizeof(*p));
    } else if (id == PGEVT_CONNDESTROY) {
        free(PQinstanceData(((PGEventConnDestroy *)info)->conn, prepared_event));
    }
    return 1;
}

static uint64_t sql_hash(const char *sql)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *s = (const unsigned char *)sql; *s; s++)
        h = (h ^ *s) * 1099511628211ULL;
    return h ? h : 1;
}

/* Run sql as a prepared statement of this connection, preparing it first if
 * need be; unprepared when the connection's set is full or preparing fails. */
static prepared_t *conn_state(PGconn *c)
{
    prepared_t *p = PQinstanceData(c, prepared_event);
    if (!p) {
        p = calloc(1, sizeof(*p));
        if (!p || !PQregisterEventProc(c, prepared_event, "hf_prepared", NULL) ||
            !PQsetInstanceData(c, prepared_event, p)) {
            free(p);
            return NULL;
        }
    }
    return p;
}

static PGresult *exec_prepared(PGconn *c, const char *sql, int nparams,
                               const char *const *params)
{
    prepared_t *p = conn_state(c);
    if (!p)
        return PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    uint64_t h = sql_hash(sql);
    size_t i = h % PREPARED_SLOTS;
    while (p->hash[i] && p->hash[i] != h)
        i = (i + 1) % PREPARED_SLOTS;
    char name[24];
    snprintf(name, sizeof(name), "hf_%016llx", (unsigned long long)h);
    if (!p->hash[i]) {
        if (p->n >= PREPARED_MAX)
            return PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
        PGresult *r = PQprepare(c, name, sql, nparams, NULL);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) /* run it unprepared: its own error says what is wrong */
            return PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
        p->hash[i] = h;
        p->n++;
    }
    return PQexecPrepared(c, name, nparams, params, NULL, NULL, 0);
}

PGresult *hf_db_query(PGconn *c, const char *sql, int nparams, const char *const *params)
{
    PGresult *r = exec_prepared(c, sql, nparams, params);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    log_failure(r, c, sql);
    PQclear(r);
    return NULL;
}

int hf_db_exec(PGconn *c, const char *sql, int nparams, const char *const *params,
               char sqlstate[6])
{
    PGresult *r = exec_prepared(c, sql, nparams, params);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (sqlstate) {
        const char *s = ok ? "00000" : PQresultErrorField(r, PG_DIAG_SQLSTATE);
        snprintf(sqlstate, 6, "%s", s ? s : "08000");
    }
    if (!ok)
        log_failure(r, c, sql);
    PQclear(r);
    return ok ? 0 : -1;
}

/* Nested levels are savepoints of one name: PostgreSQL stacks savepoints of
 * the same name, and RELEASE / ROLLBACK TO act on the newest. */
int hf_db_begin(PGconn *c)
{
    prepared_t *p = conn_state(c);
    if (!p)
        return -1;
    if (hf_db_exec(c, p->depth ? "SAVEPOINT hf_nested" : "BEGIN", 0, NULL, NULL) < 0)
        return -1;
    p->depth++;
    return 0;
}

int hf_db_commit(PGconn *c)
{
    prepared_t *p = conn_state(c);
    if (p && p->depth > 1) {
        p->depth--;
        return hf_db_exec(c, "RELEASE SAVEPOINT hf_nested", 0, NULL, NULL);
    }
    if (p)
        p->depth = 0;
    return hf_db_exec(c, "COMMIT", 0, NULL, NULL);
}

int hf_db_rollback(PGconn *c)
{
    prepared_t *p = conn_state(c);
    if (p && p->depth > 1) {
        p->depth--;
        return hf_db_exec(c, "ROLLBACK TO SAVEPOINT hf_nested", 0, NULL, NULL) < 0 ||
                       hf_db_exec(c, "RELEASE SAVEPOINT hf_nested", 0, NULL, NULL) < 0
                   ? -1
                   : 0;
    }
    return rollback_all(c);
}

static int rollback_all(PGconn *c)
{
    prepared_t *p = PQinstanceData(c, prepared_event);
    if (p)
        p->depth = 0;
    return hf_db_exec(c, "ROLLBACK", 0, NULL, NULL);
}

int hf_db_depth(PGconn *c)
{
    prepared_t *p = PQinstanceData(c, prepared_event);
    return p ? p->depth : 0;
}

/* ---- migrations ---- */

static void sha256_hex(const char *s, char out[65])
{
    hf_sha256_hex(s, strlen(s), out);
}

static int fail(char *errbuf, size_t errlen, PGconn *c, const char *fmt, const char *what,
                int version)
{
    if (errbuf && errlen) {
        snprintf(errbuf, errlen, fmt, what, version);
        size_t n = strlen(errbuf);
        if (c && n + 3 < errlen) {
            snprintf(errbuf + n, errlen - n, ": %s", PQerrorMessage(c));
            errbuf[strcspn(errbuf, "\n")] = '\0';
        }
    }
    if (c && PQtransactionStatus(c) != PQTRANS_IDLE)
        hf_db_rollback(c);
    return -1;
}

static const char sql_lock[] = "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK_KEY ")";
static const char sql_table[] =
    "CREATE TABLE IF NOT EXISTS public.hf_migrations ("
    " component text NOT NULL, version integer NOT NULL, name text NOT NULL,"
    " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (component, version))";
static const char sql_recorded[] =
    "SELECT checksum FROM public.hf_migrations WHERE component = $1 AND version = $2";
static const char sql_record[] =
    "INSERT INTO public.hf_migrations (component, version, name, checksum)"
    " VALUES ($1, $2, $3, $4)";

/* Apply one migration unless recorded. Returns 1 applied, 0 already there, -1 error. */
static int migrate_one(PGconn *c, const char *component, const hf_migration_t *m, char *errbuf,
                       size_t errlen)
{
    char sum[65], ver[16];
    sha256_hex(m->sql, sum);
    snprintf(ver, sizeof(ver), "%d", m->version);
    const char *key[] = { component, ver };
    if (hf_db_begin(c) < 0 || hf_db_exec(c, sql_lock, 0, NULL, NULL) < 0 ||
        hf_db_exec(c, sql_table, 0, NULL, NULL) < 0)
        return fail(errbuf, errlen, c, "could not lock migrations of %s (version %d)", component,
                    m->version);
    PGresult *r = hf_db_query(c, sql_recorded, 2, key);
    if (!r)
        return fail(errbuf, errlen, c, "could not read migrations of %s (version %d)", component,
                    m->version);
    if (PQntuples(r) == 1) {
        int same = strcmp(PQgetvalue(r, 0, 0), sum) == 0;
        PQclear(r);
        hf_db_rollback(c);
        if (!same)
            return fail(errbuf, errlen, NULL,
                        "migration %s/%d changed after it was applied (checksum mismatch)",
                        component, m->version);
        return 0;
    }
    PQclear(r);
    PGresult *ar = PQexec(c, m->sql);
    int ok = PQresultStatus(ar) == PGRES_COMMAND_OK || PQresultStatus(ar) == PGRES_TUPLES_OK;
    PQclear(ar);
    if (!ok)
        return fail(errbuf, errlen, c, "migration %s/%d failed", component, m->version);
    const char *rec[] = { component, ver, m->name, sum };
    if (hf_db_exec(c, sql_record, 4, rec, NULL) < 0 || hf_db_commit(c) < 0)
        return fail(errbuf, errlen, c, "could not record migration %s/%d", component, m->version);
    hf_info("applied migration %s/%s", component, m->name);
    return 1;
}

int hf_db_migrate(PGconn *c, const char *component, const hf_migration_t *m, size_t n,
                  char *errbuf, size_t errlen)
{
    for (size_t i = 1; i < n; i++) {
        if (m[i].version <= m[i - 1].version)
            return fail(errbuf, errlen, NULL, "migrations of %s out of order at version %d",
                        component, m[i].version);
    }
    int applied = 0;
    for (size_t i = 0; i < n; i++) {
        int r = migrate_one(c, component, &m[i], errbuf, errlen);
        if (r < 0)
            return -1;
        applied += r;
    }
    return applied;
}

char *hf_db_array(const char *const *items, size_t n)
{
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += items[i] ? 2 * strlen(items[i]) + 3 : 5;
    char *out = malloc(len), *w = out;
    if (!out)
        return NULL;
    *w++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *w++ = ',';
        if (!items[i]) {
            memcpy(w, "NULL", 4);
            w += 4;
            continue;
        }
        *w++ = '"';
        for (const char *c = items[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                *w++ = '\\';
            *w++ = *c;
        }
        *w++ = '"';
    }
    *w++ = '}';
    *w = '\0';
    return out;
}
