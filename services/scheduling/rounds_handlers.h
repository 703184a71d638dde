/* services/scheduling/rounds_handlers.h - the RPC methods of interview rounds (rounds_handlers.c) */
#ifndef SCHEDULING_ROUNDS_HANDLERS_H
#define SCHEDULING_ROUNDS_HANDLERS_H

#include "hf/bus.h"

#define ROUNDS_HANDLER(name) \
    int name(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)

ROUNDS_HANDLER(rounds_create_interviewer);
ROUNDS_HANDLER(rounds_get_interviewer);
ROUNDS_HANDLER(rounds_list_interviewers);
ROUNDS_HANDLER(rounds_update_interviewer);
ROUNDS_HANDLER(rounds_add_busy_block);
ROUNDS_HANDLER(rounds_list_busy_blocks);
ROUNDS_HANDLER(rounds_remove_busy_block);
ROUNDS_HANDLER(rounds_suggest_slots);
ROUNDS_HANDLER(rounds_schedule_round);
ROUNDS_HANDLER(rounds_get_round);
ROUNDS_HANDLER(rounds_list_rounds);
ROUNDS_HANDLER(rounds_complete_round);
ROUNDS_HANDLER(rounds_mark_no_show);
ROUNDS_HANDLER(rounds_cancel_round);
ROUNDS_HANDLER(rounds_reschedule_round);

#endif
