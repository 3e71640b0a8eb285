/*
 * udpbench: reports — the charts of every result at once: chart 2, the CDF
 * and histogram of every reply (one line per result), and chart 5, one box
 * per result. Each writes its data and settings files into R->work and
 * registers the chart in R->ch for gnuplot.c to draw.
 */
#ifndef UB_OVERVIEW_H
#define UB_OVERVIEW_H

#include "lib/err.h"
#include "reports/report_int.h"

/* Chart 2 of the results with replies. Returns 0, or UB_E_IO or UB_E_NOMEM with e set. */
int ub_chart_cdf(struct ub_report_ctx *R, struct ub_err *e);

/* Chart 5 of the results with replies. Returns 0, or UB_E_IO or UB_E_NOMEM with e set. */
int ub_chart_compare(struct ub_report_ctx *R, struct ub_err *e);

#endif
