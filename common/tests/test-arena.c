/* common/tests/test-arena.c - the per-request allocator */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include "hf/arena.h"
#include "hrflow/v1/health.pb-c.h"

static void test_alloc_aligned_and_distinct(void **state)
{
    (void)state;
    hf_arena_t *a = hf_arena_new(64);
    char *p = hf_arena_alloc(a, 3), *q = hf_arena_alloc(a, 5);
    assert_non_null(p);
    assert_non_null(q);
    assert_true(q >= p + 3);
    assert_int_equal((uintptr_t)q % _Alignof(max_align_t), 0);
    memset(p, 1, 3);
    memset(q, 2, 5);
    assert_int_equal(p[2], 1);
    hf_arena_destroy(&a);
    assert_null(a);
    hf_arena_destroy(&a); /* twice is harmless */
}

static void test_grows_beyond_chunk(void **state)
{
    (void)state;
    hf_arena_t *a = hf_arena_new(128);
    char *big = hf_arena_alloc(a, 10000); /* larger than a chunk */
    assert_non_null(big);
    memset(big, 'x', 10000);
    for (int i = 0; i < 1000; i++)
        assert_non_null(hf_arena_alloc(a, 100));
    assert_true(hf_arena_used(a) >= 10000 + 1000 * 100);
    assert_int_equal(big[9999], 'x');
    hf_arena_reset(a);
    assert_int_equal(hf_arena_used(a), 0);
    assert_non_null(hf_arena_alloc(a, 50));
    hf_arena_destroy(&a);
}

static void test_strings(void **state)
{
    (void)state;
    hf_arena_t *a = hf_arena_new(0);
    assert_string_equal(hf_arena_strdup(a, "招聘 hiring"), "招聘 hiring");
    assert_string_equal(hf_arena_strndup(a, "abcdef", 3), "abc");
    assert_string_equal(hf_arena_printf(a, "%s-%d", "job", 42), "job-42");
    hf_arena_destroy(&a);
}

static void test_protobuf_allocator(void **state)
{
    (void)state;
    Hrflow__V1__HealthResponse h = HRFLOW__V1__HEALTH_RESPONSE__INIT;
    h.service = "pipeline";
    h.ok = 1;
    uint8_t buf[64];
    size_t n = hrflow__v1__health_response__pack(&h, buf);
    hf_arena_t *a = hf_arena_new(0);
    ProtobufCAllocator al = hf_arena_allocator(a);
    Hrflow__V1__HealthResponse *u = hrflow__v1__health_response__unpack(&al, n, buf);
    assert_non_null(u);
    assert_string_equal(u->service, "pipeline");
    assert_true(hf_arena_used(a) > 0);
    /* no free needed: the arena owns it */
    hf_arena_destroy(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_aligned_and_distinct),
        cmocka_unit_test(test_grows_beyond_chunk),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_protobuf_allocator),
    };
    return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
