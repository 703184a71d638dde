/* services/payroll/money.h - amounts of money in whole fen, rates in parts per million
 *
 * Every amount payroll computes, stores or sends is an int64_t count of fen
 * (0.01 yuan), never a double: ¥30 000.00 is 3000000. Amounts cross the API
 * as decimal strings in yuan ("30000.00"), the way the calculators and the
 * payslips show them. A rate (a tax bracket, a contribution rate, a
 * coefficient) is an int64_t count of millionths: 3 % is 30000, 10.5 % is
 * 105000, a bonus coefficient of 1.2 is 1200000.
 *
 * The rounding rule, the one used everywhere in payroll: a product or a
 * quotient that falls between two fen is rounded to the nearer, and a half
 * fen away from zero (四舍五入: 0.005 → 0.01, -0.005 → -0.01). Each
 * function below rounds once, on its exact result (computed in 128 bits),
 * so a chain of them rounds once per step and never accumulates binary
 * fractions. docs/payroll.md gives the rule with worked examples.
 *
 * Bounds: an amount is at most PR_MONEY_MAX fen in magnitude (¥100 billion),
 * which keeps every product of two amounts or an amount and a rate exact in
 * 128 bits and every sum of a million amounts inside int64_t.
 */
#ifndef PR_MONEY_H
#define PR_MONEY_H

#include <stdint.h>

typedef int64_t pr_fen_t;

#define PR_MONEY_MAX ((pr_fen_t)10000000000000LL) /* 10^13 fen = ¥100 000 000 000 */
#define PR_RATE_ONE ((int64_t)1000000)            /* a rate of 1 (100 %) in millionths */
#define PR_RATE_MAX ((int64_t)1000000000000LL)    /* rates up to 10^6 (coefficients too) */
#define PR_MONEY_TEXT_MAX 24                      /* "-100000000000.00" and its NUL, with room */
#define PR_RATE_TEXT_MAX 24

/* Why a text is not an amount or a rate (0 = it is one). */
typedef enum {
    PR_MONEY_OK = 0,
    PR_MONEY_EMPTY,        /* "" or only spaces */
    PR_MONEY_SYNTAX,       /* not a plain decimal: "12,000", "1e3", "¥5", "abc", "1.2.3" */
    PR_MONEY_PRECISION,    /* more decimals than fen (or than millionths for a rate) */
    PR_MONEY_NEGATIVE,     /* a minus sign where only zero or more is allowed */
    PR_MONEY_RANGE,        /* beyond PR_MONEY_MAX (PR_RATE_MAX for a rate) */
} pr_money_err_t;

/* "an amount in yuan with at most two decimals", … : for error details. */
const char *pr_money_strerror(pr_money_err_t e);

/* Parse a decimal amount in yuan: digits, an optional '.' and at most two
 * decimals ("30000", "30000.5", "30000.50", ".5" is refused, "5." is
 * refused), with a leading '-' only when negative_ok. No spaces, signs
 * other than '-', separators or exponents. *fen is set only on success. */
pr_money_err_t pr_money_parse(const char *s, int negative_ok, pr_fen_t *fen);

/* The amount in yuan with exactly two decimals: "30000.00", "-0.05". */
void pr_money_format(pr_fen_t fen, char out[PR_MONEY_TEXT_MAX]);

/* Parse a rate written as a decimal fraction with at most six decimals
 * ("0.08", "0.105", "1.2", "0"); negative never. *ppm set on success. */
pr_money_err_t pr_rate_parse(const char *s, int64_t *ppm);

/* The rate as the shortest decimal that is exact: "0.08", "0.105", "1.2", "0". */
void pr_rate_format(int64_t ppm, char out[PR_RATE_TEXT_MAX]);

/* num / den rounded by the rule above (den != 0; either sign). The caller
 * keeps the result within int64_t (the bounds above do). */
int64_t pr_round_div(__int128 num, __int128 den);

/* amount × rate, rounded to the fen: a contribution, a tax, a coefficient. */
pr_fen_t pr_money_rate(pr_fen_t amount, int64_t rate_ppm);

/* amount × num / den, rounded once: pay for attended days (base × 20 /
 * 21.75 is pr_money_ratio(base, 2000, 2175)), an hourly rate. den != 0. */
pr_fen_t pr_money_ratio(pr_fen_t amount, int64_t num, int64_t den);

/* amount bounded to [floor, cap] (a contribution base). */
pr_fen_t pr_money_clamp(pr_fen_t amount, pr_fen_t floor, pr_fen_t cap);

#endif
