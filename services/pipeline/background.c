/* services/pipeline/background.c - loops of steps on their own PostgreSQL connections (background.h) */
#include "background.h"

#include "hf/db.h"
#include "hf/log.h"
#include "hf/service.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LOOPS 8

typedef struct {
    const char *name;
    pipeline_step_fn step;
    void (*cleanup)(void *user);
    void *user;
    int idle_ms;
    pthread_t thread;
} loop_t;

static loop_t loops[MAX_LOOPS];
static int n_loops;
static atomic_int stopping;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;

int pipeline_background_stopping(void)
{
    return atomic_load(&stopping);
}

/* Sleep ms, or less when the loops are told to stop. */
static void idle(int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&lock);
    while (!atomic_load(&stopping) &&
           pthread_cond_timedwait(&wake, &lock, &until) != ETIMEDOUT) {
    }
    pthread_mutex_unlock(&lock);
}

static void *loop_main(void *arg)
{
    loop_t *l = arg;
    PGconn *db = NULL;
    int warned = 0;
    while (!atomic_load(&stopping)) {
        if (!db || PQstatus(db) != CONNECTION_OK) {
            if (db)
                PQfinish(db);
            char err[256];
            db = hf_db_connect(hf_service_pg_dsn(), 5, err, sizeof(err));
            if (!db) {
                if (!warned++)
                    hf_logkv(HF_LOG_WARN, "background loop cannot reach PostgreSQL",
                             HF_KV_STR("loop", l->name));
                idle(1000);
                continue;
            }
            warned = 0;
        }
        if (l->step(db, l->user) <= 0)
            idle(l->idle_ms);
    }
    if (db)
        PQfinish(db);
    if (l->cleanup)
        l->cleanup(l->user);
    return NULL;
}

int pipeline_background_start(const char *name, pipeline_step_fn step,
                              void (*cleanup)(void *user), void *user, int idle_ms)
{
    if (n_loops >= MAX_LOOPS)
        return -1;
    loop_t *l = &loops[n_loops];
    *l = (loop_t){ name, step, cleanup, user, idle_ms, 0 };
    if (pthread_create(&l->thread, NULL, loop_main, l) != 0)
        return -1;
    n_loops++;
    return 0;
}

void pipeline_background_stop(void)
{
    pthread_mutex_lock(&lock);
    atomic_store(&stopping, 1);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < n_loops; i++)
        pthread_join(loops[i].thread, NULL);
    n_loops = 0;
}
