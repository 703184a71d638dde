/* services/pipeline/rules_parse.c - the rule language's parser: tokens to the parsed form
 *
 * Recursive descent over the tokens of rules_lex.c, whose only recursion is
 * `not` and parentheses, bounded by PL_RULES_MAX_DEPTH. It checks everything
 * that can be checked without an application (events, fields, the type of
 * each comparison, actions, stage names against the job's stages) and, for a
 * typo, suggests the nearest known word. The result is flat arrays of rules,
 * nodes and literals (rules_private.h), so freeing a rule set is a loop.
 */
#include "rules_private.h"
#include "hf/encoding.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Words of the language; never read as a field. */
static const char *const keywords[] = {
    "when", "if", "then", "and", "or", "not", "in", "to", "with", "template", "true", "false",
};

/* Grow *arr (elements of size sz) to hold one more; 0 or -1. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, c * sz);
    if (!p)
        return -1;
    *arr = p;
    *cap = c;
    return 0;
}

/* ---- parser helpers ---- */

static bool is_word(const parser_t *p, const char *w)
{
    return p->t.kind == T_IDENT && strlen(w) == p->t.len && memcmp(p->s + p->t.start, w, p->t.len) == 0;
}

/* The current identifier, NUL-terminated (names are at most NAME_MAX_LEN). */
static const char *word(const parser_t *p, char buf[NAME_MAX_LEN + 1])
{
    size_t n = p->t.len < NAME_MAX_LEN ? p->t.len : NAME_MAX_LEN;
    memcpy(buf, p->s + p->t.start, n);
    buf[n] = '\0';
    return buf;
}

/* How the current token reads in "found …". */
static const char *found(const parser_t *p, char buf[48])
{
    if (p->t.kind == T_EOF)
        return "end of input";
    if (p->t.kind == T_STRING)
        return "a string";
    size_t n = p->t.len < 40 ? p->t.len : 40;
    memcpy(buf, p->s + p->t.start, n);
    buf[n] = '\0';
    return buf;
}

static int expected(parser_t *p, const char *what)
{
    char b[48];
    return rl_fail_at(p, p->t.line, p->t.col, "expected %s, found %s", what, found(p, b));
}

/* Move past the current token and require the next to be of kind k. */
static int next_is(parser_t *p, tok_kind_t k, const char *what)
{
    if (rl_next(p) < 0)
        return -1;
    return p->t.kind == k ? 0 : expected(p, what);
}

/* Levenshtein distance, capped: enough to suggest a word for a typo. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[NAME_MAX_LEN + 1];
    if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* " (did you mean X?)" for the nearest of names within 2 edits, or "". */
static const char *suggest(const char *w, const char *const *names, size_t n, char buf[96])
{
    size_t best = 3;
    const char *hit = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t d = distance(w, names[i]);
        if (d < best && d < strlen(w)) {
            best = d;
            hit = names[i];
        }
    }
    if (!hit)
        return "";
    snprintf(buf, 96, " (did you mean %s?)", hit);
    return buf;
}

/* A stage name of the job, or NULL with the error "unknown stage". */
static const char *stage_word(parser_t *p)
{
    char w[NAME_MAX_LEN + 1], hint[96];
    if (p->t.kind != T_IDENT) {
        expected(p, "a stage name");
        return NULL;
    }
    word(p, w);
    int i = pl_stages_index(p->r->st, w);
    if (i < 0) {
        const char *names[PL_STAGES_MAX];
        size_t n = pl_stages_count(p->r->st);
        for (size_t k = 0; k < n; k++)
            names[k] = pl_stages_name(p->r->st, k);
        rl_fail_at(p, p->t.line, p->t.col, "unknown stage %s%s", w, suggest(w, names, n, hint));
        return NULL;
    }
    return pl_stages_name(p->r->st, (size_t)i);
}

/* ---- conditions ---- */

static int new_node(parser_t *p, node_kind_t kind, int a, int b)
{
    pl_rules_t *r = p->r;
    if (grow((void **)&r->nodes, &r->cap_nodes, r->n_nodes, sizeof *r->nodes) < 0)
        return rl_fail_at(p, p->t.line, p->t.col, "out of memory");
    r->nodes[r->n_nodes] = (node_t){ .kind = kind, .a = a, .b = b };
    return (int)r->n_nodes++;
}

/* Parse one literal for field f (the current token) into the literal array. */
static int literal(parser_t *p, pl_field_t f)
{
    pl_rules_t *r = p->r;
    const char *fname = rl_field_names[f];
    pl_type_t type = rl_field_type(f);
    tok_t t = p->t;
    char w[NAME_MAX_LEN + 1];
    lit_t lit = { .type = type };
    if (type == PL_T_NUMBER && t.kind == T_NUMBER) {
        lit.num = t.num;
    } else if (type == PL_T_BOOL && (is_word(p, "true") || is_word(p, "false"))) {
        lit.flag = is_word(p, "true");
    } else if (type == PL_T_STRING && t.kind == T_STRING) {
        if (f == PL_F_STAGE && pl_stages_index(r->st, p->str) < 0) {
            char hint[96];
            const char *names[PL_STAGES_MAX];
            size_t n = pl_stages_count(r->st);
            for (size_t k = 0; k < n; k++)
                names[k] = pl_stages_name(r->st, k);
            return rl_fail_at(p, t.line, t.col + 1, "unknown stage %.64s%s", p->str,
                           suggest(p->str, names, n, hint));
        }
        if (!(lit.str = strdup(p->str)))
            return rl_fail_at(p, t.line, t.col, "out of memory");
    } else if (type == PL_T_NUMBER) {
        return rl_fail_at(p, t.line, t.col, "%s is a number: compare it with a number", fname);
    } else if (type == PL_T_STRING && t.kind == T_IDENT) {
        return rl_fail_at(p, t.line, t.col, "%s is text: put %s in quotes (\"%s\")", fname, word(p, w), w);
    } else if (type == PL_T_STRING) {
        return rl_fail_at(p, t.line, t.col, "%s is text: compare it with a string in quotes", fname);
    } else {
        return rl_fail_at(p, t.line, t.col, "%s is true or false: compare it with true or false", fname);
    }
    if (grow((void **)&r->lits, &r->cap_lits, r->n_lits, sizeof *r->lits) < 0) {
        free(lit.str);
        return rl_fail_at(p, t.line, t.col, "out of memory");
    }
    r->lits[r->n_lits++] = lit;
    return rl_next(p) < 0 ? -1 : (int)r->n_lits - 1;
}

static int in_list(parser_t *p, pl_field_t f, unsigned line, unsigned col)
{
    if (rl_field_type(f) == PL_T_BOOL)
        return rl_fail_at(p, line, col, "%s is true or false: in needs a number or text field", rl_field_names[f]);
    if (next_is(p, T_LBRACK, "[ after in") < 0)
        return -1;
    int first = (int)p->r->n_lits, n = 0;
    do {
        if (rl_next(p) < 0)
            return -1;
        if (++n > IN_LIST_MAX)
            return rl_fail_at(p, p->t.line, p->t.col, "a list holds at most %d values", IN_LIST_MAX);
        if (literal(p, f) < 0)
            return -1;
    } while (p->t.kind == T_COMMA);
    if (p->t.kind != T_RBRACK)
        return expected(p, ", or ] in the list");
    if (rl_next(p) < 0)
        return -1;
    int node = new_node(p, N_IN, first, n);
    if (node >= 0)
        p->r->nodes[node].field = f;
    return node;
}

/* field op literal | field in [..] | bool field */
static int comparison(parser_t *p)
{
    char w[NAME_MAX_LEN + 1], hint[96];
    if (p->t.kind != T_IDENT)
        return expected(p, "a field or (");
    unsigned line = p->t.line, col = p->t.col;
    int f = rl_lookup(word(p, w), rl_field_names, PL_F_N);
    if (f < 0 && rl_lookup(w, keywords, sizeof keywords / sizeof *keywords) >= 0)
        return expected(p, "a field or (");
    if (f < 0)
        return rl_fail_at(p, line, col, "unknown field %s%s", w, suggest(w, rl_field_names, PL_F_N, hint));
    if (rl_next(p) < 0)
        return -1;
    if (is_word(p, "in"))
        return in_list(p, (pl_field_t)f, line, col);
    if (p->t.kind != T_CMP) {
        if (rl_field_type(f) == PL_T_BOOL) {
            int node = new_node(p, N_TRUTH, -1, -1);
            if (node >= 0)
                p->r->nodes[node].field = (pl_field_t)f;
            return node;
        }
        return expected(p, "a comparison (>= > <= < == != or in)");
    }
    cmp_t op = p->t.op;
    if (rl_field_type(f) != PL_T_NUMBER && op != CMP_EQ && op != CMP_NE)
        return rl_fail_at(p, p->t.line, p->t.col, "%s is %s: only == and != compare it", w,
                       rl_field_type(f) == PL_T_STRING ? "text" : "true or false");
    if (rl_next(p) < 0)
        return -1;
    int lit = literal(p, (pl_field_t)f);
    if (lit < 0)
        return -1;
    int node = new_node(p, N_CMP, lit, -1);
    if (node >= 0) {
        p->r->nodes[node].field = (pl_field_t)f;
        p->r->nodes[node].op = op;
    }
    return node;
}

static int or_expr(parser_t *p);

static int deeper(parser_t *p)
{
    if (++p->depth > PL_RULES_MAX_DEPTH)
        return rl_fail_at(p, p->t.line, p->t.col, "condition nested deeper than %d levels", PL_RULES_MAX_DEPTH);
    return 0;
}

/* not unary | ( or_expr ) | comparison */
static int unary(parser_t *p)
{
    if (is_word(p, "not") || p->t.kind == T_LPAREN) {
        bool paren = p->t.kind == T_LPAREN;
        if (deeper(p) < 0 || rl_next(p) < 0)
            return -1;
        int e = paren ? or_expr(p) : unary(p);
        if (e < 0)
            return -1;
        if (paren) {
            if (p->t.kind != T_RPAREN)
                return expected(p, ")");
            if (rl_next(p) < 0)
                return -1;
        }
        p->depth--;
        return paren ? e : new_node(p, N_NOT, e, -1);
    }
    return comparison(p);
}

/* A chain of `sub` joined by `op` (and / or), left-associative. */
static int chain(parser_t *p, const char *op, node_kind_t kind, int (*sub)(parser_t *))
{
    int a = sub(p);
    while (a >= 0 && is_word(p, op)) {
        if (rl_next(p) < 0)
            return -1;
        int b = sub(p);
        if (b < 0)
            return -1;
        a = new_node(p, kind, a, b);
    }
    return a;
}

static int and_expr(parser_t *p)
{
    return chain(p, "and", N_AND, unary);
}

static int or_expr(parser_t *p)
{
    return chain(p, "or", N_OR, and_expr);
}

/* ---- rules ---- */

/* A template name: a word of a-z, 0-9 and _. */
static char *template_word(parser_t *p)
{
    char w[NAME_MAX_LEN + 1];
    if (p->t.kind == T_STRING) {
        rl_fail_at(p, p->t.line, p->t.col, "a template name is a word like thank_you, without quotes");
        return NULL;
    }
    if (p->t.kind != T_IDENT) {
        expected(p, "a template name");
        return NULL;
    }
    word(p, w);
    for (const char *c = w; *c; c++)
        if (*c >= 'A' && *c <= 'Z') {
            rl_fail_at(p, p->t.line, p->t.col, "template name %s: use lowercase a-z, 0-9 and _", w);
            return NULL;
        }
    char *s = strdup(w);
    if (!s)
        rl_fail_at(p, p->t.line, p->t.col, "out of memory");
    else if (rl_next(p) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

static int action(parser_t *p, rule_t *rule)
{
    char w[NAME_MAX_LEN + 1], hint[96];
    if (p->t.kind != T_IDENT)
        return expected(p, "an action");
    unsigned line = p->t.line, col = p->t.col;
    int a = rl_lookup(word(p, w), rl_action_names, N_RULE_ACTIONS);
    if (a < 0)
        return rl_fail_at(p, line, col, "unknown action %s%s", w, suggest(w, rl_action_names, N_RULE_ACTIONS, hint));
    rule->act = (pl_action_kind_t)a;
    if (rl_next(p) < 0)
        return -1;
    switch (rule->act) {
    case PL_ACT_ADVANCE:
        if (!is_word(p, "to"))
            return 0;
        if (rl_next(p) < 0)
            return -1;
        line = p->t.line, col = p->t.col;
        if (!(rule->stage = stage_word(p)))
            return -1;
        if (strcmp(rule->stage, "rejected") == 0 || strcmp(rule->stage, "withdrawn") == 0)
            return rl_fail_at(p, line, col, "cannot advance to %s: use reject, and only a candidate withdraws",
                           rule->stage);
        return rl_next(p);
    case PL_ACT_REJECT:
        if (!is_word(p, "with"))
            return 0;
        if (rl_next(p) < 0)
            return -1;
        if (!is_word(p, "template"))
            return expected(p, "template after reject with");
        if (rl_next(p) < 0)
            return -1;
        return (rule->templ = template_word(p)) ? 0 : -1;
    case PL_ACT_INVITE_AI_INTERVIEW:
        if (pl_stages_index(p->r->st, "ai_interview") < 0)
            return rl_fail_at(p, line, col, "invite_ai_interview needs a stage ai_interview, and this job has none");
        rule->stage = pl_stages_name(p->r->st, (size_t)pl_stages_index(p->r->st, "ai_interview"));
        return 0;
    case PL_ACT_SEND_TEMPLATE:
        return (rule->templ = template_word(p)) ? 0 : -1;
    case PL_ACT_FLAG:
        if (p->t.kind != T_STRING)
            return expected(p, "the flag's text in quotes");
        if (!p->str[0])
            return rl_fail_at(p, p->t.line, p->t.col, "a flag needs a text saying why");
        if (!(rule->text = strdup(p->str)))
            return rl_fail_at(p, line, col, "out of memory");
        return rl_next(p);
    case PL_ACT_CONFIRM_REJECT:
        break;
    }
    return 0;
}

/* stage_timeout ( stage , duration ) */
static int timeout(parser_t *p, rule_t *rule)
{
    if (next_is(p, T_LPAREN, "( after stage_timeout") < 0 || rl_next(p) < 0)
        return -1;
    unsigned line = p->t.line, col = p->t.col;
    if (!(rule->timeout_stage = stage_word(p)))
        return -1;
    if (pl_stages_is_terminal(p->r->st, rule->timeout_stage))
        return rl_fail_at(p, line, col, "%s is a terminal stage: an application never times out there",
                       rule->timeout_stage);
    if (next_is(p, T_COMMA, ", after the stage") < 0
        || next_is(p, T_DURATION, "a duration like 72h, 3d or 90m") < 0)
        return -1;
    rule->timeout_amount = p->t.amount;
    rule->timeout_unit = p->t.unit;
    if (next_is(p, T_RPAREN, ")") < 0)
        return -1;
    return rl_next(p);
}

static int rule(parser_t *p)
{
    pl_rules_t *r = p->r;
    char w[NAME_MAX_LEN + 1], hint[96];
    if (!is_word(p, "when"))
        return expected(p, r->n_rules ? "when to start the next rule (a rule has one action)"
                                      : "when to start a rule");
    if (r->n_rules >= PL_RULES_MAX_RULES)
        return rl_fail_at(p, p->t.line, p->t.col, "more than %d rules", PL_RULES_MAX_RULES);
    if (grow((void **)&r->rules, &r->cap_rules, r->n_rules, sizeof *r->rules) < 0)
        return rl_fail_at(p, p->t.line, p->t.col, "out of memory");
    rule_t *ru = &r->rules[r->n_rules++];
    *ru = (rule_t){ .line = p->t.line, .cond = -1 };
    if (rl_next(p) < 0)
        return -1;
    if (p->t.kind != T_IDENT)
        return expected(p, "an event after when");
    int ev = rl_lookup(word(p, w), rl_event_names, PL_EV_N);
    if (ev < 0)
        return rl_fail_at(p, p->t.line, p->t.col, "unknown event %s%s", w, suggest(w, rl_event_names, PL_EV_N, hint));
    ru->event = (pl_event_kind_t)ev;
    if (ru->event == PL_EV_STAGE_TIMEOUT ? timeout(p, ru) < 0 : rl_next(p) < 0)
        return -1;
    if (is_word(p, "if")) {
        if (rl_next(p) < 0 || (ru->cond = or_expr(p)) < 0)
            return -1;
    }
    if (!is_word(p, "then"))
        return expected(p, ru->cond < 0 ? "if or then" : "then");
    if (rl_next(p) < 0)
        return -1;
    return action(p, ru);
}

pl_rules_t *pl_rules_parse(const char *text, size_t len, const pl_stages_t *st,
                           char *err, size_t errlen)
{
    assert(st && (text || len == 0));
    if (err && errlen)
        err[0] = '\0';
    if (len > PL_RULES_MAX_TEXT) {
        if (err && errlen)
            snprintf(err, errlen, "rules text is %zu bytes: the limit is %d", len, PL_RULES_MAX_TEXT);
        return NULL;
    }
    parser_t p = { .s = text ? text : "", .len = len, .line = 1, .col = 1, .err = err, .errlen = errlen };
    pl_rules_t *r = calloc(1, sizeof *r);
    if (!r || !(r->st = pl_stages_copy(st))) {
        free(r);
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p.r = r;
    size_t bad = hf_utf8_invalid_at(p.s, len);
    if (bad < len) {
        while (p.pos < bad)
            rl_step(&p);
        rl_fail_at(&p, p.line, p.col, "invalid UTF-8");
    }
    if (!p.failed && rl_next(&p) == 0)
        while (p.t.kind != T_EOF && rule(&p) == 0)
            ;
    if (p.failed)
        pl_rules_destroy(&r);
    return r;
}

void pl_rules_destroy(pl_rules_t **r)
{
    if (!r || !*r)
        return;
    pl_rules_t *x = *r;
    for (size_t i = 0; i < x->n_rules; i++) {
        free(x->rules[i].templ);
        free(x->rules[i].text);
    }
    for (size_t i = 0; i < x->n_lits; i++)
        free(x->lits[i].str);
    free(x->rules);
    free(x->nodes);
    free(x->lits);
    pl_stages_destroy(&x->st);
    free(x);
    *r = NULL;
}

size_t pl_rules_count(const pl_rules_t *r)
{
    return r->n_rules;
}
