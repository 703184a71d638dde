/* services/notify/tests/test-webhook-types.c - event-type filters of webhook endpoints */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../webhook_types.h"

static void test_forms(void **state)
{
    (void)state;
    const char *why;
    const char *good[] = { "hrflow.pipeline.application.created.v1", "hrflow.notify.webhook.test.v1",
                           "hrflow.scheduling.interview.no_show.v12", "hrflow.", "hrflow.pipeline.",
                           "hrflow.pipeline.application." };
    for (size_t k = 0; k < sizeof(good) / sizeof(good[0]); k++)
        if (wh_type_check(good[k], &why))
            fail_msg("%s refused", good[k]);
    const char *bad[] = { "", "hrflow", "pipeline.application.created.v1", "hrflow.pipeline.v1",
                          "hrflow.pipeline.application.created", "hrflow.pipeline..created.v1",
                          "hrflow.Pipeline.application.created.v1", "hrflow.pipeline.application.created.v",
                          "hrflow.pipeline.application.created.v1x", "hrflow.pipeline.*",
                          "hrflow.pipeline.application.created.v1 ", NULL };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        if (!wh_type_check(bad[k], &why))
            fail_msg("%s accepted", bad[k] ? bad[k] : "NULL");
}

static void test_matching(void **state)
{
    (void)state;
    char *f[] = { "hrflow.pipeline.application.", "hrflow.scoring.interview.scored.v1" };
    assert_true(wh_types_match(f, 2, "hrflow.pipeline.application.created.v1"));
    assert_true(wh_types_match(f, 2, "hrflow.scoring.interview.scored.v1"));
    assert_false(wh_types_match(f, 2, "hrflow.scoring.interview.scored.v2"));
    assert_false(wh_types_match(f, 2, "hrflow.pipeline.job.created.v1"));
    assert_true(wh_types_match(f, 0, "hrflow.pipeline.job.created.v1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_matching),
    };
    return cmocka_run_group_tests_name("notify-webhook-types", tests, NULL, NULL);
}
