/* services/notify/templates.c - the template RPC methods: list, get, save, activate, delete, preview
 *
 * A template is named "<event>.<channel>.<locale>" ("reminder.sms.zh-CN")
 * and belongs to the tenant or, with company_id, to one company. Reading
 * answers the effective one (the company's own, else the tenant's, else
 * the shipped default) with its source; writing acts on the named level
 * only. A save compiles first (template.c): a refusal is INVALID_ARGUMENT
 * with a detail at content.<field> saying line:column and the name, and
 * nothing is stored. Recruiters write, integrators read; a company-bound
 * key reads the tenant's templates and its companies', writes only its
 * companies' (the tenant's need a key of the whole group), and another
 * company's template is the answer of a name that names nothing.
 */
#include "templates.h"

#include "hf/db.h"
#include "hf/service.h"

#include <stdio.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

/* "event.channel.locale" into key (company left alone); 0, or -1. */
static int parse_name(const char *name, nt_key_t *key)
{
    char ev[32], ch[16], loc[16];
    const char *d1 = strchr(name, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d2 || (size_t)(d1 - name) >= sizeof(ev) || (size_t)(d2 - d1 - 1) >= sizeof(ch) ||
        strlen(d2 + 1) >= sizeof(loc))
        return -1;
    snprintf(ev, sizeof(ev), "%.*s", (int)(d1 - name), name);
    snprintf(ch, sizeof(ch), "%.*s", (int)(d2 - d1 - 1), d1 + 1);
    snprintf(loc, sizeof(loc), "%s", d2 + 1);
    int e = nt_event_of(ev), c = nt_channel_of(ch), l = -1;
    for (int i = 0; i < NT_LOCALES; i++)
        if (!strcmp(loc, nt_locales[i]))
            l = i;
    if (e < 0 || c < 0 || l < 0)
        return -1;
    key->event = (nt_event_t)e, key->channel = (nt_channel_t)c, key->locale = l;
    return 0;
}

/* The company of a request: one the key acts for and identity knows in
 * the tenant (asked as the caller); -1 after failing the call with
 * NOT_FOUND, the same for another tenant's company and a made-up one. */
static int company_check(hf_store_t *st, const char *company)
{
    int known = hf_store_company_known(st, company);
    if (known == 0)
        return hf_call_fail(st->call, E(NOT_FOUND), "company %s not found", company);
    return known < 0 ? -1 : 0;
}

/* The request's name and company into key, checked against the wall:
 * -1 after failing the call with NOT_FOUND. */
static int open_key(hf_store_t *st, const char *name, const char *company, nt_key_t *key)
{
    if (parse_name(name, key) < 0)
        return hf_call_fail(st->call, E(NOT_FOUND), "template %s not found", name);
    key->company = company && *company ? company : NULL;
    return key->company ? company_check(st, key->company) : 0;
}

/* For writes: the scope, and the company's own template or, for the
 * tenant's, a key of the whole group. */
static int open_write(hf_store_t *st, const char *name, const char *company, nt_key_t *key)
{
    if (hf_store_require(st, HF_SCOPE_RECRUITER, "change templates") < 0 ||
        open_key(st, name, company, key) < 0)
        return -1;
    return key->company ? 0
                        : hf_store_require_group(st, HF_SCOPE_RECRUITER,
                                                 "change the tenant's templates");
}

/* The name, event, channel and locale of key on t. */
static int describe(hf_store_t *st, const nt_key_t *key, Hrflow__V1__NotificationTemplate *t)
{
    char name[64];
    snprintf(name, sizeof(name), "%s.%s.%s", nt_event_name(key->event),
             nt_channel_name(key->channel), nt_locales[key->locale]);
    t->name = hf_store_strdup(st, name);
    t->event = (char *)nt_event_name(key->event);
    t->channel = (char *)nt_channel_name(key->channel);
    t->locale = (char *)nt_locales[key->locale];
    return t->name ? HF_OK : HF_ENOMEM;
}

/* The default of key as a message. */
static int default_msg(hf_store_t *st, const nt_key_t *key, Hrflow__V1__NotificationTemplate **out)
{
    const nt_default_t *d = nt_default(key->event, key->channel, key->locale);
    Hrflow__V1__NotificationTemplate *t = hf_store_alloc(st, sizeof(*t));
    Hrflow__V1__TemplateContent *c = hf_store_alloc(st, sizeof(*c));
    if (!t || !c)
        return HF_ENOMEM;
    hrflow__v1__notification_template__init(t);
    hrflow__v1__template_content__init(c);
    c->subject = (char *)(d->subject ? d->subject : "");
    c->text = (char *)d->text;
    c->html = (char *)(d->html ? d->html : "");
    t->content = c;
    t->source = "default";
    t->company_id = "";
    t->category = (char *)nt_category_name(nt_event_category(key->event));
    *out = t;
    return HF_OK;
}

/* The variables of key's event, for GetTemplate. */
static int variables(hf_store_t *st, const nt_key_t *key, Hrflow__V1__NotificationTemplate *t)
{
    uint32_t allowed = nt_event_allowed(key->event), req = nt_event_required(key->event);
    t->variables = hf_store_alloc(st, NT_VAR_COUNT * sizeof(*t->variables));
    if (!t->variables)
        return HF_ENOMEM;
    for (int v = 0; v < NT_VAR_COUNT; v++) {
        if (!(allowed & (1u << v)))
            continue;
        Hrflow__V1__TemplateVariable *x = hf_store_alloc(st, sizeof(*x));
        if (!x)
            return HF_ENOMEM;
        hrflow__v1__template_variable__init(x);
        x->name = (char *)nt_vars[v].name;
        x->description = (char *)nt_vars[v].description;
        x->always = (req & (1u << v)) != 0;
        t->variables[t->n_variables++] = x;
    }
    return HF_OK;
}

/* The effective template of key (its level, then the tenant's, then the
 * default), with versions and variables when full. */
static int effective_msg(hf_store_t *st, const nt_key_t *key, int full,
                         Hrflow__V1__NotificationTemplate **out)
{
    int rc = nt_store_template_get(st, key, full, out);
    if (rc == HF_ENOTFOUND && key->company) {
        nt_key_t tenant = *key;
        tenant.company = NULL;
        rc = nt_store_template_get(st, &tenant, full, out);
    }
    if (rc == HF_ENOTFOUND)
        rc = default_msg(st, key, out);
    if (rc == HF_OK)
        rc = describe(st, key, *out);
    if (rc == HF_OK && full)
        rc = variables(st, key, *out);
    return rc;
}

static int answer(hf_store_t *st, const nt_key_t *key, const char *name, ProtobufCMessage **reply)
{
    Hrflow__V1__NotificationTemplate *t = NULL;
    int rc = effective_msg(st, key, 1, &t);
    if (rc != HF_OK)
        return hf_store_fail(st, rc, "template", name);
    *reply = &t->base;
    return 0;
}

NT_HANDLER(notify_list_templates)
{
    const Hrflow__V1__ListTemplatesRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    const char *company = r->company_id && *r->company_id ? r->company_id : NULL;
    if (company && company_check(&st, company) < 0)
        return -1;
    int fe = *r->event ? nt_event_of(r->event) : -1;
    int fc = *r->channel ? nt_channel_of(r->channel) : -1;
    int fl = *r->locale ? nt_locale_of(r->locale) : -1;
    if ((*r->event && fe < 0) || (*r->channel && fc < 0) || (*r->locale && fl < 0)) {
        if (*r->event && fe < 0)
            hf_call_detail(call, "event", "invalid", "one of the six events");
        if (*r->channel && fc < 0)
            hf_call_detail(call, "channel", "invalid", "email or sms");
        if (*r->locale && fl < 0)
            hf_call_detail(call, "locale", "invalid", "zh-CN or en");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the filters are invalid");
    }
    Hrflow__V1__NotificationTemplate **rows = NULL;
    size_t n_rows = 0;
    int rc = nt_store_template_levels(&st, company, &rows, &n_rows);
    Hrflow__V1__ListTemplatesResponse *out = hf_store_alloc(&st, sizeof(*out));
    size_t cap = NT_EV_COUNT * NT_CH_COUNT * NT_LOCALES;
    if (rc == HF_OK && out) {
        hrflow__v1__list_templates_response__init(out);
        out->templates = hf_store_alloc(&st, cap * sizeof(*out->templates));
    }
    if (rc == HF_OK && (!out || !out->templates))
        rc = HF_ENOMEM;
    for (int e = 0; rc == HF_OK && e < NT_EV_COUNT; e++)
        for (int c = 0; rc == HF_OK && c < NT_CH_COUNT; c++)
            for (int l = 0; rc == HF_OK && l < NT_LOCALES; l++) {
                if ((fe >= 0 && e != fe) || (fc >= 0 && c != fc) || (fl >= 0 && l != fl))
                    continue;
                nt_key_t key = { (nt_event_t)e, (nt_channel_t)c, l, company };
                Hrflow__V1__NotificationTemplate *t = NULL;
                /* the company's own wins over the tenant's; else the default */
                for (size_t i = 0; i < n_rows; i++)
                    if (!strcmp(rows[i]->event, nt_event_name(key.event)) &&
                        !strcmp(rows[i]->channel, nt_channel_name(key.channel)) &&
                        !strcmp(rows[i]->locale, nt_locales[l]) && (!t || *rows[i]->company_id))
                        t = rows[i];
                if (!t)
                    rc = default_msg(&st, &key, &t);
                if (rc == HF_OK)
                    rc = describe(&st, &key, t);
                if (rc == HF_OK)
                    out->templates[out->n_templates++] = t;
            }
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "templates", NULL);
    *reply = &out->base;
    return 0;
}

NT_HANDLER(notify_get_template)
{
    const Hrflow__V1__GetTemplateRequest *r = (const void *)req;
    hf_store_t st;
    nt_key_t key;
    if (hf_store_open(call, &st) < 0 || open_key(&st, r->name, r->company_id, &key) < 0)
        return -1;
    return answer(&st, &key, r->name, reply);
}

/* Compile content for key; -1 after failing the call with the refusal at
 * its field (content.subject, content.text, content.html). */
static int check(hf_store_t *st, const nt_key_t *key, const Hrflow__V1__TemplateContent *c)
{
    nt_error_t err;
    nt_template_t *t = nt_template_compile(key->event, key->channel, c ? c->subject : NULL,
                                           c ? c->text : NULL, c ? c->html : NULL, &err);
    if (t) {
        nt_template_destroy(&t);
        return 0;
    }
    if (!strcmp(err.code, "nomem"))
        return hf_call_fail(st->call, E(INTERNAL), "out of memory");
    char field[32];
    snprintf(field, sizeof(field), "content.%s", err.field);
    /* the code for programs ("unknown_variable"), the message for people
     * ("2:7: unknown variable \"nmae\"") */
    hf_call_detail(st->call, field, err.code, err.message);
    return hf_call_fail(st->call, E(INVALID_ARGUMENT), "%s %s", field, err.message);
}

NT_HANDLER(notify_save_template)
{
    const Hrflow__V1__SaveTemplateRequest *r = (const void *)req;
    hf_store_t st;
    nt_key_t key;
    if (hf_store_open(call, &st) < 0 || open_write(&st, r->name, r->company_id, &key) < 0)
        return -1;
    if (*r->category && nt_category_of(r->category) < 0) {
        hf_call_detail(call, "category", "invalid", "transactional or marketing");
        return hf_call_fail(call, E(INVALID_ARGUMENT),
                            "category must be transactional or marketing");
    }
    if (check(&st, &key, r->content) < 0)
        return -1;
    int version = 0;
    int rc = nt_store_template_save(&st, &key, r->content, r->category, &version);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "template", r->name);
    return answer(&st, &key, r->name, reply);
}

NT_HANDLER(notify_activate_template)
{
    const Hrflow__V1__ActivateTemplateRequest *r = (const void *)req;
    hf_store_t st;
    nt_key_t key;
    if (hf_store_open(call, &st) < 0 || open_write(&st, r->name, r->company_id, &key) < 0)
        return -1;
    int rc = nt_store_template_activate(&st, &key, r->version);
    if (rc == HF_ENOTFOUND)
        return hf_call_fail(call, E(NOT_FOUND), "version %d of template %s not found",
                            (int)r->version, r->name);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "template", r->name);
    return answer(&st, &key, r->name, reply);
}

NT_HANDLER(notify_delete_template)
{
    const Hrflow__V1__DeleteTemplateRequest *r = (const void *)req;
    hf_store_t st;
    nt_key_t key;
    if (hf_store_open(call, &st) < 0 || open_write(&st, r->name, r->company_id, &key) < 0)
        return -1;
    /* answered as it was, the way every DELETE answers (docs/api.md) */
    Hrflow__V1__NotificationTemplate *t = NULL;
    int rc = hf_db_begin(st.db) < 0 ? HF_EDB : nt_store_template_get(&st, &key, 1, &t);
    if (rc == HF_OK)
        rc = nt_store_template_delete(&st, &key);
    if (rc == HF_OK)
        rc = describe(&st, &key, t);
    if (rc == HF_OK)
        rc = variables(&st, &key, t);
    rc = hf_store_finish(&st, rc);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "template", r->name);
    *reply = &t->base;
    return 0;
}

/* The preview's values: samples of the locale, then the given ones ("" is
 * no value). -1 after failing the call for a variable the event has not. */
static int preview_values(hf_store_t *st, const nt_key_t *key,
                          const Hrflow__V1__PreviewTemplateRequest *r, nt_values_t *vals)
{
    nt_values_sample(key->event, key->locale, vals);
    uint32_t allowed = nt_event_allowed(key->event);
    int bad = 0;
    for (size_t i = 0; i < r->n_variables; i++) {
        const char *k = r->variables[i]->key ? r->variables[i]->key : "";
        int v = nt_var_of(k, strlen(k));
        if (v < 0 || !(allowed & (1u << v))) {
            char field[96];
            snprintf(field, sizeof(field), "variables.%.80s", k);
            hf_call_detail(st->call, field, "unknown_variable", "not a variable of this event");
            bad = 1;
            continue;
        }
        vals->v[v] = r->variables[i]->value ? r->variables[i]->value : "";
    }
    return bad ? hf_call_fail(st->call, E(INVALID_ARGUMENT), "unknown variables") : 0;
}

NT_HANDLER(notify_preview_template)
{
    const Hrflow__V1__PreviewTemplateRequest *r = (const void *)req;
    hf_store_t st;
    nt_key_t key;
    if (hf_store_open(call, &st) < 0 || open_key(&st, r->name, r->company_id, &key) < 0)
        return -1;
    Hrflow__V1__TemplatePreview *out = hf_store_alloc(&st, sizeof(*out));
    if (!out)
        return hf_store_fail(&st, HF_ENOMEM, "template", r->name);
    hrflow__v1__template_preview__init(out);
    const Hrflow__V1__TemplateContent *c = r->content;
    int rc = HF_OK;
    if (c && (*c->subject || *c->text || *c->html)) {
        if (check(&st, &key, c) < 0)
            return -1;
        out->source = "inline";
    } else if (r->version > 0) {
        Hrflow__V1__TemplateContent *got = NULL;
        rc = nt_store_template_version(&st, &key, r->version, &got);
        if (rc == HF_ENOTFOUND)
            return hf_call_fail(call, E(NOT_FOUND), "version %d of template %s not found",
                                (int)r->version, r->name);
        c = got;
        out->source = key.company ? "company" : "tenant";
        out->version = r->version;
    } else {
        Hrflow__V1__NotificationTemplate *t = NULL;
        rc = effective_msg(&st, &key, 0, &t);
        if (rc == HF_OK)
            c = t->content, out->source = t->source, out->version = t->active_version;
    }
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "template", r->name);
    nt_values_t vals;
    if (preview_values(&st, &key, r, &vals) < 0)
        return -1;
    nt_error_t err;
    nt_template_t *t = nt_template_compile(key.event, key.channel, c->subject, c->text, c->html,
                                           &err);
    nt_rendered_t m = { 0 };
    if (!t || nt_template_render(t, &vals, &m) < 0) {
        nt_template_destroy(&t);
        return hf_store_fail(&st, HF_ENOMEM, "template", r->name);
    }
    nt_template_destroy(&t);
    out->subject = hf_store_strdup(&st, m.subject);
    out->text = hf_store_strdup(&st, m.text);
    out->html = hf_store_strdup(&st, m.html);
    out->warnings = hf_store_alloc(&st, 2 * sizeof(char *));
    int missing = nt_values_missing(key.event, &vals);
    if (out->warnings && missing >= 0) {
        char w[160];
        snprintf(w, sizeof(w), "%s has no value: a letter is not sent without it",
                 nt_vars[missing].name);
        out->warnings[out->n_warnings++] = hf_store_strdup(&st, w);
    }
    if (key.channel == NT_CH_SMS) {
        size_t limit;
        out->sms_length = (uint32_t)nt_sms_length(m.text, &limit);
        out->sms_limit = (uint32_t)limit;
        if (out->warnings && out->sms_length > limit) {
            char w[160];
            snprintf(w, sizeof(w), "longer than one SMS: %u of %u characters, sent in parts",
                     out->sms_length, out->sms_limit);
            out->warnings[out->n_warnings++] = hf_store_strdup(&st, w);
        }
    }
    nt_rendered_clear(&m);
    if (!out->subject || !out->text || !out->html || !out->warnings)
        return hf_store_fail(&st, HF_ENOMEM, "template", r->name);
    *reply = &out->base;
    return 0;
}
