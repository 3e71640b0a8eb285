/*
 * udpbench: reports — what a reader must know before comparing the
 * results: that they crossed different links (params.link), were timed by
 * different clocks (params.clock), or that the sender's own lateness is
 * larger than the difference the charts show; and labels that name a
 * scenario whose link the run never crossed, replaced by the link's name.
 * Each finding becomes a note in R->notes for the pages and the log.
 */
#ifndef UB_CAVEATS_H
#define UB_CAVEATS_H

#include "lib/err.h"
#include "reports/report_int.h"

/*
 * Replaces the label of every result that carries the name of a scenario
 * (as another result's params.link.scenario gives it) without having run
 * on that scenario's link, and notes each. Call before the labels are made
 * unique. Returns 0, or UB_E_NOMEM with e set.
 */
int ub_caveats_labels(struct ub_report_ctx *R, struct ub_err *e);

/*
 * Notes where the results compared differ in link kind or clock, and when
 * a sender's lateness (summary.schedule.late_ns.p99) is larger than a
 * difference in RTT median or p99 between two of them. Returns 0, or
 * UB_E_NOMEM with e set.
 */
int ub_caveats_find(struct ub_report_ctx *R, struct ub_err *e);

/* Frees R's notes. */
void ub_caveats_free(struct ub_report_ctx *R);

#endif
