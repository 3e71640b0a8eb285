/*
 * Unit tests for bench/statcalc.c: RFC 4737 and RFC 3357 figures on
 * hand-made streams whose answers are worked out in the comments, and the
 * in-place sort and nearest-rank distribution against qsort.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/hist.h"
#include "metrics/statcalc.h"

static void feed_all(struct ub_statcalc_reorder *t, const uint32_t *v, size_t n, int *verdicts)
{
	size_t i;

	for (i = 0; i < n; i++)
		verdicts[i] = ub_statcalc_reorder_feed(t, v[i]);
}

/*
 * RFC 4737 §4.2: 1 2 4 5 3 — 3 arrives at position 4 and the earliest
 * larger number (4) at position 2: extent 2. 1 2 5 6 7 3 — 3 comes after
 * three larger numbers in a row: n-reordered for n = 3, extent 5 - 2 = 3.
 */
static void test_reorder_extent(void **state)
{
	const uint32_t a[] = { 1, 2, 4, 5, 3 };
	const uint32_t b[] = { 1, 2, 5, 6, 7, 3 };
	struct ub_statcalc_rec rec[8];
	struct ub_statcalc_reorder t;
	struct ub_summary out;
	int v[8];

	(void)state;
	memset(&t, 0, sizeof(t));
	t.rec = rec;
	t.rcap = 8;
	feed_all(&t, a, 5, v);
	assert_int_equal(v[3], 0);
	assert_int_equal(v[4], 1);
	memset(&out, 0, sizeof(out));
	ub_statcalc_reorder_out(&t, &out);
	assert_int_equal(out.reordered, 1);
	assert_int_equal(out.reorder_extent_max, 2);
	assert_int_equal(out.n_reordered_3, 0);

	memset(&t, 0, sizeof(t));
	t.rec = rec;
	t.rcap = 8;
	feed_all(&t, b, 6, v);
	assert_int_equal(v[5], 1);
	ub_statcalc_reorder_out(&t, &out);
	assert_int_equal(out.reordered, 1);
	assert_int_equal(out.reorder_extent_max, 3);
	assert_int_equal(out.n_reordered_3, 1);
}

/*
 * The ring of records only bounds how far back an extent reaches: with two
 * records and arrivals within two numbers of the highest, every figure is
 * the one a full table gives.
 */
static void test_reorder_small_ring(void **state)
{
	const uint32_t s[] = { 0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9 };
	struct ub_statcalc_rec big[16], small[2];
	struct ub_statcalc_reorder tb, ts;
	int vb[16], vs[16];
	size_t i;

	(void)state;
	memset(&tb, 0, sizeof(tb));
	memset(&ts, 0, sizeof(ts));
	tb.rec = big;
	tb.rcap = 16;
	ts.rec = small;
	ts.rcap = 2;
	feed_all(&tb, s, 11, vb);
	feed_all(&ts, s, 11, vs);
	for (i = 0; i < 11; i++)
		assert_int_equal(vs[i], vb[i]);
	assert_int_equal(ts.reordered, 5);
	assert_int_equal(ts.reordered, tb.reordered);
	assert_int_equal(ts.extent_max, 1);
	assert_int_equal(ts.extent_max, tb.extent_max);
}

/* NextExp only: 1 3 2 4 0 4 — 2 and 0 are late, and so is a repeated 4. */
static void test_order_count(void **state)
{
	const int64_t s[] = { 1, 3, 2, 4, 0, 4 };
	struct ub_statcalc_order o;
	size_t i;

	(void)state;
	memset(&o, 0, sizeof(o));
	for (i = 0; i < 6; i++)
		ub_statcalc_order_feed(&o, s[i]);
	assert_int_equal(o.reordered, 3);
	assert_int_equal(o.max, 4);
	/* a negative first value is in order too */
	memset(&o, 0, sizeof(o));
	ub_statcalc_order_feed(&o, -5);
	ub_statcalc_order_feed(&o, -6);
	assert_int_equal(o.reordered, 1);
}

/* RFC 3357: L L ok L ok ok L L L (end) has periods of 2, 1 and 3. */
static void test_bursts(void **state)
{
	const int fate[] = { 1, 1, 0, 1, 0, 0, 1, 1, 1 };
	struct ub_statcalc_bursts b;
	struct ub_summary out;
	size_t i;

	(void)state;
	memset(&b, 0, sizeof(b));
	memset(&out, 0, sizeof(out));
	for (i = 0; i < 9; i++)
		ub_statcalc_burst_step(&b, fate[i]);
	ub_statcalc_bursts_out(&b, &out);
	assert_int_equal(out.burst_count, 3);
	assert_int_equal(out.burst_max_len, 3);
	assert_true(out.burst_mean_len == 2.0);

	/* nothing lost: no period, mean stays 0 */
	memset(&b, 0, sizeof(b));
	memset(&out, 0, sizeof(out));
	ub_statcalc_burst_step(&b, 0);
	ub_statcalc_bursts_out(&b, &out);
	assert_int_equal(out.burst_count, 0);
	assert_true(out.burst_mean_len == 0.0);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Fills a[0..n) in one of six shapes: rising, falling, three values,
 * up then down, alternating low and high, and xorshift noise from *x.
 */
static void fill_shape(int64_t *a, size_t n, int shape, uint64_t *x)
{
	size_t i;

	for (i = 0; i < n; i++) {
		*x ^= *x << 13;
		*x ^= *x >> 7;
		*x ^= *x << 17;
		switch (shape) {
		case 0: a[i] = (int64_t)i; break;
		case 1: a[i] = (int64_t)(n - i); break;
		case 2: a[i] = (int64_t)(*x % 3) - 1; break;
		case 3: a[i] = (int64_t)(i < n / 2 ? i : n - i); break;
		case 4: a[i] = (int64_t)(i % 2 ? i : n + i); break;
		default: a[i] = (int64_t)*x; break;
		}
	}
}

/* Shapes that break naive quicksorts: sorted, reversed, few values, organ pipe, random. */
static void test_sort_matches_qsort(void **state)
{
	const size_t sizes[] = { 0, 1, 2, 3, 16, 17, 100, 1000, 5000 };
	uint64_t x = 0x2545f4914f6cdd1dULL;
	int64_t *a = malloc(5000 * sizeof(*a)), *b = malloc(5000 * sizeof(*b));
	size_t si, n;
	int shape;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		n = sizes[si];
		for (shape = 0; shape < 6; shape++) {
			fill_shape(a, n, shape, &x);
			memcpy(b, a, n * sizeof(*a));
			ub_statcalc_sort(a, n);
			if (n)
				qsort(b, n, sizeof(*b), cmp_i64);
			assert_memory_equal(a, b, n * sizeof(*a));
		}
	}
	free(a);
	free(b);
}

/*
 * Selection gives what sorting puts at each rank tried, on the shapes of
 * the sort test and an alternating one, and leaves the same values.
 */
static void test_select_matches_sort(void **state)
{
	const size_t sizes[] = { 1, 2, 3, 16, 17, 100, 1000, 5000 };
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int64_t *a = malloc(5000 * sizeof(*a)), *b = malloc(5000 * sizeof(*b));
	int64_t *c = malloc(5000 * sizeof(*c));
	size_t si, n, k, ranks[5];
	int shape, r;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		n = sizes[si];
		ranks[0] = 0;
		ranks[1] = n - 1;
		ranks[2] = (n + 1) / 2 - 1;
		ranks[3] = n / 3;
		ranks[4] = n * 99 / 100;
		for (shape = 0; shape < 6; shape++) {
			fill_shape(a, n, shape, &x);
			memcpy(b, a, n * sizeof(*a));
			ub_statcalc_sort(b, n);
			for (r = 0; r < 5; r++) {
				k = ranks[r];
				memcpy(c, a, n * sizeof(*a));
				assert_int_equal(ub_statcalc_select(c, n, k), b[k]);
				/* only reordered: the same values */
				ub_statcalc_sort(c, n);
				assert_memory_equal(c, b, n * sizeof(*b));
			}
		}
	}
	free(a);
	free(b);
	free(c);
}

/*
 * 1..1000 shuffled: nearest rank gives the k-th value for p = k / 1000;
 * mean 500.5 rounds away from zero; population stddev sqrt((n^2 - 1) / 12)
 * = 288.67.
 */
static void test_dist_exact(void **state)
{
	int64_t v[1000], t;
	struct ub_dist d;
	size_t i, j;

	(void)state;
	for (i = 0; i < 1000; i++)
		v[i] = (int64_t)i + 1;
	for (i = 999; i > 0; i--) {
		j = (i * 7919u) % (i + 1);
		t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
	ub_statcalc_dist(&d, v, 1000);
	assert_int_equal(d.n, 1000);
	assert_int_equal(d.min, 1);
	assert_int_equal(d.max, 1000);
	assert_int_equal(d.median, 500);
	assert_int_equal(d.p90, 900);
	assert_int_equal(d.p95, 950);
	assert_int_equal(d.p99, 990);
	assert_int_equal(d.p999, 999);
	assert_int_equal(d.mean, 501);
	assert_int_equal(d.stddev, 289);
	assert_int_equal(d.hist, 0);
	/* sorted in place */
	for (i = 0; i < 1000; i++)
		assert_int_equal(v[i], (int64_t)i + 1);

	ub_statcalc_dist(&d, v, 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(d.max, 0);
}

/* From a histogram: count, min, max exact; percentiles within its error; flagged. */
static void test_dist_hist(void **state)
{
	struct ub_hist_config hc;
	struct ub_hist *h;
	struct ub_dist d;
	int64_t i;

	(void)state;
	ub_statcalc_dist_hist(&d, NULL);
	assert_int_equal(d.n, 0);
	assert_int_equal(d.hist, 1);

	ub_hist_config_init(&hc);
	h = ub_hist_new(&hc);
	assert_non_null(h);
	for (i = 1; i <= 100000; i++)
		assert_int_equal(ub_hist_record(h, i * 1000), 0);
	ub_statcalc_dist_hist(&d, h);
	assert_int_equal(d.n, 100000);
	assert_int_equal(d.min, 1000);
	assert_int_equal(d.max, 100000000);
	assert_int_equal(d.hist, 1);
	assert_true(llabs(d.median - 50000000) <= 50000000 * UB_STATS_HIST_REL_ERR + 1);
	assert_true(llabs(d.p99 - 99000000) <= 99000000 * UB_STATS_HIST_REL_ERR + 1);
	ub_hist_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reorder_extent),
		cmocka_unit_test(test_reorder_small_ring),
		cmocka_unit_test(test_order_count),
		cmocka_unit_test(test_bursts),
		cmocka_unit_test(test_sort_matches_qsort),
		cmocka_unit_test(test_select_matches_sort),
		cmocka_unit_test(test_dist_exact),
		cmocka_unit_test(test_dist_hist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
