/* services/gateway/target.c - the request target, decoded: the path and the query parameters
 *
 * Pure functions, no I/O (unit-tested in tests/test-gateway-units.c). The
 * gateway decodes the target itself rather than take libmicrohttpd's:
 * libmicrohttpd 0.9.75 decodes the path in place and drops the decoded
 * length, so a %00 silently cut the path ("/v1/jobs/<id>%00junk" reached
 * GetJob as "/v1/jobs/<id>"), and its query iterator hands out C strings
 * that a %00 cuts the same way ("status%00xx" passed as "status"). Here each
 * part is decoded with its length and refused when it holds a control
 * character, so nothing downstream ever sees a part that a C string would
 * misread. The decoding is libmicrohttpd's otherwise: %HH everywhere, '+'
 * as a space in the query only, an escape that is not two hex digits kept
 * as written.
 */
#include "gateway.h"

#include "hf/encoding.h"

#include <stdio.h>
#include <string.h>

/* Decode s[0..n) into out (room for n bytes); '+' is a space when plus.
 * Returns the decoded length (no terminator is written). */
static size_t decode(const char *s, size_t n, int plus, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char byte;
        if (s[i] == '%' && i + 2 < n && hf_hex_decode(s + i + 1, &byte, 1) == 0) {
            out[o++] = (char)byte;
            i += 2;
        } else {
            out[o++] = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    return o;
}

/* The first control character of s[0..n) (below 0x20, or 0x7f), or NULL. */
static const char *control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return s + i;
    return NULL;
}

/* s[0..n) for a message, as a client would write it in a URL: printable
 * ASCII as is, every other byte (and '%', '"', '\\') as %HH; at most 64
 * bytes of s, then "...". */
static void shown(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < 64 && o + 4 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c > 0x20 && c < 0x7f && c != '%' && c != '"' && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, outlen - o, "%%%02X", c);
    }
    if (n > 64 && o + 4 < outlen)
        o += (size_t)snprintf(out + o, outlen - o, "...");
    out[o] = '\0';
}

static int refuse(gw_target_error_t *err, const char *field, const char *what,
                  const char *part, size_t n, unsigned char c)
{
    char text[200];
    shown(part, n, text, sizeof(text));
    snprintf(err->field, sizeof(err->field), "%s", field);
    snprintf(err->message, sizeof(err->message),
             "%s (\"%s\") holds a control character (%%%02X)", what, text, c);
    return -1;
}

/* The path s[0..n) is decoded into out; refuse it when a segment holds a
 * control character. Returns the decoded length, or -1. */
static long path_part(const char *s, size_t n, char *out, gw_target_error_t *err)
{
    size_t len = decode(s, n, 0, out);
    const char *bad = control(out, len);
    if (!bad)
        return (long)len;
    /* the segment that holds it, as routing sees segments: between '/' */
    const char *start = out;
    unsigned seg = 0;
    for (const char *p = out; p < bad; p++)
        if (*p == '/') {
            seg++;
            start = p + 1;
        }
    const char *end = start;
    while (end < out + len && *end != '/')
        end++;
    char what[48];
    snprintf(what, sizeof(what), "path segment %u", seg);
    return refuse(err, "path", what, start, (size_t)(end - start), (unsigned char)*bad);
}

int gw_target_decode(const char *raw, char *out, gw_target_error_t *err)
{
    size_t plen = strcspn(raw, "?");
    long len = path_part(raw, plen, out, err);
    if (len < 0)
        return -1;
    out[len] = '\0';
    char *o = out + len + 1;
    if (!raw[plen])
        return 0;
    int count = 0;
    for (const char *s = raw + plen + 1; *s;) {
        size_t n = strcspn(s, "&");
        const char *eq = memchr(s, '=', n);
        size_t klen = eq ? (size_t)(eq - s) : n;
        if (n > 0) {
            count++;
            char *key = o;
            size_t k = decode(s, klen, 1, key);
            const char *bad = control(key, k);
            if (bad) {
                char what[48];
                snprintf(what, sizeof(what), "the name of query parameter %d", count);
                return refuse(err, "query", what, key, k, (unsigned char)*bad);
            }
            key[k] = '\0';
            char *value = key + k + 1;
            size_t v = eq ? decode(eq + 1, n - klen - 1, 1, value) : 0;
            if ((bad = control(value, v)) != NULL) {
                char field[sizeof(err->field)] = "query.";
                shown(key, k, field + 6, sizeof(field) - 6);
                return refuse(err, field, "the value", value, v, (unsigned char)*bad);
            }
            value[v] = '\0';
            o = value + v + 1;
        }
        s += n;
        if (*s == '&')
            s++;
    }
    return count;
}
