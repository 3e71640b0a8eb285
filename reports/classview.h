/*
 * udpbench: reports — the class overview: every board of a classroom in
 * one chart, a row each, sorted by median round-trip time (the spread of
 * its replies as a bar), its loss beside it, and the boards that never
 * answered at the bottom marked "no reply". The chart grows taller with
 * the boards, so forty stay readable on a wall, and needs one colour only.
 */
#ifndef UB_CLASSVIEW_H
#define UB_CLASSVIEW_H

#include "lib/err.h"
#include "reports/report_int.h"

/* One board's row: what the overview draws of result res. NaN: not known. */
struct ub_classview_row {
	unsigned res;
	int dead;                      /* sent probes, never answered */
	double lo, q1, median, q3, p95, p99; /* ms; lo is p5, or the fastest reply without per-probe data */
	double loss, up, down;         /* % of probes sent; up and down NaN when not told apart */
};

/*
 * Fills rows (room for R->n) with the results that have figures to show
 * (replies, or none at all from a board that was sent probes), and
 * returns how many.
 */
unsigned ub_classview_rows(const struct ub_report_ctx *R, struct ub_classview_row *rows);

/* Sorts rows[0..n): by median, fastest first, ties by result; those that never answered last. */
void ub_classview_sort(struct ub_classview_row *rows, unsigned n);

/*
 * 1 when the report leads with the overview: more than a few results,
 * or results whose per-probe data is missing (the box chart needs it).
 */
int ub_classview_wanted(const struct ub_report_ctx *R);

/* Writes the overview chart (data, settings); returns 0, or UB_E_IO or UB_E_NOMEM with e set. */
int ub_chart_classview(struct ub_report_ctx *R, struct ub_err *e);

#endif
