/* services/notify/ssrf.c - the guard that keeps webhooks off internal networks
 *
 * A webhook URL is chosen by whoever holds an integrator's key, and notify
 * runs inside the cluster: without a guard it would POST wherever it is
 * told, the metadata service at 169.254.169.254 or a database's HTTP port
 * included (server-side request forgery). So a URL is parsed by libcurl's
 * own URL parser (curl_url: the one that will send the request, so the two
 * cannot disagree on what the host is), its host resolved, and every
 * address checked against the ranges that are never a partner's server.
 * The check runs when an endpoint is saved and again before each send; the
 * send then connects to the very address checked (ssrf_pin_entry for
 * CURLOPT_RESOLVE), so a DNS answer changed in between (rebinding) is
 * never used. Redirects are never followed (webhook_http.c), so a checked
 * server cannot send the request elsewhere either.
 *
 * allow_private (HF_NOTIFY_WEBHOOK_ALLOW_PRIVATE, for local stacks) lets
 * loopback, RFC 1918, CGNAT and ULA targets through; link-local (cloud
 * metadata), unspecified, multicast, broadcast, reserved and the deny list
 * stay refused always. Pure but for getaddrinfo in ssrf_resolve.
 */
#include "ssrf.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- addresses ---- */

static int v4_in(uint32_t a, uint32_t net, int bits)
{
    uint32_t mask = bits ? 0xffffffffu << (32 - bits) : 0;
    return (a & mask) == (net & mask);
}

/* 1 when the first bits of a and net (16 bytes or 4) are equal. */
static int prefix_eq(const unsigned char *a, const unsigned char *net, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, net, (size_t)whole))
        return 0;
    if (!rest)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[whole] & mask) == (net[whole] & mask);
}

static const char *deny_hit(const ssrf_policy_t *p, int family, const unsigned char *a)
{
    for (size_t k = 0; k < p->n_deny; k++)
        if (p->deny[k].family == family && prefix_eq(a, p->deny[k].addr, p->deny[k].bits))
            return "denied by HF_NOTIFY_WEBHOOK_DENY";
    return NULL;
}

/* The refusal of an IPv4 address (4 bytes, network order). */
static const char *v4_refusal(const ssrf_policy_t *p, const unsigned char *b)
{
    uint32_t a = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    const char *why = deny_hit(p, AF_INET, b);
    if (why)
        return why;
    if (v4_in(a, 0x00000000u, 8))
        return "unspecified";
    if (a == 0xffffffffu)
        return "broadcast";
    if (v4_in(a, 0xa9fe0000u, 16))
        return "link-local";
    if (v4_in(a, 0xe0000000u, 4))
        return "multicast";
    if (v4_in(a, 0xf0000000u, 4))
        return "reserved";
    const char *inside = v4_in(a, 0x7f000000u, 8)     ? "loopback"
                         : v4_in(a, 0x0a000000u, 8)   ? "private"
                         : v4_in(a, 0xac100000u, 12)  ? "private"
                         : v4_in(a, 0xc0a80000u, 16)  ? "private"
                         : v4_in(a, 0x64400000u, 10)  ? "carrier-grade NAT"
                                                      : NULL;
    return inside && !p->allow_private ? inside : NULL;
}

static const char *v6_refusal(const ssrf_policy_t *p, const unsigned char *a)
{
    static const unsigned char zero[16] = { 0 };
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
    const char *why = deny_hit(p, AF_INET6, a);
    if (why)
        return why;
    if (!memcmp(a, zero, 16))
        return "unspecified";
    if (!memcmp(a, zero, 15) && a[15] == 1)
        return p->allow_private ? NULL : "loopback";
    /* an IPv4 address inside: mapped ::ffff:a.b.c.d, compatible ::a.b.c.d,
     * NAT64 64:ff9b::a.b.c.d, 6to4 2002:aabb:ccdd:: */
    if (!memcmp(a, mapped, 12) || !memcmp(a, zero, 12) || !memcmp(a, nat64, 12))
        return v4_refusal(p, a + 12);
    if (a[0] == 0x20 && a[1] == 0x02)
        return v4_refusal(p, a + 2);
    if (a[0] == 0xff)
        return "multicast";
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return "link-local";
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
        return p->allow_private ? NULL : "private";
    if ((a[0] & 0xfe) == 0xfc)
        return p->allow_private ? NULL : "unique local";
    return NULL;
}

const char *ssrf_addr_refusal(const ssrf_policy_t *p, const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return v4_refusal(p, (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
    if (sa->sa_family == AF_INET6)
        return v6_refusal(p,
                          ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
    return "reserved";
}

/* ---- the deny list ---- */

int ssrf_deny_parse(ssrf_policy_t *p, const char *list, char *why, size_t whylen)
{
    p->n_deny = 0;
    const char *s = list ? list : "";
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        const char *e = s;
        while (*e && *e != ',')
            e++;
        size_t n = (size_t)(e - s);
        while (n && s[n - 1] == ' ')
            n--;
        if (n == 0) {
            s = e;
            continue;
        }
        char entry[64];
        ssrf_net_t net = { 0 };
        if (n >= sizeof(entry) || p->n_deny == SSRF_DENY_MAX) {
            snprintf(why, whylen, "%s", n >= sizeof(entry) ? "an entry is too long"
                                                           : "more than 32 networks");
            goto bad;
        }
        memcpy(entry, s, n);
        entry[n] = '\0';
        char *slash = strchr(entry, '/');
        if (slash)
            *slash = '\0';
        net.family = strchr(entry, ':') ? AF_INET6 : AF_INET;
        int max = net.family == AF_INET ? 32 : 128;
        net.bits = max;
        if (inet_pton(net.family, entry, net.addr) != 1) {
            snprintf(why, whylen, "\"%.*s\" is not an IP address or network", (int)n, s);
            goto bad;
        }
        if (slash) {
            char *end;
            long bits = strtol(slash + 1, &end, 10);
            if (!slash[1] || *end || bits < 0 || bits > max || slash[1] == '+' ||
                slash[1] == '-' || slash[1] == ' ') {
                snprintf(why, whylen, "\"%.*s\" has a bad prefix length", (int)n, s);
                goto bad;
            }
            net.bits = (int)bits;
        }
        p->deny[p->n_deny++] = net;
        s = e;
    }
    return 0;
bad:
    p->n_deny = 0;
    return -1;
}

/* ---- URLs ---- */

/* One part of u into out (cap bytes): 0, or the CURLUcode it failed with. */
static int part(CURLU *u, CURLUPart what, unsigned flags, char *out, size_t cap)
{
    char *v = NULL;
    CURLUcode rc = curl_url_get(u, what, &v, flags);
    if (rc == CURLUE_OK) {
        if (strlen(v) >= cap)
            rc = CURLUE_OUT_OF_MEMORY;
        else
            strcpy(out, v);
    }
    curl_free(v);
    return (int)rc;
}

int ssrf_url_check(const ssrf_policy_t *p, const char *url, ssrf_target_t *t, char *why,
                   size_t whylen)
{
    memset(t, 0, sizeof(*t));
    size_t n = strlen(url);
    if (n == 0 || n > SSRF_URL_MAX) {
        snprintf(why, whylen, n ? "longer than 2048 characters" : "a URL is required");
        return -1;
    }
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)url[k] <= 0x20 || url[k] == 0x7f) {
            snprintf(why, whylen, "spaces and control characters are not allowed");
            return -1;
        }
    CURLU *u = curl_url();
    char scheme[16], tmp[SSRF_HOST_MAX], port[8];
    int rc = -1;
    if (!u) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        part(u, CURLUPART_SCHEME, 0, scheme, sizeof(scheme))) {
        snprintf(why, whylen, "not an absolute URL");
        goto out;
    }
    if (strcmp(scheme, "https") && (strcmp(scheme, "http") || !p->allow_http)) {
        snprintf(why, whylen, p->allow_http ? "the scheme must be https or http"
                                            : "the scheme must be https");
        goto out;
    }
    if (part(u, CURLUPART_USER, 0, tmp, sizeof(tmp)) != CURLUE_NO_USER ||
        part(u, CURLUPART_PASSWORD, 0, tmp, sizeof(tmp)) != CURLUE_NO_PASSWORD) {
        snprintf(why, whylen, "a user name or password in the URL is not allowed");
        goto out;
    }
    if (part(u, CURLUPART_FRAGMENT, 0, tmp, sizeof(tmp)) != CURLUE_NO_FRAGMENT) {
        snprintf(why, whylen, "a fragment (#…) is not allowed");
        goto out;
    }
    if (part(u, CURLUPART_ZONEID, 0, tmp, sizeof(tmp)) != CURLUE_NO_ZONEID) {
        snprintf(why, whylen, "an IPv6 zone is not allowed");
        goto out;
    }
    if (part(u, CURLUPART_HOST, 0, tmp, sizeof(tmp)) || !*tmp) {
        snprintf(why, whylen, "a host is required");
        goto out;
    }
    if (part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT, port, sizeof(port)) ||
        part(u, CURLUPART_URL, 0, t->url, sizeof(t->url))) {
        snprintf(why, whylen, "not a URL libcurl can request");
        goto out;
    }
    t->port = atoi(port);
    size_t hl = strlen(tmp);
    if (tmp[0] == '[' && hl > 2 && tmp[hl - 1] == ']') { /* an IPv6 literal */
        memcpy(t->host, tmp + 1, hl - 2);
        t->host[hl - 2] = '\0';
    } else {
        memcpy(t->host, tmp, hl + 1);
    }
    struct addrinfo hints = { .ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_STREAM }, *ai;
    if (getaddrinfo(t->host, NULL, &hints, &ai) == 0) {
        t->literal = 1;
        const char *no = ssrf_addr_refusal(p, ai->ai_addr);
        freeaddrinfo(ai);
        if (no) {
            snprintf(why, whylen, "the address %s is %s", t->host, no);
            goto out;
        }
    }
    rc = 0;
out:
    curl_url_cleanup(u);
    if (rc)
        memset(t, 0, sizeof(*t));
    return rc;
}

/* ---- resolving and pinning ---- */

int ssrf_resolve(const ssrf_policy_t *p, const ssrf_target_t *t, char addr[SSRF_ADDR_MAX],
                 char *why, size_t whylen)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai, *x;
    char port[8];
    addr[0] = '\0';
    snprintf(port, sizeof(port), "%d", t->port);
    int rc = getaddrinfo(t->host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(why, whylen, "the host %s does not resolve (%s)", t->host, gai_strerror(rc));
        return -1;
    }
    for (x = ai; x; x = x->ai_next) {
        char text[SSRF_ADDR_MAX];
        const void *in = x->ai_family == AF_INET
                             ? (const void *)&((struct sockaddr_in *)x->ai_addr)->sin_addr
                             : (const void *)&((struct sockaddr_in6 *)x->ai_addr)->sin6_addr;
        if ((x->ai_family != AF_INET && x->ai_family != AF_INET6) ||
            !inet_ntop(x->ai_family, in, text, sizeof(text)))
            continue;
        const char *no = ssrf_addr_refusal(p, x->ai_addr);
        if (no) {
            snprintf(why, whylen, "the host %s resolves to %s, which is %s", t->host, text, no);
            addr[0] = '\0';
            freeaddrinfo(ai);
            return -1;
        }
        if (!addr[0])
            memcpy(addr, text, sizeof(text));
    }
    freeaddrinfo(ai);
    if (!addr[0]) {
        snprintf(why, whylen, "the host %s has no IP address", t->host);
        return -1;
    }
    return 0;
}

int ssrf_pin_entry(const ssrf_target_t *t, const char *addr, char *out, size_t outlen)
{
    int v6 = strchr(addr, ':') != NULL;
    int n = snprintf(out, outlen, v6 ? "%s:%d:[%s]" : "%s:%d:%s", t->host, t->port, addr);
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen)
            out[0] = '\0';
        return -1;
    }
    return 0;
}
