/* services/notify/main.c - wiring of the notify service (templates, email, SMS, webhooks)
 *
 * Only the method table lives here; hf_service_main() (common/src/service.c)
 * does configuration, connections, migrations, the bus worker and signals.
 * Handlers are added to handlers.c as the service grows; Health comes from
 * the runtime.
 */
#include "hf/service.h"
#include "hrflow/v1/notify.pb-c.h"

#include "eventlog.h"

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
    /* event log */
    { "ListEvents", notify_list_events, HF_IDEMPOTENT },
};

HF_SERVICE_MAIN(notify, hrflow__v1__notify__descriptor, methods, .pii = 1)
