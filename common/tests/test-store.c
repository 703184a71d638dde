/* common/tests/test-store.c - the store shape: result codes, sealed page tokens, the caller's walls
 *
 * Pure parts of hf/store.h; the page query itself runs against PostgreSQL in
 * tests/integration/test-db.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf/encoding.h"
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

/* Test keys only: 64 hex digits each. */
#define K1 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define K2 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define KH "f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff"

#define TENANT "7d4c1f9e-0000-4000-8000-000000000001"
#define LIST "pipeline.ListJobs"
#define ID "0b0e7f3c-52b4-4a4e-9c1e-2f4d6a8b0c1d"
#define US INT64_C(1767225600123456)

static int key_id(const char *s)
{
    return strncmp(s, "key_", 4) == 0 && strlen(s) == 20;
}

static hf_keyring_t *keyring(const char *spec)
{
    hf_keyring_t *k = hf_keyring_new(spec, NULL, 0);
    assert_non_null(k);
    return k;
}

static hf_keyring_t *ring; /* k1 and hmac, for the group */

static int ring_setup(void **state)
{
    (void)state;
    ring = hf_keyring_new("k1:" K1 ",hmac:" KH, NULL, 0);
    return ring ? 0 : -1;
}

static int ring_teardown(void **state)
{
    (void)state;
    hf_keyring_destroy(&ring);
    return 0;
}

/* The token of the cursor (US, ID) of TENANT's LIST under ring. */
static void sealed(char tok[HF_PAGE_TOKEN_MAX])
{
    assert_int_equal(hf_page_seal(ring, TENANT, LIST, US, ID, tok), 0);
}

/* 0 when token opens for tenant and list under k as a UUID cursor. */
static int opens(const hf_keyring_t *k, const char *tenant, const char *list, const char *token)
{
    int64_t us = 0;
    char id[HF_PAGE_ID_MAX];
    return hf_page_unseal(k, tenant, list, token, NULL, &us, id);
}

static void test_page_tokens_round_trip(void **state)
{
    (void)state;
    char tok[HF_PAGE_TOKEN_MAX], again[HF_PAGE_TOKEN_MAX], id[HF_PAGE_ID_MAX];
    int64_t us = 0;
    sealed(tok);
    assert_int_equal(hf_page_unseal(ring, TENANT, LIST, tok, NULL, &us, id), 0);
    assert_true(us == US);
    assert_string_equal(id, ID);
    /* times before 1970 and the extremes survive */
    const int64_t times[] = { -1, INT64_MIN, INT64_MAX, 0 };
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        assert_int_equal(hf_page_seal(ring, TENANT, LIST, times[i], ID, tok), 0);
        assert_int_equal(hf_page_unseal(ring, TENANT, LIST, tok, NULL, &us, id), 0);
        assert_true(us == times[i]);
    }
    /* a list whose ids are not UUIDs names its own check */
    const char *keys = "identity.ListApiKeys";
    assert_int_equal(hf_page_seal(ring, TENANT, keys, 5, "key_0123456789abcdef", tok), 0);
    assert_int_equal(hf_page_unseal(ring, TENANT, keys, tok, key_id, &us, id), 0);
    assert_string_equal(id, "key_0123456789abcdef");
    assert_int_equal(opens(ring, TENANT, keys, tok), -1);
    /* the longest id fits; a longer one, or none, makes no token */
    char longest[HF_PAGE_ID_MAX + 1];
    memset(longest, 'a', sizeof(longest));
    longest[HF_PAGE_ID_MAX - 1] = '\0';
    assert_int_equal(hf_page_seal(ring, TENANT, LIST, US, longest, tok), 0);
    assert_true(strlen(tok) < HF_PAGE_TOKEN_MAX);
    longest[HF_PAGE_ID_MAX - 1] = 'a';
    longest[HF_PAGE_ID_MAX] = '\0';
    assert_int_equal(hf_page_seal(ring, TENANT, LIST, US, longest, tok), -1);
    assert_string_equal(tok, "");
    assert_int_equal(hf_page_seal(ring, TENANT, LIST, US, "", tok), -1);
    /* the same cursor twice: two tokens (random nonces), both open */
    sealed(tok);
    sealed(again);
    assert_string_not_equal(tok, again);
    assert_int_equal(opens(ring, TENANT, LIST, again), 0);
}

static void test_page_tokens_show_nothing(void **state)
{
    (void)state;
    char tok[HF_PAGE_TOKEN_MAX];
    sealed(tok);
    /* "k1." then base64url: neither the id nor the time, in text or in bytes */
    assert_memory_equal(tok, "k1.", 3);
    assert_null(strstr(tok, ID));
    assert_null(strstr(tok, "1767225600123456"));
    unsigned char raw[HF_PAGE_TOKEN_MAX];
    size_t n = 0;
    assert_int_equal(hf_base64url_decode(tok + 3, strlen(tok + 3), raw, sizeof(raw), &n), 0);
    unsigned char be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (unsigned char)((uint64_t)US >> (56 - 8 * i));
    for (size_t i = 0; i + sizeof(be) <= n; i++)
        assert_true(memcmp(raw + i, be, sizeof(be)) != 0);
    for (size_t i = 0; i + 8 <= n; i++)
        assert_true(memcmp(raw + i, ID, 8) != 0);
}

static void test_page_tokens_refuse_every_change(void **state)
{
    (void)state;
    char tok[HF_PAGE_TOKEN_MAX];
    sealed(tok);
    /* every one-character change, including those that only touch the
     * unused low bits of the last base64url character */
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
    size_t n = strlen(tok);
    for (size_t i = 0; i < n; i++) {
        char saved = tok[i];
        for (const char *a = alphabet; *a; a++) {
            if (*a == saved)
                continue;
            tok[i] = *a;
            assert_int_equal(opens(ring, TENANT, LIST, tok), -1);
        }
        tok[i] = saved;
    }
    /* every truncation, and one character more */
    char cut[HF_PAGE_TOKEN_MAX + 1];
    for (size_t i = 0; i < n; i++) {
        memcpy(cut, tok, i);
        cut[i] = '\0';
        assert_int_equal(opens(ring, TENANT, LIST, cut), -1);
    }
    snprintf(cut, sizeof(cut), "%sA", tok);
    assert_int_equal(opens(ring, TENANT, LIST, cut), -1);
    assert_int_equal(opens(ring, TENANT, LIST, tok), 0);
    const char *garbage[] = {
        "", ".", "k1.", "k1", "garbage", "K1.AAAA", "k1..AAAA", "hmac.AAAAAAAA",
        "1767225600123456." ID,                      /* the tokens of before */
        ID,                                           /* and those before them */
        "k1.\xff\xfe", "k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    };
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
        assert_int_equal(opens(ring, TENANT, LIST, garbage[i]), -1);
    assert_int_equal(opens(ring, TENANT, LIST, NULL), -1);
    char longer[1000];
    memset(longer, 'A', sizeof(longer) - 1);
    memcpy(longer, "k1.", 3);
    longer[sizeof(longer) - 1] = '\0';
    assert_int_equal(opens(ring, TENANT, LIST, longer), -1);
}

static void test_page_tokens_open_only_where_they_were_made(void **state)
{
    (void)state;
    char tok[HF_PAGE_TOKEN_MAX];
    sealed(tok);
    assert_int_equal(opens(ring, "7d4c1f9e-0000-4000-8000-000000000002", LIST, tok), -1);
    assert_int_equal(opens(ring, TENANT, "pipeline.ListApplications", tok), -1);
    assert_int_equal(opens(ring, TENANT, "", tok), -1);
    /* a value sealed for another purpose under the same key and AAD */
    const char aad[] = TENANT "\n" LIST;
    unsigned char cursor[8 + sizeof(ID) - 1] = { 0 };
    memcpy(cursor + 8, ID, sizeof(ID) - 1);
    assert_int_equal(hf_seal(ring, "page-token", cursor, sizeof(cursor), aad, tok, sizeof(tok)), 0);
    assert_int_equal(opens(ring, TENANT, LIST, tok), 0); /* the format, as documented */
    assert_int_equal(hf_seal(ring, "other", cursor, sizeof(cursor), aad, tok, sizeof(tok)), 0);
    assert_int_equal(opens(ring, TENANT, LIST, tok), -1);
}

/* What a key opened is still checked: a cursor hf_page_seal would not have
 * written (an old format, a bug) is refused, not used. */
static void test_page_tokens_check_what_they_hold(void **state)
{
    (void)state;
    const char aad[] = TENANT "\n" LIST;
    char tok[HF_PAGE_TOKEN_MAX];
    static const struct {
        const char *bytes;
        size_t len;
    } bad[] = {
        { "", 0 },
        { "\0\0\0\0\0\0\0\1", 8 },                                      /* no id */
        { "\0\0\0\0\0\0\0\1" "not-a-uuid", 18 },
        { "\0\0\0\0\0\0\0\1" ID "\0", 8 + 37 },                        /* a NUL */
        { "\0\0\0\0\0\0\0\1" "0B0E7F3C-52B4-4A4E-9C1E-2F4D6A8B0C1D", 44 }, /* upper case */
        { "1767225600123456." ID, 17 + 36 },                                /* the text of before */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = hf_seal(ring, "page-token", bad[i].bytes, bad[i].len, aad, tok, sizeof(tok));
        assert_int_equal(rc, 0);
        assert_int_equal(opens(ring, TENANT, LIST, tok), -1);
    }
}

static void test_page_tokens_survive_key_rotation(void **state)
{
    (void)state;
    const hf_keyring_t *old = ring; /* k1 */
    hf_keyring_t *rotated = keyring("k2:" K2 ",k1:" K1 ",hmac:" KH);
    hf_keyring_t *dropped = keyring("k2:" K2 ",hmac:" KH);
    hf_keyring_t *same_id = keyring("k1:" K2 ",hmac:" KH);
    char tok[HF_PAGE_TOKEN_MAX];
    assert_int_equal(hf_page_seal(old, TENANT, LIST, US, ID, tok), 0);
    assert_int_equal(opens(rotated, TENANT, LIST, tok), 0);  /* the old key still opens */
    assert_int_equal(opens(dropped, TENANT, LIST, tok), -1); /* until it is dropped */
    assert_int_equal(opens(same_id, TENANT, LIST, tok), -1); /* another key named k1 */
    assert_int_equal(hf_page_seal(rotated, TENANT, LIST, US, ID, tok), 0);
    assert_memory_equal(tok, "k2.", 3); /* new tokens: the current key */
    assert_int_equal(opens(dropped, TENANT, LIST, tok), 0);
    assert_int_equal(opens(old, TENANT, LIST, tok), -1);
    /* another key id in front picks another key: it opens nothing */
    tok[1] = '1';
    assert_int_equal(opens(rotated, TENANT, LIST, tok), -1);
    hf_keyring_destroy(&rotated);
    hf_keyring_destroy(&dropped);
    hf_keyring_destroy(&same_id);
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

/* A file's part opens for its tenant, import and place only, and shows nothing. */
static void test_file_parts_open_only_in_their_place(void **state)
{
    (void)state;
    hf_arena_t *arena = hf_arena_new(0);
    hf_store_t st, other;
    hf_store_init(&st, NULL, arena, TENANT, ring);
    hf_store_init(&other, NULL, arena, "00000000-0000-4000-8000-0000000000bb", ring);
    const char *imp = "7a1c3e5b-9d2f-4a6c-8e0b-1d3f5a7c9e21", *data = "工号,姓名\nE1,孙小美\n";
    char *token = hf_store_seal_part(&st, imp, 3, data, strlen(data));
    assert_non_null(token);
    /* the row shows through nowhere: "E1," and the name cannot be spelt by the
     * token's base64 alphabet, so only the plaintext could hold them ("E1"
     * alone turns up in about one random token in forty) */
    assert_null(strstr(token, "E1,"));
    assert_null(strstr(token, "孙小美"));
    char *plain = NULL;
    size_t len = 0;
    assert_int_equal(hf_store_open_part(&st, imp, 3, token, &plain, &len), HF_OK);
    assert_int_equal(len, strlen(data));
    assert_memory_equal(plain, data, len);
    free(plain);
    assert_int_equal(hf_store_open_part(&st, imp, 2, token, &plain, &len), HF_ENOTFOUND);
    assert_int_equal(hf_store_open_part(&st, ID, 3, token, &plain, &len), HF_ENOTFOUND);
    assert_int_equal(hf_store_open_part(&other, imp, 3, token, &plain, &len), HF_ENOTFOUND);
    assert_null(plain);
    hf_arena_destroy(&arena);
}

/* A field of COPY text: the four characters COPY reads specially escaped,
 * everything else (UTF-8 included) as it is, NULL as \N. */
static void test_copy_fields_are_escaped(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    hf_store_copy_field(f, "研发\t部\\a\nb\rc");
    fputc('|', f);
    hf_store_copy_field(f, NULL);
    fputc('|', f);
    hf_store_copy_field(f, "");
    fclose(f);
    assert_string_equal(buf, "研发\\t部\\\\a\\nb\\rc|\\N|");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_a_name_and_a_text),
        cmocka_unit_test(test_page_tokens_round_trip),
        cmocka_unit_test(test_page_tokens_show_nothing),
        cmocka_unit_test(test_page_tokens_refuse_every_change),
        cmocka_unit_test(test_page_tokens_open_only_where_they_were_made),
        cmocka_unit_test(test_page_tokens_check_what_they_hold),
        cmocka_unit_test(test_page_tokens_survive_key_rotation),
        cmocka_unit_test(test_company_wall_and_scopes),
        cmocka_unit_test(test_arena_helpers),
        cmocka_unit_test(test_file_parts_open_only_in_their_place),
        cmocka_unit_test(test_copy_fields_are_escaped),
    };
    return cmocka_run_group_tests(tests, ring_setup, ring_teardown);
}
