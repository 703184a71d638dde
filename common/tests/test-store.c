/* common/tests/test-store.c - the one store shape: result codes, page tokens, the caller's walls
 *
 * Pure parts of hf/store.h; the page query itself runs against PostgreSQL in
 * tests/integration/test-db.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hf/store.h"

static void test_every_code_has_a_name_and_a_text(void **state)
{
    (void)state;
    static const int codes[] = { HF_ENOTFOUND, HF_EEXISTS, HF_ECONFLICT, HF_EDB, HF_ENOMEM };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        assert_true(codes[i] < 0);
        assert_string_not_equal(hf_err_name(codes[i]), "unknown");
        assert_string_not_equal(hf_strerror(codes[i]), "unknown error");
        for (size_t k = 0; k < i; k++)
            assert_int_not_equal(codes[i], codes[k]);
    }
    assert_string_equal(hf_err_name(HF_ENOTFOUND), "HF_ENOTFOUND");
    assert_string_equal(hf_strerror(HF_ECONFLICT), "changed by someone else");
    assert_string_equal(hf_err_name(HF_OK), "HF_OK");
    assert_string_equal(hf_err_name(-999), "unknown");
    assert_string_equal(hf_strerror(7), "unknown error");
}

static int key_id(const char *s)
{
    return strncmp(s, "key_", 4) == 0 && strlen(s) == 20;
}

static void test_page_tokens_round_trip(void **state)
{
    (void)state;
    char buf[HF_PAGE_TOKEN_MAX], id[HF_PAGE_TOKEN_MAX];
    int64_t us = 0;
    hf_page_format(1767225600123456, "0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d", buf);
    assert_string_equal(buf, "1767225600123456.0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d");
    assert_int_equal(hf_page_parse(buf, NULL, &us, id), 0);
    assert_true(us == 1767225600123456);
    assert_string_equal(id, "0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d");
    /* a list whose ids are not UUIDs names its own check */
    hf_page_format(5, "key_0123456789abcdef", buf);
    assert_int_equal(hf_page_parse(buf, key_id, &us, id), 0);
    assert_int_equal(hf_page_parse(buf, NULL, &us, id), -1);
}

static void test_page_tokens_refuse_what_was_never_written(void **state)
{
    (void)state;
    char id[HF_PAGE_TOKEN_MAX];
    int64_t us = 0;
    const char *garbage[] = {
        "", "garbage", ".0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d",
        "01.0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d",       /* leading zero */
        "-1.0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d",
        "+1.0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d",
        "12.key_0123456789abcdef",                        /* an id of another list */
        "12.0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d'; --",
        "1234567890123456789.0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d", /* beyond int64 */
        "0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d",            /* an id alone: the old tokens */
    };
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
        assert_int_equal(hf_page_parse(garbage[i], NULL, &us, id), -1);
    char longer[300];
    memset(longer, '1', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    assert_int_equal(hf_page_parse(longer, NULL, &us, id), -1);
    assert_int_equal(hf_page_parse(NULL, NULL, &us, id), -1);
}

static void test_company_wall_and_scopes(void **state)
{
    (void)state;
    hf_arena_t *arena = hf_arena_new(0);
    hf_store_t st;
    hf_store_init(&st, NULL, arena, "00000000-0000-0000-0000-000000000001", NULL);
    /* no companies named: the whole group */
    assert_true(hf_store_sees_company(&st, "0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d"));
    char *mine[] = { "0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d" };
    st.companies = mine;
    st.n_companies = 1;
    assert_true(hf_store_sees_company(&st, mine[0]));
    assert_false(hf_store_sees_company(&st, "1b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d"));
    assert_false(hf_store_sees_company(&st, ""));
    assert_false(hf_store_sees_company(&st, NULL));
    st.scopes = HF_SCOPE_RECRUITER;
    assert_true(hf_store_may(&st, HF_SCOPE_RECRUITER));
    assert_false(hf_store_may(&st, HF_SCOPE_PAYROLL));
    assert_false(hf_store_may(&st, HF_SCOPE_ADMIN));
    st.scopes = HF_SCOPE_ADMIN; /* admin holds every scope */
    assert_true(hf_store_may(&st, HF_SCOPE_PAYROLL));
    assert_true(hf_store_may(&st, HF_SCOPE_INTEGRATOR));
    st.scopes = 0;
    assert_false(hf_store_may(&st, HF_SCOPE_INTEGRATOR));
    hf_arena_destroy(&arena);
}

static void test_arena_helpers(void **state)
{
    (void)state;
    hf_arena_t *arena = hf_arena_new(0);
    hf_store_t st;
    hf_store_init(&st, NULL, arena, NULL, NULL);
    unsigned char *z = hf_store_alloc(&st, 64);
    assert_non_null(z);
    for (int i = 0; i < 64; i++)
        assert_int_equal(z[i], 0);
    assert_string_equal(hf_store_strdup(&st, NULL), "");
    const char *items[] = { "a\"b", NULL };
    assert_string_equal(hf_store_array(&st, items, 2), "{\"a\\\"b\",NULL}");
    assert_string_equal(hf_store_array(&st, items, 0), "{}");
    hf_arena_destroy(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_a_name_and_a_text),
        cmocka_unit_test(test_page_tokens_round_trip),
        cmocka_unit_test(test_page_tokens_refuse_what_was_never_written),
        cmocka_unit_test(test_company_wall_and_scopes),
        cmocka_unit_test(test_arena_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
