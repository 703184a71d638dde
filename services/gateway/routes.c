/* services/gateway/routes.c - the one route table: method + path -> handler
 *
 * Every route of the gateway is a line here; the OpenAPI document and the
 * per-route metrics are derived from this table.
 */
#include "gateway.h"

const gw_route_t gw_routes[] = {
    { "GET", "/healthz", gw_healthz, "healthz" },
    { "GET", "/readyz", gw_readyz, "readyz" },
    { "GET", "/metrics", gw_metrics, "metrics" },
};

const size_t gw_n_routes = sizeof(gw_routes) / sizeof(gw_routes[0]);
