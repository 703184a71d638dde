/* services/pipeline/import_rows.c - the import reader's rows: fields, aliases, checks
 *
 * What a table row and an NDJSON object have in common once read: the
 * canonical fields and their aliases (the one place header names live, as
 * columns of the table reader, which checks every value with the field's
 * rule of pl_cand_rules, the API's too), and the checks across fields
 * (name, phone or email, consent, years, skills) in imp_finish_row().
 */
#include "import_private.h"

#include <assert.h>
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

/* The columns as the table reader maps them: aliases as written in files
 * (compared without case, spaces, '_', '-', '*', '.'), and what a missing
 * required column's message suggests. */
static const struct {
    const char *aliases, *hint;
} cand_columns[PL_CAND_FIELDS] = {
    [PL_CAND_EXTERNAL_ID] = { "external_id|id|candidate id|编号|候选人编号|外部编号", NULL },
    [PL_CAND_NAME] = { "name|full name|candidate name|姓名|名字|候选人姓名|候选人",
                       "姓名, name, full name" },
    [PL_CAND_PHONE] = { "phone|mobile|mobile phone|phone number|tel|telephone|手机|手机号|"
                        "手机号码|电话|联系电话|电话号码", NULL },
    [PL_CAND_EMAIL] = { "email|e-mail|mail|email address|邮箱|电子邮箱|邮件|电子邮件", NULL },
    [PL_CAND_SOURCE] = { "source|channel|来源|渠道|招聘渠道", NULL },
    [PL_CAND_SKILLS] = { "skills|skill|技能|专业技能", NULL },
    [PL_CAND_YEARS_EXPERIENCE] = { "years_experience|years|experience|years of experience|"
                                   "工作年限|年限|工作经验|工龄", NULL },
    [PL_CAND_EDUCATION] = { "education|degree|学历|最高学历", NULL },
    [PL_CAND_RESUME] = { "resume|cv|简历|简历内容", NULL },
    [PL_CAND_CONSENT] = { "consent|同意|是否同意|授权", NULL },
    [PL_CAND_CONSENT_VERSION] = { "consent_version|consent version|同意版本|授权版本", NULL },
    [PL_CAND_GENDER] = { "gender|sex|性别", NULL },
    [PL_CAND_AGE_BAND] = { "age_band|age band|age group|年龄段|年龄组", NULL },
};

void imp_columns(hf_table_column_t out[PL_CAND_FIELDS])
{
    for (int f = 0; f < PL_CAND_FIELDS; f++)
        out[f] = (hf_table_column_t){ .name = imp_field_names[f],
                                      .aliases = cand_columns[f].aliases,
                                      .hint = cand_columns[f].hint,
                                      .type = HF_COL_TEXT,
                                      .required = f == PL_CAND_NAME,
                                      .unchecked = f == PL_CAND_SKILLS, /* item by item */
                                      .rule = pl_cand_rules[f] };
}

const char *pl_cand_field_name(pl_cand_field_t f)
{
    assert(f >= 0 && f < PL_CAND_FIELDS);
    return imp_field_names[f];
}

int pl_cand_field_from_header(const char *s, size_t len)
{
    hf_table_column_t columns[PL_CAND_FIELDS];
    imp_columns(columns);
    return hf_table_column_find(columns, PL_CAND_FIELDS, s, len);
}

/* --- values --- */

/* yes/no/true/false/1/0/是/否 and a few more; PL_CONSENT_UNSET when none. */
static pl_consent_t parse_consent(const char *s, size_t n)
{
    int yes = hf_table_yes_no(s, n);
    return yes < 0 ? PL_CONSENT_UNSET : yes ? PL_CONSENT_YES : PL_CONSENT_NO;
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
    if (!digits || v > 70 || !hf_table_is_one_of(s + i, n - i, units))
        return false;
    *out = v;
    return true;
}

/* --- rows --- */

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

void imp_emit(pl_import_t *p)
{
    p->row.row = p->rec;
    p->stats.rows++;
    p->stats.failed += p->row.error != NULL;
    p->on_row(p->ctx, &p->row);
}

bool imp_fail(pl_import_t *p, const pl_import_error_t *e)
{
    imp_clear_row(p);
    p->row.error = e;
    imp_emit(p);
    return false;
}

static bool add_skill(pl_import_t *p, const char *s, size_t n)
{
    hf_text_problem_t bad;
    s = hf_table_trim(s, &n);
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

/* Checks across fields and derived values shared by tables and NDJSON, then the callback.
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
    imp_emit(p);
}
