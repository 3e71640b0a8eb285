/*
 * udpbench: the metrics of one sender session. The sender reports what it
 * sent and every reply that came back; ub_stats_summary() turns that into
 * the RFC figures named in DESIGN.md.
 */
#ifndef UB_STATS_H
#define UB_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "metrics/intervals.h"

/* Per-reply verdicts (also the CSV "status" column). */
enum ub_status {
	UB_ST_OK = 0,   /* first copy, within Tmax */
	UB_ST_LOST = 1, /* no reply within Tmax (decided by the sender) */
	UB_ST_LATE = 2, /* first copy, after Tmax: counts as lost (RFC 7680) */
	UB_ST_DUP = 3,  /* an extra copy (RFC 5560) */
};

struct ub_stats_config {
	int64_t timeout_ns;  /* Tmax: a reply later than this counts as lost, reported as late */
	int64_t interval_ns; /* schedule slot: a probe that left a whole slot late is "missed" */
	int stateful;        /* replies carry a reflector counter: split up/down */
	int unscheduled;     /* probes had no slots: late_ns is ignored, no schedule figure is kept */
	/*
	 * Keep no table per probe or per reply: memory stays the same however
	 * long the run, every distribution comes from a histogram and the
	 * figures that need history look back over a window of recent probes
	 * (stats.c says exactly which and how).
	 */
	int summary_only;
	/*
	 * summary_only: probes the window holds (rounded up to a power of two,
	 * at most 2^20); 0 sizes it as the sender's ring: 2 * (Tmax / interval
	 * + 2), at least 1024.
	 */
	uint32_t window;
};

/* Largest relative error of a percentile taken from a histogram (2^-9). */
#define UB_STATS_HIST_REL_ERR 0.001953125

/* A distribution; n == 0 means "nothing to report" (null in JSON). */
struct ub_dist {
	uint64_t n;
	int64_t min, mean, median, p90, p95, p99, p999, max, stddev;
	/*
	 * 1: median..p999 come from a histogram, within UB_STATS_HIST_REL_ERR
	 * (or 1 ns) of the exact nearest rank; n, min, max, mean and stddev
	 * are exact either way. 0: every figure exact.
	 */
	int hist;
};

struct ub_summary {
	uint64_t sent, received, lost, late, duplicates;
	double loss_pct;                 /* lost / sent * 100 */
	int has_split;                   /* the *_up / *_down figures are known */
	uint64_t lost_up, lost_down;
	uint64_t reordered;              /* RFC 4737 §4.1, sender seq in arrival order */
	double reorder_pct;              /* reordered / received * 100 */
	uint64_t reorder_extent_max;     /* RFC 4737 §4.2 */
	uint64_t n_reordered_3;          /* RFC 4737 §5, n = 3 */
	uint64_t reordered_up;           /* sender seq in reflector-arrival order */
	uint64_t reordered_down;         /* reflector seq in sender-arrival order */
	uint64_t burst_count;            /* RFC 3357 loss periods */
	double burst_mean_len;
	uint64_t burst_max_len;
	struct ub_dist rtt;              /* over received (ok) replies, RFC 6703 */
	struct ub_dist ipdv;             /* RFC 3393/5481, consecutive seq both received */
	int64_t pdv_ns;                  /* RFC 5481: rtt p99 - rtt min; -1 when no rtt */
	int64_t jitter_ns;               /* RFC 3550 running estimate; -1 when < 2 replies */
	struct ub_dist refl_proc;        /* T3 - T2 */
	struct ub_dist owd_up, owd_down; /* only with both clocks synchronised */
	struct ub_dist stack;            /* app rtt - wire rtt: time in this host's stack */
	uint64_t sched_missed;           /* probes that left a whole interval late or more */
	struct ub_dist sched_late;       /* how late each probe left against its slot */
	/*
	 * 1 (summary_only): rtt and ipdv percentiles too come from histograms.
	 * refl_proc, owd_*, stack and sched_late always do (see ub_dist.hist).
	 */
	int percentiles_hist;
	/* interval records, in time order (owned by the sender); NULL when none were asked for */
	const struct ub_interval *intervals;
	size_t n_intervals;
	/* latency under load (send --load; metrics/loadsum.h); NULL without (owned by the sender) */
	const struct ub_load_summary *load;
};

/* One reply as the sender saw it. */
struct ub_reply {
	uint32_t seq;         /* the probe's (sender) sequence number */
	int64_t rx_ns;        /* arrival, monotonic */
	int64_t rtt_ns;       /* (T4 - T1) - (T3 - T2), or T4 - T1 */
	int has_refl;         /* refl_seq and refl_proc_ns are valid (STAMP) */
	uint32_t refl_seq;    /* the reflector's counter */
	int64_t refl_proc_ns; /* T3 - T2 */
	int has_owd;          /* both ends synchronised */
	int64_t owd_up_ns, owd_down_ns;
};

/* Sets defaults: Tmax 1 s, interval 10 ms, not stateful, exact (not summary_only), window 0. */
void ub_stats_config_init(struct ub_stats_config *c);

/*
 * Returns a new accumulator (caller frees with ub_stats_free) or NULL. With
 * summary_only every table it will ever use is allocated here.
 */
struct ub_stats *ub_stats_new(const struct ub_stats_config *c);
void ub_stats_free(struct ub_stats *s);

/*
 * Records that probe seq left at tx_ns (monotonic), late_ns after its slot.
 * Probes are numbered consecutively from the first one recorded (32-bit wrap
 * is handled). Returns 0, UB_E_NOMEM, UB_E_INVAL for a number out of turn, or
 * UB_E_RANGE after 2^32 - 1 probes.
 */
int ub_stats_sent(struct ub_stats *s, uint32_t seq, int64_t tx_ns, int64_t late_ns);

/*
 * Records a reply. Returns its enum ub_status (OK, LATE or DUP; late when
 * rx_ns - tx_ns of that probe exceeds Tmax), or UB_E_INVAL for a sequence
 * number that was never sent, or UB_E_NOMEM. *reordered (may be NULL) gets 1
 * when it arrived after a higher sequence number (RFC 4737 NextExp), else 0.
 * summary_only: a reply to a probe older than the window is LATE while late
 * < lost, else DUP (it cannot tell which, and it is past Tmax either way).
 */
int ub_stats_reply(struct ub_stats *s, const struct ub_reply *r, int *reordered);

/*
 * Records how much of one probe's round trip this host's own stack took (app
 * rtt minus the rtt seen on the wire by a capture). At most one per probe.
 * Returns 0, UB_E_NOMEM, or UB_E_INVAL past one per probe.
 */
int ub_stats_add_stack(struct ub_stats *s, int64_t stack_ns);

/* Fills out from everything recorded so far; may be called more than once. Returns 0 or UB_E_NOMEM. */
int ub_stats_summary(struct ub_stats *s, struct ub_summary *out);

/* Counters so far for the live line: sent, received (ok). */
void ub_stats_counts(const struct ub_stats *s, uint64_t *sent, uint64_t *received);

/*
 * Heap bytes s holds now and the most it has held at once, its histograms
 * and a summary's scratch included (a table that grows counts old and new
 * size while it moves). Either pointer may be NULL.
 */
void ub_stats_mem(const struct ub_stats *s, size_t *now, size_t *peak);

#endif
