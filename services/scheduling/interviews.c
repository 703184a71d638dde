/* services/scheduling/interviews.c - AI interviews: the recruiters' RPC methods
 *
 * List (by job, application, state, time; paged), get, cancel, reschedule
 * (to a given free slot or to the next free one). A key bound to some
 * companies sees and moves only their interviews; another company's is the
 * answer of an id that names nothing. Moves go through
 * store_interview_move, whose lifecycle (lifecycle.c) refuses what cannot
 * happen (409 with the reason) and whose slot checks refuse times that
 * cannot be booked (422 at startTime with why, 409 for a full slot).
 */
#include "handlers.h"
#include "calendar.h"
#include "loops.h"
#include "settings.h"
#include "store.h"

#include "hf/service.h"
#include "hrflow/v1/pipeline.pb-c.h"

#include <stdio.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

static int query_refs(hf_store_t *st, const Hrflow__V1__ListInterviewsRequest *r)
{
    if (*r->job_id) {
        Hrflow__V1__GetJobRequest q = HRFLOW__V1__GET_JOB_REQUEST__INIT;
        q.id = r->job_id;
        if (sched_ask_visible(st, "pipeline", "GetJob", &q.base, &hrflow__v1__job__descriptor,
                              "job", r->job_id) < 0)
            return -1;
    }
    if (*r->application_id) {
        Hrflow__V1__GetApplicationRequest q = HRFLOW__V1__GET_APPLICATION_REQUEST__INIT;
        q.id = r->application_id;
        if (sched_ask_visible(st, "pipeline", "GetApplication", &q.base,
                              &hrflow__v1__application__descriptor, "application",
                              r->application_id) < 0)
            return -1;
    }
    return 0;
}

HANDLER(scheduling_list_interviews)
{
    const Hrflow__V1__ListInterviewsRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (hf_store_open(call, &st) < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    int bad = 0;
    sched_state_t state;
    if (*r->state && sched_state_parse(r->state, &state) < 0)
        hf_call_detail(call, "state", "bad_format",
                       "waiting, scheduled, reminded, in_progress, completed, no_show, "
                       "cancelled, rescheduled or retrying"),
            bad = 1;
    if (*r->start_from && !sched_instant_valid(r->start_from))
        hf_call_detail(call, "start_from", "bad_format", "an RFC 3339 time"), bad = 1;
    if (*r->start_to && !sched_instant_valid(r->start_to))
        hf_call_detail(call, "start_to", "bad_format", "an RFC 3339 time"), bad = 1;
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the filters are invalid");
    if (query_refs(&st, r) < 0)
        return -1;
    Hrflow__V1__ListInterviewsResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListInterviewsResponse, hrflow__v1__list_interviews_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    store_interview_filter_t f = { r->job_id, r->application_id, r->state, r->start_from,
                                   r->start_to };
    int rc = store_interview_list(&st, &f, &page, &o->interviews, &o->n_interviews);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "interview", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

HANDLER(scheduling_get_interview)
{
    const Hrflow__V1__GetInterviewRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    Hrflow__V1__Interview *v = NULL;
    int rc = hf_uuid_valid(r->id) ? store_interview_get(&st, r->id, &v) : HF_ENOTFOUND;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "interview", r->id);
    if (sched_booking_link(&st, v) < 0)
        return hf_call_fail(call, E(INTERNAL), "cannot make the booking link");
    *reply = &v->base;
    return 0;
}

/* A slot refused for a move, as the caller sees it. */
static int slot_refused(hf_call_t *call, const char *why)
{
    static const struct {
        const char *code, *message;
    } words[] = {
        { "in_the_past", "the slot has begun or is over" },
        { "closed", "a holiday or blackout closes that time" },
        { "outside_working_hours", "outside the company's working hours" },
        { "not_a_slot", "no slot starts then: choose one of the listed free slots" },
        { "unchanged", "the interview is already at that time" },
        { "outside_window", "after the end of the booking window" },
    };
    if (!strcmp(why, "full"))
        return hf_call_fail(call, E(FAILED_PRECONDITION), "the slot is full");
    if (!strcmp(why, "no_free_slot"))
        return hf_call_fail(call, E(FAILED_PRECONDITION), "no free slot is left");
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (!strcmp(why, words[i].code)) {
            hf_call_detail(call, "start_time", why, words[i].message);
            return hf_call_fail(call, E(INVALID_ARGUMENT), "that time cannot be booked");
        }
    return hf_call_fail(call, E(INTERNAL), "the slot was refused");
}

int sched_apply_move(hf_store_t *st, const char *id, store_move_t *m,
                     Hrflow__V1__Interview **out)
{
    hf_call_t *call = st->call;
    const char *why = "";
    int rc = hf_uuid_valid(id) ? store_interview_move(st, id, m, out, &why) : HF_ENOTFOUND;
    if (rc == STORE_EREFUSED)
        return hf_call_fail(call, E(FAILED_PRECONDITION), "%s", why);
    if (rc == STORE_ESLOT)
        return slot_refused(call, why);
    if (rc != HF_OK)
        return hf_store_fail(st, rc, "interview", id);
    sched_count_move((*out)->state);
    if (m->to == SCHED_CANCELLED)
        sched_assign_tenant(st); /* its seat may be what someone waits for */
    return 0;
}

/* Apply a recruiter's move and answer with the interview. */
static int move(hf_call_t *call, const char *id, const char *reason, store_move_t *m,
                ProtobufCMessage **reply)
{
    hf_store_t st;
    if (hf_call_check_text(call, "reason", reason, (hf_text_rule_t){ HF_TEXT_LINES, 0, 500 }))
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the reason is invalid");
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require(&st, HF_SCOPE_RECRUITER, "move interviews") < 0)
        return -1;
    m->reason = reason;
    Hrflow__V1__Interview *v = NULL;
    if (sched_apply_move(&st, id, m, &v) < 0)
        return -1;
    *reply = &v->base;
    return 0;
}

HANDLER(scheduling_cancel_interview)
{
    const Hrflow__V1__CancelInterviewRequest *r = (const void *)req;
    store_move_t m = { .to = SCHED_CANCELLED, .expected_version = r->expected_version };
    return move(call, r->id, r->reason, &m, reply);
}

HANDLER(scheduling_reschedule_interview)
{
    const Hrflow__V1__RescheduleInterviewRequest *r = (const void *)req;
    char micros[24];
    store_move_t m = { .to = SCHED_RESCHEDULED, .expected_version = r->expected_version,
                       .notice_min = (int)sched_settings.notice_min };
    if (r->start_time) {
        snprintf(micros, sizeof(micros), "%lld",
                 (long long)r->start_time->seconds * 1000000 + r->start_time->nanos / 1000);
        m.start_time = micros;
    }
    return move(call, r->id, r->reason, &m, reply);
}
