/* services/pipeline/bulk.h - a chunk of imported candidates written with a few statements
 *
 * The importer (importer.c) hands every valid row of a file to bulk_add(),
 * which does the per-row work in C: phone and email normalised and indexed
 * (blind indexes), the personal fields encrypted, the candidate's stored
 * body encoded, all as store_candidate_create() does. bulk_flush() then
 * writes the rows added since the last flush inside the caller's
 * transaction, with a fixed number of statements whatever the number of
 * rows: one lookup of the existing candidates by every key of the chunk,
 * one multi-row insert of the new candidates, one of the applications with
 * their first transitions, one of the outbox events. The result is the one
 * adding the rows one by one through store_candidate_create() and
 * store_application_create() would give: the same person twice (in the
 * database, or earlier in the file) is one candidate and a
 * candidate.merged event, a second application to the job is a duplicate,
 * new candidates and applications get their created events, and file order
 * decides which row creates and which is the duplicate.
 */
#ifndef PIPELINE_BULK_H
#define PIPELINE_BULK_H

#include <libpq-fe.h>
#include <stdint.h>

#include "hf/crypto.h"
#include "hrflow/v1/pipeline.pb-c.h"

typedef struct bulk bulk_t;

/* Where the rows go. Borrowed: every pointer must outlive the bulk_t. */
typedef struct {
    PGconn *db;
    const hf_keyring_t *keys;
    const char *tenant;
    const Hrflow__V1__Job *job;   /* the job every row applies to */
    const char *first_stage;      /* of the job's stage machine */
    const char *actor;            /* recorded on the first transitions */
} bulk_target_t;

/* NULL when out of memory. */
bulk_t *bulk_new(const bulk_target_t *t);
void bulk_destroy(bulk_t **b);

/* Add one row's candidate (c is only read; nothing of it is kept).
 * Returns 0 when added; 1 when the row is invalid, with *field and *message
 * (static text) saying why, e.g. "phone", "not a phone number"; -1 when out
 * of memory or libcrypto failed. */
int bulk_add(bulk_t *b, const Hrflow__V1__Candidate *c, const char **field,
             const char **message);

/* Write the pending rows in the caller's open transaction (as a savepoint)
 * and add to *created the applications made and to *duplicates the rows
 * whose application existed. Returns 0, or -1 when the database failed
 * (logged; nothing of the chunk is left written and the counters are
 * unchanged: the caller rolls its transaction back). The rows are dropped
 * either way. */
int bulk_flush(bulk_t *b, uint64_t *created, uint64_t *duplicates);

#endif
