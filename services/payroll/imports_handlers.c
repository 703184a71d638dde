/* services/payroll/imports_handlers.c - spreadsheet imports of the old system's data
 *
 * Four kinds of file (employees, contracts, opening year-to-date tax figures,
 * attendance punches). An upload is checked at once as far as it is cheap
 * (the company, the size, the header of its kind, a data row) and queued:
 * 202 with the import, its file sealed (imports_store.c). The worker at the
 * end of this file, one per replica, claims it under a lease and, in one
 * transaction, reads the file whole with the one table reader of common/
 * (hf/table.h: CSV in UTF-8 or GB18030, .xlsx; headers in Chinese and
 * English, every value checked, merged cells and formulas refused with the
 * cell named), checks it row by row and across rows (duplicates in the file,
 * employees and ID numbers in the database), and writes every row in
 * set-based statements (imports_store.c), or none when the file has a
 * problem or is a dry run, with the import's outcome and problems, and
 * commits once. docs/payroll-imports.md is the user's view: the headers per
 * kind, the codes, the states, the dry run.
 */
#include "imports_handlers.h"

#include "attendance_store.h"
#include "employee_fields.h"
#include "employees_handlers.h"
#include "employees_store.h"
#include "imports_store.h"
#include "money.h"

#include "hf/db.h"
#include "hf/log.h"
#include "hf/loop.h"
#include "hf/service.h"
#include "hf/store.h"
#include "hf/table.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code
#define PROBLEMS_MAX 1000 /* listed; every one is counted */
#define ALLOWANCE_NAME "allowance"
#define TEXT_(x) #x
#define TEXT(x) TEXT_(x)

/* ---- reading a file into rows ---- */

typedef struct {
    size_t row;
    char **v; /* the mapped columns' values (NULL: empty) */
} imp_row_t;

typedef struct imp imp_t;

typedef struct {
    const char *name; /* the path's kind */
    const hf_table_column_t *columns;
    unsigned ncolumns;
    int (*process)(imp_t *m); /* HF_OK, or a store error (the call fails) */
} imp_kind_t;

struct imp {
    hf_store_t *st;
    const Hrflow__V1__ImportPayrollFileRequest *req;
    const imp_kind_t *kind;
    const char *company;
    const char *import_id; /* the entry of payroll.imports: its file, the figures' writer */
    hf_table_t *t;
    imp_row_t *rows; /* malloc'd, grown; the values in the arena */
    size_t n, cap;
    int nomem;
    Hrflow__V1__ImportPayrollFileResponse *out;
    Hrflow__V1__ImportProblem **problems; /* PROBLEMS_MAX of them */
    size_t n_warnings;
};

static void add_problem(imp_t *m, size_t row, const char *column, const char *code,
                        const char *message)
{
    m->out->problem_count++;
    if (m->out->n_problems >= PROBLEMS_MAX)
        return;
    Hrflow__V1__ImportProblem *p = hf_store_alloc(m->st, sizeof(*p));
    if (!p) {
        m->nomem = 1;
        return;
    }
    hrflow__v1__import_problem__init(p);
    p->row = row;
    p->column = hf_store_strdup(m->st, column); /* the reader's are borrowed */
    p->code = (char *)code;
    p->message = hf_store_strdup(m->st, message);
    if (!p->column || !p->message)
        m->nomem = 1;
    m->problems[m->out->n_problems++] = p;
}

/* A problem of column col (index in the kind's columns) of row r: the
 * message says "row N: column C (name): ..." as the reader's own do. */
static void problem(imp_t *m, const imp_row_t *r, unsigned col, const char *code,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void problem(imp_t *m, const imp_row_t *r, unsigned col, const char *code,
                    const char *fmt, ...)
{
    char what[256], line[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    const char *name = m->kind->columns[col].name;
    unsigned at = hf_table_column_at(m->t, col);
    if (at)
        snprintf(line, sizeof(line), "row %zu: column %u (%s): %s", r->row, at, name, what);
    else
        snprintf(line, sizeof(line), "row %zu: %s: %s", r->row, name, what);
    add_problem(m, r->row, name, code, line);
}

static int on_row(void *ctx, hf_table_t *t, const hf_table_row_t *row)
{
    imp_t *m = ctx;
    if (row->row == 0) /* the header, mapped already */
        return 0;
    m->out->rows++;
    if (row->error) {
        add_problem(m, row->row, row->error->field, "invalid", row->error->message);
        return 0;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 256;
        imp_row_t *g = realloc(m->rows, cap * sizeof(*g));
        if (!g)
            return m->nomem = 1, hf_table_set_fatal(t, 0, NULL, "out of memory");
        m->rows = g, m->cap = cap;
    }
    imp_row_t *r = &m->rows[m->n];
    r->row = row->row;
    r->v = hf_store_alloc(m->st, m->kind->ncolumns * sizeof(char *));
    for (unsigned c = 0; r->v && c < m->kind->ncolumns && c < row->ncells; c++)
        if (row->cells[c].s && !(r->v[c] = hf_store_strdup(m->st, row->cells[c].s)))
            r->v = NULL;
    if (!r->v)
        return m->nomem = 1, hf_table_set_fatal(t, 0, NULL, "out of memory");
    m->n++;
    return 0;
}

static void on_warning(void *ctx, const hf_table_error_t *w)
{
    imp_t *m = ctx;
    if (m->out->n_warnings < 20)
        m->out->warnings[m->out->n_warnings++] = hf_store_strdup(m->st, w->message);
}

/* The reader's options for kind and an encoding already checked. */
static hf_table_options_t table_options(const imp_kind_t *kind, const char *encoding)
{
    hf_table_options_t o = { .format = HF_TABLE_AUTO,
                             .columns = kind->columns,
                             .ncolumns = kind->ncolumns };
    if (!strcmp(encoding, "utf-8") || !strcmp(encoding, "utf8"))
        o.encoding = HF_TABLE_UTF8;
    else if (*encoding)
        o.encoding = HF_TABLE_GB18030;
    return o;
}

/* Read the whole file, its n sealed parts opened one at a time (and wiped),
 * into m->rows; its fatal error (the header, merged cells, a formula)
 * becomes the one problem of row 0. HF_OK, HF_ENOTFOUND (a part is missing
 * or does not open: the file is lost), HF_EDB or HF_ENOMEM. */
static int read_file(imp_t *m, unsigned parts)
{
    hf_table_options_t o = table_options(m->kind, m->req->encoding);
    m->t = hf_table_new(&o, on_row, on_warning, m);
    if (!m->t)
        return HF_ENOMEM;
    int rc = 0, got = HF_OK;
    for (unsigned seq = 0; rc == 0 && got == HF_OK && seq < parts; seq++) {
        char *plain = NULL;
        size_t len = 0;
        got = pr_import_part(m->st, m->import_id, seq, &plain, &len);
        if (got == HF_OK)
            rc = hf_table_feed(m->t, plain, len);
        if (plain)
            OPENSSL_cleanse(plain, len);
        free(plain);
    }
    if (got != HF_OK)
        return got;
    if (rc == 0)
        rc = hf_table_finish(m->t);
    if (rc == HF_TABLE_NOMEM || m->nomem)
        return HF_ENOMEM;
    if (rc == HF_TABLE_FATAL) {
        const hf_table_error_t *f = hf_table_fatal(m->t);
        add_problem(m, f->row, f->field, "file", f->message);
    }
    return HF_OK;
}

/* ---- checks shared by the kinds ---- */

/* The code of a word people write for one (words: code and aliases, as
 * headers are compared: "指纹|fingerprint|fp" gives "fingerprint"), or NULL. */
static const char *map_word(const hf_table_column_t *words, unsigned n, const char *s)
{
    int k = hf_table_column_find(words, n, s, strlen(s));
    return k < 0 ? NULL : words[k].name;
}

/* An amount column: *fen, 0 when empty (and not required), or 1 after a problem. */
static int amount(imp_t *m, const imp_row_t *r, unsigned col, pr_fen_t *fen)
{
    *fen = 0;
    if (!r->v[col])
        return 0;
    pr_money_err_t e = pr_money_parse(r->v[col], 0, fen);
    if (e == PR_MONEY_OK)
        return 0;
    problem(m, r, col, e == PR_MONEY_NEGATIVE ? "negative" : "bad_format", "%s",
            pr_money_strerror(e));
    return 1;
}

/* A whole number column in lo..hi into *v; 1 after a problem. */
static int whole(imp_t *m, const imp_row_t *r, unsigned col, int lo, int hi, const char *what,
                 int *v)
{
    const char *s = r->v[col] ? r->v[col] : "";
    char *end;
    long x = strtol(s, &end, 10);
    if (!*s || *end || s[0] == '+' || s[0] == ' ') {
        problem(m, r, col, "bad_format", "a whole number, %s", what);
        return 1;
    }
    if (x < lo || x > hi) {
        problem(m, r, col, "out_of_range", "%s", what);
        return 1;
    }
    *v = (int)x;
    return 0;
}

/* The employee of column 0 (the employee number) of every row, in ids
 * (NULL after an unknown_employee problem). */
static int employees_of(imp_t *m, const char **ids)
{
    const char **nos = hf_store_alloc(m->st, (m->n + 1) * sizeof(*nos));
    if (!nos)
        return HF_ENOMEM;
    for (size_t i = 0; i < m->n; i++)
        nos[i] = m->rows[i].v[0];
    int rc = pr_import_employee_ids(m->st, m->company, nos, m->n, ids);
    for (size_t i = 0; rc == HF_OK && i < m->n; i++)
        if (!ids[i])
            problem(m, &m->rows[i], 0, "unknown_employee",
                    "no employee of this number in the company");
    return rc;
}

/* Rows whose key (NULL: none) is the same as an earlier row's: a problem
 * at column col of each later one. Sorted, so 20 000 rows stay fast. */
typedef struct {
    const char *key;
    size_t i;
} keyed_t;

static int by_key(const void *a, const void *b)
{
    const keyed_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

static int duplicates(imp_t *m, const char *const *keys, unsigned col, const char *what)
{
    keyed_t *k = malloc((m->n + 1) * sizeof(*k));
    if (!k)
        return HF_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < m->n; i++)
        if (keys[i])
            k[n++] = (keyed_t){ keys[i], i };
    qsort(k, n, sizeof(*k), by_key);
    for (size_t j = 1; j < n; j++)
        if (!strcmp(k[j].key, k[j - 1].key)) {
            size_t first = j;
            while (first > 0 && !strcmp(k[first - 1].key, k[j].key))
                first--;
            problem(m, &m->rows[k[j].i], col, "duplicate", "%s as row %zu", what,
                    m->rows[k[first].i].row);
        }
    free(k);
    return HF_OK;
}

/* A sealed token of plain in the arena (NULL for NULL or ""); *ok 0 when it fails. */
static const char *sealed(hf_store_t *st, const char *field, const char *plain, int *ok)
{
    if (!plain || !*plain)
        return NULL;
    char *t = hf_pii_seal_field(st->keys, st->tenant, field, plain);
    char *a = t ? hf_store_strdup(st, t) : NULL;
    free(t);
    if (!a)
        *ok = 0;
    return a;
}

#define LINE(min, max) ((hf_text_rule_t){ HF_TEXT_LINE, min, max })
#define WORDS(w) w, sizeof(w) / sizeof(w[0])
/* A word people write for a code, as a table of the reader's columns (hf_table_column_find). */
#define WORD(code, words) { .name = code, .aliases = words }

/* ---- employees ---- */

enum { EM_NO, EM_NAME, EM_ID_TYPE, EM_ID, EM_BANK, EM_PHONE, EM_DEPT, EM_POSITION, EM_GRADE,
       EM_CITY, EM_HIRE, EM_STATUS, EM_BASE, EM_ALLOWANCE, EM_COLUMNS };

static const hf_table_column_t employee_columns[EM_COLUMNS] = {
    [EM_NO] = { "employee_no", "工号|员工编号|员工号|职工号|employee no|employee number|staff id|"
                "staff no", "工号, employee no", HF_COL_TEXT, true, false, LINE(1, 64) },
    [EM_NAME] = { "name", "姓名|员工姓名|名字|name|full name|employee name", "姓名, name",
                  HF_COL_TEXT, true, false, LINE(1, 200) },
    [EM_ID_TYPE] = { "id_type", "证件类型|证照类型|id type|document type", NULL, HF_COL_TEXT,
                     false, false, LINE(0, 64) },
    [EM_ID] = { "id_number", "证件号码|证件号|身份证号|身份证号码|身份证|id number|id no|"
                "document number", "证件号码, 身份证号, id number", HF_COL_TEXT, true, false,
                LINE(1, 64) },
    [EM_BANK] = { "bank_account", "银行账号|银行卡号|工资卡号|银行帐号|卡号|bank account|"
                  "bank account number|account number", NULL, HF_COL_TEXT, false, false,
                  LINE(0, 64) },
    [EM_PHONE] = { "phone", "手机|手机号|手机号码|电话|联系电话|phone|mobile|phone number", NULL,
                   HF_COL_TEXT, false, false, LINE(0, 40) },
    [EM_DEPT] = { "department", "部门|所属部门|department|dept", NULL, HF_COL_TEXT, false, false,
                  LINE(0, 100) },
    [EM_POSITION] = { "position", "职位|岗位|职务|position|title|job title", NULL, HF_COL_TEXT,
                      false, false, LINE(0, 100) },
    [EM_GRADE] = { "grade", "职级|级别|等级|grade|level", NULL, HF_COL_TEXT, false, false,
                   LINE(0, 100) },
    [EM_CITY] = { "city", "城市|工作城市|工作地|社保城市|city|work city", NULL, HF_COL_TEXT, false,
                  false, LINE(0, 100) },
    [EM_HIRE] = { "hire_date", "入职日期|入职时间|hire date|start date|date of hire", NULL,
                  HF_COL_DATE, false, false, LINE(0, 64) },
    [EM_STATUS] = { "status", "状态|员工状态|在职状态|status", NULL, HF_COL_TEXT, false, false,
                    LINE(0, 64) },
    [EM_BASE] = { "base_salary", "基本工资|基本薪资|基础工资|底薪|base salary|base|base pay",
                  NULL, HF_COL_NUMBER, false, false, LINE(0, 64) },
    [EM_ALLOWANCE] = { "allowances", "津贴|补贴|固定津贴|津贴补贴|allowance|allowances", NULL,
                       HF_COL_NUMBER, false, false, LINE(0, 64) },
};

static const hf_table_column_t id_types[] = {
    WORD("resident_id", "resident_id|resident id|居民身份证|身份证|二代身份证"),
    WORD("passport", "passport|护照|中国护照|外国护照"),
    WORD("hk_macao_permit", "hk_macao_permit|港澳居民来往内地通行证|港澳通行证|回乡证"),
    WORD("taiwan_permit", "taiwan_permit|台湾居民来往大陆通行证|台胞证"),
    WORD("foreigner_permit", "foreigner_permit|外国人永久居留身份证|外国人永久居留证|外国人居留证"),
    WORD("other", "other|其他|其它"),
};

static const hf_table_column_t statuses[] = {
    WORD("active", "active|在职|正式|试用|试用期|在岗"),
    WORD("draft", "draft|待入职|草稿|预入职"),
};

/* What the checks of one employee row leave for the write. */
typedef struct {
    const char *id_type, *status;
    char id[PR_ID_NUMBER_MAX + 1], bank[PR_BANK_ACCOUNT_MAX + 1], idx[65];
    pr_fen_t base, allowance;
    int has_pay;
} em_row_t;

/* The checks of a row that need no database; the number of problems. */
static int employee_row(imp_t *m, const imp_row_t *r, em_row_t *e)
{
    int bad = 0;
    char ctx[96];
    e->id_type = r->v[EM_ID_TYPE] ? map_word(WORDS(id_types), r->v[EM_ID_TYPE]) : "resident_id";
    if (!e->id_type) {
        problem(m, r, EM_ID_TYPE, "unknown",
                "one of 居民身份证, 护照, 港澳通行证, 台胞证, 外国人永久居留身份证, 其他 "
                "(resident_id, passport, hk_macao_permit, taiwan_permit, foreigner_permit, "
                "other)");
        bad++;
    } else {
        pr_field_err_t fe = pr_id_number_check(e->id_type, r->v[EM_ID], e->id);
        if (fe)
            bad++, problem(m, r, EM_ID, "bad_format", "%s", pr_field_strerror(fe));
        snprintf(ctx, sizeof(ctx), "%s:employees.id_number", m->st->tenant);
        if (!fe && hf_pii_index(m->st->keys, ctx, e->id, e->idx) < 0)
            return m->nomem = 1, 1;
    }
    pr_field_err_t be = r->v[EM_BANK] ? pr_bank_account_check(r->v[EM_BANK], e->bank) : 0;
    if (be)
        bad++, problem(m, r, EM_BANK, "bad_format", "%s", pr_field_strerror(be));
    e->status = r->v[EM_STATUS] ? map_word(WORDS(statuses), r->v[EM_STATUS]) : "active";
    if (!e->status)
        bad++, problem(m, r, EM_STATUS, "unknown", "在职 (active) or 待入职 (draft)");
    else if (!strcmp(e->status, "active") && !r->v[EM_HIRE])
        bad++, problem(m, r, EM_HIRE, "required", "the hire date of an active employee");
    bad += amount(m, r, EM_BASE, &e->base);
    bad += amount(m, r, EM_ALLOWANCE, &e->allowance);
    e->has_pay = r->v[EM_BASE] != NULL;
    if (!r->v[EM_BASE] && r->v[EM_ALLOWANCE])
        bad++, problem(m, r, EM_BASE, "required", "the base salary, when allowances are given");
    return bad;
}

/* The sealed compensation of a row: {"baseSalary", "allowances": [...]} as
 * the archive keeps it. */
static const char *pay_sealed(hf_store_t *st, const em_row_t *e, int *ok)
{
    char base[PR_MONEY_TEXT_MAX], allow[PR_MONEY_TEXT_MAX], json[160];
    pr_money_format(e->base, base);
    pr_money_format(e->allowance, allow);
    if (e->allowance)
        snprintf(json, sizeof(json),
                 "{\"baseSalary\":\"%s\",\"allowances\":[{\"name\":\"" ALLOWANCE_NAME
                 "\",\"amount\":\"%s\"}]}",
                 base, allow);
    else
        snprintf(json, sizeof(json), "{\"baseSalary\":\"%s\",\"allowances\":[]}", base);
    return sealed(st, "compensations.amounts", json, ok);
}

static int import_employees(imp_t *m)
{
    hf_store_t *st = m->st;
    size_t n = m->n;
    em_row_t *e = hf_store_alloc(st, (n + 1) * sizeof(*e));
    const char **nos = hf_store_alloc(st, (n + 1) * sizeof(*nos));
    const char **idx = hf_store_alloc(st, (n + 1) * sizeof(*idx));
    const char **ids = hf_store_alloc(st, (n + 1) * sizeof(*ids));
    const char **oco = hf_store_alloc(st, (n + 1) * sizeof(*oco));
    const char **ono = hf_store_alloc(st, (n + 1) * sizeof(*ono));
    char *bad = hf_store_alloc(st, n + 1);
    if (!e || !nos || !idx || !ids || !oco || !ono || !bad)
        return HF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        bad[i] = employee_row(m, &m->rows[i], &e[i]) > 0;
        nos[i] = m->rows[i].v[EM_NO];
        idx[i] = e[i].idx[0] ? e[i].idx : NULL;
    }
    if (m->nomem)
        return HF_ENOMEM;
    int rc = duplicates(m, nos, EM_NO, "the same employee number");
    if (rc == HF_OK)
        rc = duplicates(m, idx, EM_ID, "the same ID number");
    if (rc == HF_OK)
        rc = pr_import_employee_ids(st, m->company, nos, n, ids);
    if (rc == HF_OK)
        rc = pr_import_id_owners(st, idx, n, oco, ono);
    for (size_t i = 0; rc == HF_OK && i < n; i++) {
        if (oco[i] && (strcmp(oco[i], m->company) || strcmp(ono[i], nos[i])))
            bad[i] = 1, problem(m, &m->rows[i], EM_ID, "taken",
                                "another employee has this ID number");
        m->out->existing += ids[i] != NULL;
    }
    m->out->created = (uint32_t)(n - m->out->existing);
    if (rc != HF_OK || m->out->problem_count || m->req->dry_run)
        return rc;
    pr_import_employee_t *w = hf_store_alloc(st, (n + 1) * sizeof(*w));
    size_t k = 0;
    int ok = w != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        if (ids[i]) /* the same number again: left as it is */
            continue;
        char **v = m->rows[i].v;
        w[k++] = (pr_import_employee_t){
            .employee_no = v[EM_NO],
            .status = e[i].status,
            .name_enc = sealed(st, "employees.name", v[EM_NAME], &ok),
            .id_type = e[i].id_type,
            .id_number_enc = sealed(st, "employees.id_number", e[i].id, &ok),
            .id_number_idx = e[i].idx,
            .bank_account_enc = sealed(st, "employees.bank_account", e[i].bank, &ok),
            .phone_enc = sealed(st, "employees.phone", v[EM_PHONE], &ok),
            .department = v[EM_DEPT],
            .position = v[EM_POSITION],
            .grade = v[EM_GRADE],
            .city = v[EM_CITY],
            .hire_date = v[EM_HIRE],
            .pay_month = v[EM_HIRE] ? hf_arena_printf(st->arena, "%.7s-01", v[EM_HIRE]) : NULL,
            .pay_enc = e[i].has_pay ? pay_sealed(st, &e[i], &ok) : NULL,
        };
    }
    if (!ok)
        return HF_ENOMEM;
    return k ? pr_import_employees(st, m->company, w, k) : HF_OK;
}

/* ---- contracts ---- */

enum { CO_NO, CO_TYPE, CO_START, CO_END, CO_PROBATION, CO_COLUMNS };

static const hf_table_column_t contract_columns[CO_COLUMNS] = {
    [CO_NO] = { "employee_no", "工号|员工编号|员工号|职工号|employee no|employee number|staff id",
                "工号, employee no", HF_COL_TEXT, true, false, LINE(1, 64) },
    [CO_TYPE] = { "type", "合同类型|合同性质|类型|type|contract type", "合同类型, type",
                  HF_COL_TEXT, true, false, LINE(1, 64) },
    [CO_START] = { "start_date", "开始日期|合同开始日期|起始日期|合同起始日|生效日期|start|"
                   "start date", "开始日期, start date", HF_COL_DATE, true, false, LINE(0, 64) },
    [CO_END] = { "end_date", "结束日期|合同结束日期|终止日期|到期日期|合同到期日|end|end date",
                 NULL, HF_COL_DATE, false, false, LINE(0, 64) },
    [CO_PROBATION] = { "probation_end", "试用期结束日期|试用期到期日|试用期至|试用期截止|"
                       "probation end|probation end date", NULL, HF_COL_DATE, false, false,
                       LINE(0, 64) },
};

static const hf_table_column_t contract_types[] = {
    WORD("fixed_term", "fixed_term|fixed term|固定期限|固定期限劳动合同|固定期限合同"),
    WORD("open_ended", "open_ended|open ended|无固定期限|无固定期限劳动合同|无固定期限合同"),
    WORD("internship", "internship|实习|实习协议"),
    WORD("labour_service", "labour_service|labour service|labor service|劳务|劳务合同|劳务协议"),
};

/* The day of a date cell ("YYYY-MM-DD", any time dropped) in the arena, or NULL. */
static const char *day(hf_store_t *st, const char *s)
{
    return s ? hf_arena_strndup(st->arena, s, 10) : NULL;
}

static int import_contracts(imp_t *m)
{
    hf_store_t *st = m->st;
    size_t n = m->n;
    const char **ids = hf_store_alloc(st, (n + 1) * sizeof(*ids));
    const char **types = hf_store_alloc(st, (n + 1) * sizeof(*types));
    const char **starts = hf_store_alloc(st, (n + 1) * sizeof(*starts));
    const char **keys = hf_store_alloc(st, (n + 1) * sizeof(*keys));
    char *exists = hf_store_alloc(st, n + 1);
    if (!ids || !types || !starts || !keys || !exists)
        return HF_ENOMEM;
    int rc = employees_of(m, ids);
    for (size_t i = 0; rc == HF_OK && i < n; i++) {
        const imp_row_t *r = &m->rows[i];
        const char *end = day(st, r->v[CO_END]), *prob = day(st, r->v[CO_PROBATION]);
        starts[i] = day(st, r->v[CO_START]);
        types[i] = map_word(WORDS(contract_types), r->v[CO_TYPE]);
        keys[i] = hf_arena_printf(st->arena, "%s\x1f%s", r->v[CO_NO], starts[i]);
        if (!types[i])
            problem(m, r, CO_TYPE, "unknown",
                    "固定期限, 无固定期限, 实习 or 劳务 (fixed_term, open_ended, internship, "
                    "labour_service)");
        else if (!end && strcmp(types[i], "open_ended"))
            problem(m, r, CO_END, "required", "the end of a contract that is not open-ended");
        if (end && strcmp(end, starts[i]) <= 0)
            problem(m, r, CO_END, "out_of_range", "after the start date");
        if (prob && (strcmp(prob, starts[i]) < 0 || (end && strcmp(prob, end) > 0)))
            problem(m, r, CO_PROBATION, "out_of_range", "inside the contract's term");
    }
    if (rc == HF_OK)
        rc = duplicates(m, keys, CO_START, "the same employee and start date");
    if (rc == HF_OK && !m->out->problem_count)
        rc = pr_import_contracts_existing(st, ids, types, starts, n, exists);
    for (size_t i = 0; rc == HF_OK && !m->out->problem_count && i < n; i++)
        m->out->existing += exists[i];
    m->out->created = m->out->problem_count ? 0 : (uint32_t)(n - m->out->existing);
    if (rc != HF_OK || m->out->problem_count || m->req->dry_run)
        return rc;
    /* the new ones in one statement, then the expiry alert of each, as the archive arms it */
    const char **w_ids = hf_store_alloc(st, (n + 1) * sizeof(char *));
    const char **w_types = hf_store_alloc(st, (n + 1) * sizeof(char *));
    const char **w_starts = hf_store_alloc(st, (n + 1) * sizeof(char *));
    const char **w_ends = hf_store_alloc(st, (n + 1) * sizeof(char *));
    const char **w_probs = hf_store_alloc(st, (n + 1) * sizeof(char *));
    if (!w_ids || !w_types || !w_starts || !w_ends || !w_probs)
        return HF_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!exists[i]) {
            w_ids[k] = ids[i], w_types[k] = types[i], w_starts[k] = starts[i];
            w_ends[k] = day(st, m->rows[i].v[CO_END]);
            w_probs[k++] = day(st, m->rows[i].v[CO_PROBATION]);
        }
    const char **ended = NULL;
    size_t n_ended = 0;
    rc = k ? pr_import_contracts(st, w_ids, w_types, w_starts, w_ends, w_probs, k, &ended,
                                 &n_ended)
           : HF_OK;
    for (size_t j = 0; rc == HF_OK && j < n_ended; j++)
        rc = pr_contract_timer(st, ended[j]);
    return rc;
}

/* ---- opening year-to-date tax figures ---- */

enum { YT_NO, YT_YEAR, YT_THROUGH, YT_MONTHS, YT_INCOME, YT_SPECIAL, YT_ADDITIONAL, YT_OTHER,
       YT_WITHHELD, YT_COLUMNS };

#define AMOUNT(name, aliases, hint, required) \
    { name, aliases, hint, HF_COL_NUMBER, required, false, LINE(0, 64) }

static const hf_table_column_t ytd_columns[YT_COLUMNS] = {
    [YT_NO] = { "employee_no", "工号|员工编号|员工号|职工号|employee no|employee number|staff id",
                "工号, employee no", HF_COL_TEXT, true, false, LINE(1, 64) },
    [YT_YEAR] = { "tax_year", "纳税年度|税款所属年度|所属年度|年度|tax year|year", "纳税年度, tax year",
                  HF_COL_NUMBER, true, false, LINE(0, 64) },
    [YT_THROUGH] = { "through_month", "截至月份|截止月份|所属月份|累计至月份|through month|"
                     "month", "截至月份, through month", HF_COL_NUMBER, true, false, LINE(0, 64) },
    [YT_MONTHS] = { "months", "任职月数|累计月数|受雇月数|月数|months|months employed",
                    "任职月数, months", HF_COL_NUMBER, true, false, LINE(0, 64) },
    [YT_INCOME] = AMOUNT("cumulative_income", "累计收入|累计收入额|累计工资薪金收入|"
                         "cumulative income|income", "累计收入, cumulative income", true),
    [YT_SPECIAL] = AMOUNT("special_deductions", "累计专项扣除|专项扣除|special deductions",
                          "累计专项扣除, special deductions", true),
    [YT_ADDITIONAL] = AMOUNT("additional_deductions", "累计专项附加扣除|专项附加扣除|"
                             "additional deductions|special additional deductions",
                             "累计专项附加扣除, additional deductions", true),
    [YT_OTHER] = AMOUNT("other_deductions", "累计其他扣除|其他扣除|other deductions", NULL,
                        false),
    [YT_WITHHELD] = AMOUNT("tax_withheld", "累计已预缴税额|累计已扣缴税额|累计已缴税额|已预缴税额|"
                           "tax withheld|tax paid", "累计已预缴税额, tax withheld", true),
};

static int import_ytd(imp_t *m)
{
    hf_store_t *st = m->st;
    size_t n = m->n;
    const char **ids = hf_store_alloc(st, (n + 1) * sizeof(*ids));
    const char **keys = hf_store_alloc(st, (n + 1) * sizeof(*keys));
    pr_import_ytd_t *w = hf_store_alloc(st, (n + 1) * sizeof(*w));
    pr_fen_t(*fig)[5] = hf_store_alloc(st, (n + 1) * sizeof(*fig));
    char *exists = hf_store_alloc(st, n + 1);
    if (!ids || !keys || !w || !fig || !exists)
        return HF_ENOMEM;
    int rc = employees_of(m, ids);
    for (size_t i = 0; rc == HF_OK && i < n; i++) {
        const imp_row_t *r = &m->rows[i];
        pr_import_ytd_t *y = &w[i];
        y->employee_id = ids[i];
        int bad = whole(m, r, YT_YEAR, 2019, 2100, "a tax year from 2019 to 2100", &y->tax_year);
        bad |= whole(m, r, YT_THROUGH, 1, 12, "a month from 1 to 12", &y->through_month);
        if (!bad)
            whole(m, r, YT_MONTHS, 0, y->through_month, "0 to the through month", &y->months);
        static const unsigned cols[5] = { YT_INCOME, YT_SPECIAL, YT_ADDITIONAL, YT_OTHER,
                                          YT_WITHHELD };
        for (int k = 0; k < 5; k++)
            amount(m, r, cols[k], &fig[i][k]);
        keys[i] = hf_arena_printf(st->arena, "%s\x1f%d", r->v[YT_NO], y->tax_year);
    }
    if (rc == HF_OK)
        rc = duplicates(m, keys, YT_YEAR, "the same employee and tax year");
    if (rc != HF_OK || m->out->problem_count)
        return rc;
    rc = pr_import_ytd_existing(st, w, n, exists);
    for (size_t i = 0; rc == HF_OK && i < n; i++)
        m->out->replaced += exists[i];
    m->out->created = (uint32_t)(n - m->out->replaced);
    if (rc != HF_OK || m->req->dry_run)
        return rc;
    int ok = 1;
    for (size_t i = 0; ok && i < n; i++) {
        char text[5 * 24];
        snprintf(text, sizeof(text), "%lld,%lld,%lld,%lld,%lld", (long long)fig[i][0],
                 (long long)fig[i][1], (long long)fig[i][2], (long long)fig[i][3],
                 (long long)fig[i][4]);
        w[i].figures_enc = sealed(st, "ytd_openings.figures", text, &ok);
    }
    return ok ? pr_import_ytd(st, w, n, m->import_id) : HF_ENOMEM;
}

/* ---- attendance punches (fingerprint and face terminals' exports) ---- */

enum { PU_NO, PU_TIME, PU_DEVICE, PU_METHOD, PU_COLUMNS };

static const hf_table_column_t punch_columns[PU_COLUMNS] = {
    [PU_NO] = { "employee_no", "工号|员工编号|员工号|考勤号|考勤号码|人员编号|用户编号|用户id|"
                "employee no|employee number|user id|badge|badge no|ac no", "工号, employee no",
                HF_COL_TEXT, true, false, LINE(1, 64) },
    [PU_TIME] = { "time", "打卡时间|考勤时间|刷卡时间|签到时间|识别时间|日期时间|时间|punch time|"
                  "time|timestamp|datetime|date time|check time", "打卡时间, punch time",
                  HF_COL_DATE, true, false, LINE(0, 64) },
    [PU_DEVICE] = { "device", "设备|设备名称|设备号|设备序列号|机器号|考勤机|终端|device|"
                    "device name|terminal|machine", NULL, HF_COL_TEXT, false, false,
                    LINE(0, 128) },
    [PU_METHOD] = { "method", "验证方式|打卡方式|识别方式|考勤方式|方式|method|verify mode|"
                    "verify type|verification", NULL, HF_COL_TEXT, false, false, LINE(0, 64) },
};

static const hf_table_column_t punch_methods[] = {
    WORD("fingerprint", "fingerprint|finger|fp|指纹|指纹识别|指纹验证"),
    WORD("face", "face|人脸|面部|刷脸|人脸识别|面部识别"),
    WORD("card", "card|刷卡|卡|ic卡|id卡|门禁卡|工卡"),
    WORD("other", "other|password|密码|其他|其它|手机|app|手工|补卡"),
};

/* "+08:00", "-05:30" or "Z"; 1 when s is one. */
static int utc_offset_valid(const char *s)
{
    if (!strcmp(s, "Z"))
        return 1;
    return strlen(s) == 6 && (s[0] == '+' || s[0] == '-') && s[1] >= '0' && s[1] <= '1' &&
           s[2] >= '0' && s[2] <= '9' && s[3] == ':' && s[4] >= '0' && s[4] <= '5' &&
           s[5] >= '0' && s[5] <= '9';
}

static int import_punches(imp_t *m)
{
    hf_store_t *st = m->st;
    size_t n = m->n;
    const char *zone = *m->req->utc_offset ? m->req->utc_offset : "+08:00";
    att_punch_row_t *rows = hf_store_alloc(st, (n + 1) * sizeof(*rows));
    char *bad = hf_store_alloc(st, n + 1);
    if (!rows || !bad)
        return HF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const imp_row_t *r = &m->rows[i];
        const char *t = r->v[PU_TIME];
        const char *method = r->v[PU_METHOD] ? map_word(WORDS(punch_methods), r->v[PU_METHOD])
                                              : "other";
        if ((bad[i] = strlen(t) != 19))
            problem(m, r, PU_TIME, "bad_format", "a date and a time (2026-01-05 08:57:00)");
        if (!method && (bad[i] = 1))
            problem(m, r, PU_METHOD, "unknown", "指纹, 人脸, 刷卡 or 其他 (fingerprint, face, "
                                                "card, other)");
        rows[i] = (att_punch_row_t){
            r->row, r->v[PU_NO], m->company,
            hf_arena_printf(st->arena, "%.10sT%.8s%s", t, strlen(t) == 19 ? t + 11 : "", zone),
            r->v[PU_DEVICE] ? r->v[PU_DEVICE] : "", method ? method : "other"
        };
    }
    /* the rows without a problem yet go on to attendance's own checks (the
     * employee), checked first whatever the run: a punch already stored,
     * or twice in the file, is a problem of the file here, not a row to skip */
    size_t *at = hf_store_alloc(st, (n + 1) * sizeof(*at));
    if (!at)
        return HF_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!bad[i])
            at[k] = i, rows[k++] = rows[i];
    att_ingest_t got;
    int rc = k ? att_punches_ingest(st, rows, k, 1, &got) : HF_OK;
    for (size_t j = 0; rc == HF_OK && k && j < got.n_problems; j++) {
        const att_problem_t *p = &got.problems[j];
        int col = hf_table_column_find(punch_columns, PU_COLUMNS, p->field, strlen(p->field));
        problem(m, &m->rows[at[p->index]], col < 0 ? PU_NO : (unsigned)col, p->code, "%s",
                p->message);
    }
    for (size_t j = 0; rc == HF_OK && k && !got.n_problems && j < k; j++)
        if (got.status[j] == 'd')
            problem(m, &m->rows[at[j]], PU_TIME, "duplicate",
                    "a punch of this employee at this time is stored already or earlier in "
                    "the file");
    if (rc != HF_OK || m->out->problem_count)
        return rc;
    m->out->created = (uint32_t)got.stored;
    if (m->req->dry_run)
        return HF_OK;
    rc = att_punches_ingest(st, rows, n, 0, &got);
    /* one stored by a batch racing with this file: refused whole as well */
    return rc == HF_OK && (got.n_problems || got.duplicates) ? HF_ECONFLICT : rc;
}

/* ---- the methods ---- */

/* In the order of the handlers below. */
static const imp_kind_t kinds[] = {
    { "employees", employee_columns, EM_COLUMNS, import_employees },
    { "contracts", contract_columns, CO_COLUMNS, import_contracts },
    { "ytd-openings", ytd_columns, YT_COLUMNS, import_ytd },
    { "punches", punch_columns, PU_COLUMNS, import_punches },
};

/* The company of the import: the request's, else the key's only one;
 * 0, or -1 after failing the call. */
static int import_company(hf_store_t *st, const char *given, const char **company)
{
    *company = *given ? given : st->n_companies == 1 ? st->companies[0] : "";
    int bad = pr_company_bad(st, *company, "company_id");
    return bad ? (bad > 0 ? hf_call_fail(st->call, E(INVALID_ARGUMENT),
                                         "company_id: a company this key acts for")
                          : -1)
               : 0;
}

static int by_row(const void *a, const void *b)
{
    const Hrflow__V1__ImportProblem *const *x = a, *const *y = b;
    return ((*x)->row > (*y)->row) - ((*x)->row < (*y)->row);
}

/* The problems by row, each row's in the order found (a merge sort is
 * stable: qsort is not). */
static void sort_problems(imp_t *m)
{
    size_t n = m->out->n_problems;
    Hrflow__V1__ImportProblem **tmp = malloc((n + 1) * sizeof(*tmp));
    if (!tmp)
        return; /* the order found, then */
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid || j < hi)
                tmp[o++] = j >= hi || (i < mid && by_row(&m->problems[i], &m->problems[j]) <= 0)
                               ? m->problems[i++]
                               : m->problems[j++];
        }
        memcpy(m->problems, tmp, n * sizeof(*tmp));
    }
    free(tmp);
}

/* ---- the upload: checked and queued at once ---- */

long pr_import_max_bytes = 32L << 20;
long pr_import_lease_ms = 60000;

/* The header read, the first data row found: the reader is stopped there. */
static int peek_row(void *ctx, hf_table_t *t, const hf_table_row_t *row)
{
    (void)t;
    if (row->row == 0)
        return 0;
    *(int *)ctx = 1;
    return 1;
}

static int bad_content(hf_call_t *call, const char *code, const char *message)
{
    hf_call_detail(call, "content", code, message);
    return hf_call_fail(call, E(INVALID_ARGUMENT), "content: %s; nothing was queued", message);
}

/* What can be told at once, before the file is queued: a file of the kind
 * (the header has its required columns: the wrong kind of file is refused
 * here) with at least one data row. 0, or -1 after failing the call. */
static int check_header(hf_call_t *call, const imp_kind_t *kind,
                        const Hrflow__V1__ImportPayrollFileRequest *r)
{
    hf_table_options_t o = table_options(kind, r->encoding);
    int data = 0;
    hf_table_t *t = hf_table_new(&o, peek_row, NULL, &data);
    if (!t)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = hf_table_feed(t, r->content.data, r->content.len);
    if (rc == 0)
        rc = hf_table_finish(t);
    int out = 0;
    if (rc == HF_TABLE_NOMEM)
        out = hf_call_fail(call, E(INTERNAL), "out of memory");
    else if (rc == HF_TABLE_FATAL && !data)
        out = bad_content(call, "file", hf_table_fatal(t)->message);
    else if (!data)
        out = bad_content(call, "empty", "no data row below the header");
    hf_table_destroy(&t);
    return out;
}

/* Check the upload of a file of kind and queue it: 202 with the import,
 * queued; the worker below does the rest. */
static int import_file(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply,
                       const imp_kind_t *kind)
{
    const Hrflow__V1__ImportPayrollFileRequest *r = (const void *)req;
    hf_store_t st;
    const char *company;
    if (hf_store_open(call, &st) < 0 || hf_store_require(&st, HF_SCOPE_PAYROLL, "import") < 0 ||
        import_company(&st, r->company_id, &company) < 0)
        return -1;
    if (r->content.len == 0)
        return bad_content(call, "required", "the file, as the body");
    if (r->content.len > (size_t)pr_import_max_bytes) {
        char why[96];
        snprintf(why, sizeof(why), "a file of at most %ld bytes (%zu sent)",
                 pr_import_max_bytes, r->content.len);
        return bad_content(call, "too_large", why);
    }
    const char *enc = r->encoding;
    if (*enc && strcmp(enc, "utf-8") && strcmp(enc, "utf8") && strcmp(enc, "gb18030") &&
        strcmp(enc, "gbk")) {
        hf_call_detail(call, "encoding", "bad_format", "utf-8, gb18030 or gbk");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "encoding: utf-8, gb18030 or gbk");
    }
    if (*r->utc_offset && !utc_offset_valid(r->utc_offset)) {
        hf_call_detail(call, "utc_offset", "bad_format", "+08:00, -05:00 or Z");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "utc_offset: +08:00, -05:00 or Z");
    }
    if (check_header(call, kind, r) < 0)
        return -1;
    pr_import_upload_t u = { company, kind->name, enc, r->utc_offset, r->dry_run,
                             r->content.data, r->content.len };
    Hrflow__V1__ImportPayrollFileResponse *out = NULL;
    int rc = pr_import_queue(&st, &u, &out);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "import", "");
    *reply = &out->base;
    return 0;
}

PR_IMPORT_HANDLER(payroll_import_employees)
{
    return import_file(call, req, reply, &kinds[0]);
}

PR_IMPORT_HANDLER(payroll_import_contracts)
{
    return import_file(call, req, reply, &kinds[1]);
}

PR_IMPORT_HANDLER(payroll_import_ytd_openings)
{
    return import_file(call, req, reply, &kinds[2]);
}

PR_IMPORT_HANDLER(payroll_import_punches)
{
    return import_file(call, req, reply, &kinds[3]);
}

/* ---- following an import ---- */

/* The import id of the request when the caller sees it, else NULL after
 * failing the call (another company's is not found, as a made-up one). */
static Hrflow__V1__ImportPayrollFileResponse *visible(hf_call_t *call, hf_store_t *st,
                                                      const char *id)
{
    if (hf_store_open(call, st) < 0 || hf_store_require(st, HF_SCOPE_PAYROLL, "see imports") < 0)
        return NULL;
    Hrflow__V1__ImportPayrollFileResponse *out = NULL;
    int rc = hf_uuid_valid(id) ? pr_import_get(st, id, &out) : HF_ENOTFOUND;
    if (rc != HF_OK)
        hf_store_fail(st, rc, "import", id);
    return rc == HF_OK ? out : NULL;
}

PR_IMPORT_HANDLER(payroll_get_payroll_import)
{
    const Hrflow__V1__GetPayrollImportRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__ImportPayrollFileResponse *out = visible(call, &st, r->id);
    if (!out)
        return -1;
    *reply = &out->base;
    return 0;
}

PR_IMPORT_HANDLER(payroll_list_payroll_imports)
{
    const Hrflow__V1__ListPayrollImportsRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require(&st, HF_SCOPE_PAYROLL, "see imports") < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    if (*r->company_id && (!hf_uuid_valid(r->company_id) ||
                           !hf_store_sees_company(&st, r->company_id)))
        return hf_call_fail(call, E(NOT_FOUND), "company %s not found", r->company_id);
    int known = !*r->kind;
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
        known |= !strcmp(r->kind, kinds[k].name);
    if (!known) {
        hf_call_detail(call, "kind", "unknown", "employees, contracts, ytd-openings or punches");
        return hf_call_fail(call, E(INVALID_ARGUMENT),
                            "kind: employees, contracts, ytd-openings or punches");
    }
    Hrflow__V1__ListPayrollImportsResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListPayrollImportsResponse, hrflow__v1__list_payroll_imports_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = pr_import_list(&st, r->company_id, r->kind, &page, &o->imports, &o->n_imports);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "import", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

PR_IMPORT_HANDLER(payroll_list_payroll_import_problems)
{
    const Hrflow__V1__ListPayrollImportProblemsRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (!visible(call, &st, r->id) || hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    Hrflow__V1__ListPayrollImportProblemsResponse *o =
        HF_CALL_NEW(call, Hrflow__V1__ListPayrollImportProblemsResponse,
                    hrflow__v1__list_payroll_import_problems_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = pr_import_problems(&st, r->id, &page, &o->problems, &o->n_problems);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "import", r->id);
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

/* ---- the worker: one transaction per file ---- */

#define ATTEMPTS_MAX 3 /* claims of one file before it fails */

/* Read and check the file of claim c, and write it unless a dry run or a
 * problem says not to, inside a savepoint of the caller's transaction (the
 * entry's lock held): HF_OK with m->out filled (and *error for a failure
 * beyond the rows), or HF_EDB / HF_ENOMEM (the caller rolls back: the job
 * is claimed again later). */
static int check_and_write(imp_t *m, unsigned parts, const char **error)
{
    hf_store_t *st = m->st;
    int rc = read_file(m, parts);
    if (rc == HF_ENOTFOUND) {
        *error = "the stored file is lost (a part is missing or does not open): upload it again";
        return HF_OK;
    }
    if (rc != HF_OK || hf_db_exec(st->db, "SAVEPOINT rows", 0, NULL, NULL) < 0)
        return rc != HF_OK ? rc : HF_EDB;
    const Hrflow__V1__ImportPayrollFileResponse *o = m->out;
    /* rows are checked even when the file failed midway: every problem at once */
    if (!o->problem_count || hf_table_fatal(m->t) == NULL)
        rc = m->n ? m->kind->process(m) : HF_OK;
    if (rc == HF_OK && m->nomem)
        rc = HF_ENOMEM;
    int undo = rc == HF_ECONFLICT || rc == HF_EEXISTS || (rc == HF_OK && (o->problem_count ||
                                                                           m->req->dry_run));
    if (undo && hf_db_exec(st->db, "ROLLBACK TO SAVEPOINT rows", 0, NULL, NULL) < 0)
        return HF_EDB;
    if (rc == HF_ECONFLICT || rc == HF_EEXISTS) {
        *error = hf_arena_printf(st->arena, "the %s changed while the file was imported; "
                                            "nothing was written: import it again",
                                 m->kind->name);
        return HF_OK;
    }
    return rc;
}

/* Import the file of claim c in one transaction: every row or none, the
 * entry's outcome with it. HF_OK, HF_ECONFLICT (the claim was taken over:
 * nothing done), HF_EDB or HF_ENOMEM (rolled back; claimed again later). */
static int import_claimed(hf_store_t *st, const pr_import_claim_t *c)
{
    pr_import_meta_t meta;
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    int rc = pr_import_lock(st, c, &meta);
    if (rc != HF_OK)
        return hf_store_finish(st, rc == HF_ENOTFOUND ? HF_ECONFLICT : rc);
    const imp_kind_t *kind = &kinds[0];
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
        if (!strcmp(meta.kind, kinds[k].name))
            kind = &kinds[k];
    st->actor = meta.actor; /* what the file writes is the uploader's */
    Hrflow__V1__ImportPayrollFileRequest q = HRFLOW__V1__IMPORT_PAYROLL_FILE_REQUEST__INIT;
    q.company_id = (char *)meta.company;
    q.encoding = (char *)meta.encoding;
    q.utc_offset = (char *)meta.utc_offset;
    q.dry_run = meta.dry_run;
    imp_t m = { .st = st, .req = &q, .kind = kind, .company = meta.company, .import_id = c->id };
    m.out = hf_store_alloc(st, sizeof(*m.out));
    m.problems = hf_store_alloc(st, PROBLEMS_MAX * sizeof(*m.problems));
    if (m.out)
        hrflow__v1__import_payroll_file_response__init(m.out);
    if (!m.out || !m.problems || !(m.out->warnings = hf_store_alloc(st, 20 * sizeof(char *))))
        return hf_store_finish(st, HF_ENOMEM);
    m.out->problems = m.problems;
    const char *error = NULL;
    rc = c->attempts > ATTEMPTS_MAX
             ? (error = "the import was interrupted " TEXT(ATTEMPTS_MAX) " times (a replica "
                        "stopped or the database failed during it): upload it again",
                HF_OK)
             : check_and_write(&m, meta.parts, &error);
    hf_table_destroy(&m.t);
    free(m.rows);
    if (rc != HF_OK)
        return hf_store_finish(st, rc);
    sort_problems(&m);
    if (m.out->problem_count || error)
        m.out->created = m.out->existing = m.out->replaced = 0;
    pr_import_outcome_t o = { m.out->problem_count || error ? "failed" : "succeeded", error,
                              m.out };
    return hf_store_finish(st, pr_import_finish(st, c, &o));
}

typedef struct {
    hf_arena_t *arena;
    char owner[96];
} worker_t;

static int imports_step(hf_loop_t *loop, PGconn *db, void *user)
{
    (void)loop;
    worker_t *w = user;
    pr_import_claim_t c;
    int got = pr_import_claim(db, (int)pr_import_lease_ms, w->owner, &c);
    if (got <= 0)
        return got;
    hf_arena_reset(w->arena);
    hf_store_t st;
    hf_store_init(&st, db, w->arena, c.tenant, hf_service_keys());
    int rc = import_claimed(&st, &c);
    hf_logkv(rc == HF_OK || rc == HF_ECONFLICT ? HF_LOG_INFO : HF_LOG_ERROR, "payroll import",
             HF_KV_STR("import", c.id), HF_KV_INT("attempt", c.attempts),
             HF_KV_STR("result", hf_err_name(rc)));
    hf_arena_reset(w->arena); /* the file's values go with it */
    return rc == HF_EDB ? -1 : 1;
}

static void imports_cleanup(void *user)
{
    worker_t *w = user;
    hf_arena_destroy(&w->arena);
    free(w);
}

int pr_imports_start(void)
{
    worker_t *w = calloc(1, sizeof(*w));
    if (!w || !(w->arena = hf_arena_new(1 << 20))) {
        free(w);
        return -1;
    }
    char host[64] = "";
    gethostname(host, sizeof(host) - 1);
    snprintf(w->owner, sizeof(w->owner), "%s:%ld", host, (long)getpid());
    const hf_loop_def_t def = { .name = "payroll imports", .step = imports_step,
                                .cleanup = imports_cleanup, .user = w, .idle_ms = 1000,
                                .listen = 1, .channel = PR_IMPORT_CHANNEL };
    if (hf_service_loop(&def) < 0) {
        imports_cleanup(w);
        return -1;
    }
    return 0;
}

PR_IMPORT_HANDLER(payroll_get_ytd_opening)
{
    const Hrflow__V1__GetYtdOpeningRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require(&st, HF_SCOPE_PAYROLL, "read opening figures") < 0)
        return -1;
    Hrflow__V1__Employee *e = NULL;
    int rc = hf_uuid_valid(r->employee_id) ? pr_employee_get(&st, r->employee_id, &e)
                                           : HF_ENOTFOUND;
    if (rc == HF_OK && !hf_store_sees_company(&st, e->company_id))
        rc = HF_ENOTFOUND;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "employee", r->employee_id);
    Hrflow__V1__YtdOpening *out =
        HF_CALL_NEW(call, Hrflow__V1__YtdOpening, hrflow__v1__ytd_opening__init);
    char *figures = NULL;
    int through = 0, months = 0;
    if (!out)
        return hf_store_fail(&st, HF_ENOMEM, "opening figures", "");
    rc = pr_ytd_get(&st, e->id, r->tax_year, &through, &months, &figures, &out->create_time);
    if (rc == HF_ENOTFOUND)
        return hf_call_fail(call, E(NOT_FOUND), "no opening figures of employee %s for %d",
                            e->id, r->tax_year);
    long long f[5];
    if (rc == HF_OK && (!figures || sscanf(figures, "%lld,%lld,%lld,%lld,%lld", &f[0], &f[1],
                                           &f[2], &f[3], &f[4]) != 5))
        rc = HF_EDB;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "opening figures", e->id);
    char **dst[5] = { &out->cumulative_income, &out->special_deductions,
                      &out->additional_deductions, &out->other_deductions, &out->tax_withheld };
    for (int k = 0; k < 5; k++) {
        char m[PR_MONEY_TEXT_MAX];
        pr_money_format(f[k], m);
        *dst[k] = hf_store_strdup(&st, m);
    }
    out->employee_id = e->id;
    out->tax_year = r->tax_year;
    out->through_month = through;
    out->months = months;
    *reply = &out->base;
    return 0;
}
