/* services/payroll/payslip_render.c - a payslip as the API shows it, from its figures (payslip_render.h)
 *
 * The lines come in the order readers have always seen: the scheme's
 * components, overtime, adjustments, each contribution (the employee's
 * share, then the employer's), income tax, the separately taxed bonus, net.
 * Every sentence is written here and nowhere else.
 */
#include "payslip_render.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    hf_arena_t *a;
    Hrflow__V1__PayslipLine **v;
    size_t n;
} lines_t;

static void *zalloc(hf_arena_t *a, size_t n)
{
    void *p = hf_arena_alloc(a, n ? n : 1);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

static char *yuan(hf_arena_t *a, pr_fen_t v)
{
    char b[PR_MONEY_TEXT_MAX];
    pr_money_format(v, b);
    return hf_arena_strdup(a, b);
}

static char *rate_text(hf_arena_t *a, int64_t ppm)
{
    char b[PR_RATE_TEXT_MAX];
    pr_rate_format(ppm, b);
    return hf_arena_strdup(a, b);
}

static Hrflow__V1__PayslipLine *line(lines_t *l, const char *name, const char *kind, char *value,
                                     char *formula)
{
    Hrflow__V1__PayslipLine *x = hf_arena_alloc(l->a, sizeof(*x));
    if (!x || !name || !value || !formula)
        return NULL;
    hrflow__v1__payslip_line__init(x);
    x->name = (char *)name;
    x->kind = (char *)kind;
    x->value = value;
    x->formula = formula;
    l->v[l->n++] = x;
    return x;
}

/* A line with what its rate applied to and the rate. */
static Hrflow__V1__PayslipLine *rated(lines_t *l, const char *name, const char *kind,
                                      pr_fen_t value, char *formula, pr_fen_t base, int64_t rate)
{
    Hrflow__V1__PayslipLine *x = line(l, name, kind, yuan(l->a, value), formula);
    if (x && (!(x->rate_base = yuan(l->a, base)) || !(x->rate = rate_text(l->a, rate))))
        return NULL;
    return x;
}

/* The name (copied into a: the program may go before the message) and
 * source of a formula's reference; -1 when out of memory. */
static int ref_name(hf_arena_t *a, const pr_program_t *p, const pr_ref_t *ref,
                    Hrflow__V1__PayLineInput *x)
{
    x->name = hf_arena_strdup(a, ref->component ? pr_program_name(p, (size_t)ref->index)
                                                : pr_inputs[ref->index].name);
    x->source = ref->component ? "component" : "input";
    return x->name ? 0 : -1;
}

/* Component k's line: its value, and the name and value of each reference. */
static int component(lines_t *l, const pr_payslip_rec_t *rec, const pr_payslip_scheme_t *sc,
                     const int64_t *in, size_t k)
{
    const pr_program_t *p = sc->program;
    char b[PR_VALUE_TEXT_MAX];
    pr_value_format(pr_program_type(p, k), rec->comp[k], b);
    const Hrflow__V1__PayComponent *c = sc->version->components[k];
    Hrflow__V1__PayslipLine *ln = line(l, hf_arena_strdup(l->a, pr_program_name(p, k)),
                                       pr_kind_name(pr_program_kind(p, k)),
                                       hf_arena_strdup(l->a, b), c->formula);
    size_t nr = 0;
    const pr_ref_t *refs = pr_program_refs(p, k, &nr);
    if (!ln || !(ln->inputs = hf_arena_alloc(l->a, (nr + 1) * sizeof(void *))))
        return -1;
    ln->label = c->label;
    for (size_t j = 0; j < nr; j++) {
        Hrflow__V1__PayLineInput *x = hf_arena_alloc(l->a, sizeof(*x));
        if (!x)
            return -1;
        hrflow__v1__pay_line_input__init(x);
        if (ref_name(l->a, p, &refs[j], x) < 0)
            return -1;
        int i = refs[j].index;
        if (refs[j].component)
            pr_value_format(pr_program_type(p, (size_t)i), rec->comp[i], b);
        else
            pr_value_format(pr_inputs[i].type, in[i], b);
        if (!(x->value = hf_arena_strdup(l->a, b)))
            return -1;
        ln->inputs[ln->n_inputs++] = x;
    }
    return 0;
}

static int overtime(lines_t *l, const pr_payslip_rec_t *r)
{
    static const char *const names[3] = { "overtime_workday", "overtime_restday",
                                          "overtime_holiday" };
    for (int k = 0; k < 3; k++) {
        if (!r->ot_minutes[k])
            continue;
        char *f = hf_arena_printf(l->a, "hourly rate (base %s / 174 = %s) x %lld min / 60 x %s",
                                  yuan(l->a, r->base), yuan(l->a, r->hourly_rate),
                                  (long long)r->ot_minutes[k], rate_text(l->a, r->ot_multiple[k]));
        if (!rated(l, names[k], "earning", r->ot_pay[k], f, r->hourly_rate, r->ot_multiple[k]))
            return -1;
    }
    return 0;
}

static int adjustments(lines_t *l, const pr_payslip_rec_t *r)
{
    if (r->adjust_taxable &&
        !line(l, "adjustment_taxable", "earning", yuan(l->a, r->adjust_taxable),
              "adjustments of earlier, locked months (taxable)"))
        return -1;
    if (r->adjust_untaxed &&
        !line(l, "adjustment_untaxed", "earning", yuan(l->a, r->adjust_untaxed),
              "adjustments of earlier, locked months (not taxable)"))
        return -1;
    return 0;
}

static int contributions(lines_t *l, const pr_payslip_rec_t *r)
{
    for (int k = 0; k < PR_SOCIAL_KINDS; k++) {
        if (!(r->social_present >> k & 1))
            continue;
        const char *kn = pr_social_kind_name((pr_social_kind_t)k);
        char *f = hf_arena_printf(l->a, "wage %s clamped to [%s, %s] = %s", yuan(l->a, r->wage),
                                  yuan(l->a, r->social[k].floor), yuan(l->a, r->social[k].cap),
                                  yuan(l->a, r->social[k].base));
        char *er = hf_arena_printf(l->a, "%s_employer", kn);
        if (!er || !rated(l, kn, "contribution", r->social[k].employee, f, r->social[k].base,
                          r->social[k].employee_rate) ||
            !rated(l, er, "employer", r->social[k].employer, f, r->social[k].base,
                   r->social[k].employer_rate))
            return -1;
    }
    return 0;
}

static int taxes(lines_t *l, const pr_payslip_rec_t *r)
{
    hf_arena_t *a = l->a;
    const pr_tax_line_t *t = &r->tax;
    char *f = r->non_resident
                  ? hf_arena_printf(a, "non-resident: (%s - 5000.00) x rate - quick deduction",
                                    yuan(a, r->taxable_income))
                  : hf_arena_printf(a,
                                    "cumulative: (income %s - %d x 5000.00 - deductions) ="
                                    " taxable %s; x rate - quick %s = %s; less withheld %s",
                                    yuan(a, t->cumulative_income), t->months,
                                    yuan(a, t->cumulative_taxable), yuan(a, t->quick),
                                    yuan(a, t->cumulative_tax), yuan(a, t->withheld_before));
    if (!rated(l, "income_tax", "tax", t->tax, f, t->cumulative_taxable, t->rate))
        return -1;
    const pr_tax_bonus_t *b = &r->bonus_tax;
    if (b->bonus &&
        !rated(l, "bonus_tax", "tax", b->tax,
               hf_arena_printf(a,
                               "annual bonus %s taxed separately: bracket of %s a month; x rate -"
                               " quick %s",
                               yuan(a, b->bonus), yuan(a, b->monthly), yuan(a, b->quick)),
               b->bonus, b->rate))
        return -1;
    return line(l, "net", "net", yuan(a, r->net),
                "gross - deductions - social_employee - income_tax")
               ? 0
               : -1;
}

/* Every line, or -1. */
static int lines_of(lines_t *l, const pr_payslip_rec_t *rec, const pr_payslip_scheme_t *sc)
{
    const pr_program_t *p = sc->program;
    size_t nc = pr_program_count(p);
    int ix[PR_INPUTS_MAX];
    if (nc != rec->n_comp || sc->version->n_components != nc ||
        pr_payslip_inputs_order(p, ix) != rec->n_inputs)
        return -1;
    int64_t in[PR_INPUTS_MAX] = { 0 };
    for (uint32_t j = 0; j < rec->n_inputs; j++)
        in[ix[j]] = rec->inputs[j];
    if (!(l->v = hf_arena_alloc(l->a, (nc + 32) * sizeof(void *))))
        return -1;
    for (size_t k = 0; k < nc; k++)
        if (component(l, rec, sc, in, k) < 0)
            return -1;
    return overtime(l, rec) < 0 || adjustments(l, rec) < 0 || contributions(l, rec) < 0 ||
                   taxes(l, rec) < 0
               ? -1
               : 0;
}

Hrflow__V1__Payslip *pr_payslip_render(hf_arena_t *a, const pr_payslip_rec_t *rec,
                                       const pr_payslip_head_t *head,
                                       const pr_payslip_scheme_t *scheme)
{
    Hrflow__V1__Payslip *x = zalloc(a, sizeof(*x));
    Hrflow__V1__PayslipYtd *y = zalloc(a, sizeof(*y));
    char id[37];
    pr_uuid_format(rec->scheme_id, id);
    if (!x || !y)
        return NULL;
    hrflow__v1__payslip__init(x);
    hrflow__v1__payslip_ytd__init(y);
    lines_t l = { a, NULL, 0 };
    if (scheme && lines_of(&l, rec, scheme) < 0)
        return NULL;
    x->lines = l.v;
    x->n_lines = l.n;
    x->run_id = (char *)head->run_id;
    x->employee_id = (char *)head->employee_id;
    x->employee_no = (char *)head->employee_no;
    x->company_id = (char *)head->company_id;
    x->month = (char *)head->month;
    x->city = (char *)head->city;
    x->scheme_id = hf_arena_strdup(a, id);
    x->scheme_version = rec->scheme_version;
    x->gross = yuan(a, rec->gross);
    x->deductions = yuan(a, rec->deductions);
    x->social_employee = yuan(a, rec->social_employee);
    x->social_employer = yuan(a, rec->social_employer);
    x->taxable_income = yuan(a, rec->taxable_income);
    x->income_tax = yuan(a, rec->income_tax);
    x->bonus_tax = yuan(a, rec->bonus_tax.tax);
    x->net = yuan(a, rec->net);
    x->currency = "CNY";
    y->months = rec->ytd.months;
    y->income = yuan(a, rec->ytd.income);
    y->special = yuan(a, rec->ytd.special);
    y->additional = yuan(a, rec->ytd.additional);
    y->other = yuan(a, rec->ytd.other);
    y->withheld = yuan(a, rec->ytd.withheld);
    x->ytd = y;
    return x->scheme_id && x->net && y->withheld ? x : NULL;
}

void pr_payslip_explain(hf_arena_t *a, Hrflow__V1__Payslip *s, const pr_payslip_scheme_t *scheme)
{
    const pr_program_t *p = scheme->program;
    /* the first lines are the components, in the program's order */
    for (size_t k = 0; k < pr_program_count(p) && k < s->n_lines; k++) {
        Hrflow__V1__PayslipLine *l = s->lines[k];
        if (strcmp(l->name, pr_program_name(p, k)))
            break;
        size_t nr = 0;
        const pr_ref_t *refs = pr_program_refs(p, k, &nr);
        l->formula = scheme->version->components[k]->formula;
        l->label = scheme->version->components[k]->label;
        for (size_t j = 0; j < nr && j < l->n_inputs; j++)
            ref_name(a, p, &refs[j], l->inputs[j]);
    }
}

static int hex(int c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int pr_uuid_parse(const char *s, uint8_t out[16])
{
    if (strlen(s) != 36)
        return -1;
    for (size_t i = 0, n = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23, h = hex((unsigned char)s[i]);
        if (dash ? s[i] != '-' : h < 0)
            return -1;
        if (dash)
            continue;
        out[n / 2] = n % 2 ? (uint8_t)(out[n / 2] | h) : (uint8_t)(h << 4);
        n++;
    }
    return 0;
}

void pr_uuid_format(const uint8_t in[16], char out[37])
{
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        o += sprintf(o, "%02x", in[i]);
    }
}
