/* services/identity/token.h - API key tokens: format, parse, hash, compare
 *
 * A token is "hf_" + 16 lowercase hex + "_" + secret, 63 characters:
 *
 *     hf_0123456789abcdef_<43 base64url characters>
 *        └─── key hex ──┘ └── 32 random bytes, no padding ──┘
 *
 * The key id is "key_" + the key hex ("key_0123456789abcdef"): public, it
 * names the key in the API (ApiKey.id), in Caller.actor and in logs. The hex
 * holds no '_', so the first '_' after "hf_" ends it (the secret's base64url
 * alphabet does hold '_' and '-'); every part also has a fixed length. The
 * secret is shown once, at creation. Only the SHA-256 of the whole token is
 * stored, and digests are compared in constant time.
 *
 * Pure functions (randomness aside): no database, no network.
 */
#ifndef IDENTITY_TOKEN_H
#define IDENTITY_TOKEN_H

#include <stddef.h>

#define TOKEN_PREFIX "hf_"
#define TOKEN_KEY_HEX_LEN 16     /* the key id's hex, as the token carries it */
#define TOKEN_KEY_ID_LEN 20      /* "key_" + 16 hex */
#define TOKEN_SECRET_LEN 43      /* base64url of 32 bytes, unpadded */
#define TOKEN_LEN (3 + TOKEN_KEY_HEX_LEN + 1 + TOKEN_SECRET_LEN)
#define TOKEN_KEY_RANDOM 8       /* bytes behind the key id's hex */
#define TOKEN_SECRET_RANDOM 32   /* bytes behind the secret */
#define TOKEN_DIGEST_LEN 32      /* SHA-256 */

/* Build the key id and token from the given random bytes (kept separate from
 * token_new() so tests can pin them). key_id gets TOKEN_KEY_ID_LEN + 1 bytes,
 * token TOKEN_LEN + 1, both NUL-terminated. */
void token_format(const unsigned char key_random[TOKEN_KEY_RANDOM],
                  const unsigned char secret_random[TOKEN_SECRET_RANDOM],
                  char key_id[TOKEN_KEY_ID_LEN + 1], char token[TOKEN_LEN + 1]);

/* A new key id and token from OpenSSL's RAND_bytes. Returns 0, or -1 when the
 * generator fails (then nothing usable is written). */
int token_new(char key_id[TOKEN_KEY_ID_LEN + 1], char token[TOKEN_LEN + 1]);

/* Split a token: 0 with its key id ("key_" + hex, TOKEN_KEY_ID_LEN + 1 bytes)
 * filled when token has the shape above (the secret the canonical base64url
 * of 32 bytes), else -1. Says nothing about whether it is valid. */
int token_parse(const char *token, char key_id[TOKEN_KEY_ID_LEN + 1]);

/* 1 when s is a key id ("key_" + 16 lowercase hex), else 0. */
int token_is_key_id(const char *s);

/* The key id named by s, which is either the key id or its 16 hex as the
 * token carries them. Returns 0 with out (TOKEN_KEY_ID_LEN + 1 bytes) set,
 * or -1 when s is neither. */
int token_key_id(const char *s, char out[TOKEN_KEY_ID_LEN + 1]);

/* SHA-256 of the whole token. */
void token_digest(const char *token, unsigned char out[TOKEN_DIGEST_LEN]);

/* Digest as 64 lowercase hex characters and a NUL. */
void token_digest_hex(const unsigned char d[TOKEN_DIGEST_LEN], char out[2 * TOKEN_DIGEST_LEN + 1]);

/* Parse 64 lowercase hex characters. Returns 0, or -1 for anything else
 * (uppercase included: the hex form is also a Redis key, which must be
 * spelled one way). */
int token_digest_parse(const char *hex, unsigned char out[TOKEN_DIGEST_LEN]);

/* 1 when the digests are equal, compared in constant time. */
int token_digest_equal(const unsigned char a[TOKEN_DIGEST_LEN],
                       const unsigned char b[TOKEN_DIGEST_LEN]);

#endif
