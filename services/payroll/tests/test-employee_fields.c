/* services/payroll/tests/test-employee_fields.c - resident IDs, bank accounts and their masks */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../employee_fields.h"

static pr_field_err_t id(const char *type, const char *s, char out[PR_ID_NUMBER_MAX + 1])
{
    return pr_id_number_check(type, s, out);
}

static void a_resident_id_passes_with_its_check_character(void **state)
{
    (void)state;
    char out[PR_ID_NUMBER_MAX + 1];
    assert_int_equal(id("resident_id", "11010519491231002X", out), PR_FIELD_OK);
    assert_string_equal(out, "11010519491231002X");
    assert_int_equal(id("resident_id", "11010519491231002x", out), PR_FIELD_OK);
    assert_string_equal(out, "11010519491231002X"); /* one canonical form for the index */
    assert_int_equal(id("resident_id", "440524198001010013", out), PR_FIELD_OK);
    assert_int_equal(id("resident_id", "110101199003071233", out), PR_FIELD_OK);
    assert_int_equal(pr_resident_id_check_char("11010519491231002"), 'X');
}

static void a_resident_id_with_a_wrong_check_character_is_refused(void **state)
{
    (void)state;
    char out[PR_ID_NUMBER_MAX + 1];
    assert_int_equal(id("resident_id", "110101199003071234", out), PR_FIELD_CHECK_DIGIT);
    assert_string_equal(out, "");
    assert_int_equal(id("resident_id", "110105194912310021", out), PR_FIELD_CHECK_DIGIT);
}

static void a_resident_id_of_the_wrong_shape_names_why(void **state)
{
    (void)state;
    char out[PR_ID_NUMBER_MAX + 1];
    assert_int_equal(id("resident_id", "11010519491231002", out), PR_FIELD_LENGTH);
    assert_int_equal(id("resident_id", "11010519491231002XX", out), PR_FIELD_LENGTH);
    assert_int_equal(id("resident_id", "", out), PR_FIELD_LENGTH);
    assert_int_equal(id("resident_id", "1101051949123100A2", out), PR_FIELD_CHARACTERS);
    assert_int_equal(id("resident_id", "11010519491231002Y", out), PR_FIELD_CHARACTERS);
    /* 1990-02-30 and 1900-02-29 are no days; 2000-02-29 is */
    assert_int_equal(id("resident_id", "110101199002301233", out), PR_FIELD_BIRTH_DATE);
    assert_int_equal(id("resident_id", "110101190002291233", out), PR_FIELD_BIRTH_DATE);
    assert_int_equal(id("resident_id", "11010120000229123X", out), PR_FIELD_OK);
    assert_string_not_equal(pr_field_strerror(PR_FIELD_CHECK_DIGIT), "");
}

static void other_documents_take_letters_digits_and_dashes(void **state)
{
    (void)state;
    char out[PR_ID_NUMBER_MAX + 1];
    assert_int_equal(id("passport", "e12345678", out), PR_FIELD_OK);
    assert_string_equal(out, "E12345678");
    assert_int_equal(id("hk_macao_permit", "H1234-5678", out), PR_FIELD_OK);
    assert_int_equal(id("passport", "E 1234", out), PR_FIELD_CHARACTERS);
    assert_int_equal(id("passport", "", out), PR_FIELD_LENGTH);
    assert_int_equal(id("other", "123456789012345678901234567890123", out), PR_FIELD_LENGTH);
    assert_true(pr_id_type_known("taiwan_permit"));
    assert_false(pr_id_type_known("driving_licence"));
    assert_false(pr_id_type_known(NULL));
}

static void a_bank_account_is_ten_to_thirty_digits_spaces_dropped(void **state)
{
    (void)state;
    char out[PR_BANK_ACCOUNT_MAX + 1];
    assert_int_equal(pr_bank_account_check("6222 0212 3456 7890 128", out), PR_FIELD_OK);
    assert_string_equal(out, "6222021234567890128");
    assert_int_equal(pr_bank_account_check("6222-0212-3456-7890", out), PR_FIELD_OK);
    assert_string_equal(out, "6222021234567890");
    assert_int_equal(pr_bank_account_check("123456789", out), PR_FIELD_LENGTH);
    assert_string_equal(out, "");
    assert_int_equal(pr_bank_account_check("1234567890123456789012345678901", out),
                     PR_FIELD_LENGTH);
    assert_int_equal(pr_bank_account_check("62220212345678901a", out), PR_FIELD_CHARACTERS);
    assert_int_equal(pr_bank_account_check("", out), PR_FIELD_LENGTH);
}

static void reads_show_only_the_ends_of_an_id_number(void **state)
{
    (void)state;
    char out[PR_MASK_MAX];
    pr_mask_id_number("11010519491231002X", out);
    assert_string_equal(out, "1101**********002X");
    pr_mask_id_number("E12345678", out);
    assert_string_equal(out, "*******78");
    pr_mask_id_number("AB", out);
    assert_string_equal(out, "**");
    pr_mask_id_number("", out);
    assert_string_equal(out, "");
}

static void reads_show_only_the_last_four_digits_of_an_account(void **state)
{
    (void)state;
    char out[PR_MASK_MAX];
    pr_mask_bank_account("6222021234567890", out);
    assert_string_equal(out, "**** **** **** 7890");
    pr_mask_bank_account("6222021234567890128", out);
    assert_string_equal(out, "**** **** **** **** 0128");
    pr_mask_bank_account("1234567890", out);
    assert_string_equal(out, "**** **** 7890");
    pr_mask_bank_account("", out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_resident_id_passes_with_its_check_character),
        cmocka_unit_test(a_resident_id_with_a_wrong_check_character_is_refused),
        cmocka_unit_test(a_resident_id_of_the_wrong_shape_names_why),
        cmocka_unit_test(other_documents_take_letters_digits_and_dashes),
        cmocka_unit_test(a_bank_account_is_ten_to_thirty_digits_spaces_dropped),
        cmocka_unit_test(reads_show_only_the_ends_of_an_id_number),
        cmocka_unit_test(reads_show_only_the_last_four_digits_of_an_account),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
