/* services/payroll/schemes_handlers.h - the RPC methods of pay schemes (schemes_handlers.c) and
 * performance reviews (performance_handlers.c), and what they share */
#ifndef PAYROLL_SCHEMES_HANDLERS_H
#define PAYROLL_SCHEMES_HANDLERS_H

#include "hf/bus.h"
#include "hf/store.h"

#define PR_HANDLER(name) \
    int name(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)

/* The caller's context, for a payroll (or admin) key only: -1 after
 * failing the call (PERMISSION_DENIED "only a payroll key may <action>"). */
int pr_open_payroll(hf_call_t *call, hf_store_t *st, const char *action);

/* company (from a request's field `field`) is one of the group's that the
 * key acts for, asked of identity as the caller: 0, or -1 after failing the
 * call with INVALID_ARGUMENT (detail at field, not_found), the same answer
 * for another tenant's company and a made-up one. */
int pr_company_check(hf_store_t *st, const char *field, const char *company);

/* "2026-03" into "2026-03-01" (a date); 0, or -1 for anything else. */
int pr_month_parse(const char *s, char out[11]);

/* Every scored employee of cycle c (read with its bands) with the rating
 * (weighted mean), band and coefficient, by employee number, into *out
 * (arena). A run reads rating and rating_coef of its month's cycle here
 * (ListReviewCycles by payout month finds it). HF_OK, HF_EDB or HF_ENOMEM. */
struct Hrflow__V1__ReviewCycle;
struct Hrflow__V1__ReviewRating;
int pr_cycle_ratings(hf_store_t *st, const struct Hrflow__V1__ReviewCycle *c,
                     struct Hrflow__V1__ReviewRating ***out, size_t *n);

PR_HANDLER(payroll_list_pay_inputs);
PR_HANDLER(payroll_create_pay_scheme);
PR_HANDLER(payroll_list_pay_schemes);
PR_HANDLER(payroll_get_pay_scheme);
PR_HANDLER(payroll_add_pay_scheme_version);
PR_HANDLER(payroll_preview_pay_scheme);

PR_HANDLER(payroll_create_review_cycle);
PR_HANDLER(payroll_list_review_cycles);
PR_HANDLER(payroll_get_review_cycle);
PR_HANDLER(payroll_record_review_scores);
PR_HANDLER(payroll_list_review_ratings);

#endif
