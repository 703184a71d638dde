/* services/scoring/tests/test-report.c - recommendation thresholds and report wording
 *
 * The sentences are compared whole: recruiters and candidates read them, and
 * a changed word should be a deliberate change of this file too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "../report.h"

static const char *q_team = "请描述一次你推动跨团队协作的经历";

/* The sentence written into a roomy buffer, for comparing. */
static char out[300];

static const char *action(sc_locale_t loc, double overall, const char *focus)
{
    sc_suggested_action(out, sizeof out, loc, overall, focus);
    return out;
}

static const char *gap(sc_locale_t loc, const char *competency, double score, int evidenced)
{
    sc_gap_text(out, sizeof out, loc, competency, score, evidenced);
    return out;
}

static const char *star_hint(sc_locale_t loc, sc_star_part_t part, const char *question)
{
    sc_star_hint(out, sizeof out, loc, part, question);
    return out;
}

static void test_recommendation_thresholds(void **state)
{
    (void)state;
    assert_string_equal(sc_recommendation(100), "advance");
    assert_string_equal(sc_recommendation(80), "advance");
    assert_string_equal(sc_recommendation(79.9), "review");
    assert_string_equal(sc_recommendation(60), "review");
    assert_string_equal(sc_recommendation(59.9), "reject");
    assert_string_equal(sc_recommendation(0), "reject");
    /* no number at all: a person decides */
    assert_string_equal(sc_recommendation(NAN), "review");
}

static void test_locale_parse(void **state)
{
    (void)state;
    assert_int_equal(sc_locale_parse("en"), SC_LOCALE_EN);
    assert_int_equal(sc_locale_parse("en-GB"), SC_LOCALE_EN);
    assert_int_equal(sc_locale_parse("EN-us"), SC_LOCALE_EN);
    assert_int_equal(sc_locale_parse("en_US"), SC_LOCALE_EN);
    assert_int_equal(sc_locale_parse("zh-CN"), SC_LOCALE_ZH);
    assert_int_equal(sc_locale_parse("zh-Hant-TW"), SC_LOCALE_ZH);
    assert_int_equal(sc_locale_parse(NULL), SC_LOCALE_ZH);
    assert_int_equal(sc_locale_parse(""), SC_LOCALE_ZH);
    /* not a language tag: the default */
    assert_int_equal(sc_locale_parse("english"), SC_LOCALE_ZH);
    assert_int_equal(sc_locale_parse("e"), SC_LOCALE_ZH);
}

static void test_action_advance(void **state)
{
    (void)state;
    assert_string_equal(action(SC_LOCALE_ZH, 86, "跨团队协作"), "建议进入下一轮面试，重点评估跨团队协作");
    assert_string_equal(action(SC_LOCALE_ZH, 80, NULL), "建议进入下一轮面试");
    assert_string_equal(action(SC_LOCALE_EN, 91.5, "stakeholder management"), "Advance to the next round; probe stakeholder management");
    assert_string_equal(action(SC_LOCALE_EN, 80, NULL), "Advance to the next round");
}

static void test_action_review(void **state)
{
    (void)state;
    assert_string_equal(action(SC_LOCALE_ZH, 79.9, "数据分析"), "建议人工复核，重点关注数据分析");
    assert_string_equal(action(SC_LOCALE_ZH, 60, NULL), "建议人工复核");
    assert_string_equal(action(SC_LOCALE_EN, 72, "data analysis"), "Have a recruiter review it; look at data analysis");
    assert_string_equal(action(SC_LOCALE_EN, 60, NULL), "Have a recruiter review it");
}

/* A rejection names no competency to look at, focus or not. */
static void test_action_reject(void **state)
{
    (void)state;
    assert_string_equal(action(SC_LOCALE_ZH, 59.9, "数据分析"), "暂不建议进入下一轮，建议发送感谢信");
    assert_string_equal(action(SC_LOCALE_EN, 12, NULL), "Do not advance for now; send a thank-you letter");
}

/* Rounded as the score beside it is (lround), not as printf rounds halves. */
static void test_strength_and_gap(void **state)
{
    (void)state;
    sc_strength_text(out, sizeof out, SC_LOCALE_ZH, "数据分析", 84.5);
    assert_string_equal(out, "数据分析（85）：有具体事例支撑");
    sc_strength_text(out, sizeof out, SC_LOCALE_EN, "data analysis", 92.4);
    assert_string_equal(out, "data analysis (92): backed by concrete examples");
    assert_string_equal(gap(SC_LOCALE_ZH, "跨团队协作", 42.5, 1), "跨团队协作（43）：提到了但缺少具体事例或结果");
    assert_string_equal(gap(SC_LOCALE_ZH, "创新思维", 0, 0), "创新思维（0）：回答中没有相关证据");
    assert_string_equal(gap(SC_LOCALE_EN, "ownership", 30, 1), "ownership (30): mentioned without a concrete example or result");
    assert_string_equal(gap(SC_LOCALE_EN, "ownership", 0, 0), "ownership (0): no evidence in the answers");
}

static void test_star_hints_zh(void **state)
{
    (void)state;
    static const char *const want[SC_STAR_N] = {
        "回答「请描述一次你推动跨团队协作的经历」时未交代当时的背景",
        "回答「请描述一次你推动跨团队协作的经历」时未说明你承担的任务或目标",
        "回答「请描述一次你推动跨团队协作的经历」时未明确说明你本人采取的具体行动",
        "回答「请描述一次你推动跨团队协作的经历」时未说明最终结果，可以用数据说明成效",
    };
    for (int p = 0; p < SC_STAR_N; p++) {
        assert_string_equal(star_hint(SC_LOCALE_ZH, (sc_star_part_t)p, q_team), want[p]);
    }
    assert_string_equal(star_hint(SC_LOCALE_ZH, SC_STAR_RESULT, NULL), "未说明最终结果，可以用数据说明成效");
    assert_string_equal(star_hint(SC_LOCALE_ZH, SC_STAR_TASK, ""), "未说明你承担的任务或目标");
}

static void test_star_hints_en(void **state)
{
    (void)state;
    static const char *const want[SC_STAR_N] = {
        "You did not set out the situation",
        "You did not say what your task or goal was",
        "You did not say what you yourself did",
        "You did not say how it ended; give the result, in numbers if you can",
    };
    for (int p = 0; p < SC_STAR_N; p++) {
        assert_string_equal(star_hint(SC_LOCALE_EN, (sc_star_part_t)p, NULL), want[p]);
    }
    assert_string_equal(star_hint(SC_LOCALE_EN, SC_STAR_ACTION, "Tell me about a conflict"),
                        "Answering \"Tell me about a conflict\", you did not say what you yourself did");
}

static void test_star_hint_unknown_part(void **state)
{
    (void)state;
    assert_string_equal(star_hint(SC_LOCALE_ZH, SC_STAR_N, q_team), "");
    char buf[16] = "untouched";
    sc_star_hint(buf, 0, SC_LOCALE_ZH, SC_STAR_N, q_team); /* n = 0: nothing written */
    assert_string_equal(buf, "untouched");
}

/* A long question is quoted to 60 bytes; here byte 60 falls inside 位
 * (after the two letters AB), which is left out rather than cut. */
static void test_star_hint_long_question_cut_whole(void **state)
{
    (void)state;
    const char *q = "请描述一次你做AB测试的经历，当时是如何定位问题、推动研发修复并验证结果的？";
    assert_string_equal(star_hint(SC_LOCALE_ZH, SC_STAR_RESULT, q), "回答「请描述一次你做AB测试的经历，当时是如何定」时"
                             "未说明最终结果，可以用数据说明成效");
}

static void test_competency_and_point_hints(void **state)
{
    (void)state;
    sc_competency_hint(out, sizeof out, SC_LOCALE_ZH, "跨团队协作");
    assert_string_equal(out, "未结合具体事例说明跨团队协作：遇到了什么困难、你如何解决、结果如何");
    sc_competency_hint(out, sizeof out, SC_LOCALE_EN, "ownership");
    assert_string_equal(out, "Give a concrete example of ownership: the difficulty, what you did, the result");
    sc_point_hint(out, sizeof out, SC_LOCALE_ZH, "分析方法");
    assert_string_equal(out, "未提及：分析方法");
    sc_point_hint(out, sizeof out, SC_LOCALE_EN, "how you measured it");
    assert_string_equal(out, "Not mentioned: how you measured it");
}

/* Small buffers: nothing written past n (the canary), always terminated,
 * and a cut never leaves half a character. */
static void test_small_buffers(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 24; n++) {
        char buf[32];
        memset(buf, '#', sizeof buf);
        sc_suggested_action(buf, n, SC_LOCALE_ZH, 85, "跨团队协作");
        assert_true(strlen(buf) < n);
        assert_int_equal(buf[n], '#');
        assert_int_equal(strlen(buf) % 3, 0); /* whole 3-byte characters */
        assert_memory_equal(buf, "建议进入下一轮面试", strlen(buf));
    }
    char buf[8];
    memset(buf, '#', sizeof buf);
    sc_gap_text(buf, 7, SC_LOCALE_EN, "ownership", 10, 0);
    assert_string_equal(buf, "owners");
    assert_int_equal(buf[7], '#');
    sc_star_hint(buf, 5, SC_LOCALE_ZH, SC_STAR_RESULT, q_team);
    assert_string_equal(buf, "回");
    sc_point_hint(buf, 1, SC_LOCALE_EN, "metrics");
    assert_string_equal(buf, "");
    char one = '#';
    sc_competency_hint(&one, 0, SC_LOCALE_ZH, "数据分析"); /* n = 0: nothing written */
    assert_int_equal(one, '#');
}

/* A flagged answer's hint says what it gave and what to tell instead, quoting
 * the question as the STAR hints do; each flag has its own words. */
static void test_flag_hints(void **state)
{
    (void)state;
    char buf[400];
    sc_flag_hint(buf, sizeof buf, SC_LOCALE_ZH, SC_EVF_KEYWORD_LIST, "你如何做数据分析");
    assert_string_equal(buf, "回答「你如何做数据分析」时只列举了相关术语，可以讲一次你亲自做过的具体经历：当时的情况、你做了什么、结果如何");
    sc_flag_hint(buf, sizeof buf, SC_LOCALE_EN, SC_EVF_TEAM_WITHOUT_ME, "Tell me about a launch");
    assert_string_equal(buf, "Answering \"Tell me about a launch\", you told what the team did; say what you yourself did");
    sc_flag_hint(buf, sizeof buf, SC_LOCALE_EN, SC_EVF_NEGATED, NULL);
    assert_string_equal(buf, "You said you had not done it; tell the closest thing you did and how it ended");
    char seen[SC_EVF_N][400];
    for (int f = 0; f < SC_EVF_N; f++) {
        sc_flag_hint(seen[f], sizeof seen[f], SC_LOCALE_ZH, (sc_ev_flag_t)f, NULL);
        assert_true(strlen(seen[f]) > 10);
        for (int g = 0; g < f; g++)
            assert_string_not_equal(seen[f], seen[g]);
    }
    strcpy(buf, "untouched");
    sc_flag_hint(buf, sizeof buf, SC_LOCALE_ZH, SC_EVF_N, "q");
    assert_string_equal(buf, "");
    sc_flag_hint(buf, 4, SC_LOCALE_ZH, SC_EVF_CREDENTIALS, "q"); /* cut at a character */
    assert_string_equal(buf, "回");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recommendation_thresholds),
        cmocka_unit_test(test_locale_parse),
        cmocka_unit_test(test_action_advance),
        cmocka_unit_test(test_action_review),
        cmocka_unit_test(test_action_reject),
        cmocka_unit_test(test_strength_and_gap),
        cmocka_unit_test(test_star_hints_zh),
        cmocka_unit_test(test_star_hints_en),
        cmocka_unit_test(test_star_hint_unknown_part),
        cmocka_unit_test(test_star_hint_long_question_cut_whole),
        cmocka_unit_test(test_competency_and_point_hints),
        cmocka_unit_test(test_flag_hints),
        cmocka_unit_test(test_small_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
