/* services/notify/template_vars.c - the variables of templates, which event has which,
 * and times written in the candidate's zone and locale
 *
 * One table (nt_vars) names every variable; per event two bit sets say
 * which it has and which are always present (the sender supplies those or
 * sends nothing). docs/notify.md "Templates" shows the same table to users;
 * test-template.c checks the two agree by name. Times go through ICU's
 * date formatter with a fixed pattern per locale, so they read the same on
 * every machine: "2026年12月4日 14:00", "4 December 2026, 14:00".
 */
#include "template.h"

#include <string.h>
#include <strings.h>
#include <unicode/ucal.h>
#include <unicode/udat.h>
#include <unicode/ustring.h>

const char *const nt_locales[NT_LOCALES] = { "zh-CN", "en" };

static const char *const event_names[NT_EV_COUNT] = {
    "invitation", "reminder", "reschedule", "cancellation", "thank_you", "offer",
};
static const char *const channel_names[NT_CH_COUNT] = { "email", "sms" };
static const char *const category_names[] = { "transactional", "marketing" };

const char *nt_event_name(nt_event_t ev)
{
    return ev < NT_EV_COUNT ? event_names[ev] : "";
}
const char *nt_channel_name(nt_channel_t ch)
{
    return ch < NT_CH_COUNT ? channel_names[ch] : "";
}
const char *nt_category_name(nt_category_t cat)
{
    return cat <= NT_CAT_MARKETING ? category_names[cat] : "";
}

static int index_of(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (!strcmp(names[i], name))
            return i;
    return -1;
}

int nt_event_of(const char *name)
{
    return index_of(event_names, NT_EV_COUNT, name);
}
int nt_channel_of(const char *name)
{
    return index_of(channel_names, NT_CH_COUNT, name);
}
int nt_category_of(const char *name)
{
    return index_of(category_names, 2, name);
}

int nt_locale_of(const char *name)
{
    if (!name)
        return -1;
    size_t lang = strcspn(name, "-_");
    if (lang == 2 && !strncasecmp(name, "zh", 2))
        return 0;
    if (lang == 2 && !strncasecmp(name, "en", 2))
        return 1;
    return -1;
}

/* ---- the variables ---- */

const nt_var_info_t nt_vars[NT_VAR_COUNT] = {
    [NT_VAR_CANDIDATE_NAME] = { "candidate_name", "the candidate's name", "张伟", "Alex Chen" },
    [NT_VAR_JOB_TITLE] = { "job_title", "the job's title", "数据分析师", "Data Analyst" },
    [NT_VAR_COMPANY_NAME] = { "company_name", "the hiring company's name", "星河科技",
                              "Galaxy Tech" },
    [NT_VAR_SENDER_NAME] = { "sender_name", "who signs: the company's or the tenant's name",
                             "星河科技招聘团队", "Galaxy Tech Recruiting" },
    [NT_VAR_INTERVIEW_TIME] = { "interview_time",
                                "the interview's date and time, the candidate's zone and locale",
                                "2026年12月4日 14:00", "4 December 2026, 14:00" },
    [NT_VAR_INTERVIEW_DATE] = { "interview_date", "the interview's date", "2026年12月4日",
                                "4 December 2026" },
    [NT_VAR_INTERVIEW_CLOCK] = { "interview_clock", "the interview's time of day", "14:00",
                                 "14:00" },
    [NT_VAR_INTERVIEW_WHEN] = { "interview_when",
                                "today or tomorrow and the time when so, else the date and time",
                                "明天14:00", "tomorrow at 14:00" },
    [NT_VAR_PREVIOUS_TIME] = { "previous_time", "a rescheduled interview's former date and time",
                               "2026年12月3日 10:00", "3 December 2026, 10:00" },
    [NT_VAR_BOOKING_LINK] = { "booking_link",
                              "the candidate's link to book, move or cancel the interview",
                              "https://hr.example.com/book/3f2a…",
                              "https://hr.example.com/book/3f2a…" },
    [NT_VAR_BOOKING_DEADLINE] = { "booking_deadline", "until when the booking link works",
                                  "2026年12月10日 23:59", "10 December 2026, 23:59" },
    [NT_VAR_STATUS_LINK] = { "status_link", "the candidate's status page",
                             "https://hr.example.com/status/9b1c…",
                             "https://hr.example.com/status/9b1c…" },
    [NT_VAR_REASON] = { "reason", "the reason given (a cancellation, a reschedule, a decision)",
                        "面试官临时有事", "the interviewer is unavailable" },
    [NT_VAR_START_DATE] = { "start_date", "an offer's first working day", "2027年1月4日",
                            "4 January 2027" },
    [NT_VAR_UNSUBSCRIBE_LINK] = { "unsubscribe_link", "the one-click unsubscribe link",
                                  "https://hr.example.com/unsubscribe/5d0e…",
                                  "https://hr.example.com/unsubscribe/5d0e…" },
};

int nt_var_of(const char *name, size_t len)
{
    for (int v = 0; v < NT_VAR_COUNT; v++)
        if (strlen(nt_vars[v].name) == len && !memcmp(nt_vars[v].name, name, len))
            return v;
    return -1;
}

#define B(v) (1u << NT_VAR_##v)
/* every event: who, for what, from whom; links that may be absent */
#define COMMON_REQ (B(CANDIDATE_NAME) | B(JOB_TITLE) | B(COMPANY_NAME) | B(SENDER_NAME))
#define COMMON_OPT (B(STATUS_LINK) | B(UNSUBSCRIBE_LINK))
#define TIMES (B(INTERVIEW_TIME) | B(INTERVIEW_DATE) | B(INTERVIEW_CLOCK) | B(INTERVIEW_WHEN))

static const struct {
    uint32_t required, optional;
} event_vars[NT_EV_COUNT] = {
    /* invited before a slot is booked: the time only once one is */
    [NT_EV_INVITATION] = { COMMON_REQ | B(BOOKING_LINK), TIMES | B(BOOKING_DEADLINE) },
    [NT_EV_REMINDER] = { COMMON_REQ | TIMES, B(BOOKING_LINK) },
    [NT_EV_RESCHEDULE] = { COMMON_REQ | TIMES | B(PREVIOUS_TIME), B(BOOKING_LINK) | B(REASON) },
    [NT_EV_CANCELLATION] = { COMMON_REQ | TIMES, B(BOOKING_LINK) | B(REASON) },
    [NT_EV_THANK_YOU] = { COMMON_REQ, B(REASON) },
    [NT_EV_OFFER] = { COMMON_REQ, B(START_DATE) },
};

uint32_t nt_event_allowed(nt_event_t ev)
{
    return ev < NT_EV_COUNT ? event_vars[ev].required | event_vars[ev].optional | COMMON_OPT : 0;
}

uint32_t nt_event_required(nt_event_t ev)
{
    return ev < NT_EV_COUNT ? event_vars[ev].required : 0;
}

nt_category_t nt_event_category(nt_event_t ev)
{
    (void)ev; /* every letter of the six is part of an application in progress */
    return NT_CAT_TRANSACTIONAL;
}

void nt_values_sample(nt_event_t ev, int locale, nt_values_t *out)
{
    uint32_t allowed = nt_event_allowed(ev);
    for (int v = 0; v < NT_VAR_COUNT; v++)
        out->v[v] = !(allowed & (1u << v)) ? NULL
                    : locale == 0          ? nt_vars[v].sample_zh
                                           : nt_vars[v].sample_en;
}

int nt_values_missing(nt_event_t ev, const nt_values_t *vals)
{
    uint32_t req = nt_event_required(ev);
    for (int v = 0; v < NT_VAR_COUNT; v++)
        if ((req & (1u << v)) && !(vals->v[v] && *vals->v[v]))
            return v;
    return -1;
}

/* ---- times ---- */

static const char *const patterns[NT_LOCALES][6] = {
    /* full, date, clock, today, tomorrow; ICU locale */
    { "y年M月d日 HH:mm", "y年M月d日", "HH:mm", "'今天'HH:mm", "'明天'HH:mm", "zh_CN" },
    { "d MMMM y, HH:mm", "d MMMM y", "HH:mm", "'today at' HH:mm", "'tomorrow at' HH:mm", "en_GB" },
};

/* when formatted with pattern in zone tz, into out (UTF-8). */
static int format(const char *pattern, const char *locale, const UChar *tz, int32_t tzlen,
                  UDate when, char *out, size_t cap)
{
    UErrorCode e = U_ZERO_ERROR;
    UChar upat[64], buf[128];
    u_strFromUTF8(upat, 64, NULL, pattern, -1, &e);
    UDateFormat *f = udat_open(UDAT_PATTERN, UDAT_PATTERN, locale, tz, tzlen, upat, -1, &e);
    int32_t n = U_SUCCESS(e) ? udat_format(f, when, buf, 128, NULL, &e) : 0;
    if (f)
        udat_close(f);
    int32_t got = 0;
    if (U_SUCCESS(e))
        u_strToUTF8(out, (int32_t)cap, &got, buf, n, &e);
    if (U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING || (size_t)got >= cap) {
        if (cap)
            *out = '\0';
        return -1;
    }
    return 0;
}

/* The calendar day of t in tz, days later (0 or 1), as y*10000+m*100+d; -1 on failure. */
static int32_t day_of(const UChar *tz, int32_t tzlen, UDate t, int days)
{
    UErrorCode e = U_ZERO_ERROR;
    UCalendar *c = ucal_open(tz, tzlen, "en_GB", UCAL_GREGORIAN, &e);
    if (U_FAILURE(e))
        return -1;
    ucal_setMillis(c, t, &e);
    if (days)
        ucal_add(c, UCAL_DATE, days, &e);
    int32_t d = ucal_get(c, UCAL_YEAR, &e) * 10000 + (ucal_get(c, UCAL_MONTH, &e) + 1) * 100 +
                ucal_get(c, UCAL_DATE, &e);
    ucal_close(c);
    return U_SUCCESS(e) ? d : -1;
}

int nt_format_time(int locale, const char *tz, int64_t when, int64_t now, nt_time_form_t form,
                   char *out, size_t cap)
{
    if (locale < 0 || locale >= NT_LOCALES) {
        if (cap)
            *out = '\0';
        return -1;
    }
    UErrorCode e = U_ZERO_ERROR;
    UChar utz[64];
    int32_t tzlen = 0;
    u_strFromUTF8(utz, 64, &tzlen, tz && *tz ? tz : "Asia/Shanghai", -1, &e);
    /* an unknown zone is GMT to ICU: refuse it instead */
    UChar canon[64];
    UBool system = 0;
    if (U_SUCCESS(e))
        ucal_getCanonicalTimeZoneID(utz, tzlen, canon, 64, &system, &e);
    if (U_FAILURE(e) || !system) {
        if (cap)
            *out = '\0';
        return -1;
    }
    UDate t = (UDate)when * 1000.0;
    int p = form == NT_TIME_DATE ? 1 : form == NT_TIME_CLOCK ? 2 : 0;
    if (form == NT_TIME_WHEN) {
        int32_t day = day_of(utz, tzlen, t, 0);
        if (day < 0)
            return -1;
        if (day == day_of(utz, tzlen, (UDate)now * 1000.0, 0))
            p = 3;
        else if (day == day_of(utz, tzlen, (UDate)now * 1000.0, 1))
            p = 4;
    }
    return format(patterns[locale][p], patterns[locale][5], utz, tzlen, t, out, cap);
}

int nt_values_times(nt_values_t *vals, nt_time_text_t buf[5], int locale, const char *tz,
                    int64_t when, int64_t previous, int64_t now)
{
    static const struct {
        nt_var_t var;
        nt_time_form_t form;
    } forms[4] = { { NT_VAR_INTERVIEW_TIME, NT_TIME_FULL },
                   { NT_VAR_INTERVIEW_DATE, NT_TIME_DATE },
                   { NT_VAR_INTERVIEW_CLOCK, NT_TIME_CLOCK },
                   { NT_VAR_INTERVIEW_WHEN, NT_TIME_WHEN } };
    nt_time_text_t text[5];
    for (int i = 0; i < 4; i++)
        if (nt_format_time(locale, tz, when, now, forms[i].form, text[i], sizeof(text[i])) < 0)
            return -1;
    if (previous > 0 &&
        nt_format_time(locale, tz, previous, now, NT_TIME_FULL, text[4], sizeof(text[4])) < 0)
        return -1;
    memcpy(buf, text, sizeof(text)); /* buf and vals change only on success */
    for (int i = 0; i < 4; i++)
        vals->v[forms[i].var] = buf[i];
    if (previous > 0)
        vals->v[NT_VAR_PREVIOUS_TIME] = buf[4];
    return 0;
}
