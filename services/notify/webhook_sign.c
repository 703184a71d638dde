/* services/notify/webhook_sign.c - Standard Webhooks signatures and secrets
 *
 * https://www.standardwebhooks.com: a message is signed by an HMAC-SHA256
 * over "<webhook-id>.<webhook-timestamp>.<body>" under the key that the
 * secret "whsec_<base64>" carries; the header holds "v1,<base64 of the
 * MAC>", several space-separated while a secret is being rotated. HMAC,
 * base64, random bytes and the constant-time comparison are libsodium's;
 * this file only arranges them as the spec says. Pure: no I/O, no logging
 * (secrets pass through here and must never reach a log line).
 */
#include "webhook_sign.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAC_LEN crypto_auth_hmacsha256_BYTES
#define B64 sodium_base64_VARIANT_ORIGINAL

void wh_secret_new(char out[WH_SECRET_MAX])
{
    unsigned char key[WH_KEY_NEW];
    if (sodium_init() < 0) /* only if the system has no randomness at all */
        abort();
    randombytes_buf(key, sizeof(key));
    memcpy(out, WH_SECRET_PREFIX, 6);
    sodium_bin2base64(out + 6, WH_SECRET_MAX - 6, key, sizeof(key), B64);
    sodium_memzero(key, sizeof(key));
}

int wh_secret_key(const char *secret, unsigned char key[WH_KEY_MAX], size_t *keylen)
{
    *keylen = 0;
    if (!secret)
        return -EINVAL;
    if (!strncmp(secret, WH_SECRET_PREFIX, 6))
        secret += 6;
    size_t n = strlen(secret);
    const char *end = NULL;
    /* canonical only: the whole text, padded, and the length of a key */
    if (n == 0 || n % 4 || n > 4 * ((WH_KEY_MAX + 2) / 3) ||
        sodium_base642bin(key, WH_KEY_MAX, secret, n, NULL, keylen, &end, B64) != 0 ||
        end != secret + n || *keylen < WH_KEY_MIN) {
        *keylen = 0;
        return -EINVAL;
    }
    return 0;
}

/* The MAC of the message under key into mac. */
static void mac_of(const unsigned char *key, size_t keylen, const char *msg_id, int64_t ts,
                   const void *body, size_t len, unsigned char mac[MAC_LEN])
{
    crypto_auth_hmacsha256_state s;
    char stamp[24];
    int sn = snprintf(stamp, sizeof(stamp), ".%" PRId64 ".", ts);
    crypto_auth_hmacsha256_init(&s, key, keylen);
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)msg_id, strlen(msg_id));
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)stamp, (size_t)sn);
    if (len)
        crypto_auth_hmacsha256_update(&s, body, len);
    crypto_auth_hmacsha256_final(&s, mac);
    sodium_memzero(&s, sizeof(s));
}

static int id_ok(const char *msg_id)
{
    return msg_id && *msg_id && !strchr(msg_id, '.');
}

int wh_sign(const char *secret, const char *msg_id, int64_t timestamp, const void *body,
            size_t len, char out[WH_SIG_MAX])
{
    unsigned char key[WH_KEY_MAX], mac[MAC_LEN];
    size_t keylen;
    out[0] = '\0';
    if (!id_ok(msg_id) || wh_secret_key(secret, key, &keylen) < 0)
        return -EINVAL;
    mac_of(key, keylen, msg_id, timestamp, body, len, mac);
    sodium_memzero(key, sizeof(key));
    memcpy(out, "v1,", 3);
    sodium_bin2base64(out + 3, WH_SIG_MAX - 3, mac, sizeof(mac), B64);
    return 0;
}

int wh_signature_header(const char *const *secrets, size_t n, const char *msg_id,
                        int64_t timestamp, const void *body, size_t len, char *out,
                        size_t outlen)
{
    size_t at = 0;
    if (outlen)
        out[0] = '\0';
    if (n == 0)
        return -EINVAL;
    for (size_t k = 0; k < n; k++) {
        char sig[WH_SIG_MAX];
        if (wh_sign(secrets[k], msg_id, timestamp, body, len, sig) < 0) {
            if (outlen)
                out[0] = '\0';
            return -EINVAL;
        }
        size_t sl = strlen(sig);
        if (at + (k > 0) + sl + 1 > outlen) {
            if (outlen)
                out[0] = '\0';
            return -EMSGSIZE;
        }
        if (k > 0)
            out[at++] = ' ';
        memcpy(out + at, sig, sl + 1);
        at += sl;
    }
    return 0;
}

int wh_verify(const char *secret, const char *header, const char *msg_id, int64_t timestamp,
              const void *body, size_t len)
{
    unsigned char key[WH_KEY_MAX], mac[MAC_LEN];
    size_t keylen;
    if (!id_ok(msg_id) || wh_secret_key(secret, key, &keylen) < 0)
        return -EINVAL;
    mac_of(key, keylen, msg_id, timestamp, body, len, mac);
    sodium_memzero(key, sizeof(key));
    int found = 0;
    for (const char *p = header ? header : ""; *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        unsigned char got[MAC_LEN];
        size_t gl = 0;
        const char *end = NULL;
        if (e - p > 3 && !strncmp(p, "v1,", 3) &&
            sodium_base642bin(got, sizeof(got), p + 3, (size_t)(e - p - 3), NULL, &gl, &end,
                              B64) == 0 &&
            end == e && gl == MAC_LEN && sodium_memcmp(got, mac, MAC_LEN) == 0)
            found = 1;
        p = e;
    }
    return found ? 0 : -EBADMSG;
}
