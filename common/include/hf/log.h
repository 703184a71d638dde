/* hf/log.h - structured logging: one JSON object per line on stderr
 *
 * Every line carries the time, level, service and message, plus the trace id
 * and request id of the bus request the thread is handling (set by the bus
 * worker through hf_log_context_set), so a line can be tied to its request.
 * Never log secrets or personal data: log ids, not names, phones or keys.
 */
#ifndef HF_LOG_H
#define HF_LOG_H

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

/* Parse "debug", "info", "warn" or "error". Returns 0, or -EINVAL. */
int hf_log_level_parse(const char *s, hf_log_level_t *out);

/* Redirect output (tests); NULL restores stderr. The stream is borrowed. */
void hf_log_set_stream(FILE *f);

/* Per-thread request context. The strings are borrowed, not copied: they
 * must stay valid until hf_log_context_clear() (the bus worker and the
 * gateway set them from the request they are handling). NULL clears a field. */
void hf_log_context_set(const char *trace_id, const char *request_id, const char *action);
void hf_log_context_clear(void);

/* Write one line. fmt is printf-style; the result becomes the "msg" field.
 * Optional key/value string pairs follow in hf_logkv(), terminated by NULL. */
/* 1 when lines of this level are written (to skip building costly ones). */
int hf_log_enabled(hf_log_level_t level);

void hf_log(hf_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hf_logkv(hf_log_level_t level, const char *msg, ...) __attribute__((sentinel));

#define hf_debug(...) hf_log(HF_LOG_DEBUG, __VA_ARGS__)
#define hf_info(...) hf_log(HF_LOG_INFO, __VA_ARGS__)
#define hf_warn(...) hf_log(HF_LOG_WARN, __VA_ARGS__)
#define hf_error(...) hf_log(HF_LOG_ERROR, __VA_ARGS__)

#endif
