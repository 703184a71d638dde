/* services/payroll/runs_handlers.c - payroll runs: create (one company or the group), calculate, approve, pay; payslips, the bank file, adjustments
 *
 * Payroll (and admin) keys only, behind the company wall: a run, payslip
 * or employee of a company the key does not act for is the answer of an id
 * that names nothing. A calculation is queued and done by a background loop
 * on any replica (runs_store.c); the answer shows the run with calculation
 * "queued". Approval and payment take the version the caller saw
 * (If-Match) and answer CONFLICT (409) when the run changed underneath.
 * The bank file shows bank accounts: it needs the pii scope and a reason,
 * and every employee in it gets an entry in the audit of reveals.
 */
#include "runs_handlers.h"

#include "runs_store.h"

#include "hf/encoding.h"
#include "hf/service.h"

#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

static int bad(hf_call_t *call, const char *field, const char *code, const char *why)
{
    hf_call_detail(call, field, code, why);
    return hf_call_fail(call, E(INVALID_ARGUMENT), "%s: %s", field, why);
}

static int month_field(hf_call_t *call, const char *field, const char *s, char out[11])
{
    if (pr_month_parse(s, out) == 0)
        return 0;
    return bad(call, field, (!s || !*s) ? "required" : "invalid",
               "a month written YYYY-MM, 2000-01 to 2999-12");
}

static int conflict(hf_store_t *st, int rc, const char *what, const char *id, const char *why)
{
    if (rc == HF_ECONFLICT && why)
        return hf_call_fail(st->call, E(CONFLICT), "%s %s: %s", what, id ? id : "", why);
    return hf_store_fail(st, rc, what, id);
}

static int id_field(hf_call_t *call, const char *id, const char *what)
{
    if (hf_uuid_valid(id))
        return 0;
    return hf_call_fail(call, E(NOT_FOUND), "%s %s not found", what, id ? id : "");
}

PR_HANDLER(payroll_create_payroll_run)
{
    const Hrflow__V1__CreatePayrollRunRequest *r = (const void *)req;
    hf_store_t st;
    char month[11];
    if (pr_open_payroll(call, &st, "run payroll") < 0 ||
        month_field(call, "month", r->month, month) < 0 ||
        pr_company_check(&st, "company_id", r->company_id) < 0)
        return -1;
    if (*r->scheme_id && !hf_uuid_valid(r->scheme_id))
        return bad(call, "scheme_id", "invalid", "the id of a pay scheme of the company");
    const char *why = NULL;
    Hrflow__V1__PayrollRun *o = NULL;
    int rc = pr_run_create(&st, r->company_id, month, r->scheme_id, &o, &why);
    if (rc == HF_ENOTFOUND)
        return bad(call, "scheme_id", "not_found", "a pay scheme of the company");
    if (rc != HF_OK)
        return conflict(&st, rc, "payroll run of", r->month, why);
    *reply = &o->base;
    return 0;
}

PR_HANDLER(payroll_create_group_payroll_runs)
{
    const Hrflow__V1__CreateGroupPayrollRunsRequest *r = (const void *)req;
    hf_store_t st;
    char month[11];
    if (pr_open_payroll(call, &st, "run payroll") < 0 ||
        month_field(call, "month", r->month, month) < 0)
        return -1;
    char **companies = NULL;
    size_t n = 0;
    int rc = pr_run_companies(&st, month, &companies, &n);
    Hrflow__V1__ListPayrollRunsResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListPayrollRunsResponse, hrflow__v1__list_payroll_runs_response__init);
    if (rc == HF_OK && (!o || !(o->runs = hf_store_alloc(&st, (n + 1) * sizeof(void *)))))
        rc = HF_ENOMEM;
    for (size_t i = 0; rc == HF_OK && i < n; i++) {
        const char *why = NULL;
        Hrflow__V1__PayrollRun *x = NULL;
        int one = pr_run_create(&st, companies[i], month, "", &x, &why);
        if (one == HF_OK)
            o->runs[o->n_runs++] = x;
        else if (one != HF_ECONFLICT) /* a locked run of one company stays as it is */
            rc = one;
    }
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "payroll run", "");
    *reply = &o->base;
    return 0;
}

PR_HANDLER(payroll_list_payroll_runs)
{
    const Hrflow__V1__ListPayrollRunsRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    char month[11] = "";
    if (pr_open_payroll(call, &st, "see payroll runs") < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0 ||
        (*r->month && month_field(call, "month", r->month, month) < 0))
        return -1;
    if (*r->company_id && (!hf_uuid_valid(r->company_id) ||
                           !hf_store_sees_company(&st, r->company_id)))
        return hf_call_fail(call, E(NOT_FOUND), "company %s not found", r->company_id);
    Hrflow__V1__ListPayrollRunsResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListPayrollRunsResponse, hrflow__v1__list_payroll_runs_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = pr_run_list(&st, r->company_id, month, &page, &o->runs, &o->n_runs);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "payroll run", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

PR_HANDLER(payroll_get_payroll_run)
{
    const Hrflow__V1__GetPayrollRunRequest *r = (const void *)req;
    hf_store_t st;
    if (pr_open_payroll(call, &st, "see payroll runs") < 0 ||
        id_field(call, r->id, "payroll run") < 0)
        return -1;
    Hrflow__V1__PayrollRun *o = NULL;
    int rc = pr_run_get(&st, r->id, &o);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "payroll run", r->id);
    *reply = &o->base;
    return 0;
}

typedef int (*action_fn)(hf_store_t *, const char *, int64_t, Hrflow__V1__PayrollRun **,
                         const char **);

static int action(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply,
                  action_fn fn, const char *verb, int need_version)
{
    const Hrflow__V1__PayrollRunActionRequest *r = (const void *)req;
    hf_store_t st;
    if (pr_open_payroll(call, &st, verb) < 0 || id_field(call, r->id, "payroll run") < 0)
        return -1;
    if (need_version && r->expected_version <= 0)
        return bad(call, "expected_version", "required",
                   "the version of the run you checked (If-Match)");
    const char *why = NULL;
    Hrflow__V1__PayrollRun *o = NULL;
    int rc = fn(&st, r->id, r->expected_version, &o, &why);
    if (rc != HF_OK)
        return conflict(&st, rc, "payroll run", r->id, why);
    *reply = &o->base;
    return 0;
}

PR_HANDLER(payroll_calculate_payroll_run)
{
    return action(call, req, reply, pr_run_queue, "run payroll", 0);
}

PR_HANDLER(payroll_approve_payroll_run)
{
    return action(call, req, reply, pr_run_approve, "approve payroll", 1);
}

PR_HANDLER(payroll_pay_payroll_run)
{
    return action(call, req, reply, pr_run_pay, "pay payroll", 1);
}

PR_HANDLER(payroll_delete_payroll_run)
{
    return action(call, req, reply, pr_run_delete, "run payroll", 0);
}

PR_HANDLER(payroll_list_payslips)
{
    const Hrflow__V1__ListPayslipsRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (pr_open_payroll(call, &st, "see payslips") < 0 ||
        id_field(call, r->run_id, "payroll run") < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    Hrflow__V1__ListPayslipsResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListPayslipsResponse, hrflow__v1__list_payslips_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = pr_payslip_list(&st, r->run_id, &page, &o->payslips, &o->n_payslips);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "payroll run", r->run_id);
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

PR_HANDLER(payroll_get_payslip)
{
    const Hrflow__V1__GetPayslipRequest *r = (const void *)req;
    hf_store_t st;
    if (pr_open_payroll(call, &st, "see payslips") < 0 ||
        id_field(call, r->run_id, "payroll run") < 0 ||
        id_field(call, r->employee_id, "payslip") < 0)
        return -1;
    Hrflow__V1__Payslip *o = NULL;
    int rc = pr_payslip_get(&st, r->run_id, r->employee_id, &o);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "payslip", r->employee_id);
    *reply = &o->base;
    return 0;
}

PR_HANDLER(payroll_get_bank_file)
{
    const Hrflow__V1__GetBankFileRequest *r = (const void *)req;
    hf_store_t st;
    if (pr_open_payroll(call, &st, "read bank files") < 0 ||
        hf_store_require(&st, HF_SCOPE_PII, "read bank files (they show bank accounts)") < 0 ||
        id_field(call, r->id, "payroll run") < 0)
        return -1;
    const char *reason = *r->reason ? r->reason : "bank transfer file of a payroll run";
    if (strlen(reason) > 500)
        return bad(call, "reason", "too_long", "at most 500 characters");
    Hrflow__V1__BankFile *o =
        HF_CALL_NEW(call, Hrflow__V1__BankFile, hrflow__v1__bank_file__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    const char *why = NULL;
    char *data = NULL;
    size_t len = 0;
    int rc = pr_bank_file(&st, r->id, reason, &data, &len, &why);
    if (rc != HF_OK)
        return conflict(&st, rc, "payroll run", r->id, why);
    o->data.data = (uint8_t *)data;
    o->data.len = len;
    *reply = &o->base;
    return 0;
}

PR_HANDLER(payroll_create_payroll_adjustment)
{
    const Hrflow__V1__CreatePayrollAdjustmentRequest *r = (const void *)req;
    hf_store_t st;
    char month[11];
    if (pr_open_payroll(call, &st, "adjust payroll") < 0 ||
        month_field(call, "month", r->month, month) < 0)
        return -1;
    if (!hf_uuid_valid(r->employee_id))
        return bad(call, "employee_id", "not_found", "an employee of a company this key acts for");
    pr_fen_t amount = 0;
    pr_money_err_t me = pr_money_parse(r->amount, 1, &amount);
    if (me != PR_MONEY_OK || amount == 0)
        return bad(call, "amount", "invalid",
                   me ? pr_money_strerror(me) : "an adjustment of zero changes nothing");
    size_t rl = strlen(r->reason);
    if (rl == 0 || rl > 500)
        return bad(call, "reason", rl ? "too_long" : "required", "why: 1 to 500 characters");
    const char *why = NULL;
    Hrflow__V1__PayrollAdjustment *o = NULL;
    int rc = pr_adjustment_create(&st, r->employee_id, month, amount, r->taxable, r->reason, &o,
                                  &why);
    if (rc == HF_ENOTFOUND)
        return bad(call, "employee_id", "not_found", "an employee of a company this key acts for");
    if (rc != HF_OK)
        return conflict(&st, rc, "month", r->month, why);
    *reply = &o->base;
    return 0;
}

PR_HANDLER(payroll_list_payroll_adjustments)
{
    const Hrflow__V1__ListPayrollAdjustmentsRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (pr_open_payroll(call, &st, "see payroll adjustments") < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    if (*r->company_id && (!hf_uuid_valid(r->company_id) ||
                           !hf_store_sees_company(&st, r->company_id)))
        return hf_call_fail(call, E(NOT_FOUND), "company %s not found", r->company_id);
    Hrflow__V1__ListPayrollAdjustmentsResponse *o =
        HF_CALL_NEW(call, Hrflow__V1__ListPayrollAdjustmentsResponse,
                    hrflow__v1__list_payroll_adjustments_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = pr_adjustment_list(&st, r->company_id, &page, &o->adjustments, &o->n_adjustments);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "adjustment", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}
