/* common/src/buf.c - the growing byte buffer of hf/buf.h */
#include "hf/buf.h"

#include <stdlib.h>
#include <string.h>

void hf_buf_put_grow(hf_buf_t *b, const void *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p, b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void hf_buf_puts(hf_buf_t *b, const char *s)
{
    hf_buf_put(b, s, strlen(s));
}

char *hf_buf_take(hf_buf_t *b, size_t *len)
{
    char *p = b->failed ? NULL : b->p;
    if (b->failed)
        free(b->p);
    else if (len)
        *len = b->len;
    *b = (hf_buf_t){ 0 };
    return p;
}
