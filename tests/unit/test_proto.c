#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "stamp/proto.h"

/* A request with a distinct byte in every position, so a field at the wrong offset shows. */
static const struct ub_stamp_req req_fields = {
	.seq = 0x01020304u,
	.ts = 0x1112131415161718ULL,
	.err_est = 0x8123u,
	.ssid = 0xabcdu,
};

static const uint8_t req_bytes[UB_STAMP_LEN] = {
	/* @0 sequence number */
	0x01, 0x02, 0x03, 0x04,
	/* @4 timestamp T1 */
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	/* @12 error estimate */
	0x81, 0x23,
	/* @14 SSID */
	0xab, 0xcd,
	/* @16..43 MBZ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static const struct ub_stamp_reply reply_fields = {
	.seq = 0xa1a2a3a4u,
	.ts = 0xb1b2b3b4b5b6b7b8ULL,
	.err_est = 0x3f01u,
	.ssid = 0xc1c2u,
	.rx_ts = 0xd1d2d3d4d5d6d7d8ULL,
	.sender_seq = 0xe1e2e3e4u,
	.sender_ts = 0xf1f2f3f4f5f6f7f8ULL,
	.sender_err_est = 0x9192u,
	.sender_ttl = 0x40u,
};

static const uint8_t reply_bytes[UB_STAMP_LEN] = {
	/* @0 reflector sequence number */
	0xa1, 0xa2, 0xa3, 0xa4,
	/* @4 timestamp T3 */
	0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8,
	/* @12 error estimate */
	0x3f, 0x01,
	/* @14 SSID */
	0xc1, 0xc2,
	/* @16 receive timestamp T2 */
	0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8,
	/* @24 session-sender sequence number */
	0xe1, 0xe2, 0xe3, 0xe4,
	/* @28 session-sender timestamp T1 */
	0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
	/* @36 session-sender error estimate */
	0x91, 0x92,
	/* @38 MBZ */
	0x00, 0x00,
	/* @40 session-sender TTL */
	0x40,
	/* @41 MBZ */
	0x00, 0x00, 0x00,
};

static void test_req_layout(void **state)
{
	uint8_t buf[UB_STAMP_LEN];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ub_proto_encode_req(buf, sizeof(buf), &req_fields), 0);
	assert_memory_equal(buf, req_bytes, UB_STAMP_LEN);
}

static void test_req_padding(void **state)
{
	uint8_t buf[UB_PKT_MAX + 8];
	size_t i;

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ub_proto_encode_req(buf, UB_PKT_MAX, &req_fields), 0);
	assert_memory_equal(buf, req_bytes, UB_STAMP_LEN);
	for (i = UB_STAMP_LEN; i < UB_PKT_MAX; i++)
		assert_int_equal(buf[i], 0);
	/* Nothing past len is written. */
	for (i = UB_PKT_MAX; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
}

static void test_req_decode(void **state)
{
	struct ub_stamp_req r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(ub_proto_decode_req(req_bytes, sizeof(req_bytes), &r), 0);
	assert_int_equal(r.seq, 0x01020304u);
	assert_true(r.ts == 0x1112131415161718ULL);
	assert_int_equal(r.err_est, 0x8123u);
	assert_int_equal(r.ssid, 0xabcdu);
}

static void test_req_round_trip(void **state)
{
	uint8_t buf[200];
	struct ub_stamp_req in = { 0xffffffffu, 0x83aa7e8080000000ULL, 0x0001u, 0 };
	struct ub_stamp_req out;

	(void)state;
	assert_int_equal(ub_proto_encode_req(buf, sizeof(buf), &in), 0);
	memset(&out, 0x55, sizeof(out));
	assert_int_equal(ub_proto_decode_req(buf, sizeof(buf), &out), 0);
	assert_int_equal(out.seq, in.seq);
	assert_true(out.ts == in.ts);
	assert_int_equal(out.err_est, in.err_est);
	assert_int_equal(out.ssid, in.ssid);
}

static void test_req_short(void **state)
{
	uint8_t buf[UB_STAMP_LEN];
	struct ub_stamp_req r;
	size_t len;

	(void)state;
	memcpy(buf, req_bytes, sizeof(buf));
	for (len = 0; len < UB_STAMP_LEN; len++)
		assert_int_equal(ub_proto_decode_req(buf, len, &r), UB_E_PROTO);
	assert_int_equal(ub_proto_decode_req(NULL, 100, &r), UB_E_PROTO);
	/* MBZ octets are not checked: a future sender's extension must not be dropped. */
	buf[20] = 0x7f;
	assert_int_equal(ub_proto_decode_req(buf, sizeof(buf), &r), 0);
}

static void test_req_encode_rejects(void **state)
{
	uint8_t buf[UB_STAMP_LEN];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ub_proto_encode_req(buf, UB_STAMP_LEN - 1, &req_fields), UB_E_INVAL);
	assert_int_equal(buf[0], 0xee);
	assert_int_equal(ub_proto_encode_req(NULL, UB_STAMP_LEN, &req_fields), UB_E_INVAL);
	assert_int_equal(ub_proto_encode_req(buf, UB_STAMP_LEN, NULL), UB_E_INVAL);
}

static void test_reply_layout(void **state)
{
	uint8_t buf[UB_STAMP_LEN];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ub_proto_encode_reply(buf, sizeof(buf), &reply_fields), 0);
	assert_memory_equal(buf, reply_bytes, UB_STAMP_LEN);
}

static void test_reply_padding(void **state)
{
	uint8_t buf[300];
	size_t i;

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ub_proto_encode_reply(buf, 256, &reply_fields), 0);
	assert_memory_equal(buf, reply_bytes, UB_STAMP_LEN);
	for (i = UB_STAMP_LEN; i < 256; i++)
		assert_int_equal(buf[i], 0);
	for (i = 256; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
}

static void test_reply_decode(void **state)
{
	struct ub_stamp_reply r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(ub_proto_decode_reply(reply_bytes, sizeof(reply_bytes), &r), 0);
	assert_int_equal(r.seq, 0xa1a2a3a4u);
	assert_true(r.ts == 0xb1b2b3b4b5b6b7b8ULL);
	assert_int_equal(r.err_est, 0x3f01u);
	assert_int_equal(r.ssid, 0xc1c2u);
	assert_true(r.rx_ts == 0xd1d2d3d4d5d6d7d8ULL);
	assert_int_equal(r.sender_seq, 0xe1e2e3e4u);
	assert_true(r.sender_ts == 0xf1f2f3f4f5f6f7f8ULL);
	assert_int_equal(r.sender_err_est, 0x9192u);
	assert_int_equal(r.sender_ttl, 0x40u);
}

static void test_reply_round_trip(void **state)
{
	uint8_t buf[UB_STAMP_LEN + 1];
	struct ub_stamp_reply in = {
		.seq = 7, .ts = 1, .err_est = 0xffff, .ssid = 0xffff, .rx_ts = UINT64_MAX,
		.sender_seq = 0, .sender_ts = 0x0123456789abcdefULL, .sender_err_est = 0x8001,
		.sender_ttl = 255,
	};
	struct ub_stamp_reply out;

	(void)state;
	assert_int_equal(ub_proto_encode_reply(buf, sizeof(buf), &in), 0);
	memset(&out, 0x55, sizeof(out));
	assert_int_equal(ub_proto_decode_reply(buf, sizeof(buf), &out), 0);
	assert_int_equal(out.seq, in.seq);
	assert_true(out.ts == in.ts);
	assert_int_equal(out.err_est, in.err_est);
	assert_int_equal(out.ssid, in.ssid);
	assert_true(out.rx_ts == in.rx_ts);
	assert_int_equal(out.sender_seq, in.sender_seq);
	assert_true(out.sender_ts == in.sender_ts);
	assert_int_equal(out.sender_err_est, in.sender_err_est);
	assert_int_equal(out.sender_ttl, in.sender_ttl);
	assert_int_equal(buf[UB_STAMP_LEN], 0);
}

static void test_reply_short(void **state)
{
	struct ub_stamp_reply r;
	uint8_t buf[UB_STAMP_LEN];
	size_t len;

	(void)state;
	for (len = 0; len < UB_TWAMP_REPLY_MIN; len++)
		assert_int_equal(ub_proto_decode_reply(reply_bytes, len, &r), UB_E_PROTO);
	/* TWAMP-light replies (RFC 5357 §4.2.1): 41 octets with the TTL, 38 without. */
	for (len = UB_TWAMP_REPLY_MIN; len < UB_STAMP_LEN; len++) {
		assert_int_equal(ub_proto_decode_reply(reply_bytes, len, &r), 0);
		assert_int_equal(r.has_ttl, len >= 41);
		assert_int_equal(r.sender_ttl, len >= 41 ? reply_bytes[40] : 0);
		assert_int_equal(r.sender_err_est, reply_bytes[36] << 8 | reply_bytes[37]);
	}
	assert_int_equal(ub_proto_decode_reply(NULL, 1000, &r), UB_E_PROTO);
	memset(buf, 0xee, sizeof(buf));
	/* RFC 5357's base reflector packet is the least a reply can be: 41 octets. */
	assert_int_equal(ub_proto_encode_reply(buf, UB_TWL_REPLY_LEN - 1, &reply_fields), UB_E_INVAL);
	assert_int_equal(buf[0], 0xee);
	assert_int_equal(ub_proto_encode_reply(NULL, 44, &reply_fields), UB_E_INVAL);
}

/* RFC 5357 §4.1.2, unauthenticated TWAMP-Test sender packet at its least: no padding. */
static const uint8_t twl_req_bytes[UB_TWL_REQ_MIN] = {
	/* @0 Sequence Number */
	0x00, 0x00, 0x01, 0x2c,
	/* @4 Timestamp */
	0xe9, 0x1b, 0x2c, 0x3d, 0x40, 0x00, 0x00, 0x00,
	/* @12 Error Estimate: S=1, Z=0, Scale 0, Multiplier 1 */
	0x80, 0x01,
};

static void test_twl_request(void **state)
{
	uint8_t buf[43];
	struct ub_stamp_req r;
	size_t len;

	(void)state;
	memset(&r, 0x55, sizeof(r));
	assert_int_equal(ub_proto_decode_req_twl(twl_req_bytes, sizeof(twl_req_bytes), &r), 0);
	assert_int_equal(r.seq, 300);
	assert_true(r.ts == 0xe91b2c3d40000000ULL);
	assert_int_equal(r.err_est, 0x8001);
	assert_int_equal(r.ssid, 0);
	/* With padding (pseudo-random, RFC 4656 §4.1.2): the same fields, no SSID read from it. */
	memcpy(buf, twl_req_bytes, sizeof(twl_req_bytes));
	memset(buf + 14, 0xa7, sizeof(buf) - 14);
	assert_int_equal(ub_proto_decode_req_twl(buf, sizeof(buf), &r), 0);
	assert_int_equal(r.seq, 300);
	assert_int_equal(r.ssid, 0);
	for (len = 0; len < UB_TWL_REQ_MIN; len++)
		assert_int_equal(ub_proto_decode_req_twl(buf, len, &r), UB_E_PROTO);
	assert_int_equal(ub_proto_decode_req_twl(NULL, 20, &r), UB_E_PROTO);
	assert_int_equal(ub_proto_decode_req_twl(buf, 20, NULL), UB_E_INVAL);
}

/* RFC 5357 §4.2.1, the unauthenticated reflector packet: 41 octets, no SSID (MBZ at 14). */
static const uint8_t twl_reply_bytes[UB_TWL_REPLY_LEN] = {
	/* @0 Sequence Number */
	0x00, 0x00, 0x00, 0x07,
	/* @4 Timestamp (T3) */
	0xe9, 0x1b, 0x2c, 0x3e, 0x00, 0x10, 0x00, 0x00,
	/* @12 Error Estimate */
	0x00, 0x01,
	/* @14 MBZ */
	0x00, 0x00,
	/* @16 Receive Timestamp (T2) */
	0xe9, 0x1b, 0x2c, 0x3e, 0x00, 0x08, 0x00, 0x00,
	/* @24 Sender Sequence Number */
	0x00, 0x00, 0x01, 0x2c,
	/* @28 Sender Timestamp */
	0xe9, 0x1b, 0x2c, 0x3d, 0x40, 0x00, 0x00, 0x00,
	/* @36 Sender Error Estimate */
	0x80, 0x01,
	/* @38 MBZ */
	0x00, 0x00,
	/* @40 Sender TTL */
	0xff,
};

static void test_twl_reply_layout(void **state)
{
	const struct ub_stamp_reply in = {
		.seq = 7, .ts = 0xe91b2c3e00100000ULL, .err_est = 1, .ssid = 0,
		.rx_ts = 0xe91b2c3e00080000ULL, .sender_seq = 300,
		.sender_ts = 0xe91b2c3d40000000ULL, .sender_err_est = 0x8001, .sender_ttl = 255,
	};
	uint8_t buf[50];
	size_t i;

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ub_proto_encode_reply(buf, UB_TWL_REPLY_LEN, &in), 0);
	assert_memory_equal(buf, twl_reply_bytes, UB_TWL_REPLY_LEN);
	assert_int_equal(buf[UB_TWL_REPLY_LEN], 0xee);
	/* The request's size when that is larger: zero padding after the TTL. */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ub_proto_encode_reply(buf, 43, &in), 0);
	assert_memory_equal(buf, twl_reply_bytes, UB_TWL_REPLY_LEN);
	for (i = UB_TWL_REPLY_LEN; i < 43; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[43], 0xee);
	/* It is a reply: a reflector must not answer it (a loop), at 41 octets or at 38. */
	assert_true(ub_proto_looks_like_reply(twl_reply_bytes, UB_TWL_REPLY_LEN, 0));
	assert_true(ub_proto_looks_like_reply(twl_reply_bytes, UB_TWL_REPLY_MIN, 0));
	assert_false(ub_proto_looks_like_reply(twl_req_bytes, sizeof(twl_req_bytes), 0));
}

/* The Z bit of the error estimate picks the format a timestamp is read in. */
static void test_ts_by_z_bit(void **state)
{
	/* 2024-01-01T00:00:00.5 UTC: NTP seconds 3913056000, Unix seconds 1704067200. */
	const int64_t unix_ns = 1704067200LL * 1000000000LL + 500000000LL;
	const uint64_t ntp = 3913056000ULL << 32 | 0x80000000u;
	uint64_t ptp = ub_proto_ts(unix_ns, 1);

	(void)state;
	assert_true(ub_proto_ts(unix_ns, 0) == ntp);
	assert_int_equal(ub_proto_ts_ns(ntp, 0x0001), unix_ns);
	assert_int_equal(ub_proto_ts_ns(ntp, 0x8001), unix_ns);
	/* PTP: seconds since 1970 (TAI, the kernel's offset) and nanoseconds. */
	assert_int_equal((uint32_t)ptp, 500000000);
	assert_true((ptp >> 32) >= 1704067200ULL && (ptp >> 32) <= 1704067200ULL + 40);
	assert_int_equal(ub_proto_ts_ns(ptp, 0x4001), unix_ns);
	assert_int_equal(ub_proto_ts_ns(ptp, 0xc001), unix_ns);
	/* Read in the wrong format, the same octets are decades off. */
	assert_true(ub_proto_ts_ns(ptp, 0x0001) - unix_ns > 50LL * 365 * 86400 * 1000000000LL);
}

static void test_err_est_encode(void **state)
{
	(void)state;
	/* Zero error still states the least value, Multiplier 1 at Scale 0 (never Multiplier 0). */
	assert_int_equal(ub_proto_err_est(0, 0), 0x0001);
	assert_int_equal(ub_proto_err_est(0, -5), 0x0001);
	assert_int_equal(ub_proto_err_est(1, 0), 0x8001);
	/* 1 ns is 4.29 units of 2^-32 s: Multiplier 5 at Scale 0 is the least value >= 1 ns. */
	assert_int_equal(ub_proto_err_est(1, 1), 0x8005);
	/* 1 s = 2^32 units = 128 * 2^25: Scale 25, Multiplier 128, exact. */
	assert_int_equal(ub_proto_err_est(1, 1000000000LL), 0x8000 | 25 << 8 | 128);
	/* 1 ms = 4294967.296 units: Scale 15 steps are 32768 units, ceil gives 132. */
	assert_int_equal(ub_proto_err_est(0, 1000000LL), 15 << 8 | 132);
	/* 59 ns is 253.4 units: still Scale 0; 60 ns (257.7 units) needs Scale 1. */
	assert_int_equal(ub_proto_err_est(0, 59), 254);
	assert_int_equal(ub_proto_err_est(0, 60), 1 << 8 | 129);
	/* Z (bit 14) stays 0: NTP format timestamps. */
	assert_int_equal(ub_proto_err_est(1, INT64_MAX) & 0x4000, 0);
	/* INT64_MAX ns is 1.0737 * 2^65 units: Scale 58, Multiplier ceil(137.4) = 138. */
	assert_int_equal(ub_proto_err_est(0, INT64_MAX), 58 << 8 | 138);
}

static void test_err_est_decode(void **state)
{
	int synced = -1;

	(void)state;
	assert_int_equal(ub_proto_err_est_ns(0x8000 | 25 << 8 | 128, &synced), 1000000000LL);
	assert_int_equal(synced, 1);
	assert_int_equal(ub_proto_err_est_ns(25 << 8 | 128, &synced), 1000000000LL);
	assert_int_equal(synced, 0);
	/* 2^-32 s rounds up to 1 ns: an error bound is never understated. */
	assert_int_equal(ub_proto_err_est_ns(0x0001, NULL), 1);
	assert_int_equal(ub_proto_err_est_ns(32 << 8 | 1, NULL), 1000000000LL);
	assert_int_equal(ub_proto_err_est_ns(33 << 8 | 3, NULL), 6000000000LL);
	/* The Z bit does not change the value. */
	assert_int_equal(ub_proto_err_est_ns(0x4000 | 32 << 8 | 1, &synced), 1000000000LL);
	assert_int_equal(synced, 0);
	/* The largest field (255 * 2^31 s) does not fit in int64 ns: saturate. */
	assert_int_equal(ub_proto_err_est_ns(0xffff, &synced), INT64_MAX);
	assert_int_equal(synced, 1);
}

static void test_err_est_round_trip(void **state)
{
	static const int64_t v[] = {
		1, 2, 59, 60, 100, 999, 1000, 12345, 1000000, 1953125, 123456789,
		1000000000LL, 16000000000LL, 3600000000000LL, INT64_MAX / 2,
	};
	size_t i;
	uint16_t ee;
	int64_t back;
	int synced;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ee = ub_proto_err_est(i & 1, v[i]);
		assert_int_not_equal(ee & 0xff, 0);
		back = ub_proto_err_est_ns(ee, &synced);
		assert_int_equal(synced, (int)(i & 1));
		/*
		 * Never below the input, and at most one step above it plus the ns
		 * rounding; a step above Scale 0 is under 1/127.5 of the value.
		 */
		assert_true(back >= v[i]);
		assert_true(back - v[i] <= v[i] / 127 + 1);
	}
}

/* "Q7" as an SSID: two text characters. */
#define TSSID ((uint16_t)('Q' << 8 | '7'))

static void test_text_encode(void **state)
{
	char buf[64];
	static const char want[] = "!!!K!!=udpb   Q7 1700000000123456789 "
				   "..........................\n";

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(sizeof(want) - 1, 64);
	assert_int_equal(ub_proto_encode_text(buf, 64, 42, 1700000000123456789LL, TSSID), 0);
	assert_memory_equal(buf, want, 64);
	/* Where a reflector reads the SSID (RFC 8972, octets 14..15), the SSID it is. */
	assert_int_equal((uint8_t)buf[14] << 8 | (uint8_t)buf[15], TSSID);
}

/*
 * The layout as the comment in proto.c states it, written with printf:
 * six base-64 digits of seq (bits 18..0 by sixes, then 30 and 24), the
 * magic, the SSID, T1 in decimal, dots, a newline.
 */
static void text_by_printf(char *buf, size_t len, uint32_t seq, int64_t t1, uint16_t ssid)
{
	char head[64];
	int n;

	n = snprintf(head, sizeof(head), "%c%c%c%c%c%c=udpb   %c%c %lld ",
		     0x21 + (int)(seq >> 18 & 63), 0x21 + (int)(seq >> 12 & 63),
		     0x21 + (int)(seq >> 6 & 63), 0x21 + (int)(seq & 63), 0x21 + (int)(seq >> 30 & 63),
		     0x21 + (int)(seq >> 24 & 63), ssid >> 8, ssid & 0xff, (long long)t1);
	assert_true(n > 0 && (size_t)n < len);
	if (n <= 0 || (size_t)n >= len)
		return;
	memcpy(buf, head, (size_t)n);
	memset(buf + n, '.', len - 1 - (size_t)n);
	buf[len - 1] = '\n';
}

/* Byte for byte what printf writes, at the edges of every field and of the length. */
static void test_text_encode_edges(void **state)
{
	static const int64_t t1s[] = { 0, 1, -1, 9, 10, -9, -10, 99, 100, 999999999, 1000000000,
				       -1000000000, 1700000000123456789LL, 999999999999999999LL,
				       1000000000000000000LL, INT64_MAX, INT64_MAX - 1, INT64_MIN,
				       INT64_MIN + 1 };
	static const uint32_t seqs[] = { 0, 1, 63, 64, 0xffffff, 0x1000000, 0x3fffffff, 0x40000000,
					 UINT32_MAX };
	static const size_t lens[] = { UB_STAMP_LEN, UB_STAMP_LEN + 1, 64, UB_PKT_MAX };
	static const uint16_t ssids[] = { '0' << 8 | '0', 'Z' << 8 | 'Z', TSSID };
	char got[UB_PKT_MAX], want[UB_PKT_MAX];
	size_t a, b, c, d;

	(void)state;
	for (a = 0; a < sizeof(t1s) / sizeof(t1s[0]); a++)
		for (b = 0; b < sizeof(seqs) / sizeof(seqs[0]); b++)
			for (c = 0; c < sizeof(lens) / sizeof(lens[0]); c++)
				for (d = 0; d < sizeof(ssids) / sizeof(ssids[0]); d++) {
					memset(got, 'x', sizeof(got));
					memset(want, 'x', sizeof(want));
					assert_int_equal(ub_proto_encode_text(got, lens[c], seqs[b],
									      t1s[a], ssids[d]), 0);
					text_by_printf(want, lens[c], seqs[b], t1s[a], ssids[d]);
					assert_memory_equal(got, want, sizeof(got));
				}
}

static void test_text_printable(void **state)
{
	char buf[UB_PKT_MAX];
	size_t i, len;

	(void)state;
	for (len = UB_STAMP_LEN; len <= UB_PKT_MAX; len += 107) {
		assert_int_equal(ub_proto_encode_text(buf, len, UINT32_MAX, INT64_MIN, TSSID), 0);
		for (i = 0; i + 1 < len; i++)
			assert_true(buf[i] >= 0x20 && buf[i] <= 0x7e);
		assert_int_equal(buf[len - 1], '\n');
	}
}

static void test_text_ssid(void **state)
{
	unsigned v;
	uint16_t s;

	(void)state;
	for (v = 0; v <= 0xffff; v += 13) {
		s = ub_proto_text_ssid((uint16_t)v);
		assert_true(ub_proto_text_ssid_ok(s));
		assert_true(isupper(s >> 8) || isdigit(s >> 8));
		assert_true(isupper(s & 0xff) || isdigit(s & 0xff));
	}
	assert_false(ub_proto_text_ssid_ok(0));
	assert_false(ub_proto_text_ssid_ok('Q' << 8));
	assert_false(ub_proto_text_ssid_ok('q' << 8 | '7'));
	assert_false(ub_proto_text_ssid_ok('.' << 8 | '7'));
}

static void test_text_round_trip(void **state)
{
	char buf[UB_PKT_MAX];
	static const struct {
		uint32_t seq;
		int64_t t1;
	} v[] = {
		{ 0, 0 }, { 1, 123456789 }, { 99999999, 1700000000123456789LL },
		{ UINT32_MAX, -5 }, { 12, INT64_MIN }, { 12, INT64_MAX },
	};
	size_t i;
	uint32_t seq;
	int64_t t1;
	uint16_t ssid;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(ub_proto_encode_text(buf, 44, v[i].seq, v[i].t1, TSSID), 0);
		assert_int_equal(ub_proto_decode_text(buf, 44, &seq, &t1, &ssid), 0);
		assert_int_equal(seq, v[i].seq);
		assert_true(t1 == v[i].t1);
		assert_int_equal(ssid, TSSID);
	}
	/* Outputs are optional. */
	assert_int_equal(ub_proto_decode_text(buf, 44, NULL, NULL, NULL), 0);
}

/* The first 12 octets tell probes apart: a STAMP reflector copies them to its reply's 24..35. */
static void test_text_head_is_unique(void **state)
{
	char a[UB_STAMP_LEN], b[UB_STAMP_LEN];
	uint32_t s;

	(void)state;
	for (s = 0; s < 100000; s += 7) {
		assert_int_equal(ub_proto_encode_text(a, sizeof(a), s, 5, TSSID), 0);
		assert_int_equal(ub_proto_encode_text(b, sizeof(b), s + 1, 5, TSSID), 0);
		assert_memory_not_equal(a, b, 12);
		/* Read as a STAMP sequence number (octets 0..3), the next probe's is higher. */
		assert_true(memcmp(a, b, 4) < 0);
		/* Never the shape of a reply: a reflector answers it (no loop guard trips). */
		assert_false(ub_proto_looks_like_reply((const uint8_t *)a, sizeof(a), 0));
	}
}

static void test_text_echo_variants(void **state)
{
	static const char crlf[] = "!!!&!!=udpb   Q7 1000 ....\r\n";
	static const char bare[] = "!!!&!!=udpb   Q7 1000 ....";
	static const char nopad[] = "!!!&!!=udpb   Q7 1000";
	static const char lower[] = "!!!+!!=udpb   q7 1000 ....\n";
	static const char *const changed[] = {
		"\xe6\x94\xb6\xe5\x88\xb0: !!!+!!=udpb   Q7 1000 ....\n", /* '收到: ' + data */
		"ECHO !!!+!!=UDPB   q7 1000 .... OK",
		"!!!+!!=UDPB   Q7 1000",
	};
	uint32_t seq = 0;
	int64_t t1 = 0;
	uint16_t ssid = 0;
	size_t i;

	(void)state;
	assert_int_equal(ub_proto_decode_text(crlf, sizeof(crlf) - 1, &seq, &t1, &ssid), 0);
	assert_int_equal(seq, 5);
	assert_int_equal(t1, 1000);
	assert_int_equal(ssid, TSSID);
	seq = 0;
	assert_int_equal(ub_proto_decode_text(bare, sizeof(bare) - 1, &seq, &t1, &ssid), 0);
	assert_int_equal(seq, 5);
	seq = 0;
	assert_int_equal(ub_proto_decode_text(nopad, sizeof(nopad) - 1, &seq, &t1, &ssid), 0);
	assert_int_equal(seq, 5);
	/* .lower(): the same probe, its SSID read back in capitals. */
	assert_int_equal(ub_proto_decode_text(lower, sizeof(lower) - 1, &seq, &t1, &ssid), 0);
	assert_int_equal(seq, 10);
	assert_int_equal(ssid, TSSID);
	/* A changed echo is not the probe itself, but holds it. */
	for (i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		seq = 0;
		ssid = 0;
		assert_true(ub_proto_find_text(changed[i], strlen(changed[i]), &seq, &t1, &ssid) >= 0);
		assert_int_equal(seq, 10);
		assert_int_equal(t1, 1000);
		assert_int_equal(ssid, TSSID);
	}
	assert_int_equal(ub_proto_find_text(changed[0], strlen(changed[0]), NULL, NULL, NULL), 8);
	assert_int_equal(ub_proto_decode_text(changed[0], strlen(changed[0]), NULL, NULL, NULL),
			 UB_E_PROTO);
	/* Looking only at the start: the probe itself, not one further in. */
	seq = 0;
	assert_int_equal(ub_proto_text_at_start(lower, sizeof(lower) - 1, &seq, &t1, &ssid), 0);
	assert_int_equal(seq, 10);
	assert_int_equal(ub_proto_text_at_start(changed[0], strlen(changed[0]), &seq, NULL, NULL),
			 UB_E_PROTO);
	assert_int_equal(ub_proto_text_at_start(changed[0] + 8, strlen(changed[0]) - 8, &seq, NULL,
						NULL),
			 0);
	assert_int_equal(ub_proto_text_at_start(NULL, 10, &seq, NULL, NULL), UB_E_PROTO);
	assert_int_equal(ub_proto_text_at_start(lower, 12, &seq, NULL, NULL), UB_E_PROTO);
}

static void test_text_decode_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"!!!&!!=udpb",
		"!!!&!!=udpb   Q7 \n",
		"!!&!!=udpb   Q7 1000\n",
		"!!!&!!=udpc   Q7 1000\n",
		"!!!&!!=udpb  Q7 1000\n",
		"!!!&!!-udpb   Q7 1000\n",
		"!!!&!!=udpb   Q. 1000\n",
		"!!!&!!=udpb   Q7  1000\n",
		"!!!&!!=udpb   Q7 1000x\n",
		"!!!&!!=udpb   Q7 1000 ...x\n",
		"!!!&!!=udpb   Q7 1000 ...\n\n",
		"!!!&!!=udpb   Q7 +1000\n",
		"!!!&!!=udpb   Q7 9223372036854775808\n",
		"!!!&!!=udpb   Q7 -9223372036854775809\n",
		"!!!&!!=udpb   Q7 99999999999999999999999\n",
		"!!!&!!=udpb   Q7 1000\t...\n",
		"!!!&!!=udpb   Q7 1000 ..\x7f.\n",
		"!!!&!!=udpb   Q7 1000 ..\xc3\xa9.\n",
		"!!!& !=udpb   Q7 1000\n",
		"!!!&{!=udpb   Q7 1000\n",
		"!!!&!!=udpb   Q7 0005\n",
		"!!!&!!=udpb   Q7 -0\n",
		"!!!&!!=udpb   Q7 -07\n",
		"!!!&%!=udpb   Q7 1000\n",
	};
	uint8_t stamp[UB_STAMP_LEN];
	struct ub_stamp_req r = { 1, 2, 3, 4 };
	uint32_t seq = 77;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ub_proto_decode_text(bad[i], strlen(bad[i]), &seq, NULL, NULL) != UB_E_PROTO)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	/* Rejected input leaves the outputs alone. */
	assert_int_equal(seq, 77);
	/* A NUL inside is binary, not text. */
	assert_int_equal(ub_proto_decode_text("0005000=UDPB  Q7 1000 .\0.\n", 26, &seq, NULL, NULL),
			 UB_E_PROTO);
	/* A STAMP packet is not a text probe, and holds none. */
	assert_int_equal(ub_proto_encode_req(stamp, sizeof(stamp), &r), 0);
	assert_int_equal(ub_proto_decode_text((const char *)stamp, sizeof(stamp), &seq, NULL, NULL),
			 UB_E_PROTO);
	assert_int_equal(ub_proto_find_text((const char *)stamp, sizeof(stamp), &seq, NULL, NULL),
			 UB_E_PROTO);
	assert_int_equal(ub_proto_decode_text(NULL, 10, &seq, NULL, NULL), UB_E_PROTO);
	assert_int_equal(ub_proto_find_text(NULL, 10, &seq, NULL, NULL), UB_E_PROTO);
	/* A probe cut short inside its T1 still reads (the digits before the cut); before it, not. */
	assert_int_equal(ub_proto_decode_text("!!!&!!=udpb   Q7 1000", 17, &seq, NULL, NULL),
			 UB_E_PROTO);
}

static void test_text_encode_rejects(void **state)
{
	char buf[UB_STAMP_LEN + 1];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ub_proto_encode_text(buf, UB_STAMP_LEN - 1, 1, 2, TSSID), UB_E_INVAL);
	assert_int_equal(buf[0], 'x');
	assert_int_equal(ub_proto_encode_text(NULL, 100, 1, 2, TSSID), UB_E_INVAL);
	/* An SSID of other octets cannot travel in a text probe. */
	assert_int_equal(ub_proto_encode_text(buf, UB_STAMP_LEN, 1, 2, 0x1234), UB_E_INVAL);
	assert_int_equal(buf[0], 'x');
	/* The longest header (38 characters) fits in the smallest probe with its newline. */
	assert_int_equal(ub_proto_encode_text(buf, UB_STAMP_LEN, UINT32_MAX, INT64_MIN, TSSID), 0);
	assert_int_equal(buf[UB_STAMP_LEN - 1], '\n');
}

/* Authenticated mode. The key is 32 ASCII octets; the HMACs below were computed outside
 * udpbench (Python's hmac module and `openssl dgst -sha256 -mac HMAC`) over octets 0..95
 * laid out from RFC 8762 Figures 4 and 6 with the RFC 8972 SSID. */
static const struct ub_auth_key auth_key = {
	.bytes = "udpbench-stamp-test-key-32octets",
	.len = 32,
};

static const uint8_t req_auth_bytes[UB_STAMP_AUTH_LEN] = {
	/* @0 sequence number */
	0x01, 0x02, 0x03, 0x04,
	/* @4..15 MBZ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* @16 timestamp T1 */
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	/* @24 error estimate */
	0x81, 0x23,
	/* @26 SSID */
	0xab, 0xcd,
	/* @28..95 MBZ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* @96 HMAC-SHA-256(auth_key, octets 0..95), first 16 octets */
	0x98, 0x85, 0x7e, 0xc4, 0x27, 0xce, 0xb4, 0x2a,
	0x52, 0xaf, 0xff, 0x41, 0x96, 0x95, 0xee, 0x13,
};

static const uint8_t reply_auth_bytes[UB_STAMP_AUTH_LEN] = {
	/* @0 reflector sequence number */
	0xa1, 0xa2, 0xa3, 0xa4,
	/* @4..15 MBZ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* @16 timestamp T3 */
	0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8,
	/* @24 error estimate */
	0x3f, 0x01,
	/* @26 SSID */
	0xc1, 0xc2,
	/* @28..31 MBZ */
	0, 0, 0, 0,
	/* @32 receive timestamp T2 */
	0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8,
	/* @40..47 MBZ */
	0, 0, 0, 0, 0, 0, 0, 0,
	/* @48 session-sender sequence number */
	0xe1, 0xe2, 0xe3, 0xe4,
	/* @52..63 MBZ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* @64 session-sender timestamp T1 */
	0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
	/* @72 session-sender error estimate */
	0x91, 0x92,
	/* @74..79 MBZ */
	0, 0, 0, 0, 0, 0,
	/* @80 session-sender TTL */
	0x40,
	/* @81..95 MBZ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* @96 HMAC-SHA-256(auth_key, octets 0..95), first 16 octets */
	0x6c, 0x47, 0xcf, 0x7b, 0xa5, 0x3a, 0x69, 0x2b,
	0xc8, 0x34, 0x88, 0x44, 0xbe, 0x8e, 0xae, 0xbc,
};

static void test_req_auth_layout(void **state)
{
	uint8_t buf[UB_STAMP_AUTH_LEN];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ub_proto_encode_req_auth(buf, sizeof(buf), &req_fields, &auth_key), 0);
	assert_memory_equal(buf, req_auth_bytes, UB_STAMP_AUTH_LEN);
}

static void test_req_auth_padding(void **state)
{
	uint8_t buf[UB_PKT_MAX + 8];
	size_t i;

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ub_proto_encode_req_auth(buf, UB_PKT_MAX, &req_fields, &auth_key), 0);
	/* The HMAC stays at @96 and covers the same octets however long the packet is. */
	assert_memory_equal(buf, req_auth_bytes, UB_STAMP_AUTH_LEN);
	for (i = UB_STAMP_AUTH_LEN; i < UB_PKT_MAX; i++)
		assert_int_equal(buf[i], 0);
	for (i = UB_PKT_MAX; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
}

static void test_req_auth_decode(void **state)
{
	struct ub_stamp_req r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(ub_proto_decode_req_auth(req_auth_bytes, sizeof(req_auth_bytes), &auth_key,
						  &r), 0);
	assert_int_equal(r.seq, 0x01020304u);
	assert_true(r.ts == 0x1112131415161718ULL);
	assert_int_equal(r.err_est, 0x8123u);
	assert_int_equal(r.ssid, 0xabcdu);
}

static void test_req_auth_round_trip(void **state)
{
	uint8_t buf[300];
	struct ub_stamp_req in = { 0xffffffffu, 0x83aa7e8080000000ULL, 0x0001u, 0xfffe };
	struct ub_stamp_req out;

	(void)state;
	assert_int_equal(ub_proto_encode_req_auth(buf, sizeof(buf), &in, &auth_key), 0);
	memset(&out, 0x55, sizeof(out));
	assert_int_equal(ub_proto_decode_req_auth(buf, sizeof(buf), &auth_key, &out), 0);
	assert_int_equal(out.seq, in.seq);
	assert_true(out.ts == in.ts);
	assert_int_equal(out.err_est, in.err_est);
	assert_int_equal(out.ssid, in.ssid);
}

/* Every single-bit change in octets 0..111 (fields, MBZ and the HMAC itself) is refused. */
static void test_req_auth_bit_flips(void **state)
{
	uint8_t buf[160];
	struct ub_stamp_req r, untouched;
	size_t bit;

	(void)state;
	memset(&untouched, 0x5a, sizeof(untouched));
	assert_int_equal(ub_proto_encode_req_auth(buf, sizeof(buf), &req_fields, &auth_key), 0);
	for (bit = 0; bit < UB_STAMP_AUTH_LEN * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memcpy(&r, &untouched, sizeof(r));
		assert_int_equal(ub_proto_decode_req_auth(buf, sizeof(buf), &auth_key, &r), UB_E_AUTH);
		assert_memory_equal(&r, &untouched, sizeof(r));
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* Padding after the HMAC is not covered (RFC 8762 §4.4: the first 96 octets are). */
	for (bit = UB_STAMP_AUTH_LEN * 8; bit < sizeof(buf) * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(ub_proto_decode_req_auth(buf, sizeof(buf), &auth_key, &r), 0);
		assert_int_equal(r.seq, req_fields.seq);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

static void test_req_auth_wrong_key(void **state)
{
	struct ub_auth_key other = auth_key;
	struct ub_stamp_req r;
	uint8_t buf[UB_STAMP_AUTH_LEN];

	(void)state;
	other.bytes[31] ^= 1;
	assert_int_equal(ub_proto_decode_req_auth(req_auth_bytes, sizeof(req_auth_bytes), &other, &r),
			 UB_E_AUTH);
	/* A key that is a prefix of the right one is a different key. */
	other = auth_key;
	other.len = 31;
	assert_int_equal(ub_proto_decode_req_auth(req_auth_bytes, sizeof(req_auth_bytes), &other, &r),
			 UB_E_AUTH);
	/* An unauthenticated request padded to 112 octets is not an authenticated one. */
	assert_int_equal(ub_proto_encode_req(buf, sizeof(buf), &req_fields), 0);
	assert_int_equal(ub_proto_decode_req_auth(buf, sizeof(buf), &auth_key, &r), UB_E_AUTH);
}

static void test_req_auth_short(void **state)
{
	struct ub_stamp_req r, untouched;
	size_t len;

	(void)state;
	memset(&untouched, 0x5a, sizeof(untouched));
	memcpy(&r, &untouched, sizeof(r));
	for (len = 0; len < UB_STAMP_AUTH_LEN; len++)
		assert_int_equal(ub_proto_decode_req_auth(req_auth_bytes, len, &auth_key, &r),
				 UB_E_PROTO);
	assert_int_equal(ub_proto_decode_req_auth(NULL, 200, &auth_key, &r), UB_E_PROTO);
	assert_memory_equal(&r, &untouched, sizeof(r));
}

static void test_req_auth_rejects(void **state)
{
	struct ub_auth_key weak = auth_key;
	uint8_t buf[UB_STAMP_AUTH_LEN];
	struct ub_stamp_req r;

	(void)state;
	weak.len = UB_AUTH_KEY_MIN - 1;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ub_proto_encode_req_auth(buf, UB_STAMP_AUTH_LEN - 1, &req_fields, &auth_key),
			 UB_E_INVAL);
	assert_int_equal(buf[0], 0xee);
	assert_int_equal(ub_proto_encode_req_auth(buf, sizeof(buf), &req_fields, NULL), UB_E_INVAL);
	assert_int_equal(ub_proto_encode_req_auth(buf, sizeof(buf), &req_fields, &weak), UB_E_INVAL);
	assert_int_equal(buf[0], 0xee);
	assert_int_equal(ub_proto_encode_req_auth(NULL, sizeof(buf), &req_fields, &auth_key),
			 UB_E_INVAL);
	assert_int_equal(ub_proto_encode_req_auth(buf, sizeof(buf), NULL, &auth_key), UB_E_INVAL);
	assert_int_equal(ub_proto_decode_req_auth(req_auth_bytes, sizeof(req_auth_bytes), NULL, &r),
			 UB_E_INVAL);
	assert_int_equal(ub_proto_decode_req_auth(req_auth_bytes, sizeof(req_auth_bytes), &weak, &r),
			 UB_E_INVAL);
	assert_int_equal(ub_proto_decode_req_auth(req_auth_bytes, sizeof(req_auth_bytes), &auth_key,
						  NULL), UB_E_INVAL);
}

static void test_reply_auth_layout(void **state)
{
	uint8_t buf[UB_STAMP_AUTH_LEN];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ub_proto_encode_reply_auth(buf, sizeof(buf), &reply_fields, &auth_key), 0);
	assert_memory_equal(buf, reply_auth_bytes, UB_STAMP_AUTH_LEN);
}

static void test_reply_auth_padding(void **state)
{
	uint8_t buf[300];
	size_t i;

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ub_proto_encode_reply_auth(buf, 256, &reply_fields, &auth_key), 0);
	assert_memory_equal(buf, reply_auth_bytes, UB_STAMP_AUTH_LEN);
	for (i = UB_STAMP_AUTH_LEN; i < 256; i++)
		assert_int_equal(buf[i], 0);
	for (i = 256; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
}

static void test_reply_auth_decode(void **state)
{
	struct ub_stamp_reply r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(ub_proto_decode_reply_auth(reply_auth_bytes, sizeof(reply_auth_bytes),
						    &auth_key, &r), 0);
	assert_int_equal(r.seq, 0xa1a2a3a4u);
	assert_true(r.ts == 0xb1b2b3b4b5b6b7b8ULL);
	assert_int_equal(r.err_est, 0x3f01u);
	assert_int_equal(r.ssid, 0xc1c2u);
	assert_true(r.rx_ts == 0xd1d2d3d4d5d6d7d8ULL);
	assert_int_equal(r.sender_seq, 0xe1e2e3e4u);
	assert_true(r.sender_ts == 0xf1f2f3f4f5f6f7f8ULL);
	assert_int_equal(r.sender_err_est, 0x9192u);
	assert_int_equal(r.sender_ttl, 0x40u);
}

static void test_reply_auth_round_trip(void **state)
{
	uint8_t buf[UB_STAMP_AUTH_LEN + 1];
	struct ub_stamp_reply in = {
		.seq = 7, .ts = 1, .err_est = 0xffff, .ssid = 0xffff, .rx_ts = UINT64_MAX,
		.sender_seq = 0, .sender_ts = 0x8000000000000001ULL, .sender_err_est = 0x8001,
		.sender_ttl = 255,
	};
	struct ub_stamp_reply out;

	(void)state;
	assert_int_equal(ub_proto_encode_reply_auth(buf, sizeof(buf), &in, &auth_key), 0);
	memset(&out, 0x55, sizeof(out));
	assert_int_equal(ub_proto_decode_reply_auth(buf, sizeof(buf), &auth_key, &out), 0);
	assert_int_equal(out.seq, in.seq);
	assert_true(out.ts == in.ts);
	assert_int_equal(out.err_est, in.err_est);
	assert_int_equal(out.ssid, in.ssid);
	assert_true(out.rx_ts == in.rx_ts);
	assert_int_equal(out.sender_seq, in.sender_seq);
	assert_true(out.sender_ts == in.sender_ts);
	assert_int_equal(out.sender_err_est, in.sender_err_est);
	assert_int_equal(out.sender_ttl, in.sender_ttl);
}

static void test_reply_auth_bit_flips(void **state)
{
	uint8_t buf[UB_STAMP_AUTH_LEN + 20];
	struct ub_stamp_reply r, untouched;
	size_t bit;

	(void)state;
	memset(&untouched, 0x5a, sizeof(untouched));
	assert_int_equal(ub_proto_encode_reply_auth(buf, sizeof(buf), &reply_fields, &auth_key), 0);
	for (bit = 0; bit < UB_STAMP_AUTH_LEN * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memcpy(&r, &untouched, sizeof(r));
		assert_int_equal(ub_proto_decode_reply_auth(buf, sizeof(buf), &auth_key, &r),
				 UB_E_AUTH);
		assert_memory_equal(&r, &untouched, sizeof(r));
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (bit = UB_STAMP_AUTH_LEN * 8; bit < sizeof(buf) * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(ub_proto_decode_reply_auth(buf, sizeof(buf), &auth_key, &r), 0);
		assert_int_equal(r.sender_seq, reply_fields.sender_seq);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

static void test_reply_auth_short_and_rejects(void **state)
{
	struct ub_auth_key other = auth_key;
	struct ub_stamp_reply r, untouched;
	uint8_t buf[UB_STAMP_AUTH_LEN];
	size_t len;

	(void)state;
	memset(&untouched, 0x5a, sizeof(untouched));
	memcpy(&r, &untouched, sizeof(r));
	for (len = 0; len < UB_STAMP_AUTH_LEN; len++)
		assert_int_equal(ub_proto_decode_reply_auth(reply_auth_bytes, len, &auth_key, &r),
				 UB_E_PROTO);
	assert_int_equal(ub_proto_decode_reply_auth(NULL, 200, &auth_key, &r), UB_E_PROTO);
	other.bytes[0] ^= 0x80;
	assert_int_equal(ub_proto_decode_reply_auth(reply_auth_bytes, sizeof(reply_auth_bytes),
						    &other, &r), UB_E_AUTH);
	assert_memory_equal(&r, &untouched, sizeof(r));
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ub_proto_encode_reply_auth(buf, UB_STAMP_AUTH_LEN - 1, &reply_fields,
						    &auth_key), UB_E_INVAL);
	assert_int_equal(buf[0], 0xee);
	assert_int_equal(ub_proto_encode_reply_auth(buf, sizeof(buf), &reply_fields, NULL),
			 UB_E_INVAL);
	assert_int_equal(ub_proto_decode_reply_auth(reply_auth_bytes, sizeof(reply_auth_bytes), NULL,
						    &r), UB_E_INVAL);
	assert_memory_equal(&r, &untouched, sizeof(r));
}

/* Authenticated packets from anyone: the fields where an unauthenticated packet has them. */
static void test_auth_to_plain(void **state)
{
	uint8_t plain[UB_STAMP_LEN], big[200];
	struct ub_stamp_reply rep;
	struct ub_stamp_req req;

	(void)state;
	assert_true(ub_proto_is_auth(req_auth_bytes, UB_STAMP_AUTH_LEN, UB_STAMP_AUTH_LEN));
	assert_true(ub_proto_is_auth(reply_auth_bytes, UB_STAMP_AUTH_LEN, UB_STAMP_AUTH_LEN));
	/* The whole packet need not be in the capture, only up to T1 or T3. */
	assert_true(ub_proto_is_auth(req_auth_bytes, 24, 1000));
	assert_false(ub_proto_is_auth(req_auth_bytes, 23, 1000));
	assert_false(ub_proto_is_auth(req_auth_bytes, UB_STAMP_AUTH_LEN, UB_STAMP_AUTH_LEN - 1));
	assert_false(ub_proto_is_auth(NULL, 200, 200));
	/* Unauthenticated packets of 112 octets or more have T1 or T3 at 4. */
	memset(big, 0, sizeof(big));
	memcpy(big, req_bytes, UB_STAMP_LEN);
	assert_false(ub_proto_is_auth(big, sizeof(big), sizeof(big)));
	memcpy(big, reply_bytes, UB_STAMP_LEN);
	assert_false(ub_proto_is_auth(big, sizeof(big), sizeof(big)));

	memset(plain, 0xee, sizeof(plain));
	assert_int_equal(ub_proto_auth_to_plain(req_auth_bytes, UB_STAMP_AUTH_LEN, plain),
			 UB_STAMP_LEN);
	assert_memory_equal(plain, req_bytes, UB_STAMP_LEN);
	assert_int_equal(ub_proto_decode_req(plain, sizeof(plain), &req), 0);
	assert_int_equal(req.ssid, 0xabcd);
	assert_int_equal(ub_proto_auth_to_plain(reply_auth_bytes, UB_STAMP_AUTH_LEN, plain),
			 UB_STAMP_LEN);
	assert_memory_equal(plain, reply_bytes, UB_STAMP_LEN);
	assert_int_equal(ub_proto_decode_reply(plain, sizeof(plain), &rep), 0);
	assert_int_equal(rep.sender_seq, 0xe1e2e3e4u);
	/* Cut by the capture: only whole fields, the rest zero. */
	assert_int_equal(ub_proto_auth_to_plain(reply_auth_bytes, 74, plain), 38);
	assert_memory_equal(plain, reply_bytes, 38);
	assert_int_equal(plain[40], 0);
	assert_int_equal(ub_proto_auth_to_plain(reply_auth_bytes, 70, plain), 28);
	assert_memory_equal(plain, reply_bytes, 28);
	assert_int_equal(plain[28], 0);
	assert_int_equal(ub_proto_auth_to_plain(reply_auth_bytes, 81, plain), UB_STAMP_LEN);
	assert_int_equal(ub_proto_auth_to_plain(reply_auth_bytes, 3, plain), 0);
}

/* A reply carries T2 and T3 a moment apart; a request carries zeros (or padding) there. */
static void test_looks_like_reply(void **state)
{
	struct ub_stamp_reply rep = reply_fields;
	struct ub_stamp_req req = req_fields;
	uint8_t buf[200];
	uint32_t late;
	int i;

	(void)state;
	assert_int_equal(ub_proto_encode_req(buf, 44, &req), 0);
	assert_int_equal(ub_proto_looks_like_reply(buf, 44, 0), 0);
	/* NTP and PTP stamps alike: the seconds are the high 32 bits. */
	for (late = 0; late < 5; late++) {
		rep.rx_ts = 0xe8000000ULL << 32 | 0x12345678u;
		rep.ts = (0xe8000000ULL + late) << 32 | 0x9abcdef0u;
		assert_int_equal(ub_proto_encode_reply(buf, 44, &rep), 0);
		assert_int_equal(ub_proto_looks_like_reply(buf, 44, 0), late <= 2);
		/* TWAMP-light's shorter replies carry them too: anything that holds T2 */
		assert_int_equal(ub_proto_looks_like_reply(buf, 24, 0), late <= 2);
		assert_int_equal(ub_proto_looks_like_reply(buf, 23, 0), 0);
		assert_int_equal(ub_proto_encode_reply_auth(buf, 112, &rep, &auth_key), 0);
		assert_int_equal(ub_proto_looks_like_reply(buf, 112, 1), late <= 2);
		assert_int_equal(ub_proto_looks_like_reply(buf, 111, 1), 0);
	}
	/* A clock stepped back by a second between T2 and T3: still a reply. */
	rep.ts = (0xe8000000ULL - 1) << 32;
	assert_int_equal(ub_proto_encode_reply(buf, 44, &rep), 0);
	assert_int_equal(ub_proto_looks_like_reply(buf, 44, 0), 1);
	/* T2 zero: a request, whatever T1 is. */
	rep.rx_ts = 0;
	assert_int_equal(ub_proto_encode_reply(buf, 44, &rep), 0);
	assert_int_equal(ub_proto_looks_like_reply(buf, 44, 0), 0);
	/* TWAMP-light padding of pseudo-random octets: requests, bar the odd chance in 2^30. */
	for (i = 0; i < 100000; i++) {
		unsigned x = (unsigned)i * 2654435761u, k;

		assert_int_equal(ub_proto_encode_req(buf, 44, &req), 0);
		for (k = 16; k < 44; k++) {
			x = x * 1103515245u + 12345u;
			buf[k] = (uint8_t)(x >> 16);
		}
		assert_int_equal(ub_proto_looks_like_reply(buf, 44, 0), 0);
	}
	assert_int_equal(ub_proto_looks_like_reply(NULL, 44, 0), 0);
	assert_null(ub_proto_auth_tag(buf, 111));
	assert_ptr_equal(ub_proto_auth_tag(buf, 112), buf + 96);
}

/* Fields read one at a time: the right octets of the byte diagrams above, and nothing past len. */
static void test_field_accessors(void **state)
{
	char text[UB_STAMP_LEN];
	uint8_t buf[UB_STAMP_LEN];
	uint32_t seq = 7;
	uint64_t t1 = 7;
	uint16_t ssid = 7;

	(void)state;
	assert_int_equal(ub_proto_seq(req_bytes, 4, &seq), 0);
	assert_int_equal(seq, req_fields.seq);
	assert_int_equal(ub_proto_seq(reply_auth_bytes, UB_STAMP_AUTH_LEN, &seq), 0);
	assert_int_equal(seq, reply_fields.seq);
	assert_int_equal(ub_proto_req_t1(req_bytes, 12, &t1), 0);
	assert_true(t1 == req_fields.ts);
	assert_int_equal(ub_proto_req_ssid(req_bytes, 16, &ssid), 0);
	assert_int_equal(ssid, req_fields.ssid);
	assert_int_equal(ub_proto_reply_sender_seq(reply_bytes, 28, 0, &seq), 0);
	assert_int_equal(seq, reply_fields.sender_seq);
	assert_int_equal(ub_proto_reply_sender_ts(reply_bytes, 36, 0, &t1), 0);
	assert_true(t1 == reply_fields.sender_ts);
	assert_int_equal(ub_proto_reply_sender_seq(reply_auth_bytes, 52, 1, &seq), 0);
	assert_int_equal(seq, reply_fields.sender_seq);
	assert_int_equal(ub_proto_reply_sender_ts(reply_auth_bytes, 72, 1, &t1), 0);
	assert_true(t1 == reply_fields.sender_ts);

	/* One octet short of each field: refused, the value left alone. */
	seq = 7;
	t1 = 7;
	ssid = 7;
	assert_int_equal(ub_proto_seq(req_bytes, 3, &seq), UB_E_PROTO);
	assert_int_equal(ub_proto_seq(NULL, 44, &seq), UB_E_PROTO);
	assert_int_equal(ub_proto_req_t1(req_bytes, 11, &t1), UB_E_PROTO);
	assert_int_equal(ub_proto_req_ssid(req_bytes, 15, &ssid), UB_E_PROTO);
	assert_int_equal(ub_proto_reply_sender_seq(reply_bytes, 27, 0, &seq), UB_E_PROTO);
	assert_int_equal(ub_proto_reply_sender_ts(reply_bytes, 35, 0, &t1), UB_E_PROTO);
	assert_int_equal(ub_proto_reply_sender_seq(reply_auth_bytes, 51, 1, &seq), UB_E_PROTO);
	assert_int_equal(ub_proto_reply_sender_ts(reply_auth_bytes, 71, 1, &t1), UB_E_PROTO);
	assert_true(seq == 7 && t1 == 7 && ssid == 7);

	/* The request's first 12 octets a reflector copied, and a text probe's number in them. */
	assert_ptr_equal(ub_proto_reply_copied(reply_bytes, 36), reply_bytes + 24);
	assert_null(ub_proto_reply_copied(reply_bytes, 35));
	assert_int_equal(ub_proto_encode_text(text, sizeof(text), 0x123456u, 1700000000123456789LL,
					      ub_proto_text_ssid(0x4142)), 0);
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 24, text, UB_TEXT_HEAD_LEN);
	assert_int_equal(ub_proto_reply_text_head(buf, 36, &seq), 0);
	assert_int_equal(seq, 0x123456u);
	assert_int_equal(ub_proto_reply_text_head(buf, 35, &seq), UB_E_PROTO);
	assert_int_equal(ub_proto_reply_text_head(reply_bytes, 44, &seq), UB_E_PROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req_layout),
		cmocka_unit_test(test_req_padding),
		cmocka_unit_test(test_req_decode),
		cmocka_unit_test(test_req_round_trip),
		cmocka_unit_test(test_req_short),
		cmocka_unit_test(test_req_encode_rejects),
		cmocka_unit_test(test_reply_layout),
		cmocka_unit_test(test_reply_padding),
		cmocka_unit_test(test_reply_decode),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_reply_short),
		cmocka_unit_test(test_twl_request),
		cmocka_unit_test(test_twl_reply_layout),
		cmocka_unit_test(test_auth_to_plain),
		cmocka_unit_test(test_field_accessors),
		cmocka_unit_test(test_ts_by_z_bit),
		cmocka_unit_test(test_err_est_encode),
		cmocka_unit_test(test_err_est_decode),
		cmocka_unit_test(test_err_est_round_trip),
		cmocka_unit_test(test_text_encode),
		cmocka_unit_test(test_text_encode_edges),
		cmocka_unit_test(test_text_printable),
		cmocka_unit_test(test_text_ssid),
		cmocka_unit_test(test_text_head_is_unique),
		cmocka_unit_test(test_text_round_trip),
		cmocka_unit_test(test_text_echo_variants),
		cmocka_unit_test(test_text_decode_rejects),
		cmocka_unit_test(test_text_encode_rejects),
		cmocka_unit_test(test_req_auth_layout),
		cmocka_unit_test(test_req_auth_padding),
		cmocka_unit_test(test_req_auth_decode),
		cmocka_unit_test(test_req_auth_round_trip),
		cmocka_unit_test(test_req_auth_bit_flips),
		cmocka_unit_test(test_req_auth_wrong_key),
		cmocka_unit_test(test_req_auth_short),
		cmocka_unit_test(test_req_auth_rejects),
		cmocka_unit_test(test_reply_auth_layout),
		cmocka_unit_test(test_reply_auth_padding),
		cmocka_unit_test(test_reply_auth_decode),
		cmocka_unit_test(test_reply_auth_round_trip),
		cmocka_unit_test(test_reply_auth_bit_flips),
		cmocka_unit_test(test_reply_auth_short_and_rejects),
		cmocka_unit_test(test_looks_like_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
