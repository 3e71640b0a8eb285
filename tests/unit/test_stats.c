/*
 * Unit tests for bench/stats.c: hand-made probe/reply sequences whose
 * figures were worked out by hand from the RFC definitions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "stats.h"

#define MS 1000000LL
#define SLOT (10 * MS)

struct fixture {
	struct ub_stats_config cfg;
	struct ub_stats *s;
	uint32_t first;
};

static int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	*state = fx;
	return 0;
}

static int group_teardown(void **state)
{
	free(*state);
	return 0;
}

static int fresh(void **state, int stateful)
{
	struct fixture *fx = *state;

	ub_stats_config_init(&fx->cfg);
	fx->cfg.stateful = stateful;
	fx->first = 0;
	fx->s = ub_stats_new(&fx->cfg);
	return fx->s ? 0 : -1;
}

static int setup_plain(void **state)
{
	return fresh(state, 0);
}

static int setup_stateful(void **state)
{
	return fresh(state, 1);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	ub_stats_free(fx->s);
	fx->s = NULL;
	return 0;
}

/* Probe k (0-based) leaves at k slots, on time. */
static void send_n(struct fixture *fx, uint32_t first, uint32_t n)
{
	uint32_t k;

	fx->first = first;
	for (k = 0; k < n; k++)
		assert_int_equal(ub_stats_sent(fx->s, first + k, (int64_t)k * SLOT, 0), 0);
}

static int64_t tx_of(const struct fixture *fx, uint32_t seq)
{
	return (int64_t)(uint32_t)(seq - fx->first) * SLOT;
}

static int reply_full(struct fixture *fx, uint32_t seq, int64_t rtt, int has_refl,
		      uint32_t refl, int *reordered)
{
	struct ub_reply r;

	memset(&r, 0, sizeof(r));
	r.seq = seq;
	r.rtt_ns = rtt;
	r.rx_ns = tx_of(fx, seq) + rtt;
	r.has_refl = has_refl;
	r.refl_seq = refl;
	r.refl_proc_ns = 1000;
	return ub_stats_reply(fx->s, &r, reordered);
}

static int reply(struct fixture *fx, uint32_t seq, int64_t rtt)
{
	return reply_full(fx, seq, rtt, 0, 0, NULL);
}

static int reply_refl(struct fixture *fx, uint32_t seq, uint32_t refl)
{
	return reply_full(fx, seq, 1 * MS, 1, refl, NULL);
}

static void summarize(struct fixture *fx, struct ub_summary *sum)
{
	assert_int_equal(ub_stats_summary(fx->s, sum), 0);
}

static void assert_dist_empty(const struct ub_dist *d)
{
	assert_int_equal(d->n, 0);
	assert_int_equal(d->min, 0);
	assert_int_equal(d->max, 0);
	assert_int_equal(d->mean, 0);
	assert_int_equal(d->stddev, 0);
}

static void test_empty(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	uint64_t sent = 99, rcvd = 99;

	summarize(fx, &sum);
	assert_int_equal(sum.sent, 0);
	assert_int_equal(sum.received, 0);
	assert_int_equal(sum.lost, 0);
	assert_true(sum.loss_pct == 0.0);
	assert_true(sum.reorder_pct == 0.0);
	assert_true(sum.burst_mean_len == 0.0);
	assert_int_equal(sum.burst_count, 0);
	assert_int_equal(sum.has_split, 0);
	assert_int_equal(sum.pdv_ns, -1);
	assert_int_equal(sum.jitter_ns, -1);
	assert_dist_empty(&sum.rtt);
	assert_dist_empty(&sum.ipdv);
	assert_dist_empty(&sum.refl_proc);
	assert_dist_empty(&sum.owd_up);
	assert_dist_empty(&sum.owd_down);
	assert_dist_empty(&sum.sched_late);
	ub_stats_counts(fx->s, &sent, &rcvd);
	assert_int_equal(sent, 0);
	assert_int_equal(rcvd, 0);
}

static void test_no_loss(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	int reord;
	uint32_t k;

	send_n(fx, 1000, 10);
	for (k = 0; k < 10; k++) {
		reord = -1;
		assert_int_equal(reply_full(fx, 1000 + k, 2 * MS, 0, 0, &reord), UB_ST_OK);
		assert_int_equal(reord, 0);
	}
	summarize(fx, &sum);
	assert_int_equal(sum.sent, 10);
	assert_int_equal(sum.received, 10);
	assert_int_equal(sum.lost, 0);
	assert_int_equal(sum.late, 0);
	assert_int_equal(sum.duplicates, 0);
	assert_true(sum.loss_pct == 0.0);
	assert_int_equal(sum.reordered, 0);
	assert_int_equal(sum.burst_count, 0);
	assert_int_equal(sum.burst_max_len, 0);
	assert_int_equal(sum.rtt.n, 10);
	assert_int_equal(sum.rtt.min, 2 * MS);
	assert_int_equal(sum.rtt.max, 2 * MS);
	assert_int_equal(sum.rtt.stddev, 0);
	assert_int_equal(sum.pdv_ns, 0);
	assert_int_equal(sum.ipdv.n, 9);
	assert_int_equal(sum.ipdv.min, 0);
	assert_int_equal(sum.ipdv.max, 0);
	assert_int_equal(sum.jitter_ns, 0);
	assert_int_equal(sum.sched_late.n, 10);
	assert_int_equal(sum.sched_missed, 0);
}

/* Sends seq 1..n and replies in the given arrival order; returns verdicts. */
static void arrive(struct fixture *fx, const uint32_t *order, size_t n, int *verdicts)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(reply_full(fx, order[i], 1 * MS, 0, 0, &verdicts[i]), UB_ST_OK);
}

/*
 * RFC 4737 §3.3/§4.2/§5, one packet held back: 1 2 3 5 6 7 8 4 9 10.
 * 4 arrives below NextExp = 9; the earliest arrival above it is 5 at
 * position 3, 4 is at position 7: extent 4; the three arrivals before it
 * (6 7 8) are all larger, so it is 3-reordered.
 */
static void test_rfc4737_single_late_packet(void **state)
{
	static const uint32_t order[] = { 1, 2, 3, 5, 6, 7, 8, 4, 9, 10 };
	static const int expect[] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 };
	struct fixture *fx = *state;
	struct ub_summary sum;
	int v[10];
	size_t i;

	send_n(fx, 1, 10);
	arrive(fx, order, 10, v);
	for (i = 0; i < 10; i++)
		assert_int_equal(v[i], expect[i]);
	summarize(fx, &sum);
	assert_int_equal(sum.received, 10);
	assert_int_equal(sum.reordered, 1);
	assert_true(sum.reorder_pct == 10.0);
	assert_int_equal(sum.reorder_extent_max, 4);
	assert_int_equal(sum.n_reordered_3, 1);
}

/*
 * One packet early: 1 2 3 7 4 5 6 8 9 10. NextExp jumps to 8, so 4, 5 and 6
 * are all reordered with extents 1, 2, 3 (7 at position 3). Only 4 has a
 * larger number right before it, so none is 3-reordered.
 */
static void test_rfc4737_early_packet(void **state)
{
	static const uint32_t order[] = { 1, 2, 3, 7, 4, 5, 6, 8, 9, 10 };
	static const int expect[] = { 0, 0, 0, 0, 1, 1, 1, 0, 0, 0 };
	struct fixture *fx = *state;
	struct ub_summary sum;
	int v[10];
	size_t i;

	send_n(fx, 1, 10);
	arrive(fx, order, 10, v);
	for (i = 0; i < 10; i++)
		assert_int_equal(v[i], expect[i]);
	summarize(fx, &sum);
	assert_int_equal(sum.reordered, 3);
	assert_true(sum.reorder_pct == 30.0);
	assert_int_equal(sum.reorder_extent_max, 3);
	assert_int_equal(sum.n_reordered_3, 0);
}

/*
 * Reversed block: 1 5 4 3 2 6. 4, 3, 2 are reordered (extents 1, 2, 3);
 * 4 is 1-reordered, 3 is 2-reordered, 2 follows 5 4 3 and is 3-reordered.
 */
static void test_rfc4737_n_reordering(void **state)
{
	static const uint32_t order[] = { 1, 5, 4, 3, 2, 6 };
	struct fixture *fx = *state;
	struct ub_summary sum;
	int v[6];

	send_n(fx, 1, 6);
	arrive(fx, order, 6, v);
	summarize(fx, &sum);
	assert_int_equal(sum.reordered, 3);
	assert_true(sum.reorder_pct == 50.0);
	assert_int_equal(sum.reorder_extent_max, 3);
	assert_int_equal(sum.n_reordered_3, 1);
}

/* Loss is not reordering: 1 2 4 5 (3 lost) keeps every packet in order. */
static void test_rfc4737_loss_is_not_reordering(void **state)
{
	static const uint32_t order[] = { 1, 2, 4, 5 };
	struct fixture *fx = *state;
	struct ub_summary sum;
	int v[4];

	send_n(fx, 1, 5);
	arrive(fx, order, 4, v);
	summarize(fx, &sum);
	assert_int_equal(sum.lost, 1);
	assert_int_equal(sum.reordered, 0);
	assert_int_equal(sum.reorder_extent_max, 0);
	assert_int_equal(sum.n_reordered_3, 0);
}

/*
 * RFC 3357 loss periods over 20 probes (1-based): 1 2 | 5 | 9 10 11 | 20
 * lost, 10 of them by arriving late. Four periods of 2, 1, 3, 1: mean 1.75,
 * max 3; a loss at the very first packet opens a period too.
 */
static void test_rfc3357_loss_periods(void **state)
{
	static const int lost[21] = { [1] = 1, [2] = 1, [5] = 1, [9] = 1, [10] = 1,
				      [11] = 1, [20] = 1 };
	struct fixture *fx = *state;
	struct ub_summary sum;
	uint32_t k;

	send_n(fx, 1, 20);
	for (k = 1; k <= 20; k++) {
		if (k == 10)
			assert_int_equal(reply(fx, k, 2000 * MS), UB_ST_LATE);
		else if (!lost[k])
			assert_int_equal(reply(fx, k, 1 * MS), UB_ST_OK);
	}
	summarize(fx, &sum);
	assert_int_equal(sum.lost, 7);
	assert_int_equal(sum.late, 1);
	assert_true(sum.loss_pct == 35.0);
	assert_int_equal(sum.burst_count, 4);
	assert_true(sum.burst_mean_len == 1.75);
	assert_int_equal(sum.burst_max_len, 3);
}

/* RFC 5560: extra copies are counted and never received twice. */
static void test_duplicates(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	uint64_t sent, rcvd;
	int reord;

	send_n(fx, 0, 5);
	assert_int_equal(reply(fx, 0, 1 * MS), UB_ST_OK);
	assert_int_equal(reply(fx, 1, 1 * MS), UB_ST_OK);
	assert_int_equal(reply(fx, 2, 1 * MS), UB_ST_OK);
	assert_int_equal(reply(fx, 2, 9 * MS), UB_ST_DUP);
	assert_int_equal(reply(fx, 3, 1 * MS), UB_ST_OK);
	/* an old copy after newer packets must not count as reordered */
	reord = -1;
	assert_int_equal(reply_full(fx, 1, 50 * MS, 0, 0, &reord), UB_ST_DUP);
	assert_int_equal(reord, 0);
	assert_int_equal(reply(fx, 4, 1 * MS), UB_ST_OK);
	assert_int_equal(reply(fx, 4, 1 * MS), UB_ST_DUP);

	ub_stats_counts(fx->s, &sent, &rcvd);
	assert_int_equal(sent, 5);
	assert_int_equal(rcvd, 5);
	summarize(fx, &sum);
	assert_int_equal(sum.received, 5);
	assert_int_equal(sum.lost, 0);
	assert_int_equal(sum.duplicates, 3);
	assert_int_equal(sum.reordered, 0);
	assert_int_equal(sum.rtt.n, 5);
	assert_int_equal(sum.rtt.max, 1 * MS);
	assert_int_equal(sum.jitter_ns, 0);
}

/* RFC 7680: later than Tmax (1 s here) is lost, and reported as late. */
static void test_late(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;

	send_n(fx, 0, 4);
	assert_int_equal(reply(fx, 0, 1 * MS), UB_ST_OK);
	assert_int_equal(reply(fx, 1, 1500 * MS), UB_ST_LATE);
	/* exactly Tmax is still in time: only later counts */
	assert_int_equal(reply(fx, 2, 1000 * MS), UB_ST_OK);
	assert_int_equal(reply(fx, 3, 2 * MS), UB_ST_OK);
	/* a copy of a late probe is an extra copy, not a late arrival */
	assert_int_equal(reply(fx, 1, 1600 * MS), UB_ST_DUP);

	summarize(fx, &sum);
	assert_int_equal(sum.sent, 4);
	assert_int_equal(sum.received, 3);
	assert_int_equal(sum.lost, 1);
	assert_int_equal(sum.late, 1);
	assert_int_equal(sum.duplicates, 1);
	assert_true(sum.loss_pct == 25.0);
	assert_int_equal(sum.rtt.n, 3);
	assert_int_equal(sum.rtt.max, 1000 * MS);
	assert_int_equal(sum.burst_count, 1);
	/* ipdv only for 2 -> 3; 0 -> 1 and 1 -> 2 lack probe 1 */
	assert_int_equal(sum.ipdv.n, 1);
	assert_int_equal(sum.ipdv.min, 2 * MS - 1000 * MS);
}

/* Sender numbers crossing 2^32: FFFFFFFE FFFFFFFF 0 1 2, with 1 lost. */
static void test_seq_wrap(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	int reord;

	send_n(fx, 0xfffffffeu, 5);
	assert_int_equal(reply(fx, 0xfffffffeu, 1 * MS), UB_ST_OK);
	assert_int_equal(reply(fx, 0u, 1 * MS), UB_ST_OK);
	reord = -1;
	assert_int_equal(reply_full(fx, 0xffffffffu, 1 * MS, 0, 0, &reord), UB_ST_OK);
	assert_int_equal(reord, 1);
	assert_int_equal(reply(fx, 2u, 1 * MS), UB_ST_OK);
	/* numbers just outside the five sent */
	assert_int_equal(reply(fx, 0xfffffffdu, 1 * MS), UB_E_INVAL);
	assert_int_equal(reply(fx, 3u, 1 * MS), UB_E_INVAL);

	summarize(fx, &sum);
	assert_int_equal(sum.sent, 5);
	assert_int_equal(sum.received, 4);
	assert_int_equal(sum.lost, 1);
	assert_int_equal(sum.reordered, 1);
	assert_int_equal(sum.reorder_extent_max, 1);
	assert_int_equal(sum.burst_count, 1);
	assert_int_equal(sum.burst_max_len, 1);
	assert_int_equal(sum.ipdv.n, 2);
}

static void test_unknown_seq(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	int reord = -1;

	/* nothing sent yet */
	assert_int_equal(reply_full(fx, 0, 1 * MS, 0, 0, &reord), UB_E_INVAL);
	assert_int_equal(reord, 0);

	send_n(fx, 100, 3);
	assert_int_equal(reply(fx, 103, 1 * MS), UB_E_INVAL);
	assert_int_equal(reply(fx, 99, 1 * MS), UB_E_INVAL);
	assert_int_equal(ub_stats_reply(fx->s, NULL, NULL), UB_E_INVAL);
	/* a gap in the sender's numbering is refused */
	assert_int_equal(ub_stats_sent(fx->s, 105, 0, 0), UB_E_INVAL);
	assert_int_equal(reply(fx, 101, 1 * MS), UB_ST_OK);

	summarize(fx, &sum);
	assert_int_equal(sum.sent, 3);
	assert_int_equal(sum.received, 1);
	assert_int_equal(sum.duplicates, 0);
}

/*
 * Stateful reflector, probes 0..9. Probe 3 dies on the way up, so the
 * reflector numbers 0 1 2 4 5 6 7 8 9 as 0..8; probe 7 (counter 6) dies on
 * the way down. Counter 6 never came back: one loss down, one up.
 */
static void test_split_up_down_drop(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	uint32_t k, refl = 0;

	send_n(fx, 0, 10);
	for (k = 0; k < 10; k++) {
		if (k == 3)
			continue;
		if (k != 7)
			assert_int_equal(reply_refl(fx, k, refl), UB_ST_OK);
		refl++;
	}
	summarize(fx, &sum);
	assert_int_equal(sum.lost, 2);
	assert_int_equal(sum.has_split, 1);
	assert_int_equal(sum.lost_down, 1);
	assert_int_equal(sum.lost_up, 1);
	assert_int_equal(sum.reordered_up, 0);
	assert_int_equal(sum.reordered_down, 0);
}

/*
 * A reflector whose counter is far past this session (5000 > 10 sent):
 * the range starts at the smallest value seen. Probe 0 and 8 die upstream,
 * the reflector numbers 1..7, 9 as 5000..5007; 4 and 5 (5003, 5004) die
 * downstream.
 */
static void test_split_counter_gaps(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	uint32_t k, refl = 5000;

	send_n(fx, 0, 10);
	for (k = 0; k < 10; k++) {
		if (k == 0 || k == 8)
			continue;
		if (k != 4 && k != 5)
			assert_int_equal(reply_refl(fx, k, refl), UB_ST_OK);
		refl++;
	}
	summarize(fx, &sum);
	assert_int_equal(sum.lost, 4);
	assert_int_equal(sum.lost_down, 2);
	assert_int_equal(sum.lost_up, 2);
}

/*
 * A session counter that starts at 0 (RFC 8762): the reply carrying
 * counter 0 is lost on the way down; values 1..4 seen, 1 <= 5 sent, so 0
 * belongs to the session and its loss is downstream.
 */
static void test_split_counter_from_zero(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	uint32_t k;

	send_n(fx, 0, 5);
	for (k = 1; k < 5; k++)
		assert_int_equal(reply_refl(fx, k, k), UB_ST_OK);
	summarize(fx, &sum);
	assert_int_equal(sum.lost, 1);
	assert_int_equal(sum.lost_down, 1);
	assert_int_equal(sum.lost_up, 0);
}

/* Counter gaps from other traffic at the reflector: lost_down <= lost. */
static void test_split_capped_at_lost(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	uint32_t k;

	send_n(fx, 0, 4);
	for (k = 0; k < 4; k++)
		assert_int_equal(reply_refl(fx, k, 2 * k), UB_ST_OK);
	summarize(fx, &sum);
	assert_int_equal(sum.lost, 0);
	assert_int_equal(sum.lost_down, 0);
	assert_int_equal(sum.lost_up, 0);
}

/*
 * Both counters wrap. Sender FFFFFFFF.. (7 probes, k = 0..6), probe 2 dies
 * upstream; the reflector numbers the other six FFFFFFFD FFFFFFFE FFFFFFFF
 * 0 1 2; probe 4 (counter 0) dies downstream. Unwrapped, the range holds 6
 * values and 5 came back: one down, one up.
 */
static void test_split_wrap(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	uint32_t k, refl = 0xfffffffdu;

	send_n(fx, 0xffffffffu, 7);
	for (k = 0; k < 7; k++) {
		if (k == 2)
			continue;
		if (k != 4)
			assert_int_equal(reply_refl(fx, 0xffffffffu + k, refl), UB_ST_OK);
		refl++;
	}
	summarize(fx, &sum);
	assert_int_equal(sum.lost, 2);
	assert_int_equal(sum.lost_down, 1);
	assert_int_equal(sum.lost_up, 1);
	assert_int_equal(sum.reordered, 0);
	assert_int_equal(sum.reordered_up, 0);
	assert_int_equal(sum.reordered_down, 0);
}

/*
 * The first counter seen is past the wrap: the reflector numbered probes
 * 0 1 2 3 5 6 as FFFFFFFE FFFFFFFF 0 1 2 3 (4 died upstream), probe 5
 * (counter 2) died downstream, and probe 2 (counter 0) overtook 0 and 1 on
 * the way down. Serial arithmetic puts FFFFFFFE just before 0: six values,
 * five back. Reordered down: FFFFFFFE and FFFFFFFF arrived after 0.
 */
static void test_split_wrap_reordered(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;

	send_n(fx, 0, 7);
	assert_int_equal(reply_refl(fx, 2, 0u), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 0, 0xfffffffeu), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 1, 0xffffffffu), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 3, 1u), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 6, 3u), UB_ST_OK);
	summarize(fx, &sum);
	assert_int_equal(sum.lost, 2);
	assert_int_equal(sum.lost_down, 1);
	assert_int_equal(sum.lost_up, 1);
	assert_int_equal(sum.reordered, 2);
	assert_int_equal(sum.reordered_down, 2);
	assert_int_equal(sum.reordered_up, 0);
}

/*
 * Probe 2 duplicated on the way up: the reflector numbers both copies
 * (2 and 3), probe 3 gets 4, probe 4 dies upstream. Counter 3 came back
 * as an extra copy, so nothing was lost downstream.
 */
static void test_split_upstream_duplicate(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;

	send_n(fx, 0, 5);
	assert_int_equal(reply_refl(fx, 0, 0), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 1, 1), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 2, 2), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 2, 3), UB_ST_DUP);
	assert_int_equal(reply_refl(fx, 3, 4), UB_ST_OK);
	summarize(fx, &sum);
	assert_int_equal(sum.lost, 1);
	assert_int_equal(sum.duplicates, 1);
	assert_int_equal(sum.lost_down, 0);
	assert_int_equal(sum.lost_up, 1);
}

/*
 * Copies count in the up/down orderings as they crossed the link. Request 1
 * was copied on the way up (counter 1 and 2); the reply with counter 2
 * overtook counter 1 on the way down, and counter 3 came back twice (a copy
 * on the way down). Only the first copy of each number enters RFC 4737.
 */
static void test_split_orderings_count_copies(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;

	send_n(fx, 0, 3);
	assert_int_equal(reply_refl(fx, 0, 0), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 1, 2), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 1, 1), UB_ST_DUP);
	assert_int_equal(reply_refl(fx, 2, 3), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 2, 3), UB_ST_DUP);
	summarize(fx, &sum);
	assert_int_equal(sum.duplicates, 2);
	assert_int_equal(sum.reordered, 0);
	/* counters 0 2 1 3 3: one reordered on the way down */
	assert_int_equal(sum.reordered_down, 1);
	/* by counter, senders 0 1 1 2: the copy is removed, nothing reordered up */
	assert_int_equal(sum.reordered_up, 0);
	assert_int_equal(sum.lost_up, 0);
	assert_int_equal(sum.lost_down, 0);
}

/*
 * Reordered on the way up: the reflector sees 0 2 1 3 and numbers them
 * 0 1 2 3; the way down keeps that order.
 */
static void test_reordered_up(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;

	send_n(fx, 0, 4);
	assert_int_equal(reply_refl(fx, 0, 0), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 2, 1), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 1, 2), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 3, 3), UB_ST_OK);
	summarize(fx, &sum);
	assert_int_equal(sum.reordered, 1);
	assert_int_equal(sum.reordered_up, 1);
	assert_int_equal(sum.reordered_down, 0);
	assert_int_equal(sum.lost_up, 0);
	assert_int_equal(sum.lost_down, 0);
}

/* Reordered on the way down: the reflector numbered 0 1 2 3 in order. */
static void test_reordered_down(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;

	send_n(fx, 0, 4);
	assert_int_equal(reply_refl(fx, 0, 0), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 2, 2), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 1, 1), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 3, 3), UB_ST_OK);
	summarize(fx, &sum);
	assert_int_equal(sum.reordered, 1);
	assert_int_equal(sum.reordered_up, 0);
	assert_int_equal(sum.reordered_down, 1);
}

/* Without a stateful reflector no split, but STAMP processing time stays. */
static void test_no_split_when_stateless(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	uint32_t k;

	send_n(fx, 0, 4);
	for (k = 1; k < 4; k++)
		assert_int_equal(reply_refl(fx, k, k), UB_ST_OK);
	summarize(fx, &sum);
	assert_int_equal(sum.has_split, 0);
	assert_int_equal(sum.lost_up, 0);
	assert_int_equal(sum.lost_down, 0);
	assert_int_equal(sum.refl_proc.n, 3);
	assert_int_equal(sum.refl_proc.min, 1000);
}

/*
 * Nearest rank on 1..1000 arriving scrambled (k * 7 mod 1000): p at
 * index ceil(p * 1000) - 1, so median 500, p90 900, p95 950, p99 990,
 * p99.9 999. Mean 500.5 rounds to 501; population stddev
 * sqrt((1000^2 - 1) / 12) = 288.68 rounds to 289.
 */
static void test_percentiles(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	uint32_t k, seq;

	send_n(fx, 0, 1000);
	for (k = 0; k < 1000; k++) {
		seq = (k * 7) % 1000;
		assert_true(reply(fx, seq, (int64_t)seq + 1) >= 0);
	}
	summarize(fx, &sum);
	assert_int_equal(sum.rtt.n, 1000);
	assert_int_equal(sum.rtt.min, 1);
	assert_int_equal(sum.rtt.median, 500);
	assert_int_equal(sum.rtt.p90, 900);
	assert_int_equal(sum.rtt.p95, 950);
	assert_int_equal(sum.rtt.p99, 990);
	assert_int_equal(sum.rtt.p999, 999);
	assert_int_equal(sum.rtt.max, 1000);
	assert_int_equal(sum.rtt.mean, 501);
	assert_int_equal(sum.rtt.stddev, 289);
	assert_int_equal(sum.pdv_ns, 989);
}

/* Three samples: ceil(0.5 * 3) = 2nd, ceil(0.9 * 3) = 3rd. */
static void test_percentiles_small(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;

	send_n(fx, 0, 3);
	assert_int_equal(reply(fx, 0, 30), UB_ST_OK);
	assert_int_equal(reply(fx, 1, 10), UB_ST_OK);
	assert_int_equal(reply(fx, 2, 20), UB_ST_OK);
	summarize(fx, &sum);
	assert_int_equal(sum.rtt.median, 20);
	assert_int_equal(sum.rtt.p90, 30);
	assert_int_equal(sum.rtt.p999, 30);
	assert_int_equal(sum.rtt.mean, 20);
	/* population: sqrt(200 / 3) = 8.16 */
	assert_int_equal(sum.rtt.stddev, 8);
}

/*
 * IPDV by sender number, not arrival: rtt 10 12 9 - 20 25 ms for probes
 * 0..5 (3 lost), arriving 1 0 2 5 4. Pairs 0-1, 1-2, 4-5: +2, -3, +5 ms.
 */
static void test_ipdv(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;

	send_n(fx, 0, 6);
	assert_int_equal(reply(fx, 1, 12 * MS), UB_ST_OK);
	assert_int_equal(reply(fx, 0, 10 * MS), UB_ST_OK);
	assert_int_equal(reply(fx, 2, 9 * MS), UB_ST_OK);
	assert_int_equal(reply(fx, 5, 25 * MS), UB_ST_OK);
	assert_int_equal(reply(fx, 4, 20 * MS), UB_ST_OK);
	summarize(fx, &sum);
	assert_int_equal(sum.ipdv.n, 3);
	assert_int_equal(sum.ipdv.min, -3 * MS);
	assert_int_equal(sum.ipdv.median, 2 * MS);
	assert_int_equal(sum.ipdv.max, 5 * MS);
	assert_int_equal(sum.ipdv.mean, 1333333);
	/* rtt: 9 10 12 20 25 ms; p99 of five is the 5th */
	assert_int_equal(sum.pdv_ns, 16 * MS);
}

/*
 * RFC 3550 jitter in arrival order. Probes 0..3 have rtt 1000, 1032, 1016,
 * 1000 us and arrive 0 2 3 1, so D = 16, 16, 32 us:
 * J = 1000, 1937.5, 3816.4 ns. (In sender order it would be 3695.)
 */
static void test_jitter(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;

	send_n(fx, 0, 4);
	assert_int_equal(reply(fx, 0, 1000000), UB_ST_OK);
	summarize(fx, &sum);
	assert_int_equal(sum.jitter_ns, -1);
	assert_int_equal(reply(fx, 2, 1016000), UB_ST_OK);
	assert_int_equal(reply(fx, 3, 1000000), UB_ST_OK);
	assert_int_equal(reply(fx, 1, 1032000), UB_ST_OK);
	summarize(fx, &sum);
	assert_int_equal(sum.jitter_ns, 3816);
}

/*
 * Steps of 8 ns: an integer J += (8 - J) / 16 never leaves 0; the estimate
 * after 99 steps is 8 * (1 - (15/16)^99) = 7.99.
 */
static void test_jitter_small_steps(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	uint32_t k;

	send_n(fx, 0, 100);
	for (k = 0; k < 100; k++)
		assert_int_equal(reply(fx, k, 1000 + (k % 2) * 8), UB_ST_OK);
	summarize(fx, &sum);
	assert_int_equal(sum.jitter_ns, 8);
}

/* Interval 10 ms: probes that left 10 ms or more late missed their slot. */
static void test_schedule(void **state)
{
	static const int64_t late[] = { 0, 5 * MS, 10 * MS, 25 * MS, 1 * MS };
	struct fixture *fx = *state;
	struct ub_summary sum;
	uint32_t k;

	for (k = 0; k < 5; k++)
		assert_int_equal(ub_stats_sent(fx->s, k, (int64_t)k * SLOT + late[k], late[k]), 0);
	summarize(fx, &sum);
	assert_int_equal(sum.sched_missed, 2);
	assert_int_equal(sum.sched_late.n, 5);
	assert_int_equal(sum.sched_late.min, 0);
	assert_int_equal(sum.sched_late.median, 5 * MS);
	assert_int_equal(sum.sched_late.max, 25 * MS);
	assert_int_equal(sum.sched_late.mean, 41 * MS / 5);
}

/* refl_proc and OWD only from replies in time that carry them. */
static void test_refl_proc_owd(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	struct ub_reply r;

	send_n(fx, 0, 3);
	memset(&r, 0, sizeof(r));
	r.seq = 0;
	r.rtt_ns = 5 * MS;
	r.rx_ns = 5 * MS;
	r.has_refl = 1;
	r.refl_proc_ns = 20000;
	r.has_owd = 1;
	r.owd_up_ns = 2 * MS;
	r.owd_down_ns = 3 * MS;
	assert_int_equal(ub_stats_reply(fx->s, &r, NULL), UB_ST_OK);
	/* an extra copy brings nothing */
	r.refl_proc_ns = 999999;
	assert_int_equal(ub_stats_reply(fx->s, &r, NULL), UB_ST_DUP);
	/* a late one neither */
	r.seq = 1;
	r.rx_ns = SLOT + 2000 * MS;
	assert_int_equal(ub_stats_reply(fx->s, &r, NULL), UB_ST_LATE);
	/* processing time without synchronised clocks */
	r.seq = 2;
	r.rx_ns = 2 * SLOT + 5 * MS;
	r.refl_proc_ns = 40000;
	r.has_owd = 0;
	assert_int_equal(ub_stats_reply(fx->s, &r, NULL), UB_ST_OK);

	summarize(fx, &sum);
	assert_int_equal(sum.refl_proc.n, 2);
	assert_int_equal(sum.refl_proc.min, 20000);
	assert_int_equal(sum.refl_proc.max, 40000);
	assert_int_equal(sum.owd_up.n, 1);
	assert_int_equal(sum.owd_up.min, 2 * MS);
	assert_int_equal(sum.owd_down.n, 1);
	assert_int_equal(sum.owd_down.max, 3 * MS);
}

/* A summary reads, never consumes: twice in a row, byte for byte the same. */
static void test_summary_twice(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary a, b;
	uint64_t sent, rcvd;

	send_n(fx, 0, 8);
	assert_int_equal(reply_refl(fx, 0, 0), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 2, 2), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 1, 1), UB_ST_OK);
	assert_int_equal(reply_refl(fx, 1, 1), UB_ST_DUP);
	assert_int_equal(reply_refl(fx, 5, 4), UB_ST_OK);
	assert_int_equal(reply_full(fx, 6, 3000 * MS, 1, 5, NULL), UB_ST_LATE);

	memset(&a, 0xaa, sizeof(a));
	memset(&b, 0x55, sizeof(b));
	assert_int_equal(ub_stats_summary(fx->s, &a), 0);
	assert_int_equal(ub_stats_summary(fx->s, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(a.received, 4);
	assert_int_equal(a.lost, 4);
	assert_int_equal(a.reordered, 1);
	/* counters 3 (probe 3 or 4) and 5 (late) did not come back in time */
	assert_int_equal(a.lost_down, 2);
	assert_int_equal(a.lost_up, 2);

	ub_stats_counts(fx->s, &sent, &rcvd);
	assert_int_equal(sent, a.sent);
	assert_int_equal(rcvd, a.received);
}

/* Enough probes to grow every table several times; every other one lost. */
static void test_growth(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	uint32_t k, n = 100000;

	send_n(fx, 7, n);
	for (k = 0; k < n; k += 2)
		assert_int_equal(reply(fx, 7 + k, 1 * MS), UB_ST_OK);
	summarize(fx, &sum);
	assert_int_equal(sum.sent, n);
	assert_int_equal(sum.received, n / 2);
	assert_true(sum.loss_pct == 50.0);
	assert_int_equal(sum.burst_count, n / 2);
	assert_int_equal(sum.burst_max_len, 1);
	assert_int_equal(sum.ipdv.n, 0);
	assert_int_equal(sum.reordered, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_no_loss, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_rfc4737_single_late_packet, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_rfc4737_early_packet, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_rfc4737_n_reordering, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_rfc4737_loss_is_not_reordering, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_rfc3357_loss_periods, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_late, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_seq_wrap, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_seq, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_split_up_down_drop, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_split_counter_gaps, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_split_counter_from_zero, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_split_capped_at_lost, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_split_wrap, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_split_wrap_reordered, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_split_upstream_duplicate, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_split_orderings_count_copies, setup_stateful,
						teardown),
		cmocka_unit_test_setup_teardown(test_reordered_up, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_reordered_down, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_no_split_when_stateless, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_percentiles, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_percentiles_small, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_ipdv, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_jitter, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_jitter_small_steps, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_schedule, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_refl_proc_owd, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_summary_twice, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_growth, setup_plain, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
