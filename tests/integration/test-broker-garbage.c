/* tests/integration/test-broker-garbage.c - nothing a peer sends can bring the broker down
 *
 * Garbage on every socket: hand-made malformed messages of each protocol
 * role, random multipart messages, and raw non-ZeroMQ bytes on each TCP
 * port. Afterwards the broker must still route a real call, and its
 * malformed counters must show it noticed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bus_fixture.h"
#include "hf/buf.h"
#include "testlib.h"

static fx_broker_t B;
static pid_t W;

/* A bus client socket (with this process's CURVE keys, so the garbage gets
 * past the handshake to the broker's parsing) connected to port. */
static void *sock_to(int type, int port)
{
    void *s = hf_bus_socket(type, HF_BUS_CLIENT);
    assert_non_null(s);
    assert_int_equal(hf_bus_connect(s, tl_tcp(port)), 0);
    return s;
}

static void sendv(void *s, int n, const void *const *data, const size_t *len)
{
    for (int i = 0; i < n; i++)
        zmq_send(s, data[i], len[i], i + 1 < n ? ZMQ_SNDMORE : 0);
}

#define SEND(s, ...)                                                                  \
    do {                                                                              \
        const char *parts_[] = { __VA_ARGS__ };                                       \
        size_t n_ = sizeof(parts_) / sizeof(parts_[0]), lens_[8];                     \
        for (size_t i_ = 0; i_ < n_; i_++)                                            \
            lens_[i_] = strlen(parts_[i_]);                                           \
        sendv((s), (int)n_, (const void *const *)parts_, lens_);                      \
    } while (0)

static void assert_broker_alive(void)
{
    int status;
    assert_false(tl_exited(B.pid, &status));
    hf_bus_client_t *c = hf_bus_client_new(tl_tcp(B.rpc));
    hf_status_t st = { 0 };
    assert_int_equal(fx_echo(c, "Echo", "still here", 0, 3000, NULL, &st), 0);
    hf_bus_client_destroy(&c);
}

static void test_rpc_handmade(void **state)
{
    (void)state;
    void *d = sock_to(ZMQ_DEALER, B.rpc);
    usleep(50000);
    SEND(d, "garbage");                                   /* one frame */
    SEND(d, "HFC1", "not a protobuf \xff\xff\xff");       /* bad envelope */
    SEND(d, "HFC1", "a", "b");                            /* too many frames */
    SEND(d, "HFX9", "x");                                 /* unknown protocol */
    SEND(d, "HFW1", "\x99");                              /* unknown command */
    SEND(d, "HFW1", "\x01", "\xff\xfe junk ready");       /* READY that does not parse */
    SEND(d, "HFW1", "\x02", "short", "env");              /* REPLY with a bad seq */
    SEND(d, "HFW1", "\x02", "12345678", "env");           /* REPLY from a stranger */
    SEND(d, "HFW1", "\x03", "extra");                     /* HEARTBEAT with a body */
    SEND(d, "HFW1", "\x06", "12345");                     /* CAPACITY of 5 bytes */
    SEND(d, "HFW1", "\x07", "a", "b");                    /* BATCH of two frames */
    SEND(d, "HFW1", "\x07", "torn batch from a stranger"); /* BATCH from a stranger */
    SEND(d, "HFW1", "");                                  /* empty command */
    SEND(d, "", "", "", "", "", "", "");                  /* empty frames */
    /* an envelope that parses but names an impossible service gets MALFORMED */
    Hrflow__V1__Envelope env = HRFLOW__V1__ENVELOPE__INIT;
    env.service = "bad service!";
    env.method = "Echo";
    env.request_id = "r1";
    uint8_t buf[128];
    size_t n = hrflow__v1__envelope__pack(&env, buf);
    zmq_send(d, "HFC1", 4, ZMQ_SNDMORE);
    zmq_send(d, buf, n, 0);
    /* the stranger's REPLY and HEARTBEAT were answered "register again"
     * (HFW1 0x04); the client envelope's answer comes among them */
    Hrflow__V1__Envelope *reply = NULL;
    zmq_pollitem_t it = { d, 0, ZMQ_POLLIN, 0 };
    while (!reply && zmq_poll(&it, 1, 2000) == 1) {
        zmq_msg_t f[2];
        int nf = hf_frames_recv(d, f, 2, 0);
        if (nf == 2 && zmq_msg_size(&f[0]) == 4 && memcmp(zmq_msg_data(&f[0]), "HFC1", 4) == 0)
            reply = hrflow__v1__envelope__unpack(NULL, zmq_msg_size(&f[1]), zmq_msg_data(&f[1]));
        else if (nf == 2)
            assert_memory_equal(zmq_msg_data(&f[1]), "\x04", 1);
        if (nf > 0)
            hf_frames_close(f, nf);
    }
    assert_non_null(reply);
    assert_string_equal(reply->request_id, "r1");
    assert_int_equal(reply->error->code, HRFLOW__V1__ERROR_CODE__MALFORMED);
    hrflow__v1__envelope__free_unpacked(reply, NULL);
    zmq_close(d);
    assert_broker_alive();
    assert_true(fx_broker_metric(&B, "hf_broker_malformed_total{socket=\"rpc\"}") >= 11);
}

static void test_rpc_random(void **state)
{
    (void)state;
    void *d = sock_to(ZMQ_DEALER, B.rpc);
    usleep(50000);
    srand(42);
    static const char *const heads[] = { "HFC1", "HFW1", "HFW", "" };
    unsigned char frame[512];
    for (int i = 0; i < 3000; i++) {
        int nf = 1 + rand() % 6;
        for (int k = 0; k < nf; k++) {
            size_t len = (size_t)(rand() % (int)sizeof(frame));
            for (size_t j = 0; j < len; j++)
                frame[j] = (unsigned char)rand();
            const void *data = frame;
            if (k == 0 && rand() % 2) { /* often a valid protocol header */
                data = heads[rand() % 4];
                len = strlen(data);
            } else if (k == 1 && rand() % 2) { /* and a real command byte */
                frame[0] = (unsigned char)(1 + rand() % 7);
                len = 1;
            }
            zmq_send(d, data, len, k + 1 < nf ? ZMQ_SNDMORE : 0);
        }
    }
    /* batches of requests (broker.Batch) whose items are random: some
     * whole items of random bytes, some torn, some lying about their length */
    for (int i = 0; i < 500; i++) {
        hf_buf_t items = { 0 };
        int n = rand() % 5;
        for (int k = 0; k < n; k++) {
            size_t len = (size_t)(rand() % 200);
            for (size_t j = 0; j < len; j++)
                frame[j] = (unsigned char)rand();
            if (rand() % 4)
                hf_batch_put(&items, (uint64_t)rand(), frame, len);
            else
                hf_buf_put(&items, frame, len % 16);
        }
        uint8_t out[2048];
        zmq_send(d, "HFC1", 4, ZMQ_SNDMORE);
        zmq_send(d, out, fx_batch_envelope(&items, "random-batch", rand() % 2, out, sizeof(out)),
                 0);
    }
    /* a big frame within the limit, then one beyond it: the broker drops
     * that connection without allocating the frame */
    size_t big = 4 << 20;
    char *huge = calloc(1, HF_BUS_MAX_MESSAGE + 1);
    zmq_send(d, "HFC1", 4, ZMQ_SNDMORE);
    zmq_send(d, huge, big, 0);
    zmq_send(d, "HFC1", 4, ZMQ_SNDMORE);
    zmq_send(d, huge, HF_BUS_MAX_MESSAGE + 1, 0);
    free(huge);
    usleep(300000);
    zmq_close(d);
    assert_broker_alive();
}

static void test_event_plane_garbage(void **state)
{
    (void)state;
    void *pub = sock_to(ZMQ_PUB, B.xsub);
    void *xsub = sock_to(ZMQ_XSUB, B.xpub);
    usleep(100000);
    SEND(pub, "lonely frame");              /* events have two frames */
    SEND(pub, "a", "b", "c");               /* ... not three */
    SEND(pub, "", "empty topic");           /* nor an empty topic */
    SEND(xsub, "\x07not a subscription");   /* XPUB side: not [0|1]topic */
    SEND(xsub, "x", "y");                   /* two frames */
    usleep(300000);
    zmq_close(pub);
    zmq_close(xsub);
    assert_broker_alive();
    assert_true(fx_broker_metric(&B, "hf_broker_malformed_total{socket=\"xsub\"}") >= 3);
    assert_true(fx_broker_metric(&B, "hf_broker_malformed_total{socket=\"xpub\"}") >= 2);
}

static void raw_bytes(int port, const void *data, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        ssize_t w = write(fd, data, len);
        (void)w;
        usleep(20000);
    }
    close(fd);
}

static void test_raw_tcp_garbage(void **state)
{
    (void)state;
    const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    unsigned char zmtp_bad[64] = { 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 9 };
    unsigned char noise[4096];
    for (size_t i = 0; i < sizeof(noise); i++)
        noise[i] = (unsigned char)(i * 131 + 7);
    int ports[] = { B.rpc, B.xsub, B.xpub };
    for (int i = 0; i < 3; i++) {
        raw_bytes(ports[i], http, sizeof(http) - 1);
        raw_bytes(ports[i], zmtp_bad, sizeof(zmtp_bad));
        raw_bytes(ports[i], noise, sizeof(noise));
    }
    assert_broker_alive();
}

static int group_setup(void **state)
{
    (void)state;
    if (fx_broker_start(&B, NULL) < 0)
        return -1;
    W = fx_echo_start(tl_tcp(B.rpc), "echo", 1);
    return fx_wait_workers(B.rpc, 1, 5000);
}

static int group_teardown(void **state)
{
    (void)state;
    tl_stop(W, SIGTERM, 3000);
    fx_broker_kill(&B, SIGTERM);
    return 0;
}

int main(void)
{
    tl_env("HF_TEST_BROKER_BIN");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rpc_handmade),
        cmocka_unit_test(test_rpc_random),
        cmocka_unit_test(test_event_plane_garbage),
        cmocka_unit_test(test_raw_tcp_garbage),
    };
    return cmocka_run_group_tests_name("broker-garbage", tests, group_setup, group_teardown);
}
