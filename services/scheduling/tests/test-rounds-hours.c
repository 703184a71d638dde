/* services/scheduling/tests/test-rounds-hours.c - an interviewer's working week: times, stretches, the default */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../rounds_hours.h"

static void test_times_are_hh_mm_from_00_00_to_24_00(void **state)
{
    (void)state;
    assert_int_equal(rd_hours_minutes("00:00"), 0);
    assert_int_equal(rd_hours_minutes("09:30"), 570);
    assert_int_equal(rd_hours_minutes("23:59"), 1439);
    assert_int_equal(rd_hours_minutes("24:00"), 1440);
    const char *bad[] = { "", "9:00", "09:0", "09:60", "24:01", "25:00", "09:00:00", "0900",
                          "09-00", "０9:00", "ab:cd", " 09:00" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(rd_hours_minutes(bad[i]), -1);
    assert_int_equal(rd_hours_minutes(NULL), -1);
}

static void test_format_is_the_inverse(void **state)
{
    (void)state;
    char out[6];
    for (int m = 0; m <= RD_DAY_MINUTES; m += 7) {
        rd_hours_format(m, out);
        assert_int_equal(rd_hours_minutes(out), m);
    }
    rd_hours_format(RD_DAY_MINUTES, out);
    assert_string_equal(out, "24:00");
}

static void test_a_week_with_a_lunch_break_and_a_late_day_passes(void **state)
{
    (void)state;
    char why[80] = "";
    rd_hours_t h[] = { { 1, 540, 720 }, { 1, 780, 1080 }, { 3, 600, 1440 }, { 7, 0, 60 } };
    assert_int_equal(rd_hours_check(h, 4, why, sizeof(why)), -1);
    assert_int_equal(rd_hours_check(h, 0, why, sizeof(why)), -1);
}

static void test_the_first_bad_stretch_is_named_with_why(void **state)
{
    (void)state;
    char why[80];
    rd_hours_t weekday[] = { { 1, 540, 600 }, { 8, 540, 600 } };
    assert_int_equal(rd_hours_check(weekday, 2, why, sizeof(why)), 1);
    assert_string_equal(why, "weekday is 1 (Monday) to 7 (Sunday)");
    rd_hours_t zero[] = { { 0, 540, 600 } };
    assert_int_equal(rd_hours_check(zero, 1, why, sizeof(why)), 0);
    rd_hours_t empty[] = { { 2, 600, 600 } };
    assert_int_equal(rd_hours_check(empty, 1, why, sizeof(why)), 0);
    assert_string_equal(why, "start and end are 00:00 to 24:00, start before end");
    rd_hours_t backwards[] = { { 2, 600, 540 } };
    assert_int_equal(rd_hours_check(backwards, 1, why, sizeof(why)), 0);
}

static void test_stretches_of_one_day_may_touch_but_not_overlap(void **state)
{
    (void)state;
    char why[80];
    rd_hours_t touching[] = { { 2, 540, 720 }, { 2, 720, 900 }, { 3, 600, 700 } };
    assert_int_equal(rd_hours_check(touching, 3, why, sizeof(why)), -1);
    rd_hours_t overlapping[] = { { 2, 540, 720 }, { 3, 540, 720 }, { 2, 719, 900 } };
    assert_int_equal(rd_hours_check(overlapping, 3, why, sizeof(why)), 2);
    assert_string_equal(why, "overlaps another stretch of the same day");
    rd_hours_t inside[] = { { 5, 540, 1080 }, { 5, 600, 660 } };
    assert_int_equal(rd_hours_check(inside, 2, why, sizeof(why)), 1);
}

static void test_at_most_28_stretches(void **state)
{
    (void)state;
    char why[80];
    rd_hours_t h[RD_HOURS_MAX + 1];
    for (int i = 0; i <= RD_HOURS_MAX; i++)
        h[i] = (rd_hours_t){ i % 7 + 1, (i / 7) * 60, (i / 7) * 60 + 30 };
    assert_int_equal(rd_hours_check(h, RD_HOURS_MAX, why, sizeof(why)), -1);
    assert_int_equal(rd_hours_check(h, RD_HOURS_MAX + 1, why, sizeof(why)), RD_HOURS_MAX);
    assert_string_equal(why, "at most 28 stretches a week");
}

static void test_the_default_week_is_monday_to_friday_nine_to_six(void **state)
{
    (void)state;
    rd_hours_t h[5];
    char why[80];
    assert_int_equal(rd_hours_default(h), 5);
    for (int d = 0; d < 5; d++) {
        assert_int_equal(h[d].weekday, d + 1);
        assert_int_equal(h[d].start, 540);
        assert_int_equal(h[d].end, 1080);
    }
    assert_int_equal(rd_hours_check(h, 5, why, sizeof(why)), -1);
}

static void test_utc_is_rfc_3339_in_whole_seconds(void **state)
{
    (void)state;
    char out[RD_UTC_MAX];
    rd_utc(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    rd_utc(1796608800999999, out); /* 2026-12-07 10:00 in Shanghai */
    assert_string_equal(out, "2026-12-07T02:00:00Z");
    rd_utc(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times_are_hh_mm_from_00_00_to_24_00),
        cmocka_unit_test(test_format_is_the_inverse),
        cmocka_unit_test(test_a_week_with_a_lunch_break_and_a_late_day_passes),
        cmocka_unit_test(test_the_first_bad_stretch_is_named_with_why),
        cmocka_unit_test(test_stretches_of_one_day_may_touch_but_not_overlap),
        cmocka_unit_test(test_at_most_28_stretches),
        cmocka_unit_test(test_the_default_week_is_monday_to_friday_nine_to_six),
        cmocka_unit_test(test_utc_is_rfc_3339_in_whole_seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
