/* common/src/encoding.c - strict base64url, UTF-8 and UUID text (hf/encoding.h)
 *
 * base64url goes through libsodium (already loaded by libzmq): its codec is
 * strict about padding, the ASCII alphabet and the unused bits of the last
 * character, and runs in time independent of the data. Two things are done
 * here first: the byte counts, so libsodium is never handed a buffer it
 * would call too small (it aborts on that), and a check that no byte is
 * above 0x7F, because libsodium 1.0.18 (Debian 12) reads such a byte as a
 * letter of the alphabet instead of refusing it. UTF-8 follows Table 3-7 of the Unicode standard: the
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
