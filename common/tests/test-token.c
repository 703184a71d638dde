/* common/tests/test-token.c - tokens that name records: made, checked, refused, expiring */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hf/token.h"

#define K1 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KH "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
#define KH2 "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
#define TENANT "5b0c7a1e-2f3d-4c5b-8a9e-0123456789ab"
#define REC "8d062711-1cee-4fa5-a7a9-2af42013e919"
#define LEN HF_TOKEN_LEN(2, 1)

static const hf_token_kind_t expiring = { "test-expiring", 2, 1 };
static const hf_token_kind_t plain = { "test-plain", 2, 0 };
static const char *const ids[] = { TENANT, REC };
static hf_keyring_t *ring, *other;

/* two keyrings, the same encryption key, another index key */
static int rings(void **state)
{
    (void)state;
    ring = hf_keyring_new("k1:" K1 ",hmac:" KH, NULL, 0);
    other = hf_keyring_new("k1:" K1 ",hmac:" KH2, NULL, 0);
    return ring && other ? 0 : -1;
}

static int no_rings(void **state)
{
    (void)state;
    hf_keyring_destroy(&ring);
    hf_keyring_destroy(&other);
    return 0;
}

static void test_round_trip_with_expiry(void **state)
{
    (void)state;
    char tok[LEN + 1], got[2][37];
    int64_t exp = 0;
    assert_int_equal(hf_token_make(ring, &expiring, ids, 1900000000, tok, sizeof(tok)), 0);
    assert_int_equal(strlen(tok), LEN);
    assert_memory_equal(tok, "8d0627111cee4fa5a7a92af42013e919", 32); /* the record first */
    assert_memory_equal(tok + 64, "713fb300", 8);                     /* 1900000000 */
    assert_int_equal(hf_token_parse(ring, &expiring, tok, got, &exp), 0);
    assert_string_equal(got[0], TENANT);
    assert_string_equal(got[1], REC);
    assert_int_equal(exp, 1900000000);
}

/* any one-character change (the expiry too) is refused */
static void test_every_change_is_refused(void **state)
{
    (void)state;
    char tok[LEN + 1], got[2][37];
    assert_int_equal(hf_token_make(ring, &expiring, ids, 1900000000, tok, sizeof(tok)), 0);
    static const char alphabet[] = "0123456789abcdefA-g";
    for (size_t i = 0; i < LEN; i++)
        for (const char *c = alphabet; *c; c++) {
            if (*c == tok[i])
                continue;
            char bad[LEN + 1];
            memcpy(bad, tok, sizeof(bad));
            bad[i] = *c;
            assert_int_equal(hf_token_parse(ring, &expiring, bad, got, NULL), -1);
        }
}

static void test_other_kinds_keys_and_shapes_are_refused(void **state)
{
    (void)state;
    char tok[LEN + 1], got[2][37];
    assert_int_equal(hf_token_make(ring, &expiring, ids, 1900000000, tok, sizeof(tok)), 0);
    hf_token_kind_t other_context = expiring;
    other_context.context = "test-other";
    assert_int_equal(hf_token_parse(ring, &other_context, tok, got, NULL), -1);
    assert_int_equal(hf_token_parse(ring, &plain, tok, got, NULL), -1);
    assert_int_equal(hf_token_parse(other, &expiring, tok, got, NULL), -1);
    assert_int_equal(hf_token_parse(ring, &expiring, "", got, NULL), -1);
    assert_int_equal(hf_token_parse(ring, &expiring, NULL, got, NULL), -1);
    /* no token of ids that are not canonical UUIDs, of an expiry out of
     * range, or into too small a buffer */
    const char *upper[] = { TENANT, "8D062711-1CEE-4FA5-A7A9-2AF42013E919" };
    assert_int_equal(hf_token_make(ring, &expiring, upper, 1900000000, tok, sizeof(tok)), -1);
    assert_int_equal(hf_token_make(ring, &expiring, ids, 0, tok, sizeof(tok)), -1);
    assert_int_equal(hf_token_make(ring, &expiring, ids, 0x100000000LL, tok, sizeof(tok)), -1);
    assert_int_equal(hf_token_make(ring, &expiring, ids, 1900000000, tok, LEN), -1);
}

/* without expiry: ids then MAC, the MAC over "<tenant>/<record>" */
static void test_plain_kind(void **state)
{
    (void)state;
    char tok[HF_TOKEN_LEN(2, 0) + 1], got[2][37];
    assert_int_equal(hf_token_make(ring, &plain, ids, 0, tok, sizeof(tok)), 0);
    assert_int_equal(strlen(tok), HF_TOKEN_LEN(2, 0));
    assert_memory_equal(tok + 32, "5b0c7a1e2f3d4c5b8a9e0123456789ab", 32);
    assert_int_equal(hf_token_parse(ring, &plain, tok, got, NULL), 0);
    assert_string_equal(got[1], REC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_with_expiry),
        cmocka_unit_test(test_every_change_is_refused),
        cmocka_unit_test(test_other_kinds_keys_and_shapes_are_refused),
        cmocka_unit_test(test_plain_kind),
    };
    return cmocka_run_group_tests(tests, rings, no_rings);
}
