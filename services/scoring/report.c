/* services/scoring/report.c - the decisions and the wording of an interview report
 *
 * Every sentence is a template with the competency or question filled in, so
 * a report is reproducible and a translation is a table edit. Recruiter
 * wording names what to look at next; candidate wording says what was
 * missing and how to do better, never a score or a label.
 */
#include "report.h"
#include "hf/encoding.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The length of s when it is shorter than max bytes, else of its longest
 * prefix within max bytes that is valid UTF-8, so no character is cut. */
static size_t fit_chars(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    return n < max ? n : hf_utf8_invalid_at(s, n);
}

/* snprintf that, when out is too small, cuts at a character boundary, so a
 * shortened sentence is still valid UTF-8. */
static void put(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(out, n, fmt, ap);
    va_end(ap);
    if (w >= 0 && n > 0 && (size_t)w >= n)
        out[fit_chars(out, n - 1)] = '\0';
}

sc_locale_t sc_locale_parse(const char *s)
{
    return s && strncasecmp(s, "en", 2) == 0 && (s[2] == '\0' || s[2] == '-' || s[2] == '_')
        ? SC_LOCALE_EN : SC_LOCALE_ZH;
}

const char *sc_recommendation(double overall)
{
    if (overall >= SC_ADVANCE_AT)
        return "advance";
    return overall < SC_REJECT_BELOW ? "reject" : "review";
}

void sc_suggested_action(char *out, size_t n, sc_locale_t loc, double overall, const char *focus)
{
    const char *rec = sc_recommendation(overall);
    int zh = loc == SC_LOCALE_ZH;
    if (!strcmp(rec, "advance") && focus)
        put(out, n, zh ? "建议进入下一轮面试，重点评估%s" : "Advance to the next round; probe %s", focus);
    else if (!strcmp(rec, "advance"))
        put(out, n, "%s", zh ? "建议进入下一轮面试" : "Advance to the next round");
    else if (!strcmp(rec, "review") && focus)
        put(out, n, zh ? "建议人工复核，重点关注%s" : "Have a recruiter review it; look at %s", focus);
    else if (!strcmp(rec, "review"))
        put(out, n, "%s", zh ? "建议人工复核" : "Have a recruiter review it");
    else
        put(out, n, "%s", zh ? "暂不建议进入下一轮，建议发送感谢信"
                             : "Do not advance for now; send a thank-you letter");
}

/* Scores print as answer.c rounds them (lround: 84.5 is 85), not as printf
 * does (84.5 would print 84). */
void sc_strength_text(char *out, size_t n, sc_locale_t loc, const char *competency, double score)
{
    put(out, n, loc == SC_LOCALE_ZH ? "%s（%ld）：有具体事例支撑" : "%s (%ld): backed by concrete examples",
        competency, lround(score));
}

void sc_gap_text(char *out, size_t n, sc_locale_t loc, const char *competency, double score,
                 int evidenced)
{
    if (loc == SC_LOCALE_ZH)
        put(out, n, evidenced ? "%s（%ld）：提到了但缺少具体事例或结果" : "%s（%ld）：回答中没有相关证据",
            competency, lround(score));
    else
        put(out, n, evidenced ? "%s (%ld): mentioned without a concrete example or result"
                              : "%s (%ld): no evidence in the answers",
            competency, lround(score));
}

static const char *const star_missing_zh[SC_STAR_N] = {
    "未交代当时的背景", "未说明你承担的任务或目标", "未明确说明你本人采取的具体行动",
    "未说明最终结果，可以用数据说明成效",
};
static const char *const star_missing_en[SC_STAR_N] = {
    "did not set out the situation", "did not say what your task or goal was",
    "did not say what you yourself did", "did not say how it ended; give the result, in numbers if you can",
};

/* "回答「<question>」时<zh>" / "Answering "<question>", you <en>": at most
 * 60 bytes of the question, not cutting a character; without a question
 * "<zh>" / "You <en>". */
static void quoted_hint(char *out, size_t n, sc_locale_t loc, const char *question,
                        const char *zh, const char *en)
{
    const char *q = question ? question : "";
    int qn = (int)fit_chars(q, 60);
    if (loc == SC_LOCALE_ZH)
        put(out, n, qn ? "回答「%.*s」时%s" : "%.*s%s", qn, q, zh);
    else
        put(out, n, qn ? "Answering \"%.*s\", you %s" : "%.*sYou %s", qn, q, en);
}

void sc_star_hint(char *out, size_t n, sc_locale_t loc, sc_star_part_t missing,
                  const char *question)
{
    if ((int)missing < 0 || missing >= SC_STAR_N) {
        if (n)
            out[0] = '\0';
        return;
    }
    quoted_hint(out, n, loc, question, star_missing_zh[missing], star_missing_en[missing]);
}

static const char *const flag_hint_zh[SC_EVF_N] = {
    [SC_EVF_KEYWORD_LIST] = "只列举了相关术语，可以讲一次你亲自做过的具体经历：当时的情况、你做了什么、结果如何",
    [SC_EVF_CREDENTIALS] = "只介绍了履历和数字，可以讲一次具体经历：当时的情况、你做了什么、结果如何",
    [SC_EVF_GENERIC_CLAIM] = "只谈了观点和自我评价，可以用一次具体经历来说明：你做了什么、结果如何",
    [SC_EVF_NEGATED] = "说明了没有相关经历，可以讲一次最接近的经历：你做了什么、结果如何",
    [SC_EVF_HYPOTHETICAL] = "描述的是你会怎么做，可以讲一次你实际做过的经历和结果",
    [SC_EVF_TEAM_WITHOUT_ME] = "只说了团队做了什么，可以说明你本人具体做了什么",
    [SC_EVF_OFF_TOPIC] = "没有回答这个问题，可以讲一次与问题相关、你亲自做过的经历：当时的情况、你做了什么、结果如何",
    [SC_EVF_NEARBY_STORY] = "先说没有做过，再讲了一个相近的经历；可以把这个经历讲完整：你负责什么、做了哪几步、结果如何",
};
static const char *const flag_hint_en[SC_EVF_N] = {
    [SC_EVF_KEYWORD_LIST] = "listed terms; tell one occasion instead: the situation, what you did, how it ended",
    [SC_EVF_CREDENTIALS] = "gave CV facts; tell one occasion instead: the situation, what you did, how it ended",
    [SC_EVF_GENERIC_CLAIM] = "gave views and claims about yourself; show one with an occasion: what you did, how it ended",
    [SC_EVF_NEGATED] = "said you had not done it; tell the closest thing you did and how it ended",
    [SC_EVF_HYPOTHETICAL] = "described what you would do; tell what you did on a real occasion and how it ended",
    [SC_EVF_TEAM_WITHOUT_ME] = "told what the team did; say what you yourself did",
    [SC_EVF_OFF_TOPIC] = "talked about something else; tell one occasion on what the question asks: the situation, what you did, how it ended",
    [SC_EVF_NEARBY_STORY] = "said you had not done it, then told a nearby story; tell that story in full: your part, your steps, how it ended",
};

void sc_flag_hint(char *out, size_t n, sc_locale_t loc, sc_ev_flag_t flag, const char *question)
{
    if ((int)flag < 0 || flag >= SC_EVF_N) {
        if (n)
            out[0] = '\0';
        return;
    }
    quoted_hint(out, n, loc, question, flag_hint_zh[flag], flag_hint_en[flag]);
}

void sc_competency_hint(char *out, size_t n, sc_locale_t loc, const char *competency)
{
    put(out, n, loc == SC_LOCALE_ZH
                    ? "未结合具体事例说明%s：遇到了什么困难、你如何解决、结果如何"
                    : "Give a concrete example of %s: the difficulty, what you did, the result",
        competency);
}

void sc_point_hint(char *out, size_t n, sc_locale_t loc, const char *point)
{
    put(out, n, loc == SC_LOCALE_ZH ? "未提及：%s" : "Not mentioned: %s", point);
}
