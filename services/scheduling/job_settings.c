/* services/scheduling/job_settings.c - a job's interview settings: their RPC methods
 *
 * GET and PATCH /v1/jobs/{jobId}/interview-settings: when reminders go, the
 * no-show grace, how long an invitation waits for a slot, the reschedule
 * limit, the calls and their pause. The job is the pipeline's: it is asked
 * for as the caller (GetJob), so a job the caller cannot see, of another
 * company or tenant, is the answer of an id that names nothing (404), and
 * its company is what the settings' row records. A change is checked whole
 * (every problem a detail at its field, nothing stored when one is found),
 * stored, and the job's open interviews' timers follow it in the same
 * transaction (store_job_settings.c).
 */
#include "handlers.h"
#include "store.h"

#include "hf/arena.h"
#include "hf/service.h"
#include "hrflow/v1/pipeline.pb-c.h"

#include <stdio.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

/* The proto names of the settings, in store_job_setting_names' order. */
static const char *const proto_names[STORE_JOB_SETTINGS] = {
    "reminder_minutes", "no_show_grace_minutes", "invitation_expiry_hours",
    "reschedule_limit", "call_attempts",         "retry_minutes",
};

/* The allowed range of each integer setting (the table's CHECKs). */
static const struct {
    int lo, hi;
} range[STORE_JOB_SETTINGS] = { { 1, 20160 }, { 0, 1440 }, { 1, 2160 },
                                { 0, 20 },    { 1, 10 },   { 1, 1440 } };

#define MAX_REMINDERS 5

/* The setting named name (proto or JSON name), or -1. */
static int setting_of(const char *name)
{
    for (int f = 0; f < STORE_JOB_SETTINGS; f++)
        if (!strcmp(name, proto_names[f]) || !strcmp(name, store_job_setting_names[f]))
            return f;
    return -1;
}

/* The job, asked of the pipeline as the caller, into *company. Returns 0,
 * or -1 after failing the call (404 for a job the caller cannot see). */
static int job_company(hf_store_t *st, const char *job, const char **company)
{
    if (!hf_uuid_valid(job))
        return hf_call_fail(st->call, E(NOT_FOUND), "job %s not found", job);
    Hrflow__V1__GetJobRequest q = HRFLOW__V1__GET_JOB_REQUEST__INIT;
    q.id = (char *)job;
    ProtobufCMessage *got = NULL;
    if (sched_ask_record(st, "pipeline", "GetJob", &q.base, &hrflow__v1__job__descriptor, "job",
                         job, &got) < 0)
        return -1;
    const Hrflow__V1__Job *j = (const void *)got;
    if (!hf_uuid_valid(j->company_id) || !hf_store_sees_company(st, j->company_id))
        return hf_call_fail(st->call, E(NOT_FOUND), "job %s not found", job);
    *company = j->company_id;
    return 0;
}

HANDLER(scheduling_get_job_interview_settings)
{
    const Hrflow__V1__GetJobInterviewSettingsRequest *r = (const void *)req;
    hf_store_t st;
    const char *company;
    if (hf_store_open(call, &st) < 0 || job_company(&st, r->job_id, &company) < 0)
        return -1;
    Hrflow__V1__JobInterviewSettings *out = NULL;
    int rc = store_job_settings_get(&st, r->job_id, &out);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "job", r->job_id);
    *reply = &out->base;
    return 0;
}

/* The reminders as an int[] literal into the arena, each problem a detail.
 * Returns NULL after adding one. */
static const char *reminders_value(hf_store_t *st, const Hrflow__V1__JobInterviewSettings *in)
{
    hf_call_t *call = st->call;
    char path[64];
    if (in->n_reminder_minutes > MAX_REMINDERS) {
        hf_call_detail(call, "settings.reminder_minutes", "too_many", "at most 5 reminders");
        return NULL;
    }
    char *text = hf_store_alloc(st, 2 + MAX_REMINDERS * 12);
    if (!text)
        return NULL;
    size_t used = (size_t)sprintf(text, "{");
    int bad = 0;
    for (size_t i = 0; i < in->n_reminder_minutes; i++) {
        int32_t m = in->reminder_minutes[i];
        snprintf(path, sizeof(path), "settings.reminder_minutes[%zu]", i);
        int twice = 0;
        for (size_t k = 0; k < i; k++)
            twice |= in->reminder_minutes[k] == m;
        if (m < range[0].lo || m > range[0].hi)
            hf_call_detail(call, path, "out_of_range",
                           "1 to 20160 minutes (14 days) before the slot"),
                bad = 1;
        else if (twice)
            hf_call_detail(call, path, "duplicate", "each reminder once"), bad = 1;
        used += (size_t)sprintf(text + used, "%s%d", i ? "," : "", (int)m);
    }
    sprintf(text + used, "}");
    return bad ? NULL : text;
}

/* The new value of setting f from in, as store_job_settings_save takes it,
 * or NULL after adding a detail. */
static const char *value_of(hf_store_t *st, const Hrflow__V1__JobInterviewSettings *in, int f)
{
    if (f == 0)
        return reminders_value(st, in);
    const int32_t v[] = { 0, in->no_show_grace_minutes, in->invitation_expiry_hours,
                          in->reschedule_limit, in->call_attempts, in->retry_minutes };
    if (v[f] < range[f].lo || v[f] > range[f].hi) {
        char path[64], msg[48];
        snprintf(path, sizeof(path), "settings.%s", proto_names[f]);
        snprintf(msg, sizeof(msg), "%d to %d", range[f].lo, range[f].hi);
        hf_call_detail(st->call, path, "out_of_range", msg);
        return NULL;
    }
    return hf_arena_printf(st->arena, "%d", (int)v[f]);
}

/* The values an update stores (NULL keeps a field, "" returns it to the
 * default). Returns 0, or -1 after failing the call with every problem. */
static int change_of(hf_store_t *st, const Hrflow__V1__UpdateJobInterviewSettingsRequest *r,
                     const char *values[STORE_JOB_SETTINGS])
{
    static const Hrflow__V1__JobInterviewSettings empty = HRFLOW__V1__JOB_INTERVIEW_SETTINGS__INIT;
    const Hrflow__V1__JobInterviewSettings *in = r->settings ? r->settings : &empty;
    hf_call_t *call = st->call;
    char path[64];
    int bad = 0, defaults = 0;
    for (size_t i = 0; i < r->n_update_mask; i++) {
        const char *name = r->update_mask[i];
        int f = setting_of(name);
        if (!strcmp(name, "defaults")) {
            defaults = 1;
        } else if (f < 0) {
            snprintf(path, sizeof(path), "update_mask[%zu]", i);
            hf_call_detail(call, path, "not_updatable",
                           "reminderMinutes, noShowGraceMinutes, invitationExpiryHours, "
                           "rescheduleLimit, callAttempts, retryMinutes and defaults change");
            bad = 1;
        } else if (!(values[f] = value_of(st, in, f))) {
            bad = 1;
        }
    }
    for (size_t i = 0; defaults && i < in->n_defaults; i++) {
        int f = setting_of(in->defaults[i]);
        snprintf(path, sizeof(path), "settings.defaults[%zu]", i);
        if (f < 0)
            hf_call_detail(call, path, "unknown_setting", "the JSON name of a setting"), bad = 1;
        else if (values[f] && *values[f])
            hf_call_detail(call, path, "conflict", "a setting is either given or the default"),
                bad = 1;
        else
            values[f] = "";
    }
    return bad ? hf_call_fail(call, E(INVALID_ARGUMENT), "the settings are invalid") : 0;
}

HANDLER(scheduling_update_job_interview_settings)
{
    const Hrflow__V1__UpdateJobInterviewSettingsRequest *r = (const void *)req;
    hf_store_t st;
    const char *company;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require(&st, HF_SCOPE_RECRUITER, "change a job's interview settings") < 0 ||
        job_company(&st, r->job_id, &company) < 0)
        return -1;
    const char *values[STORE_JOB_SETTINGS] = { NULL };
    if (change_of(&st, r, values) < 0)
        return -1;
    Hrflow__V1__JobInterviewSettings *out = NULL;
    int rc = store_job_settings_save(&st, r->job_id, company, values);
    if (rc == HF_OK)
        rc = store_job_settings_get(&st, r->job_id, &out);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "job", r->job_id);
    *reply = &out->base;
    return 0;
}
