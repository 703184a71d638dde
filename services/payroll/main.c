/* services/payroll/main.c - wiring of the payroll service (employees, contracts, attendance, payroll runs, tax)
 *
 * Only the method table lives here; hf_service_main() (common/src/service.c)
 * does configuration, connections, migrations, the bus worker and signals.
 * Handlers are added to handlers.c as the service grows; Health comes from
 * the runtime.
 */
#include "hf/service.h"
#include "hrflow/v1/payroll.pb-c.h"

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
};

HF_SERVICE_MAIN(payroll, hrflow__v1__payroll__descriptor, methods, .pii = 1)
