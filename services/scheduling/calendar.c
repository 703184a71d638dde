/* services/scheduling/calendar.c - the forms of times and days in scheduling's requests
 *
 * See calendar.h. Fixed-width forms read digit by digit: nothing here
 * depends on the C library's locale or time zone.
 */
#include "calendar.h"

#include <stdio.h>
#include <string.h>

/* The number of n digits at s, or -1 when one is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int sched_clock_minutes(const char *s, bool end)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    int h = digits(s, 2), m = digits(s + 3, 2);
    if (h < 0 || m < 0 || m > 59)
        return -1;
    if (h == 24 && m == 0 && end)
        return 1440;
    return h <= 23 ? h * 60 + m : -1;
}

void sched_clock_text(int minutes, char out[6])
{
    if (minutes < 0 || minutes > 1440)
        minutes = 0;
    snprintf(out, 6, "%02d:%02d", minutes / 60, minutes % 60);
}

static bool real_day(int y, int m, int d)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return false;
    int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    return d <= days[m - 1] + (m == 2 && leap);
}

/* "YYYY-MM-DD" at s (not NUL-terminated there). */
static bool day_at(const char *s)
{
    if (s[4] != '-' || s[7] != '-')
        return false;
    return real_day(digits(s, 4), digits(s + 5, 2), digits(s + 8, 2));
}

bool sched_day_valid(const char *s)
{
    return s && strlen(s) == 10 && day_at(s);
}

bool sched_instant_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 20 || !day_at(s) || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
        return false;
    int h = digits(s + 11, 2), m = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
        return false;
    size_t i = 19;
    if (s[i] == '.') {
        size_t f = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f || i - f > 9)
            return false;
    }
    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n)
        return true;
    if ((s[i] != '+' && s[i] != '-') || n - i != 6 || s[i + 3] != ':')
        return false;
    int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
    return oh >= 0 && oh <= 23 && om >= 0 && om <= 59;
}

long sched_ranges_check(const sched_range_t *r, size_t n, const char **why)
{
    if (n > SCHED_RANGES_MAX) {
        *why = "at most 64 ranges";
        return (long)n;
    }
    for (size_t i = 0; i < n; i++) {
        if (r[i].weekday < 1 || r[i].weekday > 7) {
            *why = "weekday is 1 (Monday) to 7 (Sunday)";
            return (long)i;
        }
        if (r[i].start < 0 || r[i].end > 1440 || r[i].start >= r[i].end) {
            *why = "start and end are \"HH:MM\", start before end (end may be \"24:00\")";
            return (long)i;
        }
        for (size_t j = 0; j < i; j++)
            if (r[j].weekday == r[i].weekday && r[j].start < r[i].end && r[i].start < r[j].end) {
                *why = "overlaps another range of its weekday";
                return (long)i;
            }
    }
    *why = "";
    return -1;
}
