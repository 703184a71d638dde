/* services/identity/cli.h - hrflow-identity's command line (tenants, companies, keys)
 *
 * For operators and `./hrflow`: create the first tenant, its companies and an
 * admin key before any key exists to call the API with. The commands talk to
 * PostgreSQL directly (HF_PG_DSN), apply identity's migrations first, and go
 * through store.c, so they write exactly what the RPC methods write, events
 * included.
 */
#ifndef IDENTITY_CLI_H
#define IDENTITY_CLI_H

#include <stdio.h>
#include "hf/service.h"

/* 1 when arg is a command of the command line ("tenant", "company", "apikey"). */
int identity_cli_is_command(const char *arg);

/* The service's command hook (hf_service_def_t.command): -1 when argv[1] is
 * no command of the command line, else runs it and returns the exit code:
 * 0 done, 1 failed, 2 bad usage. The service's migrations are applied first. */
int identity_cli(const hf_service_def_t *def, int argc, char **argv);

/* The commands, for --help. */
void identity_cli_usage(FILE *f);

#endif
