/* common/src/log.c - one JSON object per line, with the request's trace id
 *
 * jansson builds and escapes each line (so a message holding quotes or
 * invalid UTF-8 still yields valid JSON); the line goes out in one locked
 * fwrite so threads never interleave. The per-thread context is the
 * PostgreSQL error_context_stack idea in its simplest form: whatever request
 * the thread is handling is named on every line it writes.
 */
#include "hf/log.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static char log_service[64] = "hrflow";
static hf_log_level_t log_min = HF_LOG_INFO;
static FILE *log_stream;

/* borrowed pointers: set on every request, so no copying on the hot path */
static _Thread_local struct {
    const char *trace_id, *request_id, *action;
} ctx;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

int hf_log_enabled(hf_log_level_t level)
{
    return level >= log_min;
}

void hf_log_init(const char *service, hf_log_level_t min_level)
{
    snprintf(log_service, sizeof(log_service), "%s", service ? service : "hrflow");
    log_min = min_level;
}

int hf_log_level_parse(const char *s, hf_log_level_t *out)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (s && strcasecmp(s, level_names[i]) == 0) {
            *out = (hf_log_level_t)i;
            return 0;
        }
    }
    return -EINVAL;
}

void hf_log_set_stream(FILE *f)
{
    log_stream = f;
}

void hf_log_context_set(const char *trace_id, const char *request_id, const char *action)
{
    ctx.trace_id = trace_id;
    ctx.request_id = request_id;
    ctx.action = action;
}

void hf_log_context_clear(void)
{
    hf_log_context_set(NULL, NULL, NULL);
}

static json_t *line_new(hf_log_level_t level, const char *msg)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[64];
    snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "ts", json_string(when));
    json_object_set_new(o, "level", json_string(level_names[level]));
    json_object_set_new(o, "service", json_string(log_service));
    /* json_string() refuses invalid UTF-8: fall back to a lossy copy */
    json_t *m = json_string(msg);
    if (!m) {
        size_t n = strlen(msg);
        char *clean = malloc(n + 1);
        if (clean) {
            for (size_t i = 0; i < n; i++)
                clean[i] = (unsigned char)msg[i] < 0x80 ? msg[i] : '?';
            clean[n] = '\0';
            m = json_string(clean);
            free(clean);
        }
    }
    json_object_set_new(o, "msg", m ? m : json_string("(unprintable)"));
    /* json_string() is NULL for invalid UTF-8; set_new() then adds nothing */
    if (ctx.trace_id && *ctx.trace_id) {
        /* a W3C traceparent "00-<trace id>-<span id>-<flags>": log the trace id,
         * which is what a tracing backend searches by */
        const char *t = ctx.trace_id;
        if (strlen(t) == 55 && t[2] == '-' && t[35] == '-')
            json_object_set_new(o, "trace_id", json_stringn(t + 3, 32));
        else
            json_object_set_new(o, "trace_id", json_string(t));
    }
    if (ctx.request_id && *ctx.request_id)
        json_object_set_new(o, "request_id", json_string(ctx.request_id));
    if (ctx.action && *ctx.action)
        json_object_set_new(o, "action", json_string(ctx.action));
    return o;
}

static void line_write(json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!text)
        return;
    FILE *f = log_stream ? log_stream : stderr;
    flockfile(f);
    fputs(text, f);
    fputc('\n', f);
    fflush(f);
    funlockfile(f);
    free(text);
}

void hf_log(hf_log_level_t level, const char *fmt, ...)
{
    if (level < log_min || level > HF_LOG_ERROR)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_t *o = line_new(level, msg);
    if (o)
        line_write(o);
}

void hf_logkv(hf_log_level_t level, const char *msg, ...)
{
    if (level < log_min || level > HF_LOG_ERROR)
        return;
    json_t *o = line_new(level, msg);
    if (!o)
        return;
    va_list ap;
    va_start(ap, msg);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        json_t *jv = v ? json_string(v) : json_null();
        json_object_set_new(o, k, jv ? jv : json_string("(invalid utf-8)"));
    }
    va_end(ap);
    line_write(o);
}
