/* hf/bus.h - the ZeroMQ bus: RPC client, worker, event publisher and subscriber
 *
 * RPC plane: clients (DEALER) and workers (DEALER, one per broker) connect to
 * every broker's ROUTER endpoint. A request is an Envelope (proto/hrflow/v1/
 * bus.proto) naming service, method and an absolute deadline; a broker hands
 * it to the least-loaded worker of that service and routes the reply back.
 * Failures come back as typed errors (OVERLOADED, DEADLINE_EXCEEDED,
 * UNAVAILABLE, ...), never as a hang. The frames are described in
 * docs/architecture.md.
 *
 * Event plane: publishers (PUB) connect to every broker's XSUB endpoint,
 * subscribers (SUB) to every broker's XPUB endpoint; the topic is the event
 * type. With several brokers a subscriber receives each event once per broker;
 * hf_bus_subscriber_recv() drops the copies.
 *
 * Security: every bus socket authenticates and encrypts with CURVE (RFC 26).
 * The broker is the CURVE server and lets in only the client public keys it
 * is given; every other process is a client with a key pair of its own. The
 * keys come from the environment (HF_BUS_* and HF_BROKER_SECRET_KEY, below), read
 * once per process, so no caller of this API handles them. An Envelope's
 * caller (tenant, scopes) is believed by workers only because of this: a
 * peer without an authorised key cannot send anything (docs/security.md).
 *
 * Sockets are not thread-safe: a client, publisher or subscriber belongs to
 * one thread. A worker runs its own threads.
 */
#ifndef HF_BUS_H
#define HF_BUS_H

#include <stdint.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>
#include <zmq.h>
#include "hrflow/v1/bus.pb-c.h"
#include "hrflow/v1/events.pb-c.h"
#include "hf/arena.h"
#include "hf/trace.h"
#include "hf/config.h"
#include "hf/text.h"

/* Protocol identifiers: first frame of every RPC-plane message. */
#define HF_BUS_CLIENT_PROTO "HFC1"
#define HF_BUS_WORKER_PROTO "HFW1"

/* Worker-protocol commands (second frame, one byte). */
enum {
    HF_BUS_READY = 0x01,      /* worker -> broker: WorkerReady */
    HF_BUS_REPLY = 0x02,      /* worker -> broker: seq, Envelope */
    HF_BUS_HEARTBEAT = 0x03,  /* both ways */
    HF_BUS_DISCONNECT = 0x04, /* worker: leaving (drain); broker: ack, or "unknown, send READY" */
    HF_BUS_REQUEST = 0x05,    /* broker -> worker: seq, Envelope */
    HF_BUS_CAPACITY = 0x06,   /* worker -> broker: u32 big-endian, requests it now accepts */
    HF_BUS_BATCH = 0x07,      /* broker -> worker: requests; worker -> broker: replies; one
                                 frame of items (hf_batch_put), to a worker whose READY
                                 said batch, and back to a broker that sent it one; also
                                 broker -> client ("HFC1" 0x07 items): replies, to a
                                 client whose requests said batch_replies */
};

#define HF_BUS_DEFAULT_TIMEOUT_MS 5000
/* Largest message any bus socket accepts (ZMQ_MAXMSGSIZE): libzmq drops a
 * peer announcing a bigger frame before allocating anything for it. */
#define HF_BUS_MAX_MESSAGE (32 * 1024 * 1024)
#define HF_BUS_MAX_CAPACITY 100000 /* requests a worker may accept at once */
#define HF_BUS_DEFAULT_HEARTBEAT_MS 1000
#define HF_BUS_DEFAULT_LIVENESS 3

/* The detail code of an UNAVAILABLE answer from a broker that did not take
 * the request (it is shutting down): nothing was done, and hf_bus_call sends
 * it again, to another broker, whatever the method. */
#define HF_BUS_NOT_TAKEN "not_taken"

/* The method of the broker's own service ("broker") that takes a batch of
 * requests from a client: the payload is their items (hf_batch_put, seq 0),
 * the reply an empty envelope with the batch's request id, sent before any
 * of the requests is answered. A broker older than it answers UNIMPLEMENTED
 * and has done nothing with them. */
#define HF_BUS_BATCH_METHOD "Batch"

/* Longest request id, with its NUL. */
#define HF_BUS_ID_MAX 64

/* The outcome of a call that did not succeed. */
typedef struct {
    int code;                 /* Hrflow__V1__ErrorCode; 0 (OK) after success */
    char message[512];
    uint32_t retry_after_ms;
    Hrflow__V1__Error *error; /* the full error with details, or NULL; owned,
                                 freed by hf_status_clear() */
} hf_status_t;

void hf_status_clear(hf_status_t *st);
/* Stable lowercase name of a code: "overloaded", "deadline_exceeded", ...,
 * "unknown" for a code outside the enum. The string is the calling thread's
 * and valid until its next call. */
const char *hf_error_code_name(int code);

/* The process-wide ZeroMQ context (created on first use). */
void *hf_bus_context(void);

/* At exit, after every bus socket is closed: wait (up to each socket's
 * linger) until queued messages are sent, then end ZeroMQ's threads.
 * Without it a reply queued just before exit can be lost. */
void hf_bus_shutdown(void);

/* Fill out with 2*nbytes (at most 128) lowercase hex characters of
 * randomness and a NUL. */
void hf_random_hex(char *out, size_t nbytes);


/* Current time, Unix epoch milliseconds (deadlines are absolute). */
int64_t hf_now_ms(void);
/* Monotonic milliseconds (intervals). */
int64_t hf_mono_ms(void);

/* ---- security: CURVE keys and bus sockets -------------------------------- */

/* Which end of a bus connection a socket is. */
typedef enum {
    HF_BUS_CLIENT = 1,   /* connects to brokers: services, gateway, tools */
    HF_BUS_SERVER = 2,   /* binds: the broker */
} hf_bus_role_t;

/* Z85 text of a CURVE key: 40 characters and a NUL. */
#define HF_BUS_KEY_TEXT 41

/* The settings of a role, for a program's --help and docs/configuration.md:
 * HF_BUS_CURVE for both; HF_BUS_SERVER_KEY and HF_BUS_SECRET_KEY for a
 * client; HF_BROKER_SECRET_KEY and HF_BUS_AUTHORIZED_KEYS for the broker.
 * Returns the table (static) and its length in *n. */
const hf_config_var_t *hf_bus_security_settings(hf_bus_role_t role, size_t *n);

/* Read the role's settings from the environment and check them: keys must
 * be 40 Z85 characters, the broker's keys must be set while CURVE is on, and
 * libzmq must support CURVE. Done once per role and process: later calls
 * return the first outcome. Returns 0, or -EINVAL with one line per problem
 * appended to err (err may be NULL). hf_program_start() calls it for the
 * programs that declare a role; hf_bus_socket() for everyone else. */
int hf_bus_security_load(hf_bus_role_t role, char *err, size_t errlen);

/* 1 unless HF_BUS_CURVE is off (loads the client settings if needed). */
int hf_bus_curve_enabled(void);

/* A new socket of type in the bus context, with what every bus socket has:
 * linger 0, HF_BUS_MAX_MESSAGE, high-water marks of 100000, reconnect after
 * 100 ms backing off to 1 s; and, while CURVE is on, this process's keys:
 * a client's key pair and the default server key, or the broker's secret key
 * with CURVE_SERVER and the ZAP domain "hrflow" (its ZAP handler decides who
 * gets in). Returns NULL with errno set (EINVAL: the keys are missing or
 * invalid; the reason is logged once). The caller zmq_close()s it. */
void *hf_bus_socket(int type, hf_bus_role_t role);

/* Connect a client socket from hf_bus_socket() to one endpoint of a list
 * (as hf_endpoints_split() accepts it). An endpoint written
 * "tcp://host:port#KEY" expects the server key KEY there instead of
 * HF_BUS_SERVER_KEY (two brokers with different keys, during a rotation).
 * Returns 0, or -1 with errno set (EINVAL: no server key for it). */
int hf_bus_connect(void *sock, const char *endpoint);

/* Make a new CURVE key pair as Z85 text (HF_BUS_KEY_TEXT bytes each).
 * Returns 0, or -1 when libzmq was built without CURVE. */
int hf_bus_keygen(char *public_key, char *secret_key);

/* The broker's ZAP handler: 1 when the 32-byte public key is one of
 * HF_BUS_AUTHORIZED_KEYS, else 0. */
int hf_bus_key_authorized(const uint8_t key[32]);

/* Number of HF_BUS_AUTHORIZED_KEYS, and the broker's public key as Z85
 * (empty while CURVE is off), for its start-up line. */
size_t hf_bus_authorized_count(void);
const char *hf_bus_server_public_key(void);

/* ---- frames (for the broker and tests) ---------------------------------- */

/* Receive every frame of one message into msgs. Returns the number of
 * frames (1..max), each to be closed by the caller (hf_frames_close); -1 on
 * error or EAGAIN; -2 when the message had more than max frames (all of it
 * is then received and dropped: a malformed message). flags: ZMQ_DONTWAIT
 * or 0, for the first frame. */
int hf_frames_recv(void *sock, zmq_msg_t *msgs, int max, int flags);
void hf_frames_close(zmq_msg_t *msgs, int n);

/* Big-endian numbers in frames: n bytes; 8 for sequence numbers, 4 for
 * lengths and capacities. */
static inline void hf_put_be(unsigned char *b, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        b[i] = (unsigned char)v;
}
static inline uint64_t hf_get_be(const unsigned char *b, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | b[i];
    return v;
}
static inline void hf_put_u64(unsigned char *b, uint64_t v) { hf_put_be(b, v, 8); }
static inline uint64_t hf_get_u64(const unsigned char *b) { return hf_get_be(b, 8); }
static inline void hf_put_u32(unsigned char *b, uint32_t v) { hf_put_be(b, v, 4); }
static inline uint32_t hf_get_u32(const unsigned char *b) { return (uint32_t)hf_get_be(b, 4); }

/* A batch frame: items of seq (8 bytes), length (4 bytes, big-endian) and
 * that many bytes of Envelope, one after another. A batch is flushed once it
 * holds HF_BUS_BATCH_BYTES, far under HF_BUS_MAX_MESSAGE. */
#define HF_BUS_BATCH_BYTES (256 * 1024)

typedef struct hf_buf hf_buf_t;
void hf_batch_put(hf_buf_t *b, uint64_t seq, const void *env, size_t len);

/* The next item of a batch at *p (*left bytes): 1 with seq and the
 * envelope's bytes, and *p and *left moved past it; 0 at the end; -1 when the
 * rest is not a whole item (malformed). */
int hf_batch_next(const unsigned char **p, size_t *left, uint64_t *seq,
                  const unsigned char **env, size_t *len);

/* Send [proto][cmd][the buffer's bytes] on sock without copying them (the
 * buffer is taken and left empty). Returns 0, or -1 when the socket would
 * not take it (the bytes are freed). */
int hf_batch_send(void *sock, const char *proto, int cmd, hf_buf_t *b);

/* ---- RPC client ---------------------------------------------------------- */

typedef struct hf_bus_client hf_bus_client_t;

typedef struct {
    int timeout_ms;                   /* 0 = HF_BUS_DEFAULT_TIMEOUT_MS */
    const Hrflow__V1__Caller *caller; /* NULL = anonymous (internal) */
    const char *traceparent;          /* the caller's span: the call is a new span of
                                         its trace (hf_traceparent_child); NULL = a new trace */
    const char *request_id;           /* NULL = generated */
    int more;                         /* hf_bus_send: more requests follow at once; this
                                         one may wait in the client to go with them */
} hf_call_opts_t;

/* endpoints: comma-separated broker endpoints ("tcp://10.0.0.1:7001,tcp://…").
 * Returns NULL on a malformed endpoint or when ZeroMQ fails. Connections are
 * made in the background and re-made after a broker restarts. */
hf_bus_client_t *hf_bus_client_new(const char *endpoints);
void hf_bus_client_destroy(hf_bus_client_t **c);

/* Call service.method with req and wait for the reply or the deadline.
 * Returns 0 and sets *reply (unpacked with reply_desc; free it with
 * protobuf_c_message_free_unpacked(*reply, NULL)), or returns the error code
 * (> 0) with st filled and *reply NULL. A broker that disappears mid-call
 * yields DEADLINE_EXCEEDED at the deadline; no brokers connected yields
 * UNAVAILABLE at the deadline. */
int hf_bus_call(hf_bus_client_t *c, const char *service, const char *method,
                const ProtobufCMessage *req, const ProtobufCMessageDescriptor *reply_desc,
                const hf_call_opts_t *opts, ProtobufCMessage **reply, hf_status_t *st);

/* Asynchronous form, for many requests in flight from one thread.
 * hf_bus_send() queues a request and writes its request id into id_out
 * (HF_BUS_ID_MAX bytes). While no broker is connected it waits, up to the
 * request's timeout. Returns 0, -EAGAIN when no broker connected in time,
 * or -1. Requests sent with opts->more wait in the client and go to a
 * broker together, as one message, with the next request sent without it,
 * when the caller next waits in hf_bus_recv() with no reply at hand, or
 * when they fill a batch (HF_BUS_BATCH_BYTES).
 * hf_bus_recv() waits up to timeout_ms for the next reply; returns 1 and sets
 * *reply (caller frees with hrflow__v1__envelope__free_unpacked(*reply, NULL)),
 * 0 on timeout, -1 on error. Replies arrive in any order. */
int hf_bus_send(hf_bus_client_t *c, const char *service, const char *method,
                const ProtobufCMessage *req, const hf_call_opts_t *opts, char *id_out);
int hf_bus_recv(hf_bus_client_t *c, int timeout_ms, Hrflow__V1__Envelope **reply);

/* Decode the payload of a reply envelope, or fill st from its error.
 * Returns 0 with *out set (free as in hf_bus_call), or the error code. */
int hf_bus_reply_decode(const Hrflow__V1__Envelope *env, const ProtobufCMessageDescriptor *desc,
                        ProtobufCMessage **out, hf_status_t *st);

/* ---- RPC worker ---------------------------------------------------------- */

typedef struct hf_worker hf_worker_t;
typedef struct hf_call hf_call_t;

/* A method handler. req is the decoded request (in the call's arena).
 * On success set *reply to a message allocated in the call's arena (or
 * leave it NULL to reply with an empty message of the output type) and
 * return 0; on failure return hf_call_fail(...). */
typedef int (*hf_handler_fn)(hf_call_t *call, const ProtobufCMessage *req,
                             ProtobufCMessage **reply);

#define HF_IDEMPOTENT 0x1u  /* safe to run again on another replica */

typedef struct {
    const char *name;   /* as in the .proto service block, e.g. "Health" */
    hf_handler_fn fn;
    unsigned flags;     /* HF_IDEMPOTENT */
} hf_method_t;

typedef struct {
    const char *service;                          /* bus name, e.g. "pipeline" */
    const ProtobufCServiceDescriptor *descriptor; /* e.g. &hrflow__v1__pipeline__descriptor */
    const hf_method_t *methods;                   /* one per descriptor method, any order */
    size_t n_methods;
    const char *endpoints;                        /* broker endpoints, comma-separated */
    int threads;                                  /* handler threads */
    int prefetch;                                 /* requests each broker may hand us per
                                                     thread; capacity = threads * prefetch
                                                     (0 = 1) */
    int prefetch_max;                             /* > prefetch: adaptive; capacity starts
                                                     at threads * prefetch and moves
                                                     between that and threads *
                                                     prefetch_max (bus_worker.c, "adaptive
                                                     capacity"); else fixed */
    int heartbeat_ms;                             /* 0 = HF_BUS_DEFAULT_HEARTBEAT_MS */
    int liveness;                                 /* 0 = HF_BUS_DEFAULT_LIVENESS */
    const char *instance;                         /* NULL = "<hostname>:<pid>" */
    void *user;                                   /* passed to the hooks below */
    void *(*thread_init)(void *user);             /* per handler thread; may be NULL */
    void (*thread_fini)(void *user, void *thread_data);
    void (*after_call)(void *user, void *thread_data); /* after each reply is sent */
} hf_worker_opts_t;

/* Create a worker. Every method of the descriptor must have exactly one
 * handler and every handler must name a method of the descriptor; otherwise
 * returns NULL with the reason in err. */
hf_worker_t *hf_worker_new(const hf_worker_opts_t *o, char *err, size_t errlen);

/* Serve until hf_worker_stop(); then drain: tell every broker it is leaving,
 * finish the requests in hand, wait for the brokers' acknowledgements (at
 * most a liveness period) and return 0. Returns -1 when threads or sockets
 * cannot be created. */
int hf_worker_run(hf_worker_t *w);

/* Ask a running worker to drain and stop. Callable from any thread. */
void hf_worker_stop(hf_worker_t *w);
void hf_worker_destroy(hf_worker_t **w);

/* The worker's instance name (borrowed). */
const char *hf_worker_instance(const hf_worker_t *w);

/* Accessors for handlers. Returned pointers are borrowed for the call. */
const Hrflow__V1__Envelope *hf_call_envelope(const hf_call_t *call);
const Hrflow__V1__Caller *hf_call_caller(const hf_call_t *call); /* never NULL */
hf_arena_t *hf_call_arena(hf_call_t *call);
void *hf_call_thread_data(hf_call_t *call);
void *hf_call_user(hf_call_t *call);
hf_worker_t *hf_call_worker(hf_call_t *call);
/* Milliseconds left before the caller's deadline (may be <= 0). */
int64_t hf_call_remaining_ms(const hf_call_t *call);

/* Record the call's error and return -1, for `return hf_call_fail(...)`. */
int hf_call_fail(hf_call_t *call, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Add a field-level detail to the call's error (validation). */
void hf_call_detail(hf_call_t *call, const char *field, const char *code, const char *message);
/* The code of the error recorded so far (hf_call_fail), or 0 when none. */
int hf_call_error_code(const hf_call_t *call);
/* The error recorded so far (hf_call_fail, hf_call_detail; in the call's
 * arena), taken off the call, which has none after: a handler of many items
 * puts one item's refusal in that item's result and goes on. NULL when none
 * was recorded. */
Hrflow__V1__Error *hf_call_take_error(hf_call_t *call);
/* Check the text s (NUL-terminated; NULL counts as "") against rule
 * (hf/text.h) and, when it fails, add a detail at field with the problem's
 * code and message. Returns 0 when it passes, 1 when a detail was added, so
 * `bad |= hf_call_check_text(...)` gathers every problem of a request. */
int hf_call_check_text(hf_call_t *call, const char *field, const char *s, hf_text_rule_t rule);
/* The same for each of the n texts at v, at "<field>[i]". Returns the number
 * of details added. */
size_t hf_call_check_texts(hf_call_t *call, const char *field, char *const *v, size_t n,
                           hf_text_rule_t rule);

/* Allocate and init a message of type T in the call's arena:
 * Hrflow__V1__HealthResponse *r = HF_CALL_NEW(call, Hrflow__V1__HealthResponse,
 *                                             hrflow__v1__health_response__init); */
#define HF_CALL_NEW(call, T, init) \
    ({ T *hf_m_ = hf_arena_alloc(hf_call_arena(call), sizeof(T)); if (hf_m_) init(hf_m_); hf_m_; })

/* ---- events -------------------------------------------------------------- */

typedef struct hf_bus_publisher hf_bus_publisher_t;
typedef struct hf_bus_subscriber hf_bus_subscriber_t;

/* endpoints: every broker's XSUB endpoint (HF_EVENTS_PUB). NULL on error. */
hf_bus_publisher_t *hf_bus_publisher_new(const char *endpoints);
void hf_bus_publisher_destroy(hf_bus_publisher_t **p);
/* Wait up to timeout_ms until every broker has this publisher's connection
 * (its subscription has come up it): what is published before then is
 * dropped by the connection. Returns 1 when all have, 0 on timeout (a broker
 * down; the others take what is published). */
int hf_bus_publisher_wait(hf_bus_publisher_t *p, int timeout_ms);
/* Publish on topic ev->type. Returns 0, or -1. Delivery is best effort:
 * the outbox in PostgreSQL is the durable copy (hf/outbox.h). */
int hf_bus_publish(hf_bus_publisher_t *p, const Hrflow__V1__Event *ev);

/* endpoints: every broker's XPUB endpoint (HF_EVENTS_SUB). NULL on error. */
hf_bus_subscriber_t *hf_bus_subscriber_new(const char *endpoints);
void hf_bus_subscriber_destroy(hf_bus_subscriber_t **s);
/* Receive events whose type starts with prefix ("" = all). Returns 0 or -1. */
int hf_bus_subscribe(hf_bus_subscriber_t *s, const char *prefix);
/* Wait up to timeout_ms. Returns 1 and sets *ev (free with
 * hrflow__v1__event__free_unpacked(*ev, NULL)), 0 on timeout, -1 on error.
 * Copies of an event already returned (same source and id) are skipped. */
int hf_bus_subscriber_recv(hf_bus_subscriber_t *s, int timeout_ms, Hrflow__V1__Event **ev);

#endif
