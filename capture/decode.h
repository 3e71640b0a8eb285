/*
 * udpbench: decoding one captured frame down to its UDP payload, for the
 * link types captures come in (Ethernet with VLAN tags, Linux cooked v1/v2,
 * raw IP, BSD loopback/null), IPv4 and IPv6.
 */
#ifndef UB_DECODE_H
#define UB_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/net.h"

/* A UDP datagram found in a frame. Pointers point into the frame. */
struct ub_udp_view {
	struct ub_addr src, dst;   /* addresses with the UDP ports */
	const uint8_t *payload;
	size_t payload_len;        /* what the UDP header says */
	size_t captured_len;       /* what the capture holds (less when cut by the snap length) */
	int ttl;                   /* IPv4 TTL or IPv6 hop limit */
};

/*
 * Decodes frame[0..caplen) of link type linktype (a DLT_ value). Returns 1
 * with v filled for a UDP datagram (not a fragment), 0 for anything else,
 * UB_E_PROTO when the headers are cut short. Checks every length first.
 */
int ub_decode_udp(int linktype, const uint8_t *frame, size_t caplen, struct ub_udp_view *v);

#endif
