/*
 * udpbench: a token bucket per source address, so that the reflector never
 * answers one address (or someone spoofing it) faster than a set rate.
 * The table of sources has a fixed size chosen at start; when it is full the
 * source seen least recently is forgotten. Time is the caller's: the kernel
 * receive time of each packet, so the hot path makes no clock call.
 */
#ifndef UB_RATELIMIT_H
#define UB_RATELIMIT_H

#include <stdint.h>

#include "lib/err.h"
#include "lib/net.h"

#define UB_RATELIMIT_RATE_MAX 1000000000ULL /* packets per second */

struct ub_ratelimit_config {
	uint64_t rate;     /* packets per second from one source address */
	uint64_t burst;    /* packets a quiet source may send at once; 0: a tenth of a second's worth (at least 1) */
	unsigned sources;  /* source addresses tracked at once */
	uint32_t seed;     /* hash seed; 0 picks a random one */
};

/* Sets defaults: 20000 packets/s, burst 2000, 16384 sources, a random seed. */
void ub_ratelimit_config_init(struct ub_ratelimit_config *c);

/* Returns a limiter with every table allocated (free with ub_ratelimit_free), or NULL with e filled. */
struct ub_ratelimit *ub_ratelimit_new(const struct ub_ratelimit_config *c, struct ub_err *e);
void ub_ratelimit_free(struct ub_ratelimit *rl);

/*
 * Takes one token from src's bucket at time now_ns (monotonic). Returns 1
 * when there was one (answer the packet), 0 when src is over the rate.
 * The port is not part of the source: one address, one bucket.
 */
int ub_ratelimit_allow(struct ub_ratelimit *rl, const struct ub_addr *src, int64_t now_ns);

/* The burst in use (after the default was applied). */
uint64_t ub_ratelimit_burst(const struct ub_ratelimit *rl);

/* Sources tracked now; sources forgotten to make room since start. */
unsigned ub_ratelimit_sources(const struct ub_ratelimit *rl);
uint64_t ub_ratelimit_evicted(const struct ub_ratelimit *rl);

#endif
