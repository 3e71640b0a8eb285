/*
 * udpbench: what a reflector session saw of its sender's probes, counted
 * over the sender's own sequence numbers (RFC 8762 §4.1.1: they start at
 * zero and go up by one). Fixed size, nothing allocated per packet.
 *
 * - received: distinct numbers that arrived (copies are not counted twice).
 * - lost: numbers below the highest received that never arrived, counted
 *   from 0 (from the first number heard when that is past the window: a
 *   sender already running when the session began). A probe lost after the
 *   last one that arrived cannot be seen.
 * - reordered: RFC 4737 §4.1 (NextExp), copies removed first.
 * - duplicates: RFC 5560, extra copies.
 * - jitter: RFC 3550 §6.4.1, J += (|D| - J)/16, D from arrival times against
 *   the sender's T1, in arrival order.
 *
 * Copies and late arrivals are told apart over the last UB_PEERSTATS_WINDOW
 * numbers below the highest; an arrival older than that counts as received
 * and reordered, not as a copy. Numbers wrap at 2^32 (serial arithmetic).
 */
#ifndef UB_PEERSTATS_H
#define UB_PEERSTATS_H

#include <stdint.h>

#define UB_PEERSTATS_WINDOW 1024

struct ub_peerstats {
	uint64_t received, duplicates, reordered;
	int64_t base;          /* the number counting starts from */
	int64_t highest;       /* highest number heard, unwrapped */
	int64_t first_real_ns, last_real_ns; /* first and last heard, wall clock */
	int64_t last_transit;  /* arrival minus T1 of the last new arrival */
	double jitter_ns;
	uint64_t seen[UB_PEERSTATS_WINDOW / 64]; /* bit (n mod WINDOW): number n arrived */
};

/* Begins the counts with the first probe: seq, its T1 (Unix ns), arrival (monotonic ns, wall clock ns). */
void ub_peerstats_start(struct ub_peerstats *s, uint32_t seq, int64_t t1_ns, int64_t rx_mono_ns,
			int64_t rx_real_ns);

/* Counts the next probe; returns 1 when it was a copy of one already counted, else 0. */
int ub_peerstats_add(struct ub_peerstats *s, uint32_t seq, int64_t t1_ns, int64_t rx_mono_ns,
		     int64_t rx_real_ns);

/* Numbers below the highest heard that have not arrived. */
uint64_t ub_peerstats_lost(const struct ub_peerstats *s);

#endif
