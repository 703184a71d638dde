/* services/scoring/text.h - normalised, segmented answer text with a way back to the original bytes
 *
 * Every measure of an answer (keywords, STAR, quantities, fillers) works on
 * one normalised form of the text: NFKC with case folding (full-width ２５％
 * becomes 25%, "Data" becomes "data"), traditional Chinese folded to
 * simplified (數據 -> 数据), whitespace runs folded to one space and spaces
 * between two Han characters dropped (ASR transcripts put them there). The
 * normalised text is segmented into words with ICU's word break iterator
 * (dictionary-based for Han) and into sentences at 。！？!? and full stops
 * (ICU's sentence iterator needs letter case, which folding removed).
 * Each normalised UTF-16 unit remembers the byte span of the original UTF-8
 * it came from, so every finding is reported as byte offsets into the text
 * the candidate said (sc_text_span).
 *
 * ICU objects are costly to open and not thread-safe, so they live in an
 * sc_analyzer_t: open one per thread and reuse it for every answer. The
 * traditional->simplified mapping is built once per process from ICU's
 * "Traditional-Simplified" transliterator as a table over the CJK blocks
 * U+3400..U+9FFF (character by character; ICU's rules for these blocks are
 * character mappings, and a table keeps the byte mapping exact and fast).
 *
 * How to call it:
 *
 *     char err[128];
 *     sc_analyzer_t *az = sc_analyzer_new(err, sizeof err);   // once per thread
 *     sc_text_t *t = sc_text_new(az, answer, strlen(answer), err, sizeof err);
 *     if (!t) log("%s", err);          // "invalid UTF-8 at byte 17"
 *     for (uint32_t i = 0; i < t->ntoks; i++) ...   // words, read-only
 *     sc_text_destroy(&t);
 *     sc_analyzer_destroy(&az);
 *
 * star.c, quantity.c and answer.c build on this; lexicon.c holds the word lists.
 */
#ifndef SC_TEXT_H
#define SC_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <unicode/utypes.h>

/* The largest answer accepted, in bytes of UTF-8 (about 20 000 Chinese
 * characters, over an hour of speech). Longer input is refused, not cut. */
#define SC_TEXT_MAX_BYTES 65536u

/* A byte range [start, end) of the original UTF-8 text. */
typedef struct {
    size_t start, end;
} sc_span_t;

typedef enum {
    SC_LANG_NONE,   /* no letters at all */
    SC_LANG_ZH,
    SC_LANG_EN,
    SC_LANG_MIXED,
} sc_lang_t;

typedef enum {
    SC_TOK_SPACE,
    SC_TOK_PUNCT,
    SC_TOK_NUMBER,
    SC_TOK_LETTER,  /* Latin and other alphabetic words */
    SC_TOK_IDEO,    /* Han words (one or more characters) */
} sc_tok_kind_t;

/* A word: [start, end) in normalised UTF-16 units. */
typedef struct {
    uint32_t start, end;
    uint32_t sentence;      /* index into sents */
    sc_tok_kind_t kind;
} sc_token_t;

/* A sentence: [start, end) in normalised units, tokens [tok_first, tok_end). */
typedef struct {
    uint32_t start, end;
    uint32_t tok_first, tok_end;
} sc_sent_t;

/* Read-only to callers; built by sc_text_new. */
typedef struct sc_text {
    const char *src;        /* the original, borrowed: must outlive the text */
    size_t len;
    UChar *norm;            /* normalised text, nlen units, NUL-terminated */
    uint32_t nlen;
    uint32_t *ostart;       /* ostart[i], oend[i]: original bytes of norm[i] */
    uint32_t *oend;
    sc_token_t *toks;
    uint32_t ntoks;
    sc_sent_t *sents;
    uint32_t nsents;
    sc_lang_t lang;
    uint32_t n_han;         /* Han characters */
    uint32_t n_latin_words; /* alphabetic words */
    /* English stems (see sc_phrases_add's SC_PH_STEM): the stem of token k is
     * stems[stem_at[k] .. stem_at[k + 1]), empty for a token that is not an
     * English word; both NULL when the text has no alphabetic word. */
    char *stems;
    uint32_t *stem_at;
} sc_text_t;

typedef struct sc_analyzer sc_analyzer_t;

/* Open the per-thread ICU objects (normaliser, word break iterator), the
 * English stemmer (Snowball) and the lexicon matcher. Returns NULL with a
 * reason in err when ICU or its data is missing. Not thread-safe: one per
 * thread. */
sc_analyzer_t *sc_analyzer_new(char *err, size_t errlen);

/* Close; accepts NULL and *az == NULL, sets *az to NULL. */
void sc_analyzer_destroy(sc_analyzer_t **az);

/* Room in an analyzer for its callers' own per-thread state (answer.c keeps
 * the analyses of recent questions there): whoever fills p sets free_fn,
 * which the analyzer calls on p when it is destroyed. */
typedef struct {
    void *p;
    void (*free_fn)(void *p);
} sc_analyzer_slot_t;
sc_analyzer_slot_t *sc_analyzer_slot(sc_analyzer_t *az);

/* Normalise and segment len bytes of UTF-8 (not necessarily NUL-terminated;
 * the bytes are borrowed and must outlive the text). Returns NULL with a
 * reason in err: "invalid UTF-8 at byte N", "text is too long: N bytes
 * (limit 65536)", "out of memory". Empty input gives a text with no tokens.
 * Free with sc_text_destroy. */
sc_text_t *sc_text_new(sc_analyzer_t *az, const char *utf8, size_t len,
                       char *err, size_t errlen);

/* Free; accepts NULL and *t == NULL, sets *t to NULL. */
void sc_text_destroy(sc_text_t **t);

/* The original bytes behind normalised units [a, b), a < b <= nlen. */
sc_span_t sc_text_span(const sc_text_t *t, uint32_t a, uint32_t b);

/* The index of the token that contains normalised unit u (u < nlen). */
uint32_t sc_text_token_at(const sc_text_t *t, uint32_t u);

/* Normalise NUL-terminated UTF-8 the way answers are normalised and return it
 * as UTF-8 in out (NUL-terminated, cut at outlen). Returns the length written,
 * or -1 with err set on invalid input. For keywords, tests and docs. */
int sc_text_normalize(sc_analyzer_t *az, const char *utf8, char *out, size_t outlen,
                      char *err, size_t errlen);

/* The language name as reports print it: "zh", "en", "mixed", "none". */
const char *sc_lang_name(sc_lang_t lang);

/* ---- phrase matching ----------------------------------------------------
 * A set of phrases (keywords with synonyms, lexicon cues), each with a tag.
 * A phrase matches at the start of a word token; an ASCII-alphanumeric end
 * must end a word ("data" does not match "database"), but may take a plural or
 * tense suffix (s, es, d, ed, ing, er, ers) which the match then includes.
 * A whole-token phrase must cover whole tokens (不 matches 不, not 不断).
 * An inner phrase may also start inside a Han word: ICU keeps 也没有 and
 * 团队协作 as one word, and 没有, 协作 must still be found there.
 *
 * With SC_PH_STEM added to the mode, an English phrase (words of ASCII
 * letters separated by single spaces, after normalisation) also matches
 * word by word on stems: each text word's stem must equal the phrase word's,
 * with one space between words, so "data analysis" matches "Data analyses"
 * and "launch" matches "launched". Stems are Snowball's English (Porter2)
 * stems after one spelling fold: -iz-/-yz- before e, ed, es, ing, er, ers,
 * ation, ations become -is-/-ys- (after at least three letters), and a final
 * -ysis becomes -yse; so analysis, analyses, analysed, analyzing, analyse
 * meet (analys), as do organize/organisation, but analyst and analytics
 * (other stems) do not. Chinese and other words are matched as before. */

typedef enum {
    SC_PH_START = 0,   /* starts at a word start */
    SC_PH_WHOLE = 1,   /* covers whole words */
    SC_PH_INNER = 2,   /* may start inside a Han word */
    SC_PH_STEM = 4,    /* added to a mode: English words also match on stems */
} sc_ph_mode_t;

typedef struct sc_phrases sc_phrases_t;

typedef struct {
    uint32_t start, end;    /* normalised units */
    uint32_t tok;           /* token where the match starts */
    int tag;
    uint32_t phrase;        /* index of the phrase in the set, in adding order */
} sc_match_t;

/* An empty set; NULL when out of memory. Free with sc_phrases_destroy. */
sc_phrases_t *sc_phrases_new(void);
void sc_phrases_destroy(sc_phrases_t **p);

/* Normalise utf8 and add it with tag and mode (sc_ph_mode_t). Returns 0, or -1 with err set (invalid
 * UTF-8, empty after normalisation, out of memory). */
int sc_phrases_add(sc_analyzer_t *az, sc_phrases_t *p, const char *utf8, int tag,
                   int mode, char *err, size_t errlen);

/* Call fn for every match in text order; at one start, only the longest
 * phrase of each tag is reported (of phrases matching exactly, the longest
 * phrase; a longer stem match replaces it). */
typedef void (*sc_match_fn)(void *ud, const sc_match_t *m);
void sc_phrases_scan(const sc_phrases_t *p, const sc_text_t *t, sc_match_fn fn, void *ud);

/* Matches kept in text order: pass sc_matches_collect as the sc_match_fn
 * and a zeroed sc_matches_t as ud. oom is set when a match could not be
 * kept (the list is then incomplete). The caller frees v with free(). */
typedef struct {
    sc_match_t *v;
    size_t n, cap;
    bool oom;
} sc_matches_t;
void sc_matches_collect(void *ud, const sc_match_t *m);

/* The lexicon (lexicon.h) compiled by the analyzer: tags are sc_lex_class_t. */
const sc_phrases_t *sc_analyzer_lexicon(const sc_analyzer_t *az);

#endif
