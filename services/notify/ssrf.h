/* services/notify/ssrf.h - the guard that keeps webhooks off internal networks (ssrf.c) */
#ifndef NOTIFY_SSRF_H
#define NOTIFY_SSRF_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#define SSRF_DENY_MAX 32         /* networks in a deny list */
#define SSRF_URL_MAX 2048        /* characters of a webhook URL */
#define SSRF_HOST_MAX 256

/* One network of a deny list: an IPv4 or IPv6 prefix. */
typedef struct {
    int family;                  /* AF_INET or AF_INET6 */
    unsigned char addr[16];      /* network byte order; 4 used for AF_INET */
    int bits;                    /* prefix length */
} ssrf_net_t;

/* What a webhook may reach. */
typedef struct {
    int allow_http;              /* http:// as well as https:// */
    int allow_private;           /* loopback, RFC 1918, CGNAT and ULA targets (local stacks) */
    ssrf_net_t deny[SSRF_DENY_MAX];  /* refused whatever else says */
    size_t n_deny;
} ssrf_policy_t;

/* A URL that passed ssrf_url_check: its parts as libcurl reads them. */
typedef struct {
    char url[SSRF_URL_MAX + 1];  /* the URL as libcurl normalised it: what is requested */
    char host[SSRF_HOST_MAX];    /* the host, IPv6 literals without brackets */
    int port;                    /* explicit or the scheme's */
    int literal;                 /* 1 when host is an IP address */
} ssrf_target_t;

/* Room for an address as text (inet_ntop), with its NUL. */
#define SSRF_ADDR_MAX INET6_ADDRSTRLEN

/* Fill p->deny from list: comma-separated networks "10.0.0.0/8",
 * "fd00::/8", or addresses (a /32 or /128); spaces around entries and an
 * empty list are fine. Returns 0, or -1 with a reason naming the entry in
 * why (whylen bytes) and p->n_deny 0. */
int ssrf_deny_parse(ssrf_policy_t *p, const char *list, char *why, size_t whylen);

/* Check url's form without resolving it: at most SSRF_URL_MAX characters,
 * scheme https (or http when p->allow_http), a host, no user name or
 * password, no fragment, no IPv6 zone; an IP-literal host is also checked
 * with ssrf_addr_refusal. Returns 0 with t filled, or -1 with a reason for
 * the integrator in why. */
int ssrf_url_check(const ssrf_policy_t *p, const char *url, ssrf_target_t *t, char *why,
                   size_t whylen);

/* Why the address sa may not be a webhook's target under p ("loopback",
 * "private", "link-local", "carrier-grade NAT", "unique local",
 * "unspecified", "multicast", "broadcast", "reserved", "denied by
 * HF_NOTIFY_WEBHOOK_DENY"), looking through IPv4-mapped, IPv4-compatible,
 * NAT64 and 6to4 IPv6 forms at the IPv4 address inside; NULL when it may.
 * Static strings. */
const char *ssrf_addr_refusal(const ssrf_policy_t *p, const struct sockaddr *sa);

/* Resolve t's host (getaddrinfo) and check every address it has: one
 * refused address refuses the host (a name that also points inside is not
 * a safe name). Returns 0 with the first address, as text, in addr (the
 * one to pin the connection to), or -1 with a reason in why (the name does
 * not resolve, or which address is refused and why). */
int ssrf_resolve(const ssrf_policy_t *p, const ssrf_target_t *t, char addr[SSRF_ADDR_MAX],
                 char *why, size_t whylen);

/* The CURLOPT_RESOLVE entry "host:port:addr" ("[addr]" for IPv6) that pins
 * t's connection to the address ssrf_resolve checked, so a DNS answer that
 * changes between the check and the connection (rebinding) is never used.
 * Into out (outlen bytes); returns 0, or -1 when it does not fit. */
int ssrf_pin_entry(const ssrf_target_t *t, const char *addr, char *out, size_t outlen);

#endif
