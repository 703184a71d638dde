/* tests/bench/bench-prosody.c - how much faster than real time prosody analysis runs
 *
 * 60 s of 16 kHz mono 16-bit audio shaped like an answer (voiced glides of
 * 0.4-2 s between pauses of 0.2-1.5 s, over a faint noise floor), made once
 * in memory, analysed HF_BENCH_RUNS times (default 20) with two segments and
 * emotion labels on: the whole path, WAV parsing included. Prints the median
 * and best time and the multiple of real time; the aim is 500x (120 ms).
 *
 * Run: meson test -C build --benchmark --verbose prosody
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../services/scoring/prosody.h"
#include "benchout.h"

#define RATE    16000
#define SECONDS 60

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void put(uint8_t *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The benchmark's answer as a WAV (caller frees). */
static uint8_t *make_answer(size_t *len)
{
    size_t n = (size_t)RATE * SECONDS;
    uint8_t *w = malloc(44 + 2 * n);
    if (!w)
        return NULL;
    memcpy(w, "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0", 24);
    put(w + 4, (uint32_t)(36 + 2 * n), 4);
    put(w + 24, RATE, 4);
    put(w + 28, RATE * 2, 4);
    put(w + 32, 2, 2);
    put(w + 34, 16, 2);
    memcpy(w + 36, "data", 4);
    put(w + 40, (uint32_t)(2 * n), 4);
    srand(1);
    double phase = 0;
    size_t i = 0;
    while (i < n) {
        size_t voiced = (size_t)RATE * (400 + rand() % 1600) / 1000;
        size_t pause = (size_t)RATE * (200 + rand() % 1300) / 1000;
        double hz = 100 + rand() % 120;
        for (size_t k = 0; k < voiced + pause && i < n; k++, i++) {
            double x = 0.002 * (2.0 * rand() / RAND_MAX - 1);
            if (k < voiced) {
                phase += 2 * M_PI * hz * pow(2, 2 * sin(2 * M_PI * 3.0 * k / RATE) / 12) / RATE;
                x += 0.3 * sin(phase) + 0.1 * sin(2 * phase) + 0.05 * sin(3 * phase);
            }
            put(w + 44 + 2 * i, (uint32_t)(int16_t)lrint(x * 32767), 2);
        }
    }
    *len = 44 + 2 * n;
    return w;
}

int main(void)
{
    const char *env = getenv("HF_BENCH_RUNS");
    int runs = env ? atoi(env) : 20;
    if (runs < 1)
        runs = 1;
    size_t len;
    uint8_t *wav = make_answer(&len);
    double *t = malloc(sizeof(double) * (size_t)runs);
    if (!wav || !t)
        return 1;
    sc_prosody_segment_t segs[] = {{0, 30000, 110}, {30000, 60000, 120}};
    sc_prosody_opts_t o;
    sc_prosody_opts_default(&o);
    o.emotion_labels = true;
    for (int r = 0; r < runs; r++) {
        sc_prosody_t *p = NULL;
        char err[256];
        double t0 = now_ms();
        if (sc_prosody_analyze(wav, len, segs, 2, &o, &p, err, sizeof(err)) != 0) {
            fprintf(stderr, "bench-prosody: %s\n", err);
            return 1;
        }
        t[r] = now_ms() - t0;
        sc_prosody_destroy(&p);
    }
    qsort(t, (size_t)runs, sizeof(double), cmp);
    double median = t[runs / 2];
    printf("prosody: %d s of %d Hz mono, %d runs: median %.1f ms, best %.1f ms, "
           "%.0fx real time (aim 500x, 120 ms): %s\n",
           SECONDS, RATE, runs, median, t[0], SECONDS * 1000.0 / median,
           median <= 120 ? "met" : "missed");
    hf_bench_report("call audio analysed, 60 s of 16 kHz mono", SECONDS * 1000.0 / median,
                    "x real time", (hf_bench_opt_t){ .aim = 500, .aim_of_value = 1 });
    free(t);
    free(wav);
    return 0;
}
