/* services/scoring/model.h - checking competency models and questions from requests
 *
 * Limits keep a model small enough to score fast and read in one screen;
 * texts follow hf/text.h (characters, not bytes; no control or bidi
 * characters; names on one line, questions and descriptions free text):
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
#define MODEL_MAX_TEXT 200          /* characters of a name, term or cue: one line */
#define MODEL_MAX_LONG_TEXT 2000    /* characters of a question or a description */

/* Texts to analyse. An answer or a resume is free text whose size only the
 * analyser bounds, in bytes (SC_TEXT_MAX_BYTES, "text is too long: N
 * bytes"); a question asked is free text of at most 2000 characters; an
 * interview's ids are one line of 1 to 128 (or 0 to 128) characters. */
#define MODEL_ANSWER_RULE ((hf_text_rule_t){ HF_TEXT_LINES, 0, HF_TEXT_UNLIMITED })
#define MODEL_ASKED_RULE ((hf_text_rule_t){ HF_TEXT_LINES, 0, MODEL_MAX_LONG_TEXT })
#define MODEL_ID_RULE ((hf_text_rule_t){ HF_TEXT_LINE, 1, 128 })
#define MODEL_OPTIONAL_ID_RULE ((hf_text_rule_t){ HF_TEXT_LINE, 0, 128 })

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
