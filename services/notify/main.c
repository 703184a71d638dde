/* services/notify/main.c - wiring of the notify service (templates, email, SMS, webhooks)
 *
 * The method table, the settings' table and what starts with the service;
 * hf_service_main() (common/src/service.c) does configuration, connections,
 * migrations, the keyring, the bus worker and signals. Health comes from
 * the runtime; webhook endpoints are webhook_handlers.c; the delivery
 * engine (deliver.h) and the messages API (messages.c) start with it, and
 * the reactions' consumer (reactions.h) that sends the letters events ask for.
 */
#include "hf/log.h"
#include "hf/service.h"
#include "hrflow/v1/notify.pb-c.h"
#include "deliver_settings.h"
#include "eventlog.h"
#include "messages.h"
#include "reactions.h"
#include "templates.h"
#include "webhook_handlers.h"

static const hf_config_var_t settings[] = {
    /* ---- webhooks ---- */
    WH_SETTINGS,
    /* ---- delivery ---- */
    NT_DELIVERY_SETTINGS,
    /* ---- reactions ---- */
    NT_REACTION_SETTINGS,
};

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
    /* ---- webhooks ---- */
    { "CreateWebhookEndpoint", notify_create_webhook_endpoint, 0 },
    { "ListWebhookEndpoints", notify_list_webhook_endpoints, HF_IDEMPOTENT },
    { "GetWebhookEndpoint", notify_get_webhook_endpoint, HF_IDEMPOTENT },
    { "UpdateWebhookEndpoint", notify_update_webhook_endpoint, 0 },
    { "DeleteWebhookEndpoint", notify_delete_webhook_endpoint, 0 },
    { "RotateWebhookSecret", notify_rotate_webhook_secret, 0 },
    { "TestWebhookEndpoint", notify_test_webhook_endpoint, 0 },
    { "ListWebhookDeliveries", notify_list_webhook_deliveries, HF_IDEMPOTENT },
    { "ReplayWebhookEvents", notify_replay_webhook_events, 0 },
    { "RetryWebhookDelivery", notify_retry_webhook_delivery, 0 },
    /* ---- event log ---- */
    { "ListEvents", notify_list_events, HF_IDEMPOTENT },
    /* ---- templates (templates.c) and consent (consent.c) ---- */
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
    /* ---- delivery (messages.c) ---- */
    { "SendMessage", notify_send_message, 0 },
    { "GetMessage", notify_get_message, HF_IDEMPOTENT },
    { "ListMessages", notify_list_messages, HF_IDEMPOTENT },
    { "RetryMessage", notify_retry_message, 0 },
    /* ---- reactions (reactions_settings.c) ---- */
    { "GetNotificationSettings", notify_get_notification_settings, HF_IDEMPOTENT },
    { "UpdateNotificationSettings", notify_update_notification_settings, HF_IDEMPOTENT },
};

static int notify_init(void)
{
    if (wh_init() < 0)
        return -1;
    if (nt_deliver_start() < 0) {
        hf_error("cannot start the notify service's delivery engine");
        return -1;
    }
    if (nt_reactions_start() < 0) {
        hf_error("cannot start the notify service's reactions");
        return -1;
    }
    return 0;
}

static void notify_stop(void)
{
    nt_reactions_stop();
}

HF_SERVICE_MAIN(notify, hrflow__v1__notify__descriptor, methods,
                .settings = settings, .n_settings = sizeof(settings) / sizeof(settings[0]),
                .pii = 1, .init = notify_init, .stop = notify_stop)
