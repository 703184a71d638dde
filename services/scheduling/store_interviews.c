/* services/scheduling/store_interviews.c - AI interviews: invitations, assignment, moves (store.h)
 *
 * store_assign places a company's waiting interviews and its new
 * invitations with one statement (pair the n-th oldest invitation with the
 * n-th seat in the order of fairness, book each slot once for all its
 * candidates with a guarded increment, write the new ones scheduled or
 * waiting, and the events);
 * store_interview_move is the one way an interview changes state, with the
 * lifecycle (lifecycle.c) deciding what may happen and the seat it holds
 * moving with it.
 */
#include "store_private.h"

#include "hf/db.h"
#include "hf/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ITV_COLS                                                                                \
    "id, company_id, application_id, job_id, candidate_id, competency_model_id, state, "        \
    HF_MICROS("start_time") ", " HF_MICROS("end_time") ", sequence, reason, version, "          \
    HF_MICROS("invite_time") ", " HF_MICROS("create_time") ", " HF_MICROS("update_time") ", " \
    "candidate_reschedules, " HF_MICROS("call_due")

static void *interview_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__Interview *v = hf_store_alloc(st, sizeof(*v));
    if (!v)
        return NULL;
    hrflow__v1__interview__init(v);
    v->id = hf_store_cell(st, r, i, 0);
    v->company_id = hf_store_cell(st, r, i, 1);
    v->application_id = hf_store_cell(st, r, i, 2);
    v->job_id = hf_store_cell(st, r, i, 3);
    v->candidate_id = hf_store_cell(st, r, i, 4);
    v->competency_model_id = hf_store_cell(st, r, i, 5);
    v->state = hf_store_cell(st, r, i, 6);
    v->start_time = hf_store_time(st, r, i, 7);
    v->end_time = hf_store_time(st, r, i, 8);
    v->sequence = (uint32_t)atoi(PQgetvalue(r, i, 9));
    v->reason = hf_store_cell(st, r, i, 10);
    v->version = strtoll(PQgetvalue(r, i, 11), NULL, 10);
    v->invite_time = hf_store_time(st, r, i, 12);
    v->create_time = hf_store_time(st, r, i, 13);
    v->update_time = hf_store_time(st, r, i, 14);
    v->candidate_reschedules = (uint32_t)atoi(PQgetvalue(r, i, 15));
    v->call_due = hf_store_time(st, r, i, 16);
    return v->id && v->company_id && v->application_id && v->job_id && v->candidate_id &&
                   v->competency_model_id && v->state && v->reason && v->invite_time &&
                   v->create_time && v->update_time
               ? v
               : NULL;
}

/* fn(ctx, column 0, column 1) for each row of r (consumed); HF_EDB when r is NULL. */
static int each_pair(PGresult *r, void (*fn)(void *ctx, const char *a, const char *b), void *ctx)
{
    if (!r)
        return HF_EDB;
    for (int i = 0; i < PQntuples(r); i++)
        fn(ctx, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    PQclear(r);
    return HF_OK;
}

/* ---- invitations and assignment ---- */

static const char sql_assign[] =
    "WITH w AS (SELECT scheduling.now() + make_interval(mins => $4::int) AS lo,"
    "   scheduling.window_end($1::uuid, $2::uuid, scheduling.now()) AS hi),"
    " e AS MATERIALIZED (SELECT e.* FROM w, scheduling.eligible($1::uuid, $2::uuid, w.lo,"
    "   w.hi) e),"
    /* the waiting ones, oldest first, as many as there are free seats: a
     * later one would find none, so a company without seats reads and
     * locks none of them (they used to be read, locked and sorted for every
     * batch of invitations, a cost that grew with the queue) */
    " locked AS (SELECT * FROM scheduling.waiting_lot($1::uuid, $2::uuid, least($3::int,"
    "   (SELECT coalesce(sum(greatest(capacity - booked, 0)), 0) FROM e)::int))),"
    /* the new invitations, less those already taken (the same event) or
     * for an application with an open interview: the first of the batch
     * for an application (the caller holds the consumer's cursor, so no
     * other transaction adds interviews meanwhile). OFFSET 0 keeps each
     * NOT EXISTS a probe per invitation (as anti-joins the planner hashed
     * the tenant's every interview, once per batch), and the tenant named
     * by IS NOT DISTINCT FROM, which no index answers, leaves each probe
     * the one index led by its key (migration 0053; by `tenant_id =` the
     * planner, with statistics that had not seen the tenant, took another
     * index of the tenant's and walked every interview of it per probe) */
    " fresh AS MATERIALIZED (SELECT DISTINCT ON (x.a) gen_random_uuid() AS id, x.*,"
    "   'epoch'::timestamptz + x.us * interval '1 microsecond' AS invite_time"
    "   FROM jsonb_to_recordset($5::jsonb) AS x(e bigint, a uuid, j uuid, c uuid, m text,"
    "   us bigint, i int)"
    "   WHERE NOT EXISTS (SELECT 1 FROM scheduling.interviews o WHERE o.invitation = x.e"
    "     AND o.tenant_id IS NOT DISTINCT FROM $1::uuid OFFSET 0)"
    "   AND NOT EXISTS (SELECT 1 FROM scheduling.interviews o WHERE o.application_id = x.a"
    "     AND o.tenant_id IS NOT DISTINCT FROM $1::uuid"
    "     AND o.state NOT IN ('completed', 'no_show', 'cancelled') OFFSET 0)"
    "   ORDER BY x.a, x.i),"
    /* the lot: the waiting ones, oldest first, then the new ones in the
     * batch's order */
    " lot AS (SELECT array_agg(id ORDER BY src, t, k) AS ids,"
    "   array_agg(row_id ORDER BY src, t, k) AS rows FROM ("
    "   SELECT id, row_id, 0 AS src, invite_time AS t, 0 AS k FROM locked UNION ALL"
    "   SELECT id, NULL::tid, 1, invite_time, i FROM fresh) u),"
    /* the days the lot can reach: those with fewer free seats before them
     * than the lot has interviews */
    " days AS (SELECT day FROM (SELECT day, sum(sum(capacity - booked)) OVER (ORDER BY day)"
    "   - sum(capacity - booked) AS before FROM e GROUP BY day) d"
    "   WHERE before < (SELECT cardinality(ids) FROM lot)),"
    /* the seats in the order of fairness: the earliest day first; within a
     * day the first free seat of every slot, then the second, … (no slot
     * gives more seats than the lot has interviews) */
    " seats AS (SELECT e.pool_id, e.start_time, e.end_time, e.row_id,"
    "   row_number() OVER (ORDER BY e.day, seat, e.start_time) AS n"
    "   FROM e JOIN days USING (day), generate_series(e.booked + 1, least(e.capacity,"
    "   e.booked + (SELECT cardinality(ids) FROM lot))) seat),"
    /* the n-th in the lot takes the n-th seat */
    " pairs AS (SELECT l.ids[s.n] AS id, l.rows[s.n] AS row_id, s.pool_id, s.start_time,"
    "   s.end_time, s.row_id AS slot_row FROM lot l, seats s WHERE s.n <= cardinality(l.ids)),"
    /* slots and interviews are reached by their rows (ctid = ANY: a TID
     * scan, the interviews' rows locked above, a slot's followed to its
     * latest version), what to write in jsonb maps: no join or index the
     * planner could run once per row of a table whose statistics lag behind
     * what was just added to it */
    " want AS (SELECT jsonb_object_agg(pool_id || ' ' || start_time, k) AS m,"
    "   array_agg(slot_row) AS rows FROM (SELECT slot_row, pool_id, start_time,"
    "   count(*)::int AS k FROM pairs GROUP BY slot_row, pool_id, start_time) ps),"
    " took AS (UPDATE scheduling.slots s SET booked = s.booked"
    "   + ((SELECT m FROM want) ->> (s.pool_id || ' ' || s.start_time))::int"
    "   WHERE s.ctid = ANY ((SELECT rows FROM want)::tid[])"
    "   AND s.booked + ((SELECT m FROM want) ->> (s.pool_id || ' ' || s.start_time))::int"
    "   <= s.capacity RETURNING s.pool_id, s.start_time),"
    " good AS (SELECT jsonb_object_agg(p.id, jsonb_build_array(p.pool_id, p.start_time,"
    "   p.end_time)) AS m, array_agg(p.row_id) FILTER (WHERE p.row_id IS NOT NULL) AS rows"
    "   FROM pairs p JOIN took USING (pool_id, start_time)),"
    " placed AS (UPDATE scheduling.interviews i SET state = 'scheduled',"
    "   pool_id = ((SELECT m FROM good) -> i.id::text ->> 0)::uuid,"
    "   start_time = ((SELECT m FROM good) -> i.id::text ->> 1)::timestamptz,"
    "   end_time = ((SELECT m FROM good) -> i.id::text ->> 2)::timestamptz,"
    "   version = i.version + 1, update_time = now()"
    "   WHERE i.ctid = ANY ((SELECT rows FROM good)::tid[]) RETURNING i.*),"
    /* a new one with a seat is written scheduled at once, else waiting */
    " made AS (INSERT INTO scheduling.interviews (tenant_id, id, company_id, application_id,"
    "   job_id, candidate_id, competency_model_id, invitation, invite_time, state, pool_id,"
    "   start_time, end_time)"
    "   SELECT $1::uuid, g.id, $2::uuid, g.a, g.j, g.c, g.m, g.e, g.invite_time,"
    "   CASE WHEN g.seat IS NULL THEN 'waiting' ELSE 'scheduled' END, (g.seat ->> 0)::uuid,"
    "   (g.seat ->> 1)::timestamptz, (g.seat ->> 2)::timestamptz"
    "   FROM (SELECT f.*, (SELECT m FROM good) -> f.id::text AS seat FROM fresh f) g"
    "   ORDER BY g.i RETURNING *),"
    " now_scheduled AS (SELECT * FROM placed UNION ALL"
    "   SELECT * FROM made WHERE state = 'scheduled'),"
    " ev AS (INSERT INTO events.outbox (tenant_id, source, type, subject, data)"
    "   SELECT $1::uuid::text, '" SOURCE "', 'hrflow.scheduling.interview.scheduled.v1',"
    "   'interviews/' || i.id, " EVENT_DATA("i") " FROM now_scheduled i"
    "   ORDER BY i.start_time, i.id)"
    " SELECT (SELECT count(*) FROM locked), extract(epoch FROM now() - n.invite_time)"
    " FROM (SELECT) one LEFT JOIN now_scheduled n ON true";

/* The invitations as the statement's jsonb; NULL when out of memory. */
static char *invitations_json(const store_invitation_t *inv, size_t n)
{
    json_t *rows = json_array();
    for (size_t i = 0; rows && i < n; i++) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "e", inv[i].event_id, "a",
                              inv[i].application, "j", inv[i].job, "c", inv[i].candidate, "m",
                              inv[i].model, "us", (json_int_t)inv[i].time_us, "i",
                              (json_int_t)i);
        if (!o || json_array_append_new(rows, o) < 0) {
            json_decref(rows);
            rows = NULL;
        }
    }
    char *text = rows ? json_dumps(rows, JSON_COMPACT) : NULL;
    json_decref(rows);
    return text;
}

int store_assign(hf_store_t *st, const char *company, int limit, int notice_min,
                 const store_invitation_t *fresh, size_t n_fresh, store_assigned_t *out)
{
    char lim[16], notice[16];
    snprintf(lim, sizeof(lim), "%d", limit);
    snprintf(notice, sizeof(notice), "%d", notice_min);
    *out = (store_assigned_t){ 0 };
    char *json = n_fresh ? invitations_json(fresh, n_fresh) : NULL;
    if (n_fresh && !json)
        return HF_ENOMEM;
    const char *p[] = { st->tenant, company, lim, notice, json ? json : "[]" };
    /* one placing per company at a time, each on the seats the one before
     * left (a statement after the lock sees them). And no sequential scan
     * until the transaction ends: the placing reaches the interviews it
     * moves by their rows (ctid = ANY), which the planner, judging a table
     * grown from empty by statistics of when it was small, turned into a
     * scan of every interview of the table once per batch (auto_explain
     * during a mass import: 166 ms to update none) */
    PGresult *r = NULL;
    if (hf_db_exec(st->db,
                   "SELECT pg_advisory_xact_lock(hashtextextended('scheduling.assign:' || $1"
                   " || ':' || $2, 0)), set_config('enable_seqscan', 'off', true)",
                   2, p, NULL) == 0)
        r = hf_db_query(st->db, sql_assign, 5, p);
    free(json);
    if (!r)
        return HF_EDB;
    int rows = PQntuples(r);
    out->taken = rows ? atol(PQgetvalue(r, 0, 0)) : 0;
    out->lags = hf_store_alloc(st, (size_t)(rows ? rows : 1) * sizeof(double));
    for (int i = 0; out->lags && i < rows; i++)
        if (!PQgetisnull(r, i, 1))
            out->lags[out->placed++] = strtod(PQgetvalue(r, i, 1), NULL);
    PQclear(r);
    return out->lags ? HF_OK : HF_ENOMEM;
}

int store_waiting(hf_store_t *st, const char *tenant,
                  void (*fn)(void *ctx, const char *tenant, const char *company), void *ctx)
{
    const char *p[] = { tenant ? tenant : "" };
    PGresult *r = hf_db_query(st->db,
                              "SELECT tenant_id, company_id FROM scheduling.interviews"
                              " WHERE state = 'waiting' AND ($1 = '' OR tenant_id = $1::uuid)"
                              " GROUP BY tenant_id, company_id ORDER BY min(invite_time)",
                              1, p);
    return each_pair(r, fn, ctx);
}

/* ---- reading ---- */

enum { READ, LOCK, LOCK_OR_PASS };

/* Interview id of the caller's companies into *out, locked FOR UPDATE
 * (LOCK), or only when nobody holds it (LOCK_OR_PASS: SKIP LOCKED), in the
 * open transaction. HF_ENOTFOUND when there is none (or it is held), HF_EDB. */
static int read_interview(hf_store_t *st, const char *id, int lock, Hrflow__V1__Interview **out)
{
#define ITV_ONE                                                                                 \
    "SELECT " ITV_COLS " FROM scheduling.interviews WHERE tenant_id = $1 AND id = $2::uuid"     \
    " AND " HF_SEES_COMPANY("company_id", "3")
    const char *p[] = { st->tenant, id, hf_store_companies(st) };
    if (!p[2])
        return HF_ENOMEM;
    return hf_store_one(st,
                        lock == LOCK           ? ITV_ONE " FOR UPDATE"
                        : lock == LOCK_OR_PASS ? ITV_ONE " FOR UPDATE SKIP LOCKED"
                                               : ITV_ONE,
                        3, p, interview_row, out);
#undef ITV_ONE
}

int store_interview_get(hf_store_t *st, const char *id, Hrflow__V1__Interview **out)
{
    return read_interview(st, id, READ, out);
}

int store_interview_list(hf_store_t *st, const store_interview_filter_t *f, hf_page_t *page,
                         Hrflow__V1__Interview ***out, size_t *n)
{
    const char *p[10] = { st->tenant, f->job, f->application, f->state, f->start_from,
                          f->start_to, hf_store_companies(st) };
    if (!p[6])
        return HF_ENOMEM;
    PGresult *r = hf_page_query(st,
                                "SELECT " ITV_COLS " FROM scheduling.interviews"
                                " WHERE tenant_id = $1 AND ($2 = '' OR job_id = $2::uuid)"
                                " AND ($3 = '' OR application_id = $3::uuid)"
                                " AND ($4 = '' OR state = $4)"
                                " AND ($5 = '' OR start_time >= $5::timestamptz)"
                                " AND ($6 = '' OR start_time < $6::timestamptz)"
                                " AND " HF_SEES_COMPANY("company_id", "7")
                                " AND (create_time, id) > ($8::timestamptz, $9::uuid)"
                                " ORDER BY create_time, id LIMIT $10::int",
                                10, p, 13, page);
    return hf_page_rows(st, r, page, interview_row, (void ***)out, n);
}

/* ---- moves ---- */

/* A slot booked for a move: its pool and times as timestamptz text. */
typedef struct {
    char pool[40], start[48], end[48];
} booked_t;

static int took_seat(PGresult *r, booked_t *b)
{
    if (!r)
        return HF_EDB;
    int got = PQntuples(r) == 1;
    if (got) {
        snprintf(b->pool, sizeof(b->pool), "%s", PQgetvalue(r, 0, 0));
        snprintf(b->start, sizeof(b->start), "%s", PQgetvalue(r, 0, 1));
        snprintf(b->end, sizeof(b->end), "%s", PQgetvalue(r, 0, 2));
    }
    PQclear(r);
    return got ? HF_OK : HF_ENOTFOUND;
}

/* Book the slot starting at micros (Unix microseconds, text) for company,
 * or say why not. */
static int book_at(hf_store_t *st, const Hrflow__V1__Interview *v, const char *micros,
                   booked_t *b, const char **why)
{
    const char *p[] = { st->tenant, v->company_id, micros };
    PGresult *r = hf_db_query(st->db,
                              "SELECT scheduling.why_not($1::uuid, $2::uuid, " FROM_MICROS("3") ")",
                              3, p);
    if (!r)
        return HF_EDB;
    static const char *const codes[] = { "in_the_past", "closed", "outside_working_hours",
                                         "not_a_slot", "full" };
    const char *got = PQgetvalue(r, 0, 0);
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (!strcmp(got, codes[i]))
            *why = codes[i];
    int refused = *got != '\0';
    PQclear(r);
    if (refused)
        return STORE_ESLOT;
    int rc = took_seat(hf_db_query(st->db,
                                   "UPDATE scheduling.slots s SET booked = s.booked + 1"
                                   " FROM scheduling.profile($1::uuid, $2::uuid) p"
                                   " WHERE s.tenant_id = $1::uuid AND s.pool_id = p.pool"
                                   " AND s.start_time = " FROM_MICROS("3")
                                   " AND s.booked < s.capacity"
                                   " RETURNING s.pool_id, s.start_time, s.end_time",
                                   3, p),
                       b);
    if (rc == HF_ENOTFOUND)
        *why = "full", rc = STORE_ESLOT;
    return rc;
}

/* Book the earliest free slot company may use from now + notice_min on,
 * other than the one it holds. A slot another transaction fills between
 * the choice and the booking is passed for the next. */
static int book_next(hf_store_t *st, const Hrflow__V1__Interview *v, int notice_min,
                     const char *current, booked_t *b, const char **why)
{
    char notice[16];
    snprintf(notice, sizeof(notice), "%d", notice_min);
    const char *p[] = { st->tenant, v->company_id, notice, current };
    for (int tries = 0; tries < 5; tries++) {
        int rc = took_seat(
            hf_db_query(st->db,
                        "WITH pick AS (SELECT e.pool_id, e.start_time FROM scheduling.eligible("
                        "   $1::uuid, $2::uuid, scheduling.now() + make_interval(mins => $3::int),"
                        "   'infinity') e"
                        "   WHERE e.booked < e.capacity"
                        "   AND e.start_time IS DISTINCT FROM nullif($4, '')::timestamptz"
                        "   ORDER BY e.start_time LIMIT 1)"
                        " UPDATE scheduling.slots s SET booked = s.booked + 1 FROM pick"
                        " WHERE s.tenant_id = $1::uuid AND s.pool_id = pick.pool_id"
                        " AND s.start_time = pick.start_time AND s.booked < s.capacity"
                        " RETURNING s.pool_id, s.start_time, s.end_time",
                        4, p),
            b);
        if (rc != HF_ENOTFOUND)
            return rc;
    }
    *why = "no_free_slot";
    return STORE_ESLOT;
}

/* The interview's slot (pool, start) as text, for the statements that give
 * its seat back: "" when it has none. */
static int current_slot(hf_store_t *st, const char *id, char pool[40], char start[48])
{
    const char *p[] = { st->tenant, id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT coalesce(pool_id::text, ''), coalesce(start_time::text, '')"
                              " FROM scheduling.interviews WHERE tenant_id = $1 AND id = $2::uuid",
                              2, p);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        return HF_EDB;
    }
    snprintf(pool, 40, "%s", PQgetvalue(r, 0, 0));
    snprintf(start, 48, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    return HF_OK;
}

static int give_back(hf_store_t *st, const char *pool, const char *start)
{
    const char *p[] = { st->tenant, pool, start };
    return hf_db_exec(st->db,
                      "UPDATE scheduling.slots SET booked = booked - 1 WHERE tenant_id = $1"
                      " AND pool_id = $2::uuid AND start_time = $3::timestamptz",
                      3, p, NULL) == 0
               ? HF_OK
               : HF_EDB;
}

/* The interview's new state, with its event, from the states that may
 * reach it (the lifecycle's table, as SQL). */
static int write_move(hf_store_t *st, const char *id, sched_state_t to, const char *reason,
                      const booked_t *b, int counted, const char *extra, int retry_min,
                      Hrflow__V1__Interview **out)
{
    char from[160], type[80];
    if (sched_from_states(to, from, sizeof(from)) < 0 ||
        sched_event_type(to, type, sizeof(type)) < 0)
        return HF_EDB;
    char retry[16];
    snprintf(retry, sizeof(retry), "%d", retry_min);
    const char *p[] = { st->tenant, id, from, sched_state_name(to), reason,
                        b ? b->pool : "", b ? b->start : "", b ? b->end : "", type,
                        to == SCHED_RESCHEDULED ? "1" : "0", counted ? "1" : "0",
                        extra ? extra : "", retry };
    int rc = hf_store_one(
        st,
        "WITH i AS (UPDATE scheduling.interviews SET state = $4,"
        "   reason = CASE WHEN $5 = '' THEN reason ELSE $5 END,"
        "   pool_id = coalesce(nullif($6, '')::uuid, pool_id),"
        "   start_time = coalesce(nullif($7, '')::timestamptz, start_time),"
        "   end_time = coalesce(nullif($8, '')::timestamptz, end_time),"
        "   sequence = sequence + $10::int, version = version + 1, update_time = now(),"
        "   candidate_reschedules = candidate_reschedules + $11::int,"
        "   call_due = CASE WHEN $4 = 'retrying'"
        "     THEN scheduling.now() + make_interval(mins => $13::int) END"
        "   WHERE tenant_id = $1 AND id = $2::uuid AND state = ANY ($3::text[]) RETURNING *),"
        " ev AS (INSERT INTO events.outbox (tenant_id, source, type, subject, data)"
        "   SELECT $1::uuid::text, '" SOURCE "', $9, 'interviews/' || i.id, " EVENT_DATA("i")
        "   || coalesce(nullif($12, '')::jsonb, '{}') FROM i)"
        " SELECT " ITV_COLS " FROM i",
        13, p, interview_row, out);
    return rc == HF_ENOTFOUND ? HF_ECONFLICT : rc;
}

/* Whether the candidate may reschedule v (locked) once more: its job's
 * reschedule_limit against the reschedules made through the link. */
static int reschedule_left(hf_store_t *st, const Hrflow__V1__Interview *v, const char **why)
{
    char made[16];
    snprintf(made, sizeof(made), "%u", v->candidate_reschedules);
    const char *p[] = { st->tenant, v->job_id, made };
    PGresult *r = hf_db_query(st->db,
                              "SELECT $3::int < reschedule_limit"
                              " FROM scheduling.job_settings_of($1::uuid, $2::uuid)",
                              3, p);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        return HF_EDB;
    }
    int left = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!left)
        *why = "the reschedules this job allows are used up";
    return left ? HF_OK : STORE_EREFUSED;
}

/* Moves share the tenant's slots with one another and not with
 * scheduling.regenerate, which holds the same advisory lock alone while it
 * rewrites the slots: a move books and gives back seats in an order of its
 * own, and without the lock the two could each wait for a slot the other
 * holds (a deadlock, one of them failed). */
static int slots_shared(hf_store_t *st)
{
    const char *p[] = { st->tenant };
    return hf_db_exec(st->db,
                      "SELECT pg_advisory_xact_lock_shared(hashtextextended('scheduling.slots:'"
                      " || $1::uuid, 0))",
                      1, p, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

/* The move in the open transaction, the interview v locked. */
static int move_locked(hf_store_t *st, Hrflow__V1__Interview *v, const store_move_t *m,
                       Hrflow__V1__Interview **out, const char **why)
{
    sched_state_t from;
    if (sched_state_parse(v->state, &from) < 0)
        return HF_EDB;
    sched_state_t to = m->to == SCHED_RESCHEDULED && from == SCHED_WAITING ? SCHED_SCHEDULED
                                                                           : m->to;
    if (!sched_can_move(from, to, why))
        return STORE_EREFUSED;
    if (m->by_candidate && from == SCHED_IN_PROGRESS) {
        *why = "the call is under way: it cannot be moved";
        return STORE_EREFUSED;
    }
    int counted = m->by_candidate && to == SCHED_RESCHEDULED;
    int rc = counted ? reschedule_left(st, v, why) : HF_OK;
    if (rc == HF_OK)
        rc = slots_shared(st);
    char pool[40], start[48];
    if (rc == HF_OK)
        rc = current_slot(st, v->id, pool, start);
    booked_t b, *moved = NULL;
    if (rc == HF_OK && m->to == SCHED_RESCHEDULED) {
        char micros[24] = "";
        if (m->start_time) {
            snprintf(micros, sizeof(micros), "%s", m->start_time);
            long long want = strtoll(micros, NULL, 10);
            long long held = v->start_time ? (long long)v->start_time->seconds * 1000000 +
                                                 v->start_time->nanos / 1000
                                           : -1;
            if (want == held) {
                *why = "unchanged";
                return STORE_ESLOT;
            }
        }
        rc = m->start_time ? book_at(st, v, micros, &b, why)
                           : book_next(st, v, m->notice_min, start, &b, why);
        moved = rc == HF_OK ? &b : NULL;
    }
    int seat_goes = sched_holds_seat(from) && (!sched_holds_seat(to) || moved);
    if (rc == HF_OK && seat_goes && *pool)
        rc = give_back(st, pool, start);
    if (rc == HF_OK)
        rc = write_move(st, v->id, to, m->reason ? m->reason : "", moved, counted,
                        m->event_extra, m->retry_min, out);
    return rc;
}

int store_interview_move_in(hf_store_t *st, const char *id, const store_move_t *m,
                            Hrflow__V1__Interview **out, const char **why)
{
    *why = "";
    Hrflow__V1__Interview *v = NULL;
    int rc = read_interview(st, id, LOCK, &v);
    if (rc == HF_OK && m->expected_version && m->expected_version != v->version)
        rc = HF_ECONFLICT;
    if (rc == HF_OK)
        rc = move_locked(st, v, m, out, why);
    return rc;
}

int store_interview_move(hf_store_t *st, const char *id, const store_move_t *m,
                         Hrflow__V1__Interview **out, const char **why)
{
    *why = "";
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    return hf_store_finish(st, store_interview_move_in(st, id, m, out, why));
}

/* ---- booking ---- */

static void *booking_row(hf_store_t *st, PGresult *r, int i)
{
    store_booking_t *b = hf_store_alloc(st, sizeof(*b));
    if (!b || !(b->interview = interview_row(st, r, i)))
        return NULL;
    b->time_zone = hf_store_cell(st, r, i, 17);
    b->reschedule_limit = atoi(PQgetvalue(r, i, 18));
    b->now_s = strtoll(PQgetvalue(r, i, 19), NULL, 10);
    return b->time_zone ? b : NULL;
}

int store_booking_get(hf_store_t *st, const char *id, store_booking_t **out)
{
    const char *p[] = { st->tenant, id };
    return hf_store_one(st,
                          "SELECT " ITV_COLS ","
                          " (SELECT time_zone FROM scheduling.profile(tenant_id, company_id)),"
                          " (SELECT reschedule_limit"
                          "    FROM scheduling.job_settings_of(tenant_id, job_id)),"
                          " floor(extract(epoch FROM scheduling.now()))::bigint"
                          " FROM scheduling.interviews WHERE tenant_id = $1 AND id = $2::uuid",
                          2, p, booking_row, out);
}

/* ---- what the timers do ---- */

/* The interview's state, or -1. */
static int state_of(const Hrflow__V1__Interview *v)
{
    sched_state_t s;
    return sched_state_parse(v->state, &s) == 0 ? (int)s : -1;
}

/* Whether the interview's slot starts at start (RFC 3339 UTC, seconds). */
static int starts_at(const Hrflow__V1__Interview *v, const char *start)
{
    if (!v->start_time || !start)
        return 0;
    time_t at = (time_t)v->start_time->seconds;
    struct tm tm;
    char text[32];
    gmtime_r(&at, &tm);
    strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return !strcmp(text, start);
}

/* Lock the interview a timer is for, without waiting: a runner holds its
 * batch of timers while it waits, and a move of the interview in hand (its
 * trigger arming the interview's timers) would wait for that batch: each
 * would wait for the other. HF_ENOTFOUND when there is none, HF_ECONFLICT
 * when another transaction holds it (the timer is tried again), HF_EDB. */
static int timer_lock(hf_store_t *st, const char *id, Hrflow__V1__Interview **v)
{
    int rc = read_interview(st, id, LOCK_OR_PASS, v);
    if (rc == HF_ENOTFOUND && read_interview(st, id, READ, v) == HF_OK)
        rc = HF_ECONFLICT;
    return rc;
}

/* A locked interview moves to `to` by the lifecycle's one path; what the
 * lifecycle refuses is passed. */
static int timer_move(hf_store_t *st, Hrflow__V1__Interview *v, sched_state_t to,
                      const char *reason, const char *extra, store_timer_outcome_t *what)
{
    const store_move_t m = { .to = to, .reason = reason, .event_extra = extra };
    Hrflow__V1__Interview *out = NULL;
    const char *why = "";
    int rc = move_locked(st, v, &m, &out, &why);
    if (rc == STORE_EREFUSED || rc == HF_ECONFLICT)
        return HF_OK;
    if (rc == HF_OK)
        *what = STORE_TIMER_ACTED;
    return rc;
}

int store_interview_remind(hf_store_t *st, const char *id, int minutes, const char *start,
                           store_timer_outcome_t *what)
{
    *what = STORE_TIMER_PASSED;
    Hrflow__V1__Interview *v = NULL;
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    int rc = timer_lock(st, id, &v);
    if (rc == HF_ENOTFOUND || (rc == HF_OK && !starts_at(v, start)))
        return hf_store_finish(st, HF_OK);
    char extra[48];
    snprintf(extra, sizeof(extra), "{\"reminderMinutes\": %d}", minutes);
    int s = rc == HF_OK ? state_of(v) : -1;
    if (s == SCHED_SCHEDULED || s == SCHED_RESCHEDULED)
        rc = timer_move(st, v, SCHED_REMINDED, "", extra, what);
    else if (s == SCHED_REMINDED) {
        /* a later reminder: the state stays, the event goes */
        const char *p[] = { st->tenant, id, extra };
        rc = hf_db_exec(st->db,
                        "INSERT INTO events.outbox (tenant_id, source, type, subject, data)"
                        " SELECT $1::uuid::text, '" SOURCE "',"
                        " 'hrflow.scheduling.interview.reminded.v1', 'interviews/' || i.id, "
                        EVENT_DATA("i") " || $3::jsonb FROM scheduling.interviews i"
                        " WHERE i.tenant_id = $1 AND i.id = $2::uuid",
                        3, p, NULL) < 0
                 ? HF_EDB
                 : HF_OK;
        if (rc == HF_OK)
            *what = STORE_TIMER_ACTED;
    }
    return hf_store_finish(st, rc);
}

/* Whether call engines work for st's tenant: a lease of its lapsed, ended or
 * held within the last hour. An interview not yet called then waits in
 * their queue for a line (its call is the platform's to make, not a missed
 * slot of the candidate's); without engines it is the candidate's no-show. */
static int engines_at_work(hf_store_t *st, int *yes)
{
    const char *p[] = { st->tenant };
    PGresult *r = hf_db_query(st->db,
                              "SELECT EXISTS (SELECT 1 FROM scheduling.call_leases"
                              " WHERE tenant_id = $1::uuid"
                              " AND greatest(expire_time, coalesce(end_time, expire_time))"
                              "   > scheduling.now() - interval '1 hour')",
                              1, p);
    if (!r)
        return HF_EDB;
    *yes = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return HF_OK;
}

int store_interview_check_no_show(hf_store_t *st, const char *id, store_timer_outcome_t *what)
{
    *what = STORE_TIMER_PASSED;
    Hrflow__V1__Interview *v = NULL;
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    int rc = timer_lock(st, id, &v);
    int s = rc == HF_OK ? state_of(v) : -1;
    int booked = s == SCHED_SCHEDULED || s == SCHED_REMINDED || s == SCHED_RESCHEDULED;
    int queued = 0;
    if (booked)
        rc = engines_at_work(st, &queued);
    if (rc == HF_OK && booked && !queued)
        rc = timer_move(st, v, SCHED_NO_SHOW, "no_show", NULL, what);
    else if (rc == HF_OK && (queued || s == SCHED_IN_PROGRESS || s == SCHED_RETRYING)) {
        /* the call decides; the check looks again a grace (at least 5
         * minutes) later: setting its own timer re-arms it */
        const char *p[] = { st->tenant, id, v->job_id };
        rc = hf_db_exec(st->db,
                        "SELECT timers.set('scheduling.no_show', $1::text, 'interviews/' || $2 ||"
                        " '/no_show', scheduling.now() + make_interval(mins =>"
                        " greatest(s.no_show_grace_minutes, 5)), jsonb_build_object("
                        "'interviewId', $2::uuid)) FROM scheduling.job_settings_of($1::uuid,"
                        " $3::uuid) s",
                        3, p, NULL) < 0
                 ? HF_EDB
                 : HF_OK;
        *what = STORE_TIMER_WAIT;
    }
    return hf_store_finish(st, rc == HF_ENOTFOUND ? HF_OK : rc);
}

int store_interview_expire(hf_store_t *st, const char *id, store_timer_outcome_t *what)
{
    *what = STORE_TIMER_PASSED;
    Hrflow__V1__Interview *v = NULL;
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    int rc = timer_lock(st, id, &v);
    if (rc == HF_OK && state_of(v) == SCHED_WAITING)
        rc = timer_move(st, v, SCHED_CANCELLED, "invitation_expired",
                        "{\"reason\": \"invitation_expired\"}", what);
    return hf_store_finish(st, rc == HF_ENOTFOUND ? HF_OK : rc);
}
