/* services/payroll/employees_store.h - the SQL of the employee archive
 *
 * Every statement of employees, their reveals, compensation, tax profiles,
 * contracts and position changes, on the caller's hf_store_t (hf/store.h).
 * Records come back as messages in the API's form with the ID number and
 * bank account already masked: their values leave the store only through
 * pr_employee_reveal, which writes the audit entry in the same transaction.
 * Handlers have checked what they pass (employee_fields.h, money.h).
 */
#ifndef PR_EMPLOYEES_STORE_H
#define PR_EMPLOYEES_STORE_H

#include "hf/store.h"
#include "hf/timer.h"
#include "hrflow/v1/payroll.pb-c.h"
#include "money.h"

#define PR_TIMER_CONTRACT "payroll.contract_expiry"
#define PR_TIMER_POSITION "payroll.position_change"

/* The special additional deductions a tax profile may hold, in this order. */
#define PR_DEDUCTION_KINDS 6
extern const char *const pr_deduction_kinds[PR_DEDUCTION_KINDS];

/* A change of an employee's own fields: NULL leaves one as it is. id_number
 * and bank_account in their canonical forms (employee_fields.h); hire_date
 * "YYYY-MM-DD". The position fields are set by a create only (later, by
 * position changes). */
typedef struct {
    const char *employee_no, *name, *id_type, *id_number, *bank_account, *phone, *hire_date;
    const char *department, *position, *grade, *city;
} pr_employee_patch_t;

/* A new employee (company_id, status, and the patch's fields; name and
 * employee_no given). *out as stored (masked). HF_EEXISTS with *taken
 * "employee_no" or "id_number" when the company has that number or the
 * tenant that ID number already. */
int pr_employee_create(hf_store_t *st, const char *company_id, const char *status,
                       const pr_employee_patch_t *p, Hrflow__V1__Employee **out,
                       const char **taken);

/* The employee (masked); HF_ENOTFOUND. */
int pr_employee_get(hf_store_t *st, const char *id, Hrflow__V1__Employee **out);

/* A page of the caller's companies' employees in creation order, filtered
 * by company, status and department when not "". */
int pr_employee_list(hf_store_t *st, const char *company, const char *status,
                     const char *department, hf_page_t *page, Hrflow__V1__Employee ***out,
                     size_t *n);

/* Apply p to employee e (as read) when it is still at e->version (else
 * HF_ECONFLICT); HF_EEXISTS (*taken) as for create. */
int pr_employee_update(hf_store_t *st, const Hrflow__V1__Employee *e,
                       const pr_employee_patch_t *p, Hrflow__V1__Employee **out,
                       const char **taken);

/* Move the employee at version to status (active: hire_date set when
 * given; left: leave_date and reason). HF_ECONFLICT when it changed. */
int pr_employee_set_status(hf_store_t *st, const char *id, int64_t version, const char *status,
                           const char *date, const char *reason, Hrflow__V1__Employee **out);

/* The unmasked ID number and/or bank account (want_* 1) of employee e, in
 * the arena ("" when none is recorded), with the audit entry (the caller's
 * actor, the fields' names, reason) written first, in one transaction:
 * no entry, no values. */
int pr_employee_reveal(hf_store_t *st, const Hrflow__V1__Employee *e, int want_id,
                       int want_bank, const char *reason, char **id_number, char **bank_account,
                       char **reveal_id);

/* A page of reveal entries of the caller's companies, of one employee when
 * employee_id is not "". */
int pr_reveal_list(hf_store_t *st, const char *employee_id, hf_page_t *page,
                   Hrflow__V1__Reveal ***out, size_t *n);

/* Record the pay of employee_id from month ("YYYY-MM-01"): base and the n
 * allowances (names and amounts), sealed; the same month again replaces
 * it. *out as stored. */
int pr_compensation_set(hf_store_t *st, const char *employee_id, const char *month, pr_fen_t base,
                        char *const *names, const pr_fen_t *amounts, size_t n,
                        Hrflow__V1__Compensation **out);
/* The histories of an employee, as messages in the arena: *out an array
 * of *n Compensation, TaxProfile, Contract or PositionChange pointers (the
 * repeated field of the list's answer). HF_OK or HF_EDB. */
typedef int (*pr_history_fn)(hf_store_t *st, const char *employee_id, void ***out, size_t *n);

/* Every compensation of the employee, newest month first. */
int pr_compensation_list(hf_store_t *st, const char *employee_id, void ***out, size_t *n);

/* Record the tax profile from month: residency, bonus_tax and the monthly
 * amounts of the deductions by kind (pr_deduction_kinds order; 0 = none). */
int pr_tax_profile_set(hf_store_t *st, const char *employee_id, const char *month,
                       const char *residency, const char *bonus_tax,
                       const pr_fen_t deductions[PR_DEDUCTION_KINDS], Hrflow__V1__TaxProfile **out);
/* Every tax profile of the employee, newest month first. */
int pr_tax_profile_list(hf_store_t *st, const char *employee_id, void ***out, size_t *n);

/* A new contract of the employee (dates "YYYY-MM-DD", end and probation ""
 * for none; previous "" or a contract of the same employee), and the timer
 * of its expiry alert when it has an end. HF_EEXISTS when previous was
 * renewed already, HF_ENOTFOUND when previous is not the employee's. */
int pr_contract_create(hf_store_t *st, const char *employee_id, const char *type,
                       const char *start, const char *end, const char *probation,
                       const char *previous, Hrflow__V1__Contract **out);
/* Arm the expiry alert of contract id (one with an end: the tenant's alert
 * days before it, 09:00 in Asia/Shanghai); nothing for one without.
 * HF_OK or HF_EDB. The imports call it for the contracts they insert. */
int pr_contract_timer(hf_store_t *st, const char *id);

/* Every contract of the employee, the latest start first. */
int pr_contract_list(hf_store_t *st, const char *employee_id, void ***out, size_t *n);

/* A new position change of the employee from date (fields NULL or "" for
 * unchanged), applied at once when date is today or earlier
 * (payroll.today()), else by its timer on that day. */
int pr_position_change_create(hf_store_t *st, const char *employee_id,
                              const Hrflow__V1__PositionChange *c, const char *date,
                              Hrflow__V1__PositionChange **out);
/* Every position change of the employee by effective date. */
int pr_position_change_list(hf_store_t *st, const char *employee_id, void ***out, size_t *n);

/* The tenant's settings (defaults when never set) and their change. */
int pr_employee_settings_get(hf_store_t *st, Hrflow__V1__EmployeeSettings **out);
int pr_employee_settings_set(hf_store_t *st, uint32_t alert_days,
                             Hrflow__V1__EmployeeSettings **out);

/* The draft employee of a hire, once per application: *created 1 when this
 * call made it (and wrote employee.onboarded), 0 when it existed. */
int pr_employee_onboard(hf_store_t *st, const char *application_id, const char *candidate_id,
                        const char *company_id, const char *name, const char *phone,
                        int *created);

/* The function of the service's timers (contract alerts, future position
 * changes), for hf_service_timers. */
int pr_employees_timer(void *user, PGconn *db, hf_timer_t *t);

/* What a payroll run reads of one employee for a month. */
typedef struct {
    const char *id, *employee_no, *company_id, *department, *position, *city, *status;
    const char *hire_date, *leave_date; /* "YYYY-MM-DD", "" when none */
    const char *grade;            /* of the month's end: the latest position change by then
                                     that sets one, else the record's; "" when none */
    int has_pay;                  /* a compensation is in effect */
    pr_fen_t base;
    size_t n_allowances;
    const char **allowance_names; /* in the arena */
    pr_fen_t *allowance_amounts;
    int has_tax;                  /* a tax profile is in effect (else resident, separate, none) */
    int non_resident, bonus_merged;
    pr_fen_t deductions[PR_DEDUCTION_KINDS];
} pr_employee_month_t;

/* Every employee of company on the payroll of month ("YYYY-MM"): hired by
 * its end, not left before its start, not a draft; with the compensation
 * and tax profile in effect in that month, the dates of hire and leave and
 * the grade, in one statement. *out in the
 * arena, by employee number. */
int pr_employees_month(hf_store_t *st, const char *company, const char *month,
                       pr_employee_month_t **out, size_t *n);

#endif
