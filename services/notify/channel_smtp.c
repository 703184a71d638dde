/* services/notify/channel_smtp.c - email over SMTP, through libcurl
 *
 * One transfer per letter: MAIL FROM HF_NOTIFY_SMTP_FROM, RCPT TO the
 * recipient, DATA the message channel_mime.c builds. STARTTLS as
 * HF_NOTIFY_SMTP_TLS says ("try": when the server offers it; "required":
 * refuse to send in the clear; "none"), verified against HF_NOTIFY_SMTP_CA
 * or the system's CAs; bounded by HF_NOTIFY_SEND_TIMEOUT_S.
 *
 * Outcomes: accepted → sent; a 5xx reply (a mailbox that does not exist) →
 * permanent; 4xx, a dropped connection (also mid-DATA: the server has not
 * taken the letter), a timeout → retried. A letter the server took but
 * whose acknowledgement was lost is sent again with the same Message-ID.
 */
#include "deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *msg;
    size_t len, off;
    struct curl_slist *rcpt;
} smtp_state_t;

static size_t read_msg(char *dst, size_t size, size_t n, void *user)
{
    smtp_state_t *s = user;
    size_t k = size * n;
    if (k > s->len - s->off)
        k = s->len - s->off;
    memcpy(dst, s->msg + s->off, k);
    s->off += k;
    return k;
}

static void smtp_done(void *state)
{
    smtp_state_t *s = state;
    if (!s)
        return;
    free(s->msg);
    curl_slist_free_all(s->rcpt);
    free(s);
}

static CURL *smtp_easy(const nt_job_t *job, void **state, nt_outcome_t *out)
{
    const nt_delivery_settings_t *c = &nt_delivery_settings;
    smtp_state_t *s = calloc(1, sizeof(*s));
    CURL *e = s ? curl_easy_init() : NULL;
    if (s)
        s->msg = nt_mime_message(job, c->smtp_from, &s->len);
    char rcpt[400];
    snprintf(rcpt, sizeof(rcpt), "<%s>", job->to);
    if (s && s->msg)
        s->rcpt = curl_slist_append(NULL, rcpt);
    if (!e || !s || !s->msg || !s->rcpt) {
        if (e)
            curl_easy_cleanup(e);
        smtp_done(s);
        out->kind = NT_RETRY;
        snprintf(out->reason, sizeof(out->reason), "out_of_memory");
        return NULL;
    }
    char from[400];
    snprintf(from, sizeof(from), "<%s>", c->smtp_from);
    curl_easy_setopt(e, CURLOPT_URL, c->smtp_url);
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, s->rcpt);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, read_msg);
    curl_easy_setopt(e, CURLOPT_READDATA, s);
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->len);
    long tls = !strcmp(c->smtp_tls, "required") ? (long)CURLUSESSL_ALL
             : !strcmp(c->smtp_tls, "none")     ? (long)CURLUSESSL_NONE
                                                : (long)CURLUSESSL_TRY;
    curl_easy_setopt(e, CURLOPT_USE_SSL, tls);
    if (*c->smtp_ca)
        curl_easy_setopt(e, CURLOPT_CAINFO, c->smtp_ca);
    if (*c->smtp_user) {
        curl_easy_setopt(e, CURLOPT_USERNAME, c->smtp_user);
        curl_easy_setopt(e, CURLOPT_PASSWORD, c->smtp_password);
    }
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, c->send_timeout_s);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    *state = s;
    return e;
}

static void smtp_classify(const nt_job_t *job, void *state, CURL *e, CURLcode rc,
                          nt_outcome_t *out)
{
    (void)job;
    (void)state;
    long code = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_OK) {
        out->kind = NT_SENT;
        return;
    }
    if (code >= 500 && code < 600 && rc != CURLE_OPERATION_TIMEDOUT) {
        out->kind = NT_FAILED;
        snprintf(out->reason, sizeof(out->reason), "smtp_%ld", code);
        return;
    }
    out->kind = rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL ? NT_FAILED
                                                                               : NT_RETRY;
    if (code)
        snprintf(out->reason, sizeof(out->reason), "smtp_%ld_curl_%d", code, (int)rc);
    else
        snprintf(out->reason, sizeof(out->reason), "curl_%d", (int)rc);
}

const nt_transport_t nt_transport_smtp = {
    .name = "email",
    .transport = "smtp",
    .easy = smtp_easy,
    .classify = smtp_classify,
    .done = smtp_done,
};
