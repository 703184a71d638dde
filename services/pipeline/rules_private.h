/* services/pipeline/rules_private.h - what the pieces of the rule language share
 *
 * Not for the service: rules.h is the module's face. The rule language is
 * one module in five files, cut where the data changes hands: rules.c the
 * vocabulary (fields, events, actions) and the records; rules_lex.c text to
 * tokens; rules_parse.c tokens to the parsed form below; rules_print.c the
 * parsed form back to canonical text; rules_eval.c the parsed form applied to
 * an application. The parsed form is flat arrays referring to each other by
 * index, declared here because the parser writes it and the printer and the
 * evaluator read it. Names shared between the files begin with rl_.
 */
#ifndef PL_RULES_PRIVATE_H
#define PL_RULES_PRIVATE_H

#include "rules.h"

#include <stdbool.h>
#include <stddef.h>

#define NAME_MAX_LEN 64    /* identifiers: fields, events, stages, templates */
#define STRING_MAX 500     /* bytes of a string literal */
#define IN_LIST_MAX 64
#define NUMBER_LIMIT 1e9   /* literals lie strictly within ±1e9, ≤ 6 decimals */
#define DURATION_MAX_MINUTES (365u * 24 * 60)

/* ---- the vocabulary (rules.c) ---- */

extern const char *const rl_field_names[PL_F_N];
extern const char *const rl_event_names[PL_EV_N];
/* Actions a rule may name, in pl_action_kind_t order (confirm_reject is the evaluator's). */
#define N_RULE_ACTIONS 5
extern const char *const rl_action_names[N_RULE_ACTIONS];

/* Numbers first, then text, then true/false: the order of pl_field_t. */
static inline pl_type_t rl_field_type(pl_field_t f)
{
    return f < PL_F_STAGE ? PL_T_NUMBER : f < PL_F_CONSENT ? PL_T_STRING : PL_T_BOOL;
}

/* The index of w in names[0..n) (NULL entries skipped), or -1. */
int rl_lookup(const char *w, const char *const *names, size_t n);

/* ---- the parsed form ---- */

typedef enum { CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_EQ, CMP_NE } cmp_t;

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

/* The comparison operators as written, and each one's negation. */
extern const char *const rl_cmp_text[];
extern const cmp_t rl_cmp_negated[];

/* ---- tokens (rules_lex.c) ---- */

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

/* Record the first error, "line L, column C: message". Returns -1. */
int rl_fail_at(parser_t *p, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Advance one byte, keeping line and column (columns count UTF-8 characters). */
void rl_step(parser_t *p);

/* Read the next token into p->t. 0, or -1 with the error recorded. */
int rl_next(parser_t *p);

/* ---- a growing string and the canonical print (rules_print.c) ---- */

typedef struct {
    char *s;
    size_t n, cap;
    bool oom;
} sb_t;

void rl_sb_printf(sb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string built, or NULL (and nothing to free) when memory ran out. */
char *rl_sb_take(sb_t *b);
/* Numbers print without exponent and without trailing zeros, so they parse back. */
void rl_sb_num(sb_t *b, double v);
void rl_sb_quoted(sb_t *b, const char *s);

void rl_print_lit(sb_t *b, const lit_t *l);
/* The literals of an N_IN node: "[a, b]". */
void rl_print_list(sb_t *b, const pl_rules_t *r, const node_t *n);
void rl_print_action(sb_t *b, const pl_action_t *a);
/* The rule's action as written (a plain advance keeps stage NULL). */
pl_action_t rl_rule_action(const rule_t *ru);

#endif
