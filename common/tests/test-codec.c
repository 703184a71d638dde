/* common/tests/test-codec.c - the JSON <-> protobuf codec
 *
 * Documents are written with single quotes ('{'i32': 5}') and turned into
 * JSON by sq(), so the cases stay readable. CodecSample (codec_test.proto)
 * has a field of every kind; CodecPresence (codec_test_proto2.proto) covers
 * `optional` presence and `required`; CodecNode is recursive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf/arena.h"
#include "hf/buf.h"
#include "hf/codec.h"
#include "hrflow/v1/codec_test.pb-c.h"
#include "hrflow/v1/codec_test_proto2.pb-c.h"

typedef Hrflow__V1__CodecSample Sample;
typedef Hrflow__V1__CodecPresence Presence;
#define SAMPLE (&hrflow__v1__codec_sample__descriptor)
#define PRESENCE (&hrflow__v1__codec_presence__descriptor)
#define NODE (&hrflow__v1__codec_node__descriptor)

/* The document with ' turned into " (static buffer: one at a time). */
static const char *sq(const char *s)
{
    static char buf[8192];
    size_t i = 0;
    for (; s[i] && i + 1 < sizeof(buf); i++)
        buf[i] = s[i] == '\'' ? '"' : s[i];
    buf[i] = '\0';
    return buf;
}

static ProtobufCMessage *decode_as(const ProtobufCMessageDescriptor *desc, const char *doc)
{
    ProtobufCMessage *m = NULL;
    hf_codec_errors_t errs;
    const char *text = sq(doc);
    int rc = hf_codec_decode_text(desc, text, strlen(text), NULL, &m, &errs);
    if (rc != 0)
        print_error("%s: %s: %s\n", errs.errors[0].path, errs.errors[0].code,
                    errs.errors[0].message);
    assert_int_equal(rc, 0);
    assert_non_null(m);
    return m;
}

static Sample *decode(const char *doc)
{
    return (Sample *)decode_as(SAMPLE, doc);
}

/* Decoding fails, and the first error is at path with code. */
static void fails_as(const ProtobufCMessageDescriptor *desc, const char *doc, const char *path,
                     const char *code)
{
    ProtobufCMessage *m = (ProtobufCMessage *)&m;
    hf_codec_errors_t errs;
    const char *text = sq(doc);
    assert_int_equal(hf_codec_decode_text(desc, text, strlen(text), NULL, &m, &errs), -1);
    assert_null(m);
    assert_true(errs.n >= 1);
    assert_string_equal(errs.errors[0].path, path);
    assert_string_equal(errs.errors[0].code, code);
    assert_true(errs.errors[0].message[0] != '\0');
}

static void fails(const char *doc, const char *path, const char *code)
{
    fails_as(SAMPLE, doc, path, code);
}

static void release(void *m)
{
    protobuf_c_message_free_unpacked(m, NULL);
}

/* The encoding of m, compact with sorted keys, for comparing. */
static char *encode_text(const void *m)
{
    json_t *j = hf_codec_encode(m);
    assert_non_null(j);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return s;
}

/* The member `key` of m's encoding, compact, e.g. "\"5\"" for an int64. */
static void encodes_member(const void *m, const char *key, const char *want)
{
    json_t *j = hf_codec_encode(m);
    assert_non_null(j);
    json_t *v = json_object_get(j, key);
    char *s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    assert_string_equal(s ? s : "(absent)", sq(want));
    free(s);
    json_decref(j);
}

/* Encode, print, parse, decode: the wire bytes must not change. */
static void round_trips(const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *a = malloc(n + 1), *b = malloc(n + 1);
    protobuf_c_message_pack(m, a);
    char *text = encode_text(m);
    ProtobufCMessage *back = NULL;
    hf_codec_errors_t errs;
    assert_int_equal(hf_codec_decode_text(m->descriptor, text, strlen(text), NULL, &back, &errs),
                     0);
    assert_int_equal(protobuf_c_message_get_packed_size(back), n);
    protobuf_c_message_pack(back, b);
    assert_memory_equal(a, b, n);
    release(back);
    free(text);
    free(a);
    free(b);
}

/* ---- scalars ---- */

static void test_int32_kinds(void **state)
{
    (void)state;
    Sample *s = decode("{'i32': -5, 's32': -6, 'sf32': '7', 'u32': 4294967295, 'f32': '9'}");
    assert_int_equal(s->i32, -5);
    assert_int_equal(s->s32, -6);
    assert_int_equal(s->sf32, 7);
    assert_true(s->u32 == 4294967295u);
    assert_int_equal(s->f32, 9);
    encodes_member(s, "u32", "4294967295");
    encodes_member(s, "i32", "-5");
    release(s);
}

static void test_int64_kinds(void **state)
{
    (void)state;
    Sample *s = decode("{'i64': '-9223372036854775808', 's64': 123, 'sf64': '9223372036854775807',"
                       " 'u64': '18446744073709551615', 'f64': 1e3}");
    assert_true(s->i64 == INT64_MIN);
    assert_int_equal(s->s64, 123);
    assert_true(s->sf64 == INT64_MAX);
    assert_true(s->u64 == UINT64_MAX);
    assert_int_equal(s->f64, 1000);
    encodes_member(s, "i64", "'-9223372036854775808'");
    encodes_member(s, "u64", "'18446744073709551615'");
    encodes_member(s, "f64", "'1000'");
    release(s);
}

static void test_int_out_of_range(void **state)
{
    (void)state;
    fails("{'i32': 2147483648}", "i32", "out_of_range");
    fails("{'i32': -2147483649}", "i32", "out_of_range");
    fails("{'u32': -1}", "u32", "out_of_range");
    fails("{'f32': '4294967296'}", "f32", "out_of_range");
    fails("{'i64': '9223372036854775808'}", "i64", "out_of_range");
    fails("{'u64': '18446744073709551616'}", "u64", "out_of_range");
    fails("{'u64': '-1'}", "u64", "out_of_range");
    fails("{'i64': 1e19}", "i64", "out_of_range");
}

static void test_int_not_integral(void **state)
{
    (void)state;
    fails("{'i32': 1.5}", "i32", "wrong_type");
    fails("{'i32': '1.5'}", "i32", "bad_format");
    fails("{'i64': ' 1'}", "i64", "bad_format");
    fails("{'i64': ''}", "i64", "bad_format");
    fails("{'i32': true}", "i32", "wrong_type");
    Sample *s = decode("{'i32': 2e3, 'u32': 2.5e9, 'i64': -0.0}");
    assert_int_equal(s->i32, 2000);
    assert_true(s->u32 == 2500000000u);
    assert_int_equal(s->i64, 0);
    release(s);
}

static void test_floats(void **state)
{
    (void)state;
    Sample *s = decode("{'flt': 0.1, 'dbl': 'NaN', 'rdbl': ['Infinity', '-Infinity', '1.5', 2]}");
    assert_true(s->flt == 0.1f);
    assert_true(isnan(s->dbl));
    assert_int_equal(s->n_rdbl, 4);
    assert_true(isinf(s->rdbl[0]) && s->rdbl[0] > 0);
    assert_true(isinf(s->rdbl[1]) && s->rdbl[1] < 0);
    assert_true(s->rdbl[2] == 1.5 && s->rdbl[3] == 2.0);
    encodes_member(s, "flt", "0.10000000000000001"); /* the double 0.1, not 0.1f widened */
    encodes_member(s, "dbl", "'NaN'");
    encodes_member(s, "rdbl", "['Infinity','-Infinity',1.5,2.0]");
    release(s);
}

static void test_float_out_of_range(void **state)
{
    (void)state;
    fails("{'flt': 1e39}", "flt", "out_of_range");
    fails("{'flt': '-1e39'}", "flt", "out_of_range");
    fails("{'dbl': '1e999'}", "dbl", "out_of_range");
    fails("{'dbl': 'nan'}", "dbl", "bad_format");
    fails("{'dbl': '0x10'}", "dbl", "bad_format");
    fails("{'dbl': [1]}", "dbl", "wrong_type");
    Sample *s = decode("{'flt': 3.4028235e38}"); /* FLT_MAX, as written by encoding */
    assert_true(isfinite(s->flt));
    round_trips(&s->base);
    release(s);
}

static void test_bool(void **state)
{
    (void)state;
    Sample *s = decode("{'flag': true, 'rflag': [false, true]}");
    assert_true(s->flag);
    assert_int_equal(s->n_rflag, 2);
    assert_false(s->rflag[0]);
    encodes_member(s, "rflag", "[false,true]");
    release(s);
    fails("{'flag': 'true'}", "flag", "wrong_type");
    fails("{'flag': 1}", "flag", "wrong_type");
}

static void test_strings(void **state)
{
    (void)state;
    Sample *s = decode("{'text': '招聘 \\u00e9', 'rtext': ['', 'b']}");
    assert_string_equal(s->text, "招聘 é");
    assert_int_equal(s->n_rtext, 2);
    assert_string_equal(s->rtext[0], "");
    release(s);
    fails("{'text': 5}", "text", "wrong_type");
    fails("{'text': 'a\\u0000b'}", "", "malformed_json"); /* jansson refuses NUL */
}

/* A json_t built by hand can hold what parsed text cannot. */
static void test_strings_built_by_hand(void **state)
{
    (void)state;
    ProtobufCMessage *m = NULL;
    hf_codec_errors_t errs;
    json_t *j = json_object();
    json_object_set_new(j, "text", json_stringn("a\0b", 3));
    json_object_set_new(j, "rtext", json_pack("[s]", "ok"));
    json_array_append_new(json_object_get(j, "rtext"), json_stringn_nocheck("\xff", 1));
    assert_int_equal(hf_codec_decode(SAMPLE, j, NULL, &m, &errs), -1);
    assert_int_equal(errs.n, 2);
    assert_string_equal(errs.errors[0].path, "text");
    assert_string_equal(errs.errors[0].code, "bad_format");
    assert_string_equal(errs.errors[1].path, "rtext[1]");
    json_decref(j);
}

static void test_bytes(void **state)
{
    (void)state;
    Sample *s = decode("{'blob': 'aGk=', 'rblob': ['aGk', '-_8', '+/8=', '']}");
    assert_int_equal(s->blob.len, 2);
    assert_memory_equal(s->blob.data, "hi", 2);
    assert_int_equal(s->rblob[0].len, 2);
    assert_int_equal(s->rblob[1].len, 2);
    assert_memory_equal(s->rblob[1].data, "\xfb\xff", 2);
    assert_memory_equal(s->rblob[2].data, "\xfb\xff", 2);
    assert_int_equal(s->rblob[3].len, 0);
    encodes_member(s, "rblob", "['aGk=','+/8=','+/8=','']");
    release(s);
    fails("{'blob': 'a'}", "blob", "bad_format");
    fails("{'blob': 'aGk=='}", "blob", "bad_format");
    fails("{'blob': 'aG=k'}", "blob", "bad_format");
    fails("{'blob': 'aG k'}", "blob", "bad_format");
    fails("{'blob': 'aG*k'}", "blob", "bad_format");
    fails("{'blob': 'aGl='}", "blob", "bad_format"); /* 'l' sets an unused bit: not "hi" */
}

static void test_enums(void **state)
{
    (void)state;
    Sample *s = decode("{'color': 'CODEC_COLOR_RED', 'colors': [7, 'CODEC_COLOR_GREEN', 42]}");
    assert_int_equal(s->color, HRFLOW__V1__CODEC_COLOR__CODEC_COLOR_RED);
    assert_int_equal(s->colors[0], HRFLOW__V1__CODEC_COLOR__CODEC_COLOR_BLUE);
    assert_int_equal(s->colors[2], 42); /* proto3 enums are open */
    encodes_member(s, "color", "'CODEC_COLOR_RED'");
    encodes_member(s, "colors", "['CODEC_COLOR_BLUE','CODEC_COLOR_GREEN',42]");
    release(s);
    fails("{'color': 'PURPLE'}", "color", "unknown_enum");
    fails("{'color': 'codec_color_red'}", "color", "unknown_enum");
    fails("{'color': 2147483648}", "color", "out_of_range");
    fails("{'color': true}", "color", "wrong_type");
}

/* ---- structure ---- */

static void test_repeated(void **state)
{
    (void)state;
    Sample *s = decode("{'ri32': [1, '2', 3], 'ri64': ['4', 5], 'items': [{'name': 'a'}, {}]}");
    assert_int_equal(s->n_ri32, 3);
    assert_int_equal(s->ri32[1], 2);
    assert_int_equal(s->ri64[1], 5);
    assert_int_equal(s->n_items, 2);
    assert_string_equal(s->items[0]->name, "a");
    assert_string_equal(s->items[1]->name, "");
    encodes_member(s, "ri64", "['4','5']");
    encodes_member(s, "items",
                   "[{'name':'a','qty':0,'scores':[]},{'name':'','qty':0,'scores':[]}]");
    release(s);
    fails("{'ri32': 5}", "ri32", "wrong_type");
    fails("{'ri32': [1, null]}", "ri32[1]", "wrong_type");
    fails("{'items': [{}, {}, {'nme': 'x'}]}", "items[2].nme", "unknown_field");
    fails("{'items': [{'scores': [1, 'x']}]}", "items[0].scores[1]", "bad_format");
}

static void test_nested(void **state)
{
    (void)state;
    Sample *s = decode("{'item': {'name': 'n', 'qty': 2, 'scores': [9]}}");
    assert_non_null(s->item);
    assert_string_equal(s->item->name, "n");
    assert_int_equal(s->item->scores[0], 9);
    release(s);
    fails("{'item': 'n'}", "item", "wrong_type");
    fails("{'item': {'qty': 'many'}}", "item.qty", "bad_format");
}

static void test_optional_presence(void **state)
{
    (void)state;
    Presence *p = (Presence *)decode_as(PRESENCE, "{'id': 'x'}");
    assert_false(p->has_count);
    assert_null(p->note);
    assert_string_equal(p->label, "none"); /* the declared default, not a copy */
    assert_false(p->has_big);
    char *text = encode_text(p);
    assert_string_equal(text, sq("{'id':'x','marks':[]}"));
    free(text);
    release(p);

    p = (Presence *)decode_as(PRESENCE, "{'id': '', 'count': 0, 'note': '', 'label': 'none',"
                                        " 'blob': '', 'shape': 'CODEC_SHAPE_ROUND', 'big': '5'}");
    assert_true(p->has_count && p->has_blob && p->has_shape && p->has_big);
    text = encode_text(p);
    assert_string_equal(text, sq("{'big':'5','blob':'','count':0,'id':'','label':'none','marks':[],"
                                 "'note':'','shape':'CODEC_SHAPE_ROUND'}"));
    free(text);
    round_trips(&p->base);
    release(p);
}

static void test_required(void **state)
{
    (void)state;
    fails_as(PRESENCE, "{'count': 1}", "id", "required");
    fails_as(PRESENCE, "{'id': null}", "id", "required");
}

static void test_oneof(void **state)
{
    (void)state;
    Sample *s = decode("{'choiceText': null, 'choiceItem': {'name': 'c'}}");
    assert_int_equal(s->choice_case, HRFLOW__V1__CODEC_SAMPLE__CHOICE_CHOICE_ITEM);
    assert_string_equal(s->choice_item->name, "c");
    encodes_member(s, "choiceText", "(absent)");
    encodes_member(s, "choiceItem", "{'name':'c','qty':0,'scores':[]}");
    release(s);
    s = decode("{'choice_num': '-3'}");
    assert_int_equal(s->choice_case, HRFLOW__V1__CODEC_SAMPLE__CHOICE_CHOICE_NUM);
    encodes_member(s, "choiceNum", "'-3'");
    release(s);
    fails("{'choiceText': 'a', 'choiceNum': 1}", "choiceNum", "oneof_conflict");
    fails("{'choiceItem': {'qty': 1}, 'choiceText': 'a'}", "choiceText", "oneof_conflict");
}

static void test_maps(void **state)
{
    (void)state;
    Sample *s = decode("{'counts': {'a': '1', 'b': 2}, 'byId': {'-3': {'name': 'x'}},"
                       " 'byFlag': {'true': 'y'}}");
    assert_int_equal(s->n_counts, 2);
    assert_string_equal(s->counts[0]->key, "a");
    assert_int_equal(s->counts[1]->value, 2);
    assert_int_equal(s->by_id[0]->key, -3);
    assert_string_equal(s->by_id[0]->value->name, "x");
    assert_true(s->by_flag[0]->key);
    encodes_member(s, "counts", "{'a':'1','b':'2'}");
    encodes_member(s, "byId", "{'-3':{'name':'x','qty':0,'scores':[]}}");
    encodes_member(s, "byFlag", "{'true':'y'}");
    round_trips(&s->base);
    release(s);
}

static void test_map_errors(void **state)
{
    (void)state;
    fails("{'counts': [1]}", "counts", "wrong_type");
    fails("{'counts': {'a': null}}", "counts[\"a\"]", "wrong_type");
    fails("{'counts': {'a': 'x'}}", "counts[\"a\"]", "bad_format");
    fails("{'byId': {'01': {}}}", "byId[\"01\"]", "bad_format");
    fails("{'byId': {'-0': {}}}", "byId[\"-0\"]", "bad_format");
    fails("{'byId': {'2147483648': {}}}", "byId[\"2147483648\"]", "out_of_range");
    fails("{'byId': {'1': {'nme': 1}}}", "byId[\"1\"].nme", "unknown_field");
    fails("{'byFlag': {'yes': 'y'}}", "byFlag[\"yes\"]", "bad_format");
}

static void test_unknown_and_wrong_types(void **state)
{
    (void)state;
    fails("{'nope': 1}", "nope", "unknown_field");
    fails("{'I32': 1}", "I32", "unknown_field");
    fails("{'text': {}}", "text", "wrong_type");
    fails("{'blob': 1}", "blob", "wrong_type");
    fails("[]", "", "wrong_type");
    fails("'text'", "", "wrong_type");
}

static void test_null_is_unset(void **state)
{
    (void)state;
    Sample *s = decode("{'i32': null, 'text': null, 'item': null, 'ri32': null, 'counts': null,"
                       " 'at': null, 'color': null}");
    assert_int_equal(s->i32, 0);
    assert_string_equal(s->text, "");
    assert_null(s->item);
    assert_null(s->at);
    assert_int_equal(s->n_ri32, 0);
    release(s);
}

static void test_defaults_emitted(void **state)
{
    (void)state;
    Sample s = HRFLOW__V1__CODEC_SAMPLE__INIT;
    char *text = encode_text(&s);
    assert_string_equal(text, sq(
        "{'ats':[],'blob':'','byFlag':{},'byId':{},'color':'CODEC_COLOR_UNSPECIFIED','colors':[],"
        "'counts':{},'dbl':0.0,'f32':0,'f64':'0','flag':false,'flt':0.0,'i32':0,'i64':'0',"
        "'items':[],'nextPageToken':'','rblob':[],'rdbl':[],'rflag':[],'ri32':[],'ri64':[],"
        "'rtext':[],'s32':0,'s64':'0','sf32':0,'sf64':'0','text':'','u32':0,'u64':'0'}"));
    free(text);
}

/* ---- Timestamp and Date ---- */

static void test_timestamp(void **state)
{
    (void)state;
    Sample *s = decode("{'at': '2026-11-26T10:30:00.5+08:00',"
                       " 'ats': ['1969-12-31T23:59:59.999999999Z', '0001-01-01t00:00:00z',"
                       " '9999-12-31T23:59:59.999999999+00:30', '2026-11-26T02:30:00.123Z']}");
    assert_int_equal(s->at->seconds, 1795660200);
    assert_int_equal(s->at->nanos, 500000000);
    assert_int_equal(s->ats[0]->seconds, -1);
    assert_int_equal(s->ats[0]->nanos, 999999999);
    assert_int_equal(s->ats[1]->seconds, -62135596800LL);
    encodes_member(s, "at", "'2026-11-26T02:30:00.500Z'");
    encodes_member(s, "ats", "['1969-12-31T23:59:59.999999999Z','0001-01-01T00:00:00Z',"
                             "'9999-12-31T23:29:59.999999999Z','2026-11-26T02:30:00.123Z']");
    release(s);
}

static void test_timestamp_errors(void **state)
{
    (void)state;
    fails("{'at': '2026-11-26 10:30:00Z'}", "at", "bad_format");
    fails("{'at': '2026-11-26T24:00:00Z'}", "at", "bad_format");
    fails("{'at': '2026-11-26T10:30:00'}", "at", "bad_format");
    fails("{'at': '2026-11-26T10:30:00.Z'}", "at", "bad_format");
    fails("{'at': '2026-11-26T10:30:00.1234567890Z'}", "at", "bad_format");
    fails("{'at': '2026-11-26T10:30:00+0800'}", "at", "bad_format");
    fails("{'at': '2026-02-29T10:30:00Z'}", "at", "bad_format");
    fails("{'at': '0001-01-01T00:00:00+00:01'}", "at", "out_of_range");
    fails("{'at': 1795660200}", "at", "wrong_type");
    fails("{'ats': ['2026-11-26T10:30:00Z', 'x']}", "ats[1]", "bad_format");
}

static void test_date(void **state)
{
    (void)state;
    Sample *s = decode("{'day': '2024-02-29'}");
    assert_int_equal(s->day->year, 2024);
    assert_int_equal(s->day->month, 2);
    assert_int_equal(s->day->day, 29);
    encodes_member(s, "day", "'2024-02-29'");
    s->day->year = 0; /* no JSON form: null */
    encodes_member(s, "day", "null");
    release(s);
    fails("{'day': '2026-02-29'}", "day", "bad_format");
    fails("{'day': '2026-2-28'}", "day", "bad_format");
    fails("{'day': '2026-13-01'}", "day", "bad_format");
    fails("{'day': '0000-01-01'}", "day", "bad_format");
    fails("{'day': '2026-01-01T00:00:00Z'}", "day", "bad_format");
}

/* ---- documents ---- */

static void test_multiple_errors(void **state)
{
    (void)state;
    ProtobufCMessage *m = NULL;
    hf_codec_errors_t errs;
    const char *text = sq("{'i32': 'x', 'u32': -1, 'nope': 1, 'items': [{'qty': 1.5}]}");
    assert_int_equal(hf_codec_decode_text(SAMPLE, text, strlen(text), NULL, &m, &errs), -1);
    assert_int_equal(errs.n, 4);
    assert_string_equal(errs.errors[1].path, "u32");
    assert_string_equal(errs.errors[1].message, "-1 is out of range for uint32");
    assert_string_equal(errs.errors[2].code, "unknown_field");
    assert_string_equal(errs.errors[3].path, "items[0].qty");
    assert_int_equal(hf_codec_decode_text(SAMPLE, text, strlen(text), NULL, &m, NULL), -1);
    assert_null(m); /* errs may be NULL */
}

static void test_error_bound(void **state)
{
    (void)state;
    json_t *j = json_object();
    char key[16];
    for (int i = 0; i < 3 * HF_CODEC_MAX_ERRORS; i++) {
        snprintf(key, sizeof(key), "x%d", i);
        json_object_set_new(j, key, json_true());
    }
    ProtobufCMessage *m = NULL;
    hf_codec_errors_t errs;
    assert_int_equal(hf_codec_decode(SAMPLE, j, NULL, &m, &errs), -1);
    assert_int_equal(errs.n, HF_CODEC_MAX_ERRORS);
    json_decref(j);
}

/* CodecNode nested n levels through `child`, as text. */
static char *nested_nodes(int n)
{
    char *s = malloc((size_t)n * 12 + 8), *p = s;
    for (int i = 0; i < n - 1; i++)
        p += sprintf(p, "{\"child\":");
    p += sprintf(p, "{}");
    for (int i = 0; i < n - 1; i++)
        *p++ = '}';
    *p = '\0';
    return s;
}

static void test_depth_bound(void **state)
{
    (void)state;
    ProtobufCMessage *m = NULL;
    hf_codec_errors_t errs;
    char *ok = nested_nodes(HF_CODEC_MAX_DEPTH), *deep = nested_nodes(HF_CODEC_MAX_DEPTH + 1);
    assert_int_equal(hf_codec_decode_text(NODE, ok, strlen(ok), NULL, &m, &errs), 0);
    round_trips(m);
    release(m);
    assert_int_equal(hf_codec_decode_text(NODE, deep, strlen(deep), NULL, &m, &errs), -1);
    assert_string_equal(errs.errors[0].code, "too_deep");
    assert_int_equal(strncmp(errs.errors[0].path, "child.child.", 12), 0);
    free(ok);
    free(deep);
}

static void test_encode_depth_bound(void **state)
{
    (void)state;
    Hrflow__V1__CodecNode nodes[HF_CODEC_MAX_DEPTH + 1];
    for (int i = 0; i <= HF_CODEC_MAX_DEPTH; i++) {
        hrflow__v1__codec_node__init(&nodes[i]);
        if (i > 0)
            nodes[i - 1].child = &nodes[i];
    }
    json_t *j = hf_codec_encode(&nodes[1].base); /* 32 levels */
    assert_non_null(j);
    json_decref(j);
    assert_null(hf_codec_encode(&nodes[0].base)); /* 33 */
}

static void test_malformed_json(void **state)
{
    (void)state;
    fails("{", "", "malformed_json");
    fails("{'i32': 1} x", "", "malformed_json");
    fails("{'i32': 1, 'i32': 2}", "", "malformed_json");
    fails("{'u64': 18446744073709551615}", "", "malformed_json"); /* numbers stop at int64 */
    fails("", "", "malformed_json");
    fails("{'text': '\xff'}", "", "malformed_json");
    fails("{'text': '\xed\xa0\x80'}", "", "malformed_json"); /* a UTF-16 surrogate */
    ProtobufCMessage *m = NULL;
    hf_codec_errors_t errs;
    assert_int_equal(hf_codec_decode_text(SAMPLE, "{\n  x", 5, NULL, &m, &errs), -1);
    assert_non_null(strstr(errs.errors[0].message, "line 2"));
}

static void test_names(void **state)
{
    (void)state;
    char out[32];
    hf_codec_json_name("next_page_token", out, sizeof(out));
    assert_string_equal(out, "nextPageToken");
    hf_codec_json_name("next_page_token", out, 5);
    assert_string_equal(out, "next");
    assert_string_equal(hf_codec_field(SAMPLE, "nextPageToken")->name, "next_page_token");
    assert_string_equal(hf_codec_field(SAMPLE, "next_page_token")->name, "next_page_token");
    assert_null(hf_codec_field(SAMPLE, "NextPageToken"));
    Sample *s = decode("{'next_page_token': 'p', 'by_id': {}}");
    assert_string_equal(s->next_page_token, "p");
    encodes_member(s, "nextPageToken", "'p'");
    release(s);
    fails("{'nextPageToken': 'a', 'next_page_token': 'b'}", "nextPageToken", "duplicate_field");
    fails("{'by_id': {}, 'byId': {}}", "byId", "duplicate_field");
}

static void test_round_trip_everything(void **state)
{
    (void)state;
    Sample *s = decode(
        "{'i32': -1, 's32': -2, 'sf32': -3, 'u32': 4, 'f32': 5, 'i64': '-6', 's64': '-7',"
        " 'sf64': '-8', 'u64': '18446744073709551615', 'f64': '10', 'flt': -0.0, 'dbl': 1e-300,"
        " 'flag': true, 'text': 'té', 'blob': '3q2+7w', 'color': 'CODEC_COLOR_BLUE',"
        " 'ri32': [1, -1], 'ri64': ['-9223372036854775808'], 'rdbl': ['NaN', 0.5],"
        " 'rflag': [true], 'rtext': ['a', ''], 'rblob': ['', 'AA'], 'colors': [0, 99],"
        " 'items': [{'name': 'i', 'qty': 3, 'scores': [1, 2]}], 'item': {'qty': -1},"
        " 'choiceText': '', 'counts': {'': 0, 'z': '-1'}, 'byId': {'0': {}},"
        " 'byFlag': {'false': 'f'}, 'at': '2026-11-26T02:30:00.000000001Z',"
        " 'day': '2026-11-26', 'ats': ['2026-11-26T02:30:00Z'], 'nextPageToken': 'n'}");
    round_trips(&s->base);
    release(s);
    float tiny = 1e-45f, big = 3.4028235e38f;
    Sample t = HRFLOW__V1__CODEC_SAMPLE__INIT;
    t.flt = tiny;
    round_trips(&t.base);
    t.flt = big;
    round_trips(&t.base);
}

/* hf_codec_write prints what json_dumps prints of hf_codec_encode, at the
 * stored precision and at the gateway's. */
static void writes_as_dumps(const ProtobufCMessage *m)
{
    json_t *j = hf_codec_encode(m);
    assert_non_null(j);
    char *want17 = json_dumps(j, JSON_COMPACT), *want15 = json_dumps(j, JSON_COMPACT |
                                                                        JSON_REAL_PRECISION(15));
    json_decref(j);
    size_t len = 0;
    char *got17 = hf_codec_write(m, 17, &len), *got15 = hf_codec_write(m, 15, NULL);
    char *text = hf_codec_encode_text(m);
    assert_string_equal(got17, want17);
    assert_int_equal(len, strlen(want17));
    assert_string_equal(got15, want15);
    assert_string_equal(text, want17);
    free(want17), free(want15), free(got17), free(got15), free(text);
}

static void test_write_is_dumps(void **state)
{
    (void)state;
    Sample *s = decode(
        "{'i32': -2147483648, 'u32': 4294967295, 'i64': '-6', 'u64': '18446744073709551615',"
        " 'flt': 0.1, 'dbl': 75.2, 'rdbl': [1e21, 1e-7, 100, -0.0, 'NaN', 'Infinity',"
        " '-Infinity', 123456789.123, 5e-324], 'flag': false,"
        " 'text': 'q\\\"/\\u0001\\u001f\\b\\f\\n\\r\\t\\u007f中文 ', 'blob': '3q2+7w',"
        " 'color': 'CODEC_COLOR_BLUE', 'colors': [0, 99], 'rtext': ['', 'a'],"
        " 'items': [{'name': 'i', 'qty': 3, 'scores': [1, 2]}, {}], 'item': {'qty': -1},"
        " 'choiceText': '', 'counts': {'': 0, 'z': '-1'}, 'byId': {'0': {}},"
        " 'byFlag': {'false': 'f'}, 'at': '2026-11-26T02:30:00.000000001Z',"
        " 'day': '2026-11-26', 'ats': ['2026-11-26T02:30:00Z']}");
    writes_as_dumps(&s->base);
    release(s);
    Sample empty = HRFLOW__V1__CODEC_SAMPLE__INIT;
    writes_as_dumps(&empty.base);
    Sample bad = HRFLOW__V1__CODEC_SAMPLE__INIT; /* invalid UTF-8 is repaired the same way */
    bad.text = "a\xff" "b\xe6\x8b";
    writes_as_dumps(&bad.base);
    Hrflow__V1__CodecItem *items[] = { NULL }; /* a NULL element: the default message */
    bad.n_items = 1, bad.items = items;
    writes_as_dumps(&bad.base);
    Hrflow__V1__CodecNode nodes[HF_CODEC_MAX_DEPTH + 1];
    for (int i = 0; i <= HF_CODEC_MAX_DEPTH; i++) {
        hrflow__v1__codec_node__init(&nodes[i]);
        if (i > 0)
            nodes[i - 1].child = &nodes[i];
    }
    writes_as_dumps(&nodes[1].base); /* 32 levels */
    assert_null(hf_codec_write(&nodes[0].base, 17, NULL)); /* 33, as hf_codec_encode */
    assert_null(hf_codec_encode_text(&nodes[0].base));
}

/* Doubles written without printf (a few decimals, w_short_real) and with it
 * print as json_dumps does at both precisions: short decimals of every
 * magnitude the shortcut takes and either side of its bounds, integers up to
 * and past 15 digits, and values with more digits than it takes. */
static void test_write_doubles_as_dumps(void **state)
{
    (void)state;
    static double v[4096];
    size_t n = 0;
    const double edges[] = { 1e-4, 9.9999999999999e-5, 0.0001000001, 1e15, 999999999999999.0,
                             1e15 - 0.5, 123456789012345.6, 12345678901234.56, 0.1 + 0.2,
                             2.5, 0.35, 72.5, 1.0 / 3, 9007199254740993.0, 4503599627370497.5,
                             -0.0, 0.0, 1e-300, 1.7976931348623157e308, 0.000999999 };
    for (size_t i = 0; i < sizeof(edges) / sizeof(*edges); i++) {
        v[n++] = edges[i];
        v[n++] = -edges[i];
    }
    srand(16);
    while (n < sizeof(v) / sizeof(*v)) {
        /* an integer of 1-16 digits over 10^0..10^8 */
        long long digits = 1;
        for (int d = rand() % 16; d >= 0; d--)
            digits = digits * 10 + rand() % 10;
        double x = (double)digits / pow(10, rand() % 9);
        v[n++] = rand() % 2 ? x : -x;
    }
    Sample s = HRFLOW__V1__CODEC_SAMPLE__INIT;
    s.rdbl = v, s.n_rdbl = n;
    writes_as_dumps(&s.base);
    for (size_t i = 0; i < n; i += 97) { /* and each alone, as the single field */
        s.n_rdbl = 0, s.dbl = v[i];
        writes_as_dumps(&s.base);
    }
}

/* Integers at the ends of every width print as json_dumps does. */
static void test_write_integers_as_dumps(void **state)
{
    (void)state;
    Sample s = HRFLOW__V1__CODEC_SAMPLE__INIT;
    const int32_t i32[] = { INT32_MIN, INT32_MIN + 1, -1, 0, 1, 9, 10, INT32_MAX };
    const uint32_t u32[] = { 0, 1, 4294967295u };
    const int64_t i64[] = { INT64_MIN, INT64_MIN + 1, -10, 0, 99, INT64_MAX };
    const uint64_t u64[] = { 0, 10, UINT64_MAX };
    for (size_t i = 0; i < sizeof(i32) / sizeof(*i32); i++) {
        s.i32 = i32[i];
        writes_as_dumps(&s.base);
    }
    for (size_t i = 0; i < sizeof(u32) / sizeof(*u32); i++) {
        s.u32 = u32[i];
        writes_as_dumps(&s.base);
    }
    for (size_t i = 0; i < sizeof(i64) / sizeof(*i64); i++) {
        s.i64 = i64[i];
        writes_as_dumps(&s.base);
    }
    for (size_t i = 0; i < sizeof(u64) / sizeof(*u64); i++) {
        s.u64 = u64[i];
        writes_as_dumps(&s.base);
    }
}

static void test_encode_repairs_utf8(void **state)
{
    (void)state;
    Sample s = HRFLOW__V1__CODEC_SAMPLE__INIT;
    s.text = "a\xff" "b\xe6\x8b";
    encodes_member(&s, "text", "'a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd'"); /* U+FFFD per byte */
    Presence p = HRFLOW__V1__CODEC_PRESENCE__INIT; /* required id left NULL */
    encodes_member(&p, "id", "''");
}

/* A string on its own is what a message's text field writes for it, and
 * appends to what the buffer holds. */
static void test_put_string_is_the_fields_text(void **state)
{
    (void)state;
    const char *texts[] = { "", "plain", "q\"\\/\x01\x1f\b\f\n\r\t\x7f中文",
                            "a\xff" "b\xe6\x8b" };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        Sample s = HRFLOW__V1__CODEC_SAMPLE__INIT;
        s.text = (char *)texts[i];
        char *whole = hf_codec_write(&s.base, 17, NULL);
        assert_non_null(whole);
        hf_buf_t b = { 0 };
        hf_buf_puts(&b, "[");
        hf_codec_put_string(&b, texts[i]);
        char *got = hf_buf_take(&b, NULL);
        assert_non_null(got);
        const char *member = strstr(whole, "\"text\":");
        assert_non_null(member);
        member += strlen("\"text\":");
        assert_int_equal(got[0], '[');
        assert_memory_equal(got + 1, member, strlen(got + 1));
        assert_true(member[strlen(got + 1)] == ',' || member[strlen(got + 1)] == '}');
        free(got);
        free(whole);
    }
}

static void test_arena_allocator(void **state)
{
    (void)state;
    hf_arena_t *a = hf_arena_new(0);
    ProtobufCAllocator al = hf_arena_allocator(a);
    ProtobufCMessage *m = NULL;
    hf_codec_errors_t errs;
    const char *text = sq("{'items': [{'name': 'x'}], 'text': 'y', 'counts': {'k': 1}}");
    assert_int_equal(hf_codec_decode_text(SAMPLE, text, strlen(text), &al, &m, &errs), 0);
    assert_string_equal(((Sample *)m)->items[0]->name, "x");
    assert_true(hf_arena_used(a) > 0);
    text = sq("{'items': [{'name': 'x'}], 'text': 'y', 'i32': 'bad'}");
    assert_int_equal(hf_codec_decode_text(SAMPLE, text, strlen(text), &al, &m, &errs), -1);
    hf_arena_destroy(&a); /* no free_unpacked: the arena owns everything */
}

/* Errors after allocations: the half-built message is freed (ASan checks). */
static void test_no_leak_on_error(void **state)
{
    (void)state;
    fails("{'text': 'a', 'items': [{'name': 'x'}], 'choiceItem': {'name': 'y'},"
          " 'rblob': ['aGk='], 'blob': 'aGk=', 'counts': {'k': 1}, 'at': '2026-11-26',"
          " 'ats': ['2026-11-26T00:00:00Z'], 'i32': 'bad'}", "at", "bad_format");
    fails("{'choiceItem': {'name': 'y', 'qty': 'q'}}", "choiceItem.qty", "bad_format");
    fails("{'rtext': ['a', 5, 'b']}", "rtext[1]", "wrong_type");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int32_kinds),
        cmocka_unit_test(test_int64_kinds),
        cmocka_unit_test(test_int_out_of_range),
        cmocka_unit_test(test_int_not_integral),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_float_out_of_range),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_strings_built_by_hand),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_repeated),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_optional_presence),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_oneof),
        cmocka_unit_test(test_maps),
        cmocka_unit_test(test_map_errors),
        cmocka_unit_test(test_unknown_and_wrong_types),
        cmocka_unit_test(test_null_is_unset),
        cmocka_unit_test(test_defaults_emitted),
        cmocka_unit_test(test_timestamp),
        cmocka_unit_test(test_timestamp_errors),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_multiple_errors),
        cmocka_unit_test(test_error_bound),
        cmocka_unit_test(test_depth_bound),
        cmocka_unit_test(test_encode_depth_bound),
        cmocka_unit_test(test_malformed_json),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_round_trip_everything),
        cmocka_unit_test(test_write_is_dumps),
        cmocka_unit_test(test_write_doubles_as_dumps),
        cmocka_unit_test(test_write_integers_as_dumps),
        cmocka_unit_test(test_encode_repairs_utf8),
        cmocka_unit_test(test_put_string_is_the_fields_text),
        cmocka_unit_test(test_arena_allocator),
        cmocka_unit_test(test_no_leak_on_error),
    };
    return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
