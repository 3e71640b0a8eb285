/*
 * udpbench: the link emulator's output queue (relay.h). What the
 * impairment model lets through waits here for its time: a min-heap by
 * (emit time, arrival order); packets held back for --reorder until two
 * later packets of their flow and direction have left, or hold_max_ns has
 * passed; and the packets leaving in one turn, sent in order with one
 * batch per run that shares a socket, a duplicate right behind its
 * original. Every copy sent is counted in the truth log (truth.h) with its
 * place in its flow's output order.
 */
#ifndef UB_RELAYQ_H
#define UB_RELAYQ_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "relay/impair.h"
#include "lib/net.h"
#include "relay/truth.h"

/* The queue: scheduled, held and leaving packets of every flow. */
struct ub_relayq;

/*
 * Where one flow's packets leave, and how many of them wait. The relay
 * keeps one in each of its flows and fills it; the queue reads it as each
 * packet leaves, so it must live while inflight is above 0.
 */
struct ub_relayq_flow {
	int fd[2];             /* [UB_DIR_UP] connected to the target, [UB_DIR_DOWN] the listener */
	struct ub_addr client; /* where downstream packets go, */
	struct ub_addr local;  /* from this address when has_local */
	int has_local;
	struct ub_truth_order *out_order[2]; /* the order each direction left in, for RFC 4737 */
	size_t inflight;       /* scheduled or held packets of this flow: kept by the queue */
};

struct ub_relayq_config {
	int64_t hold_max_ns;    /* a held packet leaves at most this long after its time (50 ms) */
	struct ub_truth *truth; /* counts what leaves and what cannot; required, not owned */
};

/* Sets defaults: holds at most 50 ms, no truth log. */
void ub_relayq_config_init(struct ub_relayq_config *c);

/* Returns an empty queue (free with ub_relayq_free), or NULL with e filled. */
struct ub_relayq *ub_relayq_new(const struct ub_relayq_config *c, struct ub_err *e);

/* Frees q and the packets still in it, without touching their flows; accepts NULL. */
void ub_relayq_free(struct ub_relayq *q);

/*
 * Schedules a copy of buf[0..len) from flow f in direction dir, its
 * arrival number idx there, as d says (emit_ns, copies, hold). The truth
 * log reads buf + num_off (num_off <= len) as the datagram it numbers: 0
 * for the relay's datagrams, the UDP payload of a whole packet. Returns 0
 * with f->inflight counted, or UB_E_RANGE when the queue is full or
 * UB_E_NOMEM: then nothing is kept, and the drop is the caller's to count.
 */
int ub_relayq_add(struct ub_relayq *q, struct ub_relayq_flow *f, enum ub_dir dir, uint64_t idx,
		  const struct ub_impair_decision *d, const uint8_t *buf, size_t len, size_t num_off);

/* One packet arriving at an emulator, as ub_relayq_admit takes it. */
struct ub_relayq_arrival {
	struct ub_relayq_flow *flow;
	struct ub_impair *model;   /* the flow's model for dir */
	const struct ub_impair_config *cfg; /* dir's impairments (a varying delay is an event) */
	uint32_t index;            /* the flow's number in the truth log */
	enum ub_dir dir;
	uint64_t idx;              /* its arrival number in its flow and direction, from 1 */
	const uint8_t *buf;        /* what leaves, as it arrived */
	size_t len, num_off;       /* as ub_relayq_add takes them */
	size_t wire;               /* bytes it takes on the link, for --rate */
	int64_t at, t_ns;          /* arrival (monotonic), and since the emulator started */
};

/*
 * The one admission both emulators share: counts the arrival, decides its
 * fate with a->model, writes what happened into the truth log, and
 * schedules what passes.
 */
void ub_relayq_admit(struct ub_relayq *q, const struct ub_relayq_arrival *a);

/* Sends everything due by now, in time order: scheduled packets and held ones past their bound. */
void ub_relayq_emit_due(struct ub_relayq *q, int64_t now);

/* Returns the next moment something is due, or INT64_MAX. */
int64_t ub_relayq_next_due(const struct ub_relayq *q);

/*
 * How long a loop may wait at now before something is due: until the next
 * due moment, at most tick_ns (its own chores) and max_wait_ns, never < 0.
 */
int64_t ub_relayq_wait(const struct ub_relayq *q, int64_t now, int64_t tick_ns, int64_t max_wait_ns);

/* Returns how many packets are scheduled or held, not yet sent. */
uint64_t ub_relayq_pending(const struct ub_relayq *q);

/* Returns how many of those go in direction dir. */
uint64_t ub_relayq_pending_dir(const struct ub_relayq *q, enum ub_dir dir);

#endif
