/*
 * Unit tests for capture/flows.c, the flow table and request/reply pairing
 * behind `udpbench analyze`: datagrams handed in as decoded views, without
 * a capture file (test_analyze.c reads whole captures).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "capture/flows.h"
#include "capture/pairing.h"
#include "stamp/proto.h"

#define US 1000LL
#define MS 1000000LL
#define T0 (1700000000LL * UB_NS_PER_S)
#define SERVER "10.0.0.1"

/* host:port as an address, the last few kept: a test hands in hundreds of thousands. */
static void resolve(const char *host, unsigned port, struct ub_addr *a)
{
	static struct {
		char host[64];
		unsigned port;
		struct ub_addr a;
	} seen[4];
	static unsigned next;
	unsigned i;

	for (i = 0; i < 4; i++) {
		if (seen[i].port == port && strcmp(seen[i].host, host) == 0) {
			*a = seen[i].a;
			return;
		}
	}
	assert_int_equal(ub_net_resolve(host, (int)port, AF_INET, 0, a, NULL), 0);
	i = next++ % 4;
	snprintf(seen[i].host, sizeof(seen[i].host), "%s", host);
	seen[i].port = port;
	seen[i].a = *a;
}

/* Hands f one whole datagram from src to dst, seen at t. */
static void add(struct ub_flows *f, int64_t t, const char *src, unsigned sport, const char *dst,
		unsigned dport, const uint8_t *pl, size_t len)
{
	struct ub_udp_view v;

	memset(&v, 0, sizeof(v));
	resolve(src, sport, &v.src);
	resolve(dst, dport, &v.dst);
	v.payload = pl;
	v.payload_len = v.captured_len = len;
	v.ttl = 64;
	assert_int_equal(ub_flows_add(f, &v, t), 0);
}

/* A STAMP request from cli:40000 to SERVER:10000 at t, its T1 = t. */
static void request(struct ub_flows *f, const char *cli, uint16_t ssid, uint32_t seq, int64_t t)
{
	struct ub_stamp_req rq = { seq, ub_clock_ns_to_ntp(t), 0x0001, ssid };
	uint8_t b[UB_STAMP_LEN];

	assert_int_equal(ub_proto_encode_req(b, sizeof(b), &rq), 0);
	add(f, t, cli, 40000, SERVER, 10000, b, sizeof(b));
}

/* The reply at t to the request seq sent at t1; the reflector takes no time (T2 = T3). */
static void reply(struct ub_flows *f, const char *cli, uint16_t ssid, uint32_t seq, int64_t t1,
		  int64_t t)
{
	struct ub_stamp_reply rp;
	uint8_t b[UB_STAMP_LEN];

	memset(&rp, 0, sizeof(rp));
	rp.seq = seq;
	rp.ts = rp.rx_ts = ub_clock_ns_to_ntp(t1 + (t - t1) / 2);
	rp.ssid = ssid;
	rp.sender_seq = seq;
	rp.sender_ts = ub_clock_ns_to_ntp(t1);
	assert_int_equal(ub_proto_encode_reply(b, sizeof(b), &rp), 0);
	add(f, t, SERVER, 10000, cli, 40000, b, sizeof(b));
}

static struct ub_flows *new_flows(int port)
{
	struct ub_flows_config c;
	struct ub_flows *f;

	ub_flows_config_init(&c);
	if (port)
		c.ports[c.nports++] = port;
	f = ub_flows_new(&c);
	assert_non_null(f);
	return f;
}

/* Requests one way and replies the other are one flow; the end that asks is the client. */
static void test_stamp_requests_and_replies_pair(void **state)
{
	struct ub_flows_session s;
	struct ub_flows *f = new_flows(10000);

	(void)state;
	request(f, "10.0.0.2", 7, 0, T0);
	request(f, "10.0.0.2", 7, 1, T0 + 10 * MS);
	reply(f, "10.0.0.2", 7, 0, T0, T0 + 300 * US);
	request(f, "10.0.0.2", 7, 2, T0 + 20 * MS);
	reply(f, "10.0.0.2", 7, 2, T0 + 20 * MS, T0 + 20 * MS + 500 * US);
	assert_int_equal(ub_flows_pair(f), 0);

	assert_int_equal(ub_flows_count(f), 1);
	assert_int_equal(ub_flows_session(f, 0, &s), 0);
	assert_string_equal(s.client_str, "10.0.0.2:40000");
	assert_string_equal(s.server_str, "10.0.0.1:10000");
	assert_int_equal(s.server_port, 10000);
	assert_int_equal(s.mode, UB_FLOWS_STAMP);
	assert_int_equal(s.ssid, 7);
	assert_int_equal(s.size, UB_STAMP_LEN);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.probes[1].tx, T0 + 10 * MS);
	assert_false(s.probes[1].answered);
	assert_int_equal(s.nev, 2);
	assert_int_equal(s.ev[0].idx, 0);
	assert_int_equal(s.ev[0].rtt, 300 * US);
	assert_int_equal(s.ev[1].idx, 2);
	assert_int_equal(s.ev[1].rtt, 500 * US);
	assert_int_equal(ub_flows_session(f, 1, &s), UB_E_RANGE);
	ub_flows_free(f);
}

/* Probe k's RTT in test_tables_grow_in_place: 1..997 us. */
static int64_t grow_rtt(uint32_t k)
{
	return (int64_t)(k % 997 + 1) * US;
}

/*
 * A flow's pairing table grows from a few slots to millions, in place once
 * it is large: two sessions of 150,000 requests each, one numbered in
 * order and one scrambled (keys that do not run on; distinct T1s, as the
 * pairing keys carry no SSID), every reply a
 * thousand requests later and every 7th request unanswered. Every reply
 * finds its own request however many times the table doubled in between.
 */
static void test_tables_grow_in_place(void **state)
{
	const uint32_t n = 150000, lag = 1000;
	struct ub_flows_session s;
	struct ub_flows *f = new_flows(10000);
	uint32_t i, k, seq, sess, answered;
	int64_t t1;

	(void)state;
	for (i = 0; i < n + lag; i++) {
		for (sess = 0; sess < 2; sess++) {
			if (i < n) {
				seq = sess ? i * 2654435761u : i;
				request(f, "10.0.0.2", (uint16_t)(sess + 1), seq,
					T0 + (int64_t)(2 * i + sess) * 50 * US);
			}
			if (i < lag || (i - lag) % 7 == 6)
				continue;
			k = i - lag;
			seq = sess ? k * 2654435761u : k;
			t1 = T0 + (int64_t)(2 * k + sess) * 50 * US;
			reply(f, "10.0.0.2", (uint16_t)(sess + 1), seq, t1, t1 + grow_rtt(k));
		}
	}
	assert_int_equal(ub_flows_pair(f), 0);
	assert_int_equal(ub_flows_count(f), 2);
	answered = n - n / 7;
	for (sess = 0; sess < 2; sess++) {
		assert_int_equal(ub_flows_session(f, sess, &s), 0);
		assert_int_equal(s.ssid, sess + 1);
		assert_int_equal(s.n, n);
		assert_int_equal(s.foreign, 0);
		assert_int_equal(s.nev, answered);
		for (i = 0; i < s.nev; i++) {
			assert_int_equal(s.ev[i].idx % 7 == 6, 0);
			assert_int_equal(s.ev[i].rtt, grow_rtt(s.ev[i].idx));
			assert_int_equal(s.probes[s.ev[i].idx].wire_seq,
					 sess ? s.ev[i].idx * 2654435761u : s.ev[i].idx);
		}
	}
	ub_flows_free(f);
}

/*
 * A number seen again is one probe, however far it lies from the others:
 * running on, below the first, billions away, or far ahead and then
 * reached by numbers running on. A reply to the copy's own T1 answers the
 * first probe of that number.
 */
static void test_numbers_seen_again(void **state)
{
	static const uint32_t early[] = { 100, 101, 102, 5000, 5, 4000000000u };
	struct ub_flows_session s;
	struct ub_flows *f = new_flows(10000);
	int64_t t = T0;
	uint32_t i, n = 0;

	(void)state;
	for (i = 0; i < 6; i++, n++, t += MS)
		request(f, "10.0.0.2", 9, early[i], t);
	/* copies: 101 with a T1 of its own, then the far ones */
	request(f, "10.0.0.2", 9, 101, t);
	reply(f, "10.0.0.2", 9, 101, t, t + 400 * US);
	t += MS;
	request(f, "10.0.0.2", 9, 5, t += MS);
	request(f, "10.0.0.2", 9, 4000000000u, t += MS);
	for (i = 103; i < 5000; i++, n++)
		request(f, "10.0.0.2", 9, i, t += MS);
	request(f, "10.0.0.2", 9, 5000, t += MS);
	request(f, "10.0.0.2", 9, 100, t += MS);
	request(f, "10.0.0.2", 9, 5001, t += MS);
	n++;
	assert_int_equal(ub_flows_pair(f), 0);
	assert_int_equal(ub_flows_count(f), 1);
	assert_int_equal(ub_flows_session(f, 0, &s), 0);
	assert_int_equal(s.n, n);
	assert_int_equal(s.dup_requests, 5);
	assert_int_equal(s.nev, 1);
	assert_int_equal(s.ev[0].idx, 1);
	assert_int_equal(s.probes[1].wire_seq, 101);
	assert_int_equal(s.ev[0].rtt, 400 * US + 5 * MS);
	assert_int_equal(s.probes[n - 1].wire_seq, 5001);
	ub_flows_free(f);
}

/* Short datagrams are looked at only on a session port. */
static void test_short_echo_needs_a_session_port(void **state)
{
	static const uint8_t hello[] = "hello";
	struct ub_flows_session s;
	struct ub_flows *f;
	int port;

	(void)state;
	for (port = 0; port <= 7777; port += 7777) {
		f = new_flows(port);
		add(f, T0, "10.0.0.2", 41000, SERVER, 7777, hello, sizeof(hello));
		add(f, T0 + 2 * MS, SERVER, 7777, "10.0.0.2", 41000, hello, sizeof(hello));
		assert_int_equal(ub_flows_pair(f), 0);
		assert_int_equal(ub_flows_count(f), port ? 1 : 0);
		if (port) {
			assert_int_equal(ub_flows_session(f, 0, &s), 0);
			assert_int_equal(s.mode, UB_FLOWS_ECHO);
			assert_int_equal(s.ev[0].rtt, 2 * MS);
		}
		ub_flows_free(f);
	}
}

/* Sessions come out in the order their first request was seen, whatever flow they are in. */
static void test_sessions_in_order_of_first_request(void **state)
{
	struct ub_flows_session s;
	struct ub_flows *f = new_flows(0);

	(void)state;
	request(f, "10.0.0.2", 1, 0, T0);
	request(f, "10.0.0.3", 3, 0, T0 + 1 * MS);
	request(f, "10.0.0.2", 2, 0, T0 + 2 * MS);
	reply(f, "10.0.0.2", 1, 0, T0, T0 + 3 * MS);
	reply(f, "10.0.0.3", 3, 0, T0 + 1 * MS, T0 + 4 * MS);
	reply(f, "10.0.0.2", 2, 0, T0 + 2 * MS, T0 + 5 * MS);
	assert_int_equal(ub_flows_pair(f), 0);
	assert_int_equal(ub_flows_count(f), 3);
	assert_int_equal(ub_flows_session(f, 0, &s), 0);
	assert_int_equal(s.ssid, 1);
	assert_int_equal(ub_flows_session(f, 1, &s), 0);
	assert_int_equal(s.ssid, 3);
	assert_string_equal(s.client_str, "10.0.0.3:40000");
	assert_int_equal(ub_flows_session(f, 2, &s), 0);
	assert_int_equal(s.ssid, 2);
	ub_flows_free(f);
	assert_int_equal(ub_flows_count(NULL), 0);
	ub_flows_free(NULL);
}

/*
 * 200,000 requests that all carry number 7, each with its own T1: their
 * entries share the part of the key that places them, so the table turns
 * to hashing all of each key rather than walking one run for ever.
 */
static void test_colliding_keys_stay_fast(void **state)
{
	struct ub_flows_session s;
	struct ub_flows *f = new_flows(10000);
	struct ub_stamp_req rq = { 7, 0, 0x0001, 1 };
	struct ub_summary sum;
	struct ub_udp_view v;
	uint8_t b[UB_STAMP_LEN];
	clock_t c0 = clock();
	uint32_t i;

	(void)state;
	memset(&v, 0, sizeof(v));
	assert_int_equal(ub_net_resolve("10.0.0.2", 40000, AF_INET, 0, &v.src, NULL), 0);
	assert_int_equal(ub_net_resolve(SERVER, 10000, AF_INET, 0, &v.dst, NULL), 0);
	v.payload = b;
	v.payload_len = v.captured_len = sizeof(b);
	for (i = 0; i < 200000; i++) {
		rq.ts = ub_clock_ns_to_ntp(T0 + i * US);
		assert_int_equal(ub_proto_encode_req(b, sizeof(b), &rq), 0);
		assert_int_equal(ub_flows_add(f, &v, T0 + i * US), 0);
	}
	reply(f, "10.0.0.2", 1, 7, T0 + 199999 * US, T0 + 200000 * US);
	assert_int_equal(ub_flows_pair(f), 0);
	/* a walk of every run would take minutes: (200,000^2 / 2) slots */
	assert_true(clock() - c0 < 10 * CLOCKS_PER_SEC);
	assert_int_equal(ub_flows_count(f), 1);
	assert_int_equal(ub_flows_session(f, 0, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.dup_requests, 199999);
	assert_int_equal(ub_stats_summary(s.stats, &sum), 0);
	assert_int_equal(sum.received, 1);
	ub_flows_free(f);
}

/* Requests from 10.0.0.2:40000 to 10.0.0.1:5555 (no session port), replies to the last n. */
static struct ub_flows *late_answers(uint32_t unanswered, uint32_t answered)
{
	struct ub_flows *f = new_flows(0);
	struct ub_stamp_req rq;
	struct ub_stamp_reply rp;
	uint8_t b[UB_STAMP_LEN];
	uint32_t i;
	int64_t t;

	for (i = 0; i < unanswered + answered; i++) {
		t = T0 + i * MS;
		memset(&rq, 0, sizeof(rq));
		rq.seq = i;
		rq.ts = ub_clock_ns_to_ntp(t);
		assert_int_equal(ub_proto_encode_req(b, sizeof(b), &rq), 0);
		add(f, t, "10.0.0.2", 40000, SERVER, 5555, b, sizeof(b));
		if (i < unanswered)
			continue;
		memset(&rp, 0, sizeof(rp));
		rp.seq = rp.sender_seq = i;
		rp.sender_ts = rq.ts;
		assert_int_equal(ub_proto_encode_reply(b, sizeof(b), &rp), 0);
		add(f, t + 100 * US, SERVER, 5555, "10.0.0.2", 40000, b, sizeof(b));
	}
	assert_int_equal(ub_flows_pair(f), 0);
	return f;
}

/*
 * Off the session ports a flow is judged from its first 2048 datagrams:
 * answers that begin within them make it a session (every request of it
 * counted), answers that begin only after them leave it out.
 */
static void test_flow_judged_from_its_first_datagrams(void **state)
{
	struct ub_flows_session s;
	struct ub_summary sum;
	struct ub_flows *f;

	(void)state;
	f = late_answers(2000, 500);
	assert_int_equal(ub_flows_count(f), 1);
	assert_int_equal(ub_flows_session(f, 0, &s), 0);
	assert_int_equal(s.n, 2500);
	assert_int_equal(ub_stats_summary(s.stats, &sum), 0);
	assert_int_equal(sum.received, 500);
	ub_flows_free(f);
	f = late_answers(2100, 500);
	assert_int_equal(ub_flows_count(f), 0);
	ub_flows_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamp_requests_and_replies_pair),
		cmocka_unit_test(test_tables_grow_in_place),
		cmocka_unit_test(test_numbers_seen_again),
		cmocka_unit_test(test_short_echo_needs_a_session_port),
		cmocka_unit_test(test_sessions_in_order_of_first_request),
		cmocka_unit_test(test_colliding_keys_stay_fast),
		cmocka_unit_test(test_flow_judged_from_its_first_datagrams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
