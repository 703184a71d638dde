/* services/scoring/analysis.h - shared glue of the scoring handlers
 *
 * analysis_handlers.c defines these for the other handler files: this thread's
 * analyzer, the caller's tenant, the store on the call's connection, the
 * model of a request and its compiled scorer, and an analysed answer as an
 * AnswerScore message. Each fails the call (and returns NULL or -1) on error.
 */
#ifndef SCORING_ANALYSIS_H
#define SCORING_ANALYSIS_H

#include "answer.h"
#include "hf/bus.h"
#include "hrflow/v1/scoring.pb-c.h"
#include "store.h"

sc_analyzer_t *scoring_analyzer(hf_call_t *call);
const char *scoring_tenant(hf_call_t *call);
int scoring_store(hf_call_t *call, store_t *st, ProtobufCAllocator *alloc);
/* inline_m when it has competencies (validated under inline_path), else the
 * stored model id (version 0 = latest). */
const Hrflow__V1__CompetencyModel *scoring_model_of(hf_call_t *call,
                                                    const Hrflow__V1__CompetencyModel *inline_m,
                                                    const char *id, int version,
                                                    const char *inline_path);
/* The compiled scorer of m from this thread's cache (compiled on a miss).
 * Borrowed: do not destroy it; it stays valid for the rest of the call (the
 * cache drops only the least recently used of its 32 scorers). */
const sc_scorer_t *scoring_scorer(hf_call_t *call, sc_analyzer_t *az,
                                  const Hrflow__V1__CompetencyModel *m);
Hrflow__V1__AnswerScore *scoring_answer_pb(hf_call_t *call, const sc_answer_t *a,
                                           const sc_scorer_t *s, const char *text, int index);
/* Count the bank questions an interview asked: their scores and the good-
 * answer points each answer missed (resume_handlers.c). Failures are logged,
 * never fail the interview. */
void scoring_count_questions(hf_call_t *call, store_t *st, const char *tenant,
                             const Hrflow__V1__ScoreInterviewRequest *r, sc_answer_t **answers);

#endif
