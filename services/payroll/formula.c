/* services/payroll/formula.c - the compiler of pay schemes' formulas: parse, resolve, order, type, emit
 *
 * Five passes over a scheme, each refusing with the component, the column
 * and the name at fault (formula.h): the components' own names; each
 * formula parsed by recursive descent into a node array (names resolved to
 * inputs or components as they are read); the components ordered by
 * depth-first search, a cycle named in full; types checked in that order
 * (a bare number literal next to money means yuan), constant sub-formulas
 * folded with the evaluator's exact arithmetic, so a literal division by
 * zero or an overflow is found when saving; and byte code emitted for
 * formula_eval.c. Nothing here runs per employee.
 */
#include "formula_private.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX 48 /* nesting of a formula */
#define ARGS_MAX 32  /* arguments of min() and max() */

typedef enum {
    N_NUM = 1, /* a constant (a literal, or folded): v */
    N_BOOL,    /* true, false: v */
    N_IN,      /* input ref */
    N_COMP,    /* component ref */
    N_BIN,     /* op (OP_ADD … OP_NE) a b */
    N_NEG, N_NOT, N_ABS,
    N_AND, N_OR,
    N_IF,      /* a = cond, b = then, c = else */
    N_MINMAX,  /* op OP_MIN/OP_MAX, args from a through next */
    N_ROUND,   /* a, mode in op, digits in ref (has_digits in c) */
} nkind_t;

typedef struct {
    uint8_t kind;
    uint8_t op;
    uint8_t type;   /* pr_type_t after the type pass */
    uint8_t lit;    /* a bare number literal: becomes yuan next to money */
    uint32_t pos;   /* byte offset in the formula */
    int a, b, c;    /* children (-1 none) */
    int next;       /* next argument of a call */
    int ref;
    pr_q_t v;
} node_t;

typedef struct {
    const pr_component_src_t *src;
    size_t n;
    node_t *nodes;
    size_t n_nodes, cap_nodes;
    int *root;        /* per component, -1 when it did not parse */
    int *failed;      /* per component: has an error (reported or inherited) */
    pr_ref_t **refs;  /* per component */
    uint32_t **ref_pos;
    size_t *n_refs;
    uint32_t *order;
    size_t n_order;
    pr_ferror_t *errs;
    size_t max_errs, n_errs;
    int nomem;
} cc_t;

static const char *const err_codes[] = {
    [PR_F_OK] = "ok", [PR_F_SYNTAX] = "syntax", [PR_F_UNKNOWN_NAME] = "unknown_name",
    [PR_F_NAME] = "invalid_name", [PR_F_CYCLE] = "cycle",
    [PR_F_DIV_ZERO] = "division_by_zero", [PR_F_TYPE] = "type", [PR_F_OVERFLOW] = "overflow",
    [PR_F_LIMIT] = "too_large", [PR_F_NOMEM] = "nomem",
};

const char *pr_ferr_code(pr_ferr_t e)
{
    return (size_t)e < sizeof(err_codes) / sizeof(err_codes[0]) ? err_codes[e] : "unknown";
}

static const char *const kind_names[] = { "earning", "deduction", "info" };

const char *pr_kind_name(pr_kind_t k)
{
    return (size_t)k < 3 ? kind_names[k] : "unknown";
}

int pr_kind_of(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (s && !strcmp(s, kind_names[i]))
            return i;
    return -1;
}

/* Record an error of component comp (-1: the scheme) at byte offset pos
 * (UINT32_MAX: none), naming name (may be NULL), once per component. */
static void fail(cc_t *cc, pr_ferr_t code, int comp, uint32_t pos, const char *name,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void fail(cc_t *cc, pr_ferr_t code, int comp, uint32_t pos, const char *name,
                 const char *fmt, ...)
{
    if (comp >= 0) {
        if (cc->failed[comp])
            return;
        cc->failed[comp] = 1;
    }
    if (cc->n_errs >= cc->max_errs) {
        cc->n_errs++;
        return;
    }
    pr_ferror_t *e = &cc->errs[cc->n_errs++];
    memset(e, 0, sizeof(*e));
    e->code = code;
    e->component = comp;
    e->column = pos == UINT32_MAX ? 0 : pos + 1;
    snprintf(e->name, sizeof(e->name), "%s", name ? name : "");
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    int at = 0;
    if (comp >= 0)
        at = snprintf(e->message, sizeof(e->message), "component \"%.*s\", ", PR_NAME_MAX,
                      cc->src[comp].name ? cc->src[comp].name : "");
    if (e->column)
        at += snprintf(e->message + at, sizeof(e->message) - (size_t)at, "column %u: ",
                       e->column);
    snprintf(e->message + at, sizeof(e->message) - (size_t)at, "%s", what);
}

/* ---- pass 1: the components' names ---- */

static const char *const reserved[] = { "and", "or", "not", "true", "false", "if", "min",
                                        "max", "round", "floor", "ceil", "abs", "yuan" };

static int is_reserved(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strlen(reserved[i]) == len && !memcmp(reserved[i], s, len))
            return 1;
    return 0;
}

static int name_ok(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0 || len > PR_NAME_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

static int comp_index(const cc_t *cc, const char *s, size_t len)
{
    for (size_t i = 0; i < cc->n; i++)
        if (cc->src[i].name && strlen(cc->src[i].name) == len &&
            !memcmp(cc->src[i].name, s, len))
            return (int)i;
    return -1;
}

static void check_names(cc_t *cc)
{
    for (size_t i = 0; i < cc->n; i++) {
        const char *s = cc->src[i].name;
        size_t len = s ? strlen(s) : 0;
        if (!name_ok(s))
            fail(cc, PR_F_NAME, (int)i, UINT32_MAX, s,
                 "a name is a lowercase letter, then lowercase letters, digits or _ "
                 "(at most %d)", PR_NAME_MAX);
        else if (is_reserved(s, len))
            fail(cc, PR_F_NAME, (int)i, UINT32_MAX, s, "\"%s\" is a word of the language", s);
        else if (pr_input_index(s, len) >= 0)
            fail(cc, PR_F_NAME, (int)i, UINT32_MAX, s, "\"%s\" is an input of the catalogue", s);
        else if (comp_index(cc, s, len) != (int)i)
            fail(cc, PR_F_NAME, (int)i, UINT32_MAX, s, "another component is called \"%s\"", s);
        else if ((unsigned)cc->src[i].kind > PR_KIND_INFO)
            fail(cc, PR_F_NAME, (int)i, UINT32_MAX, s, "the kind is not earning, deduction or info");
    }
}

/* ---- pass 2: parsing ---- */

typedef struct {
    cc_t *cc;
    int comp;
    const char *s;
    size_t len, i;
    int depth;
    int bad;
} ps_t;

static int new_node(ps_t *p, nkind_t kind, uint32_t pos)
{
    cc_t *cc = p->cc;
    if (cc->n_nodes == cc->cap_nodes) {
        size_t cap = cc->cap_nodes ? 2 * cc->cap_nodes : 256;
        node_t *n = realloc(cc->nodes, cap * sizeof(*n));
        if (!n) {
            cc->nomem = p->bad = 1;
            return -1;
        }
        cc->nodes = n, cc->cap_nodes = cap;
    }
    node_t *n = &cc->nodes[cc->n_nodes];
    memset(n, 0, sizeof(*n));
    n->kind = (uint8_t)kind, n->pos = pos;
    n->a = n->b = n->c = n->next = -1;
    return (int)cc->n_nodes++;
}

#define NODE(p, k) (&(p)->cc->nodes[k])

static void skip(ps_t *p)
{
    while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                             p->s[p->i] == '\r'))
        p->i++;
}

static int perr(ps_t *p, pr_ferr_t code, size_t pos, const char *name, const char *what)
{
    if (!p->bad)
        fail(p->cc, code, p->comp, (uint32_t)pos, name, "%s", what);
    p->bad = 1;
    return -1;
}

/* The next byte after spaces, or 0 at the end. */
static char peek(ps_t *p)
{
    skip(p);
    return p->i < p->len ? p->s[p->i] : 0;
}

/* Consume the operator op (one or two bytes) when next. */
static int accept(ps_t *p, const char *op)
{
    size_t k = strlen(op);
    skip(p);
    if (p->i + k > p->len || memcmp(p->s + p->i, op, k) != 0)
        return 0;
    /* "<" is not "<=", "!" not "!=", "=" alone is nothing */
    if (k == 1 && p->i + 1 < p->len && p->s[p->i + 1] == '=' && strchr("<>!", op[0]))
        return 0;
    p->i += k;
    return 1;
}

static int word_len(ps_t *p)
{
    size_t j = p->i;
    while (j < p->len && (isalnum((unsigned char)p->s[j]) || p->s[j] == '_'))
        j++;
    return (int)(j - p->i);
}

/* Consume the keyword kw when it is the next word. */
static int accept_word(ps_t *p, const char *kw)
{
    skip(p);
    int k = word_len(p);
    if ((size_t)k != strlen(kw) || memcmp(p->s + p->i, kw, (size_t)k) != 0)
        return 0;
    p->i += (size_t)k;
    return 1;
}

static int expr(ps_t *p);

static int number(ps_t *p)
{
    size_t start = p->i, digits = 0, decimals = 0;
    __int128 n = 0, d = 1;
    int overflow = 0;
    while (p->i < p->len && isdigit((unsigned char)p->s[p->i])) {
        if (++digits > 15)
            overflow = 1;
        else
            n = n * 10 + (p->s[p->i] - '0');
        p->i++;
    }
    if (p->i < p->len && p->s[p->i] == '.') {
        p->i++;
        while (p->i < p->len && isdigit((unsigned char)p->s[p->i])) {
            n = n * 10 + (p->s[p->i++] - '0');
            d *= 10;
            if (++decimals > 6)
                return perr(p, PR_F_SYNTAX, start, NULL, "a number has at most six decimals");
        }
        if (!decimals)
            return perr(p, PR_F_SYNTAX, start, NULL, "a decimal point needs digits after it");
    }
    if (p->i < p->len && (isalpha((unsigned char)p->s[p->i]) || p->s[p->i] == '_'))
        return perr(p, PR_F_SYNTAX, p->i, NULL, "a number runs into a name");
    if (overflow)
        return perr(p, PR_F_OVERFLOW, start, NULL, "a number beyond 15 digits");
    int k = new_node(p, N_NUM, (uint32_t)start);
    if (k < 0)
        return -1;
    NODE(p, k)->v = (pr_q_t){ n, d };
    pr_q_t one = { 1, 1 };
    pr_q_mul(&NODE(p, k)->v, NODE(p, k)->v, one); /* lowest terms: 21.75 is 87/4 */
    NODE(p, k)->lit = 1;
    if (accept_word(p, "yuan")) { /* 50 yuan: an amount wherever it stands */
        pr_q_t hundred = { 100, 1 };
        pr_q_mul(&NODE(p, k)->v, NODE(p, k)->v, hundred);
        NODE(p, k)->type = PR_T_MONEY, NODE(p, k)->lit = 0;
    }
    return k;
}

static void add_ref(ps_t *p, int component, int index, uint32_t pos)
{
    cc_t *cc = p->cc;
    size_t n = cc->n_refs[p->comp];
    for (size_t i = 0; i < n; i++)
        if (cc->refs[p->comp][i].component == component && cc->refs[p->comp][i].index == index)
            return;
    pr_ref_t *r = realloc(cc->refs[p->comp], (n + 1) * sizeof(*r));
    uint32_t *rp = r ? realloc(cc->ref_pos[p->comp], (n + 1) * sizeof(*rp)) : NULL;
    if (r)
        cc->refs[p->comp] = r;
    if (!r || !rp) {
        cc->nomem = p->bad = 1;
        return;
    }
    cc->ref_pos[p->comp] = rp;
    r[n] = (pr_ref_t){ component, index };
    rp[n] = pos;
    cc->n_refs[p->comp] = n + 1;
}

/* name "(" args ")": if, min, max, round, floor, ceil, abs. */
static int call(ps_t *p, const char *name, size_t len, uint32_t pos)
{
    int args[ARGS_MAX], n = 0;
    if (!accept(p, ")"))
        do {
            if (n == ARGS_MAX)
                return perr(p, PR_F_LIMIT, pos, NULL, "more than 32 arguments");
            if ((args[n++] = expr(p)) < 0)
                return -1;
        } while (accept(p, ","));
    if (n && !accept(p, ")"))
        return perr(p, PR_F_SYNTAX, p->i, NULL, "expected \",\" or \")\"");
    char fn[8];
    snprintf(fn, sizeof(fn), "%.*s", (int)len, name);
    int k;
    if (!strcmp(fn, "if")) {
        if (n != 3)
            return perr(p, PR_F_SYNTAX, pos, "if", "if takes three arguments: if(condition, then, else)");
        if ((k = new_node(p, N_IF, pos)) < 0)
            return -1;
        NODE(p, k)->a = args[0], NODE(p, k)->b = args[1], NODE(p, k)->c = args[2];
    } else if (!strcmp(fn, "min") || !strcmp(fn, "max")) {
        if (n < 2)
            return perr(p, PR_F_SYNTAX, pos, fn, "min and max take two arguments or more");
        if ((k = new_node(p, N_MINMAX, pos)) < 0)
            return -1;
        NODE(p, k)->op = fn[1] == 'i' ? OP_MIN : OP_MAX;
        NODE(p, k)->a = args[0];
        for (int i = 0; i + 1 < n; i++)
            NODE(p, args[i])->next = args[i + 1];
    } else if (!strcmp(fn, "abs")) {
        if (n != 1)
            return perr(p, PR_F_SYNTAX, pos, fn, "abs takes one argument");
        if ((k = new_node(p, N_ABS, pos)) < 0)
            return -1;
        NODE(p, k)->a = args[0];
    } else {
        if (n < 1 || n > 2)
            return perr(p, PR_F_SYNTAX, pos, fn, "round, floor and ceil take a value and, optionally, decimals");
        if ((k = new_node(p, N_ROUND, pos)) < 0)
            return -1;
        NODE(p, k)->op = fn[0] == 'r' ? PR_ROUND_HALF_AWAY : fn[0] == 'f' ? PR_ROUND_FLOOR
                                                                          : PR_ROUND_CEIL;
        NODE(p, k)->a = args[0];
        NODE(p, k)->c = n == 2 ? args[1] : -1;
    }
    return k;
}

static int name(ps_t *p)
{
    size_t start = p->i, len = (size_t)word_len(p);
    const char *w = p->s + start;
    p->i += len;
    if (len > PR_NAME_MAX)
        return perr(p, PR_F_UNKNOWN_NAME, start, NULL, "a name longer than 48 bytes");
    char nm[PR_NAME_MAX + 1];
    snprintf(nm, sizeof(nm), "%.*s", (int)len, w);
    int k;
    if (!strcmp(nm, "true") || !strcmp(nm, "false")) {
        if ((k = new_node(p, N_BOOL, (uint32_t)start)) >= 0)
            NODE(p, k)->v = (pr_q_t){ nm[0] == 't', 1 };
        return k;
    }
    if (peek(p) == '(') {
        p->i++;
        static const char *const fns[] = { "if", "min", "max", "round", "floor", "ceil", "abs", "yuan" };
        for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
            if (!strcmp(nm, fns[i]))
                return call(p, w, len, (uint32_t)start);
        char m[96];
        snprintf(m, sizeof(m), "unknown function \"%s\"", nm);
        return perr(p, PR_F_UNKNOWN_NAME, start, nm, m);
    }
    if (is_reserved(w, len)) {
        char m[96];
        snprintf(m, sizeof(m), "\"%s\" is a word of the language, not a value", nm);
        return perr(p, PR_F_SYNTAX, start, nm, m);
    }
    int in = pr_input_index(w, len), comp = in < 0 ? comp_index(p->cc, w, len) : -1;
    if (in < 0 && comp < 0) {
        char m[96];
        snprintf(m, sizeof(m), "unknown name \"%s\"", nm);
        return perr(p, PR_F_UNKNOWN_NAME, start, nm, m);
    }
    if ((k = new_node(p, in >= 0 ? N_IN : N_COMP, (uint32_t)start)) < 0)
        return -1;
    NODE(p, k)->ref = in >= 0 ? in : comp;
    add_ref(p, in < 0, NODE(p, k)->ref, (uint32_t)start);
    return p->bad ? -1 : k;
}

static int primary(ps_t *p)
{
    char c = peek(p);
    size_t at = p->i;
    if (isdigit((unsigned char)c) || c == '.')
        return c == '.' ? perr(p, PR_F_SYNTAX, at, NULL, "a number starts with a digit")
                        : number(p);
    if (isalpha((unsigned char)c) || c == '_')
        return name(p);
    if (c == '(') {
        p->i++;
        int k = expr(p);
        if (k >= 0 && !accept(p, ")"))
            return perr(p, PR_F_SYNTAX, p->i, NULL, "expected \")\"");
        return k;
    }
    if (!c)
        return perr(p, PR_F_SYNTAX, at, NULL, "the formula ends where a value is expected");
    return perr(p, PR_F_SYNTAX, at, NULL, "expected a value");
}

static int unary(ps_t *p)
{
    size_t at = (skip(p), p->i);
    if (++p->depth > DEPTH_MAX)
        return perr(p, PR_F_LIMIT, at, NULL, "nested too deep");
    int k;
    if (accept(p, "-")) {
        int a = unary(p);
        if (a < 0)
            return -1;
        if (NODE(p, a)->kind == N_NUM && NODE(p, a)->lit) { /* -5 is a literal */
            NODE(p, a)->v.n = -NODE(p, a)->v.n;
            NODE(p, a)->pos = (uint32_t)at;
            k = a;
        } else if ((k = new_node(p, N_NEG, (uint32_t)at)) >= 0)
            NODE(p, k)->a = a;
    } else if (accept(p, "+"))
        k = unary(p);
    else
        k = primary(p);
    p->depth--;
    return k;
}

static int binary_node(ps_t *p, int op, uint32_t pos, int a, int b)
{
    if (a < 0 || b < 0)
        return -1;
    int k = new_node(p, op == OP_JFK ? N_AND : op == OP_JTK ? N_OR : N_BIN, pos);
    if (k >= 0)
        NODE(p, k)->op = (uint8_t)op, NODE(p, k)->a = a, NODE(p, k)->b = b;
    return k;
}

static int term(ps_t *p)
{
    int a = unary(p);
    for (;;) {
        size_t at = (skip(p), p->i);
        int op = accept(p, "*") ? OP_MUL : accept(p, "/") ? OP_DIV : 0;
        if (!op || a < 0)
            return a;
        a = binary_node(p, op, (uint32_t)at, a, unary(p));
    }
}

static int sum(ps_t *p)
{
    int a = term(p);
    for (;;) {
        size_t at = (skip(p), p->i);
        int op = accept(p, "+") ? OP_ADD : accept(p, "-") ? OP_SUB : 0;
        if (!op || a < 0)
            return a;
        a = binary_node(p, op, (uint32_t)at, a, term(p));
    }
}

static int cmp_op(ps_t *p)
{
    return accept(p, "<=") ? OP_LE : accept(p, ">=") ? OP_GE : accept(p, "==") ? OP_EQ
         : accept(p, "!=") ? OP_NE : accept(p, "<") ? OP_LT : accept(p, ">") ? OP_GT : 0;
}

static int comparison(ps_t *p)
{
    int a = sum(p);
    size_t at = (skip(p), p->i);
    int op = a >= 0 ? cmp_op(p) : 0;
    if (!op)
        return a;
    a = binary_node(p, op, (uint32_t)at, a, sum(p));
    at = (skip(p), p->i);
    if (a >= 0 && cmp_op(p))
        return perr(p, PR_F_SYNTAX, at, NULL, "comparisons do not chain: use and");
    return a;
}

static int negation(ps_t *p)
{
    size_t at = (skip(p), p->i);
    if (!accept_word(p, "not") && !accept(p, "!"))
        return comparison(p);
    if (++p->depth > DEPTH_MAX)
        return perr(p, PR_F_LIMIT, at, NULL, "nested too deep");
    int a = negation(p), k = a < 0 ? -1 : new_node(p, N_NOT, (uint32_t)at);
    p->depth--;
    if (k >= 0)
        NODE(p, k)->a = a;
    return k;
}

static int conjunction(ps_t *p)
{
    int a = negation(p);
    for (;;) {
        size_t at = (skip(p), p->i);
        if (a < 0 || !(accept_word(p, "and") || accept(p, "&&")))
            return a;
        a = binary_node(p, OP_JFK, (uint32_t)at, a, negation(p));
    }
}

static int expr(ps_t *p)
{
    if (++p->depth > DEPTH_MAX)
        return perr(p, PR_F_LIMIT, p->i, NULL, "nested too deep");
    int a = conjunction(p);
    for (;;) {
        size_t at = (skip(p), p->i);
        if (a < 0 || !(accept_word(p, "or") || accept(p, "||"))) {
            p->depth--;
            return a;
        }
        a = binary_node(p, OP_JTK, (uint32_t)at, a, conjunction(p));
    }
}

static void parse_all(cc_t *cc)
{
    for (size_t i = 0; i < cc->n && !cc->nomem; i++) {
        const char *f = cc->src[i].formula ? cc->src[i].formula : "";
        ps_t p = { cc, (int)i, f, strlen(f), 0, 0, 0 };
        cc->root[i] = -1;
        if (p.len > PR_FORMULA_MAX) {
            perr(&p, PR_F_LIMIT, 0, NULL, "a formula of more than 2000 bytes");
            continue;
        }
        if (peek(&p) == 0) {
            perr(&p, PR_F_SYNTAX, 0, NULL, "the formula is empty");
            continue;
        }
        int k = expr(&p);
        if (k >= 0 && peek(&p) != 0)
            k = perr(&p, PR_F_SYNTAX, p.i, NULL, "expected an operator or the end");
        cc->root[i] = k;
        if (k < 0)
            cc->failed[i] = 1;
    }
}

/* ---- pass 3: order, and cycles named in full ---- */

static void visit(cc_t *cc, int i, uint8_t *color, int *stack, int depth)
{
    color[i] = 1;
    stack[depth] = i;
    for (size_t r = 0; r < cc->n_refs[i]; r++) {
        if (!cc->refs[i][r].component)
            continue;
        int j = cc->refs[i][r].index;
        if (color[j] == 1) { /* j … i → j: a cycle */
            char path[256] = "";
            size_t at = 0;
            int from = depth;
            while (stack[from] != j)
                from--;
            for (int s = from; s <= depth; s++)
                at += (size_t)snprintf(path + at, at < sizeof(path) ? sizeof(path) - at : 0,
                                       "%s -> ", cc->src[stack[s]].name);
            if (at < sizeof(path))
                snprintf(path + at, sizeof(path) - at, "%s", cc->src[j].name);
            /* reported at j, on its reference to the next member */
            int next = from < depth ? stack[from + 1] : j;
            uint32_t pos = 0;
            for (size_t q = 0; q < cc->n_refs[j]; q++)
                if (cc->refs[j][q].component && cc->refs[j][q].index == next)
                    pos = cc->ref_pos[j][q];
            fail(cc, PR_F_CYCLE, j, pos, cc->src[next].name, "cycle %s", path);
            for (int s = from; s <= depth; s++)
                cc->failed[stack[s]] = 1;
        } else if (color[j] == 0)
            visit(cc, j, color, stack, depth + 1);
        if (cc->failed[j])
            cc->failed[i] = 1; /* inherits, unreported: the scheme fails anyway */
    }
    color[i] = 2;
    cc->order[cc->n_order++] = (uint32_t)i;
}

static void order(cc_t *cc)
{
    uint8_t *color = calloc(cc->n, 1);
    int *stack = calloc(cc->n, sizeof(int));
    if (!color || !stack)
        cc->nomem = 1;
    for (size_t i = 0; i < cc->n && !cc->nomem; i++)
        if (!color[i])
            visit(cc, (int)i, color, stack, 0);
    free(color);
    free(stack);
}

/* ---- pass 4: types and constants ---- */

typedef struct {
    cc_t *cc;
    int comp;
    pr_type_t *types; /* of the components, as known */
} tc_t;

static int is_scalar(int t)
{
    return t == PR_T_NUMBER || t == PR_T_RATE;
}

static int terr(tc_t *t, const node_t *n, pr_ferr_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int terr(tc_t *t, const node_t *n, pr_ferr_t code, const char *fmt, ...)
{
    char m[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    const char *nm = n->kind == N_IN ? pr_inputs[n->ref].name
                   : n->kind == N_COMP ? t->cc->src[n->ref].name : NULL;
    fail(t->cc, code, t->comp, n->pos, nm, "%s", m);
    return 0;
}

/* A bare literal next to money is yuan: 100 → 10000 fen. */
static void to_money(node_t *n)
{
    if (n->type == PR_T_NUMBER && n->lit) {
        pr_q_t hundred = { 100, 1 };
        pr_q_mul(&n->v, n->v, hundred); /* ≤ 10^15 · 100: no overflow */
        n->type = PR_T_MONEY, n->lit = 0;
    }
}

static int typecheck(tc_t *t, int k);

static const char *op_verb(int op)
{
    switch (op) {
    case OP_ADD:
        return "add";
    case OP_SUB:
        return "subtract";
    case OP_MUL:
        return "multiply";
    case OP_DIV:
        return "divide";
    }
    return "compare";
}

/* Fold a binary node of two constants into a constant. */
static int fold(tc_t *t, node_t *n, const node_t *a, const node_t *b)
{
    pr_q_t r;
    pr_ferr_t e;
    switch (n->op) {
    case OP_ADD:
        e = pr_q_add(&r, a->v, b->v);
        break;
    case OP_SUB:
        e = pr_q_sub(&r, a->v, b->v);
        break;
    case OP_MUL:
        e = pr_q_mul(&r, a->v, b->v);
        break;
    case OP_DIV:
        e = pr_q_div(&r, a->v, b->v);
        break;
    default:
        return n->type;
    }
    if (e)
        return terr(t, n, e, e == PR_F_DIV_ZERO ? "division by zero" : "the constant overflows");
    n->kind = N_NUM, n->v = r, n->lit = a->lit && b->lit;
    return n->type;
}

static int type_bin(tc_t *t, node_t *n)
{
    node_t *nodes = t->cc->nodes;
    int ta = typecheck(t, n->a), tb = ta ? typecheck(t, n->b) : 0;
    if (!ta || !tb)
        return 0;
    node_t *a = &nodes[n->a], *b = &nodes[n->b];
    int op = n->op, arith = op == OP_ADD || op == OP_SUB || op == OP_MUL || op == OP_DIV;
    if (op != OP_MUL && op != OP_DIV) {
        if (ta == PR_T_MONEY)
            to_money(b);
        if (tb == PR_T_MONEY)
            to_money(a);
        ta = a->type, tb = b->type;
    }
    if (op == OP_DIV && b->kind == N_NUM && b->v.n == 0)
        return terr(t, n, PR_F_DIV_ZERO, "division by zero");
    int r = 0;
    if (ta == PR_T_BOOL || tb == PR_T_BOOL) {
        if ((op == OP_EQ || op == OP_NE) && ta == tb)
            r = PR_T_BOOL;
    } else if (!arith) {
        if (ta == tb || (is_scalar(ta) && is_scalar(tb)))
            r = PR_T_BOOL;
    } else if (op == OP_ADD || op == OP_SUB) {
        if (ta == PR_T_MONEY && tb == PR_T_MONEY)
            r = PR_T_MONEY;
        else if (is_scalar(ta) && is_scalar(tb))
            r = ta == PR_T_RATE || tb == PR_T_RATE ? PR_T_RATE : PR_T_NUMBER;
    } else if (op == OP_MUL) {
        if (ta != PR_T_MONEY || tb != PR_T_MONEY)
            r = ta == PR_T_MONEY || tb == PR_T_MONEY ? PR_T_MONEY
              : ta == PR_T_RATE || tb == PR_T_RATE ? PR_T_RATE : PR_T_NUMBER;
    } else { /* OP_DIV */
        if (ta == PR_T_MONEY)
            r = tb == PR_T_MONEY ? PR_T_RATE : PR_T_MONEY;
        else if (tb != PR_T_MONEY)
            r = ta == PR_T_RATE || tb == PR_T_RATE ? PR_T_RATE : PR_T_NUMBER;
    }
    if (!r)
        return terr(t, n, PR_F_TYPE, "cannot %s %s and %s", op_verb(op), pr_type_name(ta),
                    pr_type_name(tb));
    n->type = (uint8_t)r;
    if (a->kind == N_NUM && b->kind == N_NUM)
        return fold(t, n, a, b);
    return r;
}

/* The common type of values that must agree (if's branches, min, max):
 * literals become money beside money. */
static int unify(tc_t *t, node_t *at, int *ks, int n)
{
    node_t *nodes = t->cc->nodes;
    int money = 0, r = 0;
    for (int i = 0; i < n; i++)
        money |= nodes[ks[i]].type == PR_T_MONEY;
    for (int i = 0; i < n; i++) {
        if (money)
            to_money(&nodes[ks[i]]);
        int ti = nodes[ks[i]].type;
        if (!r)
            r = ti;
        else if (is_scalar(r) && is_scalar(ti))
            r = r == PR_T_RATE || ti == PR_T_RATE ? PR_T_RATE : PR_T_NUMBER;
        else if (r != ti)
            return terr(t, at, PR_F_TYPE, "%s and %s do not mix here", pr_type_name(r),
                        pr_type_name(ti));
    }
    return r;
}

static int type_round(tc_t *t, node_t *n)
{
    int ta = typecheck(t, n->a);
    if (!ta)
        return 0;
    if (ta == PR_T_BOOL)
        return terr(t, n, PR_F_TYPE, "cannot round a boolean");
    int digits = ta == PR_T_MONEY ? 2 : 0;
    if (n->c >= 0) {
        node_t *d = &t->cc->nodes[n->c];
        if (d->kind != N_NUM || !d->lit || d->v.d != 1 || d->v.n < -6 || d->v.n > 6)
            return terr(t, d, PR_F_TYPE, "decimals are a whole number from -6 to 6");
        digits = (int)d->v.n;
        if (ta == PR_T_MONEY && digits > 2)
            return terr(t, d, PR_F_TYPE, "money has at most two decimals");
    }
    /* the unit is 10^e: fen for money (yuan decimals), units otherwise */
    n->ref = ta == PR_T_MONEY ? 2 - digits : -digits;
    return ta;
}

static int typecheck(tc_t *t, int k)
{
    node_t *nodes = t->cc->nodes, *n = &nodes[k];
    int r = 0, ta;
    switch (n->kind) {
    case N_NUM:
        r = n->type ? n->type : PR_T_NUMBER;
        break;
    case N_BOOL:
        r = PR_T_BOOL;
        break;
    case N_IN:
        r = pr_inputs[n->ref].type;
        break;
    case N_COMP:
        r = t->types[n->ref];
        break;
    case N_BIN:
        r = type_bin(t, n);
        break;
    case N_NEG:
    case N_ABS:
        if ((ta = typecheck(t, n->a)) == PR_T_BOOL)
            return terr(t, n, PR_F_TYPE, "a boolean has no sign");
        r = ta;
        break;
    case N_NOT:
        if ((ta = typecheck(t, n->a)) && ta != PR_T_BOOL)
            return terr(t, n, PR_F_TYPE, "not takes a boolean, not %s", pr_type_name(ta));
        r = ta;
        break;
    case N_AND:
    case N_OR: {
        int tb = (ta = typecheck(t, n->a)) ? typecheck(t, n->b) : 0;
        if (ta && tb && (ta != PR_T_BOOL || tb != PR_T_BOOL))
            return terr(t, n, PR_F_TYPE, "%s takes booleans, not %s and %s",
                        n->kind == N_AND ? "and" : "or", pr_type_name(ta), pr_type_name(tb));
        r = ta && tb ? PR_T_BOOL : 0;
        break;
    }
    case N_IF: {
        if (!(ta = typecheck(t, n->a)))
            return 0;
        if (ta != PR_T_BOOL)
            return terr(t, &nodes[n->a], PR_F_TYPE, "the condition of if is %s, not a boolean",
                        pr_type_name(ta));
        int ks[2] = { n->b, n->c };
        if (!typecheck(t, n->b) || !typecheck(t, n->c))
            return 0;
        r = unify(t, n, ks, 2);
        break;
    }
    case N_MINMAX: {
        int ks[ARGS_MAX], m = 0;
        for (int a = n->a; a >= 0; a = nodes[a].next) {
            if (!typecheck(t, a))
                return 0;
            ks[m++] = a;
        }
        r = unify(t, n, ks, m);
        if (r == PR_T_BOOL)
            return terr(t, n, PR_F_TYPE, "min and max take amounts or numbers, not booleans");
        n->ref = m;
        break;
    }
    case N_ROUND:
        r = type_round(t, n);
        break;
    }
    nodes = t->cc->nodes;
    if (r && !nodes[k].type)
        nodes[k].type = (uint8_t)r;
    return r;
}

/* Whether every value node k can give (itself, if's branches, min's and
 * max's arguments) is a bare literal; when so and convert, make them yuan:
 * an earning of if(late_count == 0, 200, 0) pays ¥200. */
static int literal_values(node_t *nodes, int k, int convert)
{
    node_t *n = &nodes[k];
    switch (n->kind) {
    case N_NUM:
        if (convert)
            to_money(n);
        return n->lit || n->type == PR_T_MONEY;
    case N_IF:
        return literal_values(nodes, n->b, convert) && literal_values(nodes, n->c, convert) &&
               (!convert || (n->type = PR_T_MONEY));
    case N_MINMAX:
        for (int a = n->a; a >= 0; a = nodes[a].next)
            if (!literal_values(nodes, a, convert))
                return 0;
        if (convert)
            n->type = PR_T_MONEY;
        return 1;
    }
    return 0;
}

static void check_types(cc_t *cc, pr_type_t *types)
{
    for (size_t o = 0; o < cc->n_order; o++) {
        int i = (int)cc->order[o];
        if (cc->failed[i])
            continue;
        tc_t t = { cc, i, types };
        int r = typecheck(&t, cc->root[i]);
        if (!r)
            continue;
        const node_t *root = &cc->nodes[cc->root[i]];
        if (cc->src[i].kind != PR_KIND_INFO && r == PR_T_NUMBER &&
            literal_values(cc->nodes, cc->root[i], 0))
            r = literal_values(cc->nodes, cc->root[i], 1) ? PR_T_MONEY : r;
        if (cc->src[i].kind != PR_KIND_INFO && r != PR_T_MONEY)
            fail(cc, PR_F_TYPE, i, UINT32_MAX, NULL, "%s %s is money, this formula gives %s",
                 cc->src[i].kind == PR_KIND_EARNING ? "an" : "a", pr_kind_name(cc->src[i].kind),
                 pr_type_name((pr_type_t)r));
        else if (r == PR_T_BOOL)
            fail(cc, PR_F_TYPE, i, UINT32_MAX, NULL,
                 "a component is money, a number or a rate, not a boolean");
        else if (root->kind == N_NUM) {
            int64_t v;
            if (pr_q_to_unit(&v, root->v, (pr_type_t)r))
                fail(cc, PR_F_OVERFLOW, i, root->pos, NULL, "the value overflows");
        }
        types[i] = (pr_type_t)r;
    }
}

/* ---- pass 5: byte code ---- */

typedef struct {
    pr_program_t *p;
    size_t cap_code, cap_consts;
    int depth, max_depth;
    int nomem;
} em_t;

static uint32_t emit(em_t *e, uint32_t op, uint32_t arg)
{
    pr_program_t *p = e->p;
    if (p->n_code == e->cap_code) {
        size_t cap = e->cap_code ? 2 * e->cap_code : 256;
        uint32_t *c = realloc(p->code, cap * sizeof(*c));
        if (!c) {
            e->nomem = 1;
            return 0;
        }
        p->code = c, e->cap_code = cap;
    }
    p->code[p->n_code] = op | arg << 8;
    return (uint32_t)p->n_code++;
}

static void push(em_t *e, int n)
{
    e->depth += n;
    if (e->depth > e->max_depth)
        e->max_depth = e->depth;
}

static void patch(em_t *e, uint32_t at)
{
    if (!e->nomem)
        e->p->code[at] = (e->p->code[at] & 0xff) | (uint32_t)e->p->n_code << 8;
}

static void emit_const(em_t *e, pr_q_t v)
{
    pr_program_t *p = e->p;
    if (p->n_consts == e->cap_consts) {
        size_t cap = e->cap_consts ? 2 * e->cap_consts : 32;
        pr_q_t *c = realloc(p->consts, cap * sizeof(*c));
        if (!c) {
            e->nomem = 1;
            return;
        }
        p->consts = c, e->cap_consts = cap;
    }
    p->consts[p->n_consts] = v;
    emit(e, OP_CONST, (uint32_t)p->n_consts++);
    push(e, 1);
}

static void gen(em_t *e, const node_t *nodes, int k)
{
    const node_t *n = &nodes[k];
    uint32_t j1, j2;
    switch (n->kind) {
    case N_NUM:
    case N_BOOL:
        emit_const(e, n->v);
        break;
    case N_IN:
    case N_COMP:
        emit(e, n->kind == N_IN ? OP_IN : OP_COMP, (uint32_t)n->ref);
        push(e, 1);
        break;
    case N_BIN:
        gen(e, nodes, n->a);
        gen(e, nodes, n->b);
        emit(e, n->op, 0);
        push(e, -1);
        break;
    case N_NEG:
    case N_ABS:
    case N_NOT:
        gen(e, nodes, n->a);
        emit(e, n->kind == N_NEG ? OP_NEG : n->kind == N_ABS ? OP_ABS : OP_NOT, 0);
        break;
    case N_AND:
    case N_OR:
        gen(e, nodes, n->a);
        j1 = emit(e, n->op, 0);
        push(e, -1);
        gen(e, nodes, n->b);
        patch(e, j1);
        break;
    case N_IF:
        gen(e, nodes, n->a);
        j1 = emit(e, OP_JF, 0);
        push(e, -1);
        gen(e, nodes, n->b);
        j2 = emit(e, OP_JMP, 0);
        patch(e, j1);
        push(e, -1);
        gen(e, nodes, n->c);
        patch(e, j2);
        break;
    case N_MINMAX:
        for (int a = n->a; a >= 0; a = nodes[a].next)
            gen(e, nodes, a);
        emit(e, n->op, (uint32_t)n->ref);
        push(e, 1 - n->ref);
        break;
    case N_ROUND:
        gen(e, nodes, n->a);
        emit(e, OP_ROUND, (uint32_t)(n->ref + 32) | (uint32_t)n->op << 6);
        break;
    }
}

static pr_program_t *build(cc_t *cc, const pr_type_t *types)
{
    pr_program_t *p = calloc(1, sizeof(*p));
    em_t e = { p, 0, 0, 0, 0, 0 };
    if (!p || !(p->c = calloc(cc->n ? cc->n : 1, sizeof(*p->c))) ||
        !(p->order = calloc(cc->n ? cc->n : 1, sizeof(*p->order)))) {
        pr_program_destroy(&p);
        return NULL;
    }
    p->n = cc->n;
    memcpy(p->order, cc->order, cc->n * sizeof(*p->order));
    for (size_t i = 0; i < cc->n && !e.nomem; i++) {
        pr_comp_t *c = &p->c[i];
        c->name = strdup(cc->src[i].name);
        c->formula = strdup(cc->src[i].formula);
        c->kind = cc->src[i].kind;
        c->type = types[i];
        c->refs = cc->refs[i], c->n_refs = cc->n_refs[i];
        cc->refs[i] = NULL;
        for (size_t r = 0; r < c->n_refs; r++)
            if (!c->refs[r].component)
                p->inputs_used |= 1ull << c->refs[r].index;
        c->start = (uint32_t)p->n_code;
        e.depth = 0;
        gen(&e, cc->nodes, cc->root[i]);
        emit(&e, OP_END, 0);
        if (!c->name || !c->formula)
            e.nomem = 1;
        if (e.max_depth > PR_STACK)
            fail(cc, PR_F_LIMIT, (int)i, UINT32_MAX, NULL, "the formula is too complex");
    }
    if (e.nomem || cc->n_errs) {
        cc->nomem |= e.nomem;
        pr_program_destroy(&p);
    }
    return p;
}

pr_program_t *pr_program_compile(const pr_component_src_t *c, size_t n, pr_ferror_t *errs,
                                 size_t max_errs, size_t *n_errs)
{
    cc_t cc = { .src = c, .n = n, .errs = errs, .max_errs = max_errs };
    pr_program_t *p = NULL;
    pr_type_t *types = NULL;
    size_t m = n ? n : 1;
    cc.root = calloc(m, sizeof(int));
    cc.failed = calloc(m, sizeof(int));
    cc.refs = calloc(m, sizeof(*cc.refs));
    cc.ref_pos = calloc(m, sizeof(*cc.ref_pos));
    cc.n_refs = calloc(m, sizeof(size_t));
    cc.order = calloc(m, sizeof(uint32_t));
    types = calloc(m, sizeof(*types));
    if (!cc.root || !cc.failed || !cc.refs || !cc.ref_pos || !cc.n_refs || !cc.order || !types)
        cc.nomem = 1;
    else if (n > PR_COMPONENTS_MAX)
        fail(&cc, PR_F_LIMIT, -1, UINT32_MAX, NULL, "more than %d components",
             PR_COMPONENTS_MAX);
    else if (n == 0)
        fail(&cc, PR_F_LIMIT, -1, UINT32_MAX, NULL, "a scheme has at least one component");
    else {
        check_names(&cc);
        parse_all(&cc);
        if (!cc.nomem)
            order(&cc);
        if (!cc.nomem)
            check_types(&cc, types);
        if (!cc.nomem && !cc.n_errs)
            p = build(&cc, types);
    }
    if (cc.nomem) {
        pr_program_destroy(&p);
        cc.n_errs = 0;
        fail(&cc, PR_F_NOMEM, -1, UINT32_MAX, NULL, "out of memory");
    }
    for (size_t i = 0; cc.refs && cc.ref_pos && i < n; i++) {
        free(cc.refs[i]);
        free(cc.ref_pos[i]);
    }
    free(cc.root);
    free(cc.failed);
    free(cc.refs);
    free(cc.ref_pos);
    free(cc.n_refs);
    free(cc.order);
    free(cc.nodes);
    free(types);
    *n_errs = cc.n_errs < max_errs ? cc.n_errs : max_errs;
    return p;
}

void pr_program_destroy(pr_program_t **pp)
{
    if (!pp || !*pp)
        return;
    pr_program_t *p = *pp;
    for (size_t i = 0; p->c && i < p->n; i++) {
        free(p->c[i].name);
        free(p->c[i].formula);
        free(p->c[i].refs);
    }
    free(p->c);
    free(p->order);
    free(p->code);
    free(p->consts);
    free(p);
    *pp = NULL;
}

size_t pr_program_count(const pr_program_t *p)
{
    return p->n;
}

const char *pr_program_name(const pr_program_t *p, size_t i)
{
    return p->c[i].name;
}

const char *pr_program_formula(const pr_program_t *p, size_t i)
{
    return p->c[i].formula;
}

pr_kind_t pr_program_kind(const pr_program_t *p, size_t i)
{
    return p->c[i].kind;
}

pr_type_t pr_program_type(const pr_program_t *p, size_t i)
{
    return p->c[i].type;
}

int pr_program_find(const pr_program_t *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->c[i].name, name))
            return (int)i;
    return -1;
}

const pr_ref_t *pr_program_refs(const pr_program_t *p, size_t i, size_t *n)
{
    *n = p->c[i].n_refs;
    return p->c[i].refs;
}

uint64_t pr_program_inputs_used(const pr_program_t *p)
{
    return p->inputs_used;
}
