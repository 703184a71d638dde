/* services/notify/webhook_channel.h - one event to one endpoint, ready to send (webhook_channel.c) */
#ifndef NOTIFY_WEBHOOK_CHANNEL_H
#define NOTIFY_WEBHOOK_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "cloudevent.h"
#include "ssrf.h"
#include "webhook_http.h"

/* What a delivery of an event to an endpoint starts from (all borrowed). */
typedef struct {
    const char *url;               /* the endpoint's, as saved */
    const char *const *secrets;    /* the secrets that sign now (wh_store_secrets): 1 or 2 */
    size_t n_secrets;
    const ce_event_t *event;       /* its id is the webhook-id */
    long timeout_ms;               /* 0 = WH_TIMEOUT_MS */
} wh_message_t;

/* The call that sends m now (timestamp now_s): the URL checked again by the
 * SSRF guard under p and resolved, the connection pinned to the address
 * checked, the event encoded (ce_encode) and signed with every secret.
 * Returns the call (run it, then wh_call_verdict; free with
 * wh_call_destroy), or NULL with a reason in why and *refused 1 when the
 * guard refuses the URL (nothing may be sent: not worth retrying until the
 * endpoint changes), 0 when the message cannot be made (a bad secret, an
 * event that does not encode, out of memory). */
wh_call_t *wh_prepare(const ssrf_policy_t *p, const wh_message_t *m, int64_t now_s, char *why,
                      size_t whylen, int *refused);

#endif
