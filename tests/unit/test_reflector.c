/*
 * Unit tests for bench/reflector.c's packet path without sockets: batches
 * of made-up datagrams go through reflect_batch, with receive times chosen
 * by the test, so the session cap, its idle rule, the per-source rate cap
 * and authenticated mode are checked without sleeping. reflector.c is
 * included to reach its static functions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "reflector.c"

#define MS 1000000LL
#define T0 (100 * UB_NS_PER_S)

static const char key_text[] = "00112233445566778899aabbccddeeff0123456789abcdef";

/* A reflector with its tables but no socket; max_rate 0 leaves the rate cap off. */
static struct ub_reflector *bare(unsigned max_sessions, uint64_t max_rate, int keyed)
{
	struct ub_reflector *r = calloc(1, sizeof(*r));
	size_t i;
	int j;

	assert_non_null(r);
	ub_reflector_config_init(&r->cfg);
	r->cfg.max_sessions = max_sessions;
	r->cfg.max_rate = max_rate;
	r->fd = -1;
	for (j = 0; j < UB_REFL_BATCH; j++) {
		r->pkts[j].buf = r->bufs[j];
		r->pkts[j].cap = sizeof(r->bufs[j]);
	}
	if (keyed) {
		/* The key's octets, as ub_auth_key_load reads the hex text. */
		for (i = 0; i < sizeof(key_text) / 2; i++) {
			unsigned v;

			sscanf(key_text + 2 * i, "%2x", &v);
			r->key.bytes[i] = (uint8_t)v;
		}
		r->key.len = sizeof(key_text) / 2;
		r->keyed = 1;
	}
	assert_int_equal(alloc_tables(r, NULL), 0);
	return r;
}

/* Puts a datagram of len octets from ip:port, received at t, into slot i; seq in the request. */
static void put(struct ub_reflector *r, int i, const char *ip, int port, size_t len, int64_t t,
		uint32_t seq, uint16_t ssid)
{
	struct ub_pkt *p = &r->pkts[i];
	struct sockaddr_in *s = (struct sockaddr_in *)&p->peer.ss;
	struct ub_stamp_req req = { .seq = seq, .ts = 0x83aa7e8000000000ULL + seq, .ssid = ssid };

	memset(&p->peer, 0, sizeof(p->peer));
	s->sin_family = AF_INET;
	s->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &s->sin_addr);
	p->peer.len = sizeof(*s);
	/* As recvmmsg fills it: the buffer holds 1473 octets, more sets MSG_TRUNC. */
	p->truncated = len > p->cap;
	p->len = len > p->cap ? p->cap : len;
	p->rx_mono_ns = t;
	p->rx_real_ns = t;
	p->ttl = 64;
	memset(p->buf, 0xa5, p->len);
	if (len >= UB_STAMP_AUTH_LEN && r->keyed)
		ub_proto_encode_req_auth(p->buf, len, &req, &r->key);
	else if (len >= UB_STAMP_LEN)
		ub_proto_encode_req(p->buf, len, &req);
}

/* Sums every drop counter: with the replies it must give what came in. */
static uint64_t accounted(const struct ub_reflector *r, int out)
{
	const struct ub_reflector_counters *c = &r->cnt;

	return (uint64_t)out + c->short_dropped + c->too_long + c->bad_key + c->rate_capped +
	       c->sessions_refused + c->send_errors;
}

static void test_only_requests_answered_at_their_size(void **state)
{
	struct ub_reflector *r = bare(16, 0, 0);
	struct ub_stamp_reply rep;
	int out;

	(void)state;
	put(r, 0, "192.0.2.1", 1000, 0, T0, 0, 1);
	put(r, 1, "192.0.2.1", 1000, 43, T0, 0, 1);
	put(r, 2, "192.0.2.1", 1000, 44, T0, 7, 1);
	put(r, 3, "192.0.2.1", 1000, 1600, T0, 0, 1);
	put(r, 4, "192.0.2.1", 1000, 1472, T0, 8, 1);
	put(r, 5, "192.0.2.1", 1000, 1473, T0, 9, 1);
	out = reflect_batch(r, 6, T0);
	assert_int_equal(out, 2);
	assert_int_equal(r->cnt.received, 6);
	assert_int_equal(r->cnt.short_dropped, 2);
	assert_int_equal(r->cnt.too_long, 2);
	assert_int_equal(accounted(r, out), r->cnt.received);
	/* Replies are compacted to the front, each exactly its request's size. */
	assert_int_equal(r->pkts[0].len, 44);
	assert_int_equal(r->pkts[1].len, 1472);
	assert_int_equal(ub_proto_decode_reply(r->pkts[1].buf, r->pkts[1].len, &rep), 0);
	assert_int_equal(rep.sender_seq, 8);
	assert_int_equal(rep.seq, 1); /* one session: its counter goes 0, 1 */
	ub_reflector_free(r);
}

static void test_full_table_refuses_until_one_is_idle(void **state)
{
	struct ub_reflector *r = bare(2, 0, 0);
	struct ub_stamp_reply rep;

	(void)state;
	put(r, 0, "192.0.2.1", 1000, 44, T0, 0, 1);
	put(r, 1, "192.0.2.2", 1000, 44, T0, 0, 1);
	assert_int_equal(reflect_batch(r, 2, T0), 2);
	/* Full, and the oldest was heard 0.5 s ago: the newcomer is refused. */
	put(r, 0, "192.0.2.3", 1000, 44, T0 + 500 * MS, 0, 1);
	assert_int_equal(reflect_batch(r, 1, T0), 0);
	assert_int_equal(r->cnt.sessions_refused, 1);
	/* The first stays busy; the second falls silent. */
	put(r, 0, "192.0.2.1", 1000, 44, T0 + 900 * MS, 1, 1);
	assert_int_equal(reflect_batch(r, 1, T0), 1);
	/* 1.1 s after the second's last packet: it makes room, the busy one stays. */
	put(r, 0, "192.0.2.3", 1000, 44, T0 + 1100 * MS, 0, 1);
	put(r, 1, "192.0.2.1", 1000, 44, T0 + 1100 * MS, 2, 1);
	assert_int_equal(reflect_batch(r, 2, T0), 2);
	assert_int_equal(r->cnt.sessions_evicted, 1);
	assert_int_equal(r->cnt.sessions, 2);
	assert_int_equal(ub_proto_decode_reply(r->pkts[1].buf, 44, &rep), 0);
	assert_int_equal(rep.seq, 2); /* the busy session kept its counter */
	/* A new SSID from the same port is another session, refused too. */
	put(r, 0, "192.0.2.1", 1000, 44, T0 + 1200 * MS, 0, 2);
	assert_int_equal(reflect_batch(r, 1, T0), 0);
	assert_int_equal(r->cnt.sessions_refused, 2);
	assert_int_equal(accounted(r, 5), r->cnt.received);
	/* The sweep forgets what is silent longer than the timeout, oldest first. */
	r->cfg.session_idle_ns = 150 * MS;
	sessions_expire(r, T0 + 1200 * MS);
	assert_int_equal(r->cnt.sessions, 2);
	sessions_expire(r, T0 + 1300 * MS);
	assert_int_equal(r->cnt.sessions, 0);
	ub_reflector_free(r);
}

static void test_rate_cap_per_source(void **state)
{
	struct ub_reflector *r = bare(64, 100, 0); /* 100/s, bursts of 10 */
	int i, out;

	(void)state;
	for (i = 0; i < 30; i++)
		put(r, i, i < 20 ? "192.0.2.1" : "192.0.2.2", 1000 + i, 44, T0, (uint32_t)i, 1);
	out = reflect_batch(r, 30, T0);
	/* 10 from the first address whatever its ports, all 10 from the second. */
	assert_int_equal(out, 20);
	assert_int_equal(r->cnt.rate_capped, 10);
	/* Garbage spends no tokens: 100 ms later exactly 10 more are answered. */
	for (i = 0; i < 20; i++)
		put(r, i, "192.0.2.1", 1000, i < 5 ? 20 : 44, T0 + 100 * MS, (uint32_t)i, 1);
	out = reflect_batch(r, 20, T0);
	assert_int_equal(out, 10);
	assert_int_equal(r->cnt.rate_capped, 15);
	assert_int_equal(r->cnt.received, 50);
	assert_int_equal(accounted(r, 30), r->cnt.received);
	ub_reflector_free(r);
}

static void test_keyed_answers_only_signed_requests(void **state)
{
	struct ub_reflector *r = bare(16, 0, 1);
	struct ub_stamp_reply rep;
	int out;

	(void)state;
	put(r, 0, "192.0.2.1", 1000, 112, T0, 41, 3);
	put(r, 1, "192.0.2.1", 1000, 200, T0, 42, 3);
	/* Unauthenticated: too short for the keyed layout, or its octet 96.. is no HMAC. */
	r->keyed = 0;
	put(r, 2, "192.0.2.1", 1000, 44, T0, 43, 3);
	put(r, 3, "192.0.2.1", 1000, 112, T0, 44, 3);
	r->keyed = 1;
	/* Forged: a signed request with one bit changed after signing. */
	put(r, 4, "192.0.2.1", 1000, 112, T0, 45, 3);
	r->pkts[4].buf[0] ^= 1;
	out = reflect_batch(r, 5, T0);
	assert_int_equal(out, 2);
	assert_int_equal(r->cnt.short_dropped, 1);
	assert_int_equal(r->cnt.bad_key, 2);
	assert_int_equal(accounted(r, out), r->cnt.received);
	/* The replies are in the authenticated layout, signed, each its request's size. */
	assert_int_equal(r->pkts[0].len, 112);
	assert_int_equal(r->pkts[1].len, 200);
	assert_int_equal(ub_proto_decode_reply_auth(r->pkts[0].buf, 112, &r->key, &rep), 0);
	assert_int_equal(rep.sender_seq, 41);
	assert_int_equal(rep.ssid, 3);
	assert_int_equal(rep.seq, 0);
	assert_int_equal(ub_proto_decode_reply_auth(r->pkts[1].buf, 200, &r->key, &rep), 0);
	assert_int_equal(rep.sender_seq, 42);
	assert_int_equal(rep.seq, 1);
	ub_reflector_free(r);
}

/* A session silent past the timeout starts again from 0, swept or not. */
static void test_idle_session_restarts_without_a_sweep(void **state)
{
	struct ub_reflector *r = bare(16, 0, 0);
	struct ub_stamp_reply rep;
	int64_t t = T0;

	(void)state;
	r->cfg.session_idle_ns = 100 * MS;
	put(r, 0, "192.0.2.1", 1000, UB_STAMP_LEN, t, 0, 7);
	put(r, 1, "192.0.2.1", 1000, UB_STAMP_LEN, t + MS, 1, 7);
	assert_int_equal(reflect_batch(r, 2, t + MS), 2);
	assert_int_equal(ub_proto_decode_reply(r->pkts[1].buf, r->pkts[1].len, &rep), 0);
	assert_int_equal(rep.seq, 1);
	/* Within the timeout the counter goes on... */
	put(r, 0, "192.0.2.1", 1000, UB_STAMP_LEN, t + 90 * MS, 2, 7);
	assert_int_equal(reflect_batch(r, 1, t + 90 * MS), 1);
	assert_int_equal(ub_proto_decode_reply(r->pkts[0].buf, r->pkts[0].len, &rep), 0);
	assert_int_equal(rep.seq, 2);
	/* ...past it, with no sweep in between, it is a new session. */
	put(r, 0, "192.0.2.1", 1000, UB_STAMP_LEN, t + 300 * MS, 3, 7);
	assert_int_equal(reflect_batch(r, 1, t + 300 * MS), 1);
	assert_int_equal(ub_proto_decode_reply(r->pkts[0].buf, r->pkts[0].len, &rep), 0);
	assert_int_equal(rep.seq, 0);
	assert_int_equal(r->cnt.sessions, 1);
	assert_int_equal(r->cnt.sessions_total, 2);
	ub_reflector_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_only_requests_answered_at_their_size),
		cmocka_unit_test(test_full_table_refuses_until_one_is_idle),
		cmocka_unit_test(test_rate_cap_per_source),
		cmocka_unit_test(test_keyed_answers_only_signed_requests),
		cmocka_unit_test(test_idle_session_restarts_without_a_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
