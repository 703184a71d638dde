/* services/pipeline/main.c - wiring of the pipeline service (jobs, candidates, applications, stages, automation rules)
 *
 * Only the method table lives here; hf_service_main() (common/src/service.c)
 * does configuration, connections, migrations, the bus worker and signals.
 * Handlers are added to handlers.c as the service grows; Health comes from
 * the runtime.
 */
#include "hf/service.h"
#include "hrflow/v1/pipeline.pb-c.h"

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
};

HF_SERVICE_MAIN(pipeline, hrflow__v1__pipeline__descriptor, methods)
