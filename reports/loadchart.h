/*
 * udpbench: reports — latency under load (send --load): from a result's
 * summary.load, the round trip and the load's throughput over time, the
 * loaded phase shaded, so that one sees the round trip grow while the link
 * is full (bufferbloat) and fall back after.
 */
#ifndef UB_LOADCHART_H
#define UB_LOADCHART_H

#include "lib/err.h"
#include "reports/report_int.h"

/*
 * Writes the chart of result k when its summary has a load that ran
 * (nothing otherwise). Returns 0, or UB_E_IO or UB_E_NOMEM with e set.
 */
int ub_chart_load(struct ub_report_ctx *R, unsigned k, struct ub_err *e);

#endif
