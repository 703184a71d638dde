/* services/payroll/schemes_handlers.c - the pay scheme RPC methods: inputs, create, list, get, add a version, preview
 *
 * A scheme belongs to one company; payroll (and admin) keys only, and a key
 * bound to companies sees and changes only theirs (another company's
 * scheme is the answer of an id that names nothing). Every save compiles
 * the components first (formula.c): each faulty one is a detail of one
 * INVALID_ARGUMENT (422) at components[i].formula (or .name, .kind) with
 * the error's code and a message naming the component, the column and the
 * name, and nothing is stored. A preview evaluates a saved version or
 * inline components against given input values and explains every line
 * with its formula and the values it used, as a payslip will.
 */
#include "schemes_handlers.h"

#include "formula.h"
#include "schemes_store.h"

#include "hf/service.h"
#include "hf/text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

int pr_open_payroll(hf_call_t *call, hf_store_t *st, const char *action)
{
    if (hf_store_open(call, st) < 0)
        return -1;
    return hf_store_require(st, HF_SCOPE_PAYROLL, action);
}

int pr_company_check(hf_store_t *st, const char *field, const char *company)
{
    if (!company || !*company) {
        hf_call_detail(st->call, field, "required", "the company it belongs to");
        return hf_call_fail(st->call, E(INVALID_ARGUMENT), "%s is required", field);
    }
    int known = hf_store_company_known(st, company);
    if (known != 0)
        return known < 0 ? -1 : 0;
    hf_call_detail(st->call, field, "not_found", "not a company this key acts for");
    return hf_call_fail(st->call, E(INVALID_ARGUMENT), "%s: company %s not found", field, company);
}

int pr_month_parse(const char *s, char out[11])
{
    if (!s || strlen(s) != 7 || s[4] != '-')
        return -1;
    for (int i = 0; i < 7; i++)
        if (i != 4 && !isdigit((unsigned char)s[i]))
            return -1;
    int year = atoi(s), month = atoi(s + 5);
    if (year < 2000 || year > 2999 || month < 1 || month > 12)
        return -1;
    snprintf(out, 11, "%.7s-01", s);
    return 0;
}

/* The month of a request's field, or "" when empty; -1 after failing the call. */
static int month_of(hf_store_t *st, const char *field, const char *s, int required, char out[11])
{
    out[0] = 0;
    if ((!s || !*s) && !required)
        return 0;
    if (pr_month_parse(s, out) == 0)
        return 0;
    hf_call_detail(st->call, field, "invalid", "a month written YYYY-MM, 2000-01 to 2999-12");
    return hf_call_fail(st->call, E(INVALID_ARGUMENT), "%s must be a month (YYYY-MM)", field);
}

/* ---- checking and compiling components ---- */

typedef struct {
    Hrflow__V1__PayComponent **sorted; /* in display order */
    size_t *from;                      /* each one's index in the request */
    size_t n;
    pr_program_t *program;
} checked_t;

/* Insertion sort by display_order, ties in the request's order. */
static void sort_components(checked_t *c)
{
    for (size_t i = 1; i < c->n; i++)
        for (size_t j = i; j > 0 && c->sorted[j]->display_order < c->sorted[j - 1]->display_order;
             j--) {
            Hrflow__V1__PayComponent *t = c->sorted[j];
            size_t f = c->from[j];
            c->sorted[j] = c->sorted[j - 1], c->from[j] = c->from[j - 1];
            c->sorted[j - 1] = t, c->from[j - 1] = f;
        }
}

/* Details for what the compiler found; the number added. */
static int compile_details(hf_store_t *st, const checked_t *c, const pr_ferror_t *errs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char field[64];
        if (errs[i].component < 0)
            snprintf(field, sizeof(field), "components");
        else
            snprintf(field, sizeof(field), "components[%zu].%s", c->from[errs[i].component],
                     errs[i].code == PR_F_NAME ? "name" : "formula");
        hf_call_detail(st->call, field, pr_ferr_code(errs[i].code), errs[i].message);
    }
    return (int)n;
}

/* Check and compile the n components of a request: -1 after failing the
 * call (INVALID_ARGUMENT with every problem, or INTERNAL); else 0 with c
 * filled (the caller destroys c->program) and each component's type set. */
static int check_components(hf_store_t *st, Hrflow__V1__PayComponent **in, size_t n, checked_t *c)
{
    c->n = n;
    c->sorted = hf_store_alloc(st, (n + 1) * sizeof(*c->sorted));
    c->from = hf_store_alloc(st, (n + 1) * sizeof(*c->from));
    pr_component_src_t *src = hf_store_alloc(st, (n + 1) * sizeof(*src));
    if (!c->sorted || !c->from || !src)
        return hf_call_fail(st->call, E(INTERNAL), "out of memory");
    for (size_t i = 0; i < n; i++)
        c->sorted[i] = in[i], c->from[i] = i;
    sort_components(c);
    int bad = 0, annual = 0;
    for (size_t i = 0; i < n; i++) {
        Hrflow__V1__PayComponent *x = c->sorted[i];
        char field[64];
        int kind = pr_kind_of(x->kind);
        snprintf(field, sizeof(field), "components[%zu].annual_bonus", c->from[i]);
        if (x->annual_bonus && kind != PR_KIND_EARNING) {
            hf_call_detail(st->call, field, "invalid", "only an earning is the annual bonus");
            bad = 1;
        } else if (x->annual_bonus && annual++) {
            hf_call_detail(st->call, field, "duplicate",
                           "at most one component is the annual bonus");
            bad = 1;
        }
        snprintf(field, sizeof(field), "components[%zu].label", c->from[i]);
        bad |= hf_call_check_text(st->call, field, x->label, (hf_text_rule_t){ HF_TEXT_LINE, 0, 100 });
        snprintf(field, sizeof(field), "components[%zu].kind", c->from[i]);
        if (kind < 0) {
            hf_call_detail(st->call, field, "invalid", "earning, deduction or info");
            bad = 1;
        } else if (kind == PR_KIND_INFO && x->taxable) {
            hf_call_detail(st->call, field, "invalid", "an info line pays nothing: never taxable");
            bad = 1;
        }
        src[i] = (pr_component_src_t){ x->name, kind < 0 ? PR_KIND_INFO : (pr_kind_t)kind,
                                       x->formula };
    }
    pr_ferror_t errs[32];
    size_t n_errs = 0;
    c->program = pr_program_compile(src, n, errs, 32, &n_errs);
    if (!c->program && n_errs == 1 && errs[0].code == PR_F_NOMEM)
        return hf_call_fail(st->call, E(INTERNAL), "out of memory");
    bad |= compile_details(st, c, errs, n_errs) > 0;
    if (bad) {
        pr_program_destroy(&c->program);
        return hf_call_fail(st->call, E(INVALID_ARGUMENT), "%s",
                            n_errs ? errs[0].message : "the components are invalid");
    }
    for (size_t i = 0; i < n; i++)
        c->sorted[i]->type = (char *)pr_type_name(pr_program_type(c->program, i));
    return 0;
}

/* ---- methods ---- */

PR_HANDLER(payroll_list_pay_inputs)
{
    (void)req;
    hf_store_t st;
    if (pr_open_payroll(call, &st, "see pay inputs") < 0)
        return -1;
    Hrflow__V1__ListPayInputsResponse *o = HF_CALL_NEW(call, Hrflow__V1__ListPayInputsResponse,
                                                       hrflow__v1__list_pay_inputs_response__init);
    if (!o || !(o->inputs = hf_store_alloc(&st, pr_inputs_n * sizeof(*o->inputs))))
        return hf_store_fail(&st, HF_ENOMEM, "inputs", NULL);
    for (size_t k = 0; k < pr_inputs_n; k++) {
        Hrflow__V1__PayInput *x = hf_store_alloc(&st, sizeof(*x));
        char v[PR_VALUE_TEXT_MAX];
        if (!x)
            return hf_store_fail(&st, HF_ENOMEM, "inputs", NULL);
        hrflow__v1__pay_input__init(x);
        x->name = (char *)pr_inputs[k].name;
        x->type = (char *)pr_type_name(pr_inputs[k].type);
        x->group = (char *)pr_inputs[k].group;
        x->description = (char *)pr_inputs[k].description;
        pr_value_format(pr_inputs[k].type, pr_inputs[k].dflt, v);
        x->default_value = hf_store_strdup(&st, v);
        o->inputs[o->n_inputs++] = x;
    }
    *reply = &o->base;
    return 0;
}

/* The scheme id with its version for month/version, or the version's absence as NOT_FOUND. */
static int answer(hf_store_t *st, const char *id, const char *month, int version, int all,
                  ProtobufCMessage **reply)
{
    Hrflow__V1__PayScheme *s = NULL;
    int rc = pr_store_scheme_get(st, id, month, version, all, &s);
    if (rc == HF_ENOTFOUND && s) {
        if (version > 0)
            return hf_call_fail(st->call, E(NOT_FOUND), "version %d of scheme %s not found",
                                version, id);
        return hf_call_fail(st->call, E(NOT_FOUND), "scheme %s has no version effective in %.7s",
                            id, month);
    }
    if (rc != HF_OK)
        return hf_store_fail(st, rc, "scheme", id);
    *reply = &s->base;
    return 0;
}

PR_HANDLER(payroll_create_pay_scheme)
{
    const Hrflow__V1__CreatePaySchemeRequest *r = (const void *)req;
    hf_store_t st;
    char month[11];
    if (pr_open_payroll(call, &st, "change pay schemes") < 0)
        return -1;
    int bad = hf_call_check_text(call, "name", r->name, HF_TEXT_NAME);
    bad |= hf_call_check_text(call, "description", r->description,
                              (hf_text_rule_t){ HF_TEXT_LINES, 0, 2000 });
    bad |= hf_call_check_text(call, "note", r->note, (hf_text_rule_t){ HF_TEXT_LINES, 0, 2000 });
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the scheme is invalid");
    if (month_of(&st, "effective_month", r->effective_month, 1, month) < 0 ||
        pr_company_check(&st, "company_id", r->company_id) < 0)
        return -1;
    checked_t c;
    if (check_components(&st, r->components, r->n_components, &c) < 0)
        return -1;
    pr_program_destroy(&c.program);
    const char *id = NULL;
    int rc = pr_store_scheme_create(&st, r->company_id, r->name, r->description, month, r->note,
                                    c.sorted, c.n, &id);
    if (rc == HF_EEXISTS) {
        hf_call_detail(call, "name", "exists", "the company has a scheme of this name");
        return hf_call_fail(call, E(ALREADY_EXISTS), "the company has a scheme called %s",
                            r->name);
    }
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "scheme", "");
    return answer(&st, id, NULL, 0, 1, reply);
}

PR_HANDLER(payroll_add_pay_scheme_version)
{
    const Hrflow__V1__AddPaySchemeVersionRequest *r = (const void *)req;
    hf_store_t st;
    char month[11];
    if (pr_open_payroll(call, &st, "change pay schemes") < 0)
        return -1;
    if (!hf_uuid_valid(r->id))
        return hf_call_fail(call, E(NOT_FOUND), "scheme %s not found", r->id);
    if (hf_call_check_text(call, "note", r->note, (hf_text_rule_t){ HF_TEXT_LINES, 0, 2000 }))
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the version is invalid");
    if (month_of(&st, "effective_month", r->effective_month, 1, month) < 0)
        return -1;
    checked_t c;
    if (check_components(&st, r->components, r->n_components, &c) < 0)
        return -1;
    pr_program_destroy(&c.program);
    int version = 0;
    int rc = pr_store_scheme_add_version(&st, r->id, month, r->note, c.sorted, c.n, &version);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "scheme", r->id);
    return answer(&st, r->id, NULL, version, 1, reply);
}

PR_HANDLER(payroll_get_pay_scheme)
{
    const Hrflow__V1__GetPaySchemeRequest *r = (const void *)req;
    hf_store_t st;
    char month[11];
    if (pr_open_payroll(call, &st, "see pay schemes") < 0 ||
        month_of(&st, "month", r->month, 0, month) < 0)
        return -1;
    if (!hf_uuid_valid(r->id))
        return hf_call_fail(call, E(NOT_FOUND), "scheme %s not found", r->id);
    return answer(&st, r->id, month, r->version > 0 ? r->version : 0, 1, reply);
}

PR_HANDLER(payroll_list_pay_schemes)
{
    const Hrflow__V1__ListPaySchemesRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (pr_open_payroll(call, &st, "see pay schemes") < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    if (*r->company_id && (!hf_uuid_valid(r->company_id) ||
                           !hf_store_sees_company(&st, r->company_id)))
        return hf_call_fail(call, E(NOT_FOUND), "company %s not found", r->company_id);
    Hrflow__V1__ListPaySchemesResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListPaySchemesResponse, hrflow__v1__list_pay_schemes_response__init);
    if (!o)
        return hf_store_fail(&st, HF_ENOMEM, "schemes", NULL);
    int rc = pr_store_scheme_list(&st, r->company_id, &page, &o->schemes, &o->n_schemes);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "schemes", NULL);
    o->next_page_token = hf_store_strdup(&st, page.next);
    *reply = &o->base;
    return 0;
}

/* ---- preview ---- */

/* The request's input values over the defaults; -1 after failing the call. */
static int preview_inputs(hf_store_t *st, const Hrflow__V1__PreviewPaySchemeRequest *r,
                          int64_t in[PR_INPUTS_MAX])
{
    pr_inputs_defaults(in);
    int bad = 0;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const char *k = r->inputs[i]->key ? r->inputs[i]->key : "";
        int idx = pr_input_index(k, strlen(k));
        char field[96];
        snprintf(field, sizeof(field), "inputs[\"%.80s\"]", k);
        if (idx < 0) {
            hf_call_detail(st->call, field, "unknown_input", "not an input of the catalogue");
            bad = 1;
        } else if (pr_value_parse(pr_inputs[idx].type, r->inputs[i]->value, &in[idx]) < 0) {
            const char *want[] = { "", "an amount in yuan: 30000.00",
                                   "a number, at most six decimals, not negative: 21.75",
                                   "a rate, at most six decimals, not negative: 1.2",
                                   "true or false" };
            hf_call_detail(st->call, field, "invalid", want[pr_inputs[idx].type]);
            bad = 1;
        }
    }
    return bad ? hf_call_fail(st->call, E(INVALID_ARGUMENT), "the inputs are invalid") : 0;
}

static char *value_text(hf_store_t *st, pr_type_t t, int64_t v)
{
    char s[PR_VALUE_TEXT_MAX];
    pr_value_format(t, v, s);
    return hf_store_strdup(st, s);
}

/* Line i of the evaluated program p: its value and the values it used. */
static Hrflow__V1__PayLine *line_of(hf_store_t *st, const pr_program_t *p, size_t i,
                                    const Hrflow__V1__PayComponent *c, const int64_t *in,
                                    const int64_t *out)
{
    Hrflow__V1__PayLine *l = hf_store_alloc(st, sizeof(*l));
    size_t n;
    const pr_ref_t *refs = pr_program_refs(p, i, &n);
    if (!l)
        return NULL;
    hrflow__v1__pay_line__init(l);
    l->inputs = hf_store_alloc(st, (n + 1) * sizeof(*l->inputs));
    l->name = c->name;
    l->label = c->label;
    l->kind = c->kind;
    l->taxable = c->taxable;
    l->type = (char *)pr_type_name(pr_program_type(p, i));
    l->formula = c->formula;
    l->value = value_text(st, pr_program_type(p, i), out[i]);
    for (size_t k = 0; l->inputs && k < n; k++) {
        Hrflow__V1__PayLineInput *x = hf_store_alloc(st, sizeof(*x));
        if (!x)
            return NULL;
        hrflow__v1__pay_line_input__init(x);
        size_t j = (size_t)refs[k].index;
        x->source = refs[k].component ? "component" : "input";
        x->name = refs[k].component ? hf_store_strdup(st, pr_program_name(p, j))
                                    : (char *)pr_inputs[j].name; /* the program goes first */
        x->value = refs[k].component ? value_text(st, pr_program_type(p, j), out[j])
                                     : value_text(st, pr_inputs[j].type, in[j]);
        l->inputs[l->n_inputs++] = x;
    }
    return l->inputs && l->value ? l : NULL;
}

/* Evaluate c's program over in and answer the lines and totals into o. */
static int evaluate(hf_store_t *st, const checked_t *c, const int64_t *in,
                    Hrflow__V1__PaySchemePreview *o)
{
    int64_t *out = hf_store_alloc(st, (c->n + 1) * sizeof(*out));
    pr_eval_error_t err;
    if (!out || !(o->lines = hf_store_alloc(st, (c->n + 1) * sizeof(*o->lines))))
        return hf_store_fail(st, HF_ENOMEM, "scheme", NULL);
    if (pr_program_eval(c->program, in, out, &err) < 0) {
        char field[64], msg[160];
        snprintf(field, sizeof(field), "components[%zu].formula", c->from[err.component]);
        snprintf(msg, sizeof(msg), "component \"%s\": %s for these inputs",
                 pr_program_name(c->program, (size_t)err.component),
                 err.code == PR_F_DIV_ZERO ? "division by zero" : "the value overflows");
        hf_call_detail(st->call, field, pr_ferr_code(err.code), msg);
        return hf_call_fail(st->call, E(INVALID_ARGUMENT), "%s", msg);
    }
    int64_t earn = 0, ded = 0;
    for (size_t i = 0; i < c->n; i++) {
        pr_kind_t k = pr_program_kind(c->program, i);
        if (k == PR_KIND_EARNING)
            earn += out[i];
        else if (k == PR_KIND_DEDUCTION)
            ded += out[i];
        if (!(o->lines[o->n_lines++] = line_of(st, c->program, i, c->sorted[i], in, out)))
            return hf_store_fail(st, HF_ENOMEM, "scheme", NULL);
    }
    o->earnings = value_text(st, PR_T_MONEY, earn);
    o->deductions = value_text(st, PR_T_MONEY, ded);
    o->net = value_text(st, PR_T_MONEY, earn - ded);
    return 0;
}

PR_HANDLER(payroll_preview_pay_scheme)
{
    const Hrflow__V1__PreviewPaySchemeRequest *r = (const void *)req;
    hf_store_t st;
    char month[11];
    int64_t in[PR_INPUTS_MAX];
    if (pr_open_payroll(call, &st, "preview pay schemes") < 0 ||
        month_of(&st, "month", r->month, 0, month) < 0)
        return -1;
    Hrflow__V1__PaySchemePreview *o = HF_CALL_NEW(call, Hrflow__V1__PaySchemePreview,
                                                  hrflow__v1__pay_scheme_preview__init);
    if (!o)
        return hf_store_fail(&st, HF_ENOMEM, "scheme", NULL);
    Hrflow__V1__PayComponent **comps = r->components;
    size_t n = r->n_components;
    if (*r->id) {
        ProtobufCMessage *got = NULL;
        if (!hf_uuid_valid(r->id))
            return hf_call_fail(call, E(NOT_FOUND), "scheme %s not found", r->id);
        if (answer(&st, r->id, month, r->version > 0 ? r->version : 0, 0, &got) < 0)
            return -1;
        const Hrflow__V1__PaySchemeVersion *v = ((Hrflow__V1__PayScheme *)got)->version;
        comps = v->components, n = v->n_components;
        o->source = "saved";
        o->version = v->version;
        o->effective_month = v->effective_month;
    } else
        o->source = "inline";
    checked_t c;
    if (preview_inputs(&st, r, in) < 0 || check_components(&st, comps, n, &c) < 0)
        return -1;
    int rc = evaluate(&st, &c, in, o);
    pr_program_destroy(&c.program);
    if (rc < 0)
        return -1;
    *reply = &o->base;
    return 0;
}
