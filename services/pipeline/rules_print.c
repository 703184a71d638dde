/* services/pipeline/rules_print.c - the rule language's canonical print: parsed form to text
 *
 * pl_rules_format() writes what the UI, the dry run and the audit show, and
 * what parses back to the same rules (the fuzz target checks it is a fixed
 * point): one rule a line, parentheses only where binding needs them, numbers
 * without exponent or trailing zeros. The growing string (sb_t) and the
 * printing of literals and actions also serve the evaluator's explanations
 * (rules_eval.c).
 */
#include "rules_private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rl_sb_printf(sb_t *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = true;
            return;
        }
        if (b->s && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        size_t c = b->cap ? b->cap : 64;
        while (c <= b->n + (size_t)k)
            c *= 2;
        char *p = realloc(b->s, c);
        if (!p) {
            b->oom = true;
            return;
        }
        b->s = p;
        b->cap = c;
    }
}

/* The string built, or NULL (and nothing to free) when memory ran out. */
char *rl_sb_take(sb_t *b)
{
    if (b->oom || !b->s) {
        free(b->s);
        return b->oom ? NULL : strdup("");
    }
    return b->s;
}

/* Numbers print without exponent and without trailing zeros, so they parse back. */
void rl_sb_num(sb_t *b, double v)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%.6f", v);
    char *e = buf + strlen(buf);
    while (e[-1] == '0')
        *--e = '\0';
    if (e[-1] == '.')
        e[-1] = '\0';
    rl_sb_printf(b, "%s", strcmp(buf, "-0") == 0 ? "0" : buf);
}

void rl_sb_quoted(sb_t *b, const char *s)
{
    rl_sb_printf(b, "\"");
    for (; *s; s++)
        rl_sb_printf(b, *s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
    rl_sb_printf(b, "\"");
}

/* ---- canonical print ---- */

void rl_print_lit(sb_t *b, const lit_t *l)
{
    if (l->type == PL_T_NUMBER)
        rl_sb_num(b, l->num);
    else if (l->type == PL_T_STRING)
        rl_sb_quoted(b, l->str);
    else
        rl_sb_printf(b, "%s", l->flag ? "true" : "false");
}

void rl_print_list(sb_t *b, const pl_rules_t *r, const node_t *n)
{
    rl_sb_printf(b, "[");
    for (int i = 0; i < n->b; i++) {
        rl_sb_printf(b, "%s", i ? ", " : "");
        rl_print_lit(b, &r->lits[n->a + i]);
    }
    rl_sb_printf(b, "]");
}

/* Binding strength: or 1, and 2, not 3, comparisons 4 (5 forces parentheses). */
static int prec(node_kind_t k)
{
    return k == N_OR ? 1 : k == N_AND ? 2 : k == N_NOT ? 3 : 4;
}

static void print_cond(sb_t *b, const pl_rules_t *r, int i, int outer)
{
    const node_t *n = &r->nodes[i];
    bool paren = prec(n->kind) < outer;
    rl_sb_printf(b, "%s", paren ? "(" : "");
    switch (n->kind) {
    case N_OR:
    case N_AND:
        print_cond(b, r, n->a, prec(n->kind));
        rl_sb_printf(b, "%s", n->kind == N_OR ? " or " : " and ");
        print_cond(b, r, n->b, prec(n->kind));
        break;
    case N_NOT:
        rl_sb_printf(b, "not ");
        /* `not (x == 1)` reads unambiguously; `not x == 1` does not */
        print_cond(b, r, n->a, r->nodes[n->a].kind == N_CMP || r->nodes[n->a].kind == N_IN ? 5 : prec(N_NOT));
        break;
    case N_CMP:
        rl_sb_printf(b, "%s %s ", rl_field_names[n->field], rl_cmp_text[n->op]);
        rl_print_lit(b, &r->lits[n->a]);
        break;
    case N_IN:
        rl_sb_printf(b, "%s in ", rl_field_names[n->field]);
        rl_print_list(b, r, n);
        break;
    case N_TRUTH:
        rl_sb_printf(b, "%s", rl_field_names[n->field]);
        break;
    }
    rl_sb_printf(b, "%s", paren ? ")" : "");
}

void rl_print_action(sb_t *b, const pl_action_t *a)
{
    switch (a->kind) {
    case PL_ACT_ADVANCE:
        rl_sb_printf(b, "advance");
        if (a->stage)
            rl_sb_printf(b, " to %s", a->stage);
        break;
    case PL_ACT_REJECT:
        rl_sb_printf(b, "reject");
        if (a->templ)
            rl_sb_printf(b, " with template %s", a->templ);
        break;
    case PL_ACT_INVITE_AI_INTERVIEW:
        rl_sb_printf(b, "invite_ai_interview");
        break;
    case PL_ACT_SEND_TEMPLATE:
        rl_sb_printf(b, "send_template %s", a->templ);
        break;
    case PL_ACT_FLAG:
        rl_sb_printf(b, "flag ");
        rl_sb_quoted(b, a->text);
        break;
    case PL_ACT_CONFIRM_REJECT:
        rl_sb_printf(b, "flag for human confirmation: reject");
        if (a->templ)
            rl_sb_printf(b, " with template %s", a->templ);
        rl_sb_printf(b, " (%s)", a->text);
        break;
    }
}

/* The rule's action as written (a plain advance keeps stage NULL). */
pl_action_t rl_rule_action(const rule_t *ru)
{
    return (pl_action_t){ ru->act, ru->stage, ru->templ, ru->text };
}

char *pl_rules_format(const pl_rules_t *r)
{
    sb_t b = { 0 };
    for (size_t i = 0; i < r->n_rules; i++) {
        const rule_t *ru = &r->rules[i];
        rl_sb_printf(&b, "when %s", rl_event_names[ru->event]);
        if (ru->event == PL_EV_STAGE_TIMEOUT)
            rl_sb_printf(&b, "(%s, %u%c)", ru->timeout_stage, ru->timeout_amount, ru->timeout_unit);
        if (ru->cond >= 0) {
            rl_sb_printf(&b, " if ");
            print_cond(&b, r, ru->cond, 0);
        }
        rl_sb_printf(&b, " then ");
        pl_action_t a = rl_rule_action(ru);
        rl_print_action(&b, &a);
        rl_sb_printf(&b, "\n");
    }
    return rl_sb_take(&b);
}
