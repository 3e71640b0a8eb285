/*
 * Unit tests for bench/reflect/peerstats.c and seen.c: what a reflector
 * session counts of its sender's numbers (gaps, copies, RFC 4737
 * reordering, the wrap at 2^32, the window's edge, RFC 3550 jitter), and
 * the bounded list of ended sessions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "reflect/peerstats.h"
#include "reflect/seen.h"

#define MS 1000000LL

/* Feeds the numbers in seq[0..n) in that order, sent and received 1 ms apart. */
static void feed(struct ub_peerstats *s, const uint32_t *seq, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int64_t t = (int64_t)i * MS;

		if (i == 0)
			ub_peerstats_start(s, seq[0], t, t + 5 * MS, t);
		else
			ub_peerstats_add(s, seq[i], t, t + 5 * MS, t);
	}
}

static void test_in_order(void **state)
{
	struct ub_peerstats s;
	uint32_t seq[100];
	unsigned i;

	(void)state;
	for (i = 0; i < 100; i++)
		seq[i] = i;
	feed(&s, seq, 100);
	assert_int_equal(s.received, 100);
	assert_int_equal(ub_peerstats_lost(&s), 0);
	assert_int_equal(s.reordered, 0);
	assert_int_equal(s.duplicates, 0);
	/* Constant transit: no jitter. */
	assert_true(s.jitter_ns < 1.0);
}

static void test_gaps_counted_below_highest(void **state)
{
	/* 0 and 3, 4 and 7 lost; 9 and after lost too, but unseen: nothing above 8 arrived. */
	static const uint32_t seq[] = { 1, 2, 5, 6, 8 };
	struct ub_peerstats s;

	(void)state;
	feed(&s, seq, 5);
	assert_int_equal(s.received, 5);
	assert_int_equal(ub_peerstats_lost(&s), 4);
	assert_int_equal(s.highest, 8);
}

static void test_reordered_nextexp_and_duplicates(void **state)
{
	/*
	 * RFC 4737 §4.1: 2 arrives after 3 (below NextExp 4): reordered, then
	 * no longer lost. The second 3 and the second 2 are copies (RFC 5560):
	 * neither received nor reordered again.
	 */
	static const uint32_t seq[] = { 0, 1, 3, 2, 3, 4, 2, 5 };
	struct ub_peerstats s;

	(void)state;
	feed(&s, seq, 8);
	assert_int_equal(s.received, 6);
	assert_int_equal(s.duplicates, 2);
	assert_int_equal(s.reordered, 1);
	assert_int_equal(ub_peerstats_lost(&s), 0);
}

static void test_wrap_at_2_32(void **state)
{
	/* Started past the window, so counting starts at the first number; 0xffffffff lost. */
	static const uint32_t seq[] = { 0xfffffffcu, 0xfffffffdu, 0xfffffffeu, 0, 1, 0xfffffffdu, 3 };
	struct ub_peerstats s;

	(void)state;
	feed(&s, seq, 7);
	assert_int_equal(s.received, 6);
	assert_int_equal(s.duplicates, 1);
	assert_int_equal(s.reordered, 0);
	/* 0xffffffff and 2 never arrived. */
	assert_int_equal(ub_peerstats_lost(&s), 2);
	assert_int_equal(s.highest & 0xffffffff, 3);
}

static void test_window_edge(void **state)
{
	struct ub_peerstats s;
	int64_t t = 0;
	uint32_t i;

	(void)state;
	ub_peerstats_start(&s, 0, t, t, t);
	for (i = 1; i < 3000; i++)
		ub_peerstats_add(&s, i, t, t, t);
	/* Within the window: a copy. */
	assert_int_equal(ub_peerstats_add(&s, 3000 - UB_PEERSTATS_WINDOW, t, t, t), 1);
	/* Past it: taken as a late arrival, not a copy (the documented limit). */
	assert_int_equal(ub_peerstats_add(&s, 2999 - UB_PEERSTATS_WINDOW, t, t, t), 0);
	assert_int_equal(s.duplicates, 1);
	assert_int_equal(s.reordered, 1);
	/* A jump wider than the window forgets it whole: the old bits say nothing of new numbers. */
	ub_peerstats_add(&s, 10000, t, t, t);
	assert_int_equal(ub_peerstats_add(&s, 10000 - UB_PEERSTATS_WINDOW + 1, t, t, t), 0);
	assert_int_equal(s.duplicates, 1);
	assert_int_equal(ub_peerstats_lost(&s), 10001 - s.received);
}

static void test_first_number_counts_from_zero(void **state)
{
	/* A sender numbers from 0 (RFC 8762 §4.1.1): 0..2 lost before the first arrival. */
	static const uint32_t seq[] = { 3, 4 };
	struct ub_peerstats s;

	(void)state;
	feed(&s, seq, 2);
	assert_int_equal(ub_peerstats_lost(&s), 3);
	/* Heard first far along (a sender already running): counted from there. */
	ub_peerstats_start(&s, 500000, 0, 0, 0);
	ub_peerstats_add(&s, 500002, 0, 0, 0);
	assert_int_equal(ub_peerstats_lost(&s), 1);
}

static void test_jitter_rfc3550(void **state)
{
	/* Transit alternates 5 ms, 7 ms: |D| = 2 ms each step; J -> 2 ms by J += (|D| - J)/16. */
	struct ub_peerstats s;
	double want = 0;
	uint32_t i;

	(void)state;
	ub_peerstats_start(&s, 0, 0, 5 * MS, 0);
	for (i = 1; i < 50; i++) {
		int64_t t1 = (int64_t)i * 10 * MS;

		ub_peerstats_add(&s, i, t1, t1 + (i % 2 ? 7 : 5) * MS, t1);
		want += (2.0 * MS - want) / 16.0;
	}
	assert_true(s.jitter_ns > want - 1 && s.jitter_ns < want + 1);
}

static struct ub_addr addr(uint16_t port)
{
	struct ub_addr a;
	struct sockaddr_in *sin = (struct sockaddr_in *)&a.ss;

	memset(&a, 0, sizeof(a));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0xc0000201u);
	sin->sin_port = htons(port);
	a.len = sizeof(*sin);
	return a;
}

struct collect {
	unsigned n;
	uint16_t ssid[8];
	uint8_t fate[8];
	uint64_t received[8];
};

static void collect(void *ctx, const struct ub_seen_session *x)
{
	struct collect *c = ctx;

	c->ssid[c->n] = x->ssid;
	c->fate[c->n] = x->fate;
	c->received[c->n++] = x->st.received;
}

static void test_seen_restart_and_bounded_ended(void **state)
{
	struct ub_seen *s = ub_seen_new(2, 2, NULL);
	struct ub_addr a = addr(4000);
	struct collect c;
	uint16_t k;

	(void)state;
	assert_non_null(s);
	/* A session in slot 0 with 3 probes, then its sender starts over: a new record. */
	ub_peerstats_start(ub_seen_begin(s, 0, &a, 1), 0, 0, 0, 0);
	ub_peerstats_add(ub_seen_stats(s, 0), 1, 0, 0, 0);
	ub_peerstats_add(ub_seen_stats(s, 0), 2, 0, 0, 0);
	ub_seen_end(s, 0, UB_SEEN_RESTARTED);
	ub_peerstats_start(ub_seen_begin(s, 0, &a, 1), 0, 0, 0, 0);
	memset(&c, 0, sizeof(c));
	ub_seen_each(s, collect, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.fate[0], UB_SEEN_RESTARTED);
	assert_int_equal(c.received[0], 3);
	assert_int_equal(c.fate[1], UB_SEEN_ACTIVE);
	assert_int_equal(c.received[1], 1);
	/* Ending a slot twice records it once. */
	ub_seen_end(s, 0, UB_SEEN_EVICTED);
	ub_seen_end(s, 0, UB_SEEN_EVICTED);
	/* Three more end in slot 1: the list keeps the newest 2, counts 2 dropped. */
	for (k = 10; k < 13; k++) {
		ub_peerstats_start(ub_seen_begin(s, 1, &a, k), 0, 0, 0, 0);
		ub_seen_end(s, 1, UB_SEEN_TIMED_OUT);
	}
	memset(&c, 0, sizeof(c));
	ub_seen_each(s, collect, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ssid[0], 11);
	assert_int_equal(c.ssid[1], 12);
	assert_int_equal(c.fate[1], UB_SEEN_TIMED_OUT);
	assert_int_equal(ub_seen_dropped(s), 3);
	assert_string_equal(ub_seen_fate_name(UB_SEEN_TIMED_OUT), "timed_out");
	ub_seen_free(s);
	ub_seen_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_gaps_counted_below_highest),
		cmocka_unit_test(test_reordered_nextexp_and_duplicates),
		cmocka_unit_test(test_wrap_at_2_32),
		cmocka_unit_test(test_window_edge),
		cmocka_unit_test(test_first_number_counts_from_zero),
		cmocka_unit_test(test_jitter_rfc3550),
		cmocka_unit_test(test_seen_restart_and_bounded_ended),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
