/*
 * udpbench: reports — the pages a person opens first: index.html with every
 * chart and the question it answers, and summary.md, the same table of each
 * result's summary and the list of charts, for notes or git.
 */
#ifndef UB_PAGES_H
#define UB_PAGES_H

#include "lib/err.h"
#include "reports/report_int.h"

/* Writes R->out/index.html for the results and charts in R; returns 0 or UB_E_IO. */
int ub_pages_write_html(const struct ub_report_ctx *R, struct ub_err *e);

/* Writes R->out/summary.md for the results and charts in R; returns 0 or UB_E_IO. */
int ub_pages_write_md(const struct ub_report_ctx *R, struct ub_err *e);

#endif
