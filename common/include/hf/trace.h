/* hf/trace.h - W3C trace context: the traceparent every request carries
 *
 * A traceparent "00-<trace id: 32 hex>-<span id: 16 hex>-<flags: 2 hex>"
 * (https://www.w3.org/TR/trace-context/) names a trace and the span that
 * sent the request. Each hop is a span of its own: the gateway handling an
 * HTTP request, and each bus call it or a service makes, keep the trace id
 * and flags of their parent and take a new span id (hf_traceparent_child).
 * So every log line of one HTTP request shares its trace_id, and its span_id
 * says which hop wrote it.
 */
#ifndef HF_TRACE_H
#define HF_TRACE_H

/* The text form's length; buffers for it are HF_TRACEPARENT_LEN + 1 bytes. */
#define HF_TRACEPARENT_LEN 55

/* A parsed traceparent. */
typedef struct {
    char trace_id[33];   /* 32 lowercase hex digits, not all zero */
    char span_id[17];    /* 16 lowercase hex digits, not all zero */
    unsigned char flags; /* bit 0: sampled */
} hf_traceparent_t;

/* Parse s as the W3C traceparent header does: version 00 is exactly 55
 * characters; a later version (not ff) may be longer, and its first four
 * fields are read. Hex digits are lowercase. Returns 0 and fills *out, or
 * -EINVAL (s NULL or malformed; *out is then unspecified). out may be NULL
 * to only check s. */
int hf_traceparent_parse(const char *s, hf_traceparent_t *out);

/* A new trace: "00-<random trace id>-<random span id>-01" in out
 * (HF_TRACEPARENT_LEN + 1 bytes). */
void hf_traceparent_new(char *out);

/* The traceparent of a new span below parent: parent's trace id and flags,
 * a new random span id, in out (HF_TRACEPARENT_LEN + 1 bytes). When parent
 * is NULL or malformed, a new trace (hf_traceparent_new), as the W3C
 * specification asks of a receiver of an invalid header. out and parent may
 * be the same buffer. */
void hf_traceparent_child(const char *parent, char *out);

#endif
