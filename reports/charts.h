/*
 * udpbench: reports — the charts. For each, what it shows is written as data
 * files and a settings file into the work folder, and the chart registered
 * for gnuplot.c to draw: 1 RTT over time (each result), 2 the CDF and
 * histogram of every reply, 3 the loss raster and 4 the arrival order (each
 * UDP result), 5 the setups compared, 6 UDP beside TCP (each TCP result with
 * a UDP partner). reports/README says what each chart answers.
 */
#ifndef UB_CHARTS_H
#define UB_CHARTS_H

#include "lib/err.h"
#include "reports/report_int.h"

/*
 * Writes every chart of the results in R (read and derived) into R->work,
 * registering each in R->ch (owned by R): UDP vs TCP first, then the
 * comparison, the CDF, and each result's own. Returns 0, or UB_E_IO or
 * UB_E_NOMEM with e set.
 */
int ub_charts_write(struct ub_report_ctx *R, struct ub_err *e);

#endif
