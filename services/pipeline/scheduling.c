/* services/pipeline/scheduling.c - scheduling's booked interviews onto the candidate's status page
 *
 * Scheduling writes hrflow.scheduling.interview.<state>.v1 to the outbox
 * whenever an AI interview moves (lifecycle in services/scheduling/
 * lifecycle.c). This consumer (hf/consumer.h, cursor "pipeline.scheduling",
 * whole batches) keeps the time of each application's booked interview
 * (pipeline.interview_times), which GET /v1/candidate-status/{token} shows
 * as interviewTime: scheduled, rescheduled, reminded and in_progress set
 * it; completed, no_show and cancelled take it away. A batch is applied
 * with one statement in the cursor's transaction, so each event counts
 * exactly once however many thousands a batch places. A missed interview
 * (interview.no_show) is also the application's `no_show` result, recorded
 * and acted on by the job's rules (automation_run, event id
 * "interview-no-show:<interview id>") in the same transaction: once.
 *
 * As for scoring's events (interviews.c), an event is applied only when
 * its application is the event's tenant's and its job is of the event's
 * company, so an event for an application its writer could not see never
 * shows anywhere; the others are passed, logged by event id.
 */
#include "automation.h"
#include "loops.h"
#include "store.h"

#include "hf/arena.h"
#include "hf/consumer.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/service.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "hrflow.scheduling.interview."

static const char *field(json_t *data, const char *key)
{
    const char *s = json_string_value(json_object_get(data, key));
    return s ? s : "";
}

/* What an event of type means for the page: 1 sets the time, 0 takes it
 * away, -1 nothing (a state the page does not show). */
static int sets_time(const char *type)
{
    static const char *const set[] = { "scheduled.", "rescheduled.", "reminded.", "in_progress." };
    static const char *const clear[] = { "completed.", "no_show.", "cancelled." };
    const char *what = type + strlen(PREFIX);
    for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
        if (!strncmp(what, set[i], strlen(set[i])))
            return 1;
    for (size_t i = 0; i < sizeof(clear) / sizeof(clear[0]); i++)
        if (!strncmp(what, clear[i], strlen(clear[i])))
            return 0;
    return -1;
}

/* A missed interview as its application's no_show result, through the
 * job's rules. b was applied: its application is its tenant's and of its
 * company. */
static int record_no_show(PGconn *db, hf_arena_t *arena, const store_booking_t *b,
                          const char *traceparent)
{
    hf_arena_reset(arena);
    hf_store_t st;
    hf_store_init(&st, db, arena, b->tenant, hf_service_keys());
    st.traceparent = traceparent;
    Hrflow__V1__Application *a = NULL;
    Hrflow__V1__Job *job = NULL;
    int rc = store_application_get(&st, b->application, &a);
    if (rc == HF_OK)
        rc = store_job_get(&st, a->job_id, &job);
    if (rc != HF_OK)
        return rc;
    char event_id[80];
    snprintf(event_id, sizeof(event_id), "interview-no-show:%s", b->interview);
    Hrflow__V1__Assessment as = HRFLOW__V1__ASSESSMENT__INIT;
    as.kind = "no_show";
    as.event_id = event_id;
    automation_outcome_t out;
    rc = automation_run(&st, job, a, &as, 0, &out);
    json_decref(out.decisions);
    return rc;
}

static int on_booked(void *user, PGconn *db, const hf_consumed_event_t *ev, size_t n,
                     size_t *skipped)
{
    (void)user;
    store_booking_t *b = calloc(n, sizeof(*b));
    json_t **data = calloc(n, sizeof(json_t *));
    int *applied = calloc(n, sizeof(int));
    size_t *at = calloc(n, sizeof(size_t)); /* the event of each booking */
    int rc = b && data && applied && at ? HF_OK : HF_EDB;
    size_t k = 0;
    for (size_t i = 0; rc == HF_OK && i < n; i++) {
        int set = sets_time(ev[i].type);
        if (set < 0)
            continue; /* nothing the page shows: applied as nothing */
        json_t *d = data[i] = json_loads(ev[i].data_json, 0, NULL);
        b[k] = (store_booking_t){ ev[i].tenant_id, field(d, "applicationId"),
                                  field(d, "interviewId"), field(d, "companyId"),
                                  set ? field(d, "startTime") : NULL, !set };
        if (!hf_uuid_valid(b[k].tenant) || !hf_uuid_valid(b[k].application) ||
            !hf_uuid_valid(b[k].interview) || !hf_uuid_valid(b[k].company) ||
            (set && !*b[k].start_time)) {
            hf_logkv(HF_LOG_WARN, "a scheduling event without its ids is passed",
                     HF_KV_STR("event", ev[i].id), HF_KV_STR("type", ev[i].type));
            (*skipped)++;
            continue;
        }
        at[k++] = i;
    }
    if (rc == HF_OK && k)
        rc = store_bookings_apply(db, b, k, applied);
    hf_arena_t *arena = NULL;
    for (size_t j = 0; rc == HF_OK && j < k; j++) {
        const hf_consumed_event_t *e = &ev[at[j]];
        if (!applied[j]) {
            hf_logkv(HF_LOG_WARN, "an interview of an application not of its company is passed",
                     HF_KV_STR("event", e->id), HF_KV_STR("application", b[j].application));
            (*skipped)++;
        } else if (!strncmp(e->type + strlen(PREFIX), "no_show.", 8)) {
            if (!arena && !(arena = hf_arena_new(65536)))
                rc = HF_ENOMEM;
            else
                rc = record_no_show(db, arena, &b[j], e->traceparent);
        }
    }
    hf_arena_destroy(&arena);
    for (size_t i = 0; data && i < n; i++)
        json_decref(data[i]);
    free(b), free(data), free(applied), free(at);
    return rc == HF_OK ? HF_CONSUME_OK : HF_CONSUME_RETRY;
}

int pipeline_scheduling_start(void)
{
    static const char *const types[] = { PREFIX, NULL };
    return hf_service_consumer_batch("pipeline.scheduling", types, on_booked, NULL);
}
