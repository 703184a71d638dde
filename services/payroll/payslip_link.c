/* services/payroll/payslip_link.c - the employee's key to one payslip (payslip_link.h) */
#include "payslip_link.h"

const hf_token_kind_t pr_payslip_link_kind = { "payslip", 3, 1 };

int pr_payslip_link(const hf_keyring_t *keys, const char *tenant, const char *run,
                    const char *employee, int64_t expiry, char out[PR_PAYSLIP_LINK_LEN + 1])
{
    const char *ids[] = { tenant, run, employee };
    return hf_token_make(keys, &pr_payslip_link_kind, ids, expiry, out, PR_PAYSLIP_LINK_LEN + 1);
}
