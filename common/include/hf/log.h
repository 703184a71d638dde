/* hf/log.h - structured logging: one JSON object per line on stderr
 *
 * Every line carries the time, level, service and message, plus the trace
 * id, span id and request id of the request the thread is handling (set by
 * the bus worker and the gateway through hf_log_context_set), so a line can
 * be tied to its request and to the hop that wrote it. Fields are typed
 * (hf_logkv with HF_KV_INT and friends): a count is a JSON number, so log
 * tools can sum and compare it without parsing strings.
 * Never log secrets or personal data: log ids, not names, phones or keys.
 */
#ifndef HF_LOG_H
#define HF_LOG_H

#include <stdint.h>
#include <stdio.h>

typedef enum {
    HF_LOG_DEBUG = 0,
    HF_LOG_INFO = 1,
    HF_LOG_WARN = 2,
    HF_LOG_ERROR = 3,
} hf_log_level_t;

/* Set the service name written on every line and the minimum level.
 * Call once from main before starting threads. */
void hf_log_init(const char *service, hf_log_level_t min_level);
/* The service name hf_log_init set ("hrflow" before). */
const char *hf_log_service(void);

/* Parse "debug", "info", "warn" or "error". Returns 0, or -EINVAL. */
int hf_log_level_parse(const char *s, hf_log_level_t *out);

/* Redirect output (tests); NULL restores stderr. The stream is borrowed. */
void hf_log_set_stream(FILE *f);

/* Per-thread request context, written on every line until cleared.
 * traceparent is the W3C traceparent of the hop being handled (hf/trace.h):
 * its trace id and span id become the "trace_id" and "span_id" fields (they
 * are copied; a NULL or malformed traceparent gives neither). request_id and
 * action are borrowed, not copied: they must stay valid until
 * hf_log_context_clear(); NULL leaves the field out. */
void hf_log_context_set(const char *traceparent, const char *request_id, const char *action);
void hf_log_context_clear(void);

/* 1 when lines of this level are written (to skip building costly ones). */
int hf_log_enabled(hf_log_level_t level);

/* Write one line. fmt is printf-style; the result becomes the "msg" field. */
void hf_log(hf_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One typed field of a line. Build it with the HF_KV_* macros only:
 *   hf_logkv(HF_LOG_INFO, "http request", HF_KV_STR("route", route),
 *            HF_KV_INT("status", 404), HF_KV_DBL("duration_ms", 1.25),
 *            HF_KV_BOOL("completed", 1));
 * writes "route":"…","status":404,"duration_ms":1.25,"completed":true.
 * A NULL string and a NaN or infinite double are written as null. The value
 * comes first in the struct so that a bare "key", value pair passed to
 * hf_logkv() does not compile. */
typedef struct {
    union {
        double d;
        int64_t i;
        const char *s;
        int b;
    } v;
    const char *key;
    enum { HF_KV_T_END, HF_KV_T_STR, HF_KV_T_INT, HF_KV_T_DBL, HF_KV_T_BOOL } type;
} hf_kv_t;

#define HF_KV_STR(k, x) ((hf_kv_t){ .key = (k), .type = HF_KV_T_STR, .v.s = (x) })
#define HF_KV_INT(k, x) ((hf_kv_t){ .key = (k), .type = HF_KV_T_INT, .v.i = (x) })
#define HF_KV_DBL(k, x) ((hf_kv_t){ .key = (k), .type = HF_KV_T_DBL, .v.d = (x) })
#define HF_KV_BOOL(k, x) ((hf_kv_t){ .key = (k), .type = HF_KV_T_BOOL, .v.b = !!(x) })

/* Write one line: msg (not a format) and one or more HF_KV_* fields, in
 * order after the line's own fields. A key should not repeat one of those
 * (ts, level, service, msg, trace_id, span_id, request_id, action): the
 * field would replace it. Use hf_log() for a line without fields. */
#define hf_logkv(level, msg, ...)                                                                 \
    hf_log_fields((level), (msg), (const hf_kv_t[]){ __VA_ARGS__, { .type = HF_KV_T_END } })

/* What hf_logkv() calls: fields up to the one of type HF_KV_T_END. */
void hf_log_fields(hf_log_level_t level, const char *msg, const hf_kv_t *fields);

#define hf_debug(...) hf_log(HF_LOG_DEBUG, __VA_ARGS__)
#define hf_info(...) hf_log(HF_LOG_INFO, __VA_ARGS__)
#define hf_warn(...) hf_log(HF_LOG_WARN, __VA_ARGS__)
#define hf_error(...) hf_log(HF_LOG_ERROR, __VA_ARGS__)

#endif
