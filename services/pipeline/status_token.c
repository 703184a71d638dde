/* services/pipeline/status_token.c - the candidate's key to their status page (status_token.h)
 *
 * One kind of the common token (hf/token.h): tenant and application, no
 * expiry.
 */
#include "status_token.h"
#include "hf/token.h"

#include <string.h>

static const hf_token_kind_t kind = { "candidate-status", 2, 0 };

int pl_status_token(const hf_keyring_t *keys, const char *tenant, const char *application,
                    char out[PL_STATUS_TOKEN_LEN + 1])
{
    const char *ids[] = { tenant, application };
    return hf_token_make(keys, &kind, ids, 0, out, PL_STATUS_TOKEN_LEN + 1);
}

int pl_status_token_parse(const hf_keyring_t *keys, const char *token, char tenant[37],
                          char application[37])
{
    char ids[2][37];
    if (hf_token_parse(keys, &kind, token, ids, NULL) < 0)
        return -1;
    memcpy(tenant, ids[0], 37);
    memcpy(application, ids[1], 37);
    return 0;
}
