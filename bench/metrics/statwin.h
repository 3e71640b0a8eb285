/*
 * udpbench: the bounded memory behind a summary_only session (struct
 * ub_stats_config.summary_only). bench/stats.c keeps the counters and the
 * histograms; this keeps what the figures that need history look back on,
 * all of it allocated by ub_statwin_new, none of it growing:
 *  - the last W probes (9 bytes each; W a power of two, 8 .. 2^20, by
 *    default 2 * (Tmax / interval + 2) and at least 1024, as the sender's
 *    ring): a probe's state and send time or rtt while it is held;
 *  - W records of the RFC 4737 tracker over sender numbers in arrival
 *    order (8 bytes each);
 *  - with a stateful reflector, W counter values and bitmaps of 2W sender
 *    numbers for the up/down orderings (about 5 bytes a probe).
 *
 * With replies coming back within the window every figure equals the
 * exact mode's. Beyond it:
 *  - a reply to a probe that left the window is taken as past Tmax (the
 *    window spans twice Tmax unless capped): stats.c counts it late while
 *    late < lost, else an extra copy, as nothing tells a first copy from
 *    another;
 *  - loss periods, ipdv, NextExp, extent and n-reordering are exact: a
 *    probe's fate is sealed when it leaves the window;
 *  - counters: a value more than W below the highest seen is taken as a
 *    first copy that came back (distinct, not a duplicate), and joins the
 *    upstream order when it arrives rather than in counter order; sender
 *    numbers more than 2W behind are not checked for upstream copies.
 */
#ifndef UB_STATWIN_H
#define UB_STATWIN_H

#include <stddef.h>
#include <stdint.h>

#include "metrics/stats.h"

/* Returns the probes a window for c holds: c->window, or sized from Tmax and the interval. */
size_t ub_statwin_size(const struct ub_stats_config *c);

/*
 * Returns an empty window of size probes (a power of two), with counter
 * windows when stateful; caller frees with ub_statwin_free. NULL when out
 * of memory.
 */
struct ub_statwin *ub_statwin_new(size_t size, int stateful);
void ub_statwin_free(struct ub_statwin *w);

/* Returns the heap bytes w holds, itself included; the same from ub_statwin_new on. */
size_t ub_statwin_mem(const struct ub_statwin *w);

/* Takes in the next probe (they count from 0), sent at tx_ns; the oldest leaves when full. */
void ub_statwin_sent(struct ub_statwin *w, int64_t tx_ns);

/*
 * Returns 1 when probe idx is held and waits for its first copy (its send
 * time in *tx_ns), 0 when it is held and had one (in time or late), -1
 * when the window no longer holds it.
 */
int ub_statwin_waiting(const struct ub_statwin *w, uint64_t idx, int64_t *tx_ns);

/*
 * Writes to out the RFC 3393 ipdv values a first copy in time of probe idx
 * with rtt_ns makes with probes idx - 1 and idx + 1, where those came in
 * time; returns how many (0 to 2).
 */
int ub_statwin_ipdv(const struct ub_statwin *w, uint64_t idx, int64_t rtt_ns, int64_t out[2]);

/*
 * Records a first copy in time for waiting probe idx; returns 1 when it
 * arrived reordered (RFC 4737 NextExp), else 0.
 */
int ub_statwin_ok(struct ub_statwin *w, uint64_t idx, int64_t rtt_ns);

/* Records a first copy past Tmax for probe idx; nothing when the window no longer holds it. */
void ub_statwin_late(struct ub_statwin *w, uint64_t idx);

/*
 * Stateful: a reply to probe idx carried counter value u (unwrapped, any
 * status; late when past Tmax). Returns nothing; it cannot fail.
 */
void ub_statwin_counter(struct ub_statwin *w, int64_t u, uint32_t idx, int late);

/*
 * Fills out's reordered, reorder_extent_max, n_reordered_3, burst_* and,
 * once a counter came, reordered_up and reordered_down; counter_hi is the
 * highest counter value seen. Reads w without changing it and allocates
 * nothing. Returns how many distinct counter values came back in time.
 */
uint64_t ub_statwin_summary(const struct ub_statwin *w, int64_t counter_hi,
			    struct ub_summary *out);

#endif
