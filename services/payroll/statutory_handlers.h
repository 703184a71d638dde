/* services/payroll/statutory_handlers.h - the RPC methods of the statutory rules: tax calculators (tax_handlers.c), city policies (social_handlers.c) */
#ifndef PAYROLL_STATUTORY_HANDLERS_H
#define PAYROLL_STATUTORY_HANDLERS_H

#include "hf/bus.h"
#include "hf/store.h"
#include "money.h"

#define STATUTORY_HANDLER(name) \
    int name(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)

STATUTORY_HANDLER(payroll_preview_tax);
STATUTORY_HANDLER(payroll_preview_bonus_tax);
STATUTORY_HANDLER(payroll_preview_contributions);
STATUTORY_HANDLER(payroll_list_city_policies);
STATUTORY_HANDLER(payroll_get_city_policy);
STATUTORY_HANDLER(payroll_create_city_policy);
STATUTORY_HANDLER(payroll_list_minimum_wages);
STATUTORY_HANDLER(payroll_get_minimum_wage);
STATUTORY_HANDLER(payroll_create_minimum_wage);

/* Open the caller's context for a payroll key (or admin): 0, or -1 after
 * failing the call (PERMISSION_DENIED "only a payroll key may <action>"). */
int statutory_open(hf_call_t *call, hf_store_t *st, const char *action);

/* An amount in yuan at field (printf-style): "" is `empty` (0 when
 * required is 0, else a detail `required`), otherwise money.h's parse with
 * no minus; a detail at the field when it is not one. Returns 0 with *fen
 * set, or 1 after adding the detail (for `bad += …`). */
int statutory_amount(hf_call_t *call, const char *text, int required, pr_fen_t *fen,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The amount as text in the call's arena ("30000.00"); NULL out of memory. */
char *statutory_money(hf_call_t *call, pr_fen_t fen);

#endif
