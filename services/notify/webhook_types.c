/* services/notify/webhook_types.c - an endpoint's event-type filter
 *
 * Integrators subscribe to the outbox's types ("hrflow.pipeline.
 * application.created.v1") or to families of them by a prefix ending in a
 * dot ("hrflow.scheduling."); an empty filter takes everything. Only the
 * form is checked here: the catalogue of known types (events/) is the
 * place to check names against once it exists. Pure.
 */
#include "webhook_types.h"

#include <string.h>

static int segment_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

int wh_type_check(const char *s, const char **why)
{
    static const char *form = "an event type hrflow.<service>.<entity>….v<N>, or a prefix of "
                              "types ending in '.'";
    size_t n = s ? strlen(s) : 0;
    *why = form;
    if (n == 0 || n > WH_TYPE_LEN_MAX || strncmp(s, "hrflow.", 7))
        return -1;
    int segments = 0;
    const char *last = s;
    for (const char *p = s; *p;) {
        const char *e = p;
        while (segment_char(*e))
            e++;
        if (e == p || (*e && *e != '.'))
            return -1;
        segments++;
        last = p;
        if (!*e)
            break;
        p = e + 1;
        if (!*p) /* a prefix */
            return 0;
    }
    /* an exact type: hrflow, a service, at least one more name, then vN */
    if (segments < 4 || last[0] != 'v' || !last[1])
        return -1;
    for (const char *p = last + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    return 0;
}

int wh_types_match(char *const *filter, size_t n, const char *type)
{
    if (n == 0)
        return 1;
    for (size_t k = 0; k < n; k++) {
        size_t l = strlen(filter[k]);
        if (l && filter[k][l - 1] == '.' ? !strncmp(type, filter[k], l)
                                         : !strcmp(type, filter[k]))
            return 1;
    }
    return 0;
}
