/* common/src/token.c - tokens that name records, derived, not stored (hf/token.h) */
#include "hf/token.h"
#include "hf/encoding.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The MAC of ids (most general first) and the expiry, in hex (64 digits). */
static int mac_of(const hf_keyring_t *keys, const hf_token_kind_t *kind, char ids[][37],
                  const char *expiry_hex, char mac[65])
{
    char msg[HF_TOKEN_MAX_IDS * 38 + 16];
    size_t used = 0;
    for (size_t i = 0; i < kind->n_ids; i++)
        used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s%s", i ? "/" : "", ids[i]);
    if (kind->expires)
        snprintf(msg + used, sizeof(msg) - used, "/%s", expiry_hex);
    return hf_pii_index(keys, kind->context, msg, mac);
}

static void uuid_of(const char *hex, char out[37])
{
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

int hf_token_make(const hf_keyring_t *keys, const hf_token_kind_t *kind,
                  const char *const *ids, int64_t expiry, char *out, size_t outlen)
{
    if (!kind->n_ids || kind->n_ids > HF_TOKEN_MAX_IDS ||
        outlen < HF_TOKEN_LEN(kind->n_ids, kind->expires) + 1 ||
        (kind->expires && (expiry < 1 || expiry > 0xffffffffLL)))
        return -1;
    char copy[HF_TOKEN_MAX_IDS][37], exp[9] = "", mac[65];
    size_t used = 0;
    for (size_t i = 0; i < kind->n_ids; i++) {
        if (!hf_uuid_valid(ids[i]))
            return -1;
        snprintf(copy[i], sizeof(copy[i]), "%s", ids[i]);
    }
    for (size_t i = kind->n_ids; i-- > 0;) /* the most specific first */
        for (const char *p = ids[i]; *p; p++)
            if (*p != '-')
                out[used++] = *p;
    if (kind->expires)
        snprintf(exp, sizeof(exp), "%08llx", (unsigned long long)expiry);
    if (mac_of(keys, kind, copy, exp, mac) < 0)
        return -1;
    snprintf(out + used, outlen - used, "%s%.32s", exp, mac);
    return 0;
}

int hf_token_parse(const hf_keyring_t *keys, const hf_token_kind_t *kind, const char *token,
                   char ids[][37], int64_t *expiry)
{
    size_t len = HF_TOKEN_LEN(kind->n_ids, kind->expires);
    if (!token || !kind->n_ids || kind->n_ids > HF_TOKEN_MAX_IDS || strlen(token) != len ||
        !hf_hex_lower(token, len))
        return -1;
    for (size_t i = 0; i < kind->n_ids; i++)
        uuid_of(token + 32 * (kind->n_ids - 1 - i), ids[i]);
    char exp[9] = "", mac[65];
    if (kind->expires)
        snprintf(exp, sizeof(exp), "%.8s", token + 32 * kind->n_ids);
    if (mac_of(keys, kind, ids, exp, mac) < 0 || CRYPTO_memcmp(mac, token + len - 32, 32) != 0)
        return -1;
    if (expiry)
        *expiry = kind->expires ? (int64_t)strtoll(exp, NULL, 16) : 0;
    return 0;
}
