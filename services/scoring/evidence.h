/* services/scoring/evidence.h - what the candidate says they did: ownership, deeds, obstacles, outcomes
 *
 * Reads one analysed answer (the text of text.h, the sentence cues and
 * quantities of star.h) and finds the behaviour a rater looks for, each with
 * its span in the original answer:
 *  - ownership: "I took it on", "my job was", 我负责, 由我牵头, 交给我;
 *  - first-person actions: clauses whose subject is the speaker (I, 我; a
 *    dropped subject continues the previous one; my manager, our data team,
 *    我的主管 are someone else) with a past or completed verb (-ed, took, 了,
 *    我把…, or a spoken deed such as 我就请, 把工单拉出来, 请我们的 VP 跟他们
 *    吃饭 in a story told in the past; a restart's fragments, 我就，我就把…,
 *    carry their subject, habit and hedge into the clause they start),
 *    not negated, not a plan and not a hedged assistance (I kind of helped);
 *    the same clauses with "we"/我们 as subject are the team's (team);
 *  - situation openers: "Last spring", "At my previous company", 2021年,
 *    去年, 在前东家;
 *  - obstacles handled: a difficulty (but, pushback, 阻力, 卡住) followed
 *    by an action of the speaker in the same or the next two sentences;
 *  - outcomes as change: a direction (rose, fell, 提升, 降到, 翻了一番) in a
 *    sentence after an action or ownership of the speaker, not a target and
 *    not a borrowed result ("the company grew" with no action of the speaker
 *    in the sentence), with its size where one is given (digits, %, 三成,
 *    一半, "a third", "doubled") as the absolute log of the relative change;
 *  - flags with a reason: keyword list, credentials, generic claim,
 *    negated (disowned) experience, hypothetical, team without me, off
 *    topic (a deflection: "Can I talk about … instead?", 我可以说说…吗,
 *    这个问题有点难回答, and no deed of the speaker on the question's
 *    subject after it), and a nearby story (a disowning followed by an
 *    occasion of the speaker's own: 我没正式带过团队。不过去年主管休假那两个
 *    月，我…; rated on that story, never above a modest one);
 *  - habits: a sentence with a habit or pastime cue (平时, 每天会, in my
 *    spare time, I've been learning) tells no deed and opens no situation;
 *  - the STAR parts (star), decided from this evidence and star.c's sentence
 *    cues together: action = a first-person deed (not the team's, not a
 *    plan, not negated, not a perfect or 过 experience, not a CV line or
 *    starting a job, not hedged before its verb); task, only with an
 *    own deed = ownership or an assignment (老板让我负责, asked me to), not
 *    hedged, a role held (I was the shift supervisor, 后来当小组长) or a task
 *    cue with a first-person actor up to the last own deed; the job held,
 *    said plainly, also when the team acts or a change or record is told
 *    after it; a CV's one named occasion with the speaker's responsibility
 *    (2023年冷库扩建那两个月，我负责夜班的入库) its situation and task; result = an attributable outcome, a result cue or
 *    quantity from the first own deed on, or a consequence after a deed of
 *    the speaker or the team (She signed, 后来就好了), never a target, a plan
 *    or a change the speaker did not drive; situation = an opener or a
 *    situation cue in a story, else the story's first deed; no part for a
 *    disowned experience without an occasion or a list/CV/claim with no deed.
 *    docs/scoring-text.md ("STAR") states them for recruiters.
 * The cue lists are data (services/scoring/lexicon/evidence_*.txt, compiled
 * into the build by tools/gen_lexicon.py --evidence, which checks them as it does the other lists); docs/scoring-text.md explains them.
 *
 * How to call it (one cue set per thread or per scorer, read-only after):
 *
 *     sc_ev_cues_t *cues = sc_ev_cues_new(az, err, sizeof err);
 *     sc_ev_t ev;
 *     if (sc_ev_analyze(cues, text, &star_evidence, kw, nkw, &ev) == 0) {
 *         use(ev.count[SC_EV_ACTION], ev.flag[SC_EVF_NEGATED].set, ev.items...);
 *         sc_ev_free(&ev);
 *     }
 *     sc_ev_cues_destroy(&cues);
 */
#ifndef SC_EVIDENCE_H
#define SC_EVIDENCE_H

#include <stdbool.h>
#include "star.h"

typedef enum {
    SC_EV_OWNERSHIP,
    SC_EV_ACTION,      /* a clause where the speaker did something */
    SC_EV_TEAM,        /* a clause where "we" did something */
    SC_EV_SITUATION,
    SC_EV_OBSTACLE,    /* handled: an action of the speaker follows */
    SC_EV_OUTCOME,     /* attributable change of a measure */
    SC_EV_KINDS
} sc_ev_kind_t;

typedef enum {
    SC_EVF_KEYWORD_LIST,
    SC_EVF_CREDENTIALS,
    SC_EVF_GENERIC_CLAIM,
    SC_EVF_NEGATED,
    SC_EVF_HYPOTHETICAL,
    SC_EVF_TEAM_WITHOUT_ME,
    SC_EVF_OFF_TOPIC,         /* asks to talk about something else or declines the question */
    SC_EVF_NEARBY_STORY,      /* disowns the experience, then tells a nearby story of their own */
    SC_EVF_N
} sc_ev_flag_t;

/* The size given to an outcome that has a number but no baseline to relate
 * it to ("dropped to a handful", "降到两百毫秒" alone): ln 1.5. */
#define SC_EV_SIZE_UNRELATED 0.4055
/* Sizes are capped at ln 10. */
#define SC_EV_SIZE_MAX 2.3026

typedef struct {
    sc_ev_kind_t kind;
    size_t sentence;          /* index into the text's sentences */
    sc_span_t span;           /* the cue: phrase, verb, direction word */
    sc_span_t clause;         /* the clause it is in */
    int direction;            /* outcomes: +1 up, -1 down */
    double size;              /* outcomes: |ln(after / before)|, 0 when unsized */
    sc_span_t size_span;      /* outcomes: the size, {0, 0} when unsized */
} sc_ev_item_t;

typedef struct {
    bool set;
    const char *reason;       /* static: one English sentence */
    sc_span_t span;           /* the words that show it */
} sc_ev_flagged_t;

/* One answer's evidence; items are malloc'd, free with sc_ev_free. */
typedef struct {
    sc_ev_item_t *items;      /* text order within each kind's pass */
    size_t n_items;
    size_t count[SC_EV_KINDS];
    size_t sized;             /* outcomes with a size */
    double outcome_size;      /* the largest outcome size, 0 when none */
    size_t hypothetical;      /* sentences stating a plan (I would, 如果…我会) */
    size_t unattributed;      /* changes that are not the speaker's */
    size_t hedged;            /* clauses of the story the speaker hedges (maybe I, I think it) */
    sc_span_t hedge_span;     /* the first such clause, {0, 0} when none */
    sc_ev_flagged_t flag[SC_EVF_N];
    sc_star_evidence_t star[SC_STAR_N]; /* the STAR parts decided from both sources;
                                           answer.c reports these, not star.c's */
} sc_ev_t;

typedef struct sc_ev_cues sc_ev_cues_t;

/* Compile the cue lists with the analyzer's normalisation. NULL with the
 * reason in err (out of memory, an invalid entry). */
sc_ev_cues_t *sc_ev_cues_new(sc_analyzer_t *az, char *err, size_t errlen);

/* Free; accepts NULL and *c == NULL, sets *c to NULL. */
void sc_ev_cues_destroy(sc_ev_cues_t **c);

/* Find the evidence of text t, whose sentence cues star.c built into ev.
 * kw[0..2 * nkw) are the competency keyword ranges (normalised units, as for
 * sc_evidence_build): three or more in one sentence are a keyword list.
 * Returns 0, or -1 when out of memory (out is then empty). */
int sc_ev_analyze(const sc_ev_cues_t *c, const sc_text_t *t, const sc_evidence_t *ev,
                  const uint32_t *kw, size_t nkw, sc_ev_t *out);

/* The same with the units of t that speak of the question's subject
 * (topic[0..2 * ntopic): ranges as kw; answer.c finds the question's words
 * and the probed competencies' keywords): a deflection followed by a deed of
 * the speaker in a sentence holding one of them is not off topic.
 * sc_ev_analyze takes the keyword ranges kw for them. */
int sc_ev_analyze_topic(const sc_ev_cues_t *c, const sc_text_t *t, const sc_evidence_t *ev,
                        const uint32_t *kw, size_t nkw, const uint32_t *topic, size_t ntopic,
                        sc_ev_t *out);

/* Mark in frame[0..q->ntoks) the tokens of question q that frame a question
 * rather than name its subject (tell, describe, 讲一次, 经历:
 * lexicon/evidence_frame.txt). */
void sc_ev_frame_tokens(const sc_ev_cues_t *c, const sc_text_t *q, bool *frame);

/* Free out's items and zero it; accepts an already freed out. */
void sc_ev_free(sc_ev_t *out);

/* Names as features and reports print them: "ownership", "action", "team",
 * "situation", "obstacle", "outcome"; "keyword_list", "credentials",
 * "generic_claim", "negated", "hypothetical", "team_without_me", "off_topic",
 * "nearby_story". */
const char *sc_ev_kind_name(sc_ev_kind_t k);
const char *sc_ev_flag_name(sc_ev_flag_t f);

#endif
