/* services/scoring/resume.c - facts from a resume's text: years of experience, education
 *
 * Byte-level scanning of UTF-8: the markers are ASCII digits and a short list
 * of words, so no segmentation is needed. Year ranges are merged before they
 * are summed, so a resume listing two overlapping jobs is not credited twice.
 * Numbers are read only up to len (uploaded text has no terminating NUL), and
 * an English degree word must be a whole word ("mastered" is no degree).
 */
#include "resume.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_RANGES 32
#define MAX_YEARS 50.0
#define ITEM_REACH 200

typedef struct {
    const char *word;
    sc_education_t level;
} edu_word_t;

/* Longest first where one contains another. */
static const edu_word_t edu_words[] = {
    { "博士", SC_EDU_PHD },        { "phd", SC_EDU_PHD },          { "ph.d", SC_EDU_PHD },
    { "doctorate", SC_EDU_PHD },   { "硕士", SC_EDU_MASTER },      { "研究生", SC_EDU_MASTER },
    { "master", SC_EDU_MASTER },   { "mba", SC_EDU_MASTER },       { "本科", SC_EDU_BACHELOR },
    { "学士", SC_EDU_BACHELOR },   { "bachelor", SC_EDU_BACHELOR }, { "b.sc", SC_EDU_BACHELOR },
    { "大专", SC_EDU_ASSOCIATE },  { "专科", SC_EDU_ASSOCIATE },   { "associate", SC_EDU_ASSOCIATE },
};

static const char *const present_words[] = { "至今", "现在", "今", "present", "now", "current" };
static const char *const dash_words[] = { "-", "~", "至", "到", "–", "—", "to" };

sc_education_t sc_education_parse(const char *s)
{
    if (!s || !*s)
        return SC_EDU_NONE;
    for (size_t i = 0; i < sizeof(edu_words) / sizeof(edu_words[0]); i++)
        if (strcasecmp(s, edu_words[i].word) == 0)
            return edu_words[i].level;
    return SC_EDU_NONE;
}

const char *sc_education_name(sc_education_t e)
{
    static const char *const names[] = { "", "associate", "bachelor", "master", "phd" };
    return (int)e >= 0 && e <= SC_EDU_PHD ? names[e] : "";
}

/* Case-insensitive ASCII, exact bytes otherwise. */
static int starts(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - p) >= n && strncasecmp(p, word, n) == 0;
}

static const char *skip_spaces(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* The value of the digits at p (at most 9), not reading past end; *after is
 * the first byte that is not a digit. */
static long digits_at(const char *p, const char *end, const char **after)
{
    long v = 0;
    int n = 0;
    for (; p < end && isdigit((unsigned char)*p); p++)
        if (n++ < 9)
            v = v * 10 + (*p - '0');
    *after = p;
    return v;
}

/* A year 1950..2100 at p (four digits not inside a longer number), with an
 * optional month skipped: ".03", "/3", "-03" (one or two digits, so
 * "2016-2019" stays a range) or "年3月". Returns the year or 0. */
static int year_at(const char *text, const char *p, const char *end, const char **after)
{
    const char *q;
    if (p > text && isdigit((unsigned char)p[-1]))
        return 0;
    long y = digits_at(p, end, &q);
    if (q - p != 4 || y < 1950 || y > 2100)
        return 0;
    const char *m;
    if (q < end && (*q == '.' || *q == '/' || *q == '-') && q + 1 < end
        && isdigit((unsigned char)q[1])) {
        long month = digits_at(q + 1, end, &m);
        if (m - q <= 3 && month >= 1 && month <= 12)
            q = m;
    } else if (starts(q, end, "年")) {
        q += strlen("年");
        digits_at(q, end, &m);
        if (m > q && starts(m, end, "月"))
            q = m + strlen("月");
    }
    *after = q;
    return (int)y;
}

typedef struct {
    int from, to;
    sc_span_t span;
} range_t;

static int by_from(const void *a, const void *b)
{
    const range_t *x = a, *y = b;
    return x->from != y->from ? x->from - y->from : x->to - y->to;
}

/* Sum the merged year ranges. */
static double merged_years(range_t *r, size_t n)
{
    qsort(r, n, sizeof(*r), by_from);
    double total = 0;
    int cur_from = 0, cur_to = 0, open = 0;
    for (size_t i = 0; i < n; i++) {
        if (open && r[i].from <= cur_to) {
            if (r[i].to > cur_to)
                cur_to = r[i].to;
            continue;
        }
        if (open)
            total += cur_to - cur_from;
        cur_from = r[i].from, cur_to = r[i].to, open = 1;
    }
    if (open)
        total += cur_to - cur_from;
    return total;
}

/* A stated figure next to a marker: "5年", "5+ years", "2.5 yrs" (Chinese
 * numerals: chinese_years). *after is past the marker, or past the number when
 * there is none. */
static double stated_years(const char *p, const char *end, const char **after)
{
    const char *q;
    double v = (double)digits_at(p, end, &q);
    if (q + 1 < end && *q == '.' && isdigit((unsigned char)q[1])) {
        const char *f = q + 1;
        double scale = 1;
        while (f < end && isdigit((unsigned char)*f)) {
            scale /= 10;
            v += scale * (*f++ - '0');
        }
        q = f;
    }
    *after = q;
    if (v <= 0 || v > MAX_YEARS)
        return 0;
    if (q < end && *q == '+')
        q++;
    q = skip_spaces(q, end);
    static const char *const markers[] = { "年", "years", "year", "yrs" };
    for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
        if (starts(q, end, markers[i])) {
            *after = q + strlen(markers[i]);
            return v;
        }
    return 0;
}

/* A Chinese numeral at p, 0-9 (零 〇 一 二 两 … 九) or 10 (十), with *after
 * past it; -1 when none begins there. */
static int cn_digit(const char *p, const char *end, const char **after)
{
    static const char *const digits[] = { "零", "一", "二", "三", "四", "五", "六", "七",
                                          "八", "九", "十", "两", "〇" };
    static const int values[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2, 0 };
    for (size_t i = 0; i < sizeof(digits) / sizeof(digits[0]); i++)
        if (starts(p, end, digits[i])) {
            *after = p + strlen(digits[i]);
            return values[i];
        }
    return -1;
}

/* A stated figure in Chinese numerals: "五年", "两年", "十二年", "二十年",
 * "十多年" (10), "三年半" (3.5), the number's first character at p. Up to 99
 * written as Chinese counts are (十, 二十五); runs of digits without 十 past
 * one character are dates or codes ("二〇二〇年"), not years. *after is past
 * what was read. */
static double chinese_years(const char *text, const char *p, const char *end,
                            const char **after)
{
    const char *q = p, *skip;
    int v[4], n = 0, tens_at = -1;
    *after = p;
    /* the run must begin here, not inside a longer number (十二年 from 二);
     * every numeral is three bytes, and no three bytes ending a character
     * read as one unless they are that character (UTF-8) */
    if (p - text >= 3 && cn_digit(p - 3, p, &skip) >= 0)
        return 0;
    for (int d; n < 4 && (d = cn_digit(q, end, &q)) >= 0; n++) {
        if (d == 10 && tens_at >= 0)
            return *after = q, 0;
        if (d == 10)
            tens_at = n;
        v[n] = d;
    }
    *after = q;
    if (n == 0 || n == 4)
        return 0;
    double years;
    if (tens_at < 0) {
        if (n > 1)
            return 0;
        years = v[0];
    } else {
        int tens = tens_at == 0 ? 1 : tens_at == 1 && v[0] < 10 ? v[0] : -1;
        int units = tens_at == n - 1 ? 0 : tens_at == n - 2 && v[n - 1] < 10 ? v[n - 1] : -1;
        if (tens < 1 || units < 0)
            return 0;
        years = tens * 10 + units;
    }
    if (starts(q, end, "多"))
        q += strlen("多");
    if (years <= 0 || years > MAX_YEARS || !starts(q, end, "年"))
        return 0;
    q += strlen("年");
    if (starts(q, end, "半")) {
        q += strlen("半");
        years += 0.5;
    }
    *after = q;
    return years;
}

/* An ASCII word must stand alone ("master", not "mastered"; a plural s is
 * allowed); Chinese words have no word boundaries to check. */
static int word_at(const char *text, const char *p, const char *end, const char *word)
{
    if (!starts(p, end, word))
        return 0;
    if (!isalpha((unsigned char)word[0]))
        return 1;
    const char *q = p + strlen(word);
    if (q < end && (*q == 's' || *q == 'S'))
        q++;
    return (p == text || !isalnum((unsigned char)p[-1])) && (q == end || !isalnum((unsigned char)*q));
}

/* Does the resume item around [from, to) name a degree? An item is a line,
 * or a part of one between ；, ;, | or a sentence end (。), looked at up to ITEM_REACH bytes to
 * each side. Such a range is a time of study ("2012-2016 北京大学 本科"),
 * not of work. */
static int item_names_degree(const char *text, const char *from, const char *to, const char *end)
{
    static const char *const seps[] = { "\n", "；", ";", "|", "。" };
    const char *a = from - (from - text > ITEM_REACH ? ITEM_REACH : from - text);
    const char *b = to + (end - to > ITEM_REACH ? ITEM_REACH : end - to);
    for (const char *p = a; p < b; p++)
        for (size_t i = 0; i < sizeof(seps) / sizeof(seps[0]); i++)
            if (starts(p, b, seps[i])) {
                if (p < from)
                    a = p + strlen(seps[i]);
                else if (p >= to && p < b)
                    b = p;
            }
    for (const char *p = a; p < b; p++)
        for (size_t i = 0; i < sizeof(edu_words) / sizeof(edu_words[0]); i++)
            if (word_at(text, p, b, edu_words[i].word))
                return 1;
    return 0;
}

void sc_resume_facts(const char *text, size_t len, int now_year, sc_resume_facts_t *out)
{
    memset(out, 0, sizeof(*out));
    const char *end = text + len;
    range_t ranges[MAX_RANGES];
    size_t n = 0;
    double stated = 0;
    sc_span_t stated_span = { 0, 0 };
    for (const char *p = text; p < end; p++) {
        const char *after = p;
        int from = isdigit((unsigned char)*p) ? year_at(text, p, end, &after) : 0;
        if (from) {
            const char *q = skip_spaces(after, end);
            int to = 0;
            for (size_t d = 0; d < sizeof(dash_words) / sizeof(dash_words[0]) && !to; d++) {
                if (!starts(q, end, dash_words[d]))
                    continue;
                const char *r = skip_spaces(q + strlen(dash_words[d]), end), *a2 = r;
                to = year_at(text, r, end, &a2);
                for (size_t w = 0; !to && w < sizeof(present_words) / sizeof(present_words[0]); w++)
                    if (starts(r, end, present_words[w])) {
                        to = now_year;
                        a2 = r + strlen(present_words[w]);
                    }
                if (to)
                    after = a2;
            }
            if (to >= from && to - from <= MAX_YEARS) {
                if (n < MAX_RANGES && !item_names_degree(text, p, after, end))
                    ranges[n++] = (range_t){ from, to,
                                             { (size_t)(p - text), (size_t)(after - text) } };
                p = after - 1;
                continue;
            }
        }
        int digits = isdigit((unsigned char)*p) && (p == text || !isdigit((unsigned char)p[-1]));
        double v = digits ? stated_years(p, end, &after)
                   : (unsigned char)*p >= 0xE3 ? chinese_years(text, p, end, &after) /* CJK */
                                               : 0;
        if (after > p) { /* a number was read: go on past it */
            if (v > stated) {
                stated = v;
                stated_span = (sc_span_t){ (size_t)(p - text), (size_t)(after - text) };
            }
            p = after - 1; /* not again from inside the number: 2.5年 is not 5年 */
            continue;
        }
        for (size_t i = 0; i < sizeof(edu_words) / sizeof(edu_words[0]); i++)
            if (edu_words[i].level > out->education && word_at(text, p, end, edu_words[i].word)) {
                out->education = edu_words[i].level;
                out->education_span =
                    (sc_span_t){ (size_t)(p - text), (size_t)(p - text) + strlen(edu_words[i].word) };
            }
    }
    if (n) {
        out->years_span = ranges[0].span; /* the first in the text; merging sorts */
        out->years = merged_years(ranges, n);
    }
    if (out->years == 0 && stated > 0) {
        out->years = stated;
        out->years_span = stated_span;
    }
    if (out->years > MAX_YEARS)
        out->years = MAX_YEARS;
}
