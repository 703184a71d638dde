/* services/scheduling/lifecycle.h - an AI interview's states and the moves between them
 *
 * The one place that says what may happen to an interview:
 *
 *   waiting ──► scheduled ──► reminded ──► in_progress ──► completed
 *      │            │  ▲          │             │
 *      │            ▼  │          ▼             ▼
 *      │        rescheduled ◄─────┘ (and back)  no_show
 *      ▼
 *   cancelled ◄── any state before in_progress
 *
 *   in_progress ──► retrying ──► in_progress (the call engine tries again)
 *
 * - waiting: invited, no slot in the window yet; a slot makes it scheduled;
 * - scheduled, rescheduled (scheduled again, at another time), reminded:
 *   booked; each may be reminded, rescheduled, cancelled, may start
 *   (in_progress) or be missed (no_show);
 * - in_progress: the call is under way; it ends completed or no_show, or is
 *   rescheduled when the call failed; it can no longer be cancelled;
 * - retrying: a call did not reach the candidate (or its engine died);
 *   due again at its call_due for a call engine to claim; it may also be
 *   missed for good (no_show), cancelled or rescheduled;
 * - completed, no_show, cancelled: final.
 *
 * Every move writes the event hrflow.scheduling.interview.<new state>.v1.
 * A state holds a seat of its slot (counts in slots.booked) from scheduled
 * on, except cancelled. The store applies moves (store_interview_move);
 * reminders, no-show checks and call engines call it with their states.
 * Pure: no I/O.
 */
#ifndef SCHED_LIFECYCLE_H
#define SCHED_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    SCHED_WAITING,
    SCHED_SCHEDULED,
    SCHED_REMINDED,
    SCHED_IN_PROGRESS,
    SCHED_COMPLETED,
    SCHED_NO_SHOW,
    SCHED_CANCELLED,
    SCHED_RESCHEDULED,
    SCHED_RETRYING,
    SCHED_N_STATES
} sched_state_t;

/* "waiting", …, "rescheduled"; "" for a value outside the enum. Static. */
const char *sched_state_name(sched_state_t s);

/* The state named name; -1 when it names none. */
int sched_state_parse(const char *name, sched_state_t *out);

/* Whether an interview may move from `from` to `to`. When not, *why (may be
 * NULL) is a static sentence for the 409: "a completed interview cannot be
 * rescheduled". */
bool sched_can_move(sched_state_t from, sched_state_t to, const char **why);

/* The states an interview may reach `to` from, as a PostgreSQL array
 * literal of their names ("{scheduled,reminded}") into out (size outlen).
 * Returns 0, or -1 when it does not fit. For statements that move only
 * what may move (the check and the write in one). */
int sched_from_states(sched_state_t to, char *out, size_t outlen);

/* Whether an interview in state s holds a seat of its slot. */
bool sched_holds_seat(sched_state_t s);

/* Whether s is final (completed, no_show, cancelled). */
bool sched_final(sched_state_t s);

/* "hrflow.scheduling.interview.<name>.v1" of the move into s, into out
 * (size outlen). Returns 0, or -1 when it does not fit. */
int sched_event_type(sched_state_t s, char *out, size_t outlen);

#endif
