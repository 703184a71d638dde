/* services/scheduling/store_interviews.c - AI interviews: invitations, assignment, moves (store.h)
 *
 * An invitation becomes a waiting interview; store_assign places a whole
 * company's waiting interviews with one statement (pair the n-th oldest
 * invitation with the n-th seat in the order of fairness, book each slot
 * once for all its candidates with a guarded increment, write the events);
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

#define ITV_COLS                                                                                \
    "id, company_id, application_id, job_id, candidate_id, competency_model_id, state, "        \
    HF_MICROS("start_time") ", " HF_MICROS("end_time") ", sequence, reason, version, "          \
    HF_MICROS("invite_time") ", " HF_MICROS("create_time") ", " HF_MICROS("update_time") ", " \
    HF_MICROS("call_due")

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
    v->call_due = hf_store_time(st, r, i, 15);
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

/* ---- invitations ---- */

int store_invitations_add(PGconn *db, const store_invitation_t *inv, size_t n,
                          void (*fn)(void *ctx, const char *tenant, const char *company),
                          void *ctx)
{
    json_t *rows = json_array();
    for (size_t i = 0; rows && i < n; i++) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "t",
                              inv[i].tenant, "e", inv[i].event_id, "a", inv[i].application, "j",
                              inv[i].job, "c", inv[i].candidate, "m", inv[i].model, "co",
                              inv[i].company, "us", (json_int_t)inv[i].time_us, "i",
                              (json_int_t)i);
        if (!o || json_array_append_new(rows, o) < 0) {
            json_decref(rows);
            rows = NULL;
        }
    }
    char *text = rows ? json_dumps(rows, JSON_COMPACT) : NULL;
    json_decref(rows);
    const char *p[] = { text };
    PGresult *r =
        text ? hf_db_query(db,
                           "WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(t uuid,"
                           "   e bigint, a uuid, j uuid, c uuid, m text, co uuid, us bigint, i int)),"
                           " made AS (INSERT INTO scheduling.interviews (tenant_id, company_id,"
                           "   application_id, job_id, candidate_id, competency_model_id,"
                           "   invitation, invite_time)"
                           "   SELECT t, co, a, j, c, m, e, 'epoch'::timestamptz"
                           "     + us * interval '1 microsecond' FROM x ORDER BY i"
                           "   ON CONFLICT DO NOTHING RETURNING tenant_id, company_id)"
                           " SELECT DISTINCT tenant_id, company_id FROM made",
                           1, p)
             : NULL;
    free(text);
    return each_pair(r, fn, ctx);
}

/* ---- assignment ---- */

static const char sql_assign[] =
    "WITH w AS (SELECT scheduling.now() + make_interval(mins => $4::int) AS lo,"
    "   scheduling.window_end($1::uuid, $2::uuid, scheduling.now()) AS hi),"
    " locked AS (SELECT ctid AS row_id, id, invite_time FROM scheduling.interviews"
    "   WHERE tenant_id = $1::uuid AND company_id = $2::uuid AND state = 'waiting'"
    "   ORDER BY invite_time, id LIMIT $3::int FOR UPDATE SKIP LOCKED),"
    " lot AS (SELECT array_agg(id ORDER BY invite_time, id) AS ids,"
    "   array_agg(row_id ORDER BY invite_time, id) AS rows FROM locked),"
    /* the seats in the order of fairness: the earliest day first; within a
     * day the first free seat of every slot, then the second, … */
    " seats AS (SELECT e.pool_id, e.start_time, e.end_time, e.row_id,"
    "   row_number() OVER (ORDER BY e.day, seat, e.start_time) AS n"
    "   FROM w, scheduling.eligible($1::uuid, $2::uuid, w.lo, w.hi) e,"
    "   generate_series(e.booked + 1, e.capacity) seat"
    "   WHERE EXISTS (SELECT 1 FROM locked)),"
    /* the n-th oldest invitation takes the n-th seat */
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
    "   p.end_time)) AS m, array_agg(p.row_id) AS rows"
    "   FROM pairs p JOIN took USING (pool_id, start_time)),"
    " placed AS (UPDATE scheduling.interviews i SET state = 'scheduled',"
    "   pool_id = ((SELECT m FROM good) -> i.id::text ->> 0)::uuid,"
    "   start_time = ((SELECT m FROM good) -> i.id::text ->> 1)::timestamptz,"
    "   end_time = ((SELECT m FROM good) -> i.id::text ->> 2)::timestamptz,"
    "   version = i.version + 1, update_time = now()"
    "   WHERE i.ctid = ANY ((SELECT rows FROM good)::tid[]) RETURNING i.*),"
    " ev AS (INSERT INTO events.outbox (tenant_id, source, type, subject, data)"
    "   SELECT $1::uuid::text, '" SOURCE "', 'hrflow.scheduling.interview.scheduled.v1',"
    "   'interviews/' || i.id, " EVENT_DATA("i") " FROM placed i ORDER BY i.start_time, i.id)"
    " SELECT (SELECT count(*) FROM locked), extract(epoch FROM now() - placed.invite_time)"
    " FROM (SELECT) one LEFT JOIN placed ON true";

int store_assign(hf_store_t *st, const char *company, int limit, int notice_min,
                 store_assigned_t *out)
{
    char lim[16], notice[16];
    snprintf(lim, sizeof(lim), "%d", limit);
    snprintf(notice, sizeof(notice), "%d", notice_min);
    const char *p[] = { st->tenant, company, lim, notice };
    *out = (store_assigned_t){ 0 };
    /* one placing per company at a time, each on the seats the one before
     * left (a statement after the lock sees them) */
    if (hf_db_exec(st->db,
                   "SELECT pg_advisory_xact_lock(hashtextextended('scheduling.assign:' || $1"
                   " || ':' || $2, 0))",
                   2, p, NULL) < 0)
        return HF_EDB;
    PGresult *r = hf_db_query(st->db, sql_assign, 4, p);
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

int store_interview_get(hf_store_t *st, const char *id, Hrflow__V1__Interview **out)
{
    const char *p[] = { st->tenant, id, hf_store_companies(st) };
    if (!p[2])
        return HF_ENOMEM;
    return hf_store_one(st,
                        "SELECT " ITV_COLS " FROM scheduling.interviews"
                        " WHERE tenant_id = $1 AND id = $2::uuid AND "
                        HF_SEES_COMPANY("company_id", "3"),
                        3, p, interview_row, out);
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
                      const booked_t *b, int retry_min, Hrflow__V1__Interview **out)
{
    char from[160], type[80];
    if (sched_from_states(to, from, sizeof(from)) < 0 ||
        sched_event_type(to, type, sizeof(type)) < 0)
        return HF_EDB;
    char retry[16];
    snprintf(retry, sizeof(retry), "%d", retry_min);
    const char *p[] = { st->tenant, id, from, sched_state_name(to), reason,
                        b ? b->pool : "", b ? b->start : "", b ? b->end : "", type,
                        to == SCHED_RESCHEDULED ? "1" : "0", retry };
    int rc = hf_store_one(
        st,
        "WITH i AS (UPDATE scheduling.interviews SET state = $4,"
        "   reason = CASE WHEN $5 = '' THEN reason ELSE $5 END,"
        "   pool_id = coalesce(nullif($6, '')::uuid, pool_id),"
        "   start_time = coalesce(nullif($7, '')::timestamptz, start_time),"
        "   end_time = coalesce(nullif($8, '')::timestamptz, end_time),"
        "   sequence = sequence + $10::int, version = version + 1, update_time = now(),"
        "   call_due = CASE WHEN $4 = 'retrying'"
        "     THEN scheduling.now() + make_interval(mins => $11::int) END"
        "   WHERE tenant_id = $1 AND id = $2::uuid AND state = ANY ($3::text[]) RETURNING *),"
        " ev AS (INSERT INTO events.outbox (tenant_id, source, type, subject, data)"
        "   SELECT $1::uuid::text, '" SOURCE "', $9, 'interviews/' || i.id, " EVENT_DATA("i")
        "   FROM i)"
        " SELECT " ITV_COLS " FROM i",
        11, p, interview_row, out);
    return rc == HF_ENOTFOUND ? HF_ECONFLICT : rc;
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
    char pool[40], start[48];
    int rc = current_slot(st, v->id, pool, start);
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
        rc = write_move(st, v->id, to, m->reason ? m->reason : "", moved, m->retry_min, out);
    return rc;
}

int store_interview_move_in(hf_store_t *st, const char *id, const store_move_t *m,
                            Hrflow__V1__Interview **out, const char **why)
{
    *why = "";
    const char *p[] = { st->tenant, id, hf_store_companies(st) };
    if (!p[2])
        return HF_ENOMEM;
    Hrflow__V1__Interview *v = NULL;
    int rc = hf_store_one(st,
                          "SELECT " ITV_COLS " FROM scheduling.interviews"
                          " WHERE tenant_id = $1 AND id = $2::uuid AND "
                          HF_SEES_COMPANY("company_id", "3") " FOR UPDATE",
                          3, p, interview_row, &v);
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
