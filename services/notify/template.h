/* services/notify/template.h - notification templates: the language, the variables,
 * the defaults, and the effective template of a tenant
 *
 * The language is a Mustache subset (template.c, pure, no I/O):
 *   {{name}}            the variable's value; HTML-escaped in an HTML body,
 *                       raw in a subject, a text body and an SMS
 *   {{#name}}…{{/name}} the inside only when name has a value
 *   {{^name}}…{{/name}} the inside only when name has none
 * No partials, lambdas, comments, triple braces or delimiter changes.
 * Templates are compiled when they are saved: a syntax error, a variable
 * the event does not have, or an optional variable used outside a
 * {{#name}} section that tests it is refused with its line, column (in
 * characters, from 1) and name. A compiled template then always renders:
 * the variables that are used bare are the event's always-present ones.
 *
 * The variables and which event has which (template_vars.c) are one table;
 * the defaults that ship, zh-CN and en, email and SMS, are
 * template_defaults.c's. The store of a tenant's own templates and their
 * versions is templates_store.c's; nt_template_effective() is the lookup
 * the sender uses.
 */
#ifndef NT_TEMPLATE_H
#define NT_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include "hf/store.h"

/* ---- what a template is for ---- */

typedef enum {
    NT_EV_INVITATION,   /* the AI-interview invitation */
    NT_EV_REMINDER,     /* before the interview */
    NT_EV_RESCHEDULE,   /* the interview moved */
    NT_EV_CANCELLATION, /* the interview was cancelled */
    NT_EV_THANK_YOU,    /* the application was declined */
    NT_EV_OFFER,        /* an offer */
    NT_EV_COUNT
} nt_event_t;

typedef enum { NT_CH_EMAIL, NT_CH_SMS, NT_CH_COUNT } nt_channel_t;

/* The locales templates exist in; the first is the fallback. */
#define NT_LOCALES 2
extern const char *const nt_locales[NT_LOCALES]; /* "zh-CN", "en" */

typedef enum { NT_CAT_TRANSACTIONAL, NT_CAT_MARKETING } nt_category_t;

/* "invitation", …; "email", "sms"; "transactional", "marketing". Static. */
const char *nt_event_name(nt_event_t ev);
const char *nt_channel_name(nt_channel_t ch);
const char *nt_category_name(nt_category_t cat);
/* The value named name, or -1. */
int nt_event_of(const char *name);
int nt_channel_of(const char *name);
int nt_category_of(const char *name);
/* The index in nt_locales of a locale ("zh-CN", "zh", "en", "en-GB" …:
 * by language), or -1. */
int nt_locale_of(const char *name);

/* ---- the variables (template_vars.c) ---- */

typedef enum {
    NT_VAR_CANDIDATE_NAME,
    NT_VAR_JOB_TITLE,
    NT_VAR_COMPANY_NAME,
    NT_VAR_SENDER_NAME,
    NT_VAR_INTERVIEW_TIME,  /* date and time, the candidate's zone and locale */
    NT_VAR_INTERVIEW_DATE,
    NT_VAR_INTERVIEW_CLOCK, /* 14:00 */
    NT_VAR_INTERVIEW_WHEN,  /* 明天14:00 / tomorrow at 14:00, else the time */
    NT_VAR_PREVIOUS_TIME,   /* a reschedule's former time */
    NT_VAR_BOOKING_LINK,
    NT_VAR_BOOKING_DEADLINE,
    NT_VAR_STATUS_LINK,
    NT_VAR_REASON,
    NT_VAR_START_DATE,      /* an offer's first day */
    NT_VAR_UNSUBSCRIBE_LINK,
    NT_VAR_COUNT
} nt_var_t;

typedef struct {
    const char *name;        /* as written in a template: "candidate_name" */
    const char *description; /* for the API and the docs */
    const char *sample_zh;   /* a sample value for previews, zh-CN and en */
    const char *sample_en;
} nt_var_info_t;

extern const nt_var_info_t nt_vars[NT_VAR_COUNT];

/* The variable named name (length len), or -1. */
int nt_var_of(const char *name, size_t len);

/* The variables an event has (bit 1u << var), and those always present
 * (a subset: the sender refuses to send without them). */
uint32_t nt_event_allowed(nt_event_t ev);
uint32_t nt_event_required(nt_event_t ev);

/* The values of a message: values[var] a NUL-terminated string, or NULL /
 * "" for none. Borrowed. */
typedef struct {
    const char *v[NT_VAR_COUNT];
} nt_values_t;

/* The sample values of an event in locale (an nt_locales index), for
 * previews: every allowed variable set. */
void nt_values_sample(nt_event_t ev, int locale, nt_values_t *out);

/* The first required variable of ev without a value in vals, or -1 when
 * every one has one. */
int nt_values_missing(nt_event_t ev, const nt_values_t *vals);

/* How nt_format_time writes a time. */
typedef enum {
    NT_TIME_FULL,  /* 2026年12月4日 14:00 / 4 December 2026, 14:00 */
    NT_TIME_DATE,  /* 2026年12月4日 / 4 December 2026 */
    NT_TIME_CLOCK, /* 14:00 */
    NT_TIME_WHEN,  /* 今天14:00, 明天14:00 / today at 14:00, tomorrow at 14:00, else FULL */
} nt_time_form_t;

/* when (Unix seconds) in the IANA zone tz ("Asia/Shanghai"; NULL or "" for
 * Asia/Shanghai) and locale (an nt_locales index), into out (cap bytes,
 * UTF-8); now (Unix seconds) decides today and tomorrow for NT_TIME_WHEN.
 * Returns 0, or -1 when ICU fails or out is too small (out ""). */
int nt_format_time(int locale, const char *tz, int64_t when, int64_t now, nt_time_form_t form,
                   char *out, size_t cap);

/* The interview's four time variables (interview_time, _date, _clock,
 * _when) of when in tz and locale, written into buf and set in vals;
 * with previous > 0 also previous_time (into buf[4]). Returns 0, or -1 as
 * nt_format_time, with vals and buf unchanged. */
typedef char nt_time_text_t[64];
int nt_values_times(nt_values_t *vals, nt_time_text_t buf[5], int locale, const char *tz,
                    int64_t when, int64_t previous, int64_t now);

/* ---- compiled templates (template.c) ---- */

/* Why a template was refused. */
typedef struct {
    const char *field;  /* "subject", "text", "html" */
    const char *code;   /* "syntax", "unknown_variable", "optional_variable", "required", … */
    int line, column;   /* from 1; 0 when the refusal is about the whole field */
    char name[48];      /* the variable or tag, "" when none */
    char message[200];  /* "2:7: unknown variable \"nmae\" in text (invitation has …)" */
} nt_error_t;

typedef struct nt_part nt_part_t;

/* Compile one text (len bytes of UTF-8) against the variables allowed and
 * required (nt_event_allowed/required). Returns the compiled text (the
 * caller destroys it), or NULL with *err filled (field left alone); out of
 * memory is code "nomem". */
nt_part_t *nt_part_compile(const char *src, size_t len, uint32_t allowed, uint32_t required,
                           nt_error_t *err);
void nt_part_destroy(nt_part_t **p);

/* The variables a compiled text uses (bit 1u << var). */
uint32_t nt_part_uses(const nt_part_t *p);

typedef enum {
    NT_OUT_TEXT,    /* values as they are */
    NT_OUT_HTML,    /* values HTML-escaped */
    NT_OUT_SUBJECT, /* values with CR, LF and tabs as spaces (a header) */
} nt_out_t;

/* Render p with vals into a new NUL-terminated string (the caller frees);
 * NULL only when out of memory. */
char *nt_part_render(const nt_part_t *p, const nt_values_t *vals, nt_out_t how);

/* A whole template: subject, text and optional HTML for email; text for SMS. */
typedef struct nt_template nt_template_t;

/* Compile a template of ev on ch. Email: subject (one line) and text are
 * required, html may be NULL or "". SMS: text only; a subject or html is
 * refused. Each text at most NT_TEMPLATE_MAX bytes. Returns the template
 * (the caller destroys it), or NULL with *err filled. */
#define NT_TEMPLATE_MAX 65536
nt_template_t *nt_template_compile(nt_event_t ev, nt_channel_t ch, const char *subject,
                                   const char *text, const char *html, nt_error_t *err);
void nt_template_destroy(nt_template_t **t);

/* A rendered message; every string the caller's (nt_rendered_clear frees). */
typedef struct {
    char *subject; /* NULL for SMS */
    char *text;
    char *html;    /* NULL when the template has none */
} nt_rendered_t;

/* Render t with vals. Returns 0, or -1 when out of memory (out cleared). */
int nt_template_render(const nt_template_t *t, const nt_values_t *vals, nt_rendered_t *out);
void nt_rendered_clear(nt_rendered_t *r);

/* An SMS text's length in characters and the limit of one message: 70 when
 * it holds a character outside the GSM 03.38 alphabet (UCS-2), else 160
 * (extension characters count twice). */
size_t nt_sms_length(const char *text, size_t *limit);

/* ---- defaults (template_defaults.c) ---- */

typedef struct {
    nt_event_t event;
    nt_channel_t channel;
    int locale;          /* nt_locales index */
    const char *subject; /* NULL for SMS */
    const char *text;
    const char *html;    /* NULL when none */
} nt_default_t;

/* The default of (ev, ch, locale); every one exists. Static. */
const nt_default_t *nt_default(nt_event_t ev, nt_channel_t ch, int locale);

/* The category of ev's letters (every default is transactional). */
nt_category_t nt_event_category(nt_event_t ev);

/* ---- the effective template of a tenant (templates_store.c) ---- */

typedef struct {
    const char *source;    /* "company", "tenant" or "default" */
    const char *id;        /* the stored template's id, "" for a default */
    int version;           /* its active version, 0 for a default */
    nt_category_t category;
    const char *subject, *text, *html; /* in st's arena ("" for none) */
    nt_template_t *compiled;           /* the caller's: nt_template_destroy */
} nt_effective_t;

/* The template a letter of ev on ch in locale (an nt_locales index) uses
 * for st's tenant and company (a canonical UUID, or NULL / "" for none):
 * the company's own, else the tenant's, else the default. Returns HF_OK,
 * HF_EDB, or HF_ENOMEM. */
int nt_template_effective(hf_store_t *st, const char *company, nt_event_t ev, nt_channel_t ch,
                          int locale, nt_effective_t *out);

/* ---- consent (consent.c) ---- */

/* 1 when a letter of category may go to address (an email address or a
 * phone number as written) on ch for st's tenant: transactional always,
 * marketing unless the address opted out of it. 0 when refused; -1 when
 * the database or the keyring failed (send nothing, try again). */
int nt_consent_allows(hf_store_t *st, nt_channel_t ch, const char *address,
                      nt_category_t category);

/* Record (opt_out 1) or withdraw (0) the opt-out of address on ch from
 * marketing letters for st's tenant, as source says ("api",
 * "unsubscribe_link", a provider's complaint …). HF_OK, HF_ENOTFOUND (not
 * an address of the channel), HF_EDB. */
int nt_opt_out_set(hf_store_t *st, nt_channel_t ch, const char *address, int opt_out,
                   const char *source);

/* The one-click unsubscribe token of candidate (a canonical UUID) whose
 * address on ch is address, for the unsubscribe_link variable
 * (/v1/unsubscribe/{token}); remembers which address the candidate has, so
 * the link finds it. HF_OK, HF_ENOTFOUND (not a UUID or not an address of
 * the channel), HF_EDB or HF_ENOMEM; out "" unless HF_OK. */
#define NT_UNSUBSCRIBE_TOKEN_MAX 97 /* HF_TOKEN_LEN(2, 0) + 1 */
int nt_unsubscribe_token(hf_store_t *st, nt_channel_t ch, const char *candidate,
                         const char *address, char out[NT_UNSUBSCRIBE_TOKEN_MAX]);

#endif
