/* services/scoring/calibrate_cli.c - `hrflow-scoring calibrate`: scores against human ratings
 *
 *   hrflow-scoring calibrate --data LABELLED.jsonl (--model MODEL.json |
 *                            --tenant TENANT_ID --model-id ID) [--fit]
 *                            [--out FITTED.json] [--save]
 *
 * Each line of the data is {"question": …, "answer": …, "rating": 1..5}.
 * The answers are scored with the model exactly as the service scores them
 * (answer.c), then compared with the ratings: Spearman's rho of the answer
 * scores, quadratic weighted kappa of the scores binned to 1..5, and the mean
 * squared error against the rating on the 0..100 scale. --fit fits the
 * competency weights (calibrate.c) and prints the same figures again;
 * --out writes the fitted model as JSON; --save (with a stored model)
 * saves it as the model's next version, so later reports name it.
 * Output lines are "name value", stable for scripts. Exit 0, 1 on a
 * failure, 2 on bad usage.
 */
#include "calibrate_cli.h"

#include "analysis.h"
#include "calibrate.h"
#include "hf/args.h"
#include "hf/codec.h"
#include "hf/db.h"
#include "store.h"

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

enum { A_DATA, A_MODEL, A_TENANT, A_MODEL_ID, A_FIT, A_OUT, A_SAVE, N_ARGS };

static const hf_arg_t options[N_ARGS] = {
    [A_DATA] = { "data", "LABELLED.jsonl", HF_ARG_REQUIRED,
                 "the labelled answers, one JSON object a line" },
    [A_MODEL] = { "model", "MODEL.json", 0, "a competency model in a file" },
    [A_TENANT] = { "tenant", "TENANT_ID", 0, "with --model-id: a stored model (HF_PG_DSN)" },
    [A_MODEL_ID] = { "model-id", "ID", 0, "the stored model's id" },
    [A_FIT] = { "fit", NULL, 0, "fit the competency weights and score again" },
    [A_OUT] = { "out", "FITTED.json", 0, "write the fitted model (needs --fit)" },
    [A_SAVE] = { "save", NULL, 0, "save the fitted model as the stored model's next version" },
};

typedef struct {
    const char *data, *model_file, *tenant, *model_id, *out;
    int fit, save;
} args_t;

typedef struct {
    char **question, **answer;
    int *rating;
    size_t n;
} rows_t;

static void synopsis(FILE *f)
{
    fprintf(f, "usage: hrflow-scoring calibrate --data LABELLED.jsonl\n"
               "         (--model MODEL.json | --tenant TENANT_ID --model-id ID)\n"
               "         [--fit] [--out FITTED.json] [--save]\n");
    hf_args_usage(f, options, N_ARGS);
}

static int usage(const char *why)
{
    fprintf(stderr, "hrflow-scoring calibrate: %s\n", why);
    synopsis(stderr);
    return 2;
}

/* Returns 0 to go on, else the exit code (0 after --help). */
static int parse(int argc, char **argv, args_t *a)
{
    hf_arg_seen_t o[N_ARGS];
    char why[160];
    int rc = hf_args_parse(options, N_ARGS, argc, argv, o, why, sizeof(why));
    if (rc == HF_ARGS_HELP) {
        synopsis(stdout);
        return -1;
    }
    if (rc < 0)
        return usage(why);
    *a = (args_t){ o[A_DATA].values[0], o[A_MODEL].values[0], o[A_TENANT].values[0],
                   o[A_MODEL_ID].values[0], o[A_OUT].values[0], o[A_FIT].count > 0,
                   o[A_SAVE].count > 0 };
    if (!a->model_file == !(a->tenant && a->model_id))
        return usage("give either --model or --tenant with --model-id");
    if (a->save && !a->model_id)
        return usage("--save needs a stored model (--tenant, --model-id)");
    if ((a->save || a->out) && !a->fit)
        return usage("--save and --out need --fit");
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
    while (getline(&line, &linecap, f) >= 0 && rc == 0) {
        lineno++;
        if (strspn(line, " \t\r\n") == strlen(line))
            continue;
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        json_t *q = json_object_get(j, "question"), *ans = json_object_get(j, "answer");
        json_t *rt = json_object_get(j, "rating");
        if (!j || !json_is_string(ans) || !json_is_integer(rt) ||
            json_integer_value(rt) < SC_RATING_MIN || json_integer_value(rt) > SC_RATING_MAX ||
            (q && !json_is_string(q)) || r->n >= MAX_ROWS) {
            fprintf(stderr, "hrflow-scoring calibrate: %s line %zu: want {\"question\", "
                            "\"answer\", \"rating\": 1..5}\n", path, lineno);
            rc = -1;
        } else {
            if (r->n == cap) {
                cap = cap ? cap * 2 : 64;
                r->question = realloc(r->question, cap * sizeof(char *));
                r->answer = realloc(r->answer, cap * sizeof(char *));
                r->rating = realloc(r->rating, cap * sizeof(int));
            }
            r->question[r->n] = strdup(q ? json_string_value(q) : "");
            r->answer[r->n] = strdup(json_string_value(ans));
            r->rating[r->n] = (int)json_integer_value(rt);
            r->n++;
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

/* Score every row: answer scores and competency scores (-1: not scored). */
static int score_rows(sc_analyzer_t *az, const Hrflow__V1__CompetencyModel *m, const rows_t *r,
                      double *answer, double *comp)
{
    size_t k = m->n_competencies;
    sc_competency_t *cs = calloc(k, sizeof(*cs));
    sc_keyword_t **kws = calloc(k, sizeof(*kws));
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
        fprintf(stderr, "hrflow-scoring calibrate: the model cannot be used: %s\n", err);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < r->n; i++) {
        sc_answer_t *a = NULL;
        if (sc_answer_analyze(az, s, r->question[i], r->answer[i], strlen(r->answer[i]), &a, err,
                              sizeof(err)) < 0) {
            fprintf(stderr, "hrflow-scoring calibrate: answer %zu: %s\n", i + 1, err);
            rc = -1;
            break;
        }
        answer[i] = a->empty ? 0 : a->answer.value;
        for (size_t j = 0; j < k; j++)
            comp[i * k + j] = !a->empty && j < a->n_competencies && a->competencies[j].probed &&
                                      a->competencies[j].s.score >= 0
                                  ? a->competencies[j].s.value
                                  : -1;
        sc_answer_free(&a);
    }
    sc_scorer_destroy(&s);
    for (size_t i = 0; kws && i < k; i++)
        free(kws[i]);
    free(kws);
    free(cs);
    return rc;
}

static void report(const char *prefix, const double *answer, const rows_t *r)
{
    double *rating = malloc(r->n * sizeof(double));
    int *bins = malloc(r->n * sizeof(int));
    double mse = 0;
    for (size_t i = 0; rating && bins && i < r->n; i++) {
        rating[i] = r->rating[i];
        bins[i] = sc_score_bin(answer[i]);
        double e = answer[i] - (r->rating[i] - SC_RATING_MIN) * 25.0;
        mse += e * e;
    }
    if (rating && bins)
        printf("%sspearman %.3f\n%sqwk %.3f\n%smse %.1f\n", prefix,
               sc_spearman(answer, rating, r->n), prefix, sc_qwk(bins, r->rating, r->n), prefix,
               mse / (double)r->n);
    free(rating);
    free(bins);
}

/* Read (or, with new_version set, write) the tenant's model with messages
 * from malloc, as the model from a file: freed with free_unpacked. */
static int model_store(const args_t *a, PGconn *db, hf_arena_t *arena,
                       Hrflow__V1__CompetencyModel **m)
{
    hf_store_t st;
    hf_store_init(&st, db, arena, a->tenant, NULL);
    st.alloc = sys_allocator;
    return store_model_get(&st, a->model_id, 0, m);
}

static Hrflow__V1__CompetencyModel *load_model(const args_t *a, PGconn **db, hf_arena_t *arena)
{
    if (a->model_file) {
        size_t len = 0;
        char *text = read_file(a->model_file, &len);
        ProtobufCMessage *m = NULL;
        hf_codec_errors_t errs;
        if (!text || hf_codec_decode_text(&hrflow__v1__competency_model__descriptor, text, len,
                                          NULL, &m, &errs) < 0)
            fprintf(stderr, "hrflow-scoring calibrate: %s: %s %s\n", a->model_file,
                    text ? errs.errors[0].path : "cannot read",
                    text ? errs.errors[0].message : "");
        free(text);
        return (Hrflow__V1__CompetencyModel *)m;
    }
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
    double *answer = NULL, *comp = NULL;
    rc = 1;
    hf_arena_t *arena = hf_arena_new(0);
    if (!arena || read_rows(a.data, &rows) < 0 || !(m = load_model(&a, &db, arena)))
        goto out;
    if (!(az = sc_analyzer_new(err, sizeof(err)))) {
        fprintf(stderr, "hrflow-scoring calibrate: %s\n", err);
        goto out;
    }
    size_t k = m->n_competencies;
    answer = malloc(rows.n * sizeof(double));
    comp = malloc(rows.n * (k ? k : 1) * sizeof(double));
    if (!answer || !comp || score_rows(az, m, &rows, answer, comp) < 0)
        goto out;
    printf("answers %zu\n", rows.n);
    report("", answer, &rows);
    if (!a.fit) {
        rc = 0;
        goto out;
    }
    double *w = malloc((k ? k : 1) * sizeof(double));
    for (size_t j = 0; w && j < k; j++)
        w[j] = m->competencies[j]->weight;
    if (!w || sc_fit_weights(comp, rows.rating, rows.n, k, w) < 0) {
        free(w);
        goto out;
    }
    for (size_t j = 0; j < k; j++) {
        printf("weight %s %.3f -> %.3f\n", m->competencies[j]->name, m->competencies[j]->weight,
               w[j]);
        m->competencies[j]->weight = w[j];
    }
    free(w);
    if (score_rows(az, m, &rows, answer, comp) < 0)
        goto out;
    report("fitted ", answer, &rows);
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
    free(answer);
    free(comp);
    sc_analyzer_destroy(&az);
    hf_arena_destroy(&arena);
    if (db)
        PQfinish(db);
    for (size_t i = 0; i < rows.n; i++) {
        free(rows.question[i]);
        free(rows.answer[i]);
    }
    free(rows.question);
    free(rows.answer);
    free(rows.rating);
    return rc;
}

int scoring_calibrate(const hf_service_def_t *def, int argc, char **argv)
{
    (void)def;
    if (argc < 2 || strcmp(argv[1], "calibrate") != 0)
        return -1;
    return calibrate_main(argc - 1, argv + 1);
}
