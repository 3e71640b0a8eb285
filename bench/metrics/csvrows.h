/*
 * udpbench: the per-probe CSV's rows put in probe order. A sender decides a
 * probe when its reply comes (ok) or when its Tmax passes (lost), so rows
 * are decided out of order; this holds each row until every earlier probe's
 * own row is decided, then hands them on in sequence-number order.
 *
 * What comes out:
 *  - every probe's own row (status ok or lost) once, in sequence-number
 *    order, from probe 0 on;
 *  - a probe's extra rows (late: a reply after the probe was written off;
 *    dup: another copy) after its own row: right after it while the own row
 *    is held, else as they are decided (later in the file);
 *  - memory for at most window probes from the oldest undecided one (the
 *    sender's ring: the probes that can be in flight) and window extra rows
 *    held at once, allocated as the run needs it. An extra row beyond that
 *    (a peer that floods copies) is handed on at once, out of place, rather
 *    than dropped.
 */
#ifndef UB_CSVROWS_H
#define UB_CSVROWS_H

#include <stdint.h>

#include "metrics/output.h"

/* Where rows go in order: emit(ctx, row), row valid only during the call. */
typedef void (*ub_csvrows_emit)(void *ctx, const struct ub_csv_row *r);

/*
 * Returns an empty buffer for probes numbered from 0 with at most window
 * (1 .. 2^24) probes between the oldest undecided one and the newest, or
 * NULL when out of memory. Caller frees with ub_csvrows_free.
 */
struct ub_csvrows *ub_csvrows_new(uint32_t window, ub_csvrows_emit emit, void *ctx);
/* Hands on what is held in order, gaps skipped, then frees (NULL accepted). */
void ub_csvrows_free(struct ub_csvrows *q);

/* Takes one row; emits it and whatever it unblocks. */
void ub_csvrows_put(struct ub_csvrows *q, const struct ub_csv_row *r);

/*
 * Hands on everything held in order, gaps skipped (at the end of a run or an
 * early stop), and gives back the memory beyond the first slots.
 */
void ub_csvrows_drain(struct ub_csvrows *q);

/* Returns the rows held now (own and extra). */
uint64_t ub_csvrows_held(const struct ub_csvrows *q);

/* Returns the extra rows handed on out of place because the extra store was full. */
uint64_t ub_csvrows_out_of_place(const struct ub_csvrows *q);

#endif
