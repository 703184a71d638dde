/* services/scoring/resume.h - facts from a resume's text: years of experience, education
 *
 * Plain scanning, no I/O, deterministic for a given reference year:
 *   - experience: the sum of the year ranges the resume lists
 *     ("2018 - 2021", "2019.03-至今", "2020年3月 - 2022年6月",
 *     "Jan 2018 – present"; months are not counted; overlapping ranges
 *     counted once; a range whose line names a degree, "2012-2016 北京大学
 *     本科", is study, not work), or else the largest stated figure
 *     ("5年工作经验", "5+ years of experience", "2.5年"); capped at 50;
 *   - education: the highest degree named (博士/PhD > 硕士/master/MBA >
 *     本科/学士/bachelor > 大专/associate).
 * Each fact carries the byte span it came from (the years: the first range
 * in the text, or the stated figure with its unit, "5年", "7+ years").
 */
#ifndef SC_RESUME_H
#define SC_RESUME_H

#include <stddef.h>

#include "text.h"

typedef enum {
    SC_EDU_NONE = 0,
    SC_EDU_ASSOCIATE,
    SC_EDU_BACHELOR,
    SC_EDU_MASTER,
    SC_EDU_PHD,
} sc_education_t;

typedef struct {
    double years;            /* 0 when nothing says */
    sc_span_t years_span;    /* the range or figure it came from (the first one) */
    sc_education_t education;
    sc_span_t education_span;
} sc_resume_facts_t;

/* Scan len bytes of UTF-8; "至今"/"present" is the year `now_year`. */
void sc_resume_facts(const char *text, size_t len, int now_year, sc_resume_facts_t *out);

/* "bachelor", "本科", "master", ... -> level; "" or unknown -> SC_EDU_NONE. */
sc_education_t sc_education_parse(const char *s);
const char *sc_education_name(sc_education_t e);   /* "bachelor", ... "" */

#endif
