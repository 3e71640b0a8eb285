/*
 * Fuzz target: one datagram as the reflector receives it. The request is
 * decoded and answered as bench/reflector.c answers it (the reply written
 * over the request's own buffer, so never larger than the request), then
 * the reply is read back as a sender reads it. The same again in
 * authenticated mode with a fixed key (FUZZ_KEY); and since a fuzzer cannot
 * forge an HMAC, the fields of each input are also signed here, so the
 * checks behind a valid HMAC run too: a changed octet anywhere under the
 * HMAC, or the wrong key, must be refused.
 *
 * The field offsets below are RFC 8762 §4.2.1/§4.2.2 and §4.3.1/§4.3.2
 * (SSID per RFC 8972 §3) written out a second time, so a decoder that reads
 * the wrong octets is caught. The same goes for the test that keeps a reply
 * from being answered as a request (a reflection loop): what a sender
 * encodes never looks like a reply, what a reflector encodes always does.
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

/* The reply the reflector builds for q; its own fields are derived from q so a run repeats. */
static void reflect(const struct ub_stamp_req *q, struct ub_stamp_reply *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->seq = q->seq ^ 0x5a5a5a5au;
	rep->ts = q->ts + 2;
	rep->err_est = ub_proto_err_est(q->seq & 1, (int64_t)(q->ts & 0xffffff));
	rep->ssid = q->ssid;
	rep->rx_ts = q->ts + 1;
	rep->sender_seq = q->seq;
	rep->sender_ts = q->ts;
	rep->sender_err_est = q->err_est;
	rep->sender_ttl = (uint8_t)q->seq;
}

static int reply_equal(const struct ub_stamp_reply *a, const struct ub_stamp_reply *b)
{
	return a->seq == b->seq && a->ts == b->ts && a->err_est == b->err_est &&
	       a->ssid == b->ssid && a->rx_ts == b->rx_ts && a->sender_seq == b->sender_seq &&
	       a->sender_ts == b->sender_ts && a->sender_err_est == b->sender_err_est &&
	       a->sender_ttl == b->sender_ttl;
}

static int req_equal(const struct ub_stamp_req *a, const struct ub_stamp_req *b)
{
	return a->seq == b->seq && a->ts == b->ts && a->err_est == b->err_est &&
	       a->ssid == b->ssid;
}

/* Octets of a reflector packet that carry no field: MBZ (RFC 8762 §4.3.1) and padding. */
static int reply_mbz(size_t i)
{
	return i == 38 || i == 39 || (i >= 41 && i < 44) || i >= UB_STAMP_LEN;
}

/* A reply's T2 (non-zero) and T3 a moment apart, at t3/t2, read independently of proto.c. */
static int reply_stamps(const uint8_t *d, size_t n, size_t min, size_t t3, size_t t2)
{
	return n >= min && be64(d + t2) != 0 && (uint32_t)(be32(d + t3) - be32(d + t2) + 1) <= 3;
}

static void unauthenticated(const uint8_t *d, size_t n, uint8_t *buf)
{
	struct ub_stamp_req q, q2;
	struct ub_stamp_reply rep, back;
	size_t i;
	int rc;

	FUZZ_CHECK(ub_proto_looks_like_reply(d, n, 0) == reply_stamps(d, n, 24, 4, 16));
	FUZZ_CHECK(ub_proto_looks_like_reply(d, n, 1) ==
		   reply_stamps(d, n, UB_STAMP_AUTH_LEN, 16, 32));
	rc = ub_proto_decode_req(d, n, &q);
	if (n < UB_STAMP_LEN) {
		FUZZ_CHECK(rc == UB_E_PROTO);
		return;
	}
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(q.seq == be32(d) && q.ts == be64(d + 4) && q.err_est == be16(d + 12) &&
		   q.ssid == be16(d + 14));

	/* A sender encoding the same fields sends the same field octets and zero elsewhere. */
	FUZZ_CHECK(ub_proto_encode_req(buf, n, &q) == 0);
	FUZZ_CHECK(memcmp(buf, d, 16) == 0);
	for (i = 16; i < n; i++)
		FUZZ_CHECK(buf[i] == 0);
	FUZZ_CHECK(ub_proto_decode_req(buf, n, &q2) == 0 && req_equal(&q, &q2));
	FUZZ_CHECK(!ub_proto_looks_like_reply(buf, n, 0));

	/* The reflector writes its reply into the request's buffer: same length, no more. */
	memcpy(buf, d, n);
	reflect(&q, &rep);
	FUZZ_CHECK(ub_proto_encode_reply(buf, n, &rep) == 0);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(!reply_mbz(i) || buf[i] == 0);
	FUZZ_CHECK(be32(buf + 24) == q.seq && be64(buf + 28) == q.ts && be16(buf + 36) == q.err_est &&
		   be16(buf + 14) == q.ssid);
	FUZZ_CHECK(ub_proto_decode_reply(buf, n, &back) == 0 && reply_equal(&rep, &back));
	FUZZ_CHECK(ub_proto_looks_like_reply(buf, n, 0) == (rep.rx_ts != 0));
}

/* The reflector's authenticated answer to q, in a copy of the request of n octets. */
static void answer_auth(const uint8_t *d, size_t n, uint8_t *buf, const struct ub_stamp_req *q,
			const struct ub_auth_key *k, const struct ub_auth_key *wrong)
{
	struct ub_stamp_reply rep, back;
	size_t i;

	memcpy(buf, d, n);
	reflect(q, &rep);
	FUZZ_CHECK(ub_proto_encode_reply_auth(buf, n, &rep, k) == 0);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(!fuzz_reply_auth_mbz(i) || buf[i] == 0);
	FUZZ_CHECK(be32(buf + 48) == q->seq && be64(buf + 64) == q->ts &&
		   be16(buf + 72) == q->err_est && be16(buf + 26) == q->ssid);
	FUZZ_CHECK(ub_proto_decode_reply_auth(buf, n, k, &back) == 0 && reply_equal(&rep, &back));
	FUZZ_CHECK(ub_proto_decode_reply_auth(buf, n, wrong, &back) == UB_E_AUTH);
	FUZZ_CHECK(ub_proto_looks_like_reply(buf, n, 1) == (rep.rx_ts != 0));
}

/* The input as an authenticated request: refused unless its HMAC is right. */
static void authenticated(const uint8_t *d, size_t n, uint8_t *buf)
{
	struct ub_auth_key k, wrong;
	struct ub_stamp_req q, untouched;
	int rc;

	fuzz_keys(&k, &wrong);
	memset(&q, 0xa5, sizeof(q));
	untouched = q;
	rc = ub_proto_decode_req_auth(d, n, &k, &q);
	if (n < UB_STAMP_AUTH_LEN)
		FUZZ_CHECK(rc == UB_E_PROTO);
	else
		FUZZ_CHECK(rc == 0 || rc == UB_E_AUTH);
	if (rc != 0) {
		FUZZ_CHECK(req_equal(&q, &untouched));
		return;
	}
	FUZZ_CHECK(q.seq == be32(d) && q.ts == be64(d + 16) && q.err_est == be16(d + 24) &&
		   q.ssid == be16(d + 26));
	FUZZ_CHECK(ub_proto_decode_req_auth(d, n, &wrong, &untouched) == UB_E_AUTH);
	answer_auth(d, n, buf, &q, &k, &wrong);
}

/*
 * The fields of the unauthenticated reading, signed into a request of the
 * input's size (at least 112 octets): it must decode to the same fields,
 * and fail once any octet under the HMAC, or the HMAC itself, changes.
 * Padding after the HMAC is not covered (RFC 8762 §4.2.2 ends the packet
 * with the HMAC), so changing it changes nothing.
 */
static void signed_fields(const uint8_t *d, size_t n)
{
	struct ub_auth_key k, wrong;
	struct ub_stamp_req q, q2;
	uint8_t *buf, *copy;
	size_t len, at;
	uint8_t bit;

	if (ub_proto_decode_req(d, n, &q) != 0)
		return;
	fuzz_keys(&k, &wrong);
	len = n < UB_STAMP_AUTH_LEN ? UB_STAMP_AUTH_LEN : n;
	buf = malloc(len);
	copy = malloc(len);
	if (!buf || !copy)
		goto out;
	FUZZ_CHECK(ub_proto_encode_req_auth(buf, len, &q, &k) == 0);
	FUZZ_CHECK(!ub_proto_looks_like_reply(buf, len, 1));
	FUZZ_CHECK(ub_proto_decode_req_auth(buf, len, &k, &q2) == 0 && req_equal(&q, &q2));
	FUZZ_CHECK(ub_proto_decode_req_auth(buf, len, &wrong, &q2) == UB_E_AUTH);
	FUZZ_CHECK(ub_proto_decode_req_auth(buf, UB_STAMP_AUTH_LEN - 1, &k, &q2) == UB_E_PROTO);
	answer_auth(buf, len, copy, &q, &k, &wrong);

	/* The MBZ octets 16..43 of an unauthenticated request are free: they pick the change. */
	at = be16(d + 16) % UB_STAMP_AUTH_LEN;
	bit = (uint8_t)(1u << (d[18] % 8));
	buf[at] ^= bit;
	FUZZ_CHECK(ub_proto_decode_req_auth(buf, len, &k, &q2) == UB_E_AUTH);
	buf[at] ^= bit;
	if (len > UB_STAMP_AUTH_LEN) {
		at = UB_STAMP_AUTH_LEN + be16(d + 20) % (len - UB_STAMP_AUTH_LEN);
		buf[at] ^= bit;
		FUZZ_CHECK(ub_proto_decode_req_auth(buf, len, &k, &q2) == 0 && req_equal(&q, &q2));
	}
out:
	free(buf);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	uint8_t *buf;

	/* An exact-size buffer: a write past the request's length is an overflow. */
	buf = malloc(n ? n : 1);
	if (!buf)
		return 0;
	unauthenticated(d, n, buf);
	authenticated(d, n, buf);
	signed_fields(d, n);
	free(buf);
	return 0;
}
