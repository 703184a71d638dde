/* services/pipeline/import.h - streaming reader of candidate import files (CSV, .xlsx, NDJSON)
 *
 * The bytes of an uploaded file go in, in chunks of any size; one callback per
 * row comes out, with the row's values already mapped to the canonical
 * candidate fields. Pure: no I/O, no database. The import job (counting,
 * de-duplication, inserts) sits on top and only sees pl_import_row_t.
 *
 * The reading is common/'s table reader (hf/table.h: sniffing, encodings,
 * CSV records, .xlsx sheets, header mapping, per-row errors, limits); this
 * module is the candidate on top: the fields and their Chinese and English
 * header aliases, the checks across fields (phone or email, consent, years,
 * skills) and NDJSON, one JSON object a line, keys mapped like headers.
 * docs/pipeline-import.md is the user's view: aliases, limits, messages.
 */
#ifndef PL_IMPORT_H
#define PL_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "hf/table.h"
#include "hf/text.h"

/* Hard limits: the table reader's (hf/table.h). A row or field over its
 * limit fails alone; the import goes on. */
#define PL_IMPORT_MAX_ROW     HF_TABLE_MAX_ROW     /* bytes of one CSV record or NDJSON line */
#define PL_IMPORT_MAX_FIELD   HF_TABLE_MAX_FIELD   /* bytes of one value (a resume is the long one) */
#define PL_IMPORT_SNIFF       HF_TABLE_SNIFF       /* bytes read before the encoding is chosen */
#define PL_IMPORT_MAX_COLUMNS HF_TABLE_MAX_COLUMNS /* columns of the header and of any row */
#define PL_IMPORT_MAX_SKILLS  64                   /* items of the skills list of one row */

/* The canonical candidate fields, in the order of pl_import_row_t.value. */
typedef enum {
    PL_CAND_EXTERNAL_ID,      /* the sender's own id of the candidate */
    PL_CAND_NAME,             /* required */
    PL_CAND_PHONE,            /* phone or email required */
    PL_CAND_EMAIL,
    PL_CAND_SOURCE,           /* channel the candidate came from */
    PL_CAND_SKILLS,           /* also split into pl_import_row_t.skills */
    PL_CAND_YEARS_EXPERIENCE, /* also read into pl_import_row_t.years */
    PL_CAND_EDUCATION,
    PL_CAND_RESUME,           /* long text */
    PL_CAND_CONSENT,          /* also read into pl_import_row_t.consent */
    PL_CAND_CONSENT_VERSION,
    PL_CAND_GENDER,           /* self-reported, optional: fairness audit only */
    PL_CAND_AGE_BAND,         /* self-reported, optional: fairness audit only */
    PL_CAND_FIELDS
} pl_cand_field_t;

/* What each field's text accepts (hf/text.h), in characters: the reader
 * checks every value with it (skills item by item), and the API checks a
 * candidate's fields with the same table, so a value refused in a file is
 * refused over HTTP with the same words. The resume is also bounded by
 * PL_IMPORT_MAX_FIELD bytes here and by 64 KiB in the API. */
extern const hf_text_rule_t pl_cand_rules[PL_CAND_FIELDS];

typedef enum {
    PL_IMPORT_AUTO_FORMAT, /* .xlsx by the zip signature, NDJSON when the first
                              non-blank byte is '{', else CSV */
    PL_IMPORT_CSV,
    PL_IMPORT_NDJSON,
    PL_IMPORT_XLSX,        /* the workbook's first visible sheet */
} pl_import_format_t;

typedef enum {
    PL_IMPORT_AUTO_ENCODING, /* BOM, else UTF-8 unless the first 64 KiB mostly are not */
    PL_IMPORT_UTF8,
    PL_IMPORT_GB18030,       /* also for GBK and GB2312, its subsets */
} pl_import_encoding_t;

typedef enum { PL_CONSENT_UNSET, PL_CONSENT_NO, PL_CONSENT_YES } pl_consent_t;

/* Options of pl_import_new(); all zero (or a NULL pointer) means detect everything. */
typedef struct {
    pl_import_format_t format;
    pl_import_encoding_t encoding;
    char delimiter; /* CSV: ',', ';' or '\t'; 0 detects it from the header line */
    /* Explicit mapping: columns[f] is the header (or NDJSON key) that holds
     * field f, compared trimmed and case-insensitively; NULL leaves f unmapped.
     * When any entry is set, aliases are not used at all. */
    const char *columns[PL_CAND_FIELDS];
} pl_import_options_t;

/* An error or warning (the table reader's): row as in pl_import_row_t, 0 for
 * the header or the whole file; 1-based column, 0 when not about one column;
 * the canonical field name, else the header or key as written, else ""; the
 * whole message, e.g. "row 17: 5 columns, the header has 7". Borrowed: valid
 * during the callback (or, for the fatal error, until the next call on the reader). */
typedef hf_table_error_t pl_import_error_t;

/* One data row. Borrowed: every pointer is valid only during the callback. */
typedef struct {
    /* The row's place in the file, 1-based, not counting the header line:
     * CSV data row N is spreadsheet row N + 1; an .xlsx row is its sheet row
     * less the header's. Blank records (empty lines, lines of bare
     * delimiters, empty sheet rows) are skipped but keep their number, so
     * numbers increase with gaps. NDJSON: the line number. */
    size_t row;
    const pl_import_error_t *error; /* non-NULL: the row failed and holds no values */
    /* Trimmed, NUL-terminated, valid UTF-8; NULL when absent or empty. */
    const char *value[PL_CAND_FIELDS];
    size_t len[PL_CAND_FIELDS];
    const char *const *skills; /* the skills value split on , ， ; ； 、, trimmed, none empty */
    size_t nskills;
    double years;              /* years_experience, or -1 when absent */
    pl_consent_t consent;
} pl_import_row_t;

typedef void (*pl_import_row_cb)(void *ctx, const pl_import_row_t *row);
typedef void (*pl_import_warning_cb)(void *ctx, const pl_import_error_t *warning);

typedef struct pl_import pl_import_t;

/* Counts so far. */
typedef struct {
    size_t rows;     /* rows called back, good and failed */
    size_t failed;   /* of which failed */
    size_t warnings; /* warnings called back */
} pl_import_stats_t;

/* Return codes of pl_import_feed() and pl_import_finish(). */
#define PL_IMPORT_FATAL  HF_TABLE_FATAL /* the file cannot be imported: see pl_import_fatal() */
#define PL_IMPORT_NOMEM  HF_TABLE_NOMEM

/* A new reader. opt may be NULL (detect everything); its strings are copied.
 * on_row is called once per data row, on_warning (may be NULL) once per
 * unknown column or key. Returns NULL when out of memory or when opt asks for
 * something unknown (a delimiter other than , ; tab). Free with pl_import_destroy(). */
pl_import_t *pl_import_new(const pl_import_options_t *opt, pl_import_row_cb on_row,
                           pl_import_warning_cb on_warning, void *ctx);

/* Free the reader and set *p to NULL; p or *p may be NULL. */
void pl_import_destroy(pl_import_t **p);

/* Give the next len bytes of the file (any split, even inside a character
 * or a quoted field). Rows complete in what has been fed so far are called
 * back before it returns (an .xlsx file's at pl_import_finish()). Returns 0,
 * PL_IMPORT_FATAL (a missing or duplicate column, an unsupported encoding:
 * no row has been called back then, and every later call returns the same)
 * or PL_IMPORT_NOMEM. */
int pl_import_feed(pl_import_t *p, const void *buf, size_t len);

/* The end of the file: calls back the last row (a final newline is optional)
 * and reports an open quote; an .xlsx file is read here, checked whole
 * before its first row. Returns as pl_import_feed(); an empty file, or one
 * of blank lines, is PL_IMPORT_FATAL for CSV and .xlsx (no header). Call once. */
int pl_import_finish(pl_import_t *p);

/* The fatal error after PL_IMPORT_FATAL, else NULL. Borrowed from p. */
const pl_import_error_t *pl_import_fatal(const pl_import_t *p);

/* Rows and warnings so far. */
pl_import_stats_t pl_import_stats(const pl_import_t *p);

/* The encoding in use: PL_IMPORT_AUTO_ENCODING until it has been chosen (and for .xlsx). */
pl_import_encoding_t pl_import_encoding(const pl_import_t *p);

/* The canonical name of f ("name", "years_experience", ...); static. */
const char *pl_cand_field_name(pl_cand_field_t f);

/* The field a header (or NDJSON key) of len bytes names through the alias
 * table (姓名, Full Name, 手机号, e-mail, ...), or -1. Case, spaces, '_', '-'
 * and '*' do not matter. */
int pl_cand_field_from_header(const char *s, size_t len);

#endif
