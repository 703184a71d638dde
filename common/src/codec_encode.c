/* common/src/codec_encode.c - protobuf to JSON: the walk over fields and messages
 *
 * Every field is written, defaults included, so a missing key never means
 * "zero"; left out are only unset message fields, oneof members not chosen
 * and `optional` fields without a value. Maps become objects, repeated
 * fields arrays; the only recursion is enc_message(), bounded by
 * HF_CODEC_MAX_DEPTH like decoding. The leaves are codec_scalars.c and
 * codec_wkt.c.
 */
#include "codec_private.h"

#include "hf/buf.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *enc_message(const ProtobufCMessage *m, int depth);
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
    switch (codec_kind_of(desc)) {
    case TIMESTAMP: return codec_enc_timestamp(sub);
    case DATE: return codec_enc_date(sub);
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
        return codec_enc_float(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return codec_enc_double(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor,
                                                                            *(const int *)p);
        return ev ? json_string(ev->name) : json_integer(*(const int *)p);
    }
    case PROTOBUF_C_TYPE_STRING:
        return codec_enc_string(*(char *const *)p);
    case PROTOBUF_C_TYPE_BYTES:
        return codec_enc_bytes(p);
    case PROTOBUF_C_TYPE_MESSAGE:
        return enc_submessage(f->descriptor, *(ProtobufCMessage *const *)p, depth);
    default: /* 64-bit integers are strings: JavaScript numbers stop at 2^53 */
        hf_codec_format_int(f->type, p, buf, sizeof(buf));
        return json_string(buf);
    }
}

static json_t *enc_array(const ProtobufCFieldDescriptor *f, const ProtobufCMessage *m, int depth)
{
    size_t n = *(const size_t *)CMEMBER(m, f->quantifier_offset);
    const char *arr = *(char *const *)CMEMBER(m, f->offset);
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, enc_value(f, arr + i * codec_elt_size(f->type), depth)) < 0) {
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
            key = fixed = codec_utf8_repair(key, strlen(key), &len);
    } else if (kf->type == PROTOBUF_C_TYPE_BOOL) {
        key = *(const protobuf_c_boolean *)kp ? "true" : "false";
    } else {
        hf_codec_format_int(kf->type, kp, buf, sizeof(buf));
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
    if (codec_has_flag(f))
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
    else if (codec_is_map(m->descriptor, f))
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
    return hf_codec_write(msg, 17, NULL);
}

/* ---- the same text, written directly --------------------------------------
 *
 * The walk above, appending to one growing buffer what json_dumps would
 * print for the json_t it builds: compact separators, keys in field order,
 * strings escaped as jansson does (", \, and control characters; the rest
 * of UTF-8 as it is), integers in decimal, doubles as jansson's
 * jsonp_dtostr. The rarer values (maps, whose repeated keys jansson merges;
 * bytes; floats; Timestamp and Date) go through enc_value() and json_dumps
 * of that one value, so they cannot differ. fuzz-codec checks the two
 * against each other on every input. */

typedef struct {
    hf_buf_t out;
    int prec;
} wbuf_t;

static void w_put(wbuf_t *b, const char *s, size_t n)
{
    hf_buf_put(&b->out, s, n);
}

static void w_chr(wbuf_t *b, char c)
{
    hf_buf_putc(&b->out, c);
}

/* A string of valid UTF-8, quoted and escaped as jansson's dump_string. */
static void w_escaped(wbuf_t *b, const char *s, size_t n)
{
    w_chr(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        w_put(b, s + run, i - run);
        run = i + 1;
        char seq[8];
        const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
            : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
        if (!esc) {
            snprintf(seq, sizeof(seq), "\\u%04X", c);
            esc = seq;
        }
        w_put(b, esc, strlen(esc));
    }
    w_put(b, s + run, n - run);
    w_chr(b, '"');
}

static void w_string(wbuf_t *b, const char *s)
{
    size_t n = s ? strlen(s) : 0, fixed_len;
    if (n == 0 || hf_utf8_valid(s, n)) {
        w_escaped(b, n ? s : "", n);
        return;
    }
    char *fixed = codec_utf8_repair(s, n, &fixed_len);
    if (fixed)
        w_escaped(b, fixed, fixed_len);
    else
        b->out.failed = 1;
    free(fixed);
}

void hf_codec_put_string(hf_buf_t *out, const char *s)
{
    wbuf_t b = { *out, 17 };
    w_string(&b, s);
    *out = b.out;
}

/* What %.*g prints of v at precision prec (at most 15), then ".0" when it
 * reads as an integer, for the common case of a few decimals, without
 * printf: v is the double nearest to r / 10^k for an integer r of at most
 * prec digits (k at most 6), and 1e-4 <= |v|, so %g writes r / 10^k in
 * fixed notation. At 15 digits or fewer, the decimal whose nearest double
 * v is, is the one %g rounds v to (v is within half a unit in its last
 * place of it, a sixth of the distance to the next 15-digit decimal). The
 * length written, or 0 for any other value (printf's then). */
static int w_short_real(char *buf, double v, int prec)
{
    static const double p10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                  1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
    double a = fabs(v);
    if (prec > 15 || !(a >= 1e-4 && a < p10[prec]))
        return 0;
    for (int k = 0; k <= 6; k++) {
        double r = nearbyint(a * p10[k]);
        if (r >= p10[prec])
            return 0;
        if (r / p10[k] != a)
            continue;
        /* whole "." fraction: the fraction's k digits, leading zeros kept,
         * are those after the 1 of unit + fraction; "0" for an integer */
        uint64_t n = (uint64_t)r, unit = (uint64_t)p10[k];
        char whole[24], fraction[24], *o = buf;
        if (v < 0)
            *o++ = '-';
        o = stpcpy(o, codec_decimal(n / unit, whole + sizeof(whole)));
        *o++ = '.';
        o = stpcpy(o, k ? codec_decimal(n % unit + unit, fraction + sizeof(fraction)) + 1 : "0");
        return (int)(o - buf);
    }
    return 0;
}

/* jansson's jsonp_dtostr: %.*g, ".0" when it reads as an integer, no '+' or
 * leading zeros in the exponent. */
static void w_real(wbuf_t *b, double v)
{
    char buf[64];
    int len = w_short_real(buf, v, b->prec);
    if (len > 0) {
        w_put(b, buf, (size_t)len);
        return;
    }
    len = snprintf(buf, sizeof(buf) - 3, "%.*g", b->prec, v);
    if (len < 0 || len >= (int)sizeof(buf) - 3) {
        b->out.failed = 1;
        return;
    }
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        memcpy(buf + len, ".0", 3);
        len += 2;
    }
    char *start = strchr(buf, 'e');
    if (start) {
        start++;
        char *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, (size_t)len - (size_t)(end - buf) + 1);
            len -= (int)(end - start);
        }
    }
    w_put(b, buf, (size_t)len);
}

/* A value built as a json_t and printed as json_dumps would, consumed. */
static void w_json(wbuf_t *b, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(b->prec))
                   : NULL;
    json_decref(v);
    if (!text) {
        b->out.failed = 1;
        return;
    }
    w_put(b, text, strlen(text));
    free(text);
}

static void w_message(wbuf_t *b, const ProtobufCMessage *m, int depth);

static void w_value(wbuf_t *b, const ProtobufCFieldDescriptor *f, const void *p, int depth)
{
    char buf[32];
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        hf_codec_format_int(f->type, p, buf, sizeof(buf));
        w_put(b, buf, strlen(buf));
        return;
    case PROTOBUF_C_TYPE_DOUBLE: {
        double v = *(const double *)p;
        if (isfinite(v))
            w_real(b, v);
        else
            w_put(b, isnan(v) ? "\"NaN\"" : v < 0 ? "\"-Infinity\"" : "\"Infinity\"",
                  isnan(v) ? 5 : v < 0 ? 11 : 10);
        return;
    }
    case PROTOBUF_C_TYPE_BOOL:
        w_put(b, *(const protobuf_c_boolean *)p ? "true" : "false",
              *(const protobuf_c_boolean *)p ? 4 : 5);
        return;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor,
                                                                            *(const int *)p);
        if (ev) {
            w_escaped(b, ev->name, strlen(ev->name));
        } else {
            hf_codec_format_int(PROTOBUF_C_TYPE_ENUM, p, buf, sizeof(buf));
            w_put(b, buf, strlen(buf));
        }
        return;
    }
    case PROTOBUF_C_TYPE_STRING:
        w_string(b, *(char *const *)p);
        return;
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
        if (sub && codec_kind_of(f->descriptor) == PLAIN)
            w_message(b, sub, depth + 1);
        else
            w_json(b, enc_value(f, p, depth));
        return;
    }
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        hf_codec_format_int(f->type, p, buf, sizeof(buf));
        w_escaped(b, buf, strlen(buf));
        return;
    default: /* float (its shortest decimal), bytes */
        w_json(b, enc_value(f, p, depth));
        return;
    }
}

/* A field's key, "jsonName": (lowerCamelCase of a protobuf name: nothing to
 * escape), kept per thread by the field's descriptor: making it again for
 * every field of every message was a tenth of writing a report. Descriptors
 * are static, so a slot only ever changes to another field's key. */
typedef struct {
    const ProtobufCFieldDescriptor *f;
    size_t len;
    char key[48];
} key_slot_t;

static __thread key_slot_t key_slots[256];

static void w_key(wbuf_t *b, const ProtobufCFieldDescriptor *f)
{
    key_slot_t *k = &key_slots[(uintptr_t)f / sizeof(*f) % 256];
    if (k->f == f) {
        w_put(b, k->key, k->len);
        return;
    }
    char json[256];
    json[0] = '"';
    hf_codec_json_name(f->name, json + 1, sizeof(json) - 3);
    size_t n = strlen(json);
    json[n] = '"', json[n + 1] = ':';
    w_put(b, json, n + 2);
    if (n + 2 <= sizeof(k->key)) {
        memcpy(k->key, json, n + 2);
        k->len = n + 2, k->f = f;
    }
}

static void w_message(wbuf_t *b, const ProtobufCMessage *m, int depth)
{
    if (depth >= HF_CODEC_MAX_DEPTH) {
        b->out.failed = 1;
        return;
    }
    bool first = true;
    w_chr(b, '{');
    for (unsigned i = 0; i < m->descriptor->n_fields && !b->out.failed; i++) {
        const ProtobufCFieldDescriptor *f = &m->descriptor->fields[i];
        if (!present(m, f))
            continue;
        if (!first)
            w_chr(b, ',');
        first = false;
        w_key(b, f);
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            w_value(b, f, CMEMBER(m, f->offset), depth);
        } else if (codec_is_map(m->descriptor, f)) {
            w_json(b, enc_map(f, m, depth));
        } else {
            size_t n = *(const size_t *)CMEMBER(m, f->quantifier_offset);
            const char *arr = *(char *const *)CMEMBER(m, f->offset);
            w_chr(b, '[');
            for (size_t k = 0; k < n && !b->out.failed; k++) {
                if (k)
                    w_chr(b, ',');
                w_value(b, f, arr + k * codec_elt_size(f->type), depth);
            }
            w_chr(b, ']');
        }
    }
    w_chr(b, '}');
}

char *hf_codec_write(const ProtobufCMessage *msg, int real_precision, size_t *len)
{
    assert(msg && msg->descriptor);
    wbuf_t b = { .prec = real_precision >= 1 && real_precision <= 17 ? real_precision : 17 };
    w_message(&b, msg, 0);
    return hf_buf_take(&b.out, len);
}

