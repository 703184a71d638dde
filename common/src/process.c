/* common/src/process.c - arguments, settings, logging and signals at program start
 *
 * The flags are read by hf/args.h like every other command line.
 */
#include "hf/process.h"
#include "hf/args.h"
#include "hf/bus.h"
#include "hf/cache.h"
#include "hf/log.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The shared settings tables p->uses names, in --help order. */
static size_t shared_tables(const hf_program_t *p, const hf_config_var_t *t[3], size_t n[3])
{
    size_t k = 0;
    if (p->uses & HF_USES_BUS_CLIENT)
        t[k] = hf_bus_security_settings(HF_BUS_CLIENT, &n[k]), k++;
    if (p->uses & HF_USES_BUS_SERVER)
        t[k] = hf_bus_security_settings(HF_BUS_SERVER, &n[k]), k++;
    if (p->uses & HF_USES_REDIS)
        t[k] = hf_cache_settings(&n[k]), k++;
    return k;
}

/* Print the program's table and the shared ones as one. */
static void settings_usage(const hf_program_t *p, FILE *f)
{
    const hf_config_var_t *t[3];
    size_t n[3], total = p->n_vars;
    size_t k = shared_tables(p, t, n);
    for (size_t i = 0; i < k; i++)
        total += n[i];
    hf_config_var_t *all = calloc(total, sizeof(*all));
    if (!all) {
        hf_config_usage(f, p->vars, p->n_vars);
        return;
    }
    memcpy(all, p->vars, p->n_vars * sizeof(*all));
    size_t at = p->n_vars;
    for (size_t i = 0; i < k; i++) {
        memcpy(all + at, t[i], n[i] * sizeof(*all));
        at += n[i];
    }
    hf_config_usage(f, all, total);
    free(all);
}

/* Load and check the shared settings; problems are appended to err. */
static int shared_load(const hf_program_t *p, char *err, size_t len)
{
    int bad = 0;
    if (p->uses & HF_USES_BUS_CLIENT)
        bad |= hf_bus_security_load(HF_BUS_CLIENT, err, len) < 0;
    if (p->uses & HF_USES_BUS_SERVER)
        bad |= hf_bus_security_load(HF_BUS_SERVER, err, len) < 0;
    if (p->uses & HF_USES_REDIS)
        bad |= hf_cache_settings_load(err, len) < 0;
    return bad ? -1 : 0;
}

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
    settings_usage(p, f);
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
    int bad = hf_config_load(p->vars, p->n_vars, err, sizeof(err)) < 0;
    if (shared_load(p, err, sizeof(err)) < 0 || bad) {
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
