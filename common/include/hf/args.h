/* hf/args.h - the command-line options of every hrflow program, over getopt_long
 *
 * The services, the broker and the gateway take a flag (--migrate) besides
 * --help; hrflow-identity's commands and `hrflow-scoring calibrate` take
 * options with values. All of them read their options here, the same way:
 *
 *     --name VALUE, --name=VALUE   an option with a value (which may begin with '-')
 *     --name                       a flag
 *     --help, -h                   the caller prints its usage
 *     --                           ends the options
 *
 * Stricter than getopt_long alone: a name is written whole (getopt_long
 * would take an unambiguous prefix, and a new option could then change what
 * an old command line means); an option is given once unless its table entry
 * says it repeats; nothing but options may follow (a command's words, such
 * as "tenant create", are the caller's to take before). Settings are not
 * options: they come from the environment (hf/config.h).
 */
#ifndef HF_ARGS_H
#define HF_ARGS_H

#include <stddef.h>
#include <stdio.h>

#define HF_ARG_REQUIRED 1u        /* must be given */
#define HF_ARG_REPEAT 2u          /* may be given up to HF_ARG_MAX_VALUES times */

#define HF_ARG_MAX_VALUES 32      /* values kept of a repeated option */
#define HF_ARGS_MAX 32            /* entries in one table */

/* One option of a program's table. */
typedef struct {
    const char *name;       /* without the dashes: "model-id" for --model-id */
    const char *metavar;    /* the value's name in usage ("FILE"); NULL for a flag */
    unsigned flags;         /* HF_ARG_REQUIRED, HF_ARG_REPEAT, or 0 */
    const char *help;       /* one line for hf_args_usage(), or NULL */
} hf_arg_t;

/* What was given of one option. */
typedef struct {
    unsigned count;                      /* times given; 0 when absent */
    char *values[HF_ARG_MAX_VALUES];     /* its values in order (options with a
                                          * value; NULL past count), borrowed
                                          * from argv: values[0] is the value
                                          * of an option given once */
} hf_arg_seen_t;

#define HF_ARGS_HELP 1      /* hf_args_parse(): --help or -h was given */

/* Parse argv[1..argc) against the n options of spec (n <= HF_ARGS_MAX) into
 * seen[0..n), entry for entry; seen is cleared first. argv[0] is skipped:
 * pass argv + k and argc - k to start after k words.
 * Returns 0; HF_ARGS_HELP when --help or -h comes before any error (nothing
 * after it is looked at); or -EINVAL with one lowercase line for the user in
 * err (NUL-terminated, cut to errlen), naming what failed:
 * unknown option "--nope", --data needs a value, --fit takes no value,
 * --name is given twice, --scope is given more than 32 times,
 * unexpected argument "x", --slug is required.
 * Not thread-safe (getopt_long keeps its state in globals): call it from
 * main() before starting threads. argv is not reordered. */
int hf_args_parse(const hf_arg_t *spec, size_t n, int argc, char **argv, hf_arg_seen_t *seen,
                  char *err, size_t errlen);

/* Print one line per option of spec to f, the help texts in one column:
 *     "  --data FILE  the labelled answers"
 * An option without help gets a line of its own name only. */
void hf_args_usage(FILE *f, const hf_arg_t *spec, size_t n);

#endif
