/* services/gateway/ratelimit.c - the rate-limit phase: GCRA in Redis, per key or client address
 *
 * The generic cell rate algorithm keeps one number per API key in Redis, the
 * theoretical arrival time (TAT) of the next request, and decides in one
 * script call whether a request fits: sustained `rate` per second with bursts
 * up to `burst` (HF_GATEWAY_RATE_LIMITS, per scope; a key with several scopes
 * gets the most generous). The script reads Redis's clock, so every gateway
 * replica agrees. For a key whose authentication is cached, one script
 * (auth_lua) fetches the cache entry and applies the limit in the same
 * round trip; the entry carries the key's limit, so Redis needs nothing
 * else. Keys: hf:auth:{<token sha256>} and hf:rl:{<token sha256>}, one hash
 * slot on Redis Cluster. Answers carry RateLimit-Policy and RateLimit headers
 * (draft-ietf-httpapi-ratelimit-headers); a refused request gets 429 with
 * Retry-After. When Redis is down the request goes through: a limit protects
 * capacity, and refusing everything would be worse than an unlimited minute.
 */
#include "gateway.h"

#include "hf/log.h"
#include "hf/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GCRA over the TAT in key `tat_key` with emission interval `interval`
 * (ms) and `burst`, after handing back `back` unspent tokens, granting up
 * to `want` tokens at once (a lease, authcache.c; 1 for a plain request):
 * as many as fit now, at least one or the request is refused. Ends the
 * script with {granted, retry_after_ms, remaining, reset_ms} after `head`.
 * With want = 1 and back = 0 it is the one-request GCRA exactly. Shared by
 * both scripts below. */
#define GCRA(head)                                                                          \
    "local t = redis.call('TIME')\n"                                                        \
    "local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000\n"                           \
    "local tat = tonumber(redis.call('GET', tat_key)) or now\n"                             \
    "tat = tat - back * interval\n"                                                         \
    "if tat < now then tat = now end\n"                                                     \
    "local fit = math.floor((now + burst * interval - tat) / interval + 1e-9)\n"            \
    "if fit < 1 then\n"                                                                     \
    "  if back > 0 then\n"                                                                  \
    "    redis.call('SET', tat_key, tostring(tat), 'PX', math.ceil(tat - now) + 1)\n"       \
    "  end\n"                                                                               \
    "  return {" head "0, math.ceil(tat + interval - burst * interval - now), 0,\n"         \
    "          math.ceil(tat - now)}\n"                                                     \
    "end\n"                                                                                 \
    "local n = math.min(want, fit)\n"                                                       \
    "local new_tat = tat + n * interval\n"                                                  \
    "redis.call('SET', tat_key, tostring(new_tat), 'PX', math.ceil(new_tat - now) + 1)\n"   \
    "return {" head "n, 0, fit - n, math.ceil(new_tat - now)}\n"

/* KEYS[1]: the TAT. ARGV: emission interval (ms), burst. */
static const char gcra_lua[] =
    "local tat_key = KEYS[1]\n"
    "local interval = tonumber(ARGV[1])\n"
    "local burst = tonumber(ARGV[2])\n"
    "local want, back = 1, 0\n" GCRA("");

/* The request's first Redis round trip does both jobs. KEYS[1]: the auth
 * cache entry "<interval ms> <burst>\n<packed Caller>" (auth.c), or
 * identity's tombstone "revoked" (no newline); KEYS[2]: the key's TAT.
 * ARGV: the lease divisor (0: one token) and the tokens handed back.
 * Returns {} on a cache miss, {"revoked"} for a revoked key, else {entry,
 * granted, retry_after_ms, remaining, reset_ms} (the last four 1, 0, 0, 0
 * for a key without a limit). */
static const char auth_lua[] =
    "local entry = redis.call('GET', KEYS[1])\n"
    "if not entry then return {} end\n"
    "local nl = string.find(entry, '\\n', 1, true)\n"
    "if not nl then return {entry} end\n"
    "local interval, burst = string.match(string.sub(entry, 1, nl), '^(%S+) (%S+)')\n"
    "interval = tonumber(interval)\n"
    "burst = tonumber(burst)\n"
    "if not interval or interval <= 0 then return {entry, 1, 0, 0, 0} end\n"
    "local div = tonumber(ARGV[1]) or 0\n"
    "local want = div > 0 and math.max(1, math.floor(burst / div)) or 1\n"
    "local back = tonumber(ARGV[2]) or 0\n"
    "local tat_key = KEYS[2]\n" GCRA("entry, ");

typedef struct {
    const char *lua;
    char sha[41];
} script_t;
static script_t gcra_script = { gcra_lua, "" }, auth_script = { auth_lua, "" };
static hf_counter_t *limited_total, *redis_down_total;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_once(void)
{
    limited_total = hf_metrics_counter("hf_gateway_rate_limited_total",
                                       "requests refused by a rate limit", NULL);
    redis_down_total = hf_metrics_counter(
        "hf_gateway_rate_limit_unchecked_total",
        "requests let through unchecked because Redis did not answer", NULL);
    hf_sha1_hex(gcra_script.lua, strlen(gcra_script.lua), gcra_script.sha);
    hf_sha1_hex(auth_script.lua, strlen(auth_script.lua), auth_script.sha);
}

/* EVALSHA the script with two keys and up to two arguments, loading it
 * with EVAL when Redis does not know it yet. NULL when Redis is down. */
static redisReply *run_script(hf_cache_t *cache, script_t *s, int nkeys, const char *k1,
                              const char *k2, const char *a1, const char *a2)
{
    pthread_once(&once, init_once);
    char nk[4];
    snprintf(nk, sizeof(nk), "%d", nkeys);
    const char *argv[7] = { "EVALSHA", s->sha, nk, k1 };
    int argc = 4;
    if (nkeys == 2)
        argv[argc++] = k2;
    if (a1)
        argv[argc++] = a1;
    if (a2)
        argv[argc++] = a2;
    redisReply *rep = cache ? hf_cache_commandargv(cache, argc, argv, NULL) : NULL;
    if (rep && rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(rep);
        argv[0] = "EVAL";
        argv[1] = s->lua;
        rep = hf_cache_commandargv(cache, argc, argv, NULL);
    }
    if (rep && rep->type == REDIS_REPLY_ERROR) {
        hf_warn("redis script failed: %s", rep->str);
        freeReplyObject(rep);
        rep = NULL;
    }
    return rep;
}

static void take_rate(redisReply *const *el, gw_rate_result_t *out)
{
    out->checked = 1;
    out->allowed = el[0]->integer > 0;
    out->retry_ms = el[1]->integer;
    out->remaining = el[2]->integer;
    out->reset_ms = el[3]->integer;
}

int gw_auth_cached(gateway_t *gw, const char *auth_key, const char *tat_key, long lease_div,
                   long give_back, char **entry, size_t *len, gw_rate_result_t *rate,
                   long *granted)
{
    char div[24], back[24];
    snprintf(div, sizeof(div), "%ld", lease_div);
    snprintf(back, sizeof(back), "%ld", give_back);
    redisReply *rep = run_script(gw_cache(gw), &auth_script, 2, auth_key, tat_key, div, back);
    int rc = -1;
    if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 0) {
        rc = 0;
    } else if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 1) {
        rc = 2;
    } else if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 5 &&
               rep->element[0]->type == REDIS_REPLY_STRING) {
        *entry = malloc(rep->element[0]->len + 1);
        if (*entry) {
            memcpy(*entry, rep->element[0]->str, rep->element[0]->len);
            (*entry)[rep->element[0]->len] = '\0';
            *len = rep->element[0]->len;
            take_rate(rep->element + 1, rate);
            *granted = rep->element[1]->integer;
            rc = 1;
        }
    }
    if (rep)
        freeReplyObject(rep);
    return rc;
}

int gw_rate_parse(const char *spec, gw_rate_t *rates, char *err, size_t errlen)
{
    char *copy = strdup(spec), *save = NULL;
    if (!copy)
        return -1;
    int rc = 0;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        while (*item == ' ')
            item++;
        char *eq = strchr(item, '='), *colon = eq ? strchr(eq, ':') : NULL, *end1, *end2;
        if (!eq || !colon) {
            snprintf(err, errlen, "\"%s\" is not scope=rate:burst", item);
            rc = -1;
            break;
        }
        *eq = '\0';
        unsigned bit = gw_scope_bit(item);
        double rate = strtod(eq + 1, &end1);
        long burst = strtol(colon + 1, &end2, 10);
        if (!bit || end1 != colon || *end2 || !(rate > 0 && rate <= 1e6) || burst < 1 ||
            burst > 1000000) {
            snprintf(err, errlen, "\"%s=%s\": want a scope (admin, recruiter, payroll, "
                     "integrator, public, engine), a rate per second in (0, 1e6] and a "
                     "burst in [1, 1e6]",
                     item, eq + 1);
            rc = -1;
            break;
        }
        for (int i = 0; i < GW_N_SCOPES; i++)
            if (bit == 1u << i)
                rates[i] = (gw_rate_t){ rate, burst };
    }
    free(copy);
    return rc;
}

void gw_rate_of(const gateway_t *gw, unsigned scopes, gw_rate_t *lim, const char **policy)
{
    *lim = (gw_rate_t){ 0, 0 };
    *policy = "default";
    for (int i = 0; i < GW_N_SCOPES; i++) {
        if (!(scopes & (1u << i)) || gw->rates[i].rate <= lim->rate)
            continue;
        *lim = gw->rates[i];
        *policy = gw_scope_name(1u << i);
    }
}

/* The phase handler (phases.c): apply the caller's limit (deciding it now
 * unless the cached auth lookup did), setting the RateLimit headers, or
 * answer 429. A Redis outage lets requests through (limits cost speed,
 * never availability). */
gw_rc_t gw_ratelimit_phase(gateway_t *gw, gw_request_t *req)
{
    gw_identity_t *id = gw_request_identity(req);
    const char *policy;
    gw_rate_t lim;
    gw_rate_of(gw, id->scopes, &lim, &policy);
    if (lim.rate <= 0) /* no caller (a local route), or no limit for it */
        return GW_DECLINED;
    if (!id->rate.checked && !gw_request_may_wait(req)) /* Redis */
        return GW_AGAIN;
    if (!id->rate.checked) { /* the auth lookup did not run the limit: run it now */
        char interval[32], burst[24];
        snprintf(interval, sizeof(interval), "%.6f", 1000.0 / lim.rate);
        snprintf(burst, sizeof(burst), "%ld", lim.burst);
        redisReply *rep =
            run_script(gw_cache(gw), &gcra_script, 1, id->tat_key, NULL, interval, burst);
        if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 4)
            take_rate(rep->element, &id->rate);
        if (rep)
            freeReplyObject(rep);
    }
    if (!id->rate.checked) {
        hf_counter_inc(redis_down_total);
        return GW_OK;
    }
    const gw_rate_result_t *r = &id->rate;
    char h[96];
    long window = (long)ceil((double)lim.burst / lim.rate);
    snprintf(h, sizeof(h), "\"%s\";q=%ld;w=%ld", policy, lim.burst, window < 1 ? 1 : window);
    gw_add_header(req, "RateLimit-Policy", h);
    snprintf(h, sizeof(h), "\"%s\";r=%lld;t=%lld", policy, r->remaining < 0 ? 0 : r->remaining,
             (r->reset_ms + 999) / 1000);
    gw_add_header(req, "RateLimit", h);
    if (r->allowed)
        return GW_OK;
    hf_counter_inc(limited_total);
    snprintf(h, sizeof(h), "%lld", r->retry_ms > 1000 ? (r->retry_ms + 999) / 1000 : 1);
    gw_add_header(req, "Retry-After", h);
    char detail[160];
    snprintf(detail, sizeof(detail),
             "this key may make %.6g requests per second, in bursts of up to %ld; retry after "
             "%lld ms", lim.rate, lim.burst, r->retry_ms);
    gw_respond_problem(req, 429, "rate_limited", "Too many requests", detail);
    return GW_DONE;
}
