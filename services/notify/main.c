/* services/notify/main.c - wiring of the notify service (templates, email, SMS, webhooks)
 *
 * Only the method table lives here; hf_service_main() (common/src/service.c)
 * does configuration, connections, migrations, the bus worker and signals.
 * Handlers are added to handlers.c as the service grows; Health comes from
 * the runtime.
 */
#include "templates.h"

#include "hf/service.h"
#include "hrflow/v1/notify.pb-c.h"

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
    /* templates (templates.c) and consent (consent.c) */
    { "ListTemplates", notify_list_templates, HF_IDEMPOTENT },
    { "GetTemplate", notify_get_template, HF_IDEMPOTENT },
    { "SaveTemplate", notify_save_template, 0 },
    { "ActivateTemplate", notify_activate_template, HF_IDEMPOTENT },
    { "DeleteTemplate", notify_delete_template, 0 },
    { "PreviewTemplate", notify_preview_template, HF_IDEMPOTENT },
    { "GetCandidateConsent", notify_get_candidate_consent, HF_IDEMPOTENT },
    { "SetCandidateConsent", notify_set_candidate_consent, HF_IDEMPOTENT },
    { "GetUnsubscribe", notify_get_unsubscribe, HF_IDEMPOTENT },
    { "Unsubscribe", notify_unsubscribe, HF_IDEMPOTENT },
};

HF_SERVICE_MAIN(notify, hrflow__v1__notify__descriptor, methods, .pii = 1)
