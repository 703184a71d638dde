/* common/src/hf_private.h - internals shared by the modules of libhrflow
 *
 * Not installed, not for services: the ZeroMQ context, endpoint lists and
 * the little frame helpers the bus client, worker and event code share.
 */
#ifndef HF_PRIVATE_H
#define HF_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <zmq.h>


/* Split a comma-separated endpoint list. Returns the count (>= 1) and a
 * malloc'd array of malloc'd strings in *out (free with hf_endpoints_free),
 * or -1 when the list is empty or an entry is not "tcp://", "ipc://" or
 * "inproc://". */
int hf_endpoints_split(const char *list, char ***out);
void hf_endpoints_free(char **eps, int n);

/* A new socket of type with linger 0 and the given send/receive high-water
 * marks, connected to every endpoint of eps. Returns NULL on failure. */
void *hf_zsock_connect(int type, char *const *eps, int n, int hwm);

#endif
