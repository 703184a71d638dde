/* common/tests/test-bus-api.c - the bus API's checks that need no broker
 *
 * Worker method tables are checked against the service descriptor, endpoint
 * lists are validated, error codes have stable names. The protocol itself is
 * tested against real brokers in tests/integration/test-bus.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include "hf/bus.h"
#include "hrflow/v1/testing.pb-c.h"

static int nop(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)
{
    (void)call, (void)req, (void)reply;
    return 0;
}

static hf_worker_t *make(const hf_method_t *m, size_t n, const char *endpoints, char *err)
{
    hf_worker_opts_t o = { .service = "echo", .descriptor = &hrflow__v1__echo__descriptor,
                           .methods = m, .n_methods = n, .endpoints = endpoints, .threads = 1 };
    return hf_worker_new(&o, err, 256);
}

static void test_method_table_must_match_descriptor(void **state)
{
    (void)state;
    char err[256];
    const hf_method_t full[] = { { "Health", nop, HF_IDEMPOTENT }, { "Echo", nop, HF_IDEMPOTENT },
                                 { "Record", nop, 0 } };
    hf_worker_t *w = make(full, 3, "tcp://127.0.0.1:1", err);
    assert_non_null(w);
    hf_worker_destroy(&w);
    assert_null(w);

    assert_null(make(full, 2, "tcp://127.0.0.1:1", err));
    assert_string_equal(err, "method hrflow.v1.Echo.Record has no handler");

    const hf_method_t extra[] = { { "Health", nop, 0 }, { "Echo", nop, 0 }, { "Record", nop, 0 },
                                  { "Nope", nop, 0 } };
    assert_null(make(extra, 4, "tcp://127.0.0.1:1", err));
    assert_non_null(strstr(err, "handler Nope is not a method"));

    const hf_method_t twice[] = { { "Health", nop, 0 }, { "Echo", nop, 0 }, { "Echo", nop, 0 } };
    assert_null(make(twice, 3, "tcp://127.0.0.1:1", err));
    assert_non_null(strstr(err, "two handlers"));
}

static void test_endpoint_lists(void **state)
{
    (void)state;
    char err[256];
    const hf_method_t full[] = { { "Health", nop, 0 }, { "Echo", nop, 0 }, { "Record", nop, 0 } };
    assert_null(make(full, 3, "localhost:7001", err));
    assert_non_null(strstr(err, "bad broker endpoint list"));
    assert_null(make(full, 3, "", err));
    hf_worker_t *w = make(full, 3, "tcp://127.0.0.1:1, tcp://127.0.0.1:2", err);
    assert_non_null(w);
    hf_worker_destroy(&w);

    assert_null(hf_bus_client_new("http://example"));
    assert_null(hf_bus_client_new(""));
    assert_null(hf_bus_publisher_new("tcp://"));
    hf_bus_client_t *c = hf_bus_client_new("tcp://127.0.0.1:1,ipc:///tmp/hf-test-x");
    assert_non_null(c);
    hf_bus_client_destroy(&c);
    assert_null(c);
}

static void test_no_broker_means_unavailable_in_time(void **state)
{
    (void)state;
    hf_bus_client_t *c = hf_bus_client_new("tcp://127.0.0.1:1");
    Hrflow__V1__EchoRequest req = HRFLOW__V1__ECHO_REQUEST__INIT;
    hf_call_opts_t o = { .timeout_ms = 200 };
    ProtobufCMessage *m = NULL;
    hf_status_t st = { 0 };
    int64_t t0 = hf_mono_ms();
    assert_int_equal(hf_bus_call(c, "echo", "Echo", &req.base, &hrflow__v1__echo_reply__descriptor,
                                 &o, &m, &st),
                     HRFLOW__V1__ERROR_CODE__UNAVAILABLE);
    assert_true(hf_mono_ms() - t0 >= 190 && hf_mono_ms() - t0 < 1000);
    assert_null(m);
    assert_non_null(strstr(st.message, "no broker reachable"));
    hf_status_clear(&st);
    hf_bus_client_destroy(&c);
}

static void test_error_names_and_ids(void **state)
{
    (void)state;
    assert_string_equal(hf_error_code_name(HRFLOW__V1__ERROR_CODE__OVERLOADED), "overloaded");
    assert_string_equal(hf_error_code_name(HRFLOW__V1__ERROR_CODE__DEADLINE_EXCEEDED),
                        "deadline_exceeded");
    assert_string_equal(hf_error_code_name(9999), "unknown");
    unsigned char b[8];
    hf_put_u64(b, 0x0102030405060708ULL);
    assert_int_equal(b[0], 1);
    assert_int_equal(hf_get_u64(b), 0x0102030405060708ULL);
    char tp[56];
    hf_traceparent_new(tp);
    assert_int_equal(strlen(tp), 55);
    assert_memory_equal(tp, "00-", 3);
}

int main(void)
{
    /* bus sockets need CURVE keys: a pair of this test's own (no broker answers) */
    char public_key[HF_BUS_KEY_TEXT], secret_key[HF_BUS_KEY_TEXT];
    if (hf_bus_keygen(public_key, secret_key) < 0)
        return 1;
    setenv("HF_BUS_CURVE", "on", 1);
    setenv("HF_BUS_SERVER_KEY", public_key, 1);
    setenv("HF_BUS_SECRET_KEY", secret_key, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_method_table_must_match_descriptor),
        cmocka_unit_test(test_endpoint_lists),
        cmocka_unit_test(test_no_broker_means_unavailable_in_time),
        cmocka_unit_test(test_error_names_and_ids),
    };
    int rc = cmocka_run_group_tests_name("bus-api", tests, NULL, NULL);
    hf_bus_shutdown();
    return rc;
}
