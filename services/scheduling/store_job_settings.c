/* services/scheduling/store_job_settings.c - a job's interview settings (store.h)
 *
 * One row of scheduling.job_settings per job that set something, NULL for a
 * field it leaves to the default; scheduling.job_settings_of is the one
 * reader of what applies (migrations/0020_job_settings.sql). A change
 * arms the timers of the job's open interviews again in its transaction
 * (scheduling.arm_job_timers), so their coming reminders and no-show checks
 * follow it at once.
 */
#include "store_private.h"

#include "hf/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const store_job_setting_names[STORE_JOB_SETTINGS] = {
    "reminderMinutes", "noShowGraceMinutes", "invitationExpiryHours",
    "rescheduleLimit", "callAttempts",       "retryMinutes",
};

/* The integers of an int[]'s text ("{1440,60}") into the arena. */
static int32_t *int_list(hf_store_t *st, const char *text, size_t *n)
{
    size_t cap = 1;
    for (const char *c = text; *c; c++)
        cap += *c == ',';
    int32_t *v = hf_store_alloc(st, cap * sizeof(*v));
    *n = 0;
    for (const char *c = text; v && *c; c++)
        if ((*c >= '0' && *c <= '9') || *c == '-') {
            char *end;
            v[(*n)++] = (int32_t)strtol(c, &end, 10);
            c = end - 1;
        }
    return v;
}

/* Fields from column `col` on (the six, in the order of the names) into s;
 * an empty cell (a field the job left to the default) is named in defaults
 * when `stored`. */
static int fill(hf_store_t *st, const PGresult *r, int col, int stored,
                Hrflow__V1__JobInterviewSettings *s)
{
    int32_t *ints[] = { NULL, &s->no_show_grace_minutes, &s->invitation_expiry_hours,
                        &s->reschedule_limit, &s->call_attempts, &s->retry_minutes };
    s->defaults = hf_store_alloc(st, STORE_JOB_SETTINGS * sizeof(char *));
    if (!s->defaults)
        return HF_ENOMEM;
    for (int f = 0; f < STORE_JOB_SETTINGS; f++) {
        const char *v = PQgetvalue(r, 0, col + f);
        if (!*v && stored)
            s->defaults[s->n_defaults++] = (char *)store_job_setting_names[f];
        else if (f == 0 && !(s->reminder_minutes = int_list(st, v, &s->n_reminder_minutes)))
            return HF_ENOMEM;
        else if (f > 0)
            *ints[f] = (int32_t)atoi(v);
    }
    return HF_OK;
}

static void *settings_row(hf_store_t *st, PGresult *r, int i)
{
    (void)i;
    Hrflow__V1__JobInterviewSettings *s = hf_store_alloc(st, sizeof(*s));
    Hrflow__V1__JobInterviewSettings *e = hf_store_alloc(st, sizeof(*e));
    if (!s || !e)
        return NULL;
    hrflow__v1__job_interview_settings__init(s);
    hrflow__v1__job_interview_settings__init(e);
    s->job_id = hf_store_cell(st, r, 0, 0);
    e->job_id = s->job_id;
    s->version = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    s->update_time = PQgetisnull(r, 0, 2) ? NULL : hf_store_time(st, r, 0, 2);
    s->effective = e;
    return s->job_id && fill(st, r, 3, 1, s) == HF_OK && fill(st, r, 9, 0, e) == HF_OK ? s
                                                                                      : NULL;
}

int store_job_settings_get(hf_store_t *st, const char *job,
                           Hrflow__V1__JobInterviewSettings **out)
{
    const char *p[] = { st->tenant, job };
    return hf_store_one(
        st,
        "SELECT $2::uuid, coalesce(s.version, 0), " HF_MICROS("s.update_time") ","
        " coalesce(s.reminder_minutes::text, ''), coalesce(s.no_show_grace_minutes::text, ''),"
        " coalesce(s.invitation_expiry_hours::text, ''), coalesce(s.reschedule_limit::text, ''),"
        " coalesce(s.call_attempts::text, ''), coalesce(s.retry_minutes::text, ''),"
        " e.reminder_minutes::text, e.no_show_grace_minutes, e.invitation_expiry_hours,"
        " e.reschedule_limit, e.call_attempts, e.retry_minutes"
        " FROM scheduling.job_settings_of($1::uuid, $2::uuid) e"
        " LEFT JOIN scheduling.job_settings s ON s.tenant_id = $1::uuid AND s.job_id = $2::uuid",
        2, p, settings_row, out);
}

int store_job_settings_save(hf_store_t *st, const char *job, const char *company,
                            const char *const values[STORE_JOB_SETTINGS])
{
    const char *p[3 + STORE_JOB_SETTINGS] = { st->tenant, job, company };
    memcpy(p + 3, values, STORE_JOB_SETTINGS * sizeof(char *));
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
#define KEEP(n, col, type)                                                                     \
    " " col " = CASE WHEN $" n "::text IS NULL THEN s." col " ELSE nullif($" n ", '')::" type \
    " END,"
    int rc = hf_db_exec(
                 st->db,
                 "INSERT INTO scheduling.job_settings AS s (tenant_id, job_id, company_id,"
                 " reminder_minutes, no_show_grace_minutes, invitation_expiry_hours,"
                 " reschedule_limit, call_attempts, retry_minutes)"
                 " VALUES ($1::uuid, $2::uuid, $3::uuid, nullif($4, '')::int[],"
                 " nullif($5, '')::int, nullif($6, '')::int, nullif($7, '')::int,"
                 " nullif($8, '')::int, nullif($9, '')::int)"
                 " ON CONFLICT (tenant_id, job_id) DO UPDATE SET company_id = EXCLUDED.company_id,"
                 KEEP("4", "reminder_minutes", "int[]") KEEP("5", "no_show_grace_minutes", "int")
                 KEEP("6", "invitation_expiry_hours", "int") KEEP("7", "reschedule_limit", "int")
                 KEEP("8", "call_attempts", "int") KEEP("9", "retry_minutes", "int")
                 " version = s.version + 1, update_time = now()",
                 9, p, NULL) < 0
                 ? HF_EDB
                 : HF_OK;
#undef KEEP
    if (rc == HF_OK &&
        hf_db_exec(st->db, "SELECT scheduling.arm_job_timers($1::uuid, $2::uuid)", 2, p, NULL) < 0)
        rc = HF_EDB;
    return hf_store_finish(st, rc);
}
