/* common/src/codec_wkt.c - Timestamp and Date, the messages that are strings in JSON
 *
 * hrflow.v1.Timestamp is RFC 3339 ("2026-11-26T02:30:00Z", any offset on
 * the way in, UTC on the way out) and hrflow.v1.Date is "YYYY-MM-DD", both
 * limited to years 0001-9999 like RFC 3339 itself. The calendar is the
 * proleptic Gregorian one, with H. Hinnant's day-count algorithms, so no
 * time zone database or libc time function is involved. A value that has no
 * string form (out of range, a date that is no day) encodes as null.
 */
#include "codec_private.h"
#include "hf_private.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- calendar: hf_private.h (calendar.c) ---- */

/* ---- decoding ---- */

/* Exactly n digits at s into *out (stops at the NUL of a short string). */
static bool digits(const char *s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *out = *out * 10 + (s[i] - '0');
    }
    return true;
}

/* "YYYY-MM-DD" at s, a real day of years 0001-9999. */
static bool parse_date(const char *s, int *y, int *m, int *dd)
{
    return digits(s, 4, y) && s[4] == '-' && digits(s + 5, 2, m) && s[7] == '-' &&
           digits(s + 8, 2, dd) && *y >= 1 && *m >= 1 && *m <= 12 && *dd >= 1 &&
           (unsigned)*dd <= hf_month_days(*y, (unsigned)*m);
}

/* "HH:MM:SS" and an optional ".fraction" of 1-9 digits; the rest of s, or NULL. */
static const char *parse_time(const char *s, int *secs, int32_t *nanos)
{
    int h, mi, se, nd = 0;
    if (!digits(s, 2, &h) || s[2] != ':' || !digits(s + 3, 2, &mi) || s[5] != ':' ||
        !digits(s + 6, 2, &se) || h > 23 || mi > 59 || se > 59)
        return NULL;
    *secs = h * 3600 + mi * 60 + se;
    *nanos = 0;
    s += 8;
    if (*s != '.')
        return s;
    for (s++; *s >= '0' && *s <= '9'; s++, nd++)
        if (nd < 9)
            *nanos = *nanos * 10 + (*s - '0');
    if (nd == 0 || nd > 9)
        return NULL;
    for (; nd < 9; nd++)
        *nanos *= 10;
    return s;
}

/* "Z" or "+HH:MM" / "-HH:MM" ending s: the offset east of UTC in seconds. */
static bool parse_offset(const char *s, int *offset)
{
    int h, m;
    *offset = 0;
    if ((s[0] == 'Z' || s[0] == 'z') && !s[1])
        return true;
    if ((s[0] != '+' && s[0] != '-') || !digits(s + 1, 2, &h) || s[3] != ':' ||
        !digits(s + 4, 2, &m) || s[6] || h > 23 || m > 59)
        return false;
    *offset = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return true;
}

/* RFC 3339: 0, -1 if malformed, 1 if the instant is outside years 1-9999 UTC. */
static int parse_rfc3339(const char *s, int64_t *secs, int32_t *nanos)
{
    int y, m, dd, tod, offset;
    if (!parse_date(s, &y, &m, &dd) || (s[10] != 'T' && s[10] != 't'))
        return -1;
    const char *rest = parse_time(s + 11, &tod, nanos);
    if (!rest || !parse_offset(rest, &offset))
        return -1;
    *secs = hf_days_from_civil(y, (unsigned)m, (unsigned)dd) * 86400 + tod - offset;
    return *secs < TS_MIN || *secs > TS_MAX ? 1 : 0;
}

/* A Timestamp's or Date's integer field by name. */
static const ProtobufCFieldDescriptor *int_field(const ProtobufCMessageDescriptor *d,
                                                 const char *name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    assert(f && f->label != PROTOBUF_C_LABEL_REPEATED && f->type < PROTOBUF_C_TYPE_UINT32);
    return f;
}

static void set_int(ProtobufCMessage *m, const char *name, int64_t v)
{
    const ProtobufCFieldDescriptor *f = int_field(m->descriptor, name);
    if (codec_elt_size(f->type) == 8)
        *(int64_t *)MEMBER(m, f->offset) = v;
    else
        *(int32_t *)MEMBER(m, f->offset) = (int32_t)v;
}

static int64_t get_int(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *f = int_field(m->descriptor, name);
    if (codec_elt_size(f->type) == 8)
        return *(const int64_t *)CMEMBER(m, f->offset);
    return *(const int32_t *)CMEMBER(m, f->offset);
}

/* The string s as Timestamp (seconds, nanos) or Date (year, month, day). */
static int special_values(dec_t *d, kind_t kind, const char *s, size_t len, int64_t val[3])
{
    int32_t nanos;
    int y, m, dd, rc;
    if (kind == DATE) {
        if (len != 10 || !parse_date(s, &y, &m, &dd))
            return codec_add_error(d, "bad_format",
                             "invalid date \"%.40s\": expected YYYY-MM-DD, a real day", s);
        val[0] = y, val[1] = m, val[2] = dd;
        return 0;
    }
    if ((rc = parse_rfc3339(s, &val[0], &nanos)) < 0)
        return codec_add_error(d, "bad_format",
                         "invalid timestamp \"%.40s\": expected RFC 3339, as in "
                         "2026-11-26T10:30:00+08:00", s);
    if (rc > 0)
        return codec_add_error(d, "out_of_range", "timestamp \"%.40s\" is outside years 0001-9999 UTC",
                         s);
    val[1] = nanos;
    return 0;
}

static const char *const special_fields[][3] = {
    [TIMESTAMP] = { "seconds", "nanos", NULL },
    [DATE] = { "year", "month", "day" },
};

/* Timestamp and Date are strings in JSON (hf/codec.h). */
int codec_dec_special(dec_t *d, const ProtobufCMessageDescriptor *desc, kind_t kind,
                       const json_t *v, ProtobufCMessage **dst)
{
    size_t len;
    int64_t val[3];
    const char *s = codec_want_string(d, v, &len);
    if (!s || special_values(d, kind, s, len, val) < 0 || !(*dst = codec_new_message(d, desc)))
        return -1;
    for (int i = 0; i < 3 && special_fields[kind][i]; i++)
        set_int(*dst, special_fields[kind][i], val[i]);
    return 0;
}

/* ---- encoding ---- */

/* Out of range (or a Date that is no day) has no JSON form: null. */
json_t *codec_enc_timestamp(const ProtobufCMessage *m)
{
    int64_t s = get_int(m, "seconds"), ns = get_int(m, "nanos"), y;
    unsigned mo, d;
    char buf[64];
    if (s < TS_MIN || s > TS_MAX || ns < 0 || ns > 999999999)
        return json_null();
    int64_t days = (s - TS_MIN) / 86400 + TS_MIN / 86400, tod = s - days * 86400;
    hf_civil_from_days(days, &y, &mo, &d);
    int n = snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d", (int)y, mo, d,
                     (int)(tod / 3600), (int)(tod / 60 % 60), (int)(tod % 60));
    int digits = 9;
    for (; ns && digits > 3 && ns % 1000 == 0; digits -= 3)
        ns /= 1000; /* 0, 3, 6 or 9 fraction digits */
    if (ns)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, ".%0*d", digits, (int)ns);
    snprintf(buf + n, sizeof(buf) - (size_t)n, "Z");
    return json_string(buf);
}

json_t *codec_enc_date(const ProtobufCMessage *m)
{
    int64_t y = get_int(m, "year"), mo = get_int(m, "month"), d = get_int(m, "day");
    char buf[32];
    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
        (unsigned)d > hf_month_days(y, (unsigned)mo))
        return json_null();
    snprintf(buf, sizeof(buf), "%04d-%02d-%02d", (int)y, (int)mo, (int)d);
    return json_string(buf);
}

Hrflow__V1__Timestamp *hf_pb_timestamp_micros(ProtobufCAllocator *alloc, const char *micros)
{
    Hrflow__V1__Timestamp *t = alloc->alloc(alloc->allocator_data, sizeof(*t));
    if (!t)
        return NULL;
    hrflow__v1__timestamp__init(t);
    long long us = strtoll(micros, NULL, 10);
    t->seconds = us / 1000000;
    t->nanos = (int32_t)(us % 1000000) * 1000;
    return t;
}

