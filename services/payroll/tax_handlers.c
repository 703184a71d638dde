/* services/payroll/tax_handlers.c - the income-tax calculators: POST /v1/payroll/tax:preview and bonus-tax:preview
 *
 * Stateless: the request carries the months (or the bonus), tax.c computes,
 * nothing is read or written. A payroll key (or admin) only, as every
 * payroll route: recruiters see no salaries. Every problem of a request is a
 * detail at its field ("months[3].income"), all of them in one answer.
 */
#include "statutory_handlers.h"

#include "hf/store.h"
#include "hrflow/v1/payroll.pb-c.h"
#include "tax.h"

#include <stdarg.h>
#include <stdio.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code
#define MONTHS_MAX 12

int statutory_amount(hf_call_t *call, const char *text, int required, pr_fen_t *fen,
                     const char *fmt, ...)
{
    char field[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(field, sizeof(field), fmt, ap);
    va_end(ap);
    *fen = 0;
    if (!text || !*text) {
        if (!required)
            return 0;
        hf_call_detail(call, field, "required", "an amount in yuan, e.g. \"30000.00\"");
        return 1;
    }
    pr_money_err_t e = pr_money_parse(text, 0, fen);
    if (e == PR_MONEY_OK)
        return 0;
    char msg[112];
    snprintf(msg, sizeof(msg), "an amount in yuan with at most two decimals, 0 or more: %s",
             pr_money_strerror(e));
    hf_call_detail(call, field,
                   e == PR_MONEY_NEGATIVE ? "negative" : e == PR_MONEY_RANGE ? "out_of_range"
                                                                              : "bad_format",
                   msg);
    return 1;
}

char *statutory_money(hf_call_t *call, pr_fen_t fen)
{
    char buf[PR_MONEY_TEXT_MAX];
    pr_money_format(fen, buf);
    return hf_arena_strdup(hf_call_arena(call), buf);
}

static double rate_fraction(int64_t ppm)
{
    return (double)ppm / (double)PR_RATE_ONE;
}

int statutory_open(hf_call_t *call, hf_store_t *st, const char *action)
{
    return hf_store_open(call, st) == 0 ? hf_store_require(st, HF_SCOPE_PAYROLL, action) : -1;
}

/* Month i of the request into *m and its calendar month into *month (the
 * one after prev, or its own); details for every problem. Returns the
 * number of details added. */
static int month_check(hf_call_t *call, const Hrflow__V1__TaxMonthInput *in, size_t i, int prev,
                       int non_resident, pr_tax_month_t *m, int *month)
{
    int bad = statutory_amount(call, in->income, 1, &m->income, "months[%zu].income", i);
    bad += statutory_amount(call, in->special_deductions, 0, &m->special,
                            "months[%zu].special_deductions", i);
    bad += statutory_amount(call, in->additional_deductions, 0, &m->additional,
                            "months[%zu].additional_deductions", i);
    bad += statutory_amount(call, in->other_deductions, 0, &m->other,
                            "months[%zu].other_deductions", i);
    char field[64];
    if (non_resident && (m->special || m->additional || m->other)) {
        snprintf(field, sizeof(field), "months[%zu]", i);
        hf_call_detail(call, field, "not_deductible",
                       "a non-resident deducts only 5 000 a month: no other deductions");
        bad++;
    }
    *month = in->month ? in->month : prev + 1;
    snprintf(field, sizeof(field), "months[%zu].month", i);
    if (*month < 1 || *month > MONTHS_MAX) {
        hf_call_detail(call, field, "out_of_range",
                       in->month ? "a month of the tax year, 1 to 12"
                                 : "past December: the tax year has 12 months");
        bad++;
    } else if (in->month && i > 0 && in->month != prev + 1) {
        hf_call_detail(call, field, "not_consecutive",
                       "the months follow one another, one item per month");
        bad++;
    }
    return bad;
}

static Hrflow__V1__TaxMonthLine *line_message(hf_call_t *call, int month, const pr_tax_line_t *l)
{
    Hrflow__V1__TaxMonthLine *o =
        HF_CALL_NEW(call, Hrflow__V1__TaxMonthLine, hrflow__v1__tax_month_line__init);
    if (!o)
        return NULL;
    o->month = month;
    o->tax = statutory_money(call, l->tax);
    o->cumulative_income = statutory_money(call, l->cumulative_income);
    o->cumulative_deductions = statutory_money(call, l->cumulative_deductions);
    o->cumulative_taxable = statutory_money(call, l->cumulative_taxable);
    o->rate = rate_fraction(l->rate);
    o->quick_deduction = statutory_money(call, l->quick);
    o->cumulative_tax = statutory_money(call, l->cumulative_tax);
    o->withheld_before = statutory_money(call, l->withheld_before);
    return o->tax && o->cumulative_income && o->cumulative_deductions && o->cumulative_taxable &&
                   o->quick_deduction && o->cumulative_tax && o->withheld_before
               ? o
               : NULL;
}

STATUTORY_HANDLER(payroll_preview_tax)
{
    const Hrflow__V1__PreviewTaxRequest *r = (const void *)req;
    hf_store_t st;
    if (statutory_open(call, &st, "compute tax") < 0)
        return -1;
    if (r->n_months == 0 || r->n_months > MONTHS_MAX) {
        hf_call_detail(call, "months", r->n_months ? "too_many" : "required",
                       "1 to 12 months, the first one first");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the months are invalid");
    }
    pr_tax_month_t m[MONTHS_MAX];
    int month[MONTHS_MAX], bad = 0, prev = 0;
    for (size_t i = 0; i < r->n_months; i++) {
        bad += month_check(call, r->months[i], i, prev, r->non_resident, &m[i], &month[i]);
        prev = month[i];
    }
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the months are invalid");
    Hrflow__V1__PreviewTaxResponse *o =
        HF_CALL_NEW(call, Hrflow__V1__PreviewTaxResponse, hrflow__v1__preview_tax_response__init);
    Hrflow__V1__TaxMonthLine **lines =
        hf_arena_alloc(hf_call_arena(call), r->n_months * sizeof(*lines));
    if (!o || !lines)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    pr_tax_ytd_t ytd = { 0 };
    pr_fen_t total = 0;
    for (size_t i = 0; i < r->n_months; i++) {
        pr_tax_line_t l;
        if (r->non_resident)
            pr_tax_nonresident_month(m[i].income, &l);
        else
            pr_tax_resident_month(&ytd, &m[i], &l);
        pr_tax_ytd_add(&ytd, &m[i], &l);
        total += l.tax;
        if (!(lines[i] = line_message(call, month[i], &l)))
            return hf_call_fail(call, E(INTERNAL), "out of memory");
    }
    o->months = lines;
    o->n_months = r->n_months;
    if (!(o->total_tax = statutory_money(call, total)))
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    *reply = &o->base;
    return 0;
}

STATUTORY_HANDLER(payroll_preview_bonus_tax)
{
    const Hrflow__V1__PreviewBonusTaxRequest *r = (const void *)req;
    hf_store_t st;
    if (statutory_open(call, &st, "compute tax") < 0)
        return -1;
    pr_fen_t bonus;
    if (statutory_amount(call, r->bonus, 1, &bonus, "bonus"))
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the bonus is invalid");
    pr_tax_bonus_t b;
    if (r->non_resident)
        pr_tax_bonus_nonresident(bonus, &b);
    else
        pr_tax_bonus_separate(bonus, &b);
    Hrflow__V1__PreviewBonusTaxResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__PreviewBonusTaxResponse, hrflow__v1__preview_bonus_tax_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    o->tax = statutory_money(call, b.tax);
    o->rate = rate_fraction(b.rate);
    o->quick_deduction = statutory_money(call, b.quick);
    o->monthly_amount = statutory_money(call, b.monthly);
    if (!o->tax || !o->quick_deduction || !o->monthly_amount)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    *reply = &o->base;
    return 0;
}
