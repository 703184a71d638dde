/* services/notify/templates.h - the store of templates and opt-outs, and their handlers
 *
 * templates_store.c holds every statement on notify.template,
 * notify.template_version (migrations/0010_templates.sql); templates.c the
 * template RPC methods; consent.c opt-outs, their methods and the
 * one-click unsubscribe link. Every statement filters by st->tenant; the
 * company wall (hf_store_sees_company) is checked by the handlers before
 * a company's template is named to the store.
 */
#ifndef NT_TEMPLATES_H
#define NT_TEMPLATES_H

#include "template.h"

#include "hf/bus.h"
#include "hrflow/v1/notify.pb-c.h"

#define NT_HANDLER(name) \
    int name(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)

/* One template's key: what it is for, and whose (company NULL: the tenant's). */
typedef struct {
    nt_event_t event;
    nt_channel_t channel;
    int locale;
    const char *company;
} nt_key_t;

/* The template of key's own level (the company's when key->company, else
 * the tenant's) as a message with its versions (newest first) when
 * versions; HF_ENOTFOUND when that level has none. */
int nt_store_template_get(hf_store_t *st, const nt_key_t *key, int versions,
                          Hrflow__V1__NotificationTemplate **out);

/* Every stored template letters of company (NULL: none) may use: the
 * tenant's own and that company's own, with their active content and
 * event, channel and locale set (not their names). */
int nt_store_template_levels(hf_store_t *st, const char *company,
                             Hrflow__V1__NotificationTemplate ***out, size_t *n);

/* Add a version with content (and category, "" to keep it) to key's own
 * template, made when it has none, and make it the active one. *version
 * is the new version's number. */
int nt_store_template_save(hf_store_t *st, const nt_key_t *key,
                           const Hrflow__V1__TemplateContent *content, const char *category,
                           int *version);

/* Make version the active one of key's own template: HF_ENOTFOUND when
 * there is no such template or version. */
int nt_store_template_activate(hf_store_t *st, const nt_key_t *key, int version);

/* Delete key's own template and its versions: HF_ENOTFOUND when none. */
int nt_store_template_delete(hf_store_t *st, const nt_key_t *key);

/* The content of one version of key's own template: HF_ENOTFOUND when none. */
int nt_store_template_version(hf_store_t *st, const nt_key_t *key, int version,
                              Hrflow__V1__TemplateContent **out);

/* Methods (templates.c, consent.c) */
NT_HANDLER(notify_list_templates);
NT_HANDLER(notify_get_template);
NT_HANDLER(notify_save_template);
NT_HANDLER(notify_activate_template);
NT_HANDLER(notify_delete_template);
NT_HANDLER(notify_preview_template);
NT_HANDLER(notify_get_candidate_consent);
NT_HANDLER(notify_set_candidate_consent);
NT_HANDLER(notify_get_unsubscribe);
NT_HANDLER(notify_unsubscribe);

#endif
