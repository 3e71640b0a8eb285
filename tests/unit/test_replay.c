/*
 * Unit tests for bench/replay.c: the per-session sequence rules (runs,
 * restarts told by T1, reordering, the authenticated-mode window) checked
 * against a brute-force model, sequence numbers wrapping, and the cache of
 * HMAC tags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reflect/replay.h"

#define S (1ULL << 32) /* one second of NTP time */

static void test_window_answers_each_number_once(void **state)
{
	struct ub_replay_seq s;
	struct ub_replay_win w;
	uint32_t i;

	(void)state;
	ub_replay_start(&s, &w, 100, 1000 * S);
	assert_int_equal(ub_replay_check(&s, &w, 100, 1000 * S), UB_REPLAY_REPLAYED);
	/* Forward with gaps, then the gaps filled late, each once. */
	for (i = 102; i < 400; i += 2)
		assert_int_equal(ub_replay_check(&s, &w, i, 1000 * S + i), UB_REPLAY_ACCEPT);
	for (i = 101; i < 400; i += 2)
		assert_int_equal(ub_replay_check(&s, &w, i, 1000 * S + i), UB_REPLAY_ACCEPT);
	for (i = 100; i < 400; i++)
		assert_int_equal(ub_replay_check(&s, &w, i, 1000 * S + i), UB_REPLAY_REPLAYED);
	/* A jump far ahead forgets the window: everything before it is too old. */
	assert_int_equal(ub_replay_check(&s, &w, 5000, 1000 * S + 5000), UB_REPLAY_ACCEPT);
	assert_int_equal(ub_replay_check(&s, &w, 398, 1000 * S + 398), UB_REPLAY_REPLAYED);
	assert_int_equal(ub_replay_check(&s, &w, 5000 - (UB_REPLAY_WINDOW - 65), 1000 * S + 4000),
			 UB_REPLAY_ACCEPT);
	assert_int_equal(ub_replay_check(&s, &w, 5000 - (UB_REPLAY_WINDOW - 64), 1000 * S + 4000),
			 UB_REPLAY_REPLAYED);
}

static void test_window_across_the_wrap(void **state)
{
	struct ub_replay_seq s;
	struct ub_replay_win w;
	uint32_t i, seq;

	(void)state;
	ub_replay_start(&s, &w, 0xfffffe00u, 7 * S);
	for (i = 1; i < 2000; i++) {
		seq = 0xfffffe00u + i;
		assert_int_equal(ub_replay_check(&s, &w, seq, 7 * S + i), UB_REPLAY_ACCEPT);
		assert_int_equal(ub_replay_check(&s, &w, seq, 7 * S + i), UB_REPLAY_REPLAYED);
		if (i > 10)
			assert_int_equal(ub_replay_check(&s, &w, seq - 10, 7 * S + i - 10),
					 UB_REPLAY_REPLAYED);
	}
	assert_int_equal(s.top, 0xfffffe00u + 1999);
}

static void test_restart_needs_a_later_t1(void **state)
{
	struct ub_replay_seq s;
	struct ub_replay_win w;
	struct ub_replay_win *wins[2] = { NULL, &w };
	int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		ub_replay_start(&s, wins[k], 0, 10 * S);
		assert_int_equal(ub_replay_check(&s, wins[k], 1, 11 * S), UB_REPLAY_ACCEPT);
		assert_int_equal(ub_replay_check(&s, wins[k], 2, 12 * S), UB_REPLAY_ACCEPT);
		/* 0 again, sent before 2: a duplicate (keyed: a replay), never a restart. */
		assert_int_equal(ub_replay_check(&s, wins[k], 0, 10 * S),
				 k ? UB_REPLAY_REPLAYED : UB_REPLAY_ACCEPT);
		/* 0 again, sent after 2: the sender started over. */
		assert_int_equal(ub_replay_check(&s, wins[k], 0, 13 * S), UB_REPLAY_RESTART);
		assert_int_equal(s.top, 0);
		/* The earlier run's 2 (sent before the restart): keyed, a replay. */
		assert_int_equal(ub_replay_check(&s, wins[k], 2, 12 * S),
				 k ? UB_REPLAY_REPLAYED : UB_REPLAY_ACCEPT);
		/* The same number with the same T1 twice is no restart either. */
		assert_int_equal(ub_replay_check(&s, wins[k], 3, 14 * S), UB_REPLAY_ACCEPT);
		assert_int_equal(ub_replay_check(&s, wins[k], 3, 14 * S),
				 k ? UB_REPLAY_REPLAYED : UB_REPLAY_ACCEPT);
		/* T1 wraps (NTP era 0 to 1) and still counts as later. */
		ub_replay_start(&s, wins[k], 5, UINT64_MAX - S);
		assert_int_equal(ub_replay_check(&s, wins[k], 0, 2 * S), UB_REPLAY_RESTART);
	}
}

static void test_constant_t1_restarts_only_far_below(void **state)
{
	struct ub_replay_seq s;
	uint32_t i;

	(void)state;
	ub_replay_start(&s, NULL, 0, 0);
	for (i = 1; i < 3000; i++)
		assert_int_equal(ub_replay_check(&s, NULL, i, 0), UB_REPLAY_ACCEPT);
	assert_int_equal(ub_replay_check(&s, NULL, 2999 - UB_REPLAY_WINDOW, 0), UB_REPLAY_ACCEPT);
	assert_int_equal(ub_replay_check(&s, NULL, 2998 - UB_REPLAY_WINDOW, 0), UB_REPLAY_RESTART);
	assert_int_equal(s.top, 2998 - UB_REPLAY_WINDOW);
}

/* Brute force: a set of every number answered in the run; the window must agree wherever it tracks. */
static void test_window_matches_model(void **state)
{
	static uint8_t seen[1 << 16];
	struct ub_replay_seq s;
	struct ub_replay_win w;
	uint32_t top = 0, seq;
	unsigned x = 12345, i;
	enum ub_replay_verdict v;

	(void)state;
	memset(seen, 0, sizeof(seen));
	ub_replay_start(&s, &w, 0, S);
	seen[0] = 1;
	for (i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		/* Mostly a little ahead, sometimes behind (reordering, replays), rarely far. */
		if ((x >> 8) % 10 < 6)
			seq = top + 1 + (x >> 20) % 4;
		else
			seq = top - (x >> 16) % 1200;
		if (seq >= sizeof(seen) || (int32_t)(seq - top) > 60000)
			continue;
		/* T1 follows the number, so nothing here is a restart. */
		v = ub_replay_check(&s, &w, seq, S + seq);
		if ((int32_t)(seq - top) > 0) {
			assert_int_equal(v, UB_REPLAY_ACCEPT);
			top = seq;
		} else if (top - seq >= UB_REPLAY_WINDOW - 64) {
			assert_int_equal(v, UB_REPLAY_REPLAYED);
		} else {
			assert_int_equal(v, seen[seq] ? UB_REPLAY_REPLAYED : UB_REPLAY_ACCEPT);
		}
		if (v == UB_REPLAY_ACCEPT)
			seen[seq] = 1;
		if (top > 60000)
			break;
	}
}

static void tag_of(unsigned n, uint8_t tag[16])
{
	unsigned i, x = n * 2654435761u + 1;

	for (i = 0; i < 16; i++) {
		x = x * 1103515245u + 12345u;
		tag[i] = (uint8_t)(x >> 16);
	}
}

static void test_tags_remembered_until_pushed_out(void **state)
{
	struct ub_replay_tags *c = ub_replay_tags_new(4096, NULL);
	uint8_t tag[16];
	unsigned i, kept = 0;

	(void)state;
	assert_non_null(c);
	tag_of(1, tag);
	assert_int_equal(ub_replay_tags_seen(c, tag), 0);
	ub_replay_tags_add(c, tag);
	assert_int_equal(ub_replay_tags_seen(c, tag), 1);
	tag[15] ^= 1; /* octets past the first 12 neither pick the set nor are kept */
	assert_int_equal(ub_replay_tags_seen(c, tag), 1);
	tag[0] ^= 1;
	assert_int_equal(ub_replay_tags_seen(c, tag), 0);
	/* 2048 more: half the size. Nearly all are still there. */
	for (i = 2; i < 2050; i++) {
		tag_of(i, tag);
		ub_replay_tags_add(c, tag);
	}
	for (i = 2; i < 2050; i++) {
		tag_of(i, tag);
		kept += (unsigned)ub_replay_tags_seen(c, tag);
	}
	assert_true(kept > 1900);
	/* Forty thousand later the first ones are gone: the cache is bounded. */
	for (i = 3000; i < 43000; i++) {
		tag_of(i, tag);
		ub_replay_tags_add(c, tag);
	}
	tag_of(1, tag);
	assert_int_equal(ub_replay_tags_seen(c, tag), 0);
	ub_replay_tags_free(c);
	ub_replay_tags_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_answers_each_number_once),
		cmocka_unit_test(test_window_across_the_wrap),
		cmocka_unit_test(test_restart_needs_a_later_t1),
		cmocka_unit_test(test_constant_t1_restarts_only_far_below),
		cmocka_unit_test(test_window_matches_model),
		cmocka_unit_test(test_tags_remembered_until_pushed_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
