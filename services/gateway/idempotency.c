/* services/gateway/idempotency.c - the idempotency phase: Idempotency-Key on POST, replay, 409, 422
 *
 * A POST by an API key with `Idempotency-Key: <k>` claims the Redis key
 * hf:{tenant}:idem:<key id>:<sha256(k)> with SET NX, holding "P" and a
 * fingerprint of the request (SHA-256 of method, path and body). The claim
 * leaves a response watcher on the request: when the response is made,
 * http.c shows it here and it replaces the claim:
 * "D" fingerprint, status, content type, body, kept HF_GATEWAY_IDEMPOTENCY_TTL_S.
 * A second request with the same key then gets:
 *   - the recorded response again, with `Idempotent-Replayed: true`, when its
 *     fingerprint matches and the first one has finished;
 *   - 409 while the first one is still running;
 *   - 422 when the fingerprint differs (the key was reused for another request).
 * Responses a retry could change (5xx, 429) are not recorded: the claim is
 * dropped so the client's retry runs. A claim left by a gateway that died
 * expires after the call deadline plus a margin. When Redis cannot be
 * reached, a request with a key is refused (503) rather than risk running
 * twice.
 */
#include "gateway.h"

#include "hf/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEY 255

static void fingerprint(gw_request_t *req, char out[65])
{
    size_t blen = 0;
    const char *body = gw_request_body(req, &blen);
    const char *m = gw_request_method(req), *p = gw_request_path(req);
    size_t ml = strlen(m), pl = strlen(p);
    char *buf = malloc(ml + pl + blen + 2);
    if (!buf) {
        memset(out, '0', 64);
        out[64] = '\0';
        return;
    }
    memcpy(buf, m, ml + 1);
    memcpy(buf + ml + 1, p, pl + 1);
    if (blen)
        memcpy(buf + ml + pl + 2, body, blen);
    hf_sha256_hex(buf, ml + pl + 2 + blen, out);
    free(buf);
}

static int key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > MAX_KEY)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x20 || k[i] > 0x7e)
            return 0;
    return 1;
}

static void unavailable(gw_request_t *req)
{
    gw_add_header(req, "Retry-After", "1");
    gw_respond_problem(req, 503, "idempotency_unavailable", "Service unavailable",
                       "Idempotency-Key cannot be checked right now (Redis is unreachable); "
                       "retry with the same key");
}

/* A claim in progress: the response watcher records the response under
 * rkey; the request's cleanup releases the claim if no response came, and
 * frees this. */
typedef struct {
    int recorded;
    char rkey[];
} claim_t;

static void record(gateway_t *gw, gw_request_t *req, unsigned status, const char *content_type,
                   const char *body, size_t len, void *arg);
static void release(gateway_t *gw, gw_request_t *req, void *arg);

/* Answer from a record "D<fp 64><status 3><content type>\n<body>". */
static void replay(gw_request_t *req, const char *rec, size_t len)
{
    const char *nl = memchr(rec, '\n', len);
    if (!nl || nl - rec < 68) {
        gw_respond_problem(req, 500, "internal", "Internal error", "a damaged idempotency record");
        return;
    }
    unsigned status = (unsigned)((rec[65] - '0') * 100 + (rec[66] - '0') * 10 + (rec[67] - '0'));
    char ctype[96];
    snprintf(ctype, sizeof(ctype), "%.*s", (int)(nl - rec - 68), rec + 68);
    size_t blen = len - (size_t)(nl + 1 - rec);
    char *body = malloc(blen + 1);
    if (!body)
        return;
    memcpy(body, nl + 1, blen);
    gw_add_header(req, "Idempotent-Replayed", "true");
    gw_respond_text(req, status, ctype, body, blen);
}

/* The phase handler (phases.c). Claims the key and lets the request go on,
 * or answers it: a replay, 409, 422, 400, or 503 when Redis is down. */
gw_rc_t gw_idempotency_phase(gateway_t *gw, gw_request_t *req)
{
    const gw_route_t *route = gw_request_route(req);
    /* the record is the API key's: a public route has none to keep it under */
    if (strcmp(route->method, "POST") != 0 || !gw_route_needs_key(route))
        return GW_DECLINED;
    const char *k = gw_request_header(req, "Idempotency-Key");
    if (!k)
        return GW_DECLINED;
    if (!key_ok(k)) {
        gw_respond_problem(req, 400, "invalid_idempotency_key", "Invalid Idempotency-Key",
                           "Idempotency-Key must be 1 to 255 printable ASCII characters");
        return GW_DONE;
    }
    if (!gw_request_may_wait(req)) /* Redis */
        return GW_AGAIN;
    const Hrflow__V1__Caller *caller = gw_request_identity(req)->caller;
    char khash[65], fp[65], claim_value[66];
    hf_sha256_hex(k, strlen(k), khash);
    fingerprint(req, fp);
    snprintf(claim_value, sizeof(claim_value), "P%s", fp);
    int n = snprintf(NULL, 0, "hf:{%s}:idem:%s:%s", caller->tenant_id, caller->actor, khash);
    claim_t *claim = malloc(sizeof(*claim) + (size_t)n + 1);
    if (!claim)
        return GW_DONE; /* answered 500 */
    claim->recorded = 0;
    snprintf(claim->rkey, (size_t)n + 1, "hf:{%s}:idem:%s:%s", caller->tenant_id, caller->actor,
             khash);
    const char *rkey = claim->rkey;
    hf_cache_t *cache = gw_cache(gw);
    long pending_ms = gw->cfg.call_timeout_ms + 30000;
    for (int attempt = 0; attempt < 3; attempt++) {
        redisReply *rep = cache ? hf_cache_command(cache, "SET %s %s NX PX %ld", rkey,
                                                   claim_value, pending_ms)
                                : NULL;
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            if (rep)
                freeReplyObject(rep);
            break;
        }
        int claimed = rep->type == REDIS_REPLY_STATUS;
        freeReplyObject(rep);
        if (claimed) {
            gw_request_on_response(req, record, claim);
            gw_request_cleanup_add(req, release, claim);
            return GW_OK;
        }
        rep = hf_cache_command(cache, "GET %s", rkey);
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            if (rep)
                freeReplyObject(rep);
            break;
        }
        if (rep->type != REDIS_REPLY_STRING) { /* expired in between: claim again */
            freeReplyObject(rep);
            continue;
        }
        if (rep->len < 65 || memcmp(rep->str + 1, fp, 64) != 0)
            gw_respond_problem(req, 422, "idempotency_key_reused", "Idempotency-Key reused",
                               "this Idempotency-Key was used for a different request; use a "
                               "new key for a new request");
        else if (rep->str[0] == 'P')
            gw_respond_problem(req, 409, "idempotency_key_in_use", "Request in progress",
                               "a request with this Idempotency-Key is still being processed; "
                               "retry later to get its response");
        else
            replay(req, rep->str, rep->len);
        freeReplyObject(rep);
        free(claim);
        return GW_DONE;
    }
    free(claim);
    unavailable(req);
    return GW_DONE;
}

/* Replace the claim at rkey by the response, or drop it (status 0: the
 * request ended without one; 5xx and 429: a retry could change it). */
static void store(gateway_t *gw, gw_request_t *req, const char *rkey, unsigned status,
                  const char *content_type, const char *body, size_t len)
{
    hf_cache_t *cache = gw_cache(gw);
    if (!cache)
        return;
    redisReply *rep = NULL;
    if (status == 0 || status >= 500 || status == 429 || status < 100) {
        rep = hf_cache_command(cache, "DEL %s", rkey);
    } else {
        char fp[65];
        fingerprint(req, fp);
        size_t clen = strlen(content_type);
        size_t n = 1 + 64 + 3 + clen + 1 + len;
        char *rec = malloc(n + 1);
        if (!rec)
            return;
        snprintf(rec, n + 1, "D%s%03u%s\n", fp, status, content_type);
        memcpy(rec + n - len, body, len);
        rep = hf_cache_command(cache, "SET %s %b PX %lld", rkey, rec, n,
                               (long long)gw->cfg.idempotency_ttl_s * 1000);
        free(rec);
    }
    if (!rep)
        hf_logkv(HF_LOG_WARN, "could not record an idempotent response",
                 HF_KV_STR("error", hf_cache_error(cache)));
    else
        freeReplyObject(rep);
}

static void record(gateway_t *gw, gw_request_t *req, unsigned status, const char *content_type,
                   const char *body, size_t len, void *arg)
{
    claim_t *claim = arg;
    store(gw, req, claim->rkey, status, content_type, body, len);
    claim->recorded = 1;
}

static void release(gateway_t *gw, gw_request_t *req, void *arg)
{
    claim_t *claim = arg;
    if (!claim->recorded) /* never answered: forget the key so a retry can run */
        store(gw, req, claim->rkey, 0, NULL, NULL, 0);
    free(claim);
}
