/* hf/crypto.h - digests, personal data encrypted at rest, and sealed tokens
 *
 * Hex digests for what hrflow names by content: migration checksums, API
 * token hashes (the Redis keys of the gateway's auth cache), Lua script ids.
 *
 * Personal data (ID numbers, bank accounts, phone numbers, salaries) is
 * stored as a text token, AES-256-GCM under a key named in the token so keys
 * can be rotated, bound by its AAD to the tenant and column it belongs to.
 * Lookups and deduplication go through a blind index: an HMAC of the
 * normalised value, equal for equal values, useless without the key.
 * docs/security.md has the token format and the rotation procedure.
 * Small values handed to clients and taken back (page tokens) are sealed
 * under a subkey of the same keyring (libsodium; hf_seal).
 *
 * A keyring is read-only once made: one may serve every thread. Nothing here
 * logs, and no error message contains key material or plaintext.
 */
#ifndef HF_CRYPTO_H
#define HF_CRYPTO_H

#include <stddef.h>

/* Lowercase hex SHA-256 of len bytes at data, NUL-terminated, into out. */
void hf_sha256_hex(const void *data, size_t len, char out[65]);

/* Lowercase hex SHA-1 (for Redis script ids only: not for security). */
void hf_sha1_hex(const void *data, size_t len, char out[41]);

/* --- keyring --------------------------------------------------------------- */

typedef struct hf_keyring hf_keyring_t;

#define HF_KEYRING_MAX_KEYS 16     /* encryption keys in one keyring */
#define HF_KEY_ID_MAX 16           /* characters of a key id */
#define HF_PII_MAX (16u << 20)     /* largest plaintext hf_pii_encrypt takes */

/* Make a keyring from spec, a comma-separated list of entries `<id>:<64 hex
 * digits>` (a 32-byte key; hex digits in either case):
 *
 *     k2:<64 hex>,k1:<64 hex>,hmac:<64 hex>
 *
 * - An id is 1 to 16 characters of a-z and 0-9, unique in the spec.
 * - The first entry whose id is not "hmac" is the current key: every new
 *   token is encrypted with it. The others only decrypt (rotation: put the
 *   new key first, re-encrypt, then drop the old one).
 * - The id "hmac" is reserved: exactly one such entry is required, the key of
 *   the blind index (hf_pii_index). It may appear anywhere in the list, must
 *   differ from every encryption key, and is not rotated with them (changing
 *   it changes every index; see docs/security.md).
 * - Whitespace around entries is ignored (a Secret mounted as a file ends
 *   with a newline).
 *
 * One spec, so one secret (e.g. the environment variable HF_PII_KEYS) carries
 * everything a service needs. Returns the keyring, or NULL with a one-line
 * reason in err (err may be NULL), e.g. `key "k1" has 62 hex digits, expected
 * 64`; ids may appear in the reason, key material never does. The caller
 * owns the keyring: hf_keyring_destroy(). */
hf_keyring_t *hf_keyring_new(const char *spec, char *err, size_t errlen);

/* Wipe the keys (OPENSSL_cleanse) and free the keyring. Accepts NULL and
 * *kp == NULL; sets *kp = NULL. */
void hf_keyring_destroy(hf_keyring_t **kp);

/* The id of the current key (borrowed from k): tokens whose id differs
 * still have to be re-encrypted before an old key can be dropped. */
const char *hf_keyring_current_id(const hf_keyring_t *k);

/* --- encryption ------------------------------------------------------------ */

/* n (at most 256) random bytes from the kernel (getrandom), drawn from a
 * per-thread pool; nonces and ids. Returns 0, or -1 when the kernel gave
 * none (never expected on Linux >= 3.17). */
int hf_random_bytes(void *out, size_t n);

/* Encrypt len bytes at plain (any bytes; plain may be NULL when len is 0)
 * into a NUL-terminated token
 *
 *     v1.<key id>.<base64url, unpadded, of nonce (12 bytes) | ciphertext | tag (16 bytes)>
 *
 * AES-256-GCM under the current key with a random nonce (hf_random_bytes), so two
 * encryptions of one value differ. The associated data authenticated with it
 * is "v1.<key id>." followed by aad; aad names where the value lives, e.g.
 * "<tenant uuid>:candidates.phone", so a token copied to another tenant or
 * column does not decrypt there. aad must be non-NULL and non-empty.
 *
 * Returns 0 with *out set (the caller frees it with free()), or with *out =
 * NULL: -EMSGSIZE (len > HF_PII_MAX), -ENOMEM, -EIO (libcrypto failed). */
int hf_pii_encrypt(const hf_keyring_t *k, const char *plain, size_t len, const char *aad,
                   char **out);

/* Decrypt a token made by hf_pii_encrypt() with the same aad. Returns 0 with
 * *plain set to the plaintext plus a terminating NUL (the caller frees it
 * with free(), after wiping it if it lingers) and, when len is not NULL,
 * *len to its length without the NUL. Or, with *plain = NULL and *len = 0:
 *   -EINVAL   not a v1 token (garbage, truncated, bad base64url)
 *   -ENOKEY   its key id is not in the keyring
 *   -EBADMSG  authentication failed: tampered, wrong aad, or another key
 *             under the same id
 *   -ENOMEM, -EIO
 * hf_pii_strerror() turns these into a sentence for a log line. No
 * plaintext is released before the tag is verified. */
int hf_pii_decrypt(const hf_keyring_t *k, const char *token, const char *aad, char **plain,
                   size_t *len);

/* A static description of an error returned by hf_pii_encrypt/decrypt. */
const char *hf_pii_strerror(int rc);

/* Copy the key id of token into out (NUL-terminated), without decrypting.
 * Returns 0, or -EINVAL if token does not start like a v1 token. */
int hf_pii_token_kid(const char *token, char out[HF_KEY_ID_MAX + 1]);

/* --- sealed tokens -------------------------------------------------------- */

/* A small value a service hands a client and takes back later (a page
 * token's cursor), sealed so the token shows nothing of it and a changed
 * token is refused:
 *
 *     <key id>.<base64url, unpadded, of nonce (24 bytes) | ciphertext | tag (16 bytes)>
 *
 * XChaCha20-Poly1305 (libsodium) with a random nonce, under a subkey of the
 * keyring's encryption key: keyed BLAKE2b-256 of "hrflow sealed token" 0x00
 * purpose, so the personal-data keys never seal anything themselves and a
 * token of one purpose never opens as another's. aad (non-empty) binds the
 * token to where it is valid, e.g. "<tenant uuid>\npipeline.ListJobs".
 * New tokens use the current key; a token of any key still in the keyring
 * opens, so rotation (docs/security.md) keeps tokens working. */

#define HF_SEAL_MAX 128            /* largest plaintext hf_seal takes */
#define HF_SEAL_OVERHEAD (24 + 16) /* nonce and tag, before base64url */
/* Room for a token of len plaintext bytes under any key id, with its NUL. */
#define HF_SEAL_TOKEN_MAX(len) (HF_KEY_ID_MAX + 1 + (4 * (HF_SEAL_OVERHEAD + (len)) + 2) / 3 + 1)

/* Seal len bytes at plain (plain may be NULL when len is 0) for purpose
 * (non-empty) and aad into out (outlen bytes; HF_SEAL_TOKEN_MAX(len) always
 * fits), NUL-terminated. Returns 0, or -EMSGSIZE when len > HF_SEAL_MAX or
 * the token does not fit (out is then ""). */
int hf_seal(const hf_keyring_t *k, const char *purpose, const void *plain, size_t len,
            const char *aad, char *out, size_t outlen);

/* Open a token hf_seal made with the same purpose and aad: its plaintext
 * into plain (cap bytes, not NUL-terminated) and *len. No plaintext is
 * released before the tag checks. Returns 0, or with *len = 0:
 *   -EINVAL   not a sealed token (garbage, truncated, bad base64url, NULL)
 *   -ENOKEY   its key id is not in the keyring
 *   -EBADMSG  authentication failed: changed, another purpose or aad, or
 *             another key under the same id
 *   -EMSGSIZE its plaintext is longer than cap */
int hf_unseal(const hf_keyring_t *k, const char *purpose, const char *token, const char *aad,
              void *plain, size_t cap, size_t *len);

/* --- blind index ----------------------------------------------------------- */

/* Lowercase hex HMAC-SHA256, under the keyring's hmac key, of context, a
 * 0x00 byte, then normalised (both NUL-terminated), into out. context names
 * the tenant and field ("<tenant uuid>:candidates.phone") so equal values in
 * different tenants or fields get unrelated indexes. Equal inputs give equal
 * indexes: this finds exact matches only, and only if the value went through
 * the same normaliser. Returns 0, or -ENOMEM (libcrypto could not allocate)
 * with out set to "". */
int hf_pii_index(const hf_keyring_t *k, const char *context, const char *normalised,
                 char out[65]);
/* The same over len bytes of data (any bytes): hf_pii_index(k, c, s, out)
 * is hf_pii_index_bytes(k, c, s, strlen(s), out). */
int hf_pii_index_bytes(const hf_keyring_t *k, const char *context, const void *data, size_t len,
                       char out[65]);

/* Room for any normalised phone: '+', 15 digits, NUL. */
#define HF_PII_PHONE_MAX 17

/* Normalise a phone number written by a person, in or for China, into out:
 * - spaces, tabs, dashes and parentheses are dropped; any other character
 *   that is not a digit (or a leading '+') makes it implausible;
 * - a country code +86, 0086 or 86 (the last only before an 11-digit mobile
 *   number, since 86… is also a local landline) is removed, giving the
 *   national form: "13800138000", or with its trunk 0 for a landline,
 *   "+86 10 1234 5678" -> "01012345678" as "010-12345678" gives;
 * - any other international number (+ or 00 then a country code) keeps a
 *   '+' and its digits, "+1 415 555 0100" -> "+14155550100", so it can never
 *   equal a national Chinese number.
 * Returns 0, or -1 if the result is not 7 to 15 digits or does not fit in
 * outlen bytes (HF_PII_PHONE_MAX always fits). Full-width digits are not
 * accepted: NFKC-normalise such input first. */
int hf_pii_normalize_phone(const char *in, char *out, size_t outlen);

/* Normalise an email address into out: surrounding whitespace trimmed and
 * the whole address lowercased (ASCII letters; other bytes kept). The local
 * part is case-sensitive in RFC 5321, but no mail provider hrflow meets
 * treats it so, and a candidate who types Zhang.San@ once and zhang.san@
 * later is one person. Dots and +tags are kept: their meaning is the
 * provider's. Returns 0, or -1 if the address is not one non-empty local
 * part, one '@' and a domain with a dot not at either end and no "..", has
 * whitespace or control characters inside, is longer than 254 bytes, or
 * does not fit in outlen bytes. */
int hf_pii_normalize_email(const char *in, char *out, size_t outlen);

#endif
