/* services/scheduling/store.c - scheduling's SQL: line settings, closures, slots (store.h)
 *
 * Settings are one row per company (the group's under STORE_GROUP) with the
 * working hours beside them; a change, a new closure or a removed one
 * remakes the tenant's future slots in its transaction
 * (scheduling.regenerate), so what GET /v1/interview-slots shows right after
 * is what the new settings call for, and no booking is ever dropped. The
 * interviews are store_interviews.c's.
 */
#include "store_private.h"

#include "calendar.h"

#include "hf/codec.h"
#include "hf/db.h"
#include "hf/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *store_company_out(const char *company)
{
    return strcmp(company, STORE_GROUP) == 0 ? "" : company;
}

static const char *company_in(const char *company)
{
    return company && *company ? company : STORE_GROUP;
}

/* ---- settings ---- */

/* The group's defaults: Monday to Friday, 09:00-12:00 and 13:30-18:00. */
static const sched_range_t default_hours[] = {
    { 1, 540, 720 }, { 1, 810, 1080 }, { 2, 540, 720 }, { 2, 810, 1080 },
    { 3, 540, 720 }, { 3, 810, 1080 }, { 4, 540, 720 }, { 4, 810, 1080 },
    { 5, 540, 720 }, { 5, 810, 1080 },
};
#define N_DEFAULT_HOURS (sizeof(default_hours) / sizeof(default_hours[0]))

static Hrflow__V1__WorkingHours *hours_msg(hf_store_t *st, unsigned weekday, int start, int end)
{
    Hrflow__V1__WorkingHours *h = hf_store_alloc(st, sizeof(*h));
    char *s = hf_store_alloc(st, 6), *e = hf_store_alloc(st, 6);
    if (!h || !s || !e)
        return NULL;
    hrflow__v1__working_hours__init(h);
    sched_clock_text(start, s);
    sched_clock_text(end, e);
    h->weekday = weekday, h->start = s, h->end = e;
    return h;
}

/* The working hours of owner into o; the defaults when it has none and
 * defaults is set (the group's before its first change). */
static int read_hours(hf_store_t *st, const char *owner, int defaults,
                      Hrflow__V1__LineSettings *o)
{
    const char *p[] = { st->tenant, owner };
    PGresult *r = hf_db_query(st->db,
                              "SELECT weekday, start_min, end_min FROM scheduling.working_hours"
                              " WHERE tenant_id = $1 AND company_id = $2::uuid"
                              " ORDER BY weekday, start_min",
                              2, p);
    if (!r)
        return HF_EDB;
    int rows = PQntuples(r);
    size_t n = rows || !defaults ? (size_t)rows : N_DEFAULT_HOURS;
    o->working_hours = hf_store_alloc(st, (n ? n : 1) * sizeof(void *));
    for (size_t i = 0; o->working_hours && i < n; i++) {
        o->working_hours[i] =
            rows ? hours_msg(st, (unsigned)atoi(PQgetvalue(r, (int)i, 0)),
                             atoi(PQgetvalue(r, (int)i, 1)), atoi(PQgetvalue(r, (int)i, 2)))
                 : hours_msg(st, default_hours[i].weekday, default_hours[i].start,
                             default_hours[i].end);
        if (!o->working_hours[i]) {
            PQclear(r);
            return HF_ENOMEM;
        }
        o->n_working_hours = i + 1;
    }
    PQclear(r);
    return o->working_hours ? HF_OK : HF_ENOMEM;
}

/* What applies to a company: the profile (migrations/0002) and its hours. */
static int read_effective(hf_store_t *st, const char *company, Hrflow__V1__LineSettings **out)
{
    const char *p[] = { st->tenant, company };
    PGresult *r = hf_db_query(st->db,
                              "SELECT coalesce(lines, 0), slot_minutes, time_zone, window_days,"
                              " hours_of FROM scheduling.profile($1::uuid, $2::uuid)",
                              2, p);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        return HF_EDB;
    }
    Hrflow__V1__LineSettings *e = hf_store_alloc(st, sizeof(*e));
    if (!e) {
        PQclear(r);
        return HF_ENOMEM;
    }
    hrflow__v1__line_settings__init(e);
    e->company_id = hf_store_strdup(st, store_company_out(company));
    e->lines = atoi(PQgetvalue(r, 0, 0));
    e->slot_minutes = atoi(PQgetvalue(r, 0, 1));
    e->time_zone = hf_store_cell(st, r, 0, 2);
    e->window_days = atoi(PQgetvalue(r, 0, 3));
    char *owner = hf_store_cell(st, r, 0, 4);
    PQclear(r);
    if (!e->company_id || !e->time_zone || !owner)
        return HF_ENOMEM;
    *out = e;
    return read_hours(st, owner, strcmp(owner, STORE_GROUP) == 0, e);
}

static int settings_read(hf_store_t *st, const char *company, const char *lock,
                         Hrflow__V1__LineSettings **out)
{
    int group = strcmp(company, STORE_GROUP) == 0;
    const char *p[] = { st->tenant, company };
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT coalesce(lines, 0), coalesce(slot_minutes, %s), coalesce(time_zone, '%s'),"
             " coalesce(window_days, %s), version, " HF_MICROS("update_time")
             " FROM scheduling.settings WHERE tenant_id = $1 AND company_id = $2::uuid%s",
             group ? "30" : "0", group ? "Asia/Shanghai" : "", group ? "3" : "0", lock);
    PGresult *r = hf_db_query(st->db, sql, 2, p);
    if (!r)
        return HF_EDB;
    Hrflow__V1__LineSettings *o = hf_store_alloc(st, sizeof(*o));
    if (!o) {
        PQclear(r);
        return HF_ENOMEM;
    }
    hrflow__v1__line_settings__init(o);
    o->company_id = hf_store_strdup(st, store_company_out(company));
    if (PQntuples(r) == 1) {
        o->lines = atoi(PQgetvalue(r, 0, 0));
        o->slot_minutes = atoi(PQgetvalue(r, 0, 1));
        o->time_zone = hf_store_cell(st, r, 0, 2);
        o->window_days = atoi(PQgetvalue(r, 0, 3));
        o->version = strtoll(PQgetvalue(r, 0, 4), NULL, 10);
        o->update_time = hf_store_time(st, r, 0, 5);
    } else if (group) { /* never written: the defaults */
        o->slot_minutes = 30;
        o->time_zone = (char *)"Asia/Shanghai";
        o->window_days = 3;
    }
    PQclear(r);
    if (!o->company_id || !o->time_zone)
        return HF_ENOMEM;
    int rc = read_hours(st, company, group, o);
    if (rc == HF_OK && !group)
        rc = read_effective(st, company, &o->effective);
    if (rc == HF_OK)
        *out = o;
    return rc;
}

int store_settings_get(hf_store_t *st, const char *company, Hrflow__V1__LineSettings **out)
{
    return settings_read(st, company_in(company), "", out);
}

/* The group's row with the defaults and their hours, when it has none. */
static int ensure_group(hf_store_t *st)
{
    const char *p[] = { st->tenant };
    PGresult *r = hf_db_query(st->db,
                              "INSERT INTO scheduling.settings (tenant_id, company_id,"
                              " slot_minutes, time_zone, window_days, version)"
                              " VALUES ($1, '" STORE_GROUP "', 30, 'Asia/Shanghai', 3, 0)"
                              " ON CONFLICT DO NOTHING RETURNING 1",
                              1, p);
    if (!r)
        return HF_EDB;
    int made = PQntuples(r) == 1;
    PQclear(r);
    if (!made)
        return HF_OK;
    return hf_db_exec(st->db,
                      "INSERT INTO scheduling.working_hours"
                      " SELECT $1, '" STORE_GROUP "', d, h.s, h.e"
                      " FROM generate_series(1, 5) d, (VALUES (540, 720), (810, 1080)) h(s, e)",
                      1, p, NULL) == 0
               ? HF_OK
               : HF_EDB;
}

int store_settings_lock(hf_store_t *st, const char *company, Hrflow__V1__LineSettings **out)
{
    company = company_in(company);
    int rc = ensure_group(st);
    const char *p[] = { st->tenant, company };
    if (rc == HF_OK && strcmp(company, STORE_GROUP) != 0 &&
        hf_db_exec(st->db,
                   "INSERT INTO scheduling.settings (tenant_id, company_id, version)"
                   " VALUES ($1, $2::uuid, 0) ON CONFLICT DO NOTHING",
                   2, p, NULL) < 0)
        rc = HF_EDB;
    return rc == HF_OK ? settings_read(st, company, " FOR UPDATE", out) : rc;
}

int store_settings_save(hf_store_t *st, const char *company, const Hrflow__V1__LineSettings *s)
{
    company = company_in(company);
    char lines[16], minutes[16], window[16];
    snprintf(lines, sizeof(lines), "%d", s->lines);
    snprintf(minutes, sizeof(minutes), "%d", s->slot_minutes);
    snprintf(window, sizeof(window), "%d", s->window_days);
    const char *own = s->n_working_hours ? "true" : "false";
    const char *p[] = { st->tenant, company, lines, minutes, s->time_zone, window, own };
    if (hf_db_exec(st->db,
                   "UPDATE scheduling.settings SET lines = nullif($3::int, 0),"
                   " slot_minutes = nullif($4::int, 0), time_zone = nullif($5, ''),"
                   " window_days = nullif($6::int, 0), own_hours = $7::boolean,"
                   " version = version + 1, update_time = now()"
                   " WHERE tenant_id = $1 AND company_id = $2::uuid",
                   7, p, NULL) < 0 ||
        hf_db_exec(st->db,
                   "DELETE FROM scheduling.working_hours WHERE tenant_id = $1"
                   " AND company_id = $2::uuid",
                   2, p, NULL) < 0)
        return HF_EDB;
    if (!s->n_working_hours)
        return HF_OK;
    size_t n = s->n_working_hours;
    const char **days = calloc(n, sizeof(char *)), **starts = calloc(n, sizeof(char *)),
               **ends = calloc(n, sizeof(char *));
    char (*text)[3][8] = calloc(n, sizeof(*text));
    int rc = days && starts && ends && text ? HF_OK : HF_ENOMEM;
    for (size_t i = 0; rc == HF_OK && i < n; i++) {
        const Hrflow__V1__WorkingHours *h = s->working_hours[i];
        snprintf(text[i][0], 8, "%u", h->weekday);
        snprintf(text[i][1], 8, "%d", sched_clock_minutes(h->start, false));
        snprintf(text[i][2], 8, "%d", sched_clock_minutes(h->end, true));
        days[i] = text[i][0], starts[i] = text[i][1], ends[i] = text[i][2];
    }
    char *a = rc == HF_OK ? hf_db_array(days, n) : NULL, *b = a ? hf_db_array(starts, n) : NULL,
         *c = b ? hf_db_array(ends, n) : NULL;
    const char *q[] = { st->tenant, company, a, b, c };
    if (rc == HF_OK && (!c || hf_db_exec(st->db,
                                         "INSERT INTO scheduling.working_hours"
                                         " SELECT $1, $2::uuid, d, s, e FROM unnest($3::smallint[],"
                                         " $4::int[], $5::int[]) AS h(d, s, e)",
                                         5, q, NULL) < 0))
        rc = HF_EDB;
    free(days), free(starts), free(ends), free(text), free(a), free(b), free(c);
    return rc;
}

int store_slots_regenerate(hf_store_t *st, int days)
{
    char d[16];
    snprintf(d, sizeof(d), "%d", days);
    const char *p[] = { st->tenant, d };
    return hf_db_exec(st->db, "SELECT scheduling.regenerate($1::uuid, $2::int)", 2, p, NULL) == 0
               ? HF_OK
               : HF_EDB;
}

int store_tenants(hf_store_t *st, void (*fn)(void *ctx, const char *tenant), void *ctx)
{
    return hf_store_each(st, "SELECT DISTINCT tenant_id FROM scheduling.settings", 0, NULL, fn,
                         ctx);
}

/* ---- closures ---- */

#define CLOSURE_COLS                                                                            \
    "id, company_id, kind, coalesce(day::text, ''), " HF_MICROS("lower(during)") ", "           \
    HF_MICROS("upper(during)") ", name, " HF_MICROS("create_time")

static void *closure_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__Closure *c = hf_store_alloc(st, sizeof(*c));
    if (!c)
        return NULL;
    hrflow__v1__closure__init(c);
    c->id = hf_store_cell(st, r, i, 0);
    c->company_id = hf_store_strdup(st, store_company_out(PQgetvalue(r, i, 1)));
    c->kind = hf_store_cell(st, r, i, 2);
    const char *day = PQgetvalue(r, i, 3);
    if (*day) {
        c->day = hf_store_alloc(st, sizeof(*c->day));
        if (!c->day)
            return NULL;
        hrflow__v1__date__init(c->day);
        c->day->year = atoi(day), c->day->month = atoi(day + 5), c->day->day = atoi(day + 8);
    }
    c->start_time = hf_store_time(st, r, i, 4);
    c->end_time = hf_store_time(st, r, i, 5);
    c->name = hf_store_cell(st, r, i, 6);
    c->create_time = hf_store_time(st, r, i, 7);
    return c->id && c->company_id && c->kind && c->name && c->create_time ? c : NULL;
}

/* A Timestamp as Unix microseconds, in text. */
static void micros_text(const Hrflow__V1__Timestamp *t, char out[24])
{
    snprintf(out, 24, "%lld", t ? (long long)t->seconds * 1000000 + t->nanos / 1000 : 0LL);
}

int store_closure_create(hf_store_t *st, Hrflow__V1__Closure *c, int days)
{
    char day[16] = "", from[24], to[24];
    if (c->day)
        snprintf(day, sizeof(day), "%04d-%02d-%02d", c->day->year, c->day->month, c->day->day);
    micros_text(c->start_time, from);
    micros_text(c->end_time, to);
    const char *p[] = { st->tenant, company_in(c->company_id), c->kind, day, from, to, c->name };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    Hrflow__V1__Closure *made = NULL;
    int rc = hf_store_one(st,
                          "INSERT INTO scheduling.closures (tenant_id, company_id, kind, day,"
                          " during, name) VALUES ($1, $2::uuid, $3, nullif($4, '')::date,"
                          " CASE WHEN $3 = 'blackout' THEN tstzrange(" FROM_MICROS("5") ", "
                          FROM_MICROS("6") ") END, $7) RETURNING " CLOSURE_COLS,
                          7, p, closure_row, &made);
    if (rc == HF_ENOTFOUND)
        rc = HF_EDB;
    if (rc == HF_OK)
        rc = store_slots_regenerate(st, days);
    rc = hf_store_finish(st, rc);
    if (rc == HF_OK)
        *c = *made;
    return rc;
}

int store_closure_list(hf_store_t *st, const char *company, hf_page_t *page,
                       Hrflow__V1__Closure ***out, size_t *n)
{
    const char *p[6] = { st->tenant, company, hf_store_companies(st) };
    if (!p[2])
        return HF_ENOMEM;
    PGresult *r = hf_page_query(st,
                                "SELECT " CLOSURE_COLS " FROM scheduling.closures"
                                " WHERE tenant_id = $1"
                                " AND ($2 = '' OR company_id IN ('" STORE_GROUP "', $2::uuid))"
                                " AND (company_id = '" STORE_GROUP "' OR "
                                HF_SEES_COMPANY("company_id", "3") ")"
                                " AND (create_time, id) > ($4::timestamptz, $5::uuid)"
                                " ORDER BY create_time, id LIMIT $6::int",
                                6, p, 7, page);
    return hf_page_rows(st, r, page, closure_row, (void ***)out, n);
}

int store_closure_get(hf_store_t *st, const char *id, Hrflow__V1__Closure **out)
{
    const char *p[] = { st->tenant, id, hf_store_companies(st) };
    if (!p[2])
        return HF_ENOMEM;
    return hf_store_one(st,
                        "SELECT " CLOSURE_COLS " FROM scheduling.closures"
                        " WHERE tenant_id = $1 AND id = $2::uuid"
                        " AND (company_id = '" STORE_GROUP "' OR "
                        HF_SEES_COMPANY("company_id", "3") ")",
                        3, p, closure_row, out);
}

int store_closure_delete(hf_store_t *st, const char *id, int days)
{
    const char *p[] = { st->tenant, id };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    int rc = hf_db_exec(st->db,
                        "DELETE FROM scheduling.closures WHERE tenant_id = $1 AND id = $2::uuid",
                        2, p, NULL) == 0
                 ? HF_OK
                 : HF_EDB;
    if (rc == HF_OK)
        rc = store_slots_regenerate(st, days);
    return hf_store_finish(st, rc);
}

/* ---- slots ---- */

static Hrflow__V1__SlotDay *day_of(hf_store_t *st, Hrflow__V1__ListSlotsResponse *out,
                                   const char *day)
{
    if (out->n_days && !strcmp(out->days[out->n_days - 1]->day, day))
        return out->days[out->n_days - 1];
    Hrflow__V1__SlotDay *d = hf_store_alloc(st, sizeof(*d));
    if (!d)
        return NULL;
    hrflow__v1__slot_day__init(d);
    d->day = hf_store_strdup(st, day);
    out->days[out->n_days++] = d;
    return d->day ? d : NULL;
}

int store_slots_list(hf_store_t *st, const char *company, const char *from_day, unsigned days,
                     int free_only, Hrflow__V1__ListSlotsResponse *out)
{
    char n[16];
    snprintf(n, sizeof(n), "%u", days);
    const char *p[] = { st->tenant, company, from_day, n, free_only ? "true" : "false" };
    PGresult *r = hf_db_query(
        st->db,
        "WITH p AS (SELECT * FROM scheduling.profile($1::uuid, $2::uuid)),"
        " d AS (SELECT coalesce(nullif($3, '')::date,"
        "   (scheduling.now() AT TIME ZONE p.time_zone)::date) AS first, p.time_zone FROM p),"
        " b AS (SELECT greatest(scheduling.now(), first::timestamp AT TIME ZONE time_zone) AS lo,"
        "   (first + $4::int)::timestamp AT TIME ZONE time_zone AS hi, time_zone FROM d)"
        " SELECT b.time_zone, " HF_MICROS("e.start_time") ", " HF_MICROS("e.end_time") ","
        "   e.capacity, e.booked, e.day::text"
        " FROM b LEFT JOIN LATERAL scheduling.eligible($1::uuid, $2::uuid, b.lo, b.hi) e"
        "   ON (NOT $5::boolean OR e.booked < e.capacity)"
        " ORDER BY e.start_time",
        5, p);
    if (!r)
        return HF_EDB;
    int rows = PQntuples(r);
    out->time_zone = rows ? hf_store_cell(st, r, 0, 0) : (char *)"";
    out->slots = hf_store_alloc(st, (size_t)(rows ? rows : 1) * sizeof(void *));
    out->days = hf_store_alloc(st, (size_t)(rows ? rows : 1) * sizeof(void *));
    int rc = out->slots && out->days && out->time_zone ? HF_OK : HF_ENOMEM;
    for (int i = 0; rc == HF_OK && i < rows; i++) {
        if (PQgetisnull(r, i, 1))
            continue; /* no slot: the one row of the time zone */
        Hrflow__V1__Slot *s = hf_store_alloc(st, sizeof(*s));
        Hrflow__V1__SlotDay *d = s ? day_of(st, out, PQgetvalue(r, i, 5)) : NULL;
        if (!d) {
            rc = HF_ENOMEM;
            break;
        }
        hrflow__v1__slot__init(s);
        s->start_time = hf_store_time(st, r, i, 1);
        s->end_time = hf_store_time(st, r, i, 2);
        s->capacity = atoi(PQgetvalue(r, i, 3));
        s->booked = atoi(PQgetvalue(r, i, 4));
        s->free = s->capacity > s->booked ? s->capacity - s->booked : 0;
        out->slots[out->n_slots++] = s;
        d->slots++, d->capacity += s->capacity, d->booked += s->booked, d->free += s->free;
        if (!s->start_time || !s->end_time)
            rc = HF_ENOMEM;
    }
    PQclear(r);
    return rc;
}

int store_gauges(hf_store_t *st, double *seats, int n, double *waiting)
{
    char days[16];
    snprintf(days, sizeof(days), "%d", n);
    const char *p[] = { days };
    PGresult *r = hf_db_query(
        st->db,
        "SELECT d, coalesce(sum(s.capacity - s.booked), 0),"
        " (SELECT count(*) FROM scheduling.interviews WHERE state = 'waiting')"
        " FROM generate_series(0, $1::int - 1) d"
        " LEFT JOIN scheduling.slots s"
        "   ON s.start_time >= scheduling.now() + d * interval '1 day'"
        "  AND s.start_time < scheduling.now() + (d + 1) * interval '1 day'"
        " GROUP BY d ORDER BY d",
        1, p);
    if (!r)
        return HF_EDB;
    for (int i = 0; i < PQntuples(r) && i < n; i++) {
        seats[i] = strtod(PQgetvalue(r, i, 1), NULL);
        *waiting = strtod(PQgetvalue(r, i, 2), NULL);
    }
    PQclear(r);
    return HF_OK;
}
