/* services/scoring/handlers.h - the RPC methods of the scoring service (handlers.c, analysis_handlers.c) */
#ifndef SCORING_HANDLERS_H
#define SCORING_HANDLERS_H

#include "hf/bus.h"

#define SCORING_HANDLER(name) \
    int name(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)

SCORING_HANDLER(scoring_create_competency_model);
SCORING_HANDLER(scoring_get_competency_model);
SCORING_HANDLER(scoring_list_competency_models);
SCORING_HANDLER(scoring_update_competency_model);
SCORING_HANDLER(scoring_create_question);
SCORING_HANDLER(scoring_get_question);
SCORING_HANDLER(scoring_list_questions);
SCORING_HANDLER(scoring_get_scoring_settings);
SCORING_HANDLER(scoring_update_scoring_settings);
SCORING_HANDLER(scoring_preview);
SCORING_HANDLER(scoring_score_interview);
SCORING_HANDLER(scoring_get_report);
SCORING_HANDLER(scoring_screen_resume);
SCORING_HANDLER(scoring_screen_resumes);
SCORING_HANDLER(scoring_select_questions);

#endif
