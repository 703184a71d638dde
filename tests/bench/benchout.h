/* tests/bench/benchout.h - one machine-readable line per benchmark figure
 *
 * Every benchmark prints its human table and, for each figure, a line
 *
 *   HF-BENCH {"figure": ..., "value": ..., "unit": ..., "limit": ..., "limit_value": ...,
 *             "aim": ..., "aim_of": "ratio"|"value", "better": "higher"|"lower"}
 *
 * that `./hrflow bench all` (tools/bench_report.py) gathers from meson's test log
 * into docs/performance.json and the table at the top of docs/performance.md.
 * tests/bench/benchlib.py prints the same line for the Python benchmarks.
 *
 * The limit is the physical limit measured in the same run (a raw COPY, raw
 * ZeroMQ, a hello-world server); the reporter derives the ratio from the two
 * (value / limit when higher is better, limit / value when lower is, so 1.0 is
 * always "as fast as the limit").
 * Pass limit NULL when a figure has none, aim < 0 when it has no aim.
 */
#ifndef HF_BENCHOUT_H
#define HF_BENCHOUT_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    const char *limit;  /* what the limit is, or NULL */
    double limit_value;
    double aim;         /* < 0: none */
    int aim_of_value;   /* the aim is on the value, not on the ratio */
    int lower_better;   /* seconds, latency */
} hf_bench_opt_t;

static inline void hf_bench_report(const char *figure, double value, const char *unit,
                                   hf_bench_opt_t o)
{
    json_t *j = json_pack("{s:s, s:f, s:s, s:s}", "figure", figure, "value", value, "unit",
                          unit, "better", o.lower_better ? "lower" : "higher");
    if (!j)
        return;
    if (o.limit && o.limit_value > 0) {
        json_object_set_new(j, "limit", json_string(o.limit));
        json_object_set_new(j, "limit_value", json_real(o.limit_value));
    }
    if (o.aim >= 0) {
        json_object_set_new(j, "aim", json_real(o.aim));
        json_object_set_new(j, "aim_of", json_string(o.aim_of_value ? "value" : "ratio"));
    }
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
    if (s)
        printf("HF-BENCH %s\n", s);
    free(s);
    json_decref(j);
    fflush(stdout);
}

#endif
