/* services/payroll/schemes_store.h - every statement on pay schemes, their versions and components (schemes_store.c) */
#ifndef PAYROLL_SCHEMES_STORE_H
#define PAYROLL_SCHEMES_STORE_H

#include "hf/store.h"
#include "hrflow/v1/payroll.pb-c.h"

/* A new scheme of company named r->name with version 1 (effective from
 * month, "YYYY-MM-01") of the n components (checked, type filled in, in
 * display order); its id into *id (arena). HF_EEXISTS when the company has
 * a scheme of that name. */
int pr_store_scheme_create(hf_store_t *st, const char *company, const char *name,
                           const char *description, const char *month, const char *note,
                           Hrflow__V1__PayComponent *const *comps, size_t n, const char **id);

/* A new version of scheme id (one the caller's companies hold), its number
 * into *version. HF_ENOTFOUND when the caller sees no such scheme. */
int pr_store_scheme_add_version(hf_store_t *st, const char *id, const char *month,
                                const char *note, Hrflow__V1__PayComponent *const *comps,
                                size_t n, int *version);

/* Scheme id with one version and its components: number version when > 0,
 * else the one effective in month ("YYYY-MM-01") when given, else the
 * newest; with every version (newest first, no components) when
 * all_versions. HF_ENOTFOUND for no such scheme (or the wall), and for no
 * such version: then *out is set and (*out)->version is NULL. */
int pr_store_scheme_get(hf_store_t *st, const char *id, const char *month, int version,
                        int all_versions, Hrflow__V1__PayScheme **out);

/* A page of schemes (of company, or "" every one the caller sees) in
 * creation order, each with its newest version. */
int pr_store_scheme_list(hf_store_t *st, const char *company, hf_page_t *page,
                         Hrflow__V1__PayScheme ***out, size_t *n);

#endif
