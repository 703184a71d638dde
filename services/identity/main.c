/* services/identity/main.c - wiring of the identity service (tenants, companies, API keys)
 *
 * The method table and the service's definition; hf_service_main()
 * (common/src/service.c) does configuration, connections, migrations, the
 * keyring (HF_PII_KEYS: it seals the page tokens of the lists), the bus
 * worker and signals. `hrflow-identity tenant|company|apikey …` runs the
 * command line (cli.c) instead of the service: the command hook.
 */
#include "cli.h"
#include "handlers.h"
#include "hf/service.h"
#include "hrflow/v1/identity.pb-c.h"

/* Revoking twice is harmless (the second time only clears the cache again),
 * so RevokeApiKey may be retried on another replica like the reads. */
static const hf_method_t methods[] = {
    { "Health", hf_service_health, HF_IDEMPOTENT },
    { "Authenticate", identity_authenticate, HF_IDEMPOTENT },
    { "GetTenant", identity_get_tenant, HF_IDEMPOTENT },
    { "ListTenants", identity_list_tenants, HF_IDEMPOTENT },
    { "UpdateTenant", identity_update_tenant, 0 },
    { "CreateCompany", identity_create_company, 0 },
    { "GetCompany", identity_get_company, HF_IDEMPOTENT },
    { "ListCompanies", identity_list_companies, HF_IDEMPOTENT },
    { "UpdateCompany", identity_update_company, 0 },
    { "CreateApiKey", identity_create_api_key, 0 },
    { "ListApiKeys", identity_list_api_keys, HF_IDEMPOTENT },
    { "RevokeApiKey", identity_revoke_api_key, HF_IDEMPOTENT },
};

HF_SERVICE_MAIN(identity, hrflow__v1__identity__descriptor, methods, .pii = 1,
                .command = identity_cli, .usage = identity_cli_usage)
