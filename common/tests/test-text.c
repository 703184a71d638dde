/* common/tests/test-text.c - the one check of text that people type (hf/text.h) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "hf/text.h"

static const hf_text_rule_t line = HF_TEXT_NAME;
static const hf_text_rule_t lines = { HF_TEXT_LINES, 1, 2000 };
static const hf_text_rule_t optional = { HF_TEXT_LINE, 0, 100 };

/* The code of s against rule, "" when it passes; the message goes to msg. */
static const char *code_msg(const char *s, size_t len, hf_text_rule_t rule, const char **msg)
{
    static hf_text_problem_t p;
    int rc = hf_text_check(s, len, rule, &p);
    *msg = rc == 0 ? "" : p.message;
    assert_true(rc == 0 || rc == -EINVAL);
    return rc == 0 ? "" : p.code;
}

static const char *code(const char *s, hf_text_rule_t rule)
{
    const char *msg;
    return code_msg(s, strlen(s), rule, &msg);
}

static const char *message(const char *s, hf_text_rule_t rule)
{
    const char *msg;
    code_msg(s, strlen(s), rule, &msg);
    return msg;
}

/* s with the UTF-8 of cp put where "%s" is in fmt. */
static const char *with(const char *fmt, uint32_t cp)
{
    static char buf[64];
    char u[5] = { 0 };
    if (cp < 0x80)
        u[0] = (char)cp;
    else if (cp < 0x800)
        u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F));
    else if (cp < 0x10000)
        u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | (cp >> 6 & 0x3F)),
        u[2] = (char)(0x80 | (cp & 0x3F));
    else
        u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | (cp >> 12 & 0x3F)),
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F));
    snprintf(buf, sizeof(buf), fmt, u);
    return buf;
}

/* Each of the n code points at cps is refused between two letters, in a line and in free text. */
static void refused_in_both(const uint32_t *cps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(code(with("a%sb", cps[i]), line), "bad_characters");
        assert_string_equal(code(with("a%sb", cps[i]), lines), "bad_characters");
        assert_string_equal(code(with("产品%s经理", cps[i]), lines), "bad_characters");
    }
}

#define REFUSED_IN_BOTH(a) refused_in_both(a, sizeof(a) / sizeof((a)[0]))

static void test_lengths_are_characters_not_bytes(void **state)
{
    (void)state;
    char s[1024] = "";
    for (int i = 0; i < 200; i++)
        strcat(s, "华"); /* 600 bytes, 200 characters */
    assert_string_equal(code(s, line), "");
    assert_int_equal(hf_text_chars(s, strlen(s)), 200);
    strcat(s, "华");
    assert_string_equal(code(s, line), "too_long");
    assert_string_equal(message(s, line), "1 to 200 characters");
    memset(s, 'a', 600);
    s[600] = '\0';
    assert_string_equal(code(s, line), "too_long");
    s[200] = '\0';
    assert_string_equal(code(s, line), "");
    /* a combining mark is a character of its own */
    assert_int_equal(hf_text_chars("e\xcc\x81", 3), 2);
    assert_string_equal(code("ab", (hf_text_rule_t){ HF_TEXT_LINE, 3, 10 }), "too_short");
    assert_string_equal(message("ab", (hf_text_rule_t){ HF_TEXT_LINE, 3, 10 }),
                        "3 to 10 characters");
    assert_string_equal(message("abc", (hf_text_rule_t){ HF_TEXT_LINE, 0, 2 }),
                        "at most 2 characters");
    /* a field whose limit is in bytes has none in characters */
    assert_string_equal(code(s, (hf_text_rule_t){ HF_TEXT_LINES, 0, HF_TEXT_UNLIMITED }), "");
    assert_string_equal(message("", (hf_text_rule_t){ HF_TEXT_LINES, 1, HF_TEXT_UNLIMITED }),
                        "at least 1 character");
}

static void test_required_needs_a_visible_character(void **state)
{
    (void)state;
    assert_string_equal(code("", line), "required");
    assert_string_equal(message("", line), "1 to 200 characters");
    assert_string_equal(code("", optional), "");
    static const char *const blank[] = {
        "   ", "\xe3\x80\x80",       /* U+3000 ideographic space */
        "\xc2\xa0",                  /* U+00A0 */
        "\xe2\x80\x83\xe2\x80\xaf",  /* U+2003, U+202F */
        "\xc2\xad",                  /* U+00AD soft hyphen */
        "\xe3\x85\xa4",              /* U+3164 Hangul filler */
        "\xe2\xa0\x80",              /* U+2800 braille blank */
        "\xef\xb8\x8f",              /* U+FE0F variation selector */
        "\xf3\xa0\x80\x81",          /* U+E0001 language tag */
    };
    for (size_t i = 0; i < sizeof(blank) / sizeof(blank[0]); i++) {
        assert_string_equal(code(blank[i], line), "required");
        assert_string_equal(code(blank[i], lines), "required");
    }
    assert_string_equal(message(" ", line), "1 to 200 characters, not all blank or invisible");
    /* zero-width characters are allowed in free text, but are not visible */
    assert_string_equal(code("\xe2\x80\x8b\n\xef\xbb\xbf", lines), "required");
    assert_string_equal(code(" 张三 ", line), ""); /* white space at the ends is kept */
}

static void test_invalid_utf8_is_bad_encoding(void **state)
{
    (void)state;
    assert_string_equal(code("ab\xff", line), "bad_encoding");
    assert_string_equal(message("ab\xff", line), "invalid UTF-8 at byte 2");
    assert_string_equal(code("\xed\xa0\x80", lines), "bad_encoding"); /* a surrogate */
    assert_string_equal(code("\xe5\x8d", lines), "bad_encoding");     /* cut short */
}

static void test_controls_are_refused_in_both_kinds(void **state)
{
    (void)state;
    static const uint32_t controls[] = { 0x01, 0x07, 0x1B, 0x1F, 0x7F, 0x80, 0x85, 0x9F };
    REFUSED_IN_BOTH(controls);
    assert_string_equal(message("ab\x1b", line),
                        "U+001B (control character) at character 3 is not allowed");
    const char *msg;
    assert_string_equal(code_msg("a\0b", 3, lines, &msg), "bad_characters"); /* NUL */
    assert_string_equal(msg, "U+0000 (control character) at character 2 is not allowed");
}

static void test_tab_and_line_breaks_only_in_free_text(void **state)
{
    (void)state;
    assert_string_equal(code("a\tb", line), "bad_characters");
    assert_string_equal(code("a\nb", line), "bad_characters");
    assert_string_equal(code("a\r\nb", line), "bad_characters");
    assert_string_equal(message("张\n三", line),
                        "U+000A (line break or tab in a one-line field) at character 2 is not "
                        "allowed");
    assert_string_equal(code("第一行\r\n第二行\tend\n", lines), "");
}

static void test_bidi_controls_are_refused_in_both_kinds(void **state)
{
    (void)state;
    static const uint32_t bidi[] = { 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066,
                                     0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C };
    REFUSED_IN_BOTH(bidi);
    assert_string_equal(message("abc\xe2\x80\xae" "fdp.exe", line),
                        "U+202E (bidi control) at character 4 is not allowed");
    assert_string_equal(message("\xe2\x81\xa6x", lines),
                        "U+2066 (bidi control) at character 1 is not allowed");
}

static void test_separators_format_and_noncharacters_are_refused(void **state)
{
    (void)state;
    static const uint32_t refused[] = { 0x2028, 0x2029, 0x2061, 0x2064, 0x206A, 0x206F, 0xFFF9,
                                        0xFFFB, 0x1BCA0, 0x1D173, 0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF,
                                        0x1FFFE, 0x10FFFF };
    REFUSED_IN_BOTH(refused);
    assert_string_equal(message("a\xe2\x80\xa8" "b", lines),
                        "U+2028 (line or paragraph separator) at character 2 is not allowed");
    assert_string_equal(message("a\xef\xb7\x90", lines),
                        "U+FDD0 (noncharacter) at character 2 is not allowed");
    /* neighbours of the refused ones pass: private use, U+FFFD, U+FFFC, U+2065 */
    static const uint32_t fine[] = { 0xE000, 0xFFFD, 0xFFFC, 0x2065, 0xFDCF, 0xFDF0, 0x1FFFD };
    for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
        assert_string_equal(code(with("a%sb", fine[i]), line), "");
}

static void test_zero_width_characters_are_refused_on_one_line(void **state)
{
    (void)state;
    static const uint32_t zw[] = { 0x200B, 0x2060, 0xFEFF };
    for (size_t i = 0; i < sizeof(zw) / sizeof(zw[0]); i++) {
        assert_string_equal(code(with("张%s三", zw[i]), line), "bad_characters");
        assert_string_equal(code(with("%s张三", zw[i]), line), "bad_characters");
        assert_string_equal(code(with("张三%s", zw[i]), lines), "");
    }
    assert_string_equal(message("张\xe2\x80\x8b三", line),
                        "U+200B (zero-width character) at character 2 is not allowed");
}

static void test_joiners_pass_only_between_two_characters_on_one_line(void **state)
{
    (void)state;
    /* Persian "mi-khaham" with a non-joiner; an emoji family; a heart on fire */
    assert_string_equal(code("\xd9\x85\xdb\x8c\xe2\x80\x8c\xd8\xae\xd9\x88\xd8\xa7\xd9\x87\xd9\x85",
                             line), "");
    assert_string_equal(code("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9", line), "");
    assert_string_equal(code("\xe2\x9d\xa4\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f\x94\xa5", line), "");
    static const char *const misplaced[] = {
        "\xe2\x80\x8d" "a", "a\xe2\x80\x8d", "a \xe2\x80\x8c" "b", "a\xe2\x80\x8d b",
        "a\xe2\x80\x8d\xe2\x80\x8d" "b", "a\xe2\x80\x8c\xe3\x80\x80", "\xe2\x80\x8d",
    };
    for (size_t i = 0; i < sizeof(misplaced) / sizeof(misplaced[0]); i++) {
        assert_string_equal(code(misplaced[i], line), "bad_characters");
        assert_string_equal(code(misplaced[i], (hf_text_rule_t){ HF_TEXT_LINES, 0, 10 }), "");
    }
    assert_string_equal(message("a\xe2\x80\x8d", line),
                        "U+200D (zero-width joiner) at character 2 is allowed only between two "
                        "visible characters");
}

static void test_strip_leaves_what_the_check_accepts(void **state)
{
    (void)state;
    char s[128];
    strcpy(s, "\xe2\x80\xae" "产品\x01经理\xe2\x81\xa6\n\xef\xbb\xbf");
    assert_string_equal(hf_text_strip(s, HF_TEXT_LINE), "产品经理");
    strcpy(s, "a\xe2\x80\xae" "b\r\n\xe2\x80\x8b" "c\xff");
    assert_string_equal(hf_text_strip(s, HF_TEXT_LINES), "ab\r\n\xe2\x80\x8b" "c");
    /* a joiner left at the edge by what was removed goes too; a good one stays */
    strcpy(s, "\x01\xe2\x80\x8d" "a\xe2\x80\x8d" "b\xe2\x80\x8b\xe2\x80\x8d");
    assert_string_equal(hf_text_strip(s, HF_TEXT_LINE), "a\xe2\x80\x8d" "b");
    assert_string_equal(code(s, line), "");
    strcpy(s, "");
    assert_string_equal(hf_text_strip(s, HF_TEXT_LINE), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lengths_are_characters_not_bytes),
        cmocka_unit_test(test_required_needs_a_visible_character),
        cmocka_unit_test(test_invalid_utf8_is_bad_encoding),
        cmocka_unit_test(test_controls_are_refused_in_both_kinds),
        cmocka_unit_test(test_tab_and_line_breaks_only_in_free_text),
        cmocka_unit_test(test_bidi_controls_are_refused_in_both_kinds),
        cmocka_unit_test(test_separators_format_and_noncharacters_are_refused),
        cmocka_unit_test(test_zero_width_characters_are_refused_on_one_line),
        cmocka_unit_test(test_joiners_pass_only_between_two_characters_on_one_line),
        cmocka_unit_test(test_strip_leaves_what_the_check_accepts),
    };
    return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
