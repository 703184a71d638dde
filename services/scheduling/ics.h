/* services/scheduling/ics.h - calendar invitations (RFC 5545 / iTIP RFC 5546)
 *
 * Pure: one interview as a plain struct in, one VCALENDAR text out. No
 * database, no bus, no clock (DTSTAMP is the caller's "now"), no logging:
 * the candidate's address and name pass through here and are only formatted.
 * libical builds the calendar, so escaping (\, ; , and newlines in text),
 * RFC 6868 quoting of parameters, CRLF line ends and folding at 75 octets
 * without splitting a UTF-8 character are its, not ours.
 *
 * What one file says, and why:
 * - UID is "<interview id>@<domain>": the same for every version of one
 *   interview, so a calendar replaces the event on a reschedule and removes it
 *   on a cancel instead of adding a second one.
 * - SEQUENCE is the interview's revision, kept by the caller: 0 when first
 *   scheduled, one more on every reschedule and on the cancel (RFC 5546
 *   2.1.4: a calendar ignores a REQUEST or CANCEL whose SEQUENCE is lower
 *   than the one it holds).
 * - METHOD: REQUEST for the invitation mailed to the candidate (ORGANIZER the
 *   company at the configured sender, ATTENDEE the candidate); CANCEL with
 *   STATUS:CANCELLED when the interview is called off (with the ATTENDEE
 *   when mailed; a downloaded cancel, which a calendar matches by UID, has
 *   none, so it never holds the candidate's address either); PUBLISH for a file
 *   downloaded to import by hand, which carries no ATTENDEE (RFC 5546 3.2.1),
 *   so a downloaded file never holds the candidate's address.
 * - Times are written in the company's zone: DTSTART/DTEND with TZID set to
 *   the IANA name ("Asia/Shanghai") and a VTIMEZONE of that TZID from
 *   libical's zone database, cut to the rules in force from the interview on
 *   (Asia/Shanghai: one STANDARD of +0800; America/New_York: its DST rules).
 *   The zone "UTC" is written as UTC times (…Z) without a VTIMEZONE, and so
 *   is a time in the hour that repeats when the clocks go back (02:30 on
 *   Berlin's last Sunday of October happens twice, and readers disagree on
 *   which one a local time means).
 * - The dial-in number, the link (also the URL property) or the address is
 *   LOCATION and a line of DESCRIPTION; an AI call with none of them says
 *   that the candidate will be called. SUMMARY, DESCRIPTION and LOCATION are
 *   in Chinese (LANGUAGE=zh-CN) or English (LANGUAGE=en).
 * - An alarm (VALARM, DISPLAY) when asked, not on a CANCEL.
 *
 * Thread-safe as far as libical's zone cache is: the zones are loaded once
 * per process and kept (libical locks that cache).
 */
#ifndef SCHEDULING_ICS_H
#define SCHEDULING_ICS_H

#include <stddef.h>
#include <stdint.h>

/* The result of sd_ics_write: 0 or one of the negative codes. */
typedef enum {
    SD_ICS_OK = 0,
    SD_ICS_ENOMEM = -1, /* out of memory */
    SD_ICS_EZONE = -2,  /* the zone is not an IANA name libical knows */
    SD_ICS_EINVAL = -3, /* a field is missing or wrong: the problem says which */
} sd_ics_error_t;

typedef enum {
    SD_ICS_REQUEST, /* the invitation, to the candidate (also its reschedules) */
    SD_ICS_CANCEL,  /* the interview is cancelled: STATUS:CANCELLED */
    SD_ICS_PUBLISH, /* a download to import: no ATTENDEE */
} sd_ics_method_t;

typedef enum {
    SD_ICS_ZH_CN, /* 中文 (LANGUAGE=zh-CN) */
    SD_ICS_EN,    /* English (LANGUAGE=en) */
} sd_ics_lang_t;

typedef enum {
    SD_ICS_AI_CALL, /* the AI phone interview ("AI 电话面试", "AI phone interview") */
    SD_ICS_ROUND,   /* a round with people ("面试", "Interview", or round_name) */
} sd_ics_kind_t;

/* One interview. Strings are borrowed and NUL-terminated; NULL and "" are the
 * same (absent). Text fields are checked as every service checks what people
 * type (hf/text.h): one line of at most 200 characters for names and titles,
 * 500 for the address, free text of at most 2000 for the note. */
typedef struct {
    sd_ics_method_t method;
    sd_ics_lang_t lang;
    sd_ics_kind_t kind;
    const char *interview_id;    /* required: 1-64 of A-Z a-z 0-9 - _ . */
    const char *uid_domain;      /* required: a host name (the configured ICS domain) */
    int64_t sequence;            /* 0 .. 2^31-1: see above */
    int64_t start_us, end_us;    /* Unix time in microseconds (UTC), start < end;
                                  * written to the second (floored) */
    const char *zone;            /* required: IANA name of the company's zone */
    int64_t now_us;              /* DTSTAMP: when this version was written */
    const char *company_name;    /* required: the organizer's name, in SUMMARY */
    const char *organizer_email; /* required: the configured sender (mailto:) */
    const char *job_title;       /* optional */
    const char *round_name;      /* optional, SD_ICS_ROUND: "终面", "Final interview" */
    const char *attendee_email;  /* required for REQUEST; optional for CANCEL (a mailed
                                  * cancel names whom it uncalls, a downloaded one no
                                  * one); not written by PUBLISH */
    const char *attendee_name;   /* optional: ATTENDEE's CN */
    const char *dial_in;         /* optional: a number to call: 0-9 + ( ) - , # * and spaces */
    const char *join_url;        /* optional: http(s) link to join; also URL */
    const char *address;         /* optional: where an on-site round is */
    const char *manage_url;      /* optional: http(s) link to reschedule or cancel; it
                                  * opens the booking, so only in what the candidate gets */
    const char *note;            /* optional: added to DESCRIPTION as written */
    int64_t alarm_minutes;       /* 0: no alarm; 1 .. 10080: a reminder this long before */
} sd_ics_event_t;

/* What was wrong with the input: field names the member of sd_ics_event_t
 * ("zone", "end_us", "attendee_email"), message says why, lowercase, without
 * a final period. Neither ever holds the value that was given. */
typedef struct {
    const char *field; /* static; NULL when the failure is not about a field */
    char message[160];
} sd_ics_problem_t;

/* Writes ev as a VCALENDAR (UTF-8, CRLF line ends, folded) into a new
 * NUL-terminated buffer: *out is the caller's to free(), *len (when len is not
 * NULL) its length without the NUL. Returns SD_ICS_OK; or SD_ICS_EINVAL or
 * SD_ICS_EZONE with *problem filled (when problem is not NULL); or
 * SD_ICS_ENOMEM. On failure *out is NULL. */
int sd_ics_write(const sd_ics_event_t *ev, char **out, size_t *len, sd_ics_problem_t *problem);

/* "REQUEST", "CANCEL" or "PUBLISH": for the method parameter of the
 * text/calendar content type of a mail part or a download. */
const char *sd_ics_method_name(sd_ics_method_t method);

/* A short lowercase description of an sd_ics_error_t code. */
const char *sd_ics_strerror(int code);

#endif
