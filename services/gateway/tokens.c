/* services/gateway/tokens.c - digests and signed page tokens
 *
 * A page token is the service's own cursor, made opaque and tamper-proof:
 * base64url(cursor) "." base64url(first 16 bytes of HMAC-SHA256(key,
 * tenant "\n" method "\n" cursor)). A token made for one tenant or one list
 * method is refused for another, so a client cannot forge or transplant a
 * cursor into another tenant's data; the service still checks the tenant on
 * every row. The key (HF_GATEWAY_TOKEN_KEY) is shared by every replica.
 */
#include "gateway.h"
#include "hf/encoding.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#define MAC_BYTES 16
#define MAX_CURSOR 512

static void mac(const gateway_t *gw, const char *tenant, const char *method, const char *cursor,
                size_t clen, unsigned char out[32])
{
    size_t tl = strlen(tenant), ml = strlen(method);
    size_t n = tl + ml + 2 + clen;
    unsigned char *msg = malloc(n);
    unsigned int olen = 0;
    if (!msg) {
        memset(out, 0, 32);
        return;
    }
    memcpy(msg, tenant, tl);
    msg[tl] = '\n';
    memcpy(msg + tl + 1, method, ml);
    msg[tl + 1 + ml] = '\n';
    memcpy(msg + tl + ml + 2, cursor, clen);
    HMAC(EVP_sha256(), gw->token_key, sizeof(gw->token_key), msg, n, out, &olen);
    free(msg);
}

char *gw_page_token_wrap(const gateway_t *gw, const char *tenant, const char *method,
                         const char *cursor)
{
    size_t clen = strlen(cursor);
    unsigned char m[32];
    mac(gw, tenant, method, cursor, clen, m);
    size_t n = hf_base64url_len(clen), mn = hf_base64url_len(MAC_BYTES);
    char *out = malloc(n + 1 + mn + 1);
    if (!out)
        return NULL;
    hf_base64url_encode(out, n + 1, cursor, clen);
    out[n] = '.';
    hf_base64url_encode(out + n + 1, mn + 1, m, MAC_BYTES);
    return out;
}

/* Both parts must be canonical base64url (hf_base64url_decode), so a token
 * has one spelling: a last character with other unused bits is refused
 * rather than read as the same cursor. */
char *gw_page_token_unwrap(const gateway_t *gw, const char *tenant, const char *method,
                           const char *token)
{
    const char *dot = strchr(token, '.');
    size_t elen = dot ? (size_t)(dot - token) : 0;
    if (!dot || elen > 4 * MAX_CURSOR / 3 + 4 || strlen(dot + 1) > 32)
        return NULL;
    size_t cap = hf_base64url_decoded_len(elen) + 1;
    char *cursor = malloc(cap);
    unsigned char given[32], want[32];
    size_t clen = 0, glen = 0;
    if (!cursor || hf_base64url_decode(token, elen, cursor, cap, &clen) < 0 ||
        hf_base64url_decode(dot + 1, strlen(dot + 1), given, sizeof(given), &glen) < 0 ||
        glen != MAC_BYTES || memchr(cursor, '\0', clen)) {
        free(cursor);
        return NULL;
    }
    cursor[clen] = '\0';
    mac(gw, tenant, method, cursor, clen, want);
    if (CRYPTO_memcmp(given, want, MAC_BYTES) != 0) {
        free(cursor);
        return NULL;
    }
    return cursor;
}
