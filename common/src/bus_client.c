/* common/src/bus_client.c - RPC client: send an Envelope, wait for its reply
 *
 * One DEALER socket connected to every broker; with ZMQ_IMMEDIATE set, a
 * request goes only to a broker that is connected, round-robin. Replies come
 * back on the same socket from whichever broker took the request. The
 * synchronous call matches replies by request id and drops stale ones (from
 * earlier calls that timed out), so one client can be reused after a timeout.
 * Requests say batch_replies: a broker may send the replies it has for us
 * in one pass as one frame of items, which are handed out one by one.
 *
 * Requests sent with hf_bus_send() whose options say more follow wait in
 * the client until a request without it, until the caller waits for a
 * reply with none at hand (hf_bus_recv), or until they fill a batch: a
 * burst of requests crosses to the broker as one message, the
 * envelope broker.Batch whose payload is their items. The broker answers
 * the batch envelope at once (an empty reply: taken); a broker older than
 * batches answers it UNIMPLEMENTED, and its requests go again one by one,
 * as does everything this client sends for a while (SOLO_MS). A batch is
 * kept until that answer, so none is lost either way.
 */
#include "hf/buf.h"
#include "hf/bus.h"
#include "hf/log.h"
#include "hf_private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* how long past the deadline we wait for the broker's own deadline reply */
#define DEADLINE_GRACE_MS 250
/* after a broker refused a batch: requests go one by one for this long */
#define SOLO_MS 60000
/* how long a refused batch's requests may wait for a broker, sent again */
#define RESEND_WAIT_MS 1000

/* Replies of a batch not yet handed out, oldest first. */
typedef struct pending {
    struct pending *next;
    Hrflow__V1__Envelope *env;
} pending_t;

/* A batch of requests sent and not yet answered by its broker. */
typedef struct sent {
    struct sent *next;
    char rid[HF_BUS_ID_MAX];
    char *items;
    size_t len;
    int64_t at;          /* monotonic ms: sent */
} sent_t;

struct hf_bus_client {
    void *sock;
    char prefix[17];
    uint64_t counter;
    pending_t *head, *tail;
    hf_buf_t out;        /* requests not sent yet, as batch items */
    size_t nout;
    int64_t out_until;   /* the earliest of their waits for a broker (monotonic ms) */
    sent_t *sent;
    int64_t solo_until;  /* a broker refused a batch: one by one until then */
};

const char *hf_error_code_name(int code)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&hrflow__v1__error_code__descriptor, code);
    /* the generated names are upper case ("OVERLOADED"); the stable names
     * used in logs and problem+json types are their lower-case form */
    static _Thread_local char buf[64];
    if (!v)
        return "unknown";
    size_t i = 0;
    for (; v->name[i] && i < sizeof(buf) - 1; i++)
        buf[i] = (char)(v->name[i] >= 'A' && v->name[i] <= 'Z' ? v->name[i] + 32 : v->name[i]);
    buf[i] = '\0';
    return buf;
}

void hf_status_clear(hf_status_t *st)
{
    if (!st)
        return;
    if (st->error)
        hrflow__v1__error__free_unpacked(st->error, NULL);
    memset(st, 0, sizeof(*st));
}

static int status_set(hf_status_t *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int status_set(hf_status_t *st, int code, const char *fmt, ...)
{
    if (st) {
        hf_status_clear(st);
        st->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(st->message, sizeof(st->message), fmt, ap);
        va_end(ap);
    }
    return code;
}

hf_bus_client_t *hf_bus_client_new(const char *endpoints)
{
    char **eps;
    int n = hf_endpoints_split(endpoints, &eps);
    if (n < 0)
        return NULL;
    hf_bus_client_t *c = calloc(1, sizeof(*c));
    if (c) {
        c->sock = hf_zsock_connect(ZMQ_DEALER, eps, n);
        hf_random_hex(c->prefix, 8);
    }
    hf_endpoints_free(eps, n);
    if (c && !c->sock) {
        free(c);
        c = NULL;
    }
    return c;
}

void hf_bus_client_destroy(hf_bus_client_t **cp)
{
    if (!cp || !*cp)
        return;
    hf_bus_client_t *c = *cp;
    zmq_close(c->sock);
    for (pending_t *p = c->head, *next; p; p = next) {
        next = p->next;
        hrflow__v1__envelope__free_unpacked(p->env, NULL);
        free(p);
    }
    for (sent_t *s = c->sent, *next; s; s = next) {
        next = s->next;
        free(s->items);
        free(s);
    }
    free(hf_buf_take(&c->out, NULL));
    free(c);
    *cp = NULL;
}

static int timeout_of(const hf_call_opts_t *o)
{
    return o && o->timeout_ms > 0 ? o->timeout_ms : HF_BUS_DEFAULT_TIMEOUT_MS;
}

/* No broker connected yet: -EAGAIN once until (monotonic ms) has passed,
 * else 0 after a short wait, to try again. */
static int wait_for_broker(int64_t until)
{
    if (hf_mono_ms() >= until)
        return -EAGAIN;
    zmq_poll(NULL, 0, 10);
    return 0;
}

/* Send [HFC1][m] as one message, waiting while no broker is connected
 * (start-up, broker restart) but not past until (monotonic ms). Returns 0,
 * -EAGAIN (no broker connected in time) or -1; m is closed either way. */
static int send_msg(hf_bus_client_t *c, zmq_msg_t *m, int64_t until)
{
    int rc;
    for (;;) {
        if (zmq_send(c->sock, HF_BUS_CLIENT_PROTO, 4, ZMQ_SNDMORE | ZMQ_DONTWAIT) == 4) {
            /* a DEALER sends a multipart message atomically: once the
             * first frame went, the second goes to the same peer */
            rc = zmq_msg_send(m, c->sock, 0) >= 0 ? 0 : -1;
            break;
        }
        if (errno != EAGAIN) {
            rc = -1;
            break;
        }
        if ((rc = wait_for_broker(until)) < 0)
            break;
    }
    zmq_msg_close(m);
    return rc;
}

static int send_bytes(hf_bus_client_t *c, const void *data, size_t len, int64_t until)
{
    zmq_msg_t m;
    if (zmq_msg_init_size(&m, len) != 0)
        return -1;
    memcpy(zmq_msg_data(&m), data, len);
    return send_msg(c, &m, until);
}

/* Wait, as send_msg does, until a message would go: 0 or -EAGAIN. */
static int writable(hf_bus_client_t *c, int64_t until)
{
    for (;;) {
        int ev = 0;
        size_t n = sizeof(ev);
        if (zmq_getsockopt(c->sock, ZMQ_EVENTS, &ev, &n) != 0)
            return -1;
        if (ev & ZMQ_POLLOUT)
            return 0;
        if (wait_for_broker(until) < 0)
            return -EAGAIN;
    }
}

/* Send the requests waiting in the client: one as it is, more as the
 * envelope broker.Batch, kept until the broker answers it. Returns 0,
 * -EAGAIN or -1 (the requests are dropped: their callers time out). */
static int flush(hf_bus_client_t *c)
{
    if (c->nout == 0)
        return 0;
    size_t n = c->nout, len = 0;
    c->nout = 0;
    char *items = hf_buf_take(&c->out, &len);
    if (!items)
        return -1;
    const unsigned char *p = (const unsigned char *)items, *env;
    size_t left = len, elen;
    uint64_t seq;
    int rc = -1;
    if (n == 1) {
        if (hf_batch_next(&p, &left, &seq, &env, &elen) == 1)
            rc = send_bytes(c, env, elen, c->out_until);
        free(items);
        return rc;
    }
    sent_t *s = malloc(sizeof(*s));
    zmq_msg_t m;
    if (s) {
        snprintf(s->rid, sizeof(s->rid), "%s-b%" PRIu64, c->prefix, ++c->counter);
        Hrflow__V1__Envelope b = HRFLOW__V1__ENVELOPE__INIT;
        b.service = (char *)"broker";
        b.method = (char *)HF_BUS_BATCH_METHOD;
        b.request_id = s->rid;
        b.batch_replies = 1;
        b.payload.data = (uint8_t *)items;
        b.payload.len = len;
        if (zmq_msg_init_size(&m, hrflow__v1__envelope__get_packed_size(&b)) == 0) {
            hrflow__v1__envelope__pack(&b, zmq_msg_data(&m));
            rc = send_msg(c, &m, c->out_until);
        }
    }
    /* a batch whose broker died before answering is forgotten in time */
    for (sent_t **pp = &c->sent, *old; (old = *pp) != NULL;) {
        if (hf_mono_ms() - old->at < SOLO_MS) {
            pp = &old->next;
            continue;
        }
        *pp = old->next;
        free(old->items);
        free(old);
    }
    if (rc == 0) {
        s->items = items;
        s->len = len;
        s->at = hf_mono_ms();
        s->next = c->sent;
        c->sent = s;
    } else {
        free(items);
        free(s);
    }
    return rc;
}

/* Pack one request and send it, or add it to those waiting in the client
 * (opts say more follow, or some wait already: then they go together unless
 * more follow), waiting while no broker is connected (start-up, broker restart)
 * but not past until (monotonic ms); the request is packed once however
 * long that takes. Returns 0, -EAGAIN (no broker connected in time) or -1. */
static int send_request(hf_bus_client_t *c, const char *service, const char *method,
                        const ProtobufCMessage *req, const hf_call_opts_t *o, int64_t deadline,
                        int64_t until, char *id_out)
{
    char tp[HF_TRACEPARENT_LEN + 1], rid[HF_BUS_ID_MAX];
    if (o && o->request_id)
        snprintf(rid, sizeof(rid), "%s", o->request_id);
    else
        snprintf(rid, sizeof(rid), "%s-%" PRIu64, c->prefix, ++c->counter);
    hf_traceparent_child(o ? o->traceparent : NULL, tp); /* this call is a span of its own */

    size_t plen = req ? protobuf_c_message_get_packed_size(req) : 0;
    uint8_t stackbuf[4096];
    uint8_t *pbuf = plen <= sizeof(stackbuf) ? stackbuf : malloc(plen);
    if (!pbuf)
        return -1;
    if (req)
        protobuf_c_message_pack(req, pbuf);

    Hrflow__V1__Envelope env = HRFLOW__V1__ENVELOPE__INIT;
    env.service = (char *)service;
    env.method = (char *)method;
    env.request_id = rid;
    env.deadline_ms = deadline;
    env.traceparent = tp;
    env.caller = o ? (Hrflow__V1__Caller *)o->caller : NULL;
    env.payload.data = pbuf;
    env.payload.len = plen;
    env.batch_replies = 1;

    size_t elen = hrflow__v1__envelope__get_packed_size(&env);
    int more = o && o->more;
    int batch = (more || c->nout) && elen <= HF_BUS_BATCH_BYTES / 4 &&
                hf_mono_ms() >= c->solo_until;
    zmq_msg_t m;
    int rc = -1;
    if (!batch) {
        if (zmq_msg_init_size(&m, elen) == 0) {
            hrflow__v1__envelope__pack(&env, zmq_msg_data(&m));
            rc = send_msg(c, &m, until);
        }
    } else if ((rc = c->nout ? 0 : writable(c, until)) == 0) {
        uint8_t stackenv[4096];
        uint8_t *ebuf = elen <= sizeof(stackenv) ? stackenv : malloc(elen);
        if (ebuf) {
            hrflow__v1__envelope__pack(&env, ebuf);
            hf_batch_put(&c->out, 0, ebuf, elen);
            if (c->nout++ == 0 || until < c->out_until)
                c->out_until = until;
        }
        if (ebuf != stackenv)
            free(ebuf);
        rc = !ebuf || c->out.failed                       ? -1
             : !more || c->out.len >= HF_BUS_BATCH_BYTES ? flush(c)
                                                          : 0;
    }
    if (pbuf != stackbuf)
        free(pbuf);
    if (rc == 0 && id_out)
        snprintf(id_out, HF_BUS_ID_MAX, "%s", rid);
    return rc;
}

int hf_bus_send(hf_bus_client_t *c, const char *service, const char *method,
                const ProtobufCMessage *req, const hf_call_opts_t *opts, char *id_out)
{
    int timeout = timeout_of(opts);
    return send_request(c, service, method, req, opts, hf_now_ms() + timeout,
                        hf_mono_ms() + timeout, id_out);
}

/* Keep the replies of a batch frame for take_reply(); a malformed item ends
 * it (the callers of the rest time out). */
static void unbatch(hf_bus_client_t *c, zmq_msg_t *body)
{
    const unsigned char *p = zmq_msg_data(body), *data;
    size_t left = zmq_msg_size(body), len;
    uint64_t seq;
    while (hf_batch_next(&p, &left, &seq, &data, &len) == 1) {
        pending_t *e = malloc(sizeof(*e));
        if (e && (e->env = hrflow__v1__envelope__unpack(NULL, len, data)) != NULL) {
            e->next = NULL;
            if (c->tail)
                c->tail->next = e;
            else
                c->head = e;
            c->tail = e;
        } else {
            free(e);
        }
    }
}

/* Take one reply: the next of a batch received, else one waiting on the
 * socket. Returns 1 with *reply set, 0 when none is waiting (or it was
 * malformed and dropped), -1 on error. */
static int take_reply(hf_bus_client_t *c, Hrflow__V1__Envelope **reply)
{
    if (!c->head) {
        zmq_msg_t f[3];
        int n = hf_frames_recv(c->sock, f, 3, ZMQ_DONTWAIT);
        if (n == -1)
            return errno == EAGAIN ? 0 : -1;
        int ours = n >= 2 && zmq_msg_size(&f[0]) == 4 &&
                   memcmp(zmq_msg_data(&f[0]), HF_BUS_CLIENT_PROTO, 4) == 0;
        if (ours && n == 2)
            *reply =
                hrflow__v1__envelope__unpack(NULL, zmq_msg_size(&f[1]), zmq_msg_data(&f[1]));
        else if (ours && n == 3 && zmq_msg_size(&f[1]) == 1 &&
                 *(unsigned char *)zmq_msg_data(&f[1]) == HF_BUS_BATCH)
            unbatch(c, &f[2]);
        if (n > 0)
            hf_frames_close(f, n);
        if (*reply)
            return 1;
    }
    pending_t *e = c->head;
    if (!e)
        return 0; /* a malformed reply is dropped: its caller times out */
    c->head = e->next;
    if (!c->head)
        c->tail = NULL;
    *reply = e->env;
    free(e);
    return 1;
}

/* A broker's answer to one of our batches (broker.Batch): taken, or
 * refused by a broker older than batches, whose requests then go again one
 * by one (the broker did nothing with them). Returns 1 when env was such
 * an answer (freed), else 0. */
static int batch_answer(hf_bus_client_t *c, Hrflow__V1__Envelope *env)
{
    if (!env->service || strcmp(env->service, "broker") != 0 || !env->method ||
        strcmp(env->method, HF_BUS_BATCH_METHOD) != 0)
        return 0;
    sent_t **pp = &c->sent;
    while (*pp && (!env->request_id || strcmp((*pp)->rid, env->request_id) != 0))
        pp = &(*pp)->next;
    sent_t *s = *pp;
    if (s) {
        *pp = s->next;
        if (env->error && env->error->code == HRFLOW__V1__ERROR_CODE__UNIMPLEMENTED) {
            hf_warn("a broker does not take batches of requests (an older version): their "
                    "requests go one by one for %d s",
                    SOLO_MS / 1000);
            c->solo_until = hf_mono_ms() + SOLO_MS;
            const unsigned char *p = (const unsigned char *)s->items, *item;
            size_t left = s->len, len;
            uint64_t seq;
            int64_t until = hf_mono_ms() + RESEND_WAIT_MS;
            while (hf_batch_next(&p, &left, &seq, &item, &len) == 1)
                send_bytes(c, item, len, until);
        }
        free(s->items);
        free(s);
    }
    hrflow__v1__envelope__free_unpacked(env, NULL);
    return 1;
}

int hf_bus_recv(hf_bus_client_t *c, int timeout_ms, Hrflow__V1__Envelope **reply)
{
    *reply = NULL;
    int64_t until = hf_mono_ms() + timeout_ms;
    for (;;) {
        /* under load a reply is usually waiting: no poll needed */
        int r = take_reply(c, reply);
        if (r == 1 && batch_answer(c, *reply)) {
            *reply = NULL;
            continue;
        }
        if (r != 0)
            return r;
        /* none at hand: the requests waiting in the client go now (a
         * failure leaves their callers to time out) */
        flush(c);
        int64_t left = until - hf_mono_ms();
        if (left <= 0)
            return 0;
        zmq_pollitem_t it = { c->sock, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&it, 1, (long)left) < 0 && errno != EINTR)
            return -1;
    }
}

int hf_bus_reply_decode(const Hrflow__V1__Envelope *env, const ProtobufCMessageDescriptor *desc,
                        ProtobufCMessage **out, hf_status_t *st)
{
    *out = NULL;
    if (env->error && env->error->code != HRFLOW__V1__ERROR_CODE__OK) {
        int code = env->error->code;
        status_set(st, code, "%s", env->error->message ? env->error->message : "");
        if (st) {
            st->retry_after_ms = env->error->retry_after_ms;
            /* keep the details: re-decode a private copy the status owns */
            size_t n = hrflow__v1__error__get_packed_size(env->error);
            uint8_t *b = malloc(n ? n : 1);
            if (b) {
                hrflow__v1__error__pack(env->error, b);
                st->error = hrflow__v1__error__unpack(NULL, n, b);
                free(b);
            }
        }
        return code;
    }
    *out = protobuf_c_message_unpack(desc, NULL, env->payload.len, env->payload.data);
    if (!*out)
        return status_set(st, HRFLOW__V1__ERROR_CODE__MALFORMED,
                          "could not decode the %s reply of %s.%s", desc->name, env->service,
                          env->method);
    if (st)
        hf_status_clear(st);
    return 0;
}

/* How many times a call is sent again after brokers that did not take it
 * (HF_BUS_NOT_TAKEN): one per other broker a deployment runs, and some. */
#define NOT_TAKEN_RETRIES 8

static int not_taken(const Hrflow__V1__Envelope *env)
{
    if (!env->error || env->error->code != HRFLOW__V1__ERROR_CODE__UNAVAILABLE)
        return 0;
    for (size_t i = 0; i < env->error->n_details; i++)
        if (env->error->details[i]->code &&
            strcmp(env->error->details[i]->code, HF_BUS_NOT_TAKEN) == 0)
            return 1;
    return 0;
}

/* Wait for the reply to request rid until `until` (plus the grace for the
 * broker's own deadline answer), dropping stale replies of earlier calls.
 * 0 with *env set, -ETIMEDOUT, or -1 when receiving failed. */
static int await_reply(hf_bus_client_t *c, const char *rid, int64_t until,
                       Hrflow__V1__Envelope **out)
{
    for (;;) {
        int64_t left = until + DEADLINE_GRACE_MS - hf_mono_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        Hrflow__V1__Envelope *env;
        int r = hf_bus_recv(c, (int)left, &env);
        if (r < 0)
            return -1;
        if (r == 0)
            continue;
        if (env->request_id && strcmp(env->request_id, rid) == 0) {
            *out = env;
            return 0;
        }
        hrflow__v1__envelope__free_unpacked(env, NULL); /* stale reply */
    }
}

int hf_bus_call(hf_bus_client_t *c, const char *service, const char *method,
                const ProtobufCMessage *req, const ProtobufCMessageDescriptor *reply_desc,
                const hf_call_opts_t *opts, ProtobufCMessage **reply, hf_status_t *st)
{
    *reply = NULL;
    int timeout = timeout_of(opts);
    int64_t deadline = hf_now_ms() + timeout;
    int64_t until = hf_mono_ms() + timeout;
    char rid[HF_BUS_ID_MAX];

    for (int sent = 0;; sent++) {
        int rc = send_request(c, service, method, req, opts, deadline, until, rid);
        if (rc == -EAGAIN)
            return status_set(st, HRFLOW__V1__ERROR_CODE__UNAVAILABLE,
                              "no broker reachable for %s.%s", service, method);
        if (rc < 0)
            return status_set(st, HRFLOW__V1__ERROR_CODE__INTERNAL, "could not send %s.%s: %s",
                              service, method, zmq_strerror(errno));
        Hrflow__V1__Envelope *env = NULL;
        rc = await_reply(c, rid, until, &env);
        if (rc == 0) {
            if (not_taken(env) && sent < NOT_TAKEN_RETRIES && hf_mono_ms() < until) {
                /* a draining broker refused it untouched: the next send goes
                 * round-robin to another connected broker */
                hrflow__v1__envelope__free_unpacked(env, NULL);
                continue;
            }
            int code = hf_bus_reply_decode(env, reply_desc, reply, st);
            hrflow__v1__envelope__free_unpacked(env, NULL);
            return code;
        }
        if (rc == -ETIMEDOUT)
            return status_set(st, HRFLOW__V1__ERROR_CODE__DEADLINE_EXCEEDED,
                              "no reply to %s.%s within %d ms", service, method, timeout);
        return status_set(st, HRFLOW__V1__ERROR_CODE__INTERNAL, "receive failed: %s",
                          zmq_strerror(errno));
    }
}
