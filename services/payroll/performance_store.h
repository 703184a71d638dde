/* services/payroll/performance_store.h - every statement on review cycles, bands and scores (performance_store.c) */
#ifndef PAYROLL_PERFORMANCE_STORE_H
#define PAYROLL_PERFORMANCE_STORE_H

#include "hf/store.h"
#include "hrflow/v1/payroll.pb-c.h"

#include "rating.h"

/* A new cycle (dates "YYYY-MM-DD", payout_month "YYYY-MM-01") with its n
 * checked bands; its id into *id (arena). HF_EEXISTS when the company has a
 * cycle paying out that month. */
int pr_store_cycle_create(hf_store_t *st, const Hrflow__V1__CreateReviewCycleRequest *r,
                          const char *payout_month, const pr_band_t *bands, size_t n,
                          const char **id);

/* Cycle id with its bands (highest minimum first); HF_ENOTFOUND for no such
 * cycle or one of a company the caller does not act for. */
int pr_store_cycle_get(hf_store_t *st, const char *id, Hrflow__V1__ReviewCycle **out);

/* A page of cycles (of company, or "" every one the caller sees; paying
 * out in payout_month, "YYYY-MM-01", or "" any month), with bands. */
int pr_store_cycle_list(hf_store_t *st, const char *company, const char *payout_month,
                        hf_page_t *page, Hrflow__V1__ReviewCycle ***out, size_t *n);

/* Which of the n employee ids are employees of company: found[i] set to 1
 * or 0. */
int pr_store_employees_in(hf_store_t *st, const char *company, const char *const *ids, size_t n,
                          int *found);

/* Record the n scores (ids of the company's employees; weights and scores
 * in millionths as text) in cycle id, a rater's earlier score replaced. */
int pr_store_scores_record(hf_store_t *st, const char *cycle, const char *const *employees,
                           const char *const *raters, const char *const *weights,
                           const char *const *scores, size_t n);

/* Every score of cycle id: rows of employee id, employee number, rater,
 * weight, score (millionths), by employee number then rater; the caller
 * PQclear()s the result. NULL when the statement failed. */
PGresult *pr_store_cycle_scores(hf_store_t *st, const char *cycle);

#endif
