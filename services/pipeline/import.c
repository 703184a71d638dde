/* services/pipeline/import.c - streaming reader of candidate import files (CSV, .xlsx, NDJSON)
 *
 * The table reader of common/ (hf/table.h) does the reading: sniffing,
 * GB18030, CSV records, .xlsx sheets, the header mapped to the candidate
 * columns (import_rows.c) with every value checked, per-row errors and
 * limits. This file drives it and takes its rows: a table row has its values
 * by field already and goes on to the checks across fields; an NDJSON line
 * (the table reader's lines, chosen when the file starts with '{') goes to
 * import_ndjson.c first.
 */
#include "import_private.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static int on_table_row(void *ctx, hf_table_t *t, const hf_table_row_t *r)
{
    pl_import_t *p = ctx;
    if (hf_table_format(t) == HF_TABLE_LINES) {
        p->rec = r->row;
        imp_clear_row(p);
        if (r->error)
            imp_fail(p, r->error);
        else
            imp_nd_line(p, r->cells[0].s, r->cells[0].len);
        return 0;
    }
    if (r->row == 0) /* the header: the table reader saw to name; phone or email */
        return !hf_table_column_at(t, PL_CAND_PHONE) && !hf_table_column_at(t, PL_CAND_EMAIL)
                   ? hf_table_set_fatal(t, 0, "phone", "header: no column for phone or email "
                                                       "(手机, 邮箱, phone, email)")
                   : 0;
    p->rec = r->row;
    imp_clear_row(p);
    if (r->error) {
        imp_fail(p, r->error);
        return 0;
    }
    for (int f = 0; f < PL_CAND_FIELDS; f++) {
        p->row.value[f] = r->cells[f].s;
        p->row.len[f] = r->cells[f].len;
    }
    imp_finish_row(p);
    return 0;
}

static void on_table_warning(void *ctx, const hf_table_error_t *w)
{
    pl_import_t *p = ctx;
    p->stats.warnings++;
    if (p->on_warning)
        p->on_warning(p->ctx, w);
}

pl_import_t *pl_import_new(const pl_import_options_t *opt, pl_import_row_cb on_row,
                           pl_import_warning_cb on_warning, void *ctx)
{
    static const pl_import_options_t none;
    static const hf_table_format_t formats[] = {
        [PL_IMPORT_AUTO_FORMAT] = HF_TABLE_AUTO, [PL_IMPORT_CSV] = HF_TABLE_CSV,
        [PL_IMPORT_NDJSON] = HF_TABLE_LINES,     [PL_IMPORT_XLSX] = HF_TABLE_XLSX,
    };
    assert(on_row);
    if (!opt)
        opt = &none;
    if (opt->format > PL_IMPORT_XLSX)
        return NULL;
    pl_import_t *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->on_row = on_row, p->on_warning = on_warning, p->ctx = ctx;
    imp_columns(p->columns);
    hf_table_options_t to = { .format = formats[opt->format],
                              .encoding = (hf_table_encoding_t)opt->encoding,
                              .delimiter = opt->delimiter,
                              .detect_lines = true,
                              .columns = p->columns,
                              .ncolumns = PL_CAND_FIELDS,
                              .mapping = opt->columns };
    p->t = hf_table_new(&to, on_table_row, on_table_warning, p);
    p->sk = malloc(SKILLS_SIZE);
    if (!p->t || !p->sk)
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
    hf_table_destroy(&p->t);
    for (size_t i = 0; i < p->nwarned; i++)
        free(p->warned[i]);
    free(p->sk);
    free(p->vals);
    free(p);
    *pp = NULL;
}

int pl_import_feed(pl_import_t *p, const void *buf, size_t len)
{
    return hf_table_feed(p->t, buf, len);
}

int pl_import_finish(pl_import_t *p)
{
    return hf_table_finish(p->t);
}

const pl_import_error_t *pl_import_fatal(const pl_import_t *p)
{
    return hf_table_fatal(p->t);
}

pl_import_stats_t pl_import_stats(const pl_import_t *p)
{
    return p->stats;
}

pl_import_encoding_t pl_import_encoding(const pl_import_t *p)
{
    return (pl_import_encoding_t)hf_table_encoding(p->t);
}
