/*
 * udpbench: the computations behind a session's summary figures, on plain
 * numbers, holding no memory of their own: RFC 4737 reordering over a
 * stream of arrivals, RFC 3357 loss periods over a stream of probe fates,
 * and a struct ub_dist from samples or from a histogram. bench/stats.c
 * feeds them from its per-probe tables, bench/statwin.c from its window.
 */
#ifndef UB_STATCALC_H
#define UB_STATCALC_H

#include <stddef.h>
#include <stdint.h>

#include "lib/hist.h"
#include "metrics/stats.h"

/* TCP's duplicate-ACK threshold, the n of RFC 4737 §5 we report. */
#define UB_STATCALC_REORDER_N 3

/* An arrival that raised NextExp: its number and its place in the arrival order. */
struct ub_statcalc_rec {
	uint32_t v, pos;
};

/*
 * RFC 4737 over a stream of distinct numbers fed in arrival order. The
 * records (arrivals that raised NextExp) rise in number and position, and
 * the ones a late arrival needs are the newest: a ring of the last rcap
 * records gives the exact extent to every arrival within rcap numbers of
 * the highest so far. Start from all zeroes with rec pointing at rcap
 * records the caller owns.
 */
struct ub_statcalc_reorder {
	uint64_t n;        /* arrivals so far */
	uint64_t next_exp; /* §3.3 NextExp, once n > 0 */
	uint32_t last[UB_STATCALC_REORDER_N];
	uint64_t reordered, extent_max, n_reordered;
	struct ub_statcalc_rec *rec;
	size_t rcap, rhead, rn;
};

/*
 * RFC 4737 §3.3 NextExp reduced to a count of reordered arrivals, for
 * streams that need no extent; starts from all zeroes.
 */
struct ub_statcalc_order {
	int have;          /* anything fed yet */
	int64_t max;       /* highest value fed: NextExp - 1 */
	uint64_t reordered;
};

/* RFC 3357 §4 loss periods, fed probe by probe in sequence order; starts from all zeroes. */
struct ub_statcalc_bursts {
	uint64_t run, count, total, max;
};

/*
 * Feeds v (distinct from every number fed before) to t. Returns 1 when it
 * arrived reordered, else 0.
 */
int ub_statcalc_reorder_feed(struct ub_statcalc_reorder *t, uint32_t v);

/* Copies t's reordered count, largest extent and n-reordering into out. */
void ub_statcalc_reorder_out(const struct ub_statcalc_reorder *t, struct ub_summary *out);

/* Feeds v to o; returns nothing (o->reordered counts). */
void ub_statcalc_order_feed(struct ub_statcalc_order *o, int64_t v);

/* Feeds the fate of the next probe in sequence order: lost (or late) when lost != 0. */
void ub_statcalc_burst_step(struct ub_statcalc_bursts *b, int lost);

/* Closes the stream fed to b (b changes) and fills out's burst_* figures from it. */
void ub_statcalc_bursts_out(struct ub_statcalc_bursts *b, struct ub_summary *out);

/*
 * Fills d exactly from v[0..n), sorting v in place (no allocation); d->hist
 * is 0. n == 0 gives an empty d.
 */
void ub_statcalc_dist(struct ub_dist *d, int64_t *v, size_t n);

/* Fills d from h (NULL or empty gives n == 0); d->hist is 1. h stays the caller's. */
void ub_statcalc_dist_hist(struct ub_dist *d, const struct ub_hist *h);

/* Sorts v[0..n) ascending in place, allocating nothing. */
void ub_statcalc_sort(int64_t *v, size_t n);

/*
 * The value sorting v[0..n) would put at k (k < n), found without sorting
 * it all; v is reordered in place, nothing is allocated.
 */
int64_t ub_statcalc_select(int64_t *v, size_t n, size_t k);

#endif
