/*
 * Fuzz target: one datagram as the sender receives it from a reflector
 * (any reflector: the other end is not ours to trust). The reply is
 * decoded, encoded again and decoded once more, and the error-estimate
 * fields it carries are read as the sender reads them. The same in
 * authenticated mode with a fixed key (FUZZ_KEY); since a fuzzer cannot
 * forge an HMAC, the fields of each input are also signed here, so that a
 * changed octet under the HMAC, or the wrong key, is seen to be refused.
 *
 * The field offsets below are RFC 8762 §4.3.1 and §4.3.2 (SSID per
 * RFC 8972 §3) written out a second time, so a decoder that reads the
 * wrong octets is caught.
 */
#include <string.h>

#include "fuzz.h"
#include "stamp/proto.h"

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static int reply_equal(const struct ub_stamp_reply *a, const struct ub_stamp_reply *b)
{
	return a->seq == b->seq && a->ts == b->ts && a->err_est == b->err_est &&
	       a->ssid == b->ssid && a->rx_ts == b->rx_ts && a->sender_seq == b->sender_seq &&
	       a->sender_ts == b->sender_ts && a->sender_err_est == b->sender_err_est &&
	       a->sender_ttl == b->sender_ttl;
}

/* Octets of a reflector packet that carry no field: MBZ (RFC 8762 §4.3.1) and padding. */
static int reply_mbz(size_t i)
{
	return i == 38 || i == 39 || (i >= 41 && i < 44) || i >= UB_STAMP_LEN;
}

/*
 * RFC 4656 §4.1.2: S(1) Z(1) Scale(6) Multiplier(8). What an estimate
 * states, encoded again, is never understated and at most about one part
 * in 128 (the Multiplier's precision) plus a rounding nanosecond over.
 */
static void error_estimate(uint16_t ee)
{
	int synced = -1, synced2 = -1;
	int64_t ns, ns2;
	uint16_t ee2;

	ns = ub_proto_err_est_ns(ee, &synced);
	FUZZ_CHECK(ns >= 0);
	FUZZ_CHECK(synced == !!(ee & 0x8000));
	FUZZ_CHECK(ub_proto_err_est_ns(ee, NULL) == ns);
	ee2 = ub_proto_err_est(synced, ns);
	FUZZ_CHECK((ee2 & 0x4000) == 0); /* Z = 0: NTP timestamps */
	FUZZ_CHECK((ee2 & 0xff) != 0);   /* the Multiplier is never zero */
	ns2 = ub_proto_err_est_ns(ee2, &synced2);
	FUZZ_CHECK(synced2 == synced);
	FUZZ_CHECK(ns2 >= ns);
	FUZZ_CHECK(ns2 == INT64_MAX || ns2 - ns <= ns / 100 + 1);
}

static void unauthenticated(const uint8_t *d, size_t n, uint8_t *buf)
{
	struct ub_stamp_reply r, back;
	size_t i;
	int rc;

	rc = ub_proto_decode_reply(d, n, &r);
	if (n < UB_TWAMP_REPLY_MIN) {
		FUZZ_CHECK(rc == UB_E_PROTO);
		return;
	}
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(r.seq == be32(d) && r.ts == be64(d + 4) && r.err_est == be16(d + 12) &&
		   r.ssid == be16(d + 14) && r.rx_ts == be64(d + 16) &&
		   r.sender_seq == be32(d + 24) && r.sender_ts == be64(d + 28) &&
		   r.sender_err_est == be16(d + 36));
	/* TWAMP-light's 38 octets have no TTL; from 41 on it is octet 40 */
	FUZZ_CHECK(r.has_ttl == (n >= 41) && r.sender_ttl == (n >= 41 ? d[40] : 0));
	if (n < UB_STAMP_LEN)
		return;

	/* Encoded again: every field octet as received, every MBZ and padding octet zero. */
	FUZZ_CHECK(ub_proto_encode_reply(buf, n, &r) == 0);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(buf[i] == (reply_mbz(i) ? 0 : d[i]));
	FUZZ_CHECK(ub_proto_decode_reply(buf, n, &back) == 0 && reply_equal(&r, &back));

	error_estimate(r.err_est);
	error_estimate(r.sender_err_est);
}

/* The estimate the sender puts on the wire for an error of err_ns (negative counts as 0). */
static void estimate_from_ns(const uint8_t *d, size_t n)
{
	uint8_t b[8] = { 0 };
	int64_t err;
	uint16_t ee;

	memcpy(b, d, n < sizeof(b) ? n : sizeof(b));
	err = (int64_t)be64(b);
	ee = ub_proto_err_est(b[0] & 1, err);
	FUZZ_CHECK(!!(ee & 0x8000) == (b[0] & 1));
	FUZZ_CHECK(ub_proto_err_est_ns(ee, NULL) >= (err > 0 ? err : 0));
	error_estimate(ee);
}

/* The input as an authenticated reply: refused unless its HMAC is right. */
static void authenticated(const uint8_t *d, size_t n, uint8_t *buf)
{
	struct ub_auth_key k, wrong;
	struct ub_stamp_reply r, back, untouched;
	size_t i;
	int rc;

	fuzz_keys(&k, &wrong);
	memset(&r, 0xa5, sizeof(r));
	untouched = r;
	rc = ub_proto_decode_reply_auth(d, n, &k, &r);
	if (n < UB_STAMP_AUTH_LEN)
		FUZZ_CHECK(rc == UB_E_PROTO);
	else
		FUZZ_CHECK(rc == 0 || rc == UB_E_AUTH);
	if (rc != 0) {
		FUZZ_CHECK(memcmp(&r, &untouched, sizeof(r)) == 0);
		return;
	}
	FUZZ_CHECK(r.seq == be32(d) && r.ts == be64(d + 16) && r.err_est == be16(d + 24) &&
		   r.ssid == be16(d + 26) && r.rx_ts == be64(d + 32) &&
		   r.sender_seq == be32(d + 48) && r.sender_ts == be64(d + 64) &&
		   r.sender_err_est == be16(d + 72) && r.sender_ttl == d[80]);
	FUZZ_CHECK(ub_proto_decode_reply_auth(d, n, &wrong, &back) == UB_E_AUTH);
	FUZZ_CHECK(ub_proto_encode_reply_auth(buf, n, &r, &k) == 0);
	for (i = 0; i < UB_STAMP_AUTH_LEN - UB_AUTH_HMAC_LEN; i++)
		FUZZ_CHECK(buf[i] == (fuzz_reply_auth_mbz(i) ? 0 : d[i]));
	FUZZ_CHECK(ub_proto_decode_reply_auth(buf, n, &k, &back) == 0 && reply_equal(&r, &back));
	error_estimate(r.err_est);
	error_estimate(r.sender_err_est);
}

/*
 * The fields of the unauthenticated reading, signed into a reply of the
 * input's size (at least 112 octets): it must decode to the same fields,
 * and fail once any octet under the HMAC, or the HMAC itself, changes;
 * padding after the HMAC is not covered, so changing it changes nothing.
 */
static void signed_fields(const uint8_t *d, size_t n)
{
	struct ub_auth_key k, wrong;
	struct ub_stamp_reply r, r2;
	uint8_t *buf;
	size_t len, at;
	uint8_t bit;

	/* a STAMP reply (44 octets and more): its MBZ octets 38..43 pick the changes below */
	if (n < UB_STAMP_LEN || ub_proto_decode_reply(d, n, &r) != 0)
		return;
	fuzz_keys(&k, &wrong);
	len = n < UB_STAMP_AUTH_LEN ? UB_STAMP_AUTH_LEN : n;
	buf = malloc(len);
	if (!buf)
		return;
	FUZZ_CHECK(ub_proto_encode_reply_auth(buf, len, &r, &k) == 0);
	FUZZ_CHECK(ub_proto_decode_reply_auth(buf, len, &k, &r2) == 0 && reply_equal(&r, &r2));
	FUZZ_CHECK(ub_proto_decode_reply_auth(buf, len, &wrong, &r2) == UB_E_AUTH);
	FUZZ_CHECK(ub_proto_decode_reply_auth(buf, UB_STAMP_AUTH_LEN - 1, &k, &r2) == UB_E_PROTO);

	/* MBZ octets 41..43 of the unauthenticated reply pick the change. */
	at = be16(d + 41) % UB_STAMP_AUTH_LEN;
	bit = (uint8_t)(1u << (d[43] % 8));
	buf[at] ^= bit;
	FUZZ_CHECK(ub_proto_decode_reply_auth(buf, len, &k, &r2) == UB_E_AUTH);
	buf[at] ^= bit;
	if (len > UB_STAMP_AUTH_LEN) {
		at = UB_STAMP_AUTH_LEN + be16(d + 38) % (len - UB_STAMP_AUTH_LEN);
		buf[at] ^= bit;
		FUZZ_CHECK(ub_proto_decode_reply_auth(buf, len, &k, &r2) == 0 && reply_equal(&r, &r2));
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	uint8_t *buf;

	/* An exact-size buffer: a write past the packet's length is an overflow. */
	buf = malloc(n ? n : 1);
	if (!buf)
		return 0;
	unauthenticated(d, n, buf);
	authenticated(d, n, buf);
	signed_fields(d, n);
	estimate_from_ns(d, n);
	free(buf);
	return 0;
}
