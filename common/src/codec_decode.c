/* common/src/codec_decode.c - JSON to protobuf: the walk over fields and messages
 *
 * Decoding builds a message the way protobuf_c_message_unpack() does: each
 * message is initialised from its descriptor (unset strings point at their
 * default), everything is allocated with the caller's allocator, and a part
 * is linked into its parent before it is filled, so that after an error
 * protobuf_c_message_free_unpacked() frees a half-built message whole. The
 * only recursion is dec_message(), bounded by HF_CODEC_MAX_DEPTH. Errors are
 * collected with their paths ("items[2].name") rather than stopping at the
 * first, up to HF_CODEC_MAX_ERRORS. The leaves are codec_scalars.c and
 * codec_wkt.c.
 */
#include "codec_private.h"
#include "hf/log.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors, paths, allocation ---- */

int codec_add_error(dec_t *d, const char *code, const char *fmt, ...)
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

int codec_wrong_type(dec_t *d, const char *expected, const json_t *v)
{
    return codec_add_error(d, "wrong_type", "expected %s, got %s", expected, kind_name(v));
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

void *codec_dalloc(dec_t *d, size_t size)
{
    void *p = d->alloc ? d->alloc->alloc(d->alloc->allocator_data, size) : malloc(size);
    if (!p)
        codec_add_error(d, "out_of_memory", "could not allocate %zu bytes", size);
    return p;
}

/* A string value: no NUL inside, valid UTF-8. NULL after recording why not. */
const char *codec_want_string(dec_t *d, const json_t *v, size_t *len)
{
    if (!json_is_string(v)) {
        codec_wrong_type(d, "a string", v);
        return NULL;
    }
    const char *s = json_string_value(v);
    *len = json_string_length(v);
    if (strlen(s) != *len) {
        codec_add_error(d, "bad_format", "string contains a NUL character");
        return NULL;
    }
    if (!hf_utf8_valid(s, *len)) {
        codec_add_error(d, "bad_format", "string is not valid UTF-8");
        return NULL;
    }
    return s;
}

ProtobufCMessage *codec_new_message(dec_t *d, const ProtobufCMessageDescriptor *desc)
{
    assert(desc->message_init);
    ProtobufCMessage *m = codec_dalloc(d, desc->sizeof_message);
    if (m)
        protobuf_c_message_init(desc, m);
    return m;
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
        return codec_dec_float(d, v, f->type, dst);
    case PROTOBUF_C_TYPE_BOOL:
        return codec_dec_bool(d, v, dst);
    case PROTOBUF_C_TYPE_ENUM:
        return codec_dec_enum(d, f->descriptor, v, dst);
    case PROTOBUF_C_TYPE_STRING:
        return codec_dec_string(d, v, dst);
    case PROTOBUF_C_TYPE_BYTES:
        return codec_dec_bytes(d, v, dst);
    case PROTOBUF_C_TYPE_MESSAGE:
        if (codec_kind_of(f->descriptor) != PLAIN)
            return codec_dec_special(d, f->descriptor, codec_kind_of(f->descriptor), v, dst);
        if (json_is_string(v) && hf_codec_shorthand(f->descriptor)) {
            json_t *o = json_object();
            int rc = o && json_object_set(o, hf_codec_shorthand(f->descriptor), (json_t *)v) == 0
                         ? dec_message(d, f->descriptor, o, dst)
                         : codec_add_error(d, "out_of_memory", "out of memory");
            json_decref(o);
            return rc;
        }
        return dec_message(d, f->descriptor, v, dst);
    default:
        return codec_dec_int(d, v, f->type, dst);
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
            return codec_add_error(d, "oneof_conflict", "in one oneof with \"%.60s\": set only one",
                             other);
        }
        *which = f->id; /* before decoding, so a submessage is freed with m */
    }
    int rc = dec_value(d, f, v, MEMBER(m, f->offset));
    if (rc == 0 && codec_has_flag(f))
        *(protobuf_c_boolean *)MEMBER(m, f->quantifier_offset) = 1;
    return rc;
}

/* A zeroed array of n elements, linked into m (zeroed slots are what
 * protobuf_c_message_free_unpacked() can free). NULL when n is 0. */
static void *new_array(dec_t *d, const ProtobufCFieldDescriptor *f, ProtobufCMessage *m, size_t n)
{
    size_t size = codec_elt_size(f->type);
    if (n == 0)
        return NULL;
    void *arr = n <= SIZE_MAX / size ? codec_dalloc(d, n * size) : NULL;
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
        return codec_wrong_type(d, "an array", v);
    char *arr = new_array(d, f, m, json_array_size(v));
    int rc = 0;
    for (size_t i = 0; arr && i < json_array_size(v) && !full(d); i++) {
        size_t mark = path_push(d, "[%zu]", i);
        const json_t *e = json_array_get(v, i);
        if (json_is_null(e))
            rc = codec_add_error(d, "wrong_type", "null is not allowed in an array");
        else if (dec_value(d, f, e, arr + i * codec_elt_size(f->type)) < 0)
            rc = -1;
        path_pop(d, mark);
    }
    return rc;
}

static int dec_map_entry(dec_t *d, const ProtobufCMessageDescriptor *ed, void *it,
                         ProtobufCMessage **slot)
{
    const json_t *v = json_object_iter_value(it);
    if (json_is_null(v))
        return codec_add_error(d, "wrong_type", "null is not allowed as a map value");
    if (!(*slot = codec_new_message(d, ed)))
        return -1;
    if (codec_dec_map_key(d, &ed->fields[0], json_object_iter_key(it), json_object_iter_key_len(it),
                    MEMBER(*slot, ed->fields[0].offset)) < 0)
        return -1;
    return dec_value(d, &ed->fields[1], v, MEMBER(*slot, ed->fields[1].offset));
}

/* proto3 maps are JSON objects; protobuf-c holds them as repeated entries. */
static int dec_map(dec_t *d, const ProtobufCFieldDescriptor *f, const json_t *v,
                   ProtobufCMessage *m)
{
    if (!json_is_object(v))
        return codec_wrong_type(d, "an object", v);
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
    return codec_is_map(m->descriptor, f) ? dec_map(d, f, v, m) : dec_repeated(d, f, v, m);
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
        codec_add_error(d, "unknown_field", "unknown field \"%.60s\"", key);
        path_pop(d, mark);
        return -1;
    }
    hf_codec_json_name(f->name, json, sizeof(json));
    size_t mark = path_push_name(d, json);
    int rc = 0;
    if (strcmp(key, json) != 0 && json_object_get(obj, json))
        rc = codec_add_error(d, "duplicate_field", "given twice, as \"%.60s\" and \"%.60s\"", json,
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
        rc = codec_add_error(d, "required", "missing required field");
        path_pop(d, mark);
    }
    return rc;
}

/* The only recursion of decoding, one level per message, bounded. */
static int dec_message(dec_t *d, const ProtobufCMessageDescriptor *desc, const json_t *v,
                       ProtobufCMessage **dst)
{
    if (!json_is_object(v))
        return codec_wrong_type(d, "an object", v);
    if (d->depth >= HF_CODEC_MAX_DEPTH)
        return codec_add_error(d, "too_deep", "messages nest deeper than %d levels",
                         HF_CODEC_MAX_DEPTH);
    ProtobufCMessage *m = codec_new_message(d, desc);
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
        return codec_add_error(&d, "malformed_json", "malformed json at line %d column %d: %s",
                         je.line, je.column, je.text);
    }
    int rc = hf_codec_decode(desc, json, alloc, out, errs);
    json_decref(json);
    return rc;
}

ProtobufCMessage *hf_codec_decode_stored(const ProtobufCMessageDescriptor *desc, const char *text,
                                         ProtobufCAllocator *alloc)
{
    ProtobufCMessage *m = NULL;
    if (hf_codec_decode_text(desc, text, strlen(text), alloc, &m, NULL) < 0)
        hf_logkv(HF_LOG_ERROR, "a stored record does not decode", HF_KV_STR("type", desc->name));
    return m;
}

