/* services/payroll/formula.h - the formula language of pay schemes: compile once, evaluate fast
 *
 * A pay scheme is a list of named components (earnings, deductions, and
 * info lines that pay nothing but others may use), each a formula over the
 * catalogue's inputs (catalogue.h) and other components:
 *
 *     base * attended_days / 21.75 + perf_bonus * rating_coef
 *     if(late_count > 3, 200, late_count * 50)
 *     round(max(base - 5000, 0) * 0.1)
 *
 * pr_program_compile() parses every formula, resolves names, orders the
 * components so each comes after those it names (refusing cycles, named
 * in full), checks types (money, number, rate, boolean) and constant
 * divisions by zero and overflows, and emits one flat program: a byte code
 * per component in evaluation order. It reports every component's first
 * error with the component, the column and the name at fault.
 *
 * pr_program_eval() runs the program over one employee's input vector with
 * no allocation. Arithmetic is exact: every value is a fraction of two
 * 128-bit integers (money in fen), so base * 20 / 21.75 is exactly
 * base * 80 / 87 until the component ends. Then, and only then, the value
 * is rounded by money.h's one rule (half away from zero): money to the fen,
 * a number or a rate to the millionth; later components see that rounded
 * value, as the payslip shows it. A division by zero or a value beyond
 * 128 bits (or an amount beyond PR_MONEY_MAX) is an error for that
 * employee, never a crash or a silent 0. docs/payroll-schemes.md is the
 * language's reference.
 */
#ifndef PR_FORMULA_H
#define PR_FORMULA_H

#include <stddef.h>
#include <stdint.h>

#include "catalogue.h"

#define PR_COMPONENTS_MAX 100    /* components of one scheme */
#define PR_FORMULA_MAX 2000      /* bytes of one formula */
#define PR_NAME_MAX 48           /* bytes of a component's name */

typedef enum {
    PR_KIND_EARNING = 0, /* paid: money, added to the gross */
    PR_KIND_DEDUCTION,   /* withheld: money, taken from the gross */
    PR_KIND_INFO,        /* shown and usable by others, pays nothing: any type but boolean */
} pr_kind_t;

/* "earning", "deduction", "info"; pr_kind_of gives -1 for another text. */
const char *pr_kind_name(pr_kind_t k);
int pr_kind_of(const char *s);

/* One component as saved: borrowed strings. */
typedef struct {
    const char *name;    /* [a-z][a-z0-9_]*, at most PR_NAME_MAX bytes */
    pr_kind_t kind;
    const char *formula;
} pr_component_src_t;

/* What is wrong (0 = nothing). The codes are the API's detail codes. */
typedef enum {
    PR_F_OK = 0,
    PR_F_SYNTAX,       /* "syntax": not a formula at the column */
    PR_F_UNKNOWN_NAME, /* "unknown_name": neither an input, a component nor a function */
    PR_F_NAME,         /* "invalid_name": a component's own name: malformed, taken, duplicated */
    PR_F_CYCLE,        /* "cycle": components that need one another */
    PR_F_DIV_ZERO,     /* "division_by_zero" */
    PR_F_TYPE,         /* "type": operands or a result of the wrong type */
    PR_F_OVERFLOW,     /* "overflow": beyond 128 bits, or an amount beyond PR_MONEY_MAX */
    PR_F_LIMIT,        /* "too_large": too long, too deep, too many components */
    PR_F_NOMEM,        /* "nomem" */
} pr_ferr_t;

/* "syntax", "unknown_name", …: the stable code of e. Static. */
const char *pr_ferr_code(pr_ferr_t e);

typedef struct {
    pr_ferr_t code;
    int component;      /* index in the given list; -1 for the scheme as a whole */
    unsigned column;    /* 1-based byte column in the formula; 0 when none */
    char name[64];      /* the name at fault ("" when none) */
    char message[320];  /* for people: component "gross", column 7: unknown name "bse" */
} pr_ferror_t;

typedef struct pr_program pr_program_t;

/* Compile the n components. Returns the program (the caller destroys it),
 * or NULL with *n_errs > 0 errors in errs (at most max_errs, the first of
 * each faulty component in their order; a cycle once, at its first member).
 * The strings are copied. */
pr_program_t *pr_program_compile(const pr_component_src_t *c, size_t n, pr_ferror_t *errs,
                                 size_t max_errs, size_t *n_errs);

/* Accepts NULL; sets *p to NULL. */
void pr_program_destroy(pr_program_t **p);

/* The components, in the order given at compile time. */
size_t pr_program_count(const pr_program_t *p);
const char *pr_program_name(const pr_program_t *p, size_t i);
const char *pr_program_formula(const pr_program_t *p, size_t i);
pr_kind_t pr_program_kind(const pr_program_t *p, size_t i);
pr_type_t pr_program_type(const pr_program_t *p, size_t i);
/* The index of the component called name, or -1. */
int pr_program_find(const pr_program_t *p, const char *name);

/* A name a component's formula uses: an input (catalogue index) or another component. */
typedef struct {
    int component; /* 1: index is a component's; 0: an input's */
    int index;
} pr_ref_t;

/* The names component i uses, each once, in order of first use; *n set. Borrowed. */
const pr_ref_t *pr_program_refs(const pr_program_t *p, size_t i, size_t *n);

/* Which inputs any component uses: bit k for catalogue entry k. */
uint64_t pr_program_inputs_used(const pr_program_t *p);

typedef struct {
    pr_ferr_t code;     /* PR_F_DIV_ZERO or PR_F_OVERFLOW */
    int component;      /* the component that failed */
} pr_eval_error_t;

/* Evaluate every component for one employee. in has an entry per catalogue
 * input (catalogue.h units); out has room for pr_program_count() values and
 * receives each component's rounded value in its unit (fen; millionths).
 * Returns 0, or -1 with *err set (out then holds the components evaluated
 * before it). Thread-safe; allocates nothing. */
int pr_program_eval(const pr_program_t *p, const int64_t *in, int64_t *out,
                    pr_eval_error_t *err);

#endif
