/*
 * Unit tests for reports/overview.c that reach its static helpers: the time
 * axis and bins of chart 2 for any replies (box labels are wrapped by
 * ub_words_wrap, tested in test_words.c). The chart data itself is tested
 * through ub_report_run() in test_report.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* the module itself, for its static functions */
#include "reports/overview.c"

/* The bin of chart 2's histogram value v (ms) falls in, as ub_chart_cdf places it. */
static size_t bin_of(const struct cdf_axis *a, double v)
{
	double b = a->logx ? floor(10 * log10(v / a->lo)) : floor((v - a->lo) / a->step);

	return b < 0 ? 0 : b >= (double)a->nb ? a->nb - 1 : (size_t)b;
}

/* Results as they come: the axis is what it always was, from 0, 41 bins of 1 ms. */
static void test_cdf_axis_ordinary(void **state)
{
	struct cdf_axis a;

	(void)state;
	cdf_axis(10, 17, 40, 40, &a);
	assert_int_equal(a.logx, 0);
	assert_float_equal(a.lo, 0, 0);
	assert_float_equal(a.step, 1, 1e-12);
	assert_float_equal(a.hi, 41, 1e-9);
	assert_int_equal(a.nb, 41);
	/* a µs loopback beside a 200 ms wait: ten bins a decade */
	cdf_axis(0.012, 0.02, 210, 230, &a);
	assert_int_equal(a.logx, 1);
	assert_float_equal(a.lo, 0.01, 1e-12);
	assert_float_equal(a.hi, 1000, 1e-9);
	assert_int_equal(a.nb, 50);
}

/*
 * Whatever the replies (all equal, one, negative, the largest a CSV can
 * hold), the axis is not empty, the bins are few and every reply lands in
 * one of them.
 */
static void test_cdf_axis_degenerate(void **state)
{
	static const double cases[][4] = {
		/* low, smallest median, largest p99, top (ms) */
		{ 0, 0, 0, 0 },
		{ 1e-6, 1e-6, 1e-6, 1e-6 },
		{ 5, 5, 5, 5 },
		{ 3, 3, 3, 3 },
		{ -5, -5, -5, -5 },
		{ -5, 1, 2, 2 },
		{ -9223372036854.775808, -9223372036854.775808, -9223372036854.775808,
		  -9223372036854.775808 },
		{ 9223372036854.775807, 9223372036854.775807, 9223372036854.775807,
		  9223372036854.775807 },
		{ 1e-6, 1e-6, 9223372036854.775807, 9223372036854.775807 },
		{ -9223372036854.775808, 0, 0, 9223372036854.775807 },
		{ 0, 0, 0, 9223372036854.775807 },
	};
	struct cdf_axis a;
	size_t i, b;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const double *c = cases[i];

		cdf_axis(c[0], c[1], c[2], c[3], &a);
		if (!(a.lo < a.hi) || a.nb < 1 || a.nb > 1000 || !isfinite(a.lo) || !isfinite(a.hi))
			fail_msg("case %zu: axis %g..%g, %zu bins", i, a.lo, a.hi, a.nb);
		assert_true(a.lo <= c[0]);
		assert_true(a.logx || a.step > 0);
		b = bin_of(&a, c[0]);
		assert_true(b < a.nb);
		if (c[3] <= a.hi)
			assert_true(bin_of(&a, c[3]) < a.nb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdf_axis_ordinary),
		cmocka_unit_test(test_cdf_axis_degenerate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
