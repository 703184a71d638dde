/* services/identity/token.c - API key tokens: format, parse, hash, compare
 *
 * The format and why it is shaped so are in token.h. The secret is
 * base64url from hf/encoding.h: unpadded, and canonical when read back.
 */
#include "token.h"
#include "hf/encoding.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

static const char hexdig[] = "0123456789abcdef";

static void hex(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexdig[in[i] >> 4];
        out[2 * i + 1] = hexdig[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

void token_format(const unsigned char key_random[TOKEN_KEY_RANDOM],
                  const unsigned char secret_random[TOKEN_SECRET_RANDOM],
                  char key_id[TOKEN_KEY_ID_LEN + 1], char token[TOKEN_LEN + 1])
{
    memcpy(key_id, "key_", 4);
    hex(key_random, TOKEN_KEY_RANDOM, key_id + 4);
    char secret[TOKEN_SECRET_LEN + 2];
    hf_base64url_encode(secret, sizeof(secret), secret_random, TOKEN_SECRET_RANDOM);
    memcpy(token, TOKEN_PREFIX, 3);
    memcpy(token + 3, key_id + 4, TOKEN_KEY_HEX_LEN);
    token[3 + TOKEN_KEY_HEX_LEN] = '_';
    memcpy(token + 4 + TOKEN_KEY_HEX_LEN, secret, TOKEN_SECRET_LEN + 1);
}

int token_new(char key_id[TOKEN_KEY_ID_LEN + 1], char token[TOKEN_LEN + 1])
{
    unsigned char r[TOKEN_KEY_RANDOM + TOKEN_SECRET_RANDOM];
    if (RAND_bytes(r, sizeof(r)) != 1)
        return -1;
    token_format(r, r + TOKEN_KEY_RANDOM, key_id, token);
    OPENSSL_cleanse(r, sizeof(r));
    return 0;
}

/* 1 when the n characters at s are lowercase hex. */
static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (hexval(s[i]) < 0)
            return 0;
    return 1;
}

int token_is_key_id(const char *s)
{
    return s && strncmp(s, "key_", 4) == 0 && strlen(s) == TOKEN_KEY_ID_LEN &&
           all_hex(s + 4, TOKEN_KEY_HEX_LEN);
}

int token_key_id(const char *s, char out[TOKEN_KEY_ID_LEN + 1])
{
    if (token_is_key_id(s)) {
        memcpy(out, s, TOKEN_KEY_ID_LEN + 1);
        return 0;
    }
    if (!s || strlen(s) != TOKEN_KEY_HEX_LEN || !all_hex(s, TOKEN_KEY_HEX_LEN))
        return -1;
    memcpy(out, "key_", 4);
    memcpy(out + 4, s, TOKEN_KEY_HEX_LEN + 1);
    return 0;
}

int token_parse(const char *token, char key_id[TOKEN_KEY_ID_LEN + 1])
{
    if (!token || strlen(token) != TOKEN_LEN || strncmp(token, TOKEN_PREFIX, 3) != 0 ||
        token[3 + TOKEN_KEY_HEX_LEN] != '_' || !all_hex(token + 3, TOKEN_KEY_HEX_LEN))
        return -1;
    unsigned char secret[TOKEN_SECRET_RANDOM];
    size_t n = 0;
    int bad = hf_base64url_decode(token + 4 + TOKEN_KEY_HEX_LEN, TOKEN_SECRET_LEN, secret,
                                  sizeof(secret), &n);
    OPENSSL_cleanse(secret, sizeof(secret));
    if (bad)
        return -1;
    memcpy(key_id, "key_", 4);
    memcpy(key_id + 4, token + 3, TOKEN_KEY_HEX_LEN);
    key_id[TOKEN_KEY_ID_LEN] = '\0';
    return 0;
}

void token_digest(const char *token, unsigned char out[TOKEN_DIGEST_LEN])
{
    unsigned int len = 0;
    EVP_Digest(token, strlen(token), out, &len, EVP_sha256(), NULL);
}

void token_digest_hex(const unsigned char d[TOKEN_DIGEST_LEN], char out[2 * TOKEN_DIGEST_LEN + 1])
{
    hex(d, TOKEN_DIGEST_LEN, out);
}

int token_digest_parse(const char *s, unsigned char out[TOKEN_DIGEST_LEN])
{
    if (!s || strlen(s) != 2 * TOKEN_DIGEST_LEN)
        return -1;
    for (size_t i = 0; i < TOKEN_DIGEST_LEN; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

int token_digest_equal(const unsigned char a[TOKEN_DIGEST_LEN],
                       const unsigned char b[TOKEN_DIGEST_LEN])
{
    return CRYPTO_memcmp(a, b, TOKEN_DIGEST_LEN) == 0;
}
