/* tests/integration/test-templates.c - notify's templates and opt-outs on real PostgreSQL
 *
 * What the sender calls before a letter, over the service's own migrations:
 * the effective template (a company's own, the tenant's, the default), its
 * category, versions and roll back, versions that never change; whether an
 * address may get marketing letters (nt_consent_allows) after opt-outs
 * recorded as the API and the one-click link record them, per tenant and
 * channel, whatever way the address is written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_fixture.h"
#include "hf/arena.h"
#include "hf/crypto.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/store.h"
#include "testlib.h"

#include "../../services/notify/templates.h"

extern const hf_migration_t notify_migrations[];
extern const size_t notify_migrations_count;

#define TENANT "11111111-1111-4111-8111-111111111111"
#define OTHER "22222222-2222-4222-8222-222222222222"
#define SH "33333333-3333-4333-8333-333333333333"
#define SZ "44444444-4444-4444-8444-444444444444"

static fx_service_t fx;

static int group_setup(void **state)
{
    (void)state;
    hf_log_init("test-templates", HF_LOG_ERROR);
    return fx_service_open(&fx, "hf_test_notify", "notify", notify_migrations,
                           notify_migrations_count);
}

static int group_teardown(void **state)
{
    (void)state;
    fx_service_close(&fx);
    return 0;
}

static hf_store_t store(const char *tenant)
{
    return fx_service_store(&fx, tenant);
}

static void save(hf_store_t *st, const char *company, nt_event_t ev, nt_channel_t ch, int loc,
                 const char *subject, const char *text, const char *category, int want)
{
    nt_key_t key = { ev, ch, loc, company };
    Hrflow__V1__TemplateContent c = HRFLOW__V1__TEMPLATE_CONTENT__INIT;
    c.subject = (char *)subject, c.text = (char *)text, c.html = "";
    int version = 0;
    assert_int_equal(nt_store_template_save(st, &key, &c, category, &version), HF_OK);
    assert_int_equal(version, want);
}

/* The effective text of (ev, ch, loc) for company, rendered with samples. */
static void effective(hf_store_t *st, const char *company, nt_event_t ev, nt_channel_t ch,
                     int loc, const char *source, int version, const char *text)
{
    nt_effective_t e;
    assert_int_equal(nt_template_effective(st, company, ev, ch, loc, &e), HF_OK);
    assert_string_equal(e.source, source);
    assert_int_equal(e.version, version);
    assert_non_null(e.compiled);
    nt_values_t v;
    nt_values_sample(ev, loc, &v);
    nt_rendered_t r;
    assert_int_equal(nt_template_render(e.compiled, &v, &r), 0);
    if (!strstr(r.text, text))
        fail_msg("%s: \"%s\" not in \"%s\"", source, text, r.text);
    nt_rendered_clear(&r);
    nt_template_destroy(&e.compiled);
}

static void test_effective_templates(void **state)
{
    (void)state;
    hf_store_t st = store(TENANT), other = store(OTHER);
    effective(&st, NULL, NT_EV_REMINDER, NT_CH_SMS, 0, "default", 0, "您的AI面试将于明天14:00开始");
    save(&st, NULL, NT_EV_REMINDER, NT_CH_SMS, 0, "", "集团：{{interview_when}}", "", 1);
    save(&st, SH, NT_EV_REMINDER, NT_CH_SMS, 0, "", "上海：{{interview_when}}", "", 1);
    effective(&st, NULL, NT_EV_REMINDER, NT_CH_SMS, 0, "tenant", 1, "集团：明天14:00");
    effective(&st, SH, NT_EV_REMINDER, NT_CH_SMS, 0, "company", 1, "上海：明天14:00");
    effective(&st, SZ, NT_EV_REMINDER, NT_CH_SMS, 0, "tenant", 1, "集团：明天14:00");
    /* another tenant, another locale, another channel: the defaults */
    effective(&other, SH, NT_EV_REMINDER, NT_CH_SMS, 0, "default", 0, "您的AI面试将于明天14:00开始");
    effective(&st, NULL, NT_EV_REMINDER, NT_CH_SMS, 1, "default", 0, "tomorrow at 14:00");
    effective(&st, NULL, NT_EV_REMINDER, NT_CH_EMAIL, 0, "default", 0, "2026年12月4日 14:00");
    /* a new version, then back to the first */
    save(&st, NULL, NT_EV_REMINDER, NT_CH_SMS, 0, "", "第二版 {{job_title}}", "marketing", 2);
    effective(&st, NULL, NT_EV_REMINDER, NT_CH_SMS, 0, "tenant", 2, "第二版 数据分析师");
    nt_effective_t e;
    assert_int_equal(nt_template_effective(&st, NULL, NT_EV_REMINDER, NT_CH_SMS, 0, &e), HF_OK);
    assert_int_equal(e.category, NT_CAT_MARKETING);
    nt_template_destroy(&e.compiled);
    nt_key_t key = { NT_EV_REMINDER, NT_CH_SMS, 0, NULL };
    assert_int_equal(nt_store_template_activate(&st, &key, 1), HF_OK);
    effective(&st, NULL, NT_EV_REMINDER, NT_CH_SMS, 0, "tenant", 1, "集团：明天14:00");
    assert_int_equal(nt_store_template_activate(&st, &key, 3), HF_ENOTFOUND);
    assert_int_equal(nt_store_template_activate(&other, &key, 1), HF_ENOTFOUND);
    /* versions never change */
    char sqlstate[6];
    assert_int_equal(hf_db_exec(fx.db, "UPDATE notify.template_version SET text_body = 'x'", 0,
                                NULL, sqlstate),
                     -1);
    /* deleting the tenant's own: the company's stays, the rest is the default again */
    assert_int_equal(nt_store_template_delete(&st, &key), HF_OK);
    assert_int_equal(nt_store_template_delete(&st, &key), HF_ENOTFOUND);
    effective(&st, NULL, NT_EV_REMINDER, NT_CH_SMS, 0, "default", 0, "您的AI面试将于明天14:00开始");
    effective(&st, SH, NT_EV_REMINDER, NT_CH_SMS, 0, "company", 1, "上海：明天14:00");
}

static void test_consent(void **state)
{
    (void)state;
    hf_store_t st = store(TENANT), other = store(OTHER);
    const char *email = "Zhang.San@Example.com";
    assert_int_equal(nt_consent_allows(&st, NT_CH_EMAIL, email, NT_CAT_MARKETING), 1);
    assert_int_equal(nt_opt_out_set(&st, NT_CH_EMAIL, " zhang.san@example.COM ", 1, "api"),
                     HF_OK);
    assert_int_equal(nt_consent_allows(&st, NT_CH_EMAIL, email, NT_CAT_MARKETING), 0);
    assert_int_equal(nt_consent_allows(&st, NT_CH_EMAIL, email, NT_CAT_TRANSACTIONAL), 1);
    assert_int_equal(nt_consent_allows(&other, NT_CH_EMAIL, email, NT_CAT_MARKETING), 1);
    assert_int_equal(nt_consent_allows(&st, NT_CH_EMAIL, "li.si@example.com", NT_CAT_MARKETING),
                     1);
    /* phones by any way of writing them; a channel is its own */
    assert_int_equal(nt_opt_out_set(&st, NT_CH_SMS, "+86 138-0013-8000", 1, "unsubscribe_link"),
                     HF_OK);
    assert_int_equal(nt_consent_allows(&st, NT_CH_SMS, "13800138000", NT_CAT_MARKETING), 0);
    assert_int_equal(nt_consent_allows(&st, NT_CH_SMS, "13800138001", NT_CAT_MARKETING), 1);
    /* no address in the table, only its keyed hash */
    PGresult *r = hf_db_query(fx.db, "SELECT count(*) FROM notify.opt_out"
                                  " WHERE recipient_index !~ '^[0-9a-f]{64}$'",
                              0, NULL);
    assert_non_null(r);
    assert_string_equal(PQgetvalue(r, 0, 0), "0");
    PQclear(r);
    /* back in */
    assert_int_equal(nt_opt_out_set(&st, NT_CH_EMAIL, email, 0, "api"), HF_OK);
    assert_int_equal(nt_consent_allows(&st, NT_CH_EMAIL, email, NT_CAT_MARKETING), 1);
    /* what is not an address: nothing recorded, no marketing to it */
    assert_int_equal(nt_opt_out_set(&st, NT_CH_EMAIL, "not an address", 1, "api"), HF_ENOTFOUND);
    assert_int_equal(nt_consent_allows(&st, NT_CH_SMS, "call me", NT_CAT_MARKETING), 0);
    assert_int_equal(nt_consent_allows(&st, NT_CH_SMS, "call me", NT_CAT_TRANSACTIONAL), 1);
    /* the one-click token needs a candidate id and an address */
    char token[NT_UNSUBSCRIBE_TOKEN_MAX];
    assert_int_equal(nt_unsubscribe_token(&st, NT_CH_EMAIL, SH, email, token), HF_OK);
    assert_int_equal(strlen(token), NT_UNSUBSCRIBE_TOKEN_MAX - 1);
    assert_int_equal(nt_unsubscribe_token(&st, NT_CH_EMAIL, "x", email, token), HF_ENOTFOUND);
    assert_string_equal(token, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_effective_templates),
        cmocka_unit_test(test_consent),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
