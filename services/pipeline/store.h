/* services/pipeline/store.h - every SQL statement of the pipeline service
 *
 * Jobs and applications keep the API's JSON in `body` beside the columns
 * queries use; candidates keep their personal data encrypted (hf/crypto.h),
 * with blind indexes of phone and email for lookups and deduplication. Every
 * function filters by the caller's tenant: another tenant's record is
 * HF_ENOTFOUND. Results are HF_OK or an HF_E* code; messages returned are
 * allocated in st's arena (hf/store.h). Changes write their events to the
 * outbox in the same transaction.
 */
#ifndef PIPELINE_STORE_H
#define PIPELINE_STORE_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "hf/crypto.h"
#include "hf/db.h"
#include "hf/store.h"
#include "hrflow/v1/pipeline.pb-c.h"

/* Jobs. create sets id, version 1 and times. */
int store_job_create(hf_store_t *st, Hrflow__V1__Job *j);
int store_job_get(hf_store_t *st, const char *id, Hrflow__V1__Job **out);
/* The same in the caller's transaction, the job locked until its end
 * against a concurrent change (FOR SHARE): what is read of it stays true
 * for what the transaction writes. */
int store_job_lock(hf_store_t *st, const char *id, Hrflow__V1__Job **out);
/* A page of the jobs of the caller's companies, of company_id and status
 * when not "". */
int store_job_list(hf_store_t *st, const char *company_id, const char *status, hf_page_t *page,
                   Hrflow__V1__Job ***out, size_t *n);
/* Store j as the new state of the job; j->version must be the stored one
 * (else HF_ECONFLICT); it is incremented. */
int store_job_update(hf_store_t *st, Hrflow__V1__Job *j);

/* A candidate's personal data as every writer stores it (store.c, bulk.c):
 * a field encrypted with AAD "<tenant>:candidates.<column>" (malloc'd; NULL
 * for an empty field or when libcrypto fails), the blind index of a
 * normalised phone or email (what: "phone", "email"; context
 * "<tenant>:<what>"), and the copy of c kept in the body: without its
 * personal fields, its own columns and its output-only ones. */
char *store_pii_seal(const hf_keyring_t *keys, const char *tenant, const char *column,
                     const char *plain);
int store_pii_index(const hf_keyring_t *keys, const char *tenant, const char *what,
                    const char *norm, char out[65]);
void store_candidate_open(const Hrflow__V1__Candidate *c, Hrflow__V1__Candidate *open);

/* Candidates are one record per person across the group; the company wall
 * is on reading them (docs/security.md, "Who sees whom"). create stores c,
 * or finds the candidate with the same phone, email or external id and
 * returns it with deduplicated set: whole when the caller may see it (as
 * store_candidate_get), else its id only. get: a candidate the caller may
 * see: any of the tenant for a caller acting for the whole group, else one
 * with an application to a job of the caller's companies; HF_ENOTFOUND
 * otherwise, as for an id that does not exist. */
int store_candidate_create(hf_store_t *st, Hrflow__V1__Candidate *c, Hrflow__V1__Candidate **out);
int store_candidate_get(hf_store_t *st, const char *id, Hrflow__V1__Candidate **out);
/* Whether a candidate of the tenant (any: an application may name one the
 * caller cannot read yet, e.g. by the id a deduplicated create returned)
 * has a resume; HF_ENOTFOUND when there is no such candidate. */
int store_candidate_resume(hf_store_t *st, const char *id, int *has_resume);

/* An application as its events carry it (JSON, the caller decrefs; NULL when
 * out of memory): the message without its status token, which is a
 * credential (whoever holds it reads the candidate's page and asks for
 * reviews in their name) and has no place in a log every consumer reads. */
json_t *store_application_event_data(const Hrflow__V1__Application *a);

/* Applications. create puts it in `stage` (the job's first). */
int store_application_create(hf_store_t *st, Hrflow__V1__Application *a, const char *actor);
int store_application_get(hf_store_t *st, const char *id, Hrflow__V1__Application **out);
int store_application_list(hf_store_t *st, const char *job_id, const char *stage, hf_page_t *page,
                           Hrflow__V1__Application ***out, size_t *n);
/* Move a to to_stage if its version is still a->version (else
 * HF_ECONFLICT), recording the transition and its event; a becomes the
 * stored application, with its history. */
int store_application_move(hf_store_t *st, Hrflow__V1__Application *a, const char *to_stage,
                           const char *actor, const char *reason);

/* The same for n applications at once (a few statements whatever n): all
 * move, or none (HF_ECONFLICT when any version changed). screening, when
 * not NULL, is the application's new screening state, set by the same
 * update (the screener's: one update of the row instead of two). */
typedef struct {
    Hrflow__V1__Application *app;
    const char *to_stage, *actor, *reason, *screening;
} store_move_t;
int store_application_moves(hf_store_t *st, store_move_t *mv, size_t n);

/* ---- imports (importer.c processes them) ---- */

/* Queue a file for import into job_id; sets *out (status queued). The file
 * is kept only sealed (store_import_seal), until the import ends. */
int store_import_create(hf_store_t *st, const char *job_id, const char *actor,
                        const uint8_t *content, size_t len, const char *encoding,
                        Hrflow__V1__ImportJob **out);

/* A file waiting for its import is stored sealed in parts (hf_store_seal_part,
 * hf/store.h), so a part copied to another import or place does not decrypt. */
/* In the caller's transaction: store content as the import's sealed parts
 * (imports.parts set, any file in clear dropped). */
int store_import_seal(hf_store_t *st, const char *import_id, const uint8_t *content, size_t len);
/* An import queued before files were sealed keeps its file in clear
 * (legacy_content): seal it, in a transaction of its own. Sets *parts to the
 * number of sealed parts, whether it sealed them now or they were sealed
 * before. */
int store_import_seal_legacy(hf_store_t *st, const char *import_id, unsigned *parts);
/* Part seq of an import's file, decrypted into *plain (malloc'd, NUL-terminated;
 * the caller wipes it with OPENSSL_cleanse and frees it) and *len.
 * HF_ENOTFOUND when it is missing or does not decrypt (logged): the file is
 * lost. */
int store_import_part(hf_store_t *st, const char *import_id, unsigned seq, char **plain,
                      size_t *len);
int store_import_get(hf_store_t *st, const char *id, Hrflow__V1__ImportJob **out);

/* Per stage of a job: applications there now, applications that ever
 * entered it, and the mean hours spent in it by those that left. Stages are
 * named; the caller orders them by the job's stage machine. */
typedef struct {
    char stage[40];
    uint64_t current, reached;
    uint64_t advanced;        /* of those that reached it, how many reached a later stage */
    double avg_hours;
} store_stage_count_t;

/* Up to max stages' counts of job_id into out; *n set. `order` is the
 * job's ordered stages as a PostgreSQL array literal ("{applied,…,hired}":
 * names are [a-z_]), which decides what "later" means. */
int store_funnel(hf_store_t *st, const char *job_id, const char *order, store_stage_count_t *out,
                 size_t max, size_t *n);

/* ---- assessments ---- */

/* What the rules may read of an application: its stage and times, the
 * candidate's structured fields and the latest result of each assessment
 * kind. Strings are borrowed for the callback's duration. */
typedef struct {
    const char *application_id, *candidate_id, *stage;
    int64_t version;
    int64_t stage_time_us;    /* when it entered its stage */
    int review_requested;     /* the candidate asked for a person */
    double years;             /* years of experience; NaN when not given */
    const char *education, *source; /* "" when not given */
    int consent;              /* consent to automated assessment recorded */
    const char *latest;       /* JSON object: kind → [score or null, result] */
} store_facts_t;

/* The facts of up to limit applications of job_id, in id order; fn once per
 * application. HF_ENOTFOUND when there is none. */
int store_facts(hf_store_t *st, const char *job_id, uint32_t limit, void (*fn)(void *ctx,
                const store_facts_t *f), void *ctx);

/* The facts of n applications (each at most once) in one query. */
int store_facts_many(hf_store_t *st, const char *const *application_ids, size_t n,
                     void (*fn)(void *ctx, const store_facts_t *f), void *ctx);

/* 1 for the assessment kinds that carry a 0-100 score (screening,
 * ai_interview, written_test, online_assessment), else 0. */
int store_kind_scored(const char *kind);

/* Record n assessments (of distinct applications) with the decisions made
 * on them (JSON array text each), in one statement; fresh[i] is 1 when the
 * i-th is new, 0 when its event id was recorded before (nothing written). */
int store_assessments_add_many(hf_store_t *st, size_t n, const char *const *application_ids,
                               const Hrflow__V1__Assessment *const *as,
                               const char *const *decisions, int *fresh);
/* The decisions stored with an assessment (&st->alloc'd JSON text, or NULL). */
int store_assessment_decisions(hf_store_t *st, const char *application_id, const char *event_id,
                               char **decisions);

/* Every result of an application, oldest first, with the decisions the
 * rules made on each (&st->alloc'd). */
int store_assessment_list(hf_store_t *st, const char *application_id, Hrflow__V1__Assessment ***out,
                          size_t *n);

/* The candidate-facing hints of an application's latest assessments. */
int store_assessment_hints(hf_store_t *st, const char *application_id, void (*fn)(void *ctx,
                           const char *hint), void *ctx);

/* The candidate asks for a person to review the automated decisions: the
 * first request records its time and reason (encrypted) and writes the event
 * that routes it; a request while one is open changes nothing. Neither
 * touches the version, which is the recruiters' (If-Match on moves). a is
 * replaced by the stored application. */
int store_review_request(hf_store_t *st, Hrflow__V1__Application *a, const char *reason);

/* ---- booked interviews (scheduling.c) ---- */

/* One of scheduling's interview events as the status page keeps it. */
typedef struct {
    const char *tenant, *application, *interview, *company;
    const char *start_time;   /* RFC 3339; NULL when clear */
    int clear;                /* the interview is over or cancelled: its time goes */
} store_booking_t;

/* Apply n events in one statement, in order: the last of each application
 * decides (its time kept, or taken away when it was the interview kept and
 * clears it). An event is applied only when its application is of its
 * tenant and its job of the event's company; applied[i] says which were. */
int store_bookings_apply(PGconn *db, const store_booking_t *b, size_t n, int *applied);

/* The booked interview time of an application, or NULL (*out) when none. */
int store_interview_time(hf_store_t *st, const char *application_id,
                         Hrflow__V1__Timestamp **out);

/* The candidate's status token of an application (&st->alloc'd;
 * status_token.h). */
char *store_status_token(hf_store_t *st, const char *application_id);

/* ---- the screening queue (screener.c) ---- */

typedef struct {
    char tenant[40];
    Hrflow__V1__Application *app;  /* without its history */
    Hrflow__V1__Job *job;
    char *resume;                  /* decrypted */
} store_pending_t;

/* In the caller's transaction on st->db: lock up to max applications
 * waiting for screening, oldest first, skipping those another replica
 * holds, with their job and the candidate's resume (&st->alloc'd; st->tenant
 * is not used: each row has its own). Returns how many, or -1. */
int store_screening_claim(hf_store_t *st, store_pending_t *out, int max);
/* Set an application's screening state ("done", "failed", "pending"), or
 * that of n applications; one already in that state is not written again
 * (those the screener's moves marked done). */
int store_screening_set(hf_store_t *st, const char *application_id, const char *state);
int store_screening_set_many(hf_store_t *st, const char *const *application_ids, size_t n,
                             const char *state);

/* Applications of job_id in stage since at least minutes ago whose
 * stage_timeout rule on line has not acted in this stay (event id
 * "stage_timeout:<version>:<line>"), oldest first, up to limit. */
int store_timeouts_due(hf_store_t *st, const char *job_id, const char *stage, unsigned minutes,
                       unsigned line, uint32_t limit, void (*fn)(void *ctx,
                       const char *application_id), void *ctx);

/* An event hrflow.pipeline.application.<what>.v1 about an application
 * without a state change (a template to send, a flag for a person), data
 * as its data (consumed: decref'd here, NULL fails). */
int store_application_event(hf_store_t *st, const char *application_id, const char *what,
                            json_t *data);
/* n such events in one statement, in order; every data[i] is consumed. */
int store_application_events(hf_store_t *st, size_t n, const char *const *application_ids,
                             const char *const *whats, json_t *const *data);

/* Per ordered stage and group of a self-reported attribute (column is
 * "gender" or "age_band", never user text): applications of the group that
 * entered the stage and, of them, those that reached a later stage of
 * `order` (as in store_funnel). Calls fn once per (stage, group). */
int store_audit(hf_store_t *st, const char *job_id, const char *order, const char *column,
                void (*fn)(void *ctx, const char *stage, const char *group, uint64_t entered,
                uint64_t selected), void *ctx);

#endif
