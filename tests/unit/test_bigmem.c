/*
 * Unit tests for bench/lib/bigmem.c: blocks keep their bytes through every
 * resize, small to large and back, added bytes are zero when asked, and
 * the mapped bytes are counted and given back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/bigmem.h"

/* Byte i of a block filled by fill(). */
static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 131 + (i >> 12));
}

static void fill(uint8_t *p, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		p[i] = pattern(i);
}

static void assert_pattern(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != pattern(i))
			fail_msg("byte %zu of %zu changed", i, n);
}

static void assert_zero(const uint8_t *p, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (p[i])
			fail_msg("byte %zu not zero", i);
}

/* 1 KB doubling to 32 MB, across UB_BIG_MIN: the bytes written so far stay, the new ones are zero. */
static void test_grow_keeps_bytes(void **state)
{
	size_t n = 1024, m, base = ub_big_mapped();
	uint8_t *p;

	(void)state;
	p = ub_big_alloc(n);
	assert_non_null(p);
	assert_zero(p, 0, n);
	fill(p, 0, n);
	for (m = 2 * n; m <= (32u << 20); n = m, m *= 2) {
		p = ub_big_realloc(p, n, m, 1);
		assert_non_null(p);
		assert_pattern(p, n);
		assert_zero(p, n, m);
		fill(p, n, m);
		if (m >= UB_BIG_MIN)
			assert_true(ub_big_mapped() - base >= m);
	}
	/* and back below UB_BIG_MIN */
	p = ub_big_realloc(p, n, 4096, 0);
	assert_non_null(p);
	assert_pattern(p, 4096);
	assert_int_equal(ub_big_mapped(), base);
	ub_big_free(p, 4096);
	ub_big_free(NULL, 0);
}

/* A large block freed gives back what was counted; so do blocks of odd sizes. */
static void test_mapped_given_back(void **state)
{
	size_t base = ub_big_mapped(), n = UB_BIG_MIN + 12345;
	uint8_t *p = ub_big_alloc(n), *q = ub_big_alloc(3 * UB_BIG_MIN);

	(void)state;
	assert_non_null(p);
	assert_non_null(q);
	assert_zero(p, 0, n);
	assert_true(ub_big_mapped() - base >= n + 3 * UB_BIG_MIN);
	fill(p, 0, n);
	p = ub_big_realloc(p, n, 2 * n + 1, 0);
	assert_non_null(p);
	assert_pattern(p, n);
	ub_big_free(q, 3 * UB_BIG_MIN);
	ub_big_free(p, 2 * n + 1);
	assert_int_equal(ub_big_mapped(), base);
}

/* Shrunk into the middle of a page and grown again: what the larger block had there is gone. */
static void test_regrown_tail_is_zero(void **state)
{
	size_t big = 3 * UB_BIG_MIN, mid = UB_BIG_MIN + 100;
	uint8_t *p = ub_big_alloc(big);

	(void)state;
	assert_non_null(p);
	fill(p, 0, big);
	p = ub_big_realloc(p, big, mid, 0);
	assert_non_null(p);
	assert_pattern(p, mid);
	p = ub_big_realloc(p, mid, 2 * UB_BIG_MIN, 1);
	assert_non_null(p);
	assert_pattern(p, mid);
	assert_zero(p, mid, 2 * UB_BIG_MIN);
	ub_big_free(p, 2 * UB_BIG_MIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_keeps_bytes),
		cmocka_unit_test(test_mapped_given_back),
		cmocka_unit_test(test_regrown_tail_is_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
