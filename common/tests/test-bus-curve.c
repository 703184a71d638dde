/* common/tests/test-bus-curve.c - the bus's CURVE settings: what is accepted, what is refused
 *
 * The settings are read once per process, so each case that loads them runs
 * in a child process with its own environment (load_in_child) and reports
 * the outcome and the error text back. Authentication itself, against a real
 * broker and its ZAP handler, is tested in tests/integration/test_bus_curve.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hf/bus.h"

static char pub1[HF_BUS_KEY_TEXT], sec1[HF_BUS_KEY_TEXT];
static char pub2[HF_BUS_KEY_TEXT], sec2[HF_BUS_KEY_TEXT];

/* What a child reports: the load's result, errno after hf_bus_socket(), and
 * the error text. */
typedef struct {
    int rc, socket_ok, socket_errno;
    char err[1024];
} outcome_t;

/* In a child with only env (NAME=value, NULL-terminated) of the HF_BUS_*
 * settings set: load role's settings, then try a socket of that role. */
static outcome_t load_in_child(hf_bus_role_t role, const char *const *env)
{
    outcome_t out;
    memset(&out, 0, sizeof(out));
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        static const char *const names[] = { "HF_BUS_CURVE", "HF_BUS_SERVER_KEY",
                                             "HF_BUS_SECRET_KEY", "HF_BROKER_SECRET_KEY",
                                             "HF_BUS_AUTHORIZED_KEYS" };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            unsetenv(names[i]);
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        outcome_t r;
        memset(&r, 0, sizeof(r));
        r.rc = hf_bus_security_load(role, r.err, sizeof(r.err));
        errno = 0;
        void *s = r.rc == 0 ? hf_bus_socket(ZMQ_DEALER, role) : NULL;
        r.socket_ok = s != NULL;
        r.socket_errno = errno;
        if (s)
            zmq_close(s);
        hf_bus_shutdown();
        ssize_t w = write(fd[1], &r, sizeof(r));
        _exit(w == (ssize_t)sizeof(r) ? 0 : 1);
    }
    close(fd[1]);
    assert_int_equal(read(fd[0], &out, sizeof(out)), (ssize_t)sizeof(out));
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return out;
}

static char *var(const char *name, const char *value)
{
    static char buf[16][320];
    static int next;
    char *b = buf[next++ % 16];
    snprintf(b, sizeof(buf[0]), "%s=%s", name, value);
    return b;
}

static void test_a_client_with_its_keys_opens_sockets(void **state)
{
    (void)state;
    const char *env[] = { var("HF_BUS_SERVER_KEY", pub1), var("HF_BUS_SECRET_KEY", sec2), NULL };
    outcome_t o = load_in_child(HF_BUS_CLIENT, env);
    assert_int_equal(o.rc, 0);
    assert_true(o.socket_ok);
}

static void test_curve_is_on_unless_switched_off(void **state)
{
    (void)state;
    /* no key pair: the settings load (a --migrate needs none), no socket opens */
    outcome_t o = load_in_child(HF_BUS_CLIENT, NULL);
    assert_int_equal(o.rc, 0);
    assert_false(o.socket_ok);
    assert_int_equal(o.socket_errno, EINVAL);
    const char *off[] = { "HF_BUS_CURVE=off", NULL };
    o = load_in_child(HF_BUS_CLIENT, off);
    assert_int_equal(o.rc, 0);
    assert_true(o.socket_ok);
    const char *maybe[] = { "HF_BUS_CURVE=maybe", NULL };
    o = load_in_child(HF_BUS_CLIENT, maybe);
    assert_int_equal(o.rc, -EINVAL);
    assert_non_null(strstr(o.err, "HF_BUS_CURVE: \"maybe\" is not a boolean"));
}

static void test_keys_must_be_z85_of_32_bytes(void **state)
{
    (void)state;
    char short_key[HF_BUS_KEY_TEXT];
    snprintf(short_key, sizeof(short_key), "%.39s", sec1);
    char bad_char[HF_BUS_KEY_TEXT];
    snprintf(bad_char, sizeof(bad_char), "%s", sec1);
    bad_char[7] = '"'; /* not in the Z85 alphabet */
    const char *env[] = { var("HF_BUS_SERVER_KEY", short_key), var("HF_BUS_SECRET_KEY", bad_char),
                          NULL };
    outcome_t o = load_in_child(HF_BUS_CLIENT, env);
    assert_int_equal(o.rc, -EINVAL);
    assert_non_null(strstr(o.err, "HF_BUS_SERVER_KEY: not a CURVE key"));
    assert_non_null(strstr(o.err, "HF_BUS_SECRET_KEY: not a CURVE key"));
    assert_null(strstr(o.err, sec1)); /* a secret is never echoed */
}

static void test_the_broker_needs_its_key_and_a_list(void **state)
{
    (void)state;
    outcome_t o = load_in_child(HF_BUS_SERVER, NULL);
    assert_int_equal(o.rc, -EINVAL);
    assert_non_null(strstr(o.err, "HF_BROKER_SECRET_KEY: required while HF_BUS_CURVE is on"));
    const char *no_list[] = { var("HF_BROKER_SECRET_KEY", sec1), NULL };
    o = load_in_child(HF_BUS_SERVER, no_list);
    assert_int_equal(o.rc, -EINVAL);
    assert_non_null(strstr(o.err, "HF_BUS_AUTHORIZED_KEYS: required"));
    char list[256];
    snprintf(list, sizeof(list), " %s,, %s\t", pub1, pub2); /* spaces and empty entries */
    const char *good[] = { var("HF_BROKER_SECRET_KEY", sec1), var("HF_BUS_AUTHORIZED_KEYS", list),
                           NULL };
    o = load_in_child(HF_BUS_SERVER, good);
    assert_int_equal(o.rc, 0);
    assert_true(o.socket_ok);
    snprintf(list, sizeof(list), "%s,%s,%.39s", pub1, pub2, pub2);
    const char *bad[] = { var("HF_BROKER_SECRET_KEY", sec1), var("HF_BUS_AUTHORIZED_KEYS", list),
                          NULL };
    o = load_in_child(HF_BUS_SERVER, bad);
    assert_int_equal(o.rc, -EINVAL);
    assert_non_null(strstr(o.err, "entry 3 is not a CURVE public key"));
    const char *off[] = { "HF_BUS_CURVE=off", NULL };
    o = load_in_child(HF_BUS_SERVER, off);
    assert_int_equal(o.rc, 0);
    assert_true(o.socket_ok);
}

static void test_authorized_keys_are_looked_up(void **state)
{
    (void)state;
    char list[128];
    snprintf(list, sizeof(list), "%s,%s", pub2, pub1);
    char *env[] = { var("HF_BROKER_SECRET_KEY", sec1), var("HF_BUS_AUTHORIZED_KEYS", list), NULL };
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; env[i]; i++)
            putenv(env[i]);
        int ok = hf_bus_security_load(HF_BUS_SERVER, NULL, 0) == 0;
        uint8_t k1[32], k2[32], other[32] = { 1 };
        zmq_z85_decode(k1, pub1);
        zmq_z85_decode(k2, pub2);
        ok = ok && hf_bus_key_authorized(k1) && hf_bus_key_authorized(k2) &&
             !hf_bus_key_authorized(other) && hf_bus_authorized_count() == 2 &&
             strcmp(hf_bus_server_public_key(), pub1) == 0; /* derived from the secret */
        _exit(ok ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_endpoints_may_pin_a_server_key(void **state)
{
    (void)state;
    char ep[128];
    snprintf(ep, sizeof(ep), "tcp://127.0.0.1:1#%s", pub1);
    hf_bus_client_t *c = hf_bus_client_new(ep);
    assert_non_null(c);
    hf_bus_client_destroy(&c);
    snprintf(ep, sizeof(ep), "tcp://127.0.0.1:1#%.39s", pub1); /* not a key */
    assert_null(hf_bus_client_new(ep));
    snprintf(ep, sizeof(ep), "tcp://#%s", pub1);                /* no address */
    assert_null(hf_bus_client_new(ep));
    assert_null(hf_bus_client_new("tcp://127.0.0.1:1#"));
}

static void test_keygen_makes_distinct_pairs(void **state)
{
    (void)state;
    assert_int_equal(strlen(pub1), 40);
    assert_int_equal(strlen(sec1), 40);
    assert_string_not_equal(pub1, pub2);
    char derived[HF_BUS_KEY_TEXT];
    assert_int_equal(zmq_curve_public(derived, sec1), 0);
    assert_string_equal(derived, pub1);
    size_t n;
    const hf_config_var_t *vars = hf_bus_security_settings(HF_BUS_CLIENT, &n);
    assert_int_equal(n, 3);
    assert_string_equal(vars[0].name, "HF_BUS_CURVE");
    vars = hf_bus_security_settings(HF_BUS_SERVER, &n);
    assert_string_equal(vars[n - 1].name, "HF_BUS_AUTHORIZED_KEYS");
}

int main(void)
{
    if (hf_bus_keygen(pub1, sec1) < 0 || hf_bus_keygen(pub2, sec2) < 0) {
        fprintf(stderr, "libzmq without CURVE\n");
        return 1;
    }
    /* this process's own sockets (the endpoint case) use the first pair */
    setenv("HF_BUS_CURVE", "on", 1);
    setenv("HF_BUS_SERVER_KEY", pub1, 1);
    setenv("HF_BUS_SECRET_KEY", sec2, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_client_with_its_keys_opens_sockets),
        cmocka_unit_test(test_curve_is_on_unless_switched_off),
        cmocka_unit_test(test_keys_must_be_z85_of_32_bytes),
        cmocka_unit_test(test_the_broker_needs_its_key_and_a_list),
        cmocka_unit_test(test_authorized_keys_are_looked_up),
        cmocka_unit_test(test_endpoints_may_pin_a_server_key),
        cmocka_unit_test(test_keygen_makes_distinct_pairs),
    };
    int rc = cmocka_run_group_tests_name("bus-curve", tests, NULL, NULL);
    hf_bus_shutdown();
    return rc;
}
