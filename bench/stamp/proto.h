/*
 * udpbench: STAMP wire format (RFC 8762 unauthenticated mode, RFC 8972 SSID),
 * and the printable text probes for classroom echo scripts.
 * All fields big-endian; encoded with memcpy, never by casting structs.
 */
#ifndef UB_PROTO_H
#define UB_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "stamp/auth.h"
#include "lib/err.h"

#define UB_STAMP_LEN 44   /* smallest sender and reflector packet */
#define UB_TWAMP_REPLY_MIN 38 /* a TWAMP-light reply up to the sender's error estimate (RFC 5357 §4.2.1 without MBZ and TTL) */
#define UB_TWAMP_REPLY_TTL 41 /* RFC 5357 §4.2.1: the unauthenticated reflector packet, TTL at octet 40 */
#define UB_STAMP_AUTH_LEN 112 /* smallest authenticated-mode packet, RFC 8762 §4.2.2 */
#define UB_PKT_MAX 1472   /* largest payload in one Ethernet frame over IPv4 */

/*
 * TWAMP-light (RFC 5357) packets shorter than STAMP's: the unauthenticated
 * sender packet is seq, T1 and error estimate (14 octets, §4.1.2) with
 * optional padding; the reflector packet is the STAMP reply's first 41
 * octets (§4.2.1, the SSID's place MBZ). Some reflectors leave out the last
 * MBZ and the TTL: 38 octets.
 */
#define UB_TWL_REQ_MIN 14
#define UB_TWL_REPLY_LEN 41
#define UB_TWL_REPLY_MIN 38

/* Sender ("session-sender") test packet, RFC 8762 §4.2.1. */
struct ub_stamp_req {
	uint32_t seq;     /* @0 */
	uint64_t ts;      /* @4, T1, NTP 64-bit */
	uint16_t err_est; /* @12 */
	uint16_t ssid;    /* @14, RFC 8972 */
};

/* Reflector test packet, RFC 8762 §4.3.1. */
struct ub_stamp_reply {
	uint32_t seq;            /* @0, the reflector's own counter */
	uint64_t ts;             /* @4, T3 */
	uint16_t err_est;        /* @12 */
	uint16_t ssid;           /* @14 */
	uint64_t rx_ts;          /* @16, T2 */
	uint32_t sender_seq;     /* @24 */
	uint64_t sender_ts;      /* @28, T1 */
	uint16_t sender_err_est; /* @36 */
	uint8_t sender_ttl;      /* @40 */
	uint8_t has_ttl;         /* decoded: the reply is long enough to hold the TTL octet */
};

/* Writes r into buf[0..len): fields, then zeros up to len. len >= 44. Returns 0 or UB_E_INVAL. */
int ub_proto_encode_req(uint8_t *buf, size_t len, const struct ub_stamp_req *r);

/* Reads a sender packet; UB_E_PROTO when len < 44. MBZ octets are not checked. */
int ub_proto_decode_req(const uint8_t *buf, size_t len, struct ub_stamp_req *r);

/*
 * Reads a TWAMP-light sender packet of 14 octets or more (RFC 5357 §4.1.2):
 * seq, T1, error estimate; what follows is padding, so r->ssid is 0.
 * UB_E_PROTO when len < 14.
 */
int ub_proto_decode_req_twl(const uint8_t *buf, size_t len, struct ub_stamp_req *r);

/*
 * Writes r into buf[0..len), zero-padded; len >= 41: from 41 to 43 octets it
 * is RFC 5357's base reflector packet, the SSID MBZ. Returns 0 or UB_E_INVAL.
 */
int ub_proto_encode_reply(uint8_t *buf, size_t len, const struct ub_stamp_reply *r);

/*
 * Reads a reflector packet: STAMP (44 octets and more), or a TWAMP-light one
 * of 41 (RFC 5357 §4.2.1) or 38 octets (the same without its last MBZ and
 * the TTL: has_ttl is then 0 and sender_ttl 0). UB_E_PROTO when len < 38.
 */
int ub_proto_decode_reply(const uint8_t *buf, size_t len, struct ub_stamp_reply *r);

/*
 * Authenticated mode (RFC 8762 §4.2.2, §4.3.2): the same fields at the
 * authenticated offsets, with the HMAC over the octets the RFC names.
 * Encoders need len >= 112 and fill the HMAC with k; decoders return
 * UB_E_PROTO when len < 112 and UB_E_AUTH when the HMAC does not match
 * (r is left untouched then).
 */
int ub_proto_encode_req_auth(uint8_t *buf, size_t len, const struct ub_stamp_req *r,
			     const struct ub_auth_key *k);
int ub_proto_decode_req_auth(const uint8_t *buf, size_t len, const struct ub_auth_key *k,
			     struct ub_stamp_req *r);
int ub_proto_encode_reply_auth(uint8_t *buf, size_t len, const struct ub_stamp_reply *r,
			       const struct ub_auth_key *k);
int ub_proto_decode_reply_auth(const uint8_t *buf, size_t len, const struct ub_auth_key *k,
			       struct ub_stamp_reply *r);

/*
 * Returns 1 when buf[0..len) holds what only a reflector's packet holds: a
 * non-zero receive timestamp T2 and a transmit timestamp T3 within a couple
 * of seconds of it (the same clock, a moment apart), at the reflector
 * packet's offsets (T3 @4, T2 @16, so any packet of 24 octets or more,
 * TWAMP-light's 38 and 41 too; authenticated: T3 @16, T2 @32). A
 * sender's request has zeros there (RFC 8762 §4.2.1, §4.2.2: MBZ), or a
 * TWAMP-light sender's pseudo-random padding (RFC 4656 §4.1.2), which
 * matches about once in a billion. Seconds are the high 32 bits in NTP and
 * PTP format alike. Answering such a packet could start a reflection loop.
 */
int ub_proto_looks_like_reply(const uint8_t *buf, size_t len, int authenticated);

/* Returns the 16-octet HMAC of an authenticated packet (len >= 112), or NULL. */
const uint8_t *ub_proto_auth_tag(const uint8_t *buf, size_t len);

/*
 * Returns 1 when a packet of len octets, of which buf holds the first
 * caplen, is laid out in authenticated mode, whoever sent it: 112 octets or
 * more, octets 4..15 zero (MBZ there, where an unauthenticated packet has
 * its T1 or T3) and a timestamp at 16. Else 0.
 */
int ub_proto_is_auth(const uint8_t *buf, size_t caplen, size_t len);

/* Octets the HMAC of an authenticated packet covers (RFC 8762 §4.4), from octet 0. */
#define UB_PROTO_AUTH_COVERED 96

/*
 * Copies the fields of an authenticated packet (buf[0..caplen), either
 * layout) to where an unauthenticated packet has them, into out[0..44),
 * zeros elsewhere, so one reader serves both. Returns how many octets of
 * out hold whole fields: fewer than 44 when caplen cut the packet short.
 */
size_t ub_proto_auth_to_plain(const uint8_t *buf, size_t caplen, uint8_t out[UB_STAMP_LEN]);

/*
 * Fields read one at a time, for code that has no use for a whole decode
 * (pairing replies with requests, finding a probe by its number). Each
 * checks len first and returns 0, or UB_E_PROTO when buf (NULL, or len
 * octets) is too short to hold the field; the value is left alone then.
 * Requests are read in the unauthenticated layout (ub_proto_auth_to_plain
 * moves an authenticated packet's fields there).
 */
/* The sequence number, octets 0..3 of any packet: request or reply, either layout. */
int ub_proto_seq(const uint8_t *buf, size_t len, uint32_t *seq);
/*
 * The number a sender gave the packet: a text probe's as its text states it
 * (ub_proto_text_head), else octets 0..3 (ub_proto_seq). A sender in auto
 * mode goes on from text probes to binary requests of the same numbering.
 */
int ub_proto_number(const uint8_t *buf, size_t len, uint32_t *seq);
/* A request's T1, as on the wire (octets 4..11). */
int ub_proto_req_t1(const uint8_t *buf, size_t len, uint64_t *t1);
/* A request's SSID (octets 14..15, RFC 8972). */
int ub_proto_req_ssid(const uint8_t *buf, size_t len, uint16_t *ssid);
/* The request's sequence number a reply carries: octets 24..27, authenticated 48..51. */
int ub_proto_reply_sender_seq(const uint8_t *buf, size_t len, int authenticated, uint32_t *seq);
/* The request's T1 a reply carries, as on the wire: octets 28..35, authenticated 64..71. */
int ub_proto_reply_sender_ts(const uint8_t *buf, size_t len, int authenticated, uint64_t *t1);
/*
 * Returns the UB_TEXT_HEAD_LEN octets an unauthenticated reply copied from
 * its request's first ones (seq and T1, at 24..35), or NULL when len is short.
 */
const uint8_t *ub_proto_reply_copied(const uint8_t *buf, size_t len);
/* Reads a text probe's sequence number from those copied octets (ub_proto_text_head). */
int ub_proto_reply_text_head(const uint8_t *buf, size_t len, uint32_t *seq);

/* Z bit of an error estimate: the timestamps it goes with are PTP, not NTP (RFC 8762 §4.2.1). */
#define UB_PROTO_EE_Z 0x4000u

/* A timestamp for the wire from Unix ns: PTP truncated when ptp, else NTP 64-bit. */
uint64_t ub_proto_ts(int64_t unix_ns, int ptp);

/* Unix ns from a timestamp, read in the format the Z bit of its error estimate ee names. */
int64_t ub_proto_ts_ns(uint64_t ts, uint16_t ee);

/* Error estimate field (RFC 4656 §4.1.2): S(1) Z(1) Scale(6) Multiplier(8). */
uint16_t ub_proto_err_est(int synced, int64_t err_ns);
/* Returns the error in ns an error-estimate field states; *synced gets the S bit (may be NULL). */
int64_t ub_proto_err_est_ns(uint16_t ee, int *synced);

/*
 * Text probes (proto.c has the layout): printable ASCII ending in '\n', len
 * >= 44, for peers that are scripts decoding UTF-8. ssid must be made of
 * two text characters (ub_proto_text_ssid). Returns 0 or UB_E_INVAL.
 */
int ub_proto_encode_text(char *buf, size_t len, uint32_t seq, int64_t t1_ns, uint16_t ssid);

/* An SSID of two text characters (digits, capitals) made from any 16-bit value. */
uint16_t ub_proto_text_ssid(uint16_t any);

/* Returns 1 when ssid is two text characters, as a text probe carries it. */
int ub_proto_text_ssid_ok(uint16_t ssid);

/* Octets of a text probe that a STAMP reflector copies into its reply (24..35). */
#define UB_TEXT_HEAD_LEN 12

/*
 * Reads the sequence number from a text probe's first 12 octets as a
 * reflector copies them (its reply's octets 24..35). Returns 0 or UB_E_PROTO.
 */
int ub_proto_text_head(const uint8_t *buf, size_t len, uint32_t *seq);

/*
 * Reads buf[0..len) as exactly a text probe (a trailing "\n" or "\r\n"
 * may be gone, letters may have changed case); UB_E_PROTO when it is not one.
 */
int ub_proto_decode_text(const char *buf, size_t len, uint32_t *seq, int64_t *t1_ns,
			 uint16_t *ssid);

/*
 * Finds a text probe's fields anywhere in buf[0..len): a changed echo such
 * as "收到: " + probe, or the probe in capitals. Returns the offset where
 * they start, or UB_E_PROTO when there are none.
 */
int ub_proto_find_text(const char *buf, size_t len, uint32_t *seq, int64_t *t1_ns,
		       uint16_t *ssid);

/*
 * As ub_proto_find_text, looking only at the start of buf: 0 exactly when
 * ub_proto_find_text would return 0 (with the same fields), else UB_E_PROTO.
 */
int ub_proto_text_at_start(const char *buf, size_t len, uint32_t *seq, int64_t *t1_ns,
			   uint16_t *ssid);

#endif
