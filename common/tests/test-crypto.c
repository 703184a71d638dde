/* common/tests/test-crypto.c - digests, the keyring, v1 tokens, sealed tokens, blind index, normalisers */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hf/crypto.h"

/* Test keys only: 64 hex digits each. */
#define K1 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define K2 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define KH "f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff"

#define PHONE_AAD "7d4c1f9e-0000-4000-8000-000000000001:candidates.phone"
#define PHONE "13800138000"

static hf_keyring_t *ring;   /* k2 current, k1, hmac: made once for the group */

static hf_keyring_t *keyring(const char *spec)
{
    char err[256];
    hf_keyring_t *k = hf_keyring_new(spec, err, sizeof(err));
    if (!k)
        fail_msg("keyring \"%.20s…\": %s", spec, err);
    return k;
}

static char *encrypt(const hf_keyring_t *k, const char *s, const char *aad)
{
    char *tok = NULL;
    assert_int_equal(hf_pii_encrypt(k, s, strlen(s), aad, &tok), 0);
    assert_non_null(tok);
    return tok;
}

/* Decrypt and expect rc; on failure the outputs must be cleared. */
static void expect_decrypt_fails(const hf_keyring_t *k, const char *tok, const char *aad, int rc)
{
    char *plain = (char *)"untouched";
    size_t len = 99;
    assert_int_equal(hf_pii_decrypt(k, tok, aad, &plain, &len), rc);
    assert_null(plain);
    assert_int_equal(len, 0);
}

static int ring_setup(void **state)
{
    (void)state;
    ring = hf_keyring_new("k2:" K2 ",k1:" K1 ",hmac:" KH, NULL, 0);
    return ring ? 0 : -1;
}

static int ring_teardown(void **state)
{
    (void)state;
    hf_keyring_destroy(&ring);
    return 0;
}

/* *state: PHONE encrypted under ring for PHONE_AAD. */
static int token_setup(void **state)
{
    return hf_pii_encrypt(ring, PHONE, strlen(PHONE), PHONE_AAD, (char **)state);
}

static int token_teardown(void **state)
{
    free(*state);
    return 0;
}

static void test_digests_unchanged(void **state)
{
    (void)state;
    char h[65], s[41];
    hf_sha256_hex("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hf_sha1_hex("abc", 3, s);
    assert_string_equal(s, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

static void test_round_trip_chinese(void **state)
{
    (void)state;
    const char *text = "张三，身份证 110101199003077777，招商银行 6225 8801 2345 6789";
    char *tok = encrypt(ring, text, PHONE_AAD);
    assert_memory_equal(tok, "v1.k2.", 6);
    assert_int_equal(strspn(tok + 6, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-_"), strlen(tok + 6));
    assert_null(strstr(tok, "110101"));
    char *plain = NULL;
    size_t len = 0;
    assert_int_equal(hf_pii_decrypt(ring, tok, PHONE_AAD, &plain, &len), 0);
    assert_int_equal(len, strlen(text));
    assert_string_equal(plain, text);
    free(plain);
    free(tok);
}

static void test_round_trip_empty_and_binary(void **state)
{
    (void)state;
    static const char bin[] = { 'a', 0, (char)0xff, 0, 'z' };
    char *tok = NULL, *plain = NULL;
    size_t len = 7;
    assert_int_equal(hf_pii_encrypt(ring, NULL, 0, PHONE_AAD, &tok), 0);
    assert_int_equal(hf_pii_decrypt(ring, tok, PHONE_AAD, &plain, &len), 0);
    assert_int_equal(len, 0);
    assert_string_equal(plain, "");
    free(plain);
    free(tok);
    assert_int_equal(hf_pii_encrypt(ring, bin, sizeof(bin), PHONE_AAD, &tok), 0);
    assert_int_equal(hf_pii_decrypt(ring, tok, PHONE_AAD, &plain, NULL), 0);
    assert_memory_equal(plain, bin, sizeof(bin));
    assert_int_equal(plain[sizeof(bin)], '\0');
    free(plain);
    free(tok);
}

static void test_nonce_is_random(void **state)
{
    const char *a = *state;
    char *b = encrypt(ring, PHONE, PHONE_AAD);
    assert_string_not_equal(a + 6, b + 6);
    free(b);
}

static void test_aad_mismatch_fails(void **state)
{
    const char *tok = *state;
    expect_decrypt_fails(ring, tok, "7d4c1f9e-0000-4000-8000-000000000002:candidates.phone",
                         -EBADMSG);
    expect_decrypt_fails(ring, tok, "7d4c1f9e-0000-4000-8000-000000000001:employees.phone",
                         -EBADMSG);
    expect_decrypt_fails(ring, tok, PHONE_AAD "x", -EBADMSG);
}

static void test_every_bit_flip_fails(void **state)
{
    char *tok = *state;
    size_t n = strlen(tok);
    for (size_t i = 0; i < n; i++)
        for (int bit = 0; bit < 8; bit++) {
            tok[i] ^= (char)(1 << bit);
            char *plain = NULL;
            if (hf_pii_decrypt(ring, tok, PHONE_AAD, &plain, NULL) == 0)
                fail_msg("flipping bit %d of character %zu still decrypts", bit, i);
            assert_null(plain);
            tok[i] ^= (char)(1 << bit);
        }
    char *plain = NULL;
    assert_int_equal(hf_pii_decrypt(ring, tok, PHONE_AAD, &plain, NULL), 0);
    free(plain);
}

static void test_truncation_fails(void **state)
{
    char *tok = *state;
    for (size_t n = strlen(tok); n-- > 0;) {
        tok[n] = '\0';
        char *plain = NULL;
        assert_true(hf_pii_decrypt(ring, tok, PHONE_AAD, &plain, NULL) < 0);
        assert_null(plain);
    }
}

/* Nonces come from a per-thread pool of the kernel's bytes: one value
 * encrypted again and again never gets a nonce twice (the tokens differ,
 * across refills of the pool), nor does a forked child, which inherits its
 * parent's pool, repeat what the parent draws next. */
static void test_nonces_do_not_repeat_even_across_fork(void **state)
{
    (void)state;
    enum { N = 100 }; /* 100 nonces of 12 bytes: several pools of 256 */
    char *seen[N];
    for (int i = 0; i < N; i++) {
        seen[i] = encrypt(ring, PHONE, "t:phone");
        for (int j = 0; j < i; j++)
            assert_string_not_equal(seen[i], seen[j]);
    }
    for (int i = 0; i < N; i++)
        free(seen[i]);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *tok = NULL;
        int ok = hf_pii_encrypt(ring, PHONE, strlen(PHONE), "t:phone", &tok) == 0;
        size_t len = ok ? strlen(tok) : 0;
        ok = ok && len < 256 && write(fds[1], tok, len) == (ssize_t)len;
        _exit(ok ? 0 : 1);
    }
    char *parent = encrypt(ring, PHONE, "t:phone"), child[256] = "";
    ssize_t got = read(fds[0], child, sizeof(child) - 1);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(got, (ssize_t)strlen(parent));
    assert_string_not_equal(parent, child);
    free(parent);
    close(fds[0]);
    close(fds[1]);
}

static void test_garbage_fails(void **state)
{
    char padded[256], spaced[256];
    snprintf(padded, sizeof(padded), "%s=", (const char *)*state);
    snprintf(spaced, sizeof(spaced), "%s ", (const char *)*state);
    const char *bad[] = {
        "", PHONE, "v1", "v1.", "v1.k1", "v1.k1.", "v1..AAAA", "v2.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "V1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "v1.K1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!", "v1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+/",
        "v1.abcdefghijklmnopq.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", padded, spaced,
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *plain = NULL;
        int rc = hf_pii_decrypt(ring, bad[i], PHONE_AAD, &plain, NULL);
        if (rc != -EINVAL && rc != -EBADMSG)
            fail_msg("\"%s\": %d", bad[i], rc);
        assert_null(plain);
    }
    /* well formed, of a plausible length, but not made by us */
    expect_decrypt_fails(ring, "v1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", PHONE_AAD, -EBADMSG);
}

static void test_key_rotation(void **state)
{
    (void)state;
    hf_keyring_t *old = keyring("k1:" K1 ",hmac:" KH);
    char *tok1 = encrypt(old, PHONE, PHONE_AAD);
    assert_memory_equal(tok1, "v1.k1.", 6);

    /* ring is "k2:…,k1:…": reads k1 tokens, writes k2 ones */
    assert_string_equal(hf_keyring_current_id(ring), "k2");
    char *plain = NULL;
    assert_int_equal(hf_pii_decrypt(ring, tok1, PHONE_AAD, &plain, NULL), 0);
    assert_string_equal(plain, PHONE);
    char *tok2 = encrypt(ring, plain, PHONE_AAD);
    char kid[HF_KEY_ID_MAX + 1];
    assert_int_equal(hf_pii_token_kid(tok2, kid), 0);
    assert_string_equal(kid, "k2");
    assert_int_equal(hf_pii_token_kid(tok1, kid), 0);
    assert_string_equal(kid, "k1");
    assert_int_equal(hf_pii_token_kid("garbage", kid), -EINVAL);

    /* the old keyring cannot read the new token; the index key did not change */
    expect_decrypt_fails(old, tok2, PHONE_AAD, -ENOKEY);
    char a[65], b[65];
    hf_pii_index(old, "t1:candidates.phone", PHONE, a);
    hf_pii_index(ring, "t1:candidates.phone", PHONE, b);
    assert_string_equal(a, b);
    free(plain);
    free(tok1);
    free(tok2);
    hf_keyring_destroy(&old);
}

/* A token made under enc_spec's keyring fails under dec_spec's with rc,
 * and hf_pii_strerror(rc) says why. */
static void expect_other_keyring_fails(const char *enc_spec, const char *dec_spec, int rc,
                                       const char *why)
{
    hf_keyring_t *enc = keyring(enc_spec), *dec = keyring(dec_spec);
    char *tok = encrypt(enc, "13800138000", PHONE_AAD);
    expect_decrypt_fails(dec, tok, PHONE_AAD, rc);
    assert_non_null(strstr(hf_pii_strerror(rc), why));
    free(tok);
    hf_keyring_destroy(&enc);
    hf_keyring_destroy(&dec);
}

static void test_unknown_key_id(void **state)
{
    (void)state;
    expect_other_keyring_fails("k1:" K1 ",hmac:" KH, "k2:" K2 ",hmac:" KH, -ENOKEY,
                               "key id is not in the keyring");
}

static void test_same_id_other_key_fails(void **state)
{
    (void)state;
    expect_other_keyring_fails("k1:" K1 ",hmac:" KH, "k1:" K2 ",hmac:" KH, -EBADMSG,
                               "authentication");
}

static void test_spec_forms_accepted(void **state)
{
    (void)state;
    const char *specs[] = {
        "hmac:" KH ",k1:" K1,                                 /* hmac first */
        " k1:" K1 " ,\thmac:" KH "\n",                        /* whitespace, a Secret's newline */
        "k1:000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F,hmac:" KH,
        "0123456789abcdef:" K1 ",hmac:" KH,                   /* 16-character id */
    };
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        hf_keyring_t *k = keyring(specs[i]);
        assert_string_equal(hf_keyring_current_id(k), i == 3 ? "0123456789abcdef" : "k1");
        hf_keyring_destroy(&k);
        assert_null(k);
        hf_keyring_destroy(&k);   /* twice is harmless */
    }
    hf_keyring_destroy(NULL);
}

static void test_spec_rejected(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *why;
    } cases[] = {
        { NULL, "empty" },
        { "", "empty" },
        { " \n", "empty" },
        { "k1:" K1, "no blind-index key" },
        { "hmac:" KH, "no encryption key" },
        { "k1:0001020304,hmac:" KH, "key \"k1\" has 10 hex digits, expected 64" },
        { "k1:" K1 "00,hmac:" KH, "key \"k1\" has 66 hex digits" },
        { "k1:" K1 ",hmac:" K2 "0", "key \"hmac\" has 65 hex digits" },
        { "k1:zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f,hmac:" KH,
          "key \"k1\" is not hexadecimal" },
        { "k1:" K1 ",k1:" K2 ",hmac:" KH, "duplicate key id \"k1\"" },
        { "k1:" K1 ",hmac:" KH ",hmac:" K2, "duplicate key id \"hmac\"" },
        { "K1:" K1 ",hmac:" KH, "entry 1: a key id is 1 to 16 characters" },
        { "k-1:" K1 ",hmac:" KH, "entry 1: a key id" },
        { "abcdefghijklmnopq:" K1 ",hmac:" KH, "entry 1: a key id" },
        { ":" K1 ",hmac:" KH, "entry 1: a key id" },
        { K1 ",hmac:" KH, "entry 1 has no ':'" },
        { "k1:" K1 ",,hmac:" KH, "entry 2 is empty" },
        { "k1:" K1 ",hmac:" KH ",", "entry 3 is empty" },
        { "k1:" K1 ",hmac:" K1, "keys \"k1\" and \"hmac\" are the same" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "unset";
        hf_keyring_t *k = hf_keyring_new(cases[i].spec, err, sizeof(err));
        if (k || !strstr(err, cases[i].why))
            fail_msg("case %zu: want \"%s\", got %s \"%s\"", i, cases[i].why, k ? "a keyring" : "",
                     err);
        /* no key material in messages */
        assert_null(strstr(err, "0405060708"));
        assert_null(strstr(err, "a4a5a6a7"));
        assert_null(strstr(err, "b4a59687"));
    }
    assert_null(hf_keyring_new("", NULL, 0));   /* err is optional */
}

static void test_spec_too_many_keys(void **state)
{
    (void)state;
    char spec[2048] = "hmac:" KH;
    for (int i = 0; i <= HF_KEYRING_MAX_KEYS; i++) {
        size_t n = strlen(spec);
        snprintf(spec + n, sizeof(spec) - n, ",k%d:%s", i, K1);
    }
    char err[256];
    assert_null(hf_keyring_new(spec, err, sizeof(err)));
    assert_non_null(strstr(err, "more than 16 encryption keys"));
}

static void test_index_stable_and_per_context(void **state)
{
    (void)state;
    char a[65], b[65], c[65], d[65];
    assert_int_equal(hf_pii_index(ring, "t1:candidates.phone", PHONE, a), 0);
    /* HMAC-SHA256(KH, "t1:candidates.phone" 0x00 "13800138000"), as Python's hmac gives */
    assert_string_equal(a, "acfaacc17461d7c48df25a3f22807d00312bfdfa92abf57efda84b24174c0100");
    hf_pii_index(ring, "t1:candidates.phone", PHONE, b);
    assert_string_equal(a, b);
    hf_pii_index(ring, "t2:candidates.phone", PHONE, c);
    assert_string_not_equal(a, c);
    hf_pii_index(ring, "t1:candidates.phone", "13800138001", d);
    assert_string_not_equal(a, d);
    /* the 0x00 separator: moving bytes between context and value changes the index */
    hf_pii_index(ring, "t1:candidates.phone1", "3800138000", d);
    assert_string_not_equal(a, d);
    /* over bytes: the same for a string, and every byte counts, NULs too */
    assert_int_equal(hf_pii_index_bytes(ring, "t1:candidates.phone", PHONE, strlen(PHONE), b), 0);
    assert_string_equal(a, b);
    static const char bin[] = { 'a', 'b', '\0', 'c' };
    hf_pii_index_bytes(ring, "t1:x", bin, sizeof(bin), c);
    hf_pii_index_bytes(ring, "t1:x", bin, 2, d);
    assert_string_not_equal(c, d);
    hf_pii_index(ring, "t1:x", "ab", b);
    assert_string_equal(b, d);
}

static void test_normalize_phone(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;   /* want NULL: implausible */
    } cases[] = {
        { "+86 138-0013-8000", "13800138000" },
        { "(0086)13800138000", "13800138000" },
        { "138 0013 8000", "13800138000" },
        { "8613800138000", "13800138000" },
        { "+86 (138) 0013 8000", "13800138000" },
        { "\t13800138000 ", "13800138000" },
        { "010-6552 9988", "01065529988" },
        { "+86 10 6552 9988", "01065529988" },
        { "+86 (0)10 6552 9988", "01065529988" },
        { "86123456", "86123456" },           /* a local number, not a country code */
        { "+1 415 555 0100", "+14155550100" },
        { "00852 2123 4567", "+85221234567" },
        { "1234567", "1234567" },
        { "123456", NULL },
        { "1234567890123456", NULL },
        { "138.0013.8000", NULL },
        { "138 0013 800O", NULL },
        { "138+00138000", NULL },
        { "+", NULL },
        { "", NULL },
        { "电话 13800138000", NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[HF_PII_PHONE_MAX] = "";
        int rc = hf_pii_normalize_phone(cases[i].in, out, sizeof(out));
        if (cases[i].want ? rc != 0 || strcmp(out, cases[i].want) != 0 : rc != -1)
            fail_msg("\"%s\": rc %d, \"%s\"", cases[i].in, rc, out);
    }
    char small[11];
    assert_int_equal(hf_pii_normalize_phone("13800138000", small, sizeof(small)), -1);
    assert_int_equal(hf_pii_normalize_phone(NULL, small, sizeof(small)), -1);
}

static void test_normalize_email(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        { " Zhang.San@Example.COM ", "zhang.san@example.com" },
        { "li.si+jobs@mail.qq.com", "li.si+jobs@mail.qq.com" },
        { "\tWANG@163.COM\n", "wang@163.com" },
        { "张三@例子.公司", "张三@例子.公司" },
        { "zhangsan@example", NULL },
        { "zhang@san@example.com", NULL },
        { "zhangsan.example.com", NULL },
        { "@example.com", NULL },
        { "zhang san@example.com", NULL },
        { "zhangsan@.example.com", NULL },
        { "zhangsan@example.com.", NULL },
        { "zhangsan@example..com", NULL },
        { "   ", NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[256] = "";
        int rc = hf_pii_normalize_email(cases[i].in, out, sizeof(out));
        if (cases[i].want ? rc != 0 || strcmp(out, cases[i].want) != 0 : rc != -1)
            fail_msg("\"%s\": rc %d, \"%s\"", cases[i].in, rc, out);
    }
    char small[8];
    assert_int_equal(hf_pii_normalize_email("a@example.com", small, sizeof(small)), -1);
}

/* Sealed tokens: the error codes of each way a token fails, and the bounds. */
static void test_seal_round_trip_and_errors(void **state)
{
    (void)state;
    char tok[HF_SEAL_TOKEN_MAX(HF_SEAL_MAX)];
    unsigned char out[HF_SEAL_MAX];
    size_t n = 99;
    assert_int_equal(hf_seal(ring, "p", "秘密", strlen("秘密"), "here", tok, sizeof(tok)), 0);
    assert_memory_equal(tok, "k2.", 3);
    assert_int_equal(hf_unseal(ring, "p", tok, "here", out, sizeof(out), &n), 0);
    assert_int_equal(n, strlen("秘密"));
    assert_memory_equal(out, "秘密", n);
    assert_int_equal(hf_unseal(ring, "p", tok, "there", out, sizeof(out), &n), -EBADMSG);
    assert_int_equal(n, 0);
    assert_int_equal(hf_unseal(ring, "q", tok, "here", out, sizeof(out), &n), -EBADMSG);
    assert_int_equal(hf_unseal(ring, "p", tok, "here", out, 1, &n), -EMSGSIZE);
    tok[1] = '9';
    assert_int_equal(hf_unseal(ring, "p", tok, "here", out, sizeof(out), &n), -ENOKEY);
    assert_int_equal(hf_unseal(ring, "p", "k2.", "here", out, sizeof(out), &n), -EINVAL);
    assert_int_equal(hf_unseal(ring, "p", "k2.A", "here", out, sizeof(out), &n), -EINVAL);
    assert_int_equal(hf_unseal(ring, "p", "K2.AAAA", "here", out, sizeof(out), &n), -EINVAL);
    assert_int_equal(hf_unseal(ring, "p", NULL, "here", out, sizeof(out), &n), -EINVAL);
    /* empty and the largest plaintext; one byte more, or too small a buffer, is refused */
    assert_int_equal(hf_seal(ring, "p", NULL, 0, "here", tok, sizeof(tok)), 0);
    assert_int_equal(hf_unseal(ring, "p", tok, "here", NULL, 0, &n), 0);
    assert_int_equal(n, 0);
    unsigned char big[HF_SEAL_MAX + 1];
    memset(big, 0xa5, sizeof(big));
    assert_int_equal(hf_seal(ring, "p", big, HF_SEAL_MAX, "here", tok, sizeof(tok)), 0);
    assert_true(strlen(tok) < sizeof(tok));
    assert_int_equal(hf_unseal(ring, "p", tok, "here", out, sizeof(out), &n), 0);
    assert_int_equal(n, HF_SEAL_MAX);
    assert_int_equal(hf_seal(ring, "p", big, sizeof(big), "here", tok, sizeof(tok)), -EMSGSIZE);
    assert_string_equal(tok, "");
    assert_int_equal(hf_seal(ring, "p", big, 8, "here", tok, 20), -EMSGSIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digests_unchanged),
        cmocka_unit_test(test_round_trip_chinese),
        cmocka_unit_test(test_round_trip_empty_and_binary),
        cmocka_unit_test_setup_teardown(test_nonce_is_random, token_setup, token_teardown),
        cmocka_unit_test_setup_teardown(test_aad_mismatch_fails, token_setup, token_teardown),
        cmocka_unit_test_setup_teardown(test_every_bit_flip_fails, token_setup, token_teardown),
        cmocka_unit_test_setup_teardown(test_truncation_fails, token_setup, token_teardown),
        cmocka_unit_test_setup_teardown(test_garbage_fails, token_setup, token_teardown),
        cmocka_unit_test(test_nonces_do_not_repeat_even_across_fork),
        cmocka_unit_test(test_key_rotation),
        cmocka_unit_test(test_unknown_key_id),
        cmocka_unit_test(test_same_id_other_key_fails),
        cmocka_unit_test(test_spec_forms_accepted),
        cmocka_unit_test(test_spec_rejected),
        cmocka_unit_test(test_spec_too_many_keys),
        cmocka_unit_test(test_seal_round_trip_and_errors),
        cmocka_unit_test(test_index_stable_and_per_context),
        cmocka_unit_test(test_normalize_phone),
        cmocka_unit_test(test_normalize_email),
    };
    return cmocka_run_group_tests_name("crypto", tests, ring_setup, ring_teardown);
}
