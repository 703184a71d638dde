/* services/pipeline/main.c - wiring of the pipeline service (jobs, candidates, applications, rules)
 *
 * The method table, the service's own settings, and what starts with it:
 * the rules' automation and the five background loops (loops.h), which the
 * runtime stops on SIGTERM after the worker has drained. hf_service_main()
 * (common/src/service.c) does configuration, connections, migrations, the
 * personal-data keyring (HF_PII_KEYS), the bus worker and signals.
 */
#include "automation.h"
#include "handlers.h"
#include "loops.h"
#include "settings.h"

#include "hf/log.h"
#include "hf/service.h"
#include "hrflow/v1/pipeline.pb-c.h"

pipeline_settings_t pipeline_settings;

static const hf_config_var_t settings[] = {
    { "HF_PIPELINE_SWEEP_S", HF_CONFIG_INT, "60", 1, 3600,
      "seconds between sweeps for stage timeouts (rules' stage_timeout)",
      &pipeline_settings.sweep_s },
    { "HF_PIPELINE_FUNNEL_CACHE_MS", HF_CONFIG_INT, "1000", 0, 60000,
      "a job's funnel is counted at most once per this many ms, however many read it "
      "(Redis; 0 = count on every read)", &pipeline_settings.funnel_cache_ms },
};

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

static int pipeline_init(void)
{
    automation_init();
    if (pipeline_importer_start() < 0 || pipeline_screener_start() < 0 ||
        pipeline_sweeper_start((int)pipeline_settings.sweep_s) < 0 ||
        pipeline_interviews_start() < 0 || pipeline_scheduling_start() < 0) {
        hf_error("cannot start the pipeline's background loops");
        return -1;
    }
    return 0;
}

HF_SERVICE_MAIN(pipeline, hrflow__v1__pipeline__descriptor, methods,
                .settings = settings, .n_settings = sizeof(settings) / sizeof(settings[0]),
                .pii = 1, .init = pipeline_init, .stop = pipeline_interviews_free)
