/* services/scheduling/slots.c - the slots of AI-interview lines: listed, and kept ahead
 *
 * ListSlots shows what a company may book, day by day, with free seats.
 * The slot sweep (the elected replica, every HF_SCHEDULING_SLOTS_S) remakes
 * every tenant's future slots from its settings, so they always reach
 * HF_SCHEDULING_HORIZON_DAYS ahead as days pass (changes of settings and
 * closures remake them at once, in their own transactions), and sets the
 * gauges operators watch at peak: free seats per coming day and
 * invitations waiting for a slot.
 */
#include "handlers.h"
#include "calendar.h"
#include "loops.h"
#include "settings.h"
#include "store.h"

#include "hf/arena.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hf/service.h"

#include <stdio.h>
#include <stdlib.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code
#define GAUGE_DAYS 7

int sched_days_check(hf_call_t *call, const char *from_day, uint32_t days)
{
    int bad = 0;
    if (*from_day && !sched_day_valid(from_day))
        hf_call_detail(call, "from_day", "bad_format", "a day \"YYYY-MM-DD\""), bad = 1;
    if (days > 31)
        hf_call_detail(call, "days", "out_of_range", "1 to 31 days"), bad = 1;
    return bad ? hf_call_fail(call, E(INVALID_ARGUMENT), "the range of days is invalid") : 0;
}

HANDLER(scheduling_list_slots)
{
    const Hrflow__V1__ListSlotsRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    if (!*r->company_id) {
        hf_call_detail(call, "company_id", "required", "whose slots: their hours and lines");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "companyId is required");
    }
    if (sched_days_check(call, r->from_day, r->days) < 0)
        return -1;
    if (sched_company_check(&st, r->company_id, NULL) < 0)
        return -1;
    Hrflow__V1__ListSlotsResponse *o = HF_CALL_NEW(call, Hrflow__V1__ListSlotsResponse,
                                                   hrflow__v1__list_slots_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = store_slots_list(&st, r->company_id, r->from_day, r->days ? r->days : 7,
                              r->free_only, o);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "slot", "");
    *reply = &o->base;
    return 0;
}

/* ---- the slot sweep ---- */

typedef struct {
    hf_arena_t *arena;
    hf_gauge_t *seats[GAUGE_DAYS], *waiting;
} sweep_t;

typedef struct {
    PGconn *db;
    hf_arena_t *arena;
    int failed;
} tenants_t;

static void remake(void *ctx, const char *tenant)
{
    tenants_t *t = ctx;
    hf_store_t st;
    hf_store_init(&st, t->db, t->arena, tenant, hf_service_keys());
    int rc = hf_db_begin(t->db) < 0
                 ? HF_EDB
                 : store_slots_regenerate(&st, (int)sched_settings.horizon_days);
    if (hf_store_finish(&st, rc) != HF_OK)
        t->failed = 1;
}

static int sweep_step(hf_loop_t *loop, PGconn *db, void *user)
{
    (void)loop;
    sweep_t *s = user;
    hf_arena_reset(s->arena);
    hf_store_t st;
    hf_store_init(&st, db, s->arena, NULL, hf_service_keys());
    tenants_t t = { db, s->arena, 0 };
    if (store_tenants(&st, remake, &t) != HF_OK || t.failed)
        return -1;
    double seats[GAUGE_DAYS] = { 0 }, waiting = 0;
    if (store_gauges(&st, seats, GAUGE_DAYS, &waiting) != HF_OK)
        return -1;
    for (int d = 0; d < GAUGE_DAYS; d++)
        hf_gauge_set(s->seats[d], seats[d]);
    hf_gauge_set(s->waiting, waiting);
    return 0;
}

static void sweep_cleanup(void *user)
{
    sweep_t *s = user;
    hf_arena_destroy(&s->arena);
    free(s);
}

int sched_slots_start(void)
{
    sweep_t *s = calloc(1, sizeof(*s));
    if (!s || !(s->arena = hf_arena_new(65536))) {
        free(s);
        return -1;
    }
    for (int d = 0; d < GAUGE_DAYS; d++) {
        char labels[32];
        snprintf(labels, sizeof(labels), "day=\"%d\"", d);
        s->seats[d] = hf_metrics_gauge("hf_scheduling_free_seats",
                                       "Free AI-interview seats in the 24 h starting d days from "
                                       "now, every tenant (set by the elected replica)",
                                       labels);
    }
    s->waiting = hf_metrics_gauge("hf_scheduling_invitations_waiting",
                                  "Invitations no slot was found for yet (set by the elected "
                                  "replica)",
                                  NULL);
    const hf_loop_def_t def = { .name = "scheduling slot sweep", .step = sweep_step,
                                .cleanup = sweep_cleanup, .user = s,
                                .idle_ms = (int)sched_settings.slots_s * 1000,
                                .leader = "hrflow scheduling slot sweep" };
    return hf_service_loop(&def);
}
