#include "capture/decode.h"

#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <string.h>

#include "lib/err.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_P_QINQ_OLD 0x9100  /* pre-802.1ad stacked tags, still seen on switches */
#define LINKTYPE_RAW 101       /* what the file header says; libpcap maps it to DLT_RAW */
#define DLT_RAW_OPENBSD 14
#define IPPROTO_UDP_NUM 17
#define MAX_EXT_HEADERS 16

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void set_v4(struct ub_addr *a, const uint8_t *ip, const uint8_t *port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

	/* the storage past the address is never read: a packet's time is not spent on it */
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, ip, 4);
	memcpy(&sin->sin_port, port, 2);
	a->len = sizeof(*sin);
}

static void set_v6(struct ub_addr *a, const uint8_t *ip, const uint8_t *port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_addr, ip, 16);
	memcpy(&sin6->sin6_port, port, 2);
	a->len = sizeof(*sin6);
}

/*
 * The UDP header at f[off..]; ip_room is what the IP header says follows it
 * (SIZE_MAX when unknown). Fills v but for the addresses.
 */
static int udp_at(const uint8_t *f, size_t caplen, size_t off, size_t ip_room,
		  struct ub_udp_view *v)
{
	size_t ulen;

	if (caplen < off || caplen - off < 8)
		return UB_E_PROTO;
	ulen = be16(f + off + 4);
	/* shorter than its own header, or longer than the IP packet: not a datagram we trust */
	if (ulen < 8 || ulen > ip_room)
		return 0;
	v->payload = f + off + 8;
	v->payload_len = ulen - 8;
	v->captured_len = caplen - off - 8;
	if (v->captured_len > v->payload_len)
		v->captured_len = v->payload_len;
	return 1;
}

static int ipv4_at(const uint8_t *f, size_t caplen, size_t off, struct ub_udp_view *v)
{
	const uint8_t *ip;
	size_t ihl, tot;
	int rc;

	if (caplen < off || caplen - off < 20)
		return UB_E_PROTO;
	ip = f + off;
	if (ip[0] >> 4 != 4)
		return 0;
	ihl = (size_t)(ip[0] & 0x0F) * 4;
	if (ihl < 20)
		return 0;
	/* options (RFC 791 §3.1) lie between the fixed header and the payload */
	if (caplen - off < ihl)
		return UB_E_PROTO;
	tot = be16(ip + 2);
	if (tot < ihl)
		return 0;
	/* any fragment, the first one included: its UDP payload is not whole */
	if (be16(ip + 6) & 0x3FFF)
		return 0;
	if (ip[9] != IPPROTO_UDP_NUM)
		return 0;
	rc = udp_at(f, caplen, off + ihl, tot - ihl, v);
	if (rc != 1)
		return rc;
	set_v4(&v->src, ip + 12, f + off + ihl);
	set_v4(&v->dst, ip + 16, f + off + ihl + 2);
	v->ttl = ip[8];
	return 1;
}

static int ipv6_at(const uint8_t *f, size_t caplen, size_t off, struct ub_udp_view *v)
{
	const uint8_t *ip;
	size_t plen, pos, hlen;
	unsigned next, i;
	int rc;

	if (caplen < off || caplen - off < 40)
		return UB_E_PROTO;
	ip = f + off;
	if (ip[0] >> 4 != 6)
		return 0;
	plen = be16(ip + 4);
	next = ip[6];
	pos = off + 40;
	/* RFC 8200 §4: hop-by-hop, routing and destination options precede the payload */
	for (i = 0; next == 0 || next == 43 || next == 60; i++) {
		if (i == MAX_EXT_HEADERS)
			return 0;
		if (caplen - pos < 2)
			return UB_E_PROTO;
		hlen = ((size_t)f[pos + 1] + 1) * 8;
		if (caplen - pos < hlen)
			return UB_E_PROTO;
		next = f[pos];
		pos += hlen;
	}
	/* 44 is a fragment header: skipped, as in IPv4 */
	if (next != IPPROTO_UDP_NUM)
		return 0;
	/* a zero payload length is a jumbogram (RFC 2675), never a probe */
	if (plen == 0 || plen < pos - off - 40)
		return 0;
	rc = udp_at(f, caplen, pos, plen - (pos - off - 40), v);
	if (rc != 1)
		return rc;
	set_v6(&v->src, ip + 8, f + pos);
	set_v6(&v->dst, ip + 24, f + pos + 2);
	v->ttl = ip[7];
	return 1;
}

/* The frame's EtherType is type and its payload starts at off; 802.1Q/802.1ad tags come first. */
static int ethertype(const uint8_t *f, size_t caplen, unsigned type, size_t off,
		     struct ub_udp_view *v)
{
	/* each tag adds 4 octets: TCI, then the next EtherType */
	while (type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ_OLD) {
		if (caplen - off < 4)
			return UB_E_PROTO;
		type = be16(f + off + 2);
		off += 4;
	}
	if (type == ETH_P_IPV4)
		return ipv4_at(f, caplen, off, v);
	if (type == ETH_P_IPV6)
		return ipv6_at(f, caplen, off, v);
	return 0;
}

/* Raw IP: the version nibble says which. */
static int raw_ip(const uint8_t *f, size_t caplen, size_t off, unsigned want,
		  struct ub_udp_view *v)
{
	unsigned ver;

	if (caplen <= off)
		return UB_E_PROTO;
	ver = f[off] >> 4;
	if (want && ver != want)
		return 0;
	if (ver == 4)
		return ipv4_at(f, caplen, off, v);
	if (ver == 6)
		return ipv6_at(f, caplen, off, v);
	return 0;
}

static int is_af_inet6(uint32_t af)
{
	/* Linux, the BSDs and Darwin number AF_INET6 differently */
	return af == 10 || af == 24 || af == 28 || af == 30;
}

/*
 * DLT_NULL carries the family in the capturing host's byte order, DLT_LOOP
 * in network order; a file moved between machines may hold either.
 */
static int loopback(const uint8_t *f, size_t caplen, struct ub_udp_view *v)
{
	uint32_t le, be;

	if (caplen < 4)
		return UB_E_PROTO;
	le = le32(f);
	be = be32(f);
	if (le == 2 || be == 2)
		return raw_ip(f, caplen, 4, 4, v);
	if (is_af_inet6(le) || is_af_inet6(be))
		return raw_ip(f, caplen, 4, 6, v);
	return 0;
}

int ub_decode_udp(int linktype, const uint8_t *frame, size_t caplen, struct ub_udp_view *v)
{
	if (!frame || !v)
		return UB_E_INVAL;
	memset(v, 0, sizeof(*v));
	v->ttl = -1;
	switch (linktype) {
	case DLT_EN10MB:
		if (caplen < 14)
			return UB_E_PROTO;
		return ethertype(frame, caplen, be16(frame + 12), 14, v);
	case DLT_LINUX_SLL:
		/* packet type, ARPHRD, address length, 8 address octets, protocol */
		if (caplen < 16)
			return UB_E_PROTO;
		return ethertype(frame, caplen, be16(frame + 14), 16, v);
	case DLT_LINUX_SLL2:
		/* protocol first, then reserved, ifindex, ARPHRD, type, address */
		if (caplen < 20)
			return UB_E_PROTO;
		return ethertype(frame, caplen, be16(frame), 20, v);
	case DLT_RAW:
	case DLT_RAW_OPENBSD:
	case LINKTYPE_RAW:
		return raw_ip(frame, caplen, 0, 0, v);
	case DLT_IPV4:
		return raw_ip(frame, caplen, 0, 4, v);
	case DLT_IPV6:
		return raw_ip(frame, caplen, 0, 6, v);
	case DLT_NULL:
	case DLT_LOOP:
		return loopback(frame, caplen, v);
	default:
		return 0;
	}
}
