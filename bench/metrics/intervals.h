/*
 * udpbench: interval records — a run cut into equal spans of send time
 * (--report-interval), each with what became of the probes sent in it:
 * sent, received, lost (split up/down where the reflector counts), and the
 * round-trip times of the replies. A record is complete once every probe
 * of its span is decided (replied, or written off at Tmax), so the records
 * come in order, at most one Tmax after their span ends.
 */
#ifndef UB_INTERVALS_H
#define UB_INTERVALS_H

#include <stdint.h>

#include "lib/err.h"

/* One span of send time; times count from slot 0 of the run. */
struct ub_interval {
	int64_t start_ns, end_ns;
	uint64_t sent, received, lost;  /* lost: no reply within Tmax (late ones included) */
	int has_split;                  /* lost_up/lost_down are known (a stateful reflector) */
	uint64_t lost_up, lost_down;
	int64_t rtt_median_ns, rtt_p90_ns, rtt_max_ns; /* over the replies; -1 when none */
};

#endif
