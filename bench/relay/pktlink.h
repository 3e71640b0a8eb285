/*
 * udpbench: the packet-level link emulator (`udpbench relay --between A,B`;
 * ub_relay_new makes one when its config names the ports, and the relay's
 * public functions hand their work to it).
 * Two packet ports, each a descriptor that gives one Ethernet frame per
 * read (an AF_PACKET socket bound to an interface; a SOCK_SEQPACKET socket
 * in tests): what arrives on port A goes up and leaves by port B, what
 * arrives on B goes down and leaves by A. Every IP packet, UDP, TCP or
 * other, crosses the same impairment engine (impair.h) and output queue
 * (relayq.h) as the socket relay's datagrams and is written into the same
 * truth log (truth.h); frames that are not IP (ARP) and IPv6 neighbour
 * discovery pass at once, uncounted, so the link stays a link.
 *
 * A flow is (protocol, addresses, ports) read from the IP header, both
 * directions in one; flows are numbered in order of their first packet
 * and seed their models from (seed, number, direction), as the relay's
 * clients do, so a flow's packet n meets the same fate in every run. In
 * the truth log a UDP packet is numbered by the first 4 bytes of its
 * payload (STAMP's sequence number); other packets are counted without a
 * number. --rate counts IP packet bytes, as the relay does; at --rate all
 * flows of a direction wait in one queue for one wire (--queue packets in
 * all), as on the link this emulates, so an upload delays the probes.
 *
 * The flow table is bounded (UB_PKTLINK_FLOWS_MAX): when it is full, the
 * least recently used flow with nothing in flight makes room; when none
 * can, the packet joins one shared overflow flow (counted).
 */
#ifndef UB_PKTLINK_H
#define UB_PKTLINK_H

#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "relay/relay.h"

#define UB_PKTLINK_FLOWS_MAX 1024
#define UB_PKTLINK_FRAME_MAX 65536 /* larger frames are cut, counted and not carried */

/* Counters of the frames that are not the engine's business. */
struct ub_pktlink_counters {
	uint64_t passed;     /* not IP (ARP), or IPv6 neighbour discovery: carried at once */
	uint64_t malformed;  /* cut short or too large: not carried */
	uint64_t flows;      /* flows seen since start */
	uint64_t overflowed; /* packets carried on the shared overflow flow */
	uint64_t send_errors; /* passed frames that could not be sent */
};

/*
 * Opens the packet ports c->between names ("IFACE_A,IFACE_B"; A faces the
 * sender), or takes c->ports when c->have_ports; the ports are closed by
 * ub_pktlink_free either way. Returns a link or NULL with e filled.
 */
struct ub_pktlink *ub_pktlink_new(const struct ub_relay_config *c, struct ub_err *e);
void ub_pktlink_free(struct ub_pktlink *l);

/* The seed in use. */
uint64_t ub_pktlink_seed(const struct ub_pktlink *l);

/*
 * One turn: sends what is due, waits for frames at most until the next
 * thing is due (and no longer than max_wait_ns), carries them. Returns 0
 * or a negative code for a hard error. ub_relay_run turns it.
 */
int ub_pktlink_turn(struct ub_pktlink *l, int64_t max_wait_ns, struct ub_err *e);

/* Copies the per-direction counters (truth.h) and the link's own. */
void ub_pktlink_counters(const struct ub_pktlink *l, struct ub_truth_dir_counters dir[2],
			 struct ub_pktlink_counters *out);

/* Prints the counters as one line per direction on f. */
void ub_pktlink_print_counters(const struct ub_pktlink *l, FILE *f);

/* Writes the truth log as ub_relay_write_truth does; "listen" and "target" name the ports. */
int ub_pktlink_write_truth(const struct ub_pktlink *l, const char *path, struct ub_err *e);

/*
 * Turns off the offloads of interface ifname in this network namespace
 * (checksum, scatter-gather, TSO, GSO, GRO), so each frame is one packet
 * of wire size with its checksums filled in. Returns 0 or UB_E_SYS.
 */
int ub_pktlink_plain_offloads(const char *ifname, struct ub_err *e);

#endif
