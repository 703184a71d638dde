/* services/pipeline/status_token.c - the candidate's key to their status page (status_token.h) */
#include "status_token.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

/* The 32 hex digits of a canonical UUID, or -1. */
static int hex32(const char *uuid, char out[33])
{
    static const int dash[] = { 8, 13, 18, 23 };
    if (!uuid || strlen(uuid) != 36)
        return -1;
    size_t n = 0;
    for (size_t i = 0, d = 0; i < 36; i++) {
        if (d < 4 && (int)i == dash[d]) {
            if (uuid[i] != '-')
                return -1;
            d++;
            continue;
        }
        char c = uuid[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
        out[n++] = c;
    }
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
    if (hex32(application, a) < 0 || hex32(tenant, t) < 0 ||
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
        strspn(token, "0123456789abcdef") != PL_STATUS_TOKEN_LEN)
        return -1;
    uuid_of(token, application);
    uuid_of(token + 32, tenant);
    char mac[65];
    if (mac_of(keys, tenant, application, mac) < 0)
        return -1;
    return CRYPTO_memcmp(mac, token + 64, 32) == 0 ? 0 : -1;
}
