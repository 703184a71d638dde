/* hf/cache.h - Redis connection with timeouts and reconnect
 *
 * A thin layer over hiredis 0.14 (Debian 12): connect with a timeout, set the
 * same timeout on every command, and when a command fails on a broken
 * connection, reconnect once and retry it. Redis holds only data that can be
 * rebuilt (see docs/architecture.md), so callers treat a NULL reply as "cache
 * unavailable" and carry on from PostgreSQL. One hf_cache_t per thread.
 */
#ifndef HF_CACHE_H
#define HF_CACHE_H

#include <hiredis/hiredis.h>
#include <stddef.h>

typedef struct hf_cache hf_cache_t;

/* addr: "host:port". timeout_ms bounds connect and every command.
 * Never fails for an unreachable server: the first command connects.
 * Returns NULL only for a malformed addr or out of memory. */
hf_cache_t *hf_cache_new(const char *addr, int timeout_ms);

/* Close and free. Accepts NULL or *c == NULL; sets *c to NULL. */
void hf_cache_destroy(hf_cache_t **c);

/* Run one command (hiredis format string, %s/%b/%lld arguments). Returns the
 * reply, which the caller frees with freeReplyObject(), or NULL when Redis is
 * unreachable or timed out after one reconnect (see hf_cache_error()).
 * A Redis error reply (REDIS_REPLY_ERROR) is returned as a reply, not NULL. */
redisReply *hf_cache_command(hf_cache_t *c, const char *fmt, ...);
redisReply *hf_cache_commandargv(hf_cache_t *c, int argc, const char **argv,
                                 const size_t *argvlen);

/* PING. Returns 0 when Redis answered PONG, else -1. */
int hf_cache_ping(hf_cache_t *c);

/* Text of the last connection or command failure ("" when none); borrowed. */
const char *hf_cache_error(const hf_cache_t *c);

#endif
