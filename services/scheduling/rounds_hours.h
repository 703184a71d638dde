/* services/scheduling/rounds_hours.h - an interviewer's working week, checked
 *
 * Pure: stretches of local time per ISO weekday, as minutes from local
 * midnight, in and out of their "HH:MM" form; and the UTC form of a time
 * in what the service says. The service stores them as
 * they are; PostgreSQL decides, in the interviewer's time zone, whether a
 * slot falls inside one (rounds_store.c), so nothing here knows a zone.
 * A stretch ends on its own day ("24:00" is the end of it): a night shift is
 * two stretches.
 */
#ifndef SCHEDULING_ROUNDS_HOURS_H
#define SCHEDULING_ROUNDS_HOURS_H

#include <stddef.h>
#include <stdint.h>

#define RD_HOURS_MAX 28          /* stretches of one interviewer's week */
#define RD_DAY_MINUTES (24 * 60)

typedef struct {
    int weekday;                 /* 1 Monday … 7 Sunday */
    int start, end;              /* minutes from local midnight, 0 <= start < end <= 1440 */
} rd_hours_t;

/* The minutes of "HH:MM" (two digits each, 00:00 to 24:00), or -1. */
int rd_hours_minutes(const char *s);

/* "HH:MM" of minutes (0 to 1440) into out. */
void rd_hours_format(int minutes, char out[6]);

/* Check n stretches (each weekday, start before end; no two on one day
 * overlapping; at most RD_HOURS_MAX). Returns -1 when all are fine, else the
 * index of the first bad one with why (lowercase, no final period) filled. */
int rd_hours_check(const rd_hours_t *h, size_t n, char *why, size_t whylen);

/* A time as RFC 3339 in UTC, whole seconds ("2026-12-07T02:00:00Z"), for
 * messages and events: us is Unix microseconds. */
#define RD_UTC_MAX 32
void rd_utc(int64_t us, char out[RD_UTC_MAX]);

/* The week of an interviewer who gives none: Monday to Friday, 09:00 to
 * 18:00. Fills out and returns 5. */
size_t rd_hours_default(rd_hours_t out[5]);

#endif
