/* services/gateway/router.c - path patterns: "/v1/companies/{id}", "/v1/apikeys/{id}:revoke"
 *
 * Pure functions, no I/O (unit-tested in tests/test-router.c). A variable
 * matches one non-empty run of characters up to '/' or ':', so a custom
 * action ("…/{id}:advance") never matches the plain resource route and an
 * unknown action answers 404 rather than reaching the wrong method.
 */
#include "gateway.h"

#include <string.h>

int gw_route_match(const char *pattern, const char *path, gw_param_t *params, int max)
{
    int n = 0;
    const char *p = pattern, *s = path;
    while (*p) {
        if (*p != '{') {
            if (*p++ != *s++)
                return -1;
            continue;
        }
        const char *close = strchr(p, '}');
        if (!close)
            return -1;
        size_t nlen = (size_t)(close - p - 1);
        size_t vlen = strcspn(s, "/:");
        if (vlen == 0 || n >= max || nlen >= sizeof(params[n].name) ||
            vlen >= sizeof(params[n].value))
            return -1;
        memcpy(params[n].name, p + 1, nlen);
        params[n].name[nlen] = '\0';
        memcpy(params[n].value, s, vlen);
        params[n].value[vlen] = '\0';
        n++;
        p = close + 1;
        s += vlen;
    }
    return *s ? -1 : n;
}
