/* services/scoring/prosody.h - delivery measures of spoken answers from call audio
 *
 * Pure analysis, no I/O: the input is a WAV file's bytes in memory (it arrives
 * in a protobuf bytes field) and the answer segments with start/end times taken
 * from the transcript; the output is, per segment and for the whole call,
 * speech rate, pauses, pitch, energy and clipping, and, only where the tenant
 * allows emotion indicators, a confidence and a nervousness score 0-100 with
 * the contributions that moved them. A measure that cannot be computed (no
 * audio, silence, too short, no transcript units) is marked absent with the
 * reason, never filled with a guess. docs/scoring-prosody.md has the formula.
 */
#ifndef SC_PROSODY_H
#define SC_PROSODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds of the input: larger input is refused with an error. */
#define SC_PROSODY_MAX_BYTES    (200u * 1024u * 1024u)
#define SC_PROSODY_MAX_SECONDS  (2 * 60 * 60)
#define SC_PROSODY_MAX_SEGMENTS 10000
#define SC_PROSODY_MAX_CHANNELS 16
#define SC_PROSODY_MIN_RATE     8000
#define SC_PROSODY_MAX_RATE     192000

/* Error codes of sc_prosody_analyze() and sc_prosody_compare(). */
#define SC_PROSODY_EAUDIO   (-1) /* not WAV, unreadable, too large, no samples */
#define SC_PROSODY_ESEGMENT (-2) /* a segment's times are inconsistent */
#define SC_PROSODY_ENOMEM   (-3)
#define SC_PROSODY_EABSENT  (-4) /* compare: a value is absent or the base is zero */

/* What the transcript counts in a segment: characters for Chinese, words for English. */
typedef enum {
    SC_PROSODY_CHARS = 0, /* speech rate in characters per minute */
    SC_PROSODY_WORDS = 1, /* speech rate in words per minute */
} sc_prosody_unit_t;

/* Every measure, an index into sc_prosody_measures_t.m. */
typedef enum {
    SC_PROSODY_DURATION_S,    /* length of the segment (s), from the timestamps */
    SC_PROSODY_SPEECH_RATIO,  /* share of 10 ms frames above the speech threshold, 0-1 */
    SC_PROSODY_PAUSE_RATIO,   /* share of the time in pauses between speech, 0-1 */
    SC_PROSODY_LONG_PAUSES,   /* number of pauses longer than long_pause_ms */
    SC_PROSODY_LONG_PAUSE_S,  /* their total length (s) */
    SC_PROSODY_SPEECH_RATE,   /* units (chars or words) per minute, from the timestamps */
    SC_PROSODY_RATE_VARIATION,/* call only: coefficient of variation of segment rates */
    SC_PROSODY_PITCH_MEAN_HZ, /* mean F0 over voiced frames (Hz) */
    SC_PROSODY_PITCH_VAR_ST,  /* std dev of F0 in semitones over voiced frames */
    SC_PROSODY_PITCH_JITTER_ST, /* mean |F0 change| between consecutive voiced frames (st) */
    SC_PROSODY_ENERGY_MEAN_DB,/* mean RMS level of speech frames (dBFS) */
    SC_PROSODY_ENERGY_VAR_DB, /* std dev of that level (dB) */
    SC_PROSODY_CLIPPING,      /* share of samples at full scale in a flat run, 0-1 */
    SC_PROSODY_CONFIDENCE,    /* 0-100, only with emotion labels on */
    SC_PROSODY_NERVOUSNESS,   /* 0-100, only with emotion labels on */
    SC_PROSODY_MEASURES
} sc_prosody_measure_t;

/* Why a value is absent; SC_PROSODY_PRESENT (0) means it is a measured value. */
typedef enum {
    SC_PROSODY_PRESENT = 0,
    SC_PROSODY_ABSENT_NO_AUDIO,      /* transcript-only input */
    SC_PROSODY_ABSENT_NO_SPEECH,     /* the audio is silent or noise in this range */
    SC_PROSODY_ABSENT_TOO_SHORT,     /* too little speech or time to measure */
    SC_PROSODY_ABSENT_NO_PITCH,      /* speech without enough voiced frames */
    SC_PROSODY_ABSENT_NO_TRANSCRIPT, /* no segments or no unit count for the rate */
    SC_PROSODY_ABSENT_CALL_ONLY,     /* defined for the whole call, not per segment */
    SC_PROSODY_ABSENT_BY_POLICY,     /* emotion labels are off for this tenant */
} sc_prosody_absence_t;

typedef struct {
    double value;                /* meaningful only when absent == SC_PROSODY_PRESENT */
    sc_prosody_absence_t absent;
} sc_prosody_value_t;

/* One line of "why": the measure moved the score by points (signed). */
typedef struct {
    sc_prosody_measure_t measure;
    double points;
} sc_prosody_contribution_t;

#define SC_PROSODY_MAX_FACTORS 8

typedef struct {
    int64_t start_ms, end_ms;             /* the range measured */
    sc_prosody_value_t m[SC_PROSODY_MEASURES];
    sc_prosody_contribution_t confidence_why[SC_PROSODY_MAX_FACTORS];
    size_t n_confidence_why;
    sc_prosody_contribution_t nervousness_why[SC_PROSODY_MAX_FACTORS];
    size_t n_nervousness_why;
} sc_prosody_measures_t;

/* An answer segment from the transcript. */
typedef struct {
    int64_t start_ms, end_ms; /* end > start; segments in order, not overlapping */
    uint32_t units;           /* characters or words spoken; 0 = unknown (rate absent) */
} sc_prosody_segment_t;

/* A silence between speech of at least min_pause_ms. */
typedef struct {
    int64_t start_ms, end_ms;
    bool is_long;             /* longer than long_pause_ms */
} sc_prosody_pause_t;

typedef struct {
    sc_prosody_unit_t unit;   /* default SC_PROSODY_CHARS */
    int min_pause_ms;         /* shorter silences are not pauses; default 250 */
    int long_pause_ms;        /* a pause longer than this is long; default 1000 */
    bool emotion_labels;      /* tenant policy: confidence/nervousness; default off */
    bool emotion_may_reject;  /* tenant policy: they may drive automated rejection; default off */
} sc_prosody_opts_t;

typedef struct {
    bool has_audio;
    int sample_rate, channels;            /* of the file; analysis is on the mono downmix */
    int64_t audio_ms;                     /* 0 without audio */
    double noise_floor_db;                /* 10th percentile frame level (dBFS) */
    double speech_threshold_db;           /* frames above it are speech */
    bool emotion_labels;                  /* copied from the options */
    bool emotion_may_reject;              /* false whenever emotion_labels is false */
    sc_prosody_measures_t call;           /* all segments together (whole audio if none) */
    sc_prosody_measures_t *segments;      /* one per input segment, same order */
    size_t n_segments;
    sc_prosody_pause_t *pauses;           /* every pause of the whole audio, in order */
    size_t n_pauses;
} sc_prosody_t;

/* Fills *opts with the defaults above (emotion labels off). */
void sc_prosody_opts_default(sc_prosody_opts_t *opts);

/* Analyses wav (len bytes, a RIFF/RF64 WAV of any libsndfile-readable coding,
 * any channel count up to SC_PROSODY_MAX_CHANNELS, downmixed to mono) against
 * the n segments. wav may be NULL with len 0: transcript-only input, every
 * audio measure is then SC_PROSODY_ABSENT_NO_AUDIO. segs may be NULL with n 0:
 * the call is then the whole audio and rates are absent. opts may be NULL for
 * the defaults. On success returns 0 and sets *out (the caller frees it with
 * sc_prosody_destroy()). On failure returns SC_PROSODY_EAUDIO, _ESEGMENT or
 * _ENOMEM, leaves *out NULL and writes a lowercase message naming the value
 * that failed into err (errlen bytes, may be 0). Segments may end at most 1 s
 * past the audio's end (they are cut there). Thread-safe except that
 * libsndfile's message for a file it cannot open is kept in a global. */
int sc_prosody_analyze(const void *wav, size_t len, const sc_prosody_segment_t *segs, size_t n,
                       const sc_prosody_opts_t *opts, sc_prosody_t **out, char *err,
                       size_t errlen);

/* Frees *p and sets *p = NULL; accepts NULL and *p == NULL. */
void sc_prosody_destroy(sc_prosody_t **p);

/* The measure's name for reports ("speech rate"), its unit ("st", "" if none);
 * static strings. The rate's unit depends on the options: pass them. */
const char *sc_prosody_measure_name(sc_prosody_measure_t m);
const char *sc_prosody_measure_unit(sc_prosody_measure_t m, sc_prosody_unit_t unit);

/* Why a value is absent, in words ("no speech in the audio"); static string. */
const char *sc_prosody_absence_name(sc_prosody_absence_t a);

/* The change of one measure from one range to another (e.g. two segments). */
typedef struct {
    sc_prosody_measure_t measure;
    double from, to;      /* the two values */
    double change_pct;    /* (to - from) / |from| * 100 */
    int direction;        /* +1 rose, -1 fell, 0 unchanged (|change_pct| < 1) */
} sc_prosody_change_t;

/* Fills *out with the change of measure m from `from` to `to`. Returns 0, or
 * SC_PROSODY_EABSENT when either value is absent (by policy included) or the
 * base value is 0 (a relative change would be made up); *out is then zeroed. */
int sc_prosody_compare(const sc_prosody_measures_t *from, const sc_prosody_measures_t *to,
                       sc_prosody_measure_t m, sc_prosody_change_t *out);

/* Writes the sentence material of a change into buf (len bytes, always
 * terminated when len > 0): "confidence rose 20% when describing results"
 * (context may be NULL or empty: no "when ..." part). Returns the length the
 * full text needs, like snprintf. */
int sc_prosody_describe(const sc_prosody_change_t *c, const char *context, char *buf,
                        size_t len);

#endif
