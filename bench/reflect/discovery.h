/*
 * udpbench: discovery — how `udpbench discover` finds the reflectors on the
 * local network, and how a reflector answers. Both ends use this module;
 * the two board scripts speak the same format.
 *
 * Query (sender to UDP port 10000, or --port; IPv4 subnet broadcast of each
 * interface, IPv6 ff02::1 on each interface), exactly 512 octets:
 *
 *   0        17 18 20                36  37             511
 *   +---------+--+--+-----------------+---+---------------+
 *   |UDPBENCH?DISCOVER| 1 |NONCE (16 hex)|\n | zero padding |
 *   +---------+--+--+-----------------+---+---------------+
 *
 * i.e. the text "UDPBENCH?DISCOVER 1 " followed by 16 lower-case hex digits
 * and a newline, then zeros up to 512 octets.
 *
 * Answer (reflector to the query's source address and port, from its own
 * port), UTF-8 text of at most 512 octets — never larger than the query:
 *
 *   UDPBENCH!HERE 1 NONCE\n      the query's nonce, echoed
 *   id=16 hex digits\n           one per running reflector: tells IPv4 and
 *                                IPv6 answers of one reflector apart from two
 *   kind=udpbench|vvboard|mpython\n
 *   name=NAME\n                  at most 63 octets, no control characters
 *   version=VERSION\n
 *   port=N\n
 *   addr=ADDRESS\n               optional: the answerer's own address
 *   rssi=DBM\n                   optional: Wi-Fi signal strength (掌控板)
 *
 * Unknown keys are skipped, so later versions can add some. Nothing but
 * '\n' below 0x20 (nor 0x7f) may appear, and the whole answer must be valid
 * UTF-8; an answer that breaks a rule is dropped whole.
 *
 * Telling a query from a STAMP request: both are 44 octets or more, so a
 * reflector looks at the first 17 octets before anything else. A datagram
 * that starts with "UDPBENCH?DISCOVER" is discovery, never STAMP: answered
 * when it is exactly a query, dropped otherwise. A STAMP request starting
 * with those octets would carry the sequence number 0x55445042 and a T1
 * of "ENCH?DIS" read as NTP time: no sender makes one.
 *
 * No amplification: the query is 512 octets and an answer at most 512.
 * Never answered off-link: a reflector answers only a query that arrived
 * with TTL (hop limit) 255, which no packet that crossed a router has
 * (RFC 5082, as IPv6 neighbour discovery does), and whose source is on one
 * of its directly connected subnets (IPv4 network of an interface address,
 * IPv6 link-local or an interface prefix), so a spoofed off-link source
 * gets nothing either. Queries are also rate-limited per source and in all.
 */
#ifndef UB_DISCOVERY_H
#define UB_DISCOVERY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/net.h"
#include "lib/netaddr.h"

#define UB_DISC_QUERY_LEN 512   /* every query; no answer is larger */
#define UB_DISC_NONCE_LEN 16    /* hex digits */
#define UB_DISC_NAME_MAX 63     /* octets of a name */
#define UB_DISC_TTL 255         /* queries leave with it, and must arrive with it */
#define UB_DISC_MAGIC "UDPBENCH?DISCOVER"

/* What an answer says. Every string is NUL-terminated, checked text. */
struct ub_disc_info {
	char id[UB_DISC_NONCE_LEN + 1];
	char kind[16];
	char name[UB_DISC_NAME_MAX + 1];
	char version[32];
	char addr[UB_ADDRSTR_MAX];  /* "" when the answer did not say */
	int port;                   /* -1 when the answer did not say */
	int rssi;
	int has_rssi;
};

/* Fills nonce with UB_DISC_NONCE_LEN random hex digits and a NUL. */
void ub_disc_nonce(char nonce[UB_DISC_NONCE_LEN + 1]);

/* Writes the query carrying nonce into buf (UB_DISC_QUERY_LEN octets). */
void ub_disc_encode_query(uint8_t buf[UB_DISC_QUERY_LEN], const char *nonce);

/*
 * Looks at a datagram: returns 0 when it is not discovery (a STAMP request,
 * anything else), 1 when it is a well-formed query (its nonce copied into
 * nonce), -1 when it starts like discovery but is no query (drop it).
 */
int ub_disc_classify(const uint8_t *buf, size_t len, char nonce[UB_DISC_NONCE_LEN + 1]);

/*
 * Writes the answer to the query with nonce into buf (cap octets); returns
 * its length (never above UB_DISC_QUERY_LEN), or UB_E_INVAL when info's
 * text breaks a rule or does not fit.
 */
int ub_disc_encode_answer(uint8_t *buf, size_t cap, const char *nonce,
			  const struct ub_disc_info *info, struct ub_err *e);

/*
 * Reads an answer of len octets to the query with nonce (NULL: any nonce)
 * into *out. Returns 0, or UB_E_INVAL with e saying what was wrong.
 */
int ub_disc_decode_answer(const uint8_t *buf, size_t len, const char *nonce,
			  struct ub_disc_info *out, struct ub_err *e);

/*
 * Writes into dst a name made safe from src, for an answer and a --peers
 * file: runs of white space one space, none at either end; control
 * characters, bad UTF-8 and '#' (a --peers comment) each '?'; cut to
 * UB_DISC_NAME_MAX octets at a character's start.
 */
void ub_disc_clean_name(char dst[UB_DISC_NAME_MAX + 1], const char *src);

/*
 * Returns 1 when src is on a subnet of an up interface of this host (IPv4
 * network of an interface address; IPv6 link-local or an interface
 * prefix), 0 when it is not or the interfaces cannot be read.
 */
int ub_disc_on_link(const struct ub_addr *src);

/*
 * Fills out[0..max) with where a query goes on port: the broadcast address
 * of every up IPv4 interface that has one (AF_INET or AF_UNSPEC in family)
 * and ff02::1 on every up IPv6 multicast interface (AF_INET6 or
 * AF_UNSPEC), loopback left out. Returns how many, or a negative code.
 */
int ub_disc_targets(int family, int port, struct ub_addr *out, int max, struct ub_err *e);

#endif
