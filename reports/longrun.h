/*
 * udpbench: reports — the long-run chart, smokeping's picture of a run of
 * many intervals: for each interval record the median round-trip time as a
 * line coloured by that interval's loss, and grey "smoke" around it, darker
 * where more replies were (25-75 %, 10-90 %, fastest to slowest), over
 * wall-clock time. Drawn from the JSON's interval records alone.
 */
#ifndef UB_LONGRUN_H
#define UB_LONGRUN_H

#include "lib/err.h"
#include "reports/report_int.h"

/*
 * A result with at least this many interval records gets the long-run
 * chart: five minutes at the default 1 s records, or 30 s at 100 ms.
 */
#define UB_LONGRUN_MIN_RECORDS 300

/* At most this many columns: more records are drawn a group to a column. */
#define UB_LONGRUN_COLUMNS 800

/* Returns 1 when result r has enough interval records for the long-run chart, else 0. */
int ub_longrun_wanted(const struct ub_result *r);

/*
 * Writes the long-run chart of result k (nothing when it is not a long
 * run). Returns 0, or UB_E_IO with e set.
 */
int ub_chart_longrun(struct ub_report_ctx *R, unsigned k, struct ub_err *e);

#endif
