/* services/pipeline/composite.h - composite evaluation of an application
 *
 * Pure: the job's weights per assessment kind and the application's latest
 * results in, the overall score, band, recommendation and explanation out.
 * A missing part is named and left out (the weights of the present parts are
 * renormalised), never counted as 0; a failed background check makes the
 * recommendation "reject" whatever the score.
 */
#ifndef PIPELINE_COMPOSITE_H
#define PIPELINE_COMPOSITE_H

#include <stdbool.h>
#include <stddef.h>

#define PL_COMPOSITE_MAX 8

typedef struct {
    const char *kind;     /* screening, ai_interview, written_test, online_assessment */
    double weight;        /* >= 0 */
    bool present;
    double score;         /* 0-100 when present */
} pl_part_t;

typedef struct {
    double score;         /* 0 when no part is present */
    bool scored;          /* at least one part present */
    const char *band;     /* "A" >= 85, "B" >= 70, "C" >= 60, "D", or "" */
    const char *recommendation; /* "advance" >= 80, "review" >= 60, "reject", or "pending" */
    char explanation[512];
} pl_composite_t;

/* The default weights when a job sets none: ai_interview 40, written_test 20,
 * online_assessment 20, screening 20. Fills parts (kinds, weights) and returns
 * how many. */
size_t pl_composite_defaults(pl_part_t *parts, size_t max);

/* Evaluate; background_check is "", "clear", "review" or "fail". zh: Chinese
 * wording ("综合得分 82，建议进入终面；缺少：笔试"), else English. */
void pl_composite_eval(const pl_part_t *parts, size_t n, const char *background_check, bool zh,
                       pl_composite_t *out);

#endif
