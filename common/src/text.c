/* common/src/text.c - the one check of text that people type (hf/text.h)
 *
 * Each code point falls in one class (cls()), from short explicit ranges: the
 * policy is the table of hf/text.h, and each class has the words a message
 * uses. The check walks the text once, remembering the class of the previous
 * character for the joiner rule and peeking at the next one.
 */
#include "hf/text.h"
#include "hf/encoding.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef enum {
    C_VISIBLE,
    C_BLANK,      /* white space: counts, is not visible */
    C_INVISIBLE,  /* allowed but not visible: soft hyphen, fillers, selectors, tags */
    C_JOINER,     /* U+200C, U+200D: in a line, only between two characters */
    C_ZERO_WIDTH, /* U+200B, U+2060, U+FEFF: refused in a line */
    C_BREAK,      /* tab, LF, CR: free text only */
    C_CONTROL,
    C_BIDI,
    C_SEPARATOR,
    C_FORMAT,
    C_NONCHAR,
} cls_t;

typedef struct {
    uint32_t lo, hi;
    cls_t cls;
} range_t;

/* Above U+007F, sorted; everything not listed is visible. */
static const range_t ranges[] = {
    { 0x0080, 0x009F, C_CONTROL },       { 0x00A0, 0x00A0, C_BLANK },
    { 0x00AD, 0x00AD, C_INVISIBLE },     { 0x034F, 0x034F, C_INVISIBLE },
    { 0x061C, 0x061C, C_BIDI },          { 0x115F, 0x1160, C_INVISIBLE },
    { 0x1680, 0x1680, C_BLANK },         { 0x17B4, 0x17B5, C_INVISIBLE },
    { 0x180B, 0x180F, C_INVISIBLE },     { 0x2000, 0x200A, C_BLANK },
    { 0x200B, 0x200B, C_ZERO_WIDTH },    { 0x200C, 0x200D, C_JOINER },
    { 0x200E, 0x200F, C_BIDI },          { 0x2028, 0x2029, C_SEPARATOR },
    { 0x202A, 0x202E, C_BIDI },          { 0x202F, 0x202F, C_BLANK },
    { 0x205F, 0x205F, C_BLANK },         { 0x2060, 0x2060, C_ZERO_WIDTH },
    { 0x2061, 0x2064, C_FORMAT },        { 0x2066, 0x2069, C_BIDI },
    { 0x206A, 0x206F, C_FORMAT },        { 0x2800, 0x2800, C_INVISIBLE },
    { 0x3000, 0x3000, C_BLANK },         { 0x3164, 0x3164, C_INVISIBLE },
    { 0xFDD0, 0xFDEF, C_NONCHAR },       { 0xFE00, 0xFE0F, C_INVISIBLE },
    { 0xFEFF, 0xFEFF, C_ZERO_WIDTH },    { 0xFFA0, 0xFFA0, C_INVISIBLE },
    { 0xFFF9, 0xFFFB, C_FORMAT },        { 0x1BCA0, 0x1BCA3, C_FORMAT },
    { 0x1D173, 0x1D17A, C_FORMAT },      { 0xE0000, 0xE0FFF, C_INVISIBLE },
};

static cls_t cls(uint32_t cp)
{
    if (cp < 0x80) {
        if (cp == '\t' || cp == '\n' || cp == '\r')
            return C_BREAK;
        if (cp < 0x20 || cp == 0x7F)
            return C_CONTROL;
        return cp == ' ' ? C_BLANK : C_VISIBLE;
    }
    if ((cp & 0xFFFE) == 0xFFFE)
        return C_NONCHAR;
    size_t lo = 0, hi = sizeof(ranges) / sizeof(ranges[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < ranges[mid].lo)
            hi = mid;
        else if (cp > ranges[mid].hi)
            lo = mid + 1;
        else
            return ranges[mid].cls;
    }
    return C_VISIBLE;
}

/* What a class is called in a message; NULL when the kind allows it. */
static const char *refused(cls_t c, hf_text_kind_t kind)
{
    switch (c) {
    case C_BREAK:
        return kind == HF_TEXT_LINE ? "line break or tab in a one-line field" : NULL;
    case C_ZERO_WIDTH:
        return kind == HF_TEXT_LINE ? "zero-width character" : NULL;
    case C_CONTROL:
        return "control character";
    case C_BIDI:
        return "bidi control";
    case C_SEPARATOR:
        return "line or paragraph separator";
    case C_FORMAT:
        return "invisible format character";
    case C_NONCHAR:
        return "noncharacter";
    default:
        return NULL;
    }
}

/* Around a joiner: a character that is neither white space nor zero-width. */
static int joinable(cls_t c)
{
    return c != C_BLANK && c != C_JOINER && c != C_ZERO_WIDTH && c != C_BREAK;
}

/* The class of the character at s[i..n), or C_BLANK past the end. */
static cls_t cls_at(const char *s, size_t i, size_t n, int *len)
{
    uint32_t cp = 0;
    *len = i < n ? hf_utf8_decode(s + i, n - i, &cp) : 0;
    return *len > 0 ? cls(cp) : C_BLANK;
}

static int problem(hf_text_problem_t *p, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int problem(hf_text_problem_t *p, const char *code, const char *fmt, ...)
{
    if (p) {
        va_list ap;
        va_start(ap, fmt);
        p->code = code;
        vsnprintf(p->message, sizeof(p->message), fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static int length_problem(hf_text_problem_t *p, const char *code, hf_text_rule_t r,
                          const char *also)
{
    if (r.max == HF_TEXT_UNLIMITED)
        return problem(p, code, "at least %u character%s%s", (unsigned)r.min,
                       r.min == 1 ? "" : "s", also);
    if (r.min == 0)
        return problem(p, code, "at most %u characters", (unsigned)r.max);
    return problem(p, code, "%u to %u characters%s", (unsigned)r.min, (unsigned)r.max, also);
}

int hf_text_check(const char *s, size_t len, hf_text_rule_t rule, hf_text_problem_t *p)
{
    size_t bad = len ? hf_utf8_invalid_at(s, len) : 0;
    if (bad < len)
        return problem(p, "bad_encoding", "invalid UTF-8 at byte %zu", bad);
    size_t chars = 0;
    int visible = 0, w;
    cls_t prev = C_BLANK;
    for (size_t i = 0; i < len; i += (size_t)w, chars++) {
        uint32_t cp;
        w = hf_utf8_decode(s + i, len - i, &cp);
        cls_t c = cls(cp);
        const char *what = refused(c, rule.kind);
        if (what)
            return problem(p, "bad_characters", "U+%04X (%s) at character %zu is not allowed",
                           (unsigned)cp, what, chars + 1);
        if (c == C_JOINER && rule.kind == HF_TEXT_LINE) {
            int nw;
            if (!joinable(prev) || !joinable(cls_at(s, i + (size_t)w, len, &nw)))
                return problem(p, "bad_characters",
                               "U+%04X (zero-width joiner) at character %zu is allowed only "
                               "between two visible characters",
                               (unsigned)cp, chars + 1);
        }
        visible |= c == C_VISIBLE;
        prev = c;
    }
    if (rule.min > 0 && !visible)
        return length_problem(p, "required", rule, chars ? ", not all blank or invisible" : "");
    if (chars < rule.min)
        return length_problem(p, "too_short", rule, "");
    if (chars > rule.max)
        return length_problem(p, "too_long", rule, "");
    return 0;
}

size_t hf_text_chars(const char *s, size_t len)
{
    size_t chars = 0;
    for (size_t i = 0; i < len; chars++) {
        int w = hf_utf8_decode(s + i, len - i, NULL);
        if (w <= 0)
            break;
        i += (size_t)w;
    }
    return chars;
}

/* Move the characters of s[0..n) that a text of this kind keeps down over
 * the others, judging joiners too when joiners is set; returns the new length. */
static size_t compact(char *s, size_t n, hf_text_kind_t kind, int joiners)
{
    size_t out = 0;
    cls_t prev = C_BLANK;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int w = hf_utf8_decode(s + i, n - i, &cp);
        if (w <= 0) {
            i++;
            continue;
        }
        cls_t c = cls(cp);
        int nw, keep = !refused(c, kind);
        if (joiners && c == C_JOINER && kind == HF_TEXT_LINE)
            keep = joinable(prev) && joinable(cls_at(s, i + (size_t)w, n, &nw));
        if (keep) {
            memmove(s + out, s + i, (size_t)w);
            out += (size_t)w;
        }
        prev = c;
        i += (size_t)w;
    }
    s[out] = '\0';
    return out;
}

char *hf_text_strip(char *s, hf_text_kind_t kind)
{
    /* Joiners are judged once everything else refused is gone: removing a
     * joiner never makes a kept one out of place, since a kept joiner's
     * neighbours are not joiners. */
    size_t n = compact(s, strlen(s), kind, 0);
    compact(s, n, kind, 1);
    return s;
}
