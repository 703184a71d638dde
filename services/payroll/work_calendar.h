/* services/payroll/work_calendar.h - which days are workdays: weekends, statutory
 * holidays and adjusted working days (调休) from a calendar's data
 *
 * A work calendar is data, never code: a year of it is the list of its
 * special days (migrations/0041_work_calendar_cn.sql ships mainland China's
 * 2025 and 2026; tenants add or correct years through the API). A day not
 * in the list is a workday from Monday to Friday and a rest day on Saturday
 * and Sunday. A special day is one of
 *   - WC_HOLIDAY: a statutory holiday (法定节假日), worked at 300 %;
 *   - WC_REST: a weekday off in a holiday block (the days moved from
 *     adjusted weekends, 调休), a rest day like a weekend, worked at 200 %;
 *   - WC_WORKDAY: a weekend day worked instead (调休上班), a normal workday.
 * Days are counted as days since 1970-01-01 (a proleptic Gregorian day
 * number), so a day's neighbours and its weekday are arithmetic.
 *
 * Pure functions over caller-owned arrays, no allocation.
 */
#ifndef WC_WORK_CALENDAR_H
#define WC_WORK_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    WC_WORKDAY = 0, /* an ordinary working day, or an adjusted working weekend day */
    WC_REST,        /* a weekend, or a weekday off moved from an adjusted weekend */
    WC_HOLIDAY,     /* a statutory holiday */
} wc_kind_t;

typedef struct {
    int32_t day;    /* days since 1970-01-01 */
    wc_kind_t kind;
} wc_special_t;

typedef struct {
    const wc_special_t *days; /* sorted by day, each day once; borrowed */
    size_t n;
} wc_calendar_t;

/* Days since 1970-01-01 of a Gregorian date (any year 1..9999; month 1..12,
 * day 1..31 unchecked: wc_date_valid says whether it exists). */
int32_t wc_day(int year, int month, int mday);
/* The date of a day number. */
void wc_date(int32_t day, int *year, int *month, int *mday);
/* 1 when the date exists (2026-02-29 does not), else 0. */
int wc_date_valid(int year, int month, int mday);
/* Days in a month of a year. */
int wc_month_days(int year, int month);
/* ISO weekday of a day: 1 Monday … 7 Sunday. */
int wc_weekday(int32_t day);
/* A date "YYYY-MM-DD" into *day: 0, or -1 when it is not one. */
int wc_parse_date(const char *s, int32_t *day);
/* "YYYY-MM-DD" of a day into out (11 bytes). */
void wc_format_date(int32_t day, char out[11]);

/* The kind of a day under cal (the default week for days not listed). */
wc_kind_t wc_kind(const wc_calendar_t *cal, int32_t day);
/* Workdays in [from, to] (inclusive) under cal; 0 when to < from. */
int wc_workdays(const wc_calendar_t *cal, int32_t from, int32_t to);
/* "workday", "rest", "holiday"; NULL for no kind. */
const char *wc_kind_name(wc_kind_t kind);
/* The kind named s: 0 with *kind set, or -1. */
int wc_kind_parse(const char *s, wc_kind_t *kind);

/* Check a year's special days (sorted or not) as a tenant sends them: each
 * inside year, each once, a WC_WORKDAY only on a weekend and a WC_REST only
 * on a weekday (else it changes nothing and is surely a typo). Returns -1
 * when they are fine, else the index of the first bad one with why (a
 * static text). */
int wc_check_year(int year, const wc_special_t *days, size_t n, const char **why);

#endif
