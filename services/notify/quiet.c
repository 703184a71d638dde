/* services/notify/quiet.c - quiet hours: the times of day no SMS goes out
 *
 * The settings HF_NOTIFY_QUIET_START and HF_NOTIFY_QUIET_END are times of
 * day in the recipient's own time zone ("21:00" to "08:00": the hours wrap
 * midnight). The arithmetic over zones is PostgreSQL's
 * (notify.quiet_until, migrations/0020_delivery.sql): an SMS enqueued in
 * quiet hours is due when they end, and the claim checks again, on the one
 * clock, so a job that came due at 20:59 and was claimed at 21:00 waits too.
 * This file only reads the settings.
 */
#include "deliver.h"

#include <ctype.h>

int nt_quiet_minutes(const char *s)
{
    if (!s || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
        !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]) || s[5])
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    return h < 24 && m < 60 ? h * 60 + m : -1;
}
