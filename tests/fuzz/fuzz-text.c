/* tests/fuzz/fuzz-text.c - fuzz target of the scoring text path (services/scoring/answer.c, resume.c)
 *
 * Every input is an answer; when it holds a NUL byte, the bytes before the
 * first NUL are the question and the rest is the answer. The answer is scored
 * twice against a small fixed model (Chinese and English keywords, synonyms,
 * negative cues, a core value), and the whole input is read as a resume.
 * The promises checked:
 *   - every span lies in [0, len], start <= end, on UTF-8 boundaries;
 *   - every score is the sum of its contributions (to 1e-9), within 0..100
 *     and rounded to its integer; an empty answer has no score at all;
 *   - evidence items and flags have spans in the answer, counts that match
 *     the items and sizes in range; a set flag caps the answer score, which
 *     names the fit's version; a competency the answer is about scores no
 *     more than the answer;
 *   - only the documented reasons fail: invalid UTF-8 (at the first bad
 *     byte, as hf_utf8_invalid_at finds it; common/tests/test-encoding.c
 *     checks that one on its own) and length over the limit;
 *     out of memory does not happen at these sizes and counts as a failure;
 *   - the same input gives the same result;
 *   - resume facts: years finite in 0..50, the education span reads as the
 *     level found.
 * A broken promise is an abort(), so libFuzzer (run.sh text, clang) and the
 * corpus replay (the unit suite) both report it.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf/encoding.h"
#include "../../services/scoring/answer.h"
#include "../../services/scoring/resume.h"

int fuzz_text_input(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW_YEAR 2025

static const char *const syn_data[] = { "data analysis", "数据驱动", "analyzed the data" };
static const char *const syn_team[] = { "cross-team", "跨部门", "collaboration" };
static const char *const syn_lead[] = { "led the team", "带领团队" };
static const sc_keyword_t kw_data[] = {
    { "数据分析", syn_data, 3, 1.0 },
    { "留存", (const char *const[]){ "retention" }, 1, 0.5 },
};
static const sc_keyword_t kw_team[] = { { "跨团队协作", syn_team, 3, 1.0 } };
static const sc_keyword_t kw_lead[] = { { "领导力", syn_lead, 2, 2.0 } };
static const char *const neg_team[] = { "甩锅", "blamed", "推卸责任" };
static const sc_competency_t comps[] = {
    { "数据分析", 2.0, kw_data, 2, NULL, 0 },
    { "跨团队协作", 1.0, kw_team, 1, neg_team, 3 },
    { "领导力", 0.0, kw_lead, 1, (const char *const[]){ "not my job" }, 1 },
};
static const sc_model_t model = { "fuzz-1", comps, 3, (const char *const[]){ "客户第一" }, 1 };

static sc_analyzer_t *az;
static sc_scorer_t *scorer;

static void fail(const char *what, size_t value)
{
    fprintf(stderr, "fuzz-text: %s (%zu)\n", what, value);
    abort();
}

static void check_span(const uint8_t *text, size_t len, sc_span_t sp, const char *what)
{
    if (sp.start > sp.end || sp.end > len)
        fail(what, sp.end);
    if ((sp.start < len && (text[sp.start] & 0xC0) == 0x80)
        || (sp.end < len && (text[sp.end] & 0xC0) == 0x80))
        fail(what, sp.start);
}

static void check_score(const uint8_t *text, size_t len, const sc_score_t *s)
{
    double sum = 0;
    for (size_t i = 0; i < s->n_contribs; i++) {
        if (!isfinite(s->contribs[i].points) || !s->contribs[i].rule || !s->contribs[i].why)
            fail("contribution without finite points, rule or reason", i);
        check_span(text, len, s->contribs[i].span, "contribution span");
        sum += s->contribs[i].points;
    }
    if (fabs(sum - s->value) > 1e-9)
        fail("contributions do not sum to the score", s->n_contribs);
    if (!(s->value >= 0 && s->value <= 100) || s->score != (int)lround(s->value))
        fail("score outside 0..100 or not its rounded value", (size_t)s->score);
}

static void check_unscored(const sc_score_t *s)
{
    if (s->score != -1 || s->n_contribs != 0)
        fail("empty answer has a score", s->n_contribs);
}

static void check_answer(const uint8_t *text, size_t len, const sc_answer_t *a)
{
    if (a->n_competencies != model.n)
        fail("competency count differs from the model", a->n_competencies);
    if (a->empty) {
        if (!a->missing)
            fail("empty answer without a reason", 0);
        check_unscored(&a->content);
        check_unscored(&a->structure);
        check_unscored(&a->delivery);
        check_unscored(&a->composite);
        check_unscored(&a->answer);
        for (size_t c = 0; c < a->n_competencies; c++) {
            check_unscored(&a->competencies[c].s);
            check_unscored(&a->competencies[c].topic);
        }
        return;
    }
    const sc_ev_t *ev = &a->evidence;
    size_t kinds[SC_EV_KINDS] = { 0 };
    for (size_t i = 0; i < ev->n_items; i++) {
        const sc_ev_item_t *it = &ev->items[i];
        if ((unsigned)it->kind >= SC_EV_KINDS || it->sentence >= a->n_sentences
            || !(it->size >= 0 && it->size <= SC_EV_SIZE_MAX + 1e-9))
            fail("evidence item out of its kinds, sentences or sizes", i);
        check_span(text, len, it->span, "evidence span");
        check_span(text, len, it->clause, "evidence clause span");
        check_span(text, len, it->size_span, "evidence size span");
        kinds[it->kind]++;
    }
    for (int k = 0; k < SC_EV_KINDS; k++)
        if (kinds[k] != ev->count[k])
            fail("evidence counts differ from the items", (size_t)k);
    for (int f = 0; f < SC_EVF_N; f++) {
        check_span(text, len, ev->flag[f].span, "flag span");
        if (ev->flag[f].set && !ev->flag[f].reason)
            fail("flag without a reason", (size_t)f);
        /* a set flag caps the answer score at its cap */
        if (a->cap[f] > 0 && (!ev->flag[f].set || a->answer.value > a->cap[f] + 1e-9))
            fail("answer above the cap of a set flag", (size_t)f);
        if (a->capped[f] && a->cap[f] <= 0)
            fail("capped by a flag without a cap", (size_t)f);
    }
    if (!a->scorer_version || strncmp(a->scorer_version, "ord1-", 5) != 0)
        fail("answer score without the fit's version", 0);
    for (size_t i = 0; i < a->n_sentences; i++) {
        check_span(text, len, a->sentences[i].span, "sentence span");
        for (int f = 0; f < SC_F_N; f++)
            check_span(text, len, a->sentences[i].cue[f].span, "cue span");
    }
    for (size_t i = 0; i < a->n_hits; i++) {
        const sc_hit_t *h = &a->hits[i];
        check_span(text, len, h->span, "keyword span");
        check_span(text, len, h->negation, "negation span");
        if (h->competency >= model.n || h->keyword >= model.competencies[h->competency].n_keywords
            || h->sentence >= a->n_sentences || h->span.start == h->span.end)
            fail("keyword hit out of the model or the sentences", i);
        for (size_t j = 0; j < i; j++)
            if (h->counted && a->hits[j].counted && a->hits[j].competency == h->competency
                && a->hits[j].keyword == h->keyword)
                fail("a keyword counted twice", i);
    }
    for (size_t i = 0; i < a->n_values; i++)
        check_span(text, len, a->values[i].span, "value span");
    for (int p = 0; p < SC_STAR_N; p++) {
        check_span(text, len, a->star[p].sentence_span, "STAR sentence span");
        check_span(text, len, a->star[p].cue, "STAR cue span");
    }
    for (size_t i = 0; i < a->n_quantities; i++)
        check_span(text, len, a->quantities[i].span, "quantity span");
    for (size_t i = 0; i < a->n_fillers; i++)
        check_span(text, len, a->fillers[i], "filler span");
    for (size_t c = 0; c < a->n_competencies; c++) {
        check_score(text, len, &a->competencies[c].s);
        check_score(text, len, &a->competencies[c].topic);
        /* a competency the answer is about has the answer's score, less cues */
        if ((a->competencies[c].probed || a->competencies[c].account)
            && a->competencies[c].s.value > a->answer.value + 1e-9)
            fail("a competency above the answer it is scored from", c);
    }
    check_score(text, len, &a->composite);
    check_score(text, len, &a->content);
    check_score(text, len, &a->structure);
    check_score(text, len, &a->delivery);
    check_score(text, len, &a->answer);
}

static int same_span(sc_span_t x, sc_span_t y)
{
    return x.start == y.start && x.end == y.end;
}

static int same_score(const sc_score_t *x, const sc_score_t *y)
{
    if (x->value != y->value || x->score != y->score || x->n_contribs != y->n_contribs)
        return 0;
    for (size_t i = 0; i < x->n_contribs; i++)
        if (x->contribs[i].points != y->contribs[i].points
            || strcmp(x->contribs[i].rule, y->contribs[i].rule) != 0
            || strcmp(x->contribs[i].why, y->contribs[i].why) != 0
            || !same_span(x->contribs[i].span, y->contribs[i].span))
            return 0;
    return 1;
}

static void check_same(const sc_answer_t *x, const sc_answer_t *y)
{
    if (x->empty != y->empty || x->n_hits != y->n_hits || x->n_sentences != y->n_sentences
        || x->n_terms != y->n_terms || x->n_fillers != y->n_fillers)
        fail("second analysis found different things", x->n_hits);
    for (size_t i = 0; i < x->n_hits; i++)
        if (!same_span(x->hits[i].span, y->hits[i].span) || x->hits[i].factor != y->hits[i].factor)
            fail("second analysis found different keywords", i);
    for (size_t i = 0; i < x->n_terms; i++)
        if (strcmp(x->terms[i].term, y->terms[i].term) != 0 || x->terms[i].count != y->terms[i].count)
            fail("second analysis built a different keyword cloud", i);
    for (size_t c = 0; c < x->n_competencies; c++)
        if (!same_score(&x->competencies[c].s, &y->competencies[c].s)
            || !same_score(&x->competencies[c].topic, &y->competencies[c].topic))
            fail("second analysis scored a competency differently", c);
    if (x->evidence.n_items != y->evidence.n_items || !same_score(&x->composite, &y->composite))
        fail("second analysis found different evidence", x->evidence.n_items);
    if (!same_score(&x->content, &y->content) || !same_score(&x->structure, &y->structure)
        || !same_score(&x->delivery, &y->delivery) || !same_score(&x->answer, &y->answer))
        fail("second analysis scored the answer differently", 0);
}

/* Only the documented failures, each for its reason. */
static void check_failure(const uint8_t *text, size_t len, const char *err)
{
    size_t bad = hf_utf8_invalid_at((const char *)text, len);
    char want[64];
    if (len > SC_TEXT_MAX_BYTES)
        snprintf(want, sizeof want, "text is too long: %zu bytes (limit %u)", len,
                 SC_TEXT_MAX_BYTES);
    else if (bad < len)
        snprintf(want, sizeof want, "invalid UTF-8 at byte %zu", bad);
    else
        fail("valid answer under the limit failed", len);
    if (strcmp(err, want) != 0) {
        fprintf(stderr, "fuzz-text: error \"%s\", expected \"%s\"\n", err, want);
        abort();
    }
}

static void check_resume(const uint8_t *text, size_t len)
{
    sc_resume_facts_t f, again;
    sc_resume_facts((const char *)text, len, NOW_YEAR, &f);
    sc_resume_facts((const char *)text, len, NOW_YEAR, &again);
    if (memcmp(&f, &again, sizeof f) != 0)
        fail("resume facts differ on the same text", len);
    if (!isfinite(f.years) || f.years < 0 || f.years > 50)
        fail("years of experience outside 0..50", (size_t)f.years);
    if (f.education < SC_EDU_NONE || f.education > SC_EDU_PHD)
        fail("education level out of range", (size_t)f.education);
    int valid = hf_utf8_invalid_at((const char *)text, len) == len;
    if (valid) {
        check_span(text, len, f.years_span, "years span");
        check_span(text, len, f.education_span, "education span");
    } else if (f.years_span.start > f.years_span.end || f.years_span.end > len
               || f.education_span.start > f.education_span.end || f.education_span.end > len) {
        fail("resume span outside the text", len);
    }
    if (f.years > 0 && f.years_span.start == f.years_span.end)
        fail("years without the text they came from", f.years_span.start);
    char word[16];
    size_t n = f.education_span.end - f.education_span.start;
    if (n >= sizeof word)
        fail("education span longer than any degree word", n);
    memcpy(word, text + f.education_span.start, n);
    word[n] = '\0';
    if (sc_education_parse(word) != f.education)
        fail("education span does not name the level found", n);
}

static void setup_once(void)
{
    char err[160];
    if (scorer)
        return;
    az = sc_analyzer_new(err, sizeof err);
    scorer = az ? sc_scorer_new(az, &model, err, sizeof err) : NULL;
    if (!scorer) {
        fprintf(stderr, "fuzz-text: %s\n", err);
        abort();
    }
}

int fuzz_text_input(const uint8_t *data, size_t size)
{
    setup_once();
    const uint8_t *nul = memchr(data, 0, size);
    char *question = NULL;
    const uint8_t *answer = data;
    size_t len = size;
    if (nul) {
        question = strndup((const char *)data, (size_t)(nul - data));
        if (!question)
            abort();
        answer = nul + 1;
        len = size - (size_t)(nul - data) - 1;
    }
    sc_answer_t *a = NULL, *b = NULL;
    char err[160] = "", err2[160] = "";
    int rc = sc_answer_analyze(az, scorer, question, (const char *)answer, len, &a, err, sizeof err);
    int rc2 = sc_answer_analyze(az, scorer, question, (const char *)answer, len, &b, err2,
                                sizeof err2);
    if (rc != rc2 || (rc != 0 && strcmp(err, err2) != 0))
        fail("second analysis succeeded or failed differently", (size_t)(rc - rc2));
    if (rc != 0) {
        if (a || b)
            fail("failed analysis returned a result", 0);
        check_failure(answer, len, err);
    } else {
        if (!a || !b)
            fail("successful analysis returned no result", 0);
        if (hf_utf8_invalid_at((const char *)answer, len) < len || len > SC_TEXT_MAX_BYTES)
            fail("invalid or too long answer accepted", len);
        check_answer(answer, len, a);
        check_same(a, b);
    }
    sc_answer_free(&a);
    sc_answer_free(&b);
    free(question);
    check_resume(data, size);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_text_input(data, size);
}
