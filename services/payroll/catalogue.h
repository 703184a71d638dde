/* services/payroll/catalogue.h - the inputs a pay scheme's formulas may name
 *
 * One table (catalogue.c) is the whole list: the formula compiler resolves
 * names against it, GET /v1/payroll/inputs answers it, and
 * docs/payroll-schemes.md lists it. A payroll run fills one int64_t per
 * entry for each employee, in the entry's unit: money in fen, a number or a
 * rate in millionths (20.5 days is 20500000, a coefficient of 1.2 is
 * 1200000), a boolean as 0 or 1. A value the run does not have is 0.
 */
#ifndef PR_CATALOGUE_H
#define PR_CATALOGUE_H

#include <stddef.h>
#include <stdint.h>

/* The types of the formula language (formula.h): of inputs, components
 * and every expression. */
typedef enum {
    PR_T_MONEY = 1, /* an amount: fen */
    PR_T_NUMBER,    /* a count or quantity: days, hours, times late */
    PR_T_RATE,      /* a coefficient or a ratio: rating_coef, 0.08 */
    PR_T_BOOL,      /* true or false */
} pr_type_t;

/* "money", "number", "rate", "boolean". Static. */
const char *pr_type_name(pr_type_t t);

typedef struct {
    const char *name;        /* "attended_days" */
    pr_type_t type;
    const char *group;       /* employee, attendance, performance, statutory */
    const char *description; /* one sentence for people */
    int64_t dflt;            /* the value when the run has none: 0, rating_coef 1, … */
} pr_input_def_t;

/* The catalogue, in the order of its indices (pr_input_index). */
extern const pr_input_def_t pr_inputs[];
extern const size_t pr_inputs_n;

/* The most entries the catalogue may hold: the size of an input vector. */
#define PR_INPUTS_MAX 64

/* Every input's default into in (and 0 beyond the catalogue). */
void pr_inputs_defaults(int64_t in[PR_INPUTS_MAX]);

/* A value of type t as the API writes it ("30000.00" for money, "21.75"
 * for a number or a rate, never negative, "true"/"false"), into *v in the
 * type's unit. 0, or -1 when s is not one (*v untouched). */
int pr_value_parse(pr_type_t t, const char *s, int64_t *v);

#define PR_VALUE_TEXT_MAX 24
/* v of type t as text: "9195.40", "1.2", "-0.5", "true". */
void pr_value_format(pr_type_t t, int64_t v, char out[PR_VALUE_TEXT_MAX]);

/* The index of the input called name (len bytes, not NUL-terminated), or -1. */
int pr_input_index(const char *name, size_t len);

#endif
