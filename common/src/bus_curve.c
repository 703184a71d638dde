/* common/src/bus_curve.c - CURVE keys of this process and the options of every bus socket
 *
 * Every bus socket is made here (hf_bus_socket), so the security of the bus
 * is decided in one place: the client, worker, publisher and subscriber code
 * and the broker never set a CURVE option themselves. The keys are read from
 * the environment once per process and role, through the same settings table
 * --help prints; a process that never called hf_program_start() (a test, a
 * benchmark) reads them on its first socket, so nothing opens a bus socket
 * without them. With CURVE on and a key missing, socket creation fails: the
 * bus is closed by default, and open only by an explicit HF_BUS_CURVE=off.
 *
 * The broker side of authentication, the ZAP handler that asks
 * hf_bus_key_authorized(), is in services/broker/zap.c.
 */
#include "hf_private.h"
#include "hf/bus.h"
#include "hf/config.h"
#include "hf/log.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZAP_DOMAIN "hrflow"
/* A draft option in libzmq 4.3 (Debian builds it in): without it a CURVE
 * server whose ZAP handler is not bound lets every client in. With it, such
 * a server refuses everyone. Where the library lacks it, setting it fails
 * and the broker relies on binding its ZAP handler before its sockets. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

/* The settings as text, borrowed from the environment. */
static struct {
    int curve;
    const char *server_key, *secret_key;      /* clients */
    const char *broker_secret, *authorized;   /* the broker */
} S;

/* Both roles read it: brokers and clients must agree. */
#define CURVE_VAR                                                                           \
    { "HF_BUS_CURVE", HF_CONFIG_BOOL, "on", 0, 0,                                          \
      "authenticate and encrypt every bus connection with CURVE; off only on a developer's " \
      "machine, and then on every process of the bus", &S.curve }

static const hf_config_var_t client_vars[] = {
    CURVE_VAR,
    { "HF_BUS_SERVER_KEY", HF_CONFIG_STRING, "", 0, 0,
      "the brokers' CURVE public key, 40 Z85 characters (an endpoint written "
      "tcp://host:port#KEY expects its own)", &S.server_key },
    { "HF_BUS_SECRET_KEY", HF_CONFIG_STRING, "", 0, 0,
      "this process's CURVE secret key, 40 Z85 characters; its public key must be in the "
      "brokers' HF_BUS_AUTHORIZED_KEYS (hrflow-broker keygen makes a pair)", &S.secret_key },
};

static const hf_config_var_t server_vars[] = {
    CURVE_VAR,
    { "HF_BROKER_SECRET_KEY", HF_CONFIG_STRING, "", 0, 0,
      "the broker's CURVE secret key, 40 Z85 characters; clients name its public key in "
      "HF_BUS_SERVER_KEY (hrflow-broker keygen makes a pair)", &S.broker_secret },
    { "HF_BUS_AUTHORIZED_KEYS", HF_CONFIG_STRING, "", 0, 0,
      "CURVE public keys of the processes let onto the bus, comma-separated; any other peer "
      "is refused", &S.authorized },
};

#define N_VARS(t) (sizeof(t) / sizeof((t)[0]))

/* What the settings decode to. Written once per role under lock, read
 * after without it (the load is complete before any socket exists). */
static struct {
    pthread_mutex_t lock;
    int state[3];                 /* by role: 0 not loaded, 1 loaded, -1 failed */
    char error[3][1024];
    int curve;
    int has_server_key, has_keypair, has_broker_key;
    uint8_t server_key[32], public_key[32], secret_key[32];
    uint8_t broker_public[32], broker_secret[32];
    char public_text[HF_BUS_KEY_TEXT], broker_public_text[HF_BUS_KEY_TEXT];
    uint8_t (*authorized)[32];    /* sorted, for bsearch */
    size_t n_authorized;
    int told;                     /* the client's public key was logged */
} K = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Decode 40 Z85 characters (exactly) into out. Returns 0, or -1. */
static int key_decode(const char *text, size_t len, uint8_t out[32])
{
    char buf[HF_BUS_KEY_TEXT];
    if (len != HF_BUS_KEY_TEXT - 1)
        return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    return zmq_z85_decode(out, buf) ? 0 : -1;
}

static int key_cmp(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* Parse a comma-separated list of public keys into K.authorized. Returns
 * 0, or -1 after appending which entry is bad. */
static int authorized_parse(const char *list, char *err, size_t errlen)
{
    size_t cap = 0, n = 0;
    uint8_t(*keys)[32] = NULL;
    int bad = 0, pos = 0;
    for (const char *p = list; *p;) {
        p += strspn(p, ", \t\n");
        size_t len = strcspn(p, ", \t\n");
        if (len == 0)
            break;
        pos++;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            uint8_t(*grown)[32] = realloc(keys, cap * sizeof(*keys));
            if (!grown) {
                free(keys);
                hf_config_report(err, errlen, "HF_BUS_AUTHORIZED_KEYS: out of memory\n");
                return -1;
            }
            keys = grown;
        }
        if (key_decode(p, len, keys[n]) < 0) {
            hf_config_report(err, errlen,
                             "HF_BUS_AUTHORIZED_KEYS: entry %d is not a CURVE public key "
                             "(40 Z85 characters)\n", pos);
            bad = 1;
        } else {
            n++;
        }
        p += len;
    }
    if (bad) {
        free(keys);
        return -1;
    }
    if (n)
        qsort(keys, n, sizeof(*keys), key_cmp);
    free(K.authorized);
    K.authorized = keys;
    K.n_authorized = n;
    return 0;
}

/* Decode an optional key setting. Returns 1 when set, 0 when empty, -1
 * (with a line in err) when it is not a key. */
static int key_setting(const char *name, const char *text, uint8_t out[32], char *err,
                       size_t errlen)
{
    if (!text || !*text)
        return 0;
    if (key_decode(text, strlen(text), out) == 0)
        return 1;
    hf_config_report(err, errlen,
                     "%s: not a CURVE key (40 Z85 characters, as hrflow-broker keygen prints "
                     "them)\n", name);
    return -1;
}

/* The secret key's public half, as binary and as text. */
static void public_of(const uint8_t secret[32], uint8_t public_key[32], char *text)
{
    char secret_text[HF_BUS_KEY_TEXT];
    zmq_z85_encode(secret_text, secret, 32);
    zmq_curve_public(text, secret_text);
    zmq_z85_decode(public_key, text);
    memset(secret_text, 0, sizeof(secret_text));
}

static int load_client(char *err, size_t errlen)
{
    int bad = 0;
    int r = key_setting("HF_BUS_SERVER_KEY", S.server_key, K.server_key, err, errlen);
    K.has_server_key = r == 1;
    bad |= r < 0;
    r = key_setting("HF_BUS_SECRET_KEY", S.secret_key, K.secret_key, err, errlen);
    K.has_keypair = r == 1;
    bad |= r < 0;
    if (K.has_keypair)
        public_of(K.secret_key, K.public_key, K.public_text);
    return bad ? -1 : 0;
}

static int load_server(char *err, size_t errlen)
{
    int r = key_setting("HF_BROKER_SECRET_KEY", S.broker_secret, K.broker_secret, err, errlen);
    K.has_broker_key = r == 1;
    int bad = r < 0;
    if (K.has_broker_key)
        public_of(K.broker_secret, K.broker_public, K.broker_public_text);
    bad |= authorized_parse(S.authorized ? S.authorized : "", err, errlen) < 0;
    if (K.curve && r == 0) {
        hf_config_report(err, errlen, "HF_BROKER_SECRET_KEY: required while HF_BUS_CURVE is on "
                                      "(hrflow-broker keygen makes a key pair)\n");
        bad = 1;
    }
    if (K.curve && !bad && K.n_authorized == 0) {
        hf_config_report(err, errlen, "HF_BUS_AUTHORIZED_KEYS: required while HF_BUS_CURVE is on "
                                      "(the public keys of the services, gateway and tools)\n");
        bad = 1;
    }
    return bad ? -1 : 0;
}

const hf_config_var_t *hf_bus_security_settings(hf_bus_role_t role, size_t *n)
{
    assert(role == HF_BUS_CLIENT || role == HF_BUS_SERVER);
    *n = role == HF_BUS_CLIENT ? N_VARS(client_vars) : N_VARS(server_vars);
    return role == HF_BUS_CLIENT ? client_vars : server_vars;
}

int hf_bus_security_load(hf_bus_role_t role, char *err, size_t errlen)
{
    assert(role == HF_BUS_CLIENT || role == HF_BUS_SERVER);
    pthread_mutex_lock(&K.lock);
    if (K.state[role] == 0) {
        char *e = K.error[role];
        size_t elen = sizeof(K.error[role]);
        size_t n;
        const hf_config_var_t *vars = hf_bus_security_settings(role, &n);
        int bad = hf_config_load(vars, n, e, elen) < 0;
        K.curve = S.curve;
        if (!bad && K.curve && !zmq_has("curve")) {
            hf_config_report(e, elen, "HF_BUS_CURVE: this libzmq has no CURVE support (built "
                                      "without libsodium); install one that has\n");
            bad = 1;
        }
        if (!bad)
            bad = (role == HF_BUS_CLIENT ? load_client(e, elen) : load_server(e, elen)) < 0;
        K.state[role] = bad ? -1 : 1;
    }
    int ok = K.state[role] == 1;
    if (!ok)
        hf_config_report(err, errlen, "%s", K.error[role]);
    pthread_mutex_unlock(&K.lock);
    return ok ? 0 : -EINVAL;
}

int hf_bus_curve_enabled(void)
{
    pthread_mutex_lock(&K.lock);
    int none = K.state[HF_BUS_CLIENT] == 0 && K.state[HF_BUS_SERVER] == 0;
    pthread_mutex_unlock(&K.lock);
    if (none)
        hf_bus_security_load(HF_BUS_CLIENT, NULL, 0);
    return K.curve;
}

/* Log a reason once per process (a service retries sockets in a loop). */
static void refuse(const char *why)
{
    static _Atomic int said;
    if (!atomic_exchange(&said, 1))
        hf_error("cannot open a bus socket: %s", why);
    errno = EINVAL;
}

static void setopt_int(void *s, int opt, int v)
{
    zmq_setsockopt(s, opt, &v, sizeof(v));
}

static int curve_client(void *s)
{
    if (!K.has_keypair) {
        refuse("HF_BUS_SECRET_KEY is not set: every bus process needs a CURVE key pair whose "
               "public key the brokers authorise (docs/security.md), unless HF_BUS_CURVE=off");
        return -1;
    }
    if (zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, K.public_key, 32) != 0 ||
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, K.secret_key, 32) != 0 ||
        (K.has_server_key && zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, K.server_key, 32) != 0))
        return -1;
    pthread_mutex_lock(&K.lock);
    if (!K.told)
        hf_info("bus: CURVE on, this process's public key is %s", K.public_text);
    K.told = 1;
    pthread_mutex_unlock(&K.lock);
    return 0;
}

static int curve_server(void *s)
{
    if (zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, K.broker_secret, 32) != 0)
        return -1;
    setopt_int(s, ZMQ_CURVE_SERVER, 1);
    if (zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN)) != 0)
        return -1;
    setopt_int(s, ZMQ_ZAP_ENFORCE_DOMAIN, 1); /* see above: may be absent */
    return 0;
}

void *hf_bus_socket(int type, hf_bus_role_t role)
{
    char err[1024] = "";
    if (hf_bus_security_load(role, err, sizeof(err)) < 0) {
        err[strcspn(err, "\n")] = '\0';
        refuse(err);
        return NULL;
    }
    void *s = zmq_socket(hf_bus_context(), type);
    if (!s)
        return NULL;
    int64_t max = HF_BUS_MAX_MESSAGE; /* a garbage length never becomes a huge malloc */
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof(max));
    setopt_int(s, ZMQ_LINGER, 0);
    setopt_int(s, ZMQ_SNDHWM, 100000);
    setopt_int(s, ZMQ_RCVHWM, 100000);
    setopt_int(s, ZMQ_RECONNECT_IVL, 100);
    setopt_int(s, ZMQ_RECONNECT_IVL_MAX, 1000);
    if (K.curve && (role == HF_BUS_CLIENT ? curve_client(s) : curve_server(s)) < 0) {
        int e = errno;
        zmq_close(s);
        errno = e;
        return NULL;
    }
    return s;
}

int hf_bus_connect(void *sock, const char *endpoint)
{
    const char *hash = strchr(endpoint, '#');
    size_t len = hash ? (size_t)(hash - endpoint) : strlen(endpoint);
    char url[512];
    uint8_t pinned[32];
    if (len >= sizeof(url) || (hash && key_decode(hash + 1, strlen(hash + 1), pinned) < 0)) {
        errno = EINVAL;
        return -1;
    }
    memcpy(url, endpoint, len);
    url[len] = '\0';
    if (!K.curve)
        return zmq_connect(sock, url);
    if (!hash && !K.has_server_key) {
        hf_error("cannot connect to %s: HF_BUS_SERVER_KEY is not set and the endpoint names no "
                 "key (tcp://host:port#KEY)", url);
        errno = EINVAL;
        return -1;
    }
    /* options are copied into each connection when it is made: set the
     * pinned key for this one, then put the default back */
    if (hash && zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, pinned, 32) != 0)
        return -1;
    int rc = zmq_connect(sock, url);
    if (hash && K.has_server_key)
        zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, K.server_key, 32);
    return rc;
}

int hf_bus_keygen(char *public_key, char *secret_key)
{
    if (!zmq_has("curve"))
        return -1;
    return zmq_curve_keypair(public_key, secret_key) == 0 ? 0 : -1;
}

int hf_bus_key_authorized(const uint8_t key[32])
{
    return K.n_authorized && bsearch(key, K.authorized, K.n_authorized, 32, key_cmp) != NULL;
}

size_t hf_bus_authorized_count(void)
{
    return K.n_authorized;
}

const char *hf_bus_server_public_key(void)
{
    return K.curve && K.has_broker_key ? K.broker_public_text : "";
}

int hf_bus_endpoint_key_ok(const char *suffix)
{
    uint8_t key[32];
    return key_decode(suffix, strlen(suffix), key) == 0;
}
