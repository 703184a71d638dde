/* services/scoring/tests/test-text.c - normalisation, segmentation, byte spans, bad input */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../lexicon.h"
#include "../text.h"

static sc_analyzer_t *az;

static int setup(void **state)
{
    (void)state;
    char err[128];
    az = sc_analyzer_new(err, sizeof err);
    return az ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sc_analyzer_destroy(&az);
    sc_analyzer_destroy(&az); /* twice is harmless */
    return 0;
}

static void expect_norm(const char *in, const char *want)
{
    char out[256], err[128];
    assert_true(sc_text_normalize(az, in, out, sizeof out, err, sizeof err) >= 0);
    assert_string_equal(out, want);
}

static void test_fullwidth_and_case(void **state)
{
    (void)state;
    expect_norm("留存率提升了２５％", "留存率提升了25%");
    expect_norm("Data Analysis　ＳＱＬ", "data analysis sql");
}

static void test_traditional_to_simplified(void **state)
{
    (void)state;
    expect_norm("我負責數據分析與團隊協調", "我负责数据分析与团队协调");
}

/* Written Cantonese is read with Mandarin's function words, one character
 * for one; a Mandarin answer keeps its 唔, 係 and 俾. */
static void test_cantonese_function_words(void **state)
{
    (void)state;
    expect_norm("我喺銅鑼灣做咗三年，佢哋冇講", "我在铜锣湾做了三年,他们没讲");
    expect_norm("嗰陣我哋嘅櫃位係我負責，唔係佢", "那阵我们的柜位是我负责,不是他");
    /* 關係 stays a relationship */
    expect_norm("我同客戶嘅關係一向好，佢哋都係朋友", "我同客户的关系一向好,他们都是朋友");
    /* one marking character is no Cantonese; 唔 and 係 alone mark nothing */
    expect_norm("唔，我想想。那次是系統的問題，關係到三個部門", "唔,我想想。那次是系统的问题,关系到三个部门");
    expect_norm("佢的問題", "佢的问题");
    /* spans stay aligned: 做咗 is 做了 over the same bytes */
    const char *s = "我喺公司做咗三年";
    char err[128];
    sc_text_t *t = sc_text_new(az, s, strlen(s), err, sizeof err);
    assert_non_null(t);
    assert_int_equal(t->nlen, 8);
    assert_true(t->norm[5] == 0x4E86); /* 了 */
    sc_span_t sp = sc_text_span(t, 4, 6);
    assert_memory_equal(s + sp.start, "做咗", 6);
    sc_text_destroy(&t);
}

static void test_spaces_between_han_dropped(void **state)
{
    (void)state;
    expect_norm("  数据 分析  and   SQL \n", "数据分析 and sql");
}

static void test_spans_point_into_original(void **state)
{
    (void)state;
    const char *s = "我負責數據分析，提升２５％";
    char err[128];
    sc_text_t *t = sc_text_new(az, s, strlen(s), err, sizeof err);
    assert_non_null(t);
    /* 数据分析 in the normalised text maps back to 數據分析, bytes 9..21 */
    const UChar want[] = u"数据分析";
    uint32_t at = 0;
    while (at + 4 <= t->nlen && memcmp(t->norm + at, want, 8))
        at++;
    sc_span_t sp = sc_text_span(t, at, at + 4);
    assert_int_equal(sp.start, 9);
    assert_int_equal(sp.end, 21);
    assert_memory_equal(s + sp.start, "數據分析", 12);
    /* the full-width ２５％ (9 bytes) is three normalised units */
    sp = sc_text_span(t, t->nlen - 3, t->nlen);
    assert_int_equal(sp.end - sp.start, 9);
    sc_text_destroy(&t);
    assert_null(t);
}

static void test_words_and_sentences(void **state)
{
    (void)state;
    const char *s = "我没有做过数据分析。I built a model. Growth was 2.5x!";
    sc_text_t *t = sc_text_new(az, s, strlen(s), NULL, 0);
    assert_non_null(t);
    assert_int_equal(t->nsents, 3);
    uint32_t ideo = 0;
    for (uint32_t i = 0; i < t->ntoks; i++)
        ideo += t->toks[i].kind == SC_TOK_IDEO;
    assert_true(ideo >= 5); /* 我 没有 做 过 数据 分析: dictionary segmentation */
    assert_int_equal(t->lang, SC_LANG_MIXED);
    sc_text_destroy(&t);
}

static void test_language(void **state)
{
    (void)state;
    const struct { const char *s; sc_lang_t lang; } cases[] = {
        { "我负责用户增长和数据分析，用SQL做了漏斗。", SC_LANG_ZH },
        { "I led the migration of our billing system.", SC_LANG_EN },
        { "我用 Python 和 SQL 做了 cohort analysis and retention study", SC_LANG_MIXED },
        { "12345 !!!", SC_LANG_NONE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sc_text_t *t = sc_text_new(az, cases[i].s, strlen(cases[i].s), NULL, 0);
        assert_non_null(t);
        assert_string_equal(sc_lang_name(t->lang), sc_lang_name(cases[i].lang));
        sc_text_destroy(&t);
    }
}

static void test_invalid_utf8_refused(void **state)
{
    (void)state;
    const char *bad[] = { "abc\xff", "数据\xe6\x95", "\xc0\xaf", "\xed\xa0\x80" };
    const char *at[] = { "invalid UTF-8 at byte 3", "invalid UTF-8 at byte 6",
                         "invalid UTF-8 at byte 0", "invalid UTF-8 at byte 0" };
    for (size_t i = 0; i < 4; i++) {
        char err[128] = "";
        assert_null(sc_text_new(az, bad[i], strlen(bad[i]), err, sizeof err));
        assert_string_equal(err, at[i]);
    }
}

static void test_too_long_refused(void **state)
{
    (void)state;
    size_t n = 5u << 20;
    char *big = malloc(n), err[128];
    memset(big, 'a', n);
    assert_null(sc_text_new(az, big, n, err, sizeof err));
    assert_string_equal(err, "text is too long: 5242880 bytes (limit 65536)");
    free(big);
}

static void test_empty(void **state)
{
    (void)state;
    sc_text_t *t = sc_text_new(az, "", 0, NULL, 0);
    assert_non_null(t);
    assert_int_equal(t->ntoks, 0);
    assert_int_equal(t->lang, SC_LANG_NONE);
    sc_text_destroy(&t);
}

static void collect(void *ud, const sc_match_t *m)
{
    int *tags = ud;
    tags[tags[0]++ + 1] = m->tag;
}

static void test_phrase_boundaries(void **state)
{
    (void)state;
    sc_phrases_t *p = sc_phrases_new();
    assert_int_equal(sc_phrases_add(az, p, "lead", 1, 0, NULL, 0), 0);
    assert_int_equal(sc_phrases_add(az, p, "不", 2, 1, NULL, 0), 0);
    assert_int_equal(sc_phrases_add(az, p, "數據", 3, 0, NULL, 0), 0);
    char err[64];
    assert_int_equal(sc_phrases_add(az, p, "  ", 4, 0, err, sizeof err), -1);
    const char *s = "the leader leads; 我不断学习，不会放弃 数据";
    sc_text_t *t = sc_text_new(az, s, strlen(s), NULL, 0);
    int tags[16] = { 0 };
    sc_phrases_scan(p, t, collect, tags);
    /* "leader" and "leads" (suffixes er, s); 不 of 不会 if ICU keeps it apart, never 不断 */
    assert_int_equal(tags[1], 1);
    assert_int_equal(tags[tags[0]], 3);
    for (int i = 1; i <= tags[0]; i++)
        assert_true(tags[i] != 4);
    sc_text_destroy(&t);
    sc_phrases_destroy(&p);
}

/* The first match of phrase set p in s whose tag is tag, as bytes of s; {0, 0} when none. */
static sc_span_t find_tag(const sc_phrases_t *p, const char *s, int tag)
{
    sc_text_t *t = sc_text_new(az, s, strlen(s), NULL, 0);
    assert_non_null(t);
    sc_matches_t m = { 0 };
    sc_phrases_scan(p, t, sc_matches_collect, &m);
    assert_false(m.oom);
    sc_span_t sp = { 0, 0 };
    for (size_t i = 0; i < m.n; i++)
        if (m.v[i].tag == tag) {
            sp = sc_text_span(t, m.v[i].start, m.v[i].end);
            break;
        }
    free(m.v);
    sc_text_destroy(&t);
    return sp;
}

static bool matches(const sc_phrases_t *p, const char *s, int tag)
{
    sc_span_t sp = find_tag(p, s, tag);
    return sp.end > sp.start;
}

static void expect_span(const sc_phrases_t *p, const char *s, int tag, const char *want)
{
    sc_span_t sp = find_tag(p, s, tag);
    assert_true(sp.end > sp.start);
    char got[128];
    snprintf(got, sizeof got, "%.*s", (int)(sp.end - sp.start), s + sp.start);
    assert_string_equal(got, want);
}

/* A set of stemmed phrases, tagged 1, 2, ... in order; the list ends with NULL. */
static sc_phrases_t *stem_set(const char *const *phrases)
{
    sc_phrases_t *p = sc_phrases_new();
    assert_non_null(p);
    for (int i = 0; phrases[i]; i++)
        assert_int_equal(sc_phrases_add(az, p, phrases[i], i + 1, SC_PH_INNER | SC_PH_STEM, NULL, 0), 0);
    return p;
}

/* English keywords meet their inflections and US/UK spellings on stems. */
static void test_stems_inflections_meet(void **state)
{
    (void)state;
    sc_phrases_t *p = stem_set((const char *[]){ "analysis", "Launch", "organize", "prioritisation",
                                                 NULL });
    const char *analysis[] = { "I analysed the churn data", "we were analyzing churn",
                               "two analyses later", "I analyse logs", "I will analyze it",
                               "the ANALYSIS showed", "analysing funnels" };
    for (size_t i = 0; i < sizeof analysis / sizeof *analysis; i++)
        assert_true(matches(p, analysis[i], 1));
    const struct { const char *s; int tag; } meet[] = {
        { "we launched in May", 2 },
        { "launching the app", 2 },
        { "two launches", 2 },
        { "I organised the offsite", 3 },
        { "the organisation of work", 3 },
        { "organizing people", 3 },
        { "I prioritized the backlog", 4 },
        { "we prioritise ruthlessly", 4 },
    };
    for (size_t i = 0; i < sizeof meet / sizeof *meet; i++)
        assert_true(matches(p, meet[i].s, meet[i].tag));
    sc_phrases_destroy(&p);
}

/* Different words stay apart: an analyst is a person, analytics a field, and a
 * stem never matches inside a longer word or across punctuation. ("leader"
 * still meets "lead" through the older suffix rule, not through stems.) */
static void test_stems_unrelated_words_apart(void **state)
{
    (void)state;
    sc_phrases_t *p = stem_set((const char *[]){ "analysis", "lead", "data analysis", NULL });
    const struct { const char *s; int tag; } apart[] = {
        { "I was an analyst", 1 },
        { "our analytics stack", 1 },
        { "a misleading chart", 2 },
        { "data, analysis", 3 },
        { "data for analysis", 3 },
        { "psychoanalysis", 1 },
    };
    for (size_t i = 0; i < sizeof apart / sizeof *apart; i++)
        assert_false(matches(p, apart[i].s, apart[i].tag));
    /* without SC_PH_STEM a phrase matches as before: no stems */
    sc_phrases_t *q = sc_phrases_new();
    assert_int_equal(sc_phrases_add(az, q, "analysis", 1, SC_PH_INNER, NULL, 0), 0);
    assert_false(matches(q, "I analysed it", 1));
    assert_true(matches(q, "the analysis", 1));
    sc_phrases_destroy(&q);
    sc_phrases_destroy(&p);
}

/* Multi-word phrases match stem by stem; spans point at the original text,
 * case and full-width forms included; the longer stem match is the one kept. */
static void test_stems_phrases_and_spans(void **state)
{
    (void)state;
    sc_phrases_t *p = stem_set((const char *[]){ "data analysis", "user interviews", NULL });
    assert_int_equal(sc_phrases_add(az, p, "data", 1, SC_PH_INNER | SC_PH_STEM, NULL, 0), 0);
    expect_span(p, "Then I did Data  Analyses for Q3.", 1, "Data  Analyses");
    expect_span(p, "我们做了data analysing，效果不错", 1, "data analysing");
    expect_span(p, "I ran １２ User Interviewing sessions", 2, "User Interviewing");
    expect_span(p, "only data here", 1, "data");
    sc_phrases_destroy(&p);
}

/* Chinese keywords match exactly as before; mixed text stems only its English words. */
static void test_stems_chinese_unchanged(void **state)
{
    (void)state;
    sc_phrases_t *p = stem_set((const char *[]){ "数据分析", "A/B测试", NULL });
    expect_span(p, "我负责數據分析和报表", 1, "數據分析");
    assert_false(matches(p, "我负责数据和分析", 1));
    expect_span(p, "做过a/b测试", 2, "a/b测试");
    const char *zh = "我们团队在去年上线了新版本，留存提升了百分之五。";
    sc_text_t *t = sc_text_new(az, zh, strlen(zh), NULL, 0);
    assert_null(t->stems);
    assert_null(t->stem_at);
    sc_text_destroy(&t);
    sc_phrases_destroy(&p);
}

/* The build refuses lexicon entries that are not in normalised form; this checks
 * the same with the answers' own pipeline (ICU's NFKC case folding and table). */
static void test_lexicon_is_normalised(void **state)
{
    (void)state;
    size_t total = 0;
    for (int c = 0; c < SC_LEX_NCLASSES; c++) {
        size_t n;
        const sc_lex_word_t *w = sc_lexicon_words((sc_lex_class_t)c, &n);
        assert_true(n > 0);
        assert_non_null(sc_lexicon_class_name((sc_lex_class_t)c));
        for (size_t i = 0; i < n; i++) {
            char out[256], err[64];
            assert_true(sc_text_normalize(az, w[i].word, out, sizeof out, err, sizeof err) > 0);
            assert_string_equal(out, w[i].word);
        }
        total += n;
    }
    assert_true(total >= 250);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fullwidth_and_case),
        cmocka_unit_test(test_traditional_to_simplified),
        cmocka_unit_test(test_cantonese_function_words),
        cmocka_unit_test(test_spaces_between_han_dropped),
        cmocka_unit_test(test_spans_point_into_original),
        cmocka_unit_test(test_words_and_sentences),
        cmocka_unit_test(test_language),
        cmocka_unit_test(test_invalid_utf8_refused),
        cmocka_unit_test(test_too_long_refused),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_phrase_boundaries),
        cmocka_unit_test(test_lexicon_is_normalised),
        cmocka_unit_test(test_stems_inflections_meet),
        cmocka_unit_test(test_stems_unrelated_words_apart),
        cmocka_unit_test(test_stems_phrases_and_spans),
        cmocka_unit_test(test_stems_chinese_unchanged),
    };
    return cmocka_run_group_tests_name("scoring-text", tests, setup, teardown);
}
