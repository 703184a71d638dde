/* services/identity/rules.c - field formats, scopes and page tokens (see rules.h)
 *
 * Names and cities follow the common rule of typed text (hf/text.h):
 * lengths in characters, not bytes ("华星集团" is four), and no control, bidi
 * or zero-width characters, since they end up in JSON, CSV exports and
 * payslips. Slugs and codes are narrower: a fixed ASCII alphabet.
 */
#include "rules.h"
#include "hf/encoding.h"
#include "hf/text.h"

#include "hf/db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(rule_error_t *e, const char *code, const char *message)
{
    e->code = code;
    e->message = message;
    return -1;
}

/* s follows the common rule of typed text (hf/text.h): characters counted,
 * no controls, bidi or zero-width characters, required ones not blank. */
static int text(const char *s, hf_text_rule_t rule, rule_error_t *e)
{
    s = s ? s : "";
    if (hf_text_check(s, strlen(s), rule, &e->text) == 0)
        return 0;
    return fail(e, e->text.code, e->text.message);
}

/* s is between min and max characters, each of which is in allowed. */
static int charset(const char *s, size_t min, size_t max, const char *allowed, rule_error_t *e,
                   const char *message)
{
    s = s ? s : "";
    if (!*s && min > 0)
        return fail(e, "required", "must not be empty");
    size_t n = strlen(s);
    if (n < min || n > max || strspn(s, allowed) != n)
        return fail(e, "bad_format", message);
    return 0;
}

int rules_slug(const char *s, rule_error_t *e)
{
    return charset(s, 2, 40, "abcdefghijklmnopqrstuvwxyz0123456789-", e,
                   "must be 2 to 40 characters of a-z, 0-9 and -");
}

int rules_company_code(const char *s, rule_error_t *e)
{
    return charset(s, 1, 32,
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", e,
                   "must be 1 to 32 characters of A-Z, a-z, 0-9, _ and -");
}

int rules_credit_code(const char *s, rule_error_t *e)
{
    if (!s || !*s)
        return 0; /* optional */
    /* GB 32100-2015: digits and capitals without I, O, S, V, Z */
    return charset(s, 18, 18, "0123456789ABCDEFGHJKLMNPQRTUWXY", e,
                   "must be 18 characters of 0-9 and A-Z without I, O, S, V and Z");
}

int rules_name(const char *s, rule_error_t *e)
{
    return text(s, (hf_text_rule_t){ HF_TEXT_LINE, 1, RULES_NAME_MAX }, e);
}

int rules_key_name(const char *s, rule_error_t *e)
{
    return text(s, (hf_text_rule_t){ HF_TEXT_LINE, 0, RULES_NAME_MAX }, e);
}

int rules_city(const char *s, rule_error_t *e)
{
    return text(s, (hf_text_rule_t){ HF_TEXT_LINE, 0, RULES_CITY_MAX }, e);
}

int rules_scope_known(const char *s)
{
    static const char *const scopes[] = { "admin", "recruiter", "payroll", "integrator",
                                          "engine", "pii" };
    for (size_t i = 0; s && i < sizeof(scopes) / sizeof(scopes[0]); i++)
        if (strcmp(s, scopes[i]) == 0)
            return 1;
    return 0;
}

/* ---- whole requests ---- */

typedef int rule_fn(const char *s, rule_error_t *e);

/* Apply rule to value; report at "<prefix>.<field>" (or "<field>") on failure. */
static int apply(rule_fn *rule, const char *value, const char *prefix, const char *field,
                 rules_report_fn *report, void *ctx)
{
    rule_error_t e;
    if (rule(value, &e) == 0)
        return 0;
    char path[64];
    snprintf(path, sizeof(path), "%s%s%s", prefix ? prefix : "", prefix ? "." : "", field);
    report(ctx, path, e.code, e.message);
    return 1;
}

int rules_check_tenant(const Hrflow__V1__Tenant *t, unsigned fields, const char *prefix,
                       rules_report_fn *report, void *ctx)
{
    int n = 0;
    if (fields & TENANT_SLUG)
        n += apply(rules_slug, t->slug, prefix, "slug", report, ctx);
    if (fields & TENANT_NAME)
        n += apply(rules_name, t->name, prefix, "name", report, ctx);
    return n;
}

int rules_check_company(const Hrflow__V1__Company *c, unsigned fields, const char *prefix,
                        rules_report_fn *report, void *ctx)
{
    int n = 0;
    if (fields & COMPANY_CODE)
        n += apply(rules_company_code, c->code, prefix, "code", report, ctx);
    if (fields & COMPANY_NAME)
        n += apply(rules_name, c->name, prefix, "name", report, ctx);
    if (fields & COMPANY_CITY)
        n += apply(rules_city, c->city, prefix, "city", report, ctx);
    if (fields & COMPANY_CREDIT_CODE)
        n += apply(rules_credit_code, c->credit_code, prefix, "credit_code", report, ctx);
    return n;
}

/* 1 when v[i] equals an earlier element. */
static int repeated(char *const *v, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (strcmp(v[k], v[i]) == 0)
            return 1;
    return 0;
}

static void report_at(rules_report_fn *report, void *ctx, const char *list, size_t i,
                      const char *code, const char *message)
{
    char path[48];
    snprintf(path, sizeof(path), "%s[%zu]", list, i);
    report(ctx, path, code, message);
}

int rules_check_key(const char *name, char *const *scopes, size_t n_scopes,
                    char *const *company_ids, size_t n_company_ids, rules_report_fn *report,
                    void *ctx)
{
    int n = apply(rules_key_name, name, NULL, "name", report, ctx);
    if (n_scopes == 0) {
        report(ctx, "scopes", "required",
               "must name at least one of admin, recruiter, payroll, integrator, engine, pii");
        n++;
    }
    for (size_t i = 0; i < n_scopes; i++) {
        if (!rules_scope_known(scopes[i]))
            report_at(report, ctx, "scopes", i, "unknown_scope",
                      "must be one of admin, recruiter, payroll, integrator, engine, pii");
        else if (repeated(scopes, i))
            report_at(report, ctx, "scopes", i, "duplicate", "is listed twice");
        else
            continue;
        n++;
    }
    int pii = 0, pay = 0;
    for (size_t i = 0; i < n_scopes; i++) {
        pii |= !strcmp(scopes[i], "pii");
        pay |= !strcmp(scopes[i], "payroll") || !strcmp(scopes[i], "admin");
    }
    if (pii && !pay) {
        report(ctx, "scopes", "pii_without_payroll",
               "pii widens a payroll key: name payroll (or admin) with it");
        n++;
    }
    for (size_t i = 0; i < n_company_ids; i++) {
        if (!hf_uuid_valid(company_ids[i]))
            report_at(report, ctx, "company_ids", i, "bad_format", "must be a company id (a UUID)");
        else if (repeated(company_ids, i))
            report_at(report, ctx, "company_ids", i, "duplicate", "is listed twice");
        else
            continue;
        n++;
    }
    return n;
}

typedef struct {
    const char *proto_name, *json_name;
    unsigned bit;               /* 0: output only */
} mask_field_t;

static const mask_field_t tenant_mask[] = {
    { "slug", "slug", TENANT_SLUG },       { "name", "name", TENANT_NAME },
    { "id", "id", 0 },                     { "create_time", "createTime", 0 },
    { "update_time", "updateTime", 0 },
};

static const mask_field_t company_mask[] = {
    { "code", "code", COMPANY_CODE },      { "name", "name", COMPANY_NAME },
    { "city", "city", COMPANY_CITY },      { "credit_code", "creditCode", COMPANY_CREDIT_CODE },
    { "id", "id", 0 },                     { "tenant_id", "tenantId", 0 },
    { "create_time", "createTime", 0 },    { "update_time", "updateTime", 0 },
};

static int parse_mask(char *const *mask, size_t n, const mask_field_t *table, size_t n_table,
                      const char *what, unsigned *fields, rules_report_fn *report, void *ctx)
{
    int problems = 0;
    *fields = 0;
    for (size_t i = 0; i < n; i++) {
        const mask_field_t *f = NULL;
        for (size_t k = 0; k < n_table && !f; k++)
            if (strcmp(mask[i], table[k].proto_name) == 0 ||
                strcmp(mask[i], table[k].json_name) == 0)
                f = &table[k];
        char message[160];
        if (!f)
            snprintf(message, sizeof(message), "\"%.64s\" is not a field of %s", mask[i], what);
        else if (!f->bit)
            snprintf(message, sizeof(message), "%s is output only and cannot be changed",
                     f->proto_name);
        else {
            *fields |= f->bit;
            continue;
        }
        report_at(report, ctx, "update_mask", i, f ? "immutable" : "unknown_field", message);
        problems++;
    }
    return problems;
}

int rules_tenant_mask(char *const *mask, size_t n, unsigned *fields, rules_report_fn *report,
                      void *ctx)
{
    return parse_mask(mask, n, tenant_mask, sizeof(tenant_mask) / sizeof(tenant_mask[0]),
                      "tenant", fields, report, ctx);
}

int rules_company_mask(char *const *mask, size_t n, unsigned *fields, rules_report_fn *report,
                       void *ctx)
{
    return parse_mask(mask, n, company_mask, sizeof(company_mask) / sizeof(company_mask[0]),
                      "company", fields, report, ctx);
}
