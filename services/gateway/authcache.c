/* services/gateway/authcache.c - authenticated API keys held in the gateway process
 *
 * Without it every request with an API key is one Redis round trip (the
 * shared cache entry and the rate limit in one script, ratelimit.c). With
 * it a replica keeps, per token hash, the Caller that Redis or identity
 * vouched for and a lease of rate-limit tokens, and most requests need
 * neither:
 *
 *  - an entry is trusted for HF_GATEWAY_AUTH_LOCAL_MS after Redis or
 *    identity last said the key authenticates; then the next request asks
 *    Redis again (which also returns the lease's unused tokens);
 *  - a lease is up to burst/16 tokens taken from the key's GCRA budget in
 *    Redis at once (ratelimit.c), spent here one per request. Tokens are
 *    taken from the shared budget before they are spent, so all replicas
 *    together never let more through than the limit; a lease held by one
 *    replica is at most burst/16 that another cannot use for a while. A
 *    refusal is kept until the moment GCRA said the next request fits,
 *    which no other replica can bring forward either;
 *  - revocation: identity's api_key.revoked event on the broker's event
 *    plane drops the key's entries (a thread here listens for it), and a
 *    revocation through this replica drops them when it answers (auth.c).
 *    The event plane is best effort: a lost event leaves a revoked key
 *    usable here until its entry is no longer fresh, at most
 *    HF_GATEWAY_AUTH_LOCAL_MS. Without an event plane (HF_EVENTS_SUB
 *    empty) or with HF_GATEWAY_AUTH_LOCAL_MS=0 nothing is held here.
 *
 * The race of a lookup that was answered before a revocation and lands
 * after it is closed with an epoch: every revocation seen gets the next
 * number and a place in a ring of the last RING; a lookup notes the epoch
 * before it asks and its result is refused when its key was revoked since
 * (and not kept when more than RING revocations passed meanwhile). Redis
 * has the same race, closed there by identity writing a tombstone that the
 * gateway's SET NX cannot overwrite (auth.c, services/identity/store.c).
 */
#include "gateway.h"

#include "hf/encoding.h"
#include "hf/log.h"
#include "hf/metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096      /* by the token hash's first two bytes */
#define MAX_ENTRIES 50000 /* then stale entries are swept, or nothing new is kept */
#define RING 256          /* revocations remembered for lookups in flight */
#define LISTEN_MS 200     /* the listener's longest wait, so it notices a stop */
#define LEASE_WAIT_MS 1000 /* a lease asked for and not back by then may be asked again */

typedef struct entry entry_t;
struct entry {
    entry_t *next;
    char hash[65], key_id[64];
    uint8_t *caller; /* packed Caller */
    size_t caller_len;
    int limited;          /* the key's scopes have a rate limit */
    int64_t fresh_until;  /* trusted without asking until then (and the lease with it) */
    long tokens;          /* leased rate-limit tokens not yet spent */
    long long remaining;  /* what Redis said was left beside the lease */
    int64_t reset_at;     /* when the budget is whole again (hf_mono_ms) */
    int64_t deny_until;   /* refused by the limit until then */
    int64_t leasing_since; /* a request of this replica is asking for a lease (0: none) */
};

static struct {
    pthread_mutex_t lock;
    entry_t *buckets[BUCKETS];
    size_t count;
    long local_ms; /* 0: off */
    uint64_t epoch;
    char ring[RING][64];
    pthread_t thread;
    int started, stopping;
    char *events_sub;
    hf_counter_t *hits, *revocations;
} ac = { .lock = PTHREAD_MUTEX_INITIALIZER };

static unsigned bucket_of(const char *hash)
{
    unsigned char b[2] = { 0, 0 }; /* a SHA-256's hex: two bytes spread well enough */
    hf_hex_decode(hash, b, sizeof(b));
    return ((unsigned)b[0] << 8 | b[1]) % BUCKETS;
}

static void entry_free(entry_t *e)
{
    free(e->caller);
    free(e);
}

static entry_t *find(const char *hash, entry_t ***link)
{
    entry_t **p = &ac.buckets[bucket_of(hash)];
    for (; *p; p = &(*p)->next)
        if (!strcmp((*p)->hash, hash))
            break;
    if (link)
        *link = p;
    return *p;
}

/* Drop every entry for which drop(e, arg) says so (ac.lock held). */
static size_t sweep(int (*drop)(const entry_t *e, const void *arg), const void *arg)
{
    size_t n = 0;
    for (size_t b = 0; b < BUCKETS; b++)
        for (entry_t **p = &ac.buckets[b]; *p;) {
            entry_t *e = *p;
            if (drop(e, arg)) {
                *p = e->next;
                entry_free(e);
                ac.count--;
                n++;
            } else {
                p = &e->next;
            }
        }
    return n;
}

static int is_stale(const entry_t *e, const void *now)
{
    return e->fresh_until <= *(const int64_t *)now;
}

static int of_key(const entry_t *e, const void *key_id)
{
    return !strcmp(e->key_id, key_id);
}

static int any(const entry_t *e, const void *arg)
{
    (void)e, (void)arg;
    return 1;
}

void gw_authcache_init(long local_ms)
{
    pthread_mutex_lock(&ac.lock);
    sweep(any, NULL);
    ac.local_ms = local_ms > 0 ? local_ms : 0;
    pthread_mutex_unlock(&ac.lock);
    if (!ac.hits) {
        ac.hits = hf_metrics_counter("hf_gateway_auth_local_hits_total",
                                     "requests whose API key and rate limit were decided in "
                                     "the gateway process, without Redis",
                                     NULL);
        ac.revocations = hf_metrics_counter("hf_gateway_auth_revocations_total",
                                            "API key revocations seen by the gateway (event "
                                            "plane, or answered here)",
                                            NULL);
    }
}

int gw_authcache_enabled(void)
{
    pthread_mutex_lock(&ac.lock);
    int on = ac.local_ms > 0;
    pthread_mutex_unlock(&ac.lock);
    return on;
}

uint64_t gw_authcache_epoch(void)
{
    pthread_mutex_lock(&ac.lock);
    uint64_t e = ac.epoch;
    pthread_mutex_unlock(&ac.lock);
    return e;
}

/* One request at a time asks for a lease for e: the others ask Redis for
 * their one token, so concurrent requests never pile up leases beyond
 * burst/16 in one replica (ac.lock held). */
static int ask_lease(entry_t *e, int64_t now)
{
    if (!e->limited || (e->leasing_since && now - e->leasing_since < LEASE_WAIT_MS))
        return 0;
    e->leasing_since = now;
    return 1;
}

int gw_authcache_take(const char *hash, Hrflow__V1__Caller **caller, gw_rate_result_t *rate,
                      long *give_back, int *lease)
{
    *caller = NULL;
    *give_back = 0;
    *lease = 0;
    int64_t now = hf_mono_ms();
    pthread_mutex_lock(&ac.lock);
    entry_t *e = ac.local_ms ? find(hash, NULL) : NULL;
    int hit = 0;
    if (!e) {
    } else if (now >= e->fresh_until) { /* ask again; the lease goes back */
        *give_back = e->tokens;
        e->tokens = 0;
        *lease = ask_lease(e, now);
    } else if (!e->limited) {
        hit = 1;
    } else if (now < e->deny_until) {
        *rate = (gw_rate_result_t){ .checked = 1, .allowed = 0, .retry_ms = e->deny_until - now,
                                    .reset_ms = e->reset_at > now ? e->reset_at - now : 0 };
        hit = 1;
    } else if (e->tokens > 0) {
        e->tokens--;
        *rate = (gw_rate_result_t){ .checked = 1, .allowed = 1,
                                    .remaining = e->remaining + e->tokens,
                                    .reset_ms = e->reset_at > now ? e->reset_at - now : 0 };
        hit = 1;
    } else {
        *lease = ask_lease(e, now);
    }
    if (hit)
        *caller = hrflow__v1__caller__unpack(NULL, e->caller_len, e->caller);
    pthread_mutex_unlock(&ac.lock);
    if (hit && !*caller) { /* out of memory: decide as if it had missed */
        rate->checked = 0;
        return 0;
    }
    if (hit)
        hf_counter_inc(ac.hits);
    return hit;
}

/* 1 when key_id was revoked after epoch0, -1 when too many were to tell
 * (ac.lock held). */
static int revoked_since(const char *key_id, uint64_t epoch0)
{
    if (ac.epoch - epoch0 > RING)
        return -1;
    for (uint64_t s = epoch0 + 1; s <= ac.epoch; s++)
        if (!strcmp(ac.ring[s % RING], key_id))
            return 1;
    return 0;
}

int gw_authcache_put(const char *hash, const char *key_id, const Hrflow__V1__Caller *c,
                     int limited, uint64_t epoch0, gw_rate_result_t *rate, long granted)
{
    int64_t now = hf_mono_ms();
    size_t n = hrflow__v1__caller__get_packed_size(c);
    pthread_mutex_lock(&ac.lock);
    int since = revoked_since(key_id, epoch0);
    if (since == 1) {
        pthread_mutex_unlock(&ac.lock);
        return -1;
    }
    entry_t **link, *e = ac.local_ms && since == 0 ? find(hash, &link) : NULL;
    if (ac.local_ms && since == 0 && !e && ac.count >= MAX_ENTRIES)
        sweep(is_stale, &now);
    if (ac.local_ms && since == 0 && !e && ac.count < MAX_ENTRIES &&
        (e = calloc(1, sizeof(*e)))) {
        snprintf(e->hash, sizeof(e->hash), "%s", hash);
        snprintf(e->key_id, sizeof(e->key_id), "%s", key_id);
        e->next = NULL;
        *link = e;
        ac.count++;
    }
    uint8_t *packed = e ? malloc(n ? n : 1) : NULL;
    if (packed) {
        hrflow__v1__caller__pack(c, packed);
        free(e->caller);
        e->caller = packed;
        e->caller_len = n;
        e->limited = limited;
        e->fresh_until = now + ac.local_ms;
        if (rate && rate->checked && (!rate->allowed || granted > 1))
            e->leasing_since = 0; /* a lease came back (or nothing is left to lease) */
        if (rate && rate->checked && !rate->allowed) {
            e->deny_until = now + rate->retry_ms;
            e->reset_at = now + rate->reset_ms;
        } else if (rate && rate->checked && granted > 0) {
            e->tokens += granted - 1; /* this request spends one */
            e->remaining = rate->remaining;
            e->reset_at = now + rate->reset_ms;
            e->deny_until = 0;
        }
    } else if (e && !e->caller) { /* a new entry without its Caller: not kept */
        *link = e->next;
        entry_free(e);
        ac.count--;
        e = NULL;
    }
    if (e && rate && rate->checked && rate->allowed)
        rate->remaining += e->tokens; /* the answer counts what this replica holds */
    pthread_mutex_unlock(&ac.lock);
    return 0;
}

void gw_authcache_forget(const char *key_id)
{
    pthread_mutex_lock(&ac.lock);
    sweep(of_key, key_id);
    ac.epoch++;
    snprintf(ac.ring[ac.epoch % RING], sizeof(ac.ring[0]), "%s", key_id);
    pthread_mutex_unlock(&ac.lock);
    hf_counter_inc(ac.revocations);
}

const char *gw_revoked_key_id(const Hrflow__V1__Event *ev)
{
    const char *slash = ev->subject ? strrchr(ev->subject, '/') : NULL;
    if (!ev->type || strcmp(ev->type, GW_API_KEY_REVOKED_TYPE) != 0 || !slash || !slash[1])
        return NULL;
    return slash + 1;
}

static void on_event(const Hrflow__V1__Event *ev)
{
    const char *key_id = gw_revoked_key_id(ev);
    if (key_id)
        gw_authcache_forget(key_id);
}

static int stopping(void)
{
    pthread_mutex_lock(&ac.lock);
    int s = ac.stopping;
    pthread_mutex_unlock(&ac.lock);
    return s;
}

static void *listen_main(void *arg)
{
    (void)arg;
    hf_bus_subscriber_t *sub = hf_bus_subscriber_new(ac.events_sub);
    if (!sub || hf_bus_subscribe(sub, GW_API_KEY_REVOKED_TYPE) < 0) {
        /* nothing would drop a revoked key here: keep nothing */
        hf_error("cannot subscribe to %s for API key revocations: API keys are not held "
                 "in the gateway process", ac.events_sub);
        gw_authcache_init(0);
        hf_bus_subscriber_destroy(&sub);
        return NULL;
    }
    while (!stopping()) {
        Hrflow__V1__Event *ev = NULL;
        if (hf_bus_subscriber_recv(sub, LISTEN_MS, &ev) == 1) {
            on_event(ev);
            hrflow__v1__event__free_unpacked(ev, NULL);
        }
    }
    hf_bus_subscriber_destroy(&sub);
    return NULL;
}

int gw_authcache_start(const gateway_t *gw)
{
    int on = gw->cfg.auth_local_ms > 0 && *gw->cfg.events_sub;
    gw_authcache_init(on ? gw->cfg.auth_local_ms : 0);
    if (!on)
        return 0;
    ac.events_sub = strdup(gw->cfg.events_sub);
    ac.stopping = 0;
    if (!ac.events_sub || pthread_create(&ac.thread, NULL, listen_main, NULL) != 0) {
        hf_error("cannot start the API key revocation listener");
        free(ac.events_sub);
        ac.events_sub = NULL;
        gw_authcache_init(0);
        return -1;
    }
    ac.started = 1;
    return 0;
}

void gw_authcache_stop(void)
{
    if (ac.started) {
        pthread_mutex_lock(&ac.lock);
        ac.stopping = 1;
        pthread_mutex_unlock(&ac.lock);
        pthread_join(ac.thread, NULL);
        ac.started = 0;
    }
    free(ac.events_sub);
    ac.events_sub = NULL;
    gw_authcache_init(0);
}
