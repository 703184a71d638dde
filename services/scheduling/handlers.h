/* services/scheduling/handlers.h - the RPC methods of the scheduling service
 *
 * lines.c: line settings and closures; slots.c: the slots; interviews.c:
 * the interviews and their recruiter moves; handlers.c what they share.
 */
#ifndef SCHED_HANDLERS_H
#define SCHED_HANDLERS_H

#include "hf/bus.h"
#include "hf/store.h"

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

#endif
