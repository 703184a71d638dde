/* common/src/table_map.c - the table reader's header and rows: columns, values, types
 *
 * What a CSV record and an .xlsx row have in common once read: the header
 * mapped to the caller's columns (aliases compared normalised, or an explicit
 * mapping), the checks every value passes (bytes, encoding, then the
 * column's rule of typed text, hf/text.h), the types a column may want
 * (numbers, dates, yes/no) and the row called back. Messages name the row and
 * the column, never the value: a shifted column puts a name or a phone number
 * where a number belongs, and the errors are kept and shown in clear.
 */
#include "table_private.h"
#include "hf_private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- text --- */

/* The width of a space at s (ASCII space, tab, CR, LF, U+3000, U+00A0), else 0. */
static size_t space_at(const char *s, size_t n)
{
    if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        return 1;
    if (n >= 3 && !memcmp(s, "\xe3\x80\x80", 3))
        return 3;
    if (n >= 2 && !memcmp(s, "\xc2\xa0", 2))
        return 2;
    return 0;
}

const char *hf_table_trim(const char *s, size_t *n)
{
    size_t w;
    while (*n && (w = space_at(s, *n)) != 0)
        s += w, *n -= w;
    while (*n) {
        char c = s[*n - 1];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            *n -= 1;
        else if (*n >= 3 && !memcmp(s + *n - 3, "\xe3\x80\x80", 3))
            *n -= 3;
        else if (*n >= 2 && !memcmp(s + *n - 2, "\xc2\xa0", 2))
            *n -= 2;
        else
            break;
    }
    return s;
}

bool hf_table_normalize(char out[64], const char *s, size_t n)
{
    s = hf_table_trim(s, &n);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '_' || c == '-' || c == '*' || c == '.')
            continue;
        if (o == 63)
            return false;
        out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    out[o] = 0;
    return true;
}

/* Whether key (normalised) is one of the '|'-separated aliases. */
static bool has_alias(const char *aliases, const char *key)
{
    for (const char *a = aliases; a && *a;) {
        const char *bar = strchr(a, '|');
        size_t n = bar ? (size_t)(bar - a) : strlen(a);
        char norm[64];
        if (hf_table_normalize(norm, a, n) && !strcmp(norm, key))
            return true;
        a += n + (bar != NULL);
    }
    return false;
}

int hf_table_column_find(const hf_table_column_t *columns, unsigned n, const char *s, size_t len)
{
    char key[64];
    if (!hf_table_normalize(key, s, len) || !*key)
        return -1;
    for (unsigned i = 0; i < n; i++)
        if (has_alias(columns[i].aliases, key))
            return (int)i;
    return -1;
}

int hf_table_lookup(const hf_table_t *t, const char *s, size_t len)
{
    if (!t->explicit_map)
        return hf_table_column_find(t->columns, t->ncolumns, s, len);
    char key[64];
    if (!hf_table_normalize(key, s, len))
        return -1;
    for (unsigned i = 0; i < t->ncolumns; i++)
        if (t->mapping[i] && !strcmp(key, t->mapping[i]))
            return (int)i;
    return -1;
}

const char *hf_table_check_text(const hf_table_column_t *c, const char *s, size_t n,
                                hf_table_encoding_t enc, char *buf, size_t size)
{
    if (n > HF_TABLE_MAX_FIELD) {
        snprintf(buf, size, "%zu bytes, the limit is %d", n, HF_TABLE_MAX_FIELD);
        return buf;
    }
    int bad = tbl_text_check(s, n);
    if (bad)
        return tbl_text_problem(bad, enc);
    if (!c || c->unchecked)
        return NULL;
    hf_text_rule_t rule = c->rule;
    if (!rule.max)
        rule.max = HF_TEXT_UNLIMITED;
    hf_text_problem_t wrong; /* the API's words */
    if (hf_text_check(s, n, rule, &wrong) < 0) {
        snprintf(buf, size, "%s", wrong.message);
        return buf;
    }
    return NULL;
}

/* --- types --- */

bool hf_table_is_one_of(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++) {
        size_t m = strlen(*list), i = 0;
        for (; i < n && m == n; i++) {
            char c = s[i];
            if (((c >= 'A' && c <= 'Z') ? (char)(c + 32) : c) != (*list)[i])
                break;
        }
        if (m == n && i == n)
            return true;
    }
    return false;
}

int hf_table_yes_no(const char *s, size_t n)
{
    static const char *const yes[] = { "yes", "y", "true", "1", "是", "同意", "已同意", NULL };
    static const char *const no[] = { "no", "n", "false", "0", "否", "不同意", "未同意", NULL };
    return hf_table_is_one_of(s, n, yes) ? 1 : hf_table_is_one_of(s, n, no) ? 0 : -1;
}

/* "-1234.5", "+3", ".5": a decimal without exponent or separators. */
static bool parse_number(const char *s, size_t n, double *out)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    if (!digits || i != n || n > 40)
        return false;
    char tmp[48];
    memcpy(tmp, s, n);
    tmp[n] = 0;
    *out = strtod(tmp, NULL);
    return isfinite(*out);
}

static bool valid_date(int64_t y, unsigned m, unsigned d)
{
    return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= hf_month_days(y, m);
}

bool hf_table_excel_days(double serial, bool date1904, double *days)
{
    if (!(serial >= 0 && serial < 2958466)) /* 9999-12-31 is 2958465 */
        return false;
    if (date1904)
        *days = serial + (double)hf_days_from_civil(1904, 1, 1);
    else if (serial >= 60 && serial < 61)
        return false; /* 1900-02-29: Lotus 1-2-3's leap day, kept by Excel */
    else
        *days = serial + (double)hf_days_from_civil(1899, 12, serial < 60 ? 31 : 30);
    return true;
}

size_t hf_table_format_days(double days, bool date_too, char out[20])
{
    int64_t secs = llround(days * 86400.0), day = secs / 86400;
    if (secs % 86400 < 0)
        day--;
    int64_t sod = secs - day * 86400;
    int64_t y;
    unsigned m, d, hh = (unsigned)(sod / 3600), mm = (unsigned)(sod / 60 % 60),
                   ss = (unsigned)(sod % 60);
    hf_civil_from_days(day, &y, &m, &d);
    int n;
    if (!date_too)
        n = snprintf(out, 20, "%02u:%02u:%02u", hh, mm, ss);
    else if (sod)
        n = snprintf(out, 20, "%04d-%02u-%02u %02u:%02u:%02u", (int)(y % 10000), m, d, hh, mm, ss);
    else
        n = snprintf(out, 20, "%04d-%02u-%02u", (int)(y % 10000), m, d);
    return n > 0 ? (size_t)n : 0;
}

/* Read up to max digits at s[*i]; false when none. */
static bool digits(const char *s, size_t n, size_t *i, unsigned max, unsigned *v)
{
    unsigned k = 0;
    *v = 0;
    while (*i < n && k < max && s[*i] >= '0' && s[*i] <= '9')
        *v = *v * 10 + (unsigned)(s[(*i)++] - '0'), k++;
    return k > 0;
}

/* The separator at s[*i] (- / . or the given CJK unit), moved past; false when none. */
static bool date_sep(const char *s, size_t n, size_t *i, const char *unit)
{
    if (*i < n && (s[*i] == '-' || s[*i] == '/' || s[*i] == '.')) {
        (*i)++;
        return true;
    }
    size_t u = strlen(unit);
    if (*i + u <= n && !memcmp(s + *i, unit, u)) {
        *i += u;
        return true;
    }
    return false;
}

/* 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日, with an optional time
 * ([ T]HH:MM[:SS]): days since 1970-01-01. */
static bool parse_date(const char *s, size_t n, double *days)
{
    size_t i = 0;
    unsigned y, m, d, hh = 0, mm = 0, ss = 0;
    if (!digits(s, n, &i, 4, &y) || i != 4 || !date_sep(s, n, &i, "年") ||
        !digits(s, n, &i, 2, &m) || !date_sep(s, n, &i, "月") || !digits(s, n, &i, 2, &d))
        return false;
    if (i + 3 <= n && !memcmp(s + i, "日", 3))
        i += 3;
    if (i < n) {
        if (s[i] != ' ' && s[i] != 'T')
            return false;
        while (i < n && (s[i] == ' ' || s[i] == 'T'))
            i++;
        if (!digits(s, n, &i, 2, &hh) || i >= n || s[i++] != ':' || !digits(s, n, &i, 2, &mm))
            return false;
        if (i < n && (s[i++] != ':' || !digits(s, n, &i, 2, &ss)))
            return false;
        if (i != n || hh > 23 || mm > 59 || ss > 59)
            return false;
    }
    if (!valid_date(y, m, d))
        return false;
    *days = (double)hf_days_from_civil(y, m, d) + (hh * 3600 + mm * 60 + ss) / 86400.0;
    return true;
}

/* Give cell the type column c wants, or say why not (NULL: it fits). */
static const char *typed(hf_table_t *t, unsigned i, hf_table_cell_t *cell)
{
    const hf_table_column_t *c = &t->columns[i];
    double v;
    int yn;
    /* an ID or bank account number typed into Excel as a number: its last digits are gone */
    if (cell->type == HF_CELL_NUMBER && fabs(cell->number) >= 1e15)
        return "a number of more than 15 digits, which Excel does not keep: make the column "
               "text and type the values again";
    switch (c->type) {
    case HF_COL_TEXT:
        return NULL;
    case HF_COL_NUMBER:
        if (cell->type == HF_CELL_NUMBER)
            return NULL;
        if (cell->type != HF_CELL_TEXT || !parse_number(cell->s, cell->len, &v))
            return "not a number";
        cell->type = HF_CELL_NUMBER, cell->number = v;
        return NULL;
    case HF_COL_DATE:
        if (cell->type == HF_CELL_DATE)
            return NULL;
        if (cell->type != HF_CELL_TEXT || !parse_date(cell->s, cell->len, &v))
            return "not a date (YYYY-MM-DD)";
        cell->type = HF_CELL_DATE, cell->number = v;
        cell->len = hf_table_format_days(v, true, t->typed[i]);
        cell->s = t->typed[i];
        return NULL;
    case HF_COL_BOOL:
        if (cell->type == HF_CELL_BOOL || cell->type == HF_CELL_NUMBER)
            yn = cell->number == 1 ? 1 : cell->number == 0 ? 0 : -1;
        else
            yn = cell->type == HF_CELL_TEXT ? hf_table_yes_no(cell->s, cell->len) : -1;
        if (yn < 0)
            return "not yes or no";
        *cell = (hf_table_cell_t){ yn ? "true" : "false", yn ? 4 : 5, HF_CELL_BOOL, yn };
        return NULL;
    }
    return NULL;
}

/* --- header and rows --- */

static void call(hf_table_t *t, const hf_table_row_t *row)
{
    if (t->on_row(t->ctx, t, row) && !t->fatal_rc)
        hf_table_set_fatal(t, 0, NULL, "stopped");
}

void tbl_emit_error(hf_table_t *t)
{
    hf_table_row_t row = { t->rec, &t->err, 0, NULL };
    call(t, &row);
}

/* Map column c of the header (named s[0..n), checked) to a column of the options. */
static bool map_column(hf_table_t *t, unsigned c, const char *s, size_t n)
{
    int f = hf_table_lookup(t, s, n);
    if (f < 0) {
        hf_table_warn(t, 0, c + 1, t->hdr[c], n ? "unknown column, ignored" : "no name, ignored");
        return true;
    }
    if (t->colof[f]) {
        hf_table_set_fatal(t, c + 1, t->hdr[c], "%s is also column %u (%s)", t->columns[f].name,
                           t->colof[f], t->hdr[t->colof[f] - 1]);
        return false;
    }
    t->map[c] = f;
    t->colof[f] = c + 1;
    t->names[c] = t->columns[f].name;
    return true;
}

/* Every explicitly mapped and every required column is there. */
static bool all_there(hf_table_t *t)
{
    for (unsigned f = 0; f < t->ncolumns; f++)
        if (t->mapping[f] && !t->colof[f]) {
            hf_table_set_fatal(t, 0, t->columns[f].name, "header: no column \"%s\" for %s",
                               t->mapping[f], t->columns[f].name);
            return false;
        }
    for (unsigned f = 0; f < t->ncolumns; f++)
        if (t->columns[f].required && !t->colof[f]) {
            const hf_table_column_t *c = &t->columns[f];
            hf_table_set_fatal(t, 0, c->name, "header: no column for %s (%s)", c->name,
                               c->hint ? c->hint : c->name);
            return false;
        }
    return true;
}

void tbl_header(hf_table_t *t)
{
    t->ncols = t->ncells;
    for (unsigned c = 0; c < t->ncols; c++) {
        const char *s = t->cells[c].s ? t->cells[c].s : "";
        size_t n = t->cells[c].len;
        bool quote = t->format == HF_TABLE_CSV && t->fld[c].bad;
        t->map[c] = -1;
        if (quote || tbl_text_check(s, n)) {
            hf_table_set_fatal(t, c + 1, NULL, "%s",
                               quote                      ? "text after closing quote"
                               : t->enc == HF_TABLE_GB18030 ? "invalid gb18030 byte sequence"
                                                          : "invalid utf-8 (for a gbk file, say so)");
            return;
        }
        tbl_shown(t->hdr[c], s, n);
        t->names[c] = t->hdr[c];
        if (t->columns && !map_column(t, c, s, n))
            return;
    }
    if (t->columns && !all_there(t))
        return;
    hf_table_row_t row = { 0, NULL, t->ncells, t->cells };
    if (t->columns) {
        for (unsigned f = 0; f < t->ncolumns; f++)
            t->mcells[f] = t->colof[f] ? t->cells[t->colof[f] - 1] : (hf_table_cell_t){ 0 };
        row.cells = t->mcells, row.ncells = t->ncolumns;
    }
    call(t, &row);
    t->have_header = !t->fatal_rc;
}

/* Raw rows: every cell's encoding checked. */
static bool raw_row(hf_table_t *t)
{
    for (unsigned c = 0; c < t->ncells; c++) {
        char buf[64];
        const char *why = t->cells[c].s ? hf_table_check_text(NULL, t->cells[c].s, t->cells[c].len,
                                                             t->enc, buf, sizeof(buf))
                                        : NULL;
        if (why) {
            tbl_fail(t, c + 1, "%s", why);
            return false;
        }
    }
    return true;
}

/* Mapped rows: each column's value checked and typed, then the required ones. */
static bool mapped_row(hf_table_t *t)
{
    for (unsigned f = 0; f < t->ncolumns; f++) {
        unsigned col = t->colof[f];
        hf_table_cell_t *m = &t->mcells[f];
        *m = col && col <= t->ncells ? t->cells[col - 1] : (hf_table_cell_t){ 0 };
        if (!m->s)
            continue;
        char buf[160];
        const char *why = hf_table_check_text(&t->columns[f], m->s, m->len, t->enc, buf, sizeof(buf));
        if (!why)
            why = typed(t, f, m);
        if (why) {
            tbl_fail(t, col, "%s", why);
            return false;
        }
    }
    for (unsigned f = 0; f < t->ncolumns; f++)
        if (t->columns[f].required && !t->mcells[f].s) {
            tbl_fail(t, t->colof[f], "empty");
            return false;
        }
    return true;
}

void tbl_row(hf_table_t *t)
{
    if (t->max_rows && t->rec > t->max_rows) {
        hf_table_set_fatal(t, 0, NULL, "more than %zu rows: split the file", t->max_rows);
        return;
    }
    if (!(t->columns ? mapped_row(t) : raw_row(t)))
        return;
    hf_table_row_t row = { t->rec, NULL, t->columns ? t->ncolumns : t->ncells,
                           t->columns ? t->mcells : t->cells };
    call(t, &row);
}
