/* common/src/zmq_util.c - the ZeroMQ context, endpoint lists, frames, ids
 *
 * Small helpers the bus client, worker and events modules share, kept here
 * so each of those files is only about its own protocol role.
 */
#include "hf_private.h"
#include "hf/encoding.h"
#include "hf/buf.h"
#include "hf/bus.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *ctx;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;

static void ctx_make(void)
{
    ctx = zmq_ctx_new();
    if (ctx)
        zmq_ctx_set(ctx, ZMQ_IO_THREADS, 1);
}

void *hf_bus_context(void)
{
    pthread_once(&ctx_once, ctx_make);
    return ctx;
}

void hf_bus_shutdown(void)
{
    if (ctx) {
        zmq_ctx_term(ctx);
        ctx = NULL;
    }
}

void hf_endpoints_free(char **eps, int n)
{
    if (!eps)
        return;
    for (int i = 0; i < n; i++)
        free(eps[i]);
    free(eps);
}

/* "scheme://address", optionally followed by "#" and the server's CURVE key */
static int endpoint_ok(const char *e)
{
    static const char *const schemes[] = { "tcp://", "ipc://", "inproc://" };
    const char *hash = strchr(e, '#');
    if (hash && !hf_bus_endpoint_key_ok(hash + 1))
        return 0;
    size_t end = hash ? (size_t)(hash - e) : strlen(e);
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(schemes[i]);
        if (strncmp(e, schemes[i], n) == 0 && end > n)
            return 1;
    }
    return 0;
}

int hf_endpoints_split(const char *list, char ***out)
{
    *out = NULL;
    if (!list)
        return -1;
    char *copy = strdup(list);
    if (!copy)
        return -1;
    int n = 0, cap = 4;
    char **eps = malloc(sizeof(char *) * (size_t)cap);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ", \t", &save); tok && eps; tok = strtok_r(NULL, ", \t", &save)) {
        if (!endpoint_ok(tok) || n == 64)
            goto bad;
        if (n == cap) {
            char **g = realloc(eps, sizeof(char *) * (size_t)(cap *= 2));
            if (!g)
                goto bad;
            eps = g;
        }
        if (!(eps[n] = strdup(tok)))
            goto bad;
        n++;
    }
    free(copy);
    if (!eps || n == 0) {
        free(eps);
        return -1;
    }
    *out = eps;
    return n;
bad:
    hf_endpoints_free(eps, n);
    free(copy);
    return -1;
}

void *hf_zsock_connect(int type, char *const *eps, int n)
{
    void *s = hf_bus_socket(type, HF_BUS_CLIENT);
    if (!s)
        return NULL;
    if (type == ZMQ_DEALER) {
        /* queue only to brokers we are connected to, so a dead broker does
         * not swallow requests while live ones exist */
        int one = 1;
        zmq_setsockopt(s, ZMQ_IMMEDIATE, &one, sizeof(one));
    }
    if (type == ZMQ_XPUB) {
        /* an event publisher: every broker's subscriptions, not only the first
         * of each topic (hf_bus_publisher_wait counts them) */
        int one = 1;
        zmq_setsockopt(s, ZMQ_XPUB_VERBOSE, &one, sizeof(one));
    }
    for (int i = 0; i < n; i++) {
        if (hf_bus_connect(s, eps[i]) != 0) {
            zmq_close(s);
            return NULL;
        }
    }
    return s;
}

int hf_frames_recv(void *sock, zmq_msg_t *msgs, int max, int flags)
{
    int n = 0;
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, n == 0 ? flags : 0) < 0) {
            zmq_msg_close(&m);
            hf_frames_close(msgs, n < max ? n : max);
            return -1;
        }
        int more = zmq_msg_more(&m);
        if (n < max)
            msgs[n] = m; /* ownership moves to the array */
        else
            zmq_msg_close(&m);
        n++;
        if (!more)
            break;
    }
    if (n > max) {
        hf_frames_close(msgs, max);
        return -2;
    }
    return n;
}

void hf_frames_close(zmq_msg_t *msgs, int n)
{
    for (int i = 0; i < n; i++)
        zmq_msg_close(&msgs[i]);
}

int64_t hf_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t hf_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- batches of requests or replies ---- */

void hf_batch_put(hf_buf_t *b, uint64_t seq, const void *env, size_t len)
{
    unsigned char hdr[12];
    hf_put_u64(hdr, seq);
    hf_put_u32(hdr + 8, (uint32_t)len);
    hf_buf_put(b, hdr, sizeof(hdr));
    hf_buf_put(b, env, len);
}

int hf_batch_next(const unsigned char **p, size_t *left, uint64_t *seq,
                  const unsigned char **env, size_t *len)
{
    if (*left == 0)
        return 0;
    if (*left < 12)
        return -1;
    const unsigned char *q = *p;
    size_t n = hf_get_u32(q + 8);
    if (n > *left - 12)
        return -1;
    *seq = hf_get_u64(q);
    *env = q + 12;
    *len = n;
    *p = q + 12 + n;
    *left -= 12 + n;
    return 1;
}

static void free_taken(void *data, void *hint)
{
    (void)hint;
    free(data);
}

int hf_batch_send(void *sock, const char *proto, int cmd, hf_buf_t *b)
{
    size_t len = 0;
    char *data = hf_buf_take(b, &len);
    if (!data)
        return -1;
    unsigned char c = (unsigned char)cmd;
    zmq_msg_t m;
    if (zmq_msg_init_data(&m, data, len, free_taken, NULL) != 0) {
        free(data);
        return -1;
    }
    if (zmq_send(sock, proto, 4, ZMQ_SNDMORE | ZMQ_DONTWAIT) != 4 ||
        zmq_send(sock, &c, 1, ZMQ_SNDMORE) != 1 || zmq_msg_send(&m, sock, 0) < 0) {
        zmq_msg_close(&m);
        return -1;
    }
    return 0;
}
