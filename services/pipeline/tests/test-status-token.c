/* services/pipeline/tests/test-status-token.c - the candidate's status token: made, checked, refused */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../status_token.h"

#define K1 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KH "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
#define KH2 "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
#define TENANT "5b0c7a1e-2f3d-4c5b-8a9e-0123456789ab"
#define APP "8d062711-1cee-4fa5-a7a9-2af42013e919"

static hf_keyring_t *ring;

static int setup(void **state)
{
    (void)state;
    ring = hf_keyring_new("k1:" K1 ",hmac:" KH, NULL, 0);
    return ring ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    hf_keyring_destroy(&ring);
    return 0;
}

static void test_round_trip(void **state)
{
    (void)state;
    char tok[PL_STATUS_TOKEN_LEN + 1], t[37], a[37];
    assert_int_equal(pl_status_token(ring, TENANT, APP, tok), 0);
    assert_int_equal(strlen(tok), PL_STATUS_TOKEN_LEN);
    assert_memory_equal(tok, "8d0627111cee4fa5a7a92af42013e919", 32);
    assert_memory_equal(tok + 32, "5b0c7a1e2f3d4c5b8a9e0123456789ab", 32);
    /* the bytes of every link already sent: HMAC-SHA256 under KH of
     * "candidate-status\0<tenant>/<application>", computed apart */
    assert_string_equal(tok + 64, "2742c729042d914939710b2e798ad799");
    assert_int_equal(pl_status_token_parse(ring, tok, t, a), 0);
    assert_string_equal(t, TENANT);
    assert_string_equal(a, APP);
    char again[PL_STATUS_TOKEN_LEN + 1]; /* derived: the same every time */
    assert_int_equal(pl_status_token(ring, TENANT, APP, again), 0);
    assert_string_equal(tok, again);
}

/* every one-character change, anywhere, is refused */
static void test_every_change_is_refused(void **state)
{
    (void)state;
    char tok[PL_STATUS_TOKEN_LEN + 1], t[37], a[37];
    assert_int_equal(pl_status_token(ring, TENANT, APP, tok), 0);
    static const char alphabet[] = "0123456789abcdefABCDEF-g ";
    for (size_t i = 0; i < PL_STATUS_TOKEN_LEN; i++)
        for (const char *c = alphabet; *c; c++) {
            if (*c == tok[i])
                continue;
            char bad[PL_STATUS_TOKEN_LEN + 1];
            memcpy(bad, tok, sizeof(bad));
            bad[i] = *c;
            assert_int_equal(pl_status_token_parse(ring, bad, t, a), -1);
        }
}

static void test_other_shapes_and_keys_are_refused(void **state)
{
    (void)state;
    char tok[PL_STATUS_TOKEN_LEN + 1], t[37], a[37];
    assert_int_equal(pl_status_token(ring, TENANT, APP, tok), 0);
    char longer[PL_STATUS_TOKEN_LEN + 2];
    snprintf(longer, sizeof(longer), "%s0", tok);
    assert_int_equal(pl_status_token_parse(ring, longer, t, a), -1);
    tok[PL_STATUS_TOKEN_LEN - 1] = '\0';
    assert_int_equal(pl_status_token_parse(ring, tok, t, a), -1);
    assert_int_equal(pl_status_token_parse(ring, "", t, a), -1);
    assert_int_equal(pl_status_token_parse(ring, NULL, t, a), -1);
    /* made with another index key: refused */
    hf_keyring_t *other = hf_keyring_new("k1:" K1 ",hmac:" KH2, NULL, 0);
    assert_non_null(other);
    assert_int_equal(pl_status_token(other, TENANT, APP, tok), 0);
    assert_int_equal(pl_status_token_parse(ring, tok, t, a), -1);
    hf_keyring_destroy(&other);
    /* the same application id under another tenant is another token */
    char mine[PL_STATUS_TOKEN_LEN + 1], theirs[PL_STATUS_TOKEN_LEN + 1];
    assert_int_equal(pl_status_token(ring, TENANT, APP, mine), 0);
    assert_int_equal(pl_status_token(ring, "6b0c7a1e-2f3d-4c5b-8a9e-0123456789ab", APP, theirs),
                     0);
    assert_memory_not_equal(mine + 64, theirs + 64, 32);
    /* ids that are not canonical UUIDs make no token */
    assert_int_equal(pl_status_token(ring, TENANT, "8D062711-1CEE-4FA5-A7A9-2AF42013E919", tok),
                     -1);
    assert_int_equal(pl_status_token(ring, TENANT, "not-a-uuid", tok), -1);
    assert_int_equal(pl_status_token(ring, "", APP, tok), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_every_change_is_refused),
        cmocka_unit_test(test_other_shapes_and_keys_are_refused),
    };
    return cmocka_run_group_tests_name("pipeline-status-token", tests, setup, teardown);
}
