/* services/payroll/attendance.c - one employee's day from its punches, shift, kind and leave
 *
 * The policy is the header's; this file applies it. Every function is a few
 * lines of interval arithmetic over minutes.
 */
#include "attendance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int max_i(int a, int b) { return a > b ? a : b; }
static int min_i(int a, int b) { return a < b ? a : b; }

/* Minutes [a0, a1) and [b0, b1) share. */
static int overlap(int a0, int a1, int b0, int b1)
{
    return max_i(0, min_i(a1, b1) - max_i(a0, b0));
}

static int steps(int minutes)
{
    return minutes > 0 ? minutes / AD_OVERTIME_STEP * AD_OVERTIME_STEP : 0;
}

void ad_window(const ad_shift_t *shift, int *from, int *to)
{
    *from = shift->start - AD_WINDOW_BEFORE;
    *to = *from + 1440;
}

const char *ad_shift_check(int start, int end, int crosses, int late_grace, int early_grace,
                           int break_start, int break_minutes, ad_shift_t *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    if (start < 0 || start >= 1440)
        return *why = "a clock time, 00:00 to 23:59", "start";
    if (end < 0 || end >= 1440)
        return *why = "a clock time, 00:00 to 23:59", "end";
    if (!crosses && end <= start)
        return *why = "after start, or the shift crosses midnight (crossesMidnight)", "end";
    if (crosses && end > start)
        return *why = "a shift crossing midnight ends at or before its start's clock time",
               "crosses_midnight";
    if (late_grace < 0 || late_grace > 240)
        return *why = "0 to 240 minutes", "late_grace_minutes";
    if (early_grace < 0 || early_grace > 240)
        return *why = "0 to 240 minutes", "early_grace_minutes";
    out->start = start;
    out->end = crosses ? end + 1440 : end;
    out->late_grace = late_grace;
    out->early_grace = early_grace;
    if (break_minutes < 0 || break_minutes > 240)
        return *why = "0 to 240 minutes", "break_minutes";
    if (break_minutes) {
        if (break_start < 0 || break_start >= 1440)
            return *why = "a clock time, 00:00 to 23:59", "break_start";
        int b = break_start < start ? break_start + 1440 : break_start;
        if (b <= out->start || b + break_minutes >= out->end)
            return *why = "the break lies inside the shift", "break_start";
        out->break_start = b;
        out->break_minutes = break_minutes;
    }
    return NULL;
}

/* Minutes of [a, b) outside the shift's break. */
static int less_break(const ad_shift_t *s, int a, int b)
{
    if (b <= a)
        return 0;
    return b - a - (s->break_minutes
                        ? overlap(a, b, s->break_start, s->break_start + s->break_minutes)
                        : 0);
}

/* Time worked on a day nobody is scheduled: all of it overtime. */
static void unscheduled(const ad_shift_t *s, const int *p, size_t n, ad_result_t *out)
{
    if (n >= 2)
        out->overtime_minutes = steps(less_break(s, p[0], p[n - 1]));
}

/* Where the morning ends and the afternoon begins. */
static void halves(const ad_shift_t *s, int *am_end, int *pm_start)
{
    if (s->break_minutes) {
        *am_end = s->break_start;
        *pm_start = s->break_start + s->break_minutes;
    } else {
        *am_end = *pm_start = (s->start + s->end) / 2;
    }
}

void ad_day(const ad_shift_t *shift, wc_kind_t kind, const int *p, size_t n,
            const ad_leave_t *leaves, size_t n_leaves, ad_result_t *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    out->punches = (int)n;
    if (kind != WC_WORKDAY) {
        unscheduled(shift, p, n, out);
        return;
    }
    out->scheduled = 1;
    int am = 0, pm = 0, excuse = 0, leave = 0;
    for (size_t i = 0; i < n_leaves; i++) {
        const ad_leave_t *l = &leaves[i];
        int m = l->part == AD_WHOLE ? AD_DAY_MINUTES
              : l->part == AD_HOURS ? l->minutes : AD_DAY_MINUTES / 2;
        m = min_i(m, AD_DAY_MINUTES - leave);
        leave += m;
        *(l->paid ? &out->paid_leave_minutes : &out->unpaid_leave_minutes) += m;
        out->sick_leave_minutes += l->sick ? m : 0;
        am |= l->part == AD_WHOLE || l->part == AD_AM;
        pm |= l->part == AD_WHOLE || l->part == AD_PM;
        excuse += l->part == AD_HOURS ? m : 0;
    }
    if ((am && pm) || leave >= AD_DAY_MINUTES)
        return; /* a day of leave: nothing expected */
    int am_end, pm_start, s = shift->start, e = shift->end;
    halves(shift, &am_end, &pm_start);
    if (am)
        s = pm_start;
    if (pm)
        e = am_end;
    if (n == 0) {
        out->absent_minutes = AD_DAY_MINUTES - leave;
        return;
    }
    out->attended_minutes = AD_DAY_MINUTES - leave;
    int first = p[0], last = p[n - 1];
    if (n == 1) {
        out->missing_punch = 1;
        if (first <= (s + e) / 2)
            last = e; /* the punch in: the way out is missing */
        else
            first = s; /* the punch out */
    }
    int late = first - s, early = e - last;
    late = late > shift->late_grace ? late : 0;
    early = early > shift->early_grace ? early : 0;
    int used = min_i(excuse, late);
    out->late_minutes = late - used;
    out->early_minutes = max_i(0, early - (excuse - used));
    if (n >= 2) {
        out->worked_minutes = less_break(shift, max_i(first, s), min_i(last, e));
        out->overtime_minutes = steps(last - e);
    }
}

/* ---- quantities and times as text ---- */

/* v / div with `places` decimals, trailing zeros dropped, rounded half away. */
static void decimal(int64_t v, int64_t div, int places, char out[24])
{
    int64_t scale = 1;
    for (int i = 0; i < places; i++)
        scale *= 10;
    int neg = v < 0;
    uint64_t a = (uint64_t)(neg ? -v : v);
    uint64_t q = (a * (uint64_t)scale * 2 + (uint64_t)div) / ((uint64_t)div * 2);
    uint64_t whole = q / (uint64_t)scale, frac = q % (uint64_t)scale;
    int n = snprintf(out, 24, "%s%llu", neg && q ? "-" : "", (unsigned long long)whole);
    if (frac) {
        char f[8];
        snprintf(f, sizeof(f), "%0*llu", places, (unsigned long long)frac);
        for (int i = places - 1; i > 0 && f[i] == '0'; i--)
            f[i] = 0;
        snprintf(out + n, (size_t)(24 - n), ".%s", f);
    }
}

void ad_format_days(int64_t minutes, char out[24])
{
    decimal(minutes, AD_DAY_MINUTES, 3, out);
}

void ad_format_hours(int64_t minutes, char out[24])
{
    decimal(minutes, 60, 2, out);
}

int ad_parse_days(const char *s, int64_t *minutes)
{
    int64_t whole = 0, thousandths = 0;
    int digits = 0, places = -1;
    for (const char *c = s ? s : ""; *c; c++) {
        if (*c == '.' && places < 0 && digits) {
            places = 0;
        } else if (*c >= '0' && *c <= '9' && digits < 4 && places < 3) {
            if (places < 0)
                whole = whole * 10 + (*c - '0'), digits++;
            else
                thousandths = thousandths * 10 + (*c - '0'), places++;
        } else {
            return -1;
        }
    }
    if (!digits || places == 0)
        return -1;
    for (int p = places < 0 ? 0 : places; p < 3; p++)
        thousandths *= 10;
    int64_t t = whole * 1000 + thousandths;
    if (t > 366000 || t * AD_DAY_MINUTES % 1000)
        return -1;
    *minutes = t * AD_DAY_MINUTES / 1000;
    return 0;
}

/* The n (≤ 4) digits at s as a number, or -1 when one is not a digit. */
static int digits(const char *s, int n)
{
    char b[8] = "";
    if (strspn(s, "0123456789") < (size_t)n)
        return -1;
    memcpy(b, s, (size_t)n);
    return atoi(b);
}

int ad_parse_clock(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    int h = digits(s, 2), m = digits(s + 3, 2);
    return h < 0 || m < 0 || h > 23 || m > 59 ? -1 : h * 60 + m;
}

void ad_format_clock(int minutes, char out[6])
{
    unsigned m = (unsigned)(((minutes % 1440) + 1440) % 1440);
    snprintf(out, 6, "%02u:%02u", m / 60 % 100, m % 60);
}

int ad_time_valid(const char *s)
{
    if (!s || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':')
        return 0;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    if (y < 1970 || !wc_date_valid(y, mo, d) || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        se < 0 || se > 59)
        return 0;
    const char *z = s + 19;
    if (*z == '.') {
        int n = 0;
        for (z++; *z >= '0' && *z <= '9'; z++)
            n++;
        if (n < 1 || n > 6)
            return 0;
    }
    if ((*z == 'Z' || *z == 'z') && !z[1])
        return 1;
    if ((*z != '+' && *z != '-') || strlen(z) != 6 || z[3] != ':')
        return 0;
    int oh = digits(z + 1, 2), om = digits(z + 4, 2);
    return oh >= 0 && oh <= 14 && om >= 0 && om <= 59;
}
