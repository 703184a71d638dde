/* services/gateway/asyncapi.c - the events' AsyncAPI 3.0 document, served as built in
 *
 * The document is docs/asyncapi.json, generated from the event catalogue
 * (the files of events/) by tools/events_doc.py and compiled into the binary as a
 * string (the build's asyncapi_json.c), so the gateway serves the catalogue
 * of the code it was built with and reads no file at run time. The test
 * suite parses the served document with @asyncapi/parser.
 */
#include "gateway.h"

#include <stdlib.h>
#include <string.h>

extern const char gw_asyncapi_json[];
extern const size_t gw_asyncapi_json_len;

void gw_asyncapi(gateway_t *gw, gw_request_t *req)
{
    (void)gw;
    char *copy = malloc(gw_asyncapi_json_len + 1);
    if (!copy)
        return;
    memcpy(copy, gw_asyncapi_json, gw_asyncapi_json_len + 1);
    gw_respond_text(req, 200, "application/json", copy, gw_asyncapi_json_len);
}
