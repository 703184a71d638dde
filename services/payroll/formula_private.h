/* services/payroll/formula_private.h - what formula.c (the compiler) and
 * formula_eval.c (exact fractions and the evaluator) share: the value type,
 * its operations and the program's layout. Not for other callers.
 */
#ifndef PR_FORMULA_PRIVATE_H
#define PR_FORMULA_PRIVATE_H

#include "formula.h"

/* An exact value: n / d with d > 0 and the fraction in lowest terms. Money
 * counts fen, numbers and rates count units, booleans are 0 or 1. */
typedef struct {
    __int128 n, d;
} pr_q_t;

/* Each returns PR_F_OK, or PR_F_OVERFLOW (beyond 128 bits) or
 * PR_F_DIV_ZERO, leaving *r unspecified. */
pr_ferr_t pr_q_add(pr_q_t *r, pr_q_t a, pr_q_t b);
pr_ferr_t pr_q_sub(pr_q_t *r, pr_q_t a, pr_q_t b);
pr_ferr_t pr_q_mul(pr_q_t *r, pr_q_t a, pr_q_t b);
pr_ferr_t pr_q_div(pr_q_t *r, pr_q_t a, pr_q_t b);
pr_ferr_t pr_q_neg(pr_q_t *r, pr_q_t a);
/* *c < 0, 0, > 0 as a <, ==, > b. */
pr_ferr_t pr_q_cmp(int *c, pr_q_t a, pr_q_t b);

typedef enum { PR_ROUND_HALF_AWAY = 0, PR_ROUND_FLOOR, PR_ROUND_CEIL } pr_round_t;
/* a to a whole multiple of 10^e (-12 <= e <= 12) by mode. */
pr_ferr_t pr_q_round(pr_q_t *r, pr_q_t a, int e, pr_round_t mode);

/* A stored value of type t (catalogue.h units) as a fraction, and back:
 * money rounded to the fen and within PR_MONEY_MAX, numbers and rates to
 * the millionth and within PR_SCALAR_MAX millionths, booleans as 0 or 1. */
pr_q_t pr_q_from_unit(int64_t v, pr_type_t t);
pr_ferr_t pr_q_to_unit(int64_t *out, pr_q_t a, pr_type_t t);

#define PR_SCALAR_MAX ((int64_t)1000000000000000000LL) /* 10^12 in millionths */

/* The byte code: one uint32_t per instruction, the opcode in the low 8
 * bits and its argument above. A stack machine over pr_q_t. */
enum {
    OP_CONST = 1, /* push consts[arg] */
    OP_IN,        /* push input arg */
    OP_COMP,      /* push component arg's rounded value */
    OP_ADD, OP_SUB, OP_MUL, OP_DIV,
    OP_NEG, OP_ABS, OP_NOT,
    OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
    OP_JF,        /* pop; jump to arg when false */
    OP_JFK,       /* jump to arg when the top is false (kept), else pop: and */
    OP_JTK,       /* the same when true: or */
    OP_JMP,
    OP_MIN, OP_MAX, /* over the top arg values */
    OP_ROUND,     /* arg: (e + 32) | mode << 6 */
    OP_END,       /* the component's value is on top */
};

#define PR_STACK 128 /* values on the evaluator's stack */

typedef struct {
    char *name;
    char *formula;
    pr_kind_t kind;
    pr_type_t type;
    uint32_t start;   /* first instruction */
    pr_ref_t *refs;
    size_t n_refs;
} pr_comp_t;

struct pr_program {
    size_t n;
    pr_comp_t *c;
    uint32_t *order;  /* component indices in evaluation order */
    uint32_t *code;
    size_t n_code;
    pr_q_t *consts;
    size_t n_consts;
    uint64_t inputs_used;
};

#endif
