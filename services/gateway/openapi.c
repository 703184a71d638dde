/* services/gateway/openapi.c - the OpenAPI 3.1 document, derived, never written by hand
 *
 * Built once at start from the route table (routes.c) and the protobuf-c
 * descriptors of each bus method, with the same names and JSON forms the
 * codec (hf/codec.h) uses: lowerCamelCase properties, 64-bit integers as
 * strings, enums by name, hrflow.v1.Timestamp as date-time and
 * hrflow.v1.Date as date. Only schemas some route uses are emitted. The test
 * suite lints the served document with Redocly's recommended rules.
 */
#include "gateway.h"

#include "hf/codec.h"
#include "hf/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *ref_to(json_t *schemas, const ProtobufCMessageDescriptor *d);
static json_t *enum_ref(json_t *schemas, const ProtobufCEnumDescriptor *e);

static json_t *ref(const char *name)
{
    char r[160];
    snprintf(r, sizeof(r), "#/components/schemas/%s", name);
    return json_pack("{s:s}", "$ref", r);
}

/* The value types with a JSON form of their own (hf/codec.h), or NULL. */
static json_t *special_schema(const ProtobufCMessageDescriptor *d)
{
    if (strcmp(d->name, "hrflow.v1.Timestamp") == 0)
        return json_pack("{s:s, s:s}", "type", "string", "format", "date-time");
    if (strcmp(d->name, "hrflow.v1.Date") == 0)
        return json_pack("{s:s, s:s}", "type", "string", "format", "date");
    return NULL;
}

static json_t *scalar_schema(json_t *schemas, const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_pack("{s:s, s:s}", "type", "integer", "format", "int32");
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_pack("{s:s, s:i, s:I}", "type", "integer", "minimum", 0, "maximum",
                         (json_int_t)4294967295LL);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return json_pack("{s:s, s:s, s:s}", "type", "string", "format", "int64", "pattern",
                         "^-?[0-9]{1,19}$");
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return json_pack("{s:s, s:s, s:s}", "type", "string", "format", "uint64", "pattern",
                         "^[0-9]{1,20}$");
    case PROTOBUF_C_TYPE_FLOAT:
        return json_pack("{s:s, s:s}", "type", "number", "format", "float");
    case PROTOBUF_C_TYPE_DOUBLE:
        return json_pack("{s:s, s:s}", "type", "number", "format", "double");
    case PROTOBUF_C_TYPE_BOOL:
        return json_pack("{s:s}", "type", "boolean");
    case PROTOBUF_C_TYPE_STRING:
        return json_pack("{s:s}", "type", "string");
    case PROTOBUF_C_TYPE_BYTES:
        return json_pack("{s:s, s:s}", "type", "string", "contentEncoding", "base64");
    case PROTOBUF_C_TYPE_ENUM:
        return enum_ref(schemas, f->descriptor);
    case PROTOBUF_C_TYPE_MESSAGE: {
        json_t *special = special_schema(f->descriptor);
        if (special)
            return special;
        if (hf_codec_shorthand(f->descriptor)) /* a string may stand for the message */
            return json_pack("{s:[{s:s}, o]}", "oneOf", "type", "string",
                             ref_to(schemas, f->descriptor));
        return ref_to(schemas, f->descriptor);
    }
    }
    return json_object();
}

static json_t *field_schema(json_t *schemas, const ProtobufCFieldDescriptor *f)
{
    json_t *s = scalar_schema(schemas, f);
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return json_pack("{s:s, s:o}", "type", "array", "items", s);
    return s;
}

static json_t *enum_ref(json_t *schemas, const ProtobufCEnumDescriptor *e)
{
    if (!json_object_get(schemas, e->short_name)) {
        json_t *names = json_array();
        for (unsigned i = 0; i < e->n_values; i++)
            json_array_append_new(names, json_string(e->values[i].name));
        json_object_set_new(schemas, e->short_name,
                            json_pack("{s:s, s:o}", "type", "string", "enum", names));
    }
    return ref(e->short_name);
}

/* A message's schema, minus the fields named in `skip` (NULL-terminated). */
static json_t *message_schema(json_t *schemas, const ProtobufCMessageDescriptor *d,
                              const char *const *skip)
{
    json_t *props = json_object();
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        int skipped = 0;
        for (const char *const *s = skip; s && *s; s++)
            skipped |= strcmp(*s, f->name) == 0;
        if (skipped)
            continue;
        char json[128];
        hf_codec_json_name(f->name, json, sizeof(json));
        json_object_set_new(props, json, field_schema(schemas, f));
    }
    return json_pack("{s:s, s:o, s:b}", "type", "object", "properties", props,
                     "additionalProperties", 0);
}

static json_t *ref_to(json_t *schemas, const ProtobufCMessageDescriptor *d)
{
    if (!json_object_get(schemas, d->short_name)) {
        /* Reserve the name first: a recursive message refers to itself. */
        json_object_set_new(schemas, d->short_name, json_object());
        json_object_set_new(schemas, d->short_name, message_schema(schemas, d, NULL));
    }
    return ref(d->short_name);
}

static json_t *problem_response(const char *description)
{
    return json_pack("{s:s, s:{s:{s:o}}}", "description", description, "content",
                     "application/problem+json", "schema", ref("Problem"));
}

static void add_components(json_t *doc, json_t *schemas)
{
    json_object_set_new(
        schemas, "Problem",
        json_pack("{s:s, s:s, s:[s,s,s,s], s:{s:{s:s,s:s}, s:{s:s}, s:{s:s}, s:{s:s}, "
                  "s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}}}}}",
                  "type", "object", "description", "RFC 9457 problem details",
                  "required", "type", "title", "status", "code",
                  "properties",
                  "type", "type", "string", "format", "uri",
                  "title", "type", "string",
                  "status", "type", "integer",
                  "detail", "type", "string",
                  "code", "type", "string",
                  "requestId", "type", "string",
                  "instance", "type", "string",
                  "errors", "type", "array", "items", "type", "object", "properties",
                  "field", "type", "string", "code", "type", "string", "message", "type",
                  "string"));
    json_t *responses = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
        "BadRequest", problem_response("Malformed JSON, wrong types or unknown fields"),
        "Unauthenticated", problem_response("No API key, or an unknown or revoked one"),
        "Forbidden", problem_response("The key lacks the scope this route needs"),
        "NotFound", problem_response("No such record in the caller's tenant"),
        "Conflict", problem_response("Already exists, or an Idempotency-Key in use"),
        "Gone", problem_response("The link in the path has expired"),
        "Unprocessable", problem_response("Invalid values, or an Idempotency-Key reused"),
        "PayloadTooLarge", problem_response("The body exceeds the gateway's limit"),
        "TooManyRequests", problem_response("Rate limited; see Retry-After"),
        "Unavailable", problem_response("Overloaded or unavailable; see Retry-After"),
        "Timeout", problem_response("The service did not answer in time"));
    json_object_set_new(doc, "components",
                        json_pack("{s:o, s:o, s:{s:{s:s, s:s, s:s}}}", "schemas", schemas,
                                  "responses", responses, "securitySchemes", "bearer", "type",
                                  "http", "scheme", "bearer", "description",
                                  "An hrflow API key: Authorization: Bearer hf_…"));
}

static json_t *param(const char *name, const char *in, int required, json_t *schema,
                     const char *description)
{
    json_t *p = json_pack("{s:s, s:s, s:b, s:o}", "name", name, "in", in, "required", required,
                          "schema", schema);
    if (description)
        json_object_set_new(p, "description", json_string(description));
    return p;
}

static json_t *bus_operation(json_t *schemas, const gw_route_t *r)
{
    const ProtobufCMethodDescriptor *m = gw_route_rpc(r);
    json_t *op = json_pack("{s:s, s:s, s:[s], s:[{s:[]}]}", "operationId", r->name, "summary",
                           r->summary, "tags", gw_route_service_name(r), "security", "bearer");
    if (r->scopes == GW_SCOPE_PUBLIC) /* no key: the path carries what the service checks */
        json_object_set_new(op, "security", json_array());
    json_t *params = json_array();
    gw_param_t pp[GW_MAX_PARAMS];
    int np = gw_route_match(r->pattern, r->pattern, pp, GW_MAX_PARAMS);
    const char *skip[GW_MAX_PARAMS + 3] = { 0 };
    int ns = 0;
    for (int i = 0; i < np; i++) {
        char n[32];
        snprintf(n, sizeof(n), "%.*s", (int)strlen(pp[i].value) - 2, pp[i].value + 1);
        json_array_append_new(params, param(n, "path", 1, json_pack("{s:s}", "type", "string"),
                                            NULL));
        const ProtobufCFieldDescriptor *f = hf_codec_field(m->input, n);
        if (f)
            skip[ns++] = f->name;
    }
    if (r->raw && r->media) { /* an optional form: RFC 8058's one-click unsubscribe */
        json_object_set_new(
            op, "requestBody",
            json_pack("{s:b, s:{s:{s:{s:s, s:{s:{s:s, s:[s]}}}}}}", "required", 0, "content",
                      r->media, "schema", "type", "object", "properties", "List-Unsubscribe",
                      "type", "string", "enum", "One-Click"));
        skip[ns++] = r->raw;
        skip[ns++] = "content_type";
    } else if (r->raw) {
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b, s:{s:{s:{s:s}}, s:{s:{s:s}}, s:{s:{s:s, s:s}}}}",
                                      "required", 1, "content", "text/csv", "schema", "type",
                                      "string", "application/x-ndjson", "schema", "type", "string",
                                      "application/vnd.openxmlformats-officedocument."
                                      "spreadsheetml.sheet",
                                      "schema", "type", "string", "format", "binary"));
        skip[ns++] = r->raw;
        skip[ns++] = "content_type";
    } else if (r->body && strcmp(r->body, "*") != 0) {
        const ProtobufCFieldDescriptor *bf =
            protobuf_c_message_descriptor_get_field_by_name(m->input, r->body);
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b, s:{s:{s:o}}}", "required", 1, "content",
                                      "application/json", "schema",
                                      ref_to(schemas, bf->descriptor)));
        skip[ns++] = r->body;
        skip[ns++] = "update_mask";
    } else if (r->body) {
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b, s:{s:{s:o}}}", "required", 1, "content",
                                      "application/json", "schema",
                                      message_schema(schemas, m->input, skip)));
    }
    if (!r->body) { /* the other fields are query parameters */
        for (unsigned i = 0; i < m->input->n_fields; i++) {
            const ProtobufCFieldDescriptor *f = &m->input->fields[i];
            int skipped = 0;
            for (int k = 0; k < ns; k++)
                skipped |= strcmp(skip[k], f->name) == 0;
            if (skipped || f->type == PROTOBUF_C_TYPE_MESSAGE)
                continue;
            json_array_append_new(params, param(f->name, "query", 0, field_schema(schemas, f),
                                                NULL));
        }
    }
    if (strcmp(r->method, "POST") == 0)
        json_array_append_new(
            params, param("Idempotency-Key", "header", 0,
                          json_pack("{s:s, s:i, s:i}", "type", "string", "minLength", 1,
                                    "maxLength", 255),
                          "Send the same key to retry safely: the first response is replayed"));
    if (r->stream)
        json_array_append_new(
            params, param("Last-Event-ID", "header", 0, json_pack("{s:s}", "type", "string"),
                          "Resume after this event (the id: line of the last one read); "
                          "wins over the after parameter"));
    if (json_array_size(params))
        json_object_set_new(op, "parameters", params);
    else
        json_decref(params);
    char status[16];
    snprintf(status, sizeof(status), "%u", r->status ? r->status : 200);
    const char *what = r->stream ? "Server-Sent Events: id: the cursor, event: the type, "
                                   "data: the CloudEvent; comments keep it alive"
                       : r->download && strcmp(r->media, "application/json") == 0
                           ? "The document"
                           : "The file";
    json_t *responses =
        r->download || r->stream
            ? json_pack("{s:{s:s, s:{s:{s:{s:s}}}}}", status, "description", what, "content",
                        r->media, "schema", "type",
                        strcmp(r->media, "application/json") == 0 ? "object" : "string")
                    : json_pack("{s:{s:s, s:{s:{s:o}}}}", status, "description", "Success",
                                "content", "application/json", "schema",
                                ref_to(schemas, m->output));
    static const char *const codes[][2] = {
        { "400", "BadRequest" }, { "401", "Unauthenticated" }, { "403", "Forbidden" },
        { "404", "NotFound" },   { "409", "Conflict" },        { "422", "Unprocessable" },
        { "413", "PayloadTooLarge" }, { "429", "TooManyRequests" },
        { "503", "Unavailable" }, { "504", "Timeout" },
    };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        char rr[96];
        snprintf(rr, sizeof(rr), "#/components/responses/%s", codes[i][1]);
        json_object_set_new(responses, codes[i][0], json_pack("{s:s}", "$ref", rr));
    }
    if (r->scopes == GW_SCOPE_PUBLIC) /* a link that may have expired */
        json_object_set_new(responses, "410", json_pack("{s:s}", "$ref",
                                                        "#/components/responses/Gone"));
    json_object_set_new(op, "responses", responses);
    return op;
}

static json_t *local_operation(const gw_route_t *r)
{
    json_t *content = json_pack("{s:{s:{s:s}}}", "application/json", "schema", "type", "object");
    return json_pack("{s:s, s:s, s:[s], s:[], s:{s:{s:s, s:o}, s:{s:s}, s:{s:s}}}",
                     "operationId", r->name, "summary", r->summary, "tags", "operations",
                     "security", "responses", "200", "description", "Success", "content",
                     content, "413", "$ref", "#/components/responses/PayloadTooLarge", "503",
                     "$ref", "#/components/responses/Unavailable");
}

int gw_openapi_build(gateway_t *gw)
{
    json_t *schemas = json_object(), *paths = json_object();
    json_t *tags = json_pack("[{s:s, s:s}]", "name", "operations", "description",
                             "Health, readiness and this document");
    for (size_t i = 0; i < gw_n_routes; i++) {
        const gw_route_t *r = &gw_routes[i];
        json_t *item = json_object_get(paths, r->pattern);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, r->pattern, item);
        }
        char method[16];
        size_t k;
        for (k = 0; r->method[k] && k + 1 < sizeof(method); k++)
            method[k] = (char)(r->method[k] | 0x20);
        method[k] = '\0';
        json_object_set_new(item, method, r->fn ? local_operation(r) : bus_operation(schemas, r));
        const char *svc = gw_route_service_name(r);
        int known = r->fn != NULL;
        for (size_t t = 0; t < json_array_size(tags) && !known; t++)
            known = strcmp(json_string_value(json_object_get(json_array_get(tags, t), "name")),
                           svc) == 0;
        if (!known) {
            char d[96];
            snprintf(d, sizeof(d), "The %s service", svc);
            json_array_append_new(tags, json_pack("{s:s, s:s}", "name", svc, "description", d));
        }
    }
    json_t *doc = json_pack(
        "{s:s, s:{s:s, s:s, s:s, s:{s:s, s:s}}, s:[{s:s}], s:o, s:o}", "openapi", "3.1.0",
        "info", "title", "hrflow API", "version", "1.0.0", "description",
        "The REST API of hrflow, a group-level HR platform: hiring pipeline, interview "
        "scoring and scheduling, payroll and notifications. See docs/api.md.",
        "license", "name", "Proprietary", "identifier", "LicenseRef-hrflow",
        "servers", "url", gw->cfg.public_url, "tags", tags, "paths", paths);
    if (!doc)
        return -1;
    add_components(doc, schemas);
    gw->openapi = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!gw->openapi)
        return -1;
    gw->openapi_len = strlen(gw->openapi);
    return 0;
}

void gw_openapi(gateway_t *gw, gw_request_t *req)
{
    char *copy = malloc(gw->openapi_len + 1);
    if (!copy)
        return;
    memcpy(copy, gw->openapi, gw->openapi_len + 1);
    gw_respond_text(req, 200, "application/json", copy, gw->openapi_len);
}
