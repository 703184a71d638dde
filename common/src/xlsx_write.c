/* common/src/xlsx_write.c - one sheet of rows as an .xlsx workbook, on libxlsxwriter
 *
 * libxlsxwriter writes a workbook to a file name given when it is created
 * (1.1.4 has no memory output), so each workbook gets a private temporary
 * file (mkstemp: mode 0600) that hf_xlsx_finish() reads back and removes.
 * Constant-memory mode keeps one row in memory; its strings are written
 * inline, which hf/table.h reads as well as shared ones.
 */
#include "hf/xlsx_write.h"
#include "hf/encoding.h"
#include "hf_private.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define MAX_TEXT 32767 /* Excel's limit of a cell */

struct hf_xlsx {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *money, *date, *bold;
    lxw_row_t row;
    lxw_col_t col;
    char path[64];
};

hf_xlsx_t *hf_xlsx_new(const char *sheet)
{
    hf_xlsx_t *x = calloc(1, sizeof(*x));
    if (!x)
        return NULL;
    const char *dir = getenv("TMPDIR");
    snprintf(x->path, sizeof(x->path), "%.40s/hf-xlsx-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(x->path);
    if (fd < 0) {
        free(x);
        return NULL;
    }
    close(fd);
    lxw_workbook_options opt = { .constant_memory = LXW_TRUE };
    x->wb = workbook_new_opt(x->path, &opt);
    if (x->wb && (!sheet || workbook_validate_sheet_name(x->wb, sheet) == LXW_NO_ERROR))
        x->ws = workbook_add_worksheet(x->wb, sheet);
    if (x->ws) {
        x->money = workbook_add_format(x->wb);
        x->date = workbook_add_format(x->wb);
        x->bold = workbook_add_format(x->wb);
    }
    if (!x->money || !x->date || !x->bold) {
        hf_xlsx_destroy(&x);
        return NULL;
    }
    format_set_num_format(x->money, "0.00");
    format_set_num_format(x->date, "yyyy-mm-dd");
    format_set_bold(x->bold);
    return x;
}

static int status(lxw_error e)
{
    return e == LXW_NO_ERROR                 ? 0
           : e == LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE ? -ERANGE
           : e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED  ? -EINVAL
                                                        : -EIO;
}

/* Move to the next cell once the current one is written. */
static int advance(hf_xlsx_t *x, lxw_error e)
{
    int rc = status(e);
    if (rc == 0)
        x->col++;
    return rc;
}

static int room(const hf_xlsx_t *x)
{
    return x->col < LXW_COL_MAX && x->row < LXW_ROW_MAX ? 0 : -ERANGE;
}

int hf_xlsx_text(hf_xlsx_t *x, const char *s)
{
    size_t n = strlen(s);
    if (room(x))
        return -ERANGE;
    if (n > MAX_TEXT || !hf_utf8_valid(s, n))
        return -EINVAL;
    if (!n)
        return hf_xlsx_blank(x);
    return advance(x, worksheet_write_string(x->ws, x->row, x->col, s, NULL));
}

int hf_xlsx_money(hf_xlsx_t *x, int64_t fen)
{
    if (room(x))
        return -ERANGE;
    /* one correctly rounded division: the double nearest the amount in yuan */
    double v = (double)fen / 100.0;
    return advance(x, worksheet_write_number(x->ws, x->row, x->col, v, x->money));
}

int hf_xlsx_number(hf_xlsx_t *x, double v)
{
    if (room(x))
        return -ERANGE;
    return advance(x, worksheet_write_number(x->ws, x->row, x->col, v, NULL));
}

int hf_xlsx_date(hf_xlsx_t *x, int year, int month, int day)
{
    if (room(x))
        return -ERANGE;
    if (year < 1900 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        (unsigned)day > hf_month_days(year, (unsigned)month))
        return -EINVAL;
    lxw_datetime dt = { year, month, day, 0, 0, 0 };
    return advance(x, worksheet_write_datetime(x->ws, x->row, x->col, &dt, x->date));
}

int hf_xlsx_blank(hf_xlsx_t *x)
{
    if (room(x))
        return -ERANGE;
    x->col++;
    return 0;
}

int hf_xlsx_next_row(hf_xlsx_t *x)
{
    if (x->row + 1 >= LXW_ROW_MAX)
        return -ERANGE;
    x->row++;
    x->col = 0;
    return 0;
}

int hf_xlsx_header(hf_xlsx_t *x, const char *const *names, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (strlen(names[i]) > MAX_TEXT || !hf_utf8_valid(names[i], strlen(names[i])))
            return -EINVAL;
        int rc = status(worksheet_write_string(x->ws, x->row, (lxw_col_t)i, names[i], x->bold));
        if (rc)
            return rc;
    }
    worksheet_freeze_panes(x->ws, 1, 0);
    return hf_xlsx_next_row(x);
}

void hf_xlsx_destroy(hf_xlsx_t **xp)
{
    hf_xlsx_t *x = xp ? *xp : NULL;
    if (!x)
        return;
    if (x->wb)
        lxw_workbook_free(x->wb);
    unlink(x->path);
    free(x);
    *xp = NULL;
}

/* The whole file at path into a new buffer. */
static int slurp(const char *path, unsigned char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    long n = -1;
    if (!f)
        return -EIO;
    if (fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    rewind(f);
    *out = n >= 0 ? malloc((size_t)n + 1) : NULL;
    int rc = n < 0 ? -EIO : !*out ? -ENOMEM : fread(*out, 1, (size_t)n, f) == (size_t)n ? 0 : -EIO;
    fclose(f);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    *len = rc ? 0 : (size_t)n;
    return rc;
}

int hf_xlsx_finish(hf_xlsx_t **xp, unsigned char **out, size_t *len)
{
    hf_xlsx_t *x = *xp;
    *out = NULL, *len = 0;
    lxw_error e = workbook_close(x->wb);
    x->wb = NULL; /* closed and freed, whatever the outcome */
    int rc = e == LXW_NO_ERROR ? slurp(x->path, out, len) : -EIO;
    hf_xlsx_destroy(xp);
    return rc;
}

int hf_xlsx_finish_file(hf_xlsx_t **xp, const char *path)
{
    unsigned char *buf;
    size_t len;
    int rc = hf_xlsx_finish(xp, &buf, &len);
    if (rc)
        return rc;
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len)
        rc = -EIO;
    if (f && fclose(f) != 0)
        rc = -EIO;
    free(buf);
    return rc;
}
