/* common/src/bus_events.c - event publisher and subscriber on the broker's event plane
 *
 * Frames: [topic = event type] [Event]. Publishers connect to every
 * broker's XSUB; subscribers (SUB) to every broker's XPUB. A publisher is an
 * XPUB socket, not a PUB: a new connection drops what is published until the
 * broker's subscription (every broker takes everything) has come up it, and
 * only an XPUB can see that subscription arrive (hf_bus_publisher_wait). A subscriber
 * connected to two brokers receives each event twice, so it remembers the
 * last DEDUP_SLOTS (source, id) pairs and skips repeats. That is a transport
 * nicety only: consumers must still be idempotent, because the relay
 * delivers at least once.
 */
#include "hf/bus.h"
#include "hf_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEDUP_SLOTS 4096

struct hf_bus_publisher {
    void *sock;
    int brokers; /* endpoints connected to */
    int taken;   /* take-everything subscriptions seen: a broker has this connection */
};

struct hf_bus_subscriber {
    void *sock;
    uint64_t seen[DEDUP_SLOTS];   /* open addressing on the hash; 0 = empty */
    uint64_t ring[DEDUP_SLOTS];   /* insertion order, to evict the oldest */
    size_t ring_pos, count;
};

static void *connect_list(int type, const char *endpoints, int *count)
{
    char **eps;
    int n = hf_endpoints_split(endpoints, &eps);
    if (n < 0)
        return NULL;
    void *s = hf_zsock_connect(type, eps, n);
    hf_endpoints_free(eps, n);
    if (count)
        *count = n;
    return s;
}

hf_bus_publisher_t *hf_bus_publisher_new(const char *endpoints)
{
    hf_bus_publisher_t *p = calloc(1, sizeof(*p));
    if (p && !(p->sock = connect_list(ZMQ_XPUB, endpoints, &p->brokers))) {
        free(p);
        p = NULL;
    }
    return p;
}

/* Read the subscriptions that have come up (an XPUB keeps them until read);
 * count the take-everything ones, a single 0x01 byte. */
static void take_subscriptions(hf_bus_publisher_t *p)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    while (zmq_msg_recv(&m, p->sock, ZMQ_DONTWAIT) >= 0)
        if (zmq_msg_size(&m) == 1 && *(unsigned char *)zmq_msg_data(&m) == 1)
            p->taken++;
    zmq_msg_close(&m);
}

int hf_bus_publisher_wait(hf_bus_publisher_t *p, int timeout_ms)
{
    int64_t until = hf_mono_ms() + timeout_ms;
    for (;;) {
        take_subscriptions(p);
        if (p->taken >= p->brokers)
            return 1;
        int64_t left = until - hf_mono_ms();
        if (left <= 0)
            return 0;
        zmq_pollitem_t it = { p->sock, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&it, 1, (long)left) < 0 && errno != EINTR)
            return 0;
    }
}

void hf_bus_publisher_destroy(hf_bus_publisher_t **pp)
{
    if (!pp || !*pp)
        return;
    zmq_close((*pp)->sock);
    free(*pp);
    *pp = NULL;
}

int hf_bus_publish(hf_bus_publisher_t *p, const Hrflow__V1__Event *ev)
{
    if (!ev->type || !*ev->type)
        return -1;
    take_subscriptions(p);
    size_t n = hrflow__v1__event__get_packed_size(ev);
    zmq_msg_t m;
    if (zmq_msg_init_size(&m, n) != 0)
        return -1;
    hrflow__v1__event__pack(ev, zmq_msg_data(&m));
    if (zmq_send(p->sock, ev->type, strlen(ev->type), ZMQ_SNDMORE) < 0 ||
        zmq_msg_send(&m, p->sock, 0) < 0) {
        zmq_msg_close(&m);
        return -1;
    }
    return 0;
}

hf_bus_subscriber_t *hf_bus_subscriber_new(const char *endpoints)
{
    hf_bus_subscriber_t *s = calloc(1, sizeof(*s));
    if (s && !(s->sock = connect_list(ZMQ_SUB, endpoints, NULL))) {
        free(s);
        s = NULL;
    }
    return s;
}

void hf_bus_subscriber_destroy(hf_bus_subscriber_t **sp)
{
    if (!sp || !*sp)
        return;
    zmq_close((*sp)->sock);
    free(*sp);
    *sp = NULL;
}

int hf_bus_subscribe(hf_bus_subscriber_t *s, const char *prefix)
{
    return zmq_setsockopt(s->sock, ZMQ_SUBSCRIBE, prefix, strlen(prefix)) == 0 ? 0 : -1;
}

static uint64_t event_key(const Hrflow__V1__Event *ev)
{
    /* FNV-1a over source NUL id; never 0 (0 marks an empty slot) */
    uint64_t h = 1469598103934665603ULL;
    const char *parts[2] = { ev->source ? ev->source : "", ev->id ? ev->id : "" };
    for (int k = 0; k < 2; k++) {
        for (const unsigned char *c = (const unsigned char *)parts[k]; *c; c++)
            h = (h ^ *c) * 1099511628211ULL;
        h = (h ^ 0xff) * 1099511628211ULL;
    }
    return h ? h : 1;
}

static size_t slot_find(const hf_bus_subscriber_t *s, uint64_t key)
{
    size_t i = key % DEDUP_SLOTS;
    while (s->seen[i] && s->seen[i] != key)
        i = (i + 1) % DEDUP_SLOTS;
    return i;
}

static void slot_remove(hf_bus_subscriber_t *s, uint64_t key)
{
    size_t i = slot_find(s, key);
    if (!s->seen[i])
        return;
    s->seen[i] = 0;
    /* re-insert the rest of the cluster (linear-probing deletion) */
    for (size_t j = (i + 1) % DEDUP_SLOTS; s->seen[j]; j = (j + 1) % DEDUP_SLOTS) {
        uint64_t k = s->seen[j];
        s->seen[j] = 0;
        s->seen[slot_find(s, k)] = k;
    }
}

/* Returns 1 when key was seen already; otherwise records it. */
static int seen_before(hf_bus_subscriber_t *s, uint64_t key)
{
    size_t i = slot_find(s, key);
    if (s->seen[i])
        return 1;
    /* keep the table at most half full: evict the oldest past that */
    if (s->count == DEDUP_SLOTS / 2) {
        slot_remove(s, s->ring[s->ring_pos]);
        s->count--;
        i = slot_find(s, key);
    }
    s->seen[i] = key;
    s->ring[s->ring_pos] = key;
    s->ring_pos = (s->ring_pos + 1) % (DEDUP_SLOTS / 2);
    s->count++;
    return 0;
}

int hf_bus_subscriber_recv(hf_bus_subscriber_t *s, int timeout_ms, Hrflow__V1__Event **ev)
{
    *ev = NULL;
    int64_t until = hf_mono_ms() + timeout_ms;
    for (;;) {
        int64_t left = until - hf_mono_ms();
        zmq_pollitem_t it = { s->sock, 0, ZMQ_POLLIN, 0 };
        int rc = zmq_poll(&it, 1, left > 0 ? (long)left : 0);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return -1;
        if (rc == 0)
            return 0;
        zmq_msg_t f[2];
        int n = hf_frames_recv(s->sock, f, 2, ZMQ_DONTWAIT);
        if (n == 2)
            *ev = hrflow__v1__event__unpack(NULL, zmq_msg_size(&f[1]), zmq_msg_data(&f[1]));
        if (n > 0)
            hf_frames_close(f, n);
        if (!*ev)
            continue; /* malformed: skip */
        if (!seen_before(s, event_key(*ev)))
            return 1;
        hrflow__v1__event__free_unpacked(*ev, NULL);
        *ev = NULL;
    }
}
