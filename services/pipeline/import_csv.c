/* services/pipeline/import_csv.c - the import reader's CSV records
 *
 * A state machine over bytes that may arrive in any chunks: a record is kept
 * as its original bytes plus the offsets of its fields (span_t) and unquoted
 * in place once complete, so a row of plain fields costs one copy and one
 * scan. Keeping the original bytes is also what recovers an unterminated
 * quote: the row fails and the lines after the quote's line are read again.
 * The first record is the header, mapped to fields through import_rows.c.
 */
#include "import_private.h"

#include <stdlib.h>
#include <string.h>

static void end_field(pl_import_t *p)
{
    if (p->nfld < PL_IMPORT_MAX_COLUMNS)
        p->fld[p->nfld] = (span_t){ (uint32_t)p->fstart, (uint32_t)p->nraw, p->quoted, p->fld_bad };
    p->nfld++;
    p->quoted = p->fld_bad = false;
}

/* Column c's value, unquoted in place and trimmed. */
static char *field_value(pl_import_t *p, unsigned c, size_t *len)
{
    span_t f = p->fld[c];
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
    char *t = (char *)imp_trim(s, &n);
    *len = n;
    return t;
}

/* A record of empty or blank fields only (an empty line, a line of bare delimiters). */
static bool blank(const pl_import_t *p)
{
    if (p->nfld > PL_IMPORT_MAX_COLUMNS)
        return false;
    for (unsigned c = 0; c < p->nfld; c++)
        for (uint32_t i = p->fld[c].start; i < p->fld[c].end; i++)
            if (p->raw[i] != ' ' && p->raw[i] != '\t')
                return false;
    return true;
}

static void csv_header(pl_import_t *p)
{
    if (p->too_long) {
        imp_set_fatal(p, 0, NULL, "header: longer than %d bytes", PL_IMPORT_MAX_ROW);
        return;
    }
    if (blank(p))
        return;
    if (p->nfld > PL_IMPORT_MAX_COLUMNS) {
        imp_set_fatal(p, 0, NULL, "header: %u columns, the limit is %d", p->nfld,
                  PL_IMPORT_MAX_COLUMNS);
        return;
    }
    p->ncols = p->nfld;
    for (unsigned c = 0; c < p->ncols; c++) {
        size_t n;
        char *s = field_value(p, c, &n);
        p->map[c] = -1;
        if (p->fld[c].bad || imp_text_check(s, n)) {
            imp_set_fatal(p, c + 1, NULL, "%s",
                      p->fld[c].bad ? "text after closing quote"
                      : p->enc == PL_IMPORT_GB18030 ? "invalid gb18030 byte sequence"
                                                    : "invalid utf-8 (for a gbk file, say so)");
            return;
        }
        imp_shown(p->hdr[c], s, n);
        int f = imp_lookup(p, s, n);
        if (f < 0) {
            imp_warn(p, 0, c + 1, p->hdr[c], n ? "unknown column, ignored" : "no name, ignored");
            continue;
        }
        if (p->colof[f]) {
            imp_set_fatal(p, c + 1, p->hdr[c], "%s is also column %u (%s)", imp_field_names[f],
                      p->colof[f], p->hdr[p->colof[f] - 1]);
            return;
        }
        p->map[c] = f;
        p->colof[f] = c + 1;
    }
    for (int f = 0; f < PL_CAND_FIELDS; f++)
        if (p->columns[f] && !p->colof[f]) {
            imp_set_fatal(p, 0, imp_field_names[f], "header: no column \"%s\" for %s", p->columns[f],
                      imp_field_names[f]);
            return;
        }
    if (!p->colof[PL_CAND_NAME])
        imp_set_fatal(p, 0, "name", "header: no column for name (姓名, name, full name)");
    else if (!p->colof[PL_CAND_PHONE] && !p->colof[PL_CAND_EMAIL])
        imp_set_fatal(p, 0, "phone", "header: no column for phone or email (手机, 邮箱, phone, email)");
    p->have_header = !p->fatal_rc;
}

static void csv_row(pl_import_t *p)
{
    unsigned nf = p->nfld < PL_IMPORT_MAX_COLUMNS ? p->nfld : PL_IMPORT_MAX_COLUMNS;
    for (unsigned c = 0; c < nf; c++)
        if (p->fld[c].bad) {
            fail_col(p, c, "text after closing quote");
            return;
        }
    if (p->nfld != p->ncols) {
        fail_row(p, "%u columns, the header has %u", p->nfld, p->ncols);
        return;
    }
    for (int f = 0; f < PL_CAND_FIELDS; f++) {
        unsigned col = p->colof[f];
        size_t n;
        if (!col)
            continue;
        char *s = field_value(p, col - 1, &n);
        if (n && !imp_set_value(p, f, col, s, n))
            return;
    }
    imp_finish_row(p);
}

static void csv_record_end(pl_import_t *p)
{
    if (!p->too_long)
        end_field(p);
    if (!p->have_header) {
        csv_header(p);
    } else {
        p->rec++;
        imp_clear_row(p);
        if (p->too_long)
            fail_row(p, "longer than %d bytes", PL_IMPORT_MAX_ROW);
        else if (!blank(p))
            csv_row(p);
    }
    imp_reset_record(p);
}

/* A quote still open at the end of the file or after PL_IMPORT_MAX_ROW bytes:
 * the row fails and reading resumes at the line after the quote's line.
 * False when there is no such line in the record (the caller decides). */
static bool recover(pl_import_t *p)
{
    size_t from = p->quote_open + 1, at = from;
    while (at < p->nraw && p->raw[at] != '\n' && p->raw[at] != '\r')
        at++;
    if (at == p->nraw)
        return false;
    if (!p->have_header) {
        imp_set_fatal(p, p->nfld + 1, NULL, "unterminated quote");
        return true;
    }
    p->rec++;
    fail_col(p, p->nfld, "unterminated quote");
    if (!p->spare && !(p->spare = malloc(PL_IMPORT_MAX_ROW + 1))) {
        imp_set_nomem(p);
        return true;
    }
    char *tail = p->raw;
    size_t len = p->nraw - at - 1;
    bool cr = p->raw[at] == '\r';
    p->raw = p->spare;
    p->spare = tail;
    imp_reset_record(p);
    p->st = cr ? ST_CR : ST_START;
    imp_csv_feed(p, tail + at + 1, len);
    return true;
}

/* The record went over PL_IMPORT_MAX_ROW: recover an open quote, or skip to the line end. */
static void overflow(pl_import_t *p)
{
    if ((p->st == ST_QUOTED || p->st == ST_QEND) && recover(p))
        return;
    p->too_long = true;
    p->st = ST_SKIP;
}

/* Append s[*i..j) to the record and move *i past what was taken; false, with
 * the overflow handled, when the record reached its limit first. */
static bool take(pl_import_t *p, const char *s, size_t *i, size_t j)
{
    size_t k = imp_put(p, s + *i, j - *i);
    bool all = k == j - *i;
    *i += k;
    if (!all)
        overflow(p);
    return all;
}

int imp_csv_feed(pl_import_t *p, const char *s, size_t n)
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

void imp_csv_finish(pl_import_t *p)
{
    while (p->st == ST_QUOTED && !p->fatal_rc) {
        if (recover(p))
            continue;
        if (!p->have_header) {
            imp_set_fatal(p, p->nfld + 1, NULL, "unterminated quote");
            return;
        }
        p->rec++;
        fail_col(p, p->nfld, "unterminated quote");
        imp_reset_record(p);
    }
    if (!p->fatal_rc && (p->st == ST_SKIP || p->st == ST_PLAIN || p->st == ST_QEND ||
                         (p->st == ST_START && (p->nfld || p->nraw))))
        csv_record_end(p);
    if (!p->fatal_rc && !p->have_header)
        imp_set_fatal(p, 0, NULL, "empty file: no header line");
}
