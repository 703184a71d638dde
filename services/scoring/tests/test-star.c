/* services/scoring/tests/test-star.c - STAR parts, negation, fillers, concreteness */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unicode/ustring.h>
#include "../star.h"

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

typedef struct {
    sc_text_t *t;
    sc_evidence_t ev;
    const char *s;
} run_t;

static run_t run(const char *s)
{
    run_t r = { sc_text_new(az, s, strlen(s), NULL, 0), { 0 }, s };
    assert_non_null(r.t);
    assert_int_equal(sc_evidence_build(az, r.t, NULL, 0, &r.ev), 0);
    return r;
}

static void done(run_t *r)
{
    sc_evidence_free(&r->ev);
    sc_evidence_free(&r->ev); /* twice is harmless */
    sc_text_destroy(&r->t);
}

static void expect_cue(const run_t *r, sc_star_part_t p, const char *cue)
{
    const sc_star_evidence_t *e = &r->ev.star[p];
    print_message("# %s: %s\n", sc_star_part_name(p), cue ? cue : "(absent)");
    if (!cue) {
        assert_false(e->present);
        return;
    }
    assert_true(e->present);
    assert_int_equal(e->cue.end - e->cue.start, strlen(cue));
    assert_memory_equal(r->s + e->cue.start, cue, strlen(cue));
    assert_true(e->sentence_span.start <= e->cue.start && e->cue.end <= e->sentence_span.end);
}

static void test_star_chinese_pm_case(void **state)
{
    (void)state;
    run_t r = run("当时我在一家社交App负责新用户的次月留存，目标是从30%提到40%。"
                  "我先分析了注册漏斗，发现第三天流失最严重；然后我设计了新手引导的A/B测试，"
                  "协调研发在两周内上线。最终次月留存率提升了25%。");
    expect_cue(&r, SC_STAR_SITUATION, "当时");
    expect_cue(&r, SC_STAR_TASK, "负责");
    expect_cue(&r, SC_STAR_ACTION, "分析");
    expect_cue(&r, SC_STAR_RESULT, "最终"); /* 30% and 40% are the target, not a result */
    assert_int_equal(r.ev.n_sentences, 3);
    assert_int_equal(r.ev.sentences[1].concreteness, 2); /* 我 + 分析, no outcome there */
    assert_int_equal(r.ev.sentences[2].concreteness, 1); /* 最终…提升: outcome only */
    done(&r);
}

static void test_star_english(void **state)
{
    (void)state;
    run_t r = run("At the time our checkout conversion was falling. My goal was to find out why. "
                  "I analyzed the funnel and ran interviews with 12 customers, then I led a redesign. "
                  "As a result, conversion increased by 18% within 6 weeks.");
    expect_cue(&r, SC_STAR_SITUATION, "At the time");
    expect_cue(&r, SC_STAR_TASK, "My goal");
    expect_cue(&r, SC_STAR_ACTION, "analyzed");
    expect_cue(&r, SC_STAR_RESULT, "As a result");
    assert_int_equal(r.ev.n_sentences, 4);
    done(&r);
}

static void test_claims_have_no_action(void **state)
{
    (void)state;
    run_t r = run("我擅长数据分析、用户导向、跨团队协作、创新思维。");
    expect_cue(&r, SC_STAR_ACTION, NULL);
    expect_cue(&r, SC_STAR_RESULT, NULL);
    assert_true(r.ev.sentences[0].cue[SC_F_VAGUE].found);
    done(&r);
}

static void test_negated_action_and_result(void **state)
{
    (void)state;
    run_t r = run("我没有推动这个项目，留存也没有提升。");
    expect_cue(&r, SC_STAR_ACTION, NULL);
    expect_cue(&r, SC_STAR_RESULT, NULL);
    done(&r);
}

/* Is the first occurrence of word in s negated? */
static bool negated(const char *s, const char *word)
{
    run_t r = run(s);
    const UChar *w = NULL;
    UChar buf[32];
    int32_t n;
    UErrorCode e = U_ZERO_ERROR;
    u_strFromUTF8(buf, 32, &n, word, -1, &e);
    w = buf;
    uint32_t at = 0;
    while (at + (uint32_t)n <= r.t->nlen && memcmp(r.t->norm + at, w, (size_t)n * sizeof(UChar)))
        at++;
    assert_true(at + (uint32_t)n <= r.t->nlen);
    bool neg = sc_evidence_negated(r.t, &r.ev, at, sc_text_token_at(r.t, at), NULL);
    done(&r);
    return neg;
}

static void test_negation_scope(void **state)
{
    (void)state;
    assert_true(negated("我没有做过数据分析", "数据"));
    assert_true(negated("我从未负责过用户调研", "用户"));
    assert_true(negated("I have never done any data analysis", "data"));
    assert_true(negated("I did not personally run the A/B tests", "a/b"));
    assert_false(negated("我不仅做了数据分析，还搭建了看板", "数据"));   /* not only */
    assert_false(negated("我没有放弃，最后用数据分析找到了原因", "数据")); /* another clause */
    assert_false(negated("It was not easy, but I did the data analysis", "data"));
    assert_false(negated("我们团队不断优化数据分析流程", "数据"));       /* 不断 */
}

static void test_fillers(void **state)
{
    (void)state;
    run_t r = run("嗯，那个，我们就是，就是做了一个看板。然后呢，um, like, I like dashboards, you know.");
    /* 嗯, 那个 (before a comma), 就是 x2 (repeated), 然后 (clause-initial), um,
     * like (before a comma) but not "I like", you know (clause-initial? no: after a comma) */
    size_t n = r.ev.n_fillers;
    print_message("# %zu fillers\n", n);
    assert_int_equal(n, 8);
    for (size_t i = 0; i < n; i++)
        assert_true(r.ev.fillers[i].end > r.ev.fillers[i].start);
    done(&r);
    r = run("我们用那个模型做了预测，然后上线了。");
    assert_int_equal(r.ev.n_fillers, 1); /* 然后 clause-initial; 那个 as "that" is no filler */
    done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_star_chinese_pm_case),
        cmocka_unit_test(test_star_english),
        cmocka_unit_test(test_claims_have_no_action),
        cmocka_unit_test(test_negated_action_and_result),
        cmocka_unit_test(test_negation_scope),
        cmocka_unit_test(test_fillers),
    };
    return cmocka_run_group_tests_name("scoring-star", tests, setup, teardown);
}
