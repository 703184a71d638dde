/* common/src/codec_scalars.c - the codec's leaves: numbers, bool, enum, strings, bytes
 *
 * Each proto scalar type in both directions, as the proto3 JSON mapping
 * writes it (hf/codec.h has the table): integers from numbers or decimal
 * strings, checked against their type's range without ever going through a
 * double; 64-bit integers out as strings; floats and doubles with NaN and
 * the infinities as strings; enums by name or number; strings as UTF-8
 * without NUL (repaired to U+FFFD on the way out, since protobuf-c does not
 * check them); bytes as base64 through hf/encoding.h. Map keys are here too:
 * they are scalars written as JSON object keys.
 */
#include "codec_private.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- integers ---- */

typedef struct {
    bool neg;
    uint64_t mag;
} bigint_t;

static const char *type_name(ProtobufCType t)
{
    static const char *const names[] = { "int32", "sint32", "sfixed32", "int64", "sint64",
                                         "sfixed64", "uint32", "fixed32", "uint64", "fixed64",
                                         "float", "double", "bool", "enum", "string", "bytes",
                                         "message" };
    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* Decimal digits with an optional '-': 0, -1 if malformed, 1 if beyond 64 bits. */
static int parse_decimal(const char *s, bigint_t *n)
{
    bool over = false;
    n->neg = *s == '-';
    s += n->neg;
    n->mag = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned digit = (unsigned)(*s - '0');
        over = over || n->mag > (UINT64_MAX - digit) / 10;
        n->mag = n->mag * 10 + digit;
    }
    return over ? 1 : 0;
}

static int int_from_string(dec_t *d, const json_t *v, bigint_t *n)
{
    size_t len;
    const char *s = codec_want_string(d, v, &len);
    if (!s)
        return -1;
    int rc = parse_decimal(s, n);
    if (rc < 0)
        return codec_add_error(d, "bad_format", "invalid integer \"%.40s\"", s);
    if (rc > 0)
        return codec_add_error(d, "out_of_range", "%.40s is out of range for a 64-bit integer", s);
    return 0;
}

/* A JSON real is an integer when it has no fraction (1e3 is 1000). */
static int int_from_real(dec_t *d, double x, bigint_t *n)
{
    if (fabs(x) < 0x1p63 && x != (double)(long long)x)
        return codec_add_error(d, "wrong_type", "expected an integer, got %g", x);
    if (fabs(x) >= 0x1p64)
        return codec_add_error(d, "out_of_range", "%g is out of range for a 64-bit integer", x);
    n->neg = x < 0;
    n->mag = (uint64_t)fabs(x);
    return 0;
}

static int to_bigint(dec_t *d, const json_t *v, bigint_t *n)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        n->neg = i < 0;
        n->mag = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
        return 0;
    }
    if (json_is_real(v))
        return int_from_real(d, json_real_value(v), n);
    if (json_is_string(v))
        return int_from_string(d, v, n);
    return codec_wrong_type(d, "an integer", v);
}

/* Check n against type t's range and store it in *dst (4 or 8 bytes). */
static int store_int(dec_t *d, bigint_t n, ProtobufCType t, void *dst)
{
    bool wide = codec_elt_size(t) == 8;
    bool is_unsigned = t == PROTOBUF_C_TYPE_UINT32 || t == PROTOBUF_C_TYPE_FIXED32 ||
                       t == PROTOBUF_C_TYPE_UINT64 || t == PROTOBUF_C_TYPE_FIXED64;
    uint64_t max = is_unsigned ? (wide ? UINT64_MAX : UINT32_MAX) : (wide ? INT64_MAX : INT32_MAX);
    uint64_t neg_max = is_unsigned ? 0 : max + 1;
    n.neg = n.neg && n.mag != 0;
    if (n.mag > (n.neg ? neg_max : max))
        return codec_add_error(d, "out_of_range", "%s%" PRIu64 " is out of range for %s",
                         n.neg ? "-" : "", n.mag, type_name(t));
    int64_t s = n.neg ? -(int64_t)(n.mag - 1) - 1 : (int64_t)n.mag;
    if (wide && is_unsigned)
        *(uint64_t *)dst = n.mag;
    else if (wide)
        *(int64_t *)dst = s;
    else if (is_unsigned)
        *(uint32_t *)dst = (uint32_t)n.mag;
    else
        *(int32_t *)dst = (int32_t)s;
    return 0;
}

int codec_dec_int(dec_t *d, const json_t *v, ProtobufCType t, void *dst)
{
    bigint_t n;
    if (to_bigint(d, v, &n) < 0)
        return -1;
    return store_int(d, n, t, dst);
}

/* ---- floating point, bool, enum ---- */

/* "NaN", "Infinity", "-Infinity" or a number in a string: 0, -1 if
 * malformed, 1 if beyond double. */
static int parse_double(const char *s, double *x)
{
    if (strcmp(s, "NaN") == 0)
        *x = NAN;
    else if (strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0)
        *x = *s == '-' ? -INFINITY : INFINITY;
    else if (!*s || s[strspn(s, "0123456789+-.eE")])
        return -1; /* strtod would also take hex, "inf", spaces */
    else {
        char *end;
        errno = 0;
        *x = strtod(s, &end);
        if (*end)
            return -1;
        if (errno == ERANGE && fabs(*x) > 1)
            return 1;
    }
    return 0;
}

int codec_dec_float(dec_t *d, const json_t *v, ProtobufCType t, void *dst)
{
    double x;
    size_t len;
    const char *s;
    if (json_is_number(v)) {
        x = json_number_value(v);
    } else if (json_is_string(v)) {
        if (!(s = codec_want_string(d, v, &len)))
            return -1;
        int rc = parse_double(s, &x);
        if (rc < 0)
            return codec_add_error(d, "bad_format", "invalid number \"%.40s\"", s);
        if (rc > 0)
            return codec_add_error(d, "out_of_range", "%.40s is out of range for double", s);
    } else {
        return codec_wrong_type(d, "a number", v);
    }
    if (t == PROTOBUF_C_TYPE_DOUBLE) {
        *(double *)dst = x;
        return 0;
    }
    if (isfinite(x) && fabs(x) >= FLOAT_LIMIT)
        return codec_add_error(d, "out_of_range", "%g is out of range for float", x);
    *(float *)dst = (float)x;
    return 0;
}

int codec_dec_bool(dec_t *d, const json_t *v, protobuf_c_boolean *dst)
{
    if (!json_is_boolean(v))
        return codec_wrong_type(d, "a boolean", v);
    *dst = json_is_true(v);
    return 0;
}

/* By name, or by number (proto3 enums are open: any int32 is kept). */
int codec_dec_enum(dec_t *d, const ProtobufCEnumDescriptor *ed, const json_t *v, int32_t *dst)
{
    size_t len;
    const char *s;
    if (json_is_number(v))
        return codec_dec_int(d, v, PROTOBUF_C_TYPE_ENUM, dst);
    if (!json_is_string(v))
        return codec_wrong_type(d, "a string or a number", v);
    if (!(s = codec_want_string(d, v, &len)))
        return -1;
    const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name(ed, s);
    if (!ev)
        return codec_add_error(d, "unknown_enum", "unknown value \"%.40s\" of enum %s", s, ed->name);
    *dst = ev->value;
    return 0;
}

/* ---- strings, bytes and map keys ---- */

static int copy_string(dec_t *d, const char *s, size_t len, char **dst)
{
    char *copy = codec_dalloc(d, len + 1);
    if (!copy)
        return -1;
    memcpy(copy, s, len);
    copy[len] = '\0';
    *dst = copy;
    return 0;
}

int codec_dec_string(dec_t *d, const json_t *v, char **dst)
{
    size_t len;
    const char *s = codec_want_string(d, v, &len);
    return s ? copy_string(d, s, len, dst) : -1;
}

/* bytes: standard or URL-safe base64, padded or not, as the JSON mapping
 * allows, read as the one base64url text it stands for ('+' '/' written as
 * '-' '_', correct padding dropped) by hf_base64url_decode(), which also
 * wants the last character's unused bits zero. buf has room for len. */
static int b64_to_url(const char *s, size_t len, char *buf, size_t *outlen)
{
    size_t eq = 0;
    while (len > 0 && s[len - 1] == '=') {
        len--;
        eq++;
    }
    if (eq > 2 || len % 4 == 1 || (eq && (len + eq) % 4))
        return -1;
    for (size_t i = 0; i < len; i++)
        buf[i] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
    *outlen = len;
    return 0;
}

int codec_dec_bytes(dec_t *d, const json_t *v, ProtobufCBinaryData *dst)
{
    size_t len, ulen = 0;
    const char *s = codec_want_string(d, v, &len);
    if (!s)
        return -1;
    if (len == 0)
        return 0;
    char *buf = malloc(len);
    if (!buf)
        return codec_add_error(d, "out_of_memory", "could not allocate %zu bytes", len);
    int rc = b64_to_url(s, len, buf, &ulen) < 0 ? codec_add_error(d, "bad_format", "invalid base64") : 0;
    size_t cap = hf_base64url_decoded_len(ulen); /* >= 1: b64_to_url leaves 2 or more */
    /* linked before decoding, so that it is freed with the message whatever happens */
    if (rc == 0 && !(dst->data = codec_dalloc(d, cap)))
        rc = -1;
    if (rc == 0 && hf_base64url_decode(buf, ulen, dst->data, cap, &dst->len) < 0)
        rc = codec_add_error(d, "bad_format", "invalid base64");
    free(buf);
    return rc;
}

/* A JSON object key as a map key of kf's type: strings as they are, bools
 * as "true"/"false", integers in canonical decimal (so "1" and "01" cannot
 * both name key 1). */
int codec_dec_map_key(dec_t *d, const ProtobufCFieldDescriptor *kf, const char *key, size_t len,
                       void *dst)
{
    bigint_t n;
    char canon[24];
    if (strlen(key) != len || !hf_utf8_valid(key, len))
        return codec_add_error(d, "bad_format", "map key is not valid UTF-8 without NUL");
    if (kf->type == PROTOBUF_C_TYPE_STRING)
        return copy_string(d, key, len, dst);
    if (kf->type == PROTOBUF_C_TYPE_BOOL) {
        if (strcmp(key, "true") != 0 && strcmp(key, "false") != 0)
            return codec_add_error(d, "bad_format", "map key \"%.40s\" is not true or false", key);
        *(protobuf_c_boolean *)dst = key[0] == 't';
        return 0;
    }
    int rc = parse_decimal(key, &n);
    snprintf(canon, sizeof(canon), "%s%" PRIu64, n.neg && n.mag ? "-" : "", n.mag);
    if (rc > 0)
        return codec_add_error(d, "out_of_range", "map key %.40s is out of range for %s", key,
                         type_name(kf->type));
    if (rc < 0 || strcmp(canon, key) != 0)
        return codec_add_error(d, "bad_format", "map key \"%.40s\" is not an integer in canonical form",
                         key);
    return store_int(d, n, kf->type, dst);
}

/* ---- encoding ---- */

/* s with every byte that is not well-formed UTF-8 replaced by U+FFFD
 * (protobuf-c does not check strings; JSON must be UTF-8). Caller frees. */
char *codec_utf8_repair(const char *s, size_t n, size_t *outlen)
{
    char *out = n < SIZE_MAX / 3 ? malloc(3 * n + 1) : NULL;
    size_t o = 0;
    for (size_t i = 0; out && i < n;) {
        int len = hf_utf8_decode(s + i, n - i, NULL);
        if (len > 0) {
            memcpy(out + o, s + i, (size_t)len);
            o += (size_t)len;
            i += (size_t)len;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    if (out)
        out[o] = '\0';
    *outlen = o;
    return out;
}

json_t *codec_enc_string(const char *s)
{
    size_t n = s ? strlen(s) : 0, fixed_len;
    if (n == 0 || hf_utf8_valid(s, n))
        return json_stringn_nocheck(n ? s : "", n);
    char *fixed = codec_utf8_repair(s, n, &fixed_len);
    json_t *v = fixed ? json_stringn_nocheck(fixed, fixed_len) : NULL;
    free(fixed);
    return v;
}

/* Standard base64 with padding: hf_base64url_encode()'s text in the other
 * alphabet. */
json_t *codec_enc_bytes(const ProtobufCBinaryData *b)
{
    if (b->len >= SIZE_MAX / 2)
        return NULL;
    size_t n = hf_base64url_len(b->len);
    char *buf = malloc(n + 3);
    if (!buf)
        return NULL;
    hf_base64url_encode(buf, n + 1, b->data, b->len);
    for (size_t i = 0; i < n; i++)
        buf[i] = buf[i] == '-' ? '+' : buf[i] == '_' ? '/' : buf[i];
    while (n % 4)
        buf[n++] = '=';
    json_t *v = json_stringn_nocheck(buf, n);
    free(buf);
    return v;
}

json_t *codec_enc_double(double x)
{
    if (isnan(x))
        return json_string("NaN");
    if (isinf(x))
        return json_string(x < 0 ? "-Infinity" : "Infinity");
    return json_real(x);
}

/* The double of the shortest decimal that reads back as f, so 0.1f is
 * written 0.1, not 0.100000001490116. */
json_t *codec_enc_float(float f)
{
    char buf[32];
    if (!isfinite(f))
        return codec_enc_double(f);
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, (double)f);
        if ((float)strtod(buf, NULL) == f)
            break;
    }
    return json_real(strtod(buf, NULL));
}

char *codec_decimal(uint64_t v, char *end)
{
    *--end = '\0';
    do
        *--end = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return end;
}

/* An integer of any protobuf integer type in decimal (without snprintf: a
 * report has thousands of them). */
void hf_codec_format_int(ProtobufCType t, const void *p, char *buf, size_t size)
{
    int64_t v = 0; /* a signed value */
    uint64_t u;    /* its magnitude, or the unsigned value */
    switch (t) {
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        v = *(const int64_t *)p;
        u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        break;
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        u = *(const uint64_t *)p;
        break;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        u = *(const uint32_t *)p;
        break;
    default:
        v = *(const int32_t *)p;
        u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    }
    char tmp[24], *d = codec_decimal(u, tmp + sizeof(tmp));
    if (v < 0)
        *--d = '-';
    if (size == 0)
        return;
    size_t n = (size_t)(tmp + sizeof(tmp) - 1 - d);
    n = n < size ? n : size - 1;
    memcpy(buf, d, n);
    buf[n] = '\0';
}

