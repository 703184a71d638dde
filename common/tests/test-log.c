/* common/tests/test-log.c - JSON lines: typed fields, the request context, escaping */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hf/log.h"

#define TRACEPARENT "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

/* The text emit() writes: exactly one line, or NULL when it wrote nothing. */
static char *capture_text(void (*emit)(void))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    hf_log_set_stream(f);
    emit();
    hf_log_set_stream(NULL);
    fclose(f);
    if (!len) {
        free(buf);
        return NULL;
    }
    assert_int_equal(buf[len - 1], '\n');
    assert_ptr_equal(strchr(buf, '\n'), buf + len - 1); /* one line, whatever the values hold */
    return buf;
}

/* The line emit() writes, parsed. */
static json_t *capture(void (*emit)(void))
{
    char *text = capture_text(emit);
    if (!text)
        return NULL;
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    free(text);
    assert_non_null(j);
    assert_true(json_is_object(j));
    return j;
}

static const char *str_field(const json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

static void emit_plain(void) { hf_log(HF_LOG_WARN, "queue \"%s\" is %d%% full", "pipeline", 90); }
static void emit_debug(void) { hf_debug("not shown at info"); }
static void emit_bad_utf8(void) { hf_log(HF_LOG_ERROR, "bad \xff\xfe bytes"); }

static void emit_typed(void)
{
    hf_logkv(HF_LOG_INFO, "http request", HF_KV_STR("route", "getCompany"),
             HF_KV_INT("status", 404), HF_KV_INT("rows", INT64_MAX),
             HF_KV_INT("delta", -3), HF_KV_DBL("duration_ms", 185.293),
             HF_KV_DBL("whole", 2.0), HF_KV_BOOL("completed", 1), HF_KV_BOOL("cached", 0));
}

static void emit_non_finite(void)
{
    hf_logkv(HF_LOG_INFO, "odd numbers", HF_KV_DBL("nan", NAN), HF_KV_DBL("inf", INFINITY),
             HF_KV_DBL("minus_inf", -INFINITY), HF_KV_STR("none", NULL));
}

#define AWKWARD "a \"quoted\" \\ back\nslash\ttab \x01 and 面试 ✓"
static void emit_awkward(void)
{
    hf_logkv(HF_LOG_INFO, "line one\nline \"two\"", HF_KV_STR("detail", AWKWARD),
             HF_KV_STR("bad", "x\xff\xfey"));
}

static void emit_kv(void)
{
    hf_logkv(HF_LOG_INFO, "row rejected", HF_KV_INT("row", 17), HF_KV_STR("field", "phone"));
}

static void test_line_is_json(void **state)
{
    (void)state;
    hf_log_init("pipeline", HF_LOG_INFO);
    json_t *j = capture(emit_plain);
    assert_string_equal(str_field(j, "level"), "warn");
    assert_string_equal(str_field(j, "service"), "pipeline");
    assert_string_equal(str_field(j, "msg"), "queue \"pipeline\" is 90% full");
    assert_non_null(json_object_get(j, "ts"));
    assert_null(json_object_get(j, "trace_id"));
    assert_null(json_object_get(j, "span_id"));
    json_decref(j);
}

static void test_level_filter(void **state)
{
    (void)state;
    hf_log_init("x", HF_LOG_INFO);
    assert_null(capture_text(emit_debug));
    hf_log_level_t l;
    assert_int_equal(hf_log_level_parse("DEBUG", &l), 0);
    assert_int_equal(l, HF_LOG_DEBUG);
    assert_int_not_equal(hf_log_level_parse("loud", &l), 0);
}

static void test_numbers_are_numbers(void **state)
{
    (void)state;
    hf_log_init("gateway", HF_LOG_INFO);
    json_t *j = capture(emit_typed);
    assert_string_equal(str_field(j, "route"), "getCompany");
    assert_true(json_is_integer(json_object_get(j, "status")));
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 404);
    assert_true(json_integer_value(json_object_get(j, "rows")) == INT64_MAX);
    assert_int_equal(json_integer_value(json_object_get(j, "delta")), -3);
    assert_true(json_is_real(json_object_get(j, "duration_ms")));
    assert_true(json_real_value(json_object_get(j, "duration_ms")) == 185.293);
    assert_true(json_is_real(json_object_get(j, "whole"))); /* a double stays a double */
    assert_true(json_is_true(json_object_get(j, "completed")));
    assert_true(json_is_false(json_object_get(j, "cached")));
    json_decref(j);
}

static void test_doubles_are_written_as_a_person_would(void **state)
{
    (void)state;
    hf_log_init("gateway", HF_LOG_INFO);
    char *text = capture_text(emit_typed);
    assert_non_null(strstr(text, "\"duration_ms\":185.293,"));
    assert_non_null(strstr(text, "\"status\":404,"));
    free(text);
}

static void test_non_finite_doubles_and_null_strings_are_null(void **state)
{
    (void)state;
    hf_log_init("x", HF_LOG_INFO);
    json_t *j = capture(emit_non_finite);
    assert_true(json_is_null(json_object_get(j, "nan")));
    assert_true(json_is_null(json_object_get(j, "inf")));
    assert_true(json_is_null(json_object_get(j, "minus_inf")));
    assert_true(json_is_null(json_object_get(j, "none")));
    json_decref(j);
}

static void test_strings_are_escaped(void **state)
{
    (void)state;
    hf_log_init("x", HF_LOG_INFO);
    json_t *j = capture(emit_awkward); /* capture() checks it is one line */
    assert_string_equal(str_field(j, "msg"), "line one\nline \"two\"");
    assert_string_equal(str_field(j, "detail"), AWKWARD);
    assert_string_equal(str_field(j, "bad"), "x??y"); /* invalid UTF-8: lossy, still a string */
    json_decref(j);
}

static void test_context_names_trace_span_and_request(void **state)
{
    (void)state;
    hf_log_init("pipeline", HF_LOG_INFO);
    hf_log_context_set(TRACEPARENT, "req-7", "pipeline.ImportCandidates");
    json_t *j = capture(emit_kv);
    hf_log_context_clear();
    assert_string_equal(str_field(j, "trace_id"), "0af7651916cd43dd8448eb211c80319c");
    assert_string_equal(str_field(j, "span_id"), "b7ad6b7169203331");
    assert_string_equal(str_field(j, "request_id"), "req-7");
    assert_string_equal(str_field(j, "action"), "pipeline.ImportCandidates");
    assert_int_equal(json_integer_value(json_object_get(j, "row")), 17);
    assert_string_equal(str_field(j, "field"), "phone");
    json_decref(j);

    j = capture(emit_kv); /* cleared: no request named */
    assert_null(json_object_get(j, "trace_id"));
    assert_null(json_object_get(j, "span_id"));
    assert_null(json_object_get(j, "request_id"));
    assert_null(json_object_get(j, "action"));
    json_decref(j);
}

static void test_a_malformed_traceparent_names_no_trace(void **state)
{
    (void)state;
    hf_log_init("pipeline", HF_LOG_INFO);
    hf_log_context_set("00-abc-def-01", "req-8", NULL);
    json_t *j = capture(emit_kv);
    hf_log_context_clear();
    assert_null(json_object_get(j, "trace_id"));
    assert_null(json_object_get(j, "span_id"));
    assert_string_equal(str_field(j, "request_id"), "req-8");
    assert_null(json_object_get(j, "action"));
    json_decref(j);
}

static void test_invalid_utf8_still_json(void **state)
{
    (void)state;
    hf_log_init("x", HF_LOG_INFO);
    json_t *j = capture(emit_bad_utf8);
    assert_non_null(strstr(str_field(j, "msg"), "bad"));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_is_json),
        cmocka_unit_test(test_level_filter),
        cmocka_unit_test(test_numbers_are_numbers),
        cmocka_unit_test(test_doubles_are_written_as_a_person_would),
        cmocka_unit_test(test_non_finite_doubles_and_null_strings_are_null),
        cmocka_unit_test(test_strings_are_escaped),
        cmocka_unit_test(test_context_names_trace_span_and_request),
        cmocka_unit_test(test_a_malformed_traceparent_names_no_trace),
        cmocka_unit_test(test_invalid_utf8_still_json),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
