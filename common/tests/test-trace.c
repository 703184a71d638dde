/* common/tests/test-trace.c - W3C traceparent: what is valid, and each hop its own span */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hf/bus.h"
#include "hf/trace.h"

#define TRACE "0af7651916cd43dd8448eb211c80319c"
#define SPAN "b7ad6b7169203331"

static void test_a_valid_traceparent_parses(void **state)
{
    (void)state;
    hf_traceparent_t tp;
    assert_int_equal(hf_traceparent_parse("00-" TRACE "-" SPAN "-01", &tp), 0);
    assert_string_equal(tp.trace_id, TRACE);
    assert_string_equal(tp.span_id, SPAN);
    assert_int_equal(tp.flags, 1);
    assert_int_equal(hf_traceparent_parse("00-" TRACE "-" SPAN "-00", &tp), 0);
    assert_int_equal(tp.flags, 0);
    /* a later version may append fields; its first four are read */
    assert_int_equal(hf_traceparent_parse("01-" TRACE "-" SPAN "-09-what-comes", &tp), 0);
    assert_int_equal(tp.flags, 9);
    assert_int_equal(hf_traceparent_parse("00-" TRACE "-" SPAN "-01", NULL), 0);
}

static void test_a_malformed_traceparent_is_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "00-abc-def-01",
        "00-" TRACE "-" SPAN "-1",                      /* short */
        "00-" TRACE "-" SPAN "-01-",                    /* version 00 has four fields */
        "00-" TRACE "-" SPAN "-01x",
        "ff-" TRACE "-" SPAN "-01",                     /* version ff is invalid */
        "0g-" TRACE "-" SPAN "-01",
        "00-0AF7651916CD43DD8448EB211C80319C-" SPAN "-01", /* uppercase */
        "00-00000000000000000000000000000000-" SPAN "-01", /* all-zero trace id */
        "00-" TRACE "-0000000000000000-01",             /* all-zero span id */
        "00-" TRACE "-" SPAN "-0z",
        "00_" TRACE "-" SPAN "-01",
        "01-" TRACE "-" SPAN "-01x",                    /* more must follow a dash */
    };
    hf_traceparent_t tp;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(hf_traceparent_parse(bad[i], &tp), -EINVAL);
    assert_int_equal(hf_traceparent_parse(NULL, &tp), -EINVAL);
}

static void test_a_new_trace_is_valid(void **state)
{
    (void)state;
    char a[HF_TRACEPARENT_LEN + 1], b[HF_TRACEPARENT_LEN + 1];
    hf_traceparent_new(a);
    hf_traceparent_new(b);
    hf_traceparent_t ta, tb;
    assert_int_equal(hf_traceparent_parse(a, &ta), 0);
    assert_int_equal(hf_traceparent_parse(b, &tb), 0);
    assert_memory_equal(a, "00-", 3);
    assert_int_equal(ta.flags, 1);
    assert_string_not_equal(ta.trace_id, tb.trace_id);
}

static void test_a_child_keeps_the_trace_and_takes_a_new_span(void **state)
{
    (void)state;
    char out[HF_TRACEPARENT_LEN + 1];
    hf_traceparent_t tp;
    hf_traceparent_child("00-" TRACE "-" SPAN "-00", out);
    assert_int_equal(hf_traceparent_parse(out, &tp), 0);
    assert_string_equal(tp.trace_id, TRACE);
    assert_string_not_equal(tp.span_id, SPAN);
    assert_int_equal(tp.flags, 0);
    /* a later version's child is written as version 00 */
    hf_traceparent_child("01-" TRACE "-" SPAN "-01-more", out);
    assert_memory_equal(out, "00-" TRACE "-", 36);
    assert_int_equal(out[HF_TRACEPARENT_LEN], '\0');
    /* the parent's own buffer */
    char again[HF_TRACEPARENT_LEN + 1];
    memcpy(again, out, sizeof(again));
    hf_traceparent_child(again, again);
    assert_memory_equal(again, "00-" TRACE "-", 36);
    assert_memory_not_equal(again + 36, out + 36, 16);
}

static void test_a_child_of_nothing_is_a_new_trace(void **state)
{
    (void)state;
    char out[HF_TRACEPARENT_LEN + 1];
    hf_traceparent_child(NULL, out);
    assert_int_equal(hf_traceparent_parse(out, NULL), 0);
    hf_traceparent_child("00-" TRACE "-0000000000000000-01", out);
    hf_traceparent_t tp;
    assert_int_equal(hf_traceparent_parse(out, &tp), 0);
    assert_string_not_equal(tp.trace_id, TRACE);
}

/* Random ids come from a per-thread pool of the kernel's bytes: ids drawn
 * one after another differ (across pool refills too), and a forked child,
 * which inherits its parent's pool, does not repeat what the parent draws
 * next. */
static void test_random_ids_do_not_repeat_even_across_fork(void **state)
{
    (void)state;
    char seen[200][17];
    for (int i = 0; i < 200; i++) { /* 200 x 8 bytes: several refills of the pool */
        hf_random_hex(seen[i], 8);
        assert_int_equal(strlen(seen[i]), 16);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(seen[i], seen[j]);
    }
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char child[17];
        hf_random_hex(child, 8);
        ssize_t w = write(fds[1], child, 16);
        _exit(w == 16 ? 0 : 1);
    }
    char parent[17], child[17] = "";
    hf_random_hex(parent, 8);
    assert_int_equal(read(fds[0], child, 16), 16);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_string_not_equal(parent, child);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_valid_traceparent_parses),
        cmocka_unit_test(test_a_malformed_traceparent_is_refused),
        cmocka_unit_test(test_a_new_trace_is_valid),
        cmocka_unit_test(test_a_child_keeps_the_trace_and_takes_a_new_span),
        cmocka_unit_test(test_a_child_of_nothing_is_a_new_trace),
        cmocka_unit_test(test_random_ids_do_not_repeat_even_across_fork),
    };
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
