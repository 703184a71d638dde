/* services/payroll/payslip_render.h - a payslip as the API shows it, from its figures and its scheme version
 *
 * What a run stores of a payslip is numbers (payslip_codec.h); everything
 * a reader sees besides them is rebuilt here: the lines' names and kinds,
 * each component's label, formula and the names of the values it used
 * (from the scheme version it was computed with, which never changes), and
 * the sentences that explain overtime, contributions and tax (from the
 * figures, policy figures included). The answer is the same, field for
 * field, as the one payslips stored whole (before that format) give with
 * pr_payslip_explain, which fills the scheme's part of those.
 *
 * Pure: no I/O; everything is allocated in the caller's arena.
 */
#ifndef PR_PAYSLIP_RENDER_H
#define PR_PAYSLIP_RENDER_H

#include "hf/arena.h"
#include "hrflow/v1/payroll.pb-c.h"
#include "payslip_codec.h"

/* What a payslip row says beside its figures (borrowed strings). */
typedef struct {
    const char *run_id, *employee_id, *employee_no, *company_id;
    const char *month; /* "YYYY-MM" */
    const char *city;
} pr_payslip_head_t;

/* A scheme version and its compiled program (components in the same order). */
typedef struct {
    const Hrflow__V1__PaySchemeVersion *version;
    const pr_program_t *program;
} pr_payslip_scheme_t;

/* The payslip of rec, with its lines when scheme is not NULL (else none:
 * a page of payslips). Returns the message in a, or NULL when out of
 * memory or rec does not fit the scheme (another count of components or
 * of inputs named). */
Hrflow__V1__Payslip *pr_payslip_render(hf_arena_t *a, const pr_payslip_rec_t *rec,
                                       const pr_payslip_head_t *head,
                                       const pr_payslip_scheme_t *scheme);

/* Fill the component lines of s, a payslip stored whole, from scheme: each
 * one's formula, label and the names of the values it used (stored were
 * the values). Strings in a. */
void pr_payslip_explain(hf_arena_t *a, Hrflow__V1__Payslip *s, const pr_payslip_scheme_t *scheme);

/* The 16 bytes of a canonical UUID's text into out; 0, or -1 when s is not one. */
int pr_uuid_parse(const char *s, uint8_t out[16]);
/* The canonical text (lowercase) of 16 bytes: 37 bytes with the NUL. */
void pr_uuid_format(const uint8_t in[16], char out[37]);

#endif
