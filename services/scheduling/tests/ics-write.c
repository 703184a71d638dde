/* services/scheduling/tests/ics-write.c - one invitation from the command line, for the parse test
 *
 *     ics-write OUT.ics key=value...
 *
 * Keys are the members of sd_ics_event_t; method is request, cancel or
 * publish, lang zh-CN or en, kind ai or round, times are Unix microseconds.
 * Writes the file and exits 0, or prints "<code> <field>: <message>" and
 * exits 1. tests/scheduling/test_ics.py parses what it writes with
 * python3-icalendar.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ics.h"

static int number(const char *key, const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) {
        fprintf(stderr, "ics-write: %s: not a number\n", key);
        return -1;
    }
    *out = v;
    return 0;
}

static int choice(const char *key, const char *s, const char *const *names, int n, int *out)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return 0;
        }
    fprintf(stderr, "ics-write: %s: unknown value\n", key);
    return -1;
}

typedef struct {
    const char *key;
    size_t offset; /* of the member in sd_ics_event_t */
} field_t;

static int set(sd_ics_event_t *ev, const char *key, const char *value)
{
    static const char *const methods[] = { "request", "cancel", "publish" };
    static const char *const langs[] = { "zh-CN", "en" };
    static const char *const kinds[] = { "ai", "round" };
#define F(m) { #m, offsetof(sd_ics_event_t, m) }
    static const field_t strings[] = {
        F(interview_id), F(uid_domain), F(zone), F(company_name), F(organizer_email),
        F(job_title), F(round_name), F(attendee_email), F(attendee_name), F(dial_in),
        F(join_url), F(address), F(manage_url), F(note),
    };
    static const field_t numbers[] = {
        F(sequence), F(start_us), F(end_us), F(now_us), F(alarm_minutes),
    };
#undef F
    int c;
    if (strcmp(key, "method") == 0)
        return choice(key, value, methods, 3, &c) ? -1 : (ev->method = (sd_ics_method_t)c, 0);
    if (strcmp(key, "lang") == 0)
        return choice(key, value, langs, 2, &c) ? -1 : (ev->lang = (sd_ics_lang_t)c, 0);
    if (strcmp(key, "kind") == 0)
        return choice(key, value, kinds, 2, &c) ? -1 : (ev->kind = (sd_ics_kind_t)c, 0);
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (strcmp(key, strings[i].key) == 0) {
            *(const char **)((char *)ev + strings[i].offset) = value;
            return 0;
        }
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        if (strcmp(key, numbers[i].key) == 0)
            return number(key, value, (int64_t *)((char *)ev + numbers[i].offset));
    fprintf(stderr, "ics-write: unknown key %s\n", key);
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ics-write OUT.ics key=value...\n");
        return 2;
    }
    sd_ics_event_t ev = { 0 };
    for (int i = 2; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "ics-write: want key=value\n");
            return 2;
        }
        *eq = '\0';
        if (set(&ev, argv[i], eq + 1) != 0)
            return 2;
    }
    char *text;
    size_t len;
    sd_ics_problem_t problem;
    int rc = sd_ics_write(&ev, &text, &len, &problem);
    if (rc != SD_ICS_OK) {
        printf("%s %s: %s\n", sd_ics_strerror(rc), problem.field ? problem.field : "-",
               problem.message);
        return 1;
    }
    FILE *f = fopen(argv[1], "wb");
    int ok = f && fwrite(text, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    free(text);
    if (!ok) {
        fprintf(stderr, "ics-write: could not write %s\n", argv[1]);
        return 1;
    }
    return 0;
}
