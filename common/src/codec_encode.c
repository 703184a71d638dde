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

#include <assert.h>
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
        codec_format_int(f->type, p, buf, sizeof(buf));
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
        codec_format_int(kf->type, kp, buf, sizeof(buf));
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
    json_t *j = hf_codec_encode(msg);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return text;
}

