/* services/scheduling/handlers.h - the RPC methods of the scheduling service
 *
 * lines.c: line settings and closures; slots.c: the slots; interviews.c:
 * the interviews and their recruiter moves; job_settings.c: a job's
 * interview settings; handlers.c what they share.
 */
#ifndef SCHED_HANDLERS_H
#define SCHED_HANDLERS_H

#include "hf/bus.h"
#include "hf/store.h"
#include "store.h"

#define HANDLER(name) \
    int name(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)

HANDLER(scheduling_get_line_settings);
HANDLER(scheduling_update_line_settings);
HANDLER(scheduling_create_closure);
HANDLER(scheduling_list_closures);
HANDLER(scheduling_delete_closure);
HANDLER(scheduling_list_slots);
HANDLER(scheduling_list_interviews);
HANDLER(scheduling_get_interview);
HANDLER(scheduling_cancel_interview);
HANDLER(scheduling_reschedule_interview);
/* ---- booking (booking.c) ---- */
HANDLER(scheduling_get_interview_booking);
HANDLER(scheduling_list_booking_slots);
HANDLER(scheduling_book_interview);
HANDLER(scheduling_cancel_booking);
/* ---- calendar files (ics_files.c) ---- */
HANDLER(scheduling_get_interview_calendar);
HANDLER(scheduling_get_round_calendar);

/* Open the store of the tenant a booking token names and read its
 * interview into *b (st's arena), and the link's end (Unix seconds, the
 * one the token carries) into *expiry when not NULL: 0; or -1 after failing the call: NOT_FOUND (the same
 * for a forged token and a made-up one), GONE for an expired one. */
int sched_booking_open(hf_call_t *call, const char *token, hf_store_t *st, store_booking_t **b,
                       int64_t *expiry);

/* Fill v's booking_token and booking_expire_time (booking.c): 0, or -1
 * when the token cannot be made. */
int sched_booking_link(hf_store_t *st, Hrflow__V1__Interview *v);

/* Apply move m to interview id (store_interview_move) and answer for it:
 * 0 with *out; or -1 after failing the call: 409 with the lifecycle's
 * sentence, 422 at start_time with the slot's refusal (409 for a full
 * one), 404 for an id the store cannot see. Counts the move and, for a
 * cancel, wakes the assigner (interviews.c). */
int sched_apply_move(hf_store_t *st, const char *id, store_move_t *m,
                     Hrflow__V1__Interview **out);

/* Check a request's range of days (from_day "" or "YYYY-MM-DD", days
 * 0..31): 0, or -1 after failing the call with the fields (slots.c). */
int sched_days_check(hf_call_t *call, const char *from_day, uint32_t days);
/* ---- reminders (job_settings.c) ---- */
HANDLER(scheduling_get_job_interview_settings);
HANDLER(scheduling_update_job_interview_settings);
/* engine.c: call engines */
HANDLER(scheduling_claim_calls);
HANDLER(scheduling_renew_call_lease);
HANDLER(scheduling_get_call_questions);
HANDLER(scheduling_report_call);

/* A company of the tenant the caller acts for, named by a request: asked
 * of identity as the caller. Returns 0 when it is one; else fails the call
 * and returns -1: named in the path or query (field NULL), NOT_FOUND
 * "company <id> not found", as for an id that names nothing; named in the
 * body, INVALID_ARGUMENT with a not_found detail at field; UNAVAILABLE when
 * identity cannot answer. */
int sched_company_check(hf_store_t *st, const char *id, const char *field);

/* A record another service owns (pipeline's job or application), named in
 * the query: asked of its owner as the caller; NOT_FOUND "<what> <id> not
 * found" when the caller cannot see it. Returns 0, or -1 after failing the
 * call. */
int sched_ask_visible(hf_store_t *st, const char *service, const char *method,
                      const ProtobufCMessage *q, const ProtobufCMessageDescriptor *reply_desc,
                      const char *what, const char *id);
/* The same, with the record into *got (in the call's arena). */
int sched_ask_record(hf_store_t *st, const char *service, const char *method,
                     const ProtobufCMessage *q, const ProtobufCMessageDescriptor *reply_desc,
                     const char *what, const char *id, ProtobufCMessage **got);

#endif
