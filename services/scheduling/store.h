/* services/scheduling/store.h - every SQL statement of the scheduling service (AI interviews)
 *
 * The calendar lives in PostgreSQL (migrations/0002-0004): settings and
 * working hours, closures, slots made set-based from them (with
 * generate_series and AT TIME ZONE, so zones and DST are PostgreSQL's), and
 * the functions that say which slots a company may book. The store's
 * statements use them; "now" is scheduling.now() throughout. Every function
 * filters by st->tenant and, where a caller is behind it, by the caller's
 * companies; results are HF_OK or an HF_E* code (hf/store.h) or one of the
 * two below; messages returned live in st's arena. Changes write their
 * events to the outbox in their transaction. store.c has settings,
 * closures and slots; store_interviews.c the interviews.
 */
#ifndef SCHED_STORE_H
#define SCHED_STORE_H

#include <stdint.h>

#include "hf/store.h"
#include "hrflow/v1/scheduling.pb-c.h"
#include "lifecycle.h"

/* The company_id of what is the whole group's ("" in the API). */
#define STORE_GROUP "00000000-0000-0000-0000-000000000000"

enum {
    STORE_EREFUSED = -100, /* the lifecycle refuses the move; *why says why */
    STORE_ESLOT = -101,    /* the slot asked for cannot be booked; *why is its code */
};

/* ---- settings (company "" or STORE_GROUP: the group's) ---- */

/* The stored settings of company with its working hours; for a company,
 * `effective` says what applies to it. Settings never written read as the
 * defaults (version 0). */
int store_settings_get(hf_store_t *st, const char *company, Hrflow__V1__LineSettings **out);

/* In the caller's transaction: make the settings row of company exist (the
 * group's with the defaults) and lock it until the transaction ends, then
 * read it as store_settings_get. */
int store_settings_lock(hf_store_t *st, const char *company, Hrflow__V1__LineSettings **out);

/* In the caller's transaction, after store_settings_lock: store s (a
 * company's 0 and "" fields and empty hours as the group's), its version
 * + 1. */
int store_settings_save(hf_store_t *st, const char *company, const Hrflow__V1__LineSettings *s);

/* In the caller's transaction: make the tenant's future slots what its
 * settings call for, `days` ahead, never dropping a booking
 * (scheduling.regenerate). */
int store_slots_regenerate(hf_store_t *st, int days);

/* The tenants with settings, for the sweep that keeps their slots ahead:
 * fn(ctx, tenant) for each. */
int store_tenants(hf_store_t *st, void (*fn)(void *ctx, const char *tenant), void *ctx);

/* ---- closures ---- */

int store_closure_create(hf_store_t *st, Hrflow__V1__Closure *c, int days);
/* A page of the closures the caller sees (the group's and its companies'),
 * of company when not "" (with the group's). */
int store_closure_list(hf_store_t *st, const char *company, hf_page_t *page,
                       Hrflow__V1__Closure ***out, size_t *n);
/* A closure the caller sees; HF_ENOTFOUND otherwise. */
int store_closure_get(hf_store_t *st, const char *id, Hrflow__V1__Closure **out);
int store_closure_delete(hf_store_t *st, const char *id, int days);

/* ---- slots ---- */

/* The slots company may book that start from now (or from_day's local
 * midnight, when later) to the end of `days` local days, free_only: with a
 * free seat; *tz set to its time zone. */
int store_slots_list(hf_store_t *st, const char *company, const char *from_day, unsigned days,
                     int free_only, Hrflow__V1__ListSlotsResponse *out);

/* Free seats of every tenant in the 24 h after now + d days, d = 0..n-1,
 * into seats[]; and invitations waiting, into *waiting. For the gauges. */
int store_gauges(hf_store_t *st, double *seats, int n, double *waiting);

/* ---- interviews (store_interviews.c) ---- */

/* One invitation of the pipeline's (its event's data). */
typedef struct {
    const char *tenant, *event_id, *application, *job, *candidate, *model, *company;
    int64_t time_us;
} store_invitation_t;

/* What one assignment did. */
typedef struct {
    long taken;     /* waiting interviews it looked at */
    long placed;    /* interviews now scheduled, waiting or new */
    double *lags;   /* placed seconds between invitation and slot (st->arena) */
} store_assigned_t;

/* Place up to limit waiting interviews of company (st->tenant), oldest
 * invitation first, and then its n_fresh new invitations (may be 0; those
 * of st->tenant and company), in one statement. A new invitation already
 * taken (the same event) or for an application with an open interview is
 * passed (so is a second one for the same application in fresh); the
 * caller holds the invitations' consumer cursor, so nothing else writes
 * interviews meanwhile. A new one with a seat is written scheduled, else
 * waiting. the seats of the slots it may book
 * from now + notice_min to the end of its window are handed out the
 * earliest working day first and, within a day, a seat of every slot
 * before a second seat of any (the load spreads over the day's slots);
 * each slot is booked with `booked = booked + k WHERE booked + k <=
 * capacity`, so a slot another transaction filled meanwhile places none of
 * its candidates (they wait for the next pass). Writes each placement's
 * interview.scheduled event. One placing per company at a time (an
 * advisory lock held to the end of the caller's transaction); interviews
 * another transaction holds are left to it (SKIP LOCKED). */
int store_assign(hf_store_t *st, const char *company, int limit, int notice_min,
                 const store_invitation_t *fresh, size_t n_fresh, store_assigned_t *out);

/* The (tenant, company) pairs with waiting interviews, of tenant (NULL:
 * every tenant): fn(ctx, tenant, company) for each, the longest waiting
 * first. */
int store_waiting(hf_store_t *st, const char *tenant,
                  void (*fn)(void *ctx, const char *tenant, const char *company), void *ctx);

/* An interview of the caller's companies; HF_ENOTFOUND otherwise. */
int store_interview_get(hf_store_t *st, const char *id, Hrflow__V1__Interview **out);

/* A page of the caller's companies' interviews, each filter when not "". */
typedef struct {
    const char *job, *application, *state, *start_from, *start_to;
} store_interview_filter_t;
int store_interview_list(hf_store_t *st, const store_interview_filter_t *f, hf_page_t *page,
                         Hrflow__V1__Interview ***out, size_t *n);

/* A move of the lifecycle (lifecycle.h) and what it needs. */
typedef struct {
    sched_state_t to;          /* RESCHEDULED on a waiting interview books its first slot */
    const char *reason;        /* kept with the interview; "" keeps none */
    int64_t expected_version;  /* 0 = any */
    const char *start_time;    /* RESCHEDULED: the slot (timestamptz text); NULL = the next free */
    int notice_min;            /* RESCHEDULED to the next free slot: not sooner than this */
    int by_candidate;          /* through the booking link: a RESCHEDULED of a booked
                                * interview counts against the job's reschedule_limit
                                * (STORE_EREFUSED when none is left) */
    const char *event_extra;   /* a JSON object merged into the event's data; NULL = none */
    int retry_min;             /* RETRYING: called again this many minutes from now */
} store_move_t;

/* Apply a move to interview id in one transaction: the lifecycle's check
 * (STORE_EREFUSED, *why its sentence), the seat of the old slot given back
 * when it no longer holds one, the new slot booked when rescheduled
 * (STORE_ESLOT, *why one of in_the_past, closed, outside_working_hours,
 * not_a_slot, full, unchanged, no_free_slot), the interview's new state
 * (sequence + 1 on a reschedule), and the event of the new state. The one
 * way anything changes an interview's state: reminders, no-show checks and
 * call engines call it too. HF_ENOTFOUND: not an interview of the caller's
 * companies; HF_ECONFLICT: its version is not expected_version. */
int store_interview_move(hf_store_t *st, const char *id, const store_move_t *m,
                         Hrflow__V1__Interview **out, const char **why);

/* ---- booking (store_interviews.c) ---- */

/* An interview seen through its booking link, with what the page needs. */
typedef struct {
    Hrflow__V1__Interview *interview;
    const char *time_zone; /* the company's */
    int reschedule_limit;  /* the job's (scheduling.job_settings_of) */
    int64_t now_s;         /* scheduling.now(), Unix seconds */
} store_booking_t;

/* Interview id of st->tenant with its zone, its job's reschedule limit and
 * the present, in st's arena; HF_ENOTFOUND when there is none. */
int store_booking_get(hf_store_t *st, const char *id, store_booking_t **out);
/* ---- a job's interview settings (store_job_settings.c) ---- */

/* The settings, in the order of their JSON names (store_job_setting_names:
 * reminderMinutes, noShowGraceMinutes, invitationExpiryHours,
 * rescheduleLimit, callAttempts, retryMinutes). */
#define STORE_JOB_SETTINGS 6
extern const char *const store_job_setting_names[STORE_JOB_SETTINGS];

/* Job's settings as stored (a field it has not set is 0 or empty and named
 * in defaults; version 0 until first set) with what applies in effective.
 * The caller has checked that it sees the job. HF_OK or HF_EDB. */
int store_job_settings_get(hf_store_t *st, const char *job,
                           Hrflow__V1__JobInterviewSettings **out);

/* Change job's settings (job of company), one transaction: values[i] is
 * the i-th setting's new value as text (the reminders as an array, "{1440,60}"),
 * "" to return it to the default, NULL to keep it; version + 1; then the
 * timers of the job's open interviews are armed again (their coming
 * reminders and no-show checks follow). The values are checked by the
 * caller (the table's CHECKs refuse the rest: HF_EDB). HF_OK or HF_EDB. */
int store_job_settings_save(hf_store_t *st, const char *job, const char *company,
                            const char *const values[STORE_JOB_SETTINGS]);

/* ---- what the interviews' timers do (reminders.c), each in one
 * transaction (a savepoint of the timer runner's) on st->db, for any
 * company of st's tenant ---- */

/* What became of a timer's interview. */
typedef enum {
    STORE_TIMER_PASSED,   /* nothing to do: the interview moved on (or is gone) */
    STORE_TIMER_ACTED,    /* the interview moved or its event was written */
    STORE_TIMER_WAIT,     /* the call is under way: the no-show check waits */
} store_timer_outcome_t;

/* Reminder `minutes` (before the slot) of interview id, set for the slot
 * starting at start (RFC 3339 UTC, as the timer's payload says): a booked
 * interview still at that time moves scheduled/rescheduled -> reminded
 * (its first reminder) or stays reminded, and every reminder writes
 * hrflow.scheduling.interview.reminded.v1 with reminderMinutes. HF_OK with
 * *what, or HF_EDB. */
int store_interview_remind(hf_store_t *st, const char *id, int minutes, const char *start,
                           store_timer_outcome_t *what);

/* The no-show check of interview id: one still booked and not started
 * (scheduled, reminded, rescheduled) moves to no_show (reason no_show),
 * unless call engines work for the tenant (a lease within the last hour):
 * then it waits in their queue for a line, and like an in_progress or
 * retrying one it is left to its call (*what WAIT): the check is set again
 * a grace (at least 5 minutes) from now. HF_OK with *what, or HF_EDB. */
int store_interview_check_no_show(hf_store_t *st, const char *id, store_timer_outcome_t *what);

/* The expiry of interview id's invitation: one still waiting for a slot is
 * cancelled with reason invitation_expired. HF_OK with *what, or HF_EDB. */
int store_interview_expire(hf_store_t *st, const char *id, store_timer_outcome_t *what);
/* The same move in the caller's open transaction (the interview locked
 * until it ends), for changes that move interviews with other writes: a
 * call engine's claim, report or expired lease (store_engine.c). */
int store_interview_move_in(hf_store_t *st, const char *id, const store_move_t *m,
                            Hrflow__V1__Interview **out, const char **why);

/* ---- call engines (store_engine.c) ---- */

/* Leases of the caller's companies; ids are the lease's. */
typedef struct {
    long claimed;  /* leases handed out */
    long expired;  /* leases found lapsed and put back first */
} store_claimed_t;

/* Claim up to max interviews that are due now (a slot that has begun, or a
 * retry whose call_due came) for engine, each under a lease of lease_s
 * seconds. The tenant's lapsed leases are expired first (their interviews
 * put back, due now; a transaction of its own); nothing is locked when
 * nothing is due. Then, in one transaction with the tenant's calls locked
 * (an advisory transaction lock, so any replica's claims take turns), no
 * pool gets more leases than its lines minus its live ones; each interview
 * moves to in_progress through store_interview_move_in (its event with it).
 * The earliest due first. */
int store_calls_claim(hf_store_t *st, const char *engine, int max, int lease_s,
                      Hrflow__V1__CallLease ***out, size_t *n, store_claimed_t *did);

/* A lease of the caller's companies (HF_ENOTFOUND otherwise), whatever its
 * outcome. */
int store_lease_get(hf_store_t *st, const char *id, Hrflow__V1__CallLease **out);

/* Renew a live lease to lease_s seconds from now. STORE_EREFUSED with *why
 * when it ended or lapsed; HF_ENOTFOUND when the caller has none by id. */
int store_lease_renew(hf_store_t *st, const char *id, int lease_s, Hrflow__V1__CallLease **out,
                      const char **why);

/* An engine's report under lease id: "started" marks the call begun;
 * "completed" completes the interview; "no_answer" and "failed" end the
 * call and move the interview to retrying (due again the job's
 * retry_minutes later) or, at the job's call_attempts-th call, to no_show.
 * The same outcome again answers as the first time and changes nothing
 * (*moved 0; 1 when this report moved the interview). STORE_EREFUSED with
 * *why for a lease that lapsed or ended otherwise, or an interview that
 * moved meanwhile; HF_ENOTFOUND when the caller has no lease by id. */
int store_call_report(hf_store_t *st, const char *id, const char *outcome, const char *reason,
                      Hrflow__V1__CallReport *out, const char **why, int *moved);

/* Expire the lapsed leases of st->tenant (NULL: of every tenant, one
 * transaction each) and put their interviews back, due now. Returns how
 * many, or -1. */
long store_leases_expire(hf_store_t *st);

/* For the gauges: fn(ctx, tenant, pool, busy) for every pool with live
 * leases; *due the interviews due and not claimed, every tenant. */
int store_engine_gauges(hf_store_t *st, void (*fn)(void *ctx, const char *tenant,
                                                   const char *pool, double busy),
                        void *ctx, double *due);

#endif
