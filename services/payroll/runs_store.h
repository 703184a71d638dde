/* services/payroll/runs_store.h - payroll runs, their calculation, payslips, the bank file, adjustments (runs_store.c)
 *
 * Every function takes the caller's hf_store_t (hf/store.h) and filters by
 * its tenant; single records are behind the company wall (a run of a
 * company the caller does not act for is HF_ENOTFOUND). A calculation is
 * queued (payroll.run_jobs) and done by pr_run_calculate in one
 * transaction, by the loop pr_runs_start starts on every replica.
 */
#ifndef PAYROLL_RUNS_STORE_H
#define PAYROLL_RUNS_STORE_H

#include "hf/store.h"
#include "hrflow/v1/payroll.pb-c.h"
#include "money.h"

/* The run of company and month ("YYYY-MM-01") made when missing, and its
 * calculation queued; scheme "" or one of the company's (else HF_ENOTFOUND).
 * HF_ECONFLICT with *why when it is approved or paid. */
int pr_run_create(hf_store_t *st, const char *company, const char *month, const char *scheme,
                  Hrflow__V1__PayrollRun **out, const char **why);

/* The companies the caller acts for with employees on the payroll of month. */
int pr_run_companies(hf_store_t *st, const char *month, char ***out, size_t *n);

int pr_run_get(hf_store_t *st, const char *id, Hrflow__V1__PayrollRun **out);
int pr_run_list(hf_store_t *st, const char *company, const char *month, hf_page_t *page,
                Hrflow__V1__PayrollRun ***out, size_t *n);

/* Queue a recalculation of run id at version (0: any). HF_ECONFLICT with
 * *why when approved, paid or changed. */
int pr_run_queue(hf_store_t *st, const char *id, int64_t version, Hrflow__V1__PayrollRun **out,
                 const char **why);

/* Approve (calculated → approved) or pay (approved → paid) run id seen at
 * version, writing the event. Approval reads the inputs again and compares
 * their digest: HF_ECONFLICT with *why when anything changed. */
int pr_run_approve(hf_store_t *st, const char *id, int64_t version, Hrflow__V1__PayrollRun **out,
                   const char **why);
int pr_run_pay(hf_store_t *st, const char *id, int64_t version, Hrflow__V1__PayrollRun **out,
               const char **why);
/* Discard a draft or calculated run id (at version, 0 = any): its queued
 * calculation, its payslips and its claim on adjustments go with it; *out
 * is the run as it was. HF_ECONFLICT with *why for an approved or paid run. */
int pr_run_delete(hf_store_t *st, const char *id, int64_t version, Hrflow__V1__PayrollRun **out,
                  const char **why);

/* Payslips of run id (the run the caller sees): a page without lines, or one. */
int pr_payslip_list(hf_store_t *st, const char *run, hf_page_t *page, Hrflow__V1__Payslip ***out,
                    size_t *n);
int pr_payslip_get(hf_store_t *st, const char *run, const char *employee,
                   Hrflow__V1__Payslip **out);

/* The bank transfer file of an approved or paid run, with one reveal entry
 * per employee (field bank_account, reason) in the same transaction.
 * HF_ECONFLICT with *why when the run is not approved. */
int pr_bank_file(hf_store_t *st, const char *run, const char *reason, char **data, size_t *len,
                 const char **why);

/* A correction of employee's locked month. HF_ENOTFOUND: no such employee;
 * HF_ECONFLICT with *why: the month's run is not paid. */
int pr_adjustment_create(hf_store_t *st, const char *employee, const char *month, pr_fen_t amount,
                         int taxable, const char *reason, Hrflow__V1__PayrollAdjustment **out,
                         const char **why);
int pr_adjustment_list(hf_store_t *st, const char *company, hf_page_t *page,
                       Hrflow__V1__PayrollAdjustment ***out, size_t *n);

/* Calculate run id (of st->tenant) in one transaction, as claim `claim` of
 * its job: HF_OK (also when it failed for a reason of the data: the run's
 * error says it), HF_ECONFLICT when the claim was lost, HF_EDB. */
int pr_run_calculate(hf_store_t *st, const char *id, int64_t claim);

/* How long a claimed calculation is the claimer's before another replica
 * may take it (HF_PAYROLL_RUN_LEASE_MS), and the setting itself. A loop of
 * every replica ("payroll run leases") renews its workers' claims every
 * third of it while they calculate. */
extern long pr_run_lease_ms;
#define PR_RUN_SETTINGS                                                                       \
    { "HF_PAYROLL_RUN_LEASE_MS", HF_CONFIG_INT, "300000", 1000, 86400000,                     \
      "how long a replica's claim of a payroll run's calculation lasts unless renewed (the "  \
      "replica renews it every third of this while it calculates; one killed mid-run hands " \
      "it on after this)",                                                                  \
      &pr_run_lease_ms },                                                                     \
    { "HF_PAYROLL_RUN_WORKERS", HF_CONFIG_INT, "0", 0, PR_RUN_WORKERS_MAX,                      \
      "how many payroll runs' calculations a replica makes at once, each on its own "          \
      "connection (0: one per core, at most 8; a group request is one run per company)",       \
      &pr_run_workers }

/* How many calculations a replica runs at once (HF_PAYROLL_RUN_WORKERS; 0 =
 * one per core, at most PR_RUN_WORKERS_MAX): each a loop of its own with its
 * own connection, claiming jobs with SKIP LOCKED like another replica. */
extern long pr_run_workers;
#define PR_RUN_WORKERS_MAX 8
int pr_run_workers_n(void);

/* Start the calculation loops, on every replica. */
int pr_runs_start(void);

#endif
