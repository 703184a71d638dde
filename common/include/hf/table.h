/* hf/table.h - streaming reader of spreadsheet files (CSV, .xlsx) with column mapping
 *
 * Every import of the platform (candidates, employees, contracts, opening
 * year-to-date figures, attendance punches) reads a table a person made in
 * Excel or exported from an old system. This module is the one reader: the
 * bytes of the file go in, in chunks of any size; one callback per row comes
 * out. Pure: no I/O, no database.
 *
 * Formats: CSV (RFC 4180, leniently; ',' ';' or tab, detected from the header
 * line), .xlsx (Office Open XML workbooks: the first visible sheet or a named one, read
 * with libzip and libxml2's streaming xmlTextReader) and lines (each line one
 * cell, for callers that parse NDJSON themselves). Encodings of text files:
 * UTF-8 with or without BOM, GB18030 (a superset of GBK, as Excel saves CSV on
 * Chinese Windows), detected from the first 64 KiB or forced.
 *
 * Two ways to receive rows:
 * - raw: no columns given; every record's cells by position, the header as
 *   row 0 (CSV and .xlsx) like any other record;
 * - mapped: the caller gives its columns (hf_table_column_t: a canonical
 *   name, header names in Chinese and English, required or not, a type); the
 *   header is mapped once (unknown columns warned about, a missing required
 *   column or one named twice is fatal) and every row comes out with
 *   cells[i] the value of column i, checked (encoding, length, the column's
 *   rule of typed text, its type) or the row failed with a message naming the
 *   row and the column, never the value.
 *
 * Messages follow the house style: lowercase, no final period; a row error is
 * "row 17: column 3 (phone): ..." and concerns that row alone; a fatal error
 * stops the file before any row when it is about the header or the file
 * (an .xlsx file is checked whole before its first row). Memory is bounded by
 * the limits below, whatever the size of a CSV file; an .xlsx file is held
 * whole (a zip is read from its end) and limited in size.
 * docs/spreadsheets.md is the user's view: formats, limits, messages.
 */
#ifndef HF_TABLE_H
#define HF_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hf/text.h"

/* Hard limits. A row or cell over its limit fails alone; the file goes on.
 * Only the fuzzers (tests/fuzz/run.sh import|xlsx) build with smaller ones,
 * so that small inputs reach the overflow paths. */
#ifndef HF_TABLE_MAX_ROW
#define HF_TABLE_MAX_ROW   (1024 * 1024) /* bytes of one CSV record, line or .xlsx row */
#define HF_TABLE_MAX_FIELD (64 * 1024)   /* bytes of one value */
#define HF_TABLE_SNIFF     (64 * 1024)   /* bytes read before the encoding is chosen */
#endif
#define HF_TABLE_MAX_COLUMNS 256         /* columns of the header and of any row */
#define HF_XLSX_MAX_FILE   (256u * 1024 * 1024) /* bytes of an .xlsx file */
#define HF_XLSX_MAX_PART   (1024u * 1024 * 1024) /* bytes of one part unpacked (the sheet) */
#define HF_XLSX_MAX_RATIO  200           /* unpacked / packed bytes of a part over 1 MiB */
#define HF_XLSX_MAX_STRINGS (64u * 1024 * 1024) /* bytes of the shared strings, unpacked text */
#define HF_XLSX_MAX_ROWS   1048576       /* Excel's own limit; options may lower it */

typedef enum {
    HF_TABLE_AUTO,  /* .xlsx by the zip signature, else lines when asked and the first
                       non-blank byte is '{', else CSV */
    HF_TABLE_CSV,
    HF_TABLE_XLSX,
    HF_TABLE_LINES, /* each line one cell, untrimmed; no header */
} hf_table_format_t;

typedef enum {
    HF_TABLE_AUTO_ENCODING, /* BOM, else UTF-8 unless the first 64 KiB mostly are not */
    HF_TABLE_UTF8,
    HF_TABLE_GB18030,       /* also for GBK and GB2312, its subsets */
} hf_table_encoding_t;

/* What a cell held. CSV cells and lines are always text; .xlsx cells carry
 * the type Excel stored (a date is a number with a date format). */
typedef enum {
    HF_CELL_EMPTY,
    HF_CELL_TEXT,
    HF_CELL_NUMBER, /* s: the number as Excel shows it at most (15 significant digits) */
    HF_CELL_BOOL,   /* s: "TRUE" or "FALSE"; number 1 or 0 */
    HF_CELL_DATE,   /* s: "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" or "HH:MM:SS" */
} hf_cell_type_t;

/* One value. Borrowed: valid during the callback. s is NUL-terminated at
 * len; NULL (len 0) when the cell is empty. Trimmed of spaces, tabs, line
 * breaks, U+3000 and U+00A0 at both ends (lines: untrimmed). */
typedef struct {
    const char *s;
    size_t len;
    hf_cell_type_t type;
    double number; /* NUMBER and BOOL; DATE: days since 1970-01-01 with the time as a fraction */
} hf_table_cell_t;

/* The type a mapped column wants. A cell that does not fit fails its row. */
typedef enum {
    HF_COL_TEXT,   /* any cell, as text (a number as shown, a date as YYYY-MM-DD) */
    HF_COL_NUMBER, /* a number cell, or text "-1234.5" (no thousands separators):
                      number set, s the text */
    HF_COL_DATE,   /* a date cell, or text 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日
                      (with an optional time HH:MM[:SS]): s becomes YYYY-MM-DD[ HH:MM:SS] */
    HF_COL_BOOL,   /* a boolean cell, or text hf_table_yes_no() reads:
                      s becomes "true" or "false", number 1 or 0 */
} hf_column_type_t;

/* A column a caller reads. Static data, typically a const table. */
typedef struct {
    const char *name;    /* canonical name, in messages: "employee_no" */
    const char *aliases; /* header names separated by '|': "工号|员工编号|employee no";
                            compared as hf_table_normalize() leaves them */
    const char *hint;    /* shown when a required column is missing
                            ("工号, employee no"); NULL: the name */
    hf_column_type_t type;
    bool required;       /* the header must have it and no row may leave it empty */
    bool unchecked;      /* skip rule (the caller checks the value itself, e.g. a list) */
    hf_text_rule_t rule; /* what the text accepts (hf/text.h); a zero rule is one line
                            of any length */
} hf_table_column_t;

/* Options of hf_table_new(); all zero (or a NULL pointer) means detect everything. */
typedef struct {
    hf_table_format_t format;
    hf_table_encoding_t encoding;
    char delimiter;      /* CSV: ',', ';' or '\t'; 0 detects it from the header line */
    bool detect_lines;   /* HF_TABLE_AUTO may choose lines ('{' first) */
    const char *sheet;   /* .xlsx: the sheet's name; NULL: the first visible sheet */
    size_t max_rows;     /* data rows; 0: HF_XLSX_MAX_ROWS for .xlsx, none for text */
    /* Mapped rows: the columns (ncolumns of them, at most 64) and, optionally,
     * an explicit mapping: mapping[i] is the header that holds column i
     * (compared as aliases are); when any entry is set, aliases are not used
     * at all and a mapped header that is missing is fatal. */
    const hf_table_column_t *columns;
    unsigned ncolumns;
    const char *const *mapping;
} hf_table_options_t;

#define HF_TABLE_MAX_MAPPED 64

/* An error or warning. Borrowed: valid during the callback (or, for the
 * fatal error, until the next call on the reader). */
typedef struct {
    size_t row;          /* 0 for the header or the whole file */
    unsigned column;     /* 1-based column in the file; 0 when not about one column */
    const char *field;   /* the column's canonical name, else its header, else "" */
    const char *message; /* the whole line, e.g. "row 17: 5 columns, the header has 7" */
} hf_table_error_t;

/* One row. Borrowed: every pointer is valid only during the callback. */
typedef struct {
    /* The row's place in the file, 1-based, not counting the header: CSV data
     * row N is spreadsheet row N + 1; an .xlsx data row is its sheet row less
     * the header's sheet row. Blank records are skipped but keep their
     * number, so numbers increase with gaps. Lines: the line number. 0 is the
     * header (raw rows only; mapped readers map it instead). */
    size_t row;
    const hf_table_error_t *error; /* non-NULL: the row failed and holds no cells */
    unsigned ncells;
    /* raw: the record's cells by position (up to the header's width for
     * .xlsx); mapped: cells[i] is column i of the options, empty when the
     * file has no such column. */
    const hf_table_cell_t *cells;
} hf_table_row_t;

typedef struct hf_table hf_table_t;

/* Called once per row (and, raw, for the header). Return 0 to go on; any
 * other value stops the file: call hf_table_set_fatal() first to say why
 * (else the message is "stopped"). */
typedef int (*hf_table_row_cb)(void *ctx, hf_table_t *t, const hf_table_row_t *row);
typedef void (*hf_table_warning_cb)(void *ctx, const hf_table_error_t *warning);

/* Return codes of hf_table_feed() and hf_table_finish(). */
#define HF_TABLE_FATAL (-1) /* the file cannot be read: see hf_table_fatal() */
#define HF_TABLE_NOMEM (-2)

/* A new reader. opt may be NULL (detect everything); its strings are copied,
 * its columns table is borrowed for the reader's life. on_row is called once
 * per row, on_warning (may be NULL) once per unknown or unnamed column.
 * Returns NULL when out of memory or when opt asks for something unknown (a
 * delimiter other than , ; tab, more than HF_TABLE_MAX_MAPPED columns).
 * Free with hf_table_destroy(). */
hf_table_t *hf_table_new(const hf_table_options_t *opt, hf_table_row_cb on_row,
                         hf_table_warning_cb on_warning, void *ctx);

/* Free the reader and set *p to NULL; p or *p may be NULL. */
void hf_table_destroy(hf_table_t **p);

/* Give the next len bytes of the file (any split, even inside a character or
 * a quoted field). Rows complete in what has been fed so far are called back
 * before it returns (an .xlsx file is read at hf_table_finish()). Returns 0,
 * HF_TABLE_FATAL (every later call returns the same) or HF_TABLE_NOMEM. */
int hf_table_feed(hf_table_t *t, const void *buf, size_t len);

/* The end of the file: calls back the last rows and reports an open quote.
 * Returns as hf_table_feed(); an empty file, or one of blank lines, is
 * HF_TABLE_FATAL for CSV and .xlsx (no header). Call once. */
int hf_table_finish(hf_table_t *t);

/* The fatal error after HF_TABLE_FATAL or HF_TABLE_NOMEM, else NULL. Borrowed from t. */
const hf_table_error_t *hf_table_fatal(const hf_table_t *t);

/* Stop the file (from a callback): "header: column N (name): ..." when col
 * (1-based) is set, else the message alone. Returns HF_TABLE_FATAL. */
int hf_table_set_fatal(hf_table_t *t, unsigned col, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An error for row (from a callback): "row N: column C (name): msg" when col
 * (1-based) is set (name: field, else the column's), "row N: field: msg"
 * with a field only, "row N: msg" with neither. Borrowed from t until the
 * next error. Messages never quote a value: say what is wrong, not what is there. */
const hf_table_error_t *hf_table_row_error(hf_table_t *t, size_t row, unsigned col,
                                           const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A warning on row (0: the header), column col (1-based, 0: none), to on_warning. */
void hf_table_warn(hf_table_t *t, size_t row, unsigned col, const char *field,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Mapped readers: the 1-based column of the file holding column i of the
 * options, 0 when absent (known once the header is read). */
unsigned hf_table_column_at(const hf_table_t *t, unsigned i);

/* Mapped readers: the column of the options a header (or key) names, through
 * the explicit mapping when there is one, else the aliases; -1 when none. */
int hf_table_lookup(const hf_table_t *t, const char *s, size_t len);

/* The encoding in use: HF_TABLE_AUTO_ENCODING until chosen (and for .xlsx). */
hf_table_encoding_t hf_table_encoding(const hf_table_t *t);

/* The format in use: HF_TABLE_AUTO until chosen. */
hf_table_format_t hf_table_format(const hf_table_t *t);

/* Check the value of column c (len bytes at s): the byte limit, the
 * encoding (enc names it in the message), no NUL, then c's rule of typed
 * text (c may be NULL: the bytes only). Returns NULL when it passes, else a
 * static or buf-held message ("invalid utf-8", "1 to 200 characters"). */
const char *hf_table_check_text(const hf_table_column_t *c, const char *s, size_t len,
                                hf_table_encoding_t enc, char *buf, size_t size);

/* A header as aliases are compared: trimmed, ASCII lowercase, without ' ',
 * '_', '-', '*', '.'. False when it does not fit in out (64 bytes). */
bool hf_table_normalize(char out[64], const char *s, size_t len);

/* The column of columns[0..n) whose aliases include the header s, or -1. */
int hf_table_column_find(const hf_table_column_t *columns, unsigned n, const char *s, size_t len);

/* Drop the spaces (space, tab, CR, LF, U+3000, U+00A0) at both ends of
 * s[0..*len); returns the new start and shortens *len. */
const char *hf_table_trim(const char *s, size_t *len);

/* s[0..n) is one of the NULL-terminated list (lowercase), ASCII case ignored. */
bool hf_table_is_one_of(const char *s, size_t n, const char *const *list);

/* yes y true 1 是 同意 已同意 -> 1; no n false 0 否 不同意 未同意 -> 0; else -1. */
int hf_table_yes_no(const char *s, size_t n);

/* Excel's serial day number (1900 system, or 1904 when date1904) to days since
 * 1970-01-01 with the time as a fraction; false for Excel's fictitious
 * 1900-02-29 (serial 60) and for numbers outside years 1900..9999. */
bool hf_table_excel_days(double serial, bool date1904, double *days);

/* days (as hf_table_cell_t.number of a date) as "YYYY-MM-DD", with
 * " HH:MM:SS" when it has a time (rounded to the second), or "HH:MM:SS"
 * alone when date_too is false; out has at least 20 bytes. Returns the length. */
size_t hf_table_format_days(double days, bool date_too, char out[20]);

/* ---- writing CSV ---- */

/* One CSV field to f, then end ("," or "\r\n"): quoted (quotes doubled)
 * when it holds a comma, a quote or a line break; when text is true and it
 * begins with = + - or @, an apostrophe first, so a spreadsheet opening the
 * file shows it rather than running it as a formula (a name or department
 * typed by a user). Amounts are written with text false: "-12.00" stays a
 * number. */
void hf_table_csv_field(FILE *f, const char *s, bool text, const char *end);

#endif
