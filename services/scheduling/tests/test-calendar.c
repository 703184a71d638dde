/* services/scheduling/tests/test-calendar.c - clock times, days, instants, working hours */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../calendar.h"

static void test_clock_times(void **state)
{
    (void)state;
    assert_int_equal(sched_clock_minutes("09:00", false), 540);
    assert_int_equal(sched_clock_minutes("00:00", false), 0);
    assert_int_equal(sched_clock_minutes("23:59", true), 1439);
    assert_int_equal(sched_clock_minutes("24:00", true), 1440);
    const char *bad[] = { "24:00", "9:00", "09:60", "09-00", "0900", "09:00 ", "", "24:01", "ab:cd" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(sched_clock_minutes(bad[i], false), -1);
    assert_int_equal(sched_clock_minutes("24:30", true), -1);
    assert_int_equal(sched_clock_minutes(NULL, true), -1);
    char out[6];
    sched_clock_text(810, out);
    assert_string_equal(out, "13:30");
    sched_clock_text(1440, out);
    assert_string_equal(out, "24:00");
}

static void test_days(void **state)
{
    (void)state;
    assert_true(sched_day_valid("2027-03-01"));
    assert_true(sched_day_valid("2028-02-29"));
    assert_false(sched_day_valid("2027-02-29"));
    assert_false(sched_day_valid("2100-02-29"));
    assert_true(sched_day_valid("2000-02-29"));
    assert_false(sched_day_valid("2027-13-01"));
    assert_false(sched_day_valid("2027-3-1"));
    assert_false(sched_day_valid("2027/03/01"));
    assert_false(sched_day_valid("0000-01-01"));
    assert_false(sched_day_valid(""));
    assert_false(sched_day_valid(NULL));
}

static void test_instants(void **state)
{
    (void)state;
    const char *good[] = { "2027-03-01T09:00:00Z", "2027-03-01T09:00:00.5+08:00",
                           "2027-03-01t01:00:00z", "2027-03-01T09:00:00.123456789-05:30" };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(sched_instant_valid(good[i]));
    const char *bad[] = { "2027-03-01", "2027-03-01 09:00:00Z", "2027-03-01T09:00Z",
                          "2027-03-01T24:00:00Z", "2027-02-30T09:00:00Z", "2027-03-01T09:00:00",
                          "2027-03-01T09:00:00+0800", "2027-03-01T09:00:00.Z",
                          "2027-03-01T09:00:00.1234567890Z", "2027-03-01T09:00:00Z ",
                          "now", "" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(sched_instant_valid(bad[i]));
    assert_false(sched_instant_valid(NULL));
}

static void test_working_hours_with_a_lunch_break_pass(void **state)
{
    (void)state;
    const char *why;
    sched_range_t week[10];
    for (unsigned d = 1; d <= 5; d++) {
        week[2 * (d - 1)] = (sched_range_t){ d, 540, 720 };
        week[2 * (d - 1) + 1] = (sched_range_t){ d, 810, 1080 };
    }
    assert_int_equal(sched_ranges_check(week, 10, &why), -1);
    assert_int_equal(sched_ranges_check(week, 0, &why), -1);
    sched_range_t touching[] = { { 1, 540, 720 }, { 1, 720, 1440 } };
    assert_int_equal(sched_ranges_check(touching, 2, &why), -1);
}

static void test_bad_working_hours_name_the_range(void **state)
{
    (void)state;
    const char *why;
    sched_range_t overlap[] = { { 1, 540, 720 }, { 2, 600, 700 }, { 1, 700, 800 } };
    assert_int_equal(sched_ranges_check(overlap, 3, &why), 2);
    assert_string_equal(why, "overlaps another range of its weekday");
    sched_range_t empty[] = { { 3, 600, 600 } };
    assert_int_equal(sched_ranges_check(empty, 1, &why), 0);
    assert_true(strstr(why, "start before end") != NULL);
    sched_range_t sunday8[] = { { 1, 0, 60 }, { 8, 0, 60 } };
    assert_int_equal(sched_ranges_check(sunday8, 2, &why), 1);
    sched_range_t zero[] = { { 0, 0, 60 } };
    assert_int_equal(sched_ranges_check(zero, 1, &why), 0);
    static sched_range_t many[SCHED_RANGES_MAX + 1];
    for (size_t i = 0; i <= SCHED_RANGES_MAX; i++)
        many[i] = (sched_range_t){ 1 + (unsigned)(i % 7), (int)(i / 7) * 60, (int)(i / 7) * 60 + 30 };
    assert_int_equal(sched_ranges_check(many, SCHED_RANGES_MAX, &why), -1);
    assert_int_equal(sched_ranges_check(many, SCHED_RANGES_MAX + 1, &why), SCHED_RANGES_MAX + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_times),
        cmocka_unit_test(test_days),
        cmocka_unit_test(test_instants),
        cmocka_unit_test(test_working_hours_with_a_lunch_break_pass),
        cmocka_unit_test(test_bad_working_hours_name_the_range),
    };
    return cmocka_run_group_tests_name("scheduling-calendar", tests, NULL, NULL);
}
