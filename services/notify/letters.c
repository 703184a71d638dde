/* services/notify/letters.c - one reaction's letters: gather, render, enqueue
 *
 * Events carry ids only. At send time notify asks the owners on the
 * tenant's behalf (hf_service_ask_system: a recruiter of the whole group,
 * actor "system:notify"): the application (its candidate, job and status
 * token) and the candidate (name, email, phone)
 * from the pipeline, the job's title, the company's name from identity
 * (the tenant's for a job of the group), the interview's booking token and
 * its calendar file (method REQUEST, or CANCEL once cancelled) from
 * scheduling. An owner that does not answer makes the batch retry; an
 * application, candidate or job that is gone passes the event (logged by
 * ids). Each channel the tenant chose gets its effective template
 * (nt_template_effective) in the tenant's locale, rendered with the times
 * in the tenant's zone against the one clock (timers.now(), "明天14:00"),
 * and is enqueued (nt_deliver_enqueue) in the consumer's transaction under
 * the dedupe key (event, kind, recipient): a redelivered event sends once.
 */
#include "reactions.h"
#include "deliver.h"

#include "hf/arena.h"
#include "hf/consumer.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/service.h"
#include "hrflow/v1/identity.pb-c.h"
#include "hrflow/v1/pipeline.pb-c.h"
#include "hrflow/v1/scheduling.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code
#define NIL_UUID "00000000-0000-0000-0000-000000000000"
#define ASK_TIMEOUT_MS 5000

/* ---- what a letter needs ---- */

typedef struct {
    const char *candidate, *job, *status_token;      /* the application's */
    const char *name, *email, *phone;                /* the candidate's */
    const char *title, *company;                     /* the job's */
    const char *company_name;
    const char *booking_token;                       /* the interview's */
    int64_t start, booking_expire;
} facts_t;

/* How an answer ends the gathering: 0 go on; else the consumer's verdict. */
static int verdict(const nt_reaction_t *r, const char *what, int code)
{
    if (code == 0)
        return 0;
    if (code == E(NOT_FOUND)) {
        hf_logkv(HF_LOG_WARN, "a letter's subject is gone: the event is passed",
                 HF_KV_STR("event", r->event_id), HF_KV_STR("missing", what),
                 HF_KV_STR("application", r->application));
        return HF_CONSUME_SKIP;
    }
    hf_logkv(HF_LOG_WARN, "cannot gather a letter: retried", HF_KV_STR("event", r->event_id),
             HF_KV_STR("asking", what), HF_KV_STR("code", hf_error_code_name(code)));
    return HF_CONSUME_RETRY;
}

/* service.method for r's tenant, as verdict() judges it. */
static int ask(const nt_reaction_t *r, const char *what, const char *service, const char *method,
               const ProtobufCMessage *q, const ProtobufCMessageDescriptor *desc,
               ProtobufCMessage **m)
{
    return verdict(r, what,
                   hf_service_ask_system(r->tenant, service, method, q, desc, ASK_TIMEOUT_MS, m));
}

static int64_t seconds_of(const Hrflow__V1__Timestamp *t)
{
    return t ? t->seconds : 0;
}

/* ---- what the letters of one batch share ----
 *
 * A mass screening's thank-you letters are thousands for one job of one
 * company: its title, the company's name, the tenant's settings, the
 * effective template and the clock are the same for each. They are read
 * once per consumer batch (one transaction: its letters commit or roll back
 * together) and forgotten when the next begins, so a change is seen from
 * the next batch on. Only the consumer's thread uses this. */

#define MEMO_N 32 /* of each kind per batch; past it, read for each letter */

typedef struct {
    const char *tenant, *id; /* a job: title, company id; a company ("" the
                                tenant): name in a */
    const char *a, *b;
} memo_fact_t;

typedef struct {
    const char *tenant, *company;
    nt_event_t ev;
    nt_channel_t ch;
    int locale;
    nt_category_t category;
    nt_template_t *compiled;
} memo_template_t;

typedef struct {
    const char *tenant;
    nt_reaction_settings_t s;
} memo_settings_t;

static struct {
    uint64_t batch;
    hf_arena_t *arena;
    int64_t now;
    memo_fact_t jobs[MEMO_N], companies[MEMO_N];
    memo_template_t templates[MEMO_N];
    memo_settings_t settings[MEMO_N];
    size_t n_jobs, n_companies, n_templates, n_settings;
} memo;

static void memo_clear(void)
{
    for (size_t i = 0; i < memo.n_templates; i++)
        nt_template_destroy(&memo.templates[i].compiled);
    memo.n_jobs = memo.n_companies = memo.n_templates = memo.n_settings = 0;
    memo.now = 0;
    if (memo.arena)
        hf_arena_reset(memo.arena);
}

void nt_letters_batch(uint64_t batch)
{
    if (batch == memo.batch && batch)
        return;
    memo_clear();
    memo.batch = batch;
    if (!memo.arena)
        memo.arena = hf_arena_new(16384);
}

void nt_letters_forget(void)
{
    memo_clear();
    hf_arena_destroy(&memo.arena);
    memo.batch = 0;
}

static char *memo_strdup(const char *s)
{
    return memo.arena ? hf_arena_strdup(memo.arena, s ? s : "") : NULL;
}

static const memo_fact_t *fact_find(const memo_fact_t *f, size_t n, const char *tenant,
                                    const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(f[i].id, id) && !strcmp(f[i].tenant, tenant))
            return &f[i];
    return NULL;
}

/* Keep (tenant, id) -> (a, b) when there is room; the strings are copied. */
static void fact_keep(memo_fact_t *f, size_t *n, const char *tenant, const char *id,
                      const char *a, const char *b)
{
    if (*n == MEMO_N)
        return;
    memo_fact_t e = { memo_strdup(tenant), memo_strdup(id), memo_strdup(a), memo_strdup(b) };
    if (e.tenant && e.id && e.a && e.b)
        f[(*n)++] = e;
}

const nt_reaction_settings_t *nt_letters_settings(hf_store_t *st)
{
    for (size_t i = 0; i < memo.n_settings; i++)
        if (!strcmp(memo.settings[i].tenant, st->tenant))
            return &memo.settings[i].s;
    nt_reaction_settings_t s;
    if (nt_reaction_settings_get(st, &s) != HF_OK)
        return NULL;
    if (memo.n_settings < MEMO_N) {
        memo_settings_t *m = &memo.settings[memo.n_settings];
        m->tenant = memo_strdup(st->tenant);
        m->s = s;
        m->s.time_zone = memo_strdup(s.time_zone);
        if (m->tenant && m->s.time_zone)
            return &memo.settings[memo.n_settings++].s;
    }
    nt_reaction_settings_t *out = hf_store_alloc(st, sizeof(*out));
    if (out)
        *out = s;
    return out;
}

static int gather(hf_store_t *st, const nt_reaction_t *r, facts_t *f)
{
    ProtobufCMessage *m;
    int v;
    {
        Hrflow__V1__GetApplicationRequest q = HRFLOW__V1__GET_APPLICATION_REQUEST__INIT;
        q.id = (char *)r->application;
        if ((v = ask(r, "application", "pipeline", "GetApplication", &q.base,
                     &hrflow__v1__application__descriptor, &m)))
            return v;
        Hrflow__V1__Application *a = (void *)m;
        f->candidate = hf_store_strdup(st, a->candidate_id);
        f->job = hf_store_strdup(st, a->job_id);
        f->status_token = hf_store_strdup(st, a->status_token);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    {
        Hrflow__V1__GetCandidateRequest q = HRFLOW__V1__GET_CANDIDATE_REQUEST__INIT;
        q.id = (char *)f->candidate;
        if ((v = ask(r, "candidate", "pipeline", "GetCandidate", &q.base,
                     &hrflow__v1__candidate__descriptor, &m)))
            return v;
        Hrflow__V1__Candidate *c = (void *)m;
        f->name = hf_store_strdup(st, c->name);
        f->email = hf_store_strdup(st, c->email);
        f->phone = hf_store_strdup(st, c->phone);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    const memo_fact_t *job = f->job ? fact_find(memo.jobs, memo.n_jobs, r->tenant, f->job) : NULL;
    if (job) {
        f->title = job->a;
        f->company = *r->company ? r->company : job->b;
    } else {
        Hrflow__V1__GetJobRequest q = HRFLOW__V1__GET_JOB_REQUEST__INIT;
        q.id = (char *)f->job;
        if ((v = ask(r, "job", "pipeline", "GetJob", &q.base,
                     &hrflow__v1__job__descriptor, &m)))
            return v;
        Hrflow__V1__Job *j = (void *)m;
        f->title = hf_store_strdup(st, j->title);
        f->company = hf_store_strdup(st, *r->company ? r->company : j->company_id);
        fact_keep(memo.jobs, &memo.n_jobs, r->tenant, f->job, j->title, j->company_id);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    /* the company's name, or the tenant's for a job of the group ("") */
    const char *of = f->company && *f->company && strcmp(f->company, NIL_UUID) ? f->company : "";
    const memo_fact_t *name = f->company ? fact_find(memo.companies, memo.n_companies,
                                                     r->tenant, of)
                                         : NULL;
    if (name) {
        f->company_name = name->a;
    } else if (*of) {
        Hrflow__V1__GetCompanyRequest q = HRFLOW__V1__GET_COMPANY_REQUEST__INIT;
        q.id = (char *)f->company;
        if ((v = ask(r, "company", "identity", "GetCompany", &q.base,
                     &hrflow__v1__company__descriptor, &m)))
            return v;
        f->company_name = hf_store_strdup(st, ((Hrflow__V1__Company *)m)->name);
        protobuf_c_message_free_unpacked(m, NULL);
    } else {
        Hrflow__V1__GetTenantRequest q = HRFLOW__V1__GET_TENANT_REQUEST__INIT;
        q.id = (char *)r->tenant;
        if ((v = ask(r, "tenant", "identity", "GetTenant", &q.base,
                     &hrflow__v1__tenant__descriptor, &m)))
            return v;
        f->company_name = hf_store_strdup(st, ((Hrflow__V1__Tenant *)m)->name);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    if (!name && f->company && f->company_name)
        fact_keep(memo.companies, &memo.n_companies, r->tenant, of, f->company_name, "");
    f->start = r->start;
    if (*r->interview) {
        Hrflow__V1__GetInterviewRequest q = HRFLOW__V1__GET_INTERVIEW_REQUEST__INIT;
        q.id = (char *)r->interview;
        if ((v = ask(r, "interview", "scheduling", "GetInterview", &q.base,
                     &hrflow__v1__interview__descriptor, &m)))
            return v;
        Hrflow__V1__Interview *i = (void *)m;
        f->booking_token = hf_store_strdup(st, i->booking_token);
        f->booking_expire = seconds_of(i->booking_expire_time);
        if (!f->start)
            f->start = seconds_of(i->start_time);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    return f->candidate && f->name && f->title && f->company_name ? 0 : HF_CONSUME_RETRY;
}

const char *nt_phone_e164(hf_store_t *st, const char *phone)
{
    char n[HF_PII_PHONE_MAX];
    if (!*phone || hf_pii_normalize_phone(phone, n, sizeof(n)) < 0)
        return phone;
    if (n[0] == '+')
        return hf_store_strdup(st, n);
    return hf_arena_printf(st->arena, "+86%s", n[0] == '0' ? n + 1 : n);
}

/* The interview's calendar file for the candidate (email only). */
static int calendar(hf_store_t *st, const nt_reaction_t *r, const facts_t *f, const char *to,
                    int locale, nt_letter_t *l)
{
    Hrflow__V1__GetInterviewCalendarRequest q = HRFLOW__V1__GET_INTERVIEW_CALENDAR_REQUEST__INIT;
    q.id = (char *)r->interview;
    q.method = "request"; /* CANCEL once the interview is cancelled */
    q.attendee_email = (char *)to;
    q.attendee_name = (char *)f->name;
    q.lang = (char *)nt_locales[locale];
    ProtobufCMessage *m;
    int code = hf_service_ask_system(r->tenant, "scheduling", "GetInterviewCalendar", &q.base,
                                     &hrflow__v1__interview_calendar__descriptor, ASK_TIMEOUT_MS,
                                     &m);
    if (code == E(FAILED_PRECONDITION)) /* no slot (yet): the letter goes without a file */
        return 0;
    int v = verdict(r, "calendar", code);
    if (v)
        return v;
    Hrflow__V1__InterviewCalendar *c = (void *)m;
    void *bytes = hf_store_alloc(st, c->data.len + 1);
    if (bytes) {
        memcpy(bytes, c->data.data, c->data.len);
        l->attach = bytes;
        l->attach_len = c->data.len;
        l->attach_name = hf_store_strdup(st, c->filename);
        l->attach_type = hf_store_strdup(st, c->content_type);
    }
    protobuf_c_message_free_unpacked(m, NULL);
    return bytes ? 0 : HF_CONSUME_RETRY;
}

/* The compiled effective template (nt_template_effective) of a letter, kept
 * for the batch; when the memo is full, in spare, which the caller destroys
 * after use. NULL when the database failed. */
static memo_template_t spare;

static const memo_template_t *template_of(hf_store_t *st, const char *company, nt_event_t ev,
                                          nt_channel_t ch, int locale)
{
    const char *c = company ? company : "";
    for (size_t i = 0; i < memo.n_templates; i++) {
        const memo_template_t *t = &memo.templates[i];
        if (t->ev == ev && t->ch == ch && t->locale == locale && !strcmp(t->company, c) &&
            !strcmp(t->tenant, st->tenant))
            return t;
    }
    nt_effective_t eff = { 0 };
    if (nt_template_effective(st, company, ev, ch, locale, &eff) != HF_OK) {
        nt_template_destroy(&eff.compiled);
        return NULL;
    }
    memo_template_t t = { memo_strdup(st->tenant), memo_strdup(c), ev, ch, locale,
                          eff.category, eff.compiled };
    if (memo.n_templates < MEMO_N && t.tenant && t.company) {
        memo.templates[memo.n_templates] = t;
        return &memo.templates[memo.n_templates++];
    }
    spare = t;
    return &spare;
}

/* One channel's letter; HF_CONSUME_OK also when the candidate has no
 * usable address on it (logged by ids). */
static int send_on(hf_store_t *st, const nt_reaction_settings_t *s, const nt_reaction_t *r,
                   const facts_t *f, nt_values_t vals, nt_channel_t ch, const char *tz)
{
    const char *ch_name = nt_channel_name(ch);
    const char *to = ch == NT_CH_SMS ? nt_phone_e164(st, f->phone) : "";
    if (ch == NT_CH_EMAIL && *f->email) {
        char *n = hf_store_alloc(st, 256);
        to = n && hf_pii_normalize_email(f->email, n, 256) == 0 ? n : f->email;
    }
    if (!to || !*to || nt_recipient_problem(ch_name, to)) {
        hf_logkv(HF_LOG_INFO, "no address on the channel: that letter is not sent",
                 HF_KV_STR("event", r->event_id), HF_KV_STR("candidate", f->candidate),
                 HF_KV_STR("channel", ch_name));
        return HF_CONSUME_OK;
    }
    char token[NT_UNSUBSCRIBE_TOKEN_MAX];
    if (nt_unsubscribe_token(st, ch, f->candidate, to, token) == HF_OK)
        vals.v[NT_VAR_UNSUBSCRIBE_LINK] =
            hf_arena_printf(st->arena, "%s/v1/unsubscribe/%s", nt_public_url, token);
    const char *company = strcmp(f->company, NIL_UUID) ? f->company : NULL;
    const memo_template_t *eff = template_of(st, company, r->kind, ch, s->locale);
    if (!eff)
        return HF_CONSUME_RETRY;
    int missing = nt_values_missing(r->kind, &vals);
    nt_rendered_t out = { 0 };
    int rendered = missing < 0 && nt_template_render(eff->compiled, &vals, &out) == 0;
    if (eff == &spare)
        nt_template_destroy(&spare.compiled);
    if (missing >= 0) {
        hf_logkv(HF_LOG_WARN, "a letter lacks a value it needs: not sent",
                 HF_KV_STR("event", r->event_id), HF_KV_STR("variable", nt_vars[missing].name));
        return HF_CONSUME_OK;
    }
    if (!rendered)
        return HF_CONSUME_RETRY;
    nt_letter_t l = {
        .dedupe = r->dedupe ? r->dedupe
                            : hf_arena_printf(st->arena, "%s:%s", r->event_id,
                                              nt_event_name(r->kind)),
        .channel = ch_name, .recipient = to, .category = nt_category_name(eff->category),
        .time_zone = tz, .subject = out.subject, .text = out.text, .html = out.html,
        .candidate_id = f->candidate, .company_id = company,
    };
    int v = 0;
    if (ch == NT_CH_EMAIL && *r->interview &&
        (r->kind == NT_EV_INVITATION || r->kind == NT_EV_RESCHEDULE ||
         r->kind == NT_EV_CANCELLATION))
        v = calendar(st, r, f, to, s->locale, &l);
    char id[37];
    int rc = v ? HF_OK : nt_deliver_enqueue(st, &l, id, NULL);
    nt_rendered_clear(&out);
    return v ? v : rc == HF_OK ? HF_CONSUME_OK : HF_CONSUME_RETRY;
}

static const char sql_now[] = "SELECT extract(epoch FROM timers.now())::bigint";

int nt_letters_send(hf_store_t *st, const nt_reaction_settings_t *s, const nt_reaction_t *r)
{
    unsigned channels = s->channels[r->kind];
    if (!channels)
        return HF_CONSUME_OK;
    facts_t f = { 0 };
    int v = gather(st, r, &f);
    if (v)
        return v;
    if (!memo.now) { /* the clock of the batch: now() is its transaction's */
        PGresult *now_r = hf_db_query(st->db, sql_now, 0, NULL);
        memo.now = now_r && PQntuples(now_r) == 1 ? strtoll(PQgetvalue(now_r, 0, 0), NULL, 10)
                                                  : 0;
        PQclear(now_r);
    }
    int64_t now = memo.now;
    if (!now)
        return HF_CONSUME_RETRY;
    const char *tz = *s->time_zone ? s->time_zone : nt_delivery_settings.default_tz;
    nt_values_t vals = { 0 };
    nt_time_text_t times[5], deadline;
    vals.v[NT_VAR_CANDIDATE_NAME] = f.name;
    vals.v[NT_VAR_JOB_TITLE] = f.title;
    vals.v[NT_VAR_COMPANY_NAME] = f.company_name;
    vals.v[NT_VAR_SENDER_NAME] = f.company_name;
    vals.v[NT_VAR_REASON] = r->reason;
    if (f.status_token && *f.status_token)
        vals.v[NT_VAR_STATUS_LINK] =
            hf_arena_printf(st->arena, "%s/v1/candidate-status/%s", nt_public_url, f.status_token);
    if (f.booking_token && *f.booking_token && r->kind != NT_EV_CANCELLATION)
        vals.v[NT_VAR_BOOKING_LINK] =
            hf_arena_printf(st->arena, "%s/v1/interview-booking/%s", nt_public_url,
                            f.booking_token);
    if (f.booking_expire &&
        nt_format_time(s->locale, tz, f.booking_expire, now, NT_TIME_FULL, deadline,
                       sizeof(deadline)) == 0)
        vals.v[NT_VAR_BOOKING_DEADLINE] = deadline;
    if (f.start && nt_values_times(&vals, times, s->locale, tz, f.start, r->previous, now) < 0)
        return HF_CONSUME_RETRY;
    /* only the variables the kind has (a saved template was checked against them) */
    uint32_t allowed = nt_event_allowed(r->kind);
    for (int i = 0; i < NT_VAR_COUNT; i++)
        if (!(allowed & (1u << i)))
            vals.v[i] = NULL;
    for (int ch = 0; ch < NT_CH_COUNT; ch++) {
        if (!(channels & (1u << ch)))
            continue;
        v = send_on(st, s, r, &f, vals, (nt_channel_t)ch, tz);
        if (v)
            return v;
    }
    return HF_CONSUME_OK;
}
