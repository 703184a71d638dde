/* services/payroll/main.c - wiring of the payroll service (employees, contracts, attendance, payroll runs, tax)
 *
 * Only the method table lives here; hf_service_main() (common/src/service.c)
 * does configuration, connections, migrations, the bus worker and signals.
 * Each area's handlers are in <area>_handlers.c; Health comes from the
 * runtime.
 */
#include "hf/service.h"
#include "hrflow/v1/payroll.pb-c.h"
#include "attendance_handlers.h"
#include "employees_handlers.h"
#include "imports_handlers.h"
#include "reports_handlers.h"
#include "runs_handlers.h"
#include "runs_store.h"
#include "schemes_handlers.h"
#include "statutory_handlers.h"

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
    /* ---- statutory: tax calculators, city policies ---- */
    { "PreviewTax", payroll_preview_tax, HF_IDEMPOTENT },
    { "PreviewBonusTax", payroll_preview_bonus_tax, HF_IDEMPOTENT },
    { "PreviewContributions", payroll_preview_contributions, HF_IDEMPOTENT },
    { "ListCityPolicies", payroll_list_city_policies, HF_IDEMPOTENT },
    { "GetCityPolicy", payroll_get_city_policy, HF_IDEMPOTENT },
    { "CreateCityPolicy", payroll_create_city_policy, 0 },
    { "ListMinimumWages", payroll_list_minimum_wages, HF_IDEMPOTENT },
    { "GetMinimumWage", payroll_get_minimum_wage, HF_IDEMPOTENT },
    { "CreateMinimumWage", payroll_create_minimum_wage, 0 },
    /* ---- employees ---- */
    { "CreateEmployee", payroll_create_employee, 0 },
    { "GetEmployee", payroll_get_employee, HF_IDEMPOTENT },
    { "ListEmployees", payroll_list_employees, HF_IDEMPOTENT },
    { "UpdateEmployee", payroll_update_employee, 0 },
    { "ActivateEmployee", payroll_activate_employee, 0 },
    { "LeaveEmployee", payroll_leave_employee, 0 },
    { "RevealEmployee", payroll_reveal_employee, 0 },
    { "ListReveals", payroll_list_reveals, HF_IDEMPOTENT },
    { "SetCompensation", payroll_set_compensation, 0 },
    { "ListCompensations", payroll_list_compensations, HF_IDEMPOTENT },
    { "SetTaxProfile", payroll_set_tax_profile, 0 },
    { "ListTaxProfiles", payroll_list_tax_profiles, HF_IDEMPOTENT },
    { "CreateContract", payroll_create_contract, 0 },
    { "ListContracts", payroll_list_contracts, HF_IDEMPOTENT },
    { "CreatePositionChange", payroll_create_position_change, 0 },
    { "ListPositionChanges", payroll_list_position_changes, HF_IDEMPOTENT },
    { "GetEmployeeSettings", payroll_get_employee_settings, HF_IDEMPOTENT },
    { "UpdateEmployeeSettings", payroll_update_employee_settings, 0 },
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
    /* ---- schemes and performance ---- */
    { "ListPayInputs", payroll_list_pay_inputs, HF_IDEMPOTENT },
    { "CreatePayScheme", payroll_create_pay_scheme, 0 },
    { "ListPaySchemes", payroll_list_pay_schemes, HF_IDEMPOTENT },
    { "GetPayScheme", payroll_get_pay_scheme, HF_IDEMPOTENT },
    { "AddPaySchemeVersion", payroll_add_pay_scheme_version, 0 },
    { "PreviewPayScheme", payroll_preview_pay_scheme, HF_IDEMPOTENT },
    { "CreateReviewCycle", payroll_create_review_cycle, 0 },
    { "ListReviewCycles", payroll_list_review_cycles, HF_IDEMPOTENT },
    { "GetReviewCycle", payroll_get_review_cycle, HF_IDEMPOTENT },
    { "RecordReviewScores", payroll_record_review_scores, HF_IDEMPOTENT },
    { "ListReviewRatings", payroll_list_review_ratings, HF_IDEMPOTENT },
    /* ---- runs: payroll runs, payslips, the bank file, adjustments ---- */
    { "CreatePayrollRun", payroll_create_payroll_run, HF_IDEMPOTENT },
    { "CreateGroupPayrollRuns", payroll_create_group_payroll_runs, HF_IDEMPOTENT },
    { "ListPayrollRuns", payroll_list_payroll_runs, HF_IDEMPOTENT },
    { "GetPayrollRun", payroll_get_payroll_run, HF_IDEMPOTENT },
    { "CalculatePayrollRun", payroll_calculate_payroll_run, HF_IDEMPOTENT },
    { "ApprovePayrollRun", payroll_approve_payroll_run, 0 },
    { "PayPayrollRun", payroll_pay_payroll_run, 0 },
    { "DeletePayrollRun", payroll_delete_payroll_run, 0 },
    { "ListPayslips", payroll_list_payslips, HF_IDEMPOTENT },
    { "GetPayslip", payroll_get_payslip, HF_IDEMPOTENT },
    { "GetBankFile", payroll_get_bank_file, 0 },
    { "CreatePayrollAdjustment", payroll_create_payroll_adjustment, 0 },
    { "ListPayrollAdjustments", payroll_list_payroll_adjustments, HF_IDEMPOTENT },
    /* ---- reports: the ledger export, summary reports, the employee's payslip link ---- */
    { "GetPayrollLedger", payroll_get_payroll_ledger, HF_IDEMPOTENT },
    { "GetPayrollSummary", payroll_get_payroll_summary, HF_IDEMPOTENT },
    { "CreatePayslipLink", payroll_create_payslip_link, HF_IDEMPOTENT },
    { "GetEmployeePayslip", payroll_get_employee_payslip, HF_IDEMPOTENT },
    /* ---- imports ---- */
    { "ImportEmployees", payroll_import_employees, 0 },
    { "ImportContracts", payroll_import_contracts, 0 },
    { "ImportYtdOpenings", payroll_import_ytd_openings, 0 },
    { "ImportPunches", payroll_import_punches, 0 },
    { "GetYtdOpening", payroll_get_ytd_opening, HF_IDEMPOTENT },
    { "GetPayrollImport", payroll_get_payroll_import, HF_IDEMPOTENT },
    { "ListPayrollImports", payroll_list_payroll_imports, HF_IDEMPOTENT },
    { "ListPayrollImportProblems", payroll_list_payroll_import_problems, HF_IDEMPOTENT },
};

static const hf_config_var_t settings[] = {
    /* ---- runs ---- */
    PR_RUN_SETTINGS,
    /* ---- imports ---- */
    PR_IMPORT_SETTINGS,
};

static int payroll_init(void)
{
    return pr_employees_start() < 0 || pr_imports_start() < 0 ? -1 : pr_runs_start();
}

static void payroll_stop(void)
{
    pr_employees_stop();
}

HF_SERVICE_MAIN(payroll, hrflow__v1__payroll__descriptor, methods,
                .settings = settings, .n_settings = sizeof(settings) / sizeof(settings[0]), .pii = 1,
                .init = payroll_init, .stop = payroll_stop)
