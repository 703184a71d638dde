/* common/tests/test-config.c - settings from the environment */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "hf/config.h"

static const char *s;
static long n;
static int b;

static const hf_config_var_t vars[] = {
    { "T_STR", HF_CONFIG_STRING, "dflt", 0, 0, "a string", &s },
    { "T_INT", HF_CONFIG_INT, "4", 1, 10, "an integer", &n },
    { "T_BOOL", HF_CONFIG_BOOL, "false", 0, 0, "a boolean", &b },
};

static void clear(void)
{
    unsetenv("T_STR");
    unsetenv("T_INT");
    unsetenv("T_BOOL");
}

static void test_defaults(void **state)
{
    (void)state;
    clear();
    char err[256];
    assert_int_equal(hf_config_load(vars, 3, err, sizeof(err)), 0);
    assert_string_equal(s, "dflt");
    assert_int_equal(n, 4);
    assert_int_equal(b, 0);
}

static void test_values(void **state)
{
    (void)state;
    clear();
    setenv("T_STR", "x", 1);
    setenv("T_INT", "10", 1);
    setenv("T_BOOL", "YES", 1);
    char err[256];
    assert_int_equal(hf_config_load(vars, 3, err, sizeof(err)), 0);
    assert_string_equal(s, "x");
    assert_int_equal(n, 10);
    assert_int_equal(b, 1);
}

static void test_bad_values_all_reported(void **state)
{
    (void)state;
    clear();
    setenv("T_INT", "11", 1);   /* out of range */
    setenv("T_BOOL", "maybe", 1);
    char err[512];
    assert_int_equal(hf_config_load(vars, 3, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "T_INT: \"11\" is not an integer in 1..10"));
    assert_non_null(strstr(err, "T_BOOL: \"maybe\""));
    setenv("T_INT", "4x", 1);
    setenv("T_BOOL", "on", 1);
    assert_int_equal(hf_config_load(vars, 3, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "T_INT: \"4x\""));
    assert_null(strstr(err, "T_BOOL"));
}

static void test_required(void **state)
{
    (void)state;
    const char *req;
    hf_config_var_t v = { "T_REQUIRED", HF_CONFIG_STRING, NULL, 0, 0, "must be set", &req };
    unsetenv("T_REQUIRED");
    char err[256];
    assert_int_equal(hf_config_load(&v, 1, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "T_REQUIRED: required"));
}

static void test_parse_addr(void **state)
{
    (void)state;
    struct sockaddr_in sa;
    assert_int_equal(hf_config_parse_addr("127.0.0.1:8080", &sa), 0);
    assert_int_equal(ntohs(sa.sin_port), 8080);
    assert_int_equal(hf_config_parse_addr("localhost:1", &sa), 0);
    assert_int_equal(hf_config_parse_addr("0.0.0.0:0", &sa), 0);
    assert_int_equal(hf_config_parse_addr("127.0.0.1", &sa), -EINVAL);
    assert_int_equal(hf_config_parse_addr("127.0.0.1:99999", &sa), -EINVAL);
    assert_int_equal(hf_config_parse_addr("nohost:80", &sa), -EINVAL);
    assert_int_equal(hf_config_parse_addr(":80", &sa), -EINVAL);
    assert_int_equal(hf_config_parse_addr(NULL, &sa), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_bad_values_all_reported),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_parse_addr),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
