/* common/src/table_xlsx.c - the table reader's .xlsx workbooks: zip, parts, styles, strings
 *
 * An .xlsx file is a zip of XML parts (ECMA-376 / ISO 29500). Its directory
 * is at its end, so the file is kept whole (table.c) and opened from memory
 * with libzip. Every part is read with libxml2's streaming xmlTextReader
 * through a callback that counts the bytes it unpacks: a part may not unpack
 * to more than HF_XLSX_MAX_PART bytes, nor, past 1 MiB, to more than
 * HF_XLSX_MAX_RATIO times its packed size (zip bombs), and a document type
 * declaration is refused (entity tricks); encrypted entries are refused.
 * This file reads what the sheet needs: the workbook (which sheet, which date
 * system), its relationships (where the parts are), the styles (which cell
 * formats are dates) and the shared strings (text cells point into them);
 * table_sheet.c then streams the sheet itself, twice.
 */
#include "table_xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- parts --- */

static int part_read(void *ctx, char *buf, int len)
{
    tbl_part_t *p = ctx;
    zip_int64_t n = zip_fread(p->f, buf, (zip_uint64_t)len);
    if (n < 0) {
        p->broken = true;
        return -1;
    }
    p->read += (uint64_t)n;
    if (p->read > p->limit) {
        p->over = true;
        return -1;
    }
    return (int)n;
}

static int part_close(void *ctx)
{
    (void)ctx;
    return 0;
}

/* libxml2 prints what it finds wrong to stderr unless told otherwise: the
 * reader says it once, in its own words, as the file's fatal error. */
static void quiet(void *ctx, const char *fmt, ...)
{
    (void)ctx, (void)fmt;
}

static void quiet_structured(void *ctx, xmlErrorPtr e)
{
    (void)ctx, (void)e;
}

int tbl_part_open(hf_table_t *t, const char *name, uint64_t max, tbl_part_t *p)
{
    tbl_xlsx_t *x = t->x;
    zip_stat_t st;
    memset(p, 0, sizeof(*p));
    p->name = name;
    zip_int64_t i = zip_name_locate(x->zip, name, 0);
    if (i < 0)
        return 1;
    zip_stat_init(&st);
    if (zip_stat_index(x->zip, (zip_uint64_t)i, 0, &st) < 0)
        return hf_table_set_fatal(t, 0, NULL, "the workbook is damaged: %s cannot be read", name);
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return hf_table_set_fatal(t, 0, NULL, "the workbook is encrypted: save it without a password");
    p->limit = max;
    if ((st.valid & ZIP_STAT_COMP_SIZE) && st.comp_size * HF_XLSX_MAX_RATIO < p->limit)
        p->limit = st.comp_size * HF_XLSX_MAX_RATIO > 1024 * 1024 ? st.comp_size * HF_XLSX_MAX_RATIO
                                                                 : 1024 * 1024;
    if ((st.valid & ZIP_STAT_SIZE) && st.size > p->limit)
        return tbl_part_over(t, p);
    if (!(p->f = zip_fopen_index(x->zip, (zip_uint64_t)i, 0)))
        return hf_table_set_fatal(t, 0, NULL, "the workbook is damaged: %s cannot be read", name);
    xmlSetGenericErrorFunc(NULL, quiet); /* this thread's, as libxml2's globals are */
    xmlSetStructuredErrorFunc(NULL, quiet_structured);
    p->r = xmlReaderForIO(part_read, part_close, p, NULL, NULL,
                          XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!p->r) {
        zip_fclose(p->f);
        p->f = NULL;
        return tbl_set_nomem(t);
    }
    return 0;
}

int tbl_part_over(hf_table_t *t, const tbl_part_t *p)
{
    return hf_table_set_fatal(t, 0, NULL,
                              "the workbook is refused: %s unpacks to more than %llu bytes "
                              "(limits: %u bytes, %u times its packed size)",
                              p->name, (unsigned long long)p->limit, HF_XLSX_MAX_PART,
                              HF_XLSX_MAX_RATIO);
}

int tbl_part_next(hf_table_t *t, tbl_part_t *p)
{
    int rc = xmlTextReaderRead(p->r);
    if (rc == 1 && xmlTextReaderNodeType(p->r) == XML_READER_TYPE_DOCUMENT_TYPE)
        rc = -2;
    if (rc >= 0 && !p->over && !p->broken)
        return rc;
    if (p->over)
        tbl_part_over(t, p);
    else if (rc == -2)
        hf_table_set_fatal(t, 0, NULL, "the workbook is refused: %s declares a document type",
                           p->name);
    else
        hf_table_set_fatal(t, 0, NULL, "the workbook is damaged: %s is not well-formed xml",
                           p->name);
    return -1;
}

void tbl_part_close(tbl_part_t *p)
{
    if (p->r)
        xmlFreeTextReader(p->r);
    if (p->f)
        zip_fclose(p->f);
    p->r = NULL, p->f = NULL;
}

bool tbl_is(xmlTextReaderPtr r, const char *local)
{
    const xmlChar *n = xmlTextReaderConstLocalName(r);
    return n && !strcmp((const char *)n, local);
}

const char *tbl_attr(xmlTextReaderPtr r, const char *local)
{
    const char *v = NULL;
    if (xmlTextReaderMoveToFirstAttribute(r) != 1)
        return NULL;
    do {
        if (tbl_is(r, local)) {
            v = (const char *)xmlTextReaderConstValue(r);
            break;
        }
    } while (xmlTextReaderMoveToNextAttribute(r) == 1);
    xmlTextReaderMoveToElement(r);
    return v;
}

/* --- the workbook: which sheet, which date system --- */

static int workbook(hf_table_t *t, char **rid)
{
    tbl_part_t p;
    int rc = tbl_part_open(t, "xl/workbook.xml", 16u << 20, &p);
    if (rc)
        return rc > 0 ? hf_table_set_fatal(t, 0, NULL, "not an .xlsx workbook (a zip without "
                                                       "xl/workbook.xml): save it as .xlsx "
                                                       "(Excel workbook)")
                      : rc;
    while ((rc = tbl_part_next(t, &p)) == 1 && !*rid) {
        if (xmlTextReaderNodeType(p.r) != XML_READER_TYPE_ELEMENT)
            continue;
        if (tbl_is(p.r, "workbookPr")) {
            const char *d = tbl_attr(p.r, "date1904");
            t->x->date1904 = d && (!strcmp(d, "1") || !strcmp(d, "true"));
        } else if (tbl_is(p.r, "sheet")) {
            const char *name = tbl_attr(p.r, "name");
            if (t->sheet && (!name || strcmp(name, t->sheet)))
                continue;
            const char *state = t->sheet ? NULL : tbl_attr(p.r, "state");
            if (state && strcmp(state, "visible")) /* the first sheet a person sees */
                continue;
            const char *id = tbl_attr(p.r, "id"); /* r:id */
            if (!id || !(*rid = strdup(id)))
                rc = id ? tbl_set_nomem(t)
                        : hf_table_set_fatal(t, 0, NULL, "the workbook is damaged: a sheet without "
                                                         "its relationship");
            if (rc < 0)
                break;
        }
    }
    tbl_part_close(&p);
    if (rc < 0 || t->fatal_rc)
        return t->fatal_rc ? t->fatal_rc : HF_TABLE_FATAL;
    if (!*rid)
        return t->sheet ? hf_table_set_fatal(t, 0, NULL, "the workbook has no sheet named as asked")
                        : hf_table_set_fatal(t, 0, NULL, "the workbook has no sheet");
    return 0;
}

/* "worksheets/sheet1.xml" (relative to xl/) or "/xl/worksheets/sheet1.xml". */
static char *part_path(const char *target)
{
    char *s;
    if (target[0] == '/')
        return strdup(target + 1);
    if (asprintf(&s, "xl/%s", target) < 0)
        return NULL;
    return s;
}

static bool type_is(const char *type, const char *suffix)
{
    size_t n = type ? strlen(type) : 0, m = strlen(suffix);
    return n >= m && !strcmp(type + n - m, suffix);
}

/* Where the sheet rid, the shared strings and the styles are. */
static int relationships(hf_table_t *t, const char *rid)
{
    tbl_xlsx_t *x = t->x;
    tbl_part_t p;
    int rc = tbl_part_open(t, "xl/_rels/workbook.xml.rels", 16u << 20, &p);
    if (rc)
        return rc > 0 ? hf_table_set_fatal(t, 0, NULL, "the workbook is damaged: no "
                                                       "xl/_rels/workbook.xml.rels")
                      : rc;
    while ((rc = tbl_part_next(t, &p)) == 1) {
        if (xmlTextReaderNodeType(p.r) != XML_READER_TYPE_ELEMENT || !tbl_is(p.r, "Relationship"))
            continue;
        /* each attribute used before the next is asked for: libxml2 may reuse its buffer */
        const char *id = tbl_attr(p.r, "Id");
        char **into = id && !strcmp(id, rid) ? &x->sheet_path : NULL;
        if (!into) {
            const char *type = tbl_attr(p.r, "Type");
            into = type_is(type, "/sharedStrings") ? &x->strings_path
                   : type_is(type, "/styles")      ? &x->styles_path
                                                   : NULL;
        }
        const char *target = into && !*into ? tbl_attr(p.r, "Target") : NULL;
        if (target && !(*into = part_path(target))) {
            rc = tbl_set_nomem(t);
            break;
        }
    }
    tbl_part_close(&p);
    if (rc < 0 || t->fatal_rc)
        return t->fatal_rc ? t->fatal_rc : HF_TABLE_FATAL;
    if (!x->sheet_path)
        return hf_table_set_fatal(t, 0, NULL, "the workbook is damaged: its sheet is missing");
    return 0;
}

/* --- styles: which cell formats are dates --- */

/* Built-in formats that are dates or times: 14-22, 45-47, and the East
 * Asian ones (27-36, 50-58: yyyy"年"m"月"d"日" and kin in a Chinese Excel). */
static bool builtin_date(unsigned id)
{
    return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
           (id >= 50 && id <= 58);
}

bool tbl_format_is_date(const char *code)
{
    for (const char *s = code; *s; s++) {
        switch (*s) {
        case '"': /* literal text */
            while (s[1] && s[1] != '"')
                s++;
            if (s[1])
                s++;
            break;
        case '[': /* colour, condition, locale: [Red] [>100] [$-804] */
            while (s[1] && s[1] != ']')
                s++;
            if (s[1])
                s++;
            break;
        case '\\': /* an escaped character */
        case '_':  /* the width of the next character */
        case '*':  /* fill with the next character */
            if (s[1])
                s++;
            break;
        case 'y': case 'Y': case 'm': case 'M': case 'd': case 'D':
        case 'h': case 'H': case 's': case 'S':
            return true;
        default:
            break;
        }
    }
    return false;
}

/* Custom formats (numFmtId >= 164, or redefined built-ins) that are dates. */
typedef struct {
    unsigned id[512];
    bool date[512];
    unsigned n;
} formats_t;

static bool format_date(const formats_t *f, unsigned id)
{
    for (unsigned i = 0; i < f->n; i++)
        if (f->id[i] == id)
            return f->date[i];
    return builtin_date(id);
}

static int add_xf(hf_table_t *t, bool date)
{
    tbl_xlsx_t *x = t->x;
    if (x->nxf == 65536)
        return hf_table_set_fatal(t, 0, NULL, "the workbook is refused: more than 65536 cell formats");
    if (x->nxf == x->cxf) {
        size_t cap = x->cxf ? x->cxf * 2 : 64;
        bool *d = realloc(x->xf_date, cap * sizeof(*d));
        if (!d)
            return tbl_set_nomem(t);
        x->xf_date = d, x->cxf = cap;
    }
    x->xf_date[x->nxf++] = date;
    return 0;
}

static int styles(hf_table_t *t)
{
    tbl_part_t p = { 0 };
    formats_t *f = calloc(1, sizeof(*f));
    if (!f)
        return tbl_set_nomem(t);
    int rc = t->x->styles_path ? tbl_part_open(t, t->x->styles_path, 64u << 20, &p) : 1;
    bool in_xfs = false;
    while (rc != 1 && !t->fatal_rc && tbl_part_next(t, &p) == 1) {
        int type = xmlTextReaderNodeType(p.r);
        if (tbl_is(p.r, "cellXfs"))
            in_xfs = type == XML_READER_TYPE_ELEMENT && !xmlTextReaderIsEmptyElement(p.r);
        if (type != XML_READER_TYPE_ELEMENT)
            continue;
        if (tbl_is(p.r, "numFmt") && f->n < 512) {
            const char *id = tbl_attr(p.r, "numFmtId");
            f->id[f->n] = id ? (unsigned)strtoul(id, NULL, 10) : 0;
            const char *code = tbl_attr(p.r, "formatCode");
            f->date[f->n++] = code && tbl_format_is_date(code);
        } else if (in_xfs && tbl_is(p.r, "xf")) {
            const char *id = tbl_attr(p.r, "numFmtId");
            if (add_xf(t, id && format_date(f, (unsigned)strtoul(id, NULL, 10))) < 0)
                break;
        }
    }
    tbl_part_close(&p);
    free(f);
    return t->fatal_rc;
}

/* --- shared strings --- */

/* Excel writes control characters as _xHHHH_ (and a literal "_x" as _x005F_x). */
size_t tbl_unescape(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned v = 0;
        bool hex = i + 7 <= n && s[i] == '_' && s[i + 1] == 'x' && s[i + 6] == '_';
        for (size_t k = 2; hex && k < 6; k++) {
            char c = s[i + k];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            hex = d >= 0;
            v = v * 16 + (unsigned)(d >= 0 ? d : 0);
        }
        if (!hex || (v >= 0xD800 && v <= 0xDFFF)) {
            s[o++] = s[i++];
            continue;
        }
        if (v < 0x80) {
            s[o++] = (char)v;
        } else if (v < 0x800) {
            s[o++] = (char)(0xC0 | v >> 6);
            s[o++] = (char)(0x80 | (v & 0x3F));
        } else {
            s[o++] = (char)(0xE0 | v >> 12);
            s[o++] = (char)(0x80 | ((v >> 6) & 0x3F));
            s[o++] = (char)(0x80 | (v & 0x3F));
        }
        i += 7;
    }
    return o;
}

static int sst_grow(hf_table_t *t, size_t more)
{
    tbl_xlsx_t *x = t->x;
    if (x->nsst + more > HF_XLSX_MAX_STRINGS)
        return hf_table_set_fatal(t, 0, NULL, "the workbook is refused: its shared strings hold "
                                              "more than %u bytes", HF_XLSX_MAX_STRINGS);
    if (x->nsst + more <= x->csst)
        return 0;
    size_t cap = x->csst ? x->csst : 65536;
    while (cap < x->nsst + more)
        cap *= 2;
    char *s = realloc(x->sst, cap);
    if (!s)
        return tbl_set_nomem(t);
    x->sst = s, x->csst = cap;
    return 0;
}

/* The string being read is whole: unescape it, end it, index it. */
static int sst_end(hf_table_t *t, size_t start)
{
    tbl_xlsx_t *x = t->x;
    if (x->nstr == x->cstr) {
        size_t cap = x->cstr ? x->cstr * 2 : 1024;
        uint32_t *o = realloc(x->sst_off, cap * sizeof(*o));
        if (!o)
            return tbl_set_nomem(t);
        x->sst_off = o, x->cstr = cap;
    }
    if (sst_grow(t, 1) < 0)
        return t->fatal_rc;
    x->nsst = start + tbl_unescape(x->sst + start, x->nsst - start);
    x->sst[x->nsst++] = 0;
    x->sst_off[x->nstr++] = (uint32_t)start;
    return 0;
}

/* <si> holds <t> or rich text runs <r><t>; <rPh> (phonetic guides) are not the text. */
static int shared_strings(hf_table_t *t)
{
    tbl_xlsx_t *x = t->x;
    tbl_part_t p;
    int rc = x->strings_path ? tbl_part_open(t, x->strings_path, HF_XLSX_MAX_PART, &p) : 1;
    if (rc)
        return rc > 0 ? 0 : rc;
    size_t start = 0;
    int in_si = 0, in_t = 0, in_rph = 0;
    while ((rc = tbl_part_next(t, &p)) == 1) {
        int type = xmlTextReaderNodeType(p.r);
        bool open = type == XML_READER_TYPE_ELEMENT, close = type == XML_READER_TYPE_END_ELEMENT;
        bool empty = open && xmlTextReaderIsEmptyElement(p.r);
        if (open || close) {
            int d = open && !empty ? 1 : close ? -1 : 0;
            if (tbl_is(p.r, "si")) {
                if (open)
                    start = x->nsst, in_si = 1;
                if ((close || empty) && sst_end(t, start) < 0)
                    break;
                if (close || empty)
                    in_si = 0;
            } else if (tbl_is(p.r, "t")) {
                in_t += d;
            } else if (tbl_is(p.r, "rPh")) {
                in_rph += d;
            }
            continue;
        }
        if (in_si && in_t > 0 && !in_rph &&
            (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
             type == XML_READER_TYPE_WHITESPACE || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
            const char *v = (const char *)xmlTextReaderConstValue(p.r);
            size_t n = v ? strlen(v) : 0;
            if (sst_grow(t, n) < 0)
                break;
            memcpy(x->sst + x->nsst, v, n);
            x->nsst += n;
        }
    }
    tbl_part_close(&p);
    return t->fatal_rc;
}

/* --- the whole --- */

int tbl_xlsx_read(hf_table_t *t)
{
    zip_error_t ze;
    if (!(t->x = calloc(1, sizeof(*t->x))))
        return tbl_set_nomem(t);
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(t->file, t->nfile, 0, &ze);
    if (src && !(t->x->zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze)))
        zip_source_free(src);
    zip_error_fini(&ze);
    if (!t->x->zip)
        return hf_table_set_fatal(t, 0, NULL, "not a readable .xlsx file: the zip is damaged");
    char *rid = NULL;
    int rc = workbook(t, &rid);
    if (!rc)
        rc = relationships(t, rid);
    free(rid);
    if (!rc)
        rc = styles(t);
    if (!rc)
        rc = shared_strings(t);
    if (!rc)
        rc = tbl_sheet_read(t);
    return rc ? rc : t->fatal_rc;
}

void tbl_xlsx_free(tbl_xlsx_t **xp)
{
    tbl_xlsx_t *x = xp ? *xp : NULL;
    if (!x)
        return;
    if (x->zip)
        zip_discard(x->zip);
    free(x->sheet_path);
    free(x->strings_path);
    free(x->styles_path);
    if (x->sst) /* every text of the workbook */
        explicit_bzero(x->sst, x->csst);
    free(x->sst);
    free(x->sst_off);
    free(x->xf_date);
    free(x->merges);
    free(x);
    *xp = NULL;
}
