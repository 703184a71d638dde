/* services/scheduling/ics.c - calendar invitations (RFC 5545 / iTIP RFC 5546)
 *
 * Three steps: check every field (the first wrong one is reported, by name
 * and never by value), look the zone up in libical's zone database, then
 * build the VCALENDAR with libical and let it write the text. The wording of
 * SUMMARY, DESCRIPTION and LOCATION is the only thing composed here, through
 * a memory stream. ics.h says what a file holds and why.
 */
#include "ics.h"

#include <libical/ical.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hf/crypto.h"
#include "hf/text.h"

#define US_PER_S 1000000
/* 0001-01-01 .. 9999-12-31T23:59:59Z would do for libical; an interview, a
 * DTSTAMP and a zone's rules are all after 1970. */
#define LAST_SECOND INT64_C(253402300799)
#define ALARM_MAX_MINUTES 10080 /* a week */
#define ID_MAX 64
#define ZONE_MAX 64
#define URL_MAX 2000
#define DIAL_MAX 64

static const hf_text_rule_t name_rule = { HF_TEXT_LINE, 0, 200 };
static const hf_text_rule_t address_rule = { HF_TEXT_LINE, 0, 500 };
static const hf_text_rule_t note_rule = { HF_TEXT_LINES, 0, 2000 };

static int fail(sd_ics_problem_t *problem, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(sd_ics_problem_t *problem, int code, const char *field, const char *fmt, ...)
{
    if (problem) {
        problem->field = field;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(problem->message, sizeof problem->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

static bool given(const char *s)
{
    return s && *s;
}

/* ---- checks ---- */

static int check_text(const char *s, hf_text_rule_t rule, const char *field,
                      sd_ics_problem_t *problem)
{
    hf_text_problem_t tp;
    if (hf_text_check(s, s ? strlen(s) : 0, rule, &tp) != 0)
        return fail(problem, SD_ICS_EINVAL, field, "%s", tp.message);
    return 0;
}

static bool all_of(const char *s, const char *allowed_punct)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && !strchr(allowed_punct, c))
            return false;
    }
    return true;
}

static int check_id(const char *id, sd_ics_problem_t *problem)
{
    if (!given(id) || strlen(id) > ID_MAX || !all_of(id, "-_."))
        return fail(problem, SD_ICS_EINVAL, "interview_id",
                    "must be 1 to %d of A-Z, a-z, 0-9, '-', '_' and '.'", ID_MAX);
    return 0;
}

/* A host name: labels of letters, digits and '-' (not at a label's ends),
 * separated by single dots. */
static int check_domain(const char *d, sd_ics_problem_t *problem)
{
    size_t n = d ? strlen(d) : 0;
    bool ok = n > 0 && n <= 253 && all_of(d, "-.") && d[0] != '.' && d[n - 1] != '.' &&
              !strstr(d, "..") && !strstr(d, "-.") && !strstr(d, ".-") && d[0] != '-' &&
              d[n - 1] != '-';
    if (!ok)
        return fail(problem, SD_ICS_EINVAL, "uid_domain", "must be a host name");
    return 0;
}

static int check_email(const char *email, const char *field, sd_ics_problem_t *problem)
{
    /* the common check of an address (nothing around it either), and no
     * character that would end or bend the mailto: URI */
    char norm[256];
    if (!given(email) || hf_pii_normalize_email(email, norm, sizeof norm) != 0 ||
        strcasecmp(norm, email) != 0 || strpbrk(email, "<>\"\\,;:?#%[]"))
        return fail(problem, SD_ICS_EINVAL, field, "must be an email address");
    return 0;
}

/* An absolute http(s) URL of printable ASCII: what a mail client makes a link of. */
static int check_url(const char *url, const char *field, sd_ics_problem_t *problem)
{
    if (!given(url))
        return 0;
    size_t n = strlen(url);
    bool ok = n <= URL_MAX &&
              (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0);
    for (size_t i = 0; ok && i < n; i++)
        ok = url[i] > ' ' && url[i] < 0x7f && url[i] != '"' && url[i] != '\\';
    if (!ok)
        return fail(problem, SD_ICS_EINVAL, field,
                    "must be an http or https URL of at most %d printable ASCII characters",
                    URL_MAX);
    return 0;
}

static int check_dial_in(const char *dial, sd_ics_problem_t *problem)
{
    if (!given(dial))
        return 0;
    if (strlen(dial) > DIAL_MAX || !all_of(dial, "+()-,#* ") || !strpbrk(dial, "0123456789"))
        return fail(problem, SD_ICS_EINVAL, "dial_in",
                    "must be a number to call: digits, '+', '(', ')', '-', ',', '#', '*' and "
                    "spaces, at most %d", DIAL_MAX);
    return 0;
}

static int check_times(const sd_ics_event_t *ev, sd_ics_problem_t *problem)
{
    const int64_t last_us = LAST_SECOND * US_PER_S;
    if (ev->start_us < 0 || ev->start_us > last_us)
        return fail(problem, SD_ICS_EINVAL, "start_us", "must be between 1970 and 9999");
    if (ev->end_us < 0 || ev->end_us > last_us)
        return fail(problem, SD_ICS_EINVAL, "end_us", "must be between 1970 and 9999");
    if (ev->end_us / US_PER_S <= ev->start_us / US_PER_S)
        return fail(problem, SD_ICS_EINVAL, "end_us",
                    "must be at least one second after start_us");
    if (ev->now_us < 0 || ev->now_us > last_us)
        return fail(problem, SD_ICS_EINVAL, "now_us", "must be between 1970 and 9999");
    return 0;
}

static int check_numbers(const sd_ics_event_t *ev, sd_ics_problem_t *problem)
{
    if (ev->sequence < 0 || ev->sequence > INT32_MAX)
        return fail(problem, SD_ICS_EINVAL, "sequence", "must be 0 to %d", INT32_MAX);
    if (ev->alarm_minutes < 0 || ev->alarm_minutes > ALARM_MAX_MINUTES)
        return fail(problem, SD_ICS_EINVAL, "alarm_minutes", "must be 0 (none) to %d",
                    ALARM_MAX_MINUTES);
    if (ev->method != SD_ICS_REQUEST && ev->method != SD_ICS_CANCEL &&
        ev->method != SD_ICS_PUBLISH)
        return fail(problem, SD_ICS_EINVAL, "method", "must be REQUEST, CANCEL or PUBLISH");
    if (ev->lang != SD_ICS_ZH_CN && ev->lang != SD_ICS_EN)
        return fail(problem, SD_ICS_EINVAL, "lang", "must be zh-CN or en");
    if (ev->kind != SD_ICS_AI_CALL && ev->kind != SD_ICS_ROUND)
        return fail(problem, SD_ICS_EINVAL, "kind", "must be an AI call or a round");
    return 0;
}

static int check_texts(const sd_ics_event_t *ev, sd_ics_problem_t *problem)
{
    static const hf_text_rule_t company_rule = { HF_TEXT_LINE, 1, 200 };
    int rc;
    if ((rc = check_text(ev->company_name, company_rule, "company_name", problem)) ||
        (rc = check_text(ev->job_title, name_rule, "job_title", problem)) ||
        (rc = check_text(ev->round_name, name_rule, "round_name", problem)) ||
        (rc = check_text(ev->attendee_name, name_rule, "attendee_name", problem)) ||
        (rc = check_text(ev->address, address_rule, "address", problem)) ||
        (rc = check_text(ev->note, note_rule, "note", problem)))
        return rc;
    return 0;
}

static int check_event(const sd_ics_event_t *ev, sd_ics_problem_t *problem)
{
    int rc;
    if ((rc = check_numbers(ev, problem)) || (rc = check_id(ev->interview_id, problem)) ||
        (rc = check_domain(ev->uid_domain, problem)) || (rc = check_times(ev, problem)) ||
        (rc = check_texts(ev, problem)) ||
        (rc = check_email(ev->organizer_email, "organizer_email", problem)) ||
        (rc = check_url(ev->join_url, "join_url", problem)) ||
        (rc = check_url(ev->manage_url, "manage_url", problem)) ||
        (rc = check_dial_in(ev->dial_in, problem)))
        return rc;
    if (ev->method == SD_ICS_REQUEST || given(ev->attendee_email))
        return check_email(ev->attendee_email, "attendee_email", problem);
    return 0;
}

/* ---- the zone ---- */

/* The zone named, from libical's database (libical's UTC zone for "UTC");
 * NULL when it is not there or has no definition to write. The name is
 * checked first so that nothing like "../x" reaches the file lookup behind. */
static icaltimezone *find_zone(const char *name)
{
    if (!given(name) || strlen(name) > ZONE_MAX || !all_of(name, "/_+-") || name[0] == '/' ||
        strstr(name, "//") || name[0] == '-')
        return NULL;
    icaltimezone *zone = icaltimezone_get_builtin_timezone(name);
    if (zone && zone != icaltimezone_get_utc_timezone() && !icaltimezone_get_component(zone))
        return NULL;
    return zone;
}

/* The Unix second secs as a UTC time (written with Z). */
static struct icaltimetype utc_time(int64_t secs)
{
    return icaltime_from_timet_with_zone((time_t)secs, 0, icaltimezone_get_utc_timezone());
}

/* The wall-clock time of the Unix second secs in zone (UTC for NULL),
 * without a zone of its own: the TZID parameter names it. */
static struct icaltimetype wall_time(int64_t secs, icaltimezone *zone)
{
    icaltimezone *utc = icaltimezone_get_utc_timezone();
    struct icaltimetype t = utc_time(secs);
    if (zone)
        icaltimezone_convert_time(&t, utc, zone);
    t.zone = NULL;
    return t;
}

/* The zone's offset from UTC at the Unix second secs, in seconds. */
static int64_t offset_at(int64_t secs, icaltimezone *zone)
{
    struct icaltimetype w = wall_time(secs, zone);
    struct tm tm = { .tm_year = w.year - 1900, .tm_mon = w.month - 1, .tm_mday = w.day,
                     .tm_hour = w.hour, .tm_min = w.minute, .tm_sec = w.second };
    return (int64_t)timegm(&tm) - secs;
}

/* Whether the wall time of the second secs in zone is also the wall time of
 * another second: the hour that repeats when the clocks go back. Readers
 * disagree on which of the two such a local time means (RFC 5545 3.3.5 says
 * the first, pytz takes the second), so it is written in UTC instead. The
 * offset is taken to change at most once in 12 hours. */
static bool ambiguous(int64_t secs, icaltimezone *zone)
{
    int64_t offset = offset_at(secs, zone);
    const int64_t near[] = { secs - 43200, secs + 43200 };
    for (int i = 0; i < 2; i++) {
        int64_t other = offset_at(near[i], zone);
        int64_t twin = secs + offset - other; /* the second of the same wall time at other */
        if (other != offset && offset_at(twin, zone) == other)
            return true;
    }
    return false;
}

static int64_t seconds(int64_t us)
{
    return us / US_PER_S; /* the checks keep us >= 0 */
}

/* The zone's VTIMEZONE, cut to the rules in force from start (UTC) on, with
 * TZID the IANA name; NULL when out of memory. */
static icalcomponent *zone_component(icaltimezone *zone, const char *name, int64_t start)
{
    /* libical's own copy, shared by every thread: this one is ours to change */
    icalcomponent *vtz = icalcomponent_new_clone(icaltimezone_get_component(zone));
    if (!vtz)
        return NULL;
    /* ms_compatible: an RRULE keeps the DTSTART where it began (libical's
     * form for Outlook) instead of one moved after the cut */
    icaltimezone_truncate_vtimezone(vtz, utc_time(start), icaltime_null_time(), 1);
    icalproperty *tzid = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
    if (!tzid) {
        tzid = icalproperty_new_tzid(name);
        if (!tzid) {
            icalcomponent_free(vtz);
            return NULL;
        }
        icalcomponent_add_property(vtz, tzid);
    } else {
        icalproperty_set_tzid(tzid, name);
    }
    return vtz;
}

/* ---- wording ---- */

typedef struct {
    const sd_ics_event_t *ev;
    bool zh;
    const char *what; /* "AI 电话面试", "Final interview" */
    struct icaltimetype start, end; /* wall times in the zone */
} words_t;

static const char *weekday(int dow, bool zh) /* 1 = Sunday (icaltime_day_of_week) */
{
    static const char *const zh_days[] = { "星期日", "星期一", "星期二", "星期三",
                                           "星期四", "星期五", "星期六" };
    static const char *const en_days[] = { "Sunday",   "Monday", "Tuesday", "Wednesday",
                                           "Thursday", "Friday", "Saturday" };
    int i = dow >= 1 && dow <= 7 ? dow - 1 : 0;
    return zh ? zh_days[i] : en_days[i];
}

static void put_date(FILE *f, struct icaltimetype t, bool zh)
{
    static const char *const months[] = { "January", "February", "March",     "April",
                                          "May",     "June",     "July",      "August",
                                          "September", "October", "November", "December" };
    const char *day = weekday(icaltime_day_of_week(t), zh);
    if (zh)
        fprintf(f, "%d年%d月%d日（%s）", t.year, t.month, t.day, day);
    else
        fprintf(f, "%s %d %s %d", day, t.day, months[(t.month - 1) % 12], t.year);
}

/* "2026年3月10日（星期二）10:00–10:30（Asia/Shanghai）" or
 * "Tuesday 10 March 2026, 10:00–10:30 (Asia/Shanghai)"; the end's date too
 * when it is another day. */
static void put_when(FILE *f, const words_t *w)
{
    bool same_day = w->start.year == w->end.year && w->start.month == w->end.month &&
                    w->start.day == w->end.day;
    put_date(f, w->start, w->zh);
    fprintf(f, w->zh ? "%02d:%02d" : ", %02d:%02d", w->start.hour, w->start.minute);
    fputs(same_day ? "–" : " – ", f);
    if (!same_day) {
        put_date(f, w->end, w->zh);
        fputs(w->zh ? "" : ", ", f);
    }
    fprintf(f, w->zh ? "%02d:%02d（%s）" : "%02d:%02d (%s)", w->end.hour, w->end.minute,
            w->ev->zone);
}

/* "AI 电话面试：产品经理（华星集团）", "AI phone interview: Product Manager
 * (Huaxing Group)"; "已取消：" / "Cancelled: " before a cancelled one. */
static void put_summary(FILE *f, const words_t *w)
{
    const sd_ics_event_t *ev = w->ev;
    if (ev->method == SD_ICS_CANCEL)
        fputs(w->zh ? "已取消：" : "Cancelled: ", f);
    fputs(w->what, f);
    if (given(ev->job_title))
        fprintf(f, w->zh ? "：%s" : ": %s", ev->job_title);
    fprintf(f, w->zh ? "（%s）" : " (%s)", ev->company_name);
}

/* LOCATION: the address, else the link, else the number, else (an AI call)
 * that the candidate is called; "" for a round with none. */
static void put_location(FILE *f, const words_t *w)
{
    const sd_ics_event_t *ev = w->ev;
    if (given(ev->address))
        fputs(ev->address, f);
    else if (given(ev->join_url))
        fputs(ev->join_url, f);
    else if (given(ev->dial_in))
        fprintf(f, w->zh ? "电话 %s" : "Phone %s", ev->dial_in);
    else if (ev->kind == SD_ICS_AI_CALL)
        fputs(w->zh ? "电话面试（我们将致电您）" : "Phone call (we will call you)", f);
}

static void put_description(FILE *f, const words_t *w)
{
    const sd_ics_event_t *ev = w->ev;
    bool cancel = ev->method == SD_ICS_CANCEL;
    if (cancel)
        fputs(w->zh ? "已取消：" : "Cancelled: ", f);
    fprintf(f, w->zh ? "%s %s" : "%s with %s", w->what, ev->company_name);
    if (given(ev->job_title))
        fprintf(f, w->zh ? "，应聘职位：%s" : ", for the position of %s", ev->job_title);
    fputs(w->zh ? "。\n" : ".\n", f);
    fputs(cancel ? (w->zh ? "原定时间：" : "Was: ") : (w->zh ? "时间：" : "Time: "), f);
    put_when(f, w);
    fputc('\n', f);
    if (!cancel) {
        if (given(ev->dial_in))
            fprintf(f, w->zh ? "电话：%s\n" : "Phone: %s\n", ev->dial_in);
        if (given(ev->join_url))
            fprintf(f, w->zh ? "链接：%s\n" : "Link: %s\n", ev->join_url);
        if (given(ev->address))
            fprintf(f, w->zh ? "地点：%s\n" : "Address: %s\n", ev->address);
        if (ev->kind == SD_ICS_AI_CALL && !given(ev->dial_in) && !given(ev->join_url) &&
            !given(ev->address))
            fputs(w->zh ? "届时我们将致电您。\n" : "We will call you at that time.\n", f);
        if (given(ev->manage_url))
            fprintf(f, w->zh ? "改期或取消：%s\n" : "Reschedule or cancel: %s\n",
                    ev->manage_url);
    }
    if (given(ev->note))
        fprintf(f, "\n%s\n", ev->note);
}

/* The text put() writes, in a new buffer (the caller frees); NULL when out
 * of memory. */
static char *compose(void (*put)(FILE *, const words_t *), const words_t *w)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    put(f, w);
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0 || failed) {
        free(buf);
        return NULL;
    }
    /* DESCRIPTION ends with its last line, not an empty one */
    while (len > 0 && buf[len - 1] == '\n')
        buf[--len] = '\0';
    return buf;
}

/* ---- the calendar ---- */

/* libical's free functions report NULL as an error (icalerrno): these
 * accept it, as every destructor here does. */
static void drop_component(icalcomponent *c)
{
    if (c)
        icalcomponent_free(c);
}

static void drop_property(icalproperty *p)
{
    if (p)
        icalproperty_free(p);
}

/* Adds prop to comp; false (and nothing added) when prop is NULL, which is
 * how libical reports that it ran out of memory. */
static bool add(icalcomponent *comp, icalproperty *prop)
{
    if (!prop)
        return false;
    icalcomponent_add_property(comp, prop);
    return true;
}

static bool add_param(icalproperty *prop, icalparameter *param)
{
    if (!prop || !param) {
        if (param)
            icalparameter_free(param);
        return false;
    }
    icalproperty_add_parameter(prop, param);
    return true;
}

/* A text property with its LANGUAGE; text NULL (out of memory) is false. */
static bool add_text(icalcomponent *comp, icalproperty *(*make)(const char *), char *text,
                     const char *lang)
{
    icalproperty *prop = text ? make(text) : NULL;
    free(text);
    if (!prop)
        return false;
    if (!add_param(prop, icalparameter_new_language(lang))) {
        icalproperty_free(prop);
        return false;
    }
    icalcomponent_add_property(comp, prop);
    return true;
}

/* DTSTART or DTEND of the second secs: the wall time in zone with TZID, or
 * UTC when the zone is (zone NULL) or the wall time happens twice. */
static bool add_time(icalcomponent *comp, icalproperty *(*make)(struct icaltimetype),
                     int64_t secs, icaltimezone *zone, const char *tzid)
{
    if (zone && ambiguous(secs, zone))
        zone = NULL;
    struct icaltimetype wall = zone ? wall_time(secs, zone) : utc_time(secs);
    if (!zone)
        tzid = NULL;
    icalproperty *prop = make(wall);
    if (!prop)
        return false;
    if (tzid && !add_param(prop, icalparameter_new_tzid(tzid))) {
        icalproperty_free(prop);
        return false;
    }
    icalcomponent_add_property(comp, prop);
    return true;
}

static char *mailto(const char *email)
{
    size_t n = strlen(email);
    char *uri = malloc(n + 8);
    if (uri) {
        memcpy(uri, "mailto:", 7);
        memcpy(uri + 7, email, n + 1);
    }
    return uri;
}

/* ORGANIZER or ATTENDEE: mailto:email with CN name (when given). */
static icalproperty *address_property(icalproperty *(*make)(const char *), const char *email,
                                      const char *name)
{
    char *uri = mailto(email);
    icalproperty *prop = uri ? make(uri) : NULL;
    free(uri);
    if (prop && given(name) && !add_param(prop, icalparameter_new_cn(name))) {
        icalproperty_free(prop);
        return NULL;
    }
    return prop;
}

static bool add_attendee(icalcomponent *vevent, const sd_ics_event_t *ev)
{
    icalproperty *att =
        address_property(icalproperty_new_attendee, ev->attendee_email, ev->attendee_name);
    /* replies would reach a sender address nobody reads: the candidate
     * reschedules or cancels through the link instead */
    bool ok = att && add_param(att, icalparameter_new_cutype(ICAL_CUTYPE_INDIVIDUAL)) &&
              add_param(att, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT)) &&
              add_param(att, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION)) &&
              add_param(att, icalparameter_new_rsvp(ICAL_RSVP_FALSE));
    if (!ok) {
        drop_property(att);
        return false;
    }
    icalcomponent_add_property(vevent, att);
    return true;
}

static bool add_alarm(icalcomponent *vevent, const words_t *w)
{
    icalcomponent *alarm = icalcomponent_new_valarm();
    struct icaltriggertype trigger = icaltriggertype_from_int(-(int)w->ev->alarm_minutes * 60);
    bool ok = alarm && add(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY)) &&
              add(alarm, icalproperty_new_trigger(trigger)) &&
              add_text(alarm, icalproperty_new_description, compose(put_summary, w),
                       w->zh ? "zh-CN" : "en");
    if (!ok) {
        drop_component(alarm);
        return false;
    }
    icalcomponent_add_component(vevent, alarm);
    return true;
}

static char *make_uid(const sd_ics_event_t *ev)
{
    size_t n = strlen(ev->interview_id) + strlen(ev->uid_domain) + 2;
    char *uid = malloc(n);
    if (uid)
        snprintf(uid, n, "%s@%s", ev->interview_id, ev->uid_domain);
    return uid;
}

static bool fill_event(icalcomponent *vevent, const words_t *w, icaltimezone *zone)
{
    const sd_ics_event_t *ev = w->ev;
    const char *lang = w->zh ? "zh-CN" : "en";
    char *uid = make_uid(ev);
    bool ok = uid && add(vevent, icalproperty_new_uid(uid));
    free(uid);
    ok = ok && add(vevent, icalproperty_new_sequence((int)ev->sequence)) &&
         add(vevent, icalproperty_new_dtstamp(utc_time(seconds(ev->now_us)))) &&
         add_time(vevent, icalproperty_new_dtstart, seconds(ev->start_us), zone, ev->zone) &&
         add_time(vevent, icalproperty_new_dtend, seconds(ev->end_us), zone, ev->zone) &&
         add(vevent, icalproperty_new_status(ev->method == SD_ICS_CANCEL
                                                 ? ICAL_STATUS_CANCELLED
                                                 : ICAL_STATUS_CONFIRMED)) &&
         add(vevent, icalproperty_new_transp(ICAL_TRANSP_OPAQUE)) &&
         add_text(vevent, icalproperty_new_summary, compose(put_summary, w), lang) &&
         add_text(vevent, icalproperty_new_description, compose(put_description, w), lang) &&
         add(vevent, address_property(icalproperty_new_organizer, ev->organizer_email,
                                      ev->company_name));
    if (ok) {
        char *location = compose(put_location, w);
        if (location && !*location)
            free(location); /* a round with no place */
        else
            ok = add_text(vevent, icalproperty_new_location, location, lang);
    }
    if (ok && given(ev->join_url))
        ok = add(vevent, icalproperty_new_url(ev->join_url));
    if (ok && ev->method != SD_ICS_PUBLISH && given(ev->attendee_email))
        ok = add_attendee(vevent, ev);
    if (ok && ev->alarm_minutes > 0 && ev->method != SD_ICS_CANCEL)
        ok = add_alarm(vevent, w);
    return ok;
}

static icalproperty_method ical_method(sd_ics_method_t m)
{
    return m == SD_ICS_CANCEL ? ICAL_METHOD_CANCEL
           : m == SD_ICS_PUBLISH ? ICAL_METHOD_PUBLISH
                                 : ICAL_METHOD_REQUEST;
}

/* The VCALENDAR of ev in zone (NULL: UTC); NULL when out of memory. */
static icalcomponent *build(const sd_ics_event_t *ev, icaltimezone *zone)
{
    words_t w = {
        .ev = ev,
        .zh = ev->lang == SD_ICS_ZH_CN,
        .start = wall_time(seconds(ev->start_us), zone),
        .end = wall_time(seconds(ev->end_us), zone),
    };
    if (given(ev->round_name) && ev->kind == SD_ICS_ROUND)
        w.what = ev->round_name;
    else if (ev->kind == SD_ICS_AI_CALL)
        w.what = w.zh ? "AI 电话面试" : "AI phone interview";
    else
        w.what = w.zh ? "面试" : "Interview";

    icalcomponent *cal = icalcomponent_new_vcalendar();
    icalcomponent *vevent = icalcomponent_new_vevent();
    icalcomponent *vtz = zone ? zone_component(zone, ev->zone, seconds(ev->start_us)) : NULL;
    bool ok = cal && vevent && (!zone || vtz) &&
              add(cal, icalproperty_new_prodid("-//hrflow//scheduling//EN")) &&
              add(cal, icalproperty_new_version("2.0")) &&
              add(cal, icalproperty_new_calscale("GREGORIAN")) &&
              add(cal, icalproperty_new_method(ical_method(ev->method))) &&
              fill_event(vevent, &w, zone);
    if (!ok) {
        drop_component(vtz);
        drop_component(vevent);
        drop_component(cal);
        return NULL;
    }
    if (vtz)
        icalcomponent_add_component(cal, vtz);
    icalcomponent_add_component(cal, vevent);
    return cal;
}

int sd_ics_write(const sd_ics_event_t *ev, char **out, size_t *len, sd_ics_problem_t *problem)
{
    *out = NULL;
    if (len)
        *len = 0;
    if (problem) {
        problem->field = NULL;
        problem->message[0] = '\0';
    }
    int rc = check_event(ev, problem);
    if (rc)
        return rc;
    icaltimezone *zone = find_zone(ev->zone);
    if (!zone)
        return fail(problem, SD_ICS_EZONE, "zone", "must be an IANA time zone name such as "
                                                   "Asia/Shanghai");
    if (zone == icaltimezone_get_utc_timezone())
        zone = NULL;
    icalcomponent *cal = build(ev, zone);
    char *text = cal ? icalcomponent_as_ical_string_r(cal) : NULL;
    drop_component(cal);
    if (!text)
        return SD_ICS_ENOMEM;
    /* copied, so that the caller's free() is the C library's whatever
     * allocator libical was built with */
    size_t n = strlen(text);
    *out = malloc(n + 1);
    if (*out)
        memcpy(*out, text, n + 1);
    icalmemory_free_buffer(text);
    if (!*out)
        return SD_ICS_ENOMEM;
    if (len)
        *len = n;
    return SD_ICS_OK;
}

const char *sd_ics_method_name(sd_ics_method_t method)
{
    switch (method) {
    case SD_ICS_REQUEST: return "REQUEST";
    case SD_ICS_CANCEL: return "CANCEL";
    case SD_ICS_PUBLISH: return "PUBLISH";
    }
    return "";
}

const char *sd_ics_strerror(int code)
{
    switch (code) {
    case SD_ICS_OK: return "success";
    case SD_ICS_ENOMEM: return "out of memory";
    case SD_ICS_EZONE: return "unknown time zone";
    case SD_ICS_EINVAL: return "invalid invitation field";
    }
    return "unknown error";
}
