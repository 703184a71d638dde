/* services/scoring/analysis_handlers.c - the scoring RPCs: preview, interviews, reports
 *
 * The glue between protobuf and the pure modules: a CompetencyModel becomes
 * an sc_model_t (answer.h), each answer is analysed with this thread's
 * analyzer, call audio goes through prosody.c, and the results become
 * AnswerScore / InterviewReport messages in the call's arena, with every
 * contribution's span copied out as text so a report reads on its own.
 * Resume screening and question selection are in resume_handlers.c.
 */
#include "handlers.h"

#include "analysis.h"
#include "hf/log.h"
#include "hf/service.h"
#include "model.h"
#include "prosody.h"
#include "report.h"
#include "store.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code
#define MAX_ANSWERS 100
#define KEYWORD_CLOUD_MAX 40

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

/* The caller's tenant, or NULL after failing the call. */
const char *scoring_tenant(hf_call_t *call)
{
    const char *t = hf_call_caller(call)->tenant_id;
    if (!t || strlen(t) != 36) {
        hf_call_fail(call, E(UNAUTHENTICATED), "the request carries no tenant");
        return NULL;
    }
    return t;
}

int scoring_store(hf_call_t *call, store_t *st, ProtobufCAllocator *alloc)
{
    *alloc = hf_arena_allocator(hf_call_arena(call));
    st->alloc = alloc;
    st->traceparent = hf_call_envelope(call)->traceparent;
    st->db = hf_service_db(call);
    return st->db ? 0 : hf_call_fail(call, E(UNAVAILABLE), "the database is unavailable");
}

/* The model of a request: inline (checked) or by id from the store. */
const Hrflow__V1__CompetencyModel *scoring_model_of(hf_call_t *call,
                                                    const Hrflow__V1__CompetencyModel *inline_m,
                                                    const char *id, int version,
                                                    const char *inline_path)
{
    if (inline_m && inline_m->n_competencies) {
        Hrflow__V1__CompetencyModel *m = (Hrflow__V1__CompetencyModel *)inline_m;
        if (!*m->name) /* an inline model needs no name */
            m->name = (char *)"inline";
        if (model_validate(call, m, inline_path) < 0)
            return NULL;
        return m;
    }
    if (!id || !*id) {
        hf_call_detail(call, "competency_model_id", "required",
                       "give competencyModel inline or competencyModelId");
        hf_call_fail(call, E(INVALID_ARGUMENT), "a competency model is required");
        return NULL;
    }
    const char *tenant = scoring_tenant(call);
    store_t st;
    ProtobufCAllocator alloc;
    if (!tenant || scoring_store(call, &st, &alloc) < 0)
        return NULL;
    Hrflow__V1__CompetencyModel *m = NULL;
    store_rc_t rc = strlen(id) == 36 ? store_model_get(&st, tenant, id, version, &m)
                                     : STORE_NOT_FOUND;
    if (rc == STORE_NOT_FOUND)
        hf_call_fail(call, E(NOT_FOUND), "competency model %s not found", id);
    else if (rc != STORE_OK)
        hf_call_fail(call, E(UNAVAILABLE), "could not read competency models");
    return rc == STORE_OK ? m : NULL;
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

static Hrflow__V1__Span *span_pb(hf_call_t *call, int answer, const char *text, sc_span_t s)
{
    Hrflow__V1__Span *p = HF_CALL_NEW(call, Hrflow__V1__Span, hrflow__v1__span__init);
    if (!p)
        return NULL;
    p->answer_index = answer;
    p->start = (uint32_t)s.start;
    p->end = (uint32_t)s.end;
    p->text = hf_arena_strndup(hf_call_arena(call), text + s.start, s.end - s.start);
    return p;
}

static double round1(double v)
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
    p->points = round1(c->points);
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
    p->score = c->s.score < 0 ? 0 : round1(c->s.value);
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
    o->overall_score = round1(a->answer.value);
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

/* ---- Preview ---- */

SCORING_HANDLER(scoring_preview)
{
    const Hrflow__V1__PreviewRequest *r = (const void *)req;
    if (!scoring_tenant(call))
        return -1;
    const Hrflow__V1__CompetencyModel *m = scoring_model_of(
        call, r->competency_model, r->competency_model_id, 0, "competency_model");
    sc_analyzer_t *az = m ? scoring_analyzer(call) : NULL;
    const sc_scorer_t *s = az ? scoring_scorer(call, az, m) : NULL;
    if (!s)
        return -1;
    sc_answer_t *a = NULL;
    char err[200];
    int rc = sc_answer_analyze(az, s, r->question, r->answer, strlen(r->answer), &a, err,
                               sizeof(err));
    Hrflow__V1__AnswerScore *o = rc == 0 ? scoring_answer_pb(call, a, s, r->answer, 0) : NULL;
    sc_answer_free(&a);
    if (rc < 0) {
        hf_call_detail(call, "answer", "bad_format", err);
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the answer cannot be analysed: %s", err);
    }
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    *reply = &o->base;
    return 0;
}

/* ---- ScoreInterview ---- */

static Hrflow__V1__Delivery *delivery_pb(hf_call_t *call, const sc_prosody_t *p,
                                         const sc_prosody_measures_t *m, const char *absent)
{
    Hrflow__V1__Delivery *d = HF_CALL_NEW(call, Hrflow__V1__Delivery, hrflow__v1__delivery__init);
    if (!d)
        return NULL;
    if (!p || !m) {
        d->absent_reason = (char *)absent;
        return d;
    }
    d->present = 1;
    d->emotion_labels = p->emotion_labels;
    const sc_prosody_value_t *v = m->m;
#define PRESENT(i) (v[i].absent == SC_PROSODY_PRESENT)
#define VAL(i) (PRESENT(i) ? round1(v[i].value) : 0)
    d->speech_rate = VAL(SC_PROSODY_SPEECH_RATE);
    d->pause_ratio = PRESENT(SC_PROSODY_PAUSE_RATIO) ? round(v[SC_PROSODY_PAUSE_RATIO].value * 100) / 100 : 0;
    d->long_pauses = PRESENT(SC_PROSODY_LONG_PAUSES) ? (uint32_t)v[SC_PROSODY_LONG_PAUSES].value : 0;
    d->pitch_mean_hz = VAL(SC_PROSODY_PITCH_MEAN_HZ);
    d->pitch_variability = VAL(SC_PROSODY_PITCH_VAR_ST);
    d->energy_variability = VAL(SC_PROSODY_ENERGY_VAR_DB);
    if (p->emotion_labels) {
        d->confidence = VAL(SC_PROSODY_CONFIDENCE);
        d->nervousness = VAL(SC_PROSODY_NERVOUSNESS);
    }
    d->notes = hf_arena_alloc(hf_call_arena(call), 8 * sizeof(void *));
    for (int i = 0; d->notes && i < SC_PROSODY_MEASURES && d->n_notes < 8; i++)
        if (v[i].absent != SC_PROSODY_PRESENT && v[i].absent != SC_PROSODY_ABSENT_CALL_ONLY &&
            v[i].absent != SC_PROSODY_ABSENT_BY_POLICY)
            d->notes[d->n_notes++] = hf_arena_printf(
                hf_call_arena(call), "%s: absent (%s)",
                sc_prosody_measure_name((sc_prosody_measure_t)i),
                sc_prosody_absence_name(v[i].absent));
#undef VAL
#undef PRESENT
    return d;
}

/* The answer with the most result evidence, to compare delivery against
 * the call: "confidence rose 20% when describing results". */
static void delivery_notes(hf_call_t *call, const sc_prosody_t *p, sc_answer_t **answers,
                           size_t n, Hrflow__V1__Delivery *d, sc_locale_t loc)
{
    if (!p || !d || !p->emotion_labels || n < 2)
        return;
    size_t best = n;
    for (size_t i = 0; i < n && i < p->n_segments; i++)
        if (answers[i] && !answers[i]->empty && answers[i]->star[SC_STAR_RESULT].present &&
            (best == n || answers[i]->n_quantities > answers[best]->n_quantities))
            best = i;
    if (best == n)
        return;
    sc_prosody_change_t c;
    char buf[200];
    if (sc_prosody_compare(&p->call, &p->segments[best], SC_PROSODY_CONFIDENCE, &c) == 0 &&
        c.direction != 0 &&
        sc_prosody_describe(&c, loc == SC_LOCALE_ZH ? "描述结果时" : "when describing results",
                            buf, sizeof(buf)) >= 0) {
        char **notes = hf_arena_alloc(hf_call_arena(call), (d->n_notes + 1) * sizeof(void *));
        if (!notes)
            return;
        memcpy(notes, d->notes, d->n_notes * sizeof(void *));
        notes[d->n_notes++] = hf_arena_strdup(hf_call_arena(call), buf);
        d->notes = notes;
    }
}

/* Per competency: the mean of its scores over the answers that probed it. */
static void distribution(hf_call_t *call, const Hrflow__V1__CompetencyModel *m,
                         sc_answer_t **answers, size_t n, Hrflow__V1__InterviewReport *rep,
                         double *evidence)
{
    rep->competencies = hf_arena_alloc(hf_call_arena(call), (m->n_competencies + 1) * sizeof(void *));
    for (size_t k = 0; rep->competencies && k < m->n_competencies; k++) {
        Hrflow__V1__CompetencyScore *c =
            HF_CALL_NEW(call, Hrflow__V1__CompetencyScore, hrflow__v1__competency_score__init);
        if (!c)
            return;
        double sum = 0;
        int count = 0;
        evidence[k] = 0;
        c->contributions = hf_arena_alloc(hf_call_arena(call), (n + 1) * sizeof(void *));
        for (size_t i = 0; i < n; i++) {
            const sc_answer_t *a = answers[i];
            if (!a || a->empty || k >= a->n_competencies || !a->competencies[k].probed ||
                a->competencies[k].s.score < 0)
                continue;
            sum += a->competencies[k].s.value;
            evidence[k] += a->competencies[k].evidence;
            count++;
            Hrflow__V1__Contribution *x =
                HF_CALL_NEW(call, Hrflow__V1__Contribution, hrflow__v1__contribution__init);
            if (x && c->contributions) {
                x->reason = hf_arena_printf(hf_call_arena(call), "answer %zu scored %.1f", i + 1,
                                            a->competencies[k].s.value);
                x->points = round1(a->competencies[k].s.value);
                c->contributions[c->n_contributions++] = x;
            }
        }
        c->name = m->competencies[k]->name;
        c->weight = m->competencies[k]->weight;
        c->score = count ? round1(sum / count) : 0;
        rep->competencies[rep->n_competencies++] = c;
    }
}

/* The keyword cloud over all answers: term -> count, competency keywords marked. */
static void cloud(hf_call_t *call, sc_answer_t **answers, size_t n,
                  Hrflow__V1__InterviewReport *rep)
{
    Hrflow__V1__KeywordCount **k = hf_arena_alloc(hf_call_arena(call),
                                                  (KEYWORD_CLOUD_MAX + 1) * sizeof(void *));
    if (!k)
        return;
    for (size_t i = 0; i < n; i++) {
        const sc_answer_t *a = answers[i];
        for (size_t t = 0; a && t < a->n_terms; t++) {
            Hrflow__V1__KeywordCount *e = NULL;
            for (size_t j = 0; j < rep->n_keyword_cloud && !e; j++)
                if (!strcmp(k[j]->term, a->terms[t].term))
                    e = k[j];
            if (!e) {
                if (rep->n_keyword_cloud >= KEYWORD_CLOUD_MAX)
                    continue;
                e = HF_CALL_NEW(call, Hrflow__V1__KeywordCount, hrflow__v1__keyword_count__init);
                if (!e)
                    return;
                e->term = hf_arena_strdup(hf_call_arena(call), a->terms[t].term);
                if (a->terms[t].competency >= 0 && (size_t)a->terms[t].competency < a->n_competencies)
                    e->competency = hf_arena_strdup(
                        hf_call_arena(call), a->competencies[a->terms[t].competency].s.name);
                k[rep->n_keyword_cloud++] = e;
            }
            e->count += (uint32_t)a->terms[t].count;
        }
    }
    rep->keyword_cloud = k;
}

/* Strengths, gaps, the suggested action and the candidate's hints. */
static void judge(hf_call_t *call, sc_locale_t loc, const Hrflow__V1__ScoreInterviewRequest *r,
                  sc_answer_t **answers, const double *evidence,
                  Hrflow__V1__InterviewReport *rep)
{
    hf_arena_t *ar = hf_call_arena(call);
    size_t nc = rep->n_competencies;
    rep->strengths = hf_arena_alloc(ar, (nc + 1) * sizeof(void *));
    rep->gaps = hf_arena_alloc(ar, (nc + 1) * sizeof(void *));
    rep->candidate_hints = hf_arena_alloc(ar, (nc + 4 * r->n_answers + 1) * sizeof(void *));
    if (!rep->strengths || !rep->gaps || !rep->candidate_hints)
        return;
    const char *weakest = NULL;
    double weakest_score = 1e9;
    char buf[400];
    for (size_t k = 0; k < nc; k++) {
        const Hrflow__V1__CompetencyScore *c = rep->competencies[k];
        if (c->weight > 0 && c->score < weakest_score) {
            weakest = c->name;
            weakest_score = c->score;
        }
        if (c->score >= SC_STRENGTH_AT) {
            sc_strength_text(buf, sizeof(buf), loc, c->name, c->score);
            rep->strengths[rep->n_strengths++] = hf_arena_strdup(ar, buf);
        } else if (c->score < SC_GAP_BELOW) {
            sc_gap_text(buf, sizeof(buf), loc, c->name, c->score, evidence[k] > 0);
            rep->gaps[rep->n_gaps++] = hf_arena_strdup(ar, buf);
            sc_competency_hint(buf, sizeof(buf), loc, c->name);
            rep->candidate_hints[rep->n_candidate_hints++] = hf_arena_strdup(ar, buf);
        }
    }
    for (size_t i = 0; i < r->n_answers; i++) {
        const sc_answer_t *a = answers[i];
        if (!a || a->empty)
            continue;
        for (int part = SC_STAR_SITUATION; part < SC_STAR_N; part++)
            if (!a->star[part].present && (part == SC_STAR_ACTION || part == SC_STAR_RESULT)) {
                sc_star_hint(buf, sizeof(buf), loc, (sc_star_part_t)part,
                             r->answers[i]->question);
                rep->candidate_hints[rep->n_candidate_hints++] = hf_arena_strdup(ar, buf);
            }
    }
    sc_suggested_action(buf, sizeof(buf), loc, rep->overall_score, weakest);
    rep->suggested_action = hf_arena_strdup(ar, buf);
    rep->recommendation = (char *)sc_recommendation(rep->overall_score);
}

static int analyse_answers(hf_call_t *call, sc_analyzer_t *az, const sc_scorer_t *s,
                           const Hrflow__V1__ScoreInterviewRequest *r, sc_answer_t **answers)
{
    for (size_t i = 0; i < r->n_answers; i++) {
        const Hrflow__V1__TranscriptAnswer *t = r->answers[i];
        char err[200], path[48];
        if (sc_answer_analyze(az, s, t->question, t->text, strlen(t->text), &answers[i], err,
                              sizeof(err)) < 0) {
            snprintf(path, sizeof(path), "answers[%zu].text", i);
            hf_call_detail(call, path, "bad_format", err);
            return hf_call_fail(call, E(INVALID_ARGUMENT), "answer %zu cannot be analysed: %s",
                                i + 1, err);
        }
    }
    return 0;
}

/* Prosody of the call; NULL with *absent set when there is no audio. */
static int analyse_audio(hf_call_t *call, const Hrflow__V1__ScoreInterviewRequest *r,
                         const Hrflow__V1__ScoringSettings *settings, sc_answer_t **answers,
                         sc_prosody_t **out)
{
    *out = NULL;
    if (!r->audio.len)
        return 0;
    sc_prosody_segment_t *segs = hf_arena_alloc(hf_call_arena(call),
                                                (r->n_answers + 1) * sizeof(*segs));
    if (!segs)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int words = 0;
    for (size_t i = 0; i < r->n_answers; i++) {
        segs[i] = (sc_prosody_segment_t){ r->answers[i]->start_ms, r->answers[i]->end_ms,
                                          answers[i] ? (uint32_t)answers[i]->length_units : 0 };
        words |= answers[i] && answers[i]->lang == SC_LANG_EN;
    }
    sc_prosody_opts_t o;
    sc_prosody_opts_default(&o);
    o.unit = words ? SC_PROSODY_WORDS : SC_PROSODY_CHARS;
    o.emotion_labels = settings->emotion_labels;
    o.emotion_may_reject = settings->emotion_may_reject;
    char err[200];
    int rc = sc_prosody_analyze(r->audio.data, r->audio.len, segs, r->n_answers, &o, out, err,
                                sizeof(err));
    if (rc == 0)
        return 0;
    if (rc == SC_PROSODY_ENOMEM)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    hf_call_detail(call, rc == SC_PROSODY_EAUDIO ? "audio" : "answers", "bad_format", err);
    return hf_call_fail(call, E(INVALID_ARGUMENT), "%s", err);
}

static int interview_check(hf_call_t *call, const Hrflow__V1__ScoreInterviewRequest *r)
{
    size_t n = strlen(r->interview_id);
    int bad_id = n == 0 || n > 128, bad_answers = r->n_answers == 0 || r->n_answers > MAX_ANSWERS;
    int bad_app = *r->application_id && !hf_uuid_valid(r->application_id);
    if (bad_id)
        hf_call_detail(call, "interview_id", "required", "1 to 128 characters");
    if (bad_answers)
        hf_call_detail(call, "answers", r->n_answers ? "too_many" : "required",
                       "an interview has 1 to 100 answers");
    if (bad_app)
        hf_call_detail(call, "application_id", "bad_format", "a pipeline application id (UUID)");
    if (bad_id || bad_answers || bad_app)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the interview is incomplete");
    return 0;
}

SCORING_HANDLER(scoring_score_interview)
{
    const Hrflow__V1__ScoreInterviewRequest *r = (const void *)req;
    const char *tenant = scoring_tenant(call);
    if (!tenant || interview_check(call, r) < 0)
        return -1;
    const Hrflow__V1__CompetencyModel *m = scoring_model_of(
        call, NULL, r->competency_model_id, r->competency_model_version, "");
    store_t st;
    ProtobufCAllocator alloc;
    Hrflow__V1__ScoringSettings settings;
    if (!m || scoring_store(call, &st, &alloc) < 0)
        return -1;
    if (store_settings_get(&st, tenant, &settings) != STORE_OK)
        return hf_call_fail(call, E(UNAVAILABLE), "could not read scoring settings");
    sc_analyzer_t *az = scoring_analyzer(call);
    const sc_scorer_t *s = az ? scoring_scorer(call, az, m) : NULL;
    if (!s)
        return -1;
    sc_answer_t **answers = hf_arena_alloc(hf_call_arena(call), r->n_answers * sizeof(void *));
    sc_prosody_t *pros = NULL;
    int rc = -1;
    Hrflow__V1__InterviewReport *rep =
        HF_CALL_NEW(call, Hrflow__V1__InterviewReport, hrflow__v1__interview_report__init);
    if (!answers || !rep) {
        hf_call_fail(call, E(INTERNAL), "out of memory");
        goto done;
    }
    memset(answers, 0, r->n_answers * sizeof(void *));
    if (analyse_answers(call, az, s, r, answers) < 0 ||
        analyse_audio(call, r, &settings, answers, &pros) < 0)
        goto done;
    sc_locale_t loc = sc_locale_parse(r->locale);
    rep->interview_id = r->interview_id;
    rep->application_id = r->application_id;
    rep->tenant_id = (char *)tenant;
    rep->model_id = m->id;
    rep->model_version = m->version;
    rep->locale = (char *)(loc == SC_LOCALE_EN ? "en" : "zh-CN");
    rep->answers = hf_arena_alloc(hf_call_arena(call), r->n_answers * sizeof(void *));
    rep->warnings = hf_arena_alloc(hf_call_arena(call), (r->n_answers + 2) * sizeof(void *));
    double total = 0;
    size_t scored = 0;
    for (size_t i = 0; rep->answers && rep->warnings && i < r->n_answers; i++) {
        Hrflow__V1__AnswerReport *ar =
            HF_CALL_NEW(call, Hrflow__V1__AnswerReport, hrflow__v1__answer_report__init);
        if (!ar)
            break;
        ar->index = (int32_t)i;
        ar->question = r->answers[i]->question;
        ar->score = scoring_answer_pb(call, answers[i], s, r->answers[i]->text, (int)i);
        ar->delivery = delivery_pb(call, pros, pros ? &pros->segments[i] : NULL, "no audio");
        rep->answers[rep->n_answers++] = ar;
        if (answers[i]->empty)
            rep->warnings[rep->n_warnings++] =
                hf_arena_printf(hf_call_arena(call), "answer %zu is empty: not scored", i + 1);
        else
            total += answers[i]->answer.value, scored++;
    }
    if (!scored) {
        hf_call_detail(call, "answers", "required", "every answer is empty");
        hf_call_fail(call, E(INVALID_ARGUMENT), "no answer has text to score");
        goto done;
    }
    rep->overall_score = round1(total / (double)scored);
    double *evidence = hf_arena_alloc(hf_call_arena(call), (m->n_competencies + 1) * sizeof(double));
    if (!evidence) {
        hf_call_fail(call, E(INTERNAL), "out of memory");
        goto done;
    }
    distribution(call, m, answers, r->n_answers, rep, evidence);
    cloud(call, answers, r->n_answers, rep);
    rep->delivery = delivery_pb(call, pros, pros ? &pros->call : NULL,
                                "no audio: delivery is not assessed");
    delivery_notes(call, pros, answers, r->n_answers, rep->delivery, loc);
    judge(call, loc, r, answers, evidence, rep);
    rep->create_time = NULL;
    int changed = 0;
    if (store_report_put(&st, tenant, rep, &changed) != STORE_OK) {
        hf_call_fail(call, E(UNAVAILABLE), "could not store the report");
        goto done;
    }
    if (changed) /* a retry of the same scoring asked no question again */
        scoring_count_questions(call, &st, tenant, r, answers);
    *reply = &rep->base;
    rc = 0;
done:
    for (size_t i = 0; answers && i < r->n_answers; i++)
        sc_answer_free(&answers[i]);
    sc_prosody_destroy(&pros);
    return rc;
}

SCORING_HANDLER(scoring_get_report)
{
    const Hrflow__V1__GetReportRequest *r = (const void *)req;
    const char *tenant = scoring_tenant(call);
    store_t st;
    ProtobufCAllocator alloc;
    if (!tenant || scoring_store(call, &st, &alloc) < 0)
        return -1;
    Hrflow__V1__InterviewReport *rep = NULL;
    store_rc_t rc = store_report_get(&st, tenant, r->interview_id, &rep);
    if (rc == STORE_NOT_FOUND)
        return hf_call_fail(call, E(NOT_FOUND), "no report for interview %s", r->interview_id);
    if (rc != STORE_OK)
        return hf_call_fail(call, E(UNAVAILABLE), "could not read reports");
    *reply = &rep->base;
    return 0;
}
