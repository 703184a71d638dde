/* services/notify/webhook_handlers.h - the RPC methods of webhook endpoints (webhook_handlers.c) */
#ifndef NOTIFY_WEBHOOK_HANDLERS_H
#define NOTIFY_WEBHOOK_HANDLERS_H

#include "hf/bus.h"
#include "hf/config.h"
#include "ssrf.h"

#define WH_HANDLER(name) \
    int name(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)

/* The webhooks' settings (HF_NOTIFY_WEBHOOK_*, main.c's table). */
typedef struct {
    int allow_private;           /* loopback and private targets (local stacks) */
    int allow_http;              /* http:// targets as well as https:// */
    const char *deny;            /* networks refused whatever else says */
    long timeout_s;              /* a whole request, connecting included */
} wh_settings_t;
extern wh_settings_t wh_settings;

/* The settings' entries of the service's table (main.c). */
#define WH_SETTINGS                                                                            \
    { "HF_NOTIFY_WEBHOOK_ALLOW_PRIVATE", HF_CONFIG_BOOL, "off", 0, 0,                         \
      "let webhooks reach loopback and private networks (RFC 1918, CGNAT, ULA): local stacks " \
      "only", &wh_settings.allow_private },                                                    \
    { "HF_NOTIFY_WEBHOOK_ALLOW_HTTP", HF_CONFIG_BOOL, "off", 0, 0,                            \
      "let webhook URLs be http:// as well as https:// (local stacks only)",                   \
      &wh_settings.allow_http },                                                               \
    { "HF_NOTIFY_WEBHOOK_DENY", HF_CONFIG_STRING, "", 0, 0,                                   \
      "networks webhooks never reach, whatever else allows: comma-separated, e.g. "            \
      "10.20.0.0/16,fd00:1::/48", &wh_settings.deny },                                         \
    { "HF_NOTIFY_WEBHOOK_TIMEOUT_S", HF_CONFIG_INT, "15", 1, 60,                              \
      "seconds a webhook request may take in all (connecting: at most 5 of them)",             \
      &wh_settings.timeout_s }

/* From the init hook: libcurl's global state and the policy of the
 * settings. Returns 0, or -1 (logged: a bad deny list). */
int wh_init(void);

/* The SSRF policy of the settings (after wh_init). */
const ssrf_policy_t *wh_policy(void);

WH_HANDLER(notify_create_webhook_endpoint);
WH_HANDLER(notify_list_webhook_endpoints);
WH_HANDLER(notify_get_webhook_endpoint);
WH_HANDLER(notify_update_webhook_endpoint);
WH_HANDLER(notify_delete_webhook_endpoint);
WH_HANDLER(notify_rotate_webhook_secret);
WH_HANDLER(notify_test_webhook_endpoint);
WH_HANDLER(notify_list_webhook_deliveries);
WH_HANDLER(notify_replay_webhook_events);
WH_HANDLER(notify_retry_webhook_delivery);

#endif
