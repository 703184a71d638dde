/* services/pipeline/report_handlers.c - the funnel and the fairness audit of a job
 *
 * Both count from the job's transitions in the order of its stage machine
 * (store_counts.c); the funnel is cached in Redis during peaks.
 */
#include "handlers.h"

#include "hf/service.h"
#include "hf/store.h"
#include "automation.h"
#include "settings.h"
#include "stages.h"
#include "store.h"
#include "visible.h"

#include <stdio.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

/* ---- the funnel ---- */

#define ORDER_MAX (PL_STAGES_MAX * (PL_STAGE_NAME_MAX + 1) + 3)

/* The job's ordered stages (hired last; not rejected or withdrawn) as a
 * PostgreSQL array literal: "{applied,screening,…,hired}". */
static void order_literal(const pl_stages_t *stages, char order[ORDER_MAX])
{
    strcpy(order, "{");
    for (size_t i = 0; i < pl_stages_count(stages); i++) {
        const char *name = pl_stages_name(stages, i);
        if (!pl_stages_is_terminal(stages, name) || !strcmp(name, "hired"))
            snprintf(order + strlen(order), ORDER_MAX - strlen(order), "%s%s",
                     order[1] ? "," : "", name);
    }
    strcat(order, "}");
}

/* Count a job's funnel from the applications and their transitions. */
static int count_funnel(hf_store_t *st, const Hrflow__V1__Job *job, Hrflow__V1__Funnel **out)
{
    hf_call_t *call = st->call;
    char err[200];
    pl_stages_t *stages = automation_stages(job, err, sizeof(err));
    if (!stages)
        return hf_call_fail(call, E(INTERNAL), "job %s has invalid stages", job->id);
    size_t ns = pl_stages_count(stages);
    char order[ORDER_MAX];
    order_literal(stages, order);
    store_stage_count_t counts[PL_STAGES_MAX + 8];
    size_t n = 0;
    int rc = store_funnel(st, job->id, order, counts, PL_STAGES_MAX + 8, &n);
    if (rc != HF_OK) {
        pl_stages_destroy(&stages);
        return hf_store_fail(st, rc, "application", "");
    }
    hf_arena_t *ar = hf_call_arena(call);
    Hrflow__V1__Funnel *f = HF_CALL_NEW(call, Hrflow__V1__Funnel, hrflow__v1__funnel__init);
    Hrflow__V1__FunnelStage **list = hf_arena_alloc(ar, (ns + 1) * sizeof(void *));
    Hrflow__V1__Timestamp *now =
        HF_CALL_NEW(call, Hrflow__V1__Timestamp, hrflow__v1__timestamp__init);
    if (!f || !list || !now) {
        pl_stages_destroy(&stages);
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    }
    int64_t ms = hf_now_ms();
    now->seconds = ms / 1000;
    now->nanos = (int32_t)(ms % 1000) * 1000000;
    f->computed_time = now;
    f->job_id = job->id;
    f->stages = list;
    for (size_t i = 0; i < ns; i++) {
        const char *name = pl_stages_name(stages, i);
        Hrflow__V1__FunnelStage *s =
            HF_CALL_NEW(call, Hrflow__V1__FunnelStage, hrflow__v1__funnel_stage__init);
        if (!s)
            break;
        s->stage = hf_arena_strdup(ar, name);
        for (size_t k = 0; k < n; k++)
            if (!strcmp(counts[k].stage, name)) {
                s->current = counts[k].current;
                s->reached = counts[k].reached;
                s->avg_hours_in_stage = counts[k].avg_hours;
                if (counts[k].reached) /* went on to any later stage of the order */
                    s->conversion = (double)counts[k].advanced / (double)counts[k].reached;
            }
        f->total += s->current;
        list[f->n_stages++] = s;
    }
    pl_stages_destroy(&stages);
    *out = f;
    return 0;
}

/* During a hiring peak dashboards poll the funnel while imports and rules
 * write: the count runs at most once per HF_PIPELINE_FUNNEL_CACHE_MS per job
 * (or per ten times what the count took, when that is longer) and every
 * other reader gets those counts from Redis (with computedTime).
 * Redis down or the entry gone: counted again, never wrong. */
HANDLER(pipeline_get_funnel)
{
    const Hrflow__V1__GetFunnelRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Job *job = hf_store_open(call, &st) == 0 ? visible_job(&st, r->job_id) : NULL;
    if (!job)
        return -1;
    char key[128];
    snprintf(key, sizeof(key), "hf:{%s}:funnel:%s", st.tenant, job->id);
    hf_cache_t *cache = pipeline_settings.funnel_cache_ms > 0 ? hf_service_cache(call) : NULL;
    redisReply *hit = cache ? hf_cache_command(cache, "GET %s", key) : NULL;
    if (hit && hit->type == REDIS_REPLY_STRING) {
        ProtobufCMessage *m = protobuf_c_message_unpack(&hrflow__v1__funnel__descriptor, &st.alloc,
                                                        hit->len, (const uint8_t *)hit->str);
        freeReplyObject(hit);
        if (m) {
            *reply = m;
            return 0;
        }
    } else if (hit) {
        freeReplyObject(hit);
    }
    Hrflow__V1__Funnel *f = NULL;
    int64_t t0 = hf_mono_ms();
    if (count_funnel(&st, job, &f) < 0)
        return -1;
    /* a count that took long is kept longer: at most a tenth of the time is
     * spent counting, however many dashboards poll (capped at a minute) */
    long ttl = pipeline_settings.funnel_cache_ms;
    long took = (long)(hf_mono_ms() - t0);
    if (ttl < 10 * took)
        ttl = 10 * took < 60000 ? 10 * took : 60000;
    size_t len = protobuf_c_message_get_packed_size(&f->base);
    uint8_t *buf = cache ? hf_arena_alloc(hf_call_arena(call), len + 1) : NULL;
    if (buf) {
        protobuf_c_message_pack(&f->base, buf);
        redisReply *set = hf_cache_command(cache, "SET %s %b PX %ld", key, buf, len, ttl);
        if (set)
            freeReplyObject(set);
    }
    *reply = &f->base;
    return 0;
}

/* ---- the fairness audit ---- */

#define AUDIT_MAX 256 /* (stage, group) pairs */

typedef struct {
    struct {
        char stage[40], group[64];
        uint64_t entered, selected;
    } row[AUDIT_MAX];
    size_t n;
} audit_rows_t;

static void audit_row(void *ctx, const char *stage, const char *group, uint64_t entered,
                      uint64_t selected)
{
    audit_rows_t *a = ctx;
    if (a->n >= AUDIT_MAX)
        return;
    snprintf(a->row[a->n].stage, sizeof(a->row[0].stage), "%s", stage);
    snprintf(a->row[a->n].group, sizeof(a->row[0].group), "%s", group);
    a->row[a->n].entered = entered;
    a->row[a->n].selected = selected;
    a->n++;
}

HANDLER(pipeline_get_audit)
{
    const Hrflow__V1__GetAuditRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Job *job = hf_store_open(call, &st) == 0 ? visible_job(&st, r->job_id) : NULL;
    if (!job)
        return -1;
    const char *column = !strcmp(r->attribute, "gender")     ? "gender"
                         : !strcmp(r->attribute, "age_band") ? "age_band"
                         : !strcmp(r->attribute, "ageBand")  ? "age_band"
                                                             : NULL;
    if (!column) {
        hf_call_detail(call, "attribute", "bad_format", "gender or age_band");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "unknown attribute %s", r->attribute);
    }
    char err[200], order[ORDER_MAX];
    pl_stages_t *stages = automation_stages(job, err, sizeof(err));
    if (!stages)
        return hf_call_fail(call, E(INTERNAL), "job %s has invalid stages", job->id);
    order_literal(stages, order);
    audit_rows_t *rows = hf_arena_alloc(hf_call_arena(call), sizeof(*rows));
    Hrflow__V1__Audit *o = HF_CALL_NEW(call, Hrflow__V1__Audit, hrflow__v1__audit__init);
    if (!rows || !o) {
        pl_stages_destroy(&stages);
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    }
    rows->n = 0;
    if (store_audit(&st, job->id, order, column, audit_row, rows) != HF_OK) {
        pl_stages_destroy(&stages);
        return hf_store_fail(&st, HF_EDB, "application", "");
    }
    hf_arena_t *ar = hf_call_arena(call);
    o->job_id = job->id;
    o->attribute = (char *)column;
    o->stages = hf_arena_alloc(ar, (pl_stages_count(stages) + 1) * sizeof(void *));
    for (size_t i = 0; o->stages && i < pl_stages_count(stages); i++) {
        const char *name = pl_stages_name(stages, i);
        if (pl_stages_is_terminal(stages, name)) /* the last ordered stage selects no further */
            continue;
        Hrflow__V1__AuditStage *s =
            HF_CALL_NEW(call, Hrflow__V1__AuditStage, hrflow__v1__audit_stage__init);
        if (!s || !(s->groups = hf_arena_alloc(ar, (rows->n + 1) * sizeof(void *))))
            break;
        s->stage = hf_arena_strdup(ar, name);
        double best = 0;
        for (size_t k = 0; k < rows->n; k++) {
            if (strcmp(rows->row[k].stage, name) || !rows->row[k].entered)
                continue;
            Hrflow__V1__AuditGroup *g =
                HF_CALL_NEW(call, Hrflow__V1__AuditGroup, hrflow__v1__audit_group__init);
            if (!g)
                break;
            g->group = hf_arena_strdup(ar, rows->row[k].group);
            g->entered = rows->row[k].entered;
            g->selected = rows->row[k].selected;
            g->selection_rate = (double)g->selected / (double)g->entered;
            if (*g->group && g->selection_rate > best) /* unreported values are shown, not compared */
                best = g->selection_rate;
            s->groups[s->n_groups++] = g;
        }
        for (size_t k = 0; k < s->n_groups; k++) {
            Hrflow__V1__AuditGroup *g = s->groups[k];
            if (!*g->group || best <= 0)
                continue;
            g->impact_ratio = g->selection_rate / best;
            g->flagged = g->impact_ratio < 0.8;
            o->any_flagged |= g->flagged;
        }
        o->stages[o->n_stages++] = s;
    }
    pl_stages_destroy(&stages);
    *reply = &o->base;
    return 0;
}
