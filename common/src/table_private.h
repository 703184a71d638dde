/* common/src/table_private.h - what the pieces of the table reader share
 *
 * Not for callers: hf/table.h is the module's face. The reader is one module
 * in five files: table.c the public functions, sniffing, the GB18030
 * converter, messages and the lines reader; table_csv.c the CSV records;
 * table_xlsx.c the workbook (zip, relationships, styles, shared strings) and
 * table_sheet.c its sheet, streamed; table_map.c what every record goes
 * through once read: the header mapped to the caller's columns, values
 * checked and typed, the row called back. The state is one struct, declared
 * here because all five files read and write it. Shared names begin tbl_.
 */
#ifndef HF_TABLE_PRIVATE_H
#define HF_TABLE_PRIVATE_H

#include "hf/table.h"

#include <iconv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TBL_CONV_CHUNK (64 * 1024) /* bytes converted per iconv() call */
#define TBL_NAME_SHOWN 64          /* bytes of a header shown in messages (never a value) */

/* CSV record states. ST_CR: a record just ended on CR, a LF is swallowed. */
enum { ST_START, ST_CR, ST_PLAIN, ST_QUOTED, ST_QEND, ST_SKIP };

typedef struct {
    uint32_t start, end; /* offsets in raw; end is the delimiter's or the record's end */
    bool quoted, bad;    /* bad: text after the closing quote */
} tbl_span_t;

typedef struct tbl_xlsx tbl_xlsx_t;

struct hf_table {
    hf_table_row_cb on_row;
    hf_table_warning_cb on_warning;
    void *ctx;
    hf_table_format_t format;
    hf_table_encoding_t enc;
    char delim;
    bool detect_lines;
    char *sheet;
    size_t max_rows;
    const hf_table_column_t *columns; /* NULL: raw rows */
    unsigned ncolumns;
    char *mapping[HF_TABLE_MAX_MAPPED]; /* explicit mapping, normalised */
    bool explicit_map;

    int fatal_rc;
    hf_table_error_t fatal;
    char fatal_msg[512];
    hf_table_error_t err;
    char msg[512];

    bool decided, finished;
    unsigned char *sniff;
    size_t nsniff;

    iconv_t cd;
    char *stage, *obuf; /* converter input (carry + chunk) and output */
    size_t ncarry;

    /* the record being read: its original bytes, its fields */
    char *raw, *spare; /* spare: for replaying lines after an unterminated quote */
    size_t nraw, fstart, quote_open;
    tbl_span_t fld[HF_TABLE_MAX_COLUMNS];
    unsigned nfld;
    int st;
    bool quoted, fld_bad, too_long;
    bool special[256]; /* bytes that end a plain field: delimiter, CR, LF */
    size_t rec;        /* number of the current row */
    bool have_header;

    /* the header */
    unsigned ncols;
    char hdr[HF_TABLE_MAX_COLUMNS][TBL_NAME_SHOWN + 1];
    const char *names[HF_TABLE_MAX_COLUMNS]; /* for messages: canonical, else hdr */
    int map[HF_TABLE_MAX_COLUMNS];           /* column -> mapped column, or -1 */
    unsigned colof[HF_TABLE_MAX_MAPPED];     /* mapped column -> 1-based column, 0 absent */

    /* the row handed out */
    hf_table_cell_t cells[HF_TABLE_MAX_COLUMNS];
    unsigned ncells;
    hf_table_cell_t mcells[HF_TABLE_MAX_MAPPED];
    char typed[HF_TABLE_MAX_MAPPED][24]; /* normalised dates and booleans */

    /* .xlsx: the whole file, then the workbook */
    unsigned char *file;
    size_t nfile, cfile;
    tbl_xlsx_t *x;
};

/* ---- table.c ---- */

/* Format "<prefix>column N (name): <fmt>" (or "<prefix>field: ", or just the prefix) into e. */
void tbl_vformat(hf_table_error_t *e, char *buf, size_t size, const char *prefix, unsigned col,
                 const char *field, const char *fmt, va_list ap);
int tbl_set_nomem(hf_table_t *t);
/* The name of 0-based column c for messages: canonical when mapped, else the header's. */
const char *tbl_colname(const hf_table_t *t, unsigned c);
/* Fail the current row (t->rec): col 1-based (0: none), its name for field. */
void tbl_fail(hf_table_t *t, unsigned col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Append up to n bytes to the record, never past HF_TABLE_MAX_ROW; returns how many. */
size_t tbl_put(hf_table_t *t, const char *s, size_t n);
void tbl_reset_record(hf_table_t *t);
/* 0 when s[0..n) is valid UTF-8 without NUL, 1 when not UTF-8, 2 when it holds a NUL. */
int tbl_text_check(const char *s, size_t n);
/* The message for tbl_text_check()'s nonzero answer in encoding enc. */
const char *tbl_text_problem(int bad, hf_table_encoding_t enc);
/* At most TBL_NAME_SHOWN bytes of s, cut at a character boundary, into out (NUL-terminated). */
void tbl_shown(char *out, const char *s, size_t n);

/* ---- table_map.c: every record once read ---- */

/* The header in t->cells[0..t->ncells): names, mapping, warnings; fatal errors. */
void tbl_header(hf_table_t *t);
/* A data row in t->cells[0..t->ncells) (t->rec set): mapped and checked, called back. */
void tbl_row(hf_table_t *t);
/* Call back a failed row (the error in t->err). */
void tbl_emit_error(hf_table_t *t);

/* ---- table_csv.c ---- */

int tbl_csv_feed(hf_table_t *t, const char *s, size_t n);
void tbl_csv_finish(hf_table_t *t);

/* ---- table_xlsx.c, table_sheet.c ---- */

/* Read the whole file in t->file (at hf_table_finish()): 0 or the fatal code. */
int tbl_xlsx_read(hf_table_t *t);
void tbl_xlsx_free(tbl_xlsx_t **x);

#endif
