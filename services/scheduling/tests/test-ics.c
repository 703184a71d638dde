/* services/scheduling/tests/test-ics.c - calendar invitations: identity, method, zone, text, refusals
 *
 * Checks the text sd_ics_write() gives. That a real parser reads it the same
 * way is tests/scheduling/test_ics.py (python3-icalendar).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ics.h"

#define ID "8d062711-1cee-4fa5-a7a9-2af42013e919"
#define US INT64_C(1000000)
/* 2026-03-10T02:00:00Z = 10:00 in Shanghai, a Tuesday */
#define T_SHANGHAI (INT64_C(1773108000) * US)
/* 2026-03-08T06:30:00Z = 01:30 EST; an hour later the clocks jump to 03:00 EDT */
#define T_NEW_YORK (INT64_C(1772951400) * US)
#define NOW (INT64_C(1772323200) * US) /* 2026-03-01T00:00:00Z */
#define MINUTE (60 * US)

static sd_ics_event_t invitation(void)
{
    return (sd_ics_event_t){
        .method = SD_ICS_REQUEST,
        .lang = SD_ICS_ZH_CN,
        .kind = SD_ICS_AI_CALL,
        .interview_id = ID,
        .uid_domain = "hrflow.example.cn",
        .sequence = 0,
        .start_us = T_SHANGHAI,
        .end_us = T_SHANGHAI + 30 * MINUTE,
        .zone = "Asia/Shanghai",
        .now_us = NOW,
        .company_name = "华星集团",
        .organizer_email = "interviews@hrflow.example.cn",
        .job_title = "产品经理",
        .attendee_email = "zhang.san@example.cn",
        .attendee_name = "张三",
    };
}

/* The text of ev, which must be written. */
static char *write_ok(const sd_ics_event_t *ev)
{
    char *text = NULL;
    size_t len = 0;
    sd_ics_problem_t problem;
    int rc = sd_ics_write(ev, &text, &len, &problem);
    if (rc != SD_ICS_OK)
        fail_msg("sd_ics_write: %s: %s: %s", sd_ics_strerror(rc),
                 problem.field ? problem.field : "-", problem.message);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    return text;
}

/* text with its folds undone (RFC 5545 3.1: CRLF followed by one space or tab
 * is removed) and CRLF as LF, so that a property is one line. */
static char *unfold(const char *text)
{
    char *out = malloc(strlen(text) + 1), *o = out;
    assert_non_null(out);
    for (const char *p = text; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
            p += 2;
            continue;
        }
        if (p[0] == '\r' && p[1] == '\n')
            continue;
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

/* The unfolded text of ev, which must be written. */
static char *write_unfolded(const sd_ics_event_t *ev)
{
    char *text = write_ok(ev);
    char *u = unfold(text);
    free(text);
    return u;
}

/* Whether the unfolded text has this exact line. */
static bool has_line(const char *u, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = u; (p = strstr(p, line)) != NULL; p++)
        if ((p == u || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

/* How many lines of the unfolded text start with prefix. */
static int count_lines(const char *u, const char *prefix)
{
    int n = 0;
    size_t len = strlen(prefix);
    for (const char *p = u; p; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (strncmp(p, prefix, len) == 0)
            n++;
    }
    return n;
}

static void assert_line(const char *u, const char *line)
{
    if (!has_line(u, line))
        fail_msg("no line \"%s\" in:\n%s", line, u);
}

static int refused(const sd_ics_event_t *ev, sd_ics_problem_t *problem)
{
    char *text = (char *)"not touched";
    int rc = sd_ics_write(ev, &text, NULL, problem);
    assert_null(text);
    return rc;
}

static void assert_refused(const sd_ics_event_t *ev, int code, const char *field)
{
    sd_ics_problem_t problem;
    assert_int_equal(refused(ev, &problem), code);
    assert_non_null(problem.field);
    assert_string_equal(problem.field, field);
    assert_true(problem.message[0] != '\0');
}

/* ---- identity and method ---- */

static void test_uid_is_stable_across_sequences(void **state)
{
    (void)state;
    sd_ics_event_t ev = invitation();
    char *first = write_unfolded(&ev);
    ev.sequence = 3; /* rescheduled three times */
    ev.start_us += 24 * 60 * MINUTE;
    ev.end_us += 24 * 60 * MINUTE;
    char *moved = write_unfolded(&ev);
    ev.method = SD_ICS_CANCEL;
    ev.sequence = 4;
    char *cancel = write_unfolded(&ev);
    const char *uid = "UID:" ID "@hrflow.example.cn";
    assert_line(first, uid);
    assert_line(moved, uid);
    assert_line(cancel, uid);
    assert_line(first, "SEQUENCE:0");
    assert_line(moved, "SEQUENCE:3");
    assert_line(cancel, "SEQUENCE:4");
    assert_line(moved, "DTSTART;TZID=Asia/Shanghai:20260311T100000");
    free(first);
    free(moved);
    free(cancel);
}

static void test_request_invites_the_candidate(void **state)
{
    (void)state;
    sd_ics_event_t ev = invitation();
    char *u = write_unfolded(&ev);
    assert_line(u, "METHOD:REQUEST");
    assert_line(u, "STATUS:CONFIRMED");
    assert_line(u, "ORGANIZER;CN=华星集团:mailto:interviews@hrflow.example.cn");
    assert_line(u, "ATTENDEE;CN=张三;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;"
                   "PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:zhang.san@example.cn");
    assert_line(u, "DTSTAMP:20260301T000000Z");
    assert_line(u, "VERSION:2.0");
    assert_int_equal(count_lines(u, "PRODID:"), 1);
    assert_int_equal(count_lines(u, "BEGIN:VEVENT"), 1);
    assert_int_equal(count_lines(u, "BEGIN:VALARM"), 0);
    free(u);
}

static void test_cancel_is_cancelled(void **state)
{
    (void)state;
    sd_ics_event_t ev = invitation();
    ev.method = SD_ICS_CANCEL;
    ev.sequence = 1;
    ev.alarm_minutes = 15; /* no reminder of a cancelled interview */
    ev.manage_url = "https://hrflow.example.cn/b/t0k3n";
    char *u = write_unfolded(&ev);
    assert_line(u, "METHOD:CANCEL");
    assert_line(u, "STATUS:CANCELLED");
    assert_line(u, "SEQUENCE:1");
    assert_int_equal(count_lines(u, "ATTENDEE;"), 1);
    assert_int_equal(count_lines(u, "BEGIN:VALARM"), 0);
    assert_line(u, "SUMMARY;LANGUAGE=zh-CN:已取消：AI 电话面试：产品经理（华星集团）");
    assert_null(strstr(u, "t0k3n"));
    free(u);
}

static void test_publish_holds_no_attendee(void **state)
{
    (void)state;
    sd_ics_event_t ev = invitation();
    ev.method = SD_ICS_PUBLISH;
    char *u = write_unfolded(&ev);
    assert_line(u, "METHOD:PUBLISH");
    assert_line(u, "STATUS:CONFIRMED");
    assert_int_equal(count_lines(u, "ATTENDEE"), 0);
    assert_null(strstr(u, "zhang.san"));
    assert_null(strstr(u, "张三"));
    free(u);
    ev.attendee_email = NULL; /* not needed for a download */
    ev.attendee_name = NULL;
    free(write_ok(&ev));
    assert_string_equal(sd_ics_method_name(SD_ICS_PUBLISH), "PUBLISH");
    assert_string_equal(sd_ics_method_name(SD_ICS_CANCEL), "CANCEL");
    assert_string_equal(sd_ics_method_name(SD_ICS_REQUEST), "REQUEST");
}

/* ---- zones ---- */

static void test_shanghai_tzid_matches_its_vtimezone(void **state)
{
    (void)state;
    sd_ics_event_t ev = invitation();
    char *u = write_unfolded(&ev);
    assert_line(u, "DTSTART;TZID=Asia/Shanghai:20260310T100000");
    assert_line(u, "DTEND;TZID=Asia/Shanghai:20260310T103000");
    assert_int_equal(count_lines(u, "BEGIN:VTIMEZONE"), 1);
    assert_line(u, "TZID:Asia/Shanghai");
    /* cut to what is in force: one standard time of +0800, no history */
    assert_int_equal(count_lines(u, "BEGIN:STANDARD"), 1);
    assert_int_equal(count_lines(u, "BEGIN:DAYLIGHT"), 0);
    assert_line(u, "TZOFFSETTO:+0800");
    assert_int_equal(count_lines(u, "TZOFFSETTO:"), 1);
    /* the VTIMEZONE comes before the event that names it */
    assert_true(strstr(u, "BEGIN:VTIMEZONE") < strstr(u, "BEGIN:VEVENT"));
    free(u);
}

static void test_new_york_has_its_dst_rules(void **state)
{
    (void)state;
    sd_ics_event_t ev = invitation();
    ev.zone = "America/New_York";
    ev.lang = SD_ICS_EN;
    ev.start_us = T_NEW_YORK;
    ev.end_us = T_NEW_YORK + 60 * MINUTE; /* across the change: 01:30 EST to 03:30 EDT */
    char *u = write_unfolded(&ev);
    assert_line(u, "DTSTART;TZID=America/New_York:20260308T013000");
    assert_line(u, "DTEND;TZID=America/New_York:20260308T033000");
    assert_line(u, "TZID:America/New_York");
    assert_true(count_lines(u, "BEGIN:DAYLIGHT") >= 1);
    assert_true(count_lines(u, "BEGIN:STANDARD") >= 1);
    assert_line(u, "TZOFFSETTO:-0400");
    assert_line(u, "TZOFFSETTO:-0500");
    assert_line(u, "RRULE:FREQ=YEARLY;UNTIL=20370308T070000Z;BYDAY=2SU;BYMONTH=3");
    assert_int_equal(count_lines(u, "TZID:"), 1);
    free(u);
}

static void test_berlin_and_utc(void **state)
{
    (void)state;
    sd_ics_event_t ev = invitation();
    ev.zone = "Europe/Berlin";
    char *u = write_unfolded(&ev);
    assert_line(u, "DTSTART;TZID=Europe/Berlin:20260310T030000");
    assert_line(u, "TZOFFSETTO:+0200");
    assert_line(u, "TZOFFSETTO:+0100");
    free(u);
    ev.zone = "UTC"; /* UTC times, nothing to define */
    u = write_unfolded(&ev);
    assert_line(u, "DTSTART:20260310T020000Z");
    assert_line(u, "DTEND:20260310T023000Z");
    assert_int_equal(count_lines(u, "BEGIN:VTIMEZONE"), 0);
    assert_null(strstr(u, "TZID"));
    free(u);
}

/* Berlin goes back from 03:00 CEST to 02:00 CET at 01:00Z on 25 October 2026:
 * 02:30 happens twice, so that end is written in UTC */
static void test_a_repeated_wall_time_is_written_in_utc(void **state)
{
    (void)state;
    sd_ics_event_t ev = invitation();
    ev.zone = "Europe/Berlin";
    ev.start_us = INT64_C(1792884600) * US; /* 2026-10-24T23:30:00Z, 01:30 CEST */
    ev.end_us = ev.start_us + 120 * MINUTE; /* 01:30Z, the second 02:30 */
    char *u = write_unfolded(&ev);
    assert_line(u, "DTSTART;TZID=Europe/Berlin:20261025T013000");
    assert_line(u, "DTEND:20261025T013000Z");
    free(u);
    ev.start_us = ev.end_us - 60 * MINUTE; /* 00:30Z, the first 02:30 */
    ev.end_us = ev.start_us + 90 * MINUTE; /* 02:00Z = 03:00 CET, once */
    u = write_unfolded(&ev);
    assert_line(u, "DTSTART:20261025T003000Z");
    assert_line(u, "DTEND;TZID=Europe/Berlin:20261025T030000");
    free(u);
    ev.zone = "America/New_York"; /* spring forward skips an hour: nothing repeats */
    ev.start_us = T_NEW_YORK;
    ev.end_us = T_NEW_YORK + 60 * MINUTE;
    u = write_unfolded(&ev);
    assert_line(u, "DTSTART;TZID=America/New_York:20260308T013000");
    assert_line(u, "DTEND;TZID=America/New_York:20260308T033000");
    free(u);
}

static void test_unknown_zone_is_refused(void **state)
{
    (void)state;
    static const char *const zones[] = {
        "Mars/Olympus_Mons", "asia/shanghai_", "", "../../etc/passwd", "/etc/localtime",
        "Asia//Shanghai", "Asia/Shanghai ", "+08:00",
    };
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        sd_ics_event_t ev = invitation();
        ev.zone = zones[i];
        assert_refused(&ev, SD_ICS_EZONE, "zone");
    }
    sd_ics_event_t ev = invitation();
    ev.zone = NULL;
    assert_refused(&ev, SD_ICS_EZONE, "zone");
    assert_string_equal(sd_ics_strerror(SD_ICS_EZONE), "unknown time zone");
}

/* ---- text ---- */

static void test_lines_end_in_crlf_and_fit_75_octets(void **state)
{
    (void)state;
    sd_ics_event_t ev = invitation();
    ev.note = "第一行\n第二行\r\n第三行";
    char *text = write_ok(&ev);
    size_t n = strlen(text);
    assert_true(n > 2 && text[n - 2] == '\r' && text[n - 1] == '\n');
    for (char *line = text, *end; *line; line = end + 2) {
        end = strstr(line, "\r\n");
        assert_non_null(end);
        size_t len = (size_t)(end - line);
        assert_true(len <= 75);
        assert_null(memchr(line, '\r', len)); /* no bare CR or LF anywhere */
        assert_null(memchr(line, '\n', len));
    }
    free(text);
}

/* Whether s[0..len) is whole UTF-8: no character is cut at either end. */
static bool whole_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t need = s[i] < 0x80 ? 0 : (s[i] & 0xe0) == 0xc0 ? 1 : (s[i] & 0xf0) == 0xe0 ? 2
                      : (s[i] & 0xf8) == 0xf0 ? 3 : 9;
        if (need == 9 || i + need >= len) /* not a first byte, or cut at the end */
            return false;
        for (size_t k = 1; k <= need; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        i += need + 1;
    }
    return true;
}

static void test_long_chinese_summary_is_folded_between_characters(void **state)
{
    (void)state;
    /* 93 characters of three octets, with one and four octet ones among
     * them so that the folds fall at every offset: a fold by octet count
     * alone would cut characters */
    char job[400] = "高级产品经理";
    for (int i = 0; i < 10; i++)
        strcat(job, i % 3 ? "人工智能招聘平台" : "a人工智能𠀀招聘");
    strcat(job, "（上海）");
    sd_ics_event_t ev = invitation();
    ev.job_title = job;
    char *text = write_ok(&ev);
    int folds = 0;
    for (char *line = text, *end; (end = strstr(line, "\r\n")) != NULL; line = end + 2) {
        size_t len = (size_t)(end - line);
        assert_true(len <= 75);
        if (!whole_utf8((const unsigned char *)line, len))
            fail_msg("a line cuts a UTF-8 character: %.*s", (int)len, line);
        folds += line[0] == ' ';
    }
    assert_true(folds >= 8); /* SUMMARY, DESCRIPTION and more */
    char *u = unfold(text);
    char want[600];
    snprintf(want, sizeof want, "SUMMARY;LANGUAGE=zh-CN:AI 电话面试：%s（华星集团）", job);
    assert_line(u, want);
    free(u);
    free(text);
}

static void test_commas_semicolons_and_newlines_are_escaped(void **state)
{
    (void)state;
    sd_ics_event_t ev = invitation();
    ev.lang = SD_ICS_EN;
    ev.company_name = "Huaxing Group, Inc.; \"HX\"";
    ev.job_title = "PM, AI; C\\D";
    ev.note = "Bring: ID card; resume\nArrive 5 min early,\r\nthanks";
    char *u = write_unfolded(&ev);
    assert_line(u, "SUMMARY;LANGUAGE=en:AI phone interview: PM\\, AI\\; C\\\\D (Huaxing Group\\, "
                   "Inc.\\; \"HX\")");
    assert_non_null(strstr(u, "\\n\\nBring: ID card\\; resume\\nArrive 5 min early\\,\\nthanks"));
    /* a parameter value with , ; : is quoted, a quote in it is ^' (RFC 6868) */
    assert_line(u, "ORGANIZER;CN=\"Huaxing Group, Inc.; ^'HX^'\":"
                   "mailto:interviews@hrflow.example.cn");
    free(u);
}

static void test_wording_in_chinese_and_english(void **state)
{
    (void)state;
    sd_ics_event_t ev = invitation();
    ev.manage_url = "https://hrflow.example.cn/b/abc";
    ev.alarm_minutes = 15;
    char *u = write_unfolded(&ev);
    assert_line(u, "SUMMARY;LANGUAGE=zh-CN:AI 电话面试：产品经理（华星集团）");
    assert_line(u, "DESCRIPTION;LANGUAGE=zh-CN:AI 电话面试 华星集团，应聘职位：产品经理。\\n"
                   "时间：2026年3月10日（星期二）10:00–10:30（Asia/Shanghai）\\n"
                   "届时我们将致电您。\\n改期或取消：https://hrflow.example.cn/b/abc");
    assert_line(u, "LOCATION;LANGUAGE=zh-CN:电话面试（我们将致电您）");
    assert_line(u, "TRIGGER:-PT15M");
    assert_line(u, "ACTION:DISPLAY");
    free(u);

    ev.lang = SD_ICS_EN;
    ev.kind = SD_ICS_ROUND;
    ev.round_name = "Final interview";
    ev.job_title = "Product Manager";
    ev.company_name = "Huaxing Group";
    ev.address = "5F, 88 Century Ave, Pudong";
    ev.manage_url = NULL;
    ev.alarm_minutes = 0;
    u = write_unfolded(&ev);
    assert_line(u, "SUMMARY;LANGUAGE=en:Final interview: Product Manager (Huaxing Group)");
    assert_line(u, "DESCRIPTION;LANGUAGE=en:Final interview with Huaxing Group\\, for the "
                   "position of Product Manager.\\nTime: Tuesday 10 March 2026\\, 10:00–10:30 "
                   "(Asia/Shanghai)\\nAddress: 5F\\, 88 Century Ave\\, Pudong");
    assert_line(u, "LOCATION;LANGUAGE=en:5F\\, 88 Century Ave\\, Pudong");
    assert_int_equal(count_lines(u, "BEGIN:VALARM"), 0);
    free(u);
}

static void test_dial_in_and_link(void **state)
{
    (void)state;
    sd_ics_event_t ev = invitation();
    ev.dial_in = "+86 400 820 1234,,5678#";
    char *u = write_unfolded(&ev);
    assert_line(u, "LOCATION;LANGUAGE=zh-CN:电话 +86 400 820 1234\\,\\,5678#");
    assert_non_null(strstr(u, "\\n电话：+86 400 820 1234\\,\\,5678#"));
    assert_null(strstr(u, "届时我们将致电您"));
    assert_int_equal(count_lines(u, "URL"), 0);
    free(u);
    ev.join_url = "https://meet.example.com/j/123?pwd=a;b,c";
    u = write_unfolded(&ev);
    assert_line(u, "URL:https://meet.example.com/j/123?pwd=a;b,c"); /* a URI: not escaped */
    assert_line(u, "LOCATION;LANGUAGE=zh-CN:https://meet.example.com/j/123?pwd=a\\;b\\,c");
    assert_non_null(strstr(u, "\\n链接：https://meet.example.com/j/123?pwd=a\\;b\\,c"));
    free(u);
}

static void test_a_round_on_another_day_and_to_the_second(void **state)
{
    (void)state;
    sd_ics_event_t ev = invitation();
    ev.kind = SD_ICS_ROUND;
    ev.start_us = T_SHANGHAI + 13 * 60 * MINUTE + 999999; /* 23:00:00.999999 local */
    ev.end_us = ev.start_us + 90 * MINUTE;
    char *u = write_unfolded(&ev);
    assert_line(u, "DTSTART;TZID=Asia/Shanghai:20260310T230000");
    assert_line(u, "DTEND;TZID=Asia/Shanghai:20260311T003000");
    assert_non_null(strstr(u, "时间：2026年3月10日（星期二）23:00 – 2026年3月11日（星期三）00:30"));
    assert_line(u, "SUMMARY;LANGUAGE=zh-CN:面试：产品经理（华星集团）");
    assert_int_equal(count_lines(u, "LOCATION"), 0); /* a round with no place */
    free(u);
}

/* ---- refusals ---- */

static void test_bad_fields_are_named(void **state)
{
    (void)state;
    sd_ics_event_t ev;
#define REFUSE(change, field)                                                                  \
    do {                                                                                       \
        ev = invitation();                                                                     \
        change;                                                                                \
        assert_refused(&ev, SD_ICS_EINVAL, field);                                             \
    } while (0)
    REFUSE(ev.end_us = ev.start_us, "end_us");
    REFUSE(ev.end_us = ev.start_us - MINUTE, "end_us");
    REFUSE(ev.end_us = ev.start_us + US / 2, "end_us"); /* the same second */
    REFUSE(ev.start_us = -1, "start_us");
    REFUSE(ev.now_us = -US, "now_us");
    REFUSE(ev.sequence = -1, "sequence");
    REFUSE(ev.sequence = INT64_C(1) << 31, "sequence");
    REFUSE(ev.interview_id = "", "interview_id");
    REFUSE(ev.interview_id = "a@b", "interview_id");
    REFUSE(ev.interview_id = "a b", "interview_id");
    REFUSE(ev.uid_domain = NULL, "uid_domain");
    REFUSE(ev.uid_domain = "bad..example", "uid_domain");
    REFUSE(ev.uid_domain = "example.cn.", "uid_domain");
    REFUSE(ev.company_name = "", "company_name");
    REFUSE(ev.company_name = "华星\n集团", "company_name");
    REFUSE(ev.job_title = "产品\xe7\xbb", "job_title"); /* cut UTF-8 */
    REFUSE(ev.attendee_name = "张\u202e三", "attendee_name"); /* bidi override */
    REFUSE(ev.organizer_email = NULL, "organizer_email");
    REFUSE(ev.attendee_email = NULL, "attendee_email"); /* a REQUEST invites someone */
    REFUSE(ev.attendee_email = "zhang san@example.cn", "attendee_email");
    REFUSE(ev.attendee_email = "zhang@example.cn>", "attendee_email");
    REFUSE(ev.attendee_email = " zhang@example.cn", "attendee_email");
    REFUSE((ev.method = SD_ICS_CANCEL, ev.attendee_email = "nobody"), "attendee_email");
    REFUSE(ev.join_url = "javascript:alert(1)", "join_url");
    REFUSE(ev.join_url = "https://a.example/x y", "join_url");
    REFUSE(ev.manage_url = "ftp://a.example/", "manage_url");
    REFUSE(ev.dial_in = "call me", "dial_in");
    REFUSE(ev.dial_in = "+", "dial_in");
    REFUSE(ev.alarm_minutes = -5, "alarm_minutes");
    REFUSE(ev.alarm_minutes = 10081, "alarm_minutes");
    REFUSE(ev.method = (sd_ics_method_t)7, "method");
    REFUSE(ev.lang = (sd_ics_lang_t)7, "lang");
    REFUSE(ev.kind = (sd_ics_kind_t)7, "kind");
#undef REFUSE
    assert_string_equal(sd_ics_strerror(SD_ICS_EINVAL), "invalid invitation field");
    assert_string_equal(sd_ics_strerror(SD_ICS_ENOMEM), "out of memory");
}

/* a refusal names the field and why, never the value */
static void test_refusals_do_not_repeat_personal_data(void **state)
{
    (void)state;
    sd_ics_event_t ev = invitation();
    ev.attendee_email = "zhang san@example.cn";
    sd_ics_problem_t problem;
    assert_int_equal(refused(&ev, &problem), SD_ICS_EINVAL);
    assert_null(strstr(problem.message, "zhang"));
    assert_string_equal(problem.message, "must be an email address");
    ev = invitation();
    ev.attendee_name = "张三\x01";
    assert_int_equal(refused(&ev, &problem), SD_ICS_EINVAL);
    assert_null(strstr(problem.message, "张三"));
    assert_int_equal(refused(&ev, NULL), SD_ICS_EINVAL); /* problem is optional */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uid_is_stable_across_sequences),
        cmocka_unit_test(test_request_invites_the_candidate),
        cmocka_unit_test(test_cancel_is_cancelled),
        cmocka_unit_test(test_publish_holds_no_attendee),
        cmocka_unit_test(test_shanghai_tzid_matches_its_vtimezone),
        cmocka_unit_test(test_new_york_has_its_dst_rules),
        cmocka_unit_test(test_berlin_and_utc),
        cmocka_unit_test(test_a_repeated_wall_time_is_written_in_utc),
        cmocka_unit_test(test_unknown_zone_is_refused),
        cmocka_unit_test(test_lines_end_in_crlf_and_fit_75_octets),
        cmocka_unit_test(test_long_chinese_summary_is_folded_between_characters),
        cmocka_unit_test(test_commas_semicolons_and_newlines_are_escaped),
        cmocka_unit_test(test_wording_in_chinese_and_english),
        cmocka_unit_test(test_dial_in_and_link),
        cmocka_unit_test(test_a_round_on_another_day_and_to_the_second),
        cmocka_unit_test(test_bad_fields_are_named),
        cmocka_unit_test(test_refusals_do_not_repeat_personal_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
