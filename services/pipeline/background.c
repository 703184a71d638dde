/* services/pipeline/background.c - a loop of steps on its own PostgreSQL connection (background.h) */
#include "background.h"

#include "hf/db.h"
#include "hf/log.h"
#include "hf/service.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *name;
    pipeline_step_fn step;
    void *user;
    int idle_ms;
    char *dsn;
} loop_t;

static void *loop_main(void *arg)
{
    loop_t *l = arg;
    PGconn *db = NULL;
    int warned = 0;
    for (;;) {
        if (!db || PQstatus(db) != CONNECTION_OK) {
            if (db)
                PQfinish(db);
            char err[256];
            db = hf_db_connect(l->dsn, 5, err, sizeof(err));
            if (!db) {
                if (!warned++)
                    hf_logkv(HF_LOG_WARN, "background loop cannot reach PostgreSQL", "loop",
                             l->name, NULL);
                sleep(1);
                continue;
            }
            warned = 0;
        }
        int n = l->step(db, l->user);
        if (n <= 0)
            usleep((useconds_t)l->idle_ms * 1000);
    }
    return NULL;
}

int pipeline_background_start(const char *name, pipeline_step_fn step, void *user, int idle_ms)
{
    loop_t *l = calloc(1, sizeof(*l));
    if (!l || !(l->dsn = strdup(hf_service_pg_dsn()))) {
        free(l);
        return -1;
    }
    *l = (loop_t){ name, step, user, idle_ms, l->dsn };
    pthread_t t;
    if (pthread_create(&t, NULL, loop_main, l) != 0) {
        free(l->dsn);
        free(l);
        return -1;
    }
    pthread_detach(t);
    return 0;
}
