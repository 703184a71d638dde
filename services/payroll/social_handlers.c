/* services/payroll/social_handlers.c - city policies of social insurance and housing fund, cities' minimum wages: list, get, create, and a month's contributions
 *
 * The shipped policies (migration 0021) and the tenant's own
 * (social_store.c) are read by every payroll key; creating one changes
 * what every company of the tenant pays, so it takes a payroll key of the
 * whole group. A policy is checked field by field (every problem a detail
 * at "policy.items[i].<field>", nothing written), then by social.c's rules
 * (rates 0..1, floor <= cap); an overlap with another of the tenant's
 * periods for the city is the table's to refuse, answered at valid_from.
 * Minimum wages (the pay input min_wage) are statutory data of the same
 * shape and rules: one monthly amount a period instead of the items.
 */
#include "statutory_handlers.h"

#include "hf/encoding.h"
#include "hf/store.h"
#include "hf/text.h"
#include "hrflow/v1/payroll.pb-c.h"
#include "social.h"
#include "social_store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

static const hf_text_rule_t city_rule = { HF_TEXT_LINE, 1, 64 };
static const hf_text_rule_t source_rule = { HF_TEXT_LINE, 0, 500 };

/* A Date as "YYYY-MM-DD" (the codec has checked it is a day). */
static void day_text(const Hrflow__V1__Date *d, char out[11])
{
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)d->year % 10000u, (unsigned)d->month % 100u,
             (unsigned)d->day % 100u);
}

/* A rate at "policy.items[i].<name>": "" is 0 only when may_be_empty. */
static int rate_check(hf_call_t *call, const char *text, size_t i, const char *name,
                      int64_t *ppm)
{
    char field[80];
    snprintf(field, sizeof(field), "policy.items[%zu].%s", i, name);
    pr_money_err_t e = pr_rate_parse(text, ppm);
    if (e == PR_MONEY_OK && *ppm <= PR_RATE_ONE)
        return 0;
    hf_call_detail(call, field, e == PR_MONEY_EMPTY ? "required" : "out_of_range",
                   "a rate from 0 to 1 with at most six decimals, e.g. \"0.08\"");
    return 1;
}

/* Item i of the request into p; details for every problem. */
static int item_check(hf_call_t *call, const Hrflow__V1__CityPolicyItem *in, size_t i,
                      pr_social_policy_t *p)
{
    char field[80];
    snprintf(field, sizeof(field), "policy.items[%zu].kind", i);
    int k = pr_social_kind_parse(in->kind);
    if (k < 0) {
        hf_call_detail(call, field, "unknown",
                       "pension, medical, unemployment, work_injury, maternity or housing_fund");
        return 1;
    }
    pr_social_item_t *it = &p->item[k];
    if (it->present) {
        hf_call_detail(call, field, "duplicate", "each insurance once");
        return 1;
    }
    it->present = 1;
    int bad = rate_check(call, in->employee_rate, i, "employee_rate", &it->employee_rate);
    bad += rate_check(call, in->employer_rate, i, "employer_rate", &it->employer_rate);
    bad += statutory_amount(call, in->base_floor, 1, &it->floor, "policy.items[%zu].base_floor", i);
    bad += statutory_amount(call, in->base_cap, 1, &it->cap, "policy.items[%zu].base_cap", i);
    bad += statutory_amount(call, in->employee_fixed, 0, &it->employee_fixed,
                            "policy.items[%zu].employee_fixed", i);
    int r = *in->rounding ? pr_social_rounding_parse(in->rounding) : PR_ROUND_FEN;
    if (r < 0) {
        snprintf(field, sizeof(field), "policy.items[%zu].rounding", i);
        hf_call_detail(call, field, "unknown", "fen, jiao, yuan or yuan_up");
        bad++;
    }
    it->rounding = r < 0 ? PR_ROUND_FEN : (pr_social_rounding_t)r;
    if (!bad && it->floor > it->cap) {
        snprintf(field, sizeof(field), "policy.items[%zu].base_cap", i);
        hf_call_detail(call, field, "below_floor", "the cap may not be below the floor");
        bad++;
    }
    return bad;
}

/* The city, source and period of a record of statutory data (fields
 * "<what>.city", …) into from and until ("" = open); details for every
 * problem, their number returned (for `bad += …`). */
static int period_check(hf_call_t *call, const char *what, const char *city, const char *source,
                        const Hrflow__V1__Date *valid_from, const Hrflow__V1__Date *valid_until,
                        char from[11], char until[11])
{
    char field[48];
    snprintf(field, sizeof(field), "%s.city", what);
    int bad = hf_call_check_text(call, field, city, city_rule);
    snprintf(field, sizeof(field), "%s.source", what);
    bad += hf_call_check_text(call, field, source, source_rule);
    *from = *until = '\0';
    if (!valid_from) {
        snprintf(field, sizeof(field), "%s.valid_from", what);
        hf_call_detail(call, field, "required", "the first day, YYYY-MM-DD");
        bad++;
    } else {
        day_text(valid_from, from);
    }
    if (valid_until) {
        day_text(valid_until, until);
        if (*from && strcmp(until, from) < 0) {
            snprintf(field, sizeof(field), "%s.valid_until", what);
            hf_call_detail(call, field, "before_start",
                           "the last day may not come before the first");
            bad++;
        }
    }
    return bad;
}

/* The policy of a create request into p and its days; 0, or -1 after
 * failing the call with every problem. */
static int policy_check(hf_store_t *st, const Hrflow__V1__CityPolicy *in, pr_social_policy_t *p,
                        char from[11], char until[11])
{
    hf_call_t *call = st->call;
    memset(p, 0, sizeof(*p));
    int bad = period_check(call, "policy", in->city, in->source, in->valid_from, in->valid_until,
                           from, until);
    if (in->n_items == 0) {
        hf_call_detail(call, "policy.items", "required",
                       "at least one insurance or the housing fund");
        bad++;
    }
    for (size_t i = 0; i < in->n_items; i++)
        bad += item_check(call, in->items[i], i, p);
    pr_social_problem_t why;
    if (!bad && pr_social_check(p, &why) < 0) { /* what item_check let through */
        hf_call_detail(call, "policy.items", "invalid", why.why);
        bad++;
    }
    return bad ? hf_call_fail(call, E(INVALID_ARGUMENT), "the city policy is invalid") : 0;
}

STATUTORY_HANDLER(payroll_create_city_policy)
{
    const Hrflow__V1__CreateCityPolicyRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require_group(&st, HF_SCOPE_PAYROLL, "set the tenant's city policies") < 0)
        return -1;
    if (!r->policy) {
        hf_call_detail(call, "policy", "required", "the city policy");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the city policy is invalid");
    }
    pr_social_policy_t p;
    char from[11], until[11];
    if (policy_check(&st, r->policy, &p, from, until) < 0)
        return -1;
    Hrflow__V1__CityPolicy *o = NULL;
    char *other = NULL;
    int rc = social_policy_create(&st, r->policy->city, from, until, r->policy->source, &p, &o,
                                  &other);
    if (rc == HF_ECONFLICT) {
        char msg[112];
        snprintf(msg, sizeof(msg), "overlaps the period of policy %s of the city",
                 other ? other : "(another)");
        hf_call_detail(call, "policy.valid_from", "overlaps", msg);
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the city policy is invalid");
    }
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "city policy", "");
    *reply = &o->base;
    return 0;
}

STATUTORY_HANDLER(payroll_get_city_policy)
{
    const Hrflow__V1__GetCityPolicyRequest *r = (const void *)req;
    hf_store_t st;
    if (statutory_open(call, &st, "see city policies") < 0)
        return -1;
    Hrflow__V1__CityPolicy *o = NULL;
    int rc = hf_uuid_valid(r->id) ? social_policy_get(&st, r->id, &o) : HF_ENOTFOUND;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "city policy", r->id);
    *reply = &o->base;
    return 0;
}

STATUTORY_HANDLER(payroll_list_city_policies)
{
    const Hrflow__V1__ListCityPoliciesRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (statutory_open(call, &st, "see city policies") < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    Hrflow__V1__ListCityPoliciesResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListCityPoliciesResponse, hrflow__v1__list_city_policies_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = social_policy_list(&st, r->city, &page, &o->policies, &o->n_policies);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "city policy", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

/* ---- minimum wages ---- */

STATUTORY_HANDLER(payroll_create_minimum_wage)
{
    const Hrflow__V1__CreateMinimumWageRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require_group(&st, HF_SCOPE_PAYROLL, "set the tenant's minimum wages") < 0)
        return -1;
    const Hrflow__V1__MinimumWage *w = r->minimum_wage;
    if (!w) {
        hf_call_detail(call, "minimum_wage", "required", "the minimum wage");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the minimum wage is invalid");
    }
    char from[11], until[11];
    pr_fen_t monthly = 0;
    int bad = period_check(call, "minimum_wage", w->city, w->source, w->valid_from,
                           w->valid_until, from, until);
    int bad_amount = statutory_amount(call, w->monthly, 1, &monthly, "minimum_wage.monthly");
    if (!bad_amount && monthly <= 0) {
        hf_call_detail(call, "minimum_wage.monthly", "out_of_range",
                       "the monthly minimum wage in yuan, above 0");
        bad_amount = 1;
    }
    if (bad + bad_amount)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the minimum wage is invalid");
    Hrflow__V1__MinimumWage *o = NULL;
    char *other = NULL;
    int rc = minimum_wage_create(&st, w->city, from, until, monthly, w->source, &o, &other);
    if (rc == HF_ECONFLICT) {
        char msg[112];
        snprintf(msg, sizeof(msg), "overlaps the period of minimum wage %s of the city",
                 other ? other : "(another)");
        hf_call_detail(call, "minimum_wage.valid_from", "overlaps", msg);
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the minimum wage is invalid");
    }
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "minimum wage", "");
    *reply = &o->base;
    return 0;
}

STATUTORY_HANDLER(payroll_get_minimum_wage)
{
    const Hrflow__V1__GetMinimumWageRequest *r = (const void *)req;
    hf_store_t st;
    if (statutory_open(call, &st, "see minimum wages") < 0)
        return -1;
    Hrflow__V1__MinimumWage *o = NULL;
    int rc = hf_uuid_valid(r->id) ? minimum_wage_get(&st, r->id, &o) : HF_ENOTFOUND;
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "minimum wage", r->id);
    *reply = &o->base;
    return 0;
}

STATUTORY_HANDLER(payroll_list_minimum_wages)
{
    const Hrflow__V1__ListMinimumWagesRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (statutory_open(call, &st, "see minimum wages") < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    Hrflow__V1__ListMinimumWagesResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListMinimumWagesResponse, hrflow__v1__list_minimum_wages_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = minimum_wage_list(&st, r->city, &page, &o->minimum_wages, &o->n_minimum_wages);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "minimum wage", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    *reply = &o->base;
    return 0;
}

/* Today in China (UTC+8, no daylight saving) as YYYY-MM-DD. */
static void today_in_china(char out[11])
{
    time_t t = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static Hrflow__V1__ContributionLine *share_message(hf_call_t *call, int kind,
                                                    const pr_social_share_t *s)
{
    Hrflow__V1__ContributionLine *o =
        HF_CALL_NEW(call, Hrflow__V1__ContributionLine, hrflow__v1__contribution_line__init);
    if (!o)
        return NULL;
    o->kind = (char *)pr_social_kind_name((pr_social_kind_t)kind);
    o->contribution_base = statutory_money(call, s->base);
    o->employee = statutory_money(call, s->employee);
    o->employer = statutory_money(call, s->employer);
    return o->contribution_base && o->employee && o->employer ? o : NULL;
}

STATUTORY_HANDLER(payroll_preview_contributions)
{
    const Hrflow__V1__PreviewContributionsRequest *r = (const void *)req;
    hf_store_t st;
    if (statutory_open(call, &st, "compute contributions") < 0)
        return -1;
    pr_fen_t wage;
    int bad = hf_call_check_text(call, "city", r->city, city_rule);
    bad += statutory_amount(call, r->wage, 1, &wage, "wage");
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the request is invalid");
    char day[11];
    if (r->date)
        day_text(r->date, day);
    else
        today_in_china(day);
    pr_social_policy_t p;
    char *id = NULL;
    int shipped = 0;
    int rc = social_policy_for(&st, r->city, day, &p, &id, &shipped);
    if (rc == HF_ENOTFOUND) {
        hf_call_detail(call, "city", "no_policy", "no policy of this city covers the day");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "no policy of %s covers %s", r->city, day);
    }
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "city policy", "");
    pr_social_result_t res;
    pr_social_compute(&p, wage, &res);
    Hrflow__V1__PreviewContributionsResponse *o =
        HF_CALL_NEW(call, Hrflow__V1__PreviewContributionsResponse,
                    hrflow__v1__preview_contributions_response__init);
    Hrflow__V1__ContributionLine **v =
        hf_arena_alloc(hf_call_arena(call), PR_SOCIAL_KINDS * sizeof(*v));
    if (!o || !v)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    for (int k = 0; k < PR_SOCIAL_KINDS; k++)
        if (p.item[k].present && !(v[o->n_items++] = share_message(call, k, &res.item[k])))
            return hf_call_fail(call, E(INTERNAL), "out of memory");
    o->items = v;
    o->policy_id = id;
    o->shipped = shipped;
    o->employee_total = statutory_money(call, res.employee);
    o->employer_total = statutory_money(call, res.employer);
    if (!o->employee_total || !o->employer_total)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    *reply = &o->base;
    return 0;
}
