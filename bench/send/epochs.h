/*
 * udpbench: a stateful reflector's lifetimes, told apart in its replies
 * (pure logic: no clock, no socket). A reflector that restarts counts from
 * 0 again (RFC 8762 §4.3.1: its counter is per session); ub_epochs_counter
 * maps each reply's counter onto one scale that runs on across restarts,
 * so the up/down split stays right on both sides of one, and records each
 * restart with the probes that went unanswered around it.
 *
 * While a reflector runs, sender number minus its counter (the "offset")
 * grows only by the probes lost on the way there, and its counter rises
 * with its own receive stamp T2: it numbers requests in the order they
 * arrive. Replies reordered on the way back bring counters out of order,
 * but never a lower counter with a later T2 — that only a new counter can:
 * a restart. (A stateless reflector, whose "counter" is the sender's
 * number, keeps the offset at 0 and never qualifies.) A restart begins a
 * new epoch with its own offset; each reply goes to the epoch whose offset
 * is nearest its own, so late replies from before the restart still count
 * where they belong: the probes of the outage count as lost on the way
 * there, as they never reached a reflector that could count them. A
 * reflector that leaves T2 zero gives no such evidence and is never taken
 * to have restarted.
 */
#ifndef UB_EPOCHS_H
#define UB_EPOCHS_H

#include <stdint.h>

#include "metrics/result.h"

#define UB_EPOCHS_MAX 64

/* One reflector lifetime between restarts. */
struct ub_epoch {
	int64_t offset; /* sender number minus reflector counter when it began */
	int64_t off_hi; /* the highest such difference seen in it */
	uint64_t base;  /* added to its counters: they run on from the previous epoch */
	uint32_t max;   /* its highest counter seen */
	uint64_t max_t2;/* the reflector's receive stamp (T2, raw) of that counter; 0 unknown */
	uint32_t seq_lo, seq_hi; /* the lowest and highest sender numbers it answered */
};

/* The lifetimes seen so far; all zero is an empty one (a plain value). */
struct ub_epochs {
	struct ub_epoch e[UB_EPOCHS_MAX];
	unsigned n;
};

/*
 * Takes a reply to probe sender_seq that carried the reflector's counter
 * refl and its receive stamp t2 (raw NTP or PTP; 0 unknown). Returns the
 * counter on the one scale. A restart it shows is added to rc
 * (refl_restarts, restarts[]); each restart's outage — the probes after the
 * last one the old reflector answered, before the first the new one did —
 * is kept up to date as late replies of either come in.
 */
uint32_t ub_epochs_counter(struct ub_epochs *ep, uint32_t sender_seq, uint32_t refl, uint64_t t2,
			   struct ub_run_counters *rc);

#endif
