/* common/tests/test-process.c - program start: arguments, settings, log level, signals */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hf/process.h"

static const char *level, *name;
static const hf_config_var_t vars[] = {
    { "T_NAME", HF_CONFIG_STRING, "x", 0, 0, "a name", &name },
    { "HF_LOG_LEVEL", HF_CONFIG_STRING, "info", 0, 0, "log level", &level },
};
static const char *const flags[] = { "--migrate", NULL };
static const char *const flag_help[] = { "apply migrations" };
static const hf_program_t prog = { .name = "t", .summary = "A test program.", .flags = flags,
                                   .flag_help = flag_help, .vars = vars, .n_vars = 2,
                                   .log_level = &level };

static int start(int argc, char **argv, int *seen)
{
    /* keep the usage text out of the TAP stream */
    fflush(stdout);
    int saved = dup(1);
    FILE *null = freopen("/dev/null", "w", stdout);
    (void)null;
    int rc = hf_program_start(&prog, argc, argv, seen);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    return rc;
}

static void test_go_on_and_flags(void **state)
{
    (void)state;
    unsetenv("HF_LOG_LEVEL");
    char *argv[] = { "t", "--migrate", NULL };
    int seen = 0;
    assert_int_equal(start(2, argv, &seen), -1);
    assert_int_equal(seen, 1);
    char *plain[] = { "t", NULL };
    seen = 0;
    assert_int_equal(start(1, plain, &seen), -1);
    assert_int_equal(seen, 0);
}

static void test_help_and_bad_arguments(void **state)
{
    (void)state;
    char *help[] = { "t", "--help", NULL };
    assert_int_equal(start(2, help, NULL), 0);
    char *bad[] = { "t", "--nope", NULL };
    int seen = 0;
    assert_int_equal(start(2, bad, &seen), 2);
    char *twice[] = { "t", "--migrate", "--migrate", NULL };
    assert_int_equal(start(3, twice, &seen), 2);
    char *prefix[] = { "t", "--mig", NULL };
    assert_int_equal(start(2, prefix, &seen), 2);
    assert_int_equal(seen, 0);
}

static void test_bad_settings_stop(void **state)
{
    (void)state;
    char *argv[] = { "t", NULL };
    setenv("HF_LOG_LEVEL", "chatty", 1);
    assert_int_equal(start(1, argv, NULL), 2);
    unsetenv("HF_LOG_LEVEL");
}

static void test_instance_name(void **state)
{
    (void)state;
    char out[128];
    hf_instance_name("pod-7", out, sizeof(out));
    assert_string_equal(out, "pod-7");
    hf_instance_name("auto", out, sizeof(out));
    char want[32];
    snprintf(want, sizeof(want), ":%d", (int)getpid());
    assert_non_null(strstr(out, want));
    hf_instance_name(NULL, out, sizeof(out));
    assert_non_null(strstr(out, want));
}

static void test_signals_blocked(void **state)
{
    (void)state;
    sigset_t set, now;
    hf_signals_block(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, NULL, &now);
    assert_true(sigismember(&now, SIGTERM));
    assert_true(sigismember(&now, SIGINT));
    assert_true(sigismember(&now, SIGUSR2));
    assert_true(sigismember(&set, SIGUSR2));
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_on_and_flags),
        cmocka_unit_test(test_help_and_bad_arguments),
        cmocka_unit_test(test_bad_settings_stop),
        cmocka_unit_test(test_instance_name),
        cmocka_unit_test(test_signals_blocked),
    };
    return cmocka_run_group_tests_name("process", tests, NULL, NULL);
}
