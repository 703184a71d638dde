/* services/identity/handlers.h - the RPC methods of hrflow.v1.Identity
 *
 * One function per method of proto/hrflow/v1/identity.proto, named after it,
 * with the bus worker's handler signature (hf/bus.h). main.c puts them in the
 * method table; Health comes from the runtime (hf_service_health).
 */
#ifndef IDENTITY_HANDLERS_H
#define IDENTITY_HANDLERS_H

#include "hf/bus.h"

int identity_authenticate(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply);
int identity_get_tenant(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply);
int identity_list_tenants(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply);
int identity_update_tenant(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply);
int identity_create_company(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply);
int identity_get_company(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply);
int identity_list_companies(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply);
int identity_update_company(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply);
int identity_create_api_key(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply);
int identity_list_api_keys(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply);
int identity_revoke_api_key(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply);

#endif
