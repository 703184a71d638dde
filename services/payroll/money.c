/* services/payroll/money.c - amounts in fen and rates in millionths: parse, format, round */
#include "money.h"

#include <stdio.h>
#include <string.h>

const char *pr_money_strerror(pr_money_err_t e)
{
    switch (e) {
    case PR_MONEY_OK: return "ok";
    case PR_MONEY_EMPTY: return "is empty";
    case PR_MONEY_SYNTAX: return "is not a plain decimal number (digits, one '.', no separators)";
    case PR_MONEY_PRECISION: return "has more decimals than allowed";
    case PR_MONEY_NEGATIVE: return "may not be negative";
    case PR_MONEY_RANGE: return "is out of range";
    }
    return "is not valid";
}

/* Digits, an optional '.' with 1..max_dec digits; the value scaled by
 * 10^max_dec into *out, bounded by limit. */
static pr_money_err_t parse_scaled(const char *s, int negative_ok, int max_dec, int64_t limit,
                                   int64_t *out)
{
    if (!s || !*s)
        return PR_MONEY_EMPTY;
    int neg = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    if (!(*s >= '0' && *s <= '9'))
        return PR_MONEY_SYNTAX;
    __int128 v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (*s - '0');
        if (v > (__int128)limit * 10)
            v = (__int128)limit * 10 + 1; /* saturate: keep checking the syntax */
    }
    int dec = 0;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return PR_MONEY_SYNTAX;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (++dec > max_dec) {
                if (*s != '0')
                    return PR_MONEY_PRECISION; /* "1.230" is 1.23; "1.231" is not */
                continue;
            }
            v = v * 10 + (*s - '0');
        }
    }
    if (*s)
        return PR_MONEY_SYNTAX;
    for (int d = dec < max_dec ? dec : max_dec; d < max_dec; d++)
        v *= 10;
    if (v > limit)
        return PR_MONEY_RANGE;
    if (neg && v != 0 && !negative_ok)
        return PR_MONEY_NEGATIVE;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return PR_MONEY_OK;
}

pr_money_err_t pr_money_parse(const char *s, int negative_ok, pr_fen_t *fen)
{
    return parse_scaled(s, negative_ok, 2, PR_MONEY_MAX, fen);
}

pr_money_err_t pr_rate_parse(const char *s, int64_t *ppm)
{
    return parse_scaled(s, 0, 6, PR_RATE_MAX, ppm);
}

void pr_money_format(pr_fen_t fen, char out[PR_MONEY_TEXT_MAX])
{
    uint64_t m = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    snprintf(out, PR_MONEY_TEXT_MAX, "%s%llu.%02llu", fen < 0 ? "-" : "",
             (unsigned long long)(m / 100), (unsigned long long)(m % 100));
}

void pr_rate_format(int64_t ppm, char out[PR_RATE_TEXT_MAX])
{
    uint64_t m = ppm < 0 ? (uint64_t)0 - (uint64_t)ppm : (uint64_t)ppm;
    int n = snprintf(out, PR_RATE_TEXT_MAX, "%s%llu.%06llu", ppm < 0 ? "-" : "",
                     (unsigned long long)(m / 1000000), (unsigned long long)(m % 1000000));
    while (n > 0 && out[n - 1] == '0')
        out[--n] = '\0';
    if (n > 0 && out[n - 1] == '.')
        out[--n] = '\0';
}

int64_t pr_round_div(__int128 num, __int128 den)
{
    if (den < 0) {
        num = -num;
        den = -den;
    }
    __int128 a = num < 0 ? -num : num;
    __int128 q = a / den, r = a % den;
    if (2 * r >= den)
        q++;
    return (int64_t)(num < 0 ? -q : q);
}

pr_fen_t pr_money_rate(pr_fen_t amount, int64_t rate_ppm)
{
    return pr_round_div((__int128)amount * rate_ppm, PR_RATE_ONE);
}

pr_fen_t pr_money_ratio(pr_fen_t amount, int64_t num, int64_t den)
{
    return pr_round_div((__int128)amount * num, den);
}

pr_fen_t pr_money_clamp(pr_fen_t amount, pr_fen_t floor, pr_fen_t cap)
{
    return amount < floor ? floor : amount > cap ? cap : amount;
}
