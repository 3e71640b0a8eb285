/*
 * udpbench: the sender's TCP connection for --tcp — probes as length-framed
 * messages (16-bit big-endian length, then the probe) on one connection with
 * TCP_NODELAY, an output queue for when TCP cannot take them yet, the
 * kernel's send and receive stamps (SO_TIMESTAMPING), and TCP_INFO for what
 * TCP did to deliver them.
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

/* Whether the kernel stamps this connection's sends (numbered by byte) and receives. */
int ub_tcpprobe_stamps(const struct ub_tcpprobe *t);

/* Bytes queued so far, frames included: the offset where the next message begins. */
uint64_t ub_tcpprobe_written(const struct ub_tcpprobe *t);

/*
 * Queues one framed message and writes what TCP takes. Returns 1 when TCP
 * took the whole message at once, 0 when (some of) it waits in the queue,
 * or UB_E_NOMEM.
 */
int ub_tcpprobe_send(struct ub_tcpprobe *t, const uint8_t *msg, size_t len);

/* Whether queued bytes wait for the socket to take them. */
int ub_tcpprobe_pending(const struct ub_tcpprobe *t);

/*
 * Writes queued bytes. Returns 0, or UB_E_SYS with e filled when the
 * connection broke.
 */
int ub_tcpprobe_io(struct ub_tcpprobe *t, struct ub_err *e);

/*
 * Reads the next whole message: returns 1 with *msg (valid until the next
 * call) and *len, and in *kernel_real the kernel's receive stamp of the
 * segment that completed it (wall clock; 0 none); 0 when no whole message
 * is there yet; UB_E_SYS with e filled when the connection broke (closed
 * by the peer, reset, timed out).
 */
int ub_tcpprobe_next(struct ub_tcpprobe *t, const uint8_t **msg, size_t *len,
		     int64_t *kernel_real, struct ub_err *e);

/* Samples TCP_INFO. Returns 0 or -1 when the kernel has none. */
int ub_tcpprobe_info(const struct ub_tcpprobe *t, struct ub_tcpinfo *out);

#endif
