/* services/notify/messages.h - the messages API: a recruiter's letters and every job's status
 *
 * messages.c answers SendMessage, GetMessage, ListMessages and RetryMessage
 * (POST/GET /v1/messages, POST /v1/messages/{id}:retry) over the delivery
 * jobs of deliver.h.
 */
#ifndef NT_MESSAGES_H
#define NT_MESSAGES_H

#include "hf/bus.h"

#ifndef NT_HANDLER /* templates.h has the same */
#define NT_HANDLER(name) \
    int name(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)
#endif

NT_HANDLER(notify_send_message);
NT_HANDLER(notify_get_message);
NT_HANDLER(notify_list_messages);
NT_HANDLER(notify_retry_message);

#endif
