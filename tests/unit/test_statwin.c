/*
 * Unit tests for bench/statwin.c, the summary_only window, driven directly:
 * its size rule, which probes it still holds, the ipdv pairs across its
 * edge, and the figures it seals as probes and counters leave it. The same
 * window seen through ub_stats is tested against the exact mode in
 * test_stats.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics/stats.h"
#include "metrics/statwin.h"

#define MS 1000000LL

static size_t size_for(uint32_t window, int64_t timeout_ns, int64_t interval_ns)
{
	struct ub_stats_config c;

	ub_stats_config_init(&c);
	c.window = window;
	c.timeout_ns = timeout_ns;
	c.interval_ns = interval_ns;
	return ub_statwin_size(&c);
}

static void test_size(void **state)
{
	(void)state;
	/* asked for: at least 8, rounded up to a power of two, at most 2^20 */
	assert_int_equal(size_for(3, 1000 * MS, 10 * MS), 8);
	assert_int_equal(size_for(1000, 1000 * MS, 10 * MS), 1024);
	assert_int_equal(size_for(3000000, 1000 * MS, 10 * MS), 1u << 20);
	/* automatic: 2 * (Tmax / interval + 2), at least 1024 */
	assert_int_equal(size_for(0, 1000 * MS, 10 * MS), 1024);
	assert_int_equal(size_for(0, 10000 * MS, 1 * MS), 32768);
	assert_int_equal(size_for(0, 1000 * MS, 1), 1u << 20);
	/* no interval to go by */
	assert_int_equal(size_for(0, 1000 * MS, 0), 65536);
}

/* Eight slots, ten probes: 0 and 1 have left; the rest wait with their send times. */
static void test_held(void **state)
{
	struct ub_statwin *w = ub_statwin_new(8, 0);
	int64_t tx = -1;
	uint64_t i;

	(void)state;
	assert_non_null(w);
	for (i = 0; i < 10; i++)
		ub_statwin_sent(w, (int64_t)i * MS);
	assert_int_equal(ub_statwin_waiting(w, 0, &tx), -1);
	assert_int_equal(ub_statwin_waiting(w, 1, &tx), -1);
	assert_int_equal(ub_statwin_waiting(w, 10, &tx), -1);
	for (i = 2; i < 10; i++) {
		assert_int_equal(ub_statwin_waiting(w, i, &tx), 1);
		assert_int_equal(tx, (int64_t)i * MS);
	}
	assert_int_equal(ub_statwin_ok(w, 5, 3 * MS), 0);
	assert_int_equal(ub_statwin_waiting(w, 5, &tx), 0);
	ub_statwin_late(w, 6);
	assert_int_equal(ub_statwin_waiting(w, 6, &tx), 0);
	/* late for a probe no longer held changes nothing */
	ub_statwin_late(w, 1);
	assert_int_equal(ub_statwin_waiting(w, 1, &tx), -1);
	/* 4 after 5: reordered */
	assert_int_equal(ub_statwin_ok(w, 4, 2 * MS), 1);
	ub_statwin_free(w);
	ub_statwin_free(NULL);
}

/*
 * RFC 3393 pairs: a reply pairs with its neighbours that came in time,
 * and the probe that left the window last still pairs with its successor.
 */
static void test_ipdv(void **state)
{
	struct ub_statwin *w = ub_statwin_new(8, 0);
	int64_t out[2];
	uint64_t i;

	(void)state;
	assert_non_null(w);
	for (i = 0; i < 8; i++)
		ub_statwin_sent(w, (int64_t)i * MS);
	assert_int_equal(ub_statwin_ipdv(w, 0, 5 * MS, out), 0);
	(void)ub_statwin_ok(w, 0, 5 * MS);
	(void)ub_statwin_ok(w, 2, 9 * MS);
	assert_int_equal(ub_statwin_ipdv(w, 1, 6 * MS, out), 2);
	assert_int_equal(out[0], 1 * MS);  /* 6 - 5 */
	assert_int_equal(out[1], 3 * MS);  /* 9 - 6 */
	/* probe 0 leaves; 1 still pairs with it, nothing older than that */
	ub_statwin_sent(w, 8 * MS);
	assert_int_equal(ub_statwin_ipdv(w, 1, 7 * MS, out), 2);
	assert_int_equal(out[0], 2 * MS);
	ub_statwin_sent(w, 9 * MS);
	assert_int_equal(ub_statwin_ipdv(w, 2, 4 * MS, out), 0);
	ub_statwin_free(w);
}

/*
 * Loss periods and reordering across the window's edge: probes 0..19 in a
 * window of 8, 3..5 and 17..19 never answered, 10 answered after 11.
 */
static void test_summary_probes(void **state)
{
	struct ub_statwin *w = ub_statwin_new(8, 0);
	struct ub_summary out;
	uint64_t i;
	size_t mem;

	(void)state;
	assert_non_null(w);
	mem = ub_statwin_mem(w);
	for (i = 0; i < 20; i++) {
		ub_statwin_sent(w, (int64_t)i * MS);
		if (i == 10 || (i >= 3 && i <= 5) || i >= 17)
			continue;
		assert_int_equal(ub_statwin_ok(w, i, MS), 0);
		if (i == 11)
			assert_int_equal(ub_statwin_ok(w, 10, MS), 1);
	}
	memset(&out, 0, sizeof(out));
	assert_int_equal(ub_statwin_summary(w, 0, &out), 0);
	assert_int_equal(out.burst_count, 2);
	assert_int_equal(out.burst_max_len, 3);
	assert_int_equal(out.reordered, 1);
	assert_int_equal(out.reorder_extent_max, 1);
	/* a summary reads: a second one agrees, and the memory never moved */
	memset(&out, 0, sizeof(out));
	(void)ub_statwin_summary(w, 0, &out);
	assert_int_equal(out.burst_count, 2);
	assert_int_equal(ub_statwin_mem(w), mem);
	ub_statwin_free(w);
}

/* One reply's counter: its value, the probe it answered, and whether it came past Tmax. */
struct cval {
	int64_t u;
	uint32_t idx;
	int late;
};

static void feed(struct ub_statwin *w, const struct cval *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ub_statwin_counter(w, c[i].u, c[i].idx, c[i].late);
}

/* A summary with counter_hi hi gives these counter figures. */
static void expect_counters(const struct ub_statwin *w, int64_t hi, uint64_t distinct,
			    uint64_t down, uint64_t up)
{
	struct ub_summary out;

	memset(&out, 0, sizeof(out));
	assert_int_equal(ub_statwin_summary(w, hi, &out), distinct);
	assert_int_equal(out.reordered_down, down);
	assert_int_equal(out.reordered_up, up);
}

/*
 * Counters 100..107 in a window of 8: 103 reached the reflector before 102
 * (sender 3 before 2), counter 105 came back twice, 106 came back only
 * late, 104 never came back. Then 150 moves the window past all of them,
 * and a copy of 101 arrives from below it.
 */
static void test_counters(void **state)
{
	const struct cval first[] = { { 100, 0, 0 }, { 101, 1, 0 }, { 103, 2, 0 }, { 102, 3, 0 },
				      { 105, 5, 0 }, { 105, 5, 0 }, { 106, 6, 1 }, { 107, 7, 0 } };
	const struct cval jump[] = { { 150, 8, 0 }, { 101, 1, 0 } };
	const struct cval more[] = { { 104, 4, 1 }, { 151, 2, 0 } };
	struct ub_statwin *w = ub_statwin_new(8, 1);

	(void)state;
	assert_non_null(w);
	feed(w, first, 8);
	/*
	 * 100, 101, 102, 103, 105, 107 came back in time; down, 102 came
	 * after 103; up, in counter order: 0 1 3 2 5 6 7
	 */
	expect_counters(w, 107, 6, 1, 1);

	feed(w, jump, 2);
	/*
	 * 150 and the old 101, taken as a first copy that came back; sender 1
	 * was already in the upstream order: not again
	 */
	expect_counters(w, 150, 8, 2, 1);

	/*
	 * An old 104 past Tmax: not back in time, but sender 4 joins the
	 * upstream order late. 151 is sender 2 copied on the way up: the
	 * window still holds it at the summary, which must know 2 is in.
	 */
	feed(w, more, 2);
	expect_counters(w, 151, 9, 3, 2);
	ub_statwin_free(w);
}

/*
 * The first counter sits mid-window, so one that reached the reflector
 * just before it is still held: its extra copy is known as one.
 */
static void test_counters_start(void **state)
{
	const struct cval c[] = { { 100, 1, 0 }, { 99, 0, 0 }, { 99, 0, 0 } };
	struct ub_statwin *w = ub_statwin_new(8, 1);

	(void)state;
	assert_non_null(w);
	feed(w, c, 3);
	expect_counters(w, 100, 2, 1, 0);
	ub_statwin_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_held),
		cmocka_unit_test(test_ipdv),
		cmocka_unit_test(test_summary_probes),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_counters_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
