/* services/notify/deliver_settings.h - the delivery engine's settings, as lines of main.c's table
 *
 * Every one is HF_NOTIFY_*, loaded with the service's other settings into
 * nt_delivery_settings (deliver.h) before the init hook; docs/notify.md,
 * "Channels and delivery", says how they go together.
 */
#ifndef NT_DELIVER_SETTINGS_H
#define NT_DELIVER_SETTINGS_H

#include "deliver.h"
#include "hf/config.h"

/* The settings of delivery, for the service's settings table (main.c). */
#define NT_DELIVERY_SETTINGS \
    { "HF_NOTIFY_MAILDIR", HF_CONFIG_STRING, "", 0, 0, \
      "a Maildir that letters and SMS are written to as files when no SMTP server or SMS " \
      "provider is set (./hrflow up: .hrflow/mail); \"\" = none", \
      &nt_delivery_settings.maildir }, \
    { "HF_NOTIFY_SMTP_URL", HF_CONFIG_STRING, "", 0, 0, \
      "the SMTP server letters are sent to, smtp://host:587 (STARTTLS) or smtps://host:465; " \
      "\"\" = none", &nt_delivery_settings.smtp_url }, \
    { "HF_NOTIFY_SMTP_FROM", HF_CONFIG_STRING, "hrflow@hrflow.local", 0, 0, \
      "the sender of letters (MAIL FROM and From:); its domain ends every Message-ID", \
      &nt_delivery_settings.smtp_from }, \
    { "HF_NOTIFY_SMTP_USER", HF_CONFIG_STRING, "", 0, 0, \
      "the SMTP login, \"\" = none", &nt_delivery_settings.smtp_user }, \
    { "HF_NOTIFY_SMTP_PASSWORD", HF_CONFIG_STRING, "", 0, 0, \
      "the SMTP password (a Secret)", &nt_delivery_settings.smtp_password }, \
    { "HF_NOTIFY_SMTP_TLS", HF_CONFIG_STRING, "required", 0, 0, \
      "STARTTLS: required (never send in the clear), try (when offered) or none", \
      &nt_delivery_settings.smtp_tls }, \
    { "HF_NOTIFY_SMTP_CA", HF_CONFIG_STRING, "", 0, 0, \
      "a PEM file of the CAs the SMTP server's certificate is checked against; \"\" = the " \
      "system's", &nt_delivery_settings.smtp_ca }, \
    { "HF_NOTIFY_SMS_URL", HF_CONFIG_STRING, "", 0, 0, \
      "the SMS provider's URL: POST {\"to\", \"text\", \"id\"} as JSON (docs/notify.md); " \
      "\"\" = none", &nt_delivery_settings.sms_url }, \
    { "HF_NOTIFY_SMS_TOKEN", HF_CONFIG_STRING, "", 0, 0, \
      "the bearer token sent to the SMS provider (a Secret)", &nt_delivery_settings.sms_token }, \
    { "HF_NOTIFY_SEND_TIMEOUT_S", HF_CONFIG_INT, "30", 1, 600, \
      "seconds one send may take, connection included, before it is retried", \
      &nt_delivery_settings.send_timeout_s }, \
    { "HF_NOTIFY_BATCH", HF_CONFIG_INT, "50", 1, 1000, \
      "letters and SMS a replica claims and sends at once", \
      &nt_delivery_settings.batch }, \
    { "HF_NOTIFY_LEASE_S", HF_CONFIG_INT, "120", 5, 3600, \
      "seconds a claim holds its jobs; a replica that dies sending, its jobs are sent again " \
      "after this (longer than HF_NOTIFY_SEND_TIMEOUT_S)", &nt_delivery_settings.lease_s }, \
    { "HF_NOTIFY_EMAIL_RATE", HF_CONFIG_INT, "50", 1, 100000, \
      "letters a second per tenant, all replicas together", &nt_delivery_settings.email_rate }, \
    { "HF_NOTIFY_SMS_RATE", HF_CONFIG_INT, "20", 1, 100000, \
      "SMS a second per tenant, all replicas together", &nt_delivery_settings.sms_rate }, \
    { "HF_NOTIFY_RETRY_BASE_MS", HF_CONFIG_INT, "10000", 1, 3600000, \
      "the longest wait before the second attempt; it doubles each attempt (full jitter)", \
      &nt_delivery_settings.retry_base_ms }, \
    { "HF_NOTIFY_RETRY_CAP_S", HF_CONFIG_INT, "3600", 1, 86400, \
      "the longest wait between two attempts", &nt_delivery_settings.retry_cap_s }, \
    { "HF_NOTIFY_MAX_ATTEMPTS", HF_CONFIG_INT, "10", 1, 100, \
      "attempts before a letter or SMS becomes a dead letter", \
      &nt_delivery_settings.max_attempts }, \
    { "HF_NOTIFY_QUIET_START", HF_CONFIG_STRING, "21:00", 0, 0, \
      "no SMS from this time of day (HH:MM, the recipient's zone)", \
      &nt_delivery_settings.quiet_start }, \
    { "HF_NOTIFY_QUIET_END", HF_CONFIG_STRING, "08:00", 0, 0, \
      "until this time of day (equal to the start: no quiet hours)", \
      &nt_delivery_settings.quiet_end }, \
    { "HF_NOTIFY_DEFAULT_TZ", HF_CONFIG_STRING, "Asia/Shanghai", 0, 0, \
      "a recipient's time zone when none is known", &nt_delivery_settings.default_tz }, \
    { "HF_NOTIFY_WEBHOOK_CONCURRENCY", HF_CONFIG_INT, "16", 1, 1000, \
      "webhook requests to one endpoint in flight at once, across replicas", \
      &nt_delivery_settings.webhook_concurrency }

#endif
