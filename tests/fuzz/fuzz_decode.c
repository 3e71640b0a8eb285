/*
 * Fuzz target: one captured frame down to its UDP payload (capture/decode.c),
 * as `udpbench analyze` and the sender's --pcap see every frame. The first
 * input octet picks the link type, the rest is the frame (its exact size,
 * so reading one octet too far is caught).
 *
 * What is checked: a datagram found lies inside the frame, its captured
 * part is no longer than the UDP length says, and trailing octets (Ethernet
 * padding, a longer snap length) change nothing about it.
 */
#include <pcap/dlt.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/decode.h"
#include "fuzz.h"

static const int linktypes[] = FUZZ_LINKTYPES;

static void check_view(const uint8_t *frame, size_t caplen, const struct ub_udp_view *v)
{
	size_t at;

	FUZZ_CHECK(v->payload >= frame + 8 && v->payload <= frame + caplen);
	at = (size_t)(v->payload - frame);
	FUZZ_CHECK(v->captured_len <= v->payload_len);
	FUZZ_CHECK(v->captured_len == (caplen - at < v->payload_len ? caplen - at : v->payload_len));
	FUZZ_CHECK(v->payload_len <= 65535 - 8);
	FUZZ_CHECK(v->ttl >= 0 && v->ttl <= 255);
	FUZZ_CHECK(v->src.ss.ss_family == v->dst.ss.ss_family);
	FUZZ_CHECK(v->src.ss.ss_family == AF_INET || v->src.ss.ss_family == AF_INET6);
	FUZZ_CHECK(v->src.len == v->dst.len && v->src.len > 0);
	/* The ports are the UDP header's first four octets, just before the payload. */
	FUZZ_CHECK(memcmp(v->payload - 8, (const uint8_t *)&v->src.ss + 2, 2) == 0);
	FUZZ_CHECK(memcmp(v->payload - 6, (const uint8_t *)&v->dst.ss + 2, 2) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct ub_udp_view v, v2;
	const uint8_t *frame;
	uint8_t *longer;
	size_t caplen;
	int lt, rc, rc2;

	if (n == 0)
		return 0;
	lt = linktypes[d[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	frame = d + 1;
	caplen = n - 1;
	rc = ub_decode_udp(lt, frame, caplen, &v);
	FUZZ_CHECK(rc == 1 || rc == 0 || rc == UB_E_PROTO);
	if (rc == 1)
		check_view(frame, caplen, &v);

	longer = malloc(caplen + 18);
	if (!longer)
		return 0;
	memcpy(longer, frame, caplen);
	memset(longer + caplen, 0xA5, 18);
	rc2 = ub_decode_udp(lt, longer, caplen + 18, &v2);
	FUZZ_CHECK(rc2 == 1 || rc2 == 0 || rc2 == UB_E_PROTO);
	if (rc == 1) {
		FUZZ_CHECK(rc2 == 1);
		check_view(longer, caplen + 18, &v2);
		FUZZ_CHECK(v2.payload - longer == v.payload - frame);
		FUZZ_CHECK(v2.payload_len == v.payload_len && v2.captured_len >= v.captured_len);
		FUZZ_CHECK(v2.ttl == v.ttl && v2.src.len == v.src.len &&
			   memcmp(&v2.src.ss, &v.src.ss, v.src.len) == 0 &&
			   memcmp(&v2.dst.ss, &v.dst.ss, v.dst.len) == 0);
	}
	if (rc == 0)
		FUZZ_CHECK(rc2 == 0);
	free(longer);
	return 0;
}
