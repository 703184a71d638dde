/* services/payroll/payslip_codec.c - a payslip's stored figures, packed and unpacked (payslip_codec.h)
 *
 * One writer and one reader walk the record's fields in the same order
 * (fields()), so the format is written down once. The reader checks every
 * count and every byte: arbitrary bytes give -1, never a read past the end.
 */
#include "payslip_codec.h"

#include <string.h>

size_t pr_payslip_inputs_order(const pr_program_t *program, int ix[PR_INPUTS_MAX])
{
    uint64_t seen = 0;
    size_t n = 0;
    for (size_t k = 0; k < pr_program_count(program); k++) {
        size_t nr = 0;
        const pr_ref_t *refs = pr_program_refs(program, k, &nr);
        for (size_t j = 0; j < nr; j++) {
            int i = refs[j].index;
            if (refs[j].component || i < 0 || i >= PR_INPUTS_MAX || (seen >> i & 1))
                continue;
            seen |= (uint64_t)1 << i;
            ix[n++] = i;
        }
    }
    return n;
}

void pr_payslip_rec_of(const pr_slip_plan_t *plan, const pr_slip_in_t *in, const pr_slip_t *out,
                       pr_payslip_rec_t *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->n_comp = (uint32_t)pr_program_count(plan->program);
    memcpy(rec->comp, out->comp, rec->n_comp * sizeof(rec->comp[0]));
    int ix[PR_INPUTS_MAX];
    rec->n_inputs = (uint32_t)pr_payslip_inputs_order(plan->program, ix);
    for (uint32_t j = 0; j < rec->n_inputs; j++)
        rec->inputs[j] = in->in[ix[j]];
    rec->base = in->base;
    rec->hourly_rate = out->hourly_rate;
    for (int k = 0; k < 3; k++) {
        rec->ot_minutes[k] = in->overtime_minutes[k];
        rec->ot_pay[k] = out->overtime[k];
        rec->ot_multiple[k] = pr_overtime_multiple((pr_overtime_kind_t)k);
    }
    rec->adjust_taxable = in->adjust_taxable;
    rec->adjust_untaxed = in->adjust_untaxed;
    rec->wage = in->wage;
    for (int k = 0; k < PR_SOCIAL_KINDS; k++) {
        const pr_social_item_t *it = &in->policy->item[k];
        if (!it->present)
            continue;
        const pr_social_share_t *sh = &out->social.item[k];
        rec->social_present |= 1u << k;
        rec->social[k].base = sh->base;
        rec->social[k].employee = sh->employee;
        rec->social[k].employer = sh->employer;
        rec->social[k].floor = it->floor;
        rec->social[k].cap = it->cap;
        rec->social[k].employee_rate = it->employee_rate;
        rec->social[k].employer_rate = it->employer_rate;
    }
    rec->non_resident = in->non_resident;
    rec->tax = out->tax;
    rec->bonus_tax = out->bonus_tax;
    rec->gross = out->gross;
    rec->deductions = out->deductions;
    rec->social_employee = out->social.employee;
    rec->social_employer = out->social.employer;
    rec->taxable_income = out->taxable_income;
    rec->income_tax = out->income_tax;
    rec->net = out->net;
    rec->ytd = out->ytd;
}

/* ---- the walk over the fields ---- */

typedef struct {
    uint8_t *out;            /* writing: the next byte */
    const uint8_t *in, *end; /* reading */
    int failed;
} io_t;

static void put(io_t *io, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (z >= 0x80) {
        *io->out++ = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    *io->out++ = (uint8_t)z;
}

static int64_t get(io_t *io)
{
    uint64_t z = 0;
    for (int shift = 0; !io->failed; shift += 7) {
        if (io->in == io->end || shift > 63) {
            io->failed = 1;
            break;
        }
        uint8_t b = *io->in++;
        if (shift == 63 && b > 1) { /* beyond 64 bits */
            io->failed = 1;
            break;
        }
        z |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
    }
    return 0;
}

/* One field: written from *v, or read into *v (a writer's record is only
 * read). */
static void f64(io_t *io, int64_t *v)
{
    if (io->out)
        put(io, *v);
    else
        *v = get(io);
}

static void fint(io_t *io, int *v)
{
    int64_t x = *v;
    f64(io, &x);
    if (x < INT32_MIN || x > INT32_MAX)
        io->failed = 1;
    else if (!io->out)
        *v = (int)x;
}

/* A count, at most max, then that many values. */
static void fvec(io_t *io, uint32_t *n, int64_t *v, uint32_t max)
{
    int64_t x = *n;
    f64(io, &x);
    if (x < 0 || x > max) {
        io->failed = 1;
        return;
    }
    if (!io->out)
        *n = (uint32_t)x;
    for (uint32_t i = 0; i < *n && !io->failed; i++)
        f64(io, &v[i]);
}

static void fields(io_t *io, pr_payslip_rec_t *r)
{
    int version = r->scheme_version, present = (int)r->social_present;
    fint(io, &version);
    fvec(io, &r->n_comp, r->comp, PR_COMPONENTS_MAX);
    fvec(io, &r->n_inputs, r->inputs, PR_INPUTS_MAX);
    f64(io, &r->base);
    f64(io, &r->hourly_rate);
    for (int k = 0; k < 3; k++) {
        f64(io, &r->ot_minutes[k]);
        f64(io, &r->ot_pay[k]);
        f64(io, &r->ot_multiple[k]);
    }
    f64(io, &r->adjust_taxable);
    f64(io, &r->adjust_untaxed);
    f64(io, &r->wage);
    fint(io, &present);
    if (present < 0 || present >= 1 << PR_SOCIAL_KINDS)
        io->failed = 1;
    if (!io->out) {
        r->scheme_version = version;
        r->social_present = (unsigned)present;
    }
    for (int k = 0; k < PR_SOCIAL_KINDS && !io->failed; k++) {
        if (!(r->social_present >> k & 1))
            continue;
        f64(io, &r->social[k].base);
        f64(io, &r->social[k].employee);
        f64(io, &r->social[k].employer);
        f64(io, &r->social[k].floor);
        f64(io, &r->social[k].cap);
        f64(io, &r->social[k].employee_rate);
        f64(io, &r->social[k].employer_rate);
    }
    fint(io, &r->non_resident);
    pr_tax_line_t *t = &r->tax;
    fint(io, &t->months);
    int64_t *tax[] = { &t->cumulative_income, &t->cumulative_deductions, &t->cumulative_taxable,
                       &t->rate, &t->quick, &t->cumulative_tax, &t->withheld_before, &t->tax,
                       &r->bonus_tax.bonus, &r->bonus_tax.monthly, &r->bonus_tax.rate,
                       &r->bonus_tax.quick, &r->bonus_tax.tax, &r->gross, &r->deductions,
                       &r->social_employee, &r->social_employer, &r->taxable_income,
                       &r->income_tax, &r->net };
    for (size_t k = 0; k < sizeof(tax) / sizeof(tax[0]); k++)
        f64(io, tax[k]);
    fint(io, &r->ytd.months);
    int64_t *ytd[] = { &r->ytd.income, &r->ytd.special, &r->ytd.additional, &r->ytd.other,
                       &r->ytd.withheld };
    for (size_t k = 0; k < sizeof(ytd) / sizeof(ytd[0]); k++)
        f64(io, ytd[k]);
}

size_t pr_payslip_encode(const pr_payslip_rec_t *rec, uint8_t *out)
{
    out[0] = 0;
    out[1] = PR_PAYSLIP_FORMAT;
    memcpy(out + 2, rec->scheme_id, 16);
    io_t io = { out + 18, NULL, NULL, 0 };
    fields(&io, (pr_payslip_rec_t *)rec); /* writing reads rec only */
    return (size_t)(io.out - out);
}

int pr_payslip_is_compact(const void *p, size_t len)
{
    return len >= 2 && ((const uint8_t *)p)[0] == 0;
}

int pr_payslip_decode(const void *p, size_t len, pr_payslip_rec_t *rec)
{
    const uint8_t *b = p;
    memset(rec, 0, sizeof(*rec));
    if (len < 18 || b[0] != 0 || b[1] != PR_PAYSLIP_FORMAT)
        return -1;
    memcpy(rec->scheme_id, b + 2, 16);
    io_t io = { NULL, b + 18, b + len, 0 };
    fields(&io, rec);
    return io.failed || io.in != io.end ? -1 : 0;
}
