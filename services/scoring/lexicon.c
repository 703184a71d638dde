/* services/scoring/lexicon.c - the word lists of text analysis, zh and en, by class
 *
 * The lists are data files, services/scoring/lexicon/<list>.txt, compiled
 * into lexicon-tables.h at build time by tools/gen_lexicon.py (which refuses
 * entries that are not in normalised form); this file names them per class.
 * text.c compiles the tables into matchers once per analyzer, star.c and
 * answer.c decide what a match means. Entries are short on purpose: a cue
 * that is also a common word (那个 "that", like) is in the weak class, which
 * counts only in filler positions.
 */
#include "lexicon.h"

#include "lexicon-tables.h"

static const struct {
    const char *name;
    const sc_lex_word_t *words;
    size_t n;
} classes[SC_LEX_NCLASSES] = {
#define CLASS(id, name, tab) [id] = { name, tab, sizeof tab / sizeof tab[0] }
    CLASS(SC_LEX_NEGATION, "negation", lex_negation),
    CLASS(SC_LEX_NOT_NEGATION, "not negation", lex_not_negation),
    CLASS(SC_LEX_CLAUSE_BREAK, "clause break", lex_clause_break),
    CLASS(SC_LEX_SITUATION, "situation", lex_situation),
    CLASS(SC_LEX_TASK, "task", lex_task),
    CLASS(SC_LEX_ACTION, "action verb", lex_action),
    CLASS(SC_LEX_RESULT, "result", lex_result),
    CLASS(SC_LEX_ACTOR, "first-person actor", lex_actor),
    CLASS(SC_LEX_FILLER, "filler", lex_filler),
    CLASS(SC_LEX_FILLER_WEAK, "filler in filler position", lex_filler_weak),
    CLASS(SC_LEX_VAGUE, "vague claim", lex_vague),
#undef CLASS
};

const sc_lex_word_t *sc_lexicon_words(sc_lex_class_t cls, size_t *n)
{
    *n = classes[cls].n;
    return classes[cls].words;
}

const char *sc_lexicon_class_name(sc_lex_class_t cls)
{
    return classes[cls].name;
}
