/* services/scoring/star.h - sentence evidence and STAR detection of one answer
 *
 * Runs the lexicon (lexicon.h) over a normalised text (text.h) and records,
 * per sentence, who acted (first-person actor), what they did (action verb),
 * what came of it (result cue or quantity), the situation and task cues and
 * vague claims, each with its span in the original text. From these it takes
 * cue-only STAR parts (the first sentence that shows each part; evidence.c
 * decides the parts an answer reports from these cues and the speaker's
 * evidence), the fillers and the negation test that answer.c applies to keywords.
 *
 * Rules (docs/scoring-text.md lists them for recruiters):
 *  - an action counts with a first-person actor in the same sentence, or in
 *    the previous one when the subject is dropped (我负责增长。推动了…);
 *  - an action verb does not count when negated (我没有推动), when a vague
 *    claim precedes it in the same clause (我擅长数据分析), or when it lies
 *    inside a competency keyword (the 分析 of 数据分析 is an object, not a deed);
 *  - a result is a result cue that is not negated, or a quantity that is a
 *    percentage, multiple or amount of money (sc_quantity_is_result) outside
 *    a sentence that states the task (目标是提升到40% is a target);
 *  - a negation cue (没有, not, never) negates what follows it in the same
 *    clause (no , ; 。 or but/但是 between) within 4 words, unless it is part
 *    of a not-negation (不仅, not only);
 *  - 嗯/um always count as fillers; 那个/就是/然后/like/you know only when
 *    clause-initial, before a comma or repeated.
 */
#ifndef SC_STAR_H
#define SC_STAR_H

#include <stdbool.h>
#include "quantity.h"
#include "text.h"

typedef enum {
    SC_F_ACTOR,
    SC_F_ACTION,
    SC_F_RESULT,      /* result cue or result quantity */
    SC_F_SITUATION,
    SC_F_TASK,
    SC_F_VAGUE,
    SC_F_QUANTITY,
    SC_F_N
} sc_feature_t;

typedef struct {
    bool found;
    sc_span_t span;   /* first occurrence in the sentence, original bytes */
} sc_cue_t;

typedef struct {
    sc_span_t span;           /* the sentence, original bytes */
    uint32_t nstart, nend;    /* normalised units */
    sc_cue_t cue[SC_F_N];
    bool actor_carried;       /* actor taken from the previous sentence */
    int concreteness;         /* actor + action + outcome present: 0..3 */
} sc_sentence_t;

typedef enum {
    SC_STAR_SITUATION,
    SC_STAR_TASK,
    SC_STAR_ACTION,
    SC_STAR_RESULT,
    SC_STAR_N
} sc_star_part_t;

typedef struct {
    bool present;
    size_t sentence;          /* index into sentences */
    sc_span_t sentence_span;  /* the whole sentence */
    sc_span_t cue;            /* the word or quantity that shows the part */
    bool borrowed;            /* result only: it rests on an outcome the speaker did not
                               * drive (the company's, the centre's); the story's R part,
                               * which earns no points (rating guide, section 1) */
} sc_star_evidence_t;

/* Does the part earn points? Present, and for the result not borrowed. */
static inline bool sc_star_earns(const sc_star_evidence_t *e)
{
    return e->present && !e->borrowed;
}

/* Everything star.c finds in one text; arrays are malloc'd, free with sc_evidence_free. */
typedef struct {
    sc_match_t *cues;         /* lexicon matches, tag = sc_lex_class_t, text order */
    size_t n_cues;
    sc_sentence_t *sentences;
    size_t n_sentences;
    sc_quantity_t *quantities;
    size_t n_quantities;
    sc_span_t *fillers;
    size_t n_fillers;
    uint32_t filler_reach;    /* the longest filler cue, in normalised units */
    size_t n_words;           /* word tokens (not spaces or punctuation) */
    sc_star_evidence_t star[SC_STAR_N]; /* cue-only parts; answers report sc_ev_t.star */
} sc_evidence_t;

/* Build the evidence of t. skip[0..nskip) are ranges in normalised units
 * ([2i], [2i+1]) of competency keywords; action verbs inside them do not
 * count. Returns 0, or -1 when out of memory (ev is then empty). */
int sc_evidence_build(const sc_analyzer_t *az, const sc_text_t *t,
                      const uint32_t *skip, size_t nskip, sc_evidence_t *ev);

/* Free the arrays of ev and zero it; accepts an already freed ev. */
void sc_evidence_free(sc_evidence_t *ev);

/* Is the word starting at normalised unit at (token tok) negated? When it is
 * and neg is not NULL, *neg receives the negation cue's span. */
bool sc_evidence_negated(const sc_text_t *t, const sc_evidence_t *ev, uint32_t at,
                         uint32_t tok, sc_span_t *neg);

/* The index of the first of the n matches v (in text order) that starts at or
 * after normalised unit u, by binary search; n when none does. */
size_t sc_match_from(const sc_match_t *v, size_t n, uint32_t u);

/* Is normalised unit u inside a filler cue (嗯, 就是, um, 对了)? With spoken,
 * only a filler the speaker says as one: a plain filler, or a weak one in filler
 * position (clause-initial, before a comma, repeated: "对了，", not 对了一遍). */
bool sc_evidence_filler_at(const sc_text_t *t, const sc_evidence_t *ev, uint32_t u, bool spoken);

/* Does a vague claim (擅长, good at) precede unit at in its clause? */
bool sc_evidence_claimed(const sc_text_t *t, const sc_evidence_t *ev, uint32_t at, uint32_t tok);

/* The part's name: "situation", "task", "action", "result". */
const char *sc_star_part_name(sc_star_part_t part);

#endif
