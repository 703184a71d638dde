/* services/pipeline/screener.c - pending resumes to scoring, the results through the rules
 *
 * An application to a job with a competency model, by a candidate with a
 * resume, is created with screening = 'pending' (in the transaction that
 * creates it, API or import). Each replica's screener takes up to BATCH of
 * them in a transaction (FOR UPDATE SKIP LOCKED: replicas share the queue
 * without waiting on each other), sends their resumes to scoring's
 * ScreenResumes at once, CHUNK of a tenant per call (hf_bus_send: the
 * scoring replicas work on the calls in parallel; one envelope, one model
 * read and one call's overhead for CHUNK resumes, where a call per resume
 * spent more on the bus and the calls than on screening), then, in that
 * same transaction and set-based per job, records
 * the screening results (event id "screening:<application>"), runs the job's
 * rules on them (automation_run_many) and marks the applications done (those
 * the rules moved, by the move's own update of the row). One commit
 * covers the batch: a replica killed mid-batch leaves every application of
 * it pending for another, and the event id makes a result that was recorded
 * act only once.
 *
 * Scoring unavailable or overloaded: the batch stays pending and the loop
 * waits. Scoring refusing a request (no such competency model, a resume it
 * cannot read): that application is marked failed and logged, so one bad
 * record never blocks the queue.
 */
#include "automation.h"
#include "loops.h"

#include "hf/arena.h"
#include "hf/bus.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hf/service.h"
#include "hrflow/v1/scoring.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 64
#define CHUNK 16 /* resumes per ScreenResumes call: a batch is 4 calls or more */
#define CALL_TIMEOUT_MS 15000
#define IDLE_MS 250

typedef struct {
    char *brokers;
    hf_bus_client_t *bus;
    hf_arena_t *arena;
    hf_counter_t *screened, *failed, *waiting; /* metrics */
    hf_gauge_t *pending;
    int64_t pending_next;       /* when the pending gauge may be counted again */
} screener_t;

/* How many applications wait for screening, for the gauge: at most once a
 * second, and no sooner than a hundred times what the last count took. The
 * count visits every waiting row (right after an import the visibility map
 * is not set, so an index-only count still reads the table): 50-100 ms at
 * 15 000 waiting on a busy machine, which once a second per replica was a
 * tenth of a core, growing with the queue. Counted outside the batch's
 * transaction. */
static void count_pending(screener_t *s, PGconn *db)
{
    int64_t now = hf_mono_ms();
    if (now < s->pending_next)
        return;
    PGresult *r = hf_db_query(db,
                              "SELECT count(*) FROM pipeline.applications"
                              " WHERE screening = 'pending'",
                              0, NULL);
    if (r)
        hf_gauge_set(s->pending, strtod(PQgetvalue(r, 0, 0), NULL));
    PQclear(r);
    int64_t took = hf_mono_ms() - now;
    s->pending_next = now + (took * 100 > 1000 ? took * 100 : 1000);
}

typedef struct {
    store_pending_t p;
    hf_store_t st;
    const Hrflow__V1__ScreenResumeResponse *reply; /* in its chunk's reply */
    int error;                  /* the error code of a failed call or refused item */
} item_t;

/* Up to CHUNK resumes of one tenant in one ScreenResumes call: a batch goes
 * out as a few calls, so the scoring replicas share it. */
typedef struct {
    int idx[CHUNK];             /* its items */
    int n;
    char request_id[HF_BUS_ID_MAX];
    int sent;
    Hrflow__V1__ScreenResumesResponse *reply;
} chunk_t;

/* Errors that another try will not change. */
static int permanent(int code)
{
    return code == HRFLOW__V1__ERROR_CODE__INVALID_ARGUMENT ||
           code == HRFLOW__V1__ERROR_CODE__NOT_FOUND ||
           code == HRFLOW__V1__ERROR_CODE__FAILED_PRECONDITION ||
           code == HRFLOW__V1__ERROR_CODE__MALFORMED;
}

/* Group the claimed items by tenant into chunks of at most CHUNK. Returns
 * how many chunks. */
static int make_chunks(item_t *items, int n, chunk_t *chunks)
{
    int taken[BATCH] = { 0 }, nc = 0;
    for (int i = 0; i < n; i++) {
        if (taken[i])
            continue;
        chunk_t *c = NULL;
        for (int k = i; k < n; k++) {
            if (taken[k] || strcmp(items[k].p.tenant, items[i].p.tenant) != 0)
                continue;
            if (!c || c->n == CHUNK) {
                c = &chunks[nc++];
                *c = (chunk_t){ .n = 0 };
            }
            c->idx[c->n++] = k;
            taken[k] = 1;
        }
    }
    return nc;
}

/* Send one chunk to scoring. */
static void send_chunk(screener_t *s, item_t *items, chunk_t *c)
{
    Hrflow__V1__ScreenResumeRequest reqs[CHUNK], *list[CHUNK];
    for (int k = 0; k < c->n; k++) {
        item_t *it = &items[c->idx[k]];
        reqs[k] = (Hrflow__V1__ScreenResumeRequest)HRFLOW__V1__SCREEN_RESUME_REQUEST__INIT;
        reqs[k].resume = it->p.resume;
        reqs[k].competency_model_id = it->p.job->competency_model_id;
        list[k] = &reqs[k];
    }
    Hrflow__V1__ScreenResumesRequest req = HRFLOW__V1__SCREEN_RESUMES_REQUEST__INIT;
    req.items = list;
    req.n_items = (size_t)c->n;
    char *scopes[] = { "recruiter" };
    Hrflow__V1__Caller caller = HRFLOW__V1__CALLER__INIT;
    caller.tenant_id = items[c->idx[0]].p.tenant;
    caller.scopes = scopes;
    caller.n_scopes = 1;
    caller.actor = "system:pipeline-screener";
    hf_call_opts_t opts = { .timeout_ms = CALL_TIMEOUT_MS, .caller = &caller, .more = 1 };
    if (hf_bus_send(s->bus, "scoring", "ScreenResumes", &req.base, &opts, c->request_id) == 0)
        c->sent = 1;
    else
        for (int k = 0; k < c->n; k++)
            items[c->idx[k]].error = HRFLOW__V1__ERROR_CODE__UNAVAILABLE;
}

/* A chunk's reply to its items: each item's response or its refusal; a
 * failed call, or a reply that does not answer every item, to all of them. */
static void take_reply(item_t *items, chunk_t *c, int code)
{
    const Hrflow__V1__ScreenResumesResponse *r = c->reply;
    if (!code && (!r || r->n_results != (size_t)c->n))
        code = HRFLOW__V1__ERROR_CODE__INTERNAL;
    for (int k = 0; k < c->n; k++) {
        item_t *it = &items[c->idx[k]];
        const Hrflow__V1__ScreenResumeResult *x = code ? NULL : r->results[k];
        it->reply = x && !x->error ? x->response : NULL;
        it->error = code                 ? code
                    : x->error           ? (x->error->code ? (int)x->error->code
                                                           : HRFLOW__V1__ERROR_CODE__INTERNAL)
                    : !x->response       ? HRFLOW__V1__ERROR_CODE__INTERNAL
                                         : 0;
    }
}

/* Wait for the replies of the chunks sent. */
static void collect(screener_t *s, item_t *items, chunk_t *chunks, int nc)
{
    int waiting = 0;
    for (int i = 0; i < nc; i++)
        waiting += chunks[i].sent;
    int64_t deadline = hf_mono_ms() + CALL_TIMEOUT_MS + 1000;
    while (waiting > 0) {
        int64_t left = deadline - hf_mono_ms();
        Hrflow__V1__Envelope *env = NULL;
        if (left <= 0 || hf_bus_recv(s->bus, (int)left, &env) <= 0)
            break;
        for (int i = 0; i < nc; i++) {
            chunk_t *c = &chunks[i];
            if (!c->sent || strcmp(c->request_id, env->request_id) != 0)
                continue;
            hf_status_t st = { 0 };
            ProtobufCMessage *out = NULL;
            int code = hf_bus_reply_decode(env, &hrflow__v1__screen_resumes_response__descriptor,
                                           &out, &st);
            hf_status_clear(&st);
            c->reply = (Hrflow__V1__ScreenResumesResponse *)out;
            take_reply(items, c, code);
            c->sent = 0;
            waiting--;
            break;
        }
        hrflow__v1__envelope__free_unpacked(env, NULL);
    }
    for (int i = 0; i < nc; i++)
        if (chunks[i].sent) { /* no reply in time */
            chunks[i].sent = 0;
            take_reply(items, &chunks[i], HRFLOW__V1__ERROR_CODE__DEADLINE_EXCEEDED);
        }
}

/* Mark refused applications failed. Returns 0, or -1 when the database failed. */
static int mark_refused(item_t *items, int n)
{
    for (int i = 0; i < n; i++) {
        item_t *it = &items[i];
        if (!it->error || !permanent(it->error))
            continue;
        hf_logkv(HF_LOG_WARN, "scoring refused a resume: screening failed",
                 HF_KV_STR("application", it->p.app->id),
                 HF_KV_STR("error", hf_error_code_name(it->error)));
        if (store_screening_set(&it->st, it->p.app->id, "failed") != HF_OK)
            return -1;
    }
    return 0;
}

/* A group that failed as a whole, again one application at a time: those
 * that still fail are marked failed (logged by id) instead of holding the
 * queue; they can be screened again by setting them pending. Returns how
 * many were recorded, or -1 when the database itself failed. */
static int record_one_by_one(hf_store_t *st, const Hrflow__V1__Job *job, automation_item_t *group,
                             const char **ids, int m, int *failed)
{
    int done = 0;
    for (int k = 0; k < m; k++) {
        automation_item_t one = group[k];
        int rc = automation_run_many(st, job, &one, 1);
        json_decref(one.out.decisions);
        if (rc == HF_ECONFLICT)
            continue;
        if (rc != HF_OK) {
            if (PQstatus(st->db) != CONNECTION_OK)
                return -1;
            hf_logkv(HF_LOG_ERROR, "a screening result could not be recorded: screening failed",
                     HF_KV_STR("application", ids[k]));
        }
        if (store_screening_set(st, ids[k], rc == HF_OK ? "done" : "failed") != HF_OK)
            return -1;
        done += rc == HF_OK;
        *failed += rc != HF_OK;
    }
    return done;
}

/* Record the scores and run the rules, set-based per job (automation_run_many),
 * and mark those applications screened. Returns how many, or -1 when the
 * database failed (the whole batch is rolled back). */
static int record_scores(item_t *items, int n, int *failed)
{
    automation_item_t group[BATCH];
    Hrflow__V1__Assessment as[BATCH];
    char event_id[BATCH][64];
    const char *ids[BATCH];
    int taken[BATCH] = { 0 }, done = 0;
    for (int i = 0; i < n; i++) {
        if (taken[i] || items[i].error)
            continue;
        /* every scored application of this tenant and job */
        int m = 0;
        for (int k = i; k < n; k++) {
            item_t *it = &items[k];
            if (taken[k] || it->error || strcmp(it->p.tenant, items[i].p.tenant) != 0 ||
                strcmp(it->p.app->job_id, items[i].p.app->job_id) != 0)
                continue;
            taken[k] = 1;
            snprintf(event_id[m], sizeof(event_id[m]), "screening:%s", it->p.app->id);
            as[m] = (Hrflow__V1__Assessment)HRFLOW__V1__ASSESSMENT__INIT;
            as[m].kind = "screening";
            as[m].score = it->reply->score;
            as[m].event_id = event_id[m];
            group[m] = (automation_item_t){ it->p.app, &as[m], 0, { NULL, 0 }, "done" };
            ids[m] = it->p.app->id;
            m++;
        }
        hf_store_t *st = &items[i].st;
        int rc = automation_run_many(st, items[i].p.job, group, (size_t)m);
        for (int k = 0; k < m; k++)
            json_decref(group[k].out.decisions);
        if (rc == HF_ECONFLICT) /* moved meanwhile: the next round reads them again */
            continue;
        if (rc != HF_OK && PQstatus(st->db) == CONNECTION_OK) {
            /* one bad application must not hold the queue: one by one */
            int n1 = record_one_by_one(st, items[i].p.job, group, ids, m, failed);
            if (n1 < 0)
                return -1;
            done += n1;
            continue;
        }
        if (rc != HF_OK || store_screening_set_many(st, ids, (size_t)m, "done") != HF_OK)
            return -1;
        done += m;
    }
    return done;
}

static int screen_step(hf_loop_t *loop, PGconn *db, void *user)
{
    (void)loop;
    screener_t *s = user;
    if (!s->bus && !(s->bus = hf_bus_client_new(s->brokers)))
        return -1;
    count_pending(s, db);
    if (hf_db_begin(db) < 0)
        return -1;
    item_t items[BATCH];
    store_pending_t pending[BATCH];
    hf_arena_reset(s->arena);
    hf_store_t claim;
    hf_store_init(&claim, db, s->arena, "", hf_service_keys());
    int n = store_screening_claim(&claim, pending, BATCH);
    if (n <= 0) {
        hf_db_rollback(db);
        return n;
    }
    chunk_t chunks[BATCH];
    for (int i = 0; i < n; i++) {
        items[i] = (item_t){ .p = pending[i] };
        hf_store_init(&items[i].st, db, s->arena, items[i].p.tenant, hf_service_keys());
    }
    int nc = make_chunks(items, n, chunks);
    for (int i = 0; i < nc; i++)
        send_chunk(s, items, &chunks[i]);
    collect(s, items, chunks, nc);
    int transient = 0;
    for (int i = 0; i < n; i++)
        transient += items[i].error && !permanent(items[i].error);
    int refused = 0;
    for (int i = 0; i < n; i++)
        refused += items[i].error && permanent(items[i].error);
    int done = mark_refused(items, n) < 0 ? -1 : record_scores(items, n, &refused);
    int failed = done < 0;
    for (int i = 0; i < nc; i++)
        if (chunks[i].reply)
            protobuf_c_message_free_unpacked(&chunks[i].reply->base, NULL);
    if (failed || hf_db_commit(db) < 0) {
        hf_db_rollback(db);
        return -1;
    }
    hf_counter_add(s->screened, (uint64_t)done);
    hf_counter_add(s->failed, (uint64_t)refused);
    hf_counter_add(s->waiting, (uint64_t)transient);
    if (transient)
        hf_logkv(HF_LOG_WARN, "scoring did not answer some screenings: they wait for the next try",
                 HF_KV_INT("count", transient));
    return transient ? -1 : done + 1;
}

/* On the screener's thread when it stops: its bus socket is its own. */
static void screener_cleanup(void *user)
{
    screener_t *s = user;
    hf_bus_client_destroy(&s->bus);
    hf_arena_destroy(&s->arena);
    free(s->brokers);
    free(s);
}

int pipeline_screener_start(void)
{
    screener_t *s = calloc(1, sizeof(*s));
    if (!s || !(s->brokers = strdup(hf_service_brokers())) || !(s->arena = hf_arena_new(65536))) {
        free(s ? s->brokers : NULL);
        free(s);
        return -1;
    }
    s->screened = hf_metrics_counter("hf_pipeline_screened_total",
                                     "Applications screened by scoring, their rules run", NULL);
    s->failed = hf_metrics_counter("hf_pipeline_screening_failed_total",
                                   "Applications whose screening failed for good (logged by id)",
                                   NULL);
    s->waiting = hf_metrics_counter("hf_pipeline_screening_retries_total",
                                    "Screenings put back because scoring did not answer", NULL);
    s->pending = hf_metrics_gauge("hf_pipeline_screening_pending",
                                  "Applications waiting for screening", NULL);
    const hf_loop_def_t def = { .name = "pipeline screener", .step = screen_step,
                                .cleanup = screener_cleanup, .user = s, .idle_ms = IDLE_MS };
    return hf_service_loop(&def);
}
