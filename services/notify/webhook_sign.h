/* services/notify/webhook_sign.h - Standard Webhooks signatures and secrets (webhook_sign.c) */
#ifndef NOTIFY_WEBHOOK_SIGN_H
#define NOTIFY_WEBHOOK_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define WH_SECRET_PREFIX "whsec_"
#define WH_KEY_MIN 24          /* bytes of a secret's key, as the spec allows */
#define WH_KEY_MAX 64
#define WH_KEY_NEW 32          /* bytes of the keys hrflow makes */
/* "whsec_", the standard base64 of the longest key, NUL. */
#define WH_SECRET_MAX (6 + 4 * ((WH_KEY_MAX + 2) / 3) + 1)
/* "v1,", the base64 of an HMAC-SHA256 (44 characters), NUL. */
#define WH_SIG_MAX (3 + 44 + 1)

/* A new secret "whsec_<base64 of WH_KEY_NEW random bytes>" into out. */
void wh_secret_new(char out[WH_SECRET_MAX]);

/* The key of a secret: "whsec_" (optional, as the libraries take it)
 * followed by the standard, padded base64 of WH_KEY_MIN..WH_KEY_MAX bytes.
 * Returns 0 with key and *keylen set, or -EINVAL (nothing meaningful in key). */
int wh_secret_key(const char *secret, unsigned char key[WH_KEY_MAX], size_t *keylen);

/* The signature "v1,<base64 HMAC-SHA256(key, id "." timestamp "." body)>" of
 * a message under secret into out. Returns 0, or -EINVAL for a secret
 * wh_secret_key refuses or an id with a '.' or nothing in it (out is ""). */
int wh_sign(const char *secret, const char *msg_id, int64_t timestamp, const void *body,
            size_t len, char out[WH_SIG_MAX]);

/* The webhook-signature header's value: the signatures of the message
 * under each of the n secrets (1 or 2: during a rotation's overlap both the
 * new and the previous), separated by one space, into out (outlen bytes;
 * n * WH_SIG_MAX always fits). Returns 0, or -EINVAL (a bad secret, n = 0)
 * or -EMSGSIZE, with out "". */
int wh_signature_header(const char *const *secrets, size_t n, const char *msg_id,
                        int64_t timestamp, const void *body, size_t len, char *out,
                        size_t outlen);

/* Whether one of the space-separated signatures of header (a
 * webhook-signature value; entries of other versions than v1 are skipped)
 * is the message's under secret, compared in constant time. Returns 0 when
 * one matches, -EBADMSG when none does, -EINVAL for a bad secret or id. The
 * timestamp's tolerance is the receiver's to check. */
int wh_verify(const char *secret, const char *header, const char *msg_id, int64_t timestamp,
              const void *body, size_t len);

#endif
