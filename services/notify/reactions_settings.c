/* services/notify/reactions_settings.c - a tenant's choices for the letters events send
 *
 * notify.reaction_settings (migrations/0040_reactions.sql) holds one row
 * per tenant that changed something: the channels of the kinds it set (the
 * others keep the defaults below), the letters' locale and the candidates'
 * zone, and whether a person's rejection sends the thank-you letter.
 * GetNotificationSettings shows every kind (the tenant's or the default);
 * UpdateNotificationSettings (PATCH /v1/notification-settings) changes the
 * fields its mask names. The settings are the group's: any recruiter or
 * integrator key reads them, a recruiter key of the whole group changes them.
 */
#include "reactions.h"

#include "hf/db.h"
#include "hf/service.h"
#include "hrflow/v1/notify.pb-c.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code
#define CH(c) (1u << NT_CH_##c)

unsigned nt_reaction_default_channels(nt_event_t ev)
{
    static const unsigned d[NT_EV_COUNT] = {
        [NT_EV_INVITATION] = CH(EMAIL) | CH(SMS),   [NT_EV_REMINDER] = CH(SMS) | CH(EMAIL),
        [NT_EV_RESCHEDULE] = CH(EMAIL) | CH(SMS),   [NT_EV_CANCELLATION] = CH(EMAIL),
        [NT_EV_THANK_YOU] = CH(EMAIL),              [NT_EV_OFFER] = 0,
    };
    return ev < NT_EV_COUNT ? d[ev] : 0;
}

static const char sql_get[] =
    "SELECT channels::text, locale, time_zone, thank_you_on_manual_reject, "
    HF_MICROS("update_time") " FROM notify.reaction_settings WHERE tenant_id = $1::uuid";

/* $2 the kinds set (merged over the stored ones), $3.. NULL = unchanged */
static const char sql_put[] =
    "INSERT INTO notify.reaction_settings AS s (tenant_id, channels, locale, time_zone,"
    "   thank_you_on_manual_reject)"
    " VALUES ($1::uuid, $2::jsonb, coalesce($3, 'zh-CN'), coalesce($4, ''),"
    "         coalesce($5::bool, false))"
    " ON CONFLICT (tenant_id) DO UPDATE SET channels = s.channels || $2::jsonb,"
    "   locale = coalesce($3, s.locale), time_zone = coalesce($4, s.time_zone),"
    "   thank_you_on_manual_reject = coalesce($5::bool, s.thank_you_on_manual_reject),"
    "   update_time = now()";

int nt_zone_known(hf_store_t *st, const char *zone)
{
    const char *p[] = { zone };
    PGresult *z = hf_db_query(st->db, "SELECT 1 FROM pg_timezone_names WHERE name = $1", 1, p);
    int rows = z ? PQntuples(z) : -1;
    PQclear(z);
    return rows < 0 ? -1 : rows > 0;
}

/* The channels of a stored list (["email", "sms"]). */
static unsigned channels_of(json_t *list)
{
    unsigned bits = 0;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        int ch = nt_channel_of(json_string_value(v));
        if (ch >= 0)
            bits |= 1u << ch;
    }
    return bits;
}

/* The settings, and the row's update time (0 when the tenant has none). */
static int read_settings(hf_store_t *st, nt_reaction_settings_t *out, int64_t *update_us)
{
    for (int ev = 0; ev < NT_EV_COUNT; ev++)
        out->channels[ev] = nt_reaction_default_channels((nt_event_t)ev);
    out->locale = 0;
    out->time_zone = "";
    out->thank_you_on_manual_reject = 0;
    if (update_us)
        *update_us = 0;
    const char *p[] = { st->tenant };
    PGresult *r = hf_db_query(st->db, sql_get, 1, p);
    if (!r)
        return HF_EDB;
    if (PQntuples(r) == 1) {
        json_t *map = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
        const char *kind;
        json_t *list;
        json_object_foreach(map, kind, list)
        {
            int ev = nt_event_of(kind);
            if (ev >= 0)
                out->channels[ev] = channels_of(list);
        }
        json_decref(map);
        out->locale = nt_locale_of(PQgetvalue(r, 0, 1)) == 1 ? 1 : 0;
        out->time_zone = hf_store_cell(st, r, 0, 2);
        out->thank_you_on_manual_reject = PQgetvalue(r, 0, 3)[0] == 't';
        if (update_us)
            *update_us = strtoll(PQgetvalue(r, 0, 4), NULL, 10);
    }
    PQclear(r);
    return out->time_zone ? HF_OK : HF_ENOMEM;
}

int nt_reaction_settings_get(hf_store_t *st, nt_reaction_settings_t *out)
{
    return read_settings(st, out, NULL);
}

static Hrflow__V1__NotificationSettings *settings_message(hf_store_t *st,
                                                          const nt_reaction_settings_t *s,
                                                          int64_t update_us)
{
    Hrflow__V1__NotificationSettings *m = hf_store_alloc(st, sizeof(*m));
    Hrflow__V1__ReactionSetting **list = hf_store_alloc(st, NT_EV_COUNT * sizeof(*list));
    if (!m || !list)
        return NULL;
    hrflow__v1__notification_settings__init(m);
    for (int ev = 0; ev < NT_EV_COUNT; ev++) {
        Hrflow__V1__ReactionSetting *r = hf_store_alloc(st, sizeof(*r));
        char **ch = hf_store_alloc(st, NT_CH_COUNT * sizeof(char *));
        if (!r || !ch)
            return NULL;
        hrflow__v1__reaction_setting__init(r);
        r->kind = (char *)nt_event_name((nt_event_t)ev);
        r->channels = ch;
        for (int c = 0; c < NT_CH_COUNT; c++)
            if (s->channels[ev] & (1u << c))
                ch[r->n_channels++] = (char *)nt_channel_name((nt_channel_t)c);
        list[ev] = r;
    }
    m->reactions = list;
    m->n_reactions = NT_EV_COUNT;
    m->locale = (char *)nt_locales[s->locale];
    m->time_zone = (char *)s->time_zone;
    m->thank_you_on_manual_reject = s->thank_you_on_manual_reject;
    if (update_us) {
        Hrflow__V1__Timestamp *t = hf_store_alloc(st, sizeof(*t));
        if (!t)
            return NULL;
        hrflow__v1__timestamp__init(t);
        t->seconds = update_us / 1000000;
        t->nanos = (int32_t)(update_us % 1000000) * 1000;
        m->update_time = t;
    }
    return m;
}

static int answer(hf_store_t *st, ProtobufCMessage **reply)
{
    nt_reaction_settings_t s;
    int64_t update_us;
    int rc = read_settings(st, &s, &update_us);
    if (rc != HF_OK)
        return hf_store_fail(st, rc, "notification settings", "");
    Hrflow__V1__NotificationSettings *m = settings_message(st, &s, update_us);
    if (!m)
        return hf_store_fail(st, HF_ENOMEM, "notification settings", "");
    *reply = &m->base;
    return 0;
}

NT_HANDLER(notify_get_notification_settings)
{
    (void)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require(&st, HF_SCOPE_RECRUITER | HF_SCOPE_INTEGRATOR,
                         "read notification settings") < 0)
        return -1;
    return answer(&st, reply);
}

static int masked(const Hrflow__V1__UpdateNotificationSettingsRequest *r, const char *field)
{
    for (size_t i = 0; i < r->n_update_mask; i++)
        if (!strcmp(r->update_mask[i], field))
            return 1;
    return 0;
}

/* The kinds the request sets as a JSON object in the arena ("{}" for none),
 * or NULL after adding details for what is wrong. */
static const char *kinds_json(hf_call_t *call, hf_store_t *st,
                              const Hrflow__V1__NotificationSettings *s, int *bad)
{
    json_t *map = json_object();
    char path[96];
    for (size_t i = 0; map && i < s->n_reactions; i++) {
        const Hrflow__V1__ReactionSetting *r = s->reactions[i];
        snprintf(path, sizeof(path), "settings.reactions[%zu].kind", i);
        if (nt_event_of(r->kind) < 0) {
            hf_call_detail(call, path, "bad_value",
                           "invitation, reminder, reschedule, cancellation, thank_you or offer");
            *bad = 1;
            continue;
        }
        if (json_object_get(map, r->kind)) {
            hf_call_detail(call, path, "duplicate", "each kind once");
            *bad = 1;
            continue;
        }
        json_t *list = json_array();
        unsigned seen = 0;
        for (size_t k = 0; k < r->n_channels; k++) {
            int ch = nt_channel_of(r->channels[k]);
            snprintf(path, sizeof(path), "settings.reactions[%zu].channels[%zu]", i, k);
            if (ch < 0 || (seen & (1u << ch))) {
                hf_call_detail(call, path, ch < 0 ? "bad_value" : "duplicate",
                               ch < 0 ? "email or sms" : "each channel once");
                *bad = 1;
                continue;
            }
            seen |= 1u << ch;
            json_array_append_new(list, json_string(nt_channel_name((nt_channel_t)ch)));
        }
        json_object_set_new(map, r->kind, list);
    }
    char *text = map ? json_dumps(map, JSON_COMPACT) : NULL;
    json_decref(map);
    const char *out = text ? hf_store_strdup(st, text) : NULL;
    free(text);
    return out;
}

NT_HANDLER(notify_update_notification_settings)
{
    const Hrflow__V1__UpdateNotificationSettingsRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require_group(&st, HF_SCOPE_RECRUITER, "change notification settings") < 0)
        return -1;
    static const Hrflow__V1__NotificationSettings none = HRFLOW__V1__NOTIFICATION_SETTINGS__INIT;
    const Hrflow__V1__NotificationSettings *s = r->settings ? r->settings : &none;
    int bad = 0;
    static const char *const fields[] = { "reactions", "locale", "time_zone",
                                          "thank_you_on_manual_reject" };
    for (size_t i = 0; i < r->n_update_mask; i++) {
        size_t f = 0;
        while (f < 4 && strcmp(r->update_mask[i], fields[f]))
            f++;
        if (f == 4) {
            hf_call_detail(call, "update_mask", "bad_value",
                           "reactions, locale, time_zone or thank_you_on_manual_reject");
            bad = 1;
        }
    }
    const char *kinds = masked(r, "reactions") ? kinds_json(call, &st, s, &bad) : "{}";
    if (!kinds)
        return hf_store_fail(&st, HF_ENOMEM, "notification settings", "");
    const char *locale = NULL, *zone = NULL, *manual = NULL;
    if (masked(r, "locale")) {
        int l = nt_locale_of(s->locale);
        if (l < 0 || (strcmp(s->locale, "zh-CN") && strcmp(s->locale, "en"))) {
            hf_call_detail(call, "settings.locale", "bad_value", "zh-CN or en");
            bad = 1;
        }
        locale = s->locale;
    }
    if (masked(r, "time_zone")) {
        zone = s->time_zone;
        int known = *zone ? nt_zone_known(&st, zone) : 1;
        if (known < 0)
            return hf_store_fail(&st, HF_EDB, "notification settings", "");
        if (!known) {
            hf_call_detail(call, "settings.time_zone", "bad_value",
                           "an IANA time zone (Asia/Shanghai), or \"\" for the default");
            bad = 1;
        }
    }
    if (masked(r, "thank_you_on_manual_reject"))
        manual = s->thank_you_on_manual_reject ? "true" : "false";
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the notification settings are invalid");
    const char *p[] = { st.tenant, kinds, locale, zone, manual };
    PGresult *res = hf_db_query(st.db, sql_put, 5, p);
    int ok = res != NULL;
    PQclear(res);
    if (!ok)
        return hf_store_fail(&st, HF_EDB, "notification settings", "");
    return answer(&st, reply);
}
