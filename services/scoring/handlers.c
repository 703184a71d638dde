/* services/scoring/handlers.c - the RPC methods of scoring, one function each
 *
 * A handler takes the tenant from the envelope's caller (never from the
 * request), checks the request (model.c for competency models), and asks
 * store.c or the pure analysis modules (text, answer, prosody, report).
 * Every message it returns lives in the call's arena.
 */
#include "handlers.h"

#include "hf/db.h"
#include "hf/log.h"
#include "hf/service.h"
#include "hf/store.h"
#include "model.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

/* ---- competency models ---- */

int scoring_create_competency_model(hf_call_t *call, const ProtobufCMessage *msg,
                                    ProtobufCMessage **reply)
{
    const Hrflow__V1__CreateCompetencyModelRequest *req = (const void *)msg;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require(&st, HF_SCOPE_RECRUITER, "change models") < 0)
        return -1;
    if (!req->model)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "model is required");
    if (model_validate(call, req->model, "model") < 0)
        return -1;
    Hrflow__V1__CompetencyModel *m = req->model;
    int rc = store_model_create(&st, m);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "competency model", "");
    *reply = &m->base;
    return 0;
}

int scoring_get_competency_model(hf_call_t *call, const ProtobufCMessage *msg,
                                 ProtobufCMessage **reply)
{
    const Hrflow__V1__GetCompetencyModelRequest *req = (const void *)msg;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    if (!hf_uuid_valid(req->id) || req->version < 0)
        return hf_call_fail(call, E(NOT_FOUND), "competency model %s not found", req->id);
    Hrflow__V1__CompetencyModel *m = NULL;
    int rc = store_model_get(&st, req->id, req->version, &m);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "competency model", req->id);
    *reply = &m->base;
    return 0;
}

int scoring_list_competency_models(hf_call_t *call, const ProtobufCMessage *msg,
                                   ProtobufCMessage **reply)
{
    const Hrflow__V1__ListCompetencyModelsRequest *req = (const void *)msg;
    hf_store_t st;
    hf_page_t page;
    if (hf_store_open(call, &st) < 0 ||
        hf_page_open(&st, req->page_size, req->page_token, NULL, &page) < 0)
        return -1;
    Hrflow__V1__ListCompetencyModelsResponse *r =
        HF_CALL_NEW(call, Hrflow__V1__ListCompetencyModelsResponse,
                    hrflow__v1__list_competency_models_response__init);
    if (!r)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = store_model_list(&st, &page, &r->models, &r->n_models);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "competency model", "");
    r->next_page_token = hf_store_strdup(&st, page.next);
    *reply = &r->base;
    return 0;
}

int scoring_update_competency_model(hf_call_t *call, const ProtobufCMessage *msg,
                                    ProtobufCMessage **reply)
{
    const Hrflow__V1__UpdateCompetencyModelRequest *req = (const void *)msg;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require(&st, HF_SCOPE_RECRUITER, "change models") < 0)
        return -1;
    if (!hf_uuid_valid(req->id))
        return hf_call_fail(call, E(NOT_FOUND), "competency model %s not found", req->id);
    Hrflow__V1__CompetencyModel *m = NULL;
    int rc = store_model_get(&st, req->id, 0, &m);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "competency model", req->id);
    if (model_apply_mask(call, m, req->model, req->update_mask, req->n_update_mask) < 0 ||
        model_validate(call, m, "model") < 0)
        return -1;
    if (req->n_update_mask == 0) { /* nothing to change: no new version */
        *reply = &m->base;
        return 0;
    }
    rc = store_model_new_version(&st, req->id, m);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "competency model", req->id);
    *reply = &m->base;
    return 0;
}

/* ---- the question bank ---- */

int scoring_create_question(hf_call_t *call, const ProtobufCMessage *msg,
                            ProtobufCMessage **reply)
{
    const Hrflow__V1__CreateQuestionRequest *req = (const void *)msg;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require(&st, HF_SCOPE_RECRUITER, "add questions") < 0)
        return -1;
    if (!req->question)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "question is required");
    if (question_validate(call, req->question, "question") < 0)
        return -1;
    int rc = store_question_create(&st, req->question);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "question", "");
    Hrflow__V1__Question *q = NULL;
    rc = store_question_get(&st, req->question->id, &q);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "question", req->question->id);
    *reply = &q->base;
    return 0;
}

int scoring_get_question(hf_call_t *call, const ProtobufCMessage *msg, ProtobufCMessage **reply)
{
    const Hrflow__V1__GetQuestionRequest *req = (const void *)msg;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    if (!hf_uuid_valid(req->id))
        return hf_call_fail(call, E(NOT_FOUND), "question %s not found", req->id);
    Hrflow__V1__Question *q = NULL;
    int rc = store_question_get(&st, req->id, &q);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "question", req->id);
    *reply = &q->base;
    return 0;
}

int scoring_list_questions(hf_call_t *call, const ProtobufCMessage *msg,
                           ProtobufCMessage **reply)
{
    const Hrflow__V1__ListQuestionsRequest *req = (const void *)msg;
    hf_store_t st;
    hf_page_t page;
    if (hf_store_open(call, &st) < 0 ||
        hf_page_open(&st, req->page_size, req->page_token, NULL, &page) < 0)
        return -1;
    Hrflow__V1__ListQuestionsResponse *r = HF_CALL_NEW(
        call, Hrflow__V1__ListQuestionsResponse, hrflow__v1__list_questions_response__init);
    if (!r)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = store_question_list(&st, req->job_family, req->competency, &page,
                                        &r->questions, &r->n_questions);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "question", "");
    r->next_page_token = hf_store_strdup(&st, page.next);
    *reply = &r->base;
    return 0;
}

/* ---- settings ---- */

int scoring_get_scoring_settings(hf_call_t *call, const ProtobufCMessage *msg,
                                 ProtobufCMessage **reply)
{
    (void)msg;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    Hrflow__V1__ScoringSettings *s =
        HF_CALL_NEW(call, Hrflow__V1__ScoringSettings, hrflow__v1__scoring_settings__init);
    if (!s)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = store_settings_get(&st, s);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "settings", "");
    *reply = &s->base;
    return 0;
}

int scoring_update_scoring_settings(hf_call_t *call, const ProtobufCMessage *msg,
                                    ProtobufCMessage **reply)
{
    const Hrflow__V1__UpdateScoringSettingsRequest *req = (const void *)msg;
    hf_store_t st;
    /* the settings are the whole group's: a key bound to some companies may not */
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require_group(&st, HF_SCOPE_ADMIN, "change the group's scoring settings") < 0)
        return -1;
    Hrflow__V1__ScoringSettings *s =
        HF_CALL_NEW(call, Hrflow__V1__ScoringSettings, hrflow__v1__scoring_settings__init);
    if (!s)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = store_settings_get(&st, s);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "settings", "");
    for (size_t i = 0; i < req->n_update_mask; i++) {
        const char *f = req->update_mask[i];
        const Hrflow__V1__ScoringSettings *in = req->settings;
        if (!in)
            break;
        if (!strcmp(f, "emotion_labels") || !strcmp(f, "emotionLabels")) {
            s->emotion_labels = in->emotion_labels;
        } else if (!strcmp(f, "emotion_may_reject") || !strcmp(f, "emotionMayReject")) {
            s->emotion_may_reject = in->emotion_may_reject;
        } else {
            char path[48];
            snprintf(path, sizeof(path), "update_mask[%zu]", i);
            hf_call_detail(call, path, "unknown_field", "no such setting");
            return hf_call_fail(call, E(INVALID_ARGUMENT), "unknown setting %s", f);
        }
    }
    rc = store_settings_put(&st, s);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "settings", "");
    *reply = &s->base;
    return 0;
}
