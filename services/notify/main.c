/* services/notify/main.c - wiring of the notify service (templates, email, SMS, webhooks)
 *
 * The method table, the service's own settings, and what starts with it:
 * the delivery engine's sender loop (deliver.h). hf_service_main()
 * (common/src/service.c) does configuration, connections, migrations, the
 * keyring (HF_PII_KEYS: recipients' addresses and letters), the bus worker
 * and signals.
 */
#include "deliver.h"
#include "messages.h"

#include "hf/log.h"
#include "hf/service.h"
#include "hrflow/v1/notify.pb-c.h"

static const hf_config_var_t settings[] = {
    /* ---- delivery ---- */
    { "HF_NOTIFY_MAILDIR", HF_CONFIG_STRING, "", 0, 0,
      "a Maildir that letters and SMS are written to as files when no SMTP server or SMS "
      "provider is set (./hrflow up: .hrflow/mail); \"\" = none",
      &nt_delivery_settings.maildir },
    { "HF_NOTIFY_SMTP_URL", HF_CONFIG_STRING, "", 0, 0,
      "the SMTP server letters are sent to, smtp://host:587 (STARTTLS) or smtps://host:465; "
      "\"\" = none", &nt_delivery_settings.smtp_url },
    { "HF_NOTIFY_SMTP_FROM", HF_CONFIG_STRING, "hrflow@hrflow.local", 0, 0,
      "the sender of letters (MAIL FROM and From:); its domain ends every Message-ID",
      &nt_delivery_settings.smtp_from },
    { "HF_NOTIFY_SMTP_USER", HF_CONFIG_STRING, "", 0, 0,
      "the SMTP login, \"\" = none", &nt_delivery_settings.smtp_user },
    { "HF_NOTIFY_SMTP_PASSWORD", HF_CONFIG_STRING, "", 0, 0,
      "the SMTP password (a Secret)", &nt_delivery_settings.smtp_password },
    { "HF_NOTIFY_SMTP_TLS", HF_CONFIG_STRING, "required", 0, 0,
      "STARTTLS: required (never send in the clear), try (when offered) or none",
      &nt_delivery_settings.smtp_tls },
    { "HF_NOTIFY_SMTP_CA", HF_CONFIG_STRING, "", 0, 0,
      "a PEM file of the CAs the SMTP server's certificate is checked against; \"\" = the "
      "system's", &nt_delivery_settings.smtp_ca },
    { "HF_NOTIFY_SMS_URL", HF_CONFIG_STRING, "", 0, 0,
      "the SMS provider's URL: POST {\"to\", \"text\", \"id\"} as JSON (docs/notify.md); "
      "\"\" = none", &nt_delivery_settings.sms_url },
    { "HF_NOTIFY_SMS_TOKEN", HF_CONFIG_STRING, "", 0, 0,
      "the bearer token sent to the SMS provider (a Secret)", &nt_delivery_settings.sms_token },
    { "HF_NOTIFY_SEND_TIMEOUT_S", HF_CONFIG_INT, "30", 1, 600,
      "seconds one send may take, connection included, before it is retried",
      &nt_delivery_settings.send_timeout_s },
    { "HF_NOTIFY_BATCH", HF_CONFIG_INT, "50", 1, 1000,
      "letters and SMS a replica claims and sends at once",
      &nt_delivery_settings.batch },
    { "HF_NOTIFY_LEASE_S", HF_CONFIG_INT, "120", 5, 3600,
      "seconds a claim holds its jobs; a replica that dies sending, its jobs are sent again "
      "after this (longer than HF_NOTIFY_SEND_TIMEOUT_S)", &nt_delivery_settings.lease_s },
    { "HF_NOTIFY_EMAIL_RATE", HF_CONFIG_INT, "50", 1, 100000,
      "letters a second per tenant, all replicas together", &nt_delivery_settings.email_rate },
    { "HF_NOTIFY_SMS_RATE", HF_CONFIG_INT, "20", 1, 100000,
      "SMS a second per tenant, all replicas together", &nt_delivery_settings.sms_rate },
    { "HF_NOTIFY_RETRY_BASE_MS", HF_CONFIG_INT, "10000", 1, 3600000,
      "the longest wait before the second attempt; it doubles each attempt (full jitter)",
      &nt_delivery_settings.retry_base_ms },
    { "HF_NOTIFY_RETRY_CAP_S", HF_CONFIG_INT, "3600", 1, 86400,
      "the longest wait between two attempts", &nt_delivery_settings.retry_cap_s },
    { "HF_NOTIFY_MAX_ATTEMPTS", HF_CONFIG_INT, "10", 1, 100,
      "attempts before a letter or SMS becomes a dead letter",
      &nt_delivery_settings.max_attempts },
    { "HF_NOTIFY_QUIET_START", HF_CONFIG_STRING, "21:00", 0, 0,
      "no SMS from this time of day (HH:MM, the recipient's zone)",
      &nt_delivery_settings.quiet_start },
    { "HF_NOTIFY_QUIET_END", HF_CONFIG_STRING, "08:00", 0, 0,
      "until this time of day (equal to the start: no quiet hours)",
      &nt_delivery_settings.quiet_end },
    { "HF_NOTIFY_DEFAULT_TZ", HF_CONFIG_STRING, "Asia/Shanghai", 0, 0,
      "a recipient's time zone when none is known", &nt_delivery_settings.default_tz },
};

static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
    /* ---- delivery ---- */
    { "SendMessage", notify_send_message, 0 },
    { "GetMessage", notify_get_message, HF_IDEMPOTENT },
    { "ListMessages", notify_list_messages, HF_IDEMPOTENT },
    { "RetryMessage", notify_retry_message, 0 },
};

static int notify_init(void)
{
    if (nt_deliver_start() < 0) {
        hf_error("cannot start the notify service's delivery engine");
        return -1;
    }
    return 0;
}

HF_SERVICE_MAIN(notify, hrflow__v1__notify__descriptor, methods, .settings = settings,
                .n_settings = sizeof(settings) / sizeof(settings[0]), .pii = 1,
                .init = notify_init)
