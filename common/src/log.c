/* common/src/log.c - one JSON object per line, with the request's trace and span
 *
 * jansson builds and escapes each line (so a message holding quotes or
 * invalid UTF-8 still yields valid JSON); the line goes out in one locked
 * fwrite so threads never interleave. Fields keep their type: numbers are
 * JSON numbers, written with 15 significant digits so a duration of
 * 185.293 ms reads 185.293 and not 185.29300000000001. The per-thread
 * context is the PostgreSQL error_context_stack idea in its simplest form:
 * whatever request the thread is handling is named on every line it writes.
 */
#include "hf/log.h"
#include "hf/trace.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static char log_service[64] = "hrflow";
static hf_log_level_t log_min = HF_LOG_INFO;
static FILE *log_stream;

/* set on every request: the ids of the traceparent are copied (50 bytes),
 * the request id and action are borrowed */
static _Thread_local struct {
    hf_traceparent_t trace;
    int traced; /* trace holds a parsed traceparent */
    const char *request_id, *action;
} ctx;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

int hf_log_enabled(hf_log_level_t level)
{
    return level >= log_min;
}

const char *hf_log_service(void)
{
    return log_service;
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

void hf_log_context_set(const char *traceparent, const char *request_id, const char *action)
{
    ctx.traced = hf_traceparent_parse(traceparent, &ctx.trace) == 0;
    ctx.request_id = request_id;
    ctx.action = action;
}

void hf_log_context_clear(void)
{
    hf_log_context_set(NULL, NULL, NULL);
}

/* s as a JSON string; json_string() refuses invalid UTF-8, so then a lossy
 * copy with every non-ASCII byte as '?'. NULL only when out of memory. */
static json_t *string_lossy(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    size_t n = strlen(s);
    char *clean = malloc(n + 1);
    if (!clean)
        return NULL;
    for (size_t i = 0; i < n; i++)
        clean[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
    clean[n] = '\0';
    j = json_string(clean);
    free(clean);
    return j;
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
    json_object_set_new(o, "service", string_lossy(log_service));
    json_t *m = string_lossy(msg);
    json_object_set_new(o, "msg", m ? m : json_string("(unprintable)"));
    /* set_new() adds nothing when given NULL (out of memory) */
    if (ctx.traced) {
        json_object_set_new(o, "trace_id", json_string(ctx.trace.trace_id));
        json_object_set_new(o, "span_id", json_string(ctx.trace.span_id));
    }
    if (ctx.request_id && *ctx.request_id)
        json_object_set_new(o, "request_id", string_lossy(ctx.request_id));
    if (ctx.action && *ctx.action)
        json_object_set_new(o, "action", string_lossy(ctx.action));
    return o;
}

static json_t *field_value(const hf_kv_t *f)
{
    switch (f->type) {
    case HF_KV_T_STR:
        return f->v.s ? string_lossy(f->v.s) : json_null();
    case HF_KV_T_INT:
        return json_integer((json_int_t)f->v.i);
    case HF_KV_T_DBL:
        return isfinite(f->v.d) ? json_real(f->v.d) : json_null();
    case HF_KV_T_BOOL:
        return json_boolean(f->v.b);
    default:
        return json_null();
    }
}

static void line_write(json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15));
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

void hf_log_fields(hf_log_level_t level, const char *msg, const hf_kv_t *fields)
{
    if (level < log_min || level > HF_LOG_ERROR)
        return;
    json_t *o = line_new(level, msg ? msg : "");
    if (!o)
        return;
    for (const hf_kv_t *f = fields; f->type != HF_KV_T_END; f++)
        if (f->key)
            json_object_set_new(o, f->key, field_value(f));
    line_write(o);
}
