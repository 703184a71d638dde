/* services/scoring/prosody.c - delivery measures and confidence from call audio
 *
 * One pass over the WAV (libsndfile over the bytes in memory, sf_open_virtual)
 * turns the audio into 10 ms frames: RMS level, F0 and a count of clipped
 * samples. F0 is our own YIN (de Cheveigne & Kawahara 2002) on a 1 kHz
 * low-passed copy decimated to 8-11 kHz, run only on frames loud enough to be
 * speech: aubio's yinfft alone took 120 ms per minute of audio and its
 * confidence is always 0 in 0.4.9, so it could not tell voiced from not.
 * Everything after that works on the frames only, so memory is a few bytes
 * per 10 ms whatever the file's rate and length.
 * Speech is a frame above a threshold set from the file's own noise floor;
 * pauses are runs of non-speech between speech. Each range (a segment, or the
 * whole call) is summed into an accumulator and finished into measures, with
 * a reason instead of a value wherever the audio cannot say. Confidence and
 * nervousness are tables of constants (confidence_rows, nervousness_rows)
 * applied to those measures; docs/scoring-prosody.md explains them.
 */
#include "prosody.h"

#include <assert.h>
#include <math.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_MS         10
#define PITCH_RATE       8000   /* F0 is estimated at the file's rate over the largest
                                   integer factor bringing it down to at least this */
#define PITCH_LOWPASS_HZ 1000.0
#define YIN_THRESHOLD    0.2    /* cumulative mean normalised difference of a voiced frame */
#define SILENCE_DB       -60.0  /* frames below this are never speech */
#define FLOOR_DB         -120.0 /* level of digital silence */
#define MIN_CONTRAST_DB  6.0    /* speech must stand this far above the noise floor */
#define MAX_ABOVE_DB     15.0   /* the threshold is at most this far above the floor */
#define CLIP_LEVEL       0.99f  /* a sample this close to full scale may be clipped */
#define PITCH_MIN_HZ     60.0
#define PITCH_MAX_HZ     500.0
#define MIN_SPEECH_MS    300    /* less speech than this: level and pauses absent */
#define MIN_VOICED_MS    200    /* fewer voiced frames: pitch absent */
#define MIN_SCORED_MS    1000   /* less speech: confidence and nervousness absent */
#define MIN_RATE_MS      1000   /* shorter segments give no speech rate */
#define JITTER_CAP_ST    2.0    /* larger jumps are octave errors, counted as this */
#define WORDS_PER_CHAR   0.6    /* English rate bands are the Chinese ones times this */
#define PAST_END_MS      1000   /* segments may end this far past the audio */

/* The audio reduced to frames. */
typedef struct {
    size_t n, cap;
    int rate, hop, channels;
    float *db;        /* RMS level of the mono downmix, dBFS */
    float *f0;        /* Hz, 0 when not voiced */
    uint16_t *clip;   /* clipped samples (all channels) in the frame */
    bool *speech;
    double floor_db, threshold_db;
} frames_t;

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- libsndfile over a memory buffer ---- */

typedef struct {
    const unsigned char *data;
    sf_count_t len, pos;
} membuf_t;

static sf_count_t mem_len(void *u)
{
    return ((membuf_t *)u)->len;
}

static sf_count_t mem_seek(sf_count_t off, int whence, void *u)
{
    membuf_t *m = u;
    sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->len;
    if (off < -base || off > m->len - base)
        return -1;
    m->pos = base + off;
    return m->pos;
}

static sf_count_t mem_read(void *ptr, sf_count_t count, void *u)
{
    membuf_t *m = u;
    sf_count_t n = count < m->len - m->pos ? count : m->len - m->pos;
    if (n <= 0)
        return 0;
    memcpy(ptr, m->data + m->pos, (size_t)n);
    m->pos += n;
    return n;
}

static sf_count_t mem_write(const void *ptr, sf_count_t count, void *u)
{
    (void)ptr;
    (void)count;
    (void)u;
    return 0;
}

static sf_count_t mem_tell(void *u)
{
    return ((membuf_t *)u)->pos;
}

/* What the first bytes look like, for the error of a file that is not WAV. */
static const char *guess_format(const unsigned char *d, size_t len)
{
    if (len >= 3 && !memcmp(d, "ID3", 3))
        return "looks like MP3 (ID3 tag)";
    if (len >= 2 && d[0] == 0xff && (d[1] & 0xe0) == 0xe0)
        return "looks like MP3 or AAC (frame sync)";
    if (len >= 4 && !memcmp(d, "OggS", 4))
        return "looks like Ogg";
    if (len >= 4 && !memcmp(d, "fLaC", 4))
        return "looks like FLAC";
    if (len >= 8 && !memcmp(d + 4, "ftyp", 4))
        return "looks like MP4/M4A";
    if (len < 12)
        return "shorter than a WAV header";
    return "no RIFF/RF64 WAVE header";
}

/* libsndfile's message ("Error in WAV file. No 'data' chunk marker.") in
 * house style: lowercase, no final period; written into buf (128 bytes). */
static const char *house_style(const char *msg, char buf[128])
{
    snprintf(buf, 128, "%s", msg && msg[0] ? msg : "unreadable");
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '.' || buf[n - 1] == ' ' || buf[n - 1] == '\n'))
        buf[--n] = '\0';
    if (buf[0] >= 'A' && buf[0] <= 'Z')
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return n ? buf : "unreadable";
}

static SNDFILE *open_wav(membuf_t *mb, SF_INFO *info, char *err, size_t errlen)
{
    const unsigned char *d = mb->data;
    size_t len = (size_t)mb->len;
    if (len < 12 || (memcmp(d, "RIFF", 4) && memcmp(d, "RF64", 4)) || memcmp(d + 8, "WAVE", 4)) {
        set_err(err, errlen, "audio is not a WAV file: %s", guess_format(d, len));
        return NULL;
    }
    SF_VIRTUAL_IO io = {mem_len, mem_seek, mem_read, mem_write, mem_tell};
    char what[128];
    memset(info, 0, sizeof(*info));
    SNDFILE *sf = sf_open_virtual(&io, SFM_READ, info, mb);
    if (!sf) {
        set_err(err, errlen, "audio is not a WAV file: %s", house_style(sf_strerror(NULL), what));
        return NULL;
    }
    int type = info->format & SF_FORMAT_TYPEMASK;
    const char *bad = NULL;
    if (type != SF_FORMAT_WAV && type != SF_FORMAT_WAVEX && type != SF_FORMAT_RF64) {
        snprintf(what, sizeof(what), "container 0x%x", (unsigned)type);
        bad = "audio is not a WAV file";
    } else if (info->channels < 1 || info->channels > SC_PROSODY_MAX_CHANNELS) {
        snprintf(what, sizeof(what), "%d channels (1 to %d)", info->channels,
                 SC_PROSODY_MAX_CHANNELS);
        bad = "audio has an unsupported channel count";
    } else if (info->samplerate < SC_PROSODY_MIN_RATE || info->samplerate > SC_PROSODY_MAX_RATE) {
        snprintf(what, sizeof(what), "%d Hz (%d to %d)", info->samplerate, SC_PROSODY_MIN_RATE,
                 SC_PROSODY_MAX_RATE);
        bad = "audio has an unsupported sample rate";
    } else if (info->frames > (sf_count_t)info->samplerate * SC_PROSODY_MAX_SECONDS) {
        snprintf(what, sizeof(what), "%lld s (at most %d s)",
                 (long long)(info->frames / info->samplerate), SC_PROSODY_MAX_SECONDS);
        bad = "audio is too long";
    }
    if (bad) {
        set_err(err, errlen, "%s: %s", bad, what);
        sf_close(sf);
        return NULL;
    }
    return sf;
}

/* ---- frames ---- */

static void frames_free(frames_t *fr)
{
    free(fr->db);
    free(fr->f0);
    free(fr->clip);
    free(fr->speech);
    memset(fr, 0, sizeof(*fr));
}

static int frames_grow(frames_t *fr)
{
    size_t cap = fr->cap ? fr->cap * 2 : 1024;
    float *db = realloc(fr->db, cap * sizeof(*db));
    if (db)
        fr->db = db;
    float *f0 = realloc(fr->f0, cap * sizeof(*f0));
    if (f0)
        fr->f0 = f0;
    uint16_t *clip = realloc(fr->clip, cap * sizeof(*clip));
    if (clip)
        fr->clip = clip;
    if (!db || !f0 || !clip)
        return -1;
    fr->cap = cap;
    return 0;
}

/* Downmixes one hop of interleaved samples into mono, counting clipped
 * samples: at CLIP_LEVEL of full scale, with the previous sample of the same
 * channel too (a flat top, not the peak of a loud sine). Non-finite samples
 * of a float WAV become 0; larger than full scale is cut to it. */
static unsigned downmix(float *in, float *mono, int hop, int ch, float *prev)
{
    unsigned clipped = 0;
    for (int i = 0; i < hop; i++) {
        float sum = 0;
        for (int c = 0; c < ch; c++) {
            float x = in[i * ch + c];
            x = isfinite(x) ? fminf(fmaxf(x, -1.0f), 1.0f) : 0.0f;
            if (fabsf(x) >= CLIP_LEVEL && x * prev[c] > 0 && fabsf(prev[c]) >= CLIP_LEVEL)
                clipped++;
            prev[c] = x;
            sum += x;
        }
        mono[i] = sum / (float)ch;
    }
    return clipped;
}

static float level_db(const float *x, int n)
{
    double e = 0;
    for (int i = 0; i < n; i++)
        e += (double)x[i] * x[i];
    double db = 10.0 * log10(e / n + 1e-12);
    return (float)(db < FLOOR_DB ? FLOOR_DB : db);
}

/* ---- YIN pitch ---- */

typedef struct {
    int decim, phase, rate;      /* keep every decim-th sample: rate = file rate / decim */
    int tmin, tmax;              /* lags of PITCH_MAX_HZ and PITCH_MIN_HZ */
    int fill, size, cap;         /* the last size = 2 * tmax decimated samples, room for
                                    one more hop before they are moved down */
    float *buf, *d;
    double b0, b1, b2, a1, a2, x1, x2, y1, y2; /* Butterworth low-pass biquad */
} yin_t;

static int yin_init(yin_t *y, int rate, int hop)
{
    memset(y, 0, sizeof(*y));
    y->decim = rate / PITCH_RATE > 1 ? rate / PITCH_RATE : 1;
    y->rate = rate / y->decim;
    y->tmin = (int)(y->rate / PITCH_MAX_HZ);
    y->tmax = (int)(y->rate / PITCH_MIN_HZ) + 1;
    y->size = 2 * y->tmax;
    y->cap = y->size + hop / y->decim + 1;
    y->buf = calloc((size_t)y->cap, sizeof(float));
    y->d = calloc((size_t)y->tmax + 1, sizeof(float));
    double w0 = 2 * M_PI * PITCH_LOWPASS_HZ / rate, c = cos(w0), alpha = sin(w0) / M_SQRT2;
    double a0 = 1 + alpha;
    y->b0 = y->b2 = (1 - c) / 2 / a0;
    y->b1 = (1 - c) / a0;
    y->a1 = -2 * c / a0;
    y->a2 = (1 - alpha) / a0;
    return y->buf && y->d ? 0 : -1;
}

static void yin_free(yin_t *y)
{
    free(y->buf);
    free(y->d);
}

/* Low-passes and decimates n (at most a hop) samples into the window. */
static void yin_push(yin_t *y, const float *x, int n)
{
    for (int i = 0; i < n; i++) {
        double v = y->b0 * x[i] + y->b1 * y->x1 + y->b2 * y->x2 - y->a1 * y->y1 - y->a2 * y->y2;
        y->x2 = y->x1;
        y->x1 = x[i];
        y->y2 = y->y1;
        y->y1 = v;
        if (++y->phase < y->decim)
            continue;
        y->phase = 0;
        y->buf[y->fill++] = (float)v;
    }
    if (y->fill > y->size) {
        memmove(y->buf, y->buf + y->fill - y->size, (size_t)y->size * sizeof(float));
        y->fill = y->size;
    }
}

/* Sum of squared differences of the window against itself at lag t, four
 * accumulators so the compiler can overlap them. */
static float yin_difference(const float *x, int w, int t)
{
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int j = 0;
    for (; j + 4 <= w; j += 4) {
        float d0 = x[j] - x[j + t], d1 = x[j + 1] - x[j + 1 + t];
        float d2 = x[j + 2] - x[j + 2 + t], d3 = x[j + 3] - x[j + 3 + t];
        s0 += d0 * d0;
        s1 += d1 * d1;
        s2 += d2 * d2;
        s3 += d3 * d3;
    }
    for (; j < w; j++)
        s0 += (x[j] - x[j + t]) * (x[j] - x[j + t]);
    return s0 + s1 + s2 + s3;
}

/* F0 (Hz) of the window, or 0 when it is not voiced: the first lag whose
 * cumulative mean normalised difference dips under YIN_THRESHOLD, at the
 * bottom of that dip, refined by a parabola through its neighbours. */
static double yin_estimate(yin_t *y)
{
    if (y->fill < y->size)
        return 0;
    const float *x = y->buf;
    float *d = y->d;
    double sum = 0;
    int w = y->tmax;
    d[0] = 1;
    for (int t = 1; t <= y->tmax; t++) {
        float diff = yin_difference(x, w, t);
        sum += diff;
        d[t] = sum > 0 ? (float)(diff * t / sum) : 1.0f;
    }
    for (int t = y->tmin; t < y->tmax; t++) {
        if (d[t] >= YIN_THRESHOLD)
            continue;
        while (t + 1 < y->tmax && d[t + 1] < d[t])
            t++;
        double a = d[t - 1], b = d[t], c = d[t + 1], den = a - 2 * b + c;
        double lag = t + (den > 0 ? 0.5 * (a - c) / den : 0);
        return y->rate / lag;
    }
    return 0;
}

/* Reads the whole file into frames. The pitch of the window ending with
 * frame i belongs to the frame at the window's centre, `delay` frames
 * earlier; it is estimated only where the frame is loud enough to be speech. */
static int read_frames(SNDFILE *sf, const SF_INFO *info, frames_t *fr, char *err, size_t errlen)
{
    fr->rate = info->samplerate;
    fr->channels = info->channels;
    fr->hop = info->samplerate * FRAME_MS / 1000;
    size_t max_frames = (size_t)SC_PROSODY_MAX_SECONDS * 1000 / FRAME_MS;
    float *buf = malloc(sizeof(float) * (size_t)fr->hop * (size_t)fr->channels);
    float *mono = malloc(sizeof(float) * (size_t)fr->hop);
    float prev[SC_PROSODY_MAX_CHANNELS] = {0};
    yin_t yin;
    int rc = 0;
    if (yin_init(&yin, fr->rate, fr->hop) != 0 || !buf || !mono) {
        set_err(err, errlen, "out of memory for a pitch detector of %d Hz audio", fr->rate);
        rc = SC_PROSODY_ENOMEM;
    }
    double window_ms = 1000.0 * yin.size / yin.rate;
    size_t delay = (size_t)lround((window_ms - FRAME_MS) / 2 / FRAME_MS);
    while (rc == 0 && fr->n < max_frames && sf_readf_float(sf, buf, fr->hop) == fr->hop) {
        if (fr->n == fr->cap && frames_grow(fr) != 0) {
            set_err(err, errlen, "out of memory at %zu frames of audio", fr->n);
            rc = SC_PROSODY_ENOMEM;
            break;
        }
        unsigned clipped = downmix(buf, mono, fr->hop, fr->channels, prev);
        fr->clip[fr->n] = (uint16_t)(clipped > UINT16_MAX ? UINT16_MAX : clipped);
        fr->db[fr->n] = level_db(mono, fr->hop);
        fr->f0[fr->n] = 0;
        yin_push(&yin, mono, fr->hop);
        if (fr->n >= delay && fr->db[fr->n - delay] >= SILENCE_DB) {
            double hz = yin_estimate(&yin);
            if (hz >= PITCH_MIN_HZ && hz <= PITCH_MAX_HZ)
                fr->f0[fr->n - delay] = (float)hz;
        }
        fr->n++;
    }
    if (rc == 0 && fr->n == 0) {
        set_err(err, errlen, "audio has no samples: %lld frames at %d Hz",
                (long long)info->frames, fr->rate);
        rc = SC_PROSODY_EAUDIO;
    }
    yin_free(&yin);
    free(buf);
    free(mono);
    return rc;
}

/* The level at quantile q of the frames, from a 0.5 dB histogram. */
static double level_quantile(const unsigned *hist, int bins, size_t n, double q)
{
    size_t want = (size_t)(q * (double)n), seen = 0;
    for (int b = 0; b < bins; b++) {
        seen += hist[b];
        if (seen > want)
            return FLOOR_DB + b * 0.5;
    }
    return 0;
}

/* Speech is what stands out of the file's noise floor (its 10th percentile
 * level), halfway to the speech level (95th) but 6-15 dB above the floor.
 * Without that contrast the file is all speech if loud, all silence if not. */
static int mark_speech(frames_t *fr)
{
    enum { BINS = 241 };
    unsigned hist[BINS] = {0};
    fr->speech = malloc(fr->n * sizeof(*fr->speech));
    if (!fr->speech)
        return SC_PROSODY_ENOMEM;
    for (size_t i = 0; i < fr->n; i++) {
        int b = (int)((fr->db[i] - FLOOR_DB) * 2.0);
        hist[b < 0 ? 0 : b >= BINS ? BINS - 1 : b]++;
    }
    double floor_db = level_quantile(hist, BINS, fr->n, 0.10);
    double peak = level_quantile(hist, BINS, fr->n, 0.95);
    double contrast = peak - floor_db, thr;
    if (peak < SILENCE_DB)
        thr = 1.0; /* above 0 dBFS: nothing is speech */
    else if (contrast < MIN_CONTRAST_DB)
        thr = SILENCE_DB;
    else
        thr = fmax(SILENCE_DB, floor_db + fmin(MAX_ABOVE_DB, fmax(MIN_CONTRAST_DB, contrast / 2)));
    fr->floor_db = floor_db;
    fr->threshold_db = thr;
    for (size_t i = 0; i < fr->n; i++)
        fr->speech[i] = fr->db[i] >= thr;
    return 0;
}

static int64_t frame_ms(const frames_t *fr, size_t i)
{
    return (int64_t)i * fr->hop * 1000 / fr->rate;
}

static size_t ms_frame(const frames_t *fr, int64_t ms)
{
    size_t i = (size_t)(ms * fr->rate / (1000 * (int64_t)fr->hop));
    return i > fr->n ? fr->n : i;
}

/* ---- accumulating a range ---- */

typedef struct {
    size_t frames, speech, voiced, jit_n;
    double st_sum, st_sq, hz_sum, jit_sum, db_sum, db_sq;
    uint64_t clipped, samples;
    size_t pause_frames, long_n, long_frames;
    int64_t span_ms;            /* time of the range(s) */
    uint64_t units;
    int64_t rate_ms;            /* time of the ranges with a unit count */
} acc_t;

typedef struct {
    const frames_t *fr;
    size_t min_pause, long_pause;   /* in frames */
    sc_prosody_pause_t *list;       /* NULL: count only */
    size_t n_list;
} pauses_t;

/* Counts the pauses of [f0, f1): runs of non-speech with speech on both sides. */
static void scan_pauses(pauses_t *p, size_t f0, size_t f1, acc_t *a)
{
    const frames_t *fr = p->fr;
    size_t run = 0;
    bool spoken = false;
    for (size_t i = f0; i < f1; i++) {
        if (!fr->speech[i]) {
            run++;
            continue;
        }
        if (spoken && run >= p->min_pause) {
            bool is_long = run > p->long_pause;
            a->pause_frames += run;
            a->long_n += is_long;
            a->long_frames += is_long ? run : 0;
            if (p->list)
                p->list[p->n_list++] = (sc_prosody_pause_t){frame_ms(fr, i - run), frame_ms(fr, i),
                                                             is_long};
        }
        spoken = true;
        run = 0;
    }
}

static void acc_frames(acc_t *a, const frames_t *fr, size_t f0, size_t f1)
{
    double prev_st = NAN;
    for (size_t i = f0; i < f1; i++) {
        a->frames++;
        a->clipped += fr->clip[i];
        a->samples += (uint64_t)fr->hop * (uint64_t)fr->channels;
        if (!fr->speech[i]) {
            prev_st = NAN;
            continue;
        }
        a->speech++;
        a->db_sum += fr->db[i];
        a->db_sq += (double)fr->db[i] * fr->db[i];
        if (fr->f0[i] <= 0) {
            prev_st = NAN;
            continue;
        }
        double st = 12.0 * log2(fr->f0[i] / 100.0);
        a->voiced++;
        a->hz_sum += fr->f0[i];
        a->st_sum += st;
        a->st_sq += st * st;
        if (!isnan(prev_st)) {
            a->jit_sum += fmin(fabs(st - prev_st), JITTER_CAP_ST);
            a->jit_n++;
        }
        prev_st = st;
    }
}

static void set_value(sc_prosody_measures_t *m, sc_prosody_measure_t k, double v)
{
    m->m[k] = (sc_prosody_value_t){v, SC_PROSODY_PRESENT};
}

static void set_absent(sc_prosody_measures_t *m, sc_prosody_measure_t k, sc_prosody_absence_t a)
{
    m->m[k] = (sc_prosody_value_t){0, a};
}

static double stddev(double sum, double sq, size_t n)
{
    double mean = sum / (double)n, var = sq / (double)n - mean * mean;
    return var > 0 ? sqrt(var) : 0;
}

/* The reason a level measure is absent with `have` frames where `need` are
 * wanted, or PRESENT. */
static sc_prosody_absence_t enough(size_t have, size_t need)
{
    return have == 0 ? SC_PROSODY_ABSENT_NO_SPEECH
           : have < need ? SC_PROSODY_ABSENT_TOO_SHORT
                         : SC_PROSODY_PRESENT;
}

static void finish_audio(const acc_t *a, sc_prosody_measures_t *m)
{
    const size_t per_s = 1000 / FRAME_MS;
    if (a->frames == 0) {
        for (int k = SC_PROSODY_SPEECH_RATIO; k <= SC_PROSODY_CLIPPING; k++)
            if (k != SC_PROSODY_SPEECH_RATE && k != SC_PROSODY_RATE_VARIATION)
                set_absent(m, (sc_prosody_measure_t)k, SC_PROSODY_ABSENT_TOO_SHORT);
        return;
    }
    set_value(m, SC_PROSODY_SPEECH_RATIO, (double)a->speech / (double)a->frames);
    set_value(m, SC_PROSODY_CLIPPING, a->samples ? (double)a->clipped / (double)a->samples : 0);
    sc_prosody_absence_t why = enough(a->speech, MIN_SPEECH_MS / FRAME_MS);
    if (why == SC_PROSODY_PRESENT) {
        set_value(m, SC_PROSODY_PAUSE_RATIO, (double)a->pause_frames / (double)a->frames);
        set_value(m, SC_PROSODY_LONG_PAUSES, (double)a->long_n);
        set_value(m, SC_PROSODY_LONG_PAUSE_S, (double)a->long_frames / (double)per_s);
        set_value(m, SC_PROSODY_ENERGY_MEAN_DB, a->db_sum / (double)a->speech);
        set_value(m, SC_PROSODY_ENERGY_VAR_DB, stddev(a->db_sum, a->db_sq, a->speech));
    } else {
        set_absent(m, SC_PROSODY_PAUSE_RATIO, why);
        set_absent(m, SC_PROSODY_LONG_PAUSES, why);
        set_absent(m, SC_PROSODY_LONG_PAUSE_S, why);
        set_absent(m, SC_PROSODY_ENERGY_MEAN_DB, why);
        set_absent(m, SC_PROSODY_ENERGY_VAR_DB, why);
    }
    if (why == SC_PROSODY_PRESENT && a->voiced < MIN_VOICED_MS / FRAME_MS)
        why = SC_PROSODY_ABSENT_NO_PITCH;
    if (why == SC_PROSODY_PRESENT) {
        set_value(m, SC_PROSODY_PITCH_MEAN_HZ, a->hz_sum / (double)a->voiced);
        set_value(m, SC_PROSODY_PITCH_VAR_ST, stddev(a->st_sum, a->st_sq, a->voiced));
    } else {
        set_absent(m, SC_PROSODY_PITCH_MEAN_HZ, why);
        set_absent(m, SC_PROSODY_PITCH_VAR_ST, why);
    }
    if (why == SC_PROSODY_PRESENT && a->jit_n > 0)
        set_value(m, SC_PROSODY_PITCH_JITTER_ST, a->jit_sum / (double)a->jit_n);
    else
        set_absent(m, SC_PROSODY_PITCH_JITTER_ST,
                   why == SC_PROSODY_PRESENT ? SC_PROSODY_ABSENT_NO_PITCH : why);
}

static void finish_rate(const acc_t *a, sc_prosody_measures_t *m, bool have_segments)
{
    set_value(m, SC_PROSODY_DURATION_S, (double)a->span_ms / 1000.0);
    if (!have_segments || a->units == 0)
        set_absent(m, SC_PROSODY_SPEECH_RATE, SC_PROSODY_ABSENT_NO_TRANSCRIPT);
    else if (a->rate_ms < MIN_RATE_MS)
        set_absent(m, SC_PROSODY_SPEECH_RATE, SC_PROSODY_ABSENT_TOO_SHORT);
    else
        set_value(m, SC_PROSODY_SPEECH_RATE, (double)a->units * 60000.0 / (double)a->rate_ms);
}

/* ---- confidence and nervousness ---- */

/* A measure's good band [lo, hi]; `soft` beyond it the measure is at its worst.
 * Confidence adds weight * (1 - 2d) and nervousness weight * d, where d is
 * the distance outside the band over soft, clamped to 0..1. Speech rate bands
 * are in characters per minute (times WORDS_PER_CHAR for words); long pauses
 * are counted per minute of the range. */
typedef struct {
    sc_prosody_measure_t measure;
    double lo, hi, soft, weight;
} row_t;

#define CONFIDENCE_BASE  50.0
#define NERVOUSNESS_BASE 10.0

static const row_t confidence_rows[] = {
    {SC_PROSODY_SPEECH_RATE, 180, 300, 90, 12},
    {SC_PROSODY_RATE_VARIATION, 0, 0.15, 0.30, 8},
    {SC_PROSODY_PAUSE_RATIO, 0, 0.20, 0.30, 10},
    {SC_PROSODY_LONG_PAUSES, 0, 1, 3, 12},
    {SC_PROSODY_PITCH_VAR_ST, 1.5, 4.5, 2, 8},
    {SC_PROSODY_ENERGY_VAR_DB, 0, 6, 6, 8},
};

static const row_t nervousness_rows[] = {
    {SC_PROSODY_SPEECH_RATE, 180, 300, 90, 10},
    {SC_PROSODY_RATE_VARIATION, 0, 0.15, 0.30, 12},
    {SC_PROSODY_PAUSE_RATIO, 0, 0.20, 0.30, 12},
    {SC_PROSODY_LONG_PAUSES, 0, 1, 3, 16},
    {SC_PROSODY_PITCH_VAR_ST, 0, 4.5, 3.5, 12},
    {SC_PROSODY_PITCH_JITTER_ST, 0, 0.5, 1.5, 10},
    {SC_PROSODY_ENERGY_VAR_DB, 0, 6, 6, 8},
    {SC_PROSODY_CLIPPING, 0, 0.001, 0.019, 10},
};

static double row_distance(const row_t *r, const sc_prosody_measures_t *m, sc_prosody_unit_t unit)
{
    double x = m->m[r->measure].value, scale = 1;
    if (r->measure == SC_PROSODY_LONG_PAUSES)
        x = x * 60.0 / fmax(m->m[SC_PROSODY_DURATION_S].value, 1.0);
    if (r->measure == SC_PROSODY_SPEECH_RATE && unit == SC_PROSODY_WORDS)
        scale = WORDS_PER_CHAR;
    double out = x < r->lo * scale ? r->lo * scale - x : x > r->hi * scale ? x - r->hi * scale : 0;
    return fmin(1.0, out / (r->soft * scale));
}

/* Applies rows to m's present measures: base plus the contributions, 0-100. */
static double apply_rows(const row_t *rows, size_t n, double base, bool confidence,
                         const sc_prosody_measures_t *m, sc_prosody_unit_t unit,
                         sc_prosody_contribution_t *why, size_t *n_why)
{
    double score = base;
    *n_why = 0;
    for (size_t i = 0; i < n; i++) {
        if (m->m[rows[i].measure].absent != SC_PROSODY_PRESENT)
            continue;
        double d = row_distance(&rows[i], m, unit);
        double pts = rows[i].weight * (confidence ? 1.0 - 2.0 * d : d);
        why[(*n_why)++] = (sc_prosody_contribution_t){rows[i].measure, pts};
        score += pts;
    }
    return fmin(100.0, fmax(0.0, score));
}

static void score(sc_prosody_measures_t *m, const acc_t *a, bool has_audio,
                  const sc_prosody_opts_t *o)
{
    sc_prosody_absence_t why = !o->emotion_labels ? SC_PROSODY_ABSENT_BY_POLICY
                               : !has_audio       ? SC_PROSODY_ABSENT_NO_AUDIO
                                                  : enough(a->speech, MIN_SCORED_MS / FRAME_MS);
    if (why != SC_PROSODY_PRESENT) {
        set_absent(m, SC_PROSODY_CONFIDENCE, why);
        set_absent(m, SC_PROSODY_NERVOUSNESS, why);
        return;
    }
    set_value(m, SC_PROSODY_CONFIDENCE,
              apply_rows(confidence_rows, sizeof(confidence_rows) / sizeof(confidence_rows[0]),
                         CONFIDENCE_BASE, true, m, o->unit, m->confidence_why,
                         &m->n_confidence_why));
    set_value(m, SC_PROSODY_NERVOUSNESS,
              apply_rows(nervousness_rows, sizeof(nervousness_rows) / sizeof(nervousness_rows[0]),
                         NERVOUSNESS_BASE, false, m, o->unit, m->nervousness_why,
                         &m->n_nervousness_why));
}

/* Coefficient of variation of the segments' speech rates, for the call. */
static void rate_variation(sc_prosody_t *r)
{
    double sum = 0, sq = 0;
    size_t n = 0;
    for (size_t i = 0; i < r->n_segments; i++) {
        sc_prosody_value_t v = r->segments[i].m[SC_PROSODY_SPEECH_RATE];
        if (v.absent == SC_PROSODY_PRESENT) {
            sum += v.value;
            sq += v.value * v.value;
            n++;
        }
    }
    if (n < 2 || sum <= 0)
        set_absent(&r->call, SC_PROSODY_RATE_VARIATION,
                   n ? SC_PROSODY_ABSENT_TOO_SHORT : SC_PROSODY_ABSENT_NO_TRANSCRIPT);
    else
        set_value(&r->call, SC_PROSODY_RATE_VARIATION, stddev(sum, sq, n) / (sum / (double)n));
}

/* ---- the analysis ---- */

static int check_segments(const sc_prosody_segment_t *s, size_t n, int64_t audio_ms,
                          bool has_audio, char *err, size_t errlen)
{
    if (n > SC_PROSODY_MAX_SEGMENTS) {
        set_err(err, errlen, "too many segments: %zu (at most %d)", n, SC_PROSODY_MAX_SEGMENTS);
        return SC_PROSODY_ESEGMENT;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i].start_ms < 0) {
            set_err(err, errlen, "segment %zu: start %lld ms is negative", i,
                    (long long)s[i].start_ms);
            return SC_PROSODY_ESEGMENT;
        }
        if (s[i].end_ms <= s[i].start_ms) {
            set_err(err, errlen, "segment %zu: end %lld ms is not after start %lld ms", i,
                    (long long)s[i].end_ms, (long long)s[i].start_ms);
            return SC_PROSODY_ESEGMENT;
        }
        if (has_audio && s[i].end_ms > audio_ms + PAST_END_MS) {
            set_err(err, errlen, "segment %zu: end %lld ms is beyond the audio's end %lld ms", i,
                    (long long)s[i].end_ms, (long long)audio_ms);
            return SC_PROSODY_ESEGMENT;
        }
        if (!has_audio && s[i].end_ms > (int64_t)SC_PROSODY_MAX_SECONDS * 1000) {
            set_err(err, errlen, "segment %zu: end %lld ms is beyond %d s", i,
                    (long long)s[i].end_ms, SC_PROSODY_MAX_SECONDS);
            return SC_PROSODY_ESEGMENT;
        }
        if (i > 0 && s[i].start_ms < s[i - 1].end_ms) {
            set_err(err, errlen,
                    "segment %zu: start %lld ms is before the end of segment %zu at %lld ms "
                    "(out of order or overlapping)",
                    i, (long long)s[i].start_ms, i - 1, (long long)s[i - 1].end_ms);
            return SC_PROSODY_ESEGMENT;
        }
    }
    return 0;
}

static void acc_merge(acc_t *to, const acc_t *a)
{
    to->frames += a->frames;
    to->speech += a->speech;
    to->voiced += a->voiced;
    to->jit_n += a->jit_n;
    to->pause_frames += a->pause_frames;
    to->long_n += a->long_n;
    to->long_frames += a->long_frames;
    to->st_sum += a->st_sum;
    to->st_sq += a->st_sq;
    to->hz_sum += a->hz_sum;
    to->jit_sum += a->jit_sum;
    to->db_sum += a->db_sum;
    to->db_sq += a->db_sq;
    to->clipped += a->clipped;
    to->samples += a->samples;
    to->span_ms += a->span_ms;
    to->units += a->units;
    to->rate_ms += a->rate_ms;
}

/* Measures one range into *m and adds it to the call's accumulator. */
static void measure_range(const frames_t *fr, pauses_t *p, int64_t start_ms, int64_t end_ms,
                          uint32_t units, bool have_segments, const sc_prosody_opts_t *o,
                          sc_prosody_measures_t *m, acc_t *call)
{
    acc_t a = {0};
    a.span_ms = end_ms - start_ms;
    a.units = units;
    a.rate_ms = units ? a.span_ms : 0;
    m->start_ms = start_ms;
    m->end_ms = end_ms;
    set_absent(m, SC_PROSODY_RATE_VARIATION,
               have_segments ? SC_PROSODY_ABSENT_CALL_ONLY : SC_PROSODY_ABSENT_NO_TRANSCRIPT);
    if (fr) {
        size_t f0 = ms_frame(fr, start_ms), f1 = ms_frame(fr, end_ms);
        acc_frames(&a, fr, f0, f1);
        scan_pauses(p, f0, f1, &a);
        finish_audio(&a, m);
    } else {
        for (int k = SC_PROSODY_SPEECH_RATIO; k <= SC_PROSODY_CLIPPING; k++)
            set_absent(m, (sc_prosody_measure_t)k, SC_PROSODY_ABSENT_NO_AUDIO);
    }
    finish_rate(&a, m, have_segments);
    score(m, &a, fr != NULL, o);
    if (call)
        acc_merge(call, &a);
}

/* The call is the sum of the segments (finished like one range), or the
 * whole audio when there are none. */
static void measure_call(sc_prosody_t *r, const frames_t *fr, pauses_t *p, const acc_t *sum,
                         const sc_prosody_opts_t *o)
{
    sc_prosody_measures_t *m = &r->call;
    if (r->n_segments == 0) {
        measure_range(fr, p, 0, r->audio_ms, 0, false, o, m, NULL);
        return;
    }
    m->start_ms = r->segments[0].start_ms;
    m->end_ms = r->segments[r->n_segments - 1].end_ms;
    if (fr)
        finish_audio(sum, m);
    else
        for (int k = SC_PROSODY_SPEECH_RATIO; k <= SC_PROSODY_CLIPPING; k++)
            set_absent(m, (sc_prosody_measure_t)k, SC_PROSODY_ABSENT_NO_AUDIO);
    finish_rate(sum, m, true);
    rate_variation(r);
    score(m, sum, fr != NULL, o);
}

static int analyze_frames(sc_prosody_t *r, const frames_t *fr, const sc_prosody_segment_t *segs,
                          const sc_prosody_opts_t *o)
{
    pauses_t p = {fr, (size_t)(o->min_pause_ms / FRAME_MS), (size_t)(o->long_pause_ms / FRAME_MS),
                  NULL, 0};
    if (fr) {
        /* a pause and the speech before it take min_pause + 1 frames */
        p.list = malloc((fr->n / (p.min_pause + 1) + 1) * sizeof(*p.list));
        if (!p.list)
            return SC_PROSODY_ENOMEM;
        acc_t whole = {0};
        scan_pauses(&p, 0, fr->n, &whole);
        r->pauses = p.list;
        r->n_pauses = p.n_list;
        p.list = NULL;
    }
    acc_t call = {0};
    for (size_t i = 0; i < r->n_segments; i++) {
        int64_t end = fr && segs[i].end_ms > r->audio_ms ? r->audio_ms : segs[i].end_ms;
        int64_t start = segs[i].start_ms < end ? segs[i].start_ms : end;
        measure_range(fr, &p, start, end, segs[i].units, true, o, &r->segments[i], &call);
    }
    measure_call(r, fr, &p, &call, o);
    return 0;
}

void sc_prosody_opts_default(sc_prosody_opts_t *opts)
{
    *opts = (sc_prosody_opts_t){SC_PROSODY_CHARS, 250, 1000, false, false};
}

/* Opens and reads the audio into fr, filling the file's facts into r. */
static int load_audio(const void *wav, size_t len, frames_t *fr, sc_prosody_t *r, char *err,
                      size_t errlen)
{
    if (len > SC_PROSODY_MAX_BYTES) {
        set_err(err, errlen, "audio is too large: %zu bytes (at most %u)", len,
                SC_PROSODY_MAX_BYTES);
        return SC_PROSODY_EAUDIO;
    }
    membuf_t mb = {wav, (sf_count_t)len, 0};
    SF_INFO info;
    SNDFILE *sf = open_wav(&mb, &info, err, errlen);
    if (!sf)
        return SC_PROSODY_EAUDIO;
    int rc = read_frames(sf, &info, fr, err, errlen);
    sf_close(sf);
    if (rc == 0 && mark_speech(fr) != 0) {
        set_err(err, errlen, "out of memory for %zu frames of audio", fr->n);
        rc = SC_PROSODY_ENOMEM;
    }
    if (rc != 0)
        return rc;
    r->has_audio = true;
    r->sample_rate = fr->rate;
    r->channels = fr->channels;
    r->audio_ms = frame_ms(fr, fr->n);
    r->noise_floor_db = fr->floor_db;
    r->speech_threshold_db = fr->threshold_db;
    return 0;
}

int sc_prosody_analyze(const void *wav, size_t len, const sc_prosody_segment_t *segs, size_t n,
                       const sc_prosody_opts_t *opts, sc_prosody_t **out, char *err,
                       size_t errlen)
{
    assert(out && (wav || !len) && (segs || !n));
    *out = NULL;
    set_err(err, errlen, "%s", "");
    sc_prosody_opts_t o;
    if (opts)
        o = *opts;
    else
        sc_prosody_opts_default(&o);
    if (o.min_pause_ms < FRAME_MS)
        o.min_pause_ms = FRAME_MS;
    if (o.long_pause_ms < o.min_pause_ms)
        o.long_pause_ms = o.min_pause_ms;
    o.emotion_may_reject = o.emotion_may_reject && o.emotion_labels;

    sc_prosody_t *r = calloc(1, sizeof(*r));
    frames_t fr = {0};
    int rc = r ? 0 : SC_PROSODY_ENOMEM;
    if (rc == 0 && len)
        rc = load_audio(wav, len, &fr, r, err, errlen);
    if (rc == 0)
        rc = check_segments(segs, n, r->audio_ms, r->has_audio, err, errlen);
    if (rc == 0 && n && !(r->segments = calloc(n, sizeof(*r->segments))))
        rc = SC_PROSODY_ENOMEM;
    if (rc == 0) {
        r->n_segments = n;
        r->emotion_labels = o.emotion_labels;
        r->emotion_may_reject = o.emotion_may_reject;
        rc = analyze_frames(r, r->has_audio ? &fr : NULL, segs, &o);
    }
    frames_free(&fr);
    if (rc == SC_PROSODY_ENOMEM && errlen && !err[0])
        set_err(err, errlen, "out of memory analysing %zu bytes of audio", len);
    if (rc != 0) {
        sc_prosody_destroy(&r);
        return rc;
    }
    *out = r;
    return 0;
}

void sc_prosody_destroy(sc_prosody_t **p)
{
    if (!p || !*p)
        return;
    free((*p)->segments);
    free((*p)->pauses);
    free(*p);
    *p = NULL;
}

/* ---- names and comparisons ---- */

static const char *const measure_names[SC_PROSODY_MEASURES][2] = {
    [SC_PROSODY_DURATION_S] = {"duration", "s"},
    [SC_PROSODY_SPEECH_RATIO] = {"speech ratio", ""},
    [SC_PROSODY_PAUSE_RATIO] = {"pause ratio", ""},
    [SC_PROSODY_LONG_PAUSES] = {"long pauses", ""},
    [SC_PROSODY_LONG_PAUSE_S] = {"long pause time", "s"},
    [SC_PROSODY_SPEECH_RATE] = {"speech rate", "chars/min"},
    [SC_PROSODY_RATE_VARIATION] = {"speech rate variation", ""},
    [SC_PROSODY_PITCH_MEAN_HZ] = {"pitch", "Hz"},
    [SC_PROSODY_PITCH_VAR_ST] = {"pitch variability", "st"},
    [SC_PROSODY_PITCH_JITTER_ST] = {"pitch jitter", "st"},
    [SC_PROSODY_ENERGY_MEAN_DB] = {"loudness", "dBFS"},
    [SC_PROSODY_ENERGY_VAR_DB] = {"loudness variability", "dB"},
    [SC_PROSODY_CLIPPING] = {"clipping", ""},
    [SC_PROSODY_CONFIDENCE] = {"confidence", ""},
    [SC_PROSODY_NERVOUSNESS] = {"nervousness", ""},
};

const char *sc_prosody_measure_name(sc_prosody_measure_t m)
{
    return (unsigned)m < SC_PROSODY_MEASURES ? measure_names[m][0] : "unknown measure";
}

const char *sc_prosody_measure_unit(sc_prosody_measure_t m, sc_prosody_unit_t unit)
{
    if (m == SC_PROSODY_SPEECH_RATE && unit == SC_PROSODY_WORDS)
        return "words/min";
    return (unsigned)m < SC_PROSODY_MEASURES ? measure_names[m][1] : "";
}

const char *sc_prosody_absence_name(sc_prosody_absence_t a)
{
    switch (a) {
    case SC_PROSODY_PRESENT: return "present";
    case SC_PROSODY_ABSENT_NO_AUDIO: return "no audio (transcript only)";
    case SC_PROSODY_ABSENT_NO_SPEECH: return "no speech in the audio";
    case SC_PROSODY_ABSENT_TOO_SHORT: return "too little speech to measure";
    case SC_PROSODY_ABSENT_NO_PITCH: return "no voiced speech to measure pitch";
    case SC_PROSODY_ABSENT_NO_TRANSCRIPT: return "no transcript timing or unit count";
    case SC_PROSODY_ABSENT_CALL_ONLY: return "measured for the whole call only";
    case SC_PROSODY_ABSENT_BY_POLICY: return "not computed: emotion indicators are off";
    }
    return "unknown";
}

int sc_prosody_compare(const sc_prosody_measures_t *from, const sc_prosody_measures_t *to,
                       sc_prosody_measure_t m, sc_prosody_change_t *out)
{
    memset(out, 0, sizeof(*out));
    out->measure = m;
    if ((unsigned)m >= SC_PROSODY_MEASURES || from->m[m].absent || to->m[m].absent ||
        fabs(from->m[m].value) < 1e-9)
        return SC_PROSODY_EABSENT;
    out->from = from->m[m].value;
    out->to = to->m[m].value;
    out->change_pct = (out->to - out->from) / fabs(out->from) * 100.0;
    out->direction = out->change_pct >= 1 ? 1 : out->change_pct <= -1 ? -1 : 0;
    return 0;
}

int sc_prosody_describe(const sc_prosody_change_t *c, const char *context, char *buf,
                        size_t len)
{
    const char *name = sc_prosody_measure_name(c->measure);
    bool ctx = context && context[0];
    if (c->direction == 0)
        return snprintf(buf, len, "%s was unchanged%s%s", name, ctx ? " when " : "",
                        ctx ? context : "");
    return snprintf(buf, len, "%s %s %.0f%%%s%s", name, c->direction > 0 ? "rose" : "fell",
                    fabs(c->change_pct), ctx ? " when " : "", ctx ? context : "");
}
