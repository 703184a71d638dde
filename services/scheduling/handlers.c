/* services/scheduling/handlers.c - what the scheduling handlers share: ids of other services
 *
 * Companies are identity's and jobs and applications the pipeline's; a
 * request that names one is checked by asking its owner on the caller's
 * behalf (hf_service_ask), so the owner's walls answer: another tenant's
 * or company's record is the answer of a made-up id (docs/api.md, "Ids in
 * paths and ids in bodies").
 */
#include "handlers.h"

#include "hf/service.h"

#define E(code) HRFLOW__V1__ERROR_CODE__##code

int sched_ask_record(hf_store_t *st, const char *service, const char *method,
                     const ProtobufCMessage *q, const ProtobufCMessageDescriptor *reply_desc,
                     const char *what, const char *id, ProtobufCMessage **got)
{
    int code = hf_service_ask(st->call, service, method, q, reply_desc, got);
    if (code == E(NOT_FOUND))
        return hf_call_fail(st->call, E(NOT_FOUND), "%s %s not found", what, id);
    return code ? hf_service_ask_fail(st->call, service, code) : 0;
}

int sched_ask_visible(hf_store_t *st, const char *service, const char *method,
                      const ProtobufCMessage *q, const ProtobufCMessageDescriptor *reply_desc,
                      const char *what, const char *id)
{
    ProtobufCMessage *got = NULL;
    return sched_ask_record(st, service, method, q, reply_desc, what, id, &got);
}

int sched_company_check(hf_store_t *st, const char *id, const char *field)
{
    hf_call_t *call = st->call;
    int known = hf_store_company_known(st, id);
    if (known != 0)
        return known < 0 ? -1 : 0;
    if (!field)
        return hf_call_fail(call, E(NOT_FOUND), "company %s not found", id);
    hf_call_detail(call, field, "not_found", "not a company this key acts for");
    return hf_call_fail(call, E(INVALID_ARGUMENT), "%s names no company this key acts for", field);
}
