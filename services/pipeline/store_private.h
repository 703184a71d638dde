/* services/pipeline/store_private.h - what the pipeline's store files share
 *
 * The pipeline's SQL is one module (store.h) in four files: store.c,
 * store_applications.c, store_assessments.c, store_counts.c. These are the
 * helpers more than one of them needs; nothing outside the store includes
 * this header.
 */
#ifndef PIPELINE_STORE_PRIVATE_H
#define PIPELINE_STORE_PRIVATE_H

#include "store.h"

#define SOURCE "/hrflow/pipeline"

/* Append the event `type` about <collection>/<id> in the open transaction,
 * with message m (in its JSON form) or the JSON value data (consumed) as its
 * data. Return 0, or -1. */
int store_event(hf_store_t *st, const char *type, const char *collection, const char *id,
                const ProtobufCMessage *m);
int store_event_json(hf_store_t *st, const char *type, const char *collection, const char *id,
                     json_t *data);

/* A candidate's encrypted field (row, col) of r, decrypted into st's arena;
 * "" for NULL, NULL when it does not decrypt (logged) or out of memory. */
char *store_pii_open(hf_store_t *st, const char *column, PGresult *r, int row, int col);

/* Row `row` of r (APP_COLS) as an application, without its history. */
Hrflow__V1__Application *store_application_row(hf_store_t *st, PGresult *r, int row);

/* The columns store_application_row reads (APP_NCOLS of them, the job's
 * company last), of a relation with the columns of pipeline.applications. */
#define APP_COLS "id, job_id, candidate_id, stage, version, " HF_MICROS("create_time") ", " \
                 HF_MICROS("update_time") ", screening, " HF_MICROS("stage_time") ", "      \
                 HF_MICROS("review_requested_time") ", pipeline.job_company(tenant_id, job_id)"
#define APP_NCOLS 11

#endif
