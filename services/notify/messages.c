/* services/notify/messages.c - the messages API over the delivery jobs
 *
 * SendMessage: a recruiter's letter or SMS to a candidate. notify asks the
 * pipeline for the candidate as the caller (the pipeline's walls apply),
 * takes their email or phone (or the request's `to`), checks it (422 at the
 * field: an email address, an E.164 number) and enqueues the job
 * (deliver_enqueue.c): 202 with its id; an eventId sent again answers the
 * first message. GetMessage and ListMessages show a
 * job's state, attempts and last error with the address masked; a key bound
 * to some companies sees only their messages, another tenant's id is a 404.
 * RetryMessage queues a dead message again, from its first attempt.
 */
#include "messages.h"
#include "deliver.h"
#include "reactions.h"

#include "hf/db.h"
#include "hf/service.h"
#include "hf/store.h"
#include "hrflow/v1/notify.pb-c.h"
#include "hrflow/v1/pipeline.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code
#define TEXT_MAX (64 * 1024)
#define SUBJECT_MAX 500

/* The state the API shows: queued jobs are held (quiet hours) or retrying
 * (after a failed attempt). */
#define STATE_SQL                                                                        \
    "(CASE WHEN d.state = 'queued' AND d.held THEN 'held'"                               \
    "      WHEN d.state = 'queued' AND d.attempts > 0 THEN 'retrying' ELSE d.state END)"

#define MESSAGE_COLS                                                                     \
    "d.id, coalesce(d.candidate_id::text, ''), coalesce(d.company_id::text, ''), d.channel," \
    " d.category, d.recipient_masked, " STATE_SQL ", d.attempts, coalesce(d.last_error, ''),"  \
    " " HF_MICROS("d.create_time") ", " HF_MICROS("d.update_time") ","                    \
    " CASE WHEN d.state = 'queued' THEN " HF_MICROS("d.run_time") " END,"                 \
    " " HF_MICROS("d.sent_time") ", d.time_zone"

static const char sql_get[] =
    "SELECT " MESSAGE_COLS " FROM notify.delivery d"
    " WHERE d.tenant_id = $1::uuid AND d.id = $2::uuid AND d.channel <> 'webhook'"
    "   AND " HF_SEES_COMPANY("d.company_id", "3");

static const char sql_list[] =
    "SELECT " MESSAGE_COLS " FROM notify.delivery d"
    " WHERE d.tenant_id = $1::uuid AND d.channel <> 'webhook'"
    "   AND " HF_SEES_COMPANY("d.company_id", "2")
    "   AND ($3::uuid IS NULL OR d.candidate_id = $3::uuid)"
    "   AND ($4 = '' OR " STATE_SQL " = $4)"
    "   AND (d.create_time, d.id) > ($5::timestamptz, $6::uuid)"
    " ORDER BY d.create_time, d.id LIMIT $7::int";

static const char sql_retry[] =
    "WITH x AS (SELECT id, state FROM notify.delivery d"
    "            WHERE d.tenant_id = $1::uuid AND d.id = $2::uuid AND d.channel <> 'webhook'"
    "              AND " HF_SEES_COMPANY("d.company_id", "3") " FOR UPDATE),"
    " up AS (UPDATE notify.delivery d SET state = 'queued', attempts = 0, held = false,"
    "               run_time = timers.now(), update_time = now()"
    "          FROM x WHERE d.id = x.id AND x.state = 'dead' RETURNING d.id),"
    " wake AS (SELECT pg_notify('notify_delivery', '') FROM up)"
    " SELECT x.state, (SELECT count(*) FROM up), (SELECT count(*) FROM wake) FROM x";

static void *message_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__Message *m = hf_store_alloc(st, sizeof(*m));
    if (!m)
        return NULL;
    hrflow__v1__message__init(m);
    m->id = hf_store_cell(st, r, i, 0);
    m->candidate_id = hf_store_cell(st, r, i, 1);
    m->company_id = hf_store_cell(st, r, i, 2);
    m->channel = hf_store_cell(st, r, i, 3);
    m->category = hf_store_cell(st, r, i, 4);
    m->recipient = hf_store_cell(st, r, i, 5);
    m->state = hf_store_cell(st, r, i, 6);
    m->attempts = atoi(PQgetvalue(r, i, 7));
    m->last_error = hf_store_cell(st, r, i, 8);
    m->create_time = hf_store_time(st, r, i, 9);
    m->update_time = hf_store_time(st, r, i, 10);
    m->next_attempt_time = hf_store_time(st, r, i, 11);
    m->sent_time = hf_store_time(st, r, i, 12);
    m->time_zone = hf_store_cell(st, r, i, 13);
    return m;
}

static int read_message(hf_store_t *st, const char *id, Hrflow__V1__Message **out)
{
    const char *companies = hf_store_companies(st);
    if (!companies)
        return HF_ENOMEM;
    const char *p[] = { st->tenant, id, companies };
    return hf_store_one(st, sql_get, 3, p, message_row, out);
}

/* The candidate id names as the caller sees it (the pipeline's walls):
 * 0 with *c set, or the bus code of hf_service_ask. */
static int ask_candidate(hf_call_t *call, const char *id, Hrflow__V1__Candidate **c)
{
    Hrflow__V1__GetCandidateRequest q = HRFLOW__V1__GET_CANDIDATE_REQUEST__INIT;
    q.id = (char *)id;
    return hf_service_ask(call, "pipeline", "GetCandidate", &q.base,
                          &hrflow__v1__candidate__descriptor, (ProtobufCMessage **)c);
}

/* An email address as it is stored and checked (lowercased, trimmed: what
 * hf_pii_normalize_email makes of it), or to itself. */
static const char *normal_address(hf_store_t *st, const char *channel, const char *to)
{
    char *n = strcmp(channel, "email") || !*to ? NULL : hf_store_alloc(st, 256);
    return n && hf_pii_normalize_email(to, n, 256) == 0 ? n : to;
}

static int check_request(hf_call_t *call, hf_store_t *st, const Hrflow__V1__SendMessageRequest *r)
{
    int bad = 0;
    int email = !strcmp(r->channel, "email"), sms = !strcmp(r->channel, "sms");
    if (!hf_uuid_valid(r->candidate_id))
        hf_call_detail(call, "candidate_id", "bad_format", "a candidate's id"), bad = 1;
    if (!email && !sms)
        hf_call_detail(call, "channel", "bad_value", "email or sms"), bad = 1;
    if (!*r->text || strlen(r->text) > TEXT_MAX)
        hf_call_detail(call, "text", "bad_length", "1 to 65536 bytes"), bad = 1;
    if (email && (!*r->subject || strlen(r->subject) > SUBJECT_MAX))
        hf_call_detail(call, "subject", "bad_length", "1 to 500 bytes for an email"), bad = 1;
    if (sms && (*r->subject || *r->html))
        hf_call_detail(call, *r->subject ? "subject" : "html", "not_allowed",
                       "an SMS has text only"), bad = 1;
    if (strlen(r->html) > TEXT_MAX)
        hf_call_detail(call, "html", "bad_length", "at most 65536 bytes"), bad = 1;
    if (strlen(r->event_id) > 200)
        hf_call_detail(call, "event_id", "bad_length", "at most 200 bytes"), bad = 1;
    if (*r->category && strcmp(r->category, "transactional") && strcmp(r->category, "marketing"))
        hf_call_detail(call, "category", "bad_value", "transactional or marketing"), bad = 1;
    const char *to = normal_address(st, r->channel, r->to);
    if (*to && (email || sms) && nt_recipient_problem(r->channel, to))
        hf_call_detail(call, "to", "bad_format", nt_recipient_problem(r->channel, to)), bad = 1;
    int known = *r->company_id ? hf_store_company_known(st, r->company_id) : 1;
    if (known < 0)
        return -1;
    if (!known)
        hf_call_detail(call, "company_id", "not_found", "a company the key acts for"), bad = 1;
    if (!*r->company_id && st->n_companies > 1)
        hf_call_detail(call, "company_id", "required",
                       "the company it is sent for (the key acts for several)"), bad = 1;
    if (*r->time_zone) {
        int known = nt_zone_known(st, r->time_zone);
        if (known < 0)
            return hf_store_fail(st, HF_EDB, "message", "");
        if (!known)
            hf_call_detail(call, "time_zone", "bad_value", "an IANA time zone: Asia/Shanghai"),
                bad = 1;
    }
    return bad ? hf_call_fail(call, E(INVALID_ARGUMENT), "the message is invalid") : 0;
}

NT_HANDLER(notify_send_message)
{
    const Hrflow__V1__SendMessageRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require(&st, HF_SCOPE_RECRUITER, "send messages") < 0 ||
        check_request(call, &st, r) < 0)
        return -1;
    Hrflow__V1__Candidate *c = NULL;
    int code = ask_candidate(call, r->candidate_id, &c);
    if (code == E(NOT_FOUND)) {
        hf_call_detail(call, "candidate_id", "not_found", "no such candidate");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the candidate does not exist");
    }
    if (code)
        return hf_service_ask_fail(call, "pipeline", code);
    const int sms = !strcmp(r->channel, "sms");
    const char *to = normal_address(&st, r->channel,
                                    *r->to ? r->to : sms ? nt_phone_e164(&st, c->phone) : c->email);
    const char *why = nt_recipient_problem(r->channel, to);
    if (why) {
        hf_call_detail(call, *r->to ? "to" : "candidate_id", *to ? "bad_format" : "no_address",
                       *to ? why : sms ? "the candidate has no phone number"
                                       : "the candidate has no email address");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the message cannot be addressed");
    }
    nt_letter_t l = {
        .dedupe = *r->event_id ? hf_arena_printf(st.arena, "api:%s", r->event_id) : NULL,
        .channel = r->channel,
        .recipient = to,
        .category = r->category,
        .time_zone = r->time_zone,
        .subject = r->subject,
        .text = r->text,
        .html = *r->html ? r->html : NULL,
        .candidate_id = r->candidate_id,
        .company_id = *r->company_id ? r->company_id
                      : st.n_companies == 1 ? st.companies[0] : NULL,
    };
    char id[37];
    int rc = nt_deliver_enqueue(&st, &l, id, NULL);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "message", "");
    if (!*id)
        return hf_call_fail(call, E(FAILED_PRECONDITION),
                            "the candidate does not accept this category of message");
    Hrflow__V1__Message *m = NULL;
    rc = read_message(&st, id, &m);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "message", id);
    *reply = &m->base;
    return 0;
}

NT_HANDLER(notify_get_message)
{
    const Hrflow__V1__GetMessageRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    Hrflow__V1__Message *m = NULL;
    int rc = hf_uuid_valid(r->id) ? read_message(&st, r->id, &m) : HF_ENOTFOUND;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "message", r->id);
    *reply = &m->base;
    return 0;
}

static int state_known(const char *s)
{
    static const char *const states[] = { "queued", "held", "sending", "sent", "retrying",
                                          "dead" };
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        if (!strcmp(s, states[i]))
            return 1;
    return 0;
}

NT_HANDLER(notify_list_messages)
{
    const Hrflow__V1__ListMessagesRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (hf_store_open(call, &st) < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    int bad = 0;
    if (*r->candidate_id && !hf_uuid_valid(r->candidate_id))
        hf_call_detail(call, "candidate_id", "bad_format", "a candidate's id"), bad = 1;
    if (*r->state && !state_known(r->state))
        hf_call_detail(call, "state", "bad_value",
                       "queued, held, sending, sent, retrying or dead"), bad = 1;
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the filters are invalid");
    if (*r->candidate_id) {
        Hrflow__V1__Candidate *c = NULL;
        int code = ask_candidate(call, r->candidate_id, &c);
        if (code == E(NOT_FOUND))
            return hf_call_fail(call, E(NOT_FOUND), "candidate %s not found", r->candidate_id);
        if (code)
            return hf_service_ask_fail(call, "pipeline", code);
    }
    Hrflow__V1__ListMessagesResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListMessagesResponse, hrflow__v1__list_messages_response__init);
    const char *p[7] = { st.tenant, hf_store_companies(&st),
                         *r->candidate_id ? r->candidate_id : NULL, r->state };
    if (!o || !p[1])
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    PGresult *res = hf_page_query(&st, sql_list, 7, p, 9, &page);
    int rc = hf_page_rows(&st, res, &page, message_row, (void ***)&o->messages, &o->n_messages);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "message", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

NT_HANDLER(notify_retry_message)
{
    const Hrflow__V1__RetryMessageRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require(&st, HF_SCOPE_RECRUITER, "retry messages") < 0)
        return -1;
    if (!hf_uuid_valid(r->id))
        return hf_store_fail(&st, HF_ENOTFOUND, "message", r->id);
    const char *companies = hf_store_companies(&st);
    if (!companies)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    const char *p[] = { st.tenant, r->id, companies };
    if (nt_retry_dead(&st, sql_retry, 3, p, "message", r->id) < 0)
        return -1;
    Hrflow__V1__Message *m = NULL;
    int rc = read_message(&st, r->id, &m);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "message", r->id);
    *reply = &m->base;
    return 0;
}
