/* common/src/encoding.c - strict base64url, UTF-8 and UUID text (hf/encoding.h)
 *
 * base64url goes through libsodium (already loaded by libzmq): its codec is
 * strict about padding, the ASCII alphabet and the unused bits of the last
 * character, and runs in time independent of the data. Two things are done
 * here first: the byte counts, so libsodium is never handed a buffer it
 * would call too small (it aborts on that), and a check that no byte is
 * above 0x7F, because libsodium 1.0.18 (Debian 12) reads such a byte as a
 * letter of the alphabet instead of refusing it. A ciphertext's text is no
 * secret and is decoded far more often (every sealed field read): for it,
 * hf_base64url_decode_public is a table lookup with the same answers, and
 * hf_base64url_encode_public writes the same text (the tests compare each
 * pair on every case; libsodium's encoder was a sixth of the scoring
 * service's CPU when it wrote 95 kB reports). UTF-8 follows Table 3-7 of the Unicode standard: the
 * second byte's range depends on the first, which rules out overlong forms,
 * surrogates and code points above U+10FFFF without decoding them first.
 */
#include "hf/encoding.h"

#include <assert.h>
#include <errno.h>
#include <sodium.h>
#include <string.h>

#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* --- base64url --------------------------------------------------------------- */

size_t hf_base64url_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

size_t hf_base64url_decoded_len(size_t len)
{
    return len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
}

size_t hf_base64url_encode(char *out, size_t outlen, const void *in, size_t n)
{
    size_t chars = hf_base64url_len(n);
    assert(out && (in || n == 0) && outlen > chars);
    sodium_bin2base64(out, outlen, in, n, B64_VARIANT);
    return chars;
}

int hf_base64url_decode(const char *s, size_t len, void *out, size_t outcap, size_t *outlen)
{
    assert(outlen && (s || len == 0) && (out || outcap == 0));
    *outlen = 0;
    if (len % 4 == 1)
        return -EINVAL;
    if (hf_base64url_decoded_len(len) > outcap)
        return -EMSGSIZE;
    unsigned char high = 0; /* every byte, no early exit: the text may be a secret */
    for (size_t i = 0; i < len; i++)
        high |= (unsigned char)s[i];
    if (high & 0x80)
        return -EINVAL;
    size_t n = 0;
    if (len && sodium_base642bin(out, outcap, s, len, NULL, &n, NULL, B64_VARIANT) != 0)
        return -EINVAL;
    *outlen = n;
    return 0;
}

static const char b64_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t hf_base64url_encode_public(char *out, size_t outlen, const void *in, size_t n)
{
    size_t chars = hf_base64url_len(n);
    assert(out && (in || n == 0) && outlen > chars);
    const unsigned char *p = in;
    char *o = out;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = b64_alphabet[v >> 18];
        *o++ = b64_alphabet[v >> 12 & 63];
        *o++ = b64_alphabet[v >> 6 & 63];
        *o++ = b64_alphabet[v & 63];
    }
    if (n - i) {
        uint32_t v = (uint32_t)p[i] << 16 | (n - i == 2 ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = b64_alphabet[v >> 18];
        *o++ = b64_alphabet[v >> 12 & 63];
        if (n - i == 2)
            *o++ = b64_alphabet[v >> 6 & 63];
    }
    *o = '\0';
    return chars;
}

/* One more than the 6-bit value of each character of the URL alphabet;
 * 0 for every other byte. */
static const unsigned char b64_value[256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
    ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15,
    ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
    ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29,
    ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42, ['q'] = 43,
    ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50,
    ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
    ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['-'] = 63, ['_'] = 64,
};

int hf_base64url_decode_public(const char *s, size_t len, void *out, size_t outcap,
                               size_t *outlen)
{
    assert(outlen && (s || len == 0) && (out || outcap == 0));
    *outlen = 0;
    if (len % 4 == 1)
        return -EINVAL;
    if (hf_base64url_decoded_len(len) > outcap)
        return -EMSGSIZE;
    const unsigned char *p = (const unsigned char *)s;
    unsigned char *o = out;
    size_t i = 0, n = 0;
    for (; i + 4 <= len; i += 4) {
        unsigned a = b64_value[p[i]], b = b64_value[p[i + 1]], c = b64_value[p[i + 2]],
                 d = b64_value[p[i + 3]];
        if (!a || !b || !c || !d)
            return -EINVAL;
        uint32_t v = (a - 1) << 18 | (b - 1) << 12 | (c - 1) << 6 | (d - 1);
        o[n++] = (unsigned char)(v >> 16);
        o[n++] = (unsigned char)(v >> 8);
        o[n++] = (unsigned char)v;
    }
    if (len - i >= 2) {
        unsigned a = b64_value[p[i]], b = b64_value[p[i + 1]];
        unsigned c = len - i == 3 ? b64_value[p[i + 2]] : 1;
        if (!a || !b || !c)
            return -EINVAL;
        uint32_t v = (a - 1) << 18 | (b - 1) << 12 | (c - 1) << 6;
        /* canonical: the unused low bits of the last character are zero */
        if (len - i == 2 ? (v & 0xffff) != 0 : (v & 0xff) != 0)
            return -EINVAL;
        o[n++] = (unsigned char)(v >> 16);
        if (len - i == 3)
            o[n++] = (unsigned char)(v >> 8);
    }
    *outlen = n;
    return 0;
}

/* --- UTF-8 ------------------------------------------------------------------- */

int hf_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
    assert(str && n > 0);
    const unsigned char *s = (const unsigned char *)str;
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    int len;
    uint32_t v;
    if (c < 0x80) {
        if (cp)
            *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0F;
        lo = c == 0xE0 ? 0xA0 : lo; /* overlong below U+0800 */
        hi = c == 0xED ? 0x9F : hi; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07;
        lo = c == 0xF0 ? 0x90 : lo; /* overlong below U+10000 */
        hi = c == 0xF4 ? 0x8F : hi; /* above U+10FFFF */
    } else {
        return 0; /* a continuation byte, C0, C1 (overlong ASCII) or F5..FF */
    }
    for (int k = 1; k < len; k++) {
        if ((size_t)k >= n)
            return -1;
        if (s[k] < lo || s[k] > hi)
            return 0;
        v = v << 6 | (s[k] & 0x3F);
        lo = 0x80, hi = 0xBF;
    }
    if (cp)
        *cp = v;
    return len;
}

size_t hf_utf8_invalid_at(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        int len = hf_utf8_decode(str + i, n - i, NULL);
        if (len <= 0)
            return i;
        i += (size_t)len;
    }
    return n;
}

int hf_utf8_valid(const char *s, size_t n)
{
    return hf_utf8_invalid_at(s, n) == n;
}

/* --- UUID text --------------------------------------------------------------- */

/* ---- hex ---- */

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t hf_hex_encode(char *out, const void *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *b = in;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
    return 2 * n;
}

int hf_hex_decode(const char *s, void *out, size_t n)
{
    unsigned char *b = out;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_digit((unsigned char)s[2 * i]);
        int lo = hi < 0 ? -1 : hex_digit((unsigned char)s[2 * i + 1]); /* stops at a NUL */
        if (lo < 0)
            return -EINVAL;
        b[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

int hf_hex_lower(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* ---- UUID text ---- */

int hf_uuid_valid(const char *s)
{
    if (!s)
        return 0;
    for (int i = 0; i < 36; i++) {
        char c = s[i]; /* a NUL is neither a dash nor a digit: stops a short string */
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
    }
    return s[36] == '\0';
}
