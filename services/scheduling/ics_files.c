/* services/scheduling/ics_files.c - interviews and rounds as calendar files (RFC 5545)
 *
 * The bus methods behind the .ics downloads and behind mail attachments:
 * GetInterviewCalendar (an AI interview, for a recruiter by id or for the
 * candidate by booking token) and GetRoundCalendar (a human round). ics.c
 * writes the file; this file says what goes in it:
 * - the UID is the interview's id (a round's: its first version's, since a
 *   reschedule makes a new round), so a calendar replaces what it holds;
 * - SEQUENCE is the number of reschedules, one more once cancelled (a
 *   cancel must outrank the booking it calls off, RFC 5546 2.1.4);
 * - the method is PUBLISH for a download (no attendee: a file fetched by
 *   link never holds the candidate's address), REQUEST for the invitation a
 *   mailer sends with the address it has (this service has none), CANCEL
 *   whenever the interview or round is cancelled;
 * - times in the company's zone, with its VTIMEZONE.
 * The reply carries the bytes, the content type with its method, and a
 * file name: the gateway serves them as they are (gw_route_t.download).
 */
#include "handlers.h"
#include "ics.h"
#include "rounds_store.h"
#include "settings.h"
#include "store.h"

#include "hf/log.h"
#include "hf/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

/* What the caller asks of a file, the same for both methods. */
typedef struct {
    const char *method, *lang, *attendee_email, *attendee_name;
} options_t;

/* The options into ev, or -1 after failing the call. */
static int read_options(hf_call_t *call, const options_t *o, sd_ics_event_t *ev)
{
    int bad = 0;
    if (!*o->method || !strcmp(o->method, "publish"))
        ev->method = SD_ICS_PUBLISH;
    else if (!strcmp(o->method, "request"))
        ev->method = SD_ICS_REQUEST;
    else
        hf_call_detail(call, "method", "bad_format", "\"publish\" or \"request\""), bad = 1;
    if (!*o->lang || !strcmp(o->lang, "zh-CN"))
        ev->lang = SD_ICS_ZH_CN;
    else if (!strcmp(o->lang, "en"))
        ev->lang = SD_ICS_EN;
    else
        hf_call_detail(call, "lang", "bad_format", "\"zh-CN\" or \"en\""), bad = 1;
    if (ev->method == SD_ICS_REQUEST && !*o->attendee_email)
        hf_call_detail(call, "attendee_email", "required", "whom the invitation is for"), bad = 1;
    if (ev->method == SD_ICS_PUBLISH && (*o->attendee_email || *o->attendee_name))
        hf_call_detail(call, "attendee_email", "not_allowed",
                       "a download names no attendee; use method \"request\""),
            bad = 1;
    ev->attendee_email = o->attendee_email;
    ev->attendee_name = o->attendee_name;
    return bad ? hf_call_fail(call, E(INVALID_ARGUMENT), "the calendar request is invalid") : 0;
}

static int64_t micros_of(const Hrflow__V1__Timestamp *t)
{
    return t ? t->seconds * 1000000 + t->nanos / 1000 : 0;
}

/* Write ev (its own fields filled; the organizer's here) as the reply,
 * named <what>-<id>.ics. */
static int file_reply(hf_store_t *st, sd_ics_event_t *ev, const char *what,
                      ProtobufCMessage **reply)
{
    hf_call_t *call = st->call;
    ev->uid_domain = sched_settings.ics_domain;
    ev->company_name = sched_settings.ics_name;
    ev->organizer_email = sched_settings.ics_organizer;
    char *text = NULL;
    size_t len = 0;
    sd_ics_problem_t problem = { 0 };
    int rc = sd_ics_write(ev, &text, &len, &problem);
    if (rc == SD_ICS_EINVAL && problem.field && !strncmp(problem.field, "attendee_", 9)) {
        hf_call_detail(call, problem.field, "bad_format", problem.message);
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the attendee is invalid");
    }
    if (rc != SD_ICS_OK) {
        hf_error("cannot write the calendar file of %s %s: %s (%s)", what, ev->interview_id,
                 sd_ics_strerror(rc), problem.field ? problem.field : "");
        return hf_call_fail(call, E(INTERNAL), "cannot write the calendar file");
    }
    Hrflow__V1__InterviewCalendar *o = HF_CALL_NEW(call, Hrflow__V1__InterviewCalendar,
                                                   hrflow__v1__interview_calendar__init);
    char *data = hf_store_alloc(st, len ? len : 1);
    char *ct = hf_store_alloc(st, 64), *name = hf_store_alloc(st, 80);
    if (!o || !data || !ct || !name) {
        free(text);
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    }
    memcpy(data, text, len);
    free(text);
    const char *method = sd_ics_method_name(ev->method);
    snprintf(ct, 64, "text/calendar; charset=utf-8; method=%s", method);
    snprintf(name, 80, "%s-%s.ics", what, ev->interview_id);
    o->data = (ProtobufCBinaryData){ len, (uint8_t *)data };
    o->content_type = ct;
    o->filename = name;
    o->method = (char *)method;
    *reply = &o->base;
    return 0;
}

/* The file of an AI interview: b from the store or the link. */
static int interview_file(hf_store_t *st, const store_booking_t *b, sd_ics_event_t *ev,
                          ProtobufCMessage **reply)
{
    const Hrflow__V1__Interview *v = b->interview;
    if (!v->start_time)
        return hf_call_fail(st->call, E(FAILED_PRECONDITION),
                            "the interview has no slot yet: no calendar file");
    if (!strcmp(v->state, "cancelled"))
        ev->method = SD_ICS_CANCEL;
    ev->kind = SD_ICS_AI_CALL;
    ev->interview_id = v->id;
    ev->sequence = (int64_t)v->sequence + (ev->method == SD_ICS_CANCEL);
    ev->start_us = micros_of(v->start_time);
    ev->end_us = micros_of(v->end_time);
    ev->zone = b->time_zone;
    ev->now_us = micros_of(v->update_time); /* the same version, the same bytes */
    return file_reply(st, ev, "interview", reply);
}

HANDLER(scheduling_get_interview_calendar)
{
    const Hrflow__V1__GetInterviewCalendarRequest *r = (const void *)req;
    sd_ics_event_t ev = { 0 };
    const options_t o = { r->method, r->lang, r->attendee_email, r->attendee_name };
    if (read_options(call, &o, &ev) < 0)
        return -1;
    if (*r->id && *r->token) {
        hf_call_detail(call, "token", "not_allowed", "either the id or the token");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the calendar request is invalid");
    }
    hf_store_t st;
    store_booking_t *b = NULL;
    if (*r->token)
        return sched_booking_open(call, r->token, &st, &b, NULL) < 0 ? -1
                                                                : interview_file(&st, b, &ev,
                                                                                 reply);
    if (hf_store_open(call, &st) < 0)
        return -1;
    /* the caller's wall first: another company's interview is a made-up id */
    Hrflow__V1__Interview *seen = NULL;
    int rc = hf_uuid_valid(r->id) ? store_interview_get(&st, r->id, &seen) : HF_ENOTFOUND;
    if (rc == HF_OK)
        rc = store_booking_get(&st, r->id, &b);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "interview", r->id);
    return interview_file(&st, b, &ev, reply);
}

HANDLER(scheduling_get_round_calendar)
{
    const Hrflow__V1__GetRoundCalendarRequest *r = (const void *)req;
    sd_ics_event_t ev = { 0 };
    const options_t o = { r->method, r->lang, r->attendee_email, r->attendee_name };
    if (read_options(call, &o, &ev) < 0)
        return -1;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    Hrflow__V1__Round *asked = NULL, *latest = NULL;
    rounds_chain_t *chain = NULL;
    int rc = hf_uuid_valid(r->id) ? rounds_round_get(&st, r->id, &asked) : HF_ENOTFOUND;
    if (rc == HF_OK && !hf_store_sees_company(&st, asked->company_id))
        rc = HF_ENOTFOUND;
    if (rc == HF_OK)
        rc = rounds_round_chain(&st, r->id, &chain);
    if (rc == HF_OK)
        rc = rounds_round_get(&st, chain->latest, &latest);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "round", r->id);
    int en = ev.lang == SD_ICS_EN;
    if (!strcmp(latest->status, "cancelled"))
        ev.method = SD_ICS_CANCEL;
    ev.kind = SD_ICS_ROUND;
    ev.round_name = !strcmp(latest->kind, "final") ? (en ? "Final interview" : "终面")
                                                   : (en ? "HR interview" : "HR 面试");
    ev.interview_id = chain->first;
    ev.sequence = chain->reschedules + (ev.method == SD_ICS_CANCEL);
    ev.start_us = micros_of(latest->start_time);
    ev.end_us = micros_of(latest->end_time);
    ev.zone = chain->time_zone;
    ev.now_us = micros_of(latest->update_time);
    return file_reply(&st, &ev, "round", reply);
}
