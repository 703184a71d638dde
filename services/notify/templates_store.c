/* services/notify/templates_store.c - every statement on templates and their versions
 *
 * A template row is one level's own (a tenant's, company_id NULL, or one
 * company's) for an event, channel and locale; its versions are rows of
 * notify.template_version that a trigger keeps from being changed. A save
 * is one statement: the template is made or its last_version counted on,
 * the new version inserted and made active, so concurrent saves get
 * distinct numbers. The effective template of a letter is the company's
 * own, else the tenant's, else the shipped default (nt_template_effective).
 */
#include "templates.h"

#include "hf/db.h"
#include "hf/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The key's parameters $2..$5: company ("" = NULL), event, channel, locale. */
#define KEY_WHERE                                                                      \
    " t.tenant_id = $1 AND t.company_id IS NOT DISTINCT FROM NULLIF($2, '')::uuid"     \
    " AND t.event = $3 AND t.channel = $4 AND t.locale = $5"

static void key_params(hf_store_t *st, const nt_key_t *key, const char *p[5])
{
    p[0] = st->tenant;
    p[1] = key->company ? key->company : "";
    p[2] = nt_event_name(key->event);
    p[3] = nt_channel_name(key->channel);
    p[4] = nt_locales[key->locale];
}

static Hrflow__V1__TemplateContent *content_of(hf_store_t *st, const PGresult *r, int i, int col)
{
    Hrflow__V1__TemplateContent *c = hf_store_alloc(st, sizeof(*c));
    if (!c)
        return NULL;
    hrflow__v1__template_content__init(c);
    c->subject = hf_store_cell(st, r, i, col);
    c->text = hf_store_cell(st, r, i, col + 1);
    c->html = hf_store_cell(st, r, i, col + 2);
    return c->subject && c->text && c->html ? c : NULL;
}

/* t.id, company, category, active, update time, the active content, then
 * event, channel and locale. */
#define TEMPLATE_COLUMNS                                                              \
    "t.id, coalesce(t.company_id::text, ''), t.category, t.active_version, "          \
    HF_MICROS("t.update_time") ", v.subject, v.text_body, v.html_body,"               \
    " t.event, t.channel, t.locale"
#define TEMPLATE_FROM                                                                 \
    " FROM notify.template t JOIN notify.template_version v ON v.tenant_id = t.tenant_id" \
    " AND v.template_id = t.id AND v.version = t.active_version"

static void *template_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__NotificationTemplate *t = hf_store_alloc(st, sizeof(*t));
    if (!t)
        return NULL;
    hrflow__v1__notification_template__init(t);
    t->company_id = hf_store_cell(st, r, i, 1);
    t->source = *t->company_id ? "company" : "tenant";
    t->category = hf_store_cell(st, r, i, 2);
    t->active_version = atoi(PQgetvalue(r, i, 3));
    t->update_time = hf_store_time(st, r, i, 4);
    t->content = content_of(st, r, i, 5);
    t->event = hf_store_cell(st, r, i, 8);
    t->channel = hf_store_cell(st, r, i, 9);
    t->locale = hf_store_cell(st, r, i, 10);
    return t->content && t->category && t->event && t->channel && t->locale ? t : NULL;
}

static void *version_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__TemplateVersion *v = hf_store_alloc(st, sizeof(*v));
    if (!v)
        return NULL;
    hrflow__v1__template_version__init(v);
    v->version = atoi(PQgetvalue(r, i, 0));
    v->actor = hf_store_cell(st, r, i, 1);
    v->create_time = hf_store_time(st, r, i, 2);
    v->active = PQgetvalue(r, i, 3)[0] == 't';
    v->content = content_of(st, r, i, 4);
    return v->content && v->actor ? v : NULL;
}

int nt_store_template_get(hf_store_t *st, const nt_key_t *key, int versions,
                          Hrflow__V1__NotificationTemplate **out)
{
    const char *p[5];
    key_params(st, key, p);
    Hrflow__V1__NotificationTemplate *t = NULL;
    int rc = hf_store_one(st, "SELECT " TEMPLATE_COLUMNS TEMPLATE_FROM " WHERE" KEY_WHERE, 5, p,
                          template_row, &t);
    if (rc != HF_OK)
        return rc;
    if (versions) {
        const char *q[2] = { st->tenant, NULL };
        PGresult *r0 = hf_db_query(st->db, "SELECT t.id FROM notify.template t WHERE" KEY_WHERE,
                                   5, p);
        if (hf_store_rows(r0, 1) != HF_OK) {
            rc = r0 ? HF_ENOTFOUND : HF_EDB;
            PQclear(r0);
            return rc;
        }
        q[1] = hf_store_cell(st, r0, 0, 0);
        PQclear(r0);
        PGresult *r = hf_db_query(
            st->db,
            "SELECT v.version, v.actor, " HF_MICROS("v.create_time") ","
            " v.version = t.active_version, v.subject, v.text_body, v.html_body"
            " FROM notify.template_version v JOIN notify.template t"
            " ON t.tenant_id = v.tenant_id AND t.id = v.template_id"
            " WHERE v.tenant_id = $1 AND v.template_id = $2::uuid ORDER BY v.version DESC",
            2, q);
        rc = hf_store_all(st, r, version_row, (void ***)&t->versions, &t->n_versions);
        if (rc != HF_OK)
            return rc;
    }
    *out = t;
    return HF_OK;
}

int nt_store_template_levels(hf_store_t *st, const char *company,
                             Hrflow__V1__NotificationTemplate ***out, size_t *n)
{
    const char *p[2] = { st->tenant, company ? company : "" };
    PGresult *r = hf_db_query(st->db,
                              "SELECT " TEMPLATE_COLUMNS TEMPLATE_FROM " WHERE t.tenant_id = $1"
                              " AND (t.company_id IS NULL OR t.company_id = NULLIF($2, '')::uuid)",
                              2, p);
    return hf_store_all(st, r, template_row, (void ***)out, n);
}

int nt_store_template_save(hf_store_t *st, const nt_key_t *key,
                           const Hrflow__V1__TemplateContent *content, const char *category,
                           int *version)
{
    const char *p[10];
    key_params(st, key, p);
    p[5] = category ? category : "";
    p[6] = content->subject ? content->subject : "";
    p[7] = content->text ? content->text : "";
    p[8] = content->html ? content->html : "";
    p[9] = st->actor ? st->actor : "system";
    PGresult *r = hf_db_query(
        st->db,
        "WITH t AS ("
        " INSERT INTO notify.template AS t (tenant_id, company_id, event, channel, locale,"
        "   category, active_version, last_version)"
        " VALUES ($1, NULLIF($2, '')::uuid, $3, $4, $5, coalesce(NULLIF($6, ''), 'transactional'),"
        "   1, 1)"
        " ON CONFLICT (tenant_id, company_id, event, channel, locale) DO UPDATE"
        " SET last_version = t.last_version + 1, active_version = t.last_version + 1,"
        "   category = coalesce(NULLIF($6, ''), t.category), update_time = now()"
        " RETURNING t.id, t.last_version)"
        " INSERT INTO notify.template_version (tenant_id, template_id, version, subject,"
        "   text_body, html_body, actor)"
        " SELECT $1, t.id, t.last_version, $7, $8, $9, $10 FROM t RETURNING version",
        10, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK)
        *version = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return rc;
}

int nt_store_template_activate(hf_store_t *st, const nt_key_t *key, int version)
{
    const char *p[6];
    char v[16];
    key_params(st, key, p);
    snprintf(v, sizeof(v), "%d", version);
    p[5] = v;
    PGresult *r = hf_db_query(st->db,
                              "UPDATE notify.template t SET active_version = $6::int,"
                              " update_time = now() WHERE" KEY_WHERE
                              " AND $6::int BETWEEN 1 AND t.last_version RETURNING t.id",
                              6, p);
    int rc = hf_store_rows(r, 1);
    PQclear(r);
    return rc;
}

int nt_store_template_delete(hf_store_t *st, const nt_key_t *key)
{
    const char *p[5];
    key_params(st, key, p);
    PGresult *r = hf_db_query(st->db, "DELETE FROM notify.template t WHERE" KEY_WHERE
                                      " RETURNING t.id",
                              5, p);
    int rc = hf_store_rows(r, 1);
    PQclear(r);
    return rc;
}

static void *content_row(hf_store_t *st, PGresult *r, int i)
{
    return content_of(st, r, i, 0);
}

int nt_store_template_version(hf_store_t *st, const nt_key_t *key, int version,
                              Hrflow__V1__TemplateContent **out)
{
    const char *p[6];
    char v[16];
    key_params(st, key, p);
    snprintf(v, sizeof(v), "%d", version);
    p[5] = v;
    return hf_store_one(st,
                        "SELECT v.subject, v.text_body, v.html_body FROM notify.template t"
                        " JOIN notify.template_version v ON v.tenant_id = t.tenant_id"
                        " AND v.template_id = t.id WHERE" KEY_WHERE " AND v.version = $6::int",
                        6, p, content_row, out);
}

/* ---- the effective template ---- */

int nt_template_effective(hf_store_t *st, const char *company, nt_event_t ev, nt_channel_t ch,
                          int locale, nt_effective_t *out)
{
    memset(out, 0, sizeof(*out));
    const char *p[5] = { st->tenant, company ? company : "", nt_event_name(ev),
                         nt_channel_name(ch), nt_locales[locale] };
    /* the company's own first, then the tenant's (NULLs last) */
    PGresult *r = hf_db_query(st->db,
                              "SELECT coalesce(t.company_id::text, ''), t.id, t.active_version,"
                              " t.category, v.subject, v.text_body, v.html_body"
                              " FROM notify.template t JOIN notify.template_version v"
                              " ON v.tenant_id = t.tenant_id AND v.template_id = t.id"
                              " AND v.version = t.active_version"
                              " WHERE t.tenant_id = $1 AND t.event = $3 AND t.channel = $4"
                              " AND t.locale = $5 AND (t.company_id IS NULL"
                              " OR t.company_id = NULLIF($2, '')::uuid)"
                              " ORDER BY t.company_id NULLS LAST LIMIT 1",
                              5, p);
    if (!r)
        return HF_EDB;
    int rc = HF_OK;
    if (PQntuples(r) == 1) {
        out->source = *PQgetvalue(r, 0, 0) ? "company" : "tenant";
        out->id = hf_store_cell(st, r, 0, 1);
        out->version = atoi(PQgetvalue(r, 0, 2));
        out->category = nt_category_of(PQgetvalue(r, 0, 3)) == NT_CAT_MARKETING
                            ? NT_CAT_MARKETING
                            : NT_CAT_TRANSACTIONAL;
        out->subject = hf_store_cell(st, r, 0, 4);
        out->text = hf_store_cell(st, r, 0, 5);
        out->html = hf_store_cell(st, r, 0, 6);
    } else {
        const nt_default_t *d = nt_default(ev, ch, locale);
        out->source = "default", out->id = "", out->version = 0;
        out->category = nt_event_category(ev);
        out->subject = d->subject ? d->subject : "";
        out->text = d->text;
        out->html = d->html ? d->html : "";
    }
    PQclear(r);
    if (!out->id || !out->subject || !out->text || !out->html)
        return HF_ENOMEM;
    nt_error_t err;
    out->compiled = nt_template_compile(ev, ch, out->subject, out->text, out->html, &err);
    if (!out->compiled) {
        /* saved templates were compiled when saved: only memory fails here */
        hf_log(HF_LOG_ERROR, "notify: template %s of %s does not compile: %s %s", out->id,
               st->tenant, err.field, err.message);
        rc = !strcmp(err.code, "nomem") ? HF_ENOMEM : HF_EDB;
    }
    return rc;
}
