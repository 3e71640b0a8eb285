/*
 * Unit tests for bench/lru.c, the fixed-size hash table kept in order of
 * use that holds the reflector's sessions and rate-capped sources: lookups,
 * order of use, a full table, and a long random run checked against a
 * plain array that does the same by brute force.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/lru.h"

/* A 6-octet key (an IPv4 address and port, as the reflector uses) from n. */
static void key6(uint32_t n, uint8_t k[6])
{
	k[0] = 10;
	k[1] = (uint8_t)(n >> 16);
	k[2] = (uint8_t)(n >> 8);
	k[3] = (uint8_t)n;
	k[4] = 0x27;
	k[5] = 0x10;
}

static void test_rejects_bad_sizes(void **state)
{
	struct ub_err e;

	(void)state;
	ub_err_clear(&e);
	assert_null(ub_lru_new(0, 1, &e));
	assert_int_equal(e.code, UB_E_RANGE);
	assert_null(ub_lru_new(UB_LRU_CAP_MAX + 1, 1, &e));
}

static void test_find_add_remove(void **state)
{
	struct ub_lru *t = ub_lru_new(4, 7, NULL);
	uint8_t a[6], b[6], big[UB_LRU_KEY_MAX + 1];
	int sa, sb;

	(void)state;
	assert_non_null(t);
	key6(1, a);
	key6(2, b);
	assert_int_equal(ub_lru_find(t, a, 6), -1);
	sa = ub_lru_add(t, a, 6);
	sb = ub_lru_add(t, b, 6);
	assert_true(sa >= 0 && sa < 4 && sb >= 0 && sb < 4 && sa != sb);
	assert_int_equal(ub_lru_find(t, a, 6), sa);
	assert_int_equal(ub_lru_find(t, b, 6), sb);
	/* The same octets at another length are another key. */
	assert_int_equal(ub_lru_find(t, a, 5), -1);
	assert_int_equal(ub_lru_count(t), 2);
	ub_lru_remove(t, sa);
	assert_int_equal(ub_lru_find(t, a, 6), -1);
	assert_int_equal(ub_lru_find(t, b, 6), sb);
	assert_int_equal(ub_lru_count(t), 1);
	memset(big, 1, sizeof(big));
	assert_int_equal(ub_lru_add(t, big, sizeof(big)), -1);
	assert_int_equal(ub_lru_find(t, big, sizeof(big)), -1);
	ub_lru_free(t);
}

static void test_order_of_use(void **state)
{
	struct ub_lru *t = ub_lru_new(3, 7, NULL);
	uint8_t k[3][6], d[6];
	int s[3], i;

	(void)state;
	assert_int_equal(ub_lru_oldest(t), -1);
	for (i = 0; i < 3; i++) {
		key6((uint32_t)i, k[i]);
		s[i] = ub_lru_add(t, k[i], 6);
	}
	assert_int_equal(ub_lru_oldest(t), s[0]);
	/* Finding a key makes it the most recent: the next one becomes the oldest. */
	ub_lru_find(t, k[0], 6);
	assert_int_equal(ub_lru_oldest(t), s[1]);
	ub_lru_find(t, k[1], 6);
	assert_int_equal(ub_lru_oldest(t), s[2]);
	/* Full: no room until the oldest goes, then its slot serves the new key. */
	key6(99, d);
	assert_int_equal(ub_lru_add(t, d, 6), -1);
	ub_lru_remove(t, ub_lru_oldest(t));
	assert_int_equal(ub_lru_add(t, d, 6), s[2]);
	assert_int_equal(ub_lru_find(t, k[2], 6), -1);
	assert_int_equal(ub_lru_oldest(t), s[0]);
	ub_lru_free(t);
}

#define MODEL_CAP 200
#define MODEL_KEYS 600
#define MODEL_STEPS 200000

/* The model: last use per key (0: absent), the slot it has. */
struct model {
	uint64_t used[MODEL_KEYS];
	int slot[MODEL_KEYS];
	unsigned count;
};

static int model_oldest_key(const struct model *m)
{
	int k, best = -1;

	for (k = 0; k < MODEL_KEYS; k++)
		if (m->used[k] && (best < 0 || m->used[k] < m->used[best]))
			best = k;
	return best;
}

static void test_random_run_matches_model(void **state)
{
	struct ub_lru *t = ub_lru_new(MODEL_CAP, 12345, NULL);
	struct model *m = calloc(1, sizeof(*m));
	uint64_t clock = 0, x = 88172645463325252ULL;
	uint8_t key[6];
	int step, k, s, o;

	(void)state;
	assert_non_null(t);
	assert_non_null(m);
	for (step = 0; step < MODEL_STEPS; step++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k = (int)(x % MODEL_KEYS);
		key6((uint32_t)k * 2654435761u, key);
		s = ub_lru_find(t, key, 6);
		if (m->used[k]) {
			assert_int_equal(s, m->slot[k]);
			m->used[k] = ++clock;
			if ((x >> 40) % 8 == 0) { /* now and then a key leaves */
				ub_lru_remove(t, s);
				m->used[k] = 0;
				m->count--;
			}
			continue;
		}
		assert_int_equal(s, -1);
		if (m->count == MODEL_CAP) {
			o = model_oldest_key(m);
			assert_int_equal(ub_lru_oldest(t), m->slot[o]);
			ub_lru_remove(t, m->slot[o]);
			m->used[o] = 0;
			m->count--;
		}
		s = ub_lru_add(t, key, 6);
		assert_true(s >= 0 && s < MODEL_CAP);
		m->slot[k] = s;
		m->used[k] = ++clock;
		m->count++;
		assert_int_equal(ub_lru_count(t), m->count);
	}
	free(m);
	ub_lru_free(t);
}

/* Two segments, each in its own order; lookup leaves the order alone. */
static void test_segments(void **state)
{
	struct ub_lru *t = ub_lru_new(8, 3, NULL);
	uint8_t k[6];
	int s[4], i;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < 4; i++) {
		key6((uint32_t)i, k);
		s[i] = ub_lru_add(t, k, 6);
		assert_int_equal(ub_lru_segment(t, s[i]), 0);
	}
	assert_int_equal(ub_lru_oldest_in(t, 0), s[0]);
	ub_lru_move(t, s[0], 1);
	ub_lru_move(t, s[2], 1);
	assert_int_equal(ub_lru_count_in(t, 0), 2);
	assert_int_equal(ub_lru_count_in(t, 1), 2);
	assert_int_equal(ub_lru_count(t), 4);
	assert_int_equal(ub_lru_oldest(t), s[1]);
	assert_int_equal(ub_lru_oldest_in(t, 1), s[0]);
	/* lookup: found, order unchanged; find: made the newest of its own segment. */
	key6(0, k);
	assert_int_equal(ub_lru_lookup(t, k, 6), s[0]);
	assert_int_equal(ub_lru_oldest_in(t, 1), s[0]);
	assert_int_equal(ub_lru_find(t, k, 6), s[0]);
	assert_int_equal(ub_lru_oldest_in(t, 1), s[2]);
	assert_int_equal(ub_lru_segment(t, s[0]), 1);
	/* Back to segment 0, as its newest. */
	ub_lru_move(t, s[2], 0);
	assert_int_equal(ub_lru_oldest_in(t, 1), s[0]);
	assert_int_equal(ub_lru_oldest_in(t, 0), s[1]);
	ub_lru_remove(t, s[1]);
	ub_lru_remove(t, s[3]);
	assert_int_equal(ub_lru_oldest_in(t, 0), s[2]);
	ub_lru_remove(t, s[2]);
	assert_int_equal(ub_lru_oldest_in(t, 0), -1);
	assert_int_equal(ub_lru_count_in(t, 1), 1);
	assert_int_equal(ub_lru_oldest_in(t, 7), -1);
	ub_lru_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejects_bad_sizes),
		cmocka_unit_test(test_find_add_remove),
		cmocka_unit_test(test_order_of_use),
		cmocka_unit_test(test_random_run_matches_model),
		cmocka_unit_test(test_segments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
