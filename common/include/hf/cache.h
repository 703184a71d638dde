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
#include "hf/config.h"

typedef struct hf_cache hf_cache_t;

/* The process's Redis credentials, HF_REDIS_USER and HF_REDIS_PASSWORD, for a
 * program's --help (HF_USES_REDIS in hf/process.h). Returns the table
 * (static) and its length in *n. */
const hf_config_var_t *hf_cache_settings(size_t *n);

/* Read them from the environment and check them (a user needs a password).
 * Done once per process; later calls return the first outcome. Returns 0, or
 * -EINVAL with a line appended to err (err may be NULL). hf_program_start()
 * calls it for programs that use Redis, hf_cache_new() for everyone else. */
int hf_cache_settings_load(char *err, size_t errlen);

/* addr: "host:port". timeout_ms bounds connect and every command. Every
 * connection authenticates with the process's credentials (AUTH [user]
 * password) when a password is set. Never fails for an unreachable server:
 * the first command connects. Returns NULL only for a malformed addr, bad
 * credential settings (logged), or out of memory. */
hf_cache_t *hf_cache_new(const char *addr, int timeout_ms);

/* The same with explicit credentials (borrowed during the call): user NULL
 * or "" is Redis's default user; password NULL or "" sends no AUTH. A
 * refused AUTH makes every command fail, with Redis's answer in
 * hf_cache_error(). */
hf_cache_t *hf_cache_new_auth(const char *addr, const char *user, const char *password,
                              int timeout_ms);

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
