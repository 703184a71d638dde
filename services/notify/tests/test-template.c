/* services/notify/tests/test-template.c - the template language, its variables and the defaults */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../template.h"

#define ALL_INV nt_event_allowed(NT_EV_INVITATION), nt_event_required(NT_EV_INVITATION)

/* Render src (which must compile for the invitation) with vals. */
static char *render(const char *src, const nt_values_t *vals, nt_out_t how)
{
    nt_error_t err = { 0 };
    nt_part_t *p = nt_part_compile(src, strlen(src), ALL_INV, &err);
    if (!p)
        fail_msg("%s: %s", src, err.message);
    char *out = nt_part_render(p, vals, how);
    nt_part_destroy(&p);
    nt_part_destroy(&p); /* twice is fine */
    return out;
}

static void test_substitution(void **state)
{
    (void)state;
    nt_values_t v = { 0 };
    v.v[NT_VAR_CANDIDATE_NAME] = "<Tom & \"Jerry\">";
    v.v[NT_VAR_JOB_TITLE] = "Data\nAnalyst";
    char *s = render("Hi {{candidate_name}}, {{ job_title }}!", &v, NT_OUT_TEXT);
    assert_string_equal(s, "Hi <Tom & \"Jerry\">, Data\nAnalyst!");
    free(s);
    s = render("<p>{{candidate_name}}</p>", &v, NT_OUT_HTML);
    assert_string_equal(s, "<p>&lt;Tom &amp; &quot;Jerry&quot;&gt;</p>");
    free(s);
    s = render("{{job_title}}\t{{candidate_name}}", &v, NT_OUT_SUBJECT);
    assert_string_equal(s, "Data Analyst\t<Tom & \"Jerry\">"); /* the template's own tab stays */
    free(s);
    v.v[NT_VAR_CANDIDATE_NAME] = "{{job_title}}{{#x}}";
    s = render("{{candidate_name}}", &v, NT_OUT_TEXT); /* a value is never template text */
    assert_string_equal(s, "{{job_title}}{{#x}}");
    free(s);
    s = render("", &v, NT_OUT_TEXT);
    assert_string_equal(s, "");
    free(s);
    s = render("只有文字 { } }{ 没有标签", &v, NT_OUT_TEXT);
    assert_string_equal(s, "只有文字 { } }{ 没有标签");
    free(s);
}

static void test_sections(void **state)
{
    (void)state;
    nt_values_t v = { 0 };
    v.v[NT_VAR_CANDIDATE_NAME] = "A";
    const char *src = "{{#interview_time}}at {{interview_time}}{{/interview_time}}"
                      "{{^interview_time}}no time yet{{/interview_time}}"
                      "{{#status_link}}{{/status_link}}.";
    char *s = render(src, &v, NT_OUT_TEXT);
    assert_string_equal(s, "no time yet.");
    free(s);
    v.v[NT_VAR_INTERVIEW_TIME] = "";
    s = render(src, &v, NT_OUT_TEXT);
    assert_string_equal(s, "no time yet."); /* empty is no value */
    free(s);
    v.v[NT_VAR_INTERVIEW_TIME] = "14:00";
    s = render(src, &v, NT_OUT_TEXT);
    assert_string_equal(s, "at 14:00.");
    free(s);
    /* nested: an optional variable guarded by an outer section of its own */
    s = render("{{#interview_time}}{{#booking_deadline}}{{interview_time}}/{{booking_deadline}}"
               "{{/booking_deadline}}{{/interview_time}}!",
               &v, NT_OUT_TEXT);
    assert_string_equal(s, "!");
    free(s);
    v.v[NT_VAR_BOOKING_DEADLINE] = "D";
    s = render("{{#interview_time}}{{#booking_deadline}}{{interview_time}}/{{booking_deadline}}"
               "{{/booking_deadline}}{{/interview_time}}!",
               &v, NT_OUT_TEXT);
    assert_string_equal(s, "14:00/D!");
    free(s);
}

/* The refusal of src for the invitation: code, line, column, name. */
static void refused(const char *src, const char *code, int line, int column, const char *name)
{
    nt_error_t err = { 0 };
    nt_part_t *p = nt_part_compile(src, strlen(src), ALL_INV, &err);
    if (p)
        fail_msg("compiled: %s", src);
    if (strcmp(err.code, code) || err.line != line || err.column != column ||
        strcmp(err.name, name))
        fail_msg("%s: got %s %d:%d \"%s\" (%s), want %s %d:%d \"%s\"", src, err.code, err.line,
                 err.column, err.name, err.message, code, line, column, name);
    char at[32];
    snprintf(at, sizeof(at), "%d:%d: ", line, column);
    assert_memory_equal(err.message, at, strlen(at));
}

static void test_refusals(void **state)
{
    (void)state;
    refused("Hello {{candidate_name", "syntax", 1, 7, "");
    refused("Hello\n  {{candidate_name}} {{", "syntax", 2, 22, "");
    refused("a }} b", "syntax", 1, 3, "");
    refused("面试 }}", "syntax", 1, 4, ""); /* columns count characters, not bytes */
    refused("{{ nmae }}", "unknown_variable", 1, 4, "nmae");
    refused("第一行\n第二行{{salary}}", "unknown_variable", 2, 6, "salary");
    refused("{{previous_time}}", "unknown_variable", 1, 3, "previous_time"); /* not the invitation's */
    refused("{{#reason}}x{{/reason}}", "unknown_variable", 1, 4, "reason");
    refused("{{interview_time}}", "optional_variable", 1, 3, "interview_time");
    refused("{{^interview_time}}{{interview_time}}{{/interview_time}}", "optional_variable", 1, 22,
            "interview_time");
    refused("{{#booking_deadline}}{{interview_time}}{{/booking_deadline}}", "optional_variable", 1,
            24, "interview_time");
    refused("{{#interview_time}}x", "syntax", 1, 1, "interview_time");
    refused("x{{^status_link}}", "syntax", 1, 2, "status_link");
    refused("{{/interview_time}}", "syntax", 1, 1, "interview_time");
    refused("{{#interview_time}}{{#status_link}}{{/interview_time}}{{/status_link}}", "syntax", 1,
            36, "interview_time");
    refused("{{}}", "syntax", 1, 1, "");
    refused("{{ # }}", "syntax", 1, 1, "");
    refused("{{Candidate_Name}}", "syntax", 1, 1, "Candidate_Name");
    refused("{{candidate-name}}", "syntax", 1, 1, "candidate-name");
    refused("{{{candidate_name}}}", "syntax", 1, 1, "");
    refused("{{&candidate_name}}", "syntax", 1, 1, "");
    refused("{{> partial}}", "syntax", 1, 1, "");
    refused("{{! comment }}", "syntax", 1, 1, "");
    refused("{{=<% %>=}}", "syntax", 1, 1, "");
    refused("{{candidate_name {{job_title}}", "syntax", 1, 1, "");
    refused("ok\xff", "encoding", 1, 3, "");
    refused("ok\xe4\xbd", "encoding", 1, 3, "");
    /* nesting deeper than 16 */
    char deep[16 * 20 * 2 + 64] = "";
    for (int i = 0; i < 17; i++)
        strcat(deep, "{{#status_link}}");
    refused(deep, "syntax", 1, 1 + 16 * 16, "status_link");
    /* a NUL inside */
    nt_error_t err = { 0 };
    assert_null(nt_part_compile("a\0b", 3, ALL_INV, &err));
    assert_string_equal(err.code, "encoding");
}

static void test_whole_templates(void **state)
{
    (void)state;
    nt_error_t err = { 0 };
    nt_template_t *t = nt_template_compile(NT_EV_REMINDER, NT_CH_EMAIL, "Hi {{candidate_name}}",
                                           "At {{interview_time}}", NULL, &err);
    assert_non_null(t);
    nt_values_t v = { 0 };
    v.v[NT_VAR_CANDIDATE_NAME] = "A\r\nBcc: x@example.com";
    v.v[NT_VAR_INTERVIEW_TIME] = "<b>";
    nt_rendered_t r;
    assert_int_equal(nt_template_render(t, &v, &r), 0);
    assert_string_equal(r.subject, "Hi A  Bcc: x@example.com"); /* no header injection */
    assert_string_equal(r.text, "At <b>");
    assert_null(r.html);
    nt_rendered_clear(&r);
    nt_template_destroy(&t);
    nt_template_destroy(&t);

    assert_null(nt_template_compile(NT_EV_REMINDER, NT_CH_SMS, "s", "t", NULL, &err));
    assert_string_equal(err.field, "subject");
    assert_null(nt_template_compile(NT_EV_REMINDER, NT_CH_SMS, NULL, "t", "<p>", &err));
    assert_string_equal(err.field, "html");
    assert_null(nt_template_compile(NT_EV_REMINDER, NT_CH_EMAIL, "", "t", NULL, &err));
    assert_string_equal(err.field, "subject");
    assert_string_equal(err.code, "required");
    assert_null(nt_template_compile(NT_EV_REMINDER, NT_CH_EMAIL, "a\nb", "t", NULL, &err));
    assert_string_equal(err.field, "subject");
    assert_null(nt_template_compile(NT_EV_REMINDER, NT_CH_SMS, NULL, "", NULL, &err));
    assert_string_equal(err.field, "text");
    assert_null(nt_template_compile(NT_EV_OFFER, NT_CH_EMAIL, "s", "t", "{{#start_date}}", &err));
    assert_string_equal(err.field, "html");
    assert_string_equal(err.name, "start_date");
    assert_null(nt_template_compile(NT_EV_THANK_YOU, NT_CH_EMAIL, "s {{interview_time}}", "t",
                                    NULL, &err));
    assert_string_equal(err.field, "subject");
    assert_string_equal(err.code, "unknown_variable");
    assert_int_equal(err.column, 5);
}

/* Every default compiles, renders with the samples without a tag left,
 * and says what it is for. */
static void test_defaults(void **state)
{
    (void)state;
    for (int ev = 0; ev < NT_EV_COUNT; ev++)
        for (int ch = 0; ch < NT_CH_COUNT; ch++)
            for (int loc = 0; loc < NT_LOCALES; loc++) {
                const nt_default_t *d = nt_default(ev, ch, loc);
                assert_non_null(d);
                nt_error_t err = { 0 };
                nt_template_t *t = nt_template_compile(ev, ch, d->subject, d->text, d->html, &err);
                if (!t)
                    fail_msg("%s %s %s: %s %s", nt_event_name(ev), nt_channel_name(ch),
                             nt_locales[loc], err.field, err.message);
                nt_values_t v;
                nt_values_sample(ev, loc, &v);
                nt_rendered_t r;
                assert_int_equal(nt_template_render(t, &v, &r), 0);
                const char *parts[] = { r.subject, r.text, r.html };
                for (int k = 0; k < 3; k++) {
                    if (!parts[k])
                        continue;
                    assert_null(strstr(parts[k], "{{"));
                    assert_null(strstr(parts[k], "}}"));
                }
                /* every required variable that is a name shows */
                assert_non_null(strstr(r.text, loc == 0 ? nt_vars[NT_VAR_JOB_TITLE].sample_zh
                                                        : nt_vars[NT_VAR_JOB_TITLE].sample_en));
                if (ev == NT_EV_INVITATION)
                    assert_non_null(strstr(r.text, "https://hr.example.com/book/"));
                if (ev == NT_EV_RESCHEDULE)
                    assert_non_null(strstr(r.text, loc == 0 ? "2026年12月3日 10:00"
                                                            : "3 December 2026, 10:00"));
                if (ch == NT_CH_EMAIL) {
                    assert_non_null(r.subject);
                    assert_non_null(r.html);
                    assert_non_null(strstr(r.html, loc == 0 ? "星河科技招聘团队"
                                                            : "Galaxy Tech Recruiting"));
                } else {
                    assert_null(r.subject);
                    assert_null(r.html);
                }
                assert_int_equal(nt_event_category(ev), NT_CAT_TRANSACTIONAL);
                nt_rendered_clear(&r);
                nt_template_destroy(&t);
            }
    /* the reminder SMS, as the seed promises it */
    const nt_default_t *d = nt_default(NT_EV_REMINDER, NT_CH_SMS, 0);
    nt_error_t err = { 0 };
    nt_template_t *t = nt_template_compile(NT_EV_REMINDER, NT_CH_SMS, NULL, d->text, NULL, &err);
    assert_non_null(t);
    nt_values_t v;
    nt_values_sample(NT_EV_REMINDER, 0, &v);
    nt_rendered_t r;
    assert_int_equal(nt_template_render(t, &v, &r), 0);
    assert_non_null(strstr(r.text, "您的AI面试将于明天14:00开始"));
    nt_rendered_clear(&r);
    nt_template_destroy(&t);
}

static void test_variables(void **state)
{
    (void)state;
    assert_int_equal(nt_var_of("candidate_name", 14), NT_VAR_CANDIDATE_NAME);
    assert_int_equal(nt_var_of("candidate_nam", 13), -1);
    for (int ev = 0; ev < NT_EV_COUNT; ev++) {
        assert_int_equal(nt_event_required(ev) & ~nt_event_allowed(ev), 0);
        assert_int_equal(nt_event_of(nt_event_name(ev)), ev);
        nt_values_t v;
        nt_values_sample(ev, 1, &v);
        assert_int_equal(nt_values_missing(ev, &v), -1);
        v.v[NT_VAR_CANDIDATE_NAME] = "";
        assert_int_equal(nt_values_missing(ev, &v), NT_VAR_CANDIDATE_NAME);
    }
    assert_int_equal(nt_event_of("welcome"), -1);
    assert_int_equal(nt_locale_of("zh-CN"), 0);
    assert_int_equal(nt_locale_of("zh"), 0);
    assert_int_equal(nt_locale_of("en-GB"), 1);
    assert_int_equal(nt_locale_of("fr"), -1);
    assert_int_equal(nt_locale_of("zhx"), -1);
}

static void test_times(void **state)
{
    (void)state;
    char out[64];
    int64_t when = 1796364000; /* 2026-12-04 06:00 UTC = 14:00 in Shanghai */
    int64_t now = when - 20 * 3600;
    assert_int_equal(nt_format_time(0, "Asia/Shanghai", when, now, NT_TIME_FULL, out, 64), 0);
    assert_string_equal(out, "2026年12月4日 14:00");
    assert_int_equal(nt_format_time(1, "Asia/Shanghai", when, now, NT_TIME_FULL, out, 64), 0);
    assert_string_equal(out, "4 December 2026, 14:00");
    assert_int_equal(nt_format_time(1, "Europe/London", when, now, NT_TIME_FULL, out, 64), 0);
    assert_string_equal(out, "4 December 2026, 06:00");
    assert_int_equal(nt_format_time(0, NULL, when, now, NT_TIME_DATE, out, 64), 0);
    assert_string_equal(out, "2026年12月4日");
    assert_int_equal(nt_format_time(0, NULL, when, now, NT_TIME_CLOCK, out, 64), 0);
    assert_string_equal(out, "14:00");
    assert_int_equal(nt_format_time(0, NULL, when, now, NT_TIME_WHEN, out, 64), 0);
    assert_string_equal(out, "明天14:00");
    assert_int_equal(nt_format_time(1, NULL, when, now, NT_TIME_WHEN, out, 64), 0);
    assert_string_equal(out, "tomorrow at 14:00");
    assert_int_equal(nt_format_time(1, NULL, when, when - 3600, NT_TIME_WHEN, out, 64), 0);
    assert_string_equal(out, "today at 14:00");
    assert_int_equal(nt_format_time(0, NULL, when, when - 3 * 86400, NT_TIME_WHEN, out, 64), 0);
    assert_string_equal(out, "2026年12月4日 14:00");
    /* in New York the same instant is 01:00 on the 4th; now is the 3rd there */
    assert_int_equal(nt_format_time(1, "America/New_York", when, now, NT_TIME_WHEN, out, 64), 0);
    assert_string_equal(out, "tomorrow at 01:00");
    assert_int_equal(nt_format_time(1, "Mars/Olympus", when, now, NT_TIME_FULL, out, 64), -1);
    assert_string_equal(out, "");
    assert_int_equal(nt_format_time(1, NULL, when, now, NT_TIME_FULL, out, 8), -1);
    assert_int_equal(nt_format_time(5, NULL, when, now, NT_TIME_FULL, out, 64), -1);

    /* the reminder SMS of the seed, from an instant and a zone */
    nt_values_t v;
    nt_values_sample(NT_EV_RESCHEDULE, 0, &v);
    nt_time_text_t buf[5];
    assert_int_equal(nt_values_times(&v, buf, 0, "Asia/Shanghai", when, when - 86400, now), 0);
    assert_string_equal(v.v[NT_VAR_INTERVIEW_WHEN], "明天14:00");
    assert_string_equal(v.v[NT_VAR_INTERVIEW_DATE], "2026年12月4日");
    assert_string_equal(v.v[NT_VAR_PREVIOUS_TIME], "2026年12月3日 14:00");
    assert_int_equal(nt_values_times(&v, buf, 1, "Nowhere/City", when, 0, now), -1);
    assert_string_equal(v.v[NT_VAR_INTERVIEW_WHEN], "明天14:00"); /* left as it was */
}

static void test_sms_length(void **state)
{
    (void)state;
    size_t limit;
    assert_int_equal(nt_sms_length("hello", &limit), 5);
    assert_int_equal(limit, 160);
    assert_int_equal(nt_sms_length("a{b}€", &limit), 8); /* extension characters count twice */
    assert_int_equal(limit, 160);
    assert_int_equal(nt_sms_length("您的AI面试", &limit), 6);
    assert_int_equal(limit, 70);
    assert_int_equal(nt_sms_length("`", &limit), 1);
    assert_int_equal(limit, 70);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_substitution), cmocka_unit_test(test_sections),
        cmocka_unit_test(test_refusals),     cmocka_unit_test(test_whole_templates),
        cmocka_unit_test(test_defaults),     cmocka_unit_test(test_variables),
        cmocka_unit_test(test_times),        cmocka_unit_test(test_sms_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
