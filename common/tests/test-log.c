/* common/tests/test-log.c - JSON lines with the request context */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hf/log.h"

static json_t *capture(void (*emit)(void))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    hf_log_set_stream(f);
    emit();
    hf_log_set_stream(NULL);
    fclose(f);
    json_error_t e;
    json_t *j = len ? json_loads(buf, 0, &e) : NULL;
    if (len)
        assert_int_equal(buf[len - 1], '\n');
    free(buf);
    return j;
}

static void emit_plain(void) { hf_log(HF_LOG_WARN, "queue \"%s\" is %d%% full", "pipeline", 90); }
static void emit_debug(void) { hf_debug("not shown at info"); }
static void emit_kv(void) { hf_logkv(HF_LOG_INFO, "row rejected", "row", "17", "field", "phone", NULL); }
static void emit_bad_utf8(void) { hf_log(HF_LOG_ERROR, "bad \xff\xfe bytes"); }

static void test_line_is_json(void **state)
{
    (void)state;
    hf_log_init("pipeline", HF_LOG_INFO);
    json_t *j = capture(emit_plain);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "level")), "warn");
    assert_string_equal(json_string_value(json_object_get(j, "service")), "pipeline");
    assert_string_equal(json_string_value(json_object_get(j, "msg")), "queue \"pipeline\" is 90% full");
    assert_non_null(json_object_get(j, "ts"));
    assert_null(json_object_get(j, "trace_id"));
    json_decref(j);
}

static void test_level_filter(void **state)
{
    (void)state;
    hf_log_init("x", HF_LOG_INFO);
    assert_null(capture(emit_debug));
    hf_log_level_t l;
    assert_int_equal(hf_log_level_parse("DEBUG", &l), 0);
    assert_int_equal(l, HF_LOG_DEBUG);
    assert_int_not_equal(hf_log_level_parse("loud", &l), 0);
}

static void test_context_and_kv(void **state)
{
    (void)state;
    hf_log_init("pipeline", HF_LOG_INFO);
    hf_log_context_set("00-abc-def-01", "req-7", "pipeline.ImportCandidates");
    json_t *j = capture(emit_kv);
    hf_log_context_clear();
    assert_string_equal(json_string_value(json_object_get(j, "trace_id")), "00-abc-def-01");
    assert_string_equal(json_string_value(json_object_get(j, "request_id")), "req-7");
    assert_string_equal(json_string_value(json_object_get(j, "action")), "pipeline.ImportCandidates");
    assert_string_equal(json_string_value(json_object_get(j, "row")), "17");
    assert_string_equal(json_string_value(json_object_get(j, "field")), "phone");
    json_decref(j);
}

static void test_invalid_utf8_still_json(void **state)
{
    (void)state;
    hf_log_init("x", HF_LOG_INFO);
    json_t *j = capture(emit_bad_utf8);
    assert_non_null(j);
    assert_non_null(strstr(json_string_value(json_object_get(j, "msg")), "bad"));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_is_json),
        cmocka_unit_test(test_level_filter),
        cmocka_unit_test(test_context_and_kv),
        cmocka_unit_test(test_invalid_utf8_still_json),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
