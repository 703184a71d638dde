/* common/src/hf_private.h - internals shared by the modules of libhrflow
 *
 * Not installed, not for services: the ZeroMQ context, endpoint lists and
 * the little frame helpers the bus client, worker and event code share; the
 * calendar the codec's dates and the table reader's share.
 */
#ifndef HF_PRIVATE_H
#define HF_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>


/* Split a comma-separated endpoint list. Returns the count (>= 1) and a
 * malloc'd array of malloc'd strings in *out (free with hf_endpoints_free),
 * or -1 when the list is empty or an entry is not "tcp://", "ipc://" or
 * "inproc://" (each optionally followed by "#" and a CURVE server key). */
int hf_endpoints_split(const char *list, char ***out);
void hf_endpoints_free(char **eps, int n);

/* 1 when text is a CURVE key as an endpoint's "#KEY" suffix writes it. */
int hf_bus_endpoint_key_ok(const char *text);

/* A new client bus socket (hf_bus_socket) of type, connected to every
 * endpoint of eps (hf_bus_connect). Returns NULL on failure. */
void *hf_zsock_connect(int type, char *const *eps, int n);

/* The proleptic Gregorian calendar (H. Hinnant's algorithms, codec_wkt.c):
 * days since 1970-01-01 of a date and back; leap years; days of month m. */
int64_t hf_days_from_civil(int64_t y, unsigned m, unsigned d);
void hf_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
bool hf_leap_year(int64_t y);
unsigned hf_month_days(int64_t y, unsigned m);

#endif
