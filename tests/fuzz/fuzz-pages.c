/* tests/fuzz/fuzz-pages.c - fuzz target of sealed page tokens (common/src/page_token.c)
 *
 * Each input is used twice, under one fixed keyring, tenant and list:
 *   - as a token a client sent: it never opens (nobody forges a tag), and
 *     reading it touches nothing outside the input;
 *   - as the bytes inside a token (sealed with hf_seal for the page-token
 *     purpose, as a key that opened it would see them): they open only when
 *     they are a cursor hf_page_seal writes (8 bytes of time, then a UUID),
 *     and then sealing that cursor again and opening it gives it back.
 * A broken promise is an abort(), so libFuzzer (run.sh pages, clang) and the
 * corpus replay (the unit suite) both report it. ASan finds bad accesses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf/crypto.h"
#include "hf/encoding.h"
#include "hf/store.h"

#define TENANT "7d4c1f9e-0000-4000-8000-000000000001"
#define LIST "pipeline.ListJobs"
#define TOKEN_TEXT_MAX 1024

int fuzz_pages_input(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz-pages: %s\n", what);
    abort();
}

static const hf_keyring_t *keyring(void)
{
    static hf_keyring_t *k;
    if (!k)
        k = hf_keyring_new("k2:a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf,"
                           "k1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f,"
                           "hmac:f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff",
                           NULL, 0);
    if (!k)
        fail("no keyring");
    return k;
}

/* The input as a client's token. */
static void as_token(const hf_keyring_t *k, const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        fail("out of memory");
    memcpy(text, data, size);
    text[size] = '\0';
    int64_t us = 0;
    char id[HF_PAGE_ID_MAX];
    if (hf_page_unseal(k, TENANT, LIST, text, NULL, &us, id) == 0)
        fail("a token nobody sealed opened");
    free(text);
}

/* The input as what a token holds. */
static void as_cursor(const hf_keyring_t *k, const uint8_t *data, size_t size)
{
    char tok[HF_SEAL_TOKEN_MAX(HF_SEAL_MAX)], again[HF_PAGE_TOKEN_MAX];
    if (size > HF_SEAL_MAX)
        return;
    if (hf_seal(k, "page-token", data, size, TENANT "\n" LIST, tok, sizeof(tok)) < 0)
        fail("hf_seal refused what fits");
    int64_t us = 0, us2 = 0;
    char id[HF_PAGE_ID_MAX], id2[HF_PAGE_ID_MAX];
    if (hf_page_unseal(k, TENANT, LIST, tok, NULL, &us, id) < 0)
        return;
    uint64_t be = 0;
    for (int i = 0; i < 8 && i < (int)size; i++)
        be = be << 8 | data[i];
    if (size != 8 + 36 || !hf_uuid_valid(id) || memcmp(data + 8, id, 36) != 0 ||
        (uint64_t)us != be)
        fail("opened a cursor hf_page_seal does not write");
    if (hf_page_seal(k, TENANT, LIST, us, id, again) < 0 ||
        hf_page_unseal(k, TENANT, LIST, again, NULL, &us2, id2) < 0 || us2 != us ||
        strcmp(id2, id) != 0)
        fail("a cursor does not survive sealing again");
}

int fuzz_pages_input(const uint8_t *data, size_t size)
{
    const hf_keyring_t *k = keyring();
    if (size <= TOKEN_TEXT_MAX)
        as_token(k, data, size);
    as_cursor(k, data, size);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_pages_input(data, size);
}
