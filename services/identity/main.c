/* services/identity/main.c - wiring of the identity service (tenants, companies, API keys)
 *
 * The method table, and one branch: `hrflow-identity tenant|company|apikey …`
 * runs the command line (cli.c) instead of the service. Everything else goes
 * to hf_service_main() (common/src/service.c): configuration, connections,
 * migrations, the bus worker and signals. Health comes from the runtime.
 */
#include "cli.h"
#include "handlers.h"
#include "hf/service.h"
#include "hrflow/v1/identity.pb-c.h"

#include <stdio.h>
#include <string.h>

/* Generated from migrations/NNNN_*.sql by tools/embed_sql.py (meson.build). */
extern const hf_migration_t identity_migrations[];
extern const size_t identity_migrations_count;

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

int main(int argc, char **argv)
{
    if (argc > 1 && identity_cli_is_command(argv[1]))
        return identity_cli_main(argc, argv, identity_migrations, identity_migrations_count);
    const hf_service_def_t def = {
        .name = "identity",
        .descriptor = &hrflow__v1__identity__descriptor,
        .methods = methods,
        .n_methods = sizeof(methods) / sizeof(methods[0]),
        .migrations = identity_migrations,
        .n_migrations = identity_migrations_count,
    };
    int rc = hf_service_main(&def, argc, argv);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("\n");
            identity_cli_usage(stdout);
            break;
        }
    }
    return rc;
}
