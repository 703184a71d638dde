/* tests/fuzz/replay-codec.c - run the codec fuzz corpus as an ordinary test
 *
 * libFuzzer needs clang (run.sh); this main() feeds every file of the corpus
 * directory (argv[1]) through the same checks, fuzz_codec_input() in
 * fuzz-codec.c, so the unit suite keeps every input the fuzzer once found.
 * Prints TAP; a broken check aborts, which the harness reports as a failure.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fuzz_codec_input(const uint8_t *data, size_t size);

/* The whole file, or NULL. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    if (f)
        fclose(f);
    return buf;
}

static int regular(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

int main(int argc, char **argv)
{
    struct dirent **names;
    if (argc != 2) {
        fprintf(stderr, "usage: replay-codec CORPUS-DIR\n");
        return 2;
    }
    int n = scandir(argv[1], &names, regular, alphasort);
    if (n < 0) {
        printf("1..1\nnot ok 1 - could not read %s\n", argv[1]);
        return 1;
    }
    printf("1..%d\n", n);
    int failed = 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        size_t len = 0;
        snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]->d_name);
        uint8_t *data = slurp(path, &len);
        if (data)
            fuzz_codec_input(data, len);
        printf("%s %d - %s\n", data ? "ok" : "not ok", i + 1, names[i]->d_name);
        fflush(stdout);
        failed += !data;
        free(data);
        free(names[i]);
    }
    free(names);
    return failed ? 1 : 0;
}
