/* services/scoring/tests/test-resume.c - years of experience and education from resume text
 *
 * Resumes as candidates write them, in Chinese and English. "至今"/"present"
 * is the year NOW (fixed, so the tests do not age). Spans are checked by the
 * text they point at. Every resume is passed as an exact-size copy without a
 * terminating NUL, as the service hands over uploaded bytes, so a read past
 * the end shows under ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../resume.h"

#define NOW 2025

static const char *text;

/* The facts of s, read from an unterminated copy. */
static sc_resume_facts_t facts(const char *s)
{
    size_t n = strlen(s);
    char *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, s, n);
    sc_resume_facts_t f;
    sc_resume_facts(copy, n, NOW, &f);
    free(copy);
    text = s;
    return f;
}

/* The bytes a span of the last resume points at. */
static const char *at(sc_span_t sp)
{
    static char buf[256];
    assert_true(sp.start <= sp.end && sp.end - sp.start < sizeof buf);
    memcpy(buf, text + sp.start, sp.end - sp.start);
    buf[sp.end - sp.start] = '\0';
    return buf;
}

static void test_year_range(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("工作经历\n2016-2019  华为技术有限公司  软件工程师\n");
    assert_float_equal(f.years, 3, 1e-9);
    assert_string_equal(at(f.years_span), "2016-2019");
}

static void test_range_to_now_with_month(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("2019.03-至今 字节跳动 高级数据分析师");
    assert_float_equal(f.years, NOW - 2019, 1e-9);
    assert_string_equal(at(f.years_span), "2019.03-至今");
}

static void test_range_with_chinese_months(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("2020年3月 - 2022年6月  美团  产品经理，负责到店业务");
    assert_float_equal(f.years, 2, 1e-9);
    assert_string_equal(at(f.years_span), "2020年3月 - 2022年6月");
}

/* The month name is not read; the en dash and "Present" are. */
static void test_english_range_to_present(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("Senior Analyst, Globex Corp.\nJan 2018 – Present\n");
    assert_float_equal(f.years, NOW - 2018, 1e-9);
    assert_string_equal(at(f.years_span), "2018 – Present");
}

/* A part-time job beside a full-time one counts once; the span is the
 * first range in the text, not the earliest. */
static void test_overlapping_jobs_counted_once(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("2018-2022 阿里巴巴 运营专家\n"
                                "2016-2020 腾讯 运营经理\n"
                                "2019-2021 独立咨询（兼职）\n");
    assert_float_equal(f.years, 6, 1e-9);
    assert_string_equal(at(f.years_span), "2018-2022");
}

static void test_gap_between_jobs_not_counted(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("2012 - 2014 Acme, Analyst\n2017 - 2020 Initech, Lead");
    assert_float_equal(f.years, 2 + 3, 1e-9);
}

/* Study is not work: a range on a line that names a degree is left out. */
static void test_study_periods_not_experience(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("教育背景\n2012-2016 武汉大学 计算机科学 本科\n"
                                "2016-2019 清华大学 硕士\n"
                                "工作经历\n2019.03-至今 字节跳动 数据分析师");
    assert_float_equal(f.years, NOW - 2019, 1e-9);
    assert_string_equal(at(f.years_span), "2019.03-至今");
    assert_int_equal(f.education, SC_EDU_MASTER);
    f = facts("2010 - 2014 B.Sc. Economics, LSE; 2014 - 2019 Analyst, Barclays");
    assert_float_equal(f.years, 5, 1e-9);
}

/* A degree in a later sentence of the same line does not make a job study. */
static void test_degree_in_another_sentence_keeps_the_job(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("2016-2019 某电商公司 产品助理；2019.03-至今 某互联网公司 "
                                "高级产品经理。负责用户增长。本科，计算机科学。");
    assert_float_equal(f.years, 3 + (NOW - 2019), 1e-9);
    assert_int_equal(f.education, SC_EDU_BACHELOR);
}

static void test_stated_years_zh(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("个人优势：5年以上工作经验，熟悉用户增长与数据分析");
    assert_float_equal(f.years, 5, 1e-9);
    assert_string_equal(at(f.years_span), "5年");
}

/* Chinese resumes write small counts in Chinese numerals as often as in
 * digits: 五年 read nothing, and the experience part was lost. */
static void test_stated_years_in_chinese_numerals(void **state)
{
    (void)state;
    static const struct {
        const char *text, *span;
        double years;
    } cases[] = {
        { "五年产品经验，负责用户增长。", "五年", 5 },
        { "两年产品助理，参与数据分析。", "两年", 2 },
        { "十年以上互联网运营经验", "十年", 10 },
        { "拥有十二年软件开发经验", "十二年", 12 },
        { "二十年制造业管理经验", "二十年", 20 },
        { "二十五年教龄", "二十五年", 25 },
        { "十多年项目管理经验", "十多年", 10 },
        { "三年半的海外销售经历", "三年半", 3.5 },
        { "做过一年客服，五年产品", "五年", 5 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sc_resume_facts_t f = facts(cases[i].text);
        assert_float_equal(f.years, cases[i].years, 1e-9);
        assert_string_equal(at(f.years_span), cases[i].span);
    }
}

/* Numerals that are not a count of years: a year written out, a number
 * without 年, a count past fifty, a run of numerals read from its middle. */
static void test_chinese_numerals_that_are_not_years(void **state)
{
    (void)state;
    assert_float_equal(facts("二〇二〇年毕业于浙江大学").years, 0, 1e-9);
    assert_float_equal(facts("零一二年入职").years, 0, 1e-9);
    assert_float_equal(facts("带领五人团队，完成三个项目").years, 0, 1e-9);
    assert_float_equal(facts("六十年传统工艺").years, 0, 1e-9);
    assert_float_equal(facts("十十年").years, 0, 1e-9);
    assert_float_equal(facts("今年、去年和明年").years, 0, 1e-9);
    /* a ranged job still wins over a stated figure, as with digits */
    sc_resume_facts_t f = facts("十年工作经验\n2021-2024 小红书 社区运营");
    assert_float_equal(f.years, 3, 1e-9);
    /* the degree after a numeral is still read */
    f = facts("三年经验，本科");
    assert_float_equal(f.years, 3, 1e-9);
    assert_int_equal(f.education, SC_EDU_BACHELOR);
    /* the last bytes are a numeral: nothing read past the end */
    assert_float_equal(facts("经验五").years, 0, 1e-9);
    assert_float_equal(facts("经验五年").years, 5, 1e-9);
}

static void test_stated_years_en(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("Summary: 7+ years of experience in B2B sales, 3 years managing a team.");
    assert_float_equal(f.years, 7, 1e-9);
    assert_string_equal(at(f.years_span), "7+ years");
}

/* The fraction was read again from its own digits: 2.5年 gave 5 years. */
static void test_stated_fraction_not_reread(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("2.5年互联网运营经验");
    assert_float_equal(f.years, 2.5, 1e-9);
    assert_string_equal(at(f.years_span), "2.5年");
}

/* Listed ranges are what the resume shows; a stated figure only fills in. */
static void test_ranges_win_over_stated(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("10年工作经验\n2021-2024 小红书 社区运营");
    assert_float_equal(f.years, 3, 1e-9);
}

static void test_phone_salary_class_year_not_years(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("李娜 | 电话 138 0013 8000 | 2021届本科毕业生 | 期望月薪20000 | 邮编100080");
    assert_float_equal(f.years, 0, 1e-9);
    assert_int_equal(f.years_span.start, 0);
    assert_int_equal(f.years_span.end, 0);
}

static void test_single_year_and_bad_range_not_years(void **state)
{
    (void)state;
    /* a graduation year, a reversed range, a range of 60 years, a date */
    sc_resume_facts_t f = facts("2015年毕业；2020-2018；1950-2010；2023-05-01入职");
    assert_float_equal(f.years, 0, 1e-9);
}

/* The last bytes are digits: the year and number readers stopped at the NUL
 * that uploaded text does not have (atoi, strtod). */
static void test_digits_at_the_end(void **state)
{
    (void)state;
    assert_float_equal(facts("联系方式：13800138000").years, 0, 1e-9);
    assert_float_equal(facts("入职时间 2019.03").years, 0, 1e-9);
    assert_float_equal(facts("2019").years, 0, 1e-9);
    assert_float_equal(facts("2016-2019").years, 3, 1e-9);
}

static void test_capped_at_fifty(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("1960-2000 顾问\n2000-2025 顾问");
    assert_float_equal(f.years, 50, 1e-9);
}

static void test_nothing_says(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("");
    assert_float_equal(f.years, 0, 1e-9);
    assert_int_equal(f.education, SC_EDU_NONE);
    f = facts("热爱生活，性格开朗，善于沟通。");
    assert_float_equal(f.years, 0, 1e-9);
    assert_int_equal(f.education, SC_EDU_NONE);
}

static void test_highest_degree_wins_zh(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("教育背景\n2012-2016 武汉大学 计算机 本科\n"
                                "2016-2019 清华大学 硕士\n2019-2023 中科院 博士\n2009 大专");
    assert_int_equal(f.education, SC_EDU_PHD);
    assert_string_equal(at(f.education_span), "博士");
    assert_int_equal(f.education_span.start, strstr(text, "博士") - text);
}

static void test_highest_degree_wins_en(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("EDUCATION\nMBA, INSEAD, 2015\nBachelor of Science, UCLA, 2010");
    assert_int_equal(f.education, SC_EDU_MASTER);
    assert_string_equal(at(f.education_span), "MBA");
    f = facts("B.Sc. Physics (2008); PhD, ETH Zurich (2013)");
    assert_int_equal(f.education, SC_EDU_PHD);
    assert_string_equal(at(f.education_span), "PhD");
}

static void test_associate_degree(void **state)
{
    (void)state;
    sc_resume_facts_t f = facts("2014-2017 深圳职业技术学院 大专 市场营销");
    assert_int_equal(f.education, SC_EDU_ASSOCIATE);
    assert_string_equal(at(f.education_span), "大专");
}

/* English degree words stand alone: "mastered" is not a master's degree. */
static void test_degree_word_inside_another_word(void **state)
{
    (void)state;
    assert_int_equal(facts("Mastered SQL and Tableau; built dashboards").education, SC_EDU_NONE);
    assert_int_equal(facts("Organised the MBAs' case competition").education, SC_EDU_MASTER);
    assert_int_equal(facts("Masters in Finance, LSE").education, SC_EDU_MASTER);
}

static void test_education_parse(void **state)
{
    (void)state;
    assert_int_equal(sc_education_parse("本科"), SC_EDU_BACHELOR);
    assert_int_equal(sc_education_parse("Bachelor"), SC_EDU_BACHELOR);
    assert_int_equal(sc_education_parse("硕士"), SC_EDU_MASTER);
    assert_int_equal(sc_education_parse("MBA"), SC_EDU_MASTER);
    assert_int_equal(sc_education_parse("博士"), SC_EDU_PHD);
    assert_int_equal(sc_education_parse("PhD"), SC_EDU_PHD);
    assert_int_equal(sc_education_parse("大专"), SC_EDU_ASSOCIATE);
    assert_int_equal(sc_education_parse("高中"), SC_EDU_NONE);
    assert_int_equal(sc_education_parse("bachelors degree"), SC_EDU_NONE);
    assert_int_equal(sc_education_parse(""), SC_EDU_NONE);
    assert_int_equal(sc_education_parse(NULL), SC_EDU_NONE);
}

static void test_education_name(void **state)
{
    (void)state;
    assert_string_equal(sc_education_name(SC_EDU_NONE), "");
    assert_string_equal(sc_education_name(SC_EDU_ASSOCIATE), "associate");
    assert_string_equal(sc_education_name(SC_EDU_BACHELOR), "bachelor");
    assert_string_equal(sc_education_name(SC_EDU_MASTER), "master");
    assert_string_equal(sc_education_name(SC_EDU_PHD), "phd");
    assert_string_equal(sc_education_name((sc_education_t)9), "");
    /* a name reads back as its level */
    for (int e = SC_EDU_ASSOCIATE; e <= SC_EDU_PHD; e++)
        assert_int_equal(sc_education_parse(sc_education_name((sc_education_t)e)), e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_year_range),
        cmocka_unit_test(test_stated_years_in_chinese_numerals),
        cmocka_unit_test(test_chinese_numerals_that_are_not_years),
        cmocka_unit_test(test_range_to_now_with_month),
        cmocka_unit_test(test_range_with_chinese_months),
        cmocka_unit_test(test_english_range_to_present),
        cmocka_unit_test(test_overlapping_jobs_counted_once),
        cmocka_unit_test(test_gap_between_jobs_not_counted),
        cmocka_unit_test(test_study_periods_not_experience),
        cmocka_unit_test(test_degree_in_another_sentence_keeps_the_job),
        cmocka_unit_test(test_stated_years_zh),
        cmocka_unit_test(test_stated_years_en),
        cmocka_unit_test(test_stated_fraction_not_reread),
        cmocka_unit_test(test_ranges_win_over_stated),
        cmocka_unit_test(test_phone_salary_class_year_not_years),
        cmocka_unit_test(test_single_year_and_bad_range_not_years),
        cmocka_unit_test(test_digits_at_the_end),
        cmocka_unit_test(test_capped_at_fifty),
        cmocka_unit_test(test_nothing_says),
        cmocka_unit_test(test_highest_degree_wins_zh),
        cmocka_unit_test(test_highest_degree_wins_en),
        cmocka_unit_test(test_associate_degree),
        cmocka_unit_test(test_degree_word_inside_another_word),
        cmocka_unit_test(test_education_parse),
        cmocka_unit_test(test_education_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
