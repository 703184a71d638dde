/* common/src/config.c - settings from environment variables, checked at start
 *
 * Every program's settings live in one hf_config_var_t table (see hf/config.h);
 * this file only parses and reports. A bad value stops the program at start
 * with a message naming the variable, the value and what was expected.
 */
#include "hf/config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>

void hf_config_report(char *err, size_t len, const char *fmt, ...)
{
    if (!err || len == 0)
        return;
    size_t used = strnlen(err, len);
    if (used >= len - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + used, len - used, fmt, ap);
    va_end(ap);
}

static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = { "1", "true", "yes", "on" };
    static const char *const no[] = { "0", "false", "no", "off" };
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static int load_one(const hf_config_var_t *v, char *err, size_t errlen)
{
    const char *s = getenv(v->name);
    if (s && *s == '\0')
        s = NULL; /* an empty variable means "use the default" */
    if (!s)
        s = v->def;
    if (!s) {
        hf_config_report(err, errlen, "%s: required but not set (%s)\n", v->name, v->doc);
        return -1;
    }
    switch (v->type) {
    case HF_CONFIG_STRING:
        *(const char **)v->target = s;
        return 0;
    case HF_CONFIG_INT: {
        long n;
        if (parse_long(s, &n) < 0 || n < v->min || n > v->max) {
            hf_config_report(err, errlen, "%s: \"%s\" is not an integer in %ld..%ld\n", v->name, s, v->min,
                   v->max);
            return -1;
        }
        *(long *)v->target = n;
        return 0;
    }
    case HF_CONFIG_BOOL:
        if (parse_bool(s, (int *)v->target) < 0) {
            hf_config_report(err, errlen, "%s: \"%s\" is not a boolean (true/false, 1/0, yes/no, on/off)\n",
                   v->name, s);
            return -1;
        }
        return 0;
    }
    return -1;
}

int hf_config_load(const hf_config_var_t *vars, size_t n, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= load_one(&vars[i], err, errlen) < 0;
    return bad ? -EINVAL : 0;
}

void hf_config_usage(FILE *f, const hf_config_var_t *vars, size_t n)
{
    fprintf(f, "Configuration (environment variables):\n");
    for (size_t i = 0; i < n; i++) {
        const hf_config_var_t *v = &vars[i];
        fprintf(f, "  %-24s %s\n", v->name, v->doc);
        if (v->def)
            fprintf(f, "  %-24s default: %s\n", "", v->def);
        else
            fprintf(f, "  %-24s required\n", "");
        if (v->type == HF_CONFIG_INT)
            fprintf(f, "  %-24s range: %ld..%ld\n", "", v->min, v->max);
    }
}

int hf_config_parse_addr(const char *s, struct sockaddr_in *sa)
{
    const char *colon = s ? strrchr(s, ':') : NULL;
    if (!colon || colon == s || (size_t)(colon - s) >= 64)
        return -EINVAL;
    char host[64];
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    long port;
    if (parse_long(colon + 1, &port) < 0 || port < 0 || port > 65535)
        return -EINVAL;
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return -EINVAL;
    return 0;
}
