/* services/payroll/runs_handlers.h - the RPC methods of payroll runs (runs_handlers.c) */
#ifndef PAYROLL_RUNS_HANDLERS_H
#define PAYROLL_RUNS_HANDLERS_H

#include "schemes_handlers.h"

PR_HANDLER(payroll_create_payroll_run);
PR_HANDLER(payroll_create_group_payroll_runs);
PR_HANDLER(payroll_list_payroll_runs);
PR_HANDLER(payroll_get_payroll_run);
PR_HANDLER(payroll_calculate_payroll_run);
PR_HANDLER(payroll_approve_payroll_run);
PR_HANDLER(payroll_pay_payroll_run);
PR_HANDLER(payroll_delete_payroll_run);
PR_HANDLER(payroll_list_payslips);
PR_HANDLER(payroll_get_payslip);
PR_HANDLER(payroll_get_bank_file);
PR_HANDLER(payroll_create_payroll_adjustment);
PR_HANDLER(payroll_list_payroll_adjustments);

#endif
