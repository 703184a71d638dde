/* services/gateway/proxy.c - a bus route's content phase: JSON in, protobuf over the bus, JSON out
 *
 * gw_proxy_phase runs after the phases before it (phases.c) have named the
 * caller, checked its scopes and rate limit and claimed an Idempotency-Key.
 * Its steps, each of which may answer the request and stop: build the
 * request -> call service.method with the caller -> map the reply or the
 * error. The request message is built generically (hf/codec.h) from one JSON
 * object: the body (as the whole request, or as the route's body field),
 * the path parameters and the query string. For PATCH, the body's keys
 * become the request's update_mask, so absent fields stay as they are. Page
 * tokens pass through untouched: the service seals them (hf/store.h).
 */
#include "gateway.h"

#include "hf/codec.h"
#include "hf/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    gw_request_t *req;
    const ProtobufCMessageDescriptor *input;
    json_t *obj;
    json_t *errors; /* problem errors[] collected from the query string */
} build_t;

static void add_error(json_t **errors, const char *field, const char *code, const char *msg)
{
    if (!*errors)
        *errors = json_array();
    json_t *e = json_pack("{s:s, s:s, s:s}", "field", field, "code", code, "message", msg);
    if (e)
        json_array_append_new(*errors, e);
}

/* The key under which obj holds field f (either spelling), or NULL. */
static const char *present(json_t *obj, const ProtobufCFieldDescriptor *f)
{
    char json[128];
    hf_codec_json_name(f->name, json, sizeof(json));
    if (json_object_get(obj, f->name))
        return f->name;
    return json_object_get(obj, json) ? f->name : NULL;
}

static int query_param(void *ctx, const char *key, const char *value)
{
    build_t *b = ctx;
    char path[160];
    snprintf(path, sizeof(path), "query.%.140s", key);
    const ProtobufCFieldDescriptor *f = hf_codec_field(b->input, key);
    if (!f || f->type == PROTOBUF_C_TYPE_MESSAGE) {
        add_error(&b->errors, path, "unknown_field", "this route has no such query parameter");
        return 0;
    }
    json_t *v;
    if (f->type == PROTOBUF_C_TYPE_BOOL && (!strcmp(value, "true") || !strcmp(value, "false")))
        v = json_boolean(!strcmp(value, "true"));
    else
        v = json_string(value);
    if (!v) {
        add_error(&b->errors, path, "bad_format", "the value is not valid UTF-8");
        return 0;
    }
    json_t *old = json_object_get(b->obj, f->name);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        if (!old) {
            old = json_array();
            json_object_set_new(b->obj, f->name, old);
        }
        json_array_append_new(old, v);
    } else if (old || present(b->obj, f)) {
        json_decref(v);
        add_error(&b->errors, path, "duplicate", "the parameter is given twice");
    } else {
        json_object_set_new(b->obj, f->name, v);
    }
    return 0;
}

/* PATCH: the request's update_mask lists the body's fields, by proto name. */
static void fill_update_mask(const ProtobufCMessageDescriptor *input, const char *body_field,
                             json_t *obj)
{
    const ProtobufCFieldDescriptor *mask = hf_codec_field(input, "update_mask");
    const ProtobufCFieldDescriptor *bf = protobuf_c_message_descriptor_get_field_by_name(
        input, body_field);
    json_t *body = json_object_get(obj, body_field);
    if (!mask || mask->label != PROTOBUF_C_LABEL_REPEATED || !bf ||
        bf->type != PROTOBUF_C_TYPE_MESSAGE || !json_is_object(body))
        return;
    json_t *names = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        const ProtobufCFieldDescriptor *f = hf_codec_field(bf->descriptor, key);
        json_array_append_new(names, json_string(f ? f->name : key));
    }
    json_object_set_new(obj, mask->name, names);
}

/* Build the JSON object of the request. Returns it, or NULL after answering. */
static json_t *build(gw_request_t *req, const gw_route_t *route,
                     const ProtobufCMessageDescriptor *input)
{
    size_t blen = 0;
    const char *text = gw_request_body(req, &blen);
    json_t *obj = NULL;
    if (route->raw)
        text = NULL; /* the file goes to its bytes field after decoding (call()) */
    if (text && !route->body && !route->raw) {
        gw_respond_problem(req, 400, "unexpected_body", "Unexpected body",
                           "this route takes no request body");
        return NULL;
    }
    if (text) {
        const char *ct = gw_request_header(req, "Content-Type");
        if (!ct || (strncasecmp(ct, "application/json", 16) != 0 &&
                    strncasecmp(ct, "application/merge-patch+json", 28) != 0)) {
            gw_respond_problem(req, 415, "unsupported_media_type", "Unsupported media type",
                               "send the body as application/json");
            return NULL;
        }
        json_error_t jerr;
        json_t *doc = json_loadb(text, blen, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc || !json_is_object(doc)) {
            char d[300];
            if (doc)
                snprintf(d, sizeof(d), "the body must be a JSON object");
            else
                snprintf(d, sizeof(d), "malformed JSON at line %d, column %d: %s", jerr.line,
                         jerr.column, jerr.text);
            json_decref(doc);
            gw_respond_problem(req, 400, "malformed_json", "Malformed JSON", d);
            return NULL;
        }
        if (strcmp(route->body, "*") == 0) {
            obj = doc;
        } else {
            obj = json_object();
            json_object_set_new(obj, route->body, doc);
            if (strcmp(route->method, "PATCH") == 0)
                fill_update_mask(input, route->body, obj);
        }
    } else {
        obj = json_object();
    }
    build_t b = { req, input, obj, NULL };
    int np = 0;
    const gw_param_t *params = gw_request_params(req, &np);
    for (int i = 0; i < np; i++) {
        const ProtobufCFieldDescriptor *f = hf_codec_field(input, params[i].name);
        json_t *v = json_string(params[i].value);
        if (!f || !v) {
            json_decref(v);
            add_error(&b.errors, params[i].name, "bad_format", "not a valid path parameter");
            continue;
        }
        if (present(obj, f)) {
            json_decref(v);
            add_error(&b.errors, params[i].name, "duplicate",
                      "given in the path; leave it out of the body");
            continue;
        }
        json_object_set_new(obj, f->name, v);
    }
    gw_request_query(req, query_param, &b);
    const ProtobufCFieldDescriptor *ctf = route->raw ? hf_codec_field(input, "content_type") : NULL;
    const char *ct = route->raw ? gw_request_header(req, "Content-Type") : NULL;
    json_t *ctv = ctf && ct ? json_string(ct) : NULL; /* NULL for invalid UTF-8 too */
    if (ctv)
        json_object_set_new(obj, ctf->name, ctv);
    /* If-Match: "<version>" fills expected_version where a request has one */
    const char *match = gw_request_header(req, "If-Match");
    const ProtobufCFieldDescriptor *ev = hf_codec_field(input, "expected_version");
    if (match && ev && !present(obj, ev)) {
        char v[32];
        size_t n = strlen(match);
        if (n >= 2 && match[0] == '"' && match[n - 1] == '"')
            snprintf(v, sizeof(v), "%.*s", (int)(n - 2 < 30 ? n - 2 : 30), match + 1);
        else
            snprintf(v, sizeof(v), "%.30s", match);
        json_object_set_new(obj, ev->name, json_string(v));
    }
    if (b.errors) {
        json_decref(obj);
        gw_respond_problem_errors(req, 400, "malformed_request", "Malformed request",
                                  "the request has invalid parameters", b.errors);
        return NULL;
    }
    return obj;
}

static void respond_codec_errors(gw_request_t *req, const hf_codec_errors_t *errs,
                                 const char *body_field)
{
    /* Codec paths are in JSON names: strip the body field's JSON name, so
     * a path reads as the client's own body ("name", not "company.name"). */
    char strip[128] = "";
    if (body_field && strcmp(body_field, "*") != 0)
        hf_codec_json_name(body_field, strip, sizeof(strip));
    size_t sl = strlen(strip);
    json_t *list = json_array();
    for (size_t i = 0; i < errs->n; i++) {
        const char *path = errs->errors[i].path;
        if (sl && strncmp(path, strip, sl) == 0 && (path[sl] == '.' || path[sl] == '\0'))
            path += path[sl] ? sl + 1 : sl;
        add_error(&list, path, errs->errors[i].code, errs->errors[i].message);
    }
    int malformed = errs->n == 1 && strcmp(errs->errors[0].code, "malformed_json") == 0;
    gw_respond_problem_errors(req, 400, malformed ? "malformed_json" : "malformed_request",
                              malformed ? "Malformed JSON" : "Malformed request",
                              errs->n == 1 ? errs->errors[0].message
                                           : "the request has invalid fields",
                              list);
}

/* The text field `name` of reply, or NULL when it has none or it is "". */
static const char *reply_text(const ProtobufCMessage *reply, const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(reply->descriptor, name);
    if (!f || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    const char *v = *(char *const *)((const char *)reply + f->offset);
    return v && *v ? v : NULL;
}

/* Answer a download route with the reply's file: its bytes field as the
 * body, its content_type and filename as the headers that say what it is. */
static void download(gw_request_t *req, const gw_route_t *route, const ProtobufCMessage *reply)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(reply->descriptor, route->download);
    const ProtobufCBinaryData *file = (const void *)((const char *)reply + f->offset);
    const char *ct = reply_text(reply, "content_type");
    const char *name = reply_text(reply, "filename");
    char type[160], disposition[200];
    /* a header is one line of printable ASCII: anything else is not sent */
    snprintf(type, sizeof(type), "%s", ct && !strpbrk(ct, "\r\n") ? ct : route->media);
    if (name && strlen(name) < 128 && strspn(name, "abcdefghijklmnopqrstuvwxyz"
                                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
                                           strlen(name)) {
        snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", name);
        gw_add_header(req, "Content-Disposition", disposition);
    }
    char *body = malloc(file->len ? file->len : 1);
    if (!body)
        return; /* http.c answers 500 */
    if (file->len)
        memcpy(body, file->data, file->len);
    gw_respond_text(req, 200, type, body, file->len);
}

ProtobufCMessage *gw_proxy_message(gw_request_t *req, const gw_route_t *route)
{
    const ProtobufCMethodDescriptor *rpc = gw_route_rpc(route);
    json_t *obj = build(req, route, rpc->input);
    if (!obj)
        return NULL;
    ProtobufCMessage *msg = NULL;
    hf_codec_errors_t errs;
    int rc = hf_codec_decode(rpc->input, obj, NULL, &msg, &errs);
    json_decref(obj);
    if (rc < 0) {
        respond_codec_errors(req, &errs, route->body);
        return NULL;
    }
    return msg;
}

int gw_proxy_call(gateway_t *gw, const gw_route_t *route, const ProtobufCMessage *msg,
                  const Hrflow__V1__Caller *caller, const char *traceparent,
                  const char *request_id, ProtobufCMessage **reply, hf_status_t *st)
{
    const ProtobufCMethodDescriptor *rpc = gw_route_rpc(route);
    hf_call_opts_t opts = { .timeout_ms = (int)gw->cfg.call_timeout_ms,
                            .caller = caller,
                            .traceparent = traceparent,
                            .request_id = request_id };
    hf_bus_client_t *bus = gw_bus(gw);
    return bus ? hf_bus_call(bus, gw_route_service_name(route), rpc->name, msg, rpc->output,
                             &opts, reply, st)
               : HRFLOW__V1__ERROR_CODE__UNAVAILABLE;
}

/* The reply's top-level "version" when its JSON is a string, as hf_codec_encode
 * writes it: a string field, or a 64-bit integer (written as a string); NULL for
 * none, a 32-bit one, or one the encoding leaves out. The text is in buf or
 * the reply. */
static const char *record_version(const ProtobufCMessage *m, char *buf, size_t n)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "version");
    if (!f || f->label != PROTOBUF_C_LABEL_NONE)
        return NULL;
    const void *p = (const char *)m + f->offset;
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        return *(char *const *)p ? *(char *const *)p : "";
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        hf_codec_format_int(f->type, p, buf, n);
        return buf;
    default:
        return NULL;
    }
}

static void call(gateway_t *gw, gw_request_t *req, const gw_route_t *route,
                 const gw_identity_t *id)
{
    ProtobufCMessage *msg = gw_proxy_message(req, route);
    if (!msg)
        return;
    ProtobufCBinaryData *file = NULL; /* a file route: the body, borrowed until the call ends */
    if (route->raw) {
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, route->raw);
        size_t blen = 0;
        const char *body = gw_request_body(req, &blen);
        file = (ProtobufCBinaryData *)((char *)msg + f->offset);
        file->data = (uint8_t *)body;
        file->len = body ? blen : 0;
    }
    ProtobufCMessage *reply = NULL;
    hf_status_t st = { 0 };
    int rc = gw_proxy_call(gw, route, msg, id->caller, gw_request_traceparent(req),
                           gw_request_id(req), &reply, &st);
    if (file) /* not ours to free */
        *file = (ProtobufCBinaryData){ 0, NULL };
    protobuf_c_message_free_unpacked(msg, NULL);
    if (rc != 0) {
        st.code = rc;
        gw_respond_bus_error(req, &st, route->body && strcmp(route->body, "*") ? route->body
                                                                               : NULL);
        hf_status_clear(&st);
        return;
    }
    if (route->download) {
        download(req, route, reply);
        protobuf_c_message_free_unpacked(reply, NULL);
        return;
    }
    size_t len = 0;
    char *out = hf_codec_write(reply, GW_REAL_PRECISION, &len), vbuf[32];
    const char *version = record_version(reply, vbuf, sizeof(vbuf));
    if (out && version && strcmp(version, "0") != 0) {
        char etag[48]; /* a record with a version: its ETag, for If-Match */
        snprintf(etag, sizeof(etag), "\"%.40s\"", version);
        gw_add_header(req, "ETag", etag);
    }
    protobuf_c_message_free_unpacked(reply, NULL);
    if (!out)
        return; /* http.c answers 500 */
    gw_respond_text(req, route->status ? route->status : 200, "application/json", out, len);
}

gw_rc_t gw_proxy_phase(gateway_t *gw, gw_request_t *req)
{
    const gw_route_t *route = gw_request_route(req);
    if (!route->service)
        return GW_DECLINED;
    if (!gw_request_may_wait(req)) /* the bus */
        return GW_AGAIN;
    call(gw, req, route, gw_request_identity(req));
    return GW_DONE; /* without an answer (out of memory), http.c answers 500 */
}
