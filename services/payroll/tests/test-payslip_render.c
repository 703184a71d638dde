/* services/payroll/tests/test-payslip_render.c - a payslip stored as figures reads exactly as one stored whole
 *
 * The reference is the way payslips were stored before the compact form:
 * the whole hrflow.v1.Payslip built at calculation (old_payslip below, kept
 * as it was written then), packed, and explained when read. Each case
 * computes one payslip, stores it both ways and compares the two answers
 * byte for byte: resident and non-resident, overtime of every kind,
 * adjustments, the bonus taxed apart, every kind of contribution or a few.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../payslip_render.h"

#define Y(yuan) ((pr_fen_t)(yuan) * 100)
#define SCHEME_ID "0c6e3d1a-5b7f-4c2e-9a1d-3f8e2b6c4d5e"

static const pr_payslip_head_t head = { "5f0e7a1c-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
                                        "7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c1d", "SH001",
                                        "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "2026-03",
                                        "上海" };

/* name, label, kind, taxable, formula */
static const char *const components[][5] = {
    { "base_pay", "基本工资", "earning", "1", "base * attended_days / workdays_in_month" },
    { "meal", "餐补", "earning", "0", "meal_allowance" },
    { "day_rate", "", "info", "0", "base / 21.75" },
    { "absence", "缺勤", "deduction", "1", "day_rate * absent_days" },
    { "perf", "绩效", "earning", "1", "perf_bonus * rating_coef" },
    { "annual_bonus", "年终奖", "earning", "1", "if(late_count > 10, 0, 36000)" },
    { "union_fee", "工会费", "deduction", "0", "base * 0.005 + day_rate * 0" },
};
#define NCOMP (sizeof(components) / sizeof(components[0]))

typedef struct {
    hf_arena_t *a;
    Hrflow__V1__PaySchemeVersion version;
    Hrflow__V1__PayComponent comp[NCOMP], *comps[NCOMP];
    pr_program_t *program;
    pr_slip_plan_t plan;
    pr_payslip_scheme_t scheme;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    pr_slip_inputs_init();
    f->a = hf_arena_new(1 << 16);
    hrflow__v1__pay_scheme_version__init(&f->version);
    pr_component_src_t src[NCOMP];
    unsigned char taxable[NCOMP];
    for (size_t k = 0; k < NCOMP; k++) {
        hrflow__v1__pay_component__init(&f->comp[k]);
        f->comp[k].name = (char *)components[k][0];
        f->comp[k].label = (char *)components[k][1];
        f->comp[k].kind = (char *)components[k][2];
        f->comp[k].formula = (char *)components[k][4];
        f->comps[k] = &f->comp[k];
        src[k] = (pr_component_src_t){ components[k][0], (pr_kind_t)pr_kind_of(components[k][2]),
                                       components[k][4] };
        taxable[k] = components[k][3][0] == '1';
    }
    f->version.version = 3;
    f->version.n_components = NCOMP;
    f->version.components = f->comps;
    pr_ferror_t err;
    size_t n_err = 0;
    f->program = pr_program_compile(src, NCOMP, &err, 1, &n_err);
    assert_non_null(f->program);
    pr_slip_plan(&f->plan, f->program, taxable, NULL);
    f->scheme = (pr_payslip_scheme_t){ &f->version, f->program };
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    pr_program_destroy(&f->program);
    hf_arena_destroy(&f->a);
    free(f);
    return 0;
}

/* ---- the payslip as it was stored whole (runs_store.c before the compact form) ---- */

typedef struct {
    Hrflow__V1__PayslipLine **v;
    size_t n;
} lines_t;

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

static Hrflow__V1__PayslipLine *line(hf_arena_t *a, lines_t *l, const char *name,
                                     const char *kind, char *value, char *formula)
{
    Hrflow__V1__PayslipLine *x = hf_arena_alloc(a, sizeof(*x));
    hrflow__v1__payslip_line__init(x);
    x->name = (char *)name;
    x->kind = (char *)kind;
    x->value = value;
    x->formula = formula ? formula : "";
    l->v[l->n++] = x;
    return x;
}

static Hrflow__V1__PayLineInput *input_of(hf_arena_t *a, const pr_program_t *p,
                                          const pr_ref_t *ref, const int64_t *in,
                                          const int64_t *comp)
{
    Hrflow__V1__PayLineInput *x = hf_arena_alloc(a, sizeof(*x));
    hrflow__v1__pay_line_input__init(x);
    char b[PR_VALUE_TEXT_MAX];
    if (ref->component)
        pr_value_format(pr_program_type(p, (size_t)ref->index), comp[ref->index], b);
    else
        pr_value_format(pr_inputs[ref->index].type, in[ref->index], b);
    x->value = hf_arena_strdup(a, b);
    return x;
}

static Hrflow__V1__Payslip *old_payslip(hf_arena_t *a, const pr_program_t *p,
                                        const pr_slip_in_t *in, const pr_slip_t *s)
{
    size_t nc = pr_program_count(p);
    lines_t l = { hf_arena_alloc(a, (nc + 32) * sizeof(void *)), 0 };
    Hrflow__V1__Payslip *x = hf_arena_alloc(a, sizeof(*x));
    Hrflow__V1__PayslipYtd *y = hf_arena_alloc(a, sizeof(*y));
    hrflow__v1__payslip__init(x);
    hrflow__v1__payslip_ytd__init(y);
    for (size_t k = 0; k < nc; k++) {
        char b[PR_VALUE_TEXT_MAX];
        pr_value_format(pr_program_type(p, k), s->comp[k], b);
        Hrflow__V1__PayslipLine *ln = line(a, &l, pr_program_name(p, k),
                                           pr_kind_name(pr_program_kind(p, k)),
                                           hf_arena_strdup(a, b), NULL);
        size_t nr = 0;
        const pr_ref_t *refs = pr_program_refs(p, k, &nr);
        ln->inputs = hf_arena_alloc(a, (nr + 1) * sizeof(void *));
        for (size_t j = 0; ln->inputs && j < nr; j++)
            ln->inputs[ln->n_inputs++] = input_of(a, p, &refs[j], in->in, s->comp);
    }
    static const char *const ot_names[3] = { "overtime_workday", "overtime_restday",
                                             "overtime_holiday" };
    for (int k = 0; k < 3; k++) {
        if (!in->overtime_minutes[k])
            continue;
        Hrflow__V1__PayslipLine *ln = line(
            a, &l, ot_names[k], "earning", yuan(a, s->overtime[k]),
            hf_arena_printf(a, "hourly rate (base %s / 174 = %s) x %lld min / 60 x %s",
                            yuan(a, in->base), yuan(a, s->hourly_rate),
                            (long long)in->overtime_minutes[k],
                            rate_text(a, pr_overtime_multiple((pr_overtime_kind_t)k))));
        ln->rate_base = yuan(a, s->hourly_rate);
        ln->rate = rate_text(a, pr_overtime_multiple((pr_overtime_kind_t)k));
    }
    if (in->adjust_taxable)
        line(a, &l, "adjustment_taxable", "earning", yuan(a, in->adjust_taxable),
             "adjustments of earlier, locked months (taxable)");
    if (in->adjust_untaxed)
        line(a, &l, "adjustment_untaxed", "earning", yuan(a, in->adjust_untaxed),
             "adjustments of earlier, locked months (not taxable)");
    for (int k = 0; k < PR_SOCIAL_KINDS; k++) {
        const pr_social_item_t *it = &in->policy->item[k];
        if (!it->present)
            continue;
        const pr_social_share_t *sh = &s->social.item[k];
        const char *kn = pr_social_kind_name((pr_social_kind_t)k);
        char *f = hf_arena_printf(a, "wage %s clamped to [%s, %s] = %s", yuan(a, in->wage),
                                  yuan(a, it->floor), yuan(a, it->cap), yuan(a, sh->base));
        Hrflow__V1__PayslipLine *e = line(a, &l, kn, "contribution", yuan(a, sh->employee), f);
        Hrflow__V1__PayslipLine *r = line(a, &l, hf_arena_printf(a, "%s_employer", kn),
                                          "employer", yuan(a, sh->employer), f);
        e->rate_base = r->rate_base = yuan(a, sh->base);
        e->rate = rate_text(a, it->employee_rate);
        r->rate = rate_text(a, it->employer_rate);
    }
    Hrflow__V1__PayslipLine *t = line(
        a, &l, "income_tax", "tax", yuan(a, s->tax.tax),
        in->non_resident
            ? hf_arena_printf(a, "non-resident: (%s - 5000.00) x rate - quick deduction",
                              yuan(a, s->taxable_income))
            : hf_arena_printf(a,
                              "cumulative: (income %s - %d x 5000.00 - deductions) = taxable %s;"
                              " x rate - quick %s = %s; less withheld %s",
                              yuan(a, s->tax.cumulative_income), s->tax.months,
                              yuan(a, s->tax.cumulative_taxable), yuan(a, s->tax.quick),
                              yuan(a, s->tax.cumulative_tax), yuan(a, s->tax.withheld_before)));
    t->rate_base = yuan(a, s->tax.cumulative_taxable);
    t->rate = rate_text(a, s->tax.rate);
    if (s->bonus_tax.bonus) {
        Hrflow__V1__PayslipLine *b = line(
            a, &l, "bonus_tax", "tax", yuan(a, s->bonus_tax.tax),
            hf_arena_printf(a,
                            "annual bonus %s taxed separately: bracket of %s a month; x rate -"
                            " quick %s",
                            yuan(a, s->bonus_tax.bonus), yuan(a, s->bonus_tax.monthly),
                            yuan(a, s->bonus_tax.quick)));
        b->rate_base = yuan(a, s->bonus_tax.bonus);
        b->rate = rate_text(a, s->bonus_tax.rate);
    }
    line(a, &l, "net", "net", yuan(a, s->net), "gross - deductions - social_employee - income_tax");
    x->run_id = (char *)head.run_id;
    x->employee_id = (char *)head.employee_id;
    x->employee_no = (char *)head.employee_no;
    x->company_id = (char *)head.company_id;
    x->month = (char *)head.month;
    x->city = (char *)head.city;
    x->scheme_id = SCHEME_ID;
    x->scheme_version = 3;
    x->lines = l.v;
    x->n_lines = l.n;
    x->gross = yuan(a, s->gross);
    x->deductions = yuan(a, s->deductions);
    x->social_employee = yuan(a, s->social.employee);
    x->social_employer = yuan(a, s->social.employer);
    x->taxable_income = yuan(a, s->taxable_income);
    x->income_tax = yuan(a, s->income_tax);
    x->bonus_tax = yuan(a, s->bonus_tax.tax);
    x->net = yuan(a, s->net);
    x->currency = "CNY";
    y->months = s->ytd.months;
    y->income = yuan(a, s->ytd.income);
    y->special = yuan(a, s->ytd.special);
    y->additional = yuan(a, s->ytd.additional);
    y->other = yuan(a, s->ytd.other);
    y->withheld = yuan(a, s->ytd.withheld);
    x->ytd = y;
    return x;
}

/* ---- the comparison ---- */

typedef struct {
    uint8_t *p;
    size_t n;
} packed_t;

static packed_t pack(hf_arena_t *a, const Hrflow__V1__Payslip *s)
{
    packed_t b = { NULL, hrflow__v1__payslip__get_packed_size(s) };
    b.p = hf_arena_alloc(a, b.n + 1);
    hrflow__v1__payslip__pack(s, b.p);
    return b;
}

/* What a payslip stored whole gives when read: unpacked, explained. */
static packed_t read_old(fixture_t *f, const pr_slip_in_t *in, const pr_slip_t *s)
{
    packed_t stored = pack(f->a, old_payslip(f->a, f->program, in, s));
    ProtobufCAllocator alloc = hf_arena_allocator(f->a);
    Hrflow__V1__Payslip *x = hrflow__v1__payslip__unpack(&alloc, stored.n, stored.p);
    assert_non_null(x);
    pr_payslip_explain(f->a, x, &f->scheme);
    return pack(f->a, x);
}

/* What a payslip stored as figures gives when read. */
static packed_t read_compact(fixture_t *f, const pr_slip_in_t *in, const pr_slip_t *s,
                             size_t *stored)
{
    pr_payslip_rec_t rec, back;
    pr_payslip_rec_of(&f->plan, in, s, &rec);
    assert_int_equal(pr_uuid_parse(SCHEME_ID, rec.scheme_id), 0);
    rec.scheme_version = 3;
    uint8_t buf[PR_PAYSLIP_ENCODED_MAX];
    *stored = pr_payslip_encode(&rec, buf);
    assert_int_equal(pr_payslip_decode(buf, *stored, &back), 0);
    Hrflow__V1__Payslip *x = pr_payslip_render(f->a, &back, &head, &f->scheme);
    assert_non_null(x);
    return pack(f->a, x);
}

static pr_social_policy_t policy(int kinds)
{
    pr_social_policy_t p;
    memset(&p, 0, sizeof(p));
    for (int k = 0; k < kinds; k++)
        p.item[k] = (pr_social_item_t){ 1, 5000 * (k + 1), 10000 * (k + 2), Y(7460) + k,
                                        Y(37302) - k, k == 1 ? 300 : 0, PR_ROUND_FEN };
    p.item[PR_SOCIAL_HOUSING_FUND] = (pr_social_item_t){ 1, 70000, 70000, Y(2690), Y(37302), 0,
                                                         PR_ROUND_YUAN };
    return p;
}

static pr_slip_in_t employee(const pr_social_policy_t *pol, pr_fen_t base)
{
    pr_slip_in_t in;
    memset(&in, 0, sizeof(in));
    pr_inputs_defaults(in.in);
    in.in[pr_ix.base] = base;
    in.in[pr_ix.meal] = Y(600);
    in.in[pr_ix.workdays] = 22 * PR_RATE_ONE;
    in.in[pr_ix.attended] = 20500000;
    in.in[pr_ix.absent] = 1500000;
    in.in[pr_ix.perf_bonus] = Y(2000);
    in.in[pr_ix.rating_coef] = 1200000;
    in.base = base;
    in.wage = base + Y(600);
    in.policy = pol;
    in.additional = Y(2000);
    in.ytd = (pr_tax_ytd_t){ 2, Y(60000), Y(6000), Y(4000), 0, Y(900) };
    return in;
}

static void compare(fixture_t *f, pr_slip_in_t *in)
{
    pr_slip_t s;
    assert_int_equal(pr_slip_compute(&f->plan, in, &s), 0);
    size_t stored = 0;
    packed_t old = read_old(f, in, &s), now = read_compact(f, in, &s, &stored);
    assert_int_equal(old.n, now.n);
    assert_memory_equal(old.p, now.p, old.n);
    assert_true(stored * 5 < old.n);
    hf_arena_reset(f->a);
}

static void a_resident_with_overtime_of_every_kind(void **state)
{
    fixture_t *f = *state;
    pr_social_policy_t pol = policy(PR_SOCIAL_HOUSING_FUND);
    pr_slip_in_t in = employee(&pol, Y(30000));
    in.overtime_minutes[0] = 150, in.overtime_minutes[1] = 480, in.overtime_minutes[2] = 75;
    compare(f, &in);
}

static void a_non_resident_with_adjustments_and_a_few_contributions(void **state)
{
    fixture_t *f = *state;
    pr_social_policy_t pol = policy(2);
    pr_slip_in_t in = employee(&pol, Y(12345));
    in.non_resident = 1;
    in.adjust_taxable = Y(500);
    in.adjust_untaxed = -Y(120);
    compare(f, &in);
}

static void the_bonus_taxed_apart_or_merged(void **state)
{
    fixture_t *f = *state;
    pr_social_policy_t pol = policy(PR_SOCIAL_KINDS - 1);
    pr_slip_in_t in = employee(&pol, Y(8000));
    compare(f, &in);
    in = employee(&pol, Y(8000));
    in.bonus_merged = 1;
    compare(f, &in);
    in = employee(&pol, Y(8000));
    in.non_resident = 1;
    compare(f, &in);
    in = employee(&pol, Y(8000));
    in.in[pr_ix.late] = 11 * PR_RATE_ONE; /* no bonus at all */
    compare(f, &in);
}

/* A wage under the floor and one over the cap: the bounds in the sentence. */
static void wages_under_the_floor_and_over_the_cap(void **state)
{
    fixture_t *f = *state;
    pr_social_policy_t pol = policy(PR_SOCIAL_HOUSING_FUND);
    pr_slip_in_t in = employee(&pol, Y(2000));
    compare(f, &in);
    in = employee(&pol, Y(90000));
    compare(f, &in);
}

/* Without a scheme: the page's payslip, no lines, the same totals. */
static void a_page_payslip_has_no_lines(void **state)
{
    fixture_t *f = *state;
    pr_social_policy_t pol = policy(PR_SOCIAL_HOUSING_FUND);
    pr_slip_in_t in = employee(&pol, Y(30000));
    pr_slip_t s;
    assert_int_equal(pr_slip_compute(&f->plan, &in, &s), 0);
    pr_payslip_rec_t rec;
    pr_payslip_rec_of(&f->plan, &in, &s, &rec);
    Hrflow__V1__Payslip *x = pr_payslip_render(f->a, &rec, &head, NULL);
    assert_non_null(x);
    assert_int_equal(x->n_lines, 0);
    assert_string_equal(x->employee_no, "SH001");
    char net[PR_MONEY_TEXT_MAX];
    pr_money_format(s.net, net);
    assert_string_equal(x->net, net);
    assert_int_equal(x->ytd->months, 3);
    hf_arena_reset(f->a);
}

/* Figures of another shape than the scheme's (a component more, an input
 * fewer) do not read as a payslip of it. */
static void figures_that_do_not_fit_the_scheme_are_refused(void **state)
{
    fixture_t *f = *state;
    pr_social_policy_t pol = policy(PR_SOCIAL_HOUSING_FUND);
    pr_slip_in_t in = employee(&pol, Y(30000));
    pr_slip_t s;
    assert_int_equal(pr_slip_compute(&f->plan, &in, &s), 0);
    pr_payslip_rec_t rec;
    pr_payslip_rec_of(&f->plan, &in, &s, &rec);
    rec.n_comp++;
    assert_null(pr_payslip_render(f->a, &rec, &head, &f->scheme));
    rec.n_comp--, rec.n_inputs--;
    assert_null(pr_payslip_render(f->a, &rec, &head, &f->scheme));
    hf_arena_reset(f->a);
}

static void uuids_round_trip_and_bad_ones_are_refused(void **state)
{
    (void)state;
    uint8_t b[16];
    char back[37];
    assert_int_equal(pr_uuid_parse(SCHEME_ID, b), 0);
    pr_uuid_format(b, back);
    assert_string_equal(back, SCHEME_ID);
    assert_int_equal(pr_uuid_parse("0C6E3D1A-5B7F-4C2E-9A1D-3F8E2B6C4D5E", b), 0);
    pr_uuid_format(b, back);
    assert_string_equal(back, SCHEME_ID);
    assert_int_equal(pr_uuid_parse("0c6e3d1a5b7f-4c2e-9a1d-3f8e2b6c4d5e0", b), -1);
    assert_int_equal(pr_uuid_parse("0c6e3d1a-5b7f-4c2e-9a1d-3f8e2b6c4d5", b), -1);
    assert_int_equal(pr_uuid_parse("0c6e3d1a-5b7f-4c2e-9a1d-3f8e2b6c4d5g", b), -1);
    assert_int_equal(pr_uuid_parse("", b), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_resident_with_overtime_of_every_kind),
        cmocka_unit_test(a_non_resident_with_adjustments_and_a_few_contributions),
        cmocka_unit_test(the_bonus_taxed_apart_or_merged),
        cmocka_unit_test(wages_under_the_floor_and_over_the_cap),
        cmocka_unit_test(a_page_payslip_has_no_lines),
        cmocka_unit_test(figures_that_do_not_fit_the_scheme_are_refused),
        cmocka_unit_test(uuids_round_trip_and_bad_ones_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
