/* services/pipeline/sweeper.c - stage timeouts: the rules' `when stage_timeout(stage, duration)`
 *
 * Every interval one replica (the elected one, hf/loop.h) looks at the
 * open jobs whose rules have stage_timeout rules and, per such rule, at the
 * applications that have been in its stage at least that long and that the
 * rule has not acted on during this stay. Each goes through automation_run
 * as a "stage_timeout" result with the event id
 * "stage_timeout:<application version>:<rule line>": the version changes on
 * every move, so a rule acts once per stay in a stage, however often the
 * sweep runs and whichever replica runs it.
 */
#include "automation.h"
#include "loops.h"

#include "hf/arena.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PER_RULE 500     /* applications per rule and sweep */
#define MAX_TIMEOUTS 64  /* stage_timeout rules per job */

typedef struct {
    hf_arena_t *arena;
} sweeper_t;

typedef struct {
    hf_store_t *st;
    const Hrflow__V1__Job *job;
    unsigned line;
    int acted, failed;
} due_t;

static void on_due(void *ctx, const char *application_id)
{
    due_t *d = ctx;
    Hrflow__V1__Application *a = NULL;
    if (d->failed || store_application_get(d->st, application_id, &a) != HF_OK) {
        d->failed = 1;
        return;
    }
    char event_id[80];
    snprintf(event_id, sizeof(event_id), "stage_timeout:%lld:%u", (long long)a->version, d->line);
    Hrflow__V1__Assessment as = HRFLOW__V1__ASSESSMENT__INIT;
    as.kind = "stage_timeout";
    as.event_id = event_id;
    automation_outcome_t out;
    int rc = automation_run(d->st, d->job, a, &as, d->line, &out);
    json_decref(out.decisions);
    if (rc == HF_OK)
        d->acted++;
    else if (rc != HF_ECONFLICT) /* a move meanwhile: the next sweep sees the new stay */
        d->failed = 1;
}

/* The timeout rules of one job. Returns applications acted on, or -1. */
static int sweep_job(sweeper_t *s, PGconn *db, const char *tenant, const char *job_id)
{
    hf_arena_reset(s->arena);
    hf_store_t st;
    hf_store_init(&st, db, s->arena, tenant, hf_service_keys());
    Hrflow__V1__Job *job = NULL;
    if (store_job_get(&st, job_id, &job) != HF_OK)
        return -1;
    char err[300];
    pl_rules_t *rules = automation_rules(job, NULL, err, sizeof(err));
    if (!rules)
        return 0;
    pl_timeout_t t[MAX_TIMEOUTS];
    size_t n = pl_rules_timeouts(rules, t, MAX_TIMEOUTS);
    int acted = 0, failed = 0;
    for (size_t i = 0; i < n && i < MAX_TIMEOUTS && !failed; i++) {
        due_t d = { &st, job, t[i].line, 0, 0 };
        if (store_timeouts_due(&st, job_id, t[i].stage, t[i].minutes, t[i].line, PER_RULE, on_due,
                               &d) != HF_OK)
            d.failed = 1;
        acted += d.acted;
        failed = d.failed;
    }
    pl_rules_destroy(&rules);
    return failed ? -1 : acted;
}

static int sweep_step(hf_loop_t *loop, PGconn *db, void *user)
{
    (void)loop;
    sweeper_t *s = user;
    PGresult *jobs = hf_db_query(db,
                                 "SELECT tenant_id, id FROM pipeline.jobs WHERE status = 'open'"
                                 " AND body->>'rules' LIKE '%stage\\_timeout%'",
                                 0, NULL);
    int acted = 0, failed = !jobs;
    for (int i = 0; jobs && i < PQntuples(jobs); i++) {
        char tenant[40], job[40];
        snprintf(tenant, sizeof(tenant), "%s", PQgetvalue(jobs, i, 0));
        snprintf(job, sizeof(job), "%s", PQgetvalue(jobs, i, 1));
        int n = sweep_job(s, db, tenant, job);
        if (n < 0)
            failed = 1;
        else
            acted += n;
    }
    PQclear(jobs);
    if (acted)
        hf_logkv(HF_LOG_INFO, "stage timeouts acted on", HF_KV_INT("applications", acted));
    return failed ? -1 : 0; /* either way, the next sweep after the interval */
}

static void sweeper_cleanup(void *user)
{
    sweeper_t *s = user;
    hf_arena_destroy(&s->arena);
    free(s);
}

int pipeline_sweeper_start(int interval_s)
{
    sweeper_t *s = calloc(1, sizeof(*s));
    if (!s || !(s->arena = hf_arena_new(65536))) {
        free(s);
        return -1;
    }
    /* one replica sweeps: the elected one */
    const hf_loop_def_t def = { .name = "pipeline stage-timeout sweep", .step = sweep_step,
                                .cleanup = sweeper_cleanup, .user = s,
                                .idle_ms = interval_s * 1000,
                                .leader = "hrflow pipeline stage-timeout sweep" };
    return hf_service_loop(&def);
}
