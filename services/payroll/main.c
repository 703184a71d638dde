/* services/payroll/main.c - wiring of the payroll service (employees, contracts, attendance, payroll runs, tax)
 *
 * Only the method table lives here; hf_service_main() (common/src/service.c)
 * does configuration, connections, migrations, the bus worker and signals.
 * Each area's handlers are in <area>_handlers.c; Health comes from the
 * runtime.
 */
#include "hf/service.h"
#include "hrflow/v1/payroll.pb-c.h"
#include "statutory_handlers.h"

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
    /* ---- statutory: tax calculators, city policies ---- */
    { "PreviewTax", payroll_preview_tax, HF_IDEMPOTENT },
    { "PreviewBonusTax", payroll_preview_bonus_tax, HF_IDEMPOTENT },
    { "PreviewContributions", payroll_preview_contributions, HF_IDEMPOTENT },
    { "ListCityPolicies", payroll_list_city_policies, HF_IDEMPOTENT },
    { "GetCityPolicy", payroll_get_city_policy, HF_IDEMPOTENT },
    { "CreateCityPolicy", payroll_create_city_policy, 0 },
};

HF_SERVICE_MAIN(payroll, hrflow__v1__payroll__descriptor, methods, .pii = 1)
