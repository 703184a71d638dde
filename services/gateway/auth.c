/* services/gateway/auth.c - the access and scope phases: who is calling, and may they
 *
 * Three phase handlers (phases.c): gw_public_phase names the caller of a
 * public route (no key; rate-limited per client address), gw_auth_phase the
 * caller of any other bus route from its API key, and gw_scope_phase checks
 * the caller's scopes against the route's. Local routes need neither.
 *
 * A token "hf_<key id>_<secret>" is never stored: the gateway hashes it
 * (SHA-256) and looks in three places, nearest first:
 *  1. this process (authcache.c): a key Redis or identity vouched for less
 *     than HF_GATEWAY_AUTH_LOCAL_MS ago, with a lease of rate-limit tokens;
 *  2. Redis, `hf:auth:{<hash>}`: the packed Caller of a recently
 *     authenticated key, shared by the replicas, with its rate limit
 *     applied in the same round trip (ratelimit.c);
 *  3. the identity service (Authenticate, which compares the hash with the
 *     stored one in constant time); the answer is cached in Redis for
 *     HF_GATEWAY_AUTH_CACHE_S with SET NX.
 * Revoking a key replaces its Redis entry with a tombstone "revoked" that
 * SET NX cannot overwrite (services/identity), so a lookup answered just
 * before the revocation cannot put the key back; the revocation event
 * drops it from every replica's process (authcache.c), and this replica
 * drops it as soon as it answers the revocation. Every failure is the same
 * 401, which never says whether the key id exists; the token itself never
 * reaches a log line.
 */
#include "gateway.h"

#include "hf/log.h"
#include "hrflow/v1/identity.pb-c.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


static void unauthenticated(gw_request_t *req, const char *detail)
{
    gw_add_header(req, "WWW-Authenticate", "Bearer realm=\"hrflow\"");
    gw_respond_problem(req, 401, "unauthenticated", "Unauthenticated", detail);
}

/* The token of "Bearer <token>", or NULL when the header is not that.
 * A token is "hf_" + key hex + "_" + secret (services/identity/token.h);
 * the hex holds no '_', so the first '_' after "hf_" ends the key id even
 * though the secret's base64url alphabet has '_' in it. */
#define MAX_TOKEN 200

static const char *bearer(const char *h, char *key_id, size_t idlen)
{
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    const char *t = h + 7;
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    if (n < 8 || n > MAX_TOKEN || strncmp(t, "hf_", 3) != 0)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '-')
            return NULL;
    size_t klen = strcspn(t + 3, "_");
    if (klen == 0 || klen + 4 >= idlen || t[3 + klen] != '_' || !t[4 + klen])
        return NULL;
    memcpy(key_id, "key_", 4); /* the key's public id (ApiKey.id) */
    memcpy(key_id + 4, t + 3, klen);
    key_id[4 + klen] = '\0';
    return t;
}

/* The caller of every public route: the service checks what the path
 * carries (the candidate's status token). */
static const Hrflow__V1__Caller public_caller = {
    .base = PROTOBUF_C_MESSAGE_INIT(&hrflow__v1__caller__descriptor),
    .tenant_id = (char *)protobuf_c_empty_string,
    .actor = (char *)"public",
};

static unsigned scope_bits(const Hrflow__V1__Caller *c)
{
    unsigned bits = 0;
    for (size_t i = 0; i < c->n_scopes; i++)
        bits |= gw_scope_bit(c->scopes[i]);
    return bits;
}

/* The Caller of a cached entry "<interval ms> <burst>\n<packed Caller>". */
static Hrflow__V1__Caller *entry_caller(const char *entry, size_t len)
{
    const char *nl = memchr(entry, '\n', len);
    if (!nl)
        return NULL;
    size_t off = (size_t)(nl + 1 - entry);
    return hrflow__v1__caller__unpack(NULL, len - off, (const uint8_t *)entry + off);
}

/* Cache the Caller with the rate limit of its scopes (ratelimit.c reads it
 * in the same script that fetches the entry). */
static void remember(gateway_t *gw, const char *key, const Hrflow__V1__Caller *c,
                     unsigned scopes)
{
    gw_rate_t lim;
    const char *policy;
    gw_rate_of(gw, scopes, &lim, &policy);
    char head[64];
    int hl = snprintf(head, sizeof(head), "%.6f %ld\n", lim.rate > 0 ? 1000.0 / lim.rate : 0.0,
                      lim.burst);
    size_t n = hrflow__v1__caller__get_packed_size(c);
    uint8_t *buf = malloc((size_t)hl + n + 1);
    hf_cache_t *cache = gw_cache(gw);
    if (!cache || !buf) {
        free(buf);
        return;
    }
    memcpy(buf, head, (size_t)hl);
    hrflow__v1__caller__pack(c, buf + hl);
    /* NX: never over identity's tombstone of a key revoked meanwhile */
    redisReply *rep = hf_cache_command(cache, "SET %s %b NX EX %ld", key, buf, (size_t)hl + n,
                                       gw->cfg.auth_cache_s);
    if (rep)
        freeReplyObject(rep);
    free(buf);
}

/* identity.Authenticate of a key id and token hash: 0 with *reply, or the
 * bus error code with *st. */
static int ask_identity(gateway_t *gw, hf_bus_client_t *bus, const char *key_id,
                        const char *hash, const char *traceparent, const char *request_id,
                        ProtobufCMessage **reply, hf_status_t *st)
{
    Hrflow__V1__AuthenticateRequest ar = HRFLOW__V1__AUTHENTICATE_REQUEST__INIT;
    ar.key_id = (char *)key_id;
    ar.token_sha256 = (char *)hash;
    hf_call_opts_t opts = { .timeout_ms = (int)gw->cfg.call_timeout_ms,
                            .traceparent = traceparent,
                            .request_id = request_id };
    return hf_bus_call(bus, "identity", "Authenticate", &ar.base,
                       &hrflow__v1__authenticate_response__descriptor, &opts, reply, st);
}

int gw_auth_recheck(gateway_t *gw, const char *key_id, const char *token_sha256)
{
    ProtobufCMessage *reply = NULL;
    hf_status_t st = { 0 };
    hf_bus_client_t *bus = gw_bus(gw);
    int rc = bus ? ask_identity(gw, bus, key_id, token_sha256, NULL, NULL, &reply, &st)
                 : HRFLOW__V1__ERROR_CODE__UNAVAILABLE;
    hf_status_clear(&st);
    if (rc == HRFLOW__V1__ERROR_CODE__UNAUTHENTICATED)
        return 0;
    if (rc != 0)
        return -1;
    int ok = ((Hrflow__V1__AuthenticateResponse *)reply)->caller != NULL;
    protobuf_c_message_free_unpacked(reply, NULL);
    return ok;
}

/* Authenticate the request's bearer token, filling id's rate-limit key
 * and, when the cached lookup ran it, its decision. Returns the caller
 * (free with protobuf_c_message_free_unpacked), or NULL after answering
 * (401, 503). */
static Hrflow__V1__Caller *authenticate(gateway_t *gw, gw_request_t *req, gw_identity_t *id)
{
    const char *h = gw_request_header(req, "Authorization");
    if (!h) {
        unauthenticated(req, "this route needs an API key: Authorization: Bearer <token>");
        return NULL;
    }
    char key_id[64];
    const char *token = bearer(h, key_id, sizeof(key_id));
    if (!token) {
        unauthenticated(req, "the Authorization header is not a valid hrflow bearer token");
        return NULL;
    }
    char hash[65], key[80], *entry = NULL;
    size_t elen = 0;
    hf_sha256_hex(token, strlen(token), hash);
    snprintf(id->tat_key, sizeof(id->tat_key), "hf:rl:{%s}", hash);
    snprintf(id->key_id, sizeof(id->key_id), "%s", key_id);
    snprintf(id->token_sha256, sizeof(id->token_sha256), "%s", hash);
    Hrflow__V1__Caller *caller = NULL;
    long give_back = 0, granted = 0;
    int lease = 0;
    if (gw_authcache_take(hash, &caller, &id->rate, &give_back, &lease) == 1)
        return caller;
    uint64_t epoch = gw_authcache_epoch();
    int local = gw_authcache_enabled();
    snprintf(key, sizeof(key), "hf:auth:{%s}", hash);
    int cached = gw_auth_cached(gw, key, id->tat_key, lease ? GW_LEASE_DIV : 0, give_back,
                                &entry, &elen, &id->rate, &granted);
    if (cached == 2) {
        unauthenticated(req, "the API key is unknown or revoked");
        return NULL;
    }
    if (cached == 1) {
        caller = entry_caller(entry, elen);
        if (!caller)
            id->rate.checked = 0; /* a damaged entry: ask identity */
        free(entry);
    }
    if (!caller) {
        ProtobufCMessage *reply = NULL;
        hf_status_t st = { 0 };
        hf_bus_client_t *bus = gw_bus(gw);
        int rc = bus ? ask_identity(gw, bus, key_id, hash, gw_request_traceparent(req),
                                    gw_request_id(req), &reply, &st)
                     : HRFLOW__V1__ERROR_CODE__UNAVAILABLE;
        if (rc == HRFLOW__V1__ERROR_CODE__UNAUTHENTICATED) {
            hf_status_clear(&st);
            unauthenticated(req, "the API key is unknown or revoked");
            return NULL;
        }
        if (rc != 0) {
            if (!bus)
                snprintf(st.message, sizeof(st.message), "no bus client");
            st.code = rc;
            gw_respond_bus_error(req, &st, NULL);
            hf_status_clear(&st);
            return NULL;
        }
        Hrflow__V1__AuthenticateResponse *resp = (Hrflow__V1__AuthenticateResponse *)reply;
        if (resp->caller) {
            caller = resp->caller;
            resp->caller = NULL; /* keep it past the reply */
            remember(gw, key, caller, scope_bits(caller));
        }
        protobuf_c_message_free_unpacked(reply, NULL);
        if (!caller) {
            unauthenticated(req, "the API key is unknown or revoked");
            return NULL;
        }
    }
    gw_rate_t lim;
    const char *policy;
    gw_rate_of(gw, scope_bits(caller), &lim, &policy);
    if (local && gw_authcache_put(hash, key_id, caller, lim.rate > 0, epoch, &id->rate,
                                  granted) < 0) {
        /* revoked while Redis or identity was answering */
        protobuf_c_message_free_unpacked(&caller->base, NULL);
        unauthenticated(req, "the API key is unknown or revoked");
        return NULL;
    }
    return caller;
}

static void free_caller(gateway_t *gw, gw_request_t *req, void *caller)
{
    (void)gw, (void)req;
    protobuf_c_message_free_unpacked(caller, NULL);
}

gw_rc_t gw_public_phase(gateway_t *gw, gw_request_t *req)
{
    if (gw_request_route(req)->scopes != GW_SCOPE_PUBLIC)
        return GW_DECLINED;
    char addr[64], hash[65];
    gw_request_client(req, gw->cfg.client_ip_header, addr, sizeof(addr));
    hf_sha256_hex(addr, strlen(addr), hash);
    gw_identity_t *id = gw_request_identity(req);
    id->caller = &public_caller;
    id->scopes = GW_SCOPE_PUBLIC;
    snprintf(id->tat_key, sizeof(id->tat_key), "hf:rl:public:%.40s", hash);
    return GW_OK;
}

/* A revocation answered by this replica: the key's entries here go now,
 * before the client can send its next request (other replicas drop them
 * when the event reaches them). */
static void on_revoked(gateway_t *gw, gw_request_t *req, unsigned status,
                       const char *content_type, const char *body, size_t len, void *arg)
{
    (void)gw, (void)content_type, (void)body, (void)len, (void)arg;
    int n = 0;
    const gw_param_t *p = gw_request_params(req, &n);
    for (int i = 0; status / 100 == 2 && i < n; i++)
        if (!strcmp(p[i].name, "id"))
            gw_authcache_forget(p[i].value);
}

gw_rc_t gw_auth_phase(gateway_t *gw, gw_request_t *req)
{
    const gw_route_t *route = gw_request_route(req);
    if (!gw_route_needs_key(route))
        return GW_DECLINED;
    if (!gw_request_may_wait(req)) /* Redis, perhaps identity */
        return GW_AGAIN;
    if (route->rpc && !strcmp(route->rpc, "RevokeApiKey") && route->service &&
        !strcmp(gw_route_service_name(route), "identity"))
        gw_request_on_response(req, on_revoked, NULL);
    gw_identity_t *id = gw_request_identity(req);
    Hrflow__V1__Caller *caller = authenticate(gw, req, id);
    if (!caller)
        return GW_DONE;
    gw_request_cleanup_add(req, free_caller, caller);
    id->caller = caller;
    id->scopes = scope_bits(caller);
    return GW_OK;
}

static void insufficient_scope(gw_request_t *req, const gw_route_t *route)
{
    char need[96] = "";
    for (unsigned bit = 1; bit <= GW_SCOPE_INTEGRATOR; bit <<= 1) {
        if (!((route->scopes | GW_SCOPE_ADMIN) & bit))
            continue;
        size_t n = strlen(need);
        snprintf(need + n, sizeof(need) - n, "%s%s", n ? ", " : "", gw_scope_name(bit));
    }
    char detail[160];
    snprintf(detail, sizeof(detail), "this route needs an API key with one of the scopes: %s",
             need);
    gw_respond_problem(req, 403, "insufficient_scope", "Forbidden", detail);
}

/* The caller needs one of the route's scopes; an admin key may call every
 * route, and the public identity has the public routes' scope. */
gw_rc_t gw_scope_phase(gateway_t *gw, gw_request_t *req)
{
    (void)gw;
    const gw_route_t *route = gw_request_route(req);
    if (!route->scopes)
        return GW_DECLINED;
    if ((route->scopes | GW_SCOPE_ADMIN) & gw_request_identity(req)->scopes)
        return GW_OK;
    insufficient_scope(req, route);
    return GW_DONE;
}
