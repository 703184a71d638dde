/* services/scoring/tests/test-evidence.c - ownership, actions, obstacles, outcomes and flags */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../evidence.h"

static sc_analyzer_t *az;
static sc_ev_cues_t *cues;

static int setup(void **state)
{
    (void)state;
    az = sc_analyzer_new(NULL, 0);
    cues = az ? sc_ev_cues_new(az, NULL, 0) : NULL;
    return cues ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sc_ev_cues_destroy(&cues);
    sc_ev_cues_destroy(&cues); /* twice is harmless */
    sc_analyzer_destroy(&az);
    return 0;
}

typedef struct {
    sc_text_t *t;
    sc_evidence_t star;
    sc_ev_t ev;
    const char *s;
} run_t;

/* Analyse s; the competency keywords (may be NULL) give the keyword ranges. */
static run_t run_kw(const char *s, const char *const *kw)
{
    run_t r = { sc_text_new(az, s, strlen(s), NULL, 0), { 0 }, { 0 }, s };
    assert_non_null(r.t);
    uint32_t ranges[64];
    size_t n = 0;
    for (size_t k = 0; kw && kw[k]; k++) { /* every occurrence, by its normalised form */
        char norm[128];
        assert_true(sc_text_normalize(az, kw[k], norm, sizeof norm, NULL, 0) > 0);
        sc_phrases_t *p = sc_phrases_new();
        assert_int_equal(sc_phrases_add(az, p, kw[k], 0, SC_PH_INNER, NULL, 0), 0);
        sc_matches_t m = { 0 };
        sc_phrases_scan(p, r.t, sc_matches_collect, &m);
        for (size_t i = 0; i < m.n && n < 32; i++, n++) {
            ranges[2 * n] = m.v[i].start;
            ranges[2 * n + 1] = m.v[i].end;
        }
        free(m.v);
        sc_phrases_destroy(&p);
    }
    assert_int_equal(sc_evidence_build(az, r.t, ranges, n, &r.star), 0);
    assert_int_equal(sc_ev_analyze(cues, r.t, &r.star, ranges, n, &r.ev), 0);
    return r;
}

static run_t run(const char *s)
{
    return run_kw(s, NULL);
}

static void done(run_t *r)
{
    sc_ev_free(&r->ev);
    sc_ev_free(&r->ev); /* twice is harmless */
    sc_evidence_free(&r->star);
    sc_text_destroy(&r->t);
}

static void print(const run_t *r)
{
    for (size_t i = 0; i < r->ev.n_items; i++) {
        const sc_ev_item_t *it = &r->ev.items[i];
        print_message("  %s \"%.*s\" size %.3f\n", sc_ev_kind_name(it->kind),
                      (int)(it->span.end - it->span.start), r->s + it->span.start, it->size);
    }
    for (int f = 0; f < SC_EVF_N; f++)
        if (r->ev.flag[f].set)
            print_message("  flag %s\n", sc_ev_flag_name((sc_ev_flag_t)f));
}

/* The first item of kind k shows exactly the text cue. */
static void expect_item(const run_t *r, sc_ev_kind_t k, const char *cue)
{
    for (size_t i = 0; i < r->ev.n_items; i++) {
        const sc_ev_item_t *it = &r->ev.items[i];
        if (it->kind != k)
            continue;
        size_t n = it->span.end - it->span.start;
        if (n == strlen(cue) && memcmp(r->s + it->span.start, cue, n) == 0)
            return;
    }
    print(r);
    fail_msg("no %s \"%s\"", sc_ev_kind_name(k), cue);
}

static void expect_flags(const run_t *r, unsigned want)
{
    unsigned got = 0;
    for (int f = 0; f < SC_EVF_N; f++)
        got |= (unsigned)r->ev.flag[f].set << f;
    if (got != want) {
        print(r);
        fail_msg("flags %#x, want %#x", got, want);
    }
    for (int f = 0; f < SC_EVF_N; f++)
        if (r->ev.flag[f].set) {
            assert_non_null(r->ev.flag[f].reason);
            assert_true(r->ev.flag[f].span.end > r->ev.flag[f].span.start);
        }
}

#define F(x) (1u << SC_EVF_##x)

/* ---- strong stories ---- */

static void test_issue_story_en(void **state)
{
    (void)state;
    run_t r = run("Last spring checkout crashes dragged our store rating down to 2.8. I took it on: "
                  "I read 150 reviews, worked with one engineer on the retry logic, and we released "
                  "in five days. The rating climbed back to 4.3.");
    expect_item(&r, SC_EV_SITUATION, "Last spring");
    expect_item(&r, SC_EV_OWNERSHIP, "I took it on");
    expect_item(&r, SC_EV_ACTION, "read");
    expect_item(&r, SC_EV_ACTION, "worked");
    expect_item(&r, SC_EV_TEAM, "released");
    expect_item(&r, SC_EV_OUTCOME, "climbed back");
    assert_true(r.ev.count[SC_EV_ACTION] >= 2);
    const sc_ev_item_t *o = NULL;
    for (size_t i = 0; i < r.ev.n_items && !o; i++)
        if (r.ev.items[i].kind == SC_EV_OUTCOME)
            o = &r.ev.items[i];
    assert_int_equal(o->direction, 1);
    assert_float_equal(o->size, log(4.3 / 2.8), 1e-6); /* from 2.8 to 4.3 */
    assert_memory_equal(r.s + o->size_span.start, "4.3", 3);
    expect_flags(&r, 0);
    done(&r);
}

static void test_story_zh(void **state)
{
    (void)state;
    run_t r = run("去年我们要把两个仓的库存系统合并，我负责盘点这块。我先带三个人把两边的编码对了一遍，"
                  "发现有四百多个重复编码。仓库主管一开始不同意停工盘点，我就把切换排到了周末。"
                  "最后差错率降到了千分之一，比计划早两天上线。");
    expect_item(&r, SC_EV_SITUATION, "去年");
    expect_item(&r, SC_EV_OWNERSHIP, "我负责");
    expect_item(&r, SC_EV_OBSTACLE, "一开始");
    expect_item(&r, SC_EV_OUTCOME, "降到");
    assert_true(r.ev.count[SC_EV_ACTION] >= 2);
    expect_flags(&r, 0);
    done(&r);
}

static void test_story_zh_hant_numerals(void **state)
{
    (void)state;
    run_t r = run("2021年我在一家物流公司負責客服。我把三個月的工單按原因拉了一遍，發現退款慢的投訴最多，"
                  "就去找財務改了審核流程。後來這類投訴少了三成。");
    expect_item(&r, SC_EV_SITUATION, "我在一家");
    expect_item(&r, SC_EV_OWNERSHIP, "負責");
    expect_item(&r, SC_EV_OUTCOME, "少了");
    assert_true(r.ev.count[SC_EV_ACTION] >= 1);
    assert_true(r.ev.outcome_size > 0.3 && r.ev.outcome_size < 0.4); /* -ln(0.7) */
    expect_flags(&r, 0);
    done(&r);
}

static void test_story_words_and_doubling(void **state)
{
    (void)state;
    run_t r = run("At my previous company sign-ups were flat. My job was to fix onboarding. "
                  "I interviewed twelve new users and cut the form to three fields. "
                  "Activations doubled within a quarter and support tickets fell by a third.");
    expect_item(&r, SC_EV_SITUATION, "At my previous");
    expect_item(&r, SC_EV_OWNERSHIP, "My job was");
    expect_item(&r, SC_EV_ACTION, "interviewed");
    expect_item(&r, SC_EV_OUTCOME, "doubled");
    expect_item(&r, SC_EV_OUTCOME, "fell");
    assert_float_equal(r.ev.outcome_size, log(2), 1e-6);
    done(&r);
}

static void test_story_mixed(void **state)
{
    (void)state;
    run_t r = run("在前东家，我负责 checkout 的转化。我拉了 funnel 的数据，发现 payment 这一步掉得最多，"
                  "但是研发说排不进来，我去找了 leader 换资源。两个月后转化率翻了一番。");
    expect_item(&r, SC_EV_SITUATION, "在前东家");
    expect_item(&r, SC_EV_OWNERSHIP, "我负责");
    expect_item(&r, SC_EV_OBSTACLE, "但是");
    expect_item(&r, SC_EV_OUTCOME, "翻了一番");
    assert_float_equal(r.ev.outcome_size, log(2), 1e-6);
    expect_flags(&r, 0);
    done(&r);
}

/* ---- detectors ---- */

static void test_issue_negated(void **state)
{
    (void)state;
    run_t r = run("我没怎么做过跨部门的事，排期、协调资源、对齐需求这些一般都是经理在管。");
    assert_int_equal(r.ev.count[SC_EV_ACTION], 0);
    assert_true(r.ev.flag[SC_EVF_NEGATED].set);
    assert_memory_equal(r.s + r.ev.flag[SC_EVF_NEGATED].span.start, "没怎么做过",
                        strlen("没怎么做过"));
    done(&r);
    r = run("Honestly I haven't really handled escalations, that was my team lead's job.");
    assert_int_equal(r.ev.count[SC_EV_ACTION], 0);
    assert_true(r.ev.flag[SC_EVF_NEGATED].set);
    done(&r);
    r = run("我沒有帶過團隊，排班這些都是主管安排的。");
    assert_true(r.ev.flag[SC_EVF_NEGATED].set);
    done(&r);
}

static void test_keyword_list(void **state)
{
    (void)state;
    const char *const kw[] = { "数据分析", "a/b测试", "漏斗", "留存", NULL };
    run_t r = run_kw("数据分析、A/B测试、漏斗、留存，这些我都很擅长，我做事很注重结果。", kw);
    assert_int_equal(r.ev.count[SC_EV_ACTION], 0);
    assert_true(r.ev.flag[SC_EVF_KEYWORD_LIST].set);
    assert_true(r.ev.flag[SC_EVF_GENERIC_CLAIM].set);
    done(&r);
    r = run("KPIs, root cause, SOPs, Lean, 5S, I know all of it.");
    assert_true(r.ev.flag[SC_EVF_KEYWORD_LIST].set);
    assert_int_equal(r.ev.count[SC_EV_ACTION], 0);
    done(&r);
}

static void test_credentials(void **state)
{
    (void)state;
    run_t r = run("8年销售经验，待过4家公司，连续三年销冠，带过20人团队。");
    assert_true(r.ev.flag[SC_EVF_CREDENTIALS].set);
    assert_int_equal(r.ev.count[SC_EV_ACTION], 0);
    done(&r);
    r = run("I have 10 years of experience, 4 employers, 30 projects and a team of 12.");
    assert_true(r.ev.flag[SC_EVF_CREDENTIALS].set);
    done(&r);
}

static void test_generic_claim(void **state)
{
    (void)state;
    run_t r = run("Communication matters more than anything. I'm a people person.");
    expect_flags(&r, F(GENERIC_CLAIM));
    done(&r);
    r = run("我抗压能力很强，情绪很稳定，客户永远是对的。");
    expect_flags(&r, F(GENERIC_CLAIM));
    done(&r);
}

static void test_hypothetical(void **state)
{
    (void)state;
    run_t r = run("If a customer is angry I would first listen and then apologise.");
    assert_int_equal(r.ev.count[SC_EV_ACTION], 0);
    assert_true(r.ev.flag[SC_EVF_HYPOTHETICAL].set);
    done(&r);
    r = run("如果遇到爆仓，我会先冷静分析，再调配人手，把订单按优先级排好。");
    assert_int_equal(r.ev.count[SC_EV_ACTION], 0);
    assert_true(r.ev.flag[SC_EVF_HYPOTHETICAL].set);
    done(&r);
}

static void test_team_without_me(void **state)
{
    (void)state;
    run_t r = run("我们团队去年把发货时效从48小时压到了24小时，大家一起加了很多班。");
    assert_int_equal(r.ev.count[SC_EV_ACTION], 0);
    assert_true(r.ev.count[SC_EV_TEAM] >= 1);
    assert_true(r.ev.flag[SC_EVF_TEAM_WITHOUT_ME].set);
    done(&r);
    r = run("We rebuilt the pricing page last quarter and our team shipped it in two weeks.");
    assert_true(r.ev.flag[SC_EVF_TEAM_WITHOUT_ME].set);
    done(&r);
}

static void test_borrowed_result(void **state)
{
    (void)state;
    run_t r = run("我实习那年公司GMV翻了一番。");
    assert_int_equal(r.ev.count[SC_EV_OUTCOME], 0);
    assert_int_equal(r.ev.unattributed, 1);
    done(&r);
    r = run("The company grew 30% the year I joined.");
    assert_int_equal(r.ev.count[SC_EV_OUTCOME], 0);
    done(&r);
}

static void test_empty_and_no_story(void **state)
{
    (void)state;
    run_t r = run("");
    assert_int_equal(r.ev.n_items, 0);
    expect_flags(&r, 0);
    done(&r);
    r = run("I like hiking on weekends.");
    assert_int_equal(r.ev.count[SC_EV_ACTION], 0);
    done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_story_en),
        cmocka_unit_test(test_story_zh),
        cmocka_unit_test(test_story_zh_hant_numerals),
        cmocka_unit_test(test_story_words_and_doubling),
        cmocka_unit_test(test_story_mixed),
        cmocka_unit_test(test_issue_negated),
        cmocka_unit_test(test_keyword_list),
        cmocka_unit_test(test_credentials),
        cmocka_unit_test(test_generic_claim),
        cmocka_unit_test(test_hypothetical),
        cmocka_unit_test(test_team_without_me),
        cmocka_unit_test(test_borrowed_result),
        cmocka_unit_test(test_empty_and_no_story),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
