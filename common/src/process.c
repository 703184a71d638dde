/* common/src/process.c - arguments, settings, logging and signals at program start */
#include "hf/process.h"
#include "hf/log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(const hf_program_t *p, FILE *f)
{
    fprintf(f, "usage: hrflow-%s", p->name);
    for (size_t i = 0; p->flags && p->flags[i]; i++)
        fprintf(f, " [%s]", p->flags[i]);
    fprintf(f, " [--help]\n\n%s\n", p->summary);
    for (size_t i = 0; p->flags && p->flags[i]; i++)
        fprintf(f, "  %-10s %s\n", p->flags[i], p->flag_help ? p->flag_help[i] : "");
    fprintf(f, "\n");
    hf_config_usage(f, p->vars, p->n_vars);
    if (p->usage) {
        fprintf(f, "\n");
        p->usage(f);
    }
}

static int flag_index(const hf_program_t *p, const char *arg)
{
    for (int i = 0; p->flags && p->flags[i]; i++)
        if (strcmp(p->flags[i], arg) == 0)
            return i;
    return -1;
}

int hf_program_start(const hf_program_t *p, int argc, char **argv, int *flags_seen)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(p, stdout);
            return 0;
        }
        int k = flag_index(p, argv[i]);
        if (k < 0) {
            fprintf(stderr, "hrflow-%s: unknown argument \"%s\"\n\n", p->name, argv[i]);
            usage(p, stderr);
            return 2;
        }
        flags_seen[k] = 1;
    }
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
