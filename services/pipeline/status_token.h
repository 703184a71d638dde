/* services/pipeline/status_token.h - the candidate's key to their status page
 *
 * "<application id><tenant id><mac>", each 32 lowercase hex digits: the
 * common token (hf/token.h) of context "candidate-status" over tenant and
 * application, without expiry. Derived, not stored: it can be printed
 * again at any time (a template, the console) and needs no table; a forged
 * token is refused without a lookup; rotating the index key changes every
 * token (docs/security.md).
 */
#ifndef PIPELINE_STATUS_TOKEN_H
#define PIPELINE_STATUS_TOKEN_H

#include "hf/crypto.h"

#define PL_STATUS_TOKEN_LEN 96

/* The token of application (a UUID) of tenant (a UUID) into out. Returns 0,
 * or -1 when an id is not a UUID or the MAC fails. */
int pl_status_token(const hf_keyring_t *keys, const char *tenant, const char *application,
                    char out[PL_STATUS_TOKEN_LEN + 1]);

/* 0 with the ids (canonical UUID text) when token is one keys made; -1 for
 * anything else: another length or alphabet, a changed character, another
 * key. The MAC is compared in constant time. */
int pl_status_token_parse(const hf_keyring_t *keys, const char *token, char tenant[37],
                          char application[37]);

#endif
