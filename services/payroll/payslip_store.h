/* services/payroll/payslip_store.h - payslips sealed at rest and opened again, in either stored form (payslip_store.c)
 *
 * A payslip is salary data: payroll.payslips.body_enc holds it sealed with
 * the tenant's keys (hf_pii_encrypt, AAD "<tenant>:payslips.body"). What is
 * sealed is its figures (payslip_codec.h) since the compact form; earlier
 * rows hold the packed hrflow.v1.Payslip with its lines. Both open here into
 * the same message (payslip_render.h), so every reader (the runs' API, the
 * bank file, the year so far of the next month, the reports) is blind to
 * the form a row has.
 */
#ifndef PAYROLL_PAYSLIP_STORE_H
#define PAYROLL_PAYSLIP_STORE_H

#include "hf/store.h"
#include "payslip_render.h"

/* The program of a scheme version's components (taxable[i] set from them,
 * when taxable is not NULL), or NULL with *err. The caller destroys it. */
pr_program_t *pr_scheme_version_compile(const Hrflow__V1__PaySchemeVersion *v,
                                        unsigned char *taxable, pr_ferror_t *err);

/* Seal rec for tenant: the token (the caller frees it), or NULL. */
char *pr_payslip_seal(const hf_keyring_t *keys, const char *tenant, const pr_payslip_rec_t *rec);

/* Opens payslips of st->tenant, keeping each scheme version it reads
 * compiled (a report opens thousands of payslips of a few versions). */
typedef struct pr_scheme_seen pr_scheme_seen_t;
typedef struct {
    hf_store_t *st;          /* scheme versions are read with it, into its arena */
    pr_scheme_seen_t *seen;
} pr_payslip_reader_t;

void pr_payslip_reader_init(pr_payslip_reader_t *r, hf_store_t *st);
/* Frees the compiled programs (the messages opened keep their own strings). */
void pr_payslip_reader_done(pr_payslip_reader_t *r);

/* Open token (a sealed payslip of st->tenant) into *out in arena a: a
 * compact one with head's fields (strings borrowed), one stored whole with
 * its own. With its lines (explained from its scheme version) when lines,
 * else none. HF_OK; HF_EDB when it does not decrypt or decode or its
 * scheme version is gone; HF_ENOMEM. */
int pr_payslip_open(pr_payslip_reader_t *r, hf_arena_t *a, const char *token,
                    const pr_payslip_head_t *head, int lines, Hrflow__V1__Payslip **out);

/* The columns pr_payslip_row reads, in this order, of a payslip s joined
 * with its run r (the head of a compact payslip comes from them). */
#define PR_PAYSLIP_COLS                                                                       \
    "s.body_enc, s.run_id, s.employee_id, s.employee_no, r.company_id,"                      \
    " to_char(r.month, 'YYYY-MM'), coalesce(s.city, '')"

/* pr_payslip_open of row i of res, whose PR_PAYSLIP_COLS begin at column
 * col (the head's strings copied into a). */
int pr_payslip_row(pr_payslip_reader_t *r, hf_arena_t *a, PGresult *res, int i, int col,
                   int lines, Hrflow__V1__Payslip **out);

/* The year so far after the payslip token (either form): HF_OK or HF_EDB. */
int pr_payslip_ytd(hf_store_t *st, const char *token, pr_tax_ytd_t *ytd);

#endif
