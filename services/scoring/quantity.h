/* services/scoring/quantity.h - quantified results: numbers with units in zh and en
 *
 * Finds 25%, 百分之二十五, 3倍, 三倍, 3x, 30天, 两周, 6个月, 1000万, 1.2亿,
 * ¥500, $2 million, 50k, 40 percent in a normalised text (text.h), so
 * full-width ２５％ is found as 25%. A number counts only with a unit or a
 * magnitude (万, 亿, k, million): a bare "2019" or "3" is not a result.
 * Calendar years (2019年), months of the year (3月) and ordinals (第一) are
 * not quantities; counts below 10 without a magnitude are narrative ("两个人"),
 * not results, and are skipped.
 */
#ifndef SC_QUANTITY_H
#define SC_QUANTITY_H

#include <stdbool.h>
#include "text.h"

typedef enum {
    SC_Q_PERCENT,   /* value in percent: 25 for 25% */
    SC_Q_TIMES,     /* a multiple: 3 for 3倍, 3x */
    SC_Q_DURATION,  /* value in the unit named by unit: "day", "week", ... */
    SC_Q_MONEY,     /* value in the currency named by unit: "CNY", "USD", "EUR" */
    SC_Q_COUNT,     /* people, users, orders or a bare magnitude (1000万) */
} sc_qkind_t;

typedef struct {
    double value;        /* magnitude applied: 1000万 -> 1e7, 50k -> 5e4 */
    sc_qkind_t kind;
    const char *unit;    /* static string: "%", "x", "day", "CNY", "count" ... */
    sc_span_t span;      /* original bytes of number and unit */
    uint32_t nstart, nend; /* the same in normalised units */
} sc_quantity_t;

/* Find the quantities of t in text order. Writes at most cap of them to out
 * and returns how many there are (possibly more than cap). Never fails. */
size_t sc_quantities_find(const sc_text_t *t, sc_quantity_t *out, size_t cap);

/* Does q read as a result (a percentage, multiple or amount of money)?
 * Durations and counts describe the setting ("12 customers", "两周") more
 * often than the outcome. */
bool sc_quantity_is_result(const sc_quantity_t *q);

/* The kind's name as reports print it ("percent", "times", "duration", "money", "count"). */
const char *sc_qkind_name(sc_qkind_t kind);

#endif
