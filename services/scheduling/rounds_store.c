/* services/scheduling/rounds_store.c - the SQL of interview rounds: interviewers, busy time, slots, bookings
 *
 * No double booking is PostgreSQL's to enforce, not ours: an interviewer's
 * taken time is one row per busy block or panel seat in
 * scheduling.interviewer_time, whose two exclusion constraints (migration
 * 0010) refuse a seat over another seat or over a busy block, whatever runs
 * at the same time on however many replicas. A booking inserts its panel's
 * seats in one statement, in interviewer order (two panels sharing people
 * then wait on each other instead of deadlocking), in the transaction of
 * the round and its event; a refusal (SQLSTATE 23P01) rolls all of it back
 * and only then asks what was in the way, to name it.
 *
 * Working hours are tested in the interviewer's own zone with AT TIME ZONE,
 * by the one predicate WITHIN_HOURS, which the booking check and the
 * suggestions share; suggestions are one set-based statement over
 * generate_series. Name and email are sealed (hf_pii_encrypt, AAD
 * "<tenant>:interviewers.<column>"), the email also as a keyed hash for
 * lookups and uniqueness. Rows come back as JSON built by the statement in
 * the API's form (hf_codec_decode_stored), times as microseconds.
 */
#include "rounds_store.h"

#include "hf/codec.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/outbox.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SOURCE "/hrflow/scheduling"

/* $n (Unix microseconds as text) as a timestamptz. */
#define AT_US(n) "(timestamptz 'epoch' + $" n "::bigint * interval '1 microsecond')"

/* The exclusion constraints' SQLSTATE, and a deadlock between two bookings
 * (taken as the same answer: someone else got the time). */
#define EXCLUSION_VIOLATION "23P01"
#define DEADLOCK "40P01"
#define UNIQUE_VIOLATION "23505"

int64_t rounds_micros(const Hrflow__V1__Timestamp *t)
{
    return t ? t->seconds * 1000000 + t->nanos / 1000 : 0;
}

static const char *num(hf_store_t *st, long long v)
{
    return hf_arena_printf(st->arena, "%lld", v);
}

/* A new id from PostgreSQL for a row whose insert runs through hf_db_exec
 * (which tells the SQLSTATE of a refusal, and returns no rows). */
static const char *new_id(hf_store_t *st)
{
    PGresult *r = hf_db_query(st->db, "SELECT gen_random_uuid()", 0, NULL);
    const char *id = hf_store_rows(r, 1) == HF_OK ? hf_store_cell(st, r, 0, 0) : NULL;
    PQclear(r);
    return id;
}

/* ---- personal data ---- */

/* The token of an interviewer's field, or NULL; the caller frees. */
static char *seal(hf_store_t *st, const char *column, const char *plain)
{
    char field[64];
    snprintf(field, sizeof(field), "interviewers.%s", column);
    return hf_pii_seal_field(st->keys, st->tenant, field, plain);
}

/* The field in the arena, or NULL (logged by field, never by value). */
static char *unseal(hf_store_t *st, const char *column, const char *token)
{
    char field[64];
    snprintf(field, sizeof(field), "interviewers.%s", column);
    return hf_store_unseal(st, field, token);
}

/* The keyed hash of an email address, or "" when it does not normalise. */
static void email_index(hf_store_t *st, const char *email, char idx[65])
{
    char norm[320], ctx[96];
    idx[0] = '\0';
    snprintf(ctx, sizeof(ctx), "%s:interviewers.email", st->tenant);
    if (hf_pii_normalize_email(email, norm, sizeof(norm)) == 0)
        hf_pii_index(st->keys, ctx, norm, idx);
}

/* ---- interviewers ---- */

#define IV_COLS                                                                                 \
    "i.id, json_build_object('id', i.id, 'companyId', i.company_id, 'externalId', i.external_id," \
    " 'timeZone', i.time_zone, 'version', i.version::text, 'workingHours', (SELECT"            \
    " coalesce(json_agg(json_build_object('weekday', h.weekday, 'start',"                      \
    " to_char(h.start_time, 'HH24:MI'), 'end', to_char(h.end_time, 'HH24:MI'))"                \
    " ORDER BY h.weekday, h.start_time), '[]') FROM scheduling.interviewer_hours h"               \
    " WHERE h.tenant_id = i.tenant_id AND h.interviewer_id = i.id)),"                          \
    " i.name_enc, i.email_enc, " HF_MICROS("i.create_time") ", " HF_MICROS("i.update_time")
#define IV_CREATED 4

/* Column 1 of a row, the record as the statement built it in the API's
 * JSON form, as a message of type d (NULL, logged, when it does not decode). */
static void *decoded(hf_store_t *st, const ProtobufCMessageDescriptor *d, PGresult *r, int row)
{
    return hf_codec_decode_stored(d, PQgetvalue(r, row, 1), &st->alloc);
}

/* Columns first, first + 1, … of a row as the n times *t[k]; 0, or -1
 * when out of memory. */
static int times_at(hf_store_t *st, PGresult *r, int row, int first,
                    Hrflow__V1__Timestamp **const *t, int n)
{
    for (int k = 0; k < n; k++)
        if (!(*t[k] = hf_store_time(st, r, row, first + k)))
            return -1;
    return 0;
}

/* The record of the tenant with this id: sql selects it by $1 (tenant) and
 * $2 (id). */
static int by_id(hf_store_t *st, const char *sql, const char *id,
                 void *(*row)(hf_store_t *st, PGresult *r, int i), void *out)
{
    const char *p[] = { st->tenant, id };
    return hf_store_one(st, sql, 2, p, row, out);
}

static void *interviewer_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__Interviewer *i = decoded(st, &hrflow__v1__interviewer__descriptor, r, row);
    if (!i)
        return NULL;
    i->name = unseal(st, "name", PQgetvalue(r, row, 2));
    i->email = unseal(st, "email", PQgetvalue(r, row, 3));
    Hrflow__V1__Timestamp **const t[] = { &i->create_time, &i->update_time };
    return i->name && i->email && times_at(st, r, row, 4, t, 2) == 0 ? i : NULL;
}

int rounds_interviewer_get(hf_store_t *st, const char *id, Hrflow__V1__Interviewer **out)
{
    return by_id(st, "SELECT " IV_COLS " FROM scheduling.interviewers i"
                     " WHERE i.tenant_id = $1 AND i.id = $2::uuid",
                 id, interviewer_row, out);
}

/* Replace the interviewer's week by the n stretches. */
static int hours_write(hf_store_t *st, const char *id, const rd_hours_t *h, size_t n)
{
    const char **day = hf_store_alloc(st, (n + 1) * sizeof(char *));
    const char **from = hf_store_alloc(st, (n + 1) * sizeof(char *));
    const char **to = hf_store_alloc(st, (n + 1) * sizeof(char *));
    if (!day || !from || !to)
        return HF_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        char hm[6];
        day[k] = num(st, h[k].weekday);
        rd_hours_format(h[k].start, hm);
        from[k] = hf_store_strdup(st, hm);
        rd_hours_format(h[k].end, hm);
        to[k] = hf_store_strdup(st, hm);
        if (!day[k] || !from[k] || !to[k])
            return HF_ENOMEM;
    }
    const char *p[] = { st->tenant, id, hf_store_array(st, day, n), hf_store_array(st, from, n),
                        hf_store_array(st, to, n) };
    if (!p[2] || !p[3] || !p[4])
        return HF_ENOMEM;
    if (hf_db_exec(st->db, "DELETE FROM scheduling.interviewer_hours"
                           " WHERE tenant_id = $1 AND interviewer_id = $2::uuid",
                   2, p, NULL) < 0 ||
        hf_db_exec(st->db, "INSERT INTO scheduling.interviewer_hours"
                           " (tenant_id, interviewer_id, weekday, start_time, end_time)"
                           " SELECT $1, $2::uuid, d, s::time, e::time"
                           " FROM unnest($3::int[], $4::text[], $5::text[]) AS w(d, s, e)",
                   5, p, NULL) < 0)
        return HF_EDB;
    return HF_OK;
}

/* The sealed name and email and the email's hash of i; HF_ENOMEM (nothing
 * to free) when one cannot be made. */
typedef struct {
    char *name, *email, idx[65];
} sealed_t;

static int sealed_make(hf_store_t *st, const Hrflow__V1__Interviewer *i, sealed_t *s)
{
    s->name = seal(st, "name", i->name);
    s->email = seal(st, "email", i->email);
    email_index(st, i->email, s->idx);
    if (s->name && s->email && s->idx[0])
        return HF_OK;
    free(s->name);
    free(s->email);
    return HF_ENOMEM;
}

static void sealed_free(sealed_t *s)
{
    free(s->name);
    free(s->email);
}

/* Which unique key of the company an interviewer with this email or
 * external id holds already: "external_id" or "email". */
static const char *taken_by(hf_store_t *st, const char *company, const char *external_id)
{
    const char *p[] = { st->tenant, company, external_id };
    PGresult *r = *external_id ? hf_db_query(st->db,
                                             "SELECT 1 FROM scheduling.interviewers"
                                             " WHERE tenant_id = $1 AND company_id = $2::uuid"
                                             " AND external_id = $3",
                                             3, p)
                               : NULL;
    const char *field = hf_store_rows(r, 1) == HF_OK ? "external_id" : "email";
    PQclear(r);
    return field;
}

/* Insert interviewer i sealed as s; *id its new id. HF_EEXISTS (*taken
 * set) when the company has one with its email or external id. */
static int interviewer_insert(hf_store_t *st, const Hrflow__V1__Interviewer *i, const sealed_t *s,
                              const char **id, const char **taken)
{
    const char *p[] = { st->tenant, i->company_id, i->external_id, s->name, s->email, s->idx,
                        i->time_zone };
    PGresult *r = hf_db_query(st->db,
                              "INSERT INTO scheduling.interviewers (tenant_id, company_id,"
                              " external_id, name_enc, email_enc, email_idx, time_zone)"
                              " VALUES ($1, $2::uuid, $3, $4, $5, $6, $7)"
                              " ON CONFLICT DO NOTHING RETURNING id",
                              7, p);
    int rc = hf_store_rows(r, 1);
    *id = rc == HF_OK ? hf_store_cell(st, r, 0, 0) : NULL;
    PQclear(r);
    if (rc == HF_ENOTFOUND) {
        *taken = taken_by(st, i->company_id, i->external_id);
        rc = HF_EEXISTS;
    }
    return rc;
}

/* Write i sealed as s over the stored interviewer, when it is still at
 * i->version (else HF_ECONFLICT). HF_EEXISTS (*taken "email") when another
 * of the company has the new email. */
static int interviewer_overwrite(hf_store_t *st, const Hrflow__V1__Interviewer *i,
                                 const sealed_t *s, const char **taken)
{
    const char *p[] = { st->tenant, i->id, num(st, i->version), s->name, s->email, s->idx,
                        i->time_zone };
    /* the version is compared under the row's lock, so the update below
     * matches, and can only fail on the email's unique key */
    PGresult *r = hf_db_query(st->db,
                              "SELECT 1 FROM scheduling.interviewers WHERE tenant_id = $1"
                              " AND id = $2::uuid AND version = $3::bigint FOR UPDATE",
                              3, p);
    int rc = hf_store_rows(r, 1) == HF_ENOTFOUND ? HF_ECONFLICT : hf_store_rows(r, 1);
    PQclear(r);
    char state[6];
    if (rc == HF_OK &&
        hf_db_exec(st->db,
                   "UPDATE scheduling.interviewers SET name_enc = $4, email_enc = $5,"
                   " email_idx = $6, time_zone = $7, version = version + 1, update_time = now()"
                   " WHERE tenant_id = $1 AND id = $2::uuid AND version = $3::bigint",
                   7, p, state) < 0) {
        rc = strcmp(state, UNIQUE_VIOLATION) ? HF_EDB : HF_EEXISTS;
        *taken = "email";
    }
    return rc;
}

/* A new interviewer (create) or i over the stored one, with its week, in
 * one transaction; *out as stored. */
static int interviewer_write(hf_store_t *st, const Hrflow__V1__Interviewer *i, int create,
                             const rd_hours_t *hours, size_t n, Hrflow__V1__Interviewer **out,
                             const char **taken)
{
    sealed_t s;
    int rc = sealed_make(st, i, &s);
    if (rc == HF_OK && hf_db_begin(st->db) < 0) {
        sealed_free(&s);
        return HF_EDB;
    }
    if (rc != HF_OK)
        return rc;
    const char *id = i->id;
    rc = create ? interviewer_insert(st, i, &s, &id, taken)
                : interviewer_overwrite(st, i, &s, taken);
    sealed_free(&s);
    if (rc == HF_OK)
        rc = hours_write(st, id, hours, n);
    if (rc == HF_OK)
        rc = rounds_interviewer_get(st, id, out);
    return hf_store_finish(st, rc);
}

int rounds_interviewer_create(hf_store_t *st, const Hrflow__V1__Interviewer *in,
                              const rd_hours_t *hours, size_t n, Hrflow__V1__Interviewer **out,
                              const char **taken)
{
    return interviewer_write(st, in, 1, hours, n, out, taken);
}

int rounds_interviewer_update(hf_store_t *st, const Hrflow__V1__Interviewer *i,
                              const rd_hours_t *hours, size_t n, Hrflow__V1__Interviewer **out,
                              const char **taken)
{
    return interviewer_write(st, i, 0, hours, n, out, taken);
}

int rounds_interviewer_list(hf_store_t *st, const char *company_id, const char *email,
                            hf_page_t *page, Hrflow__V1__Interviewer ***out, size_t *n)
{
    char idx[65] = "";
    if (*email)
        email_index(st, email, idx);
    const char *p[7] = { st->tenant, company_id, *email ? (*idx ? idx : "-") : "",
                         hf_store_companies(st) };
    if (!p[3])
        return HF_ENOMEM;
    PGresult *r = hf_page_query(st,
                                "SELECT " IV_COLS " FROM scheduling.interviewers i"
                                " WHERE i.tenant_id = $1"
                                " AND ($2 = '' OR i.company_id = NULLIF($2, '')::uuid)"
                                " AND ($3 = '' OR i.email_idx = $3)"
                                " AND " HF_SEES_COMPANY("i.company_id", "4")
                                " AND (i.create_time, i.id) > ($5::timestamptz, $6::uuid)"
                                " ORDER BY i.create_time, i.id LIMIT $7::int",
                                7, p, IV_CREATED, page);
    return hf_page_rows(st, r, page, interviewer_row, (void ***)out, n);
}

static void *member_row(hf_store_t *st, PGresult *r, int row)
{
    rd_member_t *m = hf_store_alloc(st, sizeof(*m));
    if (!m)
        return NULL;
    m->id = hf_store_cell(st, r, row, 0);
    m->company_id = hf_store_cell(st, r, row, 1);
    m->time_zone = hf_store_cell(st, r, row, 2);
    return m->id && m->company_id && m->time_zone ? m : NULL;
}

int rounds_panel(hf_store_t *st, char *const *ids, size_t n, rd_member_t ***out, size_t *n_out)
{
    const char *p[] = { st->tenant, hf_store_array(st, (const char *const *)ids, n) };
    if (!p[1])
        return HF_ENOMEM;
    PGresult *r = hf_db_query(st->db,
                              "SELECT id, company_id, time_zone FROM scheduling.interviewers"
                              " WHERE tenant_id = $1 AND id = ANY ($2::uuid[])",
                              2, p);
    return hf_store_all(st, r, member_row, (void ***)out, n_out);
}

/* ---- what is in the way ---- */

/* No round's id: busy blocks (round_id NULL) are distinct from it too. */
#define NO_ROUND "00000000-0000-0000-0000-000000000000"

/* The earliest taken time of one of ids over [start_us, end_us), other
 * than round `except` ("" = none): any (busy blocks too) or only rounds'
 * seats. Fills clash (interviewer "" when nothing is in the way now). */
static int clash_find(hf_store_t *st, const char *ids, int64_t start_us, int64_t end_us,
                      const char *except, int rounds_only, rd_clash_t *clash)
{
    const char *p[] = { st->tenant, ids, num(st, start_us), num(st, end_us),
                        *except ? except : NO_ROUND, rounds_only ? "true" : "false" };
    memset(clash, 0, sizeof(*clash));
    PGresult *r = hf_db_query(
        st->db,
        "SELECT t.interviewer_id, t.round_id IS NOT NULL, " HF_MICROS("lower(t.during)") ", "
        HF_MICROS("upper(t.during)") " FROM scheduling.interviewer_time t"
        " WHERE t.tenant_id = $1 AND t.interviewer_id = ANY ($2::uuid[])"
        " AND t.during && tstzrange(" AT_US("3") ", " AT_US("4") ")"
        " AND t.round_id IS DISTINCT FROM $5::uuid"
        " AND (t.round_id IS NOT NULL OR NOT $6::boolean)"
        " ORDER BY lower(t.during), t.interviewer_id LIMIT 1",
        6, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK) {
        snprintf(clash->interviewer_id, sizeof(clash->interviewer_id), "%s", PQgetvalue(r, 0, 0));
        clash->round = PQgetvalue(r, 0, 1)[0] == 't';
        clash->start_us = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
        clash->end_us = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
    }
    PQclear(r);
    return rc == HF_EDB ? HF_EDB : HF_OK;
}

/* 1 when an insert's SQLSTATE says the time was taken. */
static int refused(const char *state)
{
    return !strcmp(state, EXCLUSION_VIOLATION) || !strcmp(state, DEADLOCK);
}

/* ---- busy blocks ---- */

#define BUSY_COLS                                                                       \
    "t.id, t.interviewer_id, " HF_MICROS("lower(t.during)") ", " HF_MICROS("upper(t.during)") \
    ", " HF_MICROS("t.create_time")
#define BUSY_CREATED 4

static void *busy_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__BusyBlock *b = hf_store_alloc(st, sizeof(*b));
    if (!b)
        return NULL;
    hrflow__v1__busy_block__init(b);
    b->id = hf_store_cell(st, r, row, 0);
    b->interviewer_id = hf_store_cell(st, r, row, 1);
    Hrflow__V1__Timestamp **const t[] = { &b->start_time, &b->end_time, &b->create_time };
    return b->id && b->interviewer_id && times_at(st, r, row, 2, t, 3) == 0 ? b : NULL;
}

int rounds_busy_add(hf_store_t *st, const char *interviewer_id, int64_t start_us, int64_t end_us,
                    Hrflow__V1__BusyBlock **out, rd_clash_t *clash)
{
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    const char *id = new_id(st);
    const char *p[] = { st->tenant, id, interviewer_id, num(st, start_us), num(st, end_us) };
    char state[6] = "";
    int rc = id ? HF_OK : HF_EDB;
    if (rc == HF_OK &&
        hf_db_exec(st->db,
                   "INSERT INTO scheduling.interviewer_time (tenant_id, id, interviewer_id, during)"
                   " VALUES ($1, $2::uuid, $3::uuid, tstzrange(" AT_US("4") ", " AT_US("5") "))",
                   5, p, state) < 0)
        rc = refused(state) ? HF_ECONFLICT : HF_EDB;
    if (rc == HF_OK)
        rc = hf_store_one(st, "SELECT " BUSY_COLS " FROM scheduling.interviewer_time t"
                              " WHERE t.tenant_id = $1 AND t.id = $2::uuid",
                          2, p, busy_row, out);
    rc = hf_store_finish(st, rc);
    if (rc == HF_ECONFLICT) {
        const char *ids = hf_store_array(st, &interviewer_id, 1);
        int crc = ids ? clash_find(st, ids, start_us, end_us, "", 1, clash) : HF_ENOMEM;
        if (crc != HF_OK)
            rc = crc;
    }
    return rc;
}

int rounds_busy_list(hf_store_t *st, const char *interviewer_id, hf_page_t *page,
                     Hrflow__V1__BusyBlock ***out, size_t *n)
{
    const char *p[5] = { st->tenant, interviewer_id };
    PGresult *r = hf_page_query(st,
                                "SELECT " BUSY_COLS " FROM scheduling.interviewer_time t"
                                " WHERE t.tenant_id = $1 AND t.interviewer_id = $2::uuid"
                                " AND t.round_id IS NULL"
                                " AND (t.create_time, t.id) > ($3::timestamptz, $4::uuid)"
                                " ORDER BY t.create_time, t.id LIMIT $5::int",
                                5, p, BUSY_CREATED, page);
    return hf_page_rows(st, r, page, busy_row, (void ***)out, n);
}

int rounds_busy_remove(hf_store_t *st, const char *interviewer_id, const char *id,
                       Hrflow__V1__BusyBlock **out)
{
    const char *p[] = { st->tenant, interviewer_id, id };
    return hf_store_one(st, "DELETE FROM scheduling.interviewer_time t WHERE t.tenant_id = $1"
                            " AND t.interviewer_id = $2::uuid AND t.id = $3::uuid"
                            " AND t.round_id IS NULL RETURNING " BUSY_COLS,
                        3, p, busy_row, out);
}

/* ---- slots ---- */

/* Interviewer `who` (a row of scheduling.interviewers) works over [s, e):
 * one stretch of the weekday s falls on, in their zone, holds the whole
 * slot (a stretch ends on its day, so a slot past local midnight never
 * fits). */
#define WITHIN_HOURS(who, s, e)                                                              \
    "EXISTS (SELECT 1 FROM scheduling.interviewer_hours h WHERE h.tenant_id = " who ".tenant_id"  \
    " AND h.interviewer_id = " who ".id"                                                     \
    " AND h.weekday = extract(isodow FROM (" s ") AT TIME ZONE " who ".time_zone)"           \
    " AND (" s ") AT TIME ZONE " who ".time_zone >= ((" s ") AT TIME ZONE " who               \
    ".time_zone)::date + h.start_time"                                                       \
    " AND (" e ") AT TIME ZONE " who ".time_zone <= ((" s ") AT TIME ZONE " who               \
    ".time_zone)::date + h.end_time)"

/* Nothing of who's (busy block or seat) overlaps [s, e). */
#define FREE(who, s, e)                                                                      \
    "NOT EXISTS (SELECT 1 FROM scheduling.interviewer_time t WHERE t.tenant_id = " who        \
    ".tenant_id AND t.interviewer_id = " who ".id AND t.during && tstzrange(" s ", " e "))"

static void *id_row(hf_store_t *st, PGresult *r, int row)
{
    return hf_store_cell(st, r, row, 0);
}

int rounds_outside_hours(hf_store_t *st, char *const *ids, size_t n, int64_t start_us,
                         int64_t end_us, char ***who, size_t *n_who)
{
    const char *p[] = { st->tenant, hf_store_array(st, (const char *const *)ids, n),
                        num(st, start_us), num(st, end_us) };
    if (!p[1])
        return HF_ENOMEM;
    PGresult *r = hf_db_query(st->db,
                              "SELECT i.id FROM scheduling.interviewers i"
                              " JOIN unnest($2::uuid[]) WITH ORDINALITY AS w(id, k) ON w.id = i.id"
                              " WHERE i.tenant_id = $1 AND NOT "
                              WITHIN_HOURS("i", AT_US("3"), AT_US("4"))
                              " ORDER BY w.k",
                              4, p);
    return hf_store_all(st, r, id_row, (void ***)who, n_who);
}

static void *slot_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__RoundSlot *s = hf_store_alloc(st, sizeof(*s));
    if (!s)
        return NULL;
    hrflow__v1__round_slot__init(s);
    Hrflow__V1__Timestamp **const t[] = { &s->start_time, &s->end_time };
    return times_at(st, r, row, 0, t, 2) == 0 ? s : NULL;
}

int rounds_suggest(hf_store_t *st, char *const *ids, size_t n, int64_t from_us, int64_t to_us,
                   int duration_min, int step_min, unsigned limit, Hrflow__V1__RoundSlot ***out,
                   size_t *n_out)
{
    const char *p[] = { st->tenant, hf_store_array(st, (const char *const *)ids, n),
                        num(st, from_us), num(st, to_us), num(st, duration_min),
                        num(st, step_min), num(st, limit) };
    if (!p[1])
        return HF_ENOMEM;
    PGresult *r = hf_db_query(
        st->db,
        "WITH slot AS (SELECT s, s + $5::int * interval '1 minute' AS e"
        " FROM generate_series(date_trunc('hour', " AT_US("3") " AT TIME ZONE 'UTC')"
        " AT TIME ZONE 'UTC', " AT_US("4") " - $5::int * interval '1 minute',"
        " $6::int * interval '1 minute') AS s"
        " WHERE s >= " AT_US("3") " AND s >= now())"
        " SELECT " HF_MICROS("s") ", " HF_MICROS("e") " FROM slot"
        " WHERE NOT EXISTS (SELECT 1 FROM scheduling.interviewers i"
        " WHERE i.tenant_id = $1 AND i.id = ANY ($2::uuid[])"
        " AND NOT (" WITHIN_HOURS("i", "slot.s", "slot.e") " AND " FREE("i", "slot.s", "slot.e")
        "))"
        " ORDER BY s LIMIT $7::int",
        7, p);
    return hf_store_all(st, r, slot_row, (void ***)out, n_out);
}

/* ---- rounds ---- */

#define ROUND_COLS                                                                             \
    "r.id, json_build_object('id', r.id, 'applicationId', r.application_id, 'companyId',"      \
    " r.company_id, 'kind', r.kind, 'interviewerIds', r.interviewer_ids, 'status', r.status,"  \
    " 'durationMinutes', (extract(epoch FROM upper(r.during) - lower(r.during)) / 60)::int,"   \
    " 'rescheduledFrom', coalesce(r.rescheduled_from::text, ''), 'rescheduledTo',"             \
    " coalesce(r.rescheduled_to::text, ''), 'version', r.version::text), "                     \
    HF_MICROS("lower(r.during)") ", " HF_MICROS("upper(r.during)") ", "                        \
    HF_MICROS("r.create_time") ", " HF_MICROS("r.update_time")
#define ROUND_CREATED 4

static void *round_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__Round *o = decoded(st, &hrflow__v1__round__descriptor, r, row);
    if (!o)
        return NULL;
    Hrflow__V1__Timestamp **const t[] = { &o->start_time, &o->end_time, &o->create_time,
                                          &o->update_time };
    return times_at(st, r, row, 2, t, 4) == 0 ? o : NULL;
}

int rounds_round_get(hf_store_t *st, const char *id, Hrflow__V1__Round **out)
{
    return by_id(st, "SELECT " ROUND_COLS " FROM scheduling.rounds r"
                     " WHERE r.tenant_id = $1 AND r.id = $2::uuid",
                 id, round_row, out);
}

static void *chain_row(hf_store_t *st, PGresult *r, int row)
{
    rounds_chain_t *c = hf_store_alloc(st, sizeof(*c));
    if (!c)
        return NULL;
    c->first = hf_store_cell(st, r, row, 0);
    c->latest = hf_store_cell(st, r, row, 1);
    c->reschedules = strtoll(PQgetvalue(r, row, 2), NULL, 10);
    c->time_zone = hf_store_cell(st, r, row, 3);
    return c->first && c->latest && c->time_zone ? c : NULL;
}

int rounds_round_chain(hf_store_t *st, const char *id, rounds_chain_t **out)
{
    const char *p[] = { st->tenant, id };
    return hf_store_one(
        st,
        "WITH RECURSIVE back(id, prev, n) AS ("
        "   SELECT id, rescheduled_from, 0 FROM scheduling.rounds"
        "    WHERE tenant_id = $1 AND id = $2::uuid"
        "   UNION ALL SELECT r.id, r.rescheduled_from, b.n + 1 FROM scheduling.rounds r"
        "    JOIN back b ON r.tenant_id = $1 AND r.id = b.prev),"
        " fwd(id, next, n) AS ("
        "   SELECT id, rescheduled_to, 0 FROM scheduling.rounds"
        "    WHERE tenant_id = $1 AND id = $2::uuid"
        "   UNION ALL SELECT r.id, r.rescheduled_to, f.n + 1 FROM scheduling.rounds r"
        "    JOIN fwd f ON r.tenant_id = $1 AND r.id = f.next)"
        " SELECT (SELECT id FROM back ORDER BY n DESC LIMIT 1),"
        "   (SELECT id FROM fwd ORDER BY n DESC LIMIT 1),"
        "   (SELECT max(n) FROM back) + (SELECT max(n) FROM fwd),"
        "   (SELECT p.time_zone FROM scheduling.rounds r,"
        "      scheduling.profile(r.tenant_id, r.company_id) p"
        "     WHERE r.tenant_id = $1 AND r.id = $2::uuid)"
        " WHERE EXISTS (SELECT 1 FROM back)",
        2, p, chain_row, out);
}

/* The event of a round's change, its data the round in the API's form
 * (ids, kind, panel, times, status: no personal data) with roundId and
 * tenantId; extra (consumed, may be NULL) adds fields. */
static int round_event(hf_store_t *st, const char *what, const Hrflow__V1__Round *r, json_t *extra)
{
    json_t *data = hf_codec_encode(&r->base);
    if (!data) {
        json_decref(extra);
        return HF_ENOMEM;
    }
    json_object_set_new(data, "roundId", json_string(r->id));
    json_object_set_new(data, "tenantId", json_string(st->tenant));
    json_object_del(data, "id");
    json_object_del(data, "version");
    json_object_del(data, "createTime");
    json_object_del(data, "updateTime");
    if (extra)
        json_object_update(data, extra);
    json_decref(extra);
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    char type[80], subject[64];
    snprintf(type, sizeof(type), "hrflow.scheduling.round.%s.v1", what);
    snprintf(subject, sizeof(subject), "rounds/%s", r->id);
    hf_outbox_event_t e = { st->tenant, SOURCE, type, subject, text, st->traceparent };
    int rc = text && hf_outbox_append(st->db, &e, NULL) == 0 ? HF_OK : HF_EDB;
    free(text);
    return rc;
}

/* Insert round r as id (rescheduled from `from`, "" = none) and its panel's
 * seats, inside the caller's transaction. HF_ECONFLICT when a seat is
 * refused (the transaction is then aborted: the caller rolls back). */
static int round_insert(hf_store_t *st, const char *id, const Hrflow__V1__Round *r,
                        const char *from)
{
    int64_t start = rounds_micros(r->start_time);
    const char *p[] = { st->tenant, id, r->company_id, r->application_id, r->kind,
                        num(st, start), num(st, start + (int64_t)r->duration_minutes * 60000000),
                        hf_store_array(st, (const char *const *)r->interviewer_ids,
                                       r->n_interviewer_ids),
                        from };
    if (!p[7])
        return HF_ENOMEM;
    char state[6] = "";
    if (hf_db_exec(st->db,
                   "INSERT INTO scheduling.rounds (tenant_id, id, company_id, application_id,"
                   " kind, during, interviewer_ids, rescheduled_from) VALUES ($1, $2::uuid,"
                   " $3::uuid, $4::uuid, $5, tstzrange(" AT_US("6") ", " AT_US("7") "),"
                   " $8::uuid[], NULLIF($9, '')::uuid)",
                   9, p, NULL) < 0)
        return HF_EDB;
    if (hf_db_exec(st->db,
                   "INSERT INTO scheduling.interviewer_time (tenant_id, interviewer_id, round_id,"
                   " during) SELECT $1, w, $2::uuid, tstzrange(" AT_US("3") ", " AT_US("4") ")"
                   " FROM unnest($5::uuid[]) AS w ORDER BY w",
                   5, (const char *[]){ p[0], p[1], p[5], p[6], p[7] }, state) < 0)
        return refused(state) ? HF_ECONFLICT : HF_EDB;
    return HF_OK;
}

/* After a refused booking was rolled back: what is in the way of r's panel
 * (other than round except). Returns HF_ECONFLICT, or the failure. */
static int round_clash(hf_store_t *st, const Hrflow__V1__Round *r, const char *except,
                       rd_clash_t *clash)
{
    int64_t start = rounds_micros(r->start_time);
    const char *ids = hf_store_array(st, (const char *const *)r->interviewer_ids,
                                     r->n_interviewer_ids);
    int rc = ids ? clash_find(st, ids, start, start + (int64_t)r->duration_minutes * 60000000,
                              except, 0, clash)
                 : HF_ENOMEM;
    return rc == HF_OK ? HF_ECONFLICT : rc;
}

int rounds_round_create(hf_store_t *st, const Hrflow__V1__Round *r, Hrflow__V1__Round **out,
                        rd_clash_t *clash)
{
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    const char *id = new_id(st);
    int rc = id ? round_insert(st, id, r, "") : HF_EDB;
    if (rc == HF_OK)
        rc = rounds_round_get(st, id, out);
    if (rc == HF_OK)
        rc = round_event(st, "scheduled", *out, NULL);
    rc = hf_store_finish(st, rc);
    return rc == HF_ECONFLICT ? round_clash(st, r, "", clash) : rc;
}

int rounds_round_list(hf_store_t *st, const char *application_id, const char *interviewer_id,
                      const char *status, hf_page_t *page, Hrflow__V1__Round ***out, size_t *n)
{
    const char *p[8] = { st->tenant, application_id, interviewer_id, status,
                         hf_store_companies(st) };
    if (!p[4])
        return HF_ENOMEM;
    PGresult *r = hf_page_query(
        st,
        "SELECT " ROUND_COLS " FROM scheduling.rounds r WHERE r.tenant_id = $1"
        " AND ($2 = '' OR r.application_id = NULLIF($2, '')::uuid)"
        " AND ($3 = '' OR r.interviewer_ids @> ARRAY[NULLIF($3, '')::uuid])"
        " AND ($4 = '' OR r.status = $4)"
        " AND " HF_SEES_COMPANY("r.company_id", "5")
        " AND (r.create_time, r.id) > ($6::timestamptz, $7::uuid)"
        " ORDER BY r.create_time, r.id LIMIT $8::int",
        8, p, ROUND_CREATED, page);
    return hf_page_rows(st, r, page, round_row, (void ***)out, n);
}

/* Set a scheduled round at its version to status `to` (and, when next is
 * not "", rescheduled_to next); HF_ECONFLICT when it moved meanwhile. */
static int round_set(hf_store_t *st, const Hrflow__V1__Round *r, const char *to, const char *next,
                     Hrflow__V1__Round **out)
{
    const char *p[] = { st->tenant, r->id, num(st, r->version), to, next };
    int rc = hf_store_one(st,
                          "UPDATE scheduling.rounds r SET status = $4, version = version + 1,"
                          " update_time = now(), rescheduled_to = NULLIF($5, '')::uuid"
                          " WHERE r.tenant_id = $1 AND r.id = $2::uuid"
                          " AND r.version = $3::bigint AND r.status = 'scheduled'"
                          " RETURNING " ROUND_COLS,
                          5, p, round_row, out);
    return rc == HF_ENOTFOUND ? HF_ECONFLICT : rc;
}

/* Free the seats of round id. */
static int seats_free(hf_store_t *st, const char *id)
{
    const char *p[] = { st->tenant, id };
    return hf_db_exec(st->db, "DELETE FROM scheduling.interviewer_time"
                              " WHERE tenant_id = $1 AND round_id = $2::uuid",
                      2, p, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

int rounds_round_move(hf_store_t *st, const Hrflow__V1__Round *r, const char *to,
                      Hrflow__V1__Round **out)
{
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    int rc = round_set(st, r, to, "", out);
    if (rc == HF_OK && !strcmp(to, "cancelled"))
        rc = seats_free(st, r->id);
    if (rc == HF_OK)
        rc = round_event(st, to, *out, NULL);
    return hf_store_finish(st, rc);
}

int rounds_round_reschedule(hf_store_t *st, const Hrflow__V1__Round *old,
                            const Hrflow__V1__Round *next, Hrflow__V1__Round **out,
                            rd_clash_t *clash)
{
    memset(clash, 0, sizeof(*clash));
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    const char *id = new_id(st);
    Hrflow__V1__Round *was = NULL;
    int rc = id ? round_set(st, old, "rescheduled", id, &was) : HF_EDB;
    int lost = rc == HF_ECONFLICT; /* the old round moved: nothing was in the way */
    if (rc == HF_OK)
        rc = seats_free(st, old->id);
    if (rc == HF_OK)
        rc = round_insert(st, id, next, old->id);
    if (rc == HF_OK)
        rc = rounds_round_get(st, id, out);
    if (rc == HF_OK) {
        char start[RD_UTC_MAX], end[RD_UTC_MAX];
        rd_utc(rounds_micros((*out)->start_time), start);
        rd_utc(rounds_micros((*out)->end_time), end);
        json_t *extra = json_pack("{s:s, s:s, s:s}", "newRoundId", id, "newStartTime", start,
                                  "newEndTime", end);
        rc = extra ? round_event(st, "rescheduled", was, extra) : HF_ENOMEM;
    }
    rc = hf_store_finish(st, rc);
    return rc == HF_ECONFLICT && !lost ? round_clash(st, next, old->id, clash) : rc;
}
