/*
 * udpbench: the link emulator's per-direction impairment model. Pure and
 * deterministic: an instance is seeded from (seed, flow, direction) and
 * decides, packet by packet, whether it is lost, how long it waits for the
 * link at --rate, what delay it is given, whether it is duplicated and
 * whether it is held back to be reordered.
 *
 * Every random decision has its own generator, drawn a fixed number of
 * times per packet whatever happens to it, so packet n of a flow meets the
 * same fate in every run with the same seed, and adding one impairment does
 * not change the pattern of another. The one exception is the --rate queue:
 * whether a packet finds the queue full depends on when packets arrive,
 * which is wall-clock timing, not chance. Each model has a queue of its
 * own unless it shares one (ub_impair_share): then packets of other flows
 * wait in it too, as on a real link.
 *
 * Two delay models. independent (tc-netem's): each packet's delay is its
 * own, so a packet given less delay than the one before it overtakes it.
 * fifo (a Wi-Fi station's single transmit queue): the delay is drawn the
 * same way, but a packet never leaves before the one before it in its
 * direction; it waits behind it, so jitter delays runs of packets and only
 * --reorder puts them out of order.
 */
#ifndef UB_IMPAIR_H
#define UB_IMPAIR_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

enum ub_dir { UB_DIR_UP = 0, UB_DIR_DOWN = 1 }; /* up: client -> target (the reflector) */

enum ub_jitter_dist { UB_JITTER_UNIFORM = 0, UB_JITTER_NORMAL, UB_JITTER_PARETO };

enum ub_delay_model { UB_DELAY_INDEPENDENT = 0, UB_DELAY_FIFO };

#define UB_IMPAIR_DELAY_MAX (60LL * 1000000000LL) /* --delay and --jitter at most 60 s */
#define UB_IMPAIR_QUEUE_MAX 100000                /* --queue at most this many packets */
#define UB_IMPAIR_QUEUE_DEFAULT 1000              /* netem's default limit */

/* What one direction does to packets. Probabilities are 0..1. */
struct ub_impair_config {
	double loss;                     /* Bernoulli loss */
	int ge;                          /* Gilbert-Elliott loss on (--loss-burst) */
	double ge_p, ge_r, ge_1h, ge_1k; /* netem "loss gemodel p r 1-h 1-k" */
	int64_t delay_ns;                /* added to every packet */
	int64_t jitter_ns;               /* spread around delay_ns (never below 0 in total) */
	enum ub_jitter_dist jitter_dist;
	enum ub_delay_model delay_model; /* may a packet overtake the one before it? */
	double reorder;                  /* share of packets held back past later ones */
	double duplicate;                /* share of packets sent twice */
	uint64_t rate_bps;               /* link rate in bit/s; 0: unlimited */
	uint32_t queue;                  /* packets that may wait for the link at --rate */
};

/* Why a packet was dropped. */
enum ub_impair_drop {
	UB_IMPAIR_PASS = 0,
	UB_IMPAIR_LOSS,  /* --loss (Bernoulli) */
	UB_IMPAIR_BURST, /* --loss-burst (Gilbert-Elliott) */
	UB_IMPAIR_QUEUE, /* --queue full at --rate: tail drop */
};

/* The fate of one packet. */
struct ub_impair_decision {
	enum ub_impair_drop drop;
	int copies;       /* 1, or 2 when duplicated; 0 when dropped */
	int64_t queue_ns; /* waiting for the link and serialisation at --rate */
	int64_t delay_ns; /* from --delay and --jitter, >= 0; under fifo with the wait behind
			     the packet before it */
	int64_t emit_ns;  /* when it leaves: now + queue_ns + delay_ns */
	int hold;         /* held back until later packets have passed it (--reorder) */
};

/* Sets defaults: no impairment, uniform jitter, independent delays, a queue of 1000 packets. */
void ub_impair_config_init(struct ub_impair_config *c);

/* Returns nonzero when c changes anything about the packets. */
int ub_impair_config_active(const struct ub_impair_config *c);

/*
 * The one parser of impairment options, for the command line and scenario
 * files alike. name is the option without dashes: "loss", "loss-burst",
 * "delay", "jitter", "jitter-dist", "delay-model", "reorder", "duplicate",
 * "rate", "queue", each optionally suffixed "-up" (only up is set) or "-down";
 * without a suffix both directions are set. Values: percentages with a "%"
 * ("5%", "0.5%"; a bare "0" is accepted too), durations with a unit
 * ("20ms"), "--loss-burst p,r[,1-h[,1-k]]" in netem's order, "--rate" in
 * bit, kbit, mbit, gbit (per second; "mbps" is refused: tc reads bytes),
 * "--delay-model" independent or fifo.
 * Returns 0, or UB_E_INVAL with a message naming the option and value; on
 * failure nothing is changed.
 */
int ub_impair_set(struct ub_impair_config *up, struct ub_impair_config *down, const char *name,
		  const char *value, struct ub_err *e);

/* Parses a link rate ("1mbit", "256kbit", "0" = unlimited) into bit/s; 0 or UB_E_INVAL. */
int ub_impair_parse_rate(const char *s, uint64_t *bps, struct ub_err *e);

/* "uniform", "normal" or "pareto". */
const char *ub_impair_jitter_name(enum ub_jitter_dist d);
/* "independent" or "fifo". */
const char *ub_impair_delay_model_name(enum ub_delay_model m);
/* "up" or "down". */
const char *ub_impair_dir_name(enum ub_dir d);
/* "pass", "loss", "burst" or "queue". */
const char *ub_impair_drop_name(enum ub_impair_drop d);

/*
 * Returns a model for one direction of one flow (free with ub_impair_free),
 * or NULL when out of memory. The config is copied.
 */
struct ub_impair *ub_impair_new(const struct ub_impair_config *c, uint64_t seed, uint32_t flow,
				enum ub_dir dir);
void ub_impair_free(struct ub_impair *m);

/*
 * The bottleneck of config c (its --rate and --queue) as one that several
 * models can share: all the flows of one direction of a link, which queue
 * for the same wire. NULL without a rate, or out of memory.
 */
struct ub_impair_link *ub_impair_link_new(const struct ub_impair_config *c);
void ub_impair_link_free(struct ub_impair_link *k);

/* From now on m waits for k's wire instead of a wire of its own (k NULL: no change). */
void ub_impair_share(struct ub_impair *m, struct ub_impair_link *k);

/*
 * Decides the fate of the next packet, arriving at now_ns (monotonic) with
 * wire_bytes on the wire (payload plus IP and UDP headers; used only at
 * --rate). Fills d and returns 0.
 */
int ub_impair_decide(struct ub_impair *m, int64_t now_ns, size_t wire_bytes,
		     struct ub_impair_decision *d);

#endif
