/* services/pipeline/import.c - streaming reader of candidate import files (CSV, NDJSON)
 *
 * Bytes flow through three stages, each keeping only what it must between
 * chunks: the sniffer (the first 64 KiB, to choose encoding, format and
 * delimiter), the converter (iconv from GB18030, with the bytes of a split
 * character carried over) and the record reader (one CSV record or NDJSON
 * line, at most PL_IMPORT_MAX_ROW bytes). So memory does not grow with the
 * file. A CSV record is kept as its original bytes plus the offsets of its
 * fields and unquoted in place once complete: a row of plain fields costs one
 * copy and one scan. Keeping the original bytes is also what recovers an
 * unterminated quote: the row fails and the lines after the quote's line are
 * read again. An invalid GB18030 sequence becomes the byte 0xFF, never valid
 * UTF-8, so it fails its row in the same check as a bad byte of a UTF-8 file.
 * Row checks shared by both formats (required fields, consent, years, skills)
 * are in finish_row(); the alias table is the one place header names live.
 */
#include "import.h"
#include "hf/encoding.h"

#include <assert.h>
#include <errno.h>
#include <iconv.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONV_CHUNK (64 * 1024) /* bytes converted per iconv() call */
#define NAME_SHOWN 64          /* bytes of a header name or value shown in messages */
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

/* --- canonical fields and aliases --- */

static const char *const field_names[PL_CAND_FIELDS] = {
    "external_id", "name",      "phone",   "email",           "source", "skills",  "years_experience",
    "education",   "resume",    "consent", "consent_version", "gender", "age_band",
};

/* Aliases as normalize() leaves them: lowercase, without spaces, '_', '-', '*', '.'. */
static const struct {
    const char *alias;
    pl_cand_field_t field;
} aliases[] = {
    { "externalid", PL_CAND_EXTERNAL_ID }, { "id", PL_CAND_EXTERNAL_ID },
    { "candidateid", PL_CAND_EXTERNAL_ID }, { "编号", PL_CAND_EXTERNAL_ID },
    { "候选人编号", PL_CAND_EXTERNAL_ID }, { "外部编号", PL_CAND_EXTERNAL_ID },
    { "name", PL_CAND_NAME }, { "fullname", PL_CAND_NAME }, { "candidatename", PL_CAND_NAME },
    { "姓名", PL_CAND_NAME }, { "名字", PL_CAND_NAME }, { "候选人姓名", PL_CAND_NAME },
    { "候选人", PL_CAND_NAME },
    { "phone", PL_CAND_PHONE }, { "mobile", PL_CAND_PHONE }, { "mobilephone", PL_CAND_PHONE },
    { "phonenumber", PL_CAND_PHONE }, { "tel", PL_CAND_PHONE }, { "telephone", PL_CAND_PHONE },
    { "手机", PL_CAND_PHONE }, { "手机号", PL_CAND_PHONE }, { "手机号码", PL_CAND_PHONE },
    { "电话", PL_CAND_PHONE }, { "联系电话", PL_CAND_PHONE }, { "电话号码", PL_CAND_PHONE },
    { "email", PL_CAND_EMAIL }, { "mail", PL_CAND_EMAIL }, { "emailaddress", PL_CAND_EMAIL },
    { "邮箱", PL_CAND_EMAIL }, { "电子邮箱", PL_CAND_EMAIL }, { "邮件", PL_CAND_EMAIL },
    { "电子邮件", PL_CAND_EMAIL },
    { "source", PL_CAND_SOURCE }, { "channel", PL_CAND_SOURCE }, { "来源", PL_CAND_SOURCE },
    { "渠道", PL_CAND_SOURCE }, { "招聘渠道", PL_CAND_SOURCE },
    { "skills", PL_CAND_SKILLS }, { "skill", PL_CAND_SKILLS }, { "技能", PL_CAND_SKILLS },
    { "专业技能", PL_CAND_SKILLS },
    { "yearsexperience", PL_CAND_YEARS_EXPERIENCE }, { "years", PL_CAND_YEARS_EXPERIENCE },
    { "experience", PL_CAND_YEARS_EXPERIENCE }, { "yearsofexperience", PL_CAND_YEARS_EXPERIENCE },
    { "工作年限", PL_CAND_YEARS_EXPERIENCE }, { "年限", PL_CAND_YEARS_EXPERIENCE },
    { "工作经验", PL_CAND_YEARS_EXPERIENCE }, { "工龄", PL_CAND_YEARS_EXPERIENCE },
    { "education", PL_CAND_EDUCATION }, { "degree", PL_CAND_EDUCATION },
    { "学历", PL_CAND_EDUCATION }, { "最高学历", PL_CAND_EDUCATION },
    { "resume", PL_CAND_RESUME }, { "cv", PL_CAND_RESUME }, { "简历", PL_CAND_RESUME },
    { "简历内容", PL_CAND_RESUME },
    { "consent", PL_CAND_CONSENT }, { "同意", PL_CAND_CONSENT }, { "是否同意", PL_CAND_CONSENT },
    { "授权", PL_CAND_CONSENT },
    { "consentversion", PL_CAND_CONSENT_VERSION }, { "同意版本", PL_CAND_CONSENT_VERSION },
    { "授权版本", PL_CAND_CONSENT_VERSION },
    { "gender", PL_CAND_GENDER }, { "sex", PL_CAND_GENDER }, { "性别", PL_CAND_GENDER },
    { "ageband", PL_CAND_AGE_BAND }, { "agegroup", PL_CAND_AGE_BAND },
    { "年龄段", PL_CAND_AGE_BAND }, { "年龄组", PL_CAND_AGE_BAND },
};

const char *pl_cand_field_name(pl_cand_field_t f)
{
    assert(f >= 0 && f < PL_CAND_FIELDS);
    return field_names[f];
}

/* --- bytes and text --- */

/* 0 when s[0..n) is valid UTF-8 without NUL, 1 when not UTF-8, 2 when it
 * holds a NUL (whichever comes first). */
static int text_check(const char *s, size_t n)
{
    size_t bad = hf_utf8_invalid_at(s, n);
    return memchr(s, '\0', bad) ? 2 : bad < n;
}

/* The width of a space at s (ASCII space, tab, CR, LF, U+3000, U+00A0), else 0. */
static size_t space_at(const char *s, size_t n)
{
    if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        return 1;
    if (n >= 3 && !memcmp(s, "\xe3\x80\x80", 3))
        return 3;
    if (n >= 2 && !memcmp(s, "\xc2\xa0", 2))
        return 2;
    return 0;
}

/* Drop spaces at both ends of s[0..*n); returns the new start. */
static const char *trim(const char *s, size_t *n)
{
    size_t w;
    while (*n && (w = space_at(s, *n)) != 0)
        s += w, *n -= w;
    while (*n) {
        char c = s[*n - 1];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            *n -= 1;
        else if (*n >= 3 && !memcmp(s + *n - 3, "\xe3\x80\x80", 3))
            *n -= 3;
        else if (*n >= 2 && !memcmp(s + *n - 2, "\xc2\xa0", 2))
            *n -= 2;
        else
            break;
    }
    return s;
}

/* At most NAME_SHOWN bytes of s, cut at a character boundary, into out (NUL-terminated). */
static void shown(char *out, const char *s, size_t n)
{
    size_t i = hf_utf8_invalid_at(s, n < NAME_SHOWN ? n : NAME_SHOWN);
    memcpy(out, s, i);
    out[i] = 0;
}

/* A header or key as aliases are written: trimmed, ASCII lowercase, without
 * ' ', '_', '-', '*', '.'. False when it does not fit in out (64 bytes). */
static bool normalize(char out[64], const char *s, size_t n)
{
    s = trim(s, &n);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '_' || c == '-' || c == '*' || c == '.')
            continue;
        if (o == 63)
            return false;
        out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    out[o] = 0;
    return true;
}

int pl_cand_field_from_header(const char *s, size_t len)
{
    char key[64];
    if (!normalize(key, s, len))
        return -1;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (!strcmp(key, aliases[i].alias))
            return (int)aliases[i].field;
    return -1;
}

/* The field a header or key names for this reader: explicit mapping or aliases. */
static int lookup(const pl_import_t *p, const char *s, size_t len)
{
    if (!p->explicit_map)
        return pl_cand_field_from_header(s, len);
    char key[64];
    if (!normalize(key, s, len))
        return -1;
    for (int f = 0; f < PL_CAND_FIELDS; f++)
        if (p->columns[f] && !strcmp(key, p->columns[f]))
            return f;
    return -1;
}

static bool ascii_ieq(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n != m)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (((c >= 'A' && c <= 'Z') ? (char)(c + 32) : c) != lit[i])
            return false;
    }
    return true;
}

static bool one_of(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (ascii_ieq(s, n, *list))
            return true;
    return false;
}

/* yes/no/true/false/1/0/是/否 and a few more; PL_CONSENT_UNSET when none. */
static pl_consent_t parse_consent(const char *s, size_t n)
{
    static const char *const yes[] = { "yes", "y", "true", "1", "是", "同意", "已同意", NULL };
    static const char *const no[] = { "no", "n", "false", "0", "否", "不同意", "未同意", NULL };
    if (one_of(s, n, yes))
        return PL_CONSENT_YES;
    if (one_of(s, n, no))
        return PL_CONSENT_NO;
    return PL_CONSENT_UNSET;
}

/* "3", "2.5", "5年", "3年以上", "10+", "4 years" -> years in 0..70; false otherwise. */
static bool parse_years(const char *s, size_t n, double *out)
{
    static const char *const units[] = { "", "年", "年以上", "以上", "+", "y", "yr", "yrs",
                                         "year", "years", NULL };
    size_t i = 0;
    double v = 0;
    bool digits = false;
    for (; i < n && s[i] >= '0' && s[i] <= '9' && v <= 1000; i++, digits = true)
        v = v * 10 + (s[i] - '0');
    if (i < n && s[i] == '.') {
        double scale = 0.1;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10, digits = true)
            v += (s[i] - '0') * scale;
    }
    while (i < n && s[i] == ' ')
        i++;
    if (!digits || v > 70 || !one_of(s + i, n - i, units))
        return false;
    *out = v;
    return true;
}

/* --- errors, warnings, rows --- */

/* The name of 0-based column c for messages: canonical when mapped, else the header's. */
static const char *colname(const pl_import_t *p, unsigned c)
{
    if (c >= p->ncols)
        return "";
    return p->map[c] >= 0 ? field_names[p->map[c]] : p->hdr[c];
}

/* Format "<prefix>column N (name): <fmt>" (or "<prefix>field: ", or just the prefix) into e. */
static void vformat(pl_import_error_t *e, char *buf, size_t size, const char *prefix,
                    unsigned col, const char *field, const char *fmt, va_list ap)
{
    int n;
    if (col && field && *field)
        n = snprintf(buf, size, "%scolumn %u (%s): ", prefix, col, field);
    else if (col)
        n = snprintf(buf, size, "%scolumn %u: ", prefix, col);
    else if (field && *field)
        n = snprintf(buf, size, "%s%s: ", prefix, field);
    else
        n = snprintf(buf, size, "%s", prefix);
    if (n < 0 || (size_t)n >= size)
        n = 0;
    vsnprintf(buf + n, size - (size_t)n, fmt, ap);
    e->column = col;
    e->field = field ? field : "";
    e->message = buf;
}

static void clear_row(pl_import_t *p)
{
    memset(p->row.value, 0, sizeof(p->row.value));
    memset(p->row.len, 0, sizeof(p->row.len));
    p->row.error = NULL;
    p->row.skills = p->skv;
    p->row.nskills = 0;
    p->row.years = -1;
    p->row.consent = PL_CONSENT_UNSET;
}

static void emit(pl_import_t *p)
{
    p->row.row = p->rec;
    p->stats.rows++;
    p->stats.failed += p->row.error != NULL;
    p->on_row(p->ctx, &p->row);
}

/* Fail the current row: col is 1-based (0: none), field its name. Returns false. */
static bool fail_at(pl_import_t *p, unsigned col, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool fail_at(pl_import_t *p, unsigned col, const char *field, const char *fmt, ...)
{
    char prefix[32];
    va_list ap;
    snprintf(prefix, sizeof(prefix), "row %zu: ", p->rec);
    va_start(ap, fmt);
    vformat(&p->err, p->msg, sizeof(p->msg), prefix, col, field, fmt, ap);
    va_end(ap);
    p->err.row = p->rec;
    clear_row(p);
    p->row.error = &p->err;
    emit(p);
    return false;
}

#define fail_col(p, c, ...) fail_at(p, (c) + 1, colname(p, c), __VA_ARGS__)
#define fail_row(p, ...) fail_at(p, 0, NULL, __VA_ARGS__)

/* Fail the row on field f: with its column in CSV, by name in NDJSON. */
#define fail_field(p, f, ...) \
    fail_at(p, (p)->format == PL_IMPORT_CSV ? (p)->colof[f] : 0, field_names[f], __VA_ARGS__)

static int set_fatal(pl_import_t *p, unsigned col, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int set_fatal(pl_import_t *p, unsigned col, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vformat(&p->fatal, p->fatal_msg, sizeof(p->fatal_msg), col ? "header: " : "", col,
            col ? field : NULL, fmt, ap);
    va_end(ap);
    p->fatal.field = field ? field : "";
    p->fatal.row = 0;
    p->fatal_rc = PL_IMPORT_FATAL;
    return p->fatal_rc;
}

static int set_nomem(pl_import_t *p)
{
    set_fatal(p, 0, NULL, "out of memory");
    return p->fatal_rc = PL_IMPORT_NOMEM;
}

static void warn(pl_import_t *p, size_t row, unsigned col, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void warn(pl_import_t *p, size_t row, unsigned col, const char *field, const char *fmt, ...)
{
    char prefix[32];
    va_list ap;
    if (row)
        snprintf(prefix, sizeof(prefix), "row %zu: ", row);
    else
        snprintf(prefix, sizeof(prefix), "header: ");
    va_start(ap, fmt);
    vformat(&p->err, p->msg, sizeof(p->msg), prefix, col, field, fmt, ap);
    va_end(ap);
    p->err.row = row;
    p->stats.warnings++;
    if (p->on_warning)
        p->on_warning(p->ctx, &p->err);
}

static bool add_skill(pl_import_t *p, const char *s, size_t n)
{
    s = trim(s, &n);
    if (!n)
        return true;
    if (p->row.nskills == PL_IMPORT_MAX_SKILLS)
        return fail_field(p, PL_CAND_SKILLS, "more than %d skills", PL_IMPORT_MAX_SKILLS);
    if (p->nsk + n + 1 > SKILLS_SIZE)
        return fail_field(p, PL_CAND_SKILLS, "over %d bytes", PL_IMPORT_MAX_FIELD);
    char *d = p->sk + p->nsk;
    memcpy(d, s, n);
    d[n] = 0;
    p->nsk += n + 1;
    p->skv[p->row.nskills++] = d;
    return true;
}

/* The width of a skills separator at s (, ， ; ； 、), else 0. */
static size_t skill_sep(const char *s, size_t n)
{
    if (*s == ',' || *s == ';')
        return 1;
    if (n >= 3 && (!memcmp(s, "\xef\xbc\x8c", 3) || !memcmp(s, "\xef\xbc\x9b", 3) ||
                   !memcmp(s, "\xe3\x80\x81", 3)))
        return 3;
    return 0;
}

static bool split_skills(pl_import_t *p, const char *s, size_t n)
{
    size_t from = 0, w;
    p->nsk = 0;
    for (size_t i = 0; i < n; i++) {
        if ((w = skill_sep(s + i, n - i)) == 0)
            continue;
        if (!add_skill(p, s + from, i - from))
            return false;
        i += w - 1;
        from = i + 1;
    }
    return add_skill(p, s + from, n - from);
}

/* A value shown in a message: quoted, at most NAME_SHOWN bytes. */
#define SHOW(buf, p, f) (shown(buf, (p)->row.value[f], (p)->row.len[f]), buf)

/* Checks and derived values shared by CSV and NDJSON, then the callback. */
static void finish_row(pl_import_t *p)
{
    pl_import_row_t *r = &p->row;
    char b[NAME_SHOWN + 1];
    if (!r->value[PL_CAND_NAME]) {
        fail_field(p, PL_CAND_NAME, "empty");
        return;
    }
    if (!r->value[PL_CAND_PHONE] && !r->value[PL_CAND_EMAIL]) {
        fail_row(p, "phone and email are both empty");
        return;
    }
    if (r->value[PL_CAND_CONSENT]) {
        r->consent = parse_consent(r->value[PL_CAND_CONSENT], r->len[PL_CAND_CONSENT]);
        if (r->consent == PL_CONSENT_UNSET) {
            fail_field(p, PL_CAND_CONSENT, "\"%s\" is not yes or no", SHOW(b, p, PL_CAND_CONSENT));
            return;
        }
    }
    if (r->value[PL_CAND_YEARS_EXPERIENCE] &&
        !parse_years(r->value[PL_CAND_YEARS_EXPERIENCE], r->len[PL_CAND_YEARS_EXPERIENCE],
                     &r->years)) {
        fail_field(p, PL_CAND_YEARS_EXPERIENCE, "\"%s\" is not a number of years (0 to 70)",
                   SHOW(b, p, PL_CAND_YEARS_EXPERIENCE));
        return;
    }
    if (r->value[PL_CAND_SKILLS] &&
        !split_skills(p, r->value[PL_CAND_SKILLS], r->len[PL_CAND_SKILLS]))
        return;
    emit(p);
}

/* Check a value of field f (col for messages) and set it; NUL-terminated at s[n]. */
static bool set_value(pl_import_t *p, pl_cand_field_t f, unsigned col, char *s, size_t n)
{
    if (n > PL_IMPORT_MAX_FIELD)
        return fail_at(p, col, field_names[f], "%zu bytes, the limit is %d", n,
                       PL_IMPORT_MAX_FIELD);
    int bad = text_check(s, n);
    if (bad)
        return fail_at(p, col, field_names[f], "%s",
                       bad == 2                       ? "contains a nul byte"
                       : p->enc == PL_IMPORT_GB18030 ? "invalid gb18030 byte sequence"
                                                      : "invalid utf-8");
    s[n] = 0;
    p->row.value[f] = s;
    p->row.len[f] = n;
    return true;
}

/* --- CSV --- */

/* Append up to n bytes to the record, never past PL_IMPORT_MAX_ROW; returns how many. */
static size_t put(pl_import_t *p, const char *s, size_t n)
{
    size_t room = PL_IMPORT_MAX_ROW - p->nraw;
    if (n > room)
        n = room;
    memcpy(p->raw + p->nraw, s, n);
    p->nraw += n;
    return n;
}

static void reset_record(pl_import_t *p)
{
    p->nraw = p->fstart = 0;
    p->nfld = 0;
    p->quoted = p->fld_bad = p->too_long = false;
    p->st = ST_START;
}

static void end_field(pl_import_t *p)
{
    if (p->nfld < PL_IMPORT_MAX_COLUMNS)
        p->fld[p->nfld] = (span_t){ (uint32_t)p->fstart, (uint32_t)p->nraw, p->quoted, p->fld_bad };
    p->nfld++;
    p->quoted = p->fld_bad = false;
}

/* Column c's value, unquoted in place and trimmed. */
static char *field_value(pl_import_t *p, unsigned c, size_t *len)
{
    span_t f = p->fld[c];
    char *s = p->raw + f.start;
    size_t n = f.end - f.start;
    if (f.quoted) {
        char *w = s;
        const char *r = s + 1, *e = p->raw + f.end;
        while (r < e) {
            if (*r == '"') {
                if (r + 1 < e && r[1] == '"')
                    r++;
                else
                    break;
            }
            *w++ = *r++;
        }
        n = (size_t)(w - s);
    }
    char *t = (char *)trim(s, &n);
    *len = n;
    return t;
}

/* A record of empty or blank fields only (an empty line, a line of bare delimiters). */
static bool blank(const pl_import_t *p)
{
    if (p->nfld > PL_IMPORT_MAX_COLUMNS)
        return false;
    for (unsigned c = 0; c < p->nfld; c++)
        for (uint32_t i = p->fld[c].start; i < p->fld[c].end; i++)
            if (p->raw[i] != ' ' && p->raw[i] != '\t')
                return false;
    return true;
}

static void csv_header(pl_import_t *p)
{
    if (p->too_long) {
        set_fatal(p, 0, NULL, "header: longer than %d bytes", PL_IMPORT_MAX_ROW);
        return;
    }
    if (blank(p))
        return;
    if (p->nfld > PL_IMPORT_MAX_COLUMNS) {
        set_fatal(p, 0, NULL, "header: %u columns, the limit is %d", p->nfld,
                  PL_IMPORT_MAX_COLUMNS);
        return;
    }
    p->ncols = p->nfld;
    for (unsigned c = 0; c < p->ncols; c++) {
        size_t n;
        char *s = field_value(p, c, &n);
        p->map[c] = -1;
        if (p->fld[c].bad || text_check(s, n)) {
            set_fatal(p, c + 1, NULL, "%s",
                      p->fld[c].bad ? "text after closing quote"
                      : p->enc == PL_IMPORT_GB18030 ? "invalid gb18030 byte sequence"
                                                    : "invalid utf-8 (for a gbk file, say so)");
            return;
        }
        shown(p->hdr[c], s, n);
        int f = lookup(p, s, n);
        if (f < 0) {
            warn(p, 0, c + 1, p->hdr[c], n ? "unknown column, ignored" : "no name, ignored");
            continue;
        }
        if (p->colof[f]) {
            set_fatal(p, c + 1, p->hdr[c], "%s is also column %u (%s)", field_names[f],
                      p->colof[f], p->hdr[p->colof[f] - 1]);
            return;
        }
        p->map[c] = f;
        p->colof[f] = c + 1;
    }
    for (int f = 0; f < PL_CAND_FIELDS; f++)
        if (p->columns[f] && !p->colof[f]) {
            set_fatal(p, 0, field_names[f], "header: no column \"%s\" for %s", p->columns[f],
                      field_names[f]);
            return;
        }
    if (!p->colof[PL_CAND_NAME])
        set_fatal(p, 0, "name", "header: no column for name (姓名, name, full name)");
    else if (!p->colof[PL_CAND_PHONE] && !p->colof[PL_CAND_EMAIL])
        set_fatal(p, 0, "phone", "header: no column for phone or email (手机, 邮箱, phone, email)");
    p->have_header = !p->fatal_rc;
}

static void csv_row(pl_import_t *p)
{
    unsigned nf = p->nfld < PL_IMPORT_MAX_COLUMNS ? p->nfld : PL_IMPORT_MAX_COLUMNS;
    for (unsigned c = 0; c < nf; c++)
        if (p->fld[c].bad) {
            fail_col(p, c, "text after closing quote");
            return;
        }
    if (p->nfld != p->ncols) {
        fail_row(p, "%u columns, the header has %u", p->nfld, p->ncols);
        return;
    }
    for (int f = 0; f < PL_CAND_FIELDS; f++) {
        unsigned col = p->colof[f];
        size_t n;
        if (!col)
            continue;
        char *s = field_value(p, col - 1, &n);
        if (n && !set_value(p, f, col, s, n))
            return;
    }
    finish_row(p);
}

static void csv_record_end(pl_import_t *p)
{
    if (!p->too_long)
        end_field(p);
    if (!p->have_header) {
        csv_header(p);
    } else {
        p->rec++;
        clear_row(p);
        if (p->too_long)
            fail_row(p, "longer than %d bytes", PL_IMPORT_MAX_ROW);
        else if (!blank(p))
            csv_row(p);
    }
    reset_record(p);
}

static int csv_feed(pl_import_t *p, const char *s, size_t n);

/* A quote still open at the end of the file or after PL_IMPORT_MAX_ROW bytes:
 * the row fails and reading resumes at the line after the quote's line.
 * False when there is no such line in the record (the caller decides). */
static bool recover(pl_import_t *p)
{
    size_t from = p->quote_open + 1, at = from;
    while (at < p->nraw && p->raw[at] != '\n' && p->raw[at] != '\r')
        at++;
    if (at == p->nraw)
        return false;
    if (!p->have_header) {
        set_fatal(p, p->nfld + 1, NULL, "unterminated quote");
        return true;
    }
    p->rec++;
    fail_col(p, p->nfld, "unterminated quote");
    if (!p->spare && !(p->spare = malloc(PL_IMPORT_MAX_ROW + 1))) {
        set_nomem(p);
        return true;
    }
    char *tail = p->raw;
    size_t len = p->nraw - at - 1;
    bool cr = p->raw[at] == '\r';
    p->raw = p->spare;
    p->spare = tail;
    reset_record(p);
    p->st = cr ? ST_CR : ST_START;
    csv_feed(p, tail + at + 1, len);
    return true;
}

/* The record went over PL_IMPORT_MAX_ROW: recover an open quote, or skip to the line end. */
static void overflow(pl_import_t *p)
{
    if ((p->st == ST_QUOTED || p->st == ST_QEND) && recover(p))
        return;
    p->too_long = true;
    p->st = ST_SKIP;
}

/* Append s[*i..j) to the record and move *i past what was taken; false, with
 * the overflow handled, when the record reached its limit first. */
static bool take(pl_import_t *p, const char *s, size_t *i, size_t j)
{
    size_t k = put(p, s + *i, j - *i);
    bool all = k == j - *i;
    *i += k;
    if (!all)
        overflow(p);
    return all;
}

static int csv_feed(pl_import_t *p, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, j;
    while (i < n && !p->fatal_rc) {
        switch (p->st) {
        case ST_CR:
            p->st = ST_START;
            i += s[i] == '\n';
            break;
        case ST_START:
            if (s[i] == '"') {
                if (!take(p, s, &i, i + 1))
                    break;
                p->quote_open = p->nraw - 1;
                p->quoted = true;
                p->st = ST_QUOTED;
                break;
            }
            p->st = ST_PLAIN;
            /* fall through */
        case ST_PLAIN:
            for (j = i; j < n && !p->special[u[j]]; j++)
                ;
            if (!take(p, s, &i, j) || j == n)
                break;
            if (s[j] == p->delim) {
                end_field(p);
                p->st = ST_START;
                if (take(p, s, &i, j + 1))
                    p->fstart = p->nraw;
            } else {
                i++;
                csv_record_end(p);
                p->st = s[j] == '\r' ? ST_CR : ST_START;
            }
            break;
        case ST_QUOTED: {
            const char *q = memchr(s + i, '"', n - i);
            if (take(p, s, &i, q ? (size_t)(q - s) + 1 : n) && q)
                p->st = ST_QEND;
            break;
        }
        case ST_QEND:
            if (s[i] == '"') {
                if (take(p, s, &i, i + 1))
                    p->st = ST_QUOTED;
            } else {
                p->fld_bad |= !p->special[u[i]];
                p->st = ST_PLAIN;
            }
            break;
        case ST_SKIP:
            for (j = i; j < n && s[j] != '\n' && s[j] != '\r'; j++)
                ;
            i = j;
            if (j == n)
                break;
            csv_record_end(p);
            p->st = s[j] == '\r' ? ST_CR : ST_START;
            i++;
            break;
        }
    }
    return p->fatal_rc;
}

static void csv_finish(pl_import_t *p)
{
    while (p->st == ST_QUOTED && !p->fatal_rc) {
        if (recover(p))
            continue;
        if (!p->have_header) {
            set_fatal(p, p->nfld + 1, NULL, "unterminated quote");
            return;
        }
        p->rec++;
        fail_col(p, p->nfld, "unterminated quote");
        reset_record(p);
    }
    if (!p->fatal_rc && (p->st == ST_SKIP || p->st == ST_PLAIN || p->st == ST_QEND ||
                         (p->st == ST_START && (p->nfld || p->nraw))))
        csv_record_end(p);
    if (!p->fatal_rc && !p->have_header)
        set_fatal(p, 0, NULL, "empty file: no header line");
}

/* --- NDJSON --- */

static bool put_value(pl_import_t *p, pl_cand_field_t f, const char *s, size_t n)
{
    s = trim(s, &n);
    if (!n)
        return true;
    if (p->nvals + n + 1 > VALS_SIZE)
        return fail_row(p, "longer than %d bytes", PL_IMPORT_MAX_ROW);
    char *d = p->vals + p->nvals;
    memcpy(d, s, n);
    p->nvals += n + 1;
    return set_value(p, f, 0, d, n);
}

/* Skills given as a JSON list: the items joined with ", ", split again later. */
static bool put_list(pl_import_t *p, json_t *list)
{
    size_t i, start = p->nvals;
    json_t *item;
    json_array_foreach(list, i, item) {
        if (!json_is_string(item))
            return fail_field(p, PL_CAND_SKILLS, "expected a string or a list of strings");
        size_t n = json_string_length(item);
        if (p->nvals + n + 3 > VALS_SIZE)
            return fail_row(p, "longer than %d bytes", PL_IMPORT_MAX_ROW);
        if (i)
            memcpy(p->vals + p->nvals, ", ", 2), p->nvals += 2;
        memcpy(p->vals + p->nvals, json_string_value(item), n);
        p->nvals += n;
    }
    p->nvals++;
    return put_value(p, PL_CAND_SKILLS, p->vals + start, p->nvals - 1 - start);
}

static bool nd_value(pl_import_t *p, pl_cand_field_t f, json_t *v)
{
    char num[64];
    bool numeric = f == PL_CAND_EXTERNAL_ID || f == PL_CAND_PHONE ||
                   f == PL_CAND_YEARS_EXPERIENCE || f == PL_CAND_CONSENT;
    switch (json_typeof(v)) {
    case JSON_NULL:
        return true;
    case JSON_STRING:
        return put_value(p, f, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
    case JSON_REAL:
        if (!numeric)
            break;
        if (json_is_integer(v))
            snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        else
            snprintf(num, sizeof(num), "%.15g", json_real_value(v));
        return put_value(p, f, num, strlen(num));
    case JSON_TRUE:
    case JSON_FALSE:
        if (f != PL_CAND_CONSENT)
            break;
        return put_value(p, f, json_is_true(v) ? "yes" : "no", json_is_true(v) ? 3 : 2);
    case JSON_ARRAY:
        if (f != PL_CAND_SKILLS)
            break;
        return put_list(p, v);
    default:
        break;
    }
    return fail_field(p, f, "expected %s",
                      f == PL_CAND_SKILLS    ? "a string or a list of strings"
                      : f == PL_CAND_CONSENT ? "a boolean or a string"
                      : numeric               ? "a string or a number"
                                              : "a string");
}

static void warn_key(pl_import_t *p, const char *key)
{
    char norm[64], show[NAME_SHOWN + 1];
    if (!normalize(norm, key, strlen(key)))
        norm[0] = 0;
    for (size_t i = 0; i < p->nwarned; i++)
        if (!strcmp(p->warned[i], norm))
            return;
    if (p->nwarned == MAX_WARNED_KEYS || !(p->warned[p->nwarned] = strdup(norm)))
        return;
    p->nwarned++;
    shown(show, key, strlen(key));
    warn(p, p->rec, 0, NULL, "key \"%s\": unknown key, ignored", show);
}

static void nd_object(pl_import_t *p, json_t *o)
{
    bool seen[PL_CAND_FIELDS] = { false };
    const char *key;
    json_t *v;
    p->nvals = 0;
    json_object_foreach(o, key, v) {
        int f = lookup(p, key, strlen(key));
        if (f < 0) {
            warn_key(p, key);
            continue;
        }
        if (seen[f]) {
            char show[NAME_SHOWN + 1];
            shown(show, key, strlen(key));
            fail_field(p, f, "given twice (key \"%s\")", show);
            return;
        }
        seen[f] = true;
        if (!nd_value(p, (pl_cand_field_t)f, v))
            return;
    }
    finish_row(p);
}

static void nd_line(pl_import_t *p)
{
    char *s = p->raw;
    size_t n = p->nraw;
    p->rec++;
    clear_row(p);
    if (p->too_long) {
        fail_row(p, "longer than %d bytes", PL_IMPORT_MAX_ROW);
        return;
    }
    trim(s, &n);
    if (!n)
        return;
    int bad = text_check(s, p->nraw);
    if (bad) {
        fail_row(p, "%s", bad == 2                       ? "contains a nul byte"
                          : p->enc == PL_IMPORT_GB18030 ? "invalid gb18030 byte sequence"
                                                         : "invalid utf-8");
        return;
    }
    json_error_t je;
    json_t *o = json_loadb(s, p->nraw, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        fail_row(p, "invalid json at character %d: %s", je.position, je.text);
    else if (!json_is_object(o))
        fail_row(p, "not a json object");
    else
        nd_object(p, o);
    json_decref(o);
}

static int nd_feed(pl_import_t *p, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && !p->fatal_rc) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t j = nl ? (size_t)(nl - s) : n;
        if (p->st != ST_SKIP && put(p, s + i, j - i) < j - i) {
            p->too_long = true;
            p->st = ST_SKIP;
        }
        if (!nl)
            break;
        nd_line(p);
        reset_record(p);
        i = j + 1;
    }
    return p->fatal_rc;
}

/* --- encodings and detection --- */

static int parse(pl_import_t *p, const char *s, size_t n)
{
    return p->format == PL_IMPORT_CSV ? csv_feed(p, s, n) : nd_feed(p, s, n);
}

/* GB18030 to UTF-8 through the stage buffer: carried bytes first, then s.
 * An invalid byte becomes 0xFF; at the end (final) so does a cut character. */
static int convert(pl_import_t *p, const char *s, size_t n, bool final)
{
    do {
        size_t take = n < CONV_CHUNK - p->ncarry ? n : CONV_CHUNK - p->ncarry;
        if (take) {
            memcpy(p->stage + p->ncarry, s, take);
            s += take, n -= take;
        }
        char *in = p->stage;
        size_t left = p->ncarry + take;
        p->ncarry = 0;
        while (left && !p->fatal_rc) {
            char *out = p->obuf;
            size_t room = CONV_CHUNK, r = iconv(p->cd, &in, &left, &out, &room);
            int e = errno;
            if (out > p->obuf && parse(p, p->obuf, (size_t)(out - p->obuf)))
                break;
            if (r != (size_t)-1 || e == E2BIG)
                continue;
            if (e == EINVAL && !final) { /* a character cut by the chunk: keep it */
                memmove(p->stage, in, left);
                p->ncarry = left;
                break;
            }
            parse(p, "\xff", 1);
            in++, left--;
        }
    } while (n && !p->fatal_rc);
    return p->fatal_rc;
}

static int push(pl_import_t *p, const char *s, size_t n, bool final)
{
    if (p->enc == PL_IMPORT_GB18030)
        return convert(p, s, n, final);
    return n ? parse(p, s, n) : p->fatal_rc;
}

/* UTF-8 unless the sample has more invalid bytes than valid multibyte characters. */
static pl_import_encoding_t sniff_encoding(const unsigned char *s, size_t n)
{
    size_t valid = 0, invalid = 0, i = 0;
    while (i < n) {
        int len = hf_utf8_decode((const char *)s + i, n - i, NULL);
        if (len < 0)
            break;
        if (len == 0)
            invalid++, len = 1;
        else
            valid += len > 1;
        i += (size_t)len;
    }
    return invalid > valid ? PL_IMPORT_GB18030 : PL_IMPORT_UTF8;
}

/* The most frequent of , ; tab outside quotes in the first line (',' on a tie or none). */
static char sniff_delimiter(const unsigned char *s, size_t n)
{
    size_t comma = 0, semi = 0, tab = 0;
    bool q = false;
    for (size_t i = 0; i < n && (q || (s[i] != '\n' && s[i] != '\r')); i++) {
        q ^= s[i] == '"';
        if (!q)
            comma += s[i] == ',', semi += s[i] == ';', tab += s[i] == '\t';
    }
    if (semi > comma && semi >= tab)
        return ';';
    return tab > comma && tab > semi ? '\t' : ',';
}

/* Choose encoding, format and delimiter from the sample, then read it. */
static int decide(pl_import_t *p)
{
    const unsigned char *s = p->sniff;
    size_t n = p->nsniff, off = 0;
    p->decided = true;
    if (n >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF)))
        return set_fatal(p, 0, NULL, "utf-16 is not supported: save the file as csv (utf-8)");
    if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3) && p->enc != PL_IMPORT_GB18030)
        p->enc = PL_IMPORT_UTF8, off = 3;
    else if (n >= 4 && !memcmp(s, "\x84\x31\x95\x33", 4) && p->enc != PL_IMPORT_UTF8)
        p->enc = PL_IMPORT_GB18030, off = 4;
    else if (p->enc == PL_IMPORT_AUTO_ENCODING)
        p->enc = sniff_encoding(s, n);
    if (p->format == PL_IMPORT_AUTO_FORMAT) {
        size_t i = off;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        p->format = i < n && s[i] == '{' ? PL_IMPORT_NDJSON : PL_IMPORT_CSV;
    }
    if (p->format == PL_IMPORT_CSV && !p->delim)
        p->delim = sniff_delimiter(s + off, n - off);
    p->special[(unsigned char)p->delim] = p->special['\n'] = p->special['\r'] = true;
    if (p->format == PL_IMPORT_NDJSON && !(p->vals = malloc(VALS_SIZE)))
        return set_nomem(p);
    if (p->enc == PL_IMPORT_GB18030) {
        p->cd = iconv_open("UTF-8", "GB18030");
        if (p->cd == (iconv_t)-1)
            return set_fatal(p, 0, NULL, "encoding gb18030 is not available (iconv)");
        if (!(p->stage = malloc(CONV_CHUNK)) || !(p->obuf = malloc(CONV_CHUNK)))
            return set_nomem(p);
    }
    int rc = push(p, (const char *)s + off, n - off, false);
    free(p->sniff);
    p->sniff = NULL;
    return rc;
}

/* --- public --- */

pl_import_t *pl_import_new(const pl_import_options_t *opt, pl_import_row_cb on_row,
                           pl_import_warning_cb on_warning, void *ctx)
{
    static const pl_import_options_t none;
    assert(on_row);
    if (!opt)
        opt = &none;
    if (opt->delimiter && opt->delimiter != ',' && opt->delimiter != ';' && opt->delimiter != '\t')
        return NULL;
    pl_import_t *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->on_row = on_row, p->on_warning = on_warning, p->ctx = ctx;
    p->format = opt->format, p->enc = opt->encoding, p->delim = opt->delimiter;
    p->cd = (iconv_t)-1;
    p->raw = malloc(PL_IMPORT_MAX_ROW + 1);
    p->sniff = malloc(PL_IMPORT_SNIFF);
    p->sk = malloc(SKILLS_SIZE);
    bool ok = p->raw && p->sniff && p->sk;
    for (int f = 0; f < PL_CAND_FIELDS && ok; f++) {
        char key[64];
        if (!opt->columns[f])
            continue;
        p->explicit_map = true;
        ok = normalize(key, opt->columns[f], strlen(opt->columns[f])) &&
             (p->columns[f] = strdup(key)) != NULL;
    }
    if (!ok)
        pl_import_destroy(&p);
    else
        clear_row(p);
    return p;
}

void pl_import_destroy(pl_import_t **pp)
{
    pl_import_t *p = pp ? *pp : NULL;
    if (!p)
        return;
    if (p->cd != (iconv_t)-1)
        iconv_close(p->cd);
    for (int f = 0; f < PL_CAND_FIELDS; f++)
        free(p->columns[f]);
    for (size_t i = 0; i < p->nwarned; i++)
        free(p->warned[i]);
    free(p->sniff);
    free(p->stage);
    free(p->obuf);
    free(p->raw);
    free(p->spare);
    free(p->sk);
    free(p->vals);
    free(p);
    *pp = NULL;
}

int pl_import_feed(pl_import_t *p, const void *buf, size_t len)
{
    const char *s = buf;
    assert(p && !p->finished && (buf || !len));
    if (p->fatal_rc)
        return p->fatal_rc;
    if (!p->decided) {
        size_t take = len < PL_IMPORT_SNIFF - p->nsniff ? len : PL_IMPORT_SNIFF - p->nsniff;
        if (take) {
            memcpy(p->sniff + p->nsniff, s, take);
            p->nsniff += take, s += take, len -= take;
        }
        if (p->nsniff < PL_IMPORT_SNIFF || decide(p))
            return p->fatal_rc;
    }
    return len ? push(p, s, len, false) : 0;
}

int pl_import_finish(pl_import_t *p)
{
    assert(p && !p->finished);
    p->finished = true;
    if (!p->fatal_rc && !p->decided)
        decide(p);
    if (!p->fatal_rc)
        push(p, NULL, 0, true);
    if (p->fatal_rc)
        return p->fatal_rc;
    if (p->format == PL_IMPORT_CSV)
        csv_finish(p);
    else if (p->nraw || p->too_long)
        nd_line(p);
    return p->fatal_rc;
}

const pl_import_error_t *pl_import_fatal(const pl_import_t *p)
{
    return p->fatal_rc ? &p->fatal : NULL;
}

pl_import_stats_t pl_import_stats(const pl_import_t *p)
{
    return p->stats;
}

pl_import_encoding_t pl_import_encoding(const pl_import_t *p)
{
    return p->decided ? p->enc : PL_IMPORT_AUTO_ENCODING;
}
