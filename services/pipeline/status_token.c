/* services/pipeline/status_token.c - the candidate's key to their status page (status_token.h) */
#include "status_token.h"
#include "hf/encoding.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

/* The 32 hex digits of a canonical UUID (hf_uuid_valid), or -1. */
static int uuid_hex(const char *uuid, char out[33])
{
    if (!hf_uuid_valid(uuid))
        return -1;
    size_t n = 0;
    for (const char *p = uuid; *p; p++)
        if (*p != '-')
            out[n++] = *p;
    out[n] = '\0';
    return 0;
}

static int mac_of(const hf_keyring_t *keys, const char *tenant, const char *app, char mac[65])
{
    char both[80];
    snprintf(both, sizeof(both), "%s/%s", tenant, app);
    return hf_pii_index(keys, "candidate-status", both, mac);
}

int pl_status_token(const hf_keyring_t *keys, const char *tenant, const char *application,
                    char out[PL_STATUS_TOKEN_LEN + 1])
{
    char a[33], t[33], mac[65];
    if (uuid_hex(application, a) < 0 || uuid_hex(tenant, t) < 0 ||
        mac_of(keys, tenant, application, mac) < 0)
        return -1;
    snprintf(out, PL_STATUS_TOKEN_LEN + 1, "%s%s%.32s", a, t, mac);
    return 0;
}

static void uuid_of(const char *hex, char out[37])
{
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

int pl_status_token_parse(const hf_keyring_t *keys, const char *token, char tenant[37],
                          char application[37])
{
    if (!token || strlen(token) != PL_STATUS_TOKEN_LEN ||
        !hf_hex_lower(token, PL_STATUS_TOKEN_LEN))
        return -1;
    uuid_of(token, application);
    uuid_of(token + 32, tenant);
    char mac[65];
    if (mac_of(keys, tenant, application, mac) < 0)
        return -1;
    return CRYPTO_memcmp(mac, token + 64, 32) == 0 ? 0 : -1;
}
