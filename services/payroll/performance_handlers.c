/* services/payroll/performance_handlers.c - the review cycle RPC methods: create, list, get, record scores, ratings
 *
 * A review cycle belongs to one company, reviews a period and pays out in
 * one month, whose run reads each employee's rating_coef from it. Raters'
 * scores are recorded in batches, whole or not at all: every problem of a
 * batch (an employee not of the cycle's company, a weight of 0, a score
 * out of range, a rater twice for one employee) is a detail of one 422.
 * Ratings are computed when read (rating.c): the weighted mean, its band
 * and the band's coefficient. Payroll (and admin) keys only, behind the
 * company wall, as schemes.
 */
#include "schemes_handlers.h"

#include "money.h"
#include "performance_store.h"
#include "rating.h"

#include "hf/encoding.h"
#include "hf/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

/* "YYYY-MM-DD" that is a day of the calendar. */
static int date_ok(const char *s)
{
    char month[8];
    if (!s || strlen(s) != 10 || s[7] != '-' || s[8] < '0' || s[8] > '3' || s[9] < '0' ||
        s[9] > '9')
        return 0;
    snprintf(month, sizeof(month), "%.7s", s);
    char first[11];
    if (pr_month_parse(month, first) < 0)
        return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d >= 1 && d <= days[m - 1] + (m == 2 && leap);
}

/* The request's bands into b (millionths); -1 after failing the call. */
static int bands_of(hf_store_t *st, const Hrflow__V1__CreateReviewCycleRequest *r, pr_band_t *b)
{
    int bad = 0;
    size_t n = r->n_bands < PR_BANDS_MAX ? r->n_bands : PR_BANDS_MAX;
    for (size_t i = 0; i < n; i++) {
        char field[48];
        b[i].grade = r->bands[i]->grade;
        snprintf(field, sizeof(field), "bands[%zu].min_score", i);
        if (pr_rate_parse(r->bands[i]->min_score, &b[i].min_score) != PR_MONEY_OK) {
            hf_call_detail(st->call, field, "invalid", "a score from 0 to 1000: 85.5");
            bad = 1;
        }
        snprintf(field, sizeof(field), "bands[%zu].coefficient", i);
        if (pr_rate_parse(r->bands[i]->coefficient, &b[i].coef) != PR_MONEY_OK) {
            hf_call_detail(st->call, field, "invalid", "a coefficient from 0 to 100: 1.2");
            bad = 1;
        }
    }
    char err[128];
    int at = -1;
    if (!bad && pr_bands_check(b, r->n_bands, &at, err, sizeof(err)) < 0) {
        char field[32];
        snprintf(field, sizeof(field), at < 0 ? "bands" : "bands[%d]", at);
        hf_call_detail(st->call, field, "invalid", err);
        bad = 1;
    }
    return bad ? hf_call_fail(st->call, E(INVALID_ARGUMENT), "the bands are invalid") : 0;
}

PR_HANDLER(payroll_create_review_cycle)
{
    const Hrflow__V1__CreateReviewCycleRequest *r = (const void *)req;
    hf_store_t st;
    char month[11];
    pr_band_t bands[PR_BANDS_MAX];
    if (pr_open_payroll(call, &st, "change review cycles") < 0)
        return -1;
    int bad = hf_call_check_text(call, "name", r->name, HF_TEXT_NAME);
    if (!date_ok(r->period_start)) {
        hf_call_detail(call, "period_start", "invalid", "a date written YYYY-MM-DD");
        bad = 1;
    }
    if (!date_ok(r->period_end) || (date_ok(r->period_start) &&
                                    strcmp(r->period_end, r->period_start) < 0)) {
        hf_call_detail(call, "period_end", "invalid", "a date written YYYY-MM-DD, not before the start");
        bad = 1;
    }
    if (pr_month_parse(r->payout_month, month) < 0) {
        hf_call_detail(call, "payout_month", "invalid", "a month written YYYY-MM");
        bad = 1;
    }
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the review cycle is invalid");
    if (bands_of(&st, r, bands) < 0 || pr_company_check(&st, "company_id", r->company_id) < 0)
        return -1;
    const char *id = NULL;
    int rc = pr_store_cycle_create(&st, r, month, bands, r->n_bands, &id);
    if (rc == HF_EEXISTS) {
        hf_call_detail(call, "payout_month", "exists", "the company has a cycle paying out then");
        return hf_call_fail(call, E(ALREADY_EXISTS), "the company has a review cycle paying out in %s",
                            r->payout_month);
    }
    Hrflow__V1__ReviewCycle *c = NULL;
    if (rc == HF_OK)
        rc = pr_store_cycle_get(&st, id, &c);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "review cycle", "");
    *reply = &c->base;
    return 0;
}

/* The cycle of a request's id (behind the wall), or NULL after failing the call. */
static Hrflow__V1__ReviewCycle *cycle_of(hf_store_t *st, const char *id)
{
    Hrflow__V1__ReviewCycle *c = NULL;
    int rc = hf_uuid_valid(id) ? pr_store_cycle_get(st, id, &c) : HF_ENOTFOUND;
    if (rc != HF_OK) {
        hf_store_fail(st, rc, "review cycle", id);
        return NULL;
    }
    return c;
}

PR_HANDLER(payroll_get_review_cycle)
{
    const Hrflow__V1__GetReviewCycleRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__ReviewCycle *c =
        pr_open_payroll(call, &st, "see review cycles") == 0 ? cycle_of(&st, r->id) : NULL;
    if (!c)
        return -1;
    *reply = &c->base;
    return 0;
}

PR_HANDLER(payroll_list_review_cycles)
{
    const Hrflow__V1__ListReviewCyclesRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    char month[11] = "";
    if (pr_open_payroll(call, &st, "see review cycles") < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    if (*r->payout_month && pr_month_parse(r->payout_month, month) < 0) {
        hf_call_detail(call, "payout_month", "invalid", "a month written YYYY-MM");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "payout_month must be a month (YYYY-MM)");
    }
    if (*r->company_id && (!hf_uuid_valid(r->company_id) ||
                           !hf_store_sees_company(&st, r->company_id)))
        return hf_call_fail(call, E(NOT_FOUND), "company %s not found", r->company_id);
    Hrflow__V1__ListReviewCyclesResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListReviewCyclesResponse, hrflow__v1__list_review_cycles_response__init);
    if (!o)
        return hf_store_fail(&st, HF_ENOMEM, "review cycles", NULL);
    int rc = pr_store_cycle_list(&st, r->company_id, month, &page, &o->cycles, &o->n_cycles);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "review cycles", NULL);
    o->next_page_token = hf_store_strdup(&st, page.next);
    *reply = &o->base;
    return 0;
}

#define SCORES_MAX 5000 /* scores of one batch */

/* Check score i of a batch; 1 when a detail was added. ids, raters,
 * weights and scores (millionths as text) are filled. */
static int check_score(hf_store_t *st, const Hrflow__V1__RecordReviewScoresRequest *r, size_t i,
                       const char **ids, const char **raters, const char **weights,
                       const char **scores)
{
    const Hrflow__V1__ReviewScore *s = r->scores[i];
    char field[64];
    int bad = 0;
    int64_t w = 0, v = 0;
    snprintf(field, sizeof(field), "scores[%zu].employee_id", i);
    if (!hf_uuid_valid(s->employee_id)) {
        hf_call_detail(st->call, field, "invalid", "an employee's id");
        bad = 1;
    }
    snprintf(field, sizeof(field), "scores[%zu].rater", i);
    bad |= hf_call_check_text(st->call, field, s->rater, HF_TEXT_NAME);
    snprintf(field, sizeof(field), "scores[%zu].weight", i);
    if (pr_rate_parse(s->weight, &w) != PR_MONEY_OK || w <= 0 || w > PR_SCORE_MAX) {
        hf_call_detail(st->call, field, "invalid", "a weight above 0, at most 1000: 0.6");
        bad = 1;
    }
    snprintf(field, sizeof(field), "scores[%zu].score", i);
    if (pr_rate_parse(s->score, &v) != PR_MONEY_OK || v > PR_SCORE_MAX) {
        hf_call_detail(st->call, field, "invalid", "a score from 0 to 1000: 87.5");
        bad = 1;
    }
    for (size_t j = 0; j < i && !bad; j++)
        if (!strcmp(r->scores[j]->employee_id, s->employee_id) &&
            !strcmp(r->scores[j]->rater, s->rater)) {
            snprintf(field, sizeof(field), "scores[%zu].rater", i);
            hf_call_detail(st->call, field, "duplicate",
                           "this rater scores this employee twice in the batch");
            bad = 1;
        }
    ids[i] = s->employee_id;
    raters[i] = s->rater;
    weights[i] = hf_arena_printf(st->arena, "%lld", (long long)w);
    scores[i] = hf_arena_printf(st->arena, "%lld", (long long)v);
    return bad;
}

PR_HANDLER(payroll_record_review_scores)
{
    const Hrflow__V1__RecordReviewScoresRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__ReviewCycle *c =
        pr_open_payroll(call, &st, "record review scores") == 0 ? cycle_of(&st, r->id) : NULL;
    if (!c)
        return -1;
    size_t n = r->n_scores;
    if (n == 0 || n > SCORES_MAX) {
        hf_call_detail(call, "scores", "invalid", "from 1 to 5000 scores");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "scores must hold 1 to 5000 scores");
    }
    const char **ids = hf_store_alloc(&st, 4 * n * sizeof(char *));
    int *found = hf_store_alloc(&st, n * sizeof(int));
    if (!ids || !found)
        return hf_store_fail(&st, HF_ENOMEM, "scores", NULL);
    const char **raters = ids + n, **weights = raters + n, **scores = weights + n;
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= check_score(&st, r, i, ids, raters, weights, scores);
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the scores are invalid");
    int rc = pr_store_employees_in(&st, c->company_id, ids, n, found);
    for (size_t i = 0; rc == HF_OK && i < n; i++)
        if (!found[i]) {
            char field[48];
            snprintf(field, sizeof(field), "scores[%zu].employee_id", i);
            hf_call_detail(call, field, "not_found", "not an employee of the cycle's company");
            bad = 1;
        }
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the scores name unknown employees");
    if (rc == HF_OK)
        rc = pr_store_scores_record(&st, c->id, ids, raters, weights, scores, n);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "scores", NULL);
    Hrflow__V1__RecordReviewScoresResponse *o =
        HF_CALL_NEW(call, Hrflow__V1__RecordReviewScoresResponse,
                    hrflow__v1__record_review_scores_response__init);
    if (!o)
        return hf_store_fail(&st, HF_ENOMEM, "scores", NULL);
    o->recorded = (uint32_t)n;
    *reply = &o->base;
    return 0;
}

static char *rate_text(hf_store_t *st, int64_t v)
{
    char s[PR_RATE_TEXT_MAX];
    pr_rate_format(v, s);
    return hf_store_strdup(st, s);
}

/* The rating of rows [from, to) of r (one employee's scores) under the bands. */
static Hrflow__V1__ReviewRating *rating_of(hf_store_t *st, PGresult *r, int from, int to,
                                           const pr_band_t *bands, size_t n_bands)
{
    Hrflow__V1__ReviewRating *x = hf_store_alloc(st, sizeof(*x));
    pr_score_t *s = hf_store_alloc(st, (size_t)(to - from) * sizeof(*s));
    if (!x || !s)
        return NULL;
    hrflow__v1__review_rating__init(x);
    x->employee_id = hf_store_cell(st, r, from, 0);
    x->employee_no = hf_store_cell(st, r, from, 1);
    x->scores = hf_store_alloc(st, (size_t)(to - from) * sizeof(*x->scores));
    if (!x->scores)
        return NULL;
    for (int i = from; i < to; i++) {
        Hrflow__V1__ReviewScore *y = hf_store_alloc(st, sizeof(*y));
        if (!y)
            return NULL;
        hrflow__v1__review_score__init(y);
        s[i - from].weight = strtoll(PQgetvalue(r, i, 3), NULL, 10);
        s[i - from].score = strtoll(PQgetvalue(r, i, 4), NULL, 10);
        y->employee_id = x->employee_id;
        y->rater = hf_store_cell(st, r, i, 2);
        y->weight = rate_text(st, s[i - from].weight);
        y->score = rate_text(st, s[i - from].score);
        x->scores[x->n_scores++] = y;
    }
    int64_t mean = 0;
    pr_rating_mean(s, (size_t)(to - from), &mean); /* weights > 0: always a mean */
    int b = pr_rating_band(bands, n_bands, mean);  /* the lowest band starts at 0 */
    x->rating = rate_text(st, mean);
    x->grade = b >= 0 ? (char *)bands[b].grade : "";
    x->coefficient = rate_text(st, b >= 0 ? bands[b].coef : PR_RATE_ONE);
    return x->rating && x->coefficient ? x : NULL;
}

int pr_cycle_ratings(hf_store_t *st, const Hrflow__V1__ReviewCycle *c,
                     Hrflow__V1__ReviewRating ***out, size_t *n)
{
    pr_band_t bands[PR_BANDS_MAX];
    size_t nb = c->n_bands < PR_BANDS_MAX ? c->n_bands : PR_BANDS_MAX;
    for (size_t i = 0; i < nb; i++) {
        bands[i].grade = c->bands[i]->grade;
        pr_rate_parse(c->bands[i]->min_score, &bands[i].min_score);
        pr_rate_parse(c->bands[i]->coefficient, &bands[i].coef);
    }
    PGresult *res = pr_store_cycle_scores(st, c->id);
    int rows = res ? PQntuples(res) : 0, rc = res ? HF_OK : HF_EDB;
    *n = 0;
    if (rc == HF_OK && !(*out = hf_store_alloc(st, (size_t)(rows + 1) * sizeof(**out))))
        rc = HF_ENOMEM;
    for (int i = 0; rc == HF_OK && i < rows;) {
        int j = i + 1;
        while (j < rows && !strcmp(PQgetvalue(res, j, 0), PQgetvalue(res, i, 0)))
            j++;
        if (!((*out)[(*n)++] = rating_of(st, res, i, j, bands, nb)))
            rc = HF_ENOMEM;
        i = j;
    }
    PQclear(res);
    return rc;
}

PR_HANDLER(payroll_list_review_ratings)
{
    const Hrflow__V1__ListReviewRatingsRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__ReviewCycle *c =
        pr_open_payroll(call, &st, "see review ratings") == 0 ? cycle_of(&st, r->id) : NULL;
    if (!c)
        return -1;
    Hrflow__V1__ListReviewRatingsResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListReviewRatingsResponse, hrflow__v1__list_review_ratings_response__init);
    int rc = o ? pr_cycle_ratings(&st, c, &o->ratings, &o->n_ratings) : HF_ENOMEM;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "ratings", NULL);
    *reply = &o->base;
    return 0;
}
