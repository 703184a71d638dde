/* services/payroll/main.c - wiring of the payroll service (employees, contracts, attendance, payroll runs, tax)
 *
 * Only the method table lives here; hf_service_main() (common/src/service.c)
 * does configuration, connections, migrations, the bus worker and signals.
 * Handlers are added to handlers.c as the service grows; Health comes from
 * the runtime.
 */
#include "hf/service.h"
#include "hrflow/v1/payroll.pb-c.h"

#include "schemes_handlers.h"

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
    /* ---- schemes and performance ---- */
    { "ListPayInputs", payroll_list_pay_inputs, HF_IDEMPOTENT },
    { "CreatePayScheme", payroll_create_pay_scheme, 0 },
    { "ListPaySchemes", payroll_list_pay_schemes, HF_IDEMPOTENT },
    { "GetPayScheme", payroll_get_pay_scheme, HF_IDEMPOTENT },
    { "AddPaySchemeVersion", payroll_add_pay_scheme_version, 0 },
    { "PreviewPayScheme", payroll_preview_pay_scheme, HF_IDEMPOTENT },
    { "CreateReviewCycle", payroll_create_review_cycle, 0 },
    { "ListReviewCycles", payroll_list_review_cycles, HF_IDEMPOTENT },
    { "GetReviewCycle", payroll_get_review_cycle, HF_IDEMPOTENT },
    { "RecordReviewScores", payroll_record_review_scores, HF_IDEMPOTENT },
    { "ListReviewRatings", payroll_list_review_ratings, HF_IDEMPOTENT },
};

HF_SERVICE_MAIN(payroll, hrflow__v1__payroll__descriptor, methods, .pii = 1)
