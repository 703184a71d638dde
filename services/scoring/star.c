/* services/scoring/star.c - sentence evidence, negation, fillers and STAR parts
 *
 * One lexicon scan collects every cue in text order; the rest are passes
 * over that list and the sentences. Nothing here scores: answer.c turns the
 * evidence into points. The rules are listed in star.h.
 */
#include "star.h"
#include "lexicon.h"

#include <stdlib.h>
#include <string.h>

#define NEGATION_WINDOW 4   /* words between a negation cue and what it negates */

static bool clause_punct(UChar c)
{
    return c == ',' || c == ';' || c == ':' || c == '.' || c == '!' || c == '?'
        || c == 0x3002 /* 。 */ || c == 0xFF1B || c == 0xFF01 || c == 0xFF1F || c == '\n';
}

static bool is_word(const sc_token_t *k)
{
    return k->kind != SC_TOK_SPACE && k->kind != SC_TOK_PUNCT;
}

/* Is there a clause boundary (punctuation or but/但是) between units a and b? */
static bool clause_between(const sc_text_t *t, const sc_evidence_t *ev, uint32_t a, uint32_t b)
{
    for (uint32_t i = a; i < b; i++)
        if (clause_punct(t->norm[i]))
            return true;
    for (size_t i = 0; i < ev->n_cues; i++)
        if (ev->cues[i].tag == SC_LEX_CLAUSE_BREAK && ev->cues[i].start >= a
            && ev->cues[i].end <= b)
            return true;
    return false;
}

static bool is_not_negation(const sc_evidence_t *ev, const sc_match_t *neg)
{
    for (size_t i = 0; i < ev->n_cues; i++)
        if (ev->cues[i].tag == SC_LEX_NOT_NEGATION && ev->cues[i].start <= neg->start
            && ev->cues[i].end > neg->start)
            return true;
    return false;
}

bool sc_evidence_negated(const sc_text_t *t, const sc_evidence_t *ev, uint32_t at,
                         uint32_t tok, sc_span_t *neg)
{
    for (size_t i = ev->n_cues; i-- > 0;) {
        const sc_match_t *m = &ev->cues[i];
        if (m->tag != SC_LEX_NEGATION || m->end > at)
            continue;
        if (t->toks[m->tok].sentence != t->toks[tok].sentence)
            return false;
        uint32_t words = 0;
        for (uint32_t k = m->tok + 1; k < tok; k++)
            words += t->toks[k].end > m->end && is_word(&t->toks[k]);
        if (words > NEGATION_WINDOW || clause_between(t, ev, m->end, at))
            return false;
        if (is_not_negation(ev, m))
            continue;
        if (neg)
            *neg = sc_text_span(t, m->start, m->end);
        return true;
    }
    return false;
}

/* Is there a vague claim earlier in the clause of unit at? */
bool sc_evidence_claimed(const sc_text_t *t, const sc_evidence_t *ev, uint32_t at, uint32_t tok)
{
    for (size_t i = 0; i < ev->n_cues; i++) {
        const sc_match_t *m = &ev->cues[i];
        if (m->tag == SC_LEX_VAGUE && m->end <= at
            && t->toks[m->tok].sentence == t->toks[tok].sentence
            && !clause_between(t, ev, m->end, at))
            return true;
    }
    return false;
}

static bool inside(const uint32_t *skip, size_t nskip, uint32_t a, uint32_t b)
{
    for (size_t i = 0; i < nskip; i++)
        if (a >= skip[2 * i] && b <= skip[2 * i + 1])
            return true;
    return false;
}

static void set_cue(sc_sentence_t *s, sc_feature_t f, sc_span_t span)
{
    if (!s->cue[f].found)
        s->cue[f] = (sc_cue_t){ true, span };
}

static void mark_cues(const sc_text_t *t, sc_evidence_t *ev, const uint32_t *skip, size_t nskip)
{
    for (size_t i = 0; i < ev->n_cues; i++) {
        const sc_match_t *m = &ev->cues[i];
        sc_sentence_t *s = &ev->sentences[t->toks[m->tok].sentence];
        sc_span_t span = sc_text_span(t, m->start, m->end);
        switch (m->tag) {
        case SC_LEX_ACTOR:
            set_cue(s, SC_F_ACTOR, span);
            break;
        case SC_LEX_ACTION:
            if (!inside(skip, nskip, m->start, m->end)
                && !sc_evidence_negated(t, ev, m->start, m->tok, NULL)
                && !sc_evidence_claimed(t, ev, m->start, m->tok))
                set_cue(s, SC_F_ACTION, span);
            break;
        case SC_LEX_RESULT:
            if (!sc_evidence_negated(t, ev, m->start, m->tok, NULL))
                set_cue(s, SC_F_RESULT, span);
            break;
        case SC_LEX_SITUATION:
            set_cue(s, SC_F_SITUATION, span);
            break;
        case SC_LEX_TASK:
            set_cue(s, SC_F_TASK, span);
            break;
        case SC_LEX_VAGUE:
            set_cue(s, SC_F_VAGUE, span);
            break;
        default:
            break;
        }
    }
    for (size_t i = 0; i < ev->n_quantities; i++) {
        const sc_quantity_t *q = &ev->quantities[i];
        uint32_t tok = sc_text_token_at(t, q->nstart);
        sc_sentence_t *s = &ev->sentences[t->toks[tok].sentence];
        set_cue(s, SC_F_QUANTITY, q->span);
        if (sc_quantity_is_result(q) && !s->cue[SC_F_TASK].found) /* not a target */
            set_cue(s, SC_F_RESULT, q->span);
    }
    for (size_t i = 0; i < ev->n_sentences; i++) {
        sc_sentence_t *s = &ev->sentences[i];
        if (!s->cue[SC_F_ACTOR].found && s->cue[SC_F_ACTION].found && i > 0
            && (ev->sentences[i - 1].cue[SC_F_ACTOR].found || ev->sentences[i - 1].actor_carried))
            s->actor_carried = true;
        s->concreteness = (s->cue[SC_F_ACTOR].found || s->actor_carried)
            + s->cue[SC_F_ACTION].found + s->cue[SC_F_RESULT].found;
    }
}

/* The next or previous word token from k (dir +1 / -1), or -1. */
static long neighbour(const sc_text_t *t, uint32_t k, int dir)
{
    for (long i = (long)k + dir; i >= 0 && i < (long)t->ntoks; i += dir)
        if (t->toks[i].kind != SC_TOK_SPACE)
            return i;
    return -1;
}

static bool same_text(const sc_text_t *t, uint32_t a, uint32_t b)
{
    const sc_token_t *x = &t->toks[a], *y = &t->toks[b];
    return x->end - x->start == y->end - y->start
        && !memcmp(t->norm + x->start, t->norm + y->start, (x->end - x->start) * sizeof(UChar));
}

static bool filler_position(const sc_text_t *t, const sc_match_t *m)
{
    long prev = neighbour(t, m->tok, -1);
    if (prev < 0 || t->toks[prev].kind == SC_TOK_PUNCT)
        return true;                        /* clause-initial */
    uint32_t last = sc_text_token_at(t, m->end - 1);
    long next = neighbour(t, last, +1);
    if (next >= 0 && t->toks[next].kind == SC_TOK_PUNCT && t->norm[t->toks[next].start] == ',')
        return true;                        /* 那个，/ like, */
    if (next >= 0 && same_text(t, m->tok, (uint32_t)next))
        return true;                        /* 就是就是 */
    return prev >= 0 && same_text(t, m->tok, (uint32_t)prev);
}

size_t sc_match_from(const sc_match_t *v, size_t n, uint32_t u)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].start < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool sc_evidence_filler_at(const sc_text_t *t, const sc_evidence_t *ev, uint32_t u, bool spoken)
{
    /* the cues are in text order: none that starts before u - filler_reach covers u */
    uint32_t reach = ev->filler_reach;
    for (size_t i = sc_match_from(ev->cues, ev->n_cues, u > reach ? u - reach : 0);
         i < ev->n_cues && ev->cues[i].start <= u; i++) {
        const sc_match_t *m = &ev->cues[i];
        if (u < m->end && (m->tag == SC_LEX_FILLER
                           || (m->tag == SC_LEX_FILLER_WEAK && (!spoken || filler_position(t, m)))))
            return true;
    }
    return false;
}

static int find_fillers(const sc_text_t *t, sc_evidence_t *ev)
{
    ev->fillers = malloc((ev->n_cues ? ev->n_cues : 1) * sizeof *ev->fillers);
    if (!ev->fillers)
        return -1;
    for (size_t i = 0; i < ev->n_cues; i++) {
        const sc_match_t *m = &ev->cues[i];
        if ((m->tag == SC_LEX_FILLER || m->tag == SC_LEX_FILLER_WEAK)
            && m->end - m->start > ev->filler_reach)
            ev->filler_reach = m->end - m->start;
        if (m->tag == SC_LEX_FILLER || (m->tag == SC_LEX_FILLER_WEAK && filler_position(t, m)))
            ev->fillers[ev->n_fillers++] = sc_text_span(t, m->start, m->end);
    }
    return 0;
}

/* One scan for the usual handful of quantities; a second only when there are more. */
static int find_quantities(const sc_text_t *t, sc_evidence_t *ev)
{
    size_t cap = 32;
    ev->quantities = malloc(cap * sizeof *ev->quantities);
    if (!ev->quantities)
        return -1;
    size_t n = sc_quantities_find(t, ev->quantities, cap);
    if (n > cap) {
        sc_quantity_t *q = realloc(ev->quantities, n * sizeof *q);
        if (!q)
            return -1;
        ev->quantities = q;
        sc_quantities_find(t, q, n);
    }
    ev->n_quantities = n;
    return 0;
}

static void find_star(sc_evidence_t *ev)
{
    static const sc_feature_t shows[SC_STAR_N] = {
        [SC_STAR_SITUATION] = SC_F_SITUATION, [SC_STAR_TASK] = SC_F_TASK,
        [SC_STAR_ACTION] = SC_F_ACTION, [SC_STAR_RESULT] = SC_F_RESULT,
    };
    for (int p = 0; p < SC_STAR_N; p++) {
        for (size_t i = 0; i < ev->n_sentences; i++) {
            const sc_sentence_t *s = &ev->sentences[i];
            bool ok = s->cue[shows[p]].found;
            if (p == SC_STAR_ACTION)
                ok = ok && (s->cue[SC_F_ACTOR].found || s->actor_carried);
            if (ok) {
                ev->star[p] = (sc_star_evidence_t){ true, i, s->span, s->cue[shows[p]].span, false };
                break;
            }
        }
    }
}

int sc_evidence_build(const sc_analyzer_t *az, const sc_text_t *t,
                      const uint32_t *skip, size_t nskip, sc_evidence_t *ev)
{
    memset(ev, 0, sizeof *ev);
    sc_matches_t c = { 0 };
    sc_phrases_scan(sc_analyzer_lexicon(az), t, sc_matches_collect, &c);
    ev->cues = c.v;
    ev->n_cues = c.n;
    ev->sentences = calloc(t->nsents ? t->nsents : 1, sizeof *ev->sentences);
    if (c.oom || !ev->sentences || find_quantities(t, ev) < 0 || find_fillers(t, ev) < 0) {
        sc_evidence_free(ev);
        return -1;
    }
    ev->n_sentences = t->nsents;
    for (uint32_t i = 0; i < t->nsents; i++) {
        sc_sentence_t *s = &ev->sentences[i];
        s->nstart = t->sents[i].start;
        s->nend = t->sents[i].end;
        while (s->nend > s->nstart && t->norm[s->nend - 1] == ' ')
            s->nend--;
        while (s->nstart < s->nend && t->norm[s->nstart] == ' ')
            s->nstart++;
        s->span = sc_text_span(t, s->nstart, s->nend);
    }
    for (uint32_t k = 0; k < t->ntoks; k++)
        ev->n_words += is_word(&t->toks[k]);
    mark_cues(t, ev, skip, nskip);
    find_star(ev);
    return 0;
}

void sc_evidence_free(sc_evidence_t *ev)
{
    free(ev->cues);
    free(ev->sentences);
    free(ev->quantities);
    free(ev->fillers);
    memset(ev, 0, sizeof *ev);
}

const char *sc_star_part_name(sc_star_part_t part)
{
    static const char *const names[] = { "situation", "task", "action", "result" };
    return names[part];
}
