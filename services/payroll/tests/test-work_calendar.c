/* services/payroll/tests/test-work_calendar.c - days, weekdays, holidays and adjusted workdays */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../work_calendar.h"

/* The 2026 Spring Festival and National Day blocks, as the State Council set them. */
static wc_special_t cn2026[12];
static wc_calendar_t cal = { cn2026, 0 };

static int setup(void **state)
{
    (void)state;
    static const struct { int m, d; wc_kind_t k; } rows[] = {
        { 2, 14, WC_WORKDAY }, { 2, 16, WC_HOLIDAY }, { 2, 17, WC_HOLIDAY },
        { 2, 18, WC_HOLIDAY }, { 2, 19, WC_HOLIDAY }, { 2, 20, WC_REST },
        { 2, 23, WC_REST },    { 2, 28, WC_WORKDAY }, { 9, 20, WC_WORKDAY },
        { 10, 1, WC_HOLIDAY }, { 10, 5, WC_REST },    { 10, 10, WC_WORKDAY },
    };
    for (size_t i = 0; i < 12; i++)
        cn2026[i] = (wc_special_t){ wc_day(2026, rows[i].m, rows[i].d), rows[i].k };
    cal.n = 12;
    return 0;
}

static void day_numbers_round_trip_and_know_weekdays(void **state)
{
    (void)state;
    assert_int_equal(wc_day(1970, 1, 1), 0);
    assert_int_equal(wc_weekday(0), 4); /* a Thursday */
    assert_int_equal(wc_weekday(wc_day(2026, 1, 1)), 4);
    assert_int_equal(wc_weekday(wc_day(2026, 2, 14)), 6);
    assert_int_equal(wc_weekday(wc_day(2025, 1, 26)), 7);
    assert_int_equal(wc_weekday(wc_day(1969, 12, 31)), 3); /* before the epoch too */
    for (int32_t d = wc_day(2023, 12, 25); d < wc_day(2029, 1, 10); d++) {
        int y, m, md;
        wc_date(d, &y, &m, &md);
        assert_true(wc_date_valid(y, m, md));
        assert_int_equal(wc_day(y, m, md), d);
    }
    assert_int_equal(wc_day(2028, 3, 1) - wc_day(2028, 2, 28), 2); /* a leap year */
    assert_int_equal(wc_month_days(2026, 2), 28);
    assert_int_equal(wc_month_days(2000, 2), 29);
    assert_int_equal(wc_month_days(2100, 2), 28);
}

static void dates_parse_strictly(void **state)
{
    (void)state;
    int32_t d = -1;
    char out[11];
    assert_int_equal(wc_parse_date("2026-02-14", &d), 0);
    wc_format_date(d, out);
    assert_string_equal(out, "2026-02-14");
    static const char *const bad[] = { "2026-02-29", "2026-2-14", "2026/02/14", "20260214",
                                       "2026-02-14T00", "", "2026-13-01", "2026-00-10",
                                       " 2026-02-1", "2026-02-1x" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(wc_parse_date(bad[i], &d), -1);
    assert_int_equal(wc_parse_date(NULL, &d), -1);
}

static void weekends_rest_and_weekdays_work_unless_listed(void **state)
{
    (void)state;
    assert_int_equal(wc_kind(&cal, wc_day(2026, 3, 2)), WC_WORKDAY);   /* a Monday */
    assert_int_equal(wc_kind(&cal, wc_day(2026, 3, 7)), WC_REST);      /* a Saturday */
    assert_int_equal(wc_kind(&cal, wc_day(2026, 2, 14)), WC_WORKDAY);  /* adjusted Saturday */
    assert_int_equal(wc_kind(&cal, wc_day(2026, 2, 17)), WC_HOLIDAY);  /* 初一 */
    assert_int_equal(wc_kind(&cal, wc_day(2026, 2, 20)), WC_REST);     /* a Friday off */
    assert_int_equal(wc_kind(&cal, wc_day(2026, 2, 15)), WC_REST);     /* a Sunday in the block */
    assert_int_equal(wc_kind(NULL, wc_day(2026, 2, 17)), WC_WORKDAY);  /* no data: the week */
}

static void workdays_of_a_month_count_holidays_out_and_adjusted_days_in(void **state)
{
    (void)state;
    /* February 2026: 20 weekdays, 6 of them off (16–20, 23), 2 Saturdays worked */
    assert_int_equal(wc_workdays(&cal, wc_day(2026, 2, 1), wc_day(2026, 2, 28)), 16);
    assert_int_equal(wc_workdays(NULL, wc_day(2026, 2, 1), wc_day(2026, 2, 28)), 20);
    assert_int_equal(wc_workdays(&cal, wc_day(2026, 2, 2), wc_day(2026, 2, 1)), 0);
    /* September 2026: 22 weekdays and Sunday the 20th */
    assert_int_equal(wc_workdays(&cal, wc_day(2026, 9, 1), wc_day(2026, 9, 30)), 23);
}

static void a_year_as_sent_is_checked_day_by_day(void **state)
{
    (void)state;
    const char *why = NULL;
    assert_int_equal(wc_check_year(2026, cn2026, 12, &why), -1);
    wc_special_t bad[] = {
        { wc_day(2026, 1, 1), WC_HOLIDAY },
        { wc_day(2026, 1, 5), WC_WORKDAY }, /* a Monday is a workday already */
    };
    assert_int_equal(wc_check_year(2026, bad, 2, &why), 1);
    assert_non_null(strstr(why, "Saturday"));
    bad[1] = (wc_special_t){ wc_day(2026, 1, 3), WC_REST }; /* a Saturday */
    assert_int_equal(wc_check_year(2026, bad, 2, &why), 1);
    bad[1] = (wc_special_t){ wc_day(2027, 1, 1), WC_HOLIDAY };
    assert_int_equal(wc_check_year(2026, bad, 2, &why), 1);
    bad[1] = bad[0];
    assert_int_equal(wc_check_year(2026, bad, 2, &why), 1);
    assert_string_equal(why, "each day once");
    wc_kind_t k;
    assert_int_equal(wc_kind_parse("holiday", &k), 0);
    assert_int_equal(k, WC_HOLIDAY);
    assert_int_equal(wc_kind_parse("Holiday", &k), -1);
    assert_string_equal(wc_kind_name(WC_REST), "rest");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(day_numbers_round_trip_and_know_weekdays),
        cmocka_unit_test(dates_parse_strictly),
        cmocka_unit_test(weekends_rest_and_weekdays_work_unless_listed),
        cmocka_unit_test(workdays_of_a_month_count_holidays_out_and_adjusted_days_in),
        cmocka_unit_test(a_year_as_sent_is_checked_day_by_day),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
