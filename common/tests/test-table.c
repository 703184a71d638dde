/* common/tests/test-table.c - the table reader (hf/table.h) and the .xlsx writer (hf/xlsx_write.h)
 *
 * CSV as the candidate import reads it is tested at length by
 * services/pipeline/tests/test-import.c; here are the generic pieces: raw
 * rows, mapped columns with their types, and .xlsx workbooks, read from the
 * files in common/tests/data (made by make_xlsx.py, most with openpyxl), and
 * what hf_xlsx_* writes read back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hf/table.h"
#include "hf/xlsx_write.h"

bool tbl_format_is_date(const char *code); /* common/src/table_xlsx.c, internal */

/* Everything called back, one line per row or warning, then the fatal error. */
typedef struct {
    char out[16384];
    size_t n;
} seen_t;

static void add(seen_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(s->out + s->n, sizeof(s->out) - s->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        s->n += (size_t)k < sizeof(s->out) - s->n ? (size_t)k : sizeof(s->out) - s->n - 1;
}

static const char type_letter[] = { '-', 't', 'n', 'b', 'd' };

static int on_row(void *ctx, hf_table_t *t, const hf_table_row_t *r)
{
    seen_t *s = ctx;
    (void)t;
    if (r->error) {
        add(s, "%s\n", r->error->message);
        return 0;
    }
    add(s, "%zu", r->row);
    for (unsigned i = 0; i < r->ncells; i++) {
        const hf_table_cell_t *c = &r->cells[i];
        assert_true(c->s == NULL ? c->len == 0 && c->type == HF_CELL_EMPTY
                                 : strlen(c->s) == c->len && c->type != HF_CELL_EMPTY);
        add(s, "|%c:%s", type_letter[c->type], c->s ? c->s : "");
    }
    add(s, "\n");
    return 0;
}

static void on_warning(void *ctx, const hf_table_error_t *w)
{
    add(ctx, "warning %s\n", w->message);
}

/* Read len bytes in chunks of chunk (0: whole) with opt; what was seen. */
static const char *read_with(const hf_table_options_t *opt, const void *data, size_t len,
                             size_t chunk)
{
    static seen_t s;
    memset(&s, 0, sizeof(s));
    hf_table_t *t = hf_table_new(opt, on_row, on_warning, &s);
    assert_non_null(t);
    int rc = 0;
    for (size_t i = 0; i < len && !rc; i += chunk ? chunk : len)
        rc = hf_table_feed(t, (const char *)data + i, chunk && len - i > chunk ? chunk : len - i);
    if (!rc)
        rc = hf_table_finish(t);
    if (rc)
        add(&s, "fatal %s\n", hf_table_fatal(t)->message);
    hf_table_destroy(&t);
    assert_null(t);
    return s.out;
}

static const char *read_text(const hf_table_options_t *opt, const char *text)
{
    return read_with(opt, text, strlen(text), 0);
}

/* A file of common/tests/data, malloc'd. */
static unsigned char *load(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", HF_TEST_DATA, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static const char *read_file(const hf_table_options_t *opt, const char *name)
{
    size_t len;
    unsigned char *data = load(name, &len);
    const char *whole = read_with(opt, data, len, 0);
    char *copy = strdup(whole);
    /* any split of the bytes reads the same */
    assert_string_equal(read_with(opt, data, len, 7), copy);
    free(copy);
    free(data);
    return whole;
}

/* The columns of a staff file, as payroll's imports will declare theirs. */
static const hf_table_column_t staff[] = {
    { "employee_no", "工号|员工编号|employee no", "工号, employee no", HF_COL_TEXT, true, false,
      { HF_TEXT_LINE, 1, 32 } },
    { "name", "姓名|name", NULL, HF_COL_TEXT, false, false, HF_TEXT_NAME },
    { "phone", "手机|phone", NULL, HF_COL_TEXT, false, false, { HF_TEXT_LINE, 0, 40 } },
    { "hire_date", "入职日期|hire date", NULL, HF_COL_DATE, false, false, { 0 } },
    { "base", "月薪|base salary", NULL, HF_COL_NUMBER, false, false, { 0 } },
    { "active", "在职|active", NULL, HF_COL_BOOL, false, false, { 0 } },
};
static const hf_table_options_t staff_opt = { .columns = staff, .ncolumns = 6 };

/* --- CSV --- */

static void test_raw_rows_keep_their_numbers(void **state)
{
    (void)state;
    assert_string_equal(read_text(NULL, "a,b\n1,\"x,\"\"y\"\"\"\n\n ,\n3, 4 \n"),
                        "0|t:a|t:b\n1|t:1|t:x,\"y\"\n4|t:3|t:4\n");
    hf_table_options_t utf8 = { .encoding = HF_TABLE_UTF8 };
    assert_string_equal(read_text(&utf8, "a;b\r\n1;\xff\r\n"),
                        "0|t:a|t:b\nrow 1: column 2 (b): invalid utf-8\n");
}

static void test_mapped_columns_are_typed(void **state)
{
    (void)state;
    const char *csv = "员工编号,入职日期,月薪,在职,备注,姓名\n"
                      "E1,2024/3/1,12345.67,是,x,张三\n"
                      "E2,2024年12月31日,-5,no,,\n"
                      ",2024-01-01,1,1,,\n"
                      "E4,2023-02-29,1,1,,\n"
                      "E5,2024-01-01,1e5,1,,\n"
                      "E6,2024-01-01 08:30,.5,maybe,,\n"
                      "E7,2024-1-1T23:59:59,+3,TRUE,,\u202e\n";
    assert_string_equal(read_text(&staff_opt, csv),
                        "warning header: column 5 (备注): unknown column, ignored\n"
                        "0|t:员工编号|t:姓名|-:|t:入职日期|t:月薪|t:在职\n"
                        "1|t:E1|t:张三|-:|d:2024-03-01|n:12345.67|b:true\n"
                        "2|t:E2|-:|-:|d:2024-12-31|n:-5|b:false\n"
                        "row 3: column 1 (employee_no): empty\n"
                        "row 4: column 2 (hire_date): not a date (YYYY-MM-DD)\n"
                        "row 5: column 3 (base): not a number\n"
                        "row 6: column 4 (active): not yes or no\n"
                        "row 7: column 6 (name): U+202E (bidi control) at character 1 is not "
                        "allowed\n");
}

static void test_header_mistakes_are_fatal(void **state)
{
    (void)state;
    assert_string_equal(read_text(&staff_opt, "姓名,手机\n张三,1\n"),
                        "fatal header: no column for employee_no (工号, employee no)\n");
    assert_string_equal(read_text(&staff_opt, "工号,employee no\nE1,E2\n"),
                        "fatal header: column 2 (employee no): employee_no is also column 1 (工号)\n");
    const char *mapping[6] = { "Staff ID" };
    hf_table_options_t opt = staff_opt;
    opt.mapping = mapping;
    assert_string_equal(read_text(&opt, "工号,staff_id\nE1,E2\n"),
                        "warning header: column 1 (工号): unknown column, ignored\n"
                        "0|t:staff_id|-:|-:|-:|-:|-:\n1|t:E2|-:|-:|-:|-:|-:\n");
    assert_string_equal(read_text(&opt, "工号\nE1\n"),
                        "warning header: column 1 (工号): unknown column, ignored\n"
                        "fatal header: no column \"staffid\" for employee_no\n");
    assert_string_equal(read_text(&staff_opt, ""), "fatal empty file: no header line\n");
}

static void test_gbk_and_row_limit(void **state)
{
    (void)state;
    /* 工号,姓名 / E1,张三 in GBK */
    const char gbk[] = "\xb9\xa4\xba\xc5,\xd0\xd5\xc3\xfb\nE1,\xd5\xc5\xc8\xfd\nE2,x\nE3,y\n";
    hf_table_options_t opt = staff_opt;
    opt.max_rows = 2;
    assert_string_equal(read_text(&opt, gbk), "0|t:工号|t:姓名|-:|-:|-:|-:\n"
                                              "1|t:E1|t:张三|-:|-:|-:|-:\n"
                                              "2|t:E2|t:x|-:|-:|-:|-:\n"
                                              "fatal more than 2 rows: split the file\n");
}

static void test_lines(void **state)
{
    (void)state;
    hf_table_options_t opt = { .format = HF_TABLE_LINES, .encoding = HF_TABLE_UTF8 };
    assert_string_equal(read_text(&opt, "{\"a\": 1}\n\n  x \n\xff\n"),
                        "1|t:{\"a\": 1}\n3|t:  x \nrow 4: invalid utf-8\n");
    opt = (hf_table_options_t){ .detect_lines = true };
    assert_string_equal(read_text(&opt, " {}\n"), "1|t: {}\n");
}

/* --- .xlsx --- */

static void test_xlsx_shared_strings_dates_numbers_sparse(void **state)
{
    (void)state;
    assert_string_equal(read_file(&staff_opt, "staff.xlsx"),
                        "warning header: column 7 (备注): unknown column, ignored\n"
                        "0|t:工号|t:姓名|t:手机|t:入职日期|t:月薪|t:在职\n"
                        "1|t:E001|t:张三|n:13800138000|d:2024-03-01|n:12345.67|b:true\n"
                        "2|t:E002|t:李四|t:13900139000|d:2023-12-31 08:30:00|n:8000|b:false\n"
                        "4|t:E003|t:王五|-:|d:1900-01-01|n:0.1|-:\n");
    hf_table_options_t opt = { .sheet = "Other" };
    assert_string_equal(read_file(&opt, "staff.xlsx"), "0|t:name|t:phone\n1|t:Zhao|t:13700137000\n");
    assert_string_equal(read_file(NULL, "hidden.xlsx"), "0|t:姓名\n1|t:褚七\n");
    opt.sheet = "说明"; /* hidden, but asked for by name */
    assert_string_equal(read_file(&opt, "hidden.xlsx"), "0|t:这一页藏起来了\n");
    opt.sheet = "Missing";
    assert_string_equal(read_file(&opt, "staff.xlsx"),
                        "fatal the workbook has no sheet named as asked\n");
}

static void test_xlsx_rich_text_inline_strings_and_excel_dates(void **state)
{
    (void)state;
    assert_string_equal(read_file(NULL, "rich.xlsx"),
                        "0|t:名称|t:日期|t:数值|t:时间|t:布尔\n"
                        "1|t:张三|d:2024-03-01|n:1234.5|d:12:00:00|b:TRUE\n"
                        "row 2: column 2 (日期): 1900-02-29 is not a date (Excel counts it)\n"
                        "row 3: column 5 (布尔): holds an error value: correct or clear it\n"
                        "5|t:a\rb|d:1900-03-01|t:x\n");
}

static void test_xlsx_1904_and_title_rows(void **state)
{
    (void)state;
    assert_string_equal(read_file(NULL, "mac1904.xlsx"),
                        "0|t:name|t:hire date\n1|t:Qian|d:2024-03-01\n");
    /* a merged title above the header is skipped; rows count from the header */
    assert_string_equal(read_file(NULL, "title.xlsx"),
                        "0|t:姓名|t:手机|t:部门\n1|t:张三|t:13800138000|t:研发\n");
}

static void test_xlsx_refused_before_any_row(void **state)
{
    (void)state;
    assert_string_equal(read_file(NULL, "formula.xlsx"), "fatal D3 holds a formula; paste values\n");
    assert_string_equal(read_file(NULL, "merged.xlsx"),
                        "fatal merged cells C2:C3 over data: unmerge them and fill in every cell\n");
    assert_string_equal(read_file(NULL, "bomb.xlsx"),
                        "fatal the workbook is refused: xl/worksheets/sheet1.xml unpacks to more "
                        "than 1048576 bytes (limits: 1073741824 bytes, 200 times its packed size)\n");
    assert_string_equal(read_file(NULL, "dtd.xlsx"),
                        "fatal the workbook is refused: xl/workbook.xml declares a document type\n");
    hf_table_options_t opt = { .max_rows = 2 };
    assert_string_equal(read_file(&opt, "staff.xlsx"), "fatal more than 2 rows: split the file\n");
}

static void test_xlsx_damaged_encrypted_or_not_xlsx(void **state)
{
    (void)state;
    size_t len;
    unsigned char *data = load("staff.xlsx", &len);
    assert_string_equal(read_with(NULL, data, len / 2, 0),
                        "fatal not a readable .xlsx file: the zip is damaged\n");
    free(data);
    static const char ole2[] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 rest of an encrypted workbook";
    assert_string_equal(read_with(NULL, ole2, sizeof(ole2) - 1, 0),
                        "fatal an encrypted workbook or an old .xls file: save it as .xlsx (Excel "
                        "workbook) without a password\n");
    assert_string_equal(read_file(NULL, "notebook.zip"),
                        "fatal not an .xlsx workbook (a zip without xl/workbook.xml): save it as "
                        ".xlsx (Excel workbook)\n");
    hf_table_options_t opt = { .format = HF_TABLE_XLSX };
    assert_string_equal(read_text(&opt, "name,phone\n"),
                        "fatal not a readable .xlsx file: the zip is damaged\n");
}

static void test_excel_serial_days(void **state)
{
    (void)state;
    static const struct {
        double serial;
        bool mac;
        const char *shown; /* NULL: not a date */
    } cases[] = {
        { 1, false, "1900-01-01" },   { 59, false, "1900-02-28" },
        { 60, false, NULL },          { 61, false, "1900-03-01" },
        { 45352, false, "2024-03-01" }, { 45352.75, false, "2024-03-01 18:00:00" },
        { 45352.9999999999, false, "2024-03-02" }, { 2958465, false, "9999-12-31" },
        { 2958466, false, NULL },     { -1, false, NULL },
        { 0, true, "1904-01-01" },    { 43890, true, "2024-03-01" },
        { 60, true, "1904-03-01" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double days;
        char out[20];
        bool ok = hf_table_excel_days(cases[i].serial, cases[i].mac, &days);
        assert_int_equal(ok, cases[i].shown != NULL);
        if (ok) {
            hf_table_format_days(days, true, out);
            assert_string_equal(out, cases[i].shown);
        }
    }
    char out[20];
    hf_table_format_days(0.5 - 25568.0, false, out);
    assert_string_equal(out, "12:00:00");
}

static void test_date_formats(void **state)
{
    (void)state;
    static const char *const dates[] = { "yyyy-mm-dd", "m/d/yy", "[h]:mm:ss", "[$-804]yyyy年m月",
                                         "yyyy\"年\"m\"月\"d\"日\"", "hh:mm AM/PM", NULL };
    static const char *const numbers[] = { "0.00", "General", "[Red]0.00", "\"day\"0",
                                           "#,##0_);(#,##0)", "0.00\\d", "@", "¥#,##0.00", NULL };
    for (int i = 0; dates[i]; i++)
        assert_true(tbl_format_is_date(dates[i]));
    for (int i = 0; numbers[i]; i++)
        assert_false(tbl_format_is_date(numbers[i]));
}

/* --- the writer, read back --- */

static void test_written_workbook_reads_back(void **state)
{
    (void)state;
    hf_xlsx_t *x = hf_xlsx_new("工资 2024-03");
    assert_non_null(x);
    static const char *const names[] = { "工号", "姓名", "月薪", "入职日期", "备注" };
    assert_int_equal(hf_xlsx_header(x, names, 5), 0);
    assert_int_equal(hf_xlsx_text(x, "E001"), 0);
    assert_int_equal(hf_xlsx_text(x, "张三"), 0);
    assert_int_equal(hf_xlsx_money(x, 1234567), 0);
    assert_int_equal(hf_xlsx_date(x, 2024, 2, 29), 0);
    assert_int_equal(hf_xlsx_text(x, "=1+1"), 0); /* text, never a formula */
    assert_int_equal(hf_xlsx_next_row(x), 0);
    assert_int_equal(hf_xlsx_text(x, "E002"), 0);
    assert_int_equal(hf_xlsx_blank(x), 0);
    assert_int_equal(hf_xlsx_money(x, -5), 0);
    assert_int_equal(hf_xlsx_date(x, 2023, 2, 29), -EINVAL); /* the cell is still to write */
    assert_int_equal(hf_xlsx_blank(x), 0);
    assert_int_equal(hf_xlsx_number(x, 0.1), 0);
    assert_int_equal(hf_xlsx_text(x, "\xff"), -EINVAL);
    assert_int_equal(hf_xlsx_next_row(x), 0);
    assert_int_equal(hf_xlsx_text(x, "E003"), 0);
    assert_int_equal(hf_xlsx_blank(x), 0);
    assert_int_equal(hf_xlsx_money(x, 999999999999), 0);
    unsigned char *bytes;
    size_t len;
    assert_int_equal(hf_xlsx_finish(&x, &bytes, &len), 0);
    assert_null(x);
    assert_true(len > 100 && !memcmp(bytes, "PK\x03\x04", 4));
    assert_string_equal(read_with(&staff_opt, bytes, len, 0),
                        "warning header: column 5 (备注): unknown column, ignored\n"
                        "0|t:工号|t:姓名|-:|t:入职日期|t:月薪|-:\n"
                        "1|t:E001|t:张三|-:|d:2024-02-29|n:12345.67|-:\n"
                        "2|t:E002|-:|-:|-:|n:-0.05|-:\n"
                        "3|t:E003|-:|-:|-:|n:9999999999.99|-:\n");
    hf_table_options_t raw = { 0 };
    assert_string_equal(read_with(&raw, bytes, len, 0),
                        "0|t:工号|t:姓名|t:月薪|t:入职日期|t:备注\n"
                        "1|t:E001|t:张三|n:12345.67|d:2024-02-29|t:=1+1\n"
                        "2|t:E002|-:|n:-0.05|-:|n:0.1\n"
                        "3|t:E003|-:|n:9999999999.99\n");
    free(bytes);
    assert_null(hf_xlsx_new("a/b"));
    x = hf_xlsx_new(NULL);
    hf_xlsx_destroy(&x);
    hf_xlsx_destroy(&x);
}

static void test_long_numbers_lost_by_excel_fail_their_row(void **state)
{
    (void)state;
    hf_xlsx_t *x = hf_xlsx_new(NULL);
    static const char *const names[] = { "工号", "姓名" };
    assert_int_equal(hf_xlsx_header(x, names, 2), 0);
    assert_int_equal(hf_xlsx_text(x, "E1"), 0);
    assert_int_equal(hf_xlsx_number(x, 110101199001011234.0), 0); /* an ID number as a number */
    assert_int_equal(hf_xlsx_next_row(x), 0);
    assert_int_equal(hf_xlsx_text(x, "E2"), 0);
    assert_int_equal(hf_xlsx_number(x, 999999999999999.0), 0); /* 15 digits: kept */
    unsigned char *bytes;
    size_t len;
    assert_int_equal(hf_xlsx_finish(&x, &bytes, &len), 0);
    assert_string_equal(read_with(&staff_opt, bytes, len, 0),
                        "0|t:工号|t:姓名|-:|-:|-:|-:\n"
                        "row 1: column 2 (name): a number of more than 15 digits, which Excel "
                        "does not keep: make the column text and type the values again\n"
                        "2|t:E2|n:999999999999999|-:|-:|-:|-:\n");
    free(bytes);
}

static int count_rows(void *ctx, hf_table_t *t, const hf_table_row_t *r)
{
    (void)t;
    *(size_t *)ctx += r->error == NULL;
    return 0;
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A payroll-sized export written and read back: every row arrives. */
static void test_100k_rows_written_and_read(void **state)
{
    (void)state;
    enum { N = 100000 };
    double t0 = seconds();
    hf_xlsx_t *x = hf_xlsx_new("工资");
    static const char *const names[] = { "工号", "姓名", "入职日期", "月薪", "在职" };
    assert_int_equal(hf_xlsx_header(x, names, 5), 0);
    for (int i = 0; i < N; i++) {
        char no[16];
        snprintf(no, sizeof(no), "E%06d", i);
        assert_int_equal(hf_xlsx_text(x, no), 0);
        assert_int_equal(hf_xlsx_text(x, i % 2 ? "张三丰" : "Li Si"), 0);
        assert_int_equal(hf_xlsx_date(x, 2000 + i % 25, 1 + i % 12, 1 + i % 28), 0);
        assert_int_equal(hf_xlsx_money(x, 500000 + i), 0);
        assert_int_equal(hf_xlsx_number(x, i % 2), 0);
        assert_int_equal(hf_xlsx_next_row(x), 0);
    }
    unsigned char *bytes;
    size_t len, rows = 0;
    assert_int_equal(hf_xlsx_finish(&x, &bytes, &len), 0);
    double t1 = seconds();
    hf_table_t *t = hf_table_new(&staff_opt, count_rows, NULL, &rows);
    assert_int_equal(hf_table_feed(t, bytes, len), 0);
    assert_int_equal(hf_table_finish(t), 0);
    hf_table_destroy(&t);
    double t2 = seconds();
    assert_int_equal(rows, N + 1); /* and the header */
    printf("# %d rows of 5 columns (%zu KiB .xlsx): written at %.0f rows/s, read at %.0f rows/s\n",
           N, len / 1024, N / (t1 - t0), N / (t2 - t1));
    free(bytes);
}

/* CSV written for spreadsheets: quoted where needed, a would-be formula in text
 * defused with an apostrophe, amounts left alone. */
static void test_csv_fields_written(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    hf_table_csv_field(f, "王五", true, ",");
    hf_table_csv_field(f, "=HYPERLINK(\"x\")", true, ",");
    hf_table_csv_field(f, "+86", true, ",");
    hf_table_csv_field(f, "@SUM(A1)", true, ",");
    hf_table_csv_field(f, "a,b", true, ",");
    hf_table_csv_field(f, "-12.00", false, ",");
    hf_table_csv_field(f, "", true, ",");
    hf_table_csv_field(f, "line\nbreak", false, "\r\n");
    fclose(f);
    assert_string_equal(buf, "王五,\"'=HYPERLINK(\"\"x\"\")\",'+86,'@SUM(A1),\"a,b\",-12.00,,"
                             "\"line\nbreak\"\r\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_rows_keep_their_numbers),
        cmocka_unit_test(test_mapped_columns_are_typed),
        cmocka_unit_test(test_header_mistakes_are_fatal),
        cmocka_unit_test(test_gbk_and_row_limit),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_xlsx_shared_strings_dates_numbers_sparse),
        cmocka_unit_test(test_xlsx_rich_text_inline_strings_and_excel_dates),
        cmocka_unit_test(test_xlsx_1904_and_title_rows),
        cmocka_unit_test(test_xlsx_refused_before_any_row),
        cmocka_unit_test(test_xlsx_damaged_encrypted_or_not_xlsx),
        cmocka_unit_test(test_excel_serial_days),
        cmocka_unit_test(test_date_formats),
        cmocka_unit_test(test_written_workbook_reads_back),
        cmocka_unit_test(test_long_numbers_lost_by_excel_fail_their_row),
        cmocka_unit_test(test_100k_rows_written_and_read),
        cmocka_unit_test(test_csv_fields_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
