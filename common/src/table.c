/* common/src/table.c - streaming reader of spreadsheet files: the public functions
 *
 * Bytes of a text file flow through three stages, each keeping only what it
 * must between chunks: the sniffer (the first 64 KiB, to choose format,
 * encoding and delimiter), the converter (iconv from GB18030, with the bytes
 * of a split character carried over) and the record reader (a CSV record in
 * table_csv.c, or a line here, at most HF_TABLE_MAX_ROW bytes). So memory does
 * not grow with the file. An invalid GB18030 sequence becomes the byte 0xFF,
 * never valid UTF-8, so it fails its row in the same check as a bad byte of a
 * UTF-8 file. An .xlsx file (a zip: its directory is at its end) is kept whole
 * and read at the end by table_xlsx.c. Every record then goes through
 * table_map.c. This file also formats the messages.
 */
#include "table_private.h"
#include "hf/encoding.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- messages --- */

void tbl_vformat(hf_table_error_t *e, char *buf, size_t size, const char *prefix, unsigned col,
                 const char *field, const char *fmt, va_list ap)
{
    int n;
    if (col && field && *field)
        n = snprintf(buf, size, "%scolumn %u (%s): ", prefix, col, field);
    else if (col)
        n = snprintf(buf, size, "%scolumn %u: ", prefix, col);
    else if (field && *field)
        n = snprintf(buf, size, "%s%s: ", prefix, field);
    else
        n = snprintf(buf, size, "%s", prefix);
    if (n < 0 || (size_t)n >= size)
        n = 0;
    vsnprintf(buf + n, size - (size_t)n, fmt, ap);
    e->column = col;
    e->field = field ? field : "";
    e->message = buf;
}

const char *tbl_colname(const hf_table_t *t, unsigned c)
{
    return c < t->ncols && t->names[c] ? t->names[c] : "";
}

int hf_table_set_fatal(hf_table_t *t, unsigned col, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tbl_vformat(&t->fatal, t->fatal_msg, sizeof(t->fatal_msg), col ? "header: " : "", col,
                col ? field : NULL, fmt, ap);
    va_end(ap);
    t->fatal.field = field ? field : "";
    t->fatal.row = 0;
    t->fatal_rc = HF_TABLE_FATAL;
    return t->fatal_rc;
}

int tbl_set_nomem(hf_table_t *t)
{
    hf_table_set_fatal(t, 0, NULL, "out of memory");
    return t->fatal_rc = HF_TABLE_NOMEM;
}

const hf_table_error_t *hf_table_row_error(hf_table_t *t, size_t row, unsigned col,
                                           const char *field, const char *fmt, ...)
{
    char prefix[32];
    va_list ap;
    snprintf(prefix, sizeof(prefix), "row %zu: ", row);
    if (!field && col)
        field = tbl_colname(t, col - 1);
    va_start(ap, fmt);
    tbl_vformat(&t->err, t->msg, sizeof(t->msg), prefix, col, field, fmt, ap);
    va_end(ap);
    t->err.row = row;
    return &t->err;
}

void tbl_fail(hf_table_t *t, unsigned col, const char *fmt, ...)
{
    char prefix[32];
    va_list ap;
    snprintf(prefix, sizeof(prefix), "row %zu: ", t->rec);
    va_start(ap, fmt);
    tbl_vformat(&t->err, t->msg, sizeof(t->msg), prefix, col, col ? tbl_colname(t, col - 1) : NULL,
                fmt, ap);
    va_end(ap);
    t->err.row = t->rec;
    tbl_emit_error(t);
}

void hf_table_warn(hf_table_t *t, size_t row, unsigned col, const char *field, const char *fmt, ...)
{
    char prefix[32];
    va_list ap;
    if (row)
        snprintf(prefix, sizeof(prefix), "row %zu: ", row);
    else
        snprintf(prefix, sizeof(prefix), "header: ");
    va_start(ap, fmt);
    tbl_vformat(&t->err, t->msg, sizeof(t->msg), prefix, col, field, fmt, ap);
    va_end(ap);
    t->err.row = row;
    if (t->on_warning)
        t->on_warning(t->ctx, &t->err);
}

/* --- bytes and text --- */

int tbl_text_check(const char *s, size_t n)
{
    size_t bad = hf_utf8_invalid_at(s, n);
    return memchr(s, '\0', bad) ? 2 : bad < n;
}

const char *tbl_text_problem(int bad, hf_table_encoding_t enc)
{
    return bad == 2 ? "contains a nul byte"
           : enc == HF_TABLE_GB18030 ? "invalid gb18030 byte sequence"
                                     : "invalid utf-8";
}

void tbl_shown(char *out, const char *s, size_t n)
{
    size_t i = hf_utf8_invalid_at(s, n < TBL_NAME_SHOWN ? n : TBL_NAME_SHOWN);
    memcpy(out, s, i);
    out[i] = 0;
}

size_t tbl_put(hf_table_t *t, const char *s, size_t n)
{
    size_t room = HF_TABLE_MAX_ROW - t->nraw;
    if (n > room)
        n = room;
    memcpy(t->raw + t->nraw, s, n);
    t->nraw += n;
    return n;
}

void tbl_reset_record(hf_table_t *t)
{
    t->nraw = t->fstart = 0;
    t->nfld = 0;
    t->quoted = t->fld_bad = t->too_long = false;
    t->st = ST_START;
}

/* --- lines: one cell each, for callers that parse the line (NDJSON) --- */

static void line_end(hf_table_t *t)
{
    size_t n = t->nraw;
    t->rec++;
    if (t->too_long) {
        tbl_fail(t, 0, "longer than %d bytes", HF_TABLE_MAX_ROW);
        return;
    }
    hf_table_trim(t->raw, &n);
    if (!n)
        return;
    int bad = tbl_text_check(t->raw, t->nraw);
    if (bad) {
        tbl_fail(t, 0, "%s", tbl_text_problem(bad, t->enc));
        return;
    }
    t->raw[t->nraw] = 0;
    t->cells[0] = (hf_table_cell_t){ t->raw, t->nraw, HF_CELL_TEXT, 0 };
    hf_table_row_t row = { t->rec, NULL, 1, t->cells };
    if (t->on_row(t->ctx, t, &row) && !t->fatal_rc)
        hf_table_set_fatal(t, 0, NULL, "stopped");
}

static int lines_feed(hf_table_t *t, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && !t->fatal_rc) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t j = nl ? (size_t)(nl - s) : n;
        if (t->st != ST_SKIP && tbl_put(t, s + i, j - i) < j - i) {
            t->too_long = true;
            t->st = ST_SKIP;
        }
        if (!nl)
            break;
        line_end(t);
        tbl_reset_record(t);
        i = j + 1;
    }
    return t->fatal_rc;
}

/* --- encodings and detection --- */

static int parse(hf_table_t *t, const char *s, size_t n)
{
    return t->format == HF_TABLE_CSV ? tbl_csv_feed(t, s, n) : lines_feed(t, s, n);
}

/* GB18030 to UTF-8 through the stage buffer: carried bytes first, then s.
 * An invalid byte becomes 0xFF; at the end (final) so does a cut character. */
static int convert(hf_table_t *t, const char *s, size_t n, bool final)
{
    do {
        size_t take = n < TBL_CONV_CHUNK - t->ncarry ? n : TBL_CONV_CHUNK - t->ncarry;
        if (take) {
            memcpy(t->stage + t->ncarry, s, take);
            s += take, n -= take;
        }
        char *in = t->stage;
        size_t left = t->ncarry + take;
        t->ncarry = 0;
        while (left && !t->fatal_rc) {
            char *out = t->obuf;
            size_t room = TBL_CONV_CHUNK, r = iconv(t->cd, &in, &left, &out, &room);
            int e = errno;
            if (out > t->obuf && parse(t, t->obuf, (size_t)(out - t->obuf)))
                break;
            if (r != (size_t)-1 || e == E2BIG)
                continue;
            if (e == EINVAL && !final) { /* a character cut by the chunk: keep it */
                memmove(t->stage, in, left);
                t->ncarry = left;
                break;
            }
            parse(t, "\xff", 1);
            in++, left--;
        }
    } while (n && !t->fatal_rc);
    return t->fatal_rc;
}

/* .xlsx: keep the file, up to HF_XLSX_MAX_FILE bytes. */
static int keep(hf_table_t *t, const char *s, size_t n)
{
    if (!n)
        return 0;
    if (n > HF_XLSX_MAX_FILE - t->nfile)
        return hf_table_set_fatal(t, 0, NULL, "the workbook is larger than %u bytes",
                                  HF_XLSX_MAX_FILE);
    if (t->nfile + n > t->cfile) {
        size_t cap = t->cfile ? t->cfile : 65536;
        while (cap < t->nfile + n)
            cap *= 2;
        unsigned char *f = realloc(t->file, cap);
        if (!f)
            return tbl_set_nomem(t);
        t->file = f, t->cfile = cap;
    }
    memcpy(t->file + t->nfile, s, n);
    t->nfile += n;
    return 0;
}

static int push(hf_table_t *t, const char *s, size_t n, bool final)
{
    if (t->format == HF_TABLE_XLSX)
        return n ? keep(t, s, n) : t->fatal_rc;
    if (t->enc == HF_TABLE_GB18030)
        return convert(t, s, n, final);
    return n ? parse(t, s, n) : t->fatal_rc;
}

/* UTF-8 unless the sample has more invalid bytes than valid multibyte characters. */
static hf_table_encoding_t sniff_encoding(const unsigned char *s, size_t n)
{
    size_t valid = 0, invalid = 0, i = 0;
    while (i < n) {
        int len = hf_utf8_decode((const char *)s + i, n - i, NULL);
        if (len < 0)
            break;
        if (len == 0)
            invalid++, len = 1;
        else
            valid += len > 1;
        i += (size_t)len;
    }
    return invalid > valid ? HF_TABLE_GB18030 : HF_TABLE_UTF8;
}

/* The most frequent of , ; tab outside quotes in the first line (',' on a tie or none). */
static char sniff_delimiter(const unsigned char *s, size_t n)
{
    size_t comma = 0, semi = 0, tab = 0;
    bool q = false;
    for (size_t i = 0; i < n && (q || (s[i] != '\n' && s[i] != '\r')); i++) {
        q ^= s[i] == '"';
        if (!q)
            comma += s[i] == ',', semi += s[i] == ';', tab += s[i] == '\t';
    }
    if (semi > comma && semi >= tab)
        return ';';
    return tab > comma && tab > semi ? '\t' : ',';
}

/* A zip (an .xlsx file), or an OLE2 compound file (an encrypted workbook or an old .xls). */
static bool is_zip(const unsigned char *s, size_t n)
{
    return n >= 4 && !memcmp(s, "PK\x03\x04", 4);
}

static bool is_ole2(const unsigned char *s, size_t n)
{
    return n >= 8 && !memcmp(s, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
}

/* Choose format, encoding and delimiter from the sample, then read it. */
static int decide(hf_table_t *t)
{
    const unsigned char *s = t->sniff;
    size_t n = t->nsniff, off = 0;
    t->decided = true;
    if (is_ole2(s, n))
        return hf_table_set_fatal(t, 0, NULL,
                                  "an encrypted workbook or an old .xls file: save it as .xlsx "
                                  "(Excel workbook) without a password");
    if (t->format == HF_TABLE_AUTO && is_zip(s, n))
        t->format = HF_TABLE_XLSX;
    if (t->format == HF_TABLE_XLSX) {
        int rc = keep(t, (const char *)s, n);
        free(t->sniff);
        t->sniff = NULL;
        return rc;
    }
    if (n >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF)))
        return hf_table_set_fatal(t, 0, NULL, "utf-16 is not supported: save the file as csv (utf-8)");
    if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3) && t->enc != HF_TABLE_GB18030)
        t->enc = HF_TABLE_UTF8, off = 3;
    else if (n >= 4 && !memcmp(s, "\x84\x31\x95\x33", 4) && t->enc != HF_TABLE_UTF8)
        t->enc = HF_TABLE_GB18030, off = 4;
    else if (t->enc == HF_TABLE_AUTO_ENCODING)
        t->enc = sniff_encoding(s, n);
    if (t->format == HF_TABLE_AUTO) {
        size_t i = off;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        t->format = t->detect_lines && i < n && s[i] == '{' ? HF_TABLE_LINES : HF_TABLE_CSV;
    }
    if (t->format == HF_TABLE_CSV && !t->delim)
        t->delim = sniff_delimiter(s + off, n - off);
    t->special[(unsigned char)t->delim] = t->special['\n'] = t->special['\r'] = true;
    if (t->enc == HF_TABLE_GB18030) {
        t->cd = iconv_open("UTF-8", "GB18030");
        if (t->cd == (iconv_t)-1)
            return hf_table_set_fatal(t, 0, NULL, "encoding gb18030 is not available (iconv)");
        if (!(t->stage = malloc(TBL_CONV_CHUNK)) || !(t->obuf = malloc(TBL_CONV_CHUNK)))
            return tbl_set_nomem(t);
    }
    int rc = push(t, (const char *)s + off, n - off, false);
    free(t->sniff);
    t->sniff = NULL;
    return rc;
}

/* --- public --- */

hf_table_t *hf_table_new(const hf_table_options_t *opt, hf_table_row_cb on_row,
                         hf_table_warning_cb on_warning, void *ctx)
{
    static const hf_table_options_t none;
    assert(on_row);
    if (!opt)
        opt = &none;
    if (opt->delimiter && opt->delimiter != ',' && opt->delimiter != ';' && opt->delimiter != '\t')
        return NULL;
    if (opt->ncolumns > HF_TABLE_MAX_MAPPED || (opt->ncolumns && !opt->columns))
        return NULL;
    hf_table_t *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->on_row = on_row, t->on_warning = on_warning, t->ctx = ctx;
    t->format = opt->format, t->enc = opt->encoding, t->delim = opt->delimiter;
    t->detect_lines = opt->detect_lines;
    t->max_rows = opt->max_rows;
    t->columns = opt->ncolumns ? opt->columns : NULL;
    t->ncolumns = opt->ncolumns;
    t->cd = (iconv_t)-1;
    t->raw = malloc(HF_TABLE_MAX_ROW + 1);
    t->sniff = malloc(HF_TABLE_SNIFF);
    bool ok = t->raw && t->sniff && (!opt->sheet || (t->sheet = strdup(opt->sheet)));
    for (unsigned i = 0; i < t->ncolumns && opt->mapping && ok; i++) {
        char key[64];
        if (!opt->mapping[i])
            continue;
        t->explicit_map = true;
        ok = hf_table_normalize(key, opt->mapping[i], strlen(opt->mapping[i])) &&
             (t->mapping[i] = strdup(key)) != NULL;
    }
    if (!ok)
        hf_table_destroy(&t);
    return t;
}

void hf_table_destroy(hf_table_t **tp)
{
    hf_table_t *t = tp ? *tp : NULL;
    if (!t)
        return;
    if (t->cd != (iconv_t)-1)
        iconv_close(t->cd);
    for (unsigned i = 0; i < HF_TABLE_MAX_MAPPED; i++)
        free(t->mapping[i]);
    tbl_xlsx_free(&t->x);
    if (t->file) /* a workbook is held whole: personal data, wiped as the importer wipes its parts */
        explicit_bzero(t->file, t->cfile);
    free(t->file);
    free(t->sheet);
    free(t->sniff);
    free(t->stage);
    free(t->obuf);
    free(t->raw);
    free(t->spare);
    free(t);
    *tp = NULL;
}

int hf_table_feed(hf_table_t *t, const void *buf, size_t len)
{
    const char *s = buf;
    assert(t && !t->finished && (buf || !len));
    if (t->fatal_rc)
        return t->fatal_rc;
    if (!t->decided) {
        size_t take = len < HF_TABLE_SNIFF - t->nsniff ? len : HF_TABLE_SNIFF - t->nsniff;
        if (take) {
            memcpy(t->sniff + t->nsniff, s, take);
            t->nsniff += take, s += take, len -= take;
        }
        if (t->nsniff < HF_TABLE_SNIFF || decide(t))
            return t->fatal_rc;
    }
    return len ? push(t, s, len, false) : 0;
}

int hf_table_finish(hf_table_t *t)
{
    assert(t && !t->finished);
    t->finished = true;
    if (!t->fatal_rc && !t->decided)
        decide(t);
    if (!t->fatal_rc)
        push(t, NULL, 0, true);
    if (t->fatal_rc)
        return t->fatal_rc;
    if (t->format == HF_TABLE_XLSX)
        return tbl_xlsx_read(t);
    if (t->format == HF_TABLE_CSV)
        tbl_csv_finish(t);
    else if (t->nraw || t->too_long)
        line_end(t);
    return t->fatal_rc;
}

const hf_table_error_t *hf_table_fatal(const hf_table_t *t)
{
    return t->fatal_rc ? &t->fatal : NULL;
}

unsigned hf_table_column_at(const hf_table_t *t, unsigned i)
{
    return i < t->ncolumns ? t->colof[i] : 0;
}

hf_table_encoding_t hf_table_encoding(const hf_table_t *t)
{
    return t->decided && t->format != HF_TABLE_XLSX ? t->enc : HF_TABLE_AUTO_ENCODING;
}

hf_table_format_t hf_table_format(const hf_table_t *t)
{
    return t->decided ? t->format : HF_TABLE_AUTO;
}
