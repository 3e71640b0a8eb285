/*
 * udpbench: the link emulator's truth log. What the relay did, counted and
 * written down as it happened, to hold measurements against: per-direction
 * counters, the RFC 4737 reordered count of the relay's own output, and one
 * event per packet it dropped, duplicated, held back or gave a varying
 * delay (bounded: past the limit the log says it was truncated).
 *
 * A datagram's first 4 bytes, when it has them, are read as its sequence
 * number (network order, as STAMP sends it); shorter datagrams are counted
 * but have no number in their events and no part in the reordering count.
 */
#ifndef UB_TRUTH_H
#define UB_TRUTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "relay/impair.h"
#include "lib/net.h"

#define UB_TRUTH_EVENTS_MAX 1000000 /* then "events_truncated": true */

/* One direction's counters, as the truth log writes them. */
struct ub_truth_dir_counters {
	uint64_t in;          /* datagrams received */
	uint64_t out;         /* datagrams sent, copies included */
	uint64_t dropped;     /* all drops: loss, burst, queue and overflow */
	uint64_t queue_dropped; /* of which the --rate queue was full */
	uint64_t duplicated;  /* extra copies */
	uint64_t reordered;   /* RFC 4737 §4.1 on the output, per flow, summed */
	uint64_t delayed;     /* given an added delay > 0 by --delay/--jitter */
	uint64_t held;        /* held back by --reorder */
	uint64_t send_errors; /* soft send failures: not sent, not in out */
};

/* What happened to a packet, for ub_truth_record. */
enum ub_truth_action {
	UB_TRUTH_LOSS,       /* dropped by --loss: counts as dropped */
	UB_TRUTH_BURST,      /* dropped by --loss-burst: counts as dropped */
	UB_TRUTH_OVERFLOW,   /* dropped, the relay could hold no more: counts as dropped */
	UB_TRUTH_QUEUE_DROP, /* dropped, the --rate queue was full: dropped and queue_dropped */
	UB_TRUTH_DUP,        /* sent with an extra copy: counts as duplicated */
	UB_TRUTH_HOLD,       /* held back by --reorder: counts as held */
	UB_TRUTH_DELAY,      /* given a varying delay (--jitter): an event only, see ub_truth_delayed */
};

struct ub_truth_config {
	size_t max_events; /* events kept (at most UB_TRUTH_EVENTS_MAX); later ones only counted */
};

/* What the log says about the relay around its own counters and events. */
struct ub_truth_header {
	uint64_t seed;
	const struct ub_addr *listen, *target;
	const char *listen_name, *target_name;   /* written instead when listen/target are NULL */
	int64_t elapsed_ns;                      /* since the relay started */
	const struct ub_impair_config *up, *down; /* the impairments as configured */
	uint64_t pending[2];                     /* scheduled or held, not yet sent, per direction */
	uint64_t flows, unrouted, icmp_errors;
	uint64_t flows_refused, flows_evicted; /* new flows turned away; idle flows dropped for room */
	uint64_t max_flows;                    /* flows the relay could hold at once */
};

/* Sets defaults: keep up to UB_TRUTH_EVENTS_MAX events. */
void ub_truth_config_init(struct ub_truth_config *c);

/* Returns an empty log (free with ub_truth_free), or NULL with e filled. */
struct ub_truth *ub_truth_new(const struct ub_truth_config *c, struct ub_err *e);
void ub_truth_free(struct ub_truth *t);

/*
 * Returns the RFC 4737 state of one flow's output in one direction (free
 * with ub_truth_order_free), or NULL when out of memory. Its window of
 * sent numbers is allocated on first use.
 */
struct ub_truth_order *ub_truth_order_new(void);
void ub_truth_order_free(struct ub_truth_order *o);

/* Counts a datagram that arrived in dir. */
void ub_truth_in(struct ub_truth *t, enum ub_dir dir);

/* Counts a datagram given an added delay > 0 in dir. */
void ub_truth_delayed(struct ub_truth *t, enum ub_dir dir);

/*
 * Counts what happened to the datagram buf[0..len) of flow number flow in
 * dir (see enum ub_truth_action) and keeps an event for it, t_ns after the
 * relay started, with the delay it was given. buf is read, not kept.
 */
void ub_truth_record(struct ub_truth *t, uint32_t flow, enum ub_dir dir, enum ub_truth_action a,
		     const uint8_t *buf, size_t len, int64_t delay_ns, int64_t t_ns);

/*
 * Counts one copy of buf[0..len) sent in dir, and its place in the output
 * order o of its flow and direction: reordered when its number is below
 * RFC 4737's NextExp, unless it is a duplicate of one already sent.
 */
void ub_truth_sent(struct ub_truth *t, struct ub_truth_order *o, enum ub_dir dir,
		   const uint8_t *buf, size_t len);

/* Counts a datagram that could not be sent in dir. */
void ub_truth_send_error(struct ub_truth *t, enum ub_dir dir);

/* Copies dir's counters into out. */
void ub_truth_counters(const struct ub_truth *t, enum ub_dir dir,
		       struct ub_truth_dir_counters *out);

/* Prints dir's counters for people, one line per direction, on f. */
void ub_truth_print_counters(const struct ub_truth *t, FILE *f);

/* Returns how many events are kept; *truncated (may be NULL) says whether any were not. */
size_t ub_truth_events(const struct ub_truth *t, int *truncated);

/*
 * Writes the log as JSON to path: h and the counters, then the events one
 * per line. Atomic: a temporary file beside it, then rename. Returns 0 or
 * UB_E_INVAL, UB_E_NOMEM or UB_E_IO with e filled.
 */
int ub_truth_write(const struct ub_truth *t, const struct ub_truth_header *h, const char *path,
		   struct ub_err *e);

#endif
