/* services/scoring/calibrate.c - agreement of scores with human ratings, and fitting weights
 *
 * Textbook definitions, kept small enough to check by hand (see
 * docs/scoring.md, "Calibration"). The fit minimises the mean squared error
 * between the weighted overall score and the rating on the 0..100 scale, by
 * projected gradient descent on the normalised weights: FIT_STEPS steps of
 * size FIT_RATE, each weight kept >= 0, starting from the model's own
 * weights, so the same data always gives the same weights.
 *
 * The ordinal fit is the proportional-odds model of McCullagh (1980):
 * P(rating <= level l) = sigmoid(theta_l - eta), eta = w . z over the
 * standardised features. Its negative log-likelihood is convex in (theta, w)
 * while the thresholds stay ascending, so Newton's method with the exact
 * Hessian and a backtracking line search that keeps them ascending reaches
 * the optimum in a few dozen steps; the L2 term keeps it finite on
 * separable data. Every loop runs in row order: the same data gives the
 * same bits.
 */
#include "calibrate.h"

#include "answer.h"
#include "hf/crypto.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIT_STEPS 2000
#define FIT_RATE 0.05

typedef struct {
    double v;
    size_t i;
} ranked_t;

static int by_value(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Average ranks (1-based) of v into r. Returns 0 or -1 (out of memory). */
static int ranks(const double *v, size_t n, double *r)
{
    ranked_t *t = malloc(n * sizeof(*t));
    if (!t)
        return -1;
    for (size_t i = 0; i < n; i++)
        t[i] = (ranked_t){ v[i], i };
    qsort(t, n, sizeof(*t), by_value);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && t[j + 1].v == t[i].v)
            j++;
        double avg = (double)(i + j) / 2.0 + 1.0;
        for (size_t k = i; k <= j; k++)
            r[t[k].i] = avg;
        i = j + 1;
    }
    free(t);
    return 0;
}

static double pearson(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++)
        mx += x[i], my += y[i];
    mx /= (double)n, my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

double sc_spearman(const double *x, const double *y, size_t n)
{
    if (n < 2)
        return NAN;
    double *rx = malloc(n * sizeof(double)), *ry = malloc(n * sizeof(double));
    double rho = NAN;
    if (rx && ry && ranks(x, n, rx) == 0 && ranks(y, n, ry) == 0)
        rho = pearson(rx, ry, n);
    free(rx);
    free(ry);
    return rho;
}

int sc_score_bin(double score)
{
    if (!(score >= 0))
        return SC_RATING_MIN;
    int b = (int)(score / 20.0) + 1;
    return b > SC_RATING_MAX ? SC_RATING_MAX : b;
}

double sc_qwk(const int *a, const int *b, size_t n)
{
    enum { K = SC_RATING_MAX - SC_RATING_MIN + 1 };
    double obs[K][K] = { { 0 } }, ha[K] = { 0 }, hb[K] = { 0 };
    for (size_t i = 0; i < n; i++) {
        int x = a[i] - SC_RATING_MIN, y = b[i] - SC_RATING_MIN;
        if (x < 0 || x >= K || y < 0 || y >= K)
            return NAN;
        obs[x][y] += 1;
        ha[x] += 1;
        hb[y] += 1;
    }
    double num = 0, den = 0;
    for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++) {
            double w = (double)((i - j) * (i - j)) / (double)((K - 1) * (K - 1));
            num += w * obs[i][j];
            den += w * ha[i] * hb[j] / (double)n;
        }
    return den > 0 ? 1.0 - num / den : NAN;
}

double sc_weighted(const double *scores, const double *weights, size_t k)
{
    double num = 0, den = 0;
    for (size_t j = 0; j < k; j++)
        if (scores[j] >= 0 && weights[j] > 0) {
            num += weights[j] * scores[j];
            den += weights[j];
        }
    return den > 0 ? num / den : 0;
}

int sc_fit_weights(const double *scores, const int *ratings, size_t n, size_t k, double *weights)
{
    if (n == 0 || k == 0)
        return -1;
    double sum = 0;
    for (size_t j = 0; j < k; j++)
        sum += weights[j] > 0 ? weights[j] : 0;
    double *w = malloc(k * sizeof(double)), *g = malloc(k * sizeof(double));
    if (!w || !g) {
        free(w);
        free(g);
        return -1;
    }
    for (size_t j = 0; j < k; j++) /* normalised, so the step size means the same for any model */
        w[j] = sum > 0 ? (weights[j] > 0 ? weights[j] : 0) / sum : 1.0 / (double)k;
    for (int step = 0; step < FIT_STEPS; step++) {
        memset(g, 0, k * sizeof(double));
        for (size_t i = 0; i < n; i++) {
            const double *s = scores + i * k;
            double den = 0, num = 0;
            for (size_t j = 0; j < k; j++)
                if (s[j] >= 0)
                    den += w[j], num += w[j] * s[j];
            if (den <= 0)
                continue;
            double pred = num / den, target = (ratings[i] - SC_RATING_MIN) * 25.0;
            double err = (pred - target) / 100.0; /* scaled to 0..1 */
            for (size_t j = 0; j < k; j++)
                if (s[j] >= 0) /* d pred / d w_j = (s_j - pred) / den */
                    g[j] += 2.0 * err * ((s[j] - pred) / 100.0) / den;
        }
        double total = 0;
        for (size_t j = 0; j < k; j++) {
            w[j] -= FIT_RATE * g[j] / (double)n;
            if (w[j] < 0)
                w[j] = 0;
            total += w[j];
        }
        if (total <= 0)
            break;
        for (size_t j = 0; j < k; j++)
            w[j] /= total;
    }
    double scale = sum > 0 ? sum : 1.0;
    for (size_t j = 0; j < k; j++)
        weights[j] = round(w[j] * scale * 1000.0) / 1000.0;
    free(w);
    free(g);
    return 0;
}

/* ---- the feature table ---- */

static double f_composite(const sc_answer_t *a) { return a->empty ? 0 : a->composite.value; }
static double f_content(const sc_answer_t *a) { return a->empty ? 0 : a->content.value; }
static double f_structure(const sc_answer_t *a) { return a->empty ? 0 : a->structure.value; }
static double f_delivery(const sc_answer_t *a) { return a->empty ? 0 : a->delivery.value; }
static double f_situation(const sc_answer_t *a) { return a->star[SC_STAR_SITUATION].present; }
static double f_task(const sc_answer_t *a) { return a->star[SC_STAR_TASK].present; }
static double f_action(const sc_answer_t *a) { return a->star[SC_STAR_ACTION].present; }
static double f_result(const sc_answer_t *a) { return sc_star_earns(&a->star[SC_STAR_RESULT]); }

static double f_result_quantities(const sc_answer_t *a)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_quantities; i++)
        n += sc_answer_counts_result(a, &a->quantities[i]);
    return (double)n;
}

static double hits_in(const sc_answer_t *a, sc_context_t c)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_hits; i++)
        n += a->hits[i].context == c;
    return (double)n;
}

static double f_kw_concrete(const sc_answer_t *a) { return hits_in(a, SC_CTX_CONCRETE); }
static double f_kw_action(const sc_answer_t *a) { return hits_in(a, SC_CTX_ACTION); }
static double f_kw_mention(const sc_answer_t *a) { return hits_in(a, SC_CTX_MENTION); }
static double f_kw_negated(const sc_answer_t *a) { return hits_in(a, SC_CTX_NEGATED); }

static double sentences_with(const sc_answer_t *a, sc_feature_t cue)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_sentences; i++)
        n += a->sentences[i].cue[cue].found;
    return (double)n;
}

static double f_actor(const sc_answer_t *a) { return sentences_with(a, SC_F_ACTOR); }
static double f_vague(const sc_answer_t *a) { return sentences_with(a, SC_F_VAGUE); }

static double f_concrete_sentences(const sc_answer_t *a)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_sentences; i++)
        n += a->sentences[i].concreteness == 3;
    return (double)n;
}

static double f_filler_rate(const sc_answer_t *a) { return a->filler_rate; }
static double f_length(const sc_answer_t *a) { return log1p((double)a->length_units); }

/* What the speaker did (evidence.h). Counts are taken as ln(1 + n) so that a
 * long answer does not gain by repeating itself. */
static double ev_count(const sc_answer_t *a, sc_ev_kind_t k)
{
    return a->empty ? 0 : log1p((double)a->evidence.count[k]);
}

static double ev_flag(const sc_answer_t *a, sc_ev_flag_t f)
{
    return !a->empty && a->evidence.flag[f].set;
}

static double f_ev_ownership(const sc_answer_t *a) { return ev_count(a, SC_EV_OWNERSHIP); }
static double f_ev_actions(const sc_answer_t *a) { return ev_count(a, SC_EV_ACTION); }
static double f_ev_team(const sc_answer_t *a) { return ev_count(a, SC_EV_TEAM); }
static double f_ev_situation(const sc_answer_t *a) { return ev_count(a, SC_EV_SITUATION); }
static double f_ev_obstacles(const sc_answer_t *a) { return ev_count(a, SC_EV_OBSTACLE); }
static double f_ev_outcomes(const sc_answer_t *a) { return ev_count(a, SC_EV_OUTCOME); }
static double f_ev_hedged(const sc_answer_t *a)
{
    return a->empty ? 0 : log1p((double)a->evidence.hedged);
}
static double f_ev_size(const sc_answer_t *a) { return a->empty ? 0 : a->evidence.outcome_size; }
static double f_ev_keyword_list(const sc_answer_t *a) { return ev_flag(a, SC_EVF_KEYWORD_LIST); }
static double f_ev_credentials(const sc_answer_t *a) { return ev_flag(a, SC_EVF_CREDENTIALS); }
static double f_ev_generic(const sc_answer_t *a) { return ev_flag(a, SC_EVF_GENERIC_CLAIM); }
static double f_ev_negated(const sc_answer_t *a) { return ev_flag(a, SC_EVF_NEGATED); }
static double f_ev_hypothetical(const sc_answer_t *a) { return ev_flag(a, SC_EVF_HYPOTHETICAL); }
static double f_ev_team_without_me(const sc_answer_t *a) { return ev_flag(a, SC_EVF_TEAM_WITHOUT_ME); }
static double f_ev_off_topic(const sc_answer_t *a) { return ev_flag(a, SC_EVF_OFF_TOPIC); }
static double f_ev_nearby(const sc_answer_t *a) { return ev_flag(a, SC_EVF_NEARBY_STORY); }

/* Which sentences tell the story: an evidence item or a STAR part in it.
 * Returns how many do, and the first that does not in *first_aside. */
static size_t story_sentences(const sc_answer_t *a, size_t *first_aside)
{
    size_t n = a->n_sentences, told = 0;
    *first_aside = SIZE_MAX;
    bool *in = calloc(n ? n : 1, sizeof *in);
    if (!in)
        return 0;       /* out of memory: reads as no story, as the empty answer */
    for (size_t i = 0; i < a->evidence.n_items; i++)
        if (a->evidence.items[i].sentence < n)
            in[a->evidence.items[i].sentence] = true;
    for (int p = 0; p < SC_STAR_N; p++)
        if (a->star[p].present && a->star[p].sentence < n)
            in[a->star[p].sentence] = true;
    for (size_t s = 0; s < n; s++) {
        told += in[s];
        if (!in[s] && *first_aside == SIZE_MAX)
            *first_aside = s;
    }
    free(in);
    return told;
}

/* The share of the answer's sentences that tell the story: a story buried
 * in background, asides and reflections (rambling) tells it in fewer. */
static double f_story_share(const sc_answer_t *a)
{
    size_t aside;
    return a->empty || !a->n_sentences ? 0
        : (double)story_sentences(a, &aside) / (double)a->n_sentences;
}

/* How much the answer is about what the question asks (answer.h: the
 * question's subject words and the probed competencies' keywords). */
static double f_topic_share(const sc_answer_t *a) { return a->empty ? 0 : a->topic_share; }
static double f_topic_words(const sc_answer_t *a)
{
    return a->empty ? 0 : log1p((double)a->topic_words);
}

/* Where a feature shows: the first piece of evidence that makes it. */
static const sc_span_t no_span = { 0, 0 };

static sc_span_t star_span(const sc_answer_t *a, sc_star_part_t p)
{
    return sc_star_earns(&a->star[p]) ? a->star[p].cue : no_span;
}

static sc_span_t s_situation(const sc_answer_t *a) { return star_span(a, SC_STAR_SITUATION); }
static sc_span_t s_task(const sc_answer_t *a) { return star_span(a, SC_STAR_TASK); }
static sc_span_t ev_span(const sc_answer_t *a, sc_ev_kind_t k);

/* The action part: the clause of the speaker's first deed when there is one
 * ("我先做了数据分析", not its cue 先). */
static sc_span_t s_action(const sc_answer_t *a)
{
    sc_span_t deed = ev_span(a, SC_EV_ACTION);
    return !a->star[SC_STAR_ACTION].present ? no_span
        : deed.end > deed.start ? deed : a->star[SC_STAR_ACTION].cue;
}
static sc_span_t s_result(const sc_answer_t *a) { return star_span(a, SC_STAR_RESULT); }

static sc_span_t s_result_quantity(const sc_answer_t *a)
{
    for (size_t i = 0; i < a->n_quantities; i++)
        if (sc_answer_counts_result(a, &a->quantities[i]))
            return a->quantities[i].span;
    return no_span;
}

static sc_span_t hit_span(const sc_answer_t *a, sc_context_t c)
{
    for (size_t i = 0; i < a->n_hits; i++)
        if (a->hits[i].context == c)
            return a->hits[i].span;
    return no_span;
}

static sc_span_t s_kw_concrete(const sc_answer_t *a) { return hit_span(a, SC_CTX_CONCRETE); }
static sc_span_t s_kw_action(const sc_answer_t *a) { return hit_span(a, SC_CTX_ACTION); }
static sc_span_t s_kw_mention(const sc_answer_t *a) { return hit_span(a, SC_CTX_MENTION); }
static sc_span_t s_kw_negated(const sc_answer_t *a) { return hit_span(a, SC_CTX_NEGATED); }

static sc_span_t cue_span(const sc_answer_t *a, sc_feature_t cue)
{
    for (size_t i = 0; i < a->n_sentences; i++)
        if (a->sentences[i].cue[cue].found)
            return a->sentences[i].cue[cue].span;
    return no_span;
}

static sc_span_t s_actor(const sc_answer_t *a) { return cue_span(a, SC_F_ACTOR); }
static sc_span_t s_vague(const sc_answer_t *a) { return cue_span(a, SC_F_VAGUE); }

static sc_span_t s_concrete_sentence(const sc_answer_t *a)
{
    for (size_t i = 0; i < a->n_sentences; i++)
        if (a->sentences[i].concreteness == 3)
            return a->sentences[i].span;
    return no_span;
}

static sc_span_t s_filler(const sc_answer_t *a) { return a->n_fillers ? a->fillers[0] : no_span; }

/* The first item of kind k: its clause for deeds and changes ("I read 150
 * reviews", not "read"), its cue for ownership and situation openers. */
static sc_span_t ev_span(const sc_answer_t *a, sc_ev_kind_t k)
{
    for (size_t i = 0; i < a->evidence.n_items; i++) {
        const sc_ev_item_t *it = &a->evidence.items[i];
        if (it->kind != k)
            continue;
        bool whole = (k == SC_EV_ACTION || k == SC_EV_TEAM || k == SC_EV_OBSTACLE
                      || k == SC_EV_OUTCOME) && it->clause.end > it->clause.start;
        return whole ? it->clause : it->span;
    }
    return no_span;
}

static sc_span_t s_ev_ownership(const sc_answer_t *a) { return ev_span(a, SC_EV_OWNERSHIP); }
static sc_span_t s_ev_actions(const sc_answer_t *a) { return ev_span(a, SC_EV_ACTION); }
static sc_span_t s_ev_team(const sc_answer_t *a) { return ev_span(a, SC_EV_TEAM); }
static sc_span_t s_ev_situation(const sc_answer_t *a) { return ev_span(a, SC_EV_SITUATION); }
static sc_span_t s_ev_obstacles(const sc_answer_t *a) { return ev_span(a, SC_EV_OBSTACLE); }
static sc_span_t s_ev_outcomes(const sc_answer_t *a) { return ev_span(a, SC_EV_OUTCOME); }

/* The outcome of the largest size: its size span, else its cue. */
static sc_span_t s_ev_size(const sc_answer_t *a)
{
    const sc_ev_item_t *best = NULL;
    for (size_t i = 0; i < a->evidence.n_items; i++) {
        const sc_ev_item_t *it = &a->evidence.items[i];
        if (it->kind == SC_EV_OUTCOME && it->size > 0 && (!best || it->size > best->size))
            best = it;
    }
    return !best ? no_span : best->size_span.end > best->size_span.start ? best->size_span : best->span;
}

static sc_span_t flag_span(const sc_answer_t *a, sc_ev_flag_t f)
{
    return a->evidence.flag[f].set ? a->evidence.flag[f].span : no_span;
}

static sc_span_t s_ev_keyword_list(const sc_answer_t *a) { return flag_span(a, SC_EVF_KEYWORD_LIST); }
static sc_span_t s_ev_credentials(const sc_answer_t *a) { return flag_span(a, SC_EVF_CREDENTIALS); }
static sc_span_t s_ev_generic(const sc_answer_t *a) { return flag_span(a, SC_EVF_GENERIC_CLAIM); }
static sc_span_t s_ev_negated(const sc_answer_t *a) { return flag_span(a, SC_EVF_NEGATED); }
static sc_span_t s_ev_hypothetical(const sc_answer_t *a) { return flag_span(a, SC_EVF_HYPOTHETICAL); }
static sc_span_t s_ev_team_without_me(const sc_answer_t *a)
{
    return flag_span(a, SC_EVF_TEAM_WITHOUT_ME);
}
static sc_span_t s_ev_off_topic(const sc_answer_t *a) { return flag_span(a, SC_EVF_OFF_TOPIC); }
static sc_span_t s_ev_nearby(const sc_answer_t *a) { return flag_span(a, SC_EVF_NEARBY_STORY); }
static sc_span_t s_ev_hedged(const sc_answer_t *a) { return a->evidence.hedge_span; }
static sc_span_t s_topic(const sc_answer_t *a) { return a->empty ? no_span : a->topic_span; }

static sc_span_t s_story_share(const sc_answer_t *a)
{
    size_t aside = SIZE_MAX;
    if (!a->empty)
        story_sentences(a, &aside);
    return aside == SIZE_MAX ? no_span : a->sentences[aside].span;
}

/* The feature vector. A new feature is one row here (names are stored in
 * fit files: never rename one, add a new row instead). */
static const sc_feature_def_t feature_table[] = {
    { "answer", "the rule-based composite: 0.6 content + 0.25 structure + 0.15 delivery (0..100)",
      f_composite, NULL, +1 },
    { "content", "the content score: weighted mean of the probed competencies (0..100)",
      f_content, NULL, +1 },
    { "structure", "the structure score: STAR completeness (0..100)", f_structure, NULL, +1 },
    { "delivery", "the text delivery score: fillers and length (0..100)", f_delivery, NULL, +1 },
    { "star.situation", "1 when the scorer finds the situation part, else 0", f_situation, s_situation, +1 },
    { "star.task", "1 when the scorer finds the task part, else 0", f_task, s_task, +1 },
    { "star.action", "1 when the scorer finds the action part, else 0", f_action, s_action, +1 },
    { "star.result", "1 when the scorer finds the result part and it is not borrowed, else 0", f_result, s_result, +1 },
    { "quantities.result", "result quantities (percent, multiple, money) outside a task sentence",
      f_result_quantities, s_result_quantity, +1 },
    { "keywords.concrete", "keyword occurrences in a concrete account (actor, action, outcome)",
      f_kw_concrete, s_kw_concrete, +1 },
    { "keywords.action", "keyword occurrences with actor and action, no outcome", f_kw_action, s_kw_action, +1 },
    { "keywords.mention", "keyword occurrences in a list or a claim", f_kw_mention, s_kw_mention, -1 },
    { "keywords.negated", "negated keyword occurrences", f_kw_negated, s_kw_negated, -1 },
    { "sentences.actor", "sentences with a first-person actor", f_actor, s_actor, +1 },
    { "sentences.concrete", "sentences with actor, action and outcome", f_concrete_sentences, s_concrete_sentence, +1 },
    { "sentences.vague", "sentences with a vague claim (擅长, good at)", f_vague, s_vague, -1 },
    { "fillers.rate", "fillers per word", f_filler_rate, s_filler, -1 },
    { "length.log", "ln(1 + length in units: Han characters + other words)", f_length, NULL, 0 },
    { "evidence.ownership", "ln(1 + sentences where the speaker takes ownership)",
      f_ev_ownership, s_ev_ownership, +1 },
    { "evidence.actions", "ln(1 + clauses where the speaker did something, in the past)",
      f_ev_actions, s_ev_actions, +1 },
    { "evidence.team_only", "ln(1 + clauses where \"we\" did something)", f_ev_team, s_ev_team, +1 },
    { "evidence.situation", "ln(1 + sentences opening a situation: time, place, role)",
      f_ev_situation, s_ev_situation, +1 },
    { "evidence.obstacles", "ln(1 + obstacles followed by an action of the speaker)",
      f_ev_obstacles, s_ev_obstacles, +1 },
    { "evidence.outcomes", "ln(1 + changes of a measure after the speaker's action)",
      f_ev_outcomes, s_ev_outcomes, +1 },
    { "evidence.outcome_size", "largest |ln(after / before)| of an outcome (0 when unsized)",
      f_ev_size, s_ev_size, +1 },
    { "evidence.keyword_list", "1 when the answer lists terms with no action",
      f_ev_keyword_list, s_ev_keyword_list, -1 },
    { "evidence.credentials", "1 when the answer gives CV facts with no story",
      f_ev_credentials, s_ev_credentials, -1 },
    { "evidence.generic_claim", "1 when the answer states claims with no instance",
      f_ev_generic, s_ev_generic, -1 },
    { "evidence.negated", "1 when the speaker disowns the experience", f_ev_negated, s_ev_negated, -1 },
    { "evidence.hypothetical", "1 when the answer is a plan, not a deed", f_ev_hypothetical, s_ev_hypothetical, -1 },
    { "evidence.team_without_me", "1 when the team acts and the speaker does not",
      f_ev_team_without_me, s_ev_team_without_me, -1 },
    { "evidence.off_topic", "1 when the speaker asks to talk about something else or declines "
      "the question, and tells nothing on its subject", f_ev_off_topic, s_ev_off_topic, -1 },
    { "evidence.nearby_story", "1 when the speaker disowns the experience, then tells a nearby "
      "story of their own", f_ev_nearby, s_ev_nearby, -1 },
    { "topic.share", "share of sentences with a subject word of the question or a keyword "
      "of a probed competency", f_topic_share, s_topic, +1 },
    { "topic.words", "ln(1 + the question's subject words the answer uses)", f_topic_words,
      s_topic, +1 },
    { "story.share", "share of the answer's sentences with evidence or a STAR part in them",
      f_story_share, s_story_share, +1 },
    { "evidence.hedged", "ln(1 + clauses where the speaker hedges their part: maybe I, I think it)",
      f_ev_hedged, s_ev_hedged, -1 },
};

#define N_FEATURES (sizeof(feature_table) / sizeof(feature_table[0]))

size_t sc_features_count(void)
{
    return N_FEATURES;
}

const sc_feature_def_t *sc_feature_def(size_t i)
{
    return i < N_FEATURES ? &feature_table[i] : NULL;
}

long sc_feature_find(const char *name)
{
    for (size_t i = 0; i < N_FEATURES; i++)
        if (strcmp(feature_table[i].name, name) == 0)
            return (long)i;
    return -1;
}

void sc_features_read(const sc_answer_t *a, double *x)
{
    for (size_t i = 0; i < N_FEATURES; i++)
        x[i] = feature_table[i].read(a);
}

/* ---- ordinal logistic regression ---- */

#define NEWTON_MAX_STEPS 200
#define NEWTON_MAX_HALVINGS 60
#define NEWTON_GRAD_TOL 1e-9

static int set_version(sc_ordinal_t *f);

static double sigmoid(double t)
{
    if (t >= 0)
        return 1.0 / (1.0 + exp(-t));
    double e = exp(t);
    return e / (1.0 + e);
}

/* log sigmoid(t), without overflow or cancellation. */
static double log_sigmoid(double t)
{
    return t >= 0 ? -log1p(exp(-t)) : t - log1p(exp(t));
}

void sc_ordinal_destroy(sc_ordinal_t **fp)
{
    if (!fp || !*fp)
        return;
    sc_ordinal_t *f = *fp;
    for (size_t j = 0; f->names && j < f->k; j++)
        free(f->names[j]);
    free(f->names);
    free(f->index);
    free(f->mean);
    free(f->sd);
    free(f->weight);
    free(f->version);
    free(f);
    *fp = NULL;
}

static sc_ordinal_t *ordinal_new(size_t k)
{
    sc_ordinal_t *f = calloc(1, sizeof(*f));
    size_t m = k ? k : 1;
    if (f) {
        f->k = k;
        f->names = calloc(m, sizeof(char *));
        f->index = calloc(m, sizeof(long));
        f->mean = calloc(m, sizeof(double));
        f->sd = calloc(m, sizeof(double));
        f->weight = calloc(m, sizeof(double));
    }
    if (f && (!f->names || !f->index || !f->mean || !f->sd || !f->weight))
        sc_ordinal_destroy(&f);
    return f;
}

static int set_name(sc_ordinal_t *f, size_t j, const char *name)
{
    f->names[j] = strdup(name);
    f->index[j] = sc_feature_find(name);
    return f->names[j] ? 0 : -1;
}

/* The log-likelihood of level y (0-based) at eta, and when g is not NULL
 * its derivatives with respect to (threshold y, threshold y-1, eta): g[3],
 * h[3][3]. th has levels - 1 entries. */
static double obs_loglik(const double *th, size_t levels, size_t y, double eta, double g[3],
                         double h[3][3])
{
    bool up = y + 1 < levels, lo = y > 0;
    double a = up ? sigmoid(th[y] - eta) : 1, b = lo ? sigmoid(th[y - 1] - eta) : 0, lp;
    if (up && lo) {
        /* a - b, from whichever tail keeps precision */
        double p = th[y - 1] - eta > 0 ? sigmoid(eta - th[y - 1]) - sigmoid(eta - th[y]) : a - b;
        lp = log(p > 1e-300 ? p : 1e-300);
    } else if (up) {
        lp = log_sigmoid(th[y] - eta);
    } else {
        lp = log_sigmoid(eta - th[y - 1]);
    }
    if (g) {
        double p = exp(lp);
        double da = a * (1 - a), db = b * (1 - b), dda = da * (1 - 2 * a), ddb = db * (1 - 2 * b);
        double dp[3] = { da, -db, -(da - db) };
        double d2[3][3] = { { dda, 0, -dda }, { 0, -ddb, ddb }, { -dda, ddb, dda - ddb } };
        for (int r = 0; r < 3; r++) {
            g[r] = dp[r] / p;
            for (int c = 0; c < 3; c++)
                h[r][c] = d2[r][c] / p - dp[r] * dp[c] / (p * p);
        }
    }
    return lp;
}

typedef struct {
    const double *z;          /* n x k standardised */
    const size_t *y;          /* levels, 0-based */
    size_t n, k, levels;
    double lambda;
} problem_t;

/* Parameters: beta = [threshold 0 .. levels-2, weight 0 .. k-1]. */
static double objective(const problem_t *P, const double *beta, double *grad, double *hess)
{
    size_t t = P->levels - 1, m = t + P->k;
    const double *w = beta + t;
    double f = 0;
    if (grad) {
        memset(grad, 0, m * sizeof(double));
        memset(hess, 0, m * m * sizeof(double));
    }
    for (size_t i = 0; i < P->n; i++) {
        const double *z = P->z + i * P->k;
        double eta = 0;
        for (size_t j = 0; j < P->k; j++)
            eta += w[j] * z[j];
        size_t y = P->y[i];
        double g[3], h[3][3];
        f -= obs_loglik(beta, P->levels, y, eta, grad ? g : NULL, h);
        if (!grad)
            continue;
        /* indexes of (upper threshold, lower threshold) in beta, or -1 */
        long at[2] = { y + 1 < P->levels ? (long)y : -1, y > 0 ? (long)y - 1 : -1 };
        for (int r = 0; r < 2; r++) {
            if (at[r] < 0)
                continue;
            grad[at[r]] -= g[r];
            for (int c = 0; c < 2; c++)
                if (at[c] >= 0)
                    hess[at[r] * m + at[c]] -= h[r][c];
            for (size_t j = 0; j < P->k; j++) {
                hess[at[r] * m + t + j] -= h[r][2] * z[j];
                hess[(t + j) * m + at[r]] -= h[r][2] * z[j];
            }
        }
        for (size_t j = 0; j < P->k; j++) {
            grad[t + j] -= g[2] * z[j];
            for (size_t l = 0; l < P->k; l++)
                hess[(t + j) * m + t + l] -= h[2][2] * z[j] * z[l];
        }
    }
    for (size_t j = 0; j < P->k; j++) {
        f += 0.5 * P->lambda * w[j] * w[j];
        if (grad) {
            grad[t + j] += P->lambda * w[j];
            hess[(t + j) * m + t + j] += P->lambda;
        }
    }
    return f;
}

/* Solve (A + mu I) x = b by Cholesky, raising mu until A + mu I is positive
 * definite. A is m x m, left unchanged; L is m x m scratch. */
static int solve_spd(const double *A, const double *b, size_t m, double *L, double *x)
{
    double diag = 0;
    for (size_t i = 0; i < m; i++)
        diag = fmax(diag, fabs(A[i * m + i]));
    for (double mu = 0; mu < 1e12 * (1 + diag); mu = mu ? mu * 10 : 1e-10 * (1 + diag)) {
        bool ok = true;
        for (size_t i = 0; i < m && ok; i++)
            for (size_t j = 0; j <= i; j++) {
                double s = A[i * m + j] + (i == j ? mu : 0);
                for (size_t l = 0; l < j; l++)
                    s -= L[i * m + l] * L[j * m + l];
                if (i == j) {
                    if (!(s > 0)) {
                        ok = false;
                        break;
                    }
                    L[i * m + i] = sqrt(s);
                } else {
                    L[i * m + j] = s / L[j * m + j];
                }
            }
        if (!ok)
            continue;
        for (size_t i = 0; i < m; i++) { /* L y = b */
            double s = b[i];
            for (size_t l = 0; l < i; l++)
                s -= L[i * m + l] * x[l];
            x[i] = s / L[i * m + i];
        }
        for (size_t i = m; i-- > 0;) { /* L^T x = y */
            double s = x[i];
            for (size_t l = i + 1; l < m; l++)
                s -= L[l * m + i] * x[l];
            x[i] = s / L[i * m + i];
        }
        return 0;
    }
    return -1;
}

static bool ascending(const double *th, size_t t)
{
    for (size_t l = 0; l < t; l++)
        if (!isfinite(th[l]) || (l > 0 && !(th[l] > th[l - 1])))
            return false;
    return true;
}

/* Newton's method on the problem from beta (in: start, out: optimum). */
static int newton(const problem_t *P, double *beta)
{
    size_t t = P->levels - 1, m = t + P->k;
    double *grad = malloc(m * sizeof(double)), *hess = malloc(m * m * sizeof(double));
    double *L = malloc(m * m * sizeof(double)), *step = malloc(m * sizeof(double));
    double *next = malloc(m * sizeof(double));
    int rc = grad && hess && L && step && next ? 0 : -1;
    for (int it = 0; rc == 0 && it < NEWTON_MAX_STEPS; it++) {
        double f = objective(P, beta, grad, hess), gmax = 0, slope = 0;
        for (size_t i = 0; i < m; i++)
            gmax = fmax(gmax, fabs(grad[i]));
        if (gmax < NEWTON_GRAD_TOL * (double)P->n || solve_spd(hess, grad, m, L, step) < 0)
            break;
        for (size_t i = 0; i < m; i++)
            slope -= grad[i] * step[i];
        double s = 1;
        bool moved = false;
        for (int h = 0; h < NEWTON_MAX_HALVINGS && !moved; h++, s /= 2) {
            for (size_t i = 0; i < m; i++)
                next[i] = beta[i] - s * step[i];
            if (!ascending(next, t))
                continue;
            double fn = objective(P, next, NULL, NULL);
            if (isfinite(fn) && fn <= f + 1e-4 * s * slope) {
                moved = fn < f;
                memcpy(beta, next, m * sizeof(double));
                if (!moved)
                    break;
            }
        }
        if (!moved)
            break;
    }
    free(grad);
    free(hess);
    free(L);
    free(step);
    free(next);
    return rc;
}

sc_ordinal_t *sc_ordinal_fit(const double *x, const int *ratings, size_t n, size_t k,
                             const char *const *names, double lambda, char *err, size_t errlen)
{
    return sc_ordinal_fit_signed(x, ratings, n, k, names, NULL, lambda, err, errlen);
}

/* Clip and refit (calibrate.h): Newton from the start thresholds beta0 and
 * weights 0; a weight on the wrong side of its sign pins its feature (its
 * column of z set to 0, so its weight stays exactly 0), and the fit runs
 * again until no weight is on the wrong side. */
static int fit_clipped(problem_t *P, double *z, const int *sign, const double *beta0,
                       double *beta)
{
    size_t t = P->levels - 1, m = t + P->k;
    int rc = 0;
    for (size_t round = 0; rc == 0 && round <= P->k; round++) {
        memcpy(beta, beta0, m * sizeof(double));
        rc = newton(P, beta);
        bool pinned = false;
        for (size_t j = 0; rc == 0 && sign && j < P->k; j++)
            if (sign[j] * beta[t + j] < 0) {
                for (size_t i = 0; i < P->n; i++)
                    z[i * P->k + j] = 0;
                pinned = true;
            }
        if (!pinned)
            break;
    }
    return rc;
}

sc_ordinal_t *sc_ordinal_fit_signed(const double *x, const int *ratings, size_t n, size_t k,
                                    const char *const *names, const int *sign, double lambda,
                                    char *err, size_t errlen)
{
    if (n < 2) {
        snprintf(err, errlen, "fewer than 2 answers to fit");
        return NULL;
    }
    if (!(lambda >= 0) || !isfinite(lambda)) {
        snprintf(err, errlen, "lambda must be a finite number >= 0");
        return NULL;
    }
    size_t count[SC_LEVELS] = { 0 };
    for (size_t i = 0; i < n; i++) {
        if (ratings[i] < SC_RATING_MIN || ratings[i] > SC_RATING_MAX) {
            snprintf(err, errlen, "rating %d of row %zu is not %d..%d", ratings[i], i + 1,
                   SC_RATING_MIN, SC_RATING_MAX);
            return NULL;
        }
        count[ratings[i] - SC_RATING_MIN]++;
        for (size_t j = 0; j < k; j++)
            if (!isfinite(x[i * k + j])) {
                snprintf(err, errlen, "feature %s of row %zu is not a finite number", names[j],
                       i + 1);
                return NULL;
            }
    }
    sc_ordinal_t *f = ordinal_new(k);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t map[SC_LEVELS];
    for (int r = 0; r < SC_LEVELS; r++)
        if (count[r]) {
            map[r] = f->levels;
            f->level[f->levels++] = r + SC_RATING_MIN;
        }
    if (f->levels < 2) {
        snprintf(err, errlen, "all answers have the same rating (%d): nothing to fit", ratings[0]);
        sc_ordinal_destroy(&f);
        return NULL;
    }
    f->lambda = lambda;
    size_t t = f->levels - 1, m = t + k;
    double *z = malloc(n * (k ? k : 1) * sizeof(double)), *beta = calloc(m, sizeof(double));
    double *beta0 = calloc(m, sizeof(double));
    size_t *y = malloc(n * sizeof(size_t));
    int rc = z && y && beta && beta0 ? 0 : -1;
    for (size_t j = 0; rc == 0 && j < k; j++) {
        rc = set_name(f, j, names[j]);
        double mean = 0, var = 0;
        for (size_t i = 0; i < n; i++)
            mean += x[i * k + j];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++)
            var += (x[i * k + j] - mean) * (x[i * k + j] - mean);
        double sd = sqrt(var / (double)n);
        f->mean[j] = mean;
        f->sd[j] = sd > 1e-12 * (1 + fabs(mean)) ? sd : 0;
        for (size_t i = 0; i < n; i++)
            z[i * k + j] = f->sd[j] > 0 ? (x[i * k + j] - mean) / f->sd[j] : 0;
    }
    if (rc == 0) {
        size_t below = 0;
        for (size_t i = 0; i < n; i++)
            y[i] = map[ratings[i] - SC_RATING_MIN];
        for (size_t l = 0; l < t; l++) { /* the cumulative log-odds: the optimum at w = 0 */
            below += count[f->level[l] - SC_RATING_MIN];
            beta0[l] = log((double)below / (double)(n - below));
        }
        problem_t P = { z, y, n, k, f->levels, lambda };
        rc = fit_clipped(&P, z, sign, beta0, beta);
        memcpy(f->threshold, beta, t * sizeof(double));
        memcpy(f->weight, beta + t, k * sizeof(double));
    }
    free(z);
    free(y);
    free(beta);
    free(beta0);
    if (rc < 0 || set_version(f) < 0) {
        snprintf(err, errlen, "out of memory");
        sc_ordinal_destroy(&f);
    }
    return f;
}

/* The expected rating at linear predictor eta; prob as sc_ordinal_predict. */
static double expected_at(const sc_ordinal_t *f, double eta, double *prob)
{
    double below = 0, expected = 0;
    if (prob)
        memset(prob, 0, SC_LEVELS * sizeof(double));
    for (size_t l = 0; l < f->levels; l++) {
        double upto = l + 1 < f->levels ? sigmoid(f->threshold[l] - eta) : 1.0;
        double p = upto - below;
        below = upto;
        expected += p * f->level[l];
        if (prob)
            prob[f->level[l] - SC_RATING_MIN] = p;
    }
    return expected;
}

double sc_ordinal_predict(const sc_ordinal_t *f, const double *x, double *contrib, double *prob)
{
    double eta = 0;
    for (size_t j = 0; j < f->k; j++) {
        double z = f->sd[j] > 0 ? (x[j] - f->mean[j]) / f->sd[j] : 0, c = f->weight[j] * z;
        eta += c;
        if (contrib)
            contrib[j] = c;
    }
    return expected_at(f, eta, prob);
}

static double score_at(const sc_ordinal_t *f, double eta)
{
    return (expected_at(f, eta, NULL) - SC_RATING_MIN) * 100.0 / (SC_RATING_MAX - SC_RATING_MIN);
}

/* The score is a monotone function g of eta = sum_j c_j x_j + const, with
 * c_j = weight_j / sd_j. Along the straight path from x = 0 to x, every
 * feature's share of g(eta) - g(eta0) is c_j x_j times the path's mean slope
 * (g(eta) - g(eta0)) / (eta - eta0) (integrated gradients of a single-index
 * model): the shares sum exactly and each keeps the sign of its weight. */
double sc_ordinal_explain(const sc_ordinal_t *f, const double *x, double *base, double *points)
{
    double eta = 0, eta0 = 0;
    for (size_t j = 0; j < f->k; j++)
        if (f->sd[j] > 0) {
            eta += f->weight[j] * (x[j] - f->mean[j]) / f->sd[j];
            eta0 -= f->weight[j] * f->mean[j] / f->sd[j];
        }
    double g = score_at(f, eta), g0 = score_at(f, eta0), slope;
    if (fabs(eta - eta0) > 1e-9)
        slope = (g - g0) / (eta - eta0);
    else /* the derivative at eta0, by a central difference */
        slope = (score_at(f, eta0 + 1e-4) - score_at(f, eta0 - 1e-4)) / 2e-4;
    for (size_t j = 0; j < f->k; j++)
        points[j] = f->sd[j] > 0 ? slope * f->weight[j] * x[j] / f->sd[j] : 0;
    *base = g0;
    return g;
}

int sc_ordinal_read_answer(const sc_ordinal_t *f, const sc_answer_t *a, double *x, char *err,
                           size_t errlen)
{
    for (size_t j = 0; j < f->k; j++) {
        if (f->index[j] < 0) {
            snprintf(err, errlen, "feature \"%s\" of fit %s is not known to this scorer",
                   f->names[j], f->version ? f->version : "?");
            return -1;
        }
        x[j] = feature_table[f->index[j]].read(a);
    }
    return 0;
}

static json_t *reals(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_real(v[i])) < 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* The fit's fields but its version, as JSON. */
static json_t *content_json(const sc_ordinal_t *f)
{
    json_t *names = json_array(), *levels = json_array();
    for (size_t j = 0; names && j < f->k; j++)
        json_array_append_new(names, json_string(f->names[j]));
    for (size_t l = 0; levels && l < f->levels; l++)
        json_array_append_new(levels, json_integer(f->level[l]));
    json_t *o = json_pack("{s:s, s:o*, s:o*, s:o*, s:o*, s:o*, s:o*, s:f}", "format",
                          SC_ORDINAL_FORMAT, "features", names, "mean", reals(f->mean, f->k),
                          "sd", reals(f->sd, f->k), "weights", reals(f->weight, f->k),
                          "levels", levels, "thresholds", reals(f->threshold, f->levels - 1),
                          "lambda", f->lambda);
    if (o && json_object_size(o) != 8)
        json_decref(o), o = NULL;
    return o;
}

/* The version names the content ("ord1-" + 12 hex of its SHA-256): the same
 * fit, the same version. */
static int set_version(sc_ordinal_t *f)
{
    json_t *o = content_json(f);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL, hex[65], v[32];
    json_decref(o);
    if (!text)
        return -1;
    hf_sha256_hex(text, strlen(text), hex);
    free(text);
    snprintf(v, sizeof(v), "ord1-%.12s", hex);
    free(f->version);
    f->version = strdup(v);
    return f->version ? 0 : -1;
}

json_t *sc_ordinal_to_json(const sc_ordinal_t *f)
{
    json_t *o = content_json(f);
    if (o && json_object_set_new(o, "version", json_string(f->version ? f->version : "")) < 0)
        json_decref(o), o = NULL;
    return o;
}

/* The n numbers of array field name of j into v (allocated), or -1. */
static int read_reals(const json_t *j, const char *name, size_t n, double *v, char *err,
                      size_t errlen)
{
    json_t *a = json_object_get(j, name);
    if (!json_is_array(a) || json_array_size(a) != n) {
        snprintf(err, errlen, "%s: want an array of %zu numbers", name, n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(a, i);
        v[i] = json_number_value(e);
        if (!json_is_number(e) || !isfinite(v[i])) {
            snprintf(err, errlen, "%s[%zu]: want a finite number", name, i);
            return -1;
        }
    }
    return 0;
}

sc_ordinal_t *sc_ordinal_from_json(const json_t *j, char *err, size_t errlen)
{
    const char *format = json_string_value(json_object_get(j, "format"));
    const char *version = json_string_value(json_object_get(j, "version"));
    json_t *names = json_object_get(j, "features"), *levels = json_object_get(j, "levels");
    json_t *lambda = json_object_get(j, "lambda");
    if (!format || strcmp(format, SC_ORDINAL_FORMAT) != 0) {
        snprintf(err, errlen, "format: want \"%s\"", SC_ORDINAL_FORMAT);
        return NULL;
    }
    if (!version || !*version) {
        snprintf(err, errlen, "version: want a string");
        return NULL;
    }
    if (!json_is_array(names)) {
        snprintf(err, errlen, "features: want an array of names");
        return NULL;
    }
    size_t nl = json_array_size(levels);
    if (!json_is_array(levels) || nl < 2 || nl > SC_LEVELS) {
        snprintf(err, errlen, "levels: want 2..%d ratings", SC_LEVELS);
        return NULL;
    }
    size_t k = json_array_size(names);
    sc_ordinal_t *f = ordinal_new(k);
    if (!f || !(f->version = strdup(version))) {
        snprintf(err, errlen, "out of memory");
        sc_ordinal_destroy(&f);
        return NULL;
    }
    f->levels = nl;
    f->lambda = json_number_value(lambda);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < k; i++) {
        const char *name = json_string_value(json_array_get(names, i));
        if (!name) {
            snprintf(err, errlen, "features[%zu]: want a name", i);
            rc = -1;
        } else if (set_name(f, i, name) < 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    }
    for (size_t l = 0; rc == 0 && l < nl; l++) {
        json_t *e = json_array_get(levels, l);
        f->level[l] = (int)json_integer_value(e);
        if (!json_is_integer(e) || f->level[l] < SC_RATING_MIN || f->level[l] > SC_RATING_MAX
            || (l > 0 && f->level[l] <= f->level[l - 1])) {
            snprintf(err, errlen, "levels[%zu]: want ascending ratings %d..%d", l, SC_RATING_MIN,
                   SC_RATING_MAX);
            rc = -1;
        }
    }
    if (rc == 0)
        rc = read_reals(j, "mean", k, f->mean, err, errlen) < 0
                     || read_reals(j, "sd", k, f->sd, err, errlen) < 0
                     || read_reals(j, "weights", k, f->weight, err, errlen) < 0
                     || read_reals(j, "thresholds", nl - 1, f->threshold, err, errlen) < 0
                 ? -1
                 : 0;
    for (size_t i = 0; rc == 0 && i < k; i++)
        if (f->sd[i] < 0) {
            snprintf(err, errlen, "sd[%zu]: want a number >= 0", i);
            rc = -1;
        }
    if (rc == 0 && !ascending(f->threshold, nl - 1)) {
        snprintf(err, errlen, "thresholds: want ascending numbers");
        rc = -1;
    }
    if (rc == 0 && (!json_is_number(lambda) || !(f->lambda >= 0))) {
        snprintf(err, errlen, "lambda: want a number >= 0");
        rc = -1;
    }
    if (rc < 0)
        sc_ordinal_destroy(&f);
    return f;
}

/* ---- cross-validation ---- */

uint64_t sc_fold_hash(const char *key)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

typedef struct {
    int rating;
    uint64_t hash;
    const char *key;
    size_t row;
} fold_row_t;

static int by_rating_hash(const void *pa, const void *pb)
{
    const fold_row_t *a = pa, *b = pb;
    if (a->rating != b->rating)
        return a->rating < b->rating ? -1 : 1;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    int c = strcmp(a->key, b->key);
    return c ? c : (a->row > b->row) - (a->row < b->row);
}

int sc_cv_folds(const char *const *keys, const int *ratings, size_t n, size_t nfolds, int *fold)
{
    if (nfolds < 2)
        return -1;
    fold_row_t *t = malloc((n ? n : 1) * sizeof(*t));
    if (!t)
        return -1;
    for (size_t i = 0; i < n; i++)
        t[i] = (fold_row_t){ ratings[i], sc_fold_hash(keys[i]), keys[i], i };
    qsort(t, n, sizeof(*t), by_rating_hash);
    for (size_t i = 0; i < n; i++) /* dealt in turn: the ratings' mix in every fold */
        fold[t[i].row] = (int)(i % nfolds);
    free(t);
    return 0;
}

int sc_ordinal_cv(const double *x, const int *ratings, const int *fold, size_t n, size_t k,
                  size_t nfolds, const char *const *names, const int *sign, double lambda,
                  double *pred, char *err, size_t errlen)
{
    double *tx = malloc((n * k > 0 ? n * k : 1) * sizeof(double));
    int *tr = malloc((n ? n : 1) * sizeof(int));
    int rc = tx && tr ? 0 : -1;
    if (rc < 0)
        snprintf(err, errlen, "out of memory");
    for (size_t f = 0; rc == 0 && f < nfolds; f++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (fold[i] != (int)f) {
                memcpy(tx + m * k, x + i * k, k * sizeof(double));
                tr[m++] = ratings[i];
            }
        char why[160];
        sc_ordinal_t *fit = sc_ordinal_fit_signed(tx, tr, m, k, names, sign, lambda, why,
                                                   sizeof(why));
        if (!fit) {
            snprintf(err, errlen, "fold %zu of %zu: %s", f + 1, nfolds, why);
            rc = -1;
            break;
        }
        for (size_t i = 0; i < n; i++)
            if (fold[i] == (int)f)
                pred[i] = sc_ordinal_predict(fit, x + i * k, NULL, NULL);
        sc_ordinal_destroy(&fit);
    }
    free(tx);
    free(tr);
    return rc;
}
