/* tests/fuzz/fuzz-wav.c - fuzz target of the call-audio reader (services/scoring/prosody.c)
 *
 * Every input is analysed as a WAV file twice: alone (the call is the whole
 * audio) and with segments whose times come from the input's first bytes, so
 * both the WAV path and the segment checks see hostile values. The promises
 * checked: a failure leaves no report and says why in a short lowercase
 * message without a final period; a success has every present value finite
 * and in its range, pauses in order inside the audio, and nothing computed
 * that policy turned off. A broken promise is an abort(), so libFuzzer
 * (run.sh wav, clang) and the corpus replay (the unit suite) both report it.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/scoring/prosody.h"

int fuzz_wav_input(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, double value)
{
    fprintf(stderr, "fuzz-wav: %s (%g)\n", what, value);
    abort();
}

static void check_measures(const sc_prosody_measures_t *m, bool labels)
{
    static const sc_prosody_measure_t ratios[] = {SC_PROSODY_SPEECH_RATIO,
                                                  SC_PROSODY_PAUSE_RATIO, SC_PROSODY_CLIPPING};
    for (int k = 0; k < SC_PROSODY_MEASURES; k++)
        if (!m->m[k].absent && !isfinite(m->m[k].value))
            fail("a present value is not finite", k);
    for (size_t i = 0; i < sizeof(ratios) / sizeof(ratios[0]); i++)
        if (!m->m[ratios[i]].absent && (m->m[ratios[i]].value < 0 || m->m[ratios[i]].value > 1))
            fail("a ratio is outside 0..1", m->m[ratios[i]].value);
    for (int k = SC_PROSODY_CONFIDENCE; k <= SC_PROSODY_NERVOUSNESS; k++) {
        if (!labels && (m->m[k].absent != SC_PROSODY_ABSENT_BY_POLICY))
            fail("an emotion label computed against policy", k);
        if (!m->m[k].absent && (m->m[k].value < 0 || m->m[k].value > 100))
            fail("a score is outside 0..100", m->m[k].value);
    }
    if (!m->m[SC_PROSODY_PITCH_MEAN_HZ].absent &&
        (m->m[SC_PROSODY_PITCH_MEAN_HZ].value < 50 || m->m[SC_PROSODY_PITCH_MEAN_HZ].value > 600))
        fail("pitch outside the voice range", m->m[SC_PROSODY_PITCH_MEAN_HZ].value);
}

static void check_report(const sc_prosody_t *r, size_t n_segments, bool labels)
{
    if (r->n_segments != n_segments)
        fail("segment count changed", (double)r->n_segments);
    check_measures(&r->call, labels);
    for (size_t i = 0; i < r->n_segments; i++)
        check_measures(&r->segments[i], labels);
    int64_t at = 0;
    for (size_t i = 0; i < r->n_pauses; i++) {
        if (r->pauses[i].start_ms < at || r->pauses[i].end_ms <= r->pauses[i].start_ms ||
            r->pauses[i].end_ms > r->audio_ms)
            fail("pause out of order or outside the audio", (double)r->pauses[i].start_ms);
        at = r->pauses[i].end_ms;
    }
}

static void check_error(const char *err)
{
    size_t n = strlen(err);
    if (n == 0 || n > 200 || (err[0] >= 'A' && err[0] <= 'Z') || err[n - 1] == '.')
        fail("error message empty, capitalised or ending in a period", (double)n);
}

static void analyse(const uint8_t *data, size_t size, const sc_prosody_segment_t *segs, size_t n,
                    bool labels)
{
    sc_prosody_opts_t o;
    sc_prosody_opts_default(&o);
    o.emotion_labels = labels;
    sc_prosody_t *r = NULL;
    char err[256];
    int rc = sc_prosody_analyze(data, size, segs, n, &o, &r, err, sizeof(err));
    if (rc != 0) {
        if (r)
            fail("failed analysis returned a report", rc);
        check_error(err);
        return;
    }
    if (!r)
        fail("successful analysis returned no report", 0);
    check_report(r, n, labels);
    sc_prosody_destroy(&r);
}

int fuzz_wav_input(const uint8_t *data, size_t size)
{
    analyse(data, size, NULL, 0, true);
    /* segments from the last bytes: hostile times, then the analysis again */
    sc_prosody_segment_t segs[3];
    for (size_t i = 0; i < 3; i++) {
        uint16_t a = size > 6 * i + 1 ? data[size - 1 - 6 * i] : 0;
        uint16_t b = size > 6 * i + 3 ? data[size - 3 - 6 * i] : 0;
        segs[i] = (sc_prosody_segment_t){(int64_t)i * 600 + a * 2, (int64_t)i * 600 + 300 + b * 2,
                                         (uint32_t)(a % 7)};
    }
    analyse(data, size, segs, 3, size % 2 == 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_wav_input(data, size);
}
