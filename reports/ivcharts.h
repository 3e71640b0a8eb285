/*
 * udpbench: reports — charts from the interval records alone (the JSON's
 * "intervals", one record per span of send time), for a result saved
 * without its per-probe CSV: RTT over time (each interval's median, with
 * its 90 % and slowest reply as a band) and loss over time (probes lost in
 * each interval, on the way there and back when the reflector tells them
 * apart). Both say on the chart that they come from per-interval figures.
 */
#ifndef UB_IVCHARTS_H
#define UB_IVCHARTS_H

#include "lib/err.h"
#include "reports/report_int.h"

/*
 * Writes the two interval charts of result k when it has interval records
 * (nothing otherwise). Returns 0, or UB_E_IO or UB_E_NOMEM with e set.
 */
int ub_chart_intervals(struct ub_report_ctx *R, unsigned k, struct ub_err *e);

#endif
