/* services/notify/tests/test-cloudevent.c - CloudEvents 1.0 structured JSON of outbox events */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../cloudevent.h"

#define TENANT "7d4c1f9e-0000-4000-8000-000000000001"

static ce_event_t sample(void)
{
    return (ce_event_t){ "42", "/hrflow/pipeline", "hrflow.pipeline.application.created.v1",
                         "applications/9", 1764750600123456LL, TENANT,
                         "{\"applicationId\":\"9\",\"名\":\"职位\"}" };
}

static void test_every_attribute(void **state)
{
    (void)state;
    ce_event_t e = sample();
    const char *why = NULL;
    char *s = ce_encode(&e, &why);
    assert_non_null(s);
    json_t *o = json_loads(s, 0, NULL);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "specversion")), "1.0");
    assert_string_equal(json_string_value(json_object_get(o, "id")), "42");
    assert_string_equal(json_string_value(json_object_get(o, "source")), "/hrflow/pipeline");
    assert_string_equal(json_string_value(json_object_get(o, "type")), e.type);
    assert_string_equal(json_string_value(json_object_get(o, "subject")), "applications/9");
    assert_string_equal(json_string_value(json_object_get(o, "time")),
                        "2025-12-03T08:30:00.123456Z");
    assert_string_equal(json_string_value(json_object_get(o, "datacontenttype")),
                        "application/json");
    assert_string_equal(json_string_value(json_object_get(o, "hrflowtenant")), TENANT);
    json_t *data = json_object_get(o, "data");
    assert_string_equal(json_string_value(json_object_get(data, "名")), "职位");
    assert_int_equal(json_object_size(o), 9);
    json_decref(o);
    free(s);
}

static void test_optional_and_required(void **state)
{
    (void)state;
    ce_event_t e = sample();
    e.subject = "";
    e.data_json = "";
    char *s = ce_encode(&e, NULL);
    assert_non_null(s);
    assert_null(strstr(s, "\"subject\""));
    assert_non_null(strstr(s, "\"data\":{}"));
    free(s);
    const char *why = NULL;
    e = sample();
    e.id = "";
    assert_null(ce_encode(&e, &why));
    assert_string_equal(why, "an id is required");
    e = sample();
    e.type = NULL;
    assert_null(ce_encode(&e, &why));
    e = sample();
    e.data_json = "{\"a\":1,\"a\":2}";
    assert_null(ce_encode(&e, &why));
    assert_string_equal(why, "the data is not a JSON document");
    e = sample();
    e.subject = "\xff";
    assert_null(ce_encode(&e, &why));
}

static void test_times(void **state)
{
    (void)state;
    char t[32];
    assert_int_equal(ce_time_format(0, t), 0);
    assert_string_equal(t, "1970-01-01T00:00:00.000000Z");
    assert_int_equal(ce_time_format(-1, t), 0);
    assert_string_equal(t, "1969-12-31T23:59:59.999999Z");
    assert_int_equal(ce_time_format(INT64_MAX, t), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_attribute),
        cmocka_unit_test(test_optional_and_required),
        cmocka_unit_test(test_times),
    };
    return cmocka_run_group_tests_name("notify-cloudevent", tests, NULL, NULL);
}
