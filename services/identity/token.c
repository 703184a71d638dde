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

void token_format(const unsigned char key_random[TOKEN_KEY_RANDOM],
                  const unsigned char secret_random[TOKEN_SECRET_RANDOM],
                  char key_id[TOKEN_KEY_ID_LEN + 1], char token[TOKEN_LEN + 1])
{
    memcpy(key_id, "key_", 4);
    hf_hex_encode(key_id + 4, key_random, TOKEN_KEY_RANDOM);
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

int token_is_key_id(const char *s)
{
    return s && strncmp(s, "key_", 4) == 0 && strlen(s) == TOKEN_KEY_ID_LEN &&
           hf_hex_lower(s + 4, TOKEN_KEY_HEX_LEN);
}

int token_key_id(const char *s, char out[TOKEN_KEY_ID_LEN + 1])
{
    if (token_is_key_id(s)) {
        memcpy(out, s, TOKEN_KEY_ID_LEN + 1);
        return 0;
    }
    if (!s || strlen(s) != TOKEN_KEY_HEX_LEN || !hf_hex_lower(s, TOKEN_KEY_HEX_LEN))
        return -1;
    memcpy(out, "key_", 4);
    memcpy(out + 4, s, TOKEN_KEY_HEX_LEN + 1);
    return 0;
}

int token_parse(const char *token, char key_id[TOKEN_KEY_ID_LEN + 1])
{
    if (!token || strlen(token) != TOKEN_LEN || strncmp(token, TOKEN_PREFIX, 3) != 0 ||
        token[3 + TOKEN_KEY_HEX_LEN] != '_' || !hf_hex_lower(token + 3, TOKEN_KEY_HEX_LEN))
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
    hf_hex_encode(out, d, TOKEN_DIGEST_LEN);
}

int token_digest_parse(const char *s, unsigned char out[TOKEN_DIGEST_LEN])
{
    /* the one spelling of a digest: lowercase */
    if (!s || strlen(s) != 2 * TOKEN_DIGEST_LEN || !hf_hex_lower(s, 2 * TOKEN_DIGEST_LEN))
        return -1;
    return hf_hex_decode(s, out, TOKEN_DIGEST_LEN) == 0 ? 0 : -1;
}

int token_digest_equal(const unsigned char a[TOKEN_DIGEST_LEN],
                       const unsigned char b[TOKEN_DIGEST_LEN])
{
    return CRYPTO_memcmp(a, b, TOKEN_DIGEST_LEN) == 0;
}
