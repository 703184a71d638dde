/* services/pipeline/handlers.h - the RPC methods of the pipeline service (handlers.c) */
#ifndef PIPELINE_HANDLERS_H
#define PIPELINE_HANDLERS_H

#include "hf/bus.h"

#define HANDLER(name) \
    int name(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)

HANDLER(pipeline_create_job);
HANDLER(pipeline_get_job);
HANDLER(pipeline_list_jobs);
HANDLER(pipeline_update_job);
HANDLER(pipeline_create_candidate);
HANDLER(pipeline_get_candidate);
HANDLER(pipeline_create_application);
HANDLER(pipeline_get_application);
HANDLER(pipeline_list_applications);
HANDLER(pipeline_advance_application);
HANDLER(pipeline_reject_application);
HANDLER(pipeline_import_candidates);
HANDLER(pipeline_get_import);
HANDLER(pipeline_get_funnel);
HANDLER(pipeline_record_assessment);
HANDLER(pipeline_get_evaluation);
HANDLER(pipeline_get_audit);
HANDLER(pipeline_dry_run_rules);
HANDLER(pipeline_list_assessments);
HANDLER(pipeline_get_candidate_status);
HANDLER(pipeline_request_human_review);

#endif
