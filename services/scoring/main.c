/* services/scoring/main.c - wiring of the scoring service (competency models, transcript and resume scoring, reports)
 *
 * The method table and the service's definition; hf_service_main()
 * (common/src/service.c) does configuration, connections, migrations, the bus
 * worker, signals and the personal-data keyring (HF_PII_KEYS: reports keep
 * the candidate's words, stored encrypted, and it seals the page tokens of
 * the lists). Handlers are in handlers.c (records), analysis_handlers.c
 * (scoring) and resume_handlers.c, over the glue they share (analysis.c); the
 * one background loop seals reports stored before encryption (sealer.c).
 * `hrflow-scoring calibrate …` is the calibration command (calibrate_cli.c)
 * instead of the service: the command hook.
 */
#include "calibrate_cli.h"
#include "handlers.h"
#include "sealer.h"

#include "hf/log.h"
#include "hf/service.h"
#include "hrflow/v1/scoring.pb-c.h"

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
    { "CreateCompetencyModel", scoring_create_competency_model, 0 },
    { "GetCompetencyModel", scoring_get_competency_model, HF_IDEMPOTENT },
    { "ListCompetencyModels", scoring_list_competency_models, HF_IDEMPOTENT },
    { "UpdateCompetencyModel", scoring_update_competency_model, 0 },
    { "Preview", scoring_preview, HF_IDEMPOTENT },
    { "ScoreInterview", scoring_score_interview, HF_IDEMPOTENT },
    { "GetReport", scoring_get_report, HF_IDEMPOTENT },
    { "ScreenResume", scoring_screen_resume, HF_IDEMPOTENT },
    { "ScreenResumes", scoring_screen_resumes, HF_IDEMPOTENT },
    { "CreateQuestion", scoring_create_question, 0 },
    { "GetQuestion", scoring_get_question, HF_IDEMPOTENT },
    { "ListQuestions", scoring_list_questions, HF_IDEMPOTENT },
    { "SelectQuestions", scoring_select_questions, HF_IDEMPOTENT },
    { "GetScoringSettings", scoring_get_scoring_settings, HF_IDEMPOTENT },
    { "UpdateScoringSettings", scoring_update_scoring_settings, 0 },
};

static int scoring_init(void)
{
    if (scoring_sealer_start() < 0) {
        hf_error("cannot start the report sealer");
        return -1;
    }
    return 0;
}

HF_SERVICE_MAIN(scoring, hrflow__v1__scoring__descriptor, methods, .pii = 1,
                .init = scoring_init, .command = scoring_calibrate)
