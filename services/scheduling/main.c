/* services/scheduling/main.c - wiring of the scheduling service (interview capacity, slots, bookings, reminders)
 *
 * The method table, the service's own settings, and what starts with it:
 * the consumer of the pipeline's invitations, the assigner, the slot
 * sweep and the interviews' timers (loops.h). hf_service_main()
 * (common/src/service.c) does configuration, connections, migrations, the
 * keyring (HF_PII_KEYS: interviewers' names and emails, and the page tokens
 * of its lists), the bus worker and signals. The human interview rounds are rounds_handlers.c.
 */
#include "handlers.h"
#include "loops.h"
#include "rounds_handlers.h"
#include "settings.h"

#include "hf/log.h"
#include "hf/service.h"
#include "hrflow/v1/scheduling.pb-c.h"

sched_settings_t sched_settings;

static const hf_config_var_t settings[] = {
    { "HF_SCHEDULING_NOTICE_MIN", HF_CONFIG_INT, "60", 0, 1440,
      "minutes from an invitation to the earliest slot it is placed in",
      &sched_settings.notice_min },
    { "HF_SCHEDULING_HORIZON_DAYS", HF_CONFIG_INT, "28", 7, 90,
      "days ahead that AI-interview slots are made for (more than any invitation window)",
      &sched_settings.horizon_days },
    { "HF_SCHEDULING_ASSIGN_S", HF_CONFIG_INT, "30", 1, 3600,
      "seconds between passes that place invitations still waiting for a slot",
      &sched_settings.assign_s },
    { "HF_SCHEDULING_SLOTS_S", HF_CONFIG_INT, "600", 1, 86400,
      "seconds between sweeps that keep every tenant's slots the horizon ahead",
      &sched_settings.slots_s },
    { "HF_SCHEDULING_BOOKING_DAYS", HF_CONFIG_INT, "14", 1, 90,
      "days from an invitation that the candidate's booking link works; slots start before",
      &sched_settings.booking_days },
    { "HF_SCHEDULING_ICS_DOMAIN", HF_CONFIG_STRING, "hrflow.local", 0, 0,
      "host name after the @ of calendar files' UIDs (keep it: a calendar matches by UID)",
      &sched_settings.ics_domain },
    { "HF_SCHEDULING_ICS_ORGANIZER", HF_CONFIG_STRING, "interviews@hrflow.local", 0, 0,
      "the ORGANIZER address of calendar files (the sender of invitations)",
      &sched_settings.ics_organizer },
    { "HF_SCHEDULING_ICS_NAME", HF_CONFIG_STRING, "HR", 0, 0,
      "the organizer's name in calendar files (their SUMMARY)", &sched_settings.ics_name },
    { "HF_SCHEDULING_LEASES_S", HF_CONFIG_INT, "5", 1, 3600,
      "seconds between sweeps that put back the interviews of call leases that lapsed",
      &sched_settings.leases_s },
};

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
    { "GetLineSettings", scheduling_get_line_settings, HF_IDEMPOTENT },
    { "UpdateLineSettings", scheduling_update_line_settings, 0 },
    { "CreateClosure", scheduling_create_closure, 0 },
    { "ListClosures", scheduling_list_closures, HF_IDEMPOTENT },
    { "DeleteClosure", scheduling_delete_closure, 0 },
    { "ListSlots", scheduling_list_slots, HF_IDEMPOTENT },
    { "ListInterviews", scheduling_list_interviews, HF_IDEMPOTENT },
    { "GetInterview", scheduling_get_interview, HF_IDEMPOTENT },
    { "CancelInterview", scheduling_cancel_interview, 0 },
    { "RescheduleInterview", scheduling_reschedule_interview, 0 },
    /* ---- booking ---- */
    { "GetInterviewBooking", scheduling_get_interview_booking, HF_IDEMPOTENT },
    { "ListBookingSlots", scheduling_list_booking_slots, HF_IDEMPOTENT },
    { "BookInterview", scheduling_book_interview, 0 },
    { "CancelBooking", scheduling_cancel_booking, 0 },
    { "GetInterviewCalendar", scheduling_get_interview_calendar, HF_IDEMPOTENT },
    { "GetRoundCalendar", scheduling_get_round_calendar, HF_IDEMPOTENT },
    /* ---- reminders ---- */
    { "GetJobInterviewSettings", scheduling_get_job_interview_settings, HF_IDEMPOTENT },
    { "UpdateJobInterviewSettings", scheduling_update_job_interview_settings, 0 },
    /* ---- engine ---- */
    { "ClaimCalls", scheduling_claim_calls, 0 },
    { "RenewCallLease", scheduling_renew_call_lease, 0 },
    { "GetCallQuestions", scheduling_get_call_questions, HF_IDEMPOTENT },
    { "ReportCall", scheduling_report_call, HF_IDEMPOTENT },
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

static int scheduling_init(void)
{
    if (sched_assign_start() < 0 || sched_slots_start() < 0 || sched_reminders_start() < 0 ||
        sched_engine_start() < 0) {
        hf_error("cannot start the scheduling service's background loops");
        return -1;
    }
    return 0;
}

static void scheduling_stop(void)
{
    sched_assign_free();
    sched_reminders_free();
}

HF_SERVICE_MAIN(scheduling, hrflow__v1__scheduling__descriptor, methods,
                .settings = settings, .n_settings = sizeof(settings) / sizeof(settings[0]),
                .pii = 1, .init = scheduling_init, .stop = scheduling_stop)
