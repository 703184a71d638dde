/* services/pipeline/automation.h - a result arrives, the job's rules run, their actions apply
 *
 * Every way a result reaches an application goes through automation_run():
 * the RecordAssessment method, the screener (scoring's resume screening),
 * the consumer of scoring's interview events and the stage-timeout sweep.
 * It records the result under its event id and, in the same transaction,
 * evaluates the job's rules for the event the result stands for over the
 * application's facts (store_facts) and applies what acts: moves, template
 * requests, flags. So an event is recorded and acted on together or not at
 * all, and the same event id again acts on nothing (`replayed`).
 *
 * The record the rules read, and the composite evaluation, are built from
 * the same facts by automation_record() and automation_composite(), which
 * the dry run and GetEvaluation use too: what a dry run shows is what the
 * live rule would do.
 */
#ifndef PIPELINE_AUTOMATION_H
#define PIPELINE_AUTOMATION_H

#include <jansson.h>

#include "composite.h"
#include "rules.h"
#include "store.h"

/* Register the metrics (hf_pipeline_results_total, hf_pipeline_rule_actions_total
 * by action); once, at start. */
void automation_init(void);

/* "pending" when an application to job by a candidate with this resume is
 * to be screened by scoring (the job has a competency model, the candidate a
 * resume), else "". */
const char *automation_screening_state(const Hrflow__V1__Job *job, const char *resume);

/* The event a result of this assessment kind stands for. */
pl_event_kind_t automation_event_of(const char *kind);

/* The job's stage machine: its own stages, or the default. NULL with a
 * message in err when they do not parse. */
pl_stages_t *automation_stages(const Hrflow__V1__Job *job, char *err, size_t errlen);

/* The job's stage machine and the rules text (the job's own when text is
 * NULL) parsed against it; NULL with a message in err when they do not
 * parse, or when there are no rules (err is then ""). */
pl_rules_t *automation_rules(const Hrflow__V1__Job *job, const char *text, char *err,
                             size_t errlen);

/* Fill rec from f (its strings copied into *holder, which the caller
 * json_decref()s after using rec) and *minutes with the time in stage.
 * now_us: the present, in Unix microseconds. */
void automation_record(const store_facts_t *f, int64_t now_us, pl_record_t *rec, json_t **holder,
                       unsigned *minutes);

/* The composite evaluation of latest (store_facts_t.latest) under the job's
 * weights: parts[PL_COMPOSITE_MAX] filled, *n set, the background check's
 * result copied into check[16]. */
void automation_composite(const Hrflow__V1__Job *job, const char *latest, bool zh,
                          pl_part_t *parts, size_t *n, char check[16], pl_composite_t *out);

typedef struct {
    json_t *decisions;   /* [{line, verdict, action, why}]: every acting or blocked
                            decision; the caller json_decref()s it */
    int replayed;        /* the event id was recorded before: nothing acted now */
} automation_outcome_t;

/* One result for one application of a batch. */
typedef struct {
    Hrflow__V1__Application *app; /* as read; on HF_OK, after the actions */
    const Hrflow__V1__Assessment *as;
    unsigned only_line;           /* stage_timeout: the rule it is for, else 0 */
    automation_outcome_t out;     /* set by the call (decisions even on failure: empty) */
    const char *screening;        /* NULL, or the screening state a move of the
                                     application also sets (the screener's "done") */
} automation_item_t;

/* Record and act on the results of n distinct applications of one job and
 * tenant, all or nothing, with a handful of statements whatever n is (the
 * screener's batches): the facts of all of them in one query, the rules
 * evaluated in C with each new result merged in, the results inserted with
 * their decisions in one statement (an event id seen before acts on
 * nothing), then every move with its transition and event, and every other
 * event, each in one statement. Returns as automation_run. */
int automation_run_many(hf_store_t *st, const Hrflow__V1__Job *job, automation_item_t *it,
                        size_t n);

/* Record assessment as for application a of job and act on it, as above.
 * only_line: for a stage_timeout result, the rule it is for (else 0).
 * On HF_OK, a is the application after the actions. HF_ECONFLICT: the
 * application moved meanwhile (nothing was recorded: retry); HF_EDB:
 * the database failed or the job's rules no longer parse (logged). */
int automation_run(hf_store_t *st, const Hrflow__V1__Job *job, Hrflow__V1__Application *a,
                   const Hrflow__V1__Assessment *as, unsigned only_line, automation_outcome_t *out);

#endif
