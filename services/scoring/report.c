/* services/scoring/report.c - the decisions and the wording of an interview report
 *
 * Every sentence is a template with the competency or question filled in, so
 * a report is reproducible and a translation is a table edit. Recruiter
 * wording names what to look at next; candidate wording says what was
 * missing and how to do better, never a score or a label.
 */
#include "report.h"

#include <stdio.h>
#include <string.h>

sc_locale_t sc_locale_parse(const char *s)
{
    return s && strncmp(s, "en", 2) == 0 && (s[2] == '\0' || s[2] == '-') ? SC_LOCALE_EN
                                                                           : SC_LOCALE_ZH;
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
    if (!strcmp(rec, "advance"))
        snprintf(out, n, zh ? (focus ? "建议进入下一轮面试，重点评估%s" : "建议进入下一轮面试")
                            : (focus ? "Advance to the next round; probe %s" : "Advance to the next round"),
                 focus);
    else if (!strcmp(rec, "review"))
        snprintf(out, n, zh ? (focus ? "建议人工复核，重点关注%s" : "建议人工复核")
                            : (focus ? "Have a recruiter review it; look at %s" : "Have a recruiter review it"),
                 focus);
    else
        snprintf(out, n, zh ? "暂不建议进入下一轮，建议发送感谢信"
                            : "Do not advance for now; send a thank-you letter");
}

void sc_strength_text(char *out, size_t n, sc_locale_t loc, const char *competency, double score)
{
    snprintf(out, n, loc == SC_LOCALE_ZH ? "%s（%.0f）：有具体事例支撑"
                                         : "%s (%.0f): backed by concrete examples",
             competency, score);
}

void sc_gap_text(char *out, size_t n, sc_locale_t loc, const char *competency, double score,
                 int evidenced)
{
    if (loc == SC_LOCALE_ZH)
        snprintf(out, n, evidenced ? "%s（%.0f）：提到了但缺少具体事例或结果"
                                   : "%s（%.0f）：回答中没有相关证据",
                 competency, score);
    else
        snprintf(out, n, evidenced ? "%s (%.0f): mentioned without a concrete example or result"
                                   : "%s (%.0f): no evidence in the answers",
                 competency, score);
}

static const char *const star_missing_zh[SC_STAR_N] = {
    "未交代当时的背景", "未说明你承担的任务或目标", "未明确说明你本人采取的具体行动",
    "未说明最终结果，可以用数据说明成效",
};
static const char *const star_missing_en[SC_STAR_N] = {
    "did not set out the situation", "did not say what your task or goal was",
    "did not say what you yourself did", "did not say how it ended; give the result, in numbers if you can",
};

void sc_star_hint(char *out, size_t n, sc_locale_t loc, sc_star_part_t missing,
                  const char *question)
{
    if ((int)missing < 0 || missing >= SC_STAR_N) {
        out[0] = '\0';
        return;
    }
    if (loc == SC_LOCALE_ZH)
        snprintf(out, n, question && *question ? "回答「%.60s」时%s" : "%.0s%s",
                 question ? question : "", star_missing_zh[missing]);
    else
        snprintf(out, n, question && *question ? "Answering \"%.60s\", you %s" : "%.0sYou %s",
                 question ? question : "", star_missing_en[missing]);
}

void sc_competency_hint(char *out, size_t n, sc_locale_t loc, const char *competency)
{
    snprintf(out, n, loc == SC_LOCALE_ZH
                         ? "未结合具体事例说明%s：遇到了什么困难、你如何解决、结果如何"
                         : "Give a concrete example of %s: the difficulty, what you did, the result",
             competency);
}

void sc_point_hint(char *out, size_t n, sc_locale_t loc, const char *point)
{
    snprintf(out, n, loc == SC_LOCALE_ZH ? "未提及：%s" : "Not mentioned: %s", point);
}
