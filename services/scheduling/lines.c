/* services/scheduling/lines.c - AI-interview line settings and closures: their RPC methods
 *
 * The group's settings (company "") and a company's, changed by PATCH with
 * the fields present (the update mask); holidays and blackouts. Every change
 * checks the whole of what would be stored (every problem a detail, nothing
 * written when one is found), stores it, remakes the tenant's future slots
 * in the same transaction, and after the commit places the invitations that
 * were waiting for room (sched_assign_tenant). Only admins change them, and
 * what is the whole group's only an admin acting for the whole group.
 */
#include "handlers.h"
#include "calendar.h"
#include "loops.h"
#include "settings.h"
#include "store.h"

#include "hf/service.h"

#include <stdio.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

/* ---- settings ---- */

/* The caller may read or change the settings of company ("" = the group's):
 * 0, or -1 after failing the call. */
static int settings_scope(hf_store_t *st, const char *company, int change)
{
    if (!*company)
        return change ? hf_store_require_group(st, HF_SCOPE_ADMIN, "change the group's lines")
                      : 0;
    if (change && hf_store_require(st, HF_SCOPE_ADMIN, "change a company's lines") < 0)
        return -1;
    return sched_company_check(st, company, NULL);
}

HANDLER(scheduling_get_line_settings)
{
    const Hrflow__V1__GetLineSettingsRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 || settings_scope(&st, r->company_id, 0) < 0)
        return -1;
    Hrflow__V1__LineSettings *out = NULL;
    int rc = store_settings_get(&st, r->company_id, &out);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "settings", "");
    *reply = &out->base;
    return 0;
}

/* Apply the update mask's fields of in to s. Returns 0, or -1 after failing
 * the call for a field that cannot be changed. */
static int apply_mask(hf_call_t *call, const Hrflow__V1__UpdateLineSettingsRequest *r,
                      Hrflow__V1__LineSettings *s)
{
    static const Hrflow__V1__LineSettings empty = HRFLOW__V1__LINE_SETTINGS__INIT;
    const Hrflow__V1__LineSettings *in = r->settings ? r->settings : &empty;
    for (size_t i = 0; i < r->n_update_mask; i++) {
        const char *f = r->update_mask[i];
#define FIELD(proto, json) (!strcmp(f, proto) || !strcmp(f, json))
        if (FIELD("lines", "lines"))
            s->lines = in->lines;
        else if (FIELD("slot_minutes", "slotMinutes"))
            s->slot_minutes = in->slot_minutes;
        else if (FIELD("time_zone", "timeZone"))
            s->time_zone = in->time_zone;
        else if (FIELD("window_days", "windowDays"))
            s->window_days = in->window_days;
        else if (FIELD("working_hours", "workingHours")) {
            s->working_hours = in->working_hours;
            s->n_working_hours = in->n_working_hours;
        } else {
            char path[48];
            snprintf(path, sizeof(path), "update_mask[%zu]", i);
            hf_call_detail(call, path, "not_updatable",
                           "lines, slotMinutes, timeZone, workingHours and windowDays change");
            return hf_call_fail(call, E(INVALID_ARGUMENT), "field %s cannot be changed", f);
        }
#undef FIELD
    }
    return 0;
}

/* The working hours as ranges, each problem a detail. Returns 1 when one
 * was found. */
static int hours_check(hf_call_t *call, const Hrflow__V1__LineSettings *s)
{
    sched_range_t r[SCHED_RANGES_MAX];
    char path[64];
    int bad = 0;
    size_t n = s->n_working_hours < SCHED_RANGES_MAX ? s->n_working_hours : SCHED_RANGES_MAX;
    for (size_t i = 0; i < n; i++) {
        const Hrflow__V1__WorkingHours *h = s->working_hours[i];
        r[i] = (sched_range_t){ h->weekday, sched_clock_minutes(h->start, false),
                                sched_clock_minutes(h->end, true) };
        if (r[i].start < 0 || r[i].end < 0) {
            snprintf(path, sizeof(path), "settings.working_hours[%zu].%s", i,
                     r[i].start < 0 ? "start" : "end");
            hf_call_detail(call, path, "bad_format", "a time \"HH:MM\" (an end may be \"24:00\")");
            bad = 1;
        }
    }
    const char *why;
    long at = bad ? -1 : sched_ranges_check(r, s->n_working_hours, &why);
    if (at >= 0) {
        snprintf(path, sizeof(path), "settings.working_hours[%ld]", at);
        hf_call_detail(call, at == (long)s->n_working_hours ? "settings.working_hours" : path,
                       "invalid", why);
        bad = 1;
    }
    return bad;
}

/* Whether the update mask names field (its proto or JSON name). */
static int in_mask(const Hrflow__V1__UpdateLineSettingsRequest *r, const char *proto,
                   const char *json)
{
    for (size_t i = 0; i < r->n_update_mask; i++)
        if (!strcmp(r->update_mask[i], proto) || !strcmp(r->update_mask[i], json))
            return 1;
    return 0;
}

/* Check what would be stored for company ("" = the group). The group has
 * no lines (0) until it is given some; given, they are 1 or more. Returns
 * 0, or -1 after failing the call with every problem. */
static int settings_check(hf_store_t *st, const Hrflow__V1__UpdateLineSettingsRequest *r,
                          const Hrflow__V1__LineSettings *s)
{
    hf_call_t *call = st->call;
    int group = !*r->company_id, bad = 0, known;
#define PROBLEM(field, code, msg) (hf_call_detail(call, "settings." field, code, msg), bad = 1)
    int own_lines = s->lines > 0;
    if (s->lines < 0 || s->lines > 100000 ||
        (group && s->lines == 0 && in_mask(r, "lines", "lines")))
        PROBLEM("lines", "out_of_range",
                group ? "1 to 100000 concurrent call lines"
                      : "0 (the group's lines) or 1 to 100000 lines of its own");
    if (group || s->slot_minutes) {
        if (s->slot_minutes < 5 || s->slot_minutes > 480)
            PROBLEM("slot_minutes", "out_of_range", "a slot lasts 5 to 480 minutes");
        else if (!group && !own_lines)
            PROBLEM("slot_minutes", "needs_own_lines",
                    "the lines a company shares have the group's slot length");
    }
    if (group || *s->time_zone) {
        if (hf_call_check_text(call, "settings.time_zone", s->time_zone,
                               (hf_text_rule_t){ HF_TEXT_LINE, 1, 64 }))
            bad = 1;
        else if ((known = hf_store_time_zone_known(st, s->time_zone)) == HF_EDB)
            return hf_store_fail(st, HF_EDB, "settings", "");
        else if (known != HF_OK)
            PROBLEM("time_zone", "unknown_time_zone", "an IANA time zone, e.g. Asia/Shanghai");
        else if (!group && !own_lines)
            PROBLEM("time_zone", "needs_own_lines",
                    "the lines a company shares have the group's time zone");
    }
    if ((group || s->window_days) && (s->window_days < 1 || s->window_days > 14))
        PROBLEM("window_days", "out_of_range", "1 to 14 working days");
    if (group && !s->n_working_hours)
        PROBLEM("working_hours", "required", "the group's working hours");
    bad |= hours_check(call, s);
#undef PROBLEM
    return bad ? hf_call_fail(call, E(INVALID_ARGUMENT), "the settings are invalid") : 0;
}

HANDLER(scheduling_update_line_settings)
{
    const Hrflow__V1__UpdateLineSettingsRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 || settings_scope(&st, r->company_id, 1) < 0)
        return -1;
    Hrflow__V1__LineSettings *s = NULL;
    if (hf_db_begin(st.db) < 0)
        return hf_store_fail(&st, HF_EDB, "settings", "");
    int rc = store_settings_lock(&st, r->company_id, &s);
    if (rc != HF_OK) {
        hf_store_finish(&st, rc);
        return hf_store_fail(&st, rc, "settings", "");
    }
    if (apply_mask(call, r, s) < 0 || settings_check(&st, r, s) < 0) {
        hf_store_finish(&st, HF_ECONFLICT); /* roll back */
        return -1;
    }
    rc = store_settings_save(&st, r->company_id, s);
    if (rc == HF_OK)
        rc = store_slots_regenerate(&st, (int)sched_settings.horizon_days);
    rc = hf_store_finish(&st, rc);
    if (rc == HF_OK)
        rc = store_settings_get(&st, r->company_id, &s);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "settings", "");
    sched_assign_tenant(&st); /* what waited for room; the assigner retries a failure */
    *reply = &s->base;
    return 0;
}

/* ---- closures ---- */

/* Check a closure to create. Returns 0, or -1 after failing the call. */
static int closure_check(hf_store_t *st, Hrflow__V1__Closure *c)
{
    hf_call_t *call = st->call;
    int bad = 0;
    if (!strcmp(c->kind, "holiday")) {
        if (!c->day)
            hf_call_detail(call, "closure.day", "required", "the holiday's day"), bad = 1;
        if (c->start_time || c->end_time)
            hf_call_detail(call, "closure.start_time", "unexpected",
                           "a holiday is a whole day: give its day"),
                bad = 1;
    } else if (!strcmp(c->kind, "blackout")) {
        if (c->day)
            hf_call_detail(call, "closure.day", "unexpected", "a blackout is a window"), bad = 1;
        if (!c->start_time || !c->end_time)
            hf_call_detail(call, c->start_time ? "closure.end_time" : "closure.start_time",
                           "required", "a blackout's start and end"),
                bad = 1;
        else if (c->end_time->seconds < c->start_time->seconds ||
                 (c->end_time->seconds == c->start_time->seconds &&
                  c->end_time->nanos <= c->start_time->nanos) ||
                 c->end_time->seconds - c->start_time->seconds > 366 * 86400)
            hf_call_detail(call, "closure.end_time", "out_of_range",
                           "after the start, at most 366 days later"),
                bad = 1;
    } else {
        hf_call_detail(call, "closure.kind", *c->kind ? "bad_format" : "required",
                       "holiday or blackout");
        bad = 1;
    }
    bad |= hf_call_check_text(call, "closure.name", c->name, (hf_text_rule_t){ HF_TEXT_LINE, 0, 200 });
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the closure is invalid");
    if (!*c->company_id)
        return hf_store_require_group(st, HF_SCOPE_ADMIN, "close the whole group");
    return sched_company_check(st, c->company_id, "closure.company_id");
}

HANDLER(scheduling_create_closure)
{
    const Hrflow__V1__CreateClosureRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require(&st, HF_SCOPE_ADMIN, "change the interview calendar") < 0)
        return -1;
    if (!r->closure)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "closure is required");
    if (closure_check(&st, r->closure) < 0)
        return -1;
    int rc = store_closure_create(&st, r->closure, (int)sched_settings.horizon_days);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "closure", "");
    *reply = &r->closure->base;
    return 0;
}

HANDLER(scheduling_list_closures)
{
    const Hrflow__V1__ListClosuresRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (hf_store_open(call, &st) < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0 ||
        (*r->company_id && sched_company_check(&st, r->company_id, NULL) < 0))
        return -1;
    Hrflow__V1__ListClosuresResponse *o = HF_CALL_NEW(call, Hrflow__V1__ListClosuresResponse,
                                                      hrflow__v1__list_closures_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = store_closure_list(&st, r->company_id, &page, &o->closures, &o->n_closures);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "closure", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

HANDLER(scheduling_delete_closure)
{
    const Hrflow__V1__DeleteClosureRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    Hrflow__V1__Closure *c = NULL;
    int rc = hf_uuid_valid(r->id) ? store_closure_get(&st, r->id, &c) : HF_ENOTFOUND;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "closure", r->id);
    if (*c->company_id ? hf_store_require(&st, HF_SCOPE_ADMIN, "change the interview calendar")
                       : hf_store_require_group(&st, HF_SCOPE_ADMIN, "reopen the whole group"))
        return -1;
    rc = store_closure_delete(&st, r->id, (int)sched_settings.horizon_days);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "closure", r->id);
    sched_assign_tenant(&st);
    *reply = &c->base;
    return 0;
}
