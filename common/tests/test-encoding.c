/* common/tests/test-encoding.c - strict base64url, UTF-8 and UUID text */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include "hf/encoding.h"

/* ---- base64url ---- */

/* RFC 4648 section 10's vectors, in the URL-safe alphabet without padding. */
static void test_base64url_rfc4648_vectors(void **state)
{
    (void)state;
    static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *const text[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
    for (size_t i = 0; i < 7; i++) {
        char out[16];
        size_t n = strlen(plain[i]);
        assert_int_equal(hf_base64url_len(n), strlen(text[i]));
        assert_int_equal(hf_base64url_encode(out, sizeof(out), plain[i], n), strlen(text[i]));
        assert_string_equal(out, text[i]);
        unsigned char back[16];
        size_t blen = 99;
        assert_int_equal(hf_base64url_decode(text[i], strlen(text[i]), back, sizeof(back), &blen), 0);
        assert_int_equal(blen, n);
        assert_int_equal(hf_base64url_decoded_len(strlen(text[i])), n);
        assert_memory_equal(back, plain[i], n);
    }
}

static void test_base64url_uses_the_url_alphabet(void **state)
{
    (void)state;
    const unsigned char b[] = { 0xfb, 0xff, 0xbf };
    char out[8];
    hf_base64url_encode(out, sizeof(out), b, sizeof(b));
    assert_string_equal(out, "-_-_");
    unsigned char back[3];
    size_t n;
    assert_int_equal(hf_base64url_decode("-_-_", 4, back, sizeof(back), &n), 0);
    assert_memory_equal(back, b, 3);
    /* the standard alphabet's '+' and '/' are not base64url */
    assert_int_equal(hf_base64url_decode("+/+/", 4, back, sizeof(back), &n), -EINVAL);
    assert_int_equal(n, 0);
}

/* Only the canonical text of some bytes is accepted: a last character whose
 * unused low bits are set would decode to the same bytes as another text. */
static void test_base64url_refuses_noncanonical_trailing_bits(void **state)
{
    (void)state;
    unsigned char b[8];
    size_t n;
    assert_int_equal(hf_base64url_decode("AA", 2, b, sizeof(b), &n), 0);   /* 0x00 */
    assert_int_equal(hf_base64url_decode("AB", 2, b, sizeof(b), &n), -EINVAL);
    assert_int_equal(hf_base64url_decode("AP", 2, b, sizeof(b), &n), -EINVAL);
    assert_int_equal(hf_base64url_decode("AQ", 2, b, sizeof(b), &n), 0);   /* 0x01 */
    assert_int_equal(hf_base64url_decode("AAA", 3, b, sizeof(b), &n), 0);  /* 0x00 0x00 */
    assert_int_equal(hf_base64url_decode("AAB", 3, b, sizeof(b), &n), -EINVAL);
    assert_int_equal(hf_base64url_decode("AAD", 3, b, sizeof(b), &n), -EINVAL);
    assert_int_equal(hf_base64url_decode("AAE", 3, b, sizeof(b), &n), 0);  /* 0x00 0x01 */
    assert_int_equal(n, 2);
}

/* The encoder for bytes that are no secret writes exactly the constant-time
 * one's text: every length up to 300 (each remainder of 3 many times), bytes
 * of every value, and the buffer bound it shares. */
static void test_base64url_public_encoder_writes_the_same(void **state)
{
    (void)state;
    unsigned char in[300];
    char a[512], b[512];
    for (size_t n = 0; n <= sizeof(in); n++) {
        for (size_t k = 0; k < n; k++)
            in[k] = (unsigned char)((k * 131 + n * 17 + (k >> 3) * 7) & 0xff);
        if (n == 3)
            memset(in, 0xff, n);
        memset(a, 'x', sizeof(a));
        memset(b, 'y', sizeof(b));
        size_t la = hf_base64url_encode(a, hf_base64url_len(n) + 1, in, n);
        size_t lb = hf_base64url_encode_public(b, hf_base64url_len(n) + 1, in, n);
        assert_int_equal(la, lb);
        assert_int_equal(lb, hf_base64url_len(n));
        assert_string_equal(a, b);
        assert_int_equal(b[lb + 1], 'y'); /* nothing past the NUL */
    }
}

/* The decoder for text that is no secret answers exactly as the constant-time
 * one: every text of every byte string up to 40 bytes, every case above, and
 * each valid text with one character changed to every byte. */
static void test_base64url_public_decoder_answers_the_same(void **state)
{
    (void)state;
    static const char *const cases[] = { "", "A", "AA", "AB", "AP", "AQ", "AAA", "AAB", "AAD",
                                         "AAE", "AAAAA", "AA==", "AAA=", "AA AA", "AA\nA",
                                         "AA.A", "Zm9v\xc3\xa9", "AA\x80" "A", "AAA\xff",
                                         "\xc1\xc1\xc1\xc1", "+/+/", "-_-_", "Zm9vYmFy" };
    unsigned char a[64], b[64], in[40];
    size_t na, nb;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = strlen(cases[i]);
        int ra = hf_base64url_decode(cases[i], len, a, sizeof(a), &na);
        assert_int_equal(hf_base64url_decode_public(cases[i], len, b, sizeof(b), &nb), ra);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na);
    }
    for (size_t n = 0; n <= sizeof(in); n++) {
        for (size_t k = 0; k < n; k++)
            in[k] = (unsigned char)(k * 37 + n * 11 + 5);
        char text[64];
        size_t len = hf_base64url_encode(text, sizeof(text), in, n);
        assert_int_equal(hf_base64url_decode_public(text, len, b, sizeof(b), &nb), 0);
        assert_int_equal(nb, n);
        assert_memory_equal(b, in, n);
        assert_int_equal(hf_base64url_decode_public(text, len, b, n ? n - 1 : 0, &nb),
                         n ? -EMSGSIZE : 0);
        for (size_t at = 0; at < len; at += 7)
            for (int c = 1; c < 256; c++) {
                char changed[64];
                memcpy(changed, text, len + 1);
                changed[at] = (char)c;
                int ra = hf_base64url_decode(changed, len, a, sizeof(a), &na);
                assert_int_equal(hf_base64url_decode_public(changed, len, b, sizeof(b), &nb), ra);
                assert_int_equal(na, nb);
                assert_memory_equal(a, b, na);
            }
    }
}

static void test_base64url_refuses_other_shapes(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "A",        /* a length of 1 mod 4 holds no whole byte */
        "AAAAA",
        "AA==",     /* no padding */
        "AAA=",
        "AA AA",    /* no white space */
        "AA\nA",
        "AA.A",
        "Zm9v\xc3\xa9",
        "AA\x80" "A", /* bytes above 0x7F (libsodium 1.0.18 reads them as letters) */
        "AAA\xff",
        "\xc1\xc1\xc1\xc1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char b[8];
        size_t n = 99;
        assert_int_equal(hf_base64url_decode(bad[i], strlen(bad[i]), b, sizeof(b), &n), -EINVAL);
        assert_int_equal(n, 0);
    }
    unsigned char b[4];
    size_t n;
    /* a NUL inside the given length is not skipped */
    assert_int_equal(hf_base64url_decode("AA\0A", 4, b, sizeof(b), &n), -EINVAL);
    /* the empty text is the empty string of bytes */
    assert_int_equal(hf_base64url_decode("", 0, NULL, 0, &n), 0);
    assert_int_equal(n, 0);
}

static void test_base64url_decode_checks_room(void **state)
{
    (void)state;
    unsigned char b[3];
    size_t n = 99;
    assert_int_equal(hf_base64url_decode("Zm9vYg", 6, b, sizeof(b), &n), -EMSGSIZE);
    assert_int_equal(n, 0);
    assert_int_equal(hf_base64url_decode("Zm9v", 4, b, sizeof(b), &n), 0); /* exactly fits */
    assert_memory_equal(b, "foo", 3);
}

static void test_base64url_every_byte_round_trips(void **state)
{
    (void)state;
    unsigned char in[256], back[256];
    for (int i = 0; i < 256; i++)
        in[i] = (unsigned char)(255 - i);
    for (size_t len = 0; len <= sizeof(in); len += 37) {
        char text[400];
        size_t chars = hf_base64url_encode(text, hf_base64url_len(len) + 1, in, len);
        assert_int_equal(strlen(text), chars);
        assert_int_equal(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789-_"), chars);
        size_t n;
        assert_int_equal(hf_base64url_decode(text, chars, back, hf_base64url_decoded_len(chars),
                                             &n), 0);
        assert_int_equal(n, len);
        assert_memory_equal(back, in, len);
    }
}

/* ---- UTF-8 ---- */

static void test_utf8_accepts_every_length(void **state)
{
    (void)state;
    static const struct { const char *s; int len; uint32_t cp; } ok[] = {
        { "A", 1, 0x41 },
        { "\x7f", 1, 0x7f },
        { "\xc2\x80", 2, 0x80 },              /* smallest two-byte */
        { "\xdf\xbf", 2, 0x7ff },
        { "\xe0\xa0\x80", 3, 0x800 },         /* smallest three-byte */
        { "\xe4\xb8\xad", 3, 0x4e2d },        /* 中 */
        { "\xed\x9f\xbf", 3, 0xd7ff },        /* just below the surrogates */
        { "\xee\x80\x80", 3, 0xe000 },        /* just above them */
        { "\xef\xbf\xbf", 3, 0xffff },
        { "\xf0\x90\x80\x80", 4, 0x10000 },   /* smallest four-byte */
        { "\xf0\x9f\x98\x80", 4, 0x1f600 },
        { "\xf4\x8f\xbf\xbf", 4, 0x10ffff },  /* the last code point */
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint32_t cp = 0;
        assert_int_equal(hf_utf8_decode(ok[i].s, strlen(ok[i].s), &cp), ok[i].len);
        assert_int_equal(cp, ok[i].cp);
        assert_true(hf_utf8_valid(ok[i].s, strlen(ok[i].s)));
    }
    assert_true(hf_utf8_valid("华星集团 HR-1", strlen("华星集团 HR-1")));
    assert_true(hf_utf8_valid(NULL, 0));
}

static void test_utf8_refuses_ill_formed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\xc0\xaf",             /* overlong '/' */
        "\xc1\xbf",             /* overlong */
        "\xe0\x80\xaf",         /* overlong '/' in three bytes */
        "\xe0\x9f\xbf",         /* overlong U+07FF */
        "\xf0\x80\x80\xaf",     /* overlong '/' in four bytes */
        "\xf0\x8f\xbf\xbf",     /* overlong U+FFFF */
        "\xed\xa0\x80",         /* surrogate U+D800 */
        "\xed\xbf\xbf",         /* surrogate U+DFFF */
        "\xf4\x90\x80\x80",     /* U+110000 */
        "\xf5\x80\x80\x80",     /* lead byte beyond U+10FFFF */
        "\xff",
        "\x80",                 /* a continuation byte alone */
        "\xbf",
        "\xc3\x28",             /* a continuation byte missing */
        "\xe4\xb8\x28",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n = strlen(bad[i]);
        assert_int_equal(hf_utf8_decode(bad[i], n, NULL), 0);
        assert_false(hf_utf8_valid(bad[i], n));
        assert_int_equal(hf_utf8_invalid_at(bad[i], n), 0);
    }
}

/* A sequence cut short by the end: -1 from decode (a stream waits for more),
 * invalid as a whole text. */
static void test_utf8_truncated(void **state)
{
    (void)state;
    static const char *const cut[] = { "\xc3", "\xe4", "\xe4\xb8", "\xf0\x9f", "\xf0\x9f\x98" };
    for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
        size_t n = strlen(cut[i]);
        assert_int_equal(hf_utf8_decode(cut[i], n, NULL), -1);
        assert_false(hf_utf8_valid(cut[i], n));
    }
    /* a beginning that is already wrong is invalid, not merely short */
    assert_int_equal(hf_utf8_decode("\xe0\x80", 2, NULL), 0);
    assert_int_equal(hf_utf8_decode("\xed\xa0", 2, NULL), 0);
    assert_int_equal(hf_utf8_decode("\xf4\x90", 2, NULL), 0);
    /* the byte count is what is given, not the C string */
    assert_false(hf_utf8_valid("ab\xe4\xb8\xad", 4));
    assert_int_equal(hf_utf8_invalid_at("ab\xe4\xb8\xad", 4), 2);
}

static void test_utf8_nul_is_a_character(void **state)
{
    (void)state;
    assert_true(hf_utf8_valid("a\0b", 3));
    uint32_t cp = 7;
    assert_int_equal(hf_utf8_decode("\0", 1, &cp), 1);
    assert_int_equal(cp, 0);
}

/* The first bad byte, found past runs of ASCII that go 8 bytes at a time. */
static void test_utf8_invalid_at_offset(void **state)
{
    (void)state;
    const char s[] = "0123456789abcdef中文\xed\xa0\x80tail";
    size_t n = sizeof(s) - 1;
    assert_int_equal(hf_utf8_invalid_at(s, n), 22);
    assert_int_equal(hf_utf8_invalid_at(s, 22), 22); /* the valid prefix alone */
    assert_int_equal(hf_utf8_invalid_at(s, 20), 19); /* 文 cut short at 20 */
    char ascii[40];
    memset(ascii, 'x', sizeof(ascii));
    assert_int_equal(hf_utf8_invalid_at(ascii, sizeof(ascii)), sizeof(ascii));
    ascii[33] = (char)0x80;
    assert_int_equal(hf_utf8_invalid_at(ascii, sizeof(ascii)), 33);
}

/* ---- UUID text ---- */

static void test_uuid_canonical_lowercase_only(void **state)
{
    (void)state;
    assert_true(hf_uuid_valid("0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d"));
    assert_true(hf_uuid_valid("00000000-0000-0000-0000-000000000000"));
    static const char *const bad[] = {
        "0B0E7F3C-52B4-4A4E-9C1E-2F4D6A8B0C1D",     /* upper case names another string */
        "0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1D",
        "0b0e7f3c52b44a4e9c1e2f4d6a8b0c1d",         /* no dashes */
        "{0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d}",
        "0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1",      /* short */
        "0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1dd",    /* long */
        "0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1-",
        "0b0e7f3c-52b44-a4e-9c1e-2f4d6a8b0c1d",     /* dash misplaced */
        "0b0e7f3g-52b4-4a4e-9c1e-2f4d6a8b0c1d",
        " 0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1",
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(hf_uuid_valid(bad[i]));
    assert_false(hf_uuid_valid(NULL));
}

static void test_hex_round_trips_every_byte(void **state)
{
    (void)state;
    unsigned char all[256], back[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    char text[513];
    assert_int_equal(hf_hex_encode(text, all, sizeof(all)), 512);
    assert_int_equal(strlen(text), 512);
    assert_true(hf_hex_lower(text, 512));
    assert_int_equal(hf_hex_decode(text, back, sizeof(back)), 0);
    assert_memory_equal(all, back, sizeof(all));
    assert_string_equal(text + 2 * 0xab, "abacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7"
                                         "c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5"
                                         "e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
}

static void test_hex_decode_takes_either_case_and_nothing_else(void **state)
{
    (void)state;
    unsigned char b[2];
    assert_int_equal(hf_hex_decode("AbcD", b, 2), 0);
    assert_int_equal(b[0], 0xab);
    assert_int_equal(b[1], 0xcd);
    assert_int_equal(hf_hex_decode("abc", b, 2), -EINVAL); /* short: stops at the NUL */
    assert_int_equal(hf_hex_decode("abcg", b, 2), -EINVAL);
    assert_int_equal(hf_hex_decode("ab c", b, 2), -EINVAL);
    assert_int_equal(hf_hex_decode("0x12", b, 2), -EINVAL);
    /* the one spelling of an id or a digest is lowercase */
    assert_true(hf_hex_lower("0123456789abcdef", 16));
    assert_false(hf_hex_lower("0123456789ABCDEF", 16));
    assert_false(hf_hex_lower("abc\0", 4));
    assert_true(hf_hex_lower("", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64url_rfc4648_vectors),
        cmocka_unit_test(test_base64url_uses_the_url_alphabet),
        cmocka_unit_test(test_base64url_refuses_noncanonical_trailing_bits),
        cmocka_unit_test(test_base64url_refuses_other_shapes),
        cmocka_unit_test(test_base64url_public_decoder_answers_the_same),
        cmocka_unit_test(test_base64url_public_encoder_writes_the_same),
        cmocka_unit_test(test_base64url_decode_checks_room),
        cmocka_unit_test(test_base64url_every_byte_round_trips),
        cmocka_unit_test(test_utf8_accepts_every_length),
        cmocka_unit_test(test_utf8_refuses_ill_formed),
        cmocka_unit_test(test_utf8_truncated),
        cmocka_unit_test(test_utf8_nul_is_a_character),
        cmocka_unit_test(test_utf8_invalid_at_offset),
        cmocka_unit_test(test_uuid_canonical_lowercase_only),
        cmocka_unit_test(test_hex_round_trips_every_byte),
        cmocka_unit_test(test_hex_decode_takes_either_case_and_nothing_else),
    };
    return cmocka_run_group_tests_name("encoding", tests, NULL, NULL);
}
