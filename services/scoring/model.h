/* services/scoring/model.h - checking competency models and questions from requests
 *
 * Limits keep a model small enough to score fast and read in one screen:
 * every violation becomes a detail with its field path ("model.competencies[2].weight")
 * on the call, and the call fails with INVALID_ARGUMENT after all are listed.
 */
#ifndef SCORING_MODEL_H
#define SCORING_MODEL_H

#include "hf/bus.h"
#include "hrflow/v1/scoring.pb-c.h"

#define MODEL_MAX_COMPETENCIES 30
#define MODEL_MAX_KEYWORDS 200      /* per competency */
#define MODEL_MAX_SYNONYMS 20       /* per keyword */
#define MODEL_MAX_CUES 50           /* negative cues per competency; core values */
#define MODEL_MAX_TEXT 200          /* characters of a name, term or cue */

/* Check m; `path` prefixes the field paths ("model"). Returns 0, or fails
 * the call (INVALID_ARGUMENT, with a detail per problem) and returns -1. */
int model_validate(hf_call_t *call, const Hrflow__V1__CompetencyModel *m, const char *path);

/* Copy the fields named in mask (proto or JSON names: name, job_family,
 * competencies, core_values) from `in` into `m`. Unknown or output-only
 * fields fail the call. Returns 0 or -1. */
int model_apply_mask(hf_call_t *call, Hrflow__V1__CompetencyModel *m,
                     const Hrflow__V1__CompetencyModel *in, char *const *mask, size_t n_mask);

/* Check a question for the bank. Returns 0 or -1 (failing the call). */
int question_validate(hf_call_t *call, const Hrflow__V1__Question *q, const char *path);

#endif
