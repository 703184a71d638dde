/* common/src/arena.c - per-request bump allocator
 *
 * Chunks are chained; allocations bump a pointer inside the current chunk.
 * A request larger than a chunk gets a chunk of its own. Reset keeps the
 * first chunk, so a steady stream of small requests stops calling malloc.
 */
#include "hf/arena.h"

#include <stdarg.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct chunk {
    struct chunk *next;
    size_t size;    /* usable bytes in data */
    size_t used;
    alignas(max_align_t) unsigned char data[];
} chunk_t;

struct hf_arena {
    chunk_t *head;      /* current chunk; older ones follow */
    chunk_t *first;     /* the chunk made with the arena, kept across resets */
    size_t chunk_size;
    size_t used_total;
};

static chunk_t *chunk_new(size_t size)
{
    chunk_t *c = malloc(sizeof(*c) + size);
    if (!c)
        return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

hf_arena_t *hf_arena_new(size_t chunk_size)
{
    hf_arena_t *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->chunk_size = chunk_size ? chunk_size : 16384;
    a->head = a->first = chunk_new(a->chunk_size);
    if (!a->head) {
        free(a);
        return NULL;
    }
    return a;
}

static void free_chunks(chunk_t *c)
{
    while (c) {
        chunk_t *next = c->next;
        free(c);
        c = next;
    }
}

void hf_arena_destroy(hf_arena_t **ap)
{
    if (!ap || !*ap)
        return;
    free_chunks((*ap)->head);
    free(*ap);
    *ap = NULL;
}

void *hf_arena_alloc(hf_arena_t *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    size_t need = (size + align - 1) & ~(align - 1);
    if (need < size)
        return NULL; /* overflow */
    if (need == 0)
        need = align;
    chunk_t *c = a->head;
    if (c->size - c->used < need) {
        size_t csize = need > a->chunk_size ? need : a->chunk_size;
        chunk_t *n = chunk_new(csize);
        if (!n)
            return NULL;
        if (need > a->chunk_size && c->used < c->size / 2) {
            /* an outsized block: keep filling the current chunk afterwards */
            n->next = c->next;
            c->next = n;
            n->used = need;
            a->used_total += need;
            return n->data;
        }
        n->next = c;
        a->head = c = n;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->used_total += need;
    return p;
}

char *hf_arena_strndup(hf_arena_t *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = hf_arena_alloc(a, len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *hf_arena_strdup(hf_arena_t *a, const char *s)
{
    return hf_arena_strndup(a, s, SIZE_MAX);
}

char *hf_arena_printf(hf_arena_t *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *d = n >= 0 ? hf_arena_alloc(a, (size_t)n + 1) : NULL;
    if (d)
        vsnprintf(d, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return d;
}

void hf_arena_reset(hf_arena_t *a)
{
    chunk_t *c = a->head;
    while (c) {
        chunk_t *next = c->next;
        if (c != a->first)
            free(c);
        c = next;
    }
    a->first->used = 0;
    a->first->next = NULL;
    a->head = a->first;
    a->used_total = 0;
}

size_t hf_arena_used(const hf_arena_t *a)
{
    return a->used_total;
}

static void *pb_alloc(void *data, size_t size)
{
    return hf_arena_alloc(data, size);
}

static void pb_free(void *data, void *p)
{
    (void)data;
    (void)p;
}

ProtobufCAllocator hf_arena_allocator(hf_arena_t *a)
{
    return (ProtobufCAllocator){ .alloc = pb_alloc, .free = pb_free, .allocator_data = a };
}
