/* services/payroll/attendance.h - attendance's rules: one employee's day (late, early
 * leave, absent, missing punch, hours worked, overtime by the kind of day, leave), and
 * the quantities and times the API reads and writes
 *
 * The policy, in one place (docs/payroll-attendance.md says it for HR):
 *   - Times are minutes after the day's local midnight; a shift that crosses
 *     midnight ends after 1440, and a punch the next morning is 1440 + its
 *     minute. A day owns the punches of its window (ad_window): the 24 hours
 *     from 6 hours before its shift starts, so consecutive days' windows tile
 *     and a punch after midnight belongs to the shift it ends.
 *   - A workday (calendar) is scheduled; a rest day or a holiday is not, and
 *     time worked on it (first to last punch, the break out) is overtime of
 *     that kind: rest-day (200 %) or statutory-holiday (300 %), decided later
 *     by payroll from the kind.
 *   - On a workday: no punch is absent; one punch is a missing punch (the day
 *     counts as attended, the punch as in or out by which half of the shift
 *     it falls in); late is the first punch after the start by more than the
 *     grace (the minutes counted from the start), early leave the last punch
 *     before the end by more than the grace. Overtime on a workday is the time
 *     after the end. Overtime counts in whole steps of AD_OVERTIME_STEP.
 *   - Leave: a whole day excuses the day; a half day (am/pm) moves the
 *     expected start to the afternoon's start (after the break, or the
 *     shift's midpoint) or the expected end to the morning's end; hours of
 *     leave excuse as many minutes of lateness, then of early leave. Leave is
 *     counted only on workdays.
 *   - Quantities a month adds up are in day-minutes: a whole day is
 *     AD_DAY_MINUTES (8 hours, the 174 h / 21.75 d standard), half a day 240.
 *
 * Pure: no I/O, no allocation; one call per employee-day.
 */
#ifndef AD_ATTENDANCE_H
#define AD_ATTENDANCE_H

#include "work_calendar.h"

#define AD_DAY_MINUTES 480
#define AD_OVERTIME_STEP 30
#define AD_WINDOW_BEFORE 360 /* a day's punches are from 6 h before its shift starts */

typedef struct {
    int start;         /* 0..1439 */
    int end;           /* start < end <= start + 1440; > 1440 when it crosses midnight */
    int late_grace;    /* minutes late that still count as on time */
    int early_grace;
    int break_start;   /* like start (≥ 1440 after midnight); ignored without break_minutes */
    int break_minutes; /* 0: no break */
} ad_shift_t;

typedef enum {
    AD_WHOLE = 0, /* whole days */
    AD_AM,        /* the morning half */
    AD_PM,        /* the afternoon half */
    AD_HOURS,     /* some hours: minutes says how many */
} ad_part_t;

typedef struct {
    ad_part_t part;
    int minutes; /* AD_HOURS: minutes of leave; else implied (480, 240) */
    int paid;
    int sick;    /* of leave type sick: counted in sick_leave_minutes too */
} ad_leave_t;

typedef struct {
    wc_kind_t kind;
    int scheduled;          /* 1 on a workday */
    int punches;            /* punches in the day's window */
    int attended_minutes;   /* scheduled, present: 480 less leave */
    int absent_minutes;     /* scheduled, no punch: 480 less leave */
    int late_minutes;       /* 0: on time (or within the grace) */
    int early_minutes;      /* 0: left on time */
    int missing_punch;      /* 1: a scheduled day with one punch */
    int worked_minutes;     /* within the expected hours, the break out */
    int overtime_minutes;   /* of kind (workday, rest day, holiday), whole steps */
    int paid_leave_minutes;
    int unpaid_leave_minutes;
    int sick_leave_minutes; /* the part of the two above that is sick leave */
} ad_result_t;

/* The window of a day under shift: punches p with *from <= p < *to belong to it. */
void ad_window(const ad_shift_t *shift, int *from, int *to);

/* Check a shift as a tenant sends it: start and end 0..1439 (as clock
 * times), crossing midnight only when crosses (then end <= start), graces
 * 0..240, a break inside the shift. Fills *out with end (and the break)
 * moved past midnight as needed. Returns NULL when fine, else the field
 * that is wrong ("end", "break_start", …) with why (static texts). */
const char *ad_shift_check(int start, int end, int crosses, int late_grace, int early_grace,
                           int break_start, int break_minutes, ad_shift_t *out,
                           const char **why);

/* The day's result. punches: minutes relative to the day's midnight, sorted,
 * all inside the day's window; leaves: the approved leave covering the day
 * (at most a few). Fills *out entirely. */
void ad_day(const ad_shift_t *shift, wc_kind_t kind, const int *punches, size_t n,
            const ad_leave_t *leaves, size_t n_leaves, ad_result_t *out);

/* ---- quantities and times as the API writes them ---- */

/* Day-minutes as decimal days ("5", "0.5", "0.125"; at most 3 decimals,
 * rounded half away from zero beyond) into out (24 bytes). */
void ad_format_days(int64_t minutes, char out[24]);
/* Minutes as decimal hours ("7.5", "0.25"; at most 2 decimals, rounded). */
void ad_format_hours(int64_t minutes, char out[24]);
/* Decimal days ("5", "0.5", up to 3 decimals, ≥ 0, ≤ 366) into whole
 * day-minutes: 0, or -1 when it is no such number or no whole minute. */
int ad_parse_days(const char *s, int64_t *minutes);
/* "HH:MM" (00:00–23:59) into minutes after midnight, or -1. */
int ad_parse_clock(const char *s);
/* "HH:MM" of minutes after midnight (mod 1440) into out (6 bytes). */
void ad_format_clock(int minutes, char out[6]);
/* 1 when s is an RFC 3339 time with its zone ("Z" or ±HH:MM), e.g.
 * 2026-01-05T08:57:00+08:00 or …00.5Z, whose fields are in range; else 0. */
int ad_time_valid(const char *s);

#endif
