/* services/gateway/errors.c - bus error codes -> HTTP status and problem+json
 *
 * One table: every error code a service can return has one HTTP status, one
 * stable problem `code` (the last part of its `type` URI) and one title; an
 * INVALID_ARGUMENT about the page token alone is 400 `invalid_page_token`.
 * docs/api.md lists the same table for clients. Internal errors keep their
 * message out of the response (it may name tables or hosts); the request id
 * ties the response to the log line that has it.
 */
#include "gateway.h"

#include "hf/codec.h"
#include "hf/log.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    int code;
    unsigned status;
    const char *name;
    const char *title;
} error_map_t;

static const error_map_t errors[] = {
    { HRFLOW__V1__ERROR_CODE__INVALID_ARGUMENT, 422, "invalid_argument", "Invalid argument" },
    { HRFLOW__V1__ERROR_CODE__NOT_FOUND, 404, "not_found", "Not found" },
    { HRFLOW__V1__ERROR_CODE__ALREADY_EXISTS, 409, "already_exists", "Already exists" },
    { HRFLOW__V1__ERROR_CODE__FAILED_PRECONDITION, 409, "failed_precondition",
      "Failed precondition" },
    { HRFLOW__V1__ERROR_CODE__PERMISSION_DENIED, 403, "permission_denied", "Permission denied" },
    { HRFLOW__V1__ERROR_CODE__UNAUTHENTICATED, 401, "unauthenticated", "Unauthenticated" },
    { HRFLOW__V1__ERROR_CODE__CONFLICT, 409, "conflict", "Conflict" },
    { HRFLOW__V1__ERROR_CODE__RESOURCE_EXHAUSTED, 429, "resource_exhausted", "Too many requests" },
    { HRFLOW__V1__ERROR_CODE__OVERLOADED, 503, "overloaded", "Service overloaded" },
    { HRFLOW__V1__ERROR_CODE__DEADLINE_EXCEEDED, 504, "deadline_exceeded", "Deadline exceeded" },
    { HRFLOW__V1__ERROR_CODE__UNAVAILABLE, 503, "unavailable", "Service unavailable" },
    { HRFLOW__V1__ERROR_CODE__UNIMPLEMENTED, 501, "unimplemented", "Not implemented" },
    { HRFLOW__V1__ERROR_CODE__MALFORMED, 400, "malformed_request", "Malformed request" },
    { HRFLOW__V1__ERROR_CODE__GONE, 410, "gone", "Gone" },
};
static const error_map_t internal = { HRFLOW__V1__ERROR_CODE__INTERNAL, 500, "internal",
                                      "Internal error" };

/* "company.credit_code" -> "creditCode" when strip is "company": the path
 * the client wrote, in JSON names. A map's key ("inputs[\"attended_days\"]")
 * is the client's own text and stays as written. */
static void client_path(const char *field, const char *strip, char *out, size_t outlen)
{
    size_t sl = strip ? strlen(strip) : 0;
    if (sl && strncmp(field, strip, sl) == 0 && field[sl] == '.')
        field += sl + 1;
    size_t o = 0;
    out[0] = '\0';
    while (*field && o + 1 < outlen) {
        size_t n = 1;
        if (field[0] == '[' && field[1] == '"') {
            const char *end = strstr(field + 2, "\"]");
            n = end ? (size_t)(end + 2 - field) : strlen(field);
            o += (size_t)snprintf(out + o, outlen - o, "%.*s", (int)n, field);
        } else if (isalpha((unsigned char)*field) || *field == '_') {
            char name[128], json[128];
            n = strcspn(field, ".[");
            snprintf(name, sizeof(name), "%.*s", (int)(n < 127 ? n : 127), field);
            hf_codec_json_name(name, json, sizeof(json));
            o += (size_t)snprintf(out + o, outlen - o, "%s", json);
        } else {
            out[o++] = *field;
            out[o] = '\0';
        }
        field += n;
    }
    if (o >= outlen)
        out[outlen - 1] = '\0';
}

/* A refused page token: the client did not write it, so it is not a value
 * to correct (422) but a request to start again from the first page. */
static const error_map_t page_token = { HRFLOW__V1__ERROR_CODE__INVALID_ARGUMENT, 400,
                                        "invalid_page_token", "Invalid page token" };

static int only_page_token(const hf_status_t *st)
{
    if (st->code != HRFLOW__V1__ERROR_CODE__INVALID_ARGUMENT || !st->error ||
        st->error->n_details == 0)
        return 0;
    for (size_t i = 0; i < st->error->n_details; i++) {
        const char *f = st->error->details[i]->field;
        if (!f || strcmp(f, "page_token") != 0)
            return 0;
    }
    return 1;
}

void gw_respond_bus_error(gw_request_t *r, const hf_status_t *st, const char *strip)
{
    const error_map_t *m = &internal;
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
        if (errors[i].code == st->code)
            m = &errors[i];
    if (only_page_token(st))
        m = &page_token;
    const char *detail = st->message;
    if (m == &internal) {
        hf_logkv(HF_LOG_ERROR, "service failed", HF_KV_STR("error", st->message));
        detail = "the request failed inside hrflow; quote the request id to support";
    }
    if (st->code == HRFLOW__V1__ERROR_CODE__OVERLOADED ||
        st->code == HRFLOW__V1__ERROR_CODE__UNAVAILABLE ||
        st->code == HRFLOW__V1__ERROR_CODE__RESOURCE_EXHAUSTED) {
        char secs[24];
        uint32_t ms = st->retry_after_ms ? st->retry_after_ms : 1000;
        snprintf(secs, sizeof(secs), "%u", (ms + 999) / 1000);
        gw_add_header(r, "Retry-After", secs);
    }
    json_t *list = NULL;
    if (st->error && st->error->n_details && m != &internal) {
        list = json_array();
        for (size_t i = 0; i < st->error->n_details; i++) {
            const Hrflow__V1__ErrorDetail *d = st->error->details[i];
            char path[256];
            client_path(d->field ? d->field : "", strip, path, sizeof(path));
            json_t *e = json_pack("{s:s?, s:s?, s:s?}", "field", path, "code", d->code,
                                  "message", d->message);
            if (e)
                json_array_append_new(list, e);
        }
    }
    gw_respond_problem_errors(r, m->status, m->name, m->title, detail, list);
}
