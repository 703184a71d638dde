/* services/scoring/store.h - every SQL statement of the scoring service
 *
 * Records live in the `scoring` schema as JSONB in the proto3 JSON mapping
 * (hf/codec.h), beside the columns queries filter on. Every function takes
 * the caller's tenant and filters by it: another tenant's record is
 * STORE_NOT_FOUND, as if it did not exist. Returned messages are allocated
 * with the given allocator (the call's arena in handlers).
 */
#ifndef SCORING_STORE_H
#define SCORING_STORE_H

#include <libpq-fe.h>

#include "hf/db.h"
#include <protobuf-c/protobuf-c.h>

#include "hrflow/v1/scoring.pb-c.h"

typedef enum {
    STORE_OK = 0,
    STORE_NOT_FOUND,
    STORE_CONFLICT,    /* a concurrent writer won; retry */
    STORE_FAILED,      /* the database failed (logged) */
} store_rc_t;

typedef struct {
    PGconn *db;
    ProtobufCAllocator *alloc;
    const char *traceparent;   /* of the request, for the events it causes; may be NULL */
} store_t;

/* A list page: at most `size` records after `after` ("" = from the start);
 * *next is set to the cursor of the next page, or "" (buffer of 64). */
typedef hf_db_page_t store_page_t;

/* Competency models. create sets m->id, m->version (1) and create_time;
 * new_version stores m as the next version of id and sets m->version. */
store_rc_t store_model_create(store_t *st, const char *tenant, Hrflow__V1__CompetencyModel *m);
store_rc_t store_model_new_version(store_t *st, const char *tenant, const char *id,
                                   Hrflow__V1__CompetencyModel *m);
/* version 0 = the latest. */
store_rc_t store_model_get(store_t *st, const char *tenant, const char *id, int version,
                           Hrflow__V1__CompetencyModel **out);
store_rc_t store_model_list(store_t *st, const char *tenant, store_page_t *page,
                            Hrflow__V1__CompetencyModel ***out, size_t *n);

/* Questions. */
store_rc_t store_question_create(store_t *st, const char *tenant, Hrflow__V1__Question *q);
store_rc_t store_question_get(store_t *st, const char *tenant, const char *id,
                              Hrflow__V1__Question **out);
/* Filters may be "" (any). */
store_rc_t store_question_list(store_t *st, const char *tenant, const char *job_family,
                               const char *competency, store_page_t *page,
                               Hrflow__V1__Question ***out, size_t *n);
/* Count an asked question: its score and the good-answer points missed. */
store_rc_t store_question_asked(store_t *st, const char *tenant, const char *id, double score,
                                char *const *missed, size_t n_missed);

/* Reports (one per interview; scoring again replaces it). put stores r and,
 * when it is new or differs from the stored report, appends the event
 * hrflow.scoring.interview.scored.v1 in the same transaction (joining the
 * caller's, if one is open) and sets *changed; storing the same report again
 * (a retry) changes nothing and emits nothing (*changed = 0). */
store_rc_t store_report_put(store_t *st, const char *tenant, const Hrflow__V1__InterviewReport *r,
                            int *changed);
store_rc_t store_report_get(store_t *st, const char *tenant, const char *interview_id,
                            Hrflow__V1__InterviewReport **out);

/* Settings (defaults when the tenant has none: everything off). */
store_rc_t store_settings_get(store_t *st, const char *tenant, Hrflow__V1__ScoringSettings *out);
store_rc_t store_settings_put(store_t *st, const char *tenant, const Hrflow__V1__ScoringSettings *s);

#endif
