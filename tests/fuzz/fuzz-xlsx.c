/* tests/fuzz/fuzz-xlsx.c - fuzz target of the .xlsx half of the table reader (common/src/table*.c)
 *
 * A zip whose entries carry checksums is a poor thing to mutate: almost
 * every change fails the checksum and never reaches the XML. So the first
 * byte chooses: even, the rest is the file as uploaded (zip handling,
 * damaged and refused files); odd, the rest is the sheet, the shared strings
 * and the styles separated by NUL bytes, packed here into a workbook with
 * libzip (stored, so sizes stay small) around a fixed workbook and its
 * relationships (the sheet streamed twice, strings, rich text, styles and
 * dates, merged cells, formulas). Bit 1 asks for mapped columns (text,
 * number, date, yes/no), bit 2 for a limit of 3 rows, bit 3 for the 1904
 * date system. Each workbook is read whole and in small chunks; the
 * promises checked:
 *   - row numbers strictly increase; a failed row has a message that starts
 *     with "row N: ", does not end in '.', and holds no cells;
 *   - every cell is empty or non-empty text, NUL-terminated at its length,
 *     valid UTF-8 without NUL, within HF_TABLE_MAX_FIELD bytes (the
 *     header's within HF_TABLE_MAX_ROW);
 *   - a fatal error has a message and comes before any row: a workbook is
 *     refused whole or read whole;
 *   - chunking changes nothing.
 * A broken promise is an abort(), so libFuzzer (run.sh xlsx, clang) and the
 * corpus replay (the unit suite) both report it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "fuzz_chunks.h"
#include "hf/encoding.h"
#include "hf/table.h"

int fuzz_xlsx_input(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    uint64_t digest;
    size_t last_row, rows;
    bool header;
} seen_t;

#define fail(what, value) fuzz_fail("fuzz-xlsx", what, value)

static int on_row(void *ctx, hf_table_t *t, const hf_table_row_t *r)
{
    seen_t *s = ctx;
    (void)t;
    if (r->row == 0) {
        if (s->header || s->rows)
            fail("a second header", 0);
        s->header = true;
    } else if (r->row <= s->last_row) {
        fail("row number did not increase", r->row);
    }
    s->last_row = r->row;
    s->rows++;
    fuzz_mix(&s->digest, &r->row, sizeof(r->row));
    if (r->error) {
        if (!fuzz_row_message_ok(r->row, r->error->message) || r->ncells || !r->error->field)
            fail("bad row error", r->row);
        fuzz_mix(&s->digest, r->error->message, strlen(r->error->message));
        return 0;
    }
    for (unsigned i = 0; i < r->ncells; i++) {
        const hf_table_cell_t *c = &r->cells[i];
        if (!c->s) {
            if (c->len || c->type != HF_CELL_EMPTY)
                fail("empty cell with a length or a type", i);
            continue;
        }
        if (!c->len || strlen(c->s) != c->len ||
            c->len > (r->row ? HF_TABLE_MAX_FIELD : HF_TABLE_MAX_ROW) ||
            !hf_utf8_valid(c->s, c->len) || c->type == HF_CELL_EMPTY)
            fail("bad cell", i);
        fuzz_mix(&s->digest, c->s, c->len);
        fuzz_mix(&s->digest, &c->type, sizeof(c->type));
    }
    return 0;
}

static void on_warning(void *ctx, const hf_table_error_t *w)
{
    size_t n = strlen(w->message);
    if (!n || w->message[n - 1] == '.' || !hf_utf8_valid(w->message, n))
        fail("bad warning", n);
    fuzz_mix(&((seen_t *)ctx)->digest, w->message, n);
}

static const hf_table_column_t columns[] = {
    { "name", "name|姓名", NULL, HF_COL_TEXT, true, false, HF_TEXT_NAME },
    { "amount", "amount|金额", NULL, HF_COL_NUMBER, false, false, { 0 } },
    { "date", "date|日期", NULL, HF_COL_DATE, false, false, { 0 } },
    { "flag", "flag|是否", NULL, HF_COL_BOOL, false, false, { 0 } },
};

static int feed(void *t, const void *buf, size_t len)
{
    return hf_table_feed(t, buf, len);
}

static int finish(void *t)
{
    return hf_table_finish(t);
}

static uint64_t read_all(const hf_table_options_t *opt, const uint8_t *data, size_t size,
                         uint64_t seed, int *rc_out)
{
    seen_t s = { FUZZ_DIGEST_START, 0, 0, false };
    hf_table_t *t = hf_table_new(opt, on_row, on_warning, &s);
    if (!t)
        abort();
    int rc = fuzz_feed_all(&(fuzz_stream_t){ t, feed, finish }, data, size, seed, 512);
    if (rc) {
        const hf_table_error_t *e = hf_table_fatal(t);
        if (!e || !fuzz_fatal_ok(rc, HF_TABLE_FATAL, e->message, s.rows))
            fail("bad fatal error", s.rows);
        fuzz_mix(&s.digest, e->message, strlen(e->message));
    }
    *rc_out = rc;
    hf_table_destroy(&t);
    return s.digest;
}

static const char workbook[] =
    "<workbook xmlns:r=\"r\"><workbookPr date1904=\"%d\"/><sheets>"
    "<sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char rels[] =
    "<Relationships><Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/s.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"x/sharedStrings\" Target=\"/xl/strings.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"x/styles\" Target=\"styles.xml\"/></Relationships>";

static bool add(zip_t *z, const char *name, const void *data, size_t len)
{
    zip_source_t *src = zip_source_buffer(z, data, len, 0);
    zip_int64_t i = src ? zip_file_add(z, name, src, ZIP_FL_ENC_UTF_8) : -1;
    if (i < 0) {
        zip_source_free(src);
        return false;
    }
    return zip_set_file_compression(z, (zip_uint64_t)i, ZIP_CM_STORE, 0) == 0;
}

/* The parts (sheet NUL strings NUL styles) packed into a workbook; malloc'd. */
static uint8_t *pack(const uint8_t *data, size_t size, bool date1904, size_t *len)
{
    const uint8_t *part[3] = { data, NULL, NULL };
    size_t plen[3] = { size, 0, 0 };
    for (int k = 0; k < 2; k++) {
        const uint8_t *nul = memchr(part[k], 0, plen[k]);
        if (!nul)
            break;
        part[k + 1] = nul + 1;
        plen[k + 1] = plen[k] - (size_t)(nul + 1 - part[k]);
        plen[k] = (size_t)(nul - part[k]);
    }
    char wb[256];
    snprintf(wb, sizeof(wb), workbook, date1904);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
    zip_error_fini(&ze);
    if (!z)
        abort();
    zip_source_keep(src);
    bool ok = add(z, "xl/workbook.xml", wb, strlen(wb)) &&
              add(z, "xl/_rels/workbook.xml.rels", rels, sizeof(rels) - 1) &&
              add(z, "xl/worksheets/s.xml", part[0], plen[0]) &&
              (!part[1] || add(z, "xl/strings.xml", part[1], plen[1])) &&
              (!part[2] || add(z, "xl/styles.xml", part[2], plen[2]));
    if (!ok || zip_close(z) < 0)
        abort();
    zip_stat_t st;
    uint8_t *out = NULL;
    if (zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
        out = malloc(st.size ? st.size : 1);
        if (!out || zip_source_read(src, out, st.size) != (zip_int64_t)st.size)
            abort();
        zip_source_close(src);
        *len = st.size;
    }
    zip_source_free(src);
    if (!out)
        abort();
    return out;
}

int fuzz_xlsx_input(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    uint8_t mode = data[0];
    hf_table_options_t opt = { .format = HF_TABLE_XLSX };
    if (mode & 2)
        opt.columns = columns, opt.ncolumns = 4;
    if (mode & 4)
        opt.max_rows = 3;
    data++, size--;
    size_t len = size;
    uint8_t *file = mode & 1 ? pack(data, size, (mode & 8) != 0, &len) : NULL;
    const uint8_t *bytes = file ? file : data;
    uint64_t seed = 0x9e3779b97f4a7c15ull ^ len;
    int rc1, rc2;
    uint64_t whole = read_all(&opt, bytes, len, 0, &rc1);
    uint64_t chunked = read_all(&opt, bytes, len, seed | 1, &rc2);
    if (whole != chunked || rc1 != rc2)
        fail("chunking changed the result", len);
    free(file);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_xlsx_input(data, size);
}
