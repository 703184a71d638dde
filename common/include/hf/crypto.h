/* hf/crypto.h - digests over OpenSSL's libcrypto
 *
 * Hex digests for what hrflow names by content: migration checksums, API
 * token hashes (the Redis keys of the gateway's auth cache), Lua script ids.
 * Personal-data encryption (AES-256-GCM) joins this module when a service
 * first stores such data.
 */
#ifndef HF_CRYPTO_H
#define HF_CRYPTO_H

#include <stddef.h>

/* Lowercase hex SHA-256 of len bytes at data, NUL-terminated, into out. */
void hf_sha256_hex(const void *data, size_t len, char out[65]);

/* Lowercase hex SHA-1 (for Redis script ids only: not for security). */
void hf_sha1_hex(const void *data, size_t len, char out[41]);

#endif
