/* services/notify/reactions.c - the consumer that turns events into letters
 *
 * A durable consumer (hf/consumer.h, cursor "notify.reactions", one event
 * at a time) over scheduling's interview events and the pipeline's
 * application events:
 *   interview.scheduled    → invitation (its first slot: one per interview)
 *   interview.reminded     → reminder (each of the job's reminder offsets)
 *   interview.rescheduled  → reschedule (the former time from the last slot seen)
 *   interview.cancelled    → cancellation
 *   application.template_requested with template thank_you or offer
 *                          → that letter (a rule's "reject with template")
 *   application.rejected by a person (not a rule) → thank_you, when the
 *                            tenant turned thank_you_on_manual_reject on
 *   application.hired      → offer (no channel by default)
 * Each event's letters are enqueued in the consumer's transaction, so the
 * cursor and the letters commit together; letters.c gathers and renders
 * them. The last slot of each interview is kept (notify.reaction_interview)
 * for the reschedule letter's former time.
 */
#include "reactions.h"

#include "hf/arena.h"
#include "hf/consumer.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/service.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

const char *nt_public_url;
long nt_reactions_on;

static hf_arena_t *arena; /* the consumer's */

static const char *field(json_t *data, const char *key)
{
    const char *s = json_string_value(json_object_get(data, key));
    return s ? s : "";
}

/* The slot of an interview event: its start (Unix seconds, 0 none) and the
 * one seen before (previous, may be NULL), recording the new one. */
static const char sql_slot[] =
    "WITH old AS (SELECT extract(epoch FROM start_time)::bigint AS s"
    "               FROM notify.reaction_interview"
    "              WHERE tenant_id = $1::uuid AND interview_id = $2::uuid),"
    " up AS (INSERT INTO notify.reaction_interview (tenant_id, interview_id, start_time)"
    "        SELECT $1::uuid, $2::uuid, $3::text::timestamptz WHERE $3::text <> ''"
    "        ON CONFLICT (tenant_id, interview_id) DO UPDATE"
    "          SET start_time = excluded.start_time, update_time = now())"
    " SELECT coalesce(extract(epoch FROM NULLIF($3::text, '')::timestamptz)::bigint, 0),"
    "        coalesce((SELECT s FROM old), 0)";

static int slot(PGconn *db, const char *tenant, const char *interview, const char *start,
                int64_t *now_start, int64_t *previous)
{
    const char *p[] = { tenant, interview, start };
    PGresult *r = hf_db_query(db, sql_slot, 3, p);
    int ok = r && PQntuples(r) == 1;
    if (ok) {
        *now_start = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        if (previous)
            *previous = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    }
    PQclear(r);
    return ok ? 0 : -1;
}

/* 1 when the application's last move was a rule's ("rule:<n>"). */
static int moved_by_rule(json_t *data)
{
    json_t *history = json_object_get(data, "history");
    size_t n = json_array_size(history);
    const char *actor = n ? field(json_array_get(history, n - 1), "actor") : "";
    return !strncmp(actor, "rule:", 5);
}

#define INTERVIEW "hrflow.scheduling.interview."
#define APPLICATION "hrflow.pipeline.application."

/* What ev asks for, into *r; 0 when nothing, 1 when a letter, -1 when the
 * database failed. */
static int reaction_of(PGconn *db, const hf_consumed_event_t *ev, json_t *data,
                       hf_store_t *st, nt_reaction_t *r)
{
    const char *type = ev->type;
    *r = (nt_reaction_t){ .event_id = ev->id, .tenant = ev->tenant_id, .interview = "",
                          .company = "", .reason = "" };
    if (!strncmp(type, INTERVIEW, strlen(INTERVIEW))) {
        const char *what = type + strlen(INTERVIEW);
        int kind = !strcmp(what, "scheduled.v1")     ? NT_EV_INVITATION
                   : !strcmp(what, "reminded.v1")    ? NT_EV_REMINDER
                   : !strcmp(what, "rescheduled.v1") ? NT_EV_RESCHEDULE
                   : !strcmp(what, "cancelled.v1")   ? NT_EV_CANCELLATION
                                                     : -1;
        if (kind < 0)
            return 0;
        r->kind = (nt_event_t)kind;
        r->application = field(data, "applicationId");
        r->interview = field(data, "interviewId");
        r->company = field(data, "companyId");
        if (!hf_uuid_valid(r->application) || !hf_uuid_valid(r->interview))
            return 0;
        if (slot(db, ev->tenant_id, r->interview, field(data, "startTime"), &r->start,
                 kind == NT_EV_RESCHEDULE ? &r->previous : NULL) < 0)
            return -1;
        if (kind == NT_EV_INVITATION) /* one invitation per interview */
            r->dedupe = hf_arena_printf(arena, "%s:invitation", r->interview);
        if (kind == NT_EV_CANCELLATION && !strcmp(field(data, "reason"), "invitation_expired")) {
            const nt_reaction_settings_t *s = nt_letters_settings(st);
            if (!s)
                return -1;
            r->reason = s->locale == 0 ? "邀请已过期" : "the invitation expired";
        }
        return 1;
    }
    if (strncmp(type, APPLICATION, strlen(APPLICATION)))
        return 0;
    const char *what = type + strlen(APPLICATION);
    if (!strcmp(what, "template_requested.v1")) {
        int kind = nt_event_of(field(data, "template"));
        if (kind != NT_EV_THANK_YOU && kind != NT_EV_OFFER) {
            /* the interview's letters come from scheduling's events */
            hf_logkv(HF_LOG_INFO, "a rule asked for a template notify does not send alone",
                     HF_KV_STR("event", ev->id));
            return 0;
        }
        r->kind = (nt_event_t)kind;
        r->application = field(data, "applicationId");
    } else if (!strcmp(what, "rejected.v1")) {
        /* a rule's rejection asked for its letter (template_requested) or none */
        if (moved_by_rule(data))
            return 0;
        const nt_reaction_settings_t *s = nt_letters_settings(st);
        if (!s)
            return -1;
        if (!s->thank_you_on_manual_reject)
            return 0;
        r->kind = NT_EV_THANK_YOU;
        r->application = field(data, "id");
        r->company = field(data, "companyId");
    } else if (!strcmp(what, "hired.v1")) {
        r->kind = NT_EV_OFFER;
        r->application = field(data, "id");
        r->company = field(data, "companyId");
    } else {
        return 0;
    }
    return hf_uuid_valid(r->application) ? 1 : 0;
}

static int on_event(void *user, PGconn *db, const hf_consumed_event_t *ev)
{
    (void)user;
    hf_arena_reset(arena);
    nt_letters_batch(ev->batch);
    if (!hf_uuid_valid(ev->tenant_id))
        return HF_CONSUME_OK;
    json_t *data = json_loads(ev->data_json, 0, NULL);
    if (!data)
        return HF_CONSUME_SKIP;
    hf_store_t st;
    hf_store_init(&st, db, arena, ev->tenant_id, hf_service_keys());
    st.actor = "system:notify";
    nt_reaction_t r;
    int rc = reaction_of(db, ev, data, &st, &r);
    /* the tenant's settings only when a letter may follow: most events the
     * consumer sees (a rule's rejections) decide from the event alone */
    const nt_reaction_settings_t *s = rc > 0 ? nt_letters_settings(&st) : NULL;
    int v = rc < 0 || (rc > 0 && !s) ? HF_CONSUME_RETRY
            : rc == 0                ? HF_CONSUME_OK
                                     : nt_letters_send(&st, s, &r);
    json_decref(data);
    return v;
}

int nt_reactions_start(void)
{
    if (!nt_reactions_on)
        return 0;
    if (!(arena = hf_arena_new(65536)))
        return -1;
    /* only the types that can make a letter: the consumer then passes every
     * other event (an import's created ones, a screening's moves) by its
     * index entry, without handing it here */
    static const char *const types[] = {
        INTERVIEW "scheduled.", INTERVIEW "reminded.", INTERVIEW "rescheduled.",
        INTERVIEW "cancelled.", APPLICATION "template_requested.", APPLICATION "rejected.",
        APPLICATION "hired.", NULL
    };
    return hf_service_consumer("notify.reactions", types, on_event, NULL);
}

void nt_reactions_stop(void)
{
    nt_letters_forget();
    hf_arena_destroy(&arena);
}
