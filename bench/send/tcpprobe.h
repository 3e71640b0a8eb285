/*
 * udpbench: the sender's TCP connection for --tcp — probes as length-framed
 * messages (16-bit big-endian length, then the probe) on one connection with
 * TCP_NODELAY, an output queue for when TCP cannot take them yet, and
 * TCP_INFO for what TCP did to deliver them.
 */
#ifndef UB_TCPPROBE_H
#define UB_TCPPROBE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/net.h"

struct ub_tcpinfo {
	uint64_t retransmits; /* segments TCP sent again so far (tcpi_total_retrans) */
	int64_t rto_ns;       /* its retransmission timeout now */
};

/*
 * Connects to peer within timeout_ns. Returns the connection, or NULL with
 * e filled: UB_E_NOREPLY when nothing answers there (refused or timed out).
 */
struct ub_tcpprobe *ub_tcpprobe_connect(const struct ub_addr *peer, int dscp, int ttl,
					int64_t timeout_ns, struct ub_err *e);
void ub_tcpprobe_free(struct ub_tcpprobe *t);

int ub_tcpprobe_fd(const struct ub_tcpprobe *t);

/* Queues one framed message and writes what TCP takes. Returns 0 or UB_E_NOMEM. */
int ub_tcpprobe_send(struct ub_tcpprobe *t, const uint8_t *msg, size_t len);

/* Whether queued bytes wait for the socket to take them. */
int ub_tcpprobe_pending(const struct ub_tcpprobe *t);

/*
 * Writes queued bytes and reads what arrived. Returns 0, or UB_E_SYS with e
 * filled when the connection broke (closed by the peer, reset, timed out).
 */
int ub_tcpprobe_io(struct ub_tcpprobe *t, struct ub_err *e);

/* The next whole message received: points into t (valid until the next call), or NULL. */
const uint8_t *ub_tcpprobe_next(struct ub_tcpprobe *t, size_t *len);

/* Samples TCP_INFO. Returns 0 or -1 when the kernel has none. */
int ub_tcpprobe_info(const struct ub_tcpprobe *t, struct ub_tcpinfo *out);

#endif
