/* services/gateway/routes.c - the one route table: method + path -> handler or bus method
 *
 * Every route of the gateway is a line here; the OpenAPI document, the
 * per-route metrics and the scope checks are derived from this table. A bus
 * route names the service descriptor and method; proxy.c does the rest.
 */
#include "gateway.h"

#include "hf/log.h"
#include "hrflow/v1/identity.pb-c.h"

#include <string.h>

/* A route served by a local handler; `inline` when it never waits and may
 * run on libmicrohttpd's own threads. */
#define LOCAL(method, pattern, fn, name, inline, summary) \
    { method, pattern, fn, name, NULL, NULL, NULL, 0, 0, summary, inline }
/* A route served by a bus method: body is NULL, "*" or the request field it
 * fills; scopes may call it (admin always may); status of a success (0 = 200). */
#define BUS(method, pattern, name, service, rpc, body, scopes, status, summary) \
    { method, pattern, NULL, name, service, rpc, body, scopes, status, summary, 0 }

#define ID &hrflow__v1__identity__descriptor
#define READ GW_SCOPE_ANY
#define ADMIN GW_SCOPE_ADMIN

const gw_route_t gw_routes[] = {
    LOCAL("GET", "/healthz", gw_healthz, "healthz", 1, "Liveness: the process answers HTTP"),
    LOCAL("GET", "/readyz", gw_readyz, "readyz", 0,
          "Readiness: PostgreSQL, Redis, the broker and every service answer"),
    LOCAL("GET", "/metrics", gw_metrics, "metrics", 1,
          "Prometheus metrics of this gateway replica"),
    LOCAL("GET", "/openapi.json", gw_openapi, "openapi", 1, "This API's OpenAPI 3.1 document"),

    BUS("GET", "/v1/tenants", "listTenants", ID, "ListTenants", NULL, READ, 0,
        "List the tenants the key can see (its own)"),
    BUS("GET", "/v1/tenants/{id}", "getTenant", ID, "GetTenant", NULL, READ, 0,
        "Get a tenant; \"current\" is the key's own"),
    BUS("PATCH", "/v1/tenants/{id}", "updateTenant", ID, "UpdateTenant", "tenant", ADMIN, 0,
        "Change a tenant's name; fields absent from the body are left alone"),

    BUS("GET", "/v1/companies", "listCompanies", ID, "ListCompanies", NULL, READ, 0,
        "List the companies of the group"),
    BUS("POST", "/v1/companies", "createCompany", ID, "CreateCompany", "company", ADMIN, 201,
        "Add a company (subsidiary) to the group"),
    BUS("GET", "/v1/companies/{id}", "getCompany", ID, "GetCompany", NULL, READ, 0,
        "Get a company"),
    BUS("PATCH", "/v1/companies/{id}", "updateCompany", ID, "UpdateCompany", "company", ADMIN, 0,
        "Change a company; fields absent from the body are left alone"),

    BUS("GET", "/v1/apikeys", "listApiKeys", ID, "ListApiKeys", NULL, ADMIN, 0,
        "List the tenant's API keys (never their secrets)"),
    BUS("POST", "/v1/apikeys", "createApiKey", ID, "CreateApiKey", "*", ADMIN, 201,
        "Create an API key; the token is shown once"),
    BUS("POST", "/v1/apikeys/{id}:revoke", "revokeApiKey", ID, "RevokeApiKey", NULL, ADMIN, 0,
        "Revoke an API key, effective at once"),
};

const size_t gw_n_routes = sizeof(gw_routes) / sizeof(gw_routes[0]);

static const char *const scope_names[GW_N_SCOPES] = { "admin", "recruiter", "payroll",
                                                      "integrator" };

const char *gw_scope_name(unsigned bit)
{
    for (int i = 0; i < GW_N_SCOPES; i++)
        if (bit == 1u << i)
            return scope_names[i];
    return NULL;
}

unsigned gw_scope_bit(const char *name)
{
    for (int i = 0; i < GW_N_SCOPES; i++)
        if (strcmp(name, scope_names[i]) == 0)
            return 1u << i;
    return 0;
}

const char *gw_route_service_name(const gw_route_t *route)
{
    /* protobuf-c's service descriptor: name "Identity", short_name too; the
     * bus name is its lowercase form, as services register (hf_service_main). */
    static const char *const bus_names[][2] = {
        { "Identity", "identity" }, { "Pipeline", "pipeline" }, { "Scoring", "scoring" },
        { "Scheduling", "scheduling" }, { "Payroll", "payroll" }, { "Notify", "notify" },
    };
    if (!route->service)
        return NULL;
    for (size_t i = 0; i < sizeof(bus_names) / sizeof(bus_names[0]); i++)
        if (strcmp(route->service->short_name, bus_names[i][0]) == 0)
            return bus_names[i][1];
    return NULL;
}

const ProtobufCMethodDescriptor *gw_route_rpc(const gw_route_t *route)
{
    if (!route->service || !route->rpc)
        return NULL;
    return protobuf_c_service_descriptor_get_method_by_name(route->service, route->rpc);
}

int gw_routes_check(void)
{
    int bad = 0;
    for (size_t i = 0; i < gw_n_routes; i++) {
        const gw_route_t *r = &gw_routes[i];
        gw_param_t params[GW_MAX_PARAMS];
        if (!r->fn) {
            const ProtobufCMethodDescriptor *m = gw_route_rpc(r);
            if (!m || !gw_route_service_name(r)) {
                hf_error("route %s %s: unknown bus method %s", r->method, r->pattern,
                         r->rpc ? r->rpc : "(none)");
                bad = 1;
                continue;
            }
            if (r->body && strcmp(r->body, "*") != 0 &&
                !protobuf_c_message_descriptor_get_field_by_name(m->input, r->body)) {
                hf_error("route %s %s: %s has no field %s", r->method, r->pattern,
                         m->input->name, r->body);
                bad = 1;
            }
        }
        if (r->pattern[0] != '/' || gw_route_match(r->pattern, r->pattern, params,
                                                   GW_MAX_PARAMS) < 0) {
            /* A pattern matches itself ("{id}" is a valid value) unless malformed. */
            hf_error("route %s %s: malformed pattern", r->method, r->pattern);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}
