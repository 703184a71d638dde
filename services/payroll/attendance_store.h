/* services/payroll/attendance_store.h - the SQL of attendance (attendance_store.c)
 *
 * Every function takes the caller's hf_store_t (hf/store.h), filters by its
 * tenant and returns HF_OK or an HF_E* code; what it hands out is in the
 * store's arena. The company wall of single records is the handlers' (each
 * record carries its company); lists take the company the handler checked.
 * Quantities of time are day-minutes (attendance.h); days are day
 * numbers (work_calendar.h).
 */
#ifndef PAYROLL_ATTENDANCE_STORE_H
#define PAYROLL_ATTENDANCE_STORE_H

#include "attendance.h"
#include "hf/store.h"
#include "hrflow/v1/payroll.pb-c.h"
#include "work_calendar.h"

#include <stdint.h>

/* ---- calendars and settings ---- */

/* The tenant's year of a calendar, else the shipped one; HF_ENOTFOUND when
 * neither exists. (*out)->days are sorted; *special (may be NULL) gets them
 * as the pure module takes them. */
int att_calendar_get(hf_store_t *st, const char *calendar, int year,
                     Hrflow__V1__WorkCalendarYear **out, wc_calendar_t *special);
/* Replace the tenant's days of a year (checked) in one transaction. */
int att_calendar_set(hf_store_t *st, const char *calendar, int year, const char *source,
                     const wc_special_t *days, char *const *names, size_t n);

/* A company's settings (the defaults when it saved none). */
int att_settings_get(hf_store_t *st, const char *company, Hrflow__V1__AttendanceSettings **out);
/* Save a company's settings; a NULL value keeps the stored one. */
int att_settings_save(hf_store_t *st, const char *company, const char *calendar,
                      const char *time_zone, const char *default_shift);

/* ---- shifts ---- */

/* Create a shift (checked: s holds its minutes). HF_EEXISTS: the company
 * has a shift of that name. */
int att_shift_create(hf_store_t *st, const Hrflow__V1__Shift *in, const ad_shift_t *s,
                     Hrflow__V1__Shift **out);
int att_shift_get(hf_store_t *st, const char *id, Hrflow__V1__Shift **out);
int att_shift_list(hf_store_t *st, const char *company, Hrflow__V1__Shift ***out, size_t *n);
/* From day on, employee works shift (replacing an assignment of that day). */
int att_shift_assign(hf_store_t *st, const char *employee, const char *shift, const char *day);

/* ---- employees (payroll.employees, read only here) ---- */

/* The company of an employee into *company (arena); HF_ENOTFOUND. */
int att_employee_company(hf_store_t *st, const char *employee, const char **company);

/* ---- punches ---- */

/* One punch as a device export or the JSON batch gives it; row is the
 * caller's number for it (1 for a batch's first, a file's line). */
typedef struct {
    size_t row;
    const char *employee_no, *company_id, *time, *device, *method;
} att_punch_row_t;

/* A problem of one row: field is the row's field ("employee_no", "time", …). */
typedef struct {
    size_t row, index;          /* the row's number and its place in the rows given */
    const char *field, *code, *message;
} att_problem_t;

typedef struct {
    att_problem_t *problems;    /* every problem of every row; n_problems > 0: nothing written */
    size_t n_problems;
    char *status;               /* per row: 's' stored (or would be), 'd' duplicate */
    int stored, duplicates;
} att_ingest_t;

/* Check and store rows: every row checked (company the caller sees, an
 * employee of that number in it, a time with its zone, a method), and when
 * none has a problem and not dry_run, the punches are written in one
 * statement: a punch already stored, or earlier in rows, is a duplicate,
 * stored once. When any row has a problem nothing is written and
 * out->problems lists them all. The one way punches come in: the JSON batch
 * and file importers call it with their rows. Returns HF_OK (problems or
 * not), HF_EDB or HF_ENOMEM. */
int att_punches_ingest(hf_store_t *st, const att_punch_row_t *rows, size_t n, int dry_run,
                       att_ingest_t *out);

/* ---- leave ---- */

/* The leave types the tenant sees: its own and the shipped ones it has not replaced. */
int att_leave_types(hf_store_t *st, Hrflow__V1__LeaveType ***out, size_t *n);
int att_leave_type_get(hf_store_t *st, const char *code, Hrflow__V1__LeaveType **out);
int att_leave_type_save(hf_store_t *st, const Hrflow__V1__LeaveType *t);
/* Add minutes to an employee's grant of a type and year. */
int att_leave_grant(hf_store_t *st, const char *employee, const char *type, int year,
                    int64_t minutes, Hrflow__V1__LeaveBalance **out);
int att_leave_balances(hf_store_t *st, const char *employee, int year,
                       Hrflow__V1__LeaveBalance ***out, size_t *n);
/* Remaining minutes of a balance (0 when none was granted). */
int att_leave_remaining(hf_store_t *st, const char *employee, const char *type, int year,
                        int64_t *remaining);

/* A request as checked by the handler. */
typedef struct {
    const char *employee, *company, *type, *start, *end, *part, *reason;
    int paid;
    int64_t minutes;
} att_leave_new_t;

/* Store a submitted request. HF_ECONFLICT with *clash its id when a
 * submitted or approved request of the employee covers one of its days
 * (a morning and an afternoon of the same day do not clash). */
int att_leave_submit(hf_store_t *st, const att_leave_new_t *r, const char **clash,
                     Hrflow__V1__LeaveRequest **out);
int att_leave_get(hf_store_t *st, const char *id, Hrflow__V1__LeaveRequest **out);
int att_leave_list(hf_store_t *st, const char *employee, const char *status,
                   Hrflow__V1__LeaveRequest ***out, size_t *n);
/* Approve, reject or cancel request id in one transaction: approve deducts
 * the balance of a type that tracks one, cancel of an approved one gives it
 * back. HF_ECONFLICT when the request is not in a state the decision takes
 * (*why says which), HF_EEXISTS when the balance does not cover it. */
int att_leave_decide(hf_store_t *st, const char *id, const char *decision, const char *note,
                     const char **why, Hrflow__V1__LeaveRequest **out);

/* ---- the month ---- */

/* What a month's computation could not do, for the handler to report. */
typedef struct {
    const char *field, *message;
} att_compute_problem_t;

/* Compute every day and the month of every employee of company (with the
 * company's settings, the calendar year, shifts, punches and approved
 * leave) and replace the stored months (one row per employee, the days
 * inside it) in one transaction, streamed with COPY (idempotent).
 * HF_EEXISTS with *problem set when it cannot (no calendar year, an
 * employee without a shift). */
int att_compute_month(hf_store_t *st, const char *company, int year, int month,
                      Hrflow__V1__ComputeAttendanceResponse *out,
                      att_compute_problem_t *problem);
/* The same, unless nothing the stored month is computed from changed since
 * (attendance_marks: punches, leave, shifts and their assignments, the
 * company's settings and employees, its work calendar): then it is kept and
 * *out says what was stored. */
int att_month_current(hf_store_t *st, const char *company, int year, int month,
                      Hrflow__V1__ComputeAttendanceResponse *out,
                      att_compute_problem_t *problem);
int att_months_list(hf_store_t *st, const char *company, int year, int month,
                    const char *employee, Hrflow__V1__AttendanceMonth ***out, size_t *n);
/* An employee's days of a month of company (none before it is computed). */
int att_days_list(hf_store_t *st, const char *employee, const char *company, int year, int month,
                  Hrflow__V1__AttendanceDay ***out, size_t *n);

#endif
