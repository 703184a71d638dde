/* common/src/codec.c - JSON <-> protobuf, generically from protobuf-c descriptors
 *
 * The gateway turns request bodies into the method's input message and replies
 * back into JSON for every route, so the mapping is driven by the descriptors
 * (label, type, offset, quantifier_offset of each field) instead of per-message
 * glue. The rules are proto3's JSON mapping; hf/codec.h lists them.
 *
 * The codec is one module in five files: this one holds the names and
 * shapes both directions read off the descriptors; codec_decode.c walks a
 * JSON document into a message and codec_encode.c a message into JSON; the
 * values they meet at the leaves are codec_scalars.c (numbers, bool, enum,
 * strings, bytes, map keys) and codec_wkt.c (Timestamp and Date, which are
 * strings in JSON). codec_private.h holds what they share.
 */
#include "codec_private.h"

#include <assert.h>
#include <string.h>

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
bool codec_is_map(const ProtobufCMessageDescriptor *parent, const ProtobufCFieldDescriptor *f)
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
kind_t codec_kind_of(const ProtobufCMessageDescriptor *d)
{
    if (strcmp(d->name, "hrflow.v1.Timestamp") == 0)
        return TIMESTAMP;
    return strcmp(d->name, "hrflow.v1.Date") == 0 ? DATE : PLAIN;
}

size_t codec_elt_size(ProtobufCType t)
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
bool codec_has_flag(const ProtobufCFieldDescriptor *f)
{
    return f->label == PROTOBUF_C_LABEL_OPTIONAL && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
           f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE;
}

char *hf_pb_strdup(ProtobufCAllocator *alloc, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = alloc->alloc(alloc->allocator_data, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

