/* services/broker/zap.h - who may talk to the broker: the ZAP handler and handshake counts
 *
 * The broker's sockets are CURVE servers (common/src/bus_curve.c sets them
 * up); libzmq asks a ZAP handler (RFC 27) on inproc://zeromq.zap.01 whether
 * each client's public key may connect. This one answers 200 for the keys of
 * HF_BUS_AUTHORIZED_KEYS and 400 for any other, and counts the outcome of
 * every handshake on the broker's sockets through their monitors:
 *   hf_broker_handshakes_total{socket}                    accepted
 *   hf_broker_handshakes_rejected_total{socket,reason}    reason "key": not an
 *       authorised key (the ZAP 400); "protocol": no CURVE, the wrong server
 *       key, or a broken handshake
 * One thread owns the handler socket and the monitor sockets; it never
 * touches the broker's own sockets.
 */
#ifndef HF_BROKER_ZAP_H
#define HF_BROKER_ZAP_H

#include <stddef.h>

typedef struct broker_zap broker_zap_t;

/* Bind the handler in the bus context. Call before any CURVE server socket
 * is bound, so no client is ever accepted unasked. Returns NULL with the
 * reason in err. */
broker_zap_t *broker_zap_new(char *err, size_t errlen);

/* Count the handshakes of s (a broker socket, in the calling thread that
 * owns it, before it binds) under the label socket ("rpc", "xsub", "xpub").
 * At most 4 sockets. Returns 0, or -1. */
int broker_zap_watch(broker_zap_t *z, void *s, const char *socket);

/* Start answering. Returns 0, or -1 with the reason in err. */
int broker_zap_start(broker_zap_t *z, char *err, size_t errlen);

/* Stop the thread and close its sockets: after the broker's sockets are
 * closed (while a CURVE server socket is open, clients must be asked). Accepts
 * NULL; sets *z to NULL. */
void broker_zap_destroy(broker_zap_t **z);

#endif
