/* common/src/table_xlsx.h - what the two halves of the .xlsx reader share
 *
 * table_xlsx.c reads the workbook's small parts (workbook, relationships,
 * styles, shared strings) into struct tbl_xlsx; table_sheet.c streams the
 * sheet. Both read parts through tbl_part_t: a zip entry under the limits
 * of hf/table.h, parsed by libxml2's xmlTextReader.
 */
#ifndef HF_TABLE_XLSX_H
#define HF_TABLE_XLSX_H

#include "table_private.h"

#include <libxml/xmlreader.h>
#include <zip.h>

typedef struct {
    unsigned r1, c1, r2, c2; /* 1-based, inclusive */
} tbl_range_t;

struct tbl_xlsx {
    zip_t *zip;
    bool date1904;
    char *sheet_path, *strings_path, *styles_path;
    char *sst;          /* the shared strings, each NUL-terminated */
    size_t nsst, csst;
    uint32_t *sst_off;  /* where string i begins in sst */
    size_t nstr, cstr;
    bool *xf_date;      /* cell format (the s attribute) -> a date format */
    size_t nxf, cxf;
    tbl_range_t *merges;
    size_t nmerges;
};

/* A part being read: its reader and what it has unpacked. */
typedef struct {
    const char *name;
    zip_file_t *f;
    xmlTextReaderPtr r;
    uint64_t read, limit;
    bool over, broken;
} tbl_part_t;

/* Open the part name, to unpack at most max bytes (less for a small packed
 * size: HF_XLSX_MAX_RATIO). 0, 1 when there is no such part, or the fatal code. */
int tbl_part_open(hf_table_t *t, const char *name, uint64_t max, tbl_part_t *p);
/* The next node: 1, 0 at the end, -1 with the fatal error set (damaged,
 * over its limits, a document type declaration). */
int tbl_part_next(hf_table_t *t, tbl_part_t *p);
int tbl_part_over(hf_table_t *t, const tbl_part_t *p);
void tbl_part_close(tbl_part_t *p);

/* The node's local name is local. */
bool tbl_is(xmlTextReaderPtr r, const char *local);
/* The element's attribute local (any namespace), borrowed until the next node; NULL when absent. */
const char *tbl_attr(xmlTextReaderPtr r, const char *local);

/* A number format code shows a date or a time: y m d h s outside quotes,
 * brackets and escapes. */
bool tbl_format_is_date(const char *code);
/* Decode Excel's _xHHHH_ escapes in place; returns the new length. */
size_t tbl_unescape(char *s, size_t n);

/* Stream the sheet: check it whole, then call back its rows. 0 or the fatal code. */
int tbl_sheet_read(hf_table_t *t);

#endif
