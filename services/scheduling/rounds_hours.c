/* services/scheduling/rounds_hours.c - an interviewer's working week, checked (see rounds_hours.h)
 *
 * Times are whole minutes: a week is what people write in a calendar, and
 * "09:00" is what they read back.
 */
#include "rounds_hours.h"

#include <stdio.h>
#include <time.h>

static int digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : -1;
}

int rd_hours_minutes(const char *s)
{
    if (!s)
        return -1;
    int d[4] = { digit(s[0]), -1, -1, -1 };
    if (d[0] < 0 || (d[1] = digit(s[1])) < 0 || s[2] != ':' || (d[2] = digit(s[3])) < 0 ||
        (d[3] = digit(s[4])) < 0 || s[5])
        return -1;
    int hour = d[0] * 10 + d[1], minute = d[2] * 10 + d[3];
    if (minute > 59 || hour > 24 || (hour == 24 && minute))
        return -1;
    return hour * 60 + minute;
}

void rd_hours_format(int minutes, char out[6])
{
    unsigned m = (unsigned)minutes % 6000;
    snprintf(out, 6, "%02u:%02u", (m / 60) % 100, m % 60);
}

int rd_hours_check(const rd_hours_t *h, size_t n, char *why, size_t whylen)
{
    for (size_t i = 0; i < n; i++) {
        if (i >= RD_HOURS_MAX) {
            snprintf(why, whylen, "at most %d stretches a week", RD_HOURS_MAX);
            return (int)i;
        }
        if (h[i].weekday < 1 || h[i].weekday > 7) {
            snprintf(why, whylen, "weekday is 1 (Monday) to 7 (Sunday)");
            return (int)i;
        }
        if (h[i].start < 0 || h[i].end > RD_DAY_MINUTES || h[i].start >= h[i].end) {
            snprintf(why, whylen, "start and end are 00:00 to 24:00, start before end");
            return (int)i;
        }
        for (size_t j = 0; j < i; j++)
            if (h[j].weekday == h[i].weekday && h[j].start < h[i].end &&
                h[i].start < h[j].end) {
                snprintf(why, whylen, "overlaps another stretch of the same day");
                return (int)i;
            }
    }
    return -1;
}

size_t rd_hours_default(rd_hours_t out[5])
{
    for (int d = 0; d < 5; d++)
        out[d] = (rd_hours_t){ d + 1, 9 * 60, 18 * 60 };
    return 5;
}

void rd_utc(int64_t us, char out[RD_UTC_MAX])
{
    time_t s = (time_t)((us - (us < 0 ? 999999 : 0)) / 1000000);
    struct tm tm;
    if (!gmtime_r(&s, &tm) || !strftime(out, RD_UTC_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, RD_UTC_MAX, "?");
}
