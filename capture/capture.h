/*
 * udpbench: live capture of a run's own packets with libpcap, written to a
 * pcap file as they pass and handed back decoded, so the sender learns when
 * each probe and reply crossed the wire.
 */
#ifndef UB_CAPTURE_H
#define UB_CAPTURE_H

#include <stdint.h>

#include "capture/decode.h"
#include "lib/err.h"
#include "lib/net.h"

struct ub_capture_config {
	const char *path;  /* the pcap file to write */
	const char *iface; /* NULL: the interface that routes to the peers ("lo" for loopback) */
	int snaplen;       /* bytes kept per packet: headers and the STAMP fields */
};

struct ub_capture_stats {
	uint64_t received;   /* packets the filter passed (pcap_stats ps_recv) */
	uint64_t dropped;    /* dropped by the kernel: no room in the buffer */
	uint64_t if_dropped; /* dropped by the interface or its driver */
	uint64_t written;    /* packets written to the file */
};

/* Called for each UDP datagram captured; ts_real_ns is the capture's wall-clock stamp. */
typedef void (*ub_capture_fn)(void *ctx, const struct ub_udp_view *v, int64_t ts_real_ns);

/* Sets defaults: snap length 256, interface chosen from the peers. */
void ub_capture_config_init(struct ub_capture_config *c);

/*
 * Opens the capture for the UDP traffic between this host and peers[0..n),
 * with a BPF filter on their addresses and ports, and creates the file.
 * Returns NULL with e filled; UB_E_PERM when capturing is not allowed.
 */
struct ub_capture *ub_capture_open(const struct ub_capture_config *c, const struct ub_addr *peers,
				   unsigned n, struct ub_err *e);

/* The descriptor to poll for captured packets. */
int ub_capture_fd(const struct ub_capture *cap);

/* The interface captured on. */
const char *ub_capture_iface(const struct ub_capture *cap);

/* Writes and hands to fn every packet waiting. Returns how many, or a negative code. */
int ub_capture_dispatch(struct ub_capture *cap, ub_capture_fn fn, void *ctx, struct ub_err *e);

/* Pushes what is written to the file, so an interrupted run leaves a readable one. */
void ub_capture_flush(struct ub_capture *cap);

/* Fills st from pcap_stats and the writer. */
void ub_capture_stats(struct ub_capture *cap, struct ub_capture_stats *st);

/* Flushes and closes (NULL accepted); returns 0 or UB_E_IO naming the file. */
int ub_capture_close(struct ub_capture *cap, struct ub_err *e);

#endif
