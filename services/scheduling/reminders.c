/* services/scheduling/reminders.c - what an interview's timers do when they come due
 *
 * The timers themselves are armed in PostgreSQL, in the transaction of the
 * change that calls for them: a trigger on scheduling.interviews
 * (migrations/0050_reminders.sql, scheduling.arm_timers) gives every
 * interview placed, moved or invited the timers its state and its job's
 * settings want, and forgets the others; a change of a job's settings arms
 * its open interviews again. This file is the runner's side (hf/timer.h,
 * started on every replica): one function for the three kinds, each a move
 * through the lifecycle's one path (store_interview_move's) in the runner's
 * transaction, so a timer and its effect commit together and fire once
 * whatever replica dies when:
 *
 *  - scheduling.reminder: the interview is reminded (its first reminder
 *    moves it to reminded) and hrflow.scheduling.interview.reminded.v1 says
 *    which reminder (reminderMinutes); notify sends it;
 *  - scheduling.no_show: an interview still booked and not started is a
 *    no-show (the pipeline's no_show result); one in progress is looked at
 *    again later, the call engine decides it;
 *  - scheduling.expiry: an invitation still waiting for a slot is cancelled
 *    (invitation_expired).
 */
#include "loops.h"
#include "store.h"

#include "hf/arena.h"
#include "hf/log.h"
#include "hf/service.h"
#include "hf/timer.h"

#include <jansson.h>
#include <string.h>

static hf_arena_t *arena;

static const char *const kinds[] = { "scheduling.reminder", "scheduling.no_show",
                                     "scheduling.expiry", NULL };

static int fire(void *user, PGconn *db, hf_timer_t *t)
{
    (void)user;
    hf_arena_reset(arena);
    json_t *p = json_loads(t->payload_json, 0, NULL);
    const char *id = json_string_value(json_object_get(p, "interviewId"));
    if (!id || !hf_uuid_valid(id)) {
        json_decref(p);
        return hf_timer_fail(t, HF_TIMER_DEAD, "no interviewId in the timer's payload");
    }
    hf_store_t st;
    hf_store_init(&st, db, arena, t->tenant_id, hf_service_keys());
    store_timer_outcome_t what = STORE_TIMER_PASSED;
    const char *to = "";
    int rc;
    if (!strcmp(t->kind, "scheduling.reminder")) {
        rc = store_interview_remind(&st, id, (int)json_integer_value(json_object_get(p, "minutes")),
                                    json_string_value(json_object_get(p, "startTime")), &what);
        to = "reminded";
    } else if (!strcmp(t->kind, "scheduling.no_show")) {
        rc = store_interview_check_no_show(&st, id, &what);
        to = "no_show";
    } else {
        rc = store_interview_expire(&st, id, &what);
        to = "cancelled";
    }
    /* being changed right now (a move, the assigner's pass): busy, looked at
     * again in a moment; the change may also re-arm this timer */
    int out = rc == HF_OK          ? HF_TIMER_OK
              : rc == HF_ECONFLICT ? HF_TIMER_BUSY
                                   : hf_timer_fail(t, HF_TIMER_RETRY, "interview %s: %s", id,
                                                   hf_err_name(rc));
    json_decref(p); /* id was p's */
    if (out == HF_TIMER_OK && what == STORE_TIMER_ACTED)
        sched_count_move(to);
    return out;
}

int sched_reminders_start(void)
{
    if (!arena && !(arena = hf_arena_new(0)))
        return -1;
    return hf_service_timers(kinds, fire, NULL);
}

void sched_reminders_free(void)
{
    hf_arena_destroy(&arena);
}
