/* services/scoring/report.h - the decisions and the wording of an interview report
 *
 * Pure functions: thresholds that turn numbers into a recommendation, and the
 * sentences recruiters and candidates read, in zh-CN and en. The numbers come
 * from answer.c (content, structure, delivery) and prosody.c; this file only
 * names them. The thresholds match the pipeline's default rules: an AI
 * interview score >= 80 advances to the HR round, < 60 ends with a thank-you
 * letter, in between a person reviews.
 *
 * The text functions write at most n bytes into out, NUL-terminated when
 * n > 0; a sentence that does not fit is cut at a character boundary, so it
 * stays valid UTF-8. Scores print rounded as answer.c rounds them (lround).
 */
#ifndef SC_REPORT_H
#define SC_REPORT_H

#include <stddef.h>

#include "evidence.h"
#include "star.h"

#define SC_ADVANCE_AT 80.0    /* overall >= : advance */
#define SC_REJECT_BELOW 60.0  /* overall <  : reject (with a thank-you letter) */
#define SC_STRENGTH_AT 75.0   /* a competency >= : a strength */
#define SC_GAP_BELOW 50.0     /* a competency <  : a gap */

typedef enum { SC_LOCALE_ZH, SC_LOCALE_EN } sc_locale_t;

/* "en", "en-*" and "en_*" in any letter case are English; anything else
 * (NULL, "", "zh-CN", "english") is zh-CN, the default. */
sc_locale_t sc_locale_parse(const char *s);

/* "advance", "review" or "reject". */
const char *sc_recommendation(double overall);

/* The suggested action for recruiters into out, naming `focus` (the
 * competency to look at next, may be NULL):
 * "建议进入下一轮面试，重点评估跨团队协作" / "Advance to the next round; probe 跨团队协作". */
void sc_suggested_action(char *out, size_t n, sc_locale_t loc, double overall, const char *focus);

/* A strength or a gap line: "数据分析（85）：有具体事例支撑" /
 * "数据分析 (85): backed by concrete examples". */
void sc_strength_text(char *out, size_t n, sc_locale_t loc, const char *competency, double score);
void sc_gap_text(char *out, size_t n, sc_locale_t loc, const char *competency, double score,
                 int evidenced);

/* A hint for the candidate about a STAR part the answer lacks:
 * "回答「…」时未说明最终结果，可以用数据说明成效". question may be NULL. */
void sc_star_hint(char *out, size_t n, sc_locale_t loc, sc_star_part_t missing,
                  const char *question);

/* A hint about an answer that shows no behaviour of the speaker's (a set flag
 * of evidence.h), saying what to tell instead:
 * "回答「…」时只列举了相关术语，可以讲一次你亲自做过的具体经历：当时的情况、你做了什么、结果如何".
 * question may be NULL; an unknown flag writes "". */
void sc_flag_hint(char *out, size_t n, sc_locale_t loc, sc_ev_flag_t flag, const char *question);

/* A hint about a competency the answers did not show with an example:
 * "未结合具体事例说明跨团队协作：遇到了什么困难、你如何解决、结果如何". */
void sc_competency_hint(char *out, size_t n, sc_locale_t loc, const char *competency);

/* A hint about a point a good answer to the question contains:
 * "未提及：分析方法". */
void sc_point_hint(char *out, size_t n, sc_locale_t loc, const char *point);

#endif
