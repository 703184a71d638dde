/* hf/config.h - configuration from environment variables
 *
 * Each program declares its settings in one table: name, type, default,
 * bounds and a sentence of documentation. hf_config_load() reads them all and
 * reports every bad value at once; hf_config_usage() prints the table, so
 * `--help` and docs/configuration.md never drift from the code.
 */
#ifndef HF_CONFIG_H
#define HF_CONFIG_H

#include <stdio.h>
#include <stddef.h>

typedef enum {
    HF_CONFIG_STRING,   /* target: const char ** (borrowed from the environment or def) */
    HF_CONFIG_INT,      /* target: long *, checked against [min, max] */
    HF_CONFIG_BOOL,     /* target: int *: 1/0, true/false, yes/no, on/off */
} hf_config_type_t;

typedef struct {
    const char *name;        /* e.g. "HF_PG_DSN" */
    hf_config_type_t type;
    const char *def;         /* default as text; NULL = required */
    long min, max;           /* for HF_CONFIG_INT */
    const char *doc;         /* one sentence */
    void *target;
} hf_config_var_t;

/* Read every variable of the table into its target. Returns 0, or -EINVAL
 * after writing one line per bad or missing variable into err (err may be
 * NULL), e.g. `HF_WORKER_THREADS: "x" is not an integer (1..256)`. */
int hf_config_load(const hf_config_var_t *vars, size_t n, char *err, size_t errlen);

/* Append one problem line (printf-style; end it with \n) to err as
 * hf_config_load() does, for checks that look at more than one setting.
 * err may be NULL; a full buffer keeps what it has. */
void hf_config_report(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parse "host:port" (IPv4 dotted quad or "localhost"; port 0..65535) into
 * *sa. Returns 0, or -EINVAL. */
struct sockaddr_in;
int hf_config_parse_addr(const char *s, struct sockaddr_in *sa);

/* Print the table (name, default, doc) to f, for --help. */
void hf_config_usage(FILE *f, const hf_config_var_t *vars, size_t n);

#endif
