/* services/identity/tests/test-rules.c - tokens and input rules, no servers
 *
 * token.c: the token's shape (the key's hex ends at the first '_', and at a
 * fixed position, even when the secret holds '_'), its digest and the strict
 * hex form the Redis key uses. rules.c: every field format with its error code, page tokens
 * that accept only what the service writes, update masks and new keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hf/encoding.h"
#include "rules.h"
#include "token.h"

/* ---- tokens ---- */

static void test_token_format_is_fixed_and_splits(void **state)
{
    (void)state;
    unsigned char key[TOKEN_KEY_RANDOM] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
    unsigned char secret[TOKEN_SECRET_RANDOM];
    memset(secret, 0xff, sizeof(secret)); /* base64url of 0xff… is all '_' */
    char key_id[TOKEN_KEY_ID_LEN + 1], token[TOKEN_LEN + 1], parsed[TOKEN_KEY_ID_LEN + 1];
    token_format(key, secret, key_id, token);
    assert_string_equal(key_id, "key_0123456789abcdef");
    assert_int_equal(strlen(token), 63);
    assert_memory_equal(token, "hf_0123456789abcdef_", 20);
    assert_int_equal(strspn(token + 20, "_"), 42); /* the last one holds 4 bits and 2 zeros */
    assert_int_equal(token[62], '8');
    assert_int_equal(token_parse(token, parsed), 0);
    assert_string_equal(parsed, key_id);
    /* splitting at the first '_' after "hf_", as a client may, finds the same key */
    assert_int_equal(strcspn(token + 3, "_"), 16);
}

static void test_token_new_is_random_and_parses(void **state)
{
    (void)state;
    char k1[TOKEN_KEY_ID_LEN + 1], t1[TOKEN_LEN + 1], k2[TOKEN_KEY_ID_LEN + 1], t2[TOKEN_LEN + 1];
    char parsed[TOKEN_KEY_ID_LEN + 1];
    assert_int_equal(token_new(k1, t1), 0);
    assert_int_equal(token_new(k2, t2), 0);
    assert_string_not_equal(t1, t2);
    assert_string_not_equal(k1, k2);
    assert_true(token_is_key_id(k1));
    assert_int_equal(token_parse(t1, parsed), 0);
    assert_string_equal(parsed, k1);
}

static void test_token_parse_refuses_other_shapes(void **state)
{
    (void)state;
    char ok[TOKEN_LEN + 1], bad[TOKEN_LEN + 2], key_id[TOKEN_KEY_ID_LEN + 1];
    unsigned char r[TOKEN_KEY_RANDOM + TOKEN_SECRET_RANDOM] = { 0 };
    token_format(r, r + TOKEN_KEY_RANDOM, key_id, ok);
    const struct { int at; char c; } edits[] = {
        { 0, 'H' },   /* prefix */
        { 2, '-' },   /* prefix separator */
        { 8, 'A' },   /* key hex must be lowercase */
        { 10, '_' },  /* no '_' inside the key hex */
        { 19, '-' },  /* separator after the key hex */
        { 40, '+' },  /* not base64url */
        { 40, '=' },  /* no padding */
        { TOKEN_LEN - 1, 'B' },  /* sets an unused bit of the secret's last character */
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        strcpy(bad, ok);
        bad[edits[i].at] = edits[i].c;
        assert_int_equal(token_parse(bad, key_id), -1);
    }
    strcpy(bad, ok);
    strcat(bad, "A"); /* one character too long */
    assert_int_equal(token_parse(bad, key_id), -1);
    assert_int_equal(token_parse("", key_id), -1);
    assert_int_equal(token_parse(NULL, key_id), -1);
    assert_false(token_is_key_id("key_0123456789abcde"));
    assert_false(token_is_key_id("KEY_0123456789abcdef"));
    assert_false(token_is_key_id("0123456789abcdef"));
    /* a key is named by its id or by the hex the token carries */
    assert_int_equal(token_key_id("0123456789abcdef", key_id), 0);
    assert_string_equal(key_id, "key_0123456789abcdef");
    assert_int_equal(token_key_id("key_0123456789abcdef", key_id), 0);
    assert_string_equal(key_id, "key_0123456789abcdef");
    assert_int_equal(token_key_id("key", key_id), -1);
    assert_int_equal(token_key_id("0123456789ABCDEF", key_id), -1);
    assert_int_equal(token_key_id(NULL, key_id), -1);
}

static void test_digest_hex_round_trip_and_compare(void **state)
{
    (void)state;
    unsigned char d[TOKEN_DIGEST_LEN], back[TOKEN_DIGEST_LEN];
    char hex[2 * TOKEN_DIGEST_LEN + 1];
    token_digest("abc", d);
    token_digest_hex(d, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(token_digest_parse(hex, back), 0);
    assert_true(token_digest_equal(d, back));
    back[31] ^= 1;
    assert_false(token_digest_equal(d, back));
    hex[0] = 'B'; /* one spelling only: it is also a Redis key */
    assert_int_equal(token_digest_parse(hex, back), -1);
    assert_int_equal(token_digest_parse("abcd", back), -1);
}

/* ---- field rules ---- */

static const char *code_of(int (*rule)(const char *, rule_error_t *), const char *s)
{
    rule_error_t e = { 0 };
    return rule(s, &e) == 0 ? "ok" : e.code;
}

static void test_slug_and_company_code(void **state)
{
    (void)state;
    assert_string_equal(code_of(rules_slug, "demo"), "ok");
    assert_string_equal(code_of(rules_slug, "hx-group-2"), "ok");
    assert_string_equal(code_of(rules_slug, "d"), "bad_format");
    assert_string_equal(code_of(rules_slug, "Demo"), "bad_format");
    assert_string_equal(code_of(rules_slug, ""), "required");
    assert_string_equal(code_of(rules_slug, "a234567890123456789012345678901234567890"), "ok");
    assert_string_equal(code_of(rules_slug, "a2345678901234567890123456789012345678901"),
                        "bad_format");
    assert_string_equal(code_of(rules_company_code, "HX-SH_01"), "ok");
    assert_string_equal(code_of(rules_company_code, "HX SH"), "bad_format");
    assert_string_equal(code_of(rules_company_code, NULL), "required");
    assert_string_equal(code_of(rules_company_code, "123456789012345678901234567890123"),
                        "bad_format");
}

static void test_names_count_characters(void **state)
{
    (void)state;
    char name[1024] = "";
    for (int i = 0; i < 200; i++)
        strcat(name, "华"); /* 3 bytes each: 600 bytes, 200 characters */
    assert_string_equal(code_of(rules_name, name), "ok");
    strcat(name, "x");
    assert_string_equal(code_of(rules_name, name), "too_long");
    assert_string_equal(code_of(rules_name, "  "), "required");
    assert_string_equal(code_of(rules_name, "\xe3\x80\x80"), "required");   /* U+3000 only */
    assert_string_equal(code_of(rules_name, "a\tb"), "bad_characters");
    assert_string_equal(code_of(rules_name, "\xe5\x8d"), "bad_encoding");   /* cut UTF-8 */
    assert_string_equal(code_of(rules_name, "\xc0\xaf"), "bad_encoding");   /* overlong */
    assert_string_equal(code_of(rules_name, "\xed\xa0\x80"), "bad_encoding"); /* surrogate */
    assert_string_equal(code_of(rules_name, "a\xc2\x85" "b"), "bad_characters"); /* C1 control */
    assert_string_equal(code_of(rules_name, "a\x7f"), "bad_characters");        /* DEL */
    assert_string_equal(code_of(rules_name, "华星\xe2\x80\xae" "团集"), "bad_characters"); /* RLO */
    assert_string_equal(code_of(rules_city, "上\xe2\x80\x8b海"), "bad_characters"); /* ZWSP */
    assert_string_equal(code_of(rules_key_name, "ATS\xe2\x81\xa6 sync"), "bad_characters");
    assert_string_equal(code_of(rules_key_name, ""), "ok");
    assert_string_equal(code_of(rules_city, "上海"), "ok");
}

static void test_credit_code(void **state)
{
    (void)state;
    assert_string_equal(code_of(rules_credit_code, ""), "ok");
    assert_string_equal(code_of(rules_credit_code, "91310000MA1FL8XQ30"), "ok");
    assert_string_equal(code_of(rules_credit_code, "91310000MA1FL8XQ3"), "bad_format");
    assert_string_equal(code_of(rules_credit_code, "91310000MA1FL8XQ3I"), "bad_format"); /* no I */
    assert_string_equal(code_of(rules_credit_code, "91310000ma1fl8xq30"), "bad_format");
}

static void test_scopes(void **state)
{
    (void)state;
    assert_true(rules_scope_known("admin"));
    assert_true(rules_scope_known("integrator"));
    assert_false(rules_scope_known("Admin"));
    assert_false(rules_scope_known(""));
    assert_true(rules_scope_known("pii"));
}

/* ---- whole requests ---- */

typedef struct {
    int n;
    char fields[8][48], codes[8][32];
} seen_t;

static void collect(void *ctx, const char *field, const char *code, const char *message)
{
    seen_t *s = ctx;
    assert_non_null(message);
    assert_true(s->n < 8);
    snprintf(s->fields[s->n], sizeof(s->fields[0]), "%s", field);
    snprintf(s->codes[s->n], sizeof(s->codes[0]), "%s", code);
    s->n++;
}

static void test_company_reports_every_field_path(void **state)
{
    (void)state;
    Hrflow__V1__Company c = HRFLOW__V1__COMPANY__INIT;
    c.code = "bad code";
    c.name = "";
    c.credit_code = "123";
    seen_t s = { 0 };
    assert_int_equal(rules_check_company(&c, COMPANY_ALL, "company", collect, &s), 3);
    assert_string_equal(s.fields[0], "company.code");
    assert_string_equal(s.fields[1], "company.name");
    assert_string_equal(s.codes[1], "required");
    assert_string_equal(s.fields[2], "company.credit_code");
    /* only the fields named are checked */
    s.n = 0;
    assert_int_equal(rules_check_company(&c, COMPANY_CITY, "company", collect, &s), 0);
}

static void test_update_masks(void **state)
{
    (void)state;
    char *mask[] = { "name", "creditCode", "tenant_id", "salary" };
    unsigned fields = 0;
    seen_t s = { 0 };
    assert_int_equal(rules_company_mask(mask, 4, &fields, collect, &s), 2);
    assert_int_equal(fields, COMPANY_NAME | COMPANY_CREDIT_CODE);
    assert_string_equal(s.fields[0], "update_mask[2]");
    assert_string_equal(s.codes[0], "immutable");
    assert_string_equal(s.fields[1], "update_mask[3]");
    assert_string_equal(s.codes[1], "unknown_field");
    s.n = 0;
    assert_int_equal(rules_tenant_mask(mask, 1, &fields, collect, &s), 0);
    assert_int_equal(fields, TENANT_NAME);
    assert_int_equal(rules_tenant_mask(NULL, 0, &fields, collect, &s), 0);
    assert_int_equal(fields, 0);
}

static void test_new_key(void **state)
{
    (void)state;
    char *scopes[] = { "admin", "root", "admin" };
    char *companies[] = { "0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d", "HX-SH",
                          "0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d" };
    seen_t s = { 0 };
    assert_int_equal(rules_check_key("ATS sync", scopes, 3, companies, 3, collect, &s), 4);
    assert_string_equal(s.fields[0], "scopes[1]");
    assert_string_equal(s.codes[0], "unknown_scope");
    assert_string_equal(s.fields[1], "scopes[2]");
    assert_string_equal(s.codes[1], "duplicate");
    assert_string_equal(s.fields[2], "company_ids[1]");
    assert_string_equal(s.fields[3], "company_ids[2]");
    s.n = 0;
    assert_int_equal(rules_check_key("", NULL, 0, NULL, 0, collect, &s), 1);
    assert_string_equal(s.fields[0], "scopes");
    s.n = 0;
    assert_int_equal(rules_check_key("", scopes, 1, companies, 1, collect, &s), 0);
    /* pii widens a payroll (or admin) key: alone it is refused */
    char *pii[] = { "pii", "recruiter" }, *payroll_pii[] = { "payroll", "pii" };
    s.n = 0;
    assert_int_equal(rules_check_key("", pii, 2, NULL, 0, collect, &s), 1);
    assert_string_equal(s.codes[0], "pii_without_payroll");
    assert_int_equal(rules_check_key("", payroll_pii, 2, NULL, 0, collect, &s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_format_is_fixed_and_splits),
        cmocka_unit_test(test_token_new_is_random_and_parses),
        cmocka_unit_test(test_token_parse_refuses_other_shapes),
        cmocka_unit_test(test_digest_hex_round_trip_and_compare),
        cmocka_unit_test(test_slug_and_company_code),
        cmocka_unit_test(test_names_count_characters),
        cmocka_unit_test(test_credit_code),
        cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_company_reports_every_field_path),
        cmocka_unit_test(test_update_masks),
        cmocka_unit_test(test_new_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
