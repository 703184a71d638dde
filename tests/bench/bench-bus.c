/* tests/bench/bench-bus.c - RPC through the broker versus raw ZeroMQ, same run, same machine
 *
 * Measurements with the same payload and the same window of requests in
 * flight:
 *   raw       DEALER -> ROUTER echo in another process and back: the physical
 *             limit of one cross-process round trip over loopback TCP
 *   broker    hf_bus client -> broker -> echo worker -> broker -> client, with
 *             one and with two workers, for each worker prefetch setting
 * For each: requests/s and p50/p99 round-trip latency; then broker/raw.
 *
 * Run: meson test -C build --benchmark --verbose bus
 * Options (environment): HF_BENCH_REQUESTS (200000), HF_BENCH_WINDOW (128),
 * HF_BENCH_PAYLOAD (100 bytes), HF_BENCH_THREADS (echo threads per worker, 2),
 * HF_BENCH_PREFETCH (comma-separated worker prefetch values, "1,4,64,adaptive";
 * adaptive is the services' default: 4 at first, up to 64 per thread).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchout.h"
#include "bus_fixture.h"
#include "testlib.h"

typedef struct {
    double rps, p50_us, p99_us;
} result_t;

static long opt(const char *name, long def)
{
    const char *v = getenv(name);
    return v && *v ? atol(v) : def;
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static result_t summarise(long long *lat, long n, long long elapsed_us)
{
    qsort(lat, (size_t)n, sizeof(*lat), cmp_ll);
    result_t r = { .rps = (double)n * 1e6 / (double)elapsed_us,
                   .p50_us = (double)lat[n / 2],
                   .p99_us = (double)lat[(long)((double)n * 0.99)] };
    return r;
}

/* ---- raw DEALER/ROUTER ---- */

/* The raw echo server: a forked process with its own ZeroMQ context (as the
 * broker and the workers have), echoing until an empty payload arrives. */
static pid_t raw_server_start(int port)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    int hwm = 100000;
    zmq_setsockopt(router, ZMQ_SNDHWM, &hwm, sizeof(hwm));
    zmq_setsockopt(router, ZMQ_RCVHWM, &hwm, sizeof(hwm));
    zmq_bind(router, tl_tcp(port));
    for (;;) {
        zmq_msg_t f[2];
        int n = hf_frames_recv(router, f, 2, 0);
        if (n != 2) {
            if (n > 0)
                hf_frames_close(f, n);
            continue;
        }
        int last = zmq_msg_size(&f[1]) == 0;
        zmq_msg_send(&f[0], router, ZMQ_SNDMORE);
        zmq_msg_send(&f[1], router, 0);
        if (last)
            break;
    }
    zmq_close(router);
    zmq_ctx_term(ctx);
    _exit(0);
}

static result_t run_raw(int port, long requests, long window, size_t payload)
{
    void *dealer = zmq_socket(hf_bus_context(), ZMQ_DEALER);
    int hwm = 100000;
    zmq_setsockopt(dealer, ZMQ_SNDHWM, &hwm, sizeof(hwm));
    zmq_setsockopt(dealer, ZMQ_RCVHWM, &hwm, sizeof(hwm));
    zmq_connect(dealer, tl_tcp(port));
    long long *sent = calloc((size_t)requests, sizeof(long long));
    long long *lat = calloc((size_t)requests, sizeof(long long));
    size_t size = payload < 8 ? 8 : payload;
    unsigned char *buf = calloc(1, size);
    long next = 0, done = 0;
    long long t0 = now_us();
    while (done < requests) {
        while (next < requests && next - done < window) {
            memcpy(buf, &next, sizeof(next));
            sent[next] = now_us();
            zmq_send(dealer, buf, size, 0);
            next++;
        }
        unsigned char in[4096];
        int n = zmq_recv(dealer, in, sizeof(in), 0);
        if (n >= 8) {
            long id;
            memcpy(&id, in, sizeof(id));
            lat[done++] = now_us() - sent[id];
        }
    }
    long long elapsed = now_us() - t0;
    zmq_close(dealer);
    result_t r = summarise(lat, requests, elapsed);
    free(sent);
    free(lat);
    free(buf);
    return r;
}

static void raw_server_stop(int port, pid_t pid)
{
    void *dealer = zmq_socket(hf_bus_context(), ZMQ_DEALER);
    zmq_connect(dealer, tl_tcp(port));
    zmq_send(dealer, "", 0, 0);
    char in[8];
    zmq_recv(dealer, in, sizeof(in), 0);
    zmq_close(dealer);
    tl_stop(pid, SIGTERM, 5000);
}

/* ---- through the broker ---- */

static result_t run_broker(hf_bus_client_t *c, long requests, long window, size_t payload)
{
    long long *sent = calloc((size_t)requests, sizeof(long long));
    long long *lat = calloc((size_t)requests, sizeof(long long));
    char *body = malloc(payload);
    memset(body, 'p', payload);
    Hrflow__V1__EchoRequest req = HRFLOW__V1__ECHO_REQUEST__INIT;
    req.body.data = (uint8_t *)body;
    req.body.len = payload;
    hf_call_opts_t o = { .timeout_ms = 60000, .more = 1, .traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
    long next = 0, done = 0, errors = 0;
    char id[HF_BUS_ID_MAX], rid[32];
    long long t0 = now_us();
    while (done < requests) {
        while (next < requests && next - done < window) {
            snprintf(rid, sizeof(rid), "%ld", next);
            o.request_id = rid;
            sent[next] = now_us();
            if (hf_bus_send(c, "echo", "Echo", &req.base, &o, id) != 0)
                errors++;
            next++;
        }
        Hrflow__V1__Envelope *env = NULL;
        if (hf_bus_recv(c, 60000, &env) != 1)
            break;
        long k = atol(env->request_id);
        if (env->error)
            errors++;
        if (k >= 0 && k < requests)
            lat[done++] = now_us() - sent[k];
        hrflow__v1__envelope__free_unpacked(env, NULL);
    }
    long long elapsed = now_us() - t0;
    if (errors)
        fprintf(stderr, "%ld errors\n", errors);
    result_t r = summarise(lat, done, elapsed);
    free(sent);
    free(lat);
    free(body);
    return r;
}

/* The table row, and the figure for `./hrflow bench all`: issue 16 asks the bus at
 * the services' default settings (adaptive capacity) for >= 0.35 of raw. */
static void row(const char *name, result_t r, double raw_rps, int report, int aimed)
{
    printf("| %-40s | %10.0f | %8.0f | %8.0f | %5.2f |\n", name, r.rps, r.p50_us, r.p99_us,
           r.rps / raw_rps);
    if (report)
        hf_bench_report(name, r.rps, "req/s",
                        (hf_bench_opt_t){ .limit = "raw DEALER/ROUTER echo",
                                          .limit_value = raw_rps,
                                          .aim = aimed ? 0.35 : -1 });
}

int main(void)
{
    long requests = opt("HF_BENCH_REQUESTS", 200000);
    long window = opt("HF_BENCH_WINDOW", 128);
    size_t payload = (size_t)opt("HF_BENCH_PAYLOAD", 100);
    int threads = (int)opt("HF_BENCH_THREADS", 2);

    /* fork the raw server before this process starts ZeroMQ threads */
    int raw_port = tl_free_port();
    pid_t raw_pid = raw_server_start(raw_port);

    fx_broker_t b = { 0 };
    const char *quiet[] = { "HF_LOG_LEVEL=warn", NULL };
    if (fx_broker_start(&b, quiet) < 0) {
        fprintf(stderr, "the broker did not start (run through ./hrflow bench bus)\n");
        tl_stop(raw_pid, SIGKILL, 5000); /* or it keeps meson's pipe open */
        return 1;
    }
    hf_bus_client_t *c = hf_bus_client_new(tl_tcp(b.rpc));

    /* warm up each path, then measure */
    run_raw(raw_port, requests / 10, window, payload);
    result_t raw = run_raw(raw_port, requests, window, payload);
    raw_server_stop(raw_port, raw_pid);

    printf("\n%ld requests of %zu bytes, %ld in flight, %d handler threads per worker\n\n",
           requests, payload, window, threads);
    printf("| %-40s | %10s | %8s | %8s | %5s |\n", "path", "req/s", "p50 µs", "p99 µs", "/raw");
    printf("|------------------------------------------|------------|----------|----------|-------|\n");
    row("raw DEALER/ROUTER echo", raw, raw.rps, 0, 0);

    /* "adaptive" is the services' default: prefetch 4 at first, capacity
     * adapting up to 64 per thread (HF_WORKER_PREFETCH_MAX) */
    char *list = strdup(getenv("HF_BENCH_PREFETCH") ? getenv("HF_BENCH_PREFETCH")
                                                    : "1,4,64,adaptive");
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int adaptive = strcmp(tok, "adaptive") == 0;
        int prefetch = adaptive ? 4 : atoi(tok);
        pid_t w[2];
        for (int n = 1; n <= 2; n++) {
            char inst[32], name[80];
            snprintf(inst, sizeof(inst), "bench-%s-%d", tok, n);
            w[n - 1] = fx_echo_start_prefetch(tl_tcp(b.rpc), inst, threads, prefetch,
                                              adaptive ? 64 : 0);
            if (fx_wait_workers(b.rpc, n, 5000) < 0)
                return 1;
            run_broker(c, requests / 10, window, payload);
            result_t r = run_broker(c, requests, window, payload);
            if (adaptive)
                snprintf(name, sizeof(name), "broker, %d worker%s, adaptive (default)", n,
                         n > 1 ? "s" : "");
            else
                snprintf(name, sizeof(name), "broker, %d worker%s, prefetch %d", n,
                         n > 1 ? "s" : "", prefetch);
            row(name, r, raw.rps, prefetch > 0, adaptive);
            if (adaptive) /* where the capacity settled: the brokers' view */
                printf("|   capacity of the %d worker%s at the end | %10.0f | | | |\n", n,
                       n > 1 ? "s" : "",
                       fx_broker_metric(&b, "hf_broker_service_capacity{service=\"echo\"}"));
        }
        for (int n = 0; n < 2; n++)
            tl_stop(w[n], SIGTERM, 5000);
        fx_wait_workers(b.rpc, 0, 5000);
    }
    free(list);
    hf_bus_client_destroy(&c);
    fx_broker_kill(&b, SIGTERM);
    return 0;
}
