/* hf/metrics.h - Prometheus text exposition: counters, gauges, histograms
 *
 * One process-wide registry. Metrics are created once (at start-up or lazily;
 * creating an existing name+labels returns the same metric) and updated
 * lock-free from any thread. hf_metrics_render() writes the text format 0.0.4
 * that /metrics serves; hf_metrics_serve() runs a tiny HTTP listener for it,
 * the process's admin listener (HF_METRICS_ADDR), apart from any public port:
 * the gateway serves its detailed readiness there too
 * (hf_metrics_serve_pages()).
 */
#ifndef HF_METRICS_H
#define HF_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef struct hf_metric hf_counter_t;
typedef struct hf_metric hf_gauge_t;
typedef struct hf_metric hf_histogram_t;

/* name: Prometheus metric name ("hf_broker_requests_total"); help: one line;
 * labels: NULL or pre-rendered label pairs without braces, values escaped by
 * the caller, e.g. `service="pipeline",code="ok"`.
 * Returns the metric, or NULL when out of memory or when the name is already
 * registered with another type (a programming error, asserted in debug). */
hf_counter_t *hf_metrics_counter(const char *name, const char *help, const char *labels);
hf_gauge_t *hf_metrics_gauge(const char *name, const char *help, const char *labels);
/* bounds: n ascending upper bounds (the +Inf bucket is implicit); copied. */
hf_histogram_t *hf_metrics_histogram(const char *name, const char *help, const char *labels,
                                     const double *bounds, size_t n);

/* Default latency buckets in seconds, 0.5 ms .. 10 s. */
extern const double hf_metrics_latency_bounds[];
extern const size_t hf_metrics_latency_nbounds;

/* Updates; all accept NULL (a metric that failed to register) and do nothing. */
void hf_counter_add(hf_counter_t *c, uint64_t v);
static inline void hf_counter_inc(hf_counter_t *c) { hf_counter_add(c, 1); }
void hf_gauge_set(hf_gauge_t *g, double v);
void hf_gauge_add(hf_gauge_t *g, double delta);
void hf_histogram_observe(hf_histogram_t *h, double v);

/* Read back (tests). */
uint64_t hf_counter_value(const hf_counter_t *c);
double hf_gauge_value(const hf_gauge_t *g);
uint64_t hf_histogram_count(const hf_histogram_t *h);

/* Render every metric. Returns a malloc'd NUL-terminated string the caller
 * frees, or NULL when out of memory. */
char *hf_metrics_render(void);

/* Serve GET /metrics on addr ("127.0.0.1:9101") from a background thread.
 * Returns 0, or a negative errno when the address is bad or cannot be bound.
 * hf_metrics_serve_stop() stops it (safe to call when not started). Every
 * answer says Cache-Control: no-store and X-Content-Type-Options: nosniff. */
int hf_metrics_serve(const char *addr);
void hf_metrics_serve_stop(void);

/* A page the listener serves beside /metrics. fn answers GET path: it
 * returns the HTTP status, sets *body to a malloc'd NUL-terminated text
 * (the listener frees it; NULL is answered 500) and *content_type to a
 * string that outlives the call. It runs on the listener's one thread, so
 * requests to the listener are answered one at a time. */
typedef struct {
    const char *path;  /* "/readyz" */
    unsigned (*fn)(void *arg, char **body, const char **content_type);
    void *arg;
} hf_metrics_page_t;

/* As hf_metrics_serve(), with the n pages besides /metrics (borrowed: they
 * must stay valid until hf_metrics_serve_stop()). */
int hf_metrics_serve_pages(const char *addr, const hf_metrics_page_t *pages, size_t n);

/* Drop every metric (tests only; not thread-safe with concurrent updates). */
void hf_metrics_reset(void);

#endif
