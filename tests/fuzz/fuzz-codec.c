/* tests/fuzz/fuzz-codec.c - fuzz target of the JSON codec (common/src/codec*.c)
 *
 * Every input is decoded as each of a few message types. Whatever decodes
 * must encode, and the encoding must decode again to the same wire bytes and
 * encode to the same text, which hf_codec_write must write byte for byte as
 * json_dumps prints it; an input decoded with an arena allocator must
 * give the same message as with malloc. A broken promise is an abort(), so
 * libFuzzer (run.sh, clang) and the corpus replay (replay-codec.c, gcc, in
 * the unit suite) both report it. ASan finds leaks and bad accesses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf/arena.h"
#include "hf/codec.h"
#include "hrflow/v1/codec_test.pb-c.h"
#include "hrflow/v1/codec_test_proto2.pb-c.h"

int fuzz_codec_input(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const ProtobufCMessageDescriptor *desc, const char *detail)
{
    fprintf(stderr, "fuzz-codec: %s for %s: %s\n", what, desc->name, detail);
    abort();
}

/* The wire bytes of m (caller frees). */
static uint8_t *packed(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*len + 1);
    if (!buf)
        abort();
    protobuf_c_message_pack(m, buf);
    return buf;
}

static void same_message(const ProtobufCMessageDescriptor *desc, const ProtobufCMessage *a,
                         const ProtobufCMessage *b, const char *what)
{
    size_t la, lb;
    uint8_t *pa = packed(a, &la), *pb = packed(b, &lb);
    if (la != lb || memcmp(pa, pb, la) != 0)
        fail(what, desc, "wire bytes differ");
    free(pa);
    free(pb);
}

/* The text of m's encoding (caller frees); encoding a decoded message cannot fail.
 * hf_codec_write must print what json_dumps prints of hf_codec_encode, at the
 * stored precision (17: hf_codec_encode_text) and at the gateway's (15). */
static char *encoded(const ProtobufCMessageDescriptor *desc, const ProtobufCMessage *m)
{
    json_t *j = hf_codec_encode(m);
    if (!j)
        fail("encode returned NULL", desc, "");
    char *text = json_dumps(j, JSON_COMPACT), *api = json_dumps(j, JSON_COMPACT |
                                                                   JSON_REAL_PRECISION(15));
    json_decref(j);
    if (!text || !api)
        fail("json_dumps returned NULL", desc, "");
    size_t len = 0;
    char *written = hf_codec_write(m, 17, &len), *written15 = hf_codec_write(m, 15, NULL);
    if (!written || strcmp(written, text) != 0 || len != strlen(text))
        fail("hf_codec_write differs from json_dumps", desc, written ? written : "NULL");
    if (!written15 || strcmp(written15, api) != 0)
        fail("hf_codec_write at precision 15 differs", desc, written15 ? written15 : "NULL");
    free(written);
    free(written15);
    free(api);
    return text;
}

static void errors_are_sane(const ProtobufCMessageDescriptor *desc, const hf_codec_errors_t *e)
{
    if (e->n < 1 || e->n > HF_CODEC_MAX_ERRORS)
        fail("bad error count", desc, "");
    for (size_t i = 0; i < e->n; i++)
        if (!e->errors[i].code[0] || !e->errors[i].message[0] ||
            !memchr(e->errors[i].path, '\0', sizeof(e->errors[i].path)))
            fail("empty or unterminated error", desc, e->errors[i].message);
}

/* The same document through an arena allocator gives the same message. */
static void arena_agrees(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t size,
                         const ProtobufCMessage *want)
{
    hf_arena_t *arena = hf_arena_new(0);
    ProtobufCAllocator al = hf_arena_allocator(arena);
    ProtobufCMessage *m = NULL;
    hf_codec_errors_t errs;
    if (!arena)
        abort();
    if (hf_codec_decode_text(desc, (const char *)data, size, &al, &m, &errs) != 0)
        fail("arena decode failed", desc, errs.errors[0].message);
    same_message(desc, want, m, "arena decode differs");
    hf_arena_destroy(&arena);
}

static void check(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t size)
{
    ProtobufCMessage *m = NULL, *back = NULL;
    hf_codec_errors_t errs;
    if (hf_codec_decode_text(desc, (const char *)data, size, NULL, &m, &errs) != 0) {
        if (m)
            fail("failed decode set *out", desc, "");
        errors_are_sane(desc, &errs);
        return;
    }
    arena_agrees(desc, data, size, m);
    char *text = encoded(desc, m);
    if (hf_codec_decode_text(desc, text, strlen(text), NULL, &back, &errs) != 0)
        fail("own encoding does not decode", desc, errs.errors[0].message);
    same_message(desc, m, back, "round trip changed the message");
    char *again = encoded(desc, back);
    if (strcmp(text, again) != 0)
        fail("round trip changed the text", desc, again);
    free(again);
    free(text);
    protobuf_c_message_free_unpacked(back, NULL);
    protobuf_c_message_free_unpacked(m, NULL);
}

int fuzz_codec_input(const uint8_t *data, size_t size)
{
    static const ProtobufCMessageDescriptor *const types[] = {
        &hrflow__v1__codec_sample__descriptor,
        &hrflow__v1__codec_node__descriptor,
        &hrflow__v1__codec_presence__descriptor,
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        check(types[i], data, size);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_codec_input(data, size);
}
