/* services/pipeline/import_private.h - what the pieces of the import reader share
 *
 * Not for the importer: import.h is the module's face. The reader is one
 * module in four files: import.c the public functions, sniffing and the
 * GB18030 converter, which hand UTF-8 bytes to one of the two record readers,
 * import_csv.c and import_ndjson.c; both hand each record's values to
 * import_rows.c, which maps headers and keys to fields, checks the values,
 * reports errors and warnings and calls back with the row. The reader's
 * state is one struct, declared here because all four files read and write
 * it. Names shared between the files begin with imp_.
 */
#ifndef PL_IMPORT_PRIVATE_H
#define PL_IMPORT_PRIVATE_H

#include "import.h"

#include <iconv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONV_CHUNK (64 * 1024) /* bytes converted per iconv() call */
#define NAME_SHOWN 64          /* bytes of a header name or key shown in messages (never a value) */
#define MAX_WARNED_KEYS 64     /* NDJSON: unknown keys remembered (warned once each) */
#define VALS_SIZE (PL_IMPORT_MAX_ROW + 1024)
#define SKILLS_SIZE (PL_IMPORT_MAX_FIELD + PL_IMPORT_MAX_SKILLS + 1)

/* Record reader states. ST_CR: a record just ended on CR, a LF is swallowed. */
enum { ST_START, ST_CR, ST_PLAIN, ST_QUOTED, ST_QEND, ST_SKIP };

typedef struct {
    uint32_t start, end; /* offsets in raw; end is the delimiter's or the record's end */
    bool quoted, bad;    /* bad: text after the closing quote */
} span_t;

struct pl_import {
    pl_import_row_cb on_row;
    pl_import_warning_cb on_warning;
    void *ctx;
    char *columns[PL_CAND_FIELDS]; /* explicit mapping, normalised; NULL entries unmapped */
    bool explicit_map;
    pl_import_format_t format;
    pl_import_encoding_t enc;
    char delim;
    pl_import_stats_t stats;
    int fatal_rc;
    pl_import_error_t fatal;
    char fatal_msg[512];
    pl_import_error_t err;
    char msg[512];

    bool decided, finished;
    unsigned char *sniff;
    size_t nsniff;

    iconv_t cd;
    char *stage, *obuf; /* converter input (carry + chunk) and output */
    size_t ncarry;

    char *raw, *spare; /* the record's original bytes; spare for replay */
    size_t nraw, fstart, quote_open;
    span_t fld[PL_IMPORT_MAX_COLUMNS];
    unsigned nfld;
    int st;
    bool quoted, fld_bad, too_long;
    bool special[256]; /* bytes that end a plain field: delimiter, CR, LF */
    size_t rec;        /* number of the current row */
    bool have_header;

    int map[PL_IMPORT_MAX_COLUMNS]; /* column -> field, or -1 */
    unsigned ncols;
    unsigned colof[PL_CAND_FIELDS]; /* field -> 1-based column, 0 unmapped */
    char hdr[PL_IMPORT_MAX_COLUMNS][NAME_SHOWN + 1];

    pl_import_row_t row;
    char *sk; /* skills items, each NUL-terminated */
    size_t nsk;
    const char *skv[PL_IMPORT_MAX_SKILLS];
    char *vals; /* NDJSON values, each NUL-terminated */
    size_t nvals;
    char *warned[MAX_WARNED_KEYS];
    size_t nwarned;
};

/* ---- rows: fields, values, messages (import_rows.c) ---- */

extern const char *const imp_field_names[PL_CAND_FIELDS];

/* 0 when s[0..n) is valid UTF-8 without NUL, 1 when not UTF-8, 2 when it
 * holds a NUL (whichever comes first). */
int imp_text_check(const char *s, size_t n);
/* Drop spaces at both ends of s[0..*n); returns the new start. */
const char *imp_trim(const char *s, size_t *n);
/* At most NAME_SHOWN bytes of s, cut at a character boundary, into out (NUL-terminated). */
void imp_shown(char *out, const char *s, size_t n);
/* A header or key as aliases are written: trimmed, ASCII lowercase, without
 * ' ', '_', '-', '*', '.'. False when it does not fit in out (64 bytes). */
bool imp_normalize(char out[64], const char *s, size_t n);
/* The field a header or key names for this reader: explicit mapping or aliases. */
int imp_lookup(const pl_import_t *p, const char *s, size_t len);

/* The name of 0-based column c for messages: canonical when mapped, else the header's. */
const char *imp_colname(const pl_import_t *p, unsigned c);
void imp_clear_row(pl_import_t *p);
/* Fail the current row: col is 1-based (0: none), field its name. Returns false. */
bool imp_fail_at(pl_import_t *p, unsigned col, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define fail_col(p, c, ...) imp_fail_at(p, (c) + 1, imp_colname(p, c), __VA_ARGS__)
#define fail_row(p, ...) imp_fail_at(p, 0, NULL, __VA_ARGS__)

/* Fail the row on field f: with its column in CSV, by name in NDJSON. */
#define fail_field(p, f, ...) \
    imp_fail_at(p, (p)->format == PL_IMPORT_CSV ? (p)->colof[f] : 0, imp_field_names[f], __VA_ARGS__)

/* Stop the import: "header: column N (name): …" when col is set. Returns the code. */
int imp_set_fatal(pl_import_t *p, unsigned col, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int imp_set_nomem(pl_import_t *p);
/* A warning on row (0: the header), column col (1-based, 0: none). */
void imp_warn(pl_import_t *p, size_t row, unsigned col, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Checks and derived values shared by CSV and NDJSON, then the callback. */
void imp_finish_row(pl_import_t *p);
/* Check a value of field f (col for messages) and set it; NUL-terminated at s[n]. */
bool imp_set_value(pl_import_t *p, pl_cand_field_t f, unsigned col, char *s, size_t n);

/* Append up to n bytes to the record, never past PL_IMPORT_MAX_ROW; returns how many. */
size_t imp_put(pl_import_t *p, const char *s, size_t n);
/* Start a new record: nothing read yet. */
void imp_reset_record(pl_import_t *p);

/* ---- the record readers (import_csv.c, import_ndjson.c) ---- */

/* Read n more UTF-8 bytes. Return 0 or the fatal code. */
int imp_csv_feed(pl_import_t *p, const char *s, size_t n);
/* The end of the file: a last record without its line break. */
void imp_csv_finish(pl_import_t *p);
int imp_nd_feed(pl_import_t *p, const char *s, size_t n);
/* One complete NDJSON line in the record buffer. */
void imp_nd_line(pl_import_t *p);

#endif
