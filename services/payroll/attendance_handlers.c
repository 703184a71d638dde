/* services/payroll/attendance_handlers.c - the RPC methods of attendance, one function each
 *
 * Calendars, a company's settings, shifts, punches, leave and the month. A
 * handler opens the caller's store as a payroll key (admin counts), checks
 * the request whole (every problem a detail at its field, nothing written
 * when one is found) and asks attendance_store.c. The company wall: an id
 * in the path of another company's record (or another tenant's) is
 * NOT_FOUND, as a made-up one, and so is one in a list's query (what the
 * list is of); an id in a body the caller cannot see is INVALID_ARGUMENT
 * at its field (docs/api.md, "Ids in paths and ids in bodies"). Companies are identity's, asked as the
 * caller; employees are payroll.employees of the caller's tenant, and their
 * company decides whether the caller sees them. Calendars and leave types
 * are the tenant's: changed only by a key of the whole group.
 */
#include "attendance_handlers.h"

#include "attendance.h"
#include "attendance_store.h"
#include "hf/service.h"
#include "hf/store.h"
#include "hf/text.h"
#include "work_calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

#define PUNCHES_MAX 5000
#define CALENDAR_DAYS_MAX 120

static const hf_text_rule_t source_rule = { HF_TEXT_LINE, 0, 200 };
static const hf_text_rule_t day_name_rule = { HF_TEXT_LINE, 0, 64 };
static const hf_text_rule_t type_name_rule = { HF_TEXT_LINE, 1, 64 };
static const hf_text_rule_t reason_rule = { HF_TEXT_LINES, 0, 1000 };

/* Open the caller's store as a payroll key; 0, or -1 after failing. */
static int open_payroll(hf_call_t *call, hf_store_t *st, const char *action)
{
    return hf_store_open(call, st) == 0 ? hf_store_require(st, HF_SCOPE_PAYROLL, action) : -1;
}

/* A detail and INVALID_ARGUMENT, for `return invalid(...)`. */
static int invalid(hf_call_t *call, const char *field, const char *code, const char *message)
{
    hf_call_detail(call, field, code, message);
    return hf_call_fail(call, E(INVALID_ARGUMENT), "%s: %s", field, message);
}

/* A company named in a path: 0, or -1 after failing (404 for one the caller cannot see). */
static int path_company(hf_store_t *st, const char *company)
{
    if (!*company) /* a list's query without it */
        return invalid(st->call, "company_id", "required", "the company's id (companyId)");
    int k = hf_store_company_known(st, company);
    if (k == 0)
        return hf_call_fail(st->call, E(NOT_FOUND), "company %s not found", company);
    return k < 0 ? -1 : 0;
}

/* A company named in a body: 0, or -1 after failing (422 at field). */
static int body_company(hf_store_t *st, const char *company, const char *field)
{
    int k = hf_store_company_known(st, company);
    if (k == 0)
        return invalid(st->call, field, *company ? "not_found" : "required",
                       "a company this key acts for");
    return k < 0 ? -1 : 0;
}

/* The company of an employee the caller sees into *company: 0; or -1
 * after failing: NOT_FOUND for a path id (field NULL), else 422 at field. */
static int employee_company(hf_store_t *st, const char *employee, const char *field,
                            const char **company)
{
    if (!*employee && !field) /* a list's query without it */
        return invalid(st->call, "employee_id", "required", "the employee's id (employeeId)");
    int rc = hf_uuid_valid(employee) ? att_employee_company(st, employee, company) : HF_ENOTFOUND;
    if (rc == HF_OK && !hf_store_sees_company(st, *company))
        rc = HF_ENOTFOUND;
    if (rc == HF_ENOTFOUND && field)
        return invalid(st->call, field, *employee ? "not_found" : "required",
                       "an employee of a company this key acts for");
    return rc == HF_OK ? 0 : hf_store_fail(st, rc, "employee", employee);
}

/* "YYYY-MM" into year and month; 0, or -1 after failing at field. */
static int month_of(hf_call_t *call, const char *s, int *year, int *month)
{
    int32_t d;
    char full[16];
    snprintf(full, sizeof(full), "%.7s-01", s ? s : "");
    if (!s || strlen(s) != 7 || wc_parse_date(full, &d) < 0)
        return invalid(call, "month", "bad_format", "a month, YYYY-MM");
    int day;
    wc_date(d, year, month, &day);
    return 0;
}

static int calendar_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 32 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

/* ---- calendars ---- */

ATT_HANDLER(payroll_get_work_calendar)
{
    const Hrflow__V1__GetWorkCalendarRequest *r = (const void *)req;
    hf_store_t st;
    if (open_payroll(call, &st, "read work calendars") < 0)
        return -1;
    if (!calendar_name_ok(r->calendar))
        return hf_call_fail(call, E(NOT_FOUND), "calendar %s not found", r->calendar);
    if (r->year < 2000 || r->year > 2100)
        return invalid(call, "year", "out_of_range", "a year, 2000 to 2100");
    Hrflow__V1__WorkCalendarYear *out = NULL;
    int rc = att_calendar_get(&st, r->calendar, r->year, &out, NULL);
    if (rc == HF_ENOTFOUND)
        return hf_call_fail(call, E(NOT_FOUND), "calendar %s has no year %d", r->calendar,
                            r->year);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "calendar", r->calendar);
    *reply = &out->base;
    return 0;
}

ATT_HANDLER(payroll_set_work_calendar_year)
{
    const Hrflow__V1__SetWorkCalendarYearRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require_group(&st, HF_SCOPE_PAYROLL, "change a work calendar") < 0)
        return -1;
    int bad = 0;
    char f[64];
    if (!calendar_name_ok(r->calendar))
        return hf_call_fail(call, E(NOT_FOUND), "calendar %s not found", r->calendar);
    if (r->year < 2000 || r->year > 2100)
        bad += (hf_call_detail(call, "year", "out_of_range", "a year, 2000 to 2100"), 1);
    bad += hf_call_check_text(call, "source", r->source, source_rule);
    if (r->n_days > CALENDAR_DAYS_MAX)
        return invalid(call, "days", "too_many", "at most 120 special days a year");
    wc_special_t *days = hf_store_alloc(&st, (r->n_days + 1) * sizeof(*days));
    char **names = hf_store_alloc(&st, (r->n_days + 1) * sizeof(char *));
    if (!days || !names)
        return hf_store_fail(&st, HF_ENOMEM, "calendar", r->calendar);
    for (size_t i = 0; i < r->n_days; i++) {
        const Hrflow__V1__CalendarDay *d = r->days[i];
        names[i] = d->name;
        snprintf(f, sizeof(f), "days[%zu].date", i);
        if (wc_parse_date(d->date, &days[i].day) < 0)
            bad += (hf_call_detail(call, f, "bad_format", "a date, YYYY-MM-DD"), 1);
        snprintf(f, sizeof(f), "days[%zu].kind", i);
        if (wc_kind_parse(d->kind, &days[i].kind) < 0)
            bad += (hf_call_detail(call, f, "unknown", "holiday, rest or workday"), 1);
        snprintf(f, sizeof(f), "days[%zu].name", i);
        bad += hf_call_check_text(call, f, d->name, day_name_rule);
    }
    const char *why = NULL;
    int at = bad ? -1 : wc_check_year(r->year, days, r->n_days, &why);
    if (at >= 0) {
        snprintf(f, sizeof(f), "days[%d]", at);
        bad += (hf_call_detail(call, f, "invalid", why), 1);
    }
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the calendar year is invalid");
    int rc = att_calendar_set(&st, r->calendar, r->year, r->source, days, names, r->n_days);
    Hrflow__V1__WorkCalendarYear *out = NULL;
    if (rc == HF_OK)
        rc = att_calendar_get(&st, r->calendar, r->year, &out, NULL);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "calendar", r->calendar);
    *reply = &out->base;
    return 0;
}

/* ---- a company's settings ---- */

ATT_HANDLER(payroll_get_attendance_settings)
{
    const Hrflow__V1__GetAttendanceSettingsRequest *r = (const void *)req;
    hf_store_t st;
    if (open_payroll(call, &st, "read attendance settings") < 0 ||
        path_company(&st, r->company_id) < 0)
        return -1;
    Hrflow__V1__AttendanceSettings *out = NULL;
    int rc = att_settings_get(&st, r->company_id, &out);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "company", r->company_id);
    *reply = &out->base;
    return 0;
}

ATT_HANDLER(payroll_update_attendance_settings)
{
    const Hrflow__V1__UpdateAttendanceSettingsRequest *r = (const void *)req;
    static const Hrflow__V1__AttendanceSettings none = HRFLOW__V1__ATTENDANCE_SETTINGS__INIT;
    const Hrflow__V1__AttendanceSettings *in = r->settings ? r->settings : &none;
    hf_store_t st;
    if (open_payroll(call, &st, "change attendance settings") < 0 ||
        path_company(&st, r->company_id) < 0)
        return -1;
    const char *cal = NULL, *tz = NULL, *shift = NULL;
    int bad = 0, rc;
    char f[48];
    for (size_t i = 0; i < r->n_update_mask; i++) {
        const char *m = r->update_mask[i];
        if (!strcmp(m, "calendar")) {
            cal = *in->calendar ? in->calendar : "cn";
            if (!calendar_name_ok(cal))
                bad += (hf_call_detail(call, "settings.calendar", "bad_format",
                                       "a calendar's name: lowercase letters, digits and -"), 1);
        } else if (!strcmp(m, "time_zone") || !strcmp(m, "timeZone")) {
            tz = *in->time_zone ? in->time_zone : "Asia/Shanghai";
            rc = strlen(tz) <= 64 ? hf_store_time_zone_known(&st, tz) : HF_ENOTFOUND;
            if (rc == HF_ENOTFOUND)
                bad += (hf_call_detail(call, "settings.time_zone", "unknown",
                                       "an IANA time zone name, e.g. Asia/Shanghai"), 1);
            else if (rc != HF_OK)
                return hf_store_fail(&st, rc, "time zone", tz);
        } else if (!strcmp(m, "default_shift_id") || !strcmp(m, "defaultShiftId")) {
            shift = in->default_shift_id;
            Hrflow__V1__Shift *s = NULL;
            rc = !*shift ? HF_OK
               : hf_uuid_valid(shift) ? att_shift_get(&st, shift, &s) : HF_ENOTFOUND;
            if (rc == HF_OK && s && strcmp(s->company_id, r->company_id))
                rc = HF_ENOTFOUND;
            if (rc == HF_ENOTFOUND)
                bad += (hf_call_detail(call, "settings.default_shift_id", "not_found",
                                       "a shift of the company"), 1);
            else if (rc != HF_OK)
                return hf_store_fail(&st, rc, "shift", shift);
        } else {
            snprintf(f, sizeof(f), "update_mask[%zu]", i);
            bad += (hf_call_detail(call, f, "not_updatable",
                                   "calendar, timeZone and defaultShiftId change"), 1);
        }
    }
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the attendance settings are invalid");
    Hrflow__V1__AttendanceSettings *out = NULL;
    rc = att_settings_save(&st, r->company_id, cal, tz, shift);
    if (rc == HF_OK)
        rc = att_settings_get(&st, r->company_id, &out);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "company", r->company_id);
    *reply = &out->base;
    return 0;
}

/* ---- shifts ---- */

ATT_HANDLER(payroll_create_shift)
{
    const Hrflow__V1__CreateShiftRequest *r = (const void *)req;
    static const Hrflow__V1__Shift none = HRFLOW__V1__SHIFT__INIT;
    const Hrflow__V1__Shift *in = r->shift ? r->shift : &none;
    hf_store_t st;
    if (open_payroll(call, &st, "create shifts") < 0 ||
        body_company(&st, in->company_id, "shift.company_id") < 0)
        return -1;
    int bad = hf_call_check_text(call, "shift.name", in->name, type_name_rule);
    int start = ad_parse_clock(in->start), end = ad_parse_clock(in->end);
    int bstart = in->break_minutes ? ad_parse_clock(in->break_start) : 0;
    if (start < 0)
        bad += (hf_call_detail(call, "shift.start", "bad_format", "HH:MM, 00:00 to 23:59"), 1);
    if (end < 0)
        bad += (hf_call_detail(call, "shift.end", "bad_format", "HH:MM, 00:00 to 23:59"), 1);
    if (bstart < 0)
        bad += (hf_call_detail(call, "shift.break_start", "bad_format",
                               "HH:MM, with breakMinutes"), 1);
    ad_shift_t s;
    const char *why = NULL, *field = bad ? NULL
                                         : ad_shift_check(start, end, in->crosses_midnight,
                                                          in->late_grace_minutes,
                                                          in->early_grace_minutes, bstart,
                                                          in->break_minutes, &s, &why);
    if (field) {
        char f[48];
        snprintf(f, sizeof(f), "shift.%s", field);
        bad += (hf_call_detail(call, f, "invalid", why), 1);
    }
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the shift is invalid");
    Hrflow__V1__Shift *out = NULL;
    int rc = att_shift_create(&st, in, &s, &out);
    if (rc == HF_EEXISTS)
        return invalid(call, "shift.name", "already_exists", "the company has a shift of that name");
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "shift", "");
    *reply = &out->base;
    return 0;
}

/* A shift of a company the caller sees, or NULL after failing (404). */
static Hrflow__V1__Shift *visible_shift(hf_store_t *st, const char *id)
{
    Hrflow__V1__Shift *s = NULL;
    int rc = hf_uuid_valid(id) ? att_shift_get(st, id, &s) : HF_ENOTFOUND;
    if (rc == HF_OK && !hf_store_sees_company(st, s->company_id))
        rc = HF_ENOTFOUND;
    if (rc != HF_OK) {
        hf_store_fail(st, rc, "shift", id);
        return NULL;
    }
    return s;
}

ATT_HANDLER(payroll_get_shift)
{
    const Hrflow__V1__GetShiftRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Shift *s;
    if (open_payroll(call, &st, "read shifts") < 0 || !(s = visible_shift(&st, r->id)))
        return -1;
    *reply = &s->base;
    return 0;
}

ATT_HANDLER(payroll_list_shifts)
{
    const Hrflow__V1__ListShiftsRequest *r = (const void *)req;
    hf_store_t st;
    if (open_payroll(call, &st, "read shifts") < 0 || path_company(&st, r->company_id) < 0)
        return -1;
    Hrflow__V1__ListShiftsResponse *out =
        HF_CALL_NEW(call, Hrflow__V1__ListShiftsResponse, hrflow__v1__list_shifts_response__init);
    int rc = out ? att_shift_list(&st, r->company_id, &out->shifts, &out->n_shifts) : HF_ENOMEM;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "shifts", "");
    *reply = &out->base;
    return 0;
}

ATT_HANDLER(payroll_assign_shift)
{
    const Hrflow__V1__AssignShiftRequest *r = (const void *)req;
    hf_store_t st;
    const char *company;
    if (open_payroll(call, &st, "assign shifts") < 0 ||
        employee_company(&st, r->employee_id, NULL, &company) < 0)
        return -1;
    Hrflow__V1__Shift *s = NULL;
    int rc = hf_uuid_valid(r->shift_id) ? att_shift_get(&st, r->shift_id, &s) : HF_ENOTFOUND;
    if (rc == HF_OK && strcmp(s->company_id, company))
        rc = HF_ENOTFOUND;
    if (rc == HF_ENOTFOUND)
        return invalid(call, "shift_id", *r->shift_id ? "not_found" : "required",
                       "a shift of the employee's company");
    int32_t day;
    if (rc == HF_OK && wc_parse_date(r->valid_from, &day) < 0)
        return invalid(call, "valid_from", "bad_format", "a date, YYYY-MM-DD");
    if (rc == HF_OK)
        rc = att_shift_assign(&st, r->employee_id, r->shift_id, r->valid_from);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "shift", r->shift_id);
    Hrflow__V1__ShiftAssignment *out =
        HF_CALL_NEW(call, Hrflow__V1__ShiftAssignment, hrflow__v1__shift_assignment__init);
    if (!out)
        return hf_store_fail(&st, HF_ENOMEM, "shift", "");
    out->employee_id = r->employee_id;
    out->shift_id = r->shift_id;
    out->valid_from = r->valid_from;
    *reply = &out->base;
    return 0;
}

/* ---- punches ---- */

ATT_HANDLER(payroll_record_punches)
{
    const Hrflow__V1__RecordPunchesRequest *r = (const void *)req;
    hf_store_t st;
    if (open_payroll(call, &st, "record punches") < 0)
        return -1;
    if (r->n_punches == 0)
        return invalid(call, "punches", "required", "at least one punch");
    if (r->n_punches > PUNCHES_MAX)
        return invalid(call, "punches", "too_many", "at most 5000 punches a batch");
    att_punch_row_t *rows = hf_store_alloc(&st, r->n_punches * sizeof(*rows));
    if (!rows)
        return hf_store_fail(&st, HF_ENOMEM, "punches", "");
    for (size_t i = 0; i < r->n_punches; i++) {
        const Hrflow__V1__PunchRow *p = r->punches[i];
        rows[i] = (att_punch_row_t){ i + 1, p->employee_no, p->company_id, p->time, p->device,
                                     p->method };
    }
    att_ingest_t got;
    int rc = att_punches_ingest(&st, rows, r->n_punches, r->dry_run, &got);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "punches", "");
    if (got.n_problems) {
        /* by row: the checks of each row, then its employee */
        for (size_t k = 1; k < got.n_problems; k++)
            for (size_t j = k; j > 0 && got.problems[j].index < got.problems[j - 1].index; j--) {
                att_problem_t t = got.problems[j];
                got.problems[j] = got.problems[j - 1];
                got.problems[j - 1] = t;
            }
        char f[64], msg[256];
        size_t bad_rows = 0, last = 0;
        for (size_t k = 0; k < got.n_problems; k++) {
            const att_problem_t *p = &got.problems[k];
            snprintf(f, sizeof(f), "punches[%zu].%s", p->index, p->field);
            snprintf(msg, sizeof(msg), "row %zu: %s", p->row, p->message);
            hf_call_detail(call, f, p->code, msg);
            bad_rows += !k || p->row != last;
            last = p->row;
        }
        return hf_call_fail(call, E(INVALID_ARGUMENT),
                            "%zu of %zu rows are invalid; nothing was written", bad_rows,
                            r->n_punches);
    }
    Hrflow__V1__RecordPunchesResponse *out = HF_CALL_NEW(
        call, Hrflow__V1__RecordPunchesResponse, hrflow__v1__record_punches_response__init);
    Hrflow__V1__PunchResult *res =
        hf_store_alloc(&st, r->n_punches * sizeof(*res));
    Hrflow__V1__PunchResult **ptrs = hf_store_alloc(&st, r->n_punches * sizeof(*ptrs));
    if (!out || !res || !ptrs)
        return hf_store_fail(&st, HF_ENOMEM, "punches", "");
    for (size_t i = 0; i < r->n_punches; i++) {
        hrflow__v1__punch_result__init(&res[i]);
        res[i].row = (int32_t)(i + 1);
        res[i].status = got.status[i] == 'd' ? "duplicate" : r->dry_run ? "would_store" : "stored";
        ptrs[i] = &res[i];
    }
    out->rows = ptrs;
    out->n_rows = r->n_punches;
    out->stored = got.stored;
    out->duplicates = got.duplicates;
    out->dry_run = r->dry_run;
    *reply = &out->base;
    return 0;
}

/* ---- leave ---- */

ATT_HANDLER(payroll_list_leave_types)
{
    hf_store_t st;
    (void)req;
    if (open_payroll(call, &st, "read leave types") < 0)
        return -1;
    Hrflow__V1__ListLeaveTypesResponse *out = HF_CALL_NEW(
        call, Hrflow__V1__ListLeaveTypesResponse, hrflow__v1__list_leave_types_response__init);
    int rc = out ? att_leave_types(&st, &out->leave_types, &out->n_leave_types) : HF_ENOMEM;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "leave types", "");
    *reply = &out->base;
    return 0;
}

static int code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 32 || s[0] < 'a' || s[0] > 'z')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

ATT_HANDLER(payroll_save_leave_type)
{
    const Hrflow__V1__SaveLeaveTypeRequest *r = (const void *)req;
    static const Hrflow__V1__LeaveType none = HRFLOW__V1__LEAVE_TYPE__INIT;
    const Hrflow__V1__LeaveType *t = r->leave_type ? r->leave_type : &none;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require_group(&st, HF_SCOPE_PAYROLL, "change leave types") < 0)
        return -1;
    int bad = hf_call_check_text(call, "leave_type.name", t->name, type_name_rule);
    if (!code_ok(t->code))
        bad += (hf_call_detail(call, "leave_type.code", "bad_format",
                               "lowercase letters, digits and _, e.g. annual"), 1);
    if (strcmp(t->unit, "day") && strcmp(t->unit, "half_day") && strcmp(t->unit, "hour"))
        bad += (hf_call_detail(call, "leave_type.unit", "unknown", "day, half_day or hour"), 1);
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the leave type is invalid");
    Hrflow__V1__LeaveType *out = NULL;
    int rc = att_leave_type_save(&st, t);
    if (rc == HF_OK)
        rc = att_leave_type_get(&st, t->code, &out);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "leave type", t->code);
    *reply = &out->base;
    return 0;
}

/* A leave type the tenant sees, or NULL after failing at field (422). */
static Hrflow__V1__LeaveType *leave_type(hf_store_t *st, const char *code, const char *field)
{
    Hrflow__V1__LeaveType *t = NULL;
    int rc = code_ok(code) ? att_leave_type_get(st, code, &t) : HF_ENOTFOUND;
    if (rc == HF_ENOTFOUND)
        invalid(st->call, field, "unknown", "a leave type's code (GET /v1/leave-types)");
    else if (rc != HF_OK)
        hf_store_fail(st, rc, "leave type", code);
    return rc == HF_OK ? t : NULL;
}

ATT_HANDLER(payroll_grant_leave)
{
    const Hrflow__V1__GrantLeaveRequest *r = (const void *)req;
    hf_store_t st;
    const char *company;
    if (open_payroll(call, &st, "grant leave") < 0 ||
        employee_company(&st, r->employee_id, NULL, &company) < 0 ||
        !leave_type(&st, r->leave_type, "leave_type"))
        return -1;
    int64_t minutes;
    if (r->year < 2000 || r->year > 2100)
        return invalid(call, "year", "out_of_range", "a year, 2000 to 2100");
    if (ad_parse_days(r->days, &minutes) < 0 || minutes == 0)
        return invalid(call, "days", "bad_format",
                       "days to add, more than 0: \"5\", \"0.5\", \"0.125\" (an hour)");
    Hrflow__V1__LeaveBalance *out = NULL;
    int rc = att_leave_grant(&st, r->employee_id, r->leave_type, r->year, minutes, &out);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "employee", r->employee_id);
    *reply = &out->base;
    return 0;
}

ATT_HANDLER(payroll_list_leave_balances)
{
    const Hrflow__V1__ListLeaveBalancesRequest *r = (const void *)req;
    hf_store_t st;
    const char *company;
    if (open_payroll(call, &st, "read leave balances") < 0 ||
        employee_company(&st, r->employee_id, NULL, &company) < 0)
        return -1;
    Hrflow__V1__ListLeaveBalancesResponse *out =
        HF_CALL_NEW(call, Hrflow__V1__ListLeaveBalancesResponse,
                    hrflow__v1__list_leave_balances_response__init);
    int rc = out ? att_leave_balances(&st, r->employee_id, r->year, &out->balances,
                                      &out->n_balances)
                 : HF_ENOMEM;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "employee", r->employee_id);
    *reply = &out->base;
    return 0;
}

/* The day-minutes a request takes under the company's calendar, or -1
 * after failing the call at its field. */
static int64_t request_minutes(hf_store_t *st, const Hrflow__V1__LeaveRequest *in,
                               const Hrflow__V1__LeaveType *t, const char *company,
                               int32_t from, int32_t to)
{
    hf_call_t *call = st->call;
    const char *part = *in->part ? in->part : "whole";
    int half = !strcmp(part, "am") || !strcmp(part, "pm"), hours = !strcmp(part, "hours");
    if (!half && !hours && strcmp(part, "whole"))
        return invalid(call, "leave_request.part", "unknown", "whole, am, pm or hours");
    if ((half && !strcmp(t->unit, "day")) || (hours && strcmp(t->unit, "hour")))
        return invalid(call, "leave_request.part", "unit",
                       hf_arena_printf(st->arena, "%s leave is taken in %ss", t->code, t->unit));
    if ((half || hours) && from != to)
        return invalid(call, "leave_request.end_date", "invalid",
                       "a half day or hours are on one day: endDate is startDate");
    if (hours && (in->hours < 1 || in->hours > 8))
        return invalid(call, "leave_request.hours", "out_of_range", "1 to 8 hours");
    int year, m, d;
    wc_date(from, &year, &m, &d);
    Hrflow__V1__AttendanceSettings *set = NULL;
    Hrflow__V1__WorkCalendarYear *cy = NULL;
    wc_calendar_t cal;
    int rc = att_settings_get(st, company, &set);
    if (rc == HF_OK)
        rc = att_calendar_get(st, set->calendar, year, &cy, &cal);
    if (rc == HF_ENOTFOUND)
        return invalid(call, "leave_request.start_date", "no_calendar",
                       hf_arena_printf(st->arena, "the company's calendar %s has no year %d",
                                       set->calendar, year));
    if (rc != HF_OK)
        return hf_store_fail(st, rc, "calendar", "");
    int workdays = wc_workdays(&cal, from, to);
    if (!workdays)
        return invalid(call, "leave_request.start_date", "no_workday",
                       "the leave covers no workday of the company's calendar");
    return hours ? in->hours * 60 : half ? AD_DAY_MINUTES / 2 : (int64_t)workdays * AD_DAY_MINUTES;
}

ATT_HANDLER(payroll_submit_leave_request)
{
    const Hrflow__V1__SubmitLeaveRequestRequest *r = (const void *)req;
    static const Hrflow__V1__LeaveRequest none = HRFLOW__V1__LEAVE_REQUEST__INIT;
    const Hrflow__V1__LeaveRequest *in = r->leave_request ? r->leave_request : &none;
    hf_store_t st;
    const char *company;
    Hrflow__V1__LeaveType *t;
    if (open_payroll(call, &st, "submit leave requests") < 0 ||
        employee_company(&st, in->employee_id, "leave_request.employee_id", &company) < 0 ||
        !(t = leave_type(&st, in->leave_type, "leave_request.leave_type")))
        return -1;
    int32_t from, to;
    const char *end = *in->end_date ? in->end_date : in->start_date;
    if (wc_parse_date(in->start_date, &from) < 0)
        return invalid(call, "leave_request.start_date", "bad_format", "a date, YYYY-MM-DD");
    if (wc_parse_date(end, &to) < 0)
        return invalid(call, "leave_request.end_date", "bad_format", "a date, YYYY-MM-DD");
    int y0, y1, m, d;
    wc_date(from, &y0, &m, &d);
    wc_date(to, &y1, &m, &d);
    if (to < from || y0 != y1)
        return invalid(call, "leave_request.end_date", "invalid",
                       "on or after startDate, in the same year (split a request across years)");
    if (hf_call_check_text(call, "leave_request.reason", in->reason, reason_rule))
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the leave request is invalid");
    int64_t minutes = request_minutes(&st, in, t, company, from, to), remaining = 0;
    if (minutes < 0)
        return -1;
    int rc = t->tracks_balance ? att_leave_remaining(&st, in->employee_id, t->code, y0, &remaining)
                               : HF_OK;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "leave balance", "");
    if (t->tracks_balance && remaining < minutes) {
        char want[24], have[24];
        ad_format_days(minutes, want);
        ad_format_days(remaining, have);
        return invalid(call, "leave_request.end_date", "insufficient_balance",
                       hf_arena_printf(st.arena, "the request takes %s days; %s of %d leave "
                                       "remain", want, have, y0));
    }
    att_leave_new_t n = { in->employee_id, company, t->code, in->start_date, end,
                          *in->part ? in->part : "whole", in->reason, t->paid, minutes };
    Hrflow__V1__LeaveRequest *out = NULL;
    const char *clash = NULL;
    rc = att_leave_submit(&st, &n, &clash, &out);
    if (rc == HF_ECONFLICT)
        return invalid(call, "leave_request.start_date", "overlaps",
                       hf_arena_printf(st.arena, "the employee's leave request %s covers "
                                       "these days already", clash));
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "leave request", "");
    *reply = &out->base;
    return 0;
}

/* A request of an employee the caller sees, or NULL after failing (404). */
static Hrflow__V1__LeaveRequest *visible_request(hf_store_t *st, const char *id)
{
    Hrflow__V1__LeaveRequest *q = NULL;
    int rc = hf_uuid_valid(id) ? att_leave_get(st, id, &q) : HF_ENOTFOUND;
    if (rc == HF_OK && !hf_store_sees_company(st, q->company_id))
        rc = HF_ENOTFOUND;
    if (rc != HF_OK) {
        hf_store_fail(st, rc, "leave request", id);
        return NULL;
    }
    return q;
}

ATT_HANDLER(payroll_get_leave_request)
{
    const Hrflow__V1__GetLeaveRequestRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__LeaveRequest *q;
    if (open_payroll(call, &st, "read leave requests") < 0 || !(q = visible_request(&st, r->id)))
        return -1;
    *reply = &q->base;
    return 0;
}

ATT_HANDLER(payroll_list_leave_requests)
{
    const Hrflow__V1__ListLeaveRequestsRequest *r = (const void *)req;
    hf_store_t st;
    const char *company;
    if (open_payroll(call, &st, "read leave requests") < 0 ||
        employee_company(&st, r->employee_id, NULL, &company) < 0)
        return -1;
    Hrflow__V1__ListLeaveRequestsResponse *out =
        HF_CALL_NEW(call, Hrflow__V1__ListLeaveRequestsResponse,
                    hrflow__v1__list_leave_requests_response__init);
    int rc = out ? att_leave_list(&st, r->employee_id, r->status, &out->leave_requests,
                                  &out->n_leave_requests)
                 : HF_ENOMEM;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "leave requests", "");
    *reply = &out->base;
    return 0;
}

/* Approve, reject or cancel a request the caller sees. */
static int decide(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply,
                  const char *decision)
{
    const Hrflow__V1__DecideLeaveRequestRequest *r = (const void *)req;
    hf_store_t st;
    if (open_payroll(call, &st, "decide leave requests") < 0 || !visible_request(&st, r->id))
        return -1;
    if (hf_call_check_text(call, "note", r->note, reason_rule))
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the decision is invalid");
    const char *why = NULL;
    Hrflow__V1__LeaveRequest *out = NULL;
    int rc = att_leave_decide(&st, r->id, decision, r->note, &why, &out);
    if (rc == HF_ECONFLICT)
        return hf_call_fail(call, E(FAILED_PRECONDITION), "leave request %s: %s", r->id, why);
    if (rc == HF_EEXISTS)
        return invalid(call, "id", "insufficient_balance",
                       "the employee's balance no longer covers the request");
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "leave request", r->id);
    *reply = &out->base;
    return 0;
}

ATT_HANDLER(payroll_approve_leave_request)
{
    return decide(call, req, reply, "approve");
}

ATT_HANDLER(payroll_reject_leave_request)
{
    return decide(call, req, reply, "reject");
}

ATT_HANDLER(payroll_cancel_leave_request)
{
    return decide(call, req, reply, "cancel");
}

/* ---- the month ---- */

ATT_HANDLER(payroll_compute_attendance)
{
    const Hrflow__V1__ComputeAttendanceRequest *r = (const void *)req;
    hf_store_t st;
    int year, month;
    if (open_payroll(call, &st, "compute attendance") < 0 ||
        body_company(&st, r->company_id, "company_id") < 0 ||
        month_of(call, r->month, &year, &month) < 0)
        return -1;
    Hrflow__V1__ComputeAttendanceResponse *out =
        HF_CALL_NEW(call, Hrflow__V1__ComputeAttendanceResponse,
                    hrflow__v1__compute_attendance_response__init);
    att_compute_problem_t problem = { NULL, NULL };
    int rc = out ? att_compute_month(&st, r->company_id, year, month, out, &problem)
                 : HF_ENOMEM;
    if (rc == HF_EEXISTS && problem.field)
        return invalid(call, problem.field, "cannot_compute", problem.message);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "attendance", "");
    *reply = &out->base;
    return 0;
}

ATT_HANDLER(payroll_list_attendance_months)
{
    const Hrflow__V1__ListAttendanceMonthsRequest *r = (const void *)req;
    hf_store_t st;
    int year, month;
    const char *company = r->company_id;
    if (open_payroll(call, &st, "read attendance") < 0 ||
        (*r->employee_id && employee_company(&st, r->employee_id, NULL, &company) < 0) ||
        path_company(&st, company) < 0 || month_of(call, r->month, &year, &month) < 0)
        return -1;
    if (*r->company_id && strcmp(company, r->company_id))
        return hf_call_fail(call, E(NOT_FOUND), "employee %s not found", r->employee_id);
    Hrflow__V1__ListAttendanceMonthsResponse *out =
        HF_CALL_NEW(call, Hrflow__V1__ListAttendanceMonthsResponse,
                    hrflow__v1__list_attendance_months_response__init);
    int rc = out ? att_months_list(&st, company, year, month, r->employee_id, &out->months,
                                   &out->n_months)
                 : HF_ENOMEM;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "attendance", "");
    *reply = &out->base;
    return 0;
}

ATT_HANDLER(payroll_list_attendance_days)
{
    const Hrflow__V1__ListAttendanceDaysRequest *r = (const void *)req;
    hf_store_t st;
    int year, month;
    const char *company;
    if (open_payroll(call, &st, "read attendance") < 0 ||
        employee_company(&st, r->employee_id, NULL, &company) < 0 ||
        month_of(call, r->month, &year, &month) < 0)
        return -1;
    Hrflow__V1__ListAttendanceDaysResponse *out =
        HF_CALL_NEW(call, Hrflow__V1__ListAttendanceDaysResponse,
                    hrflow__v1__list_attendance_days_response__init);
    int rc = out ? att_days_list(&st, r->employee_id, company, year, month, &out->days,
                                 &out->n_days)
                 : HF_ENOMEM;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "attendance", "");
    *reply = &out->base;
    return 0;
}
