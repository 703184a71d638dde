/* services/payroll/employees_handlers.h - the RPC methods of the employee archive (employees_handlers.c) */
#ifndef PR_EMPLOYEES_HANDLERS_H
#define PR_EMPLOYEES_HANDLERS_H

#include "hf/bus.h"
#include "hf/store.h"

#define PR_HANDLER(name) \
    int name(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)

/* A company of the group (asked of identity as the caller) the caller acts
 * for: 0; 1 after a detail at field (required, bad_format, not_found); -1
 * after failing the call (identity unavailable). The imports use it too. */
int pr_company_bad(hf_store_t *st, const char *company, const char *field);

PR_HANDLER(payroll_create_employee);
PR_HANDLER(payroll_get_employee);
PR_HANDLER(payroll_list_employees);
PR_HANDLER(payroll_update_employee);
PR_HANDLER(payroll_activate_employee);
PR_HANDLER(payroll_leave_employee);
PR_HANDLER(payroll_reveal_employee);
PR_HANDLER(payroll_list_reveals);
PR_HANDLER(payroll_set_compensation);
PR_HANDLER(payroll_list_compensations);
PR_HANDLER(payroll_set_tax_profile);
PR_HANDLER(payroll_list_tax_profiles);
PR_HANDLER(payroll_create_contract);
PR_HANDLER(payroll_list_contracts);
PR_HANDLER(payroll_create_position_change);
PR_HANDLER(payroll_list_position_changes);
PR_HANDLER(payroll_get_employee_settings);
PR_HANDLER(payroll_update_employee_settings);

/* Start the onboarding consumer (application.hired → a draft employee) and
 * the timers of contract alerts and future position changes; 0 or -1. */
int pr_employees_start(void);
void pr_employees_stop(void);

#endif
