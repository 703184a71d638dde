/* services/payroll/reports_handlers.c - the ledger export, summary reports, the employee's payslip link
 *
 * The ledger and the summaries are for payroll (and admin) keys only,
 * behind the company wall: a run of a company the key does not act for is
 * NOT_FOUND, like a made-up one; a summary counts only the companies the
 * key acts for (a group of one person shows one person's pay: payroll keys
 * see pay anyway). The payslip link is made by a payroll key for an
 * approved or paid run; its public route (no key, the token is the key)
 * answers NOT_FOUND for anything but a valid, unexpired token of this
 * service whose run is approved or paid: forged, changed, expired and
 * made-up tokens get the same answer.
 */
#include "reports_handlers.h"

#include "payslip_link.h"
#include "reports_store.h"
#include "runs_store.h"

#include "hf/codec.h"
#include "hf/encoding.h"
#include "hf/service.h"
#include "hf/timer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code
#define LINK_NOT_FOUND "no payslip has this link"

static int bad(hf_call_t *call, const char *field, const char *code, const char *why)
{
    hf_call_detail(call, field, code, why);
    return hf_call_fail(call, E(INVALID_ARGUMENT), "%s: %s", field, why);
}

static int run_id(hf_call_t *call, const char *id)
{
    if (hf_uuid_valid(id))
        return 0;
    return hf_call_fail(call, E(NOT_FOUND), "payroll run %s not found", id ? id : "");
}

static int store_fail(hf_store_t *st, int rc, const char *what, const char *id, const char *why)
{
    if (rc == HF_ECONFLICT && why)
        return hf_call_fail(st->call, E(CONFLICT), "%s %s: %s", what, id, why);
    return hf_store_fail(st, rc, what, id);
}

PR_HANDLER(payroll_get_payroll_ledger)
{
    const Hrflow__V1__GetPayrollLedgerRequest *r = (const void *)req;
    hf_store_t st;
    if (pr_open_payroll(call, &st, "export payroll ledgers") < 0 || run_id(call, r->id) < 0)
        return -1;
    pr_ledger_format_t format;
    if (!*r->format || strcmp(r->format, "csv") == 0)
        format = PR_LEDGER_CSV;
    else if (strcmp(r->format, "xlsx") == 0)
        format = PR_LEDGER_XLSX;
    else
        return bad(call, "format", "invalid", "csv or xlsx");
    Hrflow__V1__PayrollLedgerFile *o =
        HF_CALL_NEW(call, Hrflow__V1__PayrollLedgerFile, hrflow__v1__payroll_ledger_file__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    unsigned char *data = NULL;
    size_t len = 0;
    const char *month = "", *why = NULL;
    int rc = pr_ledger(&st, r->id, format, &data, &len, &month, &why);
    if (rc != HF_OK)
        return store_fail(&st, rc, "payroll run", r->id, why);
    /* the reply owns the bytes until it is sent: copy them into the arena */
    o->data.data = hf_store_alloc(&st, len ? len : 1);
    if (!o->data.data) {
        free(data);
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    }
    memcpy(o->data.data, data, len);
    o->data.len = len;
    free(data);
    o->content_type = format == PR_LEDGER_XLSX
                          ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                          : "text/csv; charset=utf-8";
    o->filename = hf_arena_printf(st.arena, "payroll-ledger-%s-%.8s.%s", month, r->id,
                                  format == PR_LEDGER_XLSX ? "xlsx" : "csv");
    *reply = &o->base;
    return 0;
}

PR_HANDLER(payroll_get_payroll_summary)
{
    const Hrflow__V1__GetPayrollSummaryRequest *r = (const void *)req;
    hf_store_t st;
    char month[11];
    if (pr_open_payroll(call, &st, "see payroll reports") < 0)
        return -1;
    if (pr_month_parse(r->month, month) < 0)
        return bad(call, "month", *r->month ? "invalid" : "required",
                   "a month written YYYY-MM, 2000-01 to 2999-12");
    pr_summary_by_t by;
    if (!*r->by || strcmp(r->by, "company") == 0)
        by = PR_BY_COMPANY;
    else if (strcmp(r->by, "department") == 0)
        by = PR_BY_DEPARTMENT;
    else if (strcmp(r->by, "city") == 0)
        by = PR_BY_CITY;
    else
        return bad(call, "by", "invalid", "company, department or city");
    if (*r->company_id && pr_company_check(&st, "company_id", r->company_id) < 0)
        return -1;
    Hrflow__V1__PayrollSummary *o =
        HF_CALL_NEW(call, Hrflow__V1__PayrollSummary, hrflow__v1__payroll_summary__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    o->month = hf_arena_printf(st.arena, "%.7s", month);
    o->by = by == PR_BY_COMPANY ? "company" : by == PR_BY_DEPARTMENT ? "department" : "city";
    int rc = pr_summary(&st, month, by, r->company_id, o);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "payroll summary of", r->month);
    *reply = &o->base;
    return 0;
}

static Hrflow__V1__Timestamp *at(hf_store_t *st, int64_t seconds)
{
    char micros[32];
    snprintf(micros, sizeof(micros), "%lld", (long long)seconds * 1000000);
    return hf_pb_timestamp_micros(&st->alloc, micros);
}

PR_HANDLER(payroll_create_payslip_link)
{
    const Hrflow__V1__CreatePayslipLinkRequest *r = (const void *)req;
    hf_store_t st;
    if (pr_open_payroll(call, &st, "make payslip links") < 0 || run_id(call, r->run_id) < 0)
        return -1;
    if (!hf_uuid_valid(r->employee_id))
        return hf_call_fail(call, E(NOT_FOUND), "payslip %s not found", r->employee_id);
    if (r->days > PR_PAYSLIP_LINK_DAYS_MAX)
        return bad(call, "days", "out_of_range", "1 to 366 days (0: 90)");
    Hrflow__V1__PayrollRun *run = NULL;
    int rc = pr_run_get(&st, r->run_id, &run);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "payroll run", r->run_id);
    if (strcmp(run->state, "approved") != 0 && strcmp(run->state, "paid") != 0)
        return hf_call_fail(call, E(CONFLICT),
                            "payroll run %s: employees see payslips of approved or paid runs only",
                            r->run_id);
    Hrflow__V1__Payslip *slip = NULL;
    if ((rc = pr_payslip_get(&st, r->run_id, r->employee_id, &slip)) != HF_OK)
        return hf_store_fail(&st, rc, "payslip", r->employee_id);
    Hrflow__V1__PayslipLink *o =
        HF_CALL_NEW(call, Hrflow__V1__PayslipLink, hrflow__v1__payslip_link__init);
    char *token = hf_store_alloc(&st, PR_PAYSLIP_LINK_LEN + 1);
    if (!o || !token)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int64_t now = hf_timer_now_us(st.db); /* the one clock (tests move it) */
    if (now < 0)
        return hf_store_fail(&st, HF_EDB, "payslip", r->employee_id);
    int64_t expiry = now / 1000000 + 86400LL * (r->days ? r->days : PR_PAYSLIP_LINK_DAYS);
    if (pr_payslip_link(hf_service_keys(), st.tenant, r->run_id, r->employee_id, expiry, token) <
        0)
        return hf_call_fail(call, E(INTERNAL), "the link could not be made");
    o->token = token;
    o->path = hf_arena_printf(st.arena, "/v1/payslips/%s", token);
    o->expire_time = at(&st, expiry);
    if (!o->path || !o->expire_time)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    *reply = &o->base;
    return 0;
}

PR_HANDLER(payroll_get_employee_payslip)
{
    const Hrflow__V1__GetEmployeePayslipRequest *r = (const void *)req;
    static const hf_token_kind_t *const kinds[] = { &pr_payslip_link_kind };
    hf_store_t st;
    char ids[3][37];
    int64_t expiry = 0;
    if (hf_store_open_token(call, &st, kinds, 1, r->token, ids, &expiry, LINK_NOT_FOUND) < 0)
        return -1;
    int64_t now = hf_timer_now_us(st.db);
    if (now < 0)
        return hf_store_fail(&st, HF_EDB, "payslip", "");
    if (expiry <= now / 1000000)
        return hf_call_fail(call, E(NOT_FOUND), LINK_NOT_FOUND);
    Hrflow__V1__EmployeePayslip *o = NULL;
    int rc = pr_employee_payslip(&st, ids[1], ids[2], &o);
    if (rc == HF_ENOTFOUND)
        return hf_call_fail(call, E(NOT_FOUND), LINK_NOT_FOUND);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "payslip", "");
    if (!(o->expire_time = at(&st, expiry)))
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    *reply = &o->base;
    return 0;
}
