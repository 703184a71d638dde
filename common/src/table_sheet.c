/* common/src/table_sheet.c - the table reader's .xlsx sheet, streamed twice
 *
 * A sheet is <sheetData> of <row r="5"> of <c r="C5" t="s" s="3"><v>…</v></c>,
 * sparse (missing rows and cells are empty), then <mergeCells> at its end. It
 * is read with xmlTextReader, never as a tree, in two passes over the same
 * bytes: the first checks what would make the import wrong half-way (a
 * formula, merged cells over the data, too many rows) and finds the header
 * (the first non-blank row outside merged title rows), so that a refused
 * file is refused before its first row; the second calls the rows back
 * through table_map.c like CSV records. A cell's text goes into the record
 * buffer of CSV (HF_TABLE_MAX_ROW bytes a row): shared strings are copied
 * from the table table_xlsx.c read, numbers are shown with 15 significant
 * digits (as Excel shows them), numbers in a date format become dates.
 */
#include "table_xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_ROWS 64   /* non-blank rows remembered to find the header */
#define FORMULAS 64     /* formula cells remembered to name the first below the header */
#define MAX_MERGES 100000

typedef struct {
    bool check; /* the first pass */
    /* what the first pass finds */
    unsigned first[FIRST_ROWS], nfirst;
    unsigned formula[FORMULAS][2], nformula; /* row, column */
    unsigned last, header;
    size_t capmerges;
    /* the row and cell being read */
    unsigned row, col, hi, overflow;
    char type;
    unsigned style;
    size_t start;
    int in_v, in_is, in_t, in_rph;
    bool formula_here, too_long;
    unsigned bad_col;
    const char *bad;
} walk_t;

/* "C5" -> column 3 (row part ignored); 0 when not a reference. */
static unsigned ref_col(const char *s)
{
    unsigned c = 0, k = 0;
    for (; *s >= 'A' && *s <= 'Z' && k < 3; s++, k++)
        c = c * 26 + (unsigned)(*s - 'A' + 1);
    return k && c <= 16384 ? c : 0;
}

static unsigned ref_row(const char *s)
{
    while (*s >= 'A' && *s <= 'Z')
        s++;
    unsigned long r = strtoul(s, NULL, 10);
    return r <= HF_XLSX_MAX_ROWS ? (unsigned)r : 0;
}

/* "C5" into out (at least 12 bytes). */
static void ref_name(char *out, unsigned row, unsigned col)
{
    char letters[4];
    int n = 0;
    for (; col && n < 3; col = (col - 1) / 26)
        letters[n++] = (char)('A' + (col - 1) % 26);
    int o = 0;
    while (n)
        out[o++] = letters[--n];
    snprintf(out + o, 12 - (size_t)o, "%u", row);
}

static int damaged(hf_table_t *t, const char *what)
{
    return hf_table_set_fatal(t, 0, NULL, "the workbook is damaged: %s", what);
}

/* --- cells --- */

static void put(hf_table_t *t, walk_t *w, const char *s, size_t n)
{
    if (tbl_put(t, s, n) < n)
        w->too_long = true;
}

/* Replace the cell's text with s. */
static void replace(hf_table_t *t, walk_t *w, const char *s)
{
    t->nraw = w->start;
    put(t, w, s, strlen(s));
}

/* <c r="C5" t="s" s="3">: its column, type and format, read in one pass over
 * its attributes, each used before the next is read. */
static void cell_start(hf_table_t *t, walk_t *w, xmlTextReaderPtr r)
{
    unsigned col = w->col + 1;
    w->type = 'n', w->style = 0;
    for (int more = xmlTextReaderMoveToFirstAttribute(r); more == 1;
         more = xmlTextReaderMoveToNextAttribute(r)) {
        const char *name = (const char *)xmlTextReaderConstLocalName(r);
        const char *v = (const char *)xmlTextReaderConstValue(r);
        if (!name || !v || name[1])
            continue;
        if (name[0] == 'r')
            col = ref_col(v);
        else if (name[0] == 't')
            w->type = !strcmp(v, "inlineStr") ? 'i' : !strcmp(v, "str") ? 't' : v[0];
        else if (name[0] == 's')
            w->style = (unsigned)strtoul(v, NULL, 10);
    }
    xmlTextReaderMoveToElement(r);
    if (!col || col <= w->col) {
        damaged(t, "cells out of order");
        return;
    }
    w->col = col;
    w->start = t->nraw;
    w->in_v = w->in_is = w->in_t = w->in_rph = 0;
    w->formula_here = false;
}

/* A number cell: a date when its format is one, else the number as Excel shows it. */
static hf_cell_type_t number(hf_table_t *t, walk_t *w, char *text, double *value)
{
    char *end, shown[32];
    double v = strtod(text, &end);
    if (end == text || *end) {
        damaged(t, "a number cell holds no number");
        return HF_CELL_EMPTY;
    }
    *value = v;
    if (w->check) /* the first pass needs to know it is there, not how it reads */
        return HF_CELL_NUMBER;
    if (w->style < t->x->nxf && t->x->xf_date[w->style]) {
        double days;
        if (!hf_table_excel_days(v, t->x->date1904, &days)) {
            if (!w->bad_col)
                w->bad_col = w->col, w->bad = v >= 60 && v < 61 && !t->x->date1904
                                               ? "1900-02-29 is not a date (Excel counts it)"
                                               : "a date before 1900 or after 9999";
            return HF_CELL_EMPTY;
        }
        *value = days;
        hf_table_format_days(days, v >= 1 || t->x->date1904, shown);
        replace(t, w, shown);
        return HF_CELL_DATE;
    }
    snprintf(shown, sizeof(shown), "%.15g", v);
    replace(t, w, shown);
    return HF_CELL_NUMBER;
}

static void cell_end(hf_table_t *t, walk_t *w)
{
    tbl_xlsx_t *x = t->x;
    hf_cell_type_t type = HF_CELL_TEXT;
    double value = 0;
    if (w->formula_here && w->check && w->nformula < FORMULAS) {
        w->formula[w->nformula][0] = w->row;
        w->formula[w->nformula++][1] = w->col;
    }
    if (w->too_long)
        return;
    t->raw[t->nraw] = 0;
    char *text = t->raw + w->start;
    size_t n = t->nraw - w->start;
    if (w->type == 's' && n) {
        char *end;
        unsigned long i = strtoul(text, &end, 10);
        if (*end || i >= x->nstr) {
            damaged(t, "a cell points to a shared string that is missing");
            return;
        }
        replace(t, w, x->sst + x->sst_off[i]);
    } else if (w->type == 'i' || w->type == 't') {
        t->nraw = w->start + tbl_unescape(text, n);
    } else if (w->type == 'b' && n) {
        type = HF_CELL_BOOL, value = text[0] == '1';
        replace(t, w, value ? "TRUE" : "FALSE");
    } else if (w->type == 'e' && n) {
        if (!w->bad_col)
            w->bad_col = w->col, w->bad = "holds an error value: correct or clear it";
        t->nraw = w->start;
    } else if (w->type != 'd' && n) {
        type = number(t, w, text, &value);
        if (type == HF_CELL_EMPTY)
            t->nraw = w->start;
    }
    if (w->too_long || t->fatal_rc)
        return;
    put(t, w, "", 1); /* the NUL: the record buffer holds it too */
    text = t->raw + w->start;
    n = t->nraw - w->start - 1;
    const char *s = hf_table_trim(text, &n);
    if (!n) {
        t->nraw = w->start;
        return;
    }
    ((char *)s)[n] = 0;
    if (w->col > HF_TABLE_MAX_COLUMNS) {
        w->overflow = w->col;
        return;
    }
    t->cells[w->col - 1] = (hf_table_cell_t){ s, n, type, value };
    w->hi = w->col;
}

/* --- rows --- */

static void row_start(hf_table_t *t, walk_t *w, xmlTextReaderPtr r)
{
    const char *ref = tbl_attr(r, "r");
    unsigned row = ref ? ref_row(ref) : w->row + 1;
    if (!row || row <= w->row) {
        damaged(t, "rows out of order");
        return;
    }
    for (unsigned c = 0; c < w->hi; c++)
        t->cells[c] = (hf_table_cell_t){ 0 };
    w->row = row;
    w->col = w->hi = w->overflow = w->bad_col = 0;
    w->too_long = false;
    tbl_reset_record(t);
}

/* The first pass: remember the non-blank rows and where the table ends. */
static void check_row(walk_t *w)
{
    if (!w->hi && !w->overflow && !w->too_long && !w->bad_col)
        return;
    if (w->nfirst < FIRST_ROWS)
        w->first[w->nfirst++] = w->row;
    w->last = w->row;
}

/* The second pass: the header, then the rows below it. */
static void emit_row(hf_table_t *t, walk_t *w)
{
    bool blank = !w->hi && !w->overflow && !w->too_long && !w->bad_col;
    t->ncells = w->hi;
    if (w->row < w->header)
        return;
    if (w->row == w->header) {
        if (w->too_long)
            hf_table_set_fatal(t, 0, NULL, "header: longer than %d bytes", HF_TABLE_MAX_ROW);
        else if (w->overflow)
            hf_table_set_fatal(t, 0, NULL, "header: %u columns, the limit is %d", w->overflow,
                               HF_TABLE_MAX_COLUMNS);
        else
            tbl_header(t);
        return;
    }
    t->rec = w->row - w->header;
    if (blank)
        return;
    if (w->too_long)
        tbl_fail(t, 0, "longer than %d bytes", HF_TABLE_MAX_ROW);
    else if (w->overflow || w->hi > t->ncols)
        tbl_fail(t, 0, "%u columns, the header has %u", w->overflow ? w->overflow : w->hi, t->ncols);
    else if (w->bad_col)
        tbl_fail(t, w->bad_col, "%s", w->bad);
    else
        tbl_row(t);
}

static void merge(hf_table_t *t, walk_t *w, const char *ref)
{
    tbl_xlsx_t *x = t->x;
    const char *colon = ref ? strchr(ref, ':') : NULL;
    if (!colon)
        return;
    tbl_range_t m = { ref_row(ref), ref_col(ref), ref_row(colon + 1), ref_col(colon + 1) };
    if (!m.r1 || !m.c1 || m.r2 < m.r1 || m.c2 < m.c1 || (m.r1 == m.r2 && m.c1 == m.c2))
        return;
    if (x->nmerges == MAX_MERGES) {
        hf_table_set_fatal(t, 0, NULL, "the workbook is refused: more than %d merged ranges",
                           MAX_MERGES);
        return;
    }
    if (x->nmerges == w->capmerges) {
        size_t cap = w->capmerges ? w->capmerges * 2 : 16;
        tbl_range_t *a = realloc(x->merges, cap * sizeof(*a));
        if (!a) {
            tbl_set_nomem(t);
            return;
        }
        x->merges = a, w->capmerges = cap;
    }
    x->merges[x->nmerges++] = m;
}

/* --- the walk --- */

static void text(hf_table_t *t, walk_t *w, xmlTextReaderPtr r)
{
    if (!(w->in_v > 0 || (w->in_is > 0 && w->in_t > 0 && !w->in_rph)))
        return;
    const char *v = (const char *)xmlTextReaderConstValue(r);
    if (v)
        put(t, w, v, strlen(v));
}

/* The elements a sheet is read by. Their names are looked up once in the
 * reader's dictionary, where libxml2 keeps every name it parses: a node's
 * name is then one of them by its pointer, not by comparing strings. */
enum { N_C, N_V, N_F, N_IS, N_T, N_RPH, N_ROW, N_MERGE, N_SHEETDATA, N_NAMES };
static const char *const name_text[N_NAMES] = { "c",   "v",   "f",         "is",       "t",
                                                "rPh", "row", "mergeCell", "sheetData" };

static int name_of(const xmlChar *const *names, xmlTextReaderPtr r)
{
    const xmlChar *n = xmlTextReaderConstLocalName(r);
    for (int i = 0; i < N_NAMES; i++)
        if (n == names[i])
            return i;
    for (int i = 0; n && i < N_NAMES; i++) /* a parser without a dictionary */
        if (!strcmp((const char *)n, name_text[i]))
            return i;
    return -1;
}

/* An element opens (or is empty) or closes; depth +1, 0 or -1. */
static void element(hf_table_t *t, walk_t *w, xmlTextReaderPtr r, int name, bool open, bool empty)
{
    int d = open && !empty ? 1 : open ? 0 : -1;
    switch (name) {
    case N_C:
        if (open)
            cell_start(t, w, r);
        if (!open || empty)
            cell_end(t, w);
        break;
    case N_V:
        w->in_v += d;
        break;
    case N_F:
        w->formula_here |= open;
        break;
    case N_IS:
        w->in_is += d;
        break;
    case N_T:
        w->in_t += d;
        break;
    case N_RPH:
        w->in_rph += d;
        break;
    case N_ROW:
        if (open)
            row_start(t, w, r);
        if ((!open || empty) && !t->fatal_rc)
            w->check ? check_row(w) : emit_row(t, w);
        break;
    case N_MERGE:
        if (open && w->check)
            merge(t, w, tbl_attr(r, "ref"));
        break;
    default:
        break;
    }
}

static int walk(hf_table_t *t, walk_t *w)
{
    tbl_part_t p;
    int rc = tbl_part_open(t, t->x->sheet_path, HF_XLSX_MAX_PART, &p);
    if (rc)
        return rc > 0 ? damaged(t, "its sheet is missing") : rc;
    const xmlChar *names[N_NAMES];
    for (int i = 0; i < N_NAMES; i++)
        names[i] = xmlTextReaderConstString(p.r, (const xmlChar *)name_text[i]);
    w->row = 0;
    while (!t->fatal_rc && (rc = tbl_part_next(t, &p)) == 1) {
        int type = xmlTextReaderNodeType(p.r), name;
        if (type == XML_READER_TYPE_ELEMENT)
            element(t, w, p.r, name_of(names, p.r), true, xmlTextReaderIsEmptyElement(p.r));
        else if (type == XML_READER_TYPE_END_ELEMENT &&
                 (name = name_of(names, p.r)) == N_SHEETDATA && !w->check)
            break;
        else if (type == XML_READER_TYPE_END_ELEMENT)
            element(t, w, p.r, name, false, false);
        else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                 type == XML_READER_TYPE_WHITESPACE ||
                 type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)
            text(t, w, p.r);
    }
    tbl_part_close(&p);
    return t->fatal_rc;
}

static bool merged(const tbl_xlsx_t *x, unsigned row)
{
    for (size_t i = 0; i < x->nmerges; i++)
        if (row >= x->merges[i].r1 && row <= x->merges[i].r2)
            return true;
    return false;
}

/* After the first pass: the header, then nothing the rows would trip on. */
static int judge(hf_table_t *t, walk_t *w)
{
    tbl_xlsx_t *x = t->x;
    char a[12], b[12];
    unsigned i = 0;
    while (i < w->nfirst && merged(x, w->first[i]))
        i++;
    if (!w->nfirst)
        return hf_table_set_fatal(t, 0, NULL, "empty sheet: no header row");
    if (i == w->nfirst)
        return hf_table_set_fatal(t, 0, NULL, "no header row: the first rows are merged cells");
    w->header = w->first[i];
    for (size_t m = 0; m < x->nmerges; m++)
        if (x->merges[m].r2 >= w->header) {
            ref_name(a, x->merges[m].r1, x->merges[m].c1);
            ref_name(b, x->merges[m].r2, x->merges[m].c2);
            return hf_table_set_fatal(t, 0, NULL, "merged cells %s:%s over data: unmerge them "
                                                  "and fill in every cell", a, b);
        }
    for (unsigned f = 0; f < w->nformula; f++)
        if (w->formula[f][0] >= w->header) {
            ref_name(a, w->formula[f][0], w->formula[f][1]);
            return hf_table_set_fatal(t, 0, NULL, "%s holds a formula; paste values", a);
        }
    size_t max = t->max_rows ? t->max_rows : HF_XLSX_MAX_ROWS;
    if (w->last - w->header > max)
        return hf_table_set_fatal(t, 0, NULL, "more than %zu rows: split the file", max);
    return 0;
}

int tbl_sheet_read(hf_table_t *t)
{
    walk_t *w = calloc(1, sizeof(*w));
    if (!w)
        return tbl_set_nomem(t);
    w->check = true;
    if (!walk(t, w) && !judge(t, w)) {
        w->check = false;
        w->hi = 0;
        walk(t, w);
    }
    for (unsigned c = 0; c < HF_TABLE_MAX_COLUMNS; c++)
        t->cells[c] = (hf_table_cell_t){ 0 };
    free(w);
    return t->fatal_rc;
}
