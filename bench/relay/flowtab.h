/*
 * udpbench: the link emulator's flow table (relay.h says what a flow is).
 * Each client address is a flow with its own upstream socket connected to
 * the target and its own impairment models; the table holds as many as the
 * open files limit allows (UB_RELAY_FLOWS_MAX at most), makes room by
 * forgetting a flow that has been silent with nothing in flight, refuses
 * a client it has no room for (counted once while refused, said once on
 * the log), and forgets flows silent for the idle time. It also keeps the
 * poll set: the listener, then every flow's upstream socket.
 */
#ifndef UB_FLOWTAB_H
#define UB_FLOWTAB_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/net.h"
#include "relay/impair.h"
#include "relay/relay.h"
#include "relay/relayq.h"

/*
 * One client. q is what the output queue needs of it: the upstream socket,
 * connected to the target so that replies map back to this flow, the
 * client's address, and the local one it sent to (the source of what goes
 * back).
 */
struct ub_flowtab_flow {
	struct ub_flowtab_flow *next; /* hash chain */
	uint32_t index;               /* in order of first packet, from 0: part of the seed */
	struct ub_relayq_flow q;
	int64_t last_ns;
	uint64_t arrivals[2];
	struct ub_impair *model[2];
};

struct ub_flowtab_counters {
	uint64_t seen, alive, max, refused, evicted; /* flows: see struct ub_relay_counters */
	uint64_t unrouted;                           /* datagrams of refused clients, or no memory */
};

/*
 * A table for the relay configured by c (impairments, idle time, max_flows
 * and the log are read from it as it is then: c must outlive the table),
 * whose flows connect to target, answer through the listening socket lfd
 * and seed their impairments from seed. Raises the open files limit and
 * sizes the table by it. Returns NULL when out of memory.
 */
struct ub_flowtab *ub_flowtab_new(const struct ub_relay_config *c, const struct ub_addr *target,
				  int lfd, uint64_t seed);

/* Closes every flow's socket and frees t; accepts NULL. */
void ub_flowtab_free(struct ub_flowtab *t);

/* Returns the flow of peer, made on its first packet at now; NULL when none can be made (counted). */
struct ub_flowtab_flow *ub_flowtab_get(struct ub_flowtab *t, const struct ub_addr *peer,
				       int64_t now);

/* Forgets the flows silent for the idle time with nothing in flight. */
void ub_flowtab_expire(struct ub_flowtab *t, int64_t now);

/*
 * Points *pfd at the poll set (the listener first, then each flow's
 * socket) and *pflow at the flow of each entry (NULL for the listener, or
 * for a flow forgotten since); returns how many entries, or UB_E_NOMEM.
 * Flows made after the call are not in it.
 */
int ub_flowtab_pollset(struct ub_flowtab *t, struct pollfd **pfd, struct ub_flowtab_flow ***pflow);

void ub_flowtab_counters(const struct ub_flowtab *t, struct ub_flowtab_counters *out);

/* Writes the open files limit the table was sized by into b for people ("unlimited"); returns b. */
const char *ub_flowtab_files_limit(const struct ub_flowtab *t, char *b, size_t n);

#endif
