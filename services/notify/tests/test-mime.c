/* services/notify/tests/test-mime.c - letters as bytes: MIME parts, encoded headers, addresses */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "../deliver.h"

nt_delivery_settings_t nt_delivery_settings;

static const char ID[] = "0b7e5a7c-4a5e-4f7e-9d0a-2b2f5f6e7a11";

/* Every line ends CRLF and holds at most 78 characters. */
static void lines_ok(const char *m, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++)
        if (m[i] == '\n') {
            assert_true(i > 0 && m[i - 1] == '\r');
            assert_true(i - 1 - start <= 78);
            start = i + 1;
        }
    assert_int_equal(start, len);
}

/* The subject header's encoded words, decoded and joined. */
static void decoded_subject(const char *m, char *out)
{
    const char *p = strstr(m, "\r\nSubject: ");
    assert_non_null(p);
    const char *end = strstr(p + 2, "\r\nMessage-ID:");
    *out = 0;
    while ((p = strstr(p, "=?UTF-8?B?")) && p < end) {
        p += 10;
        const char *q = strstr(p, "?=");
        int len = (int)(q - p);
        unsigned char dec[64];
        assert_true(len <= 60);
        int n = EVP_DecodeBlock(dec, (const unsigned char *)p, len);
        assert_true(n >= 0);
        n -= (len >= 1 && p[len - 1] == '=') + (len >= 2 && p[len - 2] == '=');
        strncat(out, (const char *)dec, (size_t)n);
        p = q + 2;
    }
}

static void test_text_only(void **state)
{
    (void)state;
    nt_job_t j = { .id = ID, .tenant = ID, .channel = "email", .to = "li@example.com",
                   .subject = "Hello", .text = "plain body" };
    size_t len = 0;
    char *m = nt_mime_message(&j, "letters@hrflow.test", &len);
    assert_non_null(m);
    lines_ok(m, len);
    assert_non_null(strstr(m, "\r\nSubject: Hello\r\n"));
    assert_non_null(strstr(m, "\r\nMessage-ID: <0b7e5a7c-4a5e-4f7e-9d0a-2b2f5f6e7a11@hrflow.test>\r\n"));
    assert_non_null(strstr(m, "Content-Type: text/plain; charset=UTF-8\r\n"));
    assert_null(strstr(m, "multipart"));
    assert_non_null(strstr(m, "cGxhaW4gYm9keQ==\r\n"));
    free(m);
}

static void test_utf8_subject_is_cut_between_characters(void **state)
{
    (void)state;
    /* 40 three-byte characters: more than one encoded word */
    char subject[200] = "";
    for (int i = 0; i < 40; i++)
        strcat(subject, "面");
    nt_job_t j = { .id = ID, .tenant = ID, .channel = "email", .to = "li@example.com",
                   .subject = subject, .text = "x" };
    size_t len = 0;
    char *m = nt_mime_message(&j, "letters@hrflow.test", &len);
    assert_non_null(m);
    lines_ok(m, len);
    char got[400];
    decoded_subject(m, got);
    assert_string_equal(got, subject);
    free(m);
}

static void test_html_and_calendar_attachment(void **state)
{
    (void)state;
    static const unsigned char ics[] = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
    nt_job_t j = { .id = ID, .tenant = ID, .channel = "email", .to = "li@example.com",
                   .subject = "s", .text = "t", .html = "<p>t</p>", .attach = ics,
                   .attach_len = sizeof(ics) - 1, .attach_name = "面试.ics",
                   .attach_type = "text/calendar" };
    size_t len = 0;
    char *m = nt_mime_message(&j, "HR <letters@hrflow.test>", &len);
    assert_non_null(m);
    lines_ok(m, len);
    const char *mixed = strstr(m, "Content-Type: multipart/mixed;");
    const char *alt = strstr(m, "Content-Type: multipart/alternative;");
    const char *html = strstr(m, "Content-Type: text/html; charset=UTF-8");
    const char *cal = strstr(m, "Content-Type: text/calendar; method=REQUEST; charset=UTF-8;\r\n "
                                "name=\"=?UTF-8?B?");
    assert_true(mixed && alt && html && cal && mixed < alt && alt < html && html < cal);
    assert_non_null(strstr(cal, "Content-Disposition: attachment;\r\n filename=\"=?UTF-8?B?"));
    assert_non_null(strstr(cal, "QkVHSU46VkNBTEVOREFSDQpFTkQ6VkNBTEVOREFSDQo=\r\n"));
    assert_non_null(strstr(m, "@hrflow.test>\r\n"));
    assert_null(strstr(m, "@hrflow.test>>"));
    /* every boundary opened is closed */
    assert_non_null(strstr(m, "--=_hf_alt_0b7e5a7c--\r\n"));
    assert_non_null(strstr(m, "--=_hf_mixed_0b7e5a7c--\r\n"));
    free(m);
}

static void test_header_injection_is_text(void **state)
{
    (void)state;
    nt_job_t j = { .id = ID, .tenant = ID, .channel = "email", .to = "li@example.com",
                   .subject = "hi\r\nBcc: evil@example.com", .text = "x" };
    size_t len = 0;
    char *m = nt_mime_message(&j, "letters@hrflow.test", &len);
    assert_non_null(m);
    assert_null(strstr(m, "\r\nBcc:"));
    lines_ok(m, len);
    free(m);
}

static void test_addresses(void **state)
{
    (void)state;
    assert_null(nt_recipient_problem("email", "li.lei+tag@example.com"));
    assert_null(nt_recipient_problem("sms", "+8613800138000"));
    const char *bad_email[] = { "", "li", "li@", "@example.com", "Li@example.com",
                                "li lei@example.com", "li@example.com\r\nBcc: x@y.z",
                                "<li@example.com>", "li@@example.com", "li@example" };
    for (size_t i = 0; i < sizeof(bad_email) / sizeof(bad_email[0]); i++)
        assert_non_null(nt_recipient_problem("email", bad_email[i]));
    const char *bad_sms[] = { "", "13800138000", "+86 138 0013 8000", "+0123456789",
                              "+1234567", "+12345678901234567", "+86138001380a0" };
    for (size_t i = 0; i < sizeof(bad_sms) / sizeof(bad_sms[0]); i++)
        assert_non_null(nt_recipient_problem("sms", bad_sms[i]));
    assert_non_null(nt_recipient_problem("fax", "+8613800138000"));
    char out[64];
    nt_recipient_mask("email", "zhang.san@example.com", out, sizeof(out));
    assert_string_equal(out, "z***@example.com");
    nt_recipient_mask("sms", "+8613800138000", out, sizeof(out));
    assert_string_equal(out, "+861****8000");
}

static void test_quiet_hours_settings(void **state)
{
    (void)state;
    assert_int_equal(nt_quiet_minutes("21:00"), 1260);
    assert_int_equal(nt_quiet_minutes("08:00"), 480);
    assert_int_equal(nt_quiet_minutes("00:00"), 0);
    const char *bad[] = { "24:00", "8:00", "08:60", "0800", "08:00 ", "", "ab:cd" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(nt_quiet_minutes(bad[i]), -1);
    assert_int_equal(nt_quiet_minutes(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_only),
        cmocka_unit_test(test_utf8_subject_is_cut_between_characters),
        cmocka_unit_test(test_html_and_calendar_attachment),
        cmocka_unit_test(test_header_injection_is_text),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_quiet_hours_settings),
    };
    return cmocka_run_group_tests_name("notify-mime", tests, NULL, NULL);
}
