/* services/scheduling/loops.h - the scheduling service's background work
 *
 * Besides answering RPCs, every replica runs (on hf/loop.h and
 * hf/consumer.h, stopped by the runtime on SIGTERM after the worker has
 * drained):
 *
 *  - the consumer of the pipeline's invitations (assign.c, cursor
 *    "scheduling.invitations"): each batch of
 *    hrflow.pipeline.application.ai_interview_invited.v1 events becomes
 *    waiting interviews and is placed in slots in the batch's transaction,
 *    so an invitation is placed exactly once whatever dies when;
 *  - the assigner (assign.c): every HF_SCHEDULING_ASSIGN_S it places what
 *    still waits (capacity grew, a seat was given back, days passed);
 *  - the lease sweep (engine.c, the elected replica): every
 *    HF_SCHEDULING_LEASES_S it expires call leases whose engine stopped
 *    renewing them (their interviews go back, due now) and sets the
 *    engines' gauges;
 *  - the slot sweep (slots.c, the elected replica): every
 *    HF_SCHEDULING_SLOTS_S it makes every tenant's slots reach
 *    HF_SCHEDULING_HORIZON_DAYS ahead and sets the operators' gauges;
 *  - the timer runner (reminders.c, hf/timer.h): the interviews' reminders,
 *    no-show checks and invitation expiries, fired once each when due.
 *
 * Work is claimed in PostgreSQL (the consumer's cursor, SKIP LOCKED, the
 * slots' guarded increments, an advisory lock per tenant), so any replica
 * may do any of it.
 */
#ifndef SCHED_LOOPS_H
#define SCHED_LOOPS_H

#include "hf/store.h"

/* Register the metrics and start the loops (from the init hook). 0 or -1. */
int sched_assign_start(void);
int sched_slots_start(void);
int sched_reminders_start(void);
int sched_engine_start(void);
/* Free what the consumer and the timer runner kept, once the runtime
 * stopped them (stop hook). */
void sched_assign_free(void);
void sched_reminders_free(void);

/* Place the waiting interviews of st's tenant (up to 5 000 per company:
 * the assigner places the rest), in transactions of their own on st->db,
 * after a change that may have made room (a handler's, after its commit).
 * Returns how many it placed, or -1. */
long sched_assign_tenant(hf_store_t *st);

/* Count a move into the state named `to` (hf_scheduling_transitions_total). */
void sched_count_move(const char *to);

#endif
