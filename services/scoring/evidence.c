/* services/scoring/evidence.c - ownership, first-person actions, obstacles, outcomes and flags
 *
 * One scan of the evidence cues (lexicon/evidence_*.txt, compiled into
 * evidence_cues.h at build time) over the analysed text; the rest are passes
 * over clauses (a sentence cut at , ; :) in text order. The rules are in
 * evidence.h. Nothing here scores: the features of calibrate.c read it.
 */
#include "evidence.h"
#include "evidence_cues.h"
#include "lexicon.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ustring.h>

struct sc_ev_cues {
    sc_phrases_t *phrases;   /* tag = EVC_* class * 256 + index of the size entry (size class) */
};

#define TAG(cls, i) ((cls) * 256 + (int)(i))
#define TAG_CLASS(tag) ((tag) / 256)
#define TAG_INDEX(tag) ((tag) % 256)

/* English verbs and pronouns are whole words whatever the file says. */
static int cue_mode(int cls, int mode)
{
    if (cls == EVC_PAST_EN || cls == EVC_NOT_PAST_EN || cls == EVC_ASPECT_NOT
        || cls == EVC_PAST_LIKE_PRESENT)
        return SC_PH_WHOLE;
    return mode;
}

sc_ev_cues_t *sc_ev_cues_new(sc_analyzer_t *az, char *err, size_t errlen)
{
    sc_ev_cues_t *c = calloc(1, sizeof *c);
    if (!c || !(c->phrases = sc_phrases_new())) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        sc_ev_cues_destroy(&c);
        return NULL;
    }
    for (int cls = 0; cls < EVC_N; cls++)
        for (size_t i = 0; i < ev_classes[cls].n; i++) {
            const ev_cue_src_t *e = &ev_classes[cls].v[i];
            if (sc_phrases_add(az, c->phrases, e->phrase, TAG(cls, i < 256 ? i : 255),
                               cue_mode(cls, e->mode), err, errlen) < 0) {
                sc_ev_cues_destroy(&c);
                return NULL;
            }
        }
    return c;
}

void sc_ev_cues_destroy(sc_ev_cues_t **cp)
{
    if (!cp || !*cp)
        return;
    sc_phrases_destroy(&(*cp)->phrases);
    free(*cp);
    *cp = NULL;
}

/* ---- one analysis ---- */

typedef enum { SUBJ_NONE, SUBJ_SELF, SUBJ_TEAM, SUBJ_OTHER } subject_t;

typedef struct {
    uint32_t start, end;      /* normalised units */
    uint32_t sentence;
    subject_t subject;        /* stated or carried */
    bool stated;              /* the subject is named in the clause */
    bool past;                /* a past or completed verb after the subject */
    uint32_t verb_start, verb_end;
    uint32_t hedge;           /* 1 + the unit of its first hedge (maybe, 可能), 0 when none */
    bool assist;              /* holds an assistance word (helped, 帮忙) */
    bool action, team;        /* counted as the speaker's / the team's deed */
} clause_t;

typedef struct {
    const sc_text_t *t;
    const sc_evidence_t *ev;
    sc_matches_t m;           /* evidence cues in text order */
    uint32_t reach;           /* the longest cue, in units */
    clause_t *cl;
    size_t ncl;
    bool *hyp;                /* per sentence: a plan */
    uint32_t *target;         /* per sentence: 1 + the unit of its first goal cue, 0 when none */
    bool *disown;             /* per sentence: the speaker disowns it */
    bool *habit;              /* per sentence: a habit or pastime (平时, in my spare time) */
    bool past_story;          /* the answer tells a past occasion: an opener or a 了 deed */
    bool present_story;       /* English told in the historical present: an occasion
                               * opener and no verb in the past anywhere */
    const uint32_t *kw;       /* competency keyword ranges, as sc_ev_analyze takes them */
    size_t nkw;
    const uint32_t *topic;    /* ranges that speak of the question's subject */
    size_t ntopic;
    sc_ev_t *out;
    const sc_match_t *lent_change; /* the first change told that is not the speaker's */
    bool oom;
} run_t;

static bool clause_punct(UChar c)
{
    return c == ',' || c == ';' || c == ':' || c == 0xFF0C || c == 0xFF1B || c == 0xFF1A
        || c == 0x3001 /* 、 */ || c == 0x2014 /* — */;
}

static void push(run_t *r, sc_ev_kind_t kind, uint32_t sentence, sc_span_t span,
                 sc_span_t clause, int dir, double size, sc_span_t size_span)
{
    sc_ev_t *o = r->out;
    if (o->n_items % 16 == 0) {
        sc_ev_item_t *v = realloc(o->items, (o->n_items + 16) * sizeof *v);
        if (!v) {
            r->oom = true;
            return;
        }
        o->items = v;
    }
    o->items[o->n_items++] = (sc_ev_item_t){ kind, sentence, span, clause, dir, size, size_span };
    o->count[kind]++;
}

static sc_span_t span_of(const run_t *r, uint32_t a, uint32_t b)
{
    return sc_text_span(r->t, a, b);
}

/* Clauses: sentences cut at clause punctuation. */
static int split_clauses(run_t *r)
{
    const sc_text_t *t = r->t;
    r->cl = malloc((t->ntoks + t->nsents + 1) * sizeof *r->cl);
    if (!r->cl)
        return -1;
    for (uint32_t s = 0; s < t->nsents; s++) {
        uint32_t a = t->sents[s].start;
        for (uint32_t k = t->sents[s].tok_first; k <= t->sents[s].tok_end; k++) {
            bool last = k == t->sents[s].tok_end;
            if (!last && !(t->toks[k].kind == SC_TOK_PUNCT && clause_punct(t->norm[t->toks[k].start])))
                continue;
            uint32_t b = last ? t->sents[s].end : t->toks[k].start;
            if (b > a)
                r->cl[r->ncl++] = (clause_t){ .start = a, .end = b, .sentence = s };
            if (!last)
                a = t->toks[k].end;
        }
    }
    return 0;
}

static bool in_clause(const clause_t *c, const sc_match_t *m)
{
    return m->start >= c->start && m->start < c->end;
}

/* The first cue that starts at or after unit u (sc_match_from): every scan
 * over a clause, a sentence or a position starts there, so an answer is read
 * in about linear time, not once per clause from its beginning (a 64 KB
 * resume has thousands). */
static size_t cue_from(const run_t *r, uint32_t u)
{
    return sc_match_from(r->m.v, r->m.n, u);
}

/* The first cue that may still reach unit u: none longer than r->reach
 * units starts before u - reach. */
static size_t cue_reaching(const run_t *r, uint32_t u)
{
    return cue_from(r, u > r->reach ? u - r->reach : 0);
}

static bool is_class(const sc_match_t *m, int cls)
{
    return TAG_CLASS(m->tag) == cls;
}

/* Is there a match of cls at [start, ...) overlapping unit u? */
static bool covered(const run_t *r, int cls, uint32_t u)
{
    for (size_t i = cue_reaching(r, u); i < r->m.n && r->m.v[i].start <= u; i++)
        if (is_class(&r->m.v[i], cls) && r->m.v[i].end > u)
            return true;
    return false;
}

/* A past or completed verb in [from, c->end): -ed or an irregular past
 * (English), 了/过 ending a word or a deed marker (Chinese), or an action
 * verb of the lexicon. Sets c->verb_*. */
static void take_verb(clause_t *c, uint32_t a, uint32_t b)
{
    if (!c->past || a < c->verb_start) {
        c->past = true;
        c->verb_start = a;
        c->verb_end = b;
    }
}

/* Is token k the word w (normalised, lower case)? */
static bool word_is(const sc_text_t *t, uint32_t k, const UChar *w)
{
    const sc_token_t *tk = &t->toks[k];
    uint32_t n = tk->end - tk->start;
    return tk->kind == SC_TOK_LETTER && n == (uint32_t)u_strlen(w)
        && u_strncmp(t->norm + tk->start, w, (int32_t)n) == 0;
}

/* Does the word at token k follow have / has / 've ("I've managed",
 * "I have never run") or a form of be ("is calculated", "I'm Oracle
 * certified")? A perfect states
 * experience and a passive someone else's deed, not the speaker's deed in
 * the occasion told. One adverb may stand between. */
static bool perfect(const sc_text_t *t, uint32_t k)
{
    static const UChar *const aux[] = { u"have", u"has", u"i've", u"we've", u"ve", u"is",
                                        u"are", u"was", u"were", u"be", u"been", u"being",
                                        u"am", u"i'm" };
    for (int back = 0, words = 0; k > 0 && words < 2; back++) {
        const sc_token_t *p = &t->toks[--k];
        if (p->kind == SC_TOK_SPACE)
            continue;
        if (p->kind != SC_TOK_LETTER)
            return false;
        words++;
        for (size_t i = 0; i < sizeof aux / sizeof *aux; i++)
            if (word_is(t, k, aux[i]))
                return true;
    }
    return false;
}

/* Does the 了 at unit u close or open a length of time (做销售八年了, 挺久了,
 * 做了两年的分拣员, 已经一周了, 做了一段时间保险)? That is a stint or a state,
 * not a deed. */
static bool duration(const sc_text_t *t, uint32_t u)
{
    static const UChar units[] = u"年月天周";
    static const UChar nums[] = u"一二两三四五六七八九十几半多0123456789";
    /* 年了, and a while (关注你们挺久了, 好久了) */
    if (u > 0 && (u_strchr(units, t->norm[u - 1]) || t->norm[u - 1] == 0x4E45 /* 久 */))
        return true;
    /* a number, then 个 and 多 or 半 at most (做了两年, 一个月, 三个多月, 一个半月;
     * not 做了一个五年成本的对比表, where 个 counts the thing made) */
    uint32_t i = u + 1;
    bool ge = false;
    while (i < t->nlen && i < u + 6) {
        UChar ch = t->norm[i];
        if (ge ? ch == 0x591A /* 多 */ || ch == 0x534A /* 半 */ : u_strchr(nums, ch) != NULL)
            i++;
        else if (ch == 0x4E2A /* 个 */ && !ge && i > u + 1) {
            ge = true;
            i++;
        } else
            break;
    }
    if (i > u + 1 && i < t->nlen && u_strchr(units, t->norm[i]))
        return true;
    /* a stint with no number: 做了一段时间保险, 干了一阵子 */
    static const UChar *const spans[] = { u"一段时间", u"一阵", u"好几年", u"好些年" };
    for (size_t k = 0; k < sizeof spans / sizeof *spans; k++) {
        uint32_t n = (uint32_t)u_strlen(spans[k]);
        if (u + 1 + n <= t->nlen && !u_memcmp(t->norm + u + 1, spans[k], (int32_t)n))
            return true;
    }
    return false;
}

/* Is [a, b) inside a competency keyword (the 分析 of 数据分析 is an object)? */
static bool in_keyword(const run_t *r, uint32_t a, uint32_t b)
{
    for (size_t i = 0; i < r->nkw; i++)
        if (a >= r->kw[2 * i] && b <= r->kw[2 * i + 1])
            return true;
    return false;
}

/* Is [a, b) inside an item of a list cut by 、 (深呼吸、正向思维、及时复盘;
 * 人员调配、优先级排序): a 、 ends the item before it or after it, within
 * eight units and no other punctuation between? Such an item names a thing,
 * it tells no deed. */
static bool in_enumeration(const sc_text_t *t, uint32_t a, uint32_t b)
{
    for (uint32_t u = a; u-- > 0 && a - u <= 8;) {
        if (t->norm[u] == 0x3001 /* 、 */)
            return true;
        if (u_ispunct(t->norm[u]))
            break;
    }
    for (uint32_t u = b; u < t->nlen && u - b < 8; u++) {
        if (t->norm[u] == 0x3001)
            return true;
        if (u_ispunct(t->norm[u]))
            break;
    }
    return false;
}

/* Does a person cue (I, 我们, 他们, 客户, my, 我的) start at unit u? */
static bool person_at(const run_t *r, uint32_t u)
{
    for (size_t i = cue_from(r, u); i < r->m.n && r->m.v[i].start <= u; i++) {
        const sc_match_t *m = &r->m.v[i];
        if (m->start == u && (is_class(m, EVC_SELF) || is_class(m, EVC_TEAM)
                              || is_class(m, EVC_OTHER) || is_class(m, EVC_POSSESSIVE)))
            return true;
    }
    return false;
}

/* Is the 是 at unit u the "just" of 就是 (我就是分了一下谁盘哪一区: the speaker just
 * did it), not a copula? */
static bool just_is(const sc_text_t *t, uint32_t u)
{
    return u > 0 && t->norm[u] == 0x662F /* 是 */ && t->norm[u - 1] == 0x5C31 /* 就 */;
}

/* Is the word ending in 了 at unit u the end of a state with 是 (我也是老用户了,
 * 已经是组长了): 是 between the subject (from) and it, not 就是 (just: 我就是
 * 分了一下) nor the 是我 of a cleft (我印象里是我提了一个方案: it was the
 * speaker who did it), with no 把 or other verb word ending in 了 before? */
static bool state_le(const sc_text_t *t, uint32_t from, uint32_t u)
{
    for (uint32_t i = from; i < u; i++) {
        if (t->norm[i] == 0x628A /* 把 */ || t->norm[i] < 0x3400)
            return false;
        if (t->norm[i] == 0x662F /* 是 */ && !(i > from && just_is(t, i))
            && !(i + 1 < u && t->norm[i + 1] == 0x6211 /* 我 */))
            return true;
    }
    return false;
}

/* In a story told in the historical present, the word after the speaker as
 * subject is the deed ("I keep my voice level", "then I take two minutes"),
 * past an adverb (I just call, I also flag); not a state, a thought, a wish or
 * an auxiliary (I'm, I think, I want, I can, I don't, I usually). */
static void present_deed(const run_t *r, clause_t *c, uint32_t from)
{
    static const UChar *const adverb[] = { u"just", u"also", u"then", u"still", u"really",
                                           u"immediately", u"quickly", u"finally", u"first" };
    static const UChar *const not_deed[] = {
        u"am", u"m", u"think", u"guess", u"feel", u"know", u"believe", u"would", u"will",
        u"can", u"could", u"should", u"must", u"might", u"may", u"do", u"don", u"have",
        u"ve", u"d", u"ll", u"usually", u"always", u"never", u"often", u"sometimes",
        u"want", u"need", u"hope", u"mean", u"like", u"love", u"tend", u"try", u"wish",
        u"remember", u"forget", u"suppose", u"see", u"s", u"was", u"is", u"rarely", u"normally",
        u"don't", u"didn't", u"can't", u"won't", u"couldn't", u"wouldn't" };
    const sc_text_t *t = r->t;
    if (from >= 2 && t->norm[from - 2] == '\'')
        return;         /* I'm, I've, I'd: the subject's word holds an auxiliary */
    for (uint32_t k = sc_text_token_at(t, from); k < t->ntoks && t->toks[k].start < c->end; k++) {
        const sc_token_t *tk = &t->toks[k];
        if (tk->start < from || tk->kind == SC_TOK_SPACE)
            continue;
        if (tk->kind != SC_TOK_LETTER)
            return;
        int32_t n = (int32_t)(tk->end - tk->start);
        const UChar *w = t->norm + tk->start;
        bool skip = false;
        for (size_t i = 0; i < sizeof adverb / sizeof *adverb && !skip; i++)
            skip = u_strlen(adverb[i]) == n && !u_memcmp(w, adverb[i], n);
        if (skip)
            continue;
        for (size_t i = 0; i < sizeof not_deed / sizeof *not_deed; i++)
            if (u_strlen(not_deed[i]) == n && !u_memcmp(w, not_deed[i], n))
                return;
        take_verb(c, tk->start, tk->end);
        return;
    }
}

/* Is token k an adverb that stands inside a verb group (had already told,
 * hadn't even known, I'd just signed)? */
static bool group_adverb(const sc_text_t *t, uint32_t k)
{
    static const UChar *const adverb[] = { u"already", u"just", u"even", u"never", u"also",
                                           u"actually", u"finally", u"really" };
    for (size_t i = 0; i < sizeof adverb / sizeof *adverb; i++)
        if (word_is(t, k, adverb[i]))
            return true;
    return false;
}

/* The letter word before token k, past spaces and up to `skip` adverbs of a
 * verb group; -1 when there is none. */
static long word_before(const sc_text_t *t, uint32_t k, int skip)
{
    while (k > 0) {
        const sc_token_t *p = &t->toks[--k];
        if (p->kind == SC_TOK_SPACE)
            continue;
        if (p->kind != SC_TOK_LETTER)
            return -1;
        if (!group_adverb(t, k) || skip-- <= 0)
            return (long)k;
    }
    return -1;
}

/* The first letter word from unit u on, past spaces and any adverbs of a
 * verb group (I'd already signed); -1 when something else comes first. */
static long word_after(const sc_text_t *t, uint32_t u)
{
    for (uint32_t k = sc_text_token_at(t, u); k < t->ntoks; k++) {
        const sc_token_t *tk = &t->toks[k];
        if (tk->start < u || tk->kind == SC_TOK_SPACE)
            continue;
        if (tk->kind != SC_TOK_LETTER)
            return -1;
        if (!group_adverb(t, k))
            return (long)k;
    }
    return -1;
}

/* Do the units [a, b) end in 'd (I'd, she'd)? */
static bool ends_apostrophe_d(const sc_text_t *t, uint32_t a, uint32_t b)
{
    return b >= a + 3 && t->norm[b - 1] == 'd' && t->norm[b - 2] == '\'';
}

/* Does token k follow had, hadn't or a 'd (support had told me, she hadn't
 * known that, I'd already signed): a past before the story's time? */
static bool after_had(const sc_text_t *t, uint32_t k)
{
    long p = word_before(t, k, 1);
    if (p < 0)
        return false;
    const sc_token_t *w = &t->toks[p];
    return word_is(t, (uint32_t)p, u"had") || word_is(t, (uint32_t)p, u"hadn't")
        || ends_apostrophe_d(t, w->start, w->end);
}

/* Does token k look like an English past form: a word of 4 letters or more
 * ending in -ed (the callers rule out perfects and adjectives)? */
static bool ends_ed(const sc_text_t *t, uint32_t k)
{
    const sc_token_t *tk = &t->toks[k];
    uint32_t n = tk->end - tk->start;
    return tk->kind == SC_TOK_LETTER && n >= 4 && t->norm[tk->end - 2] == 'e'
        && t->norm[tk->end - 1] == 'd';
}

/* Is there an experiential 过 (拿过, 做过; not 不过, 通过) in [from, u): the
 * clause states experience, as a CV does (我也拿过两次年度新人开发奖), and an
 * action word after it is no deed? */
static bool experienced(const run_t *r, uint32_t from, uint32_t u)
{
    const sc_text_t *t = r->t;
    for (uint32_t k = sc_text_token_at(t, from); k < t->ntoks && t->toks[k].start < u; k++) {
        const sc_token_t *tk = &t->toks[k];
        if (tk->start >= from && tk->kind == SC_TOK_IDEO && t->norm[tk->end - 1] == 0x8FC7 /* 过 */
            && !covered(r, EVC_ASPECT_NOT, tk->start))
            return true;
    }
    return false;
}

/* Is the word at u what should be done: right after 要 该 须 (差评要复盘,
 * 质检要闭环; not 主要 重要 首要)? */
static bool modal_before(const sc_text_t *t, uint32_t u)
{
    static const UChar modal[] = u"要该须", not_modal[] = u"主重首需想";
    return u > 0 && u_strchr(modal, t->norm[u - 1])
        && !(u > 1 && t->norm[u - 1] == 0x8981 /* 要 */ && u_strchr(not_modal, t->norm[u - 2]));
}

/* Is [a, b) joined to a neighbour by a hyphen: a word of a compound
 * (data-informed, lost-time, built-in), no verb? */
static bool in_compound(const sc_text_t *t, uint32_t a, uint32_t b)
{
    return (a > 0 && t->norm[a - 1] == '-') || (b < t->nlen && t->norm[b] == '-');
}

/* Is the past form [a, b) at token k no past of the story's own time: one
 * before it (after had) or a word of a compound (the lost-luggage desk)? */
static bool earlier_or_compound(const sc_text_t *t, uint32_t k, uint32_t a, uint32_t b)
{
    return after_had(t, k) || in_compound(t, a, b);
}

static bool find_past(run_t *r, clause_t *c, uint32_t from)
{
    const sc_text_t *t = r->t;
    c->past = false;
    for (size_t i = cue_from(r, from); i < r->m.n && r->m.v[i].start < c->end; i++) {
        const sc_match_t *m = &r->m.v[i];
        /* 把 and 先 may sit inside the subject's ICU word (我把, 我先): inner
         * cues, except in words where they mark no deed (把握, 优先). In a
         * past occasion, spoken deeds without 了 count too: 我就请主管, a
         * complement that closes the deed (把工单拉出来, fix 下来, deploy 完;
         * not 一年下来, 完全), a person invited to act (请我们的 VP 跟他们的
         * CFO 吃饭, 约他们老板见面) */
        if (m->start >= from && m->start < c->end
            && ((is_class(m, EVC_PAST_EN) && !perfect(t, m->tok)
                 && !covered(r, EVC_NOT_PAST_EN, m->start) && !in_compound(t, m->start, m->end))
                || (is_class(m, EVC_DONE_ZH) && !covered(r, EVC_ASPECT_NOT, m->start))
                || (r->past_story
                    && (is_class(m, EVC_SPOKEN_ZH)
                        || (is_class(m, EVC_COMPLEMENT_ZH) && !covered(r, EVC_ASPECT_NOT, m->start)
                            && !duration(t, m->start))
                        || (is_class(m, EVC_INVITE) && person_at(r, m->end))))))
            take_verb(c, m->start, m->end);
    }
    if (r->present_story && c->stated && c->subject == SUBJ_SELF)
        present_deed(r, c, from);
    for (uint32_t k = sc_text_token_at(t, from); k < t->ntoks && t->toks[k].start < c->end; k++) {
        const sc_token_t *tk = &t->toks[k];
        if (tk->start < from)
            continue;
        uint32_t n = tk->end - tk->start;
        const UChar *w = t->norm + tk->start;
        /* a word of a compound is no verb (data-informed, cooled-down) */
        bool ed = ends_ed(t, k) && !perfect(t, k) && !in_compound(t, tk->start, tk->end);
        /* 了 marks a deed done; 过 (待过, 做过) states experience, as a CV does */
        bool aspect = tk->kind == SC_TOK_IDEO && w[n - 1] == 0x4E86 /* 了 */
            && !duration(t, tk->start + n - 1);
        if ((ed || aspect) && !covered(r, ed ? EVC_NOT_PAST_EN : EVC_ASPECT_NOT, tk->start)
            && !(aspect && state_le(t, from, tk->start))
            && !sc_evidence_filler_at(t, r->ev, tk->start, true)) {
            take_verb(c, tk->start, tk->end);
            break;
        }
    }
    for (size_t i = sc_match_from(r->ev->cues, r->ev->n_cues, from);
         i < r->ev->n_cues && r->ev->cues[i].start < c->end; i++) {
        const sc_match_t *m = &r->ev->cues[i];
        if (m->tag == SC_LEX_ACTION && m->start >= from && m->start < c->end
            && r->t->lang != SC_LANG_EN && !in_keyword(r, m->start, m->end)
            && !in_compound(t, m->start, m->end) /* product-led growth */
            && !experienced(r, from, m->start) && !in_enumeration(t, m->start, m->end)
            && !modal_before(t, m->start)
            && !sc_evidence_claimed(t, r->ev, m->start, m->tok)
            && !(t->norm[m->end - 1] == 0x4E86 /* 了 */ && duration(t, m->end - 1))) {
            take_verb(c, m->start, m->end);
            break;
        }
    }
    return c->past;
}

/* Is the pronoun ending at unit u a modifier, not the subject: 的 within
 * three words after it (我的, 我待的那个中心, 我负责的模块, 我们 DC 的 WMS: an
 * English word in Chinese speech is one word), unless 的 closes a verb and 是
 * follows (我做的就是把…: what the speaker did)? Not when a word that only
 * follows a subject comes first: the deed marker 把, the copula 是, an adverb
 * or 在 (我把两边的诉求, 我就把他的单, 我也跟他们的, 我是当班的主管, 我在港口的
 * 闸口接车): 的 is then the object's or the place's. */
static bool ascii_word(UChar ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool modifier(const sc_text_t *t, uint32_t u, uint32_t end)
{
    static const UChar subject_only[] = u"把就先也又再还都是";
    for (uint32_t i = u, words = 0; i < end && words < 4;) {
        UChar ch = t->norm[i];
        if (ch == ' ') {
            i++;
            continue;
        }
        words++;
        if (ascii_word(ch)) {
            while (i < end && ascii_word(t->norm[i]))
                i++;
            continue;
        }
        if (t->norm[i] == 0x7684 /* 的 */) {
            /* 我做的就是把…, 我当时做的是…, 我做的事情主要是把…: what the speaker
             * did is the subject; between 的 and 是 at most a word for what was
             * done (事情, 工作, 部分) and adverbs (主要, 就, 其实, 基本上) */
            static const UChar between[] = u"就事情工作部分主要其实基本上也大概都 ";
            uint32_t j = i + 1;
            while (j < end && j < i + 8 && u_strchr(between, t->norm[j]))
                j++;
            return !(j < end && t->norm[j] == 0x662F /* 是 */);
        }
        if (ch < 0x3400 || u_strchr(subject_only, ch))
            return false;
        /* 在 after the pronoun is the subject's place or the ongoing aspect
         * (我在台中的物流中心当课长, 我在卖润滑油); 我在的那个组 is a modifier */
        if (ch == 0x5728 /* 在 */ && i + 1 < end && t->norm[i + 1] != 0x7684)
            return false;
        i++;
    }
    return false;
}

/* Is the person named at unit u an object: right after 帮 给 跟 和 让 把 对 向
 * 为 教 问 找 陪 请 约 叫 (帮他申请了退款, 约他们老板), after a verb whose object
 * is often a person (发现他不是真嫌贵, 告诉客户, 劝他) or
 * after to / with / for (talked to the client)? */
static bool object(const sc_text_t *t, uint32_t u)
{
    static const UChar zh[] = u"帮给跟和让把对向为教问找陪请约叫";
    if (u > 0 && u_strchr(zh, t->norm[u - 1]))
        return true;
    static const UChar *const verbs[] = { u"发现", u"说服", u"告诉", u"通知", u"提醒",
                                          u"联系", u"答应", u"邀请", u"劝" };
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) {
        uint32_t n = (uint32_t)u_strlen(verbs[i]);
        if (u >= n && !u_memcmp(t->norm + u - n, verbs[i], (int32_t)n))
            return true;
    }
    static const UChar *const en[] = { u"to ", u"with ", u"for " };
    for (size_t i = 0; i < sizeof en / sizeof *en; i++) {
        uint32_t n = (uint32_t)u_strlen(en[i]);
        if (u >= n && !u_memcmp(t->norm + u - n, en[i], (int32_t)n)
            && (u == n || t->norm[u - n - 1] == ' '))
            return true;
    }
    return false;
}

/* Is the person named at unit u a place the subject goes to or is at (我去他们
 * 那里看了, 跑到他们大堂, 在他们群里发了): right after 去 到 进 在, not inside
 * 过去 直到 等到 想到 现在 正在 实在 好在 (过去他们都是手工: they are the
 * subject)? */
static bool place_of(const sc_text_t *t, uint32_t u)
{
    static const UChar go[] = u"去到进在", before[] = u"过直等想现正实好存所";
    return u > 0 && u_strchr(go, t->norm[u - 1]) && !(u > 1 && u_strchr(before, t->norm[u - 2]));
}

/* Is the match m the deed marker 把 (not the 把 of 把握, 把关)? */
static bool ba_marker(const run_t *r, const sc_match_t *m)
{
    return is_class(m, EVC_DONE_ZH) && r->t->norm[m->start] == 0x628A /* 把 */
        && !covered(r, EVC_ASPECT_NOT, m->start);
}

/* The subject of a clause: its first self / team / other cue, else the
 * previous clause's (a dropped subject), reset at a borrowed subject. A
 * possessive first person before a noun (my manager, our data team, 我的主管,
 * 我负责的模块, 我们仓的系统) names someone else unless a subject follows it in
 * the clause;
 * the I of a hedge (I think, I guess) is not the subject; a person after 把
 * is inside its object (把这一年我们帮他们省的钱算了一下: the subject is
 * still the dropped one), and so are the persons after an invited one
 * (约他们的采购经理喝了个咖啡). */
static void find_subjects(run_t *r)
{
    subject_t carry = SUBJ_NONE;
    size_t i = 0;               /* cues before the clause are passed once: no clause x cue scan */
    for (size_t ci = 0; ci < r->ncl; ci++) {
        clause_t *c = &r->cl[ci];
        subject_t s = SUBJ_NONE;
        uint32_t at = c->start, poss = 0;
        while (i < r->m.n && r->m.v[i].start < c->start)
            i++;
        bool ba = false;
        for (size_t j = i; j < r->m.n && r->m.v[j].start < c->end && s == SUBJ_NONE; j++) {
            const sc_match_t *m = &r->m.v[j];
            ba |= ba_marker(r, m) || (is_class(m, EVC_INVITE) && person_at(r, m->end));
            if (ba || object(r->t, m->start))
                continue;
            /* 我们仓的系统崩了, 我们老板以前就在那家干过: the team's thing or
             * person, not the team, is the subject */
            bool whose = j + 1 < r->m.n && r->m.v[j + 1].start <= m->end + 1
                && (is_class(&r->m.v[j + 1], EVC_OTHER) || is_class(&r->m.v[j + 1], EVC_BORROWED));
            if (is_class(m, EVC_TEAM) && (modifier(r->t, m->end, c->end) || whose)) {
                if (!poss)
                    poss = m->end;
            } else if (is_class(m, EVC_TEAM))
                s = SUBJ_TEAM;
            /* the I of "I think" / "I guess" hedges, it is not the subject */
            else if (is_class(m, EVC_SELF) && !covered(r, EVC_TEAM, m->start)
                     && !covered(r, EVC_HEDGE, m->start)) {
                if (!modifier(r->t, m->end, c->end))
                    s = SUBJ_SELF;
                else if (!poss)
                    poss = m->end;
            } else if (is_class(m, EVC_POSSESSIVE) && !poss)
                poss = m->end;
            else if (is_class(m, EVC_OTHER) || is_class(m, EVC_BORROWED))
                s = SUBJ_OTHER;
            if (s != SUBJ_NONE)
                at = m->end;
        }
        if (s == SUBJ_NONE && poss) {
            s = SUBJ_OTHER;
            at = poss;
        }
        c->stated = s != SUBJ_NONE;
        c->subject = s != SUBJ_NONE ? s : carry;
        c->past = c->subject != SUBJ_NONE && find_past(r, c, at);
        /* the nearest subject before the verb: 我实习那年公司GMV翻了一番, I'm
         * proud of what we achieved (the team's; in English only: 我带着我们组
         * 加了三天班 is the speaker leading) */
        bool invited = false;   /* 请大堂经理给他搬了把椅子: the speaker's request */
        for (size_t j = i; c->past && j < r->m.n && r->m.v[j].start < c->verb_start; j++) {
            const sc_match_t *m = &r->m.v[j];
            invited |= m->start >= at && is_class(m, EVC_INVITE);
            if (m->start < at || m->end > c->verb_start || object(r->t, m->start)
                || place_of(r->t, m->start) || invited)
                continue;
            if (is_class(m, EVC_OTHER) || is_class(m, EVC_BORROWED))
                c->subject = SUBJ_OTHER;
            else if (is_class(m, EVC_TEAM) && c->subject == SUBJ_SELF
                     && r->t->norm[m->start] < 0x80)
                c->subject = SUBJ_TEAM;
        }
        carry = c->subject;
    }
}

/* The clause holding unit u, by binary search (clauses are in text order
 * and do not overlap), or NULL. */
static const clause_t *clause_at(const run_t *r, uint32_t u)
{
    size_t lo = 0, hi = r->ncl;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->cl[mid].end <= u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->ncl && u >= r->cl[lo].start ? &r->cl[lo] : NULL;
}

static bool clause_has(const run_t *r, const clause_t *c, int cls, uint32_t before)
{
    for (size_t i = cue_from(r, c->start); i < r->m.n && r->m.v[i].start < c->end; i++)
        if (is_class(&r->m.v[i], cls) && in_clause(c, &r->m.v[i]) && r->m.v[i].start < before)
            return true;
    return false;
}

/* Hedges and assistance words per clause, in one pass over the cues. */
static void mark_clauses(run_t *r)
{
    size_t k = 0;
    for (size_t i = 0; i < r->m.n && k < r->ncl; i++) {
        const sc_match_t *m = &r->m.v[i];
        while (k < r->ncl && r->cl[k].end <= m->start)
            k++;
        if (k == r->ncl || !in_clause(&r->cl[k], m))
            continue;
        if (is_class(m, EVC_HEDGE) && !r->cl[k].hedge)
            r->cl[k].hedge = m->start + 1;
        else if (is_class(m, EVC_ASSIST))
            r->cl[k].assist = true;
    }
}

/* Is unit u of sentence s inside quotation marks (他说“我干六年没出过事”)? */
static bool quoted(const sc_text_t *t, uint32_t s, uint32_t u)
{
    int depth = 0;
    bool plain = false;         /* inside "…" */
    for (uint32_t v = t->sents[s].start; v < u; v++) {
        UChar ch = t->norm[v];
        if (ch == 0x201C || ch == 0x300C || ch == 0x300E)        /* “ 「 『 */
            depth++;
        else if ((ch == 0x201D || ch == 0x300D || ch == 0x300F) && depth > 0)
            depth--;
        else if (ch == '"')
            plain = !plain;
    }
    return depth > 0 || plain;
}

/* Does the disowning cue m disown the speaker's experience? Not when its
 * clause names the team as the subject (我们之前从没做过订阅制: what the team
 * had not done is the situation the speaker changed) or when it is inside
 * someone's quoted words (他说“我干六年没出过事”). */
static bool disowning(const run_t *r, const sc_match_t *m)
{
    if (!is_class(m, EVC_DISOWN))
        return false;
    const clause_t *c = clause_at(r, m->start);
    return !(c && c->stated && c->subject == SUBJ_TEAM)
        && !quoted(r->t, r->t->toks[m->tok].sentence, m->start);
}

/* Is the handling cue r->m.v[i] (在处理, 在管, 出来处理) someone else's, said
 * with 都是 before it: 都是店长出来处理, 基本上都是我们产品处长在处理 — up to ten
 * units naming who, none of them the speaker (都是我在管 is the speaker's
 * own work)? *start receives the unit where it starts (都是). */
static bool handled_by_other(const run_t *r, size_t i, uint32_t *start)
{
    const sc_match_t *h = &r->m.v[i];
    if (!is_class(h, EVC_HANDLES))
        return false;
    for (size_t j = i; j-- > 0 && r->m.v[j].start + 16 > h->start;) {
        const sc_match_t *a = &r->m.v[j];
        if (!is_class(a, EVC_ALL_OF) || a->end >= h->start || a->end + 10 < h->start
            || clause_at(r, a->start) != clause_at(r, h->start))
            continue;
        for (size_t k = j + 1; k < i; k++)
            if (is_class(&r->m.v[k], EVC_SELF) && !covered(r, EVC_TEAM, r->m.v[k].start))
                return false;
        *start = a->start;
        return true;
    }
    return false;
}

/* A disowning at r->m.v[i], the unit where it starts in *start. */
static bool disowns(const run_t *r, size_t i, uint32_t *start)
{
    *start = r->m.v[i].start;
    return disowning(r, &r->m.v[i]) || handled_by_other(r, i, start);
}

/* The sentences where the speaker disowns the experience; after the
 * subjects are known. */
static void mark_disowned(run_t *r)
{
    uint32_t start;
    for (size_t i = 0; i < r->m.n; i++)
        if (disowns(r, i, &start))
            r->disown[r->t->toks[r->m.v[i].tok].sentence] = true;
}

/* Does a hedge come before unit u in c ("I think I was the one", 我好像是负责)? */
static bool hedged(const clause_t *c, uint32_t u)
{
    return c->hedge && c->hedge - 1 < u;
}

static void mark_sentences(run_t *r)
{
    const sc_text_t *t = r->t;
    /* a past occasion: a situation opener or cue, or a 了 that marks a deed */
    for (size_t s = 0; s < r->ev->n_sentences; s++)
        r->past_story |= r->ev->sentences[s].cue[SC_F_SITUATION].found;
    for (uint32_t k = 0; k < t->ntoks && !r->past_story; k++) {
        const sc_token_t *tk = &t->toks[k];
        r->past_story = tk->kind == SC_TOK_IDEO && t->norm[tk->end - 1] == 0x4E86 /* 了 */
            && !duration(t, tk->end - 1) && !covered(r, EVC_ASPECT_NOT, tk->start);
    }
    /* "It's the night of the outage. I'm at the call centre… I keep my voice
     * level, I get the address": an occasion told in the present tense */
    bool opener = false, past = false;
    for (size_t i = 0; i < r->m.n; i++) {
        const sc_match_t *m = &r->m.v[i];
        opener |= is_class(m, EVC_SITUATION);
        /* a past spelt as its present ("people put…") leaves the story in the
         * present; a copula (I was in support) is no past cue at all, nor is
         * a past before the story's time (support had told me) or a word of a
         * compound (the lost-luggage desk) */
        past |= is_class(m, EVC_PAST_EN) && !covered(r, EVC_PAST_LIKE_PRESENT, m->start)
            && !earlier_or_compound(t, m->tok, m->start, m->end);
    }
    for (uint32_t k = 0; k < t->ntoks && opener && !past; k++)
        past = ends_ed(t, k) && !earlier_or_compound(t, k, t->toks[k].start, t->toks[k].end);
    r->present_story = t->lang == SC_LANG_EN && opener && !past;
    for (size_t i = 0; i < r->m.n; i++) {
        const sc_match_t *m = &r->m.v[i];
        uint32_t s = r->t->toks[m->tok].sentence;
        r->past_story |= is_class(m, EVC_SITUATION);
        if (is_class(m, EVC_HABIT))
            r->habit[s] = true;
        else if (is_class(m, EVC_TARGET) && !r->target[s])
            r->target[s] = m->start + 1;
    }
}

/* Does the goal stated in sentence s cover unit u: no deed of the speaker
 * or the team between the goal cue and u? 目标比前年高了三成，大家一起办了很多
 * 场说明会，最后达成了115%: what comes after the deeds is what came of them.
 * A clause that ends before the goal cue is not the goal's (公司销售额翻了一番，
 * 我们部门的目标也超额完成了: the change is told, then the goal). */
static bool aimed(const run_t *r, uint32_t s, uint32_t u)
{
    if (!r->target[s])
        return false;
    const clause_t *at = clause_at(r, u);
    if (at && at->end <= r->target[s] - 1)
        return false;
    size_t lo = 0, hi = r->ncl;     /* the sentence's first clause: clauses are in order */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->cl[mid].sentence < s)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t k = lo; k < r->ncl && r->cl[k].sentence <= s; k++) {
        const clause_t *c = &r->cl[k];
        if (c->sentence == s && (c->action || c->team) && c->start >= r->target[s] - 1
            && c->end <= u)
            return false;
    }
    return true;
}

/* Is the verb of clause c told as done: an English past, or a Chinese verb
 * with 了 after it in the clause (如果有急单，我就把它挪到了下午)? 就去处理
 * after 如果 is what the speaker would do. */
static bool completed(const run_t *r, const clause_t *c)
{
    const UChar *n = r->t->norm;
    if (n[c->verb_start] < 0x2E80)
        return true;
    for (uint32_t u = c->verb_start; u < c->end; u++)
        if (n[u] == 0x4E86 /* 了 */)
            return true;
    return false;
}

/* Is the plan cue m the 'd of a had or of a say, not a would? "By the end
 * I'd signed three companies" tells a deed (had: a past form follows, past
 * an adverb; not one spelt like its present: I'd set, I'd read); "I'd say
 * I'm a patient person", "one of my strengths, I would say" is a manner of
 * speaking. */
static bool not_would(const run_t *r, const sc_match_t *m)
{
    const sc_text_t *t = r->t;
    bool had = ends_apostrophe_d(t, m->start, m->end);
    if (!had && !(m->end >= 5 && !u_memcmp(t->norm + m->end - 5, u"would", 5)))
        return false;
    long k = word_after(t, m->end);
    if (k < 0)
        return false;
    uint32_t w = t->toks[k].start;
    return word_is(t, (uint32_t)k, u"say")
        || (had && (ends_ed(t, (uint32_t)k) || covered(r, EVC_PAST_EN, w))
            && !covered(r, EVC_NOT_PAST_EN, w) && !covered(r, EVC_PAST_LIKE_PRESENT, w));
}

/* Sentences that state a plan: a plan cue (I would, 我会, 会先) in a clause
 * whose named subject is not the team or someone else, or a condition (if,
 * 如果) unless another clause of its sentence, the speaker's or the team's,
 * has a past or completed verb (completed()): "If a truck was late, I moved it to the
 * afternoon" and 如果有急单，我就把它挪到了… narrate what happened; an "if"
 * inside doubt (I don't know if I handled it well) asks. A plan goes
 * on in the next sentence that names no subject at its start and opens no
 * occasion. Runs after find_subjects. */
static void mark_plans(run_t *r)
{
    for (size_t i = 0; i < r->m.n; i++) {
        const sc_match_t *m = &r->m.v[i];
        uint32_t s = r->t->toks[m->tok].sentence;
        const clause_t *c = clause_at(r, m->start);
        if (is_class(m, EVC_HYPOTHETICAL)) {
            if (not_would(r, m))
                continue;
            if (!c || !c->stated || c->subject == SUBJ_SELF || c->subject == SUBJ_NONE)
                r->hyp[s] = true;
        } else if (is_class(m, EVC_CONDITION) && !r->hyp[s] && !covered(r, EVC_HEDGE, m->start)) {
            bool told = false;
            for (size_t k = 0; k < r->ncl && !told; k++) {
                const clause_t *d = &r->cl[k];
                told = d->sentence == s && d != c && d->past
                    && (d->subject == SUBJ_SELF || d->subject == SUBJ_TEAM) && completed(r, d);
            }
            r->hyp[s] = !told;
        }
    }
    /* a plan goes on in the next sentence that drops its subject and opens
     * no occasion (我会先让他说完。接着先道歉，再给他一个回电时间。): its steps
     * are the plan's, not deeds */
    bool *opens = calloc(r->t->nsents + 1, sizeof *opens);
    if (!opens) {
        r->oom = true;
        return;
    }
    for (size_t i = 0; i < r->m.n; i++)
        if (is_class(&r->m.v[i], EVC_SITUATION))
            opens[r->t->toks[r->m.v[i].tok].sentence] = true;
    uint32_t prev = UINT32_MAX;
    for (size_t k = 0; k < r->ncl; k++) {
        const clause_t *c = &r->cl[k];
        uint32_t s = c->sentence;
        if (s == prev)
            continue;       /* only the sentence's first clause */
        prev = s;
        if (s > 0 && r->hyp[s - 1] && !r->hyp[s] && !c->stated && !opens[s]
            && !(s < r->ev->n_sentences && r->ev->sentences[s].cue[SC_F_SITUATION].found))
            r->hyp[s] = true;
    }
    free(opens);
}

/* Does sentence s end with a question mark (我能先问一下…吗？), not one inside
 * a quotation the sentence opens ("I make a note on my screen, 'locker
 * number?'": the sentence breaker ends the sentence there)? */
static bool question(const sc_text_t *t, uint32_t s)
{
    const UChar *n = t->norm;
    uint32_t a = t->sents[s].start;
    for (uint32_t u = t->sents[s].end; u > a; u--) {
        UChar ch = n[u - 1];
        if (ch == '?' || ch == 0xFF1F) {
            bool quoted = false;
            for (uint32_t v = a; v + 1 < u; v++) {
                UChar q = n[v];
                if (q == 0x201C || q == 0x300C || q == 0x300E || q == 0x2018)
                    quoted = true;      /* “ 「 『 ‘ */
                else if (q == 0x201D || q == 0x300D || q == 0x300F || q == 0x2019)
                    quoted = false;
                else if (q == '"')
                    quoted = !quoted;
                else if (q == '\'' && (v == a || !u_isalpha(n[v - 1])))
                    quoted = true;      /* an opening ', not don't */
                else if (q == '\'' && quoted && !u_isalpha(n[v + 1]))
                    quoted = false;
            }
            return !quoted;
        }
        if (ch != ' ' && ch != '\n')
            return false;
    }
    return false;
}

/* Does a count follow unit u (spaces aside): digits or numerals closed by
 * 个 人 位 名 成 (两个人, 3 名, 三成), or a half (一半, 一大半)? */
static bool count_after(const sc_text_t *t, uint32_t u)
{
    static const UChar nums[] = u"0123456789一二两三四五六七八九十百千几多大";
    static const UChar units[] = u"个人位名成";
    while (u < t->nlen && t->norm[u] == ' ')
        u++;
    uint32_t a = u;
    while (u < t->nlen && u < a + 6 && u_strchr(nums, t->norm[u]))
        u++;
    return u < t->nlen && (t->norm[u] == 0x534A /* 半 */ || (u > a && u_strchr(units, t->norm[u])));
}

/* A count of people leaving in c (三个月走了一半, 后面半年就走了两个人): the
 * counted are the subject, the clause is no one's deed. */
static bool leaving(const run_t *r, const clause_t *c)
{
    for (size_t i = cue_from(r, c->start); i < r->m.n && r->m.v[i].start < c->end; i++)
        if (is_class(&r->m.v[i], EVC_LEAVE_ZH) && in_clause(c, &r->m.v[i])
            && count_after(r->t, r->m.v[i].end))
            return true;
    return false;
}

/* Does c's verb tell no step taken (lexicon/evidence_no_deed.txt: 我学到了很多,
 * "I joined the growth team", CKA 也考了, 我先说一下…), or a state after 太
 * (技术栈太老了)? 参考了 and 思考了 are deeds. Text is normalised to simplified
 * characters, so the cues serve traditional text too. */
static bool no_deed(const run_t *r, const clause_t *c)
{
    const UChar *n = r->t->norm;
    if (c->verb_start > 0 && n[c->verb_start - 1] == 0x592A /* 太 */)
        return true;
    for (size_t i = cue_from(r, c->start); i < r->m.n && r->m.v[i].start < c->end; i++) {
        const sc_match_t *m = &r->m.v[i];
        if (!is_class(m, EVC_NO_DEED) || !in_clause(c, m) || m->start >= c->verb_end
            || m->end <= c->verb_start)
            continue;
        if (n[m->start] == 0x8003 /* 考 */ && m->start > 0
            && (n[m->start - 1] == 0x53C2 /* 参 */ || n[m->start - 1] == 0x601D /* 思 */))
            continue;
        return true;
    }
    return false;
}

/* The start of the utterance clause ci continues: spoken restarts cut a
 * clause into fragments ("我一般就，就把单子拉出来", "I think, I, I kind of
 * helped"), and a fragment before ci — no verb, at most four words that are
 * not fillers, in the same sentence, naming no subject or ci's — belongs to
 * it ("I always, um, I, I checked…": the subject said again is a restart),
 * four fragments at most.
 * What the fragments say (a habit, a claim, a hedge) holds for ci. */
static size_t head_of(const run_t *r, size_t ci)
{
    const sc_text_t *t = r->t;
    const clause_t *c = &r->cl[ci];
    size_t h = ci;
    while (h > 0 && ci - h < 4) {   /* a few fragments: no scan back over a long sentence */
        const clause_t *p = &r->cl[h - 1];
        if (p->sentence != c->sentence || p->past || (p->stated && p->subject != c->subject))
            break;
        size_t words = 0;
        for (uint32_t k = sc_text_token_at(t, p->start); k < t->ntoks && t->toks[k].start < p->end; k++)
            words += t->toks[k].start >= p->start && t->toks[k].kind != SC_TOK_SPACE
                && t->toks[k].kind != SC_TOK_PUNCT
                && !sc_evidence_filler_at(t, r->ev, t->toks[k].start, false);
        if (words > 4)
            break;
        h--;
    }
    return h;
}

/* Does a cue of cls lie in clauses h..ci? */
static bool utterance_has(const run_t *r, size_t h, size_t ci, int cls)
{
    for (size_t k = h; k <= ci; k++)
        if (clause_has(r, &r->cl[k], cls, r->cl[k].end))
            return true;
    return false;
}

static bool joined_as(const sc_text_t *t, const clause_t *c);

static void find_actions(run_t *r)
{
    bool habit = false;   /* the carried subject is the one of a habit */
    uint32_t claim = UINT32_MAX;    /* a sentence with a claim cue so far */
    size_t mi = 0;                  /* the first cue not before the clause */
    for (size_t ci = 0; ci < r->ncl; ci++) {
        clause_t *c = &r->cl[ci];
        /* a habit or pastime (我平时…自己做了个表格) is no deed of an occasion, nor
         * is what its dropped subject goes on to do (…去年小赚了一点) */
        habit = r->habit[c->sentence] || (habit && !c->stated);
        /* after a claim cue (最重要的就是用心，把客户当成家人，客户满意了…; 我一直
         * 要求…，因为一次事故就把…毁了) the sentence goes on stating the claim:
         * its clauses are no deeds unless one names the speaker again or opens
         * an occasion */
        bool generic = false, opener = false;    /* cues of the clause: one pass in text order */
        while (mi < r->m.n && r->m.v[mi].start < c->start)
            mi++;
        for (size_t j = mi; j < r->m.n && r->m.v[j].start < c->end; j++) {
            generic |= is_class(&r->m.v[j], EVC_GENERIC);
            opener |= is_class(&r->m.v[j], EVC_SITUATION);
        }
        bool claimed = claim == c->sentence && !(c->stated && c->subject == SUBJ_SELF) && !opener;
        if (generic)
            claim = c->sentence;
        if (!c->past || r->hyp[c->sentence] || r->disown[c->sentence] || habit || claimed
            || question(r->t, c->sentence) || joined_as(r->t, c))
            continue;
        uint32_t tok = sc_text_token_at(r->t, c->verb_start);
        size_t h = head_of(r, ci);
        if (sc_evidence_negated(r->t, r->ev, c->verb_start, tok, NULL)
            || utterance_has(r, h, ci, EVC_DISOWN) || utterance_has(r, h, ci, EVC_CLAIM_ALL)
            || utterance_has(r, h, ci, EVC_GENERIC))
            continue;
        /* "I guess I kind of helped", 我可能帮着看了一下, "I think, I, I kind of
         * helped": a hedged assistance leaves no deed of the speaker's own */
        bool hedge = false;
        for (size_t k = h; k <= ci; k++)
            hedge |= r->cl[k].hedge != 0;
        if (c->assist && hedge)
            continue;
        /* 最重要的是沟通: a verb named after 是 is a topic, not a deed; but 我做的
         * 是把…分了类 tells what the speaker did */
        if (c->verb_start > 0 && r->t->norm[c->verb_start - 1] == 0x662F
            && !(c->stated && c->subject == SUBJ_SELF
                 && (r->t->norm[c->verb_start] == 0x628A || just_is(r->t, c->verb_start - 1))))
            continue;
        /* "后来投诉少了三成", 这类投诉就，就只剩几单了: a measure changing up to
         * the verb, not a deed of the carried subject; 后面半年就走了两个人:
         * the people counted left, nobody's deed */
        if ((!c->stated && (clause_has(r, c, EVC_UP, c->verb_end)
                            || clause_has(r, c, EVC_DOWN, c->verb_end)))
            || leaving(r, c) || no_deed(r, c))
            continue;
        sc_span_t z = { 0, 0 };
        if (c->subject == SUBJ_SELF) {
            c->action = true;
            push(r, SC_EV_ACTION, c->sentence, span_of(r, c->verb_start, c->verb_end),
                 span_of(r, c->start, c->end), 0, 0, z);
        } else if (c->subject == SUBJ_TEAM) {
            c->team = true;
            push(r, SC_EV_TEAM, c->sentence, span_of(r, c->verb_start, c->verb_end),
                 span_of(r, c->start, c->end), 0, 0, z);
        }
    }
}

/* Does [a, b) name the speaker: a first-person cue in it (我, my) or the
 * word "me" (asked me to, gave it to me)? */
static bool names_speaker(const run_t *r, uint32_t a, uint32_t b)
{
    const UChar *n = r->t->norm;
    for (uint32_t u = a; u + 1 < b; u++)
        if (n[u] == 'm' && n[u + 1] == 'e' && (u == 0 || n[u - 1] == ' ')
            && (u + 2 == r->t->nlen || n[u + 2] == ' ' || u + 2 == b))
            return true;
    for (uint32_t u = a; u < b; u++)
        if (covered(r, EVC_SELF, u) || covered(r, EVC_POSSESSIVE, u))
            return true;
    return false;
}

/* Is the English post at m said after a copula within four words (I was
 * backend lead, I was the night shift supervisor, as account manager; fillers
 * and their commas skipped: I was, like, the one developer), not
 * as someone the speaker dealt with (I asked the supervisor)? A cue that
 * names the speaker (i was the developer, my quota, as an apprentice) is.
 * 1: yes; 3: yes, past a filler's comma (the clause of the post then
 * carries the speaker as its subject); 2: after Chinese words (我当时是
 * account executive), which the Chinese rules judge; 0: no. */
static int post_after_copula(const run_t *r, const sc_match_t *m)
{
    const sc_text_t *t = r->t;
    const UChar *n = t->norm + m->start;
    if (m->end - m->start > 2
        && ((n[0] == 'i' && n[1] == ' ') || (n[0] == 'm' && n[1] == 'y' && n[2] == ' ')
            || (n[0] == 'a' && n[1] == 's' && n[2] == ' ')))
        return 1;
    static const UChar *const copula[] = { u"was", u"am", u"i'm", u"is", u"as", u"became",
                                           u"been", u"being" };
    int words = 0;
    bool filler = false; /* the word after (in text order) was a filler */
    bool crossed = false; /* a filler's comma was passed */
    for (uint32_t k = sc_text_token_at(t, m->start); k-- > 0 && words < 4;) {
        const sc_token_t *tk = &t->toks[k];
        /* a compound is one word: the night-shift catering supervisor */
        if (tk->kind == SC_TOK_PUNCT && t->norm[tk->start] == '-') {
            words -= words > 0;
            continue;
        }
        /* a comma next to a filler is no break: I was, like, the one developer */
        if (tk->kind == SC_TOK_PUNCT
            && !(t->norm[tk->start] == ',' && (filler || (k > 0 && sc_evidence_filler_at(
                 t, r->ev, t->toks[k - 1].start, true)))))
            return 0;
        crossed |= tk->kind == SC_TOK_PUNCT;
        if (t->norm[tk->start] >= 0x2E80)
            return 2; /* 我当时是 account executive: the Chinese rules decide */
        if (tk->kind != SC_TOK_LETTER)
            continue;
        filler = sc_evidence_filler_at(t, r->ev, tk->start, true);
        if (filler)
            continue;
        words++;
        for (size_t i = 0; i < sizeof copula / sizeof *copula; i++)
            if (word_is(t, k, copula[i]))
                return crossed ? 3 : 1;
    }
    return 0;
}

/* Is the role m held by the speaker: the speaker is the clause's stated
 * subject (I was the shift supervisor, 我是当班主管), or the role follows
 * 当 / 担任 / 作为, or 是 with the speaker as the dropped subject (后来当小组长,
 * 我当时是，是当班主管)? A role named as the one spoken to (跟组长提了, told
 * the supervisor, I asked the supervisor) or after a deed (我找了他们的业务员)
 * is not. */
static bool role_held(const run_t *r, const clause_t *c, const sc_match_t *m)
{
    int post = r->t->norm[m->start] < 0x2E80 ? post_after_copula(r, m) : 2;
    if (!post)
        return false;
    if (post == 3 && c->subject == SUBJ_SELF)
        return true; /* carried over a filler's commas: I was, like, the one developer */
    /* a post after a deed in its clause is whom the deed was done to (我找了
     * 他们的业务员) */
    for (uint32_t u = c->start; u < m->start; u++)
        if (r->t->norm[u] == 0x4E86 /* 了 */)
            return false;
    if (c->stated && c->subject == SUBJ_SELF)
        return true;
    if (c->stated || (c->subject != SUBJ_SELF && c->subject != SUBJ_NONE))
        return false;
    const UChar *n = r->t->norm;
    uint32_t u = m->start;
    /* (我当时是，)是当班主管: the copula opening the clause, the speaker
     * carried (not 那些都是主管在弄: the supervisor's) */
    bool copula = u >= c->start + 1 && n[u - 1] == 0x662F /* 是 */ && c->subject == SUBJ_SELF;
    for (uint32_t k = c->start; copula && k + 1 < u; k++)
        copula = n[k] == ' ';
    /* (我之前在崇礼一个雪场，)做缆车运营的班组长, 做班组长, 做 sales intern,
     * (在一家公司实习，)是后端实习生: the clause opens with 做 or 是 and the
     * post follows it past English words or a few characters naming the kind
     * of post, not a person (是他们的业务员), or, after 做, what its 的
     * describes */
    uint32_t a = c->start;
    while (a < u && n[a] == ' ')
        a++;
    bool made = a < u && (n[a] == 0x505A /* 做 */ || n[a] == 0x662F /* 是 */);
    bool plain = true;          /* English words, or up to four characters of no person */
    bool near = u - a <= 5;
    static const UChar person[] = u"他她们你的了过把";
    for (uint32_t k = a + 1; made && k < u && plain; k++)
        plain = n[k] < 0x80 || (near && !u_strchr(person, n[k]));
    made &= plain || (n[a] == 0x505A && n[u - 1] == 0x7684 /* 的 */);
    return (u > c->start && (n[u - 1] == 0x5F53 /* 当 */ || n[u - 1] == 0x4EFB /* 任 */ || copula))
        || (u >= c->start + 2 && n[u - 2] == 0x4F5C && n[u - 1] == 0x4E3A /* 作为 */) || made;
}

static bool career_clause(const run_t *r, const clause_t *c);
static bool cv_line(const run_t *r, const clause_t *c);

/* Ownership, situation openers and handled obstacles: one per sentence each. */
static void find_cued(run_t *r)
{
    const sc_text_t *t = r->t;
    uint32_t last[3] = { UINT32_MAX, UINT32_MAX, UINT32_MAX };
    for (size_t i = 0; i < r->m.n; i++) {
        const sc_match_t *m = &r->m.v[i];
        uint32_t s = t->toks[m->tok].sentence;
        const clause_t *c = clause_at(r, m->start);
        sc_span_t cs = c ? span_of(r, c->start, c->end) : span_of(r, m->start, m->end);
        sc_span_t z = { 0, 0 };
        if (r->habit[s])
            continue;   /* a habit holds no task and opens no occasion */
        /* ownership: the speaker's (a cue that names the speaker is so
         * whatever the clause's subject: 我接手的时候, my job was, my manager
         * asked me to, 老板让我负责), not hedged (I think I was the one) */
        if (is_class(m, EVC_OWNERSHIP) && last[0] != s && !r->hyp[s]
            && (!c || c->subject == SUBJ_SELF || c->subject == SUBJ_NONE
                || names_speaker(r, m->start, m->end))
            && !(c && hedged(c, m->start))
            && !sc_evidence_negated(t, r->ev, m->start, m->tok, NULL)) {
            last[0] = s;
            push(r, SC_EV_OWNERSHIP, s, span_of(r, m->start, m->end), cs, 0, 0, z);
        } else if (is_class(m, EVC_ROLE) && last[0] != s && !r->hyp[s] && c
                   && !object(t, m->start) && !hedged(c, m->start) && role_held(r, c, m)
                   && !career_clause(r, c)) {
            /* a role held for years (I've been a product manager for seven
             * years) is a career, not the task of an occasion */
            last[0] = s;    /* a role held in the occasion: I was the shift supervisor */
            push(r, SC_EV_OWNERSHIP, s, span_of(r, m->start, m->end), cs, 0, 0, z);
        } else if (is_class(m, EVC_SITUATION) && last[1] != s && !r->hyp[s]) {
            last[1] = s;
            push(r, SC_EV_SITUATION, s, span_of(r, m->start, m->end), cs, 0, 0, z);
        } else if (is_class(m, EVC_OBSTACLE) && last[2] != s) {
            for (size_t k = 0; k < r->ncl; k++) {
                const clause_t *a = &r->cl[k];
                if (a->action && a->end > m->end && a->sentence <= s + 2) {
                    last[2] = s;
                    push(r, SC_EV_OBSTACLE, s, span_of(r, m->start, m->end), cs, 0, 0, z);
                    break;
                }
            }
        }
    }
    /* a calendar year opens a situation: 2021年, in 2021 */
    for (uint32_t k = 0; k < t->ntoks; k++) {
        const sc_token_t *tk = &t->toks[k];
        uint32_t s = tk->sentence;
        if (tk->kind != SC_TOK_NUMBER || tk->end - tk->start != 4 || last[1] == s || r->hyp[s]
            || r->habit[s])
            continue;
        const UChar *w = t->norm + tk->start;
        bool year = (w[0] == '1' && w[1] == '9') || (w[0] == '2' && w[1] == '0');
        bool nian = tk->end < t->nlen && t->norm[tk->end] == 0x5E74; /* 年 */
        bool in = tk->start >= 3 && t->norm[tk->start - 1] == ' ' && t->norm[tk->start - 2] == 'n'
            && t->norm[tk->start - 3] == 'i';
        const clause_t *c = clause_at(r, tk->start);
        /* a year on a CV line (top rep in the region in 2023) dates a career */
        if (year && (nian || in) && !(c && career_clause(r, c))) {
            last[1] = s;
            push(r, SC_EV_SITUATION, s, span_of(r, tk->start, tk->end + nian),
                 c ? span_of(r, c->start, c->end) : span_of(r, tk->start, tk->end), 0, 0,
                 (sc_span_t){ 0, 0 });
        }
    }
}

/* ---- outcomes ---- */

/* A plain number at token k ("4.3", "150"), or -1. */
static double plain_number(const sc_text_t *t, const sc_token_t *k)
{
    double v = 0, frac = 0;
    for (uint32_t u = k->start; u < k->end; u++) {
        UChar c = t->norm[u];
        if (c >= '0' && c <= '9') {
            if (frac > 0) {
                v += (c - '0') * frac;
                frac /= 10;
            } else {
                v = v * 10 + (c - '0');
            }
        } else if (c == '.' && frac == 0) {
            frac = 0.1;
        } else if (c != ',') {
            return -1;
        }
    }
    return v;
}

typedef struct {
    double rel;               /* a relative size, ln; < 0 when none */
    double value[2];          /* plain values in order */
    int nvalues;
    sc_span_t span;
} sizes_t;

static void note_value(sizes_t *z, double v, sc_span_t span)
{
    if (v <= 0)
        return;
    if (z->nvalues < 2)
        z->value[z->nvalues++] = v;
    else {
        z->value[0] = z->value[1];
        z->value[1] = v;
    }
    if (z->span.end == 0)
        z->span = span;
}

static double relative(int dir, double frac)
{
    if (frac >= 1)
        return log(frac);
    return dir < 0 ? -log(1 - frac) : log(1 + frac);
}

/* Sizes in [a, b): size words, percentages, multiples, X成, plain numbers. */
static void find_sizes(const run_t *r, uint32_t a, uint32_t b, int dir, sizes_t *z)
{
    const sc_text_t *t = r->t;
    for (size_t i = cue_from(r, a); i < r->m.n && r->m.v[i].start < b; i++) {
        const sc_match_t *m = &r->m.v[i];
        if (!is_class(m, EVC_SIZE) || m->start < a || m->start >= b || z->rel >= 0)
            continue;
        const ev_cue_src_t *e = &ev_classes[EVC_SIZE].v[TAG_INDEX(m->tag)];
        z->rel = e->size_kind == 2 ? log(e->size) : relative(dir, e->size);
        z->span = span_of(r, m->start, m->end);
    }
    for (size_t i = 0; i < r->ev->n_quantities && z->rel < 0; i++) {
        const sc_quantity_t *q = &r->ev->quantities[i];
        if (q->nstart < a || q->nstart >= b)
            continue;
        if (q->kind == SC_Q_PERCENT) {
            z->rel = relative(dir, fmin(q->value, 95) / 100);
            z->span = q->span;
        } else if (q->kind == SC_Q_TIMES && q->value > 1) {
            z->rel = log(q->value);
            z->span = q->span;
        } else {
            note_value(z, q->value, q->span);
        }
    }
    for (uint32_t k = sc_text_token_at(t, a); k < t->ntoks && t->toks[k].start < b; k++) {
        const sc_token_t *tk = &t->toks[k];
        if (tk->start < a)
            continue;
        bool cheng = tk->end < t->nlen && t->norm[tk->end] == 0x6210; /* 成 */
        if (tk->kind == SC_TOK_NUMBER) {
            double v = plain_number(t, tk);
            bool seen = false;
            for (size_t i = 0; i < r->ev->n_quantities; i++)
                seen |= r->ev->quantities[i].nstart <= tk->start && r->ev->quantities[i].nend > tk->start;
            if (!seen)
                note_value(z, v, span_of(r, tk->start, tk->end));
        } else if (tk->kind == SC_TOK_IDEO || cheng) {
            /* 三成 / 七成: tenths of the measure */
            for (uint32_t u = tk->start; u + 1 < tk->end + (tk->end < t->nlen); u++) {
                static const UChar digits[] = u"一二三四五六七八九";
                const UChar *d = u_strchr(digits, t->norm[u]);
                if (!d || t->norm[u + 1] != 0x6210)
                    continue;
                if (u > 0 && t->norm[u - 1] == 0x5230 /* 到: a level */)
                    note_value(z, (double)(d - digits + 1) * 10, span_of(r, u, u + 2));
                else if (z->rel < 0 && dir) {
                    z->rel = relative(dir, (double)(d - digits + 1) / 10);
                    z->span = span_of(r, u, u + 2);
                }
            }
        }
    }
}

/* A borrowed subject (the company, the market) before unit `before` in c's
 * sentence, or, with clause set, in c itself. */
static bool borrowed(const run_t *r, const clause_t *c, uint32_t before, bool clause)
{
    for (size_t i = 0; i < r->m.n; i++) {
        const sc_match_t *m = &r->m.v[i];
        if (is_class(m, EVC_BORROWED) && m->start < before
            && r->t->toks[m->tok].sentence == c->sentence && (!clause || in_clause(c, m)))
            return true;
    }
    return false;
}

/* The last plain value in the three sentences before s, for "back to 4.3". */
static double baseline(const run_t *r, uint32_t s, uint32_t before)
{
    uint32_t first = s >= 3 ? s - 3 : 0;
    double b = 0;
    for (size_t k = 0; k < r->ncl && r->cl[k].end <= before; k++) {
        const clause_t *c = &r->cl[k];
        if (c->sentence < first
            || !(clause_has(r, c, EVC_UP, c->end) || clause_has(r, c, EVC_DOWN, c->end)))
            continue;
        sizes_t z = { .rel = -1 };
        find_sizes(r, c->start, c->end, 0, &z);
        if (z.nvalues)
            b = z.value[z.nvalues - 1];
    }
    return b;
}

/* Does a number follow unit u within three characters (提到了 4.5%, 提到了百分之十)? */
static bool number_after(const sc_text_t *t, uint32_t u)
{
    static const UChar zh[] = u"一二两三四五六七八九十百千万零半";
    for (uint32_t i = u; i < t->nlen && i < u + 3; i++) {
        UChar ch = t->norm[i];
        if ((ch >= '0' && ch <= '9') || u_strchr(zh, ch))
            return true;
    }
    return false;
}

/* Is the change at m told as done: 了 after it in its clause (涨了三成, 提升
 * 了一倍), or in English a verb in the past (went up)? Not a plan (我们要把满意
 * 度提升到九成). */
static bool told_done(const run_t *r, const clause_t *c, const sc_match_t *m)
{
    const sc_text_t *t = r->t;
    if (t->norm[m->start] < 0x2E80) {
        for (uint32_t k = sc_text_token_at(t, m->start); k < t->ntoks && t->toks[k].start < m->end;
             k++)
            if (ends_ed(t, k) || covered(r, EVC_PAST_EN, t->toks[k].start))
                return true;
        return c->past;
    }
    for (uint32_t u = m->start; u < c->end; u++)
        if (t->norm[u] == 0x4E86 /* 了 */)
            return true;
    return false;
}

/* Does the change cue r->m.v[i] hold a goal cue: beating the target (超了目标,
 * "beat our target"), an outcome whatever goal its sentence states? */
static bool beats(const run_t *r, size_t i)
{
    const sc_match_t *m = &r->m.v[i];
    for (size_t j = i + 1; j < r->m.n && r->m.v[j].start < m->end; j++)
        if (is_class(&r->m.v[j], EVC_TARGET) && r->m.v[j].end <= m->end)
            return true;
    return false;
}

static void find_outcomes(run_t *r)
{
    const sc_text_t *t = r->t;
    const clause_t *done = NULL;
    bool owned = false;
    uint32_t seen_end = 0;
    size_t k = 0;               /* clauses up to the cue: one pass, cues are in text order */
    for (size_t i = 0; i < r->m.n; i++) {
        const sc_match_t *m = &r->m.v[i];
        bool up = is_class(m, EVC_UP) || (is_class(m, EVC_RAISED) && number_after(t, m->end)),
             down = is_class(m, EVC_DOWN);
        if (is_class(m, EVC_OWNERSHIP))
            owned = true;
        for (; k < r->ncl && r->cl[k].start <= m->start; k++)
            if (r->cl[k].action)
                done = &r->cl[k];
        if (!up && !down)
            continue;
        const clause_t *c = clause_at(r, m->start);
        uint32_t s = t->toks[m->tok].sentence;
        /* a word of a compound (saved-search alerts, a cut-down form) is no change */
        if (!c || m->start < seen_end || r->hyp[s] || (aimed(r, s, m->start) && !beats(r, i))
            || (m->end < t->nlen && t->norm[m->end] == '-')
            || sc_evidence_negated(t, r->ev, m->start, m->tok, NULL))
            continue;
        bool mine_here = c->action || (done && done->sentence == s);
        seen_end = m->end;
        /* the company's change in a clause of its own is not the speaker's,
         * even after a deed of theirs earlier in the sentence */
        if ((!done && !owned) || (borrowed(r, c, m->start, false) && !mine_here)
            || (borrowed(r, c, m->start, true) && !c->action)) {
            r->out->unattributed++;
            if (!r->lent_change && told_done(r, c, m) && !r->disown[s] && !aimed(r, s, m->start))
                r->lent_change = m; /* a change told: the result if nothing is the speaker's */
            continue;
        }
        int dir = up ? 1 : -1;
        sizes_t z = { .rel = -1 };
        find_sizes(r, c->start, c->end, dir, &z);
        double size = 0;
        if (z.rel >= 0)
            size = z.rel;
        else if (z.nvalues == 2)
            size = fabs(log(z.value[1] / z.value[0]));
        else if (z.nvalues == 1) {
            double b = baseline(r, s, c->start);
            size = b > 0 ? fabs(log(z.value[0] / b)) : SC_EV_SIZE_UNRELATED;
        }
        if (z.rel >= 0 || z.nvalues) {
            size = fmin(fmax(size, 0.01), SC_EV_SIZE_MAX);
            r->out->sized++;
            if (size > r->out->outcome_size)
                r->out->outcome_size = size;
        }
        push(r, SC_EV_OUTCOME, s, span_of(r, m->start, m->end), span_of(r, c->start, c->end),
             dir, size, z.rel >= 0 || z.nvalues ? z.span : (sc_span_t){ 0, 0 });
    }
}

/* ---- STAR parts ---- */

static void set_part(run_t *r, sc_star_part_t p, uint32_t s, sc_span_t cue)
{
    sc_star_evidence_t *e = &r->out->star[p];
    if (!e->present || s < e->sentence)
        *e = (sc_star_evidence_t){ true, s, r->ev->sentences[s].span, cue, false };
}

/* The clause of a job cue (EVC_JOB, or a workplace: EVC_WORKPLACE) at m that states the job the speaker
 * held in the story, or NULL: the speaker is the clause's subject (stated, carried, or none yet:
 * 去年在一家电商的客服中心，我发现…), not hedged, planned, a
 * habit or a career (held for years); a Chinese verb comes after 在 in its
 * clause (我在客服中心接电话, 我在卖润滑油), within 16 units of it (an English word
 * counting two), or right after 是 (我之前是卖会员卡的), and is
 * neither a deed (做了, 干过) nor inside a description of the place (一家做外贸
 * 的公司: 的 and an organisation word after it; 做他们的收听App is a job). */
static const clause_t *job_held(const run_t *r, const sc_match_t *m)
{
    const sc_text_t *t = r->t;
    const UChar *n = t->norm;
    const clause_t *c = clause_at(r, m->start);
    uint32_t s = t->toks[m->tok].sentence;
    if (!c || (c->subject != SUBJ_SELF && c->subject != SUBJ_NONE) || r->hyp[s] || r->habit[s]
        || hedged(c, m->start) || career_clause(r, c))
        return NULL;
    if (n[m->start] < 0x2E80)
        return c; /* an English cue names the speaker itself */
    /* 在 within 16 units before it, an English word counting two (我之前在一个
     * 水上乐园的 ticketing app 做 backend), or the copula right before it (我
     * 之前是卖会员卡的) */
    bool at = m->start > c->start && n[m->start - 1] == 0x662F; /* 是 */
    uint32_t dist = 0;
    for (uint32_t u = m->start; u > c->start && dist <= 16 && !at; u--) {
        UChar ch = n[u - 1];
        at = ch == 0x5728; /* 在 */
        if (ch >= 0x2E80)
            dist++;
        else if (u_isalpha(ch) && (u - 1 == c->start || !u_isalpha(n[u - 2])))
            dist += 2;
    }
    if (!at || (m->end < c->end && (n[m->end] == 0x4E86 || n[m->end] == 0x8FC7))) /* 了 过 */
        return NULL;
    /* a workplace (我在轮渡公司的售票中心) is the job when it ends the clause:
     * 我在中心门口等了半天 is a place, not a post */
    if (is_class(m, EVC_WORKPLACE)) {
        for (uint32_t u = m->end; u < c->end; u++)
            if (n[u] != ' ' && !u_ispunct(n[u]))
                return NULL;
        return c;
    }
    /* 的 then an organisation within six units: the verb describes the place */
    static const UChar org[] = u"司业厂店构团所";
    for (uint32_t u = m->end; u < c->end; u++)
        if (n[u] == 0x7684 /* 的 */)
            for (uint32_t v = u + 1; v < c->end && v <= u + 6; v++)
                if (u_strchr(org, n[v]))
                    return NULL;
    return c;
}

/* The clause of the job the speaker held that the cue m states, when m is a
 * job or workplace cue (job_held), else NULL. */
static const clause_t *job_at(const run_t *r, const sc_match_t *m)
{
    return is_class(m, EVC_JOB) || is_class(m, EVC_WORKPLACE) ? job_held(r, m) : NULL;
}

/* The first item of kind k (items of one kind are in text order but for
 * situations, whose years come after the cues: the earliest sentence wins). */
static const sc_ev_item_t *first_item(const sc_ev_t *o, sc_ev_kind_t k)
{
    const sc_ev_item_t *best = NULL;
    for (size_t i = 0; i < o->n_items; i++)
        if (o->items[i].kind == k && (!best || o->items[i].sentence < best->sentence))
            best = &o->items[i];
    return best;
}

/* The first deed of the speaker that is not a CV line (I carried a quota for
 * six years, 做过三个B端项目): the guide marks no action for a deed told as
 * a career fact; with sure, nor hedged before its verb (Maybe I talked with
 * them sometimes, 好像是我跟班长提过一嘴): a hedged deed tells a story but is
 * no action that survives the hedge. NULL when there is none. */
static const sc_ev_item_t *first_deed(const run_t *r, bool sure)
{
    for (size_t k = 0; k < r->ncl; k++) {
        const clause_t *c = &r->cl[k];
        if (!c->action || cv_line(r, c) || (sure && c->hedge && c->hedge - 1 < c->verb_start))
            continue;
        sc_span_t v = span_of(r, c->verb_start, c->verb_end);
        for (size_t i = 0; i < r->out->n_items; i++) {
            const sc_ev_item_t *it = &r->out->items[i];
            if (it->kind == SC_EV_ACTION && it->span.start == v.start && it->span.end == v.end)
                return it;
        }
    }
    return NULL;
}

/* A CV that names one occasion with the speaker's responsibility in it
 * (2022年物流园搬迁那三个月，我负责夜班的收发货): an opener and an ownership in
 * one sentence are that occasion's situation and task; the rest of a CV has
 * no part. */
static void cv_occasion(run_t *r)
{
    const sc_ev_t *o = r->out;
    for (size_t i = 0; i < o->n_items; i++) {
        const sc_ev_item_t *w = &o->items[i];
        if (w->kind != SC_EV_OWNERSHIP)
            continue;
        bool cv = false;    /* 我之前在两家公司做产品，负责的产品做到过…: a CV line */
        for (size_t k = 0; k < r->ncl && !cv; k++)
            cv = r->cl[k].sentence == w->sentence && career_clause(r, &r->cl[k]);
        for (size_t k = 0; !cv && k < o->n_items; k++)
            if (o->items[k].kind == SC_EV_SITUATION && o->items[k].sentence == w->sentence) {
                set_part(r, SC_STAR_SITUATION, (uint32_t)w->sentence, o->items[k].span);
                set_part(r, SC_STAR_TASK, (uint32_t)w->sentence, w->span);
                return;
            }
    }
}

/* With no deed of the speaker, does the story go on after unit u of
 * sentence s: the team acts or a change is told from u on, or a result is
 * told in sentence told_s > s (0: none)? */
static bool told_later(const run_t *r, uint32_t u, size_t s, uint32_t told_s)
{
    if (told_s > s || (r->lent_change && r->lent_change->start >= u))
        return true;
    for (size_t k = 0; k < r->ncl; k++)
        if (r->cl[k].team && r->cl[k].start >= u)
            return true;
    return false;
}

/* The job the speaker held, said plainly (I sell irrigation pumps, 我在
 * 客服中心接电话), is the task when the story goes on after it: the speaker
 * acts, or, when the speaker does nothing in it (acted false), the team acts,
 * a change is told (我在一家经销公司做销售助理。那一年公司销售额涨了四成: the
 * guide's borrowed result keeps the job as the task) or a result is told in a
 * sentence before told_s (0: none). */
static void job_task(run_t *r, bool acted, uint32_t told_s)
{
    for (size_t i = 0; i < r->m.n; i++) {
        const sc_match_t *m = &r->m.v[i];
        const clause_t *c = job_at(r, m);
        if (!c)
            continue;
        bool after = !acted && told_later(r, c->end, c->sentence, told_s);
        for (size_t k = 0; k < r->ncl && !after; k++)
            after = r->cl[k].action && r->cl[k].start >= c->end;
        if (after) {
            set_part(r, SC_STAR_TASK, r->t->toks[m->tok].sentence, span_of(r, m->start, m->end));
            return;
        }
    }
}

/* The STAR parts of the answer from the evidence found above and star.c's
 * sentence cues (the rules are in evidence.h and docs/scoring-text.md). */
static void decide_star(run_t *r)
{
    sc_ev_t *o = r->out;
    const sc_evidence_t *ev = r->ev;
    const size_t n = ev->n_sentences;
    bool disowned = false, opened = false;
    for (size_t s = 0; s < r->t->nsents; s++)
        disowned |= r->disown[s];
    for (size_t i = 0; i < o->n_items; i++)
        opened |= o->items[i].kind == SC_EV_SITUATION;
    /* "I haven't handled escalations. I mostly answered…": a routine, not an
     * occasion; a nearby story is one */
    if ((disowned && !opened && !o->flag[SC_EVF_NEARBY_STORY].set) || o->flag[SC_EVF_NEGATED].set)
        return;
    const sc_ev_item_t *act = first_deed(r, false);
    const sc_ev_item_t *team = first_item(o, SC_EV_TEAM);
    const sc_ev_item_t *own = first_item(o, SC_EV_OWNERSHIP);
    const sc_ev_item_t *out = first_item(o, SC_EV_OUTCOME);
    const sc_ev_item_t *sit = first_item(o, SC_EV_SITUATION);
    /* the first sentence of the speaker's own part of the story */
    size_t mine = act ? act->sentence : own ? own->sentence : SIZE_MAX;
    bool story = act || team || out || o->unattributed;
    /* a list of terms, CV facts or claims with no deed of anyone: no part */
    if (!story && (o->flag[SC_EVF_KEYWORD_LIST].set || o->flag[SC_EVF_CREDENTIALS].set
                   || o->flag[SC_EVF_GENERIC_CLAIM].set)) {
        if (o->flag[SC_EVF_CREDENTIALS].set)
            cv_occasion(r);
        return;
    }
    /* a CV whose deeds are all CV lines (I carried a quota for six years, made
     * President's Club twice): the flag holds only when no deed is outside one */
    if (o->flag[SC_EVF_CREDENTIALS].set && !team && !out && !o->unattributed) {
        cv_occasion(r);
        return;
    }

    const sc_ev_item_t *deed = first_deed(r, true);
    if (deed)
        set_part(r, SC_STAR_ACTION, (uint32_t)deed->sentence, deed->span);

    /* the task is the speaker's part in a story where they act: ownership or
     * a role with no deed of the speaker (我在里面负责一个小模块) is a CV
     * fact; a task word after the speaker's last deed is a reflection
     * (我觉得还需要再锻炼), not the task of the story */
    size_t last_act = 0;
    for (size_t i = 0; i < o->n_items; i++)
        if (o->items[i].kind == SC_EV_ACTION && o->items[i].sentence > last_act)
            last_act = o->items[i].sentence;
    /* with no deed of the speaker, a role held is the task of a story that
     * goes on after it, as the job held is (job_task): I was the partnerships
     * intern… That season the club's sponsorship revenue went up 60% */
    if (own && (act || (story && told_later(r, r->t->sents[own->sentence].end, own->sentence,
                                            0))))
        set_part(r, SC_STAR_TASK, (uint32_t)own->sentence, own->span);
    /* a job held by running it (I ran the morning deliveries) is the task when
     * the speaker acts in a later sentence; alone it is a CV fact */
    for (size_t i = 0; act && i < r->m.n; i++) {
        const sc_match_t *m = &r->m.v[i];
        uint32_t s = r->t->toks[m->tok].sentence;
        const clause_t *c = clause_at(r, m->start);
        if (!is_class(m, EVC_CHARGE) || !c || !c->action || r->hyp[s] || career_clause(r, c))
            continue;
        for (size_t k = 0; k < o->n_items; k++)
            if (o->items[k].kind == SC_EV_ACTION && o->items[k].sentence > s) {
                set_part(r, SC_STAR_TASK, s, span_of(r, m->start, m->end));
                break;
            }
        break;
    }
    if (story)
        job_task(r, act != NULL, 0);
    /* a sentence whose first hedge comes before its first deed of the speaker
     * (我好像是负责这个模块的，我把接口重写了) hedges its task word too */
    bool *hedged_s = act ? calloc(n + 1, sizeof *hedged_s) : NULL;
    bool *acted_s = hedged_s ? calloc(n + 1, sizeof *acted_s) : NULL;
    if (act && !acted_s)
        r->oom = true;
    for (size_t k = 0; acted_s && k < r->ncl; k++) {
        const clause_t *c = &r->cl[k];
        if (c->sentence < n && c->hedge && !acted_s[c->sentence])
            hedged_s[c->sentence] = true;
        if (c->sentence < n && c->action)
            acted_s[c->sentence] = true;
    }
    for (size_t s = 0; s <= last_act && acted_s && s < n; s++) {
        const sc_sentence_t *x = &ev->sentences[s];
        if (x->cue[SC_F_TASK].found && x->cue[SC_F_ACTOR].found && !r->hyp[s] && !r->target[s]
            && !hedged_s[s])
            set_part(r, SC_STAR_TASK, (uint32_t)s, x->cue[SC_F_TASK].span);
    }
    free(hedged_s);
    free(acted_s);
    /* the goal set for the story (领导给的目标是…, the target was…) is the task
     * the speaker then acted on: a goal sentence before a later deed of the
     * speaker's; its span is the goal cue */
    for (size_t s = 0; act && !o->star[SC_STAR_TASK].present && s < last_act && s < n; s++)
        if (r->target[s] && !r->hyp[s] && !r->disown[s] && !r->habit[s]) {
            uint32_t u = r->target[s] - 1;
            for (size_t i = cue_from(r, u); i < r->m.n && r->m.v[i].start == u; i++)
                if (is_class(&r->m.v[i], EVC_TARGET)) {
                    set_part(r, SC_STAR_TASK, (uint32_t)s, span_of(r, u, r->m.v[i].end));
                    break;
                }
        }

    if (out)
        set_part(r, SC_STAR_RESULT, (uint32_t)out->sentence, out->span);
    /* a result word in a sentence of the company's change (那一年整个中心的满意度
     * 涨到了九十三) with no deed of the speaker in it is not the speaker's:
     * per sentence, 1 = names a borrowed subject, 2 = and holds a deed */
    unsigned char *lent = n ? calloc(n + 1, 1) : NULL;
    if (n && !lent)
        r->oom = true;
    for (size_t i = 0; lent && i < r->m.n; i++)
        if (is_class(&r->m.v[i], EVC_BORROWED) && r->t->toks[r->m.v[i].tok].sentence < n)
            lent[r->t->toks[r->m.v[i].tok].sentence] = 1;
    for (size_t k = 0; lent && k < r->ncl; k++)
        if (r->cl[k].action && r->cl[k].sentence < n && lent[r->cl[k].sentence])
            lent[r->cl[k].sentence] = 2;
    for (size_t s = mine == SIZE_MAX ? n : mine; lent && s < n; s++) {
        const sc_sentence_t *x = &ev->sentences[s];
        if (x->cue[SC_F_RESULT].found && !r->hyp[s] && !r->target[s] && !r->disown[s]
            && lent[s] != 1)
            set_part(r, SC_STAR_RESULT, (uint32_t)s, x->cue[SC_F_RESULT].span);
    }
    /* a consequence without a number: after the first deed of the speaker or
     * the team, a clause where someone else or the team did something, or a
     * consequence cue; set_part keeps the earlier of the two */
    const clause_t *first_act = NULL;
    for (size_t k = 0; k < r->ncl && !first_act; k++)
        if (r->cl[k].action || r->cl[k].team)
            first_act = &r->cl[k];
    for (size_t k = 0; first_act && k < r->ncl; k++) {
        const clause_t *c = &r->cl[k];
        uint32_t s = c->sentence;
        if (c->start >= first_act->end && !c->action && !r->hyp[s] && !aimed(r, s, c->start)
            && !r->disown[s] && !c->hedge && !borrowed(r, c, c->end, false)
            && ((c->past && (c->subject == SUBJ_OTHER || c->subject == SUBJ_TEAM))
                || leaving(r, c))) {
            set_part(r, SC_STAR_RESULT, s, c->past ? span_of(r, c->verb_start, c->verb_end)
                                                   : span_of(r, c->start, c->end));
            break;
        }
    }
    for (size_t i = 0; first_act && i < r->m.n; i++) {
        const sc_match_t *m = &r->m.v[i];
        uint32_t s = r->t->toks[m->tok].sentence;
        const clause_t *mc = clause_at(r, m->start);
        /* 之后好像就没再出过事, 结果应该还行吧: a hedged consequence is no result,
         * nor is one the speaker does not know (后来有没有改我就不知道了) */
        if (is_class(m, EVC_CONSEQUENCE) && m->start >= first_act->end && !r->hyp[s]
            && !aimed(r, s, m->start) && !r->disown[s] && !(mc && mc->hedge)
            && !(mc && clause_has(r, mc, EVC_UNKNOWN, mc->end))) {
            set_part(r, SC_STAR_RESULT, s, span_of(r, m->start, m->end));
            break;
        }
    }
    /* failing the speaker's own, the company's outcome told in the story
     * (我进去那年公司新签客户翻了一番) is its result part, marked borrowed: the
     * guide marks it R and lets it earn nothing */
    for (size_t s = 0; lent && !o->star[SC_STAR_RESULT].present && s < n; s++) {
        const sc_sentence_t *x = &ev->sentences[s];
        if (lent[s] == 1 && x->cue[SC_F_RESULT].found && !r->hyp[s] && !r->target[s]
            && !r->disown[s]) {
            set_part(r, SC_STAR_RESULT, (uint32_t)s, x->cue[SC_F_RESULT].span);
            o->star[SC_STAR_RESULT].borrowed = true;
        }
    }
    /* or the first change told that could not be the speaker's (那一年整體效率提升了
     * 一倍, satisfaction across the centre went up): borrowed too; not in a
     * list of terms, where 提升了 is vocabulary */
    const sc_match_t *lc = r->lent_change;
    if (!o->star[SC_STAR_RESULT].present && lc && !o->flag[SC_EVF_KEYWORD_LIST].set) {
        set_part(r, SC_STAR_RESULT, r->t->toks[lc->tok].sentence, span_of(r, lc->start, lc->end));
        o->star[SC_STAR_RESULT].borrowed = true;
    }
    free(lent);

    /* a company's record or change told after the job held (我在港口的堆场做
     * 理货员。我们堆场去年全年零事故) is the story the answer tells */
    const sc_star_evidence_t *lent_r = &o->star[SC_STAR_RESULT];
    if (!story && lent_r->present) {
        story = true;
        job_task(r, false, (uint32_t)lent_r->sentence);
        if (own && told_later(r, r->t->sents[own->sentence].end, own->sentence,
                              (uint32_t)lent_r->sentence))
            set_part(r, SC_STAR_TASK, (uint32_t)own->sentence, own->span);
    }
    if (!story) {
        cv_occasion(r);
        return;
    }
    if (sit)
        set_part(r, SC_STAR_SITUATION, (uint32_t)sit->sentence, sit->span);
    for (size_t s = 0; s < n; s++) {
        const sc_sentence_t *x = &ev->sentences[s];
        if (x->cue[SC_F_SITUATION].found && !r->hyp[s])
            set_part(r, SC_STAR_SITUATION, (uint32_t)s, x->cue[SC_F_SITUATION].span);
    }
    const sc_ev_item_t *first = act;
    if (team && (!first || team->sentence < first->sentence))
        first = team;
    if (out && (!first || out->sentence < first->sentence))
        first = out;
    if (first && !o->star[SC_STAR_SITUATION].present)
        set_part(r, SC_STAR_SITUATION, (uint32_t)first->sentence, first->span);
    /* a story of someone else's change alone (That spring the company's online
     * orders went up by a third) has its occasion where the change is told:
     * the sentence up to the change */
    const sc_star_evidence_t *told = &o->star[SC_STAR_RESULT];
    if (!first && told->present && !o->star[SC_STAR_SITUATION].present)
        set_part(r, SC_STAR_SITUATION, (uint32_t)told->sentence,
                 (sc_span_t){ told->sentence_span.start, told->cue.end });
}

static bool one_claim(const run_t *r);

/* Does the answer list terms: a sentence with no deed in it, cut by commas
 * or 、 into five short items or more, of at most four words or eight
 * characters ("I am very familiar with funnel analysis, retention, cohort
 * analysis, A/B test, also SQL, Python…", 陌拜、电话营销、转介绍、展会、行业协会)? */
static bool lists_terms(const run_t *r)
{
    const sc_text_t *t = r->t;
    size_t k = 0;   /* clauses are in text order: one walk beside the sentences */
    for (uint32_t s = 0; s < t->nsents; s++) {
        bool acted = false;
        for (; k < r->ncl && r->cl[k].sentence <= s; k++)
            acted |= r->cl[k].sentence == s && (r->cl[k].action || r->cl[k].team);
        if (acted)
            continue;
        unsigned items = 0, han = 0, words = 0;
        bool in_word = false;
        for (uint32_t u = t->sents[s].start; u <= t->sents[s].end; u++) {
            UChar ch = u < t->sents[s].end ? t->norm[u] : 0;
            if (!ch || ch == ',' || ch == 0x3001 /* 、 */ || ch == 0xFF0C /* ， */) {
                items += (han || words) && han <= 8 && words <= 4;
                han = words = 0;
                in_word = false;
            } else if (ch >= 0x2E80) {
                han++;
                in_word = false;
            } else {
                words += u_isalnum(ch) && !in_word;
                in_word = u_isalnum(ch) || ch == '/' || ch == '-';
            }
        }
        if (items >= 5)
            return true;
    }
    return false;
}

/* A lone deed is no story: one action clause of the speaker's, and nothing
 * else a story is made of — no occasion opened, no one else in it, no task or
 * result told, no deed of the team, no ownership, obstacle or outcome ("I also did the
 * Grokking course" in a list of terms, 去年我一个人加了一千多个微信好友 among
 * prospecting words, "Ran crews at three different DCs" in a CV). The guide
 * marks no part for it; decide_star had made the deed's sentence the
 * occasion and the deed the action. Both go. */
static void drop_lone_deed(run_t *r)
{
    sc_ev_t *o = r->out;
    const sc_star_evidence_t *st = o->star;
    /* one bare claim (one_claim: an occasion opened only in the deed's own
     * sentence), with no outcome at all */
    if (!one_claim(r) || o->count[SC_EV_OUTCOME] || o->unattributed
        || st[SC_STAR_TASK].present || st[SC_STAR_RESULT].present
        || !st[SC_STAR_ACTION].present)
        return;
    /* an occasion opened makes a thin story (Last month a customer shouted at
     * me, and I stayed calm), unless it only dates the one unexplained
     * figure slipped into a list of terms (…cohort analysis, A/B test, SQL,
     * Python. Last year I made about thirty dashboards): the guide's keyword
     * list, no part */
    const size_t as = st[SC_STAR_ACTION].sentence;
    bool dated = o->count[SC_EV_SITUATION] > 0;
    if (dated && !lists_terms(r))
        return;
    /* someone else acting in the story (有一家酒店说…了) or beside the deed
     * (我就把它挪到了下午，司机也没意见) makes an occasion */
    for (size_t k = 0; k < r->ncl; k++)
        if (r->cl[k].subject == SUBJ_OTHER && (r->cl[k].past || r->cl[k].sentence == as))
            return;
    const sc_span_t a = st[SC_STAR_ACTION].cue, s = st[SC_STAR_SITUATION].cue;
    if (!dated && st[SC_STAR_SITUATION].present && (s.start != a.start || s.end != a.end))
        return;  /* a situation cue of its own (at the time, 当时): a thin story */
    o->star[SC_STAR_SITUATION] = (sc_star_evidence_t){ 0 };
    o->star[SC_STAR_ACTION] = (sc_star_evidence_t){ 0 };
}

/* ---- flags ---- */

static void flag(run_t *r, sc_ev_flag_t f, const char *reason, sc_span_t span)
{
    r->out->flag[f] = (sc_ev_flagged_t){ true, reason, span };
}

/* Are two keywords, the first ending at a1 and the next starting at b0,
 * listed together: between them only punctuation, spaces, joining words
 * (and, or, 和, 或) and at most one other word ("SQL、Python、Tableau
 * dashboard")? */
static bool listed(const run_t *r, uint32_t a1, uint32_t b0)
{
    const sc_text_t *t = r->t;
    size_t words = 0;
    for (uint32_t k = sc_text_token_at(t, a1); k < t->ntoks && t->toks[k].start < b0; k++) {
        const sc_token_t *tk = &t->toks[k];
        if (tk->end <= a1 || tk->kind == SC_TOK_SPACE || tk->kind == SC_TOK_PUNCT
            || covered(r, EVC_LIST_JOIN, tk->start))
            continue;
        if (++words > 1)
            return false;
    }
    return true;
}

/* A short item of a list: one to three words, at least two characters
 * that are not filler nor joining words (嗯，就，就 is a restart; 还有那个
 * joins), not naming the speaker (as subject, or "on my screen": the
 * speaker's own things are a story's, not terms) and not a claim (抗压能力很强
 * says what the speaker is like). */
static bool claim_clause(const run_t *r, const clause_t *c);
static bool list_item(const run_t *r, const clause_t *c)
{
    const sc_text_t *t = r->t;
    size_t words = 0, chars = 0;
    for (uint32_t k = sc_text_token_at(t, c->start); k < t->ntoks && t->toks[k].start < c->end; k++) {
        const sc_token_t *tk = &t->toks[k];
        if (tk->kind == SC_TOK_SPACE || tk->kind == SC_TOK_PUNCT
            || sc_evidence_filler_at(t, r->ev, tk->start, false) || covered(r, EVC_LIST_JOIN, tk->start))
            continue;
        words++;
        chars += tk->end - tk->start;
    }
    return words >= 1 && words <= 3 && chars >= 2 && !(c->stated && c->subject == SUBJ_SELF)
        && !names_speaker(r, c->start, c->end) && !claim_clause(r, c);
}

/* Do clauses a and b say the same words (spaces aside)? */
static bool same_words(const sc_text_t *t, const clause_t *a, const clause_t *b)
{
    uint32_t i = a->start, j = b->start;
    for (;;) {
        while (i < a->end && t->norm[i] == ' ')
            i++;
        while (j < b->end && t->norm[j] == ' ')
            j++;
        if (i == a->end || j == b->end)
            return i == a->end && j == b->end;
        if (t->norm[i++] != t->norm[j++])
            return false;
    }
}

/* Does [a, b) overlap a clause with a deed of the speaker? */
static bool acted_in(const run_t *r, uint32_t a, uint32_t b)
{
    for (size_t ci = 0; ci < r->ncl; ci++)
        if (r->cl[ci].action && r->cl[ci].start < b && r->cl[ci].end > a)
            return true;
    return false;
}

/* A list of the field's terms: three or more competency keywords listed
 * together (listed above), or, unless terms_only, three or more distinct
 * short items in a row cut by 、 or commas. A list inside a plan (the steps of "I would…") or inside a
 * clause where the speaker acts (I used SQL, Python and Tableau to…) is not
 * one. *span receives the first list found. */
static bool find_list(const run_t *r, const uint32_t *kw, size_t nkw, bool terms_only,
                      sc_span_t *span)
{
    const sc_text_t *t = r->t;
    for (uint32_t s = 0; s < t->nsents; s++) {
        if (r->hyp[s])
            continue;
        /* keywords of the sentence in text order (insertion: a handful) */
        size_t idx[32], n = 0;
        for (size_t i = 0; i < nkw && n < 32; i++) {
            if (kw[2 * i] < t->sents[s].start || kw[2 * i] >= t->sents[s].end)
                continue;
            size_t j = n++;
            while (j > 0 && kw[2 * idx[j - 1]] > kw[2 * i]) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = i;
        }
        size_t run = 0;
        uint32_t ra = 0, rb = 0;
        for (size_t j = 0; j < n; j++) {
            uint32_t a = kw[2 * idx[j]], b = kw[2 * idx[j] + 1];
            if (run && a < rb)
                continue;   /* the same words matched twice (a keyword and its synonym) */
            if (run && listed(r, rb, a))
                run++;
            else {
                run = 1;
                ra = a;
            }
            rb = b;
            if (run >= 3 && !acted_in(r, ra, rb)) {
                /* take the whole run */
                for (size_t q = j + 1; q < n; q++) {
                    uint32_t qa = kw[2 * idx[q]];
                    if (qa < rb)
                        continue;
                    if (!listed(r, rb, qa))
                        break;
                    rb = kw[2 * idx[q] + 1];
                }
                if (!acted_in(r, ra, rb)) {
                    *span = span_of(r, ra, rb);
                    return true;
                }
            }
        }
        if (terms_only)
            continue;
        size_t items = 0, best = 0;
        uint32_t ia = 0, ba = 0, bb = 0;
        const clause_t *prev = NULL;
        for (size_t ci = 0; ci < r->ncl; ci++) {
            const clause_t *c = &r->cl[ci];
            if (c->sentence != s)
                continue;
            bool item = list_item(r, c);
            /* the same words again are a restart (the, the, the report), not an item */
            if (item && items && same_words(r->t, prev, c))
                continue;
            prev = c;
            if (item && !items++)
                ia = c->start;
            if (item && items > best) {
                best = items;
                ba = ia;
                bb = c->end;
            }
            if (!item)
                items = 0;
        }
        if (best >= 3 && !acted_in(r, ba, bb)) {
            *span = span_of(r, ba, bb);
            return true;
        }
    }
    return false;
}

/* The speaker's deeds are one bare claim: a single action clause, no deed
 * of the team, no ownership, no obstacle, and no occasion or outcome outside
 * that action's sentence ("…A/B tests, I know them all; I grew retention 25%
 * at my last job"): an unexplained fact, not a story. */
static bool one_claim(const run_t *r)
{
    const sc_ev_t *o = r->out;
    if (o->count[SC_EV_ACTION] != 1 || o->count[SC_EV_TEAM] || o->count[SC_EV_OWNERSHIP]
        || o->count[SC_EV_OBSTACLE])
        return false;
    size_t s = 0;
    for (size_t i = 0; i < o->n_items; i++)
        if (o->items[i].kind == SC_EV_ACTION)
            s = o->items[i].sentence;
    for (size_t i = 0; i < o->n_items; i++)
        if ((o->items[i].kind == SC_EV_SITUATION || o->items[i].kind == SC_EV_OUTCOME)
            && o->items[i].sentence != s)
            return false;
    return true;
}

static bool first_of(const run_t *r, int cls, sc_span_t *span, size_t *count)
{
    size_t n = 0;
    for (size_t i = 0; i < r->m.n; i++)
        if (is_class(&r->m.v[i], cls) && !n++)
            *span = span_of(r, r->m.v[i].start, r->m.v[i].end);
    if (count)
        *count = n;
    return n > 0;
}

/* Is word token k "year" or "years"? */
static bool year_word(const sc_text_t *t, uint32_t k)
{
    return word_is(t, k, u"year") || word_is(t, k, u"years");
}

/* The next word token after unit u, within the range's end b; ntoks if none. */
static uint32_t next_word(const sc_text_t *t, uint32_t u, uint32_t b)
{
    for (uint32_t k = sc_text_token_at(t, u); k < t->ntoks && t->toks[k].start < b; k++)
        if (t->toks[k].start >= u && t->toks[k].kind != SC_TOK_SPACE)
            return t->toks[k].kind == SC_TOK_PUNCT ? t->ntoks : k;
    return t->ntoks;
}

/* Does a point in time end at u: the next word is "ago" (two seasons ago,
 * 3 years ago) or the next character 前 (两年前)? Such a length dates the
 * story; it is not a career's. */
static bool ago(const sc_text_t *t, uint32_t u, uint32_t b)
{
    if (u < b && t->norm[u] == 0x524D /* 前 */)
        return true;
    uint32_t k = next_word(t, u, b);
    return k < t->ntoks && word_is(t, k, u"ago");
}

/* A year-long duration in [a, b): the length of a career ("做销售八年",
 * "for 6 years", "six years": digits, Chinese numerals or English number
 * words before year(s)), not a date (two years ago, 两年前). */
static bool years_in(const run_t *r, uint32_t a, uint32_t b)
{
    for (size_t i = 0; i < r->ev->n_quantities; i++) {
        const sc_quantity_t *q = &r->ev->quantities[i];
        if (q->nstart >= a && q->nstart < b && q->kind == SC_Q_DURATION
            && strcmp(q->unit, "year") == 0 && !ago(r->t, q->nend, b))
            return true;
    }
    for (size_t i = cue_from(r, a); i < r->m.n && r->m.v[i].start < b; i++) {
        const sc_match_t *m = &r->m.v[i];
        if (is_class(m, EVC_NUMBER_EN) && m->start >= a && m->start < b) {
            uint32_t k = next_word(r->t, m->end, b);
            if (k < r->t->ntoks && year_word(r->t, k) && !ago(r->t, r->t->toks[k].end, b))
                return true;
        }
    }
    return false;
}

/* Is there a relative pronoun (that, which, who, where) in [a, u): what
 * follows it describes something the clause names (a laundry that does linen
 * for four hospitals), not the speaker's career? */
static bool relative_before(const run_t *r, uint32_t a, uint32_t u)
{
    static const UChar *const rel[] = { u"that", u"which", u"who", u"where" };
    static const UChar *const prep[] = { u"in", u"at", u"on", u"by", u"for", u"from", u"of",
                                         u"since", u"after", u"before", u"during", u"like" };
    const sc_text_t *t = r->t;
    uint32_t prev = t->ntoks; /* the word before token k */
    for (uint32_t k = sc_text_token_at(t, a); k < t->ntoks && t->toks[k].start < u; k++) {
        if (t->toks[k].kind != SC_TOK_LETTER)
            continue;
        bool is_rel = false;
        for (size_t i = 0; t->toks[k].start >= a && i < sizeof rel / sizeof *rel; i++)
            is_rel |= word_is(t, k, rel[i]);
        /* "in that time": a demonstrative after a preposition, not a relative */
        for (size_t i = 0; is_rel && prev < t->ntoks && i < sizeof prep / sizeof *prep; i++)
            is_rel = !(word_is(t, k, u"that") && word_is(t, prev, prep[i]));
        if (is_rel)
            return true;
        prev = k;
    }
    return false;
}

/* A count of things in [a, b): a number (digits or English words) with a
 * plural English noun within the next three words ("a dozen enterprise
 * accounts", "two startups", "12 clients"; not "two seasons ago", "one of
 * the vans", nor inside a relative clause: "a laundry that does linen for
 * four hospitals"): what a CV counts. Chinese
 * counts of a career are cues (个项目, 家公司). */
static bool counted(const run_t *r, uint32_t a, uint32_t b)
{
    const sc_text_t *t = r->t;
    for (uint32_t k = sc_text_token_at(t, a); k < t->ntoks && t->toks[k].start < b; k++) {
        const sc_token_t *tk = &t->toks[k];
        uint32_t end = 0;
        if (tk->start >= a && tk->kind == SC_TOK_NUMBER)
            end = tk->end;
        for (size_t i = cue_from(r, tk->start); !end && i < r->m.n && r->m.v[i].start <= tk->start; i++)
            if (r->m.v[i].start == tk->start && is_class(&r->m.v[i], EVC_NUMBER_EN))
                end = r->m.v[i].end;
        if (!end || relative_before(r, a, tk->start)
            || (end - tk->start == 3 && !u_strncmp(t->norm + tk->start, u"one", 3)))
            continue; /* a laundry that does linen for four hospitals; one of the vans */
        uint32_t u = end;
        for (int w = 0; w < 3; w++) {
            uint32_t q = next_word(t, u, b);
            if (q >= t->ntoks || t->toks[q].kind != SC_TOK_LETTER)
                break;
            const sc_token_t *x = &t->toks[q];
            uint32_t n = x->end - x->start;
            if (n >= 4 && t->norm[x->end - 1] == 's' && t->norm[x->end - 2] != 's') {
                if (!ago(t, x->end, b)) /* two seasons ago: a date */
                    return true;
                break;
            }
            u = x->end;
        }
    }
    return false;
}

/* Does the clause tell joining an employer in a post ("I joined the museum
 * pass app as a junior analyst in 2023": "joined" and later "as";
 * 我二〇二二年入咗一間公司做初級工程師, 去年入职做客服: 入职 or 入咗 and later 做,
 * 当 or 當)? Starting a job is no deed of an occasion. */
static bool joined_as(const sc_text_t *t, const clause_t *c)
{
    bool joined = false;
    for (uint32_t k = sc_text_token_at(t, c->start); k < t->ntoks && t->toks[k].start < c->end; k++) {
        if (t->toks[k].start < c->start || t->toks[k].kind != SC_TOK_LETTER)
            continue;
        if (joined && word_is(t, k, u"as"))
            return true;
        joined |= word_is(t, k, u"joined");
    }
    const UChar *n = t->norm;
    for (uint32_t u = c->start; u + 1 < c->end; u++)
        if (n[u] == 0x5165 /* 入 */ && (n[u + 1] == 0x804C /* 职 */ || n[u + 1] == 0x54A9 /* 咗 */))
            for (uint32_t v = u + 2; v < c->end; v++)
                if (n[v] == 0x505A /* 做 */ || n[v] == 0x5F53 /* 当 */ || n[v] == 0x7576 /* 當 */)
                    return true;
    return false;
}

/* A clause that states a CV fact rather than a deed on an occasion: it holds
 * a credential cue, a length of career in years or a count of things, or
 * its verb is experiential (待过, 带过: V过; "I've worked", "I have
 * managed"). */
static bool career_clause(const run_t *r, const clause_t *c)
{
    return counted(r, c->start, c->end) || cv_line(r, c);
}

/* career_clause() but for counts, which a deed of an occasion holds too (I
 * read 150 reviews): the clauses whose deed is never the story's action. */
static bool cv_line(const run_t *r, const clause_t *c)
{
    const UChar *n = r->t->norm;
    if (clause_has(r, c, EVC_CREDENTIAL, c->end) || years_in(r, c->start, c->end))
        return true;
    if (c->past && c->verb_end > c->verb_start && n[c->verb_end - 1] == 0x8FC7 /* 过 */)
        return true;
    for (size_t i = cue_from(r, c->start); i < r->m.n && r->m.v[i].start < c->end; i++) {
        const sc_match_t *m = &r->m.v[i];
        if (!is_class(m, EVC_SELF) || !in_clause(c, m) || m->start >= c->verb_start)
            continue;
        static const UChar ve[] = u"i've", have[] = u"i have ";
        return (m->end - m->start == 4 && u_strncmp(n + m->start, ve, 4) == 0)
            || (m->start + 7 <= r->t->nlen && u_strncmp(n + m->start, have, 7) == 0);
    }
    return false;
}

/* A clause that states a claim: what matters, what the speaker is like or
 * always does (a generic cue, or a vague claim of star.c: 擅长, good at). */
static bool claim_clause(const run_t *r, const clause_t *c)
{
    if (clause_has(r, c, EVC_GENERIC, c->end))
        return true;
    for (size_t i = sc_match_from(r->ev->cues, r->ev->n_cues, c->start);
         i < r->ev->n_cues && r->ev->cues[i].start < c->end; i++) {
        const sc_match_t *m = &r->ev->cues[i];
        if (m->tag == SC_LEX_VAGUE && in_clause(c, m))
            return true;
    }
    return false;
}

/* Actions of the speaker outside the clauses that kind() accepts (NULL: all). */
static size_t actions_outside(const run_t *r, bool (*kind)(const run_t *, const clause_t *))
{
    size_t n = 0;
    for (size_t ci = 0; ci < r->ncl; ci++)
        n += r->cl[ci].action && !(kind && kind(r, &r->cl[ci]));
    return n;
}

/* The speaker disowns the experience with a negated experiential verb of
 * their own: 我基本没处理过, 我从来没有带过 (没/没有 … V过). *span receives
 * the clause. */
static bool never_did(const run_t *r, sc_span_t *span)
{
    const sc_text_t *t = r->t;
    for (size_t ci = 0; ci < r->ncl; ci++) {
        const clause_t *c = &r->cl[ci];
        if (c->subject != SUBJ_SELF || !c->stated || r->hyp[c->sentence])
            continue;
        for (uint32_t k = sc_text_token_at(t, c->start); k < t->ntoks && t->toks[k].start < c->end; k++) {
            const sc_token_t *tk = &t->toks[k];
            if (tk->start < c->start || tk->kind != SC_TOK_IDEO
                || t->norm[tk->end - 1] != 0x8FC7 /* 过 */ || covered(r, EVC_ASPECT_NOT, tk->start)
                || quoted(t, c->sentence, tk->start))
                continue;
            if (sc_evidence_negated(t, r->ev, tk->start, k, NULL)) {
                *span = span_of(r, c->start, c->end);
                return true;
            }
        }
    }
    return false;
}

/* An occasion of the speaker's own after a disowning: an opener, an outcome
 * or the speaker's ownership outside the disowning sentences (不过有个小的：我接
 * 手的导出模块…), and a deed whose clause names the speaker, outside them too
 * (不过去年主管休假那两个月，我…). Someone else's occasion (去年他们做了A/B测试)
 * does not lift the flag. */
static bool own_occasion(const run_t *r, sc_span_t negation)
{
    const sc_ev_t *o = r->out;
    bool owned = false;
    for (size_t i = 0; i < o->n_items && !owned; i++)
        owned = o->items[i].kind == SC_EV_OWNERSHIP && !r->disown[o->items[i].sentence];
    /* the job the speaker held, said plainly (I was on the phones for a
     * bike-share company), anchors their occasion as ownership does */
    for (size_t i = 0; i < r->m.n && !owned; i++) {
        const sc_match_t *m = &r->m.v[i];
        owned = !r->disown[r->t->toks[m->tok].sentence] && job_at(r, m);
    }
    if (!o->count[SC_EV_SITUATION] && !o->count[SC_EV_OUTCOME] && !owned)
        return false;
    /* a deed of the speaker: stated, or, in a sentence after the negation's,
     * carried from a clause of its sentence that names the speaker (说实话我
     * 这方面经验不多。不过有一次我要改一个 function，我不太敢动，就先写了二十几个
     * test case); not what the one who did it did (都是店长出来处理) */
    size_t neg = 0;             /* the negation's sentence */
    while (neg + 1 < r->ev->n_sentences && r->ev->sentences[neg].span.end <= negation.start)
        neg++;
    size_t named = SIZE_MAX;    /* the last sentence with the speaker stated as subject */
    for (size_t ci = 0; ci < r->ncl; ci++) {
        const clause_t *c = &r->cl[ci];
        if (c->stated && c->subject == SUBJ_SELF)
            named = c->sentence;
        if (c->action && c->subject == SUBJ_SELF && !r->disown[c->sentence]
            && (c->stated || (named == c->sentence && c->sentence > neg)))
            return true;
    }
    return false;
}

/* Does sentence s hold a range that speaks of the question's subject? */
static bool on_topic(const run_t *r, uint32_t s)
{
    const sc_sent_t *x = &r->t->sents[s];
    for (size_t i = 0; i < r->ntopic; i++)
        if (r->topic[2 * i] >= x->start && r->topic[2 * i] < x->end)
            return true;
    return false;
}

/* Does clause c state the job the speaker held (我在一个钢琴调音师的派案网络做业务:
 * the piano is the work there, not a pastime)? */
static bool holds_job(const run_t *r, const clause_t *c)
{
    for (size_t i = cue_from(r, c->start); i < r->m.n && r->m.v[i].start < c->end; i++)
        if (job_at(r, &r->m.v[i]) == c)
            return true;
    return false;
}

/* Off topic: a pastime story or a deflection (Can I talk about … instead?, 我可以说说…吗,
 * 这个问题有点难回答, 我想先问一下) and after it no deed of the speaker in a
 * sentence that speaks of the question's subject. *span receives the first
 * deflection. */
static bool off_topic(const run_t *r, sc_span_t *span, bool *pastime)
{
    const sc_match_t *d = NULL;
    for (size_t i = 0; i < r->m.n && !d; i++)
        if (is_class(&r->m.v[i], EVC_DEFLECT))
            d = &r->m.v[i];
    /* a pastime the speaker took part in (I ran my first marathon, 我去年跑完了
     * 第一个全马): a story from outside work, off topic unless a deed of the
     * speaker anywhere speaks of the question's subject; not in the clause of
     * the job they held */
    *pastime = false;
    for (size_t i = 0; i < r->m.n && !d; i++) {
        const clause_t *c = is_class(&r->m.v[i], EVC_PASTIME) ? clause_at(r, r->m.v[i].start)
                                                               : NULL;
        if (c && c->subject == SUBJ_SELF && !holds_job(r, c)) {
            d = &r->m.v[i];
            *pastime = true;
        }
    }
    if (!d)
        return false;
    for (size_t ci = 0; ci < r->ncl; ci++) {
        const clause_t *c = &r->cl[ci];
        if (c->action && (*pastime || c->start >= d->end) && on_topic(r, c->sentence))
            return false;
    }
    *span = span_of(r, d->start, d->end);
    return true;
}

#define PLAN_REASON "describes what the speaker would do, not what they did"

/* The flags, one reason each: a disowning explains the terms, claims, plans
 * and team deeds named around it, so negated is set alone; a keyword list
 * explains the claims about the listed terms (这些我都很熟), so generic claim
 * is not set with it. */
static void find_flags(run_t *r, const uint32_t *kw, size_t nkw)
{
    sc_ev_t *o = r->out;
    size_t acts = o->count[SC_EV_ACTION];
    bool outcome = o->count[SC_EV_OUTCOME] > 0;
    sc_span_t span = { 0, 0 };
    size_t n = 0;
    for (uint32_t s = 0; s < r->t->nsents; s++)
        o->hypothetical += r->hyp[s];
    /* negated: disowned, and no occasion of the speaker's own after it;
     * routine work the speaker mentions ("I mostly answered calls") is no
     * story. With such an occasion the answer is rated on that nearby story,
     * which the disowning says is not the experience asked about. */
    const sc_match_t *d = NULL;
    uint32_t start = 0;
    for (size_t i = 0; i < r->m.n && !d; i++)
        if (disowns(r, i, &start))
            d = &r->m.v[i];
    if (d)
        span = span_of(r, start, d->end);
    if (d || never_did(r, &span)) {
        if (!own_occasion(r, span)) {
            /* "I haven't been on call yet, but here's how I'd approach it. First
             * I'd check…": the disowning opens a plan laid out in two sentences
             * or more, which the guide rates as the plan it is */
            uint32_t ds = r->t->toks[sc_text_token_at(r->t, span.start)].sentence, plans = 0;
            sc_span_t plan = span;      /* the plan's first sentence */
            for (uint32_t s = ds; s < r->t->nsents; s++)
                if (r->hyp[s] && !plans++)
                    plan = span_of(r, r->t->sents[s].start, r->t->sents[s].end);
            if (plans >= 2) {
                flag(r, SC_EVF_HYPOTHETICAL, PLAN_REASON, plan);
                return;
            }
            flag(r, SC_EVF_NEGATED, "says the speaker has not done it or someone else did", span);
            return;
        }
        flag(r, SC_EVF_NEARBY_STORY, "says the speaker has not done it, then tells a nearby "
             "story of their own", span);
    }
    if ((!acts ? find_list(r, kw, nkw, false, &span)
               : one_claim(r) && find_list(r, kw, nkw, true, &span)))
        flag(r, SC_EVF_KEYWORD_LIST, acts ? "lists the competency's terms with one unexplained "
             "claim, no story" : "lists the competency's terms without an action taken", span);
    /* credentials: two CV facts, no occasion, no outcome, and no deed outside
     * the CV facts */
    size_t facts = 0;
    if (first_of(r, EVC_CREDENTIAL, &span, &n))
        facts = n;
    for (size_t ci = 0; ci < r->ncl; ci++) {
        const clause_t *c = &r->cl[ci];
        if (c->subject == SUBJ_SELF
            && (years_in(r, c->start, c->end) || counted(r, c->start, c->end))) {
            if (!facts++)
                span = span_of(r, c->start, c->end);
        }
    }
    if (facts >= 2 && !outcome && !o->count[SC_EV_SITUATION] && !actions_outside(r, career_clause))
        flag(r, SC_EVF_CREDENTIALS, "gives CV facts (years, employers, projects, team size) "
             "without a story", span);
    bool story = actions_outside(r, claim_clause) > 0 || outcome;
    if (!story && !o->count[SC_EV_SITUATION] && !o->flag[SC_EVF_KEYWORD_LIST].set) {
        /* the habit inside a plan cue (我一般会先道歉) is the plan's */
        bool claim = false;
        for (size_t i = 0; i < r->m.n && !claim; i++)
            if (is_class(&r->m.v[i], EVC_GENERIC)
                && !covered(r, EVC_HYPOTHETICAL, r->m.v[i].start)) {
                claim = true;
                span = span_of(r, r->m.v[i].start, r->m.v[i].end);
            }
        for (size_t s = 0; s < r->ev->n_sentences && !claim; s++)
            if (r->ev->sentences[s].cue[SC_F_VAGUE].found) {
                claim = true;
                span = r->ev->sentences[s].cue[SC_F_VAGUE].span;
            }
        if (claim)
            flag(r, SC_EVF_GENERIC_CLAIM, "states what matters or what the speaker is like, "
                 "with no instance", span);
    }
    if (!acts && o->hypothetical) {
        bool plan = false;
        for (size_t i = 0; i < r->m.n && !plan; i++) {
            const sc_match_t *m = &r->m.v[i];
            if ((is_class(m, EVC_HYPOTHETICAL) || is_class(m, EVC_CONDITION))
                && r->hyp[r->t->toks[m->tok].sentence]) {
                plan = true;
                span = span_of(r, m->start, m->end);
            }
        }
        if (plan)
            flag(r, SC_EVF_HYPOTHETICAL, PLAN_REASON,
                 span);
    }
    if (!acts && !o->count[SC_EV_OWNERSHIP] && o->count[SC_EV_TEAM]) {
        for (size_t i = 0; i < o->n_items; i++)
            if (o->items[i].kind == SC_EV_TEAM) {
                span = o->items[i].clause;
                break;
            }
        flag(r, SC_EVF_TEAM_WITHOUT_ME, "tells what the team did with no action of the speaker",
             span);
    }
    bool pastime;
    if (off_topic(r, &span, &pastime))
        flag(r, SC_EVF_OFF_TOPIC, pastime ? "tells of a pastime, not of work, and no deed on the "
             "question's subject" : "asks to talk about something else or declines the question, "
             "and tells no deed on the question's subject after it", span);
}

/* The clauses of the speaker's own part that carry a hedge (Maybe I talked
 * with them, I think I was the one, 我好像跟班长提过): the hedged category's
 * doubt, which a rater reads before anything else. Clauses about someone
 * else (maybe my manager changed something) and quoted words are not
 * the speaker's doubt about their part. */
static void count_hedges(run_t *r)
{
    for (size_t k = 0; k < r->ncl; k++) {
        const clause_t *c = &r->cl[k];
        if (!c->hedge || c->subject == SUBJ_TEAM || c->subject == SUBJ_OTHER
            || quoted(r->t, c->sentence, c->hedge - 1))
            continue;
        if (!r->out->hedged++)
            r->out->hedge_span = span_of(r, c->start, c->end);
    }
}

int sc_ev_analyze(const sc_ev_cues_t *c, const sc_text_t *t, const sc_evidence_t *ev,
                  const uint32_t *kw, size_t nkw, sc_ev_t *out)
{
    return sc_ev_analyze_topic(c, t, ev, kw, nkw, kw, nkw, out);
}

int sc_ev_analyze_topic(const sc_ev_cues_t *c, const sc_text_t *t, const sc_evidence_t *ev,
                        const uint32_t *kw, size_t nkw, const uint32_t *topic, size_t ntopic,
                        sc_ev_t *out)
{
    memset(out, 0, sizeof *out);
    run_t r = { .t = t, .ev = ev, .out = out, .kw = kw, .nkw = nkw, .topic = topic,
                .ntopic = ntopic };
    sc_phrases_scan(c->phrases, t, sc_matches_collect, &r.m);
    for (size_t i = 0; i < r.m.n; i++)
        if (r.m.v[i].end - r.m.v[i].start > r.reach)
            r.reach = r.m.v[i].end - r.m.v[i].start;
    r.hyp = calloc(t->nsents + 1, sizeof *r.hyp);
    r.target = calloc(t->nsents + 1, sizeof *r.target);
    r.disown = calloc(t->nsents + 1, sizeof *r.disown);
    r.habit = calloc(t->nsents + 1, sizeof *r.habit);
    int rc = r.m.oom || !r.hyp || !r.target || !r.disown || !r.habit || split_clauses(&r) < 0
        ? -1 : 0;
    if (rc == 0) {
        mark_sentences(&r);
        mark_clauses(&r);
        find_subjects(&r);
        mark_disowned(&r);
        mark_plans(&r);
        find_actions(&r);
        find_cued(&r);
        find_outcomes(&r);
        find_flags(&r, kw, nkw);
        decide_star(&r);
        drop_lone_deed(&r);
        count_hedges(&r);
        rc = r.oom ? -1 : 0;
    }
    free(r.m.v);
    free(r.cl);
    free(r.hyp);
    free(r.target);
    free(r.disown);
    free(r.habit);
    if (rc < 0)
        sc_ev_free(out);
    return rc;
}

void sc_ev_frame_tokens(const sc_ev_cues_t *c, const sc_text_t *q, bool *frame)
{
    sc_matches_t m = { 0 };
    memset(frame, 0, q->ntoks * sizeof *frame);
    sc_phrases_scan(c->phrases, q, sc_matches_collect, &m);
    for (size_t i = 0; i < m.n; i++)
        if (TAG_CLASS(m.v[i].tag) == EVC_FRAME)
            for (uint32_t k = m.v[i].tok; k < q->ntoks && q->toks[k].start < m.v[i].end; k++)
                frame[k] = true;
    free(m.v);
}

void sc_ev_free(sc_ev_t *out)
{
    free(out->items);
    memset(out, 0, sizeof *out);
}

const char *sc_ev_kind_name(sc_ev_kind_t k)
{
    static const char *const names[] = { "ownership", "action", "team", "situation",
                                         "obstacle", "outcome" };
    return names[k];
}

const char *sc_ev_flag_name(sc_ev_flag_t f)
{
    static const char *const names[] = { "keyword_list", "credentials", "generic_claim",
                                         "negated", "hypothetical", "team_without_me",
                                         "off_topic", "nearby_story" };
    return names[f];
}
