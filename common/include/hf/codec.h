/* hf/codec.h - JSON <-> protobuf, generically from protobuf-c descriptors
 *
 * The proto3 JSON mapping (https://protobuf.dev/programming-guides/json/):
 * field names in lowerCamelCase on output, and either that or the proto
 * name on input; 64-bit integers as strings on output, string or number on
 * input; enums by name (numbers accepted on input); bytes as base64;
 * repeated fields as arrays, nested messages as objects; null means "unset".
 * Two hrflow value types have a JSON form of their own: hrflow.v1.Timestamp
 * is an RFC 3339 string ("2026-11-26T02:30:00Z"), hrflow.v1.Date is
 * "YYYY-MM-DD".
 *
 * Decoding is strict: an unknown field, a wrong type, a number out of range,
 * an unknown enum name or a bad Timestamp/Date is an error naming the
 * field's path in JSON names, whichever spelling the document used
 * ("company.name", "items[3].scores[0]", map values as "counts[\"key\"]").
 * Every error in the document is reported, up to a bound, not just the first.
 * Both spellings of one field in an object, or two members of one oneof,
 * are errors too. Maps are JSON objects (protobuf-c's repeated entries).
 *
 * Output always carries scalar, repeated and map fields, defaults included
 * (0, "", false, [], {}), so clients see a stable shape; unset message
 * fields, oneof members not chosen and `optional` fields without a value are
 * omitted. (protoc-c 1.4.1 refuses proto3 `optional`; the same presence
 * rules serve proto2 `optional`, which protobuf-c lays out alike.) A
 * Timestamp or Date with no JSON form (outside years 1-9999, or no real
 * day) is written as null. docs/codec.md has the details.
 */
#ifndef HF_CODEC_H
#define HF_CODEC_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* Deepest message nesting accepted by hf_codec_decode (a recursive message
 * type cannot make decoding recurse without bound). */
#define HF_CODEC_MAX_DEPTH 32
/* At most this many errors are collected per document. */
#define HF_CODEC_MAX_ERRORS 16

typedef struct {
    char path[256];     /* JSON path of the field, "" for the document itself */
    char code[32];      /* stable reason: "unknown_field", "wrong_type", "out_of_range",
                           "unknown_enum", "bad_format", "too_deep", "required",
                           "duplicate_field", "oneof_conflict", "malformed_json",
                           "out_of_memory" */
    char message[192];  /* lowercase, no final period, e.g. "expected a string, got a number" */
} hf_codec_error_t;

typedef struct {
    size_t n;                            /* errors found (<= HF_CODEC_MAX_ERRORS) */
    hf_codec_error_t errors[HF_CODEC_MAX_ERRORS];
} hf_codec_errors_t;

/* Decode the JSON object `json` as a message of type `desc`.
 * The message and everything in it is allocated with `alloc` (NULL = malloc;
 * pass an arena allocator for per-request memory, see hf/arena.h); free a
 * malloc'd result with protobuf_c_message_free_unpacked(msg, NULL).
 * Returns 0 and sets *out; or -1 with *out NULL and errs filled (errs->n >= 1;
 * errs may be NULL when the caller does not care why). A JSON value that is
 * not an object is an error at path "". json is only read. */
int hf_codec_decode(const ProtobufCMessageDescriptor *desc, const json_t *json,
                    ProtobufCAllocator *alloc, ProtobufCMessage **out, hf_codec_errors_t *errs);

/* Parse `len` bytes of JSON text and decode them as above. Malformed JSON,
 * invalid UTF-8, a \u0000 in a string, a key given twice, a number beyond
 * int64 (send big uint64 values as strings) and JSON nesting beyond
 * jansson's parser limit (2048) are one error with code "malformed_json" at
 * path "" whose message says where (line, column). Messages nested deeper
 * than HF_CODEC_MAX_DEPTH are "too_deep", as for hf_codec_decode. */
int hf_codec_decode_text(const ProtobufCMessageDescriptor *desc, const char *text, size_t len,
                         ProtobufCAllocator *alloc, ProtobufCMessage **out,
                         hf_codec_errors_t *errs);

/* Encode `msg` as a new JSON object (the caller owns the reference).
 * 64-bit integers become strings, floats and doubles numbers (or "NaN",
 * "Infinity", "-Infinity"), enums their names (numbers when unknown), bytes
 * standard base64 with padding; invalid UTF-8 in a string becomes U+FFFD.
 * Print with jansson's default real precision (17) for doubles to round-trip.
 * Returns NULL when out of memory, or when messages nest deeper than
 * HF_CODEC_MAX_DEPTH (what hf_codec_decode would refuse). */
json_t *hf_codec_encode(const ProtobufCMessage *msg);

/* hf_codec_encode as compact JSON text (the caller frees), or NULL when out
 * of memory. For storing a record in its API form (JSONB columns). */
char *hf_codec_encode_text(const ProtobufCMessage *msg);

/* The same text written straight from the message, without building jansson
 * values: json_dumps(hf_codec_encode(msg), JSON_COMPACT |
 * JSON_REAL_PRECISION(real_precision)), byte for byte (1..17; 17 is
 * hf_codec_encode_text, 15 the gateway's answers), with its length in *len
 * when len is not NULL. NULL as hf_codec_encode. Several times faster on
 * large messages (an interview report: 95 kB). */
char *hf_codec_write(const ProtobufCMessage *msg, int real_precision, size_t *len);

/* s as a JSON string, quoted and escaped as every text above writes strings
 * (invalid UTF-8 repaired as the codec repairs it), appended to out. For
 * writers of JSON documents that embed hf_codec_write's text. */
struct hf_buf;
void hf_codec_put_string(struct hf_buf *out, const char *s);

/* An integer field's value at p, of protobuf type t, in decimal into buf (as
 * the encoding writes it: 64-bit ones inside quotes, the others bare). */
void hf_codec_format_int(ProtobufCType t, const void *p, char *buf, size_t size);

/* Reading such records back, everything allocated with alloc:
 * - hf_codec_decode_stored: the message of stored JSON text, or NULL (logged:
 *   a stored record that does not decode is a bug, not bad input);
 * - hf_pb_strdup: a copy of s, or NULL when out of memory;
 * - hf_pb_timestamp_micros: a hrflow.v1.Timestamp from Unix microseconds as
 *   PostgreSQL prints a bigint ("1795660991390892"), or NULL when out of memory. */
ProtobufCMessage *hf_codec_decode_stored(const ProtobufCMessageDescriptor *desc, const char *text,
                                         ProtobufCAllocator *alloc);
char *hf_pb_strdup(ProtobufCAllocator *alloc, const char *s);
struct Hrflow__V1__Timestamp *hf_pb_timestamp_micros(ProtobufCAllocator *alloc,
                                                     const char *micros);

/* For a message type that JSON may also give as a bare string (today
 * hrflow.v1.Keyword: "数据分析" means {"term": "数据分析"}), the field the
 * string fills; NULL for every other type. Output always uses the object. */
const char *hf_codec_shorthand(const ProtobufCMessageDescriptor *d);

/* The lowerCamelCase JSON name of a proto field name, into out (size outlen,
 * at least 1; cut short if it does not fit). "next_page_token" -> "nextPageToken". */
void hf_codec_json_name(const char *proto_name, char *out, size_t outlen);

/* The field of `desc` whose proto name or JSON name is `name`, or NULL. */
const ProtobufCFieldDescriptor *hf_codec_field(const ProtobufCMessageDescriptor *desc,
                                               const char *name);

#endif
