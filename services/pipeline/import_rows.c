/* services/pipeline/import_rows.c - the import reader's rows: fields, values, messages
 *
 * What a CSV record and an NDJSON object have in common once read: the
 * canonical fields and their aliases (the one place header names live), the
 * text checks every value passes (UTF-8, trimmed, then each field's rule of
 * pl_cand_rules, which the API applies too), the
 * row checks (required fields, consent, years, skills) in imp_finish_row(),
 * and the error and warning messages with their row, column and field. The
 * record buffer both readers fill is here too.
 */
#include "import_private.h"
#include "hf/encoding.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- canonical fields and aliases --- */

const char *const imp_field_names[PL_CAND_FIELDS] = {
    "external_id", "name",      "phone",   "email",           "source", "skills",  "years_experience",
    "education",   "resume",    "consent", "consent_version", "gender", "age_band",
};

/* Names, ids and codes are one line; the resume is free text; years and
 * consent are read into numbers, but their cells are typed text all the same. */
const hf_text_rule_t pl_cand_rules[PL_CAND_FIELDS] = {
    [PL_CAND_EXTERNAL_ID] = { HF_TEXT_LINE, 0, 128 },
    [PL_CAND_NAME] = { HF_TEXT_LINE, 1, 200 },
    [PL_CAND_PHONE] = { HF_TEXT_LINE, 0, 40 },
    [PL_CAND_EMAIL] = { HF_TEXT_LINE, 0, 254 },
    [PL_CAND_SOURCE] = { HF_TEXT_LINE, 0, 100 },
    [PL_CAND_SKILLS] = { HF_TEXT_LINE, 1, 100 }, /* each skill */
    [PL_CAND_YEARS_EXPERIENCE] = { HF_TEXT_LINE, 0, 40 },
    [PL_CAND_EDUCATION] = { HF_TEXT_LINE, 0, 100 },
    [PL_CAND_RESUME] = { HF_TEXT_LINES, 0, HF_TEXT_UNLIMITED }, /* bytes: PL_IMPORT_MAX_FIELD */
    [PL_CAND_CONSENT] = { HF_TEXT_LINE, 0, 40 },
    [PL_CAND_CONSENT_VERSION] = { HF_TEXT_LINE, 0, 64 },
    [PL_CAND_GENDER] = { HF_TEXT_LINE, 0, 32 },
    [PL_CAND_AGE_BAND] = { HF_TEXT_LINE, 0, 32 },
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
    return imp_field_names[f];
}

/* --- bytes and text --- */

/* 0 when s[0..n) is valid UTF-8 without NUL, 1 when not UTF-8, 2 when it
 * holds a NUL (whichever comes first). */
int imp_text_check(const char *s, size_t n)
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
const char *imp_trim(const char *s, size_t *n)
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
void imp_shown(char *out, const char *s, size_t n)
{
    size_t i = hf_utf8_invalid_at(s, n < NAME_SHOWN ? n : NAME_SHOWN);
    memcpy(out, s, i);
    out[i] = 0;
}

/* A header or key as aliases are written: trimmed, ASCII lowercase, without
 * ' ', '_', '-', '*', '.'. False when it does not fit in out (64 bytes). */
bool imp_normalize(char out[64], const char *s, size_t n)
{
    s = imp_trim(s, &n);
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
    if (!imp_normalize(key, s, len))
        return -1;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (!strcmp(key, aliases[i].alias))
            return (int)aliases[i].field;
    return -1;
}

/* The field a header or key names for this reader: explicit mapping or aliases. */
int imp_lookup(const pl_import_t *p, const char *s, size_t len)
{
    if (!p->explicit_map)
        return pl_cand_field_from_header(s, len);
    char key[64];
    if (!imp_normalize(key, s, len))
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
const char *imp_colname(const pl_import_t *p, unsigned c)
{
    if (c >= p->ncols)
        return "";
    return p->map[c] >= 0 ? imp_field_names[p->map[c]] : p->hdr[c];
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

void imp_clear_row(pl_import_t *p)
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
bool imp_fail_at(pl_import_t *p, unsigned col, const char *field, const char *fmt, ...)
{
    char prefix[32];
    va_list ap;
    snprintf(prefix, sizeof(prefix), "row %zu: ", p->rec);
    va_start(ap, fmt);
    vformat(&p->err, p->msg, sizeof(p->msg), prefix, col, field, fmt, ap);
    va_end(ap);
    p->err.row = p->rec;
    imp_clear_row(p);
    p->row.error = &p->err;
    emit(p);
    return false;
}

int imp_set_fatal(pl_import_t *p, unsigned col, const char *field, const char *fmt, ...)
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

int imp_set_nomem(pl_import_t *p)
{
    imp_set_fatal(p, 0, NULL, "out of memory");
    return p->fatal_rc = PL_IMPORT_NOMEM;
}

void imp_warn(pl_import_t *p, size_t row, unsigned col, const char *field, const char *fmt, ...)
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
    hf_text_problem_t bad;
    s = imp_trim(s, &n);
    if (!n)
        return true;
    if (p->row.nskills == PL_IMPORT_MAX_SKILLS)
        return fail_field(p, PL_CAND_SKILLS, "more than %d skills", PL_IMPORT_MAX_SKILLS);
    if (hf_text_check(s, n, pl_cand_rules[PL_CAND_SKILLS], &bad) < 0)
        return fail_field(p, PL_CAND_SKILLS, "skill %zu: %s", p->row.nskills + 1, bad.message);
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

/* Checks and derived values shared by CSV and NDJSON, then the callback.
 * Messages name the row and the column, never the value: a shifted column
 * puts a name or a phone number where a number of years belongs, and the
 * errors are kept and shown in clear. */
void imp_finish_row(pl_import_t *p)
{
    pl_import_row_t *r = &p->row;
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
            fail_field(p, PL_CAND_CONSENT, "not yes or no");
            return;
        }
    }
    if (r->value[PL_CAND_YEARS_EXPERIENCE] &&
        !parse_years(r->value[PL_CAND_YEARS_EXPERIENCE], r->len[PL_CAND_YEARS_EXPERIENCE],
                     &r->years)) {
        fail_field(p, PL_CAND_YEARS_EXPERIENCE, "not a number of years (0 to 70)");
        return;
    }
    if (r->value[PL_CAND_SKILLS] &&
        !split_skills(p, r->value[PL_CAND_SKILLS], r->len[PL_CAND_SKILLS]))
        return;
    emit(p);
}

/* Check a value of field f (col for messages) and set it; NUL-terminated at s[n]. */
bool imp_set_value(pl_import_t *p, pl_cand_field_t f, unsigned col, char *s, size_t n)
{
    if (n > PL_IMPORT_MAX_FIELD)
        return imp_fail_at(p, col, imp_field_names[f], "%zu bytes, the limit is %d", n,
                       PL_IMPORT_MAX_FIELD);
    int bad = imp_text_check(s, n);
    if (bad)
        return imp_fail_at(p, col, imp_field_names[f], "%s",
                       bad == 2                       ? "contains a nul byte"
                       : p->enc == PL_IMPORT_GB18030 ? "invalid gb18030 byte sequence"
                                                      : "invalid utf-8");
    hf_text_problem_t wrong; /* the API's words; skills are checked item by item */
    if (f != PL_CAND_SKILLS && hf_text_check(s, n, pl_cand_rules[f], &wrong) < 0)
        return imp_fail_at(p, col, imp_field_names[f], "%s", wrong.message);
    s[n] = 0;
    p->row.value[f] = s;
    p->row.len[f] = n;
    return true;
}

/* --- the record buffer, shared by CSV and NDJSON --- */

/* Append up to n bytes to the record, never past PL_IMPORT_MAX_ROW; returns how many. */
size_t imp_put(pl_import_t *p, const char *s, size_t n)
{
    size_t room = PL_IMPORT_MAX_ROW - p->nraw;
    if (n > room)
        n = room;
    memcpy(p->raw + p->nraw, s, n);
    p->nraw += n;
    return n;
}

void imp_reset_record(pl_import_t *p)
{
    p->nraw = p->fstart = 0;
    p->nfld = 0;
    p->quoted = p->fld_bad = p->too_long = false;
    p->st = ST_START;
}
