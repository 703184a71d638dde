/* services/scoring/analysis.c - what every scoring handler shares: analyzer, model, scorer, answer
 *
 * The glue between protobuf and the pure modules, used by the handler files
 * (analysis_handlers.c, resume_handlers.c), which never call each other: this
 * thread's analyzer, the competency model a request names (inline or
 * stored), its compiled scorer from this thread's cache, an analysed answer
 * as an AnswerScore message with every contribution's span copied out as
 * text, and the statistics of the bank questions an interview asked.
 */
#include "analysis.h"

#include "hf/db.h"
#include "hf/log.h"
#include "model.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

/* ---- this thread's analyzer ---- */

static pthread_key_t az_key;
static pthread_once_t az_once = PTHREAD_ONCE_INIT;

static void az_free(void *p)
{
    sc_analyzer_t *az = p;
    sc_analyzer_destroy(&az);
}

static void az_key_make(void)
{
    pthread_key_create(&az_key, az_free);
}

sc_analyzer_t *scoring_analyzer(hf_call_t *call)
{
    pthread_once(&az_once, az_key_make);
    sc_analyzer_t *az = pthread_getspecific(az_key);
    if (!az) {
        char err[160];
        az = sc_analyzer_new(err, sizeof(err));
        if (!az) {
            hf_call_fail(call, E(UNAVAILABLE), "text analysis is unavailable: %s", err);
            return NULL;
        }
        pthread_setspecific(az_key, az);
    }
    return az;
}

/* ---- models ---- */

/* The model of a request: inline (checked) or by id from the store. */
const Hrflow__V1__CompetencyModel *scoring_model_of(hf_store_t *st,
                                                    const Hrflow__V1__CompetencyModel *inline_m,
                                                    const char *id, int version,
                                                    const char *inline_path)
{
    return scoring_model_and_settings(st, inline_m, id, version, inline_path, NULL);
}

const Hrflow__V1__CompetencyModel *
scoring_model_and_settings(hf_store_t *st, const Hrflow__V1__CompetencyModel *inline_m,
                           const char *id, int version, const char *inline_path,
                           Hrflow__V1__ScoringSettings *settings)
{
    hf_call_t *call = st->call;
    if (inline_m && inline_m->n_competencies) {
        Hrflow__V1__CompetencyModel *m = (Hrflow__V1__CompetencyModel *)inline_m;
        if (!*m->name) /* an inline model needs no name */
            m->name = (char *)"inline";
        if (model_validate(call, m, inline_path) < 0)
            return NULL;
        int rc = settings ? store_settings_get(st, settings) : HF_OK;
        if (rc != HF_OK)
            hf_store_fail(st, rc, "scoring settings", "");
        return rc == HF_OK ? m : NULL;
    }
    if (!id || !*id) {
        hf_call_detail(call, "competency_model_id", "required",
                       "give competencyModel inline or competencyModelId");
        hf_call_fail(call, E(INVALID_ARGUMENT), "a competency model is required");
        return NULL;
    }
    Hrflow__V1__CompetencyModel *m = NULL;
    int rc = hf_uuid_valid(id) ? store_model_get_with_settings(st, id, version, &m, settings)
                               : HF_ENOTFOUND;
    if (rc == HF_ENOTFOUND) { /* an id in a body: 422 with the field (docs/api.md) */
        hf_call_detail(call, "competency_model_id", "not_found",
                       version ? "no such version of a competency model of this tenant"
                               : "not a competency model of this tenant");
        hf_call_fail(call, E(INVALID_ARGUMENT), "competency model %s not found", id);
    } else if (rc != HF_OK) {
        hf_store_fail(st, rc, "competency model", id);
    }
    return rc == HF_OK ? m : NULL;
}

/* Compile a protobuf model into a scorer (the plain-C model lives in the
 * call's arena; the scorer copies what it keeps). */
static sc_scorer_t *compile(hf_call_t *call, sc_analyzer_t *az,
                            const Hrflow__V1__CompetencyModel *m)
{
    hf_arena_t *a = hf_call_arena(call);
    sc_competency_t *comps = hf_arena_alloc(a, m->n_competencies * sizeof(*comps) + 1);
    if (!comps) {
        hf_call_fail(call, E(INTERNAL), "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < m->n_competencies; i++) {
        const Hrflow__V1__Competency *c = m->competencies[i];
        sc_keyword_t *kw = hf_arena_alloc(a, c->n_keywords * sizeof(*kw) + 1);
        if (!kw) {
            hf_call_fail(call, E(INTERNAL), "out of memory");
            return NULL;
        }
        for (size_t k = 0; k < c->n_keywords; k++)
            kw[k] = (sc_keyword_t){ c->keywords[k]->term,
                                    (const char *const *)c->keywords[k]->synonyms,
                                    c->keywords[k]->n_synonyms,
                                    c->keywords[k]->weight > 0 ? c->keywords[k]->weight : 1.0 };
        comps[i] = (sc_competency_t){ c->name, c->weight, kw, c->n_keywords,
                                      (const char *const *)c->negative_cues,
                                      c->n_negative_cues };
    }
    char *version = m->id && *m->id ? hf_arena_printf(a, "%s@%d", m->id, m->version)
                                    : hf_arena_strdup(a, "inline");
    sc_model_t model = { version, comps, m->n_competencies,
                         (const char *const *)m->core_values, m->n_core_values };
    char err[200];
    sc_scorer_t *s = sc_scorer_new(az, &model, err, sizeof(err));
    if (!s)
        hf_call_fail(call, E(INVALID_ARGUMENT), "the competency model cannot be used: %s", err);
    return s;
}

/* ---- this thread's compiled scorers ----
 *
 * Compiling a model (normalising every keyword, formatting the reasons) costs
 * more than scoring an answer, and most requests use one of a few model
 * versions, so each thread keeps the last SCORER_CACHE compiled scorers. The
 * key is the model's packed protobuf bytes: a stored model's id and version
 * are in them, and an inline model or one with required skills added
 * (resume_handlers.c) is found again exactly when its content is the same,
 * with no way to serve a scorer of other content. The least recently used
 * scorer is dropped when the cache is full. */

#define SCORER_CACHE 32

typedef struct {
    uint8_t *key;        /* packed model */
    size_t len;
    uint64_t hash;
    uint64_t used;       /* tick of the last use; 0 = an empty entry */
    sc_scorer_t *s;
} scorer_entry_t;

typedef struct {
    scorer_entry_t e[SCORER_CACHE];
    uint64_t tick;
} scorer_cache_t;

static pthread_key_t sc_key;
static pthread_once_t sc_once = PTHREAD_ONCE_INIT;

static void scorer_cache_free(void *p)
{
    scorer_cache_t *c = p;
    for (size_t i = 0; i < SCORER_CACHE; i++) {
        sc_scorer_destroy(&c->e[i].s);
        free(c->e[i].key);
    }
    free(c);
}

static void sc_key_make(void)
{
    pthread_key_create(&sc_key, scorer_cache_free);
}

static uint64_t bytes_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

const sc_scorer_t *scoring_scorer(hf_call_t *call, sc_analyzer_t *az,
                                  const Hrflow__V1__CompetencyModel *m)
{
    pthread_once(&sc_once, sc_key_make);
    scorer_cache_t *c = pthread_getspecific(sc_key);
    if (!c && (c = calloc(1, sizeof(*c))) && pthread_setspecific(sc_key, c) != 0) {
        free(c);
        c = NULL;
    }
    size_t len = protobuf_c_message_get_packed_size(&m->base);
    uint8_t *key = c ? malloc(len ? len : 1) : NULL;
    if (!key) {
        hf_call_fail(call, E(INTERNAL), "out of memory");
        return NULL;
    }
    protobuf_c_message_pack(&m->base, key);
    uint64_t h = bytes_hash(key, len);
    scorer_entry_t *victim = &c->e[0];
    for (size_t i = 0; i < SCORER_CACHE; i++) {
        scorer_entry_t *e = &c->e[i];
        if (e->used && e->hash == h && e->len == len && !memcmp(e->key, key, len)) {
            e->used = ++c->tick;
            free(key);
            return e->s;
        }
        if (e->used < victim->used)
            victim = e;
    }
    sc_scorer_t *s = compile(call, az, m);
    if (!s) {
        free(key);
        return NULL;
    }
    sc_scorer_destroy(&victim->s);
    free(victim->key);
    *victim = (scorer_entry_t){ key, len, h, ++c->tick, s };
    return s;
}

/* ---- results into messages ---- */

/* A span as the API shows it: without the spaces a clause may start or end
 * with (" I took it on"), so start, end and text agree. */
static Hrflow__V1__Span *span_pb(hf_call_t *call, int answer, const char *text, sc_span_t s)
{
    Hrflow__V1__Span *p = HF_CALL_NEW(call, Hrflow__V1__Span, hrflow__v1__span__init);
    if (!p)
        return NULL;
    while (s.start < s.end && (text[s.start] == ' ' || text[s.start] == '\t' || text[s.start] == '\n'))
        s.start++;
    while (s.end > s.start && (text[s.end - 1] == ' ' || text[s.end - 1] == '\t' || text[s.end - 1] == '\n'))
        s.end--;
    p->answer_index = answer;
    p->start = (uint32_t)s.start;
    p->end = (uint32_t)s.end;
    p->text = hf_arena_strndup(hf_call_arena(call), text + s.start, s.end - s.start);
    return p;
}

double scoring_round1(double v)
{
    return round(v * 10.0) / 10.0;
}

static Hrflow__V1__Contribution *contribution_pb(hf_call_t *call, int answer, const char *text,
                                                 const sc_contribution_t *c)
{
    Hrflow__V1__Contribution *p =
        HF_CALL_NEW(call, Hrflow__V1__Contribution, hrflow__v1__contribution__init);
    if (!p)
        return NULL;
    p->reason = hf_arena_printf(hf_call_arena(call), "%s: %s", c->rule, c->why); /* copied */
    p->points = scoring_round1(c->points);
    if (c->span.end > c->span.start) {
        p->evidence = hf_arena_alloc(hf_call_arena(call), sizeof(void *));
        if (p->evidence && (p->evidence[0] = span_pb(call, answer, text, c->span)))
            p->n_evidence = 1;
    }
    return p;
}

static Hrflow__V1__CompetencyScore *competency_pb(hf_call_t *call, int answer, const char *text,
                                                  const sc_competency_score_t *c)
{
    Hrflow__V1__CompetencyScore *p =
        HF_CALL_NEW(call, Hrflow__V1__CompetencyScore, hrflow__v1__competency_score__init);
    if (!p)
        return NULL;
    p->name = hf_arena_strdup(hf_call_arena(call), c->s.name); /* the answer is freed first */
    p->score = c->s.score < 0 ? 0 : scoring_round1(c->s.value);
    p->weight = c->weight;
    p->contributions = hf_arena_alloc(hf_call_arena(call), (c->s.n_contribs + 1) * sizeof(void *));
    if (!p->contributions)
        return NULL;
    for (size_t i = 0; i < c->s.n_contribs; i++)
        if ((p->contributions[p->n_contributions] =
                 contribution_pb(call, answer, text, &c->s.contribs[i])))
            p->n_contributions++;
    return p;
}

static Hrflow__V1__StarPart *star_part_pb(hf_call_t *call, int answer, const char *text,
                                          const sc_star_evidence_t *e)
{
    Hrflow__V1__StarPart *p = HF_CALL_NEW(call, Hrflow__V1__StarPart, hrflow__v1__star_part__init);
    if (!p)
        return NULL;
    p->present = e->present;
    p->borrowed = e->borrowed;
    if (e->present)
        p->evidence = span_pb(call, answer, text, e->sentence_span);
    return p;
}

/* Keyword counts of the model's keywords (negated ones apart), in model order. */
static void keywords_pb(hf_call_t *call, const sc_answer_t *a, const sc_scorer_t *s,
                        Hrflow__V1__AnswerScore *out)
{
    (void)s;
    out->keywords = hf_arena_alloc(hf_call_arena(call), (a->n_hits + 1) * sizeof(void *));
    if (!out->keywords)
        return;
    for (size_t i = 0; i < a->n_hits; i++) {
        const sc_hit_t *h = &a->hits[i];
        Hrflow__V1__KeywordCount *k = NULL;
        for (size_t j = 0; j < out->n_keywords && !k; j++)
            if (!strcmp(out->keywords[j]->term, h->term))
                k = out->keywords[j];
        if (!k) {
            k = HF_CALL_NEW(call, Hrflow__V1__KeywordCount, hrflow__v1__keyword_count__init);
            if (!k)
                return;
            k->term = hf_arena_strdup(hf_call_arena(call), h->term);
            k->competency =
                hf_arena_strdup(hf_call_arena(call), a->competencies[h->competency].s.name);
            out->keywords[out->n_keywords++] = k;
        }
        if (h->context == SC_CTX_NEGATED)
            k->negated++;
        else
            k->count++;
    }
}

static Hrflow__V1__Evidence *evidence_pb(hf_call_t *call, int index, const char *text,
                                         const sc_answer_t *a)
{
    hf_arena_t *ar = hf_call_arena(call);
    const sc_ev_t *ev = &a->evidence;
    Hrflow__V1__Evidence *o = HF_CALL_NEW(call, Hrflow__V1__Evidence, hrflow__v1__evidence__init);
    if (!o || !(o->items = hf_arena_alloc(ar, (ev->n_items + 1) * sizeof(void *)))
        || !(o->flags = hf_arena_alloc(ar, SC_EVF_N * sizeof(void *))))
        return NULL;
    for (size_t i = 0; i < ev->n_items; i++) {
        const sc_ev_item_t *it = &ev->items[i];
        Hrflow__V1__EvidenceItem *p =
            HF_CALL_NEW(call, Hrflow__V1__EvidenceItem, hrflow__v1__evidence_item__init);
        if (!p)
            return NULL;
        p->kind = (char *)sc_ev_kind_name(it->kind);
        p->span = span_pb(call, index, text, it->span);
        p->direction = it->direction;
        p->size = round(it->size * 1000.0) / 1000.0;
        if (it->size_span.end > it->size_span.start)
            p->size_span = span_pb(call, index, text, it->size_span);
        o->items[o->n_items++] = p;
    }
    for (int f = 0; f < SC_EVF_N; f++) {
        if (!ev->flag[f].set)
            continue;
        Hrflow__V1__EvidenceFlag *p =
            HF_CALL_NEW(call, Hrflow__V1__EvidenceFlag, hrflow__v1__evidence_flag__init);
        if (!p)
            return NULL;
        p->name = (char *)sc_ev_flag_name((sc_ev_flag_t)f);
        p->reason = (char *)ev->flag[f].reason;
        p->span = span_pb(call, index, text, ev->flag[f].span);
        p->cap = a->cap[f];
        p->applied = a->capped[f];
        o->flags[o->n_flags++] = p;
    }
    return o;
}

Hrflow__V1__AnswerScore *scoring_answer_pb(hf_call_t *call, const sc_answer_t *a,
                                           const sc_scorer_t *s, const char *text, int index)
{
    hf_arena_t *ar = hf_call_arena(call);
    Hrflow__V1__AnswerScore *o =
        HF_CALL_NEW(call, Hrflow__V1__AnswerScore, hrflow__v1__answer_score__init);
    if (!o)
        return NULL;
    o->model_version = hf_arena_strdup(ar, a->model_version);
    o->language = (char *)(a->lang == SC_LANG_ZH ? "zh" : a->lang == SC_LANG_EN ? "en"
                           : a->lang == SC_LANG_MIXED ? "mixed" : "");
    o->warnings = hf_arena_alloc(ar, 4 * sizeof(void *));
    if (a->empty) {
        if (o->warnings)
            o->warnings[o->n_warnings++] =
                hf_arena_strdup(ar, a->missing ? a->missing : "answer is empty");
        o->length_verdict = (char *)"empty";
        o->star = HF_CALL_NEW(call, Hrflow__V1__Star, hrflow__v1__star__init);
        return o;
    }
    o->overall_score = scoring_round1(a->answer.value);
    o->scorer_version = hf_arena_strdup(ar, a->scorer_version);
    o->contributions = hf_arena_alloc(ar, (a->answer.n_contribs + 1) * sizeof(void *));
    for (size_t i = 0; o->contributions && i < a->answer.n_contribs; i++)
        if ((o->contributions[o->n_contributions] =
                 contribution_pb(call, index, text, &a->answer.contribs[i])))
            o->n_contributions++;
    o->evidence = evidence_pb(call, index, text, a);
    o->competencies = hf_arena_alloc(ar, (a->n_competencies + 1) * sizeof(void *));
    for (size_t i = 0; o->competencies && i < a->n_competencies; i++)
        if ((o->competencies[o->n_competencies] =
                 competency_pb(call, index, text, &a->competencies[i])))
            o->n_competencies++;
    Hrflow__V1__Star *star = HF_CALL_NEW(call, Hrflow__V1__Star, hrflow__v1__star__init);
    if (star) {
        star->situation = a->star[SC_STAR_SITUATION].present;
        star->task = a->star[SC_STAR_TASK].present;
        star->action = a->star[SC_STAR_ACTION].present;
        star->result = a->star[SC_STAR_RESULT].present;
        star->situation_evidence = star_part_pb(call, index, text, &a->star[SC_STAR_SITUATION]);
        star->task_evidence = star_part_pb(call, index, text, &a->star[SC_STAR_TASK]);
        star->action_evidence = star_part_pb(call, index, text, &a->star[SC_STAR_ACTION]);
        star->result_evidence = star_part_pb(call, index, text, &a->star[SC_STAR_RESULT]);
    }
    o->star = star;
    keywords_pb(call, a, s, o);
    o->quantities = hf_arena_alloc(ar, (a->n_quantities + 1) * sizeof(void *));
    for (size_t i = 0; o->quantities && i < a->n_quantities; i++) {
        Hrflow__V1__Quantity *q = HF_CALL_NEW(call, Hrflow__V1__Quantity, hrflow__v1__quantity__init);
        if (!q)
            break;
        q->span = span_pb(call, index, text, a->quantities[i].span);
        q->value = a->quantities[i].value;
        q->unit = (char *)a->quantities[i].unit;
        o->quantities[o->n_quantities++] = q;
    }
    o->fillers = (uint32_t)a->n_fillers;
    o->filler_rate = round(a->filler_rate * 1000.0) / 10.0; /* per 100 words */
    o->length = (uint32_t)a->length_units;
    o->length_verdict = (char *)sc_length_name(a->length);
    size_t concrete = 0;
    for (size_t i = 0; i < a->n_sentences; i++)
        concrete += a->sentences[i].concreteness >= 3;
    o->concreteness = a->n_sentences ? round((double)concrete / (double)a->n_sentences * 100) / 100
                                     : 0;
    if (o->warnings && a->length == SC_LEN_SHORT)
        o->warnings[o->n_warnings++] = (char *)"the answer is short";
    return o;
}

/* ---- statistics of asked questions ---- */

void scoring_count_questions(hf_store_t *st, const Hrflow__V1__ScoreInterviewRequest *r,
                             sc_answer_t **answers)
{
    for (size_t i = 0; i < r->n_answers; i++) {
        const char *id = r->answers[i]->question_id;
        Hrflow__V1__Question *q = NULL;
        if (!id || !hf_uuid_valid(id) || !answers[i] || answers[i]->empty ||
            store_question_get(st, id, &q) != HF_OK)
            continue;
        /* a good-answer point is missed when its text is not in the answer */
        char **missed = hf_store_alloc(st, (q->n_good_answer_points + 1) * sizeof(char *));
        size_t n_missed = 0;
        for (size_t k = 0; missed && k < q->n_good_answer_points; k++)
            if (!strstr(r->answers[i]->text, q->good_answer_points[k]))
                missed[n_missed++] = q->good_answer_points[k];
        if (!missed ||
            store_question_asked(st, id, answers[i]->answer.value, missed, n_missed) != HF_OK)
            hf_logkv(HF_LOG_WARN, "could not count a question", HF_KV_STR("question", id));
    }
}
