/* services/pipeline/rules_eval.c - the rule language's evaluator: decisions and why
 *
 * The parsed conditions are walked in Kleene three-valued logic: a field the
 * record lacks is unknown, never 0, and a rule acts only when its condition
 * is true. The explanation is a second walk stating, for each node, the
 * comparisons that decided its value. A decision is then checked against the
 * stage machine (stages.c) and against an earlier rule that already moves the
 * application, so one event moves an application at most once.
 */
#include "rules_private.h"

#include <stdlib.h>
#include <string.h>

static const char *const held_reject = "this job requires a human to confirm rejections (PIPL Art. 24)";

/* ---- evaluation ---- */

typedef enum { TV_FALSE, TV_TRUE, TV_UNKNOWN } tv_t;

static bool compare(cmp_t op, int c)
{
    switch (op) {
    case CMP_LT: return c < 0;
    case CMP_LE: return c <= 0;
    case CMP_GT: return c > 0;
    case CMP_GE: return c >= 0;
    case CMP_EQ: return c == 0;
    case CMP_NE: return c != 0;
    }
    return false;
}

/* -1, 0 or 1: the record's value against a literal of the same type. */
static int order(const pl_value_t *v, const lit_t *l)
{
    switch (l->type) {
    case PL_T_NUMBER: return (v->num > l->num) - (v->num < l->num);
    case PL_T_STRING: return strcmp(v->str ? v->str : "", l->str) != 0;
    case PL_T_BOOL: return v->flag != l->flag;
    }
    return 1;
}

static tv_t eval(const pl_rules_t *r, int i, const pl_record_t *rec)
{
    const node_t *n = &r->nodes[i];
    const pl_value_t *v = &rec->v[n->field];
    switch (n->kind) {
    case N_OR:
    case N_AND: {
        tv_t a = eval(r, n->a, rec), b = eval(r, n->b, rec);
        tv_t dominant = n->kind == N_OR ? TV_TRUE : TV_FALSE;
        if (a == dominant || b == dominant)
            return dominant;
        return a == TV_UNKNOWN || b == TV_UNKNOWN ? TV_UNKNOWN : a;
    }
    case N_NOT: {
        tv_t a = eval(r, n->a, rec);
        return a == TV_UNKNOWN ? a : a == TV_TRUE ? TV_FALSE : TV_TRUE;
    }
    case N_CMP:
        return !v->present ? TV_UNKNOWN : compare(n->op, order(v, &r->lits[n->a])) ? TV_TRUE : TV_FALSE;
    case N_IN:
        if (!v->present)
            return TV_UNKNOWN;
        for (int k = 0; k < n->b; k++)
            if (order(v, &r->lits[n->a + k]) == 0)
                return TV_TRUE;
        return TV_FALSE;
    case N_TRUTH:
        return !v->present ? TV_UNKNOWN : v->flag ? TV_TRUE : TV_FALSE;
    }
    return TV_UNKNOWN;
}

static void print_value(sb_t *b, pl_field_t f, const pl_value_t *v)
{
    lit_t l = { .type = rl_field_type(f), .num = v->num, .str = (char *)(v->str ? v->str : ""), .flag = v->flag };
    rl_print_lit(b, &l);
}

/* Why node i has the value it has: for a comparison, the value and the
 * operator that holds ("ai_score 75 < 80"); for and/or, the children that
 * decided; `not` says what its child says. */
static void explain(sb_t *b, const pl_rules_t *r, int i, const pl_record_t *rec)
{
    const node_t *n = &r->nodes[i];
    const pl_value_t *v = &rec->v[n->field];
    tv_t val = eval(r, i, rec);
    switch (n->kind) {
    case N_OR:
    case N_AND: {
        tv_t a = eval(r, n->a, rec);
        tv_t dominant = n->kind == N_OR ? TV_TRUE : TV_FALSE;
        if (val == dominant || (val == TV_UNKNOWN && n->kind == N_AND)) {
            explain(b, r, a == val ? n->a : n->b, rec);   /* the first child that decided */
        } else {
            explain(b, r, n->a, rec);
            rl_sb_printf(b, " and ");
            explain(b, r, n->b, rec);
        }
        break;
    }
    case N_NOT:
        explain(b, r, n->a, rec);
        break;
    case N_CMP:
    case N_IN:
    case N_TRUTH:
        rl_sb_printf(b, "%s ", rl_field_names[n->field]);
        if (val == TV_UNKNOWN) {
            rl_sb_printf(b, "missing");
            break;
        }
        print_value(b, n->field, v);
        if (n->kind == N_CMP) {
            rl_sb_printf(b, " %s ", rl_cmp_text[val == TV_TRUE ? n->op : rl_cmp_negated[n->op]]);
            rl_print_lit(b, &r->lits[n->a]);
        } else if (n->kind == N_IN) {
            rl_sb_printf(b, "%s", val == TV_TRUE ? " in " : " not in ");
            rl_print_list(b, r, n);
        }
        break;
    }
}

/* Has the application been in the rule's stage long enough? With the why. */
static tv_t timed_out(const rule_t *ru, const pl_event_t *ev, const pl_record_t *rec, sb_t *b)
{
    const pl_value_t *stage = &rec->v[PL_F_STAGE];
    if (!stage->present || !stage->str) {
        rl_sb_printf(b, "stage missing");
        return TV_UNKNOWN;
    }
    if (strcmp(stage->str, ru->timeout_stage) != 0) {
        rl_sb_printf(b, "stage %s, not %s", stage->str, ru->timeout_stage);
        return TV_FALSE;
    }
    unsigned per = ru->timeout_unit == 'm' ? 1 : ru->timeout_unit == 'h' ? 60 : 24 * 60;
    bool over = ev->minutes_in_stage >= ru->timeout_amount * per;
    rl_sb_printf(b, "in %s for ", ru->timeout_stage);
    rl_sb_num(b, (double)ev->minutes_in_stage / per);
    rl_sb_printf(b, "%c %s %u%c", ru->timeout_unit, over ? ">=" : "<", ru->timeout_amount, ru->timeout_unit);
    return over ? TV_TRUE : TV_FALSE;
}

static bool moves(pl_action_kind_t k)
{
    return k != PL_ACT_SEND_TEMPLATE && k != PL_ACT_FLAG;
}

static const char *current_stage(const pl_record_t *rec)
{
    const pl_value_t *sv = &rec->v[PL_F_STAGE];
    return sv->present ? sv->str : NULL;
}

/* Check the action's move for this application; false (with the reason in
 * b) when it cannot apply. */
static bool applicable(const pl_rules_t *r, pl_action_t *a, const pl_record_t *rec, sb_t *b)
{
    if (!moves(a->kind))
        return true;
    const char *cur = current_stage(rec);
    if (!cur) {
        rl_sb_printf(b, ", not applied: stage missing");
        return false;
    }
    const char *to = a->kind == PL_ACT_REJECT || a->kind == PL_ACT_CONFIRM_REJECT ? "rejected"
                   : a->stage ? a->stage : cur;
    char why[200];
    if (pl_stages_can_move(r->st, cur, to, why, sizeof why) != PL_MOVE_OK) {
        rl_sb_printf(b, ", not applied: %s", why);
        return false;
    }
    return true;
}

static int decide(const pl_rules_t *r, size_t i, const pl_event_t *ev, const pl_record_t *rec,
                  const pl_eval_opts_t *opts, unsigned *mover_line, pl_decision_t *d)
{
    const rule_t *ru = &r->rules[i];
    sb_t b = { 0 };
    tv_t val = TV_TRUE;
    *d = (pl_decision_t){ .rule = i, .line = ru->line, .verdict = PL_NO_MATCH };
    if (ru->event == PL_EV_STAGE_TIMEOUT)
        val = timed_out(ru, ev, rec, &b);
    if (val == TV_TRUE && ru->cond >= 0) {
        rl_sb_printf(&b, "%s", b.n ? " and " : "");
        explain(&b, r, ru->cond, rec);
        val = eval(r, ru->cond, rec);
    }
    if (val == TV_TRUE) {
        d->action = rl_rule_action(ru);
        if (ru->act == PL_ACT_REJECT && opts && opts->require_human_for_reject) {
            d->action.kind = PL_ACT_CONFIRM_REJECT;
            d->action.text = held_reject;
        }
        if (d->action.kind == PL_ACT_ADVANCE && !d->action.stage && current_stage(rec))
            d->action.stage = pl_stages_next(r->st, current_stage(rec));   /* plain advance: the next stage */
        rl_sb_printf(&b, "%s", b.n ? " → " : "no condition → ");
        rl_print_action(&b, &d->action);
        d->verdict = PL_ACT;
        if (!applicable(r, &d->action, rec, &b)) {
            d->verdict = PL_BLOCKED;
        } else if (moves(d->action.kind) && *mover_line) {
            rl_sb_printf(&b, ", not applied: the rule on line %u already moves this application", *mover_line);
            d->verdict = PL_BLOCKED;
        } else if (moves(d->action.kind)) {
            *mover_line = ru->line;
        }
    }
    return (d->why = rl_sb_take(&b)) ? 0 : -1;
}

int pl_rules_eval(const pl_rules_t *r, const pl_event_t *ev, const pl_record_t *rec,
                  const pl_eval_opts_t *opts, pl_eval_t *out)
{
    *out = (pl_eval_t){ 0 };
    size_t n = 0;
    for (size_t i = 0; i < r->n_rules; i++)
        n += r->rules[i].event == ev->kind;
    if (n == 0)
        return 0;
    if (!(out->d = calloc(n, sizeof *out->d)))
        return -1;
    unsigned mover_line = 0;
    for (size_t i = 0; i < r->n_rules; i++) {
        if (r->rules[i].event != ev->kind || (ev->only_line && r->rules[i].line != ev->only_line))
            continue;
        if (decide(r, i, ev, rec, opts, &mover_line, &out->d[out->n++]) < 0) {
            pl_eval_clear(out);
            return -1;
        }
    }
    return 0;
}

size_t pl_rules_timeouts(const pl_rules_t *r, pl_timeout_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_rules; i++) {
        const rule_t *ru = &r->rules[i];
        if (ru->event != PL_EV_STAGE_TIMEOUT)
            continue;
        unsigned per = ru->timeout_unit == 'm' ? 1 : ru->timeout_unit == 'h' ? 60 : 24 * 60;
        if (n < max)
            out[n] = (pl_timeout_t){ ru->line, ru->timeout_stage, ru->timeout_amount * per };
        n++;
    }
    return n;
}

void pl_eval_clear(pl_eval_t *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->d[i].why);
    free(e->d);
    *e = (pl_eval_t){ 0 };
}
