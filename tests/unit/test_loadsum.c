/* Probes split by the load's phases, the throughput over the loaded phase, and the chart's bins (metrics/loadsum.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "metrics/loadsum.h"

#define MS 1000000LL

static void test_split_by_phase(void **state)
{
	struct ub_loadsum *ls = ub_loadsum_new();
	struct ub_load_summary out;
	struct ub_load_run run;
	uint64_t up_bin[8] = { 0, 0, 125000, 125000, 62500, 0, 0, 0 };
	int64_t t;

	(void)state;
	assert_non_null(ls);
	/* a probe every 10 ms for 2 s: 1 ms idle, 100 ms loaded in [500, 1500) ms, every tenth loaded one lost */
	for (t = 0; t < 2000 * MS; t += 10 * MS) {
		if (t >= 500 * MS && t < 1500 * MS && (t / (10 * MS)) % 10 == 0)
			ub_loadsum_lost(ls, t);
		else
			ub_loadsum_ok(ls, t, t >= 500 * MS && t < 1500 * MS ? 100 * MS : 1 * MS);
	}
	memset(&run, 0, sizeof(run));
	run.dir = UB_LOADSUM_UP;
	run.streams = 4;
	run.ran = 1;
	run.start_ns = 500 * MS;
	run.end_ns = 1500 * MS;
	run.up_bytes = 312500; /* 2.5 Mbit over the second */
	run.bin_ns = 250 * MS;
	run.n_bins = 8;
	run.up_bin = up_bin;
	assert_int_equal(ub_loadsum_finish(ls, &run, &out), 0);
	assert_int_equal(out.sent_idle, 100);
	assert_int_equal(out.sent_loaded, 100);
	assert_int_equal(out.lost_idle, 0);
	assert_int_equal(out.lost_loaded, 10);
	assert_int_equal(out.rtt_idle.n, 100);
	assert_int_equal(out.rtt_idle.median, 1 * MS);
	assert_int_equal(out.rtt_loaded.n, 90);
	assert_int_equal(out.rtt_loaded.median, 100 * MS);
	assert_true(out.up_bps > 2499999 && out.up_bps < 2500001);
	assert_true(out.down_bps < 0);
	/* bins of 250 ms from slot 0: the two in the middle loaded, 4 Mbit/s in the third */
	assert_int_equal(out.n_bins, 8);
	assert_false(out.bins[1].loaded);
	assert_true(out.bins[2].loaded && out.bins[5].loaded && !out.bins[6].loaded);
	assert_int_equal(out.bins[0].rtt_median_ns, 1 * MS);
	assert_int_equal(out.bins[3].rtt_median_ns, 100 * MS);
	assert_int_equal(out.bins[2].sent, 25);
	assert_int_equal(out.bins[2].lost, 3);
	assert_true(out.bins[2].up_bps > 3999999 && out.bins[2].up_bps < 4000001);
	assert_true(out.bins[2].down_bps < 0);
	assert_int_equal(out.bins[7].rtt_median_ns, 1 * MS);
	ub_loadsum_free(ls);
}

/* A load that never ran: every probe is idle, the throughput 0, and the reason kept. */
static void test_not_run(void **state)
{
	struct ub_loadsum *ls = ub_loadsum_new();
	struct ub_load_summary out;
	struct ub_load_run run;

	(void)state;
	ub_loadsum_ok(ls, 0, 5 * MS);
	ub_loadsum_lost(ls, 10 * MS);
	memset(&run, 0, sizeof(run));
	run.dir = UB_LOADSUM_BOTH;
	snprintf(run.error, sizeof(run.error), "not allowed");
	assert_int_equal(ub_loadsum_finish(ls, &run, &out), 0);
	assert_int_equal(out.sent_idle, 2);
	assert_int_equal(out.lost_idle, 1);
	assert_int_equal(out.sent_loaded, 0);
	assert_int_equal(out.rtt_loaded.n, 0);
	assert_true(out.up_bps == 0 && out.down_bps == 0);
	assert_string_equal(out.run.error, "not allowed");
	assert_string_equal(ub_loadsum_dir_name(out.run.dir), "both");
	assert_string_equal(ub_loadsum_end_name(UB_LOAD_END_CAP), "cap");
	ub_loadsum_free(ls);
}

/* Both ways on a system that does not say what TCP acknowledged: no upload figure, the download's kept. */
static void test_upload_uncounted(void **state)
{
	struct ub_loadsum *ls = ub_loadsum_new();
	struct ub_load_summary out;
	struct ub_load_run run;
	uint64_t up_bin[4] = { 0, 0, 0, 0 }, down_bin[4] = { 0, 125000, 0, 0 };

	(void)state;
	ub_loadsum_ok(ls, 300 * MS, 5 * MS);
	memset(&run, 0, sizeof(run));
	run.dir = UB_LOADSUM_BOTH;
	run.ran = 1;
	run.start_ns = 250 * MS;
	run.end_ns = 500 * MS;
	run.up_uncounted = 1;
	run.down_bytes = 125000;
	run.bin_ns = 250 * MS;
	run.n_bins = 4;
	run.up_bin = up_bin;
	run.down_bin = down_bin;
	assert_int_equal(ub_loadsum_finish(ls, &run, &out), 0);
	assert_true(out.up_bps < 0);
	assert_true(out.down_bps > 3999999 && out.down_bps < 4000001);
	assert_true(out.bins[1].up_bps < 0);
	assert_true(out.bins[1].down_bps > 3999999 && out.bins[1].down_bps < 4000001);
	ub_loadsum_free(ls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_by_phase),
		cmocka_unit_test(test_not_run),
		cmocka_unit_test(test_upload_uncounted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
