/*
 * udpbench: round-trip times counted into fixed buckets, for monitoring
 * (--metrics): the same bounds in every run and on every host, so that a
 * Prometheus can add the buckets of many senders and take quantiles of the
 * sum. The bounds suit Wi-Fi: from 0.5 ms (a wired LAN) up to 2 s (a
 * station's queue at its worst); anything longer counts above the last.
 * Adding is a few comparisons and no allocation: it runs for every reply.
 */
#ifndef UB_RTTBUCKETS_H
#define UB_RTTBUCKETS_H

#include <stdint.h>

#define UB_RTT_BUCKETS 20

/* One bound: a round trip of at most le_ns falls in it; le is the same in seconds, as text. */
struct ub_rtt_bound {
	int64_t le_ns;
	const char *le;
};

/* The bounds, ascending. */
extern const struct ub_rtt_bound ub_rtt_bounds[UB_RTT_BUCKETS];

/* The round trips so far: n[i] in bucket i alone (not cumulative), n[UB_RTT_BUCKETS] above the last. */
struct ub_rtt_buckets {
	uint64_t n[UB_RTT_BUCKETS + 1];
	uint64_t count;
	uint64_t sum_ns;
};

/* Counts one round trip (a negative one as 0). */
void ub_rtt_buckets_add(struct ub_rtt_buckets *b, int64_t rtt_ns);

/* The count of bucket i and every one below it (i == UB_RTT_BUCKETS: all of them). */
uint64_t ub_rtt_buckets_upto(const struct ub_rtt_buckets *b, unsigned i);

#endif
