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

#endif
