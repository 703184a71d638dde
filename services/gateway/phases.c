/* services/gateway/phases.c - the request's phases, in order, and the engine that runs them
 *
 * The table below is the one place that says what happens to a request and
 * in which order; each feature file exposes its handler and http.c runs the
 * table without naming any feature. The model is nginx's phase engine
 * (ngx_http_core_run_phases in src/http/ngx_http_core_module.c): a request
 * keeps its position in the table, a handler answers OK, DECLINED, AGAIN or
 * DONE (gateway.h, gw_rc_t), and a request that must wait is run again from
 * the same handler later. Two differences, both for size: the table is
 * static, not filled by modules at start (the gateway is one program, and
 * one table reads better than registrations spread over eight files), and
 * every phase has nginx's generic checker semantics (no phase needs another
 * one, such as nginx's "satisfy any" access phase). Waiting means moving to
 * a handler thread (http.c), so a handler that needs Redis or the bus
 * returns GW_AGAIN while gw_request_may_wait() is 0, after it has decided
 * the request is its own.
 */
#include "gateway.h"

const gw_phase_t gw_phases[] = {
    { "route", { gw_route_phase } },                     /* 413, 404, 405 */
    { "access", { gw_public_phase, gw_auth_phase } },    /* who calls; 401 */
    { "scope", { gw_scope_phase } },                     /* 403 */
    { "rate limit", { gw_ratelimit_phase } },            /* 429 */
    { "idempotency", { gw_idempotency_phase } },         /* replay, 400, 409, 422, 503 */
    { "content", { gw_local_phase, gw_stream_phase, gw_proxy_phase } }, /* the answer */
};
const size_t gw_n_phases = sizeof(gw_phases) / sizeof(gw_phases[0]);

gw_rc_t gw_phases_run(const gw_phase_t *phases, size_t n, gateway_t *gw, gw_request_t *req,
                      gw_phase_at_t *at)
{
    while (at->phase < n) {
        gw_phase_fn fn =
            at->handler < GW_PHASE_HANDLERS ? phases[at->phase].handlers[at->handler] : NULL;
        gw_rc_t rc = fn ? fn(gw, req) : GW_OK; /* past the last handler: the phase is over */
        switch (rc) {
        case GW_DECLINED:
            at->handler++;
            break;
        case GW_OK:
            at->phase++;
            at->handler = 0;
            break;
        case GW_AGAIN:
            return GW_AGAIN;
        case GW_DONE:
        default:
            at->phase = (unsigned)n;
            at->handler = 0;
            return GW_DONE;
        }
    }
    return GW_DONE;
}
