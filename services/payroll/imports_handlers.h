/* services/payroll/imports_handlers.h - the RPC methods of the spreadsheet imports (imports_handlers.c) */
#ifndef PR_IMPORTS_HANDLERS_H
#define PR_IMPORTS_HANDLERS_H

#include "hf/bus.h"

#define PR_IMPORT_HANDLER(name) \
    int name(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)

PR_IMPORT_HANDLER(payroll_import_employees);
PR_IMPORT_HANDLER(payroll_import_contracts);
PR_IMPORT_HANDLER(payroll_import_ytd_openings);
PR_IMPORT_HANDLER(payroll_import_punches);
PR_IMPORT_HANDLER(payroll_get_ytd_opening);
PR_IMPORT_HANDLER(payroll_get_payroll_import);
PR_IMPORT_HANDLER(payroll_list_payroll_imports);
PR_IMPORT_HANDLER(payroll_list_payroll_import_problems);

/* The settings of the imports (main.c's table). */
extern long pr_import_max_bytes, pr_import_lease_ms;
#define PR_IMPORT_SETTINGS                                                                    \
    { "HF_PAYROLL_IMPORT_MAX_BYTES", HF_CONFIG_INT, "33554432", 1024, 67108864,                \
      "largest file a payroll import takes, in bytes (422 at content beyond; the gateway's "   \
      "HF_GATEWAY_MAX_UPLOAD bounds it too)",                                                   \
      &pr_import_max_bytes },                                                                   \
    { "HF_PAYROLL_IMPORT_LEASE_MS", HF_CONFIG_INT, "60000", 1000, 86400000,                   \
      "how long a replica's claim of a queued payroll import lasts before another replica "    \
      "may take it over (a replica killed mid-import hands it on after this; a live one holds " \
      "it for as long as its transaction runs)",                                                \
      &pr_import_lease_ms }

/* Start the replica's import worker (a loop of hf/loop.h): 0 or -1. */
int pr_imports_start(void);

#endif
