/* services/payroll/social.h - social insurance and housing fund: a city's policy applied to a wage
 *
 * A city policy (社保 and 公积金) gives, for each insurance it has, the
 * employee's and the employer's rate, the contribution base's floor and cap
 * (the wage is clamped into them), a fixed amount some cities add to the
 * employee's share (Beijing's 3 yuan of 大额医疗互助 on medical), and how the
 * city rounds a contribution. Policies are data, with effective periods:
 * the shipped cities in migrations/0021_city_policies_shipped.sql, a
 * tenant's own through the API (social_store.c); this file only checks and
 * applies one. Pure functions, no I/O, no allocation.
 *
 * Rounding: each contribution (base × rate) is rounded once, to the city's
 * unit: the fen, the jiao or the yuan, half away from zero (money.h's
 * rule at that unit), or up to the next yuan (yuan_up); the fixed amount is
 * added after.
 */
#ifndef PR_SOCIAL_H
#define PR_SOCIAL_H

#include "money.h"

typedef enum {
    PR_SOCIAL_PENSION = 0,   /* 养老保险 */
    PR_SOCIAL_MEDICAL,       /* 医疗保险 (with maternity where the city merged them) */
    PR_SOCIAL_UNEMPLOYMENT,  /* 失业保险 */
    PR_SOCIAL_WORK_INJURY,   /* 工伤保险: the employer's only; its rate depends on the industry */
    PR_SOCIAL_MATERNITY,     /* 生育保险, where the city still lists it apart */
    PR_SOCIAL_HOUSING_FUND,  /* 住房公积金 */
    PR_SOCIAL_KINDS
} pr_social_kind_t;

typedef enum {
    PR_ROUND_FEN = 0,
    PR_ROUND_JIAO,
    PR_ROUND_YUAN,
    PR_ROUND_YUAN_UP,
    PR_ROUND_MODES
} pr_social_rounding_t;

/* "pension", "medical", "unemployment", "work_injury", "maternity",
 * "housing_fund"; the API's and the database's names. Static. */
const char *pr_social_kind_name(pr_social_kind_t kind);
/* The kind of a name, or -1. */
int pr_social_kind_parse(const char *name);

/* "fen", "jiao", "yuan", "yuan_up". Static. */
const char *pr_social_rounding_name(pr_social_rounding_t r);
/* The mode of a name, or -1. */
int pr_social_rounding_parse(const char *name);

typedef struct {
    int present;                 /* 0: the city has no such insurance (apart) */
    int64_t employee_rate;       /* millionths, 0..PR_RATE_ONE */
    int64_t employer_rate;
    pr_fen_t floor, cap;         /* the contribution base's bounds, floor <= cap */
    pr_fen_t employee_fixed;     /* added to the employee's share, >= 0 */
    pr_social_rounding_t rounding;
} pr_social_item_t;

typedef struct {
    pr_social_item_t item[PR_SOCIAL_KINDS];
} pr_social_policy_t;

/* Why a policy is not one: the kind at fault (-1 for the whole policy) and
 * a sentence. */
typedef struct {
    int kind;
    const char *field;           /* "employee_rate", "base_cap", … (the API's names) */
    const char *why;
} pr_social_problem_t;

/* Check a policy: at least one item; rates 0..1; floor and cap >= 0 and
 * floor <= cap; the fixed amount >= 0; a known rounding. Returns 0, or -1
 * with *p set to the first problem. */
int pr_social_check(const pr_social_policy_t *policy, pr_social_problem_t *p);

typedef struct {
    pr_fen_t base;               /* the wage clamped to [floor, cap] */
    pr_fen_t employee, employer;
} pr_social_share_t;

typedef struct {
    pr_social_share_t item[PR_SOCIAL_KINDS]; /* zero where the policy has none */
    pr_fen_t employee;           /* the employee's total: the tax's special deduction */
    pr_fen_t employer;
} pr_social_result_t;

/* The month's contributions on wage (the contribution base the employer
 * declares, >= 0) under policy, into *out. */
void pr_social_compute(const pr_social_policy_t *policy, pr_fen_t wage, pr_social_result_t *out);

/* base × rate rounded to the unit of mode (exposed for the tests). */
pr_fen_t pr_social_contribution(pr_fen_t base, int64_t rate, pr_social_rounding_t mode);

#endif
