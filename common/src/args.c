/* common/src/args.c - command-line options over getopt_long (hf/args.h)
 *
 * getopt_long does the scanning; this file adds what it leaves to callers:
 * whole names only, the count of each option, required options and one
 * message per mistake in the project's style. "+" at the start of the
 * option string stops at the first word that is not an option instead of
 * moving it to the end (GNU's default), so argv keeps its order and a stray
 * word is reported; ":" makes a missing value its own return code. Each
 * option's getopt value is OPT_BASE plus its index in the table, above any
 * character, so a return value says which entry matched.
 */
#include "hf/args.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define OPT_BASE 256

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* true when arg, the word getopt_long matched with name, spells it whole
 * ("--name" or "--name=value") rather than as a prefix. */
static bool whole(const char *arg, const char *name)
{
    size_t len = strcspn(arg + 2, "=");
    return strncmp(arg, "--", 2) == 0 && len == strlen(name) && strncmp(arg + 2, name, len) == 0;
}

/* Count one more of option o (its value in optarg) into *s. */
static int take(const hf_arg_t *o, hf_arg_seen_t *s, char *err, size_t errlen)
{
    if (s->count > 0 && !(o->flags & HF_ARG_REPEAT))
        return fail(err, errlen, "--%s is given twice", o->name);
    if (s->count == HF_ARG_MAX_VALUES)
        return fail(err, errlen, "--%s is given more than %d times", o->name, HF_ARG_MAX_VALUES);
    if (o->metavar)
        s->values[s->count] = optarg;
    s->count++;
    return 0;
}

/* What getopt_long's answer c to the word argv[at] means for seen. */
static int one(const hf_arg_t *spec, int c, char *const *argv, int at, hf_arg_seen_t *seen,
               char *err, size_t errlen)
{
    int i = (c == ':' || c == '?' ? optopt : c) - OPT_BASE;
    if (c == 'h' && (strncmp(argv[at], "--", 2) != 0 || whole(argv[at], "help")))
        return HF_ARGS_HELP;
    if (c == 'h' || i < 0 || !whole(argv[at], spec[i].name))
        return fail(err, errlen, "unknown option \"%.100s\"", argv[at]);
    if (c == ':')
        return fail(err, errlen, "--%s needs a value", spec[i].name);
    if (c == '?')
        return fail(err, errlen, "--%s takes no value", spec[i].name);
    return take(&spec[i], &seen[i], err, errlen);
}

int hf_args_parse(const hf_arg_t *spec, size_t n, int argc, char **argv, hf_arg_seen_t *seen,
                  char *err, size_t errlen)
{
    assert((spec || n == 0) && n <= HF_ARGS_MAX && argc >= 1 && argv && (seen || n == 0) && err &&
           errlen > 0);
    struct option lo[HF_ARGS_MAX + 2];
    for (size_t i = 0; i < n; i++)
        lo[i] = (struct option){ spec[i].name, spec[i].metavar ? required_argument : no_argument,
                                 NULL, OPT_BASE + (int)i };
    lo[n] = (struct option){ "help", no_argument, NULL, 'h' };
    lo[n + 1] = (struct option){ 0 };
    if (n)
        memset(seen, 0, n * sizeof(*seen));
    err[0] = '\0';
    optind = 0; /* glibc: start over, also when called a second time */
    opterr = 0; /* the messages are ours */
    int rc = 0;
    while (rc == 0) {
        int at = optind ? optind : 1; /* the word getopt_long is about to read */
        int c = getopt_long(argc, argv, "+:h", lo, NULL);
        if (c == -1)
            break;
        rc = one(spec, c, argv, at, seen, err, errlen);
    }
    if (rc == HF_ARGS_HELP)
        return rc;
    if (rc == 0 && optind < argc)
        rc = fail(err, errlen, "unexpected argument \"%.100s\"", argv[optind]);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (spec[i].flags & HF_ARG_REQUIRED && seen[i].count == 0)
            rc = fail(err, errlen, "--%s is required", spec[i].name);
    return rc;
}

void hf_args_usage(FILE *f, const hf_arg_t *spec, size_t n)
{
    int width = 0;
    char left[HF_ARGS_MAX][80];
    for (size_t i = 0; i < n && i < HF_ARGS_MAX; i++) {
        int w = snprintf(left[i], sizeof(left[i]), "--%s%s%s", spec[i].name,
                         spec[i].metavar ? " " : "", spec[i].metavar ? spec[i].metavar : "");
        width = w > width ? w : width;
    }
    for (size_t i = 0; i < n && i < HF_ARGS_MAX; i++) {
        if (spec[i].help)
            fprintf(f, "  %-*s  %s\n", width, left[i], spec[i].help);
        else
            fprintf(f, "  %s\n", left[i]);
    }
}
