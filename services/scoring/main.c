/* services/scoring/main.c - wiring of the scoring service (competency models, transcript and resume scoring, reports)
 *
 * Only the method table lives here; hf_service_main() (common/src/service.c)
 * does configuration, connections, migrations, the bus worker and signals.
 * Handlers are in handlers.c (records), analysis_handlers.c (scoring) and
 * resume_handlers.c. `hrflow-scoring calibrate …` is the calibration command
 * (calibrate_cli.c) instead of the service.
 */
#include "handlers.h"
#include "hf/service.h"
#include "hrflow/v1/scoring.pb-c.h"

#include <string.h>

extern const hf_migration_t scoring_migrations[];
extern const size_t scoring_migrations_count;
int scoring_calibrate_main(int argc, char **argv);

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
    { "CreateQuestion", scoring_create_question, 0 },
    { "GetQuestion", scoring_get_question, HF_IDEMPOTENT },
    { "ListQuestions", scoring_list_questions, HF_IDEMPOTENT },
    { "SelectQuestions", scoring_select_questions, HF_IDEMPOTENT },
    { "GetScoringSettings", scoring_get_scoring_settings, HF_IDEMPOTENT },
    { "UpdateScoringSettings", scoring_update_scoring_settings, 0 },
};

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "calibrate") == 0)
        return scoring_calibrate_main(argc - 1, argv + 1);
    const hf_service_def_t def = {
        .name = "scoring",
        .descriptor = &hrflow__v1__scoring__descriptor,
        .methods = methods,
        .n_methods = sizeof(methods) / sizeof(methods[0]),
        .migrations = scoring_migrations,
        .n_migrations = scoring_migrations_count,
    };
    return hf_service_main(&def, argc, argv);
}
