/* services/payroll/social.c - a city's social-insurance and housing-fund policy: check and apply (social.h) */
#include "social.h"

#include <stddef.h>
#include <string.h>

static const char *const kind_names[PR_SOCIAL_KINDS] = {
    "pension", "medical", "unemployment", "work_injury", "maternity", "housing_fund",
};

static const char *const rounding_names[PR_ROUND_MODES] = { "fen", "jiao", "yuan", "yuan_up" };

static int name_index(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

const char *pr_social_kind_name(pr_social_kind_t kind)
{
    return (unsigned)kind < PR_SOCIAL_KINDS ? kind_names[kind] : "unknown";
}

int pr_social_kind_parse(const char *name)
{
    return name_index(kind_names, PR_SOCIAL_KINDS, name);
}

const char *pr_social_rounding_name(pr_social_rounding_t r)
{
    return (unsigned)r < PR_ROUND_MODES ? rounding_names[r] : "unknown";
}

int pr_social_rounding_parse(const char *name)
{
    return name_index(rounding_names, PR_ROUND_MODES, name);
}

static int problem(pr_social_problem_t *p, int kind, const char *field, const char *why)
{
    p->kind = kind;
    p->field = field;
    p->why = why;
    return -1;
}

static int item_check(const pr_social_item_t *it, int k, pr_social_problem_t *p)
{
    if (it->employee_rate < 0 || it->employee_rate > PR_RATE_ONE)
        return problem(p, k, "employee_rate", "a rate from 0 to 1");
    if (it->employer_rate < 0 || it->employer_rate > PR_RATE_ONE)
        return problem(p, k, "employer_rate", "a rate from 0 to 1");
    if (it->floor < 0 || it->floor > PR_MONEY_MAX)
        return problem(p, k, "base_floor", "an amount of 0 or more");
    if (it->cap < 0 || it->cap > PR_MONEY_MAX)
        return problem(p, k, "base_cap", "an amount of 0 or more");
    if (it->floor > it->cap)
        return problem(p, k, "base_cap", "the cap may not be below the floor");
    if (it->employee_fixed < 0 || it->employee_fixed > PR_MONEY_MAX)
        return problem(p, k, "employee_fixed", "an amount of 0 or more");
    if ((unsigned)it->rounding >= PR_ROUND_MODES)
        return problem(p, k, "rounding", "fen, jiao, yuan or yuan_up");
    return 0;
}

int pr_social_check(const pr_social_policy_t *policy, pr_social_problem_t *p)
{
    int any = 0;
    for (int k = 0; k < PR_SOCIAL_KINDS; k++) {
        if (!policy->item[k].present)
            continue;
        any = 1;
        if (item_check(&policy->item[k], k, p) < 0)
            return -1;
    }
    return any ? 0 : problem(p, -1, "items", "at least one insurance or the housing fund");
}

pr_fen_t pr_social_contribution(pr_fen_t base, int64_t rate, pr_social_rounding_t mode)
{
    static const int64_t unit[PR_ROUND_MODES] = { 1, 10, 100, 100 };
    __int128 exact = (__int128)base * rate; /* in millionths of a fen */
    __int128 per = (__int128)PR_RATE_ONE * unit[mode];
    if (mode == PR_ROUND_YUAN_UP)
        return (pr_fen_t)((exact + per - 1) / per) * unit[mode];
    return pr_round_div(exact, per) * unit[mode];
}

void pr_social_compute(const pr_social_policy_t *policy, pr_fen_t wage, pr_social_result_t *out)
{
    memset(out, 0, sizeof(*out));
    for (int k = 0; k < PR_SOCIAL_KINDS; k++) {
        const pr_social_item_t *it = &policy->item[k];
        if (!it->present)
            continue;
        pr_social_share_t *s = &out->item[k];
        s->base = pr_money_clamp(wage, it->floor, it->cap);
        s->employee = pr_social_contribution(s->base, it->employee_rate, it->rounding) +
                      it->employee_fixed;
        s->employer = pr_social_contribution(s->base, it->employer_rate, it->rounding);
        out->employee += s->employee;
        out->employer += s->employer;
    }
}
