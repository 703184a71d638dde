/* services/payroll/reports_store.h - outputs of calculated runs: the ledger export, summary reports, the employee's payslip (reports_store.c)
 *
 * Payslips are sealed (runs_store.c): these read them through a cursor, a
 * few thousand at a time, open and aggregate each in C and keep only the
 * sums. Every function filters by st's tenant and company wall.
 */
#ifndef PAYROLL_REPORTS_STORE_H
#define PAYROLL_REPORTS_STORE_H

#include "hf/store.h"
#include "hrflow/v1/payroll.pb-c.h"

typedef enum { PR_LEDGER_CSV, PR_LEDGER_XLSX } pr_ledger_format_t;
typedef enum { PR_BY_COMPANY, PR_BY_DEPARTMENT, PR_BY_CITY } pr_summary_by_t;

/* The ledger of run id (calculated, approved or paid) as a file in
 * *data (the caller free()s it) of *len bytes; *month is the run's
 * ("YYYY-MM", arena). HF_ENOTFOUND: no such run the caller sees;
 * HF_ECONFLICT with *why: a draft. */
int pr_ledger(hf_store_t *st, const char *id, pr_ledger_format_t format, unsigned char **data,
              size_t *len, const char **month, const char **why);

/* The month's summary ("YYYY-MM-01") by company, department or city of
 * the runs calculated, approved or paid of company ("" = every company the
 * caller acts for), into out (its rows and total in the arena). */
int pr_summary(hf_store_t *st, const char *month, pr_summary_by_t by, const char *company,
               Hrflow__V1__PayrollSummary *out);

/* Employee's payslip of run id with its lines, name, department, ID number
 * and bank account masked; HF_ENOTFOUND when either is not there or the run
 * is not approved or paid. */
int pr_employee_payslip(hf_store_t *st, const char *id, const char *employee,
                        Hrflow__V1__EmployeePayslip **out);

#endif
