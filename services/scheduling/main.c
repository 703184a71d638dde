/* services/scheduling/main.c - wiring of the scheduling service (interview capacity, slots, bookings, reminders)
 *
 * Only the method table lives here; hf_service_main() (common/src/service.c)
 * does configuration, connections, migrations, the personal-data keyring
 * (HF_PII_KEYS: interviewers' names and emails, and the page tokens of the
 * lists), the bus worker and signals. Health comes from the runtime; the
 * human interview rounds are rounds_handlers.c.
 */
#include "rounds_handlers.h"

#include "hf/service.h"
#include "hrflow/v1/scheduling.pb-c.h"

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
    /* ---- rounds ---- */
    { "CreateInterviewer", rounds_create_interviewer, 0 },
    { "GetInterviewer", rounds_get_interviewer, HF_IDEMPOTENT },
    { "ListInterviewers", rounds_list_interviewers, HF_IDEMPOTENT },
    { "UpdateInterviewer", rounds_update_interviewer, 0 },
    { "AddBusyBlock", rounds_add_busy_block, 0 },
    { "ListBusyBlocks", rounds_list_busy_blocks, HF_IDEMPOTENT },
    { "RemoveBusyBlock", rounds_remove_busy_block, 0 },
    { "SuggestRoundSlots", rounds_suggest_slots, HF_IDEMPOTENT },
    { "ScheduleRound", rounds_schedule_round, 0 },
    { "GetRound", rounds_get_round, HF_IDEMPOTENT },
    { "ListRounds", rounds_list_rounds, HF_IDEMPOTENT },
    { "CompleteRound", rounds_complete_round, 0 },
    { "MarkRoundNoShow", rounds_mark_no_show, 0 },
    { "CancelRound", rounds_cancel_round, 0 },
    { "RescheduleRound", rounds_reschedule_round, 0 },
};

HF_SERVICE_MAIN(scheduling, hrflow__v1__scheduling__descriptor, methods, .pii = 1)
