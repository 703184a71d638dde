/* hf/text.h - the one check of text that people type: characters, not bytes
 *
 * Every field a person fills in (a job title, a candidate's name, a question,
 * a resume, a company's name) passes this check in every service and in the
 * importer, so the same value is refused everywhere with the same code and
 * the same words, and what one screen shows is what another stores.
 *
 * Lengths are counted in characters (Unicode code points): "华星集团" is 4, as
 * the limits in the messages say ("1 to 200 characters"), so 200 Chinese
 * characters fit a 200-character limit and 600 ASCII letters do not. A
 * character followed by combining marks counts each mark.
 *
 * Two kinds of field:
 * - HF_TEXT_LINE, one line: names, titles, codes, cities, departments,
 *   keywords. Besides what free text refuses, tab, CR and LF are refused,
 *   and so are the zero-width characters U+200B (space), U+2060 (word
 *   joiner) and U+FEFF (BOM) anywhere: they make two names that look the
 *   same differ ("张三" and "张\u200b三"), which fools people and searches
 *   alike. They are refused, not trimmed: a value is stored as sent or not
 *   at all, and the caller learns which character was wrong. U+200C and
 *   U+200D (non-joiner, joiner) are part of Persian and Indic spelling and of
 *   emoji sequences, so they pass between two characters that are neither
 *   white space nor zero-width, and are refused at either end or next to
 *   white space, where they only hide.
 * - HF_TEXT_LINES, free text: questions, answers, resumes, descriptions,
 *   reasons. Tab, LF and CR are allowed; zero-width characters too (pasted
 *   documents are full of them, and they reorder nothing).
 * Both refuse, with the code "bad_characters":
 * - control characters: C0 (U+0000..U+001F, but for the three above in free
 *   text), DEL (U+007F) and C1 (U+0080..U+009F);
 * - bidi controls, which reorder what is shown ("invoice\u202Efdp.exe"):
 *   U+202A..U+202E (embeddings, overrides), U+2066..U+2069 (isolates),
 *   U+200E, U+200F and U+061C (marks);
 * - the line and paragraph separators U+2028 and U+2029 (lines break with LF);
 * - other invisible format characters that hide or rewrite text:
 *   U+2061..U+2064, U+206A..U+206F, U+FFF9..U+FFFB, U+1BCA0..U+1BCA3,
 *   U+1D173..U+1D17A;
 * - noncharacters (U+FDD0..U+FDEF and the last two of every plane, U+FFFE,
 *   U+FFFF, ..., U+10FFFF).
 * Text that is not well-formed UTF-8 is "bad_encoding". ICU is not needed:
 * the lists above are all there is, and common/tests/test-text.c checks
 * each of them.
 *
 * A required field (min >= 1) needs a visible character: a value made only
 * of white space (U+0020, U+00A0, U+1680, U+2000..U+200A, U+202F, U+205F,
 * U+3000) and invisible characters (U+00AD, U+034F, U+115F, U+1160, U+17B4,
 * U+17B5, U+180B..U+180F, U+2800, U+3164, U+FFA0, variation selectors and
 * tags, the zero-width ones) is "required", however long. White space at the
 * ends is kept as sent (the importer trims it from every cell, as a
 * spreadsheet's stray spaces are not meant).
 *
 * Codes: "bad_encoding", "bad_characters", "required", "too_short",
 * "too_long"; the messages say what is allowed ("1 to 200 characters",
 * "at most 2000 characters") or which character is wrong and where
 * ("U+202E (bidi control) at character 4 is not allowed").
 *
 * Everything here is pure and thread-safe; nothing allocates.
 */
#ifndef HF_TEXT_H
#define HF_TEXT_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    HF_TEXT_LINE,  /* one line: a name, a title, a code */
    HF_TEXT_LINES, /* free text: tab, LF and CR allowed */
} hf_text_kind_t;

/* What a field accepts: its kind and its length in characters. min 0 is an
 * optional field ("" passes); min >= 1 a required one. */
typedef struct {
    hf_text_kind_t kind;
    uint32_t min, max;
} hf_text_rule_t;

/* max of a field whose limit is in bytes, not characters (a resume, an
 * answer: what an analyser or a parser takes), checked where it is used. */
#define HF_TEXT_UNLIMITED UINT32_MAX

/* The rule of most names: one line of 1 to 200 characters. */
#define HF_TEXT_NAME ((hf_text_rule_t){ HF_TEXT_LINE, 1, 200 })

/* Why a text failed: a static code and a message naming the limit or the
 * character, lowercase, without a final period. */
typedef struct {
    const char *code;
    char message[112];
} hf_text_problem_t;

/* Check the len bytes at s (NULL when len is 0) against rule, in this order:
 * encoding, characters, visibility, length, so the message names the first
 * thing to fix. Returns 0 when the text passes; -EINVAL when not, with
 * *problem filled (when problem is not NULL). */
int hf_text_check(const char *s, size_t len, hf_text_rule_t rule, hf_text_problem_t *problem);

/* The characters (code points) of s[0..len) when it is valid UTF-8, else
 * the count up to the first invalid byte. */
size_t hf_text_chars(const char *s, size_t len);

/* Remove in place, from the NUL-terminated s, every character that a text of
 * this kind refuses (controls, bidi controls, separators, zero-width
 * characters of a line, a joiner out of place), for showing text stored
 * before these rules; invalid UTF-8 is removed byte by byte. Returns s. */
char *hf_text_strip(char *s, hf_text_kind_t kind);

#endif
