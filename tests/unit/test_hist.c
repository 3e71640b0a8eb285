/*
 * Unit tests for bench/hist.c: every percentile the histogram answers is
 * held against the exact nearest-rank value of the same samples, sorted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "lib/err.h"
#include "lib/hist.h"

#define US 1000LL
#define MS 1000000LL
#define SEC 1000000000LL
#define NSAMP 200000

struct fixture {
	int64_t *v;   /* samples as recorded */
	int64_t *srt; /* the same, sorted */
	uint64_t rng;
};

static int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->v = malloc(NSAMP * sizeof(*fx->v));
	fx->srt = malloc(NSAMP * sizeof(*fx->srt));
	if (!fx->v || !fx->srt)
		return -1;
	*state = fx;
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *fx = *state;

	free(fx->v);
	free(fx->srt);
	free(fx);
	return 0;
}

/* splitmix64: a fixed seed per test keeps every run the same */
static uint64_t next_u64(struct fixture *fx)
{
	uint64_t z = (fx->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static double unit(struct fixture *fx)
{
	return (double)(next_u64(fx) >> 11) * 0x1.0p-53;
}

static int64_t uniform(struct fixture *fx, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(next_u64(fx) % (uint64_t)(hi - lo + 1));
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The exact nearest rank on sorted v, as stats.c computes it. */
static int64_t exact_rank(const int64_t *v, size_t n, uint32_t per10k)
{
	uint64_t rank = ((uint64_t)n * per10k + 9999) / 10000;

	return v[(rank ? rank : 1) - 1];
}

static int close_enough(int64_t got, int64_t want, double rel)
{
	long double d = fabsl((long double)got - (long double)want);

	return d <= 1.0L || d <= (long double)rel * fabsl((long double)want);
}

/*
 * Records fx->v[0..n) into a fresh histogram and checks count, min, max,
 * mean and stddev against the exact figures, and percentiles 0 .. 100 % in
 * steps of 0.07 % plus the ones a summary reports against rel.
 */
static void check_samples(struct fixture *fx, size_t n, unsigned sub_bits, double rel)
{
	static const uint32_t named[] = { 0,    1,    10,   100,  5000, 9000,
					  9500, 9900, 9990, 9999, 10000 };
	struct ub_hist_config c;
	struct ub_hist *h;
	long double sum = 0, mean, ss = 0;
	int64_t got, want, pct[5];
	static const uint32_t five[] = { 5000, 9000, 9500, 9900, 9990 };
	uint32_t p;
	size_t i;

	ub_hist_config_init(&c);
	c.sub_bits = sub_bits;
	h = ub_hist_new(&c);
	assert_non_null(h);
	for (i = 0; i < n; i++)
		assert_int_equal(ub_hist_record(h, fx->v[i]), 0);
	memcpy(fx->srt, fx->v, n * sizeof(*fx->v));
	qsort(fx->srt, n, sizeof(*fx->srt), cmp_i64);

	assert_int_equal(ub_hist_count(h), n);
	assert_int_equal(ub_hist_min(h), fx->srt[0]);
	assert_int_equal(ub_hist_max(h), fx->srt[n - 1]);
	for (i = 0; i < n; i++)
		sum += (long double)fx->v[i];
	mean = sum / (long double)n;
	for (i = 0; i < n; i++)
		ss += ((long double)fx->v[i] - mean) * ((long double)fx->v[i] - mean);
	assert_true(llabs(ub_hist_mean(h) - llroundl(mean)) <= 1);
	assert_true(llabs(ub_hist_stddev(h) - llroundl(sqrtl(ss / (long double)n))) <= 1);

	for (p = 0; p <= 10000; p += 7) {
		got = ub_hist_percentile(h, p);
		want = exact_rank(fx->srt, n, p);
		if (!close_enough(got, want, rel))
			fail_msg("p%u/10000: histogram %lld, exact %lld", (unsigned)p,
				 (long long)got, (long long)want);
	}
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		got = ub_hist_percentile(h, named[i]);
		want = exact_rank(fx->srt, n, named[i]);
		if (!close_enough(got, want, rel))
			fail_msg("p%u/10000: histogram %lld, exact %lld", (unsigned)named[i],
				 (long long)got, (long long)want);
	}
	/* one pass over several ranks answers what single calls answer */
	ub_hist_percentiles(h, five, 5, pct);
	for (i = 0; i < 5; i++)
		assert_int_equal(pct[i], ub_hist_percentile(h, five[i]));
	ub_hist_free(h);
}

static void test_uniform(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	fx->rng = 1;
	for (i = 0; i < NSAMP; i++)
		fx->v[i] = uniform(fx, 0, 10 * MS);
	check_samples(fx, NSAMP, UB_HIST_SUB_BITS, 0.005);
}

/* Exponential, mean 1 ms: most values small, a long thin tail. */
static void test_exponential(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	fx->rng = 2;
	for (i = 0; i < NSAMP; i++)
		fx->v[i] = (int64_t)(-log(1.0 - unit(fx)) * (double)MS);
	check_samples(fx, NSAMP, UB_HIST_SUB_BITS, 0.005);
}

/* Pareto, alpha 1.2 from 100 us, cut at 10 s: a heavier tail still. */
static void test_pareto(void **state)
{
	struct fixture *fx = *state;
	double x;
	size_t i;

	fx->rng = 3;
	for (i = 0; i < NSAMP; i++) {
		x = 100.0 * (double)US / pow(1.0 - unit(fx), 1.0 / 1.2);
		fx->v[i] = x > 10.0 * (double)SEC ? 10 * SEC : (int64_t)x;
	}
	check_samples(fx, NSAMP, UB_HIST_SUB_BITS, 0.005);
}

static void test_constant(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	for (i = 0; i < NSAMP; i++)
		fx->v[i] = 1234567;
	check_samples(fx, NSAMP, UB_HIST_SUB_BITS, 0.0);
}

/* Values near 0, a few negative: each has a bucket of its own, so exact. */
static void test_near_zero(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	fx->rng = 4;
	for (i = 0; i < NSAMP; i++)
		fx->v[i] = uniform(fx, -3, 300);
	check_samples(fx, NSAMP, UB_HIST_SUB_BITS, 0.0);
}

/* IPDV-like: symmetric around 0, a normal shape from twelve uniforms. */
static void test_negative(void **state)
{
	struct fixture *fx = *state;
	double x;
	size_t i;
	int j;

	fx->rng = 5;
	for (i = 0; i < NSAMP; i++) {
		for (x = -6.0, j = 0; j < 12; j++)
			x += unit(fx);
		fx->v[i] = (int64_t)(x * 50.0 * (double)US);
	}
	check_samples(fx, NSAMP, UB_HIST_SUB_BITS, 0.005);
}

/* All below zero, down to -10 s. */
static void test_all_negative(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	fx->rng = 6;
	for (i = 0; i < NSAMP; i++)
		fx->v[i] = -uniform(fx, 1, 10 * SEC);
	check_samples(fx, NSAMP, UB_HIST_SUB_BITS, 0.005);
}

static void test_huge(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	fx->rng = 7;
	for (i = 0; i < NSAMP; i++)
		fx->v[i] = uniform(fx, 9 * SEC, 10 * SEC);
	check_samples(fx, NSAMP, UB_HIST_SUB_BITS, 0.005);
}

/* Both signs, magnitudes log-uniform from 1 ns to 10 s: every level in use. */
static void test_log_uniform_both_signs(void **state)
{
	struct fixture *fx = *state;
	int64_t m;
	size_t i;

	fx->rng = 8;
	for (i = 0; i < NSAMP; i++) {
		m = (int64_t)exp(unit(fx) * log(10.0 * (double)SEC));
		fx->v[i] = (next_u64(fx) & 1) ? m : -m;
	}
	check_samples(fx, NSAMP, UB_HIST_SUB_BITS, 0.005);
}

/* Fewer sub-buckets: the error bound 2^-(bits + 1) still holds. */
static void test_coarse(void **state)
{
	struct fixture *fx = *state;
	struct ub_hist_config c;
	struct ub_hist *h;
	size_t i;

	fx->rng = 9;
	for (i = 0; i < NSAMP; i++)
		fx->v[i] = (int64_t)(-log(1.0 - unit(fx)) * (double)MS) - 200 * US;
	check_samples(fx, NSAMP, 4, 1.0 / 32.0);
	ub_hist_config_init(&c);
	c.sub_bits = 4;
	h = ub_hist_new(&c);
	assert_true(ub_hist_rel_err(h) == 1.0 / 32.0);
	ub_hist_free(h);
}

/* The nearest-rank rule on a handful of values, all in exact buckets. */
static void test_small_exact(void **state)
{
	struct ub_hist *h = ub_hist_new(NULL);

	(void)state;
	assert_non_null(h);
	assert_int_equal(ub_hist_record(h, 30), 0);
	assert_int_equal(ub_hist_record(h, 10), 0);
	assert_int_equal(ub_hist_record(h, 20), 0);
	assert_int_equal(ub_hist_percentile(h, 5000), 20);
	assert_int_equal(ub_hist_percentile(h, 9000), 30);
	assert_int_equal(ub_hist_percentile(h, 3333), 10);
	assert_int_equal(ub_hist_percentile(h, 3334), 20);
	assert_int_equal(ub_hist_percentile(h, 0), 10);
	assert_int_equal(ub_hist_mean(h), 20);
	assert_int_equal(ub_hist_stddev(h), 8);
	assert_true(ub_hist_rel_err(h) < 0.002);
	ub_hist_free(h);
}

static void test_empty(void **state)
{
	struct ub_hist *h = ub_hist_new(NULL);
	static const uint32_t p[] = { 5000, 9900 };
	int64_t out[2] = { 7, 7 };

	(void)state;
	assert_non_null(h);
	assert_int_equal(ub_hist_count(h), 0);
	assert_int_equal(ub_hist_min(h), 0);
	assert_int_equal(ub_hist_max(h), 0);
	assert_int_equal(ub_hist_mean(h), 0);
	assert_int_equal(ub_hist_stddev(h), 0);
	assert_int_equal(ub_hist_percentile(h, 5000), 0);
	ub_hist_percentiles(h, p, 2, out);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 0);
	assert_int_equal(ub_hist_record(NULL, 1), UB_E_INVAL);
	ub_hist_free(h);
	ub_hist_free(NULL);
}

/* The ends of int64: counted without overflow, min and max exact. */
static void test_extremes(void **state)
{
	struct ub_hist *h = ub_hist_new(NULL);

	(void)state;
	assert_int_equal(ub_hist_record(h, INT64_MIN), 0);
	assert_int_equal(ub_hist_record(h, INT64_MAX), 0);
	assert_int_equal(ub_hist_record(h, 0), 0);
	assert_int_equal(ub_hist_min(h), INT64_MIN);
	assert_int_equal(ub_hist_max(h), INT64_MAX);
	assert_int_equal(ub_hist_percentile(h, 0), INT64_MIN);
	assert_int_equal(ub_hist_percentile(h, 5000), 0);
	assert_int_equal(ub_hist_percentile(h, 10000), INT64_MAX);
	assert_true(llabs(ub_hist_mean(h)) <= 1);
	ub_hist_free(h);
}

/* Past max_abs a value lands in the outermost bucket; answers stay within [min, max]. */
static void test_max_abs(void **state)
{
	struct ub_hist_config c;
	struct ub_hist *h;
	int i;

	(void)state;
	ub_hist_config_init(&c);
	c.max_abs = 1000;
	h = ub_hist_new(&c);
	assert_non_null(h);
	for (i = 0; i < 10; i++)
		assert_int_equal(ub_hist_record(h, 100), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(ub_hist_record(h, 5000 + i), 0);
	assert_int_equal(ub_hist_max(h), 5009);
	assert_int_equal(ub_hist_percentile(h, 4000), 100);
	assert_true(ub_hist_percentile(h, 9000) >= 100 && ub_hist_percentile(h, 9000) <= 5009);
	assert_int_equal(ub_hist_percentile(h, 10000), 5009);
	/* (10 * 100 + 50045) / 20 = 2552.25 */
	assert_int_equal(ub_hist_mean(h), 2552);
	ub_hist_free(h);
}

/* Preallocated: memory fixed at creation. Lazy: one power of two at a time, up to the same. */
static void test_memory(void **state)
{
	struct ub_hist_config c;
	struct ub_hist *full, *lazy;
	size_t m0, m1;
	int64_t v;

	(void)state;
	ub_hist_config_init(&c);
	c.prealloc = 1;
	full = ub_hist_new(&c);
	assert_non_null(full);
	m0 = ub_hist_mem(full);
	/* 2 halves x 56 levels (up to 2^63) x 256 counters x 4 bytes, plus the struct */
	assert_true(m0 >= 2 * 56 * 256 * 4 && m0 < 2 * 56 * 256 * 4 + 4096);
	for (v = -10 * SEC; v <= 10 * SEC; v += 12345678)
		assert_int_equal(ub_hist_record(full, v), 0);
	assert_int_equal(ub_hist_mem(full), m0);

	c.prealloc = 0;
	lazy = ub_hist_new(&c);
	m1 = ub_hist_mem(lazy);
	assert_true(m1 < 4096);
	assert_int_equal(ub_hist_record(lazy, 1 * MS), 0);
	assert_int_equal(ub_hist_mem(lazy), m1 + 1024);
	assert_int_equal(ub_hist_record(lazy, 1 * MS + 7), 0);
	assert_int_equal(ub_hist_mem(lazy), m1 + 1024);
	for (v = -10 * SEC; v <= 10 * SEC; v += 12345678)
		assert_int_equal(ub_hist_record(lazy, v), 0);
	assert_true(ub_hist_mem(lazy) <= m0);

	/* reset forgets the values, keeps the memory */
	m1 = ub_hist_mem(lazy);
	ub_hist_reset(lazy);
	assert_int_equal(ub_hist_count(lazy), 0);
	assert_int_equal(ub_hist_percentile(lazy, 5000), 0);
	assert_int_equal(ub_hist_mem(lazy), m1);
	assert_int_equal(ub_hist_record(lazy, 42), 0);
	assert_int_equal(ub_hist_percentile(lazy, 5000), 42);
	ub_hist_free(full);
	ub_hist_free(lazy);
}

static void test_bad_config(void **state)
{
	struct ub_hist_config c;

	(void)state;
	ub_hist_config_init(&c);
	c.sub_bits = UB_HIST_SUB_BITS_MIN - 1;
	assert_null(ub_hist_new(&c));
	c.sub_bits = UB_HIST_SUB_BITS_MAX + 1;
	assert_null(ub_hist_new(&c));
	ub_hist_config_init(&c);
	c.max_abs = -1;
	assert_null(ub_hist_new(&c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_exponential),
		cmocka_unit_test(test_pareto),
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_near_zero),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_all_negative),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_log_uniform_both_signs),
		cmocka_unit_test(test_coarse),
		cmocka_unit_test(test_small_exact),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_max_abs),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_bad_config),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
