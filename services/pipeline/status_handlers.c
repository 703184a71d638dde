/* services/pipeline/status_handlers.c - the candidate's own status page and review request
 *
 * Public routes: no API key, the status token in the path is the key (an
 * HMAC naming tenant and application, status_token.c), so a forged one costs
 * no lookup and tells nothing about what exists.
 */
#include "handlers.h"

#include "hf/service.h"
#include "hf/store.h"
#include "fields.h"
#include "status_token.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

/* ---- the candidate's status page (no API key: the token is the key) ---- */

static const struct {
    const char *stage, *zh, *en, *next_zh, *next_en;
} stage_words[] = {
    { "applied", "已投递", "Applied", "我们已收到你的申请，正在查看你的简历。",
      "We have your application and are reading your resume." },
    { "screening", "简历筛选", "Resume screening", "你的简历正在筛选中，结果将通过短信或邮件通知你。",
      "Your resume is being screened; we will tell you the result by SMS or email." },
    { "ai_interview", "AI 面试", "AI interview", "请留意 AI 面试邀请，并在约定时间完成面试。",
      "Watch for your AI interview invitation and take the interview at the booked time." },
    { "hr_interview", "HR 面试", "HR interview", "HR 将与你联系，安排面试时间。",
      "HR will contact you to arrange the interview." },
    { "final", "终面", "Final interview", "终面安排中，请保持电话畅通。",
      "Your final interview is being arranged; please keep your phone reachable." },
    { "offer", "录用意向", "Offer", "录用意向已发出，请查收并确认。",
      "An offer is on its way; please read and confirm it." },
    { "hired", "已录用", "Hired", "欢迎加入！入职安排将另行通知。",
      "Welcome aboard! We will send you the onboarding details." },
    { "rejected", "未通过", "Not selected", "感谢你的关注，本次未能进入下一轮。如认为自动评估有误，可申请人工复核。",
      "Thank you for your interest; you were not selected this time. If you believe an "
      "automated assessment was wrong, you can ask for a person to review it." },
    { "withdrawn", "已撤回", "Withdrawn", "申请已撤回。", "The application was withdrawn." },
};

typedef struct {
    hf_call_t *call;
    Hrflow__V1__CandidateStatus *o;
} hints_t;

/* A stored text as the candidate's page shows it: one line without the
 * characters hf/text.h refuses, even when it was written before they were
 * refused, so the page never carries a bidi override or a control. */
static char *shown(hf_call_t *call, const char *s)
{
    char *copy = hf_arena_strdup(hf_call_arena(call), s ? s : "");
    return copy ? hf_text_strip(copy, HF_TEXT_LINE) : (char *)"";
}

static void add_hint(void *ctx, const char *hint)
{
    hints_t *h = ctx;
    if (h->o->n_hints < 20)
        h->o->hints[h->o->n_hints++] = shown(h->call, hint);
}

/* The application a status token names, in a store for its tenant. A bad
 * or forged token is NOT_FOUND: it tells nothing about what exists. */
static Hrflow__V1__Application *status_application(hf_call_t *call, hf_store_t *st,
                                                   const char *token, char tenant[37],
                                                   Hrflow__V1__Job **job)
{
    char app[37];
    Hrflow__V1__Application *a = NULL;
    if (pl_status_token_parse(hf_service_keys(), token, tenant, app) < 0) {
        hf_call_fail(call, E(NOT_FOUND), "no application has this status link");
        return NULL;
    }
    if (hf_store_open_tenant(call, st, tenant) < 0)
        return NULL;
    int rc = store_application_get(st, app, &a);
    if (rc == HF_OK)
        rc = store_job_get(st, a->job_id, job);
    if (rc != HF_OK) {
        if (rc == HF_ENOTFOUND)
            hf_call_fail(call, E(NOT_FOUND), "no application has this status link");
        else
            hf_store_fail(st, rc, "application", "");
        return NULL;
    }
    return a;
}

static int status_reply(hf_store_t *st, const Hrflow__V1__Application *a,
                        const Hrflow__V1__Job *job, const char *locale, ProtobufCMessage **reply)
{
    hf_call_t *call = st->call;
    Hrflow__V1__CandidateStatus *o =
        HF_CALL_NEW(call, Hrflow__V1__CandidateStatus, hrflow__v1__candidate_status__init);
    hf_arena_t *ar = hf_call_arena(call);
    if (!o || !(o->hints = hf_arena_alloc(ar, 20 * sizeof(char *))))
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int en = !strncmp(locale, "en", 2);
    o->job_title = shown(call, job->title);
    o->company_id = job->company_id;
    o->stage = a->stage;
    o->stage_label = a->stage;
    o->next_step = (char *)(en ? "Your application is being processed." : "你的申请正在处理中。");
    for (size_t i = 0; i < sizeof(stage_words) / sizeof(stage_words[0]); i++)
        if (!strcmp(a->stage, stage_words[i].stage)) {
            o->stage_label = (char *)(en ? stage_words[i].en : stage_words[i].zh);
            o->next_step = (char *)(en ? stage_words[i].next_en : stage_words[i].next_zh);
        }
    o->stage_time = a->stage_time;
    o->review_requested = a->review_requested_time != NULL;
    o->review_requested_time = a->review_requested_time;
    o->closed = !strcmp(a->stage, "hired") || !strcmp(a->stage, "rejected") ||
                !strcmp(a->stage, "withdrawn");
    hints_t h = { call, o };
    int rc = store_assessment_hints(st, a->id, add_hint, &h);
    if (rc == HF_OK)
        rc = store_interview_time(st, a->id, &o->interview_time);
    if (rc != HF_OK)
        return hf_store_fail(st, rc, "assessment", "");
    *reply = &o->base;
    return 0;
}

HANDLER(pipeline_get_candidate_status)
{
    const Hrflow__V1__CandidateStatusRequest *r = (const void *)req;
    hf_store_t st;
    char tenant[37];
    Hrflow__V1__Job *job = NULL;
    Hrflow__V1__Application *a = status_application(call, &st, r->token, tenant, &job);
    return a ? status_reply(&st, a, job, r->locale, reply) : -1;
}

HANDLER(pipeline_request_human_review)
{
    const Hrflow__V1__CandidateStatusRequest *r = (const void *)req;
    if (fields_check_reason(call, "reason", r->reason))
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the reason is invalid");
    hf_store_t st;
    char tenant[37];
    Hrflow__V1__Job *job = NULL;
    Hrflow__V1__Application *a = status_application(call, &st, r->token, tenant, &job);
    if (!a)
        return -1;
    int rc = store_review_request(&st, a, r->reason);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "application", "");
    return status_reply(&st, a, job, r->locale, reply);
}
