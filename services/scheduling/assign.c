/* services/scheduling/assign.c - from the pipeline's invitation to a slot, automatically
 *
 * The pipeline's rules write hrflow.pipeline.application.ai_interview_invited.v1
 * (applicationId, jobId, candidateId, companyId, competencyModelId). This
 * consumer (hf/consumer.h, cursor "scheduling.invitations", whole batches)
 * places each company's invitations of a batch with one statement
 * (store_assign: they take seats after the company's waiting ones; those
 * without one wait), in the batch's transaction with the cursor: an
 * invitation is placed exactly once whatever dies when, thousands at a
 * time. What finds no slot in its window waits (counted in
 * hf_scheduling_invitations_waiting) and the assigner places it on a later
 * pass: every HF_SCHEDULING_ASSIGN_S on every replica, and at once after a
 * change of settings or closures in the handler that made it (SKIP LOCKED
 * keeps them apart).
 *
 * An invitation without the ids scheduling needs (one written before the
 * pipeline said its companyId) is passed, logged by event id.
 */
#include "loops.h"
#include "settings.h"
#include "store.h"

#include "hf/arena.h"
#include "hf/consumer.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hf/service.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT 5000 /* waiting interviews one statement places at most */

static hf_counter_t *placed_total, *moves[SCHED_N_STATES];
static hf_histogram_t *lag;

/* One company's waiting interviews, then its fresh invitations (n, may be
 * 0), placed by one statement on st; counted. Returns HF_OK with *more set
 * when it took a full lot of waiting ones and placed some. */
static int place(hf_store_t *st, const char *company, const store_invitation_t *fresh,
                 size_t n, int *more)
{
    store_assigned_t out;
    int rc = store_assign(st, company, LIMIT, (int)sched_settings.notice_min, fresh, n, &out);
    if (rc != HF_OK)
        return rc;
    hf_counter_add(placed_total, (uint64_t)out.placed);
    hf_counter_add(moves[SCHED_SCHEDULED], (uint64_t)out.placed);
    for (long i = 0; i < out.placed; i++)
        hf_histogram_observe(lag, out.lags[i]);
    *more = out.taken == LIMIT && out.placed > 0;
    return HF_OK;
}

/* (tenant, company) pairs, kept in an arena. */
typedef struct {
    hf_arena_t *arena;
    char **tenant, **company;
    size_t n, cap;
} pairs_t;

static void add_pair(void *ctx, const char *tenant, const char *company)
{
    pairs_t *p = ctx;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        char **t = hf_arena_alloc(p->arena, cap * sizeof(char *));
        char **c = hf_arena_alloc(p->arena, cap * sizeof(char *));
        if (!t || !c)
            return;
        if (p->n) {
            memcpy(t, p->tenant, p->n * sizeof(char *));
            memcpy(c, p->company, p->n * sizeof(char *));
        }
        p->tenant = t, p->company = c, p->cap = cap;
    }
    p->tenant[p->n] = hf_arena_strdup(p->arena, tenant);
    p->company[p->n] = hf_arena_strdup(p->arena, company);
    if (p->tenant[p->n] && p->company[p->n])
        p->n++;
}

/* Place the waiting interviews of every pair, each pair in a transaction
 * of its own on db. Returns how many pairs still have more, or -1. */
static int place_pairs(PGconn *db, hf_arena_t *arena, const pairs_t *p)
{
    int more_pairs = 0, failed = 0;
    for (size_t i = 0; i < p->n; i++) {
        hf_store_t st;
        hf_store_init(&st, db, arena, p->tenant[i], hf_service_keys());
        int more = 0;
        int rc = hf_db_begin(db) < 0 ? HF_EDB : place(&st, p->company[i], NULL, 0, &more);
        if (hf_store_finish(&st, rc) != HF_OK)
            failed = 1;
        more_pairs += more;
    }
    return failed ? -1 : more_pairs;
}

long sched_assign_tenant(hf_store_t *st)
{
    pairs_t p = { .arena = st->arena };
    uint64_t before = hf_counter_value(placed_total);
    if (store_waiting(st, st->tenant, add_pair, &p) != HF_OK)
        return -1;
    /* one pass, within a request's time; the assigner places the rest */
    return place_pairs(st->db, st->arena, &p) < 0
               ? -1
               : (long)(hf_counter_value(placed_total) - before);
}

void sched_count_move(const char *to)
{
    sched_state_t s;
    if (sched_state_parse(to, &s) == 0)
        hf_counter_inc(moves[s]);
}

/* ---- the consumer of invitations ---- */

typedef struct {
    hf_arena_t *arena;
} assign_t;

static const char *field(json_t *data, const char *key)
{
    const char *s = json_string_value(json_object_get(data, key));
    return s ? s : "";
}

/* The invitation an event carries; -1 when it lacks what scheduling needs. */
static int invitation_of(const hf_consumed_event_t *ev, json_t *data, store_invitation_t *out)
{
    *out = (store_invitation_t){ .tenant = ev->tenant_id, .event_id = ev->id,
                                 .application = field(data, "applicationId"),
                                 .job = field(data, "jobId"),
                                 .candidate = field(data, "candidateId"),
                                 .model = field(data, "competencyModelId"),
                                 .company = field(data, "companyId"), .time_us = ev->time_us };
    return hf_uuid_valid(out->tenant) && hf_uuid_valid(out->application) &&
                   hf_uuid_valid(out->job) && hf_uuid_valid(out->candidate) &&
                   hf_uuid_valid(out->company) && strlen(out->model) <= 64
               ? 0
               : -1;
}

static int on_invited(void *user, PGconn *db, const hf_consumed_event_t *ev, size_t n,
                      size_t *skipped)
{
    assign_t *x = user;
    hf_arena_reset(x->arena);
    store_invitation_t *inv = hf_arena_alloc(x->arena, n * sizeof(*inv));
    json_t **data = calloc(n, sizeof(json_t *));
    if (!inv || !data) {
        free(data);
        return HF_CONSUME_RETRY;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        data[k] = json_loads(ev[i].data_json, 0, NULL);
        if (invitation_of(&ev[i], data[k], &inv[k]) < 0) {
            hf_logkv(HF_LOG_WARN, "an invitation without the ids scheduling needs is passed",
                     HF_KV_STR("event", ev[i].id), HF_KV_STR("type", ev[i].type));
            json_decref(data[k]);
            (*skipped)++;
            continue;
        }
        k++;
    }
    /* each company's invitations together, in the batch's order, placed in
     * the batch's transaction: the cursor moves with them (a batch holds a
     * few companies: one pass over it for each) */
    store_invitation_t *group = hf_arena_alloc(x->arena, (k ? k : 1) * sizeof(*group));
    unsigned char *done = hf_arena_alloc(x->arena, k ? k : 1);
    int rc = group && done ? HF_OK : HF_ENOMEM;
    if (done)
        memset(done, 0, k ? k : 1);
    for (size_t i = 0; rc == HF_OK && i < k; i++) {
        if (done[i])
            continue;
        size_t m = 0;
        for (size_t j = i; j < k; j++)
            if (!done[j] && !strcmp(inv[j].tenant, inv[i].tenant) &&
                !strcmp(inv[j].company, inv[i].company)) {
                group[m++] = inv[j];
                done[j] = 1;
            }
        hf_store_t st;
        hf_store_init(&st, db, x->arena, inv[i].tenant, hf_service_keys());
        int more;
        rc = place(&st, inv[i].company, group, m, &more);
    }
    for (size_t i = 0; i < k; i++)
        json_decref(data[i]);
    free(data);
    return rc == HF_OK ? HF_CONSUME_OK : HF_CONSUME_RETRY;
}

/* ---- the assigner ---- */

static int assigner_step(hf_loop_t *loop, PGconn *db, void *user)
{
    (void)loop;
    assign_t *x = user;
    hf_arena_reset(x->arena);
    hf_store_t st;
    hf_store_init(&st, db, x->arena, NULL, hf_service_keys());
    pairs_t p = { .arena = x->arena };
    if (store_waiting(&st, NULL, add_pair, &p) != HF_OK)
        return -1;
    int more = place_pairs(db, x->arena, &p);
    return more < 0 ? -1 : more > 0;
}

static void assigner_cleanup(void *user)
{
    assign_t *x = user;
    hf_arena_destroy(&x->arena);
    free(x);
}

static assign_t *consumer_state; /* the consumer's, freed once it stopped */

void sched_assign_free(void)
{
    if (consumer_state)
        assigner_cleanup(consumer_state);
    consumer_state = NULL;
}

static assign_t *assign_new(void)
{
    assign_t *x = calloc(1, sizeof(*x));
    if (x && !(x->arena = hf_arena_new(65536))) {
        free(x);
        x = NULL;
    }
    return x;
}

int sched_assign_start(void)
{
    static const double lag_bounds[] = { 1, 5, 15, 60, 300, 900, 3600, 14400, 86400, 259200 };
    placed_total = hf_metrics_counter("hf_scheduling_interviews_placed_total",
                                      "Invitations placed in a slot", NULL);
    lag = hf_metrics_histogram("hf_scheduling_assignment_lag_seconds",
                               "From the pipeline's invitation to its slot", NULL, lag_bounds,
                               sizeof(lag_bounds) / sizeof(lag_bounds[0]));
    for (int s = 0; s < SCHED_N_STATES; s++) {
        char labels[48];
        snprintf(labels, sizeof(labels), "to=\"%s\"", sched_state_name((sched_state_t)s));
        moves[s] = hf_metrics_counter("hf_scheduling_transitions_total",
                                      "Interviews moved into a state of their lifecycle", labels);
    }
    static const char *const types[] = {
        "hrflow.pipeline.application.ai_interview_invited.", NULL
    };
    assign_t *c = assign_new(), *a = assign_new();
    if (!c || !a) {
        if (c)
            assigner_cleanup(c);
        if (a)
            assigner_cleanup(a);
        return -1;
    }
    consumer_state = c;
    if (hf_service_consumer_batch("scheduling.invitations", types, on_invited, c) < 0) {
        assigner_cleanup(a);
        return -1;
    }
    const hf_loop_def_t def = { .name = "scheduling assigner", .step = assigner_step,
                                .cleanup = assigner_cleanup, .user = a,
                                .idle_ms = (int)sched_settings.assign_s * 1000 };
    return hf_service_loop(&def);
}
