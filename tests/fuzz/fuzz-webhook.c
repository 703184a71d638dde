/* tests/fuzz/fuzz-webhook.c - fuzz target of what the webhooks parse (services/notify)
 *
 * The input is split at its first two NUL bytes into three texts a, b, c
 * (missing ones are ""), and each parser of the webhooks meets them:
 *   - a as a webhook secret and b as a webhook-signature header: wh_verify
 *     reads both without reading past them; a header wh_signature_header
 *     wrote for a secret that parses always verifies under it;
 *   - a as a URL (the SSRF guard's form check, no DNS) and as a deny list;
 *     a URL that passes has a host and a port in 1..65535;
 *   - a as a Retry-After value: 0..86400 seconds or -1;
 *   - a as an event type filter entry, b as an event type;
 *   - c as the data of a CloudEvent: it encodes only if it is JSON.
 * A broken promise is an abort(), so libFuzzer (run.sh webhook, clang) and
 * the corpus replay (the unit suite) both report it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/notify/cloudevent.h"
#include "../../services/notify/ssrf.h"
#include "../../services/notify/webhook_http.h"
#include "../../services/notify/webhook_sign.h"
#include "../../services/notify/webhook_types.h"

int fuzz_webhook_input(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz-webhook: %s\n", what);
    abort();
}

int fuzz_webhook_input(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 3);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = buf[size + 1] = buf[size + 2] = '\0';
    const char *a = buf, *b = a + strlen(a) + 1;
    if ((size_t)(b - buf) > size)
        b = buf + size + 1;
    const char *c = b + strlen(b) + 1;
    if ((size_t)(c - buf) > size + 1)
        c = buf + size + 2;

    /* signatures */
    unsigned char key[WH_KEY_MAX];
    size_t keylen;
    int key_ok = wh_secret_key(a, key, &keylen) == 0;
    int rc = wh_verify(a, b, "msg_1", 1614265330, c, strlen(c));
    if (!key_ok && rc != -22)
        fail("a secret that does not parse verified something");
    if (key_ok) {
        char hdr[2 * WH_SIG_MAX];
        const char *secrets[] = { a };
        if (wh_signature_header(secrets, 1, "msg_1", 7, c, strlen(c), hdr, sizeof(hdr)) != 0 ||
            wh_verify(a, hdr, "msg_1", 7, c, strlen(c)) != 0)
            fail("a signature does not verify under its own secret");
    }

    /* the SSRF guard's parsers */
    ssrf_policy_t p = { .allow_http = 1 };
    ssrf_target_t t;
    char why[256];
    if (ssrf_url_check(&p, a, &t, why, sizeof(why)) == 0 &&
        (!t.host[0] || t.port < 1 || t.port > 65535))
        fail("a URL passed without a host or port");
    if (ssrf_deny_parse(&p, a, why, sizeof(why)) == 0 && p.n_deny > SSRF_DENY_MAX)
        fail("a deny list overflowed");

    /* Retry-After, type filters, CloudEvents */
    int64_t s = wh_retry_after(a, 1764750600);
    if (s < -1 || s > 86400)
        fail("a Retry-After out of range");
    const char *no;
    if (wh_type_check(a, &no) == 0 && strncmp(a, "hrflow.", 7))
        fail("a filter entry outside hrflow.");
    char *filter[] = { (char *)a };
    (void)wh_types_match(filter, 1, b);
    ce_event_t ev = { "1", "/hrflow/fuzz", "hrflow.fuzz.thing.done.v1", b, 0, "t", c };
    free(ce_encode(&ev, NULL));
    free(buf);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_webhook_input(data, size);
}
