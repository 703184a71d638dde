/* services/scoring/calibrate_cli.c - `hrflow-scoring calibrate`: scores against human ratings
 *
 *   hrflow-scoring calibrate --data LABELLED.jsonl
 *                            (--model MODEL.json | --models DIR [--model MODEL.json] |
 *                             --tenant TENANT_ID --model-id ID)
 *                            [--fit [--out FITTED.json] [--save]]
 *                            [--fit-ordinal [--lambda L] [--folds K] [--out-fit FIT.json]
 *                                           [--drop NAME[,NAME...]] [--signed] |
 *                             --fit-in FIT.json] [--answers OUT.jsonl]
 *
 * Each line of the data is {"question": …, "answer": …, "rating": 1..5}
 * with optional "id", "model", "competency", "language", "category",
 * "star": {"situation", "task", "action", "result": bool} and "note"
 * (docs/scoring.md, "Calibration"). The answers are scored exactly as the
 * service scores them (answer.c): with --models, each line with the model
 * DIR/<model>.json (lines without one, with --model). The scores are
 * compared with the ratings: Spearman's rho, quadratic weighted kappa of the
 * scores binned to 1..5 and the mean squared error on the 0..100 scale,
 * overall and per language, category and model; and the scorer's STAR parts
 * with the labelled ones. --fit fits the competency weights (calibrate.c),
 * --out writes and --save stores the fitted model. --fit-ordinal fits the
 * ordinal regression of the rating on the feature vector (calibrate.c),
 * prints its figures in sample and cross-validated, and --out-fit writes it;
 * --fit-in evaluates a stored fit without refitting; --drop leaves features
 * out of the fit, --signed holds each weight to its feature's sign. The
 * aim's pair check ("aim.pairs", "aim.violations") counts the capped
 * answers (keyword list, credentials, negated) predicted at or above a
 * real story of the same model and competency rated higher. --answers writes each line's
 * id, rating, answer score, STAR parts and flags, one JSON object a line, to
 * read the disagreements one by one. Output lines are
 * "name value", stable for scripts. Exit 0, 1 on a failure, 2 on bad usage.
 */
#include "calibrate_cli.h"

#include "analysis.h"
#include "calibrate.h"
#include "hf/args.h"
#include "hf/codec.h"
#include "hf/db.h"
#include "store.h"

#include "hf/crypto.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 100000

/* malloc and free, as protobuf_c_message_free_unpacked(m, NULL) expects. */
static void *sys_alloc(void *data, size_t n)
{
    (void)data;
    return malloc(n);
}

static void sys_free(void *data, void *p)
{
    (void)data;
    free(p);
}

static ProtobufCAllocator sys_allocator = { sys_alloc, sys_free, NULL };

enum {
    A_DATA, A_MODEL, A_MODELS, A_TENANT, A_MODEL_ID, A_FIT, A_OUT, A_SAVE, A_FIT_ORDINAL,
    A_LAMBDA, A_FOLDS, A_OUT_FIT, A_FIT_IN, A_DROP, A_SIGNED, A_ANSWERS, N_ARGS
};

static const hf_arg_t options[N_ARGS] = {
    [A_DATA] = { "data", "LABELLED.jsonl", HF_ARG_REQUIRED,
                 "the labelled answers, one JSON object a line" },
    [A_MODEL] = { "model", "MODEL.json", 0, "a competency model in a file" },
    [A_MODELS] = { "models", "DIR", 0, "score each line with DIR/<its \"model\">.json" },
    [A_TENANT] = { "tenant", "TENANT_ID", 0, "with --model-id: a stored model (HF_PG_DSN)" },
    [A_MODEL_ID] = { "model-id", "ID", 0, "the stored model's id" },
    [A_FIT] = { "fit", NULL, 0, "fit the competency weights and score again" },
    [A_OUT] = { "out", "FITTED.json", 0, "write the fitted model (needs --fit)" },
    [A_SAVE] = { "save", NULL, 0, "save the fitted model as the stored model's next version" },
    [A_FIT_ORDINAL] = { "fit-ordinal", NULL, 0,
                        "fit the ordinal regression of the rating on the features, with CV" },
    [A_LAMBDA] = { "lambda", "L", 0, "its L2 penalty (default 1)" },
    [A_FOLDS] = { "folds", "K", 0, "its cross-validation folds (default 5)" },
    [A_OUT_FIT] = { "out-fit", "FIT.json", 0, "write the ordinal fit (needs --fit-ordinal)" },
    [A_FIT_IN] = { "fit-in", "FIT.json", 0, "evaluate a stored ordinal fit on the data" },
    [A_DROP] = { "drop", "NAME[,NAME...]", 0, "fit without these features (needs --fit-ordinal)" },
    [A_SIGNED] = { "signed", NULL, 0,
                   "hold each weight to its feature's sign (needs --fit-ordinal)" },
    [A_ANSWERS] = { "answers", "OUT.jsonl", 0,
                    "write each line's id, rating, score, STAR parts and flags" },
};

#define DEFAULT_FOLDS 5
#define MAX_FOLDS 100

typedef struct {
    const char *data, *model_file, *models_dir, *tenant, *model_id, *out, *out_fit, *fit_in,
        *answers;
    int fit, save, fit_ordinal;
    const char *drop;         /* comma-separated feature names, or NULL */
    bool signed_fit;
    double lambda;
    size_t folds;
} args_t;

/* The labelled lines; optional fields are NULL, star labels -1 when absent. */
typedef struct {
    char **question, **answer, **id, **model, **language, **category, **competency;
    int *rating;
    signed char *star;        /* n x SC_STAR_N: 1, 0 or -1 */
    size_t *lineno;
    size_t n;
} rows_t;

/* What the scorer makes of each row. */
typedef struct {
    double *answer;           /* n: the answer score, 0..100 */
    double *comp;             /* n x k competency topic scores (-1: not scored); one model only */
    double *x;                /* n x sc_features_count() */
    bool *star;               /* n x SC_STAR_N: parts the scorer found */
    unsigned *flags;          /* n: bit f set when flag f (evidence.h) is */
} scored_t;

static void synopsis(FILE *f)
{
    fprintf(f, "usage: hrflow-scoring calibrate --data LABELLED.jsonl\n"
               "         (--model MODEL.json | --models DIR [--model MODEL.json] |\n"
               "          --tenant TENANT_ID --model-id ID)\n"
               "         [--fit [--out FITTED.json] [--save]]\n"
               "         [--fit-ordinal [--lambda L] [--folds K] [--out-fit FIT.json]\n"
               "                        [--drop NAME[,NAME...]] [--signed] |\n"
               "          --fit-in FIT.json] [--answers OUT.jsonl]\n");
    hf_args_usage(f, options, N_ARGS);
}

static int usage(const char *why)
{
    fprintf(stderr, "hrflow-scoring calibrate: %s\n", why);
    synopsis(stderr);
    return 2;
}

/* Whether the feature table's row `name` is named in the comma-separated
 * list (NULL: none). */
static bool listed(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && strncmp(p, name, n) == 0)
            return true;
        p += n + (p[n] == ',');
    }
    return false;
}

/* The first name of the comma-separated list that is not a feature, into
 * bad; 0 when every one is. */
static int unknown_feature(const char *list, char *bad, size_t badlen)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        snprintf(bad, badlen, "%.*s", (int)n, p);
        if (sc_feature_find(bad) < 0)
            return -1;
        p += n + (p[n] == ',');
    }
    return 0;
}

/* Returns 0 to go on, else the exit code (-1 after --help). */
static int parse(int argc, char **argv, args_t *a)
{
    hf_arg_seen_t o[N_ARGS];
    char why[160], *end;
    int rc = hf_args_parse(options, N_ARGS, argc, argv, o, why, sizeof(why));
    if (rc == HF_ARGS_HELP) {
        synopsis(stdout);
        return -1;
    }
    if (rc < 0)
        return usage(why);
    *a = (args_t){ o[A_DATA].values[0], o[A_MODEL].values[0], o[A_MODELS].values[0],
                   o[A_TENANT].values[0], o[A_MODEL_ID].values[0], o[A_OUT].values[0],
                   o[A_OUT_FIT].values[0], o[A_FIT_IN].values[0], o[A_ANSWERS].values[0],
                   o[A_FIT].count > 0,
                   o[A_SAVE].count > 0, o[A_FIT_ORDINAL].count > 0, o[A_DROP].values[0],
                   o[A_SIGNED].count > 0, SC_ORDINAL_LAMBDA, DEFAULT_FOLDS };
    bool stored = a->tenant || a->model_id;
    if (stored ? !(a->tenant && a->model_id) || a->model_file || a->models_dir
               : !a->model_file && !a->models_dir)
        return usage("give --model, --models, or --tenant with --model-id");
    if (a->save && !a->model_id)
        return usage("--save needs a stored model (--tenant, --model-id)");
    if ((a->save || a->out) && !a->fit)
        return usage("--save and --out need --fit");
    if (a->fit && a->models_dir)
        return usage("--fit fits one model's weights: not with --models");
    if (a->fit_ordinal && a->fit_in)
        return usage("give --fit-ordinal or --fit-in, not both");
    if ((o[A_LAMBDA].count || o[A_FOLDS].count || a->out_fit || a->drop || a->signed_fit)
        && !a->fit_ordinal)
        return usage("--lambda, --folds, --out-fit, --drop and --signed need --fit-ordinal");
    if (o[A_LAMBDA].count) {
        a->lambda = strtod(o[A_LAMBDA].values[0], &end);
        if (*end || end == o[A_LAMBDA].values[0] || !isfinite(a->lambda) || a->lambda < 0)
            return usage("--lambda: want a number >= 0");
    }
    char bad[100];
    if (a->drop && unknown_feature(a->drop, bad, sizeof(bad)) < 0) {
        snprintf(why, sizeof(why), "--drop: no feature \"%s\"", bad);
        return usage(why);
    }
    if (o[A_FOLDS].count) {
        long k = strtol(o[A_FOLDS].values[0], &end, 10);
        if (*end || end == o[A_FOLDS].values[0] || k < 2 || k > MAX_FOLDS)
            return usage("--folds: want an integer 2..100");
        a->folds = (size_t)k;
    }
    return 0;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

static void rows_free(rows_t *r)
{
    char **fields[] = { r->question, r->answer, r->id,         r->model,
                        r->language, r->category, r->competency };
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
        for (size_t i = 0; fields[f] && i < r->n; i++)
            free(fields[f][i]);
        free(fields[f]);
    }
    free(r->rating);
    free(r->star);
    free(r->lineno);
    *r = (rows_t){ 0 };
}

static int rows_grow(rows_t *r, size_t cap)
{
    char ***fields[] = { &r->question, &r->answer,   &r->id,        &r->model,
                         &r->language, &r->category, &r->competency };
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
        char **p = realloc(*fields[f], cap * sizeof(char *));
        if (!p)
            return -1;
        *fields[f] = p;
    }
    int *rt = realloc(r->rating, cap * sizeof(int));
    if (rt)
        r->rating = rt;
    signed char *st = realloc(r->star, cap * SC_STAR_N);
    if (st)
        r->star = st;
    size_t *ln = realloc(r->lineno, cap * sizeof(size_t));
    if (ln)
        r->lineno = ln;
    return rt && st && ln ? 0 : -1;
}

/* A model's name is a file name in --models: letters, digits, '.', '_', '-',
 * not starting with '.'. */
static bool model_name_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 100 && s[0] != '.' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
                                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                         "0123456789._-") == n;
}

/* The optional string field name of j: 0 with *out (strdup, or NULL when
 * absent), or -1 when it is not a string. */
static int opt_string(json_t *j, const char *name, char **out)
{
    json_t *v = json_object_get(j, name);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = strdup(json_string_value(v));
    return 0;
}

/* The star labels of j into st[SC_STAR_N] (-1 when absent); the name of the
 * bad field, or NULL. */
static const char *read_star(json_t *j, signed char *st)
{
    json_t *star = json_object_get(j, "star");
    memset(st, -1, SC_STAR_N);
    if (!star)
        return NULL;
    if (!json_is_object(star))
        return "star";
    for (int p = 0; p < SC_STAR_N; p++) {
        json_t *v = json_object_get(star, sc_star_part_name(p));
        if (v && !json_is_boolean(v))
            return sc_star_part_name(p);
        if (v)
            st[p] = json_is_true(v);
    }
    return NULL;
}

/* One line into row r->n; returns 0, or -1 with what is wrong in why. */
static int read_row(json_t *j, rows_t *r, char *why, size_t whylen)
{
    json_t *q = json_object_get(j, "question"), *ans = json_object_get(j, "answer");
    json_t *rt = json_object_get(j, "rating");
    size_t i = r->n;
    if (!json_is_object(j) || !json_is_string(ans) || !json_is_integer(rt) ||
        json_integer_value(rt) < SC_RATING_MIN || json_integer_value(rt) > SC_RATING_MAX ||
        (q && !json_is_string(q))) {
        snprintf(why, whylen, "want {\"question\", \"answer\", \"rating\": 1..5}");
        return -1;
    }
    r->question[i] = strdup(q ? json_string_value(q) : "");
    r->answer[i] = strdup(json_string_value(ans));
    r->rating[i] = (int)json_integer_value(rt);
    const char *bad = NULL;
    static const char *const names[] = { "id", "model", "language", "category", "competency" };
    char **dst[] = { &r->id[i], &r->model[i], &r->language[i], &r->category[i],
                     &r->competency[i] };
    for (size_t f = 0; f < 5; f++)
        if (opt_string(j, names[f], dst[f]) < 0 && !bad)
            bad = names[f];
    const char *star = read_star(j, r->star + i * SC_STAR_N);
    bool name_ok = !r->model[i] || model_name_ok(r->model[i]);
    r->n++; /* the row's strings are the rows' to free, also when it is bad */
    if (bad)
        snprintf(why, whylen, "\"%s\" must be a string", bad);
    else if (!name_ok)
        snprintf(why, whylen, "\"model\" must be a file name (letters, digits, '.', '_', '-')");
    else if (star)
        snprintf(why, whylen, "\"star\" must be an object of booleans (%s)", star);
    return bad || !name_ok || star ? -1 : 0;
}

/* Read the labelled lines; returns 0 or -1 after a message naming the line. */
static int read_rows(const char *path, rows_t *r)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "hrflow-scoring calibrate: cannot read %s\n", path);
        return -1;
    }
    size_t cap = 0, lineno = 0;
    char *line = NULL;
    size_t linecap = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &linecap, f) >= 0) {
        lineno++;
        if (strspn(line, " \t\r\n") == strlen(line))
            continue;
        if (r->n >= MAX_ROWS || (r->n == cap && rows_grow(r, cap = cap ? cap * 2 : 64) < 0)) {
            fprintf(stderr, "hrflow-scoring calibrate: %s: more than %d lines or out of memory\n",
                    path, MAX_ROWS);
            rc = -1;
            break;
        }
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        char why[160] = "not JSON";
        r->lineno[r->n] = lineno;
        if (!j || read_row(j, r, why, sizeof(why)) < 0) {
            fprintf(stderr, "hrflow-scoring calibrate: %s line %zu: %s\n", path, lineno, why);
            rc = -1;
        }
        json_decref(j);
    }
    free(line);
    fclose(f);
    if (rc == 0 && r->n < 2) {
        fprintf(stderr, "hrflow-scoring calibrate: %s has fewer than 2 labelled answers\n", path);
        rc = -1;
    }
    return rc;
}

/* Score the rows of model `name` (all rows when all is set; name NULL:
 * the rows without a model) into out: answer scores, competency scores
 * (when out->comp), features and STAR parts. */
static int score_rows(sc_analyzer_t *az, const Hrflow__V1__CompetencyModel *m, const rows_t *r,
                      bool all, const char *name, scored_t *out)
{
    size_t k = m->n_competencies, nf = sc_features_count();
    sc_competency_t *cs = calloc(k ? k : 1, sizeof(*cs));
    sc_keyword_t **kws = calloc(k ? k : 1, sizeof(*kws));
    int rc = cs && kws ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < k; i++) {
        const Hrflow__V1__Competency *c = m->competencies[i];
        kws[i] = calloc(c->n_keywords + 1, sizeof(sc_keyword_t));
        if (!kws[i]) {
            rc = -1;
            break;
        }
        for (size_t j = 0; j < c->n_keywords; j++)
            kws[i][j] = (sc_keyword_t){ c->keywords[j]->term,
                                        (const char *const *)c->keywords[j]->synonyms,
                                        c->keywords[j]->n_synonyms,
                                        c->keywords[j]->weight > 0 ? c->keywords[j]->weight : 1 };
        cs[i] = (sc_competency_t){ c->name, c->weight, kws[i], c->n_keywords,
                                   (const char *const *)c->negative_cues, c->n_negative_cues };
    }
    char err[200];
    sc_model_t model = { "calibration", cs, k, (const char *const *)m->core_values,
                         m->n_core_values };
    sc_scorer_t *s = rc == 0 ? sc_scorer_new(az, &model, err, sizeof(err)) : NULL;
    if (rc == 0 && !s) {
        fprintf(stderr, "hrflow-scoring calibrate: the model %s cannot be used: %s\n",
                name ? name : "", err);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < r->n; i++) {
        if (!all && (name ? !r->model[i] || strcmp(r->model[i], name) != 0 : r->model[i] != NULL))
            continue;
        sc_answer_t *a = NULL;
        if (sc_answer_analyze(az, s, r->question[i], r->answer[i], strlen(r->answer[i]), &a, err,
                              sizeof(err)) < 0) {
            fprintf(stderr, "hrflow-scoring calibrate: line %zu: %s\n", r->lineno[i], err);
            rc = -1;
            break;
        }
        out->answer[i] = a->empty ? 0 : a->answer.value;
        for (size_t j = 0; out->comp && j < k; j++)
            out->comp[i * k + j] = !a->empty && j < a->n_competencies &&
                                           a->competencies[j].probed &&
                                           a->competencies[j].topic.score >= 0
                                       ? a->competencies[j].topic.value
                                       : -1;
        sc_features_read(a, out->x + i * nf);
        for (int p = 0; p < SC_STAR_N; p++)
            out->star[i * SC_STAR_N + p] = a->star[p].present;
        out->flags[i] = 0;
        for (int f = 0; f < SC_EVF_N; f++)
            out->flags[i] |= (unsigned)(!a->empty && a->evidence.flag[f].set) << f;
        sc_answer_free(&a);
    }
    sc_scorer_destroy(&s);
    for (size_t i = 0; kws && i < k; i++)
        free(kws[i]);
    free(kws);
    free(cs);
    return rc;
}

/* ---- figures ---- */

/* Spearman, QWK and MSE of predictions score (0..100) and bins (1..5)
 * against the ratings of the rows idx[0..n), into fig[3]. */
static void agreement(const double *score, const int *bins, const rows_t *r, const size_t *idx,
                      size_t n, double fig[3])
{
    double *s = malloc(n * sizeof(double)), *rt = malloc(n * sizeof(double)), mse = 0;
    int *b = malloc(n * sizeof(int)), *ri = malloc(n * sizeof(int));
    fig[0] = fig[1] = fig[2] = NAN;
    for (size_t i = 0; s && rt && b && ri && i < n; i++) {
        s[i] = score[idx[i]];
        rt[i] = ri[i] = r->rating[idx[i]];
        b[i] = bins[idx[i]];
        double e = s[i] - (ri[i] - SC_RATING_MIN) * 25.0;
        mse += e * e;
    }
    if (s && rt && b && ri)
        fig[0] = sc_spearman(s, rt, n), fig[1] = sc_qwk(b, ri, n), fig[2] = mse / (double)n;
    free(s);
    free(rt);
    free(b);
    free(ri);
}

static void figures(const char *prefix, const char *suffix, const double *score, const int *bins,
                    const rows_t *r, const size_t *idx, size_t n, bool with_mse)
{
    double fig[3];
    agreement(score, bins, r, idx, n, fig);
    /* a figure that is not defined (every rating of the group the same) is left out */
    if (isfinite(fig[0]))
        printf("%sspearman%s %.3f\n", prefix, suffix, fig[0]);
    if (isfinite(fig[1]))
        printf("%sqwk%s %.3f\n", prefix, suffix, fig[1]);
    if (with_mse && isfinite(fig[2]))
        printf("%smse%s %.1f\n", prefix, suffix, fig[2]);
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct values of vals[0..n) (NULLs left out), sorted, into *out
 * (borrowed strings; the array is the caller's to free). Returns how many. */
static size_t distinct(char *const *vals, size_t n, const char ***out)
{
    const char **d = malloc((n ? n : 1) * sizeof(char *));
    size_t m = 0, u = 0;
    for (size_t i = 0; d && i < n; i++)
        if (vals[i])
            d[m++] = vals[i];
    if (d)
        qsort(d, m, sizeof(char *), by_string);
    for (size_t i = 0; i < m; i++)
        if (u == 0 || strcmp(d[u - 1], d[i]) != 0)
            d[u++] = d[i];
    *out = d;
    return u;
}

#define MIN_GROUP 3

/* The figures per value of a grouping field (language, category, model):
 * "<prefix>n.<label>.<value>", then spearman and qwk from MIN_GROUP rows. */
static void group_figures(const char *prefix, const char *label, char *const *vals,
                          const double *score, const int *bins, const rows_t *r)
{
    const char **groups = NULL;
    size_t ng = distinct(vals, r->n, &groups);
    size_t *idx = malloc(r->n * sizeof(size_t));
    for (size_t g = 0; groups && idx && g < ng; g++) {
        size_t n = 0;
        for (size_t i = 0; i < r->n; i++)
            if (vals[i] && strcmp(vals[i], groups[g]) == 0)
                idx[n++] = i;
        char suffix[160];
        snprintf(suffix, sizeof(suffix), ".%s.%s", label, groups[g]);
        printf("%sn%s %zu\n", prefix, suffix, n);
        if (n >= MIN_GROUP)
            figures(prefix, suffix, score, bins, r, idx, n, false);
    }
    free(idx);
    free(groups);
}

/* Overall figures, then per language, category and model. */
static void report(const char *prefix, const double *score, const int *bins, const rows_t *r)
{
    size_t *all = malloc(r->n * sizeof(size_t));
    for (size_t i = 0; all && i < r->n; i++)
        all[i] = i;
    if (all)
        figures(prefix, "", score, bins, r, all, r->n, true);
    free(all);
    group_figures(prefix, "language", r->language, score, bins, r);
    group_figures(prefix, "category", r->category, score, bins, r);
    group_figures(prefix, "model", r->model, score, bins, r);
}

/* The scorer's answer scores, binned, reported under prefix. */
static void report_scores(const char *prefix, const double *answer, const rows_t *r)
{
    int *bins = malloc(r->n * sizeof(int));
    for (size_t i = 0; bins && i < r->n; i++)
        bins[i] = sc_score_bin(answer[i]);
    if (bins)
        report(prefix, answer, bins, r);
    free(bins);
}

/* STAR part accuracy (the fraction of part labels the scorer's parts
 * match) over the rows whose vals[i] is `only` (all rows when vals is
 * NULL): "star.accuracy<suffix>", and per part when parts is set. */
static void star_accuracy(const char *suffix, char *const *vals, const char *only,
                          const rows_t *r, const bool *found, bool parts)
{
    size_t right[SC_STAR_N] = { 0 }, labelled[SC_STAR_N] = { 0 }, rt = 0, lt = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (vals && (!vals[i] || strcmp(vals[i], only) != 0))
            continue;
        for (int p = 0; p < SC_STAR_N; p++) {
            signed char want = r->star[i * SC_STAR_N + p];
            if (want < 0)
                continue;
            labelled[p]++;
            right[p] += found[i * SC_STAR_N + p] == (want == 1);
        }
    }
    for (int p = 0; p < SC_STAR_N; p++)
        rt += right[p], lt += labelled[p];
    if (lt == 0)
        return;
    printf("star.accuracy%s %.3f\n", suffix, (double)rt / (double)lt);
    for (int p = 0; parts && p < SC_STAR_N; p++)
        if (labelled[p])
            printf("star.accuracy.%s %.3f\n", sc_star_part_name(p),
                   (double)right[p] / (double)labelled[p]);
}

/* The scorer's STAR parts against the labelled ones: overall, per part,
 * per language and per category. Nothing when no line is labelled. */
static void report_star(const rows_t *r, const bool *found)
{
    size_t labelled = 0;
    for (size_t i = 0; i < r->n; i++) {
        bool any = false;
        for (int p = 0; p < SC_STAR_N; p++)
            any |= r->star[i * SC_STAR_N + p] >= 0;
        labelled += any;
    }
    if (!labelled)
        return;
    printf("star.labelled %zu\n", labelled);
    star_accuracy("", NULL, NULL, r, found, true);
    static const char *const labels[] = { "language", "category" };
    char *const *fields[] = { r->language, r->category };
    for (size_t f = 0; f < 2; f++) {
        const char **groups = NULL;
        size_t ng = distinct(fields[f], r->n, &groups);
        for (size_t g = 0; groups && g < ng; g++) {
            char suffix[160];
            snprintf(suffix, sizeof(suffix), ".%s.%s", labels[f], groups[g]);
            star_accuracy(suffix, fields[f], groups[g], r, found, false);
        }
        free(groups);
    }
}

/* ---- the aim's pair check ---- */

#define AIM_SHOWN 20

static bool in_list(const char *v, const char *const *list, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        if (strcmp(v, list[i]) == 0)
            return true;
    return false;
}

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static const char *row_name(const rows_t *r, size_t i, char buf[24])
{
    snprintf(buf, 24, "#%zu", r->lineno[i]);
    return r->id[i] ? r->id[i] : buf;
}

/* "No keyword-list, credential-list or negated answer scored above a real
 * first-person story about the same competency": over the pairs of a capped
 * answer and a real story of the same model and competency, how often the
 * capped one's prediction pred[] is at or above the story's, with the first
 * AIM_SHOWN violations named. */
static void aim_pairs(const char *prefix, const double *pred, const rows_t *r)
{
    static const char *const capped[] = { "keyword_list", "credentials", "negated" };
    static const char *const story[] = { "strong_numbers", "strong_no_numbers", "modest_real" };
    size_t pairs = 0, bad = 0;
    char a[24], b[24];
    for (size_t i = 0; i < r->n; i++) {
        if (!in_list(r->category[i], capped, 3) || !r->model[i] || !r->competency[i])
            continue;
        for (size_t j = 0; j < r->n; j++) {
            /* the raters rank the story above it: a negation followed by a real
             * nearby story is rated on that story (the guide), and is no pair */
            if (!in_list(r->category[j], story, 3) || !same(r->model[i], r->model[j])
                || !same(r->competency[i], r->competency[j]) || r->rating[i] >= r->rating[j])
                continue;
            pairs++;
            if (pred[i] >= pred[j] && bad++ < AIM_SHOWN)
                printf("%saim.violation %s > %s\n", prefix, row_name(r, i, a), row_name(r, j, b));
        }
    }
    printf("%saim.pairs %zu\n", prefix, pairs);
    printf("%saim.violations %zu\n", prefix, bad);
}

/* Read the tenant's model with messages from malloc, as the model from a
 * file: freed with free_unpacked. */
static int model_store(const args_t *a, PGconn *db, hf_arena_t *arena,
                       Hrflow__V1__CompetencyModel **m)
{
    hf_store_t st;
    hf_store_init(&st, db, arena, a->tenant, NULL);
    st.alloc = sys_allocator;
    return store_model_get(&st, a->model_id, 0, m);
}

static Hrflow__V1__CompetencyModel *load_model_file(const char *path)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    ProtobufCMessage *m = NULL;
    hf_codec_errors_t errs;
    if (!text || hf_codec_decode_text(&hrflow__v1__competency_model__descriptor, text, len, NULL,
                                      &m, &errs) < 0)
        fprintf(stderr, "hrflow-scoring calibrate: %s: %s%s%s\n", path,
                text ? errs.errors[0].path : "cannot read", text ? " " : "",
                text ? errs.errors[0].message : "");
    free(text);
    return (Hrflow__V1__CompetencyModel *)m;
}

/* The model of --model or of --tenant/--model-id; NULL after a message. */
static Hrflow__V1__CompetencyModel *load_model(const args_t *a, PGconn **db, hf_arena_t *arena)
{
    if (a->model_file)
        return load_model_file(a->model_file);
    const char *dsn = getenv("HF_PG_DSN");
    *db = PQconnectdb(dsn ? dsn : "");
    if (PQstatus(*db) != CONNECTION_OK) {
        fprintf(stderr, "hrflow-scoring calibrate: cannot connect to PostgreSQL (HF_PG_DSN)\n");
        return NULL;
    }
    Hrflow__V1__CompetencyModel *m = NULL;
    if (model_store(a, *db, arena, &m) != HF_OK)
        fprintf(stderr, "hrflow-scoring calibrate: model %s of tenant %s not found\n",
                a->model_id, a->tenant);
    return m;
}

/* Score every row: with --models, each with DIR/<its model>.json, and the
 * rows without a model with m (--model); else all with m. */
static int score_all(const args_t *a, sc_analyzer_t *az, const Hrflow__V1__CompetencyModel *m,
                     const rows_t *r, scored_t *out)
{
    if (!a->models_dir)
        return score_rows(az, m, r, true, NULL, out);
    bool unnamed = false;
    for (size_t i = 0; i < r->n; i++)
        if (!r->model[i] && !m) {
            fprintf(stderr, "hrflow-scoring calibrate: %s line %zu: no \"model\" (give --model "
                            "for such lines)\n", a->data, r->lineno[i]);
            return -1;
        } else {
            unnamed |= !r->model[i];
        }
    if (unnamed && score_rows(az, m, r, false, NULL, out) < 0)
        return -1;
    const char **names = NULL;
    size_t nm = distinct(r->model, r->n, &names);
    int rc = names ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < nm; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s.json", a->models_dir, names[i]);
        Hrflow__V1__CompetencyModel *each = load_model_file(path);
        rc = each ? score_rows(az, each, r, false, names[i], out) : -1;
        if (each)
            protobuf_c_message_free_unpacked(&each->base, NULL);
    }
    free(names);
    return rc;
}

/* ---- the ordinal fit ---- */

/* Report expected ratings under prefix: as 0..100 ((E - 1) x 25) for
 * Spearman and MSE, rounded to 1..5 for QWK. The overall figures go to
 * fig[3] (spearman, qwk, mse) when fig is not NULL. */
static int report_expected(const char *prefix, const double *expected, const rows_t *r,
                           double fig[3])
{
    double *score = malloc(r->n * sizeof(double));
    int *bins = malloc(r->n * sizeof(int));
    size_t *all = malloc(r->n * sizeof(size_t));
    int rc = score && bins && all ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < r->n; i++) {
        score[i] = (expected[i] - SC_RATING_MIN) * 25.0;
        long b = lround(expected[i]);
        bins[i] = b < SC_RATING_MIN ? SC_RATING_MIN : b > SC_RATING_MAX ? SC_RATING_MAX : (int)b;
        all[i] = i;
    }
    if (rc == 0) {
        report(prefix, score, bins, r);
        if (fig)
            agreement(score, bins, r, all, r->n, fig);
    }
    free(score);
    free(bins);
    free(all);
    return rc;
}

/* The fit's features of every row (its order) from the table-ordered x. */
static double *fit_features(const sc_ordinal_t *f, const double *x, size_t n)
{
    size_t nf = sc_features_count();
    for (size_t j = 0; j < f->k; j++)
        if (f->index[j] < 0) {
            fprintf(stderr, "hrflow-scoring calibrate: feature \"%s\" of fit %s is not known to "
                            "this scorer\n", f->names[j], f->version);
            return NULL;
        }
    double *xf = malloc((n * f->k > 0 ? n * f->k : 1) * sizeof(double));
    for (size_t i = 0; xf && i < n; i++)
        for (size_t j = 0; j < f->k; j++)
            xf[i * f->k + j] = x[i * nf + f->index[j]];
    return xf;
}

/* The expected rating of every row under f, reported under "ordinal ". */
static int evaluate(const sc_ordinal_t *f, const double *x, const rows_t *r, double fig[3])
{
    double *xf = fit_features(f, x, r->n), *e = malloc(r->n * sizeof(double));
    int rc = xf && e ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < r->n; i++)
        e[i] = sc_ordinal_predict(f, xf + i * f->k, NULL, NULL);
    if (rc == 0) {
        printf("ordinal version %s\n", f->version);
        rc = report_expected("ordinal ", e, r, fig);
        aim_pairs("ordinal ", e, r);
    }
    free(xf);
    free(e);
    return rc;
}

/* --fit-in: a stored fit on this data, without refitting. */
static int evaluate_stored(const args_t *a, const double *x, const rows_t *r)
{
    json_error_t je;
    json_t *j = json_load_file(a->fit_in, 0, &je);
    char err[200];
    sc_ordinal_t *f = j ? sc_ordinal_from_json(j, err, sizeof(err)) : NULL;
    if (!f)
        fprintf(stderr, "hrflow-scoring calibrate: %s: %s\n", a->fit_in, j ? err : je.text);
    json_decref(j);
    int rc = f ? evaluate(f, x, r, NULL) : -1;
    sc_ordinal_destroy(&f);
    return rc;
}

/* The fit as data: the fit, where it was trained, and its CV figures. */
static int write_fit(const args_t *a, const sc_ordinal_t *f, size_t n, const double cv[3])
{
    size_t len = 0;
    char *data = read_file(a->data, &len), hex[65];
    bool read = data != NULL;
    if (read)
        hf_sha256_hex(data, len, hex);
    free(data);
    json_t *j = sc_ordinal_to_json(f);
    int rc = j && read ? 0 : -1;
    if (rc == 0)
        rc = json_object_set_new(j, "trainedOn", json_pack("{s:s, s:s, s:I}", "file", a->data,
                                                           "sha256", hex, "n", (json_int_t)n))
             | json_object_set_new(j, "cv", json_pack("{s:I, s:f, s:f, s:f}", "folds",
                                                      (json_int_t)a->folds, "spearman", cv[0],
                                                      "qwk", cv[1], "mse", cv[2]))
             | json_object_set_new(j, "signed", json_boolean(a->signed_fit));
    if (rc < 0 || json_dump_file(j, a->out_fit, JSON_INDENT(2) | JSON_SORT_KEYS) < 0) {
        fprintf(stderr, "hrflow-scoring calibrate: cannot write %s\n", a->out_fit);
        rc = -1;
    } else {
        printf("written %s\n", a->out_fit);
    }
    json_decref(j);
    return rc;
}

/* --fit-ordinal: fit on every row, report in sample and cross-validated.
 * x is table-ordered; the fit takes the features not dropped, with their
 * signs under --signed. */
static int fit_ordinal(const args_t *a, const double *xall, const rows_t *r)
{
    size_t nt = sc_features_count(), nf = 0;
    const char **names = malloc(nt * sizeof(char *)), **keys = malloc(r->n * sizeof(char *));
    char (*line)[24] = malloc(r->n * sizeof(*line)), err[200];
    int *fold = malloc(r->n * sizeof(int)), *sign = malloc(nt * sizeof(int));
    size_t *keep = malloc(nt * sizeof(size_t));
    double *cv = malloc(r->n * sizeof(double)), out[3];
    double *x = malloc((r->n * nt > 0 ? r->n * nt : 1) * sizeof(double));
    sc_ordinal_t *f = NULL;
    int rc = names && keys && line && fold && sign && keep && cv && x ? 0 : -1;
    for (size_t j = 0; rc == 0 && j < nt; j++) {
        const sc_feature_def_t *d = sc_feature_def(j);
        if (listed(a->drop, d->name))
            continue;
        names[nf] = d->name;
        sign[nf] = a->signed_fit ? d->sign : 0;
        keep[nf++] = j;
    }
    for (size_t i = 0; rc == 0 && i < r->n; i++)
        for (size_t c = 0; c < nf; c++)
            x[i * nf + c] = xall[i * nt + keep[c]];
    if (rc == 0 && a->drop)
        printf("ordinal dropped %s\n", a->drop);
    if (rc == 0 && a->signed_fit)
        printf("ordinal signed 1\n");
    if (rc == 0 && !(f = sc_ordinal_fit_signed(x, r->rating, r->n, nf, names, sign, a->lambda,
                                               err, sizeof(err)))) {
        fprintf(stderr, "hrflow-scoring calibrate: cannot fit: %s\n", err);
        rc = -1;
    }
    if (rc == 0) {
        printf("ordinal lambda %g\n", f->lambda);
        for (size_t j = 0; j < f->k; j++)
            printf("ordinal weight.%s %.4f\n", f->names[j], f->weight[j]);
        for (size_t l = 0; l + 1 < f->levels; l++)
            printf("ordinal threshold.%d-%d %.4f\n", f->level[l], f->level[l + 1],
                   f->threshold[l]);
        rc = evaluate(f, xall, r, NULL);
    }
    for (size_t i = 0; rc == 0 && i < r->n; i++) { /* folds by id, else by line number */
        snprintf(line[i], sizeof(line[i]), "#%zu", r->lineno[i]);
        keys[i] = r->id[i] ? r->id[i] : line[i];
    }
    if (rc == 0 && (sc_cv_folds(keys, r->rating, r->n, a->folds, fold) < 0
                    || sc_ordinal_cv(x, r->rating, fold, r->n, nf, a->folds, names, sign,
                                     a->lambda, cv, err, sizeof(err)) < 0)) {
        fprintf(stderr, "hrflow-scoring calibrate: cannot cross-validate: %s\n", err);
        rc = -1;
    }
    if (rc == 0) {
        printf("cv folds %zu\n", a->folds);
        rc = report_expected("cv ", cv, r, out);
        aim_pairs("cv ", cv, r);
    }
    if (rc == 0 && a->out_fit)
        rc = write_fit(a, f, r->n, out);
    sc_ordinal_destroy(&f);
    free(names);
    free(keys);
    free(line);
    free(fold);
    free(sign);
    free(keep);
    free(cv);
    free(x);
    return rc;
}

/* --answers: one JSON object a line per labelled line, in the data's order. */
static int write_answers(const char *path, const rows_t *r, const scored_t *sc)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "hrflow-scoring calibrate: cannot write %s\n", path);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->n; i++) {
        char name[24];
        json_t *star = json_object(), *flags = json_array();
        for (int p = 0; star && p < SC_STAR_N; p++)
            json_object_set_new(star, sc_star_part_name(p), json_boolean(sc->star[i * SC_STAR_N + p]));
        for (int k = 0; flags && k < SC_EVF_N; k++)
            if (sc->flags[i] >> k & 1)
                json_array_append_new(flags, json_string(sc_ev_flag_name((sc_ev_flag_t)k)));
        /* every feature (calibrate.c's table), as the fit reads it */
        size_t nf = sc_features_count();
        json_t *feat = json_object();
        for (size_t k = 0; feat && k < nf; k++)
            json_object_set_new(feat, sc_feature_def(k)->name,
                                json_real(round(sc->x[i * nf + k] * 1000) / 1000));
        json_t *j = json_pack("{s:s, s:i, s:f, s:o*, s:o*, s:o*}", "id", row_name(r, i, name),
                              "rating", r->rating[i], "score", round(sc->answer[i] * 10) / 10,
                              "star", star, "flags", flags, "features", feat);
        char *line = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) : NULL;
        rc = line && fprintf(f, "%s\n", line) > 0 ? 0 : -1;
        free(line);
        json_decref(j);
    }
    if (fclose(f) != 0 || rc < 0) {
        fprintf(stderr, "hrflow-scoring calibrate: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

static int calibrate_main(int argc, char **argv)
{
    args_t a = { 0 };
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    rows_t rows = { 0 };
    PGconn *db = NULL;
    char err[160];
    Hrflow__V1__CompetencyModel *m = NULL;
    sc_analyzer_t *az = NULL;
    scored_t sc = { 0 };
    rc = 1;
    hf_arena_t *arena = hf_arena_new(0);
    if (!arena || read_rows(a.data, &rows) < 0
        || ((a.model_file || a.model_id) && !(m = load_model(&a, &db, arena))))
        goto out;
    if (!(az = sc_analyzer_new(err, sizeof(err)))) {
        fprintf(stderr, "hrflow-scoring calibrate: %s\n", err);
        goto out;
    }
    size_t k = m ? m->n_competencies : 0, n = rows.n;
    sc.answer = malloc(n * sizeof(double));
    sc.comp = a.models_dir ? NULL : malloc(n * (k ? k : 1) * sizeof(double));
    sc.x = malloc(n * sc_features_count() * sizeof(double));
    sc.star = malloc(n * SC_STAR_N * sizeof(bool));
    sc.flags = malloc(n * sizeof(unsigned));
    if (!sc.answer || (!a.models_dir && !sc.comp) || !sc.x || !sc.star || !sc.flags
        || score_all(&a, az, m, &rows, &sc) < 0 || (a.answers && write_answers(a.answers, &rows, &sc) < 0))
        goto out;
    printf("answers %zu\n", n);
    report_scores("", sc.answer, &rows);
    aim_pairs("", sc.answer, &rows);
    report_star(&rows, sc.star);
    if (a.fit_ordinal && fit_ordinal(&a, sc.x, &rows) < 0)
        goto out;
    if (a.fit_in && evaluate_stored(&a, sc.x, &rows) < 0)
        goto out;
    if (!a.fit) {
        rc = 0;
        goto out;
    }
    double *w = malloc((k ? k : 1) * sizeof(double));
    for (size_t j = 0; w && j < k; j++)
        w[j] = m->competencies[j]->weight;
    if (!w || sc_fit_weights(sc.comp, rows.rating, n, k, w) < 0) {
        free(w);
        goto out;
    }
    for (size_t j = 0; j < k; j++) {
        printf("weight %s %.3f -> %.3f\n", m->competencies[j]->name, m->competencies[j]->weight,
               w[j]);
        m->competencies[j]->weight = w[j];
    }
    free(w);
    if (score_rows(az, m, &rows, true, NULL, &sc) < 0)
        goto out;
    report_scores("fitted ", sc.answer, &rows);
    if (a.out) {
        json_t *j = hf_codec_encode(&m->base);
        if (!j || json_dump_file(j, a.out, JSON_INDENT(2)) < 0) {
            fprintf(stderr, "hrflow-scoring calibrate: cannot write %s\n", a.out);
            json_decref(j);
            goto out;
        }
        json_decref(j);
        printf("written %s\n", a.out);
    }
    if (a.save) {
        hf_store_t st;
        hf_store_init(&st, db, arena, a.tenant, NULL);
        st.alloc = sys_allocator;
        if (store_model_new_version(&st, a.model_id, m) != HF_OK) {
            fprintf(stderr, "hrflow-scoring calibrate: could not save the fitted model\n");
            goto out;
        }
        printf("saved %s version %d\n", a.model_id, m->version);
    }
    rc = 0;
out:
    if (m)
        protobuf_c_message_free_unpacked(&m->base, NULL);
    free(sc.answer);
    free(sc.comp);
    free(sc.x);
    free(sc.star);
    free(sc.flags);
    sc_analyzer_destroy(&az);
    hf_arena_destroy(&arena);
    if (db)
        PQfinish(db);
    rows_free(&rows);
    return rc;
}

int scoring_calibrate(const hf_service_def_t *def, int argc, char **argv)
{
    (void)def;
    if (argc < 2 || strcmp(argv[1], "calibrate") != 0)
        return -1;
    return calibrate_main(argc - 1, argv + 1);
}
