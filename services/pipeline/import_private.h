/* services/pipeline/import_private.h - what the pieces of the import reader share
 *
 * Not for the importer: import.h is the module's face. The reading itself is
 * common/'s table reader (hf/table.h); this module is the candidate on top,
 * in three files: import.c the public functions, which drive the table
 * reader with the candidate columns and receive its rows; import_rows.c the
 * fields, their aliases and the checks across fields (phone or email,
 * consent, years, skills), where every row ends; import_ndjson.c the NDJSON
 * lines, which the table reader hands over whole. Names shared between the
 * files begin with imp_.
 */
#ifndef PL_IMPORT_PRIVATE_H
#define PL_IMPORT_PRIVATE_H

#include "import.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAME_SHOWN 64          /* bytes of a key shown in messages (never a value) */
#define MAX_WARNED_KEYS 64     /* NDJSON: unknown keys remembered (warned once each) */
#define VALS_SIZE (PL_IMPORT_MAX_ROW + 1024)
#define SKILLS_SIZE (PL_IMPORT_MAX_FIELD + PL_IMPORT_MAX_SKILLS + 1)

struct pl_import {
    pl_import_row_cb on_row;
    pl_import_warning_cb on_warning;
    void *ctx;
    hf_table_t *t;
    hf_table_column_t columns[PL_CAND_FIELDS]; /* the table reader's, with pl_cand_rules */
    pl_import_stats_t stats;
    size_t rec; /* the row being checked */

    pl_import_row_t row;
    char *sk; /* skills items, each NUL-terminated */
    size_t nsk;
    const char *skv[PL_IMPORT_MAX_SKILLS];
    char *vals; /* NDJSON values, each NUL-terminated */
    size_t nvals;
    char *warned[MAX_WARNED_KEYS];
    size_t nwarned;
};

/* ---- rows: fields, checks across fields (import_rows.c) ---- */

extern const char *const imp_field_names[PL_CAND_FIELDS];

/* The candidate columns for the table reader: names, aliases, required, rules. */
void imp_columns(hf_table_column_t out[PL_CAND_FIELDS]);
void imp_clear_row(pl_import_t *p);
/* Call back the current row (good or failed) and count it. */
void imp_emit(pl_import_t *p);
/* Fail the current row with e (from hf_table_row_error()). Returns false. */
bool imp_fail(pl_import_t *p, const pl_import_error_t *e);

/* Fail the row on field f: with its column in a table, by name in NDJSON. */
#define fail_field(p, f, ...)                                                                \
    imp_fail(p, hf_table_row_error((p)->t, (p)->rec, hf_table_column_at((p)->t, f),         \
                                   imp_field_names[f], __VA_ARGS__))
#define fail_row(p, ...) imp_fail(p, hf_table_row_error((p)->t, (p)->rec, 0, NULL, __VA_ARGS__))

/* Checks across fields and derived values shared by tables and NDJSON, then the callback. */
void imp_finish_row(pl_import_t *p);

/* ---- NDJSON (import_ndjson.c) ---- */

/* One NDJSON line, checked as text by the table reader. */
void imp_nd_line(pl_import_t *p, const char *s, size_t n);

#endif
