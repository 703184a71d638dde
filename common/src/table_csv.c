/* common/src/table_csv.c - the table reader's CSV records
 *
 * A state machine over bytes that may arrive in any chunks: a record is kept
 * as its original bytes plus the offsets of its fields (tbl_span_t) and unquoted
 * in place once complete, so a row of plain fields costs one copy and one
 * scan. Keeping the original bytes is also what recovers an unterminated
 * quote: the row fails and the lines after the quote's line are read again.
 * The first record is the header; every record goes on to table_map.c.
 */
#include "table_private.h"

#include <stdlib.h>
#include <string.h>

static void end_field(hf_table_t *p)
{
    if (p->nfld < HF_TABLE_MAX_COLUMNS)
        p->fld[p->nfld] = (tbl_span_t){ (uint32_t)p->fstart, (uint32_t)p->nraw, p->quoted, p->fld_bad };
    p->nfld++;
    p->quoted = p->fld_bad = false;
}

/* Column c's value, unquoted in place and trimmed. */
static char *field_value(hf_table_t *p, unsigned c, size_t *len)
{
    tbl_span_t f = p->fld[c];
    char *s = p->raw + f.start;
    size_t n = f.end - f.start;
    if (f.quoted) {
        char *w = s;
        const char *r = s + 1, *e = p->raw + f.end;
        while (r < e) {
            if (*r == '"') {
                if (r + 1 < e && r[1] == '"')
                    r++;
                else
                    break;
            }
            *w++ = *r++;
        }
        n = (size_t)(w - s);
    }
    char *t = (char *)hf_table_trim(s, &n);
    *len = n;
    return t;
}

/* A record of empty or blank fields only (an empty line, a line of bare delimiters). */
static bool blank(const hf_table_t *p)
{
    if (p->nfld > HF_TABLE_MAX_COLUMNS)
        return false;
    for (unsigned c = 0; c < p->nfld; c++)
        for (uint32_t i = p->fld[c].start; i < p->fld[c].end; i++)
            if (p->raw[i] != ' ' && p->raw[i] != '\t')
                return false;
    return true;
}

/* The record's fields as cells: unquoted in place, trimmed, NUL-terminated
 * (a field's end is its delimiter's place, free once the record is whole). */
static void csv_cells(hf_table_t *p)
{
    unsigned nf = p->nfld < HF_TABLE_MAX_COLUMNS ? p->nfld : HF_TABLE_MAX_COLUMNS;
    for (unsigned c = 0; c < nf; c++) {
        size_t n;
        char *s = field_value(p, c, &n);
        s[n] = 0;
        p->cells[c] = (hf_table_cell_t){ n ? s : NULL, n, n ? HF_CELL_TEXT : HF_CELL_EMPTY, 0 };
    }
    p->ncells = nf;
}

static void csv_header(hf_table_t *p)
{
    if (p->too_long) {
        hf_table_set_fatal(p, 0, NULL, "header: longer than %d bytes", HF_TABLE_MAX_ROW);
        return;
    }
    if (blank(p))
        return;
    if (p->nfld > HF_TABLE_MAX_COLUMNS) {
        hf_table_set_fatal(p, 0, NULL, "header: %u columns, the limit is %d", p->nfld,
                           HF_TABLE_MAX_COLUMNS);
        return;
    }
    csv_cells(p);
    tbl_header(p);
}

static void csv_row(hf_table_t *p)
{
    unsigned nf = p->nfld < HF_TABLE_MAX_COLUMNS ? p->nfld : HF_TABLE_MAX_COLUMNS;
    for (unsigned c = 0; c < nf; c++)
        if (p->fld[c].bad) {
            tbl_fail(p, c + 1, "text after closing quote");
            return;
        }
    if (p->nfld != p->ncols) {
        tbl_fail(p, 0, "%u columns, the header has %u", p->nfld, p->ncols);
        return;
    }
    csv_cells(p);
    tbl_row(p);
}

static void csv_record_end(hf_table_t *p)
{
    if (!p->too_long)
        end_field(p);
    if (!p->have_header) {
        csv_header(p);
    } else {
        p->rec++;
        if (p->too_long)
            tbl_fail(p, 0, "longer than %d bytes", HF_TABLE_MAX_ROW);
        else if (!blank(p))
            csv_row(p);
    }
    tbl_reset_record(p);
}

/* A quote still open at the end of the file or after HF_TABLE_MAX_ROW bytes:
 * the row fails and reading resumes at the line after the quote's line.
 * False when there is no such line in the record (the caller decides). */
static bool recover(hf_table_t *p)
{
    size_t from = p->quote_open + 1, at = from;
    while (at < p->nraw && p->raw[at] != '\n' && p->raw[at] != '\r')
        at++;
    if (at == p->nraw)
        return false;
    if (!p->have_header) {
        hf_table_set_fatal(p, p->nfld + 1, NULL, "unterminated quote");
        return true;
    }
    p->rec++;
    tbl_fail(p, p->nfld + 1, "unterminated quote");
    if (!p->spare && !(p->spare = malloc(HF_TABLE_MAX_ROW + 1))) {
        tbl_set_nomem(p);
        return true;
    }
    char *tail = p->raw;
    size_t len = p->nraw - at - 1;
    bool cr = p->raw[at] == '\r';
    p->raw = p->spare;
    p->spare = tail;
    tbl_reset_record(p);
    p->st = cr ? ST_CR : ST_START;
    tbl_csv_feed(p, tail + at + 1, len);
    return true;
}

/* The record went over HF_TABLE_MAX_ROW: recover an open quote, or skip to the line end. */
static void overflow(hf_table_t *p)
{
    if ((p->st == ST_QUOTED || p->st == ST_QEND) && recover(p))
        return;
    p->too_long = true;
    p->st = ST_SKIP;
}

/* Append s[*i..j) to the record and move *i past what was taken; false, with
 * the overflow handled, when the record reached its limit first. */
static bool take(hf_table_t *p, const char *s, size_t *i, size_t j)
{
    size_t k = tbl_put(p, s + *i, j - *i);
    bool all = k == j - *i;
    *i += k;
    if (!all)
        overflow(p);
    return all;
}

int tbl_csv_feed(hf_table_t *p, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, j;
    while (i < n && !p->fatal_rc) {
        switch (p->st) {
        case ST_CR:
            p->st = ST_START;
            i += s[i] == '\n';
            break;
        case ST_START:
            if (s[i] == '"') {
                if (!take(p, s, &i, i + 1))
                    break;
                p->quote_open = p->nraw - 1;
                p->quoted = true;
                p->st = ST_QUOTED;
                break;
            }
            p->st = ST_PLAIN;
            /* fall through */
        case ST_PLAIN:
            for (j = i; j < n && !p->special[u[j]]; j++)
                ;
            if (!take(p, s, &i, j) || j == n)
                break;
            if (s[j] == p->delim) {
                end_field(p);
                p->st = ST_START;
                if (take(p, s, &i, j + 1))
                    p->fstart = p->nraw;
            } else {
                i++;
                csv_record_end(p);
                p->st = s[j] == '\r' ? ST_CR : ST_START;
            }
            break;
        case ST_QUOTED: {
            const char *q = memchr(s + i, '"', n - i);
            if (take(p, s, &i, q ? (size_t)(q - s) + 1 : n) && q)
                p->st = ST_QEND;
            break;
        }
        case ST_QEND:
            if (s[i] == '"') {
                if (take(p, s, &i, i + 1))
                    p->st = ST_QUOTED;
            } else {
                p->fld_bad |= !p->special[u[i]];
                p->st = ST_PLAIN;
            }
            break;
        case ST_SKIP:
            for (j = i; j < n && s[j] != '\n' && s[j] != '\r'; j++)
                ;
            i = j;
            if (j == n)
                break;
            csv_record_end(p);
            p->st = s[j] == '\r' ? ST_CR : ST_START;
            i++;
            break;
        }
    }
    return p->fatal_rc;
}

void tbl_csv_finish(hf_table_t *p)
{
    while (p->st == ST_QUOTED && !p->fatal_rc) {
        if (recover(p))
            continue;
        if (!p->have_header) {
            hf_table_set_fatal(p, p->nfld + 1, NULL, "unterminated quote");
            return;
        }
        p->rec++;
        tbl_fail(p, p->nfld + 1, "unterminated quote");
        tbl_reset_record(p);
    }
    if (!p->fatal_rc && (p->st == ST_SKIP || p->st == ST_PLAIN || p->st == ST_QEND ||
                         (p->st == ST_START && (p->nfld || p->nraw))))
        csv_record_end(p);
    if (!p->fatal_rc && !p->have_header)
        hf_table_set_fatal(p, 0, NULL, "empty file: no header line");
}

void hf_table_csv_field(FILE *f, const char *s, bool text, const char *end)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    if (text && *s && strchr("=+-@", *s))
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    if (quote)
        fputc('"', f);
    fputs(end, f);
}
