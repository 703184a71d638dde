/* common/include/hf/token.h - tokens that name records, derived, not stored
 *
 * A token is a key a person holds instead of an API key: the candidate's
 * status page, the link that books an interview. It names its records by
 * their ids and proves it was made here with a MAC under the keyring's
 * index key (hf_pii_index), so:
 * - nothing is stored: the token can be made again at any time (a mail
 *   template, the console) and needs no table;
 * - a forged or changed token is refused before any lookup, the MAC
 *   compared in constant time;
 * - rotating the index key changes every token (docs/security.md).
 *
 * The text is lowercase hex: the ids (canonical UUIDs without dashes, 32
 * digits each), the most specific first; then, for a kind that expires,
 * the expiry (Unix seconds, 8 digits); then the first 128 bits of
 * HMAC-SHA256 under the index key, with the kind's context, over the ids
 * as text joined by '/', the most general first ("<tenant>/<record>"), and
 * "/<expiry digits>" when the kind expires. The expiry is covered by the
 * MAC: changing it makes another token that is not valid.
 */
#ifndef HF_TOKEN_H
#define HF_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "hf/crypto.h"

#define HF_TOKEN_MAX_IDS 4

/* The length of a token of n ids, with an expiry or not. */
#define HF_TOKEN_LEN(n, expires) ((n) * 32 + ((expires) ? 8 : 0) + 32)

/* What a token is for. Static, one per use. */
typedef struct {
    const char *context; /* the MAC's context: "candidate-status", "interview-booking" */
    size_t n_ids;        /* 1 .. HF_TOKEN_MAX_IDS */
    int expires;         /* 1: the token carries an expiry */
} hf_token_kind_t;

/* The token of ids (n_ids canonical UUIDs, the most general first: the
 * tenant, then the record) into out (size outlen, at least
 * HF_TOKEN_LEN + 1); expiry (Unix seconds, 1 .. 2^32-1) only when the kind
 * expires, else ignored. Returns 0, or -1 when an id is not a UUID, the
 * expiry is out of range, out is too small or the MAC fails. */
int hf_token_make(const hf_keyring_t *keys, const hf_token_kind_t *kind,
                  const char *const *ids, int64_t expiry, char *out, size_t outlen);

/* 0 with the ids (canonical UUID text, the most general first, as given to
 * hf_token_make) and, when the kind expires, *expiry (may be NULL) when
 * token is one keys made for kind; -1 for anything else: another length or
 * alphabet, a changed character, another key, another kind. Whether the
 * expiry has passed is the caller's to judge, against its own clock. */
int hf_token_parse(const hf_keyring_t *keys, const hf_token_kind_t *kind, const char *token,
                   char ids[][37], int64_t *expiry);

#endif
