/* common/tests/test-metrics.c - Prometheus exposition */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "hf/metrics.h"

static int count_of(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_counter_and_gauge(void **state)
{
    (void)state;
    hf_metrics_reset();
    hf_counter_t *c = hf_metrics_counter("hf_test_total", "Things counted", "kind=\"a\"");
    hf_counter_t *c2 = hf_metrics_counter("hf_test_total", "Things counted", "kind=\"b\"");
    assert_ptr_equal(c, hf_metrics_counter("hf_test_total", "Things counted", "kind=\"a\""));
    hf_counter_add(c, 3);
    hf_counter_inc(c2);
    hf_gauge_t *g = hf_metrics_gauge("hf_test_depth", "Depth", NULL);
    hf_gauge_set(g, 2.5);
    hf_gauge_add(g, -1);
    assert_int_equal(hf_counter_value(c), 3);
    char *t = hf_metrics_render();
    assert_int_equal(count_of(t, "# TYPE hf_test_total counter"), 1); /* one family */
    assert_non_null(strstr(t, "hf_test_total{kind=\"a\"} 3\n"));
    assert_non_null(strstr(t, "hf_test_total{kind=\"b\"} 1\n"));
    assert_non_null(strstr(t, "# TYPE hf_test_depth gauge\nhf_test_depth 1.5\n"));
    free(t);
}

static void test_histogram(void **state)
{
    (void)state;
    hf_metrics_reset();
    const double bounds[] = { 0.1, 1 };
    hf_histogram_t *h = hf_metrics_histogram("hf_test_seconds", "Latency", "route=\"x\"", bounds, 2);
    hf_histogram_observe(h, 0.05);
    hf_histogram_observe(h, 0.5);
    hf_histogram_observe(h, 0.5);
    hf_histogram_observe(h, 7);
    char *t = hf_metrics_render();
    assert_non_null(strstr(t, "hf_test_seconds_bucket{route=\"x\",le=\"0.10000000000000001\"} 1\n"));
    assert_non_null(strstr(t, "hf_test_seconds_bucket{route=\"x\",le=\"1\"} 3\n"));
    assert_non_null(strstr(t, "hf_test_seconds_bucket{route=\"x\",le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(t, "hf_test_seconds_sum{route=\"x\"} 8.05"));
    assert_non_null(strstr(t, "hf_test_seconds_count{route=\"x\"} 4\n"));
    assert_int_equal(hf_histogram_count(h), 4);
    free(t);
}

static hf_counter_t *shared;
static hf_histogram_t *shared_h;

static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100000; i++) {
        hf_counter_inc(shared);
        hf_histogram_observe(shared_h, 0.001);
    }
    return NULL;
}

static void test_concurrent_updates(void **state)
{
    (void)state;
    hf_metrics_reset();
    shared = hf_metrics_counter("hf_test_concurrent_total", "x", NULL);
    shared_h = hf_metrics_histogram("hf_test_concurrent_seconds", "x", NULL,
                                    hf_metrics_latency_bounds, hf_metrics_latency_nbounds);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(hf_counter_value(shared), 400000);
    assert_int_equal(hf_histogram_count(shared_h), 400000);
}

static void test_null_metric_is_harmless(void **state)
{
    (void)state;
    hf_counter_inc(NULL);
    hf_gauge_set(NULL, 1);
    hf_histogram_observe(NULL, 1);
    assert_int_equal(hf_counter_value(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_and_gauge),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_concurrent_updates),
        cmocka_unit_test(test_null_metric_is_harmless),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
