/* services/scheduling/rounds_handlers.c - the RPC methods of interview rounds, one function each
 *
 * Interviewers, their busy time, slot suggestions and rounds. A handler
 * opens the caller's store, checks the request (every problem a detail at
 * its field, nothing written), and asks rounds_store.c. Interviewers and
 * rounds belong to a company: a path id of another company's record is
 * NOT_FOUND, as a made-up one; an id in a body the caller cannot see is
 * INVALID_ARGUMENT at its field (docs/api.md, "Ids in paths and ids in
 * bodies"). The application a round is for belongs to the pipeline, which
 * is asked on the caller's behalf (its walls apply) and gives the round its
 * company; a panel is of that company. Whether the panel is free is not
 * checked here at all: the booking's insert is the check (rounds_store.c),
 * and a refusal is CONFLICT naming who and when.
 */
#include "rounds_handlers.h"

#include "hf/service.h"
#include "hf/store.h"
#include "hf/text.h"
#include "hrflow/v1/pipeline.pb-c.h"
#include "rounds_hours.h"
#include "rounds_store.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

#define DEFAULT_ZONE "Asia/Shanghai"
#define PANEL_MAX 10
#define MINUTES_MIN 5            /* a round, a slot */
#define MINUTES_MAX 480
#define STEP_DEFAULT 30
#define STEP_MAX 240
#define SLOTS_DEFAULT 20
#define SLOTS_MAX 200
#define SPAN_MAX_US (31LL * 24 * 3600 * 1000000) /* a busy block, a window of suggestions */
#define MINUTE_US 60000000LL

static const hf_text_rule_t external_id_rule = { HF_TEXT_LINE, 0, 64 };
static const hf_text_rule_t email_rule = { HF_TEXT_LINE, 1, 254 };
static const hf_text_rule_t zone_rule = { HF_TEXT_LINE, 0, 64 };

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A detail at "<path><field>" (printf-style field); returns 1 for `bad += …`. */
static int problem(hf_call_t *call, const char *code, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int problem(hf_call_t *call, const char *code, const char *msg, const char *fmt, ...)
{
    char field[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(field, sizeof(field), fmt, ap);
    va_end(ap);
    hf_call_detail(call, field, code, msg);
    return 1;
}

/* ---- what the caller may see ---- */

/* An interviewer of a company the caller acts for, or NULL after failing
 * the call with the answer of one that does not exist. */
static Hrflow__V1__Interviewer *visible_interviewer(hf_store_t *st, const char *id)
{
    Hrflow__V1__Interviewer *i = NULL;
    int rc = hf_uuid_valid(id) ? rounds_interviewer_get(st, id, &i) : HF_ENOTFOUND;
    if (rc == HF_OK && !hf_store_sees_company(st, i->company_id))
        rc = HF_ENOTFOUND;
    if (rc != HF_OK) {
        hf_store_fail(st, rc, "interviewer", id);
        return NULL;
    }
    return i;
}

/* A round of a company the caller acts for, or NULL (failed, as above). */
static Hrflow__V1__Round *visible_round(hf_store_t *st, const char *id)
{
    Hrflow__V1__Round *r = NULL;
    int rc = hf_uuid_valid(id) ? rounds_round_get(st, id, &r) : HF_ENOTFOUND;
    if (rc == HF_OK && !hf_store_sees_company(st, r->company_id))
        rc = HF_ENOTFOUND;
    if (rc != HF_OK) {
        hf_store_fail(st, rc, "round", id);
        return NULL;
    }
    return r;
}

/* Open the caller's store for a change of interviewers or rounds: a
 * recruiter's (admin's) key. Returns 0, or -1 after failing the call. */
static int open_recruiter(hf_call_t *call, hf_store_t *st, const char *action)
{
    return hf_store_open(call, st) == 0 ? hf_store_require(st, HF_SCOPE_RECRUITER, action) : -1;
}

/* Ask the owner of a record for it as the caller: 0 when the caller may
 * see it (*got set), 1 when not or when it does not exist, -1 after failing
 * the call for an answer that is not about the record (503). */
static int ask(hf_call_t *call, const char *service, const char *method, const ProtobufCMessage *q,
               const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **got)
{
    int code = hf_service_ask(call, service, method, q, reply_desc, got);
    if (code == E(NOT_FOUND))
        return 1;
    return code ? hf_service_ask_fail(call, service, code) : 0;
}

/* The company of an application, asked of the pipeline as the caller; NULL
 * when the caller cannot see it (*missing 1) or after failing the call. */
static const char *application_company(hf_call_t *call, const char *id, int *missing)
{
    Hrflow__V1__GetApplicationRequest q = HRFLOW__V1__GET_APPLICATION_REQUEST__INIT;
    q.id = (char *)id;
    ProtobufCMessage *got = NULL;
    *missing = 0;
    int rc = hf_uuid_valid(id) ? ask(call, "pipeline", "GetApplication", &q.base,
                                     &hrflow__v1__application__descriptor, &got)
                               : 1;
    if (rc != 0) {
        *missing = rc == 1;
        return NULL;
    }
    const char *company = ((const Hrflow__V1__Application *)got)->company_id;
    if (!hf_uuid_valid(company)) { /* a pipeline older than company ids */
        hf_service_ask_fail(call, "pipeline", E(UNAVAILABLE));
        return NULL;
    }
    return company;
}

/* ---- interviewers ---- */

/* An interviewer's week from its messages into h (the default week when
 * there are none); every problem a detail at "<path>working_hours[i]…". */
static int week_check(hf_call_t *call, const Hrflow__V1__Interviewer *in, const char *path,
                      rd_hours_t h[RD_HOURS_MAX], size_t *n)
{
    if (in->n_working_hours == 0) {
        *n = rd_hours_default(h);
        return 0;
    }
    if (in->n_working_hours > RD_HOURS_MAX)
        return problem(call, "too_many", "at most 28 stretches a week", "%sworking_hours", path);
    int bad = 0;
    for (size_t k = 0; k < in->n_working_hours; k++) {
        const Hrflow__V1__WorkingHours *w = in->working_hours[k];
        h[k] = (rd_hours_t){ (int)w->weekday, rd_hours_minutes(w->start),
                             rd_hours_minutes(w->end) };
        if (h[k].start < 0)
            bad += problem(call, "bad_format", "HH:MM, 00:00 to 24:00",
                           "%sworking_hours[%zu].start", path, k);
        if (h[k].end < 0)
            bad += problem(call, "bad_format", "HH:MM, 00:00 to 24:00",
                           "%sworking_hours[%zu].end", path, k);
    }
    char why[96];
    int at = bad ? -1 : rd_hours_check(h, in->n_working_hours, why, sizeof(why));
    if (at >= 0)
        bad += problem(call, "invalid", why, "%sworking_hours[%d]", path, at);
    *n = in->n_working_hours;
    return bad;
}

/* Check an interviewer to be written (its company is checked by the
 * caller); "" time zone becomes the default. Returns 0, or -1 after failing
 * the call. */
static int interviewer_check(hf_store_t *st, Hrflow__V1__Interviewer *in, const char *path,
                             rd_hours_t h[RD_HOURS_MAX], size_t *nh)
{
    hf_call_t *call = st->call;
    char f[96], norm[320];
    int bad = 0, rc;
#define AT(field) (snprintf(f, sizeof(f), "%s" field, path), f)
    bad += hf_call_check_text(call, AT("name"), in->name, HF_TEXT_NAME);
    bad += hf_call_check_text(call, AT("external_id"), in->external_id, external_id_rule);
    if (!hf_call_check_text(call, AT("email"), in->email, email_rule) &&
        hf_pii_normalize_email(in->email, norm, sizeof(norm)) < 0)
        bad += problem(call, "bad_format", "an email address", "%semail", path);
    if (!*in->time_zone)
        in->time_zone = (char *)DEFAULT_ZONE;
    else if (hf_call_check_text(call, AT("time_zone"), in->time_zone, zone_rule))
        bad++;
    else if ((rc = hf_store_time_zone_known(st, in->time_zone)) == HF_ENOTFOUND)
        bad += problem(call, "unknown", "an IANA time zone name, e.g. Asia/Shanghai",
                       "%stime_zone", path);
    else if (rc != HF_OK)
        return hf_store_fail(st, rc, "time zone", in->time_zone);
#undef AT
    bad += week_check(call, in, path, h, nh);
    return bad ? hf_call_fail(call, E(INVALID_ARGUMENT), "the interviewer is invalid") : 0;
}

/* An interviewer's company: of the group (asked of identity as the
 * caller) and one the caller acts for. Returns 0, or -1 after failing. */
static int company_check(hf_store_t *st, const char *company, const char *field)
{
    hf_call_t *call = st->call;
    if (!hf_uuid_valid(company)) {
        hf_call_detail(call, field, *company ? "bad_format" : "required",
                       "a company id of the group");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the interviewer is invalid");
    }
    int known = hf_store_company_known(st, company);
    if (known != 0)
        return known < 0 ? -1 : 0;
    hf_call_detail(call, field, "not_found", "not a company this key acts for");
    return hf_call_fail(call, E(INVALID_ARGUMENT), "the interviewer names what does not exist");
}

/* The answer to a duplicate email or external id in the company. */
static int taken_fail(hf_call_t *call, const char *path, const char *taken)
{
    char f[96];
    snprintf(f, sizeof(f), "%s%s", path, taken);
    hf_call_detail(call, f, "already_exists", "the company has an interviewer with it already");
    return hf_call_fail(call, E(ALREADY_EXISTS), "the company has an interviewer with this %s",
                        strcmp(taken, "email") ? "external id" : "email");
}

ROUNDS_HANDLER(rounds_create_interviewer)
{
    const Hrflow__V1__CreateInterviewerRequest *r = (const void *)req;
    hf_store_t st;
    if (open_recruiter(call, &st, "add interviewers") < 0)
        return -1;
    if (!r->interviewer)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "interviewer is required");
    rd_hours_t h[RD_HOURS_MAX];
    size_t nh = 0;
    const char *taken = "";
    Hrflow__V1__Interviewer *out = NULL;
    if (company_check(&st, r->interviewer->company_id, "interviewer.company_id") < 0 ||
        interviewer_check(&st, r->interviewer, "interviewer.", h, &nh) < 0)
        return -1;
    int rc = rounds_interviewer_create(&st, r->interviewer, h, nh, &out, &taken);
    if (rc == HF_EEXISTS)
        return taken_fail(call, "interviewer.", taken);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "interviewer", "");
    *reply = &out->base;
    return 0;
}

ROUNDS_HANDLER(rounds_get_interviewer)
{
    const Hrflow__V1__GetInterviewerRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Interviewer *i = open_recruiter(call, &st, "see interviewers") == 0
                                     ? visible_interviewer(&st, r->id)
                                     : NULL;
    if (!i)
        return -1;
    *reply = &i->base;
    return 0;
}

ROUNDS_HANDLER(rounds_list_interviewers)
{
    const Hrflow__V1__ListInterviewersRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (open_recruiter(call, &st, "see interviewers") < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    if (*r->company_id && (!hf_uuid_valid(r->company_id) ||
                           !hf_store_sees_company(&st, r->company_id)))
        return hf_call_fail(call, E(NOT_FOUND), "company %s not found", r->company_id);
    Hrflow__V1__ListInterviewersResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListInterviewersResponse, hrflow__v1__list_interviewers_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = rounds_interviewer_list(&st, r->company_id, r->email, &page, &o->interviewers,
                                     &o->n_interviewers);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "interviewer", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

ROUNDS_HANDLER(rounds_update_interviewer)
{
    const Hrflow__V1__UpdateInterviewerRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Interviewer *i = open_recruiter(call, &st, "change interviewers") == 0
                                     ? visible_interviewer(&st, r->id)
                                     : NULL;
    if (!i)
        return -1;
    static const Hrflow__V1__Interviewer empty = HRFLOW__V1__INTERVIEWER__INIT;
    const Hrflow__V1__Interviewer *in = r->interviewer ? r->interviewer : &empty;
    for (size_t k = 0; k < r->n_update_mask; k++) {
        const char *f = r->update_mask[k];
#define FIELD(proto, json) (!strcmp(f, proto) || !strcmp(f, json))
        if (FIELD("name", "name"))
            i->name = in->name;
        else if (FIELD("email", "email"))
            i->email = in->email;
        else if (FIELD("time_zone", "timeZone"))
            i->time_zone = in->time_zone;
        else if (FIELD("working_hours", "workingHours")) {
            i->working_hours = in->working_hours;
            i->n_working_hours = in->n_working_hours;
        } else {
            problem(call, "not_updatable", "companyId and externalId are fixed once created",
                    "update_mask[%zu]", k);
            return hf_call_fail(call, E(INVALID_ARGUMENT), "field %s cannot be changed", f);
        }
#undef FIELD
    }
    rd_hours_t h[RD_HOURS_MAX];
    size_t nh = 0;
    const char *taken = "";
    Hrflow__V1__Interviewer *out = NULL;
    if (interviewer_check(&st, i, "interviewer.", h, &nh) < 0)
        return -1;
    int rc = rounds_interviewer_update(&st, i, h, nh, &out, &taken);
    if (rc == HF_EEXISTS)
        return taken_fail(call, "interviewer.", taken);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "interviewer", r->id);
    *reply = &out->base;
    return 0;
}

/* ---- busy blocks ---- */

/* The answer to a booking or busy block refused for what is in the way. */
static int clash_fail(hf_call_t *call, const rd_clash_t *c, char *const *panel, size_t n,
                      const char *field)
{
    if (!c->interviewer_id[0])
        return hf_call_fail(call, E(CONFLICT),
                            "the time was taken meanwhile; ask for free slots again");
    char from[RD_UTC_MAX], to[RD_UTC_MAX], msg[160];
    rd_utc(c->start_us, from);
    rd_utc(c->end_us, to);
    snprintf(msg, sizeof(msg), "%s from %s to %s", c->round ? "has a round" : "is busy", from, to);
    size_t k = 0;
    while (k < n && strcmp(panel[k], c->interviewer_id))
        k++;
    if (k < n)
        problem(call, "taken", msg, "%s[%zu]", field, k);
    return hf_call_fail(call, E(CONFLICT), "interviewer %s %s", c->interviewer_id, msg);
}

/* A [start, end) from two Timestamps: both given, end after start, at most
 * 31 days apart. Details at "<path><start>" / "<path><end>"; returns the
 * number added. */
static int span_check(hf_call_t *call, const Hrflow__V1__Timestamp *start,
                      const Hrflow__V1__Timestamp *end, const char *path, const char *start_name,
                      const char *end_name, int64_t *s, int64_t *e)
{
    *s = rounds_micros(start);
    *e = rounds_micros(end);
    int bad = 0;
    if (!start)
        bad += problem(call, "required", "a time (RFC 3339)", "%s%s", path, start_name);
    if (!end)
        bad += problem(call, "required", "a time (RFC 3339)", "%s%s", path, end_name);
    if (!bad && (*e <= *s || *e - *s > SPAN_MAX_US))
        bad += problem(call, "out_of_range", "after the start, at most 31 days later", "%s%s",
                       path, end_name);
    return bad;
}

ROUNDS_HANDLER(rounds_add_busy_block)
{
    const Hrflow__V1__AddBusyBlockRequest *r = (const void *)req;
    hf_store_t st;
    if (open_recruiter(call, &st, "change interviewers' time") < 0 ||
        !visible_interviewer(&st, r->interviewer_id))
        return -1;
    static const Hrflow__V1__BusyBlock empty = HRFLOW__V1__BUSY_BLOCK__INIT;
    const Hrflow__V1__BusyBlock *b = r->busy_block ? r->busy_block : &empty;
    int64_t s, e;
    if (span_check(call, b->start_time, b->end_time, "busy_block.", "start_time", "end_time",
                   &s, &e))
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the busy block is invalid");
    Hrflow__V1__BusyBlock *out = NULL;
    rd_clash_t clash;
    int rc = rounds_busy_add(&st, r->interviewer_id, s, e, &out, &clash);
    if (rc == HF_ECONFLICT)
        return clash_fail(call, &clash, NULL, 0, "");
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "busy block", "");
    *reply = &out->base;
    return 0;
}

ROUNDS_HANDLER(rounds_list_busy_blocks)
{
    const Hrflow__V1__ListBusyBlocksRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (open_recruiter(call, &st, "see interviewers' time") < 0 ||
        !visible_interviewer(&st, r->interviewer_id) ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    Hrflow__V1__ListBusyBlocksResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListBusyBlocksResponse, hrflow__v1__list_busy_blocks_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = rounds_busy_list(&st, r->interviewer_id, &page, &o->busy_blocks, &o->n_busy_blocks);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "busy block", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

ROUNDS_HANDLER(rounds_remove_busy_block)
{
    const Hrflow__V1__RemoveBusyBlockRequest *r = (const void *)req;
    hf_store_t st;
    if (open_recruiter(call, &st, "change interviewers' time") < 0 ||
        !visible_interviewer(&st, r->interviewer_id))
        return -1;
    Hrflow__V1__BusyBlock *out = NULL;
    int rc = hf_uuid_valid(r->id) ? rounds_busy_remove(&st, r->interviewer_id, r->id, &out)
                                  : HF_ENOTFOUND;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "busy block", r->id);
    *reply = &out->base;
    return 0;
}

/* ---- panels and slots ---- */

/* Check a panel at "<field>[k]": 1 to PANEL_MAX UUIDs without duplicates,
 * each an interviewer of a company the caller acts for and, when company
 * is not NULL, of that company. Returns the number of details added, or -1
 * after failing the call (the database). */
static int panel_check(hf_store_t *st, const char *field, char *const *ids, size_t n,
                       const char *company)
{
    hf_call_t *call = st->call;
    if (n == 0)
        return problem(call, "required", "1 to 10 interviewers", "%s", field);
    if (n > PANEL_MAX)
        return problem(call, "too_many", "1 to 10 interviewers", "%s", field);
    int bad = 0;
    for (size_t k = 0; k < n; k++) {
        if (!hf_uuid_valid(ids[k])) {
            bad += problem(call, "bad_format", "an interviewer id", "%s[%zu]", field, k);
            continue;
        }
        for (size_t j = 0; j < k; j++)
            if (!strcmp(ids[j], ids[k])) {
                bad += problem(call, "duplicate", "each interviewer once", "%s[%zu]", field, k);
                break;
            }
    }
    rd_member_t **m = NULL;
    size_t nm = 0;
    int rc = bad ? HF_OK : rounds_panel(st, ids, n, &m, &nm);
    if (rc != HF_OK)
        return hf_store_fail(st, rc, "interviewer", "");
    for (size_t k = 0; !bad && k < n; k++) {
        const rd_member_t *found = NULL;
        for (size_t j = 0; j < nm && !found; j++)
            if (!strcmp(m[j]->id, ids[k]))
                found = m[j];
        if (!found || !hf_store_sees_company(st, found->company_id))
            problem(call, "not_found", "not an interviewer of a company this key acts for",
                    "%s[%zu]", field, k);
        else if (company && strcmp(found->company_id, company))
            problem(call, "other_company", "an interviewer of another company than the "
                    "application's", "%s[%zu]", field, k);
        else
            continue;
        bad++;
    }
    return bad;
}

/* The panel works over [s, e), each in their own time zone; a detail at
 * field for each who does not. Returns the number added, or -1 after
 * failing the call. */
static int hours_check(hf_store_t *st, const char *field, char *const *ids, size_t n, int64_t s,
                       int64_t e)
{
    char **who = NULL;
    size_t n_who = 0;
    int rc = rounds_outside_hours(st, ids, n, s, e, &who, &n_who);
    if (rc != HF_OK)
        return hf_store_fail(st, rc, "interviewer", "");
    for (size_t k = 0; k < n_who; k++) {
        char msg[120];
        snprintf(msg, sizeof(msg), "outside the working hours of interviewer %s", who[k]);
        hf_call_detail(st->call, field, "outside_working_hours", msg);
    }
    return (int)n_who;
}

/* A length in minutes: MINUTES_MIN to MINUTES_MAX. */
static int minutes_check(hf_call_t *call, int32_t minutes, const char *field)
{
    if (minutes >= MINUTES_MIN && minutes <= MINUTES_MAX)
        return 0;
    return problem(call, "out_of_range", "5 to 480 minutes", "%s", field);
}

ROUNDS_HANDLER(rounds_suggest_slots)
{
    const Hrflow__V1__SuggestRoundSlotsRequest *r = (const void *)req;
    hf_store_t st;
    if (open_recruiter(call, &st, "plan rounds") < 0)
        return -1;
    int64_t from, to;
    int bad = span_check(call, r->window_start, r->window_end, "", "window_start", "window_end",
                         &from, &to);
    bad += minutes_check(call, r->duration_minutes, "duration_minutes");
    int step = r->step_minutes ? r->step_minutes : STEP_DEFAULT;
    if (step < MINUTES_MIN || step > STEP_MAX)
        bad += problem(call, "out_of_range", "5 to 240 minutes", "step_minutes");
    if (r->limit > SLOTS_MAX)
        bad += problem(call, "out_of_range", "at most 200", "limit");
    int panel = panel_check(&st, "interviewer_ids", r->interviewer_ids, r->n_interviewer_ids, NULL);
    if (panel < 0)
        return -1;
    if (bad || panel)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the request is invalid");
    Hrflow__V1__SuggestRoundSlotsResponse *o =
        HF_CALL_NEW(call, Hrflow__V1__SuggestRoundSlotsResponse,
                    hrflow__v1__suggest_round_slots_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = rounds_suggest(&st, r->interviewer_ids, r->n_interviewer_ids, from, to,
                            r->duration_minutes, step, r->limit ? r->limit : SLOTS_DEFAULT,
                            &o->slots, &o->n_slots);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "slot", "");
    *reply = &o->base;
    return 0;
}

/* ---- rounds ---- */

/* The time of a round to book: a start not in the past, a length in range.
 * Details at "<path>start_time" / "<path>duration_minutes". */
static int when_check(hf_call_t *call, const Hrflow__V1__Timestamp *start, int32_t minutes,
                      const char *path)
{
    char f[96];
    int bad = 0;
    if (!start)
        bad += problem(call, "required", "a time (RFC 3339)", "%sstart_time", path);
    else if (rounds_micros(start) < now_us())
        bad += problem(call, "in_the_past", "a time from now on", "%sstart_time", path);
    snprintf(f, sizeof(f), "%sduration_minutes", path);
    return bad + minutes_check(call, minutes, f);
}

/* Check the panel of a round of company `company` and that it works then;
 * fails the call (INVALID_ARGUMENT with the details so far, bad) and
 * returns -1, or returns 0. */
static int panel_works(hf_store_t *st, const Hrflow__V1__Round *r, const char *company,
                       const char *path, int bad)
{
    char ids[96], start[96];
    snprintf(ids, sizeof(ids), "%sinterviewer_ids", path);
    snprintf(start, sizeof(start), "%sstart_time", path);
    int panel = panel_check(st, ids, r->interviewer_ids, r->n_interviewer_ids, company);
    if (panel < 0)
        return -1;
    int64_t s = rounds_micros(r->start_time);
    int hours = panel || bad ? 0
                             : hours_check(st, start, r->interviewer_ids, r->n_interviewer_ids, s,
                                           s + r->duration_minutes * MINUTE_US);
    if (hours < 0)
        return -1;
    if (bad || panel || hours)
        return hf_call_fail(st->call, E(INVALID_ARGUMENT), "the round is invalid");
    return 0;
}

ROUNDS_HANDLER(rounds_schedule_round)
{
    const Hrflow__V1__ScheduleRoundRequest *q = (const void *)req;
    hf_store_t st;
    if (open_recruiter(call, &st, "schedule rounds") < 0)
        return -1;
    Hrflow__V1__Round *r = q->round;
    if (!r)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "round is required");
    int bad = when_check(call, r->start_time, r->duration_minutes, "round.");
    if (strcmp(r->kind, "hr") && strcmp(r->kind, "final"))
        bad += problem(call, *r->kind ? "bad_format" : "required", "hr or final", "round.kind");
    int missing = 0;
    const char *company = application_company(call, r->application_id, &missing);
    if (!company && !missing)
        return -1;
    if (missing)
        bad += problem(call, !*r->application_id                ? "required"
                             : hf_uuid_valid(r->application_id) ? "not_found"
                                                                : "bad_format",
                       "an application of a company this key acts for", "round.application_id");
    if (panel_works(&st, r, company, "round.", bad) < 0)
        return -1;
    r->company_id = (char *)company;
    Hrflow__V1__Round *out = NULL;
    rd_clash_t clash;
    int rc = rounds_round_create(&st, r, &out, &clash);
    if (rc == HF_ECONFLICT)
        return clash_fail(call, &clash, r->interviewer_ids, r->n_interviewer_ids,
                          "round.interviewer_ids");
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "round", "");
    *reply = &out->base;
    return 0;
}

ROUNDS_HANDLER(rounds_get_round)
{
    const Hrflow__V1__GetRoundRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Round *o = hf_store_open(call, &st) == 0 ? visible_round(&st, r->id) : NULL;
    if (!o)
        return -1;
    *reply = &o->base;
    return 0;
}

static const char *const statuses[] = { "scheduled", "completed", "no_show", "cancelled",
                                         "rescheduled" };
#define N_STATUSES (sizeof(statuses) / sizeof(statuses[0]))

ROUNDS_HANDLER(rounds_list_rounds)
{
    const Hrflow__V1__ListRoundsRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (hf_store_open(call, &st) < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    size_t k = 0;
    while (*r->status && k < N_STATUSES && strcmp(statuses[k], r->status))
        k++;
    if (k == N_STATUSES) {
        hf_call_detail(call, "status", "bad_format",
                       "scheduled, completed, no_show, cancelled or rescheduled");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "status %s is not a round's", r->status);
    }
    /* the filters name what the list is of: one the caller cannot see is
     * not found, as in a path */
    int missing = 0;
    if (*r->application_id && !application_company(call, r->application_id, &missing))
        return missing ? hf_call_fail(call, E(NOT_FOUND), "application %s not found",
                                      r->application_id)
                       : -1;
    if (*r->interviewer_id && !visible_interviewer(&st, r->interviewer_id))
        return -1;
    Hrflow__V1__ListRoundsResponse *o =
        HF_CALL_NEW(call, Hrflow__V1__ListRoundsResponse, hrflow__v1__list_rounds_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = rounds_round_list(&st, r->application_id, r->interviewer_id, r->status, &page,
                               &o->rounds, &o->n_rounds);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "round", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

/* A scheduled round the caller may change, at the version it expects;
 * started: it must have begun (completed, no-show). NULL after failing. */
static Hrflow__V1__Round *movable_round(hf_store_t *st, const char *id, int64_t expected_version,
                                        const char *action, int started)
{
    hf_call_t *call = st->call;
    Hrflow__V1__Round *r = visible_round(st, id);
    if (!r)
        return NULL;
    if (strcmp(r->status, "scheduled"))
        hf_call_fail(call, E(FAILED_PRECONDITION),
                     "round %s is %s: only a scheduled round can be %s", id, r->status, action);
    else if (expected_version && expected_version != r->version)
        hf_store_fail(st, HF_ECONFLICT, "round", id);
    else if (started && rounds_micros(r->start_time) > now_us())
        hf_call_fail(call, E(FAILED_PRECONDITION), "round %s has not started yet", id);
    else
        return r;
    return NULL;
}

/* A lifecycle move of a scheduled round to `to`. */
static int move(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply,
                const char *to, const char *action, int started)
{
    const Hrflow__V1__MoveRoundRequest *q = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Round *r = open_recruiter(call, &st, "change rounds") == 0
                               ? movable_round(&st, q->id, q->expected_version, action, started)
                               : NULL;
    if (!r)
        return -1;
    Hrflow__V1__Round *out = NULL;
    int rc = rounds_round_move(&st, r, to, &out);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "round", q->id);
    *reply = &out->base;
    return 0;
}

ROUNDS_HANDLER(rounds_complete_round)
{
    return move(call, req, reply, "completed", "completed", 1);
}

ROUNDS_HANDLER(rounds_mark_no_show)
{
    return move(call, req, reply, "no_show", "marked a no-show", 1);
}

ROUNDS_HANDLER(rounds_cancel_round)
{
    return move(call, req, reply, "cancelled", "cancelled", 0);
}

ROUNDS_HANDLER(rounds_reschedule_round)
{
    const Hrflow__V1__RescheduleRoundRequest *q = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Round *old = open_recruiter(call, &st, "change rounds") == 0
                                 ? movable_round(&st, q->id, q->expected_version, "rescheduled", 0)
                                 : NULL;
    if (!old)
        return -1;
    Hrflow__V1__Round next = *old;
    next.start_time = q->start_time;
    if (q->duration_minutes)
        next.duration_minutes = q->duration_minutes;
    if (q->n_interviewer_ids) {
        next.interviewer_ids = q->interviewer_ids;
        next.n_interviewer_ids = q->n_interviewer_ids;
    }
    int bad = when_check(call, next.start_time, next.duration_minutes, "");
    if (panel_works(&st, &next, old->company_id, "", bad) < 0)
        return -1;
    Hrflow__V1__Round *out = NULL;
    rd_clash_t clash;
    int rc = rounds_round_reschedule(&st, old, &next, &out, &clash);
    if (rc == HF_ECONFLICT && clash.interviewer_id[0])
        return clash_fail(call, &clash, next.interviewer_ids, next.n_interviewer_ids,
                          "interviewer_ids");
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "round", q->id);
    *reply = &out->base;
    return 0;
}
