/* services/pipeline/background.h - the pipeline's background threads
 *
 * Besides answering RPCs, every replica runs four loops, each with its own
 * PostgreSQL connection: the importer (importer.c), the screener
 * (screener.c: pending resumes to scoring, results through the rules), the
 * stage-timeout sweep (sweeper.c) and the consumer of scoring's interview
 * scores (interviews.c, on hf/consumer.h). Their work is claimed in PostgreSQL
 * (advisory locks, SKIP LOCKED) and done in transactions, so any replica may
 * do any of it and a replica killed mid-step leaves nothing half done.
 */
#ifndef PIPELINE_BACKGROUND_H
#define PIPELINE_BACKGROUND_H

#include <libpq-fe.h>

#include "hf/crypto.h"

/* One step of a loop on db: returns how much it did (> 0: step again at
 * once), 0 when there was nothing to do, -1 on failure (both wait idle_ms). */
typedef int (*pipeline_step_fn)(PGconn *db, void *user);

/* Start a thread running step over its own connection to HF_PG_DSN
 * (hf_service_pg_dsn), reconnecting when it breaks; cleanup (may be NULL)
 * runs on that thread when it stops. name is for the logs. Returns 0 or -1. */
int pipeline_background_start(const char *name, pipeline_step_fn step,
                              void (*cleanup)(void *user), void *user, int idle_ms);

/* True once pipeline_background_stop() was called: a long step (an import)
 * ends at its next safe point. */
int pipeline_background_stopping(void);

/* SIGTERM: every loop finishes its step in hand and stops; joined here. */
void pipeline_background_stop(void);

/* The loops (keys must live as long as the process). */
int pipeline_importer_start(const hf_keyring_t *keys);
int pipeline_screener_start(const hf_keyring_t *keys, const char *brokers);
int pipeline_sweeper_start(const hf_keyring_t *keys, int interval_s);
/* The consumer of scoring's interview events (interviews.c), and its stop. */
int pipeline_interviews_start(const hf_keyring_t *keys);
void pipeline_interviews_stop(void);

#endif
