/* services/scheduling/lifecycle.c - an AI interview's states and the moves between them
 *
 * See lifecycle.h. The moves are one table, read by every question below.
 */
#include "lifecycle.h"

#include <stdio.h>
#include <string.h>

static const char *const names[SCHED_N_STATES] = {
    [SCHED_WAITING] = "waiting",         [SCHED_SCHEDULED] = "scheduled",
    [SCHED_REMINDED] = "reminded",       [SCHED_IN_PROGRESS] = "in_progress",
    [SCHED_COMPLETED] = "completed",     [SCHED_NO_SHOW] = "no_show",
    [SCHED_CANCELLED] = "cancelled",     [SCHED_RESCHEDULED] = "rescheduled",
    [SCHED_RETRYING] = "retrying",
};

#define M(s) (1u << (s))
/* moves[from]: the states it may move to */
static const unsigned moves[SCHED_N_STATES] = {
    [SCHED_WAITING] = M(SCHED_SCHEDULED) | M(SCHED_CANCELLED),
    [SCHED_SCHEDULED] = M(SCHED_REMINDED) | M(SCHED_IN_PROGRESS) | M(SCHED_NO_SHOW) |
                        M(SCHED_CANCELLED) | M(SCHED_RESCHEDULED),
    [SCHED_RESCHEDULED] = M(SCHED_REMINDED) | M(SCHED_IN_PROGRESS) | M(SCHED_NO_SHOW) |
                          M(SCHED_CANCELLED) | M(SCHED_RESCHEDULED),
    [SCHED_REMINDED] = M(SCHED_IN_PROGRESS) | M(SCHED_NO_SHOW) | M(SCHED_CANCELLED) |
                       M(SCHED_RESCHEDULED),
    [SCHED_IN_PROGRESS] = M(SCHED_COMPLETED) | M(SCHED_NO_SHOW) | M(SCHED_RESCHEDULED) |
                          M(SCHED_RETRYING),
    [SCHED_RETRYING] = M(SCHED_IN_PROGRESS) | M(SCHED_NO_SHOW) | M(SCHED_CANCELLED) |
                       M(SCHED_RESCHEDULED),
};

const char *sched_state_name(sched_state_t s)
{
    return (unsigned)s < SCHED_N_STATES ? names[s] : "";
}

int sched_state_parse(const char *name, sched_state_t *out)
{
    for (int s = 0; name && s < SCHED_N_STATES; s++)
        if (!strcmp(name, names[s])) {
            *out = (sched_state_t)s;
            return 0;
        }
    return -1;
}

/* Why `from` cannot move to `to`, in words. */
static const char *refusal(sched_state_t from, sched_state_t to)
{
    static const char *const final[SCHED_N_STATES][SCHED_N_STATES] = {
        [SCHED_COMPLETED][SCHED_RESCHEDULED] = "a completed interview cannot be rescheduled",
        [SCHED_COMPLETED][SCHED_CANCELLED] = "a completed interview cannot be cancelled",
        [SCHED_NO_SHOW][SCHED_RESCHEDULED] =
            "a missed interview cannot be rescheduled; the pipeline may invite again",
        [SCHED_NO_SHOW][SCHED_CANCELLED] = "a missed interview cannot be cancelled",
        [SCHED_CANCELLED][SCHED_RESCHEDULED] = "a cancelled interview cannot be rescheduled",
        [SCHED_CANCELLED][SCHED_CANCELLED] = "the interview is already cancelled",
        [SCHED_IN_PROGRESS][SCHED_CANCELLED] = "the call is under way: it cannot be cancelled",
    };
    if ((unsigned)from < SCHED_N_STATES && (unsigned)to < SCHED_N_STATES && final[from][to])
        return final[from][to];
    if (from == SCHED_WAITING && to != SCHED_SCHEDULED)
        return "the interview has no slot yet";
    return sched_final(from) ? "the interview is over" : "the interview is not in a state for that";
}

bool sched_can_move(sched_state_t from, sched_state_t to, const char **why)
{
    bool ok = (unsigned)from < SCHED_N_STATES && (unsigned)to < SCHED_N_STATES &&
              (moves[from] & M(to)) != 0;
    if (why)
        *why = ok ? "" : refusal(from, to);
    return ok;
}

int sched_from_states(sched_state_t to, char *out, size_t outlen)
{
    size_t used = 0;
    int n = snprintf(out, outlen, "{");
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    used = (size_t)n;
    for (int s = 0; s < SCHED_N_STATES; s++) {
        if (!sched_can_move((sched_state_t)s, to, NULL))
            continue;
        n = snprintf(out + used, outlen - used, "%s%s", used > 1 ? "," : "", names[s]);
        if (n < 0 || (size_t)n >= outlen - used)
            return -1;
        used += (size_t)n;
    }
    n = snprintf(out + used, outlen - used, "}");
    return n < 0 || (size_t)n >= outlen - used ? -1 : 0;
}

bool sched_holds_seat(sched_state_t s)
{
    return s != SCHED_WAITING && s != SCHED_CANCELLED && (unsigned)s < SCHED_N_STATES;
}

bool sched_final(sched_state_t s)
{
    return s == SCHED_COMPLETED || s == SCHED_NO_SHOW || s == SCHED_CANCELLED;
}

int sched_event_type(sched_state_t s, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "hrflow.scheduling.interview.%s.v1", sched_state_name(s));
    return n < 0 || (size_t)n >= outlen || !*sched_state_name(s) ? -1 : 0;
}
