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

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#define MAC_BYTES 16
#define MAX_CURSOR 512

/* base64url without padding; out needs 4 * ceil(len / 3) + 1 bytes. */
static size_t b64url_encode(const unsigned char *in, size_t len, char *out)
{
    int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    while (n > 0 && out[n - 1] == '=')
        n--;
    out[n] = '\0';
    for (int i = 0; i < n; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    return (size_t)n;
}

/* Decode base64url (no padding) of len chars into out (>= 3 * len / 4 + 3
 * bytes). Returns the decoded length, or -1. */
static long b64url_decode(const char *in, size_t len, unsigned char *out)
{
    if (len % 4 == 1)
        return -1;
    char *t = malloc(len + 4);
    if (!t)
        return -1;
    size_t i;
    for (i = 0; i < len; i++) {
        char c = in[i];
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (c == '+' || c == '/' || c == '=')
            c = '!'; /* only the URL-safe alphabet is ours */
        t[i] = c;
    }
    size_t pad = (4 - len % 4) % 4;
    for (size_t k = 0; k < pad; k++)
        t[i++] = '=';
    int n = EVP_DecodeBlock(out, (const unsigned char *)t, (int)i);
    free(t);
    return n < 0 ? -1 : (long)(n - (long)pad);
}

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
    char *out = malloc(4 * ((clen + 2) / 3) + 1 + 4 * ((MAC_BYTES + 2) / 3) + 2);
    if (!out)
        return NULL;
    size_t n = b64url_encode((const unsigned char *)cursor, clen, out);
    out[n++] = '.';
    b64url_encode(m, MAC_BYTES, out + n);
    return out;
}

char *gw_page_token_unwrap(const gateway_t *gw, const char *tenant, const char *method,
                           const char *token)
{
    const char *dot = strchr(token, '.');
    size_t elen = dot ? (size_t)(dot - token) : 0;
    if (!dot || elen > 4 * MAX_CURSOR / 3 + 4 || strlen(dot + 1) > 32)
        return NULL;
    char *cursor = malloc(3 * elen / 4 + 4);
    unsigned char given[32], want[32];
    long clen = cursor ? b64url_decode(token, elen, (unsigned char *)cursor) : -1;
    long glen = clen >= 0 ? b64url_decode(dot + 1, strlen(dot + 1), given) : -1;
    if (clen < 0 || glen != MAC_BYTES || memchr(cursor, '\0', (size_t)clen)) {
        free(cursor);
        return NULL;
    }
    cursor[clen] = '\0';
    mac(gw, tenant, method, cursor, (size_t)clen, want);
    /* Only the canonical spelling: base64's last character can carry unused
     * bits, so another text could decode to the same bytes. */
    char *canon = gw_page_token_wrap(gw, tenant, method, cursor);
    int same = canon && strcmp(canon, token) == 0;
    free(canon);
    if (!same || CRYPTO_memcmp(given, want, MAC_BYTES) != 0) {
        free(cursor);
        return NULL;
    }
    return cursor;
}
