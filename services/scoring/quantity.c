/* services/scoring/quantity.c - numbers with units, Arabic and Chinese numerals
 *
 * A small hand-written scanner over the normalised UTF-16 text: a currency
 * prefix, 百分之, a number (Arabic with separators and decimals, or Chinese
 * numerals with 十百千万亿 and 点), an optional magnitude, then a unit from
 * the tables below, longest first. Tables are data; the scanner only applies
 * them, so a new unit is one line.
 */
#include "quantity.h"

#include <string.h>

typedef struct {
    const UChar *s;     /* normalised form */
    sc_qkind_t kind;
    const char *unit;
    bool latin;         /* a word: may follow a space, must end a word */
} unit_t;

static const unit_t units[] = {
    { u"个百分点", SC_Q_PERCENT, "pp", false }, { u"百分点", SC_Q_PERCENT, "pp", false },
    { u"%", SC_Q_PERCENT, "%", false }, { u"percent", SC_Q_PERCENT, "%", true },
    { u"倍", SC_Q_TIMES, "x", false }, { u"x", SC_Q_TIMES, "x", true },
    { u"×", SC_Q_TIMES, "x", false }, { u"times", SC_Q_TIMES, "x", true },
    { u"天", SC_Q_DURATION, "day", false }, { u"days", SC_Q_DURATION, "day", true },
    { u"day", SC_Q_DURATION, "day", true },
    { u"个星期", SC_Q_DURATION, "week", false }, { u"星期", SC_Q_DURATION, "week", false },
    { u"周", SC_Q_DURATION, "week", false }, { u"weeks", SC_Q_DURATION, "week", true },
    { u"week", SC_Q_DURATION, "week", true },
    { u"个月", SC_Q_DURATION, "month", false }, { u"months", SC_Q_DURATION, "month", true },
    { u"month", SC_Q_DURATION, "month", true },
    { u"年", SC_Q_DURATION, "year", false }, { u"years", SC_Q_DURATION, "year", true },
    { u"year", SC_Q_DURATION, "year", true },
    { u"个小时", SC_Q_DURATION, "hour", false }, { u"小时", SC_Q_DURATION, "hour", false },
    { u"hours", SC_Q_DURATION, "hour", true }, { u"hour", SC_Q_DURATION, "hour", true },
    { u"分钟", SC_Q_DURATION, "minute", false }, { u"minutes", SC_Q_DURATION, "minute", true },
    { u"秒", SC_Q_DURATION, "second", false }, { u"seconds", SC_Q_DURATION, "second", true },
    { u"块钱", SC_Q_MONEY, "CNY", false }, { u"元", SC_Q_MONEY, "CNY", false },
    { u"块", SC_Q_MONEY, "CNY", false }, { u"rmb", SC_Q_MONEY, "CNY", true },
    { u"yuan", SC_Q_MONEY, "CNY", true }, { u"美元", SC_Q_MONEY, "USD", false },
    { u"美金", SC_Q_MONEY, "USD", false }, { u"dollars", SC_Q_MONEY, "USD", true },
    { u"usd", SC_Q_MONEY, "USD", true },
    { u"个用户", SC_Q_COUNT, "count", false }, { u"用户", SC_Q_COUNT, "count", false },
    { u"人", SC_Q_COUNT, "count", false }, { u"名", SC_Q_COUNT, "count", false },
    { u"家", SC_Q_COUNT, "count", false }, { u"单", SC_Q_COUNT, "count", false },
    { u"users", SC_Q_COUNT, "count", true }, { u"customers", SC_Q_COUNT, "count", true },
    { u"people", SC_Q_COUNT, "count", true }, { u"clients", SC_Q_COUNT, "count", true },
    { u"orders", SC_Q_COUNT, "count", true },
};

static const struct {
    const UChar *s;
    double mult;
    bool latin;
} magnitudes[] = {
    { u"百万", 1e6, false }, { u"千万", 1e7, false }, { u"万", 1e4, false },
    { u"亿", 1e8, false }, { u"千", 1e3, false },
    { u"million", 1e6, true }, { u"billion", 1e9, true }, { u"thousand", 1e3, true },
    { u"bn", 1e9, true }, { u"k", 1e3, true }, { u"m", 1e6, true }, { u"w", 1e4, true },
};

static const struct {
    UChar c;
    const char *unit;
} currencies[] = { { 0x00A5, "CNY" }, { '$', "USD" }, { 0x20AC, "EUR" } };

static bool latin(UChar c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool digit(UChar c)
{
    return c >= '0' && c <= '9';
}

/* Length of s if the text at i starts with it (and, for a word, ends a word there). */
static uint32_t starts(const sc_text_t *t, uint32_t i, const UChar *s, bool word)
{
    uint32_t n = 0;
    while (s[n] && i + n < t->nlen && t->norm[i + n] == s[n])
        n++;
    if (s[n])
        return 0;
    if (word && i + n < t->nlen && latin(t->norm[i + n]))
        return 0;
    return n;
}

static int cn_digit(UChar c)
{
    static const UChar d[] = u"零一二三四五六七八九";
    for (int i = 0; i < 10; i++)
        if (c == d[i])
            return i;
    if (c == 0x3007) /* 〇 */
        return 0;
    if (c == 0x4E24) /* 两 */
        return 2;
    return -1;
}

/* Chinese numeral at i (一千二百, 二十五, 一点五); *len receives its length. */
static bool parse_cn(const sc_text_t *t, uint32_t i, double *value, uint32_t *len)
{
    double total = 0, section = 0, num = 0;
    uint32_t j = i;
    bool any = false;
    for (; j < t->nlen; j++) {
        UChar c = t->norm[j];
        int d = cn_digit(c);
        if (d >= 0) {
            num = d;
        } else if (c == 0x5341 /* 十 */) {
            section += (any && num ? num : 1) * 10;
            num = 0;
        } else if (c == 0x767E /* 百 */ && any) {
            section += num * 100;
            num = 0;
        } else if (c == 0x5343 /* 千 */ && any) {
            section += num * 1000;
            num = 0;
        } else if (c == 0x4E07 /* 万 */ && any) {
            total += (section + num) * 1e4;
            section = num = 0;
        } else if (c == 0x4EBF /* 亿 */ && any) {
            total = (total + section + num) * 1e8;
            section = num = 0;
        } else if (c == 0x70B9 /* 点 */ && any && j + 1 < t->nlen && cn_digit(t->norm[j + 1]) >= 0) {
            double frac = 0.1;
            double whole = total + section + num;
            for (j++; j < t->nlen && cn_digit(t->norm[j]) >= 0; j++, frac /= 10)
                whole += cn_digit(t->norm[j]) * frac;
            *value = whole;
            *len = j - i;
            return true;
        } else {
            break;
        }
        any = true;
    }
    *value = total + section + num;
    *len = j - i;
    return any;
}

/* Arabic number at i: 1,000 / 25 / 1.2; *len receives its length. */
static bool parse_arabic(const sc_text_t *t, uint32_t i, double *value, uint32_t *len)
{
    const UChar *s = t->norm;
    uint32_t j = i;
    double v = 0;
    for (; j < t->nlen; j++) {
        if (digit(s[j]))
            v = v * 10 + (s[j] - '0');
        else if (!(s[j] == ',' && j > i && j + 3 < t->nlen && digit(s[j + 1])
                   && digit(s[j + 2]) && digit(s[j + 3])
                   && (j + 4 == t->nlen || !digit(s[j + 4]))))
            break; /* a comma is a thousands separator only before three digits */
    }
    if (j == i)
        return false;
    if (j + 1 < t->nlen && s[j] == '.' && digit(s[j + 1])) {
        double frac = 0.1;
        for (j++; j < t->nlen && digit(s[j]); j++, frac /= 10)
            v += (s[j] - '0') * frac;
    }
    *value = v;
    *len = j - i;
    return true;
}

/* One quantity starting at i; returns its end, or 0 when there is none. */
static uint32_t scan_one(const sc_text_t *t, uint32_t i, sc_quantity_t *q)
{
    const UChar *s = t->norm;
    uint32_t j = i, n;
    const char *currency = NULL;
    bool percent_prefix = false, cn = false;
    for (size_t k = 0; k < sizeof currencies / sizeof *currencies; k++)
        if (s[j] == currencies[k].c) {
            currency = currencies[k].unit;
            j++;
            if (j < t->nlen && s[j] == ' ')
                j++;
        }
    if (!currency && (n = starts(t, j, u"百分之", false))) {
        percent_prefix = true;
        j += n;
    }
    double v;
    if (j >= t->nlen)
        return 0;
    if (digit(s[j])) {
        if (j > 0 && (latin(s[j - 1]) || s[j - 1] == '.'))
            return 0;
        if (!parse_arabic(t, j, &v, &n))
            return 0;
    } else if (cn_digit(s[j]) >= 0 || s[j] == 0x5341) {
        if (j > 0 && (s[j - 1] == 0x7B2C /* 第 */ || cn_digit(s[j - 1]) >= 0 || s[j - 1] == 0x5341))
            return 0;
        if (!parse_cn(t, j, &v, &n))
            return 0;
        cn = true;
    } else {
        return 0;
    }
    bool had_digits = !cn;
    j += n;
    if (percent_prefix) {
        *q = (sc_quantity_t){ v, SC_Q_PERCENT, "%", sc_text_span(t, i, j), i, j };
        return j;
    }
    /* magnitude */
    double mult = 1;
    uint32_t k = j + (j < t->nlen && s[j] == ' ' && had_digits);
    for (size_t m = 0; m < sizeof magnitudes / sizeof *magnitudes; m++) {
        if ((n = starts(t, magnitudes[m].latin ? k : j, magnitudes[m].s, magnitudes[m].latin))) {
            if (!magnitudes[m].latin && cn)
                continue; /* parse_cn already took 万 and 亿 */
            mult = magnitudes[m].mult;
            j = (magnitudes[m].latin ? k : j) + n;
            break;
        }
    }
    /* unit */
    k = j + (j < t->nlen && s[j] == ' ');
    const unit_t *u = NULL;
    for (size_t m = 0; m < sizeof units / sizeof *units && !u; m++) {
        if ((n = starts(t, units[m].latin ? k : j, units[m].s, units[m].latin))) {
            u = &units[m];
            j = (units[m].latin ? k : j) + n;
        }
    }
    if (currency) {
        if (u && u->kind != SC_Q_MONEY)
            j = k = j - n; /* "$5 users": keep the money, not the unit */
        *q = (sc_quantity_t){ v * mult, SC_Q_MONEY, currency, sc_text_span(t, i, j), i, j };
        return j;
    }
    if (!u) {
        if (mult == 1 && !(cn && v >= 1e4))
            return 0;
        *q = (sc_quantity_t){ v * mult, SC_Q_COUNT, "count", sc_text_span(t, i, j), i, j };
        return j;
    }
    /* not quantities: calendar years, months of the year, small narrative counts */
    if (u->kind == SC_Q_DURATION && !strcmp(u->unit, "year") && mult == 1 && v >= 1900 && v <= 2100)
        return 0;
    if (u->kind == SC_Q_COUNT && mult == 1 && v < 10)
        return 0;
    *q = (sc_quantity_t){ v * mult, u->kind, u->unit, sc_text_span(t, i, j), i, j };
    return j;
}

/* Can a quantity start with c: a currency sign, 百 (百分之) or a numeral?
 * Most units of a text cannot, and are passed over without scan_one. */
static bool may_start(UChar c)
{
    if (c < 0x80)
        return digit(c) || c == '$';
    return c == 0x00A5 || c == 0x20AC || c == 0x767E /* 百 */ || c == 0x5341 /* 十 */
        || cn_digit(c) >= 0;
}

size_t sc_quantities_find(const sc_text_t *t, sc_quantity_t *out, size_t cap)
{
    size_t n = 0;
    for (uint32_t i = 0; i < t->nlen;) {
        sc_quantity_t q;
        uint32_t end = may_start(t->norm[i]) ? scan_one(t, i, &q) : 0;
        if (!end) {
            /* skip the rest of a number so "2019" is not rescanned as "019" */
            if (digit(t->norm[i]))
                while (i < t->nlen && (digit(t->norm[i]) || t->norm[i] == '.' || t->norm[i] == ','))
                    i++;
            else
                i++;
            continue;
        }
        if (n < cap)
            out[n] = q;
        n++;
        i = end;
    }
    return n;
}

const char *sc_qkind_name(sc_qkind_t kind)
{
    static const char *const names[] = { "percent", "times", "duration", "money", "count" };
    return names[kind];
}

bool sc_quantity_is_result(const sc_quantity_t *q)
{
    return q->kind == SC_Q_PERCENT || q->kind == SC_Q_TIMES || q->kind == SC_Q_MONEY;
}
