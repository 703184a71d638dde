/* services/pipeline/interviews.c - scoring's interview scores into the applications they belong to
 *
 * The scoring service writes hrflow.scoring.interview.scored.v1 to the
 * outbox when it stores an interview's report (with the application's id
 * when the caller gave one). This consumer (hf/consumer.h, cursor
 * "pipeline.interviews") reads those events from the log and records each
 * as the application's `ai_interview` result, with the candidate's hints,
 * through automation_run: the rules on interview_scored act in the same
 * transaction as the cursor's advance, so a score is applied exactly once
 * whatever dies when, and a bus that lost the notification loses nothing.
 *
 * The event names the company scoring filed the report under: the company
 * of the application as scoring's caller saw it (asking this service, with
 * that caller's walls). An event is applied only when the application is
 * this tenant's and its job is of that company, so an event for an
 * application its writer could not see never moves anything.
 *
 * An event for an application this tenant does not have, of another
 * company, or without a usable score, is skipped (logged by ids, never by
 * content); a database failure or a concurrent move retries the batch (an
 * event that keeps failing while the database answers is passed by the
 * consumer after HF_CONSUME_MAX_TRIES).
 */
#include "automation.h"
#include "loops.h"

#include "hf/arena.h"
#include "hf/consumer.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/service.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HINTS 20
#define MAX_HINT_BYTES 500

typedef struct {
    hf_arena_t *arena;
} interviews_t;

static int on_scored(void *user, PGconn *db, const hf_consumed_event_t *ev)
{
    interviews_t *x = user;
    json_t *data = json_loads(ev->data_json, 0, NULL);
    const char *app_id = json_string_value(json_object_get(data, "applicationId"));
    const char *company = json_string_value(json_object_get(data, "companyId"));
    json_t *score = json_object_get(data, "score");
    if (!app_id || !*app_id) { /* an interview outside the pipeline: nothing to do */
        json_decref(data);
        return HF_CONSUME_OK;
    }
    if (!hf_uuid_valid(app_id) || !json_is_number(score) || json_number_value(score) < 0 ||
        json_number_value(score) > 100) {
        json_decref(data);
        return HF_CONSUME_SKIP;
    }
    hf_arena_reset(x->arena);
    hf_store_t st;
    hf_store_init(&st, db, x->arena, ev->tenant_id, hf_service_keys());
    st.traceparent = ev->traceparent;
    Hrflow__V1__Application *a = NULL;
    Hrflow__V1__Job *job = NULL;
    int rc = store_application_get(&st, app_id, &a);
    if (rc == HF_OK)
        rc = store_job_get(&st, a->job_id, &job);
    if (rc == HF_OK && strcmp(job->company_id, company ? company : "") != 0) {
        hf_logkv(HF_LOG_WARN, "an interview score filed under another company is not applied",
                 HF_KV_STR("event", ev->id), HF_KV_STR("application", app_id));
        rc = HF_ENOTFOUND;
    }
    if (rc != HF_OK) {
        json_decref(data);
        return rc == HF_ENOTFOUND ? HF_CONSUME_SKIP : HF_CONSUME_RETRY;
    }
    char event_id[48];
    snprintf(event_id, sizeof(event_id), "interview-scored:%s", ev->id);
    char *hints[MAX_HINTS];
    Hrflow__V1__Assessment as = HRFLOW__V1__ASSESSMENT__INIT;
    as.kind = "ai_interview";
    as.score = json_number_value(score);
    as.event_id = event_id;
    as.hints = hints;
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(data, "hints"), i, h)
    {
        const char *s = json_string_value(h);
        if (s && as.n_hints < MAX_HINTS && strlen(s) <= MAX_HINT_BYTES)
            hints[as.n_hints++] = (char *)s;
    }
    automation_outcome_t out;
    rc = automation_run(&st, job, a, &as, 0, &out);
    json_decref(out.decisions);
    json_decref(data);
    return rc == HF_OK ? HF_CONSUME_OK : HF_CONSUME_RETRY;
}

static interviews_t *state; /* the consumer's, freed once it stopped */

void pipeline_interviews_free(void)
{
    if (state) {
        hf_arena_destroy(&state->arena);
        free(state);
        state = NULL;
    }
}

int pipeline_interviews_start(void)
{
    static const char *const types[] = { "hrflow.scoring.interview.scored.", NULL };
    interviews_t *x = calloc(1, sizeof(*x));
    if (!x || !(x->arena = hf_arena_new(65536))) {
        free(x);
        return -1;
    }
    state = x;
    return hf_service_consumer("pipeline.interviews", types, on_scored, x);
}
