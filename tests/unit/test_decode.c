/* Frame decoding: every link type, VLAN stacks, IPv4 options, IPv6 extension headers, cuts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "lib/err.h"

#define PAYLOAD_LEN 44

static const uint8_t SRC4[4] = { 192, 168, 4, 2 }, DST4[4] = { 192, 168, 4, 1 };
static const uint8_t SRC6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t DST6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

/* A frame and where its UDP payload starts. */
struct frame {
	int linktype;
	uint8_t b[256];
	size_t len, payload_at;
};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_payload(struct frame *f)
{
	size_t i;

	f->payload_at = f->len;
	for (i = 0; i < PAYLOAD_LEN; i++)
		f->b[f->len++] = (uint8_t)(0xA0 + i);
}

static void put_udp(struct frame *f, unsigned sport, unsigned dport)
{
	uint8_t *u = f->b + f->len;

	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, 8 + PAYLOAD_LEN);
	put16(u + 6, 0);
	f->len += 8;
	put_payload(f);
}

/* IPv4 with optlen octets of options (a multiple of 4); frag is the flags/offset field. */
static void put_ipv4(struct frame *f, size_t optlen, unsigned frag, unsigned proto)
{
	uint8_t *ip = f->b + f->len;
	size_t ihl = 20 + optlen, i;

	memset(ip, 0, ihl);
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	put16(ip + 2, (unsigned)(ihl + 8 + PAYLOAD_LEN));
	put16(ip + 6, frag);
	ip[8] = 61;
	ip[9] = (uint8_t)proto;
	memcpy(ip + 12, SRC4, 4);
	memcpy(ip + 16, DST4, 4);
	/* NOPs, then one end-of-options: what routers add is never read */
	for (i = 0; i < optlen; i++)
		ip[20 + i] = i + 1 < optlen ? 1 : 0;
	f->len += ihl;
	put_udp(f, 40000, 10000);
}

/* IPv6; exts lists the extension headers (0, 43, 60 or 44) before UDP. */
static void put_ipv6(struct frame *f, const unsigned *exts, unsigned n_ext)
{
	uint8_t *ip = f->b + f->len, *h;
	size_t start = f->len;
	unsigned i;

	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[6] = (uint8_t)(n_ext ? exts[0] : 17);
	ip[7] = 33;
	memcpy(ip + 8, SRC6, 16);
	memcpy(ip + 24, DST6, 16);
	f->len += 40;
	for (i = 0; i < n_ext; i++) {
		h = f->b + f->len;
		memset(h, 0, 16);
		h[0] = (uint8_t)(i + 1 < n_ext ? exts[i + 1] : 17);
		/* a fragment header is 8 octets; the others here 16 (length field 1) */
		if (exts[i] == 44) {
			f->len += 8;
		} else {
			h[1] = 1;
			f->len += 16;
		}
	}
	put_udp(f, 40000, 862);
	put16(f->b + start + 4, (unsigned)(f->len - start - 40));
}

static void put_ether(struct frame *f, const unsigned *tags, unsigned n_tags, unsigned type)
{
	unsigned i;

	memset(f->b, 0xEE, 12);
	f->len = 12;
	for (i = 0; i < n_tags; i++) {
		put16(f->b + f->len, tags[i]);
		put16(f->b + f->len + 2, 100 + i);
		f->len += 4;
	}
	put16(f->b + f->len, type);
	f->len += 2;
}

static void eth_ipv4(struct frame *f, const unsigned *tags, unsigned n_tags, size_t optlen)
{
	memset(f, 0, sizeof(*f));
	f->linktype = DLT_EN10MB;
	put_ether(f, tags, n_tags, 0x0800);
	put_ipv4(f, optlen, 0, 17);
}

static void eth_ipv6(struct frame *f, const unsigned *exts, unsigned n_ext)
{
	memset(f, 0, sizeof(*f));
	f->linktype = DLT_EN10MB;
	put_ether(f, NULL, 0, 0x86DD);
	put_ipv6(f, exts, n_ext);
}

static void sll(struct frame *f, int v6)
{
	memset(f, 0, sizeof(*f));
	f->linktype = DLT_LINUX_SLL;
	put16(f->b, 0);        /* to us */
	put16(f->b + 2, 1);    /* ARPHRD_ETHER */
	put16(f->b + 4, 6);
	memset(f->b + 6, 0x11, 6);
	put16(f->b + 14, v6 ? 0x86DD : 0x0800);
	f->len = 16;
	if (v6)
		put_ipv6(f, NULL, 0);
	else
		put_ipv4(f, 0, 0, 17);
}

static void sll2(struct frame *f, int v6, int vlan)
{
	memset(f, 0, sizeof(*f));
	f->linktype = DLT_LINUX_SLL2;
	put16(f->b, vlan ? 0x8100 : v6 ? 0x86DD : 0x0800);
	f->b[7] = 1;            /* ifindex */
	put16(f->b + 8, 772);   /* ARPHRD_LOOPBACK */
	f->b[10] = 4;           /* outgoing */
	f->b[11] = 6;
	f->len = 20;
	if (vlan) {
		put16(f->b + 20, 7);
		put16(f->b + 22, v6 ? 0x86DD : 0x0800);
		f->len = 24;
	}
	if (v6)
		put_ipv6(f, NULL, 0);
	else
		put_ipv4(f, 0, 0, 17);
}

static void raw(struct frame *f, int linktype, int v6)
{
	memset(f, 0, sizeof(*f));
	f->linktype = linktype;
	if (v6)
		put_ipv6(f, NULL, 0);
	else
		put_ipv4(f, 0, 0, 17);
}

/* DLT_NULL / DLT_LOOP with the family af written big- or little-endian. */
static void null_frame(struct frame *f, int linktype, uint32_t af, int big)
{
	memset(f, 0, sizeof(*f));
	f->linktype = linktype;
	if (big) {
		f->b[3] = (uint8_t)af;
	} else {
		f->b[0] = (uint8_t)af;
	}
	f->len = 4;
	if (af == 2)
		put_ipv4(f, 0, 0, 17);
	else
		put_ipv6(f, NULL, 0);
}

/* Decodes a copy of exactly n octets, so AddressSanitizer sees any read past it. */
static int decode_n(const struct frame *f, size_t n, struct ub_udp_view *v)
{
	uint8_t *copy = malloc(n ? n : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, f->b, n);
	rc = ub_decode_udp(f->linktype, copy, n, v);
	if (rc == 1)
		assert_true(v->payload >= copy && v->payload + v->captured_len <= copy + n);
	free(copy);
	return rc;
}

static void check_v4(const struct frame *f)
{
	struct ub_udp_view v;
	const struct sockaddr_in *s, *d;

	assert_int_equal(ub_decode_udp(f->linktype, f->b, f->len, &v), 1);
	assert_ptr_equal(v.payload, f->b + f->payload_at);
	assert_int_equal(v.payload_len, PAYLOAD_LEN);
	assert_int_equal(v.captured_len, PAYLOAD_LEN);
	assert_int_equal(v.payload[0], 0xA0);
	s = (const struct sockaddr_in *)&v.src.ss;
	d = (const struct sockaddr_in *)&v.dst.ss;
	assert_int_equal(s->sin_family, AF_INET);
	assert_memory_equal(&s->sin_addr, SRC4, 4);
	assert_memory_equal(&d->sin_addr, DST4, 4);
	assert_int_equal(ntohs(s->sin_port), 40000);
	assert_int_equal(ntohs(d->sin_port), 10000);
	assert_int_equal(v.ttl, 61);
}

static void check_v6(const struct frame *f)
{
	struct ub_udp_view v;
	const struct sockaddr_in6 *s, *d;

	assert_int_equal(ub_decode_udp(f->linktype, f->b, f->len, &v), 1);
	assert_ptr_equal(v.payload, f->b + f->payload_at);
	assert_int_equal(v.payload_len, PAYLOAD_LEN);
	s = (const struct sockaddr_in6 *)&v.src.ss;
	d = (const struct sockaddr_in6 *)&v.dst.ss;
	assert_int_equal(s->sin6_family, AF_INET6);
	assert_memory_equal(&s->sin6_addr, SRC6, 16);
	assert_memory_equal(&d->sin6_addr, DST6, 16);
	assert_int_equal(ntohs(d->sin6_port), 862);
	assert_int_equal(v.ttl, 33);
}

static void test_ethernet(void **state)
{
	struct frame f;

	(void)state;
	eth_ipv4(&f, NULL, 0, 0);
	check_v4(&f);
	eth_ipv6(&f, NULL, 0);
	check_v6(&f);
}

static void test_vlan_stacks(void **state)
{
	static const unsigned one[] = { 0x8100 };
	static const unsigned qinq[] = { 0x88A8, 0x8100 };
	static const unsigned old_qinq[] = { 0x9100, 0x8100, 0x8100 };
	struct frame f;

	(void)state;
	eth_ipv4(&f, one, 1, 0);
	check_v4(&f);
	eth_ipv4(&f, qinq, 2, 0);
	check_v4(&f);
	eth_ipv4(&f, old_qinq, 3, 0);
	check_v4(&f);
}

static void test_ipv4_options(void **state)
{
	struct frame f;
	size_t opt;

	(void)state;
	/* IHL 6 to 15: up to 40 octets of options */
	for (opt = 4; opt <= 40; opt += 4) {
		eth_ipv4(&f, NULL, 0, opt);
		check_v4(&f);
	}
}

static void test_ipv6_extension_headers(void **state)
{
	static const unsigned hbh[] = { 0 };
	static const unsigned chain[] = { 0, 60, 43, 60 };
	struct frame f;

	(void)state;
	eth_ipv6(&f, hbh, 1);
	check_v6(&f);
	eth_ipv6(&f, chain, 4);
	check_v6(&f);
}

static void test_fragments_ignored(void **state)
{
	static const unsigned frag[] = { 44 };
	static const unsigned hbh_frag[] = { 0, 44 };
	struct ub_udp_view v;
	struct frame f;

	(void)state;
	/* first fragment (MF set, offset 0), a middle one, the last one */
	memset(&f, 0, sizeof(f));
	f.linktype = DLT_RAW;
	put_ipv4(&f, 0, 0x2000, 17);
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
	memset(&f, 0, sizeof(f));
	f.linktype = DLT_RAW;
	put_ipv4(&f, 0, 0x2000 | 185, 17);
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
	memset(&f, 0, sizeof(f));
	f.linktype = DLT_RAW;
	put_ipv4(&f, 0, 370, 17);
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
	/* don't-fragment is not a fragment */
	memset(&f, 0, sizeof(f));
	f.linktype = DLT_RAW;
	put_ipv4(&f, 0, 0x4000, 17);
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 1);

	eth_ipv6(&f, frag, 1);
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
	eth_ipv6(&f, hbh_frag, 2);
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
}

static void test_linux_cooked(void **state)
{
	struct frame f;

	(void)state;
	sll(&f, 0);
	check_v4(&f);
	sll(&f, 1);
	check_v6(&f);
	sll2(&f, 0, 0);
	check_v4(&f);
	sll2(&f, 1, 0);
	check_v6(&f);
	sll2(&f, 0, 1);
	check_v4(&f);
}

static void test_raw_ip(void **state)
{
	struct ub_udp_view v;
	struct frame f;

	(void)state;
	raw(&f, DLT_RAW, 0);
	check_v4(&f);
	raw(&f, DLT_RAW, 1);
	check_v6(&f);
	raw(&f, 101, 0); /* LINKTYPE_RAW as the file header says it */
	check_v4(&f);
	raw(&f, DLT_IPV4, 0);
	check_v4(&f);
	raw(&f, DLT_IPV6, 1);
	check_v6(&f);
	/* the link type promises one version; the other is not decoded as it */
	raw(&f, DLT_IPV4, 1);
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
	raw(&f, DLT_IPV6, 0);
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
}

static void test_null_and_loop(void **state)
{
	static const uint32_t v6_families[] = { 10, 24, 28, 30 };
	struct frame f;
	int big, lt;
	unsigned i;

	(void)state;
	for (lt = 0; lt < 2; lt++) {
		for (big = 0; big < 2; big++) {
			null_frame(&f, lt ? DLT_LOOP : DLT_NULL, 2, big);
			check_v4(&f);
			for (i = 0; i < 4; i++) {
				null_frame(&f, lt ? DLT_LOOP : DLT_NULL, v6_families[i], big);
				check_v6(&f);
			}
		}
	}
}

static void test_not_udp(void **state)
{
	struct ub_udp_view v;
	struct frame f;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.linktype = DLT_EN10MB;
	put_ether(&f, NULL, 0, 0x0800);
	put_ipv4(&f, 0, 0, 6); /* TCP */
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
	memset(&f, 0, sizeof(f));
	f.linktype = DLT_EN10MB;
	put_ether(&f, NULL, 0, 0x0806); /* ARP */
	memset(f.b + f.len, 0, 28);
	f.len += 28;
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
	eth_ipv4(&f, NULL, 0, 0);
	assert_int_equal(ub_decode_udp(147 /* DLT_USER0 */, f.b, f.len, &v), 0);
	null_frame(&f, DLT_NULL, 2, 0);
	f.b[0] = 7; /* an unknown family */
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
}

static void test_malformed_lengths(void **state)
{
	struct ub_udp_view v;
	struct frame f;

	(void)state;
	raw(&f, DLT_RAW, 0);
	f.b[0] = 0x44; /* IHL 4: shorter than the fixed header */
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
	raw(&f, DLT_RAW, 0);
	put16(f.b + 20 + 4, 7); /* UDP length below its own header */
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
	raw(&f, DLT_RAW, 0);
	put16(f.b + 20 + 4, 8 + PAYLOAD_LEN + 1); /* longer than the IP packet */
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
	raw(&f, DLT_RAW, 0);
	put16(f.b + 2, 10); /* IP total length below the header */
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
	raw(&f, DLT_RAW, 1);
	put16(f.b + 4, 0); /* jumbogram */
	assert_int_equal(ub_decode_udp(f.linktype, f.b, f.len, &v), 0);
	assert_int_equal(ub_decode_udp(DLT_RAW, NULL, 0, &v), UB_E_INVAL);
}

/*
 * Every frame cut at every length: inside the headers UB_E_PROTO, in the
 * payload a datagram whose captured_len says how much is there.
 */
static void cut_everywhere(const struct frame *f)
{
	struct ub_udp_view v;
	size_t n;
	int rc;

	for (n = 0; n < f->len; n++) {
		rc = decode_n(f, n, &v);
		if (n < f->payload_at) {
			assert_int_equal(rc, UB_E_PROTO);
		} else {
			assert_int_equal(rc, 1);
			assert_int_equal(v.payload_len, PAYLOAD_LEN);
			assert_int_equal(v.captured_len, n - f->payload_at);
		}
	}
	assert_int_equal(decode_n(f, f->len, &v), 1);
	assert_int_equal(v.captured_len, PAYLOAD_LEN);
}

static void test_every_truncation(void **state)
{
	static const unsigned qinq[] = { 0x88A8, 0x8100 };
	static const unsigned chain[] = { 0, 60, 43 };
	static const int raws[] = { DLT_RAW, 101, DLT_IPV4 };
	struct frame f;
	unsigned i;

	(void)state;
	eth_ipv4(&f, NULL, 0, 0);
	cut_everywhere(&f);
	eth_ipv4(&f, qinq, 2, 12);
	cut_everywhere(&f);
	eth_ipv6(&f, chain, 3);
	cut_everywhere(&f);
	sll(&f, 0);
	cut_everywhere(&f);
	sll(&f, 1);
	cut_everywhere(&f);
	sll2(&f, 0, 1);
	cut_everywhere(&f);
	sll2(&f, 1, 0);
	cut_everywhere(&f);
	for (i = 0; i < 3; i++) {
		raw(&f, raws[i], 0);
		cut_everywhere(&f);
	}
	raw(&f, DLT_IPV6, 1);
	cut_everywhere(&f);
	null_frame(&f, DLT_NULL, 2, 0);
	cut_everywhere(&f);
	null_frame(&f, DLT_LOOP, 30, 1);
	cut_everywhere(&f);
}

/* Random bytes under every link type: never a read past the end, any answer allowed. */
static void test_random_frames(void **state)
{
	static const int types[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
				     DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP };
	struct ub_udp_view v;
	struct frame f;
	uint32_t x = 12345;
	unsigned i, k, t;
	int rc;

	(void)state;
	for (i = 0; i < 20000; i++) {
		t = i % 8;
		if (i % 3 == 0)
			eth_ipv4(&f, NULL, 0, 0);
		else if (i % 3 == 1)
			eth_ipv6(&f, NULL, 0);
		f.linktype = types[t];
		/* flip a few octets of a valid frame, so the decoder gets deep */
		for (k = 0; k < 4; k++) {
			x = x * 1103515245u + 12345u;
			f.b[(x >> 8) % f.len] = (uint8_t)(x >> 20);
		}
		x = x * 1103515245u + 12345u;
		rc = decode_n(&f, (x >> 8) % (f.len + 1), &v);
		assert_true(rc == 0 || rc == 1 || rc == UB_E_PROTO);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet),
		cmocka_unit_test(test_vlan_stacks),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv6_extension_headers),
		cmocka_unit_test(test_fragments_ignored),
		cmocka_unit_test(test_linux_cooked),
		cmocka_unit_test(test_raw_ip),
		cmocka_unit_test(test_null_and_loop),
		cmocka_unit_test(test_not_udp),
		cmocka_unit_test(test_malformed_lengths),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_random_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
