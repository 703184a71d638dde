/* services/scoring/lexicon.h - the built-in Chinese and English word lists of text analysis
 *
 * The lists are data, not code: one file per list in services/scoring/lexicon/
 * (<list>.txt, one entry per line, format at the top of each), compiled into
 * the binary at build time by tools/gen_lexicon.py, so docs/scoring-text.md
 * can print them and a recruiter can check why a word counted. Entries are in
 * the normalised form answers are folded to (NFKC, case folding, traditional
 * to simplified; the build refuses others), so "i was responsible" matches
 * "I WAS RESPONSIBLE" and 负责 matches 負責.
 */
#ifndef SC_LEXICON_H
#define SC_LEXICON_H

#include <stddef.h>

/* Word classes. The order is the order of docs/scoring-text.md. */
typedef enum {
    SC_LEX_NEGATION,     /* 没有, 未, 不, never, not: cancel a keyword after them */
    SC_LEX_NOT_NEGATION, /* 不仅, 不断, not only: look like negation, are not */
    SC_LEX_CLAUSE_BREAK, /* 但是, but, however: a negation does not reach past them */
    SC_LEX_SITUATION,    /* 当时, 背景, when, at the time */
    SC_LEX_TASK,         /* 负责, 目标, my goal, I was responsible */
    SC_LEX_ACTION,       /* action verbs: 推动, 设计, implemented, led */
    SC_LEX_RESULT,       /* 结果, 提升, increased, achieved */
    SC_LEX_ACTOR,        /* first person: 我, 我们, I, we */
    SC_LEX_FILLER,       /* always fillers: 嗯, 呃, um, uh */
    SC_LEX_FILLER_WEAK,  /* fillers only when clause-initial, before a comma or repeated:
                            那个, 就是, 然后, like, you know */
    SC_LEX_VAGUE,        /* claims without an example: 擅长, 精通, good at, passionate */
    SC_LEX_NCLASSES
} sc_lex_class_t;

/* A word of a class. whole_token: the word must be a whole ICU word token, not
 * the start of a longer one (不 is negation, 不断 is not). Negation, clause
 * break and result words are also found inside Han words (也没有); the other
 * classes only at word starts (text.c decides). */
typedef struct {
    const char *word;
    int whole_token;
} sc_lex_word_t;

/* The words of a class; *n receives their count. The table is static. */
const sc_lex_word_t *sc_lexicon_words(sc_lex_class_t cls, size_t *n);

/* The class's name as the docs and contributions print it ("negation"). */
const char *sc_lexicon_class_name(sc_lex_class_t cls);

#endif
