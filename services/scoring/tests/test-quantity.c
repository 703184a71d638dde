/* services/scoring/tests/test-quantity.c - numbers with units in zh and en */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include "../quantity.h"

static sc_analyzer_t *az;

static int setup(void **state)
{
    (void)state;
    az = sc_analyzer_new(NULL, 0);
    return az ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sc_analyzer_destroy(&az);
    return 0;
}

/* The one quantity of s: its value, kind and the original text it spans. */
static void expect_one(const char *s, double value, sc_qkind_t kind, const char *unit, const char *text)
{
    sc_text_t *t = sc_text_new(az, s, strlen(s), NULL, 0);
    assert_non_null(t);
    sc_quantity_t q[4];
    size_t n = sc_quantities_find(t, q, 4);
    print_message("# %s\n", s);
    assert_int_equal(n, 1);
    assert_float_equal(q[0].value, value, 1e-9);
    assert_int_equal(q[0].kind, kind);
    assert_string_equal(q[0].unit, unit);
    assert_int_equal(q[0].span.end - q[0].span.start, strlen(text));
    assert_memory_equal(s + q[0].span.start, text, strlen(text));
    sc_text_destroy(&t);
}

static void expect_none(const char *s)
{
    sc_text_t *t = sc_text_new(az, s, strlen(s), NULL, 0);
    print_message("# %s\n", s);
    assert_int_equal(sc_quantities_find(t, NULL, 0), 0);
    sc_text_destroy(&t);
}

static void test_percent(void **state)
{
    (void)state;
    expect_one("次月留存率提升了25%", 25, SC_Q_PERCENT, "%", "25%");
    expect_one("留存提升了２５％", 25, SC_Q_PERCENT, "%", "２５％");
    expect_one("转化率提高了百分之二十五", 25, SC_Q_PERCENT, "%", "百分之二十五");
    expect_one("churn fell by 40 percent", 40, SC_Q_PERCENT, "%", "40 percent");
    expect_one("毛利率提升了3.5个百分点", 3.5, SC_Q_PERCENT, "pp", "3.5个百分点");
}

static void test_multiples(void **state)
{
    (void)state;
    expect_one("日活增长了3倍", 3, SC_Q_TIMES, "x", "3倍");
    expect_one("效率提高了三倍", 3, SC_Q_TIMES, "x", "三倍");
    expect_one("throughput went up 3x after the rewrite", 3, SC_Q_TIMES, "x", "3x");
}

static void test_durations(void **state)
{
    (void)state;
    expect_one("交付周期从60天缩短", 60, SC_Q_DURATION, "day", "60天");
    expect_one("我们在两周内上线", 2, SC_Q_DURATION, "week", "两周");
    expect_one("用了6个月", 6, SC_Q_DURATION, "month", "6个月");
    expect_one("within 30 days", 30, SC_Q_DURATION, "day", "30 days");
}

static void test_money_and_magnitudes(void **state)
{
    (void)state;
    expect_one("为公司节省了1000万", 1e7, SC_Q_COUNT, "count", "1000万");
    expect_one("GMV达到1.2亿元", 1.2e8, SC_Q_MONEY, "CNY", "1.2亿元");
    expect_one("预算只有¥500", 500, SC_Q_MONEY, "CNY", "¥500");
    expect_one("we saved $2 million a year", 2e6, SC_Q_MONEY, "USD", "$2 million");
    expect_one("grew to 50k users", 5e4, SC_Q_COUNT, "count", "50k users");
    expect_one("覆盖了三千万用户", 3e7, SC_Q_COUNT, "count", "三千万用户");
    expect_one("签约了1,200家门店", 1200, SC_Q_COUNT, "count", "1,200家");
}

static void test_not_quantities(void **state)
{
    (void)state;
    expect_none("2019年我加入了这家公司");     /* a calendar year */
    expect_none("3月份项目启动");               /* a month of the year */
    expect_none("第一步是和两个人一起梳理需求"); /* ordinal, narrative count */
    expect_none("我们一直在一起讨论");           /* 一 inside words */
    expect_none("version 2 of the api");        /* a bare number */
}

static void test_several_in_order(void **state)
{
    (void)state;
    const char *s = "两周内上线，留存提升25%，收入增长3倍";
    sc_text_t *t = sc_text_new(az, s, strlen(s), NULL, 0);
    sc_quantity_t q[2];
    assert_int_equal(sc_quantities_find(t, q, 2), 3); /* count beyond cap */
    assert_int_equal(q[0].kind, SC_Q_DURATION);
    assert_int_equal(q[1].kind, SC_Q_PERCENT);
    assert_true(sc_quantity_is_result(&q[1]) && !sc_quantity_is_result(&q[0]));
    sc_text_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percent),
        cmocka_unit_test(test_multiples),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_money_and_magnitudes),
        cmocka_unit_test(test_not_quantities),
        cmocka_unit_test(test_several_in_order),
    };
    return cmocka_run_group_tests_name("scoring-quantity", tests, setup, teardown);
}
