/* hf/arena.h - per-request bump allocator
 *
 * A handled bus message gets one arena; everything allocated while handling it
 * (unpacked protobuf messages, strings, replies) is freed at once by
 * hf_arena_reset() after the reply is sent, so handlers rarely call free().
 * Not thread-safe: one arena per thread.
 */
#ifndef HF_ARENA_H
#define HF_ARENA_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

typedef struct hf_arena hf_arena_t;

/* Create an arena whose chunks hold at least chunk_size bytes (0 = 16 KiB).
 * Returns NULL when out of memory. */
hf_arena_t *hf_arena_new(size_t chunk_size);

/* Free the arena and everything allocated in it. Accepts NULL or *a == NULL;
 * sets *a to NULL. */
void hf_arena_destroy(hf_arena_t **a);

/* Allocate size bytes aligned for any type. Returns NULL when out of memory.
 * The memory lives until hf_arena_reset() or hf_arena_destroy(). */
void *hf_arena_alloc(hf_arena_t *a, size_t size);

/* Copy a NUL-terminated string (or its first n bytes, NUL-terminated) into the arena. */
char *hf_arena_strdup(hf_arena_t *a, const char *s);
char *hf_arena_strndup(hf_arena_t *a, const char *s, size_t n);

/* printf into the arena. Returns NULL when out of memory. */
char *hf_arena_printf(hf_arena_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Free everything allocated since creation, keeping the first chunk for reuse. */
void hf_arena_reset(hf_arena_t *a);

/* Bytes handed out since the last reset (for metrics and tests). */
size_t hf_arena_used(const hf_arena_t *a);

/* A protobuf-c allocator over the arena: pass it to *_unpack() and
 * protobuf_c_message_free_unpacked() becomes unnecessary (free is a no-op). */
ProtobufCAllocator hf_arena_allocator(hf_arena_t *a);

#endif
