/* services/notify/webhook_channel.c - one event to one endpoint, ready to send
 *
 * The webhook channel's "build" step, the same for the test-send and for
 * the delivery engine: check the URL again at send time (the address is
 * resolved now and the connection pinned to it), encode the CloudEvent,
 * sign it (every secret of the rotation's overlap), and make the request
 * (webhook_http.c). What the answer means is wh_call_verdict's. Nothing
 * here loops, sleeps or logs (secrets pass through).
 */
#include "webhook_channel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

wh_call_t *wh_prepare(const ssrf_policy_t *p, const wh_message_t *m, int64_t now_s, char *why,
                      size_t whylen, int *refused)
{
    ssrf_target_t t;
    char addr[SSRF_ADDR_MAX], sig[2 * WH_SIG_MAX];
    *refused = 0;
    if (ssrf_url_check(p, m->url, &t, why, whylen) < 0 ||
        ssrf_resolve(p, &t, addr, why, whylen) < 0) {
        *refused = 1;
        return NULL;
    }
    const char *no = NULL;
    char *body = ce_encode(m->event, &no);
    if (!body) {
        snprintf(why, whylen, "the event does not encode: %s", no ? no : "out of memory");
        return NULL;
    }
    size_t len = strlen(body);
    if (m->n_secrets < 1 || m->n_secrets > 2 ||
        wh_signature_header(m->secrets, m->n_secrets, m->event->id, now_s, body, len, sig,
                            sizeof(sig)) < 0) {
        snprintf(why, whylen, "the endpoint's secret does not sign");
        free(body);
        return NULL;
    }
    long timeout = m->timeout_ms ? m->timeout_ms : WH_TIMEOUT_MS;
    wh_request_t q = { &t, addr, p->allow_http, m->event->id, now_s, sig, body, len,
                       timeout < WH_CONNECT_TIMEOUT_MS ? timeout : WH_CONNECT_TIMEOUT_MS,
                       timeout };
    wh_call_t *c = wh_call_new(&q);
    free(body);
    if (!c)
        snprintf(why, whylen, "out of memory");
    return c;
}
