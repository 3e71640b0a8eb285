/*
 * udpbench: the link emulator (`udpbench relay`). A UDP relay between a
 * sender and a reflector that impairs each direction on its own (see
 * impair.h) and keeps the ground truth of what it did in its truth log
 * (truth.h): per-direction counters and one event per packet it dropped,
 * duplicated or held back.
 *
 * Each client address (ADDR:PORT) is a flow with its own upstream socket
 * connected to the target, so replies find their way back, and its own
 * impairment models seeded from (seed, flow number, direction). Anything
 * is relayed, STAMP or not; only datagrams of 4 bytes or more take part in
 * the reordering count.
 *
 * A socket per flow costs an open file: the relay raises its soft limit
 * toward the hard one at start and holds as many flows as that allows
 * (UB_RELAY_FLOWS_MAX at most). When a new client finds no room, a flow
 * silent for UB_RELAY_EVICT_IDLE_NS with nothing in flight makes way;
 * flows that carry traffic are never pushed out, and a client that still
 * finds no room is refused: counted, said once on the log, not relayed.
 *
 * With between (or ports) in the config, ub_relay_new makes the
 * packet-level link instead (pktlink.h): the same options, run loop,
 * counters and truth log, every IP packet rather than UDP datagrams.
 */
#ifndef UB_RELAY_H
#define UB_RELAY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/clock.h"
#include "lib/err.h"
#include "relay/impair.h"
#include "relay/truth.h"

#define UB_RELAY_EVENTS_MAX UB_TRUTH_EVENTS_MAX /* then "events_truncated": true */
#define UB_RELAY_FLOWS_MAX 4096                  /* flows at once, whatever the open files limit */
#define UB_RELAY_EVICT_IDLE_NS 1000000000LL      /* a flow this silent may make room for a new one */

struct ub_relay_config {
	const char *listen;        /* "[ADDR:]PORT"; no ADDR: every address, IPv4 and IPv6 */
	const char *target;        /* "HOST:PORT", the reflector */
	const char *between;       /* "IFACE_A,IFACE_B": a packet-level link instead (pktlink.h) */
	int ports[2];              /* with have_ports: packet ports already open (tests) */
	int have_ports;
	int family;                /* AF_UNSPEC, AF_INET or AF_INET6 for the listening socket */
	struct ub_impair_config up, down;
	uint64_t seed;
	int seed_set;              /* 0: a random seed, reported in the log and the truth */
	const char *truth_path;    /* where the caller will write the truth log; NULL none */
	int64_t duration_ns;       /* 0: until *stop */
	int64_t flow_idle_ns;      /* a silent flow is forgotten after this (60 s) */
	size_t max_flows;          /* flows at once; 0: as many as the open files limit allows */
	int64_t hold_max_ns;       /* a held packet leaves at most this long after its time (50 ms) */
	size_t max_events;         /* events kept in the truth log (UB_RELAY_EVENTS_MAX) */
	volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM: return */
	volatile sig_atomic_t *dump; /* set by SIGUSR1: print the counters (may be NULL) */
	int quiet;                 /* no "listening" line */
	FILE *log;                 /* the listening line and counters; stderr by default */
	ub_clock_fn clock;         /* NULL: ub_clock_mono; tests inject their own */
	void *clock_ctx;
};

struct ub_relay_counters {
	struct ub_truth_dir_counters dir[2]; /* [UB_DIR_UP], [UB_DIR_DOWN]: see truth.h */
	uint64_t flows;       /* flows seen since start */
	uint64_t flows_alive; /* flows now */
	uint64_t max_flows;   /* flows the relay can hold at once */
	uint64_t flows_refused; /* new clients turned away (no room, no socket); once each while refused */
	uint64_t flows_evicted; /* idle flows dropped to make room for a new one */
	uint64_t unrouted;    /* datagrams not relayed: their client was refused, or out of memory */
	uint64_t icmp_errors; /* ICMP errors reported on the upstream sockets */
	uint64_t pending;     /* scheduled or held, not yet sent */
	uint64_t events;      /* events recorded */
	int events_truncated;
};

/* Sets defaults: target port 10000, flows idle after 60 s, holds at most 50 ms, log to stderr. */
void ub_relay_config_init(struct ub_relay_config *c);

/*
 * Sets one relay option by name (without dashes): "listen", "to", "between", "seed",
 * "duration", or any impairment ub_impair_set() knows. Keeps pointers to
 * the listen and to values: they must outlive the relay. Returns 0 or
 * UB_E_INVAL with a message naming the option.
 */
int ub_relay_config_set(struct ub_relay_config *c, const char *name, const char *value,
			struct ub_err *e);

/* A seed for a run without --seed: random, small enough to type back. */
uint64_t ub_relay_random_seed(void);

/*
 * Binds and resolves, and raises the open files limit for the flows;
 * returns a relay (free with ub_relay_free) or NULL with e filled.
 */
struct ub_relay *ub_relay_new(const struct ub_relay_config *c, struct ub_err *e);
void ub_relay_free(struct ub_relay *r);

/* The port actually bound. */
int ub_relay_port(const struct ub_relay *r);

/* The seed in use (the configured one, or the random one drawn). */
uint64_t ub_relay_seed(const struct ub_relay *r);

/* Relays until *stop or the duration ends; returns 0 or a negative code for a hard error. */
int ub_relay_run(struct ub_relay *r, struct ub_err *e);

/* Copies the counters so far. */
void ub_relay_counters(const struct ub_relay *r, struct ub_relay_counters *out);

/* Prints the counters as one line per direction on f. */
void ub_relay_print_counters(const struct ub_relay *r, FILE *f);

/*
 * Writes the truth log as JSON to path, atomically (a temporary file beside
 * it, then rename). Returns 0 or UB_E_IO / UB_E_NOMEM with e filled.
 */
int ub_relay_write_truth(const struct ub_relay *r, const char *path, struct ub_err *e);

#endif
