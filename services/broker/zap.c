/* services/broker/zap.c - the ZAP handler (RFC 27) and the handshake counters
 *
 * libzmq sends one ZAP request per CURVE handshake to the REP socket bound on
 * inproc://zeromq.zap.01 and waits for the reply before the client is let in.
 * The decision is a lookup in the sorted list of authorised public keys
 * (hf_bus_key_authorized), so the handler never blocks and one thread is
 * plenty. The same thread reads the monitor sockets of the broker's sockets
 * and counts accepted and refused handshakes; a refusal by key is also logged
 * with the peer's address and key, at most once a second so a misconfigured
 * client retrying every 100 ms cannot flood the log.
 */
#include "zap.h"
#include "broker_private.h"

#include "hf/bus.h"
#include "hf/log.h"
#include "hf/metrics.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <zmq.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define MAX_WATCHED 4
#define EVENTS (ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | \
                ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

typedef struct {
    void *pair;               /* receives the events of one broker socket */
    hf_counter_t *accepted, *bad_key, *bad_protocol;
} watched_t;

struct broker_zap {
    void *handler;            /* REP on ZAP_ENDPOINT */
    watched_t watched[MAX_WATCHED];
    int n_watched;
    int stop_fd;              /* eventfd */
    pthread_t thread;
    int running;
    int64_t last_log;         /* monotonic ms of the last refusal logged */
    unsigned quiet;           /* refusals not logged since */
};

broker_zap_t *broker_zap_new(char *err, size_t errlen)
{
    broker_zap_t *z = calloc(1, sizeof(*z));
    if (!z) {
        broker_set_err(err, errlen, "out of memory");
        return NULL;
    }
    z->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    z->handler = zmq_socket(hf_bus_context(), ZMQ_REP);
    int zero = 0;
    if (z->handler)
        zmq_setsockopt(z->handler, ZMQ_LINGER, &zero, sizeof(zero));
    if (z->stop_fd < 0 || !z->handler || zmq_bind(z->handler, ZAP_ENDPOINT) != 0) {
        broker_set_err(err, errlen, "cannot start the ZAP handler on %s: %s", ZAP_ENDPOINT,
             zmq_strerror(errno));
        broker_zap_destroy(&z);
        return NULL;
    }
    return z;
}

int broker_zap_watch(broker_zap_t *z, void *s, const char *socket)
{
    if (z->n_watched == MAX_WATCHED)
        return -1;
    watched_t *w = &z->watched[z->n_watched];
    char ep[64], labels[96];
    snprintf(ep, sizeof(ep), "inproc://hf-broker-handshakes-%s", socket);
    if (zmq_socket_monitor(s, ep, EVENTS) != 0)
        return -1;
    w->pair = zmq_socket(hf_bus_context(), ZMQ_PAIR);
    int zero = 0;
    if (!w->pair || zmq_setsockopt(w->pair, ZMQ_LINGER, &zero, sizeof(zero)) != 0 ||
        zmq_connect(w->pair, ep) != 0) {
        if (w->pair)
            zmq_close(w->pair);
        w->pair = NULL;
        zmq_socket_monitor(s, NULL, 0);
        return -1;
    }
    snprintf(labels, sizeof(labels), "socket=\"%s\"", socket);
    w->accepted = hf_metrics_counter("hf_broker_handshakes_total",
                                     "CURVE handshakes accepted, per socket", labels);
    const char *h = "Peers refused at the handshake, per socket: key = not an authorised "
                    "public key, protocol = no CURVE, wrong server key or a broken handshake";
    snprintf(labels, sizeof(labels), "socket=\"%s\",reason=\"key\"", socket);
    w->bad_key = hf_metrics_counter("hf_broker_handshakes_rejected_total", h, labels);
    snprintf(labels, sizeof(labels), "socket=\"%s\",reason=\"protocol\"", socket);
    w->bad_protocol = hf_metrics_counter("hf_broker_handshakes_rejected_total", h, labels);
    z->n_watched++;
    return 0;
}

static void log_refusal(broker_zap_t *z, zmq_msg_t *address, const uint8_t key[32])
{
    int64_t now = hf_mono_ms();
    if (now - z->last_log < 1000) {
        z->quiet++;
        return;
    }
    char text[HF_BUS_KEY_TEXT], more[64] = "";
    zmq_z85_encode(text, key, 32);
    if (z->quiet)
        snprintf(more, sizeof(more), " (and %u more refused since the last report)", z->quiet);
    hf_warn("refused a bus peer from %.*s: its public key %s is not in "
            "HF_BUS_AUTHORIZED_KEYS%s",
            (int)(zmq_msg_size(address) < 64 ? zmq_msg_size(address) : 64),
            (const char *)zmq_msg_data(address), text, more);
    z->last_log = now;
    z->quiet = 0;
}

static void send_str(void *s, const char *v, int more)
{
    zmq_send(s, v, strlen(v), more ? ZMQ_SNDMORE : 0);
}

/* One ZAP request: version, request id, domain, address, routing id,
 * mechanism, credentials (the client's 32-byte public key for CURVE).
 * Returns 0 when there was none waiting. */
static int on_request(broker_zap_t *z)
{
    zmq_msg_t f[8];
    int n = hf_frames_recv(z->handler, f, 8, ZMQ_DONTWAIT);
    if (n == -1)
        return 0;
    /* REP must answer whatever came; only a well-formed CURVE request with
     * an authorised key gets 200 */
    int ok = n == 7 && zmq_msg_size(&f[0]) == 3 && memcmp(zmq_msg_data(&f[0]), "1.0", 3) == 0 &&
             zmq_msg_size(&f[5]) == 5 && memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 &&
             zmq_msg_size(&f[6]) == 32;
    const uint8_t *key = ok ? zmq_msg_data(&f[6]) : NULL;
    int allowed = ok && hf_bus_key_authorized(key);
    char user[HF_BUS_KEY_TEXT] = "";
    if (allowed)
        zmq_z85_encode(user, key, 32);
    else if (ok)
        log_refusal(z, &f[3], key);
    else
        hf_warn("malformed ZAP request (%d frames): refused", n);
    send_str(z->handler, "1.0", 1);
    if (n >= 2)
        zmq_send(z->handler, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
    else
        send_str(z->handler, "", 1);
    send_str(z->handler, allowed ? "200" : "400", 1);
    send_str(z->handler, allowed ? "OK" : "not an authorised key", 1);
    send_str(z->handler, user, 1); /* the peer's User-Id: its public key */
    send_str(z->handler, "", 0);
    if (n > 0)
        hf_frames_close(f, n);
    return 1;
}

/* One monitor event: [event u16, value u32] [endpoint]. */
static void on_event(watched_t *w)
{
    zmq_msg_t f[2];
    int n = hf_frames_recv(w->pair, f, 2, ZMQ_DONTWAIT);
    if (n == -1)
        return;
    if (n >= 1 && zmq_msg_size(&f[0]) >= 2) {
        uint16_t event;
        memcpy(&event, zmq_msg_data(&f[0]), sizeof(event));
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            hf_counter_inc(w->accepted);
        else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            hf_counter_inc(w->bad_key);
        else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
            hf_counter_inc(w->bad_protocol);
    }
    if (n > 0)
        hf_frames_close(f, n);
}

static void *run(void *arg)
{
    broker_zap_t *z = arg;
    zmq_pollitem_t items[2 + MAX_WATCHED] = {
        { z->handler, 0, ZMQ_POLLIN, 0 },
        { NULL, z->stop_fd, ZMQ_POLLIN, 0 },
    };
    for (int i = 0; i < z->n_watched; i++)
        items[2 + i] = (zmq_pollitem_t){ z->watched[i].pair, 0, ZMQ_POLLIN, 0 };
    for (;;) {
        if (zmq_poll(items, 2 + z->n_watched, -1) < 0) {
            if (errno == EINTR)
                continue;
            hf_error("ZAP handler: poll failed: %s", zmq_strerror(errno));
            break;
        }
        if (items[1].revents & ZMQ_POLLIN)
            break;
        if (items[0].revents & ZMQ_POLLIN)
            for (int k = 0; k < 256 && on_request(z); k++)
                ;
        for (int i = 0; i < z->n_watched; i++)
            if (items[2 + i].revents & ZMQ_POLLIN)
                on_event(&z->watched[i]);
    }
    return NULL;
}

int broker_zap_start(broker_zap_t *z, char *err, size_t errlen)
{
    if (pthread_create(&z->thread, NULL, run, z) != 0)
        return broker_set_err(err, errlen, "cannot start the ZAP handler thread");
    z->running = 1;
    return 0;
}

void broker_zap_destroy(broker_zap_t **zp)
{
    if (!zp || !*zp)
        return;
    broker_zap_t *z = *zp;
    if (z->running) {
        uint64_t one = 1;
        if (write(z->stop_fd, &one, sizeof(one)) != sizeof(one))
            hf_warn("ZAP handler: cannot signal the stop");
        pthread_join(z->thread, NULL);
    }
    for (int i = 0; i < z->n_watched; i++)
        zmq_close(z->watched[i].pair);
    if (z->handler)
        zmq_close(z->handler);
    if (z->stop_fd >= 0)
        close(z->stop_fd);
    free(z);
    *zp = NULL;
}
