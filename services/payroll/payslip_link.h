/* services/payroll/payslip_link.h - the employee's key to one payslip (payslip_link.c)
 *
 * The common token (hf/token.h) of context "payslip" over tenant, run and
 * employee with an expiry: "<employee><run><tenant><expiry><mac>" in
 * lowercase hex, 136 characters. Derived, not stored: a payroll key makes
 * it again at any time; a forged, changed, expired or another key's token
 * is refused before any lookup (the MAC compared in constant time);
 * rotating the index key ends every link (docs/security.md).
 */
#ifndef PAYROLL_PAYSLIP_LINK_H
#define PAYROLL_PAYSLIP_LINK_H

#include "hf/token.h"

#include <stdint.h>

#define PR_PAYSLIP_LINK_LEN HF_TOKEN_LEN(3, 1)
#define PR_PAYSLIP_LINK_DAYS 90    /* when the request names none */
#define PR_PAYSLIP_LINK_DAYS_MAX 366

extern const hf_token_kind_t pr_payslip_link_kind;

/* The link of employee's payslip of run, of tenant (UUIDs), valid until
 * expiry (Unix seconds) into out. 0, or -1 (an id is not a UUID, the MAC
 * failed). */
int pr_payslip_link(const hf_keyring_t *keys, const char *tenant, const char *run,
                    const char *employee, int64_t expiry, char out[PR_PAYSLIP_LINK_LEN + 1]);

#endif
