/*
 * Unit tests for bench/relayq.c, the relay's output queue: the schedule
 * heap, holding for reordering and duplicating, with a real loopback
 * socket for one flow's upstream and a truth log counting what left.
 * relayq.c is included to reach its static functions. No test sleeps:
 * every wait is a bounded poll.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "relay/relayq.c"

#include "udp_loopback.h"

#define MS 1000000LL

/* A queue with one flow whose upstream socket is connected to target. */
struct fixture {
	struct ub_relayq_config cfg;
	struct ub_relayq *q;
	struct ub_truth *truth;
	struct ub_relayq_flow f;
	uint64_t arrivals; /* upstream packets of f so far */
	int target;        /* plays the reflector */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct ub_truth_config tc;
	int tport = 0;

	if (!fx)
		return -1;
	*state = fx;
	fx->target = udp_socket_on_loopback(&tport);
	fx->f.fd[UB_DIR_UP] = ub_net_udp_socket(AF_INET, NULL);
	fx->f.fd[UB_DIR_DOWN] = -1;
	if (fx->target < 0 || fx->f.fd[UB_DIR_UP] < 0 || connect_to(fx->f.fd[UB_DIR_UP], tport) < 0)
		return -1;
	fx->f.out_order[UB_DIR_UP] = ub_truth_order_new();
	fx->f.out_order[UB_DIR_DOWN] = ub_truth_order_new();
	ub_truth_config_init(&tc);
	fx->truth = ub_truth_new(&tc, NULL);
	ub_relayq_config_init(&fx->cfg);
	fx->cfg.truth = fx->truth;
	fx->q = ub_relayq_new(&fx->cfg, NULL);
	if (!fx->f.out_order[UB_DIR_UP] || !fx->f.out_order[UB_DIR_DOWN] || !fx->q)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int d;

	ub_relayq_free(fx->q);
	ub_truth_free(fx->truth);
	for (d = 0; d < 2; d++)
		ub_truth_order_free(fx->f.out_order[d]);
	if (fx->f.fd[UB_DIR_UP] >= 0)
		close(fx->f.fd[UB_DIR_UP]);
	if (fx->target >= 0)
		close(fx->target);
	free(fx);
	return 0;
}

/* Schedules upstream packet seq of the flow, as the relay would after this decision. */
static void schedule(struct fixture *fx, uint32_t seq, int64_t at, int copies, int held)
{
	struct ub_impair_decision d = { .copies = copies, .emit_ns = at, .hold = held };
	uint8_t b[8] = { 0 };
	uint32_t n = htonl(seq);

	memcpy(b, &n, 4);
	assert_int_equal(ub_relayq_add(fx->q, &fx->f, UB_DIR_UP, ++fx->arrivals, &d, b, sizeof(b), 0),
			 0);
}

static void test_heap_orders_by_time_then_arrival(void **state)
{
	static const int64_t t[] = { 50, 10, 30, 10, 20, 50, 10, 40, 30, 0 };
	struct ub_relayq q;
	struct pend p[10], *got;
	int64_t last_t = -1;
	uint64_t last_order = 0;
	size_t i;

	(void)state;
	memset(&q, 0, sizeof(q));
	for (i = 0; i < 10; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].emit_ns = t[i];
		assert_int_equal(heap_push(&q, &p[i]), 0);
	}
	for (i = 0; i < 10; i++) {
		got = heap_pop(&q);
		assert_non_null(got);
		assert_true(got->emit_ns >= last_t);
		/* FIFO among equal times: the one pushed first leaves first. */
		if (got->emit_ns == last_t)
			assert_true(got->order > last_order);
		last_t = got->emit_ns;
		last_order = got->order;
	}
	assert_null(heap_pop(&q));
	free(q.heap);
}

static void test_hold_until_two_later_packets_passed(void **state)
{
	struct fixture *fx = *state;
	struct ub_truth_dir_counters c;
	struct sockaddr_in from;
	int64_t t0 = 1000 * MS, now;
	uint32_t i;
	static const uint32_t expect[] = { 1, 3, 4, 2, 5, 7 };

	/* 2 is held: it leaves right behind 4, the second later packet. */
	schedule(fx, 1, t0 + 1 * MS, 1, 0);
	schedule(fx, 2, t0 + 2 * MS, 1, 1);
	schedule(fx, 3, t0 + 3 * MS, 1, 0);
	schedule(fx, 4, t0 + 4 * MS, 1, 0);
	schedule(fx, 5, t0 + 5 * MS, 1, 0);
	/* 6 is held and nothing follows in time: its bound (hold_max_ns) lets it go. */
	schedule(fx, 6, t0 + 6 * MS, 1, 1);
	now = t0 + 5 * MS;
	ub_relayq_emit_due(fx->q, now);
	for (i = 0; i < 5; i++)
		assert_int_equal(recv_seq(fx->target, &from), expect[i]);
	assert_true(nothing_waiting(fx->target));
	schedule(fx, 7, t0 + 7 * MS, 1, 0);
	now = t0 + 7 * MS;
	ub_relayq_emit_due(fx->q, now);
	assert_int_equal(recv_seq(fx->target, &from), 7);
	assert_int_equal(fx->q->nheld, 1);
	/* One later packet is not enough; the time bound is. */
	now = t0 + 6 * MS + fx->cfg.hold_max_ns - 1;
	ub_relayq_emit_due(fx->q, now);
	assert_true(nothing_waiting(fx->target));
	assert_int_equal(ub_relayq_next_due(fx->q), t0 + 6 * MS + fx->cfg.hold_max_ns);
	now += 1;
	ub_relayq_emit_due(fx->q, now);
	assert_int_equal(recv_seq(fx->target, &from), 6);
	ub_truth_counters(fx->truth, UB_DIR_UP, &c);
	/* 1 3 4 2 5 7 6: 2 and 6 came after larger numbers. */
	assert_int_equal(c.reordered, 2);
	assert_int_equal(c.out, 7);
	assert_int_equal(ub_relayq_pending(fx->q), 0);
	assert_int_equal(fx->f.inflight, 0);
}

static void test_duplicate_follows_original(void **state)
{
	struct fixture *fx = *state;
	struct ub_truth_dir_counters c;
	struct sockaddr_in from;
	int64_t t0 = 1000 * MS;

	/* Two packets due at the same time, the first sent twice. */
	schedule(fx, 1, t0, 2, 0);
	schedule(fx, 2, t0, 1, 0);
	ub_relayq_emit_due(fx->q, t0);
	assert_int_equal(recv_seq(fx->target, &from), 1);
	assert_int_equal(recv_seq(fx->target, &from), 1);
	assert_int_equal(recv_seq(fx->target, &from), 2);
	ub_truth_counters(fx->truth, UB_DIR_UP, &c);
	assert_int_equal(c.out, 3);
	assert_int_equal(c.reordered, 0); /* the copy is removed first */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_orders_by_time_then_arrival),
		cmocka_unit_test_setup_teardown(test_hold_until_two_later_packets_passed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_follows_original, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
