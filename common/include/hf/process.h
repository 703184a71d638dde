/* hf/process.h - what every hrflow program does first
 *
 * Arguments (--help and the program's own flags), the settings table, the log
 * level, and the signal mask: block SIGTERM and SIGINT before any thread
 * starts, so every thread (ours, ZeroMQ's, libmicrohttpd's) inherits the
 * mask and the main thread alone takes them, with sigwait or a signalfd.
 */
#ifndef HF_PROCESS_H
#define HF_PROCESS_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include "hf/config.h"

/* What a program talks to (hf_program_t.uses): hf_program_start() adds the
 * shared settings of each to --help and checks them at start. */
#define HF_USES_BUS_CLIENT 0x1u   /* CURVE keys of a bus client (hf_bus_security_settings) */
#define HF_USES_BUS_SERVER 0x2u   /* CURVE keys of the broker */
#define HF_USES_REDIS 0x4u        /* Redis AUTH (hf_cache_settings) */

typedef struct {
    const char *name;                /* "broker": the log's service field, "hrflow-<name>" */
    const char *summary;             /* one line for --help */
    const char *const *flags;        /* extra flags it accepts ("--migrate"), NULL-terminated, or NULL */
    const char *const *flag_help;    /* one line per flag, same order */
    const hf_config_var_t *vars;     /* the settings; one must be HF_LOG_LEVEL */
    size_t n_vars;
    const char *const *log_level;    /* the target of its HF_LOG_LEVEL entry */
    void (*usage)(FILE *f);          /* more --help text after the settings; may be NULL */
    unsigned uses;                   /* HF_USES_*: shared settings it takes too */
} hf_program_t;

/* Parse argv (hf/args.h: the flags, each at most once, and --help or -h),
 * load the settings (the program's, then the shared ones of p->uses), start
 * logging. Returns -1 to go on, with flags_seen[i] set for each of p->flags
 * given (flags_seen may be NULL when there are none), or the exit code to
 * return from main: 0 after --help, 2 for a bad argument or a bad setting
 * (reported on stderr). */
int hf_program_start(const hf_program_t *p, int argc, char **argv, int *flags_seen);

/* Block SIGTERM, SIGINT and extra (0 = none) in the calling thread (call
 * before starting threads), ignore SIGPIPE, and fill *set with the blocked
 * signals for sigwait()/signalfd(). */
void hf_signals_block(sigset_t *set, int extra);

/* This process's name in logs and health replies: setting, unless it is
 * NULL or "auto", in which case "<hostname>:<pid>". */
void hf_instance_name(const char *setting, char *out, size_t len);

#endif
