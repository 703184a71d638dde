/* services/scheduling/store_private.h - what the scheduling store's files share
 *
 * The store (store.h) is store.c and store_interviews.c; nothing outside
 * them includes this header.
 */
#ifndef SCHED_STORE_PRIVATE_H
#define SCHED_STORE_PRIVATE_H

#include "store.h"

#define SOURCE "/hrflow/scheduling"

/* A timestamptz from Unix microseconds in parameter n ("5"), exact. */
#define FROM_MICROS(n) "('epoch'::timestamptz + $" n "::bigint * interval '1 microsecond')"

/* The data of an interview's events from the columns of alias i: ids and
 * times in RFC 3339 UTC; no personal data, no tokens. */
#define EVENT_DATA(i)                                                                          \
    "jsonb_strip_nulls(jsonb_build_object('tenantId', " i ".tenant_id, 'companyId', " i         \
    ".company_id, 'applicationId', " i ".application_id, 'interviewId', " i ".id, 'jobId', " i \
    ".job_id, 'state', " i ".state, 'startTime', scheduling.rfc3339(" i ".start_time),"         \
    " 'endTime', scheduling.rfc3339(" i ".end_time), 'sequence', " i ".sequence))"

/* "" for the group's company id, else the id: as the API shows it. */
const char *store_company_out(const char *company);

#endif
