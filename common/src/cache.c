/* common/src/cache.c - hiredis with timeouts and one reconnect per command
 *
 * hiredis 0.14 (Debian 12) has only the old connect API, so connecting and
 * the per-command timeout are two calls. A context that reported an I/O error
 * is dead for good in hiredis: it is freed and a new one made. After a failed
 * connect, further commands fail at once for a short back-off instead of each
 * paying a connect timeout while Redis is down. A new connection
 * authenticates (AUTH) before its first command when a password is set; a
 * refused AUTH counts as a failed connect.
 */
#include "hf/cache.h"
#include "hf/bus.h"
#include "hf/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define BACKOFF_MS 250

struct hf_cache {
    redisContext *ctx;
    char host[256];
    int port;
    char *user, *password;  /* NULL: default user; no AUTH */
    struct timeval tv;
    int64_t retry_at;    /* monotonic ms before which we do not reconnect */
    char err[512];
};

/* ---- the process's credentials ---- */

static struct {
    const char *user, *password;
} S;

static const hf_config_var_t vars[] = {
    { "HF_REDIS_USER", HF_CONFIG_STRING, "", 0, 0,
      "Redis ACL user to authenticate as (empty: the default user)", &S.user },
    { "HF_REDIS_PASSWORD", HF_CONFIG_STRING, "", 0, 0,
      "Redis password, sent with AUTH on every new connection (empty: no AUTH)", &S.password },
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int state;               /* 0 not loaded, 1 loaded, -1 failed */
static char load_error[256];

const hf_config_var_t *hf_cache_settings(size_t *n)
{
    *n = sizeof(vars) / sizeof(vars[0]);
    return vars;
}

int hf_cache_settings_load(char *err, size_t errlen)
{
    pthread_mutex_lock(&lock);
    if (state == 0) {
        int bad = hf_config_load(vars, sizeof(vars) / sizeof(vars[0]), load_error,
                                 sizeof(load_error)) < 0;
        if (!bad && *S.user && !*S.password) {
            hf_config_report(load_error, sizeof(load_error),
                             "HF_REDIS_USER: set without HF_REDIS_PASSWORD (an ACL user needs "
                             "one)\n");
            bad = 1;
        }
        state = bad ? -1 : 1;
    }
    int ok = state == 1;
    if (!ok)
        hf_config_report(err, errlen, "%s", load_error);
    pthread_mutex_unlock(&lock);
    return ok ? 0 : -EINVAL;
}

hf_cache_t *hf_cache_new(const char *addr, int timeout_ms)
{
    char err[256] = "";
    if (hf_cache_settings_load(err, sizeof(err)) < 0) {
        err[strcspn(err, "\n")] = '\0';
        hf_error("cannot use Redis: %s", err);
        return NULL;
    }
    return hf_cache_new_auth(addr, S.user, S.password, timeout_ms);
}

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

hf_cache_t *hf_cache_new_auth(const char *addr, const char *user, const char *password,
                              int timeout_ms)
{
    const char *colon = addr ? strrchr(addr, ':') : NULL;
    if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof(((hf_cache_t *)0)->host))
        return NULL;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port <= 0 || port > 65535)
        return NULL;
    hf_cache_t *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    memcpy(c->host, addr, (size_t)(colon - addr));
    c->port = (int)port;
    c->password = dup_or_null(password);
    c->user = c->password ? dup_or_null(user) : NULL;
    if (password && *password && !c->password) {
        free(c);
        return NULL;
    }
    if (timeout_ms <= 0)
        timeout_ms = 1000;
    c->tv.tv_sec = timeout_ms / 1000;
    c->tv.tv_usec = (timeout_ms % 1000) * 1000;
    return c;
}

void hf_cache_destroy(hf_cache_t **cp)
{
    if (!cp || !*cp)
        return;
    if ((*cp)->ctx)
        redisFree((*cp)->ctx);
    free((*cp)->user);
    free((*cp)->password);
    free(*cp);
    *cp = NULL;
}

static void drop(hf_cache_t *c)
{
    if (c->ctx) {
        snprintf(c->err, sizeof(c->err), "%s", c->ctx->errstr[0] ? c->ctx->errstr : "closed");
        redisFree(c->ctx);
        c->ctx = NULL;
    }
}

/* AUTH [user] password on a new connection. Returns 0, or -1 with c->err
 * set (Redis's answer, never the password). */
static int authenticate(hf_cache_t *c)
{
    redisReply *r = c->user ? redisCommand(c->ctx, "AUTH %s %s", c->user, c->password)
                            : redisCommand(c->ctx, "AUTH %s", c->password);
    int ok = r && r->type == REDIS_REPLY_STATUS;
    snprintf(c->err, sizeof(c->err), "redis %s:%d: AUTH refused: %s", c->host, c->port,
             !r ? (c->ctx->errstr[0] ? c->ctx->errstr : "no answer")
             : r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
    if (r)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

static int ensure(hf_cache_t *c)
{
    if (c->ctx)
        return 0;
    if (hf_mono_ms() < c->retry_at)
        return -1; /* c->err still says why */
    c->ctx = redisConnectWithTimeout(c->host, c->port, c->tv);
    if (!c->ctx || c->ctx->err) {
        snprintf(c->err, sizeof(c->err), "redis %s:%d: %s", c->host, c->port,
                 c->ctx ? c->ctx->errstr : "out of memory");
        if (c->ctx)
            redisFree(c->ctx);
        c->ctx = NULL;
        c->retry_at = hf_mono_ms() + BACKOFF_MS;
        return -1;
    }
    redisSetTimeout(c->ctx, c->tv);
    if (c->password && authenticate(c) < 0) {
        redisFree(c->ctx);
        c->ctx = NULL;
        c->retry_at = hf_mono_ms() + BACKOFF_MS;
        return -1;
    }
    c->err[0] = '\0';
    return 0;
}

/* Run fn up to twice: a broken connection gets one fresh attempt. */
typedef redisReply *(*issue_fn)(redisContext *ctx, void *arg);

static redisReply *with_retry(hf_cache_t *c, issue_fn fn, void *arg)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (ensure(c) < 0)
            return NULL;
        redisReply *r = fn(c->ctx, arg);
        if (r)
            return r;
        drop(c); /* hiredis contexts are unusable after an error */
    }
    return NULL;
}

typedef struct {
    const char *fmt;
    va_list *ap;
} vcmd_t;

static redisReply *issue_v(redisContext *ctx, void *arg)
{
    vcmd_t *v = arg;
    va_list ap;
    va_copy(ap, *v->ap);
    redisReply *r = redisvCommand(ctx, v->fmt, ap);
    va_end(ap);
    return r;
}

redisReply *hf_cache_command(hf_cache_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vcmd_t v = { fmt, &ap };
    redisReply *r = with_retry(c, issue_v, &v);
    va_end(ap);
    return r;
}

typedef struct {
    int argc;
    const char **argv;
    const size_t *argvlen;
} argv_t;

static redisReply *issue_argv(redisContext *ctx, void *arg)
{
    argv_t *a = arg;
    return redisCommandArgv(ctx, a->argc, a->argv, a->argvlen);
}

redisReply *hf_cache_commandargv(hf_cache_t *c, int argc, const char **argv,
                                 const size_t *argvlen)
{
    argv_t a = { argc, argv, argvlen };
    return with_retry(c, issue_argv, &a);
}

int hf_cache_ping(hf_cache_t *c)
{
    redisReply *r = hf_cache_command(c, "PING");
    int ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
    if (r && !ok)
        snprintf(c->err, sizeof(c->err), "unexpected PING reply: %s",
                 r->type == REDIS_REPLY_ERROR ? r->str : "(not PONG)");
    if (r)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

const char *hf_cache_error(const hf_cache_t *c)
{
    return c->err;
}
