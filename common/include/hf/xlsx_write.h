/* hf/xlsx_write.h - writing a sheet of rows as an .xlsx workbook (ledger exports, reports)
 *
 * Finance imports ledgers and reads reports in Excel; a CSV loses the types
 * (an amount becomes text, a date is read by locale, a long number loses its
 * digits). This writes one sheet, row by row, with libxlsxwriter in its
 * constant-memory mode (each row goes to disk once it is complete, so a
 * 100 000-row export does not grow in memory): text as strings (never a
 * formula, whatever it begins with), money as numbers shown "0.00", other
 * numbers as numbers, dates as dates shown yyyy-mm-dd. The workbook is
 * written to a private temporary file and handed back as bytes, or written
 * to a path. hf/table.h reads what this writes.
 *
 * Usage:
 *     hf_xlsx_t *x = hf_xlsx_new("工资");
 *     hf_xlsx_header(x, (const char *[]){ "工号", "实发" }, 2);
 *     hf_xlsx_text(x, "E001"); hf_xlsx_money(x, 1234567); hf_xlsx_next_row(x);
 *     hf_xlsx_finish(&x, &bytes, &len);   // x is freed; free(bytes) later
 */
#ifndef HF_XLSX_WRITE_H
#define HF_XLSX_WRITE_H

#include <stddef.h>
#include <stdint.h>

typedef struct hf_xlsx hf_xlsx_t;

/* A new workbook with one sheet named sheet (NULL: "Sheet1"; at most 31
 * characters, none of []:*?/\). NULL when out of memory, when no temporary
 * file can be made, or when the name is not a sheet name. */
hf_xlsx_t *hf_xlsx_new(const char *sheet);

/* The cells of the current row, left to right. Each returns 0, -EINVAL
 * (text over 32767 bytes or not UTF-8; a date that does not exist), -ERANGE
 * (past column 16384 or row 1048576), -EIO (the library failed; the
 * workbook is broken: only destroy it). */
int hf_xlsx_text(hf_xlsx_t *x, const char *s);
int hf_xlsx_money(hf_xlsx_t *x, int64_t fen);   /* yuan with two decimals: 1234567 -> 12345.67 */
int hf_xlsx_number(hf_xlsx_t *x, double v);
int hf_xlsx_date(hf_xlsx_t *x, int year, int month, int day);
int hf_xlsx_blank(hf_xlsx_t *x);                /* leave the cell empty */

/* End the current row; the next cell goes to the start of the next one. */
int hf_xlsx_next_row(hf_xlsx_t *x);

/* A header row of n names in bold, frozen at the top; call it first. */
int hf_xlsx_header(hf_xlsx_t *x, const char *const *names, unsigned n);

/* Write the workbook and hand it back: *out (the caller free()s it) of *len
 * bytes. Frees x and sets *xp to NULL, whatever the outcome. 0, -EIO, -ENOMEM. */
int hf_xlsx_finish(hf_xlsx_t **xp, unsigned char **out, size_t *len);

/* The same into the file at path (replaced). Frees x and sets *xp to NULL. */
int hf_xlsx_finish_file(hf_xlsx_t **xp, const char *path);

/* Free an unfinished workbook; xp or *xp may be NULL. Sets *xp to NULL. */
void hf_xlsx_destroy(hf_xlsx_t **xp);

#endif
