/* services/payroll/tests/test-attendance.c - a day's result: the policy of attendance.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../attendance.h"

#define HM(h, m) ((h) * 60 + (m))

/* 09:00–18:00, lunch 12:00–13:00, 5 minutes' grace each way */
static ad_shift_t office(void)
{
    ad_shift_t s;
    const char *why;
    assert_null(ad_shift_check(HM(9, 0), HM(18, 0), 0, 5, 5, HM(12, 0), 60, &s, &why));
    return s;
}

/* 22:00–06:00 the next morning, a break at 02:00 for 30 minutes, no grace */
static ad_shift_t night(void)
{
    ad_shift_t s;
    const char *why;
    assert_null(ad_shift_check(HM(22, 0), HM(6, 0), 1, 0, 0, HM(2, 0), 30, &s, &why));
    return s;
}

static ad_result_t day(ad_shift_t s, wc_kind_t k, const int *p, size_t n, const ad_leave_t *l,
                       size_t nl)
{
    ad_result_t r;
    ad_day(&s, k, p, n, l, nl, &r);
    return r;
}

static void an_ordinary_day_on_time(void **state)
{
    (void)state;
    int p[] = { HM(8, 55), HM(18, 2) };
    ad_result_t r = day(office(), WC_WORKDAY, p, 2, NULL, 0);
    assert_int_equal(r.scheduled, 1);
    assert_int_equal(r.attended_minutes, 480);
    assert_int_equal(r.late_minutes + r.early_minutes + r.absent_minutes + r.missing_punch, 0);
    assert_int_equal(r.worked_minutes, 480); /* 9 hours less the lunch */
    assert_int_equal(r.overtime_minutes, 0); /* 2 minutes are no step */
}

static void late_beyond_the_grace_counts_from_the_start(void **state)
{
    (void)state;
    int within[] = { HM(9, 5), HM(18, 0) }, beyond[] = { HM(9, 6), HM(17, 54) };
    assert_int_equal(day(office(), WC_WORKDAY, within, 2, NULL, 0).late_minutes, 0);
    ad_result_t r = day(office(), WC_WORKDAY, beyond, 2, NULL, 0);
    assert_int_equal(r.late_minutes, 6);
    assert_int_equal(r.early_minutes, 6);
    assert_int_equal(r.worked_minutes, 480 - 12);
}

static void no_punch_on_a_workday_is_absent_and_on_a_rest_day_nothing(void **state)
{
    (void)state;
    ad_result_t r = day(office(), WC_WORKDAY, NULL, 0, NULL, 0);
    assert_int_equal(r.absent_minutes, 480);
    assert_int_equal(r.attended_minutes, 0);
    r = day(office(), WC_REST, NULL, 0, NULL, 0);
    assert_int_equal(r.scheduled, 0);
    assert_int_equal(r.absent_minutes, 0);
    r = day(office(), WC_HOLIDAY, NULL, 0, NULL, 0);
    assert_int_equal(r.absent_minutes + r.overtime_minutes, 0);
}

static void one_punch_is_a_missing_punch_in_or_out(void **state)
{
    (void)state;
    int in[] = { HM(9, 20) }, out[] = { HM(17, 0) };
    ad_result_t r = day(office(), WC_WORKDAY, in, 1, NULL, 0);
    assert_int_equal(r.missing_punch, 1);
    assert_int_equal(r.attended_minutes, 480);
    assert_int_equal(r.late_minutes, 20);
    assert_int_equal(r.early_minutes, 0);
    assert_int_equal(r.worked_minutes, 0);
    r = day(office(), WC_WORKDAY, out, 1, NULL, 0);
    assert_int_equal(r.missing_punch, 1);
    assert_int_equal(r.late_minutes, 0);
    assert_int_equal(r.early_minutes, 60);
}

static void several_punches_take_the_first_and_the_last(void **state)
{
    (void)state;
    int p[] = { HM(8, 50), HM(12, 1), HM(12, 58), HM(15, 0), HM(20, 40) };
    ad_result_t r = day(office(), WC_WORKDAY, p, 5, NULL, 0);
    assert_int_equal(r.late_minutes + r.early_minutes + r.missing_punch, 0);
    assert_int_equal(r.worked_minutes, 480);
    assert_int_equal(r.overtime_minutes, 150); /* 2 h 40 after 18:00, in half hours */
}

static void a_punch_after_midnight_ends_the_day_before(void **state)
{
    (void)state;
    ad_shift_t s = office();
    int from, to;
    ad_window(&s, &from, &to);
    assert_int_equal(from, HM(3, 0));
    assert_int_equal(to, 1440 + HM(3, 0));
    int p[] = { HM(9, 0), 1440 + HM(0, 45) }; /* out at 00:45 the next day */
    ad_result_t r = day(s, WC_WORKDAY, p, 2, NULL, 0);
    assert_int_equal(r.overtime_minutes, 390); /* 18:00 to 00:45: 6 h 45 → 6 h 30 */
    assert_int_equal(r.early_minutes, 0);
}

static void an_overnight_shift_spans_midnight(void **state)
{
    (void)state;
    ad_shift_t s = night();
    assert_int_equal(s.end, 1440 + HM(6, 0));
    assert_int_equal(s.break_start, 1440 + HM(2, 0));
    int from, to;
    ad_window(&s, &from, &to);
    assert_int_equal(from, HM(16, 0));
    int p[] = { HM(21, 58), 1440 + HM(6, 5) };
    ad_result_t r = day(s, WC_WORKDAY, p, 2, NULL, 0);
    assert_int_equal(r.late_minutes + r.early_minutes, 0);
    assert_int_equal(r.worked_minutes, 480 - 30);
    int late[] = { HM(22, 31), 1440 + HM(5, 0) };
    r = day(s, WC_WORKDAY, late, 2, NULL, 0);
    assert_int_equal(r.late_minutes, 31);
    assert_int_equal(r.early_minutes, 60);
}

static void a_holiday_worked_is_holiday_overtime_the_break_out(void **state)
{
    (void)state;
    int p[] = { HM(9, 0), HM(17, 10) };
    ad_result_t r = day(office(), WC_HOLIDAY, p, 2, NULL, 0);
    assert_int_equal(r.scheduled, 0);
    assert_int_equal(r.kind, WC_HOLIDAY);
    assert_int_equal(r.overtime_minutes, 420); /* 8 h 10 less lunch → 7 h */
    assert_int_equal(r.worked_minutes + r.late_minutes + r.absent_minutes, 0);
    r = day(office(), WC_REST, p, 2, NULL, 0);
    assert_int_equal(r.kind, WC_REST);
    assert_int_equal(r.overtime_minutes, 420);
    r = day(office(), WC_REST, p, 1, NULL, 0); /* one punch on a rest day: no time */
    assert_int_equal(r.overtime_minutes, 0);
}

static void an_adjusted_working_saturday_is_an_ordinary_workday(void **state)
{
    (void)state;
    wc_special_t sat = { wc_day(2026, 2, 14), WC_WORKDAY };
    wc_calendar_t cal = { &sat, 1 };
    wc_kind_t k = wc_kind(&cal, sat.day);
    ad_result_t r = day(office(), k, NULL, 0, NULL, 0);
    assert_int_equal(r.absent_minutes, 480);
    int p[] = { HM(9, 0), HM(18, 0) };
    r = day(office(), k, p, 2, NULL, 0);
    assert_int_equal(r.attended_minutes, 480);
    assert_int_equal(r.overtime_minutes, 0);
}

static void a_whole_day_of_leave_excuses_the_day(void **state)
{
    (void)state;
    ad_leave_t l = { AD_WHOLE, 0, 1, 0 };
    ad_result_t r = day(office(), WC_WORKDAY, NULL, 0, &l, 1);
    assert_int_equal(r.absent_minutes + r.attended_minutes, 0);
    assert_int_equal(r.paid_leave_minutes, 480);
    l.paid = 0;
    r = day(office(), WC_WORKDAY, NULL, 0, &l, 1);
    assert_int_equal(r.unpaid_leave_minutes, 480);
    r = day(office(), WC_REST, NULL, 0, &l, 1); /* leave counts on workdays only */
    assert_int_equal(r.unpaid_leave_minutes, 0);
}

/* Sick leave is paid or unpaid leave as its type says, and counted apart
 * too, on workdays only and never beyond the day. */
static void sick_leave_counts_apart_within_the_day(void **state)
{
    (void)state;
    ad_leave_t sick = { AD_WHOLE, 0, 1, 1 }, hours = { AD_HOURS, 120, 0, 1 };
    ad_result_t r = day(office(), WC_WORKDAY, NULL, 0, &sick, 1);
    assert_int_equal(r.paid_leave_minutes, 480);
    assert_int_equal(r.sick_leave_minutes, 480);
    assert_int_equal(r.absent_minutes, 0);
    r = day(office(), WC_REST, NULL, 0, &sick, 1);
    assert_int_equal(r.sick_leave_minutes, 0);
    int p[] = { HM(11, 0), HM(18, 0) };
    r = day(office(), WC_WORKDAY, p, 2, &hours, 1);
    assert_int_equal(r.unpaid_leave_minutes, 120);
    assert_int_equal(r.sick_leave_minutes, 120);
    ad_leave_t annual = { AD_AM, 0, 1, 0 }, both[] = { annual, sick };
    r = day(office(), WC_WORKDAY, NULL, 0, both, 2); /* a morning off, then sick all day */
    assert_int_equal(r.paid_leave_minutes, 480);
    assert_int_equal(r.sick_leave_minutes, 240);
}

static void a_morning_off_moves_the_start_to_after_lunch(void **state)
{
    (void)state;
    ad_leave_t am = { AD_AM, 0, 1, 0 }, pm = { AD_PM, 0, 0, 0 };
    int p[] = { HM(12, 58), HM(18, 0) };
    ad_result_t r = day(office(), WC_WORKDAY, p, 2, &am, 1);
    assert_int_equal(r.late_minutes, 0);
    assert_int_equal(r.attended_minutes, 240);
    assert_int_equal(r.paid_leave_minutes, 240);
    assert_int_equal(r.worked_minutes, 300); /* 13:00 to 18:00 */
    r = day(office(), WC_WORKDAY, NULL, 0, &am, 1); /* and not there after lunch */
    assert_int_equal(r.absent_minutes, 240);
    int q[] = { HM(9, 0), HM(12, 0) };
    r = day(office(), WC_WORKDAY, q, 2, &pm, 1);
    assert_int_equal(r.early_minutes, 0);
    assert_int_equal(r.unpaid_leave_minutes, 240);
    ad_leave_t both[] = { am, pm };
    r = day(office(), WC_WORKDAY, NULL, 0, both, 2);
    assert_int_equal(r.absent_minutes, 0);
    assert_int_equal(r.paid_leave_minutes + r.unpaid_leave_minutes, 480);
}

static void hours_of_leave_excuse_lateness_then_early_leave(void **state)
{
    (void)state;
    ad_leave_t h = { AD_HOURS, 120, 1, 0 };
    int p[] = { HM(10, 30), HM(17, 30) }; /* 90 late, 30 early: 2 h excuse both */
    ad_result_t r = day(office(), WC_WORKDAY, p, 2, &h, 1);
    assert_int_equal(r.late_minutes, 0);
    assert_int_equal(r.early_minutes, 0);
    assert_int_equal(r.attended_minutes, 360);
    h.minutes = 60;
    r = day(office(), WC_WORKDAY, p, 2, &h, 1);
    assert_int_equal(r.late_minutes, 30);
    assert_int_equal(r.early_minutes, 30);
}

static void shifts_are_checked_field_by_field(void **state)
{
    (void)state;
    ad_shift_t s;
    const char *why = NULL;
    assert_string_equal(ad_shift_check(HM(18, 0), HM(9, 0), 0, 0, 0, 0, 0, &s, &why), "end");
    assert_non_null(strstr(why, "crosses midnight"));
    assert_string_equal(ad_shift_check(HM(9, 0), HM(18, 0), 1, 0, 0, 0, 0, &s, &why),
                        "crosses_midnight");
    assert_string_equal(ad_shift_check(HM(9, 0), 1440, 0, 0, 0, 0, 0, &s, &why), "end");
    assert_string_equal(ad_shift_check(-1, HM(9, 0), 0, 0, 0, 0, 0, &s, &why), "start");
    assert_string_equal(ad_shift_check(HM(9, 0), HM(18, 0), 0, 300, 0, 0, 0, &s, &why),
                        "late_grace_minutes");
    assert_string_equal(ad_shift_check(HM(9, 0), HM(18, 0), 0, 0, 0, HM(8, 0), 60, &s, &why),
                        "break_start");
    assert_string_equal(ad_shift_check(HM(9, 0), HM(18, 0), 0, 0, 0, HM(17, 30), 60, &s, &why),
                        "break_start");
    assert_null(ad_shift_check(HM(9, 0), HM(9, 0), 1, 0, 0, 0, 0, &s, &why)); /* 24 hours */
    assert_int_equal(s.end, 1440 + HM(9, 0));
}

static void quantities_and_times_read_and_write_as_the_api_does(void **state)
{
    (void)state;
    char out[24];
    ad_format_days(2400, out);
    assert_string_equal(out, "5");
    ad_format_days(240, out);
    assert_string_equal(out, "0.5");
    ad_format_days(60, out);
    assert_string_equal(out, "0.125");
    ad_format_days(0, out);
    assert_string_equal(out, "0");
    ad_format_hours(450, out);
    assert_string_equal(out, "7.5");
    ad_format_hours(20, out);
    assert_string_equal(out, "0.33");
    int64_t m = -1;
    assert_int_equal(ad_parse_days("5", &m), 0);
    assert_int_equal(m, 2400);
    assert_int_equal(ad_parse_days("0.125", &m), 0);
    assert_int_equal(m, 60);
    assert_int_equal(ad_parse_days("1.50", &m), 0);
    assert_int_equal(m, 720);
    static const char *const bad_days[] = { "", "-1", "1.", ".5", "0.001", "1e3", "367",
                                            "1.2345", "a", "1,5" };
    for (size_t i = 0; i < sizeof bad_days / sizeof bad_days[0]; i++)
        assert_int_equal(ad_parse_days(bad_days[i], &m), -1);
    assert_int_equal(ad_parse_clock("09:30"), 570);
    assert_int_equal(ad_parse_clock("24:00"), -1);
    assert_int_equal(ad_parse_clock("9:30"), -1);
    char c[6];
    ad_format_clock(1440 + 360, c);
    assert_string_equal(c, "06:00");
    assert_true(ad_time_valid("2026-01-05T08:57:00+08:00"));
    assert_true(ad_time_valid("2026-01-05T00:57:00Z"));
    assert_true(ad_time_valid("2026-01-05T00:57:00.250-05:30"));
    static const char *const no_zone[] = { "2026-01-05T08:57:00", "2026-01-05 08:57:00+08:00",
                                           "2026-02-30T08:57:00Z", "2026-01-05T24:00:00Z",
                                           "2026-01-05T08:57:00+0800", "2026-01-05", "",
                                           "2026-01-05T08:57:00+15:00" };
    for (size_t i = 0; i < sizeof no_zone / sizeof no_zone[0]; i++)
        assert_false(ad_time_valid(no_zone[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_ordinary_day_on_time),
        cmocka_unit_test(late_beyond_the_grace_counts_from_the_start),
        cmocka_unit_test(no_punch_on_a_workday_is_absent_and_on_a_rest_day_nothing),
        cmocka_unit_test(one_punch_is_a_missing_punch_in_or_out),
        cmocka_unit_test(several_punches_take_the_first_and_the_last),
        cmocka_unit_test(a_punch_after_midnight_ends_the_day_before),
        cmocka_unit_test(an_overnight_shift_spans_midnight),
        cmocka_unit_test(a_holiday_worked_is_holiday_overtime_the_break_out),
        cmocka_unit_test(an_adjusted_working_saturday_is_an_ordinary_workday),
        cmocka_unit_test(a_whole_day_of_leave_excuses_the_day),
        cmocka_unit_test(sick_leave_counts_apart_within_the_day),
        cmocka_unit_test(a_morning_off_moves_the_start_to_after_lunch),
        cmocka_unit_test(hours_of_leave_excuse_lateness_then_early_leave),
        cmocka_unit_test(shifts_are_checked_field_by_field),
        cmocka_unit_test(quantities_and_times_read_and_write_as_the_api_does),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
