/* common/src/trace.c - W3C traceparent: parse, start a trace, start a span
 *
 * The gateway checks the header a client sends, the bus client makes each
 * call a span of the request's trace, and the log names the trace and span
 * of the request a thread is handling: all three go through this file so
 * they agree on what a valid traceparent is.
 */
#include "hf/trace.h"
#include "hf/bus.h"
#include "hf/crypto.h"
#include "hf/encoding.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Random bytes from hf_random_bytes (hf/crypto.h: the kernel's, from a
 * per-thread pool); were it ever to fail, ids fall back to time-seeded
 * bytes: an id must be unlikely to repeat, not unpredictable. */
static void random_bytes(unsigned char *out, size_t n)
{
    if (hf_random_bytes(out, n) == 0)
        return;
    struct timespec ts; /* never expected on Linux >= 3.17 */
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
                 (uint64_t)(uintptr_t)out;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        out[i] = (unsigned char)x;
    }
}

/* Here rather than with the bus's sockets: trace and span ids are its main
 * use, and the log (log.c → trace.c) must not need ZeroMQ. */
void hf_random_hex(char *out, size_t nbytes)
{
    unsigned char buf[64];
    if (nbytes > sizeof(buf))
        nbytes = sizeof(buf);
    random_bytes(buf, nbytes);
    hf_hex_encode(out, buf, nbytes);
}

/* Copy n lowercase hex digits at s into out (n + 1 bytes, NUL-terminated).
 * Returns 1 when they are hex and not all zero, 0 when all zero, -1 when
 * not hex. */
static int hex_field(const char *s, size_t n, char *out)
{
    int nonzero = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
        nonzero |= c != '0';
    }
    memcpy(out, s, n);
    out[n] = '\0';
    return nonzero;
}

int hf_traceparent_parse(const char *s, hf_traceparent_t *out)
{
    size_t len = s ? strnlen(s, HF_TRACEPARENT_LEN + 1) : 0;
    if (len < HF_TRACEPARENT_LEN || s[2] != '-' || s[35] != '-' || s[52] != '-')
        return -EINVAL;
    char version[3], flags[3];
    hf_traceparent_t tp;
    if (hex_field(s, 2, version) < 0 || strcmp(version, "ff") == 0)
        return -EINVAL;
    /* version 00 has exactly four fields; a later one may add more after a dash */
    if (len > HF_TRACEPARENT_LEN && (strcmp(version, "00") == 0 || s[HF_TRACEPARENT_LEN] != '-'))
        return -EINVAL;
    if (hex_field(s + 3, 32, tp.trace_id) <= 0 || hex_field(s + 36, 16, tp.span_id) <= 0 ||
        hex_field(s + 53, 2, flags) < 0)
        return -EINVAL;
    tp.flags = (unsigned char)strtoul(flags, NULL, 16);
    if (out)
        *out = tp;
    return 0;
}

/* 16 random hex digits, not all zero. */
static void new_span_id(char out[17])
{
    do
        hf_random_hex(out, 8);
    while (strspn(out, "0") == 16);
}

void hf_traceparent_new(char *out)
{
    char trace[33], span[17];
    do
        hf_random_hex(trace, 16);
    while (strspn(trace, "0") == 32);
    new_span_id(span);
    snprintf(out, HF_TRACEPARENT_LEN + 1, "00-%s-%s-01", trace, span);
}

void hf_traceparent_child(const char *parent, char *out)
{
    hf_traceparent_t tp;
    if (hf_traceparent_parse(parent, &tp) < 0) {
        hf_traceparent_new(out);
        return;
    }
    char span[17];
    new_span_id(span);
    snprintf(out, HF_TRACEPARENT_LEN + 1, "00-%s-%s-%02x", tp.trace_id, span, tp.flags);
}
