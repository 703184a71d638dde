/* services/payroll/social_store.h - city policies of social insurance and housing fund in PostgreSQL (social_store.c) */
#ifndef PAYROLL_SOCIAL_STORE_H
#define PAYROLL_SOCIAL_STORE_H

#include "hf/store.h"
#include "hrflow/v1/payroll.pb-c.h"
#include "social.h"

/* The policies the tenant sees, shipped and its own, in creation order
 * (the shipped first), of one city or all (city ""), a page of them. */
int social_policy_list(hf_store_t *st, const char *city, hf_page_t *page,
                       Hrflow__V1__CityPolicy ***out, size_t *n);

/* A policy the tenant sees by id (a canonical UUID): HF_OK, HF_ENOTFOUND. */
int social_policy_get(hf_store_t *st, const char *id, Hrflow__V1__CityPolicy **out);

/* Add the tenant's own policy: city, valid_from, valid_until ("" = open) as
 * YYYY-MM-DD, source, the checked items. HF_OK with *out the stored policy,
 * HF_ECONFLICT when its period overlaps another of the tenant's for the
 * city (nothing written; *other the overlapped one's id when it is found). */
int social_policy_create(hf_store_t *st, const char *city, const char *from, const char *until,
                         const char *source, const pr_social_policy_t *p,
                         Hrflow__V1__CityPolicy **out, char **other);

/* The policy that applies to city on day (YYYY-MM-DD): the tenant's own
 * covering the day, else the shipped one. HF_OK with *p (and *id, *shipped),
 * HF_ENOTFOUND when there is none. */
int social_policy_for(hf_store_t *st, const char *city, const char *day, pr_social_policy_t *p,
                      char **id, int *shipped);

/* ---- minimum wages: the same shape, one monthly amount a period ---- */

/* The minimum wages the tenant sees, shipped and its own, in creation
 * order, of one city or all (city ""), a page of them. */
int minimum_wage_list(hf_store_t *st, const char *city, hf_page_t *page,
                      Hrflow__V1__MinimumWage ***out, size_t *n);

/* A minimum wage the tenant sees by id (a canonical UUID): HF_OK, HF_ENOTFOUND. */
int minimum_wage_get(hf_store_t *st, const char *id, Hrflow__V1__MinimumWage **out);

/* Add the tenant's own minimum wage of city for [from, until] (until "" =
 * open; YYYY-MM-DD), monthly in fen (> 0). HF_OK with *out, HF_ECONFLICT
 * when the period overlaps another of the tenant's for the city (nothing
 * written; *other the overlapped one's id when found). */
int minimum_wage_create(hf_store_t *st, const char *city, const char *from, const char *until,
                        pr_fen_t monthly, const char *source, Hrflow__V1__MinimumWage **out,
                        char **other);

/* The monthly minimum wage of city on day (YYYY-MM-DD): the tenant's own
 * covering the day, else the shipped one. HF_OK with *monthly and *id (in
 * the arena), HF_ENOTFOUND when there is none. */
int minimum_wage_for(hf_store_t *st, const char *city, const char *day, pr_fen_t *monthly,
                     char **id);

/* The policy's items as messages, in the arena: amounts in yuan, rates as
 * decimals. NULL when out of memory. */
Hrflow__V1__CityPolicyItem **social_items(hf_store_t *st, const pr_social_policy_t *p, size_t *n);

#endif
