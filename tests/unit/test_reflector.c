/*
 * Unit tests for bench/reflector.c's packet path without sockets: batches
 * of made-up datagrams go through reflect_batch, with receive times chosen
 * by the test, so the session table's admission rules, the per-source rate
 * cap, authenticated mode with its replay rules, sender restarts, the
 * reflection-loop rules, short TWAMP-light requests and PTP timestamps are
 * checked without sleeping. reflector.c is included to reach its static
 * functions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "reflect/reflector.c"

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

/* Builds the tables again after the test changed r->cfg. */
static void retable(struct ub_reflector *r)
{
	free_tables(r);
	assert_int_equal(alloc_tables(r, NULL), 0);
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
	/* Shorter than a STAMP request: zeros, as a TWAMP-light request's padding may be. */
	memset(p->buf, len < UB_STAMP_LEN ? 0 : 0xa5, p->len);
	if (len >= UB_STAMP_AUTH_LEN && r->keyed)
		ub_proto_encode_req_auth(p->buf, len, &req, &r->key);
	else if (len >= UB_STAMP_LEN)
		ub_proto_encode_req(p->buf, len, &req);
}

/* Sums every drop counter: with the replies it must give what came in. */
static uint64_t accounted(const struct ub_reflector *r, int out)
{
	const struct ub_reflector_counters *c = &r->cnt;

	return (uint64_t)out + c->short_dropped + c->too_long + c->from_itself +
	       c->looks_like_reply + c->bad_key + c->replayed + c->rate_capped +
	       c->sessions_refused + c->send_errors + c->twamp_light_unanswered;
}

/* The reflector's counter (seq @0) of the reply in slot i. */
static uint32_t reply_seq(struct ub_reflector *r, int i)
{
	struct ub_stamp_reply rep;

	if (r->keyed)
		assert_int_equal(ub_proto_decode_reply_auth(r->pkts[i].buf, r->pkts[i].len, &r->key,
							    &rep), 0);
	else
		assert_int_equal(ub_proto_decode_reply(r->pkts[i].buf, r->pkts[i].len, &rep), 0);
	return rep.seq;
}

/* Sends one request through the reflector; returns its reply's counter, or -1 when it was dropped. */
static int64_t one(struct ub_reflector *r, const char *ip, int port, int64_t t, uint32_t seq,
		   uint16_t ssid)
{
	put(r, 0, ip, port, r->keyed ? UB_STAMP_AUTH_LEN : UB_STAMP_LEN, t, seq, ssid);
	if (reflect_batch(r, 1, t) == 0)
		return -1;
	r->cnt.reflected++; /* as send_replies would count it */
	return reply_seq(r, 0);
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
	/* 43 octets is a TWAMP-light request, not answered without --twamp-light */
	assert_int_equal(r->cnt.short_dropped, 1);
	assert_int_equal(r->cnt.twamp_light_unanswered, 1);
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

static void test_full_table_admits_newcomers_and_keeps_active(void **state)
{
	struct ub_reflector *r = bare(4, 0, 0); /* three may be protected, one slot stays open */
	struct ub_reflector_counters c;
	int64_t t = T0;
	int i;

	(void)state;
	/* A and B are heard twice: protected. C and D once: on probation. */
	assert_int_equal(one(r, "192.0.2.1", 1000, t, 0, 1), 0);
	assert_int_equal(one(r, "192.0.2.2", 1000, t, 0, 1), 0);
	assert_int_equal(one(r, "192.0.2.1", 1000, t + MS, 1, 1), 1);
	assert_int_equal(one(r, "192.0.2.2", 1000, t + MS, 1, 1), 1);
	assert_int_equal(one(r, "192.0.2.3", 1000, t + 2 * MS, 0, 1), 0);
	assert_int_equal(one(r, "192.0.2.4", 1000, t + 3 * MS, 0, 1), 0);
	assert_true(ub_sessions_protected(r->sessions, ub_sessions_find(r->sessions,
				&r->pkts[0].peer, 1, t)) == 0);
	/* Full: newcomers take the places of C, then D, then each other; A and B stay. */
	for (i = 0; i < 10; i++)
		assert_int_equal(one(r, "198.51.100.1", 2000 + i, t + 4 * MS, 0, 1), 0);
	assert_int_equal(one(r, "192.0.2.1", 1000, t + 5 * MS, 2, 1), 2);
	assert_int_equal(one(r, "192.0.2.2", 1000, t + 5 * MS, 2, 1), 2);
	assert_int_equal(r->cnt.sessions_refused, 0);
	/* C heard again: its session was pushed out, so it starts over at 0. */
	assert_int_equal(one(r, "192.0.2.3", 1000, t + 6 * MS, 1, 1), 0);
	/* Heard again now, C is protected too; the last slot stays open to newcomers. */
	assert_int_equal(one(r, "192.0.2.3", 1000, t + 7 * MS, 2, 1), 1);
	assert_int_equal(one(r, "198.51.100.2", 1000, t + 8 * MS, 0, 1), 0);
	assert_int_equal(one(r, "198.51.100.3", 1000, t + 8 * MS, 0, 1), 0);
	assert_int_equal(one(r, "192.0.2.1", 1000, t + 9 * MS, 3, 1), 3);
	assert_int_equal(one(r, "192.0.2.3", 1000, t + 9 * MS, 3, 1), 2);
	assert_int_equal(r->cnt.sessions_refused, 0);
	assert_int_equal(accounted(r, (int)r->cnt.reflected), r->cnt.received);
	/* The sweep forgets what is silent longer than the timeout (60 s), and only that. */
	ub_sessions_expire(r->sessions, t + 60 * UB_NS_PER_S);
	ub_reflector_counters(r, &c);
	assert_int_equal(c.sessions, 4);
	ub_sessions_expire(r->sessions, t + 61 * UB_NS_PER_S);
	ub_reflector_counters(r, &c);
	assert_int_equal(c.sessions, 0);
	ub_reflector_free(r);
}

static void test_one_source_churns_only_its_own_sessions(void **state)
{
	struct ub_reflector *r = bare(64, 0, 0);
	struct ub_reflector_counters c;
	int64_t t = T0;
	uint16_t ssid;

	(void)state;
	r->cfg.sessions_per_source = 4;
	retable(r);
	/* A measuring session from the flooder's own address, heard twice: protected. */
	assert_int_equal(one(r, "192.0.2.9", 1000, t, 0, 1), 0);
	assert_int_equal(one(r, "192.0.2.9", 1000, t + MS, 1, 1), 1);
	/* Another address measures too. */
	assert_int_equal(one(r, "192.0.2.8", 1000, t + MS, 0, 1), 0);
	/* 1000 SSIDs from 192.0.2.9: each is answered, each takes the place of an earlier one. */
	for (ssid = 2; ssid < 1002; ssid++)
		assert_int_equal(one(r, "192.0.2.9", 1000, t + 2 * MS, 0, ssid), 0);
	assert_int_equal(ub_sessions_of_source(r->sessions, &r->pkts[0].peer), 4);
	/* Both measuring sessions kept their counters. */
	assert_int_equal(one(r, "192.0.2.9", 1000, t + 3 * MS, 2, 1), 2);
	assert_int_equal(one(r, "192.0.2.8", 1000, t + 3 * MS, 1, 1), 1);
	ub_reflector_counters(r, &c);
	assert_int_equal(c.sessions, 5);
	assert_int_equal(c.sessions_evicted, 997);
	assert_int_equal(c.sessions_refused, 0);
	/* One session a source, and it protected and active: the source's newcomer is refused... */
	r->cfg.sessions_per_source = 1;
	retable(r);
	assert_int_equal(one(r, "192.0.2.7", 1000, t, 0, 1), 0);
	assert_int_equal(one(r, "192.0.2.7", 1000, t + 500 * MS, 1, 1), 1);
	assert_int_equal(one(r, "192.0.2.7", 1001, t + 600 * MS, 0, 1), -1);
	assert_int_equal(r->cnt.sessions_refused, 1);
	/* ...until that one has been silent for a second. */
	assert_int_equal(one(r, "192.0.2.7", 1001, t + 1600 * MS, 0, 1), 0);
	assert_int_equal(one(r, "192.0.2.7", 1000, t + 1700 * MS, 2, 1), 0);
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
	struct ub_reflector_counters c;
	int64_t t = T0;

	(void)state;
	r->cfg.session_idle_ns = 100 * MS;
	retable(r);
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
	ub_reflector_counters(r, &c);
	assert_int_equal(c.sessions, 1);
	assert_int_equal(c.sessions_total, 2);
	ub_reflector_free(r);
}

/* Fills slot i with request seq of session (ip:port, ssid) whose T1 is t1 (not the default). */
static void put_t1(struct ub_reflector *r, int i, const char *ip, int port, int64_t t,
		   uint32_t seq, uint64_t t1, uint16_t ssid)
{
	struct ub_stamp_req req = { .seq = seq, .ts = t1, .ssid = ssid };
	struct ub_pkt *p = &r->pkts[i];

	put(r, i, ip, port, r->keyed ? UB_STAMP_AUTH_LEN : UB_STAMP_LEN, t, seq, ssid);
	if (r->keyed)
		ub_proto_encode_req_auth(p->buf, p->len, &req, &r->key);
	else
		ub_proto_encode_req(p->buf, p->len, &req);
}

/* Returns the reply's counter for request (seq, t1) of 192.0.2.1:1000 SSID 5, or -1 when dropped. */
static int64_t one_t1(struct ub_reflector *r, int64_t t, uint32_t seq, uint64_t t1)
{
	put_t1(r, 0, "192.0.2.1", 1000, t, seq, t1, 5);
	if (reflect_batch(r, 1, t) == 0)
		return -1;
	return reply_seq(r, 0);
}

#define NTP_S (1ULL << 32)

/* A sender that starts over is a new run; a reordered request is not (keyed or not). */
static void check_restart_and_reorder(int keyed)
{
	struct ub_reflector *r = bare(16, 0, keyed);
	uint64_t t1 = 0xe000000000000000ULL;
	int64_t t = T0;
	uint32_t i;

	for (i = 0; i < 10; i++)
		assert_int_equal(one_t1(r, t + i * MS, i, t1 + i * NTP_S / 100), i);
	/* Reordered: 12 before 11 (both sent later than 9, in number order). */
	assert_int_equal(one_t1(r, t + 12 * MS, 12, t1 + 12 * NTP_S / 100), 10);
	assert_int_equal(one_t1(r, t + 13 * MS, 11, t1 + 11 * NTP_S / 100), 11);
	/* Very late: number 3 again, but this one... keyed, it was answered; plain, it is a duplicate. */
	assert_int_equal(one_t1(r, t + 14 * MS, 3, t1 + 3 * NTP_S / 100), keyed ? -1 : 12);
	assert_int_equal(r->cnt.sessions_restarted, 0);
	/* The sender starts over: number 0 with a later T1. The counter starts over too. */
	assert_int_equal(one_t1(r, t + 20 * MS, 0, t1 + 50 * NTP_S / 100), 0);
	assert_int_equal(one_t1(r, t + 21 * MS, 1, t1 + 51 * NTP_S / 100), 1);
	assert_int_equal(r->cnt.sessions_restarted, 1);
	/* A request of the earlier run arriving now is no restart. Keyed: the earlier run is over. */
	assert_int_equal(one_t1(r, t + 22 * MS, 12, t1 + 12 * NTP_S / 100), keyed ? -1 : 2);
	assert_int_equal(r->cnt.sessions_restarted, 1);
	assert_int_equal(r->cnt.replayed, keyed ? 2 : 0);
	ub_reflector_free(r);
}

static void test_restart_told_from_reordering(void **state)
{
	(void)state;
	check_restart_and_reorder(0);
	check_restart_and_reorder(1);
}

/* A sender whose T1 never changes: only a fall far beyond reordering is a restart. */
static void test_restart_with_constant_t1(void **state)
{
	struct ub_reflector *r = bare(16, 0, 0);
	uint32_t i;

	(void)state;
	for (i = 0; i < 2000; i++)
		assert_int_equal(one_t1(r, T0 + i * MS, i, 0), i);
	assert_int_equal(one_t1(r, T0 + 2000 * MS, 1500, 0), 2000);
	assert_int_equal(one_t1(r, T0 + 2001 * MS, 0, 0), 0);
	assert_int_equal(r->cnt.sessions_restarted, 1);
	ub_reflector_free(r);
}

/* With --key each signed request is answered once, whatever port it claims later. */
static void test_keyed_replays_dropped(void **state)
{
	struct ub_reflector *r = bare(64, 0, 1);
	int i, out;

	(void)state;
	put(r, 0, "192.0.2.1", 1000, UB_STAMP_AUTH_LEN, T0, 7, 3);
	assert_int_equal(reflect_batch(r, 1, T0), 1);
	/* The same request 100 times: from its port, and from 60 others of its address. */
	for (i = 0; i < 40; i++)
		put(r, i, "192.0.2.1", 1000, UB_STAMP_AUTH_LEN, T0 + MS, 7, 3);
	assert_int_equal(reflect_batch(r, 40, T0 + MS), 0);
	for (i = 0; i < 60; i++)
		put(r, i, "192.0.2.1", 2000 + i, UB_STAMP_AUTH_LEN, T0 + MS, 7, 3);
	out = reflect_batch(r, 60, T0 + MS);
	assert_int_equal(out, 0);
	assert_int_equal(r->cnt.replayed, 100);
	/* A replay that the tag cache forgot is still caught by the session's window. */
	ub_replay_tags_free(r->tags);
	r->tags = ub_replay_tags_new(UB_REFLECTOR_TAGS, NULL);
	assert_non_null(r->tags);
	put(r, 0, "192.0.2.1", 1000, UB_STAMP_AUTH_LEN, T0 + 2 * MS, 7, 3);
	assert_int_equal(reflect_batch(r, 1, T0 + 2 * MS), 0);
	assert_int_equal(r->cnt.replayed, 101);
	/* The next number goes on; one older than the window is a replay. */
	put(r, 0, "192.0.2.1", 1000, UB_STAMP_AUTH_LEN, T0 + 3 * MS, 8 + UB_REPLAY_WINDOW, 3);
	put(r, 1, "192.0.2.1", 1000, UB_STAMP_AUTH_LEN, T0 + 3 * MS, 8, 3);
	assert_int_equal(reflect_batch(r, 2, T0 + 3 * MS), 1);
	assert_int_equal(r->cnt.replayed, 102);
	assert_int_equal(accounted(r, 2), r->cnt.received);
	ub_reflector_free(r);
}

/* A reply (ours, or any STAMP reflector's) or a datagram from our own port is never answered. */
static void test_loops_broken(void **state)
{
	struct ub_reflector *r;
	struct sockaddr_in *l;
	int keyed;

	(void)state;
	for (keyed = 0; keyed < 2; keyed++) {
		r = bare(16, 0, keyed);
		r->port = 10000;
		put(r, 0, "192.0.2.1", 1000, keyed ? 200 : 100, T0, 1, 1);
		r->pkts[0].rx_real_ns = ub_clock_real(); /* T2, from the clock T3 will come from */
		assert_int_equal(reflect_batch(r, 1, T0), 1);
		/* The reply comes back as if it were a request (an echo, or a reflector's spoofed pair). */
		r->pkts[0].rx_mono_ns = T0 + MS;
		assert_int_equal(reflect_batch(r, 1, T0 + MS), 0);
		assert_int_equal(r->cnt.looks_like_reply, 1);
		/* A request claiming to come from the reflector's own address and port. */
		put(r, 0, "192.0.2.50", 10000, keyed ? 112 : 44, T0, 2, 1);
		l = (struct sockaddr_in *)&r->pkts[0].local.ss;
		memset(&r->pkts[0].local, 0, sizeof(r->pkts[0].local));
		l->sin_family = AF_INET;
		inet_pton(AF_INET, "192.0.2.50", &l->sin_addr);
		r->pkts[0].local.len = sizeof(*l);
		r->pkts[0].has_local = 1;
		assert_int_equal(reflect_batch(r, 1, T0), 0);
		assert_int_equal(r->cnt.from_itself, 1);
		/* The same port from another address is a sender like any other. */
		put(r, 0, "192.0.2.51", 10000, keyed ? 112 : 44, T0, 2, 1);
		r->pkts[0].local = r->pkts[1].local;
		r->pkts[0].has_local = 1;
		inet_pton(AF_INET, "192.0.2.50", &((struct sockaddr_in *)&r->pkts[0].local.ss)->sin_addr);
		r->pkts[0].local.ss.ss_family = AF_INET;
		r->pkts[0].local.len = sizeof(struct sockaddr_in);
		assert_int_equal(reflect_batch(r, 1, T0), 1);
		assert_int_equal(accounted(r, 2), r->cnt.received);
		ub_reflector_free(r);
	}
}

/* RFC 5357 §4.1.2: the least unauthenticated TWAMP-Test sender packet, seq 42. */
static const uint8_t twl_request[UB_TWL_REQ_MIN] = {
	0x00, 0x00, 0x00, 0x2a,                         /* @0 Sequence Number */
	0xe9, 0x1b, 0x2c, 0x3d, 0x40, 0x00, 0x00, 0x00, /* @4 Timestamp */
	0x80, 0x01,                                     /* @12 Error Estimate */
};

/* Puts twl_request, padded with pad to len octets, into slot i. */
static void put_twl(struct ub_reflector *r, int i, const char *ip, int port, size_t len,
		    uint8_t pad, int64_t t)
{
	put(r, i, ip, port, len, t, 0, 0);
	memset(r->pkts[i].buf, pad, len);
	memcpy(r->pkts[i].buf, twl_request, sizeof(twl_request));
}

/* The counter line as the reflector prints it. */
static char *counter_line(const struct ub_reflector *r)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);

	assert_non_null(f);
	ub_reflector_print_counters(r, f);
	fclose(f);
	return text;
}

static void test_twamp_light_short_requests(void **state)
{
	struct ub_reflector *r = bare(16, 0, 0);
	const uint8_t *b;
	char *line;
	int out, i;

	(void)state;
	/* Without --twamp-light: dropped, counted apart from short, and the hint says how. */
	put_twl(r, 0, "192.0.2.1", 862, 14, 0, T0);
	put_twl(r, 1, "192.0.2.1", 862, 13, 0, T0);
	assert_int_equal(reflect_batch(r, 2, T0), 0);
	assert_int_equal(r->cnt.twamp_light_unanswered, 1);
	assert_int_equal(r->cnt.short_dropped, 1);
	line = counter_line(r);
	assert_non_null(strstr(line, ", short 1, "));
	assert_non_null(strstr(line, ", twamp-light 0, twamp-light unanswered 1 "
				     "(--twamp-light answers them)\n"));
	free(line);

	/* With it: the 41-octet base reply of RFC 5357 §4.2.1, read here octet by octet. */
	r->cfg.twamp_light = 1;
	put_twl(r, 0, "192.0.2.1", 862, 14, 0, T0);
	put_twl(r, 1, "192.0.2.1", 862, 30, 0xa7, T0 + MS);
	put_twl(r, 2, "192.0.2.1", 862, 43, 0xa7, T0 + MS);
	put_twl(r, 3, "192.0.2.1", 862, 13, 0, T0 + MS);
	r->pkts[0].rx_real_ns = ub_clock_real();
	out = reflect_batch(r, 4, T0 + MS);
	assert_int_equal(out, 3);
	assert_int_equal(r->pkts[0].len, 41);
	assert_int_equal(r->pkts[1].len, 41);
	assert_int_equal(r->pkts[2].len, 43);
	for (i = 0; i < 3; i++)
		assert_int_equal(r->twl[i], 1);
	b = r->pkts[0].buf;
	assert_memory_equal(b, "\0\0\0\0", 4);             /* the reflector's counter: 0 */
	assert_memory_equal(b + 14, "\0\0", 2);              /* MBZ, no SSID */
	assert_memory_equal(b + 24, twl_request, 4);         /* sender sequence number */
	assert_memory_equal(b + 28, twl_request + 4, 8);     /* sender timestamp */
	assert_memory_equal(b + 36, twl_request + 12, 2);    /* sender error estimate */
	assert_memory_equal(b + 38, "\0\0", 2);              /* MBZ */
	assert_int_equal(b[40], 64);                         /* sender TTL */
	/* One session (no SSID in a short request): its counter goes on. */
	assert_int_equal(r->pkts[1].buf[3], 1);
	assert_int_equal(r->pkts[2].buf[3], 2);
	for (i = 41; i < 43; i++)
		assert_int_equal(r->pkts[2].buf[i], 0);
	/* What it sent is a reply: sent back to it, it is not answered. */
	memcpy(r->pkts[3].buf, r->pkts[0].buf, 41);
	r->pkts[0] = r->pkts[3];
	r->pkts[0].len = 41;
	assert_int_equal(reflect_batch(r, 1, T0 + 2 * MS), 0);
	assert_int_equal(r->cnt.looks_like_reply, 1);
	assert_int_equal(accounted(r, 3), r->cnt.received);
	ub_reflector_free(r);

	/* Under the per-source cap like any request: 100/s gives a burst of 10. */
	r = bare(16, 100, 0);
	r->cfg.twamp_light = 1;
	for (i = 0; i < 30; i++)
		put_twl(r, i, "192.0.2.1", 1000 + i, 14, 0, T0);
	assert_int_equal(reflect_batch(r, 30, T0), 10);
	assert_int_equal(r->cnt.rate_capped, 20);
	ub_reflector_free(r);
}

/* --timestamp ptp: T2 and T3 in PTP format, said by the Z bit; the sender's fields as they came. */
static void test_ptp_timestamps(void **state)
{
	struct ub_reflector *r = bare(16, 0, 0);
	struct ub_stamp_reply rep;
	int64_t now = ub_clock_real(), rx = now - 3 * MS;
	int ptp;

	(void)state;
	for (ptp = 0; ptp < 2; ptp++) {
		r->cfg.ptp = ptp;
		put(r, 0, "192.0.2.1", 1000, 44, T0 + ptp * MS, (uint32_t)ptp, 9);
		/* A PTP-format sender: its T1 and error estimate are copied, never rewritten. */
		r->pkts[0].buf[4] = 0x65;
		r->pkts[0].buf[12] = 0x40;
		r->pkts[0].buf[13] = 0x07;
		r->pkts[0].rx_real_ns = rx;
		assert_int_equal(reflect_batch(r, 1, T0 + ptp * MS), 1);
		assert_int_equal(ub_proto_decode_reply(r->pkts[0].buf, 44, &rep), 0);
		assert_int_equal(!!(rep.err_est & UB_PROTO_EE_Z), ptp);
		assert_int_equal(rep.sender_err_est, 0x4007);
		assert_int_equal(rep.sender_ts >> 56, 0x65);
		if (ptp) {
			/* PTP keeps nanoseconds: T2 comes back exactly. */
			assert_int_equal(ub_clock_ptp_to_ns(rep.rx_ts), rx);
		} else {
			assert_true(llabs(ub_clock_ntp_to_ns(rep.rx_ts) - rx) <= 1);
		}
		/* T3 is now, read in the format the Z bit names. */
		assert_true(llabs(ub_proto_ts_ns(rep.ts, rep.err_est) - ub_clock_real()) <
			    UB_NS_PER_S);
		assert_true(ub_proto_ts_ns(rep.ts, rep.err_est) >= ub_proto_ts_ns(rep.rx_ts, rep.err_est));
	}
	ub_reflector_free(r);
}

/* The reply's counter for PTP-format request seq (Z bit set, T1 at unix_ns), or -1. */
static int64_t one_ptp(struct ub_reflector *r, int64_t t, uint32_t seq, int64_t unix_ns)
{
	put_t1(r, 0, "192.0.2.1", 1000, t, seq, ub_proto_ts(unix_ns, 1), 5);
	r->pkts[0].buf[12] |= UB_PROTO_EE_Z >> 8;
	if (reflect_batch(r, 1, t) == 0)
		return -1;
	return reply_seq(r, 0);
}

/* A PTP-format sender's restart is told by its T1 as an NTP one's is: across a second too. */
static void test_restart_with_ptp_t1(void **state)
{
	struct ub_reflector *r = bare(16, 0, 0);
	/* Just before a second ends, so that T1's nanoseconds wrap within the run. */
	int64_t base = 1800000000LL * UB_NS_PER_S + 950 * MS;
	uint32_t i;

	(void)state;
	for (i = 0; i < 10; i++)
		assert_int_equal(one_ptp(r, T0 + i * MS, i, base + i * 10 * MS), i);
	/* Reordered across the wrap: 7 after 9. No restart. */
	assert_int_equal(one_ptp(r, T0 + 10 * MS, 7, base + 7 * 10 * MS), 10);
	assert_int_equal(r->cnt.sessions_restarted, 0);
	/* Started over a second later. */
	assert_int_equal(one_ptp(r, T0 + 11 * MS, 0, base + UB_NS_PER_S), 0);
	assert_int_equal(one_ptp(r, T0 + 12 * MS, 1, base + UB_NS_PER_S + 10 * MS), 1);
	assert_int_equal(r->cnt.sessions_restarted, 1);
	/* The same sender, now in NTP format: still one clock, no restart. */
	assert_int_equal(one_t1(r, T0 + 13 * MS, 2, ub_proto_ts(base + UB_NS_PER_S + 20 * MS, 0)), 2);
	assert_int_equal(r->cnt.sessions_restarted, 1);
	ub_reflector_free(r);
}

/*
 * udpbench's sender in auto mode: printable text probes first, then binary
 * requests with the same SSID and numbering. One session, one counter: the
 * switch is no restart, though the octets where a binary request has its
 * number hold letters and digits before it.
 */
static void text_then_binary(int ptp)
{
	struct ub_reflector *r = bare(16, 0, 0);
	const uint16_t ssid = 'K' << 8 | '4';
	struct ub_stamp_reply rep;
	struct ub_stamp_req req;
	int64_t t1 = ub_clock_real();
	uint32_t i;

	for (i = 0; i < 8; i++) {
		put(r, 0, "192.0.2.1", 1000, 64, T0 + i * MS, i, ssid);
		if (i < 4) {
			assert_int_equal(ub_proto_encode_text((char *)r->pkts[0].buf, 64, i,
							      t1 + i * 10 * MS, ssid), 0);
		} else {
			/* binary, its T1 in NTP or (--timestamp ptp) PTP format */
			req.seq = i;
			req.ts = ub_proto_ts(t1 + i * 10 * MS, ptp);
			req.err_est = (uint16_t)(ptp ? UB_PROTO_EE_Z | 1 : 1);
			req.ssid = ssid;
			ub_proto_encode_req(r->pkts[0].buf, 64, &req);
		}
		assert_int_equal(reflect_batch(r, 1, T0 + i * MS), 1);
		assert_int_equal(ub_proto_decode_reply(r->pkts[0].buf, 64, &rep), 0);
		assert_int_equal(rep.seq, i);
		assert_int_equal(rep.ssid, ssid);
		/* A text probe's first 12 octets come back at 24, as the sender matches them. */
		if (i < 4) {
			char probe[64];

			ub_proto_encode_text(probe, sizeof(probe), i, t1 + i * 10 * MS, ssid);
			assert_memory_equal(r->pkts[0].buf + 24, probe, 12);
		}
	}
	assert_int_equal(r->cnt.sessions_restarted, 0);
	/* A text-probe sender that starts over is a new run, as any sender. */
	put(r, 0, "192.0.2.1", 1000, 64, T0 + 9 * MS, 0, ssid);
	ub_proto_encode_text((char *)r->pkts[0].buf, 64, 0, t1 + 5 * UB_NS_PER_S, ssid);
	assert_int_equal(reflect_batch(r, 1, T0 + 9 * MS), 1);
	assert_int_equal(reply_seq(r, 0), 0);
	assert_int_equal(r->cnt.sessions_restarted, 1);
	ub_reflector_free(r);
}

static void test_text_probes_then_binary_one_session(void **state)
{
	(void)state;
	text_then_binary(0);
	text_then_binary(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_only_requests_answered_at_their_size),
		cmocka_unit_test(test_full_table_admits_newcomers_and_keeps_active),
		cmocka_unit_test(test_one_source_churns_only_its_own_sessions),
		cmocka_unit_test(test_rate_cap_per_source),
		cmocka_unit_test(test_keyed_answers_only_signed_requests),
		cmocka_unit_test(test_idle_session_restarts_without_a_sweep),
		cmocka_unit_test(test_restart_told_from_reordering),
		cmocka_unit_test(test_restart_with_constant_t1),
		cmocka_unit_test(test_keyed_replays_dropped),
		cmocka_unit_test(test_loops_broken),
		cmocka_unit_test(test_twamp_light_short_requests),
		cmocka_unit_test(test_ptp_timestamps),
		cmocka_unit_test(test_restart_with_ptp_t1),
		cmocka_unit_test(test_text_probes_then_binary_one_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
