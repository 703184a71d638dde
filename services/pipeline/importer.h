/* services/pipeline/importer.h - the background thread that runs queued imports (importer.c) */
#ifndef PIPELINE_IMPORTER_H
#define PIPELINE_IMPORTER_H

#include "hf/crypto.h"

/* Start this replica's importer thread (its own PostgreSQL connection, from
 * HF_PG_DSN). keys must live as long as the process. Returns 0 or -1. */
int pipeline_importer_start(const hf_keyring_t *keys);

#endif
