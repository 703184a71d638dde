/* services/payroll/tests/test-overtime.c - overtime pay: rates from 21.75 days and 174 hours, multiples, rounding */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../overtime.h"

#define Y(yuan) ((pr_fen_t)(yuan) * 100)

/* 10 000 a month: 459.77 a day (459.770…), 57.47 an hour (57.471…). */
static void rates_come_from_21_75_days_and_174_hours(void **state)
{
    (void)state;
    assert_int_equal(pr_overtime_daily_rate(Y(10000)), 45977);
    assert_int_equal(pr_overtime_hourly_rate(Y(10000)), 5747);
    assert_int_equal(pr_overtime_daily_rate(Y(21750)), Y(1000));
    assert_int_equal(pr_overtime_hourly_rate(Y(17400)), Y(100));
    assert_int_equal(pr_overtime_hourly_rate(0), 0);
    /* half a fen rounds away from zero: 87 fen ÷ 174 = 0.5 fen → 1 */
    assert_int_equal(pr_overtime_hourly_rate(87), 1);
    assert_int_equal(pr_overtime_hourly_rate(86), 0);
}

/* 150 %, 200 %, 300 % of the hourly rate shown on the payslip. */
static void each_kind_pays_its_multiple(void **state)
{
    (void)state;
    assert_int_equal(pr_overtime_multiple(PR_OVERTIME_WORKDAY), 1500000);
    assert_int_equal(pr_overtime_multiple(PR_OVERTIME_REST_DAY), 2000000);
    assert_int_equal(pr_overtime_multiple(PR_OVERTIME_HOLIDAY), 3000000);
    /* 17 400 a month: 100 an hour */
    assert_int_equal(pr_overtime_pay(Y(17400), PR_OVERTIME_WORKDAY, 10 * 60), Y(1500));
    assert_int_equal(pr_overtime_pay(Y(17400), PR_OVERTIME_REST_DAY, 8 * 60), Y(1600));
    assert_int_equal(pr_overtime_pay(Y(17400), PR_OVERTIME_HOLIDAY, 8 * 60), Y(2400));
    /* a holiday's 8 hours are 3 days' pay at the daily rate when both are exact */
    assert_int_equal(pr_overtime_pay(Y(17400), PR_OVERTIME_HOLIDAY, 8 * 60),
                     3 * pr_overtime_daily_rate(Y(17400)));
    assert_int_equal(pr_overtime_pay(Y(17400), PR_OVERTIME_WORKDAY, 0), 0);
}

/* The payslip's line is reproducible by hand: 10 000 a month, 57.47 an
 * hour; 90 minutes on a workday: 57.47 × 1.5 × 1.5 = 129.3075 → 129.31;
 * 10 hours: 862.05 (the exact 10 000 ÷ 174 × 15 would give 862.07). */
static void pay_rounds_once_on_the_shown_hourly_rate(void **state)
{
    (void)state;
    assert_int_equal(pr_overtime_pay(Y(10000), PR_OVERTIME_WORKDAY, 90), 12931);
    assert_int_equal(pr_overtime_pay(Y(10000), PR_OVERTIME_WORKDAY, 600), 86205);
    /* 7 minutes at 200 %: 57.47 × 7 ÷ 60 × 2 = 13.4096… → 13.41 */
    assert_int_equal(pr_overtime_pay(Y(10000), PR_OVERTIME_REST_DAY, 7), 1341);
    /* 1 minute at 300 % of 1.00 an hour: 0.05 exactly */
    assert_int_equal(pr_overtime_pay(Y(174), PR_OVERTIME_HOLIDAY, 1), 5);
    /* of 0.01 an hour: 0.05 fen → 0 */
    assert_int_equal(pr_overtime_pay(174, PR_OVERTIME_HOLIDAY, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rates_come_from_21_75_days_and_174_hours),
        cmocka_unit_test(each_kind_pays_its_multiple),
        cmocka_unit_test(pay_rounds_once_on_the_shown_hourly_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
