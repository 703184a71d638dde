/* tests/integration/test-cache.c - Redis with timeouts, reconnect and AUTH
 *
 * A private redis-server that asks for a password (restarted by one case),
 * reached with explicit credentials; and the test server of ./hrflow test,
 * reached with the process's own (HF_REDIS_PASSWORD), as services reach it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf/cache.h"
#include "testlib.h"

#define PASSWORD "test-cache-password"

static int port;
static pid_t server;

static void redis_start(void)
{
    char p[16];
    snprintf(p, sizeof(p), "%d", port);
    const char *argv[] = { "/usr/bin/redis-server", "--bind", "127.0.0.1", "--port", p, "--save",
                           "", "--appendonly", "no", "--requirepass", PASSWORD, NULL };
    server = tl_spawn("redis-cache-test", argv, NULL);
    assert_int_equal(tl_wait_port(port, 5000), 0);
}

static void redis_stop(void)
{
    tl_stop(server, SIGKILL, 3000);
    server = 0;
}

static void test_commands(void **state)
{
    (void)state;
    hf_cache_t *c = hf_cache_new_auth(tl_addr(port), NULL, PASSWORD, 500);
    assert_non_null(c);
    assert_int_equal(hf_cache_ping(c), 0);
    redisReply *r = hf_cache_command(c, "SET %s %b", "hf:{t1}:k", "v\0x", (size_t)3);
    assert_non_null(r);
    freeReplyObject(r);
    r = hf_cache_command(c, "GET %s", "hf:{t1}:k");
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_int_equal(r->len, 3);
    assert_memory_equal(r->str, "v\0x", 3);
    freeReplyObject(r);
    /* an error reply is a reply, not a failure */
    r = hf_cache_command(c, "INCR %s", "hf:{t1}:k");
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
    const char *argv[] = { "SET", "a b", "c" };
    r = hf_cache_commandargv(c, 3, argv, NULL);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    hf_cache_destroy(&c);
    assert_null(c);
}

static void test_reconnects_after_restart(void **state)
{
    (void)state;
    hf_cache_t *c = hf_cache_new_auth(tl_addr(port), NULL, PASSWORD, 500);
    assert_int_equal(hf_cache_ping(c), 0);
    redis_stop();
    assert_int_equal(hf_cache_ping(c), -1); /* down: a clear failure, fast */
    assert_true(strlen(hf_cache_error(c)) > 0);
    redis_start();
    long long until = tl_ms() + 3000;
    while (hf_cache_ping(c) != 0 && tl_ms() < until)
        usleep(50000);
    assert_int_equal(hf_cache_ping(c), 0);
    assert_string_equal(hf_cache_error(c), "");
    hf_cache_destroy(&c);
}

static void test_unreachable_is_bounded(void **state)
{
    (void)state;
    hf_cache_t *c = hf_cache_new("127.0.0.1:1", 200);
    long long t0 = tl_ms();
    assert_null(hf_cache_command(c, "PING"));
    assert_true(tl_ms() - t0 < 1000);
    hf_cache_destroy(&c);
    assert_null(hf_cache_new("no-port", 100));
    assert_null(hf_cache_new("host:99999", 100));
}

static void test_auth_refused_is_a_clear_failure(void **state)
{
    (void)state;
    hf_cache_t *c = hf_cache_new_auth(tl_addr(port), NULL, "not the password", 500);
    assert_int_equal(hf_cache_ping(c), -1);
    assert_non_null(strstr(hf_cache_error(c), "AUTH refused"));
    assert_null(strstr(hf_cache_error(c), "not the password"));
    assert_null(hf_cache_command(c, "GET %s", "hf:{t1}:k")); /* no command gets through */
    hf_cache_destroy(&c);
    /* without AUTH, Redis answers every command with NOAUTH */
    c = hf_cache_new_auth(tl_addr(port), NULL, NULL, 500);
    redisReply *r = hf_cache_command(c, "GET %s", "hf:{t1}:k");
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_non_null(strstr(r->str, "NOAUTH"));
    freeReplyObject(r);
    hf_cache_destroy(&c);
    /* an ACL user: AUTH user password */
    c = hf_cache_new_auth(tl_addr(port), NULL, PASSWORD, 500);
    r = hf_cache_command(c, "ACL SETUSER %s on >%s ~hf:* +@all", "hrflow-test", "user-pw");
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    hf_cache_destroy(&c);
    c = hf_cache_new_auth(tl_addr(port), "hrflow-test", "user-pw", 500);
    assert_int_equal(hf_cache_ping(c), 0);
    r = hf_cache_command(c, "ACL WHOAMI");
    assert_string_equal(r->str, "hrflow-test");
    freeReplyObject(r);
    hf_cache_destroy(&c);
}

static void test_process_credentials(void **state)
{
    (void)state;
    /* ./hrflow test's Redis asks for HF_REDIS_PASSWORD, which hf_cache_new sends */
    const char *addr = tl_env("HF_TEST_REDIS_ADDR");
    tl_env("HF_REDIS_PASSWORD");
    assert_int_equal(hf_cache_settings_load(NULL, 0), 0);
    hf_cache_t *c = hf_cache_new(addr, 500);
    assert_int_equal(hf_cache_ping(c), 0);
    hf_cache_destroy(&c);
    size_t n;
    const hf_config_var_t *vars = hf_cache_settings(&n);
    assert_int_equal(n, 2);
    assert_string_equal(vars[0].name, "HF_REDIS_USER");
    assert_string_equal(vars[1].name, "HF_REDIS_PASSWORD");
}

static int setup(void **state)
{
    (void)state;
    port = tl_free_port();
    redis_start();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    redis_stop();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_reconnects_after_restart),
        cmocka_unit_test(test_unreachable_is_bounded),
        cmocka_unit_test(test_auth_refused_is_a_clear_failure),
        cmocka_unit_test(test_process_credentials),
    };
    return cmocka_run_group_tests_name("cache", tests, setup, teardown);
}
