/* services/scheduling/store_engine.c - call engines' leases: claim, renew, report, expire (store.h)
 *
 * A lease is one call: scheduling.call_leases (migrations/0040). Its
 * interview moves only through store_interview_move_in, in the lease's
 * transaction, so every move has its event and the lifecycle's check. The
 * lines a claim may fill are counted under the tenant's calls lock (an
 * advisory transaction lock): every claim of a tenant, on any replica,
 * counts the live leases after the one before it committed, so a pool never
 * has more live leases than lines whatever runs at once.
 */
#include "store_private.h"

#include "hf/db.h"
#include "hf/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEASE_COLS                                                                               \
    "l.id, l.interview_id, l.company_id, i.application_id, i.job_id, i.candidate_id,"           \
    " i.competency_model_id, l.engine_id, l.attempt, js.call_attempts, "                        \
    HF_MICROS("i.start_time") ", " HF_MICROS("i.end_time") ", " HF_MICROS("l.expire_time") ", " \
    HF_MICROS("l.started_time") ", CASE WHEN l.outcome IS NULL"                                \
    " AND l.expire_time <= scheduling.now() THEN 'expired' ELSE coalesce(l.outcome, '') END"

#define LEASE_FROM                                                                          \
    " FROM scheduling.call_leases l JOIN scheduling.interviews i"                           \
    " ON i.tenant_id = l.tenant_id AND i.id = l.interview_id"                               \
    " CROSS JOIN LATERAL scheduling.job_settings_of(l.tenant_id, i.job_id) js"

/* Interview i is due for a call at `now` (an expression): a booked one whose
 * slot has begun, or a retry that came due; and no live lease holds it. */
#define DUE_BOOKED(now) \
    "i.state IN ('scheduled', 'reminded', 'rescheduled') AND i.start_time <= " now
#define DUE_RETRY(now) "i.state = 'retrying' AND i.call_due <= " now
#define UNLEASED                                                                               \
    "NOT EXISTS (SELECT 1 FROM scheduling.call_leases l WHERE l.tenant_id = i.tenant_id"      \
    " AND l.interview_id = i.id AND l.outcome IS NULL)"

/* The tenant's calls, locked to the end of the transaction. */
#define CALLS_LOCK "SELECT pg_advisory_xact_lock(hashtextextended('scheduling.calls:' || $1, 0))"

static void *lease_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__CallLease *v = hf_store_alloc(st, sizeof(*v));
    if (!v)
        return NULL;
    hrflow__v1__call_lease__init(v);
    v->id = hf_store_cell(st, r, i, 0);
    v->interview_id = hf_store_cell(st, r, i, 1);
    v->company_id = hf_store_cell(st, r, i, 2);
    v->application_id = hf_store_cell(st, r, i, 3);
    v->job_id = hf_store_cell(st, r, i, 4);
    v->candidate_id = hf_store_cell(st, r, i, 5);
    v->competency_model_id = hf_store_cell(st, r, i, 6);
    v->engine_id = hf_store_cell(st, r, i, 7);
    v->attempt = (uint32_t)atoi(PQgetvalue(r, i, 8));
    v->max_attempts = (uint32_t)atoi(PQgetvalue(r, i, 9));
    v->start_time = hf_store_time(st, r, i, 10);
    v->end_time = hf_store_time(st, r, i, 11);
    v->expire_time = hf_store_time(st, r, i, 12);
    v->started_time = hf_store_time(st, r, i, 13);
    v->outcome = hf_store_cell(st, r, i, 14);
    return v->id && v->interview_id && v->company_id && v->application_id && v->job_id &&
                   v->candidate_id && v->competency_model_id && v->engine_id && v->expire_time &&
                   v->outcome
               ? v
               : NULL;
}

int store_lease_get(hf_store_t *st, const char *id, Hrflow__V1__CallLease **out)
{
    const char *p[] = { st->tenant, id, hf_store_companies(st) };
    if (!p[2])
        return HF_ENOMEM;
    return hf_store_one(st,
                        "SELECT " LEASE_COLS LEASE_FROM
                        " WHERE l.tenant_id = $1 AND l.id = $2::uuid AND "
                        HF_SEES_COMPANY("l.company_id", "3"),
                        3, p, lease_row, out);
}

/* ---- expiry ---- */

static void add_id(void *ctx, const char *text)
{
    hf_store_t *st = ((void **)ctx)[0];
    char ***ids = ((void **)ctx)[1];
    size_t *n = ((void **)ctx)[2];
    char **grown = hf_store_alloc(st, (*n + 1) * sizeof(char *));
    if (!grown)
        return;
    if (*n)
        memcpy(grown, *ids, *n * sizeof(char *));
    grown[*n] = hf_store_strdup(st, text);
    *ids = grown;
    (*n)++;
}

/* Column 0 of every row of sql, into the arena. */
static int ids_of(hf_store_t *st, const char *sql, int np, const char *const *p, char ***ids,
                  size_t *n)
{
    *ids = NULL, *n = 0;
    void *ctx[] = { st, ids, n };
    return hf_store_each(st, sql, np, p, add_id, ctx);
}

/* In the open transaction: the lapsed leases of st->tenant, ended as
 * expired, their interviews (of any company: the system puts them back)
 * moved to retrying, due now. Returns how many, or an HF_E* code. */
static long expire_in(hf_store_t *st)
{
    const char *p[] = { st->tenant };
    char **ids;
    size_t n;
    int rc = ids_of(st,
                    "WITH x AS (SELECT id FROM scheduling.call_leases WHERE tenant_id = $1"
                    "   AND outcome IS NULL AND expire_time <= scheduling.now()"
                    "   FOR UPDATE SKIP LOCKED)"
                    " UPDATE scheduling.call_leases l SET outcome = 'expired',"
                    "   end_time = scheduling.now() FROM x"
                    " WHERE l.tenant_id = $1 AND l.id = x.id RETURNING l.interview_id",
                    1, p, &ids, &n);
    hf_store_t sys = *st;
    sys.companies = NULL, sys.n_companies = 0;
    store_move_t m = { .to = SCHED_RETRYING,
                       .reason = "the call engine stopped renewing its lease" };
    for (size_t i = 0; rc == HF_OK && i < n; i++) {
        Hrflow__V1__Interview *v;
        const char *why;
        rc = ids[i] ? store_interview_move_in(&sys, ids[i], &m, &v, &why) : HF_ENOMEM;
        if (rc == STORE_EREFUSED || rc == HF_ENOTFOUND)
            rc = HF_OK; /* moved meanwhile (rescheduled): nothing to put back */
    }
    return rc == HF_OK ? (long)n : rc;
}

static void add_tenant(void *ctx, const char *text)
{
    add_id(ctx, text);
}

long store_leases_expire(hf_store_t *st)
{
    if (st->tenant) {
        if (hf_db_begin(st->db) < 0)
            return -1;
        long n = expire_in(st);
        return hf_store_finish(st, n < 0 ? (int)n : HF_OK) == HF_OK ? n : -1;
    }
    char **tenants = NULL;
    size_t nt = 0;
    void *ctx[] = { st, &tenants, &nt };
    if (hf_store_each(st,
                      "SELECT DISTINCT tenant_id FROM scheduling.call_leases"
                      " WHERE outcome IS NULL AND expire_time <= scheduling.now()",
                      0, NULL, add_tenant, ctx) != HF_OK)
        return -1;
    long total = 0;
    for (size_t i = 0; i < nt && tenants[i]; i++) {
        hf_store_t one = *st;
        one.tenant = tenants[i];
        long n = store_leases_expire(&one);
        if (n < 0)
            return -1;
        total += n;
    }
    return total;
}

/* ---- claims ---- */

/* The due interviews of the caller's companies the free lines allow, the
 * earliest due first: "<id> <pool>" each, up to $3. Per pool with free
 * lines, the earliest booked and the earliest retries, each read in the
 * order of an index and cut at what the pool may take. */
#define DUE_OF_POOL(kind, col)                                                                 \
    "(SELECT i.id, i." col " AS due_at FROM scheduling.interviews i"                          \
    " WHERE i.tenant_id = $1 AND i.pool_id = f.pool AND " HF_SEES_COMPANY("i.company_id", "2") \
    " AND " kind("t.now") " AND " UNLEASED                                                     \
    " ORDER BY i." col ", i.id LIMIT least(f.n, $3::int))"
static const char sql_due[] =
    "WITH t AS MATERIALIZED (SELECT scheduling.now() AS now),"
    " f AS MATERIALIZED (SELECT p.pool, p.lines - (SELECT count(*) FROM scheduling.call_leases l"
    "   WHERE l.tenant_id = $1 AND l.pool_id = p.pool AND l.outcome IS NULL)::int AS n"
    "   FROM scheduling.pools($1::uuid) p)"
    " SELECT d.id || ' ' || f.pool FROM f CROSS JOIN t CROSS JOIN LATERAL ("
    DUE_OF_POOL(DUE_BOOKED, "start_time") " UNION ALL " DUE_OF_POOL(DUE_RETRY, "call_due")
    "   ORDER BY 2, 1 LIMIT least(f.n, $3::int)) d"
    " WHERE f.n > 0 ORDER BY d.due_at, d.id LIMIT $3::int";

/* Whether a claim could get anything: a lapsed lease to put back (*lapsed),
 * or a due interview in a pool with a free line (*due, looked for only when
 * none lapsed). Read without the lock, so that engines polling an idle
 * tenant never queue behind each other; the claim counts again under it. */
static int claim_worth_it(hf_store_t *st, const char *const *p, int *lapsed, int *due)
{
    char **ids;
    size_t n;
    int rc = ids_of(st,
                    "SELECT 1 FROM scheduling.call_leases WHERE tenant_id = $1"
                    " AND outcome IS NULL AND expire_time <= scheduling.now() LIMIT 1",
                    1, p, &ids, &n);
    *lapsed = n > 0;
    if (rc == HF_OK && !*lapsed)
        rc = ids_of(st, sql_due, 3, p, &ids, &n);
    *due = n > 0;
    return rc;
}

/* A lease on interview id (of pool), its attempt counted from the calls of
 * its present slot that missed; its id into lease (37 bytes). */
static int lease_add(hf_store_t *st, const char *id, const char *pool, const char *engine,
                     const char *secs, char lease[40])
{
    const char *p[] = { st->tenant, id, pool, engine, secs };
    PGresult *r = hf_db_query(
        st->db,
        "INSERT INTO scheduling.call_leases (tenant_id, interview_id, company_id, pool_id,"
        "   engine_id, attempt, expire_time)"
        " SELECT i.tenant_id, i.id, i.company_id, $3::uuid, $4, 1 + (SELECT count(*)"
        "   FROM scheduling.call_leases l WHERE l.tenant_id = i.tenant_id"
        "   AND l.interview_id = i.id AND l.outcome IN ('no_answer', 'failed')"
        "   AND l.create_time >= i.start_time),"
        "   scheduling.now() + make_interval(secs => $5::int)"
        " FROM scheduling.interviews i WHERE i.tenant_id = $1 AND i.id = $2::uuid"
        " RETURNING id",
        5, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK)
        snprintf(lease, 40, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return rc;
}

int store_calls_claim(hf_store_t *st, const char *engine, int max, int lease_s,
                      Hrflow__V1__CallLease ***out, size_t *n, store_claimed_t *did)
{
    char lim[16], secs[16];
    snprintf(lim, sizeof(lim), "%d", max);
    snprintf(secs, sizeof(secs), "%d", lease_s);
    *out = NULL, *n = 0;
    *did = (store_claimed_t){ 0 };
    const char *p[] = { st->tenant, hf_store_companies(st), lim };
    int lapsed = 0, due = 0;
    if (!p[1] || claim_worth_it(st, p, &lapsed, &due) != HF_OK)
        return HF_EDB;
    if (lapsed && (did->expired = store_leases_expire(st)) < 0)
        return HF_EDB;
    if (!lapsed && !due)
        return HF_OK;
    /* what is held while the lock is: the count, the moves, the new leases */
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    int rc = hf_db_exec(st->db, CALLS_LOCK, 1, p, NULL) == 0 ? HF_OK : HF_EDB;
    char **ids = NULL;
    size_t nd = 0;
    if (rc == HF_OK)
        rc = ids_of(st, sql_due, 3, p, &ids, &nd);
    char (*leases)[40] = nd ? hf_store_alloc(st, nd * sizeof(*leases)) : NULL;
    if (rc == HF_OK && nd && !leases)
        rc = HF_ENOMEM;
    size_t made = 0;
    store_move_t m = { .to = SCHED_IN_PROGRESS };
    for (size_t i = 0; rc == HF_OK && i < nd; i++) {
        char *pool = ids[i] ? strchr(ids[i], ' ') : NULL;
        if (!pool) {
            rc = HF_ENOMEM;
            break;
        }
        *pool++ = '\0';
        Hrflow__V1__Interview *v;
        const char *why;
        rc = store_interview_move_in(st, ids[i], &m, &v, &why);
        if (rc == STORE_EREFUSED || rc == HF_ENOTFOUND) {
            rc = HF_OK; /* moved since it was read (cancelled): not due any more */
            continue;
        }
        if (rc == HF_OK && (rc = lease_add(st, ids[i], pool, engine, secs, leases[made])) == HF_OK)
            made++;
    }
    rc = hf_store_finish(st, rc);
    /* the leases as the engine sees them, read after the lock is gone (the
     * interviews were moved under the caller's wall already) */
    Hrflow__V1__CallLease **got = made ? hf_store_alloc(st, made * sizeof(*got)) : NULL;
    if (rc == HF_OK && made && !got)
        rc = HF_ENOMEM;
    hf_store_t sys = *st;
    sys.companies = NULL, sys.n_companies = 0;
    for (size_t i = 0; rc == HF_OK && i < made; i++)
        rc = store_lease_get(&sys, leases[i], &got[i]);
    if (rc != HF_OK)
        return rc;
    *out = got;
    *n = made;
    did->claimed = (long)made;
    return HF_OK;
}

/* ---- renewals ---- */

/* Why lease l (read, not live) cannot be used: a static sentence. */
static const char *ended(const Hrflow__V1__CallLease *l)
{
    if (!*l->outcome || !strcmp(l->outcome, "expired"))
        return "the lease expired: the interview was put back to be called again";
    if (!strcmp(l->outcome, "completed"))
        return "the call was already reported completed";
    if (!strcmp(l->outcome, "no_answer"))
        return "the call was already reported no_answer";
    return "the call was already reported failed";
}

int store_lease_renew(hf_store_t *st, const char *id, int lease_s, Hrflow__V1__CallLease **out,
                      const char **why)
{
    char secs[16];
    snprintf(secs, sizeof(secs), "%d", lease_s);
    const char *p[] = { st->tenant, id, hf_store_companies(st), secs };
    *why = "";
    if (!p[2])
        return HF_ENOMEM;
    PGresult *r = hf_db_query(st->db,
                              "UPDATE scheduling.call_leases"
                              " SET expire_time = scheduling.now() + make_interval(secs => $4::int)"
                              " WHERE tenant_id = $1 AND id = $2::uuid AND outcome IS NULL"
                              " AND expire_time > scheduling.now() AND "
                              HF_SEES_COMPANY("company_id", "3") " RETURNING id",
                              4, p);
    int rc = hf_store_rows(r, 1);
    PQclear(r);
    if (rc == HF_OK)
        return store_lease_get(st, id, out);
    if (rc != HF_ENOTFOUND)
        return rc;
    Hrflow__V1__CallLease *l = NULL;
    rc = store_lease_get(st, id, &l);
    if (rc != HF_OK)
        return rc;
    *why = ended(l);
    return STORE_EREFUSED;
}

/* ---- reports ---- */

/* The lease, locked, with what a report decides by. */
typedef struct {
    int live;                 /* no outcome, not lapsed */
    char outcome[16];         /* "" while it has none */
    int attempt, max, retry;  /* this call, the job's call_attempts and retry_minutes */
    char interview[40];
} held_t;

static int lease_lock(hf_store_t *st, const char *id, held_t *h)
{
    const char *p[] = { st->tenant, id, hf_store_companies(st) };
    if (!p[2])
        return HF_ENOMEM;
    PGresult *r = hf_db_query(st->db,
                              "SELECT l.outcome IS NULL AND l.expire_time > scheduling.now(),"
                              " coalesce(l.outcome, ''), l.attempt, js.call_attempts,"
                              " js.retry_minutes, l.interview_id" LEASE_FROM
                              " WHERE l.tenant_id = $1 AND l.id = $2::uuid AND "
                              HF_SEES_COMPANY("l.company_id", "3") " FOR UPDATE OF l",
                              3, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK) {
        h->live = PQgetvalue(r, 0, 0)[0] == 't';
        snprintf(h->outcome, sizeof(h->outcome), "%s", PQgetvalue(r, 0, 1));
        h->attempt = atoi(PQgetvalue(r, 0, 2));
        h->max = atoi(PQgetvalue(r, 0, 3));
        h->retry = atoi(PQgetvalue(r, 0, 4));
        snprintf(h->interview, sizeof(h->interview), "%s", PQgetvalue(r, 0, 5));
    }
    PQclear(r);
    return rc;
}

/* End the locked lease id with outcome ("started": only mark it begun). */
static int lease_end(hf_store_t *st, const char *id, const char *outcome)
{
    const char *p[] = { st->tenant, id, outcome };
    return hf_db_exec(st->db,
                      "UPDATE scheduling.call_leases SET"
                      " started_time = coalesce(started_time, scheduling.now()),"
                      " outcome = CASE WHEN $3 = 'started' THEN NULL ELSE $3 END,"
                      " end_time = CASE WHEN $3 = 'started' THEN NULL ELSE scheduling.now() END"
                      " WHERE tenant_id = $1 AND id = $2::uuid",
                      3, p, NULL) == 0
               ? HF_OK
               : HF_EDB;
}

/* The move a report makes of the interview of h. */
static int report_move(hf_store_t *st, const held_t *h, const char *outcome, const char *reason,
                       Hrflow__V1__Interview **v, const char **why)
{
    store_move_t m = { .to = SCHED_COMPLETED };
    char words[600];
    if (strcmp(outcome, "completed")) {
        int last = h->attempt >= h->max;
        m.to = last ? SCHED_NO_SHOW : SCHED_RETRYING;
        m.retry_min = h->retry;
        if (last)
            snprintf(words, sizeof(words), "%s after %d call%s%s%s", outcome, h->attempt,
                     h->attempt == 1 ? "" : "s", *reason ? ": " : "", reason);
        else
            snprintf(words, sizeof(words), "%s%s%s", outcome, *reason ? ": " : "", reason);
        m.reason = words;
    } else
        m.reason = reason;
    return store_interview_move_in(st, h->interview, &m, v, why);
}

int store_call_report(hf_store_t *st, const char *id, const char *outcome, const char *reason,
                      Hrflow__V1__CallReport *out, const char **why, int *moved)
{
    *why = "";
    *moved = 0;
    held_t h;
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    int rc = lease_lock(st, id, &h), again = 0;
    if (rc == HF_OK && !h.live) {
        again = *h.outcome && !strcmp(h.outcome, outcome);
        if (!again) {
            Hrflow__V1__CallLease l = HRFLOW__V1__CALL_LEASE__INIT;
            l.outcome = h.outcome;
            *why = !strcmp(outcome, "started") && *h.outcome && strcmp(h.outcome, "expired")
                       ? "the call has ended: it cannot start"
                       : ended(&l);
            rc = STORE_EREFUSED;
        }
    }
    Hrflow__V1__Interview *v = NULL;
    if (rc == HF_OK && !again)
        rc = lease_end(st, id, outcome);
    if (rc == HF_OK && !again && strcmp(outcome, "started"))
        rc = report_move(st, &h, outcome, reason, &v, why);
    rc = hf_store_finish(st, rc);
    *moved = rc == HF_OK && v != NULL;
    if (rc == HF_OK && !v)
        rc = store_interview_get(st, h.interview, &v);
    if (rc == HF_OK)
        rc = store_lease_get(st, id, &out->lease);
    out->interview = v;
    return rc;
}

/* ---- gauges ---- */

int store_engine_gauges(hf_store_t *st, void (*fn)(void *ctx, const char *tenant,
                                                   const char *pool, double busy),
                        void *ctx, double *due)
{
    PGresult *r = hf_db_query(st->db,
                              "SELECT tenant_id, pool_id, count(*) FROM scheduling.call_leases"
                              " WHERE outcome IS NULL GROUP BY tenant_id, pool_id",
                              0, NULL);
    if (!r)
        return HF_EDB;
    for (int i = 0; i < PQntuples(r); i++)
        fn(ctx, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), strtod(PQgetvalue(r, i, 2), NULL));
    PQclear(r);
    r = hf_db_query(st->db,
                    "SELECT count(*) FROM scheduling.interviews i, (SELECT scheduling.now()"
                    " AS now) t WHERE ((" DUE_BOOKED("t.now") ") OR (" DUE_RETRY("t.now")
                    ")) AND " UNLEASED,
                    0, NULL);
    if (!r)
        return HF_EDB;
    *due = strtod(PQgetvalue(r, 0, 0), NULL);
    PQclear(r);
    return HF_OK;
}
