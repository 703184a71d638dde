/* services/payroll/attendance_store.c - every SQL statement of attendance (attendance_store.h)
 *
 * Calendars, settings, shifts, punches, leave and the month's results in
 * the tables of migrations/0040_attendance.sql. Sets of rows go in as one
 * statement over arrays (unnest), not a statement per row. The month's
 * computation loads what it needs in five statements, applies the pure
 * attendance.c to every employee-day, and replaces the stored months (one
 * row per employee, its days as arrays inside) in one transaction, the rows
 * streamed with COPY while they are computed.
 */
#include "attendance_store.h"

#include "hf/db.h"
#include "hf/log.h"
#include "hf/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NIL_TENANT "00000000-0000-0000-0000-000000000000"

static int64_t cell_i64(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static int cell_bool(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col)[0] == 't';
}

static char *days_text(hf_store_t *st, int64_t minutes)
{
    char b[24];
    ad_format_days(minutes, b);
    return hf_store_strdup(st, b);
}

static char *hours_text(hf_store_t *st, int64_t minutes)
{
    char b[24];
    ad_format_hours(minutes, b);
    return hf_store_strdup(st, b);
}

/* "YYYY-MM-01" of a month, in the arena. */
static const char *month_text(hf_store_t *st, int year, int month)
{
    return hf_arena_printf(st->arena, "%04d-%02d-01", year, month);
}

/* ---- calendars and settings ---- */

int att_calendar_get(hf_store_t *st, const char *calendar, int year,
                     Hrflow__V1__WorkCalendarYear **out, wc_calendar_t *special)
{
    char y[16];
    snprintf(y, sizeof(y), "%d", year);
    const char *p[] = { st->tenant, calendar, y };
    PGresult *r = hf_db_query(
        st->db,
        "WITH y AS (SELECT tenant_id, source, version FROM payroll.calendar_years"
        " WHERE tenant_id IN ($1::uuid, '" NIL_TENANT "') AND calendar = $2 AND year = $3::int"
        " ORDER BY tenant_id = '" NIL_TENANT "' LIMIT 1)"
        " SELECT y.tenant_id = '" NIL_TENANT "', y.source, y.version, d.day::text,"
        " d.day - date '1970-01-01', d.kind, d.name"
        " FROM y LEFT JOIN payroll.calendar_days d ON d.tenant_id = y.tenant_id"
        " AND d.calendar = $2 AND d.year = $3::int ORDER BY d.day",
        3, p);
    int rc = hf_store_rows(r, 1);
    Hrflow__V1__WorkCalendarYear *c = rc == HF_OK ? hf_store_alloc(st, sizeof(*c)) : NULL;
    int n = r ? PQntuples(r) : 0;
    if (rc == HF_OK && c) {
        hrflow__v1__work_calendar_year__init(c);
        c->calendar = hf_store_strdup(st, calendar);
        c->year = year;
        c->origin = cell_bool(r, 0, 0) ? "shipped" : "tenant";
        c->source = hf_store_cell(st, r, 0, 1);
        c->version = cell_i64(r, 0, 2);
        c->days = hf_store_alloc(st, (size_t)n * sizeof(*c->days) + 1);
        wc_special_t *sp = hf_store_alloc(st, (size_t)n * sizeof(*sp) + 1);
        for (int i = 0; c->days && sp && i < n && !PQgetisnull(r, i, 3); i++) {
            Hrflow__V1__CalendarDay *d = hf_store_alloc(st, sizeof(*d));
            if (!d)
                break;
            hrflow__v1__calendar_day__init(d);
            d->date = hf_store_cell(st, r, i, 3);
            d->kind = hf_store_cell(st, r, i, 5);
            d->name = hf_store_cell(st, r, i, 6);
            sp[c->n_days].day = (int32_t)cell_i64(r, i, 4);
            wc_kind_parse(d->kind, &sp[c->n_days].kind);
            c->days[c->n_days++] = d;
        }
        if (!c->days || !sp)
            rc = HF_ENOMEM;
        wc_calendar_t cal = { sp, c->n_days };
        c->workdays = wc_workdays(&cal, wc_day(year, 1, 1), wc_day(year, 12, 31));
        if (special)
            *special = cal;
        *out = c;
    } else if (rc == HF_OK) {
        rc = HF_ENOMEM;
    }
    PQclear(r);
    return rc;
}

int att_calendar_set(hf_store_t *st, const char *calendar, int year, const char *source,
                     const wc_special_t *days, char *const *names, size_t n)
{
    const char **dates = hf_store_alloc(st, (n + 1) * sizeof(char *));
    const char **kinds = hf_store_alloc(st, (n + 1) * sizeof(char *));
    if (!dates || !kinds)
        return HF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        char *d = hf_store_alloc(st, 11);
        if (!d)
            return HF_ENOMEM;
        wc_format_date(days[i].day, d);
        dates[i] = d;
        kinds[i] = wc_kind_name(days[i].kind);
    }
    char y[16];
    snprintf(y, sizeof(y), "%d", year);
    const char *p[] = { st->tenant, calendar, y, source,
                        hf_store_array(st, dates, n), hf_store_array(st, kinds, n),
                        hf_store_array(st, (const char *const *)names, n) };
    if (!p[4] || !p[5] || !p[6])
        return HF_ENOMEM;
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    int rc = hf_db_exec(st->db,
                        "INSERT INTO payroll.calendar_years AS y (tenant_id, calendar, year, source)"
                        " VALUES ($1::uuid, $2, $3::int, $4) ON CONFLICT (tenant_id, calendar, year)"
                        " DO UPDATE SET source = $4, version = y.version + 1, update_time = now()",
                        4, p, NULL) < 0 ||
                     hf_db_exec(st->db,
                                "DELETE FROM payroll.calendar_days WHERE tenant_id = $1::uuid"
                                " AND calendar = $2 AND year = $3::int",
                                3, p, NULL) < 0 ||
                     hf_db_exec(st->db,
                                "INSERT INTO payroll.calendar_days (tenant_id, calendar, year, day,"
                                " kind, name) SELECT $1::uuid, $2, $3::int, d, k, n FROM"
                                " unnest($4::date[], $5::text[], $6::text[]) AS u(d, k, n)",
                                6, (const char *[]){ p[0], p[1], p[2], p[4], p[5], p[6] },
                                NULL) < 0
                 ? HF_EDB
                 : HF_OK;
    return hf_store_finish(st, rc);
}

static void *settings_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__AttendanceSettings *s = hf_store_alloc(st, sizeof(*s));
    if (!s)
        return NULL;
    hrflow__v1__attendance_settings__init(s);
    s->company_id = hf_store_cell(st, r, i, 0);
    s->calendar = hf_store_cell(st, r, i, 1);
    s->time_zone = hf_store_cell(st, r, i, 2);
    s->default_shift_id = hf_store_cell(st, r, i, 3);
    s->version = cell_i64(r, i, 4);
    return s;
}

int att_settings_get(hf_store_t *st, const char *company, Hrflow__V1__AttendanceSettings **out)
{
    const char *p[] = { st->tenant, company };
    return hf_store_one(st,
                        "SELECT $2::uuid, coalesce(s.calendar, 'cn'),"
                        " coalesce(s.time_zone, 'Asia/Shanghai'), s.default_shift_id,"
                        " coalesce(s.version, 0) FROM (SELECT 1) one"
                        " LEFT JOIN payroll.attendance_settings s ON s.tenant_id = $1::uuid"
                        " AND s.company_id = $2::uuid",
                        2, p, settings_row, out);
}

int att_settings_save(hf_store_t *st, const char *company, const char *calendar,
                      const char *time_zone, const char *default_shift)
{
    const char *p[] = { st->tenant, company, calendar, time_zone, default_shift,
                        default_shift ? "1" : NULL };
    return hf_db_exec(st->db,
                      "INSERT INTO payroll.attendance_settings AS s (tenant_id, company_id,"
                      " calendar, time_zone, default_shift_id) VALUES ($1::uuid, $2::uuid,"
                      " coalesce($3, 'cn'), coalesce($4, 'Asia/Shanghai'), nullif($5, '')::uuid)"
                      " ON CONFLICT (tenant_id, company_id) DO UPDATE SET"
                      " calendar = coalesce($3, s.calendar), time_zone = coalesce($4, s.time_zone),"
                      " default_shift_id = CASE WHEN $6::text IS NULL THEN s.default_shift_id"
                      " ELSE nullif($5, '')::uuid END, version = s.version + 1, update_time = now()",
                      6, p, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

/* ---- shifts ---- */

#define SHIFT_COLS                                                                      \
    "id, company_id, name, start_minute, end_minute, crosses_midnight,"               \
    " late_grace_minutes, early_grace_minutes, break_start_minute, break_minutes, " \
    HF_MICROS("create_time")

static void *shift_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__Shift *s = hf_store_alloc(st, sizeof(*s));
    char *start = hf_store_alloc(st, 6), *end = hf_store_alloc(st, 6), *bs = hf_store_alloc(st, 6);
    if (!s || !start || !end || !bs)
        return NULL;
    hrflow__v1__shift__init(s);
    s->id = hf_store_cell(st, r, i, 0);
    s->company_id = hf_store_cell(st, r, i, 1);
    s->name = hf_store_cell(st, r, i, 2);
    ad_format_clock((int)cell_i64(r, i, 3), start);
    ad_format_clock((int)cell_i64(r, i, 4), end);
    s->start = start;
    s->end = end;
    s->crosses_midnight = cell_bool(r, i, 5);
    s->late_grace_minutes = (int32_t)cell_i64(r, i, 6);
    s->early_grace_minutes = (int32_t)cell_i64(r, i, 7);
    s->break_minutes = (int32_t)cell_i64(r, i, 9);
    ad_format_clock((int)cell_i64(r, i, 8), bs);
    s->break_start = s->break_minutes ? bs : "";
    s->create_time = hf_store_time(st, r, i, 10);
    return s;
}

int att_shift_create(hf_store_t *st, const Hrflow__V1__Shift *in, const ad_shift_t *s,
                     Hrflow__V1__Shift **out)
{
    char v[6][16];
    snprintf(v[0], 16, "%d", s->start);
    snprintf(v[1], 16, "%d", s->end % 1440);
    snprintf(v[2], 16, "%d", s->late_grace);
    snprintf(v[3], 16, "%d", s->early_grace);
    snprintf(v[4], 16, "%d", s->break_minutes ? s->break_start % 1440 : 0);
    snprintf(v[5], 16, "%d", s->break_minutes);
    const char *p[] = { st->tenant, in->company_id, in->name, v[0], v[1],
                        in->crosses_midnight ? "t" : "f", v[2], v[3], v[4], v[5] };
    PGresult *r = hf_db_query(st->db,
                    "INSERT INTO payroll.shifts (tenant_id, company_id, name, start_minute,"
                    " end_minute, crosses_midnight, late_grace_minutes, early_grace_minutes,"
                    " break_start_minute, break_minutes) VALUES ($1::uuid, $2::uuid, $3,"
                    " $4::int, $5::int, $6::boolean, $7::int, $8::int, $9::int, $10::int)"
                    " ON CONFLICT (tenant_id, company_id, name) DO NOTHING RETURNING " SHIFT_COLS,
                    10, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_ENOTFOUND)
        rc = HF_EEXISTS;
    void **rows = NULL;
    size_t n = 0;
    if (rc == HF_OK) {
        rc = hf_store_all(st, r, shift_row, &rows, &n);
        r = NULL;
        if (rc == HF_OK)
            *out = rows[0];
    }
    PQclear(r);
    return rc;
}

int att_shift_get(hf_store_t *st, const char *id, Hrflow__V1__Shift **out)
{
    const char *p[] = { st->tenant, id };
    return hf_store_one(st,
                        "SELECT " SHIFT_COLS " FROM payroll.shifts WHERE tenant_id = $1::uuid"
                        " AND id = $2::uuid",
                        2, p, shift_row, out);
}

int att_shift_list(hf_store_t *st, const char *company, Hrflow__V1__Shift ***out, size_t *n)
{
    const char *p[] = { st->tenant, company };
    PGresult *r = hf_db_query(st->db,
                              "SELECT " SHIFT_COLS " FROM payroll.shifts WHERE tenant_id = $1::uuid"
                              " AND company_id = $2::uuid ORDER BY name LIMIT 500",
                              2, p);
    return hf_store_all(st, r, shift_row, (void ***)out, n);
}

int att_shift_assign(hf_store_t *st, const char *employee, const char *shift, const char *day)
{
    const char *p[] = { st->tenant, employee, day, shift };
    return hf_db_exec(st->db,
                      "INSERT INTO payroll.shift_assignments (tenant_id, employee_id, valid_from,"
                      " shift_id) VALUES ($1::uuid, $2::uuid, $3::date, $4::uuid)"
                      " ON CONFLICT (tenant_id, employee_id, valid_from) DO UPDATE SET"
                      " shift_id = EXCLUDED.shift_id, create_time = now()",
                      4, p, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

int att_employee_company(hf_store_t *st, const char *employee, const char **company)
{
    const char *p[] = { st->tenant, employee };
    PGresult *r = hf_db_query(st->db,
                              "SELECT company_id FROM payroll.employees WHERE tenant_id = $1::uuid"
                              " AND id = $2::uuid",
                              2, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK && !(*company = hf_store_cell(st, r, 0, 0)))
        rc = HF_ENOMEM;
    PQclear(r);
    return rc;
}

/* ---- punches ---- */

static const char *const methods[] = { "fingerprint", "face", "card", "other" };

static int problem(hf_store_t *st, att_ingest_t *out, const att_punch_row_t *row, size_t index,
                   const char *field, const char *code, const char *message)
{
    att_problem_t *p = &out->problems[out->n_problems++];
    *p = (att_problem_t){ row->row, index, field, code, hf_store_strdup(st, message) };
    return 1;
}

/* The checks a row needs no database for; 1 when it has a problem. */
static int row_check(hf_store_t *st, const att_punch_row_t *r, size_t i, att_ingest_t *out)
{
    static const hf_text_rule_t no_rule = { HF_TEXT_LINE, 1, 64 };
    static const hf_text_rule_t device_rule = { HF_TEXT_LINE, 0, 128 };
    hf_text_problem_t why;
    int bad = 0;
    if (hf_text_check(r->employee_no, strlen(r->employee_no), no_rule, &why) < 0)
        bad |= problem(st, out, r, i, "employee_no", why.code, why.message);
    if (!hf_uuid_valid(r->company_id) || !hf_store_sees_company(st, r->company_id))
        bad |= problem(st, out, r, i, "company_id", "unknown", "a company of the caller");
    if (!ad_time_valid(r->time))
        bad |= problem(st, out, r, i, "time", "bad_format",
                       "an RFC 3339 time with its zone, e.g. 2026-01-05T08:57:00+08:00");
    if (hf_text_check(r->device, strlen(r->device), device_rule, &why) < 0)
        bad |= problem(st, out, r, i, "device", why.code, why.message);
    int known = 0;
    for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++)
        known |= !strcmp(r->method, methods[m]);
    if (!known)
        bad |= problem(st, out, r, i, "method", "unknown", "fingerprint, face, card or other");
    return bad;
}

int att_punches_ingest(hf_store_t *st, const att_punch_row_t *rows, size_t n, int dry_run,
                       att_ingest_t *out)
{
    memset(out, 0, sizeof(*out));
    out->problems = hf_store_alloc(st, (5 * n + 1) * sizeof(*out->problems));
    out->status = hf_store_alloc(st, n + 1);
    const char **cos = hf_store_alloc(st, (n + 1) * sizeof(char *));
    const char **nos = hf_store_alloc(st, (n + 1) * sizeof(char *));
    if (!out->problems || !out->status || !cos || !nos)
        return HF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int bad = row_check(st, &rows[i], i, out);
        cos[i] = bad ? NULL : rows[i].company_id; /* NULL: not looked up */
        nos[i] = bad ? NULL : rows[i].employee_no;
    }
    /* the employees, by company and number, in the rows' order */
    const char *p[] = { st->tenant, hf_store_array(st, cos, n), hf_store_array(st, nos, n) };
    if (!p[1] || !p[2])
        return HF_ENOMEM;
    PGresult *r = hf_db_query(st->db,
                              "SELECT e.id FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY"
                              " AS u(c, no, i) LEFT JOIN payroll.employees e ON e.tenant_id ="
                              " $1::uuid AND e.company_id = u.c AND e.employee_no = u.no"
                              " ORDER BY u.i",
                              3, p);
    if (!r)
        return HF_EDB;
    const char **ids = hf_store_alloc(st, (n + 1) * sizeof(char *));
    for (size_t i = 0; ids && i < n; i++) {
        ids[i] = PQgetisnull(r, (int)i, 0) ? NULL : hf_store_cell(st, r, (int)i, 0);
        if (cos[i] && !ids[i]) {
            char msg[160];
            snprintf(msg, sizeof(msg), "no employee numbered \"%.64s\" in the company",
                     rows[i].employee_no);
            problem(st, out, &rows[i], i, "employee_no", "unknown_employee", msg);
        }
    }
    PQclear(r);
    if (!ids)
        return HF_ENOMEM;
    if (out->n_problems)
        return HF_OK;
    const char **times = hf_store_alloc(st, (n + 1) * sizeof(char *));
    const char **devs = hf_store_alloc(st, (n + 1) * sizeof(char *));
    const char **meths = hf_store_alloc(st, (n + 1) * sizeof(char *));
    if (!times || !devs || !meths)
        return HF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        times[i] = rows[i].time;
        devs[i] = rows[i].device;
        meths[i] = rows[i].method;
    }
    const char *q[] = { st->tenant, hf_store_array(st, ids, n), hf_store_array(st, times, n),
                        p[1], hf_store_array(st, devs, n), hf_store_array(st, meths, n),
                        dry_run ? "t" : "f" };
    if (!q[1] || !q[2] || !q[4] || !q[5])
        return HF_ENOMEM;
    /* new: the first of its (employee, instant) in the rows and not stored before */
    r = hf_db_query(
        st->db,
        "WITH u AS (SELECT i, e, t::timestamptz AS t, c, d, m FROM unnest($2::uuid[], $3::text[],"
        " $4::uuid[], $5::text[], $6::text[]) WITH ORDINALITY AS u(e, t, c, d, m, i)),"
        " k AS (SELECT u.*, row_number() OVER (PARTITION BY e, t ORDER BY i) = 1 AND NOT EXISTS"
        " (SELECT 1 FROM payroll.punches p WHERE p.tenant_id = $1::uuid AND p.employee_id = u.e"
        " AND p.punch_time = u.t) AS new FROM u),"
        " ins AS (INSERT INTO payroll.punches (tenant_id, employee_id, punch_time, company_id,"
        " device, method) SELECT $1::uuid, e, t, c, d, m FROM k WHERE new AND NOT $7::boolean"
        " ON CONFLICT DO NOTHING RETURNING employee_id, punch_time)"
        /* stored by this statement (a batch racing with this one may store it first) */
        " SELECT new AND ($7::boolean OR EXISTS (SELECT 1 FROM ins WHERE ins.employee_id = k.e"
        " AND ins.punch_time = k.t)) FROM k ORDER BY i",
        7, q);
    if (!r)
        return HF_EDB;
    for (size_t i = 0; i < n; i++) {
        int fresh = cell_bool(r, (int)i, 0);
        out->status[i] = fresh ? 's' : 'd';
        out->stored += fresh;
        out->duplicates += !fresh;
    }
    PQclear(r);
    return HF_OK;
}

/* ---- leave ---- */

static void *leave_type_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__LeaveType *t = hf_store_alloc(st, sizeof(*t));
    if (!t)
        return NULL;
    hrflow__v1__leave_type__init(t);
    t->code = hf_store_cell(st, r, i, 0);
    t->name = hf_store_cell(st, r, i, 1);
    t->paid = cell_bool(r, i, 2);
    t->unit = hf_store_cell(st, r, i, 3);
    t->tracks_balance = cell_bool(r, i, 4);
    t->origin = cell_bool(r, i, 5) ? "shipped" : "tenant";
    return t;
}

#define LEAVE_TYPES                                                                         \
    "SELECT DISTINCT ON (code) code, name, paid, unit, tracks_balance,"                    \
    " tenant_id = '" NIL_TENANT "' FROM payroll.leave_types"                               \
    " WHERE tenant_id IN ($1::uuid, '" NIL_TENANT "')"

int att_leave_types(hf_store_t *st, Hrflow__V1__LeaveType ***out, size_t *n)
{
    const char *p[] = { st->tenant };
    PGresult *r = hf_db_query(st->db, LEAVE_TYPES " ORDER BY code, tenant_id = '" NIL_TENANT "'",
                              1, p);
    return hf_store_all(st, r, leave_type_row, (void ***)out, n);
}

int att_leave_type_get(hf_store_t *st, const char *code, Hrflow__V1__LeaveType **out)
{
    const char *p[] = { st->tenant, code };
    return hf_store_one(st, LEAVE_TYPES " AND code = $2 ORDER BY code, tenant_id = '" NIL_TENANT
                                        "'",
                        2, p, leave_type_row, out);
}

int att_leave_type_save(hf_store_t *st, const Hrflow__V1__LeaveType *t)
{
    const char *p[] = { st->tenant, t->code, t->name, t->paid ? "t" : "f", t->unit,
                        t->tracks_balance ? "t" : "f" };
    return hf_db_exec(st->db,
                      "INSERT INTO payroll.leave_types AS t (tenant_id, code, name, paid, unit,"
                      " tracks_balance) VALUES ($1::uuid, $2, $3, $4::boolean, $5, $6::boolean)"
                      " ON CONFLICT (tenant_id, code) DO UPDATE SET name = $3, paid = $4::boolean,"
                      " unit = $5, tracks_balance = $6::boolean, version = t.version + 1,"
                      " update_time = now()",
                      6, p, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

static void *balance_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__LeaveBalance *b = hf_store_alloc(st, sizeof(*b));
    if (!b)
        return NULL;
    hrflow__v1__leave_balance__init(b);
    b->employee_id = hf_store_cell(st, r, i, 0);
    b->leave_type = hf_store_cell(st, r, i, 1);
    b->year = (int32_t)cell_i64(r, i, 2);
    int64_t granted = cell_i64(r, i, 3), used = cell_i64(r, i, 4);
    b->granted_days = days_text(st, granted);
    b->used_days = days_text(st, used);
    b->remaining_days = days_text(st, granted - used);
    return b;
}

#define BALANCE_COLS "employee_id, leave_type, year, granted_minutes, used_minutes"

int att_leave_grant(hf_store_t *st, const char *employee, const char *type, int year,
                    int64_t minutes, Hrflow__V1__LeaveBalance **out)
{
    char y[16], m[24];
    snprintf(y, sizeof(y), "%d", year);
    snprintf(m, sizeof(m), "%lld", (long long)minutes);
    const char *p[] = { st->tenant, employee, type, y, m };
    return hf_store_one(st,
                        "INSERT INTO payroll.leave_balances AS b (tenant_id, employee_id,"
                        " leave_type, year, granted_minutes) VALUES ($1::uuid, $2::uuid, $3,"
                        " $4::int, $5::bigint) ON CONFLICT (tenant_id, employee_id, leave_type,"
                        " year) DO UPDATE SET granted_minutes = b.granted_minutes + $5::bigint,"
                        " version = b.version + 1, update_time = now() RETURNING " BALANCE_COLS,
                        5, p, balance_row, out);
}

int att_leave_balances(hf_store_t *st, const char *employee, int year,
                       Hrflow__V1__LeaveBalance ***out, size_t *n)
{
    char y[16];
    snprintf(y, sizeof(y), "%d", year);
    const char *p[] = { st->tenant, employee, year ? y : NULL };
    PGresult *r = hf_db_query(st->db,
                              "SELECT " BALANCE_COLS " FROM payroll.leave_balances"
                              " WHERE tenant_id = $1::uuid AND employee_id = $2::uuid"
                              " AND ($3::int IS NULL OR year = $3::int) ORDER BY year, leave_type",
                              3, p);
    return hf_store_all(st, r, balance_row, (void ***)out, n);
}

int att_leave_remaining(hf_store_t *st, const char *employee, const char *type, int year,
                        int64_t *remaining)
{
    char y[16];
    snprintf(y, sizeof(y), "%d", year);
    const char *p[] = { st->tenant, employee, type, y };
    PGresult *r = hf_db_query(st->db,
                              "SELECT coalesce(sum(granted_minutes - used_minutes), 0)"
                              " FROM payroll.leave_balances WHERE tenant_id = $1::uuid AND"
                              " employee_id = $2::uuid AND leave_type = $3 AND year = $4::int",
                              4, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK)
        *remaining = cell_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

#define REQUEST_COLS                                                                      \
    "id, employee_id, leave_type, start_date::text, end_date::text, part, minutes,"     \
    " reason, status, company_id, note, version, " HF_MICROS("create_time")

static void *request_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__LeaveRequest *q = hf_store_alloc(st, sizeof(*q));
    if (!q)
        return NULL;
    hrflow__v1__leave_request__init(q);
    q->id = hf_store_cell(st, r, i, 0);
    q->employee_id = hf_store_cell(st, r, i, 1);
    q->leave_type = hf_store_cell(st, r, i, 2);
    q->start_date = hf_store_cell(st, r, i, 3);
    q->end_date = hf_store_cell(st, r, i, 4);
    q->part = hf_store_cell(st, r, i, 5);
    int64_t minutes = cell_i64(r, i, 6);
    q->hours = !strcmp(q->part, "hours") ? (int32_t)(minutes / 60) : 0;
    q->days = days_text(st, minutes);
    q->reason = hf_store_cell(st, r, i, 7);
    q->status = hf_store_cell(st, r, i, 8);
    q->company_id = hf_store_cell(st, r, i, 9);
    q->note = hf_store_cell(st, r, i, 10);
    q->version = cell_i64(r, i, 11);
    q->create_time = hf_store_time(st, r, i, 12);
    return q;
}

int att_leave_submit(hf_store_t *st, const att_leave_new_t *n, const char **clash,
                     Hrflow__V1__LeaveRequest **out)
{
    char m[24];
    snprintf(m, sizeof(m), "%lld", (long long)n->minutes);
    const char *p[] = { st->tenant, n->employee, n->company, n->type, n->paid ? "t" : "f",
                        n->start, n->end, n->part, m, n->reason };
    const char *q[] = { st->tenant, n->employee, n->start, n->end, n->part };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    /* one submission per employee at a time, so two cannot both miss each other */
    PGresult *r = hf_db_exec(st->db, "SELECT pg_advisory_xact_lock(hashtext('payroll.leave:' ||"
                                     " $1 || $2))",
                             2, q, NULL) < 0
                      ? NULL
                      : hf_db_query(st->db,
                                    "SELECT id FROM payroll.leave_requests WHERE tenant_id ="
                                    " $1::uuid AND employee_id = $2::uuid AND status IN"
                                    " ('submitted', 'approved') AND start_date <= $4::date AND"
                                    " end_date >= $3::date AND NOT (part IN ('am', 'pm') AND"
                                    " $5 IN ('am', 'pm') AND part <> $5) LIMIT 1",
                                    5, q);
    int rc = r ? hf_store_rows(r, 1) : HF_EDB;
    if (rc == HF_OK) {
        *clash = hf_store_cell(st, r, 0, 0);
        rc = HF_ECONFLICT;
    } else if (rc == HF_ENOTFOUND) {
        rc = hf_store_one(st,
                          "INSERT INTO payroll.leave_requests (tenant_id, employee_id, company_id,"
                          " leave_type, paid, start_date, end_date, part, minutes, reason) VALUES"
                          " ($1::uuid, $2::uuid, $3::uuid, $4, $5::boolean, $6::date, $7::date, $8,"
                          " $9::bigint, $10) RETURNING " REQUEST_COLS,
                          10, p, request_row, out);
    }
    PQclear(r);
    return hf_store_finish(st, rc);
}

int att_leave_get(hf_store_t *st, const char *id, Hrflow__V1__LeaveRequest **out)
{
    const char *p[] = { st->tenant, id };
    return hf_store_one(st,
                        "SELECT " REQUEST_COLS " FROM payroll.leave_requests"
                        " WHERE tenant_id = $1::uuid AND id = $2::uuid",
                        2, p, request_row, out);
}

int att_leave_list(hf_store_t *st, const char *employee, const char *status,
                   Hrflow__V1__LeaveRequest ***out, size_t *n)
{
    const char *p[] = { st->tenant, employee, *status ? status : NULL };
    PGresult *r = hf_db_query(st->db,
                              "SELECT " REQUEST_COLS " FROM payroll.leave_requests"
                              " WHERE tenant_id = $1::uuid AND employee_id = $2::uuid"
                              " AND ($3::text IS NULL OR status = $3)"
                              " ORDER BY start_date DESC, create_time DESC LIMIT 500",
                              3, p);
    return hf_store_all(st, r, request_row, (void ***)out, n);
}

int att_leave_decide(hf_store_t *st, const char *id, const char *decision, const char *note,
                     const char **why, Hrflow__V1__LeaveRequest **out)
{
    const char *p[] = { st->tenant, id };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    PGresult *r = hf_db_query(st->db,
                              "SELECT r.status, r.employee_id, r.leave_type,"
                              " extract(year FROM r.start_date)::int, r.minutes,"
                              " coalesce((SELECT t.tracks_balance FROM payroll.leave_types t"
                              " WHERE t.tenant_id IN ($1::uuid, '" NIL_TENANT "') AND t.code ="
                              " r.leave_type ORDER BY t.tenant_id = '" NIL_TENANT "' LIMIT 1),"
                              " false) FROM payroll.leave_requests r WHERE r.tenant_id = $1::uuid"
                              " AND r.id = $2::uuid FOR UPDATE",
                              2, p);
    int rc = hf_store_rows(r, 1);
    if (rc != HF_OK) {
        PQclear(r);
        return hf_store_finish(st, rc);
    }
    const char *status = hf_store_cell(st, r, 0, 0);
    const char *b[] = { st->tenant, hf_store_cell(st, r, 0, 1), hf_store_cell(st, r, 0, 2),
                        hf_store_cell(st, r, 0, 3), hf_store_cell(st, r, 0, 4) };
    int tracks = cell_bool(r, 0, 5);
    PQclear(r);
    int approve = !strcmp(decision, "approve"), cancel = !strcmp(decision, "cancel");
    const char *to = approve ? "approved" : cancel ? "cancelled" : "rejected";
    if (strcmp(status, "submitted") && !(cancel && !strcmp(status, "approved"))) {
        *why = cancel ? "only a submitted or approved request can be cancelled"
                      : "only a submitted request can be decided";
        return hf_store_finish(st, HF_ECONFLICT);
    }
    if (tracks && approve) {
        r = hf_db_query(st->db,
                        "UPDATE payroll.leave_balances SET used_minutes = used_minutes +"
                        " $5::bigint, version = version + 1, update_time = now()"
                        " WHERE tenant_id = $1::uuid AND employee_id = $2::uuid AND leave_type = $3"
                        " AND year = $4::int AND used_minutes + $5::bigint <= granted_minutes"
                        " RETURNING 1",
                        5, b);
        rc = hf_store_rows(r, 1);
        PQclear(r);
        if (rc == HF_ENOTFOUND)
            rc = HF_EEXISTS;
    } else if (tracks && cancel && !strcmp(status, "approved")) {
        rc = hf_db_exec(st->db,
                        "UPDATE payroll.leave_balances SET used_minutes = used_minutes -"
                        " $5::bigint, version = version + 1, update_time = now()"
                        " WHERE tenant_id = $1::uuid AND employee_id = $2::uuid AND leave_type = $3"
                        " AND year = $4::int",
                        5, b, NULL) < 0
                 ? HF_EDB
                 : HF_OK;
    }
    const char *u[] = { st->tenant, id, to, st->actor ? st->actor : "", note };
    if (rc == HF_OK && hf_db_exec(st->db,
                                  "UPDATE payroll.leave_requests SET status = $3, decided_by = $4,"
                                  " note = $5, version = version + 1, update_time = now()"
                                  " WHERE tenant_id = $1::uuid AND id = $2::uuid",
                                  5, u, NULL) < 0)
        rc = HF_EDB;
    rc = hf_store_finish(st, rc);
    return rc == HF_OK ? att_leave_get(st, id, out) : rc;
}

/* ---- the month ---- */

typedef struct {
    const char *id, *no;
    int32_t from, to;       /* the days of the month the employee was employed */
} emp_t;

typedef struct {
    const char *id;
    ad_shift_t s;
} shift_t;

typedef struct {
    const char *employee, *shift;
    int32_t from;
} assign_t;

typedef struct {
    const char *employee;
    int64_t minute;         /* local minutes since 1970-01-01 00:00 */
} punch_t;

typedef struct {
    const char *employee;
    int32_t from, to;
    ad_leave_t leave;
} leave_t;

/* What the month's statements loaded, each sorted by employee id. */
typedef struct {
    emp_t *emps;
    size_t n_emps;
    shift_t *shifts;
    size_t n_shifts;
    assign_t *assigns;
    size_t n_assigns;
    punch_t *punches;
    size_t n_punches;
    leave_t *leaves;
    size_t n_leaves;
    const ad_shift_t *fallback;
    PGresult *held[5];      /* the statements' results: the texts above point into them */
    int n_held;
} month_data_t;

static void month_free(month_data_t *m)
{
    while (m->n_held > 0)
        PQclear(m->held[--m->n_held]);
}

static const ad_shift_t *shift_of(const month_data_t *m, const char *id)
{
    for (size_t i = 0; id && i < m->n_shifts; i++)
        if (!strcmp(m->shifts[i].id, id))
            return &m->shifts[i].s;
    return NULL;
}

/* Run a statement and turn each row into an element of size `size` of a new
 * array in the arena with fill(r, i, element): *out and *n. The result is
 * held in m (month_free clears it): the elements' texts are its cells. */
static int load(hf_store_t *st, month_data_t *m, const char *sql, int np, const char *const *p,
                size_t size, void (*fill)(const PGresult *r, int i, void *element), void *out,
                size_t *n)
{
    PGresult *r = hf_db_query(st->db, sql, np, p);
    if (!r)
        return HF_EDB;
    m->held[m->n_held++] = r;
    *n = (size_t)PQntuples(r);
    char *arr = hf_store_alloc(st, (*n + 1) * size);
    for (size_t i = 0; arr && i < *n; i++)
        fill(r, (int)i, arr + i * size);
    *(void **)out = arr;
    return arr ? HF_OK : HF_ENOMEM;
}

static void fill_emp(const PGresult *r, int i, void *e)
{
    *(emp_t *)e = (emp_t){ PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                           (int32_t)cell_i64(r, i, 2), (int32_t)cell_i64(r, i, 3) };
}

static void fill_shift(const PGresult *r, int i, void *e)
{
    shift_t *s = e;
    const char *why;
    s->id = PQgetvalue(r, i, 0);
    ad_shift_check((int)cell_i64(r, i, 1), (int)cell_i64(r, i, 2), cell_bool(r, i, 3),
                   (int)cell_i64(r, i, 4), (int)cell_i64(r, i, 5), (int)cell_i64(r, i, 6),
                   (int)cell_i64(r, i, 7), &s->s, &why);
}

static void fill_assign(const PGresult *r, int i, void *e)
{
    *(assign_t *)e = (assign_t){ PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                                 (int32_t)cell_i64(r, i, 2) };
}

static void fill_punch(const PGresult *r, int i, void *e)
{
    *(punch_t *)e = (punch_t){ PQgetvalue(r, i, 0), cell_i64(r, i, 1) };
}

static void fill_leave(const PGresult *r, int i, void *e)
{
    const char *part = PQgetvalue(r, i, 3);
    ad_part_t k = !strcmp(part, "am") ? AD_AM : !strcmp(part, "pm") ? AD_PM
                : !strcmp(part, "hours") ? AD_HOURS : AD_WHOLE;
    *(leave_t *)e = (leave_t){ PQgetvalue(r, i, 0), (int32_t)cell_i64(r, i, 1),
                               (int32_t)cell_i64(r, i, 2),
                               { k, (int)cell_i64(r, i, 4), cell_bool(r, i, 5),
                                 cell_bool(r, i, 6) } };
}

/* The month of a company in five statements, each sorted by employee. */
static int load_month(hf_store_t *st, const char *company, const char *tz, const char *first,
                      const char *last, const char *default_shift, month_data_t *m)
{
    const char *p[] = { st->tenant, company, first, last, tz };
    int rc = load(st, m,
                  "SELECT id, employee_no, greatest(hire_date, $3::date) - date '1970-01-01',"
                  " least(leave_date, $4::date) - date '1970-01-01' FROM payroll.employees"
                  " WHERE tenant_id = $1::uuid AND company_id = $2::uuid AND status <> 'draft'"
                  " AND (hire_date IS NULL OR hire_date <= $4::date)"
                  " AND (leave_date IS NULL OR leave_date >= $3::date) ORDER BY id",
                  4, p, sizeof(emp_t), fill_emp, &m->emps, &m->n_emps);
    if (rc == HF_OK)
        rc = load(st, m,
                  "SELECT id, start_minute, end_minute, crosses_midnight, late_grace_minutes,"
                  " early_grace_minutes, break_start_minute, break_minutes FROM payroll.shifts"
                  " WHERE tenant_id = $1::uuid AND company_id = $2::uuid",
                  2, p, sizeof(shift_t), fill_shift, &m->shifts, &m->n_shifts);
    if (rc == HF_OK)
        rc = load(st, m,
                  "SELECT a.employee_id, a.shift_id, a.valid_from - date '1970-01-01'"
                  " FROM payroll.shift_assignments a JOIN payroll.employees e ON e.tenant_id ="
                  " a.tenant_id AND e.id = a.employee_id WHERE a.tenant_id = $1::uuid AND"
                  " e.company_id = $2::uuid AND a.valid_from <= $3::date"
                  " ORDER BY a.employee_id, a.valid_from",
                  3, (const char *[]){ p[0], p[1], last }, sizeof(assign_t), fill_assign,
                  &m->assigns, &m->n_assigns);
    /* local minutes; a day's window reaches up to a day before and after it */
    if (rc == HF_OK)
        rc = load(st, m,
                  "SELECT employee_id, floor(extract(epoch FROM punch_time AT TIME ZONE $5) / 60)"
                  "::bigint FROM payroll.punches WHERE tenant_id = $1::uuid AND company_id ="
                  " $2::uuid AND punch_time >= ($3::date - 1)::timestamp AT TIME ZONE $5"
                  " AND punch_time < ($4::date + 2)::timestamp AT TIME ZONE $5"
                  " ORDER BY employee_id, punch_time",
                  5, p, sizeof(punch_t), fill_punch, &m->punches, &m->n_punches);
    if (rc == HF_OK)
        rc = load(st, m,
                  "SELECT employee_id, start_date - date '1970-01-01', end_date - date"
                  " '1970-01-01', part, minutes, paid, leave_type = 'sick'"
                  " FROM payroll.leave_requests WHERE"
                  " tenant_id = $1::uuid AND company_id = $2::uuid AND status = 'approved' AND"
                  " start_date <= $4::date AND end_date >= $3::date"
                  " ORDER BY employee_id, start_date",
                  4, p, sizeof(leave_t), fill_leave, &m->leaves, &m->n_leaves);
    m->fallback = rc == HF_OK ? shift_of(m, default_shift) : NULL;
    return rc;
}

/* First index at or after *at whose employee is id, in an array sorted by
 * employee (a merge walk: *at only moves forward). */
#define SEEK(arr, n, at, id)                                                   \
    do {                                                                       \
        while (*(at) < (n) && strcmp((arr)[*(at)].employee, (id)) < 0)         \
            (*(at))++;                                                         \
    } while (0)

/* One computation of a company's month. */
typedef struct {
    hf_store_t *st;
    const month_data_t *m;
    const wc_calendar_t *cal;
    const char *company, *first;
    int32_t d0, d1;         /* the month's first and last day */
    size_t ai, pi, li;      /* where each sorted array's walk is */
    hf_copybuf_t rows;
    size_t n_days;
} month_run_t;

/* The punches of e in a day's window, relative to its midnight, into rel
 * (at most 64; beyond, the last replaces the 64th); returns how many. */
static size_t day_punches(month_run_t *run, const char *e, int64_t base, int from, int to,
                          size_t *p0, int rel[64])
{
    const month_data_t *m = run->m;
    size_t n = 0;
    while (*p0 < m->n_punches && !strcmp(m->punches[*p0].employee, e) &&
           m->punches[*p0].minute < base + from)
        (*p0)++;
    for (size_t q = *p0; q < m->n_punches && !strcmp(m->punches[q].employee, e) &&
                         m->punches[q].minute < base + to; q++)
        rel[n < 64 ? n++ : 63] = (int)(m->punches[q].minute - base);
    return n;
}

/* The leave of e covering day d into lv (at most 8); returns how many. */
static size_t day_leave(month_run_t *run, const char *e, int32_t d, ad_leave_t lv[8])
{
    const month_data_t *m = run->m;
    size_t n = 0;
    for (size_t l = run->li; l < m->n_leaves && !strcmp(m->leaves[l].employee, e); l++)
        if (m->leaves[l].from <= d && d <= m->leaves[l].to && n < 8)
            lv[n++] = m->leaves[l].leave;
    return n;
}

/* The shift of e on day d: its latest assignment from d or before, else
 * the company's default; NULL when none. */
static const ad_shift_t *day_shift(month_run_t *run, const char *e, int32_t d)
{
    const month_data_t *m = run->m;
    const ad_shift_t *s = m->fallback;
    for (size_t a = run->ai; a < m->n_assigns && !strcmp(m->assigns[a].employee, e); a++)
        if (m->assigns[a].from <= d)
            s = shift_of(m, m->assigns[a].shift);
    return s;
}

/* The per-day arrays of a month row, in the table's order. */
enum { A_PUNCHES, A_ATTENDED, A_ABSENT, A_LATE, A_EARLY, A_MISSING, A_WORKED, A_OVERTIME,
       A_PAID, A_UNPAID, A_COLS };
/* and the month's sums after workdays */
enum { S_ATTENDED, S_ABSENT, S_LATE_N, S_LATE, S_EARLY_N, S_EARLY, S_MISSING, S_WORKED,
       S_OT_WORKDAY, S_OT_REST, S_OT_HOLIDAY, S_PAID, S_UNPAID, S_SICK, S_COLS };

/* One employee's month as a COPY line; -1 (with problem) when a day has no shift. */
static int employee_month(month_run_t *run, const emp_t *e, att_compute_problem_t *problem)
{
    const month_data_t *m = run->m;
    SEEK(m->assigns, m->n_assigns, &run->ai, e->id);
    SEEK(m->punches, m->n_punches, &run->pi, e->id);
    SEEK(m->leaves, m->n_leaves, &run->li, e->id);
    int days[A_COLS][31] = { { 0 } };
    char kinds[32] = "";
    int64_t workdays = 0, sum[S_COLS] = { 0 };
    size_t p0 = run->pi, nd = (size_t)(run->d1 - run->d0 + 1);
    for (int32_t d = run->d0; d <= run->d1; d++) {
        size_t i = (size_t)(d - run->d0);
        kinds[i] = '-';
        if (d < e->from || d > e->to)
            continue;
        const ad_shift_t *s = day_shift(run, e->id, d);
        if (!s) {
            problem->field = "company_id";
            problem->message = hf_arena_printf(run->st->arena,
                                               "employee %s has no shift and the company no "
                                               "default shift (defaultShiftId)", e->no);
            return -1;
        }
        int from, to, rel[64];
        ad_window(s, &from, &to);
        size_t n = day_punches(run, e->id, (int64_t)d * 1440, from, to, &p0, rel);
        ad_leave_t lv[8];
        size_t nl = day_leave(run, e->id, d, lv);
        wc_kind_t kind = wc_kind(run->cal, d);
        ad_result_t r;
        ad_day(s, kind, rel, n, lv, nl, &r);
        kinds[i] = "wrh"[kind];
        const int v[A_COLS] = { r.punches, r.attended_minutes, r.absent_minutes, r.late_minutes,
                                r.early_minutes, r.missing_punch, r.worked_minutes,
                                r.overtime_minutes, r.paid_leave_minutes,
                                r.unpaid_leave_minutes };
        for (int c = 0; c < A_COLS; c++)
            days[c][i] = v[c];
        const int64_t add[S_COLS] = {
            r.attended_minutes, r.absent_minutes, r.late_minutes > 0, r.late_minutes,
            r.early_minutes > 0, r.early_minutes, r.missing_punch, r.worked_minutes,
            kind == WC_WORKDAY ? r.overtime_minutes : 0, kind == WC_REST ? r.overtime_minutes : 0,
            kind == WC_HOLIDAY ? r.overtime_minutes : 0, r.paid_leave_minutes,
            r.unpaid_leave_minutes, r.sick_leave_minutes
        };
        for (int c = 0; c < S_COLS; c++)
            sum[c] += add[c];
        workdays += r.scheduled;
        run->n_days++;
    }
    FILE *f = run->rows.f;
    fprintf(f, "%s\t%s\t%s\t%s\t%lld", run->st->tenant, run->company, run->first, e->id,
            (long long)workdays);
    for (int c = 0; c < S_COLS; c++)
        fprintf(f, "\t%lld", (long long)sum[c]);
    fprintf(f, "\t%s", kinds);
    for (int c = 0; c < A_COLS; c++) {
        fputs("\t{", f);
        for (size_t i = 0; i < nd; i++)
            fprintf(f, i ? ",%d" : "%d", days[c][i]);
        fputc('}', f);
    }
    fputc('\n', f);
    return 0;
}

#define COPY_MONTHS                                                                          \
    "COPY payroll.attendance_months (tenant_id, company_id, month, employee_id, workdays,"    \
    " attended_minutes, absent_minutes, late_count, late_minutes, early_count,"             \
    " early_minutes, missing_punches, worked_minutes, overtime_workday_minutes,"            \
    " overtime_restday_minutes, overtime_holiday_minutes, paid_leave_minutes,"              \
    " unpaid_leave_minutes, sick_leave_minutes, day_kinds, day_punches, day_attended,"      \
    " day_absent, day_late, day_early, day_missing, day_worked, day_overtime,"              \
    " day_paid_leave, day_unpaid_leave) FROM STDIN"

/* Replace the company's stored month with what run computes, streaming the
 * rows to PostgreSQL while they are computed; in the caller's transaction. */
static int replace_month(month_run_t *run, att_compute_problem_t *problem)
{
    hf_store_t *st = run->st;
    const char *p[] = { st->tenant, run->company, run->first };
    /* one computation of a company's month at a time; the rows replaced whole */
    if (hf_db_exec(st->db,
                   "SELECT pg_advisory_xact_lock(hashtext('payroll.attendance:' || $1 || $2 ||"
                   " $3))",
                   3, p, NULL) < 0 ||
        hf_db_exec(st->db,
                   "DELETE FROM payroll.attendance_months WHERE tenant_id = $1::uuid"
                   " AND company_id = $2::uuid AND month = $3::date",
                   3, p, NULL) < 0 ||
        hf_store_copy_begin(st, COPY_MONTHS) < 0)
        return HF_EDB;
    int failed = 0;
    for (size_t i = 0; i < run->m->n_emps && !failed; i++) {
        emp_t e = run->m->emps[i];
        failed = employee_month(run, &e, problem) < 0 ||
                 (ftello(run->rows.f) >= HF_COPY_PIECE && hf_store_copy_send(st, &run->rows) < 0);
    }
    if (failed || hf_store_copy_send(st, &run->rows) < 0) {
        hf_store_copy_end(st, "the month was not computed");
        return problem->field ? HF_EEXISTS : HF_EDB;
    }
    return hf_store_copy_end(st, NULL) < 0 ? HF_EDB : HF_OK;
}

/* The marks and counts the month was computed with, in its transaction. */
static int record_month(month_run_t *run, const char *marks,
                        const Hrflow__V1__ComputeAttendanceResponse *out)
{
    hf_store_t *st = run->st;
    char n[3][16];
    snprintf(n[0], sizeof(n[0]), "%d", out->employees);
    snprintf(n[1], sizeof(n[1]), "%d", out->days);
    snprintf(n[2], sizeof(n[2]), "%d", out->workdays);
    const char *p[] = { st->tenant, run->company, run->first, marks, n[0], n[1], n[2] };
    return hf_db_exec(st->db,
                      "INSERT INTO payroll.attendance_computed AS c (tenant_id, company_id, month,"
                      " marks, employees, days, workdays) VALUES ($1::uuid, $2::uuid, $3::date, $4,"
                      " $5::int, $6::int, $7::int) ON CONFLICT (tenant_id, company_id, month)"
                      " DO UPDATE SET marks = $4, employees = $5::int, days = $6::int,"
                      " workdays = $7::int, computations = c.computations + 1,"
                      " computed_time = now()",
                      7, p, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

/* The change marks of company's month now ("company,calendar,shipped
 * calendar", attendance_marks) into marks[0], and those its stored month was
 * computed with into marks[1] ("" when never), with the stored counts. */
static int month_marks(hf_store_t *st, const char *company, const char *first, char **marks,
                       Hrflow__V1__ComputeAttendanceResponse *stored)
{
    const char *p[] = { st->tenant, company, first };
    PGresult *r = hf_db_query(
        st->db,
        "WITH s AS (SELECT coalesce((SELECT calendar FROM payroll.attendance_settings"
        " WHERE tenant_id = $1::uuid AND company_id = $2::uuid), 'cn') AS cal),"
        " k AS (SELECT scope, tenant_id, mark FROM payroll.attendance_marks"
        " WHERE tenant_id IN ($1::uuid, '00000000-0000-0000-0000-000000000000'))"
        " SELECT concat_ws(',', coalesce((SELECT mark FROM k WHERE tenant_id = $1::uuid"
        " AND scope = $2::uuid::text), 0), coalesce((SELECT mark FROM k, s WHERE tenant_id = $1::uuid"
        " AND scope = 'calendar:' || s.cal), 0), coalesce((SELECT mark FROM k, s WHERE"
        " tenant_id = '00000000-0000-0000-0000-000000000000' AND scope = 'calendar:' ||"
        " s.cal), 0)), coalesce(c.marks, ''), coalesce(c.employees, 0), coalesce(c.days, 0),"
        " coalesce(c.workdays, 0) FROM (SELECT 1) one"
        " LEFT JOIN payroll.attendance_computed c ON c.tenant_id = $1::uuid"
        " AND c.company_id = $2::uuid AND c.month = $3::date",
        3, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK) {
        marks[0] = hf_store_cell(st, r, 0, 0);
        marks[1] = hf_store_cell(st, r, 0, 1);
        stored->employees = (int32_t)cell_i64(r, 0, 2);
        stored->days = (int32_t)cell_i64(r, 0, 3);
        stored->workdays = (int32_t)cell_i64(r, 0, 4);
        if (!marks[0] || !marks[1])
            rc = HF_ENOMEM;
    }
    PQclear(r);
    return rc;
}

static int compute_month(hf_store_t *st, const char *company, int year, int month, int reuse,
                         Hrflow__V1__ComputeAttendanceResponse *out,
                         att_compute_problem_t *problem)
{
    Hrflow__V1__AttendanceSettings *set = NULL;
    Hrflow__V1__WorkCalendarYear *cy = NULL;
    wc_calendar_t cal;
    /* the marks first: a change committed after this read is seen next time */
    char *marks[2] = { NULL, NULL };
    Hrflow__V1__ComputeAttendanceResponse stored = HRFLOW__V1__COMPUTE_ATTENDANCE_RESPONSE__INIT;
    int rc = month_marks(st, company, month_text(st, year, month), marks, &stored);
    if (rc != HF_OK)
        return rc;
    if (reuse && !strcmp(marks[0], marks[1])) {
        out->employees = stored.employees;
        out->days = stored.days;
        out->workdays = stored.workdays;
        return HF_OK;
    }
    rc = att_settings_get(st, company, &set);
    if (rc != HF_OK)
        return rc;
    rc = att_calendar_get(st, set->calendar, year, &cy, &cal);
    if (rc == HF_ENOTFOUND) {
        problem->field = "month";
        problem->message = hf_arena_printf(st->arena,
                                           "the company's calendar %s has no year %d: add it "
                                           "(POST /v1/attendance/calendars/%s)",
                                           set->calendar, year, set->calendar);
        return HF_EEXISTS;
    }
    if (rc != HF_OK)
        return rc;
    int32_t d0 = wc_day(year, month, 1), d1 = wc_day(year, month, wc_month_days(year, month));
    char last[11];
    wc_format_date(d1, last);
    month_data_t m = { 0 };
    month_run_t run = { st, &m, &cal, company, month_text(st, year, month), d0, d1, 0, 0, 0,
                        { NULL, NULL, 0 }, 0 };
    if (!(run.rows.f = open_memstream(&run.rows.p, &run.rows.n)))
        return HF_ENOMEM;
    rc = load_month(st, company, set->time_zone, run.first, last, set->default_shift_id, &m);
    out->employees = (int32_t)m.n_emps;
    out->workdays = wc_workdays(&cal, d0, d1);
    if (rc == HF_OK && hf_db_begin(st->db) < 0)
        rc = HF_EDB;
    else if (rc == HF_OK) {
        rc = replace_month(&run, problem);
        out->days = (int32_t)run.n_days;
        if (rc == HF_OK)
            rc = record_month(&run, marks[0], out);
        rc = hf_store_finish(st, rc);
    }
    month_free(&m);
    fclose(run.rows.f);
    free(run.rows.p);
    return rc;
}

int att_compute_month(hf_store_t *st, const char *company, int year, int month,
                      Hrflow__V1__ComputeAttendanceResponse *out,
                      att_compute_problem_t *problem)
{
    return compute_month(st, company, year, month, 0, out, problem);
}

int att_month_current(hf_store_t *st, const char *company, int year, int month,
                      Hrflow__V1__ComputeAttendanceResponse *out,
                      att_compute_problem_t *problem)
{
    return compute_month(st, company, year, month, 1, out, problem);
}

static void *month_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__AttendanceMonth *m = hf_store_alloc(st, sizeof(*m));
    if (!m)
        return NULL;
    hrflow__v1__attendance_month__init(m);
    m->employee_id = hf_store_cell(st, r, i, 0);
    m->employee_no = hf_store_cell(st, r, i, 1);
    m->month = hf_store_cell(st, r, i, 2);
    m->workdays = (int32_t)cell_i64(r, i, 3);
    m->attended_days = days_text(st, cell_i64(r, i, 4));
    m->absent_days = days_text(st, cell_i64(r, i, 5));
    m->late_count = (int32_t)cell_i64(r, i, 6);
    m->late_minutes = (int32_t)cell_i64(r, i, 7);
    m->early_leave_count = (int32_t)cell_i64(r, i, 8);
    m->early_leave_minutes = (int32_t)cell_i64(r, i, 9);
    m->missing_punches = (int32_t)cell_i64(r, i, 10);
    m->worked_hours = hours_text(st, cell_i64(r, i, 11));
    m->overtime_workday_hours = hours_text(st, cell_i64(r, i, 12));
    m->overtime_restday_hours = hours_text(st, cell_i64(r, i, 13));
    m->overtime_holiday_hours = hours_text(st, cell_i64(r, i, 14));
    m->paid_leave_days = days_text(st, cell_i64(r, i, 15));
    m->unpaid_leave_days = days_text(st, cell_i64(r, i, 16));
    m->sick_leave_days = days_text(st, cell_i64(r, i, 17));
    return m;
}

int att_months_list(hf_store_t *st, const char *company, int year, int month,
                    const char *employee, Hrflow__V1__AttendanceMonth ***out, size_t *n)
{
    const char *p[] = { st->tenant, company, month_text(st, year, month),
                        employee && *employee ? employee : NULL };
    PGresult *r = hf_db_query(
        st->db,
        "SELECT m.employee_id, e.employee_no, to_char(m.month, 'YYYY-MM'), m.workdays,"
        " m.attended_minutes, m.absent_minutes, m.late_count, m.late_minutes, m.early_count,"
        " m.early_minutes, m.missing_punches, m.worked_minutes, m.overtime_workday_minutes,"
        " m.overtime_restday_minutes, m.overtime_holiday_minutes, m.paid_leave_minutes,"
        " m.unpaid_leave_minutes, m.sick_leave_minutes FROM payroll.attendance_months m"
        " JOIN payroll.employees e"
        " ON e.tenant_id = m.tenant_id AND e.id = m.employee_id WHERE m.tenant_id = $1::uuid"
        " AND m.company_id = $2::uuid AND m.month = $3::date"
        " AND ($4::uuid IS NULL OR m.employee_id = $4::uuid) ORDER BY e.employee_no",
        4, p);
    return hf_store_all(st, r, month_row, (void ***)out, n);
}

/* The integers of an array's text ("{1,2,3}") into v, at most max; how many. */
static size_t ints_of(const char *text, int *v, size_t max)
{
    size_t n = 0;
    for (const char *c = text; *c && n < max;) {
        if (*c == '-' || (*c >= '0' && *c <= '9')) {
            char *end;
            v[n++] = (int)strtol(c, &end, 10);
            c = end;
        } else {
            c++;
        }
    }
    return n;
}

/* Day i of a month row (kinds and the per-day columns v) as a message. */
static Hrflow__V1__AttendanceDay *day_of(hf_store_t *st, int32_t day, char kind,
                                         int v[A_COLS][31], size_t i)
{
    Hrflow__V1__AttendanceDay *d = hf_store_alloc(st, sizeof(*d));
    char *date = hf_store_alloc(st, 11);
    if (!d || !date)
        return NULL;
    hrflow__v1__attendance_day__init(d);
    wc_format_date(day, date);
    d->date = date;
    d->kind = kind == 'w' ? "workday" : kind == 'r' ? "rest" : "holiday";
    d->scheduled = kind == 'w';
    d->punches = v[A_PUNCHES][i];
    d->late_minutes = v[A_LATE][i];
    d->early_leave_minutes = v[A_EARLY][i];
    d->absent = v[A_ABSENT][i] > 0;
    d->missing_punch = v[A_MISSING][i] != 0;
    d->worked_hours = hours_text(st, v[A_WORKED][i]);
    d->overtime_hours = hours_text(st, v[A_OVERTIME][i]);
    d->paid_leave_days = days_text(st, v[A_PAID][i]);
    d->unpaid_leave_days = days_text(st, v[A_UNPAID][i]);
    return d->worked_hours && d->overtime_hours && d->paid_leave_days && d->unpaid_leave_days
               ? d
               : NULL;
}

int att_days_list(hf_store_t *st, const char *employee, const char *company, int year, int month,
                  Hrflow__V1__AttendanceDay ***out, size_t *n)
{
    const char *p[] = { st->tenant, company, month_text(st, year, month), employee };
    PGresult *r = hf_db_query(
        st->db,
        "SELECT day_kinds, day_punches, day_attended, day_absent, day_late, day_early,"
        " day_missing, day_worked, day_overtime, day_paid_leave, day_unpaid_leave"
        " FROM payroll.attendance_months WHERE tenant_id = $1::uuid AND company_id = $2::uuid"
        " AND month = $3::date AND employee_id = $4::uuid",
        4, p);
    if (!r)
        return HF_EDB;
    const char *kinds = PQntuples(r) ? PQgetvalue(r, 0, 0) : "";
    size_t nd = strlen(kinds) < 31 ? strlen(kinds) : 31;
    int v[A_COLS][31] = { { 0 } };
    for (int c = 0; nd && c < A_COLS; c++)
        ints_of(PQgetvalue(r, 0, 1 + c), v[c], 31);
    *n = 0;
    *out = hf_store_alloc(st, (nd + 1) * sizeof(**out));
    int32_t d0 = wc_day(year, month, 1);
    int rc = *out ? HF_OK : HF_ENOMEM;
    for (size_t i = 0; rc == HF_OK && i < nd; i++)
        if (kinds[i] != '-' && !((*out)[(*n)++] = day_of(st, d0 + (int32_t)i, kinds[i], v, i)))
            rc = HF_ENOMEM;
    PQclear(r);
    return rc;
}
