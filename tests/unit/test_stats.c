/*
 * Unit tests for bench/stats.c: hand-made probe/reply sequences whose
 * figures were worked out by hand from the RFC definitions, run in both
 * modes (exact and summary_only); a simulated link fed to both modes at
 * once; and the memory each mode holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <math.h>

#include <cmocka.h>

#include "lib/bigmem.h"
#include "lib/err.h"
#include "metrics/stats.h"

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

/*
 * online: summary_only, with a window larger than any hand-made sequence
 * here (test_growth sends every probe before the first reply).
 */
static int fresh(void **state, int stateful, int online)
{
	struct fixture *fx = *state;

	ub_stats_config_init(&fx->cfg);
	fx->cfg.stateful = stateful;
	fx->cfg.summary_only = online;
	fx->cfg.window = online ? 1u << 17 : 0;
	fx->first = 0;
	fx->s = ub_stats_new(&fx->cfg);
	return fx->s ? 0 : -1;
}

static int setup_plain(void **state)
{
	return fresh(state, 0, 0);
}

static int setup_stateful(void **state)
{
	return fresh(state, 1, 0);
}

static int setup_plain_online(void **state)
{
	return fresh(state, 0, 1);
}

static int setup_stateful_online(void **state)
{
	return fresh(state, 1, 1);
}

/* A histogram's answer: within 0.5 % of want, or 1 ns. */
static int near(int64_t got, int64_t want)
{
	double d = fabs((double)got - (double)want);

	return d <= 1.0 || d <= 0.005 * fabs((double)want);
}

/* A percentile: exact in exact mode; from the histogram with summary_only. */
static void assert_pct(const struct fixture *fx, int64_t got, int64_t want)
{
	if (!fx->cfg.summary_only)
		assert_int_equal(got, want);
	else if (!near(got, want))
		fail_msg("percentile %lld, want %lld within 0.5 %%", (long long)got,
			 (long long)want);
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
	assert_pct(fx, sum.rtt.median, 500);
	assert_pct(fx, sum.rtt.p90, 900);
	assert_pct(fx, sum.rtt.p95, 950);
	assert_pct(fx, sum.rtt.p99, 990);
	assert_pct(fx, sum.rtt.p999, 999);
	assert_int_equal(sum.rtt.max, 1000);
	assert_int_equal(sum.rtt.mean, 501);
	assert_int_equal(sum.rtt.stddev, 289);
	assert_pct(fx, sum.pdv_ns + 1, 990);
	assert_int_equal(sum.rtt.hist, fx->cfg.summary_only);
	assert_int_equal(sum.percentiles_hist, fx->cfg.summary_only);
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
	assert_pct(fx, sum.ipdv.median, 2 * MS);
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
	/* a secondary distribution: its percentiles always come from a histogram */
	assert_int_equal(sum.sched_late.hist, 1);
	assert_true(near(sum.sched_late.median, 5 * MS));
	assert_int_equal(sum.sched_late.max, 25 * MS);
	assert_int_equal(sum.sched_late.mean, 41 * MS / 5);
}

/* Unscheduled probes (a capture's): lateness is not kept, in either mode; the rest counts. */
static void test_unscheduled(void **state)
{
	struct fixture *fx = *state;
	struct ub_summary sum;
	int online;
	uint32_t k;

	for (online = 0; online < 2; online++) {
		ub_stats_free(fx->s);
		ub_stats_config_init(&fx->cfg);
		fx->cfg.unscheduled = 1;
		fx->cfg.summary_only = online;
		fx->cfg.window = online ? 1024 : 0;
		fx->s = ub_stats_new(&fx->cfg);
		assert_non_null(fx->s);
		for (k = 0; k < 5; k++)
			assert_int_equal(ub_stats_sent(fx->s, k, (int64_t)k * SLOT, 25 * MS), 0);
		fx->first = 0;
		assert_int_equal(reply(fx, 3, 2 * MS), UB_ST_OK);
		summarize(fx, &sum);
		assert_int_equal(sum.sent, 5);
		assert_int_equal(sum.received, 1);
		assert_int_equal(sum.rtt.n, 1);
		assert_int_equal(sum.sched_late.n, 0);
		assert_int_equal(sum.sched_missed, 0);
	}
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

/* ---- the sort behind exact percentiles, on shapes that trouble quicksorts ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int64_t pattern(int shape, uint32_t k, uint32_t n)
{
	switch (shape) {
	case 0:
		return k;                      /* ascending */
	case 1:
		return (int64_t)n - k;         /* descending */
	case 2:
		return 7 * MS;                 /* all equal */
	case 3:
		return (k % 3) * MS;           /* three values */
	case 4:
		return k < n / 2 ? k : n - k;  /* organ pipe */
	default:
		return (int64_t)((k * 2654435761u) % 100003u) - 50000; /* scrambled, both signs */
	}
}

static void test_percentile_shapes(void **state)
{
	static const uint32_t per10k[] = { 5000, 9000, 9500, 9900, 9990 };
	struct ub_stats_config c;
	struct ub_summary sum;
	struct ub_stats *st;
	struct ub_reply r;
	uint32_t n = 50001, k, rank;
	int64_t *v, got[5];
	int shape, i;

	(void)state;
	v = malloc(n * sizeof(*v));
	assert_non_null(v);
	for (shape = 0; shape < 6; shape++) {
		ub_stats_config_init(&c);
		st = ub_stats_new(&c);
		assert_non_null(st);
		for (k = 0; k < n; k++) {
			assert_int_equal(ub_stats_sent(st, k, (int64_t)k * SLOT, 0), 0);
			v[k] = pattern(shape, k, n);
			memset(&r, 0, sizeof(r));
			r.seq = k;
			r.rx_ns = (int64_t)k * SLOT;
			r.rtt_ns = v[k];
			assert_int_equal(ub_stats_reply(st, &r, NULL), UB_ST_OK);
		}
		assert_int_equal(ub_stats_summary(st, &sum), 0);
		qsort(v, n, sizeof(*v), cmp_i64);
		got[0] = sum.rtt.median;
		got[1] = sum.rtt.p90;
		got[2] = sum.rtt.p95;
		got[3] = sum.rtt.p99;
		got[4] = sum.rtt.p999;
		for (i = 0; i < 5; i++) {
			rank = (uint32_t)(((uint64_t)n * per10k[i] + 9999) / 10000);
			assert_int_equal(got[i], v[rank - 1]);
		}
		assert_int_equal(sum.rtt.min, v[0]);
		assert_int_equal(sum.rtt.max, v[n - 1]);
		assert_int_equal(sum.rtt.hist, 0);
		ub_stats_free(st);
	}
	free(v);
}

/* ---- summary_only: the window ---- */

static struct ub_stats *online_small(uint32_t window, int stateful)
{
	struct ub_stats_config c;

	ub_stats_config_init(&c);
	c.summary_only = 1;
	c.window = window;
	c.stateful = stateful;
	return ub_stats_new(&c);
}

static int reply_at(struct ub_stats *st, uint32_t seq, int64_t rtt)
{
	struct ub_reply r;

	memset(&r, 0, sizeof(r));
	r.seq = seq;
	r.rtt_ns = rtt;
	r.rx_ns = (int64_t)seq * SLOT + rtt;
	return ub_stats_reply(st, &r, NULL);
}

/*
 * Window of 8, probes 0..15 all sent before any reply: 8..15 are in the
 * window and answered; 0..7 left it unanswered. A reply that old is late
 * while late stays below lost (8), then an extra copy.
 */
static void test_window_rule(void **state)
{
	struct ub_stats *st = online_small(8, 0);
	struct ub_summary sum;
	uint32_t k;

	(void)state;
	assert_non_null(st);
	for (k = 0; k < 16; k++)
		assert_int_equal(ub_stats_sent(st, k, (int64_t)k * SLOT, 0), 0);
	for (k = 8; k < 16; k++)
		assert_int_equal(reply_at(st, k, 1 * MS), UB_ST_OK);
	assert_int_equal(reply_at(st, 15, 1 * MS), UB_ST_DUP);
	for (k = 0; k < 8; k++)
		assert_int_equal(reply_at(st, k, 1 * MS), UB_ST_LATE);
	assert_int_equal(reply_at(st, 3, 1 * MS), UB_ST_DUP);
	assert_int_equal(reply_at(st, 16, 1 * MS), UB_E_INVAL);
	assert_int_equal(ub_stats_summary(st, &sum), 0);
	assert_int_equal(sum.sent, 16);
	assert_int_equal(sum.received, 8);
	assert_int_equal(sum.lost, 8);
	assert_int_equal(sum.late, 8);
	assert_int_equal(sum.duplicates, 2);
	/* 0..7 lost, left the window as one loss period */
	assert_int_equal(sum.burst_count, 1);
	assert_int_equal(sum.burst_max_len, 8);
	assert_int_equal(sum.ipdv.n, 7);
	assert_int_equal(sum.percentiles_hist, 1);
	ub_stats_free(st);
}

/*
 * The probe that just left the window still pairs with its successor for
 * IPDV, and a late reply inside the window is judged by its send time.
 */
static void test_window_edges(void **state)
{
	struct ub_stats *st = online_small(8, 0);
	struct ub_summary sum;
	uint32_t k;

	(void)state;
	for (k = 0; k < 8; k++)
		assert_int_equal(ub_stats_sent(st, k, (int64_t)k * SLOT, 0), 0);
	assert_int_equal(reply_at(st, 0, 1 * MS), UB_ST_OK);
	/* 8 pushes 0 out; 1 still pairs with it */
	assert_int_equal(ub_stats_sent(st, 8, 8 * SLOT, 0), 0);
	assert_int_equal(reply_at(st, 1, 3 * MS), UB_ST_OK);
	assert_int_equal(reply_at(st, 2, 1500 * MS), UB_ST_LATE);
	assert_int_equal(reply_at(st, 2, 1 * MS), UB_ST_DUP);
	assert_int_equal(ub_stats_summary(st, &sum), 0);
	assert_int_equal(sum.ipdv.n, 1);
	assert_int_equal(sum.ipdv.min, 2 * MS);
	assert_int_equal(sum.late, 1);
	assert_int_equal(sum.duplicates, 1);
	assert_int_equal(sum.received, 2);
	/* 0 ok, 1 ok, 2..8 lost: one period of 7 */
	assert_int_equal(sum.burst_count, 1);
	assert_int_equal(sum.burst_max_len, 7);
	ub_stats_free(st);

	/* a window asked below the smallest is raised to it */
	st = online_small(1, 0);
	assert_non_null(st);
	ub_stats_free(st);
}

/* ---- a simulated link, fed to both modes at once ---- */

struct simcfg {
	uint32_t n, first_seq, first_refl;
	double up_loss, down_loss, up_dup, down_dup, spike, late;
	int64_t spike_max;
	int stateful;
	uint32_t window; /* summary_only's; 0 automatic */
};

struct arrival {
	int64_t t2;
	uint32_t k;
};

struct sreply {
	int64_t rx;
	uint32_t ord, k, refl;
	int64_t proc, t2, t3;
};

static uint64_t sim_u64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double sim_unit(uint64_t *x)
{
	return (double)(sim_u64(x) >> 11) * 0x1.0p-53;
}

/* One way through the link: 2 ms, exponential jitter, now and then a spike that reorders. */
static int64_t sim_path(uint64_t *x, const struct simcfg *c)
{
	int64_t d = 2 * MS + (int64_t)(-log(1.0 - sim_unit(x)) * 300000.0);

	if (sim_unit(x) < c->spike)
		d += (int64_t)(sim_unit(x) * (double)c->spike_max);
	return d;
}

static int cmp_arrival(const void *a, const void *b)
{
	const struct arrival *x = a, *y = b;

	if (x->t2 != y->t2)
		return (x->t2 > y->t2) - (x->t2 < y->t2);
	return (x->k > y->k) - (x->k < y->k);
}

static int cmp_sreply(const void *a, const void *b)
{
	const struct sreply *x = a, *y = b;

	if (x->rx != y->rx)
		return (x->rx > y->rx) - (x->rx < y->rx);
	return (x->ord > y->ord) - (x->ord < y->ord);
}

/*
 * Probes every 10 ms (some sent late); requests lost or copied on the way
 * up, numbered by the reflector in the order they reach it; replies lost,
 * copied, delayed past Tmax or overtaken on the way down. Every event goes
 * to exact and online in time order; each reply must get the same verdict
 * from both.
 */
static void simulate(const struct simcfg *c, uint64_t seed, struct ub_summary *se,
		     struct ub_summary *so)
{
	struct ub_stats_config ce, co;
	struct ub_stats *ex, *on;
	struct arrival *arr;
	struct sreply *rep;
	int64_t *tx, late, stack;
	uint64_t x = seed;
	size_t na = 0, nr = 0, i, j, copies, cp;
	uint32_t k;
	struct ub_reply r;
	int a, b, ra, rb;

	ub_stats_config_init(&ce);
	ce.stateful = c->stateful;
	co = ce;
	co.summary_only = 1;
	co.window = c->window;
	ex = ub_stats_new(&ce);
	on = ub_stats_new(&co);
	tx = malloc(c->n * sizeof(*tx));
	arr = malloc(2 * (size_t)c->n * sizeof(*arr));
	rep = malloc(4 * (size_t)c->n * sizeof(*rep));
	assert_true(ex && on && tx && arr && rep);

	for (k = 0; k < c->n; k++) {
		late = sim_unit(&x) < 0.01 ? (int64_t)(sim_unit(&x) * 15.0 * MS)
					  : (int64_t)(sim_unit(&x) * 50000.0);
		tx[k] = (int64_t)k * SLOT + late;
		/* sends go out in order: one late holds up the next */
		if (k > 0 && tx[k] < tx[k - 1] + 1000)
			tx[k] = tx[k - 1] + 1000;
		if (sim_unit(&x) < c->up_loss)
			continue;
		copies = sim_unit(&x) < c->up_dup ? 2 : 1;
		for (cp = 0; cp < copies; cp++) {
			arr[na].t2 = tx[k] + sim_path(&x, c);
			arr[na++].k = k;
		}
	}
	qsort(arr, na, sizeof(*arr), cmp_arrival);
	for (i = 0; i < na; i++) {
		if (sim_unit(&x) < c->down_loss)
			continue;
		copies = sim_unit(&x) < c->down_dup ? 2 : 1;
		for (cp = 0; cp < copies; cp++) {
			rep[nr].k = arr[i].k;
			rep[nr].refl = c->first_refl + (uint32_t)i;
			rep[nr].t2 = arr[i].t2;
			rep[nr].proc = 10000 + (int64_t)(sim_unit(&x) * 40000.0);
			rep[nr].t3 = arr[i].t2 + rep[nr].proc;
			rep[nr].rx = rep[nr].t3 + sim_path(&x, c);
			if (cp)
				rep[nr].rx += (int64_t)(sim_unit(&x) * 5.0 * MS);
			if (sim_unit(&x) < c->late)
				rep[nr].rx += 1200 * MS;
			rep[nr].ord = (uint32_t)nr;
			nr++;
		}
	}
	qsort(rep, nr, sizeof(*rep), cmp_sreply);

	for (k = 0, j = 0; k <= c->n; k++) {
		/* every reply that came before probe k left (all the rest after the last) */
		for (; j < nr && (k == c->n || rep[j].rx <= tx[k]); j++) {
			memset(&r, 0, sizeof(r));
			r.seq = c->first_seq + rep[j].k;
			r.rx_ns = rep[j].rx;
			r.rtt_ns = (rep[j].rx - tx[rep[j].k]) - rep[j].proc;
			r.has_refl = 1;
			r.refl_seq = rep[j].refl;
			r.refl_proc_ns = rep[j].proc;
			r.has_owd = 1;
			r.owd_up_ns = rep[j].t2 - tx[rep[j].k];
			r.owd_down_ns = rep[j].rx - rep[j].t3;
			ra = rb = -1;
			a = ub_stats_reply(ex, &r, &ra);
			b = ub_stats_reply(on, &r, &rb);
			assert_true(a >= 0);
			if (!c->window) {
				assert_int_equal(a, b);
				assert_int_equal(ra, rb);
			}
			stack = 5000 + (int64_t)(sim_unit(&x) * 20000.0);
			if (a == UB_ST_OK)
				assert_int_equal(ub_stats_add_stack(ex, stack), 0);
			if (b == UB_ST_OK)
				assert_int_equal(ub_stats_add_stack(on, stack), 0);
		}
		if (k < c->n) {
			late = tx[k] - (int64_t)k * SLOT;
			assert_int_equal(ub_stats_sent(ex, c->first_seq + k, tx[k], late), 0);
			assert_int_equal(ub_stats_sent(on, c->first_seq + k, tx[k], late), 0);
		}
	}
	assert_int_equal(ub_stats_summary(ex, se), 0);
	assert_int_equal(ub_stats_summary(on, so), 0);
	ub_stats_free(ex);
	ub_stats_free(on);
	free(tx);
	free(arr);
	free(rep);
}

static void assert_dist_close(const struct ub_dist *e, const struct ub_dist *o, const char *what)
{
	const int64_t pe[] = { e->median, e->p90, e->p95, e->p99, e->p999 };
	const int64_t po[] = { o->median, o->p90, o->p95, o->p99, o->p999 };
	int i;

	if (e->n != o->n || e->min != o->min || e->max != o->max ||
	    llabs(e->mean - o->mean) > 1 || llabs(e->stddev - o->stddev) > 1)
		fail_msg("%s: n %llu/%llu min %lld/%lld max %lld/%lld mean %lld/%lld sd %lld/%lld",
			 what, (unsigned long long)e->n, (unsigned long long)o->n,
			 (long long)e->min, (long long)o->min, (long long)e->max,
			 (long long)o->max, (long long)e->mean, (long long)o->mean,
			 (long long)e->stddev, (long long)o->stddev);
	for (i = 0; i < 5; i++)
		if (!near(po[i], pe[i]))
			fail_msg("%s: percentile %d online %lld, exact %lld", what, i,
				 (long long)po[i], (long long)pe[i]);
	assert_int_equal(o->hist, 1);
}

static void assert_same_counts(const struct ub_summary *e, const struct ub_summary *o)
{
	assert_int_equal(o->sent, e->sent);
	assert_int_equal(o->received, e->received);
	assert_int_equal(o->lost, e->lost);
	assert_int_equal(o->late, e->late);
	assert_int_equal(o->duplicates, e->duplicates);
	assert_true(o->loss_pct == e->loss_pct);
	assert_int_equal(o->reordered, e->reordered);
	assert_true(o->reorder_pct == e->reorder_pct);
	assert_int_equal(o->reorder_extent_max, e->reorder_extent_max);
	assert_int_equal(o->n_reordered_3, e->n_reordered_3);
	assert_int_equal(o->has_split, e->has_split);
	assert_int_equal(o->lost_up, e->lost_up);
	assert_int_equal(o->lost_down, e->lost_down);
	assert_int_equal(o->reordered_up, e->reordered_up);
	assert_int_equal(o->reordered_down, e->reordered_down);
	assert_int_equal(o->burst_count, e->burst_count);
	assert_true(o->burst_mean_len == e->burst_mean_len);
	assert_int_equal(o->burst_max_len, e->burst_max_len);
	assert_int_equal(o->jitter_ns, e->jitter_ns);
	assert_int_equal(o->sched_missed, e->sched_missed);
}

static void compare_modes(const struct ub_summary *e, const struct ub_summary *o)
{
	assert_same_counts(e, o);
	assert_dist_close(&e->rtt, &o->rtt, "rtt");
	assert_dist_close(&e->ipdv, &o->ipdv, "ipdv");
	assert_dist_close(&e->refl_proc, &o->refl_proc, "refl_proc");
	assert_dist_close(&e->owd_up, &o->owd_up, "owd_up");
	assert_dist_close(&e->owd_down, &o->owd_down, "owd_down");
	assert_dist_close(&e->stack, &o->stack, "stack");
	assert_dist_close(&e->sched_late, &o->sched_late, "sched_late");
	/* pdv = p99 - min, min exact */
	assert_true(near(o->pdv_ns + o->rtt.min, e->pdv_ns + e->rtt.min));
	assert_int_equal(e->percentiles_hist, 0);
	assert_int_equal(o->percentiles_hist, 1);
	assert_int_equal(e->rtt.hist, 0);
	assert_int_equal(e->refl_proc.hist, 1);
}

/*
 * Every impairment at once, both counters wrapping: online equals exact,
 * percentiles within 0.5 %.
 */
static void test_online_matches_exact(void **state)
{
	struct simcfg c = { .n = 100000, .first_seq = 0xffffc000u, .first_refl = 0xfffff000u,
			    .up_loss = 0.02, .down_loss = 0.02, .up_dup = 0.01, .down_dup = 0.01,
			    .spike = 0.03, .late = 0.01, .spike_max = 80 * MS, .stateful = 1 };
	struct ub_summary e, o;

	(void)state;
	simulate(&c, 11, &e, &o);
	/* the simulation did make every figure move */
	assert_true(e.lost_up > 1000 && e.lost_down > 1000 && e.late > 500 && e.duplicates > 1000);
	assert_true(e.reordered > 1000 && e.reordered_up > 500 && e.reordered_down > 500);
	assert_true(e.n_reordered_3 > 100 && e.reorder_extent_max >= 3 && e.burst_max_len >= 2);
	assert_true(e.sched_missed > 100);
	compare_modes(&e, &o);
}

/* A heavier mess: spikes up to 400 ms, so reordering spans 40 probes; no reflector counter. */
static void test_online_matches_exact_stateless(void **state)
{
	struct simcfg c = { .n = 60000, .first_seq = 5, .up_loss = 0.05, .down_loss = 0.05,
			    .up_dup = 0.02, .down_dup = 0.02, .spike = 0.2, .late = 0.02,
			    .spike_max = 400 * MS, .stateful = 0 };
	struct ub_summary e, o;

	(void)state;
	simulate(&c, 12, &e, &o);
	assert_int_equal(e.has_split, 0);
	assert_true(e.reorder_extent_max > 20);
	compare_modes(&e, &o);
}

/*
 * A window too short for the link (16 probes, 160 ms, against round trips
 * of up to 200 ms and late replies at 1.2 s): what the rule gives up. A
 * reply to a probe that left the window is never in time; every reply is
 * still counted once, as received, late or extra copy; late stays within
 * lost and the split adds up.
 */
static void test_online_short_window(void **state)
{
	struct simcfg c = { .n = 30000, .first_seq = 0, .first_refl = 0, .up_loss = 0.02,
			    .down_loss = 0.02, .up_dup = 0.01, .down_dup = 0.01, .spike = 0.05,
			    .late = 0.01, .spike_max = 100 * MS, .stateful = 1, .window = 16 };
	struct ub_summary e, o;

	(void)state;
	simulate(&c, 13, &e, &o);
	assert_true(o.received <= e.received && o.received * 1000 >= e.received * 999);
	assert_int_equal(o.received + o.lost, o.sent);
	assert_int_equal(o.received + o.late + o.duplicates, e.received + e.late + e.duplicates);
	assert_true(o.late <= o.lost);
	assert_int_equal(o.lost_up + o.lost_down, o.lost);
	assert_int_equal(o.rtt.n, o.received);
	assert_int_equal(o.stack.n, o.received);
}

/* ---- memory ---- */

static size_t malloc_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* What malloc holds and the large tables, mappings of their own (lib/bigmem.h). */
static size_t heap_in_use(void)
{
	return malloc_in_use() + ub_big_mapped();
}

/*
 * summary_only: five million probes, stateful, every reply with its
 * STAMP and OWD samples and a stack sample, a few lost and copied. Not one
 * byte more after them than before the first.
 */
static void test_online_constant_memory(void **state)
{
	struct ub_stats *st = online_small(0, 1);
	struct ub_summary sum;
	size_t now0, peak0, now1, peak1, heap0, heap1;
	struct ub_reply r;
	uint32_t k, n = 5000000, refl = 0;

	(void)state;
	assert_non_null(st);
	ub_stats_mem(st, &now0, &peak0);
	heap0 = heap_in_use();
	for (k = 0; k < n; k++) {
		assert_int_equal(ub_stats_sent(st, k, (int64_t)k * SLOT, k % 7), 0);
		if (k % 100 == 17)
			continue;
		memset(&r, 0, sizeof(r));
		r.seq = k;
		r.rtt_ns = 1 * MS + (int64_t)(k % 1000) * 1000;
		r.rx_ns = (int64_t)k * SLOT + r.rtt_ns;
		r.has_refl = 1;
		r.refl_seq = refl++;
		r.refl_proc_ns = 20000 + k % 50;
		r.has_owd = 1;
		r.owd_up_ns = r.rtt_ns / 2;
		r.owd_down_ns = r.rtt_ns - r.owd_up_ns;
		assert_int_equal(ub_stats_reply(st, &r, NULL), UB_ST_OK);
		if (k % 1000 == 3)
			assert_int_equal(ub_stats_reply(st, &r, NULL), UB_ST_DUP);
		assert_int_equal(ub_stats_add_stack(st, 3000 + k % 11), 0);
	}
	heap1 = heap_in_use();
	ub_stats_mem(st, &now1, &peak1);
	print_message("summary_only, 5M probes: %zu bytes held, heap %zu -> %zu\n", now1, heap0,
		      heap1);
	assert_int_equal(now1, now0);
	assert_int_equal(peak1, peak0);
	assert_int_equal(heap1, heap0);
	/* a summary borrows nothing either */
	assert_int_equal(ub_stats_summary(st, &sum), 0);
	ub_stats_mem(st, NULL, &peak1);
	assert_int_equal(peak1, peak0);
	assert_int_equal(heap_in_use(), heap0);
	assert_int_equal(sum.sent, n);
	assert_int_equal(sum.received, n - n / 100);
	assert_int_equal(sum.duplicates, n / 1000);
	assert_int_equal(sum.lost_down, 0);
	assert_int_equal(sum.lost_up, n / 100);
	assert_int_equal(sum.reordered, 0);
	assert_int_equal(sum.burst_count, n / 100);
	assert_int_equal(sum.stack.n, sum.received);
	assert_true(near(sum.rtt.median, 1 * MS + 500 * 1000));
	ub_stats_free(st);
}

/*
 * Exact mode, the yardstick: a million STAMP probes, stateful, all
 * answered in order with processing and OWD samples and a stack sample
 * each. At most 40 MB at any moment, the summary's scratch included; the
 * figures ub_stats_mem gives agree with what malloc holds.
 */
static void test_exact_memory_1m(void **state)
{
	struct ub_stats_config c;
	struct ub_stats *st;
	struct ub_summary sum;
	size_t now, peak, heap0, heap1, malloc0, malloc1;
	struct ub_reply r;
	uint32_t k, n = 1000000;

	(void)state;
	ub_stats_config_init(&c);
	c.stateful = 1;
	heap0 = heap_in_use();
	malloc0 = malloc_in_use();
	st = ub_stats_new(&c);
	assert_non_null(st);
	for (k = 0; k < n; k++) {
		assert_int_equal(ub_stats_sent(st, k, (int64_t)k * SLOT, k % 5), 0);
		memset(&r, 0, sizeof(r));
		r.seq = k;
		r.rtt_ns = 1 * MS + (int64_t)(k * 7919u % 100000u);
		r.rx_ns = (int64_t)k * SLOT + r.rtt_ns;
		r.has_refl = 1;
		r.refl_seq = k;
		r.refl_proc_ns = 20000 + k % 500;
		r.has_owd = 1;
		r.owd_up_ns = r.rtt_ns / 2;
		r.owd_down_ns = r.rtt_ns - r.owd_up_ns;
		assert_int_equal(ub_stats_reply(st, &r, NULL), UB_ST_OK);
		assert_int_equal(ub_stats_add_stack(st, 3000 + k % 11), 0);
	}
	heap1 = heap_in_use();
	malloc1 = malloc_in_use();
	ub_stats_mem(st, &now, &peak);
	print_message("exact, 1M STAMP probes: %.2f MB held (%.1f B/probe), malloc says %.2f MB\n",
		      now / 1e6, (double)now / n, (heap1 - heap0) / 1e6);
	/*
	 * The accounting is what malloc and the large tables' mappings hold,
	 * to within page rounding. Under a sanitizer's allocator glibc's
	 * mallinfo2 sees none of malloc's part: no check.
	 */
	if (malloc1 - malloc0 > 1000000)
		assert_true((double)now > 0.97 * (double)(heap1 - heap0) &&
			    (double)now < 1.03 * (double)(heap1 - heap0));
	assert_int_equal(ub_stats_summary(st, &sum), 0);
	ub_stats_mem(st, &now, &peak);
	print_message("exact, 1M STAMP probes: peak %.2f MB with the summary (%.1f B/probe)\n",
		      peak / 1e6, (double)peak / n);
	assert_true(peak <= 40000000);
	assert_int_equal(sum.received, n);
	assert_int_equal(sum.lost_up + sum.lost_down, 0);
	assert_int_equal(sum.refl_proc.n, n);
	assert_int_equal(sum.owd_up.n, n);
	assert_int_equal(sum.stack.n, n);
	assert_int_equal(sum.rtt.hist, 0);
	assert_int_equal(sum.owd_up.hist, 1);
	ub_stats_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_no_loss, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_rfc4737_single_late_packet, setup_plain,
						teardown),
		cmocka_unit_test_setup_teardown(test_rfc4737_early_packet, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_rfc4737_n_reordering, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_rfc4737_loss_is_not_reordering, setup_plain,
						teardown),
		cmocka_unit_test_setup_teardown(test_rfc3357_loss_periods, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_late, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_seq_wrap, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_seq, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_split_up_down_drop, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_split_counter_gaps, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_split_counter_from_zero, setup_stateful,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_capped_at_lost, setup_stateful,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_wrap, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_split_wrap_reordered, setup_stateful,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_upstream_duplicate, setup_stateful,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_orderings_count_copies, setup_stateful,
						teardown),
		cmocka_unit_test_setup_teardown(test_reordered_up, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_reordered_down, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_no_split_when_stateless, setup_plain,
						teardown),
		cmocka_unit_test_setup_teardown(test_percentiles, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_percentiles_small, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_ipdv, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_jitter, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_jitter_small_steps, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_schedule, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_unscheduled, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_refl_proc_owd, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_summary_twice, setup_stateful, teardown),
		cmocka_unit_test_setup_teardown(test_growth, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup_plain_online, teardown),
		cmocka_unit_test_setup_teardown(test_no_loss, setup_plain_online, teardown),
		cmocka_unit_test_setup_teardown(test_rfc4737_single_late_packet, setup_plain_online,
						teardown),
		cmocka_unit_test_setup_teardown(test_rfc4737_early_packet, setup_plain_online,
						teardown),
		cmocka_unit_test_setup_teardown(test_rfc4737_n_reordering, setup_plain_online,
						teardown),
		cmocka_unit_test_setup_teardown(test_rfc4737_loss_is_not_reordering,
						setup_plain_online, teardown),
		cmocka_unit_test_setup_teardown(test_rfc3357_loss_periods, setup_plain_online,
						teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup_plain_online, teardown),
		cmocka_unit_test_setup_teardown(test_late, setup_plain_online, teardown),
		cmocka_unit_test_setup_teardown(test_seq_wrap, setup_plain_online, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_seq, setup_plain_online, teardown),
		cmocka_unit_test_setup_teardown(test_split_up_down_drop, setup_stateful_online,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_counter_gaps, setup_stateful_online,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_counter_from_zero, setup_stateful_online,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_capped_at_lost, setup_stateful_online,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_wrap, setup_stateful_online, teardown),
		cmocka_unit_test_setup_teardown(test_split_wrap_reordered, setup_stateful_online,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_upstream_duplicate,
						setup_stateful_online, teardown),
		cmocka_unit_test_setup_teardown(test_split_orderings_count_copies,
						setup_stateful_online, teardown),
		cmocka_unit_test_setup_teardown(test_reordered_up, setup_stateful_online, teardown),
		cmocka_unit_test_setup_teardown(test_reordered_down, setup_stateful_online,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_split_when_stateless, setup_plain_online,
						teardown),
		cmocka_unit_test_setup_teardown(test_percentiles, setup_plain_online, teardown),
		cmocka_unit_test_setup_teardown(test_percentiles_small, setup_plain_online,
						teardown),
		cmocka_unit_test_setup_teardown(test_ipdv, setup_plain_online, teardown),
		cmocka_unit_test_setup_teardown(test_jitter, setup_plain_online, teardown),
		cmocka_unit_test_setup_teardown(test_jitter_small_steps, setup_plain_online,
						teardown),
		cmocka_unit_test_setup_teardown(test_schedule, setup_plain_online, teardown),
		cmocka_unit_test_setup_teardown(test_refl_proc_owd, setup_plain_online, teardown),
		cmocka_unit_test_setup_teardown(test_summary_twice, setup_stateful_online,
						teardown),
		cmocka_unit_test_setup_teardown(test_growth, setup_plain_online, teardown),
		cmocka_unit_test(test_percentile_shapes),
		cmocka_unit_test(test_window_rule),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_online_matches_exact),
		cmocka_unit_test(test_online_matches_exact_stateless),
		cmocka_unit_test(test_online_short_window),
		cmocka_unit_test(test_online_constant_memory),
		cmocka_unit_test(test_exact_memory_1m),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
