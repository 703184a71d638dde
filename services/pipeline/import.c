/* services/pipeline/import.c - streaming reader of candidate import files (CSV, NDJSON)
 *
 * Bytes flow through three stages, each keeping only what it must between
 * chunks: the sniffer (the first 64 KiB, to choose encoding, format and
 * delimiter), the converter (iconv from GB18030, with the bytes of a split
 * character carried over) and the record reader (one CSV record or NDJSON
 * line, at most PL_IMPORT_MAX_ROW bytes). So memory does not grow with the
 * file. A CSV record is kept as its original bytes plus the offsets of its
 * fields and unquoted in place once complete: a row of plain fields costs one
 * copy and one scan. Keeping the original bytes is also what recovers an
 * unterminated quote: the row fails and the lines after the quote's line are
 * read again. An invalid GB18030 sequence becomes the byte 0xFF, never valid
 * UTF-8, so it fails its row in the same check as a bad byte of a UTF-8 file.
 * This file holds the public functions, the sniffer and the converter; the
 * record readers are import_csv.c and import_ndjson.c, and what they share
 * (fields, aliases, value and row checks, messages) is import_rows.c, with
 * the reader's state in import_private.h.
 */
#include "import_private.h"
#include "hf/encoding.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* --- encodings and detection --- */

static int parse(pl_import_t *p, const char *s, size_t n)
{
    return p->format == PL_IMPORT_CSV ? imp_csv_feed(p, s, n) : imp_nd_feed(p, s, n);
}

/* GB18030 to UTF-8 through the stage buffer: carried bytes first, then s.
 * An invalid byte becomes 0xFF; at the end (final) so does a cut character. */
static int convert(pl_import_t *p, const char *s, size_t n, bool final)
{
    do {
        size_t take = n < CONV_CHUNK - p->ncarry ? n : CONV_CHUNK - p->ncarry;
        if (take) {
            memcpy(p->stage + p->ncarry, s, take);
            s += take, n -= take;
        }
        char *in = p->stage;
        size_t left = p->ncarry + take;
        p->ncarry = 0;
        while (left && !p->fatal_rc) {
            char *out = p->obuf;
            size_t room = CONV_CHUNK, r = iconv(p->cd, &in, &left, &out, &room);
            int e = errno;
            if (out > p->obuf && parse(p, p->obuf, (size_t)(out - p->obuf)))
                break;
            if (r != (size_t)-1 || e == E2BIG)
                continue;
            if (e == EINVAL && !final) { /* a character cut by the chunk: keep it */
                memmove(p->stage, in, left);
                p->ncarry = left;
                break;
            }
            parse(p, "\xff", 1);
            in++, left--;
        }
    } while (n && !p->fatal_rc);
    return p->fatal_rc;
}

static int push(pl_import_t *p, const char *s, size_t n, bool final)
{
    if (p->enc == PL_IMPORT_GB18030)
        return convert(p, s, n, final);
    return n ? parse(p, s, n) : p->fatal_rc;
}

/* UTF-8 unless the sample has more invalid bytes than valid multibyte characters. */
static pl_import_encoding_t sniff_encoding(const unsigned char *s, size_t n)
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
    return invalid > valid ? PL_IMPORT_GB18030 : PL_IMPORT_UTF8;
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

/* Choose encoding, format and delimiter from the sample, then read it. */
static int decide(pl_import_t *p)
{
    const unsigned char *s = p->sniff;
    size_t n = p->nsniff, off = 0;
    p->decided = true;
    if (n >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF)))
        return imp_set_fatal(p, 0, NULL, "utf-16 is not supported: save the file as csv (utf-8)");
    if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3) && p->enc != PL_IMPORT_GB18030)
        p->enc = PL_IMPORT_UTF8, off = 3;
    else if (n >= 4 && !memcmp(s, "\x84\x31\x95\x33", 4) && p->enc != PL_IMPORT_UTF8)
        p->enc = PL_IMPORT_GB18030, off = 4;
    else if (p->enc == PL_IMPORT_AUTO_ENCODING)
        p->enc = sniff_encoding(s, n);
    if (p->format == PL_IMPORT_AUTO_FORMAT) {
        size_t i = off;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        p->format = i < n && s[i] == '{' ? PL_IMPORT_NDJSON : PL_IMPORT_CSV;
    }
    if (p->format == PL_IMPORT_CSV && !p->delim)
        p->delim = sniff_delimiter(s + off, n - off);
    p->special[(unsigned char)p->delim] = p->special['\n'] = p->special['\r'] = true;
    if (p->format == PL_IMPORT_NDJSON && !(p->vals = malloc(VALS_SIZE)))
        return imp_set_nomem(p);
    if (p->enc == PL_IMPORT_GB18030) {
        p->cd = iconv_open("UTF-8", "GB18030");
        if (p->cd == (iconv_t)-1)
            return imp_set_fatal(p, 0, NULL, "encoding gb18030 is not available (iconv)");
        if (!(p->stage = malloc(CONV_CHUNK)) || !(p->obuf = malloc(CONV_CHUNK)))
            return imp_set_nomem(p);
    }
    int rc = push(p, (const char *)s + off, n - off, false);
    free(p->sniff);
    p->sniff = NULL;
    return rc;
}

/* --- public --- */

pl_import_t *pl_import_new(const pl_import_options_t *opt, pl_import_row_cb on_row,
                           pl_import_warning_cb on_warning, void *ctx)
{
    static const pl_import_options_t none;
    assert(on_row);
    if (!opt)
        opt = &none;
    if (opt->delimiter && opt->delimiter != ',' && opt->delimiter != ';' && opt->delimiter != '\t')
        return NULL;
    pl_import_t *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->on_row = on_row, p->on_warning = on_warning, p->ctx = ctx;
    p->format = opt->format, p->enc = opt->encoding, p->delim = opt->delimiter;
    p->cd = (iconv_t)-1;
    p->raw = malloc(PL_IMPORT_MAX_ROW + 1);
    p->sniff = malloc(PL_IMPORT_SNIFF);
    p->sk = malloc(SKILLS_SIZE);
    bool ok = p->raw && p->sniff && p->sk;
    for (int f = 0; f < PL_CAND_FIELDS && ok; f++) {
        char key[64];
        if (!opt->columns[f])
            continue;
        p->explicit_map = true;
        ok = imp_normalize(key, opt->columns[f], strlen(opt->columns[f])) &&
             (p->columns[f] = strdup(key)) != NULL;
    }
    if (!ok)
        pl_import_destroy(&p);
    else
        imp_clear_row(p);
    return p;
}

void pl_import_destroy(pl_import_t **pp)
{
    pl_import_t *p = pp ? *pp : NULL;
    if (!p)
        return;
    if (p->cd != (iconv_t)-1)
        iconv_close(p->cd);
    for (int f = 0; f < PL_CAND_FIELDS; f++)
        free(p->columns[f]);
    for (size_t i = 0; i < p->nwarned; i++)
        free(p->warned[i]);
    free(p->sniff);
    free(p->stage);
    free(p->obuf);
    free(p->raw);
    free(p->spare);
    free(p->sk);
    free(p->vals);
    free(p);
    *pp = NULL;
}

int pl_import_feed(pl_import_t *p, const void *buf, size_t len)
{
    const char *s = buf;
    assert(p && !p->finished && (buf || !len));
    if (p->fatal_rc)
        return p->fatal_rc;
    if (!p->decided) {
        size_t take = len < PL_IMPORT_SNIFF - p->nsniff ? len : PL_IMPORT_SNIFF - p->nsniff;
        if (take) {
            memcpy(p->sniff + p->nsniff, s, take);
            p->nsniff += take, s += take, len -= take;
        }
        if (p->nsniff < PL_IMPORT_SNIFF || decide(p))
            return p->fatal_rc;
    }
    return len ? push(p, s, len, false) : 0;
}

int pl_import_finish(pl_import_t *p)
{
    assert(p && !p->finished);
    p->finished = true;
    if (!p->fatal_rc && !p->decided)
        decide(p);
    if (!p->fatal_rc)
        push(p, NULL, 0, true);
    if (p->fatal_rc)
        return p->fatal_rc;
    if (p->format == PL_IMPORT_CSV)
        imp_csv_finish(p);
    else if (p->nraw || p->too_long)
        imp_nd_line(p);
    return p->fatal_rc;
}

const pl_import_error_t *pl_import_fatal(const pl_import_t *p)
{
    return p->fatal_rc ? &p->fatal : NULL;
}

pl_import_stats_t pl_import_stats(const pl_import_t *p)
{
    return p->stats;
}

pl_import_encoding_t pl_import_encoding(const pl_import_t *p)
{
    return p->decided ? p->enc : PL_IMPORT_AUTO_ENCODING;
}
