/* common/src/codec_private.h - what the pieces of the JSON <-> protobuf codec share
 *
 * Not installed: hf/codec.h is the module's face. The codec is one module in
 * five files, cut where the work changes hands: codec.c (names and shapes
 * read off the descriptors), codec_decode.c and codec_encode.c (the walks
 * over fields and messages, one per direction), codec_scalars.c (numbers,
 * bool, enum, strings, bytes, map keys) and codec_wkt.c (Timestamp and
 * Date). The decoder's state (dec_t) is declared here because the walk and
 * the leaves both record errors in it. Names shared between the files begin
 * with codec_.
 */
#ifndef HF_CODEC_PRIVATE_H
#define HF_CODEC_PRIVATE_H

#include "hf/codec.h"
#include "hf/encoding.h"
#include "hrflow/v1/common.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMBER(msg, off) ((void *)((char *)(msg) + (off)))
#define CMEMBER(msg, off) ((const void *)((const char *)(msg) + (off)))

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range RFC 3339 can write */
#define TS_MIN INT64_C(-62135596800)
#define TS_MAX INT64_C(253402300799)
/* The smallest double that rounds to infinity as a float (FLT_MAX + half an ulp). */
#define FLOAT_LIMIT 0x1.ffffffp127

typedef enum { PLAIN, TIMESTAMP, DATE } kind_t;

typedef struct {
    ProtobufCAllocator *alloc; /* NULL = malloc */
    hf_codec_errors_t *errs;
    int depth;                 /* messages entered above the current value */
    size_t len;                /* of path */
    char path[sizeof(((hf_codec_error_t *)0)->path)];
} dec_t;

/* ---- names and shapes (codec.c) ---- */

/* protobuf-c has no map flag: a map is a repeated message field whose type is
 * the entry protoc synthesises, <Field>Entry nested in the parent, with
 * key = 1 and value = 2. */
bool codec_is_map(const ProtobufCMessageDescriptor *parent, const ProtobufCFieldDescriptor *f);
/* Message types with a JSON form of their own (strings, see hf/codec.h). */
kind_t codec_kind_of(const ProtobufCMessageDescriptor *d);
/* The size of one element of a repeated field of type t. */
size_t codec_elt_size(ProtobufCType t);
/* A field with a has_ flag: proto2 / proto3 `optional` scalars and bytes. */
bool codec_has_flag(const ProtobufCFieldDescriptor *f);

/* ---- the decoder's state (codec_decode.c) ---- */

/* Record an error at the current path (none past HF_CODEC_MAX_ERRORS). Returns -1. */
int codec_add_error(dec_t *d, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "expected <expected>, got <v's kind>". Returns -1. */
int codec_wrong_type(dec_t *d, const char *expected, const json_t *v);
/* size bytes from the caller's allocator (malloc without one); NULL after
 * recording out_of_memory. */
void *codec_dalloc(dec_t *d, size_t size);
/* A string value: no NUL inside, valid UTF-8. NULL after recording why not. */
const char *codec_want_string(dec_t *d, const json_t *v, size_t *len);
/* A message of desc, initialised from its descriptor; NULL after an error. */
ProtobufCMessage *codec_new_message(dec_t *d, const ProtobufCMessageDescriptor *desc);

/* ---- scalars (codec_scalars.c): 0, or -1 after recording why ---- */

int codec_dec_int(dec_t *d, const json_t *v, ProtobufCType t, void *dst);
int codec_dec_float(dec_t *d, const json_t *v, ProtobufCType t, void *dst);
int codec_dec_bool(dec_t *d, const json_t *v, protobuf_c_boolean *dst);
int codec_dec_enum(dec_t *d, const ProtobufCEnumDescriptor *ed, const json_t *v, int32_t *dst);
int codec_dec_string(dec_t *d, const json_t *v, char **dst);
int codec_dec_bytes(dec_t *d, const json_t *v, ProtobufCBinaryData *dst);
/* A JSON object key as a map key of kf's type. */
int codec_dec_map_key(dec_t *d, const ProtobufCFieldDescriptor *kf, const char *key, size_t len,
                      void *dst);

/* s with every byte that is not well-formed UTF-8 replaced by U+FFFD. Caller frees. */
char *codec_utf8_repair(const char *s, size_t n, size_t *outlen);
json_t *codec_enc_string(const char *s);
json_t *codec_enc_bytes(const ProtobufCBinaryData *b);
json_t *codec_enc_double(double x);
json_t *codec_enc_float(float f);
/* v in decimal, NUL-terminated, ending at end (21 bytes before it at most);
 * returns its first digit. */
char *codec_decimal(uint64_t v, char *end);

/* ---- Timestamp and Date (codec_wkt.c) ---- */

/* Timestamp and Date are strings in JSON (hf/codec.h). */
int codec_dec_special(dec_t *d, const ProtobufCMessageDescriptor *desc, kind_t kind,
                      const json_t *v, ProtobufCMessage **dst);
/* Out of range (or a Date that is no day) has no JSON form: null. */
json_t *codec_enc_timestamp(const ProtobufCMessage *m);
json_t *codec_enc_date(const ProtobufCMessage *m);

#endif
