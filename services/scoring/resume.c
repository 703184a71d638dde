/* services/scoring/resume.c - facts from a resume's text: years of experience, education
 *
 * Byte-level scanning of UTF-8: the markers are ASCII digits and a short list
 * of words, so no segmentation is needed. Year ranges are merged before they
 * are summed, so a resume listing two overlapping jobs is not credited twice.
 */
#include "resume.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_RANGES 32
#define MAX_YEARS 50.0

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

/* A year 1950..2100 at p (four digits not inside a longer number), with an
 * optional month ".03" / "年3月" skipped. Returns the year or 0. */
static int year_at(const char *text, const char *p, const char *end, const char **after)
{
    if (end - p < 4 || (p > text && isdigit((unsigned char)p[-1])))
        return 0;
    for (int i = 0; i < 4; i++)
        if (!isdigit((unsigned char)p[i]))
            return 0;
    if (end - p > 4 && isdigit((unsigned char)p[4]))
        return 0;
    int y = atoi(p);
    if (y < 1950 || y > 2100)
        return 0;
    const char *q = p + 4;
    if (q < end && (*q == '.' || *q == '/' || *q == '-') && q + 1 < end &&
        isdigit((unsigned char)q[1]) && (q + 2 >= end || !isdigit((unsigned char)q[3]) ||
                                         q[2] == '.')) {
        q += 2;
        while (q < end && isdigit((unsigned char)*q))
            q++;
    } else if (starts(q, end, "年")) {
        q += strlen("年");
        while (q < end && isdigit((unsigned char)*q))
            q++;
        if (starts(q, end, "月"))
            q += strlen("月");
    }
    *after = q;
    return y;
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

/* "5年", "5+ years", "五年"? (digits only): a stated figure next to a marker. */
static double stated_years(const char *p, const char *end, const char **after)
{
    char *num_end;
    double v = strtod(p, &num_end);
    const char *q = num_end;
    if (q == p || v <= 0 || v > MAX_YEARS)
        return 0;
    if (q < end && *q == '+')
        q++;
    q = skip_spaces(q, end);
    if (starts(q, end, "年") || starts(q, end, "years") || starts(q, end, "year") ||
        starts(q, end, "yrs")) {
        *after = q;
        return v;
    }
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
            if (to >= from && to - from <= MAX_YEARS && n < MAX_RANGES) {
                ranges[n++] = (range_t){ from, to,
                                         { (size_t)(p - text), (size_t)(after - text) } };
                p = after - 1;
                continue;
            }
        }
        if (isdigit((unsigned char)*p) && (p == text || !isdigit((unsigned char)p[-1]))) {
            double v = stated_years(p, end, &after);
            if (v > stated) {
                stated = v;
                stated_span = (sc_span_t){ (size_t)(p - text), (size_t)(after - text) };
            }
        }
        for (size_t i = 0; i < sizeof(edu_words) / sizeof(edu_words[0]); i++)
            if (edu_words[i].level > out->education && starts(p, end, edu_words[i].word)) {
                out->education = edu_words[i].level;
                out->education_span =
                    (sc_span_t){ (size_t)(p - text), (size_t)(p - text) + strlen(edu_words[i].word) };
            }
    }
    if (n) {
        out->years = merged_years(ranges, n);
        out->years_span = ranges[0].span;
    }
    if (out->years == 0 && stated > 0) {
        out->years = stated;
        out->years_span = stated_span;
    }
    if (out->years > MAX_YEARS)
        out->years = MAX_YEARS;
}
