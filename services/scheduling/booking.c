/* services/scheduling/booking.c - the candidate's booking link and interviews' calendar files
 *
 * The link's key is a token (hf/token.h, kind "interview-booking") naming
 * the tenant and the interview, with an expiry: HF_SCHEDULING_BOOKING_DAYS
 * after the invitation, so the same interview always has the same token
 * (a mail sent again carries the link sent before) and a reschedule does
 * not change it. Derived, not stored; a recruiter reads it on
 * GetInterview. Through it the candidate sees the interview, lists the
 * free slots before the link's end, books one (the first, or a
 * reschedule: up to the job's reschedule_limit, counted in
 * candidate_reschedules) and cancels. A token that is not one of ours is
 * NOT_FOUND, the same bytes for a forged one and a made-up one; one whose
 * expiry has passed (against scheduling.now()) is GONE. Moves are the
 * recruiters' (sched_apply_move): the same lifecycle, the same seats.
 * The link's calendar file is ics_files.c's.
 */
#include "handlers.h"
#include "calendar.h"
#include "settings.h"
#include "store.h"

#include "hf/arena.h"
#include "hf/log.h"
#include "hf/service.h"
#include "hf/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

static const hf_token_kind_t kind = { "interview-booking", 2, 1 };
#define TOKEN_LEN HF_TOKEN_LEN(2, 1)
static const char no_link[] = "no interview has this booking link";

/* When the link of an interview invited at invite ends, Unix seconds. */
static int64_t link_end(const Hrflow__V1__Timestamp *invite)
{
    return (invite ? invite->seconds : 0) + sched_settings.booking_days * 86400;
}

/* The token of interview v of st's tenant into the arena; NULL when it
 * cannot be made. */
static char *token_of(hf_store_t *st, const Hrflow__V1__Interview *v)
{
    char *out = hf_store_alloc(st, TOKEN_LEN + 1);
    const char *ids[] = { st->tenant, v->id };
    return out && hf_token_make(st->keys, &kind, ids, link_end(v->invite_time), out,
                                TOKEN_LEN + 1) == 0
               ? out
               : NULL;
}

int sched_booking_link(hf_store_t *st, Hrflow__V1__Interview *v)
{
    Hrflow__V1__Timestamp *t = hf_store_alloc(st, sizeof(*t));
    if (!t || !(v->booking_token = token_of(st, v)))
        return -1;
    hrflow__v1__timestamp__init(t);
    t->seconds = link_end(v->invite_time);
    v->booking_expire_time = t;
    return 0;
}

int sched_booking_open(hf_call_t *call, const char *token, hf_store_t *st, store_booking_t **b,
                       int64_t *expiry_out)
{
    char ids[2][37];
    int64_t expiry = 0;
    const hf_token_kind_t *kinds[] = { &kind };
    if (hf_store_open_token(call, st, kinds, 1, token, ids, &expiry, no_link) < 0)
        return -1;
    int rc = store_booking_get(st, ids[1], b);
    if (rc == HF_ENOTFOUND)
        return hf_call_fail(call, E(NOT_FOUND), no_link);
    if (rc != HF_OK)
        return hf_store_fail(st, rc, "interview", "");
    /* a token of an older HF_SCHEDULING_BOOKING_DAYS is still ours: its
     * own expiry, under the MAC, is the one that counts */
    if ((*b)->now_s >= expiry)
        return hf_call_fail(call, E(GONE), "this booking link has expired");
    if (expiry_out)
        *expiry_out = expiry;
    return 0;
}

/* What the candidate sees of b. */
static int booking_reply(hf_store_t *st, const store_booking_t *b, int64_t expiry,
                         ProtobufCMessage **reply)
{
    const Hrflow__V1__Interview *v = b->interview;
    Hrflow__V1__InterviewBooking *o = HF_CALL_NEW(st->call, Hrflow__V1__InterviewBooking,
                                                  hrflow__v1__interview_booking__init);
    Hrflow__V1__Timestamp *end = hf_store_alloc(st, sizeof(*end));
    if (!o || !end)
        return hf_call_fail(st->call, E(INTERNAL), "out of memory");
    hrflow__v1__timestamp__init(end);
    end->seconds = expiry;
    sched_state_t s = SCHED_WAITING;
    sched_state_parse(v->state, &s);
    o->interview_id = v->id;
    o->state = v->state;
    o->start_time = v->start_time;
    o->end_time = v->end_time;
    o->time_zone = (char *)b->time_zone;
    o->reschedules = v->candidate_reschedules;
    o->reschedules_left = b->reschedule_limit > (int)v->candidate_reschedules
                              ? (uint32_t)(b->reschedule_limit - (int)v->candidate_reschedules)
                              : 0;
    o->expire_time = end;
    o->can_book = s == SCHED_WAITING ||
                  (sched_can_move(s, SCHED_RESCHEDULED, NULL) && s != SCHED_IN_PROGRESS &&
                   o->reschedules_left > 0);
    o->can_cancel = sched_can_move(s, SCHED_CANCELLED, NULL);
    *reply = &o->base;
    return 0;
}

HANDLER(scheduling_get_interview_booking)
{
    const Hrflow__V1__GetInterviewBookingRequest *r = (const void *)req;
    hf_store_t st;
    store_booking_t *b = NULL;
    int64_t end = 0;
    if (sched_booking_open(call, r->token, &st, &b, &end) < 0)
        return -1;
    return booking_reply(&st, b, end, reply);
}

HANDLER(scheduling_list_booking_slots)
{
    const Hrflow__V1__ListBookingSlotsRequest *r = (const void *)req;
    hf_store_t st;
    store_booking_t *b = NULL;
    int64_t end = 0;
    if (sched_booking_open(call, r->token, &st, &b, &end) < 0 ||
        sched_days_check(call, r->from_day, r->days) < 0)
        return -1;
    Hrflow__V1__ListSlotsResponse *o = HF_CALL_NEW(call, Hrflow__V1__ListSlotsResponse,
                                                   hrflow__v1__list_slots_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = store_slots_list(&st, b->interview->company_id, r->from_day, r->days ? r->days : 7,
                              1, o);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "slot", "");
    /* what the link may book: free slots that start before it ends, each
     * with its free seats only (the lines behind them are the company's
     * business); the day totals go with them */
    size_t kept = 0;
    for (size_t i = 0; i < o->n_slots; i++) {
        Hrflow__V1__Slot *s = o->slots[i];
        if (!s->start_time || s->start_time->seconds >= end)
            continue;
        s->capacity = s->booked = 0;
        o->slots[kept++] = s;
    }
    o->n_slots = kept;
    o->n_days = 0;
    *reply = &o->base;
    return 0;
}

HANDLER(scheduling_book_interview)
{
    const Hrflow__V1__BookInterviewRequest *r = (const void *)req;
    hf_store_t st;
    store_booking_t *b = NULL;
    int64_t end = 0;
    if (sched_booking_open(call, r->token, &st, &b, &end) < 0)
        return -1;
    if (!r->start_time) {
        hf_call_detail(call, "start_time", "required", "the start of a free slot");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "startTime is required");
    }
    if (r->start_time->seconds >= end) {
        hf_call_detail(call, "start_time", "outside_window",
                       "after the end of the booking window (expireTime)");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "that time cannot be booked");
    }
    char micros[24];
    snprintf(micros, sizeof(micros), "%lld",
             (long long)r->start_time->seconds * 1000000 + r->start_time->nanos / 1000);
    store_move_t m = { .to = SCHED_RESCHEDULED, .start_time = micros, .by_candidate = 1,
                       .reason = "by the candidate" };
    Hrflow__V1__Interview *v = NULL;
    if (sched_apply_move(&st, b->interview->id, &m, &v) < 0)
        return -1;
    b->interview = v;
    return booking_reply(&st, b, end, reply);
}

HANDLER(scheduling_cancel_booking)
{
    const Hrflow__V1__CancelBookingRequest *r = (const void *)req;
    hf_store_t st;
    store_booking_t *b = NULL;
    if (hf_call_check_text(call, "reason", r->reason, (hf_text_rule_t){ HF_TEXT_LINES, 0, 500 }))
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the reason is invalid");
    int64_t end = 0;
    if (sched_booking_open(call, r->token, &st, &b, &end) < 0)
        return -1;
    store_move_t m = { .to = SCHED_CANCELLED, .by_candidate = 1,
                       .reason = *r->reason ? r->reason : "by the candidate" };
    Hrflow__V1__Interview *v = NULL;
    if (sched_apply_move(&st, b->interview->id, &m, &v) < 0)
        return -1;
    b->interview = v;
    return booking_reply(&st, b, end, reply);
}
