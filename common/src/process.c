/* common/src/process.c - arguments, settings, logging and signals at program start
 *
 * The flags are read by hf/args.h like every other command line.
 */
#include "hf/process.h"
#include "hf/args.h"
#include "hf/log.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The program's flags ("--migrate") as an hf/args.h table; returns its length. */
static size_t flag_table(const hf_program_t *p, hf_arg_t spec[HF_ARGS_MAX])
{
    size_t n = 0;
    for (; p->flags && p->flags[n]; n++) {
        assert(n < HF_ARGS_MAX && strncmp(p->flags[n], "--", 2) == 0);
        spec[n] = (hf_arg_t){ .name = p->flags[n] + 2,
                              .help = p->flag_help ? p->flag_help[n] : NULL };
    }
    return n;
}

static void usage(const hf_program_t *p, const hf_arg_t *spec, size_t n, FILE *f)
{
    fprintf(f, "usage: hrflow-%s", p->name);
    for (size_t i = 0; i < n; i++)
        fprintf(f, " [--%s]", spec[i].name);
    fprintf(f, " [--help]\n\n%s\n", p->summary);
    hf_args_usage(f, spec, n);
    fprintf(f, "\n");
    hf_config_usage(f, p->vars, p->n_vars);
    if (p->usage) {
        fprintf(f, "\n");
        p->usage(f);
    }
}

int hf_program_start(const hf_program_t *p, int argc, char **argv, int *flags_seen)
{
    hf_arg_t spec[HF_ARGS_MAX];
    hf_arg_seen_t seen[HF_ARGS_MAX];
    size_t n = flag_table(p, spec);
    char why[160];
    int rc = hf_args_parse(spec, n, argc, argv, seen, why, sizeof(why));
    if (rc == HF_ARGS_HELP) {
        usage(p, spec, n, stdout);
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "hrflow-%s: %s\n\n", p->name, why);
        usage(p, spec, n, stderr);
        return 2;
    }
    for (size_t i = 0; i < n; i++)
        if (seen[i].count)
            flags_seen[i] = 1;
    char err[4096];
    if (hf_config_load(p->vars, p->n_vars, err, sizeof(err)) < 0) {
        fprintf(stderr, "hrflow-%s: invalid configuration:\n%s", p->name, err);
        return 2;
    }
    hf_log_level_t level;
    if (hf_log_level_parse(*p->log_level, &level) < 0) {
        fprintf(stderr, "hrflow-%s: HF_LOG_LEVEL: \"%s\" is not debug, info, warn or error\n",
                p->name, *p->log_level);
        return 2;
    }
    hf_log_init(p->name, level);
    return -1;
}

void hf_signals_block(sigset_t *set, int extra)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    if (extra)
        sigaddset(set, extra);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

void hf_instance_name(const char *setting, char *out, size_t len)
{
    if (setting && strcmp(setting, "auto") != 0) {
        snprintf(out, len, "%s", setting);
        return;
    }
    char host[64] = "localhost";
    gethostname(host, sizeof(host) - 1);
    host[sizeof(host) - 1] = '\0';
    snprintf(out, len, "%s:%d", host, (int)getpid());
}
