/* tests/fuzz/fuzz_chunks.h - what the streaming readers' fuzz targets share
 *
 * A streaming reader must say the same whatever the split of its input:
 * the targets read every input whole and in chunks of sizes drawn from an
 * xorshift generator seeded by the input, and compare digests (FNV-1a) of
 * everything called back.
 */
#ifndef FUZZ_CHUNKS_H
#define FUZZ_CHUNKS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_DIGEST_START 0xcbf29ce484222325ull

/* A broken promise: say which and abort, so libFuzzer and the replay both report it. */
static inline void fuzz_fail(const char *target, const char *what, size_t value)
{
    fprintf(stderr, "%s: %s (%zu)\n", target, what, value);
    abort();
}

/* The next chunk of at most left bytes: all of it when *seed is 0, else 1..max. */
static inline size_t fuzz_chunk(uint64_t *seed, size_t left, size_t max)
{
    if (!*seed)
        return left;
    *seed ^= *seed << 13, *seed ^= *seed >> 7, *seed ^= *seed << 17;
    return 1 + *seed % max < left ? 1 + *seed % max : left;
}

/* Mix n bytes into the digest, then a separator. */
static inline void fuzz_mix(uint64_t *digest, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        *digest = (*digest ^ b[i]) * 0x100000001b3ull;
    *digest = (*digest ^ 0xff) * 0x100000001b3ull;
}

/* A row error's message: "row N: " for its own N, something after it, no final period. */
static inline int fuzz_row_message_ok(size_t row, const char *m)
{
    char prefix[32];
    size_t n = strlen(m), k = (size_t)snprintf(prefix, sizeof(prefix), "row %zu: ", row);
    return !strncmp(m, prefix, k) && n > k && m[n - 1] != '.';
}

/* The reader under test, seen through two calls. */
typedef struct {
    void *reader;
    int (*feed)(void *reader, const void *buf, size_t len);
    int (*finish)(void *reader);
} fuzz_stream_t;

/* Feed size bytes in chunks (fuzz_chunk) until an error, then finish: the return code. */
static inline int fuzz_feed_all(const fuzz_stream_t *f, const uint8_t *data, size_t size,
                                uint64_t seed, size_t max)
{
    int rc = 0;
    for (size_t i = 0, n; i < size && !rc; i += n) {
        n = fuzz_chunk(&seed, size - i, max);
        rc = f->feed(f->reader, data + i, n);
    }
    return rc ? rc : f->finish(f->reader);
}

/* A fatal error (rc == fatal_rc) has a message and comes before any row. */
static inline int fuzz_fatal_ok(int rc, int fatal_rc, const char *message, size_t rows)
{
    return message && message[0] && !(rc == fatal_rc && rows);
}

#endif
