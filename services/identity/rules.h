/* services/identity/rules.h - what identity accepts: field formats and scopes
 *
 * Pure checks with no I/O, shared by the RPC handlers and the command line so
 * both refuse the same input with the same words. A failed check names a
 * stable code (ErrorDetail.code) and a message (ErrorDetail.message); the
 * caller adds the field path.
 */
#ifndef IDENTITY_RULES_H
#define IDENTITY_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "hf/text.h"
#include "hrflow/v1/identity.pb-c.h"

#define RULES_NAME_MAX 200      /* characters (code points), names of tenants, companies, keys */
#define RULES_CITY_MAX 100

typedef struct {
    const char *code;           /* "required", "bad_format", "bad_characters", "too_long", … */
    const char *message;        /* a sentence fragment, lowercase */
    hf_text_problem_t text;     /* where a text check's message is kept */
} rule_error_t;

/* Each check returns 0 when s is acceptable, else -1 with *e set to strings
 * that live as long as *e. s may be NULL (protobuf-c leaves unset strings as
 * ""). Names and cities are checked as hf/text.h says. */
int rules_slug(const char *s, rule_error_t *e);          /* [a-z0-9-]{2,40} */
int rules_company_code(const char *s, rule_error_t *e);  /* [A-Za-z0-9_-]{1,32} */
int rules_name(const char *s, rule_error_t *e);          /* a line of 1..200 characters */
int rules_key_name(const char *s, rule_error_t *e);      /* 0..200 characters */
int rules_city(const char *s, rule_error_t *e);          /* 0..100 characters */
int rules_credit_code(const char *s, rule_error_t *e);   /* "" or 18 of [0-9A-HJ-NPQRTUWXY] */

/* 1 when s is one of admin, recruiter, payroll, integrator, engine. */
int rules_scope_known(const char *s);

/* ---- whole requests ---- */

/* Where the checks below report each problem: the field's path in the
 * request ("company.name", "scopes[1]"), a code and a message. The RPC
 * handlers turn them into ErrorDetails, the command line into lines on
 * stderr. */
typedef void rules_report_fn(void *ctx, const char *field, const char *code, const char *message);

/* Fields an update may change, as bits (from update_mask). */
enum { TENANT_SLUG = 1u << 0, TENANT_NAME = 1u << 1 };
enum { COMPANY_CODE = 1u << 0, COMPANY_NAME = 1u << 1, COMPANY_CITY = 1u << 2,
       COMPANY_CREDIT_CODE = 1u << 3 };
#define COMPANY_ALL (COMPANY_CODE | COMPANY_NAME | COMPANY_CITY | COMPANY_CREDIT_CODE)

/* Check the fields of t / c named in `fields`; paths start with prefix
 * ("tenant", "company"). Return the number of problems reported. */
int rules_check_tenant(const Hrflow__V1__Tenant *t, unsigned fields, const char *prefix,
                       rules_report_fn *report, void *ctx);
int rules_check_company(const Hrflow__V1__Company *c, unsigned fields, const char *prefix,
                        rules_report_fn *report, void *ctx);

/* A new key's name, scopes (at least one, each known, none twice) and
 * company ids (UUIDs, none twice). Returns the number of problems. */
int rules_check_key(const char *name, char *const *scopes, size_t n_scopes,
                    char *const *company_ids, size_t n_company_ids, rules_report_fn *report,
                    void *ctx);

/* update_mask of a tenant or company: *fields gets the bits of the fields it
 * names (by proto name, "credit_code", or JSON name, "creditCode"). An entry
 * naming no field, or an output-only one (id, tenant_id, create_time,
 * update_time), is a problem at "update_mask[i]". Returns the number of
 * problems. */
int rules_tenant_mask(char *const *mask, size_t n, unsigned *fields, rules_report_fn *report,
                      void *ctx);
int rules_company_mask(char *const *mask, size_t n, unsigned *fields, rules_report_fn *report,
                       void *ctx);

#endif
