/*
 * udpbench: interval records — a run cut into equal spans of send time
 * (--report-interval), each with what became of the probes sent in it:
 * sent, received, lost (split up/down where the reflector counts), and the
 * round-trip times of the replies. Probes are taken in their order once
 * each is decided (replied, or written off at Tmax), so a record is
 * complete at most one Tmax after its span ends, and records come in order.
 */
#ifndef UB_INTERVALS_H
#define UB_INTERVALS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* One span of send time; times count from slot 0 of the run. */
struct ub_interval {
	int64_t start_ns, end_ns;
	uint64_t sent, received, lost;  /* lost: no reply within Tmax (late ones included) */
	int has_split;                  /* lost_up/lost_down are known (a stateful reflector) */
	uint64_t lost_up, lost_down;
	int64_t rtt_median_ns, rtt_p90_ns, rtt_max_ns; /* over the replies; -1 when none */
	/* the rest of the distribution, for bands around the median; -1 when none */
	int64_t rtt_min_ns, rtt_p10_ns, rtt_p25_ns, rtt_p75_ns;
};

/* One probe as it was decided: its reply's round trip, or lost. */
struct ub_outcome {
	uint32_t seq;
	int64_t tx_ns;  /* sent, since slot 0 */
	int64_t rtt_ns; /* -1: lost (no reply within Tmax) */
};

/*
 * Records kept at most: 36 h of 1 s records, 16 MiB. A run that goes on
 * keeps constant memory: at the cap, the records already taken are merged
 * in pairs into one of twice the span, and later records span twice as
 * long. Counts add up exactly, min and max stay exact; the other round-trip
 * figures of a merged record are the pair's means weighted by replies.
 */
#define UB_INTERVALS_MAX_RECORDS (1u << 17)

struct ub_intervals_config {
	int64_t span_ns;  /* each record's span of send time */
	uint32_t window;  /* probes that can be undecided at once (rounded up to a power of two) */
	unsigned fresh;   /* outcomes kept between two ub_intervals_fresh calls */
	size_t max_records; /* records kept before pairs merge (at least 4) */
};

/* Sets defaults: 1 s spans, a window of 1024 probes, 1024 fresh outcomes, UB_INTERVALS_MAX_RECORDS. */
void ub_intervals_config_init(struct ub_intervals_config *c);

/* Returns a new, empty set of records (free with ub_intervals_free), or NULL. */
struct ub_intervals *ub_intervals_new(const struct ub_intervals_config *c);
void ub_intervals_free(struct ub_intervals *iv);

/* Probe idx (numbered from 0, consecutively) left at t_ns since slot 0. */
void ub_intervals_sent(struct ub_intervals *iv, uint64_t idx, int64_t t_ns);

/* Probe idx got its reply in time; refl is the reflector's counter when has_refl. */
void ub_intervals_ok(struct ub_intervals *iv, uint64_t idx, int64_t rtt_ns, int has_refl,
		     uint32_t refl);

/* Probe idx was written off: no reply within Tmax. */
void ub_intervals_lost(struct ub_intervals *iv, uint64_t idx);

/*
 * Takes the next complete record not taken yet: returns 1 with *out, 0 when
 * none is complete. Its split is given only when counted (stateful: the
 * reflector is known to count) and no unbroken loss run crossing it is
 * still open.
 */
int ub_intervals_take(struct ub_intervals *iv, int stateful, struct ub_interval *out);

/*
 * Ends the run once every probe is decided: the last record is closed, a
 * loss run still open counts as lost on the way there (as the summary
 * does), and every record's split is kept only when has_split.
 */
void ub_intervals_end(struct ub_intervals *iv, int has_split);

/* Every record so far, in order, contiguous (owned by iv); *n gets how many. */
const struct ub_interval *ub_intervals_records(const struct ub_intervals *iv, size_t *n);

/* 1 when a record could not be kept for want of memory (the list is cut short). */
int ub_intervals_cut(const struct ub_intervals *iv);

/*
 * The run so far for a live view: up/down over the records whose split is
 * counted (has_split 0 when none is), and the replies' median and p99 round
 * trip (-1 before the first reply).
 */
void ub_intervals_live(const struct ub_intervals *iv, int stateful, int *has_split,
		       uint64_t *lost_up, uint64_t *lost_down, int64_t *median, int64_t *p99);

/*
 * The outcomes decided since the last call, in probe order (owned by iv,
 * valid until the next call that feeds iv); *dropped gets how many were
 * left out for want of room. The next call starts afresh.
 */
const struct ub_outcome *ub_intervals_fresh(struct ub_intervals *iv, unsigned *n,
					    uint64_t *dropped);

#endif
