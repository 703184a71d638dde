/* common/src/page_token.c - sealed page tokens (hf/store.h)
 *
 * A list's cursor, the (create time, id) of the last row handed out, is
 * sealed with hf_seal (hf/crypto.h) for the purpose "page-token" and the AAD
 * "<tenant>\n<list>", so the client holds a token that shows neither the id
 * nor the time and opens only for the tenant and list that made it. The
 * sealed bytes are the time as 8 bytes big-endian, then the id's text.
 * Apart from store.c (which runs the page's query) so that it needs nothing
 * but the keyring: tests/fuzz/fuzz-pages.c builds it alone.
 */
#include "hf/store.h"

#include "hf/encoding.h"

#include <stdio.h>
#include <string.h>

#define PURPOSE "page-token"
#define TIME_BYTES 8
#define AAD_MAX 160 /* a tenant, "\n", "<service>.<method>"; cut short alike on both sides */

_Static_assert(HF_PAGE_TOKEN_MAX >= HF_SEAL_TOKEN_MAX(TIME_BYTES + HF_PAGE_ID_MAX - 1),
               "HF_PAGE_TOKEN_MAX holds a token of the longest id");
_Static_assert(TIME_BYTES + HF_PAGE_ID_MAX - 1 <= HF_SEAL_MAX, "a cursor fits hf_seal");

/* "<tenant>\n<list>": where a token is valid. */
static void page_aad(const char *tenant, const char *list, char *out, size_t n)
{
    snprintf(out, n, "%s\n%s", tenant ? tenant : "", list ? list : "");
}

int hf_page_seal(const hf_keyring_t *k, const char *tenant, const char *list, int64_t create_us,
                 const char *id, char out[HF_PAGE_TOKEN_MAX])
{
    unsigned char cursor[TIME_BYTES + HF_PAGE_ID_MAX];
    size_t il = strlen(id);
    out[0] = '\0';
    if (il == 0 || il >= HF_PAGE_ID_MAX)
        return -1;
    for (int i = 0; i < TIME_BYTES; i++)
        cursor[i] = (unsigned char)((uint64_t)create_us >> (56 - 8 * i));
    memcpy(cursor + TIME_BYTES, id, il);
    char aad[AAD_MAX];
    page_aad(tenant, list, aad, sizeof(aad));
    return hf_seal(k, PURPOSE, cursor, TIME_BYTES + il, aad, out, HF_PAGE_TOKEN_MAX) == 0 ? 0 : -1;
}

int hf_page_unseal(const hf_keyring_t *k, const char *tenant, const char *list, const char *token,
                   int (*id_ok)(const char *), int64_t *after_us, char after_id[HF_PAGE_ID_MAX])
{
    unsigned char cursor[TIME_BYTES + HF_PAGE_ID_MAX - 1];
    size_t n = 0;
    char aad[AAD_MAX];
    page_aad(tenant, list, aad, sizeof(aad));
    if (hf_unseal(k, PURPOSE, token, aad, cursor, sizeof(cursor), &n) < 0 || n <= TIME_BYTES ||
        memchr(cursor + TIME_BYTES, '\0', n - TIME_BYTES))
        return -1;
    memcpy(after_id, cursor + TIME_BYTES, n - TIME_BYTES);
    after_id[n - TIME_BYTES] = '\0';
    if (!(id_ok ? id_ok : hf_uuid_valid)(after_id))
        return -1;
    uint64_t us = 0;
    for (int i = 0; i < TIME_BYTES; i++)
        us = us << 8 | cursor[i];
    *after_us = (int64_t)us;
    return 0;
}
