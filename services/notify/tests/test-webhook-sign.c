/* services/notify/tests/test-webhook-sign.c - Standard Webhooks signatures against the spec's vector */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../webhook_sign.h"

/* The example of the Standard Webhooks specification (and the libraries'
 * tests; the standardwebhooks npm package signs it the same). */
#define SPEC_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SPEC_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SPEC_TS 1614265330
#define SPEC_BODY "{\"test\": 2432232314}"
#define SPEC_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static void test_the_spec_vector(void **state)
{
    (void)state;
    char sig[WH_SIG_MAX];
    assert_int_equal(wh_sign(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY, strlen(SPEC_BODY), sig), 0);
    assert_string_equal(sig, SPEC_SIG);
    /* the prefix is optional, as the libraries take it */
    assert_int_equal(wh_sign(SPEC_SECRET + 6, SPEC_ID, SPEC_TS, SPEC_BODY, strlen(SPEC_BODY), sig),
                     0);
    assert_string_equal(sig, SPEC_SIG);
    assert_int_equal(wh_verify(SPEC_SECRET, SPEC_SIG, SPEC_ID, SPEC_TS, SPEC_BODY,
                               strlen(SPEC_BODY)), 0);
}

static void test_any_change_breaks_it(void **state)
{
    (void)state;
    const char *b = SPEC_BODY;
    size_t n = strlen(b);
    assert_int_equal(wh_verify(SPEC_SECRET, SPEC_SIG, SPEC_ID, SPEC_TS + 1, b, n), -EBADMSG);
    assert_int_equal(wh_verify(SPEC_SECRET, SPEC_SIG, "msg_other", SPEC_TS, b, n), -EBADMSG);
    assert_int_equal(wh_verify(SPEC_SECRET, SPEC_SIG, SPEC_ID, SPEC_TS, b, n - 1), -EBADMSG);
    assert_int_equal(wh_verify(SPEC_SECRET, "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", SPEC_ID, SPEC_TS, b, n), -EBADMSG);
    assert_int_equal(wh_verify(SPEC_SECRET, "", SPEC_ID, SPEC_TS, b, n), -EBADMSG);
    assert_int_equal(wh_verify(SPEC_SECRET, "v1,", SPEC_ID, SPEC_TS, b, n), -EBADMSG);
    char other[WH_SECRET_MAX];
    wh_secret_new(other);
    assert_int_equal(wh_verify(other, SPEC_SIG, SPEC_ID, SPEC_TS, b, n), -EBADMSG);
}

static void test_secrets(void **state)
{
    (void)state;
    char a[WH_SECRET_MAX], b[WH_SECRET_MAX];
    unsigned char key[WH_KEY_MAX];
    size_t len;
    wh_secret_new(a);
    wh_secret_new(b);
    assert_memory_equal(a, "whsec_", 6);
    assert_string_not_equal(a, b);
    assert_int_equal(wh_secret_key(a, key, &len), 0);
    assert_int_equal(len, WH_KEY_NEW);
    assert_int_equal(wh_secret_key(SPEC_SECRET, key, &len), 0);
    assert_int_equal(len, 24);
    const char *bad[] = { "", "whsec_", "whsec_c2hvcnQ=",            /* 5 bytes */
                          "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",   /* not a multiple of 4 */
                          "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-w",  /* base64url, not base64 */
                          "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw ", NULL };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        assert_int_equal(wh_secret_key(bad[k], key, &len), -EINVAL);
    char sig[WH_SIG_MAX];
    assert_int_equal(wh_sign("whsec_c2hvcnQ=", SPEC_ID, SPEC_TS, "", 0, sig), -EINVAL);
    assert_string_equal(sig, "");
    assert_int_equal(wh_sign(SPEC_SECRET, "a.b", SPEC_TS, "", 0, sig), -EINVAL);
    assert_int_equal(wh_sign(SPEC_SECRET, "", SPEC_TS, "", 0, sig), -EINVAL);
}

static void test_rotation_sends_both(void **state)
{
    (void)state;
    char fresh[WH_SECRET_MAX], hdr[2 * WH_SIG_MAX];
    wh_secret_new(fresh);
    const char *both[] = { fresh, SPEC_SECRET };
    const char *b = SPEC_BODY;
    assert_int_equal(wh_signature_header(both, 2, SPEC_ID, SPEC_TS, b, strlen(b), hdr,
                                         sizeof(hdr)), 0);
    assert_non_null(strstr(hdr, " " SPEC_SIG));
    assert_int_equal(wh_verify(fresh, hdr, SPEC_ID, SPEC_TS, b, strlen(b)), 0);
    assert_int_equal(wh_verify(SPEC_SECRET, hdr, SPEC_ID, SPEC_TS, b, strlen(b)), 0);
    char small[WH_SIG_MAX + 4];
    assert_int_equal(wh_signature_header(both, 2, SPEC_ID, SPEC_TS, b, strlen(b), small,
                                         sizeof(small)), -EMSGSIZE);
    assert_string_equal(small, "");
    assert_int_equal(wh_signature_header(both, 0, SPEC_ID, SPEC_TS, b, 0, hdr, sizeof(hdr)),
                     -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_spec_vector),
        cmocka_unit_test(test_any_change_breaks_it),
        cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_rotation_sends_both),
    };
    return cmocka_run_group_tests_name("notify-webhook-sign", tests, NULL, NULL);
}
