/* services/scheduling/calendar.h - the forms of times and days in scheduling's requests
 *
 * PostgreSQL does the calendar arithmetic (time zones, DST, weekdays, the
 * slot grid: migrations/0002-0003); what is left here is checking what a
 * request says before it becomes a parameter: a clock time "09:00", a
 * local day "2027-03-01", an RFC 3339 instant, and a week of working hours
 * (ranges within a day, none overlapping another of its weekday). Pure.
 */
#ifndef SCHED_CALENDAR_H
#define SCHED_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>

/* Minutes since midnight of "HH:MM" (00:00 to 23:59; "24:00", the next
 * midnight, only when end is true), or -1 for anything else. */
int sched_clock_minutes(const char *s, bool end);

/* "HH:MM" of minutes 0..1440 into out. */
void sched_clock_text(int minutes, char out[6]);

/* Whether s is "YYYY-MM-DD" naming a real day of years 1..9999. */
bool sched_day_valid(const char *s);

/* Whether s is an RFC 3339 date-time ("2027-03-01T09:00:00Z", with an
 * optional fraction and Z or ±HH:MM), a real day and time. */
bool sched_instant_valid(const char *s);

/* One range of working time. */
typedef struct {
    unsigned weekday;   /* 1 = Monday … 7 = Sunday */
    int start, end;     /* minutes since local midnight */
} sched_range_t;

#define SCHED_RANGES_MAX 64

/* Check n ranges: at most SCHED_RANGES_MAX, each a weekday 1..7 with
 * 0 <= start < end <= 1440, none overlapping another of its weekday.
 * Returns -1 when they pass, else the index of the first bad range (n
 * itself when there are too many), with *why a static sentence. */
long sched_ranges_check(const sched_range_t *r, size_t n, const char **why);

#endif
