/*
 * Unit tests for reports/classview.c: which boards get a row and with what
 * figures (the per-probe box, else the summary; a board that never
 * answered with none), the order of the rows (fastest median first, the
 * boards without a reply last), and when the overview leads the report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <math.h>

#include "reports/classview.h"

#define MS 1000000

static void test_sort_fastest_first_silent_last(void **state)
{
	static const struct { double median; int dead; } in[] = {
		{ 30, 0 }, { 10, 0 }, { NAN, 1 }, { 20, 0 }, { 10, 0 }, { NAN, 1 }, { 0.5, 0 },
	};
	static const unsigned want[] = { 6, 1, 4, 3, 0, 2, 5 };
	struct ub_classview_row rows[7];
	unsigned i;

	(void)state;
	for (i = 0; i < 7; i++) {
		memset(&rows[i], 0, sizeof(rows[i]));
		rows[i].res = i;
		rows[i].median = in[i].median;
		rows[i].dead = in[i].dead;
	}
	ub_classview_sort(rows, 7);
	for (i = 0; i < 7; i++)
		if (rows[i].res != want[i])
			fail_msg("row %u is result %u, meant %u", i, rows[i].res, want[i]);
}

/* A result with summary text s (the JSON of "summary"); csv: its box from per-probe data. */
static void make(struct ub_result *r, json_t **keep, const char *s, int csv, int dead)
{
	json_error_t je;

	memset(r, 0, sizeof(*r));
	*keep = json_loads(s, 0, &je);
	assert_non_null(*keep);
	r->summary = *keep;
	r->params = *keep;
	r->dead = dead;
	r->label = (char *)"board";
	if (csv) {
		r->have_csv = 1;
		r->n_rtt = 10;
		r->box = (struct ub_result_box){ .p5 = 1 * MS, .q1 = 2 * MS, .median = 3 * MS,
						 .q3 = 4 * MS, .p95 = 5 * MS, .p99 = 6 * MS };
	}
}

static void test_rows_from_box_summary_and_silence(void **state)
{
	struct ub_report_config c;
	struct ub_report_ctx R;
	struct ub_result r[4];
	struct ub_classview_row rows[4];
	json_t *keep[4];
	unsigned n, i;

	(void)state;
	ub_report_config_init(&c);
	memset(&R, 0, sizeof(R));
	R.c = &c;
	R.r = r;
	R.n = 4;
	make(&r[0], &keep[0], "{\"sent\":10,\"received\":10,\"loss_pct\":0.0}", 1, 0);
	make(&r[1], &keep[1],
	     "{\"sent\":10,\"received\":9,\"lost\":1,\"loss_pct\":10.0,\"lost_up\":1,\"lost_down\":0,"
	     "\"rtt_ns\":{\"n\":9,\"min\":7000000,\"median\":8000000,\"p90\":9000000,"
	     "\"p95\":9500000,\"p99\":9900000,\"max\":9900000}}", 0, 0);
	r[1].split = 1;
	make(&r[2], &keep[2],
	     "{\"sent\":10,\"received\":0,\"lost\":10,\"loss_pct\":100.0,\"lost_up\":10,\"lost_down\":0,"
	     "\"rtt_ns\":{\"n\":0,\"median\":null}}", 0, 1);
	r[2].split = 1;
	/* nothing sent, nothing known: no row */
	make(&r[3], &keep[3], "{\"sent\":0,\"received\":0}", 0, 0);

	n = ub_classview_rows(&R, rows);
	assert_int_equal(n, 3);
	/* the per-probe box */
	assert_float_equal(rows[0].lo, 1, 1e-9);
	assert_float_equal(rows[0].q1, 2, 1e-9);
	assert_float_equal(rows[0].median, 3, 1e-9);
	assert_float_equal(rows[0].p99, 6, 1e-9);
	/* the summary: no quartiles, the line from the fastest reply */
	assert_int_equal(rows[1].res, 1);
	assert_true(isnan(rows[1].q1) && isnan(rows[1].q3));
	assert_float_equal(rows[1].lo, 7, 1e-9);
	assert_float_equal(rows[1].median, 8, 1e-9);
	assert_float_equal(rows[1].p95, 9.5, 1e-9);
	assert_float_equal(rows[1].loss, 10, 1e-9);
	assert_float_equal(rows[1].up, 10, 1e-9);
	assert_float_equal(rows[1].down, 0, 1e-9);
	/* never answered: there, with no figure of time, no bar of loss, never a 0 */
	assert_int_equal(rows[2].res, 2);
	assert_true(rows[2].dead);
	assert_true(isnan(rows[2].median) && isnan(rows[2].lo) && isnan(rows[2].p99));
	assert_true(isnan(rows[2].up) && isnan(rows[2].down));
	assert_float_equal(rows[2].loss, 100, 1e-9);

	/* a report of few results with their CSV needs no overview; more, or one without, does */
	R.n = 1;
	assert_int_equal(ub_classview_wanted(&R), 0);
	R.n = 2;
	assert_int_equal(ub_classview_wanted(&R), 1);
	r[1].have_csv = 1;
	assert_int_equal(ub_classview_wanted(&R), 0);
	R.n = UB_REPORT_CLASS_MIN;
	{
		struct ub_result many[UB_REPORT_CLASS_MIN];

		for (i = 0; i < UB_REPORT_CLASS_MIN; i++) {
			memset(&many[i], 0, sizeof(many[i]));
			many[i].have_csv = 1;
		}
		R.r = many;
		assert_int_equal(ub_classview_wanted(&R), 1);
		R.n = UB_REPORT_CLASS_MIN - 1;
		assert_int_equal(ub_classview_wanted(&R), 0);
	}
	for (i = 0; i < 4; i++)
		json_decref(keep[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort_fastest_first_silent_last),
		cmocka_unit_test(test_rows_from_box_summary_and_silence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
