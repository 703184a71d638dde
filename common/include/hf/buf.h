/* hf/buf.h - a growing byte buffer for text written piece by piece
 *
 * What the JSON writer (codec_encode.c), the template renderer and the MIME
 * writer (services/notify) append to. The text is NUL-terminated after every
 * put; a put that cannot grow the buffer marks it failed and every later put
 * does nothing, so a writer checks once, at the end (hf_buf_take).
 */
#ifndef HF_BUF_H
#define HF_BUF_H

#include <stddef.h>
#include <string.h>

typedef struct hf_buf {
    char *p;       /* NULL until the first put */
    size_t len, cap;
    int failed;    /* out of memory: nothing more is appended */
} hf_buf_t;

/* Append n bytes of s (n may be 0: the buffer then holds at least ""). The
 * writers append a few bytes at a time, so a put that fits is inline and
 * only growing calls out. */
void hf_buf_put_grow(hf_buf_t *b, const void *s, size_t n);

static inline void hf_buf_put(hf_buf_t *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap || b->failed) {
        hf_buf_put_grow(b, s, n);
        return;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static inline void hf_buf_putc(hf_buf_t *b, char c)
{
    hf_buf_put(b, &c, 1);
}

void hf_buf_puts(hf_buf_t *b, const char *s);

/* The text, which the caller frees, with its length in *len (when len is not
 * NULL); NULL after a failed put, the buffer freed. The buffer is empty
 * again afterwards. */
char *hf_buf_take(hf_buf_t *b, size_t *len);

#endif
