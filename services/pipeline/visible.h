/* services/pipeline/visible.h - what the caller may see (visible.c)
 *
 * Each returns the record, or NULL after failing the call (NOT_FOUND for a
 * bad id, another tenant's record or another company's).
 */
#ifndef PIPELINE_VISIBLE_H
#define PIPELINE_VISIBLE_H

#include "hf/store.h"
#include "store.h"

/* A job of a company the caller acts for. */
Hrflow__V1__Job *visible_job(hf_store_t *st, const char *id);

/* An application whose job the caller may see, with that job. */
Hrflow__V1__Application *visible_application(hf_store_t *st, const char *id,
                                             Hrflow__V1__Job **job);

/* An import into a job the caller may see. */
Hrflow__V1__ImportJob *visible_import(hf_store_t *st, const char *id);

/* hf_store_open(), then visible_application(). */
Hrflow__V1__Application *caller_application(hf_call_t *call, hf_store_t *st, const char *id,
                                            Hrflow__V1__Job **job);

#endif
