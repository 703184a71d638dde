/* services/payroll/work_calendar.c - workdays, rest days and holidays of a work calendar
 *
 * The day arithmetic is Howard Hinnant's days_from_civil / civil_from_days
 * (public domain), exact over the proleptic Gregorian calendar. A kind is
 * found by binary search over the calendar's sorted special days.
 */
#include "work_calendar.h"

#include <stdio.h>
#include <string.h>

int32_t wc_day(int year, int month, int mday)
{
    int y = year - (month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + mday - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

void wc_date(int32_t day, int *year, int *month, int *mday)
{
    int32_t z = day + 719468;
    int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    int32_t doe = z - era * 146097;
    int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int32_t mp = (5 * doy + 2) / 153;
    *mday = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (*month <= 2));
}

int wc_month_days(int year, int month)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (month < 1 || month > 12)
        return 0;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return days[month - 1] + (month == 2 && leap);
}

int wc_date_valid(int year, int month, int mday)
{
    return year >= 1 && year <= 9999 && mday >= 1 && mday <= wc_month_days(year, month);
}

int wc_weekday(int32_t day)
{
    /* 1970-01-01 was a Thursday (4) */
    int w = (int)((day % 7 + 7) % 7);
    return (w + 3) % 7 + 1;
}

int wc_parse_date(const char *s, int32_t *day)
{
    int y, m, d, used = 0;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 ||
        used != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    if (!wc_date_valid(y, m, d))
        return -1;
    *day = wc_day(y, m, d);
    return 0;
}

void wc_format_date(int32_t day, char out[11])
{
    int y, m, d;
    wc_date(day, &y, &m, &d);
    unsigned uy = (unsigned)y % 10000, um = (unsigned)m % 100, ud = (unsigned)d % 100;
    snprintf(out, 11, "%04u-%02u-%02u", uy, um, ud);
}

wc_kind_t wc_kind(const wc_calendar_t *cal, int32_t day)
{
    size_t lo = 0, hi = cal ? cal->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->days[mid].day == day)
            return cal->days[mid].kind;
        if (cal->days[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return wc_weekday(day) >= 6 ? WC_REST : WC_WORKDAY;
}

int wc_workdays(const wc_calendar_t *cal, int32_t from, int32_t to)
{
    int n = 0;
    for (int32_t d = from; d <= to; d++)
        n += wc_kind(cal, d) == WC_WORKDAY;
    return n;
}

static const char *const kind_names[] = { "workday", "rest", "holiday" };

const char *wc_kind_name(wc_kind_t kind)
{
    return (unsigned)kind < 3 ? kind_names[kind] : NULL;
}

int wc_kind_parse(const char *s, wc_kind_t *kind)
{
    for (int k = 0; s && k < 3; k++)
        if (!strcmp(s, kind_names[k])) {
            *kind = (wc_kind_t)k;
            return 0;
        }
    return -1;
}

int wc_check_year(int year, const wc_special_t *days, size_t n, const char **why)
{
    int32_t first = wc_day(year, 1, 1), last = wc_day(year, 12, 31);
    for (size_t i = 0; i < n; i++) {
        int weekend = wc_weekday(days[i].day) >= 6;
        *why = NULL;
        if (days[i].day < first || days[i].day > last)
            *why = "a day of the year the request names";
        else if (days[i].kind == WC_WORKDAY && !weekend)
            *why = "an adjusted workday falls on a Saturday or Sunday";
        else if (days[i].kind == WC_REST && weekend)
            *why = "a weekend is a rest day already: list only weekdays off";
        for (size_t k = 0; !*why && k < i; k++)
            if (days[k].day == days[i].day)
                *why = "each day once";
        if (*why)
            return (int)i;
    }
    return -1;
}
