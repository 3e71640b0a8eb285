/*
 * Unit tests for bench/metrics/intervals.c: records filled in probe order
 * whatever order probes are decided in, complete only when their span is
 * over, and the up/down split worked out by hand from a stateful
 * reflector's counter (RFC 8762 §4.2.1) for every case the module names.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics/intervals.h"

#define SPAN 100 /* ns: probes every 10 ns, ten a record */

static struct ub_intervals *fresh_set(unsigned fresh)
{
	struct ub_intervals_config c;
	struct ub_intervals *iv;

	ub_intervals_config_init(&c);
	c.span_ns = SPAN;
	c.window = 64;
	if (fresh)
		c.fresh = fresh;
	iv = ub_intervals_new(&c);
	assert_non_null(iv);
	return iv;
}

/*
 * Plays a run from a script, one letter a probe sent every 10 ns: o replied
 * (the reflector's counter counts what reached it), u lost on the way there
 * (not counted), d lost on the way back (counted). Replies have rtt 1000 +
 * the probe's number. Decisions come in probe order.
 */
static void play(struct ub_intervals *iv, const char *script, uint32_t counter0)
{
	uint32_t counter = counter0;
	uint64_t i;

	for (i = 0; script[i]; i++)
		ub_intervals_sent(iv, i, (int64_t)i * 10);
	for (i = 0; script[i]; i++) {
		if (script[i] == 'o')
			ub_intervals_ok(iv, i, 1000 + (int64_t)i, 1, counter++);
		else
			ub_intervals_lost(iv, i);
		if (script[i] == 'd')
			counter++;
	}
}

static void check(const struct ub_interval *r, uint64_t sent, uint64_t received, uint64_t up,
		  uint64_t down)
{
	assert_int_equal(r->sent, sent);
	assert_int_equal(r->received, received);
	assert_int_equal(r->lost, sent - received);
	assert_int_equal(r->lost_up, up);
	assert_int_equal(r->lost_down, down);
}

static void test_records_in_order_and_complete_once_their_span_ends(void **state)
{
	struct ub_intervals *iv = fresh_set(0);
	struct ub_interval r;
	uint64_t i;

	(void)state;
	for (i = 0; i < 25; i++)
		ub_intervals_sent(iv, i, (int64_t)i * 10);
	/* decided out of order: 1..12 replied, 0 still waiting */
	for (i = 1; i < 13; i++)
		ub_intervals_ok(iv, i, 500 + (int64_t)i, 0, 0);
	assert_int_equal(ub_intervals_take(iv, 1, &r), 0);
	ub_intervals_lost(iv, 0);
	/* probes 0..12 taken: the first record is complete, the second is not */
	assert_int_equal(ub_intervals_take(iv, 0, &r), 1);
	assert_int_equal(r.start_ns, 0);
	assert_int_equal(r.end_ns, SPAN);
	assert_int_equal(r.sent, 10);
	assert_int_equal(r.received, 9);
	assert_int_equal(r.lost, 1);
	assert_int_equal(r.has_split, 0);
	assert_int_equal(r.rtt_max_ns, 509);
	assert_in_range(r.rtt_median_ns, 504, 506);
	assert_in_range(r.rtt_p90_ns, 507, 509);
	assert_int_equal(ub_intervals_take(iv, 0, &r), 0);
	for (i = 13; i < 25; i++)
		ub_intervals_ok(iv, i, 700, 0, 0);
	assert_int_equal(ub_intervals_take(iv, 0, &r), 1);
	assert_int_equal(r.start_ns, SPAN);
	assert_int_equal(r.sent, 10);
	/* the last one waits for the end of the run */
	assert_int_equal(ub_intervals_take(iv, 0, &r), 0);
	ub_intervals_end(iv, 0);
	assert_int_equal(ub_intervals_take(iv, 0, &r), 1);
	assert_int_equal(r.start_ns, 2 * SPAN);
	assert_int_equal(r.sent, 5);
	assert_in_range(r.rtt_median_ns, 698, 702);
	assert_int_equal(ub_intervals_take(iv, 0, &r), 0);
	ub_intervals_free(iv);
}

static void test_split_from_the_counter(void **state)
{
	struct ub_intervals *iv = fresh_set(0);
	const struct ub_interval *all;
	struct ub_interval r;
	size_t n;

	(void)state;
	/* one lost each way in the first span, two down in a row in the second */
	play(iv, "oouoodoooo" "oddoooooou" "oo", 0);
	assert_int_equal(ub_intervals_take(iv, 1, &r), 1);
	check(&r, 10, 8, 1, 1);
	assert_int_equal(r.has_split, 1);
	/* its u is closed by the reply after it: all three runs are settled */
	assert_int_equal(ub_intervals_take(iv, 1, &r), 1);
	check(&r, 10, 7, 1, 2);
	assert_int_equal(r.has_split, 1);
	ub_intervals_end(iv, 1);
	all = ub_intervals_records(iv, &n);
	assert_int_equal(n, 3);
	check(&all[0], 10, 8, 1, 1);
	check(&all[1], 10, 7, 1, 2);
	check(&all[2], 2, 2, 0, 0);
	ub_intervals_free(iv);
}

static void test_open_run_holds_the_split_back(void **state)
{
	struct ub_intervals *iv = fresh_set(0);
	struct ub_interval r;

	(void)state;
	/* a run from probe 8 that no reply has closed when its record is taken */
	play(iv, "oooooooodd" "d", 0);
	ub_intervals_sent(iv, 11, 110);
	assert_int_equal(ub_intervals_take(iv, 1, &r), 1);
	assert_int_equal(r.lost, 2);
	assert_int_equal(r.has_split, 0);
	/* the reply that closes it: counter 11, all three were seen by the reflector */
	ub_intervals_ok(iv, 11, 1, 1, 11);
	ub_intervals_end(iv, 1);
	{
		size_t n;
		const struct ub_interval *all = ub_intervals_records(iv, &n);

		assert_int_equal(n, 2);
		check(&all[0], 10, 8, 0, 2);
		check(&all[1], 2, 1, 0, 1);
	}
	ub_intervals_free(iv);
}

static void test_run_across_records_shares_in_proportion(void **state)
{
	struct ub_intervals *iv = fresh_set(0);
	const struct ub_interval *all;
	size_t n;

	(void)state;
	/* four lost from probe 8 to 11, two of them on the way back */
	play(iv, "oooooooouu" "ddoooooooo", 0);
	ub_intervals_end(iv, 1);
	all = ub_intervals_records(iv, &n);
	assert_int_equal(n, 2);
	/* which two nobody can tell: half of the run's share each, the sums exact */
	assert_int_equal(all[0].lost_up + all[1].lost_up, 2);
	assert_int_equal(all[0].lost_down + all[1].lost_down, 2);
	check(&all[0], 10, 8, 1, 1);
	check(&all[1], 10, 8, 1, 1);
	ub_intervals_free(iv);
}

static void test_leading_and_trailing_runs(void **state)
{
	struct ub_intervals *iv = fresh_set(0);
	const struct ub_interval *all;
	size_t n;

	(void)state;
	/* before the first reply: one reached the reflector (its counter is 1 at probe 2) */
	play(iv, "udoooooodd", 0);
	ub_intervals_end(iv, 1);
	all = ub_intervals_records(iv, &n);
	assert_int_equal(n, 1);
	/* the last two no reply closed: lost on the way there, as the summary counts them */
	check(&all[0], 10, 6, 3, 1);
	ub_intervals_free(iv);
}

static void test_counter_wraps_and_restarts(void **state)
{
	struct ub_intervals *iv = fresh_set(0);
	const struct ub_interval *all;
	size_t n;

	(void)state;
	/* the counter passes 2^32 in the middle of a lost-down run */
	play(iv, "ooddoooooo", UINT32_MAX - 2);
	ub_intervals_end(iv, 1);
	all = ub_intervals_records(iv, &n);
	check(&all[0], 10, 8, 0, 2);
	ub_intervals_free(iv);

	/* a reflector that started again counts from 0: no loss is put on the way back */
	iv = fresh_set(0);
	ub_intervals_sent(iv, 0, 0);
	ub_intervals_sent(iv, 1, 10);
	ub_intervals_sent(iv, 2, 20);
	ub_intervals_ok(iv, 0, 5, 1, 500);
	ub_intervals_lost(iv, 1);
	ub_intervals_ok(iv, 2, 5, 1, 0);
	ub_intervals_end(iv, 1);
	all = ub_intervals_records(iv, &n);
	check(&all[0], 3, 2, 1, 0);
	ub_intervals_free(iv);
}

static void test_no_split_unless_counted(void **state)
{
	struct ub_intervals *iv = fresh_set(0);
	const struct ub_interval *all;
	struct ub_interval r;
	size_t n;

	(void)state;
	play(iv, "oudooooooo" "o", 0);
	/* the reflector is not known to count: no split, whatever the numbers say */
	assert_int_equal(ub_intervals_take(iv, 0, &r), 1);
	assert_int_equal(r.has_split, 0);
	assert_int_equal(r.lost_up + r.lost_down, 0);
	ub_intervals_end(iv, 0);
	all = ub_intervals_records(iv, &n);
	assert_int_equal(all[0].has_split, 0);
	assert_int_equal(all[0].lost, 2);
	assert_int_equal(all[0].lost_up + all[0].lost_down, 0);
	ub_intervals_free(iv);
}

static void test_empty_spans_are_records_too(void **state)
{
	struct ub_intervals *iv = fresh_set(0);
	const struct ub_interval *all;
	size_t n;

	(void)state;
	ub_intervals_sent(iv, 0, 5);
	ub_intervals_sent(iv, 1, 3 * SPAN + 5);
	ub_intervals_ok(iv, 0, 7, 0, 0);
	ub_intervals_ok(iv, 1, 9, 0, 0);
	ub_intervals_end(iv, 0);
	all = ub_intervals_records(iv, &n);
	assert_int_equal(n, 4);
	assert_int_equal(all[1].sent, 0);
	assert_int_equal(all[1].rtt_median_ns, -1);
	assert_int_equal(all[2].start_ns, 2 * SPAN);
	assert_int_equal(all[3].sent, 1);
	assert_int_equal(all[3].rtt_max_ns, 9);
	ub_intervals_free(iv);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The nearest-rank percentile (rank ceil(p n), at least 1) of n sorted values. */
static int64_t rank_of(const int64_t *sorted, size_t n, uint32_t per10k)
{
	size_t k = ((uint64_t)per10k * n + 9999) / 10000;

	return sorted[(k ? k : 1) - 1];
}

/* v is the histogram's answer for want: within its error (2^-9 of the value). */
static void near(int64_t v, int64_t want)
{
	int64_t tol = want / 512 + 1;

	assert_in_range(v, want - tol, want + tol);
}

/*
 * Each record's min, p10, p25, median, p75, p90 and max against a sort of
 * the same replies: spans of 1 to 400 replies, spread over four decades,
 * some probes lost, decided out of order.
 */
static void test_percentiles_match_a_sort(void **state)
{
	enum { SPANS = 12, MOST = 400 };
	static const uint32_t at[5] = { 1000, 2500, 5000, 7500, 9000 };
	struct ub_intervals_config c;
	struct ub_intervals *iv;
	const struct ub_interval *all;
	int64_t *rtt, *val, t = 0, got[5];
	size_t n, k, m[SPANS];
	uint64_t idx = 0, first, i, x = 88172645463325252ull;
	unsigned sp, j;

	(void)state;
	ub_intervals_config_init(&c);
	c.span_ns = 1000 * 1000;
	c.window = 1024;
	iv = ub_intervals_new(&c);
	rtt = calloc(SPANS * MOST, sizeof(*rtt));
	val = calloc(MOST, sizeof(*val));
	assert_non_null(iv);
	assert_non_null(rtt);
	assert_non_null(val);
	for (sp = 0; sp < SPANS; sp++) {
		size_t per = sp == 0 ? 1 : sp == 1 ? 2 : sp == 2 ? 0 : 37 * sp % MOST + 3;

		m[sp] = 0;
		first = idx;
		for (i = 0; i < per; i++, idx++) {
			t = (int64_t)sp * c.span_ns + (int64_t)(i * (uint64_t)c.span_ns / per);
			ub_intervals_sent(iv, idx, t);
		}
		/* replies in reverse order; every seventh probe lost */
		for (i = idx; i-- > first;) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (i % 7 == 3) {
				ub_intervals_lost(iv, i);
				continue;
			}
			/* 10 us to 100 ms, log-spread */
			rtt[sp * MOST + m[sp]] = (int64_t)(10000.0 * pow(10.0, (double)(x % 4000) / 1000.0));
			ub_intervals_ok(iv, i, rtt[sp * MOST + m[sp]], 0, 0);
			m[sp]++;
		}
	}
	ub_intervals_end(iv, 0);
	all = ub_intervals_records(iv, &n);
	assert_int_equal(n, SPANS);
	for (sp = 0; sp < SPANS; sp++) {
		const struct ub_interval *r = &all[sp];

		k = m[sp];
		assert_int_equal(r->received, k);
		if (!k) {
			assert_int_equal(r->rtt_min_ns, -1);
			assert_int_equal(r->rtt_p10_ns, -1);
			assert_int_equal(r->rtt_p25_ns, -1);
			assert_int_equal(r->rtt_p75_ns, -1);
			assert_int_equal(r->rtt_max_ns, -1);
			continue;
		}
		memcpy(val, &rtt[sp * MOST], k * sizeof(*val));
		qsort(val, k, sizeof(*val), cmp_i64);
		assert_int_equal(r->rtt_min_ns, val[0]);
		assert_int_equal(r->rtt_max_ns, val[k - 1]);
		got[0] = r->rtt_p10_ns;
		got[1] = r->rtt_p25_ns;
		got[2] = r->rtt_median_ns;
		got[3] = r->rtt_p75_ns;
		got[4] = r->rtt_p90_ns;
		for (j = 0; j < 5; j++)
			near(got[j], rank_of(val, k, at[j]));
		/* in order, as a band needs them */
		assert_true(r->rtt_min_ns <= r->rtt_p10_ns && r->rtt_p10_ns <= r->rtt_p25_ns &&
			    r->rtt_p25_ns <= r->rtt_median_ns && r->rtt_median_ns <= r->rtt_p75_ns &&
			    r->rtt_p75_ns <= r->rtt_p90_ns && r->rtt_p90_ns <= r->rtt_max_ns);
	}
	free(rtt);
	free(val);
	ub_intervals_free(iv);
}

/*
 * A run far past the cap of records (8 here): the records stay at most 8,
 * cover the run without gap or overlap, each holds exactly the probes sent
 * in its span (counted against a list of every probe), min and max are
 * exact, the other figures in order between them, and the live view's
 * split at the end is that of a set that never merged.
 */
static void test_records_merge_at_the_cap(void **state)
{
	enum { N = 2000, CAP = 8 };
	struct ub_intervals_config c;
	struct ub_intervals *iv, *whole;
	const struct ub_interval *all;
	struct ub_interval r;
	static int64_t t[N], rtt[N];
	uint64_t i, up, down, want_up, want_down, sent = 0, x = 88172645463325252ull;
	uint32_t counter = 0;
	int64_t med, p99, lo, hi;
	size_t n, k, taken = 0, most = 0;
	int split, out;

	(void)state;
	ub_intervals_config_init(&c);
	c.span_ns = SPAN;
	c.window = 64;
	whole = ub_intervals_new(&c);
	c.max_records = CAP;
	iv = ub_intervals_new(&c);
	assert_non_null(iv);
	assert_non_null(whole);
	for (i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		t[i] = (int64_t)i * 10;
		ub_intervals_sent(iv, i, t[i]);
		ub_intervals_sent(whole, i, t[i]);
		/* o replied, u lost there (not counted), d lost back (counted); two long outages */
		out = (i >= 35 && i < 100) || (i >= 700 && i < 760) || (i >= 1500 && i < 1800);
		if (out || i == 25 || x % 11 == 0 || x % 11 == 1) {
			/* 25 is lost on the way there, in a record settled before the first outage */
			rtt[i] = -1;
			counter += out ? x % 3 == 0 : i != 25 && x % 11 == 1;
			ub_intervals_lost(iv, i);
			ub_intervals_lost(whole, i);
		} else {
			rtt[i] = 1000 + (int64_t)(x % 5000);
			ub_intervals_ok(iv, i, rtt[i], 1, counter);
			ub_intervals_ok(whole, i, rtt[i], 1, counter++);
		}
		while (ub_intervals_take(iv, 1, &r))
			taken++;
		while (ub_intervals_take(whole, 1, &r))
			;
		ub_intervals_records(iv, &n);
		most = n > most ? n : most;
		/*
		 * The live view sums the records whose split is final: coarser
		 * ones are final later, never sooner, than a set that never merged.
		 */
		ub_intervals_live(iv, 1, &split, &up, &down, &med, &p99);
		ub_intervals_live(whole, 1, &split, &want_up, &want_down, &med, &p99);
		assert_true(up <= want_up + 1 && down <= want_down + 1);
	}
	ub_intervals_end(iv, 1);
	all = ub_intervals_records(iv, &n);
	assert_true(most <= CAP);
	assert_true(taken > CAP);
	assert_int_equal(all[0].start_ns, 0);
	assert_true(all[n - 1].end_ns > t[N - 1]);
	/* merged at least five times: the newest records span 32 times as long */
	assert_true(all[n - 2].end_ns - all[n - 2].start_ns >= 32 * SPAN);
	for (k = 0; k < n; k++) {
		uint64_t want_sent = 0, want_received = 0;

		if (k + 1 < n)
			assert_int_equal(all[k].end_ns, all[k + 1].start_ns);
		lo = INT64_MAX;
		hi = -1;
		for (i = 0; i < N; i++) {
			if (t[i] < all[k].start_ns || t[i] >= all[k].end_ns)
				continue;
			want_sent++;
			if (rtt[i] < 0)
				continue;
			want_received++;
			lo = rtt[i] < lo ? rtt[i] : lo;
			hi = rtt[i] > hi ? rtt[i] : hi;
		}
		assert_int_equal(all[k].sent, want_sent);
		assert_int_equal(all[k].received, want_received);
		assert_int_equal(all[k].lost, want_sent - want_received);
		assert_int_equal(all[k].lost_up + all[k].lost_down, all[k].lost);
		sent += all[k].sent;
		if (!want_received) {
			assert_int_equal(all[k].rtt_median_ns, -1);
			continue;
		}
		assert_int_equal(all[k].rtt_min_ns, lo);
		assert_int_equal(all[k].rtt_max_ns, hi);
		assert_true(all[k].rtt_min_ns <= all[k].rtt_p10_ns && all[k].rtt_p10_ns <= all[k].rtt_p25_ns &&
			    all[k].rtt_p25_ns <= all[k].rtt_median_ns &&
			    all[k].rtt_median_ns <= all[k].rtt_p75_ns &&
			    all[k].rtt_p75_ns <= all[k].rtt_p90_ns && all[k].rtt_p90_ns <= all[k].rtt_max_ns);
	}
	assert_int_equal(sent, N);
	ub_intervals_end(whole, 1);
	ub_intervals_live(iv, 1, &split, &up, &down, &med, &p99);
	ub_intervals_live(whole, 1, &split, &want_up, &want_down, &med, &p99);
	assert_int_equal(up, want_up);
	assert_int_equal(down, want_down);
	ub_intervals_free(iv);
	ub_intervals_free(whole);
}

/* Nobody takes the records: they are kept whole past the cap rather than merged unseen. */
static void test_records_untaken_grow_past_the_cap(void **state)
{
	struct ub_intervals_config c;
	struct ub_intervals *iv;
	const struct ub_interval *all;
	uint64_t i;
	size_t n;

	(void)state;
	ub_intervals_config_init(&c);
	c.span_ns = SPAN;
	c.window = 64;
	c.max_records = 4;
	iv = ub_intervals_new(&c);
	assert_non_null(iv);
	for (i = 0; i < 100; i++) {
		ub_intervals_sent(iv, i, (int64_t)i * 10);
		ub_intervals_ok(iv, i, 5, 0, 0);
	}
	ub_intervals_end(iv, 0);
	all = ub_intervals_records(iv, &n);
	assert_int_equal(n, 10);
	assert_int_equal(all[9].start_ns, 9 * SPAN);
	ub_intervals_free(iv);
}

static void test_live_figures_and_fresh_outcomes(void **state)
{
	struct ub_intervals *iv = fresh_set(4);
	const struct ub_outcome *o;
	uint64_t up, down, dropped;
	int64_t med, p99;
	int split;
	unsigned n;

	(void)state;
	ub_intervals_live(iv, 1, &split, &up, &down, &med, &p99);
	assert_int_equal(med, -1);
	assert_int_equal(p99, -1);
	play(iv, "oouoo" "o", 0);
	o = ub_intervals_fresh(iv, &n, &dropped);
	/* room for four: the first four in probe order, two left out and counted */
	assert_int_equal(n, 4);
	assert_int_equal(dropped, 2);
	assert_int_equal(o[0].seq, 0);
	assert_int_equal(o[2].seq, 2);
	assert_int_equal(o[2].rtt_ns, -1);
	assert_int_equal(o[3].tx_ns, 30);
	assert_int_equal(o[3].rtt_ns, 1003);
	o = ub_intervals_fresh(iv, &n, &dropped);
	assert_int_equal(n, 0);
	assert_int_equal(dropped, 0);
	ub_intervals_live(iv, 1, &split, &up, &down, &med, &p99);
	assert_int_equal(split, 1);
	assert_int_equal(up, 1);
	assert_int_equal(down, 0);
	assert_in_range(med, 1001, 1004);
	assert_in_range(p99, 1004, 1005);
	ub_intervals_free(iv);
}

/* The live split, summed once per final record, equals the records' own sums. */
static void test_live_split_equals_the_records(void **state)
{
	struct ub_intervals *iv = fresh_set(0);
	const struct ub_interval *all;
	uint64_t up, down, want_up = 0, want_down = 0;
	int64_t med, p99;
	size_t n, i;
	int split;

	(void)state;
	/* six records, a run open at the end */
	play(iv, "oouoodoooo" "oddoooooou" "oooooooooo" "uuoooddooo" "oooooooooo" "ooodd", 0);
	ub_intervals_live(iv, 1, &split, &up, &down, &med, &p99);
	all = ub_intervals_records(iv, &n);
	assert_int_equal(n, 6);
	for (i = 0; i + 1 < n; i++) {
		want_up += all[i].lost_up;
		want_down += all[i].lost_down;
	}
	assert_int_equal(split, 1);
	assert_int_equal(up, want_up);
	assert_int_equal(down, want_down);
	assert_int_equal(up, 4);
	assert_int_equal(down, 5);
	/* not known to count: nothing split, whatever was summed */
	ub_intervals_live(iv, 0, &split, &up, &down, &med, &p99);
	assert_int_equal(split, 0);
	assert_int_equal(up + down, 0);
	ub_intervals_free(iv);
}

static void test_probes_outside_the_window_are_ignored(void **state)
{
	struct ub_intervals *iv = fresh_set(0);
	const struct ub_interval *all;
	size_t n;

	(void)state;
	ub_intervals_sent(iv, 0, 0);
	/* 64 ahead of the oldest undecided: no room, not taken, nothing breaks */
	ub_intervals_sent(iv, 64, 640);
	ub_intervals_ok(iv, 64, 1, 0, 0);
	ub_intervals_ok(iv, 0, 1, 0, 0);
	/* a second decision for the same probe changes nothing */
	ub_intervals_lost(iv, 0);
	ub_intervals_end(iv, 0);
	all = ub_intervals_records(iv, &n);
	assert_int_equal(n, 1);
	assert_int_equal(all[0].sent, 1);
	assert_int_equal(all[0].received, 1);
	ub_intervals_free(iv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_in_order_and_complete_once_their_span_ends),
		cmocka_unit_test(test_split_from_the_counter),
		cmocka_unit_test(test_open_run_holds_the_split_back),
		cmocka_unit_test(test_run_across_records_shares_in_proportion),
		cmocka_unit_test(test_leading_and_trailing_runs),
		cmocka_unit_test(test_counter_wraps_and_restarts),
		cmocka_unit_test(test_no_split_unless_counted),
		cmocka_unit_test(test_empty_spans_are_records_too),
		cmocka_unit_test(test_percentiles_match_a_sort),
		cmocka_unit_test(test_records_merge_at_the_cap),
		cmocka_unit_test(test_records_untaken_grow_past_the_cap),
		cmocka_unit_test(test_live_figures_and_fresh_outcomes),
		cmocka_unit_test(test_live_split_equals_the_records),
		cmocka_unit_test(test_probes_outside_the_window_are_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
