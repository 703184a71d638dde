/* services/scoring/tests/test-prosody.c - delivery measures from call audio
 *
 * Most audio is made here, in memory: tones with pauses where the test puts
 * them, silence, noise, clipped square waves, stereo, float WAVs with NaNs.
 * The spoken answers (Mandarin and English, fluent and hesitant) are small
 * WAVs made by audio/make-audio.sh with espeak-ng and sox; audio/audio.txt
 * says where their pauses are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../prosody.h"

#define RATE 16000

/* ---- making WAVs ---- */

typedef struct {
    float *x;
    size_t n, cap;
} sig_t;

static void sig_push(sig_t *s, float v)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16384;
        s->x = realloc(s->x, s->cap * sizeof(float));
        assert_non_null(s->x);
    }
    s->x[s->n++] = v;
}

static void tone(sig_t *s, double hz, double amp, int ms)
{
    static double phase;
    for (int i = 0; i < RATE * ms / 1000; i++) {
        phase += 2 * M_PI * hz / RATE;
        sig_push(s, (float)(amp * sin(phase)));
    }
}

/* A tone whose pitch glides by +-depth semitones (speech-like variability). */
static void glide(sig_t *s, double hz, double depth, double amp, int ms)
{
    double phase = 0;
    for (int i = 0; i < RATE * ms / 1000; i++) {
        double f = hz * pow(2, depth * sin(2 * M_PI * 2.0 * i / RATE) / 12);
        phase += 2 * M_PI * f / RATE;
        sig_push(s, (float)(amp * sin(phase)));
    }
}

static void silence(sig_t *s, int ms)
{
    for (int i = 0; i < RATE * ms / 1000; i++)
        sig_push(s, 0);
}

static void noise(sig_t *s, double amp, int ms)
{
    for (int i = 0; i < RATE * ms / 1000; i++)
        sig_push(s, (float)(amp * (2.0 * rand() / RAND_MAX - 1)));
}

/* Full-scale square wave: every sample is clipped. */
static void square(sig_t *s, double hz, int ms)
{
    for (int i = 0; i < RATE * ms / 1000; i++)
        sig_push(s, fmod(i * hz / RATE, 1.0) < 0.5 ? 1.0f : -1.0f);
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

/* A 44-byte RIFF header for `bytes` of data; format 1 = PCM, 3 = float. */
static void wav_header(uint8_t *h, int format, int channels, int rate, int bits, uint32_t bytes)
{
    memcpy(h, "RIFF", 4);
    put32(h + 4, 36 + bytes);
    memcpy(h + 8, "WAVEfmt ", 8);
    put32(h + 16, 16);
    put16(h + 20, (unsigned)format);
    put16(h + 22, (unsigned)channels);
    put32(h + 24, (uint32_t)rate);
    put32(h + 28, (uint32_t)(rate * channels * bits / 8));
    put16(h + 32, (unsigned)(channels * bits / 8));
    put16(h + 34, (unsigned)bits);
    memcpy(h + 36, "data", 4);
    put32(h + 40, bytes);
}

/* The signal as 16-bit PCM, the same in every channel (caller frees). */
static uint8_t *wav16(const sig_t *s, int channels, size_t *len)
{
    uint32_t bytes = (uint32_t)(s->n * 2 * (size_t)channels);
    uint8_t *w = malloc(44 + bytes);
    assert_non_null(w);
    wav_header(w, 1, channels, RATE, 16, bytes);
    for (size_t i = 0; i < s->n; i++) {
        long v = lrintf(s->x[i] * 32767.0f);
        for (int c = 0; c < channels; c++)
            put16(w + 44 + (i * (size_t)channels + (size_t)c) * 2, (unsigned)(v & 0xffff));
    }
    *len = 44 + bytes;
    return w;
}

/* Analyses s as a mono 16-bit WAV; asserts success. */
static sc_prosody_t *analyze(sig_t *s, const sc_prosody_segment_t *segs, size_t n,
                             const sc_prosody_opts_t *o)
{
    size_t len;
    uint8_t *w = wav16(s, 1, &len);
    sc_prosody_t *r = NULL;
    char err[256];
    int rc = sc_prosody_analyze(w, len, segs, n, o, &r, err, sizeof(err));
    if (rc != 0)
        fail_msg("analyze failed: %s", err);
    free(w);
    free(s->x);
    *s = (sig_t){0};
    return r;
}

static sc_prosody_opts_t labels_on(void)
{
    sc_prosody_opts_t o;
    sc_prosody_opts_default(&o);
    o.emotion_labels = true;
    return o;
}

#define VALUE(meas, k) ((meas)->m[k].value)
#define ABSENT(meas, k) ((meas)->m[k].absent)

static void assert_near(double got, double want, double tol)
{
    if (fabs(got - want) > tol)
        fail_msg("%g is not within %g of %g", got, tol, want);
}

/* ---- pitch, pauses, rate ---- */

static void test_pitch_of_220_hz(void **state)
{
    (void)state;
    sig_t s = {0};
    tone(&s, 220, 0.5, 2000);
    sc_prosody_t *r = analyze(&s, NULL, 0, NULL);
    assert_int_equal(ABSENT(&r->call, SC_PROSODY_PITCH_MEAN_HZ), SC_PROSODY_PRESENT);
    assert_near(VALUE(&r->call, SC_PROSODY_PITCH_MEAN_HZ), 220, 220 * 0.02);
    assert_true(VALUE(&r->call, SC_PROSODY_PITCH_VAR_ST) < 0.2);
    assert_near(VALUE(&r->call, SC_PROSODY_SPEECH_RATIO), 1.0, 0.02);
    assert_near(VALUE(&r->call, SC_PROSODY_ENERGY_MEAN_DB), 20 * log10(0.5 / sqrt(2)), 0.5);
    assert_int_equal(r->audio_ms, 2000);
    sc_prosody_destroy(&r);
    assert_null(r);
    sc_prosody_destroy(&r);
}

static void test_pitch_variability_of_a_glide(void **state)
{
    (void)state;
    sig_t s = {0};
    glide(&s, 150, 3, 0.5, 3000); /* +-3 st sine: std dev 3/sqrt(2) = 2.1 st */
    sc_prosody_t *r = analyze(&s, NULL, 0, NULL);
    assert_near(VALUE(&r->call, SC_PROSODY_PITCH_VAR_ST), 2.12, 0.3);
    sc_prosody_destroy(&r);
}

static void test_pauses_where_put(void **state)
{
    (void)state;
    sig_t s = {0};
    tone(&s, 200, 0.4, 1000);
    silence(&s, 1500);
    tone(&s, 200, 0.4, 1000);
    silence(&s, 400);
    tone(&s, 200, 0.4, 1000);
    silence(&s, 100); /* too short to be a pause */
    tone(&s, 200, 0.4, 500);
    sc_prosody_t *r = analyze(&s, NULL, 0, NULL);
    assert_int_equal(r->n_pauses, 2);
    assert_near((double)r->pauses[0].start_ms, 1000, 50);
    assert_near((double)r->pauses[0].end_ms, 2500, 50);
    assert_true(r->pauses[0].is_long);
    assert_near((double)r->pauses[1].start_ms, 3500, 50);
    assert_near((double)r->pauses[1].end_ms, 3900, 50);
    assert_false(r->pauses[1].is_long);
    assert_int_equal(VALUE(&r->call, SC_PROSODY_LONG_PAUSES), 1);
    assert_near(VALUE(&r->call, SC_PROSODY_LONG_PAUSE_S), 1.5, 0.05);
    assert_near(VALUE(&r->call, SC_PROSODY_PAUSE_RATIO), 1.9 / 5.5, 0.02);
    sc_prosody_destroy(&r);
}

static void test_long_pause_is_configurable(void **state)
{
    (void)state;
    sig_t s = {0};
    tone(&s, 200, 0.4, 500);
    silence(&s, 400);
    tone(&s, 200, 0.4, 500);
    sc_prosody_opts_t o;
    sc_prosody_opts_default(&o);
    o.long_pause_ms = 300;
    sc_prosody_t *r = analyze(&s, NULL, 0, &o);
    assert_int_equal(r->n_pauses, 1);
    assert_true(r->pauses[0].is_long);
    assert_int_equal(VALUE(&r->call, SC_PROSODY_LONG_PAUSES), 1);
    sc_prosody_destroy(&r);
}

static void test_pauses_above_a_noise_floor(void **state)
{
    (void)state;
    sig_t s = {0};
    noise(&s, 0.003, 500);
    for (int i = 0; i < 3; i++) {
        tone(&s, 180, 0.3, 800);
        noise(&s, 0.003, 1200);
    }
    sc_prosody_t *r = analyze(&s, NULL, 0, NULL);
    assert_int_equal(r->n_pauses, 2);
    assert_near((double)r->pauses[0].start_ms, 1300, 50);
    assert_near((double)r->pauses[1].end_ms, 4500, 50);
    assert_true(r->noise_floor_db < -45);
    sc_prosody_destroy(&r);
}

static void test_speech_rate_from_timestamps(void **state)
{
    (void)state;
    const sc_prosody_segment_t segs[] = {
        {0, 30000, 120},     /* 240 per minute */
        {31000, 46000, 30},  /* 120 per minute */
        {50000, 50500, 5},   /* too short for a rate */
        {51000, 60000, 0},   /* no unit count */
    };
    sc_prosody_opts_t o = labels_on();
    o.unit = SC_PROSODY_WORDS;
    sc_prosody_t *r = NULL;
    char err[128];
    assert_int_equal(sc_prosody_analyze(NULL, 0, segs, 4, &o, &r, err, sizeof(err)), 0);
    assert_near(VALUE(&r->segments[0], SC_PROSODY_SPEECH_RATE), 240, 1e-9);
    assert_near(VALUE(&r->segments[1], SC_PROSODY_SPEECH_RATE), 120, 1e-9);
    assert_int_equal(ABSENT(&r->segments[2], SC_PROSODY_SPEECH_RATE), SC_PROSODY_ABSENT_TOO_SHORT);
    assert_int_equal(ABSENT(&r->segments[3], SC_PROSODY_SPEECH_RATE),
                     SC_PROSODY_ABSENT_NO_TRANSCRIPT);
    /* the call: 155 units over the 45.5 s of the segments that have units */
    assert_near(VALUE(&r->call, SC_PROSODY_SPEECH_RATE), 155 * 60.0 / 45.5, 1e-6);
    assert_near(VALUE(&r->call, SC_PROSODY_RATE_VARIATION), 60.0 / 180.0, 1e-6);
    assert_near(VALUE(&r->call, SC_PROSODY_DURATION_S), 54.5, 1e-9);
    assert_string_equal(sc_prosody_measure_unit(SC_PROSODY_SPEECH_RATE, o.unit), "words/min");
    sc_prosody_destroy(&r);
}

/* Transcript-only input scores the rate; the audio measures say why they are absent. */
static void test_transcript_only_marks_prosody_absent(void **state)
{
    (void)state;
    const sc_prosody_segment_t segs[] = {{1000, 21000, 80}};
    sc_prosody_opts_t o = labels_on();
    sc_prosody_t *r = NULL;
    assert_int_equal(sc_prosody_analyze(NULL, 0, segs, 1, &o, &r, NULL, 0), 0);
    assert_false(r->has_audio);
    assert_int_equal(ABSENT(&r->call, SC_PROSODY_SPEECH_RATE), SC_PROSODY_PRESENT);
    for (int k = SC_PROSODY_SPEECH_RATIO; k <= SC_PROSODY_NERVOUSNESS; k++)
        if (k != SC_PROSODY_SPEECH_RATE && k != SC_PROSODY_RATE_VARIATION)
            assert_int_equal(ABSENT(&r->segments[0], k), SC_PROSODY_ABSENT_NO_AUDIO);
    assert_int_equal(r->n_pauses, 0);
    sc_prosody_destroy(&r);
}

/* ---- bad audio: absent, never zero ---- */

static void test_silence_is_absent_not_zero(void **state)
{
    (void)state;
    sig_t s = {0};
    silence(&s, 3000);
    sc_prosody_opts_t o = labels_on();
    sc_prosody_t *r = analyze(&s, NULL, 0, &o);
    const sc_prosody_measure_t absent[] = {
        SC_PROSODY_PAUSE_RATIO,   SC_PROSODY_LONG_PAUSES,    SC_PROSODY_PITCH_MEAN_HZ,
        SC_PROSODY_PITCH_VAR_ST,  SC_PROSODY_ENERGY_MEAN_DB, SC_PROSODY_ENERGY_VAR_DB,
        SC_PROSODY_CONFIDENCE,    SC_PROSODY_NERVOUSNESS,
    };
    for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
        assert_int_equal(ABSENT(&r->call, absent[i]), SC_PROSODY_ABSENT_NO_SPEECH);
    assert_int_equal(r->call.n_confidence_why, 0);
    /* no speech is a measured fact */
    assert_int_equal(ABSENT(&r->call, SC_PROSODY_SPEECH_RATIO), SC_PROSODY_PRESENT);
    assert_true(VALUE(&r->call, SC_PROSODY_SPEECH_RATIO) == 0);
    assert_string_equal(sc_prosody_absence_name(ABSENT(&r->call, SC_PROSODY_PITCH_MEAN_HZ)),
                        "no speech in the audio");
    sc_prosody_destroy(&r);
}

static void test_white_noise_has_no_pitch(void **state)
{
    (void)state;
    sig_t s = {0};
    noise(&s, 0.3, 3000);
    sc_prosody_t *r = analyze(&s, NULL, 0, NULL);
    assert_int_equal(ABSENT(&r->call, SC_PROSODY_PITCH_MEAN_HZ), SC_PROSODY_ABSENT_NO_PITCH);
    assert_int_equal(ABSENT(&r->call, SC_PROSODY_PITCH_JITTER_ST), SC_PROSODY_ABSENT_NO_PITCH);
    sc_prosody_destroy(&r);
}

static void test_too_short_is_absent(void **state)
{
    (void)state;
    sig_t s = {0};
    tone(&s, 220, 0.5, 150);
    sc_prosody_t *r = analyze(&s, NULL, 0, NULL);
    assert_int_equal(ABSENT(&r->call, SC_PROSODY_PITCH_MEAN_HZ), SC_PROSODY_ABSENT_TOO_SHORT);
    assert_int_equal(ABSENT(&r->call, SC_PROSODY_ENERGY_MEAN_DB), SC_PROSODY_ABSENT_TOO_SHORT);
    sc_prosody_destroy(&r);
}

static void test_clipping_detected(void **state)
{
    (void)state;
    sig_t s = {0};
    tone(&s, 200, 0.5, 1000);
    square(&s, 200, 1000);
    const sc_prosody_segment_t segs[] = {{0, 1000, 0}, {1000, 2000, 0}};
    sc_prosody_opts_t o = labels_on();
    sc_prosody_t *r = analyze(&s, segs, 2, &o);
    assert_true(VALUE(&r->segments[0], SC_PROSODY_CLIPPING) == 0);
    assert_true(VALUE(&r->segments[1], SC_PROSODY_CLIPPING) > 0.9);
    assert_near(VALUE(&r->call, SC_PROSODY_CLIPPING), 0.5, 0.05);
    bool seen = false;
    for (size_t i = 0; i < r->segments[1].n_nervousness_why; i++)
        if (r->segments[1].nervousness_why[i].measure == SC_PROSODY_CLIPPING)
            seen = r->segments[1].nervousness_why[i].points >= 9.9;
    assert_true(seen);
    sc_prosody_destroy(&r);
}

static void test_stereo_is_downmixed(void **state)
{
    (void)state;
    sig_t s = {0};
    tone(&s, 220, 0.5, 1500);
    size_t len;
    uint8_t *w = wav16(&s, 2, &len);
    sc_prosody_t *r = NULL;
    assert_int_equal(sc_prosody_analyze(w, len, NULL, 0, NULL, &r, NULL, 0), 0);
    assert_int_equal(r->channels, 2);
    assert_near(VALUE(&r->call, SC_PROSODY_PITCH_MEAN_HZ), 220, 220 * 0.02);
    sc_prosody_destroy(&r);
    free(w);
    free(s.x);
}

/* A float WAV full of NaN and infinities reads as silence, not as numbers. */
static void test_float_wav_with_nan(void **state)
{
    (void)state;
    enum { N = 16000 };
    uint8_t *w = calloc(1, 44 + N * 4);
    assert_non_null(w);
    wav_header(w, 3, 1, RATE, 32, N * 4);
    float bad[] = {NAN, INFINITY, -INFINITY, 1e30f};
    for (int i = 0; i < N; i++)
        memcpy(w + 44 + i * 4, &bad[i % 4], 4);
    sc_prosody_t *r = NULL;
    char err[128];
    int rc = sc_prosody_analyze(w, 44 + N * 4, NULL, 0, NULL, &r, err, sizeof(err));
    assert_int_equal(rc, 0);
    for (int k = 0; k < SC_PROSODY_MEASURES; k++)
        if (ABSENT(&r->call, k) == SC_PROSODY_PRESENT)
            assert_true(isfinite(VALUE(&r->call, k)));
    sc_prosody_destroy(&r);
    free(w);
}

/* ---- errors ---- */

/* Expects analyze to fail with rc and a message starting with want. */
static void expect_error(const void *wav, size_t len, const sc_prosody_segment_t *segs, size_t n,
                         int rc, const char *want)
{
    sc_prosody_t *r = (sc_prosody_t *)&r;
    char err[256];
    assert_int_equal(sc_prosody_analyze(wav, len, segs, n, NULL, &r, err, sizeof(err)), rc);
    assert_null(r);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("error \"%s\" does not start with \"%s\"", err, want);
}

static void test_not_wav_is_an_error(void **state)
{
    (void)state;
    const char garbage[] = "this is certainly not audio at all, just text";
    expect_error(garbage, sizeof(garbage), NULL, 0, SC_PROSODY_EAUDIO,
                 "audio is not a WAV file: no RIFF");
    const uint8_t mp3[] = {'I', 'D', '3', 4, 0, 0, 0, 0, 0, 0x21, 0xff, 0xfb, 0x90, 0x64};
    expect_error(mp3, sizeof(mp3), NULL, 0, SC_PROSODY_EAUDIO,
                 "audio is not a WAV file: looks like MP3");
    const uint8_t sync[] = {0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    expect_error(sync, sizeof(sync), NULL, 0, SC_PROSODY_EAUDIO,
                 "audio is not a WAV file: looks like MP3");
    expect_error("RIFF", 4, NULL, 0, SC_PROSODY_EAUDIO,
                 "audio is not a WAV file: shorter than a WAV header");
}

static void test_truncated_and_empty_wav(void **state)
{
    (void)state;
    sig_t s = {0};
    tone(&s, 220, 0.5, 500);
    size_t len;
    uint8_t *w = wav16(&s, 1, &len);
    expect_error(w, 20, NULL, 0, SC_PROSODY_EAUDIO, "audio is not a WAV file: ");
    uint8_t head[44];
    wav_header(head, 1, 1, RATE, 16, 0);
    expect_error(head, sizeof(head), NULL, 0, SC_PROSODY_EAUDIO, "audio has no samples");
    /* a truncated data chunk still reads what is there */
    sc_prosody_t *r = NULL;
    assert_int_equal(sc_prosody_analyze(w, len / 2, NULL, 0, NULL, &r, NULL, 0), 0);
    assert_near((double)r->audio_ms, 250, 10);
    sc_prosody_destroy(&r);
    wav_header(head, 1, 1, 4000, 16, 0);
    expect_error(head, sizeof(head), NULL, 0, SC_PROSODY_EAUDIO,
                 "audio has an unsupported sample rate: 4000 Hz");
    free(w);
    free(s.x);
}

static void test_bad_segments_are_named(void **state)
{
    (void)state;
    sig_t s = {0};
    tone(&s, 220, 0.5, 3000);
    size_t len;
    uint8_t *w = wav16(&s, 1, &len);
    const sc_prosody_segment_t order[] = {{0, 1000, 1}, {2000, 2500, 1}, {1500, 1800, 1}};
    expect_error(w, len, order, 3, SC_PROSODY_ESEGMENT,
                 "segment 2: start 1500 ms is before the end of segment 1 at 2500 ms");
    const sc_prosody_segment_t overlap[] = {{0, 1000, 1}, {900, 2000, 1}};
    expect_error(w, len, overlap, 2, SC_PROSODY_ESEGMENT, "segment 1: start 900 ms is before");
    const sc_prosody_segment_t backwards[] = {{1200, 1000, 1}};
    expect_error(w, len, backwards, 1, SC_PROSODY_ESEGMENT,
                 "segment 0: end 1000 ms is not after start 1200 ms");
    const sc_prosody_segment_t beyond[] = {{0, 4500, 1}};
    expect_error(w, len, beyond, 1, SC_PROSODY_ESEGMENT,
                 "segment 0: end 4500 ms is beyond the audio's end 3000 ms");
    /* within a second of the end: cut there */
    const sc_prosody_segment_t near[] = {{2000, 3800, 1}};
    sc_prosody_t *r = NULL;
    assert_int_equal(sc_prosody_analyze(w, len, near, 1, NULL, &r, NULL, 0), 0);
    assert_int_equal(r->segments[0].end_ms, 3000);
    sc_prosody_destroy(&r);
    free(w);
    free(s.x);
}

/* ---- confidence, nervousness, policy ---- */

/* A fluent answer (steady, short breaths) and a hesitant one (long pauses). */
static void test_pausing_lowers_confidence(void **state)
{
    (void)state;
    sig_t s = {0};
    for (int i = 0; i < 6; i++) {
        glide(&s, 140, 2.5, 0.4, 1500);
        silence(&s, 200);
    }
    for (int i = 0; i < 4; i++) {
        glide(&s, 140, 2.5, 0.4, 900);
        silence(&s, 1800);
    }
    const sc_prosody_segment_t segs[] = {{0, 10200, 40}, {10200, 21000, 30}};
    sc_prosody_opts_t o = labels_on();
    sc_prosody_t *r = analyze(&s, segs, 2, &o);
    const sc_prosody_measures_t *a = &r->segments[0], *b = &r->segments[1];
    assert_true(VALUE(a, SC_PROSODY_CONFIDENCE) > VALUE(b, SC_PROSODY_CONFIDENCE) + 20);
    assert_true(VALUE(a, SC_PROSODY_NERVOUSNESS) < VALUE(b, SC_PROSODY_NERVOUSNESS));
    assert_int_equal(VALUE(b, SC_PROSODY_LONG_PAUSES), 3);
    assert_true(a->n_confidence_why >= 4);
    sc_prosody_change_t c;
    assert_int_equal(sc_prosody_compare(b, a, SC_PROSODY_CONFIDENCE, &c), 0);
    assert_int_equal(c.direction, 1);
    assert_true(r->emotion_labels);
    sc_prosody_destroy(&r);
}

static void test_emotion_labels_off_by_policy(void **state)
{
    (void)state;
    sig_t s = {0};
    glide(&s, 140, 2, 0.4, 3000);
    sc_prosody_opts_t o;
    sc_prosody_opts_default(&o);
    assert_false(o.emotion_labels);
    o.emotion_may_reject = true; /* meaningless without labels */
    sc_prosody_t *r = analyze(&s, NULL, 0, &o);
    assert_false(r->emotion_labels);
    assert_false(r->emotion_may_reject);
    assert_int_equal(ABSENT(&r->call, SC_PROSODY_CONFIDENCE), SC_PROSODY_ABSENT_BY_POLICY);
    assert_int_equal(ABSENT(&r->call, SC_PROSODY_NERVOUSNESS), SC_PROSODY_ABSENT_BY_POLICY);
    assert_int_equal(r->call.n_confidence_why + r->call.n_nervousness_why, 0);
    /* the delivery measures are still there */
    assert_int_equal(ABSENT(&r->call, SC_PROSODY_PITCH_VAR_ST), SC_PROSODY_PRESENT);
    assert_int_equal(ABSENT(&r->call, SC_PROSODY_PAUSE_RATIO), SC_PROSODY_PRESENT);
    sc_prosody_change_t c;
    assert_int_equal(sc_prosody_compare(&r->call, &r->call, SC_PROSODY_CONFIDENCE, &c),
                     SC_PROSODY_EABSENT);
    sc_prosody_destroy(&r);
}

/* Without a transcript the scores rest on the audio alone: nothing about rate. */
static void test_scores_without_transcript(void **state)
{
    (void)state;
    sig_t s = {0};
    glide(&s, 140, 2, 0.4, 3000);
    sc_prosody_opts_t o = labels_on();
    sc_prosody_t *r = analyze(&s, NULL, 0, &o);
    assert_int_equal(ABSENT(&r->call, SC_PROSODY_CONFIDENCE), SC_PROSODY_PRESENT);
    assert_int_equal(ABSENT(&r->call, SC_PROSODY_SPEECH_RATE), SC_PROSODY_ABSENT_NO_TRANSCRIPT);
    assert_int_equal(ABSENT(&r->call, SC_PROSODY_RATE_VARIATION),
                     SC_PROSODY_ABSENT_NO_TRANSCRIPT);
    for (size_t i = 0; i < r->call.n_confidence_why; i++) {
        assert_int_not_equal(r->call.confidence_why[i].measure, SC_PROSODY_SPEECH_RATE);
        assert_int_not_equal(r->call.confidence_why[i].measure, SC_PROSODY_RATE_VARIATION);
    }
    assert_int_equal(r->call.n_confidence_why, 4);
    sc_prosody_destroy(&r);
}

static void test_describe_a_change(void **state)
{
    (void)state;
    sc_prosody_measures_t a = {0}, b = {0};
    a.m[SC_PROSODY_CONFIDENCE].value = 50;
    b.m[SC_PROSODY_CONFIDENCE].value = 60;
    sc_prosody_change_t c;
    char buf[96];
    assert_int_equal(sc_prosody_compare(&a, &b, SC_PROSODY_CONFIDENCE, &c), 0);
    assert_near(c.change_pct, 20, 1e-9);
    sc_prosody_describe(&c, "describing results", buf, sizeof(buf));
    assert_string_equal(buf, "confidence rose 20% when describing results");
    assert_int_equal(sc_prosody_compare(&b, &a, SC_PROSODY_CONFIDENCE, &c), 0);
    sc_prosody_describe(&c, NULL, buf, sizeof(buf));
    assert_string_equal(buf, "confidence fell 17%");
    assert_int_equal(sc_prosody_compare(&a, &a, SC_PROSODY_CONFIDENCE, &c), 0);
    sc_prosody_describe(&c, "", buf, sizeof(buf));
    assert_string_equal(buf, "confidence was unchanged");
    /* a zero base would make the percentage up */
    a.m[SC_PROSODY_LONG_PAUSES].value = 0;
    b.m[SC_PROSODY_LONG_PAUSES].value = 2;
    assert_int_equal(sc_prosody_compare(&a, &b, SC_PROSODY_LONG_PAUSES, &c), SC_PROSODY_EABSENT);
    b.m[SC_PROSODY_PITCH_MEAN_HZ].absent = SC_PROSODY_ABSENT_NO_PITCH;
    assert_int_equal(sc_prosody_compare(&a, &b, SC_PROSODY_PITCH_MEAN_HZ, &c),
                     SC_PROSODY_EABSENT);
}

/* ---- spoken answers made with espeak-ng (audio/make-audio.sh) ---- */

typedef struct {
    int64_t length_ms;
    uint32_t units;
    int64_t pauses[4][2];
    size_t n_pauses;
} spoken_t;

static char *audio_path(const char *name)
{
    static char path[1024];
    const char *here = __FILE__, *slash = strrchr(here, '/');
    snprintf(path, sizeof(path), "%.*s/audio/%s", slash ? (int)(slash - here) : 1,
             slash ? here : ".", name);
    return path;
}

/* The line of audio.txt about name. */
static spoken_t spoken_facts(const char *name)
{
    FILE *f = fopen(audio_path("audio.txt"), "r");
    spoken_t s = {0};
    char line[256];
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char file[64];
        int at;
        long long len;
        unsigned units;
        if (sscanf(line, "%63s %lld %u%n", file, &len, &units, &at) != 3 || strcmp(file, name))
            continue;
        s.length_ms = len;
        s.units = units;
        long long a, b;
        int used;
        for (const char *p = line + at; sscanf(p, " %lld-%lld%n", &a, &b, &used) == 2; p += used)
            if (s.n_pauses < 4) {
                s.pauses[s.n_pauses][0] = a;
                s.pauses[s.n_pauses++][1] = b;
            }
    }
    fclose(f);
    assert_true(s.length_ms > 0);
    return s;
}

static sc_prosody_t *analyze_spoken(const char *name, sc_prosody_unit_t unit)
{
    FILE *f = fopen(audio_path(name), "rb");
    assert_non_null(f);
    static uint8_t buf[256 * 1024];
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    spoken_t facts = spoken_facts(name);
    sc_prosody_segment_t seg = {0, facts.length_ms, facts.units};
    sc_prosody_opts_t o = labels_on();
    o.unit = unit;
    sc_prosody_t *r = NULL;
    char err[256];
    if (sc_prosody_analyze(buf, len, &seg, 1, &o, &r, err, sizeof(err)) != 0)
        fail_msg("%s: %s", name, err);
    /* the pauses the script put in are found where it put them */
    assert_int_equal(r->n_pauses, facts.n_pauses);
    for (size_t i = 0; i < facts.n_pauses; i++) {
        assert_near((double)r->pauses[i].start_ms, (double)facts.pauses[i][0], 50);
        assert_near((double)r->pauses[i].end_ms, (double)facts.pauses[i][1], 50);
    }
    return r;
}

static void compare_renderings(const char *lang, sc_prosody_unit_t unit, double min_pitch,
                               double max_pitch)
{
    char fluent[32], hesitant[32];
    snprintf(fluent, sizeof(fluent), "%s-fluent.wav", lang);
    snprintf(hesitant, sizeof(hesitant), "%s-hesitant.wav", lang);
    sc_prosody_t *f = analyze_spoken(fluent, unit), *h = analyze_spoken(hesitant, unit);
    const sc_prosody_measures_t *a = &f->call, *b = &h->call;
    print_message("# %s: confidence %.0f vs %.0f, nervousness %.0f vs %.0f, rate %.0f vs %.0f, "
                  "pitch %.0f Hz %.1f st\n", lang, VALUE(a, SC_PROSODY_CONFIDENCE),
                  VALUE(b, SC_PROSODY_CONFIDENCE), VALUE(a, SC_PROSODY_NERVOUSNESS),
                  VALUE(b, SC_PROSODY_NERVOUSNESS), VALUE(a, SC_PROSODY_SPEECH_RATE),
                  VALUE(b, SC_PROSODY_SPEECH_RATE), VALUE(a, SC_PROSODY_PITCH_MEAN_HZ),
                  VALUE(a, SC_PROSODY_PITCH_VAR_ST));
    assert_true(VALUE(a, SC_PROSODY_CONFIDENCE) > VALUE(b, SC_PROSODY_CONFIDENCE));
    assert_true(VALUE(a, SC_PROSODY_NERVOUSNESS) < VALUE(b, SC_PROSODY_NERVOUSNESS));
    assert_true(VALUE(a, SC_PROSODY_SPEECH_RATE) > VALUE(b, SC_PROSODY_SPEECH_RATE));
    assert_int_equal(VALUE(b, SC_PROSODY_LONG_PAUSES), 1);
    assert_true(VALUE(a, SC_PROSODY_PITCH_MEAN_HZ) > min_pitch);
    assert_true(VALUE(a, SC_PROSODY_PITCH_MEAN_HZ) < max_pitch);
    sc_prosody_destroy(&f);
    sc_prosody_destroy(&h);
}

static void test_spoken_mandarin(void **state)
{
    (void)state;
    compare_renderings("zh", SC_PROSODY_CHARS, 70, 300);
}

static void test_spoken_english(void **state)
{
    (void)state;
    compare_renderings("en", SC_PROSODY_WORDS, 70, 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pitch_of_220_hz),
        cmocka_unit_test(test_pitch_variability_of_a_glide),
        cmocka_unit_test(test_pauses_where_put),
        cmocka_unit_test(test_long_pause_is_configurable),
        cmocka_unit_test(test_pauses_above_a_noise_floor),
        cmocka_unit_test(test_speech_rate_from_timestamps),
        cmocka_unit_test(test_transcript_only_marks_prosody_absent),
        cmocka_unit_test(test_silence_is_absent_not_zero),
        cmocka_unit_test(test_white_noise_has_no_pitch),
        cmocka_unit_test(test_too_short_is_absent),
        cmocka_unit_test(test_clipping_detected),
        cmocka_unit_test(test_stereo_is_downmixed),
        cmocka_unit_test(test_float_wav_with_nan),
        cmocka_unit_test(test_not_wav_is_an_error),
        cmocka_unit_test(test_truncated_and_empty_wav),
        cmocka_unit_test(test_bad_segments_are_named),
        cmocka_unit_test(test_pausing_lowers_confidence),
        cmocka_unit_test(test_emotion_labels_off_by_policy),
        cmocka_unit_test(test_scores_without_transcript),
        cmocka_unit_test(test_describe_a_change),
        cmocka_unit_test(test_spoken_mandarin),
        cmocka_unit_test(test_spoken_english),
    };
    return cmocka_run_group_tests_name("prosody", tests, NULL, NULL);
}
