/* services/notify/deliver.h - the delivery engine: every letter and SMS notify sends
 *
 * One engine for every channel. A job is a row of notify.delivery
 * (migrations/0020_delivery.sql), enqueued with nt_deliver_enqueue() in the
 * caller's transaction. Every replica runs the sender loop (deliver.c): it
 * claims due jobs in batches (FOR UPDATE SKIP LOCKED, per-tenant rate
 * budgets, quiet hours held until the morning) and leases them with a short
 * lease committed before anything is sent, sends a batch concurrently with
 * libcurl's multi interface, and writes the outcomes back with one
 * statement. A replica that dies mid-send loses nothing: the lease lapses
 * and another replica sends again, under the same id (at least once: the
 * id is the dedupe key receivers see, Message-ID for email, "id" for SMS).
 *
 * A channel is a small table of functions (nt_transport_t): build a libcurl
 * easy handle for a job, then classify what came back into sent, retry
 * (after the channel's backoff or the receiver's Retry-After), permanent
 * failure with a reason, or disable-target. channel_smtp.c, channel_sms.c
 * and channel_maildir.c are the channels; channel_mime.c builds the RFC
 * 5322 messages the email channels send.
 */
#ifndef NT_DELIVER_H
#define NT_DELIVER_H

#include "cloudevent.h"
#include "hf/store.h"

#include <curl/curl.h>
#include <stddef.h>

/* ---- settings (main.c loads them) ---- */

typedef struct {
    const char *maildir;      /* HF_NOTIFY_MAILDIR: write letters and SMS here instead */
    const char *smtp_url;     /* HF_NOTIFY_SMTP_URL: smtp://host:port (or smtps://) */
    const char *smtp_from;    /* HF_NOTIFY_SMTP_FROM: the envelope and From: address */
    const char *smtp_user;    /* HF_NOTIFY_SMTP_USER */
    const char *smtp_password; /* HF_NOTIFY_SMTP_PASSWORD */
    const char *smtp_tls;     /* HF_NOTIFY_SMTP_TLS: "try", "required" or "none" */
    const char *smtp_ca;      /* HF_NOTIFY_SMTP_CA: a CA bundle file ("" = the system's) */
    const char *sms_url;      /* HF_NOTIFY_SMS_URL: the provider's POST URL */
    const char *sms_token;    /* HF_NOTIFY_SMS_TOKEN: its bearer token */
    long send_timeout_s;      /* HF_NOTIFY_SEND_TIMEOUT_S: one transfer, all told */
    long batch;               /* HF_NOTIFY_BATCH: jobs claimed and sent together */
    long lease_s;             /* HF_NOTIFY_LEASE_S: a claim's life before another replica may send */
    long email_rate;          /* HF_NOTIFY_EMAIL_RATE: emails a second per tenant */
    long sms_rate;            /* HF_NOTIFY_SMS_RATE: SMS a second per tenant */
    long retry_base_ms;       /* HF_NOTIFY_RETRY_BASE_MS: first backoff ceiling */
    long retry_cap_s;         /* HF_NOTIFY_RETRY_CAP_S: largest backoff ceiling */
    long max_attempts;        /* HF_NOTIFY_MAX_ATTEMPTS: then dead */
    const char *quiet_start;  /* HF_NOTIFY_QUIET_START: "21:00" local, no SMS from then */
    const char *quiet_end;    /* HF_NOTIFY_QUIET_END: "08:00" local, until then */
    const char *default_tz;   /* HF_NOTIFY_DEFAULT_TZ: a recipient's zone when none is known */
    long webhook_concurrency; /* HF_NOTIFY_WEBHOOK_CONCURRENCY: one endpoint's transfers at once */
} nt_delivery_settings_t;

extern nt_delivery_settings_t nt_delivery_settings;

/* Check the settings, register the metrics, start the sender loop (init
 * hook). 0, or -1 after logging why. */
int nt_deliver_start(void);

/* ---- quiet hours (quiet.c) ---- */

/* Minutes after midnight of a time of day "HH:MM" (00:00 to 23:59), or -1. */
int nt_quiet_minutes(const char *hhmm);

/* The quiet hours the settings give, in minutes after midnight (both equal:
 * none). Valid once nt_deliver_start() checked them. */
int nt_quiet_start_min(void);
int nt_quiet_end_min(void);

/* ---- enqueue ---- */

typedef struct {
    const char *dedupe;        /* (event id, template) part of the key; NULL/"" = none */
    const char *channel;       /* "email" or "sms" */
    const char *recipient;     /* an email address or an E.164 phone number */
    const char *category;      /* "transactional" (NULL) or "marketing" */
    const char *time_zone;     /* the recipient's IANA zone; NULL/"" = HF_NOTIFY_DEFAULT_TZ */
    const char *subject;       /* email only; NULL = "" */
    const char *text;          /* the plain-text body (the SMS) */
    const char *html;          /* an HTML alternative (email), or NULL */
    const char *candidate_id;  /* for lists by candidate; NULL */
    const char *company_id;    /* the company it is sent for (the wall); NULL = the group */
    const char *attach_name;   /* one attachment (an .ics): file name, */
    const char *attach_type;   /*   media type, */
    const void *attach;        /*   bytes, or NULL for none */
    size_t attach_len;
} nt_letter_t;

/* Where a recipient is refused: NULL when recipient is a valid address for
 * channel (email: one addr-spec in ASCII, as hf_pii_normalize_email gives
 * it, lowercase; sms: E.164, '+' and 8 to 15 digits), else a sentence for
 * a 422 detail. deliver_address.c. */
const char *nt_recipient_problem(const char *channel, const char *recipient);

/* What the API shows of a valid recipient, into out: "z***@example.com",
 * "+861****8000". */
void nt_recipient_mask(const char *channel, const char *recipient, char *out, size_t outlen);

/* Enqueue l in st's tenant, inside the caller's transaction on st->db (or
 * alone). The dedupe key is l->dedupe with the recipient's blind index:
 * the same event, template and recipient enqueue once (ON CONFLICT DO
 * NOTHING), and id is the first one's. Sets id (a UUID) and *fresh (1 when
 * this call added it; may be NULL). HF_OK, HF_EDB, HF_ENOMEM.
 *
 * Consent and opt-out are asked here, before anything is written
 * (nt_consent_allows, consent.c): a letter they refuse (marketing to an
 * address that opted out) returns HF_OK with id "" and writes nothing. */
int nt_deliver_enqueue(hf_store_t *st, const nt_letter_t *l, char id[37], int *fresh);

/* Run sql (parameters p[n]), which queues one dead job again and answers
 * one row: its state before, and 1 when it moved. 0 when it moved; else
 * fails st's call (what id not found, or FAILED_PRECONDITION naming the
 * state it is in) and returns -1. what: "message", "webhook delivery".
 * deliver_enqueue.c. */
int nt_retry_dead(hf_store_t *st, const char *sql, int n, const char *const *p, const char *what,
                  const char *id);

/* ---- channels ---- */

typedef enum {
    NT_SENT,        /* the receiver took it */
    NT_RETRY,       /* try again after retry_after_s (0: the channel's backoff) */
    NT_FAILED,      /* permanent: dead with reason */
    NT_DISABLE,     /* the target is gone (a webhook's 410): dead, and the channel disables it */
} nt_outcome_kind_t;

typedef struct {
    nt_outcome_kind_t kind;
    long retry_after_s;
    char reason[64];         /* ids and codes only: "smtp_550", "http_500", "curl_7" */
    long status;             /* the receiver's HTTP status (0: none, or not HTTP) */
    long latency_ms;         /* the transfer's time (0: not measured) */
    long pause_target_s;     /* > 0: the target (a webhook endpoint) takes nothing for this
                                long: the receiver is down or asked for a pause */
} nt_outcome_t;

/* A job as the channel sees it (decrypted in the sender's arena). */
typedef struct {
    const char *id, *tenant, *channel;
    const char *to, *subject, *text, *html;
    const char *attach_name, *attach_type;
    const unsigned char *attach;
    size_t attach_len;
    int attempts;             /* this attempt's number, from 1 */
    const char *target;       /* the channel's own target id (a webhook endpoint), or NULL */
    const struct nt_webhook_job *webhook; /* a webhook job's event and endpoint, or NULL */
} nt_job_t;

/* What a webhook job sends (webhook_transport.c): the outbox event and the
 * endpoint, read with the job (borrowed, in the sender's arena). url NULL:
 * the endpoint was deleted; event.id NULL: the event is no longer in the
 * outbox. */
struct nt_webhook_job {
    const char *url;
    const char *secrets[2];
    size_t n_secrets;
    ce_event_t event;
};

typedef struct nt_transport {
    const char *name;         /* the jobs' channel: "email", "sms" */
    const char *transport;    /* in metrics and logs: "smtp", "sms_http", "maildir" */
    int max_attempts;         /* 0: HF_NOTIFY_MAX_ATTEMPTS */
    /* Build the transfer of job: an easy handle the engine adds to its multi
     * handle, what it needs kept in *state (freed by done). Or NULL with *out
     * set: the job was handled without a transfer (a Maildir file written),
     * or could not be built (NT_FAILED / NT_RETRY with a reason). */
    CURL *(*easy)(const nt_job_t *job, void **state, nt_outcome_t *out);
    /* What the transfer's result means: rc and, for HTTP, the status. */
    void (*classify)(const nt_job_t *job, void *state, CURL *easy, CURLcode rc,
                     nt_outcome_t *out);
    /* Free *state (and what easy kept); NULL state is fine. */
    void (*done)(void *state);
    /* After NT_DISABLE, inside the write-back transaction: disable
     * job->target. May be NULL. 0 or -1. */
    int (*disable)(PGconn *db, const nt_job_t *job);
    /* 1: done frees the easy handle too (the engine only takes it off the
     * multi handle); 0: the engine cleans it up before done. */
    int owns_easy;
} nt_transport_t;

/* The channels the settings configure (NULL when the channel has no
 * transport configured: its jobs wait, retried with backoff). */
const nt_transport_t *nt_transport_for(const char *channel);

extern const nt_transport_t nt_transport_smtp, nt_transport_sms_http, nt_transport_maildir_email,
    nt_transport_maildir_sms, nt_transport_webhook;

/* The webhook fan-out (webhook_fanout.c): a durable consumer of the whole
 * outbox that enqueues one webhook job per (event, matching endpoint).
 * 0, or -1 (logged). */
int nt_webhook_fanout_start(void);

/* Read the event and endpoint of a webhook job from row i of r, columns
 * col.. (endpoint id, url, secret token, previous token, event id, source,
 * type, subject, time in Unix microseconds, data), into j->webhook and
 * j->target (st's arena; st->tenant the job's). 0, or -1 when a secret
 * does not open. webhook_transport.c. */
int nt_webhook_load(hf_store_t *st, PGresult *r, int i, int col, nt_job_t *j);

/* The RFC 5322 message of an email job (channel_mime.c): headers (RFC 2047
 * for non-ASCII), text/plain, an optional text/html alternative and the
 * optional attachment, CRLF lines, Message-ID <job id@domain of from>.
 * Returns a malloc'd string (*len set), or NULL when out of memory. */
char *nt_mime_message(const nt_job_t *job, const char *from, size_t *len);

/* "<job id@domain of from>" into out. */
void nt_mime_message_id(const char *job_id, const char *from, char *out, size_t outlen);

#endif
