/* services/payroll/imports_store.h - the SQL of the spreadsheet imports
 *
 * Set-based statements over whole files (one parameter per column, unnest),
 * on the caller's hf_store_t, inside the one transaction the handler opens
 * around a file: the look-ups a check needs (employees by number, ID numbers
 * by their blind index, contracts and opening figures already stored) and
 * the writes. Values arrive checked and, where personal or pay, sealed
 * (imports_handlers.c); nothing here sees a plaintext.
 */
#ifndef PR_IMPORTS_STORE_H
#define PR_IMPORTS_STORE_H

#include "hf/store.h"
#include "hrflow/v1/payroll.pb-c.h"

#include <stddef.h>

/* For each of the n employee numbers of company, the employee's id in
 * ids[i] (arena), or NULL when the company has none of that number (or
 * nos[i] is NULL). HF_OK, HF_EDB or HF_ENOMEM. */
int pr_import_employee_ids(hf_store_t *st, const char *company, const char *const *nos, size_t n,
                           const char **ids);

/* For each of the n blind indexes of ID numbers (NULL: none), who holds it
 * in the tenant: its company and employee number (arena) in owner_co[i] and
 * owner_no[i], or NULL when nobody does. */
int pr_import_id_owners(hf_store_t *st, const char *const *idx, size_t n, const char **owner_co,
                        const char **owner_no);

/* One new employee, every personal field already a token (NULL: none). */
typedef struct {
    const char *employee_no, *status, *name_enc, *id_type, *id_number_enc, *id_number_idx;
    const char *bank_account_enc, *phone_enc, *department, *position, *grade, *city, *hire_date;
    const char *pay_month;  /* "YYYY-MM-01" of the compensation, NULL: none */
    const char *pay_enc;    /* the compensation's sealed amounts */
} pr_import_employee_t;

/* Insert the n employees into company and the compensations of those that
 * have one, in one statement; a number the company has meanwhile is
 * skipped, with its compensation. HF_EEXISTS when an ID number was taken meanwhile (the
 * caller rolls back). */
int pr_import_employees(hf_store_t *st, const char *company, const pr_import_employee_t *rows,
                        size_t n);

/* For each contract (employee, type, start "YYYY-MM-DD"), 1 in exists[i]
 * when the employee has a contract of that type and start already. */
int pr_import_contracts_existing(hf_store_t *st, const char *const *employees,
                                 const char *const *types, const char *const *starts, size_t n,
                                 char *exists);

/* Insert the n contracts (employee, type, start, end and probation
 * "YYYY-MM-DD" or NULL) in one statement; the ids of those with an end into
 * ended (arena), *n_ended of them, for their expiry alerts. */
int pr_import_contracts(hf_store_t *st, const char *const *employees, const char *const *types,
                        const char *const *starts, const char *const *ends,
                        const char *const *probations, size_t n, const char ***ended,
                        size_t *n_ended);

/* Opening figures of one employee and tax year, sealed. */
typedef struct {
    const char *employee_id;
    int tax_year, through_month, months;
    const char *figures_enc;
} pr_import_ytd_t;

/* For each row, 1 in exists[i] when its employee and year have a row already. */
int pr_import_ytd_existing(hf_store_t *st, const pr_import_ytd_t *rows, size_t n, char *exists);

/* Insert or replace the n rows in one statement, as written by import_id. */
int pr_import_ytd(hf_store_t *st, const pr_import_ytd_t *rows, size_t n, const char *import_id);

/* Record an import in the log (kind, company, the caller as actor, its
 * counts): a new entry when *id is NULL (its id into *id, arena), else the
 * counts of entry *id. */
int pr_import_log(hf_store_t *st, const char *company, const char *kind, uint32_t rows,
                  uint32_t created, uint32_t existing, uint32_t replaced, const char **id);

/* The stored row of employee and year: its months and the sealed figures
 * opened (arena; NULL when the token does not open). HF_ENOTFOUND. */
int pr_ytd_get(hf_store_t *st, const char *employee_id, int tax_year, int *through_month,
               int *months, char **figures, Hrflow__V1__Timestamp **create_time);

#endif
