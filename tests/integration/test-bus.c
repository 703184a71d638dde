/* tests/integration/test-bus.c - the RPC plane against a real broker and worker processes
 *
 * Every case starts its own broker (fresh ports, 100 ms heartbeats) and echo
 * replicas, so the cases are independent and can be read one by one.
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
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "bus_fixture.h"
#include "hf/buf.h"
#include "testlib.h"

typedef struct {
    fx_broker_t b;
    pid_t w[4];
    int nw;
    hf_bus_client_t *c;
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof(*f));
    if (fx_broker_start(&f->b, NULL) < 0)
        return -1;
    f->c = hf_bus_client_new(tl_tcp(f->b.rpc));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    hf_bus_client_destroy(&f->c);
    for (int i = 0; i < f->nw; i++)
        if (f->w[i] > 0)
            tl_stop(f->w[i], SIGKILL, 2000);
    if (f->b.pid)
        fx_broker_kill(&f->b, SIGKILL);
    free(f);
    return 0;
}

static void add_worker(fx_t *f, const char *name, int threads)
{
    f->w[f->nw++] = fx_echo_start(tl_tcp(f->b.rpc), name, threads);
    assert_int_equal(fx_wait_workers(f->b.rpc, f->nw, 5000), 0);
}

static void test_round_trip(void **state)
{
    fx_t *f = *state;
    add_worker(f, "w1", 2);
    char inst[64] = "";
    hf_status_t st = { 0 };
    assert_int_equal(fx_echo(f->c, "Echo", "hello 你好", 0, 2000, inst, &st), 0);
    assert_string_equal(inst, "w1");
    /* a large payload crosses intact */
    char *big = malloc(1 << 20);
    memset(big, 'x', (1 << 20) - 1);
    big[(1 << 20) - 1] = '\0';
    assert_int_equal(fx_echo(f->c, "Echo", big, 0, 5000, NULL, &st), 0);
    free(big);
}

static void test_unknown_method_and_service(void **state)
{
    fx_t *f = *state;
    add_worker(f, "w1", 1);
    hf_status_t st = { 0 };
    assert_int_equal(fx_echo(f->c, "NoSuchMethod", "x", 0, 2000, NULL, &st),
                     HRFLOW__V1__ERROR_CODE__UNIMPLEMENTED);
    assert_non_null(strstr(st.message, "NoSuchMethod"));
    hf_status_clear(&st);
    /* a service without workers: UNAVAILABLE after the broker's grace (300 ms) */
    Hrflow__V1__EchoRequest req = HRFLOW__V1__ECHO_REQUEST__INIT;
    hf_call_opts_t o = { .timeout_ms = 3000 };
    ProtobufCMessage *m = NULL;
    long long t0 = tl_ms();
    assert_int_equal(hf_bus_call(f->c, "nosuch", "Echo", &req.base,
                                 &hrflow__v1__echo_reply__descriptor, &o, &m, &st),
                     HRFLOW__V1__ERROR_CODE__UNAVAILABLE);
    assert_true(tl_ms() - t0 < 2000);
    hf_status_clear(&st);
}

static void test_spread_across_replicas(void **state)
{
    fx_t *f = *state;
    add_worker(f, "a", 2);
    add_worker(f, "b", 2);
    enum { N = 40 };
    char id[HF_BUS_ID_MAX];
    for (int i = 0; i < N; i++)
        assert_int_equal(fx_echo_send(f->c, "Echo", 20, 10000, id), 0);
    int per[2] = { 0, 0 };
    for (int got = 0; got < N; got++) {
        Hrflow__V1__Envelope *env = NULL;
        assert_int_equal(hf_bus_recv(f->c, 10000, &env), 1);
        ProtobufCMessage *m = NULL;
        hf_status_t st = { 0 };
        assert_int_equal(hf_bus_reply_decode(env, &hrflow__v1__echo_reply__descriptor, &m, &st), 0);
        const char *inst = ((Hrflow__V1__EchoReply *)m)->instance;
        per[strcmp(inst, "a") == 0 ? 0 : 1]++;
        protobuf_c_message_free_unpacked(m, NULL);
        hrflow__v1__envelope__free_unpacked(env, NULL);
    }
    /* least-loaded dispatch over equal replicas: each takes a fair share */
    printf("# a=%d b=%d\n", per[0], per[1]);
    assert_true(per[0] >= N / 4 && per[1] >= N / 4);
}

/* A request in flight on a replica that is killed: not idempotent, so the
 * caller gets UNAVAILABLE as soon as the death is noticed, long before its
 * deadline. */
static void test_killed_replica_fails_cleanly(void **state)
{
    fx_t *f = *state;
    add_worker(f, "doomed", 1);
    char id[HF_BUS_ID_MAX];
    assert_int_equal(fx_echo_send(f->c, "Record", 3000, 8000, id), 0);
    usleep(200000);
    long long t0 = tl_ms();
    tl_stop(f->w[0], SIGKILL, 2000);
    f->w[0] = 0;
    Hrflow__V1__Envelope *env = NULL;
    assert_int_equal(hf_bus_recv(f->c, 8000, &env), 1);
    long long waited = tl_ms() - t0;
    assert_string_equal(env->request_id, id);
    assert_non_null(env->error);
    assert_int_equal(env->error->code, HRFLOW__V1__ERROR_CODE__UNAVAILABLE);
    printf("# answered %lld ms after the kill: %s\n", waited, env->error->message);
    assert_true(waited < 2000);
    hrflow__v1__envelope__free_unpacked(env, NULL);
}

/* The same with an idempotent method and a second replica: retried there. */
static void test_killed_replica_idempotent_retried(void **state)
{
    fx_t *f = *state;
    add_worker(f, "first", 1);
    Hrflow__V1__EchoRequest req = HRFLOW__V1__ECHO_REQUEST__INIT;
    req.sleep_ms = 1500;
    req.body.data = (uint8_t *)"again";
    req.body.len = 5;
    hf_call_opts_t o = { .timeout_ms = 8000 };
    char id[HF_BUS_ID_MAX];
    assert_int_equal(hf_bus_send(f->c, "echo", "Echo", &req.base, &o, id), 0);
    usleep(100000); /* now held by "first", the only replica */
    add_worker(f, "second", 1);
    tl_stop(f->w[0], SIGKILL, 2000);
    f->w[0] = 0;
    Hrflow__V1__Envelope *env = NULL;
    assert_int_equal(hf_bus_recv(f->c, 8000, &env), 1);
    ProtobufCMessage *m = NULL;
    hf_status_t st = { 0 };
    assert_int_equal(hf_bus_reply_decode(env, &hrflow__v1__echo_reply__descriptor, &m, &st), 0);
    assert_string_equal(((Hrflow__V1__EchoReply *)m)->instance, "second");
    protobuf_c_message_free_unpacked(m, NULL);
    hrflow__v1__envelope__free_unpacked(env, NULL);
    assert_true(fx_broker_metric(&f->b, "hf_broker_retries_total") >= 1);
}

static void test_deadline_exceeded(void **state)
{
    fx_t *f = *state;
    add_worker(f, "slow", 1);
    hf_status_t st = { 0 };
    long long t0 = tl_ms();
    assert_int_equal(fx_echo(f->c, "Echo", "x", 2000, 300, NULL, &st),
                     HRFLOW__V1__ERROR_CODE__DEADLINE_EXCEEDED);
    long long took = tl_ms() - t0;
    printf("# deadline answer after %lld ms: %s\n", took, st.message);
    assert_true(took >= 290 && took < 1000);
    hf_status_clear(&st);
    /* the worker is still busy with it; the next call waits for it and succeeds */
    assert_int_equal(fx_echo(f->c, "Echo", "after", 0, 5000, NULL, &st), 0);
}

static void test_overloaded(void **state)
{
    fx_t *f = *state;
    /* restart the broker with a queue of 5 per service */
    fx_broker_kill(&f->b, SIGKILL);
    const char *extra[] = { "HF_BROKER_QUEUE_MAX=5", NULL };
    assert_int_equal(fx_broker_start(&f->b, extra), 0);
    hf_bus_client_destroy(&f->c); /* a fresh client: connected before the first send */
    f->c = hf_bus_client_new(tl_tcp(f->b.rpc));
    add_worker(f, "one", 1);
    char id[HF_BUS_ID_MAX];
    enum { N = 20 };
    for (int i = 0; i < N; i++)
        assert_int_equal(fx_echo_send(f->c, "Echo", 100, 10000, id), 0);
    int ok = 0, overloaded = 0;
    uint32_t retry_after = 0;
    for (int i = 0; i < N; i++) {
        Hrflow__V1__Envelope *env = NULL;
        assert_int_equal(hf_bus_recv(f->c, 10000, &env), 1);
        if (!env->error) {
            ok++;
        } else if (env->error->code == HRFLOW__V1__ERROR_CODE__OVERLOADED) {
            overloaded++;
            retry_after = env->error->retry_after_ms;
        }
        hrflow__v1__envelope__free_unpacked(env, NULL);
    }
    printf("# ok=%d overloaded=%d\n", ok, overloaded);
    /* one in the worker, five waiting; the rest are refused at once */
    assert_int_equal(ok, 6);
    assert_int_equal(overloaded, N - 6);
    assert_true(retry_after > 0);
}

/* SIGTERM drains: the request in hand finishes, then the worker exits 0. */
static void test_worker_drains_on_sigterm(void **state)
{
    fx_t *f = *state;
    add_worker(f, "leaving", 1);
    char id[HF_BUS_ID_MAX];
    assert_int_equal(fx_echo_send(f->c, "Record", 500, 5000, id), 0);
    usleep(100000);
    kill(f->w[0], SIGTERM);
    Hrflow__V1__Envelope *env = NULL;
    assert_int_equal(hf_bus_recv(f->c, 5000, &env), 1);
    assert_null(env->error);
    hrflow__v1__envelope__free_unpacked(env, NULL);
    int status = -1;
    long long until = tl_ms() + 3000;
    while (!tl_exited(f->w[0], &status) && tl_ms() < until)
        usleep(10000);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    f->w[0] = 0;
    /* the broker forgot it at once (no wait for the heartbeat timeout) */
    assert_int_equal(fx_wait_workers(f->b.rpc, 0, 1000), 0);
}

/* SIGTERM on the broker: requests in flight still get their replies, new
 * ones are refused with UNAVAILABLE (to be retried on another broker), and
 * the broker exits 0. The held request lasts 1.5 s so the new one surely
 * arrives while the broker drains, however loaded the machine. */
static void test_broker_drains_on_sigterm(void **state)
{
    fx_t *f = *state;
    add_worker(f, "busy", 1);
    char held[HF_BUS_ID_MAX], late[HF_BUS_ID_MAX];
    assert_int_equal(fx_echo_send(f->c, "Record", 1500, 5000, held), 0);
    usleep(100000);
    kill(f->b.pid, SIGTERM);
    usleep(100000);
    assert_int_equal(fx_echo_send(f->c, "Record", 0, 5000, late), 0);
    int got_held = 0, got_late = 0;
    for (int i = 0; i < 2; i++) {
        Hrflow__V1__Envelope *env = NULL;
        int r = hf_bus_recv(f->c, 5000, &env);
        if (r != 1)
            printf("# missing: held %s, late %s\n", got_held ? "answered" : "missing",
                   got_late ? "answered" : "missing");
        assert_int_equal(r, 1);
        if (strcmp(env->request_id, held) == 0) {
            assert_null(env->error); /* finished during the drain */
            got_held = 1;
        } else {
            assert_string_equal(env->request_id, late);
            assert_int_equal(env->error->code, HRFLOW__V1__ERROR_CODE__UNAVAILABLE);
            /* untouched: the client may send it to another broker */
            assert_int_equal(env->error->n_details, 1);
            assert_string_equal(env->error->details[0]->code, HF_BUS_NOT_TAKEN);
            got_late = 1;
        }
        hrflow__v1__envelope__free_unpacked(env, NULL);
    }
    assert_true(got_held && got_late);
    int status = tl_stop(f->b.pid, SIGTERM, 5000);
    f->b.pid = 0;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* The broker is killed and restarted on the same port: the client and the
 * worker find it again by themselves. */
static void test_broker_restart_recovers(void **state)
{
    fx_t *f = *state;
    add_worker(f, "survivor", 1);
    hf_status_t st = { 0 };
    assert_int_equal(fx_echo(f->c, "Echo", "before", 0, 2000, NULL, &st), 0);

    /* a call in flight when the broker dies ends at its deadline, not later */
    char id[HF_BUS_ID_MAX];
    assert_int_equal(fx_echo_send(f->c, "Echo", 500, 1000, id), 0);
    usleep(100000);
    fx_broker_kill(&f->b, SIGKILL);
    assert_int_equal(fx_broker_start(&f->b, NULL), 0);

    long long t0 = tl_ms();
    int rc;
    do {
        rc = fx_echo(f->c, "Echo", "after", 0, 1000, NULL, &st);
        hf_status_clear(&st);
    } while (rc != 0 && tl_ms() - t0 < 10000);
    printf("# recovered %lld ms after the restart\n", tl_ms() - t0);
    assert_int_equal(rc, 0);
}

/* The broker is frozen (SIGSTOP) for longer than a liveness period while the
 * worker holds a slow request, so the worker takes it for gone and opens a
 * new socket. The request came on the old socket, whose identity is the only
 * one the broker knows it by: the reply must go back there, and after
 * SIGCONT the caller gets the real reply, not UNAVAILABLE. (A worker whose
 * own thread is starved of CPU comes to the same wrong conclusion.) */
static void test_frozen_broker_reply_reaches_caller(void **state)
{
    fx_t *f = *state;
    add_worker(f, "steady", 1);
    char id[HF_BUS_ID_MAX];
    assert_int_equal(fx_echo_send(f->c, "Record", 1500, 20000, id), 0);
    usleep(200000); /* now held by the worker */
    assert_int_equal(kill(f->b.pid, SIGSTOP), 0);
    usleep(1000000); /* beyond 3 x 100 ms of silence: the worker replaces its socket */
    assert_int_equal(kill(f->b.pid, SIGCONT), 0);
    Hrflow__V1__Envelope *env = NULL;
    assert_int_equal(hf_bus_recv(f->c, 20000, &env), 1);
    assert_string_equal(env->request_id, id);
    if (env->error)
        printf("# error %d: %s\n", env->error->code, env->error->message);
    assert_null(env->error);
    hrflow__v1__envelope__free_unpacked(env, NULL);
    /* the old identity left cleanly; the new one serves */
    hf_status_t st = { 0 };
    assert_int_equal(fx_echo(f->c, "Record", "next", 0, 5000, NULL, &st), 0);
    assert_int_equal(fx_wait_workers(f->b.rpc, 1, 5000), 0);
    assert_true(fx_broker_metric(&f->b, "hf_broker_errors_total{code=\"unavailable\"}") <= 0);
}

/* ---- a hand-driven worker, to see the seq numbers a broker hands out ---- */

static void fake_send(void *s, int cmd, const void *a, size_t alen, const void *b, size_t blen)
{
    unsigned char c = (unsigned char)cmd;
    zmq_send(s, HF_BUS_WORKER_PROTO, 4, ZMQ_SNDMORE);
    zmq_send(s, &c, 1, a ? ZMQ_SNDMORE : 0);
    if (a)
        zmq_send(s, a, alen, b ? ZMQ_SNDMORE : 0);
    if (b)
        zmq_send(s, b, blen, 0);
}

static void fake_ready_as(void *s, uint32_t capacity, int batch)
{
    Hrflow__V1__WorkerReady r = HRFLOW__V1__WORKER_READY__INIT;
    char *methods[] = { "Echo" };
    r.service = "echo";
    r.capacity = capacity;
    r.batch = batch;
    r.instance = "by-hand";
    r.methods = methods;
    r.n_methods = 1;
    uint8_t buf[256];
    size_t n = hrflow__v1__worker_ready__pack(&r, buf);
    fake_send(s, HF_BUS_READY, buf, n, NULL, 0);
}

/* A worker of capacity 1 that takes requests one by one (as before batches). */
static void fake_ready(void *s)
{
    fake_ready_as(s, 1, 0);
}

/* Wait up to ms for a REQUEST, beating meanwhile; returns its seq and
 * envelope, or 0 when none came. */
static uint64_t fake_take_within(void *s, int ms, Hrflow__V1__Envelope **env)
{
    long long until = tl_ms() + ms;
    while (tl_ms() < until) {
        fake_send(s, HF_BUS_HEARTBEAT, NULL, 0, NULL, 0);
        zmq_pollitem_t it = { s, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&it, 1, 50) <= 0)
            continue;
        zmq_msg_t f[4];
        int n = 0, more = 1;
        while (more && n < 4) {
            zmq_msg_init(&f[n]);
            zmq_msg_recv(&f[n], s, 0);
            more = zmq_msg_more(&f[n++]);
        }
        uint64_t seq = 0;
        if (n == 4 && *(unsigned char *)zmq_msg_data(&f[1]) == HF_BUS_REQUEST) {
            const unsigned char *p = zmq_msg_data(&f[2]);
            for (int i = 0; i < 8; i++)
                seq = seq << 8 | p[i];
            *env = hrflow__v1__envelope__unpack(NULL, zmq_msg_size(&f[3]), zmq_msg_data(&f[3]));
        } else if (n == 2 && *(unsigned char *)zmq_msg_data(&f[1]) == HF_BUS_DISCONNECT) {
            fake_ready(s); /* the broker does not know us */
        }
        for (int i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
        if (seq)
            return seq;
    }
    return 0;
}

static uint64_t fake_take(void *s, Hrflow__V1__Envelope **env)
{
    uint64_t seq = fake_take_within(s, 10000, env);
    if (!seq)
        fail_msg("no request reached the hand-driven worker");
    return seq;
}

/* The echo reply to req, packed into an envelope, in buf (n bytes). */
static size_t fake_reply_env(const Hrflow__V1__Envelope *req, uint8_t *buf)
{
    Hrflow__V1__EchoRequest *in =
        hrflow__v1__echo_request__unpack(NULL, req->payload.len, req->payload.data);
    assert_non_null(in);
    Hrflow__V1__EchoReply r = HRFLOW__V1__ECHO_REPLY__INIT;
    r.body = in->body;
    r.instance = "by-hand";
    uint8_t payload[256];
    Hrflow__V1__Envelope out = HRFLOW__V1__ENVELOPE__INIT;
    out.service = req->service;
    out.method = req->method;
    out.request_id = req->request_id;
    out.payload.data = payload;
    out.payload.len = hrflow__v1__echo_reply__pack(&r, payload);
    size_t n = hrflow__v1__envelope__pack(&out, buf);
    hrflow__v1__echo_request__free_unpacked(in, NULL);
    return n;
}

static void fake_reply(void *s, uint64_t seq, const Hrflow__V1__Envelope *req)
{
    uint8_t buf[1024];
    size_t n = fake_reply_env(req, buf);
    unsigned char be[8];
    hf_put_u64(be, seq);
    fake_send(s, HF_BUS_REPLY, be, 8, buf, n);
}

static void send_body(hf_bus_client_t *c, const char *body, char *id)
{
    Hrflow__V1__EchoRequest req = HRFLOW__V1__ECHO_REQUEST__INIT;
    req.body.data = (uint8_t *)body;
    req.body.len = strlen(body);
    hf_call_opts_t o = { .timeout_ms = 20000 };
    assert_int_equal(hf_bus_send(c, "echo", "Echo", &req.base, &o, id), 0);
}

/* A broker restarted on the same endpoint must not number its requests like
 * the one before: a worker's late reply to the old broker's request N would
 * otherwise be taken for the reply to the new broker's request N and reach
 * the wrong caller. The hand-driven worker here answers request A of the
 * first lifetime only after the restart, then request B of the second. */
static void test_restarted_broker_numbers_afresh(void **state)
{
    fx_t *f = *state;
    void *w = hf_bus_socket(ZMQ_DEALER, HF_BUS_CLIENT); /* with the bus's keys */
    assert_non_null(w);
    assert_int_equal(hf_bus_connect(w, tl_tcp(f->b.rpc)), 0);
    fake_ready(w);
    char id_a[HF_BUS_ID_MAX], id_b[HF_BUS_ID_MAX], id_c[HF_BUS_ID_MAX];
    send_body(f->c, "A", id_a);
    Hrflow__V1__Envelope *req_a = NULL, *req_b = NULL, *req_c = NULL;
    uint64_t seq_a = fake_take(w, &req_a);
    assert_non_null(req_a);

    fx_broker_kill(&f->b, SIGKILL);
    /* this test's thread is the worker and beats only while it waits for a
     * request: the second broker allows it 10 s of silence, so a test thread
     * slowed down by the machine is not what the test measures */
    const char *patient[] = { "HF_LIVENESS=100", NULL };
    assert_int_equal(fx_broker_start(&f->b, patient), 0);
    hf_bus_client_t *c2 = hf_bus_client_new(tl_tcp(f->b.rpc));
    fake_ready(w); /* queued until the socket has reconnected */
    send_body(c2, "B", id_b);
    uint64_t seq_b = fake_take(w, &req_b);
    assert_non_null(req_b);
    printf("# first lifetime seq %llu, second %llu\n", (unsigned long long)seq_a,
           (unsigned long long)seq_b);
    fake_reply(w, seq_a, req_a); /* late: for a broker that is gone */
    fake_reply(w, seq_b, req_b);
    Hrflow__V1__Envelope *env = NULL;
    assert_int_equal(hf_bus_recv(c2, 10000, &env), 1);
    assert_string_equal(env->request_id, id_b);
    ProtobufCMessage *m = NULL;
    hf_status_t st = { 0 };
    assert_int_equal(hf_bus_reply_decode(env, &hrflow__v1__echo_reply__descriptor, &m, &st), 0);
    Hrflow__V1__EchoReply *r = (Hrflow__V1__EchoReply *)m;
    assert_int_equal(r->body.len, 1);
    assert_memory_equal(r->body.data, "B", 1);
    protobuf_c_message_free_unpacked(m, NULL);
    hrflow__v1__envelope__free_unpacked(env, NULL);
    assert_true(fx_broker_metric(&f->b, "hf_broker_late_replies_total") >= 1);

    /* within one lifetime the numbers only go up */
    send_body(c2, "C", id_c);
    uint64_t seq_c = fake_take(w, &req_c);
    assert_true(seq_c > seq_b);
    hrflow__v1__envelope__free_unpacked(req_a, NULL);
    hrflow__v1__envelope__free_unpacked(req_b, NULL);
    hrflow__v1__envelope__free_unpacked(req_c, NULL);
    hf_bus_client_destroy(&c2);
    zmq_close(w);
}

static void fake_capacity(void *s, uint32_t v)
{
    unsigned char be[4];
    hf_put_u32(be, v);
    fake_send(s, HF_BUS_CAPACITY, be, 4, NULL, 0);
}

static double echo_capacity(fx_t *f)
{
    return fx_broker_metric(&f->b, "hf_broker_service_capacity{service=\"echo\"}");
}

/* A worker's CAPACITY command: the broker hands it that many requests at
 * once from then on; a capacity of 0 is refused and changes nothing. */
static void test_broker_follows_worker_capacity(void **state)
{
    fx_t *f = *state;
    void *w = hf_bus_socket(ZMQ_DEALER, HF_BUS_CLIENT);
    assert_non_null(w);
    assert_int_equal(hf_bus_connect(w, tl_tcp(f->b.rpc)), 0);
    fake_ready(w); /* capacity 1 */
    char id[3][HF_BUS_ID_MAX];
    send_body(f->c, "A", id[0]);
    send_body(f->c, "B", id[1]);
    send_body(f->c, "C", id[2]);
    Hrflow__V1__Envelope *req[3] = { NULL, NULL, NULL };
    uint64_t seq[3];
    seq[0] = fake_take(w, &req[0]);
    assert_int_equal(fake_take_within(w, 300, &req[1]), 0); /* full at 1 */
    assert_int_equal(echo_capacity(f), 1);

    fake_capacity(w, 0);
    assert_int_equal(fake_take_within(w, 300, &req[1]), 0);
    assert_true(fx_broker_metric(&f->b, "hf_broker_malformed_total{socket=\"rpc\"}") >= 1);
    assert_int_equal(echo_capacity(f), 1);

    fake_capacity(w, 3); /* the two waiting go out at once */
    seq[1] = fake_take(w, &req[1]);
    seq[2] = fake_take(w, &req[2]);
    assert_int_equal(echo_capacity(f), 3);
    for (int i = 0; i < 3; i++)
        fake_reply(w, seq[i], req[i]);
    for (int i = 0; i < 3; i++) {
        Hrflow__V1__Envelope *env = NULL;
        assert_int_equal(hf_bus_recv(f->c, 10000, &env), 1);
        assert_null(env->error);
        hrflow__v1__envelope__free_unpacked(env, NULL);
        hrflow__v1__envelope__free_unpacked(req[i], NULL);
    }
    zmq_close(w);
}

/* Keep `window` Echo requests of sleep_ms in flight until n have been
 * answered, each without error. */
static void echo_load(fx_t *f, int n, int window, unsigned sleep_ms)
{
    char id[HF_BUS_ID_MAX];
    int sent = 0, done = 0;
    while (done < n) {
        for (; sent < n && sent - done < window; sent++)
            assert_int_equal(fx_echo_send(f->c, "Echo", sleep_ms, 20000, id), 0);
        Hrflow__V1__Envelope *env = NULL;
        assert_int_equal(hf_bus_recv(f->c, 20000, &env), 1);
        assert_null(env->error);
        hrflow__v1__envelope__free_unpacked(env, NULL);
        done++;
    }
}

/* One adaptive echo worker of 2 threads with capacity 2 x prefetch at
 * first and at least (and 2 x 32 at most), n requests of sleep_ms through it with 64 in
 * flight; returns the capacity the broker sees at the end. */
static double capacity_after(fx_t *f, int prefetch, int n, unsigned sleep_ms)
{
    f->w[f->nw++] = fx_echo_start_prefetch(tl_tcp(f->b.rpc), "adaptive", 2, prefetch, 32);
    assert_int_equal(fx_wait_workers(f->b.rpc, 1, 5000), 0);
    assert_int_equal(echo_capacity(f), 2 * prefetch);
    echo_load(f, n, 64, sleep_ms);
    double cap = echo_capacity(f);
    printf("# capacity after %d requests of %u ms: %.0f (%d at first and least, 64 at most)\n",
           n, sleep_ms, cap, 2 * prefetch);
    return cap;
}

/* Adaptive capacity, up: a fast method behind a capacity of one per thread
 * leaves the threads idle for each round trip to the broker while requests
 * wait there, so the worker asks for more, past half its most (the
 * requests of one batch from the broker, queued behind each other, are no
 * sign of too many: counted as such, it stalls between 8 and 30). */
static void test_capacity_grows_for_fast_methods(void **state)
{
    assert_true(capacity_after(*state, 1, 4000, 0) >= 32);
}

/* Adaptive capacity, down: once grown on fast requests, a slow method with
 * many requests queued in the worker (they could be served by another
 * replica) makes it ask for fewer, towards one queued per thread but never
 * under its prefetch (2 threads x 2). A round is as many replies as the
 * capacity, so how many requests that takes depends on the pace the machine
 * keeps: the load goes on in steps of 32 until the capacity is down or 1 000
 * requests were not enough. */
static void test_capacity_shrinks_for_slow_methods(void **state)
{
    fx_t *f = *state;
    assert_true(capacity_after(f, 2, 2000, 0) >= 32);
    char id[HF_BUS_ID_MAX];
    double cap = echo_capacity(f);
    int sent = 0, done = 0;
    while (done < sent || (cap > 12 && sent < 1000)) {
        for (; cap > 12 && sent < 1000 && sent - done < 64; sent++)
            assert_int_equal(fx_echo_send(f->c, "Echo", 3, 20000, id), 0);
        Hrflow__V1__Envelope *env = NULL;
        assert_int_equal(hf_bus_recv(f->c, 20000, &env), 1);
        assert_null(env->error);
        hrflow__v1__envelope__free_unpacked(env, NULL);
        if (++done % 32 == 0 && cap > 12) {
            cap = echo_capacity(f);
            assert_true(cap >= 4);
        }
    }
    printf("# then after %d requests of 3 ms: %.0f (4 at least)\n", sent, cap);
    assert_true(cap <= 12);
}

/* A client by hand: an echo request with request id rid, saying whether
 * it takes its replies in batches. */
static void *hand_client(fx_t *f)
{
    void *d = hf_bus_socket(ZMQ_DEALER, HF_BUS_CLIENT);
    assert_non_null(d);
    assert_int_equal(hf_bus_connect(d, tl_tcp(f->b.rpc)), 0);
    return d;
}

static void hand_send(void *d, const char *rid, int batch_replies)
{
    Hrflow__V1__EchoRequest er = HRFLOW__V1__ECHO_REQUEST__INIT;
    er.body.data = (uint8_t *)"h";
    er.body.len = 1;
    uint8_t payload[64], env[256];
    Hrflow__V1__Envelope e = HRFLOW__V1__ENVELOPE__INIT;
    e.service = "echo";
    e.method = "Echo";
    e.request_id = (char *)rid;
    e.batch_replies = batch_replies;
    e.payload.data = payload;
    e.payload.len = hrflow__v1__echo_request__pack(&er, payload);
    size_t n = hrflow__v1__envelope__pack(&e, env);
    zmq_send(d, HF_BUS_CLIENT_PROTO, 4, ZMQ_SNDMORE);
    zmq_send(d, env, n, 0);
}

/* What the hand client d receives next: the number of replies in it (1 for
 * a single [HFC1][env], the items of a [HFC1][0x07][items]), each with
 * request id rid. */
static int hand_replies(void *d, const char *rid)
{
    zmq_pollitem_t it = { d, 0, ZMQ_POLLIN, 0 };
    assert_int_equal(zmq_poll(&it, 1, 10000), 1);
    zmq_msg_t m[3];
    int n = hf_frames_recv(d, m, 3, 0), got = 0;
    assert_true(n == 2 || n == 3);
    assert_memory_equal(zmq_msg_data(&m[0]), HF_BUS_CLIENT_PROTO, 4);
    const unsigned char *p = zmq_msg_data(&m[n - 1]), *env = p;
    size_t left = zmq_msg_size(&m[n - 1]), len = left;
    uint64_t seq;
    if (n == 3)
        assert_int_equal(*(unsigned char *)zmq_msg_data(&m[1]), HF_BUS_BATCH);
    while (n == 2 ? got == 0 : hf_batch_next(&p, &left, &seq, &env, &len) == 1) {
        Hrflow__V1__Envelope *e = hrflow__v1__envelope__unpack(NULL, len, env);
        assert_non_null(e);
        assert_string_equal(e->request_id, rid);
        assert_null(e->error);
        hrflow__v1__envelope__free_unpacked(e, NULL);
        got++;
    }
    hf_frames_close(m, n);
    return got;
}

/* A worker that said batch in its READY gets its requests in BATCH frames
 * (however the broker's passes group them) and may answer in one: every
 * reply reaches its caller, a reply to no request is late, and a torn item
 * at the end is counted malformed without losing the whole ones before it.
 * The replies of that one pass reach a client whose requests said
 * batch_replies in one frame (the library's client, and one by hand), and a
 * client that did not say so one by one. */
static void test_batches_between_broker_and_worker(void **state)
{
    fx_t *f = *state;
    void *w = hf_bus_socket(ZMQ_DEALER, HF_BUS_CLIENT);
    assert_non_null(w);
    assert_int_equal(hf_bus_connect(w, tl_tcp(f->b.rpc)), 0);
    fake_ready_as(w, 8, 1);
    assert_int_equal(fx_wait_workers(f->b.rpc, 1, 5000), 0);
    void *old = hand_client(f), *new = hand_client(f);
    enum { N = 8, LIB = 5 }; /* 5 by the library, 1 by old, 2 by new */
    char id[N][HF_BUS_ID_MAX];
    for (int i = 0; i < LIB; i++) {
        char body[2] = { (char)('a' + i), 0 };
        send_body(f->c, body, id[i]);
    }
    hand_send(old, "old", 0);
    hand_send(new, "new", 1);
    hand_send(new, "new", 1);
    uint64_t seq[N];
    Hrflow__V1__Envelope *req[N];
    int got = 0, batches = 0;
    long long until = tl_ms() + 10000;
    while (got < N && tl_ms() < until) {
        fake_send(w, HF_BUS_HEARTBEAT, NULL, 0, NULL, 0);
        zmq_pollitem_t it = { w, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&it, 1, 50) <= 0)
            continue;
        zmq_msg_t m[3];
        int n = hf_frames_recv(w, m, 3, 0);
        if (n == 3 && *(unsigned char *)zmq_msg_data(&m[1]) == HF_BUS_BATCH) {
            const unsigned char *p = zmq_msg_data(&m[2]), *env;
            size_t left = zmq_msg_size(&m[2]), len;
            uint64_t s;
            batches++;
            while (hf_batch_next(&p, &left, &s, &env, &len) == 1) {
                assert_true(got < N);
                seq[got] = s;
                req[got] = hrflow__v1__envelope__unpack(NULL, len, env);
                assert_non_null(req[got++]);
            }
            assert_int_equal(left, 0);
        }
        if (n > 0)
            hf_frames_close(m, n);
    }
    assert_int_equal(got, N);
    printf("# %d requests in %d batch(es)\n", N, batches);

    hf_buf_t out = { 0 };
    uint8_t buf[1024];
    for (int i = 0; i < N; i++)
        hf_batch_put(&out, seq[i], buf, fake_reply_env(req[i], buf));
    hf_batch_put(&out, seq[0] ^ 0x5555, buf, fake_reply_env(req[0], buf)); /* no such request */
    hf_buf_put(&out, "\x00\x01\x02\x03\x04", 5);                           /* torn */
    assert_int_equal(hf_batch_send(w, HF_BUS_WORKER_PROTO, HF_BUS_BATCH, &out), 0);
    for (int i = 0; i < LIB; i++) {
        Hrflow__V1__Envelope *env = NULL;
        assert_int_equal(hf_bus_recv(f->c, 10000, &env), 1);
        assert_null(env->error);
        int k = -1;
        for (int j = 0; j < LIB; j++)
            if (strcmp(env->request_id, id[j]) == 0)
                k = j;
        assert_true(k >= 0);
        Hrflow__V1__EchoReply *r = hrflow__v1__echo_reply__unpack(NULL, env->payload.len,
                                                                   env->payload.data);
        assert_non_null(r);
        assert_int_equal(r->body.len, 1);
        assert_int_equal(r->body.data[0], 'a' + k);
        hrflow__v1__echo_reply__free_unpacked(r, NULL);
        hrflow__v1__envelope__free_unpacked(env, NULL);
    }
    for (int i = 0; i < N; i++)
        hrflow__v1__envelope__free_unpacked(req[i], NULL);
    assert_int_equal(hand_replies(old, "old"), 1);
    assert_int_equal(hand_replies(new, "new"), 2); /* one frame of two */
    zmq_close(old);
    zmq_close(new);
    assert_true(fx_broker_metric(&f->b, "hf_broker_late_replies_total") >= 1);
    assert_true(fx_broker_metric(&f->b, "hf_broker_malformed_total{socket=\"rpc\"}") >= 1);
    zmq_close(w);
}

/* A broker by hand: a ROUTER bound to port with the broker's CURVE key,
 * but no ZAP handler in this process to check its peers' keys, so it lets
 * them in (ZMQ_ZAP_ENFORCE_DOMAIN off). */
static void *hand_broker(int port)
{
    void *r = hf_bus_socket(ZMQ_ROUTER, HF_BUS_SERVER);
    assert_non_null(r);
    int zero = 0;
    zmq_setsockopt(r, 93 /* ZMQ_ZAP_ENFORCE_DOMAIN */, &zero, sizeof(zero));
    assert_int_equal(zmq_bind(r, tl_tcp(port)), 0);
    return r;
}

/* A broker of the version before batches, played by the test: it hands a
 * real echo worker (which says batch in its READY) single REQUEST commands
 * and must get single REPLY commands back, so brokers and workers can be
 * upgraded one at a time. */
static void test_worker_answers_a_broker_without_batches(void **state)
{
    fx_t *f = *state;
    int port = tl_free_port();
    void *r = hand_broker(port);
    f->w[f->nw++] = fx_echo_start(tl_tcp(port), "new", 2);
    zmq_msg_t m[5];
    zmq_pollitem_t it = { r, 0, ZMQ_POLLIN, 0 };
    int replies = 0, requests = 0;
    long long until = tl_ms() + 10000;
    while (replies < 3 && tl_ms() < until) {
        if (zmq_poll(&it, 1, 100) <= 0)
            continue;
        int n = hf_frames_recv(r, m, 5, 0);
        assert_true(n >= 3);
        unsigned char cmd = *(unsigned char *)zmq_msg_data(&m[2]);
        if (cmd == HF_BUS_READY) {
            Hrflow__V1__WorkerReady *rd =
                hrflow__v1__worker_ready__unpack(NULL, zmq_msg_size(&m[3]), zmq_msg_data(&m[3]));
            assert_non_null(rd);
            assert_true(rd->batch);
            hrflow__v1__worker_ready__free_unpacked(rd, NULL);
            for (; requests < 3; requests++) { /* one by one, as before batches */
                Hrflow__V1__EchoRequest er = HRFLOW__V1__ECHO_REQUEST__INIT;
                er.body.data = (uint8_t *)"old";
                er.body.len = 3;
                uint8_t payload[64], env[256], seq[8], c = HF_BUS_REQUEST;
                Hrflow__V1__Envelope e = HRFLOW__V1__ENVELOPE__INIT;
                e.service = "echo";
                e.method = "Echo";
                e.request_id = "old-broker";
                e.payload.data = payload;
                e.payload.len = hrflow__v1__echo_request__pack(&er, payload);
                size_t len = hrflow__v1__envelope__pack(&e, env);
                hf_put_u64(seq, 100 + (uint64_t)requests);
                zmq_send(r, zmq_msg_data(&m[0]), zmq_msg_size(&m[0]), ZMQ_SNDMORE);
                zmq_send(r, HF_BUS_WORKER_PROTO, 4, ZMQ_SNDMORE);
                zmq_send(r, &c, 1, ZMQ_SNDMORE);
                zmq_send(r, seq, 8, ZMQ_SNDMORE);
                zmq_send(r, env, len, 0);
            }
        } else {
            assert_int_not_equal(cmd, HF_BUS_BATCH);
            if (cmd == HF_BUS_REPLY) {
                assert_int_equal(n, 5);
                uint64_t seq = hf_get_u64(zmq_msg_data(&m[3]));
                assert_true(seq >= 100 && seq < 103);
                Hrflow__V1__Envelope *e =
                    hrflow__v1__envelope__unpack(NULL, zmq_msg_size(&m[4]), zmq_msg_data(&m[4]));
                assert_non_null(e);
                assert_null(e->error);
                assert_string_equal(e->request_id, "old-broker");
                hrflow__v1__envelope__free_unpacked(e, NULL);
                replies++;
            }
        }
        hf_frames_close(m, n);
    }
    assert_int_equal(replies, 3);
    zmq_close(r);
}

/* Requests sent with `more` wait in the client and go with the next one
 * sent without it, as one broker.Batch: the broker counts one batch of 40
 * requests before anyone waits for a reply, and every reply reaches its
 * caller. A burst ended by hf_bus_recv goes the same way. By hand: a
 * batch's torn tail is counted malformed without losing the whole items
 * before it, and a batch inside a batch is refused. */
static void test_client_batches_a_burst(void **state)
{
    fx_t *f = *state;
    add_worker(f, "echo", 2);
    hf_call_opts_t o = { .timeout_ms = 5000, .more = 1 };
    char ids[40][HF_BUS_ID_MAX];
    double before = fx_broker_metric(&f->b, "hf_broker_requests_total"); /* Health calls */
    for (int i = 0; i < 40; i++) {
        o.more = i < 39;
        assert_int_equal(hf_bus_send(f->c, "echo", "Echo", NULL, &o, ids[i]), 0);
    }
    long long until = tl_ms() + 5000;
    while (fx_broker_metric(&f->b, "hf_broker_requests_total") < before + 40 && tl_ms() < until)
        usleep(20000);
    assert_true(fx_broker_metric(&f->b, "hf_broker_requests_total") == before + 40);
    assert_true(fx_broker_metric(&f->b, "hf_broker_client_batches_total") == 1);
    o.more = 1; /* the second burst: goes when hf_bus_recv finds no reply at hand */
    for (int i = 0; i < 40; i++)
        assert_int_equal(hf_bus_send(f->c, "echo", "Echo", NULL, &o, ids[i]), 0);
    int got = 0;
    Hrflow__V1__Envelope *env = NULL;
    while (got < 80 && hf_bus_recv(f->c, 5000, &env) == 1) {
        assert_null(env->error);
        assert_string_equal(env->service, "echo");
        hrflow__v1__envelope__free_unpacked(env, NULL);
        got++;
    }
    assert_int_equal(got, 80);
    assert_true(fx_broker_metric(&f->b, "hf_broker_requests_total") == before + 80);
    assert_true(fx_broker_metric(&f->b, "hf_broker_client_batches_total") == 2);

    /* by hand: two whole items, a nested batch, a torn tail */
    void *d = hand_client(f);
    hf_buf_t items = { 0 }, inner = { 0 };
    uint8_t env_buf[512], inner_env[512];
    Hrflow__V1__Envelope e = HRFLOW__V1__ENVELOPE__INIT;
    e.service = "echo";
    e.method = "Echo";
    e.request_id = "whole";
    size_t n = hrflow__v1__envelope__pack(&e, env_buf);
    hf_batch_put(&items, 0, env_buf, n);
    hf_batch_put(&items, 0, env_buf, n);
    hf_batch_put(&inner, 0, env_buf, n);
    hf_batch_put(&items, 0, inner_env,
                 fx_batch_envelope(&inner, "nested", 0, inner_env, sizeof(inner_env)));
    hf_buf_put(&items, "torn", 4);
    double malformed = fx_broker_metric(&f->b, "hf_broker_malformed_total{socket=\"rpc\"}");
    uint8_t out[2048];
    zmq_send(d, HF_BUS_CLIENT_PROTO, 4, ZMQ_SNDMORE);
    zmq_send(d, out, fx_batch_envelope(&items, "the-batch", 0, out, sizeof(out)), 0);
    int acks = 0, whole = 0, refused = 0;
    for (int i = 0; i < 4; i++) {
        zmq_pollitem_t it = { d, 0, ZMQ_POLLIN, 0 };
        assert_int_equal(zmq_poll(&it, 1, 5000), 1);
        zmq_msg_t m[2];
        assert_int_equal(hf_frames_recv(d, m, 2, 0), 2);
        Hrflow__V1__Envelope *r =
            hrflow__v1__envelope__unpack(NULL, zmq_msg_size(&m[1]), zmq_msg_data(&m[1]));
        assert_non_null(r);
        if (!strcmp(r->request_id, "the-batch") && !r->error)
            acks++;
        else if (!strcmp(r->request_id, "whole") && !r->error)
            whole++;
        else if (!strcmp(r->request_id, "nested") && r->error &&
                 r->error->code == HRFLOW__V1__ERROR_CODE__UNIMPLEMENTED)
            refused++;
        hrflow__v1__envelope__free_unpacked(r, NULL);
        hf_frames_close(m, 2);
    }
    assert_int_equal(acks, 1);
    assert_int_equal(whole, 2);
    assert_int_equal(refused, 1);
    assert_true(fx_broker_metric(&f->b, "hf_broker_malformed_total{socket=\"rpc\"}") ==
                malformed + 1);
    zmq_close(d);
}

/* A broker older than batches answers broker.Batch UNIMPLEMENTED, having
 * done nothing with its requests: the client sends them again one by one,
 * and what it sends next one by one too. The broker here is a ROUTER by
 * hand. */
static void test_client_resends_to_a_broker_without_batches(void **state)
{
    (void)state;
    int port = tl_free_port();
    void *r = hand_broker(port);
    hf_bus_client_t *c = hf_bus_client_new(tl_tcp(port));
    assert_non_null(c);
    hf_call_opts_t o = { .timeout_ms = 5000, .more = 1 };
    char ids[5][HF_BUS_ID_MAX];
    for (int i = 0; i < 3; i++)
        assert_int_equal(hf_bus_send(c, "echo", "Echo", NULL, &o, ids[i]), 0);
    Hrflow__V1__Envelope *env = NULL;
    assert_int_equal(hf_bus_recv(c, 0, &env), 0); /* nothing at hand: the burst goes */
    int singles = 0, batches = 0, replies = 0;
    long long until = tl_ms() + 10000;
    while ((singles < 5 || replies < 5) && tl_ms() < until) {
        zmq_pollitem_t it = { r, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&it, 1, 20) == 1) {
            zmq_msg_t m[3];
            int n = hf_frames_recv(r, m, 3, 0);
            assert_int_equal(n, 3); /* [identity][HFC1][Envelope]: no other shape */
            Hrflow__V1__Envelope *in =
                hrflow__v1__envelope__unpack(NULL, zmq_msg_size(&m[2]), zmq_msg_data(&m[2]));
            assert_non_null(in);
            Hrflow__V1__Envelope out = HRFLOW__V1__ENVELOPE__INIT;
            Hrflow__V1__Error err = HRFLOW__V1__ERROR__INIT;
            out.service = in->service;
            out.method = in->method;
            out.request_id = in->request_id;
            if (!strcmp(in->service, "broker")) {
                assert_string_equal(in->method, HF_BUS_BATCH_METHOD);
                assert_int_equal(batches++, 0); /* after the refusal, one by one */
                err.code = HRFLOW__V1__ERROR_CODE__UNIMPLEMENTED;
                err.message = "the broker has no method Batch";
                out.error = &err;
            } else {
                assert_string_equal(in->request_id, ids[singles]);
                singles++;
            }
            uint8_t buf[512];
            zmq_send(r, zmq_msg_data(&m[0]), zmq_msg_size(&m[0]), ZMQ_SNDMORE);
            zmq_send(r, HF_BUS_CLIENT_PROTO, 4, ZMQ_SNDMORE);
            zmq_send(r, buf, hrflow__v1__envelope__pack(&out, buf), 0);
            hrflow__v1__envelope__free_unpacked(in, NULL);
            hf_frames_close(m, 3);
        }
        if (hf_bus_recv(c, 0, &env) == 1) {
            assert_string_equal(env->request_id, ids[replies]);
            assert_null(env->error);
            hrflow__v1__envelope__free_unpacked(env, NULL);
            if (++replies == 3) /* the refusal holds for what is sent next */
                for (int i = 3; i < 5; i++)
                    assert_int_equal(hf_bus_send(c, "echo", "Echo", NULL, &o, ids[i]), 0);
        }
    }
    assert_int_equal(batches, 1);
    assert_int_equal(singles, 5);
    assert_int_equal(replies, 5);
    hf_bus_client_destroy(&c);
    zmq_close(r);
}

/* A second broker beside the fixture's, and two echo workers connected to
 * both; both = the endpoints of the two, for a client. */
static void second_broker(fx_t *f, fx_broker_t *b2, char *both, size_t n)
{
    assert_int_equal(fx_broker_start(b2, NULL), 0);
    snprintf(both, n, "%s,%s", tl_tcp(f->b.rpc), tl_tcp(b2->rpc));
    f->w[f->nw++] = fx_echo_start(both, "r1", 2);
    f->w[f->nw++] = fx_echo_start(both, "r2", 2);
    assert_int_equal(fx_wait_workers(f->b.rpc, 2, 5000), 0);
    assert_int_equal(fx_wait_workers(b2->rpc, 2, 5000), 0);
}

/* Two brokers, clients and workers connected to both; one dies and the
 * calls keep succeeding through the other. */
static void test_two_brokers_one_dies(void **state)
{
    fx_t *f = *state;
    fx_broker_t b2 = { 0 };
    char both[96];
    second_broker(f, &b2, both, sizeof(both));
    hf_bus_client_t *c = hf_bus_client_new(both);
    hf_status_t st = { 0 };
    for (int i = 0; i < 10; i++)
        assert_int_equal(fx_echo(c, "Echo", "x", 0, 2000, NULL, &st), 0);
    fx_broker_kill(&b2, SIGKILL);
    usleep(100000);
    int ok = 0;
    for (int i = 0; i < 20; i++)
        ok += fx_echo(c, "Echo", "y", 0, 2000, NULL, &st) == 0;
    hf_status_clear(&st);
    assert_int_equal(ok, 20);
    hf_bus_client_destroy(&c);
}

/* Two brokers, one draining (held open by a long request it carries): every
 * call of a client connected to both still succeeds, the ones the draining
 * broker refused untouched sent again to the other. Before, about every
 * other call failed UNAVAILABLE for the whole drain. */
static void test_calls_pass_a_draining_broker(void **state)
{
    fx_t *f = *state;
    fx_broker_t b2 = { 0 };
    char both[96];
    second_broker(f, &b2, both, sizeof(both));
    hf_bus_client_t *only2 = hf_bus_client_new(tl_tcp(b2.rpc));
    hf_bus_client_t *c = hf_bus_client_new(both);
    hf_status_t st = { 0 };
    for (int i = 0; i < 4; i++) /* both brokers connected */
        assert_int_equal(fx_echo(c, "Echo", "x", 0, 2000, NULL, &st), 0);
    char held[HF_BUS_ID_MAX];
    assert_int_equal(fx_echo_send(only2, "Record", 3000, 6000, held), 0);
    const char *refused = "hf_broker_errors_total{code=\"unavailable\"}";
    double refused0 = fx_broker_metric(&b2, refused);
    usleep(100000);
    kill(b2.pid, SIGTERM);
    usleep(100000);
    int ok = 0;
    for (int i = 0; i < 20; i++)
        ok += fx_echo(c, "Echo", "y", 0, 2000, NULL, &st) == 0;
    assert_int_equal(ok, 20);
    /* and the draining broker did refuse some: the test tested the path */
    assert_true(fx_broker_metric(&b2, refused) > refused0);
    Hrflow__V1__Envelope *env = NULL;
    assert_int_equal(hf_bus_recv(only2, 6000, &env), 1);
    assert_null(env->error); /* the held request finished during the drain */
    hrflow__v1__envelope__free_unpacked(env, NULL);
    hf_status_clear(&st);
    hf_bus_client_destroy(&c);
    hf_bus_client_destroy(&only2);
    fx_broker_kill(&b2, SIGKILL);
}

/* Publish probes until s's subscription has reached the brokers; drain them. */
static void sync_subscriber(hf_bus_publisher_t *p, hf_bus_subscriber_t *s)
{
    Hrflow__V1__Event ev = HRFLOW__V1__EVENT__INIT;
    ev.source = "/hrflow/test";
    ev.type = "hrflow.test.probe.v1";
    char id[32];
    int probe_seen = 0;
    for (int n = 0; n < 200 && !probe_seen; n++) {
        snprintf(id, sizeof(id), "probe-%d", n);
        ev.id = id;
        assert_int_equal(hf_bus_publish(p, &ev), 0);
        Hrflow__V1__Event *got = NULL;
        if (hf_bus_subscriber_recv(s, 20, &got) == 1) {
            probe_seen = 1;
            hrflow__v1__event__free_unpacked(got, NULL);
        }
    }
    assert_true(probe_seen);
    usleep(200000);
    Hrflow__V1__Event *got = NULL;
    while (hf_bus_subscriber_recv(s, 50, &got) == 1)
        hrflow__v1__event__free_unpacked(got, NULL);
}

/* A second broker b2; pubs (96 bytes) gets both brokers' XSUB endpoints;
 * returns a subscriber to both, subscribed to hrflow.test., and in *p a
 * publisher to both whose events have reached it. */
static hf_bus_subscriber_t *subscriber_of_two(fx_t *f, fx_broker_t *b2, char *pubs,
                                              hf_bus_publisher_t **p)
{
    assert_int_equal(fx_broker_start(b2, NULL), 0);
    char subs[96];
    snprintf(pubs, 96, "%s,%s", tl_tcp(f->b.xsub), tl_tcp(b2->xsub));
    snprintf(subs, sizeof(subs), "%s,%s", tl_tcp(f->b.xpub), tl_tcp(b2->xpub));
    hf_bus_subscriber_t *s = hf_bus_subscriber_new(subs);
    assert_non_null(s);
    assert_int_equal(hf_bus_subscribe(s, "hrflow.test."), 0);
    *p = hf_bus_publisher_new(pubs);
    assert_non_null(*p);
    sync_subscriber(*p, s);
    return s;
}

/* Events: publisher -> broker -> subscriber, each event once even with two brokers. */
static void test_events_through_two_brokers(void **state)
{
    fx_t *f = *state;
    fx_broker_t b2 = { 0 };
    char pubs[96];
    hf_bus_publisher_t *p;
    hf_bus_subscriber_t *s = subscriber_of_two(f, &b2, pubs, &p);
    Hrflow__V1__Event ev = HRFLOW__V1__EVENT__INIT;
    ev.source = "/hrflow/test";
    char id[32];
    Hrflow__V1__Event *got = NULL;
    /* other topics are not delivered; ours arrive exactly once each */
    ev.type = "hrflow.other.thing.v1";
    ev.id = "other-1";
    hf_bus_publish(p, &ev);
    ev.type = "hrflow.test.thing.v1";
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof(id), "evt-%d", i);
        ev.id = id;
        assert_int_equal(hf_bus_publish(p, &ev), 0);
    }
    int count = 0;
    while (hf_bus_subscriber_recv(s, 300, &got) == 1) {
        assert_string_equal(got->type, "hrflow.test.thing.v1");
        char want[32];
        snprintf(want, sizeof(want), "evt-%d", count);
        assert_string_equal(got->id, want);
        count++;
        hrflow__v1__event__free_unpacked(got, NULL);
    }
    assert_int_equal(count, 5);
    hf_bus_publisher_destroy(&p);
    hf_bus_subscriber_destroy(&s);
    fx_broker_kill(&b2, SIGKILL);
}

/* A new publisher's connection drops what it publishes until the broker's
 * subscription has come up it: once hf_bus_publisher_wait says both brokers
 * have it, its first event arrives (the outbox relay waits so before it
 * leads). With a broker that is not there, the wait ends at its timeout. */
static void test_publisher_waits_for_its_brokers(void **state)
{
    fx_t *f = *state;
    fx_broker_t b2 = { 0 };
    char pubs[96];
    hf_bus_publisher_t *first;
    hf_bus_subscriber_t *s = subscriber_of_two(f, &b2, pubs, &first);
    for (int round = 0; round < 5; round++) {
        hf_bus_publisher_t *p = hf_bus_publisher_new(pubs);
        assert_non_null(p);
        assert_int_equal(hf_bus_publisher_wait(p, 10000), 1);
        Hrflow__V1__Event ev = HRFLOW__V1__EVENT__INIT;
        char id[32];
        snprintf(id, sizeof(id), "first-%d", round);
        ev.source = "/hrflow/test";
        ev.type = "hrflow.test.first.v1";
        ev.id = id;
        assert_int_equal(hf_bus_publish(p, &ev), 0);
        Hrflow__V1__Event *got = NULL;
        assert_int_equal(hf_bus_subscriber_recv(s, 5000, &got), 1);
        assert_string_equal(got->id, id);
        hrflow__v1__event__free_unpacked(got, NULL);
        hf_bus_publisher_destroy(&p);
    }
    char half[96];
    snprintf(half, sizeof(half), "%s,%s", tl_tcp(f->b.xsub), tl_tcp(tl_free_port()));
    hf_bus_publisher_t *p = hf_bus_publisher_new(half);
    int64_t t0 = hf_mono_ms();
    assert_int_equal(hf_bus_publisher_wait(p, 300), 0);
    assert_true(hf_mono_ms() - t0 >= 290);
    hf_bus_publisher_destroy(&p);
    hf_bus_publisher_destroy(&first);
    hf_bus_subscriber_destroy(&s);
    fx_broker_kill(&b2, SIGKILL);
}

int main(void)
{
    tl_env("HF_TEST_BROKER_BIN");
    if (getenv("HF_TEST_FILTER")) /* run one case: HF_TEST_FILTER=test_round_trip */
        cmocka_set_test_filter(getenv("HF_TEST_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_method_and_service, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spread_across_replicas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_replica_fails_cleanly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_replica_idempotent_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadline_exceeded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overloaded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_drains_on_sigterm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_drains_on_sigterm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_restart_recovers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frozen_broker_reply_reaches_caller, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_restarted_broker_numbers_afresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_follows_worker_capacity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_between_broker_and_worker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_answers_a_broker_without_batches, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_capacity_grows_for_fast_methods, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capacity_shrinks_for_slow_methods, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_batches_a_burst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_resends_to_a_broker_without_batches, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_two_brokers_one_dies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_calls_pass_a_draining_broker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_through_two_brokers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publisher_waits_for_its_brokers, setup, teardown),
    };
    return cmocka_run_group_tests_name("bus", tests, NULL, NULL);
}
