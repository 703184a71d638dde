/* services/scoring/store.h - every SQL statement of the scoring service
 *
 * Records live in the `scoring` schema as JSONB in the proto3 JSON mapping
 * (hf/codec.h), beside the columns queries filter on. Every function takes
 * the caller's context (hf/store.h) and filters by st->tenant: another
 * tenant's record is HF_ENOTFOUND, as if it did not exist. Returned messages
 * are allocated in st's arena; results are HF_OK or an HF_E* code.
 */
#ifndef SCORING_STORE_H
#define SCORING_STORE_H

#include <libpq-fe.h>

#include "hf/store.h"

#include "hrflow/v1/scoring.pb-c.h"

/* Competency models. create sets m->id, m->version (1) and create_time;
 * new_version stores m as the next version of id and sets m->version. */
int store_model_create(hf_store_t *st, Hrflow__V1__CompetencyModel *m);
int store_model_new_version(hf_store_t *st, const char *id, Hrflow__V1__CompetencyModel *m);
/* version 0 = the latest. */
int store_model_get(hf_store_t *st, const char *id, int version, Hrflow__V1__CompetencyModel **out);
/* store_model_get and, with it, the tenant's scoring settings (*settings;
 * NULL: not wanted), as store_settings_get reads them: one round trip. */
int store_model_get_with_settings(hf_store_t *st, const char *id, int version,
                                  Hrflow__V1__CompetencyModel **out,
                                  Hrflow__V1__ScoringSettings *settings);
int store_model_list(hf_store_t *st, hf_page_t *page, Hrflow__V1__CompetencyModel ***out,
                     size_t *n);

/* Questions. */
int store_question_create(hf_store_t *st, Hrflow__V1__Question *q);
int store_question_get(hf_store_t *st, const char *id, Hrflow__V1__Question **out);
/* Filters may be "" (any). */
int store_question_list(hf_store_t *st, const char *job_family, const char *competency,
                        hf_page_t *page, Hrflow__V1__Question ***out, size_t *n);
/* Count an asked question: its score and the good-answer points missed. */
int store_question_asked(hf_store_t *st, const char *id, double score, char *const *missed,
                         size_t n_missed);

/* Reports (one per interview; scoring again replaces it), each filed under
 * r->company_id: the company of its application's job, "" for an interview
 * of no application (the group's, seen by keys of the whole group only).
 * The report's JSON is stored encrypted with st->keys; scores and ids stay
 * plain.
 *
 * put stores r unless a stored report of the interview is of a company the
 * caller may not see (HF_ENOTFOUND) or of another application
 * (HF_ECONFLICT): then nothing changes. It decides under the stored row's
 * lock, in the transaction that writes (joining the caller's, if one is
 * open), so no concurrent scoring slips between. When r is new or differs
 * from the stored report it appends the event
 * hrflow.scoring.interview.scored.v1 in the same transaction and sets
 * *changed; storing the same report again (a retry) changes nothing and
 * emits nothing (*changed = 0). get finds a report the caller may see, else
 * HF_ENOTFOUND. */
int store_report_put(hf_store_t *st, const Hrflow__V1__InterviewReport *r, int *changed);
int store_report_get(hf_store_t *st, const char *interview_id, Hrflow__V1__InterviewReport **out);

/* Seal up to max reports stored in plaintext before reports were
 * encrypted, of any tenant (st's tenant is not used), in one transaction;
 * rows another replica is sealing are skipped. Returns how many it sealed
 * (0: none is left), or an HF_E* code. */
int store_reports_seal(hf_store_t *st, int max);

/* Settings (defaults when the tenant has none: everything off). */
int store_settings_get(hf_store_t *st, Hrflow__V1__ScoringSettings *out);
int store_settings_put(hf_store_t *st, const Hrflow__V1__ScoringSettings *s);

#endif
