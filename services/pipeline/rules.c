/* services/pipeline/rules.c - the rule language: tokenizer, parser, canonical print, evaluator
 *
 * Shape: a hand-written tokenizer (one token of lookahead, positions in
 * lines and UTF-8 characters for messages) feeds a recursive-descent parser
 * whose only recursion is `not` and parentheses, bounded by
 * PL_RULES_MAX_DEPTH. The parsed conditions live in flat arrays (nodes and
 * literals referring to each other by index), so a rule set is four arrays
 * and freeing it is a loop. The evaluator walks the same nodes in Kleene
 * three-valued logic; the explanation is a second walk that states, for each
 * node, the comparisons that decided its value. Nothing here reads a clock,
 * a database or the environment: decisions are a function of the arguments.
 */
#include "rules.h"
#include "hf/encoding.h"

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 64    /* identifiers: fields, events, stages, templates */
#define STRING_MAX 500     /* bytes of a string literal */
#define IN_LIST_MAX 64
#define NUMBER_LIMIT 1e9   /* literals lie strictly within ±1e9, ≤ 6 decimals */
#define DURATION_MAX_MINUTES (365u * 24 * 60)

/* ---- schema ---- */

static const char *const field_names[PL_F_N] = {
    "screening_score", "ai_score", "written_test", "online_assessment", "composite_score",
    "years_experience", "days_in_stage", "stage", "source", "education", "background_check",
    "consent", "human_review_requested",
};

/* Numbers first, then text, then true/false: the order of pl_field_t. */
static pl_type_t field_type(pl_field_t f)
{
    return f < PL_F_STAGE ? PL_T_NUMBER : f < PL_F_CONSENT ? PL_T_STRING : PL_T_BOOL;
}

static const char *const event_names[PL_EV_N] = {
    [PL_EV_SCREENED] = "screened",
    [PL_EV_INTERVIEW_SCORED] = "interview_scored",
    [PL_EV_ASSESSMENT_RECEIVED] = "assessment_received",
    [PL_EV_NO_SHOW] = "no_show",
    [PL_EV_STAGE_TIMEOUT] = "stage_timeout",
};

/* Actions a rule may name, in pl_action_kind_t order (confirm_reject is the evaluator's). */
static const char *const action_names[] = {
    "advance", "reject", "invite_ai_interview", "send_template", "flag",
};
#define N_RULE_ACTIONS (sizeof action_names / sizeof *action_names)

/* Words of the language; never read as a field. */
static const char *const keywords[] = {
    "when", "if", "then", "and", "or", "not", "in", "to", "with", "template", "true", "false",
};

static const char *const default_template =
    "# hrflow default automation: a template, copied to each new job and edited there.\n"
    "# Screening passes -> AI interview; a strong interview -> HR; a weak one -> a kind no.\n"
    "when screened if screening_score >= 70 then invite_ai_interview\n"
    "when interview_scored if ai_score >= 80 then advance to hr_interview\n"
    "when interview_scored if ai_score < 60 then reject with template thank_you\n";

static const char *const held_reject = "this job requires a human to confirm rejections (PIPL Art. 24)";

/* ---- the parsed form ---- */

typedef enum { CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_EQ, CMP_NE } cmp_t;
static const char *const cmp_text[] = { "<", "<=", ">", ">=", "==", "!=" };
static const cmp_t cmp_negated[] = { CMP_GE, CMP_GT, CMP_LE, CMP_LT, CMP_NE, CMP_EQ };

typedef enum { N_OR, N_AND, N_NOT, N_CMP, N_IN, N_TRUTH } node_kind_t;

typedef struct {
    node_kind_t kind;
    pl_field_t field;  /* N_CMP, N_IN, N_TRUTH */
    cmp_t op;          /* N_CMP */
    int a, b;          /* N_OR/N_AND: children; N_NOT: a; N_CMP: a = literal;
                          N_IN: literals a .. a+b-1 */
} node_t;

typedef struct {
    pl_type_t type;
    double num;
    char *str;         /* owned */
    bool flag;
} lit_t;

typedef struct {
    unsigned line;
    pl_event_kind_t event;
    const char *timeout_stage;   /* borrowed from the set's stages */
    unsigned timeout_amount;     /* as written, in timeout_unit */
    char timeout_unit;           /* 'm', 'h' or 'd' */
    int cond;                    /* node, or -1: no condition */
    pl_action_kind_t act;
    const char *stage;           /* advance (NULL: next), invite; borrowed from stages */
    char *templ;                 /* owned */
    char *text;                  /* owned */
} rule_t;

struct pl_rules {
    pl_stages_t *st;
    rule_t *rules;
    size_t n_rules, cap_rules;
    node_t *nodes;
    size_t n_nodes, cap_nodes;
    lit_t *lits;
    size_t n_lits, cap_lits;
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

/* ---- a growing string for prints and explanations ---- */

typedef struct {
    char *s;
    size_t n, cap;
    bool oom;
} sb_t;

static void sb_printf(sb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sb_t *b, const char *fmt, ...)
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
static char *sb_take(sb_t *b)
{
    if (b->oom || !b->s) {
        free(b->s);
        return b->oom ? NULL : strdup("");
    }
    return b->s;
}

/* Numbers print without exponent and without trailing zeros, so they parse back. */
static void sb_num(sb_t *b, double v)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%.6f", v);
    char *e = buf + strlen(buf);
    while (e[-1] == '0')
        *--e = '\0';
    if (e[-1] == '.')
        e[-1] = '\0';
    sb_printf(b, "%s", strcmp(buf, "-0") == 0 ? "0" : buf);
}

static void sb_quoted(sb_t *b, const char *s)
{
    sb_printf(b, "\"");
    for (; *s; s++)
        sb_printf(b, *s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
    sb_printf(b, "\"");
}

/* ---- tokens ---- */

typedef enum {
    T_EOF, T_IDENT, T_NUMBER, T_STRING, T_DURATION, T_CMP,
    T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK, T_COMMA,
} tok_kind_t;

typedef struct {
    tok_kind_t kind;
    size_t start, len;     /* lexeme in the text */
    unsigned line, col;
    double num;            /* T_NUMBER */
    unsigned amount;       /* T_DURATION */
    char unit;             /* T_DURATION */
    cmp_t op;              /* T_CMP */
} tok_t;

typedef struct {
    const char *s;
    size_t len, pos;
    unsigned line, col;
    tok_t t;                    /* the lookahead */
    char str[STRING_MAX + 1];   /* the last T_STRING, unescaped */
    pl_rules_t *r;
    char *err;
    size_t errlen;
    bool failed;
    int depth;
} parser_t;

static int fail_at(parser_t *p, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record the first error, "line L, column C: message". Returns -1. */
static int fail_at(parser_t *p, unsigned line, unsigned col, const char *fmt, ...)
{
    if (p->failed)
        return -1;
    p->failed = true;
    if (!p->err || p->errlen == 0)
        return -1;
    int k = snprintf(p->err, p->errlen, "line %u, column %u: ", line, col);
    if (k >= 0 && (size_t)k < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Advance one byte, keeping line and column (columns count UTF-8 characters). */
static void step(parser_t *p)
{
    unsigned char c = (unsigned char)p->s[p->pos++];
    if (c == '\n') {
        p->line++;
        p->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        p->col++;
    }
}

static char peekc(const parser_t *p, size_t ahead)
{
    return p->pos + ahead < p->len ? p->s[p->pos + ahead] : '\0';
}

static int lex_string(parser_t *p, tok_t *t)
{
    size_t n = 0;
    step(p);                                  /* the opening quote */
    for (;;) {
        if (p->pos >= p->len || p->s[p->pos] == '\n')
            return fail_at(p, t->line, t->col, "unterminated string: add the closing \"");
        char c = p->s[p->pos];
        if (c == '"')
            break;
        if (c == '\\') {
            char e = peekc(p, 1);
            if (e != '"' && e != '\\')
                return fail_at(p, p->line, p->col, "unknown escape in string: only \\\" and \\\\ are escapes");
            step(p);
            c = e;
        }
        if ((unsigned char)c < ' ' && c != '\t')
            return fail_at(p, p->line, p->col, "control character in string");
        if (n >= STRING_MAX)
            return fail_at(p, t->line, t->col, "string longer than %d bytes", STRING_MAX);
        p->str[n++] = c;
        step(p);
    }
    step(p);
    p->str[n] = '\0';
    t->kind = T_STRING;
    return 0;
}

static int lex_number(parser_t *p, tok_t *t)
{
    char buf[40];
    size_t n = 0, decimals = 0;
    bool dot = false;
    if (peekc(p, 0) == '-')
        buf[n++] = '-', step(p);
    while (is_digit(peekc(p, 0)) || (peekc(p, 0) == '.' && !dot && is_digit(peekc(p, 1)))) {
        dot |= peekc(p, 0) == '.';
        decimals += dot && peekc(p, 0) != '.';
        if (n + 1 >= sizeof buf)
            return fail_at(p, t->line, t->col, "number too long");
        buf[n++] = peekc(p, 0);
        step(p);
    }
    buf[n] = '\0';
    char u = peekc(p, 0);
    if ((u == 'm' || u == 'h' || u == 'd') && !is_alpha(peekc(p, 1)) && !is_digit(peekc(p, 1))
        && !dot && buf[0] != '-') {
        step(p);
        unsigned long v = strtoul(buf, NULL, 10);
        unsigned long per = u == 'm' ? 1 : u == 'h' ? 60 : 24 * 60;
        if (n > 6 || v == 0 || v * per > DURATION_MAX_MINUTES)
            return fail_at(p, t->line, t->col, "duration %s%c out of range: 1m to 365d", buf, u);
        t->kind = T_DURATION;
        t->amount = (unsigned)v;
        t->unit = u;
        return 0;
    }
    if (is_alpha(u) || is_digit(u))
        return fail_at(p, t->line, t->col, "bad number %s%c: a duration is a whole number then m, h or d",
                       buf, u);
    if (decimals > 6)
        return fail_at(p, t->line, t->col, "number %s has more than 6 decimals", buf);
    t->num = strtod(buf, NULL);
    if (!(t->num > -NUMBER_LIMIT && t->num < NUMBER_LIMIT))
        return fail_at(p, t->line, t->col, "number %s out of range", buf);
    t->kind = T_NUMBER;
    return 0;
}

static int lex_cmp(parser_t *p, tok_t *t)
{
    char c = peekc(p, 0), d = peekc(p, 1);
    static const struct { char a, b; cmp_t op; } ops[] = {
        { '<', '=', CMP_LE }, { '>', '=', CMP_GE }, { '=', '=', CMP_EQ }, { '!', '=', CMP_NE },
        { '<', 0, CMP_LT }, { '>', 0, CMP_GT },
    };
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        if (ops[i].a == c && (!ops[i].b || ops[i].b == d)) {
            step(p);
            if (ops[i].b)
                step(p);
            t->kind = T_CMP;
            t->op = ops[i].op;
            return 0;
        }
    }
    if (c == '=')
        return fail_at(p, t->line, t->col, "unknown operator = (did you mean ==?)");
    return fail_at(p, t->line, t->col, "unknown operator %c", c);
}

/* Read the next token into p->t. 0, or -1 with the error recorded. */
static int next(parser_t *p)
{
    for (;;) {
        char c = peekc(p, 0);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            step(p);
        else if (c == '#')
            while (p->pos < p->len && p->s[p->pos] != '\n')
                step(p);
        else
            break;
    }
    tok_t *t = &p->t;
    memset(t, 0, sizeof *t);
    t->start = p->pos;
    t->line = p->line;
    t->col = p->col;
    int rc = 0;
    if (p->pos >= p->len) {
        t->kind = T_EOF;
    } else {
        char c = p->s[p->pos];
        const char *single = "()[],";
        const char *hit = strchr(single, c);
        if (c && hit) {
            step(p);
            t->kind = (tok_kind_t)(T_LPAREN + (hit - single));
        } else if (is_alpha(c)) {
            while (is_alpha(peekc(p, 0)) || is_digit(peekc(p, 0)))
                step(p);
            t->kind = T_IDENT;
            if (p->pos - t->start > NAME_MAX_LEN)
                rc = fail_at(p, t->line, t->col, "name longer than %d characters", NAME_MAX_LEN);
        } else if (is_digit(c) || (c == '-' && is_digit(peekc(p, 1)))) {
            rc = lex_number(p, t);
        } else if (c == '"') {
            rc = lex_string(p, t);
        } else if (strchr("<>=!", c) && c) {
            rc = lex_cmp(p, t);
        } else if ((unsigned char)c >= 0x80) {
            rc = fail_at(p, t->line, t->col, "unexpected character outside a string: names are ASCII");
        } else {
            rc = fail_at(p, t->line, t->col, "unexpected character '%c'", c >= ' ' && c < 127 ? c : '?');
        }
    }
    t->len = p->pos - t->start;
    return rc;
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
    return fail_at(p, p->t.line, p->t.col, "expected %s, found %s", what, found(p, b));
}

/* Move past the current token and require the next to be of kind k. */
static int next_is(parser_t *p, tok_kind_t k, const char *what)
{
    if (next(p) < 0)
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

static int lookup(const char *w, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && strcmp(w, names[i]) == 0)
            return (int)i;
    return -1;
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
        fail_at(p, p->t.line, p->t.col, "unknown stage %s%s", w, suggest(w, names, n, hint));
        return NULL;
    }
    return pl_stages_name(p->r->st, (size_t)i);
}

/* ---- conditions ---- */

static int new_node(parser_t *p, node_kind_t kind, int a, int b)
{
    pl_rules_t *r = p->r;
    if (grow((void **)&r->nodes, &r->cap_nodes, r->n_nodes, sizeof *r->nodes) < 0)
        return fail_at(p, p->t.line, p->t.col, "out of memory");
    r->nodes[r->n_nodes] = (node_t){ .kind = kind, .a = a, .b = b };
    return (int)r->n_nodes++;
}

/* Parse one literal for field f (the current token) into the literal array. */
static int literal(parser_t *p, pl_field_t f)
{
    pl_rules_t *r = p->r;
    const char *fname = field_names[f];
    pl_type_t type = field_type(f);
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
            return fail_at(p, t.line, t.col + 1, "unknown stage %.64s%s", p->str,
                           suggest(p->str, names, n, hint));
        }
        if (!(lit.str = strdup(p->str)))
            return fail_at(p, t.line, t.col, "out of memory");
    } else if (type == PL_T_NUMBER) {
        return fail_at(p, t.line, t.col, "%s is a number: compare it with a number", fname);
    } else if (type == PL_T_STRING && t.kind == T_IDENT) {
        return fail_at(p, t.line, t.col, "%s is text: put %s in quotes (\"%s\")", fname, word(p, w), w);
    } else if (type == PL_T_STRING) {
        return fail_at(p, t.line, t.col, "%s is text: compare it with a string in quotes", fname);
    } else {
        return fail_at(p, t.line, t.col, "%s is true or false: compare it with true or false", fname);
    }
    if (grow((void **)&r->lits, &r->cap_lits, r->n_lits, sizeof *r->lits) < 0) {
        free(lit.str);
        return fail_at(p, t.line, t.col, "out of memory");
    }
    r->lits[r->n_lits++] = lit;
    return next(p) < 0 ? -1 : (int)r->n_lits - 1;
}

static int in_list(parser_t *p, pl_field_t f, unsigned line, unsigned col)
{
    if (field_type(f) == PL_T_BOOL)
        return fail_at(p, line, col, "%s is true or false: in needs a number or text field", field_names[f]);
    if (next_is(p, T_LBRACK, "[ after in") < 0)
        return -1;
    int first = (int)p->r->n_lits, n = 0;
    do {
        if (next(p) < 0)
            return -1;
        if (++n > IN_LIST_MAX)
            return fail_at(p, p->t.line, p->t.col, "a list holds at most %d values", IN_LIST_MAX);
        if (literal(p, f) < 0)
            return -1;
    } while (p->t.kind == T_COMMA);
    if (p->t.kind != T_RBRACK)
        return expected(p, ", or ] in the list");
    if (next(p) < 0)
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
    int f = lookup(word(p, w), field_names, PL_F_N);
    if (f < 0 && lookup(w, keywords, sizeof keywords / sizeof *keywords) >= 0)
        return expected(p, "a field or (");
    if (f < 0)
        return fail_at(p, line, col, "unknown field %s%s", w, suggest(w, field_names, PL_F_N, hint));
    if (next(p) < 0)
        return -1;
    if (is_word(p, "in"))
        return in_list(p, (pl_field_t)f, line, col);
    if (p->t.kind != T_CMP) {
        if (field_type(f) == PL_T_BOOL) {
            int node = new_node(p, N_TRUTH, -1, -1);
            if (node >= 0)
                p->r->nodes[node].field = (pl_field_t)f;
            return node;
        }
        return expected(p, "a comparison (>= > <= < == != or in)");
    }
    cmp_t op = p->t.op;
    if (field_type(f) != PL_T_NUMBER && op != CMP_EQ && op != CMP_NE)
        return fail_at(p, p->t.line, p->t.col, "%s is %s: only == and != compare it", w,
                       field_type(f) == PL_T_STRING ? "text" : "true or false");
    if (next(p) < 0)
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
        return fail_at(p, p->t.line, p->t.col, "condition nested deeper than %d levels", PL_RULES_MAX_DEPTH);
    return 0;
}

/* not unary | ( or_expr ) | comparison */
static int unary(parser_t *p)
{
    if (is_word(p, "not") || p->t.kind == T_LPAREN) {
        bool paren = p->t.kind == T_LPAREN;
        if (deeper(p) < 0 || next(p) < 0)
            return -1;
        int e = paren ? or_expr(p) : unary(p);
        if (e < 0)
            return -1;
        if (paren) {
            if (p->t.kind != T_RPAREN)
                return expected(p, ")");
            if (next(p) < 0)
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
        if (next(p) < 0)
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
        fail_at(p, p->t.line, p->t.col, "a template name is a word like thank_you, without quotes");
        return NULL;
    }
    if (p->t.kind != T_IDENT) {
        expected(p, "a template name");
        return NULL;
    }
    word(p, w);
    for (const char *c = w; *c; c++)
        if (*c >= 'A' && *c <= 'Z') {
            fail_at(p, p->t.line, p->t.col, "template name %s: use lowercase a-z, 0-9 and _", w);
            return NULL;
        }
    char *s = strdup(w);
    if (!s)
        fail_at(p, p->t.line, p->t.col, "out of memory");
    else if (next(p) < 0) {
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
    int a = lookup(word(p, w), action_names, N_RULE_ACTIONS);
    if (a < 0)
        return fail_at(p, line, col, "unknown action %s%s", w, suggest(w, action_names, N_RULE_ACTIONS, hint));
    rule->act = (pl_action_kind_t)a;
    if (next(p) < 0)
        return -1;
    switch (rule->act) {
    case PL_ACT_ADVANCE:
        if (!is_word(p, "to"))
            return 0;
        if (next(p) < 0)
            return -1;
        line = p->t.line, col = p->t.col;
        if (!(rule->stage = stage_word(p)))
            return -1;
        if (strcmp(rule->stage, "rejected") == 0 || strcmp(rule->stage, "withdrawn") == 0)
            return fail_at(p, line, col, "cannot advance to %s: use reject, and only a candidate withdraws",
                           rule->stage);
        return next(p);
    case PL_ACT_REJECT:
        if (!is_word(p, "with"))
            return 0;
        if (next(p) < 0)
            return -1;
        if (!is_word(p, "template"))
            return expected(p, "template after reject with");
        if (next(p) < 0)
            return -1;
        return (rule->templ = template_word(p)) ? 0 : -1;
    case PL_ACT_INVITE_AI_INTERVIEW:
        if (pl_stages_index(p->r->st, "ai_interview") < 0)
            return fail_at(p, line, col, "invite_ai_interview needs a stage ai_interview, and this job has none");
        rule->stage = pl_stages_name(p->r->st, (size_t)pl_stages_index(p->r->st, "ai_interview"));
        return 0;
    case PL_ACT_SEND_TEMPLATE:
        return (rule->templ = template_word(p)) ? 0 : -1;
    case PL_ACT_FLAG:
        if (p->t.kind != T_STRING)
            return expected(p, "the flag's text in quotes");
        if (!p->str[0])
            return fail_at(p, p->t.line, p->t.col, "a flag needs a text saying why");
        if (!(rule->text = strdup(p->str)))
            return fail_at(p, line, col, "out of memory");
        return next(p);
    case PL_ACT_CONFIRM_REJECT:
        break;
    }
    return 0;
}

/* stage_timeout ( stage , duration ) */
static int timeout(parser_t *p, rule_t *rule)
{
    if (next_is(p, T_LPAREN, "( after stage_timeout") < 0 || next(p) < 0)
        return -1;
    unsigned line = p->t.line, col = p->t.col;
    if (!(rule->timeout_stage = stage_word(p)))
        return -1;
    if (pl_stages_is_terminal(p->r->st, rule->timeout_stage))
        return fail_at(p, line, col, "%s is a terminal stage: an application never times out there",
                       rule->timeout_stage);
    if (next_is(p, T_COMMA, ", after the stage") < 0
        || next_is(p, T_DURATION, "a duration like 72h, 3d or 90m") < 0)
        return -1;
    rule->timeout_amount = p->t.amount;
    rule->timeout_unit = p->t.unit;
    if (next_is(p, T_RPAREN, ")") < 0)
        return -1;
    return next(p);
}

static int rule(parser_t *p)
{
    pl_rules_t *r = p->r;
    char w[NAME_MAX_LEN + 1], hint[96];
    if (!is_word(p, "when"))
        return expected(p, r->n_rules ? "when to start the next rule (a rule has one action)"
                                      : "when to start a rule");
    if (r->n_rules >= PL_RULES_MAX_RULES)
        return fail_at(p, p->t.line, p->t.col, "more than %d rules", PL_RULES_MAX_RULES);
    if (grow((void **)&r->rules, &r->cap_rules, r->n_rules, sizeof *r->rules) < 0)
        return fail_at(p, p->t.line, p->t.col, "out of memory");
    rule_t *ru = &r->rules[r->n_rules++];
    *ru = (rule_t){ .line = p->t.line, .cond = -1 };
    if (next(p) < 0)
        return -1;
    if (p->t.kind != T_IDENT)
        return expected(p, "an event after when");
    int ev = lookup(word(p, w), event_names, PL_EV_N);
    if (ev < 0)
        return fail_at(p, p->t.line, p->t.col, "unknown event %s%s", w, suggest(w, event_names, PL_EV_N, hint));
    ru->event = (pl_event_kind_t)ev;
    if (ru->event == PL_EV_STAGE_TIMEOUT ? timeout(p, ru) < 0 : next(p) < 0)
        return -1;
    if (is_word(p, "if")) {
        if (next(p) < 0 || (ru->cond = or_expr(p)) < 0)
            return -1;
    }
    if (!is_word(p, "then"))
        return expected(p, ru->cond < 0 ? "if or then" : "then");
    if (next(p) < 0)
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
            step(&p);
        fail_at(&p, p.line, p.col, "invalid UTF-8");
    }
    if (!p.failed && next(&p) == 0)
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

const char *pl_rules_default_template(void)
{
    return default_template;
}

/* ---- canonical print ---- */

static void print_lit(sb_t *b, const lit_t *l)
{
    if (l->type == PL_T_NUMBER)
        sb_num(b, l->num);
    else if (l->type == PL_T_STRING)
        sb_quoted(b, l->str);
    else
        sb_printf(b, "%s", l->flag ? "true" : "false");
}

static void print_list(sb_t *b, const pl_rules_t *r, const node_t *n)
{
    sb_printf(b, "[");
    for (int i = 0; i < n->b; i++) {
        sb_printf(b, "%s", i ? ", " : "");
        print_lit(b, &r->lits[n->a + i]);
    }
    sb_printf(b, "]");
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
    sb_printf(b, "%s", paren ? "(" : "");
    switch (n->kind) {
    case N_OR:
    case N_AND:
        print_cond(b, r, n->a, prec(n->kind));
        sb_printf(b, "%s", n->kind == N_OR ? " or " : " and ");
        print_cond(b, r, n->b, prec(n->kind));
        break;
    case N_NOT:
        sb_printf(b, "not ");
        /* `not (x == 1)` reads unambiguously; `not x == 1` does not */
        print_cond(b, r, n->a, r->nodes[n->a].kind == N_CMP || r->nodes[n->a].kind == N_IN ? 5 : prec(N_NOT));
        break;
    case N_CMP:
        sb_printf(b, "%s %s ", field_names[n->field], cmp_text[n->op]);
        print_lit(b, &r->lits[n->a]);
        break;
    case N_IN:
        sb_printf(b, "%s in ", field_names[n->field]);
        print_list(b, r, n);
        break;
    case N_TRUTH:
        sb_printf(b, "%s", field_names[n->field]);
        break;
    }
    sb_printf(b, "%s", paren ? ")" : "");
}

static void print_action(sb_t *b, const pl_action_t *a)
{
    switch (a->kind) {
    case PL_ACT_ADVANCE:
        sb_printf(b, "advance");
        if (a->stage)
            sb_printf(b, " to %s", a->stage);
        break;
    case PL_ACT_REJECT:
        sb_printf(b, "reject");
        if (a->templ)
            sb_printf(b, " with template %s", a->templ);
        break;
    case PL_ACT_INVITE_AI_INTERVIEW:
        sb_printf(b, "invite_ai_interview");
        break;
    case PL_ACT_SEND_TEMPLATE:
        sb_printf(b, "send_template %s", a->templ);
        break;
    case PL_ACT_FLAG:
        sb_printf(b, "flag ");
        sb_quoted(b, a->text);
        break;
    case PL_ACT_CONFIRM_REJECT:
        sb_printf(b, "flag for human confirmation: reject");
        if (a->templ)
            sb_printf(b, " with template %s", a->templ);
        sb_printf(b, " (%s)", a->text);
        break;
    }
}

/* The rule's action as written (a plain advance keeps stage NULL). */
static pl_action_t rule_action(const rule_t *ru)
{
    return (pl_action_t){ ru->act, ru->stage, ru->templ, ru->text };
}

char *pl_rules_format(const pl_rules_t *r)
{
    sb_t b = { 0 };
    for (size_t i = 0; i < r->n_rules; i++) {
        const rule_t *ru = &r->rules[i];
        sb_printf(&b, "when %s", event_names[ru->event]);
        if (ru->event == PL_EV_STAGE_TIMEOUT)
            sb_printf(&b, "(%s, %u%c)", ru->timeout_stage, ru->timeout_amount, ru->timeout_unit);
        if (ru->cond >= 0) {
            sb_printf(&b, " if ");
            print_cond(&b, r, ru->cond, 0);
        }
        sb_printf(&b, " then ");
        pl_action_t a = rule_action(ru);
        print_action(&b, &a);
        sb_printf(&b, "\n");
    }
    return sb_take(&b);
}

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
    lit_t l = { .type = field_type(f), .num = v->num, .str = (char *)(v->str ? v->str : ""), .flag = v->flag };
    print_lit(b, &l);
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
            sb_printf(b, " and ");
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
        sb_printf(b, "%s ", field_names[n->field]);
        if (val == TV_UNKNOWN) {
            sb_printf(b, "missing");
            break;
        }
        print_value(b, n->field, v);
        if (n->kind == N_CMP) {
            sb_printf(b, " %s ", cmp_text[val == TV_TRUE ? n->op : cmp_negated[n->op]]);
            print_lit(b, &r->lits[n->a]);
        } else if (n->kind == N_IN) {
            sb_printf(b, "%s", val == TV_TRUE ? " in " : " not in ");
            print_list(b, r, n);
        }
        break;
    }
}

/* Has the application been in the rule's stage long enough? With the why. */
static tv_t timed_out(const rule_t *ru, const pl_event_t *ev, const pl_record_t *rec, sb_t *b)
{
    const pl_value_t *stage = &rec->v[PL_F_STAGE];
    if (!stage->present || !stage->str) {
        sb_printf(b, "stage missing");
        return TV_UNKNOWN;
    }
    if (strcmp(stage->str, ru->timeout_stage) != 0) {
        sb_printf(b, "stage %s, not %s", stage->str, ru->timeout_stage);
        return TV_FALSE;
    }
    unsigned per = ru->timeout_unit == 'm' ? 1 : ru->timeout_unit == 'h' ? 60 : 24 * 60;
    bool over = ev->minutes_in_stage >= ru->timeout_amount * per;
    sb_printf(b, "in %s for ", ru->timeout_stage);
    sb_num(b, (double)ev->minutes_in_stage / per);
    sb_printf(b, "%c %s %u%c", ru->timeout_unit, over ? ">=" : "<", ru->timeout_amount, ru->timeout_unit);
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
        sb_printf(b, ", not applied: stage missing");
        return false;
    }
    const char *to = a->kind == PL_ACT_REJECT || a->kind == PL_ACT_CONFIRM_REJECT ? "rejected"
                   : a->stage ? a->stage : cur;
    char why[200];
    if (pl_stages_can_move(r->st, cur, to, why, sizeof why) != PL_MOVE_OK) {
        sb_printf(b, ", not applied: %s", why);
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
        sb_printf(&b, "%s", b.n ? " and " : "");
        explain(&b, r, ru->cond, rec);
        val = eval(r, ru->cond, rec);
    }
    if (val == TV_TRUE) {
        d->action = rule_action(ru);
        if (ru->act == PL_ACT_REJECT && opts && opts->require_human_for_reject) {
            d->action.kind = PL_ACT_CONFIRM_REJECT;
            d->action.text = held_reject;
        }
        if (d->action.kind == PL_ACT_ADVANCE && !d->action.stage && current_stage(rec))
            d->action.stage = pl_stages_next(r->st, current_stage(rec));   /* plain advance: the next stage */
        sb_printf(&b, "%s", b.n ? " → " : "no condition → ");
        print_action(&b, &d->action);
        d->verdict = PL_ACT;
        if (!applicable(r, &d->action, rec, &b)) {
            d->verdict = PL_BLOCKED;
        } else if (moves(d->action.kind) && *mover_line) {
            sb_printf(&b, ", not applied: the rule on line %u already moves this application", *mover_line);
            d->verdict = PL_BLOCKED;
        } else if (moves(d->action.kind)) {
            *mover_line = ru->line;
        }
    }
    return (d->why = sb_take(&b)) ? 0 : -1;
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

/* ---- records and names ---- */

void pl_record_num(pl_record_t *rec, pl_field_t f, double v)
{
    assert(f < PL_F_N && field_type(f) == PL_T_NUMBER);
    rec->v[f] = (pl_value_t){ .present = true, .num = v };
}

void pl_record_str(pl_record_t *rec, pl_field_t f, const char *s)
{
    assert(f < PL_F_N && field_type(f) == PL_T_STRING && s);
    rec->v[f] = (pl_value_t){ .present = true, .str = s };
}

void pl_record_bool(pl_record_t *rec, pl_field_t f, bool b)
{
    assert(f < PL_F_N && field_type(f) == PL_T_BOOL);
    rec->v[f] = (pl_value_t){ .present = true, .flag = b };
}

int pl_field_lookup(const char *name)
{
    return name ? lookup(name, field_names, PL_F_N) : -1;
}

const char *pl_field_name(pl_field_t f)
{
    assert(f < PL_F_N);
    return field_names[f];
}

pl_type_t pl_field_type(pl_field_t f)
{
    assert(f < PL_F_N);
    return field_type(f);
}

int pl_event_lookup(const char *name)
{
    return name ? lookup(name, event_names, PL_EV_N) : -1;
}

const char *pl_event_name(pl_event_kind_t k)
{
    assert(k < PL_EV_N);
    return event_names[k];
}

const char *pl_action_name(pl_action_kind_t k)
{
    return k == PL_ACT_CONFIRM_REJECT ? "confirm_reject" : action_names[k];
}
