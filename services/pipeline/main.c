/* services/pipeline/main.c - wiring of the pipeline service (jobs, candidates, applications, rules)
 *
 * Only the method table lives here; hf_service_main() (common/src/service.c)
 * does configuration, connections, migrations, the bus worker and signals.
 * The service adds one setting, HF_PII_KEYS (handlers.c), checked at start.
 */
#include "handlers.h"
#include "hf/service.h"
#include "hrflow/v1/pipeline.pb-c.h"

extern const hf_migration_t pipeline_migrations[];
extern const size_t pipeline_migrations_count;

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
    { "CreateJob", pipeline_create_job, 0 },
    { "GetJob", pipeline_get_job, HF_IDEMPOTENT },
    { "ListJobs", pipeline_list_jobs, HF_IDEMPOTENT },
    { "UpdateJob", pipeline_update_job, 0 },
    { "CreateCandidate", pipeline_create_candidate, 0 },
    { "GetCandidate", pipeline_get_candidate, HF_IDEMPOTENT },
    { "CreateApplication", pipeline_create_application, 0 },
    { "GetApplication", pipeline_get_application, HF_IDEMPOTENT },
    { "ListApplications", pipeline_list_applications, HF_IDEMPOTENT },
    { "AdvanceApplication", pipeline_advance_application, 0 },
    { "RejectApplication", pipeline_reject_application, 0 },
    { "ImportCandidates", pipeline_import_candidates, 0 },
    { "GetImport", pipeline_get_import, HF_IDEMPOTENT },
    { "GetFunnel", pipeline_get_funnel, HF_IDEMPOTENT },
    { "RecordAssessment", pipeline_record_assessment, HF_IDEMPOTENT },
    { "GetEvaluation", pipeline_get_evaluation, HF_IDEMPOTENT },
    { "GetAudit", pipeline_get_audit, HF_IDEMPOTENT },
    { "DryRunRules", pipeline_dry_run_rules, HF_IDEMPOTENT },
    { "ListAssessments", pipeline_list_assessments, HF_IDEMPOTENT },
    { "GetCandidateStatus", pipeline_get_candidate_status, HF_IDEMPOTENT },
    { "RequestHumanReview", pipeline_request_human_review, HF_IDEMPOTENT },
};

int main(int argc, char **argv)
{
    const hf_service_def_t def = {
        .name = "pipeline",
        .descriptor = &hrflow__v1__pipeline__descriptor,
        .methods = methods,
        .n_methods = sizeof(methods) / sizeof(methods[0]),
        .migrations = pipeline_migrations,
        .n_migrations = pipeline_migrations_count,
        .extra_vars = pipeline_settings,
        .n_extra_vars = pipeline_n_settings,
        .init = pipeline_init,
        .stop = pipeline_stop,
    };
    return hf_service_main(&def, argc, argv);
}
