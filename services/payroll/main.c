/* services/payroll/main.c - wiring of the payroll service (employees, contracts, attendance, payroll runs, tax)
 *
 * Only the method table lives here; hf_service_main() (common/src/service.c)
 * does configuration, connections, migrations, the bus worker and signals.
 * Handlers are added to handlers.c as the service grows; Health comes from
 * the runtime.
 */
#include "attendance_handlers.h"
#include "hf/service.h"
#include "hrflow/v1/payroll.pb-c.h"

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
    /* ---- attendance ---- */
    { "GetWorkCalendar", payroll_get_work_calendar, HF_IDEMPOTENT },
    { "SetWorkCalendarYear", payroll_set_work_calendar_year, HF_IDEMPOTENT },
    { "GetAttendanceSettings", payroll_get_attendance_settings, HF_IDEMPOTENT },
    { "UpdateAttendanceSettings", payroll_update_attendance_settings, HF_IDEMPOTENT },
    { "CreateShift", payroll_create_shift, 0 },
    { "GetShift", payroll_get_shift, HF_IDEMPOTENT },
    { "ListShifts", payroll_list_shifts, HF_IDEMPOTENT },
    { "AssignShift", payroll_assign_shift, HF_IDEMPOTENT },
    { "RecordPunches", payroll_record_punches, HF_IDEMPOTENT },
    { "ListLeaveTypes", payroll_list_leave_types, HF_IDEMPOTENT },
    { "SaveLeaveType", payroll_save_leave_type, HF_IDEMPOTENT },
    { "GrantLeave", payroll_grant_leave, 0 },
    { "ListLeaveBalances", payroll_list_leave_balances, HF_IDEMPOTENT },
    { "SubmitLeaveRequest", payroll_submit_leave_request, 0 },
    { "GetLeaveRequest", payroll_get_leave_request, HF_IDEMPOTENT },
    { "ListLeaveRequests", payroll_list_leave_requests, HF_IDEMPOTENT },
    { "ApproveLeaveRequest", payroll_approve_leave_request, 0 },
    { "RejectLeaveRequest", payroll_reject_leave_request, 0 },
    { "CancelLeaveRequest", payroll_cancel_leave_request, 0 },
    { "ComputeAttendance", payroll_compute_attendance, HF_IDEMPOTENT },
    { "ListAttendanceMonths", payroll_list_attendance_months, HF_IDEMPOTENT },
    { "ListAttendanceDays", payroll_list_attendance_days, HF_IDEMPOTENT },
};

HF_SERVICE_MAIN(payroll, hrflow__v1__payroll__descriptor, methods, .pii = 1)
