/* services/scoring/text.c - normalisation, segmentation and phrase matching with ICU
 *
 * One pass turns the original UTF-8 into normalised UTF-16 while recording,
 * for each output unit, the original bytes it came from; ICU's break
 * iterators then cut words and sentences. Common characters take fast paths
 * (ASCII, the CJK blocks through the traditional->simplified table) so ICU's
 * normaliser only sees the rest (full-width forms, compatibility characters,
 * letters with case): normalising is under a tenth of an answer's cost, ICU's
 * dictionary segmentation of Han text the largest part (about a third;
 * docs/performance.md). Phrase matching (keywords, lexicon cues) starts only
 * at token starts and looks phrases up by their first unit.
 */
#include "text.h"
#include "hf/encoding.h"
#include "lexicon.h"

#include <libstemmer.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

#define T2S_FIRST 0x3400
#define T2S_LAST 0x9FFF

struct sc_analyzer {
    const UNormalizer2 *nfkc_cf;
    UBreakIterator *words;
    struct sb_stemmer *stemmer;   /* Snowball English, not thread-safe: one per analyzer */
    sc_phrases_t *lexicon;
    sc_analyzer_slot_t slot;
};

/* ---- traditional -> simplified table, built once per process ---------- */

static uint16_t t2s[T2S_LAST - T2S_FIRST + 1];
static pthread_once_t t2s_once = PTHREAD_ONCE_INIT;
static UErrorCode t2s_status = U_ZERO_ERROR;

/* Transliterate the whole block at once; where ICU maps a character to one
 * BMP character the output stays aligned with the input, which is checked per
 * chunk. A chunk that loses alignment is done character by character. */
static void t2s_chunk(UTransliterator *tr, UChar32 first, int32_t n)
{
    UChar buf[512];
    UErrorCode e = U_ZERO_ERROR;
    for (int32_t i = 0; i < n; i++)
        buf[i] = (UChar)(first + i);
    int32_t len = n, limit = n;
    utrans_transUChars(tr, buf, &len, (int32_t)(sizeof buf / sizeof buf[0]), 0, &limit, &e);
    if (U_SUCCESS(e) && len == n) {
        for (int32_t i = 0; i < n; i++)
            t2s[first + i - T2S_FIRST] = buf[i];
        return;
    }
    for (int32_t i = 0; i < n; i++) {
        UChar one[8] = { (UChar)(first + i) };
        int32_t l = 1, lim = 1;
        e = U_ZERO_ERROR;
        utrans_transUChars(tr, one, &l, 8, 0, &lim, &e);
        bool same = U_SUCCESS(e) && l == 1 && !U16_IS_SURROGATE(one[0]);
        t2s[first + i - T2S_FIRST] = same ? one[0] : (UChar)(first + i);
    }
}

static void t2s_build(void)
{
    UChar id[] = u"Traditional-Simplified";
    UTransliterator *tr = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &t2s_status);
    if (U_FAILURE(t2s_status))
        return;
    for (UChar32 c = T2S_FIRST; c <= T2S_LAST; c += 256) {
        int32_t n = T2S_LAST + 1 - c < 256 ? T2S_LAST + 1 - c : 256;
        t2s_chunk(tr, c, n);
    }
    utrans_close(tr);
}

/* ---- analyzer ----------------------------------------------------------- */

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Negation and result cues hide inside ICU words (也没有, 有所提升); action
 * verbs are looked for at word starts only, so 设计师 is not 设计. */
static int lexicon_mode(int cls, int whole_token)
{
    if (whole_token)
        return SC_PH_WHOLE;
    bool inner = cls == SC_LEX_NEGATION || cls == SC_LEX_NOT_NEGATION || cls == SC_LEX_RESULT
        || cls == SC_LEX_CLAUSE_BREAK;
    return inner ? SC_PH_INNER : SC_PH_START;
}

static int compile_lexicon(sc_analyzer_t *az, char *err, size_t errlen)
{
    az->lexicon = sc_phrases_new();
    if (!az->lexicon) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    for (int c = 0; c < SC_LEX_NCLASSES; c++) {
        size_t n;
        const sc_lex_word_t *w = sc_lexicon_words((sc_lex_class_t)c, &n);
        for (size_t i = 0; i < n; i++)
            if (sc_phrases_add(az, az->lexicon, w[i].word, c, lexicon_mode(c, w[i].whole_token),
                               err, errlen) < 0)
                return -1;
    }
    return 0;
}

sc_analyzer_t *sc_analyzer_new(char *err, size_t errlen)
{
    pthread_once(&t2s_once, t2s_build);
    if (U_FAILURE(t2s_status)) {
        seterr(err, errlen, "could not open ICU transliterator Traditional-Simplified: %s",
               u_errorName(t2s_status));
        return NULL;
    }
    sc_analyzer_t *az = calloc(1, sizeof *az);
    if (!az) {
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    UErrorCode e = U_ZERO_ERROR;
    az->nfkc_cf = unorm2_getNFKCCasefoldInstance(&e);
    if (U_SUCCESS(e))
        az->words = ubrk_open(UBRK_WORD, "zh", NULL, 0, &e);
    if (U_FAILURE(e)) {
        seterr(err, errlen, "could not open ICU normaliser or word break iterator: %s", u_errorName(e));
        sc_analyzer_destroy(&az);
        return NULL;
    }
    az->stemmer = sb_stemmer_new("english", NULL);
    if (!az->stemmer) {
        seterr(err, errlen, "could not open the Snowball English stemmer");
        sc_analyzer_destroy(&az);
        return NULL;
    }
    if (compile_lexicon(az, err, errlen) < 0) {
        sc_analyzer_destroy(&az);
        return NULL;
    }
    return az;
}

void sc_analyzer_destroy(sc_analyzer_t **azp)
{
    if (!azp || !*azp)
        return;
    sc_analyzer_t *az = *azp;
    if (az->words)
        ubrk_close(az->words);
    sb_stemmer_delete(az->stemmer);
    sc_phrases_destroy(&az->lexicon);
    if (az->slot.p && az->slot.free_fn)
        az->slot.free_fn(az->slot.p);
    free(az);
    *azp = NULL;
}

sc_analyzer_slot_t *sc_analyzer_slot(sc_analyzer_t *az)
{
    return &az->slot;
}

const sc_phrases_t *sc_analyzer_lexicon(const sc_analyzer_t *az)
{
    return az->lexicon;
}

/* ---- UTF-8 decoding ----------------------------------------------------- */

/* The code point at s[i] into *cp; returns its length, 0 when s[i..len) does
 * not begin with a well-formed one (hf_utf8_decode: overlong, surrogate,
 * beyond U+10FFFF, truncated). */
static int next_cp(const unsigned char *s, size_t len, size_t i, UChar32 *cp)
{
    uint32_t u;
    int n = hf_utf8_decode((const char *)s + i, len - i, &u);
    if (n <= 0)
        return 0;
    *cp = (UChar32)u;
    return n;
}

/* ---- normalisation ------------------------------------------------------ */

typedef struct {
    UChar *u;
    uint32_t *os, *oe;
    uint32_t n, cap;
} nbuf_t;

static int nbuf_reserve(nbuf_t *b, uint32_t cap)
{
    UChar *u = realloc(b->u, cap * sizeof *u);
    if (u)
        b->u = u;
    uint32_t *s = realloc(b->os, cap * sizeof *s);
    if (s)
        b->os = s;
    uint32_t *e = realloc(b->oe, cap * sizeof *e);
    if (e)
        b->oe = e;
    if (!u || !s || !e)
        return -1;
    b->cap = cap;
    return 0;
}

static int nbuf_push(nbuf_t *b, UChar c, uint32_t os, uint32_t oe)
{
    if (b->n + 1 >= b->cap && nbuf_reserve(b, b->cap ? b->cap * 2 : 256) < 0)
        return -1;
    b->u[b->n] = c;
    b->os[b->n] = os;
    b->oe[b->n] = oe;
    b->n++;
    return 0;
}

static bool is_han(UChar32 c)
{
    return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF)
        || (c >= 0x20000 && c <= 0x3134F);
}

static UChar fold_han(UChar c)
{
    return c >= T2S_FIRST && c <= T2S_LAST ? t2s[c - T2S_FIRST] : c;
}

static bool is_space(UChar32 c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x3000 || c == 0xA0
        || (c > 0x7F && u_isUWhiteSpace(c));
}

/* Push a code point run [i, j) that ICU must normalise. */
static int push_icu(const sc_analyzer_t *az, nbuf_t *b, const unsigned char *s,
                    size_t i, size_t j)
{
    UChar in[64], out[128];
    int32_t nin = 0;
    UErrorCode e = U_ZERO_ERROR;
    u_strFromUTF8(in, 64, &nin, (const char *)s + i, (int32_t)(j - i), &e);
    if (U_FAILURE(e))
        return -1;
    int32_t nout = unorm2_normalize(az->nfkc_cf, in, nin, out, 128, &e);
    if (U_FAILURE(e)) /* a run longer than any real text produces: keep it */
        return 0;
    for (int32_t k = 0; k < nout; k++)
        if (nbuf_push(b, fold_han(out[k]), (uint32_t)i, (uint32_t)j) < 0)
            return -1;
    return 0;
}

/* Written Cantonese (我喺銅鑼灣做咗三年, 佢哋冇講) has its own function words
 * where Mandarin has 在, 了, 的, 们, 他, 没, 不…; the cue lists are Mandarin,
 * so in a Cantonese answer they are folded to their Mandarin counterparts,
 * one character for one (spans stay aligned). The characters that only
 * Cantonese writes mark the answer: two different ones make it Cantonese,
 * and only then are 唔, 睇, 畀, 俾 and 係 (是, but 關係 stays) folded too. */
/* The Mandarin counterpart of Cantonese character c, 0 when c is none;
 * *marks: only Cantonese writes c. A switch, which the compiler turns into a
 * few comparisons: it runs on every Han character of a Cantonese answer. */
static UChar yue_zh(UChar32 c, bool *marks)
{
    *marks = true;
    switch (c) {
    case 0x5497: return 0x4E86; /* 咗 了 */
    case 0x55BA: return 0x5728; /* 喺 在 */
    case 0x5605: return 0x7684; /* 嘅 的 */
    case 0x54CB: return 0x4EEC; /* 哋 们 */
    case 0x4F62: return 0x4ED6; /* 佢 他 */
    case 0x5187: return 0x6CA1; /* 冇 没 */
    case 0x55F0: return 0x90A3; /* 嗰 那 */
    case 0x5572: return 0x4E9B; /* 啲 些 */
    case 0x569F: return 0x6765; /* 嚟 来 */
    case 0x651E: return 0x62FF; /* 攞 拿 */
    case 0x6435: return 0x627E; /* 搵 找 */
    case 0x8AD7: return 0x60F3; /* 諗 想 */
    default: break;
    }
    *marks = false;
    switch (c) {
    case 0x5514: return 0x4E0D; /* 唔 不 */
    case 0x7747: return 0x770B; /* 睇 看 */
    case 0x7540: return 0x7ED9; /* 畀 给 */
    case 0x4FFE: return 0x7ED9; /* 俾 给 */
    case 0x4FC2: return 0x662F; /* 係 是 */
    default: return 0;
    }
}

#define YUE_LOW_BITS UINT64_C(0x4250004c08008a0)

/* Does the text write Cantonese: two different marking characters? The
 * bytes are read as they are (every marking character is a three-byte
 * sequence with an E4..E8 lead), so an answer without one costs one pass of
 * byte compares. */
static bool cantonese(const unsigned char *s, size_t len)
{
    UChar32 first = 0;
    for (size_t i = 0; i + 2 < len; i++) {
        if (s[i] < 0xE4 || s[i] > 0xE8 || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80)
            continue;
        UChar32 c = ((UChar32)(s[i] & 0x0F) << 12) | ((UChar32)(s[i + 1] & 0x3F) << 6)
            | (s[i + 2] & 0x3F);
        bool marks;
        /* the low six bits of the marking characters: most others stop here */
        if ((YUE_LOW_BITS >> (c & 63) & 1) && yue_zh(c, &marks) && marks) {
            if (first && first != c)
                return true;
            first = c;
        }
        i += 2;
    }
    return false;
}

/* The Mandarin counterpart of Cantonese c, given the character before it
 * (关: 關係 is 关系), else c. */
static UChar32 from_yue(UChar32 c, UChar before)
{
    bool marks;
    UChar zh = yue_zh(c, &marks);
    if (!zh || (c == 0x4FC2 && (before == 0x5173 /* 关 */ || before == 0x8054 /* 联 */)))
        return c;
    return zh;
}

/* The normalisation pass; whitespace runs become one space, dropped between
 * two Han characters. Returns 0, -1 on invalid UTF-8 (*bad = byte offset),
 * -2 when out of memory. */
static int normalize(const sc_analyzer_t *az, const unsigned char *s, size_t len,
                     nbuf_t *b, size_t *bad)
{
    size_t i = 0;
    bool prev_han = false, yue = cantonese(s, len);
    while (i < len) {
        UChar32 c;
        int n = next_cp(s, len, i, &c);
        if (!n) {
            *bad = i;
            return -1;
        }
        if (is_space(c)) {
            size_t j = i + (size_t)n;
            UChar32 d = 0;
            int m = 0;
            while (j < len && (m = next_cp(s, len, j, &d)) && is_space(d))
                j += (size_t)m;
            bool drop = b->n == 0 || j == len || (prev_han && m && is_han(d));
            if (!drop && nbuf_push(b, ' ', (uint32_t)i, (uint32_t)j) < 0)
                return -2;
            prev_han = false;
            i = j;
            continue;
        }
        int r = 0;
        if (c < 0x80) {
            UChar a = (UChar)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            r = nbuf_push(b, a, (uint32_t)i, (uint32_t)(i + 1));
        } else if (c >= T2S_FIRST && c <= T2S_LAST) {
            if (yue)
                c = from_yue(c, b->n ? b->u[b->n - 1] : 0);
            r = nbuf_push(b, fold_han((UChar)c), (uint32_t)i, (uint32_t)(i + 3));
        } else {
            /* the code point and the combining marks that follow it */
            size_t j = i + (size_t)n;
            UChar32 d;
            int m;
            while (j < len && j - i < 60 && (m = next_cp(s, len, j, &d))
                   && !unorm2_hasBoundaryBefore(az->nfkc_cf, d))
                j += (size_t)m;
            r = push_icu(az, b, s, i, j);
            n = (int)(j - i);
        }
        if (r < 0)
            return -2;
        prev_han = is_han(c);
        i += (size_t)n;
    }
    if (nbuf_push(b, 0, (uint32_t)len, (uint32_t)len) < 0) /* the terminator */
        return -2;
    b->n--;
    return 0;
}

/* ---- English stems ------------------------------------------------------ */

/* Longer words are not stemmed (they are not English words). */
#define STEM_MAX 48

/* US spellings to UK before stemming: Snowball's English stemmer keeps
 * organise/organisation and analyse/analysed together but strips -ize to
 * nothing (organize -> organ), so -iz-/-yz- before these endings become
 * -is-/-ys- after at least three letters, and -ysis becomes -yse (analysis
 * -> analyse -> analys). text.h lists what meets and what does not. */
static void fold_spelling(char *w, size_t *n)
{
    static const char *const endings[] = { "ations", "ation", "ing", "ers", "er", "es", "ed", "e" };
    size_t len = *n;
    if (len >= 7 && memcmp(w + len - 4, "ysis", 4) == 0) {
        memcpy(w + len - 4, "yse", 3);
        *n = len - 1;
        return;
    }
    for (size_t i = 0; i < sizeof endings / sizeof *endings; i++) {
        size_t m = strlen(endings[i]);
        if (len < m + 5 || memcmp(w + len - m, endings[i], m) != 0)
            continue;
        char *z = w + len - m - 1;
        if (*z == 'z' && (z[-1] == 'i' || z[-1] == 'y'))
            *z = 's';
        return;
    }
}

/* The stem of the normalised word s[0..n) into out (STEM_MAX bytes); returns
 * its length, 0 when the word is not an English word of 2 to STEM_MAX - 1
 * ASCII letters (or the stemmer is out of memory: then it matches exactly). */
static size_t stem_of(struct sb_stemmer *st, const UChar *s, uint32_t n, char *out)
{
    if (n < 2 || n >= STEM_MAX)
        return 0;
    char w[STEM_MAX];
    for (uint32_t i = 0; i < n; i++) {
        if (s[i] < 'a' || s[i] > 'z')
            return 0;
        w[i] = (char)s[i];
    }
    size_t len = n;
    fold_spelling(w, &len);
    const sb_symbol *r = sb_stemmer_stem(st, (const sb_symbol *)w, (int)len);
    int m = r ? sb_stemmer_length(st) : 0;
    if (m <= 0 || m >= STEM_MAX)
        return 0;
    memcpy(out, r, (size_t)m);
    return (size_t)m;
}

/* The stems of the text's English words (text.h); nothing for a text without
 * alphabetic words, so Chinese answers pay nothing. */
static int stem_tokens(sc_analyzer_t *az, sc_text_t *t)
{
    if (!t->n_latin_words)
        return 0;
    t->stem_at = malloc((t->ntoks + 1) * sizeof *t->stem_at);
    size_t cap = (size_t)t->n_latin_words * 8 + STEM_MAX, used = 0;
    t->stems = malloc(cap);
    if (!t->stem_at || !t->stems)
        return -1;
    for (uint32_t k = 0; k < t->ntoks; k++) {
        t->stem_at[k] = (uint32_t)used;
        const sc_token_t *tok = &t->toks[k];
        if (tok->kind != SC_TOK_LETTER)
            continue;
        if (used + STEM_MAX > cap) {
            char *n = realloc(t->stems, cap * 2);
            if (!n)
                return -1;
            t->stems = n;
            cap *= 2;
        }
        used += stem_of(az->stemmer, t->norm + tok->start, tok->end - tok->start, t->stems + used);
    }
    t->stem_at[t->ntoks] = (uint32_t)used;
    return 0;
}

/* ---- segmentation ------------------------------------------------------- */

static sc_tok_kind_t token_kind(int32_t status, UChar first)
{
    if (status >= UBRK_WORD_IDEO && status < UBRK_WORD_IDEO_LIMIT)
        return SC_TOK_IDEO;
    if (status >= UBRK_WORD_LETTER && status < UBRK_WORD_KANA_LIMIT)
        return SC_TOK_LETTER;
    if (status >= UBRK_WORD_NUMBER && status < UBRK_WORD_NUMBER_LIMIT)
        return SC_TOK_NUMBER;
    return first == ' ' ? SC_TOK_SPACE : SC_TOK_PUNCT;
}

/* Is there a sentence boundary after unit i? ICU's sentence rules look at
 * letter case ("done. then" is one sentence to them), which folding has
 * removed, so sentences end after 。！？!? and newlines, and after a full
 * stop before a space or the end (not inside 2.5). */
static bool sentence_end(const sc_text_t *t, uint32_t i)
{
    UChar c = t->norm[i], n = i + 1 < t->nlen ? t->norm[i + 1] : ' ';
    bool term = c == 0x3002 || c == '!' || c == '?' || c == '\n' || c == 0x2026 || c == 0xFF61
        || (c == '.' && n == ' ');
    return term && n != c && !(n == '.' || n == '!' || n == '?' || n == 0x3002
                               || n == '"' || n == 0x201D || n == ')');
}

static int split_sentences(sc_text_t *t)
{
    uint32_t cap = 0, start = 0, tok = 0;
    for (uint32_t i = 0; i < t->nlen; i++) {
        if (!sentence_end(t, i) && i + 1 < t->nlen)
            continue;
        uint32_t end = i + 1;
        if (t->nsents == cap) {
            cap = cap ? cap * 2 : 16;
            sc_sent_t *n = realloc(t->sents, cap * sizeof *n);
            if (!n)
                return -1;
            t->sents = n;
        }
        sc_sent_t *s = &t->sents[t->nsents];
        s->start = start;
        s->end = end;
        s->tok_first = tok;
        while (tok < t->ntoks && t->toks[tok].start < end)
            t->toks[tok++].sentence = t->nsents;
        s->tok_end = tok;
        t->nsents++;
        start = end;
    }
    return 0;
}

static int segment(sc_analyzer_t *az, sc_text_t *t)
{
    UErrorCode e = U_ZERO_ERROR;
    uint32_t cap = 0;
    ubrk_setText(az->words, t->norm, (int32_t)t->nlen, &e);
    if (U_FAILURE(e))
        return -1;
    for (int32_t p = ubrk_first(az->words), q; (q = ubrk_next(az->words)) != UBRK_DONE; p = q) {
        if (t->ntoks == cap) {
            cap = cap ? cap * 2 : 64;
            sc_token_t *n = realloc(t->toks, cap * sizeof *n);
            if (!n)
                return -1;
            t->toks = n;
        }
        sc_tok_kind_t k = token_kind(ubrk_getRuleStatus(az->words), t->norm[p]);
        t->toks[t->ntoks++] = (sc_token_t){ (uint32_t)p, (uint32_t)q, 0, k };
        if (k == SC_TOK_LETTER)
            t->n_latin_words++;
        if (k == SC_TOK_IDEO)
            for (int32_t i = p; i < q; i++)
                t->n_han += !U16_IS_TRAIL(t->norm[i]);
    }
    return split_sentences(t);
}

static sc_lang_t detect_lang(const sc_text_t *t)
{
    uint32_t h = t->n_han, w = t->n_latin_words;
    if (!h && !w)
        return SC_LANG_NONE;
    if (w * 10 <= h)   /* a few English terms in Chinese speech ("KPI", "SQL") stay zh */
        return SC_LANG_ZH;
    if (h * 10 <= w)
        return SC_LANG_EN;
    return SC_LANG_MIXED;
}

sc_text_t *sc_text_new(sc_analyzer_t *az, const char *utf8, size_t len,
                       char *err, size_t errlen)
{
    if (len > SC_TEXT_MAX_BYTES) {
        seterr(err, errlen, "text is too long: %zu bytes (limit %u)", len, SC_TEXT_MAX_BYTES);
        return NULL;
    }
    sc_text_t *t = calloc(1, sizeof *t);
    if (!t) {
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    t->src = utf8;
    t->len = len;
    nbuf_t b = { 0 };
    size_t bad = 0;
    /* one unit per byte is enough for nearly all text: no reallocation */
    int r = nbuf_reserve(&b, (uint32_t)len + 2) < 0 ? -2
        : normalize(az, (const unsigned char *)utf8, len, &b, &bad);
    t->norm = b.u;
    t->ostart = b.os;
    t->oend = b.oe;
    t->nlen = b.n;
    if (r == -1)
        seterr(err, errlen, "invalid UTF-8 at byte %zu", bad);
    else if (r < 0 || segment(az, t) < 0 || stem_tokens(az, t) < 0) {
        seterr(err, errlen, "out of memory");
        r = -2;
    }
    if (r < 0) {
        sc_text_destroy(&t);
        return NULL;
    }
    t->lang = detect_lang(t);
    return t;
}

void sc_text_destroy(sc_text_t **tp)
{
    if (!tp || !*tp)
        return;
    sc_text_t *t = *tp;
    free(t->norm);
    free(t->ostart);
    free(t->oend);
    free(t->toks);
    free(t->sents);
    free(t->stems);
    free(t->stem_at);
    free(t);
    *tp = NULL;
}

sc_span_t sc_text_span(const sc_text_t *t, uint32_t a, uint32_t b)
{
    if (a >= b || b > t->nlen)
        return (sc_span_t){ 0, 0 };
    return (sc_span_t){ t->ostart[a], t->oend[b - 1] };
}

uint32_t sc_text_token_at(const sc_text_t *t, uint32_t u)
{
    uint32_t lo = 0, hi = t->ntoks;
    while (lo + 1 < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (t->toks[mid].start <= u)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int sc_text_normalize(sc_analyzer_t *az, const char *utf8, char *out, size_t outlen,
                      char *err, size_t errlen)
{
    nbuf_t b = { 0 };
    size_t bad = 0, len = strlen(utf8);
    int r = normalize(az, (const unsigned char *)utf8, len, &b, &bad);
    int32_t n = -1;
    if (r == -1)
        seterr(err, errlen, "invalid UTF-8 at byte %zu", bad);
    else if (r < 0)
        seterr(err, errlen, "out of memory");
    else {
        UErrorCode e = U_ZERO_ERROR;
        u_strToUTF8(out, (int32_t)outlen, &n, b.u, (int32_t)b.n, &e);
        if (e == U_BUFFER_OVERFLOW_ERROR || e == U_STRING_NOT_TERMINATED_WARNING) {
            out[outlen - 1] = '\0';
            n = (int32_t)outlen - 1;
        }
    }
    free(b.u);
    free(b.os);
    free(b.oe);
    return n;
}

const char *sc_lang_name(sc_lang_t lang)
{
    static const char *const names[] = { "none", "zh", "en", "mixed" };
    return names[lang];
}

/* ---- phrases ------------------------------------------------------------ */

typedef struct {
    UChar *s;
    uint32_t len;
    int tag;
    uint32_t id;
    bool whole_token;
    bool inner;
    bool alnum_end;
} phrase_t;

/* Phrases are bucketed by their first two units (a one-unit phrase by its
 * unit): English phrases, which share 26 first letters, then spread as Han
 * ones do. A scan looks in the bucket of the text's two units, then in the
 * one of its unit alone. 4096 buckets keep the lexicons at about one phrase
 * per bucket. */
#define NBUCKETS 4096
/* English stem phrases are bucketed by the stem of their first word. */
#define SBUCKETS 512

_Static_assert(NBUCKETS == 1u << 12, "bucket_of keeps the hash's top 12 bits");

static unsigned bucket_of(UChar a, UChar b)
{
    uint32_t h = ((uint32_t)a << 16 | b) * 2654435761u;
    return h >> (32 - 12); /* 12 bits: NBUCKETS */
}

static unsigned stem_bucket_of(const char *s, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h % SBUCKETS;
}

/* An English phrase by stems: the words' stems joined by single spaces. */
typedef struct {
    char *s;
    uint32_t len;
    int tag;
    uint32_t id;
} stem_phrase_t;

struct sc_phrases {
    phrase_t *v;            /* sorted by bucket, then longest first */
    uint32_t n, cap;
    uint32_t bucket[NBUCKETS + 1];
    stem_phrase_t *sv;      /* SC_PH_STEM phrases, sorted by first letter */
    uint32_t sn, scap;
    uint32_t sbucket[SBUCKETS + 1]; /* sv[sbucket[k] .. sbucket[k + 1]): first stems of bucket k */
    /* a bit per UTF-16 unit that begins a phrase (inner: an SC_PH_INNER one):
     * most places in a text begin none, and the scan passes them by these */
    uint64_t first[65536 / 64], first_inner[65536 / 64];
};

sc_phrases_t *sc_phrases_new(void)
{
    return calloc(1, sizeof(sc_phrases_t));
}

void sc_phrases_destroy(sc_phrases_t **pp)
{
    if (!pp || !*pp)
        return;
    for (uint32_t i = 0; i < (*pp)->n; i++)
        free((*pp)->v[i].s);
    free((*pp)->v);
    for (uint32_t i = 0; i < (*pp)->sn; i++)
        free((*pp)->sv[i].s);
    free((*pp)->sv);
    free(*pp);
    *pp = NULL;
}

static bool ascii_alnum(UChar c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Add the stem form of the normalised phrase u[0..n) when it is English words
 * (text.h); returns 0 (also when it is not), -1 when out of memory. */
static int add_stem_phrase(sc_analyzer_t *az, sc_phrases_t *p, const UChar *u, uint32_t n,
                           int tag, uint32_t id)
{
    char *s = malloc((size_t)n / 2 * STEM_MAX + STEM_MAX), one[STEM_MAX];
    if (!s)
        return -1;
    uint32_t len = 0;
    for (uint32_t a = 0, b; a < n; a = b + 1) {
        for (b = a; b < n && u[b] != ' '; b++)
            ;
        size_t m = stem_of(az->stemmer, u + a, b - a, one);
        if (!m) {
            free(s); /* not English words: exact matching only */
            return 0;
        }
        if (len)
            s[len++] = ' ';
        memcpy(s + len, one, m);
        len += (uint32_t)m;
    }
    if (p->sn == p->scap) {
        uint32_t cap = p->scap ? p->scap * 2 : 32;
        stem_phrase_t *v = realloc(p->sv, cap * sizeof *v);
        if (!v) {
            free(s);
            return -1;
        }
        p->sv = v;
        p->scap = cap;
    }
    const char *sp = memchr(s, ' ', len);
    unsigned k = stem_bucket_of(s, sp ? (size_t)(sp - s) : len);
    uint32_t at = p->sbucket[k + 1];
    memmove(&p->sv[at + 1], &p->sv[at], (p->sn - at) * sizeof *p->sv);
    p->sv[at] = (stem_phrase_t){ s, len, tag, id };
    p->sn++;
    for (unsigned j = k + 1; j <= SBUCKETS; j++)
        p->sbucket[j]++;
    return 0;
}

/* sc_phrases_t's bits of first units: set c's, and ask for it */
static void mark_begins(uint64_t *bits, UChar c)
{
    bits[c / 64] |= 1ull << (c % 64);
}

static inline bool begins(const uint64_t *bits, UChar c)
{
    return bits[c / 64] >> (c % 64) & 1;
}

int sc_phrases_add(sc_analyzer_t *az, sc_phrases_t *p, const char *utf8, int tag,
                   int mode, char *err, size_t errlen)
{
    nbuf_t b = { 0 };
    size_t bad = 0;
    int r = normalize(az, (const unsigned char *)utf8, strlen(utf8), &b, &bad);
    free(b.os);
    free(b.oe);
    if (r < 0 || b.n == 0) {
        free(b.u);
        if (r == -1)
            seterr(err, errlen, "invalid UTF-8 at byte %zu of phrase", bad);
        else
            seterr(err, errlen, r < 0 ? "out of memory" : "phrase is empty: \"%s\"", utf8);
        return -1;
    }
    if (p->n == p->cap) {
        uint32_t cap = p->cap ? p->cap * 2 : 64;
        phrase_t *v = realloc(p->v, cap * sizeof *v);
        if (!v) {
            free(b.u);
            seterr(err, errlen, "out of memory");
            return -1;
        }
        p->v = v;
        p->cap = cap;
    }
    if ((mode & SC_PH_STEM) && add_stem_phrase(az, p, b.u, b.n, tag, p->n) < 0) {
        free(b.u);
        seterr(err, errlen, "out of memory");
        return -1;
    }
    mode &= ~SC_PH_STEM;
    mark_begins(p->first, b.u[0]);
    if (mode == SC_PH_INNER)
        mark_begins(p->first_inner, b.u[0]);
    phrase_t ph = { b.u, b.n, tag, p->n, mode == SC_PH_WHOLE, mode == SC_PH_INNER,
                    ascii_alnum(b.u[b.n - 1]) };
    /* insert at the end of its bucket's entries of the same or greater length */
    unsigned k = bucket_of(b.u[0], b.n > 1 ? b.u[1] : 0);
    uint32_t at = p->bucket[k];
    while (at < p->bucket[k + 1] && p->v[at].len >= ph.len)
        at++;
    memmove(&p->v[at + 1], &p->v[at], (p->n - at) * sizeof *p->v);
    p->v[at] = ph;
    p->n++;
    for (unsigned j = k + 1; j <= NBUCKETS; j++)
        p->bucket[j]++;
    return 0;
}

/* The end of a match of ph at u, or 0 when it does not match there. */
static uint32_t match_at(const sc_text_t *t, const phrase_t *ph, uint32_t u, uint32_t tok)
{
    if (u + ph->len > t->nlen)
        return 0;
    for (uint32_t i = 0; i < ph->len; i++) /* phrases are short: no memcmp call */
        if (t->norm[u + i] != ph->s[i])
            return 0;
    uint32_t end = u + ph->len;
    if (ph->whole_token) {
        uint32_t k = tok;
        while (k < t->ntoks && t->toks[k].end < end)
            k++;
        return k < t->ntoks && t->toks[k].end == end ? end : 0;
    }
    if (!ph->alnum_end || end == t->nlen || !ascii_alnum(t->norm[end]))
        return end;
    static const char *const suffixes[] = { "ing", "ers", "es", "ed", "er", "s", "d" };
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        uint32_t n = (uint32_t)strlen(suffixes[i]), j = 0;
        while (j < n && end + j < t->nlen && t->norm[end + j] == (UChar)suffixes[i][j])
            j++;
        if (j == n && (end + n == t->nlen || !ascii_alnum(t->norm[end + n])))
            return end + n;
    }
    return 0;
}

/* The end of a stem match of sp at token k, or 0 (text.h: word by word, one
 * space between words). */
static uint32_t stem_match_at(const sc_text_t *t, const stem_phrase_t *sp, uint32_t k)
{
    const char *w = sp->s, *end = sp->s + sp->len;
    for (;;) {
        const char *we = memchr(w, ' ', (size_t)(end - w));
        size_t wl = (size_t)((we ? we : end) - w);
        uint32_t a = t->stem_at[k], b = t->stem_at[k + 1];
        if (b - a != wl || memcmp(t->stems + a, w, wl) != 0)
            return 0;
        if (!we)
            return t->toks[k].end;
        const sc_token_t *sp_tok = k + 2 < t->ntoks ? &t->toks[k + 1] : NULL;
        if (!sp_tok || sp_tok->kind != SC_TOK_SPACE || sp_tok->end - sp_tok->start != 1)
            return 0;
        k += 2;
        w = we + 1;
    }
}

/* The matches found at one start, at most one per tag. */
typedef struct {
    sc_match_t v[16];
    unsigned n;
} found_t;

/* Keep m unless its tag has a match here: then a longer m replaces it when
 * longer is set. With 16 tags at one start, further ones are reported at once. */
static void found_add(found_t *f, const sc_match_t *m, bool longer, sc_match_fn fn, void *ud)
{
    for (unsigned j = 0; j < f->n; j++)
        if (f->v[j].tag == m->tag) {
            if (longer && m->end > f->v[j].end)
                f->v[j] = *m;
            return;
        }
    if (f->n < 16)
        f->v[f->n++] = *m;
    else
        fn(ud, m);
}

/* Report the matches starting at unit u of token k; inner: u is inside the token. */
static void scan_at(const sc_phrases_t *p, const sc_text_t *t, uint32_t u, uint32_t k,
                    bool inner, sc_match_fn fn, void *ud)
{
    found_t f;
    f.n = 0;
    /* the two-unit bucket first: its phrases that can match here are longer
     * than the one-unit phrases of the second, so longest first holds */
    unsigned bs[2] = { u + 1 < t->nlen ? bucket_of(t->norm[u], t->norm[u + 1]) : NBUCKETS,
                       bucket_of(t->norm[u], 0) };
    for (int j = 0; j < 2; j++) {
        if (bs[j] == NBUCKETS || (j == 1 && bs[1] == bs[0]))
            continue;
        for (uint32_t i = p->bucket[bs[j]]; i < p->bucket[bs[j] + 1]; i++) {
            const phrase_t *ph = &p->v[i];
            if (inner && !ph->inner)
                continue;
            uint32_t end = match_at(t, ph, u, k);
            if (end) /* longest first: a longer phrase of this tag matched here */
                found_add(&f, &(sc_match_t){ u, end, k, ph->tag, ph->id }, false, fn, ud);
        }
    }
    uint32_t sa = t->stems ? t->stem_at[k] : 0, sb = t->stems ? t->stem_at[k + 1] : 0;
    if (!inner && p->sn && sb > sa && t->toks[k].kind == SC_TOK_LETTER) {
        unsigned sk = stem_bucket_of(t->stems + sa, sb - sa);
        for (uint32_t i = p->sbucket[sk]; i < p->sbucket[sk + 1]; i++) {
            uint32_t end = stem_match_at(t, &p->sv[i], k);
            if (end)
                found_add(&f, &(sc_match_t){ u, end, k, p->sv[i].tag, p->sv[i].id }, true, fn, ud);
        }
    }
    for (unsigned j = 0; j < f.n; j++)
        fn(ud, &f.v[j]);
}

void sc_matches_collect(void *ud, const sc_match_t *m)
{
    sc_matches_t *c = ud;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        sc_match_t *v = realloc(c->v, cap * sizeof *v);
        if (!v) {
            c->oom = true;
            return;
        }
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = *m;
}

void sc_phrases_scan(const sc_phrases_t *p, const sc_text_t *t, sc_match_fn fn, void *ud)
{
    for (uint32_t k = 0; k < t->ntoks; k++) {
        const sc_token_t *tok = &t->toks[k];
        if (tok->kind == SC_TOK_SPACE)
            continue;
        /* a stem phrase may begin at any word: its first unit is the stem's */
        if (begins(p->first, t->norm[tok->start]) || (p->sn && tok->kind == SC_TOK_LETTER))
            scan_at(p, t, tok->start, k, false, fn, ud);
        if (tok->kind == SC_TOK_IDEO)
            for (uint32_t u = tok->start + 1; u < tok->end; u++)
                if (begins(p->first_inner, t->norm[u]))
                    scan_at(p, t, u, k, true, fn, ud);
    }
}
