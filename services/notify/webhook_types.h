/* services/notify/webhook_types.h - an endpoint's event-type filter (webhook_types.c) */
#ifndef NOTIFY_WEBHOOK_TYPES_H
#define NOTIFY_WEBHOOK_TYPES_H

#include <stddef.h>

#define WH_TYPES_MAX 50          /* entries of one endpoint's filter */
#define WH_TYPE_LEN_MAX 128

/* Whether s may be an entry of a filter: an event type
 * "hrflow.<service>.<entity>[.<…>].v<N>" (lowercase letters, digits and
 * '_' between the dots) or a prefix of such types ending in '.'
 * ("hrflow.pipeline.", "hrflow.pipeline.application."). Returns 0, or -1
 * with a few words on the form in *why (static). */
int wh_type_check(const char *s, const char **why);

/* 1 when type passes the filter of n entries (n = 0: every type passes):
 * equal to an entry, or starting with an entry that ends in '.'. */
int wh_types_match(char *const *filter, size_t n, const char *type);

#endif
