/* common/src/codec.c - JSON <-> protobuf, generically from protobuf-c descriptors
 *
 * The gateway turns request bodies into the method's input message and replies
 * back into JSON for every route, so the mapping is driven by the descriptors
 * (label, type, offset, quantifier_offset of each field) instead of per-message
 * glue. The rules are proto3's JSON mapping; hf/codec.h lists them.
 *
 * Decoding builds a message the way protobuf_c_message_unpack() does: each
 * message is initialised from its descriptor (unset strings point at their
 * default), everything is allocated with the caller's allocator, and a part
 * is linked into its parent before it is filled, so that after an error
 * protobuf_c_message_free_unpacked() frees a half-built message whole.
 * Recursion runs only through dec_message() and enc_message(), both bounded
 * by HF_CODEC_MAX_DEPTH.
 *
 * The file reads top-down: names and shapes shared by both directions, the
 * calendar helpers, then decoding, then encoding (UTF-8 is hf/encoding.h).
 */
#include "hf/codec.h"
#include "hf/encoding.h"
#include "hf/log.h"
#include "hrflow/v1/common.pb-c.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEMBER(msg, off) ((void *)((char *)(msg) + (off)))
#define CMEMBER(msg, off) ((const void *)((const char *)(msg) + (off)))

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range RFC 3339 can write */
#define TS_MIN INT64_C(-62135596800)
#define TS_MAX INT64_C(253402300799)
/* The smallest double that rounds to infinity as a float (FLT_MAX + half an ulp). */
#define FLOAT_LIMIT 0x1.ffffffp127

/* ---- names and shapes ---------------------------------------------------- */

/* protoc's camel-casing: drop '_', upper-case the letter after it. */
static void camel(const char *in, bool cap_first, char *out, size_t outlen)
{
    size_t o = 0;
    bool up = cap_first;
    for (; *in && o + 1 < outlen; in++) {
        if (*in == '_') {
            up = true;
            continue;
        }
        out[o++] = up && *in >= 'a' && *in <= 'z' ? (char)(*in - 'a' + 'A') : *in;
        up = false;
    }
    out[o] = '\0';
}

void hf_codec_json_name(const char *proto_name, char *out, size_t outlen)
{
    assert(proto_name && out && outlen > 0);
    camel(proto_name, false, out, outlen);
}

const ProtobufCFieldDescriptor *hf_codec_field(const ProtobufCMessageDescriptor *desc,
                                               const char *name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(desc,
                                                                                        name);
    char json[256];
    for (unsigned i = 0; !f && i < desc->n_fields; i++) {
        hf_codec_json_name(desc->fields[i].name, json, sizeof(json));
        if (strcmp(json, name) == 0)
            f = &desc->fields[i];
    }
    return f;
}

/* protobuf-c has no map flag: a map is a repeated message field whose type is
 * the entry protoc synthesises, <Field>Entry nested in the parent, with
 * key = 1 and value = 2. */
static bool is_map(const ProtobufCMessageDescriptor *parent, const ProtobufCFieldDescriptor *f)
{
    if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
        return false;
    const ProtobufCMessageDescriptor *e = f->descriptor;
    if (e->n_fields != 2 || e->fields[0].id != 1 || strcmp(e->fields[0].name, "key") != 0 ||
        e->fields[1].id != 2 || strcmp(e->fields[1].name, "value") != 0)
        return false;
    size_t pl = strlen(parent->name);
    char entry[256];
    camel(f->name, true, entry, sizeof(entry) - 5);
    strcat(entry, "Entry");
    return strncmp(e->name, parent->name, pl) == 0 && e->name[pl] == '.' &&
           strcmp(e->name + pl + 1, entry) == 0;
}

typedef enum { PLAIN, TIMESTAMP, DATE } kind_t;

/* Message types that may also be written as one string, standing for one of
 * their string fields (hf/codec.h): a competency keyword "数据分析" is
 * {"term": "数据分析"}. */
static const char *const shorthands[][2] = {
    { "hrflow.v1.Keyword", "term" },
};

const char *hf_codec_shorthand(const ProtobufCMessageDescriptor *d)
{
    for (size_t i = 0; i < sizeof(shorthands) / sizeof(shorthands[0]); i++)
        if (strcmp(d->name, shorthands[i][0]) == 0)
            return shorthands[i][1];
    return NULL;
}

/* Message types with a JSON form of their own (strings, see hf/codec.h). */
static kind_t kind_of(const ProtobufCMessageDescriptor *d)
{
    if (strcmp(d->name, "hrflow.v1.Timestamp") == 0)
        return TIMESTAMP;
    return strcmp(d->name, "hrflow.v1.Date") == 0 ? DATE : PLAIN;
}

/* A Timestamp's or Date's integer field by name. */
static const ProtobufCFieldDescriptor *int_field(const ProtobufCMessageDescriptor *d,
                                                 const char *name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    assert(f && f->label != PROTOBUF_C_LABEL_REPEATED && f->type < PROTOBUF_C_TYPE_UINT32);
    return f;
}

static size_t elt_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    default:
        return 4; /* 32-bit ints, float, enum (protobuf-c stores enums as int) */
    }
}

/* A field with a has_ flag: proto2 / proto3 `optional` scalars and bytes. */
static bool has_flag(const ProtobufCFieldDescriptor *f)
{
    return f->label == PROTOBUF_C_LABEL_OPTIONAL && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
           f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE;
}

/* ---- calendar (proleptic Gregorian, H. Hinnant's algorithms) -------------- */

static bool leap(int64_t y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned char days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* ==== decoding ============================================================== */

typedef struct {
    ProtobufCAllocator *alloc; /* NULL = malloc */
    hf_codec_errors_t *errs;
    int depth;                 /* messages entered above the current value */
    size_t len;                /* of path */
    char path[sizeof(((hf_codec_error_t *)0)->path)];
} dec_t;

static int add_error(dec_t *d, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int add_error(dec_t *d, const char *code, const char *fmt, ...)
{
    hf_codec_errors_t *e = d->errs;
    if (e->n >= HF_CODEC_MAX_ERRORS)
        return -1;
    hf_codec_error_t *x = &e->errors[e->n++];
    memcpy(x->path, d->path, sizeof(x->path));
    snprintf(x->code, sizeof(x->code), "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->message, sizeof(x->message), fmt, ap);
    va_end(ap);
    return -1;
}

static bool full(const dec_t *d)
{
    return d->errs->n >= HF_CODEC_MAX_ERRORS;
}

static const char *kind_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: case JSON_REAL: return "a number";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static int wrong_type(dec_t *d, const char *expected, const json_t *v)
{
    return add_error(d, "wrong_type", "expected %s, got %s", expected, kind_name(v));
}

/* Append to the path; returns the mark to give path_pop(). A path longer
 * than the buffer is cut short, never overflowed. */
static size_t path_push(dec_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static size_t path_push(dec_t *d, const char *fmt, ...)
{
    size_t mark = d->len, room = sizeof(d->path) - mark;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(d->path + mark, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        d->len += (size_t)n < room ? (size_t)n : room - 1;
    return mark;
}

static size_t path_push_name(dec_t *d, const char *name)
{
    return path_push(d, d->len ? ".%s" : "%s", name);
}

static void path_pop(dec_t *d, size_t mark)
{
    d->len = mark;
    d->path[mark] = '\0';
}

static void *dalloc(dec_t *d, size_t size)
{
    void *p = d->alloc ? d->alloc->alloc(d->alloc->allocator_data, size) : malloc(size);
    if (!p)
        add_error(d, "out_of_memory", "could not allocate %zu bytes", size);
    return p;
}

/* A string value: no NUL inside, valid UTF-8. NULL after recording why not. */
static const char *want_string(dec_t *d, const json_t *v, size_t *len)
{
    if (!json_is_string(v)) {
        wrong_type(d, "a string", v);
        return NULL;
    }
    const char *s = json_string_value(v);
    *len = json_string_length(v);
    if (strlen(s) != *len) {
        add_error(d, "bad_format", "string contains a NUL character");
        return NULL;
    }
    if (!hf_utf8_valid(s, *len)) {
        add_error(d, "bad_format", "string is not valid UTF-8");
        return NULL;
    }
    return s;
}

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
    const char *s = want_string(d, v, &len);
    if (!s)
        return -1;
    int rc = parse_decimal(s, n);
    if (rc < 0)
        return add_error(d, "bad_format", "invalid integer \"%.40s\"", s);
    if (rc > 0)
        return add_error(d, "out_of_range", "%.40s is out of range for a 64-bit integer", s);
    return 0;
}

/* A JSON real is an integer when it has no fraction (1e3 is 1000). */
static int int_from_real(dec_t *d, double x, bigint_t *n)
{
    if (fabs(x) < 0x1p63 && x != (double)(long long)x)
        return add_error(d, "wrong_type", "expected an integer, got %g", x);
    if (fabs(x) >= 0x1p64)
        return add_error(d, "out_of_range", "%g is out of range for a 64-bit integer", x);
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
    return wrong_type(d, "an integer", v);
}

/* Check n against type t's range and store it in *dst (4 or 8 bytes). */
static int store_int(dec_t *d, bigint_t n, ProtobufCType t, void *dst)
{
    bool wide = elt_size(t) == 8;
    bool is_unsigned = t == PROTOBUF_C_TYPE_UINT32 || t == PROTOBUF_C_TYPE_FIXED32 ||
                       t == PROTOBUF_C_TYPE_UINT64 || t == PROTOBUF_C_TYPE_FIXED64;
    uint64_t max = is_unsigned ? (wide ? UINT64_MAX : UINT32_MAX) : (wide ? INT64_MAX : INT32_MAX);
    uint64_t neg_max = is_unsigned ? 0 : max + 1;
    n.neg = n.neg && n.mag != 0;
    if (n.mag > (n.neg ? neg_max : max))
        return add_error(d, "out_of_range", "%s%" PRIu64 " is out of range for %s",
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

static int dec_int(dec_t *d, const json_t *v, ProtobufCType t, void *dst)
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

static int dec_float(dec_t *d, const json_t *v, ProtobufCType t, void *dst)
{
    double x;
    size_t len;
    const char *s;
    if (json_is_number(v)) {
        x = json_number_value(v);
    } else if (json_is_string(v)) {
        if (!(s = want_string(d, v, &len)))
            return -1;
        int rc = parse_double(s, &x);
        if (rc < 0)
            return add_error(d, "bad_format", "invalid number \"%.40s\"", s);
        if (rc > 0)
            return add_error(d, "out_of_range", "%.40s is out of range for double", s);
    } else {
        return wrong_type(d, "a number", v);
    }
    if (t == PROTOBUF_C_TYPE_DOUBLE) {
        *(double *)dst = x;
        return 0;
    }
    if (isfinite(x) && fabs(x) >= FLOAT_LIMIT)
        return add_error(d, "out_of_range", "%g is out of range for float", x);
    *(float *)dst = (float)x;
    return 0;
}

static int dec_bool(dec_t *d, const json_t *v, protobuf_c_boolean *dst)
{
    if (!json_is_boolean(v))
        return wrong_type(d, "a boolean", v);
    *dst = json_is_true(v);
    return 0;
}

/* By name, or by number (proto3 enums are open: any int32 is kept). */
static int dec_enum(dec_t *d, const ProtobufCEnumDescriptor *ed, const json_t *v, int32_t *dst)
{
    size_t len;
    const char *s;
    if (json_is_number(v))
        return dec_int(d, v, PROTOBUF_C_TYPE_ENUM, dst);
    if (!json_is_string(v))
        return wrong_type(d, "a string or a number", v);
    if (!(s = want_string(d, v, &len)))
        return -1;
    const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name(ed, s);
    if (!ev)
        return add_error(d, "unknown_enum", "unknown value \"%.40s\" of enum %s", s, ed->name);
    *dst = ev->value;
    return 0;
}

/* ---- strings and bytes ---- */

static int copy_string(dec_t *d, const char *s, size_t len, char **dst)
{
    char *copy = dalloc(d, len + 1);
    if (!copy)
        return -1;
    memcpy(copy, s, len);
    copy[len] = '\0';
    *dst = copy;
    return 0;
}

static int dec_string(dec_t *d, const json_t *v, char **dst)
{
    size_t len;
    const char *s = want_string(d, v, &len);
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

static int dec_bytes(dec_t *d, const json_t *v, ProtobufCBinaryData *dst)
{
    size_t len, ulen = 0;
    const char *s = want_string(d, v, &len);
    if (!s)
        return -1;
    if (len == 0)
        return 0;
    char *buf = malloc(len);
    if (!buf)
        return add_error(d, "out_of_memory", "could not allocate %zu bytes", len);
    int rc = b64_to_url(s, len, buf, &ulen) < 0 ? add_error(d, "bad_format", "invalid base64") : 0;
    size_t cap = hf_base64url_decoded_len(ulen); /* >= 1: b64_to_url leaves 2 or more */
    /* linked before decoding, so that it is freed with the message whatever happens */
    if (rc == 0 && !(dst->data = dalloc(d, cap)))
        rc = -1;
    if (rc == 0 && hf_base64url_decode(buf, ulen, dst->data, cap, &dst->len) < 0)
        rc = add_error(d, "bad_format", "invalid base64");
    free(buf);
    return rc;
}

/* ---- Timestamp and Date ---- */

/* Exactly n digits at s into *out (stops at the NUL of a short string). */
static bool digits(const char *s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *out = *out * 10 + (s[i] - '0');
    }
    return true;
}

/* "YYYY-MM-DD" at s, a real day of years 0001-9999. */
static bool parse_date(const char *s, int *y, int *m, int *dd)
{
    return digits(s, 4, y) && s[4] == '-' && digits(s + 5, 2, m) && s[7] == '-' &&
           digits(s + 8, 2, dd) && *y >= 1 && *m >= 1 && *m <= 12 && *dd >= 1 &&
           (unsigned)*dd <= month_days(*y, (unsigned)*m);
}

/* "HH:MM:SS" and an optional ".fraction" of 1-9 digits; the rest of s, or NULL. */
static const char *parse_time(const char *s, int *secs, int32_t *nanos)
{
    int h, mi, se, nd = 0;
    if (!digits(s, 2, &h) || s[2] != ':' || !digits(s + 3, 2, &mi) || s[5] != ':' ||
        !digits(s + 6, 2, &se) || h > 23 || mi > 59 || se > 59)
        return NULL;
    *secs = h * 3600 + mi * 60 + se;
    *nanos = 0;
    s += 8;
    if (*s != '.')
        return s;
    for (s++; *s >= '0' && *s <= '9'; s++, nd++)
        if (nd < 9)
            *nanos = *nanos * 10 + (*s - '0');
    if (nd == 0 || nd > 9)
        return NULL;
    for (; nd < 9; nd++)
        *nanos *= 10;
    return s;
}

/* "Z" or "+HH:MM" / "-HH:MM" ending s: the offset east of UTC in seconds. */
static bool parse_offset(const char *s, int *offset)
{
    int h, m;
    *offset = 0;
    if ((s[0] == 'Z' || s[0] == 'z') && !s[1])
        return true;
    if ((s[0] != '+' && s[0] != '-') || !digits(s + 1, 2, &h) || s[3] != ':' ||
        !digits(s + 4, 2, &m) || s[6] || h > 23 || m > 59)
        return false;
    *offset = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return true;
}

/* RFC 3339: 0, -1 if malformed, 1 if the instant is outside years 1-9999 UTC. */
static int parse_rfc3339(const char *s, int64_t *secs, int32_t *nanos)
{
    int y, m, dd, tod, offset;
    if (!parse_date(s, &y, &m, &dd) || (s[10] != 'T' && s[10] != 't'))
        return -1;
    const char *rest = parse_time(s + 11, &tod, nanos);
    if (!rest || !parse_offset(rest, &offset))
        return -1;
    *secs = days_from_civil(y, (unsigned)m, (unsigned)dd) * 86400 + tod - offset;
    return *secs < TS_MIN || *secs > TS_MAX ? 1 : 0;
}

static ProtobufCMessage *new_message(dec_t *d, const ProtobufCMessageDescriptor *desc)
{
    assert(desc->message_init);
    ProtobufCMessage *m = dalloc(d, desc->sizeof_message);
    if (m)
        protobuf_c_message_init(desc, m);
    return m;
}

static void set_int(ProtobufCMessage *m, const char *name, int64_t v)
{
    const ProtobufCFieldDescriptor *f = int_field(m->descriptor, name);
    if (elt_size(f->type) == 8)
        *(int64_t *)MEMBER(m, f->offset) = v;
    else
        *(int32_t *)MEMBER(m, f->offset) = (int32_t)v;
}

static int64_t get_int(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *f = int_field(m->descriptor, name);
    if (elt_size(f->type) == 8)
        return *(const int64_t *)CMEMBER(m, f->offset);
    return *(const int32_t *)CMEMBER(m, f->offset);
}

/* The string s as Timestamp (seconds, nanos) or Date (year, month, day). */
static int special_values(dec_t *d, kind_t kind, const char *s, size_t len, int64_t val[3])
{
    int32_t nanos;
    int y, m, dd, rc;
    if (kind == DATE) {
        if (len != 10 || !parse_date(s, &y, &m, &dd))
            return add_error(d, "bad_format",
                             "invalid date \"%.40s\": expected YYYY-MM-DD, a real day", s);
        val[0] = y, val[1] = m, val[2] = dd;
        return 0;
    }
    if ((rc = parse_rfc3339(s, &val[0], &nanos)) < 0)
        return add_error(d, "bad_format",
                         "invalid timestamp \"%.40s\": expected RFC 3339, as in "
                         "2026-11-26T10:30:00+08:00", s);
    if (rc > 0)
        return add_error(d, "out_of_range", "timestamp \"%.40s\" is outside years 0001-9999 UTC",
                         s);
    val[1] = nanos;
    return 0;
}

static const char *const special_fields[][3] = {
    [TIMESTAMP] = { "seconds", "nanos", NULL },
    [DATE] = { "year", "month", "day" },
};

/* Timestamp and Date are strings in JSON (hf/codec.h). */
static int dec_special(dec_t *d, const ProtobufCMessageDescriptor *desc, kind_t kind,
                       const json_t *v, ProtobufCMessage **dst)
{
    size_t len;
    int64_t val[3];
    const char *s = want_string(d, v, &len);
    if (!s || special_values(d, kind, s, len, val) < 0 || !(*dst = new_message(d, desc)))
        return -1;
    for (int i = 0; i < 3 && special_fields[kind][i]; i++)
        set_int(*dst, special_fields[kind][i], val[i]);
    return 0;
}

/* ---- fields and messages ---- */

static int dec_message(dec_t *d, const ProtobufCMessageDescriptor *desc, const json_t *v,
                       ProtobufCMessage **dst);

/* One value of field f (the field itself, an element or a map value) into dst. */
static int dec_value(dec_t *d, const ProtobufCFieldDescriptor *f, const json_t *v, void *dst)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        return dec_float(d, v, f->type, dst);
    case PROTOBUF_C_TYPE_BOOL:
        return dec_bool(d, v, dst);
    case PROTOBUF_C_TYPE_ENUM:
        return dec_enum(d, f->descriptor, v, dst);
    case PROTOBUF_C_TYPE_STRING:
        return dec_string(d, v, dst);
    case PROTOBUF_C_TYPE_BYTES:
        return dec_bytes(d, v, dst);
    case PROTOBUF_C_TYPE_MESSAGE:
        if (kind_of(f->descriptor) != PLAIN)
            return dec_special(d, f->descriptor, kind_of(f->descriptor), v, dst);
        if (json_is_string(v) && hf_codec_shorthand(f->descriptor)) {
            json_t *o = json_object();
            int rc = o && json_object_set(o, hf_codec_shorthand(f->descriptor), (json_t *)v) == 0
                         ? dec_message(d, f->descriptor, o, dst)
                         : add_error(d, "out_of_memory", "out of memory");
            json_decref(o);
            return rc;
        }
        return dec_message(d, f->descriptor, v, dst);
    default:
        return dec_int(d, v, f->type, dst);
    }
}

static int dec_singular(dec_t *d, const ProtobufCFieldDescriptor *f, const json_t *v,
                        ProtobufCMessage *m)
{
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t *which = MEMBER(m, f->quantifier_offset);
        if (*which && *which != f->id) {
            char other[256];
            hf_codec_json_name(protobuf_c_message_descriptor_get_field(m->descriptor, *which)->name,
                               other, sizeof(other));
            return add_error(d, "oneof_conflict", "in one oneof with \"%.60s\": set only one",
                             other);
        }
        *which = f->id; /* before decoding, so a submessage is freed with m */
    }
    int rc = dec_value(d, f, v, MEMBER(m, f->offset));
    if (rc == 0 && has_flag(f))
        *(protobuf_c_boolean *)MEMBER(m, f->quantifier_offset) = 1;
    return rc;
}

/* A zeroed array of n elements, linked into m (zeroed slots are what
 * protobuf_c_message_free_unpacked() can free). NULL when n is 0. */
static void *new_array(dec_t *d, const ProtobufCFieldDescriptor *f, ProtobufCMessage *m, size_t n)
{
    size_t size = elt_size(f->type);
    if (n == 0)
        return NULL;
    void *arr = n <= SIZE_MAX / size ? dalloc(d, n * size) : NULL;
    if (!arr)
        return NULL;
    memset(arr, 0, n * size);
    *(void **)MEMBER(m, f->offset) = arr;
    *(size_t *)MEMBER(m, f->quantifier_offset) = n;
    return arr;
}

static int dec_repeated(dec_t *d, const ProtobufCFieldDescriptor *f, const json_t *v,
                        ProtobufCMessage *m)
{
    if (!json_is_array(v))
        return wrong_type(d, "an array", v);
    char *arr = new_array(d, f, m, json_array_size(v));
    int rc = 0;
    for (size_t i = 0; arr && i < json_array_size(v) && !full(d); i++) {
        size_t mark = path_push(d, "[%zu]", i);
        const json_t *e = json_array_get(v, i);
        if (json_is_null(e))
            rc = add_error(d, "wrong_type", "null is not allowed in an array");
        else if (dec_value(d, f, e, arr + i * elt_size(f->type)) < 0)
            rc = -1;
        path_pop(d, mark);
    }
    return rc;
}

/* A JSON object key as a map key of kf's type: strings as they are, bools
 * as "true"/"false", integers in canonical decimal (so "1" and "01" cannot
 * both name key 1). */
static int dec_map_key(dec_t *d, const ProtobufCFieldDescriptor *kf, const char *key, size_t len,
                       void *dst)
{
    bigint_t n;
    char canon[24];
    if (strlen(key) != len || !hf_utf8_valid(key, len))
        return add_error(d, "bad_format", "map key is not valid UTF-8 without NUL");
    if (kf->type == PROTOBUF_C_TYPE_STRING)
        return copy_string(d, key, len, dst);
    if (kf->type == PROTOBUF_C_TYPE_BOOL) {
        if (strcmp(key, "true") != 0 && strcmp(key, "false") != 0)
            return add_error(d, "bad_format", "map key \"%.40s\" is not true or false", key);
        *(protobuf_c_boolean *)dst = key[0] == 't';
        return 0;
    }
    int rc = parse_decimal(key, &n);
    snprintf(canon, sizeof(canon), "%s%" PRIu64, n.neg && n.mag ? "-" : "", n.mag);
    if (rc > 0)
        return add_error(d, "out_of_range", "map key %.40s is out of range for %s", key,
                         type_name(kf->type));
    if (rc < 0 || strcmp(canon, key) != 0)
        return add_error(d, "bad_format", "map key \"%.40s\" is not an integer in canonical form",
                         key);
    return store_int(d, n, kf->type, dst);
}

static int dec_map_entry(dec_t *d, const ProtobufCMessageDescriptor *ed, void *it,
                         ProtobufCMessage **slot)
{
    const json_t *v = json_object_iter_value(it);
    if (json_is_null(v))
        return add_error(d, "wrong_type", "null is not allowed as a map value");
    if (!(*slot = new_message(d, ed)))
        return -1;
    if (dec_map_key(d, &ed->fields[0], json_object_iter_key(it), json_object_iter_key_len(it),
                    MEMBER(*slot, ed->fields[0].offset)) < 0)
        return -1;
    return dec_value(d, &ed->fields[1], v, MEMBER(*slot, ed->fields[1].offset));
}

/* proto3 maps are JSON objects; protobuf-c holds them as repeated entries. */
static int dec_map(dec_t *d, const ProtobufCFieldDescriptor *f, const json_t *v,
                   ProtobufCMessage *m)
{
    if (!json_is_object(v))
        return wrong_type(d, "an object", v);
    ProtobufCMessage **arr = new_array(d, f, m, json_object_size(v));
    int rc = 0;
    size_t i = 0;
    for (void *it = arr ? json_object_iter((json_t *)v) : NULL; it && !full(d);
         it = json_object_iter_next((json_t *)v, it), i++) {
        size_t mark = path_push(d, "[\"%s\"]", json_object_iter_key(it));
        if (dec_map_entry(d, f->descriptor, it, &arr[i]) < 0)
            rc = -1;
        path_pop(d, mark);
    }
    return rc;
}

static int dec_field(dec_t *d, const ProtobufCFieldDescriptor *f, const json_t *v,
                     ProtobufCMessage *m)
{
    if (f->label != PROTOBUF_C_LABEL_REPEATED)
        return dec_singular(d, f, v, m);
    return is_map(m->descriptor, f) ? dec_map(d, f, v, m) : dec_repeated(d, f, v, m);
}

/* One key of a message's object. Paths name fields by JSON name whichever
 * spelling the document used; giving both spellings is an error. */
static int dec_member(dec_t *d, const json_t *obj, void *it, ProtobufCMessage *m)
{
    const char *key = json_object_iter_key(it);
    const json_t *v = json_object_iter_value(it);
    const ProtobufCFieldDescriptor *f = NULL;
    char json[256];
    if (strlen(key) == json_object_iter_key_len(it))
        f = hf_codec_field(m->descriptor, key);
    if (!f) {
        size_t mark = path_push_name(d, key);
        add_error(d, "unknown_field", "unknown field \"%.60s\"", key);
        path_pop(d, mark);
        return -1;
    }
    hf_codec_json_name(f->name, json, sizeof(json));
    size_t mark = path_push_name(d, json);
    int rc = 0;
    if (strcmp(key, json) != 0 && json_object_get(obj, json))
        rc = add_error(d, "duplicate_field", "given twice, as \"%.60s\" and \"%.60s\"", json,
                       key);
    else if (!json_is_null(v))
        rc = dec_field(d, f, v, m);
    path_pop(d, mark);
    return rc;
}

static bool given(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    return v && !json_is_null(v);
}

/* proto2 `required` fields must be in the document. */
static int check_required(dec_t *d, const ProtobufCMessageDescriptor *desc, const json_t *obj)
{
    char json[256];
    int rc = 0;
    for (unsigned i = 0; i < desc->n_fields && !full(d); i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (f->label != PROTOBUF_C_LABEL_REQUIRED)
            continue;
        hf_codec_json_name(f->name, json, sizeof(json));
        if (given(obj, f->name) || given(obj, json))
            continue;
        size_t mark = path_push_name(d, json);
        rc = add_error(d, "required", "missing required field");
        path_pop(d, mark);
    }
    return rc;
}

/* The only recursion of decoding, one level per message, bounded. */
static int dec_message(dec_t *d, const ProtobufCMessageDescriptor *desc, const json_t *v,
                       ProtobufCMessage **dst)
{
    if (!json_is_object(v))
        return wrong_type(d, "an object", v);
    if (d->depth >= HF_CODEC_MAX_DEPTH)
        return add_error(d, "too_deep", "messages nest deeper than %d levels",
                         HF_CODEC_MAX_DEPTH);
    ProtobufCMessage *m = new_message(d, desc);
    if (!(*dst = m))
        return -1;
    int rc = 0;
    d->depth++;
    for (void *it = json_object_iter((json_t *)v); it && !full(d);
         it = json_object_iter_next((json_t *)v, it))
        if (dec_member(d, v, it, m) < 0)
            rc = -1;
    if (check_required(d, desc, v) < 0)
        rc = -1;
    d->depth--;
    return rc;
}

int hf_codec_decode(const ProtobufCMessageDescriptor *desc, const json_t *json,
                    ProtobufCAllocator *alloc, ProtobufCMessage **out, hf_codec_errors_t *errs)
{
    assert(desc && json && out);
    hf_codec_errors_t ignored;
    dec_t d = { .alloc = alloc, .errs = errs ? errs : &ignored };
    ProtobufCMessage *m = NULL;
    d.errs->n = 0;
    *out = NULL;
    dec_message(&d, desc, json, &m);
    if (d.errs->n == 0) {
        *out = m;
        return 0;
    }
    protobuf_c_message_free_unpacked(m, alloc);
    return -1;
}

int hf_codec_decode_text(const ProtobufCMessageDescriptor *desc, const char *text, size_t len,
                         ProtobufCAllocator *alloc, ProtobufCMessage **out,
                         hf_codec_errors_t *errs)
{
    assert(desc && (text || len == 0) && out);
    json_error_t je;
    json_t *json = json_loadb(text ? text : "", len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
                              &je);
    if (!json) {
        hf_codec_errors_t ignored;
        dec_t d = { .errs = errs ? errs : &ignored };
        d.errs->n = 0;
        *out = NULL;
        return add_error(&d, "malformed_json", "malformed json at line %d column %d: %s",
                         je.line, je.column, je.text);
    }
    int rc = hf_codec_decode(desc, json, alloc, out, errs);
    json_decref(json);
    return rc;
}

/* ==== encoding ============================================================== */

static json_t *enc_message(const ProtobufCMessage *m, int depth);

/* s with every byte that is not well-formed UTF-8 replaced by U+FFFD
 * (protobuf-c does not check strings; JSON must be UTF-8). Caller frees. */
static char *utf8_repair(const char *s, size_t n, size_t *outlen)
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

static json_t *enc_string(const char *s)
{
    size_t n = s ? strlen(s) : 0, fixed_len;
    if (n == 0 || hf_utf8_valid(s, n))
        return json_stringn_nocheck(n ? s : "", n);
    char *fixed = utf8_repair(s, n, &fixed_len);
    json_t *v = fixed ? json_stringn_nocheck(fixed, fixed_len) : NULL;
    free(fixed);
    return v;
}

/* Standard base64 with padding: hf_base64url_encode()'s text in the other
 * alphabet. */
static json_t *enc_bytes(const ProtobufCBinaryData *b)
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

static json_t *enc_double(double x)
{
    if (isnan(x))
        return json_string("NaN");
    if (isinf(x))
        return json_string(x < 0 ? "-Infinity" : "Infinity");
    return json_real(x);
}

/* The double of the shortest decimal that reads back as f, so 0.1f is
 * written 0.1, not 0.100000001490116. */
static json_t *enc_float(float f)
{
    char buf[32];
    if (!isfinite(f))
        return enc_double(f);
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, (double)f);
        if ((float)strtod(buf, NULL) == f)
            break;
    }
    return json_real(strtod(buf, NULL));
}

/* An integer of any protobuf integer type in decimal. */
static void format_int(ProtobufCType t, const void *p, char *buf, size_t size)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        snprintf(buf, size, "%" PRId64, *(const int64_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        snprintf(buf, size, "%" PRIu64, *(const uint64_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        snprintf(buf, size, "%" PRIu32, *(const uint32_t *)p);
        break;
    default:
        snprintf(buf, size, "%" PRId32, *(const int32_t *)p);
    }
}

/* Out of range (or a Date that is no day) has no JSON form: null. */
static json_t *enc_timestamp(const ProtobufCMessage *m)
{
    int64_t s = get_int(m, "seconds"), ns = get_int(m, "nanos"), y;
    unsigned mo, d;
    char buf[64];
    if (s < TS_MIN || s > TS_MAX || ns < 0 || ns > 999999999)
        return json_null();
    int64_t days = (s - TS_MIN) / 86400 + TS_MIN / 86400, tod = s - days * 86400;
    civil_from_days(days, &y, &mo, &d);
    int n = snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d", (int)y, mo, d,
                     (int)(tod / 3600), (int)(tod / 60 % 60), (int)(tod % 60));
    int digits = 9;
    for (; ns && digits > 3 && ns % 1000 == 0; digits -= 3)
        ns /= 1000; /* 0, 3, 6 or 9 fraction digits */
    if (ns)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, ".%0*d", digits, (int)ns);
    snprintf(buf + n, sizeof(buf) - (size_t)n, "Z");
    return json_string(buf);
}

static json_t *enc_date(const ProtobufCMessage *m)
{
    int64_t y = get_int(m, "year"), mo = get_int(m, "month"), d = get_int(m, "day");
    char buf[32];
    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
        (unsigned)d > month_days(y, (unsigned)mo))
        return json_null();
    snprintf(buf, sizeof(buf), "%04d-%02d-%02d", (int)y, (int)mo, (int)d);
    return json_string(buf);
}

static json_t *enc_submessage(const ProtobufCMessageDescriptor *desc, const ProtobufCMessage *sub,
                              int depth);

/* A NULL element or map value stands for the default message. */
static json_t *enc_default(const ProtobufCMessageDescriptor *desc, int depth)
{
    ProtobufCMessage *m = malloc(desc->sizeof_message);
    if (!m)
        return NULL;
    protobuf_c_message_init(desc, m);
    json_t *v = enc_submessage(desc, m, depth);
    free(m);
    return v;
}

static json_t *enc_submessage(const ProtobufCMessageDescriptor *desc, const ProtobufCMessage *sub,
                              int depth)
{
    if (!sub)
        return enc_default(desc, depth);
    switch (kind_of(desc)) {
    case TIMESTAMP: return enc_timestamp(sub);
    case DATE: return enc_date(sub);
    default: return enc_message(sub, depth + 1);
    }
}

/* One value of field f at p (the field itself, an element or a map value). */
static json_t *enc_value(const ProtobufCFieldDescriptor *f, const void *p, int depth)
{
    char buf[32];
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_FLOAT:
        return enc_float(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return enc_double(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor,
                                                                            *(const int *)p);
        return ev ? json_string(ev->name) : json_integer(*(const int *)p);
    }
    case PROTOBUF_C_TYPE_STRING:
        return enc_string(*(char *const *)p);
    case PROTOBUF_C_TYPE_BYTES:
        return enc_bytes(p);
    case PROTOBUF_C_TYPE_MESSAGE:
        return enc_submessage(f->descriptor, *(ProtobufCMessage *const *)p, depth);
    default: /* 64-bit integers are strings: JavaScript numbers stop at 2^53 */
        format_int(f->type, p, buf, sizeof(buf));
        return json_string(buf);
    }
}

static json_t *enc_array(const ProtobufCFieldDescriptor *f, const ProtobufCMessage *m, int depth)
{
    size_t n = *(const size_t *)CMEMBER(m, f->quantifier_offset);
    const char *arr = *(char *const *)CMEMBER(m, f->offset);
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, enc_value(f, arr + i * elt_size(f->type), depth)) < 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

static int enc_map_entry(json_t *obj, const ProtobufCMessage *e, int depth)
{
    const ProtobufCFieldDescriptor *kf = &e->descriptor->fields[0];
    const void *kp = CMEMBER(e, kf->offset);
    char buf[32], *fixed = NULL;
    const char *key = buf;
    size_t len;
    if (kf->type == PROTOBUF_C_TYPE_STRING) {
        key = *(char *const *)kp ? *(char *const *)kp : "";
        if (!hf_utf8_valid(key, strlen(key)))
            key = fixed = utf8_repair(key, strlen(key), &len);
    } else if (kf->type == PROTOBUF_C_TYPE_BOOL) {
        key = *(const protobuf_c_boolean *)kp ? "true" : "false";
    } else {
        format_int(kf->type, kp, buf, sizeof(buf));
    }
    json_t *v = enc_value(&e->descriptor->fields[1], CMEMBER(e, e->descriptor->fields[1].offset),
                          depth);
    int rc = key && v ? json_object_set_new_nocheck(obj, key, v) : -1;
    if (rc < 0 && !key)
        json_decref(v);
    free(fixed);
    return rc;
}

static json_t *enc_map(const ProtobufCFieldDescriptor *f, const ProtobufCMessage *m, int depth)
{
    size_t n = *(const size_t *)CMEMBER(m, f->quantifier_offset);
    ProtobufCMessage *const *arr = *(ProtobufCMessage *const *const *)CMEMBER(m, f->offset);
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < n; i++) {
        if (arr[i] && enc_map_entry(obj, arr[i], depth) < 0) {
            json_decref(obj);
            obj = NULL;
        }
    }
    return obj;
}

/* Unset message fields, oneof members not chosen and `optional` fields
 * without a value are left out; everything else is written. */
static bool present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)CMEMBER(m, f->quantifier_offset) == f->id;
    if (has_flag(f))
        return *(const protobuf_c_boolean *)CMEMBER(m, f->quantifier_offset);
    if (f->label == PROTOBUF_C_LABEL_REPEATED ||
        (f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_STRING))
        return true;
    const void *p = *(const void *const *)CMEMBER(m, f->offset);
    if (f->type == PROTOBUF_C_TYPE_MESSAGE)
        return p != NULL;
    return f->label != PROTOBUF_C_LABEL_OPTIONAL || (p && p != f->default_value);
}

static int enc_field(json_t *obj, const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                     int depth)
{
    char json[256];
    json_t *v;
    if (!present(m, f))
        return 0;
    if (f->label != PROTOBUF_C_LABEL_REPEATED)
        v = enc_value(f, CMEMBER(m, f->offset), depth);
    else if (is_map(m->descriptor, f))
        v = enc_map(f, m, depth);
    else
        v = enc_array(f, m, depth);
    hf_codec_json_name(f->name, json, sizeof(json));
    return json_object_set_new_nocheck(obj, json, v);
}

/* The only recursion of encoding, bounded like decoding's. */
static json_t *enc_message(const ProtobufCMessage *m, int depth)
{
    if (depth >= HF_CODEC_MAX_DEPTH)
        return NULL;
    json_t *obj = json_object();
    for (unsigned i = 0; obj && i < m->descriptor->n_fields; i++) {
        if (enc_field(obj, m, &m->descriptor->fields[i], depth) < 0) {
            json_decref(obj);
            obj = NULL;
        }
    }
    return obj;
}

json_t *hf_codec_encode(const ProtobufCMessage *msg)
{
    assert(msg && msg->descriptor);
    return enc_message(msg, 0);
}

char *hf_codec_encode_text(const ProtobufCMessage *msg)
{
    json_t *j = hf_codec_encode(msg);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return text;
}

ProtobufCMessage *hf_codec_decode_stored(const ProtobufCMessageDescriptor *desc, const char *text,
                                         ProtobufCAllocator *alloc)
{
    ProtobufCMessage *m = NULL;
    if (hf_codec_decode_text(desc, text, strlen(text), alloc, &m, NULL) < 0)
        hf_logkv(HF_LOG_ERROR, "a stored record does not decode", "type", desc->name, NULL);
    return m;
}

char *hf_pb_strdup(ProtobufCAllocator *alloc, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = alloc->alloc(alloc->allocator_data, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

Hrflow__V1__Timestamp *hf_pb_timestamp_micros(ProtobufCAllocator *alloc, const char *micros)
{
    Hrflow__V1__Timestamp *t = alloc->alloc(alloc->allocator_data, sizeof(*t));
    if (!t)
        return NULL;
    hrflow__v1__timestamp__init(t);
    long long us = strtoll(micros, NULL, 10);
    t->seconds = us / 1000000;
    t->nanos = (int32_t)(us % 1000000) * 1000;
    return t;
}
