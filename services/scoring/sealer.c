/* services/scoring/sealer.c - reports stored in plaintext, sealed in the background
 *
 * Reports are stored encrypted (store.c), but those stored before that, and
 * any an older replica still writes during a roll-out, have their JSON in
 * the plaintext column. A migration cannot encrypt (SQL has no keys), so
 * this loop does: from the start of every replica, batches of such rows
 * claimed with FOR UPDATE SKIP LOCKED (replicas share the work, none
 * waits), each sealed and its plaintext cleared in one transaction, then a
 * look every minute for stragglers (an index on the rows left keeps that
 * free). Sealing twice is impossible: a sealed row no longer matches.
 */
#include "sealer.h"

#include "store.h"

#include "hf/arena.h"
#include "hf/log.h"
#include "hf/service.h"

#include <stdlib.h>

#define BATCH 100
#define IDLE_MS 60000

static int seal_step(hf_loop_t *loop, PGconn *db, void *user)
{
    (void)loop;
    hf_arena_t *arena = user;
    hf_arena_reset(arena);
    hf_store_t st;
    hf_store_init(&st, db, arena, NULL, hf_service_keys());
    int n = store_reports_seal(&st, BATCH);
    if (n > 0)
        hf_logkv(HF_LOG_INFO, "stored reports sealed", HF_KV_INT("reports", n));
    return n < 0 ? -1 : n;
}

static void seal_cleanup(void *user)
{
    hf_arena_t *arena = user;
    hf_arena_destroy(&arena);
}

int scoring_sealer_start(void)
{
    hf_arena_t *arena = hf_arena_new(65536);
    if (!arena)
        return -1;
    const hf_loop_def_t def = { .name = "scoring report sealer", .step = seal_step,
                                .cleanup = seal_cleanup, .user = arena, .idle_ms = IDLE_MS };
    return hf_service_loop(&def);
}
