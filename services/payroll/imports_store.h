/* services/payroll/imports_store.h - the SQL of the spreadsheet imports
 *
 * Set-based statements over whole files (one parameter per column, unnest),
 * on the caller's hf_store_t, inside the one transaction the handler opens
 * around a file: the look-ups a check needs (employees by number, ID numbers
 * by their blind index, contracts and opening figures already stored) and
 * the writes. Values arrive checked and, where personal or pay, sealed
 * (imports_handlers.c); nothing here sees a plaintext but the uploaded
 * file's parts, sealed on the way in and opened one at a time for the
 * worker.
 *
 * The queue (migration 0091): an upload is an entry of payroll.imports,
 * its file sealed in parts and a job; a worker claims the job under a
 * lease, locks it for its one transaction and finishes it there.
 */
#ifndef PR_IMPORTS_STORE_H
#define PR_IMPORTS_STORE_H

#include "hf/store.h"
#include "hrflow/v1/payroll.pb-c.h"

#include <stddef.h>
#include <stdint.h>

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

/* The stored row of employee and year: its months and the sealed figures
 * opened (arena; NULL when the token does not open). HF_ENOTFOUND. */
int pr_ytd_get(hf_store_t *st, const char *employee_id, int tax_year, int *through_month,
               int *months, char **figures, Hrflow__V1__Timestamp **create_time);

/* ---- the background queue ---- */

#define PR_IMPORT_CHANNEL "payroll_imports" /* NOTIFYed when a job is queued */

/* An upload, checked by the handler. */
typedef struct {
    const char *company, *kind, *encoding, *utc_offset;
    int dry_run;
    const uint8_t *content;
    size_t len;
} pr_import_upload_t;

/* In one transaction of its own: the entry (state queued, the caller as
 * actor), the file sealed in parts, the job (NOTIFY PR_IMPORT_CHANNEL).
 * *out is the entry (arena). HF_OK, HF_EDB or HF_ENOMEM; nothing kept
 * unless HF_OK. */
int pr_import_queue(hf_store_t *st, const pr_import_upload_t *u,
                    Hrflow__V1__ImportPayrollFileResponse **out);

/* The entry id when the caller sees its company (no problems inlined):
 * HF_OK, HF_ENOTFOUND (none, or another company's), HF_EDB. */
int pr_import_get(hf_store_t *st, const char *id, Hrflow__V1__ImportPayrollFileResponse **out);

/* A page of the entries the caller sees, oldest first; company and kind
 * "" for every one. */
int pr_import_list(hf_store_t *st, const char *company, const char *kind, hf_page_t *page,
                   Hrflow__V1__ImportPayrollFileResponse ***out, size_t *n);

/* A page of import id's problems, in their order (the caller checked it
 * sees the import). */
int pr_import_problems(hf_store_t *st, const char *id, hf_page_t *page,
                       Hrflow__V1__ImportProblem ***out, size_t *n);

/* A job claimed by a worker. */
typedef struct {
    char tenant[40], id[40];
    int64_t claim;     /* the claim's number: the finish checks it still holds */
    int attempts;      /* claims of the job so far, this one included */
} pr_import_claim_t;

/* Claim the oldest job whose lease has passed and that no transaction
 * holds (FOR UPDATE SKIP LOCKED) for lease_ms, its entry running, in
 * autocommit on db: 1 with *c set, 0 when there is none, -1 when the
 * statement failed. */
int pr_import_claim(PGconn *db, int lease_ms, const char *owner, pr_import_claim_t *c);

/* What the worker needs of a claimed entry (arena). */
typedef struct {
    const char *kind, *company, *encoding, *utc_offset, *actor;
    int dry_run;
    unsigned parts;
} pr_import_meta_t;

/* In the worker's transaction: lock the job while claim c still holds it
 * (a replica that takes it over after the lease waits for this
 * transaction, and finds the claim moved on) and read its entry. HF_OK,
 * HF_ENOTFOUND (the claim was taken over), HF_EDB. */
int pr_import_lock(hf_store_t *st, const pr_import_claim_t *c, pr_import_meta_t *m);

/* Part seq of import id's file, opened into *plain (malloc'd, NUL-terminated,
 * *len bytes; the caller wipes and frees it). HF_ENOTFOUND when it is
 * missing or does not open (logged without its content), HF_EDB. */
int pr_import_part(hf_store_t *st, const char *id, unsigned seq, char **plain, size_t *len);

/* How an import ended. */
typedef struct {
    const char *state;  /* succeeded or failed */
    const char *error;  /* a failure beyond the rows, or NULL */
    const Hrflow__V1__ImportPayrollFileResponse *out; /* counts, problems (in order), warnings */
} pr_import_outcome_t;

/* In the worker's transaction: the entry's outcome and problems, the file
 * and the job deleted, the event hrflow.payroll.import.finished.v1.
 * HF_ECONFLICT when claim c no longer holds the job (the caller rolls
 * back), HF_EDB, HF_ENOMEM. */
int pr_import_finish(hf_store_t *st, const pr_import_claim_t *c, const pr_import_outcome_t *o);

#endif
