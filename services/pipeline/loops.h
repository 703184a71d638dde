/* services/pipeline/loops.h - the pipeline's background loops
 *
 * Besides answering RPCs, every replica runs five loops on the common
 * facility (hf/loop.h, started through hf_service_loop and
 * hf_service_consumer, stopped by the runtime on SIGTERM after the worker
 * has drained), each with its own PostgreSQL connection: the importer
 * (importer.c), the screener (screener.c: pending resumes to scoring,
 * results through the rules), the stage-timeout sweep (sweeper.c, on the
 * elected replica only), the consumer of scoring's interview scores
 * (interviews.c, on hf/consumer.h) and that of scheduling's booked
 * interviews (scheduling.c). Their work is claimed in PostgreSQL
 * (advisory locks, SKIP LOCKED, the election) and done in transactions, so
 * any replica may do any of it and a replica killed mid-step leaves nothing
 * half done. They read the keyring with hf_service_keys().
 */
#ifndef PIPELINE_LOOPS_H
#define PIPELINE_LOOPS_H

#include "hf/loop.h"

/* Start each loop (from the service's init hook). Return 0 or -1. */
int pipeline_importer_start(void);
int pipeline_screener_start(void);
int pipeline_sweeper_start(int interval_s);
int pipeline_interviews_start(void);
int pipeline_scheduling_start(void);
/* The interview consumer's state, once the runtime stopped it (stop hook). */
void pipeline_interviews_free(void);

#endif
