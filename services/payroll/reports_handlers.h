/* services/payroll/reports_handlers.h - the RPC methods of payroll reports (reports_handlers.c) */
#ifndef PAYROLL_REPORTS_HANDLERS_H
#define PAYROLL_REPORTS_HANDLERS_H

#include "schemes_handlers.h"

PR_HANDLER(payroll_get_payroll_ledger);
PR_HANDLER(payroll_get_payroll_summary);
PR_HANDLER(payroll_create_payslip_link);
PR_HANDLER(payroll_get_employee_payslip);

#endif
