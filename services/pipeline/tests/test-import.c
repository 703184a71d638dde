/* services/pipeline/tests/test-import.c - the streaming import reader (CSV, NDJSON, GB18030)
 *
 * Every input is read three times: whole, one byte at a time and in chunks of
 * 7 bytes; the three transcripts of rows, errors and warnings must agree with
 * the expected one. A transcript line is "<row> field=value ..." for a good
 * row, the message for a failed row, "warning: ..." and "fatal: ...".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../import.h"

typedef struct {
    char *text;
    size_t len, cap;
} transcript_t;

static void add(transcript_t *t, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(line));
    if (t->len + (size_t)n + 1 > t->cap) {
        t->cap = (t->len + (size_t)n + 1) * 2;
        t->text = realloc(t->text, t->cap);
        assert_non_null(t->text);
    }
    memcpy(t->text + t->len, line, (size_t)n + 1);
    t->len += (size_t)n;
}

static void on_row(void *ctx, const pl_import_row_t *r)
{
    transcript_t *t = ctx;
    if (r->error) {
        assert_int_equal(r->error->row, r->row);
        add(t, "%s\n", r->error->message);
        return;
    }
    add(t, "%zu", r->row);
    for (int f = 0; f < PL_CAND_FIELDS; f++) {
        if (!r->value[f] || f == PL_CAND_SKILLS || f == PL_CAND_YEARS_EXPERIENCE ||
            f == PL_CAND_CONSENT)
            continue;
        assert_int_equal(strlen(r->value[f]), r->len[f]);
        add(t, " %s=%s", pl_cand_field_name(f), r->value[f]);
    }
    for (size_t i = 0; i < r->nskills; i++)
        add(t, "%s%s", i ? "|" : " skills=", r->skills[i]);
    if (r->years >= 0)
        add(t, " years=%g", r->years);
    if (r->consent != PL_CONSENT_UNSET)
        add(t, " consent=%s", r->consent == PL_CONSENT_YES ? "yes" : "no");
    add(t, "\n");
}

static void on_warning(void *ctx, const pl_import_error_t *w)
{
    add(ctx, "warning: %s\n", w->message);
}

/* The transcript of data read in chunks of the given size (caller frees). */
static char *read_in(const char *data, size_t len, const pl_import_options_t *opt, size_t chunk)
{
    transcript_t t = { 0 };
    add(&t, "%s", "");
    pl_import_t *p = pl_import_new(opt, on_row, on_warning, &t);
    assert_non_null(p);
    int rc = 0;
    for (size_t i = 0; i < len && !rc; i += chunk)
        rc = pl_import_feed(p, data + i, len - i < chunk ? len - i : chunk);
    if (!rc)
        rc = pl_import_finish(p);
    if (rc)
        add(&t, "fatal: %s\n", pl_import_fatal(p)->message);
    pl_import_destroy(&p);
    pl_import_destroy(&p); /* twice is fine */
    return t.text;
}

static void expect_n(const char *data, size_t len, const pl_import_options_t *opt, const char *want)
{
    static const size_t chunks[] = { (size_t)-1, 1, 7 };
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        char *got = read_in(data, len, opt, chunks[i]);
        if (strcmp(got, want))
            print_message("# chunk %zu:\n%s", chunks[i], got);
        assert_string_equal(got, want);
        free(got);
    }
}

#define expect(data, opt, want) expect_n(data, sizeof(data) - 1, opt, want)

static void test_chinese_headers(void **state)
{
    (void)state;
    expect("姓名,手机号,邮箱,来源,技能,工作年限,学历,简历,同意\n"
           "张伟,13800138000,zhang.wei@example.cn,内推,\"Java,SQL\",5年,本科,五年后端开发经验,是\n"
           "李娜,13912345678,,BOSS直聘,Python、数据分析；Excel,3,硕士,,否\n",
           NULL,
           "1 name=张伟 phone=13800138000 email=zhang.wei@example.cn source=内推 education=本科"
           " resume=五年后端开发经验 skills=Java|SQL years=5 consent=yes\n"
           "2 name=李娜 phone=13912345678 source=BOSS直聘 education=硕士"
           " skills=Python|数据分析|Excel years=3 consent=no\n");
}

static void test_english_headers(void **state)
{
    (void)state;
    expect("Full Name,Mobile,E-mail,Channel,Years of Experience,Degree,CV,Consent,Consent Version\n"
           "Wei Zhang,+86 138 0013 8000,wei@example.com,LinkedIn,2.5,BSc,,TRUE,v2\n",
           NULL,
           "1 name=Wei Zhang phone=+86 138 0013 8000 email=wei@example.com source=LinkedIn"
           " education=BSc consent_version=v2 years=2.5 consent=yes\n");
}

static void test_mixed_headers_and_audit_fields(void **state)
{
    (void)state;
    expect(" 姓名 ,EMAIL,external_id,性别,Age Band,*手机\n"
           "王芳,wang.fang@example.cn,HR-0042,女,25-34,13700001111\n",
           NULL,
           "1 external_id=HR-0042 name=王芳 phone=13700001111 email=wang.fang@example.cn"
           " gender=女 age_band=25-34\n");
}

static void test_bom(void **state)
{
    (void)state;
    expect("\xef\xbb\xbfname,email\r\nAnna Li,anna@example.com\r\n", NULL,
           "1 name=Anna Li email=anna@example.com\n");
}

/* 姓名,手机,技能 / 张三,13800138000,Java、Python / 李四,... in GBK. */
static const char gbk[] = "\xd0\xd5\xc3\xfb,\xca\xd6\xbb\xfa,\xbc\xbc\xc4\xdc\r\n"
                          "\xd5\xc5\xc8\xfd,13800138000,Java\xa1\xa2Python\r\n"
                          "\xc0\xee\xcb\xc4,13900001111,\xd0\xd5\xc3\xfb\r\n";

static void test_gbk_detected(void **state)
{
    (void)state;
    expect(gbk, NULL,
           "1 name=张三 phone=13800138000 skills=Java|Python\n"
           "2 name=李四 phone=13900001111 skills=姓名\n");
}

static void test_gbk_split_inside_character(void **state)
{
    (void)state;
    /* expect() already reads 1 byte at a time; here every split point once */
    char *whole = read_in(gbk, sizeof(gbk) - 1, NULL, (size_t)-1);
    for (size_t cut = 1; cut < sizeof(gbk) - 1; cut++) {
        transcript_t t = { 0 };
        add(&t, "%s", "");
        pl_import_t *p = pl_import_new(NULL, on_row, on_warning, &t);
        assert_int_equal(pl_import_feed(p, gbk, cut), 0);
        assert_int_equal(pl_import_feed(p, gbk + cut, sizeof(gbk) - 1 - cut), 0);
        assert_int_equal(pl_import_finish(p), 0);
        assert_int_equal(pl_import_encoding(p), PL_IMPORT_GB18030);
        assert_string_equal(t.text, whole);
        pl_import_destroy(&p);
        free(t.text);
    }
    free(whole);
}

static void test_gbk_invalid_sequence_fails_row(void **state)
{
    (void)state;
    pl_import_options_t opt = { .encoding = PL_IMPORT_GB18030 };
    /* a lead byte then a comma is no GB18030 character; the next row reads on */
    expect("\xd0\xd5\xc3\xfb,\xca\xd6\xbb\xfa\n"
           "\xd5,13800138000\n"
           "\xc0\xee\xcb\xc4,13900001111\n",
           &opt,
           "row 1: column 1 (name): invalid gb18030 byte sequence\n"
           "2 name=李四 phone=13900001111\n");
}

static void test_utf8_invalid_byte_fails_row(void **state)
{
    (void)state;
    pl_import_options_t opt = { .encoding = PL_IMPORT_UTF8 };
    expect("name,phone\n\xd5\xc5,13800138000\nZhao Lei,13600000000\n", &opt,
           "row 1: column 1 (name): invalid utf-8\n"
           "2 name=Zhao Lei phone=13600000000\n");
}

static void test_quoted_fields(void **state)
{
    (void)state;
    expect("name,email,resume\n"
           "\"Li, Ming\",li@example.com,\"said \"\"hi\"\"\n2019-2023 后端\"\n"
           "\"\",x@example.com,\n",
           NULL,
           "1 name=Li, Ming email=li@example.com resume=said \"hi\"\n2019-2023 后端\n"
           "row 2: column 1 (name): empty\n");
}

static void test_line_ends(void **state)
{
    (void)state;
    expect("name,phone\rA,1\r\nB,2\n\nC,3", NULL,
           "1 name=A phone=1\n2 name=B phone=2\n4 name=C phone=3\n");
}

static void test_blank_records_skipped_but_numbered(void **state)
{
    (void)state;
    expect("\n\nname,phone\n,\n  ,\t\nA,1\n", NULL, "3 name=A phone=1\n");
}

static void test_semicolon_detected(void **state)
{
    (void)state;
    expect("姓名;手机;技能\n张三;13800138000;\"C++, Go\"\n", NULL,
           "1 name=张三 phone=13800138000 skills=C++|Go\n");
}

static void test_tab_detected(void **state)
{
    (void)state;
    expect("name\tphone\tskills\nAnna\t13800138000\tSQL;Tableau\n", NULL,
           "1 name=Anna phone=13800138000 skills=SQL|Tableau\n");
}

static void test_explicit_delimiter(void **state)
{
    (void)state;
    pl_import_options_t opt = { .delimiter = ';' };
    expect("name,x;phone\nA,B;1\n", &opt,
           "warning: header: column 1 (name,x): unknown column, ignored\n"
           "fatal: header: no column for name (姓名, name, full name)\n");
}

static void test_wrong_column_count(void **state)
{
    (void)state;
    expect("name,phone,email\nA,1\nB,2,b@example.com,extra\nC,3,\n", NULL,
           "row 1: 2 columns, the header has 3\n"
           "row 2: 4 columns, the header has 3\n"
           "3 name=C phone=3\n");
}

static void test_text_after_closing_quote(void **state)
{
    (void)state;
    expect("name,phone\n\"A\"x,1\nB,2\n", NULL,
           "row 1: column 1 (name): text after closing quote\n2 name=B phone=2\n");
}

static void test_unterminated_quote_at_end(void **state)
{
    (void)state;
    expect("name,phone\nA,1\nB,\"2\n", NULL,
           "1 name=A phone=1\nrow 2: column 2 (phone): unterminated quote\n");
}

static void test_unterminated_quote_recovered(void **state)
{
    (void)state;
    /* the quote swallows the following lines; they are read again */
    expect("name,phone\n\"A,1\nB,2\nC,3\n", NULL,
           "row 1: column 1 (name): unterminated quote\n"
           "2 name=B phone=2\n3 name=C phone=3\n");
}

static void test_missing_required_columns(void **state)
{
    (void)state;
    expect("phone,email\n1,a@example.com\n", NULL,
           "fatal: header: no column for name (姓名, name, full name)\n");
    expect("姓名,学历\n张三,本科\n", NULL,
           "fatal: header: no column for phone or email (手机, 邮箱, phone, email)\n");
    expect("", NULL, "fatal: empty file: no header line\n");
}

static void test_duplicate_mapped_column(void **state)
{
    (void)state;
    expect("姓名,电话,手机\n张三,1,2\n", NULL,
           "fatal: header: column 3 (手机): phone is also column 2 (电话)\n");
}

static void test_unknown_column_warned_once(void **state)
{
    (void)state;
    expect("name,phone,备注,\nA,1,VIP,\nB,2,,\n", NULL,
           "warning: header: column 3 (备注): unknown column, ignored\n"
           "warning: header: column 4: no name, ignored\n"
           "1 name=A phone=1\n2 name=B phone=2\n");
}

static void test_explicit_mapping(void **state)
{
    (void)state;
    pl_import_options_t opt = { .columns = { [PL_CAND_NAME] = "Candidate",
                                             [PL_CAND_PHONE] = "Mobile No" } };
    expect("candidate,MOBILE NO,姓名\nA,1,ignored\n", &opt,
           "warning: header: column 3 (姓名): unknown column, ignored\n1 name=A phone=1\n");
    opt.columns[PL_CAND_EMAIL] = "mail";
    expect("candidate,MOBILE NO\nA,1\n", &opt, "fatal: header: no column \"mail\" for email\n");
}

static void test_consent_values(void **state)
{
    (void)state;
    expect("name,phone,consent\nA,1,yes\nB,2,No\nC,3,true\nD,4,FALSE\nE,5,1\nF,6,0\n"
           "G,7,是\nH,8,否\nI,9,\nJ,10,maybe\n",
           NULL,
           "1 name=A phone=1 consent=yes\n2 name=B phone=2 consent=no\n"
           "3 name=C phone=3 consent=yes\n4 name=D phone=4 consent=no\n"
           "5 name=E phone=5 consent=yes\n6 name=F phone=6 consent=no\n"
           "7 name=G phone=7 consent=yes\n8 name=H phone=8 consent=no\n"
           "9 name=I phone=9\n"
           "row 10: column 3 (consent): not yes or no\n");
}

static void test_skills_splitting(void **state)
{
    (void)state;
    expect("name,phone,skills\n"
           "A,1,\"Java, SQL ;Go\"\n"
           "B,2,数据分析，用户增长、A/B测试；SQL\n"
           "C,3,\" , ;\"\n",
           NULL,
           "1 name=A phone=1 skills=Java|SQL|Go\n"
           "2 name=B phone=2 skills=数据分析|用户增长|A/B测试|SQL\n"
           "3 name=C phone=3\n");
}

static void test_years_values(void **state)
{
    (void)state;
    expect("name,phone,years\nA,1,3年以上\nB,2,10+\nC,3,4 years\nD,4,ten\nE,5,99\n", NULL,
           "1 name=A phone=1 years=3\n2 name=B phone=2 years=10\n3 name=C phone=3 years=4\n"
           "row 4: column 3 (years_experience): not a number of years (0 to 70)\n"
           "row 5: column 3 (years_experience): not a number of years (0 to 70)\n");
}

static void test_messages_never_quote_a_value(void **state)
{
    (void)state;
    /* a shifted column puts personal data where a number or a yes belongs */
    expect("name,phone,years,consent\n张伟,1,13800138000,\n李娜,2,3,13900139000\n", NULL,
           "row 1: column 3 (years_experience): not a number of years (0 to 70)\n"
           "row 2: column 4 (consent): not yes or no\n");
    pl_import_options_t opt = { .format = PL_IMPORT_NDJSON };
    expect("{\"name\": 张伟}\n", &opt, "row 1: invalid json at character 12: invalid token\n");
}

static void test_row_checks(void **state)
{
    (void)state;
    expect("name,phone,email\n,1,\nA,,\n", NULL,
           "row 1: column 1 (name): empty\nrow 2: phone and email are both empty\n");
}

static void test_ndjson_good_lines(void **state)
{
    (void)state;
    expect("{\"name\":\"张伟\",\"手机\":13800138000,\"skills\":[\"Java\",\"SQL\"],\"consent\":true}\n"
           "\n"
           "{\"姓名\":\"Anna\",\"email\":\"anna@example.com\",\"years_experience\":2.5,"
           "\"consent\":\"否\",\"gender\":null}\r\n",
           NULL,
           "1 name=张伟 phone=13800138000 skills=Java|SQL consent=yes\n"
           "3 name=Anna email=anna@example.com years=2.5 consent=no\n");
}

static void test_ndjson_bad_lines(void **state)
{
    (void)state;
    expect("{\"name\":\"A\",\"phone\":\"1\",\"remark\":\"x\"}\n"
           "{\"name\":\"B\",\"phone\":\"2\"\n"
           "[1,2]\n"
           "{\"name\":[\"C\"],\"phone\":\"3\"}\n"
           "{\"name\":\"D\",\"姓名\":\"D\",\"phone\":\"4\",\"remark\":1}\n"
           "{\"name\":\"E\",\"skills\":{\"a\":1},\"phone\":\"5\"}\n"
           "{\"name\":\"F\",\"phone\":\"6\"}",
           NULL,
           "warning: row 1: key \"remark\": unknown key, ignored\n"
           "1 name=A phone=1\n"
           "row 2: invalid json at character 23: '}' expected near end of file\n"
           "row 3: not a json object\n"
           "row 4: name: expected a string\n"
           "row 5: name: given twice (key \"姓名\")\n"
           "row 6: skills: expected a string or a list of strings\n"
           "7 name=F phone=6\n");
}

static void test_ndjson_forced(void **state)
{
    (void)state;
    pl_import_options_t opt = { .format = PL_IMPORT_NDJSON };
    expect("name,phone\n", &opt,
           "row 1: invalid json at character 4: '[' or '{' expected\n");
}

static void test_row_and_field_limits(void **state)
{
    (void)state;
    size_t big = PL_IMPORT_MAX_FIELD + 10, len = 0;
    char *s = malloc(big + 256);
    assert_non_null(s);
    len += (size_t)sprintf(s, "name,phone,resume\nA,1,");
    memset(s + len, 'x', big);
    len += big;
    len += (size_t)sprintf(s + len, "\nB,2,short\n");
    char *got = read_in(s, len, NULL, 4096);
    assert_string_equal(got, "row 1: column 3 (resume): 65546 bytes, the limit is 65536\n"
                             "2 name=B phone=2 resume=short\n");
    free(got);
    free(s);
}

/* Values follow the API's rules of typed text (pl_cand_rules): characters
 * counted, no control, bidi or zero-width character, with the API's words. */
static void test_values_follow_the_rules_of_typed_text(void **state)
{
    (void)state;
    expect("name,phone,skills\n"
           "abc\xe2\x80\xae" "fdp,1,\n"             /* U+202E in a name */
           "\xe5\xbc\xa0\xe2\x80\x8b\xe4\xb8\x89,2,\n" /* 张 U+200B 三 */
           "\"a\x01" "b\",3,\n"                       /* a control character */
           "\xe3\x85\xa4,4,\n"                         /* U+3164 only: invisible */
           "D,5,\"SQL,Py\xe2\x81\xa6thon\"\n"            /* U+2066 in the second skill */
           "E,6,\"SQL,\tPython\"\n",                     /* white space between skills */
           NULL,
           "row 1: column 1 (name): U+202E (bidi control) at character 4 is not allowed\n"
           "row 2: column 1 (name): U+200B (zero-width character) at character 2 is not "
           "allowed\n"
           "row 3: column 1 (name): U+0001 (control character) at character 2 is not allowed\n"
           "row 4: column 1 (name): 1 to 200 characters, not all blank or invisible\n"
           "row 5: column 3 (skills): skill 2: U+2066 (bidi control) at character 3 is not "
           "allowed\n"
           "6 name=E phone=6 skills=SQL|Python\n");
}

/* 200 Chinese characters are a name (600 bytes); 201 are not, nor 201 ASCII. */
static void test_limits_count_characters(void **state)
{
    (void)state;
    char s[2048] = "name,phone\n", want[2048] = "1 name=";
    for (int i = 0; i < 200; i++)
        strcat(s, "华"), strcat(want, "华");
    strcat(s, ",1\n");
    strcat(want, " phone=1\n");
    for (int i = 0; i < 201; i++)
        strcat(s, "华");
    strcat(s, ",2\n");
    for (int i = 0; i < 201; i++)
        strcat(s, "a");
    strcat(s, ",3\n");
    strcat(want, "row 2: column 1 (name): 1 to 200 characters\n"
                 "row 3: column 1 (name): 1 to 200 characters\n");
    expect_n(s, strlen(s), NULL, want);
}

static void test_row_over_limit_skipped(void **state)
{
    (void)state;
    size_t big = PL_IMPORT_MAX_ROW + 5, len = 0;
    char *s = malloc(big + 256);
    assert_non_null(s);
    len += (size_t)sprintf(s, "name,phone\nA,");
    memset(s + len, '1', big);
    len += big;
    len += (size_t)sprintf(s + len, "\r\nB,2\n");
    char *whole = read_in(s, len, NULL, (size_t)-1);
    char *chunked = read_in(s, len, NULL, 1000);
    assert_string_equal(whole, "row 1: longer than 1048576 bytes\n2 name=B phone=2\n");
    assert_string_equal(chunked, whole);
    free(whole);
    free(chunked);
    free(s);
}

static void test_too_many_columns(void **state)
{
    (void)state;
    char s[2048] = "name,phone";
    for (int i = 0; i < PL_IMPORT_MAX_COLUMNS; i++)
        strcat(s, ",");
    strcat(s, "\n");
    expect_n(s, strlen(s), NULL, "fatal: header: 258 columns, the limit is 256\n");
}

static void test_utf16_refused(void **state)
{
    (void)state;
    expect("\xff\xfen\0a\0", NULL,
           "fatal: utf-16 is not supported: save the file as csv (utf-8)\n");
}

static void test_field_names_and_aliases(void **state)
{
    (void)state;
    assert_int_equal(pl_cand_field_from_header("手机号", strlen("手机号")), PL_CAND_PHONE);
    assert_int_equal(pl_cand_field_from_header(" E-Mail ", 8), PL_CAND_EMAIL);
    assert_int_equal(pl_cand_field_from_header("age_band", 8), PL_CAND_AGE_BAND);
    assert_int_equal(pl_cand_field_from_header("年龄段", strlen("年龄段")), PL_CAND_AGE_BAND);
    assert_int_equal(pl_cand_field_from_header("salary", 6), -1);
    assert_string_equal(pl_cand_field_name(PL_CAND_YEARS_EXPERIENCE), "years_experience");
}

/* --- a 200 MB stream: bounded memory, speed printed --- */

typedef struct {
    size_t rows, failed;
} counter_t;

static void count_row(void *ctx, const pl_import_row_t *r)
{
    counter_t *c = ctx;
    c->rows++;
    c->failed += r->error != NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long max_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Generate rows by fmt (one %zu, the row number) and feed them in 64 KiB
 * chunks; returns rows/s and checks every row read well. */
static double stream(const char *header, const char *fmt, size_t rows, size_t *bytes)
{
    enum { CHUNK = 64 * 1024 };
    char *buf = malloc(CHUNK + 4096);
    counter_t c = { 0, 0 };
    pl_import_t *p = pl_import_new(NULL, count_row, NULL, &c);
    assert_true(buf && p);
    size_t n = (size_t)sprintf(buf, "%s", header);
    double dt = 0, t0;
    *bytes = 0;
    for (size_t r = 1; r <= rows; r++) {
        n += (size_t)sprintf(buf + n, fmt, r, r % 100000000, r);
        if (n >= CHUNK) { /* only the reader's time counts */
            t0 = now();
            assert_int_equal(pl_import_feed(p, buf, CHUNK), 0);
            dt += now() - t0;
            memmove(buf, buf + CHUNK, n - CHUNK);
            n -= CHUNK;
            *bytes += CHUNK;
        }
    }
    t0 = now();
    assert_int_equal(pl_import_feed(p, buf, n), 0);
    assert_int_equal(pl_import_finish(p), 0);
    dt += now() - t0;
    *bytes += n;
    assert_int_equal(c.rows, rows);
    assert_int_equal(c.failed, 0);
    pl_import_destroy(&p);
    free(buf);
    return (double)rows / dt;
}

static void test_200mb_stream_bounded_memory(void **state)
{
    (void)state;
    long before = max_rss_kib();
    size_t bytes;
    double rate = stream("姓名,手机,邮箱,来源,技能,工作年限,学历,同意,简历\n",
                         "候选人%zu,138%08zu,c%zu@example.cn,内推,\"Java,SQL,Go\",5,本科,是,"
                         "五年后端开发经验负责支付系统与数据平台建设\n",
                         1500000, &bytes);
    long grown = max_rss_kib() - before;
    print_message("# rows/s: %.0f (1.5M candidate rows, %.0f MB, 64 KiB chunks; rss +%ld KiB)\n",
                  rate, (double)bytes / 1e6, grown);
    assert_true(bytes > 200 * 1000 * 1000);
    assert_true(grown < 64 * 1024);
    rate = stream("name,phone,email\n", "c%zu,138%08zu,c%zu@example.com\n", 2000000, &bytes);
    print_message("# rows/s: %.0f (2M simple rows of name,phone,email)\n", rate);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chinese_headers),
        cmocka_unit_test(test_english_headers),
        cmocka_unit_test(test_mixed_headers_and_audit_fields),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_gbk_detected),
        cmocka_unit_test(test_gbk_split_inside_character),
        cmocka_unit_test(test_gbk_invalid_sequence_fails_row),
        cmocka_unit_test(test_utf8_invalid_byte_fails_row),
        cmocka_unit_test(test_quoted_fields),
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_blank_records_skipped_but_numbered),
        cmocka_unit_test(test_semicolon_detected),
        cmocka_unit_test(test_tab_detected),
        cmocka_unit_test(test_explicit_delimiter),
        cmocka_unit_test(test_wrong_column_count),
        cmocka_unit_test(test_text_after_closing_quote),
        cmocka_unit_test(test_unterminated_quote_at_end),
        cmocka_unit_test(test_unterminated_quote_recovered),
        cmocka_unit_test(test_missing_required_columns),
        cmocka_unit_test(test_duplicate_mapped_column),
        cmocka_unit_test(test_unknown_column_warned_once),
        cmocka_unit_test(test_explicit_mapping),
        cmocka_unit_test(test_consent_values),
        cmocka_unit_test(test_skills_splitting),
        cmocka_unit_test(test_years_values),
        cmocka_unit_test(test_row_checks),
        cmocka_unit_test(test_messages_never_quote_a_value),
        cmocka_unit_test(test_ndjson_good_lines),
        cmocka_unit_test(test_ndjson_bad_lines),
        cmocka_unit_test(test_ndjson_forced),
        cmocka_unit_test(test_row_and_field_limits),
        cmocka_unit_test(test_values_follow_the_rules_of_typed_text),
        cmocka_unit_test(test_limits_count_characters),
        cmocka_unit_test(test_row_over_limit_skipped),
        cmocka_unit_test(test_too_many_columns),
        cmocka_unit_test(test_utf16_refused),
        cmocka_unit_test(test_field_names_and_aliases),
        cmocka_unit_test(test_200mb_stream_bounded_memory),
    };
    return cmocka_run_group_tests_name("pipeline-import", tests, NULL, NULL);
}
