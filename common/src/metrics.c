/* common/src/metrics.c - Prometheus text exposition
 *
 * Metrics sit in one list, appended under a mutex and never removed while the
 * process runs, so readers and updaters need no lock: values are C11 atomics
 * (a double is kept as its bit pattern and updated with compare-and-swap).
 * Rendering groups the metrics of one name into a family with one HELP and
 * TYPE line, as the format requires.
 */
#include "hf/metrics.h"
#include "hf/config.h"
#include "hf/log.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { M_COUNTER, M_GAUGE, M_HISTOGRAM } kind_t;

struct hf_metric {
    struct hf_metric *_Atomic next;  /* published under reg_lock, read without it */
    kind_t kind;
    char *name, *help, *labels;
    _Atomic uint64_t value;          /* counter count, or gauge bits */
    size_t nbounds;
    double *bounds;
    _Atomic uint64_t *buckets;       /* nbounds + 1, not cumulative */
    _Atomic uint64_t sum_bits;
    _Atomic uint64_t count;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hf_metric *_Atomic reg_head;
static struct hf_metric *reg_tail;

const double hf_metrics_latency_bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                             0.05,   0.1,   0.25,   0.5,   1,    2.5, 5, 10 };
const size_t hf_metrics_latency_nbounds =
    sizeof(hf_metrics_latency_bounds) / sizeof(hf_metrics_latency_bounds[0]);

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    return u;
}

static double bitsd(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof(d));
    return d;
}

static void metric_free(struct hf_metric *m)
{
    free(m->name);
    free(m->help);
    free(m->labels);
    free(m->bounds);
    free((void *)m->buckets);
    free(m);
}

static struct hf_metric *find(const char *name, const char *labels, int *type_clash, kind_t kind)
{
    for (struct hf_metric *m = atomic_load(&reg_head); m; m = m->next) {
        if (strcmp(m->name, name) != 0)
            continue;
        if (m->kind != kind) {
            *type_clash = 1;
            return NULL;
        }
        if (strcmp(m->labels, labels) == 0)
            return m;
    }
    return NULL;
}

static struct hf_metric *register_metric(kind_t kind, const char *name, const char *help,
                                         const char *labels, const double *bounds, size_t nb)
{
    if (!labels)
        labels = "";
    pthread_mutex_lock(&reg_lock);
    int clash = 0;
    struct hf_metric *m = find(name, labels, &clash, kind);
    if (m || clash) {
        pthread_mutex_unlock(&reg_lock);
        assert(!clash && "metric registered twice with different types");
        return m;
    }
    m = calloc(1, sizeof(*m));
    if (!m)
        goto oom;
    m->kind = kind;
    m->name = strdup(name);
    m->help = strdup(help ? help : "");
    m->labels = strdup(labels);
    if (!m->name || !m->help || !m->labels)
        goto oom;
    if (kind == M_HISTOGRAM) {
        m->nbounds = nb;
        m->bounds = malloc(sizeof(double) * (nb ? nb : 1));
        m->buckets = calloc(nb + 1, sizeof(*m->buckets));
        if (!m->bounds || !m->buckets)
            goto oom;
        memcpy(m->bounds, bounds, sizeof(double) * nb);
    }
    if (reg_tail)
        reg_tail->next = m;
    else
        atomic_store(&reg_head, m);
    reg_tail = m;
    pthread_mutex_unlock(&reg_lock);
    return m;
oom:
    if (m)
        metric_free(m);
    pthread_mutex_unlock(&reg_lock);
    return NULL;
}

hf_counter_t *hf_metrics_counter(const char *name, const char *help, const char *labels)
{
    return register_metric(M_COUNTER, name, help, labels, NULL, 0);
}

hf_gauge_t *hf_metrics_gauge(const char *name, const char *help, const char *labels)
{
    return register_metric(M_GAUGE, name, help, labels, NULL, 0);
}

hf_histogram_t *hf_metrics_histogram(const char *name, const char *help, const char *labels,
                                     const double *bounds, size_t n)
{
    for (size_t i = 1; i < n; i++)
        assert(bounds[i - 1] < bounds[i]);
    return register_metric(M_HISTOGRAM, name, help, labels, bounds, n);
}

void hf_counter_add(hf_counter_t *c, uint64_t v)
{
    if (c)
        atomic_fetch_add_explicit(&c->value, v, memory_order_relaxed);
}

static void add_double(_Atomic uint64_t *bits, double delta)
{
    uint64_t old = atomic_load_explicit(bits, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(bits, &old, dbits(bitsd(old) + delta),
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

void hf_gauge_set(hf_gauge_t *g, double v)
{
    if (g)
        atomic_store_explicit(&g->value, dbits(v), memory_order_relaxed);
}

void hf_gauge_add(hf_gauge_t *g, double delta)
{
    if (g)
        add_double(&g->value, delta);
}

void hf_histogram_observe(hf_histogram_t *h, double v)
{
    if (!h || isnan(v))
        return;
    size_t i = 0;
    while (i < h->nbounds && v > h->bounds[i])
        i++;
    atomic_fetch_add_explicit(&h->buckets[i], 1, memory_order_relaxed);
    add_double(&h->sum_bits, v);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

uint64_t hf_counter_value(const hf_counter_t *c)
{
    return c ? atomic_load(&c->value) : 0;
}

double hf_gauge_value(const hf_gauge_t *g)
{
    return g ? bitsd(atomic_load(&g->value)) : 0;
}

uint64_t hf_histogram_count(const hf_histogram_t *h)
{
    return h ? atomic_load(&h->count) : 0;
}

/* ---- rendering ---- */

typedef struct {
    char *buf;
    size_t len, cap;
    int failed;
} sb_t;

static void sb_printf(sb_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sb_t *sb, const char *fmt, ...)
{
    if (sb->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            sb->failed = 1;
            return;
        }
        if ((size_t)n < sb->cap - sb->len) {
            sb->len += (size_t)n;
            return;
        }
        size_t ncap = (sb->cap + (size_t)n + 1) * 2;
        char *nb = realloc(sb->buf, ncap);
        if (!nb) {
            sb->failed = 1;
            return;
        }
        sb->buf = nb;
        sb->cap = ncap;
    }
}

static void fmt_double(char *out, size_t len, double v)
{
    if (isinf(v))
        snprintf(out, len, v > 0 ? "+Inf" : "-Inf");
    else if (isnan(v))
        snprintf(out, len, "NaN");
    else
        snprintf(out, len, "%.17g", v);
}

/* name{labels,extra} with the commas and braces right when either is empty */
static void series(sb_t *sb, const char *name, const char *suffix, const char *labels,
                   const char *extra)
{
    int has_l = labels && *labels, has_e = extra && *extra;
    if (!has_l && !has_e)
        sb_printf(sb, "%s%s ", name, suffix);
    else
        sb_printf(sb, "%s%s{%s%s%s} ", name, suffix, has_l ? labels : "",
                  has_l && has_e ? "," : "", has_e ? extra : "");
}

static void render_one(sb_t *sb, const struct hf_metric *m)
{
    char num[64];
    switch (m->kind) {
    case M_COUNTER:
        series(sb, m->name, "", m->labels, NULL);
        sb_printf(sb, "%llu\n", (unsigned long long)atomic_load(&m->value));
        break;
    case M_GAUGE:
        fmt_double(num, sizeof(num), bitsd(atomic_load(&m->value)));
        series(sb, m->name, "", m->labels, NULL);
        sb_printf(sb, "%s\n", num);
        break;
    case M_HISTOGRAM: {
        uint64_t cum = 0;
        char le[96];
        for (size_t i = 0; i <= m->nbounds; i++) {
            cum += atomic_load(&m->buckets[i]);
            if (i < m->nbounds) {
                fmt_double(num, sizeof(num), m->bounds[i]);
                snprintf(le, sizeof(le), "le=\"%s\"", num);
            } else {
                snprintf(le, sizeof(le), "le=\"+Inf\"");
            }
            series(sb, m->name, "_bucket", m->labels, le);
            sb_printf(sb, "%llu\n", (unsigned long long)cum);
        }
        fmt_double(num, sizeof(num), bitsd(atomic_load(&m->sum_bits)));
        series(sb, m->name, "_sum", m->labels, NULL);
        sb_printf(sb, "%s\n", num);
        series(sb, m->name, "_count", m->labels, NULL);
        sb_printf(sb, "%llu\n", (unsigned long long)cum);
        break;
    }
    }
}

static const char *kind_name(kind_t k)
{
    return k == M_COUNTER ? "counter" : k == M_GAUGE ? "gauge" : "histogram";
}

char *hf_metrics_render(void)
{
    sb_t sb = { 0 };
    sb.cap = 4096;
    sb.buf = malloc(sb.cap);
    if (!sb.buf)
        return NULL;
    sb.buf[0] = '\0';
    for (struct hf_metric *m = atomic_load(&reg_head); m; m = m->next) {
        /* a family is written when its first member is reached */
        int seen = 0;
        for (struct hf_metric *p = atomic_load(&reg_head); p != m; p = p->next)
            if (strcmp(p->name, m->name) == 0) {
                seen = 1;
                break;
            }
        if (seen)
            continue;
        sb_printf(&sb, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
                  kind_name(m->kind));
        for (struct hf_metric *q = m; q; q = q->next)
            if (strcmp(q->name, m->name) == 0)
                render_one(&sb, q);
    }
    if (sb.failed) {
        free(sb.buf);
        return NULL;
    }
    return sb.buf;
}

void hf_metrics_reset(void)
{
    pthread_mutex_lock(&reg_lock);
    struct hf_metric *m = atomic_exchange(&reg_head, NULL);
    reg_tail = NULL;
    pthread_mutex_unlock(&reg_lock);
    while (m) {
        struct hf_metric *next = m->next;
        metric_free(m);
        m = next;
    }
}

/* ---- the /metrics listener ---- */

static struct MHD_Daemon *serve_daemon;
static const hf_metrics_page_t *serve_pages;
static size_t serve_n_pages;

#define TEXT_PLAIN "text/plain; version=0.0.4; charset=utf-8"

/* The answer to GET url: its status, body (malloc'd in *text, or a static
 * text in *fixed) and content type. */
static unsigned serve_answer(const char *url, char **text, const char **fixed,
                             const char **content_type)
{
    unsigned status = MHD_HTTP_OK;
    if (strcmp(url, "/metrics") == 0) {
        *text = hf_metrics_render();
    } else {
        size_t i = 0;
        while (i < serve_n_pages && strcmp(url, serve_pages[i].path) != 0)
            i++;
        if (i == serve_n_pages) {
            *fixed = "not found\n";
            return MHD_HTTP_NOT_FOUND;
        }
        status = serve_pages[i].fn(serve_pages[i].arg, text, content_type);
    }
    if (*text)
        return status;
    *content_type = TEXT_PLAIN;
    *fixed = "out of memory\n";
    return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

static enum MHD_Result serve_request(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_size, void **state)
{
    (void)cls, (void)version, (void)upload_data, (void)upload_size;
    if (!*state) { /* first call: headers only (keeps keep-alive working) */
        *state = (void *)1;
        return MHD_YES;
    }
    const char *fixed = NULL, *content_type = TEXT_PLAIN;
    unsigned status;
    char *text = NULL;
    if (strcmp(method, "GET") != 0) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        fixed = "method not allowed\n";
    } else {
        status = serve_answer(url, &text, &fixed, &content_type);
    }
    struct MHD_Response *r = text
        ? MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE)
        : MHD_create_response_from_buffer(strlen(fixed), (void *)fixed, MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", content_type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

int hf_metrics_serve(const char *addr)
{
    return hf_metrics_serve_pages(addr, NULL, 0);
}

int hf_metrics_serve_pages(const char *addr, const hf_metrics_page_t *pages, size_t n)
{
    struct sockaddr_in sa;
    if (hf_config_parse_addr(addr, &sa) < 0)
        return -EINVAL;
    serve_pages = pages;
    serve_n_pages = n;
    serve_daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL,
                                    NULL, serve_request, NULL, MHD_OPTION_SOCK_ADDR, &sa,
                                    MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                                    MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_END);
    return serve_daemon ? 0 : -EADDRINUSE;
}

void hf_metrics_serve_stop(void)
{
    if (serve_daemon)
        MHD_stop_daemon(serve_daemon);
    serve_daemon = NULL;
}
