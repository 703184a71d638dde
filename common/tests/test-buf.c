/* common/tests/test-buf.c - the growing byte buffer (hf/buf.h) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include "hf/buf.h"

static void test_appends_and_terminates(void **state)
{
    (void)state;
    hf_buf_t b = { 0 };
    hf_buf_put(&b, "ab\0c", 4); /* bytes, NUL included */
    hf_buf_puts(&b, "de");
    hf_buf_putc(&b, 'f');
    assert_int_equal(b.len, 7);
    assert_int_equal(b.p[7], '\0');
    assert_memory_equal(b.p, "ab\0cdef", 8);
    size_t len = 0;
    char *s = hf_buf_take(&b, &len);
    assert_int_equal(len, 7);
    assert_memory_equal(s, "ab\0cdef", 8);
    assert_null(b.p); /* empty again */
    assert_int_equal(b.len, 0);
    free(s);
}

static void test_grows_past_many_doublings(void **state)
{
    (void)state;
    hf_buf_t b = { 0 };
    char chunk[1000];
    memset(chunk, 'x', sizeof(chunk));
    for (int i = 0; i < 300; i++)
        hf_buf_put(&b, chunk, sizeof(chunk));
    hf_buf_put(&b, "y", 1);
    assert_int_equal(b.len, 300001);
    assert_int_equal(b.p[299999], 'x');
    assert_int_equal(b.p[300000], 'y');
    assert_true(b.cap > b.len);
    free(hf_buf_take(&b, NULL));
}

static void test_empty_is_empty_text(void **state)
{
    (void)state;
    hf_buf_t b = { 0 };
    hf_buf_put(&b, "", 0);
    size_t len = 9;
    char *s = hf_buf_take(&b, &len);
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);
}

static void test_failed_gives_nothing(void **state)
{
    (void)state;
    hf_buf_t b = { 0 };
    hf_buf_puts(&b, "kept until it failed");
    b.failed = 1; /* as a put that could not grow it leaves it */
    hf_buf_puts(&b, " more");
    assert_int_equal(b.len, 20);
    size_t len = 5;
    assert_null(hf_buf_take(&b, &len)); /* freed: ASan and valgrind see no leak */
    assert_int_equal(len, 5);
    assert_int_equal(b.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends_and_terminates),
        cmocka_unit_test(test_grows_past_many_doublings),
        cmocka_unit_test(test_empty_is_empty_text),
        cmocka_unit_test(test_failed_gives_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
