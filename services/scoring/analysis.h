/* services/scoring/analysis.h - shared glue of the scoring handlers
 *
 * analysis.c defines these for the handler files (analysis_handlers.c,
 * resume_handlers.c), which share them and never call each other: this
 * thread's analyzer, the model of a request and its compiled scorer, an
 * analysed answer as an AnswerScore message, and the statistics of asked
 * questions. Each fails the call (and returns NULL or -1) on error.
 */
#ifndef SCORING_ANALYSIS_H
#define SCORING_ANALYSIS_H

#include "answer.h"
#include "hf/bus.h"
#include "hrflow/v1/scoring.pb-c.h"
#include "store.h"

sc_analyzer_t *scoring_analyzer(hf_call_t *call);
/* inline_m when it has competencies (validated under inline_path), else the
 * stored model id (version 0 = latest) of the caller's tenant. */
const Hrflow__V1__CompetencyModel *scoring_model_of(hf_store_t *st,
                                                    const Hrflow__V1__CompetencyModel *inline_m,
                                                    const char *id, int version,
                                                    const char *inline_path);
/* scoring_model_of, and the tenant's scoring settings in *settings (NULL:
 * not wanted), read with a stored model in the same round trip. */
const Hrflow__V1__CompetencyModel *
scoring_model_and_settings(hf_store_t *st, const Hrflow__V1__CompetencyModel *inline_m,
                           const char *id, int version, const char *inline_path,
                           Hrflow__V1__ScoringSettings *settings);
/* The compiled scorer of m from this thread's cache (compiled on a miss).
 * Borrowed: do not destroy it; it stays valid for the rest of the call (the
 * cache drops only the least recently used of its 32 scorers). */
const sc_scorer_t *scoring_scorer(hf_call_t *call, sc_analyzer_t *az,
                                  const Hrflow__V1__CompetencyModel *m);
Hrflow__V1__AnswerScore *scoring_answer_pb(hf_call_t *call, const sc_answer_t *a,
                                           const sc_scorer_t *s, const char *text, int index);
/* Count the bank questions an interview asked: their scores and the good-
 * answer points each answer missed. Failures are logged, never fail the
 * interview. */
void scoring_count_questions(hf_store_t *st, const Hrflow__V1__ScoreInterviewRequest *r,
                             sc_answer_t **answers);

/* v rounded to one decimal, as every score is shown. */
double scoring_round1(double v);

#endif
