/* services/notify/channel_mime.c - the RFC 5322 / MIME message of an email job
 *
 * Pure: a job in, the bytes an SMTP server or a Maildir file takes out.
 * Bodies are UTF-8 in base64 (any line length, any byte), headers with
 * non-ASCII text become RFC 2047 encoded words cut on character
 * boundaries, lines end in CRLF. The shape is
 *
 *     multipart/mixed                    (only with an attachment)
 *       multipart/alternative            (only with an HTML body)
 *         text/plain; charset=UTF-8
 *         text/html; charset=UTF-8
 *       <attachment media type>; name=…  (an .ics: text/calendar; method=REQUEST)
 *
 * The Message-ID is the job's id, so a letter sent again after a lapsed
 * lease is recognisably the same letter.
 */
#include "deliver.h"

#include "hf/buf.h"

#include <openssl/evp.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void putf(hf_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(hf_buf_t *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        hf_buf_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Base64 of n bytes in lines of 76 characters, each ending CRLF. */
static void put_base64(hf_buf_t *b, const unsigned char *s, size_t n)
{
    unsigned char line[77];
    for (size_t i = 0; i < n; i += 57) {
        size_t k = n - i < 57 ? n - i : 57;
        int w = EVP_EncodeBlock(line, s + i, (int)k);
        hf_buf_put(b, (const char *)line, (size_t)w);
        hf_buf_puts(b, "\r\n");
    }
}

static int ascii_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

/* s as header text: itself when printable ASCII, else RFC 2047 "B" encoded
 * words of at most 39 bytes each (52 base64 characters: a word of 64, a
 * line under 76 with its header name), cut between UTF-8 characters,
 * folded onto continuation lines. */
static void put_header_text(hf_buf_t *b, const char *s)
{
    if (ascii_printable(s) && strlen(s) < 900) {
        hf_buf_puts(b, s);
        return;
    }
    size_t n = strlen(s), i = 0;
    int first = 1;
    while (i < n || first) {
        size_t k = n - i < 39 ? n - i : 39;
        while (k > 0 && i + k < n && ((unsigned char)s[i + k] & 0xC0) == 0x80)
            k--; /* do not cut a character */
        unsigned char enc[64];
        int w = EVP_EncodeBlock(enc, (const unsigned char *)s + i, (int)k);
        if (!first)
            hf_buf_puts(b, "\r\n ");
        hf_buf_puts(b, "=?UTF-8?B?");
        hf_buf_put(b, (const char *)enc, (size_t)w);
        hf_buf_puts(b, "?=");
        i += k;
        first = 0;
        if (k == 0)
            break;
    }
}

/* A header name's parameter value: quoted ASCII without quotes or
 * backslashes, else an encoded word (as mail clients read in name=). */
static void put_param(hf_buf_t *b, const char *key, const char *v)
{
    putf(b, ";\r\n %s=\"", key);
    if (ascii_printable(v) && !strpbrk(v, "\"\\")) {
        hf_buf_puts(b, v);
    } else {
        hf_buf_t t = { 0 };
        put_header_text(&t, v);
        if (t.p) {
            for (char *p = t.p; *p; p++)
                if (*p == '\r' || *p == '\n')
                    *p = ' ';
            hf_buf_puts(b, t.p);
        }
        free(t.p);
    }
    hf_buf_puts(b, "\"");
}

static void put_text_part(hf_buf_t *b, const char *subtype, const char *text)
{
    putf(b, "Content-Type: text/%s; charset=UTF-8\r\n", subtype);
    hf_buf_puts(b, "Content-Transfer-Encoding: base64\r\n\r\n");
    put_base64(b, (const unsigned char *)text, strlen(text));
}

void nt_mime_message_id(const char *job_id, const char *from, char *out, size_t outlen)
{
    const char *at = from ? strrchr(from, '@') : NULL;
    const char *domain = at && at[1] ? at + 1 : "hrflow.local";
    size_t dl = strcspn(domain, ">\" \t");
    snprintf(out, outlen, "<%s@%.*s>", job_id, (int)dl, domain);
}

char *nt_mime_message(const nt_job_t *job, const char *from, size_t *len)
{
    hf_buf_t b = { 0 };
    char date[64], mid[160];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    nt_mime_message_id(job->id, from, mid, sizeof(mid));
    const int html = job->html && *job->html;
    const int attach = job->attach != NULL;
    char outer[64], inner[64];
    /* "=_" never occurs in base64, so the parts cannot contain a boundary */
    snprintf(outer, sizeof(outer), "=_hf_mixed_%.8s", job->id);
    snprintf(inner, sizeof(inner), "=_hf_alt_%.8s", job->id);

    putf(&b, "Date: %s\r\n", date);
    putf(&b, "From: %s\r\n", from);
    putf(&b, "To: %s\r\n", job->to);
    hf_buf_puts(&b, "Subject: ");
    put_header_text(&b, job->subject ? job->subject : "");
    hf_buf_puts(&b, "\r\n");
    putf(&b, "Message-ID: %s\r\n", mid);
    putf(&b, "X-Hrflow-Channel: %s\r\n", job->channel);
    hf_buf_puts(&b, "MIME-Version: 1.0\r\n");
    if (attach) {
        putf(&b, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n", outer);
        putf(&b, "--%s\r\n", outer);
    }
    if (html) {
        putf(&b, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n", inner);
        putf(&b, "--%s\r\n", inner);
        put_text_part(&b, "plain", job->text);
        putf(&b, "--%s\r\n", inner);
        put_text_part(&b, "html", job->html);
        putf(&b, "--%s--\r\n", inner);
    } else {
        put_text_part(&b, "plain", job->text);
    }
    if (attach) {
        const char *type = job->attach_type && *job->attach_type ? job->attach_type
                                                                  : "application/octet-stream";
        const char *name = job->attach_name && *job->attach_name ? job->attach_name : "attachment";
        putf(&b, "--%s\r\n", outer);
        hf_buf_puts(&b, "Content-Type: ");
        hf_buf_puts(&b, ascii_printable(type) ? type : "application/octet-stream");
        if (!strncmp(type, "text/calendar", 13) && !strstr(type, "method="))
            hf_buf_puts(&b, "; method=REQUEST; charset=UTF-8");
        put_param(&b, "name", name);
        hf_buf_puts(&b, "\r\nContent-Disposition: attachment");
        put_param(&b, "filename", name);
        hf_buf_puts(&b, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        put_base64(&b, job->attach, job->attach_len);
        putf(&b, "--%s--\r\n", outer);
    }
    return hf_buf_take(&b, len);
}
