/* services/payroll/attendance_handlers.h - the RPC methods of attendance (attendance_handlers.c) */
#ifndef PAYROLL_ATTENDANCE_HANDLERS_H
#define PAYROLL_ATTENDANCE_HANDLERS_H

#include "hf/bus.h"

#define ATT_HANDLER(name) \
    int name(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)

ATT_HANDLER(payroll_get_work_calendar);
ATT_HANDLER(payroll_set_work_calendar_year);
ATT_HANDLER(payroll_get_attendance_settings);
ATT_HANDLER(payroll_update_attendance_settings);
ATT_HANDLER(payroll_create_shift);
ATT_HANDLER(payroll_get_shift);
ATT_HANDLER(payroll_list_shifts);
ATT_HANDLER(payroll_assign_shift);
ATT_HANDLER(payroll_record_punches);
ATT_HANDLER(payroll_list_leave_types);
ATT_HANDLER(payroll_save_leave_type);
ATT_HANDLER(payroll_grant_leave);
ATT_HANDLER(payroll_list_leave_balances);
ATT_HANDLER(payroll_submit_leave_request);
ATT_HANDLER(payroll_get_leave_request);
ATT_HANDLER(payroll_list_leave_requests);
ATT_HANDLER(payroll_approve_leave_request);
ATT_HANDLER(payroll_reject_leave_request);
ATT_HANDLER(payroll_cancel_leave_request);
ATT_HANDLER(payroll_compute_attendance);
ATT_HANDLER(payroll_list_attendance_months);
ATT_HANDLER(payroll_list_attendance_days);

#endif
