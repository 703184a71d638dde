/* services/pipeline/fields.h - the typed texts of pipeline requests (fields.c)
 *
 * Which rule of hf/text.h each text field a person fills in follows: a job's
 * title, department, location and rules; a candidate's fields (the
 * importer's table, pl_cand_rules, so a file and the API agree); the reason
 * of a move or of a review request; an assessment's event id and the hints
 * a candidate reads. Each check adds a detail per problem, at the field's
 * path, and returns how many it added; the handler then fails the call.
 */
#ifndef PIPELINE_FIELDS_H
#define PIPELINE_FIELDS_H

#include "hf/bus.h"
#include "hrflow/v1/pipeline.pb-c.h"

#define PL_REASON_MAX 2000  /* characters of a move's or a review request's reason */
#define PL_HINT_MAX 500     /* characters of a hint on the candidate's page */
#define PL_HINTS_MAX 20     /* hints of one assessment */
#define PL_RESUME_BYTES 65536 /* the resume's size: what screening analyses */

/* title (1 to 200 characters), department and location (at most 200), one
 * line each; rules free text. path prefixes the fields ("job."). */
int fields_check_job(hf_call_t *call, const Hrflow__V1__Job *j, const char *path);

/* Every text of a candidate by pl_cand_rules, skills item by item (at most
 * PL_IMPORT_MAX_SKILLS), the resume also within PL_RESUME_BYTES. path
 * prefixes the fields ("candidate."). */
int fields_check_candidate(hf_call_t *call, const Hrflow__V1__Candidate *c, const char *path);

/* A job's rules, or rules to try: free text, bounded only by the parser, in
 * bytes (PL_RULES_MAX_TEXT, docs/pipeline-rules.md). */
int fields_check_rules(hf_call_t *call, const char *field, const char *s);

/* A reason given for a move or a review request: free text, at most
 * PL_REASON_MAX characters, may be empty. */
int fields_check_reason(hf_call_t *call, const char *field, const char *s);

/* An assessment's event id (one line of 1 to 128 characters) and its hints
 * (at most PL_HINTS_MAX, each one line of 1 to PL_HINT_MAX characters). */
int fields_check_assessment(hf_call_t *call, const Hrflow__V1__Assessment *a);

#endif
